"""dxsim.analysis.metrics: Kaplan-Meier shares, summarize per replication and per sweep point, paired differences,
peer speed-up, and the xlsx export of ``dxsim compare``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dxsim as dx
from dxsim import plot
from dxsim.analysis import metrics
from dxsim.cli import main
from dxsim.studies.additionality import format_comparison, write_comparison

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


def _censored_sample(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential durations (mean 10) right-censored at uniform follow-ups of 0-30 months."""
    event = rng.exponential(10.0, n)
    followup = rng.uniform(0.0, 30.0, n)
    censored = event > followup
    return np.where(censored, np.nan, event), censored, followup


# --------------------------------------------------------------------------- Kaplan-Meier
def test_km_share_without_censoring_is_the_empirical_share():
    rng = np.random.default_rng(3)
    times = np.round(rng.exponential(10.0, 200), 1)  # ties too
    none = np.zeros(len(times), dtype=bool)
    at = np.array([0.0, 1.0, 5.0, 10.0, 12.0, 24.0, 36.0, 1e3])
    expected = [(times <= t).mean() for t in at]
    np.testing.assert_allclose(metrics.km_share(times, none, times, at), expected, rtol=0, atol=1e-12)


def test_km_share_is_a_share_non_decreasing_in_months_and_above_the_naive_share():
    rng = np.random.default_rng(4)
    for _ in range(20):
        times, censored, followup = _censored_sample(rng, 50)
        at = np.arange(0.0, 31.0, 1.0)
        share = metrics.km_share(times, censored, followup, at)
        known = ~np.isnan(share)
        last = max(np.nanmax(times, initial=0.0), followup[censored].max(initial=0.0))
        assert known[at <= last].all()  # identified up to the last observation
        assert ((share[known] >= 0) & (share[known] <= 1)).all()
        assert (np.diff(share[known]) >= -1e-12).all()
        # censored units count as "not yet", never as "never": KM >= events seen by t / n
        naive = np.array([np.nansum(times <= t) / len(times) for t in at])
        assert (share[known] >= naive[known] - 1e-12).all()


def test_km_share_beyond_a_censored_last_observation_is_not_identified():
    times = np.array([1.0, 2.0, np.nan])
    censored = np.array([False, False, True])
    share = metrics.km_share(times, censored, np.array([0.0, 0.0, 6.0]), [2.0, 6.0, 7.0])
    np.testing.assert_allclose(share[:2], [2 / 3, 2 / 3])
    assert np.isnan(share[2])
    # the last observation an event: everybody has paid back after it
    assert metrics.km_share(times[:2], censored[:2], np.zeros(2), [100.0])[0] == 1.0
    assert np.isnan(metrics.km_share(np.array([]), np.array([], dtype=bool), np.array([]), [1.0])[0])


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
        public = float(rec["public_spending"].sum())
        accepted = float(rec["accepted"].isel(month=-1).sum())
        lighthouses = float(rec["lighthouses"].isel(month=-1).sum())
        assert table["public_money"].iloc[k] == pytest.approx(public)
        assert table["leverage"].iloc[k] == pytest.approx(private / public)
        assert table["public_money_per_accepted"].iloc[k] == pytest.approx(public / accepted)
        assert table["public_money_per_lighthouse"].iloc[k] == pytest.approx(public / lighthouses)
    assert (table["leverage"] > 0).all()


def test_leverage_is_the_additionality_leverage_against_a_counterfactual_without_money(run, table):
    add = dx.additionality(run)
    np.testing.assert_allclose(table["leverage"].to_numpy(), add["leverage"].values, rtol=1e-12)


def test_budget_exhaustion_month(short):
    ample = dx.summarize(dx.simulate(short.with_overrides({BUDGET: 1e12}), replications=2, seed=SEED))
    assert ample["budget_exhaustion_month"].isna().all()
    ds = dx.simulate(short.with_overrides({BUDGET: 1e6}), replications=2, seed=SEED)
    tiny = dx.summarize(ds)["budget_exhaustion_month"]
    assert np.isfinite(tiny).all()
    closes = short.month_of(short.programme.batches[0].closes, end_of_day=True)
    for k, month in enumerate(tiny.to_numpy()):
        left = ds["budget_remaining"].isel(replication=k).values
        t = int(month) - 1  # the value is the end of the month: budget_remaining[t] is read at t + 1
        assert month == t + 1 and 0 < month < closes
        assert left[t] < 0.01 * 1e6 and (left[:t] >= 0.01 * 1e6).all()


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


def test_compare_attaches_paired_differences_for_two_runs_on_one_seed(short, run):
    other = dx.simulate(short.with_overrides({"contract.platform_discount": 0.25}), replications=2, seed=SEED)
    frame = dx.compare({"base": run, "discount": other})
    info = frame.attrs["paired_difference"]
    assert (info["minuend"], info["subtrahend"]) == ("discount", "base")
    paired = pd.DataFrame(info["table"])
    expected = metrics.paired_difference(run, other, list(metrics.HEADLINE))
    np.testing.assert_allclose(paired["mean"], expected["mean"])
    text = format_comparison(frame, "table")
    assert "paired difference discount - base" in text
    assert "paired_difference" not in dx.compare({"a": run, "b": dx.simulate(short, seed=SEED + 1)}).attrs
    assert "paired_difference" not in dx.compare({"a": run, "b": other, "c": run}).attrs
    pd.concat([frame, frame])  # plain dicts in attrs: frames still concatenate


# --------------------------------------------------------------------------- peer effects
def test_peers_bring_adoption_forward(small, short, run):
    assert small.resolved_industries[0].imitation > 0 and small.resolved_industries[0].demonstration > 0
    alone = metrics._without_peers(short)
    assert all(i.imitation == 0 and i.demonstration == 0 for i in alone.resolved_industries)
    speed = metrics.peer_speedup(run, replications=[0, 2])
    assert speed.index.tolist() == [0, 2]
    # the same number of contracts, half of what adoption reaches without peers, is signed sooner with them
    assert (speed["target"] == np.ceil(speed["adopters_without"] / 2)).all()
    assert (speed["months"] < speed["months_without"]).all()
    assert (speed["speedup"] > 1).all() and np.isfinite(speed["speedup"]).all()
    assert (speed["peer_adopters"] > 0).all()
    assert (speed["adopters"] == dx.summarize(run).loc[[0, 2], "adopters"]).all()


# --------------------------------------------------------------------------- dxsim compare --format xlsx
def test_cli_compare_writes_an_xlsx_workbook(capsys, tmp_path, short, run):
    openpyxl = pytest.importorskip("openpyxl")
    a = dx.write_netcdf(run, tmp_path / "base.nc")
    other = dx.simulate(short.with_overrides({"contract.platform_discount": 0.25}), replications=2, seed=SEED)
    b = dx.write_netcdf(other, tmp_path / "discount.nc")
    out = tmp_path / "out.xlsx"
    assert main(["compare", str(a), str(b), "--format", "xlsx"]) == 2  # a workbook needs -o
    assert "-o" in capsys.readouterr().err and not out.exists()
    assert main(["compare", str(a), str(b), "--format", "xlsx", "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    frame = dx.compare({"base": run, "discount": other})
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["comparison", "paired difference", "about"]
    ws = book["comparison"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("metric", "base", None, None, "discount", None, None, "units")
    assert rows[1][1:7] == ("mean", "p5", "p95") * 2
    assert [r[0] for r in rows[2:]] == list(metrics.HEADLINE)  # one row per metric
    assert {str(m) for m in ws.merged_cells.ranges} == {"B1:D1", "E1:G1"}  # one column group per run
    for r in rows[2:]:
        metric = r[0]
        assert r[1] == pytest.approx(frame.loc[metric, ("base", "mean")])
        assert r[4] == pytest.approx(frame.loc[metric, ("discount", "mean")])
        assert r[7] == frame.attrs["units"][metric]
    paired = list(book["paired difference"].iter_rows(values_only=True))
    assert paired[0][:2] == ("metric", "discount - base") and paired[0][-1] == "pairs"
    assert paired[2][0] == "adopters" and paired[2][-1] == 2


def test_cli_compare_writes_text_formats_to_a_file(capsys, tmp_path, run):
    a = dx.write_netcdf(run, tmp_path / "base.nc")
    out = tmp_path / "out.csv"
    assert main(["compare", str(a), "--format", "csv", "-o", str(out)]) == 0
    frame = pd.read_csv(out, index_col="metric")
    assert frame.loc["adopters", "base mean"] == pytest.approx(dx.summarize(run)["adopters"].mean())
    assert main(["compare", str(a), "-o", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_infinite_and_undefined_cells_in_the_workbook(tmp_path, run):
    openpyxl = pytest.importorskip("openpyxl")
    frame = dx.compare({"base": run})
    frame.loc["median_enterprise_payback", ("base", "p95")] = math.inf
    frame.loc["lighthouses", ("base", "mean")] = math.nan
    path = write_comparison(frame, Path(tmp_path) / "x.xlsx")
    rows = {r[0]: r for r in openpyxl.load_workbook(path)["comparison"].iter_rows(min_row=3, values_only=True)}
    assert rows["median_enterprise_payback"][3] == "inf"
    assert rows["lighthouses"][1] is None
