"""Contracting: signing, programme grants, settlement at go-live, acceptance assessment.

:class:`Contracting` is what an application's steps call
(:class:`~dxsim.model.applications.ApplicantSteps`): it signs an applicant if
the terms it counted on still hold (or tells it to wait for the next batch,
or turns it away, as a :data:`~dxsim.model.applications.SignOutcome`), pays
the delivery cost when its project starts, and at go-live and acceptance
pays or forfeits the programme's grants (:class:`Grants`).  Contracts gone
live are counted in use and their known schedules (gain, fees, payments
from go-live) are written to the ledger as arrays, and their go-live times
to the contract book, at each month's end, or at the run's end when nothing
the run reads depends on them (:class:`LiveContracts`,
:func:`dxsim.model.settlement.settle`).
Every contract is kept in the :class:`Register`.

The steps of one contract write their ledger entries by position, in the
order of :meth:`~dxsim.model.ledger.Ledger.add`'s parameters (payer, payee,
month, contract, kind, amount, platform): a cheaper call than by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain, compress
from math import floor, log2
from operator import attrgetter

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.model.acceptance import Assessments, assessment
from dxsim.model.applications import Application, Refused, Signed, SignOutcome, Waits
from dxsim.model.cells import MonthRows, RunRows, flat_cells, float_packer, packed_floats, packed_ints
from dxsim.model.contracts import ContractBook, split_one
from dxsim.model.decisions import APPLIED, REJECTED
from dxsim.model.demand import Admission, Offers, WorkingCapital
from dxsim.model.information import Evidence
from dxsim.model.institutions import ApplicantLog
from dxsim.model.ledger import Ledger
from dxsim.model.lifecycle import Renewals
from dxsim.model.lighthouses import Lighthouses
from dxsim.model.parameters import ContractRules, IndustryParameters, internal_cost
from dxsim.model.platform import Platforms, Receivables
from dxsim.model.population import Considerers, Population
from dxsim.model.programme import Grant, ProgrammeState
from dxsim.model.quality import learned_failure_probability, realised_share
from dxsim.model.schemes import fixed_payments
from dxsim.model.settlement import nonzero, settle, within
from dxsim.scenario.schema import Lighthouse, Tiered

__all__ = ["SETTLE_BLOCK", "Contracting", "Grants", "LiveContracts", "Register", "SignOutlets"]

#: The code of the entry every start writes (:meth:`~dxsim.model.ledger.Ledger.add_coded`): a module's
#: constant, read at each start (CPython 3.11 specialises the read of a global, not of a class's attribute).
_DELIVERY = Ledger.code("platform", "market", "delivery_cost")
#: The codes of the entries every signing writes, module constants for the same reason.
_PAYMENT = Ledger.code("enterprise", "platform", "enterprise_payment")
_INTERNAL = Ledger.code("enterprise", "market", "internal_cost")

#: Whether a grant is settled (paid or forfeited), read in C (:meth:`Grants.outstanding`).
_SETTLED = attrgetter("settled")


@dataclass
class Register:
    """Signed contracts: the book's columns (with their enterprises' attributes), and each contract's application and grants (by contract id)."""

    book: ContractBook = field(default_factory=ContractBook)
    apps: list[Application] = field(default_factory=list)
    grants: list[tuple[Grant, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.book)


class Grants:
    """The programme's grants of signed contracts: paid when due, forfeited at a failed acceptance.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (its clock, months).
    programme : ProgrammeState
        The programme (instruments; releases go back to its budgets).
    ledger : Ledger
        Where payments are written.
    register : Register
        The contracts and their grants.
    """

    def __init__(self, env: simpy.Environment, programme: ProgrammeState, ledger: Ledger, register: Register) -> None:
        self.env = env
        self.programme = programme
        self.ledger = ledger
        self.register = register
        self.paid_at = frozenset(inst.paid_at for inst in programme.instruments)  # when any grant may fall due
        #: Whether each instrument is tiered (its commitment counts in full among what an applicant gets).
        self.tiered = tuple(isinstance(inst, Tiered) for inst in programme.instruments)
        #: Each instrument's entries as the ledger's codes (:meth:`~dxsim.model.ledger.Ledger.code`): what
        #: it pays its payee (a tiered one a reward, another a subsidy), and the shortfall its payee bears.
        self.codes = tuple(
            (
                ledger.code("government", inst.paid_to, "reward" if tiered else "subsidy"),
                ledger.code(inst.paid_to, "government", "shortfall"),
            )
            for inst, tiered in zip(programme.instruments, self.tiered, strict=True)
        )

    #: The code of the reward a platform keeps beyond the price part it passes on.
    _REWARD = Ledger.code("government", "platform", "reward")

    def pay(self, cid: int, at: str, level: int = 0) -> None:
        """Pay the grants of contract ``cid`` due at ``at`` ("signing", "golive" or "acceptance").

        A price part is paid as a subsidy (a platform-cap shortfall is the
        payee's loss) and what is committed beyond it as the platform's kept
        reward; a tiered instrument pays the amount for maturity ``level`` as
        a reward to its payee and releases the rest of its commitment.  (The
        contract's steps call it, and :meth:`forfeit`, only for contracts with
        grants: one call fewer per step for most contracts; and only where
        :attr:`paid_at` holds ``at``: otherwise no grant falls due, and it
        would pay nothing.)
        """
        grants = self.register.grants[cid]
        if not grants:
            return
        month = floor(self.env._now)  # SimPy's clock, as the applicants' steps read it (never negative: floor is int)
        p = self.register.apps[cid].platform
        add = self.ledger.add_coded
        for g in grants:
            if g.paid_at != at or g.settled:
                continue
            k = g.instrument
            paying, short = self.codes[k]
            if self.tiered[k]:
                inst = self.programme.instruments[k]
                assert isinstance(inst, Tiered)
                due = float(min(inst.amount_for(np.array([level]))[0], g.amount))
                add(paying, month, cid, due, p)
                self.programme.paid(due)
                self.programme.release(g, p, g.amount - due)
            else:
                amount, to_price = g.amount, g.to_price
                subsidy = amount if amount < to_price else to_price  # min(to_price, amount), without a call
                add(paying, month, cid, subsidy, p)
                self.programme.paid(amount)  # the subsidy and the reward below
                reward, shortfall = amount - subsidy, to_price - subsidy  # mostly none (the ledger drops zeros)
                if reward:
                    add(self._REWARD, month, cid, reward, p)
                if shortfall:
                    add(short, month, cid, shortfall, p)
            g.settled = True

    def forfeit(self, cid: int, at: str) -> None:
        """Failed acceptance: release the commitment; the price part becomes a shortfall."""
        month = floor(self.env._now)  # as in :meth:`pay`
        p = self.register.apps[cid].platform
        for g in self.register.grants[cid]:
            if g.paid_at != at or g.settled:
                continue
            self.programme.release(g, p)
            self.ledger.add_coded(self.codes[g.instrument][1], month, cid, g.to_price, p)

    def outstanding(self) -> dict[str, NDArray[np.float64]]:
        """Price parts (yuan) of grants not yet paid or forfeited, per contract, by payee ("platform", "enterprise").

        Where every grant is settled (as at the end of a ``national`` run)
        nothing is added: the zeros, found by one scan in C of the contracts
        with grants (from the last, where a grant not yet due is, so it stops
        early where there is one).  Otherwise only the contracts with grants are visited
        (most have none): their ids and grants picked out together in C, in
        the contracts' order, so each contract's sums are the same additions
        in the same order.
        """
        n = len(self.register)
        out = {"platform": np.zeros(n), "enterprise": np.zeros(n)}
        every = self.register.grants
        if all(map(_SETTLED, chain.from_iterable(filter(None, reversed(every))))):  # (the empty tuples skipped first)
            return out
        for cid, grants in zip(compress(range(n), every), filter(None, every), strict=True):
            for g in grants:
                if not g.settled:
                    out[g.paid_to][cid] += g.to_price
        return out


#: Contracts settled together at the run's end (:meth:`LiveContracts.settle`).
SETTLE_BLOCK = 2048


class LiveContracts:
    """Contracts gone live: counted in use for their lifetime, their schedules and go-live times (the book's) written at the month's (or the run's) end.

    Parameters
    ----------
    register : Register
        The contracts.
    ledger : Ledger
        Where the schedules are written.
    receivables : Receivables
        What enterprises still owe each platform.
    industry : IndustryParameters
        Ramp, lifetime and fee of each industry's solution.
    rules : ContractRules
        Scheme, acceptance delay.
    in_use : array, shape (months + 1, industries)
        Monthly changes of the number of solutions in use.
    quality : array
        Each platform's quality: a working project yields
        :func:`~dxsim.model.quality.realised_share` of it times its
        enterprise's potential gain.
    renewals : Renewals
        Where a working solution's end is announced, for its enterprise to consider renewing.
    """

    def __init__(
        self,
        register: Register,
        ledger: Ledger,
        receivables: Receivables,
        industry: IndustryParameters,
        rules: ContractRules,
        in_use: NDArray[np.float64],
        quality: NDArray[np.float64],
        renewals: Renewals,
    ) -> None:
        self.register = register
        self.ledger = ledger
        self.receivables = receivables
        self.industry = industry
        self.rules = rules
        #: What is closed as each month closes (:meth:`month_closed`): ``in_use``, kept as a list of Python
        #: floats whose month's row is copied to its array (what is read of it, the months before one's
        #: start and the results, is of closed months, and no contract changes a closed month's row: it
        #: goes live now, ends later); then the applicants turned away at signing, who join the
        #: population's rejecters (:class:`TurnedAway`, added by :class:`Contracting`).
        in_use_rows = MonthRows(in_use)
        self.at_close: list[MonthRows | TurnedAway] = [in_use_rows]
        #: ``in_use`` changed one contract at a time (:class:`~dxsim.model.cells.MonthRows`), its cells in C
        #: order (month m, industry i at m x :attr:`industries` + i): one index costs less than a pair.
        self.in_use: list[float] = in_use_rows.cells
        self.industries = in_use.shape[1]
        self.realised = realised_share(quality)
        self.renewals = renewals
        self.horizon = in_use.shape[0] - 1
        #: The contracts gone live, not yet settled, one list per column: the contract; the potential gain of
        #: its enterprise (share of revenue / year), read as it went live (its application is read then, not
        #: again among thousands at the settlement); when it went live (months), written to the book's
        #: "golive" column as it is settled (:meth:`settle`, at the month's close or the run's end, before the
        #: book's columns are read: nothing reads that column before), one array write, not a cell a go-live.
        self.pending: tuple[list[int], list[float], list[float]] = ([], [], [])
        #: Whether the schedules are written at each month's close (:meth:`month_closed`): only
        #: payments from go-live move the receivables the run reads each month, and only fees
        #: interleave with the gains in the ledger; otherwise they are written once, at the end.
        self.monthly = rules.deferred or bool(np.any(industry.subscription > 0))
        #: Per industry, as Python floats for the steps of one contract at a time: failure probability
        #: and the exponent log2(r) of its learning ratio r (one logarithm per industry, not per start:
        #: :func:`~dxsim.model.quality.learned_failure_probability`), internal costs (share of the
        #: price, yuan), lifetime (months).
        self.per_industry = list(
            zip(
                industry.failure.tolist(),
                [log2(r) for r in industry.failure_learning_ratio.tolist()],
                industry.internal_share.tolist(),
                industry.internal_fixed.tolist(),
                industry.lifetime_months,
                strict=True,
            )
        )
        #: Per platform, as Python floats: quality, and the share of its potential gain a working project yields.
        self.per_platform = list(
            zip(np.asarray(quality, dtype=np.float64).tolist(), self.realised.tolist(), strict=True)
        )

    def add(self, cid: int, now: float) -> None:
        """Contract ``cid`` went live at ``now``: in use from now for its lifetime if its project works.

        In use until the lifetime ends or the enterprise exits, whichever
        comes first; at the lifetime's end, if the enterprise is still in
        business, it considers renewing (:class:`~dxsim.model.lifecycle.Renewals`).
        """
        app = self.register.apps[cid]
        traits, exit_at = app.traits, app.exit
        pending, benefit, golive = self.pending
        pending.append(cid)
        benefit.append(traits.benefit)
        golive.append(now)
        if not traits.fails and exit_at > now:
            i = app.industry
            in_use, width = self.in_use, self.industries
            # the month by ``floor``: for a time never negative the same whole number as ``int``, which
            # CPython 3.11 calls through the type's generic path (about three times the cost)
            in_use[floor(now) * width + i] += 1.0  # a float: CPython 3.11 specialises float plus float
            lifetime_end = now + self.per_industry[i][4]
            if lifetime_end < exit_at:  # in use to its lifetime's end: then its enterprise considers renewing
                end = floor(lifetime_end)
                renewals = self.renewals
                if lifetime_end < renewals.until[i]:  # renewed within the run (otherwise no call)
                    score = traits.maturity + traits.maturity_gain
                    renewals.schedule(app.enterprise, i, lifetime_end, app.attempt, score)
            else:  # in use until its enterprise exits
                end = floor(exit_at)
            if end < self.horizon:
                in_use[end * width + i] -= 1.0

    def month_closed(self, month: int) -> None:
        """Month ``month`` closes: close each of :attr:`at_close`; settle the contracts gone live in it now if the run reads them monthly (:attr:`monthly`).

        Otherwise they wait for the run's end (:meth:`settle` then writes
        the same ledger entries in the same order: each schedule is written
        contract by contract, in the order the contracts went live, and no
        other schedule comes between them).
        """
        for closing in self.at_close:
            closing.close(month)
        if self.monthly:
            self.settle()

    def settle(self) -> None:
        """Write the schedules of the contracts gone live since the last call.

        Gains within the horizon; the solution's fees; payments from go-live
        under the contract's scheme, whatever their month, with the shortfall
        or premium against the deferred part; receivables.  Taxes are
        written when the run's books close (:mod:`dxsim.model.closing`).
        Settled monthly, the month's contracts are one batch of arrays; at
        the run's end, blocks of :data:`SETTLE_BLOCK` (arrays that stay in
        cache; the gains, the only schedule then, in the same order).
        """
        pending, benefit, golive = self.pending
        if not pending:
            return
        self.pending = ([], [], [])
        step = len(pending) if self.monthly else SETTLE_BLOCK
        for first in range(0, len(pending), step):
            block = slice(first, first + step)
            self._settle(pending[block], benefit[block], golive[block])

    def _settle(self, pending: list[int], benefit_of: list[float], golive_of: list[float]) -> None:
        """:meth:`settle` the contracts ``pending``, one batch of arrays; ``benefit_of`` their enterprises' potential gains, ``golive_of`` when they went live (months).

        Their go-live times are written to the book here (:attr:`golive`).
        """
        cids = packed_ints(pending)  # read-only: read and gathered from, never written
        # their doubles packed, as np.fromiter converts each: the gains are not a column of the book's (not an
        # output); the go-live times, the doubles the book holds (its cells are set from the array, as each was
        # set from the float)
        packer = float_packer(len(pending))
        benefit, golive = packed_floats(benefit_of, packer), packed_floats(golive_of, packer)
        book = self.register.book  # the rest from the book's columns
        book.went_live(cids, golive)
        industry, platform = (book.take(name, cids).astype(np.int64) for name in ("industry", "platform"))
        revenue, exit_at = book.take("revenue", cids), book.take("exit", cids)
        works = book.take("failed", cids) == 0.0
        owed = book.take("enterprise_part", cids) + book.take("government_to_enterprise", cids)
        st = settle(
            golive=golive,
            monthly_gain=revenue / 12.0 * benefit * self.realised[platform],
            works=works,
            ramp=self.industry.ramp[industry],
            lifetime=self.industry.lifetime[industry],
            fee=self.industry.subscription[industry],
            owed=owed,
            scheme=self.rules.scheme,
            acceptance_delay=self.rules.acceptance_delay,
            revenue=revenue / 12.0,
            exit_time=exit_at,
            horizon=self.horizon,  # every schedule on the grid is censored there
        )
        months = st.months
        grid, each = (cids[:, None], platform[:, None]), (cids, platform)
        schedules = (
            ("market", "enterprise", "gain", months, st.gain, grid, True),
            ("enterprise", "platform", "subscription", months, st.subscription, grid, True),
            ("enterprise", "platform", "enterprise_payment", months, st.payments, grid, False),
            ("platform", "enterprise", "payment_shortfall", st.write_off_month, st.shortfall, each, False),
            ("enterprise", "platform", "payment_premium", st.start, st.premium, each, False),
        )
        *held, collected = nonzero([schedule[4] for schedule in schedules] + [st.collected])
        for (payer, payee, kind, when, amount, owner, censored), money in zip(schedules, held, strict=True):
            if money:  # a schedule of zeros writes nothing (e.g. no fee, nothing paid from go-live)
                # within the horizon; the gains and fees are settle's own arrays, read by nothing after: censored in place
                amount = within(amount, months, self.horizon, overwrite=True) if censored else amount
                self.ledger.add_schedule(
                    payer, payee, when, contract=owner[0], kind=kind, amount=amount, platform=owner[1]
                )
        if collected:  # nothing collected reduces nothing
            self.receivables.reduce(platform[:, None], months, st.collected)
        self.receivables.reduce(platform, st.write_off_month, st.shortfall)


#: :meth:`Signed.of <dxsim.model.applications.Signed.of>` as a module constant: CPython 3.11 specialises
#: the read of a global and the call of a function, not the read of a class's static method.
_signed = Signed.of
#: The refusals, made once (frozen values, equal to ``Refused(reason)`` made anew, without its frozen ``__init__``).
_EXITED = Refused("exited")
_WORKING_CAPITAL = Refused("working_capital")
_BUDGET = Refused("budget")
_UNWILLING = Refused("unwilling")


class TurnedAway:
    """The applicants turned away at signing in the month: they join the population's rejecters as the month closes.

    The population's pool of rejecters is taken only as a month begins
    (:meth:`~dxsim.model.population.Population.step`), after the month
    before has closed, and keeps its entries in the order they joined: the
    month's considerers' rejecters first (they join as it begins), then
    those turned away, one after the other.  So one join of the month's
    turned away, in the order they were turned away, as it closes
    (:meth:`close`, from :meth:`LiveContracts.month_closed`) gives the pool
    the same entries in the same order as a join of each as it was turned
    away, without five arrays and a :class:`~dxsim.model.population.Considerers`
    made for each.

    Parameters
    ----------
    population : Population
        The enterprises (those turned away consider again later).
    """

    __slots__ = ("population", "rows")

    def __init__(self, population: Population) -> None:
        self.population = population
        #: Those turned away since the last close, in order: enterprise, industry, time (months), threshold, attempt.
        self.rows: list[tuple[int, int, float, float, int]] = []

    def close(self, month: int) -> None:
        """Month ``month`` closes: those turned away in it join the population's rejecters, in order (one join)."""
        if not self.rows:
            return
        enterprise, industry, time, threshold, attempt = zip(*self.rows, strict=True)
        self.rows = []
        self.population.reconsider(
            Considerers(
                np.array(enterprise), np.array(industry), np.array(time), np.array(threshold), np.array(attempt)
            )
        )


@dataclass(frozen=True, slots=True)
class SignOutlets:
    """What signing reads besides the contract's terms, read once per replication.

    Attributes
    ----------
    turned_away : TurnedAway
        The applicants turned away in the month (they consider again later).
    record_applicant : callable
        Records an applicant that counts on a batch's money in the
        :class:`~dxsim.model.institutions.ApplicantLog` (its
        :meth:`~dxsim.model.institutions.ApplicantLog.recorder`).
    discount_shares : tuple of float
        The platform's discount (share of the price) on a contract without
        grants and on one with: :meth:`~dxsim.model.parameters.ContractRules.discount_share`
        of False and True, read once, not called at each signing.
    window : list of (float, float, int or None)
        The last answer of :meth:`~dxsim.model.programme.ProgrammeState.window`
        to signing (one item; none yet: an empty span): the batch open from
        its first time to its second (months), so a signing between them
        asks no more.
    tallies : tuple of list of float
        The adoptions and the renewals signed, per month and industry, each
        as a list of Python floats in C order (month m, industry i at m x
        ``industries`` + i; :attr:`~dxsim.model.cells.RunRows.cells`, copied
        to the counts as the run's last month closes): a renewal's is
        ``tallies[True]``.
    industries : int
        The number of industries (the width of a month's row of cells).
    internal : list of (float, float)
        Per industry, the internal costs of a project: share of the price,
        and fixed (yuan), as Python floats.
    """

    turned_away: TurnedAway
    record_applicant: Callable[[tuple[int, int, int, bool]], None]
    discount_shares: tuple[float, float]
    window: list[tuple[float, float, int | None]]
    tallies: tuple[list[float], list[float]]
    industries: int
    internal: list[tuple[float, float]]

    @classmethod
    def of(
        cls,
        turned_away: TurnedAway,
        applicants: ApplicantLog,
        rules: ContractRules,
        tallies: tuple[list[float], list[float]],
        live: LiveContracts,
    ) -> SignOutlets:
        """The outlets of a replication's signing under ``rules``, counting adoptions and renewals in ``tallies``.

        The industries and their internal costs are those of ``live`` (:attr:`LiveContracts.per_industry`).
        """
        return cls(
            turned_away,
            applicants.recorder(),
            (rules.discount_share(False), rules.discount_share(True)),
            [(np.inf, np.inf, None)],
            tallies,
            live.industries,
            [(share, fixed) for _, _, share, fixed, _ in live.per_industry],
        )


class Contracting:
    """The applicant's steps on the replication: signing, implementation, go-live, assessment.

    Satisfies :class:`~dxsim.model.applications.ApplicantSteps`; every step
    happens at the environment's current time.

    Parameters
    ----------
    env : simpy.Environment
        The replication's environment (its clock, months).
    programme : ProgrammeState
        The programme (commitments, eligibility, batches).
    platforms : Platforms
        The platforms (their deployments).
    population : Population
        The enterprises (those turned away consider again later).
    offers : Offers
        Re-evaluates an offer when the grants fall short of what was counted on.
    admission : Admission
        Platforms admitted by an open batch, and their assessment record.
    working_capital : WorkingCapital
        The platforms' receivables against their limits.
    rules : ContractRules
        Discount, scheme, budget rule, acceptance levels.
    register : Register
        Where contracts are kept.
    ledger : Ledger
        Where payments are written.
    grants : Grants
        Pays and forfeits the programme's grants.
    live : LiveContracts
        Contracts gone live.
    counts : dict of str to array, shape (months + 1, industries)
        Where adoptions, acceptances and lighthouses are counted.
    evidence : Evidence
        The outcomes each sub-industry has seen (assessments, lighthouses).
    lighthouses : Lighthouse
        The programme's lighthouse rule (:class:`~dxsim.model.lighthouses.Lighthouses`).
    applicants : ApplicantLog
        Where the applicants that count on a batch's money are recorded.
    """

    def __init__(
        self,
        *,
        env: simpy.Environment,
        programme: ProgrammeState,
        platforms: Platforms,
        population: Population,
        offers: Offers,
        admission: Admission,
        working_capital: WorkingCapital,
        rules: ContractRules,
        register: Register,
        ledger: Ledger,
        grants: Grants,
        live: LiveContracts,
        counts: dict[str, NDArray[np.float64]],
        evidence: Evidence,
        lighthouses: Lighthouse,
        applicants: ApplicantLog,
    ) -> None:
        self.env = env
        self.programme = programme
        self.platforms = platforms
        self.offers = offers
        self.admission = admission
        self.working_capital = working_capital
        self.rules = rules
        self.register = register
        self.ledger = ledger
        self.grants = grants
        self.live = live
        # the counts it writes, one contract at a time, on Python floats, each as one row of cells in C order
        # (month m, industry i at m x live.industries + i, as :attr:`LiveContracts.in_use`): the lighthouses as
        # cells of their array; the adoptions and renewals as lists, which nothing reads before the run's end,
        # copied to their arrays as its last month closes (:class:`~dxsim.model.cells.RunRows`)
        self.counts = {"lighthouses": flat_cells(counts["lighthouses"])}
        tallies = (RunRows(counts["adoptions"], live.horizon - 1), RunRows(counts["renewals"], live.horizon - 1))
        live.at_close.extend(tallies)
        #: The assessments' records, written at each month's close.
        self.assessments = Assessments(
            env, register.book, register.apps, admission, evidence, counts["accepted"], rules.acceptance_level
        )
        admission.before_scoring(self.assessments.write_due)  # a batch's score reads the assessments made so far
        self.lighthouses = Lighthouses(
            env, lighthouses, programme.closes + lighthouses.designation_months, self._designate
        )
        self.outlets = SignOutlets.of(
            TurnedAway(population), applicants, rules, (tallies[0].cells, tallies[1].cells), live
        )
        live.at_close.append(self.outlets.turned_away)  # after in_use's row (the order changes nothing)

    # ------------------------------------------------------------- signing
    def try_sign(self, app: Application) -> SignOutcome:
        """Sign ``app`` now if the terms it counted on still hold: register its contract, write what is paid then.

        Returns
        -------
        SignOutcome
            :class:`Signed` with the contract id; :class:`Waits` until the
            next batch opens (rule ``wait``, the budget spent); or
            :class:`Refused` when the applicant is turned away or no longer
            willing (it may consider again later).

        An applicant that counted on programme money, trying inside a window, is recorded in the
        :class:`~dxsim.model.institutions.ApplicantLog` with whether the batch committed money to it now.
        The contract is registered here, not by a call of its own (one call fewer a signing).
        """
        now = self.env._now  # SimPy's clock, as the applicants' steps read it (tests/model/test_applications.py)
        rules = self.rules
        if app.exit <= now:
            return _EXITED  # it left while waiting for a batch: it never considers again
        if rules.deferred and self.working_capital.over_limit()[app.platform]:
            self._turn_away(app)  # the platform signs no more deferred-payment contracts for now
            return _WORKING_CAPITAL
        month = floor(now)  # once: the applicant log's month, and the signing's (now >= 0: as int, for less)
        programme = self.programme
        outlets = self.outlets
        # the batch open now (ProgrammeState.batch_at), asked only when the clock has left the times of the last
        # answer (SimPy's clock never goes back: a few times a run)
        lo, hi, batch = outlets.window[0]
        if not lo <= now < hi:
            window = outlets.window[0] = programme.window(now)
            batch = window[2]
        grants: tuple[Grant, ...] = ()  # outside the windows nothing to commit (ProgrammeState.commit), nor to ask
        price, p = app.price, app.platform  # each read once
        if batch is not None:
            if programme.is_eligible(app.industry, app.traits.revenue):  # without instruments commit gives none
                # the batch's platforms as it admitted them when first asked (BatchAdmission.admit), without
                # the calls that ask; the first time through them (it scores the platforms then)
                admitted: list[bool] | NDArray[np.bool_] | None = programme.batch_admission.admits.get(batch)
                if admitted is None:
                    admitted = self.admission.admitted_in(batch)
                grants = programme.commit(batch, price, p, price * (1.0 - rules.discount), admitted)
            if app.expected_grant > 0.0:  # a float with a float: a comparison CPython 3.11 specialises
                outlets.record_applicant((app.enterprise, month, batch, grants != ()))  # won: any grant
        # what it gets, and the government's price parts to platform and enterprise: each summed in the grants' order
        got = gov_p = gov_e = 0.0
        if grants:
            tiered = self.grants.tiered
            for g in grants:
                got += g.to_price + (g.amount if tiered[g.instrument] else 0.0)
                if g.paid_to == "platform":
                    gov_p += g.to_price
                else:
                    gov_e += g.to_price
        if got < app.expected_grant - 1e-6:
            short = self._short_of(app, grants, now, month)
            if short is not None:
                return short
        # the discount share of a contract with grants, which commit money (ProgrammeState.commit), or without
        _, discount, enterprise_part = split_one(price, gov_p + gov_e, outlets.discount_shares[1 if grants else 0])
        register = self.register
        # by position: signed, government to platform and to enterprise, platform discount, enterprise part
        cid = register.book.sign(app, now, gov_p, gov_e, discount, enterprise_part)
        register.grants.append(grants)
        register.apps.append(app)
        owed = enterprise_part + gov_e  # what the enterprise owes
        i = app.industry
        # one more, as a float (a float and a float: an addition CPython 3.11 specialises; the same sum as with 1)
        outlets.tallies[app.renewal][month * outlets.industries + i] += 1.0
        internal_share, internal_fixed = outlets.internal[i]
        internal = internal_cost(internal_share, internal_fixed, price)
        # the ledger's entries in order: the enterprise's payments, the grants paid at signing, the internal cost
        ledger = self.ledger
        paid_now = grants and "signing" in self.grants.paid_at  # Grants.pay's own first test, without its call
        # owed and paid go to the receivables in one call (kept apart there: the same amounts as two calls)
        receivables = self.working_capital.receivables
        if rules.fixed_months == 1:  # one payment at signing (upfront, or a hybrid's upfront fraction): the common case
            first = float(fixed_payments(rules.scheme, np.array([owed]), 1)[0, 0]) if rules.deferred else owed
            receivables.add_paid(p, owed, month, first)
            if internal > 0.0 and not paid_now:  # the payment and the internal cost one after the other: one call
                ledger.add_coded_pair(_PAYMENT, first, _INTERNAL, internal, month, cid, p)
                return _signed(cid)
            ledger.add_coded(_PAYMENT, month, cid, first, p)
        else:
            receivables.add(p, owed)
            self._pay_instalments(app, cid, owed, month)
        if paid_now:
            self.grants.pay(cid, "signing")
        if internal > 0.0:
            ledger.add_coded(_INTERNAL, month, cid, internal, p)
        return _signed(cid)

    def _short_of(self, app: Application, grants: tuple[Grant, ...], now: float, month: int) -> Waits | Refused | None:
        """``app`` gets ``grants``, less than it counted on, in ``month`` (``now``): None if it signs all the same, else why not.

        With nothing, under rule ``wait`` or ``reject``, it waits for the
        next batch (if one opens) or is turned away; otherwise it signs if
        it still adopts with what it gets (the grants go back if not).
        """
        rule = self.rules.when_budget_exhausted
        if not grants and rule in ("wait", "reject"):
            nxt = self.programme.next_opening(now) if rule == "wait" else None
            if nxt is not None:
                return Waits(nxt)
            self._turn_away(app)
            return _BUDGET
        if not self._still_adopts(app, grants, month):
            for g in grants:
                self.programme.release(g, app.platform)
            self._turn_away(app)
            return _UNWILLING
        return None

    def _still_adopts(self, app: Application, grants: tuple[Grant, ...], month: int) -> bool:
        """Whether ``app`` still adopts in ``month`` (now) with ``grants`` instead of what it counted on."""
        if not grants and self.offers.decisions is None:  # with nothing, it may be decided with its cohort
            adopts = self.offers.adopts_without_money(app, month)
            if adopts is not None:
                return adopts
        k = len(self.programme.instruments)
        amount = np.zeros((k, 1))
        to_price = np.zeros((k, 1))
        for g in grants:
            amount[g.instrument, 0] += g.amount
            to_price[g.instrument, 0] += g.to_price
        offer, decision = self.offers.evaluate_applicant(app, amount, to_price, month)
        if self.offers.decisions is not None:
            belief = (np.array([app.perceived_failure]), np.array([app.benefit_share]))
            self.offers.decisions.add(
                "signing",
                (np.array([app.enterprise]), np.array([app.industry]), float(self.env.now)),
                np.array([app.platform]),
                (np.array([app.price]), self.offers.counted_on(amount, to_price)),
                belief,
                (offer, decision),
                np.where(decision.adopt, APPLIED, REJECTED),
                np.array([app.renewal]),
            )
        return bool(decision.adopt[0])

    def _turn_away(self, app: Application) -> None:
        """``app`` goes back to the population, to consider again later (it joins as the month closes: :class:`TurnedAway`)."""
        self.outlets.turned_away.rows.append((app.enterprise, app.industry, app.time, app.threshold, app.attempt))

    def _pay_instalments(self, app: Application, cid: int, owed: float, month: int) -> None:
        """Write the instalments of contract ``cid`` signed in ``month`` (yuan), paid over more than one month; ``owed`` is what the enterprise owes.

        The enterprise pays an instalment in each month it begins in
        business; the instalments after its exit are written off, a payment
        shortfall the platform bears in the exit month.  (:meth:`try_sign`
        writes a payment in one month itself, and the receivable.)
        """
        rules = self.rules
        receivables = self.working_capital.receivables
        n_fixed = rules.fixed_months
        fixed = fixed_payments(rules.scheme, np.array([owed]), n_fixed)[0]
        months = month + np.arange(n_fixed)
        unpaid = float(fixed[months >= app.exit].sum())
        if unpaid > 0:
            fixed = np.where(months < app.exit, fixed, 0.0)
            gone = int(app.exit)
            self.ledger.add("platform", "enterprise", gone, cid, "payment_shortfall", unpaid, app.platform)
            receivables.reduce_one(app.platform, gone, unpaid)
        self.ledger.add_schedule(
            "enterprise",
            "platform",
            months,
            contract=cid,
            kind="enterprise_payment",
            amount=fixed,
            platform=app.platform,
        )
        receivables.reduce(np.asarray(app.platform), months, fixed)

    # ------------------------------------------------------------ delivery
    def start_implementation(self, contract: int, now: float) -> float:
        """Capacity is free at ``now``: whether the project fails, the delivery cost, experience; return the duration (months).

        The project fails when the enterprise's keyed failure draw is below
        its platform's failure probability at its experience now
        (:func:`dxsim.model.quality.failure_probability`).
        """
        register, live = self.register, self.live
        app = register.apps[contract]
        p = app.platform
        traits = app.traits
        failure, exponent, _, _, _ = live.per_industry[app.industry]
        experience, cost = self.platforms.start_deployment(p)
        traits.fails = fails = traits.failure_draw < learned_failure_probability(
            failure, live.per_platform[p][0], experience, exponent
        )
        self.ledger.add_coded(_DELIVERY, floor(now), contract, cost, p)  # cost: a Python float; its month as in add
        register.book.started(contract, now, fails)
        return traits.implementation

    def go_live(self, contract: int, now: float) -> float | None:
        """Go live ``now``: pay the grants due; in use from now (:meth:`LiveContracts.add`, which keeps its time for the book); its acceptance assessment is due.

        Returns the delay to the assessment's own step (months), for a
        contract with programme money to pay or forfeit then
        (:meth:`assess`); None for one without: its assessment is only
        recorded, at the close of its month (:class:`~dxsim.model.acceptance.Assessments`).
        """
        funded = self.register.grants[contract]  # empty without programme money
        if funded and "golive" in self.grants.paid_at:  # Grants.pay's own first test, without its call
            self.grants.pay(contract, "golive")
        self.live.add(contract, now)
        delay = self.rules.acceptance_delay
        self.assessments.due(contract, now + delay)
        return delay if funded else None

    # ---------------------------------------------------------- assessment
    def assess(self, contract: int, now: float) -> None:
        """Acceptance ``now`` of a contract with grants: pay or forfeit its acceptance money; lighthouse candidates.

        The assessment's records are written at the close of its month
        (:class:`~dxsim.model.acceptance.Assessments`).  An enterprise that
        has exited by then fails acceptance.  A renewal is assessed like any
        contract (its acceptance money is paid), but its enterprise is not a
        lighthouse candidate again.
        """
        app = self.register.apps[contract]
        traits = app.traits
        works = not traits.fails
        _, level, accepted = assessment(
            works, traits.maturity, traits.maturity_gain, app.exit, now, self.rules.acceptance_level
        )
        if not accepted:
            self.grants.forfeit(contract, "acceptance")
            return
        if "acceptance" in self.grants.paid_at:  # Grants.pay's own first test, without its call
            self.grants.pay(contract, "acceptance", level)
        if not app.renewal and level >= self.rules.lighthouse_level:
            grants = self.register.grants[contract]
            gain = traits.revenue / 12.0 * traits.benefit * self.live.per_platform[app.platform][1]
            self.lighthouses.candidate(grants[0].batch, (contract, app.platform, app.industry, gain))

    def _designate(self, contract: int, industry: int) -> None:
        """The programme designates contract ``contract``'s enterprise a lighthouse now."""
        self.register.book.set(contract, "lighthouse", 1.0)
        # the month by ``floor`` of SimPy's clock, as the applicants' steps read it (a time never negative)
        self.counts["lighthouses"][floor(self.env._now) * self.live.industries + industry] += 1.0
        self.assessments.evidence.designated(industry)  # the evidence the assessments write
