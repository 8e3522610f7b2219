"""Envelope fly-out for underlayer, terminal, glide-phase and cruise-missile-defense interceptors.

Where the midcourse classes fly a Lambert coast (``weapons.intercept``), the
endo-atmospheric and low exo-atmospheric classes (THAAD-, PAC-3-, SM-6-, GPI-,
NASAMS-class, fighter-launched AAMs) are modelled by an *engagement envelope*
and a closed-form fly-out time, as in the open-literature layered-defense
studies (e.g. Wilkening, Science & Global Security 8 (2000); APS 2022 ch. 4).

Fly-out model (stated simplifications)
--------------------------------------
Straight line from the site to the intercept point, Earth-fixed frame; no
gravity turn, no lofting, no curvature of the path (terminal ranges are
≤ a few hundred km, so the chord and the flown path differ by < 1 %).
Boost at constant acceleration a = v_bo / t_b for t_b, then coast:

    d(t) = a t² / 2                                  t ≤ t_b
    d(t) = d_b + L ln(1 + v_bo (t − t_b) / L)        t > t_b,  d_b = v_bo t_b / 2

The coast loss is a speed decaying exponentially with the coast distance,
v(s) = v_bo exp(−s / L) (dv/dt = −v² / L: a drag-like loss at constant
density, lumping drag and gravity; ``coast_decay_length_m`` L, ``inf`` = the
loss-free coast d_b + v_bo (t − t_b)). Inverse (time to reach distance s):

    t(s) = sqrt(2 s / a)                             s ≤ d_b
    t(s) = t_b + L (exp((s − d_b) / L) − 1) / v_bo   s > d_b   (→ t_b + (s − d_b)/v_bo, L → ∞)

A *carrier* (a fighter on a CAP station, ``carrier_speed_mps``/``carrier_radius_m``)
first flies straight toward the point until it is within the missile's own
reach R_m = max_ground_range − carrier_radius (at most carrier_radius), then
fires: t = c / v_carrier + t_missile(s − c), c = clip(s − R_m, 0, R_carrier).
The scramble / turn delay is ``launch_to_commit_s`` (applied by the engine).

Feasibility of a candidate intercept point (PIP) at time t_c: geodetic
altitude inside [min, max]; great-circle ground range ≤ max ground range;
slant range ≥ ``min_slant_range_m``; the class can engage the object's kind
(``spec.engages``); and the fly-out time fits, t_launch + t(s) ≤ t_c (the
interceptor arrives no later than t_c; the launch can be held by the slack).
The earliest feasible candidate is chosen per threat. No line-of-sight or
fire-control radar horizon is checked here (the sensor layer decides what is
tracked). Frames: ECI in and out [m, m/s]; GMST θ(t) = θ_launch + ω (t − t_launch).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import R_EARTH_MEAN_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    ecef_to_eci_state,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m as _great_circle_m,
)
from shieldlab.weapons.intercept import (
    InterceptPlan,
    candidate_grid,
    engageable,
    plan_intercepts,
    threat_velocity,
)
from shieldlab.weapons.interceptor import InterceptorSite, InterceptorSpec

F64 = NDArray[np.float64]
_G = TypeVar("_G", bound=np.generic)


def flyout_distance_m(spec: InterceptorSpec, t_s: ArrayLike) -> F64:
    """Distance [m] flown t_s after missile launch (boost–coast closed form, module docstring)."""
    t = np.asarray(t_s, dtype=np.float64)
    v_b, t_b, big_l = spec.burnout_speed_mps, spec.burn_time_s, spec.coast_decay_length_m
    a = v_b / t_b
    tc = np.maximum(t - t_b, 0.0)
    coast = v_b * tc if np.isinf(big_l) else big_l * np.log1p(v_b * tc / big_l)
    return np.where(t <= t_b, 0.5 * a * np.maximum(t, 0.0) ** 2, 0.5 * v_b * t_b + coast)


def flyout_speed_mps(spec: InterceptorSpec, t_s: ArrayLike) -> F64:
    """Speed [m/s] t_s after missile launch: a t in boost, v_bo / (1 + v_bo t' / L) in coast."""
    t = np.asarray(t_s, dtype=np.float64)
    v_b, t_b, big_l = spec.burnout_speed_mps, spec.burn_time_s, spec.coast_decay_length_m
    tc = np.maximum(t - t_b, 0.0)
    coast = np.full_like(tc, v_b) if np.isinf(big_l) else v_b / (1.0 + v_b * tc / big_l)
    return np.where(t <= t_b, v_b / t_b * np.maximum(t, 0.0), coast)


def flyout_time_s(spec: InterceptorSpec, distance_m: ArrayLike) -> F64:
    """Missile time [s] to fly ``distance_m`` in a straight line (inverse of the distance law)."""
    s = np.maximum(np.asarray(distance_m, dtype=np.float64), 0.0)
    v_b, t_b, big_l = spec.burnout_speed_mps, spec.burn_time_s, spec.coast_decay_length_m
    d_b = 0.5 * v_b * t_b
    sc = np.maximum(s - d_b, 0.0)
    if np.isinf(big_l):
        coast = sc / v_b
    else:
        with np.errstate(over="ignore"):
            coast = big_l * np.expm1(sc / big_l) / v_b
    return np.where(s <= d_b, np.sqrt(2.0 * s * t_b / v_b), t_b + coast)


def _carrier_leg_m(spec: InterceptorSpec, s: F64) -> F64:
    """Distance [m] the carrier flies before firing (0 for a fixed launcher)."""
    if spec.carrier_radius_m <= 0.0:
        return np.zeros_like(s)
    reach = spec.max_ground_range_m - spec.carrier_radius_m
    return np.clip(s - reach, 0.0, spec.carrier_radius_m)


def reach_time_s(spec: InterceptorSpec, distance_m: ArrayLike) -> F64:
    """Time [s] from launch (or carrier dash start) to a point ``distance_m`` away (slant).

    c / v_carrier + t_missile(s − c), c the carrier leg (module docstring).
    """
    s = np.maximum(np.asarray(distance_m, dtype=np.float64), 0.0)
    c = _carrier_leg_m(spec, s)
    dash = c / spec.carrier_speed_mps if spec.carrier_speed_mps > 0 else np.zeros_like(s)
    return dash + flyout_time_s(spec, s - c)


def envelope_intercepts(
    site: InterceptorSite,
    t_launch_s: float,
    t_candidates_s: ArrayLike,
    r_threat_eci_m: ArrayLike,
    gmst_launch_rad: float,
    v_threat_eci_mps: ArrayLike | None = None,
    object_kind: ArrayLike | None = None,
) -> InterceptPlan:
    """Earliest feasible envelope intercept of each threat (same contract as ``plan_intercepts``).

    Parameters
    ----------
    site : the launch site or CAP station (performance in ``site.spec``).
    t_launch_s : earliest launch (or carrier dash) time [s] on the scenario clock.
    t_candidates_s : (k,) candidate intercept times [s], ascending, or (n, k) one grid
        per threat (NaN: no candidate), as for ``plan_intercepts``.
    r_threat_eci_m : (n, k, 3) predicted threat positions (ECI) at those times.
    gmst_launch_rad : GMST at ``t_launch_s`` [rad].
    v_threat_eci_mps : optional (n, k, 3) threat velocities (ECI); finite-differenced
        along a shared grid if omitted (required with per-threat grids).
    object_kind : optional (n,) ``OBJECT_*`` codes as classified by the battle manager;
        threats of a kind outside ``spec.engages`` are infeasible. None: no class check.

    Returned ``v_interceptor_bo_mps`` is the inertial velocity at burnout (or at the PIP
    when the PIP is reached during the boost), ``v_interceptor_pip_mps`` the inertial
    velocity at the PIP for a launch held so that it arrives exactly at t_c, and
    ``closing_speed_mps`` = |v_threat − v_interceptor| there.
    """
    spec = site.spec
    r_thr = np.asarray(r_threat_eci_m, dtype=np.float64)
    n, k = r_thr.shape[0], r_thr.shape[1]
    if r_thr.shape != (n, k, 3):
        raise ValueError(f"r_threat_eci_m must be (n, k, 3), got {r_thr.shape}")
    t2 = candidate_grid(t_candidates_s, n, k)  # (1, k) shared or (n, k) per threat

    gmst_c = gmst_launch_rad + WGS84_OMEGA_RAD_S * (t2 - t_launch_s)  # (1 or n, k)
    r_pip_ecef = eci_to_ecef(r_thr, gmst_c)  # (n, k, 3)
    lat, lon, alt = ecef_to_geodetic(r_pip_ecef)
    ground = _great_circle_m(site.lat_rad, site.lon_rad, lat, lon, R_EARTH_MEAN_M)
    los = r_pip_ecef - site.r_ecef_m
    slant = np.linalg.norm(los, axis=-1)
    t_reach = reach_time_s(spec, slant)
    feas_nk = (
        (alt >= spec.min_intercept_altitude_m)
        & (alt <= spec.max_intercept_altitude_m)
        & (ground <= spec.max_ground_range_m)
        & (slant >= spec.min_slant_range_m)
        & (t_launch_s + t_reach <= t2)
    )
    if object_kind is not None:
        kinds = np.asarray(object_kind).reshape(-1)
        if kinds.size != n:
            raise ValueError(f"object_kind must be ({n},), got {kinds.shape}")
        feas_nk &= engageable(spec, kinds)[:, None]

    feasible = feas_nk.any(axis=1)
    k_idx = np.where(feasible, np.argmax(feas_nk, axis=1), -1).astype(np.int64)
    rows = np.arange(n)
    kk = np.maximum(k_idx, 0)
    f3 = feasible[:, None]
    nan3 = np.full((n, 3), np.nan)

    # interceptor state along the chosen line of sight (Earth-fixed, then to ECI)
    s_sel = slant[rows, kk]
    with np.errstate(invalid="ignore", divide="ignore"):
        u = los[rows, kk] / np.where(s_sel > 0, s_sel, 1.0)[:, None]
    c_sel = _carrier_leg_m(spec, s_sel)
    t_missile = flyout_time_s(spec, s_sel - c_sel)  # launch held: arrival exactly at t_c
    gmst_pip = np.broadcast_to(gmst_c, (n, k))[rows, kk]
    _, v_pip = ecef_to_eci_state(
        r_pip_ecef[rows, kk], u * flyout_speed_mps(spec, t_missile)[:, None], gmst_pip
    )
    t_bo = np.minimum(t_missile, spec.burn_time_s)  # missile time of burnout (or of the PIP)
    r_bo_ecef = site.r_ecef_m + u * (c_sel + flyout_distance_m(spec, t_bo))[:, None]
    gmst_bo = gmst_pip - WGS84_OMEGA_RAD_S * (t_missile - t_bo)
    _, v_bo = ecef_to_eci_state(r_bo_ecef, u * flyout_speed_mps(spec, t_bo)[:, None], gmst_bo)
    v_thr = threat_velocity(t2, r_thr, v_threat_eci_mps)
    closing = np.linalg.norm(v_thr[rows, kk] - v_pip, axis=-1)
    return InterceptPlan(
        feasible=feasible,
        k_index=k_idx,
        t_intercept_s=np.where(feasible, np.broadcast_to(t2, (n, k))[rows, kk], np.nan),
        r_pip_eci_m=np.where(f3, r_thr[rows, kk], nan3),
        v_interceptor_bo_mps=np.where(f3, v_bo, nan3),
        v_interceptor_pip_mps=np.where(f3, v_pip, nan3),
        closing_speed_mps=np.where(feasible, closing, np.nan),
        intercept_alt_m=np.where(feasible, alt[rows, kk], np.nan),
        feasible_nk=feas_nk,
    )


def _scatter_rows(sub: InterceptPlan, ok: NDArray[np.bool_], k: int) -> InterceptPlan:
    """Expand a plan computed for the rows ``ok`` back to all n rows (others infeasible)."""
    n = ok.size

    def put(a: NDArray[_G], fill: float | int | bool) -> NDArray[_G]:
        out = np.full((n, *a.shape[1:]), fill, dtype=a.dtype)
        out[ok] = a
        return out

    return InterceptPlan(
        feasible=put(sub.feasible, False),
        k_index=put(sub.k_index, -1),
        t_intercept_s=put(sub.t_intercept_s, np.nan),
        r_pip_eci_m=put(sub.r_pip_eci_m, np.nan),
        v_interceptor_bo_mps=put(sub.v_interceptor_bo_mps, np.nan),
        v_interceptor_pip_mps=put(sub.v_interceptor_pip_mps, np.nan),
        closing_speed_mps=put(sub.closing_speed_mps, np.nan),
        intercept_alt_m=put(sub.intercept_alt_m, np.nan),
        feasible_nk=put(sub.feasible_nk.reshape(-1, k), False),
    )


def plan_for_site(
    site: InterceptorSite,
    t_launch_s: float,
    t_candidates_s: ArrayLike,
    r_threat_eci_m: ArrayLike,
    gmst_launch_rad: float,
    v_threat_eci_mps: ArrayLike | None = None,
    object_kind: ArrayLike | None = None,
) -> InterceptPlan:
    """Earliest feasible intercepts from one site, by the fly-out model its class names.

    ``spec.flyout == "envelope"``: :func:`envelope_intercepts`; ``"lambert"``:
    :func:`~shieldlab.weapons.intercept.plan_intercepts`, solved only for the threats
    whose ``object_kind`` the class engages (all when ``object_kind`` is None).
    Arguments and the returned :class:`InterceptPlan` as for those two functions.
    """
    if site.spec.flyout == "envelope":
        return envelope_intercepts(
            site,
            t_launch_s,
            t_candidates_s,
            r_threat_eci_m,
            gmst_launch_rad,
            v_threat_eci_mps,
            object_kind,
        )
    if object_kind is None:
        return plan_intercepts(
            site, t_launch_s, t_candidates_s, r_threat_eci_m, gmst_launch_rad, v_threat_eci_mps
        )
    r_thr = np.asarray(r_threat_eci_m, dtype=np.float64)
    n, k = r_thr.shape[0], r_thr.shape[1]
    t2 = candidate_grid(t_candidates_s, n, k)
    kinds = np.asarray(object_kind).reshape(-1)
    if kinds.size != n:
        raise ValueError(f"object_kind must be ({n},), got {kinds.shape}")
    ok = engageable(site.spec, kinds)
    if not ok.any():
        none = np.zeros(0, bool)
        empty = InterceptPlan(
            feasible=none,
            k_index=np.zeros(0, np.int64),
            t_intercept_s=np.zeros(0),
            r_pip_eci_m=np.zeros((0, 3)),
            v_interceptor_bo_mps=np.zeros((0, 3)),
            v_interceptor_pip_mps=np.zeros((0, 3)),
            closing_speed_mps=np.zeros(0),
            intercept_alt_m=np.zeros(0),
            feasible_nk=np.zeros((0, k), bool),
        )
        return _scatter_rows(empty, ok, k)
    v_sub = None if v_threat_eci_mps is None else np.asarray(v_threat_eci_mps)[ok]
    t_sub = t2 if t2.shape[0] == 1 else t2[ok]
    sub = plan_intercepts(site, t_launch_s, t_sub, r_thr[ok], gmst_launch_rad, v_sub)
    return _scatter_rows(sub, ok, k)


__all__ = [
    "envelope_intercepts",
    "flyout_distance_m",
    "flyout_speed_mps",
    "flyout_time_s",
    "plan_for_site",
    "reach_time_s",
]
