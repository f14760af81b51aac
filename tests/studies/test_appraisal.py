"""dxsim.studies.appraisal: payback and appraisal use the stored counterfactual, and run it only when it is missing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from executor_helpers import CountingExecutor

import dxsim as dx
import dxsim.studies.counterfactual as counterfactual_module
from dxsim.analysis.payback import PARTIES, PAYBACK_STATISTICS
from dxsim.studies.appraisal import appraisal, payback

REPS, SEED = 3, 2


@pytest.fixture(scope="module")
def market(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 36 months with slower diffusion, so that not every SME adopts anyway."""
    return small.with_overrides(
        {"horizon_months": 36, "industry_defaults.innovation": 0.003, "industry_defaults.imitation": 0.1}
    )


@pytest.fixture(scope="module")
def paired(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(market, replications=REPS, seed=SEED, counterfactual=True)


@pytest.fixture(scope="module")
def plain(market: dx.Scenario) -> xr.Dataset:
    return dx.simulate(market, replications=REPS, seed=SEED)


def _refuse(*args: Any, **kwargs: Any) -> xr.Dataset:
    raise AssertionError("the counterfactual ran although the run holds it")


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running a counterfactual fails."""
    monkeypatch.setattr(counterfactual_module, "counterfactual_run", _refuse)


def test_an_appraisal_from_the_stored_counterfactual_equals_one_that_runs_it(paired, plain, monkeypatch):
    fresh, fresh_payback = appraisal(plain), payback(plain)  # plain holds none: the counterfactual runs
    monkeypatch.setattr(counterfactual_module, "counterfactual_run", _refuse)
    xr.testing.assert_identical(appraisal(paired), fresh)
    pd.testing.assert_frame_equal(payback(paired), fresh_payback)


def test_nothing_runs_when_the_run_holds_its_counterfactual(paired, market, no_runs):
    dx.additionality(paired)
    dx.additionality_by_enterprise(paired, replication=1)
    payback(paired)
    appraisal(paired)
    dx.compare(paired, counterfactual=True)
    with pytest.raises(AssertionError, match="ran"):
        dx.additionality(dx.simulate(market, replications=1, seed=SEED))


def test_the_missing_counterfactual_runs_on_the_given_executor(plain):
    with CountingExecutor() as pool:
        got = appraisal(plain, executor=pool, progress=False)
    assert pool.submitted == REPS
    with CountingExecutor() as pool:
        payback(plain, executor=pool, progress=False)
    assert pool.submitted == REPS
    assert got.sizes["replication"] == REPS


def test_payback_table_of_the_three_parties(paired):
    table = payback(paired, interval=0.5)
    assert table.index.tolist() == list(PARTIES)
    assert table.shape == (3, 3 * len(PAYBACK_STATISTICS))
    assert set(table.attrs["units"]) == set(table.columns)
    assert table.attrs["units"]["median"] == "months" and table.attrs["units"]["censored_share_high"] == "1"
    ap = appraisal(paired)
    months = ap["fiscal_payback_month"].values
    government = table.loc["government"]
    assert government["censored_share"] == pytest.approx(np.isnan(months).mean())
    expected = np.where(np.isnan(months), np.inf, months).mean()
    assert government["median"] == expected
    assert (table["median_low"] <= table["median_high"]).all()
    discounted = payback(paired, discounted=True)
    assert discounted.shape == table.shape and not discounted.equals(table)


def test_appraisal_reads_the_scenario_settings(paired):
    ap = appraisal(paired)
    settings = getattr(dx.scenario_of(paired), "appraisal", None)
    assert ap.attrs["social_discount_rate"] == getattr(settings, "social_discount_rate", 0.08)
    assert ap.attrs["marginal_cost_of_public_funds"] == getattr(settings, "marginal_cost_of_public_funds", 1.2)
