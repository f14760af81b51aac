"""The three-party ledger: round trip of entries, refusal of bad amounts, conservation identities."""

from __future__ import annotations

import numpy as np
import pytest

from dxsim.model.ledger import KIND, PARTIES, ConservationError, Ledger, check_conservation


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
    assert len(led.table()) == 0  # nothing half-written


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
