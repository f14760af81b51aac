"""``dx.simulate(..., counterfactual=True)``: the run and its counterfactual in one run of tasks (issue 13, item 6)."""

from __future__ import annotations

from typing import Any

import pytest
import xarray as xr
from executor_helpers import CountingExecutor

import dxsim as dx
import dxsim.experiment.simulate as simulate_module
from dxsim.results.pairing import attach_counterfactual

REPS, SEED = 2, 5


@pytest.fixture(scope="module")
def short() -> dx.Scenario:
    return dx.load_scenario("small").with_overrides({"horizon_months": 12})


@pytest.fixture(scope="module")
def paired(short: dx.Scenario) -> xr.Dataset:
    return dx.simulate(short, replications=REPS, seed=SEED, counterfactual=True)


def test_the_pair_is_the_two_runs_attached(short, paired):
    run = dx.simulate(short, replications=REPS, seed=SEED)
    cf = dx.simulate(dx.counterfactual(short), replications=REPS, seed=SEED)
    xr.testing.assert_identical(paired, attach_counterfactual(run, cf))


def test_one_run_of_tasks_on_the_given_executor(short, paired, monkeypatch: pytest.MonkeyPatch):
    calls: list[int] = []
    real = simulate_module.run_tasks

    def counting(tasks: Any, **kwargs: Any) -> Any:
        calls.append(len(tasks))
        return real(tasks, **kwargs)

    monkeypatch.setattr(simulate_module, "run_tasks", counting)
    with CountingExecutor() as pool:
        got = dx.simulate(short, replications=REPS, seed=SEED, executor=pool, counterfactual=True)
    assert calls == [2 * REPS]  # the pool is used once, for both worlds
    assert pool.submitted == 2 * REPS
    xr.testing.assert_identical(got, paired)


def test_without_the_flag_nothing_changes(short):
    plain = dx.simulate(short, replications=REPS, seed=SEED)
    assert not any(str(name).startswith("counterfactual_") for name in plain.variables)
    assert "counterfactual_scenario" not in plain.attrs
