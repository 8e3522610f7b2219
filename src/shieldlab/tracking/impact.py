"""Impact-point prediction and state propagation for tracked ballistic objects.

Coasting flight under point-mass + J2 gravity in ECI, **no drag** (the same
dynamics as the EKF prediction, see :mod:`shieldlab.tracking.ekf`), RK4 with
fixed steps; the impact is the first crossing of geodetic altitude 0
(WGS-84) located inside the step by :func:`shieldlab.core.integrate.rk4_until`.
The impact point is converted to geodetic coordinates after rotating ECI →
ECEF by GMST *at the impact time*, so the Earth's rotation during flight is
accounted for.

Assumption: no atmosphere. For a reentry vehicle with ballistic coefficient
β ~ 50–150 kPa the drag-free prediction overshoots by a few km from
midcourse; low-β objects (decoys, debris) fall much shorter. The sigma-point
impact covariance (:func:`impact_covariance`) propagates the track
covariance through the same coast (unscented transform, Julier & Uhlmann
2004, κ = 0: 12 points for a 6-state).
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import partial

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci_state,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    eci_to_ecef_state,
    enu_matrix,
    geodetic_to_ecef,
    great_circle_distance_m,
    radial_height_m,
)
from shieldlab.core.integrate import rk4_until
from shieldlab.core.time import gmst_at
from shieldlab.tracking.ekf import ballistic_deriv, propagate_states

F64 = NDArray[np.float64]


def _altitude(t: float | F64, y: F64) -> F64:
    """Height [m] of ECI states above the ellipsoid (radial; zero exactly on the ground)."""
    return radial_height_m(y[:, :3])


def predict_impact(
    x: ArrayLike,
    t_s: float,
    epoch: datetime,
    dt_s: float = 10.0,
    max_flight_s: float = 4000.0,
    j2: bool = True,
) -> tuple[F64, F64, F64, NDArray[np.bool_]]:
    """Impact point of coasting objects with ECI states ``x (n, 6)`` at time ``t_s``.

    Returns (impact_lat_rad (n,), impact_lon_rad (n,), t_impact_s (n,),
    ok (n,)); ``ok`` is false (and the outputs NaN) where the object does not
    reach altitude 0 within ``max_flight_s`` or is already at or below it.
    """
    y0 = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = y0.shape[0]
    nan = np.full(n, np.nan)
    if n == 0:
        return nan, nan.copy(), nan.copy(), np.zeros(0, bool)
    res = rk4_until(
        partial(ballistic_deriv, j2=j2),
        y0,
        float(t_s),
        dt_s,
        float(t_s) + max_flight_s,
        _altitude,
    )
    ok = np.isfinite(res.t_event_s)
    t_imp = res.t_event_s
    gmst = gmst_at(epoch, np.where(ok, t_imp, t_s))
    lat, lon, _ = ecef_to_geodetic(eci_to_ecef(res.y_event[:, :3], gmst))
    return np.where(ok, lat, nan), np.where(ok, lon, nan), np.where(ok, t_imp, nan), ok


def propagate(
    x: ArrayLike, t0_s: float, t_grid_s: ArrayLike, max_step_s: float = 10.0, j2: bool = True
) -> F64:
    """Predicted ECI states ``(n, k, 6)`` of coasting objects at times ``t_grid_s (k,)``.

    ``x (n, 6)`` at ``t0_s``; the grid may be in any order and include times
    before ``t0_s``. No ground stop: states below the surface are returned
    as flown (check the altitude if it matters).
    """
    x0 = np.atleast_2d(np.asarray(x, dtype=np.float64))
    tg = np.atleast_1d(np.asarray(t_grid_s, dtype=np.float64))
    out = np.empty((x0.shape[0], tg.size, 6))
    order = np.argsort(tg, kind="stable")
    # march forward through the later times and backward through the earlier ones
    for direction in (1, -1):
        idx = order[tg[order] >= t0_s] if direction == 1 else order[tg[order] < t0_s][::-1]
        cur, t_cur = x0, float(t0_s)
        for i in idx:
            cur = propagate_states(cur, float(tg[i]) - t_cur, max_step_s, j2)
            t_cur = float(tg[i])
            out[:, i] = cur
    return out


def impact_covariance(
    x: ArrayLike,
    P: ArrayLike,
    t_s: float,
    epoch: datetime,
    dt_s: float = 10.0,
    max_flight_s: float = 4000.0,
) -> tuple[F64, F64, F64, NDArray[np.bool_]]:
    """Impact point and its 2×2 east/north covariance [m²] by sigma points.

    x (n, 6), P (n, 6, 6) ECI at ``t_s``. Returns (lat_rad (n,), lon_rad (n,),
    cov_en_m2 (n, 2, 2), ok (n,)): the centre is the impact of the mean state;
    the covariance of the 12 sigma-point impacts ±√(6 P) columns (κ = 0,
    weights 1/12) in the local east–north plane of that centre. ``ok`` needs
    all 13 points to impact.
    """
    x0 = np.atleast_2d(np.asarray(x, dtype=np.float64))
    p0 = np.asarray(P, dtype=np.float64).reshape(-1, 6, 6)
    n = x0.shape[0]
    sq = np.linalg.cholesky(6.0 * p0)  # columns are the sigma directions
    dev = np.concatenate([np.swapaxes(sq, 1, 2), -np.swapaxes(sq, 1, 2)], axis=1)  # (n, 12, 6)
    pts = np.concatenate([x0[:, None, :], x0[:, None, :] + dev], axis=1).reshape(-1, 6)
    lat, lon, _, ok = predict_impact(pts, t_s, epoch, dt_s, max_flight_s)
    lat, lon, ok = lat.reshape(n, 13), lon.reshape(n, 13), ok.reshape(n, 13)
    good = np.asarray(ok.all(axis=1))
    latc, lonc = np.where(good, lat[:, 0], 0.0), np.where(good, lon[:, 0], 0.0)
    pts_ecef = geodetic_to_ecef(np.where(ok, lat, 0.0)[:, 1:], np.where(ok, lon, 0.0)[:, 1:])
    en = ecef_to_enu(pts_ecef, latc[:, None], lonc[:, None], 0.0)[..., :2]  # (n, 12, 2)
    mean = en.mean(axis=1, keepdims=True)
    d = en - mean
    cov: F64 = np.einsum("nki,nkj->nij", d, d) / 12.0
    cov[~good] = np.nan
    return np.where(good, lat[:, 0], np.nan), np.where(good, lon[:, 0], np.nan), cov, good


LEVEL_FLIGHT_HORIZON_S = 3600.0
"""How far ahead the level-flight predictor looks for a threatened asset [s]."""


def predict_level_flight(x: ArrayLike, t_s: float, epoch: datetime, t_grid_s: ArrayLike) -> F64:
    """ECI states ``(n, k, 6)`` of air-breathing or gliding threats on ``t_grid_s (k,)``.

    Model (for cruise missiles and glide vehicles, whose flight the ballistic
    predictor cannot follow): from the track state at ``t_s`` the object keeps
    its altitude and its ground speed along the great circle of its current
    ground heading (Earth-fixed), i.e. level flight toward where it points now.
    Scripted waypoints, pull-ups and terminal dives are not predicted (stated:
    the battle manager extrapolates the present course). Times before ``t_s``
    are held at the current state. Positions on the mean-radius sphere for the
    along-track step, geodetic altitude kept.
    """
    xx = np.atleast_2d(np.asarray(x, dtype=np.float64))
    tg = np.asarray(t_grid_s, dtype=np.float64).reshape(-1)
    n, k = xx.shape[0], tg.size
    gm0 = float(gmst_at(epoch, t_s))
    r_ecef, v_ecef = eci_to_ecef_state(xx[:, :3], xx[:, 3:], gm0)
    lat, lon, alt = ecef_to_geodetic(r_ecef)
    enu = enu_matrix(lat, lon)  # (n, 3, 3) ECEF → ENU
    v_enu = np.einsum("nij,nj->ni", enu, v_ecef)
    speed = np.hypot(v_enu[:, 0], v_enu[:, 1])
    az = np.arctan2(v_enu[:, 0], v_enu[:, 1])
    dt = np.maximum(tg[None, :] - t_s, 0.0)  # (1, k)
    lat_k, lon_k = destination_point(lat[:, None], lon[:, None], az[:, None], speed[:, None] * dt)
    r_k = geodetic_to_ecef(lat_k, lon_k, np.broadcast_to(alt[:, None], (n, k)))
    # velocity: along-track finite difference over 1 s (the great circle's tangent)
    lat_n, lon_n = destination_point(
        lat[:, None], lon[:, None], az[:, None], speed[:, None] * (dt + 1.0)
    )
    v_k = geodetic_to_ecef(lat_n, lon_n, np.broadcast_to(alt[:, None], (n, k))) - r_k
    gm = gmst_at(epoch, np.maximum(tg, t_s))[None, :]
    r_eci, v_eci = ecef_to_eci_state(r_k, v_k, gm)
    return np.concatenate([r_eci, v_eci], axis=-1)


def level_flight_threat(
    states_eci: ArrayLike,
    t_grid_s: ArrayLike,
    epoch: datetime,
    asset_lat_rad: ArrayLike,
    asset_lon_rad: ArrayLike,
    asset_radius_m: ArrayLike,
    heading_sigma_rad: float = 0.0,
) -> tuple[NDArray[np.int64], F64]:
    """First defended asset each predicted level-flight path enters, and when.

    states_eci (n, k, 6) on t_grid_s (k,); assets (a,). Returns the asset index
    (n,) (−1: none within the grid) and the time it enters the asset's circle
    (n,) [s] (NaN: none) — the threatened asset and "impact" time of a cruise
    missile or glide vehicle. ``heading_sigma_rad`` widens each circle along the
    path by d·tan(σ_h), d the distance flown from the first point: the
    cross-range uncertainty of a straight-line extrapolation of a vehicle that
    can turn (a glide vehicle's bank steering, a cruise missile's waypoints).
    """
    st = np.asarray(states_eci, dtype=np.float64)
    tg = np.asarray(t_grid_s, dtype=np.float64).reshape(-1)
    n, k = st.shape[0], st.shape[1]
    alat = np.asarray(asset_lat_rad, dtype=np.float64).reshape(-1)
    if n == 0 or k == 0 or alat.size == 0:
        return np.full(n, -1, np.int64), np.full(n, np.nan)
    gm = gmst_at(epoch, tg)[None, :]
    lat, lon, _ = ecef_to_geodetic(eci_to_ecef(st[..., :3], gm))
    d = great_circle_distance_m(
        lat[..., None],
        lon[..., None],
        alat[None, None, :],
        np.asarray(asset_lon_rad, dtype=np.float64).reshape(-1)[None, None, :],
    )  # (n, k, a)
    flown = great_circle_distance_m(lat[:, :1], lon[:, :1], lat, lon)  # (n, k)
    widen = flown * math.tan(heading_sigma_rad)
    radius = np.asarray(asset_radius_m, dtype=np.float64).reshape(-1)[None, None, :]
    inside = np.asarray(d <= radius + widen[..., None], dtype=bool)
    any_k = np.any(inside, axis=2)  # (n, k)
    hit = np.any(any_k, axis=1)
    k_first = np.argmax(any_k, axis=1)
    a_first = np.argmax(inside[np.arange(n), k_first], axis=1)
    return (
        np.where(hit, a_first, -1).astype(np.int64),
        np.where(hit, tg[k_first], np.nan),
    )
