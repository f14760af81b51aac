"""A sweep point knows its own scenario (issue 12, item 1)."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.provenance import OVERRIDES, point_overrides
from dxsim.results.schema import RAGGED_DIMS

SEED = 7
REPS = 2
#: Two points whose rules differ in ways the counterfactual feels (the share) and the market feels (learning).
PARAMS = {"share": ("programme.instruments[0].share", [0.1, 0.6]), "pr": ("platforms.progress_ratio", [0.8])}


@pytest.fixture(scope="module")
def short() -> dx.Scenario:
    return dx.load_scenario("small").with_overrides({"horizon_months": 24})


@pytest.fixture(scope="module")
def swept(short: dx.Scenario) -> xr.Dataset:
    return dx.sweep(short, PARAMS, replications=REPS, seed=SEED)


@pytest.mark.parametrize("share", [0.1, 0.6])
def test_scenario_of_a_point_is_the_points_scenario(short, swept, share):
    point = swept.sel(share=share, pr=0.8)
    want = short.with_overrides({"programme.instruments[0].share": share, "platforms.progress_ratio": 0.8})
    assert dx.scenario_of(point) == want
    assert dx.scenario_of(point) != short


@pytest.mark.parametrize("share", [0.1, 0.6])
def test_additionality_of_a_point_equals_a_plain_run(short, swept, share):
    overrides = {"programme.instruments[0].share": share, "platforms.progress_ratio": 0.8}
    plain = dx.simulate(short.with_overrides(overrides), replications=REPS, seed=SEED)
    point = swept.sel(share=share, pr=0.8)  # padded with NaN adopters to the longest point
    got = dx.additionality(point)
    want = dx.additionality(plain)
    for name in want.data_vars:
        np.testing.assert_array_equal(got[name].values, want[name].values, err_msg=name)


def test_the_two_points_differ(swept):
    """The test above would pass vacuously if the share changed nothing."""
    a = dx.additionality(swept.sel(share=0.1, pr=0.8))
    b = dx.additionality(swept.sel(share=0.6, pr=0.8))
    assert float(a["additional_adopters"].sum()) != float(b["additional_adopters"].sum())


def test_the_sweep_records_each_points_overrides(swept):
    assert swept.coords[OVERRIDES].dims == ("share", "pr")
    assert json.loads(str(swept.coords[OVERRIDES].sel(share=0.6, pr=0.8).values)) == {
        "programme.instruments[0].share": 0.6,
        "platforms.progress_ratio": 0.8,
    }


def test_several_points_are_refused_with_a_hint(swept):
    with pytest.raises(ValueError, match=r"several sweep points \(dimensions share\); select one"):
        dx.scenario_of(swept)
    assert dx.scenario_of(swept, base=True).name == "small"


def test_a_stored_sweep_point_knows_its_scenario(short, swept, tmp_path):
    stored = dx.sweep(short, PARAMS, replications=REPS, seed=SEED, store=tmp_path / "s.zarr", block_size=1)
    for share in (0.1, 0.6):
        assert point_overrides(stored.sel(share=share, pr=0.8)) == point_overrides(swept.sel(share=share, pr=0.8))


def test_a_store_without_the_coordinate_reads_the_point_from_its_attrs(swept):
    """Stores written by 0.2 have no ``overrides`` coordinate; the point is found from attrs["sweep"]."""
    old = swept.drop_vars(OVERRIDES)
    assert point_overrides(old.sel(share=0.6, pr=0.8)) == point_overrides(swept.sel(share=0.6, pr=0.8))


def test_a_plain_run_has_no_overrides(short):
    ds = dx.simulate(short, replications=1, seed=SEED)
    assert point_overrides(ds) is None
    assert dx.scenario_of(ds) == short


#: A seed other than the one ``short`` holds (7), as ``seed=`` and ``--seed`` give.
OTHER_SEED = 1
ONE_LEVER = {"share": ("programme.instruments[0].share", [0.1, 0.6])}


def _assert_same_run(point: xr.Dataset, run: xr.Dataset) -> None:
    """Every variable of ``run`` is the point's, the point's ragged dimensions cut to the run's lengths."""
    cut = point.isel({d: slice(0, run.sizes[d]) for d in RAGGED_DIMS if d in run.dims})
    for name in run.data_vars:
        np.testing.assert_array_equal(cut[name].values, run[name].values, err_msg=name)


@pytest.mark.parametrize("stored", [False, True])
def test_a_sweep_point_reruns_from_its_scenario_alone(short, tmp_path, stored):
    """``simulate(scenario_of(point), R)`` without ``seed=`` reruns the point, in memory and from a store."""
    store = tmp_path / "s.zarr" if stored else None
    sw = dx.sweep(short, ONE_LEVER, replications=REPS, seed=OTHER_SEED, store=store, block_size=1)
    if stored:
        sw = dx.open_results(store)
    assert tomllib.loads(sw.attrs["scenario"])["seed"] == OTHER_SEED != short.seed
    point = sw.sel(share=0.6)
    sc = dx.scenario_of(point)
    assert sc.seed == point.attrs["seed"] == OTHER_SEED
    _assert_same_run(point, dx.simulate(sc, replications=REPS))


def test_a_stored_sweep_with_the_seeded_scenario_resumes(short, tmp_path):
    """The manifest holds the scenario with the sweep's seed, and the same call still resumes the store."""
    store = tmp_path / "s.zarr"
    first = dx.sweep(short, ONE_LEVER, replications=REPS, seed=OTHER_SEED, store=store, block_size=1).load()
    assert tomllib.loads(json.loads((store / "manifest.json").read_text())["scenario"])["seed"] == OTHER_SEED
    record = store / "blocks" / "p00001-b00001.json"
    record.unlink()
    again = dx.sweep(short, ONE_LEVER, replications=REPS, seed=OTHER_SEED, store=store, block_size=1, resume=True)
    assert record.is_file()
    xr.testing.assert_identical(again.load(), first)


def test_a_point_that_sets_the_seed_is_refused(short):
    with pytest.raises(ValueError, match=r"runs on the sweep's seed \(1\): a point cannot set 'seed'"):
        dx.sweep(short, {"seed": [1, 2]}, replications=1, seed=OTHER_SEED)


def test_an_old_file_gives_the_seed_its_run_used(short, tmp_path):
    """dxsim 0.5.1 stored the scenario with its own seed (7) next to attrs seed = seed= (1): the attrs win."""
    ds = dx.simulate(short, replications=1, seed=OTHER_SEED)
    old = ds.assign_attrs(scenario=short.to_toml())
    assert tomllib.loads(old.attrs["scenario"])["seed"] == short.seed != old.attrs["seed"]
    dx.write_netcdf(old, tmp_path / "old.nc")
    opened = dx.open_results(tmp_path / "old.nc")
    assert dx.scenario_of(opened).seed == opened.attrs["seed"] == OTHER_SEED
    assert dx.scenario_of(opened) == dx.scenario_of(ds)
    xr.testing.assert_equal(dx.simulate(dx.scenario_of(opened)), ds.drop_attrs())


def test_an_old_sweep_store_gives_the_seed_its_points_used(short, tmp_path):
    """A store whose manifest holds the scenario with its own seed (as 0.5.1 wrote it) opens; its points have the run's seed."""
    store = tmp_path / "s.zarr"
    sw = dx.sweep(short, ONE_LEVER, replications=REPS, seed=OTHER_SEED, store=store, block_size=1)
    manifest = json.loads((store / "manifest.json").read_text())
    (store / "manifest.json").write_text(json.dumps({**manifest, "scenario": short.to_toml()}))
    old = dx.open_results(store)
    assert tomllib.loads(old.attrs["scenario"])["seed"] == short.seed
    for share in (0.1, 0.6):
        assert dx.scenario_of(old.sel(share=share)) == dx.scenario_of(sw.sel(share=share))
        assert dx.scenario_of(old.sel(share=share)).seed == OTHER_SEED
    assert dx.scenario_of(old, base=True).seed == OTHER_SEED


def test_an_old_file_with_an_unbounded_uncertain_range_opens_and_runs_again(short, tmp_path):
    """0.5.1 ran a normal on a share (refused since 0.5.2 when a user writes it): its file still opens and reruns."""
    beta = {"contract.platform_discount": {"dist": "beta", "a": 2, "b": 8}}
    ds = dx.simulate(short.with_overrides({"uncertain": beta}), replications=2, seed=OTHER_SEED)
    text = ds.attrs["scenario"].replace('dist = "beta"\na = 2.0\nb = 8.0\n', 'dist = "normal"\nmean = 0.2\nsd = 0.01\n')
    assert 'dist = "normal"' in text
    mine = tmp_path / "mine.toml"
    mine.write_text(text)
    with pytest.raises(dx.ScenarioError, match=r"normal\(mean=0\.2, sd=0\.01\) can draw"):
        dx.load_scenario(mine, allow_outside=True)  # a user's file is checked
    dx.write_netcdf(ds.assign_attrs(scenario=text), tmp_path / "old.nc")
    opened = dx.open_results(tmp_path / "old.nc")
    sc = dx.scenario_of(opened)
    assert sc.from_results and sc.uncertain.paths == ("contract.platform_discount",)
    assert dx.summarize(opened).shape[0] == 2
    again = dx.simulate(sc, replications=2)  # each draw checked before the first replication
    assert float(again["uncertain_value"].mean()) == pytest.approx(0.2, abs=0.05)
    assert dx.counterfactual(sc).from_results and sc.with_overrides({"horizon_months": 3}).from_results
