"""Per-replication accounts from the ledger: cash flows, spending, per-adopter records.

Pure numpy; reduces a ledger to the arrays the output Dataset holds, so the
ledger itself never has to leave the worker that ran the replication.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import payback_period
from dxsim.model.ledger import (
    ENTERPRISE,
    GOVERNMENT,
    KINDS,
    MARKET,
    NON_CASH,
    PARTIES,
    PLATFORM,
    LedgerTable,
    codes_of,
    payer_payee,
)

#: The rows of a piece of the ledger: a slice or increasing indices.
Rows = slice | NDArray[np.int64]

#: The kinds of entries that move money.
CASH = tuple(k for k in KINDS if k not in NON_CASH)

__all__ = [
    "adopter_records",
    "cash_flows",
    "government_receipts",
    "kind_total",
    "party_flows",
    "paybacks",
    "platform_cash_flows",
]


#: :func:`cash_flows` gives every row of the table a cell on a side that leaves out at most one in this many.
_FEW_LEFT_OUT = 16


def cash_flows(table: LedgerTable, months: int) -> NDArray[np.float64]:
    """Net cash flow of government, platform and enterprise per month (yuan), shape (months, 3).

    One ``bincount`` over (party, month) for what each party receives and one
    for what it pays, over the cash entries within the horizon (but the runs
    that would only fill the market's cells, not returned): each cell adds
    its entries in ledger order, as a separate sum per party would.  The
    entries are read run by run (:meth:`~dxsim.model.ledger.LedgerTable.pieces`),
    each side's cells and amounts straight from the table's columns: a run
    of one party on that side is a cell per month, its month plus the
    party's first cell (one addition, no product).  A side that leaves out
    few entries (:data:`_FEW_LEFT_OUT`) gives every row of the table a cell,
    those it leaves out one cell more (not returned), and weighs them by the
    amounts column itself: no amount copied.
    """
    n = len(PARTIES)
    pieces = _within(table, codes_of(CASH), months)

    def by_party(side: int) -> NDArray[np.float64]:
        # the runs whose party on this side is the market (its row is not returned) are left out:
        # every other cell adds the same entries in the same order
        kept = [
            (part, payer_payee(code)[side] if code >= 0 else -1)
            for part, code in pieces
            if code < 0 or payer_payee(code)[side] != MARKET
        ]
        size = sum(_length(part) for part, _ in kept)
        every_row = len(table) - size <= len(table) // _FEW_LEFT_OUT
        # with every row, the entries left out go to one cell more: the others' cells add as they would alone
        cell = np.empty(len(table) if every_row else size, dtype=np.int64)
        weight = table.amount if every_row else np.empty(size)
        at = done = 0  # (every row: the rows before done have their cells)
        for part, party in kept:
            stop = at + _length(part)
            rows = part if every_row else slice(at, stop)  # the piece's cells: its own rows, or the next ones
            if every_row and stop > at:  # the rows left out before it (and in its span, if indices) first
                end = part.stop if isinstance(part, slice) else int(part[-1]) + 1
                cell[done : part.start if isinstance(part, slice) else end] = n * months
                done = end
            if party >= 0 and isinstance(rows, slice):  # a run of one code: its party's cells, month by month
                np.add(table.read("month", part), party * months, out=cell[rows])
            elif party >= 0:
                cell[rows] = table.read("month", part) + party * months
            else:  # a mixed run: each entry's party (as int64: the product may exceed int8)
                where = table.read(("payer", "payee")[side], part).astype(np.int64)
                where *= months
                where += table.read("month", part)
                cell[rows] = where
            if not every_row:
                weight[rows] = table.read("amount", part)
            at = stop
        if every_row:
            cell[done:] = n * months
        sums = np.bincount(cell, weights=weight, minlength=n * months)
        return np.asarray(sums[: n * months], dtype=np.float64).reshape(n, months)

    return np.asarray((by_party(1) - by_party(0))[[GOVERNMENT, PLATFORM, ENTERPRISE]].T)


def _within(table: LedgerTable, wanted: NDArray[np.bool_], months: int) -> list[tuple[Rows, int]]:
    """The entries of the codes ``wanted`` in months ``[0, months)``, as pieces ``(rows, code)`` in ledger order.

    Those of :meth:`~dxsim.model.ledger.LedgerTable.pieces`; a piece with
    entries outside the months becomes the indices of those inside.
    """
    pieces = []
    for part, code in table.pieces(wanted):
        month = table.read("month", part)
        least, greatest = table.bounds("month", part, month)
        if least < 0 or greatest >= months:
            keep = (month >= 0) & (month < months)
            part = (np.arange(part.start, part.stop) if isinstance(part, slice) else part)[keep]
        pieces.append((part, code))
    return pieces


def _length(part: Rows) -> int:
    """Number of rows of a piece."""
    return part.stop - part.start if isinstance(part, slice) else len(part)


def kind_total(table: LedgerTable, kinds: tuple[str, ...], months: int) -> NDArray[np.float64]:
    """Total of entries of ``kinds`` per month (yuan), shape (months,)."""
    return table.total(table.part(*kinds), by="month", size=months)


def government_receipts(table: LedgerTable, kinds: tuple[str, ...], months: int) -> NDArray[np.float64]:
    """What the government receives in entries of ``kinds`` less what it pays in them, per month (yuan), shape (months,).

    Tax revenue net of tax savings, VAT net of refunds and credits.
    """
    received = table.total(table.part(*kinds, payee=GOVERNMENT), by="month", size=months)
    return np.asarray(received - table.total(table.part(*kinds, payer=GOVERNMENT), by="month", size=months))


def party_flows(
    table: LedgerTable, parties: tuple[int, ...], signed: NDArray[np.float64], months: int, *, trim: bool = False
) -> list[NDArray[np.float64]]:
    """Each contract's net cash flow for each of ``parties`` by month since its signing month, within the horizon.

    One array of shape (contracts, months) per party, months outermost in
    memory (Fortran order: :func:`~dxsim.finance.payback_period` runs along
    them fastest); entries after the horizon are left out (censored).  Each
    cell adds the party's entries in ledger order.  Large intermediate
    arrays are few and written in place: fresh memory costs more than the
    arithmetic.  With ``trim``, a party's array ends after the last month
    since signing that holds one of its entries (at least one month): the
    months left out would be zeros.
    """
    n = len(signed)
    shift = np.arange(n) - np.floor(signed).astype(np.int64) * n  # a contract's cell in month 0: c - start x n
    out = []
    for party in parties:
        cell, weight = _contract_cells(table, party, shift, months)
        width = int(cell.max()) // n + 1 if trim and len(cell) else 1 if trim else months
        flows = np.bincount(cell, weights=weight, minlength=width * n)  # in ledger order, as np.add.at, only faster
        out.append(np.asarray(flows, dtype=np.float64).reshape(width, n).T)
    return out


def _contract_cells(
    table: LedgerTable, party: int, shift: NDArray[np.int64], months: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The cash entries of ``party`` on a contract in months ``[0, months)``: each one's cell and signed amount.

    In ledger order, read run by run (:meth:`~dxsim.model.ledger.LedgerTable.pieces`):
    an entry's cell is ``month x contracts + shift[contract]``, computed from
    the table's columns (a run of one code is read as a slice, nothing
    copied first); its amount is negative where the party pays.
    """
    n = len(shift)
    pieces = []
    for part, code in table.pieces(codes_of(CASH, party=party)):
        month, contract = table.read("month", part), table.read("contract", part)
        least, greatest = table.bounds("month", part, month)
        first, last = table.bounds("contract", part, contract)
        if least < 0 or greatest >= months or first < 0:
            keep = (month >= 0) & (month < months) & (contract >= 0)
            part = (np.arange(part.start, part.stop) if isinstance(part, slice) else part)[keep]
            month, contract = month[keep], contract[keep]
        # its contracts all in range(n): a gather that wraps takes the same elements, without checking each index
        pieces.append((part, code, month, contract, last < n))
    size = sum(len(month) for _, _, month, _, _ in pieces)
    cell, weight = np.empty(size, dtype=np.int64), np.empty(size)
    begin = 0
    for part, code, month, contract, inside in pieces:
        stop = begin + len(month)
        np.multiply(month, n, out=cell[begin:stop])
        # (months since the signing month) x n + contract
        cell[begin:stop] += shift.take(contract, mode="wrap" if inside else "raise")
        amount = table.read("amount", part)
        if code >= 0 and payer_payee(code)[0] == party:  # a run it pays whole
            np.negative(amount, out=weight[begin:stop])
        elif code < 0:  # what the party pays, negated (a choice per entry: no masked loop)
            weight[begin:stop] = np.where(table.read("payer", part) == party, np.negative(amount), amount)
        else:
            weight[begin:stop] = amount
        begin = stop
    return cell, weight


def paybacks(flows: NDArray[np.float64], monthly_discount: float) -> dict[str, NDArray[np.float64]]:
    """Simple and discounted paybacks (months) of per-contract flows, with censoring flags (1 = not by the horizon).

    The payback is when the party's running total turns non-negative for good
    (``payback_period(..., final=True)``): a platform paid at signing and
    delivering later has not paid back until its total recovers.
    """
    simple = payback_period(flows, final=True)
    discounted = payback_period(flows, monthly_discount, final=True)
    return {
        "months": simple,
        "censored": np.isnan(simple).astype(float),
        "discounted_months": discounted,
        "discounted_censored": np.isnan(discounted).astype(float),
    }


def adopter_records(
    book: dict[str, NDArray[np.float64]], table: LedgerTable, months: int, monthly_discount: float
) -> dict[str, NDArray[np.float64]]:
    """One record per contract: dates, money, paybacks of enterprise and platform, flags.

    Paybacks count months from the signing month on the party's cash flows of
    the contract within the horizon (NaN, with the censoring flag 1, when not
    reached by the horizon); the discounted ones at ``monthly_discount``.
    """
    n = len(book["price"])
    signed = book["signed"]
    # the paybacks of flows that end with zeros are those of the flows without them (trim)
    flows = party_flows(table, (ENTERPRISE, PLATFORM), signed, months, trim=True)
    ent, plat = (paybacks(f, monthly_discount) for f in flows)

    def total(kind: str, *, payee: int | None = None) -> NDArray[np.float64]:
        return table.total(table.before(table.part(kind, payee=payee), months), by="contract", size=n)

    owed = book["enterprise_part"] + book["government_to_enterprise"]
    paid = total("enterprise_payment")
    delivery = total("delivery_cost")
    to_platform = table.part(*CASH, payee=PLATFORM)  # few: then only they are read
    receipts = table.total(table.before(to_platform, months), by="contract", size=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        recovery = np.where(owed > 0, paid / owed, np.nan)
    return {
        "adopter_enterprise": book["enterprise"],
        "adopter_industry": book["industry"],
        "adopter_platform": book["platform"],
        "signed_month": signed,
        "wait_months": book["wait"],
        "golive_month": book["golive"],
        "assessed_month": book["assessed"],
        "price_paid": book["price"],
        "government_part": book["government_to_platform"] + book["government_to_enterprise"],
        "government_paid": total("subsidy") + total("reward"),
        "platform_discount": book["platform_discount"],
        "enterprise_part": book["enterprise_part"],
        "enterprise_paid": paid
        + total("subscription")
        - total("subsidy", payee=ENTERPRISE)
        - total("reward", payee=ENTERPRISE),
        "realised_gain": total("gain"),
        "payback_months": ent["months"],
        "payback_censored": ent["censored"],
        "payback_discounted_months": ent["discounted_months"],
        "payback_discounted_censored": ent["discounted_censored"],
        "platform_payback_months": plat["months"],
        "platform_payback_censored": plat["censored"],
        "platform_payback_discounted_months": plat["discounted_months"],
        "platform_payback_discounted_censored": plat["discounted_censored"],
        "recovery_ratio": recovery,
        "delivery_cost": delivery,
        "platform_cost_recovered": np.where(delivery > 0, (receipts >= delivery).astype(float), np.nan),
        "accepted_flag": book["accepted"],
        "lighthouse_flag": book["lighthouse"],
        "failed_flag": book["failed"],
        "adopter_revenue": book["revenue"],
        "adopter_liquidity": book["liquidity"],
        "adopter_hurdle_rate": book["hurdle_rate"],
        "adopter_perceived_failure": book["perceived_failure"],
        "maturity_before": book["maturity_before"],
        "maturity_after": book["maturity_after"],
        "renewal_flag": book["renewal"],
        "exit_month": np.where(book["exit"] < months, book["exit"], np.nan),
    }


def platform_cash_flows(table: LedgerTable, months: int, n_platforms: int) -> NDArray[np.float64]:
    """Net cash flow of each platform per month (yuan), shape (months, platforms).

    The platforms' entries (few) are read run by run, those they receive,
    then those they pay (a run of one code as a slice,
    :meth:`~dxsim.model.ledger.LedgerTable.pieces`): each cell adds the
    entries it receives, and those it pays, in ledger order.  The two sums
    are kept with the table (:meth:`~dxsim.model.ledger.LedgerTable.keep`):
    a later table of the same ledger, whose first rows are these, reads only
    the entries after them and adds them to the sums one at a time, in
    ledger order (``np.add.at``), so each cell adds the same entries in the
    same order as over every row (the books' close reads the table before
    its taxes and costs, the results after).
    """
    key = ("platform_cash_flows", months, n_platforms)
    start, earlier = table.kept(key)
    receives, pays = codes_of(CASH, payee=PLATFORM), codes_of(CASH, payer=PLATFORM)
    sums = []
    for k, wanted in enumerate((receives, pays)):  # what the platforms receive, then what they pay
        cells, amounts = [], []
        for rows, _ in table.pieces(wanted, start):  # a run of one code is read as a slice, whole or not at all
            month, platform, amount = (table.read(name, rows) for name in ("month", "platform", "amount"))
            keep = (platform >= 0) & (month >= 0) & (month < months)
            if not keep.all():
                month, platform, amount = month[keep], platform[keep], amount[keep]
            cells.append(month * n_platforms + platform)
            amounts.append(amount)
        # a side of one piece (the single entries' rows, or a later table's one run) is read as it is: no copy
        cell = cells[0] if len(cells) == 1 else np.concatenate([np.empty(0, dtype=np.int64), *cells])
        weight = amounts[0] if len(amounts) == 1 else np.concatenate([np.empty(0), *amounts])
        if earlier:  # the kept sums, then each later entry added to its cell in ledger order
            total = earlier[k].copy()
            np.add.at(total, cell, weight)
        else:  # each cell adds its entries in ledger order
            total = np.asarray(np.bincount(cell, weights=weight, minlength=months * n_platforms), dtype=np.float64)
        sums.append(total)
    table.keep(key, (sums[0], sums[1]))
    # what they receive less what they pay (from a grid of zeros, 0.0 + x is x: the sums are never -0.0)
    return np.subtract(sums[0], sums[1]).reshape(months, n_platforms)
