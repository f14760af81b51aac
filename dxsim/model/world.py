"""One replication: its parts built from a scenario and a replication key, run, and its result.

:class:`World` composes the parts of one replication and owns nothing else:
the enterprises (:mod:`~dxsim.model.population`), platforms and programme,
the demand that decides each month's considerers (:mod:`~dxsim.model.demand`),
the applications they make (:mod:`~dxsim.model.applications`), the
contracting that signs, pays and assesses them
(:mod:`~dxsim.model.contracting`), and the monthly driver that runs the
months (:mod:`~dxsim.model.driver`).  Money with a known schedule
(instalments, gains, fees) is written to the ledger as whole arrays when the
schedule is known; at the end the books are closed (taxes and the
platforms' own costs, :mod:`~dxsim.model.closing`), the ledger is checked
for conservation and reduced to a :class:`~dxsim.model.result.RunResult`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.finance import monthly_rate
from dxsim.model.accounts import (
    adopter_records,
    cash_flows,
    government_receipts,
    kind_total,
    party_flows,
    platform_cash_flows,
)
from dxsim.model.allocator import keep_freed_memory, no_huge_page_advice
from dxsim.model.applications import Applicants
from dxsim.model.closing import PlatformCosts, close_books
from dxsim.model.contracting import Contracting, Grants, LiveContracts, Register
from dxsim.model.contracts import ContractBook
from dxsim.model.decisions import DecisionLog
from dxsim.model.demand import Admission, Demand, Offers, PlatformScreen, Prices, WorkingCapital
from dxsim.model.driver import MonthlyDriver, MonthlySeries
from dxsim.model.gcpause import cyclic_gc_paused
from dxsim.model.information import Beliefs, Evidence
from dxsim.model.institutions import ApplicantLog
from dxsim.model.ledger import ENTERPRISE, GOVERNMENT, PLATFORM, Ledger, LedgerTable, TaxAccounts, check_conservation
from dxsim.model.lifecycle import Exits, Lifecycle, Renewals
from dxsim.model.parameters import ContractRules, IndustryParameters
from dxsim.model.platform import Occupancy, Platforms, Receivables
from dxsim.model.population import Population
from dxsim.model.potential import market_potential
from dxsim.model.programme import ProgrammeState
from dxsim.model.result import RunResult
from dxsim.model.schemes import deferred_owed
from dxsim.random import Keys
from dxsim.scenario.schema import Scenario

__all__ = ["World", "run_replication"]


class World:
    """The parts of one replication; build it and call :meth:`run`.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario; with an ``[uncertain]`` table, the replication
        runs with the values ``key`` draws for it
        (:meth:`~dxsim.scenario.schema.Scenario.drawn`), kept as ``scenario``.
    key : int
        Replication key (see :func:`dxsim.random.replication_key`).
    decisions : bool
        Record every decision and each contract's cash flows by party
        (:mod:`dxsim.model.decisions`; ``RunResult.decisions`` and
        ``RunResult.contract_flows``).  Recording draws nothing and schedules
        nothing: the run's numbers are the same.
    """

    def __init__(self, scenario: Scenario, key: int, *, decisions: bool = False) -> None:
        self.scenario = scenario = scenario.drawn(key)
        keys = Keys(key)
        self.env = env = simpy.Environment()
        self.horizon = horizon = scenario.horizon_months
        industries = scenario.resolved_industries
        self.population = Population(industries, scenario.solutions, scenario.behaviour, keys)
        self.platforms = platforms = Platforms(scenario.resolved_platforms, industries, scenario.solutions, keys)
        # the programme schedules its rollovers now, before the driver starts (see dxsim.model.driver)
        self.programme = programme = ProgrammeState(scenario, len(platforms), env, keys)
        occupancy = Occupancy(len(platforms))
        self.ledger = Ledger()
        self.register = Register()
        self.applicants = ApplicantLog()
        self.rules = rules = ContractRules.of(scenario)
        self.series = MonthlySeries.zeros(horizon, len(industries), len(platforms))
        industry = IndustryParameters.of(scenario)
        receivables = Receivables(len(platforms), horizon)
        prices = Prices(platforms)
        admission = Admission(programme, platforms, prices, scenario.programme.admission.acceptance_weight)
        working_capital = WorkingCapital.of(scenario, receivables, env)
        offers = Offers(
            programme,
            platforms,
            occupancy,
            industry,
            rules,
            scenario.behaviour.evaluation_months,
            DecisionLog() if decisions else None,
        )
        counts = self.series.counts
        lifecycle = self._lifecycle(keys)
        self.grants = Grants(env, programme, self.ledger, self.register)
        live_args = (receivables, industry, rules, counts["in_use"], platforms.quality, lifecycle.renewals)
        self.live = LiveContracts(self.register, self.ledger, *live_args)
        evidence = Evidence.none(len(industries))
        self.contracting = Contracting(
            env=env,
            programme=programme,
            platforms=platforms,
            population=self.population,
            offers=offers,
            admission=admission,
            working_capital=working_capital,
            rules=rules,
            register=self.register,
            ledger=self.ledger,
            grants=self.grants,
            live=self.live,
            counts=counts,
            evidence=evidence,
            lighthouses=scenario.programme.lighthouse,
            applicants=self.applicants,
        )
        applicants = Applicants(env, self.contracting, occupancy, [p.capacity for p in scenario.resolved_platforms])
        demand = Demand(
            behaviour=scenario.behaviour,
            beliefs=Beliefs.of(scenario.behaviour, evidence),
            keys=keys,
            population=self.population,
            platforms=platforms,
            programme=programme,
            occupancy=occupancy,
            prices=prices,
            admission=admission,
            working_capital=working_capital,
            offers=offers,
            applicants=applicants,
            considering=counts["considering"],
            rules=rules,
            screen=PlatformScreen(scenario, platforms, programme, industry, rules, counts["declined"]),
            lifecycle=lifecycle,
        )
        self.driver = MonthlyDriver(
            env=env,
            population=self.population,
            platforms=platforms,
            prices=prices,
            industry=industry,
            potential=self._market_potential(industry),
            demand=demand,
            live=self.live,
            assessments=self.contracting.assessments,
            programme=programme,
            receivables=receivables,
            occupancy=occupancy,
            series=self.series,
            renewals=lifecycle.renewals,
        )

    def _market_potential(self, industry: IndustryParameters) -> NDArray[np.float64]:
        """Each industry's market potential at the solution's list price (:func:`~dxsim.model.potential.market_potential`)."""
        sc = self.scenario
        price = np.array([sc.solutions[i.solution].price for i in sc.resolved_industries])
        return market_potential(self.population, industry, price)

    def _lifecycle(self, keys: Keys) -> Lifecycle:
        """The enterprises' exits (counted in the series) and the renewals of their solutions."""
        scenario, population = self.scenario, self.population
        exits = Exits(population.size, population.offset, scenario.behaviour.exit_rate, self.horizon, keys)
        self.series.counts["exits"][: self.horizon] = exits.counts
        renewal = np.array([scenario.solutions[ind.solution].renewal for ind in scenario.resolved_industries])
        return Lifecycle(exits, Renewals(renewal, self.horizon, int(population.size.sum())))

    @property
    def book(self) -> ContractBook:
        """The signed contracts' columns."""
        return self.register.book

    def run(self, *, keep_ledger: bool = True) -> RunResult:
        """Run the replication to the horizon and collect its results.

        With ``keep_ledger=False`` the ledger is reduced to the output arrays
        and dropped, so that memory does not grow with replications.
        """
        with cyclic_gc_paused():
            self.driver.run()
            self.contracting.lighthouses.close()
            return self._result(keep_ledger=keep_ledger)

    def _result(self, *, keep_ledger: bool) -> RunResult:
        """Check that the money adds up and reduce the run to its :class:`RunResult`."""
        t_max = self.horizon
        monthly = self.series.monthly(t_max)
        self.live.settle()
        book = self.register.book.arrays()
        taxes = self._close_books(book)
        table = self.ledger.table()
        outstanding = self.grants.outstanding()
        scheme = self.scenario.contract.payment
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
                deferred_owed(scheme, book["enterprise_part"] + book["government_to_enterprise"]),
                0.0,
            ),
            taxes=taxes,
        )
        return RunResult(
            monthly=monthly,
            platform={
                **self.series.platform,
                "platform_cash_flow": platform_cash_flows(table, t_max, len(self.platforms)),
            },
            budget_remaining=self.series.budget_remaining,
            budget_lapsed=self.series.budget_lapsed,
            budget_committed=self.series.budget_committed,
            public_money=kind_total(table, ("subsidy", "reward"), t_max),
            tax_revenue=government_receipts(table, ("tax", "tax_saving"), t_max),
            platform_tax=government_receipts(table, ("platform_tax",), t_max),
            vat_revenue=government_receipts(table, ("vat", "vat_credit"), t_max),
            gains=kind_total(table, ("gain",), t_max),
            financing_cost=kind_total(table, ("financing_cost",), t_max),
            cash_flow=cash_flows(table, t_max),
            adopters=adopter_records(book, table, t_max, float(monthly_rate(self.scenario.discount_rate))),
            admitted=self.programme.batch_admission.table(),
            applicants=self.applicants.arrays(),
            ledger=table if keep_ledger else None,
            events=_events_scheduled(self.env),
            **self._decision_record(table, len(book["price"])),
        )

    def _decision_record(self, table: LedgerTable, contracts: int) -> dict[str, Any]:
        """The decisions recorded and each contract's net cash flow by calendar month and party (if asked)."""
        log = self.contracting.offers.decisions
        if log is None:
            return {}
        parties = (GOVERNMENT, PLATFORM, ENTERPRISE)
        flows = party_flows(table, parties, np.zeros(contracts), self.horizon)
        return {"decisions": log.arrays(), "contract_flows": np.stack(flows, axis=-1)}

    def _close_books(self, book: dict[str, NDArray[np.float64]]) -> TaxAccounts:
        """Write the taxes and the platforms' own costs (:func:`~dxsim.model.closing.close_books`)."""
        specs = self.scenario.resolved_platforms
        costs = PlatformCosts(
            fixed_per_year=np.array([p.fixed_cost_per_year for p in specs], dtype=np.float64),
            cost_of_capital=np.array([p.cost_of_capital for p in specs], dtype=np.float64),
            start=self.programme.start_months(),
            receivables=self.series.platform["receivables"],
        )
        return close_books(
            self.ledger,
            book,
            law=self.rules.tax,
            lifetime=self.live.industry.lifetime[book["industry"].astype(np.int64)],
            costs=costs,
            first_month=self.scenario.start.month - 1,
        )


def _events_scheduled(env: simpy.Environment) -> int:
    """Number of events ``env`` has scheduled: SimPy numbers them with ``itertools.count``."""
    return int(next(env._eid))  # simpy.core.Environment._eid: count of scheduled events


def run_replication(scenario: Scenario, key: int, *, decisions: bool = False) -> RunResult:
    """Run one replication of ``scenario`` with replication key ``key``.

    Its uncertain values are drawn by :class:`World`; its ``decisions`` are recorded if asked.
    The world dies by reference counting before the cyclic collector resumes: resumed while it
    lives, the collector would walk its hundreds of thousands of objects (about 0.3 s of a
    ``national`` replication) for nothing to collect. The process keeps the memory a replication
    frees for the next one, and numpy advises no huge pages (:mod:`dxsim.model.allocator`).
    """
    keep_freed_memory()
    no_huge_page_advice()
    with cyclic_gc_paused():
        return World(scenario, key, decisions=decisions).run(keep_ledger=False)
