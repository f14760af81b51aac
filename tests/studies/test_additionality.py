"""Counterfactuals, additionality, compare() and Shapley decompositions on common random numbers."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.metrics import quantile
from dxsim.cli import main
from dxsim.studies.additionality import (
    ADDITIONALITY,
    _fiscal_payback,
    _without_instruments,
    format_comparison,
)

ADOPTION = ("adopters", "in_use", "accepted", "lighthouses")
REPS, SEED = 3, 1

COST_SHARE = {"kind": "cost_share", "share": 0.2, "cap_per_enterprise": 300e3, "paid_at": "acceptance"}
VOUCHER = {"kind": "voucher", "amount": 30e3}
REWARD = {"kind": "platform_reward", "amount": 40e3, "cap_per_platform": 1e6}


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 30 months with slower diffusion, so that not every SME adopts anyway."""
    return small.with_overrides(
        {"horizon_months": 30, "industry_defaults.innovation": 0.003, "industry_defaults.imitation": 0.1}
    )


@pytest.fixture(scope="module")
def run(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(market, replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def cf_run(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(dx.counterfactual(market), replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def add(run: xr.Dataset, cf_run: xr.Dataset) -> xr.Dataset:
    return dx.additionality(run, cf_run)


# --------------------------------------------------------------------------- counterfactual
def test_counterfactual_empties_the_programme_only(market):
    cf = dx.counterfactual(market)
    assert cf.name == f"{market.name} (counterfactual)"
    assert cf.programme.batches == () and cf.programme.instruments == ()
    a, b = market.to_dict(), cf.to_dict()
    for d in (a, b):
        d.pop("name")
        d["programme"].pop("batches")
        d["programme"].pop("instruments")
    assert a == b


def test_counterfactual_is_built_from_the_attrs_when_not_given(run, cf_run, add):
    built = dx.additionality(run)
    xr.testing.assert_identical(built, add)


def test_every_variable_has_units_and_long_name(add):
    assert set(add.data_vars) == set(ADDITIONALITY)
    for name, var in add.data_vars.items():
        assert var.dims == ("replication",), name
        assert var.attrs["units"] and var.attrs["long_name"], name


# --------------------------------------------------------------------------- additionality
def test_free_rider_and_deadweight_shares_within_unit_interval(add):
    for name in ("free_rider_share", "deadweight_share"):
        share = add[name].values
        assert np.isfinite(share).all(), name
        assert ((share >= 0) & (share <= 1)).all(), name
    assert (add["subsidised_free_riders"] <= add["free_riders"]).all()
    assert (add["subsidised_free_riders"] <= add["subsidised_adopters"]).all()


def test_additional_adopters_are_the_difference_of_the_two_worlds(run, cf_run, add):
    p, c = dx.summarize(run), dx.summarize(cf_run)
    for metric in ("adopters", "accepted", "lighthouses"):
        np.testing.assert_array_equal(add[f"additional_{metric}"].values, (p[metric] - c[metric]).values)
    np.testing.assert_array_equal(
        add["additional_adopters"].values, (add["induced_adopters"] - add["displaced_adopters"]).values
    )
    assert (add["additional_adopters"] > 0).any()  # the programme does something in this market
    np.testing.assert_allclose(add["public_money"].values, p["public_money"].values)


def test_enterprise_by_enterprise(run, cf_run, add):
    for r in range(REPS):
        table = dx.additionality_by_enterprise(run, cf_run, replication=r)
        counts = table["status"].value_counts()
        assert counts["additional"] - counts["displaced"] == add["additional_adopters"].values[r]
        assert counts["free rider"] == add["free_riders"].values[r]
        assert (table["adopted_programme"] | table["adopted_counterfactual"]).all()
        assert (
            table["status"].eq("free rider") == (table["adopted_programme"] & table["adopted_counterfactual"])
        ).all()
        # the programme's adopters are exactly its contracts' enterprises
        rec = run.sel(replication=r)
        ids = rec["adopter_enterprise"].values[~np.isnan(rec["signed_month"].values)].astype(int)
        assert sorted(ids) == table.index[table["adopted_programme"]].tolist()
        free = table["status"] == "free rider"
        assert table.loc[free, "public_money"].sum() == pytest.approx(add["free_rider_money"].values[r])
        assert (table.loc[~table["adopted_programme"], "public_money"] == 0).all()


def test_leverage_and_cost_per_additional_adopter(run, add):
    for r in range(REPS):
        rec = run.sel(replication=r)
        gov = rec["government_part"].values
        sub = gov > 0
        private = (rec["enterprise_part"].values[sub] + rec["platform_discount"].values[sub]).sum()
        assert add["private_money"].values[r] == pytest.approx(private)
        assert add["leverage"].values[r] == pytest.approx(private / add["public_money"].values[r])
        extra = add["additional_adopters"].values[r]
        expected = add["public_money"].values[r] / extra if extra > 0 else np.nan
        np.testing.assert_allclose(add["public_money_per_additional_adopter"].values[r], expected)


def test_a_programme_that_pays_nothing_equals_its_counterfactual(market, cf_run):
    free = market.with_overrides({"programme.instruments": [{**COST_SHARE, "share": 0.0}, {**VOUCHER, "amount": 0.0}]})
    ds = dx.simulate(free, replications=REPS, seed=SEED)
    for name in ADOPTION:
        xr.testing.assert_equal(ds[name], cf_run[name])
    add = dx.additionality(ds, cf_run)
    for name in ("additional_adopters", "additional_accepted", "additional_lighthouses", "public_money"):
        assert (add[name] == 0).all(), name
    assert (add["free_rider_share"] == 1).all()
    assert (add["acceleration_months"] == 0).all()
    assert (add["fiscal_payback_month"] == 0).all()  # nothing spent, never in deficit


def test_instruments_without_batches_budget_equal_the_counterfactual(market, cf_run):
    """Shapley's empty subset (batches, no instruments) is the counterfactual (no batches either)."""
    ds = dx.simulate(_without_instruments(market, ()), replications=REPS, seed=SEED)
    for name in ADOPTION:
        xr.testing.assert_equal(ds[name], cf_run[name])
    assert float(ds["public_spending"].sum()) == 0.0


def test_counterfactual_must_share_the_seed(run, market):
    other = dx.simulate(dx.counterfactual(market), replications=REPS, seed=SEED + 1)
    with pytest.raises(ValueError, match="seed"):
        dx.additionality(run, other)


def test_replication_subsets_are_matched_by_key(run, cf_run, add):
    one = run.isel(replication=[2])
    xr.testing.assert_identical(dx.additionality(one), add.isel(replication=[2]))


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-10.0, 5.0, 5.0, 5.0], 3.0),  # back at 0 at the end of month 2
        ([1.0, -3.0, 4.0], 2.5),  # a surplus first, then a deficit, recovered half-way through month 2
        ([], 0.0),
        ([0.0, 0.0], 0.0),  # never in deficit
        ([-1.0, 0.0], math.nan),  # censored
        ([-4.0, 8.0, -8.0], 1.5),  # the first trough counts; a later relapse does not undo the payback
        ([-1.0, 2.0, -10.0, 20.0], 3.45),  # counted from the largest deficit, not from a small early one
    ],
)
def test_fiscal_payback(flows, expected):
    got = _fiscal_payback(np.array(flows))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_quantile_with_unbounded_values_matches_numpy_when_finite():
    x = np.array([3.0, 1.0, 2.0, 7.0])
    for q in (0.05, 0.5, 0.95):
        assert quantile(x, q) == pytest.approx(np.quantile(x, q))
    assert quantile(np.array([1.0, 2.0, np.inf]), 0.95) == math.inf
    assert quantile(np.array([1.0, 2.0, np.inf]), 0.05) == pytest.approx(1.1)
    assert quantile(np.array([np.nan, 4.0]), 0.5) == 4.0


# --------------------------------------------------------------------------- compare
def test_compare_puts_headline_metrics_side_by_side(run, cf_run):
    table = dx.compare({"programme": run, "market": cf_run})
    assert list(table.columns.get_level_values(0).unique()) == ["programme", "market"]
    assert list(table.columns.get_level_values(1).unique()) == ["mean", "p5", "p95"]
    head = dx.headline(run)
    pd.testing.assert_frame_equal(table["programme"], head.drop(columns="units"), check_names=False)
    assert table.attrs["units"]["public_money"] == "yuan"
    assert table.loc["public_money", ("market", "mean")] == 0


def test_compare_with_counterfactual(run, cf_run, add):
    table = dx.compare({"p": run}, counterfactual=cf_run)
    assert table.loc["additional_adopters", ("p", "mean")] == pytest.approx(float(add["additional_adopters"].mean()))
    share = float(add["free_riders"].mean() / add["adopters"].mean())
    assert table.loc["free_rider_share", ("p", "mean")] == pytest.approx(share)
    low, high = table.loc["additional_adopters", ("p", "p5")], table.loc["additional_adopters", ("p", "p95")]
    assert low <= table.loc["additional_adopters", ("p", "mean")] <= high
    assert table.attrs["units"]["leverage"] == "1"
    for fmt in ("table", "markdown", "csv"):
        assert "free_rider_share" in format_comparison(table, fmt)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- shapley
def test_shapley_contributions_add_up_to_the_total(market, cf_run):
    sc = market.with_overrides({"programme.instruments": [COST_SHARE, VOUCHER, REWARD]})
    sh = dx.shapley(sc, replications=2, seed=SEED, progress=False)
    assert sh["instrument"].values.tolist() == ["0:cost_share", "1:voucher", "2:platform_reward"]
    assert sh.sizes["subset"] == 8
    np.testing.assert_allclose(sh["shapley"].sum("instrument"), sh["total"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        sh["shapley_replications"].sum("instrument"), sh["total_replications"], rtol=1e-9, atol=1e-6
    )
    # the total is the full programme against the counterfactual
    full = dx.additionality(dx.simulate(sc, replications=2, seed=SEED), cf_run.isel(replication=[0, 1]))
    for metric in sh["metric"].values:
        assert float(sh["total"].sel(metric=metric)) == pytest.approx(float(full[metric].mean()))
    assert float(sh["total"].sel(metric="public_money")) > 0
    for name, var in sh.data_vars.items():
        assert var.attrs["units"] and var.attrs["long_name"], name


def test_shapley_of_one_instrument_is_its_total_effect(market):
    sh = dx.shapley(market, replications=2, seed=SEED, progress=False)
    assert sh["instrument"].values.tolist() == ["0:cost_share"]
    np.testing.assert_array_equal(sh["shapley"].sel(instrument="0:cost_share"), sh["total"])


def test_shapley_symmetry_of_identical_instruments(market):
    sc = market.with_overrides({"programme.instruments": [VOUCHER, VOUCHER]})
    sh = dx.shapley(sc, replications=2, seed=SEED, progress=False)
    np.testing.assert_allclose(
        sh["shapley"].sel(instrument="0:voucher"), sh["shapley"].sel(instrument="1:voucher"), atol=1e-9
    )


def test_shapley_refuses_too_many_instruments_and_unknown_metrics(market):
    nine = market.with_overrides({"programme.instruments": [VOUCHER] * 9})
    with pytest.raises(ValueError, match="at most 8"):
        dx.shapley(nine, replications=1, seed=SEED)
    with pytest.raises(ValueError, match="additive"):
        dx.shapley(market, replications=1, seed=SEED, metrics=("leverage",))
    with pytest.raises(ValueError, match="no instruments"):
        dx.shapley(dx.counterfactual(market), replications=1, seed=SEED)


# --------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def files(tmp_path_factory, run, market) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("compare")
    voucher = market.with_overrides({"programme.instruments": [VOUCHER]})
    a = dx.write_netcdf(run, folder / "cost.nc")
    b = dx.write_netcdf(dx.simulate(voucher, replications=2, seed=SEED), folder / "voucher.nc")
    return a, b


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def test_cli_compare_table(capsys, files):
    status, out, err = run_cli(capsys, "compare", *map(str, files))
    assert status == 0, err
    header = out.splitlines()[0]
    assert "cost" in header and "voucher" in header
    line = next(x for x in out.splitlines() if x.startswith("adopters"))
    assert line.count("[") == 2  # mean [p5, p95] for each file


def test_cli_compare_counterfactual_csv(capsys, files, run, add):
    status, out, err = run_cli(capsys, "compare", *map(str, files), "--counterfactual", "--format", "csv")
    assert status == 0, err
    frame = pd.read_csv(io.StringIO(out), index_col="metric")
    assert {"cost mean", "cost p5", "cost p95", "voucher mean", "units"} <= set(frame.columns)
    assert frame.loc["additional_adopters", "cost mean"] == pytest.approx(float(add["additional_adopters"].mean()))
    assert frame.loc["adopters", "cost mean"] == pytest.approx(dx.summarize(run)["adopters"].mean())
    assert 0 <= frame.loc["free_rider_share", "voucher mean"] <= 1


def test_cli_compare_markdown(capsys, files):
    status, out, _ = run_cli(capsys, "compare", str(files[0]), "--format", "markdown")
    assert status == 0
    assert out.startswith("| metric | cost | units |")


def test_cli_compare_bad_input_exits_2_with_one_line(capsys, tmp_path, files):
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF", encoding="utf-8")
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", [1.0, 2.0])}).to_netcdf(foreign, engine="h5netcdf")
    for bad, says in (
        (tmp_path / "missing.nc", "no such file"),
        (text, "not a netCDF file"),
        (foreign, "not a dxsim results file"),
        (tmp_path, "is a directory"),
    ):
        status, out, err = run_cli(capsys, "compare", str(files[0]), str(bad))
        assert status == 2, bad
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert str(bad) in err and says in err
