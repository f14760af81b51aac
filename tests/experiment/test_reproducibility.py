"""Same seed, same Dataset; another seed, another Dataset; replication k is seed-addressed."""

from __future__ import annotations

import tomllib

import xarray as xr

import dxsim as dx


def test_same_seed_identical_dataset(small, small_ds):
    again = dx.simulate(small, replications=3, seed=1)
    xr.testing.assert_identical(small_ds, again)


def test_different_seed_different_dataset(small, small_ds):
    other = dx.simulate(small, replications=3, seed=2)
    assert not small_ds["adopters"].equals(other["adopters"])


def test_replication_k_does_not_depend_on_how_many_run(small, small_ds):
    two = dx.simulate(small, replications=2, seed=1)
    xr.testing.assert_equal(two["in_use"], small_ds["in_use"].isel(replication=slice(0, 2)))


def test_dataset_carries_its_scenario_and_seed(small, small_ds):
    assert small_ds.attrs["seed"] == 1
    assert small_ds.attrs["dxsim_version"] == dx.__version__
    assert small.seed == 7  # the scenario's own seed, which seed=1 overrode
    assert dx.scenario_of(small_ds) == small.with_overrides({"seed": 1})
    assert tomllib.loads(small_ds.attrs["scenario"])["seed"] == 1  # the text stored, not only what scenario_of reads


def test_the_stored_scenario_alone_reproduces_the_run(small, small_ds):
    """``simulate(scenario_of(ds), R)`` without ``seed=`` reruns ``ds``, though ``ds`` was run with a seed= of its own."""
    again = dx.simulate(dx.scenario_of(small_ds), replications=small_ds.sizes["replication"])
    xr.testing.assert_identical(again, small_ds)


def test_a_scenario_file_without_a_seed_stores_the_seed_0_it_ran_on(tmp_path):
    path = tmp_path / "unseeded.toml"
    path.write_text(dx.load_scenario("small").with_overrides({"horizon_months": 6, "seed": None}).to_toml())
    sc = dx.load_scenario(path)
    assert sc.seed is None
    ds = dx.simulate(sc, replications=1)
    assert ds.attrs["seed"] == 0 == dx.scenario_of(ds).seed
    xr.testing.assert_identical(dx.simulate(dx.scenario_of(ds)), ds)


def test_a_counterfactual_stores_the_seed_it_ran_on(small):
    paired = dx.simulate(small.with_overrides({"horizon_months": 6}), replications=1, seed=2, counterfactual=True)
    assert tomllib.loads(paired.attrs["counterfactual_scenario"])["seed"] == paired.attrs["counterfactual_seed"] == 2
