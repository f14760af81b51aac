"""dxsim.plot: every figure returns labelled Axes whose drawn numbers are the Dataset's numbers; money is in
million yuan; several runs share an axis in distinct colours under one legend; no legend covers data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import datetime as dt
from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from figure_checks import legend_covers, legends, overlapping_labels, renderer_of, run_colours
from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.image import AxesImage

import dxsim as dx
from dxsim import plot
from dxsim.analysis.additionality import fiscal_flow
from dxsim.analysis.budget import closing_months
from dxsim.analysis.survival import kaplan_meier, km_median
from dxsim.studies.appraisal import appraisal

DISCOUNT = "contract.platform_discount"
IMITATION = "industry_defaults.imitation"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sweep_ds(small: dx.Scenario) -> xr.Dataset:
    """A 2 x 2 sweep of ``small`` over two years, two replications per point."""
    short = small.with_overrides({"horizon_months": 24})
    return dx.sweep(short, {DISCOUNT: [0.0, 0.2], IMITATION: [0.2, 0.4]}, replications=2, seed=1)


@pytest.fixture(scope="module")
def paired(small: dx.Scenario) -> xr.Dataset:
    """Three replications of ``small`` over two years with their counterfactual inside."""
    return dx.simulate(small.with_overrides({"horizon_months": 24}), replications=3, seed=1, counterfactual=True)


@pytest.fixture(scope="module")
def other(small: dx.Scenario) -> xr.Dataset:
    """A second run of ``paired``'s scenario with a larger platform discount, its counterfactual inside."""
    sc = small.with_overrides({"horizon_months": 24, DISCOUNT: 0.3})
    return dx.simulate(sc, replications=3, seed=1, counterfactual=True)


def _labelled(ax: Axes, *units: str) -> None:
    """A non-empty title and axis labels; each unit appears in an axis label."""
    assert isinstance(ax, Axes)
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip() and ax.get_ylabel().strip()
    labels = ax.get_xlabel() + " " + ax.get_ylabel()
    for u in units:
        assert f"({u})" in labels, (u, labels)


def _line(ax: Axes, label: str) -> np.ndarray:
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return np.asarray(line.get_ydata(), dtype=float)


# --------------------------------------------------------------------------- adoption fan


@pytest.mark.parametrize("industry", [None, "machining"])
def test_fan_median_is_the_median_over_replications(small_ds: xr.Dataset, industry: str | None) -> None:
    ax = plot.adoption_fan(small_ds, industry=industry)
    _labelled(ax, "enterprises")
    da = small_ds["adopters"]
    da = da.sum("industry") if industry is None else da.sel(industry=industry)
    expected = np.median(da.transpose("replication", "month").values, axis=0)
    np.testing.assert_allclose(_line(ax, "median"), expected)
    assert len(ax.collections) == 2  # the 50% and 90% bands
    assert (industry or "all industries") in ax.get_title()


def test_fan_of_a_flow_and_of_a_programme_variable(small_ds: xr.Dataset) -> None:
    _labelled(plot.adoption_fan(small_ds, "adoptions"), "contracts / month")
    ax = plot.adoption_fan(small_ds, "public_money")
    _labelled(ax, "million yuan / month")  # money in million yuan on every axis
    expected = np.median(small_ds["public_money"].transpose("replication", "month").values, axis=0) / 1e6
    np.testing.assert_allclose(_line(ax, "median"), expected)


def test_two_runs_on_one_axis_get_two_colours_and_one_legend(paired: xr.Dataset, other: xr.Dataset) -> None:
    ax = plot.adoption_fan({"upfront": paired, "discount 30%": other})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["upfront", "discount 30%"]
    colours = run_colours(ax)
    assert len(colours) == 2 and colours[0] != colours[1]
    assert len(legends(ax.figure)) == 1
    for name, run in (("upfront", paired), ("discount 30%", other)):
        np.testing.assert_allclose(_line(ax, name), run["adopters"].sum("industry").median("replication").values)
    # the same, one call per run on the same Axes
    again = plot.adoption_fan(paired, label="upfront")
    plot.adoption_fan(other, label="discount 30%", ax=again)
    assert run_colours(again) == colours and len(legends(again.figure)) == 1
    assert [t.get_text() for t in again.get_legend().get_texts()] == ["upfront", "discount 30%"]
    with pytest.raises(ValueError, match="label= names a single run"):
        plot.adoption_fan({"a": paired}, label="b")


def test_fan_refuses_what_it_cannot_draw(small_ds: xr.Dataset) -> None:
    with pytest.raises(ValueError, match="unknown industry"):
        plot.adoption_fan(small_ds, industry="mining")
    with pytest.raises(ValueError, match="replication, month"):
        plot.adoption_fan(small_ds, "unit_cost")
    with pytest.raises(ValueError, match="no industry dimension"):
        plot.adoption_fan(small_ds, "budget_remaining", industry="textiles")


def test_given_axes_are_used(small_ds: xr.Dataset) -> None:
    _, ax = plt.subplots()
    assert plot.adoption_fan(small_ds, ax=ax) is ax
    assert plot.budget_burndown(small_ds, ax=ax) is ax


# --------------------------------------------------------------------------- payback


@pytest.mark.parametrize("party", ["enterprise", "platform"])
@pytest.mark.parametrize("discounted", [False, True])
def test_km_curve_starts_at_one_and_never_rises(small_ds: xr.Dataset, party: str, discounted: bool) -> None:
    ax = plot.payback_survival(small_ds, party=party, discounted=discounted)  # type: ignore[arg-type]
    _labelled(ax, "months", "1")
    (curve,) = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith(party)]
    x, y = np.asarray(curve.get_xdata(), dtype=float), np.asarray(curve.get_ydata(), dtype=float)
    assert x[0] == 0.0 and y[0] == 1.0
    assert np.all(np.diff(y) <= 1e-12) and np.all(np.diff(x) >= 0)
    assert np.all((y >= 0) & (y <= 1))


def test_km_median_in_the_legend_is_the_metrics_median(small_ds: xr.Dataset) -> None:
    ax = plot.payback_survival(small_ds)
    label = str(ax.get_lines()[0].get_label())
    medians = dx.summarize(small_ds)["median_enterprise_payback"]
    horizon = small_ds.attrs["horizon_months"]
    signed = small_ds["signed_month"].values.ravel()
    ok = ~np.isnan(signed)
    pooled = km_median(
        small_ds["payback_months"].values.ravel()[ok],
        small_ds["payback_censored"].values.ravel()[ok] > 0,
        horizon - np.floor(signed[ok]),
    )
    assert f"median {pooled:.1f} months" in label
    assert medians.min() <= pooled <= medians.max()
    n = int(ok.sum())
    censored = int((small_ds["payback_censored"].values.ravel()[ok] > 0).sum())
    assert f"n = {n}, {censored} censored" in label


def test_km_curve_matches_the_survival_of_uncensored_data(small_ds: xr.Dataset) -> None:
    """Without censoring the Kaplan-Meier curve is one minus the empirical CDF."""
    ds = small_ds.copy()
    ds["payback_censored"] = xr.zeros_like(ds["payback_censored"])
    ds["payback_months"] = ds["payback_months"].fillna(1000.0).where(~np.isnan(ds["signed_month"]))
    ax = plot.payback_survival(ds)
    curve = ax.get_lines()[0]
    x, y = np.asarray(curve.get_xdata(), dtype=float), np.asarray(curve.get_ydata(), dtype=float)
    times = ds["payback_months"].values.ravel()
    times = times[~np.isnan(times)]
    for t, s in zip(x[1:], y[1:], strict=True):
        assert s == pytest.approx(np.mean(times > t))


def test_overlaying_both_parties(small_ds: xr.Dataset) -> None:
    ax = plot.payback_survival(small_ds)
    plot.payback_survival(small_ds, party="platform", ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(s.startswith("enterprise") for s in labels) and any(s.startswith("platform") for s in labels)
    assert len(set(run_colours(ax))) == 2 and len(legends(ax.figure)) == 1
    with pytest.raises(ValueError, match="party"):
        plot.payback_survival(small_ds, party="bank")  # type: ignore[arg-type]


@pytest.mark.parametrize("party", ["enterprise", "platform"])
def test_km_band_is_scipys_confidence_interval(small_ds: xr.Dataset, party: str) -> None:
    """The shade around a curve is ``scipy.stats.ecdf(...).sf.confidence_interval(0.90)``, and holds the curve."""
    ax = plot.payback_survival(small_ds, party=party)  # type: ignore[arg-type]
    (band,) = ax.collections
    polygon = band.get_paths()[0].vertices
    signed = small_ds["signed_month"].values.ravel()
    ok = ~np.isnan(signed)
    column = {"enterprise": "payback", "platform": "platform_payback"}[party]
    res = kaplan_meier(
        small_ds[f"{column}_months"].values.ravel()[ok],
        small_ds[f"{column}_censored"].values.ravel()[ok] > 0,
        small_ds.attrs["horizon_months"] - np.floor(signed[ok]),
    )
    ci = res.sf.confidence_interval(confidence_level=plot.KM_CONFIDENCE)
    curve = res.sf.probabilities
    low = np.where(np.isnan(ci.low.probabilities), curve, ci.low.probabilities)
    high = np.where(np.isnan(ci.high.probabilities), curve, ci.high.probabilities)
    drawn = np.round(polygon[:, 1], 12)
    assert np.isin(np.round(low, 12), drawn).all() and np.isin(np.round(high, 12), drawn).all()
    assert np.all((low <= curve + 1e-12) & (curve <= high + 1e-12))
    assert f"{plot.KM_CONFIDENCE:.0%} confidence bands" in ax.get_title()


def test_payback_of_two_runs(paired: xr.Dataset, other: xr.Dataset) -> None:
    ax = plot.payback_survival({"10%": paired, "30%": other}, party="platform")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [label.split("\n")[0] for label in labels] == ["10%", "30%"]
    assert len(set(run_colours(ax))) == 2 and len(legends(ax.figure)) == 1
    assert "of the platform" in ax.get_title()


def _balance(run: xr.Dataset) -> np.ndarray:
    """Median over replications of the running fiscal balance from month 0, million yuan."""
    flow = fiscal_flow(run, dx.simulate(dx.counterfactual(dx.scenario_of(run)), replications=3, seed=1)).values
    cumulative = np.concatenate([np.zeros((flow.shape[0], 1)), np.cumsum(flow, axis=1)], axis=1) / 1e6
    return np.median(cumulative, axis=0)


def test_government_payback_is_its_cumulative_fiscal_balance(paired: xr.Dataset, other: xr.Dataset) -> None:
    ax = plot.payback_survival(paired, party="government")
    _labelled(ax, "million yuan", "months")
    (line,) = [ln for ln in ax.get_lines() if ln.get_gid() == "dxsim-run"]
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), _balance(paired), atol=1e-9)
    assert len(ax.collections) == 1  # the 5-95% band over replications
    ap = appraisal(paired)
    paid = int((ap["fiscal_payback_censored"] == 0).sum())
    assert f"paid back for good: {paid}/3 runs" in str(line.get_label())
    # two runs: two colours, one legend
    both = plot.payback_survival({"10%": paired, "30%": other}, party="government")
    assert len(set(run_colours(both))) == 2 and len(legends(both.figure)) == 1


def test_government_payback_runs_the_missing_counterfactual(paired: xr.Dataset) -> None:
    bare = paired[[name for name in paired.data_vars if not str(name).startswith("counterfactual_")]]
    bare.attrs = {k: v for k, v in paired.attrs.items() if not k.startswith("counterfactual_")}
    stored = plot.payback_survival(paired, party="government").get_lines()[0].get_ydata()
    fresh = plot.payback_survival(bare, party="government").get_lines()[0].get_ydata()
    np.testing.assert_array_equal(fresh, stored)


def test_additional_adopters_over_time(paired: xr.Dataset, other: xr.Dataset) -> None:
    ap = appraisal(paired)
    ax = plot.additional_adopters(paired)
    _labelled(ax, "enterprises")
    np.testing.assert_allclose(_line(ax, "median"), ap["additional_adopters_monthly"].median("replication").values)
    from_appraisal = plot.additional_adopters(ap)  # an appraisal Dataset draws the same
    np.testing.assert_array_equal(_line(from_appraisal, "median"), _line(ax, "median"))
    two = plot.additional_adopters({"10%": paired, "30%": other})
    assert len(set(run_colours(two))) == 2 and len(legends(two.figure)) == 1


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize("by", ["total", "industry", "platform"])
def test_who_pays_bars_are_the_dataset_sums(small_ds: xr.Dataset, by: str) -> None:
    ax = plot.who_pays(small_ds, by=by)  # type: ignore[arg-type]
    _labelled(ax, "million yuan")
    assert len(ax.containers) == 3
    for container, var in zip(ax.containers, ["government_paid", "platform_discount", "enterprise_paid"], strict=True):
        heights = np.array([bar.get_height() for bar in container])  # type: ignore[attr-defined]
        da = small_ds[var]
        if by == "total":
            expected = [float(da.sum("adopter").mean("replication"))]
        else:
            code = small_ds[f"adopter_{by}"]
            expected = [
                float(da.where(code == k).sum("adopter").mean("replication")) for k in range(small_ds.sizes[by])
            ]
        np.testing.assert_allclose(heights, np.array(expected) / 1e6)
    if by != "total":  # the groups add up to the total
        total = float(small_ds["government_paid"].sum("adopter").mean("replication"))
        group_sum = sum(bar.get_height() for bar in ax.containers[0])  # type: ignore[attr-defined]
        assert group_sum == pytest.approx(total / 1e6)


def test_budget_burndown_median_and_band(small_ds: xr.Dataset) -> None:
    ax = plot.budget_burndown(small_ds)
    _labelled(ax, "million yuan")
    budget = small_ds["budget_remaining"].transpose("replication", "month").values / 1e6
    np.testing.assert_allclose(_line(ax, "median"), np.median(budget, axis=0))
    assert len(ax.collections) == 1


def test_budget_burndown_marks_each_close_where_the_money_lapses(small_ds: xr.Dataset) -> None:
    ax = plot.budget_burndown(small_ds)
    (close,) = [line for line in ax.lines if line.get_linestyle() == "--"]  # small: one batch
    (m,) = closing_months(small_ds)
    assert close.get_xdata()[0] == small_ds["month"].values[m]  # where the line reaches the floor
    median = _line(ax, "median")
    assert median[m - 1] > 1.0 and median[m] == 0.0  # millions left a month before: they lapse at the close
    assert "batch closes: what it has not committed lapses" in ax.get_legend_handles_labels()[1]
    rollover = dx.scenario_of(small_ds).with_overrides({"programme.rollover": True})
    ax = plot.budget_burndown(small_ds.assign_attrs(scenario=rollover.to_toml()))
    labels = ax.get_legend_handles_labels()[1]  # one batch: nothing to roll into, its money lapses
    assert "batch closes: what it has not committed lapses" in labels and not any("rolls over" in x for x in labels)


def test_budget_burndown_under_rollover_marks_the_last_close_as_lapsing(small_ds: xr.Dataset) -> None:
    batches = [
        {"name": "a", "opens": dt.date(2022, 9, 1), "closes": dt.date(2023, 2, 28), "budget": 3e6},
        {"name": "b", "opens": dt.date(2023, 3, 1), "closes": dt.date(2023, 8, 31), "budget": 2e6},
    ]
    two = dx.scenario_of(small_ds).with_overrides({"programme.rollover": True, "programme.batches": batches})
    ax = plot.budget_burndown(small_ds.assign_attrs(scenario=two.to_toml()))  # only the scenario's months are read
    closes = {line.get_linestyle(): line.get_xdata()[0] for line in ax.lines if line.get_linestyle() in ("--", ":")}
    months = small_ds["month"].values
    assert closes == {":": months[5], "--": months[11]}  # a rolls over into b; b's money lapses
    labels = ax.get_legend_handles_labels()[1]
    assert "batch closes: what it has not committed rolls over to the next batch" in labels
    assert "batch closes: what it has not committed lapses" in labels
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]  # type: ignore[attr-defined]
    edges = [dt.date(2022, 9, 1), dt.date(2023, 3, 1), dt.date(2023, 3, 1), dt.date(2023, 9, 1)]
    np.testing.assert_allclose(np.ravel(spans), date2num(edges))  # from the opening day to the end of the closing day


def test_who_pays_of_several_runs_puts_their_bars_side_by_side(paired: xr.Dataset, other: xr.Dataset) -> None:
    runs = {"10%": paired, "30%": other}
    ax = plot.who_pays(runs)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10%", "30%"] and ax.get_xlabel() == "run"
    for container, var in zip(ax.containers, ["government_paid", "platform_discount", "enterprise_paid"], strict=True):
        heights = [bar.get_height() for bar in container]  # type: ignore[attr-defined]
        expected = [float(run[var].sum("adopter").mean("replication")) / 1e6 for run in runs.values()]
        np.testing.assert_allclose(heights, expected)
    by_industry = plot.who_pays(runs, by="industry")
    names = [str(i) for i in paired["industry"].values]
    assert [t.get_text() for t in by_industry.get_xticklabels()] == [f"{r}: {i}" for r in runs for i in names]
    assert legend_covers(by_industry, renderer_of(by_industry.figure)) == []


# --------------------------------------------------------------------------- Wright's law


def test_progress_ratio_recovers_the_scenario(small: dx.Scenario) -> None:
    sc = small.with_overrides({"platforms.spillover": 0.0, "platforms.progress_ratio": 0.8, "horizon_months": 24})
    ds = dx.simulate(sc, replications=2, seed=3)
    assert plot.progress_ratio(ds) == pytest.approx(0.8, rel=0.03)
    assert plot.progress_ratio(ds, replication=-1) == pytest.approx(0.8, rel=0.03)
    ax = plot.wrights_law(ds)
    _labelled(ax, "million yuan", "deployments")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"fit: progress ratio {plot.progress_ratio(ds, replication=-1):.3f}" in labels
    assert "scenario progress ratio 0.8" in ax.get_title()
    assert len(ax.collections) == ds.sizes["platform"]  # one scatter per platform
    assert plot.wrights_law(ds, replication=None).get_title().count("all replications") == 1


def test_wrights_law_groups_many_platforms_in_its_legend(small: dx.Scenario) -> None:
    sc = small.with_overrides({"horizon_months": 24, "platforms.per_industry": 6})
    ds = dx.simulate(sc, replications=1, seed=2)
    assert ds.sizes["platform"] > plot.MAX_LEGEND_ENTRIES
    ax = plot.wrights_law(ds)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == plot.MAX_LEGEND_ENTRIES + 1  # the named platforms, "other platforms", the fit
    rest = ds.sizes["platform"] - (plot.MAX_LEGEND_ENTRIES - 1)
    assert f"other platforms ({rest})" in labels and labels[-1].startswith("fit: progress ratio")
    assert legend_covers(ax, renderer_of(ax.figure)) == []


def test_progress_ratio_without_experience_is_nan(small_ds: xr.Dataset) -> None:
    ds = small_ds.copy()
    ds["experience"] = xr.zeros_like(ds["experience"])
    ds["unit_cost"] = xr.full_like(ds["unit_cost"], 200e3)
    assert np.isnan(plot.progress_ratio(ds))


# --------------------------------------------------------------------------- sweeps


def test_heatmap_of_a_variable(sweep_ds: xr.Dataset) -> None:
    ax = plot.heatmap(sweep_ds, "adopters", DISCOUNT, IMITATION)
    assert ax.get_title().startswith("adopters (enterprises)")
    assert ax.get_xlabel() == DISCOUNT and ax.get_ylabel() == IMITATION
    (image,) = ax.images
    assert isinstance(image, AxesImage)
    grid = np.asarray(image.get_array())
    assert grid.shape == (2, 2)  # (imitation, discount)
    expected = (
        sweep_ds["adopters"].isel(month=-1).sum("industry").mean("replication").transpose(IMITATION, DISCOUNT).values
    )
    np.testing.assert_allclose(grid, expected)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:.3g}" for v in expected.ravel()]
    assert [t.get_position() for t in ax.texts] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.2", "0.4"]
    colorbar = ax.figure.axes[-1]
    assert colorbar.get_ylabel() == "adopters (enterprises)"
    assert expected[1, 0] > expected[0, 0]  # more imitation, more adopters


def test_heatmap_of_a_flow_and_of_a_callable(sweep_ds: xr.Dataset) -> None:
    ax = plot.heatmap(sweep_ds, "public_money", DISCOUNT, IMITATION, fmt="{:.2f}")
    expected = sweep_ds["public_money"].sum("month").mean("replication").transpose(IMITATION, DISCOUNT).values / 1e6
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)  # money in million yuan
    assert ax.get_title().startswith("public_money (million yuan)")
    assert ax.figure.axes[-1].get_ylabel() == "public_money (million yuan)"
    assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in expected.ravel()]
    default = plot.heatmap(sweep_ds, "public_money", DISCOUNT, IMITATION)
    assert all("e+" not in t.get_text() for t in default.texts)

    def enterprise_npv(ds: xr.Dataset) -> xr.DataArray:
        out = ds["npv"].sel(party="enterprise") / 1e6
        out.attrs["units"] = "million yuan"
        return out

    ax = plot.heatmap(sweep_ds, enterprise_npv, IMITATION, DISCOUNT)  # axes swapped
    expected = sweep_ds["npv"].sel(party="enterprise").mean("replication").transpose(DISCOUNT, IMITATION).values / 1e6
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)
    assert "enterprise_npv (million yuan)" in ax.get_title()
    assert len(ax.texts) == 4


def test_heatmap_of_a_table() -> None:
    table = pd.DataFrame({"a": [1, 1, 2, 2, 1], "b": ["x", "y", "x", "y", "x"], "m": [1.0, 2.0, 3.0, 4.0, 3.0]})
    ax = plot.heatmap(table, "m", "a", "b")
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), [[2.0, 3.0], [2.0, 4.0]])
    assert [t.get_text() for t in ax.texts] == ["2", "3", "2", "4"]


def test_heatmap_and_sweeps_refuse_what_they_cannot_draw(sweep_ds: xr.Dataset) -> None:
    with pytest.raises(ValueError, match="not a dimension"):
        plot.heatmap(sweep_ds, "adopters", DISCOUNT, "month_x")
    with pytest.raises(ValueError, match="callable"):
        plot.heatmap(sweep_ds, "npv", DISCOUNT, IMITATION)
    with pytest.raises(ValueError, match="select a point"):
        plot.adoption_fan(sweep_ds)
    one = sweep_ds.isel({DISCOUNT: [1], IMITATION: 0})  # size-one sweep dimensions are fine
    _labelled(plot.who_pays(one), "million yuan")
    _labelled(plot.payback_survival(one), "months")


def test_who_pays_by_many_groups_lays_bars_flat_with_readable_labels(small: dx.Scenario) -> None:
    sc = small.with_overrides({"horizon_months": 24, "platforms.per_industry": 6})
    ds = dx.simulate(sc, replications=1, seed=2)
    ax = plot.who_pays(ds, by="platform")
    assert ds.sizes["platform"] > 6
    widths = np.array([bar.get_width() for bar in ax.containers[0]])  # type: ignore[attr-defined]
    code = ds["adopter_platform"]
    expected = [float(ds["government_paid"].where(code == k).sum("adopter").mean("replication")) / 1e6
                for k in range(ds.sizes["platform"])]  # fmt: skip
    np.testing.assert_allclose(widths, expected)
    _labelled(ax, "million yuan")
    assert ax.get_ylabel() == "platform"
    renderer = renderer_of(ax.figure)
    assert overlapping_labels(ax.get_yticklabels(), renderer) == []
    assert overlapping_labels(ax.texts, renderer) == []  # the totals
    assert legend_covers(ax, renderer) == []


def test_no_legend_covers_data(small_ds: xr.Dataset, paired: xr.Dataset, other: xr.Dataset, sweep_ds) -> None:
    two = {"10%": paired, "30%": other}
    axes = [
        plot.adoption_fan(small_ds),
        plot.adoption_fan(two),
        plot.payback_survival(small_ds),
        plot.payback_survival(two, party="government"),
        plot.additional_adopters(two),
        plot.who_pays(small_ds, by="industry"),
        plot.budget_burndown(two),
        plot.wrights_law(small_ds),
        plot.heatmap(sweep_ds, "adopters", DISCOUNT, IMITATION),
    ]
    for ax in axes:
        assert legend_covers(ax, renderer_of(ax.figure)) == [], ax.get_title()


def test_the_legend_check_sees_a_legend_over_data() -> None:
    """The check above would fail: a legend placed over a line and a band is caught."""
    _, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.fill_between([0, 1], [0.4, 0.4], [0.6, 0.6], label="band")
    ax.legend(loc="center")
    assert legend_covers(ax, renderer_of(ax.figure)) == ["line 'diagonal'", "area 'band'"]
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    assert legend_covers(ax, renderer_of(ax.figure)) == []


def test_figures_to_disk(small_ds: xr.Dataset, sweep_ds: xr.Dataset, tmp_path) -> None:
    """Every figure renders and saves."""
    for name, ax in {
        "fan": plot.adoption_fan(small_ds),
        "km": plot.payback_survival(small_ds),
        "pays": plot.who_pays(small_ds, by="industry"),
        "budget": plot.budget_burndown(small_ds),
        "wright": plot.wrights_law(small_ds),
        "heat": plot.heatmap(sweep_ds, "adopters", DISCOUNT, IMITATION),
    }.items():
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path, dpi=60)
        assert path.stat().st_size > 1000
