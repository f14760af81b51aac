"""A sweep point knows its own scenario (issue 12, item 1)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.provenance import OVERRIDES, point_overrides

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
