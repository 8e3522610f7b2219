"""Synthetic single-radar scenes for filter validation and tracker benchmarks.

A truth arc flown with RK4 (any derivative: ballistic point-mass + J2 by
default, or one with scripted manoeuvres), sampled every ``dt_s``, and one
radar placed at a given bearing and distance from the sub-point of the
mid-flight position — far enough aside that the pass never nears the zenith
(where azimuth is ill-conditioned). The noise-free (range, az, el) of every
sample and a helper that adds Gaussian noise with azimuth wrap-around. Used by
the EKF/UKF/IMM consistency tests (NEES against χ², Bar-Shalom, Li &
Kirubarajan 2001 §5.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.frames import (
    aer_to_enu,
    destination_point,
    ecef_to_aer,
    ecef_to_eci,
    ecef_to_eci_state,
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
)
from shieldlab.core.integrate import rk4
from shieldlab.core.time import gmst_at
from shieldlab.sensors.measurements import Measurements
from shieldlab.tracking.ekf import ballistic_deriv

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class RadarScene:
    """Truth (T, 6) ECI at t_s (T,), GMST (T,), the radar's ECEF position (3,) and
    ECEF→ENU rotation (3, 3), and the noise-free (range, az, el) (T, 3)."""

    t_s: F64
    truth: F64
    gmst: F64
    site_ecef: F64
    site_enu: F64
    z_true: F64

    def as_dict(self) -> dict[str, F64]:
        """The fields by name (``t`` for ``t_s``), for tests that index a dict."""
        return {
            "t": self.t_s,
            "truth": self.truth,
            "gmst": self.gmst,
            "site_ecef": self.site_ecef,
            "site_enu": self.site_enu,
            "z_true": self.z_true,
        }


def arc_state(
    lat_deg: float,
    lon_deg: float,
    alt_m: float,
    speed_mps: float,
    heading_deg: float,
    climb_mps: float,
    epoch: datetime,
) -> F64:
    """ECI state (6,) at the epoch of an object over (lat, lon, alt) moving with a
    horizontal Earth-relative speed along ``heading_deg`` and a vertical rate."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    r_ecef = geodetic_to_ecef(lat, lon, alt_m)
    h = math.radians(heading_deg)
    v_enu = np.array([speed_mps * math.sin(h), speed_mps * math.cos(h), climb_mps])
    v_ecef = enu_matrix(lat, lon).T @ v_enu
    r, v = ecef_to_eci_state(r_ecef, v_ecef, gmst_at(epoch, 0.0))
    return np.concatenate([r, v])


def radar_scene(
    x0: ArrayLike,
    epoch: datetime,
    dt_s: float,
    t_end_s: float,
    site_bearing_deg: float,
    site_distance_m: float,
    deriv: Callable[[float, F64], F64] = ballistic_deriv,
    substep_s: float = 1.0,
) -> RadarScene:
    """Fly ``x0`` (6,) with RK4 steps of ``substep_s`` (``dt_s`` a multiple of it),
    sample every ``dt_s`` to ``t_end_s``, and place the radar ``site_distance_m``
    from the mid-flight sub-point along ``site_bearing_deg`` (at sea level)."""
    t = np.arange(0.0, t_end_s + 0.5 * substep_s, substep_s)
    truth = rk4(deriv, np.asarray(x0, dtype=np.float64)[None, :], t)[:, 0]
    keep = np.arange(0, t.size, round(dt_s / substep_s))
    t, truth = t[keep], truth[keep]
    gmst = gmst_at(epoch, t)
    mid = t.size // 2
    lat0, lon0, _ = ecef_to_geodetic(eci_to_ecef(truth[mid, :3], gmst[mid]))
    lat, lon = destination_point(lat0, lon0, math.radians(site_bearing_deg), site_distance_m)
    az, el, rg = ecef_to_aer(eci_to_ecef(truth[:, :3], gmst), lat, lon, 0.0)
    return RadarScene(
        t_s=t,
        truth=truth,
        gmst=np.asarray(gmst, dtype=np.float64),
        site_ecef=geodetic_to_ecef(lat, lon, 0.0),
        site_enu=enu_matrix(lat, lon),
        z_true=np.stack([rg, az, el], axis=-1),
    )


def noisy_aer(z: ArrayLike, sigma: ArrayLike, rng: np.random.Generator, n: int) -> F64:
    """``n`` noisy copies (n, 3) of one (range, az, el) with per-axis σ; az wrapped to [0, 2π)."""
    out = np.asarray(z, dtype=np.float64) + np.asarray(sigma) * rng.standard_normal((n, 3))
    out[:, 1] = np.mod(out[:, 1], 2.0 * math.pi)
    return out


def points_from_site_eci(
    site_ecef_m: ArrayLike,
    site_enu: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    range_m: ArrayLike,
    t_s: float,
    epoch: datetime,
) -> F64:
    """ECI positions (n, 3) at ``t_s`` of points given by (az, el, range) from a site
    (ECEF position (3,), ECEF→ENU rotation (3, 3))."""
    ecef = np.asarray(site_ecef_m) + aer_to_enu(az_rad, el_rad, range_m) @ np.asarray(site_enu)
    return ecef_to_eci(ecef, gmst_at(epoch, t_s))


def ballistic_velocity(
    r_eci_m: F64, heading_rad: ArrayLike, speed_mps: float, gamma_rad: float
) -> F64:
    """ECI velocities (n, 3) of given speed, flight-path angle and heading from local
    north (the inertial local frame of each position; Earth rotation not added)."""
    up = r_eci_m / np.linalg.norm(r_eci_m, axis=-1, keepdims=True)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east, axis=-1, keepdims=True)
    north = np.cross(up, east)
    hd = np.asarray(heading_rad, dtype=np.float64)
    h = np.cos(hd)[:, None] * north + np.sin(hd)[:, None] * east
    return np.asarray(speed_mps * (math.cos(gamma_rad) * h + math.sin(gamma_rad) * up))


def radar_scans(
    truth: ArrayLike,
    exists: ArrayLike,
    t_grid_s: ArrayLike,
    epoch: datetime,
    site_lat_rad: float,
    site_lon_rad: float,
    site_alt_m: float,
    sigma: ArrayLike,
    rng: np.random.Generator,
    pd: float = 0.9,
    clutter_rate: float = 5.0,
    clutter_window: tuple[tuple[float, float], ...] = (
        (800e3, 3000e3),
        (-0.3, 2.0),
        (0.03, 0.9),
    ),
) -> tuple[NDArray[np.bool_], list[tuple[int, float, Measurements]]]:
    """Scans of one radar (sensor 0) over a truth ``(T, n, 6)`` ECI: per scan, each
    existing object above the horizon detected with ``pd`` and Gaussian (R, az, el)
    noise ``sigma``, plus Poisson(``clutter_rate``) false alarms uniform in the
    (range, az, el) window, shuffled (a tracker must not rely on order).

    Returns (visible (T, n), scans). Random draws per scan, in order: n uniforms,
    the detections' normals, one Poisson, the clutter uniforms, a permutation.
    """
    tr = np.asarray(truth, dtype=np.float64)
    ex = np.asarray(exists, dtype=bool)
    t_grid = np.asarray(t_grid_s, dtype=np.float64)
    sig = np.asarray(sigma, dtype=np.float64)
    n = tr.shape[1]
    gmst = gmst_at(epoch, t_grid)
    lo = np.array([w[0] for w in clutter_window])
    hi = np.array([w[1] for w in clutter_window])
    visible = np.zeros((t_grid.size, n), dtype=bool)
    out = []
    for k, t in enumerate(t_grid):  # loop over scans
        ecef = eci_to_ecef(tr[k, :, :3], gmst[k])
        az, el, rg = ecef_to_aer(ecef, site_lat_rad, site_lon_rad, site_alt_m)
        visible[k] = el > 0
        det = ex[k] & visible[k] & (rng.random(n) < pd)
        z = np.stack([rg, az, el], axis=-1)[det] + rng.normal(size=(int(det.sum()), 3)) * sig
        nc = rng.poisson(clutter_rate)
        zc = lo + (hi - lo) * rng.random((nc, 3))
        zz = np.concatenate([z, zc])
        zz[:, 1] = np.mod(zz[:, 1], 2.0 * math.pi)
        perm = rng.permutation(zz.shape[0])
        oid = np.concatenate([np.flatnonzero(det), np.full(nc, -1)])[perm]
        m = zz.shape[0]
        meas = Measurements(
            np.full(m, float(t)),
            np.zeros(m, np.int64),
            oid.astype(np.int64),
            zz[perm],
            np.broadcast_to(sig, (m, 3)).copy(),
        )
        out.append((0, float(t), meas))
    return visible, out
