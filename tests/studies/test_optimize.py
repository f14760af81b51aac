"""dx.optimize: a search over levers on common random numbers finds what a grid finds, or better."""

from __future__ import annotations

import re

import numpy as np
import pytest

import dxsim as dx
from dxsim.random import replication_key
from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.uncertain import draw_uncertain

SHARE = "programme.instruments[0].share"


@pytest.fixture(scope="module")
def short(small: dx.Scenario) -> dx.Scenario:
    """``small`` over 24 months: adopters peak at an interior cost share (the budget runs out sooner above it)."""
    return small.with_overrides({"horizon_months": 24})


def test_finds_a_design_at_least_as_good_as_the_best_of_an_11_point_grid(short):
    """The issue's test: on `small` with one lever, optimize beats or ties an 11-point dx.sweep on the same seed."""
    grid = np.round(np.linspace(0.0, 0.6, 11), 2).tolist()
    sw = dx.sweep(short, {SHARE: grid}, replications=2, seed=3)
    best_of_grid = dx.summarize(sw)["adopters"].groupby(SHARE).mean().max()
    opt = dx.optimize(short, {SHARE: (0.0, 0.6)}, "adopters", replications=2, seed=3, evaluations=16)
    assert opt.best.metrics["adopters"] >= best_of_grid
    # the scenario's own design comes first, and the best design's scenario alone (its seed the search's,
    # not the scenario's own 7) reproduces its number
    assert opt.evaluations[SHARE].values[0] == short.programme.instruments[0].share
    assert opt.best.scenario.seed == 3 != short.seed
    again = dx.summarize(dx.simulate(opt.best.scenario, replications=2))["adopters"].mean()
    assert again == opt.best.metrics["adopters"]


@pytest.fixture(scope="module")
def two_goals(short: dx.Scenario) -> dx.Optimization:
    """Accepted (max) against public money (min) within 2M yuan: a cost-share range and a categorical rule."""
    levers = {SHARE: (0.05, 0.6), "programme.when_budget_exhausted": ["unsubsidised", "reject"]}
    return dx.optimize(
        short, levers, ["accepted", "min:public_money"], {"public_money": ("<=", 2e6)}, seed=5, evaluations=10
    )


def test_two_objectives_give_a_feasible_pareto_front(two_goals):
    ev, front = two_goals.evaluations, two_goals.front
    assert ev.sizes["evaluation"] == 10 and list(ev["metric"].values) == ["accepted", "public_money"]
    assert set(ev["programme.when_budget_exhausted"].values) <= {"unsubsidised", "reject"}
    money = ev["mean"].sel(metric="public_money").values
    assert (ev["feasible"].values == (money <= 2e6)).all()
    assert front.sizes["evaluation"] >= 1 and bool(front["feasible"].all())
    accepted = front["mean"].sel(metric="accepted").values
    assert (np.diff(accepted) <= 0).all()  # best first on the first objective
    assert (np.diff(front["mean"].sel(metric="public_money").values) <= 0).all()  # so it costs no more further down
    for i in np.flatnonzero(ev["feasible"].values):  # nothing feasible dominates the front
        a, m = ev["mean"].isel(evaluation=i).values
        assert not ((a >= accepted) & (m <= front["mean"].sel(metric="public_money").values)
                    & ((a > accepted) | (m < front["mean"].sel(metric="public_money").values))).any()  # fmt: skip
    assert two_goals.best.evaluation == int(front["evaluation"][0])


def test_the_summary_of_two_objectives_shows_the_trade_off(two_goals):
    lines = two_goals.summary().splitlines()
    front = two_goals.front
    assert lines[1] == f"best on max accepted (evaluation {two_goals.best.evaluation}):"
    at = lines.index(f"the trade-off: {front.sizes['evaluation']} designs on the front")
    shown = [int(line.split(":")[0].split()[-1]) for line in lines[at + 1 :]]
    assert shown == [int(k) for k in front["evaluation"].values[: dx.studies.optimize.FRONT_SHOWN]]
    for k, line in zip(shown, lines[at + 1 :], strict=True):
        money = float(front["mean"].sel(metric="public_money", evaluation=k))
        assert f"public_money {money:,.4g}" in line


def test_the_same_seed_evaluates_the_same_designs(short, two_goals):
    levers = {SHARE: (0.05, 0.6), "programme.when_budget_exhausted": ["unsubsidised", "reject"]}
    again = dx.optimize(
        short, levers, ["accepted", "min:public_money"], {"public_money": ("<=", 2e6)}, seed=5, evaluations=4
    )
    first = two_goals.evaluations.isel(evaluation=slice(0, 4))
    assert again.evaluations[SHARE].equals(first[SHARE]) and again.evaluations["mean"].equals(first["mean"])


def test_an_additionality_objective_is_against_the_designs_counterfactual(short):
    sc = short.with_overrides({"horizon_months": 12})
    levers = {"programme.acceptance.delay_months": (1, 4)}  # a whole-number lever
    opt = dx.optimize(sc, levers, "additional_accepted", replications=2, seed=2, evaluations=3)
    best = opt.best
    assert isinstance(best.levers["programme.acceptance.delay_months"], int)
    add = dx.additionality(dx.simulate(best.scenario, replications=2, seed=2))
    assert best.metrics["additional_accepted"] == float(add["additional_accepted"].mean())


def test_nothing_feasible_has_no_best(short):
    opt = dx.optimize(short.with_overrides({"horizon_months": 6}), {SHARE: (0.1, 0.5)}, "accepted",
                      {"accepted": (">=", 1e6)}, evaluations=2)  # fmt: skip
    assert not opt.evaluations["feasible"].any() and opt.front.sizes["evaluation"] == 0
    with pytest.raises(ValueError, match="no evaluated design of small met the constraints"):
        _ = opt.best


def test_a_design_whose_draws_the_scenario_refuses_is_undefined_not_the_end_of_the_search(short):
    """With an uncertain discount, a cost share of 0.8 makes shares sum above 1 in a replication (a draw > 0.2)."""
    discount = {"contract.platform_discount": {"dist": "uniform", "low": 0.0, "high": 0.3}}
    sc = short.with_overrides({"horizon_months": 6, "uncertain": discount})
    drawn = [draw_uncertain(sc.uncertain, replication_key(2, k))["contract.platform_discount"] for k in range(4)]
    assert max(drawn) > 0.2 > min(drawn)  # seed 2: some replications refuse 0.8, none refuses 0.5
    opt = dx.optimize(sc, {SHARE: [0.5, 0.8]}, "accepted", replications=4, seed=2, evaluations=4)
    mean = opt.evaluations["mean"].sel(metric="accepted").values
    shares = opt.evaluations[SHARE].values
    assert np.isnan(mean[shares == 0.8]).all() and np.isfinite(mean[shares == 0.5]).all()
    assert opt.best.levers[SHARE] == 0.5


@pytest.mark.parametrize(
    ("levers", "objective", "constraints", "message"),
    [
        ({"programme.nope": (0.1, 0.2)}, "accepted", None, "programme.nope"),
        ({SHARE: (0.5, 0.1)}, "accepted", None, 'levers."programme.instruments[0].share": low must be < high'),
        ({SHARE: []}, "accepted", None, "give at least one choice"),
        ({}, "accepted", None, "give at least one lever"),
        ({"seed": (1, 9)}, "accepted", None, 'levers."seed": the seed is not a parameter'),
        ({"seed": [1, 2]}, "accepted", None, 'levers."seed": the seed is not a parameter'),
        ({SHARE: (0.1, 0.2)}, "acepted", None, "unknown metric"),
        ({SHARE: (0.1, 0.2)}, "best:accepted", None, "expected NAME, max:NAME or min:NAME"),
        (
            {SHARE: (0.1, 0.2)},
            "accepted",
            {"public_money": ("<", 1.0)},
            "constraints.public_money: expected (op, value)",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_runs(small, monkeypatch, levers, objective, constraints, message):
    from dxsim.studies import optimize as module

    monkeypatch.setattr(module, "map_points", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(ScenarioError, match=re.escape(message)):
        dx.optimize(small, levers, objective, constraints)
