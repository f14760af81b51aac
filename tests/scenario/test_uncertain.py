"""The [uncertain] table: validation, keyed draws shared across scenarios, the variants' paths."""

from __future__ import annotations

import pytest

from dxsim.random import replication_key
from dxsim.scenario import ScenarioError, load_scenario, scenario_from_dict
from dxsim.scenario.load import parse_toml
from dxsim.scenario.uncertain import Uncertain, draw_uncertain
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


def test_a_joint_group_of_one_path_draws_what_a_normal_marginal_draws():
    # the tables alone: in a scenario, an unbounded normal on this field (>= 0) is refused
    marginal = Uncertain.model_validate({"programme.outreach": {"dist": "normal", "mean": 0.1, "sd": 0.02}})
    joint = Uncertain.model_validate(
        {"joint": [{"paths": ["programme.outreach"], "mean": [0.1], "covariance": [[0.0004]]}]}
    )
    key = replication_key(3, 4)
    assert draw_uncertain(marginal, key) == pytest.approx(draw_uncertain(joint, key))


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


@pytest.mark.parametrize(
    ("table", "where", "says"),
    [
        (
            {"contract.platform_discount": {"dist": "normal", "mean": 0.1, "sd": 0.2}},
            'uncertain."contract.platform_discount"',
            "normal(mean=0.1, sd=0.2) can draw (-inf, inf), outside the field's range [0, 1]",
        ),
        (
            {"contract.platform_discount": {"dist": "lognormal", "median": 0.1, "sigma": 0.5}},
            'uncertain."contract.platform_discount"',
            "can draw (0, inf), outside the field's range [0, 1]",
        ),
        (
            {"platforms.delivery_cost": {"dist": "normal", "mean": 1e5, "sd": 1e4}},
            'uncertain."platforms.delivery_cost"',
            "outside the field's range (0, inf)",
        ),
        (
            {"industries[0].enterprises": {"dist": "uniform", "low": 100, "high": 300}},
            'uncertain."industries[0].enterprises"',
            "outside the field's range whole numbers in [1, 1e+08]",
        ),
        (
            {"joint": [{"paths": ["programme.outreach"], "mean": [0.1], "covariance": [[0.01]]}]},
            "uncertain.joint[0]",
            "programme.outreach: the joint normal's mean 0.1, sd 0.1, can draw (-inf, inf), outside the field's range [0, inf); give the group low and high",
        ),
    ],
)
def test_a_distribution_that_can_draw_outside_its_field_is_refused_at_validation(small, table, where, says):
    # the central value is valid, so before it validated and the run stopped at the first bad draw
    with pytest.raises(ScenarioError) as err:
        small.with_overrides({"uncertain": table})
    [line] = err.value.lines
    assert line.startswith(f"<overrides>: {where}: ") and says in line


def test_the_file_is_named(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(
        'extends = "small"\nname = "x"\n[uncertain]\n'
        '"contract.platform_discount" = { dist = "normal", mean = 0.1, sd = 0.2 }\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.lines == [
        f'{path}: uncertain."contract.platform_discount": normal(mean=0.1, sd=0.2) can draw (-inf, inf), '
        "outside the field's range [0, 1]; use a distribution within it (e.g. uniform, triangular, beta)"
    ]


@pytest.mark.parametrize(
    "table",
    [
        {"contract.platform_discount": {"dist": "beta", "a": 2, "b": 8}},
        {"contract.platform_discount": {"dist": "uniform", "low": 0, "high": 0.5}},  # + the cost share 0.3 <= 1
        {"platforms.delivery_cost": {"dist": "lognormal", "median": 1e5, "sigma": 0.5}},
        {"platforms.delivery_cost": {"dist": "uniform", "low": 0, "high": 2e5}},  # draws > 0 from uniforms in (0, 1)
        {"industries[0].enterprises": {"dist": "empirical", "values": [100, 300]}},
        {"joint": [{"paths": ["programme.outreach"], "mean": [0.1], "covariance": [[0.01]], "low": [0], "high": [1]}]},
    ],
)
def test_a_distribution_within_its_field_validates_and_its_draws_too(small, table):
    sc = small.with_overrides({"uncertain": table})
    assert sc.uncertain
    sc.check_draws(1, range(50))  # raises at a draw the scenario refuses


def test_a_draw_a_rule_between_fields_refuses_is_one_line_naming_it(small):
    # each share is within [0, 1]; their sum with the platform discount (0.1) is not, above 0.9
    sc = small.with_overrides(
        {"uncertain": {"programme.instruments[0].share": {"dist": "uniform", "low": 0.6, "high": 0.95}}}
    )
    sc.check_draws(7, range(7))
    with pytest.raises(ScenarioError) as err:
        sc.check_draws(7, range(20))
    [line] = err.value.lines
    share = draw_uncertain(sc.uncertain, replication_key(7, 7))["programme.instruments[0].share"]
    assert share > 0.9 and line.startswith(
        f"scenario 'small': uncertain: replication 7 of seed 7 draws programme.instruments[0].share = {share:.6g}"
    )
    assert "cost shares + contract.platform_discount must be at most 1" in line


@pytest.mark.parametrize(
    ("dist", "draws"),
    [
        ({"dist": "uniform", "low": -0.1, "high": 0.2}, "can draw -0.1 (its lowest 1e-12 quantile)"),
        ({"dist": "normal", "mean": 0.05, "sd": 0.01}, "can draw -0.0203448 (its lowest 1e-12 quantile)"),
        ({"dist": "uniform", "low": 0.05, "high": 0.5}, "can draw 0.5 (its highest 1e-12 quantile)"),
    ],
)
def test_a_distribution_parameter_is_checked_at_its_extreme_draws(small, dist, draws):
    """A parameter of a distribution (the lowest hurdle rate) has no range of its own: its extreme draws must validate."""
    with pytest.raises(ScenarioError) as err:
        small.with_overrides({"uncertain": {"behaviour.hurdle_rate.low": dist}})
    [line] = err.value.lines
    assert line.startswith('<overrides>: uncertain."behaviour.hurdle_rate.low": ') and draws in line
    assert line.endswith("; bound the distribution so that every draw makes a valid one")
    ok = small.with_overrides({"uncertain": {"behaviour.hurdle_rate.low": {"dist": "uniform", "low": 0, "high": 0.1}}})
    ok.check_draws(7, range(50))  # every draw of a distribution the check lets through is valid
