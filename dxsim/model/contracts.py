"""Contracts: the split of the price and the register of signed contracts.

Payment schedules per scheme are in :mod:`dxsim.model.schemes`.
"""

from __future__ import annotations

import math
import struct
from array import array
from typing import TYPE_CHECKING, ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dxsim.model.ledger import ConservationError

if TYPE_CHECKING:
    from dxsim.model.applications import Application

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
    room = price - d
    # np.minimum(government_part, room) and np.maximum(rest, 0.0) without a call: the first where it is
    # strictly less (greater) or NaN, else the second, as numpy picks between equal zeros of either sign
    g = government_part if government_part < room or government_part != government_part else room
    rest = room - g
    return g, d, rest if rest > 0.0 or rest != rest else 0.0


class ContractBook:
    """Signed contracts, one row of doubles each (yuan and months), in one growing array.

    A row holds the :attr:`SIGNED` columns, the :attr:`ADOPTER` ones, then the
    :attr:`LATER` ones (:attr:`PLACE`).  Each value is stored as the float64 it
    becomes in :meth:`arrays` (no Python float kept per value), the room for
    rows is made with the :attr:`LATER` values in it, a contract is registered
    by packing the rest of its row in one call, and the columns become arrays
    by one copy each.
    """

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
    #: Columns set later, with their value until then (the go-live time as the contract settles, at its
    #: month's close or the run's end: :class:`~dxsim.model.contracting.LiveContracts`).
    LATER: ClassVar[dict[str, float]] = {
        "wait": np.nan,
        "golive": np.nan,
        "assessed": np.nan,
        "accepted": 0.0,
        "lighthouse": 0.0,
        "maturity_after": np.nan,
    }
    #: The attributes of the contract's enterprise, read from its application at signing; whether
    #: the project fails is known (:meth:`started`) when its implementation starts.
    ADOPTER: ClassVar[tuple[str, ...]] = (
        "failed",
        "revenue",
        "liquidity",
        "hurdle_rate",
        "perceived_failure",
        "maturity_before",
        "margin",
        "high_tech",
        "exit",
        "renewal",
    )
    #: Each column's place in a row, in the order of :meth:`arrays` (:attr:`SIGNED`, :attr:`LATER`,
    #: :attr:`ADOPTER`); a row holds the :attr:`LATER` ones last: they are in the room before a row is
    #: signed, so signing packs the others only.
    _LAYOUT: ClassVar[tuple[str, ...]] = (*SIGNED, *ADOPTER, *LATER)
    PLACE: ClassVar[dict[str, int]] = dict(
        zip((*SIGNED, *LATER, *ADOPTER), map(_LAYOUT.index, (*SIGNED, *LATER, *ADOPTER)), strict=True)
    )
    _WIDTH: ClassVar[int] = len(PLACE)
    #: The places of the columns each contract's later steps write (:meth:`started`, :meth:`assessed`).
    _AT_SIGNED: ClassVar[int] = PLACE["signed"]
    _AT_WAIT: ClassVar[int] = PLACE["wait"]
    _AT_GOLIVE: ClassVar[int] = PLACE["golive"]
    _AT_FAILED: ClassVar[int] = PLACE["failed"]
    _AT_ASSESSED: ClassVar[int] = PLACE["assessed"]
    _AT_ACCEPTED: ClassVar[int] = PLACE["accepted"]
    _AT_AFTER: ClassVar[int] = PLACE["maturity_after"]
    #: What signing writes of a row (the :attr:`SIGNED` and :attr:`ADOPTER` columns) as native doubles:
    #: packing converts each value as ``array("d")`` does (``PyFloat_AsDouble``), without the per-item
    #: parsing of ``array.fromlist``.
    _ROW: ClassVar[struct.Struct] = struct.Struct(f"{len(SIGNED) + len(ADOPTER)}d")
    #: The room for one row: zeros where signing packs, then the :attr:`LATER` values until set.
    _BLANK: ClassVar[bytes] = struct.pack(f"{_ROW.size}x{len(LATER)}d", *LATER.values())
    #: Rows of room the book first makes.
    _FIRST_ROOM: ClassVar[int] = 256

    def __init__(self) -> None:
        self._rows = array("d")  # the rows signed, then room for more (never read)
        #: The rows' doubles as a view, where the later steps of one contract write a cell: a view's item is
        #: set by ``PyFloat_AsDouble`` (the array's by ``PyArg_Parse`` of "d", which calls it), the same
        #: double for less.  An array viewed cannot grow: the view is let go and made anew as the room doubles.
        self._cells = _view(self._rows)
        self._signed = 0  # rows signed

    def __len__(self) -> int:
        return self._signed

    def sign(
        self,
        app: Application,
        signed: float,
        government_to_platform: float,
        government_to_enterprise: float,
        platform_discount: float,
        enterprise_part: float,
    ) -> int:
        """Register the contract of ``app``; check that its parts add up to its price; return its id.

        The :attr:`SIGNED` columns are ``app``'s enterprise, industry,
        platform and price and the arguments (which may be given by
        position, in this order: a cheaper call); the :attr:`ADOPTER` ones
        are read from ``app``.
        """
        price = app.price
        parts = government_to_platform + government_to_enterprise + platform_discount + enterprise_part
        if parts != price and not math.isclose(parts, price, rel_tol=1e-9, abs_tol=1e-6):  # equal ones are close
            raise ConservationError(f"contract parts add to {parts:.2f}, price is {price:.2f}")
        rows = self._rows
        cid = self._signed
        at = cid * _WIDTH  # in doubles
        if at == len(rows):  # no room left: double it
            self._cells.release()
            rows.frombytes(self._BLANK * max(cid, self._FIRST_ROOM))
            self._cells = _view(rows)
        self._signed = cid + 1
        traits = app.traits
        # the three flags (bools) given as the doubles packing makes of them (1.0, 0.0): packing converts a
        # bool through its int's ``__float__``, a float object made and freed each, and a float as it is
        _ROW.pack_into(  # the row's format and the size of a double as module constants, read at each signing
            rows,
            at * _DOUBLE,  # in bytes
            app.enterprise,
            app.industry,
            app.platform,
            signed,
            price,
            government_to_platform,
            government_to_enterprise,
            platform_discount,
            enterprise_part,
            1.0 if traits.fails else 0.0,
            traits.revenue,
            traits.liquidity,
            traits.hurdle_rate,
            app.perceived_failure,
            traits.maturity,
            traits.margin,
            1.0 if traits.high_tech else 0.0,
            app.exit,
            1.0 if app.renewal else 0.0,
        )
        return cid

    def started(self, cid: int, time: float, failed: bool) -> None:
        """The implementation of contract ``cid`` started at ``time`` (months): its wait since signing, whether it fails."""
        row, cells = cid * _WIDTH, self._cells  # module constants: a read each, cheaper than through ``self``
        cells[row + _AT_WAIT] = time - cells[row + _AT_SIGNED]
        cells[row + _AT_FAILED] = 1.0 if failed else 0.0  # the double the array makes of a bool, as at signing

    def went_live(self, cids: NDArray[np.int64], time: NDArray[np.float64]) -> None:
        """Contracts ``cids`` went live at ``time`` (months): their "golive", written at once (as the contracts settle)."""
        self._table()[:, _AT_GOLIVE][cids] = time

    def set(self, cid: int, name: str, value: float) -> None:
        """Record a later fact (go-live time, acceptance) of contract ``cid``."""
        self._cells[cid * self._WIDTH + self.PLACE[name]] = value

    def assessed(
        self,
        cids: NDArray[np.int64],
        time: NDArray[np.float64],
        accepted: NDArray[np.bool_],
        maturity_after: NDArray[np.float64],
    ) -> None:
        """Record the acceptance assessments of contracts ``cids``: when (months), whether each passed, the score after."""
        rows = self._table()
        # each column as a view, written at ``cids``: no index computed per column
        rows[:, _AT_ASSESSED][cids] = time
        rows[:, _AT_ACCEPTED][cids] = accepted
        rows[:, _AT_AFTER][cids] = maturity_after

    def _table(self) -> NDArray[np.float64]:
        """The rows and their room as a (rows, width) view of the book's doubles: writing it writes the book.

        Made at each use, never kept: while a view of the array lives, the book cannot grow.
        """
        return np.frombuffer(self._rows, dtype=np.float64).reshape(-1, _WIDTH)

    def take(self, name: str, cids: NDArray[np.int64]) -> NDArray[np.float64]:
        """Column ``name`` of contracts ``cids`` (a copy)."""
        return np.frombuffer(self._rows, dtype=np.float64)[cids * self._WIDTH + self.PLACE[name]]

    def columns(self, names: tuple[str, ...], cids: NDArray[np.int64]) -> tuple[NDArray[np.float64], ...]:
        """Columns ``names`` of contracts ``cids``, in that order: :meth:`take` of each, from one gather of their rows.

        The rows of ``cids`` are copied once, whole, and each column is a
        view of that copy (strided: a row apart), so a few columns cost one
        gather, not one each, with the same values.
        """
        rows = self._table().take(cids, axis=0)
        place = self.PLACE
        return tuple(rows[:, place[name]] for name in names)

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        """The columns as float arrays (copies: the book may grow on)."""
        rows = np.frombuffer(self._rows, dtype=np.float64)[: self._signed * self._WIDTH].reshape(-1, self._WIDTH)
        return {name: rows[:, k].copy() for name, k in self.PLACE.items()}


def _view(rows: array[float]) -> memoryview[float]:
    """The doubles of ``rows`` as a memoryview (its items floats)."""
    return cast("memoryview[float]", memoryview(rows))


#: :class:`ContractBook`'s row width and the places its per-contract steps write, as module constants:
#: CPython 3.11 specialises a module's global read, not a class attribute read through ``self``; so too
#: the format signing packs a row with, and the bytes of one of its doubles (an array's ``itemsize``).
_WIDTH = ContractBook._WIDTH
_ROW = ContractBook._ROW
_DOUBLE = array("d").itemsize
_AT_SIGNED = ContractBook._AT_SIGNED
_AT_WAIT = ContractBook._AT_WAIT
_AT_FAILED = ContractBook._AT_FAILED
_AT_GOLIVE = ContractBook._AT_GOLIVE
_AT_ASSESSED = ContractBook._AT_ASSESSED
_AT_ACCEPTED = ContractBook._AT_ACCEPTED
_AT_AFTER = ContractBook._AT_AFTER
