"""The paired counterfactual kept inside a run's Dataset (issue 13, item 6): attached once, read back whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.io import open_results, write_netcdf
from dxsim.results.pairing import attach_counterfactual, counterfactual_of

SEED = 3
REPS = 2
#: A market parameter the counterfactual keeps, so a counterfactual sweep over it is meaningful.
PARAMS = {"pr": ("platforms.progress_ratio", [0.8, 0.9])}


def kept(cf: xr.Dataset) -> xr.Dataset:
    """What the run keeps of a counterfactual: every variable without a platform dimension.

    So not the ``batch`` coordinate either: its one variable, ``admitted``, has a platform dimension.
    """
    return cf.drop_vars([name for name, var in cf.variables.items() if {"platform", "batch"} & set(var.dims)])


@pytest.fixture(scope="module")
def short() -> dx.Scenario:
    return dx.load_scenario("small").with_overrides({"horizon_months": 18})


@pytest.fixture(scope="module")
def run(short: dx.Scenario) -> xr.Dataset:
    return dx.simulate(short, replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def cf(short: dx.Scenario) -> xr.Dataset:
    """One replication more than the run: the attached one keeps only the run's."""
    return dx.simulate(dx.counterfactual(short), replications=REPS + 1, seed=SEED)


@pytest.fixture(scope="module")
def both(run: xr.Dataset, cf: xr.Dataset) -> xr.Dataset:
    return attach_counterfactual(run, cf)


def test_round_trip_gives_the_counterfactual_back(both, cf):
    xr.testing.assert_identical(counterfactual_of(both), kept(cf.isel(replication=range(REPS))))


def test_the_run_itself_is_unchanged(run, both):
    own = both[list(run.data_vars)]
    assert {k: v for k, v in own.attrs.items() if not k.startswith("counterfactual_")} == run.attrs
    own.attrs = run.attrs
    xr.testing.assert_identical(own, run)
    assert both.attrs["counterfactual_scenario"] == dx.counterfactual(dx.scenario_of(run)).to_toml()
    assert both["counterfactual_signed_month"].dims == ("replication", "counterfactual_adopter")
    assert "counterfactual_queue_length" not in both  # platform series are left out


def test_a_run_without_a_counterfactual_has_none(run, cf):
    assert counterfactual_of(run) is None
    assert counterfactual_of(counterfactual_of(attach_counterfactual(run, cf))) is None


def test_selecting_replications_selects_the_counterfactuals(both, cf):
    xr.testing.assert_identical(counterfactual_of(both.isel(replication=[1])), kept(cf.isel(replication=[1])))


def test_attaching_again_replaces(both, cf, run):
    other = dx.simulate(dx.counterfactual(dx.scenario_of(run)), replications=REPS, seed=SEED)
    xr.testing.assert_identical(attach_counterfactual(both, other), attach_counterfactual(run, other))
    xr.testing.assert_identical(attach_counterfactual(both, cf), both)


def test_through_a_netcdf_file(both, cf, tmp_path: Path):
    back = open_results(write_netcdf(both, tmp_path / "paired.nc"))
    xr.testing.assert_identical(counterfactual_of(back), kept(cf.isel(replication=range(REPS))))
    xr.testing.assert_identical(counterfactual_of(back.isel(replication=[0])), kept(cf.isel(replication=[0])))


def test_simulate_attaches_the_same_counterfactual(short, run):
    # a counterfactual run of the same replications (the adopter dimension is padded to the longest)
    cf = dx.simulate(dx.counterfactual(short), replications=REPS, seed=SEED)
    paired = dx.simulate(short, replications=REPS, seed=SEED, counterfactual=True)
    xr.testing.assert_identical(paired, attach_counterfactual(run, cf))


@pytest.fixture(scope="module")
def swept(short: dx.Scenario) -> xr.Dataset:
    return dx.sweep(short, PARAMS, replications=REPS, seed=SEED)


@pytest.fixture(scope="module")
def cf_swept(short: dx.Scenario) -> xr.Dataset:
    return dx.sweep(dx.counterfactual(short), PARAMS, replications=REPS, seed=SEED)


@pytest.mark.parametrize("pr", [0.8, 0.9])
def test_a_sweep_with_a_counterfactual_sweep_gives_each_point_its_own(swept, cf_swept, short, pr, tmp_path: Path):
    paired = attach_counterfactual(swept, cf_swept)
    point = counterfactual_of(paired.sel(pr=pr))
    xr.testing.assert_identical(point, kept(cf_swept.sel(pr=pr)))
    # its scenario is the point's counterfactual, not the base's
    sc = dx.scenario_of(point)
    assert sc.platforms.progress_ratio == pr and sc.programme.instruments == ()
    want = dx.counterfactual(short.with_overrides({"platforms.progress_ratio": pr, "seed": SEED}))  # the seed used
    assert sc.to_toml() == want.to_toml()
    back = open_results(write_netcdf(paired, tmp_path / "sweep.nc"))
    xr.testing.assert_identical(counterfactual_of(back.sel(pr=pr)), point)


def test_one_counterfactual_for_every_point_of_a_sweep(swept, cf):
    paired = attach_counterfactual(swept, cf)
    assert "pr" not in paired["counterfactual_adopters"].dims  # stored once
    for pr in (0.8, 0.9):
        xr.testing.assert_identical(counterfactual_of(paired.sel(pr=pr)), kept(cf.isel(replication=range(REPS))))


def test_a_stored_sweep_takes_a_counterfactual(short, cf, tmp_path: Path):
    dx.sweep(short, PARAMS, replications=REPS, seed=SEED, store=tmp_path / "store", block_size=1)
    paired = attach_counterfactual(open_results(tmp_path / "store"), cf)
    xr.testing.assert_identical(counterfactual_of(paired.sel(pr=0.9)).load(), kept(cf.isel(replication=range(REPS))))


def test_the_counterfactual_must_share_the_seed(run, short):
    other = dx.simulate(dx.counterfactual(short), replications=REPS, seed=SEED + 1)
    with pytest.raises(ValueError, match="seed"):
        attach_counterfactual(run, other)


def test_the_counterfactual_must_hold_the_replications(run, cf):
    with pytest.raises(ValueError, match=r"lacks replications \[1\]"):
        attach_counterfactual(run, cf.isel(replication=[0]))


def test_the_counterfactual_must_have_the_same_points(swept, cf_swept):
    with pytest.raises(ValueError, match="pr"):
        attach_counterfactual(swept.isel(pr=[0]), cf_swept)
    with pytest.raises(ValueError, match="dimension 'pr'"):
        attach_counterfactual(swept.isel(pr=0), cf_swept)


def test_the_counterfactual_must_be_results(run):
    with pytest.raises(ValueError, match="results"):
        attach_counterfactual(run, xr.Dataset())
