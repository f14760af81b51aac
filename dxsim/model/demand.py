"""Demand: the month's considerers choose a platform, weigh the offer, decide; adopters apply.

At the start of each month the driver hands :class:`Demand` the month's
considerers (:mod:`dxsim.model.population`).  Vectorised over them, it

1. chooses each one's platform by exact logit among its industry's platforms
   (those admitted by an open batch, if any; not those at their
   working-capital limit);
2. builds each one's offer at the month's quoted price and the programme's
   announced terms (:class:`Offers`) and evaluates it
   (:func:`dxsim.model.decision.decide`);
3. under a deferred-payment scheme, rations the would-be adopters of each
   platform in order of arrival against its working capital
   (:class:`WorkingCapital`);
4. sends the rejecters back to the population to consider again later, and
   has each adopter apply at its own time inside the month
   (:class:`~dxsim.model.applications.Applicants`).

No SimPy event is created here; applying schedules the applicant's first step.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.model.applications import Applicants, Application, Traits
from dxsim.model.contracts import split_price
from dxsim.model.decision import Decision, Offer, decide, perceived_failure
from dxsim.model.lifecycle import Lifecycle
from dxsim.model.parameters import ContractRules, IndustryParameters
from dxsim.model.platform import Occupancy, Platforms, Receivables
from dxsim.model.population import Attributes, Considerers, Population, maturity_level
from dxsim.model.programme import ProgrammeState
from dxsim.model.tax import TaxPosition
from dxsim.random import Keys
from dxsim.scenario.schema import Behaviour, Scenario, Tiered

__all__ = ["Admission", "Demand", "Offers", "Prices", "WorkingCapital"]


class Prices:
    """The prices the platforms quote this month (the driver reprices them at each month's start).

    Parameters
    ----------
    platforms : Platforms
        The platforms; their costs set their prices.
    """

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms
        #: Each platform's price relative to its solution's list price.
        self.index = platforms.price_index()
        #: Each platform's quoted price, yuan.
        self.quote = platforms.quote()

    def update(self) -> NDArray[np.float64]:
        """Reprice from the platforms' current costs; return the quoted prices (yuan)."""
        self.index = self.platforms.price_index()
        self.quote = self.platforms.base_price * self.index
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
        rows = np.flatnonzero(adopt)
        if len(rows) == 0:
            return ok
        order = rows[np.lexsort((time[rows], platform[rows]))]
        p = platform[order]
        before = np.cumsum(owed[order]) - owed[order]  # owed by those ahead, all platforms
        first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
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

    def admitted_now(self, t: float) -> NDArray[np.bool_] | None:
        """Platforms admitted by the batch open at ``t`` (None outside windows)."""
        batch = self.programme.batch_at(t)
        if batch is None or not self.programme.active:
            return None
        return self.programme.admitted(batch, self.score)

    def score(self) -> NDArray[np.float64]:
        """Admission score: quality - price index + weight x share of assessed enterprises accepted."""
        with np.errstate(invalid="ignore", divide="ignore"):
            passed = np.where(self.assessed > 0, self.passed / self.assessed, 0.0)
        return np.asarray(self.platforms.quality - self.prices.index + self.acceptance_weight * passed)

    def record(self, platform: int, accepted: bool) -> None:
        """An enterprise of ``platform`` was assessed, and ``accepted`` or not."""
        self.assessed[platform] += 1
        self.passed[platform] += accepted


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
    """

    def __init__(
        self,
        programme: ProgrammeState,
        platforms: Platforms,
        occupancy: Occupancy,
        industry: IndustryParameters,
        rules: ContractRules,
        evaluation_months: int,
    ) -> None:
        self.programme = programme
        self.platforms = platforms
        self.occupancy = occupancy
        self.industry = industry
        self.rules = rules
        self.evaluation_months = evaluation_months
        instruments = programme.instruments
        #: Instruments that are tiered rewards.
        self.tiered = np.array([isinstance(i, Tiered) for i in instruments], dtype=bool)
        self.to_enterprise = np.array([i.paid_to == "enterprise" for i in instruments], dtype=bool)
        self.received_at = {
            at: self.to_enterprise & np.array([i.paid_at == at for i in instruments], dtype=bool)
            for at in ("signing", "golive", "acceptance")
        }

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
        failure: NDArray[np.float64],
        month: int,
        renewing: NDArray[np.bool_] | None = None,
    ) -> tuple[Offer, Decision]:
        """Decide on offers built from instrument amounts (yuan, instruments x enterprises).

        ``failure`` is each enterprise's perceived failure probability;
        ``month`` the model month of the decision (its tax calendar);
        ``renewing`` marks former users renewing their solution, which expect
        no further maturity gain from it.
        """
        tier = np.zeros(len(price))
        if self.tiered.any():
            gain = self.industry.mean_maturity_gain[industry]
            if renewing is not None:
                gain = np.where(renewing, 0.0, gain)
            level = maturity_level(att.maturity + gain)
            tier = self.programme.tier_amounts(level, amount)[self.to_enterprise].sum(axis=0)
        offer = self.offer(industry, platform, price, to_price, tier)
        law = self.rules.tax
        tax = TaxPosition(law, att.revenue * att.margin, att.high_tech, law.general_vat(att.revenue), month)
        return offer, decide(
            offer,
            gain=att.revenue / 12.0 * att.benefit,
            tax=tax,
            ramp=self.industry.ramp[industry],
            lifetime=self.industry.lifetime[industry],
            hurdle_rate=att.hurdle_rate,
            failure=failure,
            horizon=self.evaluation_months,
            max_payback=att.max_payback,
            liquidity=att.liquidity,
        )

    def offer(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        to_price: NDArray[np.float64],
        tier: NDArray[np.float64],
    ) -> Offer:
        """The terms on offer; ``tier`` is the tiered reward (yuan) the enterprise expects at acceptance."""
        to_enterprise = self.to_enterprise

        def receive(at: str) -> NDArray[np.float64]:
            mask = self.received_at[at]
            return to_price[mask].sum(axis=0) if mask.any() else np.zeros(len(price))

        gov = to_price.sum(axis=0) if self.programme.active else np.zeros(len(price))
        gov_e = to_price[to_enterprise].sum(axis=0) if to_enterprise.any() else np.zeros(len(price))
        _, _, enterprise_part = split_price(price, gov, self.rules.discount)
        capacity = self.platforms.capacity[platform]
        mean_implementation = self.industry.mean_implementation[industry]
        wait = np.where(
            np.isfinite(capacity),
            self.occupancy.waiting[platform] * mean_implementation / capacity,
            0.0,
        )
        return Offer(
            owed=enterprise_part + gov_e,
            scheme=self.rules.scheme,
            receive_signing=receive("signing"),
            receive_golive=receive("golive"),
            receive_acceptance=receive("acceptance") + tier,
            golive=wait + mean_implementation,
            acceptance_delay=self.rules.acceptance_delay,
            subscription=self.industry.subscription[industry],
        )


class Demand:
    """The month's considerers: platform choice, offers, decisions, rationing; adopters apply.

    Parameters
    ----------
    behaviour : Behaviour
        How enterprises choose platforms and perceive failure.
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
    lifecycle : Lifecycle
        Exit times (exited enterprises do not consider) and former users (renewers).
    """

    def __init__(
        self,
        *,
        behaviour: Behaviour,
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
        lifecycle: Lifecycle,
    ) -> None:
        self.behaviour = behaviour
        self.keys = keys
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
        self.lifecycle = lifecycle

    def consider(self, c: Considerers, t: int, adoption_share: NDArray[np.float64]) -> None:
        """Decide the considerers ``c`` of month ``t``; adopters apply, rejecters wait to consider again.

        ``adoption_share`` is each industry's share of enterprises in use.
        Enterprises that have exited by their consideration time drop out
        for good.  Former users (:meth:`~dxsim.model.lifecycle.Renewals.former_scores`)
        decide as renewers: at the maturity score they reached, which the
        solution does not raise again, and with no perceived failure (their
        project worked, and in this model an enterprise's failure is its own
        keyed draw).
        """
        exit_at = self.lifecycle.exits.time(c.ids, c.industry)
        staying = exit_at > c.time
        if not staying.all():
            c, exit_at = c.subset(staying), exit_at[staying]
        self.considering[t] += np.bincount(c.industry, minlength=self.considering.shape[1])
        att = self.population.attributes(c.ids, c.industry)
        score = self.lifecycle.renewals.former_scores(c.ids)
        renewing = ~np.isnan(score)
        if renewing.any():
            att = replace(
                att,
                maturity=np.where(renewing, score, att.maturity),
                maturity_gain=np.where(renewing, 0.0, att.maturity_gain),
            )
        platform, has_platform = self.choose_platform(c, float(t))
        price = np.where(has_platform, self.prices.quote[platform], 0.0)
        budget = self.announced_budget(float(t))
        room = price * (1.0 - self.rules.discount)
        amount, to_price = self.programme.entitlements(price, platform, room, budget)
        covered = self.programme.eligible(c.industry, att.revenue)
        admitted = self.admission.admitted_now(float(t))
        if admitted is not None:
            covered &= admitted[platform]
        amount[:, ~covered] = 0.0
        to_price[:, ~covered] = 0.0
        pb = self.behaviour.perceived_failure
        failure = perceived_failure(pb.initial, pb.peer_learning, adoption_share[c.industry])
        failure = np.where(renewing, 0.0, failure)
        offer, decision = self.offers.evaluate(c.industry, platform, price, amount, to_price, att, failure, t, renewing)
        adopt = decision.adopt & has_platform
        if self.rules.deferred:
            adopt &= self.working_capital.ration(platform, offer.owed, c.time, adopt)
        self.population.reconsider(c.subset(~adopt))
        rows = np.flatnonzero(adopt)
        head = (
            c.ids,
            c.industry,
            platform,
            c.time,
            c.threshold,
            c.attempt,
            price,
            self.offers.counted_on(amount, to_price),
            failure,
            renewing,
            exit_at,
        )
        traits = (getattr(att, name) for name in Attributes.__dataclass_fields__)
        # Python scalars column by column: cheaper than numpy scalars one by one
        apply = self.applicants.apply
        for (who, ind, plat, time, threshold, attempt, quoted, counted, fear, renew, leaves), values in zip(
            zip(*(x[rows].tolist() for x in head), strict=True),
            zip(*(x[rows].tolist() for x in traits), strict=True),
            strict=True,
        ):
            apply(
                Application(
                    who, ind, plat, time, threshold, attempt, quoted, counted, fear, Traits(*values), renew, leaves
                )
            )

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
        pc = self.behaviour.platform_choice
        cand = self.platforms.by_industry[c.industry]
        valid: NDArray[np.bool_] = np.asarray(cand >= 0)
        if self.rules.deferred:
            valid &= ~self.working_capital.over_limit()[np.where(valid, cand, 0)]
        safe = np.where(valid, cand, 0)
        admitted = self.admission.admitted_now(t)
        if admitted is not None and not admitted.all():
            inside = np.asarray(valid & admitted[safe])
            valid = np.where(np.asarray(np.any(inside, axis=1))[:, None], inside, valid)
        p = self.platforms
        utility = (
            pc.quality_weight * p.quality[safe]
            - pc.price_weight * self.prices.index[safe]
            - pc.queue_weight * self.occupancy.waiting[safe]
        )
        slots = np.arange(cand.shape[1])
        utility = utility + self.keys.gumbel(
            "platform_choice", c.ids[:, None], c.attempt[:, None] * cand.shape[1] + slots
        )
        utility = np.where(valid, utility, -np.inf)
        pick = np.argmax(utility, axis=1)
        return safe[np.arange(len(cand)), pick], np.asarray(valid.any(axis=1))
