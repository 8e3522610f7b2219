"""Threat catalog: parse ``catalog/threats.yaml`` into frozen SI specifications.

The YAML keys carry their units (``burn_time_s``, ``rv_rcs_dbsm``); each entry
is checked by a pydantic v2 model (``extra="forbid"``) and converted once to a
frozen dataclass in SI units (m², kg, s, W/sr) that the flight model uses.
Every entry names its public source in ``source:``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shieldlab import catalog
from shieldlab.core.constants import G0_MPS2
from shieldlab.threats.signatures import db_to_m2, rcs_aspect_class_m2

F64 = NDArray[np.float64]

Pos = Annotated[float, Field(gt=0.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageEntry(_Model):
    """One solid or liquid stage as written in the catalog (units in the key names)."""

    propellant_mass_kg: Pos
    dry_mass_kg: Pos
    isp_s: float = Field(gt=100.0, le=500.0, description="vacuum specific impulse [s]")
    burn_time_s: Pos
    diameter_m: float = Field(gt=0.1, le=5.0)
    drag_coefficient: float = Field(gt=0.0, le=3.0, description="constant axial Cd [-]")
    body_rcs_dbsm: float = Field(ge=-40.0, le=40.0, description="booster body RCS [dBsm]")
    plume_intensity_w_sr: float = Field(ge=0.0, le=1e8, description="IR plume [W/sr]")


class BallisticEntry(_Model):
    """A ballistic missile entry of ``threats.yaml``."""

    kind: Literal["ballistic"]
    source: str = Field(min_length=5)
    description: str = ""
    stages: list[StageEntry] = Field(min_length=1, max_length=4)
    payload_mass_kg: Pos = Field(description="post-boost payload: bus plus RV(s) [kg]")
    rv_mass_kg: Pos
    rv_beta_kg_m2: float = Field(gt=50.0, le=50000.0, description="RV m/(Cd A) [kg/m²]")
    rv_rcs_dbsm: float = Field(ge=-60.0, le=20.0, description="RV nose-on RCS [dBsm]")
    rv_rcs_broadside_dbsm: float = Field(
        default=0.0,
        ge=-60.0,
        le=30.0,
        description="RV broadside RCS [dBsm]; default 0 dBsm is an assumed class average",
    )
    rv_rcs_tail_dbsm: float = Field(
        default=-10.0,
        ge=-60.0,
        le=30.0,
        description="RV tail-on RCS [dBsm]; default -10 dBsm is an assumed class average",
    )
    vertical_rise_s: float = Field(default=8.0, gt=0.0, le=60.0)
    pitchover_s: float = Field(default=10.0, gt=0.0, le=60.0)
    propellant: Literal["liquid", "solid"] = Field(
        default="solid", description="liquid engines can cut off thrust, solid motors cannot"
    )
    thrust_termination: bool = Field(
        default=False,
        description="solid last stage with thrust-termination ports (cuts off like a liquid); "
        "without them a solid wastes energy by GEMS steering",
    )
    basing: Literal["silo", "road-mobile", "rail-mobile", "submarine", "fixed"] = Field(
        default="silo", description="launch platform (submarine: launch from a sea point, h = 0)"
    )


@dataclass(frozen=True)
class StageSpec:
    """One stage in SI units; constant mass flow and vacuum thrust mdot·Isp·g0."""

    propellant_mass_kg: float
    dry_mass_kg: float
    isp_s: float
    burn_time_s: float
    diameter_m: float
    drag_coefficient: float
    body_rcs_m2: float
    plume_w_sr: float

    @property
    def mass_flow_kg_s(self) -> float:
        """Constant propellant mass flow [kg/s]."""
        return self.propellant_mass_kg / self.burn_time_s

    @property
    def thrust_n(self) -> float:
        """Vacuum thrust [N] (no nozzle back-pressure correction)."""
        return self.mass_flow_kg_s * self.isp_s * G0_MPS2

    @property
    def area_m2(self) -> float:
        """Reference (cross-section) area [m²]."""
        return math.pi * 0.25 * self.diameter_m**2


@dataclass(frozen=True)
class BallisticMissileSpec:
    """A multi-stage ballistic missile in SI units (stages fire in order, no coast between).

    ``propellant`` is ``"liquid"`` (the last stage may cut off thrust early:
    trajectory shaping) or ``"solid"`` (burns to depletion and manages its
    energy by GEMS steering, unless ``thrust_termination`` declares
    thrust-termination ports on its last stage); ``basing`` is the
    launch platform (``"submarine"``: launched from a sea point at h = 0; the
    physics is the same).
    """

    name: str
    source: str
    stages: tuple[StageSpec, ...]
    payload_mass_kg: float
    rv_mass_kg: float
    rv_beta_kg_m2: float
    rv_rcs_m2: float
    rv_rcs_broadside_m2: float = 1.0
    rv_rcs_tail_m2: float = 0.1
    vertical_rise_s: float = 8.0
    pitchover_s: float = 10.0
    description: str = ""
    propellant: str = "solid"
    basing: str = "silo"
    thrust_termination: bool = False

    @property
    def can_cut_off(self) -> bool:
        """True where the last stage can terminate thrust early (liquid, or solid with ports)."""
        return self.propellant == "liquid" or self.thrust_termination

    @property
    def energy_management(self) -> str:
        """How the missile flies short of its full-burn range: ``"cut-off"`` or ``"gems"``."""
        return "cut-off" if self.can_cut_off else "gems"

    @property
    def launch_mass_kg(self) -> float:
        """Gross lift-off mass [kg]."""
        return self.payload_mass_kg + sum(s.propellant_mass_kg + s.dry_mass_kg for s in self.stages)

    @property
    def total_burn_time_s(self) -> float:
        """Sum of the stage burn times [s]."""
        return sum(s.burn_time_s for s in self.stages)

    def stage_start_mass_kg(self) -> tuple[float, ...]:
        """Mass at ignition of each stage [kg] (the spent stages below already dropped)."""
        out = []
        for k in range(len(self.stages)):
            out.append(
                self.payload_mass_kg
                + sum(s.propellant_mass_kg + s.dry_mass_kg for s in self.stages[k:])
            )
        return tuple(out)

    @property
    def ideal_delta_v_mps(self) -> float:
        """Ideal (vacuum, gravity-free) velocity gain Σ Isp g0 ln(m0/mf) [m/s]."""
        dv = 0.0
        for s, m0 in zip(self.stages, self.stage_start_mass_kg(), strict=True):
            dv += s.isp_s * G0_MPS2 * math.log(m0 / (m0 - s.propellant_mass_kg))
        return dv


def stage_specs(stages: list[StageEntry]) -> tuple[StageSpec, ...]:
    """Catalog stage entries as SI :class:`StageSpec` (shared by every boosted threat)."""
    return tuple(
        StageSpec(
            propellant_mass_kg=s.propellant_mass_kg,
            dry_mass_kg=s.dry_mass_kg,
            isp_s=s.isp_s,
            burn_time_s=s.burn_time_s,
            diameter_m=s.diameter_m,
            drag_coefficient=s.drag_coefficient,
            body_rcs_m2=db_to_m2(s.body_rcs_dbsm),
            plume_w_sr=s.plume_intensity_w_sr,
        )
        for s in stages
    )


def spec_from_entry(name: str, entry: BallisticEntry) -> BallisticMissileSpec:
    """Convert a validated catalog entry to SI units."""
    stages = stage_specs(entry.stages)
    if entry.vertical_rise_s + entry.pitchover_s >= stages[0].burn_time_s:
        raise ValueError(f"threats.yaml: {name}: vertical rise + pitch-over must end in stage 1")
    spec = BallisticMissileSpec(
        name=name,
        source=entry.source,
        stages=stages,
        payload_mass_kg=entry.payload_mass_kg,
        rv_mass_kg=entry.rv_mass_kg,
        rv_beta_kg_m2=entry.rv_beta_kg_m2,
        rv_rcs_m2=db_to_m2(entry.rv_rcs_dbsm),
        rv_rcs_broadside_m2=db_to_m2(entry.rv_rcs_broadside_dbsm),
        rv_rcs_tail_m2=db_to_m2(entry.rv_rcs_tail_dbsm),
        vertical_rise_s=entry.vertical_rise_s,
        pitchover_s=entry.pitchover_s,
        description=entry.description,
        propellant=entry.propellant,
        basing=entry.basing,
        thrust_termination=entry.thrust_termination,
    )
    if stages[0].thrust_n <= spec.launch_mass_kg * G0_MPS2:
        raise ValueError(f"threats.yaml: {name}: stage-1 thrust does not exceed lift-off weight")
    if entry.rv_mass_kg > entry.payload_mass_kg:
        raise ValueError(f"threats.yaml: {name}: rv_mass_kg exceeds payload_mass_kg")
    if entry.thrust_termination and entry.propellant != "solid":
        raise ValueError(f"threats.yaml: {name}: thrust_termination applies to solid propellant")
    return spec


@cache
def load_threat_specs() -> dict[str, BallisticMissileSpec]:
    """All ballistic entries of ``threats.yaml`` as SI specs, by name.

    Raises ``ValueError`` naming the entry and field when an entry is invalid.
    """
    out: dict[str, BallisticMissileSpec] = {}
    for name, raw in catalog.load("threats").items():
        if not isinstance(raw, dict) or raw.get("kind") != "ballistic":
            continue
        try:
            entry = BallisticEntry.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"threats.yaml: entry {name!r} is invalid:\n{exc}") from exc
        out[name] = spec_from_entry(name, entry)
    return out


def threat_names() -> list[str]:
    """Sorted names of the ballistic threats in the catalog."""
    return sorted(load_threat_specs())


def rv_rcs_by_aspect_m2(spec: BallisticMissileSpec, aspect_rad: ArrayLike) -> F64:
    """RV radar cross-section [m²] by aspect class (nose-on < 45°, broadside, tail > 135°)."""
    return rcs_aspect_class_m2(
        spec.rv_rcs_m2, spec.rv_rcs_broadside_m2, spec.rv_rcs_tail_m2, aspect_rad
    )
