"""Institutions as written (issue 14 item 5): sub-industries then platforms per batch, caps per batch,
the contingent discount only with programme money, and the allocation of an oversubscribed batch.

Every run here goes through ``World.run``, which checks that money is conserved contract by
contract (``ledger.check_conservation`` raises otherwise), so each test also checks conservation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import dxsim as dx
from dxsim.model.institutions import LOTTERY_STREAM, allocation_rank
from dxsim.model.ledger import GOVERNMENT
from dxsim.model.world import World
from dxsim.random import Keys, replication_key
from dxsim.scenario.resolve import add_months

SMALL = dx.load_scenario("small")


def run(sc: dx.Scenario, seed: int = 1, replication: int = 0):
    w = World(sc, replication_key(seed, replication))
    return w, w.run()


def public_per_contract(r) -> np.ndarray:
    """Subsidies and rewards paid by the government on each contract (yuan)."""
    t = r.ledger
    mask = (t.payer == GOVERNMENT) & (t.select("subsidy") | t.select("reward"))
    return t.total(mask, by="contract", size=len(r.adopters["price_paid"]))


# ------------------------------------------------------------------ admission: sub-industries, then platforms
def spans(w: World, admitted: np.ndarray) -> tuple[int, set[int]]:
    """Platforms admitted and the sub-industries they are in."""
    chosen = admitted.astype(bool)
    return int(chosen.sum()), set(w.platforms.industry[chosen].tolist())


def test_batch_one_of_the_2022_pilot_admits_98_platforms_in_exactly_its_38_sub_industries():
    """FACTS row 6, in both bundled pilots (short horizons: admission happens in the first month)."""
    sc = dx.load_scenario("platform-pilot-2022").with_overrides({"horizon_months": 2})
    w, r = run(sc)
    n, industries = spans(w, r.admitted[0])
    assert (n, len(industries)) == (98, 38)

    three = dx.load_scenario("platform-pilot-2022-2025").with_overrides({"horizon_months": 25})
    w, r = run(three)
    assert r.admitted.shape == (3, 300)
    n, first = spans(w, r.admitted[0])
    assert (n, len(first)) == (98, 38)  # 98 of the 114 platforms of 38 of the 100 sub-industries
    _, second = spans(w, r.admitted[1])
    _, third = spans(w, r.admitted[2])
    assert len(second) == len(third) == 31  # later batches take sub-industries no earlier batch chose
    assert len(first | second | third) == 100  # FACTS row 1: 100 sub-industries over three batches
    # what a signing reads of one platform: each batch's admission as Python bools, the same
    admission = w.programme.batch_admission
    assert sorted(admission.admits) == sorted(admission.admitted) == [0, 1, 2]
    for batch, admitted in admission.admitted.items():
        assert admission.admits[batch] == admitted.tolist()
        assert all(type(x) is bool for x in admission.admits[batch])


def test_the_admitted_variable_reaches_the_dataset_and_its_files(tmp_path):
    sc = dx.load_scenario("platform-pilot-2022-2025").with_overrides(
        {
            "horizon_months": 2,
            "programme.batches": dx.load_scenario("platform-pilot-2022-2025").to_dict()["programme"]["batches"][:1],
        }
    )
    ds = dx.simulate(sc, replications=2, seed=1)
    admitted = ds["admitted"]
    assert admitted.dims == ("replication", "batch", "platform") and admitted.dtype == np.int8
    assert admitted.attrs["units"] == "1"
    assert (admitted.sum("platform") == 98).all()
    industries = [set(ds["platform_industry"].values[admitted.sel(replication=k, batch=0).values == 1]) for k in (0, 1)]
    assert [len(i) for i in industries] == [38, 38]
    assert industries[0] != industries[1]  # quality is drawn per replication: so is the admission
    back = dx.open_results(dx.write_netcdf(ds, tmp_path / "run.nc"))
    np.testing.assert_array_equal(back["admitted"].values, admitted.values)


def test_a_listed_batch_admits_only_the_platforms_of_its_sub_industries():
    sc = SMALL.with_overrides({"horizon_months": 6, "programme.batches[0].industries": ["machining"]})
    w, r = run(sc)
    n, industries = spans(w, r.admitted[0])
    assert (n, industries) == (2, {1})
    a = r.adopters
    got = public_per_contract(r) > 0
    assert got.any() and (a["adopter_industry"][got] == 1).all()  # only machining's contracts get money


# ------------------------------------------------------------------ caps per batch, the contingent discount
def two_batches(cap: float, contingent: bool = True) -> dx.Scenario:
    """``small``: a 50k voucher paid to the platform at signing, a cap per platform, two ample batches."""
    return SMALL.with_overrides(
        {
            "horizon_months": 18,
            "contract.platform_discount_contingent": contingent,
            "programme.instruments": [{"kind": "voucher", "amount": 5e4, "cap_per_platform": cap}],
            "programme.batches": [
                {"name": "a", "opens": dt.date(2022, 9, 1), "closes": dt.date(2023, 2, 28), "budget": 1e9},
                {"name": "b", "opens": dt.date(2023, 3, 1), "closes": dt.date(2023, 8, 31), "budget": 1e9},
            ],
        }
    )


def test_caps_reset_per_batch():
    """A cap that binds in batch a (two vouchers per platform) pays again, up to the cap, in batch b."""
    cap = 1e5
    _, r = run(two_batches(cap))
    a = r.adopters
    paid = public_per_contract(r)
    platform = a["adopter_platform"].astype(int)
    for lo, hi in ((0, 6), (6, 12)):  # the batches' windows, months
        inside = (a["signed_month"] >= lo) & (a["signed_month"] < hi)
        per_platform = np.bincount(platform[inside], weights=paid[inside], minlength=4)
        np.testing.assert_allclose(per_platform, cap)  # binds for every platform, in each batch
        assert (np.bincount(platform[inside], minlength=4) > 2).all()  # more contracts than the cap funds


def test_no_contingent_discount_when_the_platform_receives_no_programme_money():
    _, r = run(two_batches(1e5))
    a = r.adopters
    price, discount = a["price_paid"], a["platform_discount"]
    funded = public_per_contract(r) > 0
    assert funded.any() and (~funded).any()
    np.testing.assert_allclose(discount[funded], 0.1 * price[funded])
    assert (discount[~funded] == 0).all()  # past its cap, or after the batches: the full price
    np.testing.assert_allclose(a["enterprise_part"][~funded], price[~funded])

    _, kept = run(two_batches(1e5, contingent=False))  # a discount that is not contingent is always given
    np.testing.assert_allclose(kept.adopters["platform_discount"], 0.1 * kept.adopters["price_paid"])


# ------------------------------------------------------------------ allocation of an oversubscribed batch
def monthly_batches(rule: str, budget: float = 1e6, months: int = 8) -> dx.Scenario:
    """``small`` with 10,000 SMEs and a one-month batch of ``budget`` each month: every month oversubscribed."""
    batches = [
        {
            "name": f"m{k}",
            "opens": add_months(SMALL.start, k),
            "closes": add_months(SMALL.start, k + 1) - dt.timedelta(days=1),
            "budget": budget,
        }
        for k in range(months)
    ]
    return SMALL.with_overrides(
        {
            "horizon_months": months,
            "industry_defaults.enterprises": 5000,
            "programme.batches": batches,
            "programme.allocation": rule,
        }
    )


def test_the_same_seed_draws_the_same_lottery_winners_and_another_seed_others():
    sc = monthly_batches("lottery")
    _, first = run(sc, seed=1)
    _, again = run(sc, seed=1)
    _, other = run(sc, seed=2)
    for name, values in first.applicants.items():
        np.testing.assert_array_equal(values, again.applicants[name])
    won = first.applicants["won"] == 1
    assert 0 < won.mean() < 1  # oversubscribed
    winners = set(first.applicants["enterprise"][won].tolist())
    assert winners != set(other.applicants["enterprise"][other.applicants["won"] == 1].tolist())


def test_two_scenarios_on_one_seed_share_the_lottery_draws():
    """Month 0 has the same applicants under both budgets; the smaller budget's winners are among the larger's."""
    small_budget, large_budget = (run(monthly_batches("lottery", budget=b))[1].applicants for b in (1e6, 2e6))

    def month0(a: dict, won: bool) -> set[float]:
        return set(a["enterprise"][(a["month"] == 0) & ((a["won"] == 1) == won)].tolist())

    assert month0(small_budget, True) | month0(small_budget, False) == month0(large_budget, True) | month0(
        large_budget, False
    )
    assert month0(small_budget, True) < month0(large_budget, True)


def stratified_z(value: np.ndarray, won: np.ndarray, stratum: np.ndarray) -> float:
    """z-score of the winners' total ``value`` against uniform sampling of winners within each stratum.

    Under the null each stratum's winners are a uniform random subset of its applicants, so their
    total has mean ``w * mean`` and variance ``w (n - w) / (n - 1) * var`` (sampling without
    replacement, ``var`` the stratum's population variance); strata are independent.
    """
    total = mean = var = 0.0
    for s in np.unique(stratum):
        x, w = value[stratum == s], won[stratum == s]
        n, k = len(x), int(w.sum())
        if n < 2 or k in (0, n):
            continue
        total += x[w].sum()
        mean += k * x.mean()
        var += k * (n - k) / (n - 1) * x.var()
    return (total - mean) / np.sqrt(var)


def applicant_traits(rule: str, replications: int = 4) -> tuple[np.ndarray, ...]:
    """Maturity, revenue, win flag and (replication, month) stratum of every applicant, pooled."""
    maturity, revenue, won, stratum = [], [], [], []
    for k in range(replications):
        w, r = run(monthly_batches(rule), seed=11, replication=k)
        ids = r.applicants["enterprise"].astype(np.int64)
        att = w.population.attributes(ids, w.population.industry_of(ids))
        maturity.append(att.maturity)
        revenue.append(att.revenue)
        won.append(r.applicants["won"] == 1)
        stratum.append(k * 1000 + r.applicants["month"])
    return tuple(np.concatenate(x) for x in (maturity, revenue, won, stratum))


@pytest.mark.parametrize("trait", ["maturity", "revenue"])
def test_lottery_winners_are_a_uniform_sample_of_the_applicants(trait):
    """Within each oversubscribed month, winners look like losers (|z| < 3, a 0.3% two-sided test).

    Seed 11, four replications of eight monthly batches: about 2,400 applicants, 700 winners. Under
    ``score`` (the lowest starting maturity first) the same statistic is far below -3 for maturity,
    so the test can fail.
    """
    maturity, revenue, won, stratum = applicant_traits("lottery")
    value = maturity if trait == "maturity" else np.log(revenue)
    assert 500 < won.sum() < len(won) - 500
    assert abs(stratified_z(value, won, stratum)) < 3.0


def test_score_serves_the_lowest_starting_maturity_first():
    maturity, _, won, stratum = applicant_traits("score", replications=2)
    assert stratified_z(maturity, won, stratum) < -10.0


def test_the_keyed_lottery_ranks_each_applicant_uniformly():
    """Position of applicant 0 among 5, over 5,000 keyed months: chi-square with 4 df below 18.47 (p = 0.001)."""
    keys = Keys(replication_key(3, 0))
    ids = np.arange(5)
    position = np.array(
        [
            int(
                np.flatnonzero(
                    allocation_rank("lottery", np.zeros(5), np.zeros(5), keys.uniform(LOTTERY_STREAM, ids, t)) == 0
                )[0]
            )
            for t in range(5000)
        ]
    )
    counts = np.bincount(position, minlength=5)
    chi2 = ((counts - 1000.0) ** 2 / 1000.0).sum()
    assert chi2 < 18.47


def test_the_applicant_log_gives_each_attempts_values_in_their_columns():
    """One row per attempt recorded: its enterprise, month, batch and whether it won (1 or 0), as floats."""
    from dxsim.model.institutions import ApplicantLog

    log = ApplicantLog()
    assert {k: v.tolist() for k, v in log.arrays().items()} == {"enterprise": [], "month": [], "batch": [], "won": []}
    record = log.recorder()
    for attempt in [(7, 3, 0, True), (2, 3, 0, False), (7, 15, 1, True)]:
        record(attempt)
    cols = log.arrays()
    assert list(cols) == ["enterprise", "month", "batch", "won"]
    assert cols["enterprise"].tolist() == [7.0, 2.0, 7.0] and cols["month"].tolist() == [3.0, 3.0, 15.0]
    assert cols["batch"].tolist() == [0.0, 0.0, 1.0] and cols["won"].tolist() == [1.0, 0.0, 1.0]
    assert all(c.dtype == np.float64 and c.flags.c_contiguous for c in cols.values())
