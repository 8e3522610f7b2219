"""Sensor catalog entries (``catalog/sensors.yaml``) → SI sensor dataclasses.

Entries are pydantic v2 models with ``extra="forbid"`` and units in the field
names, discriminated on ``kind`` (``radar`` or ``geo-ir``). A *site* is an
entry plus a location: :func:`make_radar` and :func:`make_geo_ir` convert to
the SI dataclasses the physics uses (:class:`RadarSite`, :class:`GeoIrSensor`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from shieldlab import catalog
from shieldlab.core.constants import DEG
from shieldlab.sensors.airborne import AirborneRadarEntry
from shieldlab.sensors.ir import GeoIrSensor
from shieldlab.sensors.ir_track import LeoIrTrackingEntry
from shieldlab.sensors.radar import RadarSite
from shieldlab.sensors.radar_params import RadarParameters, radar_site


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    source: str = Field(min_length=1, description="public source of the numbers")


class RadarEntry(RadarParameters):
    """A ground radar type (see :mod:`shieldlab.sensors.radar` for the model)."""

    kind: Literal["radar"]
    min_elevation_deg: float = Field(ge=0.0, le=90.0)
    max_elevation_deg: float = Field(default=90.0, gt=0.0, le=90.0)
    boresight_azimuth_deg: float = Field(default=0.0, ge=0.0, lt=360.0)


class GeoIrEntry(_Entry):
    """A GEO infrared warning satellite type (see :mod:`shieldlab.sensors.ir`)."""

    kind: Literal["geo-ir"]
    nei_w_m2: float = Field(gt=0.0, lt=1e-3)
    snr_threshold: float = Field(default=5.0, gt=0.0, le=100.0)
    frame_s: float = Field(gt=0.0, le=600.0)
    report_latency_s: float = Field(ge=0.0, le=3600.0)
    min_altitude_km: float = Field(default=10.0, ge=0.0, le=100.0)


SensorEntry = Annotated[
    RadarEntry | GeoIrEntry | LeoIrTrackingEntry | AirborneRadarEntry,
    Field(discriminator="kind"),
]
_ADAPTER: TypeAdapter[dict[str, SensorEntry]] = TypeAdapter(dict[str, SensorEntry])


@cache
def load_sensor_specs() -> dict[
    str, RadarEntry | GeoIrEntry | LeoIrTrackingEntry | AirborneRadarEntry
]:
    """All entries of ``catalog/sensors.yaml``, validated (raises ``ValidationError``)."""
    return dict(_ADAPTER.validate_python(catalog.load("sensors")))


def _entry(name: str, kind: type[RadarEntry] | type[GeoIrEntry]) -> RadarEntry | GeoIrEntry:
    specs = load_sensor_specs()
    e = specs.get(name)
    if not isinstance(e, kind):
        ok = sorted(n for n, v in specs.items() if isinstance(v, kind))
        raise ValueError(f"unknown sensor type {name!r}; allowed: {', '.join(ok)}")
    return e


def radar_from_entry(
    entry: RadarEntry,
    lat_deg: float,
    lon_deg: float,
    alt_m: float = 0.0,
    boresight_az_deg: float | None = None,
    name: str = "",
) -> RadarSite:
    """SI :class:`RadarSite` of a radar entry placed at a geodetic site."""
    az = entry.boresight_azimuth_deg if boresight_az_deg is None else boresight_az_deg
    return radar_site(
        entry,
        name=name,
        lat_rad=lat_deg * DEG,
        lon_rad=lon_deg * DEG,
        alt_m=alt_m,
        min_elevation_rad=entry.min_elevation_deg * DEG,
        max_elevation_rad=entry.max_elevation_deg * DEG,
        boresight_azimuth_rad=math.fmod(az, 360.0) * DEG,
    )


def make_radar(
    entry_name: str,
    lat_deg: float,
    lon_deg: float,
    alt_m: float = 0.0,
    boresight_az_deg: float | None = None,
) -> RadarSite:
    """A radar of catalog type ``entry_name`` at a geodetic site (boresight default: catalog)."""
    e = _entry(entry_name, RadarEntry)
    assert isinstance(e, RadarEntry)
    return radar_from_entry(e, lat_deg, lon_deg, alt_m, boresight_az_deg, name=entry_name)


def geo_ir_from_entry(entry: GeoIrEntry, lon_deg: float, name: str = "") -> GeoIrSensor:
    """SI :class:`GeoIrSensor` of a GEO IR entry at sub-satellite longitude ``lon_deg``."""
    return GeoIrSensor(
        name=name,
        lon_rad=lon_deg * DEG,
        nei_w_m2=entry.nei_w_m2,
        snr_threshold=entry.snr_threshold,
        frame_s=entry.frame_s,
        report_latency_s=entry.report_latency_s,
        min_altitude_m=entry.min_altitude_km * 1e3,
    )


def make_geo_ir(entry_name: str, lon_deg: float) -> GeoIrSensor:
    """A GEO IR satellite of catalog type ``entry_name`` over longitude ``lon_deg``."""
    e = _entry(entry_name, GeoIrEntry)
    assert isinstance(e, GeoIrEntry)
    return geo_ir_from_entry(e, lon_deg, name=entry_name)
