"""Midcourse interceptor fly-out, intercept feasibility and single-shot Pk.

Fly-out model (stated simplification)
-------------------------------------
The booster takes the interceptor from rest (relative to the rotating site) to
``burnout_speed_mps`` in ``burn_time_s`` t_b. Treating the burn as a constant
acceleration along the fly-out direction, it covers v_bo·t_b/2 — the same
distance as a coast at v_bo started at the site at t_launch + t_b/2. The
powered phase is therefore replaced by that *virtual departure*: a ballistic
(two-body) arc from the site's ECI position at t_d = t_launch + t_b/2 with
time of flight t_int − t_d, and its departure velocity relative to the site
(v1 − ω × r_site) may not exceed v_bo. Gravity losses and the curvature of
the powered path are ignored (a few % in reach for a 2–3 min burn); the
intercept must come after burnout (t_int − t_launch ≥ t_b). The arc is the
short-way zero-revolution Lambert solution (``core.lambert``).

An intercept at a predicted intercept point (PIP) r_pip (ECI) at t_int is
feasible when: Lambert converges; the required speed relative to the site is
≤ v_bo; t_int ≥ t_launch + t_b; the PIP's geodetic altitude is inside the
class's window; the great-circle distance from the site to the PIP's
sub-point is ≤ max ground range; and the arc does not dip below the launch
radius (minimum radius along the arc, which is the periapsis when the arc
passes through it — this also rejects downward departures).

Frames: positions and velocities in ECI [m, m/s]; Earth rotation by GMST
θ(t) = θ_launch + ω (t − t_launch) (``core.frames``). Sources: Wright, Grego &
Gronlund (2005) ch. 5–6 for the coast geometry; Vallado 4th ed. §7.6 (Lambert).

Single-shot Pk model (stated)
-----------------------------
``shot_pk`` = spec Pk × P(the kill vehicle can remove the handover error).
The handover error across the line of sight is a 2-D isotropic Gaussian with
standard deviation σ per axis (the track position error); the kill vehicle
acquires the target at ``seeker_acquisition_range_m`` R and homes for
t_h = R / v_close, applying its divert Δv as a constant lateral acceleration,
so it can move d = Δv·t_h/2 sideways. P(|miss| ≤ d) is the Rayleigh CDF
1 − exp(−d²/2σ²). Limits: σ → 0 or v_close → 0 gives the spec Pk; Δv → 0
with σ > 0 gives 0. Along-track error only shifts the time of closest
approach and is ignored. Source for the structure: Zarchan, *Tactical and
Strategic Missile Guidance*, divert-limited miss distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2, R_EARTH_MEAN_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    OMEGA_EARTH_VEC,
    cross3,
    ecef_to_eci,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m,
    norm3,
)
from shieldlab.core.lambert import lambert
from shieldlab.core.objects import OBJECT_NAMES
from shieldlab.weapons.interceptor import InterceptorSite, InterceptorSpec

F64 = NDArray[np.float64]

_BELOW_LAUNCH_TOL_M = 1.0


@dataclass(frozen=True)
class InterceptPlan:
    """Earliest feasible intercept of each of n threats from one site (ECI, SI).

    feasible: (n,) bool; k_index: (n,) candidate index chosen (−1 if none);
    t_intercept_s: (n,) scenario time of the intercept (NaN if none);
    r_pip_eci_m: (n, 3) predicted intercept point; v_interceptor_bo_mps: (n, 3)
    inertial velocity of the coast arc at the virtual departure (its speed
    relative to the site is ≤ the burnout speed); v_interceptor_pip_mps: (n, 3)
    interceptor velocity at the PIP; closing_speed_mps: (n,) |v_threat − v_int|
    at the PIP; intercept_alt_m: (n,) geodetic altitude of the PIP. Rows
    without a feasible intercept are NaN. feasible_nk: (n, k) the full mask.
    """

    feasible: NDArray[np.bool_]
    k_index: NDArray[np.int64]
    t_intercept_s: F64
    r_pip_eci_m: F64
    v_interceptor_bo_mps: F64
    v_interceptor_pip_mps: F64
    closing_speed_mps: F64
    intercept_alt_m: F64
    feasible_nk: NDArray[np.bool_]


def intercept_window(plan: InterceptPlan, t_candidates_s: ArrayLike) -> tuple[F64, F64]:
    """Window of feasible intercept times of each threat from one site (n,) [s]:
    the first and last candidate times at which the plan's launch reaches the
    threat (``feasible_nk``); NaN where none. With a launch now, the window is
    what the weapon can still do — part of the threat evaluation."""
    f = np.asarray(plan.feasible_nk, dtype=bool)
    t2 = np.broadcast_to(candidate_grid(t_candidates_s, f.shape[0], f.shape[1]), f.shape)
    any_ = f.any(axis=1)
    rows = np.arange(f.shape[0])
    first = np.argmax(f, axis=1)
    last = f.shape[1] - 1 - np.argmax(f[:, ::-1], axis=1)
    return np.where(any_, t2[rows, first], np.nan), np.where(any_, t2[rows, last], np.nan)


def candidate_grid(t_candidates_s: ArrayLike, n: int, k: int) -> F64:
    """Candidate intercept times as a 2-D array that broadcasts to ``(n, k)``: a grid
    ``(k,)`` shared by the threats becomes ``(1, k)``; one grid per threat stays
    ``(n, k)``, each ascending with any NaN (no candidate) at its end. Raises
    ``ValueError`` on a shape that is neither."""
    t_c = np.asarray(t_candidates_s, dtype=np.float64)
    if t_c.ndim <= 1:
        t_c = t_c.reshape(1, -1)
    if t_c.ndim != 2 or t_c.shape[1] != k or t_c.shape[0] not in (1, n):
        raise ValueError(f"t_candidates_s must be ({k},) or ({n}, {k}), got {t_c.shape}")
    return t_c


def arc_min_radius_m(
    r1_m: ArrayLike, v1_mps: ArrayLike, r2_m: ArrayLike, mu: float = GM_EARTH_M3_S2
) -> F64:
    """Minimum radius [m] along the Keplerian arc from (r1, v1) to r2 (< 1 revolution).

    The periapsis radius if the arc passes through periapsis (true anomaly wraps
    through 0 between r1 and r2), else min(|r1|, |r2|). Inertial frame, (..., 3).
    """
    r1 = np.asarray(r1_m, dtype=np.float64)
    v1 = np.asarray(v1_mps, dtype=np.float64)
    r2 = np.asarray(r2_m, dtype=np.float64)
    r1n = norm3(r1)
    r2n = norm3(r2)
    h = cross3(r1, v1)
    hn = norm3(h)
    e_vec = cross3(v1, h) / mu - r1 / r1n[..., None]
    e = norm3(e_vec)
    rp = hn**2 / mu / (1.0 + e)
    with np.errstate(invalid="ignore", divide="ignore"):
        h_hat = h / hn[..., None]
    nu1 = np.mod(
        np.arctan2(np.sum(h_hat * cross3(e_vec, r1), -1), np.sum(e_vec * r1, -1)), 2 * np.pi
    )
    nu2 = np.mod(
        np.arctan2(np.sum(h_hat * cross3(e_vec, r2), -1), np.sum(e_vec * r2, -1)), 2 * np.pi
    )
    through_periapsis = nu2 < nu1
    return np.where(through_periapsis, rp, np.minimum(r1n, r2n))


def threat_velocity(t_s: F64, r_nk3: F64, v_nk3: ArrayLike | None) -> F64:
    """The threat velocities ``(n, k, 3)`` given, else finite-differenced along a shared
    candidate grid ``t_s (1, k)`` (second order inside); per-threat grids
    ``(n, k)``, n > 1, need them given."""
    if v_nk3 is not None:
        return np.asarray(v_nk3, dtype=np.float64)
    if t_s.shape[0] > 1:
        raise ValueError("per-threat candidate times need v_threat_eci_mps")
    t_1d = t_s.reshape(-1)
    if t_1d.size < 2:
        return np.full_like(r_nk3, np.nan)
    return np.gradient(r_nk3, t_1d, axis=1)


def plan_intercepts(
    site: InterceptorSite,
    t_launch_s: float,
    t_candidates_s: ArrayLike,
    r_threat_eci_m: ArrayLike,
    gmst_launch_rad: float,
    v_threat_eci_mps: ArrayLike | None = None,
) -> InterceptPlan:
    """Earliest feasible intercept of each threat for a launch at ``t_launch_s``.

    Parameters
    ----------
    site : the launch site (class performance in ``site.spec``).
    t_launch_s : launch time [s] on the scenario clock.
    t_candidates_s : (k,) candidate intercept times [s], ascending, shared by the
        threats; or (n, k), one ascending grid per threat, NaN (no candidate) at
        its end (:func:`candidate_grid`).
    r_threat_eci_m : (n, k, 3) predicted threat positions (ECI) at those times.
    gmst_launch_rad : GMST at ``t_launch_s`` [rad].
    v_threat_eci_mps : optional (n, k, 3) threat velocities (ECI); if omitted
        they are finite-differenced along a shared candidate grid (for closing
        speed; required with per-threat grids).

    All n·k Lambert problems are solved in one vectorised call. For each threat
    the earliest feasible candidate is chosen (most battle space left for a
    second look).
    """
    spec = site.spec
    r_thr = np.asarray(r_threat_eci_m, dtype=np.float64)
    n, k = r_thr.shape[0], r_thr.shape[1]
    if r_thr.shape != (n, k, 3):
        raise ValueError(f"r_threat_eci_m must be (n, k, 3), got {r_thr.shape}")
    t2 = candidate_grid(t_candidates_s, n, k)  # (1, k) shared or (n, k) per threat
    real = np.broadcast_to(np.isfinite(t2), (n, k))  # NaN: no candidate there

    t_b = spec.burn_time_s
    t_dep = t_launch_s + 0.5 * t_b
    r_site_ecef = site.r_ecef_m
    r_dep = ecef_to_eci(r_site_ecef, gmst_launch_rad + WGS84_OMEGA_RAD_S * (t_dep - t_launch_s))
    tof = np.where(np.isfinite(t2), t2 - t_dep, 1.0)  # a placeholder where no candidate

    r1 = np.broadcast_to(r_dep, (n, k, 3)).reshape(-1, 3)
    r2 = (r_thr if real.all() else np.where(real[..., None], r_thr, r_dep)).reshape(-1, 3)
    tof_flat = np.broadcast_to(tof, (n, k)).reshape(-1)
    v1, v2, ok = lambert(r1, r2, tof_flat, short_way=True)
    ok = ok & real.reshape(-1)

    v_site = cross3(OMEGA_EARTH_VEC, r_dep)
    speed_rel = norm3(v1 - v_site)
    with np.errstate(invalid="ignore"):
        r_min = arc_min_radius_m(r1, v1, r2)
        fast_enough = speed_rel <= spec.burnout_speed_mps
        above = r_min >= np.linalg.norm(r_dep) - _BELOW_LAUNCH_TOL_M

    # PIP altitude and ground range (Earth-fixed at the intercept time)
    gmst_c = gmst_launch_rad + WGS84_OMEGA_RAD_S * (t2 - t_launch_s)  # (n, k)
    r_pip_ecef = eci_to_ecef(r_thr, gmst_c)  # (n, k, 3)
    lat, lon, alt = ecef_to_geodetic(r_pip_ecef)
    ground = great_circle_distance_m(site.lat_rad, site.lon_rad, lat, lon, R_EARTH_MEAN_M)
    geom_ok = (
        (alt >= spec.min_intercept_altitude_m)
        & (alt <= spec.max_intercept_altitude_m)
        & (ground <= spec.max_ground_range_m)
        & (t2 - t_launch_s >= t_b)
    )
    feas_nk = geom_ok & (ok & fast_enough & above).reshape(n, k)

    feasible: NDArray[np.bool_] = np.asarray(feas_nk.any(axis=1))
    k_idx = np.where(feasible, np.argmax(feas_nk, axis=1), -1).astype(np.int64)
    rows = np.arange(n)
    kk = np.maximum(k_idx, 0)
    nan3 = np.full((n, 3), np.nan)
    v1_nk = v1.reshape(n, k, 3)
    v2_nk = v2.reshape(n, k, 3)
    v_thr = threat_velocity(t2, r_thr, v_threat_eci_mps)
    f3 = feasible[:, None]
    v_pip = np.where(f3, v2_nk[rows, kk], nan3)
    closing = norm3(v_thr[rows, kk] - v_pip)
    return InterceptPlan(
        feasible=feasible,
        k_index=k_idx,
        t_intercept_s=np.where(feasible, np.broadcast_to(t2, (n, k))[rows, kk], np.nan),
        r_pip_eci_m=np.where(f3, r_thr[rows, kk], nan3),
        v_interceptor_bo_mps=np.where(f3, v1_nk[rows, kk], nan3),
        v_interceptor_pip_mps=v_pip,
        closing_speed_mps=np.where(feasible, closing, np.nan),
        intercept_alt_m=np.where(feasible, alt[rows, kk], np.nan),
        feasible_nk=feas_nk,
    )


def earliest_launch_s(spec: InterceptorSpec, t_decision_s: ArrayLike) -> F64:
    """Earliest launch time [s] after an engagement decision (``launch_to_commit_s`` later)."""
    return np.asarray(t_decision_s, dtype=np.float64) + spec.launch_to_commit_s


def engageable(spec: InterceptorSpec, object_kind: ArrayLike) -> NDArray[np.bool_]:
    """Whether the class can engage each object kind (``OBJECT_*`` codes, any shape)."""
    kinds = np.asarray(object_kind, dtype=np.int64)
    codes = [code for code, name in OBJECT_NAMES.items() if name in spec.engages]
    return np.isin(kinds, codes)


def class_pk(spec: InterceptorSpec, object_kind: ArrayLike) -> F64:
    """Single-shot Pk of the class against each object kind (``OBJECT_*`` codes).

    ``pk_by_class`` where given, else ``pk_single_shot``; 0 for kinds outside ``engages``.
    """
    kinds = np.asarray(object_kind, dtype=np.int64)
    out = np.zeros(kinds.shape)
    for code, name in OBJECT_NAMES.items():  # a handful of kinds
        out[kinds == code] = spec.pk_for(name)
    return out


def divert_reach_m(
    spec: InterceptorSpec,
    closing_speed_mps: ArrayLike,
    seeker_acquisition_range_m: float | None = None,
) -> F64:
    """Cross-range distance the kill vehicle can remove while homing [m]:
    d = Δv_divert · (R_acq / v_close) / 2 (inf for a zero closing speed)."""
    v_c = np.asarray(closing_speed_mps, dtype=np.float64)
    r_acq = (
        spec.seeker_acquisition_range_m
        if seeker_acquisition_range_m is None
        else float(seeker_acquisition_range_m)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        t_home = np.where(v_c > 0, r_acq / np.where(v_c > 0, v_c, 1.0), np.inf)
        reach = np.where(
            spec.kill_vehicle_divert_mps == 0.0, 0.0, spec.kill_vehicle_divert_mps * t_home / 2.0
        )
    return np.asarray(np.where(np.isnan(v_c), np.nan, reach))


def shot_pk(
    spec: InterceptorSpec,
    closing_speed_mps: ArrayLike,
    track_position_sigma_m: ArrayLike,
    seeker_acquisition_range_m: float | None = None,
    object_kind: ArrayLike | None = None,
) -> F64:
    """Single-shot kill probability: class Pk × divert-limited handover factor.

    See the module docstring for the model: d = Δv_divert · (R_acq / v_close) / 2
    (:func:`divert_reach_m`), factor = 1 − exp(−d² / (2σ²)) with σ the per-axis
    cross-range track error [m] — the probability that a circular normal
    handover error of σ per axis is within the reach, so that the achieved miss
    max(|e| − d, 0) is zero (:func:`achieved_miss_m`). The class Pk is
    ``spec.pk_single_shot``, or :func:`class_pk` of ``object_kind`` (``OBJECT_*``
    codes, broadcast with the other inputs) when given. Broadcasts over
    ``closing_speed_mps`` and ``track_position_sigma_m``; NaN closing speeds
    give NaN.
    """
    v_c = np.asarray(closing_speed_mps, dtype=np.float64)
    sigma = np.asarray(track_position_sigma_m, dtype=np.float64)
    reach = divert_reach_m(spec, v_c, seeker_acquisition_range_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sigma > 0, reach / np.where(sigma > 0, sigma, 1.0), np.inf)
        factor = np.where(np.isinf(ratio), 1.0, -np.expm1(-0.5 * ratio**2))
    base = spec.pk_single_shot if object_kind is None else class_pk(spec, object_kind)
    out = base * factor
    return np.where(np.isnan(v_c) | np.isnan(sigma), np.nan, out)


def achieved_miss_m(
    reach_m: ArrayLike, sigma_m: ArrayLike, rng: np.random.Generator
) -> tuple[F64, F64]:
    """Draw the handover error and the miss left after homing, per shot.

    Handover error e: circular normal with σ per axis (|e| Rayleigh), two
    normals per shot; achieved miss = max(|e| − d, 0) with d the divert reach.
    Returns (|e| [m] — the planned miss the kill vehicle must remove —,
    achieved miss [m]). P(achieved miss = 0) = 1 − exp(−d²/(2σ²)), the
    handover factor of :func:`shot_pk`.
    """
    d = np.asarray(reach_m, dtype=np.float64)
    sg = np.asarray(sigma_m, dtype=np.float64)
    e = np.hypot(*rng.standard_normal((2, *np.broadcast(d, sg).shape))) * sg
    return np.asarray(e), np.asarray(np.maximum(e - d, 0.0))
