"""Frozen means frozen (issue 15, item 5): no mutable container inside a Scenario, and
``model_copy(update=...)`` validates what it changes instead of bypassing the validators."""

from __future__ import annotations

import pickle

import pydantic
import pytest

import dxsim as dx
from dxsim.scenario import scenario_from_dict


def test_solutions_read_like_a_dict_but_cannot_change(small):
    solution = small.solutions["lightweight-mes"]
    assert list(small.solutions) == ["lightweight-mes"] and solution.price == 300e3
    assert dict(small.solutions) == {"lightweight-mes": solution}
    with pytest.raises(TypeError):
        small.solutions["other"] = solution  # type: ignore[index]
    for mutate in ("clear", "pop", "setdefault", "popitem"):
        assert not hasattr(small.solutions, mutate)
    small.solutions.update({"other": solution})  # immutabledict: a new mapping, this one unchanged
    assert list(small.solutions) == ["lightweight-mes"]
    dx.simulate(small.with_overrides({"horizon_months": 3}), seed=1)  # still runs


def test_a_scenario_round_trips_and_hashes(small):
    assert type(small.to_dict()["solutions"]) is dict
    assert scenario_from_dict(small.to_dict()) == small
    assert pickle.loads(pickle.dumps(small)) == small  # how scenarios reach the pool's workers
    assert hash(small) == hash(pickle.loads(pickle.dumps(small)))
    assert small.model_dump(mode="json")["solutions"]["lightweight-mes"]["price"] == 300e3


def test_a_solution_name_with_control_characters_is_refused(small):
    data = small.to_dict()
    data["solutions"] = {"mes\x07": data["solutions"]["lightweight-mes"]}
    with pytest.raises(dx.ScenarioError, match=r"<dict>: solutions: must not hold control or format characters"):
        scenario_from_dict(data)


def test_model_copy_validates_the_update(small):
    with pytest.raises(pydantic.ValidationError, match="horizon_months"):
        small.model_copy(update={"horizon_months": 0})
    with pytest.raises(pydantic.ValidationError, match="finite"):
        small.contract.model_copy(update={"platform_discount": float("nan")})


def test_model_copy_resolves_again(small):
    """The resolved industries follow the update (before, they kept the old defaults)."""
    defaults = small.industry_defaults.model_copy(update={"imitation": 0.9})
    copy = small.model_copy(update={"industry_defaults": defaults})
    assert [i.imitation for i in copy.resolved_industries] == [0.9, 0.3]  # machining keeps its own
    assert copy == small.with_overrides({"industry_defaults.imitation": 0.9})
    assert small.model_copy() == small
