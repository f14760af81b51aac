"""Enterprises as columns: keyed consideration thresholds and attributes.

Consideration (MODEL.md mechanism 1) is a time change of one unit-exponential
clock per enterprise.  Within industry i every enterprise that has not yet
considered has the hazard h_i(t) in month t; enterprise j considers when the
industry's integrated hazard Lambda_i passes its keyed threshold E_j, at time
``t + (E_j - Lambda_i(t)) / h_i(t)`` inside the month.  The thresholds are
generated in increasing order as Renyi's representation of exponential order
statistics, ``S_k = S_{k-1} + X_k / (N - k + 1)``, and the enterprise holding
the k-th smallest is a keyed permutation of the industry's ids; so the cost of a
month is proportional to the enterprises that consider in it, not to N, and
enterprise j's threshold depends on the seed and j only (common random numbers).
A rejecter draws its next threshold ``E_j + X'_j`` into a pool of pending ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

from dxsim.random import Keys
from dxsim.scenario.dists import Dist
from dxsim.scenario.schema import Behaviour, Industry, Solution

__all__ = [
    "AttributeDraws",
    "Attributes",
    "Considerers",
    "Memo",
    "Population",
    "Thresholds",
    "benefit_factor",
    "maturity_level",
]

#: Keyed streams of enterprise attributes.
_STREAMS = (
    "revenue",
    "benefit",
    "implementation",
    "maturity_gain",
    "maturity_band",
    "maturity_score",
    "liquidity",
    "hurdle_rate",
    "max_payback",
    "failure",
    "margin",  # added in 0.3.0, like the next: new streams leave the others' draws as they were
    "high_tech",
)

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_VALUES = np.zeros(0)

#: Industries up to this many enterprises keep their keyed permutation as an array.
DENSE_LIMIT = 1 << 20

#: Fewest thresholds generated at a time per industry (more per call, fewer calls).
MIN_CHUNK = 1024

#: Spent rows a pool of rejecters keeps at least before it compacts its columns.
SPENT_KEPT = 512

#: Fewest elements from which :func:`benefit_factor` looks for exponents of 1.0 to skip (the look, two numpy calls,
#: costs about what SVML's power of 400 elements does).
POWER_ONE_FROM = 1024

#: Populations up to this many enterprises keep every enterprise's attributes and exit time (82 bytes each, at most 86 MB).
CACHE_LIMIT = 1 << 20

#: Score bands of the digital-level assessment (FACTS row 15): L1 20-40 ... L4 80-100.
_BAND_LOW = np.array([20.0, 40.0, 60.0])
_BAND_WIDTH = np.array([40.0, 60.0, 100.0]) - _BAND_LOW  # high - low: the floats taken per enterprise before
_BAND_LOW.flags.writeable = False  # shared by every replication: never written
_BAND_WIDTH.flags.writeable = False
_LEVEL_EDGES = (40.0, 60.0, 80.0)
_LEVEL_EDGE_ARRAY = np.array(_LEVEL_EDGES)
_LEVEL_EDGE_ARRAY.flags.writeable = False  # shared by every replication: never written
#: A context that does nothing (stateless: shared by every replication and thread), for no errors to silence.
_NOTHING_TO_SILENCE = nullcontext()
_SCALAR_TYPES = (float, int)  # what maturity_level takes as one score (a tuple: no union built per call)


def maturity_level(score: ArrayLike) -> Any:
    """Digital maturity level 1-4 of a score (L2 from 40, L3 from 60, L4 from 80).

    An int for a Python float, an int array for an array.

    Examples
    --------
    >>> maturity_level(59.9), maturity_level(60.0)
    (2, 3)
    """
    if isinstance(score, _SCALAR_TYPES):
        return 1 + (score >= _LEVEL_EDGES[0]) + (score >= _LEVEL_EDGES[1]) + (score >= _LEVEL_EDGES[2])
    # the edges each score reaches (edge <= score), counted in one pass: NaN reaches none
    passed = np.less_equal.outer(_LEVEL_EDGE_ARRAY, np.asarray(score, dtype=np.float64))
    return np.asarray(np.add.reduce(passed, axis=0, dtype=np.int64) + 1, dtype=np.int64)


def benefit_factor(score: ArrayLike, reference: ArrayLike = 30.0, exponent: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Multiplier of the potential benefit of an enterprise starting at maturity ``score`` (0-100).

    ``((100 - score) / (100 - reference)) ** exponent``: 1 at the reference
    score, falling to 0 at a perfect score (more to gain from a low start;
    MODEL.md "Enterprises weigh every cost"); exponent 0 gives 1 everywhere.

    Examples
    --------
    >>> benefit_factor([30.0, 65.0, 100.0]).tolist()
    [1.0, 0.5, 0.0]
    >>> benefit_factor([30.0, 65.0], exponent=0.0).tolist()
    [1.0, 1.0]
    """
    s = np.asarray(score, dtype=np.float64)
    ratio = (100.0 - s) / (100.0 - np.asarray(reference, dtype=np.float64))
    e = np.asarray(exponent, dtype=np.float64)
    if e.size >= POWER_ONE_FROM and e.shape == np.shape(ratio) and bool((e == 1.0).all()):
        # x ** 1.0 is x on every path numpy's float64 power takes (no shortcut of its own for 1.0): glibc's pow and
        # SVML's pow8_ha (AVX-512) both err far less than half an ulp before their last rounding, so a result that
        # is a double (x itself) comes out exactly, signed zeros and infinities included, NaN as NaN (tested)
        return np.asarray(ratio)
    return np.asarray(ratio**e)


@dataclass(frozen=True)
class Considerers:
    """Enterprises considering adoption in one month (arrays of equal length)."""

    ids: NDArray[np.int64]
    industry: NDArray[np.int64]
    time: NDArray[np.float64]  # months since start, inside the month
    threshold: NDArray[np.float64]
    attempt: NDArray[np.int64]  # 0 at the first consideration

    def __len__(self) -> int:
        return len(self.ids)

    def __add__(self, other: Considerers) -> Considerers:
        """The considerers of ``self``, then those of ``other``."""
        return _concat([self, other])

    def subset(self, mask: NDArray[np.bool_]) -> Considerers:
        """The considerers where ``mask`` holds."""
        return Considerers(
            self.ids[mask],
            self.industry[mask],
            self.time[mask],
            self.threshold[mask],
            self.attempt[mask],
        )


@dataclass(frozen=True)
class Attributes:
    """Keyed attributes of some enterprises (yuan, months, shares, per year)."""

    revenue: NDArray[np.float64]  # yuan / year
    benefit: NDArray[np.float64]  # potential profit gain at its starting maturity, share of revenue / year
    hurdle_rate: NDArray[np.float64]  # 1 / year
    max_payback: NDArray[np.float64]  # months
    liquidity: NDArray[np.float64]  # yuan available at signing
    implementation: NDArray[np.float64]  # months
    failure_draw: NDArray[np.float64]  # keyed uniform: fails if below its platform's failure probability
    maturity: NDArray[np.float64]  # score before
    maturity_gain: NDArray[np.float64]  # score points if the project succeeds
    margin: NDArray[np.float64]  # base profit, share of revenue (the income-tax class)
    high_tech: NDArray[np.bool_]  # certified high-tech enterprise

    def take(self, rows: NDArray[np.int64] | NDArray[np.bool_]) -> Attributes:
        """The attributes of the enterprises ``rows`` (indices or a mask)."""
        return Attributes(*(getattr(self, name)[rows] for name in Attributes.__dataclass_fields__))


def _concat(parts: Sequence[Considerers]) -> Considerers:
    """Considerers of several groups in one."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Considerers(empty, empty, np.zeros(0), np.zeros(0), empty)
    return Considerers(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("ids", "industry", "time", "threshold", "attempt"))
    )


class _Pool:
    """Rejecters waiting for their next threshold, kept in the order they joined.

    Columns with room at the end: entries join at the end, and an entry that
    leaves gets an infinite threshold instead of being removed, so that a
    month's cost follows the entries that join and leave, not the whole pool
    moving; the columns are compacted once most of them are spent (and more
    than ``SPENT_KEPT``: a few spent rows cost the scan less than copying
    the columns does).

    Parameters
    ----------
    after : callable
        The entries that joined since the last :meth:`take` as they wait:
        ``after(joined)`` gives the step of each to its next threshold, all in one call.
    """

    _FIELDS = ("ids", "industry", "threshold", "attempt")  # a rejecter's time is not read again

    def __init__(self, after: Callable[[Considerers], NDArray[np.float64]]) -> None:
        self.after = after
        self._columns = _Columns.empty()
        self._size = 0  # rows in use, spent ones included
        self._spent = 0
        self._joining: list[Considerers] = []

    def join(self, considerers: Considerers) -> None:
        """Add entries at their last threshold (they wait for the next from the next :meth:`take`)."""
        self._joining.append(considerers)

    def take(
        self, level: NDArray[np.float64], ahead: int = 0
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        """Remove the entries whose threshold is at most their industry's ``level``.

        Returns their ids, industries, thresholds and attempts, in pool order,
        after ``ahead`` entries of each column left for the caller to write.
        """
        self._add_joining()
        cols = self._columns
        threshold = cols.threshold
        n = self._size
        # each entry's level by take: on the whole pool fewer instructions than indexing (not so on a few elements);
        # its industry is an index of level, so wrapping (no check of the index per entry) takes the same element
        due = (threshold[:n] <= level.take(cols.industry[:n], mode="wrap")).nonzero()[0]
        columns = (cols.ids, cols.industry, threshold, cols.attempt)
        if ahead:
            k = ahead + len(due)
            taken = (np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k), np.empty(k, dtype=np.int64))
            for column, out in zip(columns, taken, strict=True):
                # straight into the caller's columns, after the rows left (rows of the column: wrapping takes them)
                column.take(due, out=out[ahead:], mode="wrap")
        else:  # the rows alone: indexing costs fewer numpy steps than columns made and taken into
            taken = (cols.ids[due], cols.industry[due], threshold[due], cols.attempt[due])
        threshold[due] = np.inf
        self._spent += len(due)
        if self._spent > max(n // 2, SPENT_KEPT):
            self._compact()
        return taken

    def _add_joining(self) -> None:
        if not self._joining:
            return
        joining = self._joining
        new = joining[0] if len(joining) == 1 else _concat(joining)  # copied into the columns below
        step = self.after(new)
        self._joining = []
        n, k = self._size, len(new)
        if n + k > len(self._columns.ids):
            spare = max(n + k, 2 * len(self._columns.ids))
            self._columns = _Columns(*(_grown(getattr(self._columns, f)[:n], spare) for f in self._FIELDS))
        cols = self._columns
        cols.ids[n : n + k] = new.ids
        cols.industry[n : n + k] = new.industry
        # the next threshold and attempt written straight into the columns: the same sums, not copied again
        np.add(new.threshold, step, out=cols.threshold[n : n + k])
        np.add(new.attempt, 1, out=cols.attempt[n : n + k])
        self._size = n + k

    def _compact(self) -> None:
        """Drop the spent rows, keeping as much room as the columns had (the pool grows back)."""
        keep = np.isfinite(self._columns.threshold[: self._size]).nonzero()[0]
        room = len(self._columns.ids)
        columns = []
        for f in self._FIELDS:
            column = getattr(self._columns, f)
            kept = np.empty(room, dtype=column.dtype)
            column.take(keep, out=kept[: len(keep)], mode="wrap")  # straight into the room: rows of the column
            columns.append(kept)
        self._columns = _Columns(*columns)
        self._size = len(keep)
        self._spent = 0


@dataclass(frozen=True)
class _Columns:
    """The columns of a pool of rejecters (:class:`_Pool`), with room at the end."""

    ids: NDArray[np.int64]
    industry: NDArray[np.int64]
    threshold: NDArray[np.float64]
    attempt: NDArray[np.int64]

    @classmethod
    def empty(cls) -> _Columns:
        """No rows."""
        return cls(_EMPTY_IDS, _EMPTY_IDS, _EMPTY_VALUES, _EMPTY_IDS)


def _grown(column: NDArray[Any], length: int) -> NDArray[Any]:
    """``column`` followed by unused room, ``length`` entries in all."""
    out = np.empty(length, dtype=column.dtype)
    out[: len(column)] = column
    return out


def _group(dists: Sequence[Dist]) -> tuple[list[Dist], NDArray[np.int64]]:
    """Industries grouped by equal distributions: the distinct ones, and each industry's index among them."""
    groups: dict[Dist, int] = {}
    of = [groups.setdefault(d, len(groups)) for d in dists]
    return list(groups), np.asarray(of, dtype=np.int64)


def _ranges(start: NDArray[np.int64], stop: NDArray[np.int64]) -> NDArray[np.int64]:
    """The positions ``start[j] .. stop[j] - 1`` of every ``j``, one after the other."""
    n = stop - start
    ends = n.cumsum()  # its last element is the number of positions
    return (start - ends + n).repeat(n) + np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)


def _stable_order(keys: NDArray[Any]) -> NDArray[np.int64]:
    """``np.argsort(keys, kind="stable")``, by the default sort where the keys are distinct.

    Distinct keys have one sorting permutation, which any sort finds (the
    default one is several times faster on 64-bit keys); among equal keys the
    stable sort's order of positions is kept, sorting again stably.
    """
    order = np.asarray(keys.argsort(), dtype=np.int64)
    ranked = keys[order]
    if (ranked[1:] == ranked[:-1]).any():
        return np.asarray(keys.argsort(kind="stable"), dtype=np.int64)
    return order


def _keys_of(industry: NDArray[np.int64], value: NDArray[np.float64]) -> NDArray[np.complex128]:
    """Complex keys ``industry + 1j value``: numpy orders complex numbers by real part, then imaginary part."""
    out = np.empty(len(industry), dtype=np.complex128)
    out.real = industry
    out.imag = value
    return out


class Thresholds:
    """Keyed consideration thresholds of every industry, and the pool of rejecters waiting for their next.

    The thresholds generated and not yet passed are kept in one array,
    industry after industry, each industry's in increasing order, as the
    complex numbers ``industry + 1j threshold``: in numpy's order of complex
    numbers (real part, then imaginary part) the array is sorted, and one
    ``searchsorted`` finds where every industry's passed thresholds end.

    Parameters
    ----------
    size : array of int
        Enterprises per industry.
    offset : array of int
        Global id of each industry's first enterprise.
    keys : Keys
        The replication's keyed draws.
    """

    def __init__(self, size: NDArray[np.int64], offset: NDArray[np.int64], keys: Keys) -> None:
        self.size = size
        self.offset = offset
        self.keys = keys
        keys.keep("reconsider", int(size.sum()))  # the rejecters are asked about month after month
        n_ind = len(size)
        self.integrated = np.zeros(n_ind)  # Lambda_i
        self._generated = np.zeros(n_ind, dtype=np.int64)  # order statistics generated so far
        self._last = np.zeros(n_ind)  # value of the last one generated
        self._values = np.zeros(0, dtype=np.complex128)  # industry + 1j threshold, not yet passed
        self._ranks = np.zeros(0, dtype=np.int64)  # the rank (1-based) of each
        self._head = np.zeros(n_ind, dtype=np.int64)  # each industry's first not yet passed, in _values
        self._end = np.zeros(n_ind, dtype=np.int64)  # where each industry's end, in _values
        self._pending = _Pool(self._steps_to_next)  # rejecters waiting for their next threshold
        self._complete = bool((size == 0).all())  # every industry's thresholds generated: none left to generate
        # keyed permutations of the industries up to DENSE_LIMIT enterprises, side by side
        dense = size <= DENSE_LIMIT
        self._dense_at = np.where(dense, np.cumsum(np.where(dense, size, 0)) - np.where(dense, size, 0), -1)
        self._holder = np.zeros(int(size[dense].sum()), dtype=np.int64)
        self._permuted = np.zeros(n_ind, dtype=bool)
        self._all_dense = bool(dense.all())  # every industry's permutation stored

    def step(self, hazard: NDArray[np.float64], month: int) -> Considerers:
        """Advance every industry's clock by one month at ``hazard`` (per month).

        Returns the enterprises whose threshold falls inside the month, with
        the time at which each considers: first-time considerers, then
        rejecters considering again.
        """
        lo = self.integrated  # replaced below, never written in place: each industry's level at the month's start
        self.integrated = lo + hazard
        moving = (hazard > 0).nonzero()[0]
        first = self._first_thresholds(moving, self.integrated[moving])
        ahead = 0 if first is None else len(first[0])
        # the rejecters taken into the month's columns after the first-time considerers' rows, written here (no
        # concatenation copies the rejecters' rows again)
        ids, industry, e, attempt = self._pending.take(self.integrated, ahead)
        if first is not None:
            ids[:ahead], industry[:ahead], e[:ahead] = first
            attempt[:ahead] = 0
        # with every industry's hazard positive no division by zero is silenced (the context costs more than the
        # division); the fraction of the month clipped to [0, 1] by maximum, then minimum: clip's floats, -0.0 for
        # -0.0 alone, which the month's addition makes the same (a whole number + -0.0 or + 0.0 is that number)
        quiet = _NOTHING_TO_SILENCE if len(moving) == len(hazard) else np.errstate(divide="ignore", invalid="ignore")
        with quiet:
            time = month + np.minimum(np.maximum((e - lo[industry]) / hazard[industry], 0.0), 1.0)
        return Considerers(ids, industry, time, e, attempt)

    def _first_thresholds(
        self, moving: NDArray[np.int64], upto: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]] | None:
        """Pop the first-time thresholds of industries ``moving`` that are <= their ``upto``: ids, industries, values.

        None where none is (no threshold to pop: nothing gathered).
        """
        self._fill(moving, upto)
        head, end = self._head[moving], self._end[moving]
        # between each industry's head and end (whole numbers: the clip's minimum of maximum)
        cut = np.minimum(np.maximum(self._values.searchsorted(_keys_of(moving, upto), side="right"), head), end)
        popped = cut - head
        if not popped.any():
            return None
        at = _ranges(head, cut)
        self._head[moving] = cut
        industry = moving.repeat(popped)
        return self.offset[industry] + self._holders(industry, self._ranks[at] - 1), industry, self._values[at].imag

    def _fill(self, moving: NDArray[np.int64], upto: NDArray[np.float64]) -> None:
        """Generate thresholds until each industry's pass its ``upto`` or it has none left to generate."""
        while not self._complete:
            head, end = self._head[moving], self._end[moving]
            last = self._values.imag[end - 1] if len(self._values) else np.zeros(len(moving))
            short = ((head == end) | (last <= upto)) & (self._generated[moving] < self.size[moving])
            if not short.any():
                return
            self._extend(moving[short], upto[short])
            self._complete = bool((self._generated == self.size).all())

    def holders(self, i: int, positions: NDArray[np.int64]) -> NDArray[np.int64]:
        """Which enterprise (local id) holds the given threshold ranks (0-based) in industry ``i``.

        A keyed permutation of ``range(N_i)``: stored whole for industries up
        to ``DENSE_LIMIT`` enterprises, evaluated rank by rank (Feistel) above.
        """
        n = int(self.size[i])
        if n > DENSE_LIMIT:
            return self.keys.permutation_index(f"holder:{i}", n, positions)
        at = int(self._dense_at[i])
        if not self._permuted[i]:
            self._holder[at : at + n] = _stable_order(self.keys.bits(f"holder:{i}", np.arange(n)))
            self._permuted[i] = True
        return self._holder[at + positions]

    def _holders(self, industry: NDArray[np.int64], positions: NDArray[np.int64]) -> NDArray[np.int64]:
        """:meth:`holders` of ranks ``positions`` of industries ``industry`` (those of dense industries permuted)."""
        at = self._dense_at[industry]
        if self._all_dense:
            return self._holder[at + positions]
        sparse = at < 0
        out = np.empty(len(positions), dtype=np.int64)
        out[~sparse] = self._holder[at[~sparse] + positions[~sparse]]
        for i in np.unique(industry[sparse]).tolist():
            mine = industry == i
            out[mine] = self.holders(i, positions[mine])
        return out

    def _extend(self, which: NDArray[np.int64], upto: NDArray[np.float64]) -> None:
        """Generate the next chunk of thresholds of industries ``which``, each after its thresholds not yet passed."""
        chunks = [self._chunk(i, u) for i, u in zip(which.tolist(), upto.tolist(), strict=True)]
        left = self._end - self._head
        added = np.zeros(len(left), dtype=np.int64)
        added[which] = [len(ks) for ks, _ in chunks]
        end = np.cumsum(left + added)
        start = end - left - added
        values = np.empty(int(end[-1]), dtype=np.complex128)
        ranks = np.empty(int(end[-1]), dtype=np.int64)
        kept, old = _ranges(start, start + left), _ranges(self._head, self._end)
        values[kept], ranks[kept] = self._values[old], self._ranks[old]
        new = _ranges(start[which] + left[which], end[which])
        ranks[new] = np.concatenate([ks for ks, _ in chunks])
        values[new] = _keys_of(np.repeat(which, added[which]), np.concatenate([v for _, v in chunks]))
        self._values, self._ranks, self._head, self._end = values, ranks, start, end
        for i in which.tolist():
            self.holders(i, _EMPTY_IDS)  # permute a dense industry once, as its thresholds are first generated

    def _chunk(self, i: int, upto: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The next chunk of industry ``i``'s thresholds (ranks, values), enough to pass ``upto`` most likely.

        The order statistics are summed one after the other from the last
        one generated (``cumsum`` of ``[last, increments]`` is sequential), so
        each threshold is the same float however the ranks were chunked:
        a pure function of the seed, the industry and the rank, whatever the
        hazard path (two scenarios on one seed share them to the last bit).
        """
        n = int(self.size[i])
        k0 = int(self._generated[i])
        remaining = n - k0
        expected = remaining * -np.expm1(-(max(upto - float(self._last[i]), 0.0)))
        chunk = int(min(remaining, max(MIN_CHUNK, 2 * expected + 16)))
        ks = np.arange(k0 + 1, k0 + chunk + 1, dtype=np.int64)
        x = self.keys.exponential("threshold", i, ks)
        values = np.cumsum(np.concatenate(([float(self._last[i])], x / (n - ks + 1))))[1:]
        self._generated[i] = k0 + chunk
        self._last[i] = float(values[-1])
        return ks, values

    def reconsider(self, considerers: Considerers) -> None:
        """Rejecters wait in the pool of pending ones for their next threshold (:meth:`_steps_to_next`).

        The month's rejecters (the considerers', then each one turned away
        at signing) draw it together as the pool next takes: one keyed draw,
        the same values as one draw each.
        """
        if len(considerers):
            self._pending.join(considerers)

    def _steps_to_next(self, c: Considerers) -> NDArray[np.float64]:
        """The step ``X'`` of rejecters to their next threshold ``E + X'`` (keyed by enterprise and attempt)."""
        return self.keys.exponential("reconsider", c.ids, c.attempt)


class Memo:
    """Keyed values of every enterprise, computed at the first ask and kept.

    A keyed value depends on the seed and the enterprise's id alone, so the
    value kept is the value computed again: looking it up changes nothing
    but the time.  Every enterprise's values are computed in one vectorised
    call when the first are asked for (an enterprise is asked about at each
    of its considerations, and most of a population considers: one call is
    cheaper than a call a month).  The float values of an enterprise are kept
    side by side (one row each), so that the values of the enterprises asked
    about come in one gather.  Kept for populations of at most
    ``CACHE_LIMIT`` enterprises (:meth:`of`).

    Parameters
    ----------
    size : array of int
        Enterprises per industry (ids run through the industries in order).
    compute : callable
        ``compute(ids, industry)``: the values of enterprises ``ids`` of
        industries ``industry``, one array per name.
    """

    def __init__(
        self,
        size: NDArray[np.int64],
        compute: Callable[[NDArray[np.int64], NDArray[np.int64]], Mapping[str, NDArray[Any]]],
    ) -> None:
        self.size = size
        self.compute = compute
        self._kept: tuple[list[str], NDArray[np.float64], dict[str, NDArray[Any]]] | None = None

    @classmethod
    def of(
        cls,
        size: NDArray[np.int64],
        compute: Callable[[NDArray[np.int64], NDArray[np.int64]], Mapping[str, NDArray[Any]]],
    ) -> Memo | None:
        """A memo for industries of ``size`` enterprises, None above ``CACHE_LIMIT`` enterprises in all."""
        return cls(size, compute) if int(size.sum()) <= CACHE_LIMIT else None

    def get(self, ids: NDArray[np.int64], only: Sequence[str] | None = None) -> dict[str, NDArray[Any]]:
        """The values of enterprises ``ids``: all of them, or ``only`` those named (each gathered alone)."""
        names, rows, columns = self._kept if self._kept is not None else self._keep()
        if only is not None:  # a float's column gathered by take (a pair of indices costs more)
            return {
                name: columns[name][ids] if name in columns else rows[:, names.index(name)].take(ids) for name in only
            }
        # one gather of whole rows: an enterprise's float values lie side by side in memory
        out = dict(zip(names, np.ascontiguousarray(rows.take(ids, axis=0).T), strict=True))
        out.update({name: column[ids] for name, column in columns.items()})
        return out

    def _keep(self) -> tuple[list[str], NDArray[np.float64], dict[str, NDArray[Any]]]:
        """Compute every enterprise's values: the floats as the rows of one array (their names), the rest as columns."""
        industry = np.repeat(np.arange(len(self.size)), self.size)
        values = self.compute(np.arange(len(industry), dtype=np.int64), industry)
        names = [name for name, v in values.items() if v.dtype == np.float64]
        rows = np.stack([values[name] for name in names], axis=1)
        self._kept = (names, rows, {name: v for name, v in values.items() if v.dtype != np.float64})
        return self._kept


class AttributeDraws:
    """Keyed attributes of enterprises from their industry's distributions, kept for small populations.

    Parameters
    ----------
    industries : sequence of Industry
        The industries (revenue, margin, maturity bands, high-tech share).
    solutions : sequence of Solution
        Each industry's solution (benefit, implementation, maturity gain, failure).
    behaviour : Behaviour
        Hurdle rates, payback limits, liquidity.
    keys : Keys
        The replication's keyed draws.
    """

    def __init__(
        self,
        industries: Sequence[Industry],
        solutions: Sequence[Solution],
        behaviour: Behaviour,
        keys: Keys,
    ) -> None:
        self.behaviour = behaviour
        self.keys = keys
        per_industry: dict[str, list[Dist]] = {
            "revenue": [ind.revenue for ind in industries],
            "benefit": [sol.benefit for sol in solutions],
            "implementation": [sol.implementation_months for sol in solutions],
            "maturity_gain": [sol.maturity_gain for sol in solutions],
            "margin": [ind.margin for ind in industries],
        }
        self._groups = {name: _group(dists) for name, dists in per_industry.items()}
        self._reference = np.array([sol.benefit_reference_score for sol in solutions])
        self._exponent = np.array([sol.benefit_maturity_exponent for sol in solutions])
        self._rho = np.array([sol.maturity_benefit_correlation for sol in solutions])
        # sqrt(1 - rho**2) per industry: the same floats as computed per enterprise
        self._rho_complement = np.sqrt(1.0 - self._rho**2)
        self._high_tech = np.array([ind.high_tech_share for ind in industries])
        # the two band edges of each industry as contiguous columns, each gathered by take
        self._band_low = np.array([ind.maturity.exploration for ind in industries])
        self._band_high = np.array([ind.maturity.exploration + ind.maturity.practice for ind in industries])
        size = np.array([ind.enterprises for ind in industries], dtype=np.int64)
        self._cache = Memo.of(size, self._draw_columns)

    @property
    def cached(self) -> bool:
        """True when the attributes drawn are kept (a population of at most ``CACHE_LIMIT`` enterprises)."""
        return self._cache is not None

    def attributes(self, ids: NDArray[np.int64], industry: NDArray[np.int64]) -> Attributes:
        """Keyed attributes of enterprises ``ids`` (a pure function of seed and id).

        An enterprise considers many times (rejecters come back); in a
        population of up to ``CACHE_LIMIT`` enterprises every enterprise's
        attributes are drawn at the first ask and kept, one array per
        attribute (:class:`Memo`), so considerations only look them up (the
        same values: they depend on the seed and the id alone).
        """
        if self._cache is None:
            return self.draw(ids, industry)
        return Attributes(**self._cache.get(ids))

    def columns(
        self, names: Sequence[str], ids: NDArray[np.int64], industry: NDArray[np.int64]
    ) -> dict[str, NDArray[Any]]:
        """The attributes ``names`` of enterprises ``ids`` (of industries ``industry``), by name: :meth:`attributes` read in part.

        Kept (a population of at most ``CACHE_LIMIT`` enterprises), only the
        named columns are gathered (the same values).
        """
        if self._cache is None:
            drawn = self.draw(ids, industry)
            return {name: getattr(drawn, name) for name in names}
        return self._cache.get(ids, names)

    def _draw_columns(self, ids: NDArray[np.int64], industry: NDArray[np.int64]) -> dict[str, NDArray[Any]]:
        """:meth:`draw` as columns by name."""
        drawn = self.draw(ids, industry)
        return {name: getattr(drawn, name) for name in Attributes.__dataclass_fields__}

    def draw(self, ids: NDArray[np.int64], industry: NDArray[np.int64]) -> Attributes:
        """Draw the attributes of ``ids`` (of industries ``industry``) from their keyed uniforms, uncached."""
        u = self.keys.uniforms(_STREAMS, ids)
        revenue = np.clip(self._draw("revenue", u["revenue"], industry), 0.0, None)
        # per-industry values gathered by take (the same elements as indexing, fewer instructions)
        band = (u["maturity_band"] >= self._band_low.take(industry)).astype(np.int64) + (
            u["maturity_band"] >= self._band_high.take(industry)
        )
        b = self.behaviour
        liquidity_months = np.clip(b.liquidity_months.ppf(u["liquidity"]), 0.0, None)
        maturity = _BAND_LOW.take(band) + u["maturity_score"] * _BAND_WIDTH.take(band)
        # the benefit's normal scores, computed once: the copula reads them, and so does a normal or lognormal
        # benefit's quantile (the same ndtri of the same uniforms its ppf computed)
        z_benefit = np.asarray(ndtri(u["benefit"]))
        potential = self._draw("benefit", u["benefit"], industry, z_benefit) * benefit_factor(
            maturity, self._reference.take(industry), self._exponent.take(industry)
        )
        return Attributes(
            revenue=revenue,
            benefit=potential,
            hurdle_rate=np.clip(b.hurdle_rate.ppf(u["hurdle_rate"]), 0.0, None),
            max_payback=b.max_payback_months.ppf(u["max_payback"]),
            liquidity=liquidity_months * revenue / 12.0,
            implementation=np.clip(self._draw("implementation", u["implementation"], industry), 0.0, None),
            failure_draw=u["failure"],
            maturity=maturity,
            maturity_gain=np.clip(
                self._draw("maturity_gain", self._coupled(u, z_benefit, industry), industry), 0.0, None
            ),
            margin=self._draw("margin", u["margin"], industry),
            high_tech=u["high_tech"] < self._high_tech.take(industry),
        )

    def _coupled(
        self, u: dict[str, NDArray[np.float64]], z_benefit: NDArray[np.float64], industry: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """The uniform of the maturity gain, coupled to the benefit's by a Gaussian copula.

        ``Phi(rho z_b + sqrt(1 - rho**2) z_m)`` with ``z`` the standard normal
        scores of the two keyed uniforms (``z_benefit``, the benefit's) and
        ``rho`` the solution's ``maturity_benefit_correlation``: still
        uniform, so the maturity gain keeps its distribution.
        """
        z = self._rho.take(industry) * z_benefit + self._rho_complement.take(industry) * ndtri(u["maturity_gain"])
        return np.asarray(ndtr(z))

    def _draw(
        self,
        attribute: str,
        u: NDArray[np.float64],
        industry: NDArray[np.int64],
        z: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Inverse-CDF draws, one distribution per group of industries that share it (``z``: ``u``'s normal scores)."""
        dists, group_of = self._groups[attribute]
        if len(dists) == 1:
            return dists[0].ppf(u) if z is None else dists[0]._ppf_at_score(u, z)
        out = np.empty(len(u))
        which = group_of.take(industry)
        for g, dist in enumerate(dists):
            m = which == g
            out[m] = dist.ppf(u[m]) if z is None else dist._ppf_at_score(u[m], z[m])
        return out


class Population:
    """The enterprises of one replication: their consideration thresholds and their attributes.

    Parameters
    ----------
    industries : sequence of Industry
        The industries, in order (enterprise ids run through them).
    solutions : mapping of str to Solution
        The scenario's solutions, by name.
    behaviour : Behaviour
        The enterprises' behaviour (hurdle rates, payback limits, liquidity).
    keys : Keys
        The replication's keyed draws.
    """

    def __init__(
        self,
        industries: Sequence[Industry],
        solutions: Mapping[str, Solution],
        behaviour: Behaviour,
        keys: Keys,
    ) -> None:
        self.industries = list(industries)
        #: Enterprises per industry.
        self.size = np.array([ind.enterprises for ind in industries], dtype=np.int64)
        #: Global id of each industry's first enterprise.
        self.offset = np.concatenate([[0], np.cumsum(self.size)[:-1]]).astype(np.int64)
        self.thresholds = Thresholds(self.size, self.offset, keys)
        self.draws = AttributeDraws(self.industries, [solutions[ind.solution] for ind in industries], behaviour, keys)

    @property
    def integrated(self) -> NDArray[np.float64]:
        """Each industry's integrated hazard so far (Lambda_i)."""
        return self.thresholds.integrated

    def industry_of(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Industry index of global enterprise ids."""
        return np.asarray(self.offset.searchsorted(ids, side="right") - 1, dtype=np.int64)

    def step(self, hazard: NDArray[np.float64], month: int) -> Considerers:
        """The considerers of ``month`` at ``hazard`` (per month); see :meth:`Thresholds.step`."""
        return self.thresholds.step(hazard, month)

    def reconsider(self, considerers: Considerers) -> None:
        """Rejecters wait for their next threshold; see :meth:`Thresholds.reconsider`."""
        self.thresholds.reconsider(considerers)

    def attributes(self, ids: NDArray[np.int64], industry: NDArray[np.int64]) -> Attributes:
        """Keyed attributes of enterprises ``ids``; see :meth:`AttributeDraws.attributes`."""
        return self.draws.attributes(ids, industry)

    def columns(
        self, names: Sequence[str], ids: NDArray[np.int64], industry: NDArray[np.int64]
    ) -> dict[str, NDArray[Any]]:
        """The attributes ``names`` of enterprises ``ids``, by name; see :meth:`AttributeDraws.columns`."""
        return self.draws.columns(names, ids, industry)
