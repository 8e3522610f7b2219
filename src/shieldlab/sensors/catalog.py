"""Sensor catalog entries (``catalog/sensors.yaml``) → SI sensor dataclasses.

Entries are pydantic v2 models with ``extra="forbid"`` and units in the field
names, discriminated on ``kind`` (``radar``, ``geo-ir``, ``leo-ir-tracking``,
``airborne-radar``). Ground and sea radars share ``kind: radar``: sea
entries (``catalog/sensors-sea.yaml``) set ``platform: sea``, the antenna's
``antenna_height_m`` above the site's surface height (the site's ``alt_m``
is then the sea surface, 0) and ``refraction_k: 1.3333`` so that their
coverage ends at the 4/3-Earth radar horizon. A *site* is an
entry plus a location: :func:`make_radar` and :func:`make_geo_ir` convert to
the SI dataclasses the physics uses (:class:`RadarSite`, :class:`GeoIrSensor`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

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
    """A ground or sea radar type (see :mod:`shieldlab.sensors.radar` for the model).

    ``platform`` ground or sea (informative; the physics differs only by the
    keys below). ``antenna_height_m`` height of the antenna's phase centre
    above the site's ``alt_m`` (mast height on a ship). ``refraction_k``
    effective-Earth-radius factor (1 = straight rays, the older behaviour;
    4/3 standard atmosphere). A negative ``min_elevation_deg`` (antennas
    that scan below the horizontal) needs ``refraction_k`` ≠ 1 so that the
    Earth-clearance test bounds the coverage.
    """

    kind: Literal["radar"]
    platform: Literal["ground", "sea"] = "ground"
    antenna_height_m: float = Field(default=0.0, ge=0.0, le=500.0)
    refraction_k: float = Field(default=1.0, ge=1.0, le=4.0)
    min_elevation_deg: float = Field(ge=-5.0, le=90.0)
    max_elevation_deg: float = Field(default=90.0, gt=0.0, le=90.0)
    boresight_azimuth_deg: float = Field(default=0.0, ge=0.0, lt=360.0)

    @model_validator(mode="after")
    def _horizon_bounded(self) -> Self:
        if self.min_elevation_deg < 0.0 and self.refraction_k == 1.0:
            raise ValueError(
                "min_elevation_deg: a negative value needs refraction_k != 1 "
                f"(Earth-clearance test), got {self.min_elevation_deg}"
            )
        return self


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
    """SI :class:`RadarSite` of a radar entry placed at a geodetic site.

    ``alt_m`` is the height of the ground or sea surface at the site; the
    antenna sits ``entry.antenna_height_m`` above it (0 for the older ground
    entries, whose ``alt_m`` is the antenna height itself).
    """
    az = entry.boresight_azimuth_deg if boresight_az_deg is None else boresight_az_deg
    return radar_site(
        entry,
        name=name,
        lat_rad=lat_deg * DEG,
        lon_rad=lon_deg * DEG,
        alt_m=alt_m + entry.antenna_height_m,
        refraction_k=entry.refraction_k,
        platform=entry.platform,
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
