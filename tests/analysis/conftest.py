"""Small architectures for the cost tests: catalog items with their numbers overridden so
that every expected value can be computed by hand (dollar year = study year: no inflation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from shieldlab.analysis.architecture import LoadedArchitecture, parse_architecture

FLAT = {
    "dollar_year": 2030,
    "development_musd": 0.0,
    "development_years": 0,
    "learning_slope": 1.0,
    "operations_musd_per_unit_year": 0.0,
    "fixed_operations_musd_per_year": 0.0,
    "ramp_years": 0,
    "uncertainty": {},
}
"""Overrides that leave only what a test sets (PAC-3 MSE entry: no mass, no life)."""


def element(**kw: Any) -> dict[str, Any]:
    """A ``pac3-mse-interceptor`` buy (terminal) with ``FLAT`` plus the test's overrides."""
    over = {**FLAT, "first_unit_cost_musd": 1.0, **kw.pop("overrides", {})}
    return {
        "label": kw.pop("label", "buy"),
        "layer": kw.pop("layer", "terminal"),
        "item": kw.pop("item", "pac3-mse-interceptor"),
        "start_fy": kw.pop("start_fy", 2030),
        "overrides": over,
        **kw,
    }


@pytest.fixture(name="element")
def element_fixture() -> Callable[..., dict[str, Any]]:
    """:func:`element` as a fixture."""
    return element


@pytest.fixture
def make_arch() -> Callable[..., LoadedArchitecture]:
    def make(elements: list[dict[str, Any]], **top: Any) -> LoadedArchitecture:
        data = {"name": "t", "first_fy": 2030, "horizon_years": 20, "dollars_fy": 2030}
        data |= top
        data["elements"] = elements
        return parse_architecture(yaml.safe_dump(data), "t.yaml")

    return make
