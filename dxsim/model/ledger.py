"""The three-party ledger: every payment is an entry, append-only, columnar.

An entry says who paid whom, in which month, for which contract, of which
kind, how much (yuan).  ``market`` stands for everyone outside the model
(customers whose extra sales make the gain, suppliers of delivery work).
``shortfall`` entries are not cash: they record a part of a contract that was
never paid, borne by the party named as payer, so that every contract's money
adds up (see :func:`check_conservation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["KINDS", "PARTIES", "ConservationError", "Ledger", "LedgerTable", "check_conservation"]

#: Parties of the model, in the order of the Dataset's ``party`` dimension, then ``market``.
PARTIES = ("government", "platform", "enterprise", "market")
GOVERNMENT, PLATFORM, ENTERPRISE, MARKET = range(4)
PARTY = {name: k for k, name in enumerate(PARTIES)}

#: Kinds of entries.
KINDS = (
    "enterprise_payment",  # enterprise -> platform, towards what it owes on the price
    "subsidy",  # government -> platform or enterprise, the government's part of the price
    "reward",  # government -> platform, reward kept by the platform (not part of the price)
    "delivery_cost",  # platform -> market, cost of a deployment
    "gain",  # market -> enterprise, incremental profit of a live solution
    "tax",  # enterprise -> government, tax on the incremental profit
    "subscription",  # enterprise -> platform, the solution's monthly fee
    "shortfall",  # not cash: an unpaid government part of the price, borne by the payer
    "payment_shortfall",  # not cash: the enterprise's part it never pays (revenue share), borne by the platform
    "payment_premium",  # not cash: what the enterprise paid above its part (revenue share, subscription)
)
NON_CASH = ("shortfall", "payment_shortfall", "payment_premium")
KIND = {name: k for k, name in enumerate(KINDS)}


class ConservationError(RuntimeError):
    """Money in a contract does not add up (a defect of the model, raised whatever ``python -O`` says)."""


@dataclass(frozen=True)
class LedgerTable:
    """The ledger's columns after a run (one row per entry)."""

    month: NDArray[np.int64]
    payer: NDArray[np.int8]
    payee: NDArray[np.int8]
    kind: NDArray[np.int8]
    contract: NDArray[np.int64]
    platform: NDArray[np.int64]
    amount: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.amount)

    def select(self, kind: str) -> NDArray[np.bool_]:
        """Boolean mask of the entries of one kind."""
        return self.kind == KIND[kind]

    def total(self, mask: NDArray[np.bool_], *, by: str, size: int) -> NDArray[np.float64]:
        """Sum of the amounts where ``mask`` holds, per value of column ``by`` in ``range(size)``.

        Rows whose ``by`` value lies outside ``range(size)`` are left out.
        """
        key = getattr(self, by)
        keep = mask & (key >= 0) & (key < size)
        return np.asarray(np.bincount(key[keep], weights=self.amount[keep], minlength=size), dtype=np.float64)

    @cached_property
    def is_cash(self) -> NDArray[np.bool_]:
        """Entries that move money (all but shortfalls and premiums); computed once per table."""
        return ~np.isin(self.kind, [KIND[k] for k in NON_CASH])


class Ledger:
    """Append-only ledger; entries are added one by one or as whole schedules.

    Examples
    --------
    >>> led = Ledger()
    >>> led.add("enterprise", "platform", 0, contract=0, kind="enterprise_payment", amount=100.0, platform=0)
    >>> led.add_schedule("government", "platform", [3, 4], contract=0, kind="subsidy", amount=[10.0, 5.0], platform=0)
    >>> t = led.table()
    >>> len(t), float(t.amount.sum())
    (3, 115.0)
    """

    def __init__(self) -> None:
        self._rows: list[tuple[int, int, int, int, int, int, float]] = []
        self._chunks: list[
            tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
        ] = []  # month, contract, platform
        self._codes: list[tuple[int, int, int]] = []  # payer, payee, kind of each chunk
        self._amounts: list[NDArray[np.float64]] = []

    def add(
        self, payer: str, payee: str, month: int, *, contract: int, kind: str, amount: float, platform: int = -1
    ) -> None:
        """Record one payment of ``amount`` yuan in ``month`` (zero is dropped, negative refused)."""
        a = float(amount)
        if not (a >= 0 and math.isfinite(a)):
            raise ConservationError(f"amount(={a}) must be finite and >= 0 ({kind})")
        if a > 0:
            self._rows.append((int(month), PARTY[payer], PARTY[payee], KIND[kind], contract, platform, a))

    def add_schedule(
        self,
        payer: str,
        payee: str,
        month: ArrayLike,
        *,
        contract: ArrayLike,
        kind: str,
        amount: ArrayLike,
        platform: ArrayLike = -1,
    ) -> None:
        """Record a schedule of payments (yuan) in one call.

        ``month``, ``contract``, ``platform`` and ``amount`` broadcast, so one
        contract's instalments or many contracts' monthly gains are one call.
        Zero amounts are dropped; negative or non-finite ones are refused
        (reverse payer and payee instead).
        """
        m, c, p, a = np.broadcast_arrays(
            np.asarray(month, dtype=np.int64),
            np.asarray(contract, dtype=np.int64),
            np.asarray(platform, dtype=np.int64),
            np.asarray(amount, dtype=np.float64),
        )
        ok = (a >= 0) & np.isfinite(a)
        if not ok.all():
            raise ConservationError(f"amount(={a[~ok][0]}) must be finite and >= 0 ({kind})")
        keep = a > 0  # a mask: indexing the broadcast views with it copies only the entries kept
        if not keep.any():
            return
        self._chunks.append((m[keep], c[keep], p[keep]))
        self._codes.append((PARTY[payer], PARTY[payee], KIND[kind]))
        self._amounts.append(a[keep])

    def table(self) -> LedgerTable:
        """All entries as columns (single entries first, then schedules, each in the order added)."""
        single = list(zip(*self._rows, strict=True)) or [()] * 7  # columns of the single entries
        sizes = [len(a) for a in self._amounts]

        def ints(k: int, chunk_k: int) -> NDArray[np.int64]:  # column k of the single entries, then the chunks'
            return np.concatenate([np.array(single[k], dtype=np.int64), *(ch[chunk_k] for ch in self._chunks)])

        def codes(k: int) -> NDArray[np.int8]:  # payer (0), payee (1) or kind (2) of every entry
            per_chunk = np.repeat(np.array([c[k] for c in self._codes], dtype=np.int8), sizes)
            return np.concatenate([np.array(single[1 + k], dtype=np.int8), per_chunk])

        return LedgerTable(
            month=ints(0, 0),
            payer=codes(0),
            payee=codes(1),
            kind=codes(2),
            contract=ints(4, 1),
            platform=ints(5, 2),
            amount=np.concatenate([np.array(single[6], dtype=np.float64), *self._amounts]),
        )


def check_conservation(
    table: LedgerTable,
    *,
    price: NDArray[np.float64],
    government_to_platform: NDArray[np.float64],
    government_to_enterprise: NDArray[np.float64],
    platform_discount: NDArray[np.float64],
    enterprise_part: NDArray[np.float64],
    outstanding_platform: NDArray[np.float64],
    outstanding_enterprise: NDArray[np.float64],
    outstanding_payments: NDArray[np.float64],
) -> None:
    """Check that every contract's money adds up; raise :class:`ConservationError` if not.

    Per contract (yuan), with G_p and G_e the government's part paid to the
    platform and to the enterprise, D the discount, E the enterprise's part:

    1. ``G_p + G_e + D + E = price``;
    2. each government part is paid, written off (a shortfall borne by the
       payee) or still outstanding at the end of the run:
       ``G_x = subsidies to x + shortfalls borne by x + outstanding to x``;
    3. the enterprise owes the platform ``E + G_e`` (it advances a
       government part paid to itself) and pays it, or more (a premium), or
       less (a payment shortfall, the platform's loss), or has not yet had
       it settled (payments from go-live of contracts not live by the end):
       ``payments - premium + payment shortfall + outstanding = E + G_e``;
    4. the platform is owed the price less its discount:
       ``price = D + (payments - premium + payment shortfall + outstanding)
       + subsidies to it + shortfalls it bears + outstanding to it``.
    """
    n = len(price)
    if n == 0:
        return
    g = government_to_platform + government_to_enterprise

    def total(kind: str, party_col: NDArray[np.int8] | None = None, party: int = 0) -> NDArray[np.float64]:
        mask = table.select(kind)
        if party_col is not None:
            mask &= party_col == party
        return table.total(mask, by="contract", size=n)

    sub_p, sub_e = total("subsidy", table.payee, PLATFORM), total("subsidy", table.payee, ENTERPRISE)
    short_p, short_e = total("shortfall", table.payer, PLATFORM), total("shortfall", table.payer, ENTERPRISE)
    settled = total("enterprise_payment") - total("payment_premium") + total("payment_shortfall") + outstanding_payments
    checks = {
        "parts add to the price": (g + platform_discount + enterprise_part, price),
        "government part to the platform settled": (sub_p + short_p + outstanding_platform, government_to_platform),
        "government part to the enterprise settled": (
            sub_e + short_e + outstanding_enterprise,
            government_to_enterprise,
        ),
        "enterprise's payments settle what it owes": (settled, enterprise_part + government_to_enterprise),
        "platform receives the price": (platform_discount + settled + sub_p + short_p + outstanding_platform, price),
    }
    for what, (lhs, rhs) in checks.items():
        bad = ~np.isclose(lhs, rhs, rtol=1e-9, atol=1e-6)
        if bad.any():
            c = int(np.argmax(bad))
            raise ConservationError(f"contract {c}: {what} fails: {lhs[c]:.2f} != {rhs[c]:.2f}")
