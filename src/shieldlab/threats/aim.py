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

Trajectory shape. The default for every ballistic class is the
**minimum-energy** trajectory (the least burnout speed for the range, the
shot an attacker flies for the shortest flight time at a given payload;
Wright, Grego & Gronlund 2005, ch. 11), solved by :func:`solve_shaped`:
liquids (and solids with thrust-termination ports) cut their last stage
off, solids waste the excess energy by GEMS steering
(:mod:`shieldlab.threats.ballistic`). ``shape="lofted"`` and
``shape="depressed"`` fly the two full-burn trajectories instead; below its
maximum range a full-burn missile reaches a target on two trajectories
whose burnout flight-path angles are, in the Kepler approximation,
symmetric about the minimum-energy angle γ* = (π/2 − Ψ/2)/2 (Ψ range angle;
from the range equation sin(2γ + Ψ/2) = (2 − Q)/Q · sin(Ψ/2), Q = v²r/μ;
Bate, Mueller & White 1971 §6.2): a lofted one (γ = γ* + δ, kick below the
range-maximising kick) and a depressed one (γ = γ* − δ). With
``gamma_offset_deg`` or ``burnout_gamma_deg`` the lofted/depressed shot is
energy-managed onto that burnout angle instead. A shape that cannot be
flown (target beyond the maximum range, shorter than the shortest
minimum-energy range, no depressed branch) raises a one-line
``ValueError``. Only the default (no shape asked for) falls back, and only
between the minimum-energy reach and the maximum range, where no
minimum-energy shot exists: to the full burn nearest to it, with
``shape_met`` False and a ``note`` (:func:`solve_shaped`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.constants import R_EARTH_MEAN_M
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
    burnout_gamma_rad,
    fly_batch,
    min_energy_gamma_rad,
)
from shieldlab.threats.catalog import BallisticMissileSpec

LOG = logging.getLogger(__name__)
"""Warnings of the aim solver (printed to stderr when nothing else handles them)."""

F64 = NDArray[np.float64]

KICK_MIN_RAD = np.radians(0.05)
KICK_MAX_RAD = np.radians(75.0)
_N_SCAN = 18
_N_REFINE = 8
_FD_AZ_RAD = 2e-5
_FD_KICK_RAD = 2e-5
SCAN_MIN_BURNOUT_ALT_M = 90e3
"""Scan flights of an ICBM burning out lower than this are skipped (grazing, never its best).

Shorter-range missiles burn out lower (a Scud-class SRBM at ~30–40 km): the
threshold scales as (Δv_ideal / 6 km/s)², see :func:`scan_min_burnout_alt_m`.
"""


def scan_min_burnout_alt_m(spec: BallisticMissileSpec) -> float:
    """Lowest burnout height [m] a range scan keeps for this missile (grazing shots skipped)."""
    return SCAN_MIN_BURNOUT_ALT_M * min(1.0, (spec.ideal_delta_v_mps / 6000.0) ** 2)


COARSE_TOL_M = 20.0
"""Convergence of the coarse Newton iterations [m]."""
FINE_TOL_M = 30.0
"""Target miss after the fine flight [m]; corrected with the last Jacobian if larger."""


@dataclass(frozen=True)
class AimSolution:
    """Per-missile solution (arrays (n,)) and the final fine flight (launch frames).

    ``cutoff_s``: last-stage thrust termination time [s since launch] (full
    burn where no cut-off); ``gems_rad``: GEMS cone half-angle of solids
    (:mod:`shieldlab.threats.ballistic`; None for cut-off missiles and
    full burns); ``shape``: the trajectory shape flown.
    """

    azimuth_rad: F64
    kick_rad: F64
    max_range_m: F64
    miss_m: F64
    flight: Flight
    cutoff_s: F64 | None = None
    shape_met: NDArray[np.bool_] | None = None
    note: str = ""
    gems_rad: F64 | None = None
    shape: str = "minimum-energy"


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
        min_burnout_alt_m=scan_min_burnout_alt_m(spec),
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
    branch: Literal["minimum-energy", "lofted", "depressed"] | None = None,
    flags: PhysicsFlags = PhysicsFlags(),  # noqa: B008 - frozen, immutable default
    fine_steps: StepSizes = FINE_STEPS,
    max_iter: int = 10,
    shape: str | None = None,
    gamma_offset_deg: float | None = None,
    burnout_gamma_deg: float | None = None,
    long_way: bool = False,
) -> AimSolution:
    """Solve azimuth and kick for each missile so that it impacts its aim point (arrays (n,)).

    ``shape`` (alias ``branch``; default ``minimum-energy``, energy-managed,
    see :func:`solve_shaped`): ``lofted`` / ``depressed`` full-burn branch,
    or ``minimum-energy``; a lofted/depressed shot may instead fly
    ``gamma_offset_deg`` above/below the minimum-energy burnout angle, or any
    ``burnout_gamma_deg`` (energy-managed like the minimum-energy shot).
    ``long_way``: fly the long great-circle arc (2πR − d) on the opposite
    azimuth. Raises ``ValueError`` ("target at X km is beyond the maximum
    range Y km of NAME") when an aim point is out of reach, and when the
    solve does not converge to within 1 km. Launch and aim points geodetic
    [rad].
    """
    requested = shape is not None or branch is not None
    shape = _check_shape(spec, shape, branch, gamma_offset_deg, burnout_gamma_deg)
    if shape == "minimum-energy" or gamma_offset_deg is not None or burnout_gamma_deg is not None:
        return solve_shaped(
            spec,
            launch_lat_rad,
            launch_lon_rad,
            aim_lat_rad,
            aim_lon_rad,
            shape,
            gamma_offset_deg,
            burnout_gamma_deg,
            long_way,
            flags,
            fine_steps,
            strict=requested,
        )
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.atleast_1d(np.asarray(launch_lon_rad, np.float64))
    alat = np.broadcast_to(np.asarray(aim_lat_rad, np.float64), lat.shape).copy()
    alon = np.broadcast_to(np.asarray(aim_lon_rad, np.float64), lat.shape).copy()
    n = lat.size
    target, az = target_range_azimuth(lat, lon, alat, alon, long_way)
    kicks, ranges, dmax, kmax = scan_range(spec, lat, lon, az, flags)
    check_reach(spec, lat, lon, az, target, dmax, long_way)
    branch = "depressed" if shape == "depressed" else "lofted"
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
    return AimSolution(
        az, kick, dmax, miss, fl, fl.tau_burnout_s.copy(), np.ones(n, bool), shape=branch
    )


SHAPES = ("minimum-energy", "lofted", "depressed")
"""Trajectory shapes a ballistic missile can be asked to fly."""


DEFAULT_SHAPE = "minimum-energy"
"""Trajectory shape flown when none is asked for (every ballistic class)."""


def _check_shape(
    spec: BallisticMissileSpec,
    shape: str | None,
    branch: str | None,
    gamma_offset_deg: float | None,
    burnout_gamma_deg: float | None,
) -> str:
    """Validated shape name (``shape`` wins over its alias ``branch``); one-line ValueErrors."""
    out = shape if shape is not None else branch if branch is not None else DEFAULT_SHAPE
    if out not in SHAPES:
        raise ValueError(f"{spec.name}: shape {out!r} is not one of {', '.join(SHAPES)}")
    if gamma_offset_deg is not None and burnout_gamma_deg is not None:
        raise ValueError(f"{spec.name}: give gamma_offset_deg or burnout_gamma_deg, not both")
    if gamma_offset_deg is not None and not (0.0 <= gamma_offset_deg <= 30.0):
        raise ValueError(f"{spec.name}: gamma_offset_deg {gamma_offset_deg} is outside 0..30 deg")
    if gamma_offset_deg is not None and out == "minimum-energy":
        raise ValueError(f"{spec.name}: gamma_offset_deg needs shape lofted or depressed")
    if burnout_gamma_deg is not None and not (1.0 <= burnout_gamma_deg <= 80.0):
        raise ValueError(f"{spec.name}: burnout_gamma_deg {burnout_gamma_deg} is outside 1..80 deg")
    return out


def target_range_azimuth(
    lat: F64, lon: F64, alat: F64, alon: F64, long_way: bool = False
) -> tuple[F64, F64]:
    """Ground range [m] and initial azimuth [rad] to the aim points (long arc if ``long_way``)."""
    d = great_circle_distance_m(lat, lon, alat, alon)
    az = initial_azimuth_rad(lat, lon, alat, alon)
    if long_way:
        return 2.0 * np.pi * R_EARTH_MEAN_M - d, np.mod(az + np.pi, 2.0 * np.pi)
    return d, az


def check_reach(
    spec: BallisticMissileSpec,
    lat: F64,
    lon: F64,
    az: F64,
    target: F64,
    dmax: F64,
    long_way: bool = False,
) -> None:
    """One-line ``ValueError`` for the first aim point beyond the maximum range."""
    far = target > dmax
    if far.any():
        i = int(np.flatnonzero(far)[0])
        way = "long-way " if long_way else ""
        raise ValueError(
            f"{way}target at {target[i] / 1e3:.0f} km is beyond the maximum range "
            f"{dmax[i] / 1e3:.0f} km of {spec.name} (launch {np.degrees(lat[i]):.2f}, "
            f"{np.degrees(lon[i]):.2f} deg, azimuth {np.degrees(az[i]):.1f} deg)"
        )


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


_N_SHAPE_KICK = 14
_N_SHAPE_CUT = 8
_N_SHAPE_GEMS = 10
_FD_CUT_S = 1e-3
GAMMA_TOL_RAD = 2e-4
"""Burnout flight-path angle tolerance of the shaped solve [rad] (0.011°)."""


def _gamma_error(
    fl: Flight, shape: str, offset_rad: float | None, gamma_abs_rad: float | None
) -> F64:
    """Burnout γ minus its target [rad] (inertial, launch frame); NaN where the flight is not ok.

    Target: the minimum-energy angle of the conic from the burnout point to
    the impact point (ψ between r_bo and r_impact, k = |r_bo|/|r_impact|),
    plus/minus ``offset_rad`` for lofted/depressed, or ``gamma_abs_rad``.
    """
    g = burnout_gamma_rad(fl.r_burnout_m, fl.v_burnout_mps)
    if gamma_abs_rad is not None:
        tgt = np.full(g.shape, gamma_abs_rad)
    else:
        rb = np.linalg.norm(fl.r_burnout_m, axis=1)
        ri = np.linalg.norm(fl.r_impact_m, axis=1)
        psi = np.arccos(
            np.clip(np.einsum("ij,ij->i", fl.r_burnout_m, fl.r_impact_m) / (rb * ri), -1, 1)
        )
        tgt = min_energy_gamma_rad(psi, rb / ri)
        if offset_rad is not None:
            tgt = tgt + (offset_rad if shape == "lofted" else -offset_rad)
    return np.where(fl.ok, g - tgt, np.nan)


@dataclass(frozen=True)
class EnergyControl:
    """The shaped solve's third unknown c (more energy with larger c), per missile type.

    ``kind`` ``"cut-off"``: c is the last-stage cut-off time [s since launch];
    ``"gems"``: c = π/2 − θ, θ the GEMS cone half-angle (c = π/2: full burn).
    ``fd``: finite-difference step; ``step``: largest Newton step.
    """

    kind: str
    lo: float
    hi: float
    fd: float
    step: float

    def cutoff_s(self, c: F64) -> F64 | None:
        """``fly_batch``'s ``cutoff_s`` for controls c (n,) (None for GEMS)."""
        return c if self.kind == "cut-off" else None

    def gems_rad(self, c: F64) -> F64 | None:
        """``fly_batch``'s ``gems_rad`` for controls c (n,) (None for a cut-off)."""
        return None if self.kind == "cut-off" else np.clip(self.hi - c, 0.0, self.hi)

    def limits(self) -> str:
        """What bounds the energy management, for messages."""
        if self.kind == "cut-off":
            return f"cut-off limited to {self.lo:.0f}..{self.hi:.0f} s"
        return "GEMS wastes at most the weaving stages' thrust"


_FD_GEMS_RAD = 1e-4


def energy_control(spec: BallisticMissileSpec) -> EnergyControl:
    """The energy-management unknown of a missile type (cut-off time or GEMS waste)."""
    if spec.can_cut_off:
        t_full = spec.total_burn_time_s
        t_lo = (
            max(spec.vertical_rise_s + spec.pitchover_s, t_full - spec.stages[-1].burn_time_s) + 1.0
        )
        return EnergyControl("cut-off", t_lo, t_full, _FD_CUT_S, 20.0)
    return EnergyControl("gems", 0.0, 0.5 * np.pi, _FD_GEMS_RAD, 0.15)


def solve_shaped(
    spec: BallisticMissileSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    aim_lat_rad: F64,
    aim_lon_rad: F64,
    shape: str = "minimum-energy",
    gamma_offset_deg: float | None = None,
    burnout_gamma_deg: float | None = None,
    long_way: bool = False,
    flags: PhysicsFlags = PhysicsFlags(),  # noqa: B008 - frozen, immutable default
    fine_steps: StepSizes = FINE_STEPS,
    max_iter: int = 12,
    strict: bool = True,
) -> AimSolution:
    """Energy-managed shots: solve (azimuth, kick, energy control) so the impact hits the aim
    point and the burnout flight-path angle γ meets its target (arrays (n,)).

    **Minimum energy** (Wright, Grego & Gronlund 2005; Bate, Mueller & White
    1971 §6.2): for a given burnout point and impact point the least burnout
    speed is reached at γ* with tan 2γ* = sin ψ / (k − cos ψ) (ψ free-flight
    range angle, k = r_bo/r_impact; γ* = (π − ψ)/4 for equal radii). The
    energy control sets the speed (range) and the kick sets γ: a liquid (or
    a solid with thrust-termination ports) cuts its last stage off early;
    a solid without ports wastes the excess by GEMS steering (Zarchan 2012,
    ch. 13; the cone half-angle of :func:`~shieldlab.threats.ballistic.fly_boost`).
    **Lofted/depressed with** ``gamma_offset_deg``: γ = γ* ± offset;
    ``burnout_gamma_deg``: γ given.
    Procedure: coarse scan over kicks × energy controls at the great-circle
    azimuth; first guess where the per-control maximum range (≈ the
    minimum-energy shot for that control) equals the target; damped Newton
    on (azimuth, kick, control) with a forward-difference Jacobian (coarse
    steps), then fine-step Newton corrections. Raises a one-line
    ``ValueError`` where the target is beyond the maximum range, shorter
    than the energy management can reach (the cut-off cannot come earlier /
    GEMS cannot waste more), or the solve does not converge.

    *Beyond the minimum-energy reach.* Drag, J2 and the Earth's rotation
    move the range-maximising burnout angle away from γ*, so the full burn on
    γ* falls short of the maximum range (measured: the generic SRBMs by up
    to ~25 % on westward shots, ICBMs by 0.5–2 %, the long-burning liquid
    ICBM by up to ~20 % eastward). A target in that band has no
    minimum-energy shot: with ``strict`` (the shape was asked for) that is a
    ``ValueError``; as the default (``strict=False``, see :func:`solve_aim`)
    the missile flies the full burn nearest to it (the full-burn branch on
    γ*'s side of the range-maximising kick), ``shape_met`` False and a
    ``note`` saying so.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.broadcast_to(np.asarray(launch_lon_rad, np.float64), lat.shape).copy()
    alat = np.broadcast_to(np.asarray(aim_lat_rad, np.float64), lat.shape).copy()
    alon = np.broadcast_to(np.asarray(aim_lon_rad, np.float64), lat.shape).copy()
    n = lat.size
    shape = _check_shape(spec, shape, shape, gamma_offset_deg, burnout_gamma_deg)
    offset = None if gamma_offset_deg is None else np.radians(gamma_offset_deg)
    gabs = None if burnout_gamma_deg is None else np.radians(burnout_gamma_deg)
    target, az = target_range_azimuth(lat, lon, alat, alon, long_way)
    ctl = energy_control(spec)
    n_c = _N_SHAPE_CUT if ctl.kind == "cut-off" else _N_SHAPE_GEMS
    # 1. scan kicks x controls: per control the range on the target burnout angle
    kick_grid = np.geomspace(KICK_MIN_RAD, KICK_MAX_RAD, _N_SHAPE_KICK)
    c_grid = np.linspace(ctl.lo, ctl.hi, n_c)
    kk, cc = np.meshgrid(kick_grid, c_grid, indexing="ij")  # (K, C)
    m = kk.size
    fl = fly_batch(
        spec,
        np.repeat(lat, m),
        np.repeat(lon, m),
        np.repeat(az, m),
        np.tile(kk.ravel(), n),
        COARSE_STEPS,
        flags,
        cutoff_s=ctl.cutoff_s(np.tile(cc.ravel(), n)),
        gems_rad=ctl.gems_rad(np.tile(cc.ravel(), n)),
    )
    d = np.nan_to_num(_ranges(fl), nan=-1.0).reshape(n, _N_SHAPE_KICK, n_c)
    jbest = np.argmax(d, axis=1)  # (n, C) kick index of the max range per control
    dmax_c = np.take_along_axis(d, jbest[:, None, :], axis=1)[:, 0, :]  # (n, C)
    kmax_c = kick_grid[jbest]
    dmax_all = dmax_c.max(axis=1)
    check_reach(spec, lat, lon, az, target, dmax_all, long_way)
    g = _gamma_error(fl, shape, offset, gabs).reshape(n, _N_SHAPE_KICK, n_c)
    r_on, k_on = _on_angle_reach(
        spec, lat, lon, az, kick_grid, c_grid, d, g, ctl, flags, shape, offset, gabs
    )
    # bracket the target between two controls whose on-angle ranges straddle it
    valid = np.isfinite(r_on)
    col = np.arange(n_c)[None, :]
    ge = valid & (r_on >= target[:, None])
    c1 = np.where(ge.any(axis=1), np.argmax(ge, axis=1), n_c)
    below = valid & (r_on < target[:, None]) & (col < c1[:, None])
    c0 = n_c - 1 - np.argmax(below[:, ::-1], axis=1)
    # even the full burn on the angle falls short (or there is no such shot)
    gap: NDArray[np.bool_] = np.asarray(~ge.any(axis=1), dtype=bool)
    too_short = ~gap & ~below.any(axis=1)
    if too_short.any():
        i = int(np.flatnonzero(too_short)[0])
        raise ValueError(
            f"{spec.name}: no {shape} shot reaches as short as {target[i] / 1e3:.0f} km "
            f"(shortest ~{r_on[i, c1[i]] / 1e3:.0f} km: {ctl.limits()}); allowed: a longer "
            "range, or shape lofted or depressed without a burnout angle"
        )
    if gap.any() and shape != "minimum-energy":
        i = int(np.flatnonzero(gap)[0])
        raise ValueError(
            f"{spec.name}: no {shape} shot with the requested burnout angle reaches "
            f"{target[i] / 1e3:.0f} km ({ctl.limits()})"
        )
    rows = np.arange(n)
    c1c, c0c = np.minimum(c1, n_c - 1), np.where(gap, n_c - 1, c0)
    d0, d1 = r_on[rows, c0c], r_on[rows, c1c]
    w = np.where(gap, 1.0, np.clip((target - d0) / np.where(d1 != d0, d1 - d0, 1.0), 0.0, 1.0))
    w = np.nan_to_num(w, nan=1.0)
    cut = c_grid[c0c] + w * (c_grid[c1c] - c_grid[c0c])
    k0, k1 = np.nan_to_num(k_on[rows, c0c], nan=1.0), np.nan_to_num(k_on[rows, c1c], nan=1.0)
    kick = np.clip(k0 + w * (k1 - k0), KICK_MIN_RAD, KICK_MAX_RAD)
    k_star = k_on[:, -1]
    # 2. Newton on (az, kick, control) with coarse steps
    x = np.stack([az, kick, cut], axis=1)
    lo = np.array([-np.inf, KICK_MIN_RAD, ctl.lo])
    hi = np.array([np.inf, KICK_MAX_RAD, ctl.hi])
    fd = np.array([_FD_AZ_RAD, _FD_KICK_RAD, ctl.fd])
    lim = np.array([0.2, np.radians(10.0), ctl.step])
    jac = np.zeros((n, 3, 3))
    todo = ~gap

    def flyx(xs: F64, idx: NDArray[np.int64], reps: int, steps: StepSizes) -> tuple[F64, Flight]:
        fl_ = fly_batch(
            spec,
            np.tile(lat[idx], reps),
            np.tile(lon[idx], reps),
            xs[:, 0],
            xs[:, 1],
            steps,
            flags,
            cutoff_s=ctl.cutoff_s(np.clip(xs[:, 2], ctl.lo, ctl.hi)),
            gems_rad=ctl.gems_rad(np.clip(xs[:, 2], ctl.lo, ctl.hi)),
        )
        res = _residual(fl_, np.tile(alat[idx], reps), np.tile(alon[idx], reps))
        ge = _gamma_error(fl_, shape, offset, gabs)
        # γ error expressed in metres of range so that one norm measures both
        return np.concatenate([res, (ge * R_EARTH_MEAN_M)[:, None]], axis=1), fl_

    for _ in range(max_iter):
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        k = idx.size
        xs = np.concatenate([x[idx]] + [x[idx] + fd * np.eye(3)[j] for j in range(3)])
        up_ok = x[idx, 2] + fd[2] <= ctl.hi
        xs[3 * k :, 2] = np.where(up_ok, x[idx, 2] + fd[2], x[idx, 2] - fd[2])
        sgn = np.where(up_ok, 1.0, -1.0)
        r_all, _ = flyx(xs, idx, 4, COARSE_STEPS)
        f0 = r_all[:k]
        cols = [(r_all[(j + 1) * k : (j + 2) * k] - f0) / fd[j] for j in range(3)]
        cols[2] = cols[2] * sgn[:, None]
        j_ = np.stack(cols, axis=-1)
        jac[idx] = j_
        err = np.hypot(f0[:, 0], f0[:, 1])
        done = (err < COARSE_TOL_M) & (np.abs(f0[:, 2]) < GAMMA_TOL_RAD * R_EARTH_MEAN_M)
        x[idx] = _newton3(x[idx], j_, f0, lo, hi, done, lim)
        todo[idx[done]] = False
    # 3. fine flight; Newton with a fine-step Jacobian where the coarse bias remains
    all_idx = np.arange(n)
    res, fl = flyx(x, all_idx, 1, fine_steps)
    gtol = GAMMA_TOL_RAD * R_EARTH_MEAN_M
    for _ in range(4):
        bad = ~((np.hypot(res[:, 0], res[:, 1]) < FINE_TOL_M) & (np.abs(res[:, 2]) < gtol))
        bad &= ~gap
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        k = idx.size
        dn_ok = x[idx, 2] - fd[2] >= ctl.lo
        sgn = np.where(dn_ok, 1.0, -1.0)
        xs = np.concatenate([x[idx]] + [x[idx] - fd * np.eye(3)[j] for j in range(3)])
        xs[3 * k :, 2] = x[idx, 2] - sgn * fd[2]
        r_all, _ = flyx(xs, idx, 4, fine_steps)
        f0 = r_all[:k]
        cols = [(f0 - r_all[(j + 1) * k : (j + 2) * k]) / fd[j] for j in range(3)]
        cols[2] = cols[2] * sgn[:, None]
        j_ = np.stack(cols, -1)
        x[idx] = _newton3(x[idx], j_, f0, lo, hi, np.zeros(k, bool), lim)
        res, fl = flyx(x, all_idx, 1, fine_steps)
    miss = np.hypot(res[:, 0], res[:, 1])
    met = (miss < 1000.0) & (np.abs(res[:, 2]) < 10 * GAMMA_TOL_RAD * R_EARTH_MEAN_M) & ~gap
    # an unconverged minimum-energy shot pinned at the full burn is in the band too
    gap |= ~met & (shape == "minimum-energy") & (x[:, 2] >= ctl.hi - 1e-9)
    low = ~met & ~gap & (x[:, 2] <= ctl.lo + 1e-9)
    if low.any():  # pinned at the least energy: the target is shorter than it reaches
        i = int(np.flatnonzero(low)[0])
        raise ValueError(
            f"{spec.name}: no {shape} shot reaches as short as {target[i] / 1e3:.0f} km "
            f"(it falls {miss[i] / 1e3:.1f} km off with the least energy: {ctl.limits()}); "
            "allowed: a longer range, or shape lofted or depressed without a burnout angle"
        )
    if not (met | gap).all():
        i = int(np.flatnonzero(~(met | gap))[0])
        what = "minimum-energy" if shape == "minimum-energy" else f"{shape} burnout-angle"
        raise ValueError(
            f"{spec.name}: no {what} shot found to {target[i] / 1e3:.0f} km (miss "
            f"{miss[i] / 1e3:.1f} km, burnout angle off by "
            f"{np.degrees(res[i, 2] / R_EARTH_MEAN_M):.2f} deg; {ctl.limits()})"
        )
    note = ""
    if gap.any():
        i = int(np.flatnonzero(gap)[0])
        r_star = r_on[i, -1] if np.isfinite(r_on[i, -1]) else 0.0
        reach = f"~{min(r_star, target[i]) / 1e3:.0f} km"
        if strict:
            raise ValueError(
                f"{spec.name}: no minimum-energy shot reaches {target[i] / 1e3:.0f} km: on the "
                f"minimum-energy burnout angle even the full burn flies {reach} (maximum range "
                f"{dmax_all[i] / 1e3:.0f} km at another angle); allowed: shape lofted or "
                "depressed"
            )
        gi = np.flatnonzero(gap)
        for branch in ("lofted", "depressed"):
            sel = gi[(np.nan_to_num(k_star[gi]) > kmax_c[gi, -1]) == (branch == "depressed")]
            if sel.size == 0:
                continue
            alt = solve_aim(
                spec,
                lat[sel],
                lon[sel],
                alat[sel],
                alon[sel],
                branch,
                flags,
                fine_steps,
                long_way=long_way,
            )
            x[sel, 0], x[sel, 1], x[sel, 2] = alt.azimuth_rad, alt.kick_rad, ctl.hi
        res, fl = flyx(x, all_idx, 1, fine_steps)
        miss = np.hypot(res[:, 0], res[:, 1])
        note = (
            f"{spec.name}: {gi.size} of {n} targets lie beyond the minimum-energy reach "
            f"(e.g. {target[i] / 1e3:.0f} km vs {reach}); flying the full burn nearest to it"
        )
        LOG.warning("warning: %s", note)  # never a silent fallback
    ctl_x = x[:, 2].copy()
    cutoff = ctl_x if ctl.kind == "cut-off" else fl.tau_burnout_s.copy()
    cone = ctl.gems_rad(ctl_x)
    return AimSolution(
        x[:, 0], x[:, 1], dmax_all, miss, fl, cutoff, met, note, gems_rad=cone, shape=shape
    )


_N_SHAPE_REFINE = 6


def _on_angle_reach(
    spec: BallisticMissileSpec,
    lat: F64,
    lon: F64,
    az: F64,
    kicks: F64,
    c_grid: F64,
    ranges: F64,
    gamma_err: F64,
    ctl: EnergyControl,
    flags: PhysicsFlags,
    shape: str,
    offset: float | None,
    gabs: float | None,
) -> tuple[F64, F64]:
    """Range [m] and kick [rad] (n, C) of the shot on the target burnout angle, per control.

    ``ranges``/``gamma_err`` (n, K, C) of the scan at ``kicks`` (K,)
    ascending (γ falls as the kick grows). The first + → − crossing of the γ
    error (or + → failed flight) is refined with ``_N_SHAPE_REFINE`` more
    kicks inside its bracket (one coarse batch flight), then interpolated
    linearly; NaN where none.
    """
    n, _, nc = ranges.shape
    gg = np.where(np.isfinite(gamma_err) & (ranges > 0), gamma_err, np.nan)
    # a crossing, or the last shot above the angle before the flights fail (steep kicks)
    cross = (gg[:, :-1] > 0.0) & ((gg[:, 1:] <= 0.0) | np.isnan(gg[:, 1:]))  # (n, K-1, C)
    has = cross.any(axis=1)
    j = np.argmax(cross, axis=1)  # (n, C)
    r_out = np.full((n, nc), np.nan)
    k_out = np.full((n, nc), np.nan)
    ii, cc = np.nonzero(has)
    if ii.size == 0:
        return r_out, k_out
    jj = j[ii, cc]
    frac = np.linspace(0.0, 1.0, _N_SHAPE_REFINE + 2)
    k_lo, k_hi = kicks[jj], kicks[jj + 1]
    kq = k_lo[:, None] + (k_hi - k_lo)[:, None] * frac[None, :]  # (m, R+2), ends = scan
    r_in = _N_SHAPE_REFINE
    fl = fly_batch(
        spec,
        np.repeat(lat[ii], r_in),
        np.repeat(lon[ii], r_in),
        np.repeat(az[ii], r_in),
        kq[:, 1:-1].ravel(),
        COARSE_STEPS,
        flags,
        cutoff_s=ctl.cutoff_s(np.repeat(c_grid[cc], r_in)),
        gems_rad=ctl.gems_rad(np.repeat(c_grid[cc], r_in)),
    )
    rq = np.empty_like(kq)
    gq = np.empty_like(kq)
    rq[:, 0], rq[:, -1] = ranges[ii, jj, cc], ranges[ii, jj + 1, cc]
    gq[:, 0], gq[:, -1] = gg[ii, jj, cc], gg[ii, jj + 1, cc]
    rq[:, 1:-1] = np.nan_to_num(_ranges(fl), nan=-1.0).reshape(-1, r_in)
    gq[:, 1:-1] = _gamma_error(fl, shape, offset, gabs).reshape(-1, r_in)
    gq = np.where(np.isfinite(gq) & (rq > 0), gq, np.nan)
    cq = (gq[:, :-1] > 0.0) & (gq[:, 1:] <= 0.0)
    ok = cq.any(axis=1)
    q = np.argmax(cq, axis=1)
    rows = np.arange(q.size)
    g0, g1 = gq[rows, q], gq[rows, q + 1]
    w = np.where(ok, g0 / np.where(ok, g0 - g1, 1.0), 0.0)
    r = rq[rows, q] + w * (rq[rows, q + 1] - rq[rows, q])
    k = kq[rows, q] + w * (kq[rows, q + 1] - kq[rows, q])
    r_out[ii, cc] = np.where(ok, r, np.nan)
    k_out[ii, cc] = np.where(ok, k, np.nan)
    return r_out, k_out


def _newton3(
    x: F64, jac: F64, res: F64, lo: F64, hi: F64, frozen: NDArray[np.bool_], lim: F64
) -> F64:
    """Damped Newton step on (az, kick, control) for (k, 3) unknowns, bounded by lo/hi (3,)."""
    ok = np.all(np.isfinite(res), axis=1) & np.all(np.isfinite(jac), axis=(1, 2)) & ~frozen
    det = np.linalg.det(np.where(ok[:, None, None], jac, np.eye(3)))
    ok &= np.abs(det) > 1e-300
    j_safe = np.where(ok[:, None, None], jac, np.eye(3))
    r_safe = np.where(ok[:, None], res, 0.0)
    dx = -np.linalg.solve(j_safe, r_safe[..., None])[..., 0]
    dx = np.clip(dx, -lim, lim)
    return np.where(ok[:, None], np.clip(x + dx, lo, hi), x)
