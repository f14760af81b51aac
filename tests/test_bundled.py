"""Every bundled scenario validates, runs, and produces every documented variable."""

from __future__ import annotations

import numpy as np
import pytest

import dxsim as dx
from dxsim.results.schema import VARIABLES

BUNDLED = sorted(dx.bundled_scenarios())


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_runs(name):
    sc = dx.load_scenario(name)
    short = sc.with_overrides({"horizon_months": min(sc.horizon_months, 48)})  # every bundled batch opens by then
    ds = dx.simulate(short, replications=1, seed=3)
    for var, (dims, _, _) in VARIABLES.items():
        assert ds[var].dims == ("replication", *dims)
        assert ds[var].attrs["units"] and ds[var].attrs["long_name"]
    assert (ds["budget_remaining"] >= 0).all()
    last = ds["adopters"].isel(month=-1)
    assert (last <= ds["enterprises"]).all()
    assert np.isfinite(ds["cash_flow"]).all()


def test_every_variable_has_units_and_long_name(small_ds):
    for name, var in small_ds.data_vars.items():
        assert "units" in var.attrs, name
        assert "long_name" in var.attrs, name
