"""One replication: the SimPy world of programme, platforms and enterprises.

Each month a driver process draws the month's considerers (vectorised, see
:mod:`dxsim.model.population`), evaluates their decisions at the month's quoted
prices and programme terms (:mod:`dxsim.model.decision`), and has each adopter
apply at its own time inside the month (:class:`~dxsim.model.enterprise.Applicants`
schedules the steps of every application as SimPy timeouts).  Money with a known schedule (instalments, gains, tax) is
written to the ledger as whole arrays when the schedule is known.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.finance import monthly_rate
from dxsim.model.accounts import adopter_records, cash_flows, kind_total, platform_cash_flows
from dxsim.model.contracts import ContractBook, split_one, split_price
from dxsim.model.decision import Decision, Offer, decide, perceived_failure
from dxsim.model.enterprise import Applicants, Application
from dxsim.model.ledger import (
    Ledger,
    LedgerTable,
    check_conservation,
)
from dxsim.model.platform import Occupancy, Platforms, Receivables
from dxsim.model.population import Attributes, Considerers, Population, maturity_level
from dxsim.model.programme import Grant, ProgrammeState, UrgentTimeout
from dxsim.model.schemes import deferred_owed, fixed_months, fixed_payments, is_deferred
from dxsim.model.settlement import settle
from dxsim.random import Keys
from dxsim.scenario.schema import Scenario, Tiered

__all__ = ["RunResult", "World", "run_replication"]


@dataclass(frozen=True)
class RunResult:
    """Everything one replication produced, as numpy arrays (no xarray here)."""

    monthly: dict[str, NDArray[np.float64]]  # (month, industry)
    platform: dict[str, NDArray[np.float64]]  # (month, platform)
    budget_remaining: NDArray[np.float64]  # (month,)
    public_spending: NDArray[np.float64]  # (month,) subsidies and rewards paid
    tax_revenue: NDArray[np.float64]  # (month,) tax on incremental profit
    cash_flow: NDArray[np.float64]  # (month, party)
    adopters: dict[str, NDArray[np.float64]]  # (adopter,)
    ledger: LedgerTable | None  # None unless asked for (World.run(keep_ledger=True))
    events: int


class World:
    """The model of one replication; build it and call :meth:`run`.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    key : int
        Replication key (see :func:`dxsim.random.replication_key`).
    """

    def __init__(self, scenario: Scenario, key: int) -> None:
        self.scenario = scenario
        self.keys = Keys(key)
        self.env = simpy.Environment()
        self.horizon = scenario.horizon_months
        industries = scenario.resolved_industries
        self.population = Population(industries, scenario.solutions, scenario.behaviour, self.keys)
        self.platforms = Platforms(scenario.resolved_platforms, industries, scenario.solutions, self.keys)
        self.applicants = Applicants(self, [p.capacity for p in scenario.resolved_platforms])
        self.programme = ProgrammeState(scenario, len(self.platforms), self.env)
        self.occupancy = Occupancy(len(self.platforms))
        self.ledger = Ledger()
        self.book = ContractBook()
        sols = [scenario.solutions[ind.solution] for ind in industries]
        self.ramp = np.array([s.ramp_months for s in sols])
        self.lifetime = np.array([s.lifetime_months for s in sols])
        self._lifetime = self.lifetime.tolist()  # read one contract at a time
        self.subscription = np.array([s.subscription for s in sols])
        self.mean_implementation = np.array([max(s.implementation_months.mean, 0.0) for s in sols])
        self.mean_maturity_gain = np.array([max(s.maturity_gain.mean, 0.0) for s in sols])
        self.innovation = np.array([ind.innovation for ind in industries])
        self.imitation = np.array([ind.imitation for ind in industries])
        self.demonstration = np.array([ind.demonstration for ind in industries])
        self.tax_rate = scenario.programme.tax_rate
        self.acceptance_delay = float(scenario.programme.acceptance.delay_months)
        instruments = self.programme.instruments
        self._tiered = np.array([isinstance(i, Tiered) for i in instruments], dtype=bool)
        self._to_enterprise = np.array([i.paid_to == "enterprise" for i in instruments], dtype=bool)
        self._received_at = {
            at: self._to_enterprise & np.array([i.paid_at == at for i in instruments], dtype=bool)
            for at in ("signing", "golive", "acceptance")
        }
        self.acceptance_level = scenario.programme.acceptance.min_level
        self.lighthouse_level = scenario.programme.lighthouse.min_level
        self.discount = scenario.contract.platform_discount
        n_ind, n_plat, t_max = len(industries), len(self.platforms), self.horizon
        self.counts = {
            name: np.zeros((t_max + 1, n_ind))
            for name in ("considering", "adoptions", "in_use", "accepted", "lighthouses")
        }
        self.platform_stats = {
            name: np.zeros((t_max, n_plat))
            for name in ("queue_length", "utilisation", "experience", "unit_cost", "price")
        }
        self.budget_remaining = np.zeros(t_max)
        self.price_index = self.platforms.price_index()
        self.quote = self.platforms.quote()
        self._grants: list[tuple[Grant, ...]] = []
        self._apps: list[Application] = []
        self._golive: list[int] = []  # contracts gone live, not yet settled
        self._assessed = np.zeros(n_plat)  # enterprises assessed per platform (for admission scores)
        self._passed = np.zeros(n_plat)
        self.scheme = scenario.contract.payment
        self.deferred = is_deferred(self.scheme)
        self.fixed_months = fixed_months(self.scheme)
        self.receivables = Receivables(n_plat, t_max)
        self.working_capital_limit = np.array(
            [
                np.inf if p.working_capital_limit is None else p.working_capital_limit
                for p in scenario.resolved_platforms
            ]
        )
        self.platform_stats["receivables"] = np.zeros((t_max, n_plat))

    # ----------------------------------------------------------------- driver
    def run(self, *, keep_ledger: bool = True) -> RunResult:
        """Run the replication to the horizon and collect its results.

        With ``keep_ledger=False`` the ledger is reduced to the output arrays
        and dropped, so that memory does not grow with replications.
        """
        driver = self._months()
        with _cyclic_gc_paused():
            self.env.process(driver)
            self.env.run(until=self.horizon)
            self._close_month(self.horizon - 1)  # the run stops just before the last month's close
            result = self._result(keep_ledger=keep_ledger)
        # The driver waits at the horizon in the environment's queue, and its frame holds the world:
        # closed, nothing pending refers to the world, which reference counting then frees at once
        # (the collector, paused during the run, would otherwise find it only at a full collection).
        driver.close()
        return result

    def _months(self) -> Generator[simpy.Event, Any, None]:
        size = self.population.size.astype(float)
        for t in range(self.horizon):
            adopting = self.counts["in_use"][:t].sum(axis=0)
            lighthouses = self.counts["lighthouses"][:t].sum(axis=0)
            self.price_index = self.platforms.price_index()
            self.quote = self.platforms.base_price * self.price_index
            self.platform_stats["price"][t] = self.quote
            hazard = self.innovation + (self.imitation * adopting + self.demonstration * lighthouses) / size
            considerers = self.population.step(hazard, t)
            if len(considerers):
                self._consider(considerers, t, adopting / size)
            yield UrgentTimeout(self.env, 1.0)  # month end: before any other event due then
            if t + 1 < self.horizon:
                self._close_month(t)

    def _close_month(self, t: int) -> None:
        """Record the end-of-month state of month ``t`` (called at time t + 1)."""
        self._settle()
        self.platform_stats["receivables"][t] = self.receivables.level(t)
        wait, busy = self.occupancy.close(float(t + 1))
        stats = self.platform_stats
        stats["queue_length"][t] = wait
        with np.errstate(invalid="ignore"):
            stats["utilisation"][t] = np.where(
                np.isfinite(self.platforms.capacity), busy / self.platforms.capacity, np.nan
            )
        stats["experience"][t] = self.platforms.experience
        stats["unit_cost"][t] = self.platforms.unit_cost
        self.budget_remaining[t] = self.programme.remaining(float(t + 1))

    # ------------------------------------------------------------- decisions
    def _consider(self, c: Considerers, t: int, adoption_share: NDArray[np.float64]) -> None:
        self.counts["considering"][t] += np.bincount(c.industry, minlength=self.counts["considering"].shape[1])
        att = self.population.attributes(c.ids, c.industry)
        platform, has_platform = self._choose_platform(c, float(t))
        price = np.where(has_platform, self.quote[platform], 0.0)
        budget = self._announced_budget(float(t))
        amount, to_price = self.programme.entitlements(price, platform, price * (1.0 - self.discount), budget)
        covered = self.programme.eligible(c.industry, att.revenue)
        admitted = self._admitted_now(float(t))
        if admitted is not None:
            covered &= admitted[platform]
        amount[:, ~covered] = 0.0
        to_price[:, ~covered] = 0.0
        pb = self.scenario.behaviour.perceived_failure
        failure = perceived_failure(pb.initial, pb.peer_learning, adoption_share[c.industry])
        offer, decision = self._evaluate(c.industry, platform, price, amount, to_price, att, failure)
        adopt = decision.adopt & has_platform
        if self.deferred:
            adopt &= self._within_working_capital(platform, offer.owed, c.time, adopt)
        self.population.reconsider(c.subset(~adopt))
        rows = np.flatnonzero(adopt)
        columns = (
            c.ids,
            c.industry,
            platform,
            c.time,
            c.threshold,
            c.attempt,
            price,
            self._counted_on(amount, to_price),
            *(getattr(att, name) for name in Attributes.__dataclass_fields__),
            failure,
        )
        # Python scalars column by column: cheaper than numpy scalars one by one
        for values in zip(*(x[rows].tolist() for x in columns), strict=True):
            self.applicants.apply(Application(*values))

    def _within_working_capital(
        self,
        platform: NDArray[np.int64],
        owed: NDArray[np.float64],
        time: NDArray[np.float64],
        adopt: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Which of the month's would-be adopters their platform can still sign, in order of arrival.

        A platform signs deferred-payment contracts while its receivables are
        below its working-capital limit; each contract signed adds what its
        enterprise owes.  Those it cannot sign reconsider later, as rejecters.
        """
        headroom = self.working_capital_limit - self.receivables.level(min(int(self.env.now), self.horizon - 1))
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

    def _over_limit(self) -> NDArray[np.bool_]:
        """Platforms whose receivables have reached their working-capital limit."""
        month = min(int(self.env.now), self.horizon - 1)
        return np.asarray(self.receivables.level(month) >= self.working_capital_limit)

    def _counted_on(self, amount: NDArray[np.float64], to_price: NDArray[np.float64]) -> NDArray[np.float64]:
        """Programme money an enterprise counts on: price parts plus tiered rewards committed (yuan)."""
        tiered = self._tiered
        return np.asarray(to_price.sum(axis=0) + (amount[tiered].sum(axis=0) if tiered.any() else 0.0))

    def _admitted_now(self, t: float) -> NDArray[np.bool_] | None:
        """Platforms admitted by the batch open at ``t`` (None outside windows)."""
        batch = self.programme.batch_at(t)
        if batch is None or not self.programme.active:
            return None
        return self.programme.admitted(batch, self._platform_score)

    def _platform_score(self) -> NDArray[np.float64]:
        """Admission score: quality - price index + weight x share of assessed enterprises accepted."""
        with np.errstate(invalid="ignore", divide="ignore"):
            passed = np.where(self._assessed > 0, self._passed / self._assessed, 0.0)
        weight = self.scenario.programme.admission.acceptance_weight
        return np.asarray(self.platforms.quality - self.price_index + weight * passed)

    def _announced_budget(self, t: float) -> NDArray[np.float64]:
        """The budget an enterprise considering at ``t`` counts on (yuan).

        Outside windows nothing.  Under ``unsubsidised`` what is left now: an
        exhausted budget means unsubsidised terms.  Under ``wait`` and
        ``reject`` the programme's full terms: an applicant that then finds
        the budget exhausted at signing waits for the next batch or is turned
        away (:meth:`try_sign`).
        """
        batch = self.programme.batch_at(t)
        if batch is None or not self.programme.active:
            return np.zeros(self.programme.n_pools)
        if self.scenario.programme.when_budget_exhausted == "unsubsidised":
            return self.programme.levels(batch)
        return np.full(self.programme.n_pools, np.inf)

    def _choose_platform(self, c: Considerers, t: float) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Logit choice among the industry's platforms (exact, by Gumbel maxima).

        While a batch that admits only some platforms is open, enterprises
        choose among the admitted platforms of their industry (the programme's
        channel), if it has any.
        """
        pc = self.scenario.behaviour.platform_choice
        cand = self.platforms.by_industry[c.industry]
        valid: NDArray[np.bool_] = np.asarray(cand >= 0)
        if self.deferred:
            valid &= ~self._over_limit()[np.where(valid, cand, 0)]
        safe = np.where(valid, cand, 0)
        admitted = self._admitted_now(t)
        if admitted is not None and not admitted.all():
            inside = np.asarray(valid & admitted[safe])
            valid = np.where(np.asarray(np.any(inside, axis=1))[:, None], inside, valid)
        p = self.platforms
        utility = (
            pc.quality_weight * p.quality[safe]
            - pc.price_weight * self.price_index[safe]
            - pc.queue_weight * self.occupancy.waiting[safe]
        )
        slots = np.arange(cand.shape[1])
        utility = utility + self.keys.gumbel(
            "platform_choice", c.ids[:, None], c.attempt[:, None] * cand.shape[1] + slots
        )
        utility = np.where(valid, utility, -np.inf)
        pick = np.argmax(utility, axis=1)
        return safe[np.arange(len(cand)), pick], np.asarray(valid.any(axis=1))

    def _evaluate(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        amount: NDArray[np.float64],
        to_price: NDArray[np.float64],
        att: Attributes,
        failure: NDArray[np.float64],
    ) -> tuple[Offer, Decision]:
        """Decide on offers built from instrument amounts (instruments x enterprises)."""
        tier = np.zeros(len(price))
        if self._tiered.any():
            level = maturity_level(att.maturity + self.mean_maturity_gain[industry])
            tier = self.programme.tier_amounts(level, amount)[self._to_enterprise].sum(axis=0)
        offer = self._offer(industry, platform, price, to_price, tier)
        return offer, decide(
            offer,
            gain=att.revenue / 12.0 * att.benefit,
            tax_rate=self.tax_rate,
            ramp=self.ramp[industry],
            lifetime=self.lifetime[industry],
            hurdle_rate=att.hurdle_rate,
            failure=failure,
            horizon=self.scenario.behaviour.evaluation_months,
            max_payback=att.max_payback,
            liquidity=att.liquidity,
        )

    def _offer(
        self,
        industry: NDArray[np.int64],
        platform: NDArray[np.int64],
        price: NDArray[np.float64],
        to_price: NDArray[np.float64],
        tier: NDArray[np.float64],
    ) -> Offer:
        """The terms on offer; ``tier`` is the tiered reward (yuan) the enterprise expects at acceptance."""
        to_enterprise = self._to_enterprise

        def receive(at: str) -> NDArray[np.float64]:
            mask = self._received_at[at]
            return to_price[mask].sum(axis=0) if mask.any() else np.zeros(len(price))

        gov = to_price.sum(axis=0) if self.programme.active else np.zeros(len(price))
        gov_e = to_price[to_enterprise].sum(axis=0) if to_enterprise.any() else np.zeros(len(price))
        _, _, enterprise_part = split_price(price, gov, self.discount)
        capacity = self.platforms.capacity[platform]
        wait = np.where(
            np.isfinite(capacity),
            self.occupancy.waiting[platform] * self.mean_implementation[industry] / capacity,
            0.0,
        )
        return Offer(
            owed=enterprise_part + gov_e,
            scheme=self.scenario.contract.payment,
            receive_signing=receive("signing"),
            receive_golive=receive("golive"),
            receive_acceptance=receive("acceptance") + tier,
            golive=wait + self.mean_implementation[industry],
            acceptance_delay=self.scenario.programme.acceptance.delay_months,
            subscription=self.subscription[industry],
        )

    # --------------------------------------------------- applicant's actions
    def try_sign(self, app: Application) -> int | float | None:
        """Sign at ``env.now`` if the terms still hold.

        Returns the contract id, a time to wait until (the next batch opens,
        rule ``wait``), or None when the applicant is turned away or no longer
        willing (it may consider again later).
        """
        now = self.env.now
        if self.deferred and self._over_limit()[app.platform]:
            self._turn_away(app)  # the platform signs no more deferred-payment contracts for now
            return None
        room = app.price * (1.0 - self.discount)
        eligible = self.programme.is_eligible(app.industry, app.revenue)
        grants = (
            self.programme.commit(now, app.price, app.platform, room, self._admitted_now(now))
            if self.programme.active and eligible
            else ()
        )
        got = 0.0
        for g in grants:
            got += g.to_price + (g.amount if self._tiered[g.instrument] else 0.0)
        if got < app.expected_grant - 1e-6:
            rule = self.scenario.programme.when_budget_exhausted
            if not grants and rule in ("wait", "reject"):
                nxt = self.programme.next_opening(now) if rule == "wait" else None
                if nxt is not None:
                    return nxt
                self._turn_away(app)
                return None
            if not self._still_adopts(app, grants):
                for g in grants:
                    self.programme.release(g, app.platform)
                self._turn_away(app)
                return None
        return self._sign(app, grants)

    def _still_adopts(self, app: Application, grants: tuple[Grant, ...]) -> bool:
        k = len(self.programme.instruments)
        amount = np.zeros((k, 1))
        to_price = np.zeros((k, 1))
        for g in grants:
            amount[g.instrument, 0] += g.amount
            to_price[g.instrument, 0] += g.to_price
        att = Attributes(*(np.array([getattr(app, name)]) for name in Attributes.__dataclass_fields__))
        _, decision = self._evaluate(
            np.array([app.industry]),
            np.array([app.platform]),
            np.array([app.price]),
            amount,
            to_price,
            att,
            np.array([app.perceived_failure]),
        )
        return bool(decision.adopt[0])

    def _turn_away(self, app: Application) -> None:
        one = np.array([app.enterprise])
        self.population.reconsider(
            Considerers(
                one,
                np.array([app.industry]),
                np.array([app.time]),
                np.array([app.threshold]),
                np.array([app.attempt]),
            )
        )

    def _sign(self, app: Application, grants: tuple[Grant, ...]) -> int:
        now = self.env.now
        month = int(now)
        gov_p = gov_e = 0.0
        for g in grants:
            if g.paid_to == "platform":
                gov_p += g.to_price
            else:
                gov_e += g.to_price
        _, discount, enterprise_part = split_one(app.price, gov_p + gov_e, self.discount)
        cid = self.book.sign(
            enterprise=app.enterprise,
            industry=app.industry,
            platform=app.platform,
            signed=now,
            price=app.price,
            government_to_platform=gov_p,
            government_to_enterprise=gov_e,
            platform_discount=discount,
            enterprise_part=enterprise_part,
        )
        self._grants.append(grants)
        self._apps.append(app)
        owed = enterprise_part + gov_e
        self.receivables.add(app.platform, owed)
        n_fixed = self.fixed_months
        if n_fixed == 1:  # one payment at signing (upfront, or a hybrid's upfront fraction): the common case
            first = float(fixed_payments(self.scheme, np.array([owed]), 1)[0, 0]) if self.deferred else owed
            self.ledger.add(
                "enterprise",
                "platform",
                month,
                contract=cid,
                kind="enterprise_payment",
                amount=first,
                platform=app.platform,
            )
            self.receivables.reduce_one(app.platform, month, first)
        else:
            fixed = fixed_payments(self.scheme, np.array([owed]), n_fixed)[0]
            months = month + np.arange(n_fixed)
            self.ledger.add_schedule(
                "enterprise",
                "platform",
                months,
                contract=cid,
                kind="enterprise_payment",
                amount=fixed,
                platform=app.platform,
            )
            self.receivables.reduce(np.asarray(app.platform), months, fixed)
        self._pay_grants(cid, "signing")
        self.counts["adoptions"][month, app.industry] += 1
        return cid

    def start_implementation(self, cid: int) -> float:
        """Capacity is free: pay the delivery cost, gain experience; return the duration (months)."""
        app = self._apps[cid]
        cost = self.platforms.start_deployment(app.platform)
        self.ledger.add(
            "platform",
            "market",
            int(self.env.now),
            contract=cid,
            kind="delivery_cost",
            amount=cost,
            platform=app.platform,
        )
        self.book.set(cid, "wait", self.env.now - self.book.columns["signed"][cid])
        return app.implementation

    def go_live(self, cid: int) -> float:
        """Go live: schedule the gain, its tax and subscriptions; return the delay to acceptance."""
        now = self.env.now
        app = self._apps[cid]
        self.book.set(cid, "golive", now)
        self._pay_grants(cid, "golive")
        i = app.industry
        self._golive.append(cid)
        if not app.fails:
            self.counts["in_use"][int(now), i] += 1
            end = int(now + self._lifetime[i])
            if end < self.horizon:
                self.counts["in_use"][end, i] -= 1
        return self.acceptance_delay

    def _settle(self) -> None:
        """Write the schedules of the contracts gone live since the last call (one batch of arrays).

        Gains and their tax within the horizon; the solution's fees; payments
        from go-live under the contract's scheme, whatever their month, with
        the shortfall or premium against the deferred part; receivables.
        """
        if not self._golive:
            return
        cids = np.asarray(self._golive, dtype=np.int64)
        self._golive = []
        apps = [self._apps[c] for c in cids]
        industry = np.array([a.industry for a in apps])
        platform = np.array([a.platform for a in apps])
        revenue = np.array([a.revenue for a in apps])
        benefit = np.array([a.benefit for a in apps])
        works = ~np.array([a.fails for a in apps], dtype=bool)
        book = self.book.columns
        owed = np.array([book["enterprise_part"][c] + book["government_to_enterprise"][c] for c in cids])
        st = settle(
            golive=np.array([book["golive"][c] for c in cids]),
            monthly_gain=revenue / 12.0 * benefit,
            works=works,
            ramp=self.ramp[industry],
            lifetime=self.lifetime[industry],
            fee=self.subscription[industry],
            owed=owed,
            scheme=self.scheme,
            acceptance_delay=self.scenario.programme.acceptance.delay_months,
        )
        months = st.months
        inside = months < self.horizon
        gain = st.gain * inside
        owner = {"contract": cids[:, None], "platform": platform[:, None]}
        self.ledger.add_schedule("market", "enterprise", months, kind="gain", amount=gain, **owner)
        self.ledger.add_schedule("enterprise", "government", months, kind="tax", amount=self.tax_rate * gain, **owner)
        self.ledger.add_schedule(
            "enterprise", "platform", months, kind="subscription", amount=st.subscription * inside, **owner
        )
        self.ledger.add_schedule(
            "enterprise", "platform", months, kind="enterprise_payment", amount=st.payments, **owner
        )
        owner = {"contract": cids, "platform": platform}
        self.ledger.add_schedule(
            "platform", "enterprise", st.write_off_month, kind="payment_shortfall", amount=st.shortfall, **owner
        )
        self.ledger.add_schedule("enterprise", "platform", st.start, kind="payment_premium", amount=st.premium, **owner)
        self.receivables.reduce(platform[:, None], months, st.collected)
        self.receivables.reduce(platform, st.write_off_month, st.shortfall)

    def assess(self, cid: int) -> None:
        """Acceptance: maturity level after the project; pay or release acceptance money."""
        app = self._apps[cid]
        after = app.maturity + (0.0 if app.fails else app.maturity_gain)
        level = maturity_level(after)
        accepted = (not app.fails) and level >= self.acceptance_level
        lighthouse = accepted and level >= self.lighthouse_level
        self.book.set(cid, "maturity_after", after)
        self.book.set(cid, "assessed", self.env.now)
        self.book.set(cid, "accepted", float(accepted))
        self.book.set(cid, "lighthouse", float(lighthouse))
        month = int(self.env.now)
        self._assessed[app.platform] += 1
        self._passed[app.platform] += accepted
        if accepted:
            self.counts["accepted"][month, app.industry] += 1
            self._pay_grants(cid, "acceptance", level)
        else:
            self._forfeit_grants(cid, "acceptance")
        if lighthouse:
            self.counts["lighthouses"][month, app.industry] += 1

    def _adopter_attributes(self) -> dict[str, NDArray[np.float64]]:
        """Attributes of every contract's enterprise, one array each."""
        fields = {
            "failed": "fails",
            "revenue": "revenue",
            "liquidity": "liquidity",
            "hurdle_rate": "hurdle_rate",
            "perceived_failure": "perceived_failure",
            "maturity_before": "maturity",
        }
        return {name: np.array([getattr(a, f) for a in self._apps], dtype=np.float64) for name, f in fields.items()}

    def _pay_grants(self, cid: int, at: str, level: int = 0) -> None:
        """Pay the grants due at ``at``.

        A price part is paid as a subsidy (a platform-cap shortfall is the
        payee's loss) and what is committed beyond it as the platform's kept
        reward; a tiered instrument pays the amount for ``level`` as a reward
        to its payee and releases the rest of its commitment.
        """
        grants = self._grants[cid]
        if not grants:
            return
        month = int(self.env.now)
        p = self._apps[cid].platform
        owner = {"contract": cid, "platform": p}
        for g in grants:
            if g.paid_at != at or g.settled:
                continue
            inst = self.programme.instruments[g.instrument]
            if isinstance(inst, Tiered):
                due = float(min(inst.amount_for(np.array([level]))[0], g.amount))
                self.ledger.add("government", g.paid_to, month, kind="reward", amount=due, **owner)
                self.programme.release(g, p, g.amount - due)
            else:
                subsidy = min(g.to_price, g.amount)
                self.ledger.add("government", g.paid_to, month, kind="subsidy", amount=subsidy, **owner)
                self.ledger.add("government", "platform", month, kind="reward", amount=g.amount - subsidy, **owner)
                self.ledger.add(g.paid_to, "government", month, kind="shortfall", amount=g.to_price - subsidy, **owner)
            g.settled = True

    def _forfeit_grants(self, cid: int, at: str) -> None:
        """Failed acceptance: release the commitment; the price part becomes a shortfall."""
        month = int(self.env.now)
        p = self._apps[cid].platform
        for g in self._grants[cid]:
            if g.paid_at != at or g.settled:
                continue
            self.programme.release(g, p)
            self.ledger.add(
                g.paid_to, "government", month, contract=cid, kind="shortfall", amount=g.to_price, platform=p
            )

    # ----------------------------------------------------------------- output
    def _result(self, *, keep_ledger: bool) -> RunResult:
        t_max = self.horizon
        c = self.counts
        monthly = {
            "considering": c["considering"][:t_max],
            "adoptions": c["adoptions"][:t_max],
            "adopters": np.cumsum(c["adoptions"][:t_max], axis=0),
            "in_use": np.cumsum(c["in_use"][:t_max], axis=0),
            "accepted": np.cumsum(c["accepted"][:t_max], axis=0),
            "lighthouses": np.cumsum(c["lighthouses"][:t_max], axis=0),
        }
        self._settle()
        table = self.ledger.table()
        book = {**self.book.arrays(), **self._adopter_attributes()}
        n = len(self.book)
        outstanding = {"platform": np.zeros(n), "enterprise": np.zeros(n)}
        for cid, grants in enumerate(self._grants):
            for g in grants:
                if not g.settled:
                    outstanding[g.paid_to][cid] += g.to_price
        check_conservation(
            table,
            price=book["price"],
            government_to_platform=book["government_to_platform"],
            government_to_enterprise=book["government_to_enterprise"],
            platform_discount=book["platform_discount"],
            enterprise_part=book["enterprise_part"],
            outstanding_platform=outstanding["platform"],
            outstanding_enterprise=outstanding["enterprise"],
            outstanding_payments=np.where(
                np.isnan(book["golive"]),
                deferred_owed(self.scheme, book["enterprise_part"] + book["government_to_enterprise"]),
                0.0,
            ),
        )
        return RunResult(
            monthly=monthly,
            platform={
                **self.platform_stats,
                "platform_cash_flow": platform_cash_flows(table, t_max, len(self.platforms)),
            },
            budget_remaining=self.budget_remaining,
            public_spending=kind_total(table, ("subsidy", "reward"), t_max),
            tax_revenue=kind_total(table, ("tax",), t_max),
            cash_flow=cash_flows(table, t_max),
            adopters=adopter_records(book, table, t_max, float(monthly_rate(self.scenario.discount_rate))),
            ledger=table if keep_ledger else None,
            events=_events_scheduled(self.env),
        )


_pause_lock = threading.Lock()
_pauses = [0, False]  # runs in progress in this process, and whether the collector was on before the first


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a run.

    A run creates hundreds of thousands of small objects (applications,
    grants, events) that die by reference counting, yet their count triggers
    full collections that walk every live object: about a fifth of the time
    of a ``national`` replication, for nothing to collect.  The collector is
    restored (if it was on) when the last run in progress in the process
    ends, however it ends, so runs in several threads leave it as they found it.
    """
    with _pause_lock:
        if _pauses[0] == 0:
            _pauses[1] = gc.isenabled()
            gc.disable()
        _pauses[0] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses[0] -= 1
            if _pauses[0] == 0 and _pauses[1]:
                gc.enable()


def _events_scheduled(env: simpy.Environment) -> int:
    """Number of events ``env`` has scheduled: SimPy numbers them with ``itertools.count``."""
    return int(next(env._eid))  # simpy.core.Environment._eid: count of scheduled events


def run_replication(scenario: Scenario, key: int) -> RunResult:
    """Run one replication of ``scenario`` with replication key ``key``."""
    return World(scenario, key).run(keep_ledger=False)
