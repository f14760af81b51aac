"""A results Dataset's provenance must match its data (issue 15, item 6): a stored scenario with
another horizon, other industries, a non-text scenario or a bad seed is refused in one line naming
the attribute, by the reader (dx.open_results) and by the report (check_results)."""

from __future__ import annotations

import pytest

import dxsim as dx
from dxsim.results.io import check_results


@pytest.fixture(scope="module")
def run(small):
    return dx.simulate(small.with_overrides({"horizon_months": 6}), seed=1)


def edited(run, **attrs):
    ds = run.copy()
    ds.attrs = {**run.attrs, **attrs}
    return ds


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"scenario": 7}, "attribute 'scenario': must be TOML text, got int"),
        ({"scenario": "a =\n"}, "attribute 'scenario': TOML syntax error"),
        ({"seed": "abc"}, "attribute 'seed'(='abc') must be a whole number from 0 to 2**64 - 1"),
        ({"seed": -1}, "attribute 'seed'(=-1) must be a whole number"),
    ],
)
def test_bad_attributes_are_one_line(run, attrs, message):
    with pytest.raises(ValueError) as info:
        check_results(edited(run, **attrs))
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_a_stored_scenario_of_another_horizon_is_refused(run, tmp_path):
    ds = edited(run, scenario=run.attrs["scenario"].replace("horizon_months = 6", "horizon_months = 12"))
    ds.to_netcdf(tmp_path / "r.nc", engine="h5netcdf")
    with pytest.raises(ValueError) as info:
        dx.open_results(tmp_path / "r.nc")
    assert str(info.value) == (
        f"{tmp_path / 'r.nc'}: attribute 'scenario': horizon_months does not match the data's month dimension "
        "(the scenario has 12, the data 6)"
    )


def test_a_stored_scenario_with_other_industries_is_refused(run):
    ds = edited(run, scenario=run.attrs["scenario"].replace('name = "machining"', 'name = "mining"'))
    with pytest.raises(ValueError, match=r"industries does not match the data's industry dimension"):
        check_results(ds)


def test_a_matching_run_passes(run):
    check_results(run)
