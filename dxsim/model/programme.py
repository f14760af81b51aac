"""The programme: batches with windows and budgets, instruments, commitments.

Public money is committed (taken out of the batch's budget Container) when a
contract is signed, and paid or released later; a SimPy ``Container`` cannot
go below zero, and an amount is only ever taken when the level covers it, so
the budget can never be over-committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy
from numpy.typing import NDArray

from dxsim.scenario.schema import (
    CostShare,
    PaidAt,
    PaidTo,
    PlatformReward,
    Programme,
    Scenario,
    Voucher,
)

__all__ = ["Grant", "ProgrammeState"]


@dataclass
class Grant:
    """One instrument's money committed to one contract (yuan)."""

    instrument: int
    batch: int
    amount: float  # committed from the budget
    to_price: float  # the part of the price it covers (above ``amount`` when a platform cap binds)
    paid_to: PaidTo
    paid_at: PaidAt
    settled: bool = False


class ProgrammeState:
    """Budgets, windows and instrument caps of one replication."""

    def __init__(self, scenario: Scenario, n_platforms: int, env: simpy.Environment) -> None:
        spec: Programme = scenario.programme
        self.spec = spec
        self.instruments = spec.instruments
        self.opens = np.array([scenario.month_of(b.opens) for b in spec.batches], dtype=float)
        self.closes = np.array([scenario.month_of(b.closes, end_of_day=True) for b in spec.batches], dtype=float)
        self._windows = list(zip(self.opens.tolist(), self.closes.tolist(), strict=True))
        self.budgets = [
            simpy.Container(env, capacity=b.budget, init=b.budget) if b.budget > 0 else None for b in spec.batches
        ]
        #: Money committed or paid per instrument and platform (yuan), for the platform caps.
        self.used = np.zeros((len(spec.instruments), n_platforms))

    @property
    def active(self) -> bool:
        """True when the programme has any instrument."""
        return bool(self.instruments)

    def batch_at(self, t: float) -> int | None:
        """The batch whose window holds time ``t`` (the first one if several)."""
        for k, (lo, hi) in enumerate(self._windows):
            if lo <= t < hi:
                return k
        return None

    def next_opening(self, t: float) -> float | None:
        """When the next batch opens after ``t`` (None if none does)."""
        later = self.opens[self.opens > t]
        return float(later.min()) if len(later) else None

    def level(self, batch: int | None) -> float:
        """Uncommitted budget of ``batch`` (yuan); 0 when there is none."""
        if batch is None or self.budgets[batch] is None:
            return 0.0
        container = self.budgets[batch]
        assert container is not None
        return float(container.level)

    def remaining(self, t: float) -> float:
        """Uncommitted budget (yuan) of the batches whose window has not closed by time ``t``.

        Money left in a closed batch lapses and is not counted.
        """
        return float(
            sum(c.level for c, (_, hi) in zip(self.budgets, self._windows, strict=True) if c is not None and hi > t)
        )

    def entitlements(
        self,
        price: NDArray[np.float64],
        platform: NDArray[np.int64],
        room: NDArray[np.float64],
        budget: float,
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
        budget : float
            Uncommitted budget available (yuan), bounding each contract on its
            own (contracts signed one after the other share it in
            :meth:`commit`); ``inf`` for the terms the programme announces.

        Returns
        -------
        amount, to_price : arrays, shape (instruments, contracts)
            Money committed from the budget per instrument, and the part of
            the price the instrument covers (yuan).  Instruments paid to the
            platform cover their share of the price even when the platform's
            cap leaves less to commit: the platform took it off the price, so
            the difference is the platform's loss (MODEL.md mechanism 3).
            Instruments paid to the enterprise cover only what is committed.
        """
        n = len(price)
        amount = np.zeros((len(self.instruments), n))
        to_price = np.zeros_like(amount)
        room = room.copy()
        left = np.full(n, budget)
        for k, inst in enumerate(self.instruments):
            if isinstance(inst, CostShare):
                raw = inst.share * price
                if inst.cap_per_enterprise is not None:
                    raw = np.minimum(raw, inst.cap_per_enterprise)
                priced_share = 1.0
            elif isinstance(inst, Voucher):
                raw = np.full(n, inst.amount)
                priced_share = 1.0
            else:
                assert isinstance(inst, PlatformReward)
                raw = np.full(n, inst.amount)
                priced_share = inst.passed_on
            if priced_share > 0:
                with np.errstate(over="ignore"):
                    raw = np.minimum(raw, room / priced_share)
            raw = np.clip(np.minimum(raw, left), 0.0, None)
            cap_left = np.inf if inst.cap_per_platform is None else inst.cap_per_platform - self.used[k, platform]
            committed = np.clip(np.minimum(raw, cap_left), 0.0, None)
            amount[k] = committed
            to_price[k] = priced_share * (raw if inst.paid_to == "platform" else committed)
            room = np.clip(room - to_price[k], 0.0, None)
            left = left - committed
        return amount, to_price

    def commit(self, t: float, price: float, platform: int, room: float) -> list[Grant]:
        """Commit the money a contract signed at ``t`` gets; empty outside windows."""
        batch = self.batch_at(t)
        if batch is None or not self.active:
            return []
        container = self.budgets[batch]
        if container is None:
            return []
        amount, to_price = self.entitlements(
            np.array([price]),
            np.array([platform], dtype=np.int64),
            np.array([room]),
            float(container.level),
        )
        grants = []
        for k, inst in enumerate(self.instruments):
            a, priced = float(amount[k, 0]), float(to_price[k, 0])
            if a <= 0 and priced <= 0:
                continue
            if a > 0:
                container.get(a)  # never blocks: a <= level by construction
                self.used[k, platform] += a
            grants.append(Grant(k, batch, a, priced, inst.paid_to, inst.paid_at))
        return grants

    def release(self, grant: Grant, platform: int) -> None:
        """Give an unpaid commitment back to its batch's budget."""
        container = self.budgets[grant.batch]
        assert container is not None
        back = min(grant.amount, container.capacity - container.level)  # guard float round-off
        if back > 0:
            container.put(back)
        self.used[grant.instrument, platform] -= grant.amount
        grant.settled = True


def grants_by(grants: Sequence[Grant], *, paid_to: PaidTo) -> float:
    """Total of the price parts in ``grants`` paid to ``paid_to`` (yuan)."""
    return float(sum(g.to_price for g in grants if g.paid_to == paid_to))
