"""Aim solver: launch azimuth and pitch-over kick that put each missile on its aim point.

Unknowns per missile: the launch azimuth and the pitch-over kick angle (see
:mod:`shieldlab.threats.ballistic`); residual: the impact point's East/North
offset [m] in the aim point's local tangent plane. Whole-batch procedure:

1. **Scan.** One coarse batch flight over a geometric grid of kicks at the
   great-circle azimuth, then a finer grid around the range maximum, gives
   each missile's range-vs-kick curve, its maximum range and a first guess.
2. **Newton.** Forward-difference Jacobian in (azimuth, kick), one coarse
   batch flight of 3 objects per unconverged missile per iteration. Earth
   rotation (the launch site moves ~350 m/s eastward at 40° latitude, so an
   eastward shot goes ~40 % further than a westward one with the same kick)
   and the Coriolis deflection are absorbed by the azimuth unknown.
3. **Fine flight.** The final flight uses the fine steps; one or two Newton
   corrections with the last Jacobian remove the coarse-grid bias.

Solution branch. A solid motor burns to depletion (no thrust termination), so
below its maximum range a full-burn missile reaches a target on two
trajectories whose burnout flight-path angles are, in the Kepler
approximation, symmetric about the minimum-energy angle γ* = (π/2 − Ψ/2)/2
(Ψ range angle; from the range equation sin(2γ + Ψ/2) = (2 − Q)/Q ·
sin(Ψ/2), Q = v²r/μ; Bate, Mueller & White 1971 §6.2): a lofted one
(γ = γ* + δ) and a depressed one (γ = γ* − δ). Both are equally "near" the
minimum-energy trajectory in γ; the default takes the **lofted** branch
(kick below the range-maximising kick), because (i) it is the branch the
full-burn missile flies without energy-wasting manoeuvres and with the kick
range monotonic and well conditioned, (ii) the depressed branch grazes the
atmosphere well below the maximum range (for the generic solid ICBM at half
its maximum range it burns out below ~80 km with an apogee near 120 km),
(iii) it is the trajectory the open literature uses for reduced-range full-burn flights (e.g. lofted
test shots, Wright, Grego & Gronlund 2005, ch. 11). ``branch="depressed"``
selects the other one where it exists. Targets beyond the maximum range raise
``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.frames import (
    ecef_to_enu,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.threats.ballistic import (
    COARSE_STEPS,
    FINE_STEPS,
    Flight,
    PhysicsFlags,
    StepSizes,
    fly_batch,
)
from shieldlab.threats.catalog import BallisticMissileSpec

F64 = NDArray[np.float64]

KICK_MIN_RAD = np.radians(0.05)
KICK_MAX_RAD = np.radians(75.0)
_N_SCAN = 18
_N_REFINE = 8
_FD_AZ_RAD = 2e-5
_FD_KICK_RAD = 2e-5
SCAN_MIN_BURNOUT_ALT_M = 90e3
"""Scan flights burning out lower than this are skipped (grazing, never an ICBM's best)."""
COARSE_TOL_M = 20.0
"""Convergence of the coarse Newton iterations [m]."""
FINE_TOL_M = 30.0
"""Target miss after the fine flight [m]; corrected with the last Jacobian if larger."""


@dataclass(frozen=True)
class AimSolution:
    """Per-missile solution (arrays (n,)) and the final fine flight (launch frames)."""

    azimuth_rad: F64
    kick_rad: F64
    max_range_m: F64
    miss_m: F64
    flight: Flight


def _residual(flight: Flight, aim_lat: F64, aim_lon: F64) -> F64:
    """Impact East/North offset [m] in the aim point's tangent plane, (n, 2); NaN if not ok."""
    enu = ecef_to_enu(flight.r_impact_ecef_m, aim_lat, aim_lon, 0.0)
    out = enu[:, :2].copy()
    out[~flight.ok] = np.nan
    return out


def _ranges(flight: Flight) -> F64:
    d = great_circle_distance_m(
        flight.launch_lat_rad, flight.launch_lon_rad, flight.impact_lat_rad, flight.impact_lon_rad
    )
    return np.where(flight.ok, d, np.nan)


def _scan(
    spec: BallisticMissileSpec, lat: F64, lon: F64, az: F64, kicks: F64, flags: PhysicsFlags
) -> F64:
    """Ranges [m] (n, K) for each missile at each of its kicks (n, K) (coarse flight)."""
    n, k = kicks.shape
    fl = fly_batch(
        spec,
        np.repeat(lat, k),
        np.repeat(lon, k),
        np.repeat(az, k),
        kicks.ravel(),
        COARSE_STEPS,
        flags,
        min_burnout_alt_m=SCAN_MIN_BURNOUT_ALT_M,
    )
    return _ranges(fl).reshape(n, k)


def scan_range(
    spec: BallisticMissileSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    azimuth_rad: F64,
    flags: PhysicsFlags = PhysicsFlags(),  # noqa: B008 - frozen, immutable default
) -> tuple[F64, F64, F64, F64]:
    """Range-vs-kick curves and maximum range for launches on given azimuths.

    Returns (kicks (n, K) sorted, ranges (n, K) [m], max range (n,) [m], kick
    of max range (n,) [rad]). Coarse steps; the maximum is refined on a second
    grid around the best first-grid point and a parabola through the top three.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.atleast_1d(np.asarray(launch_lon_rad, np.float64))
    az = np.broadcast_to(np.asarray(azimuth_rad, np.float64), lat.shape)
    n = lat.size
    k1 = np.tile(np.geomspace(KICK_MIN_RAD, KICK_MAX_RAD, _N_SCAN), (n, 1))
    d1 = _scan(spec, lat, lon, az, k1, flags)
    j = np.argmax(np.nan_to_num(d1, nan=-1.0), axis=1)
    lo = k1[np.arange(n), np.clip(j - 1, 0, _N_SCAN - 1)]
    hi = k1[np.arange(n), np.clip(j + 1, 0, _N_SCAN - 1)]
    frac = np.linspace(0.0, 1.0, _N_REFINE + 2)[1:-1]
    k2 = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
    d2 = _scan(spec, lat, lon, az, k2, flags)
    kicks = np.concatenate([k1, k2], axis=1)
    ranges = np.concatenate([d1, d2], axis=1)
    order = np.argsort(kicks, axis=1)
    kicks = np.take_along_axis(kicks, order, axis=1)
    ranges = np.take_along_axis(ranges, order, axis=1)
    dd = np.nan_to_num(ranges, nan=-1.0)
    jm = np.clip(np.argmax(dd, axis=1), 1, kicks.shape[1] - 2)
    rows = np.arange(n)
    x0, x1, x2 = kicks[rows, jm - 1], kicks[rows, jm], kicks[rows, jm + 1]
    y0, y1, y2 = dd[rows, jm - 1], dd[rows, jm], dd[rows, jm + 1]
    # parabola through three points (unequal spacing)
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den
    b = (x2**2 * (y0 - y1) + x1**2 * (y2 - y0) + x0**2 * (y1 - y2)) / den
    good = (a < 0) & (y0 > 0) & (y2 > 0)
    xv = np.where(good, -b / np.where(good, 2 * a, 1.0), x1)
    xv = np.clip(xv, x0, x2)
    c = y1 - a * x1**2 - b * x1
    yv = np.where(good, a * xv**2 + b * xv + c, y1)
    yv = np.maximum(yv, dd.max(axis=1))
    return kicks, ranges, yv, xv


def _initial_kick(
    kicks: F64, ranges: F64, target: F64, kick_max: F64, branch: str
) -> tuple[F64, F64, F64]:
    """First guess and bracket (lo, hi) of the kick on the chosen branch (linear interpolation)."""
    n, k = kicks.shape
    dd = np.nan_to_num(ranges, nan=-1.0)
    for_lofted = branch == "lofted"
    # vectorised over missiles: mask of grid points on the branch side of the maximum
    side = kicks <= kick_max[:, None] if for_lofted else kicks >= kick_max[:, None]
    above = (dd >= target[:, None]) & side
    idx = np.arange(k)[None, :]
    if for_lofted:
        # last point below the target before the first point above it
        first_above = np.where(above, idx, k).min(axis=1)
        ia = np.clip(first_above, 1, k - 1)
        ib = np.clip(ia - 1, 0, k - 1)
    else:
        last_above = np.where(above, idx, -1).max(axis=1)
        ib = np.clip(last_above, 0, k - 2)
        ia = ib + 1
    rows = np.arange(n)
    ka, kb = kicks[rows, ia], kicks[rows, ib]
    da, db = dd[rows, ia], dd[rows, ib]
    w = np.clip((target - db) / np.where(da != db, da - db, 1.0), 0.0, 1.0)
    guess = kb + w * (ka - kb)
    if for_lofted:
        lo = np.full(n, KICK_MIN_RAD)
        hi = kick_max
    else:
        lo = kick_max
        hi = np.full(n, KICK_MAX_RAD)
    return guess, lo, hi


def solve_aim(
    spec: BallisticMissileSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    aim_lat_rad: F64,
    aim_lon_rad: F64,
    branch: Literal["lofted", "depressed"] = "lofted",
    flags: PhysicsFlags = PhysicsFlags(),  # noqa: B008 - frozen, immutable default
    fine_steps: StepSizes = FINE_STEPS,
    max_iter: int = 10,
) -> AimSolution:
    """Solve azimuth and kick for each missile so that it impacts its aim point (arrays (n,)).

    Raises ``ValueError`` ("target at X km is beyond the maximum range Y km of
    NAME") when an aim point is out of reach, and when the solve does not
    converge to within 1 km. Launch and aim points geodetic [rad].
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.atleast_1d(np.asarray(launch_lon_rad, np.float64))
    alat = np.broadcast_to(np.asarray(aim_lat_rad, np.float64), lat.shape).copy()
    alon = np.broadcast_to(np.asarray(aim_lon_rad, np.float64), lat.shape).copy()
    n = lat.size
    target = great_circle_distance_m(lat, lon, alat, alon)
    az = initial_azimuth_rad(lat, lon, alat, alon)
    kicks, ranges, dmax, kmax = scan_range(spec, lat, lon, az, flags)
    far = target > dmax
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise ValueError(
            f"target at {target[i] / 1e3:.0f} km is beyond the maximum range "
            f"{dmax[i] / 1e3:.0f} km of {spec.name} (launch {np.degrees(lat[i]):.2f}, "
            f"{np.degrees(lon[i]):.2f} deg, azimuth {np.degrees(az[i]):.1f} deg)"
        )
    kick, k_lo, k_hi = _initial_kick(kicks, ranges, target, kmax, branch)
    jac = np.zeros((n, 2, 2))
    todo = np.ones(n, bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        m = idx.size
        a3 = np.concatenate([az[idx], az[idx] + _FD_AZ_RAD, az[idx]])
        k3 = np.concatenate([kick[idx], kick[idx], kick[idx] + _FD_KICK_RAD])
        fl = fly_batch(
            spec, np.tile(lat[idx], 3), np.tile(lon[idx], 3), a3, k3, COARSE_STEPS, flags
        )
        res = _residual(fl, np.tile(alat[idx], 3), np.tile(alon[idx], 3))
        f0, fa, fk = res[:m], res[m : 2 * m], res[2 * m :]
        j = np.stack([(fa - f0) / _FD_AZ_RAD, (fk - f0) / _FD_KICK_RAD], axis=-1)
        jac[idx] = j
        done = np.hypot(f0[:, 0], f0[:, 1]) < COARSE_TOL_M
        az[idx], kick[idx] = _newton_update(az[idx], kick[idx], j, f0, k_lo[idx], k_hi[idx], done)
        todo[idx[done]] = False
    # fine flight with up to two corrections using the last coarse Jacobian
    fl = fly_batch(spec, lat, lon, az, kick, fine_steps, flags)
    res = _residual(fl, alat, alon)
    for _ in range(2):
        miss = np.hypot(res[:, 0], res[:, 1])
        bad = ~(miss < FINE_TOL_M)
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        az_new, kick_new = _newton_update(
            az[idx], kick[idx], jac[idx], res[idx], k_lo[idx], k_hi[idx], np.zeros(idx.size, bool)
        )
        az[idx], kick[idx] = az_new, kick_new
        fl = fly_batch(spec, lat, lon, az, kick, fine_steps, flags)
        res = _residual(fl, alat, alon)
    miss = np.hypot(res[:, 0], res[:, 1])
    if not np.all(miss < 1000.0):
        i = int(np.flatnonzero(~(miss < 1000.0))[0])
        if np.isclose(kick[i], k_hi[i]) or np.isclose(kick[i], k_lo[i]):
            raise ValueError(
                f"target at {target[i] / 1e3:.0f} km is beyond the maximum range "
                f"{dmax[i] / 1e3:.0f} km of {spec.name}"
            )
        raise ValueError(
            f"aim solve for {spec.name} did not converge for missile {i}: miss "
            f"{miss[i] / 1e3:.1f} km at range {target[i] / 1e3:.0f} km"
        )
    return AimSolution(az, kick, dmax, miss, fl)


def _newton_update(
    az: F64, kick: F64, jac: F64, res: F64, k_lo: F64, k_hi: F64, frozen: NDArray[np.bool_]
) -> tuple[F64, F64]:
    """One damped Newton step (az, kick) ← − J⁻¹ F, kick kept inside its branch bracket."""
    det = jac[:, 0, 0] * jac[:, 1, 1] - jac[:, 0, 1] * jac[:, 1, 0]
    ok = np.isfinite(det) & (np.abs(det) > 0) & np.all(np.isfinite(res), axis=1) & ~frozen
    safe = np.where(ok, det, 1.0)
    r0 = np.where(ok, res[:, 0], 0.0)
    r1 = np.where(ok, res[:, 1], 0.0)
    d_az = -(jac[:, 1, 1] * r0 - jac[:, 0, 1] * r1) / safe
    d_k = -(-jac[:, 1, 0] * r0 + jac[:, 0, 0] * r1) / safe
    d_az = np.clip(d_az, -0.2, 0.2)
    d_k = np.clip(d_k, -np.radians(10.0), np.radians(10.0))
    new_k = np.clip(kick + d_k, k_lo, k_hi)
    return np.where(ok, az + d_az, az), np.where(ok, new_k, kick)
