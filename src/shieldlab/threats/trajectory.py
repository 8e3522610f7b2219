"""Truth trajectories of ballistic missiles on one common time grid (ECI).

:func:`fly_ballistic` solves the aim (azimuth, pitch-over kick) of a batch of
missiles of one type (:mod:`shieldlab.threats.aim`), flies them with the fine
steps (:mod:`shieldlab.threats.ballistic`) and samples every object on the
uniform grid t = 0, dt, … up to the last impact, in ECI (z on the rotation
axis, GMST from ``core.time.gmst_at``). Between integrator nodes the state is
a cubic Hermite interpolant (positions with velocities, velocities with
accelerations), 4th-order accurate. Before its launch an object sits on its
launch site and after its impact on its impact point, both turning with the
Earth (phases PRELAUNCH and IMPACTED; RCS and plume 0 there).

Phases: BOOST until the last stage burns out, MIDCOURSE until the RV descends
through 120 km, REENTRY until the geodetic height reaches 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci,
    great_circle_distance_m,
)
from shieldlab.core.time import gmst_at
from shieldlab.threats.aim import solve_aim
from shieldlab.threats.ballistic import Flight, burnout_gamma_rad
from shieldlab.threats.catalog import BallisticMissileSpec
from shieldlab.threats.truth import (
    OBJECT_RV,
    PHASE_BOOST,
    PHASE_IMPACTED,
    PHASE_MIDCOURSE,
    PHASE_PRELAUNCH,
    PHASE_REENTRY,
    Trajectories,
    concat_trajectories,
    pad_trajectories,
)

F64 = NDArray[np.float64]

__all__ = [
    "PHASE_BOOST",
    "PHASE_IMPACTED",
    "PHASE_MIDCOURSE",
    "PHASE_PRELAUNCH",
    "PHASE_REENTRY",
    "Trajectories",
    "aim_point_at_range",
    "concat_trajectories",
    "fly_ballistic",
    "fly_salvo",
    "pad_trajectories",
    "sample_flight",
    "summary_rows",
]


def _ground_state(r_ecef: F64, t: F64, epoch: datetime) -> tuple[F64, F64]:
    """ECI state (n, T, 3) of points fixed on the Earth (ECEF (n, 3)) at times (T,)."""
    th = gmst_at(epoch, t)  # (T,)
    r = ecef_to_eci(r_ecef[:, None, :], th[None, :])
    v = np.empty_like(r)
    v[..., 0] = -WGS84_OMEGA_RAD_S * r[..., 1]
    v[..., 1] = WGS84_OMEGA_RAD_S * r[..., 0]
    v[..., 2] = 0.0
    return r, v


def sample_flight(
    flight: Flight,
    t_launch_s: F64,
    t_grid_s: F64,
    epoch: datetime,
) -> tuple[F64, F64, NDArray[np.int8], F64, F64]:
    """Sample a launch-frame batch flight on an absolute time grid, in ECI.

    Returns r (n, T, 3), v (n, T, 3), phase (n, T), rcs (n, T), plume (n, T).
    """
    n, nt = t_launch_s.size, t_grid_s.size
    tau = t_grid_s[None, :] - t_launch_s[:, None]  # (n, T)
    r_pre, v_pre = _ground_state(flight.r_launch_ecef_m, t_grid_s, epoch)
    r_imp, v_imp = _ground_state(flight.r_impact_ecef_m, t_grid_s, epoch)
    pre = tau < 0.0
    post = tau >= flight.tau_impact_s[:, None]
    r = np.where(pre[..., None], r_pre, r_imp)
    v = np.where(pre[..., None], v_pre, v_imp)
    phase = np.where(pre, PHASE_PRELAUNCH, PHASE_IMPACTED).astype(np.int8)
    rcs = np.zeros((n, nt))
    plume = np.zeros((n, nt))
    theta = gmst_at(epoch, t_launch_s)  # launch frame = ECEF at launch
    for seg in flight.segments:
        inside = (tau >= seg.tau0_s[:, None]) & (tau < seg.tau_end_s[:, None]) & ~pre & ~post
        if not inside.any():
            continue
        ii, jj = np.nonzero(inside)
        tq = tau[ii, jj]
        kmax = seg.y.shape[0] - 2
        if kmax < 0:
            continue
        h_i = np.broadcast_to(seg.h_s, (n,))[ii]
        x = (tq - seg.tau0_s[ii]) / h_i
        k = np.clip(np.floor(x).astype(np.int64), 0, kmax)
        node = seg.tau0_s[ii] + k * h_i
        h_eff = np.clip(np.minimum(h_i, seg.tau_end_s[ii] - node), 1e-12, None)
        s = np.clip((tq - node) / h_eff, 0.0, 1.0)[:, None]
        y0, y1 = seg.y[k, ii], seg.y[k + 1, ii]
        a0, a1 = seg.a[k, ii], seg.a[k + 1, ii]
        hh = h_eff[:, None]
        h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
        h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
        rl = h00 * y0[:, :3] + h10 * hh * y0[:, 3:] + h01 * y1[:, :3] + h11 * hh * y1[:, 3:]
        vl = h00 * y0[:, 3:] + h10 * hh * a0 + h01 * y1[:, 3:] + h11 * hh * a1
        r[ii, jj] = ecef_to_eci(rl, theta[ii])
        v[ii, jj] = ecef_to_eci(vl, theta[ii])
        phase[ii, jj] = seg.phase
        rcs[ii, jj] = seg.rcs_m2
        plume[ii, jj] = seg.plume_w_sr
    return r, v, phase, rcs, plume


def fly_ballistic(
    spec: BallisticMissileSpec,
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike,
    epoch: datetime,
    dt_s: float = 1.0,
    branch: Literal["minimum-energy", "lofted", "depressed"] | None = None,
    shape: str | None = None,
    gamma_offset_deg: float | None = None,
    burnout_gamma_deg: float | None = None,
    long_way: bool = False,
) -> Trajectories:
    """Aim and fly n missiles of one type; truth on a common grid of step ``dt_s`` (ECI).

    Arrays (n,) in (geodetic radians; launch times [s] from ``epoch``).
    Options (also catalog/scenario ``options``): ``shape`` =
    ``minimum-energy`` (default; energy-managed: cut-off or GEMS) ``| lofted
    | depressed`` (full burn; ``branch`` is its alias),
    ``gamma_offset_deg`` (burnout γ that far above/below the
    minimum-energy angle), ``burnout_gamma_deg`` (γ given),
    ``long_way`` (fly the long great-circle arc). See
    :func:`shieldlab.threats.aim.solve_aim`. Raises ``ValueError`` if an aim
    point is beyond the maximum range or an option is not allowed.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.broadcast_to(np.asarray(launch_lon_rad, np.float64), lat.shape).copy()
    alat = np.broadcast_to(np.asarray(aim_lat_rad, np.float64), lat.shape).copy()
    alon = np.broadcast_to(np.asarray(aim_lon_rad, np.float64), lat.shape).copy()
    t_launch = np.broadcast_to(np.asarray(t_launch_s, np.float64), lat.shape).copy()
    if dt_s <= 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    sol = solve_aim(
        spec,
        lat,
        lon,
        alat,
        alon,
        branch=branch,
        shape=shape,
        gamma_offset_deg=None if gamma_offset_deg is None else float(gamma_offset_deg),
        burnout_gamma_deg=None if burnout_gamma_deg is None else float(burnout_gamma_deg),
        long_way=bool(long_way),
    )
    return _assemble(sol.flight, t_launch, alat, alon, epoch, dt_s, None)


def _assemble(
    fl: Flight,
    t_launch: F64,
    alat: F64,
    alon: F64,
    epoch: datetime,
    dt_s: float,
    t_end_s: float | None,
) -> Trajectories:
    t_imp = t_launch + fl.tau_impact_s
    last = float(np.max(t_imp)) if t_end_s is None else t_end_s
    nt = int(np.ceil(last / dt_s - 1e-9)) + 1
    t_grid: F64 = np.arange(nt, dtype=np.float64) * dt_s
    r, v, phase, rcs, plume = sample_flight(fl, t_launch, t_grid, epoch)
    miss = great_circle_distance_m(fl.impact_lat_rad, fl.impact_lon_rad, alat, alon)
    return Trajectories(
        t_s=t_grid,
        r_eci_m=r,
        v_eci_mps=v,
        phase=phase,
        rcs_m2=rcs,
        plume_w_sr=plume,
        t_launch_s=t_launch,
        t_burnout_s=t_launch + fl.tau_burnout_s,
        t_impact_s=t_imp,
        burnout_alt_m=fl.burnout_alt_m,
        burnout_speed_mps=np.linalg.norm(fl.v_burnout_mps, axis=1),
        apogee_alt_m=fl.apogee_alt_m,
        ground_range_m=great_circle_distance_m(
            fl.launch_lat_rad, fl.launch_lon_rad, fl.impact_lat_rad, fl.impact_lon_rad
        ),
        flight_time_s=fl.tau_impact_s.copy(),
        launch_lat_rad=fl.launch_lat_rad,
        launch_lon_rad=fl.launch_lon_rad,
        aim_lat_rad=alat,
        aim_lon_rad=alon,
        impact_lat_rad=fl.impact_lat_rad,
        impact_lon_rad=fl.impact_lon_rad,
        miss_m=miss,
        object_kind=np.full(fl.launch_lat_rad.size, OBJECT_RV, np.int8),
        launch_index=np.arange(fl.launch_lat_rad.size, dtype=np.int64),
        body_temp_k=np.zeros_like(rcs),
    )


def fly_salvo(
    specs: Sequence[BallisticMissileSpec],
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike,
    epoch: datetime,
    dt_s: float = 1.0,
) -> Trajectories:
    """Fly a salvo of possibly mixed types: ``specs[i]`` for missile i; objects keep their order.

    One batch per type, joined on a shared grid.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    n = lat.size
    if len(specs) != n:
        raise ValueError(f"fly_salvo: {len(specs)} specs for {n} missiles")
    lon, alat, alon, t_launch = (
        np.broadcast_to(np.asarray(a, np.float64), lat.shape)
        for a in (launch_lon_rad, aim_lat_rad, aim_lon_rad, t_launch_s)
    )
    names = [s.name for s in specs]
    order: list[int] = []
    parts: list[Trajectories] = []
    for name in dict.fromkeys(names):
        idx = np.array([i for i, nm in enumerate(names) if nm == name])
        spec = specs[int(idx[0])]
        parts.append(
            fly_ballistic(
                spec, lat[idx], lon[idx], alat[idx], alon[idx], t_launch[idx], epoch, dt_s
            )
        )
        order.extend(idx.tolist())
    joined = concat_trajectories(parts)
    inv = np.argsort(np.array(order))
    values: dict[str, Any] = {
        f.name: getattr(joined, f.name) if f.name == "t_s" else getattr(joined, f.name)[inv]
        for f in fields(Trajectories)
    }
    values["launch_index"] = np.arange(n, dtype=np.int64)
    return Trajectories(**values)


def aim_point_at_range(
    launch_lat_rad: float, launch_lon_rad: float, azimuth_rad: float, range_m: float
) -> tuple[float, float]:
    """Aim point [rad] at a great-circle ``range_m`` on ``azimuth_rad`` from the launch point."""
    lat, lon = destination_point(launch_lat_rad, launch_lon_rad, azimuth_rad, range_m)
    return float(lat), float(lon)


def burnout_gamma_deg_of(tr: Trajectories) -> F64:
    """Inertial flight-path angle at burnout [rad] (n,) from the sampled truth (ECI, linear).

    Geocentric horizontal; NaN where the burnout time is off the grid.
    """
    dt = tr.dt_s
    x = (tr.t_burnout_s - tr.t_s[0]) / dt
    ok = np.isfinite(x) & (x >= 0) & (x <= tr.t_s.size - 1)
    k = np.clip(np.floor(np.nan_to_num(x)).astype(np.int64), 0, max(tr.t_s.size - 2, 0))
    rows = np.arange(tr.n)
    s = np.clip(np.nan_to_num(x) - k, 0.0, 1.0)
    k1 = np.minimum(k + 1, tr.t_s.size - 1)
    # the sample before burnout carries the boost state: use the left node's state
    # where burnout falls on a node, otherwise interpolate linearly (γ varies slowly)
    r = (1 - s)[:, None] * tr.r_eci_m[rows, k] + s[:, None] * tr.r_eci_m[rows, k1]
    v = (1 - s)[:, None] * tr.v_eci_mps[rows, k] + s[:, None] * tr.v_eci_mps[rows, k1]
    return np.where(ok, burnout_gamma_rad(r, v), np.nan)


def summary_rows(tr: Trajectories) -> list[dict[str, float]]:
    """One row per object for the ``shieldlab fly`` table (display units: s, km, km/s, deg, m)."""
    gam = burnout_gamma_deg_of(tr)
    rows = []
    for i in range(tr.n):
        rows.append(
            {
                "burnout_time_s": float(tr.t_burnout_s[i] - tr.t_launch_s[i]),
                "burnout_alt_km": float(tr.burnout_alt_m[i] / 1e3),
                "burnout_speed_kmps": float(tr.burnout_speed_mps[i] / 1e3),
                "burnout_gamma_deg": float(np.degrees(gam[i])),
                "apogee_alt_km": float(tr.apogee_alt_m[i] / 1e3),
                "ground_range_km": float(tr.ground_range_m[i] / 1e3),
                "flight_time_s": float(tr.flight_time_s[i]),
                "impact_lat_deg": float(np.degrees(tr.impact_lat_rad[i])),
                "impact_lon_deg": float(np.degrees(tr.impact_lon_rad[i])),
                "miss_m": float(tr.miss_m[i]),
            }
        )
    return rows
