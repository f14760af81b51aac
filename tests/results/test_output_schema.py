"""dxsim.results.schema: the monthly gains, and files written before the tax law (issue 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.results.io import with_financing_cost
from dxsim.results.schema import TAX_LAW_VARIABLES, VARIABLES, require, upgrade


@pytest.fixture(scope="module")
def paired(small: dx.Scenario) -> xr.Dataset:
    return dx.simulate(small.with_overrides({"horizon_months": 24}), replications=2, seed=1, counterfactual=True)


def test_gains_are_the_realised_gains_of_the_contracts_month_by_month(paired):
    assert VARIABLES["gains"][:2] == (("month",), "yuan / month")
    assert paired["gains"].dims == ("replication", "month")
    assert (paired["gains"] >= 0).all() and (paired["gains"].sum() > 0)
    np.testing.assert_allclose(paired["gains"].sum("month"), paired["realised_gain"].sum("adopter"), rtol=1e-12)
    assert "counterfactual_gains" in paired  # kept with the paired counterfactual


def old_file(ds: xr.Dataset, tmp_path: Path) -> Path:
    """``ds`` as a file of dxsim 0.2.0: without the tax-law variables (its counterfactual's neither)."""
    drop = [*TAX_LAW_VARIABLES, *(f"counterfactual_{name}" for name in TAX_LAW_VARIABLES)]
    old = ds.drop_vars(drop)
    old.attrs["dxsim_version"] = "0.2.0"
    return dx.write_netcdf(old, tmp_path / "old.nc")


def test_upgrade_does_not_invent_the_tax_law_variables(paired, tmp_path):
    stored = dx.open_results(old_file(paired, tmp_path))
    assert not set(TAX_LAW_VARIABLES) & set(stored.data_vars)
    assert not set(TAX_LAW_VARIABLES) & set(upgrade(stored).data_vars)


def test_the_appraisal_of_an_old_file_names_the_missing_variable_in_one_line(paired, tmp_path):
    stored = dx.open_results(old_file(paired, tmp_path))
    with pytest.raises(ValueError, match=r"^the run lacks the variable 'platform_tax' .*dxsim 0.2.0") as error:
        dx.appraisal(stored)
    assert "\n" not in str(error.value)


def test_require_names_the_first_missing_variable():
    ds = xr.Dataset({"vat_revenue": ("month", [1.0])})
    require(ds, ("vat_revenue",))
    with pytest.raises(ValueError, match=r"^the Dataset lacks the variable 'gains' .*an older dxsim"):
        require(ds, ("vat_revenue", "gains", "platform_tax"))


def test_a_run_written_before_0_5_1_gets_its_financing_cost_back_from_its_receivables(small, tmp_path):
    # 0.5.0 did not record financing_cost; the platforms pay cost_of_capital / 12 on their receivables at each
    # month's end, so open_results rebuilds it exactly from what such a file holds (a sweep it leaves alone)
    sc = small.with_overrides({"horizon_months": 24, "contract.payment": {"scheme": "installments", "months": 24}})
    ds = dx.simulate(sc, replications=2, seed=3)
    assert float(ds["financing_cost"].sum()) > 0
    old = tmp_path / "old.nc"
    dx.write_netcdf(ds.drop_vars("financing_cost"), old)
    back = dx.open_results(old)
    xr.testing.assert_allclose(back["financing_cost"], ds["financing_cost"], rtol=1e-12, atol=0)
    assert back["financing_cost"].attrs["units"] == "yuan / month"
    sweep = dx.sweep(sc, {"contract.platform_discount": [0.0, 0.1]}, replications=1, seed=3, progress=False)
    assert "financing_cost" not in with_financing_cost(sweep.drop_vars("financing_cost"))
