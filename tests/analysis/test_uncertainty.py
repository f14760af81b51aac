"""Parameter uncertainty in the intervals: a metric that depends on an uncertain parameter widens, one
that does not keeps its interval; the Dataset records the draws; summarize splits the variance."""

from __future__ import annotations

import numpy as np
import pytest

import dxsim as dx
from dxsim.analysis.uncertainty import split_variance
from dxsim.random import replication_key
from dxsim.scenario.uncertain import draw_uncertain

REPS, SEED = 12, 5
#: Below about 2.2e5 yuan every platform takes every contract of `small` (its price is 3e5), so the
#: delivery cost moves the platforms' payback and nothing the enterprises or the government see.
COST = {"platforms.delivery_cost": {"dist": "uniform", "low": 1.2e5, "high": 2.0e5}}


@pytest.fixture(scope="module")
def runs():
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 24})
    plain = dx.simulate(sc, replications=REPS, seed=SEED)
    uncertain = dx.simulate(sc.with_overrides({"uncertain": COST}), replications=REPS, seed=SEED)
    return sc, plain, uncertain


def _width(values):
    return float(np.quantile(values, 0.95) - np.quantile(values, 0.05))


def test_the_dataset_records_each_replications_draws(runs):
    sc, _, ds = runs
    values = ds["uncertain_value"]
    assert values.dims == ("replication", "uncertain") and list(values["uncertain"].values) == list(COST)
    assert values.attrs["units"] and values.attrs["long_name"]
    expected = [
        draw_uncertain(sc.with_overrides({"uncertain": COST}).uncertain, replication_key(SEED, k)) for k in range(REPS)
    ]
    assert values.values[:, 0].tolist() == [e["platforms.delivery_cost"] for e in expected]
    assert 1.2e5 <= values.min() and values.max() <= 2.0e5 and len(np.unique(values)) == REPS


def test_an_uncertain_parameter_widens_what_depends_on_it_and_leaves_the_rest(runs):
    _, plain, uncertain = runs
    npv = [ds["platform_npv"].sum("platform").values for ds in (plain, uncertain)]
    assert _width(npv[1]) > 3 * _width(npv[0])  # the platforms' NPV over the horizon, yuan
    assert dx.payback(uncertain).loc["platform", "median_low"] < dx.payback(plain).loc["platform", "median_low"]
    # Common random numbers: what the parameter does not move is the same replication by replication,
    # so its interval is the same (not only in expectation).
    a, b = dx.headline(plain), dx.headline(uncertain)
    assert a.equals(b)
    assert dx.payback(uncertain).loc["enterprise"].equals(dx.payback(plain).loc["enterprise"])


def test_summarize_splits_the_variance(runs):
    _, plain, uncertain = runs
    split = dx.summarize(uncertain, split=True)
    assert list(split.columns) == ["variance", "parameter", "simulation", "parameter_share", "replications", "units"]
    assert split.loc["platform_paid_back_12", "parameter_share"] > 0.5
    assert split.loc["adopters", "parameter_share"] < 0.2
    assert (dx.summarize(plain, split=True)["parameter"].fillna(0) == 0).all()
    with pytest.raises(ValueError, match="one run"):
        dx.summarize(dx.sweep("small", {"horizon_months": [12]}, replications=1), split=True)


def test_the_parameter_part_of_a_metric_the_draws_do_not_move_is_zero_in_expectation():
    rng = np.random.default_rng(1)
    parts = [split_variance(rng.normal(0, 1, 30), rng.uniform(0, 1, (30, 2))) for _ in range(400)]
    total, param, sim, _ = (np.mean(c) for c in zip(*parts, strict=True))
    assert sim == pytest.approx(1.0, abs=0.05) and total == pytest.approx(1.0, abs=0.05)
    assert param < 0.1  # floored at 0: a small positive bias, nothing like the variance itself
    y = np.arange(30.0)
    assert split_variance(y, y[:, None] ** 0.5)[1] == pytest.approx(np.var(y, ddof=1), rel=0.01)


def test_a_paired_counterfactual_keeps_its_own_uncertain_paths_and_shares_the_draws():
    from dxsim.results.pairing import counterfactual_of

    share = {"programme.instruments[0].share": {"dist": "uniform", "low": 0.2, "high": 0.4}}
    imitation = {"industry_defaults.imitation": {"dist": "uniform", "low": 0.2, "high": 0.5}}
    sc = dx.load_scenario("small").with_overrides({"horizon_months": 12, "uncertain": share | imitation})
    ds = dx.simulate(sc, replications=2, seed=1, counterfactual=True)
    cf = counterfactual_of(ds)
    assert list(cf["uncertain"].values) == list(imitation)  # no instruments in the counterfactual
    mine = ds["uncertain_value"].sel(uncertain=list(imitation)).values
    assert (cf["uncertain_value"].values == mine).all()
