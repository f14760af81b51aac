"""Platforms decide: the participation constraint, cost-plus prices, screening under revenue share.

A platform signs only if the expected present value of what a contract pays it
covers its expected delivery cost times (1 + required return)
(:mod:`dxsim.model.participation`).  The runs below recompute that value for
every signed contract by hand, month by month, from what the contract and the
scenario say, without the model's code: the test is independent of
``participation.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.decision import Offer
from dxsim.model.participation import Outlook, ProgrammeMoney, programme_receipts, valuation
from dxsim.model.population import maturity_level
from dxsim.model.world import World
from dxsim.random import replication_key
from dxsim.scenario.schema import Hybrid, Installments, RevenueShare, Subscription, Upfront

VAT = 0.06 / 1.06  # the VAT inside a price (default law)
INPUT_VAT = 0.5  # share of the delivery cost bearing input VAT (default law)

#: revenue-share without its working-capital limit; a budget and caps that never bind, so that the
#: programme money a contract gets at signing is what its platform counted on when it decided;
#: unlimited capacity, so that the expected go-live is the mean implementation time.
UNLIMITED = {
    "platforms.working_capital_limit": None,
    "platforms.capacity": None,
    "horizon_months": 48,
    "programme.batches[0].budget": 1e12,
    "programme.instruments[0].cap_per_platform": None,
}


def watched_run(sc: dx.Scenario, seed: int = 1):
    """Run ``sc`` once; return the world, its result and the ids of every enterprise that considered."""
    w = World(sc, replication_key(seed, 0))
    seen: set[int] = set()
    consider = w.driver.demand.consider

    def spy(c, t):
        seen.update(c.ids.tolist())
        consider(c, t)

    w.driver.demand.consider = spy
    return w, w.run(), seen


@pytest.fixture(scope="module")
def revenue_share():
    sc = dx.load_scenario("revenue-share").with_overrides(UNLIMITED)
    return (sc, *watched_run(sc))


def ramp_integral(s: float, ramp: float, life: float) -> float:
    """Months of full gain in [0, s] for a gain ramping up linearly over ``ramp`` and lasting ``life``."""
    u = min(max(s, 0.0), life)
    return u * u / (2 * ramp) if u <= ramp else ramp / 2 + (u - ramp)


def expected_value(sc: dx.Scenario, w: World, r, c: int) -> tuple[float, float]:
    """(expected PV of the receipts net of VAT, delivery cost x (1 + k) net of input VAT) of contract ``c``.

    Month by month from the signing month: the enterprise's part (upfront at signing, or the
    revenue share of its reported expected gain from the expected go-live, up to the cap, within the
    term; nothing if the project fails); the programme money paid to the platform at acceptance,
    if the enterprise is expected to pass.
    """
    a = r.adopters
    industry = sc.resolved_industries[int(a["adopter_industry"][c])]
    sol = sc.solutions[industry.solution]
    spec = sc.resolved_platforms[int(a["adopter_platform"][c])]
    rho = (1.0 + spec.cost_of_capital) ** (1.0 / 12.0) - 1.0
    t = int(a["signed_month"][c])
    unit_cost = spec.delivery_cost if t == 0 else r.platform["unit_cost"][t - 1, int(a["adopter_platform"][c])]
    impl = sol.implementation_months
    golive = (impl.low + impl.mode + impl.high) / 3.0
    book = w.book.arrays()
    owed = book["enterprise_part"][c] + book["government_to_enterprise"][c]
    p = int(a["adopter_platform"][c])
    quality = float(w.platforms.quality[p])
    experience = 0.0 if t == 0 else float(r.platform["experience"][t - 1, p])  # at the start of month t
    fails = min(1.0, sol.failure_probability * (experience + 1) ** math.log2(sol.failure_learning_ratio) / quality)
    passes = maturity_level(a["maturity_before"][c] + sol.maturity_gain.mean) >= sc.programme.acceptance.min_level
    programme = sum(g.amount for g in w.register.grants[c] if g.paid_to == "platform" and g.paid_at == "acceptance")
    assert all(g.paid_at == "acceptance" for g in w.register.grants[c])
    pv = (1 - fails) * passes * programme / (1 + rho) ** math.floor(golive + sc.programme.acceptance.delay_months)
    scheme = sc.contract.payment
    if scheme.scheme == "upfront":
        pv += owed
    else:
        assert scheme.scheme == "revenue_share" and scheme.base == "reported_gain" and scheme.floor == 0
        benefit = sol.benefit.median * math.exp(sol.benefit.sigma**2 / 2)  # mean of the lognormal
        at_start = (
            (100 - a["maturity_before"][c]) / (100 - sol.benefit_reference_score)
        ) ** sol.benefit_maturity_exponent
        full = a["adopter_revenue"][c] / 12.0 * benefit * at_start * max(quality, 0.0)
        paid = 0.0
        for m in range(math.floor(golive), math.floor(golive) + scheme.term_months):
            gain = full * (
                ramp_integral(m + 1 - golive, sol.ramp_months, sol.lifetime_months)
                - ramp_integral(m - golive, sol.ramp_months, sol.lifetime_months)
            )
            pay = min(scheme.rate * scheme.reported_share * gain, scheme.cap_multiple * owed - paid)
            paid += pay
            pv += (1 - fails) * pay / (1 + rho) ** m
    return (1 - VAT) * pv, unit_cost * (1 - INPUT_VAT * VAT) * (1 + spec.required_return)


def test_revenue_share_adoption_stays_well_below_the_considerers(revenue_share):
    sc, _, r, seen = revenue_share
    adopters = len(r.adopters["price_paid"])
    assert len(seen) > 0.9 * sc.enterprises  # nearly every SME considered within 48 months
    assert adopters < 0.6 * len(seen)  # on main every one of them adopted
    assert r.monthly["declined"].sum() > adopters


def test_no_platform_signs_a_revenue_share_contract_it_expects_to_lose_on(revenue_share):
    sc, w, r, _ = revenue_share
    n = len(r.adopters["price_paid"])
    assert n > 1000
    value = np.array([expected_value(sc, w, r, c) for c in range(n)])
    receipts, required = value[:, 0], value[:, 1]
    assert (receipts - required >= -1e-6 * required).all()
    # ... and screening is what binds: many signed contracts are close to the line
    assert (receipts < 1.25 * required).mean() > 0.1


def test_the_platforms_decline_whom_they_expect_to_lose_on():
    """Those declined have lower revenue: their share of the gain cannot repay the part within the term."""
    sc = dx.load_scenario("revenue-share").with_overrides(UNLIMITED | {"horizon_months": 24})
    ds = dx.simulate(sc, replications=1, seed=2)
    population = dx.enterprises(sc, seed=2)
    adopter_revenue = ds["adopter_revenue"].values[0]
    adopter_revenue = adopter_revenue[~np.isnan(adopter_revenue)]
    assert np.median(adopter_revenue) > 1.5 * float(population["revenue"].median())
    assert float(ds["declined"].sum()) > 0


def test_no_platform_signs_an_upfront_contract_it_expects_to_lose_on():
    """Closed form under upfront payment: (1 - v)(O + a G / (1 + rho) ** floor(T + delay)) >= c (1 - s v)(1 + k).

    Half the price is paid to the platform at acceptance (a, the chance of passing, is 0 for the
    enterprises expected to stay at level 1): without the screen, some contracts would fail it.
    """
    sc = dx.load_scenario("small").with_overrides(
        UNLIMITED | {"programme.instruments[0].share": 0.5, "horizon_months": 24}
    )
    w, r, _ = watched_run(sc, seed=3)
    n = len(r.adopters["price_paid"])
    assert n > 200
    value = np.array([expected_value(sc, w, r, c) for c in range(n)])
    assert (value[:, 0] - value[:, 1] >= -1e-6 * value[:, 1]).all()


def test_a_platform_paid_at_acceptance_turns_away_those_it_expects_to_fail_it():
    """Half the price paid only for accepted enterprises: the enterprise's 40% does not cover the cost.

    With acceptance at level 3 and a mean maturity gain of 30, platforms sign no subsidised
    enterprise whose starting score plus 30 stays below level 3 (60 points, so those starting below
    30); paid at signing, they decline none.
    """
    base = dx.load_scenario("small").with_overrides(
        {
            "horizon_months": 36,
            "programme.batches[0].budget": 1e12,
            "programme.acceptance.min_level": 3,
            "solutions.lightweight-mes.maturity_gain.mean": 30,
        }
    )
    gain = base.solutions["lightweight-mes"].maturity_gain.mean
    out = {}
    for at in ("acceptance", "signing"):
        sc = base.with_overrides({"programme.instruments[0].paid_at": at, "programme.instruments[0].share": 0.5})
        out[at] = dx.simulate(sc, replications=1, seed=4)
    paid = out["acceptance"].isel(replication=0)
    subsidised = (paid["government_part"] > 0).values  # after the batch closes, no money and no screening on it
    assert subsidised.sum() > 50
    assert (maturity_level(paid["maturity_before"].values[subsidised] + gain) >= 3).all()
    assert float(out["acceptance"]["declined"].sum()) > 0
    assert float(out["signing"]["declined"].sum()) == 0
    free = out["signing"].isel(replication=0)
    subsidised = (free["government_part"] > 0).values
    assert (maturity_level(free["maturity_before"].values[subsidised] + gain) < 3).any()  # paid at signing, they sign


# ------------------------------------------------------------------------------------ prices
def test_price_is_unit_cost_plus_markup_with_pass_through():
    sc = dx.load_scenario("small").with_overrides(
        {"platforms.markup": 0.25, "platforms.pass_through": 0.5, "horizon_months": 24}
    )
    ds = dx.simulate(sc, replications=1, seed=1)
    price, cost = ds["price"].values[0], ds["unit_cost"].values[0]
    c1 = sc.resolved_platforms[0].delivery_cost
    np.testing.assert_allclose(price[0], c1 * 1.25)
    np.testing.assert_allclose(price[1:], c1 * 1.25 * (cost[:-1] / c1) ** 0.5, rtol=1e-12)
    assert (price[-1] < price[0]).all()  # learning lowers it


def test_without_a_markup_the_price_is_the_list_price_as_before():
    """markup = None is the list price; the markup it implies, price / c_1 - 1, gives the same prices."""
    sc = dx.load_scenario("platform-pilot-2022").with_overrides({"horizon_months": 24})
    implied = sc.solutions["lightweight-mes"].price / sc.resolved_platforms[0].delivery_cost - 1.0
    listed = dx.simulate(sc, replications=1, seed=1)
    marked = dx.simulate(sc.with_overrides({"platforms.markup": implied}), replications=1, seed=1)
    np.testing.assert_allclose(marked["price"], listed["price"], rtol=1e-12)
    np.testing.assert_array_equal(marked["adopters"], listed["adopters"])


# ------------------------------------------------------------------------ the valuation itself
SCHEMES = st.sampled_from(
    [
        Upfront(),
        Installments(scheme="installments", months=12),
        RevenueShare(scheme="revenue_share"),
        RevenueShare(scheme="revenue_share", base="revenue", rate=0.03, cap_multiple=2.0, term_months=60),
        Hybrid(scheme="hybrid", upfront_fraction=0.4, cap_multiple=1.2, term_months=24),
        Subscription(scheme="subscription", term_months=24),
    ]
)


@st.composite
def contracts(draw):
    n = draw(st.integers(1, 8))

    def arr(lo, hi):
        return np.array(draw(st.lists(st.floats(lo, hi, allow_subnormal=False), min_size=n, max_size=n)))

    offer = Offer(
        owed=arr(0.0, 8e5),
        scheme=draw(SCHEMES),
        receive_signing=np.zeros(n),
        receive_golive=np.zeros(n),
        receive_acceptance=np.zeros(n),
        golive=arr(0.0, 12.0),
        acceptance_delay=draw(st.floats(0.0, 6.0)),
        subscription=arr(0.0, 1e4),
        monthly_revenue=arr(0.0, 5e6),
    )
    lifetime = arr(1.0, 80.0)
    outlook = Outlook(
        gain=arr(0.0, 1e5), ramp=arr(0.0, 1.0) * lifetime, lifetime=lifetime, failure=arr(0.0, 1.0), accepted=arr(0, 1)
    )
    money = ProgrammeMoney(
        price_part=np.array([arr(0.0, 2e5) for _ in range(3)]), reward=np.array([arr(0.0, 1e5) for _ in range(3)])
    )
    terms = dict(
        unit_cost=arr(1.0, 1e6),
        cost_of_capital=arr(0.0, 0.5),
        required_return=arr(0.0, 0.5),
        vat_share=draw(st.floats(0.0, 0.2)),
        input_vat_share=draw(st.floats(0.0, 1.0)),
    )
    return offer, outlook, money, terms, arr(0.0, 3e5), arr(0.0, 5e5)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(case=contracts())
def test_the_platforms_valuation_rises_with_the_price_and_falls_with_its_cost(case):
    offer, outlook, money, terms, more_owed, more_cost = case
    base = valuation(offer, outlook, money, **terms)
    dearer = valuation(
        Offer(**{**vars(offer), "owed": offer.owed + more_owed}), outlook, money, **terms
    )  # a higher price: more owed by the enterprise
    costlier = valuation(offer, outlook, money, **{**terms, "unit_cost": terms["unit_cost"] + more_cost})
    tol = 1e-9 * (1.0 + np.abs(base.receipts))
    assert (dearer.receipts >= base.receipts - tol).all()
    assert (dearer.margin >= base.margin - tol).all()
    assert (costlier.margin <= base.margin + tol).all()
    assert (costlier.required >= base.required).all()
    assert not (costlier.signs & ~base.signs).any()  # a dearer delivery never turns a no into a yes
    assert not (base.signs & ~dearer.signs).any()  # a higher price never turns a yes into a no


@settings(max_examples=80, deadline=None, derandomize=True)
@given(case=contracts(), paid=st.sampled_from(["none", "price_part", "reward"]))
def test_programme_receipts_are_each_payment_discounted_and_nothing_without_money(case, paid):
    offer, outlook, money, terms, _, _ = case
    n = len(offer.golive)
    money = ProgrammeMoney(
        price_part=money.price_part if paid == "price_part" else np.zeros((3, n)),
        reward=money.reward if paid == "reward" else np.zeros((3, n)),
    )
    rho = (1.0 + terms["cost_of_capital"]) ** (1.0 / 12.0) - 1.0
    when = np.stack([np.zeros(n), np.floor(offer.golive), np.floor(offer.golive + offer.acceptance_delay)])
    weight = (1.0 + rho) ** -when * np.stack([np.ones(n), np.ones(n), outlook.accepted])
    price_part, reward = programme_receipts(offer, outlook.accepted, money, rho)
    np.testing.assert_array_equal(np.broadcast_to(price_part, (n,)), (money.price_part * weight).sum(axis=0))
    np.testing.assert_array_equal(np.broadcast_to(reward, (n,)), (money.reward * weight).sum(axis=0))


def test_every_bundled_scenario_counts_declines():
    ds = dx.simulate(dx.load_scenario("small").with_overrides({"horizon_months": 12}), replications=1, seed=1)
    assert ds["declined"].dims == ("replication", "month", "industry")
    assert ds["declined"].attrs["units"] == "enterprises / month"


@pytest.mark.parametrize("name", ["city-pilot-east-platform-reward", "city-pilot-east-tiered", "revenue-share"])
def test_the_screen_reads_each_platform_and_instrument_as_the_scenario_says(name: str) -> None:
    # what the screen keeps per platform (its quality's realised share, cost of capital, required return) and
    # per instrument (when it pays, tiered, to the platform) is what the scenario and the platforms say
    sc = dx.load_scenario(name)
    w = World(sc, replication_key(1, 0))
    screen = w.driver.demand.screen
    specs = sc.resolved_platforms
    realised, cost_of_capital, required_return = screen._per_platform
    np.testing.assert_array_equal(realised, np.clip(w.platforms.quality, 0.0, None))
    assert cost_of_capital.tolist() == [p.cost_of_capital for p in specs]
    assert required_return.tolist() == [p.required_return for p in specs]
    when = ("signing", "golive", "acceptance")
    kinds = [
        (when.index(i.paid_at), type(i).__name__ == "Tiered", i.paid_to == "platform") for i in sc.programme.instruments
    ]
    assert kinds and screen.instruments == kinds
