"""Money invariants over random programmes (hypothesis).

For random valid variants of ``small`` (instruments, caps, budgets from tiny to
ample, the three budget rules, payment schemes, working-capital limits, capacities, horizons), one
replication must run (conservation is checked inside every run, so a
``ConservationError`` fails the test) and:

* the uncommitted budget is never negative;
* public money paid never exceeds the sum of the batch budgets;
* no platform's contracts receive more public money than the caps allow;
* no industry has more adopters than enterprises, and no enterprise signs twice;
* every contract's parts add up to its price;
* receivables are never negative, and a failed project pays nothing under revenue share.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dxsim as dx
from dxsim.model.ledger import GOVERNMENT
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
    term = draw(st.integers(1, 48))
    if scheme == "subscription":
        fee = draw(st.one_of(st.none(), st.floats(0.0, 3e4)))
        return {"scheme": scheme, "term_months": term} | ({} if fee is None else {"fee": fee})
    share = {
        "scheme": scheme,
        "rate": draw(st.floats(0.01, 1.0)),
        "cap_multiple": draw(st.floats(1.0, 2.0)),
        "term_months": term,
        "floor": draw(st.sampled_from([0.0, 1e3, 1e4])),
    }
    if scheme == "hybrid":
        share["upfront_fraction"] = draw(st.floats(0.0, 1.0))
    return share


@st.composite
def scenarios(draw) -> dx.Scenario:
    horizon = draw(st.integers(24, 36))
    discount = draw(st.floats(0.0, 0.5))
    first_close = draw(st.integers(1, 12))
    batches = [{"name": "a", "opens": month_start(0), "closes": month_end(first_close - 1), "budget": draw(budgets)}]
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
            "programme.when_budget_exhausted": draw(st.sampled_from(["unsubsidised", "wait", "reject"])),
            "programme.batches": batches,
            "programme.instruments": draw(instruments(discount)),
            "industry_defaults.innovation": draw(st.floats(0.005, 0.05)),
        }
    ).to_dict()
    limit = draw(st.one_of(st.none(), st.sampled_from([0.0, 3e5, 2e6])))
    if limit is not None:
        data["platforms"]["working_capital_limit"] = limit
    capacity = draw(st.one_of(st.none(), st.integers(1, 4)))
    if capacity is None:
        del data["platforms"]["capacity"]
    else:
        data["platforms"]["capacity"] = capacity
    return scenario_from_dict(data)


@SETTINGS
@given(sc=scenarios(), seed=st.integers(0, 2**16))
def test_money_invariants_of_random_programmes(sc, seed):
    w = World(sc, replication_key(seed, 0))
    r = w.run()  # raises ConservationError if any contract's money does not add up
    a, table = r.adopters, r.ledger
    prog = sc.programme

    # Budgets: never negative, never overspent.
    assert (r.budget_remaining >= 0).all()
    total_budget = sum(b.budget for b in prog.batches)
    assert r.public_money.sum() <= total_budget * (1 + 1e-9) + 1e-6
    public = (table.payer == GOVERNMENT) & (table.select("subsidy") | table.select("reward"))
    assert table.amount[public].sum() <= total_budget * (1 + 1e-9) + 1e-6

    # Caps per platform, from the ledger: public money for a platform's contracts.
    n_plat = len(sc.resolved_platforms)
    by_platform = table.total(public, by="platform", size=n_plat)
    cap_total = sum(np.inf if i.cap_per_platform is None else i.cap_per_platform for i in prog.instruments)
    assert (by_platform <= cap_total * (1 + 1e-9) + 1e-6).all()
    for k, inst in enumerate(prog.instruments):  # and per instrument, committed plus paid
        if inst.cap_per_platform is not None:
            assert (w.programme.used[k] <= inst.cap_per_platform * (1 + 1e-9) + 1e-6).all()

    # Receivables never negative; under revenue share a failed project pays nothing from go-live.
    assert (r.platform["receivables"] >= -1e-6).all()
    scheme = sc.contract.payment
    if scheme.scheme == "revenue_share":
        failed = np.flatnonzero(a["failed_flag"] == 1)
        paid = table.total(table.select("enterprise_payment"), by="contract", size=len(a["price_paid"]))
        assert (paid[failed] == 0).all()

    # Adopters.
    sizes = np.array([i.enterprises for i in sc.resolved_industries])
    assert (r.monthly["adopters"][-1] <= sizes).all()
    enterprises = np.asarray(w.book.columns["enterprise"])
    assert len(np.unique(enterprises)) == len(enterprises)

    # Every contract's parts add up to its price, and none is negative.
    parts = a["government_part"] + a["platform_discount"] + a["enterprise_part"]
    np.testing.assert_allclose(parts, a["price_paid"], rtol=1e-9, atol=1e-6)
    for name in ("government_part", "platform_discount", "enterprise_part"):
        assert (a[name] >= 0).all()
    np.testing.assert_allclose(a["platform_discount"], sc.contract.platform_discount * a["price_paid"], rtol=1e-12)
