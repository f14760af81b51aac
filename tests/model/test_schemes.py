"""Payment schemes: the enterprise's payments month by month, and their money in a whole run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.ledger import KIND
from dxsim.model.schemes import deferred_owed, deferred_payments, due_if_failed, expected_payments, fixed_payments
from dxsim.model.world import World
from dxsim.random import replication_key
from dxsim.scenario.schema import Hybrid, Installments, RevenueShare, Subscription, Upfront

ROW = np.array([1000.0])


def rs(**kw) -> RevenueShare:
    """A revenue share of the whole realised gain (nothing under-reported)."""
    return RevenueShare(scheme="revenue_share", **({"rate": 0.5, "term_months": 24, "reported_share": 1.0} | kw))


def test_fixed_parts_add_up_to_what_is_owed():
    owed = np.array([1000.0, 0.0, 333.0])
    for scheme in (Upfront(), Installments(scheme="installments", months=7)):
        np.testing.assert_allclose(fixed_payments(scheme, owed, 10).sum(axis=1), owed)
    hybrid = Hybrid(scheme="hybrid", upfront_fraction=0.3, rate=0.5, term_months=24)
    np.testing.assert_allclose(fixed_payments(hybrid, owed, 1)[:, 0], 0.3 * owed)
    np.testing.assert_allclose(deferred_owed(hybrid, owed), 0.7 * owed)


def test_revenue_share_pays_the_rate_until_the_cap():
    gain = np.full((1, 30), 100.0)
    pay = deferred_payments(rs(cap_multiple=1.2, term_months=24), ROW, gain, np.array([2]), np.array([True]))
    assert (pay[0, :2] == 0).all()  # nothing before go-live
    assert pay[0, 2] == 50.0  # rate x gain
    assert pay.sum() == pytest.approx(1200.0)  # stops at cap_multiple x part
    assert (np.cumsum(pay) <= 1200.0 + 1e-9).all()


def test_revenue_share_stops_at_the_end_of_the_term_short_of_the_part():
    gain = np.full((1, 40), 20.0)
    pay = deferred_payments(rs(term_months=24), ROW, gain, np.array([0]), np.array([True]))
    assert pay.sum() == pytest.approx(24 * 10.0)
    assert (pay[0, 24:] == 0).all()


def test_the_enterprise_pays_the_rate_of_what_it_reports():
    gain = np.full((1, 30), 100.0)
    pay = deferred_payments(rs(reported_share=0.8), ROW, gain, np.array([0]), np.array([True]))
    np.testing.assert_allclose(pay[0, :24], 0.5 * 0.8 * 100.0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    rate=st.floats(0.01, 0.10),
    cap=st.floats(1.2, 3.0),
    term=st.integers(24, 96),
    revenue=st.floats(0.0, 2e3),
    start=st.integers(0, 10),
    works=st.booleans(),
)
def test_a_share_of_revenue_pays_the_rate_of_revenue_each_month_up_to_the_cap_and_term(
    rate, cap, term, revenue, start, works
):
    on_sales = RevenueShare(scheme="revenue_share", base="revenue", rate=rate, cap_multiple=cap, term_months=term)
    months = 120
    pay = deferred_payments(
        on_sales, ROW, np.zeros((1, months)), np.array([start]), np.array([works]), revenue=np.array([revenue])
    )[0]
    expected = np.zeros(months)  # month by month: rate x revenue / month, until the cap or the term's end
    total = 0.0
    for m in range(start, start + term):
        expected[m] = min(rate * revenue, cap * 1000.0 - total)
        total += expected[m]
    np.testing.assert_allclose(pay, expected, atol=1e-9)  # failed or not


def test_a_share_of_revenue_needs_the_revenue():
    on_sales = RevenueShare(scheme="revenue_share", base="revenue")
    with pytest.raises(ValueError, match="revenue"):
        deferred_payments(on_sales, ROW, np.zeros((1, 5)), np.array([0]), np.array([True]))


def test_a_failed_project_pays_nothing_under_revenue_share_and_the_fee_under_subscription():
    gain = np.full((1, 30), 100.0)
    assert deferred_payments(rs(floor=10.0), ROW, gain, np.array([0]), np.array([False])).sum() == 0.0
    sub = Subscription(scheme="subscription", term_months=10)
    pay = deferred_payments(sub, ROW, np.zeros((1, 30)), np.array([3]), np.array([False]))
    np.testing.assert_allclose(pay[0, 3:13], 100.0)  # fee = part / term, working or not
    assert pay.sum() == pytest.approx(1000.0)


@pytest.mark.parametrize("name", ["revenue_share", "revenue_share_on_revenue", "subscription", "hybrid"])
def test_a_failed_project_pays_the_same_or_nothing_from_golive_as_due_if_failed_says(name):
    scheme = dx.load_scenario("small").with_overrides({"contract.payment": PAYMENTS[name]}).contract.payment
    gain, revenue = np.full((1, 30), 100.0), np.array([400.0])
    ok, failed = (deferred_payments(scheme, ROW, gain, np.array([2]), np.array([w]), revenue) for w in (True, False))
    assert ok.any()
    np.testing.assert_array_equal(failed, ok if due_if_failed(scheme) else np.zeros_like(ok))


@pytest.mark.parametrize(
    "name", ["upfront", "installments", "revenue_share", "revenue_share_on_revenue", "subscription", "hybrid"]
)
def test_expected_payments_are_the_fixed_part_and_what_is_paid_from_golive_in_each_case(name):
    scheme = dx.load_scenario("small").with_overrides({"contract.payment": PAYMENTS[name]}).contract.payment
    owed, golive, revenue = np.array([1000.0, 600.0]), np.array([2.4, 0.0]), np.array([400.0, 50.0])
    gain = np.vstack([np.full(40, 100.0), np.linspace(0.0, 80.0, 40)])
    ok, failed = expected_payments(scheme, owed, 40, golive, gain, revenue)
    fixed = fixed_payments(scheme, owed, 40)
    start = golive.astype(np.int64)
    works, fails = np.ones(2, dtype=bool), np.zeros(2, dtype=bool)
    np.testing.assert_array_equal(ok, fixed + deferred_payments(scheme, owed, gain, start, works, revenue))
    np.testing.assert_array_equal(failed, fixed + deferred_payments(scheme, owed, 0 * gain, start, fails, revenue))
    assert (failed is ok) == (due_if_failed(scheme) or name in ("upfront", "installments"))
    if name not in ("upfront", "installments"):  # paid from go-live: the gain expected is needed
        with pytest.raises(ValueError, match="gain expected"):
            expected_payments(scheme, owed, 40, golive, None, revenue)


def test_the_floor_applies_while_the_solution_works():
    gain = np.zeros((1, 30))
    pay = deferred_payments(rs(floor=30.0, term_months=24), ROW, gain, np.array([1]), np.array([True]))
    np.testing.assert_allclose(pay[0, 1:25], 30.0)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    rate=st.floats(0.01, 1.0),
    cap=st.floats(1.2, 3.0),
    term=st.integers(24, 40),
    floor=st.floats(0.0, 50.0),
    gains=st.lists(st.floats(0.0, 500.0), min_size=40, max_size=40),
    start=st.integers(0, 10),
)
def test_revenue_share_never_exceeds_its_cap_nor_pays_outside_its_term(rate, cap, term, floor, gains, start):
    scheme = rs(rate=rate, cap_multiple=cap, term_months=term, floor=floor)
    pay = deferred_payments(scheme, ROW, np.array([gains]), np.array([start]), np.array([True]))
    assert (pay >= -1e-9).all()
    assert pay.sum() <= cap * 1000.0 + 1e-6
    outside = np.ones(40, dtype=bool)
    outside[start : start + term] = False
    assert (pay[0, outside] == 0).all()


PAYMENTS = {
    "upfront": {"scheme": "upfront"},
    "installments": {"scheme": "installments", "months": 12},
    "revenue_share": {"scheme": "revenue_share", "rate": 0.5, "cap_multiple": 1.2, "term_months": 24},
    "revenue_share_on_revenue": {"scheme": "revenue_share", "base": "revenue", "rate": 0.05, "term_months": 24},
    "subscription": {"scheme": "subscription", "term_months": 24},
    "hybrid": {"scheme": "hybrid", "upfront_fraction": 0.3, "rate": 0.5, "term_months": 24},
}


@pytest.mark.parametrize("name", list(PAYMENTS))
def test_each_scheme_conserves_money_in_a_run(name):
    sc = dx.load_scenario("small").with_overrides({"contract.payment": PAYMENTS[name], "horizon_months": 48})
    run = World(sc, replication_key(3, 0)).run()  # conservation is checked inside the run
    t, a = run.ledger, run.adopters
    n = len(a["price_paid"])
    assert n > 20
    paid = t.total(t.select("enterprise_payment"), by="contract", size=n)
    premium = t.total(t.select("payment_premium"), by="contract", size=n)
    short = t.total(t.select("payment_shortfall"), by="contract", size=n)
    settled = ~np.isnan(a["golive_month"])
    owed = a["enterprise_part"]  # no subsidy is paid to the enterprise in small
    # enterprise paid - enterprise part = the platform's revenue-share gain or loss
    np.testing.assert_allclose((paid - owed)[settled], (premium - short)[settled], atol=1e-6)
    if name == "upfront":
        assert not (t.kind == KIND["payment_shortfall"]).any()
    if name == "installments":  # only the instalments after an enterprise's exit are written off
        owes_at_exit = a["exit_month"] < np.floor(a["signed_month"]) + 11  # exits before its last instalment
        assert (short > 0).any()
        np.testing.assert_array_equal(short > 0, owes_at_exit)
    if name == "revenue_share":
        assert short[a["failed_flag"] == 1] == pytest.approx(owed[a["failed_flag"] == 1])
    if name == "revenue_share_on_revenue":  # failed or not, it pays 5% of revenue until 1.5 x its part
        due = np.minimum(1.5 * owed, 24 * 0.05 * a["adopter_revenue"] / 12.0)
        stays = settled & np.isnan(a["exit_month"])  # an enterprise that exits stops paying (test_lifecycle.py)
        np.testing.assert_allclose(paid[stays], due[stays], rtol=1e-9)
        assert (a["failed_flag"][settled] == 1).any()
