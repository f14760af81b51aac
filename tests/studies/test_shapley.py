"""dxsim.studies.shapley: every subset of a programme's instruments run on one seed, then decomposed."""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import xarray as xr

import dxsim as dx
from dxsim.analysis.shapley import shapley_of_runs, subsets
from dxsim.scenario.variants import with_instruments

REPS, SEED = 3, 1

COST_SHARE = {"kind": "cost_share", "share": 0.2, "cap_per_enterprise": 300e3, "paid_at": "acceptance"}
VOUCHER = {"kind": "voucher", "amount": 30e3}
REWARD = {"kind": "platform_reward", "amount": 40e3, "cap_per_platform": 1e6}


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 30 months with slower diffusion, so that not every SME adopts anyway."""
    return small.with_overrides(
        {"horizon_months": 30, "industry_defaults.innovation": 0.003, "industry_defaults.imitation": 0.1}
    )


@pytest.fixture(scope="module")
def cf_run(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(dx.counterfactual(market), replications=REPS, seed=SEED)


def test_shapley_contributions_add_up_to_the_total(market, cf_run):
    sc = market.with_overrides({"programme.instruments": [COST_SHARE, VOUCHER, REWARD]})
    sh = dx.shapley(sc, replications=2, seed=SEED, progress=False)
    assert sh["instrument"].values.tolist() == ["0:cost_share", "1:voucher", "2:platform_reward"]
    assert sh.sizes["subset"] == 8
    np.testing.assert_allclose(sh["shapley"].sum("instrument"), sh["total"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        sh["shapley_replications"].sum("instrument"), sh["total_replications"], rtol=1e-9, atol=1e-6
    )
    # the total is the full programme against the counterfactual
    full = dx.additionality(dx.simulate(sc, replications=2, seed=SEED), cf_run.isel(replication=[0, 1]))
    for metric in sh["metric"].values:
        assert float(sh["total"].sel(metric=metric)) == pytest.approx(float(full[metric].mean()))
    assert float(sh["total"].sel(metric="public_money")) > 0
    for name, var in sh.data_vars.items():
        assert var.attrs["units"] and var.attrs["long_name"], name
    # the stored scenario holds the seed the subsets ran on, not the scenario's own
    assert tomllib.loads(sh.attrs["scenario"])["seed"] == sh.attrs["seed"] == SEED != market.seed


def test_shapley_of_one_instrument_is_its_total_effect(market):
    sh = dx.shapley(market, replications=2, seed=SEED, progress=False)
    assert sh["instrument"].values.tolist() == ["0:cost_share"]
    np.testing.assert_array_equal(sh["shapley"].sel(instrument="0:cost_share"), sh["total"])


def test_shapley_symmetry_of_identical_instruments(market):
    sc = market.with_overrides({"programme.instruments": [VOUCHER, VOUCHER]})
    sh = dx.shapley(sc, replications=2, seed=SEED, progress=False)
    np.testing.assert_allclose(
        sh["shapley"].sel(instrument="0:voucher"), sh["shapley"].sel(instrument="1:voucher"), atol=1e-9
    )


def test_shapley_refuses_too_many_instruments_and_unknown_metrics(market):
    nine = market.with_overrides({"programme.instruments": [VOUCHER] * 9})
    with pytest.raises(ValueError, match="at most 8"):
        dx.shapley(nine, replications=1, seed=SEED)
    with pytest.raises(ValueError, match="additive"):
        dx.shapley(market, replications=1, seed=SEED, metrics=("leverage",))
    with pytest.raises(ValueError, match="no instruments"):
        dx.shapley(dx.counterfactual(market), replications=1, seed=SEED)


def test_the_subsets_run_on_the_executor_and_equal_the_decomposition_of_the_runs(market):
    """Same numbers on a thread pool as in this process, and as analysis.shapley of the runs themselves."""
    sc = market.with_overrides({"programme.instruments": [COST_SHARE, VOUCHER]})
    metrics = ("additional_adopters", "free_rider_money", "fiscal_balance")
    with ThreadPoolExecutor(max_workers=2) as pool:
        sh = dx.shapley(sc, replications=2, seed=SEED, metrics=metrics, executor=pool, progress=False)
    xr.testing.assert_identical(sh, dx.shapley(sc, replications=2, seed=SEED, metrics=metrics, progress=False))
    runs = {s: dx.simulate(with_instruments(sc, s), replications=2, seed=SEED) for s in subsets(2)}
    given = shapley_of_runs(runs, ["0:cost_share", "1:voucher"], metrics)
    xr.testing.assert_identical(given.drop_attrs(deep=False), sh.drop_attrs(deep=False))
    assert sh.attrs["scenario_name"] == sc.name and sh.attrs["seed"] == SEED and sh.attrs["replications"] == 2
