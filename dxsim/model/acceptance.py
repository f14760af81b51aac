"""The acceptance assessment: its rule, and its records written at the close of the month it falls in.

An enterprise is assessed ``acceptance.delay_months`` after its project goes
live (MODEL.md, "Acceptance"): its maturity score rises by its maturity gain
if the project works, and it passes if the score reaches the acceptance level
and the enterprise is still in business (:func:`assessment`).

What an assessment records (the contract's score after, when it was assessed
and whether it passed; its platform's admission record; its sub-industry's
evidence of working and failed projects; the month's count of enterprises
accepted) is read at a month's start (the beliefs of the month's
considerers), when a batch first admits platforms (their scores, read once
per batch, which may open inside a month), and in the run's results.  So
:class:`Assessments` writes the records of all the assessments that fall in
a month at once, as arrays, when the month closes, and those made so far
when a batch is about to admit platforms (:meth:`Assessments.write_due`);
an assessment has a step of its own in the environment only when it pays
or forfeits programme money
(:meth:`~dxsim.model.contracting.Contracting.assess`), which moves the
budget that a later applicant of the same month may draw on.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.model.cells import float_packer, packed_floats
from dxsim.model.contracts import ContractBook
from dxsim.model.population import maturity_level

if TYPE_CHECKING:
    from dxsim.model.applications import Application
    from dxsim.model.demand import Admission
    from dxsim.model.information import Evidence

__all__ = ["Assessments", "assessment"]

#: The contract book's columns an assessment's record reads (:meth:`~dxsim.model.contracts.ContractBook.columns`).
_READ = ("industry", "platform", "failed", "exit", "maturity_before", "renewal")


def assessment(works: Any, maturity: Any, gain: Any, exit_time: Any, now: Any, min_level: int) -> tuple[Any, Any, Any]:
    """The outcome of acceptance assessments: the score after, its level, whether accepted.

    Python scalars (one assessment) or arrays (several) alike.

    Parameters
    ----------
    works : bool or bool array
        Whether the project works.
    maturity, gain : float or array
        Maturity score before the project, and the points a working project adds.
    exit_time, now : float or array
        When the enterprise exits, and when it is assessed (months since the start).
    min_level : int
        The maturity level that passes.

    Returns
    -------
    after : float or array
        The maturity score after the project.
    level : int or int array
        Its maturity level (1-4).
    accepted : bool or bool array
        Whether the enterprise passes: its project works, it reaches the level,
        and it is still in business.

    Examples
    --------
    >>> assessment(True, 35.0, 20.0, float("inf"), 10.0, 2)
    (55.0, 2, True)
    >>> assessment(False, 35.0, 20.0, float("inf"), 10.0, 2)
    (35.0, 1, False)
    """
    after = maturity + gain * works
    level = maturity_level(after)
    return after, level, works & (level >= min_level) & (exit_time > now)


class Assessments:
    """The records of the acceptance assessments, written month by month as arrays.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (its clock, months).
    book : ContractBook
        The contracts (the assessment's time, outcome and score are written there).
    apps : list of Application
        Each contract's application, by contract id (its enterprise's maturity gain).
    admission : Admission
        The platforms' assessment records, read when a batch admits platforms.
    evidence : Evidence
        The outcomes each sub-industry has seen, read by the month's considerers.
    accepted : array, shape (months + 1, industries)
        Enterprises accepted per month and industry (a renewal is not counted again).
    min_level : int
        The maturity level that passes.
    """

    def __init__(
        self,
        env: simpy.Environment,
        book: ContractBook,
        apps: list[Application],
        admission: Admission,
        evidence: Evidence,
        accepted: NDArray[np.float64],
        min_level: int,
    ) -> None:
        self.env = env
        self.book = book
        self.apps = apps
        self.admission = admission
        self.evidence = evidence
        self.accepted = accepted
        self.min_level = min_level
        # The assessments due and not written yet, in the order they were made due, one list per column
        # (contract, time, the maturity gain of its enterprise): their times never decrease.
        self._due: tuple[list[int], list[float], list[float]] = ([], [], [])
        self._last = -math.inf  # the time of the last assessment made due (months)

    def due(self, contract: int, time: float) -> None:
        """Contract ``contract`` is assessed at ``time`` (months since the start; never before the last assessment due).

        Its enterprise's maturity gain is read now (its application was just
        read as it went live), not among the month's others at its close.
        """
        if time < self._last:  # the month's records are the first ones due (bisection): order is a must
            raise ValueError(f"assessment at {time} months made due after one at {self._last}")
        self._last = time
        contracts, times, gains = self._due
        contracts.append(contract)
        times.append(time)
        gains.append(self.apps[contract].traits.maturity_gain)

    def write(self, month: int) -> None:
        """Write the records of the assessments that fall in ``month`` (called for each month in turn: those not written yet)."""
        self._write_before(month, month + 1)

    def write_due(self) -> None:
        """Write now the records of this month's assessments made before now (a batch is about to read them)."""
        now = self.env.now
        self._write_before(int(now), now)

    def _write_before(self, month: int, end: float) -> None:
        """Write the records of the assessments due before ``end`` (months), in ``month``: the first ones due, in order.

        The months before ``month`` are written (:meth:`write` is called for
        each month in turn), so every assessment due before ``end`` falls in
        ``month``.
        """
        contracts, times, gains = self._due
        n = bisect_left(times, end)
        if n:  # fromiter: cheaper than array for a list of known length and type; the floats packed
            contract = np.fromiter(contracts[:n], np.int64, n)
            packer = float_packer(n)
            time, gain = packed_floats(times[:n], packer), packed_floats(gains[:n], packer)  # read-only: only read
            del contracts[:n], times[:n], gains[:n]
            self._write(month, contract, time, gain)

    def _write(
        self, month: int, contract: NDArray[np.int64], time: NDArray[np.float64], gain: NDArray[np.float64]
    ) -> None:
        """Write the records of the assessments of ``contract`` at ``time`` (months), in ``month``.

        ``gain`` is the maturity gain of each contract's enterprise.  Those of
        an enterprise that has exited by then fail, and count in neither its
        platform's admission record nor its sub-industry's evidence.
        """
        book = self.book
        industry_at, platform_at, failed, exit_time, before, renewal = book.columns(_READ, contract)
        industry, platform = industry_at.astype(np.int64), platform_at.astype(np.int64)
        works = failed == 0.0
        after, _, accepted = assessment(works, before, gain, exit_time, time, self.min_level)
        book.assessed(contract, time, accepted, after)
        present = exit_time > time  # an enterprise gone is not assessed: no mark against its platform
        if present.all():  # the common case: every one still in business, no arrays to gather
            self.admission.record(platform, accepted)
            self.evidence.assessed(industry, works)
        else:
            self.admission.record(platform[present], accepted[present])
            self.evidence.assessed(industry[present], works[present])
        first = renewal == 0.0  # an enterprise is counted once: not again when it renews
        n_industries = self.accepted.shape[1]
        self.accepted[month] += np.bincount(industry[accepted & first], minlength=n_industries)
