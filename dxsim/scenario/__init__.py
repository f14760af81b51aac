"""Scenario files: schema, loading (TOML, CSV, extends) and overrides."""

from dxsim.scenario.errors import ScenarioError
from dxsim.scenario.load import bundled_scenarios, load_scenario, scenario_from_dict
from dxsim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "bundled_scenarios", "load_scenario", "scenario_from_dict"]
