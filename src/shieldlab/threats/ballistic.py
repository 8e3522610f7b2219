"""Multi-stage ballistic missile flight, launch to impact, for a batch of missiles.

Validity: 3-DOF ballistic missiles from SRBM (~300 km) to intercontinental
ranges, constant Cd per stage, no lift; with the physics flags off the coast
matches Kepler (1e-5) and the vacuum burnout speed the rocket equation (0.1 %),
and the catalog missiles fly within 10 % of their published ranges and burnout
speeds.

Model (3-DOF point mass; Wright, Grego & Gronlund 2005 ch. 11 / Zarchan ch. 4
style boost, Regan & Anandakrishnan 1993 reentry):

- **Frame.** Each missile is integrated in its own *launch frame* L: the
  inertial frame that coincides with ECEF at its launch instant (z on the
  rotation axis). The dynamics are invariant under rotations about z (J2 is
  axially symmetric and the atmosphere rotates rigidly with the Earth), so a
  flight in L is the true ECI flight rotated by GMST(t_launch);
  :mod:`shieldlab.threats.trajectory` applies that rotation. The launch site
  and the initial velocity ω × r rotate with the Earth.
- **Forces.** J2 gravity (``core.gravity.accel_j2``); drag ½ρ|v_rel|v_rel·Cd·A/m
  with the US Standard Atmosphere 1976 density at the geodetic height and the
  air-relative velocity v_rel = v − ω × r; thrust.
- **Boost.** Stages burn one after the other with constant mass flow and
  vacuum thrust T = mdot·Isp·g0 (nozzle back-pressure loss at low altitude
  ignored: it overstates stage-1 thrust by ~10 % at sea level, a few per cent
  averaged over the burn); each spent stage is dropped at its burnout. Cd is
  constant per stage (no Mach table). Steering: vertical rise along the local
  geodetic up for ``vertical_rise_s``, then a pitch-over *kick*: thrust tilted
  by the kick angle from the vertical towards the launch azimuth for
  ``pitchover_s``, then a gravity turn (thrust along v_rel) to burnout.
- **Energy management** (flying short of the full-burn range on a chosen
  burnout flight-path angle). A liquid last stage (or a solid one with
  thrust-termination ports) cuts off (``cutoff_s``). A solid motor burns to
  depletion and instead wastes energy by *general energy management
  steering* (GEMS; Zarchan, *Tactical and Strategic Missile Guidance*, 6th
  ed., AIAA 2012, ch. 13): the thrust is pointed off the velocity so that
  only part of it adds speed. Here (``gems_rad``) the thrust of a weaving
  piece lies on a cone of half-angle θ about v_rel, its off-axis part
  turning ``GEMS_TURNS`` times (about directions fixed at the piece's
  start) with a phase uniform in the piece's Δv, so the off-axis impulse
  cancels over the burn to first order and the speed gain is cos θ of the
  full burn's (θ = 90° wastes it all); the small net turn of the velocity
  left is absorbed by the aim's azimuth and kick. Every stage
  above the first weaves with the same θ (the first stage never: dense
  air); a single-stage solid weaves in the second half of its burn only.
  ASSUMPTIONS: open-loop cone (a real GEMS law is closed-loop on the
  velocity to be gained), no angle-of-attack loads or extra drag (3-DOF).
- **Midcourse and reentry.** After burnout the object is the RV (the bus and
  RV share the path until the RV's release, whose Δv is ignored); its drag is
  ½ρ|v_rel|v_rel/β with β = m/(Cd·A). Above ~120 km ρ is so small that the
  drag term is negligible, but the same equations run throughout. The
  reentry phase starts at the 120 km entry interface on the way down; the
  flight ends when the geodetic height crosses 0 (impact).
- **Integration.** Classical RK4 on a time-since-launch grid τ that contains
  the steering and staging breakpoints exactly (boost), then
  ``core.integrate.rk4_until`` with per-object terminal events for the coast
  (120 km on the way down) and reentry (impact) with a finer step.

Flags (:class:`PhysicsFlags`) switch gravity, J2, drag and Earth rotation off
for verification against closed forms; they are not for scenario use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.atmosphere import density_kg_m3
from shieldlab.core.constants import (
    GM_EARTH_M3_S2,
    WGS84_A_M,
    WGS84_B_M,
    WGS84_E2,
    WGS84_EP2,
    WGS84_OMEGA_RAD_S,
)
from shieldlab.core.frames import (
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
    radial_height_m,
)
from shieldlab.core.gravity import accel_j2, accel_point_mass
from shieldlab.core.integrate import rk4, rk4_until
from shieldlab.threats.catalog import BallisticMissileSpec
from shieldlab.threats.truth import (
    PHASE_BOOST,
    PHASE_MIDCOURSE,
    PHASE_REENTRY,
)

F64 = NDArray[np.float64]


ENTRY_INTERFACE_ALT_M = 120e3
"""Entry interface [m]: the reentry phase starts when the RV descends through it."""
COAST_SWITCH_ALT_M = 300e3
"""Lowest height [m] at which the integrator leaves the long coast step on the way down.

The switch is raised to 120 km + 8 km/s · coast step so that no coast step can
reach the dense atmosphere (an RK4 stage evaluated deep in the air diverges).
"""
TERMINAL_SWITCH_ALT_M = 60e3
"""Below this height the fine reentry step is used [m] (drag matters below ~60 km)."""
MAX_COAST_S = 6000.0
"""Longest coast integrated [s] (a sub-orbital ICBM coasts < 2,500 s)."""
MAX_DESCENT_S = 1200.0
"""Longest descent piece [s]; an object still flying after it is marked not ok."""
GEMS_TURNS = 2
"""Whole turns of the GEMS thrust cone per weaving stage (phase uniform in the stage's Δv)."""


@dataclass(frozen=True)
class PhysicsFlags:
    """Switches for verification runs (all on for real flights)."""

    gravity: bool = True
    j2: bool = True
    drag: bool = True
    rotation: bool = True

    @property
    def omega_vec(self) -> F64:
        """Earth rotation vector [rad/s] (zero on a non-rotating Earth)."""
        return np.array([0.0, 0.0, WGS84_OMEGA_RAD_S if self.rotation else 0.0])


@dataclass(frozen=True)
class StepSizes:
    """Integration steps [s] of the boost, the coast and the reentry."""

    boost_s: float = 1.0
    coast_s: float = 20.0
    descent_s: float = 4.0
    reentry_s: float = 0.5


COARSE_STEPS = StepSizes(boost_s=3.0, coast_s=60.0, descent_s=10.0, reentry_s=1.0)
"""Steps of the aim-solve iterations (range error vs FINE_STEPS ~ 100 m)."""
FINE_STEPS = StepSizes()


@dataclass(frozen=True)
class Segment:
    """One piece of a batch flight on a per-object uniform grid, launch frames.

    Object i has nodes at τ = tau0_s[i] + k·h_s (k = 0..K−1; h_s a float or,
    for a thrust cut-off stage, per-object (n,)) until
    tau_end_s[i]; the node after its last full step holds the state at
    tau_end_s[i] (event state). y: (K, n, 6) [r, v] in the launch frame,
    a: (K, n, 3) accelerations at the nodes (one-sided inside the segment).
    """

    tau0_s: F64
    tau_end_s: F64
    h_s: float | F64
    y: F64
    a: F64
    phase: int
    rcs_m2: float
    plume_w_sr: float


@dataclass(frozen=True)
class Flight:
    """A batch flight in launch frames (τ = time since each object's launch).

    Positions/velocities in each object's launch frame L (= ECEF at launch).
    ``ok`` is False where the flight is not a valid ballistic shot (crashed in
    boost, or no impact within the integration window).
    """

    segments: tuple[Segment, ...]
    launch_lat_rad: F64
    launch_lon_rad: F64
    r_launch_ecef_m: F64
    tau_burnout_s: F64
    tau_reentry_s: F64
    tau_impact_s: F64
    r_burnout_m: F64
    v_burnout_mps: F64
    r_impact_m: F64
    r_impact_ecef_m: F64
    impact_lat_rad: F64
    impact_lon_rad: F64
    burnout_alt_m: F64
    apogee_alt_m: F64
    ok: NDArray[np.bool_]


def _height_m(r: F64) -> F64:
    """Geodetic height [m] of ECEF/launch-frame points: one Bowring (1976) pass.

    One pass of the iteration in ``core.frames.ecef_to_geodetic`` (which does
    three) is accurate to < 1 mm below 5,000 km height (checked in the
    tests); the hot loops call this a few times per RK4 stage.
    """
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    beta = np.arctan2(z * WGS84_A_M, p * WGS84_B_M)
    sb, cb = np.sin(beta), np.cos(beta)
    lat = np.arctan2(z + WGS84_EP2 * WGS84_B_M * sb**3, p - WGS84_E2 * WGS84_A_M * cb**3)
    sl, cl = np.sin(lat), np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    return p * cl + z * sl - WGS84_A_M**2 / n


def _gravity_fn(flags: PhysicsFlags) -> Callable[[F64], F64]:
    if not flags.gravity:
        return np.zeros_like
    if flags.j2:
        return accel_j2
    return accel_point_mass


_RHO_STEP_M = 25.0
_RHO_TOP_M = 1000e3


@cache
def _ln_rho_table() -> F64:
    """ln ρ of ``core.atmosphere.density_kg_m3`` tabulated every 25 m over 0–1000 km (once)."""
    h = np.arange(0.0, _RHO_TOP_M + _RHO_STEP_M / 2, _RHO_STEP_M)
    rho = density_kg_m3(h)
    rho[-1] = rho[-2] * (rho[-2] / rho[-3])  # the standard clamps to 0 at its 1000 km edge
    return np.log(rho)


def density_fast_kg_m3(h_m: F64) -> F64:
    """US Standard Atmosphere 1976 density [kg/m³] by interpolation of a cached table.

    The table samples ``core.atmosphere.density_kg_m3`` every 25 m; ln ρ is
    interpolated linearly: relative error < 1e-6 inside the layers
    (d²lnρ/dh² ≲ 1e-9 m⁻²), < 2e-4 within 25 m of a lapse-rate kink.
    Same clamping as the standard: sea level below 0, 0 above 1000 km.
    """
    table = _ln_rho_table()
    x = np.clip(h_m, 0.0, _RHO_TOP_M) / _RHO_STEP_M
    i = np.minimum(x.astype(np.int64), table.size - 2)
    w = x - i
    rho = np.exp(table[i] + w * (table[i + 1] - table[i]))
    return np.where(h_m > _RHO_TOP_M, 0.0, rho)


def _density(r: F64, flags: PhysicsFlags) -> F64:
    if not flags.drag:
        return np.zeros(r.shape[:-1])
    return density_fast_kg_m3(radial_height_m(r))


def _omega_cross(omega_z: float, r: F64) -> F64:
    """ω × r for ω = (0, 0, ω_z), positions (..., 3)."""
    out = np.empty_like(r)
    out[..., 0] = -omega_z * r[..., 1]
    out[..., 1] = omega_z * r[..., 0]
    out[..., 2] = 0.0
    return out


def gems_stages(spec: BallisticMissileSpec) -> tuple[int, ...]:
    """Stages that may weave (GEMS), top first: all above the first, or a single stage."""
    k = len(spec.stages)
    return tuple(range(k - 1, 0, -1)) if k > 1 else (0,)


def boost_rhs(
    spec: BallisticMissileSpec,
    stage: int,
    tau_ignition_s: float,
    steer: F64 | None,
    flags: PhysicsFlags,
    cone_rad: F64 | None = None,
    cone_start_s: float = 0.0,
    cone_basis: tuple[F64, F64] | None = None,
) -> Callable[[float | F64, F64], F64]:
    """Derivative f(τ, y) of the boost in stage ``stage`` (launch frame).

    ``steer`` (n, 3): fixed unit thrust direction (vertical rise, pitch-over);
    None: gravity turn (thrust along the air-relative velocity), or with
    ``cone_rad`` (n,) the GEMS cone about it (see the module docstring),
    its phase φ = 2π·GEMS_TURNS·ln(m(τ_s)/m(τ))/ln(m(τ_s)/m_burnout) counted
    from ``cone_start_s`` = τ_s; the off-axis direction is cos φ p + sin φ q
    for the fixed unit vectors ``cone_basis`` = (p, q) (n, 3) normal to the
    velocity at τ_s, made normal to the current velocity. ``τ`` may be a
    scalar or an array broadcasting against ``y[..., 0]``.
    """
    st = spec.stages[stage]
    m0 = spec.stage_start_mass_kg()[stage]
    mdot, thrust, cda = st.mass_flow_kg_s, st.thrust_n, st.drag_coefficient * st.area_m2
    grav = _gravity_fn(flags)
    omega = float(flags.omega_vec[2])
    weave = cone_rad is not None and cone_basis is not None and bool(np.any(cone_rad > 0.0))
    m_start = m0 - mdot * (cone_start_s - tau_ignition_s)
    ln_span = np.log(m_start / (m0 - st.propellant_mass_kg))
    if weave:
        assert cone_rad is not None and cone_basis is not None
        c_th, s_th = np.cos(cone_rad)[:, None], np.sin(cone_rad)[:, None]
        p0, q0 = cone_basis

    def f(tau: float | F64, y: F64) -> F64:
        r, v = y[..., :3], y[..., 3:]
        m = (m0 - mdot * (np.asarray(tau) - tau_ignition_s))[..., None]
        vrel = v - _omega_cross(omega, r)
        speed = np.sqrt(np.einsum("...i,...i->...", vrel, vrel))[..., None]
        rho = _density(r, flags)[..., None]
        if steer is None:
            u = vrel / np.where(speed > 0, speed, 1.0)
            if weave:
                phi = 2.0 * np.pi * GEMS_TURNS * np.log(m_start / m) / ln_span
                w = np.cos(phi) * p0 + np.sin(phi) * q0
                w = w - np.einsum("...i,...i->...", w, u)[..., None] * u
                wn = np.sqrt(np.einsum("...i,...i->...", w, w))[..., None]
                u = c_th * u + s_th * w / np.where(wn > 0, wn, 1.0)
        else:
            u = np.broadcast_to(steer, r.shape)
        a = grav(r) + (thrust * u - 0.5 * rho * cda * speed * vrel) / m
        return np.concatenate([v, a], axis=-1)

    return f


def coast_rhs(beta_kg_m2: float, flags: PhysicsFlags) -> Callable[[float | F64, F64], F64]:
    """Derivative f(τ, y) of the unpowered RV (launch frame): gravity and drag ½ρ|v_rel|v_rel/β."""
    grav = _gravity_fn(flags)
    omega = float(flags.omega_vec[2])

    def f(tau: float | F64, y: F64) -> F64:
        r, v = y[..., :3], y[..., 3:]
        vrel = v - _omega_cross(omega, r)
        speed = np.sqrt(np.einsum("...i,...i->...", vrel, vrel))[..., None]
        rho = _density(r, flags)[..., None]
        a = grav(r) - 0.5 * rho * speed * vrel / beta_kg_m2
        return np.concatenate([v, a], axis=-1)

    return f


def _descent_event(alt_m: float) -> Callable[[float | F64, F64], F64]:
    """Event g(τ, y): > 0 until the object descends through ``alt_m`` (or tops out below it).

    For ``alt_m`` = 0 it is the height itself (impact). Heights are radial
    (:func:`radial_height_m`): zero exactly on the ellipsoid, within ~1 m of
    the geodetic height at the 100–120 km phase switches, and cheap.
    """

    def g(tau: float | F64, y: F64) -> F64:
        h = radial_height_m(y[:, :3]) - alt_m
        if alt_m <= 0.0:
            return h
        descending = np.einsum("ij,ij->i", y[:, :3], y[:, 3:]) < 0.0
        return np.where(descending, h, np.maximum(h, 1.0))

    return g


def _climb_event(alt_m: float) -> Callable[[float | F64, F64], F64]:
    """Event g(τ, y): > 0 while the object climbs below ``alt_m``; ends at ``alt_m`` or apogee.

    Burnouts inside the atmosphere (SRBM, MRBM, depressed shots) climb out
    with the descent step: a long coast step through dense air is inaccurate.
    """

    def g(tau: float | F64, y: F64) -> F64:
        climbing = np.einsum("ij,ij->i", y[:, :3], y[:, 3:]) > 0.0
        return np.where(climbing, alt_m - radial_height_m(y[:, :3]), -1.0)

    return g


def launch_state(
    lat_rad: F64, lon_rad: F64, azimuth_rad: F64, kick_rad: F64, flags: PhysicsFlags
) -> tuple[F64, F64, F64, F64]:
    """Initial state in the launch frame: r0, v0 = ω × r0, unit up, unit pitch-over direction."""
    r0 = geodetic_to_ecef(lat_rad, lon_rad, 0.0)
    v0 = np.cross(flags.omega_vec, r0)
    m = enu_matrix(lat_rad, lon_rad)
    east, north, up = m[..., 0, :], m[..., 1, :], m[..., 2, :]
    horiz = np.sin(azimuth_rad)[:, None] * east + np.cos(azimuth_rad)[:, None] * north
    tilt = np.cos(kick_rad)[:, None] * up + np.sin(kick_rad)[:, None] * horiz
    return r0, v0, up, tilt


def _cone_basis(y: F64, flags: PhysicsFlags) -> tuple[F64, F64]:
    """Unit vectors (p, q) (n, 3) normal to v_rel of states (n, 6): p in the (r, v) plane
    towards the local up, q = v̂ × p (out of the plane)."""
    r, v = y[:, :3], y[:, 3:]
    vrel = v - _omega_cross(float(flags.omega_vec[2]), r)
    u = vrel / np.linalg.norm(vrel, axis=1, keepdims=True)
    p = r - np.einsum("ij,ij->i", r, u)[:, None] * u
    p = p / np.linalg.norm(p, axis=1, keepdims=True)
    return p, np.cross(u, p)


def _boost_intervals(spec: BallisticMissileSpec) -> list[tuple[float, float, int, str]]:
    """(τ_start, τ_end, stage, steering) pieces of the boost; steering ∈ vertical/kick/turn/weave.

    ``weave``: a gravity-turn piece where a solid may fly GEMS (every stage
    above the first; for a single-stage solid the second half of its burn,
    when it is fast enough that the weave does not tumble its velocity).
    """
    t1 = spec.vertical_rise_s
    t2 = t1 + spec.pitchover_s
    out: list[tuple[float, float, int, str]] = [(0.0, t1, 0, "vertical"), (t1, t2, 0, "kick")]
    weaving = set(gems_stages(spec)) if not spec.can_cut_off else set()
    t = 0.0
    for k, st in enumerate(spec.stages):
        start, end = max(t, t2), t + st.burn_time_s
        if k in weaving and k == 0:
            mid = max(start, t + 0.5 * st.burn_time_s)
            out += [(start, mid, k, "turn"), (mid, end, k, "weave")]
        else:
            out.append((start, end, k, "weave" if k in weaving else "turn"))
        t = end
    return out


def _accel_nodes(f: Callable[[float | F64, F64], F64], tau: F64, y: F64) -> F64:
    """Accelerations (K, n, 3) at nodes ``y`` (K, n, 6) with node times ``tau`` (K,) or (K, n)."""
    t = tau[:, None] if tau.ndim == 1 else tau
    return f(t, y)[..., 3:]


def _segment_from_event(
    f: Callable[[float | F64, F64], F64],
    y0: F64,
    tau0: F64,
    h: float,
    t_max: float,
    event: Callable[[float | F64, F64], F64],
    active: NDArray[np.bool_],
    phase: int,
    rcs_m2: float,
) -> tuple[Segment, F64, F64]:
    """Integrate with per-object events; returns the segment, event τ and event states."""
    res = rk4_until(f, y0, 0.0, h, t_max, event, active=active)
    dur = np.where(active, res.t_event_s, 0.0)
    k = res.y.shape[0]
    a = _accel_nodes(f, np.zeros(k), res.y)
    seg = Segment(tau0, tau0 + dur, h, res.y, a, phase, rcs_m2, 0.0)
    return seg, tau0 + dur, res.y_event


def _apogee_alt_m(seg: Segment) -> F64:
    """Maximum geodetic height [m] over a coast segment, refined on the Hermite interpolant."""
    y = seg.y
    kk, n = y.shape[0], y.shape[1]
    h_nodes = _height_m(y[..., :3])
    kmax = np.argmax(h_nodes, axis=0)
    best = h_nodes[kmax, np.arange(n)]
    idx = np.arange(n)
    lo = np.clip(kmax - 1, 0, kk - 2)
    hi = np.clip(kmax, 0, kk - 2)
    for base in (lo, hi):
        y0, y1 = y[base, idx], y[base + 1, idx]
        h_obj = np.broadcast_to(seg.h_s, (n,))
        node_tau = seg.tau0_s + base * h_obj
        hstep = np.clip(seg.tau_end_s - node_tau, 1e-9, h_obj)
        a_s, b_s = np.zeros(n), np.ones(n)
        for _ in range(40):  # golden-section search for the maximum height in the step
            c = b_s - 0.618034 * (b_s - a_s)
            d = a_s + 0.618034 * (b_s - a_s)
            hc = _height_m(hermite_r(y0, y1, hstep, c))
            hd = _height_m(hermite_r(y0, y1, hstep, d))
            left = hc > hd
            b_s = np.where(left, d, b_s)
            a_s = np.where(left, a_s, c)
        best = np.maximum(best, _height_m(hermite_r(y0, y1, hstep, 0.5 * (a_s + b_s))))
    return best


def hermite_r(y0: F64, y1: F64, h: F64, s: F64) -> F64:
    """Cubic Hermite position between states y0, y1 (…, 6) over a step h at fraction s."""
    s_ = s[..., None]
    h_ = h[..., None]
    h00 = 2 * s_**3 - 3 * s_**2 + 1
    h10 = s_**3 - 2 * s_**2 + s_
    h01 = -2 * s_**3 + 3 * s_**2
    h11 = s_**3 - s_**2
    return h00 * y0[..., :3] + h10 * h_ * y0[..., 3:] + h01 * y1[..., :3] + h11 * h_ * y1[..., 3:]


@dataclass(frozen=True)
class Boost:
    """Boost of a batch in launch frames: segments, burnout time τ (n,) and state (n, 6).

    ``crashed`` marks objects whose boost dipped below the ground after the
    vertical rise.
    """

    segments: tuple[Segment, ...]
    r_launch_ecef_m: F64
    tau_burnout_s: F64
    y_burnout: F64
    crashed: NDArray[np.bool_]


def fly_boost(
    spec: BallisticMissileSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    azimuth_rad: F64,
    kick_rad: F64,
    steps: StepSizes = FINE_STEPS,
    flags: PhysicsFlags = PhysicsFlags(),
    cutoff_s: F64 | None = None,
    gems_rad: F64 | None = None,
) -> Boost:
    """Boost phase of n missiles (launch frames); arrays (n,) in, radians.

    ``cutoff_s`` (n,): thrust termination time τ [s since launch] in the last
    stage (liquid propellant or thrust-termination ports only; ``None`` = burn
    to depletion). It must lie
    after the last stage's ignition and after the pitch-over. The cut-off
    stage is integrated on a per-object grid: s ∈ [0, 1] maps to
    τ = τ_a + s·(τ_co − τ_a), dy/ds = (τ_co − τ_a)·f(τ, y); for a full burn this
    is exactly the τ-grid RK4 (RK4 is invariant under a linear time scaling).
    ``gems_rad`` (n,): GEMS cone half-angle θ ∈ [0, π/2] of the weaving
    pieces (solids; see the module docstring); 0 or ``None`` is the plain
    full burn.
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.atleast_1d(np.asarray(launch_lon_rad, np.float64))
    az = np.broadcast_to(np.asarray(azimuth_rad, np.float64), lat.shape)
    kick = np.broadcast_to(np.asarray(kick_rad, np.float64), lat.shape)
    n = lat.size
    r0, v0, up, tilt = launch_state(lat, lon, az, kick, flags)
    y = np.concatenate([r0, v0], axis=1)
    segments: list[Segment] = []
    ignition = np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in spec.stages])])
    intervals = _boost_intervals(spec)
    co: F64 | None = None
    if cutoff_s is not None:
        a_last = intervals[-1][0]
        co = np.broadcast_to(np.asarray(cutoff_s, np.float64), lat.shape).copy()
        if not spec.can_cut_off:
            raise ValueError(
                f"{spec.name}: thrust cut-off needs liquid propellant or thrust-termination "
                "ports (a solid without them manages energy by GEMS: gems_rad)"
            )
        if not np.all((co > a_last) & (co <= ignition[-1] + 1e-9)):
            raise ValueError(
                f"{spec.name}: cutoff_s must lie in ({a_last:.1f}, {ignition[-1]:.1f}] s"
            )
    cone: F64 | None = None
    if gems_rad is not None:
        cone = np.broadcast_to(np.asarray(gems_rad, np.float64), lat.shape).copy()
        if co is not None:
            raise ValueError(f"{spec.name}: give cutoff_s or gems_rad, not both")
        if not np.all((cone >= 0.0) & (cone <= 0.5 * np.pi + 1e-12)):
            raise ValueError(f"{spec.name}: gems_rad must lie in [0, pi/2]")
    min_alt = np.zeros(n)
    tau_bo: F64 = np.full(n, float(ignition[-1]))
    for j, (a, b, k, mode) in enumerate(intervals):
        steer = up if mode == "vertical" else tilt if mode == "kick" else None
        c_k = None if cone is None or mode != "weave" else cone
        basis = None if c_k is None else _cone_basis(y, flags)
        f = boost_rhs(spec, k, float(ignition[k]), steer, flags, c_k, a, basis)
        st = spec.stages[k]
        if co is not None and j == len(intervals) - 1:
            dur = co - a
            # steps of the full stage (not of this batch's longest burn): batch = alone
            m = max(1, int(np.ceil((b - a) / steps.boost_s - 1e-9)))
            s_grid = np.linspace(0.0, 1.0, m + 1)

            def g(
                s_: float | F64,
                y_: F64,
                f: Callable[[float | F64, F64], F64] = f,
                dur: F64 = dur,
                a: float = a,
            ) -> F64:
                return dur[:, None] * f(a + s_ * dur, y_)

            ys = rk4(g, y, s_grid)
            tau_nodes = a + np.clip(s_grid, 1e-12, 1 - 1e-12)[:, None] * dur[None, :]
            acc = _accel_nodes(f, tau_nodes, ys)
            seg = Segment(
                np.full(n, a),
                co.copy(),
                dur / m,
                ys,
                acc,
                PHASE_BOOST,
                st.body_rcs_m2,
                st.plume_w_sr,
            )
            tau_bo = co.copy()
        else:
            m = max(1, int(np.ceil((b - a) / steps.boost_s - 1e-9)))
            grid = np.linspace(a, b, m + 1)
            ys = rk4(f, y, grid)
            # one-sided node accelerations: evaluate just inside the interval
            tau_nodes = np.clip(grid, a + 1e-9, b - 1e-9)
            acc = _accel_nodes(f, tau_nodes, ys)
            seg = Segment(
                np.full(n, a),
                np.full(n, b),
                float(grid[1] - grid[0]),
                ys,
                acc,
                PHASE_BOOST,
                st.body_rcs_m2,
                st.plume_w_sr,
            )
        segments.append(seg)
        if mode != "vertical":
            min_alt = np.minimum(min_alt, _height_m(ys[..., :3]).min(axis=0))
        y = ys[-1]
    return Boost(tuple(segments), r0, tau_bo, y.copy(), min_alt < -1.0)


@dataclass(frozen=True)
class Descent:
    """Unpowered flight from given states to impact (launch frames), see :func:`fly_descent`."""

    segments: tuple[Segment, ...]
    tau_reentry_s: F64
    tau_impact_s: F64
    y_impact: F64
    apogee_alt_m: F64
    ok: NDArray[np.bool_]


def fly_descent(
    y0: F64,
    tau0_s: F64,
    beta_kg_m2: float,
    rcs_midcourse_m2: float,
    rcs_reentry_m2: float,
    alive: NDArray[np.bool_],
    steps: StepSizes = FINE_STEPS,
    flags: PhysicsFlags = PhysicsFlags(),
    max_coast_s: float = MAX_COAST_S,
) -> Descent:
    """Coast (MIDCOURSE) down through 120 km, then REENTRY to impact; states (n, 6) at τ0 (n,).

    Each piece ends by descending through an altitude (or topping out below
    it): objects burning out below 120 km first climb out with the descent
    step (to 120 km or their apogee); long coast step above
    ``max(300 km, 120 km + 8 km/s · coast step)``,
    descent step to 120 km (entry interface) and 60 km, reentry step to h = 0.
    """
    y = np.array(y0, np.float64)
    n = y.shape[0]
    f_c = coast_rhs(beta_kg_m2, flags)
    switch_alt = max(COAST_SWITCH_ALT_M, ENTRY_INTERFACE_ALT_M + 8000.0 * steps.coast_s)
    pieces = (
        (-ENTRY_INTERFACE_ALT_M, steps.descent_s, PHASE_MIDCOURSE),  # climb out of the air
        (switch_alt, steps.coast_s, PHASE_MIDCOURSE),
        (ENTRY_INTERFACE_ALT_M, steps.descent_s, PHASE_MIDCOURSE),
        (TERMINAL_SWITCH_ALT_M, steps.descent_s, PHASE_REENTRY),
        (0.0, steps.reentry_s, PHASE_REENTRY),
    )
    tau = np.array(tau0_s, np.float64)
    alive = np.array(alive, bool)
    tau_ri = np.full(n, np.nan)
    apogee = _height_m(y[:, :3])
    segments: list[Segment] = []
    for alt, h_step, phase in pieces:
        event = _climb_event(-alt) if alt < 0 else _descent_event(alt)
        active = alive & (event(0.0, y) > 0)
        t_max = max_coast_s if alt == switch_alt else MAX_DESCENT_S
        rcs = rcs_midcourse_m2 if phase == PHASE_MIDCOURSE else rcs_reentry_m2
        seg, tau_new, y_new = _segment_from_event(
            f_c, y, tau, h_step, t_max, event, active, phase, rcs
        )
        segments.append(seg)
        apogee = np.maximum(apogee, _apogee_alt_m(seg))
        alive &= ~np.isnan(tau_new)
        tau = np.where(alive, tau_new, tau)
        y = np.where(alive[:, None], y_new, y)
        if alt == ENTRY_INTERFACE_ALT_M:
            tau_ri = tau.copy()
    ok = alive & (np.abs(_height_m(y[:, :3])) < 1.0)
    return Descent(tuple(segments), tau_ri, tau, y, apogee, ok)


def fly_batch(
    spec: BallisticMissileSpec,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    azimuth_rad: F64,
    kick_rad: F64,
    steps: StepSizes = FINE_STEPS,
    flags: PhysicsFlags = PhysicsFlags(),
    min_burnout_alt_m: float = -np.inf,
    cutoff_s: F64 | None = None,
    gems_rad: F64 | None = None,
) -> Flight:
    """Fly n missiles of one type with given launch azimuths and pitch-over kicks (launch frames).

    Arrays (n,) in, radians. Returns the :class:`Flight` (segments and the
    burnout, apogee and impact summary). Objects burning out below
    ``min_burnout_alt_m`` are not flown further and marked not ok (used by
    the aim scans to skip grazing trajectories that cost many fine steps).
    ``cutoff_s`` (n,): last-stage thrust termination time [s] (liquids only,
    see :func:`fly_boost`); ``gems_rad`` (n,): GEMS cone half-angle (solids).
    """
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon = np.atleast_1d(np.asarray(launch_lon_rad, np.float64))
    bo = fly_boost(spec, lat, lon, azimuth_rad, kick_rad, steps, flags, cutoff_s, gems_rad)
    y = bo.y_burnout
    r_bo, v_bo = y[:, :3].copy(), y[:, 3:].copy()
    h_bo = _height_m(r_bo)
    crashed = bo.crashed | (h_bo < min_burnout_alt_m)
    de = fly_descent(
        y,
        bo.tau_burnout_s,
        spec.rv_beta_kg_m2,
        _radar_rcs_m2(spec, PHASE_MIDCOURSE),
        _radar_rcs_m2(spec, PHASE_REENTRY),
        ~crashed,
        steps,
        flags,
    )
    omega = float(flags.omega_vec[2])
    r_imp = de.y_impact[:, :3]
    r_imp_ecef = eci_to_ecef(r_imp, omega * de.tau_impact_s)
    ilat, ilon, _ = ecef_to_geodetic(r_imp_ecef)
    return Flight(
        segments=bo.segments + de.segments,
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        r_launch_ecef_m=bo.r_launch_ecef_m,
        tau_burnout_s=bo.tau_burnout_s,
        tau_reentry_s=de.tau_reentry_s,
        tau_impact_s=de.tau_impact_s,
        r_burnout_m=r_bo,
        v_burnout_mps=v_bo,
        r_impact_m=r_imp,
        r_impact_ecef_m=r_imp_ecef,
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
        burnout_alt_m=h_bo,
        apogee_alt_m=np.maximum(h_bo, de.apogee_alt_m),
        ok=de.ok,
    )


def burnout_gamma_rad(r_m: F64, v_mps: F64) -> F64:
    """Flight-path angle [rad] above the local horizontal of states (n, 3): asin(r·v / |r||v|).

    Geocentric horizontal (the Kepler convention); inertial velocity in an
    inertial frame, Earth-relative velocity in ECEF.
    """
    rv = np.einsum("ij,ij->i", r_m, v_mps)
    return np.arcsin(
        np.clip(rv / (np.linalg.norm(r_m, axis=1) * np.linalg.norm(v_mps, axis=1)), -1, 1)
    )


def min_energy_gamma_rad(psi_rad: F64, k_ratio: F64 | float = 1.0) -> F64:
    """Minimum-energy burnout flight-path angle [rad] for a free-flight range angle ψ.

    Two-body conic from radius r1 to r2 = r1/k: minimising Q = v²r1/μ of
    Q = (1 − cos ψ)/(cos γ (k cos γ − cos(γ + ψ))) gives sin(2γ + ψ) = k sin 2γ,
    i.e. tan 2γ = sin ψ / (k − cos ψ). For equal radii (k = 1) it is
    γ* = (π − ψ)/4 (Wright, Grego & Gronlund 2005, appendix to ch. 11 / Bate,
    Mueller & White 1971 §6.2 "maximum range for a given burnout speed").
    """
    psi = np.asarray(psi_rad, np.float64)
    return 0.5 * np.arctan2(np.sin(psi), k_ratio - np.cos(psi))


def min_energy_speed_mps(r1_m: F64, psi_rad: F64, k_ratio: F64 | float = 1.0) -> F64:
    """Minimum-energy burnout speed [m/s] at radius r1 for range angle ψ and k = r1/r2.

    v² = μ/r1 · (1 − cos ψ)/(cos γ* (k cos γ* − cos(γ* + ψ))); for k = 1 this is
    v² = μ/r · 2 sin(ψ/2)/(1 + sin(ψ/2)) (Wright, Grego & Gronlund 2005).
    """
    psi = np.asarray(psi_rad, np.float64)
    g = min_energy_gamma_rad(psi, k_ratio)
    q = (1.0 - np.cos(psi)) / (np.cos(g) * (k_ratio * np.cos(g) - np.cos(g + psi)))
    return np.sqrt(GM_EARTH_M3_S2 / np.asarray(r1_m, np.float64) * q)


def kepler_free_flight(r_m: F64, v_mps: F64, r_end_m: F64) -> tuple[F64, F64]:
    """Range angle [rad] and time of flight [s] of a Kepler orbit from (r, v) down to radius r_end.

    Two-body closed form (Bate, Mueller & White 1971, ch. 6 "ballistic missile
    trajectories"; Kepler's equation for the time): elliptic orbits only, the
    end point on the descending branch. Arrays (n, 3) and (n,).
    """
    mu = GM_EARTH_M3_S2
    rn = np.linalg.norm(r_m, axis=-1)
    vn2 = np.einsum("ij,ij->i", v_mps, v_mps)
    a = 1.0 / (2.0 / rn - vn2 / mu)
    hvec = np.cross(r_m, v_mps)
    p = np.einsum("ij,ij->i", hvec, hvec) / mu
    e = np.sqrt(np.clip(1.0 - p / a, 0.0, None))
    rdotv = np.einsum("ij,ij->i", r_m, v_mps)
    nu0 = np.arctan2(rdotv * np.sqrt(p / mu), p - rn)  # true anomaly at start
    cos_nu1 = np.clip((p / r_end_m - 1.0) / e, -1.0, 1.0)
    nu1 = 2.0 * np.pi - np.arccos(cos_nu1)  # descending branch
    nu0 = np.mod(nu0, 2.0 * np.pi)

    def mean_anomaly(nu: F64) -> F64:
        ecc_anom = 2.0 * np.arctan2(
            np.sqrt(1 - e) * np.sin(nu / 2), np.sqrt(1 + e) * np.cos(nu / 2)
        )
        return ecc_anom - e * np.sin(ecc_anom)

    dm = np.mod(mean_anomaly(nu1) - mean_anomaly(nu0), 2.0 * np.pi)
    return nu1 - nu0, dm * np.sqrt(a**3 / mu)


def fly_rv(
    r_m: F64,
    v_mps: F64,
    beta_kg_m2: float,
    step_s: float = 0.1,
    flags: PhysicsFlags = PhysicsFlags(),
    t_max_s: float = MAX_DESCENT_S,
) -> tuple[F64, F64, F64]:
    """Fly unpowered RVs from states (n, 3) [m, m/s] (inertial frame) down to impact.

    Returns node times (K,) [s], states (K, n, 6) (frozen after impact) and
    impact times (n,) [s] (NaN if none before ``t_max_s``). Used for reentry
    studies and tests.
    """
    y0 = np.concatenate([np.asarray(r_m, np.float64), np.asarray(v_mps, np.float64)], axis=1)
    res = rk4_until(coast_rhs(beta_kg_m2, flags), y0, 0.0, step_s, t_max_s, _descent_event(0.0))
    return res.t_s, res.y, res.t_event_s


def _radar_rcs_m2(spec: BallisticMissileSpec, phase: int) -> float:
    """RCS [m²] a radar sees after burnout: the threat complex in midcourse, the RV in reentry.

    In midcourse the spent final stage and post-boost bus fly within a few km
    of the RV and are not resolved as separate objects by this one-object-per-
    missile model, so the radar-visible cross-section is RV + final-stage body.
    The atmosphere strips the light stage during reentry, leaving the RV alone
    (stated simplification; separate objects and decoys come with the
    post-boost model).
    """
    if phase == PHASE_MIDCOURSE:
        return spec.rv_rcs_m2 + spec.stages[-1].body_rcs_m2
    return spec.rv_rcs_m2
