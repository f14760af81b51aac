"""dxsim.plot: every figure returns labelled Axes whose drawn numbers are the Dataset's numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

import dxsim as dx
from dxsim import plot
from dxsim.analysis.survival import km_median

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
    _labelled(ax, "yuan / month")
    expected = np.median(small_ds["public_money"].transpose("replication", "month").values, axis=0)
    np.testing.assert_allclose(_line(ax, "median"), expected)


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
    with pytest.raises(ValueError, match="party"):
        plot.payback_survival(small_ds, party="government")  # type: ignore[arg-type]


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


# --------------------------------------------------------------------------- Wright's law


def test_progress_ratio_recovers_the_scenario(small: dx.Scenario) -> None:
    sc = small.with_overrides({"platforms.spillover": 0.0, "platforms.progress_ratio": 0.8, "horizon_months": 24})
    ds = dx.simulate(sc, replications=2, seed=3)
    assert plot.progress_ratio(ds) == pytest.approx(0.8, rel=0.03)
    assert plot.progress_ratio(ds, replication=-1) == pytest.approx(0.8, rel=0.03)
    ax = plot.wrights_law(ds)
    _labelled(ax, "yuan", "deployments")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"fit: progress ratio {plot.progress_ratio(ds, replication=-1):.3f}" in labels
    assert "scenario progress ratio 0.8" in ax.get_title()
    assert len(ax.collections) == ds.sizes["platform"]  # one scatter per platform
    assert plot.wrights_law(ds, replication=None).get_title().count("all replications") == 1


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
    ax = plot.heatmap(sweep_ds, "public_money", DISCOUNT, IMITATION, fmt="{:.0f}")
    expected = sweep_ds["public_money"].sum("month").mean("replication").transpose(IMITATION, DISCOUNT).values
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)
    assert ax.get_title().startswith("public_money (yuan)")
    assert [t.get_text() for t in ax.texts] == [f"{v:.0f}" for v in expected.ravel()]

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
