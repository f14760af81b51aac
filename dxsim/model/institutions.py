"""Institutions as written: a batch's sub-industries and platforms, and the order it serves applicants.

Pure functions and one recorder, used by :class:`~dxsim.model.programme.ProgrammeState`
(admission), :class:`~dxsim.model.demand.Demand` (allocation) and
:class:`~dxsim.model.contracting.Contracting` (the applicants' record):

* :class:`BatchAdmission`, :func:`choose_industries` and
  :func:`admit_platforms`: a batch first fixes its sub-industries, then admits
  platforms within them (FACTS row 6: the 2022 batch admitted 98 platforms in
  38 sub-industries);
* :func:`allocation_rank`: the order in which an oversubscribed batch serves
  the month's applicants that count on its money (``programme.allocation``);
* :class:`ApplicantLog`: every applicant that counted on a batch's money, and
  whether the batch granted it (what a voucher-lottery evaluation compares,
  FACTS row 27).

The equations are in docs/model.md, "Institutions".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from dxsim.model.cells import packed_ints
from dxsim.random import Keys
from dxsim.scenario.schema import Scenario

__all__ = [
    "LOTTERY_STREAM",
    "TIE_STREAM",
    "ApplicantLog",
    "BatchAdmission",
    "admit_platforms",
    "allocation_rank",
    "choose_industries",
]

#: Keyed stream of the lottery draws (one per enterprise and month).
LOTTERY_STREAM = "allocation_lottery"
#: Keyed stream breaking ties between sub-industries of equal mean score (one per industry and batch).
TIE_STREAM = "batch_industries"


def choose_industries(
    industries: int | NDArray[np.int64] | None,
    score: NDArray[np.float64],
    industry: NDArray[np.int64],
    taken: NDArray[np.bool_],
    tie: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """The sub-industries a batch fixes (a mask over industries).

    Parameters
    ----------
    industries : int, array of int or None
        ``Batch.industries``: a count, the indexes of the listed industries,
        or None (every industry).
    score : array, shape (platforms,)
        Each platform's admission score.
    industry : array of int, shape (platforms,)
        Each platform's industry.
    taken : array of bool, shape (industries,)
        Industries an earlier batch chose.
    tie : array, shape (industries,)
        Keyed uniform draws that break ties.

    Returns
    -------
    array of bool, shape (industries,)
        With a count n: the n industries (of those with a platform) that no
        earlier batch chose first, then by the highest mean score of their
        platforms, then by the smallest draw; fewer when fewer have platforms.

    Examples
    --------
    >>> score = np.array([3.0, 1.0, 2.0, 2.0])
    >>> industry = np.array([0, 0, 1, 2])
    >>> none = np.zeros(3, dtype=bool)
    >>> choose_industries(1, score, industry, none, np.array([0.5, 0.2, 0.9])).tolist()  # means 2, 2, 2: the draw
    [False, True, False]
    >>> choose_industries(1, score, industry, np.array([False, True, False]), np.array([0.5, 0.2, 0.9])).tolist()
    [True, False, False]
    """
    n = len(taken)
    if industries is None:
        return np.ones(n, dtype=bool)
    chosen = np.zeros(n, dtype=bool)
    if not isinstance(industries, int):
        chosen[industries] = True
        return chosen
    count = np.bincount(industry, minlength=n)
    mean = np.bincount(industry, weights=score, minlength=n) / np.maximum(count, 1)
    ranked = np.lexsort((tie, -mean, taken))
    chosen[ranked[count[ranked] > 0][:industries]] = True
    return chosen


def admit_platforms(
    score: NDArray[np.float64],
    industry: NDArray[np.int64],
    chosen: NDArray[np.bool_],
    limit: int | None,
    *,
    national: bool,
) -> NDArray[np.bool_]:
    """The platforms a batch admits among those of its ``chosen`` industries (a mask over platforms).

    Best score first (ties by the platforms' order), at most ``limit`` (None:
    all of them).  Unless ``national`` (a batch that fixes no
    sub-industries, ranked over the whole country as before 0.4), the best
    platform of each chosen industry comes first, so that each has one when
    ``limit`` allows.

    Examples
    --------
    >>> score = np.array([3.0, 2.5, 1.0, 0.0])
    >>> industry = np.array([0, 0, 1, 1])
    >>> both = np.array([True, True])
    >>> admit_platforms(score, industry, both, 2, national=False).tolist()
    [True, False, True, False]
    >>> admit_platforms(score, industry, both, 2, national=True).tolist()
    [True, True, False, False]
    """
    inside = chosen[industry]
    if limit is None or limit >= inside.sum():
        return inside
    order = np.argsort(-score, kind="stable")
    order = order[inside[order]]
    if not national:
        _, first = np.unique(industry[order], return_index=True)
        leaders = np.zeros(len(order), dtype=bool)
        leaders[first] = True
        order = np.concatenate([order[leaders], order[~leaders]])  # each industry's best, then the rest
    admitted = np.zeros(len(score), dtype=bool)
    admitted[order[:limit]] = True
    return admitted


class BatchAdmission:
    """Which platforms each batch of a replication admits, fixed once per batch.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its batches, industries and platforms).
    keys : Keys
        The replication's keyed draws (ties between sub-industries, stream :data:`TIE_STREAM`).
    """

    def __init__(self, scenario: Scenario, keys: Keys) -> None:
        self.batches = scenario.programme.batches
        index = {ind.name: i for i, ind in enumerate(scenario.resolved_industries)}
        #: Each platform's industry.
        self.platform_industry = np.array([index[p.industry] for p in scenario.resolved_platforms], dtype=np.int64)
        self._industries = [
            np.array([index[n] for n in b.industries]) if isinstance(b.industries, tuple) else b.industries
            for b in self.batches
        ]
        self._taken = np.zeros(len(index), dtype=bool)  # industries a batch has chosen so far
        self._ties = keys.uniform(TIE_STREAM, np.arange(len(index))[None, :], np.arange(len(self.batches))[:, None])
        #: Platforms each batch admitted, by batch, once it was asked.
        self.admitted: dict[int, NDArray[np.bool_]] = {}
        #: The same as lists of Python bools, for one platform at a time (an item, not a numpy scalar).
        self.admits: dict[int, list[bool]] = {}

    def selects(self, batch: int) -> bool:
        """Whether ``batch`` holds an admission round (it limits its platforms or fixes its sub-industries)."""
        b = self.batches[batch]
        return b.platforms is not None or b.industries is not None

    def admit(self, batch: int, score: Callable[[], NDArray[np.float64]]) -> NDArray[np.bool_]:
        """Platforms ``batch`` admits; ``score()`` (each platform's admission score) is called once, when first asked.

        A batch with an admission round first fixes its sub-industries
        (:func:`choose_industries`), then admits platforms within them
        (:func:`admit_platforms`); one without admits every platform.
        """
        if batch not in self.admitted:
            chosen = np.ones(len(self.platform_industry), dtype=bool)
            if self.selects(batch):
                values = score()
                spec = self.batches[batch]
                industries = choose_industries(
                    self._industries[batch], values, self.platform_industry, self._taken, self._ties[batch]
                )
                self._taken |= industries
                chosen = admit_platforms(
                    values, self.platform_industry, industries, spec.platforms, national=spec.industries is None
                )
            self.admitted[batch] = chosen
            self.admits[batch] = chosen.tolist()
        return self.admitted[batch]

    def table(self) -> NDArray[np.int8]:
        """Platforms each batch admitted, shape (batches, platforms), 1 or 0.

        A batch without an admission round (:meth:`selects`) admits every
        platform; one that holds a round but was never asked during its window
        admitted nobody.
        """
        out = np.zeros((len(self.batches), len(self.platform_industry)), dtype=np.int8)
        for k in range(len(self.batches)):
            admitted = self.admitted.get(k)
            if admitted is not None:
                out[k] = admitted
            elif not self.selects(k):
                out[k] = 1
        return out


def allocation_rank(
    rule: Literal["arrival", "score", "lottery"],
    time: NDArray[np.float64],
    maturity: NDArray[np.float64],
    lottery: NDArray[np.float64] | None,
) -> NDArray[np.int64]:
    """Applicants in the order a batch serves them (indexes into the arrays, first served first).

    Parameters
    ----------
    rule : {"arrival", "score", "lottery"}
        ``programme.allocation``.
    time : array
        When each applies (months); arrival order, and the tie-break of ``score``.
    maturity : array
        Starting maturity score of each (score points): ``score`` serves the
        lowest first, the largest shortfall to the programme's levels.
    lottery : array or None
        Keyed uniform draws (``lottery`` serves the smallest first); needed only for it.

    Examples
    --------
    >>> time = np.array([0.1, 0.2, 0.3])
    >>> maturity = np.array([50.0, 20.0, 50.0])
    >>> allocation_rank("arrival", time, maturity, None).tolist(), allocation_rank("score", time, maturity, None).tolist()
    ([0, 1, 2], [1, 0, 2])
    >>> allocation_rank("lottery", time, maturity, np.array([0.7, 0.9, 0.1])).tolist()
    [2, 0, 1]
    """
    if rule == "score":
        return np.lexsort((time, maturity))
    if rule == "lottery":
        assert lottery is not None
        return np.argsort(lottery, kind="stable")
    return np.argsort(time, kind="stable")


@dataclass
class ApplicantLog:
    """Applicants that counted on a batch's money, one row per attempt to sign inside a window.

    ``won`` is 1 when the batch committed programme money to the applicant at
    its signing time (it may still decline, as a voucher may go unused), 0 when
    the budget, or its platform's cap, left it nothing.  An applicant waiting
    for the next batch (rule ``wait``) has a row in each batch it tries.
    """

    #: The attempts' values one after another, each attempt's in the order of :data:`COLUMNS` (one call of
    #: :meth:`recorder` records an attempt); only ever extended, never replaced.
    rows: list[int] = field(default_factory=list)
    #: The columns, named as the Dataset's ``applicant_<name>``.
    COLUMNS: ClassVar[tuple[str, ...]] = ("enterprise", "month", "batch", "won")

    def recorder(self) -> Callable[[tuple[int, int, int, bool]], None]:
        """What records one attempt, given as ``(enterprise, month, batch, won)`` (``month``: the model month of the attempt).

        The ``extend`` of :attr:`rows`, bound once: signing, which records
        thousands of attempts a run, calls it in C, without a Python call
        of its own per attempt.  ``won`` a bool: 1 or 0 as the float columns
        hold it.

        Examples
        --------
        >>> log = ApplicantLog()
        >>> record = log.recorder()
        >>> record((7, 3, 0, True))
        >>> record((8, 3, 0, False))
        >>> {name: column.tolist() for name, column in log.arrays().items()}
        {'enterprise': [7.0, 8.0], 'month': [3.0, 3.0], 'batch': [0.0, 0.0], 'won': [1.0, 0.0]}
        """
        return self.rows.extend

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """The columns as float arrays, named as the Dataset's ``applicant_<name>``.

        Every value is a whole number (an id, a month, a batch, a bool):
        packed as int64 at once (:func:`~dxsim.model.cells.packed_ints`),
        each column then cast to float, the double ``np.asarray`` makes of
        each int (both round to nearest; exact below 2 ** 53).
        """
        table = packed_ints(self.rows).reshape(-1, len(self.COLUMNS))
        return {name: table[:, k].astype(np.float64) for k, name in enumerate(self.COLUMNS)}
