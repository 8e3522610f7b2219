"""Plan files (``plans/*.yaml``): the question ``shieldlab plan`` and ``optimize`` answer.

A plan names a baseline *architecture* (``architectures/*.yaml``: its cost
elements and, through its ``scenario``, the defense's sensors, sites and
constellations), the *trade space* (``variables``: the quantity of some of
its elements between bounds), the *threat tiers* and the years to show, the
defended *assets*, the *goals* per tier, an optional total budget and a per-year
budget cap, the optimizer's settings, the engine confirmation and the
battery options of the prioritized-locations placement.

:func:`load_plan` validates a file and raises :class:`PlanError` with one
line naming the file, the field and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shieldlab.analysis.architecture import (
    ArchitectureError,
    LoadedArchitecture,
    load_architecture,
)
from shieldlab.scenario.load import format_validation_error, load_mapping, read_input

TIER_NAMES = ("rogue", "near-peer", "peer")
METRICS = ("p_no_leaker", "leakers", "value_lost")


class PlanError(ValueError):
    """A plan file that cannot be used; the message is one line for the user."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variable(_Model):
    """One decision variable: the target quantity of an architecture element."""

    element: str = Field(min_length=1, description="architecture element label")
    min: int = Field(ge=0, le=1_000_000)
    max: int = Field(ge=0, le=1_000_000)
    step: int = Field(default=1, ge=1, le=100_000)

    @model_validator(mode="after")
    def _bounds(self) -> Variable:
        if self.max < self.min:
            raise ValueError(f"max: {self.max} is below min {self.min}; the trade space is empty")
        return self


class BasingOption(_Model):
    """One basing option: where the named interceptor sites of the scenario stand, and
    what building it costs (cost-catalog items priced over the study, no development)."""

    name: str = Field(min_length=1)
    sites: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="site name -> [lat_deg, lon_deg]"
    )
    items: list[str] = Field(default_factory=list, description="cost catalog entries")
    quantities: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _same(self) -> BasingOption:
        if len(self.items) != len(self.quantities):
            raise ValueError("quantities: give one per item")
        for site, (lat, lon) in self.sites.items():
            if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                raise ValueError(f"sites.{site}: [lat_deg, lon_deg] within ±90, ±180")
        return self


class Basing(_Model):
    """A basing decision: one of its options is chosen (a categorical variable)."""

    name: str = Field(min_length=1)
    options: list[BasingOption] = Field(min_length=2, max_length=8)


MAX_BASING_COMBINATIONS = 8
"""Basing combinations flown (each is a geometry of its own)."""


class Tiers(_Model):
    """Threat tiers (:mod:`.threat_tiers`) and the fiscal years shown."""

    names: list[Literal["rogue", "near-peer", "peer"]] = Field(min_length=1)
    years: list[int] = Field(min_length=1, description="fiscal years of the assessment")
    design_year: int = Field(description="the year the optimizer designs against")
    max_per_class: int = Field(
        default=4, ge=1, le=50, description="missiles per class flown for the geometry"
    )

    @model_validator(mode="after")
    def _years(self) -> Tiers:
        for y in [*self.years, self.design_year]:
            if not 2020 <= y <= 2100:
                raise ValueError(f"years: {y} is outside 2020–2100")
        return self


class Goal(_Model):
    """A goal against one tier: ``at_least`` for P(no leaker), ``at_most`` otherwise."""

    tier: Literal["rogue", "near-peer", "peer"]
    metric: Literal["p_no_leaker", "leakers", "value_lost"]
    at_least: float | None = Field(default=None, ge=0.0, le=1.0)
    at_most: float | None = Field(default=None, ge=0.0, le=1e9)

    @model_validator(mode="after")
    def _one(self) -> Goal:
        if self.metric == "p_no_leaker" and (self.at_least is None or self.at_most is not None):
            raise ValueError("p_no_leaker: give at_least (a probability), not at_most")
        if self.metric != "p_no_leaker" and (self.at_most is None or self.at_least is not None):
            raise ValueError(f"{self.metric}: give at_most, not at_least")
        return self

    @property
    def label(self) -> str:
        """Short text, e.g. ``P(no leaker) ≥ 0.95 vs rogue``."""
        name = {"p_no_leaker": "P(no leaker)", "leakers": "leakers", "value_lost": "value lost"}
        op, v = ("≥", self.at_least) if self.at_least is not None else ("≤", self.at_most)
        return f"{name[self.metric]} {op} {v:g} vs {self.tier}"

    def met(self, value: float) -> bool:
        """Whether ``value`` of the metric meets the goal."""
        if self.at_least is not None:
            return value >= self.at_least - 1e-12
        return value <= (self.at_most or 0.0) + 1e-12


class Optimizer(_Model):
    """NSGA-II settings (pymoo)."""

    population: int = Field(default=40, ge=8, le=1000)
    generations: int = Field(default=30, ge=1, le=1000)
    seed: int = Field(default=1, ge=0)


class Confirm(_Model):
    """Engine (Monte Carlo) confirmation of chosen designs."""

    points: int = Field(default=2, ge=0, le=10)
    trials: int = Field(default=10, ge=2, le=1000)


class Battery(_Model):
    """A terminal or regional battery type for the locations placement."""

    name: str = Field(min_length=1)
    items: list[str] = Field(min_length=1, description="cost catalog entries of one battery")
    quantities: list[int] = Field(min_length=1, description="units of each item per battery")
    defended_radius_km: float = Field(gt=0.0, le=2000.0)
    max_count: int = Field(default=10, ge=0, le=1000)

    @model_validator(mode="after")
    def _same(self) -> Battery:
        if len(self.items) != len(self.quantities):
            raise ValueError("quantities: give one per item")
        return self


class Locations(_Model):
    """Prioritized locations: the asset sets ranked and the battery placement."""

    sets: list[str] = Field(min_length=1)
    budget_usd: float = Field(ge=0.0, le=1e13)
    batteries: list[Battery] = Field(min_length=1)


class Plan(_Model):
    """A plan file (module docstring)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    architecture: str = Field(description="baseline architecture file, relative to this one")
    variables: list[Variable] = Field(default_factory=list)
    basing: list[Basing] = Field(default_factory=list)
    tiers: Tiers
    asset_sets: list[str] = Field(min_length=1, description="defended assets of the raids")
    goals: list[Goal] = Field(default_factory=list)
    total_budget_usd: float | None = Field(default=None, gt=0.0, le=1e14)
    budget_cap_usd_per_year: float | None = Field(default=None, gt=0.0, le=1e13)
    optimizer: Optimizer = Optimizer()
    confirm: Confirm = Confirm()
    locations: Locations | None = None
    assumptions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _checks(self) -> Plan:
        if not self.variables:
            raise ValueError("variables: the trade space is empty; give at least one variable")
        names = [v.element for v in self.variables]
        if len(set(names)) != len(names):
            raise ValueError("variables: an element is listed twice")
        combos = 1
        for b in self.basing:
            combos *= len(b.options)
        if combos > MAX_BASING_COMBINATIONS:
            raise ValueError(
                f"basing: {combos} combinations of options; at most {MAX_BASING_COMBINATIONS}"
            )
        for g in self.goals:
            if g.tier not in self.tiers.names:
                raise ValueError(
                    f"goals: tier {g.tier!r} is not in tiers.names ({', '.join(self.tiers.names)})"
                )
        return self


@dataclass(frozen=True)
class LoadedPlan:
    """A validated plan with its baseline architecture and the element index of each variable."""

    plan: Plan
    arch: LoadedArchitecture
    element_index: tuple[int, ...]
    path: str
    text: str


def parse_plan(text: str, path: str = "<string>") -> LoadedPlan:
    """Validate plan YAML text; raise :class:`PlanError` (one line)."""
    data = load_mapping(text, path, "plan", PlanError)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(format_validation_error(path, exc, Plan)) from None
    try:
        arch = load_architecture(Path(path).parent / plan.architecture)
    except ArchitectureError as exc:
        raise PlanError(f"{path}: architecture: {exc}") from None
    if arch.architecture.scenario is None:
        raise PlanError(f"{path}: architecture: it names no scenario (the defense to plan)")
    labels = [rel.element.name for rel in arch.elements]
    idx = []
    for i, v in enumerate(plan.variables):
        if v.element not in labels:
            raise PlanError(
                f"{path}: variables.{i}.element: {v.element!r} is not an element of "
                f"{plan.architecture}; allowed: {', '.join(labels)}"
            )
        idx.append(labels.index(v.element))
    from shieldlab.analysis.cost_catalog import load_cost_catalog
    from shieldlab.scenario import load_scenario
    from shieldlab.scenario.schema import ASSET_SETS

    scen = load_scenario(Path(arch.path).parent / str(arch.architecture.scenario)).scenario
    site_names = [s.name for s in scen.interceptor_sites]
    cat = load_cost_catalog()
    for i, b in enumerate(plan.basing):
        for j, o in enumerate(b.options):
            for s in o.sites:
                if s not in site_names:
                    raise PlanError(
                        f"{path}: basing.{i}.options.{j}.sites: {s!r} is not an interceptor "
                        f"site of the scenario; allowed: {', '.join(site_names)}"
                    )
            for it in o.items:
                if it not in cat:
                    raise PlanError(
                        f"{path}: basing.{i}.options.{j}.items: {it!r} is not a cost catalog entry"
                    )

    for i, s in enumerate(plan.asset_sets):
        if s not in ASSET_SETS:
            raise PlanError(
                f"{path}: asset_sets.{i}: {s!r} is not an asset set; allowed: "
                + ", ".join(ASSET_SETS)
            )
    return LoadedPlan(plan, arch, tuple(idx), path, text)


def load_plan(path: str | Path) -> LoadedPlan:
    """Read and validate a plan file."""
    text = read_input(Path(path), "plan", PlanError)
    return parse_plan(text, str(path))


__all__ = ["METRICS", "TIER_NAMES", "Goal", "LoadedPlan", "Plan", "PlanError", "load_plan"]
