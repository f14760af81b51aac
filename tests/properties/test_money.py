"""Money invariants over random programmes (hypothesis).

For random valid variants of ``small`` (instruments, caps, budgets from tiny to
ample, the three budget rules, payment schemes, working-capital limits, capacities, horizons,
firm exit rates, solution lifetimes short enough to be renewed), one
replication must run (conservation is checked inside every run, so a
``ConservationError`` fails the test) and:

* the uncommitted budget is never negative;
* public money paid never exceeds the sum of the batch budgets;
* no platform's contracts receive more public money than the caps allow, batch by batch;
* no industry has more adopters than enterprises, and an enterprise signs again only to renew,
  after its solution's lifetime, and never after its exit;
* every contract's parts add up to its price, and a programme-contingent
  platform discount is given exactly on the contracts that receive programme money;
* receivables are never negative, and a failed project pays nothing under revenue share;

and, under a random tax law (rates, thresholds, the end of the small-low-profit
relief, VAT, high-tech shares, margins, the deprecated flat rate) with random
platform fixed and financing costs, every tax follows the law contract by
contract and platform by platform, as worked out here month by month in plain
Python (a second implementation, independent of :mod:`dxsim.model.closing`),
and the government's cash flow is its taxes less public money.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.ledger import ENTERPRISE, GOVERNMENT, MARKET, PLATFORM
from dxsim.model.world import World
from dxsim.random import replication_key
from dxsim.scenario import scenario_from_dict

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BASE = dx.load_scenario("small")


def month_start(m: int) -> dt.date:
    y, k = divmod(BASE.start.month - 1 + m, 12)
    return dt.date(BASE.start.year + y, k + 1, 1)


def month_end(m: int) -> dt.date:
    """Last day of month ``m``."""
    return month_start(m + 1) - dt.timedelta(days=1)


caps = st.one_of(st.none(), st.sampled_from([0.0, 5e4, 2e5, 5e5]), st.floats(0.0, 1e6))
budgets = st.one_of(st.sampled_from([0.0, 1.0, 5e3]), st.floats(2e5, 3e7), st.just(3e7))
paid_to = st.sampled_from(["platform", "enterprise"])
paid_at = st.sampled_from(["signing", "golive", "acceptance"])


@st.composite
def instruments(draw, discount: float) -> list[dict]:
    kinds = draw(st.lists(st.sampled_from(["cost_share", "voucher", "platform_reward"]), min_size=1, max_size=3))
    out = []
    for kind in dict.fromkeys(kinds):  # each kind at most once, in drawn order
        inst: dict = {"kind": kind}
        if kind == "cost_share":
            inst["share"] = draw(st.floats(0.0, 1.0)) * (1.0 - discount)
            inst["cap_per_enterprise"] = draw(caps)
        elif kind == "voucher":
            inst["amount"] = draw(st.floats(0.0, 4e5))
        else:
            inst["amount"] = draw(st.floats(0.0, 4e5))
            inst["passed_on"] = draw(st.floats(0.0, 1.0))
        inst["cap_per_platform"] = draw(caps)
        if kind != "platform_reward":
            inst["paid_to"] = draw(paid_to)
            inst["paid_at"] = draw(paid_at)
        out.append({k: v for k, v in inst.items() if v is not None})
    return out


@st.composite
def payments(draw) -> dict:
    """Any payment scheme with valid random parameters."""
    scheme = draw(st.sampled_from(["upfront", "installments", "revenue_share", "subscription", "hybrid"]))
    if scheme == "upfront":
        return {"scheme": scheme}
    if scheme == "installments":
        return {"scheme": scheme, "months": draw(st.integers(1, 24))}
    if scheme == "subscription":
        fee = draw(st.one_of(st.none(), st.floats(0.0, 3e4)))
        return {"scheme": scheme, "term_months": draw(st.integers(1, 48))} | ({} if fee is None else {"fee": fee})
    base = draw(st.sampled_from(["reported_gain", "revenue"]))
    share = {
        "scheme": scheme,
        "base": base,
        "rate": draw(st.floats(0.01, 1.0 if base == "reported_gain" else 0.10)),
        "reported_share": draw(st.floats(0.0, 1.0)),
        "cap_multiple": draw(st.floats(1.2, 3.0)),
        "term_months": draw(st.integers(24, 96)),  # FACTS row 30
        "floor": draw(st.sampled_from([0.0, 1e3, 1e4])),
    }
    if scheme == "hybrid":
        share["upfront_fraction"] = draw(st.floats(0.0, 1.0))
    return share


@st.composite
def tax_laws(draw, horizon: int) -> dict:
    """A valid [tax] table: preferential rates at most the general one, the relief ending inside the horizon."""
    general = draw(st.floats(0.05, 0.4))
    below = st.floats(0.0, 1.0).map(lambda share: share * general)
    return {
        "general_rate": general,
        "high_tech_rate": draw(below),
        "small_low_profit_rate": draw(below),
        "small_low_profit_rate_after": draw(below),
        "small_low_profit_until": month_end(draw(st.integers(0, horizon))),
        "small_low_profit_threshold": draw(st.sampled_from([0.0, 1e6, 2e6, 3e6, 1e8])),
        "platform_rate": draw(st.floats(0.0, 0.4)),
        "vat_rate": draw(st.floats(0.0, 0.2)),
        "platform_input_vat_share": draw(st.floats(0.0, 1.0)),
        "small_scale_vat_threshold": draw(st.sampled_from([0.0, 5e6, 3e7, 1e9])),
    }


margins = st.sampled_from(
    [0.062, {"dist": "normal", "mean": 0.062, "sd": 0.04}, {"dist": "uniform", "low": -0.05, "high": 0.15}]
)


@st.composite
def scenarios(draw) -> dx.Scenario:
    horizon = draw(st.integers(24, 36))
    discount = draw(st.floats(0.0, 0.5))
    first_close = draw(st.integers(1, 12))
    batches = [{"name": "a", "opens": month_start(0), "closes": month_end(first_close - 1), "budget": draw(budgets)}]
    batches[0] |= draw(st.sampled_from([{}, {"platforms": 1}, {"industries": 1}, {"industries": 1, "platforms": 1}]))
    if draw(st.booleans()):
        opens = draw(st.integers(first_close, horizon - 1))
        closes = draw(st.integers(opens, horizon + 6))
        batches.append({"name": "b", "opens": month_start(opens), "closes": month_end(closes), "budget": draw(budgets)})
    payment = draw(payments())
    data = BASE.with_overrides(
        {
            "horizon_months": horizon,
            "contract.platform_discount": discount,
            "contract.payment": payment,
            "contract.platform_discount_contingent": draw(st.booleans()),
            "programme.allocation": draw(st.sampled_from(["arrival", "score", "lottery"])),
            "programme.when_budget_exhausted": draw(st.sampled_from(["unsubsidised", "wait", "reject"])),
            "programme.batches": batches,
            "programme.instruments": draw(instruments(discount)),
            "industry_defaults.innovation": draw(st.floats(0.005, 0.05)),
            "industry_defaults.margin": draw(margins),
            "industry_defaults.high_tech_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
            "tax": draw(tax_laws(horizon)),
            "platforms.fixed_cost_per_year": draw(st.sampled_from([0.0, 1e5, 2e6])),
            "platforms.cost_of_capital": draw(st.floats(0.0, 0.3)),
            "platforms.required_return": draw(st.floats(0.0, 0.3)),
            "behaviour.exit_rate": draw(st.sampled_from([0.0, 0.05, 0.6])),
            "solutions.lightweight-mes.lifetime_months": draw(st.sampled_from([60.0, 6.0, 0.5])),
            "solutions.lightweight-mes.renewal": draw(st.booleans()),
        }
    ).to_dict()
    if draw(st.integers(0, 4)) == 0:  # the deprecated flat rate, now and then
        data["programme"]["tax_rate"] = draw(st.floats(0.0, 0.4))
    limit = draw(st.one_of(st.none(), st.sampled_from([0.0, 3e5, 2e6])))
    if limit is not None:
        data["platforms"]["working_capital_limit"] = limit
    markup = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
    if markup is not None:
        data["platforms"]["markup"] = markup
    capacity = draw(st.one_of(st.none(), st.integers(1, 4)))
    if capacity is None:
        del data["platforms"]["capacity"]
    else:
        data["platforms"]["capacity"] = capacity
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return scenario_from_dict(data)


@SETTINGS
@given(sc=scenarios(), seed=st.integers(0, 2**16))
def test_money_invariants_of_random_programmes(sc, seed):
    note(sc.to_toml())  # a failing example prints its whole scenario, ready to load
    w = World(sc, replication_key(seed, 0))
    r = w.run()  # raises ConservationError if any contract's (or platform's) money does not add up
    a, table = r.adopters, r.ledger
    prog = sc.programme

    # Budgets: never negative, never overspent.
    assert (r.budget_remaining >= 0).all()
    total_budget = sum(b.budget for b in prog.batches)
    assert r.public_money.sum() <= total_budget * (1 + 1e-9) + 1e-6
    public = (table.payer == GOVERNMENT) & (table.select("subsidy") | table.select("reward"))
    assert table.amount[public].sum() <= total_budget * (1 + 1e-9) + 1e-6

    # Caps per platform and batch, from the ledger: public money for a platform's contracts.
    n_plat = len(sc.resolved_platforms)
    by_platform = table.total(public, by="platform", size=n_plat)
    cap_total = sum(np.inf if i.cap_per_platform is None else i.cap_per_platform for i in prog.instruments)
    assert (by_platform <= cap_total * len(prog.batches) * (1 + 1e-9) + 1e-6).all()
    for k, inst in enumerate(prog.instruments):  # and per batch and instrument, committed plus paid
        if inst.cap_per_platform is not None:
            assert (w.programme.used[:, k] <= inst.cap_per_platform * (1 + 1e-9) + 1e-6).all()

    # Receivables never negative; under a revenue share of the reported gain a failed project pays
    # nothing from go-live; on revenue every project gone live pays rate x revenue / 12 a month (at
    # least the floor) for the term, up to the cap, failed or not, if its enterprise stays in business
    # for the term (payments stop at an exit, dxsim.model.lifecycle).
    assert (r.platform["receivables"] >= -1e-6).all()
    scheme = sc.contract.payment
    paid = table.total(table.select("enterprise_payment"), by="contract", size=len(a["price_paid"]))
    if scheme.scheme == "revenue_share" and scheme.base == "reported_gain":
        failed = np.flatnonzero(a["failed_flag"] == 1)
        assert (paid[failed] == 0).all()
    if scheme.scheme == "revenue_share" and scheme.base == "revenue":
        exit_month = np.nan_to_num(a["exit_month"], nan=np.inf)
        live = ~np.isnan(a["golive_month"]) & (exit_month >= a["golive_month"] + scheme.term_months)
        owed = a["enterprise_part"] + w.book.arrays()["government_to_enterprise"]
        monthly_due = np.maximum(scheme.rate * a["adopter_revenue"] / 12.0, scheme.floor)
        due = np.minimum(scheme.cap_multiple * owed, scheme.term_months * monthly_due)
        np.testing.assert_allclose(paid[live], due[live], rtol=1e-9, atol=1e-6)

    # Adopters: one first contract each; a later one renews, after the lifetime, before the exit.
    sizes = np.array([i.enterprises for i in sc.resolved_industries])
    assert (r.monthly["adopters"][-1] <= sizes).all()
    enterprises = np.asarray(w.book.arrays()["enterprise"])
    first = np.unique(enterprises, return_index=True)[1]
    assert (a["renewal_flag"][first] == 0).all()
    assert a["renewal_flag"].sum() == len(enterprises) - len(first) == r.monthly["renewals"].sum()
    life = sc.solutions["lightweight-mes"].lifetime_months
    for c in np.flatnonzero(a["renewal_flag"] == 1):
        before = np.flatnonzero(enterprises[:c] == enterprises[c])[-1]
        assert a["signed_month"][c] >= a["golive_month"][before] + life - 1e-9
        assert a["failed_flag"][before] == 0 and sc.solutions["lightweight-mes"].renewal
    exited = np.nan_to_num(a["exit_month"], nan=np.inf)
    assert (a["signed_month"] < exited).all()

    # Every contract's parts add up to its price, and none is negative.
    parts = a["government_part"] + a["platform_discount"] + a["enterprise_part"]
    np.testing.assert_allclose(parts, a["price_paid"], rtol=1e-9, atol=1e-6)
    for name in ("government_part", "platform_discount", "enterprise_part"):
        assert (a[name] >= 0).all()
    funded = np.array([any(g.amount > 0 for g in grants) for grants in w.register.grants], dtype=bool)
    given = funded | (not sc.contract.platform_discount_contingent)
    expected = np.where(given, sc.contract.platform_discount, 0.0) * a["price_paid"]
    np.testing.assert_allclose(a["platform_discount"], expected, rtol=1e-12)


# ------------------------------------------------------------------ taxes, by a second implementation
def slp_rate(sc: dx.Scenario, month: int) -> float:
    """The SLP rate of a model month: the relief holds in the months that start on or before ``until``."""
    tax = sc.tax
    return (
        tax.small_low_profit_rate
        if month_start(month) <= tax.small_low_profit_until
        else tax.small_low_profit_rate_after
    )


def annual_tax(sc: dx.Scenario, x: float, high_tech: bool, month: int) -> float:
    """T(x) of the law, written out: the SLP rate up to the threshold (the lower one for high-tech), else 15% / 25%."""
    tax = sc.tax
    slp = slp_rate(sc, month)
    if x <= tax.small_low_profit_threshold:
        rate = min(slp, tax.high_tech_rate) if high_tech else slp
    else:
        rate = tax.high_tech_rate if high_tech else tax.general_rate
    return rate * max(x, 0.0)


def overlap(a: float, b: float, c: float, d: float) -> float:
    """Length of the intersection of [a, b) and [c, d)."""
    return max(0.0, min(b, d) - max(a, c))


def expected_income_tax(sc, w, r, c: int) -> list[float]:
    """Contract ``c``'s incremental income tax in each month of the horizon, month by month."""
    t, a = r.ledger, r.adopters
    months = sc.horizon_months
    golive = a["golive_month"][c]
    if np.isnan(golive):
        return [0.0] * months
    traits = w.register.apps[c].traits
    mine = t.contract == c
    gain = t.total(t.select("gain") & mine, by="month", size=months)
    if sc.programme.tax_rate is not None:
        return list(sc.programme.tax_rate * gain)
    paid = t.amount[(t.select("enterprise_payment") | t.select("subscription")) & mine].sum()
    credit = t.amount[t.select("vat_credit") & mine].sum()
    received = t.amount[(t.select("subsidy") | t.select("reward")) & mine & (t.payee == ENTERPRISE)].sum()
    deductible = max(paid - credit - received, 0.0)
    life = sc.solutions[sc.resolved_industries[int(a["adopter_industry"][c])].solution].lifetime_months
    base = traits.revenue * traits.margin
    out = []
    for m in range(months):
        if m >= w.register.apps[c].exit:  # an enterprise pays no tax from the first month it starts out of business
            out.append(0.0)
            continue
        d = deductible / life * overlap(m, m + 1, golive, golive + life)
        x = base + 12.0 * (gain[m] - d)
        out.append((annual_tax(sc, x, traits.high_tech, m) - annual_tax(sc, base, traits.high_tech, m)) / 12.0)
    return out


def expected_platform_tax(sc, r, p: int) -> dict[int, float]:
    """Platform ``p``'s income tax by the month it is paid: each calendar year's profit, losses used oldest first."""
    t = r.ledger
    months = sc.horizon_months
    mine = (t.platform == p) & t.is_cash & (t.month < months) & ~t.select("platform_tax")
    flow = t.total(mine & (t.payee == PLATFORM), by="month", size=months)
    flow -= t.total(mine & (t.payer == PLATFORM), by="month", size=months)
    years: dict[int, list[int]] = {}
    for m in range(months):
        years.setdefault(month_start(m).year, []).append(m)
    losses: list[list[float]] = []  # [year, loss left], oldest first
    out = {}
    for year, ms in years.items():
        profit = float(flow[ms].sum())
        losses = [entry for entry in losses if year - entry[0] <= 5]
        for entry in losses:
            used = min(entry[1], max(profit, 0.0))
            entry[1] -= used
            profit -= used
        if profit < 0:
            losses.append([year, -profit])
        out[ms[-1]] = sc.tax.platform_rate * max(profit, 0.0)
    return out


@SETTINGS
@given(sc=scenarios(), seed=st.integers(0, 2**16))
def test_taxes_follow_the_law_contract_by_contract(sc, seed):
    w = World(sc, replication_key(seed, 0))
    r = w.run()
    t, a = r.ledger, r.adopters
    months = sc.horizon_months
    scale = 1e-6 * max(1.0, float(t.amount.max()) if len(t) else 1.0)

    def per_month(mask):
        return t.total(mask, by="month", size=months)

    for c in range(len(a["price_paid"])):
        mine = t.contract == c
        got = per_month(t.select("tax") & mine) - per_month(t.select("tax_saving") & mine)
        np.testing.assert_allclose(got, expected_income_tax(sc, w, r, c), atol=scale)
    for p in range(len(sc.resolved_platforms)):
        got = per_month(t.select("platform_tax") & (t.platform == p))
        want = np.zeros(months)
        for m, amount in expected_platform_tax(sc, r, p).items():
            want[m] = amount
        np.testing.assert_allclose(got, want, atol=scale)
    # VAT: the platforms' output VAT less the input VAT, which their suppliers paid, less the credits.
    vat = t.select("vat")
    assert np.allclose(per_month(vat & (t.payer == MARKET)), per_month(vat & (t.payee == PLATFORM)), atol=scale)
    np.testing.assert_allclose(
        r.vat_revenue,
        per_month(vat & (t.payer == PLATFORM)) - per_month(t.select("vat_credit")),
        atol=scale,
    )
    # The government's cash flow is every tax less public money; the platforms' includes their costs.
    np.testing.assert_allclose(
        r.cash_flow[:, 0], r.tax_revenue + r.platform_tax + r.vat_revenue - r.public_money, atol=scale
    )
    np.testing.assert_allclose(r.cash_flow[:, 1], r.platform["platform_cash_flow"].sum(axis=1), atol=scale)
