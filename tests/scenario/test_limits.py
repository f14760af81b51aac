"""Bounds on sizes and numbers (issue 15, item 4): each refused at validation, before anything is
allocated, with one line naming the field; TOML nesting refused before Python's recursion limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest

import dxsim as dx
from dxsim.scenario import scenario_from_dict
from dxsim.scenario.limits import (
    MAX_ENTERPRISES,
    MAX_EXTENDS,
    MAX_HORIZON_MONTHS,
    MAX_INDUSTRIES,
    MAX_NESTING,
    MAX_PLATFORMS,
    nesting_depth,
)
from dxsim.scenario.load import parse_toml


def refused(small, overrides) -> str:
    started = time.monotonic()
    with pytest.raises(dx.ScenarioError) as info:
        small.with_overrides(overrides)
    assert time.monotonic() - started < 5  # refused, not attempted
    (line,) = info.value.lines
    return line


@pytest.mark.parametrize(
    ("overrides", "start"),
    [
        ({"industry_defaults.enterprises": MAX_ENTERPRISES + 1}, "<overrides>: industry_defaults.enterprises: "),
        ({"industry_defaults.enterprises": MAX_ENTERPRISES // 2 + 1}, "<overrides>: industries: SMEs in all"),
        ({"horizon_months": MAX_HORIZON_MONTHS + 1}, "<overrides>: horizon_months: "),
        ({"platforms.per_industry": 10**9}, "<overrides>: platforms.per_industry: "),
        ({"contract.payment": {"scheme": "installments", "months": 10**9}}, "<overrides>: contract.payment.months"),
        ({"start": dt.date(9999, 12, 1)}, "<overrides>: horizon_months: the last month, 10004-11"),
        ({"industries": [{"name": f"i{k}"} for k in range(MAX_INDUSTRIES + 1)]}, "<overrides>: industries: "),
        ({"budget": 1}, "<overrides>: budget: unknown field"),
    ],
)
def test_a_bound_is_one_line_naming_the_field(small, overrides, start):
    assert refused(small, overrides).startswith(start)


def test_platforms_in_all_are_counted_before_they_are_made(small):
    industries = [{"name": f"i{k}"} for k in range(MAX_PLATFORMS // 1000 + 1)]
    line = refused(small, {"industries": industries, "platforms.per_industry": 1000})
    assert (
        line == f"<overrides>: platforms.per_industry: 11,000 platforms in all, more than {MAX_PLATFORMS:,}, got 1000"
    )


def test_a_budget_may_be_unlimited(small):
    sc = small.with_overrides({"programme.batches[0].budget": float("inf")})
    ds = dx.simulate(sc.with_overrides({"horizon_months": 6}), seed=1)
    assert float(ds["budget_remaining"].min()) == float("inf")


def test_the_bounds_admit_every_bundled_scenario():
    for name in dx.bundled_scenarios():
        sc = dx.load_scenario(name)
        assert sc.enterprises <= MAX_ENTERPRISES and sc.horizon_months <= MAX_HORIZON_MONTHS


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 5000])
def test_nesting_is_bounded(depth):
    with pytest.raises(dx.ScenarioError, match=f"nested deeper than {MAX_NESTING} levels"):
        parse_toml("x = " + "[" * depth + "]" * depth, "deep.toml")


def test_nesting_at_the_bound_is_read():
    assert (
        nesting_depth(parse_toml("x = " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1), "ok.toml")) == MAX_NESTING
    )


def test_an_extends_chain_is_bounded(tmp_path):
    (tmp_path / f"f{MAX_EXTENDS + 5}.toml").write_text(
        dx.bundled_scenarios()["small"].read_text(encoding="utf-8"), encoding="utf-8"
    )
    for k in range(MAX_EXTENDS + 4, -1, -1):
        (tmp_path / f"f{k}.toml").write_text(f'extends = "f{k + 1}.toml"\n', encoding="utf-8")
    with pytest.raises(dx.ScenarioError) as info:
        dx.load_scenario(tmp_path / "f0.toml")
    assert info.value.lines == [
        f"{tmp_path / f'f{MAX_EXTENDS - 1}.toml'}: extends: a chain of more than {MAX_EXTENDS} files, "
        f"got 'f{MAX_EXTENDS}.toml'"
    ]
    assert dx.load_scenario(tmp_path / f"f{MAX_EXTENDS - 2}.toml").name == "small"  # 32 files + small


def test_unknown_tables_are_not_echoed(small):
    data = small.to_dict()
    data["secret"] = {"password": "hunter2"}
    data["behaviour"] = {"tokens": ["s3cr3t", "x"]}
    with pytest.raises(dx.ScenarioError) as info:
        scenario_from_dict(data, source="s.toml")
    assert info.value.lines == [
        "s.toml: behaviour.tokens: unknown field, got an array of 2 values",
        "s.toml: secret: unknown field, got a table of 1 key",
    ]
