"""Interceptor catalog: validation of ``catalog/interceptors.yaml`` and conversion to SI.

Each YAML entry is checked by a pydantic model (``extra="forbid"``: a misspelt
key is an error naming the entry and the field) and converted once to a
frozen :class:`~shieldlab.weapons.interceptor.InterceptorSpec` in SI units.
The numbers and their public sources live in the YAML file itself
(``interceptors.yaml``: midcourse; ``interceptors-terminal.yaml``: underlayer,
terminal, glide-phase and cruise-missile defense, ``flyout: envelope``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shieldlab import catalog
from shieldlab.core.constants import DEG
from shieldlab.core.objects import OBJECT_NAMES
from shieldlab.weapons.interceptor import InterceptorSite, InterceptorSpec


class InterceptorEntry(BaseModel):
    """One entry of ``interceptors.yaml`` (units in the key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    layer: Literal["midcourse", "terminal", "underlayer", "glide", "cruise-defense"]
    burnout_speed_kmps: float = Field(gt=0.0, le=11.0)
    burn_time_s: float = Field(gt=0.0, le=600.0)
    min_intercept_altitude_km: float = Field(ge=0.0)
    max_intercept_altitude_km: float = Field(gt=0.0, le=10000.0)
    max_ground_range_km: float = Field(gt=0.0, le=20000.0)
    pk_single_shot: float = Field(gt=0.0, le=1.0)
    kill_vehicle_divert_mps: float = Field(ge=0.0)
    seeker_acquisition_range_km: float = Field(gt=0.0)
    launch_to_commit_s: float = Field(ge=0.0)
    source: str = Field(min_length=1)
    engages: tuple[str, ...] = ("rv",)
    pk_by_class: dict[str, float] = Field(default_factory=dict)
    flyout: Literal["lambert", "envelope"] = "lambert"
    min_slant_range_km: float = Field(default=0.0, ge=0.0)
    coast_decay_length_km: float | None = Field(default=None, gt=0.0)
    carrier_speed_mps: float = Field(default=0.0, ge=0.0, le=1000.0)
    carrier_radius_km: float = Field(default=0.0, ge=0.0)
    unit_cost_musd: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _altitude_window(self) -> InterceptorEntry:
        if self.min_intercept_altitude_km >= self.max_intercept_altitude_km:
            raise ValueError("min_intercept_altitude_km must be below max_intercept_altitude_km")
        return self

    @model_validator(mode="after")
    def _classes(self) -> InterceptorEntry:
        known = set(OBJECT_NAMES.values())
        if not self.engages:
            raise ValueError("engages: at least one object kind")
        for kind in self.engages:
            if kind not in known:
                raise ValueError(f"engages: one of {sorted(known)}, got {kind!r}")
        for kind, pk in self.pk_by_class.items():
            if kind not in self.engages:
                raise ValueError(f"pk_by_class: keys must be listed in engages, got {kind!r}")
            if not 0.0 < pk <= 1.0:
                raise ValueError(f"pk_by_class: Pk in (0, 1], got {kind!r}: {pk}")
        return self

    @model_validator(mode="after")
    def _carrier(self) -> InterceptorEntry:
        if (self.carrier_speed_mps > 0.0) != (self.carrier_radius_km > 0.0):
            raise ValueError("carrier_speed_mps and carrier_radius_km: both > 0 or both 0")
        if self.carrier_radius_km >= self.max_ground_range_km:
            raise ValueError("carrier_radius_km must be below max_ground_range_km")
        if self.flyout == "lambert" and (
            self.carrier_radius_km > 0.0 or self.coast_decay_length_km is not None
        ):
            raise ValueError("carrier_* and coast_decay_length_km need flyout: envelope")
        return self

    def to_spec(self, name: str) -> InterceptorSpec:
        """The SI specification of this entry."""
        return InterceptorSpec(
            name=name,
            layer=self.layer,
            burnout_speed_mps=self.burnout_speed_kmps * 1e3,
            burn_time_s=self.burn_time_s,
            min_intercept_altitude_m=self.min_intercept_altitude_km * 1e3,
            max_intercept_altitude_m=self.max_intercept_altitude_km * 1e3,
            max_ground_range_m=self.max_ground_range_km * 1e3,
            pk_single_shot=self.pk_single_shot,
            kill_vehicle_divert_mps=self.kill_vehicle_divert_mps,
            seeker_acquisition_range_m=self.seeker_acquisition_range_km * 1e3,
            launch_to_commit_s=self.launch_to_commit_s,
            source=self.source,
            engages=tuple(self.engages),
            pk_by_class=dict(self.pk_by_class),
            flyout=self.flyout,
            min_slant_range_m=self.min_slant_range_km * 1e3,
            coast_decay_length_m=(
                math.inf if self.coast_decay_length_km is None else self.coast_decay_length_km * 1e3
            ),
            carrier_speed_mps=self.carrier_speed_mps,
            carrier_radius_m=self.carrier_radius_km * 1e3,
            unit_cost_musd=self.unit_cost_musd,
        )


def parse_interceptor_entries(raw: dict[str, Any]) -> dict[str, InterceptorSpec]:
    """Validate a raw ``name -> entry`` mapping; errors name the entry and field.

    Entries with ``kind: sbi`` (space-based interceptors, another schema) are skipped:
    :mod:`shieldlab.weapons.sbi` parses them.
    """
    specs: dict[str, InterceptorSpec] = {}
    for name, entry in raw.items():
        if isinstance(entry, dict) and entry.get("kind") == "sbi":
            continue
        try:
            specs[name] = InterceptorEntry.model_validate(entry).to_spec(name)
        except ValidationError as exc:
            raise ValueError(f"interceptors.yaml entry '{name}': {exc}") from exc
    return specs


def load_interceptor_specs() -> dict[str, InterceptorSpec]:
    """All interceptor classes of the packaged catalog, by name, in SI units."""
    return parse_interceptor_entries(catalog.load("interceptors"))


def make_site(
    entry_name: str,
    name: str,
    lat_deg: float,
    lon_deg: float,
    inventory: int,
    alt_m: float = 0.0,
) -> InterceptorSite:
    """An :class:`InterceptorSite` of catalog class ``entry_name`` at a geodetic point [deg]."""
    specs = load_interceptor_specs()
    if entry_name not in specs:
        raise KeyError(f"unknown interceptor '{entry_name}'; known: {sorted(specs)}")
    if inventory < 0:
        raise ValueError(f"inventory must be >= 0, got {inventory}")
    return InterceptorSite(
        name=name,
        lat_rad=lat_deg * DEG,
        lon_rad=lon_deg * DEG,
        alt_m=alt_m,
        spec=specs[entry_name],
        inventory=int(inventory),
    )
