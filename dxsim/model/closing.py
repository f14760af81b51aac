"""Closing the books of a replication: taxes and the platforms' own costs, written to the ledger.

Once the run has reached its horizon, every payment on a contract is known,
and the taxes on them follow from the tax law (:mod:`dxsim.model.tax`); so
do the platforms' fixed and financing costs, and then their profit and its
tax.  :func:`close_books` writes, in this order:

1. ``vat`` and ``vat_credit``, entry by entry, in the month of the payment:
   for each payment a platform receives for a solution (an enterprise
   payment, a subscription fee, a subsidy paid to it as the government's
   part of the price) the platform pays v / (1 + v) of it to the
   government; for each delivery cost, of which a share s bears VAT, the
   platform's suppliers (the market) pay the government the VAT they
   charged, v / (1 + v) x s of it, and the government refunds the platform
   the same as input VAT; for each payment of a general VAT taxpayer
   (revenue above the threshold) the government credits it v / (1 + v) of
   it.  So VAT on the delivery's inputs nets out, as along any VAT chain,
   and the government keeps the VAT on what the platform receives less the
   VAT credits of enterprises that are general taxpayers.
2. ``tax`` and ``tax_saving``: the incremental income tax of each contract
   gone live in each month of the horizon, ``[T(P + 12 g_m - 12 d_m) - T(P)] / 12``
   with d_m the straight-line deduction over the solution's lifetime from
   go-live of what the enterprise paid for it (payments and fees, net of the
   VAT it deducts and of programme money it received), whether or not the
   project works; a negative amount is a saving.  An enterprise that exits
   pays (or saves) it for the months it begins in business, and not after
   (the deductions left are lost with it).
3. ``fixed_cost``: each platform's fixed costs, a twelfth of the yearly
   amount each month from its start to the horizon; ``financing_cost``:
   cost_of_capital / 12 x its receivables at each month's end.
4. ``platform_tax``: each platform's income tax on each calendar year's
   profit (its net cash flow before the tax), losses carried forward up to
   five years, paid in the year's last month (or the horizon's last).

It returns the totals each identity of
:func:`~dxsim.model.ledger.check_conservation` is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dxsim.finance import straight_line
from dxsim.model.accounts import platform_cash_flows
from dxsim.model.ledger import ENTERPRISE, KIND, PLATFORM, ConservationError, Ledger, LedgerTable, TaxAccounts
from dxsim.model.tax import TaxLaw, carry_forward_tax

__all__ = ["TAX_BLOCK", "PlatformCosts", "close_books", "income_tax_schedule", "tails"]

#: Contracts whose income tax is computed together (:func:`income_tax_schedule`): a block's grid ends at
#: the last month any of them pays tax in, and its arrays stay in cache.
TAX_BLOCK = 1024


@dataclass(frozen=True)
class PlatformCosts:
    """The platforms' own costs (arrays, one entry per platform).

    Attributes
    ----------
    fixed_per_year : array
        Fixed costs, yuan / year.
    cost_of_capital : array
        Cost of the money tied up in receivables, 1 / year.
    start : array of int
        Month from which the fixed costs run.
    receivables : array, shape (months, platforms)
        Receivables at each month's end, yuan.
    """

    fixed_per_year: NDArray[np.float64]
    cost_of_capital: NDArray[np.float64]
    start: NDArray[np.int64]
    receivables: NDArray[np.float64]


def close_books(
    ledger: Ledger,
    book: dict[str, NDArray[np.float64]],
    *,
    law: TaxLaw,
    lifetime: NDArray[np.float64],
    costs: PlatformCosts,
    first_month: int,
) -> TaxAccounts:
    """Write the run's taxes and the platforms' own costs to ``ledger``; return what they add up to.

    Parameters
    ----------
    ledger : Ledger
        The run's ledger, every payment on the contracts written.
    book : dict of str to array, shape (contracts,)
        The contracts: ``golive`` (months, NaN = not live), ``revenue``
        (yuan / year), ``margin``, ``high_tech`` (0 / 1), and optionally
        ``exit`` (the enterprise's exit time, months; inf = none).
    law : TaxLaw
        The tax law.
    lifetime : array, shape (contracts,)
        Each contract's solution lifetime, months.
    costs : PlatformCosts
        The platforms' own costs; ``costs.receivables`` sets the horizon.
    first_month : int
        Calendar month (0 = January) of model month 0.
    """
    months, n_platforms = costs.receivables.shape
    table = ledger.table()
    general = law.general_vat(book["revenue"])
    vat_by_platform, credit = _write_vat(ledger, table, law, general, months, n_platforms)
    income_tax = _write_income_tax(ledger, table, book, law, lifetime, credit, months)
    fixed, financing = _platform_costs(costs)
    step = np.arange(months)[:, None]
    each = np.arange(n_platforms)[None, :]
    ledger.add_schedule("platform", "market", step, contract=-1, kind="fixed_cost", amount=fixed, platform=each)
    ledger.add_schedule("platform", "market", step, contract=-1, kind="financing_cost", amount=financing, platform=each)
    before_tax = platform_cash_flows(table, months, n_platforms) - vat_by_platform - fixed - financing
    platform_tax, paid_in = _platform_tax(before_tax, law.platform_rate, first_month)
    ledger.add_schedule(
        "platform", "government", paid_in[:, None], contract=-1, kind="platform_tax", amount=platform_tax, platform=each
    )
    return TaxAccounts(
        vat_share=law.vat_share,
        input_vat_share=law.input_vat_share,
        general_vat=general,
        income_tax=income_tax,
        platform_tax=platform_tax.sum(axis=0),
        fixed_cost=fixed.sum(axis=0),
        financing_cost=financing.sum(axis=0),
    )


def _outlays(table: LedgerTable) -> NDArray[np.int64]:
    """Entries (indices) of what an enterprise pays a platform for the solution (payments on the price and fees)."""
    return table.rows("enterprise_payment", "subscription")


def _write_vat(
    ledger: Ledger, table: LedgerTable, law: TaxLaw, general: NDArray[np.bool_], months: int, n_platforms: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Write VAT and VAT credits entry by entry.

    Returns each platform's net VAT per month, shape (months, platforms),
    and each contract's VAT credit (yuan), shape (contracts,).  Entries are
    selected by their indices, in ledger order.
    """
    share = law.vat_share
    receipts = table.rows("enterprise_payment", "subscription", "subsidy")
    receipts = receipts[(table.read("kind", receipts) != KIND["subsidy"]) | (table.read("payee", receipts) == PLATFORM)]
    delivery = table.rows("delivery_cost")
    credited = _outlays(table)
    contract = table.read("contract", credited)
    credited = credited[(contract >= 0) & general[np.clip(contract, 0, None)]]
    # each set of entries' columns gathered once: the input VAT's two schedules and the net VAT read the same
    paid, delivered, credits = (
        tuple(table.read(name, rows) for name in ("month", "contract", "platform", "amount"))
        for rows in (receipts, delivery, credited)
    )
    input_vat = share * law.input_vat_share * delivered[3]
    parts = (
        ("platform", "government", "vat", paid, share * paid[3]),
        ("government", "platform", "vat", delivered, input_vat),
        ("market", "government", "vat", delivered, input_vat),
        ("government", "enterprise", "vat_credit", credits, share * credits[3]),
    )
    for payer, payee, kind, (month, contract, platform, _), amount in parts:
        ledger.add_schedule(payer, payee, month, contract=contract, kind=kind, amount=amount, platform=platform)
    net = np.zeros(months * n_platforms)
    for (month, _, platform, amount), rate in ((paid, share), (delivered, -share * law.input_vat_share)):
        inside = (platform >= 0) & (month < months)
        cell = month[inside] * n_platforms + platform[inside]
        net += rate * np.bincount(cell, weights=amount[inside], minlength=months * n_platforms)
    credit = share * table.total(credited, by="contract", size=len(general))
    return net.reshape(months, n_platforms), credit


def income_tax_schedule(
    law: TaxLaw,
    *,
    base: NDArray[np.float64],
    high_tech: NDArray[np.bool_],
    golive: NDArray[np.float64],
    lifetime: NDArray[np.float64],
    deductible: NDArray[np.float64],
    gain: NDArray[np.float64],
    months: int,
    exit_time: NDArray[np.float64] | None = None,
    overwrite: bool = False,
) -> NDArray[np.float64]:
    """Monthly incremental income tax of contracts gone live (yuan / month; negative: a saving).

    Parameters
    ----------
    law : TaxLaw
        The tax law.
    base : array, shape (n,)
        Base annual profit P of each contract's enterprise, yuan / year.
    high_tech : array of bool, shape (n,)
        High-tech enterprises.
    golive : array, shape (n,)
        Go-live times, months since the start.
    lifetime : array, shape (n,)
        Lifetime of each solution, months.
    deductible : array, shape (n,)
        What each enterprise paid for its solution, deducted straight-line over
        the lifetime from go-live, yuan.
    gain : array, shape (n, width)
        Gain in each month of the grid from each go-live month, yuan / month.
    months : int
        The horizon: grid months at or after it pay nothing.
    exit_time : array, shape (n,), optional
        When each enterprise exits (months since the start; inf or omitted:
        not within the horizon): grid months that begin at or after it pay nothing.
    overwrite : bool
        Write the tax into ``gain`` (the caller's own array, which
        then holds the tax) instead of a new array of its size.

    Returns
    -------
    array, shape (n, width)
        The tax in each grid cell; cell ``(i, j)`` is calendar month ``floor(golive[i]) + j``.

    Examples
    --------
    >>> law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    >>> income_tax_schedule(
    ...     law, base=np.array([2.4e6]), high_tech=np.array([False]), golive=np.array([1.0]),
    ...     lifetime=np.array([2.0]), deductible=np.array([12_000.0]), gain=np.array([[1_000.0, 1_000.0, 0.0]]),
    ...     months=120).tolist()  # 5% of 12 x (1,000 - 6,000) / 12 in each of months 1 and 2
    [[-250.0, -250.0, 0.0]]
    """
    width = gain.shape[1]
    start = np.floor(golive).astype(np.int64)
    end = np.full(len(start), float(months)) if exit_time is None else np.fmin(months, np.ceil(exit_time))
    paying = np.clip(end - start, 0, width).astype(np.int64)  # each row's cells before the horizon or the exit month
    offset = golive - start
    tax = gain if overwrite else np.empty(gain.shape)
    for first in range(0, len(start), TAX_BLOCK):  # a block's cells up to the last any of its rows pays in
        rows = slice(first, first + TAX_BLOCK)
        cut = int(paying[rows].max())
        if cut > 0:  # some of them pay tax within the horizon
            deduction = straight_line(deductible[rows], offset[rows], lifetime[rows], cut)
            # a block whose cells are all read (cut = width): its rows of the tax grid are contiguous, and the
            # tax is computed in them (the same values; its rows of gain are read cell by cell as they are
            # overwritten); otherwise in an array of its own, copied into them after
            whole = cut == width
            part = law.incremental(
                base[rows, None],
                gain[rows, :cut],
                deduction,
                high_tech[rows, None],
                _months(law, start[rows], cut),
                out=tax[rows] if whole else None,
            )
            # the cells at or after the horizon or the exit month (each row's last cells): only they are read
            np.put(part, tails(paying[rows], cut), 0.0)
            if not whole:
                tax[rows, :cut] = part  # its rows of gain read (the tax may overwrite them)
        tax[rows, cut:] = 0.0  # each cell written once: no grid of zeros first
    return tax


#: Months whose magnitude is below this fit in int16 (:func:`_months`).
_SMALL_MONTHS = 2**15


def _months(law: TaxLaw, start: NDArray[np.int64], cut: int) -> NDArray[np.signedinteger[Any]]:
    """The calendar months of a block's grid (rows from month ``start``, ``cut`` cells), as the tax reads them.

    The grid ``start[:, None] + arange(cut)`` where it has months on both
    sides of the SLP switch; else one of its months, shape (1, 1): every
    cell is then on the side of that month (:meth:`~dxsim.model.tax.TaxLaw.before_switch`
    is monotone), and :meth:`~dxsim.model.tax.TaxLaw.incremental` takes the
    path it takes for a grid all on one side (its one rate).  The grid is of
    int16 when all its months fit (:data:`_SMALL_MONTHS`): the same months,
    compared with the switch as the same integers (numpy compares int16 with
    a Python integer beyond its range exactly, e.g. 2 ** 15), in less than
    half the instructions of int64.

    Examples
    --------
    >>> law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    >>> _months(law, np.array([60, 62]), 3).tolist(), _months(law, np.array([60, 61]), 3).tolist()
    ([[60, 61, 62], [62, 63, 64]], [[60]])
    """
    first, last = int(start.min()), int(start.max()) + cut - 1
    if law.before_switch(first) == law.before_switch(last):
        return np.array([[first]], dtype=np.int64)
    if -_SMALL_MONTHS <= first and last < _SMALL_MONTHS:  # every cell's month lies in [first, last]
        return np.add(start.astype(np.int16)[:, None], np.arange(cut, dtype=np.int16))
    return start[:, None] + np.arange(cut)


def tails(first: NDArray[np.int64], width: int) -> NDArray[np.int64]:
    """Flat indices, in a C-ordered grid of rows of ``width`` cells, of each row's cells from ``first[row]`` on.

    Row by row, each row's in increasing order; ``first`` lies in ``[0, width]``
    (``width``: none of the row's cells).

    Examples
    --------
    >>> tails(np.array([1, 3, 0]), 3).tolist()
    [1, 2, 6, 7, 8]
    """
    counts = width - first
    ends = np.cumsum(counts)  # each row's cells end here in the result
    begins = np.arange(len(first)) * width + first  # each row's first flat index
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(begins - (ends - counts), counts)


def _write_income_tax(
    ledger: Ledger,
    table: LedgerTable,
    book: dict[str, NDArray[np.float64]],
    law: TaxLaw,
    lifetime: NDArray[np.float64],
    credit: NDArray[np.float64],
    months: int,
) -> NDArray[np.float64]:
    """Write each live contract's incremental income tax and tax savings; return each contract's net (yuan)."""
    n = len(book["golive"])
    net = np.zeros(n)
    live = np.flatnonzero(np.isfinite(book["golive"]) & (book["golive"] < months))
    if len(live) == 0:
        return net
    golive = book["golive"][live]
    start = np.floor(golive).astype(np.int64)
    width = int(np.ceil(lifetime[live].max())) + 2
    shift = np.full(n, np.iinfo(np.int64).min // 2)  # a live contract's first cell less its go-live month; others
    # far below 0: a gain of a contract not live has no cell (bincount refuses it)
    shift[live] = np.arange(len(live)) * width - start
    gains = table.part("gain")  # a slice if one run: no index written
    r = table.read("contract", gains)
    least, greatest = table.bounds("contract", gains, r) if len(r) else (0, -1)
    if least < 0:
        gains = table.rows("gain")[r >= 0]
        r = table.read("contract", gains)
    # each gain's cell on the grid from its go-live month; every contract in range(n) (or numpy checks each index):
    # a gather that wraps takes the same elements without checking each
    cell = np.add(table.read("month", gains), shift.take(r, mode="wrap" if greatest < n else "raise"))
    gain = np.asarray(np.bincount(cell, weights=table.read("amount", gains), minlength=len(live) * width), dtype=float)
    received = table.part("subsidy", "reward", payee=ENTERPRISE)
    paid = table.total(_outlays(table), by="contract", size=n)  # entries of no contract (-1) left out
    deductible = np.clip(paid - credit - table.total(received, by="contract", size=n), 0.0, None)
    tax = income_tax_schedule(
        law,
        base=(book["revenue"] * book["margin"])[live],
        high_tech=book["high_tech"][live] > 0,
        golive=golive,
        lifetime=lifetime[live],
        deductible=deductible[live],
        gain=gain.reshape(len(live), width),
        months=months,
        exit_time=book["exit"][live] if "exit" in book else None,
        overwrite=True,  # the grid of gains is ours: it holds the tax
    )
    net[live] = tax.sum(axis=1)
    if not np.isfinite(net).all():
        raise ConservationError("income tax not finite")
    platform = book["platform"][live].astype(np.int64)
    flat = np.ascontiguousarray(tax).reshape(-1)
    first = start - np.arange(len(live)) * width  # a cell's month is the cell plus its row's first
    for payer, payee, kind, taken in (
        ("enterprise", "government", "tax", flat > 0),
        ("government", "enterprise", "tax_saving", flat < 0),
    ):
        cells = np.flatnonzero(taken)  # the cells of each kind in C order, as add_schedule would keep them
        counts = np.diff(np.searchsorted(cells, np.arange(len(live) + 1) * width))  # in each row: its entries repeat
        amount = flat.take(cells, mode="wrap")  # flat indices of flat itself: as mode="raise", unchecked
        if kind == "tax_saving":  # what is saved: the negative tax
            np.negative(amount, out=amount)
        cells += np.repeat(first, counts)
        ledger.add_entries(
            payer,
            payee,
            cells,
            contract=np.repeat(live, counts),
            kind=kind,
            amount=amount,
            platform=np.repeat(platform, counts),
        )
    return net


def _platform_costs(costs: PlatformCosts) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each platform's fixed and financing costs per month (yuan / month), each shape (months, platforms)."""
    months = costs.receivables.shape[0]
    running = np.arange(months)[:, None] >= costs.start[None, :]
    fixed = np.where(running, costs.fixed_per_year / 12.0, 0.0)
    financing = costs.cost_of_capital / 12.0 * np.maximum(costs.receivables, 0.0)
    return fixed, financing


def _platform_tax(
    before_tax: NDArray[np.float64], rate: float, first_month: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Income tax of each platform per calendar year and the month it is paid in (the year's or the horizon's last).

    ``before_tax`` is each platform's net cash flow before its income tax,
    shape (months, platforms); returns the tax, shape (years, platforms),
    and the payment months, shape (years,).
    """
    months = before_tax.shape[0]
    year = (first_month + np.arange(months)) // 12
    profit = np.zeros((int(year[-1]) + 1, before_tax.shape[1]))
    np.add.at(profit, year, before_tax)
    last = np.minimum((np.arange(len(profit)) + 1) * 12 - first_month - 1, months - 1)
    return carry_forward_tax(profit, rate), last.astype(np.int64)
