"""Post-boost vehicle (MIRV bus) deploying reentry vehicles and penetration aids.

Model (3-DOF point masses; every object in its missile's *launch frame*, the
inertial frame equal to ECEF at launch, as in :mod:`shieldlab.threats.ballistic`):

- **Boost.** The booster named by the catalog entry (a ``kind: ballistic``
  entry, its payload mass replaced by the whole post-boost payload) is aimed
  at the bus's aim point (the footprint centre, or the first RV's target)
  with :func:`shieldlab.threats.aim.solve_aim` (minimum energy unless a
  ``shape`` is given).
- **Targets.** Each RV has its own aim point: the catalog footprint (offsets
  around the bus's aim) when none are given, else the raid's allocation
  (``rv_aim_deg``: one target per RV, within the bus's Δv,
  :func:`choose_rv_targets`; several RVs may share a target).
- **Post-boost.** From burnout the bus coasts (J2, drag by its β, rotating
  US-76 atmosphere) and releases its N RVs one by one, the first
  ``first_release_s`` after burnout and then every ``release_interval_s``.
  Before release k the bus puts itself on RV k's trajectory with one
  impulsive burn Δv_k and lets the RV go (spring separation neglected): RV
  k's velocity is the vacuum Lambert velocity (``core.lambert``) from the
  bus position to its own aim point, the time of flight chosen to minimise
  |Δv_k| (golden-section search around the Kepler free-flight time). A
  correction loop (at most ``MAX_AIM_PASSES`` full-physics flights of all
  RVs) shifts each Lambert target by minus the miss (J2, drag, rotation) until
  every RV lands within ``AIM_TOL_M`` of its aim point. After the last
  release the bus backs away with a retro burn of ``backout_mps``.
  The bus Δv used is Σ|Δv_k| + backout; it must not exceed the budget
  (ValueError). Assumptions: impulsive burns; the budget is a Δv, not a
  propellant mass (the bus gets lighter as it releases RVs, so a fixed-Δv
  budget is conservative); the spent final stage is not a separate object.
- **Penetration aids** (heavy decoys, light decoys, balloons, chaff clouds)
  are assigned round-robin to the RVs and released with them, each with its
  RV's state plus a separation velocity of fixed speed in a random direction
  (uniform on the sphere) drawn from a seeded ``numpy.random.Generator``.
- **Free flight.** Every released object, and the bus after its back-out,
  coasts with its own β: a = g_J2 − ½ρ|v_rel|v_rel/β, v_rel = v − ω × r,
  US Standard Atmosphere 1976 density. Phases MIDCOURSE, then REENTRY below
  the 120 km entry interface.
- **Atmospheric stripping.** Light decoys, balloons, chaff and the bus carry
  no reentry heat shield (Sessler et al. 2000, ch. 4 and App. A: light
  decoys and balloons are "stripped away" by the atmosphere; the bus burns up
  in reentry). Such an object is declared *stripped* (burnt up / lost to a
  radar as an RV-like object) when its air-relative speed has fallen below
  ``STRIP_SPEED_FRACTION`` (one half) of its speed at the 120 km entry
  interface. By the Allen–Eggers solution (Regan & Anandakrishnan 1993,
  ch. 5) v/v_e = exp(−M(h)/(2β sin γ)), M(h) the air column mass above h,
  so this happens at M = 2 ln 2 · β sin γ: ~75–85 km for chaff (β ≈ 0.3),
  ~60–70 km for balloons (β ≈ 2), ~30–40 km for light decoys (β ≈ 100) and
  ~20–30 km for the bus (β ≈ 200), while RVs and heavy decoys (β ≥ 1000)
  keep their heat shields and fly to the ground (they lose half their speed
  only in the last ~10 km). A stripped object stays, phase IMPACTED, at its
  strip point (turning with the Earth); its ``t_impact_s`` is the strip time.

Output (:class:`~shieldlab.threats.truth.Trajectories`): for each of n
missiles P objects in the order [bus, RV 0..N−1, heavy decoys, light decoys,
balloons, chaff]; object i·P + j is object j of launch i. Before its release
a payload object is not a separate object: phase PRELAUNCH, RCS 0, and its
state is the carrier's (launch site before launch, booster/bus after). The
bus object is the booster in BOOST and the bus in POSTBOOST. ``t_burnout_s``
holds each object's *release* time (booster burnout for the bus) and
``burnout_alt_m``/``burnout_speed_mps`` its height and inertial speed there;
``aim_*`` the aim point of its RV (footprint centre for the bus).

Sources: Sessler et al., *Countermeasures* (UCS/MIT Security Studies
Program, 2000); APS Study Group on Boost-Phase Intercept (2003) and APS
POPA, *Ballistic Missile Defense: Threats and Challenges* (2022); Wright,
Grego & Gronlund, *The Physics of Space Security* (2005); Regan &
Anandakrishnan, *Dynamics of Atmospheric Re-entry* (AIAA 1993).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2, R_EARTH_MEAN_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4, rk4_until
from shieldlab.core.lambert import lambert
from shieldlab.threats.aim import solve_aim
from shieldlab.threats.ballistic import (
    ENTRY_INTERFACE_ALT_M,
    Flight,
    PhysicsFlags,
    Segment,
    coast_rhs,
    density_fast_kg_m3,
    kepler_free_flight,
    min_energy_gamma_rad,
    min_energy_speed_mps,
)
from shieldlab.threats.postboost_catalog import (
    MirvSpec,
    load_mirv_specs,
)
from shieldlab.threats.trajectory import sample_flight
from shieldlab.threats.truth import (
    OBJECT_BALLOON,
    OBJECT_BUS,
    OBJECT_CHAFF,
    OBJECT_LIGHT_DECOY,
    PHASE_IMPACTED,
    PHASE_MIDCOURSE,
    PHASE_POSTBOOST,
    PHASE_PRELAUNCH,
    PHASE_REENTRY,
    Trajectories,
    make_trajectories,
)

F64 = NDArray[np.float64]
OMEGA = WGS84_OMEGA_RAD_S

STRIP_SPEED_FRACTION = 0.5
"""Strippable objects are stripped below this fraction of their air speed at 120 km."""
STRIPPABLE_KINDS = (OBJECT_BUS, OBJECT_LIGHT_DECOY, OBJECT_BALLOON, OBJECT_CHAFF)
"""Object kinds without a reentry heat shield (stripped by the atmosphere)."""
COAST_SWITCH_ALT_M = 300e3
"""Leave the long coast step when descending through this height [m]."""
COAST_STEP_S, DESCENT_STEP_S, ENTRY_STEP_S, BUS_STEP_S = 20.0, 4.0, 0.25, 10.0
"""RK4 steps [s]: midcourse coast, descent to 120 km, below 120 km, bus between releases."""
MAX_COAST_S, MAX_ENTRY_S = 6000.0, 900.0
AIM_TOL_M = 50.0
"""RV miss [m] at which the deployment correction loop stops."""
MAX_AIM_PASSES = 8
MAX_MISS_M = 2000.0
"""Largest RV miss [m] accepted after the correction loop (else ValueError)."""
_TOF_FACTORS = np.linspace(0.7, 1.4, 15)
_GOLDEN = 0.6180339887498949


# ----------------------------------------------------------------------------- catalog


# ----------------------------------------------------------------------------- dynamics


def _height_m(r: F64) -> F64:
    return ecef_to_geodetic(r)[2]


def _omega_cross(r: F64) -> F64:
    out = np.empty_like(r)
    out[..., 0] = -OMEGA * r[..., 1]
    out[..., 1] = OMEGA * r[..., 0]
    out[..., 2] = 0.0
    return out


def _free_rhs(t: float | F64, y: F64) -> F64:
    """Derivative of the augmented state [r, v, β, v_strip] (…, 8), launch frame.

    J2 gravity, drag ½ρ|v_rel|v_rel/β (US-76, rotating atmosphere); β and the
    strip speed are carried as constant state components so that a batch of
    objects with different β can run through ``rk4_until`` (which evaluates
    subsets of the batch while locating events).
    """
    r, v = y[..., :3], y[..., 3:6]
    vrel = v - _omega_cross(r)
    speed = np.linalg.norm(vrel, axis=-1, keepdims=True)
    rho = density_fast_kg_m3(_height_m(r))[..., None]
    a = accel_j2(r) - 0.5 * rho * speed * vrel / y[..., 6:7]
    return np.concatenate([v, a, np.zeros_like(y[..., 6:])], axis=-1)


def _air_speed(y: F64) -> F64:
    return np.linalg.norm(y[:, 3:6] - _omega_cross(y[:, :3]), axis=-1)


def _descent_event(alt_m: float) -> Callable[[float | F64, F64], F64]:
    """> 0 until the object descends through ``alt_m`` (ascending objects stay positive)."""

    def g(t: float | F64, y: F64) -> F64:
        h = _height_m(y[:, :3]) - alt_m
        descending = np.einsum("ij,ij->i", y[:, :3], y[:, 3:6]) < 0.0
        return np.where(descending, h, np.maximum(h, 1.0))

    return g


def _floor_or_strip(floor_m: float) -> Callable[[float | F64, F64], F64]:
    """> 0 until the height reaches ``floor_m`` or the air speed falls below y[:, 7]."""

    def g(t: float | F64, y: F64) -> F64:
        return np.minimum(_height_m(y[:, :3]) - floor_m, _air_speed(y) - y[:, 7])

    return g


@dataclass(frozen=True)
class FreeFlight:
    """Free flight of m objects from their release (launch frames, τ = time since launch).

    ``segments`` for :func:`~shieldlab.threats.trajectory.sample_flight`;
    ``tau_end_s`` impact or strip time, ``y_end`` (m, 6) state there,
    ``stripped`` (m,) True where stripped before the ground, ``tau_entry_s``
    120 km crossing (NaN if none), ``ok`` False where no end within the window.
    """

    segments: tuple[Segment, ...]
    tau_end_s: F64
    y_end: F64
    stripped: NDArray[np.bool_]
    tau_entry_s: F64
    ok: NDArray[np.bool_]


def fly_free_objects(
    tau0_s: F64,
    y0: F64,
    beta_kg_m2: F64,
    strippable: NDArray[np.bool_],
    floor_alt_m: float = 0.0,
    entry_step_s: float = ENTRY_STEP_S,
) -> FreeFlight:
    """Coast m objects from states ``y0`` (m, 6) at launch-frame times ``tau0_s`` (m,) to the end.

    Pieces: coast (20 s step) down to 300 km, descent (4 s) to the 120 km
    entry interface, then ``entry_step_s`` down to impact (or to
    ``floor_alt_m`` for studies) or stripping (for ``strippable`` objects:
    air speed < ``STRIP_SPEED_FRACTION`` × speed at 120 km). Vectorised over
    objects; Python loops over time steps only.
    """
    m = tau0_s.size
    y = np.concatenate([y0, beta_kg_m2[:, None], np.zeros((m, 1))], axis=1)
    tau = tau0_s.astype(np.float64).copy()
    alive = np.ones(m, bool)
    tau_entry = np.full(m, np.nan)
    segs: list[Segment] = []
    pieces: tuple[tuple[Callable[[float | F64, F64], F64], float, float, int], ...] = (
        (_descent_event(COAST_SWITCH_ALT_M), COAST_STEP_S, MAX_COAST_S, PHASE_MIDCOURSE),
        (_descent_event(ENTRY_INTERFACE_ALT_M), DESCENT_STEP_S, MAX_ENTRY_S, PHASE_MIDCOURSE),
        (_floor_or_strip(floor_alt_m), entry_step_s, MAX_ENTRY_S, PHASE_REENTRY),
    )
    for event, h, t_max, phase in pieces:
        if phase == PHASE_REENTRY:
            tau_entry = np.where(alive, tau, np.nan)
            y[:, 7] = np.where(strippable, STRIP_SPEED_FRACTION * _air_speed(y), 0.0)
        active = alive & (event(0.0, y) > 0)
        res = rk4_until(_free_rhs, y, 0.0, h, t_max, event, active=active)
        dur = np.where(active, res.t_event_s, 0.0)
        acc = _free_rhs(0.0, res.y)[..., 3:6]
        segs.append(Segment(tau.copy(), tau + dur, h, res.y[..., :6], acc, phase, 0.0, 0.0))
        alive &= ~np.isnan(dur)
        tau = np.where(alive, tau + dur, tau)
        y = np.where(alive[:, None], res.y_event, y)
    h_end = _height_m(y[:, :3])
    ok = alive & (h_end < ENTRY_INTERFACE_ALT_M)
    stripped = ok & (h_end > floor_alt_m + 1.0)
    return FreeFlight(tuple(segs), tau, y[:, :6].copy(), stripped, tau_entry, ok)


# ----------------------------------------------------------------------------- deployment


@dataclass(frozen=True)
class MirvPlan:
    """Boost, bus manoeuvres and release states of n missiles (launch frames).

    boost: the booster's aimed flight (its boost segments are used);
    bus_segments: bus coast between burnout and the last release;
    tau_release_s (n, P) release time of each object (bus: last release);
    y_release (n, P, 6) state just after release (bus: after back-out);
    aim_lat_rad, aim_lon_rad (n, P) aim point of each object's RV (bus: its aim);
    delta_v_used_mps (n,) bus Δv used; dv_rv_mps (n, N) |Δv| per RV;
    rv_miss_m (n, N) RV miss of the final full-physics flight.
    """

    spec: MirvSpec
    boost: Flight
    bus_segments: tuple[Segment, ...]
    tau_release_s: F64
    y_release: F64
    aim_lat_rad: F64
    aim_lon_rad: F64
    delta_v_used_mps: F64
    dv_rv_mps: F64
    rv_miss_m: F64


def footprint_aim_points(
    spec: MirvSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    aim_lat_rad: F64,
    aim_lon_rad: F64,
    scale: float = 1.0,
) -> tuple[F64, F64]:
    """Geodetic aim points (n, N) [rad] of the RVs around each footprint centre.

    Along-track: the direction of the ground track at the centre (great circle
    from the launch point, continued); cross-track positive to its right.
    """
    track = initial_azimuth_rad(aim_lat_rad, aim_lon_rad, launch_lat_rad, launch_lon_rad) + np.pi
    a = scale * np.asarray(spec.along_track_m)[None, :]
    c = scale * np.asarray(spec.cross_track_m)[None, :]
    lat, lon = destination_point(
        aim_lat_rad[:, None],
        aim_lon_rad[:, None],
        track[:, None] + np.arctan2(c, a),
        np.hypot(a, c),
    )
    return lat, lon


CHAIN_MARGIN = 0.7
"""Fraction of the bus Δv (after the back-out) that :func:`choose_rv_targets` plans to spend:
the two-body estimate of :func:`rv_sensitivity_m_per_mps` leaves out J2, drag, the bus coast
before each release and the Lambert time-of-flight choice (measured: the real Δv is within
25 % of it, at 6,000-9,000 km for generic-mirv-icbm)."""


def rv_sensitivity_m_per_mps(range_m: ArrayLike) -> tuple[F64, F64]:
    """Impact shift [m per m/s] down-range and cross-range of a Δv given near burnout.

    Two-body minimum-energy trajectory from the surface of a spherical Earth
    of radius r over the ground range R = rψ (Wright, Grego & Gronlund 2005,
    ch. 11; Bate, Mueller & White 1971 §6.2): with Q = v²r/μ and
    sin(ψ/2) = Q/(2 − Q) on the minimum-energy envelope,
    dR/dv = r·8Q/(v(2 − Q)² cos(ψ/2)); a velocity δv normal to the plane
    turns it by δv/(v cos γ*) about the burnout radius, moving the impact
    r sin ψ/(v cos γ*) per m/s cross-range. Arrays (n,) in and out.
    """
    r = R_EARTH_MEAN_M
    psi = np.clip(np.asarray(range_m, np.float64) / r, 1e-3, np.pi - 1e-3)
    v = min_energy_speed_mps(np.full(psi.shape, r), psi)
    g = min_energy_gamma_rad(psi)
    q = v * v * r / GM_EARTH_M3_S2
    down = r * 8.0 * q / (v * (2.0 - q) ** 2 * np.cos(psi / 2.0))
    cross = r * np.sin(psi) / (v * np.cos(g))
    return down, cross


def choose_rv_targets(
    spec: MirvSpec,
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    lat_rad: F64,
    lon_rad: F64,
    max_picks: int,
) -> list[int]:
    """Candidate points (k,) [rad] a bus aimed at one aim point takes for its other RVs.

    Greedy nearest neighbour in Δv space: starting at the aim point, the
    bus repeatedly takes the untaken candidate whose hop costs the least Δv
    (offsets along/across the ground track divided by
    :func:`rv_sensitivity_m_per_mps`; ties to the lower index, i.e. the
    caller's priority order) while the summed hops fit ``CHAIN_MARGIN`` of
    its Δv budget after the back-out; at most ``max_picks``. Returns the
    chosen indices in release order.
    """
    rng_m = great_circle_distance_m(launch_lat_rad, launch_lon_rad, aim_lat_rad, aim_lon_rad)
    s_down, s_cross = (float(x[0]) for x in rv_sensitivity_m_per_mps(np.array([rng_m])))
    track = initial_azimuth_rad(aim_lat_rad, aim_lon_rad, launch_lat_rad, launch_lon_rad) + np.pi
    d = great_circle_distance_m(aim_lat_rad, aim_lon_rad, lat_rad, lon_rad)
    brg = initial_azimuth_rad(aim_lat_rad, aim_lon_rad, lat_rad, lon_rad) - track
    u = np.stack([d * np.cos(brg) / s_down, d * np.sin(brg) / s_cross], axis=-1)  # [m/s]
    left = CHAIN_MARGIN * max(spec.delta_v_budget_mps - spec.backout_mps, 0.0)
    here = np.zeros(2)
    free = np.ones(u.shape[0], bool)
    out: list[int] = []
    for _ in range(min(max_picks, u.shape[0])):  # one hop per RV: N ≤ 20
        cost = np.where(free, np.hypot(*(u - here).T), np.inf)
        j = int(np.argmin(cost))
        if not cost[j] <= left:
            break
        out.append(j)
        left -= float(cost[j])
        here = u[j]
        free[j] = False
    return out


def rv_slots(n_rv: int, chosen: list[int]) -> list[int]:
    """Release order of N RVs over ``chosen`` targets (primary first): the spare RVs go to the
    primary, released right after it (a zero-Δv hop), so every chosen target gets one."""
    return [chosen[0]] * (n_rv - len(chosen) + 1) + chosen[1:]


def _min_dv_tof(r: F64, v: F64, target_ecef: F64, tau0: F64) -> F64:
    """Time of flight (n,) [s] minimising the Lambert |Δv| from (r, v) to a rotating target."""
    n = r.shape[0]
    _, tof_nat = kepler_free_flight(r, v, np.linalg.norm(target_ecef, axis=-1))

    def dv(tof: F64, idx: NDArray[np.intp]) -> F64:
        tgt = ecef_to_eci(target_ecef[idx], OMEGA * (tau0[idx] + tof))
        v1, _, ok = lambert(r[idx], tgt, tof, short_way=True)
        return np.where(ok, np.linalg.norm(v1 - v[idx], axis=-1), np.inf)

    k = _TOF_FACTORS.size
    rows = np.repeat(np.arange(n), k)
    grid = (tof_nat[:, None] * _TOF_FACTORS[None, :]).ravel()
    cost = dv(grid, rows).reshape(n, k)
    j = np.clip(np.argmin(cost, axis=1), 1, k - 2)
    idx = np.arange(n)
    lo = tof_nat * _TOF_FACTORS[j - 1]
    hi = tof_nat * _TOF_FACTORS[j + 1]
    for _ in range(40):  # golden-section search, vectorised
        c = hi - _GOLDEN * (hi - lo)
        d = lo + _GOLDEN * (hi - lo)
        left = dv(c, idx) < dv(d, idx)
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
    # |Δv| is flat at its minimum: round to 10 ms so that rounding noise in the
    # inputs (e.g. batch size) cannot move the choice (batch = alone)
    return np.round(0.5 * (lo + hi), 2)


def _chain(
    spec: MirvSpec, y_bo: F64, tau_bo: F64, target_ecef: F64, tof: F64 | None
) -> tuple[list[Segment], F64, F64, F64, F64]:
    """Bus releases in order.

    Returns bus segments, RV release states (n, N, 6), |Δv_k| (n, N), times of
    flight (n, N) and the bus state after its back-out (n, 6).
    """
    f_bus = coast_rhs(spec.bus_beta_kg_m2, PhysicsFlags())
    n, nrv = y_bo.shape[0], spec.rv_count
    tofs = np.empty((n, nrv)) if tof is None else tof
    y = y_bo.copy()
    tau = tau_bo.copy()
    segs: list[Segment] = []
    y_rv = np.empty((n, nrv, 6))
    dv = np.empty((n, nrv))
    for k in range(nrv):  # one burn per release: a loop over release events, not objects
        dt = spec.first_release_s if k == 0 else spec.release_interval_s
        if dt > 0:
            steps = max(1, int(np.ceil(dt / BUS_STEP_S - 1e-9)))
            grid = np.linspace(0.0, dt, steps + 1)
            ys = rk4(f_bus, y, grid)
            acc = f_bus(0.0, ys)[..., 3:]
            segs.append(
                Segment(
                    tau.copy(), tau + dt, dt / steps, ys, acc, PHASE_POSTBOOST, spec.bus_rcs_m2, 0.0
                )
            )
            y, tau = ys[-1].copy(), tau + dt
        r, v = y[:, :3], y[:, 3:]
        if tof is None:
            tofs[:, k] = _min_dv_tof(r, v, target_ecef[:, k], tau)
        tgt = ecef_to_eci(target_ecef[:, k], OMEGA * (tau + tofs[:, k]))
        v1, _, ok = lambert(r, tgt, tofs[:, k], short_way=True)
        if not ok.all():
            raise ValueError(f"{spec.name}: no Lambert transfer from the bus to the aim of RV {k}")
        dv[:, k] = np.linalg.norm(v1 - v, axis=-1)
        y = np.concatenate([r, v1], axis=1)
        y_rv[:, k] = y
    # back-out: retro burn along the inertial velocity after the last release
    v = y[:, 3:]
    y_end = np.concatenate(
        [y[:, :3], v - spec.backout_mps * v / np.linalg.norm(v, axis=-1)[:, None]], 1
    )
    return segs, y_rv, dv, tofs, y_end


def _budget_check(spec: MirvSpec, dv: F64) -> F64:
    used = dv.sum(axis=1) + spec.backout_mps
    if np.any(used > spec.delta_v_budget_mps):
        i = int(np.argmax(used))
        raise ValueError(
            f"{spec.name}: bus delta-v needed {used[i]:.0f} m/s exceeds the budget "
            f"{spec.delta_v_budget_mps:.0f} m/s (missile {i}); shrink the footprint or raise "
            "bus.delta_v_budget_mps"
        )
    return used


def plan_mirv(
    spec: MirvSpec,
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike = 0.0,
    seed: int = 0,
    rng: np.random.Generator | None = None,
    footprint_scale: float = 1.0,
    rv_aim_lat_rad: ArrayLike | None = None,
    rv_aim_lon_rad: ArrayLike | None = None,
    shape: str | None = None,
) -> MirvPlan:
    """Aim the booster at the bus aim points and plan the bus releases of n missiles.

    Arrays (n,) in (geodetic radians; launch times [s] only seed the random
    separations). RV aim points: ``rv_aim_lat_rad``/``rv_aim_lon_rad`` (n, N)
    [rad] if given (each RV its own target), else the catalog footprint
    around the bus aim point scaled by ``footprint_scale``. ``shape``: the
    booster's trajectory shape (default minimum energy, see
    :func:`shieldlab.threats.aim.solve_aim`). Penetration-aid separation
    directions come from ``rng`` if
    given (one draw for the whole batch), else from one generator per launch,
    ``SeedSequence(seed, spawn_key=<bits of the launch's lat, lon, aim, time>)``
    so that a launch gets the same objects alone or in any batch. Raises
    ``ValueError`` (one line) when the booster cannot reach, the bus Δv budget
    is exceeded, or an RV cannot be brought within ``MAX_MISS_M``.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon, alat, alon, t0 = (
        np.broadcast_to(np.asarray(a, np.float64), lat.shape).copy()
        for a in (launch_lon_rad, aim_lat_rad, aim_lon_rad, t_launch_s)
    )
    n, nrv = lat.size, spec.rv_count
    sol = solve_aim(spec.booster, lat, lon, alat, alon, shape=shape)
    fl = sol.flight
    y_bo = np.concatenate([fl.r_burnout_m, fl.v_burnout_mps], axis=1)
    tau_bo = fl.tau_burnout_s
    if rv_aim_lat_rad is None or rv_aim_lon_rad is None:
        klat, klon = footprint_aim_points(spec, lat, lon, alat, alon, footprint_scale)
    else:
        klat = np.broadcast_to(np.asarray(rv_aim_lat_rad, np.float64), (n, nrv)).copy()
        klon = np.broadcast_to(np.asarray(rv_aim_lon_rad, np.float64), (n, nrv)).copy()
    aim_ecef = geodetic_to_ecef(klat, klon, 0.0)  # (n, N, 3)
    enu = enu_matrix(klat, klon)  # (n, N, 3, 3), rows e, n, u
    shift = np.zeros((n, nrv, 3))
    tof: F64 | None = None
    todo = np.ones((n, nrv), bool)
    tau_rel = tau_bo[:, None] + spec.first_release_s + spec.release_interval_s * np.arange(nrv)
    for it in range(MAX_AIM_PASSES):
        segs, y_rv, dv, tof, y_bus = _chain(spec, y_bo, tau_bo, aim_ecef + shift, tof)
        if it == 0:
            _budget_check(spec, dv)
        ff = fly_free_objects(
            tau_rel.ravel(),
            y_rv.reshape(-1, 6),
            np.full(n * nrv, spec.rv_beta_kg_m2),
            np.zeros(n * nrv, bool),
        )
        r_imp = eci_to_ecef(ff.y_end[:, :3], OMEGA * ff.tau_end_s).reshape(n, nrv, 3)
        miss_en = ecef_to_enu(r_imp, klat, klon, 0.0)[..., :2]
        miss = np.hypot(miss_en[..., 0], miss_en[..., 1])
        miss = np.where(ff.ok.reshape(n, nrv), miss, np.inf)
        todo = todo & ~(miss < AIM_TOL_M)
        if not todo.any():
            break
        step = np.einsum("...i,...ij->...j", miss_en, enu[..., :2, :])
        shift = np.where(todo[..., None] & np.isfinite(step), shift - step, shift)
    if not np.all(miss < MAX_MISS_M):
        i, k = np.unravel_index(int(np.argmax(np.nan_to_num(miss, posinf=1e99))), miss.shape)
        raise ValueError(f"{spec.name}: RV {k} of missile {i} misses its aim by {miss[i, k]:.0f} m")
    used = _budget_check(spec, dv)
    # all objects of a missile: bus, RVs, aids
    kind, _beta, _rcs, sep, rvi = spec.objects()
    npm = kind.size
    rv_of = rvi.astype(np.int64)
    src = np.where(rv_of < 0, nrv - 1, rv_of)
    y_rel = y_rv[:, src].copy()  # (n, P, 6)
    y_rel[:, 0] = y_bus
    t_rel = tau_rel[:, src]
    n_aid = npm - 1 - nrv
    if n_aid > 0:
        if rng is not None:
            z = rng.standard_normal((n, n_aid, 3))
        else:
            words = np.stack([lat, lon, alat, alon, t0], axis=1).view(np.uint32)
            z = np.stack(
                [
                    np.random.default_rng(
                        np.random.SeedSequence(seed, spawn_key=tuple(int(w) for w in row))
                    ).standard_normal((n_aid, 3))
                    for row in words  # one generator per launch: seeding only, no physics
                ]
            )
        u = z / np.linalg.norm(z, axis=-1, keepdims=True)
        y_rel[:, 1 + nrv :, 3:] += sep[None, 1 + nrv :, None] * u
    oa_lat = np.where(rv_of[None, :] < 0, alat[:, None], klat[:, src])
    oa_lon = np.where(rv_of[None, :] < 0, alon[:, None], klon[:, src])
    return MirvPlan(spec, fl, tuple(segs), t_rel, y_rel, oa_lat, oa_lon, used, dv, miss)


# ----------------------------------------------------------------------------- truth


def fly_mirv_spec(
    spec: MirvSpec,
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike,
    epoch: datetime,
    dt_s: float = 1.0,
    seed: int = 0,
    rng: np.random.Generator | None = None,
    footprint_scale: float = 1.0,
    rv_aim_lat_rad: ArrayLike | None = None,
    rv_aim_lon_rad: ArrayLike | None = None,
    shape: str | None = None,
) -> Trajectories:
    """Plan (:func:`plan_mirv`) and fly (:func:`fly_plan`) n MIRVed missiles (ECI truth)."""
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    t_launch = np.broadcast_to(np.asarray(t_launch_s, np.float64), lat.shape).copy()
    if dt_s <= 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    plan = plan_mirv(
        spec,
        lat,
        launch_lon_rad,
        aim_lat_rad,
        aim_lon_rad,
        t_launch,
        seed,
        rng,
        footprint_scale,
        rv_aim_lat_rad,
        rv_aim_lon_rad,
        shape,
    )
    return fly_plan(plan, t_launch, epoch, dt_s)


def fly_plan(plan: MirvPlan, t_launch_s: F64, epoch: datetime, dt_s: float = 1.0) -> Trajectories:
    """Fly every object of a plan; truth of n·P objects on one grid of step ``dt_s`` (ECI).

    ``t_launch_s`` (n,) [s from ``epoch``] as given to :func:`plan_mirv`. See the
    module docstring for the object order and the meaning of the fields.
    """
    if dt_s <= 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    spec = plan.spec
    t_launch = np.asarray(t_launch_s, np.float64)
    n = t_launch.size
    kind, beta, rcs, _sep, _rv = spec.objects()
    npm = kind.size
    m = n * npm
    strippable = np.isin(kind, STRIPPABLE_KINDS)
    ff = fly_free_objects(
        plan.tau_release_s.ravel(),
        plan.y_release.reshape(m, 6),
        np.tile(beta, n),
        np.tile(strippable, n),
    )
    if not ff.ok.all():
        raise ValueError(f"{spec.name}: an object did not come down within the flight window")
    fl = plan.boost
    tau_end = ff.tau_end_s
    r_end_ecef = eci_to_ecef(ff.y_end[:, :3], OMEGA * tau_end)
    t_obj = np.repeat(t_launch, npm)
    t_end = t_obj + tau_end
    nt = int(np.ceil(float(t_end.max()) / dt_s - 1e-9)) + 1
    t_grid: F64 = np.arange(nt, dtype=np.float64) * dt_s
    # carriers: booster then bus until the last release, one per missile
    boost_segs = tuple(s for s in fl.segments if s.tau0_s[0] < fl.tau_burnout_s[0])
    carrier = replace(
        fl,
        segments=boost_segs + plan.bus_segments,
        tau_impact_s=plan.tau_release_s[:, 0],
    )
    rc, vc, pc, rcs_c, plume_c = sample_flight(carrier, t_launch, t_grid, epoch)
    ilat, ilon, _ = ecef_to_geodetic(r_end_ecef)
    free = Flight(
        segments=ff.segments,
        launch_lat_rad=np.repeat(fl.launch_lat_rad, npm),
        launch_lon_rad=np.repeat(fl.launch_lon_rad, npm),
        r_launch_ecef_m=np.repeat(fl.r_launch_ecef_m, npm, axis=0),
        tau_burnout_s=plan.tau_release_s.ravel(),
        tau_reentry_s=ff.tau_entry_s,
        tau_impact_s=tau_end,
        r_burnout_m=plan.y_release.reshape(m, 6)[:, :3],
        v_burnout_mps=plan.y_release.reshape(m, 6)[:, 3:],
        r_impact_m=ff.y_end[:, :3],
        r_impact_ecef_m=r_end_ecef,
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
        burnout_alt_m=_height_m(plan.y_release.reshape(m, 6)[:, :3]),
        apogee_alt_m=np.full(m, np.nan),
        ok=ff.ok,
    )
    r, v, ph, _rcs_seg, _pl = sample_flight(free, t_obj, t_grid, epoch)
    flying = (ph != PHASE_PRELAUNCH) & (ph != PHASE_IMPACTED)
    rcs_o = np.where(flying, np.tile(rcs, n)[:, None], 0.0)
    plume = np.zeros((m, nt))
    # before release: the carrier's state; the bus object is the carrier itself
    tau = t_grid[None, :] - t_obj[:, None]
    carried = tau < plan.tau_release_s.ravel()[:, None]
    miss_idx = np.repeat(np.arange(n), npm)
    is_bus = np.tile(kind == OBJECT_BUS, n)[:, None]
    r = np.where(carried[..., None], rc[miss_idx], r)
    v = np.where(carried[..., None], vc[miss_idx], v)
    ph = np.where(carried, np.where(is_bus, pc[miss_idx], PHASE_PRELAUNCH), ph).astype(np.int8)
    rcs_o = np.where(carried, np.where(is_bus, rcs_c[miss_idx], 0.0), rcs_o)
    plume = np.where(carried & is_bus, plume_c[miss_idx], plume)
    y_rel = plan.y_release.reshape(m, 6)
    bo_alt = np.where(is_bus[:, 0], np.repeat(fl.burnout_alt_m, npm), free.burnout_alt_m)
    bo_speed = np.where(
        is_bus[:, 0],
        np.repeat(np.linalg.norm(fl.v_burnout_mps, axis=1), npm),
        np.linalg.norm(y_rel[:, 3:], axis=1),
    )
    tau_rel = np.where(is_bus[:, 0], np.repeat(fl.tau_burnout_s, npm), plan.tau_release_s.ravel())
    return make_trajectories(
        t_s=t_grid,
        r_eci_m=r,
        v_eci_mps=v,
        phase=ph,
        rcs_m2=rcs_o,
        plume_w_sr=plume,
        object_kind=np.tile(kind, n).astype(np.int8),
        launch_index=miss_idx.astype(np.int64),
        t_launch_s=t_obj,
        t_burnout_s=t_obj + tau_rel,
        t_impact_s=t_end,
        burnout_alt_m=bo_alt,
        burnout_speed_mps=bo_speed,
        launch_lat_rad=free.launch_lat_rad,
        launch_lon_rad=free.launch_lon_rad,
        aim_lat_rad=plan.aim_lat_rad.ravel(),
        aim_lon_rad=plan.aim_lon_rad.ravel(),
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
    )


def stripped_mask(tr: Trajectories, min_alt_m: float = 100.0) -> NDArray[np.bool_]:
    """Objects (n,) that ended stripped in the air (IMPACTED above ``min_alt_m``)."""
    h = ecef_to_geodetic(tr.r_eci_m[:, -1])[2]  # height is invariant under the ECI→ECEF rotation
    return (tr.phase[:, -1] == PHASE_IMPACTED) & (h > min_alt_m)


_OPTION_KEYS = ("seed", "footprint_scale", "rv_aim_deg", "shape")


def fly_mirv(
    name: str,
    options: Mapping[str, Any],
    lat: F64,
    lon: F64,
    aim_lat: F64,
    aim_lon: F64,
    t_launch: F64,
    epoch: datetime,
    dt_s: float,
) -> Trajectories:
    """Flyer of catalog ``kind: mirv`` (see ``threats.registry.Flyer``); n·P objects out.

    Options: ``seed`` (int, default 0) for the penetration-aid separations,
    ``footprint_scale`` (float > 0, default 1) multiplying the footprint offsets,
    ``rv_aim_deg`` (the RVs' own targets: ``[[lat, lon], ...]`` degrees, 1 to N
    pairs, RV k aimed at pair k mod their number; or one such list per
    launch, as the raid allocates them), ``shape`` (the booster's trajectory
    shape).
    """
    specs = load_mirv_specs()
    if name not in specs:
        raise ValueError(f"unknown MIRV threat {name!r}; allowed: {', '.join(sorted(specs))}")
    bad = sorted(set(options) - set(_OPTION_KEYS))
    if bad:
        raise ValueError(
            f"{name}: unknown option(s) {', '.join(bad)}; allowed: {', '.join(_OPTION_KEYS)}"
        )
    scale = float(options.get("footprint_scale", 1.0))
    if not scale > 0:
        raise ValueError(f"{name}: footprint_scale must be > 0, got {scale}")
    seed = int(options.get("seed", 0))
    shape = options.get("shape")
    if shape is not None and not isinstance(shape, str):
        raise ValueError(f"{name}: shape must be minimum-energy, lofted or depressed")
    spec = specs[name]
    rv_lat = rv_lon = None
    if options.get("rv_aim_deg") is not None:
        rv_lat, rv_lon = _rv_aims_rad(name, options["rv_aim_deg"], lat.size, spec.rv_count)
    args = (lat, lon, aim_lat, aim_lon, t_launch, epoch, dt_s)
    return fly_mirv_spec(
        spec,
        *args,
        seed=seed,
        footprint_scale=scale,
        rv_aim_lat_rad=rv_lat,
        rv_aim_lon_rad=rv_lon,
        shape=shape,
    )


def _rv_aims_rad(name: str, value: Any, n: int, nrv: int) -> tuple[F64, F64]:
    """``rv_aim_deg`` option → RV aim points (n, N) [rad]; one-line ValueError if malformed."""
    what = (
        f"{name}: rv_aim_deg must be [[lat, lon], ...] in degrees (1 to {nrv} pairs), "
        "or one such list per launch"
    )
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(what) from None
    if a.ndim == 2:
        a = np.broadcast_to(a, (n, *a.shape))
    if a.ndim != 3 or a.shape[0] != n or a.shape[2] != 2 or not 1 <= a.shape[1] <= nrv:
        raise ValueError(what)
    lat_d, lon_d = a[..., 0], a[..., 1]
    if not (np.all(np.abs(lat_d) <= 90.0) and np.all((lon_d >= -180.0) & (lon_d <= 360.0))):
        raise ValueError(f"{what}; latitudes within ±90, longitudes within -180..360")
    k = np.arange(nrv) % a.shape[1]
    return np.radians(lat_d[:, k]), np.radians(lon_d[:, k])
