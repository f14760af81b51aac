"""The three-party ledger: every payment is an entry, append-only, columnar.

An entry says who paid whom, in which month, for which contract, of which
kind, how much (yuan).  ``market`` stands for everyone outside the model
(customers whose extra sales make the gain, suppliers of delivery work,
lenders).  ``shortfall`` entries are not cash: they record a part of a
contract that was never paid, borne by the party named as payer, so that
every contract's money adds up (see :func:`check_conservation`).  Entries of
a platform that belong to no contract (its income tax, fixed and financing
costs) have contract -1.
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DIRECTIONS",
    "KINDS",
    "PARTIES",
    "ConservationError",
    "Ledger",
    "LedgerTable",
    "TaxAccounts",
    "check_conservation",
]

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
    "tax_saving",  # government -> enterprise, a negative incremental income tax (the deduction outweighs the gain)
    "platform_tax",  # platform -> government, income tax on the platform's profit of a calendar year
    "vat",  # platform -> government, VAT on its receipts; government -> platform, the input VAT it deducts,
    # which market -> government (its suppliers) paid
    "vat_credit",  # government -> enterprise, the VAT a general VAT taxpayer deducts on what it pays
    "fixed_cost",  # platform -> market, the platform's own fixed costs
    "financing_cost",  # platform -> market, the cost of the money tied up in its receivables
    "internal_cost",  # enterprise -> market, its complementary internal costs of a project (staff time, ...)
)
NON_CASH = ("shortfall", "payment_shortfall", "payment_premium")
KIND = {name: k for k, name in enumerate(KINDS)}
#: ``math.inf`` as a module constant: the single entries' test reads one global, not a module's attribute too.
_INF = math.inf

#: Who pays whom in each kind of entry: the (payer, payee) pairs allowed.
DIRECTIONS: dict[str, frozenset[tuple[str, str]]] = {
    "enterprise_payment": frozenset({("enterprise", "platform")}),
    "subsidy": frozenset({("government", "platform"), ("government", "enterprise")}),
    "reward": frozenset({("government", "platform"), ("government", "enterprise")}),
    "delivery_cost": frozenset({("platform", "market")}),
    "gain": frozenset({("market", "enterprise")}),
    "tax": frozenset({("enterprise", "government")}),
    "subscription": frozenset({("enterprise", "platform")}),
    "shortfall": frozenset({("platform", "government"), ("enterprise", "government")}),
    "payment_shortfall": frozenset({("platform", "enterprise")}),
    "payment_premium": frozenset({("enterprise", "platform")}),
    "tax_saving": frozenset({("government", "enterprise")}),
    "platform_tax": frozenset({("platform", "government")}),
    "vat": frozenset({("platform", "government"), ("government", "platform"), ("market", "government")}),
    "vat_credit": frozenset({("government", "enterprise")}),
    "fixed_cost": frozenset({("platform", "market")}),
    "financing_cost": frozenset({("platform", "market")}),
    "internal_cost": frozenset({("enterprise", "market")}),
}


def _direction_code(kind: NDArray[np.int8], payer: NDArray[np.int8], payee: NDArray[np.int8]) -> NDArray[np.int16]:
    """One integer per (kind, payer, payee), below ``len(KINDS) * len(PARTIES) ** 2``."""
    n = len(PARTIES)
    return (kind.astype(np.int16) * n + payer) * n + payee


#: Which (kind, payer, payee) codes :data:`DIRECTIONS` allows.
_ALLOWED = np.zeros(len(KINDS) * len(PARTIES) ** 2, dtype=bool)
_ALLOWED[
    _direction_code(
        *(
            np.array(column, dtype=np.int8)
            for column in zip(
                *((KIND[k], PARTY[a], PARTY[b]) for k, pairs in DIRECTIONS.items() for a, b in pairs), strict=True
            )
        )
    )
] = True


#: The most codes :meth:`LedgerTable._hits` compares each row of a mixed run with (each comparison and its
#: ``|`` cost a small part of a gather of a flag per row, which finding the rows after them costs again).
_COMPARED = 5

#: Rows of the ledger's table: a slice or increasing indices.
Rows = slice | NDArray[np.int64]


class ConservationError(RuntimeError):
    """Money in a contract does not add up (a defect of the model, raised whatever ``python -O`` says)."""


@dataclass(frozen=True)
class LedgerTable:
    """The ledger's columns after a run (one row per entry).

    ``runs`` describes the rows in order as runs ``(stop, code)``, each up
    to row ``stop``: a run of one (kind, payer, payee) code
    (:func:`_direction_code`), as a schedule writes them, or of mixed codes
    (code -1), as single entries are; omitted, the whole table is one mixed
    run.  The entries of some codes are found from the runs, reading only
    the mixed runs' rows.
    """

    month: NDArray[np.int64]
    payer: NDArray[np.int8]
    payee: NDArray[np.int8]
    kind: NDArray[np.int8]
    contract: NDArray[np.int64]
    platform: NDArray[np.int64]
    amount: NDArray[np.float64]
    runs: tuple[tuple[int, int], ...] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.amount)

    def select(self, kind: str) -> NDArray[np.bool_]:
        """Boolean mask of the entries of one kind."""
        return self.kind == KIND[kind]

    def total(self, where: NDArray[np.bool_] | Rows, *, by: str, size: int) -> NDArray[np.float64]:
        """Sum of the amounts of the entries ``where`` selects, per value of column ``by`` in ``range(size)``.

        ``where`` is a boolean mask, the entries' indices in ledger order
        (increasing, as :meth:`rows` gives them) or a slice of them (as
        :meth:`part` may); each sum adds its entries in ledger order.  Rows
        whose ``by`` value lies outside ``range(size)`` are left out.
        Indices of consecutive entries are read as a slice.
        """
        if isinstance(where, slice):
            part: Rows = where
        else:
            rows = np.flatnonzero(where) if where.dtype == np.bool_ else np.asarray(where, dtype=np.int64)
            part = _span(rows)
        key = self.read(by, part)
        least, greatest = self.bounds(by, part, key) if len(key) else (0, -1)
        if least < 0 or greatest >= size:
            keep = np.flatnonzero((key >= 0) & (key < size))
            part, key = _indices(part)[keep], key[keep]
        return np.asarray(np.bincount(key, weights=self.read("amount", part), minlength=size), dtype=np.float64)

    def rows(
        self, *kinds: str, payer: int | None = None, payee: int | None = None, party: int | None = None
    ) -> NDArray[np.int64]:
        """Indices of the entries of ``kinds`` (of the parties :func:`codes_of` names), in ledger order.

        Found once per table and question, from the runs (:attr:`runs`): :meth:`part`.
        """
        return _indices(self.part(*kinds, payer=payer, payee=payee, party=party))

    def part(self, *kinds: str, payer: int | None = None, payee: int | None = None, party: int | None = None) -> Rows:
        """The entries of :meth:`rows`, as a slice if they are runs one after another (no index written), else indices.

        Computed once per table and question, from the runs (:attr:`runs`).
        """
        key = (tuple(sorted({KIND[k] for k in kinds})), payer, payee, party)
        if key not in self._rows:  # the rows of entries(), without their codes, joined only if in pieces
            parts = [part for part, _ in self.pieces(codes_of(kinds, payer=payer, payee=payee, party=party))]
            slices = [part for part in parts if isinstance(part, slice)]
            if parts and len(slices) == len(parts) and _adjoining(slices):
                self._rows[key] = slice(slices[0].start, slices[-1].stop)
            else:
                rows = [_indices(part) for part in parts]
                self._rows[key] = rows[0] if len(rows) == 1 else np.concatenate([np.empty(0, dtype=np.int64), *rows])
        return self._rows[key]

    def read(self, name: str, rows: Rows) -> NDArray[Any]:
        """Column ``name`` at ``rows`` (a slice or increasing indices), read only.

        A view of the column if they are a slice, or many (:data:`_TAKEN`)
        and consecutive; many others are gathered by ``take``, unchecked
        where they are known to lie in the column (:func:`_gathered`); a
        few, by the index array (its call costs less than either).
        """
        column: NDArray[Any] = getattr(self, name)
        if isinstance(rows, slice) or len(rows) < _TAKEN:
            return column[rows]
        part = _span(rows)
        return column[part] if isinstance(part, slice) else _gathered(column, part)

    def before(self, rows: Rows, months: int) -> Rows:
        """The entries ``rows`` (a slice or increasing indices) in months before ``months``: ``rows`` if all are."""
        part = rows if isinstance(rows, slice) else _span(rows)
        month = self.read("month", part)
        if not len(month) or self.bounds("month", part, month)[1] < months:
            return rows
        return _indices(rows)[month < months]

    def bounds(self, name: str, part: Rows, values: NDArray[Any]) -> tuple[int, int]:
        """The least and greatest of ``values``, column ``name`` at rows ``part`` (at least one).

        Those of a slice (a run several questions read) are computed once per table.
        """
        key = (name, part.start, part.stop) if isinstance(part, slice) else None
        if key is None or key not in self._bounds:
            found = int(values.min()), int(values.max())
            if key is None:
                return found
            self._bounds[key] = found
        return self._bounds[key]

    def pieces(self, wanted: NDArray[np.bool_], start: int = 0) -> list[tuple[slice | NDArray[np.int64], int]]:
        """The entries whose (kind, payer, payee) code ``wanted`` marks, in ledger order, as pieces ``(rows, code)``.

        ``wanted`` has one flag per code (:func:`_direction_code`).  A run of
        one code is taken whole, as a slice with its code, or not at all; the
        entries taken from a mixed run are its rows' indices, with code -1.
        Only the mixed runs' rows are read, their codes once per table.  With
        ``start``, only the entries from row ``start`` on: the runs that end
        before it are not read, and a run of one code that begins before it
        is taken from it on.
        """
        out: list[tuple[slice | NDArray[np.int64], int]] = []
        begin = 0
        for stop, code in self.runs if self.runs is not None else ((len(self), -1),):
            if stop <= begin or stop <= start:  # an empty run, or one that ends before row start
                begin = stop
                continue
            first = begin if begin >= start else start  # the run's first row taken
            if code >= 0:
                if wanted[code]:
                    out.append((slice(first, stop), code))
            else:
                mixed, present = self._mixed(begin, stop)
                flags = wanted[present]  # its rows are read only if some of its codes, not all, are wanted
                if flags.any():
                    hit = np.arange(begin, stop) if flags.all() else self._hits(begin, mixed, present[flags])
                    out.append((hit if first == begin else hit[np.searchsorted(hit, first) :], -1))
            begin = stop
        return out

    def _hits(self, begin: int, mixed: NDArray[np.int16], codes: NDArray[np.intp]) -> NDArray[np.int64]:
        """The rows, in order, of the mixed run from row ``begin`` (its codes ``mixed``) whose code is one of ``codes``.

        ``codes`` are some of those present in the run.  A row's code is
        compared with each of them: numpy compares an int16 column with one
        value in a tenth of the instructions of a gather of a flag per row
        (:data:`_COMPARED` codes at most; more, and the flags are gathered).
        The rows of one code are found once per table, read-only: each
        question asking for them gets the same array.
        """
        key = (begin, int(codes[0])) if len(codes) == 1 else None
        if key is not None and key in self._code_rows:
            return self._code_rows[key]
        if len(codes) > _COMPARED:
            flags = np.zeros(len(_ALLOWED), dtype=bool)
            flags[codes] = True
            hit = flags[mixed]
        else:  # Python ints: compared as int16 (a numpy intp would make numpy cast the column to it first)
            first, *more = codes.tolist()
            hit = mixed == first
            for code in more:
                hit |= mixed == code
        rows = np.flatnonzero(hit)
        if begin:
            rows += begin
        if key is not None:
            rows.flags.writeable = False
            self._code_rows[key] = rows
        return rows

    def _mixed(self, begin: int, stop: int) -> tuple[NDArray[np.int16], NDArray[np.intp]]:
        """The codes of the rows of the mixed run ``[begin, stop)`` and the codes present in it, read once per table.

        The rows' codes as :func:`_direction_code` gives them, int16: numpy
        compares them with a code (:meth:`_hits`) in about a quarter of the
        instructions of intp.
        """
        if begin not in self._mixed_codes:
            codes = _direction_code(self.kind[begin:stop], self.payer[begin:stop], self.payee[begin:stop])
            self._mixed_codes[begin] = codes, np.flatnonzero(np.bincount(codes))
        return self._mixed_codes[begin]

    def entries(self, wanted: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int16]]:
        """The entries whose code ``wanted`` marks (:meth:`pieces`) as indices in ledger order, and their codes."""
        rows: list[NDArray[np.int64]] = [np.empty(0, dtype=np.int64)]
        codes: list[NDArray[np.int16]] = [np.empty(0, dtype=np.int16)]
        for part, code in self.pieces(wanted):
            if isinstance(part, slice):
                rows.append(np.arange(part.start, part.stop))
                codes.append(np.full(len(rows[-1]), code, dtype=np.int16))
            else:
                rows.append(part)
                codes.append(_direction_code(*(self.read(name, part) for name in ("kind", "payer", "payee"))))
        return np.concatenate(rows), np.concatenate(codes)

    def kept(self, key: Hashable) -> tuple[int, tuple[NDArray[np.float64], ...]]:
        """The sums a reader kept under ``key`` (:meth:`keep`) of this table's first rows, and how many rows they cover.

        Kept by this table or an earlier table of the same ledger (whose rows
        are this one's first); ``(0, ())`` if none were.
        """
        return self._kept.get(key, (0, ()))

    def keep(self, key: Hashable, sums: tuple[NDArray[np.float64], ...]) -> None:
        """Keep ``sums`` of this table's rows under ``key`` (read only from now on) for a later table to go on from.

        A later table of the same ledger gives them back (:meth:`kept`), with
        the number of rows they cover: its reader then reads only the rows after.
        """
        for each in sums:
            each.flags.writeable = False
        self._kept[key] = (len(self), sums)

    @cached_property
    def _kept(self) -> dict[Hashable, tuple[int, tuple[NDArray[np.float64], ...]]]:
        """The sums kept so far (:meth:`keep`), with the rows they cover, by their reader's key."""
        return {}

    @cached_property
    def _mixed_codes(self) -> dict[int, tuple[NDArray[np.int16], NDArray[np.intp]]]:
        """The (kind, payer, payee) code of each row of each mixed run read so far, and those present, by its first row."""
        return {}

    @cached_property
    def _code_rows(self) -> dict[tuple[int, int], NDArray[np.int64]]:
        """The rows of each code of a mixed run asked for alone so far (:meth:`_hits`), by the run's first row and the code."""
        return {}

    @cached_property
    def _bounds(self) -> dict[tuple[str, int, int], tuple[int, int]]:
        """The bounds (:meth:`bounds`) of each column's slices asked for so far, by column, start and stop."""
        return {}

    @cached_property
    def _rows(self) -> dict[tuple[tuple[int, ...], int | None, int | None, int | None], Rows]:
        """The entries of each question asked of :meth:`part`."""
        return {}

    @cached_property
    def code(self) -> NDArray[np.int16]:
        """Each entry's (kind, payer, payee) as one integer (:func:`_direction_code`); computed once per table."""
        return _direction_code(self.kind, self.payer, self.payee)

    @cached_property
    def is_cash(self) -> NDArray[np.bool_]:
        """Entries that move money (all but shortfalls and premiums); computed once per table."""
        cash = np.ones(len(self), dtype=bool)
        cash[self.rows(*NON_CASH)] = False
        return cash


#: The kind, payer and payee of every (kind, payer, payee) code (:func:`_direction_code`).
_CODE_PARTS = (
    np.arange(len(_ALLOWED)) // len(PARTIES) ** 2,
    np.arange(len(_ALLOWED)) // len(PARTIES) % len(PARTIES),
    np.arange(len(_ALLOWED)) % len(PARTIES),
)


def _codes_by_name() -> dict[tuple[str, str, str], int]:
    """The code (:func:`_direction_code`) of every payer, payee and kind, by their names (allowed or not)."""
    names = list(itertools.product(PARTIES, PARTIES, KINDS))
    payer, payee, kind = (
        np.array(column, dtype=np.int8)
        for column in zip(*((PARTY[a], PARTY[b], KIND[k]) for a, b, k in names), strict=True)
    )
    return dict(zip(names, _direction_code(kind, payer, payee).tolist(), strict=True))


#: :meth:`Ledger.code`'s answers: the code of each (payer, payee, kind) by name.
_CODE = _codes_by_name()


def codes_of(
    kinds: tuple[str, ...] = KINDS, *, payer: int | None = None, payee: int | None = None, party: int | None = None
) -> NDArray[np.bool_]:
    """Flags of the (kind, payer, payee) codes (:func:`_direction_code`) of ``kinds``.

    Only those of ``payer``, to ``payee``, or of ``party`` as either, if given.
    Each code's kind, payer and payee are read from tables made once
    (:data:`_CODE_PARTS`); a code's flag is its kind's.
    """
    of_kind = np.zeros(len(KINDS), dtype=bool)
    of_kind[[KIND[k] for k in kinds]] = True
    kind, by, to = _CODE_PARTS
    wanted = of_kind[kind]
    for who, of in ((payer, by), (payee, to)):
        if who is not None:
            wanted &= of == who
    if party is not None:
        wanted &= (by == party) | (to == party)
    return wanted


def payer_payee(code: int) -> tuple[int, int]:
    """The payer and payee of a (kind, payer, payee) code (:func:`_direction_code`)."""
    n = len(PARTIES)
    return code // n % n, code % n


#: The caches of a :class:`LedgerTable` that hold for a later table of the same ledger (:func:`_carry_caches`).
_ROW_CACHES = ("_mixed_codes", "_code_rows", "_bounds", "_kept")


def _carry_caches(earlier: LedgerTable, later: LedgerTable) -> None:
    """Give ``later``, a later table of the same ledger, what ``earlier`` has found of its rows.

    A later table begins with the earlier one's rows, the same values
    (:meth:`Ledger.table` only appends), and keeps its runs: a mixed run
    keeps its first and last rows (the single entries that come later are
    a run of their own), and a slice's bounds are those of the same rows.
    So the codes of its mixed runs, the rows of a code in one of them, the
    bounds of its slices and the sums kept of its rows (:meth:`LedgerTable.keep`)
    hold; the rows of a question (:attr:`LedgerTable._rows`) and the columns
    of every row (``code``, ``is_cash``) do not, and are found anew.  Each
    cache is a copy (of arrays read only): the two tables stay apart.
    """
    found = earlier.__dict__
    for name in _ROW_CACHES:
        if name in found:  # a cached_property set: the later table's own, found before it is asked for
            later.__dict__[name] = dict(found[name])


def _indices(rows: Rows) -> NDArray[np.int64]:
    """The rows of a slice as indices; indices as they are."""
    return np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows


#: :meth:`LedgerTable.read` gathers at least this many indices by ``take`` (:func:`_gathered`); fewer, by the
#: index array.
_TAKEN = 1024


def _gathered(column: NDArray[Any], rows: NDArray[np.int64]) -> NDArray[Any]:
    """``column[rows]`` of increasing indices ``rows``, by ``take``.

    Where the first and the last lie in the column, every one does (they
    increase): the gather then wraps none of them, and numpy checks none
    (about 10 instructions an element against 15 for an index array);
    otherwise each is checked as the index array's would be.
    """
    inside = not len(rows) or (0 <= int(rows[0]) and int(rows[-1]) < len(column))
    return column.take(rows, mode="wrap" if inside else "raise")


def _adjoining(slices: list[slice]) -> bool:
    """Whether each of ``slices`` begins where the one before ends."""
    return all(a.stop == b.start for a, b in itertools.pairwise(slices))


def _span(rows: NDArray[np.int64]) -> NDArray[np.int64] | slice:
    """Increasing indices ``rows`` as a slice if they are consecutive (reading a slice copies nothing)."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1:
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


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
        self._done: LedgerTable | None = None  # the entries of the last table(), moved out of the lists below
        self._room: dict[str, NDArray[Any]] | None = None  # the arrays the last table's columns begin
        self._rows: list[float] = []  # the single entries, one after another, each the values of _SINGLE in order
        self._chunks: list[
            tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
        ] = []  # month, contract, platform
        self._codes: list[tuple[int, int, int]] = []  # payer, payee, kind of each chunk
        self._amounts: list[NDArray[np.float64]] = []

    def add(
        self, payer: str, payee: str, month: int, contract: int, kind: str, amount: float, platform: int = -1
    ) -> None:
        """Record one payment of ``amount`` yuan in ``month`` (zero is dropped, negative refused).

        The arguments may be given by position (in this order: the steps of
        one contract do, a cheaper call) or by name.
        """
        self.add_coded(_CODE[payer, payee, kind], int(month), contract, float(amount), platform)

    @staticmethod
    def code(payer: str, payee: str, kind: str) -> int:
        """The code of ``payer``, ``payee`` and ``kind`` the ledger keeps (for :meth:`add_coded`).

        Their (kind, payer, payee) code (:func:`_direction_code`), which a
        single entry keeps as one value for the three.

        Examples
        --------
        >>> Ledger.code("enterprise", "platform", "enterprise_payment")
        9
        """
        return _CODE[payer, payee, kind]

    def add_coded(self, code: int, month: int, contract: int, amount: float, platform: int) -> None:
        """:meth:`add` of a payment whose payer, payee and kind are ``code`` (:meth:`code`), in ``month`` (an int).

        The same entry without the look-ups and conversions: for the steps of
        one contract, which write the same few kinds of entry again and
        again.  ``amount`` must be a float (yuan; zero is dropped, negative refused).

        Examples
        --------
        >>> led = Ledger()
        >>> led.add_coded(Ledger.code("enterprise", "platform", "enterprise_payment"), 3, 0, 100.0, 1)
        >>> t = led.table()
        >>> int(t.month[0]), int(t.kind[0]), float(t.amount[0])
        (3, 0, 100.0)
        """
        if 0.0 < amount < _INF:  # a float with floats: comparisons CPython 3.11 specialises (with 0 it does not)
            self._rows.extend((month, code, contract, platform, amount))  # payer, payee and kind as one value
        elif amount != 0:  # negative, infinite or NaN
            raise ConservationError(f"amount(={amount}) must be finite and >= 0 ({KINDS[_CODE_PARTS[0][code]]})")

    def add_coded_pair(
        self,
        code: int,
        amount: float,
        then: int,
        then_amount: float,
        month: int,
        contract: int,
        platform: int,
    ) -> None:
        """:meth:`add_coded` of ``amount`` under ``code``, then of ``then_amount`` under ``then``, of one contract in one month: one call.

        Two amounts both positive and finite (the common case) are written
        in one extend, each entry as :meth:`add_coded` writes it; otherwise
        each goes through :meth:`add_coded` (a zero dropped, a bad amount
        refused, the first before the second).

        Examples
        --------
        >>> led = Ledger()
        >>> pay, cost = Ledger.code("enterprise", "platform", "enterprise_payment"), Ledger.code("enterprise", "market", "internal_cost")
        >>> led.add_coded_pair(pay, 100.0, cost, 30.0, 3, 0, 1)
        >>> t = led.table()
        >>> t.kind.tolist(), t.amount.tolist()
        ([0, 16], [100.0, 30.0])
        """
        if 0.0 < amount < _INF and 0.0 < then_amount < _INF:  # floats with floats, as in add_coded
            # two rows of add_coded's layout, in one flat tuple
            self._rows.extend((month, code, contract, platform, amount, month, then, contract, platform, then_amount))
        else:
            self.add_coded(code, month, contract, amount, platform)
            self.add_coded(then, month, contract, then_amount, platform)

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
        if a.size and not (a.min() >= 0 and a.max() < np.inf):  # NaN fails both
            ok = (a >= 0) & np.isfinite(a)
            raise ConservationError(f"amount(={a[~ok][0]}) must be finite and >= 0 ({kind})")
        positive = a > 0  # the entries kept, in C order: copied out of the broadcast views
        if positive.any():
            kept = _Kept(positive)
            self._append((payer, payee, kind), kept(m), kept(c), kept(p), kept(a))

    def add_entries(
        self,
        payer: str,
        payee: str,
        month: NDArray[np.int64],
        *,
        contract: NDArray[np.int64],
        kind: str,
        amount: NDArray[np.float64],
        platform: NDArray[np.int64],
    ) -> None:
        """Record payments (yuan) given entry by entry: 1-D arrays of one length, every amount > 0.

        What :meth:`add_schedule` records of a schedule without a zero, in
        the order given; the ledger keeps the arrays (the caller must not
        change them).  An amount not positive and finite is refused.
        """
        if len(amount) and not (amount.min() > 0 and amount.max() < np.inf):  # NaN fails both
            raise ConservationError(f"amounts must be finite and > 0 ({kind}), not {amount.min()}..{amount.max()}")
        if len(amount):
            self._append((payer, payee, kind), month, contract, platform, amount)

    def _append(
        self,
        codes: tuple[str, str, str],
        month: NDArray[np.int64],
        contract: NDArray[np.int64],
        platform: NDArray[np.int64],
        amount: NDArray[np.float64],
    ) -> None:
        """Keep a chunk of entries (1-D columns of one length) of one payer, payee and kind."""
        payer, payee, kind = codes
        self._chunks.append((month, contract, platform))
        self._codes.append((PARTY[payer], PARTY[payee], KIND[kind]))
        self._amounts.append(amount)

    def table(self) -> LedgerTable:
        """All entries as columns.

        Those of the last call first (a call moves the entries into a table,
        so a later one only adds what came since); then single entries, then
        schedules, each in the order added.  The columns are the first rows
        of arrays with room for more (:data:`_ROOM`): a later call writes its
        entries after them and copies none of the earlier ones unless the
        room is full.  Room never written takes no memory.
        """
        new = self._new_columns()
        done = 0 if self._done is None else len(self._done)
        runs = self._runs(done, len(new["amount"][0]))
        self._rows, self._chunks, self._codes, self._amounts = [], [], [], []
        size = done + sum(len(a) for a in new["amount"])
        if self._room is None or size > len(self._room["amount"]):
            full, self._room = self._room, {name: np.empty(_ROOM * size, _ENTRY[name]) for name in new}
            for name, column in self._room.items():
                column[:done] = full[name][:done] if full is not None else []
        for name, parts in new.items():
            np.concatenate(parts, out=self._room[name][done:size])
        earlier = self._done
        self._done = LedgerTable(**{name: column[:size] for name, column in self._room.items()}, runs=runs)
        if earlier is not None:
            _carry_caches(earlier, self._done)
        return self._done

    def _runs(self, done: int, single: int) -> tuple[tuple[int, int], ...]:
        """The runs (:attr:`LedgerTable.runs`) of the next table: the last table's, the ``single`` entries', the chunks'.

        Runs of one code that follow one another are one run.
        """
        runs = list(self._done.runs or ((done, -1),)) if self._done is not None and done else []
        stop = done
        parts = [(single, -1)] if single else []
        n = len(PARTIES)
        parts += [
            (len(a), (k * n + payer) * n + payee)
            for (payer, payee, k), a in zip(self._codes, self._amounts, strict=True)
        ]
        for length, code in parts:
            stop += length
            if code >= 0 and runs and runs[-1][1] == code:
                runs[-1] = (stop, code)
            else:
                runs.append((stop, code))
        return tuple(runs)

    def _new_columns(self) -> dict[str, list[NDArray[np.generic]]]:
        """The entries added since the last :meth:`table`: each column's pieces, to be joined in this order."""
        as_int = _packed(self._rows).reshape(-1, len(_SINGLE))
        # each column of the single entries as a view of the packed words, payer, payee and kind taken from
        # their code's (:data:`_CODE_PARTS`): joining the pieces casts each into the table's column (as astype
        # would: payer, payee and kind fit int8), with no copy of its own first
        single = {name: as_int[:, k] for k, name in enumerate(_SINGLE)}
        single["amount"] = as_int[:, _SINGLE.index("amount")].view(np.float64)
        code = single.pop("code")
        single["kind"], single["payer"], single["payee"] = (parts.take(code) for parts in _CODE_PARTS)
        sizes = [len(a) for a in self._amounts]

        def ints(name: str, chunk_k: int) -> list[NDArray[np.generic]]:  # the single entries' column, then the chunks'
            return [single[name], *(ch[chunk_k] for ch in self._chunks)]

        def codes(name: str, k: int) -> list[NDArray[np.generic]]:  # payer (0), payee (1) or kind (2) of every entry
            return [single[name], np.repeat(np.array([c[k] for c in self._codes], dtype=np.int8), sizes)]

        return {
            "month": ints("month", 0),
            "payer": codes("payer", 0),
            "payee": codes("payee", 1),
            "kind": codes("kind", 2),
            "contract": ints("contract", 1),
            "platform": ints("platform", 2),
            "amount": [single["amount"], *self._amounts],
        }


#: Rows shorter than this count their kept elements in bytes (:attr:`_Kept.per_row`): a count never exceeds 255.
_BYTE_ROW = 256


class _Kept:
    """The elements of arrays (of the shape of ``positive``) that the boolean mask ``positive`` selects, in C order.

    A contiguous array is masked; one broadcast from one column, a value per
    row, repeats each value as many times as its row keeps elements; any
    other array is copied first, then gathered at the kept flat indices.
    """

    def __init__(self, positive: NDArray[np.bool_]) -> None:
        self.positive = positive

    @cached_property
    def per_row(self) -> NDArray[np.integer[Any]]:
        """How many elements each row (all axes but the last) keeps.

        A row of fewer than :data:`_BYTE_ROW` elements is counted in bytes (its
        flags as 0 / 1 bytes, their sum below 256): the same counts in about
        half the instructions of a sum of bools, which numpy casts to intp
        element by element first.
        """
        rows = self.positive.reshape(-1, self.positive.shape[-1])
        if rows.shape[1] < _BYTE_ROW:
            return np.asarray(np.add.reduce(rows.view(np.uint8), axis=1, dtype=np.uint8))
        return np.asarray(rows.sum(axis=1))

    @cached_property
    def keep(self) -> NDArray[np.intp]:
        """The kept elements' flat (C-order) indices."""
        return np.flatnonzero(self.positive)

    def __call__(self, x: NDArray[Any]) -> NDArray[Any]:
        if not x.flags.c_contiguous and x.strides[-1] == 0 and x[..., 0].flags.c_contiguous:
            return np.repeat(x[..., 0].reshape(-1), self.per_row)
        if x.flags.c_contiguous:  # masked: its kept runs copied, fewer instructions than indices and a gather
            return np.asarray(x[self.positive])
        # as x.reshape(-1)[keep] in fewer instructions (a copy of x first)
        return np.take(x.reshape(-1), self.keep)


#: Room for entries a table's columns have, as a multiple of their entries: closing the
#: books about doubles them (an income tax entry per month of gain).
_ROOM = 3

#: The columns of a ledger's table, in order, and their types.
_ENTRY: dict[str, type[np.generic]] = {
    "month": np.int64,
    "payer": np.int8,
    "payee": np.int8,
    "kind": np.int8,
    "contract": np.int64,
    "platform": np.int64,
    "amount": np.float64,
}

#: The values of a single entry of :meth:`Ledger.add_coded`, in the order it keeps them: its payer, payee and
#: kind as one value, their code (:meth:`Ledger.code`), so five values, not seven. They are kept as Python
#: numbers and packed at once (:func:`_packed`): the integers as int64, the amount as a double.
_SINGLE = ("month", "code", "contract", "platform", "amount")

#: Single entries packed by one compiled :class:`struct.Struct` (its format's length grows with the entries).
_PACK_BLOCK = 1024
_ONE = "4qd"  # an entry of _SINGLE
_PACK = struct.Struct(_ONE * _PACK_BLOCK)


def _packed(values: list[float]) -> NDArray[np.int64]:
    """The single entries ``values`` (the values of :data:`_SINGLE` of each, in order) as 8-byte words, native order.

    The four integers of an entry as int64, its amount as a double (the
    amount is the entry's last value; read it through a float64 view).
    Packed :data:`_PACK_BLOCK` entries at a time with one compiled format:
    less than half the instructions of reading every value as a double with
    ``array.array``.  Packed into an array never zeroed (a ``bytearray``
    would be): every word is written.
    """
    width = len(_SINGLE)
    out = np.empty(len(values), dtype=np.int64)
    words = out.data  # its memory, as struct writes it
    block = _PACK_BLOCK * width
    full = len(values) // block * block
    for first in range(0, full, block):
        _PACK.pack_into(words, 8 * first, *values[first : first + block])
    rest = values[full:]
    struct.pack_into(_ONE * (len(rest) // width), words, 8 * full, *rest)
    return out


@dataclass(frozen=True)
class TaxAccounts:
    """What a run's taxes and the platforms' own costs must add up to (yuan), for :func:`check_conservation`.

    Attributes
    ----------
    vat_share : float
        v / (1 + v): the VAT inside a price that includes it.
    input_vat_share : float
        Share of the delivery cost that bears deductible input VAT.
    general_vat : array of bool, shape (contracts,)
        Contracts whose enterprise is a general VAT taxpayer.
    income_tax : array, shape (contracts,)
        Each contract's incremental income tax under the law, net of tax savings.
    platform_tax, fixed_cost, financing_cost : array, shape (platforms,)
        Each platform's income tax, fixed costs and financing costs.
    """

    vat_share: float
    input_vat_share: float
    general_vat: NDArray[np.bool_]
    income_tax: NDArray[np.float64]
    platform_tax: NDArray[np.float64]
    fixed_cost: NDArray[np.float64]
    financing_cost: NDArray[np.float64]


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
    taxes: TaxAccounts | None = None,
) -> None:
    """Check that every contract's money adds up; raise :class:`ConservationError` if not.

    Every entry goes between the parties its kind allows (:data:`DIRECTIONS`).
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

    With ``taxes`` (without it, the ledger must hold no tax and no platform
    cost), with v the VAT rate, s the input-VAT share of delivery costs and
    general = 1 for a general VAT taxpayer:

    5. VAT: the platform pays ``v / (1 + v) x (enterprise payments +
       subscriptions + subsidies to it)`` less the input VAT refunded to it,
       ``v / (1 + v) x s x delivery cost``, which its suppliers paid;
    6. VAT credit: ``general x v / (1 + v) x (enterprise payments +
       subscriptions)``;
    7. income tax - tax savings: the contract's incremental income tax;

    and per platform: its income tax, fixed costs and financing costs are
    those given.
    """
    _check_directions(table)
    if taxes is None:
        _no_taxes(table)
    n = len(price)
    if n == 0:
        return
    total = _ContractTotals(table, n)
    g = government_to_platform + government_to_enterprise
    sub_p, sub_e = total("subsidy", payee=PLATFORM), total("subsidy", payee=ENTERPRISE)
    short_p, short_e = total("shortfall", payer=PLATFORM), total("shortfall", payer=ENTERPRISE)
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
    if taxes is not None:
        checks |= _tax_checks(total, taxes)
    _compare(checks, "contract")
    if taxes is not None:
        size = len(taxes.platform_tax)
        _compare(
            {
                f"{kind} of the platform": (
                    table.total(table.part(kind), by="platform", size=size),
                    getattr(taxes, kind),
                )
                for kind in ("platform_tax", "fixed_cost", "financing_cost")
            },
            "platform",
        )


#: The kinds of entry :func:`check_conservation` totals per contract.
_CHECKED_KINDS = (
    "enterprise_payment",
    "subsidy",
    "delivery_cost",
    "subscription",
    "shortfall",
    "payment_shortfall",
    "payment_premium",
    "vat",
    "vat_credit",
    "tax",
    "tax_saving",
)


#: The (kind, payer, payee) codes :class:`_ContractTotals` totals: those of :data:`_CHECKED_KINDS` allowed.
_CHECKED_CODES = np.flatnonzero(
    _ALLOWED & np.isin(np.arange(len(_ALLOWED)) // len(PARTIES) ** 2, [KIND[k] for k in _CHECKED_KINDS])
)

#: Each code's column in :class:`_ContractTotals`: -1 if not totalled, -2 if :data:`DIRECTIONS` forbids it.
_COLUMN = np.where(_ALLOWED, -1, -2).astype(np.int16)
_COLUMN[_CHECKED_CODES] = np.arange(len(_CHECKED_CODES))


class _ContractTotals:
    """Totals per contract of one kind of entry, optionally of one payer or payee (yuan).

    One pass over the entries of the kinds the identities read
    (:data:`_CHECKED_KINDS`): the total of every allowed (kind, payer,
    payee) of them per contract, code-major (an entry of a run of one code:
    its contract plus the code's first cell, one addition); a question adds
    the codes it asks for.
    """

    def __init__(self, table: LedgerTable, n: int) -> None:
        self.n = n
        self.codes = _CHECKED_CODES
        width = len(self.codes)
        pieces = []
        for part, code in table.pieces(_COLUMN >= 0):  # a run of one code is read as a slice: nothing gathered
            contract, amount = table.read("contract", part), table.read("amount", part)
            column = (
                _COLUMN[code]
                if code >= 0
                else _COLUMN[_direction_code(*(table.read(name, part) for name in ("kind", "payer", "payee")))]
            )
            least, greatest = table.bounds("contract", part, contract)
            if least < 0 or greatest >= n:
                keep = np.flatnonzero((contract >= 0) & (contract < n))
                contract, amount = contract[keep], amount[keep]
                column = column if code >= 0 else column[keep]
            pieces.append((contract, amount, column))
        # every entry's cell and amount in ledger order, as one bincount over all of them adds them; each
        # piece's cells written in place (no arrays of their own joined after)
        size = sum(len(contract) for contract, _, _ in pieces)
        cell, weight = np.empty(size, dtype=np.int64), np.empty(size)
        begin = 0
        for contract, amount, column in pieces:
            stop = begin + len(contract)
            first = column.astype(np.int64) * n if isinstance(column, np.ndarray) else int(column) * n
            np.add(contract, first, out=cell[begin:stop])
            weight[begin:stop] = amount
            begin = stop
        self.sums = np.bincount(cell, weights=weight, minlength=width * n).reshape(width, n)
        self.sums.flags.writeable = False  # a question of one code gets its row itself

    def __call__(self, kind: str, *, payer: int | None = None, payee: int | None = None) -> NDArray[np.float64]:
        if kind not in _CHECKED_KINDS:
            raise KeyError(f"{kind} is not totalled per contract")
        parties = len(PARTIES)
        k, a, b = self.codes // parties**2, self.codes // parties % parties, self.codes % parties
        pick = np.flatnonzero(
            (k == KIND[kind])
            & ((a == payer) if payer is not None else True)
            & ((b == payee) if payee is not None else True)
        )
        if len(pick) == 1:  # one code: its row (read only), what the sum over one row copies
            return np.asarray(self.sums[int(pick[0])])
        return np.asarray(self.sums[pick].sum(axis=0))


def _tax_checks(
    total: _ContractTotals, taxes: TaxAccounts
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Identities 5-7 of :func:`check_conservation`: (ledger, expected) per contract."""
    outlays = total("enterprise_payment") + total("subscription")
    input_vat = taxes.vat_share * taxes.input_vat_share * total("delivery_cost")
    return {
        "VAT on the platform's receipts": (
            total("vat", payer=PLATFORM) - total("vat", payee=PLATFORM),
            taxes.vat_share * (outlays + total("subsidy", payee=PLATFORM)) - input_vat,
        ),
        "VAT of the platform's suppliers": (total("vat", payer=MARKET), input_vat),
        "VAT credit of a general VAT taxpayer": (
            total("vat_credit"),
            np.where(taxes.general_vat, taxes.vat_share * outlays, 0.0),
        ),
        "income tax on the incremental profit": (total("tax") - total("tax_saving"), taxes.income_tax),
    }


def _check_directions(table: LedgerTable) -> None:
    """Every entry goes between the parties its kind allows (:data:`DIRECTIONS`)."""
    bad = table.entries(~_ALLOWED)[0]
    if len(bad):
        k = int(bad[0])
        raise ConservationError(
            f"entry {k}: {KINDS[table.kind[k]]} from {PARTIES[table.payer[k]]} to {PARTIES[table.payee[k]]}"
        )


def _no_taxes(table: LedgerTable) -> None:
    """Without tax accounts the ledger may hold no tax and no platform cost."""
    for kind in ("tax_saving", "platform_tax", "vat", "vat_credit", "fixed_cost", "financing_cost"):
        if len(table.rows(kind)):
            raise ConservationError(f"{kind} entries without tax accounts to check them against")


def _compare(checks: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]], what: str) -> None:
    """Raise :class:`ConservationError` at the first ``what`` (contract, platform) where a check fails."""
    for name, (lhs, rhs) in checks.items():
        bad = ~np.isclose(lhs, rhs, rtol=1e-9, atol=1e-6)
        if bad.any():
            c = int(np.argmax(bad))
            raise ConservationError(f"{what} {c}: {name} fails: {lhs[c]:.2f} != {rhs[c]:.2f}")
