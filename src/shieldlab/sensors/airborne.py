"""Airborne surveillance radar against cruise missiles (AWACS / E-7 class, generic).

Validity: the 4/3-Earth horizon of a standard atmosphere (no ducting) and a
constant residual clutter loss below the horizon line; the horizon range is
within 2 % of Skolnik's 4.12 (√h_r + √h_t) km.

Model (one look; the electrical part reuses :mod:`shieldlab.sensors.radar`):

- **Range equation and Swerling-1 Pd** exactly as a ground radar
  (:func:`~shieldlab.sensors.radar.radar_snr`,
  :func:`~shieldlab.sensors.radar.swerling1_pd`), with the antenna at the
  platform's current geodetic position.
- **Radar horizon** (standard 4/3-Earth refraction; Skolnik, *Introduction
  to Radar Systems* 3rd ed. 2001, §8.2): a target is in line of sight when
  its slant range ≤ d = √(2 k R_e h_r) + √(2 k R_e h_t), k = 4/3, which with
  R_e = 6,371 km and heights in metres is d ≈ 4.12 (√h_r + √h_t) km. This
  replaces the ground radar's straight-line elevation mask (an airborne
  radar looks down: elevations down to −90° are allowed).
- **Look-down clutter**: when the target is below the platform's horizon
  line — depression below the horizon dip angle γ = √(2 h_r / (k R_e)) — the
  main beam hits the ground behind it and the target competes with surface
  clutter. After pulse-Doppler/STAP filtering a residual clutter-to-noise
  ratio CNR remains; we fold it in as an SNR loss: SNR_eff = SNR / (1 + CNR)
  with CNR = ``lookdown_cnr_db`` (assumption, 10 dB by default: Skolnik,
  *Radar Handbook* 3rd ed., ch. 4 "airborne MTI" for residual clutter after
  AMTI/pulse-Doppler processing). Targets above the horizon line (seen
  against the sky) have no main-beam clutter. The Doppler clutter notch for
  beam-aspect (tangential) targets is not modelled.
- **Measurements**: (range, azimuth, elevation) in the platform's local ENU,
  noise from :func:`~shieldlab.sensors.radar.radar_sigmas` — the
  :class:`~shieldlab.sensors.measurements.Measurements` radar convention.

Frames: targets in ECI, rotated to ECEF by GMST; the platform is geodetic
(WGS-84) at the look time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from shieldlab.core.constants import R_EARTH_MEAN_M
from shieldlab.core.frames import ecef_to_geodetic, eci_to_ecef
from shieldlab.sensors.measurements import Measurements
from shieldlab.sensors.radar import (
    K_REFRACTION as K_REFRACTION,  # re-exported
    RadarSite,
    radar_horizon_m as radar_horizon_m,  # re-exported
    radar_sigmas,
    radar_snr,
    radar_visible,
    swerling1_pd,
)
from shieldlab.sensors.radar_params import RadarParameters, radar_site

F64 = NDArray[np.float64]


def horizon_dip_rad(h_radar_m: float) -> float:
    """Depression of the radar horizon below the local horizontal, √(2h/(kR)) [rad]."""
    return math.sqrt(2.0 * max(h_radar_m, 0.0) / (K_REFRACTION * R_EARTH_MEAN_M))


@dataclass(frozen=True)
class AirborneRadar:
    """An airborne radar type: electrical parameters (``radar``; its site is ignored,
    the platform position is given per look), look-down residual CNR [dB] and the
    nominal patrol altitude [m]."""

    radar: RadarSite
    lookdown_cnr_db: float = 10.0
    patrol_altitude_m: float = 9_000.0


class AirborneRadarEntry(RadarParameters):
    """Catalog entry ``kind: airborne-radar`` (units in the field names).

    The radar fields are the shared :class:`RadarParameters`; no elevation
    limits (the radar horizon applies), 5,000 km range cap, 360° by default.
    """

    kind: Literal["airborne-radar"]
    max_range_km: float = Field(gt=0.0, le=5_000.0)
    azimuth_half_width_deg: float = Field(default=180.0, gt=0.0, le=180.0)
    patrol_altitude_km: float = Field(default=9.0, gt=0.0, le=25.0)
    lookdown_cnr_db: float = Field(default=10.0, ge=0.0, le=60.0)


def airborne_from_entry(entry: AirborneRadarEntry, name: str = "") -> AirborneRadar:
    """SI :class:`AirborneRadar` of a catalog entry (site at the patrol altitude over 0°, 0°)."""
    alt_m = entry.patrol_altitude_km * 1e3
    site = radar_site(
        entry,
        name=name,
        lat_rad=0.0,
        lon_rad=0.0,
        alt_m=alt_m,
        min_elevation_rad=-math.pi / 2.0,
        max_elevation_rad=math.pi / 2.0,
        boresight_azimuth_rad=0.0,
        platform="air",
    )
    return AirborneRadar(site, entry.lookdown_cnr_db, alt_m)


def make_airborne_radar(entry_name: str) -> AirborneRadar:
    """An airborne radar of catalog type ``entry_name`` (``catalog/sensors*.yaml``)."""
    from shieldlab import catalog

    raw = catalog.load("sensors")
    if entry_name not in raw or raw[entry_name].get("kind") != "airborne-radar":
        ok = sorted(n for n, v in raw.items() if v.get("kind") == "airborne-radar")
        raise ValueError(f"unknown airborne radar type {entry_name!r}; allowed: {', '.join(ok)}")
    return airborne_from_entry(AirborneRadarEntry.model_validate(raw[entry_name]), entry_name)


def airborne_geometry(
    sensor: AirborneRadar,
    lat_rad: float,
    lon_rad: float,
    alt_m: float,
    r_ecef_m: ArrayLike,
    rcs_m2: ArrayLike,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], F64, F64, F64, F64]:
    """(visible, look-down, az, el, range, effective SNR) of ECEF targets (n, 3).

    Visible: inside the azimuth sector and instrumented range and within the
    4/3-Earth radar horizon. Look-down: el < −horizon dip (ground behind the
    target); its SNR is divided by 1 + CNR.
    """
    site = dataclasses.replace(
        sensor.radar,
        lat_rad=lat_rad,
        lon_rad=lon_rad,
        alt_m=alt_m,
        min_elevation_rad=-math.pi / 2.0,
        max_elevation_rad=math.pi / 2.0,
    )
    r = np.asarray(r_ecef_m, dtype=np.float64).reshape(-1, 3)
    vis, az, el, rg = radar_visible(site, r)
    _, _, h_t = ecef_to_geodetic(r)
    vis &= rg <= radar_horizon_m(alt_m, h_t)
    lookdown = el < -horizon_dip_rad(alt_m)
    cnr = 10.0 ** (sensor.lookdown_cnr_db / 10.0)
    snr = radar_snr(site, rg, rcs_m2)
    snr = np.where(lookdown, snr / (1.0 + cnr), snr)
    return vis, lookdown, az, el, rg, snr


def airborne_observe(
    sensor: AirborneRadar,
    sensor_index: int,
    t_s: float,
    lat_rad: float,
    lon_rad: float,
    alt_m: float,
    r_eci_m: ArrayLike,
    rcs_m2: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
) -> Measurements:
    """One look of the airborne radar at geodetic (lat, lon, alt) and time ``t_s``.

    r_eci_m (n, 3) ECI targets; rcs_m2 (n,) mean RCS; exists (n,) flying.
    Measurements (R, az, el) in the platform's ENU. Draws n uniforms then n×3
    normals (fixed count). ``max_tracks`` of the radar limits detections to
    the closest visible objects, as for ground radars.
    """
    r_ecef = eci_to_ecef(np.asarray(r_eci_m, dtype=np.float64), gmst_rad)
    n = r_ecef.shape[0]
    vis, _, az, el, rg, snr = airborne_geometry(sensor, lat_rad, lon_rad, alt_m, r_ecef, rcs_m2)
    vis &= np.asarray(exists, dtype=bool)
    mt = sensor.radar.max_tracks
    if mt is not None and int(vis.sum()) > mt:
        idx = np.flatnonzero(vis)
        keep = idx[np.argsort(rg[idx], kind="stable")[:mt]]
        vis = np.zeros(n, dtype=bool)
        vis[keep] = True
    u = rng.random(n)
    noise = rng.standard_normal((n, 3))
    det = vis & (u < swerling1_pd(snr, sensor.radar.pfa))
    idx = np.flatnonzero(det)
    sigma = radar_sigmas(sensor.radar, snr[idx], el[idx])
    z = np.stack([rg[idx], az[idx], el[idx]], axis=-1) + sigma * noise[idx]
    z[:, 1] = np.mod(z[:, 1], 2.0 * math.pi)
    m = idx.size
    return Measurements(
        np.full(m, float(t_s)), np.full(m, sensor_index, np.int64), idx.astype(np.int64), z, sigma
    )
