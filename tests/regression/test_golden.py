"""Regression: a small run compared with the stored result (xarray.testing).

The golden file records what dxsim computed for ``small`` on seed 5 when the
file was last regenerated.  A model change that moves these numbers on
purpose regenerates it with ``DXSIM_REGEN_GOLDEN=1 pytest tests/regression``
and says why in the commit; any other difference is a regression.
"""

from __future__ import annotations

import os
from pathlib import Path

import xarray as xr

import dxsim as dx

GOLDEN = Path(__file__).with_name("small_seed5.nc")


def test_small_run_matches_golden_file():
    ds = dx.simulate("small", replications=2, seed=5)
    if os.environ.get("DXSIM_REGEN_GOLDEN") == "1":
        dx.write_netcdf(ds, GOLDEN)
    stored = dx.open_results(GOLDEN)  # written by 0.2.0: read with the current names (results.io.upgrade)
    xr.testing.assert_allclose(ds.drop_attrs(), stored.drop_attrs(), rtol=1e-9, atol=1e-6)
    assert dx.scenario_of(stored) == dx.scenario_of(ds)
