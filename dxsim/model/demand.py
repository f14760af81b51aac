"""Demand: the month's considerers choose a platform, weigh the offer, decide; adopters apply.

At the start of each month the driver hands :class:`Demand` the month's
considerers (:mod:`dxsim.model.population`).  Vectorised over them, it

1. chooses each one's platform by exact logit among its industry's platforms
   (those admitted by an open batch, if any; not those at their
   working-capital limit);
2. builds each one's offer at the month's quoted price and the programme's
   announced terms (:class:`Offers`) and evaluates it
   (:func:`dxsim.model.decision.decide`);
3. has each would-be adopter's platform check its participation constraint
   (:class:`PlatformScreen`, :mod:`dxsim.model.participation`): a platform
   declines a contract it expects to lose on, and the enterprise reconsiders
   later;
4. puts the would-be adopters that count on programme money in the
   programme's allocation order (``programme.allocation``: arrival, score or
   lottery; :meth:`Demand.allocated_times`); under a deferred-payment scheme,
   rations the would-be adopters of each platform in that order against its
   working capital (:class:`WorkingCapital`);
5. sends the rejecters back to the population to consider again later, and
   has each adopter apply at its own time inside the month
   (:class:`~dxsim.model.applications.Applicants`).

No SimPy event is created here; applying schedules the applicant's first step.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.model.applications import Applicants, Application, Cohort, Unfunded
from dxsim.model.contracts import split_price
from dxsim.model.decision import Decision, Inputs, Offer, decide
from dxsim.model.decisions import APPLIED, DECLINED, NO_PLATFORM, RATIONED, REJECTED, DecisionLog
from dxsim.model.information import Beliefs
from dxsim.model.institutions import LOTTERY_STREAM, allocation_rank
from dxsim.model.lifecycle import Lifecycle
from dxsim.model.parameters import ContractRules, IndustryParameters
from dxsim.model.participation import Outlook, ProgrammeMoney, Valuation, valuation
from dxsim.model.platform import Occupancy, Platforms, Receivables
from dxsim.model.population import Attributes, Considerers, Population, benefit_factor, maturity_level
from dxsim.model.programme import ProgrammeState
from dxsim.model.quality import learned_failure_probability, realised_share
from dxsim.model.schemes import on_revenue
from dxsim.random import Keys
from dxsim.scenario.schema import Behaviour, PlatformChoice, Scenario, Tiered

__all__ = ["Admission", "Demand", "Offers", "PlatformScreen", "Prices", "WorkingCapital"]

#: Unrecorded, a decision on fewer enterprises than this evaluates every one in full: the quick bounds
#: of :func:`~dxsim.model.decision.decide` cost more than they save on so few (the same adoptions).
_SCREEN_FROM = 128

#: Up to this many possible (industry, platform) pairs, the platforms' screen finds the pairs offered by counting.
_COUNTED_PAIRS = 1 << 10

#: From this many considerers on, the platform choice compares their candidates slot after slot (:func:`_first_best`):
#: fewer numpy calls by ``argmax``, fewer instructions on many considerers slot by slot (the same choice).
_SLOT_BY_SLOT_FROM = 256

#: Up to this many contracts, the platforms' screen evaluates each one's failure probability (not each distinct pair's).
_EACH_ROW = 16

#: From this many considerers on, the platform choice is first run as a race of exponential clocks (:func:`_race`):
#: one logarithm per candidate, not two; on fewer the numpy calls it adds cost more (the same choice).
_RACE_FROM = 256

#: The race decides a considerer's choice where its second-best clock is later than its best by more than this share.
#: The two forms of a candidate's utility differ by less than 1e-13 (:func:`_race`): any margin far above is safe.
_RACE_MARGIN = 1e-9

#: The race is run where every platform's utility is at most this in magnitude (the bound of its rounding errors).
_RACE_UTILITY = 100.0


class Prices:
    """The prices the platforms quote this month (the driver reprices them at each month's start).

    Parameters
    ----------
    platforms : Platforms
        The platforms; their costs set their prices.
    """

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms
        #: Each platform's price relative to its solution's list price, and its quoted price (yuan).
        self.index, self.quote = platforms.prices()

    def update(self) -> NDArray[np.float64]:
        """Reprice from the platforms' current costs; return the quoted prices (yuan)."""
        self.index, self.quote = self.platforms.prices()
        return self.quote


class WorkingCapital:
    """Platforms' receivables against their working-capital limits (yuan).

    A platform signs deferred-payment contracts while its receivables are
    below its limit; each contract signed adds what its enterprise owes.

    Parameters
    ----------
    receivables : Receivables
        What enterprises still owe each platform.
    limit : array
        Each platform's working-capital limit, yuan (``inf``: none).
    env : simpy.Environment
        The replication's environment (its clock, months).
    horizon : int
        Months of the run.
    """

    def __init__(
        self, receivables: Receivables, limit: NDArray[np.float64], env: simpy.Environment, horizon: int
    ) -> None:
        self.receivables = receivables
        self.limit = limit
        self.env = env
        self.horizon = horizon

    @classmethod
    def of(cls, scenario: Scenario, receivables: Receivables, env: simpy.Environment) -> WorkingCapital:
        """The working capital of ``scenario``'s platforms."""
        limit = np.array(
            [
                np.inf if p.working_capital_limit is None else p.working_capital_limit
                for p in scenario.resolved_platforms
            ]
        )
        return cls(receivables, limit, env, scenario.horizon_months)

    def _level(self) -> NDArray[np.float64]:
        """Receivables per platform now (yuan)."""
        return self.receivables.level(min(int(self.env.now), self.horizon - 1))

    def over_limit(self) -> NDArray[np.bool_]:
        """Platforms whose receivables have reached their working-capital limit."""
        return np.asarray(self._level() >= self.limit)

    def ration(
        self,
        platform: NDArray[np.int64],
        owed: NDArray[np.float64],
        time: NDArray[np.float64],
        adopt: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Which of the month's would-be adopters their platform can still sign, in order of arrival.

        Each platform signs its would-be adopters in order of ``time`` while
        its receivables plus what those ahead of them owe (yuan, ``owed``)
        stay below its limit.  Those it cannot sign reconsider later, as
        rejecters.
        """
        headroom = self.limit - self._level()
        ok = np.ones(len(adopt), dtype=bool)
        rows = adopt.nonzero()[0]
        if len(rows) == 0:
            return ok
        order = rows[np.lexsort((time[rows], platform[rows]))]
        p = platform[order]
        before = np.cumsum(owed[order]) - owed[order]  # owed by those ahead, all platforms
        first = np.r_[True, p[1:] != p[:-1]].nonzero()[0]
        before -= np.repeat(before[first], np.diff(np.r_[first, len(p)]))  # ... of the same platform
        ok[order] = before < headroom[p]
        return ok


class Admission:
    """Which platforms a batch admits, and the record of assessments its score reads.

    Parameters
    ----------
    programme : ProgrammeState
        The programme (its batches and their platform limits).
    platforms : Platforms
        The platforms (their quality).
    prices : Prices
        This month's price indices.
    acceptance_weight : float
        Weight of the share of a platform's assessed enterprises accepted in its score.
    """

    def __init__(
        self, programme: ProgrammeState, platforms: Platforms, prices: Prices, acceptance_weight: float
    ) -> None:
        self.programme = programme
        self.platforms = platforms
        self.prices = prices
        self.acceptance_weight = acceptance_weight
        self.assessed = np.zeros(len(platforms))  # enterprises assessed per platform
        self.passed = np.zeros(len(platforms))  # ... and accepted
        self._before_scoring: weakref.WeakMethod[Callable[[], None]] | None = None  # see before_scoring

    def admitted_now(self, t: float) -> NDArray[np.bool_] | None:
        """Platforms admitted by the batch open at ``t`` (None outside windows)."""
        batch = self.programme.batch_at(t)
        return None if batch is None else self.admitted_in(batch)

    def admitted_in(self, batch: int) -> NDArray[np.bool_] | None:
        """Platforms admitted by batch ``batch`` (None while the programme is not active)."""
        if not self.programme.active:
            return None
        return self.programme.admitted(batch, self.score)

    def score(self) -> NDArray[np.float64]:
        """Admission score: quality - price index + weight x share of assessed enterprises accepted."""
        write = None if self._before_scoring is None else self._before_scoring()
        if write is not None:
            write()
        assessed = self.assessed
        with np.errstate(invalid="ignore", divide="ignore"):
            passed = np.where(assessed > 0, self.passed / assessed, 0.0)
        return np.asarray(self.platforms.quality - self.prices.index + self.acceptance_weight * passed)

    def before_scoring(self, write: Callable[[], None]) -> None:
        """Call the method ``write`` before the score is read: it records the assessments made so far.

        The world's :meth:`~dxsim.model.acceptance.Assessments.write_due`, which records assessments in
        batches; held weakly, so that the two make no reference cycle (the replication is freed by
        reference counting).
        """
        self._before_scoring = weakref.WeakMethod(write)

    def record(self, platform: NDArray[np.int64], accepted: NDArray[np.bool_]) -> None:
        """Enterprises of ``platform`` (one entry each) were assessed, and each ``accepted`` or not."""
        self.assessed += np.bincount(platform, minlength=len(self.assessed))
        self.passed += np.bincount(platform[accepted], minlength=len(self.passed))


class Offers:
    """The terms an enterprise is offered, and whether it takes them.

    Parameters
    ----------
    programme : ProgrammeState
        The programme (its instruments).
    platforms : Platforms
        The platforms (their capacity, for the expected wait).
    occupancy : Occupancy
        The number waiting at each platform now.
    industry : IndustryParameters
        Per-industry numbers.
    rules : ContractRules
        Discount, payment scheme, tax, acceptance delay.
    evaluation_months : int
        The enterprises' evaluation horizon, months.
    decisions : DecisionLog, optional
        Where the decisions taken on these offers are recorded
        (:mod:`dxsim.model.decisions`; by :class:`Demand` and at signing); None records nothing.
    """

    def __init__(
        self,
        programme: ProgrammeState,
        platforms: Platforms,
        occupancy: Occupancy,
        industry: IndustryParameters,
        rules: ContractRules,
        evaluation_months: int,
        decisions: DecisionLog | None = None,
    ) -> None:
        self.programme = programme
        self.platforms = platforms
        self.occupancy = occupancy
        self.industry = industry
        self.rules = rules
        self.evaluation_months = evaluation_months
        self.decisions = decisions
        instruments = programme.instruments
        #: Instruments that are tiered rewards.
        self.tiered = np.array([isinstance(i, Tiered) for i in instruments], dtype=bool)
        self.to_enterprise = np.array([i.paid_to == "enterprise" for i in instruments], dtype=bool)
        received_at = {
            at: self.to_enterprise & np.array([i.paid_at == at for i in instruments], dtype=bool)
            for at in ("signing", "golive", "acceptance")
        }
        #: Instruments paid to the enterprise at signing, go-live, acceptance: only where some are.
        self.received_at = {at: mask for at, mask in received_at.items() if mask.any()}
        #: Whether some platform has no limit to its capacity (no one waits there): the capacities are fixed.
        self.any_unlimited = not bool(np.isfinite(platforms.capacity).all())

    def counted_on(self, amount: NDArray[np.float64], to_price: NDArray[np.float64]) -> NDArray[np.float64]:
        """Programme money an enterprise counts on: price parts plus tiered rewards committed (yuan)."""
        tiered = self.tiered
        return np.asarray(to_price.sum(axis=0) + (amount[tiered].sum(axis=0) if tiered.any() else 0.0))

    def evaluate(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        amount: NDArray[np.float64],
        to_price: NDArray[np.float64],
        att: Attributes,
        belief: tuple[NDArray[np.float64], NDArray[np.float64]],
        month: int,
        renewing: NDArray[np.bool_] | None = None,
        waiting: NDArray[np.float64] | None = None,
    ) -> tuple[Offer, Decision]:
        """Decide on offers built from instrument amounts (yuan, instruments x enterprises).

        ``belief`` is each enterprise's perceived failure probability and the
        share of its potential gain it counts on
        (:mod:`dxsim.model.information`); ``month`` the model month of the
        decision (its tax calendar).  A programme-contingent platform
        discount comes only with programme money
        (:meth:`~dxsim.model.parameters.ContractRules.discount_share`).
        ``renewing`` marks former users renewing their solution, which expect
        no further maturity gain from it; ``waiting`` is the number waiting
        at each one's platform that its expected go-live counts (default:
        the number now, :meth:`expected_golive`).  Without a decision record
        only the adoptions are read: the decision screens harder, or, on
        fewer than :data:`_SCREEN_FROM` enterprises, evaluates each in full.
        """
        offer = self._terms(industry, platform, price, (amount, to_price), att, renewing, waiting)
        return offer, self._decide(offer, self._inputs(industry, att, belief, month))

    def _terms(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        money: tuple[NDArray[np.float64], NDArray[np.float64]],
        att: Attributes,
        renewing: NDArray[np.bool_] | None,
        waiting: NDArray[np.float64] | None,
    ) -> Offer:
        """The offers :meth:`evaluate` decides on; ``money`` its ``amount`` and ``to_price`` (yuan), the rest as there."""
        amount, to_price = money
        tier = np.zeros(len(price))
        if self.tiered.any():
            gain = self.industry.mean_maturity_gain[industry]
            if renewing is not None:
                gain = np.where(renewing, 0.0, gain)
            level = maturity_level(att.maturity + gain)
            tier = self.programme.tier_amounts(level, amount)[self.to_enterprise].sum(axis=0)
        discount = self.rules.discount_share(amount.sum(axis=0) > 0)
        return self.offer(industry, platform, price, to_price, tier, discount, att.revenue, waiting)

    def _inputs(
        self,
        industry: NDArray[np.int64],
        att: Attributes,
        belief: tuple[NDArray[np.float64], NDArray[np.float64]],
        month: int,
    ) -> Inputs:
        """What the decision reads of the enterprises besides the offer (:class:`~dxsim.model.decision.Inputs`)."""
        return Inputs.of(att, belief, industry=industry, params=self.industry, law=self.rules.tax, month=month)

    def _decide(self, offer: Offer, inputs: Inputs) -> Decision:
        """:func:`~dxsim.model.decision.decide` on ``offer`` with ``inputs``, as :meth:`evaluate` takes it.

        Without a decision record only the adoptions are read: the decision
        screens harder, or, on fewer than :data:`_SCREEN_FROM` enterprises,
        evaluates each in full.
        """
        record = self.decisions is not None  # unrecorded, the decision may screen harder, or not at all
        screen = record or len(offer.owed) >= _SCREEN_FROM
        return decide(offer, **inputs._asdict(), horizon=self.evaluation_months, screen=screen, record=record)

    def expected_golive(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        waiting: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Months from signing to go-live an enterprise expects: the queue at its platform, then its implementation.

        ``waiting`` is the number waiting at each one's platform (default: the number now).
        """
        capacity = self.platforms.capacity[platform]
        mean_implementation = self.industry.mean_implementation[industry]
        if waiting is None:
            waiting = self.occupancy.waiting[platform]
        wait = waiting * mean_implementation / capacity
        if self.any_unlimited:  # else no wait to set to none (every platform's capacity is finite)
            wait = np.where(np.isfinite(capacity), wait, 0.0)
        return np.asarray(wait + mean_implementation)

    def evaluate_applicant(
        self, app: Application, amount: NDArray[np.float64], to_price: NDArray[np.float64], month: int
    ) -> tuple[Offer, Decision]:
        """:meth:`evaluate` for one applicant, with the beliefs it applied with (yuan, instruments x 1)."""
        return self.evaluate(
            np.array([app.industry]),
            np.array([app.platform]),
            np.array([app.price]),
            amount,
            to_price,
            Attributes(*(np.array([getattr(app.traits, name)]) for name in Attributes.__dataclass_fields__)),
            (np.array([app.perceived_failure]), np.array([app.benefit_share])),
            month,
            np.array([app.renewal]),
        )

    def adopts_without_money(self, app: Application, month: int) -> bool | None:
        """Whether ``app`` adopts now without programme money, decided with its cohort; None if it has none this month.

        The decision reads, besides the applicant's own attributes, beliefs
        and quoted price, the month (the tax calendar) and the number
        waiting at its platform (its expected go-live).  So the first call
        at a number waiting decides every member of the cohort at once as
        if that many waited at its platform (deciding hundreds costs what
        deciding one does), the members that have applied before it left
        out, and a later member that finds that many waiting at its own
        platform takes its decision from there: the answer deciding it
        alone would give.
        """
        cohort = app.cohort
        if cohort is None or cohort.month != month:
            return None
        # with no limit to capacity the wait is none whatever the number waiting
        capacity = self.platforms.capacity[app.platform]
        waiting = self.occupancy.queued[app.platform] if math.isfinite(capacity) else 0.0
        decided = cohort.decided.setdefault(waiting, {})
        adopt = decided.get(app.enterprise)
        if adopt is None:
            members = cohort.unfunded
            if members is None:  # the first re-decision of the cohort
                members = cohort.unfunded = self._unfunded(cohort)
            # the members yet to apply, it among them: those from the first to apply at its time or later
            rest = slice(int(members.time.searchsorted(app.time)), None)
            industry, platform = members.industry[rest], members.platform[rest]
            golive = self.expected_golive(industry, platform, np.full(len(industry), waiting))
            decision = self._decide(members.offer.take(rest, golive), members.inputs.take(rest))
            decided.update(zip(members.enterprise[rest].tolist(), decision.adopt.tolist(), strict=True))
            adopt = decided[app.enterprise]
        return adopt

    def _unfunded(self, cohort: Cohort) -> Unfunded:
        """The members of ``cohort`` in the order they apply, their offers without programme money and the inputs of their decision.

        Every entry is the member's own (its offer's go-live with no one
        waiting; :meth:`adopts_without_money` puts in the one it decides with),
        the tax as the decision's screen takes it included
        (:meth:`~dxsim.model.decision.Inputs.bounded`), and so are their
        discount factors (:meth:`~dxsim.model.decision.Inputs.discounted`,
        computed once for the many re-decisions): so the offers and inputs
        of the members from one on are what :meth:`evaluate` builds for them
        alone, but for the factors it leaves to the decision.
        """
        order = np.argsort(cohort.time, kind="stable")
        industry, platform = cohort.industry[order], cohort.platform[order]
        att, renewing = cohort.attributes.take(order), cohort.renewing[order]
        none = np.zeros((len(self.programme.instruments), len(order)))
        offer = self._terms(industry, platform, cohort.price[order], (none, none), att, renewing, np.zeros(len(order)))
        inputs = self._inputs(industry, att, (cohort.belief[0][order], cohort.belief[1][order]), cohort.month)
        inputs = inputs.bounded(offer, record=self.decisions is not None)  # (its go-live not read)
        inputs = inputs.discounted(self.evaluation_months)
        return Unfunded(cohort.time[order], cohort.enterprise[order], industry, platform, offer, inputs)

    def offer(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        to_price: NDArray[np.float64],
        tier: NDArray[np.float64],
        discount: NDArray[np.float64],
        revenue: NDArray[np.float64] | None = None,
        waiting: NDArray[np.float64] | None = None,
    ) -> Offer:
        """The terms on offer; ``tier`` is the tiered reward (yuan) the enterprise expects at acceptance.

        ``discount`` is the platform's discount on each, share of the price;
        ``revenue`` (yuan / year) is needed under a revenue share on revenue (its base);
        ``waiting`` as in :meth:`expected_golive`.
        """
        to_enterprise = self.to_enterprise
        # one array of zeros for every term that is none: no term of an offer is written in place (read only, so
        # none can be), so sharing it gives the same floats as zeros of its own each, without zeroing each
        none = np.zeros(len(price))
        none.flags.writeable = False

        def receive(at: str) -> NDArray[np.float64]:
            mask = self.received_at.get(at)
            return none if mask is None else to_price[mask].sum(axis=0)

        gov = to_price.sum(axis=0) if self.programme.active else none
        gov_e = to_price[to_enterprise].sum(axis=0) if to_enterprise.any() else none
        _, _, enterprise_part = split_price(price, gov, discount)
        return Offer(
            owed=enterprise_part + gov_e,
            scheme=self.rules.scheme,
            receive_signing=receive("signing"),
            receive_golive=receive("golive"),
            receive_acceptance=receive("acceptance") + tier,
            golive=self.expected_golive(industry, platform, waiting),
            acceptance_delay=self.rules.acceptance_delay,
            subscription=self.industry.subscription[industry],
            internal=self.industry.internal_cost(industry, price),
            monthly_revenue=revenue / 12.0 if revenue is not None and on_revenue(self.rules.scheme) else None,
        )


def _failure_probabilities(
    base: NDArray[np.float64],
    quality: NDArray[np.float64],
    experience: NDArray[np.float64],
    exponent: NDArray[np.float64],
) -> NDArray[np.float64]:
    """:func:`~dxsim.model.quality.failure_probability` element by element, on Python floats (the platform's own quality and experience).

    ``exponent`` is ``log2`` of each one's learning ratio (:func:`~dxsim.model.quality.learned_failure_probability`).
    """
    values = map(learned_failure_probability, base.tolist(), quality.tolist(), experience.tolist(), exponent.tolist())
    return np.fromiter(values, dtype=np.float64, count=len(base))


def _distinct(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct ``values`` in increasing order: ``np.unique(values)`` in four numpy calls, without its wrappers.

    Parameters
    ----------
    values : array of int
        Any whole numbers (here (industry, platform) pairs, no unit).

    Returns
    -------
    array of int
        Each value once, in increasing order.
    """
    ordered = np.sort(values)
    first = np.empty(len(ordered), dtype=bool)  # each value's first place in order
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


class PlatformScreen:
    """Each platform's participation constraint on the contracts it is offered (:mod:`dxsim.model.participation`).

    A platform expects its industry's mean benefit share (times the
    benefit factor of the starting score and the share of it its own quality
    realises), its own failure probability at its quality and experience
    (:mod:`dxsim.model.quality`), and acceptance where the expected level
    reached passes;
    it values the enterprise's payments and the programme money paid to it
    at its cost of capital, against its current unit cost.

    Parameters
    ----------
    scenario : Scenario
        The scenario (solutions, platforms' cost of capital and required return).
    platforms : Platforms
        The platforms (their current unit cost).
    programme : ProgrammeState
        The programme (its instruments: who is paid, when).
    industry : IndustryParameters
        Ramp, lifetime and mean maturity gain of each industry's solution.
    rules : ContractRules
        Acceptance level, tax law (VAT).
    declined : array, shape (months + 1, industries)
        Where the would-be adopters it declines are counted each month.
    """

    def __init__(
        self,
        scenario: Scenario,
        platforms: Platforms,
        programme: ProgrammeState,
        industry: IndustryParameters,
        rules: ContractRules,
        declined: NDArray[np.float64],
    ) -> None:
        self.declined = declined
        self.platforms = platforms
        self.programme = programme
        self.industry = industry
        self.rules = rules
        sols = [scenario.solutions[ind.solution] for ind in scenario.resolved_industries]
        self.mean_benefit = np.array([s.benefit.mean for s in sols])
        self.reference = np.array([s.benefit_reference_score for s in sols])
        self.exponent = np.array([s.benefit_maturity_exponent for s in sols])
        # what value reads per industry, stacked: one gather of the contracts' industries (the same floats)
        self._per_industry = np.array(
            [
                industry.mean_maturity_gain,
                self.reference,
                self.exponent,
                self.mean_benefit,
                industry.ramp,
                industry.lifetime,
            ],
            dtype=np.float64,
        )
        self._per_industry.flags.writeable = False
        #: The exponent log2(r) of each industry's failure learning ratio r: one logarithm per industry, not per
        #: pair evaluated (the same math.log2 of the same float that failure_probability takes, so the same floats).
        self._learning = np.array([math.log2(r) for r in industry.failure_learning_ratio.tolist()])
        self._learning.flags.writeable = False
        specs = scenario.resolved_platforms
        # what value reads per platform and never changes, stacked: the share of a gain its quality realises
        # (realised_share of each platform once: the same floats), its cost of capital and required return
        self._per_platform = np.array(
            [
                realised_share(platforms.quality),
                [p.cost_of_capital for p in specs],
                [p.required_return for p in specs],
            ],
            dtype=np.float64,
        )
        self._per_platform.flags.writeable = False
        #: Each instrument's moment of payment (0 signing, 1 go-live, 2 acceptance), whether it is tiered and
        #: whether it pays the platform, as Python values (read instrument by instrument).
        self.instruments = [
            (("signing", "golive", "acceptance").index(i.paid_at), isinstance(i, Tiered), i.paid_to == "platform")
            for i in programme.instruments
        ]

    def value(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        offer: Offer,
        amount: NDArray[np.float64],
        to_price: NDArray[np.float64],
        maturity: NDArray[np.float64],
        revenue: NDArray[np.float64],
    ) -> Valuation:
        """The platforms' valuation of the offers (one per enterprise; instruments x enterprises money).

        ``maturity`` is each enterprise's maturity score before, ``revenue`` its revenue (yuan / year):
        all of its attributes the platform reads.
        """
        p = self.platforms
        of, at, back = self._pairs(industry, platform)
        failure = _failure_probabilities(
            self.industry.failure[of],
            p.quality[at],
            p.experience[at],
            self._learning[of],
        )
        if back is not None:
            failure = failure[back]
        # the contracts' columns of the tables by take along the columns (an index along the second axis costs more)
        mean_gain, reference, exponent, mean_benefit, ramp, lifetime = self._per_industry.take(industry, axis=1)
        realised, cost_of_capital, required_return = self._per_platform.take(platform, axis=1)
        level = maturity_level(maturity + mean_gain)
        passes = (1.0 - failure) * (level >= self.rules.acceptance_level)
        factor = benefit_factor(maturity, reference, exponent)
        outlook = Outlook(
            gain=revenue / 12.0 * mean_benefit * factor * realised,
            ramp=ramp,
            lifetime=lifetime,
            failure=failure,
            accepted=passes,
        )
        law = self.rules.tax
        return valuation(
            offer,
            outlook,
            self.money(amount, to_price, level),
            unit_cost=self.platforms.unit_cost[platform],
            cost_of_capital=cost_of_capital,
            required_return=required_return,
            vat_share=law.vat_share,
            input_vat_share=law.input_vat_share,
        )

    def _pairs(
        self, industry: NDArray[np.int64], platform: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64] | None]:
        """Where to evaluate the failure probabilities of contracts of ``industry`` at ``platform``.

        The industries and platforms to evaluate and, for each contract, its
        entry among them (None: one entry per contract, in order).  Up to
        :data:`_EACH_ROW` contracts, each one's own pair (a pair's probability
        is a function of the pair alone: the same floats, fewer numpy calls);
        above, each distinct pair once.
        """
        if len(industry) <= _EACH_ROW:
            return industry, platform, None
        n = len(self.platforms.quality)
        pair = industry * n + platform
        # the distinct pairs in increasing order: counted in one pass where there are few possible pairs
        pairs = np.bincount(pair).nonzero()[0] if len(self.mean_benefit) * n <= _COUNTED_PAIRS else _distinct(pair)
        of, at = np.divmod(pairs, n)  # each pair's industry and platform
        return of, at, pairs.searchsorted(pair)

    def money(
        self, amount: NDArray[np.float64], to_price: NDArray[np.float64], level: NDArray[np.int64]
    ) -> ProgrammeMoney:
        """Programme money the platform expects (as :meth:`Grants.pay <dxsim.model.contracting.Grants.pay>` pays it).

        Of instrument k's commitment, ``min(to_price, amount)`` is paid to its
        payee as the price part and the rest to the platform as a reward; a
        tiered instrument paid to the platform pays the amount of the
        expected ``level``.
        """
        n = amount.shape[1]
        price_part = np.zeros((3, n))
        reward = np.zeros((3, n))
        if not self.programme.active:
            return ProgrammeMoney(price_part, reward)
        paid = np.minimum(to_price, amount)
        for k, (at, tiered, to_platform) in enumerate(self.instruments):
            if tiered:
                if to_platform:
                    reward[at] += self.programme.tier_amounts(level, amount)[k]
                continue
            if to_platform:
                price_part[at] += paid[k]
            reward[at] += amount[k] - paid[k]
        return ProgrammeMoney(price_part, reward)


@dataclass(frozen=True)
class _Choice:
    """What the platform choice reads that stays as it is through a run: its weights, each industry's candidates."""

    weights: PlatformChoice
    #: Each industry's platforms slot by slot, shape (slots, industries), C-ordered, read only (-1: an empty slot).
    candidates: NDArray[np.int64]
    #: Every industry has a platform in each slot.
    filled: bool

    @classmethod
    def of(cls, weights: PlatformChoice, platforms: Platforms) -> _Choice:
        """The choice by ``weights`` among ``platforms`` (``platforms.by_industry``, transposed)."""
        candidates = np.ascontiguousarray(platforms.by_industry.T)
        candidates.flags.writeable = False
        return cls(weights, candidates, bool((candidates >= 0).all()))


class Demand:
    """The month's considerers: platform choice, offers, decisions, rationing; adopters apply.

    Parameters
    ----------
    behaviour : Behaviour
        How enterprises choose platforms.
    beliefs : Beliefs
        The outcomes each sub-industry has seen so far, and how they become
        perceived failure and perceived benefit.
    keys : Keys
        The replication's keyed draws (the Gumbel noise of platform choice).
    population : Population
        The enterprises (attributes; rejecters go back to it).
    platforms : Platforms
        The platforms.
    programme : ProgrammeState
        The programme (entitlements, eligibility, announced budget).
    occupancy : Occupancy
        The number waiting at each platform now.
    prices : Prices
        This month's quoted prices.
    admission : Admission
        Which platforms an open batch admits.
    working_capital : WorkingCapital
        The platforms' receivables against their limits.
    offers : Offers
        Builds and evaluates offers.
    applicants : Applicants
        Schedules each adopter's application.
    considering : array, shape (months + 1, industries)
        Where to count the considerers of each month.
    rules : ContractRules
        Discount, scheme, the budget rule.
    screen : PlatformScreen
        The platforms' participation constraint.
    lifecycle : Lifecycle
        Exit times (exited enterprises do not consider) and former users (renewers).
    """

    def __init__(
        self,
        *,
        behaviour: Behaviour,
        beliefs: Beliefs,
        keys: Keys,
        population: Population,
        platforms: Platforms,
        programme: ProgrammeState,
        occupancy: Occupancy,
        prices: Prices,
        admission: Admission,
        working_capital: WorkingCapital,
        offers: Offers,
        applicants: Applicants,
        considering: NDArray[np.float64],
        rules: ContractRules,
        screen: PlatformScreen,
        lifecycle: Lifecycle,
    ) -> None:
        self.choice = _Choice.of(behaviour.platform_choice, platforms)  # fixed in a run: made once
        self.beliefs = beliefs
        self.keys = keys
        keys.keep("platform_choice", int(population.size.sum()))  # considerers are asked about month after month
        self.population = population
        self.platforms = platforms
        self.programme = programme
        self.occupancy = occupancy
        self.prices = prices
        self.admission = admission
        self.working_capital = working_capital
        self.offers = offers
        self.applicants = applicants
        self.considering = considering
        self.rules = rules
        self.screen = screen
        self.lifecycle = lifecycle

    def consider(self, c: Considerers, t: int) -> None:
        """Decide the considerers ``c`` of month ``t``; adopters apply, rejecters wait to consider again.

        Enterprises that have exited by their consideration time drop out
        for good.  Former users (:meth:`~dxsim.model.lifecycle.Renewals.former_scores`)
        decide as renewers: at the maturity score they reached, which the
        solution does not raise again, with no perceived failure and counting
        on their whole potential gain (they have used it).
        """
        exit_at = self.lifecycle.exits.time(c.ids, c.industry)
        staying = exit_at > c.time
        if not staying.all():
            c, exit_at = c.subset(staying), exit_at[staying]
        self.considering[t] += np.bincount(c.industry, minlength=self.considering.shape[1])
        att = self.population.attributes(c.ids, c.industry)
        renewals = self.lifecycle.renewals
        if renewals.any_former:
            score = renewals.former_scores(c.ids)
            renewing = ~np.isnan(score)
            any_renewing = bool(renewing.any())
        else:  # no solution has ended yet: no one renews (the mask of former_scores' NaNs, without its look-up)
            renewing, any_renewing = np.zeros(len(c.ids), dtype=np.bool_), False
        if any_renewing:
            att = replace(
                att,
                maturity=np.where(renewing, score, att.maturity),
                maturity_gain=np.where(renewing, 0.0, att.maturity_gain),
            )
        admitted = self.admission.admitted_now(float(t))  # a batch's platforms are fixed when first asked
        platform, has_platform = self._choose(c, admitted)
        price = self.prices.quote[platform]
        if not has_platform.all():  # else every considerer has its quote (np.where would select them all)
            price = np.where(has_platform, price, 0.0)
        budget = self.announced_budget(float(t))
        room = price * (1.0 - self.rules.discount)
        amount, to_price = self.programme.entitlements(price, platform, room, budget, self.programme.batch_at(t))
        covered = self.programme.eligible(c.industry, att.revenue)
        if admitted is not None:
            covered &= admitted[platform]
        if not covered.all():  # programme money for the covered only (none to take away where all are)
            uncovered = ~covered
            amount[:, uncovered] = 0.0
            to_price[:, uncovered] = 0.0
        failure, trust = self.beliefs.failure(c.industry), self.beliefs.benefit_share(c.industry)
        if any_renewing:
            failure, trust = np.where(renewing, 0.0, failure), np.where(renewing, 1.0, trust)
        offer, decision = self.offers.evaluate(
            c.industry, platform, price, amount, to_price, att, (failure, trust), t, renewing
        )
        would = decision.adopt & has_platform
        adopt = would & self.platforms_sign(c, t, platform, offer, amount, to_price, att, would)
        signs = adopt  # those their platforms sign (rationing below makes a new mask)
        counted = self.offers.counted_on(amount, to_price)
        # under arrival the considerers' own times (allocated_times' answer, without the mask it would not read)
        time = c.time if self.rules.allocation == "arrival" else self.allocated_times(c, att, t, adopt & (counted > 0))
        if self.rules.deferred:
            adopt = adopt & self.working_capital.ration(platform, offer.owed, time, adopt)
        if self.offers.decisions is not None:
            steps = (has_platform, would, signs, adopt)
            self._record(c, t, platform, (price, counted), (failure, trust), (offer, decision), steps, renewing)
        rows = adopt.nonzero()[0]  # the adopters
        if len(rows) == 0:  # no adopter: every considerer reconsiders, as it is
            self.population.reconsider(c)
            return
        self.population.reconsider(c.subset(~adopt))
        head = (
            c.ids,
            c.industry,
            platform,
            time,
            c.threshold,
            c.attempt,
            price,
            counted,
            failure,
            trust,
            renewing,
            exit_at,
        )
        self._apply(rows, head, att, t)

    def _apply(self, rows: NDArray[np.int64], head: tuple[NDArray[Any], ...], att: Attributes, t: int) -> None:
        """The considerers that adopt (at ``rows``, in order) apply, each at its own time; those counting on programme money are the month's cohort.

        ``head`` holds the considerers' columns: enterprise, industry,
        platform, time, threshold, attempt, quoted price, programme money
        counted on, perceived failure, benefit share, renewing, exit time;
        ``t`` is the month.
        """
        ids, industry, platform, time, _, _, price, counted, failure, trust, renewing, _ = head
        # the month's cohort: the adopters counting on programme money (if any), in order: the rows of the mask
        # adopting & (counted > 0), gathered by index (a few adopters, where the mask would run over every considerer)
        money = rows[counted[rows] > 0]
        cohort = None
        if len(money):
            belief = (failure[money], trust[money])
            cohort = Cohort(
                t,
                ids[money],
                industry[money],
                platform[money],
                price[money],
                att.take(money),
                belief,
                renewing[money],
                time[money],
            )
        # Python scalars column by column: cheaper than numpy scalars one by one
        columns = [x[rows].tolist() for x in head]
        traits = (getattr(att, name)[rows].tolist() for name in Attributes.__dataclass_fields__)
        cohorts = [cohort if counted_on > 0 else None for counted_on in columns[7]]
        # Application.of's arguments: the first ten columns of head, the traits' columns, the last two, the cohort
        # (every column has one entry per row: map stops at none early)
        self.applicants.apply_all(map(Application.of, *columns[:10], *traits, *columns[10:], cohorts))

    def _record(
        self,
        c: Considerers,
        t: int,
        platform: NDArray[np.int64],
        money: tuple[NDArray[np.float64], NDArray[np.float64]],
        belief: tuple[NDArray[np.float64], NDArray[np.float64]],
        taken: tuple[Offer, Decision],
        steps: tuple[NDArray[np.bool_], ...],
        renewing: NDArray[np.bool_],
    ) -> None:
        """Record the month's decisions (:mod:`dxsim.model.decisions`).

        ``steps`` says for each considerer whether it had a platform, would
        adopt, was signed by its platform and kept after rationing.
        """
        log = self.offers.decisions
        if log is None:
            return
        has_platform, would, signs, adopt = steps
        outcome = np.select(
            [~has_platform, ~would, ~signs, ~adopt], [NO_PLATFORM, REJECTED, DECLINED, RATIONED], APPLIED
        )
        where = np.where(has_platform, platform, -1)
        log.add("consider", (c.ids, c.industry, float(t)), where, money, belief, taken, outcome, renewing)

    def platforms_sign(
        self,
        c: Considerers,
        t: int,
        platform: NDArray[np.int64],
        offer: Offer,
        amount: NDArray[np.float64],
        to_price: NDArray[np.float64],
        att: Attributes,
        adopt: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Whether each would-be adopter's platform signs (True elsewhere); count the declined in month ``t``."""
        rows = adopt.nonzero()[0]
        signs = ~adopt  # True where no one would adopt; the would-be adopters' answers are written below
        if len(rows) == 0:
            return signs
        value = self.screen.value(
            c.industry[rows],
            platform[rows],
            offer.take(rows),
            amount.take(rows, axis=1),  # by take along the columns (an index along the second axis costs more)
            to_price.take(rows, axis=1),
            att.maturity[rows],
            att.revenue[rows],
        )
        signed = value.signs
        signs[rows] = signed
        declined = rows[~signed]
        count = self.screen.declined
        count[t] += np.bincount(c.industry[declined], minlength=count.shape[1])
        return signs

    def allocated_times(
        self, c: Considerers, att: Attributes, t: int, applicants: NDArray[np.bool_]
    ) -> NDArray[np.float64]:
        """When each considerer applies: the ``applicants`` (counting on programme money) in allocation order.

        The signing commits against the running budget in order of time, so
        under ``programme.allocation`` ``score`` or ``lottery`` the month's
        applicants keep their arrival times as a set and take them in
        allocation order (:func:`~dxsim.model.institutions.allocation_rank`):
        the first served applies at the earliest.  The lottery draws are
        keyed by enterprise and month (stream
        :data:`~dxsim.model.institutions.LOTTERY_STREAM`).  Under
        ``arrival`` the times are the considerers' own.
        """
        rule = self.rules.allocation
        rows = applicants.nonzero()[0]
        if rule == "arrival" or len(rows) < 2:
            return c.time
        draws = self.keys.uniform(LOTTERY_STREAM, c.ids[rows], t) if rule == "lottery" else None
        rank = allocation_rank(rule, c.time[rows], att.maturity[rows], draws)
        time = c.time.copy()
        time[rows[rank]] = np.sort(c.time[rows])
        return time

    def announced_budget(self, t: float) -> NDArray[np.float64]:
        """The budget an enterprise considering at ``t`` counts on, per pool (yuan).

        Outside windows nothing.  Under ``unsubsidised`` what is left now: an
        exhausted budget means unsubsidised terms.  Under ``wait`` and
        ``reject`` the programme's full terms: an applicant that then finds
        the budget exhausted at signing waits for the next batch or is turned
        away (:meth:`dxsim.model.contracting.Contracting.try_sign`).
        """
        batch = self.programme.batch_at(t)
        if batch is None or not self.programme.active:
            return np.zeros(self.programme.n_pools)
        if self.rules.when_budget_exhausted == "unsubsidised":
            return self.programme.levels(batch)
        return np.full(self.programme.n_pools, np.inf)

    def choose_platform(self, c: Considerers, t: float) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Logit choice among the industry's platforms (exact, by Gumbel maxima).

        While a batch that admits only some platforms is open, enterprises
        choose among the admitted platforms of their industry (the programme's
        channel), if it has any.  Returns each considerer's platform and
        whether it had any to choose from.
        """
        return self._choose(c, self.admission.admitted_now(t))

    def _choose(
        self, c: Considerers, admitted: NDArray[np.bool_] | None
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """:meth:`choose_platform` while the platforms ``admitted`` are open to choose (None: all of them)."""
        # each industry's candidates (slots x industries): a considerer's are its industry's, and so is which of them
        # it may choose (every step below is a function of the candidate, or of its industry's column): computed per
        # industry, gathered for the considerers only where needed (the same values as computed per considerer)
        table = self.choice.candidates
        restricted = admitted is not None and not admitted.all()
        if not (self.rules.deferred or restricted) and self.choice.filled:
            return self._pick(c, table)  # every industry has a platform in each slot, all open to choose
        valid: NDArray[np.bool_] = np.asarray(table >= 0)
        if self.rules.deferred:
            valid &= ~self.working_capital.over_limit()[np.where(valid, table, 0)]
        safe = np.where(valid, table, 0)
        if admitted is not None and restricted:
            inside = np.asarray(valid & admitted[safe])
            valid = np.where(np.asarray(np.any(inside, axis=0)), inside, valid)
        return self._pick(c, safe, valid)

    def _pick(
        self, c: Considerers, table: NDArray[np.int64], valid: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Each considerer's platform among its industry's candidates ``table`` (slots x industries) where ``valid``, and whether it had any.

        The candidate of highest utility plus keyed Gumbel noise (keyed by
        enterprise and ``attempt x slots + slot``); ``valid`` (slots x
        industries) None: every candidate is valid (the same choice, fewer
        steps).  From :data:`_RACE_FROM` considerers on, where every
        platform's utility is at most :data:`_RACE_UTILITY` in magnitude, the
        choice is found by a race of exponential clocks (:func:`_race`: one
        logarithm per candidate, not the Gumbel noise's two) and only its near
        ties by the utilities: the same choice.
        """
        pc = self.choice.weights
        p = self.platforms
        # each platform's utility, then each considerer's candidates' (the same floats, fewer of them computed)
        each = (
            pc.quality_weight * p.quality
            - pc.price_weight * self.prices.index
            - pc.queue_weight * self.occupancy.waiting
        )
        slots = np.arange(table.shape[0])[:, None]
        # -log(u) of the candidate's keyed uniform: the Gumbel noise is -log of it (Keys.gumbel's steps, the same floats)
        clock = self.keys.exponential("platform_choice", c.ids, c.attempt * table.shape[0] + slots)
        has = np.ones(len(c), dtype=bool) if valid is None else np.asarray(valid.any(axis=0)).take(c.industry)
        if len(c) >= _RACE_FROM and bool((np.abs(each) <= _RACE_UTILITY).all()):
            chosen, near = _race(each, clock, table, valid, c.industry)
            rows = near.nonzero()[0]  # near ties, or no valid candidate: chosen by their utilities, as below
            if len(rows):
                of = c.industry[rows]
                chosen[rows] = _pick_by_utility(
                    each, clock[:, rows], table.take(of, axis=1), None if valid is None else valid.take(of, axis=1)
                )
            return chosen, has
        safe = table.take(c.industry, axis=1)  # each considerer's candidates (slots x considerers)
        return _pick_by_utility(each, clock, safe, None if valid is None else valid.take(c.industry, axis=1)), has


def _pick_by_utility(
    each: NDArray[np.float64], clock: NDArray[np.float64], safe: NDArray[np.int64], valid: NDArray[np.bool_] | None
) -> NDArray[np.int64]:
    """The candidate ``safe`` (slots x considerers) of highest utility plus Gumbel noise ``-log(clock)``, where ``valid``.

    ``each`` is every platform's utility (no unit); ``valid`` None: every candidate is valid.
    """
    utility = each[safe]
    utility -= np.log(clock)  # plus the Gumbel noise -log(clock): subtracting a float adds its negation, exactly
    return _first_best(utility if valid is None else np.where(valid, utility, -np.inf), safe)


def _race(
    each: NDArray[np.float64],
    clock: NDArray[np.float64],
    table: NDArray[np.int64],
    valid: NDArray[np.bool_] | None,
    of: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """:func:`_pick_by_utility`'s choice by one logarithm per candidate, and where it is left open (near ties).

    Column ``j`` of ``clock`` (slots x columns) chooses among the candidates
    ``table[:, of[j]]`` (slots x groups) where ``valid[:, of[j]]`` (None:
    every one), as :func:`_pick_by_utility` chooses among
    ``table.take(of, axis=1)``.  The candidate of highest ``a - log(l)``
    (``a`` its platform's utility in ``each``, ``l`` its ``clock``) is the
    one of least ``l exp(-a)``: the first of a race of exponential clocks.
    Each product is the float of ``exp(log(l) - a)`` to a relative error
    below 1e-15 (one rounding of the product and a few ulp of ``exp``),
    while the utility :func:`_pick_by_utility` compares, ``a - log(l)``
    rounded twice with ``|a| <= _RACE_UTILITY`` and ``|log(l)| < 38`` (``l``
    is ``-log u`` of a uniform of 53 bits), is within 3e-14 of the exact
    value: where the second-least product exceeds the least by more than
    :data:`_RACE_MARGIN`, the least one's candidate is the one of highest
    utility, strictly (no tie to break).  Elsewhere, and where no candidate
    is valid, the choice is left open (to :func:`_pick_by_utility`).
    """
    # each group's candidates' rates, then each column's (the same floats); an invalid candidate's rate is infinite,
    # so its clock is inf, never first (a clock is finite and positive: -log u, u of 53 bits in (0, 1))
    rate = np.exp(-each).take(table)
    if valid is not None:
        rate = np.where(valid, rate, np.inf)
    slot, near = _first_clock(clock * rate.take(of, axis=1), np.arange(len(table))[:, None])
    # the slot's candidate (the first slot where none is valid: left open)
    return table.ravel().take(slot * table.shape[1] + of), near


def _first_clock(clock: NDArray[np.float64], choices: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """The choice of each column's least ``clock`` (slots x columns; the first of equal ones), and whether it is near a tie.

    ``choices`` (slots x columns, or slots x 1: the same in every column)
    is what each slot chooses.  A column is near a tie where its
    second-least clock is not later than its least by more than
    :data:`_RACE_MARGIN` of it (so where no clock is finite): :func:`_race`
    leaves it open.

    Parameters
    ----------
    clock : array, shape (slots, columns)
        Each candidate's exponential clock, scaled by its rate (no unit; ``inf``: never first).
    choices : array of int, shape (slots, columns) or (slots, 1)
        What each slot chooses.

    Returns
    -------
    chosen : array of int, shape (columns,)
        The choice of each column's least clock (a new array: the caller may write it).
    near : array of bool, shape (columns,)
        Where the choice is left open.
    """
    best, second = clock[0], np.full(clock.shape[1], np.inf)
    chosen = np.broadcast_to(choices[0], best.shape).copy()  # a copy: the caller writes it
    for scaled, choice in zip(clock[1:], choices[1:], strict=True):
        second = np.minimum(second, np.maximum(best, scaled))
        chosen = np.where(scaled < best, choice, chosen)
        best = np.minimum(best, scaled)
    return np.asarray(chosen), np.asarray(~(second > best * (1.0 + _RACE_MARGIN)))


def _first_best(utility: NDArray[np.float64], choices: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each column's choice at its highest utility, the first of equal ones: ``choices[utility.argmax(axis=0), column]``.

    From :data:`_SLOT_BY_SLOT_FROM` columns on, slot after slot along the
    columns (a few slots of many considerers: numpy's ``argmax`` along the
    slots loops column by column).  The same choice: a later slot takes
    over only where its utility is strictly higher; on fewer columns, or
    where any utility is NaN (``argmax`` takes the first NaN), by
    ``argmax`` itself.

    Parameters
    ----------
    utility : array, shape (slots, columns)
        The utility of each slot's choice (no unit).
    choices : array of int, shape (slots, columns)
        What each slot chooses.

    Returns
    -------
    array of int, shape (columns,)
        The choice of each column.
    """
    if utility.shape[1] < _SLOT_BY_SLOT_FROM or np.isnan(utility).any():
        return np.asarray(choices[utility.argmax(axis=0), np.arange(utility.shape[1])])
    best, chosen = utility[0], choices[0]
    for u, choice in zip(utility[1:], choices[1:], strict=True):
        higher = u > best
        best = np.maximum(best, u)
        chosen = np.where(higher, choice, chosen)
    return np.asarray(chosen)
