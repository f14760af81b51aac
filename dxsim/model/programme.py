"""The programme: batches with windows and budgets, instruments, commitments.

Public money is committed (taken out of a budget) when a contract is signed,
and paid or released later; an amount is only ever taken when the level
covers it (:meth:`ProgrammeState.commit` refuses otherwise), so the budget
can never be over-committed.  Each batch has one budget level per pool (one
pool, or two when the budget is split between SME transformation and
platforms and public services).  Levels are plain floats, changed the moment
money is committed or released: nothing waits on them, so they spend no
SimPy events.  With ``rollover`` a batch's uncommitted
budget passes to the next batch when it closes.  Caps per platform count per
batch; a batch fixes its sub-industries, then admits platforms within them
(:mod:`dxsim.model.institutions`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.model.institutions import BatchAdmission
from dxsim.random import Keys
from dxsim.scenario.schema import (
    AnyInstrument,
    CostShare,
    PaidAt,
    PaidTo,
    PlatformReward,
    Programme,
    Scenario,
    Tiered,
    Voucher,
    next_batch,
)

__all__ = ["BudgetBook", "Grant", "ProgrammeState", "Terms", "UrgentTimeout", "new_grant"]

POOLS = ("smes", "platforms")


class UrgentTimeout(simpy.Event):
    """A timeout processed before the ordinary events due at the same time.

    The month's end (the driver closes month t and decides month t + 1 at
    time t + 1) and the rollover of a batch's budget at its close must come
    before anything else that happens at that instant, e.g. an applicant
    returning exactly when a batch opens.  SimPy orders events of one time by
    priority, then by when they were scheduled: these use ``URGENT`` as a
    ``Timeout`` uses ``NORMAL``, and a rollover, scheduled at the start, comes
    before the month end it coincides with.
    """

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, simpy.core.URGENT, delay)


@dataclass(slots=True)
class BudgetBook:
    """Money out of the budgets but not spent (yuan): ``committed`` to contracts, not yet paid nor released;
    ``lapsed``, per batch, what :meth:`ProgrammeState.take_lapsed` has counted as lapsed so far."""

    committed: float
    lapsed: list[float]


@dataclass(slots=True)
class Grant:
    """One instrument's money committed to one contract (yuan)."""

    instrument: int
    batch: int
    amount: float  # committed from the budget
    to_price: float  # the part of the price it covers (above ``amount`` when a platform cap binds)
    paid_to: PaidTo
    paid_at: PaidAt
    settled: bool = False


_new_object = object.__new__


def new_grant(instrument: int, batch: int, amount: float, to_price: float, paid_to: PaidTo, paid_at: PaidAt) -> Grant:
    """``Grant(instrument, batch, amount, to_price, paid_to, paid_at)``, not settled, made without its ``__init__``.

    CPython 3.11 calls a class's Python ``__init__`` through the type's slot
    (a bound method made and called at each grant); this makes the object
    with ``object.__new__`` and sets each slot, as ``__init__`` does, for
    about two thirds of the cost (tests/model/test_programme_rules.py
    compares it with ``Grant(...)`` field by field).  Amounts in yuan.
    """
    grant: Grant = _new_object(Grant)
    grant.instrument = instrument
    grant.batch = batch
    grant.amount = amount
    grant.to_price = to_price
    grant.paid_to = paid_to
    grant.paid_at = paid_at
    grant.settled = False
    return grant


@dataclass(frozen=True)
class Terms:
    """One instrument's rule as plain numbers, read once from the scenario (yuan, shares).

    The base of an instrument is ``share x price`` for a cost share, else
    ``amount`` (a voucher's or reward's amount, a tiered instrument's largest);
    no cap is ``inf``.
    """

    share: float | None  # cost share of the price, None for a fixed amount
    amount: float
    cap_per_enterprise: float
    cap_per_platform: float
    priced_share: float  # part of the commitment that covers the price (0 for tiered)
    to_platform: bool
    pool: int
    paid_to: PaidTo  # the instrument's payee and when it pays, as its grants carry them
    paid_at: PaidAt

    def plain(self) -> tuple[float | None, float, float, float, float, bool, int, PaidTo, PaidAt]:
        """The fields as one tuple, in their order (:meth:`ProgrammeState.commit` unpacks it at each signing: one step).

        Examples
        --------
        >>> Terms(0.3, 0.0, 300e3, 6e6, 1.0, True, 0, "platform", "acceptance").plain()
        (0.3, 0.0, 300000.0, 6000000.0, 1.0, True, 0, 'platform', 'acceptance')
        """
        return (
            self.share,
            self.amount,
            self.cap_per_enterprise,
            self.cap_per_platform,
            self.priced_share,
            self.to_platform,
            self.pool,
            self.paid_to,
            self.paid_at,
        )

    @classmethod
    def of(cls, inst: AnyInstrument, pool: int) -> Terms:
        """The terms of ``inst`` drawing on ``pool``."""
        share: float | None = None
        if isinstance(inst, CostShare):
            share, amount, priced_share = inst.share, 0.0, 1.0
        elif isinstance(inst, Voucher):
            amount, priced_share = inst.amount, 1.0
        elif isinstance(inst, Tiered):
            amount, priced_share = inst.most, 0.0
        else:
            assert isinstance(inst, PlatformReward)
            amount, priced_share = inst.amount, inst.passed_on
        return cls(
            share=share,
            amount=float(amount),
            cap_per_enterprise=np.inf if inst.cap_per_enterprise is None else float(inst.cap_per_enterprise),
            cap_per_platform=np.inf if inst.cap_per_platform is None else float(inst.cap_per_platform),
            priced_share=float(priced_share),
            to_platform=inst.paid_to == "platform",
            pool=pool,
            paid_to=inst.paid_to,
            paid_at=inst.paid_at,
        )


class ProgrammeState:
    """Budgets, windows, eligibility, admission and instrument caps of one replication.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    n_platforms : int
        Number of platforms (for the caps per platform).
    env : simpy.Environment
        The replication's environment (its clock; the rollover is a process).
    keys : Keys
        The replication's keyed draws (ties between sub-industries at admission).
    """

    def __init__(self, scenario: Scenario, n_platforms: int, env: simpy.Environment, keys: Keys) -> None:
        spec: Programme = scenario.programme
        self.spec = spec
        self.env = env
        self.instruments: tuple[AnyInstrument, ...] = spec.instruments
        self.opens = np.array([scenario.month_of(b.opens) for b in spec.batches], dtype=float)
        self.closes = np.array([scenario.month_of(b.closes, end_of_day=True) for b in spec.batches], dtype=float)
        self._windows = list(zip(self.opens.tolist(), self.closes.tolist(), strict=True))
        #: The ends of the windows, sorted, and the batch open from each one to the next (None before the
        #: first): between two consecutive ends every window holds a time or does not, alike (:meth:`batch_at`).
        ends = sorted({*self.opens.tolist(), *self.closes.tolist()})
        self._between: tuple[list[float], list[int | None]] = (ends, [None, *map(self._first_window, ends)])
        shares = (1.0,) if spec.split is None else (spec.split.smes, spec.split.platforms)
        #: Uncommitted budget per batch and pool (yuan).
        self.budgets: list[list[float]] = [[float(b.budget * s) for s in shares] for b in spec.batches]
        #: What is committed and not yet paid nor released, and what has been counted as lapsed per batch.
        self.book = BudgetBook(0.0, [0.0] * len(spec.batches))
        #: Each instrument's terms, among them the pool it draws on.
        self.terms = [Terms.of(inst, 0 if spec.split is None else POOLS.index(inst.pool)) for inst in self.instruments]
        #: The terms as :meth:`commit` reads them, one tuple of plain values per instrument, its index first
        #: (:meth:`Terms.plain`): one unpacking each, not a read of each field and an ``enumerate``.
        self._plain_terms = tuple((k, *term.plain()) for k, term in enumerate(self.terms))
        #: Money committed or paid per batch, instrument and platform (yuan), for the platform caps: changed
        #: one contract at a time as a list of Python floats (an item of a list costs less than a memoryview's
        #: cell), its cells in C order: batch b, instrument k, platform p at b x :attr:`_strides` [0] + k x
        #: :attr:`_strides` [1] + p (:attr:`used` is its array).
        self._used = [0.0] * (len(spec.batches) * len(self.instruments) * n_platforms)
        self._strides = (len(self.instruments) * n_platforms, n_platforms)
        #: Which platforms each batch admits.
        self.batch_admission = BatchAdmission(scenario, keys)
        industries = [i.name for i in scenario.resolved_industries]
        elig = spec.eligibility
        listed = None if elig is None or elig.industries is None else set(elig.industries)
        self._eligible_industry = np.array([listed is None or name in listed for name in industries])
        #: The listed industries as Python bools (for one enterprise at a time), and the revenue band.
        self._eligibility: tuple[list[bool], float, float] = (
            self._eligible_industry.tolist(),
            *((0.0, np.inf) if elig is None else (elig.revenue_min, elig.revenue_max or np.inf)),
        )
        if spec.rollover:
            for k in range(len(spec.batches)):
                env.process(self._roll_over(k))

    @property
    def active(self) -> bool:
        """True when the programme has any instrument."""
        return bool(self.instruments)

    @property
    def n_pools(self) -> int:
        """1, or 2 when the budget is split."""
        return 1 if self.spec.split is None else 2

    @property
    def n_platforms(self) -> int:
        """Number of platforms (for the caps per platform)."""
        return self._strides[1]

    @property
    def used(self) -> NDArray[np.float64]:
        """Money committed or paid per batch, instrument and platform (yuan), for the platform caps.

        A read-only copy: writing into it raises rather than changing nothing; set it whole instead.
        """
        out = np.array(self._used, dtype=np.float64).reshape(len(self.budgets), len(self.instruments), self.n_platforms)
        out.flags.writeable = False
        return out

    @used.setter
    def used(self, value: NDArray[np.float64]) -> None:
        """Set what the platforms used, per batch, instrument and platform (an array of :attr:`used`'s shape)."""
        self._used[:] = np.broadcast_to(np.asarray(value, dtype=np.float64), self.used.shape).ravel().tolist()

    def batch_at(self, t: float) -> int | None:
        """The batch whose window holds time ``t`` (the first one if several): one bisection of the windows' ends."""
        ends, batches = self._between
        return batches[bisect_right(ends, t)]

    def window(self, t: float) -> tuple[float, float, int | None]:
        """:meth:`batch_at` of time ``t`` with the times ``lo <= t < hi`` around it between which it is the same: ``(lo, hi, batch)``.

        ``lo`` and ``hi`` are consecutive ends of the windows (months;
        ``-inf`` before the first, ``inf`` after the last): the bisection
        finds every time between them at the same place, so one answer holds
        until the clock reaches ``hi`` (signing asks again only then).

        Examples
        --------
        >>> import dxsim as dx
        >>> from dxsim.random import Keys
        >>> sc = dx.load_scenario("small")
        >>> prog = ProgrammeState(sc, 3, simpy.Environment(), Keys(sc.seed))
        >>> lo, hi, batch = prog.window(4.5)
        >>> batch == prog.batch_at(4.5) == prog.batch_at(lo) and lo <= 4.5 < hi
        True
        """
        ends, batches = self._between
        at = bisect_right(ends, t)
        return (ends[at - 1] if at else -math.inf, ends[at] if at < len(ends) else math.inf, batches[at])

    def _first_window(self, t: float) -> int | None:
        """:meth:`batch_at`, window by window."""
        for k, (lo, hi) in enumerate(self._windows):
            if lo <= t < hi:
                return k
        return None

    def next_opening(self, t: float) -> float | None:
        """When the next batch opens after ``t`` (None if none does)."""
        later = self.opens[self.opens > t]
        return float(later.min()) if len(later) else None

    def levels(self, batch: int | None) -> NDArray[np.float64]:
        """Uncommitted budget of ``batch`` per pool (yuan); zeros when there is none."""
        if batch is None:
            return np.zeros(self.n_pools)
        return np.array(self.budgets[batch])

    def remaining(self, t: float) -> float:
        """Uncommitted budget (yuan) of the batches whose window has not closed by time ``t``.

        Money left in a closed batch lapses (or has rolled over) and is not counted.
        """
        return float(sum(self.levels(k).sum() for k, (_, hi) in enumerate(self._windows) if hi > t))

    def take_lapsed(self, t: float) -> float:
        """Budget (yuan) that has lapsed since the last call, up to time ``t`` (the driver calls it at each month's end).

        A closed batch's uncommitted money is not spent: it lapses, unless
        ``rollover`` has moved it to the next batch at the close (the closed
        batch then holds nothing; money released later goes to the batch open
        or to come then, and stays in the closed one, lapsing, where there is
        none).  So what the batches closed by ``t`` hold has lapsed, and what
        lapsed since the last call is what they hold beyond what was counted
        then, batch by batch (an unlimited budget lapses once, as ``inf``).
        """
        total = 0.0
        counted = self.book.lapsed
        for k, (_, hi) in enumerate(self._windows):
            level = sum(self.budgets[k])
            if hi <= t and level != counted[k]:
                total += level - counted[k]
                counted[k] = level
        return total

    @property
    def committed(self) -> float:
        """Money committed to signed contracts and neither paid nor released yet (yuan)."""
        return self.book.committed

    def paid(self, amount: float) -> None:
        """``amount`` (yuan) of a commitment was paid out (:class:`~dxsim.model.contracting.Grants`)."""
        self.book.committed -= amount

    def eligible(self, industry: NDArray[np.int64], revenue: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Who may receive programme money: listed industries and the revenue band."""
        _, lo, hi = self._eligibility
        return np.asarray(self._eligible_industry[industry] & (revenue >= lo) & (revenue <= hi))

    def is_eligible(self, industry: int, revenue: float) -> bool:
        """:meth:`eligible` for one enterprise."""
        listed, lo, hi = self._eligibility
        if lo <= revenue <= hi:  # compared in an ``if``: floats compared as CPython 3.11 specialises
            return listed[industry]
        return False

    def admitted(self, batch: int, score: Callable[[], NDArray[np.float64]]) -> NDArray[np.bool_]:
        """Platforms the batch admits (all when it holds no admission round); scored once, when first asked.

        See :meth:`~dxsim.model.institutions.BatchAdmission.admit`.
        """
        return self.batch_admission.admit(batch, score)

    def outreach(self, t: float, admitted: NDArray[np.bool_] | None) -> NDArray[np.float64]:
        """The programme's outreach hazard in each industry at time ``t`` (1 / month).

        ``Programme.outreach`` while a batch is open in the industries it
        covers: eligible ones with a platform among ``admitted`` (the open
        batch's platforms, None when it admits every platform); 0 elsewhere
        and without instruments.
        """
        if not self.active or self.batch_at(t) is None:
            return np.zeros(len(self._eligible_industry))
        covered = self._eligible_industry.copy()
        if admitted is not None:
            platform_industry = self.batch_admission.platform_industry
            covered &= np.bincount(platform_industry[admitted], minlength=len(covered)) > 0
        return np.where(covered, self.spec.outreach, 0.0)

    def start_months(self) -> NDArray[np.int64]:
        """Month each platform starts (its fixed costs run from it).

        The opening month of the first batch that admitted it in an admission
        round (:meth:`~dxsim.model.institutions.BatchAdmission.selects`);
        month 0 for a platform no such batch admitted, and in a scenario
        without one.  A batch asked nothing during its window admitted nobody.
        """
        start = np.full(self.n_platforms, np.inf)
        for k in range(len(self.spec.batches)):
            admitted = self.batch_admission.admitted.get(k)
            if self.batch_admission.selects(k) and admitted is not None:
                start = np.where(admitted, np.minimum(start, np.floor(self.opens[k])), start)
        return np.where(np.isfinite(start), start, 0.0).astype(np.int64)

    def entitlements(
        self,
        price: NDArray[np.float64],
        platform: NDArray[np.int64],
        room: NDArray[np.float64],
        budgets: NDArray[np.float64],
        batch: int | None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Money each instrument would commit, per contract, now.

        Parameters
        ----------
        price : array
            Prices (yuan).
        platform : array
            Platform of each contract.
        room : array
            How much of the price the government may still cover (price less
            the platform's discount), yuan.
        budgets : array, shape (pools,)
            Uncommitted budget available per pool (yuan), bounding each
            contract on its own (contracts signed one after the other share
            it in :meth:`commit`); ``inf`` for the terms the programme
            announces.
        batch : int or None
            The batch open now, whose caps per platform bound the amounts
            (None: no batch open, and ``budgets`` are zero).

        Returns
        -------
        amount, to_price : arrays, shape (instruments, contracts)
            Money committed from the budget per instrument, and the part of
            the price the instrument covers (yuan).  Instruments paid to the
            platform cover their share of the price even when the platform's
            cap leaves less to commit: the platform took it off the price, so
            the difference is the platform's loss (MODEL.md mechanism 3);
            when the cap leaves nothing, they cover nothing (the platform
            receives no programme money for the contract and quotes its full
            price).  Instruments paid to the enterprise cover only what is committed.
            A tiered instrument commits its largest amount and covers no part
            of the price (it is a reward for the level reached).  With no
            budget left in any pool (outside windows) every instrument commits
            and covers nothing: zeros, without the steps (:meth:`_committed`).
        """
        n = len(price)
        if not np.any(budgets):
            amount = np.zeros((len(self.instruments), n))
            return amount, np.zeros_like(amount)
        return self._committed(price, platform, room, budgets, batch)

    def _committed(
        self,
        price: NDArray[np.float64],
        platform: NDArray[np.int64],
        room: NDArray[np.float64],
        budgets: NDArray[np.float64],
        batch: int | None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`entitlements`, step by step, instrument after instrument."""
        n = len(price)
        amount = np.zeros((len(self.instruments), n))
        to_price = np.zeros_like(amount)
        room = room.copy()
        left = np.repeat(np.asarray(budgets, dtype=np.float64)[:, None], n, axis=1)
        used = self.used[batch] if batch is not None else np.zeros((len(self.terms), self.n_platforms))
        for k, term in enumerate(self.terms):
            raw = term.share * price if term.share is not None else np.full(n, term.amount)
            raw = np.minimum(raw, term.cap_per_enterprise)
            if term.priced_share > 0:
                with np.errstate(over="ignore"):
                    raw = np.minimum(raw, room / term.priced_share)
            # np.maximum(x, 0.0): what np.clip(x, 0.0, None) computes, without its Python layers
            raw = np.maximum(np.minimum(raw, left[term.pool]), 0.0)
            committed = np.maximum(np.minimum(raw, term.cap_per_platform - used[k, platform]), 0.0)
            amount[k] = committed
            to_price[k] = term.priced_share * (np.where(committed > 0, raw, 0.0) if term.to_platform else committed)
            room = np.maximum(room - to_price[k], 0.0)
            left[term.pool] = left[term.pool] - committed
        return amount, to_price

    def tier_amounts(self, level: NDArray[np.int64], amount: NDArray[np.float64]) -> NDArray[np.float64]:
        """What each tiered instrument pays for ``level``, bounded by what it committed (instruments x n)."""
        out = np.zeros_like(amount)
        for k, inst in enumerate(self.instruments):
            if isinstance(inst, Tiered):
                out[k] = np.minimum(inst.amount_for(level), amount[k])
        return out

    def commit(
        self,
        batch: int | None,
        price: float,
        platform: int,
        room: float,
        admitted: NDArray[np.bool_] | list[bool] | None,
    ) -> tuple[Grant, ...]:
        """Commit the money a contract signed now in ``batch`` gets (:meth:`batch_at`).

        Empty outside windows (``batch`` None) or with a platform not
        admitted.  Otherwise each instrument in turn commits what
        :meth:`entitlements` gives this one contract (``price`` and ``room``
        in yuan, the batch's budgets as they are now), on Python floats: the
        same arithmetic, the amount taken out of its pool before the next
        instrument reads what is left.  Only instruments that commit money
        give a grant: one that commits nothing covers no part of the price
        either, and takes nothing.
        """
        # not :attr:`active` (a property's call at each signing in a window): no instruments, nothing to commit
        if batch is None or not self.instruments or (admitted is not None and not admitted[platform]):
            return ()
        pools = self.budgets[batch]  # what each pool has left, less what the instruments before took
        used = self._used
        per_batch, per_instrument = self._strides
        at = batch * per_batch + platform  # of instrument 0 (:attr:`_used`)
        grants: tuple[Grant, ...] = ()  # the empty tuple is shared: contracts without grants add no objects
        # min(x, y) as ``y if y < x else x`` and max(x, 0.0) as ``0.0 if x < 0.0 else x``: what the
        # builtins return (the first of equal ones, a NaN first kept), without their calls; floats compared
        # with 0.0, not 0 (the same answers: a comparison CPython 3.11 specialises)
        # (each instrument's terms by one unpacking: its caps per enterprise and per platform as cap_e and cap_p)
        for k, share, amount, cap_e, cap_p, priced_share, to_platform, pool, paid_to, paid_at in self._plain_terms:
            raw = share * price if share is not None else amount
            raw = cap_e if cap_e < raw else raw
            if priced_share > 0.0:
                cap = room / priced_share
                raw = cap if cap < raw else raw
            cap = pools[pool]
            raw = cap if cap < raw else raw
            raw = 0.0 if raw < 0.0 else raw
            cap = cap_p - used[at]
            committed = cap if cap < raw else raw
            committed = 0.0 if committed < 0.0 else committed
            priced = priced_share * ((raw if committed > 0.0 else 0.0) if to_platform else committed)
            room -= priced
            room = 0.0 if room < 0.0 else room
            if not committed <= 0.0:  # taking nothing (a zero) would leave every level as it is
                pools[pool] -= committed
                self.book.committed += committed
                used[at] += committed
                # the payee and stage from the terms, not the scenario's instrument (a pydantic model's reads cost more)
                grants += (new_grant(k, batch, committed, priced, paid_to, paid_at),)  # mostly one
            at += per_instrument
        return grants

    def release(self, grant: Grant, platform: int, amount: float | None = None) -> None:
        """Give back an unpaid commitment (or ``amount`` of it) to its budget, and to its batch's cap.

        After the batch has closed the money goes to the next batch with
        rollover, and lapses (stays in the closed batch) without it; it is
        taken off what the platform used of its grant's batch either way.
        """
        back = grant.amount if amount is None else amount
        if back > 0:
            target = grant.batch
            nxt = (
                self._next_batch(grant.batch)
                if self.spec.rollover and self.env.now >= self.closes[grant.batch]
                else None
            )
            if nxt is not None:
                target = nxt
            self.budgets[target][self.terms[grant.instrument].pool] += back
            self.book.committed -= back
            per_batch, per_instrument = self._strides
            self._used[grant.batch * per_batch + grant.instrument * per_instrument + platform] -= back
        if amount is None:
            grant.settled = True

    def _next_batch(self, batch: int) -> int | None:
        """The batch that inherits ``batch``'s money now (:func:`~dxsim.scenario.schema.next_batch`)."""
        return next_batch(self.opens, self.closes, batch, self.env.now)

    def _roll_over(self, batch: int) -> Generator[simpy.Event, Any, None]:
        """At the batch's close, move its uncommitted budget to the next batch."""
        yield UrgentTimeout(self.env, max(self.closes[batch] - self.env.now, 0.0))
        nxt = self._next_batch(batch)
        if nxt is None:
            return
        for pool, amount in enumerate(self.budgets[batch]):
            if amount > 0:
                self.budgets[batch][pool] = 0.0
                self.budgets[nxt][pool] += amount
