"""Threat tiers (rogue, near-peer, peer) as raid scenarios that grow by year.

Data: ``catalog/threat-projections.yaml``. Each tier lists its adversaries,
notional launch areas, targeting, and for every catalog threat class that can
reach the US homeland a list of anchors ``{year, count, source}`` from public
projections (each source names an entry of the file's ``sources:``).

- :func:`inventory`: missiles of each class in a year. Linear interpolation
  between anchor years; held flat at the first anchor's count before it and
  at the last anchor's count after it (no extrapolation of growth); rounded
  half up to whole missiles.
- :func:`raid_size`: inventory x the tier's ``homeland_raid_fraction`` (an
  assumption of the tool, stated in the file), rounded up; a class with
  inventory > 0 sends at least one missile, classes with none are dropped.
- :func:`raid_section`: the scenario schema's ``raid:`` section for a tier and
  year (:class:`shieldlab.scenario.schema.RaidSection`).

Counts are missiles, not warheads (a MIRVed missile is one count).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shieldlab import catalog
from shieldlab.scenario.load import format_validation_error, load_mapping, read_input
from shieldlab.scenario.schema import RaidLaunchArea, RaidTiming

TIERS: tuple[str, ...] = ("rogue", "near-peer", "peer")
"""Threat tiers, least to most capable (tier <-> country mapping: see the data file)."""

DATA_FILE = "threat-projections.yaml"
"""The shipped projections, in the ``shieldlab.catalog`` package."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Anchor(_Model):
    """A public projection: ``count`` missiles of one class in ``year``, with its source."""

    year: int = Field(ge=1950, le=2100)
    count: int = Field(ge=0, le=100000, description="missiles able to reach the US homeland")
    source: str = Field(min_length=1, description="starts with or names a `sources:` id")
    note: str = ""


class ClassProjection(_Model):
    """Anchors of one threat class for one tier (years strictly increasing)."""

    launch_areas: list[str] = Field(default_factory=list, description="empty: all areas")
    note: str = ""
    anchors: list[Anchor] = Field(min_length=1)
    in_raid: bool = Field(
        default=True,
        description=(
            "flown in the tier's homeland raid; false where the catalog class cannot reach "
            "the homeland from the tier's launch areas (the count is still assessed)"
        ),
    )

    @model_validator(mode="after")
    def _increasing(self) -> ClassProjection:
        years = [a.year for a in self.anchors]
        for i in range(1, len(years)):
            if years[i] <= years[i - 1]:
                raise ValueError(f"anchors.{i}.year: must be after {years[i - 1]}")
        return self


class TierProjection(_Model):
    """One threat tier: who, from where, how they target, and what they have by year."""

    description: str = Field(min_length=1)
    adversaries: list[str] = Field(min_length=1)
    homeland_raid_fraction: float = Field(gt=0.0, le=1.0, description="assumption")
    launch_areas: list[RaidLaunchArea] = Field(min_length=1)
    targeting: Literal["counterforce", "countervalue", "mixed"]
    counterforce_fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    weapons_per_target: int = Field(default=1, ge=1, le=100)
    aim_scatter_fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    timing: RaidTiming = RaidTiming()
    notes: list[str] = Field(default_factory=list)
    threats: dict[str, ClassProjection] = Field(min_length=1)

    @model_validator(mode="after")
    def _refs(self) -> TierProjection:
        known = catalog.load("threats")
        areas = [a.name for a in self.launch_areas]
        if len(set(areas)) != len(areas):
            raise ValueError("launch_areas: names must be unique")
        for name, proj in self.threats.items():
            if name not in known:
                raise ValueError(
                    f"threats.{name}: {name!r} is not a threat catalog name; "
                    f"allowed: {', '.join(sorted(known))}"
                )
            for j, area in enumerate(proj.launch_areas):
                if area not in areas:
                    raise ValueError(
                        f"threats.{name}.launch_areas.{j}: {area!r} is not a launch area; "
                        f"allowed: {', '.join(areas)}"
                    )
        if self.counterforce_fraction is not None and self.targeting != "mixed":
            raise ValueError("counterforce_fraction: applies only to targeting: mixed")
        return self


class Source(_Model):
    """A full citation and the short id anchors refer to it by."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9\-]*$")
    citation: str = Field(min_length=1)


class ThreatProjections(_Model):
    """The whole file: the cited sources and the tiers."""

    sources: list[Source] = Field(min_length=1)
    tiers: dict[str, TierProjection] = Field(min_length=1)

    @model_validator(mode="after")
    def _refs(self) -> ThreatProjections:
        ids = [s.id for s in self.sources]
        for tier, tp in self.tiers.items():
            if tier not in TIERS:
                raise ValueError(f"tiers.{tier}: not a threat tier; allowed: {', '.join(TIERS)}")
            for name, proj in tp.threats.items():
                for i, a in enumerate(proj.anchors):
                    if not _cited(a.source, ids):
                        where = f"tiers.{tier}.threats.{name}.anchors.{i}.source"
                        raise ValueError(f"{where}: names no source id; allowed: {', '.join(ids)}")
        return self


def _cited(text: str, ids: Iterable[str]) -> list[str]:
    """Source ids named in ``text`` (as whole words), in ``ids`` order."""
    return [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]


def _parse(text: str, path: str) -> ThreatProjections:
    data = load_mapping(text, path, "threat projection", ValueError)
    try:
        return ThreatProjections.model_validate(data)
    except ValidationError as exc:
        raise ValueError(format_validation_error(path, exc, ThreatProjections)) from None


@cache
def _default() -> ThreatProjections:
    text = resources.files("shieldlab.catalog").joinpath(DATA_FILE).read_text("utf-8")
    return _parse(text, f"catalog/{DATA_FILE}")


def _file(path: str | Path | None) -> ThreatProjections:
    if path is None:
        return _default()
    return _parse(read_input(Path(path), "threat projection", ValueError), str(path))


def load_projections(path: str | Path | None = None) -> dict[str, TierProjection]:
    """Tier name -> projection, from ``path`` or the shipped file (cached); bad data:
    ``ValueError`` with one line naming the file and the field."""
    return dict(_file(path).tiers)


def _tier(tier: str, data: Mapping[str, TierProjection] | None) -> TierProjection:
    tiers = load_projections() if data is None else data
    if tier not in TIERS or tier not in tiers:
        raise ValueError(f"tier: {tier!r} is not a threat tier; allowed: {', '.join(TIERS)}")
    return tiers[tier]


def _round(x: float) -> int:
    """Half up to a whole missile (counts are non-negative)."""
    return math.floor(x + 0.5)


def _bracket(anchors: list[Anchor], year: int) -> tuple[Anchor, Anchor, float]:
    """The anchors around ``year`` and the weight of the later one (flat outside)."""
    if year <= anchors[0].year:
        return anchors[0], anchors[0], 0.0
    if year >= anchors[-1].year:
        return anchors[-1], anchors[-1], 0.0
    k = next(i for i, a in enumerate(anchors) if a.year > year)
    lo, hi = anchors[k - 1], anchors[k]
    return lo, hi, (year - lo.year) / (hi.year - lo.year)


def class_count(proj: ClassProjection, year: int) -> int:
    """Missiles of one class in ``year`` (linear between anchors, flat outside)."""
    lo, hi, w = _bracket(proj.anchors, year)
    return _round(lo.count + w * (hi.count - lo.count))


def class_source(proj: ClassProjection, year: int) -> str:
    """Source text of the anchor(s) a year's count comes from."""
    lo, hi, _ = _bracket(proj.anchors, year)
    if lo is hi:
        return lo.source if year == lo.year else f"{lo.source} (held flat from {lo.year})"
    return f"interpolated {lo.year}-{hi.year}: {lo.source}; {hi.source}"


def inventory(
    tier: str, year: int, *, data: Mapping[str, TierProjection] | None = None
) -> dict[str, int]:
    """Homeland-reaching missiles by threat class in ``year`` (classes with 0 kept)."""
    tp = _tier(tier, data)
    return {name: class_count(proj, year) for name, proj in tp.threats.items()}


def _raid_count(n: int, fraction: float) -> int:
    return math.ceil(n * fraction - 1e-9) if n > 0 else 0


def raid_size(
    tier: str, year: int, *, data: Mapping[str, TierProjection] | None = None
) -> dict[str, int]:
    """Missiles of each class in one raid: ``ceil(inventory x homeland_raid_fraction)``,
    at least 1 where the inventory is positive; classes with none, and classes not
    ``in_raid`` (the catalog class cannot reach the homeland), dropped."""
    tp = _tier(tier, data)
    inv = inventory(tier, year, data=data)
    sizes = {
        k: _raid_count(n, tp.homeland_raid_fraction)
        for k, n in inv.items()
        if tp.threats[k].in_raid
    }
    return {k: n for k, n in sizes.items() if n > 0}


def raid_section(
    tier: str,
    year: int,
    scale: float = 1.0,
    max_per_class: int | None = None,
    *,
    data: Mapping[str, TierProjection] | None = None,
) -> dict[str, Any]:
    """The scenario ``raid:`` section (a dict for ``RaidSection``) of a tier in ``year``.

    ``scale`` multiplies every raid size (half up, at least 1), e.g. 0.1 for a
    quick run; ``max_per_class`` then caps each class. ``ValueError`` if the
    tier has nothing to launch in that year.
    """
    if not scale > 0.0 or not math.isfinite(scale):
        raise ValueError(f"scale: must be a positive number, got {scale}")
    if max_per_class is not None and max_per_class < 1:
        raise ValueError(f"max_per_class: must be at least 1, got {max_per_class}")
    tp = _tier(tier, data)
    inv: dict[str, Any] = {}
    for name, n in raid_size(tier, year, data=data).items():
        k = max(1, _round(n * scale))
        if max_per_class is not None:
            k = min(k, max_per_class)
        item: dict[str, Any] = {"count": k}
        if tp.threats[name].launch_areas:
            item["launch_areas"] = list(tp.threats[name].launch_areas)
        inv[name] = item
    if not inv:
        raise ValueError(f"year: tier {tier!r} has no homeland-reaching missiles in {year}")
    out: dict[str, Any] = {
        "adversary": tier,
        "description": f"{tier} threat tier, {year} projection (catalog/{DATA_FILE})",
        "launch_areas": [a.model_dump(exclude_none=True) for a in tp.launch_areas],
        "inventory": inv,
        "targeting": tp.targeting,
        "weapons_per_target": tp.weapons_per_target,
        "aim_scatter_fraction": tp.aim_scatter_fraction,
        "timing": tp.timing.model_dump(),
    }
    if tp.counterforce_fraction is not None:
        out["counterforce_fraction"] = tp.counterforce_fraction
    return out


def assessment_table(
    tiers: Iterable[str], years: Iterable[int], *, data: Mapping[str, TierProjection] | None = None
) -> list[dict[str, Any]]:
    """Rows ``{tier, year, threat, inventory, raid, source}`` for a report table
    (tier, then year, then the file's class order; classes with 0 kept)."""
    years = list(years)
    rows: list[dict[str, Any]] = []
    for tier in tiers:
        tp = _tier(tier, data)
        for year, (name, proj) in ((y, c) for y in years for c in tp.threats.items()):
            n = class_count(proj, year)
            raid = _raid_count(n, tp.homeland_raid_fraction) if proj.in_raid else 0
            row = {"tier": tier, "year": year, "threat": name, "inventory": n, "raid": raid}
            rows.append(row | {"source": class_source(proj, year)})
    return rows


def sources(tier: str, path: str | Path | None = None) -> list[str]:
    """Full citations of the sources a tier's anchors and notes name, in the file's order."""
    f = _file(path)
    tp = _tier(tier, f.tiers)
    texts = [*tp.notes, *(p.note for p in tp.threats.values())]
    texts += [a.source for p in tp.threats.values() for a in p.anchors]
    ids = {i for t in texts for i in _cited(t, [s.id for s in f.sources])}
    return [s.citation for s in f.sources if s.id in ids]
