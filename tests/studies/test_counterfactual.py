"""dxsim.studies.counterfactual: a run's counterfactual, run on its seed through the executor."""

from __future__ import annotations

import pytest
import xarray as xr
from executor_helpers import CountingExecutor

import dxsim as dx
from dxsim.scenario.variants import with_instruments
from dxsim.studies.counterfactual import additionality, additionality_by_enterprise, counterfactual_run

ADOPTION = ("adopters", "in_use", "accepted", "lighthouses")
REPS, SEED = 3, 1


@pytest.fixture(scope="module")
def add(run: xr.Dataset, cf_run: xr.Dataset) -> xr.Dataset:
    return dx.additionality(run, cf_run)


def test_counterfactual_empties_the_programme_only(market):
    cf = dx.counterfactual(market)
    assert cf.name == f"{market.name} (counterfactual)"
    assert cf.programme.batches == () and cf.programme.instruments == ()
    assert market.contract.platform_discount_contingent and cf.contract.platform_discount == 0.0
    a, b = market.to_dict(), cf.to_dict()
    for d in (a, b):
        d.pop("name")
        d["programme"].pop("batches")
        d["programme"].pop("instruments")
        d["contract"].pop("platform_discount")  # contingent on the programme: the counterfactual drops it
    assert a == b


def test_a_discount_given_regardless_of_the_programme_stays_in_the_counterfactual(market):
    kept = market.with_overrides({"contract.platform_discount_contingent": False})
    assert dx.counterfactual(kept).contract.platform_discount == market.contract.platform_discount > 0


def test_counterfactual_is_built_from_the_attrs_when_not_given(run, cf_run, add):
    built = dx.additionality(run)
    xr.testing.assert_identical(built, add)
    xr.testing.assert_identical(counterfactual_run(run), cf_run)


def test_instruments_without_batches_budget_equal_the_counterfactual(market, cf_run):
    """Shapley's empty subset (batches, no instruments) is the counterfactual (no batches either)."""
    ds = dx.simulate(with_instruments(market, ()), replications=REPS, seed=SEED)
    for name in ADOPTION:
        xr.testing.assert_equal(ds[name], cf_run[name])
    assert float(ds["public_money"].sum()) == 0.0


def test_replication_subsets_are_matched_by_key(run, cf_run, add):
    one = run.isel(replication=[2])
    xr.testing.assert_identical(dx.additionality(one), add.isel(replication=[2]))


def test_the_counterfactual_runs_through_the_given_executor(run, add):
    with CountingExecutor() as pool:
        got = additionality(run, executor=pool)
    assert pool.submitted == REPS  # one task per replication of the counterfactual
    xr.testing.assert_identical(got, add)


def test_enterprise_by_enterprise_runs_the_counterfactual_of_one_replication(run, cf_run):
    with CountingExecutor() as pool:
        got = additionality_by_enterprise(run, replication=1, executor=pool)
    assert pool.submitted == 2  # replications 0 and 1: replication k needs the seed's first k + 1 children
    assert got.equals(dx.additionality_by_enterprise(run, cf_run, replication=1))


def test_a_given_counterfactual_runs_nothing(run, cf_run, add):
    with CountingExecutor() as pool:
        xr.testing.assert_identical(additionality(run, cf_run, executor=pool), add)
    assert pool.submitted == 0
