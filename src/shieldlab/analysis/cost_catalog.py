"""The cost catalog: what one unit of each architecture item costs to develop, buy, launch and run.

Entries live in ``catalog/costs*.yaml`` (one mapping of name → entry per
file), launch prices in ``catalog/launch-prices.yaml``. Keys carry their unit
(``_musd`` million US dollars of the entry's ``dollar_year``, ``_kg``,
``_years``, ``_per_year``); every entry has a ``source`` that says which
numbers come from a public source and which are assumptions.

A unit's procurement cost follows a learning curve
(:mod:`shieldlab.analysis.learning`) given either by its first-unit cost or
by an average unit cost over a stated quantity (the form budget documents
and CBO quote). Uncertain inputs carry a ``[low, high]`` range in
``uncertainty`` (triangular distribution with the point value as mode;
:mod:`shieldlab.analysis.cost_uncertainty`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shieldlab.scenario import sections
from shieldlab.scenario.schema import DEFEAT_LAYER_NAMES, SENSOR_LAYER_NAMES, WARNING_LAYER_NAMES

COST_LAYER_NAMES: tuple[str, ...] = (
    *DEFEAT_LAYER_NAMES,
    *SENSOR_LAYER_NAMES,
    *WARNING_LAYER_NAMES,
    "c2",
)
"""Layers an architecture item belongs to: the engine's defeat and sensor layers and ``c2``
(command, control, battle management and communications, which the engine models as delays).
The group name ``non-kinetic`` is not one: a laser is priced as ``laser``, a microwave
weapon as ``microwave``, EW/cyber as ``ew-cyber``."""


def known_layer(name: str) -> str:
    """``name`` if it is one of :data:`COST_LAYER_NAMES` or a layer plug-in's name
    (:func:`shieldlab.scenario.sections.layer_names`); else a one-line ValueError."""
    allowed = COST_LAYER_NAMES + tuple(
        x for x in sections.layer_names() if x not in COST_LAYER_NAMES
    )
    if name not in allowed:
        raise ValueError(f"unknown layer {name!r}; allowed: {', '.join(allowed)}")
    return name


UNCERTAIN_FIELDS: tuple[str, ...] = (
    "development_musd",
    "first_unit_cost_musd",
    "average_unit_cost_musd",
    "learning_slope",
    "mass_kg",
    "operations_musd_per_unit_year",
    "fixed_operations_musd_per_year",
)
"""Inputs that may carry an ``uncertainty`` range (those that change cost, not the schedule)."""
MAX_INPUT = 1e9
"""Bound on a money [M$], mass [kg] or rate input (and its range): keeps every sum finite."""


class CostEntry(BaseModel):
    """One architecture item (an interceptor, a battery, a satellite, a radar, a C2 system)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    layer: str = Field(description="engine layer (COST_LAYER_NAMES)")
    description: str
    unit: str = Field(min_length=1, description="What one unit is: interceptor, battery, …")
    dollar_year: int = Field(ge=1990, le=2100)
    development_musd: float = Field(default=0.0, ge=0.0, le=MAX_INPUT, allow_inf_nan=False)
    development_years: int = Field(default=0, ge=0, le=30)
    first_unit_cost_musd: float | None = Field(
        default=None, ge=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    average_unit_cost_musd: float | None = Field(
        default=None, ge=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    average_over_units: int | None = Field(default=None, ge=1, le=MAX_INPUT)
    learning_slope: float = Field(default=1.0, gt=0.0, le=1.0)
    learning_form: Literal["crawford", "wright"] = "crawford"
    learning_scope: Literal["line", "buy"] = Field(
        default="line",
        description="line: the curve runs over every unit the line builds; buy: it restarts "
        "with each replacement of the whole target quantity",
    )
    mass_kg: float | None = Field(default=None, gt=0.0, le=MAX_INPUT, allow_inf_nan=False)
    operations_musd_per_unit_year: float = Field(
        default=0.0, ge=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    fixed_operations_musd_per_year: float = Field(
        default=0.0, ge=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    service_life_years: int | None = Field(default=None, ge=1, le=100)
    production_rate_per_year: float = Field(gt=0.0, le=MAX_INPUT, allow_inf_nan=False)
    surge_rate_per_year: float | None = Field(
        default=None, gt=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    surge_years: int = Field(default=1, ge=1, le=30)
    ramp_years: int = Field(default=0, ge=0, le=30)
    uncertainty: dict[str, tuple[float, float]] = Field(default_factory=dict)
    critical_inputs: dict[str, float] = Field(
        default_factory=dict,
        description="supply-chain components (catalog/supply-chain.yaml) per unit built",
    )
    source: str = Field(min_length=1)

    @field_validator("layer")
    @classmethod
    def _known_layer(cls, v: str) -> str:
        return known_layer(v)

    @model_validator(mode="after")
    def _consistent(self) -> CostEntry:
        if (self.first_unit_cost_musd is None) == (self.average_unit_cost_musd is None):
            raise ValueError(
                "unit cost: give exactly one of first_unit_cost_musd or average_unit_cost_musd"
            )
        if self.average_unit_cost_musd is not None and self.average_over_units is None:
            raise ValueError(
                "average_over_units: required with average_unit_cost_musd (the quantity "
                "the average is quoted over)"
            )
        if self.surge_rate_per_year is not None and (
            self.surge_rate_per_year < self.production_rate_per_year
        ):
            raise ValueError(
                "surge_rate_per_year: must be at least production_rate_per_year "
                f"({self.production_rate_per_year:g})"
            )
        for key, (lo, hi) in self.uncertainty.items():
            if key not in UNCERTAIN_FIELDS:
                raise ValueError(
                    f"uncertainty.{key}: not an uncertain input; allowed: "
                    + ", ".join(UNCERTAIN_FIELDS)
                )
            value = getattr(self, key)
            if value is None:
                raise ValueError(f"uncertainty.{key}: the entry has no {key} to vary")
            if not 0.0 <= lo <= value <= hi <= MAX_INPUT:
                raise ValueError(
                    f"uncertainty.{key}: expected 0 <= low <= {value:g} <= high <= "
                    f"{MAX_INPUT:g}, got [{lo:g}, {hi:g}]"
                )
            if key == "learning_slope" and not (0.0 < lo and hi <= 1.0):
                raise ValueError("uncertainty.learning_slope: range inside (0, 1]")
        for key, per_unit in self.critical_inputs.items():
            if not 0.0 <= per_unit <= MAX_INPUT:
                raise ValueError(
                    f"critical_inputs.{key}: expected 0..{MAX_INPUT:g} per unit, got {per_unit:g}"
                )
        return self


class LaunchPrice(BaseModel):
    """Price of putting a kilogram into low Earth orbit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    price_usd_per_kg: float = Field(gt=0.0, allow_inf_nan=False)
    dollar_year: int = Field(ge=1990, le=2100)
    uncertainty: tuple[float, float] | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> LaunchPrice:
        if self.uncertainty is not None:
            lo, hi = self.uncertainty
            if not lo <= self.price_usd_per_kg <= hi:
                raise ValueError("uncertainty: expected low <= price_usd_per_kg <= high")
        return self


def _read(name: str) -> dict[str, object]:
    text = resources.files("shieldlab.catalog").joinpath(name).read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog/{name}: expected a mapping of entries")
    return data


@cache
def load_cost_catalog() -> dict[str, CostEntry]:
    """Every cost entry of ``catalog/costs*.yaml`` by name."""
    entries: dict[str, CostEntry] = {}
    folder = resources.files("shieldlab.catalog")
    for res in sorted(folder.iterdir(), key=lambda r: r.name):
        if not (res.name.startswith("costs") and res.name.endswith(".yaml")):
            continue
        for name, raw in _read(res.name).items():
            if name in entries:
                raise ValueError(f"catalog/{res.name}: {name}: defined twice")
            try:
                entries[str(name)] = CostEntry.model_validate(raw)
            except ValidationError as exc:
                raise ValueError(f"catalog/{res.name}: {name}: {exc}") from None
    return entries


@cache
def load_launch_prices() -> dict[str, LaunchPrice]:
    """Launch prices of ``catalog/launch-prices.yaml`` by name."""
    return {str(k): LaunchPrice.model_validate(v) for k, v in _read("launch-prices.yaml").items()}
