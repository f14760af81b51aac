"""dxsim.studies.compare: runs side by side, their additionality, and the paired difference of two runs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.additionality import interval_summary
from dxsim.analysis.metrics import HEADLINE, paired_difference
from dxsim.studies.compare import COMPARE_ROWS, RUN_ROWS, Comparison
from dxsim.tables import format_comparison

REPS, SEED = 3, 1


@pytest.fixture(scope="module")
def add(run: xr.Dataset, cf_run: xr.Dataset) -> xr.Dataset:
    return dx.additionality(run, cf_run)


@pytest.fixture(scope="module")
def discount(market: dx.Scenario) -> xr.Dataset:
    """The market with a larger platform discount, two replications on the same seed."""
    return dx.simulate(market.with_overrides({"contract.platform_discount": 0.25}), replications=2, seed=SEED)


def test_compare_puts_headline_metrics_side_by_side(run, cf_run):
    table = dx.compare({"programme": run, "market": cf_run}).metrics
    assert list(table.columns.get_level_values(0).unique()) == ["programme", "market"]
    assert list(table.columns.get_level_values(1).unique()) == ["mean", "p5", "p95"]
    head = dx.headline(run, metrics=[*HEADLINE, *RUN_ROWS])
    pd.testing.assert_frame_equal(table["programme"], head.drop(columns="units"), check_names=False)
    pd.testing.assert_frame_equal(
        table["programme"].loc[list(HEADLINE)], dx.headline(run).drop(columns="units"), check_names=False
    )
    assert table.attrs["units"]["public_money"] == "yuan"
    assert table.loc["public_money", ("market", "mean")] == 0


def test_compare_with_counterfactual(run, cf_run, add):
    table = dx.compare({"p": run}, counterfactual=cf_run).metrics
    assert table.index.tolist() == [*HEADLINE, *RUN_ROWS, *COMPARE_ROWS]
    assert table.loc["additional_adopters", ("p", "mean")] == pytest.approx(float(add["additional_adopters"].mean()))
    share = float(add["free_riders"].mean() / add["adopters"].mean())
    assert table.loc["free_rider_share", ("p", "mean")] == pytest.approx(share)
    low, high = table.loc["additional_adopters", ("p", "p5")], table.loc["additional_adopters", ("p", "p95")]
    assert low <= table.loc["additional_adopters", ("p", "mean")] <= high
    assert table.attrs["units"]["leverage"] == "1"


def test_compare_shows_when_the_money_runs_out_and_the_platforms_losses(run, cf_run):
    table = dx.compare({"p": run, "market": cf_run}).metrics
    summary = dx.summarize(run)
    share = float(summary["budget_exhausted"].mean())
    assert table.loc["budget_exhausted", ("p", "mean")] == pytest.approx(share)
    months = summary["budget_exhaustion_month"].fillna(np.inf)  # never within the horizon: +inf
    assert table.loc["budget_exhaustion_month", ("p", "mean")] == pytest.approx(months.mean())
    assert table.loc["budget_exhaustion_month", ("market", "mean")] == np.inf  # no budget: it never runs out
    assert table.loc["budget_exhausted", ("market", "mean")] == 0
    net = run["cash_flow"].sel(party="platform").sum("month")
    assert table.loc["platform_net_cash", ("p", "mean")] == pytest.approx(float(net.mean()))
    assert table.attrs["units"]["platform_net_cash"] == "yuan" and table.attrs["units"]["platforms_losing"] == "1"
    assert 0 <= table.loc["platforms_losing", ("p", "p5")] <= table.loc["platforms_losing", ("p", "p95")] <= 1


def test_compare_money_rows_reconcile(run, cf_run, add):
    table = dx.compare({"p": run}, counterfactual=cf_run).metrics["p"]
    rows = table.index.tolist()
    assert rows.index("additional_taxes") == rows.index("additional_tax_revenue") + 1
    balance = table.loc["additional_taxes", "mean"] - table.loc["public_money", "mean"]
    assert table.loc["fiscal_balance", "mean"] == pytest.approx(balance, rel=1e-9)
    np.testing.assert_allclose(add["fiscal_balance"], add["additional_taxes"] - add["public_money"], rtol=1e-9)
    # the income tax is only a part of every tax gained: VAT and the platforms' income tax come on top
    assert table.loc["additional_tax_revenue", "mean"] != pytest.approx(table.loc["additional_taxes", "mean"])


def test_compare_shows_money_spent_for_nothing_additional_as_an_unbounded_cost_in_mean_and_interval(add):
    none = add.assign(
        additional_lighthouses=add["additional_lighthouses"] * 0,
        public_money_per_additional_lighthouse=add["public_money_per_additional_lighthouse"] * np.nan,
    )
    assert (none["public_money"] > 0).all()
    table = interval_summary(none, ["public_money_per_additional_lighthouse"])
    assert (table.iloc[0, :3] == np.inf).all()  # inf [inf, inf], not n/a [inf, inf]
    free = none.assign(public_money=none["public_money"] * 0)  # no money and nothing additional: no ratio
    assert interval_summary(free, ["public_money_per_additional_lighthouse"]).iloc[0, :3].isna().all()
    # one replication without an additional adopter: its money counts in the mean, its cost is +inf
    one = add.assign(
        additional_adopters=add["additional_adopters"].where(add["replication"] != add["replication"][0], 0)
    )
    one["public_money_per_additional_adopter"] = one["public_money"] / one["additional_adopters"].where(
        one["additional_adopters"] > 0
    )
    row = interval_summary(one, ["public_money_per_additional_adopter"], interval=0.98).iloc[0]
    assert row["mean"] == pytest.approx(float(one["public_money"].sum() / one["additional_adopters"].sum()))
    assert row.iloc[2] == np.inf and np.isfinite(row.iloc[1])


def test_compare_of_a_run_without_lighthouses_shows_their_cost_as_unbounded(small):
    """``small`` over 24 months designates no lighthouse in either world but pays public money: inf [inf, inf]."""
    short = dx.simulate(small.with_overrides({"horizon_months": 24}), replications=2, seed=SEED, counterfactual=True)
    cmp = dx.compare({"s24": short}, counterfactual=True)
    assert (cmp.metrics.loc["additional_lighthouses"] == 0).all()
    assert (cmp.metrics.loc["public_money", ("s24", "mean")] > 0).all()
    assert (cmp.metrics.loc["public_money_per_additional_lighthouse"].iloc[:3] == np.inf).all()
    line = next(
        x for x in format_comparison(cmp).splitlines() if x.startswith("public_money_per_additional_lighthouse")
    )
    assert "inf [inf, inf]" in line and "n/a" not in line


def test_compare_runs_each_counterfactual_or_takes_one_per_label(run, cf_run):
    given = dx.compare({"p": run}, counterfactual={"p": cf_run}).metrics
    pd.testing.assert_frame_equal(dx.compare({"p": run}, counterfactual=True).metrics, given)
    with pytest.raises(ValueError, match="no counterfactual for run 'p'"):
        dx.compare({"p": run}, counterfactual={"q": cf_run})
    with pytest.raises(ValueError, match=r"^p: the counterfactual must share"):
        dx.compare({"p": run}, counterfactual=cf_run.assign_attrs(seed=SEED + 1))


def test_compare_holds_both_tables(run, discount):
    cmp = dx.compare({"base": run, "discount": discount})
    assert isinstance(cmp, Comparison)
    assert isinstance(cmp.metrics, pd.DataFrame) and isinstance(cmp.paired_difference, pd.DataFrame)
    assert cmp.to_frame() is cmp.metrics
    assert (cmp.minuend, cmp.subtrahend, cmp.paired_label) == ("discount", "base", "discount - base")
    assert cmp.units == cmp.metrics.attrs["units"] and cmp.units["adopters"] == "enterprises"
    assert "paired_difference" not in cmp.metrics.attrs  # nothing hidden in attrs
    text, page = repr(cmp), cmp._repr_html_()
    assert "metrics" in text and "paired difference discount - base" in text
    assert page.count("<table") == 2 and "paired difference discount - base" in page
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmp.paired_difference = None  # type: ignore[misc]
    pd.concat([cmp.metrics, cmp.metrics])  # the table still concatenates


def test_compare_prints_each_number_on_its_own(run, discount):
    # pandas writes a column of counts and yuan in scientific notation (2.623333e+02) in one format
    cmp = dx.compare({"base": run, "discount": discount})
    text, page = repr(cmp), cmp._repr_html_()
    assert "e+0" not in text and "e+0" not in page
    adopters = cmp.metrics.loc["adopters", ("base", "mean")]
    money = cmp.metrics.loc["public_money", ("base", "mean")]
    assert money >= 1e5  # a sum in yuan beside a count of enterprises
    for shown in (f"{adopters:,.0f}" if adopters >= 100 else f"{adopters:.3g}", f"{money:,.0f}"):
        assert shown in text and shown in page


def test_compare_of_two_runs_on_one_seed_has_a_paired_difference(market, run, discount):
    cmp = dx.compare({"base": run, "discount": discount})
    expected = paired_difference(run, discount, [*HEADLINE, *RUN_ROWS])
    pd.testing.assert_frame_equal(cmp.paired_difference, expected)
    np.testing.assert_allclose(cmp.paired_difference["mean"], expected["mean"])
    assert (cmp.paired_difference["pairs"] == 2).all()  # the replications both runs have
    # no pairs: different seeds, or not exactly two runs
    assert dx.compare({"a": run, "b": dx.simulate(market, seed=SEED + 1)}).paired_difference is None
    three = dx.compare({"a": run, "b": discount, "c": run})
    assert three.paired_difference is None and three.paired_label is None
    assert dx.compare(run).paired_difference is None


def test_the_dataframe_api_of_old_still_works_with_a_deprecation_warning(run, discount):
    cmp = dx.compare({"base": run, "discount": discount})
    with pytest.warns(DeprecationWarning, match=r"use \.metrics\.loc"):
        value = cmp.loc["adopters", ("base", "mean")]
    assert value == cmp.metrics.loc["adopters", ("base", "mean")]
    with pytest.warns(DeprecationWarning, match="Comparison"):
        assert cmp.attrs["units"] == cmp.units
    with pytest.warns(DeprecationWarning):
        pd.testing.assert_frame_equal(cmp["base"], cmp.metrics["base"])
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        cmp.nonsense  # noqa: B018


def test_compare_refuses_a_bad_interval_and_no_runs(run):
    with pytest.raises(ValueError, match="interval"):
        dx.compare(run, interval=1.0)
    with pytest.raises(ValueError, match="at least one run"):
        dx.compare({})
    assert list(dx.compare(run, interval=0.5).metrics[run.attrs["scenario_name"]].columns) == ["mean", "p25", "p75"]


def test_compare_says_why_there_is_no_paired_difference(run):
    other = run.copy()
    other.attrs = {**run.attrs, "seed": int(run.attrs["seed"]) + 1}
    cmp = dx.compare({"a": run, "b": other})
    assert cmp.paired_difference is None
    assert (
        cmp.unpaired
        == f"seeds {run.attrs['seed']} and {other.attrs['seed']}: not the same enterprises (no common random numbers)"
    )
    assert repr(cmp).endswith(f"no paired difference: {cmp.unpaired}")
    assert format_comparison(cmp).endswith(f"no paired difference: {cmp.unpaired}")
    three = dx.compare({"a": run, "b": run, "c": run})
    assert three.unpaired == "3 runs (a paired difference takes exactly two)" and three.paired_difference is None
    assert dx.compare({"a": run}).unpaired is None
    paired = dx.compare({"a": run, "b": run})
    assert paired.unpaired is None and paired.paired_difference is not None


def test_two_runs_of_other_firms_or_months_are_not_paired(market, run):
    """One seed is not enough: a paired difference follows the same enterprises over the same months."""
    shorter = dx.simulate(market.with_overrides({"horizon_months": 24}), replications=2, seed=SEED)
    cmp = dx.compare({"a": run, "b": shorter})
    assert cmp.paired_difference is None
    assert cmp.unpaired is not None and "the same months" in cmp.unpaired
    first = market.resolved_industries[0].name
    bigger = dx.simulate(market.with_overrides({"industry_defaults.enterprises": 400}), replications=2, seed=SEED)
    cmp = dx.compare({"a": run, "b": bigger})
    assert cmp.paired_difference is None
    assert cmp.unpaired is not None and f"{first} 400" in cmp.unpaired
    with pytest.raises(ValueError, match="industries or enterprises"):
        paired_difference(run, bigger)


def test_the_same_firms_are_read_at_each_sweep_point_and_in_uncertain_sizes(small):
    """A sweep point is its own scenario (not the sweep's base); an [uncertain] size is another population."""
    sc = small.with_overrides({"horizon_months": 6})
    sizes = {"industry_defaults.enterprises": [100, 200]}
    sw = dx.sweep(sc, sizes, replications=2, seed=SEED)
    point = sw.sel({"industry_defaults.enterprises": 100})
    same = dx.simulate(sc.with_overrides({"industry_defaults.enterprises": 100}), replications=2, seed=SEED)
    assert (paired_difference(point, same)["mean"].dropna() == 0).all()  # the same firms, the same rules
    with pytest.raises(ValueError, match="textiles 100, machining 100 vs textiles 200, machining 200"):
        paired_difference(point, sw.sel({"industry_defaults.enterprises": 200}))
    two = dx.sweep(sc, {"industry_defaults.enterprises": [100, 200], "contract.platform_discount": [0.1, 0.2]},
                   replications=1, seed=SEED)  # fmt: skip
    pointwise = paired_difference(two.sel({"contract.platform_discount": 0.1}), sw.isel(replication=[0]))
    assert (pointwise["mean"].dropna() == 0).all() and pointwise.loc["adopters", "pairs"] == 2  # two points, one rep
    drawn = {"industries[0].enterprises": {"dist": "empirical", "values": [50, 400]}}
    uncertain = dx.simulate(sc.with_overrides({"uncertain": drawn}), replications=2, seed=SEED)
    fixed = dx.simulate(sc, replications=2, seed=SEED)
    cmp = dx.compare({"fixed": fixed, "drawn": uncertain})
    assert cmp.paired_difference is None and "draw their numbers of enterprises differently" in str(cmp.unpaired)
