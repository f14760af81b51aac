"""Contracts: the split of the price and the register of signed contracts.

Payment schedules per scheme are in :mod:`dxsim.model.schemes`.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dxsim.model.ledger import ConservationError

__all__ = ["ContractBook", "split_one", "split_price"]


def split_price(
    price: ArrayLike, government_part: ArrayLike, discount_share: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split prices into (government part, platform discount, enterprise part), yuan.

    The discount is ``discount_share x price`` (one share, or one per price); the government part is bounded
    by what the discount leaves; the enterprise pays the rest.  The three
    parts always add up to the price.

    Examples
    --------
    >>> [float(x) for x in split_price(100.0, 30.0, 0.1)]
    [30.0, 10.0, 60.0]
    """
    p = np.asarray(price, dtype=np.float64)
    d = np.asarray(discount_share, dtype=np.float64) * p
    g = np.minimum(np.asarray(government_part, dtype=np.float64), p - d)
    e = np.maximum(p - d - g, 0.0)
    return g, d, e


def split_one(price: float, government_part: float, discount_share: float) -> tuple[float, float, float]:
    """:func:`split_price` of one contract, on Python floats (the same arithmetic).

    Examples
    --------
    >>> split_one(100.0, 95.0, 0.1)
    (90.0, 10.0, 0.0)
    """
    d = discount_share * price
    g = min(government_part, price - d)
    return g, d, max(price - d - g, 0.0)


@dataclass
class ContractBook:
    """Signed contracts as growing columns (one row per contract, yuan and months).

    Each column is an :class:`array.array` of doubles: a value is stored as
    the float64 it becomes in :meth:`arrays` (no Python float kept per value),
    so the columns become arrays by one copy each.
    """

    columns: dict[str, array[float]] = field(default_factory=dict)

    #: Columns set at signing.
    SIGNED: ClassVar[tuple[str, ...]] = (
        "enterprise",
        "industry",
        "platform",
        "signed",
        "price",
        "government_to_platform",
        "government_to_enterprise",
        "platform_discount",
        "enterprise_part",
    )
    #: Columns set later, with their value until then.
    LATER: ClassVar[dict[str, float]] = {
        "wait": np.nan,
        "golive": np.nan,
        "assessed": np.nan,
        "accepted": 0.0,
        "lighthouse": 0.0,
        "maturity_after": np.nan,
    }

    def __post_init__(self) -> None:
        self.columns = {name: array("d") for name in (*self.SIGNED, *self.LATER)}
        self._signed = [self.columns[name] for name in self.SIGNED]
        self._later = [(self.columns[name], initial) for name, initial in self.LATER.items()]

    def __len__(self) -> int:
        return len(self.columns["price"])

    def sign(
        self,
        *,
        enterprise: int,
        industry: int,
        platform: int,
        signed: float,
        price: float,
        government_to_platform: float,
        government_to_enterprise: float,
        platform_discount: float,
        enterprise_part: float,
    ) -> int:
        """Register a contract (the :attr:`SIGNED` columns); check that its parts add up to its price; return its id."""
        parts = government_to_platform + government_to_enterprise + platform_discount + enterprise_part
        if not math.isclose(parts, price, rel_tol=1e-9, abs_tol=1e-6):
            raise ConservationError(f"contract parts add to {parts:.2f}, price is {price:.2f}")
        cid = len(self)
        values = (
            enterprise,
            industry,
            platform,
            signed,
            price,
            government_to_platform,
            government_to_enterprise,
            platform_discount,
            enterprise_part,
        )
        for column, value in zip(self._signed, values, strict=True):
            column.append(value)
        for column, initial in self._later:
            column.append(initial)
        return cid

    def set(self, cid: int, name: str, value: float) -> None:
        """Record a later fact (go-live time, acceptance) of contract ``cid``."""
        self.columns[name][cid] = value

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """The columns as float arrays (copies: the book may grow on)."""
        return {k: np.frombuffer(v, dtype=np.float64).copy() for k, v in self.columns.items()}
