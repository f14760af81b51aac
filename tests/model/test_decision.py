"""The adoption decision is monotone in money, in perceived failure, and respects liquidity.

Hypothesis draws whole arrays of enterprises (``decide`` evaluates a month's
considerers together), so the properties are checked row by row on arrays.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxsim.finance import discount_factors, gain_profile, monthly_rate, straight_line
from dxsim.model import decision
from dxsim.model.decision import (
    Offer,
    _ramp_cost,
    _repaid_by_limit,
    _size,
    _tax_bounds,
    _timings,
    _upper_bound,
    decide,
)
from dxsim.model.schemes import fixed_months, fixed_payments
from dxsim.model.tax import TaxLaw, TaxPosition
from dxsim.scenario.schema import Hybrid, Installments, RevenueShare, Subscription, Upfront

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)
HORIZON = 36


@st.composite
def cases(draw, *, subscription: bool = True):
    """An offer and the enterprises' attributes (arrays of one length).

    Go-live, acceptance and instalments may fall after the evaluation horizon H.
    """
    n = draw(st.integers(1, 12))

    def arr(lo, hi):
        return np.array(draw(st.lists(st.floats(lo, hi, allow_subnormal=False), min_size=n, max_size=n)))

    delay = draw(st.floats(0.0, 6.0))
    scheme = draw(
        st.one_of(
            st.just(Upfront()), st.integers(1, HORIZON).map(lambda m: Installments(scheme="installments", months=m))
        )
    )
    offer = Offer(
        owed=arr(0.0, 5e5),
        scheme=scheme,
        receive_signing=arr(0.0, 1e5),
        receive_golive=arr(0.0, 1e5),
        receive_acceptance=arr(0.0, 1e5),
        golive=arr(0.0, 1.5 * HORIZON),
        acceptance_delay=delay,
        subscription=arr(0.0, 2e4) if subscription else np.zeros(n),
    )
    lifetime = arr(1.0, 120.0)
    attrs = dict(
        gain=arr(0.0, 5e4),
        ramp=arr(0.0, 1.0) * lifetime,
        lifetime=lifetime,
        hurdle_rate=arr(0.0, 0.6),
        failure=arr(0.0, 1.0),
        horizon=HORIZON,
        max_payback=arr(1.0, 80.0),
        liquidity=arr(0.0, 5e5),
    )
    return offer, attrs


def _more(draw, offer, field):
    extra = np.array(draw(st.lists(st.floats(0.0, 2e5), min_size=len(offer.owed), max_size=len(offer.owed))))
    return dataclasses.replace(offer, **{field: getattr(offer, field) + extra})


@SETTINGS
@given(case=cases(), field=st.sampled_from(["receive_signing", "receive_golive", "receive_acceptance"]), data=st.data())
def test_more_programme_money_never_turns_adoption_into_rejection(case, field, data):
    offer, attrs = case
    before = decide(offer, **attrs)
    after = decide(_more(data.draw, offer, field), **attrs)
    assert not (before.adopt & ~after.adopt).any()


@SETTINGS
@given(case=cases(), data=st.data())
def test_owing_less_never_turns_adoption_into_rejection(case, data):
    offer, attrs = case
    cut = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(offer.owed), max_size=len(offer.owed))))
    before = decide(offer, **attrs)
    after = decide(dataclasses.replace(offer, owed=offer.owed * cut), **attrs)
    assert not (before.adopt & ~after.adopt).any()


@SETTINGS
@given(case=cases(subscription=False), data=st.data())
def test_higher_perceived_failure_never_turns_rejection_into_adoption(case, data):
    # Without a subscription success is never worse than failure in any month
    # (a failed project pays no subscription, so with one the property need not hold).
    offer, attrs = case
    rise = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(offer.owed), max_size=len(offer.owed))))
    higher = attrs["failure"] + rise * (1.0 - attrs["failure"])
    before = decide(offer, **attrs)
    after = decide(offer, **{**attrs, "failure": higher})
    assert not (~before.adopt & after.adopt).any()


@SETTINGS
@given(case=cases(), short=st.floats(1e-6, 1.0))
def test_liquidity_below_what_is_due_at_signing_forces_rejection(case, short):
    offer, attrs = case
    n_pay = getattr(offer.scheme, "months", 1)
    due = offer.owed / n_pay - offer.receive_signing
    attrs = {**attrs, "liquidity": due - short * (1.0 + np.abs(due))}
    decision = decide(offer, **attrs)
    np.testing.assert_allclose(decision.due_at_signing, due)
    assert not decision.adopt.any()


def test_a_free_profitable_project_is_adopted_and_a_costly_useless_one_is_not():
    one = np.ones(2)
    offer = Offer(
        owed=np.array([0.0, 1e6]),
        scheme=Upfront(),
        receive_signing=0 * one,
        receive_golive=0 * one,
        receive_acceptance=0 * one,
        golive=one,
        acceptance_delay=3.0,
        subscription=0 * one,
    )
    d = decide(
        offer,
        gain=np.array([1e3, 0.0]),
        ramp=0 * one,
        lifetime=60 * one,
        hurdle_rate=0.1 * one,
        failure=0.3 * one,
        horizon=HORIZON,
        max_payback=24 * one,
        liquidity=1e7 * one,
    )
    np.testing.assert_array_equal(d.adopt, [True, False])


# ------------------------------------------- money due after the horizon
# Regressions: decide() used to put money due at or after its schedule window M
# into month M - 1, so with M == H money received after the evaluation horizon
# counted in V, and since M is sized from every screened-in row's max_payback,
# more money for a neighbour could turn an adoption into a rejection.
def _late_money_case(receive_acceptance):
    """Enterprise A: go-live at 26, acceptance 10 months later = month 36 = H, beyond the NPV window."""
    offer = Offer(
        owed=np.array([1000.0]),
        scheme=Upfront(),
        receive_signing=np.zeros(1),
        receive_golive=np.zeros(1),
        receive_acceptance=np.array([receive_acceptance]),
        golive=np.array([26.0]),
        acceptance_delay=10.0,
        subscription=np.zeros(1),
    )
    attrs = dict(
        gain=np.array([300.0]),
        ramp=np.zeros(1),
        lifetime=np.array([60.0]),
        hurdle_rate=np.array([0.6]),
        failure=np.zeros(1),
        horizon=HORIZON,
        max_payback=np.array([30.0]),
        liquidity=np.array([1e9]),
    )
    return offer, attrs


def test_money_received_after_the_horizon_does_not_count():
    with_money = _decide(_late_money_case(500.0))
    without = _decide(_late_money_case(0.0))
    np.testing.assert_allclose(with_money.value, without.value)


def test_more_money_for_a_neighbour_never_turns_adoption_into_rejection():
    offer_a, attrs_a = _late_money_case(500.0)
    b = dict(owed=1e6, receive_signing=0.0, golive=1.0, gain=0.0, hurdle_rate=0.1, max_payback=100.0)

    def both(b_money):
        offer = Offer(
            owed=np.r_[offer_a.owed, b["owed"]],
            scheme=Upfront(),
            receive_signing=np.r_[offer_a.receive_signing, b_money],
            receive_golive=np.zeros(2),
            receive_acceptance=np.r_[offer_a.receive_acceptance, 0.0],
            golive=np.r_[offer_a.golive, b["golive"]],
            acceptance_delay=offer_a.acceptance_delay,
            subscription=np.zeros(2),
        )
        attrs = {k: np.r_[v, b.get(k, v[0])] if isinstance(v, np.ndarray) else v for k, v in attrs_a.items()}
        return decide(offer, **attrs)

    before, after = both(0.0), both(2e6)
    assert not before.adopt[1] and after.adopt[1]  # B adopts only with the money
    assert not (before.adopt[0] and not after.adopt[0])  # A's adoption must not flip to rejection


def _decide(case):
    offer, attrs = case
    return decide(offer, **attrs)


# ------------------------------------------------------------------ tax
LAW = TaxLaw(0.25, 0.15, 0.05, 0.20, 24.0, 3e6, 0.25, 0.06, 0.5, 5e6)


@st.composite
def tax_positions(draw, n: int):
    """A tax law (preferential rates at most the general one, or a flat rate) and n enterprises' positions."""
    general = draw(st.floats(0.05, 0.4))
    below = st.floats(0.0, 1.0).map(lambda share: share * general)
    law = TaxLaw(
        general,
        draw(below),
        draw(below),
        draw(below),
        float(draw(st.integers(0, 60))),
        draw(st.sampled_from([0.0, 1e6, 3e6])),
        0.25,
        draw(st.floats(0.0, 0.2)),
        0.5,
        5e6,
        draw(st.one_of(st.none(), st.floats(0.0, 0.4))),
    )

    def arr(elements):
        return np.array(draw(st.lists(elements, min_size=n, max_size=n)))

    return TaxPosition(
        law,
        arr(st.floats(-1e6, 5e6)),
        arr(st.booleans()),
        arr(st.booleans()),
        draw(st.integers(0, 48)),
    )


schemes = st.sampled_from(
    [
        Upfront(),
        Installments(scheme="installments", months=12),
        RevenueShare(scheme="revenue_share", rate=0.5, cap_multiple=1.5, term_months=24, floor=1e3),
        Subscription(scheme="subscription", term_months=24),
        Subscription(scheme="subscription", fee=2e4, term_months=24),
        Hybrid(scheme="hybrid", upfront_fraction=0.3, rate=0.5, term_months=24),
    ]
)


def taxed(case, scheme, data):
    """A case's offer under ``scheme``, its attributes, and a tax position drawn for it (None: no tax at all)."""
    offer, attrs = case
    offer = dataclasses.replace(offer, scheme=scheme)
    return offer, attrs, data.draw(st.one_of(st.none(), tax_positions(len(offer.owed))))


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_the_quick_screen_never_changes_a_decision(case, scheme, data):
    # the bound counts the gain from go-live at the lowest rate and the largest saving the deduction
    # could bring, both discounted: no enterprise it rules out would adopt
    offer, attrs, tax = taxed(case, scheme, data)
    quick = decide(offer, **attrs, tax=tax)
    full = decide(offer, **attrs, tax=tax, screen=False)
    np.testing.assert_array_equal(quick.adopt, full.adopt)
    seen = ~np.isnan(quick.value)
    np.testing.assert_array_equal(quick.value[seen], full.value[seen])
    assert not (full.value[~seen & (full.due_at_signing <= attrs["liquidity"])] > 0).any()


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_discount_factors_computed_before_give_the_same_decisions_bit_for_bit(case, scheme, data):
    # a cohort's members have their discount factors computed once (Inputs.discounted): whatever rows
    # the screen lets through and whatever the payback limit keeps, each one's V is that computed
    # with the factors computed in the decision
    offer, attrs, tax = taxed(case, scheme, data)
    factors = discount_factors(monthly_rate(attrs["hurdle_rate"]), HORIZON + data.draw(st.integers(0, 3)))
    for screen, record in ((True, True), (True, False), (False, True)):
        computed = decide(offer, **attrs, tax=tax, screen=screen, record=record)
        kept = decide(offer, **attrs, tax=tax, screen=screen, record=record, discounts=factors)
        for a, b in zip(dataclasses.astuple(computed), dataclasses.astuple(kept), strict=True):
            assert a.tobytes() == b.tobytes()


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_enterprises_that_share_their_timings_are_each_decided_as_alone(case, scheme, data):
    # decide computes the gain and deduction profiles once for each distinct timing (go-live, ramp-up,
    # lifetime): each enterprise's value and payback are still those of deciding it alone, bit for bit
    offer, attrs = case
    n = len(offer.owed)

    def picks(last):  # whose go-live, ramp-up and lifetime each takes, among the first few
        return st.lists(st.integers(0, last), min_size=n, max_size=n).map(np.array)

    offer = dataclasses.replace(offer, scheme=scheme, golive=offer.golive[data.draw(picks(min(n - 1, 1)))])
    pick = data.draw(picks(n - 1))
    attrs["ramp"], attrs["lifetime"] = attrs["ramp"][pick], attrs["lifetime"][pick]
    tax = data.draw(st.one_of(st.none(), tax_positions(n)))
    together = decide(offer, **attrs, tax=tax, screen=False)

    def alone(i):
        def row(x):
            return x[i : i + 1] if isinstance(x, np.ndarray) else x

        one = dataclasses.replace(offer, **{f.name: row(getattr(offer, f.name)) for f in dataclasses.fields(offer)})
        position = (
            None
            if tax is None
            else dataclasses.replace(
                tax, **{k: row(getattr(tax, k)) for k in ("base_profit", "high_tech", "general_vat")}
            )
        )
        return decide(one, **{k: row(v) for k, v in attrs.items()}, tax=position, screen=False)

    for i in range(n):
        d = alone(i)
        assert together.value[i : i + 1].tobytes() == d.value.tobytes()
        assert together.payback[i : i + 1].tobytes() == d.payback.tobytes()
        assert together.adopt[i] == d.adopt[0]


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 6),
    asks=st.lists(
        st.tuples(st.sampled_from([36, 40, 49]), st.sampled_from(["ramped", "flat", "deduction"])), max_size=8
    ),
)
def test_a_profile_computed_before_is_the_one_computed_afresh(data, n, asks):
    # the unit profiles of a timing decided on before are reused: each gain and deduction profile is
    # still the one gain_profile and straight_line give, bit for bit, whatever was asked before it
    def timing_values(lo, hi):
        values = st.one_of(st.floats(lo, hi, allow_subnormal=False), st.sampled_from([lo, hi, -0.0 if lo == 0 else lo]))
        return st.lists(values, min_size=n, max_size=n).map(np.array)

    golive, life = data.draw(timing_values(0.0, 40.0)), data.draw(timing_values(1.0, 60.0))
    ramp = data.draw(timing_values(0.0, 1.0)) * life
    pick = data.draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n).map(np.array))  # shared timings
    golive, ramp, life = golive[pick], ramp[pick], life[pick]
    amount = data.draw(timing_values(0.0, 5e4))
    for months, kind in [*asks, *asks]:  # the second time from the profiles kept
        timing = _timings(golive, ramp, life)
        if kind == "deduction":
            want = straight_line(1.0, golive, life, months)
            got = np.broadcast_to(timing.deduction(months), want.shape)  # one row when they share one timing
        else:
            ramped = kind == "ramped"
            got = timing.gain(amount, months, ramp=ramped)
            want = gain_profile(amount, golive, ramp if ramped else 0.0, life, months)
        assert got.shape == want.shape and got.tobytes() == want.tobytes()
    kept = decision._kept_profile.cache_info()
    assert kept.currsize <= kept.maxsize and (kept.currsize > 0 or not asks)  # these profiles are small: kept
    for months, kind in asks:  # a profile kept is never changed
        assert not _timings(golive, ramp, life).profile(kind, months).flags.writeable


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_the_harder_screen_never_changes_a_decision(case, scheme, data):
    # without a record the screen bounds V with the ramp-up's cost and the tax class, and the running
    # total at the end of the month after the payback limit: no enterprise it rules out would adopt,
    # even one with its limit at its payback, or its V a millionth of what it was
    offer, attrs, tax = taxed(case, scheme, data)
    n = len(offer.owed)
    margin = np.array(data.draw(st.lists(st.sampled_from(["none", "payback", "value"]), min_size=n, max_size=n)))
    payback = decide(offer, **attrs, tax=tax, screen=False).payback
    tighter = attrs["max_payback"] * data.draw(st.sampled_from([1.0, 0.3, 0.1]))
    attrs["max_payback"] = np.where((margin == "payback") & ~np.isnan(payback), payback, tighter)
    value = decide(offer, **attrs, tax=tax, screen=False).value  # internal costs lower V, and nothing else
    offer = dataclasses.replace(offer, internal=np.where((margin == "value") & (value > 0), value * (1 - 1e-6), 0.0))
    quick = decide(offer, **attrs, tax=tax, record=False)
    full = decide(offer, **attrs, tax=tax, screen=False)
    np.testing.assert_array_equal(quick.adopt, full.adopt)
    seen = ~np.isnan(quick.value)
    np.testing.assert_array_equal(quick.value[seen], full.value[seen])
    np.testing.assert_array_equal(quick.payback[seen], full.payback[seen])
    would = (full.value > 0) & (full.payback <= attrs["max_payback"])
    fits = full.due_at_signing <= attrs["liquidity"]
    assert not (would & fits)[~seen].any()


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_the_harder_bounds_hold_row_by_row(case, scheme, data):
    # each bound of the harder screen against what it bounds, on every row, half the cases where the
    # bounds are nearly tight (no discounting, no failure, go-live at a month's start) and the limits
    # at the paybacks themselves
    offer, attrs = case
    offer = dataclasses.replace(offer, scheme=scheme)
    if data.draw(st.booleans()):
        zero = np.zeros(len(offer.owed))
        attrs = {**attrs, "hurdle_rate": zero, "failure": zero}
        offer = dataclasses.replace(offer, golive=np.floor(offer.golive))
    tax = data.draw(st.one_of(st.none(), tax_positions(len(offer.owed))))
    payback = decide(offer, **attrs, tax=tax, screen=False).payback
    attrs["max_payback"] = np.where(np.isnan(payback), attrs["max_payback"], payback)
    full = decide(offer, **attrs, tax=tax, screen=False)
    rho = monthly_rate(attrs["hurdle_rate"])
    first = fixed_payments(offer.scheme, offer.owed, fixed_months(offer.scheme))
    gain, ramp, lifetime = attrs["gain"], attrs["ramp"], attrs["lifetime"]
    taxed = _tax_bounds(offer, lifetime, 0.0, tax, classes=True)
    upper = _upper_bound(offer, first, rho, gain, lifetime, attrs["failure"], HORIZON, taxed)
    upper -= _ramp_cost(offer, rho, gain, ramp, attrs["failure"], HORIZON, taxed.kept)
    seen = ~np.isnan(full.value)  # (what is due at signing fits its liquidity)
    assert (upper >= full.value - 1e-9 * _size(offer, gain, HORIZON))[seen].all()
    repaid = _repaid_by_limit(offer, first, gain, ramp, lifetime, attrs["max_payback"], taxed)
    assert not (~repaid & (full.payback <= attrs["max_payback"])).any()


@SETTINGS
@given(case=cases(), scheme=schemes, record=st.booleans(), data=st.data())
def test_the_screen_lets_through_whom_its_bounds_do_row_by_row(case, scheme, record, data):
    # decide computes the bound on V only for the enterprises the other bounds let through: the same
    # are evaluated as with every bound on every row (internal costs of their own; some hurdle rates
    # and gains negative, beyond the bounds)
    offer, attrs = case
    n = len(offer.owed)
    internal = np.array(data.draw(st.lists(st.floats(0.0, 1e5), min_size=n, max_size=n)))
    offer = dataclasses.replace(offer, scheme=scheme, internal=internal)
    sign = np.array(data.draw(st.lists(st.sampled_from([1.0, 1.0, -1.0]), min_size=n, max_size=n)))
    attrs = {**attrs, "hurdle_rate": attrs["hurdle_rate"] * sign, "gain": attrs["gain"] * sign[::-1]}
    tax = data.draw(st.one_of(st.none(), tax_positions(n)))
    quick = decide(offer, **attrs, tax=tax, record=record)
    rho = monthly_rate(attrs["hurdle_rate"])
    first = fixed_payments(offer.scheme, offer.owed, fixed_months(offer.scheme))
    gain, ramp, lifetime, failure = attrs["gain"], attrs["ramp"], attrs["lifetime"], attrs["failure"]
    taxed = _tax_bounds(offer, lifetime, 0.0, tax, classes=not record)
    upper = _upper_bound(offer, first, rho, gain, lifetime, failure, HORIZON, taxed)
    through = upper > 0
    if not record:
        upper -= _ramp_cost(offer, rho, gain, ramp, failure, HORIZON, taxed.kept)
        through = upper > -1e-9 * _size(offer, gain, HORIZON)
        through &= _repaid_by_limit(offer, first, gain, ramp, lifetime, attrs["max_payback"], taxed)
    fits = quick.due_at_signing <= attrs["liquidity"]
    # without a record, V only where the payback is within the limit (that of the full evaluation)
    valued = record | (decide(offer, **attrs, tax=tax, screen=False).payback <= attrs["max_payback"])
    np.testing.assert_array_equal(~np.isnan(quick.value), fits & (through | (rho < 0) | (gain < 0)) & valued)


@pytest.mark.parametrize(
    ("ramp", "base", "margin"),
    [(6.0, None, "value"), (0.0, 4e6, "value"), (6.0, 4e6, "value"), (0.0, None, "payback"), (6.0, 4e6, "payback")],
)
def test_the_harder_screen_lets_through_an_enterprise_at_the_margin(ramp, base, margin):
    # Cases where the harder screen's bounds are nearly tight (a hurdle rate near zero, no failure, the
    # gain for the whole horizon from go-live at month 2; the tax, if any, above the small-and-low-profit
    # threshold at 25%): an enterprise whose V is a millionth of its gain, or whose limit is its payback,
    # still adopts.  A bound that took twice the ramp-up's cost, or taxed the gain at 30%, would not.
    offer, attrs = _one(0.0 if margin == "value" else 200_000.0, 10_000.0)
    offer = dataclasses.replace(offer, golive=np.array([2.0]))
    attrs = {**attrs, "ramp": np.array([ramp]), "lifetime": np.array([600.0]), "failure": np.zeros(1)}
    attrs = {**attrs, "hurdle_rate": np.array([1e-4]), "max_payback": np.array([400.0])}
    tax = {} if base is None else {"tax": position(base)}
    full = decide(offer, **attrs, **tax, screen=False)
    if margin == "value":
        offer = dataclasses.replace(offer, internal=full.value * (1.0 - 1e-6))
    else:
        attrs["max_payback"] = full.payback
    quick, full = decide(offer, **attrs, **tax, record=False), decide(offer, **attrs, **tax, screen=False)
    assert full.adopt[0] and quick.adopt[0] and quick.value[0] == full.value[0]


def test_the_payback_bound_counts_the_tax_saving():
    # 12,000 yuan upfront deducted over a 24-month lifetime saves 125 a month at 25%; with a gain of
    # 633.33 a month from month 0 (475 after tax) the enterprise has repaid in months 0..19, a payback
    # of 19, and adopts with a limit of 19. Without the saving the bound would see 475 x 21 = 9,975 <
    # 12,000 by the end of month 20.
    offer, attrs = _one(12_000.0, 1_900.0 / 3.0)
    attrs = {**attrs, "lifetime": np.array([24.0]), "failure": np.zeros(1), "hurdle_rate": np.array([1e-4])}
    full = decide(offer, **attrs, tax=position(4e6), screen=False)
    assert full.payback[0] == pytest.approx(19.0, abs=1e-6)
    attrs["max_payback"] = full.payback
    quick = decide(offer, **attrs, tax=position(4e6), record=False)
    assert full.value[0] > 0 and quick.adopt[0] and quick.payback[0] == full.payback[0]


def test_the_payback_screen_rules_out_a_payback_beyond_reach():
    # 1,000 yuan upfront, a gain of 20 yuan / month from signing: 50 months to repay, against a limit
    # of 24 months; the value over a 600-month horizon is positive
    offer, attrs = _one(1_000.0, 20.0)
    attrs = {**attrs, "horizon": 600, "max_payback": np.array([24.0]), "lifetime": np.array([600.0])}
    full = decide(offer, **attrs)
    quick = decide(offer, **attrs, record=False)
    assert full.value[0] > 0 and full.payback[0] > 24 and not full.adopt[0]
    assert not quick.adopt[0] and np.isnan(quick.value[0]) and np.isnan(quick.payback[0])
    later = decide(offer, **{**attrs, "max_payback": np.array([120.0])}, record=False)
    assert later.adopt[0] and later.payback[0] == full.payback[0]


def _one(owed: float, gain: float, **tax) -> tuple[Offer, dict]:
    zero = np.zeros(1)
    offer = Offer(
        owed=np.array([owed]),
        scheme=Upfront(),
        receive_signing=zero,
        receive_golive=zero,
        receive_acceptance=zero,
        golive=zero,
        acceptance_delay=3.0,
        subscription=zero,
    )
    attrs = dict(
        gain=np.array([gain]),
        ramp=zero,
        lifetime=np.array([12.0]),
        hurdle_rate=np.array([0.12]),
        failure=np.array([0.2]),
        horizon=HORIZON,
        max_payback=np.array([60.0]),
        liquidity=np.array([1e9]),
    )
    return offer, attrs


def position(base: float, *, high_tech: bool = False, general: bool = False, month: int = 0) -> TaxPosition:
    return TaxPosition(LAW, np.array([base]), np.array([high_tech]), np.array([general]), month)


def test_the_deduction_is_worth_the_enterprises_marginal_rate():
    # A general firm (P = 4M, 25%) paying 120,000 deducts 10,000 a month over 12 months from go-live
    # (month 0): 2,500 a month less tax whether the project works or not, on top of 75% of the gain.
    offer, attrs = _one(120_000.0, 20_000.0)
    law = decide(offer, **attrs, tax=position(4e6), screen=False)
    flat = decide(offer, **attrs, tax_rate=0.25, screen=False)
    rho = float(monthly_rate(0.12))
    saving = sum(2_500.0 / (1 + rho) ** m for m in range(12))
    assert float(law.value[0] - flat.value[0]) == pytest.approx(saving, rel=1e-9)


def test_a_general_vat_taxpayer_counts_the_vat_it_deducts():
    # It deducts 120,000 x 0.06 / 1.06 at signing, and deducts from its profit only the rest
    offer, attrs = _one(120_000.0, 20_000.0)
    small_scale = decide(offer, **attrs, tax=position(4e6), screen=False)
    general = decide(offer, **attrs, tax=position(4e6, general=True), screen=False)
    credit = 120_000.0 * 0.06 / 1.06
    rho = float(monthly_rate(0.12))
    deduction_lost = sum(0.25 * credit / 12 / (1 + rho) ** m for m in range(12))
    assert float(general.value[0] - small_scale.value[0]) == pytest.approx(credit - deduction_lost, rel=1e-9)


def test_each_enterprise_is_taxed_at_its_own_rate():
    # the same gain is worth most to a small low-profit firm (5%), then a high-tech (15%), then a general (25%)
    offer, attrs = _one(120_000.0, 20_000.0)
    values = [
        float(decide(offer, **attrs, tax=tax, screen=False).value[0])
        for tax in (position(1e6), position(4e6, high_tech=True), position(4e6))
    ]
    assert values[0] > values[1] > values[2]
    # after the relief (month 24 on) the small firm pays 20%: worth less than at 5%
    later = float(decide(offer, **attrs, tax=position(1e6, month=24), screen=False).value[0])
    assert values[2] < later < values[0]


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 5),
    months=st.integers(1, 7),
    width=st.sampled_from([1, 3]),
    same=st.booleans(),
)
def test_payments_over_their_own_months_are_deducted_as_over_the_whole_grid(data, n, months, width, same):
    # a fixed part alone is kept over its own months (zeros after them): the totals within each one's
    # window are those of the whole grid, bit for bit (-0.0 and NaN too), and _full gives that grid
    width = min(width, months)
    amounts = st.one_of(st.floats(-1e6, 1e6, allow_subnormal=False), st.sampled_from([0.0, -0.0, np.nan, np.inf]))
    rows = st.lists(st.lists(amounts, min_size=width, max_size=width), min_size=n, max_size=n)
    ok = np.array(data.draw(rows), dtype=np.float64).reshape(n, width)
    fail = ok if same else np.array(data.draw(rows), dtype=np.float64).reshape(n, width)
    own = np.array(data.draw(st.lists(st.integers(0, months), min_size=n, max_size=n)))
    inside = np.arange(months) < own[:, None]
    grid = [decision._full(paid, months) for paid in (ok, fail)]
    for paid, full in zip((ok, fail), grid, strict=True):
        assert full.shape == (n, months) and full[:, :width].tobytes() == paid.tobytes()
        assert not full[:, width:].any() and not np.signbit(full[:, width:]).any()
    assert decision._full(grid[0], months) is grid[0]
    want = np.array([np.einsum("ij,ij->i", full, inside.astype(np.float64)) for full in grid])
    got = decision._deductible(inside, (ok, fail))
    assert got.tobytes() == want.tobytes()


@SETTINGS
@given(
    keys=st.lists(
        st.tuples(*[st.sampled_from([0, 1, -1, 2**62, -(2**63), 7]) for _ in range(3)]), min_size=1, max_size=20
    )
)
def test_groups_are_the_distinct_columns(keys):
    # each column is its group's, the groups are distinct, and there are as many as np.unique finds
    bits = np.array(keys, dtype=np.int64).T.copy()
    first, which = decision._groups(bits)
    distinct = bits[:, first]
    assert distinct[:, which].tobytes() == bits.tobytes()
    assert len({tuple(col) for col in distinct.T}) == distinct.shape[1] == len(np.unique(bits, axis=1).T)


@SETTINGS
@given(
    golive=st.lists(st.sampled_from([0.0, -0.0, 1.5, 2.25, 7.0, np.inf]), min_size=2, max_size=12),
    ramp=st.sampled_from([0.0, 6.0]),
    life=st.sampled_from([12.0, 60.0]),
)
def test_timings_with_one_ramp_and_lifetime_are_grouped_as_by_every_row(
    golive: list[float], ramp: float, life: float
) -> None:
    # a ramp-up and a lifetime shared by all: the groups by go-live alone are those of the three rows, in order
    go = np.array(golive)
    timing = _timings(go, np.full(len(go), ramp), np.full(len(go), life))
    columns = np.array([go, np.full(len(go), ramp), np.full(len(go), life)])
    bits = columns.view(np.int64)
    if (bits == bits[:, :1]).all():
        assert timing.which == slice(None) and timing.bits == columns[:, :1].tobytes()
        return
    first, which = decision._groups(bits)
    assert isinstance(timing.which, np.ndarray) and timing.which.tobytes() == which.tobytes()
    assert timing.bits == columns[:, first].tobytes()
    assert timing.golive.tobytes() == go[first].tobytes()


def test_rows_taken_are_those_indexed() -> None:
    # by take for an array of rows (the same rows, a new array), a view for a slice
    table = np.arange(12.0).reshape(4, 3)
    rows = np.array([3, 0, 3])
    got = decision._taken(table, rows)
    assert got.tobytes() == table[rows].tobytes() and got.shape == (3, 3)
    got[0, 0] = -1.0
    assert table[3, 0] == 9.0
    view = decision._taken(table, slice(1, 3))
    assert np.shares_memory(view, table) and view.tobytes() == table[1:3].tobytes()


@pytest.mark.parametrize("n", [0, 1, 7])
def test_nans_are_a_new_array_of_n_nans(n) -> None:
    got = decision._nans(n)
    assert got.dtype == np.float64 and got.shape == (n,) and np.isnan(got).all()
    assert got.tobytes() == np.full(n, np.nan).tobytes()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-0.5, 0.5), st.floats(0.0, 70.0)), min_size=1, max_size=8),
    st.integers(0, 60),
)
def test_an_annuity_to_one_end_for_all_is_the_one_to_that_end_each(pairs, end) -> None:
    rho, start = (np.array(x) for x in zip(*pairs, strict=True))
    start = np.floor(start)
    each = decision._annuity(rho, start, np.full(len(rho), float(end)))
    assert decision._annuity(rho, start, float(end)).tobytes() == each.tobytes()


def test_money_added_at_its_month_lands_in_its_month_inside_the_window():
    flows = np.zeros((2, 2, 4))
    decision._add_at_month(flows, np.array([1.0, 9.0]), np.array([0.0, -0.0]))
    assert not flows.any() and not np.signbit(flows).any()  # nothing to add: nothing added
    decision._add_at_month(flows, np.array([1.5, 9.0]), np.array([0.0, 5.0]))  # after the window: left out
    assert not flows.any()
    decision._add_at_month(flows[0], np.array([2.0, 0.0]), np.array([3.0, 0.0]))
    assert flows[0, 0, 2] == 3.0 and np.count_nonzero(flows) == 1


@SETTINGS
@given(case=cases(), scheme=schemes, data=st.data())
def test_an_unrecorded_decision_values_only_those_whose_payback_is_within_reach(case, scheme, data):
    # without a record, V is left NaN where the payback is beyond the limit (no adoption there
    # whatever V is), and is elsewhere the V of the recorded decision, bit for bit
    offer, attrs, tax = taxed(case, scheme, data)
    attrs["max_payback"] = attrs["max_payback"] * data.draw(st.sampled_from([1.0, 0.3]))  # more beyond reach
    recorded = decide(offer, **attrs, tax=tax, screen=False)
    quick = decide(offer, **attrs, tax=tax, screen=False, record=False)
    np.testing.assert_array_equal(quick.adopt, recorded.adopt)
    assert quick.payback.tobytes() == recorded.payback.tobytes()
    within = recorded.payback <= attrs["max_payback"]
    fits = recorded.due_at_signing <= attrs["liquidity"]
    assert quick.value[within & fits].tobytes() == recorded.value[within & fits].tobytes()
    assert np.isnan(quick.value[~within]).all()


@pytest.mark.parametrize("high_tech", [False, True])
def test_the_brackets_of_one_class_are_its_rates_month_by_month(high_tech):
    # kept per law, month, months and class, read only, one a month or one for all when the ends share a rate
    law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    for month, months in [(0, 50), (20, 44), (30, 50), (63, 2), (70, 36)]:
        low, high = decision._class_brackets(law, month, months, high_tech)
        want_low, want_high = law.brackets(np.full((1, months), high_tech), law.slp_rates(month + np.arange(months)))
        assert np.broadcast_to(low, (1, months)).tobytes() == want_low.tobytes()
        assert np.broadcast_to(high, (1, months)).tobytes() == want_high.tobytes()
        assert low.shape == ((1, 1) if month + months <= 64 or month >= 64 else (1, months))
        assert not low.flags.writeable and not high.flags.writeable
        assert decision._class_brackets(law, month, months, high_tech)[0] is low  # kept


@SETTINGS
@given(case=cases(), data=st.data())
def test_the_offers_taken_are_every_field_of_the_rows_taken(case, data):
    # each array of one entry per enterprise is taken at the rows, everything else kept as it is
    offer, _ = case
    n = len(offer.owed)
    internal = data.draw(st.sampled_from([0.0, np.arange(n, dtype=np.float64)]))
    revenue = data.draw(st.sampled_from([None, np.arange(n, dtype=np.float64) + 1.0]))
    offer = dataclasses.replace(offer, internal=internal, monthly_revenue=revenue)
    rows = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n)), dtype=np.int64)
    taken = offer.take(rows)
    for field in dataclasses.fields(Offer):
        value, got = getattr(offer, field.name), getattr(taken, field.name)
        if isinstance(value, np.ndarray):
            assert got.tobytes() == value[rows].tobytes(), field.name
        else:
            assert got is value, field.name


@SETTINGS
@given(case=cases(), data=st.data())
def test_the_offers_from_a_row_on_are_views_with_the_go_live_given(case, data):
    # a slice takes views of every array (their rows from ``start`` on), and a go-live given replaces theirs
    offer, _ = case
    n = len(offer.owed)
    start = data.draw(st.integers(0, n))
    golive = np.arange(n - start, dtype=np.float64) + 0.5
    for given_golive in (None, golive):
        taken = offer.take(slice(start, None), given_golive)
        for field in dataclasses.fields(Offer):
            value, got = getattr(offer, field.name), getattr(taken, field.name)
            if field.name == "golive" and given_golive is not None:
                assert got is given_golive
            elif isinstance(value, np.ndarray):
                assert got.tobytes() == value[start:].tobytes() and np.shares_memory(got, value) == (start < n)
            else:
                assert got is value, field.name


def _attributes(n: int, seed: int):
    """Keyed attributes of ``n`` enterprises (random, some high-tech, some general VAT taxpayers)."""
    from dxsim.model.population import Attributes

    rng = np.random.default_rng(seed)
    values = {name: rng.uniform(0.1, 2.0, n) for name in Attributes.__dataclass_fields__}
    values["revenue"] = rng.uniform(1e6, 1e7, n)
    values["high_tech"] = rng.random(n) < 0.5
    return Attributes(**values)


@pytest.mark.parametrize("rows", [slice(3, None), slice(0, None), slice(7, None), np.array([4, 0, 4, 6])])
def test_the_inputs_of_some_enterprises_are_those_made_for_them_alone(rows):
    # each input is its enterprise's own: taken at rows (views for a slice), the inputs made from their rows alone
    from dxsim.model.parameters import IndustryParameters

    n = 7
    att = _attributes(n, 3)
    rng = np.random.default_rng(4)
    belief = (rng.uniform(0.0, 0.5, n), rng.uniform(0.3, 1.0, n))
    industry = np.array([0, 1, 1, 0, 1, 0, 0])
    params = IndustryParameters(**{name: np.array([3.0, 5.0]) for name in IndustryParameters.__dataclass_fields__})
    law = TaxLaw(0.25, 0.15, 0.05, 0.20, 64.0, 3e6, 0.25, 0.06, 0.5, 5e6)
    kw = dict(params=params, law=law, month=40)
    inputs = decision.Inputs.of(att, belief, industry=industry, **kw)
    taken = inputs.take(rows)
    alone = decision.Inputs.of(
        att.take(np.arange(n)[rows]), (belief[0][rows], belief[1][rows]), industry=industry[rows], **kw
    )
    for name in ("gain", "ramp", "lifetime", "hurdle_rate", "failure", "max_payback", "liquidity"):
        assert getattr(taken, name).tobytes() == getattr(alone, name).tobytes(), name
    for name in ("base_profit", "high_tech", "general_vat"):
        assert getattr(taken.tax, name).tobytes() == getattr(alone.tax, name).tobytes()
    assert taken.tax.law is law and taken.tax.month == 40
    assert taken.gain.tobytes() == (att.revenue / 12.0 * att.benefit * belief[1])[rows].tobytes()
    assert taken.ramp.tobytes() == params.ramp[industry[rows]].tobytes()
    # the tax as the screen takes it, taken once for all: at the rows, what it is for them alone
    offer = Offer(
        owed=rng.uniform(0.0, 5e5, n),
        scheme=Upfront(),
        receive_signing=np.zeros(n),
        receive_golive=np.zeros(n),
        receive_acceptance=np.zeros(n),
        golive=rng.uniform(0.0, 9.0, n),
        acceptance_delay=1.0,
        subscription=rng.uniform(0.0, 1e3, n),
    )
    assert taken.taxed is None
    for record in (False, True):
        bounded = inputs.bounded(offer, record=record).take(rows)
        want = decision._tax_bounds(offer.take(np.arange(n)[rows]), alone.lifetime, 0.0, alone.tax, classes=not record)
        for got, expected in zip(bounded.taxed, want, strict=True):
            assert got.tobytes() == expected.tobytes()
        assert all(a.tobytes() == b.tobytes() for a, b in zip(bounded[:-3], taken[:-3], strict=True))
    # the discount factors, computed once for all: at the rows, those of their own rates
    assert taken.discounts is None
    discounted = inputs.discounted(HORIZON).take(rows)
    assert discounted.discounts.tobytes() == discount_factors(monthly_rate(alone.hurdle_rate), HORIZON).tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(discounted[:-3], taken[:-3], strict=True))


@SETTINGS
@given(case=cases(subscription=False), data=st.data())
def test_the_tax_of_months_alike_computed_once_is_the_tax_month_by_month(case, data):
    # on many enterprises the income tax is computed once for each run of months whose profiles and
    # SLP rate are alike and repeated over it: V and the payback are those computed month by month
    # (schemes with a deferred part, and subscriptions, pay month by month: they are taxed so)
    offer, attrs = case
    rows = np.arange(decision._COLUMNS_FROM + 8) % len(offer.owed)  # enough enterprises
    attrs = {k: v[rows] if isinstance(v, np.ndarray) else v for k, v in attrs.items()}
    attrs["liquidity"] = np.full(len(rows), np.inf)  # every one evaluated
    scheme = data.draw(st.sampled_from([Upfront(), Installments(scheme="installments", months=12)]))
    timing = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(rows), max_size=len(rows))))
    timing = np.minimum(timing, len(offer.owed) - 1)  # one or two timings, as in a month's consideration
    offer = dataclasses.replace(offer.take(rows), scheme=scheme, golive=offer.golive[timing])
    if data.draw(st.booleans()):  # no programme money: the flows too are computed a run at a time
        none = np.zeros(len(rows))
        offer = dataclasses.replace(offer, receive_signing=none, receive_golive=none, receive_acceptance=none)
    attrs["ramp"], attrs["lifetime"] = attrs["ramp"][timing], attrs["lifetime"][timing]
    tax = data.draw(tax_positions(len(rows)))
    tax = dataclasses.replace(tax, law=dataclasses.replace(tax.law, flat_rate=None))  # (a flat rate: by month)
    runs = decide(offer, **attrs, tax=tax, screen=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decision, "_COLUMNS_FROM", len(rows) + 1)  # month by month
        months = decide(offer, **attrs, tax=tax, screen=False)
    assert runs.value.tobytes() == months.value.tobytes()
    assert runs.payback.tobytes() == months.payback.tobytes()


@SETTINGS
@given(
    data=st.data(),
    n=st.integers(1, 4),
    months=st.sampled_from([2, 12, 36, 50]),
    first=st.integers(1, 13),
    switch=st.integers(-1, 60),
)
def test_the_runs_of_months_alike_are_runs_of_the_same_profiles_and_rates(data, n, months, first, switch):
    # each run's months have the bits of its first month in every timing's profiles and in the SLP
    # rate; the first months are each a run of their own; the runs cover the schedule in order
    def values(lo, hi):
        return st.lists(st.one_of(st.floats(lo, hi), st.sampled_from([lo, hi, 2.5])), min_size=n, max_size=n)

    golive, life = np.array(data.draw(values(0.0, 40.0))), np.array(data.draw(values(1.0, 60.0)))
    ramp = np.array(data.draw(values(0.0, 1.0))) * life
    law = TaxLaw(0.25, 0.15, 0.05, 0.20, float(max(switch, 0)), 3e6, 0.25, 0.06, 0.5, 5e6)
    slp = decision._slp_rates(law, 0 if switch >= 0 else 70, months)
    timing = _timings(golive, ramp, life)
    columns = timing.columns(months, first, slp)
    if columns is None:
        return
    assert columns.runs.sum() == months and (columns.runs > 0).all()
    assert columns.months.tolist() == np.concatenate([[0], np.cumsum(columns.runs)[:-1]]).tolist()
    assert (columns.runs[:first] == 1).all()
    for kind, at in (("ramped", columns.ramped), ("deduction", columns.deduction)):
        assert np.repeat(at, columns.runs, axis=1).tobytes() == timing.profile(kind, months).tobytes()
    if len(slp) > 1:
        assert np.repeat(slp[columns.months], columns.runs).tobytes() == slp.tobytes()
    assert all(not x.flags.writeable for x in columns)


@pytest.mark.parametrize("horizon", [0, 36, 700])
def test_each_window_is_its_months_before_its_own_end(horizon):
    # the window taken from a kept table is the comparison of the months with each one's own end
    # (its payback limit rounded up plus two, or the longest schedule without a finite limit, at least
    # the horizon), whatever the limit: fractional, whole, negative, beyond the longest schedule, NaN
    limit = np.array([0.0, 0.5, 11.0, 47.9, 48.0, -3.0, 1e300, np.inf, np.nan, 597.5, 2.0])
    months, inside = decision._windows(Upfront(scheme="upfront"), limit, horizon)
    own = np.maximum(np.where(np.isfinite(limit), np.ceil(limit) + 2, decision.MAX_MONTHS), horizon)
    assert inside.tobytes() == (np.arange(months) < own[:, None]).tobytes()
    assert months == decision.MAX_MONTHS  # (a limit of 1e300: the longest schedule)


@pytest.mark.parametrize("horizon", [0, 1, 36, 700])
@pytest.mark.parametrize("scheme", [Upfront(scheme="upfront"), Installments(scheme="installments", months=40)])
def test_one_enterprise_s_window_is_its_row_among_others(horizon, scheme):
    # one enterprise (a re-decision at signing) takes its window on Python numbers: the months of the
    # schedules and its row are those it has with another of the same limit (the same longest schedule)
    limits = [0.0, 0.5, 11.0, 37.2, 47.9, -3.0, -0.5, 1e300, -1e300, 2.0**53, np.inf, -np.inf, np.nan, 597.5, 598.0]
    for limit in limits:
        months, inside = decision._windows(scheme, np.array([limit]), horizon)
        both, table = decision._windows(scheme, np.array([limit, limit]), horizon)
        assert type(months) is int and months == both
        assert inside.shape == (1, months) and inside.tobytes() == table[:1].tobytes()
