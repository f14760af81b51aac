"""The three-party ledger: round trip of entries, refusal of bad amounts, conservation identities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.model import accounts, ledger
from dxsim.model.accounts import cash_flows, party_flows, platform_cash_flows
from dxsim.model.ledger import (
    DIRECTIONS,
    ENTERPRISE,
    KIND,
    KINDS,
    PARTIES,
    PLATFORM,
    ConservationError,
    Ledger,
    LedgerTable,
    TaxAccounts,
    check_conservation,
    codes_of,
)


def test_add_and_add_schedule_round_trip():
    led = Ledger()
    led.add("enterprise", "platform", 2, contract=0, kind="enterprise_payment", amount=60.0, platform=1)
    led.add("government", "platform", 5, contract=0, kind="subsidy", amount=0.0, platform=1)  # zero: dropped
    led.add("platform", "market", 3, contract=1, kind="delivery_cost", amount=12.5, platform=0)
    led.add_schedule(
        "market", "enterprise", [4, 5, 6], contract=1, kind="gain", amount=[1.0, 0.0, 3.0], platform=0
    )  # the zero is dropped
    led.add_schedule(
        "enterprise", "government", np.array([[7], [8]]), contract=np.array([[2], [3]]), kind="tax", amount=0.5
    )  # broadcast
    t = led.table()
    assert len(t) == 6
    np.testing.assert_array_equal(t.month, [2, 3, 4, 6, 7, 8])
    np.testing.assert_array_equal(t.contract, [0, 1, 1, 1, 2, 3])
    np.testing.assert_array_equal(t.platform, [1, 0, 0, 0, -1, -1])
    np.testing.assert_array_equal(t.amount, [60.0, 12.5, 1.0, 3.0, 0.5, 0.5])
    names = [(PARTIES[a], PARTIES[b]) for a, b in zip(t.payer, t.payee, strict=True)]
    assert names == [
        ("enterprise", "platform"),
        ("platform", "market"),
        ("market", "enterprise"),
        ("market", "enterprise"),
        ("enterprise", "government"),
        ("enterprise", "government"),
    ]
    np.testing.assert_array_equal(
        t.kind, [KIND[k] for k in ("enterprise_payment", "delivery_cost", *["gain"] * 2, *["tax"] * 2)]
    )
    # Totals by a column, and masks by kind.
    np.testing.assert_allclose(t.total(t.select("gain"), by="contract", size=3), [0.0, 4.0, 0.0])
    np.testing.assert_allclose(t.total(t.select("tax"), by="month", size=9), [0] * 7 + [0.5, 0.5])
    assert t.is_cash.all()


def test_empty_ledger_has_an_empty_table():
    t = Ledger().table()
    assert len(t) == 0
    assert t.amount.dtype == np.float64


def test_a_conservation_error_is_a_runtime_error_not_an_assertion():
    # raised whatever ``python -O`` does to asserts, and not caught as a failed assert by test tools
    assert issubclass(ConservationError, RuntimeError)
    assert not issubclass(ConservationError, AssertionError)
    with pytest.raises(RuntimeError, match="amount"):
        Ledger().add("government", "platform", 0, contract=0, kind="subsidy", amount=-1.0)


@pytest.mark.parametrize("bad", [-1.0, -1e-9, np.nan, np.inf])
def test_negative_or_non_finite_amounts_are_refused(bad):
    led = Ledger()
    with pytest.raises(ConservationError, match="amount"):
        led.add("government", "platform", 0, contract=0, kind="subsidy", amount=bad)
    with pytest.raises(ConservationError, match="amount"):
        led.add_schedule("government", "platform", [0, 1], contract=0, kind="subsidy", amount=[1.0, bad])
    month, given = _two_entries(1.0, bad)
    with pytest.raises(ConservationError, match="amount"):
        led.add_entries("government", "platform", month, **given)
    assert len(led.table()) == 0  # nothing half-written


@pytest.mark.parametrize("bad", [-1.0, -1e-9, np.nan, np.inf])
def test_a_coded_entry_refuses_what_add_refuses(bad: float) -> None:
    led = Ledger()
    with pytest.raises(ConservationError, match=r"amount.*\(subsidy\)"):
        led.add_coded(Ledger.code("government", "platform", "subsidy"), 0, 0, bad, 0)
    assert len(led.table()) == 0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted((kind, *pair) for kind, pairs in DIRECTIONS.items() for pair in pairs)),
            st.integers(0, 200),
            st.integers(-1, 10**6),
            st.one_of(st.just(0.0), st.just(-0.0), st.floats(min_value=0.0, allow_infinity=False)),
            st.integers(-1, 300),
        ),
        max_size=20,
    )
)
@settings(max_examples=50, deadline=None)
def test_coded_entries_are_the_entries_add_writes(
    entries: list[tuple[tuple[str, str, str], int, int, float, int]],
) -> None:
    by_name, coded = Ledger(), Ledger()
    for (kind, payer, payee), month, contract, amount, platform in entries:
        by_name.add(payer, payee, month, contract, kind, amount, platform)
        coded.add_coded(Ledger.code(payer, payee, kind), month, contract, amount, platform)
    want, got = by_name.table(), coded.table()
    for name in ("month", "payer", "payee", "kind", "contract", "platform", "amount"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), strict=True)
    assert got.runs == want.runs
    written = [(kind, payer, payee) for (kind, payer, payee), _, _, amount, _ in entries if amount > 0]
    # a single entry keeps its payer, payee and kind as one code: the table has each back, and the code is the table's
    assert list(zip(got.payer.tolist(), got.payee.tolist(), got.kind.tolist(), strict=True)) == [
        (PARTIES.index(payer), PARTIES.index(payee), KINDS.index(kind)) for kind, payer, payee in written
    ]
    assert [Ledger.code(payer, payee, kind) for kind, payer, payee in written] == got.code.tolist()


def _two_entries(first: float, second: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Months and keywords of two subsidy entries of contract 0 for :meth:`Ledger.add_entries`."""
    one = np.zeros(2, dtype=np.int64)
    return np.array([0, 1]), {"contract": one, "kind": "subsidy", "amount": np.array([first, second]), "platform": one}


def test_entries_need_positive_amounts_and_are_kept_as_a_schedule_keeps_them():
    month, given = _two_entries(1.0, 0.0)
    with pytest.raises(ConservationError, match="amount"):
        Ledger().add_entries("government", "platform", month, **given)  # a zero is not an entry
    month, given = _two_entries(2.0, 3.0)
    led, schedule = Ledger(), Ledger()
    led.add("enterprise", "platform", 0, contract=0, kind="enterprise_payment", amount=5.0, platform=0)
    schedule.add("enterprise", "platform", 0, contract=0, kind="enterprise_payment", amount=5.0, platform=0)
    led.add_entries("government", "platform", month, **given)
    schedule.add_schedule("government", "platform", month, **given)
    for name in ("month", "payer", "payee", "kind", "contract", "platform", "amount"):
        np.testing.assert_array_equal(getattr(led.table(), name), getattr(schedule.table(), name))


# ------------------------------------------------------------- conservation
def _consistent():
    """Eight contracts whose money adds up, settled in different ways (yuan)."""
    led = Ledger()
    e_pay = dict(kind="enterprise_payment")
    # 0: G_p = 30 paid at acceptance, discount 10, enterprise 60 upfront.
    led.add("enterprise", "platform", 0, contract=0, amount=60.0, platform=0, **e_pay)
    led.add("government", "platform", 4, contract=0, kind="subsidy", amount=30.0, platform=0)
    # 1: G_e = 50 paid to the enterprise, which advances it: it pays 130 + 50 to the platform.
    led.add("enterprise", "platform", 1, contract=1, amount=180.0, platform=1, **e_pay)
    led.add("government", "enterprise", 1, contract=1, kind="subsidy", amount=50.0, platform=1)
    # 2: G_p = 30 lost at failed acceptance (shortfall of the platform); enterprise pays 60 in 3 instalments.
    led.add_schedule("enterprise", "platform", [2, 3, 4], contract=2, amount=20.0, platform=0, **e_pay)
    led.add("platform", "government", 6, contract=2, kind="shortfall", amount=30.0, platform=0)
    # 3: G_p = 30 still outstanding at the end; no discount.
    led.add("enterprise", "platform", 3, contract=3, amount=70.0, platform=1, **e_pay)
    # 4: G_e = 40 lost at failed acceptance (shortfall of the enterprise); a cap shortfall of 5 on G_p = 25.
    led.add("enterprise", "platform", 3, contract=4, amount=40.0 + 25.0, platform=1, **e_pay)
    led.add("enterprise", "government", 7, contract=4, kind="shortfall", amount=40.0, platform=1)
    led.add("government", "platform", 7, contract=4, kind="subsidy", amount=20.0, platform=1)
    led.add("platform", "government", 7, contract=4, kind="shortfall", amount=5.0, platform=1)
    # 5: revenue share: part 60, the enterprise pays 20 + 30 and the platform bears a shortfall of 10.
    led.add_schedule("enterprise", "platform", [5, 6], contract=5, amount=[20.0, 30.0], platform=0, **e_pay)
    led.add("platform", "enterprise", 8, contract=5, kind="payment_shortfall", amount=10.0, platform=0)
    # 6: revenue share: part 60, the enterprise pays 70, a premium of 10 for the platform.
    led.add_schedule("enterprise", "platform", [5, 6], contract=6, amount=[35.0, 35.0], platform=1, **e_pay)
    led.add("enterprise", "platform", 5, contract=6, kind="payment_premium", amount=10.0, platform=1)
    # 7: revenue share, not live by the end of the run: its part of 60 is outstanding.
    # Entries outside the price: they never enter the identities.
    led.add("platform", "market", 1, contract=1, kind="delivery_cost", amount=99.0, platform=1)
    led.add("government", "platform", 7, contract=0, kind="reward", amount=11.0, platform=0)
    led.add_schedule("market", "enterprise", [5, 6], contract=0, kind="gain", amount=[3.0, 4.0], platform=0)
    arrays = dict(
        price=np.array([100.0, 200.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]),
        government_to_platform=np.array([30.0, 0.0, 30.0, 30.0, 25.0, 30.0, 30.0, 30.0]),
        government_to_enterprise=np.array([0.0, 50.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0]),
        platform_discount=np.array([10.0, 20.0, 10.0, 0.0, 10.0, 10.0, 10.0, 10.0]),
        enterprise_part=np.array([60.0, 130.0, 60.0, 70.0, 25.0, 60.0, 60.0, 60.0]),
        outstanding_platform=np.array([0.0, 0.0, 0.0, 30.0, 0.0, 30.0, 30.0, 30.0]),
        outstanding_enterprise=np.zeros(8),
        outstanding_payments=np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 60.0]),
    )
    return led, arrays


def test_conservation_holds_for_a_consistent_ledger():
    led, arrays = _consistent()
    check_conservation(led.table(), **arrays)


def test_conservation_of_no_contracts_is_trivial():
    check_conservation(Ledger().table(), **{k: np.zeros(0) for k in _consistent()[1]})


@pytest.mark.parametrize(
    ("field", "contract", "identity"),
    [
        ("platform_discount", 2, "parts add to the price"),
        ("enterprise_part", 0, "parts add to the price"),
        ("outstanding_platform", 3, "government part to the platform settled"),
        ("outstanding_enterprise", 1, "government part to the enterprise settled"),
        ("outstanding_payments", 7, "enterprise's payments settle what it owes"),
    ],
)
def test_conservation_fails_when_one_contract_term_is_altered(field, contract, identity):
    led, arrays = _consistent()
    arrays[field] = arrays[field].copy()
    arrays[field][contract] += 1.0
    with pytest.raises(ConservationError, match=f"contract {contract}: {identity}"):
        check_conservation(led.table(), **arrays)


@pytest.mark.parametrize(
    ("entry", "contract", "identity"),
    [
        # (payer, payee, kind) of the entry whose amount is altered
        (("government", "platform", "subsidy"), 0, "government part to the platform settled"),
        (("platform", "government", "shortfall"), 2, "government part to the platform settled"),
        (("government", "enterprise", "subsidy"), 1, "government part to the enterprise settled"),
        (("enterprise", "government", "shortfall"), 4, "government part to the enterprise settled"),
        (("enterprise", "platform", "enterprise_payment"), 3, "enterprise's payments settle what it owes"),
        (("platform", "enterprise", "payment_shortfall"), 5, "enterprise's payments settle what it owes"),
        (("enterprise", "platform", "payment_premium"), 6, "enterprise's payments settle what it owes"),
    ],
)
def test_conservation_fails_when_one_ledger_entry_is_altered(entry, contract, identity):
    led, arrays = _consistent()
    table = led.table()
    payer, payee, kind = entry
    rows = np.flatnonzero(
        (table.payer == PARTIES.index(payer))
        & (table.payee == PARTIES.index(payee))
        & table.select(kind)
        & (table.contract == contract)
    )
    assert len(rows) >= 1
    table.amount[rows[0]] *= 1.01
    with pytest.raises(ConservationError, match=f"contract {contract}: {identity}"):
        check_conservation(table, **arrays)


def test_entries_outside_the_price_do_not_enter_the_identities():
    led, arrays = _consistent()
    table = led.table()
    for kind in ("delivery_cost", "reward", "gain"):
        table.amount[table.select(kind)] *= 3.0
    check_conservation(table, **arrays)


# --------------------------------------------------------- taxes and platform costs
V = 0.06 / 1.06  # VAT inside a price of 6%


def _taxed():
    """The eight contracts of :func:`_consistent` with VAT, income tax and two platforms' costs (yuan).

    Contracts 1 and 6 are general VAT taxpayers; input VAT on half the delivery cost.
    """
    led, arrays = _consistent()
    table = led.table()
    for c in range(8):
        mine = table.contract == c
        receipts = table.amount[
            mine
            & (
                table.select("enterprise_payment")
                | (table.select("subsidy") & (table.payee == PARTIES.index("platform")))
            )
        ].sum()
        delivery = table.amount[mine & table.select("delivery_cost")].sum()
        paid = table.amount[mine & table.select("enterprise_payment")].sum()
        p = int(table.platform[mine][0]) if mine.any() else 0  # contract 7 has no entry yet
        led.add("platform", "government", 9, contract=c, kind="vat", amount=V * receipts, platform=p)
        led.add("government", "platform", 9, contract=c, kind="vat", amount=V * 0.5 * delivery, platform=p)
        led.add("market", "government", 9, contract=c, kind="vat", amount=V * 0.5 * delivery, platform=p)
        if c in (1, 6):
            led.add("government", "enterprise", 9, contract=c, kind="vat_credit", amount=V * paid, platform=p)
    led.add("enterprise", "government", 10, contract=0, kind="tax", amount=5.0, platform=0)
    led.add("government", "enterprise", 11, contract=0, kind="tax_saving", amount=2.0, platform=0)
    led.add("government", "enterprise", 11, contract=2, kind="tax_saving", amount=1.5, platform=0)
    led.add_schedule("platform", "market", [0, 1], contract=-1, kind="fixed_cost", amount=10.0, platform=[[0], [1]])
    led.add("platform", "market", 3, contract=-1, kind="financing_cost", amount=0.7, platform=1)
    led.add("platform", "government", 11, contract=-1, kind="platform_tax", amount=4.0, platform=0)
    general = np.zeros(8, dtype=bool)
    general[[1, 6]] = True
    income_tax = np.zeros(8)
    income_tax[[0, 2]] = [3.0, -1.5]
    taxes = TaxAccounts(
        vat_share=V,
        input_vat_share=0.5,
        general_vat=general,
        income_tax=income_tax,
        platform_tax=np.array([4.0, 0.0]),
        fixed_cost=np.array([20.0, 20.0]),
        financing_cost=np.array([0.0, 0.7]),
    )
    return led, arrays, taxes


def test_conservation_holds_with_taxes_and_platform_costs():
    led, arrays, taxes = _taxed()
    check_conservation(led.table(), **arrays, taxes=taxes)


def test_taxes_and_platform_costs_need_tax_accounts():
    led, arrays, _ = _taxed()
    with pytest.raises(ConservationError, match="entries without tax accounts"):
        check_conservation(led.table(), **arrays)


@pytest.mark.parametrize(
    ("entry", "where", "identity"),
    [
        (("platform", "government", "vat"), "contract 0", "VAT on the platform's receipts"),
        (("government", "platform", "vat"), "contract 1", "VAT on the platform's receipts"),
        (("market", "government", "vat"), "contract 1", "VAT of the platform's suppliers"),
        (("government", "enterprise", "vat_credit"), "contract 6", "VAT credit of a general VAT taxpayer"),
        (("enterprise", "government", "tax"), "contract 0", "income tax on the incremental profit"),
        (("government", "enterprise", "tax_saving"), "contract 2", "income tax on the incremental profit"),
        (("platform", "government", "platform_tax"), "platform 0", "platform_tax of the platform"),
        (("platform", "market", "fixed_cost"), "platform 0", "fixed_cost of the platform"),
        (("platform", "market", "financing_cost"), "platform 1", "financing_cost of the platform"),
    ],
)
def test_conservation_fails_when_one_tax_or_cost_entry_is_altered(entry, where, identity):
    led, arrays, taxes = _taxed()
    table = led.table()
    payer, payee, kind = entry
    rows = np.flatnonzero(
        (table.payer == PARTIES.index(payer)) & (table.payee == PARTIES.index(payee)) & table.select(kind)
    )
    rows = rows[table.amount[rows] > 0]
    number = int(where.split()[1])
    rows = rows[(table.contract[rows] if where.startswith("contract") else table.platform[rows]) == number]
    table.amount[rows[0]] *= 1.01
    with pytest.raises(ConservationError, match=f"{where}: {identity}"):
        check_conservation(table, **arrays, taxes=taxes)


@pytest.mark.parametrize(
    ("payer", "payee", "kind"),
    [
        ("government", "enterprise", "tax"),  # a saving is its own kind
        ("enterprise", "government", "vat"),
        ("market", "platform", "fixed_cost"),
        ("platform", "government", "gain"),
    ],
)
def test_an_entry_between_the_wrong_parties_is_refused(payer, payee, kind):
    led, arrays = _consistent()
    led.add(payer, payee, 2, contract=0, kind=kind, amount=1.0, platform=0)
    with pytest.raises(ConservationError, match=f"{kind} from {payer} to {payee}"):
        check_conservation(led.table(), **arrays)


def test_every_kind_has_its_directions():
    assert set(DIRECTIONS) == set(KINDS)


def test_a_later_table_adds_the_entries_written_since():
    led = Ledger()
    led.add("enterprise", "platform", 0, contract=0, kind="enterprise_payment", amount=60.0, platform=0)
    first = led.table()
    led.add_schedule("market", "enterprise", [1, 2], contract=0, kind="gain", amount=[3.0, 4.0], platform=0)
    led.add("enterprise", "government", 1, contract=0, kind="tax", amount=0.5, platform=0)
    again = led.table()
    assert len(first) == 1
    np.testing.assert_array_equal(
        again.amount, [60.0, 0.5, 3.0, 4.0]
    )  # the first table's, then singles, then schedules
    np.testing.assert_array_equal(again.kind, [KIND[k] for k in ("enterprise_payment", "tax", "gain", "gain")])
    assert led.table().amount.tolist() == again.amount.tolist()  # nothing new: the same entries


@pytest.mark.parametrize("width", [1, 255, 256, 300])
def test_a_schedule_repeats_a_column_as_many_times_as_its_row_keeps_entries_however_long_the_rows(width):
    # rows shorter than 256 cells count their kept entries in bytes: a full row of 255 still counts 255, and
    # longer rows (256: one more than a byte holds) are counted as bools are summed
    amount = np.ones((3, width))
    amount[1, : width // 2] = 0.0
    contract = np.array([[7], [8], [9]])
    led = Ledger()
    led.add_schedule("market", "enterprise", 0, contract=contract, kind="gain", amount=amount, platform=contract)
    t = led.table()
    kept = [width, width - width // 2, width]
    np.testing.assert_array_equal(t.contract, np.repeat([7, 8, 9], kept))
    np.testing.assert_array_equal(t.platform, np.repeat([7, 8, 9], kept))
    assert len(t) == sum(kept)


def test_a_schedule_keeps_its_positive_entries_in_c_order_whatever_the_broadcast():
    rng = np.random.default_rng(3)
    amount = np.where(rng.random((5, 7)) < 0.4, 0.0, rng.random((5, 7)))
    month = np.arange(5)[:, None] + np.arange(7)
    contract = np.array([[4], [0], [2], [1], [3]])
    platform = np.array([2, 0, 1, 1, 0, 2, 2])  # one value per column: neither contiguous nor a column
    led = Ledger()
    led.add_schedule("market", "enterprise", month, contract=contract, kind="gain", amount=amount, platform=platform)
    led.add_schedule("market", "enterprise", 9, contract=contract, kind="gain", amount=amount[:, :1])  # scalars too
    t = led.table()
    keep = amount > 0
    shape = amount.shape
    expected = {
        "month": [*month[keep], *np.full(keep[:, 0].sum(), 9)],
        "contract": [*np.broadcast_to(contract, shape)[keep], *contract[keep[:, :1]]],
        "platform": [*np.broadcast_to(platform, shape)[keep], *np.full(keep[:, 0].sum(), -1)],
        "amount": [*amount[keep], *amount[:, :1][keep[:, :1]]],
    }
    for name, values in expected.items():
        np.testing.assert_array_equal(getattr(t, name), values)


def test_rows_of_kinds_are_the_entries_of_those_kinds_in_ledger_order():
    led = Ledger()
    for month, kind in enumerate(("gain", "tax", "gain", "tax_saving", "tax", "gain")):
        payer, payee = next(iter(DIRECTIONS[kind]))
        led.add(payer, payee, month, contract=0, kind=kind, amount=1.0 + month)
    t = led.table()
    assert t.rows("gain").tolist() == [0, 2, 5]
    assert t.rows("tax_saving", "tax").tolist() == [1, 3, 4]
    assert t.rows("subsidy").tolist() == []
    mask = t.select("tax")
    np.testing.assert_array_equal(t.total(t.rows("tax"), by="month", size=6), t.total(mask, by="month", size=6))


def test_tables_grow_past_their_room_and_earlier_tables_stay_as_they_were():
    led = Ledger()
    tables = []
    for k in range(6):  # each table more than doubles the entries: some fit in the room, some do not
        led.add_schedule("market", "enterprise", np.arange(3**k), contract=k, kind="gain", amount=1.0 + k)
        tables.append(led.table())
    for k, t in enumerate(tables):
        expected = np.concatenate([np.full(3**j, 1.0 + j) for j in range(k + 1)])
        np.testing.assert_array_equal(t.amount, expected)
        np.testing.assert_array_equal(t.contract, np.repeat(np.arange(k + 1), [3**j for j in range(k + 1)]))


_CODES = [(kind, payer, payee) for kind, pairs in DIRECTIONS.items() for payer, payee in pairs]


_STEPS = st.lists(
    st.tuples(st.sampled_from(["add", "schedule", "table"]), st.integers(0, len(_CODES) - 1), st.integers(0, 4)),
    max_size=25,
)

#: A random ledger's steps, and a question of it: kinds asked for, of a party (None: any).
_QUESTIONS = {
    "steps": _STEPS,
    "asked": st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
    "party": st.sampled_from([None, *range(len(PARTIES))]),
}


def _random_ledger(
    steps: list[tuple[str, int, int]], asked_of: Callable[[LedgerTable], object] = lambda table: None
) -> LedgerTable:
    """A ledger of single entries, schedules and tables in between, as ``steps`` say; its last table.

    ``asked_of`` is called with each table in between (its questions' answers found, the next table may begin with).
    """
    led = Ledger()
    for month, (what, c, size) in enumerate(steps):
        kind, payer, payee = _CODES[c]
        if what == "add":
            led.add(payer, payee, month, contract=size - 1, kind=kind, amount=0.1 + size / 3, platform=size % 2)
        elif what == "schedule":
            amount = (np.arange(size) % 3) / 7 * (month + 1)  # some zeros: dropped; sums depend on their order
            led.add_schedule(payer, payee, month + np.arange(size), contract=size - 2, kind=kind, amount=amount)
        else:
            asked_of(led.table())
    return led.table()


@settings(max_examples=60, deadline=None)
@given(**_QUESTIONS)
def test_entries_found_from_the_runs_are_those_the_columns_give(steps, asked, party):
    """Rows, cash flags, totals and month limits read from the runs equal those computed on every row."""
    t = _random_ledger(steps)
    of_kinds = np.isin(t.kind, [KIND[k] for k in asked])
    for who, column in (("payer", t.payer), ("payee", t.payee), ("party", None)):
        rows = t.rows(*asked, **{who: party})
        mask = of_kinds.copy()
        if party is not None:
            mask &= (t.payer == party) | (t.payee == party) if column is None else column == party
        np.testing.assert_array_equal(rows, np.flatnonzero(mask))
        np.testing.assert_array_equal(t.total(rows, by="contract", size=3), t.total(mask, by="contract", size=3))
        np.testing.assert_array_equal(t.before(rows, 7), np.flatnonzero(mask & (t.month < 7)))
        np.testing.assert_array_equal(t.read("amount", rows), t.amount[mask])
    assert np.array_equal(
        t.is_cash, ~np.isin(t.kind, [KIND[k] for k in ("shortfall", "payment_shortfall", "payment_premium")])
    )
    wanted = np.random.default_rng(len(steps)).random(len(PARTIES) ** 2 * len(KINDS)) < 0.5
    rows, codes = t.entries(wanted)
    np.testing.assert_array_equal(rows, np.flatnonzero(wanted[t.code]))
    np.testing.assert_array_equal(codes, t.code[rows])
    for start in (0, 1, len(t) // 2, len(t)):  # the entries from a row on: a run (mixed or not) taken from it
        got = [np.arange(len(t))[part] for part, _ in t.pieces(wanted, start)]
        expected = np.flatnonzero(wanted[t.code] & (np.arange(len(t)) >= start))
        np.testing.assert_array_equal(np.concatenate([np.empty(0, dtype=np.int64), *got]), expected)


@pytest.mark.parametrize("kinds", [KINDS, ("gain",), ("tax", "tax_saving", "vat"), ()])
def test_codes_of_kinds_and_parties_are_those_the_codes_spell(kinds: tuple[str, ...]) -> None:
    """A code's flag: its kind among ``kinds``, and its payer, payee or either the party asked for."""
    n = len(PARTIES)
    for payer in (None, *range(n)):
        for payee in (None, *range(n)):
            for party in (None, *range(n)):
                expected = [
                    (code // n**2 < len(KINDS) and KINDS[code // n**2] in kinds)
                    and payer in (None, code // n % n)
                    and payee in (None, code % n)
                    and party in (None, code // n % n, code % n)
                    for code in range(len(KINDS) * n**2)
                ]
                got = codes_of(kinds, payer=payer, payee=payee, party=party)
                assert got.dtype == np.bool_ and got.tolist() == expected


def test_pieces_of_a_mixed_run_answer_each_question_from_its_codes():
    """A mixed run's codes are kept once per table: each later question still gets its own rows."""
    led = Ledger()
    for month in range(6):
        led.add("government", "platform", month, contract=0, kind="subsidy", amount=1.0 + month, platform=0)
        led.add("enterprise", "platform", month, contract=1, kind="enterprise_payment", amount=2.0, platform=0)
    t = led.table()
    for kinds in (("subsidy",), ("enterprise_payment",), ("subsidy", "enterprise_payment"), ("gain",)):
        rows = [part for part, _ in t.pieces(codes_of(kinds))]
        expected = np.flatnonzero(np.isin(t.kind, [KIND[k] for k in kinds]))
        np.testing.assert_array_equal(np.concatenate([np.empty(0, dtype=np.int64), *rows]), expected)


@settings(max_examples=60, deadline=None)
@given(first=st.lists(st.integers(0, len(_CODES) - 1), min_size=1, max_size=30), seed=st.integers(0, 2**16))
def test_the_rows_of_mixed_runs_are_those_of_their_codes_however_many_are_wanted(first, seed):
    """Rows of mixed runs (one from row 0, one after): of one code, of a few compared, of many gathered."""
    rng = np.random.default_rng(seed)
    led = Ledger()
    for part in (first, [int(c) for c in rng.integers(0, len(_CODES), 12)]):
        for month, c in enumerate(part):
            kind, payer, payee = _CODES[c]
            led.add(payer, payee, month, contract=month % 3, kind=kind, amount=1.0 + month, platform=0)
        t = led.table()  # the second table: a mixed run from row len(first) too
    for _ in range(6):
        wanted = rng.random(len(codes_of())) < rng.choice([0.002, 0.01, 0.5, 0.9])
        for _ in range(2):  # asked again: the rows of one code are the same (read-only) array
            rows = [part for part, _ in t.pieces(wanted)]
            got = np.concatenate([np.empty(0, dtype=np.int64), *(np.arange(len(t))[p] for p in rows)])
            np.testing.assert_array_equal(got, np.flatnonzero(wanted[t.code]))
    one = t.code[0]
    alone = np.zeros(len(codes_of()), dtype=bool)
    alone[one] = True
    if not alone[t.code[: len(first)]].all():  # some but not all of the first run's rows: indices, kept
        rows = t.pieces(alone)[0][0]
        assert not rows.flags.writeable and t.pieces(alone)[0][0] is rows


@settings(max_examples=60, deadline=None)
@given(steps=_STEPS, months=st.integers(1, 30))
def test_cash_flows_read_by_runs_are_those_of_every_row(steps, months):
    """The accounts' flows, read run by run, equal sums over every row in ledger order (np.add.at)."""
    t = _random_ledger(steps)
    n = len(PARTIES)
    cash = t.is_cash & (t.month >= 0) & (t.month < months)
    expected = np.zeros((months, n))
    for column, sign in ((t.payee, 1.0), (t.payer, -1.0)):
        side = np.zeros((months, n))
        np.add.at(side, (t.month[cash], column[cash]), t.amount[cash])
        expected += sign * side
    np.testing.assert_array_equal(cash_flows(t, months), expected[:, [0, 1, 2]])
    for few in (1, len(t) + 1):  # every row a cell on each side, or only on a side that leaves none out
        with mock.patch.object(accounts, "_FEW_LEFT_OUT", few):
            assert cash_flows(t, months).tobytes() == expected[:, [0, 1, 2]].tobytes()
    of_platform = cash & (t.platform >= 0)  # each platform's receipts, less what it pays
    sides = [np.zeros((months, 2)), np.zeros((months, 2))]
    for side, column in zip(sides, (t.payee, t.payer), strict=True):
        mine = of_platform & (column == PLATFORM)
        np.add.at(side, (t.month[mine], t.platform[mine]), t.amount[mine])
    np.testing.assert_array_equal(platform_cash_flows(t, months, 2), sides[0] - sides[1])
    signed = np.array([0.0, 0.7, 0.2, 0.9])  # the signing months: before every entry
    flows = party_flows(t, tuple(range(3)), signed, months)
    for party, got in zip(range(3), flows, strict=True):
        mine = cash & (t.contract >= 0) & ((t.payer == party) | (t.payee == party))
        weight = np.where(t.payer[mine] == party, -t.amount[mine], t.amount[mine])
        since = np.zeros((months, 4))
        con = t.contract[mine]
        np.add.at(since, (t.month[mine] - np.floor(signed[con]).astype(int), con), weight)
        np.testing.assert_array_equal(got, since.T)
    for party, got in zip(range(3), party_flows(t, tuple(range(3)), signed, months, trim=True), strict=True):
        whole = flows[party]  # trimmed: up to the last month holding an entry of the party, at least one
        mine = cash & (t.contract >= 0) & ((t.payer == party) | (t.payee == party))
        held = t.month[mine] - np.floor(signed[t.contract[mine]]).astype(int)
        assert got.shape == (4, held.max() + 1 if len(held) else 1) and got.flags.f_contiguous
        np.testing.assert_array_equal(got, whole[:, : got.shape[1]])
        assert not whole[:, got.shape[1] :].any()


def test_single_entries_are_read_whole_blocks_and_the_rest_alike():
    """More single entries than a packing block: every column as the entries were added."""
    rng = np.random.default_rng(5)
    n = 2 * 1024 + 37
    month, contract, platform = rng.integers(0, 500, n), rng.integers(-1, 10**6, n), rng.integers(-1, 300, n)
    amount = rng.random(n) * 1e6
    codes = [_CODES[k] for k in rng.integers(0, len(_CODES), n)]
    led = Ledger()
    for k, (kind, payer, payee) in enumerate(codes):
        led.add(
            payer,
            payee,
            int(month[k]),
            contract=int(contract[k]),
            kind=kind,
            amount=amount[k],
            platform=int(platform[k]),
        )
    t = led.table()
    for name, values in (("month", month), ("contract", contract), ("platform", platform), ("amount", amount)):
        np.testing.assert_array_equal(getattr(t, name), values)
    np.testing.assert_array_equal(t.kind, [KIND[kind] for kind, _, _ in codes])
    np.testing.assert_array_equal(t.payer, [PARTIES.index(payer) for _, payer, _ in codes])
    np.testing.assert_array_equal(t.payee, [PARTIES.index(payee) for _, _, payee in codes])


def test_a_mixed_run_keeps_each_row_s_code_and_the_codes_present():
    """The codes a mixed run's rows are read by: each row's, and the distinct ones, in order."""
    led = Ledger()
    for month in range(5):
        led.add("government", "platform", month, contract=0, kind="subsidy", amount=1.0, platform=0)
        led.add("enterprise", "platform", month, contract=1, kind="enterprise_payment", amount=2.0, platform=0)
    led.add("government", "enterprise", 5, contract=1, kind="subsidy", amount=3.0, platform=0)
    t = led.table()
    codes, present = t._mixed(2, len(t))
    np.testing.assert_array_equal(codes, t.code[2:])
    np.testing.assert_array_equal(present, np.unique(t.code[2:]))
    assert codes.dtype == np.int16 and t._mixed(2, len(t))[0] is codes  # read once per table
    every = np.zeros(len(codes_of()), dtype=bool)
    every[present] = True  # every code present: the whole run, as indices
    assert [(p.tolist(), c) for p, c in t.pieces(every)] == [(list(range(len(t))), -1)]


def test_bounds_of_a_slice_are_read_once_and_those_of_indices_each_time():
    """A column's least and greatest value at some rows: a slice's kept for the table, indices' not."""
    led = Ledger()
    led.add_schedule("market", "enterprise", [7, 2, 9, 4], contract=[3, -1, 5, 0], kind="gain", amount=1.0)
    t = led.table()
    month = t.month[1:4]
    assert t.bounds("month", slice(1, 4), month) == (2, 9)
    assert t.bounds("month", slice(1, 4), month[:1]) == (2, 9)  # kept: not read again
    assert t.bounds("month", slice(0, 2), t.month[0:2]) == (2, 7)  # another slice: its own
    assert t.bounds("contract", slice(1, 4), t.contract[1:4]) == (-1, 5)  # another column: its own
    rows = np.array([0, 3])
    assert t.bounds("month", rows, t.month[rows]) == (4, 7)
    assert t.bounds("month", rows, t.month[rows][:1]) == (7, 7)  # indices: read each time
    np.testing.assert_array_equal(t.before(np.arange(4), 7), [1, 3])
    np.testing.assert_array_equal(t.before(rows, 8), rows)
    np.testing.assert_array_equal(t.total(np.arange(4), by="contract", size=4), [1.0, 0.0, 0.0, 1.0])


def test_the_part_of_runs_one_after_another_is_a_slice_and_rows_are_its_indices():
    """A question answered by runs that adjoin is one slice (no index written); any other, indices."""
    led = Ledger()
    led.add("government", "platform", 0, contract=0, kind="subsidy", amount=1.0, platform=0)  # a mixed run
    led.add_schedule("market", "enterprise", [1, 2], contract=0, kind="gain", amount=2.0)  # rows 1-2
    led.add_schedule("enterprise", "government", [3, 9], contract=0, kind="tax", amount=3.0)  # rows 3-4
    led.add_schedule("market", "enterprise", [5], contract=1, kind="gain", amount=4.0)  # row 5
    t = led.table()
    assert t.part("gain", "tax") == slice(1, 6) and t.part("gain", "tax") is t.part("tax", "gain")  # once per table
    np.testing.assert_array_equal(t.rows("gain", "tax"), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(t.part("gain"), [1, 2, 5])  # runs apart: indices
    np.testing.assert_array_equal(t.part("subsidy", "tax"), [0, 3, 4])  # a mixed run's: indices
    assert len(t.part("reward")) == 0 and t.rows("reward").dtype == np.int64
    assert t.before(t.part("tax"), 10) == slice(3, 5)  # all before: the slice itself
    np.testing.assert_array_equal(t.before(t.part("tax"), 9), [3])
    np.testing.assert_array_equal(t.read("month", slice(3, 5)), [3, 9])
    np.testing.assert_array_equal(t.total(slice(1, 6), by="contract", size=1), [2.0 + 2.0 + 3.0 + 3.0])
    np.testing.assert_array_equal(t.total(t.part("gain", "tax"), by="month", size=4), [0.0, 2.0, 2.0, 3.0])


@given(
    st.lists(
        st.tuples(
            st.integers(0, 200),
            st.integers(0, 10**6),
            st.one_of(st.just(0.0), st.just(-0.0), st.floats(min_value=0.0, allow_infinity=False)),
            st.one_of(st.just(0.0), st.just(-0.0), st.floats(min_value=0.0, allow_infinity=False)),
            st.integers(-1, 300),
        ),
        max_size=20,
    )
)
@settings(max_examples=50, deadline=None)
def test_a_coded_pair_is_the_two_coded_entries_one_after_the_other(
    entries: list[tuple[int, int, float, float, int]],
) -> None:
    pay, cost = (
        Ledger.code("enterprise", "platform", "enterprise_payment"),
        Ledger.code("enterprise", "market", "internal_cost"),
    )
    one_by_one, paired = Ledger(), Ledger()
    for month, contract, amount, then_amount, platform in entries:
        one_by_one.add_coded(pay, month, contract, amount, platform)
        one_by_one.add_coded(cost, month, contract, then_amount, platform)
        paired.add_coded_pair(pay, amount, cost, then_amount, month, contract, platform)
    want, got = one_by_one.table(), paired.table()
    for name in ("month", "payer", "payee", "kind", "contract", "platform", "amount"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), strict=True)
    assert got.runs == want.runs


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
@pytest.mark.parametrize("first", [True, False])
def test_a_coded_pair_refuses_what_add_coded_refuses_and_writes_what_came_before(bad: float, first: bool) -> None:
    led = Ledger()
    pay, cost = (
        Ledger.code("enterprise", "platform", "enterprise_payment"),
        Ledger.code("enterprise", "market", "internal_cost"),
    )
    with pytest.raises(ConservationError, match=r"amount.*\((enterprise_payment|internal_cost)\)"):
        led.add_coded_pair(pay, bad if first else 5.0, cost, 3.0 if first else bad, 0, 0, 0)
    assert led.table().amount.tolist() == ([] if first else [5.0])


def _answers(t: LedgerTable, asked: list[str], party: int | None) -> list[Any]:
    """What the results ask of a table: rows, parts, totals, rows before a month, pieces and entries."""
    wanted = codes_of(tuple(asked), party=party)
    part = t.part(*asked, party=party)
    return [
        t.rows(*asked, party=party),
        t.total(part, by="contract", size=3),
        t.total(part, by="month", size=30),
        t.before(part, 7),
        t.read("amount", part),
        [(p if isinstance(p, slice) else p.tolist(), code) for p, code in t.pieces(wanted)],
        *t.entries(wanted),
        platform_cash_flows(t, 30, 2),  # a later table's from the sums the earlier kept
    ]


@settings(max_examples=60, deadline=None)
@given(**_QUESTIONS)
def test_a_later_table_answers_as_one_that_found_everything_itself(steps, asked, party):
    """A later table begins with what earlier tables found of their rows; its answers are a fresh table's."""
    # what each table in between finds, the next begins with
    t = _random_ledger(steps, asked_of=lambda table: _answers(table, asked, party))
    fresh = LedgerTable(**{name: getattr(t, name).copy() for name in _COLUMNS}, runs=t.runs)
    for got, expected in zip(_answers(t, asked, party), _answers(fresh, asked, party), strict=True):
        if isinstance(got, np.ndarray):
            np.testing.assert_array_equal(got, expected)
            assert got.dtype == expected.dtype
        else:
            assert got == expected


_COLUMNS = ("month", "payer", "payee", "kind", "contract", "platform", "amount")


def test_a_later_tables_platform_flows_go_on_from_the_earlier_sums_in_ledger_order():
    """A later table adds its entries after the earlier's to the sums it kept one by one: a fresh table's flows."""
    rng = np.random.default_rng(3)
    led = Ledger()

    def schedules(*codes: tuple[str, str, str]) -> None:  # several entries a cell, of inexact amounts: order matters
        for payer, payee, kind in codes:
            month, platform = rng.integers(-1, 4, 30), rng.integers(-1, 2, 30)
            amount = rng.uniform(0.1, 1e3, 30)
            led.add_schedule(payer, payee, month, contract=0, kind=kind, amount=amount, platform=platform)

    def singles() -> None:
        for _ in range(30):
            month, platform, amount = int(rng.integers(-1, 4)), int(rng.integers(-1, 2)), float(rng.uniform(0.1, 1e3))
            led.add(
                "enterprise", "platform", month, contract=0, kind="enterprise_payment", amount=amount, platform=platform
            )
            led.add("platform", "government", month, contract=0, kind="vat", amount=amount / 7, platform=platform)

    def table() -> tuple[LedgerTable, list[bytes]]:  # a table and its flows, asked at once (as the close asks)
        t = led.table()
        return t, [platform_cash_flows(t, months, 2).tobytes() for months in (3, 4)]

    cost, subsidy = ("platform", "market", "delivery_cost"), ("government", "platform", "subsidy")
    singles()
    schedules(cost, subsidy)
    tables = [table()]
    schedules(subsidy, cost)  # the subsidies: a run that goes on from the last table's last
    tables.append(table())
    singles()
    schedules(cost)
    tables.append(table())
    assert tables[1][0].runs[-2] == (len(tables[0][0]) + 30, tables[0][0].runs[-1][1])
    for t, flows in tables:
        assert t.kept(("platform_cash_flows", 3, 2))[0] == len(t)
        fresh = LedgerTable(**{name: getattr(t, name).copy() for name in _COLUMNS}, runs=t.runs)
        assert flows == [platform_cash_flows(fresh, months, 2).tobytes() for months in (3, 4)]


def test_a_later_table_has_copies_of_what_the_earlier_found_not_its_questions():
    """The mixed runs' codes, a code's rows and slices' bounds are carried (as copies); questions' rows are not."""
    led = Ledger()
    led.add("government", "platform", 0, contract=0, kind="subsidy", amount=1.0, platform=0)
    led.add("enterprise", "platform", 0, contract=1, kind="enterprise_payment", amount=2.0, platform=0)
    led.add_schedule("market", "enterprise", [1, 2], contract=1, kind="gain", amount=3.0)
    first = led.table()
    np.testing.assert_array_equal(first.rows("subsidy"), [0])
    assert first.bounds("month", first.part("gain"), first.read("month", first.part("gain"))) == (1, 2)
    led.add_schedule("market", "enterprise", [3], contract=0, kind="gain", amount=4.0)
    later = led.table()
    for name in ("_mixed_codes", "_code_rows", "_bounds"):
        carried, found = later.__dict__[name], first.__dict__[name]
        assert carried.keys() == found.keys() and carried is not found
        assert all(carried[key] is found[key] for key in found)  # the same (read-only) values
    assert "_rows" not in later.__dict__  # the gains are one run longer now
    assert later.part("gain") == slice(2, 5)
    np.testing.assert_array_equal(later.rows("subsidy"), [0])


def test_a_column_at_indices_is_the_index_array_s_and_rows_beyond_the_table_are_refused():
    """Indices are gathered unchecked only where they lie in the column; beyond it, refused as before."""
    led = Ledger()
    led.add_schedule("market", "enterprise", [7, 2, 9, 4, 5], contract=[3, 1, 5, 0, 2], kind="gain", amount=1.0)
    t = led.table()
    for taken in (0, 1024):  # by take (unchecked where in range), and by the index array
        with mock.patch.object(ledger, "_TAKEN", taken):
            for rows in ([0, 2, 4], [1, 3], [-2, 4], []):
                index = np.array(rows, dtype=np.int64)
                np.testing.assert_array_equal(t.read("month", index), t.month[index])
            with pytest.raises(IndexError):
                t.read("month", np.array([1, 5]))
    with pytest.raises(IndexError):  # a contract beyond those signed: refused, as the index array refused it
        party_flows(t, (ENTERPRISE,), np.zeros(3), 12)


@settings(max_examples=80, deadline=None)
@given(steps=_STEPS)
def test_totals_per_contract_and_code_are_sums_in_ledger_order(steps):
    """The conservation check's totals, runs alone or joined with mixed runs, are sums in ledger order (np.add.at)."""
    t = _random_ledger(steps)
    totals = ledger._ContractTotals(t, 3)
    column = ledger._COLUMN[t.code]
    mine = (column >= 0) & (t.contract >= 0) & (t.contract < 3)
    expected = np.zeros(totals.sums.shape)
    np.add.at(expected, (column[mine], t.contract[mine]), t.amount[mine])
    np.testing.assert_array_equal(totals.sums, expected)
