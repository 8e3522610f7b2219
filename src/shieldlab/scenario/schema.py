"""Scenario schema: pydantic v2 models of a scenario YAML file.

Keys carry their unit (``lat_deg``, ``radius_km``, ``inventory``); the models
check ranges and names; :mod:`shieldlab.scenario.load` converts to SI once.
Polymorphic parts (sensors) are discriminated on ``kind``-like catalog
``type`` names checked against the catalog files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shieldlab import catalog

Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="geodetic latitude [deg]")]
Lon = Annotated[float, Field(ge=-180.0, le=360.0, description="longitude east [deg]")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_catalog(kind: str, name: str, what: str, allowed_kinds: tuple[str, ...] = ()) -> str:
    entries = catalog.load(kind)
    ok = [n for n, e in entries.items() if not allowed_kinds or e.get("kind") in allowed_kinds]
    if name not in ok:
        raise ValueError(f"unknown {what} {name!r}; allowed: {', '.join(sorted(ok))}")
    return name


class LaunchArea(_Model):
    """A notional launch area: a circle on the ground."""

    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(default=50.0, ge=0.0, le=2000.0)


class ThreatGroup(_Model):
    """``count`` missiles of one catalog type fired from one launch area."""

    type: str = Field(description="threat catalog name, e.g. generic-solid-icbm")
    count: int = Field(ge=1, le=10000)
    launch_area: LaunchArea
    first_launch_s: float = Field(default=0.0, ge=0.0, description="time of the first launch")
    launch_interval_s: float = Field(default=0.0, ge=0.0, description="ripple interval")
    targets: list[str] = Field(min_length=1, description="asset names, assigned round-robin")
    payload_mass_kg: float | None = Field(
        default=None, gt=0.0, le=20000.0, description="override of the catalog payload mass"
    )

    @field_validator("type")
    @classmethod
    def _known_threat(cls, v: str) -> str:
        return _check_catalog("threats", v, "threat")


class Asset(_Model):
    """A defended asset: a circle of ``radius_km`` around a point, with a value."""

    name: str = Field(min_length=1)
    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(default=30.0, gt=0.0, le=1000.0)
    value: float = Field(default=1.0, ge=0.0)
    category: Literal["deterrent", "command", "population", "military", "infrastructure"] = (
        "population"
    )


class RadarSensor(_Model):
    """A ground radar at a site; ``type`` names a radar entry of the sensor catalog."""

    kind: Literal["radar"] = "radar"
    name: str = Field(min_length=1)
    type: str
    lat_deg: Lat
    lon_deg: Lon
    alt_m: float = Field(default=0.0, ge=-500.0, le=10000.0)
    boresight_azimuth_deg: float | None = Field(default=None, ge=0.0, lt=360.0)

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        return _check_catalog("sensors", v, "radar type", ("radar",))


class GeoIrSensor(_Model):
    """A geostationary infrared warning satellite at a sub-satellite longitude."""

    kind: Literal["geo-ir"] = "geo-ir"
    name: str = Field(min_length=1)
    type: str
    lon_deg: Lon

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        return _check_catalog("sensors", v, "infrared sensor type", ("geo-ir",))


Sensor = Annotated[RadarSensor | GeoIrSensor, Field(discriminator="kind")]


class InterceptorSite(_Model):
    """A fire unit: interceptors of one catalog type at a site."""

    name: str = Field(min_length=1)
    type: str
    lat_deg: Lat
    lon_deg: Lon
    inventory: int = Field(ge=0, le=100000)

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        return _check_catalog("interceptors", v, "interceptor type")


class Doctrine(_Model):
    """Battle-management rules of the skeleton battle manager."""

    shots_per_threat: int = Field(default=2, ge=1, le=8, description="salvo size per engagement")
    shoot_look_shoot: bool = Field(
        default=True, description="re-engage a surviving threat if time allows"
    )
    min_track_updates: int = Field(default=3, ge=1, le=100, description="updates before firing")
    decision_interval_s: float = Field(default=10.0, gt=0.0, le=600.0)


class Scenario(_Model):
    """A complete scenario: raid, defended assets, sensors, weapons and doctrine."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    epoch_utc: str = Field(default="2026-07-04T12:00:00Z", description="ISO-8601 UTC")
    seed: int = Field(default=0, ge=0, lt=2**63)
    trials: int = Field(default=100, ge=1, le=1_000_000)
    time_step_s: float = Field(default=1.0, gt=0.0, le=10.0, description="truth sampling step")
    threats: list[ThreatGroup] = Field(min_length=1)
    assets: list[Asset] = Field(min_length=1)
    sensors: list[Sensor] = Field(default_factory=list)
    interceptor_sites: list[InterceptorSite] = Field(default_factory=list)
    doctrine: Doctrine = Doctrine()

    @field_validator("epoch_utc")
    @classmethod
    def _epoch(cls, v: str) -> str:
        from shieldlab.core.time import parse_epoch

        parse_epoch(v)
        return v

    @model_validator(mode="after")
    def _cross_refs(self) -> Scenario:
        names = [a.name for a in self.assets]
        if len(set(names)) != len(names):
            raise ValueError("asset names must be unique")
        for i, group in enumerate(self.threats):
            for j, t in enumerate(group.targets):
                if t not in names:
                    raise ValueError(
                        f"threats.{i}.targets.{j}: {t!r} is not a defended asset; "
                        f"allowed: {', '.join(names)}"
                    )
        for what, items in (("sensor", self.sensors), ("interceptor site", self.interceptor_sites)):
            ns = [s.name for s in items]
            if len(set(ns)) != len(ns):
                raise ValueError(f"{what} names must be unique")
        return self
