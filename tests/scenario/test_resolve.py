"""Resolution rules on plain data, error paths through tagged unions, and the layer's import order."""

from __future__ import annotations

import datetime as dt

import pytest

import dxsim as dx
from dxsim.scenario.errors import FieldError
from dxsim.scenario.resolve import (
    add_months,
    check_platform_list,
    check_programme,
    date_to_months,
    industry_fields,
    platforms_per_industry,
)
from dxsim.scenario.schema import scenario_from_dict

FULL = {
    "name": "silk",
    "enterprises": 10,
    "revenue": 1e6,
    "margin": 0.1,
    "maturity": None,
    "innovation": 0.01,
    "imitation": 0.3,
    "solution": "mes",
}


def test_an_entry_wins_over_the_defaults():
    (fields,) = industry_fields({**FULL, "imitation": 0.1}, [{"name": "dye", "imitation": 0.5}], ["mes"])
    assert fields == {**FULL, "name": "dye", "imitation": 0.5}


@pytest.mark.parametrize(
    ("entries", "path", "message"),
    [
        ([], ("industries",), "a scenario needs at least one industry"),
        ([{"name": "a"}, {"name": "a"}], ("industries", 1, "name"), "industry names must be unique"),
        ([{"name": "a", "solution": "erp"}], ("industries", 0, "solution"), "no such solution (known: mes)"),
    ],
)
def test_industry_rules(entries, path, message):
    with pytest.raises(FieldError) as info:
        industry_fields(FULL, entries, ["mes"])
    assert (info.value.path, str(info.value)) == (path, message)


def test_a_required_field_given_nowhere():
    defaults = {k: v for k, v in FULL.items() if k != "margin"}
    with pytest.raises(FieldError) as info:
        industry_fields(defaults, [{}, {"name": "b"}], ["mes"])
    assert info.value.path == ("industries", 0, "margin")


def test_platforms_per_industry_uses_an_industrys_own_count():
    specs = platforms_per_industry({"delivery_cost": 5.0}, 2, [("a", None), ("b", 0), ("c", 3)])
    assert [(s["name"], s["industry"], s["delivery_cost"]) for s in specs] == [
        ("a/p1", "a", 5.0),
        ("a/p2", "a", 5.0),
        ("c/p1", "c", 5.0),
        ("c/p2", "c", 5.0),
        ("c/p3", "c", 5.0),
    ]


def test_platform_list_rules():
    check_platform_list([("p", "a"), ("q", "a")], ["a"])
    with pytest.raises(FieldError) as info:
        check_platform_list([("p", "a"), ("p", "a")], ["a"])
    assert info.value.path == ("platforms", 1, "name")
    with pytest.raises(FieldError) as info:
        check_platform_list([("p", "z")], ["a"])
    assert info.value.path == ("platforms", 0, "industry")


PROGRAMME = {
    "instruments": [{"kind": "cost_share", "share": 0.5}, {"kind": "voucher"}, {"kind": "cost_share", "share": 0.3}],
    "batches": [{"opens": dt.date(2022, 9, 1)}],
    "eligibility": None,
}
WHEN = {"start": dt.date(2022, 9, 1), "horizon_months": 12, "industries": ["a"]}


def test_programme_rules_hold():
    check_programme(PROGRAMME, platform_discount=0.2, **WHEN)


@pytest.mark.parametrize(
    ("change", "discount", "path"),
    [
        ({}, 0.25, ("programme", "instruments", 2, "share")),
        ({"batches": [{"opens": dt.date(2023, 9, 1)}]}, 0.0, ("programme", "batches", 0, "opens")),
        ({"batches": [{"opens": dt.date(2022, 8, 31)}]}, 0.0, ("programme", "batches", 0, "opens")),
        ({"eligibility": {"industries": ["b"]}}, 0.0, ("programme", "eligibility", "industries")),
        ({"batches": []}, 0.0, ("programme", "batches")),
    ],
)
def test_programme_rules_broken(change, discount, path):
    with pytest.raises(FieldError) as info:
        check_programme({**PROGRAMME, **change}, platform_discount=discount, **WHEN)
    assert info.value.path == path


def test_dates():
    assert add_months(dt.date(2022, 9, 1), 4) == dt.date(2023, 1, 1)
    assert add_months(dt.date(2022, 1, 1), -1) == dt.date(2021, 12, 1)
    assert date_to_months(dt.date(2022, 9, 1), dt.date(2023, 9, 1)) == 12.0
    assert date_to_months(dt.date(2022, 9, 1), dt.date(2022, 2, 1)) == -7.0
    assert date_to_months(dt.date(2024, 1, 1), dt.date(2024, 2, 29), end_of_day=True) == 2.0


def test_resolved_industries_and_platforms_of_a_scenario(small):
    textiles, machining = small.resolved_industries
    assert textiles.imitation == small.industry_defaults.imitation
    assert machining.imitation == 0.3
    assert [p.name for p in small.resolved_platforms] == ["textiles/p1", "textiles/p2", "machining/p1", "machining/p2"]


# ---------------------------------------------------------------------------
# Error paths: a union's tag is left out, a key the user wrote is kept


@pytest.mark.parametrize("solution", ["normal", "beta", "constant", "upfront", "cost_share", "table"])
def test_a_solution_named_like_a_tag_keeps_its_name_in_errors(small, solution):
    data = small.to_dict()
    data["solutions"] = {solution: {**data["solutions"]["lightweight-mes"], "price": -1}}
    data["industry_defaults"]["solution"] = solution
    with pytest.raises(dx.ScenarioError) as info:
        scenario_from_dict(data, source="S")
    assert info.value.lines == [f"S: solutions.{solution}.price: must be >= 0, got -1"]


def test_a_tag_is_left_out_of_a_distributions_error_path(small):
    data = small.to_dict()
    data["solutions"]["lightweight-mes"]["benefit"] = {"dist": "normal", "mean": 0.02, "sd": -1}
    with pytest.raises(dx.ScenarioError) as info:
        scenario_from_dict(data, source="S")
    assert info.value.lines == ["S: solutions.lightweight-mes.benefit.sd: must be >= 0, got -1.0"]
