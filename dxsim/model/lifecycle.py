"""The enterprises' life cycle: firm exit, and renewal at the end of a solution's lifetime.

Exit.  Each enterprise exits at an exponential time with rate
``behaviour.exit_rate`` (1 / year), independently of everything else.  Like
the consideration thresholds (:mod:`dxsim.model.population`) the exit
times are the population's order statistics, generated so that the cost
follows the enterprises asked about, not N: the number of industry i's
enterprises exiting in month m is binomial among those still in business,
``X_im ~ Bin(S_im, 1 - exp(-rate / 12))``, drawn by inverse CDF from keyed
uniforms (stream ``exit_count``; O(industries x months) once); enterprise j
of industry i holds exit rank ``r_j``, a keyed permutation of the industry's
ids (stream ``exit_rank``), and exits in the month m with
``C_i(m-1) <= r_j < C_i(m)`` (C the cumulated counts), at a keyed time inside
it from the exponential truncated to the month (stream ``exit_time``).  The
counts, which enterprises exit and when are jointly those of N independent
exponential times; an enterprise's exit time depends on the seed, its
industry and its id only.  Exits after the horizon are not drawn (infinite
exit time: the run does not see them).

An exited enterprise never considers again (checked when its consideration
comes, :meth:`Exits.time`); its solution stops being in use, its gains,
fees and payments stop (:mod:`dxsim.model.settlement`,
:mod:`dxsim.model.contracting`) and so do its taxes
(:mod:`dxsim.model.closing`).

Renewal.  When a working solution reaches the end of its lifetime
(go-live + ``lifetime_months``) and its enterprise is still in business, the
enterprise considers again at that time: :class:`Renewals` hands it to the
month's considerers, and it decides at the month's price and programme
terms like any considerer, as a former user (:meth:`Renewals.former_scores`:
its maturity score is the one it reached, and a new project of the same
solution adds none).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from dxsim.model import population
from dxsim.model.cells import float_packer, packed_floats, packed_ints
from dxsim.model.population import Considerers, Memo
from dxsim.random import Keys

__all__ = ["Exits", "Lifecycle", "Renewals", "binomial_quantile"]


def binomial_quantile(u: NDArray[np.float64], n: NDArray[np.float64], p: float) -> NDArray[np.float64]:
    """The binomial quantile: ``scipy.stats.binom.ppf(u, n, p)``, without its argument checks.

    On the domain it is called on, ``ppf`` checks its arguments and returns
    its ``_ppf`` (the quantile scipy's distributions define for ``ppf``;
    ``scipy.special``'s ``_binom_ppf`` from scipy 1.11 on): called directly,
    a month's exits cost a third of the time.  tests/model/test_lifecycle.py
    checks that the two agree.

    Parameters
    ----------
    u : array
        Probabilities in (0, 1) (keyed uniforms, :mod:`dxsim.random`).
    n : array
        Trials: enterprises in business, whole numbers >= 0 (as floats).
    p : float
        Probability of success of each trial (of exiting in the month), in [0, 1].

    Returns
    -------
    array
        The least ``k`` (enterprises) with ``P(K <= k) >= u``, as floats.
    """
    return np.asarray(stats.binom._ppf(u, n, p), dtype=np.float64)


class Exits:
    """Keyed exit times of every enterprise, and the number exiting per month and industry.

    Parameters
    ----------
    size : array of int
        Enterprises per industry.
    offset : array of int
        Global id of each industry's first enterprise.
    rate : float
        Exit rate, 1 / year.
    months : int
        The horizon, months: exits after it are not drawn.
    keys : Keys
        The replication's keyed draws.
    """

    def __init__(
        self, size: NDArray[np.int64], offset: NDArray[np.int64], rate: float, months: int, keys: Keys
    ) -> None:
        self.size = size
        self.offset = offset
        self.keys = keys
        #: Monthly hazard, 1 / month.
        self.hazard = rate / 12.0
        #: Enterprises exiting in each month, shape (months, industries).
        self.counts = np.zeros((months, len(size)))
        if self.hazard > 0 and months:
            q = -math.expm1(-self.hazard)
            alive = size.astype(np.float64)
            # every month's keyed uniforms in one draw: element (m, i) is uniform("exit_count", i, m)
            u = keys.uniform("exit_count", np.arange(len(size))[None, :], np.arange(months)[:, None])
            for m, u_m in enumerate(u):
                exiting = binomial_quantile(u_m, alive, q)
                self.counts[m] = exiting
                alive = alive - exiting
        cumulated = np.cumsum(self.counts, axis=0).T  # (industries, months)
        #: True when some enterprise exits within the horizon.
        self.any = bool(cumulated[:, -1].any()) if months else False
        self.months = months
        # Global ranks exited by each month's end, industry after industry: one increasing sequence,
        # since industry i's ranks run from offset[i] to offset[i] + size[i] <= offset[i + 1].
        self._global = (cumulated + offset[:, None]).ravel()
        self._kept = (
            Memo.of(size, lambda ids, industry: {"exit": self._time(ids, industry, every=True)}) if self.any else None
        )

    @staticmethod
    def exit_months(counts: NDArray[np.float64], size: NDArray[np.int64]) -> NDArray[np.int64]:
        """The month in which each exit rank of each industry exits, industry after industry (the horizon: not within it).

        Of industry i, ranks ``C_i(m - 1) <= r < C_i(m)`` exit in month m (C the
        counts cumulated, ``C_i(-1) = 0``) and ranks from ``C_i(M - 1)`` on,
        after the horizon M: each rank's month is the number of months by whose
        end at most r have exited, as :meth:`time` finds it by a search, here
        for every rank at once (whole numbers: the same months).

        Parameters
        ----------
        counts : array, shape (months, industries)
            Enterprises exiting in each month and industry (whole numbers, as floats).
        size : array of int
            Enterprises per industry (at least the exits counted).

        Returns
        -------
        array of int, shape (size.sum(),)
            Entry ``offset_i + r`` is the month in which rank ``r`` of industry i exits.

        Examples
        --------
        >>> Exits.exit_months(np.array([[1.0, 0.0], [2.0, 1.0]]), np.array([4, 2])).tolist()
        [0, 1, 1, 2, 1, 2]
        """
        months = counts.shape[0]
        left = size - counts.sum(axis=0).astype(np.int64)  # still in business at the horizon (whole numbers: exact)
        width = np.concatenate([counts.T.astype(np.int64), left[:, None]], axis=1)  # ranks per month, then after it
        return np.tile(np.arange(months + 1, dtype=np.int64), len(size)).repeat(width.ravel())

    def time(self, ids: NDArray[np.int64], industry: NDArray[np.int64]) -> NDArray[np.float64]:
        """Exit time of enterprises ``ids`` of industries ``industry`` (months since start; inf = not within the horizon).

        Every enterprise's computed at the first ask and kept, in a population
        of at most :data:`~dxsim.model.population.CACHE_LIMIT` enterprises
        (:class:`~dxsim.model.population.Memo`).
        """
        if self._kept is None or len(ids) == 0:
            return self._time(ids, industry)
        return self._kept.get(ids, ("exit",))["exit"]

    def _time(self, ids: NDArray[np.int64], industry: NDArray[np.int64], every: bool = False) -> NDArray[np.float64]:
        """:meth:`time`, computed; ``every``: for every enterprise at once (a rank's month from a table, not a search)."""
        out = np.full(len(ids), np.inf)
        if not self.any or len(ids) == 0:
            return out
        rank = self.keys.permutation_indices("exit_rank", self.size[industry], ids - self.offset[industry], industry)
        # the month in which rank r exits: the number of months by whose end fewer than r + 1 have exited
        months = self.months
        if every:
            month = self.exit_months(self.counts, self.size)[rank + self.offset[industry]]
        else:
            month = np.searchsorted(self._global, rank + self.offset[industry], side="right") - industry * months
        inside = month < months
        lam = self.hazard
        u = self.keys.uniform("exit_time", ids[inside])
        within = -np.log1p(-u * -math.expm1(-lam)) / lam  # the exponential truncated to [0, 1)
        out[inside] = month[inside] + within
        return out


class Renewals:
    """Solutions reaching the end of their lifetime: their enterprises consider again.

    Parameters
    ----------
    renewal : array of bool
        Whether each industry's solution is renewed (``solutions.<s>.renewal``).
    months : int
        The horizon, months: a lifetime ending at or after it is not renewed within the run.
    enterprises : int, optional
        Enterprises in all: up to :data:`~dxsim.model.population.CACHE_LIMIT`, the former
        users' scores are kept by id (a look-up is one gather; 8 bytes per enterprise);
        omitted or above, as the former users in increasing id (a look-up is a search).
    """

    def __init__(self, renewal: NDArray[np.bool_], months: int, enterprises: int | None = None) -> None:
        self.months = months
        #: Per industry, the time (months) before which a lifetime's end is renewed within the run: the
        #: horizon if its solution is renewed, -inf if not (Python floats, read per solution gone live,
        #: by :meth:`schedule` and by its caller, which calls it only for a lifetime ending before).
        self.until: list[float] = [
            float(months) if r else -math.inf for r in np.asarray(renewal, dtype=np.bool_).tolist()
        ]
        #: The last month whose considerers were drawn (a lifetime ending in it waits for the next).
        self.opened = -1
        # per month, the values of its rows one after another (enterprise, industry, end, attempt, score: five a
        # row), where a tuple a row made numpy discover a 2-D table of objects when the month opened
        self._due: defaultdict[int, list[Any]] = defaultdict(list)  # ints and floats
        # the maturity score each former user (its solution ended) reached, NaN for the others, by id
        limit = population.CACHE_LIMIT  # read now, not at import: a test may lower it to run the search
        self._score_of = np.full(enterprises, np.nan) if enterprises is not None and enterprises <= limit else None
        # ... or the former users in increasing id, and their scores
        self._former_ids = np.zeros(0, dtype=np.int64)
        self._former_scores = np.zeros(0)
        self._any_former = False  # no former user recorded yet (see any_former)

    def schedule(self, enterprise: int, industry: int, end: float, attempt: int, score: float) -> None:
        """A working solution of ``enterprise`` ends at ``end`` (months); ``attempt`` its consideration, ``score`` reached.

        Its enterprise considers again at ``end`` (or at the next month's
        start, if the month of ``end`` has already been drawn: a lifetime
        shorter than a month), if its industry renews and ``end`` is inside
        the horizon.
        """
        if end >= self.until[industry]:  # not renewed, or at or after the horizon (end is finite)
            return
        month = math.floor(end)  # ``int(end)`` for a time never negative, at a third of the cost in CPython 3.11
        if month <= self.opened:
            month = self.opened + 1
            end = float(month)
            if month >= self.months:
                return
        self._due[month].extend((enterprise, industry, end, attempt + 1, score))

    def due(self, month: int, level: NDArray[np.float64], hazard: NDArray[np.float64]) -> Considerers:
        """The enterprises whose solution's lifetime ends in ``month``, as considerers.

        ``level`` is each industry's integrated consideration hazard at the
        month's end and ``hazard`` its rate in the month (1 / month): a
        renewer's threshold is the industry's integrated hazard at its time,
        so one that declines considers again later as any rejecter does
        (:meth:`dxsim.model.population.Thresholds.reconsider`).
        """
        self.opened = month
        values = self._due.pop(month, [])
        if not values:
            empty = np.zeros(0, dtype=np.int64)
            return Considerers(empty, empty, np.zeros(0), np.zeros(0), empty)
        # each column packed as np.array converts it (the whole numbers as int64, the rest as doubles; read-only)
        enterprise, industry, attempt = packed_ints(values[0::5]), packed_ints(values[1::5]), packed_ints(values[3::5])
        packer = float_packer(len(enterprise))
        time, score = packed_floats(values[2::5], packer), packed_floats(values[4::5], packer)
        self._remember(enterprise, score)
        threshold = level[industry] - hazard[industry] * (month + 1 - time)
        return Considerers(enterprise, industry, time, threshold, attempt)

    def _remember(self, enterprise: NDArray[np.int64], score: NDArray[np.float64]) -> None:
        """Record former users (each at most once in ``enterprise``) and their scores, the latest kept."""
        self._any_former = True
        if self._score_of is not None:
            self._score_of[enterprise] = score
            return
        order = np.argsort(enterprise)
        enterprise, score = enterprise[order], score[order]
        known = self._former_ids
        at = np.searchsorted(known, enterprise)
        seen = at < len(known)
        seen[seen] = known[at[seen]] == enterprise[seen]
        self._former_scores[at[seen]] = score[seen]
        self._former_ids = np.insert(known, at[~seen], enterprise[~seen])
        self._former_scores = np.insert(self._former_scores, at[~seen], score[~seen])

    @property
    def any_former(self) -> bool:
        """True once a solution has ended within the run (before, :meth:`former_scores` is NaN for every id)."""
        return self._any_former

    def former_scores(self, ids: NDArray[np.int64]) -> NDArray[np.float64]:
        """Maturity score reached by each of ``ids`` whose solution has ended (NaN: not a former user)."""
        if self._score_of is not None:
            return self._score_of[ids]
        known = self._former_ids
        if len(known) == 0:
            return np.full(len(ids), np.nan)
        at = np.minimum(np.searchsorted(known, ids), len(known) - 1)
        return np.where(known[at] == ids, self._former_scores[at], np.nan)


@dataclass(frozen=True)
class Lifecycle:
    """The exits and renewals of one replication."""

    exits: Exits
    renewals: Renewals
