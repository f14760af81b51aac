"""Same seed, same Dataset; another seed, another Dataset; replication k is seed-addressed."""

from __future__ import annotations

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
    assert dx.scenario_of(small_ds) == small
