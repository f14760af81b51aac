"""The [uncertain] table: validation, keyed draws shared across scenarios, the variants' paths."""

from __future__ import annotations

import pytest

from dxsim.random import replication_key
from dxsim.scenario import ScenarioError, load_scenario, scenario_from_dict
from dxsim.scenario.load import parse_toml
from dxsim.scenario.uncertain import draw_uncertain
from dxsim.scenario.variants import counterfactual, without_peer_effects

IMITATION = {"industry_defaults.imitation": {"dist": "uniform", "low": 0.2, "high": 0.6}}
SHARE = {"programme.instruments[0].share": {"dist": "triangular", "low": 0.2, "mode": 0.3, "high": 0.4}}


@pytest.fixture(scope="module")
def small():
    return load_scenario("small")


def test_the_table_round_trips_through_toml(small):
    text = small.with_overrides({"uncertain": {**IMITATION, **SHARE}}).to_toml()
    again = scenario_from_dict(parse_toml(text, "x.toml"))
    assert again.uncertain.paths == ("industry_defaults.imitation", "programme.instruments[0].share")
    assert "uncertain" not in small.to_toml()  # no table, nothing written: existing files unchanged


def test_same_seed_draws_the_same_values_in_two_scenarios(small):
    a = small.with_overrides({"uncertain": IMITATION})
    b = small.with_overrides({"uncertain": {**SHARE, **IMITATION}, "contract.platform_discount": 0.2})
    for k in range(5):
        key = replication_key(11, k)
        da, db = draw_uncertain(a.uncertain, key), draw_uncertain(b.uncertain, key)
        assert da["industry_defaults.imitation"] == db["industry_defaults.imitation"]
        assert a.drawn(key).industry_defaults.imitation == da["industry_defaults.imitation"]
    draws = {draw_uncertain(a.uncertain, replication_key(11, k))["industry_defaults.imitation"] for k in range(5)}
    assert len(draws) == 5 and all(0.2 <= d <= 0.6 for d in draws)
    assert draw_uncertain(a.uncertain, replication_key(12, 0)) != draw_uncertain(a.uncertain, replication_key(11, 0))


def test_a_joint_group_of_one_path_draws_what_a_normal_marginal_draws(small):
    marginal = small.with_overrides({"uncertain": {"programme.outreach": {"dist": "normal", "mean": 0.1, "sd": 0.02}}})
    joint = small.with_overrides(
        {"uncertain": {"joint": [{"paths": ["programme.outreach"], "mean": [0.1], "covariance": [[0.0004]]}]}}
    )
    key = replication_key(3, 4)
    assert draw_uncertain(marginal.uncertain, key) == pytest.approx(draw_uncertain(joint.uncertain, key))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"horizon_months": 12}, "horizon_months cannot be uncertain"),
        ({"industry_defaults.imitaton": 0.3}, "central values make no valid scenario"),
        ({"programme.instruments[3].share": 0.3}, "central values make no valid scenario"),
        ({"industry_defaults.imitation": {"dist": "normal", "mean": -1, "sd": 0.1}}, "central values"),
        ({"joint": [{"paths": ["a.b", "c.d"], "mean": [0, 0], "covariance": [[1, 2], [2, 1]]}]}, "PSD"),
        ({"joint": [{"paths": ["a.b"], "mean": [0, 0], "covariance": [[1]]}]}, "must have 1 entries"),
    ],
)
def test_a_bad_table_is_one_line_naming_it(small, table, message):
    with pytest.raises(ScenarioError) as err:
        small.with_overrides({"uncertain": table})
    assert len(err.value.lines) == 1 and "uncertain" in err.value.lines[0] and message in err.value.lines[0]


def test_variants_leave_out_the_paths_they_remove_or_fix(small):
    sc = small.with_overrides({"uncertain": {**SHARE, **IMITATION, "contract.platform_discount": 0.1}})
    assert counterfactual(sc).uncertain.paths == ("industry_defaults.imitation",)
    assert without_peer_effects(sc).uncertain.paths == ("programme.instruments[0].share", "contract.platform_discount")
