"""Catalog of post-boost payloads (``kind: mirv``): entry models and SI specs.

A ``mirv`` entry names its booster (a ballistic catalog entry), the
post-boost bus (mass, Δv budget, release timing), the reentry vehicles and
their footprint, and the penetration aids (heavy and light decoys, balloons,
chaff) with their ballistic coefficients, RCS and separation speeds. The
pydantic models (``extra="forbid"``) parse ``catalog.load("threats")``
entries; :func:`load_mirv_specs` converts them once to frozen SI specs.
The flight model is :mod:`shieldlab.threats.postboost`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shieldlab import catalog
from shieldlab.threats.catalog import BallisticMissileSpec, load_threat_specs
from shieldlab.threats.signatures import db_to_m2
from shieldlab.threats.truth import (
    OBJECT_BALLOON,
    OBJECT_BUS,
    OBJECT_CHAFF,
    OBJECT_HEAVY_DECOY,
    OBJECT_LIGHT_DECOY,
    OBJECT_RV,
)

F64 = NDArray[np.float64]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusEntry(_Model):
    """The post-boost vehicle (units in the key names)."""

    mass_kg: float = Field(gt=0.0, le=5000.0, description="bus dry mass + propellant [kg]")
    beta_kg_m2: float = Field(gt=1.0, le=5000.0, description="bus m/(Cd A) [kg/m²]")
    rcs_dbsm: float = Field(ge=-40.0, le=30.0)
    delta_v_budget_mps: float = Field(gt=0.0, le=3000.0)
    first_release_s: float = Field(ge=0.0, le=600.0, description="burnout → first release [s]")
    release_interval_s: float = Field(gt=0.0, le=300.0)
    backout_mps: float = Field(default=10.0, ge=0.0, le=200.0)


class RvEntry(_Model):
    """The reentry vehicles."""

    count: int = Field(ge=1, le=20)
    mass_kg: float = Field(gt=0.0, le=3000.0)
    beta_kg_m2: float = Field(ge=1000.0, le=50000.0)
    rcs_dbsm: float = Field(ge=-60.0, le=20.0, description="nose-on RCS [dBsm]")


class FootprintEntry(_Model):
    """Aim points around the nominal aim: explicit offsets or a pattern of size ``footprint_km``.

    along_track_km (positive downrange) and cross_track_km (positive to the
    right of the track), one pair per RV; or ``pattern`` line (along track)
    or circle (equally spaced on a circle of diameter ``footprint_km``).
    """

    along_track_km: list[float] | None = None
    cross_track_km: list[float] | None = None
    pattern: Literal["line", "circle"] | None = None
    footprint_km: float | None = Field(default=None, ge=0.0, le=2000.0)

    @model_validator(mode="after")
    def _one_form(self) -> FootprintEntry:
        explicit = self.along_track_km is not None or self.cross_track_km is not None
        if explicit == (self.pattern is not None):
            raise ValueError("give along_track_km + cross_track_km, or pattern + footprint_km")
        if explicit and (self.along_track_km is None or self.cross_track_km is None):
            raise ValueError("along_track_km and cross_track_km go together")
        if self.pattern is not None and self.footprint_km is None:
            raise ValueError("pattern needs footprint_km")
        return self


class PenaidEntry(_Model):
    """One class of penetration aids; ``beta_kg_m2`` within its class range ``PENAID_BETA``."""

    count: int = Field(ge=0, le=100)
    mass_kg: float = Field(gt=0.0, le=3000.0)
    beta_kg_m2: float = Field(gt=0.0, le=50000.0)
    rcs_dbsm: float = Field(ge=-60.0, le=30.0)
    separation_mps: float = Field(ge=0.0, le=50.0, description="release speed [m/s]")


PENAID_BETA = {
    "heavy_decoys": (1000.0, 50000.0),  # mimics the RV through reentry: β near the RV's
    "light_decoys": (10.0, 1000.0),  # light replicas, β ~ 50–500 kg/m²
    "balloons": (0.1, 50.0),  # metallised balloons, β ~ 1–10 kg/m²
    "chaff": (0.01, 10.0),  # chaff clouds, β ~ 0.1–1 kg/m²
}
"""Allowed β range [kg/m²] of each penetration-aid class (Sessler et al. 2000)."""


_PENAID_KIND = {
    "heavy_decoys": OBJECT_HEAVY_DECOY,
    "light_decoys": OBJECT_LIGHT_DECOY,
    "balloons": OBJECT_BALLOON,
    "chaff": OBJECT_CHAFF,
}


class MirvEntry(_Model):
    """A ``kind: mirv`` entry of ``threats-mirv.yaml``."""

    kind: Literal["mirv"]
    source: str = Field(min_length=5)
    description: str = ""
    booster: str
    bus: BusEntry
    rv: RvEntry
    footprint: FootprintEntry
    heavy_decoys: PenaidEntry | None = None
    light_decoys: PenaidEntry | None = None
    balloons: PenaidEntry | None = None
    chaff: PenaidEntry | None = None

    @model_validator(mode="after")
    def _penaid_beta(self) -> MirvEntry:
        for key, (lo, hi) in PENAID_BETA.items():
            e = getattr(self, key)
            if e is not None and not lo <= e.beta_kg_m2 <= hi:
                raise ValueError(f"{key}.beta_kg_m2 = {e.beta_kg_m2:g} not in [{lo:g}, {hi:g}]")
        return self


@dataclass(frozen=True)
class PenaidSpec:
    """One class of penetration aids in SI units (``kind`` an ``OBJECT_*`` code)."""

    kind: int
    count: int
    mass_kg: float
    beta_kg_m2: float
    rcs_m2: float
    separation_mps: float


@dataclass(frozen=True)
class MirvSpec:
    """A MIRVed missile in SI units: booster, bus, RVs, footprint offsets, penetration aids."""

    name: str
    source: str
    booster: BallisticMissileSpec
    bus_mass_kg: float
    bus_beta_kg_m2: float
    bus_rcs_m2: float
    delta_v_budget_mps: float
    first_release_s: float
    release_interval_s: float
    backout_mps: float
    rv_count: int
    rv_mass_kg: float
    rv_beta_kg_m2: float
    rv_rcs_m2: float
    along_track_m: tuple[float, ...]
    cross_track_m: tuple[float, ...]
    penaids: tuple[PenaidSpec, ...] = ()

    @property
    def payload_mass_kg(self) -> float:
        """Mass on top of the last stage [kg]: bus + RVs + penetration aids."""
        return (
            self.bus_mass_kg
            + self.rv_count * self.rv_mass_kg
            + sum(p.count * p.mass_kg for p in self.penaids)
        )

    def objects(self) -> tuple[F64, ...]:
        """Per object of one missile (P,): kind, β [kg/m²], RCS [m²], separation [m/s], RV index.

        Order: bus, RVs, then each penetration-aid class; aid i of a class goes
        with RV i mod N (bus: RV index −1, released with the last RV).
        """
        n = self.rv_count
        kind = [OBJECT_BUS] + [OBJECT_RV] * n
        beta = [self.bus_beta_kg_m2] + [self.rv_beta_kg_m2] * n
        rcs = [self.bus_rcs_m2] + [self.rv_rcs_m2] * n
        sep = [0.0] * (n + 1)
        rv = [-1, *range(n)]
        for p in self.penaids:
            kind += [p.kind] * p.count
            beta += [p.beta_kg_m2] * p.count
            rcs += [p.rcs_m2] * p.count
            sep += [p.separation_mps] * p.count
            rv += [i % n for i in range(p.count)]
        return tuple(np.array(a, np.float64) for a in (kind, beta, rcs, sep, rv))

    @property
    def objects_per_missile(self) -> int:
        """P = 1 + N + number of penetration aids."""
        return 1 + self.rv_count + sum(p.count for p in self.penaids)


def _offsets_m(fp: FootprintEntry, n: int, name: str) -> tuple[tuple[float, ...], ...]:
    if fp.pattern is None:
        a, c = fp.along_track_km or [], fp.cross_track_km or []
        if len(a) != n or len(c) != n:
            raise ValueError(
                f"threats-mirv.yaml: {name}: footprint needs {n} along/cross offsets (rv.count)"
            )
        return tuple(1e3 * x for x in a), tuple(1e3 * x for x in c)
    size = 1e3 * float(fp.footprint_km or 0.0)
    if fp.pattern == "line":
        along = np.linspace(-size / 2, size / 2, n) if n > 1 else np.zeros(1)
        return tuple(along.tolist()), (0.0,) * n
    ang = 2 * np.pi * np.arange(n) / n
    rad = size / 2 if n > 1 else 0.0
    return tuple((rad * np.cos(ang)).tolist()), tuple((rad * np.sin(ang)).tolist())


def mirv_spec_from_entry(name: str, entry: MirvEntry) -> MirvSpec:
    """Convert a validated entry to SI; the booster's payload becomes the post-boost payload."""
    boosters = load_threat_specs()
    if entry.booster not in boosters:
        raise ValueError(
            f"threats-mirv.yaml: {name}: booster {entry.booster!r} is not a ballistic entry; "
            f"allowed: {', '.join(sorted(boosters))}"
        )
    along, cross = _offsets_m(entry.footprint, entry.rv.count, name)
    aids = []
    for key, kind in _PENAID_KIND.items():
        e = getattr(entry, key)
        if e is not None and e.count > 0:
            db = db_to_m2(e.rcs_dbsm)
            aids.append(PenaidSpec(kind, e.count, e.mass_kg, e.beta_kg_m2, db, e.separation_mps))
    spec = MirvSpec(
        name=name,
        source=entry.source,
        booster=boosters[entry.booster],
        bus_mass_kg=entry.bus.mass_kg,
        bus_beta_kg_m2=entry.bus.beta_kg_m2,
        bus_rcs_m2=db_to_m2(entry.bus.rcs_dbsm),
        delta_v_budget_mps=entry.bus.delta_v_budget_mps,
        first_release_s=entry.bus.first_release_s,
        release_interval_s=entry.bus.release_interval_s,
        backout_mps=entry.bus.backout_mps,
        rv_count=entry.rv.count,
        rv_mass_kg=entry.rv.mass_kg,
        rv_beta_kg_m2=entry.rv.beta_kg_m2,
        rv_rcs_m2=db_to_m2(entry.rv.rcs_dbsm),
        along_track_m=along,
        cross_track_m=cross,
        penaids=tuple(aids),
    )
    return with_booster_payload(spec)


def with_booster_payload(spec: MirvSpec) -> MirvSpec:
    """Spec whose booster carries this spec's payload mass and RV β (call after changing masses)."""
    b = replace(
        spec.booster,
        payload_mass_kg=spec.payload_mass_kg,
        rv_mass_kg=spec.rv_mass_kg,
        rv_beta_kg_m2=spec.rv_beta_kg_m2,
        rv_rcs_m2=spec.rv_rcs_m2,
    )
    return replace(spec, booster=b)


def parse_mirv_entry(name: str, raw: Mapping[str, Any]) -> MirvSpec:
    """Validate one raw catalog entry and convert it; one-line ValueError naming entry and field."""
    try:
        entry = MirvEntry.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "entry"
        msg = str(err["msg"]).replace("\n", " ")
        raise ValueError(f"threats-mirv.yaml: {name}: field {where!r}: {msg}") from None
    return mirv_spec_from_entry(name, entry)


@cache
def load_mirv_specs() -> dict[str, MirvSpec]:
    """All ``kind: mirv`` catalog entries as SI specs, by name."""
    return {
        name: parse_mirv_entry(name, raw)
        for name, raw in catalog.load("threats").items()
        if isinstance(raw, dict) and raw.get("kind") == "mirv"
    }
