"""The monthly driver: one SimPy process that opens and closes every month of a replication.

At the start of month t the driver reprices the platforms, computes each
industry's consideration hazard from the enterprises in use and the
lighthouses so far, draws the month's considerers (vectorised, see
:mod:`dxsim.model.population`), adds the enterprises whose solution's
lifetime ends in the month (:class:`~dxsim.model.lifecycle.Renewals`) and
hands them to
:class:`~dxsim.model.demand.Demand`, whose adopters apply at their own times
inside the month.  At time t + 1 it closes month t: the contracts gone live
are settled (if the run reads their schedules monthly,
:meth:`~dxsim.model.contracting.LiveContracts.month_closed`) and the month's
end state is recorded in the
:class:`MonthlySeries`.

Order at one instant.  The month's end waits on an
:class:`~dxsim.model.programme.UrgentTimeout`, processed before the ordinary
events due at the same time (an applicant returning exactly when a batch
opens sees the month closed and the next one decided).  A batch's rollover
(:class:`~dxsim.model.programme.ProgrammeState`) waits on one too, scheduled
when the programme is built, before the driver starts: at a close that falls
on a month's end, the budget rolls over first, then the month closes.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from heapq import heappop
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray
from simpy.core import StopSimulation
from simpy.events import URGENT, EventPriority

from dxsim.model.acceptance import Assessments
from dxsim.model.contracting import LiveContracts
from dxsim.model.demand import Demand, Prices
from dxsim.model.lifecycle import Renewals
from dxsim.model.parameters import IndustryParameters
from dxsim.model.platform import Occupancy, Platforms, Receivables
from dxsim.model.population import Population
from dxsim.model.programme import ProgrammeState, UrgentTimeout

__all__ = ["COUNTS", "PLATFORM_SERIES", "MonthlyDriver", "MonthlySeries", "run_until"]

#: Counts per month and industry (enterprises): considering and adoptions in the month; changes
#: of those in use; acceptances and lighthouses in the month; would-be adopters their platform
#: declined in the month; renewals and exits in the month.
COUNTS = ("considering", "adoptions", "in_use", "accepted", "lighthouses", "declined", "renewals", "exits")

#: End-of-month state per platform: time-average queue length and utilisation, experience
#: (deployments), unit cost and quoted price (yuan), receivables (yuan).
PLATFORM_SERIES = ("queue_length", "utilisation", "experience", "unit_cost", "price", "receivables")


@dataclass(frozen=True)
class MonthlySeries:
    """What a replication records month by month (arrays filled in place during the run).

    Attributes
    ----------
    counts : dict of str to array, shape (months + 1, industries)
        The :data:`COUNTS` of each month (one spare month, for a solution
        whose lifetime ends at the horizon).
    platform : dict of str to array, shape (months, platforms)
        The :data:`PLATFORM_SERIES` at each month's end.
    budget_remaining : array, shape (months,)
        Uncommitted budget of the batches not yet closed at each month's end, yuan.
    budget_lapsed : array, shape (months,)
        Budget lapsed in each month (:meth:`~dxsim.model.programme.ProgrammeState.take_lapsed`), yuan / month.
    budget_committed : array, shape (months,)
        Budget committed to contracts and not yet paid nor released at each month's end, yuan.
    """

    counts: dict[str, NDArray[np.float64]]
    platform: dict[str, NDArray[np.float64]]
    budget_remaining: NDArray[np.float64]
    budget_lapsed: NDArray[np.float64]
    budget_committed: NDArray[np.float64]

    @classmethod
    def zeros(cls, months: int, industries: int, platforms: int) -> MonthlySeries:
        """Empty series for ``months`` months."""
        return cls(
            counts={name: np.zeros((months + 1, industries)) for name in COUNTS},
            platform={name: np.zeros((months, platforms)) for name in PLATFORM_SERIES},
            budget_remaining=np.zeros(months),
            budget_lapsed=np.zeros(months),
            budget_committed=np.zeros(months),
        )

    def monthly(self, months: int) -> dict[str, NDArray[np.float64]]:
        """The counts as output: in the month (considering, adoptions, declined, renewals, exits) or cumulated (the rest)."""
        c = self.counts
        return {
            "considering": c["considering"][:months],
            "adoptions": c["adoptions"][:months],
            "renewals": c["renewals"][:months],
            "exits": c["exits"][:months],
            "adopters": np.cumsum(c["adoptions"][:months], axis=0),
            "in_use": np.cumsum(c["in_use"][:months], axis=0),
            "accepted": np.cumsum(c["accepted"][:months], axis=0),
            "lighthouses": np.cumsum(c["lighthouses"][:months], axis=0),
            "declined": c["declined"][:months],
        }


def run_until(env: simpy.Environment, until: float) -> None:
    """``env.run(until=until)`` for a time ``until`` (months since the start, after now): SimPy's loop, inlined.

    The loop of :meth:`simpy.Environment.run` calls
    :meth:`simpy.Environment.step` once per event; this runs the body of
    ``step`` in the loop itself, without a method call per event (a
    replication's ~67,000 events, most of them the applicants' steps).  It
    does what ``run`` does for a time, step for step: an urgent event at
    ``until`` (``int`` kept as ``int``, otherwise a ``float``) whose
    callback stops the run; each event popped from the queue, the clock set
    to its time, its callbacks taken and called in order, a failed event
    not defused raising a copy of its exception; at the stop, the stopping
    event scheduled again with its callbacks left (as ``step`` does at a
    :class:`~simpy.core.StopSimulation`, which counts one more event).  So
    the same events run in the same order with the same numbers
    (tests/model/test_driver.py compares the two).
    """
    at = until if isinstance(until, int) else float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, at - env.now)
    stop.callbacks.append(StopSimulation.callback)
    queue = env._queue
    try:
        while True:
            env._now, _, _, event = heappop(queue)  # the stopping event is in the queue: never empty before it
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]  # as step: processed
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):  # failed, not defused: crash, as step does
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    except StopSimulation:
        event.callbacks = callbacks[callbacks.index(callback) + 1 :]
        env.schedule(event, EventPriority(-1))


class MonthlyDriver:
    """Opens and closes the months of one replication.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (months).
    population : Population
        The enterprises (the month's considerers).
    platforms : Platforms
        The platforms (their end-of-month state).
    prices : Prices
        Repriced at each month's start.
    industry : IndustryParameters
        The Bass coefficients of each industry.
    potential : array
        Each industry's market potential m_i, enterprises
        (:func:`~dxsim.model.potential.market_potential`).
    demand : Demand
        Decides the month's considerers.
    live : LiveContracts
        Contracts gone live, settled at each month's end or at the run's end
        (:meth:`~dxsim.model.contracting.LiveContracts.month_closed`).
    assessments : Assessments
        The acceptance assessments, recorded at each month's end.
    programme : ProgrammeState
        The programme (the budget left at each month's end).
    receivables : Receivables
        What enterprises still owe each platform.
    occupancy : Occupancy
        Time integrals of the number waiting and in service at each platform.
    series : MonthlySeries
        Where the months are recorded.
    renewals : Renewals
        The enterprises whose solution's lifetime ends, month by month.
    """

    def __init__(
        self,
        *,
        env: simpy.Environment,
        population: Population,
        platforms: Platforms,
        prices: Prices,
        industry: IndustryParameters,
        potential: NDArray[np.float64],
        demand: Demand,
        live: LiveContracts,
        assessments: Assessments,
        programme: ProgrammeState,
        receivables: Receivables,
        occupancy: Occupancy,
        series: MonthlySeries,
        renewals: Renewals,
    ) -> None:
        self.env = env
        self.horizon = len(series.budget_remaining)
        self.population = population
        self.platforms = platforms
        self.prices = prices
        self.industry = industry
        self.potential = potential
        self.demand = demand
        self.live = live
        self.assessments = assessments
        self.programme = programme
        self.receivables = receivables
        self.occupancy = occupancy
        self.series = series
        self.renewals = renewals
        # the months summed so far and their counts summed (see _counts_before)
        self._summed = (
            0,
            {name: np.zeros(series.counts[name].shape[1]) for name in ("in_use", "lighthouses", "exits")},
        )

    def run(self) -> None:
        """Run the months to the horizon and close the last one."""
        months = self.months()
        self.env.process(months)
        run_until(self.env, self.horizon)
        self.close_month(self.horizon - 1)  # the run stops just before the last month's close
        # The driver waits at the horizon in the environment's queue, and its frame holds the
        # replication's parts: closed, nothing pending refers to them, and reference counting frees
        # them with the replication (the collector, paused during runs, would find them only later).
        months.close()

    def months(self) -> Generator[simpy.Event, Any, None]:
        """The driver's SimPy process: decide each month at its start, close it at its end."""
        for t in range(self.horizon):
            self.series.platform["price"][t] = self.prices.update()
            hazard = self.hazard(t)
            considerers = self.population.step(hazard, t)
            renewing = self.renewals.due(t, self.population.integrated, hazard)
            if len(renewing):
                considerers = considerers + renewing
            if len(considerers):
                self.demand.consider(considerers, t)
            yield UrgentTimeout(self.env, 1.0)  # month end: before any other event due then
            if t + 1 < self.horizon:
                self.close_month(t)

    def hazard(self, t: int) -> NDArray[np.float64]:
        """Each industry's consideration hazard in month ``t`` (1 / month).

        ``p + q min(A / m, 1) + d L / m + o``: Bass innovation p, imitation q
        on the share of the market potential m in use A, the demonstration
        weight d of the designated lighthouses L, and the programme's
        outreach o while a batch is open in the industries it covers.  The
        market potential shrinks with the enterprises that have exited:
        ``m(t) = max(1, m (N - exited) / N)``.
        """
        ind = self.industry
        adopting, lighthouses, exited = self._counts_before(t)
        size = self.population.size
        m = np.maximum(self.potential * (size - exited) / size, 1.0)
        return np.asarray(
            ind.innovation
            + ind.imitation * np.minimum(adopting / m, 1.0)
            + ind.demonstration * lighthouses / m
            + self.programme.outreach(float(t), self.demand.admission.admitted_now(float(t)))
        )

    def _counts_before(self, t: int) -> tuple[NDArray[np.float64], ...]:
        """Each industry's enterprises in use, lighthouses and exits summed over the months before ``t``.

        Called for t = 0, 1, ... in turn: the rows of the months before t are
        final by then (a month's counts are written in it or, for what ends
        later, in a month to come), so each is added once, when t passes it.
        The counts are whole numbers: their sums are exact in any order,
        the same as summing the rows again each month.
        """
        done, summed = self._summed
        for name, total in summed.items():
            counts = self.series.counts[name]
            for month in range(done, t):
                total += counts[month]
        self._summed = (max(done, t), summed)
        return summed["in_use"], summed["lighthouses"], summed["exits"]

    def close_month(self, t: int) -> None:
        """Record the end-of-month state of month ``t`` (called at time t + 1)."""
        self.assessments.write(t)
        self.live.month_closed(t)
        stats = self.series.platform
        stats["receivables"][t] = self.receivables.level(t)
        wait, busy = self.occupancy.close(float(t + 1))
        stats["queue_length"][t] = wait
        stats["utilisation"][t] = busy / self.platforms.servers  # a positive whole number, NaN for unlimited: no 0 / 0
        stats["experience"][t] = self.platforms.experience
        stats["unit_cost"][t] = self.platforms.unit_cost
        self.series.budget_remaining[t] = self.programme.remaining(float(t + 1))
        self.series.budget_lapsed[t] = self.programme.take_lapsed(float(t + 1))
        # the running account to a millionth of a yuan: what its additions and subtractions leave of rounding
        self.series.budget_committed[t] = round(self.programme.committed, 6) + 0.0  # + 0.0: no -0.0
