"""Architecture files (``architectures/*.yaml``): what is bought, when, and how many.

An architecture is a list of *elements*, each one buy of a cost-catalog item
(:mod:`shieldlab.analysis.cost_catalog`) for one engine layer: a target
quantity in service, the fiscal year deliveries start, optional overrides of
the catalog's numbers (a reproduction states its source's inputs there) and
optional orbit data. The quantity is given, counted from the scenario the
architecture names (``from_scenario``: its interceptor sites, sensors,
space-interceptor layers, lasers and microwaves), or sized by
:func:`shieldlab.weapons.sbi_sizing.size_constellation` for a stated salvo
(``sbi_salvo``). Money is in constant dollars of ``dollars_fy``.

:func:`load_architecture` validates a file and raises
:class:`ArchitectureError` with one line naming the file, the field and what
is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shieldlab.analysis.cost_catalog import (
    MAX_INPUT,
    CostEntry,
    known_layer,
    load_cost_catalog,
    load_launch_prices,
)
from shieldlab.scenario.load import format_validation_error, load_mapping, read_input

DEFAULT_LAUNCH = "heavy-lift-2026"
"""Launch price entry used when an architecture names none."""


class ArchitectureError(ValueError):
    """An architecture file that cannot be used; the message is one line for the user."""


class SbiSalvo(BaseModel):
    """Size a space-based interceptor constellation for a salvo (``shieldlab size sbi``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    salvo: int = Field(ge=1, le=100)
    threat: str = "generic-solid-icbm"
    interceptor: str = "generic-sbi-4kmps"
    launch_deg: tuple[float, float] = (40.0, 127.5)
    aim_deg: tuple[float, float] = (38.9, -77.0)
    window_s: float = Field(default=0.0, ge=0.0, le=3600.0)
    decision_delay_s: float = Field(default=30.0, ge=0.0, le=600.0)
    shots_per_missile: int = Field(default=1, ge=1, le=8)
    confidence: float = Field(default=0.9, gt=0.0, lt=1.0)
    method: Literal["walker", "binomial"] = Field(
        default="walker",
        description="walker: simulated Walker pattern; binomial: independent carriers",
    )
    trials: int = Field(default=100, ge=10, le=5000)
    seed: int = Field(default=0, ge=0)


class Element(BaseModel):
    """One buy: a catalog item for a layer, its target quantity and first delivery year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(default=None, min_length=1, description="name in tables")
    layer: str = Field(description="engine layer, or c2")
    item: str = Field(min_length=1, description="cost catalog entry")
    quantity: int | None = Field(default=None, ge=0, le=10_000_000)
    from_scenario: list[str] | None = Field(
        default=None, min_length=1, description="count from these scenario sites/sensors/layers"
    )
    sbi_salvo: SbiSalvo | None = None
    start_fy: int = Field(description="fiscal year of the first deliveries")
    ioc_quantity: int = Field(default=1, ge=1, description="in service at initial capability")
    altitude_km: float | None = Field(default=None, gt=100.0, le=50000.0)
    inclination_deg: float | None = Field(default=None, ge=0.0, le=180.0)
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="catalog fields replaced for this architecture"
    )
    note: str = ""

    @field_validator("layer")
    @classmethod
    def _known_layer(cls, v: str) -> str:
        return known_layer(v)

    @model_validator(mode="after")
    def _one_quantity(self) -> Element:
        given = [
            k for k in ("quantity", "from_scenario", "sbi_salvo") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "quantity: give exactly one of quantity, from_scenario or sbi_salvo"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def name(self) -> str:
        """Label in tables: ``label`` or the catalog item."""
        return self.label or self.item


class Architecture(BaseModel):
    """A priced architecture: elements, study horizon and dollar year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    source: str = Field(default="", description="what it reproduces; which inputs are the source's")
    first_fy: int = Field(ge=2000, le=2100, description="first fiscal year of the study")
    horizon_years: int = Field(default=20, ge=1, le=60)
    dollars_fy: int = Field(ge=2000, le=2100, description="constant dollars of this year")
    production: Literal["current", "surge"] = Field(
        default="current", description="production rates: today's, or the announced surge"
    )
    launch: str = DEFAULT_LAUNCH
    launch_price_usd_per_kg: float | None = Field(
        default=None, gt=0.0, le=MAX_INPUT, allow_inf_nan=False
    )
    scenario: str | None = Field(default=None, description="scenario file, relative to this one")
    elements: list[Element] = Field(min_length=1)
    assumptions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _years(self) -> Architecture:
        last = self.first_fy + self.horizon_years - 1
        labels: set[str] = set()
        for i, el in enumerate(self.elements):
            if not self.first_fy <= el.start_fy <= last:
                raise ValueError(
                    f"elements.{i}.start_fy: {el.start_fy} is outside the study "
                    f"FY{self.first_fy}–FY{last} (first_fy + horizon_years − 1)"
                )
            if el.name in labels:
                raise ValueError(
                    f"elements.{i}.label: {el.name!r} is used twice; give each buy its own label"
                )
            labels.add(el.name)
        return self

    @property
    def last_fy(self) -> int:
        """Last fiscal year of the study."""
        return self.first_fy + self.horizon_years - 1


@dataclass(frozen=True)
class ResolvedElement:
    """An element with its catalog entry (overrides applied) and its target quantity."""

    element: Element
    entry: CostEntry
    quantity: int
    quantity_basis: str


@dataclass(frozen=True)
class LoadedArchitecture:
    """A validated architecture with its resolved elements, launch price and text hash."""

    architecture: Architecture
    elements: tuple[ResolvedElement, ...]
    launch_price_usd_per_kg: float
    launch_dollar_year: int
    launch_range: tuple[float, float] | None
    launch_source: str
    text: str
    sha256: str
    path: str


def _unknown(kind: str, name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}{hint}; allowed: {', '.join(sorted(allowed))}"


def _entry(el: Element, i: int, path: str) -> CostEntry:
    catalog = load_cost_catalog()
    if el.item not in catalog:
        raise ArchitectureError(
            f"{path}: elements.{i}.item: {_unknown('cost entry', el.item, list(catalog))}"
        )
    base = catalog[el.item]
    if base.layer != el.layer:
        raise ArchitectureError(
            f"{path}: elements.{i}.layer: {el.item!r} belongs to layer {base.layer!r}, "
            f"not {el.layer!r}"
        )
    if not el.overrides:
        return base
    data = base.model_dump()
    for key in el.overrides:
        if key not in data or key in ("layer", "source", "description"):
            allowed = [k for k in data if k not in ("layer", "source", "description")]
            raise ArchitectureError(
                f"{path}: elements.{i}.overrides: {_unknown('catalog field', key, allowed)}"
            )
    data.update(el.overrides)
    try:
        return CostEntry.model_validate(data)
    except ValidationError as exc:
        msg = format_validation_error(path, exc, CostEntry)[len(path) + 2 :]
        where = f"elements.{i}.overrides"
        if msg.startswith("(top level): "):
            msg = msg.removeprefix("(top level): ")
            raise ArchitectureError(f"{path}: {where}: {msg}") from None
        raise ArchitectureError(f"{path}: {where}.{msg}") from None


def _scenario_count(names: list[str], unit: str, scenario: Any, where: str) -> tuple[int, str]:
    """Units of ``names`` in a scenario: interceptors in inventory, satellites, or sites."""
    sats = {c.name: _constellation_size(c) for c in scenario.constellations}
    found: dict[str, int] = {}
    for site in scenario.interceptor_sites:
        found[site.name] = site.inventory if unit == "interceptor" else 1
    for sensor in scenario.sensors:
        con = getattr(sensor, "constellation", None)
        found[sensor.name] = sats.get(con, 1) if unit == "satellite" and con else 1
    for layer in scenario.space_interceptors:
        found[layer.name] = sats.get(layer.constellation, 0) if unit == "satellite" else 1
    for site in [*scenario.lasers, *scenario.hpm]:
        found[site.name] = 1
    total = 0
    for name in names:
        if name not in found:
            raise ArchitectureError(f"{where}: {_unknown('scenario name', name, list(found))}")
        total += found[name]
    return total, f"{unit}s of {', '.join(names)} in the scenario"


def _constellation_size(c: Any) -> int:
    if c.kind == "walker":
        return int(c.total)
    if c.kind == "geo":
        return len(c.lons_deg)
    return len(c.apogee_lons_deg)


def size_for_salvo(spec: SbiSalvo, altitude_km: float, inclination_deg: float) -> int:
    """Carriers for ``spec``'s salvo (``shieldlab size sbi`` with the same inputs)."""
    import numpy as np

    from shieldlab.core.constants import DEG
    from shieldlab.core.time import parse_epoch
    from shieldlab.weapons import sbi, sbi_sizing as sz

    specs = sbi.load_sbi_specs()
    if spec.interceptor not in specs:
        raise ValueError(_unknown("SBI interceptor", spec.interceptor, list(specs)))
    path = sbi.boost_path(
        spec.threat,
        spec.launch_deg[0] * DEG,
        spec.launch_deg[1] * DEG,
        spec.aim_deg[0] * DEG,
        spec.aim_deg[1] * DEG,
        parse_epoch("2025-01-01T00:00:00Z"),
    )
    problem = sz.SalvoProblem(
        spec.salvo,
        spec.window_s,
        spec.shots_per_missile,
        spec.confidence,
        spec.decision_delay_s,
        0.0,
        altitude_km * 1e3,
        inclination_deg * DEG,
    )
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed))
    res = sz.size_constellation(path, specs[spec.interceptor], problem, spec.trials, rng)
    n = res.constellation_size if spec.method == "walker" else res.analytic_size
    if not res.feasible:
        raise ValueError(f"infeasible: {res.binding_constraint}")
    if n <= 0 or not math.isfinite(res.mass_to_orbit_kg):
        raise ValueError(
            "no constellation can engage this salvo (no carrier reaches a missile before "
            "its kill deadline)"
        )
    return int(n)


def _quantity(el: Element, entry: CostEntry, i: int, path: str, scenario: Any) -> tuple[int, str]:
    where = f"{path}: elements.{i}"
    if el.quantity is not None:
        return el.quantity, "stated"
    if el.from_scenario is not None:
        if scenario is None:
            raise ArchitectureError(f"{where}.from_scenario: the architecture names no scenario")
        return _scenario_count(el.from_scenario, entry.unit, scenario, f"{where}.from_scenario")
    assert el.sbi_salvo is not None
    if el.altitude_km is None or el.inclination_deg is None:
        raise ArchitectureError(
            f"{where}.sbi_salvo: needs the element's altitude_km and inclination_deg"
        )
    try:
        n = size_for_salvo(el.sbi_salvo, el.altitude_km, el.inclination_deg)
    except ValueError as exc:
        raise ArchitectureError(f"{where}.sbi_salvo: {exc}") from None
    s = el.sbi_salvo
    return n, f"size sbi: {s.salvo} x {s.threat}, {s.method}, {el.altitude_km:g} km"


def parse_architecture(
    text: str, path: str = "<string>", overrides: dict[str, Any] | None = None
) -> LoadedArchitecture:
    """Validate architecture YAML text; raise :class:`ArchitectureError` (one line).

    ``overrides``: top-level fields replaced before validation (the command line's
    ``--years`` → ``horizon_years``, ``--dollars-fy`` → ``dollars_fy``)."""
    data = load_mapping(text, path, "architecture", ArchitectureError)
    data.update(overrides or {})
    try:
        arch = Architecture.model_validate(data)
    except ValidationError as exc:
        raise ArchitectureError(format_validation_error(path, exc, Architecture)) from None
    scenario = None
    if arch.scenario is not None:
        from shieldlab.scenario import ScenarioError, load_scenario

        try:
            scenario = load_scenario(Path(path).parent / arch.scenario).scenario
        except ScenarioError as exc:
            raise ArchitectureError(f"{path}: scenario: {exc}") from None
    prices = load_launch_prices()
    if arch.launch not in prices:
        raise ArchitectureError(
            f"{path}: launch: {_unknown('launch price', arch.launch, list(prices))}"
        )
    launch = prices[arch.launch]
    resolved = []
    for i, el in enumerate(arch.elements):
        entry = _entry(el, i, path)
        q, basis = _quantity(el, entry, i, path, scenario)
        resolved.append(ResolvedElement(el, entry, q, basis))
    price = arch.launch_price_usd_per_kg or launch.price_usd_per_kg
    return LoadedArchitecture(
        architecture=arch,
        elements=tuple(resolved),
        launch_price_usd_per_kg=price,
        launch_dollar_year=arch.dollars_fy if arch.launch_price_usd_per_kg else launch.dollar_year,
        launch_range=None if arch.launch_price_usd_per_kg else launch.uncertainty,
        launch_source=(
            "stated in the architecture" if arch.launch_price_usd_per_kg else launch.source
        ),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=path,
    )


def load_architecture(
    path: str | Path, overrides: dict[str, Any] | None = None
) -> LoadedArchitecture:
    """Read and validate an architecture file (``overrides``: see :func:`parse_architecture`)."""
    text = read_input(Path(path), "architecture", ArchitectureError)
    return parse_architecture(text, str(path), overrides)
