"""Scenario: YAML → pydantic models (units in keys), validation with one-line errors."""

from shieldlab.scenario.load import LoadedScenario, ScenarioError, load_scenario, parse_scenario
from shieldlab.scenario.schema import Scenario

__all__ = ["LoadedScenario", "Scenario", "ScenarioError", "load_scenario", "parse_scenario"]
