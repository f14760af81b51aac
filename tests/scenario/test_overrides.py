"""Dotted-path overrides: pure edits on plain data, composed by ``Scenario.with_overrides``."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

import dxsim as dx
from dxsim.scenario.overrides import apply_overrides, apply_to_dict, parse_path, set_path
from dxsim.scenario.schema import scenario_from_dict


def test_importing_overrides_loads_neither_the_schema_nor_the_loader():
    code = (
        "import sys, dxsim.scenario.overrides\n"
        "print(sorted(m for m in sys.modules if m.startswith('dxsim.scenario.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert "dxsim.scenario.overrides" in loaded
    assert "dxsim.scenario.load" not in loaded
    assert "dxsim.scenario.schema" not in loaded


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("seed", ["seed"]),
        ("programme.instruments[0].share", ["programme", "instruments", 0, "share"]),
        ("solutions.lightweight-mes.benefit.median", ["solutions", "lightweight-mes", "benefit", "median"]),
        ("a[1][2]", ["a", 1, 2]),
    ],
)
def test_parse_path(path, parts):
    assert parse_path(path) == parts


@pytest.mark.parametrize("path", ["", "a..b", "a.", "a[x]", "a]"])
def test_malformed_paths_are_refused(path):
    with pytest.raises(ValueError, match="malformed path"):
        parse_path(path)


def test_set_path_creates_missing_tables_and_lists():
    data: dict = {}
    set_path(data, "programme.split.smes", 0.5)
    set_path(data, "programme.batches", [])
    assert data == {"programme": {"split": {"smes": 0.5}, "batches": []}}


def test_set_path_turns_a_constant_into_a_table():
    data = {"platforms": {"quality": 1.0}}
    set_path(data, "platforms.quality.sd", 0.2)
    assert data == {"platforms": {"quality": {"dist": "constant", "value": 1.0, "sd": 0.2}}}


@pytest.mark.parametrize("path", ["industries[2].name", "seed.x[0]", "name[0]"])
def test_set_path_that_leads_nowhere(path):
    with pytest.raises(KeyError):
        set_path({"industries": [{}], "seed": 7, "name": "x"}, path, 1)


def test_apply_to_dict_leaves_its_input_alone(small):
    data = small.to_dict()
    before = copy.deepcopy(data)
    out = apply_to_dict(data, {"industries[0].imitation": 0.9, "contract.platform_discount": 0.2})
    assert data == before
    assert out["industries"][0]["imitation"] == 0.9
    assert out["contract"]["platform_discount"] == 0.2
    out["industries"][1]["name"] = "changed"
    assert data == before  # a deep copy: nothing shared


def test_apply_to_dict_names_the_path_and_the_source():
    with pytest.raises(dx.ScenarioError) as info:
        apply_to_dict({"a": 1}, {"a.b[0]": 2}, source="<sweep point 3>")
    assert info.value.lines == ["<sweep point 3>: a.b[0]: no such field, got 2"]


def test_with_overrides_is_to_dict_then_overrides_then_validation(small):
    overrides = {"solutions.lightweight-mes.benefit.median": 0.05, "programme.instruments[0].share": 0.4}
    expected = scenario_from_dict(apply_to_dict(small.to_dict(), overrides))
    assert small.with_overrides(overrides) == expected


def test_apply_overrides_on_a_scenario_still_works_and_warns(small):
    with pytest.warns(DeprecationWarning, match="with_overrides"):
        sc = apply_overrides(small, {"contract.platform_discount": 0.2})
    assert sc == small.with_overrides({"contract.platform_discount": 0.2})
