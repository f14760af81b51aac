"""Scenario files: schema, resolution, distributions, overrides, variants, loading.

Inside the layer, modules import downwards only::

    load, variants  ->  schema  ->  uncertain  ->  resolve, dists, overrides  ->  errors, base, limits, bounds

Names load when first used (PEP 562), so importing one module of the layer
(``dxsim.scenario.overrides``, say) does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from dxsim.scenario.errors import ScenarioError
    from dxsim.scenario.load import bundled_scenarios, load_scenario
    from dxsim.scenario.schema import Scenario, scenario_from_dict

#: Public name -> the module that defines it.
_WHERE: dict[str, str] = {
    "Scenario": "dxsim.scenario.schema",
    "ScenarioError": "dxsim.scenario.errors",
    "bundled_scenarios": "dxsim.scenario.load",
    "load_scenario": "dxsim.scenario.load",
    "scenario_from_dict": "dxsim.scenario.schema",
}

__all__ = ["Scenario", "ScenarioError", "bundled_scenarios", "load_scenario", "scenario_from_dict"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'dxsim.scenario' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
