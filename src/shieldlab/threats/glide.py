"""Hypersonic boost-glide vehicle (HGV): boost, pull-up, equilibrium glide, terminal dive.

Validity: hypersonic glide (tested from 5 to 2 km/s) with constant (L/D)max and
β (no Mach or angle-of-attack tables, no real-gas effects); the glide range is
within 3 % of the equilibrium-glide closed form (Acton 2015) on a non-rotating
sphere.

Model (3-DOF point mass; J2 gravity, rotating Earth, US Standard Atmosphere
1976 via ``threats.ballistic.density_fast_kg_m3``, a table of
``core.atmosphere``):

- **Frame.** Each vehicle is integrated in its *launch frame* L, the inertial
  frame that coincides with ECEF at its launch instant (as
  :mod:`shieldlab.threats.ballistic`); sampling rotates L by GMST(t_launch)
  into ECI. The aim point, fixed on the Earth, is at R_z(ω τ)·r_aim,ECEF in L.
- **Boost.** The catalog's own stages are flown with
  ``ballistic.boost_rhs``: vertical rise, pitch-over kick (large kick =
  depressed trajectory), gravity turn; the glider is released at burnout
  (release height, speed and flight-path angle are whatever that gives).
- **Aerodynamics.** Parabolic drag polar C_D = C_D* (1 + f²)/2 in terms of
  the lift-coefficient ratio f = C_L / C_L*, where * is the max-L/D point
  (Vinh, Busemann & Culp, *Hypersonic and Planetary Entry Flight
  Mechanics*, 1980, ch. 2): lift L = f (L/D) D*, drag D = D* (1 + f²)/2,
  D* = q m / β with the catalog β = m/(C_D* A) and L/D = (L/D)max;
  f ≤ ``max_lift_factor``. Air-relative velocity v − ω × r.
- **Glide (pull-up and equilibrium glide).** Lift at f = 1 − k_γ sin γ
  (max-L/D angle of attack, modulated slightly to damp the phugoid after the
  pull-up), so the vehicle settles on the equilibrium glide
  L cos σ = m (g − v²/r) once dynamic pressure allows. Bank σ nulls the
  heading error to the aim point (σ = −k_ψ Δψ, |σ| ≤ 60°) plus scripted
  cross-range manoeuvres (bank segments by range fraction, a bank weave).
- **Terminal dive.** When the great-circle range to go falls below
  ``dive_range_km`` (or the speed below ``min_glide_speed_mps``, energy
  exhausted): true proportional navigation (N = 3.5) on the aim point with
  gravity compensation; lift in any direction normal to v (bank up to 180°),
  limited by f ≤ ``max_lift_factor``. Impact at height 0.
- **Heights** in the dynamics are the distance above the WGS-84 ellipsoid
  along the geocentric radius (differs from the geodetic height by < 1 m
  below 100 km); ``GlideFlags.spherical`` uses a sphere of mean radius.
- **Signatures.** Body temperature: Sutton–Graves stagnation heating
  q = k √(ρ/R_n) v³, k = 1.7415e-4 kg^½ m⁻¹ (Sutton & Graves, NASA TR R-376,
  1971), radiative equilibrium ε σ T⁴ = q, never below the air temperature.
  RCS: booster body in boost, glider nose-on after (``rcs_by_aspect_m2`` for
  the other aspects). Plume: stage plume in boost.

Phases: BOOST (launch → burnout/release), GLIDE (release, pull-up and glide),
TERMINAL (dive), IMPACTED. Manoeuvres are scripted (not reactive), as the
architecture asks. Sources for the numbers: ``catalog/threats-hypersonic.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shieldlab import catalog
from shieldlab.core.constants import (
    DEG,
    WGS84_OMEGA_RAD_S,
)
from shieldlab.core.frames import (
    ecef_to_eci,
    ecef_to_geodetic,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.core.integrate import rk4_step
from shieldlab.core.time import gmst_at
from shieldlab.threats.ballistic import PhysicsFlags, boost_rhs, density_fast_kg_m3, launch_state
from shieldlab.threats.catalog import BallisticMissileSpec, StageEntry, stage_specs
from shieldlab.threats.hypersonic import (
    MODE_GLIDE,
    MODE_TERMINAL,
    STEP_S,
    FlightFrame,
    GlideFlags,
    ModeFlight,
    NodeLog,
    batch_arrays,
    body_temperature_k,
    check_options,
    dot,
    flight_frame,
    limit_lift,
    lookup,
    omega_cross,
    pn_lift_accel,
    rotate_z,
    run_modes,
    target_geometry,
    unit,
    validation_message,
)
from shieldlab.threats.signatures import db_to_m2
from shieldlab.threats.truth import (
    OBJECT_GLIDE,
    PHASE_BOOST,
    PHASE_GLIDE,
    PHASE_IMPACTED,
    PHASE_PRELAUNCH,
    PHASE_TERMINAL,
    Trajectories,
    ground_fixed_states,
    make_trajectories,
)

F64 = NDArray[np.float64]
Accel = Callable[[float, F64, NDArray[np.int8]], F64]


# integration modes (per object, per step)

HEADING_GAIN = 2.0
"""Bank per heading error [rad/rad] in the glide."""
MAX_BANK_RAD = 60.0 * DEG
"""Largest bank of the heading controller."""
PHUGOID_DAMPING = 8.0
"""k_γ of the lift modulation f = 1 − k_γ sin γ that damps the phugoid after pull-up."""
NAV_GAIN = 3.5
"""Proportional-navigation constant N of the terminal dive."""


# --------------------------------------------------------------------------- signatures


# --------------------------------------------------------------------------- catalog


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HgvEntry(_Model):
    """A ``kind: hgv`` entry of ``threats-hypersonic.yaml`` (units in the key names)."""

    kind: Literal["hgv"]
    source: str = Field(min_length=5)
    description: str = ""
    stages: list[StageEntry] = Field(min_length=1, max_length=4)
    glider_mass_kg: float = Field(gt=0.0, le=20000.0)
    lift_to_drag: float = Field(gt=0.0, le=10.0, description="(L/D)max [-]")
    beta_kg_m2: float = Field(gt=100.0, le=50000.0, description="m/(C_D* A) at (L/D)max")
    max_lift_factor: float = Field(default=1.6, ge=1.0, le=3.0, description="C_L,max/C_L*")
    nose_radius_m: float = Field(gt=0.001, le=2.0)
    emissivity: float = Field(gt=0.0, le=1.0)
    rcs_nose_dbsm: float = Field(ge=-60.0, le=20.0)
    rcs_broadside_dbsm: float = Field(ge=-60.0, le=30.0)
    kick_deg: float = Field(gt=0.0, lt=80.0, description="pitch-over from the vertical")
    vertical_rise_s: float = Field(default=6.0, gt=0.0, le=60.0)
    pitchover_s: float = Field(default=10.0, gt=0.0, le=60.0)
    upper_stage_pitch_deg: float | None = Field(
        default=None, ge=-30.0, le=60.0, description="last-stage fixed attitude above horizontal"
    )
    dive_range_km: float = Field(gt=5.0, le=1000.0)
    min_glide_speed_mps: float = Field(gt=300.0, le=5000.0)


@dataclass(frozen=True)
class HgvSpec:
    """A boost-glide vehicle in SI units; ``booster``: the stages, the glider as payload."""

    name: str
    source: str
    booster: BallisticMissileSpec
    glider_mass_kg: float
    lift_to_drag: float
    beta_kg_m2: float
    max_lift_factor: float
    nose_radius_m: float
    emissivity: float
    rcs_nose_m2: float
    rcs_broadside_m2: float
    kick_rad: float
    dive_range_m: float
    min_glide_speed_mps: float
    upper_stage_pitch_rad: float | None = None


def hgv_spec_from_mapping(name: str, raw: Mapping[str, Any]) -> HgvSpec:
    """Validate one raw catalog entry and convert it to SI; one-line ``ValueError`` if invalid."""
    try:
        e = HgvEntry.model_validate(dict(raw))
    except ValidationError as exc:
        raise ValueError(validation_message("threats-hypersonic.yaml", name, exc)) from None
    stages = stage_specs(e.stages)
    if e.vertical_rise_s + e.pitchover_s >= stages[0].burn_time_s:
        raise ValueError(
            f"threats-hypersonic.yaml: entry {name!r}: vertical_rise_s + pitchover_s "
            "must end within stage 1"
        )
    booster = BallisticMissileSpec(
        name=name,
        source=e.source,
        stages=stages,
        payload_mass_kg=e.glider_mass_kg,
        rv_mass_kg=e.glider_mass_kg,
        rv_beta_kg_m2=e.beta_kg_m2,
        rv_rcs_m2=db_to_m2(e.rcs_nose_dbsm),
        vertical_rise_s=e.vertical_rise_s,
        pitchover_s=e.pitchover_s,
        description=e.description,
    )
    return HgvSpec(
        name=name,
        source=e.source,
        booster=booster,
        glider_mass_kg=e.glider_mass_kg,
        lift_to_drag=e.lift_to_drag,
        beta_kg_m2=e.beta_kg_m2,
        max_lift_factor=e.max_lift_factor,
        nose_radius_m=e.nose_radius_m,
        emissivity=e.emissivity,
        rcs_nose_m2=db_to_m2(e.rcs_nose_dbsm),
        rcs_broadside_m2=db_to_m2(e.rcs_broadside_dbsm),
        kick_rad=e.kick_deg * DEG,
        dive_range_m=e.dive_range_km * 1e3,
        min_glide_speed_mps=e.min_glide_speed_mps,
        upper_stage_pitch_rad=None
        if e.upper_stage_pitch_deg is None
        else e.upper_stage_pitch_deg * DEG,
    )


@cache
def load_hgv_specs() -> dict[str, HgvSpec]:
    """All ``kind: hgv`` catalog entries as SI specs, by name."""
    return {
        name: hgv_spec_from_mapping(name, raw)
        for name, raw in catalog.load("threats").items()
        if isinstance(raw, dict) and raw.get("kind") == "hgv"
    }


# --------------------------------------------------------------------------- geometry


# --------------------------------------------------------------------------- integration


def boost_nodes(
    booster: BallisticMissileSpec,
    lat: F64,
    lon: F64,
    azimuth: F64,
    kick_rad: float,
    flags: GlideFlags,
    log: NodeLog,
    upper_pitch_rad: float | None = None,
    h: float = STEP_S,
) -> tuple[float, F64]:
    """Fly the boost (``ballistic.boost_rhs``) on nodes aligned with its breakpoints.

    With ``upper_pitch_rad`` the last stage (of two or more) holds a fixed
    inertial attitude, that angle above the local horizontal along the
    velocity at its ignition, instead of the gravity turn: it flattens the
    release (depressed trajectory). Returns the burnout τ [s] and state (n, 6)
    (launch frame).
    """
    pflags = PhysicsFlags(j2=flags.j2, rotation=flags.rotation)
    n = lat.size
    r0, v0, up, tilt = launch_state(lat, lon, azimuth, np.full(n, kick_rad), pflags)
    y = np.concatenate([r0, v0], axis=1)
    t1 = booster.vertical_rise_s
    t2 = t1 + booster.pitchover_s
    pieces: list[tuple[float, float, int, F64 | None]] = [(0.0, t1, 0, up), (t1, t2, 0, tilt)]
    ign = np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in booster.stages])])
    for k in range(len(booster.stages)):
        pieces.append((max(float(ign[k]), t2), float(ign[k + 1]), k, None))
    for a, b, k, steer in pieces:
        if b <= a:
            continue
        if upper_pitch_rad is not None and k == len(booster.stages) - 1 and k > 0:
            ff = flight_frame(y[:, :3], y[:, 3:] - omega_cross(flags.omega_z, y[:, :3]))
            horiz = unit(ff.u_v - ff.sin_gamma[:, None] * ff.r_hat)
            steer = math.cos(upper_pitch_rad) * horiz + math.sin(upper_pitch_rad) * ff.r_hat
        f = boost_rhs(booster, k, float(ign[k]), steer, pflags)
        steps = max(1, math.ceil((b - a) / h - 1e-9))
        hs = (b - a) / steps
        st = booster.stages[k]
        for j in range(steps):
            tau = a + j * hs
            log.add(
                tau,
                y,
                f(tau, y)[:, 3:],
                np.full(n, PHASE_BOOST, np.int8),
                np.full(n, st.body_rcs_m2),
                np.full(n, st.plume_w_sr),
            )
            y = rk4_step(f, tau, y, hs)
    return float(ign[-1]), y


# --------------------------------------------------------------------------- HGV flight


@dataclass(frozen=True)
class GlidePlan:
    """Guidance settings of one group of HGVs (from the catalog and the flyer options).

    manoeuvres: (start, end, bank) segments — start/end as fractions of the
    launch-to-aim range flown, bank [rad] (> 0 turns right) replacing the
    heading controller inside the segment. weave: a bank ±weave_bank_rad with
    period weave_period_s added to the heading controller.
    """

    dive_range_m: float
    min_glide_speed_mps: float
    manoeuvres: tuple[tuple[float, float, float], ...] = ()
    weave_bank_rad: float = 0.0
    weave_period_s: float = 0.0
    nav_gain: float = NAV_GAIN


@dataclass(frozen=True)
class HgvFlight:
    """An HGV batch flight in launch frames plus its events (τ since launch [s])."""

    flight: ModeFlight
    tau_burnout_s: float
    y_burnout: F64
    tau_dive_s: F64
    exhausted: NDArray[np.bool_]
    r_exhausted: F64


def glide_and_dive(
    spec: HgvSpec,
    y0: F64,
    tau0: float,
    r_aim_ecef: F64,
    total_range_m: F64,
    plan: GlidePlan,
    flags: GlideFlags,
    log: NodeLog,
    h: float = STEP_S,
) -> tuple[ModeFlight, F64, NDArray[np.bool_], F64]:
    """Glide (pull-up, equilibrium glide, bank steering) and the terminal dive from states y0 at τ0.

    Returns the flight, the dive start τ (n,), whether the dive was forced by
    energy exhaustion (n,) and the position where it was (launch frame, NaN if not).
    """
    n = y0.shape[0]
    om = flags.omega_z
    lod, beta, fmax = spec.lift_to_drag, spec.beta_kg_m2, spec.max_lift_factor
    tau_dive = np.full(n, np.nan)
    exhausted = np.zeros(n, bool)
    r_exh = np.full((n, 3), np.nan)

    def common(tau: float, y: F64) -> tuple[F64, F64, F64, FlightFrame, F64, F64, F64, F64]:
        r, v = y[:, :3], y[:, 3:]
        ff = flight_frame(r, v - omega_cross(om, r))
        rho = density_fast_kg_m3(flags.height_m(r))
        d_nom = 0.5 * rho * ff.speed**2 / beta
        r_t = rotate_z(r_aim_ecef, om * tau)
        rtg, dpsi = target_geometry(ff, r_t)
        return r, v, r_t, ff, d_nom, lod * d_nom, rtg, dpsi

    def accel(tau: float, y: F64, mode: NDArray[np.int8]) -> F64:
        r, v, r_t, ff, d_nom, l_nom, rtg, dpsi = common(tau, y)
        g = flags.gravity(r)
        # glide: max-L/D lift with phugoid damping, bank on heading error / script
        f_g = np.clip(1.0 - PHUGOID_DAMPING * ff.sin_gamma, 0.0, fmax)
        sigma = np.clip(-HEADING_GAIN * dpsi, -MAX_BANK_RAD, MAX_BANK_RAD)
        if plan.weave_bank_rad and plan.weave_period_s > 0.0:
            sigma = sigma + plan.weave_bank_rad * math.sin(
                2.0 * math.pi * tau / plan.weave_period_s
            )
        frac = 1.0 - rtg / total_range_m
        for start, end, bank in plan.manoeuvres:
            sigma = np.where((frac >= start) & (frac < end), bank, sigma)
        lift_g = (f_g * l_nom)[:, None] * (
            np.cos(sigma)[:, None] * ff.n_up + np.sin(sigma)[:, None] * ff.n_right
        )
        # terminal: proportional navigation on the aim point
        term = mode == MODE_TERMINAL
        lift = lift_g
        f = f_g
        if term.any():
            a_pn = pn_lift_accel(r, v, r_t, omega_cross(om, r_t), g, ff, plan.nav_gain)
            lift_t, f_t = limit_lift(a_pn, l_nom, fmax)
            lift = np.where(term[:, None], lift_t, lift_g)
            f = np.where(term, f_t, f_g)
        drag = (0.5 * (1.0 + f**2) * d_nom)[:, None] * ff.u_v
        return np.asarray(g + lift - drag)

    def update(tau: float, y: F64, mode: NDArray[np.int8]) -> NDArray[np.int8]:
        _, _, _, ff, _, _, rtg, _ = common(tau, y)
        slow = (mode == MODE_GLIDE) & (ff.speed < plan.min_glide_speed_mps)
        dive = (mode == MODE_GLIDE) & ((rtg <= plan.dive_range_m) | slow)
        if dive.any():
            tau_dive[dive] = tau
            exhausted[slow & dive] = True
            r_exh[slow & dive] = y[slow & dive, :3]
            mode = np.where(dive, MODE_TERMINAL, mode).astype(np.int8)
        return mode

    def codes(tau: float, y: F64, mode: NDArray[np.int8]) -> tuple[NDArray[np.int8], F64, F64]:
        ph = np.where(mode == MODE_TERMINAL, PHASE_TERMINAL, PHASE_GLIDE).astype(np.int8)
        return ph, np.full(n, spec.rcs_nose_m2), np.zeros(n)

    fl = run_modes(accel, update, codes, y0, np.full(n, MODE_GLIDE, np.int8), tau0, flags, log, h)
    return fl, tau_dive, exhausted, r_exh


def fly_hgv_batch(
    spec: HgvSpec,
    lat: F64,
    lon: F64,
    aim_lat: F64,
    aim_lon: F64,
    plan: GlidePlan,
    kick_rad: float | None = None,
    flags: GlideFlags = GlideFlags(),
) -> HgvFlight:
    """Boost, glide and dive n HGVs of one type at aim points (launch frames, radians in)."""
    az = initial_azimuth_rad(lat, lon, aim_lat, aim_lon)
    log = NodeLog([], [], [], [], [], [])
    kick = spec.kick_rad if kick_rad is None else kick_rad
    tau_b, y_b = boost_nodes(
        spec.booster, lat, lon, az, kick, flags, log, spec.upper_stage_pitch_rad
    )
    r_aim = geodetic_to_ecef(aim_lat, aim_lon, 0.0)
    total = great_circle_distance_m(lat, lon, aim_lat, aim_lon)
    fl, tau_dive, exh, r_exh = glide_and_dive(spec, y_b, tau_b, r_aim, total, plan, flags, log)
    return HgvFlight(fl, tau_b, y_b, tau_dive, exh, r_exh)


# --------------------------------------------------------------------------- truth


def _ecef_of_launch_frame(r_l: F64, tau: F64, omega_z: float) -> F64:
    """ECEF position of launch-frame points at τ since launch (rotate by −ω τ)."""
    ang = -omega_z * tau
    c, s = np.cos(ang), np.sin(ang)
    out = np.empty_like(r_l)
    out[:, 0] = c * r_l[:, 0] - s * r_l[:, 1]
    out[:, 1] = s * r_l[:, 0] + c * r_l[:, 1]
    out[:, 2] = r_l[:, 2]
    return out


def assemble_truth(
    fl: ModeFlight,
    t_launch: F64,
    lat: F64,
    lon: F64,
    aim_lat: F64,
    aim_lon: F64,
    epoch: datetime,
    dt_s: float,
    tau_burnout_s: float,
    y_burnout: F64,
    object_kind: int,
    nose_radius_m: float,
    emissivity: float,
) -> Trajectories:
    """Sample a launch-frame :class:`ModeFlight` on the uniform grid (ECI) and build the truth."""
    if not dt_s > 0.0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    n = t_launch.size
    t_imp = t_launch + fl.tau_impact_s
    nt = int(np.ceil(float(np.max(t_imp)) / dt_s - 1e-9)) + 1
    t = np.arange(nt, dtype=np.float64) * dt_s
    gmst = gmst_at(epoch, t)
    r_imp_ecef = _ecef_of_launch_frame(fl.y_impact[:, :3], fl.tau_impact_s, WGS84_OMEGA_RAD_S)
    ilat, ilon, _ = ecef_to_geodetic(r_imp_ecef)
    r_pre, v_pre = ground_fixed_states(lat, lon, np.zeros(n), t, gmst)
    r_post, v_post = ground_fixed_states(ilat, ilon, np.zeros(n), t, gmst)
    tau = t[None, :] - t_launch[:, None]
    pre = tau < 0.0
    post = tau >= fl.tau_impact_s[:, None]
    r = np.where(pre[..., None], r_pre, r_post)
    v = np.where(pre[..., None], v_pre, v_post)
    phase = np.where(pre, PHASE_PRELAUNCH, PHASE_IMPACTED).astype(np.int8)
    rcs = np.zeros((n, nt))
    plume = np.zeros((n, nt))
    temp = np.zeros((n, nt))
    ii, jj = np.nonzero(~pre & ~post)
    if ii.size:
        tq = tau[ii, jj]
        k = np.clip(np.searchsorted(fl.tau_s, tq, side="right") - 1, 0, fl.tau_s.size - 2)
        t0 = fl.tau_s[k]
        h = np.clip(np.minimum(fl.tau_s[k + 1], fl.tau_impact_s[ii]) - t0, 1e-12, None)
        s = np.clip((tq - t0) / h, 0.0, 1.0)[:, None]
        y0, y1, a0, a1 = fl.y[k, ii], fl.y[k + 1, ii], fl.a[k, ii], fl.a[k + 1, ii]
        hh = h[:, None]
        h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
        h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
        rl = h00 * y0[:, :3] + h10 * hh * y0[:, 3:] + h01 * y1[:, :3] + h11 * hh * y1[:, 3:]
        vl = h00 * y0[:, 3:] + h10 * hh * a0 + h01 * y1[:, 3:] + h11 * hh * a1
        theta = gmst_at(epoch, t_launch)[ii]
        r[ii, jj] = ecef_to_eci(rl, theta)
        v[ii, jj] = ecef_to_eci(vl, theta)
        phase[ii, jj] = fl.phase[k, ii]
        rcs[ii, jj] = fl.rcs_m2[k, ii]
        plume[ii, jj] = fl.plume_w_sr[k, ii]
        v_air = vl - omega_cross(WGS84_OMEGA_RAD_S, rl)
        hgt = ecef_to_geodetic(rl)[2]
        hot = phase[ii, jj] != PHASE_BOOST  # under the booster's fairing in boost (assumption)
        temp[ii[hot], jj[hot]] = body_temperature_k(
            hgt[hot], np.sqrt(dot(v_air[hot], v_air[hot])), nose_radius_m, emissivity
        )
    r_b = _ecef_of_launch_frame(y_burnout[:, :3], np.full(n, tau_burnout_s), WGS84_OMEGA_RAD_S)
    return make_trajectories(
        t_s=t,
        r_eci_m=r,
        v_eci_mps=v,
        phase=phase,
        rcs_m2=rcs,
        plume_w_sr=plume,
        object_kind=np.full(n, object_kind, np.int8),
        launch_index=np.arange(n, dtype=np.int64),
        t_launch_s=t_launch,
        t_burnout_s=t_launch + tau_burnout_s,
        t_impact_s=t_imp,
        burnout_alt_m=ecef_to_geodetic(r_b)[2],
        burnout_speed_mps=np.sqrt(dot(y_burnout[:, 3:], y_burnout[:, 3:])),
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        aim_lat_rad=aim_lat,
        aim_lon_rad=aim_lon,
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
        body_temp_k=temp,
    )


HGV_OPTIONS = ("manoeuvres", "weave_bank_deg", "weave_period_s", "dive_range_km", "kick_deg")
"""Flyer options of ``kind: hgv`` (manoeuvres: list of [start_frac, end_frac, bank_deg])."""

MAX_MISS_M = 5000.0
"""Miss above which a flight is reported as not reaching its aim point [m]."""


def plan_from_options(spec: HgvSpec, options: Mapping[str, Any]) -> GlidePlan:
    """Guidance plan from the catalog and the flyer options (validated, one-line errors)."""
    check_options(options, HGV_OPTIONS, spec.name)
    segs: list[tuple[float, float, float]] = []
    for seg in options.get("manoeuvres", ()) or ():
        if len(seg) != 3:
            raise ValueError(
                f"{spec.name}: manoeuvres entries are [start_frac, end_frac, bank_deg]"
            )
        a, b, bank = (float(x) for x in seg)
        if not (0.0 <= a < b <= 1.0) or not abs(bank) <= 90.0:  # NaN fails too
            raise ValueError(
                f"{spec.name}: manoeuvre {list(seg)}: need 0 <= start < end <= 1, |bank_deg| <= 90"
            )
        segs.append((a, b, bank * DEG))
    period = float(options.get("weave_period_s", 0.0))
    weave = float(options.get("weave_bank_deg", 0.0))
    if weave and not period > 0.0:
        raise ValueError(f"{spec.name}: weave_period_s must be > 0 with weave_bank_deg")
    if not abs(weave) <= 90.0:
        raise ValueError(f"{spec.name}: weave_bank_deg must be within ±90, got {weave}")
    dive = float(options.get("dive_range_km", spec.dive_range_m / 1e3))
    if not 5.0 < dive <= 1000.0:
        raise ValueError(f"{spec.name}: dive_range_km must be in (5, 1000], got {dive}")
    return GlidePlan(
        dive_range_m=dive * 1e3,
        min_glide_speed_mps=spec.min_glide_speed_mps,
        manoeuvres=tuple(segs),
        weave_bank_rad=weave * DEG,
        weave_period_s=period,
    )


def fly_hgv(
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
    """Flyer of catalog ``kind: hgv``: boost, glide and dive n vehicles ``name`` (ECI truth).

    Arrays (n,) in (geodetic radians; launch times [s] from ``epoch``). Raises
    ``ValueError`` (one line) for an aim point beyond the glide reach or inside
    the minimum range (miss > 5 km), bad options or a bad catalog entry.
    """
    spec: HgvSpec = lookup(load_hgv_specs(), name, "hgv")
    plan = plan_from_options(spec, options)
    lat, lon, aim_lat, aim_lon, t_launch = batch_arrays(lat, lon, aim_lat, aim_lon, t_launch)
    kick = options.get("kick_deg")
    if kick is not None and not 0.0 < float(kick) < 80.0:
        raise ValueError(f"{name}: kick_deg must be in (0, 80), got {kick}")
    dist = great_circle_distance_m(lat, lon, aim_lat, aim_lon)
    if (dist <= plan.dive_range_m).any():  # (0 km: the guidance divides by the range)
        i = int(np.argmin(dist))
        raise ValueError(
            f"target at {dist[i] / 1e3:.0f} km is inside the minimum range of {name} "
            f"(its dive alone takes {plan.dive_range_m / 1e3:.0f} km)"
        )
    hf = fly_hgv_batch(
        spec, lat, lon, aim_lat, aim_lon, plan, None if kick is None else float(kick) * DEG
    )
    fl = hf.flight
    if hf.exhausted.any() or np.isnan(fl.tau_impact_s).any():
        i = int(np.flatnonzero(hf.exhausted | np.isnan(fl.tau_impact_s))[0])
        reach = _reach_m(hf, lat, lon, i, plan.dive_range_m)
        raise ValueError(
            f"target at {dist[i] / 1e3:.0f} km is beyond the reach {reach / 1e3:.0f} km of {name}"
        )
    tr = assemble_truth(
        fl, t_launch, lat, lon, aim_lat, aim_lon, epoch, dt_s, hf.tau_burnout_s, hf.y_burnout,
        OBJECT_GLIDE, spec.nose_radius_m, spec.emissivity,
    )  # fmt: skip
    if (tr.miss_m > MAX_MISS_M).any():
        i = int(np.argmax(tr.miss_m))
        rb = _ecef_of_launch_frame(hf.y_burnout[:, :3], np.full(lat.size, hf.tau_burnout_s), 0.0)
        blat, blon, _ = ecef_to_geodetic(rb)
        r_min = great_circle_distance_m(lat[i], lon[i], blat[i], blon[i]) + plan.dive_range_m
        raise ValueError(
            f"target at {dist[i] / 1e3:.0f} km is inside the minimum range "
            f"~{float(r_min) / 1e3:.0f} km of {name} (miss {tr.miss_m[i] / 1e3:.0f} km)"
        )
    return tr


def _reach_m(hf: HgvFlight, lat: F64, lon: F64, i: int, dive_range_m: float) -> float:
    """Ground range [m] at which object i ran out of glide energy, plus the dive range."""
    if not hf.exhausted[i]:
        return float("nan")
    tau = float(hf.tau_dive_s[i])
    r = _ecef_of_launch_frame(hf.r_exhausted[i : i + 1], np.array([tau]), WGS84_OMEGA_RAD_S)
    elat, elon, _ = ecef_to_geodetic(r)
    return float(great_circle_distance_m(lat[i], lon[i], elat[0], elon[0])) + dive_range_m
