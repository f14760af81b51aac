"""dxsim.analysis.metrics: summarize per replication and per sweep point, headline, paired differences.

``dxsim compare`` and its workbook are tested in tests/studies/test_compare.py and tests/face/test_tables.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dxsim as dx
from dxsim import plot
from dxsim.analysis import metrics
from dxsim.analysis.moments import Statistic, statistics

REPS, SEED = 3, 1
BUDGET = "programme.batches[0].budget"


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    """``small`` over two years."""
    return small.with_overrides({"horizon_months": 24})


@pytest.fixture(scope="module")
def run(short: dx.Scenario) -> xr.Dataset:
    return dx.simulate(short, replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def table(run: xr.Dataset) -> pd.DataFrame:
    return dx.summarize(run)


def test_headline_and_paired_difference_print_each_number_on_its_own(short, run):
    # a count of enterprises and a sum in yuan in one column: pandas would write both as 2.623333e+02
    head = dx.headline(run)
    other = dx.simulate(short.with_overrides({"contract.platform_discount": 0.25}), replications=REPS, seed=SEED)
    diff = metrics.paired_difference(run, other)
    assert (diff["mean"].abs() > 0).any() and diff["mean"].abs().max() > 1e5  # counts and yuan differ
    for table in (head, diff):
        assert isinstance(table, pd.DataFrame)
        assert "e+0" not in repr(table) and "e+0" not in table._repr_html_()
    assert f"{head.loc['public_money', 'mean']:,.0f}" in repr(head)
    # what is taken from them prints alike, and their values are untouched
    both = pd.concat({"a": head.drop(columns="units"), "b": head.drop(columns="units")}, axis=1)
    assert "e+0" not in repr(both)
    assert head.loc["adopters", "mean"] == dx.summarize(run)["adopters"].mean()
    with pd.option_context("display.float_format", "{:.2e}".format):  # a format the user chose is followed
        assert f"{head.loc['public_money', 'mean']:.2e}" in repr(head)


# --------------------------------------------------------------------------- summarize
def test_summarize_has_one_row_per_replication_and_every_metric(run, table):
    assert list(table.columns) == list(metrics.METRICS)
    assert table.index.name == "replication"
    assert table.index.tolist() == run["replication"].values.tolist()
    for name, (units, meaning) in metrics.METRICS.items():
        assert units and meaning, name
    # headline keeps its rows and its format
    head = dx.headline(run)
    assert head.index.tolist() == list(metrics.HEADLINE)
    assert head.columns.tolist() == ["mean", "p5", "p95", "units"]
    assert head.loc["adopters", "mean"] == pytest.approx(table["adopters"].mean())


def test_summarize_computes_the_metrics_asked_for_alone_and_the_same(run, table, monkeypatch):
    # each metric alone, and a few together in another order: the same values as in the whole table
    for name in metrics.METRICS:
        pd.testing.assert_frame_equal(dx.summarize(run, metrics=[name]), table[[name]])
    some = ["leverage", "enterprise_paid_back_24", "adopters", "median_platform_payback"]
    pd.testing.assert_frame_equal(dx.summarize(run, metrics=some), table[some])

    # only what they need is computed: no Wright's-law fit, no scenario read from the attrs
    def refused(*args, **kwargs):
        raise AssertionError("computed without being asked for")

    monkeypatch.setattr(metrics, "wright_points", refused)
    monkeypatch.setattr(metrics, "scenario_of", refused)
    assert dx.summarize(run, metrics=some).shape == (REPS, len(some))
    values = statistics(run, [Statistic("adopters"), Statistic("accepted", 12), Statistic("public_money_per_accepted")])
    assert values[:, 0].tolist() == table["adopters"].tolist()
    assert dx.headline(run).index.tolist() == list(metrics.HEADLINE)  # the headline asks only for its rows
    with pytest.raises(AssertionError, match="without being asked"):
        dx.summarize(run)
    with pytest.raises(ValueError, match=r"unknown metric\(s\) adoptres"):
        dx.summarize(run, metrics=["adoptres"])
    with pytest.raises(ValueError, match="named more than once: adopters"):
        dx.summarize(run, metrics=["adopters", "leverage", "adopters"])
    with pytest.raises(ValueError, match="a list of names, got the string 'adopters'"):
        dx.headline(run, metrics="adopters")


def test_metrics_computed_together_are_computed_once(run, table, monkeypatch):
    # a party's Kaplan-Meier median and shares come from one pass over its contracts: one median each replication
    calls = []
    median = metrics.km_median
    monkeypatch.setattr(metrics, "km_median", lambda *a: calls.append(1) or median(*a))
    names = ["median_enterprise_payback", "enterprise_paid_back_12", "enterprise_paid_back_36", "leverage"]
    pd.testing.assert_frame_equal(dx.summarize(run, metrics=names), table[names])
    assert len(calls) == REPS


def test_payback_shares_of_each_party_are_shares_non_decreasing_in_months(table):
    for party in ("enterprise", "platform"):
        shares = table[[f"{party}_paid_back_{m}" for m in metrics.PAYBACK_THRESHOLDS]].to_numpy()
        assert (~np.isnan(shares[:, 0])).all()  # 12 months is within the two years of follow-up
        known = shares[~np.isnan(shares)]
        assert ((known >= 0) & (known <= 1)).all()
        for row in shares:
            row = row[~np.isnan(row)]
            assert (np.diff(row) >= 0).all()
        median = table[f"median_{party}_payback"]
        # the median is within 12 months exactly when half had paid back by then
        assert ((median <= 12) == (table[f"{party}_paid_back_12"] >= 0.5)).all()


def test_leverage_and_money_per_accepted_from_the_dataset(run, table):
    for k, r in enumerate(run["replication"].values):
        rec = run.sel(replication=r)
        ok = ~np.isnan(rec["signed_month"].values)
        subsidised = ok & ((np.nan_to_num(rec["government_part"].values) > 0) | (rec["government_paid"].values > 0))
        private = (rec["enterprise_part"].values + rec["platform_discount"].values)[subsidised].sum()
        public = float(rec["public_money"].sum())
        accepted = float(rec["accepted"].isel(month=-1).sum())
        lighthouses = float(rec["lighthouses"].isel(month=-1).sum())
        assert table["public_money"].iloc[k] == pytest.approx(public)
        assert table["leverage"].iloc[k] == pytest.approx(private / public)
        assert table["public_money_per_accepted"].iloc[k] == pytest.approx(public / accepted)
        per_lighthouse = table["public_money_per_lighthouse"].iloc[k]
        if lighthouses > 0:
            assert per_lighthouse == pytest.approx(public / lighthouses)
        else:  # none designated yet in this replication
            assert np.isnan(per_lighthouse)
    assert (table["leverage"] > 0).all()


def test_leverage_is_the_additionality_leverage_against_a_counterfactual_without_money(run, table):
    add = dx.additionality(run)
    np.testing.assert_allclose(table["leverage"].to_numpy(), add["leverage"].values, rtol=1e-12)


def test_budget_lapsed_is_the_run_s_lapse(short):
    ds = dx.simulate(short, replications=2, seed=SEED)
    lapsed = dx.summarize(ds)["budget_lapsed"].to_numpy()
    np.testing.assert_allclose(lapsed, ds["budget_lapsed"].sum("month").values)
    assert (lapsed > 0).all()  # short: the batch closes within the horizon with money left
    assert dx.summarize(ds.drop_vars("budget_lapsed"))["budget_lapsed"].isna().all()  # a file before 0.5.2


def test_budget_exhaustion_month(short):
    ample_run = dx.simulate(short.with_overrides({BUDGET: 1e12}), replications=2, seed=SEED)
    ample = dx.summarize(ample_run)
    assert ample["budget_exhaustion_month"].isna().all()
    assert (ample["budget_exhausted"] == 0).all()
    ds = dx.simulate(short.with_overrides({BUDGET: 1e6}), replications=2, seed=SEED)
    tiny = dx.summarize(ds)["budget_exhaustion_month"]
    assert np.isfinite(tiny).all()
    assert (dx.summarize(ds)["budget_exhausted"] == 1).all()
    # headline (and compare): the share of replications in which it ran out; never = +inf, not a NaN left out
    rows = ["budget_exhausted", "budget_exhaustion_month"]
    head = dx.headline(ds, metrics=rows)
    assert head.loc["budget_exhausted", "mean"] == 1.0
    assert head.loc["budget_exhaustion_month", "mean"] == pytest.approx(tiny.mean())
    assert head.loc["budget_exhaustion_month", "p95"] == pytest.approx(tiny.quantile(0.95))
    never = dx.headline(ample_run, metrics=rows)
    assert never.loc["budget_exhausted", ["mean", "p5", "p95"]].tolist() == [0.0, 0.0, 0.0]
    assert never.loc["budget_exhaustion_month", ["mean", "p5", "p95"]].tolist() == [np.inf] * 3
    with pytest.raises(ValueError, match="unknown metric"):
        dx.headline(ds, metrics=["nonsense"])
    closes = short.month_of(short.programme.batches[0].closes, end_of_day=True)
    for k, month in enumerate(tiny.to_numpy()):
        left = ds["budget_remaining"].isel(replication=k).values
        t = int(month) - 1  # the value is the end of the month: budget_remaining[t] is read at t + 1
        assert month == t + 1 and 0 < month < closes
        assert left[t] < 0.01 * 1e6 and (left[:t] >= 0.01 * 1e6).all()


def test_platform_losses_are_the_platforms_cash_flows_over_the_horizon(short, run, table):
    net = run["cash_flow"].sel(party="platform").sum("month").values
    np.testing.assert_allclose(table["platform_net_cash"], net, rtol=1e-12)
    np.testing.assert_allclose(table["platform_net_cash"], run["platform_cash_flow"].sum(["month", "platform"]))
    assert (table["platform_net_cash"] > 0).all() and (table["platforms_losing"] == 0).all()
    # fixed costs of 3M a year sink every platform of `short` (about 1.5M net each over two years)
    costly = dx.simulate(short.with_overrides({"platforms.fixed_cost_per_year": 3e6}), replications=2, seed=SEED)
    losses = dx.summarize(costly)
    assert (losses["platform_net_cash"] < 0).all()
    assert (losses["platforms_losing"] == 1).all()
    # a share of the platforms: half of them losing
    sign = xr.DataArray(np.where(np.arange(costly.sizes["platform"]) % 2, -1.0, 1.0), dims="platform")
    half = costly.assign(platform_cash_flow=costly["platform_cash_flow"] * sign)
    assert (dx.summarize(half)["platforms_losing"] == 0.5).all()
    assert np.isnan(dx.summarize(run.drop_vars("platform_cash_flow"))["platforms_losing"]).all()


def test_a_platform_owed_more_than_its_cash_deficit_is_not_losing(short):
    # instalments over 24 months: within the horizon the platforms have spent more than they were paid,
    # yet they are owed more than that; losing is cash + what they are owed at the end < 0 (at face value)
    deferred = short.with_overrides({"contract.payment": {"scheme": "installments", "months": 24}})
    ds = dx.simulate(deferred, replications=2, seed=SEED)
    table = dx.summarize(ds)
    owed = ds["receivables"].isel(month=-1)
    np.testing.assert_allclose(table["platform_receivables"], owed.sum("platform").values, rtol=1e-12)
    cash = ds["platform_cash_flow"].sum("month")
    np.testing.assert_array_equal(table["platforms_losing"], ((cash + owed) < 0).mean("platform").values)
    assert (table["platform_net_cash"] < 0).all() and (
        table["platform_receivables"] > -table["platform_net_cash"]
    ).all()
    assert (table["platforms_losing"] < 1).all()


def test_progress_ratio_recovers_the_scenario(small):
    sc = small.with_overrides({"platforms.spillover": 0.0, "platforms.progress_ratio": 0.8, "horizon_months": 24})
    ds = dx.simulate(sc, replications=2, seed=3)
    np.testing.assert_allclose(dx.summarize(ds)["progress_ratio"], 0.8, rtol=0.03)
    assert metrics.progress_ratio(ds) == pytest.approx(0.8, rel=0.03)
    assert plot.progress_ratio is metrics.progress_ratio  # the figure's estimate is the metric


def test_summarize_a_sweep_has_one_row_per_point_and_replication(short):
    sw = dx.sweep(
        short,
        {"budget": (BUDGET, [1e6, 1e12]), "contract.platform_discount": [0.0, 0.2]},
        replications=2,
        seed=SEED,
    )
    table = dx.summarize(sw)
    assert table.index.names == ["budget", "contract.platform_discount", "replication"]
    assert len(table) == 2 * 2 * 2 and table.index.is_unique
    point = sw.sel({"budget": 1e6, "contract.platform_discount": 0.2})
    pd.testing.assert_frame_equal(table.loc[(1e6, 0.2)], dx.summarize(point))
    # the budget of each point is its own: the small one runs out, the large one never
    assert np.isfinite(table.loc[1e6, "budget_exhaustion_month"]).all()
    assert table.loc[1e12, "budget_exhaustion_month"].isna().all()
    with pytest.raises(ValueError, match="one run"):
        dx.headline(sw)


# --------------------------------------------------------------------------- paired differences
def test_paired_difference_of_a_run_with_itself_is_zero(run, table):
    diff = metrics.paired_difference(run, run)
    assert diff.index.tolist() == list(metrics.METRICS)
    stats = diff[["mean", "p5", "p95"]].to_numpy(dtype=float)
    assert (stats[~np.isnan(stats)] == 0).all()
    # equal values pair to 0, even inf or a budget never exhausted; only a metric undefined everywhere is NaN
    undefined = table.isna().all()
    undefined["budget_exhaustion_month"] = False
    assert diff["mean"].isna().tolist() == undefined.tolist()
    assert diff.loc["budget_exhaustion_month", "mean"] == 0
    assert (diff.loc[list(metrics.HEADLINE), "pairs"] == REPS).all()


def test_paired_difference_is_the_mean_of_per_replication_differences(short, run, table):
    other = dx.simulate(short.with_overrides({"contract.platform_discount": 0.25}), replications=2, seed=SEED)
    diff = metrics.paired_difference(run, other, ["adopters", "public_money"])
    per = dx.summarize(other)[["adopters", "public_money"]] - table.loc[[0, 1], ["adopters", "public_money"]]
    for name in ("adopters", "public_money"):
        assert diff.loc[name, "mean"] == pytest.approx(per[name].mean())
        assert diff.loc[name, "p5"] == pytest.approx(np.quantile(per[name], 0.05))
        assert diff.loc[name, "pairs"] == 2
    with pytest.raises(ValueError, match="same seed"):
        metrics.paired_difference(run, dx.simulate(short, replications=1, seed=SEED + 1))
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.paired_difference(run, run, "adoptors")
