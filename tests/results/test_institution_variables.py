"""The institutions' variables (issue 14 item 5) in the Dataset, its netCDF file and a sweep store.

``admitted`` (batch x platform, int8) and the applicants' record (``applicant_*``, one row per
attempt to sign on a batch's money) survive a file and a store; sweep points with different
numbers of batches and applicants (none at all in a block) are padded like adopters.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.schema import INSTITUTION_VARIABLES, RUN_DIMS, VARIABLES


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    return small.with_overrides({"horizon_months": 12})


TWO_BATCHES = [
    {"name": "a", "opens": dt.date(2022, 9, 1), "closes": dt.date(2022, 11, 30), "budget": 3e6},
    {"name": "b", "opens": dt.date(2023, 1, 1), "closes": dt.date(2023, 5, 31), "budget": 3e6, "platforms": 1},
]
CASES = {
    "one": {},
    "two": {"programme.batches": TWO_BATCHES},
    "broke": {"programme.batches[0].budget": 0.0},  # no money: nobody counts on it, no applicant
}


def test_the_variables_have_their_dimensions_and_units():
    assert {"batch", "applicant"} <= RUN_DIMS
    assert VARIABLES["admitted"][:2] == (("batch", "platform"), "1")
    for name in INSTITUTION_VARIABLES[1:]:
        assert VARIABLES[name][0] == ("applicant",)


def test_a_run_file_carries_them(short, tmp_path):
    ds = dx.simulate(short, replications=2, seed=1)
    assert ds["admitted"].dtype == np.int8 and (ds["admitted"] == 1).all()  # one batch, no admission round
    won = ds["applicant_won"]
    assert won.dims == ("replication", "applicant") and won.notnull().sum() > 0
    back = dx.open_results(dx.write_netcdf(ds, tmp_path / "run.nc"))
    for name in INSTITUTION_VARIABLES:
        xr.testing.assert_identical(back[name], ds[name])


def test_a_sweep_store_pads_batches_and_applicants(short, tmp_path):
    kwargs = {"cases": CASES, "replications": 3, "seed": 1, "block_size": 2}
    plain = dx.sweep(short, **kwargs)
    stored = dx.sweep(short, store=tmp_path / "s.zarr", **kwargs)
    back = dx.open_results(tmp_path / "s.zarr")
    assert back.sizes["batch"] == 2
    admitted = back["admitted"].sum("platform").load()
    np.testing.assert_array_equal(admitted.sel(case="one").values, [[4, 0]] * 3)  # a padded batch admits nobody
    np.testing.assert_array_equal(admitted.sel(case="two").values, [[4, 1]] * 3)
    assert back["applicant_won"].sel(case="broke").isnull().all()
    for name in INSTITUTION_VARIABLES:
        np.testing.assert_array_equal(back[name].values, plain[name].values)
        np.testing.assert_array_equal(stored[name].values, plain[name].values)
