"""Hypersonic cruise missile (HCM): rocket boost, scramjet cruise (constant height, Mach), dive.

Model (3-DOF point mass in the launch frame, J2 gravity, rotating Earth, US-76;
shared machinery of :mod:`shieldlab.threats.glide`):

- **Boost.** The catalog's booster stage(s) thrust along the air-relative
  velocity (constant mass flow, vacuum thrust, drag C_D A of the stage);
  launched from the ground at ``launch_elevation_deg`` and steered (aero and
  thrust-vector normal force, ≤ ``max_load_g``) on the climb law
  γ_cmd = clip(k_h (h_c − h)/v, −10°, γ_launch) towards the cruise height,
  heading on the great circle to the aim point. Spent stages drop at burnout.
- **Cruise** (scramjet): from booster burnout, constant-altitude,
  constant-Mach flight along the great circle: thrust = drag + m k_v (v_c − v)
  (never negative), lift = weight − centrifugal + the altitude-hold term
  m v k_γ (γ_cmd − γ), heading error nulled by a lateral force. Constant
  mass (fuel burn ignored); the catalog ``max_range_km`` stands for the fuel.
- **Terminal dive** within ``dive_range_km`` of the aim point: engine off,
  proportional navigation (N = 3.5), lift ≤ f_max (L/D) q/β as the glider.
- **Signatures**: body temperature from Sutton–Graves heating and radiative
  equilibrium (as the HGV); RCS booster body in boost, missile nose-on after;
  plume: stage plume in boost, ``cruise_plume_w_sr`` in cruise.

Phases: BOOST, CRUISE, TERMINAL, IMPACTED. Numbers: ``catalog/threats-hypersonic.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationError

from shieldlab import catalog
from shieldlab.core.atmosphere import ussa76
from shieldlab.core.constants import DEG, G0_MPS2
from shieldlab.core.frames import (
    enu_matrix,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.threats.ballistic import density_fast_kg_m3
from shieldlab.threats.catalog import StageEntry, StageSpec, stage_specs
from shieldlab.threats.glide import (
    MAX_MISS_M,
    NAV_GAIN,
    _Model,
    assemble_truth,
)
from shieldlab.threats.hypersonic import (
    MODE_BOOST,
    MODE_CRUISE,
    MODE_TERMINAL,
    GlideFlags,
    ModeFlight,
    NodeLog,
    batch_arrays,
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
    validation_message,
)
from shieldlab.threats.signatures import db_to_m2
from shieldlab.threats.truth import (
    OBJECT_CRUISE,
    PHASE_BOOST,
    PHASE_CRUISE,
    PHASE_TERMINAL,
    Trajectories,
)

F64 = NDArray[np.float64]

K_GAMMA = 0.5
"""Flight-path-angle loop gain [1/s]."""
K_HEIGHT = 0.05
"""Altitude-hold gain [1/s] (γ_cmd = k_h Δh / v)."""
K_SPEED = 0.2
"""Speed-hold gain [1/s] of the scramjet thrust."""
K_HEADING = 0.05
"""Heading-hold gain [1/s] (lateral acceleration k v Δψ)."""
MIN_GAMMA_CMD_RAD = -10.0 * DEG
DEFAULT_FLAGS = GlideFlags()


class HcmEntry(_Model):
    """A ``kind: hcm`` entry of ``threats-hypersonic.yaml`` (units in the key names)."""

    kind: Literal["hcm"]
    source: str = Field(min_length=5)
    description: str = ""
    stages: list[StageEntry] = Field(min_length=1, max_length=3)
    cruise_mass_kg: float = Field(gt=0.0, le=20000.0)
    lift_to_drag: float = Field(gt=0.0, le=10.0)
    beta_kg_m2: float = Field(gt=100.0, le=50000.0)
    max_lift_factor: float = Field(default=1.6, ge=1.0, le=3.0)
    nose_radius_m: float = Field(gt=0.001, le=2.0)
    emissivity: float = Field(gt=0.0, le=1.0)
    rcs_nose_dbsm: float = Field(ge=-60.0, le=20.0)
    rcs_broadside_dbsm: float = Field(ge=-60.0, le=30.0)
    cruise_alt_km: float = Field(gt=10.0, le=60.0)
    cruise_mach: float = Field(gt=3.0, le=15.0)
    launch_elevation_deg: float = Field(gt=5.0, le=90.0)
    max_load_g: float = Field(gt=1.0, le=60.0)
    max_range_km: float = Field(gt=50.0, le=5000.0)
    dive_range_km: float = Field(gt=2.0, le=500.0)
    cruise_plume_w_sr: float = Field(ge=0.0, le=1e7)


@dataclass(frozen=True)
class HcmSpec:
    """A hypersonic cruise missile in SI units."""

    name: str
    source: str
    stages: tuple[StageSpec, ...]
    cruise_mass_kg: float
    lift_to_drag: float
    beta_kg_m2: float
    max_lift_factor: float
    nose_radius_m: float
    emissivity: float
    rcs_nose_m2: float
    rcs_broadside_m2: float
    cruise_alt_m: float
    cruise_mach: float
    launch_elevation_rad: float
    max_load_mps2: float
    max_range_m: float
    dive_range_m: float
    cruise_plume_w_sr: float

    @property
    def cruise_speed_mps(self) -> float:
        """Cruise air speed [m/s]: Mach times the US-76 speed of sound at the cruise height."""
        return float(self.cruise_mach * ussa76(self.cruise_alt_m).speed_of_sound_mps)

    @property
    def total_burn_time_s(self) -> float:
        """Booster burn time [s]."""
        return sum(s.burn_time_s for s in self.stages)


def hcm_spec_from_mapping(name: str, raw: Mapping[str, Any]) -> HcmSpec:
    """Validate one raw catalog entry and convert it to SI; one-line ``ValueError`` if invalid."""
    try:
        e = HcmEntry.model_validate(dict(raw))
    except ValidationError as exc:
        raise ValueError(validation_message("threats-hypersonic.yaml", name, exc)) from None
    return HcmSpec(
        name=name,
        source=e.source,
        stages=stage_specs(e.stages),
        cruise_mass_kg=e.cruise_mass_kg,
        lift_to_drag=e.lift_to_drag,
        beta_kg_m2=e.beta_kg_m2,
        max_lift_factor=e.max_lift_factor,
        nose_radius_m=e.nose_radius_m,
        emissivity=e.emissivity,
        rcs_nose_m2=db_to_m2(e.rcs_nose_dbsm),
        rcs_broadside_m2=db_to_m2(e.rcs_broadside_dbsm),
        cruise_alt_m=e.cruise_alt_km * 1e3,
        cruise_mach=e.cruise_mach,
        launch_elevation_rad=e.launch_elevation_deg * DEG,
        max_load_mps2=e.max_load_g * G0_MPS2,
        max_range_m=e.max_range_km * 1e3,
        dive_range_m=e.dive_range_km * 1e3,
        cruise_plume_w_sr=e.cruise_plume_w_sr,
    )


@cache
def load_hcm_specs() -> dict[str, HcmSpec]:
    """All ``kind: hcm`` catalog entries as SI specs, by name."""
    return {
        name: hcm_spec_from_mapping(name, raw)
        for name, raw in catalog.load("threats").items()
        if isinstance(raw, dict) and raw.get("kind") == "hcm"
    }


@dataclass(frozen=True)
class HcmFlight:
    """An HCM batch flight in launch frames and its events (τ since launch [s])."""

    flight: ModeFlight
    tau_burnout_s: float
    y_burnout: F64
    tau_dive_s: F64


def fly_hcm_batch(
    spec: HcmSpec,
    lat: F64,
    lon: F64,
    aim_lat: F64,
    aim_lon: F64,
    flags: GlideFlags = DEFAULT_FLAGS,
    nav_gain: float = NAV_GAIN,
) -> HcmFlight:
    """Boost, cruise and dive n HCMs of one type (launch frames, radians in)."""
    n = lat.size
    om = flags.omega_z
    az = initial_azimuth_rad(lat, lon, aim_lat, aim_lon)
    r0 = geodetic_to_ecef(lat, lon, 0.0)
    m = enu_matrix(lat, lon)
    east, north, up = m[..., 0, :], m[..., 1, :], m[..., 2, :]
    horiz = np.sin(az)[:, None] * east + np.cos(az)[:, None] * north
    el = spec.launch_elevation_rad
    v0 = omega_cross(om, r0) + 30.0 * (math.cos(el) * horiz + math.sin(el) * up)
    y0 = np.concatenate([r0, v0], axis=1)
    r_aim = geodetic_to_ecef(aim_lat, aim_lon, 0.0)
    ign = np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in spec.stages])])
    wet = [s.propellant_mass_kg + s.dry_mass_kg for s in spec.stages]
    v_c, h_c = spec.cruise_speed_mps, spec.cruise_alt_m
    lod, beta, fmax = spec.lift_to_drag, spec.beta_kg_m2, spec.max_lift_factor
    tau_dive = np.full(n, np.nan)

    def stage_at(tau: float) -> int:
        return min(int(np.searchsorted(ign, tau, side="right")) - 1, len(spec.stages) - 1)

    def accel(tau: float, y: F64, mode: NDArray[np.int8]) -> F64:
        r, v = y[:, :3], y[:, 3:]
        ff = flight_frame(r, v - omega_cross(om, r))
        hgt = flags.height_m(r)
        rho = density_fast_kg_m3(hgt)
        q = 0.5 * rho * ff.speed**2
        g = flags.gravity(r)
        r_t = rotate_z(r_aim, om * tau)
        _, dpsi = target_geometry(ff, r_t)
        gmag = np.sqrt(dot(g, g))
        cos_g = np.sqrt(np.maximum(1.0 - ff.sin_gamma**2, 0.0))
        rn = np.sqrt(dot(r, r))
        v_safe = np.maximum(ff.speed, 50.0)
        # common steering: climb / altitude hold and heading hold
        gam_cmd = np.clip(K_HEIGHT * (h_c - hgt) / v_safe, MIN_GAMMA_CMD_RAD, el)
        gam = np.arcsin(np.clip(ff.sin_gamma, -1.0, 1.0))
        a_n = ff.speed * K_GAMMA * (gam_cmd - gam) + (gmag - ff.speed**2 / rn) * cos_g
        a_l = K_HEADING * ff.speed * dpsi
        a_steer = a_n[:, None] * ff.n_up - a_l[:, None] * ff.n_right
        mag = np.sqrt(dot(a_steer, a_steer))
        a_steer = a_steer * np.minimum(1.0, spec.max_load_mps2 / np.maximum(mag, 1e-9))[:, None]
        # boost: thrust along the air-relative velocity, stage drag
        k = stage_at(tau)
        st = spec.stages[k]
        in_burn = tau < ign[-1]
        m_b = spec.cruise_mass_kg + sum(wet[k:]) - st.mass_flow_kg_s * (min(tau, ign[-1]) - ign[k])
        thrust_b = st.thrust_n / m_b if in_burn else 0.0
        drag_b = q * st.drag_coefficient * st.area_m2 / m_b
        a_boost = a_steer + (thrust_b - drag_b)[:, None] * ff.u_v
        # cruise: scramjet thrust = drag + speed hold (thrust >= 0)
        d_cr = q / beta
        net = np.maximum(K_SPEED * (v_c - ff.speed) - dot(g, ff.u_v), -d_cr)
        a_cruise = a_steer + net[:, None] * ff.u_v
        # terminal: engine off, proportional navigation limited by aerodynamic lift
        a = np.where((mode == MODE_BOOST)[:, None], a_boost, a_cruise)
        term = mode == MODE_TERMINAL
        if term.any():
            l_nom = lod * d_cr
            a_pn = pn_lift_accel(r, v, r_t, omega_cross(om, r_t), g, ff, nav_gain)
            lift, f = limit_lift(a_pn, l_nom, fmax)
            a_t = lift - (0.5 * (1.0 + f**2) * d_cr)[:, None] * ff.u_v
            a = np.where(term[:, None], a_t, a)
        return np.asarray(g + a)

    def update(tau: float, y: F64, mode: NDArray[np.int8]) -> NDArray[np.int8]:
        r, v = y[:, :3], y[:, 3:]
        ff = flight_frame(r, v - omega_cross(om, r))
        rtg, _ = target_geometry(ff, rotate_z(r_aim, om * tau))
        out = np.where((mode == MODE_BOOST) & (tau >= ign[-1]), MODE_CRUISE, mode)
        dive = (out == MODE_CRUISE) & (rtg <= spec.dive_range_m)
        tau_dive[dive] = tau
        return np.where(dive, MODE_TERMINAL, out).astype(np.int8)

    def codes(tau: float, y: F64, mode: NDArray[np.int8]) -> tuple[NDArray[np.int8], F64, F64]:
        st = spec.stages[stage_at(tau)]
        boost = mode == MODE_BOOST
        ph = np.where(
            boost, PHASE_BOOST, np.where(mode == MODE_CRUISE, PHASE_CRUISE, PHASE_TERMINAL)
        )
        rcs = np.where(boost, st.body_rcs_m2, spec.rcs_nose_m2)
        plume = np.where(
            boost, st.plume_w_sr, np.where(mode == MODE_CRUISE, spec.cruise_plume_w_sr, 0.0)
        )
        return ph.astype(np.int8), rcs, plume

    log = NodeLog([], [], [], [], [], [])
    # boost on steps that end exactly at each stage burnout
    tau, y = 0.0, y0
    for k in range(len(spec.stages)):
        steps = max(1, math.ceil(float(ign[k + 1] - ign[k]) - 1e-9))
        hs = float(ign[k + 1] - ign[k]) / steps
        part = run_modes(
            accel, lambda t, yy, md: md, codes, y, np.full(n, MODE_BOOST, np.int8), tau,
            flags, log, hs, float(ign[k + 1]) - 1e-9,
        )  # fmt: skip
        y = part.y[-1]
        tau = float(ign[k + 1])
        log.tau.pop(), log.y.pop(), log.a.pop(), log.phase.pop(), log.rcs.pop(), log.plume.pop()
        log.phase.pop(), log.rcs.pop(), log.plume.pop()
    y_b = y.copy()
    fl = run_modes(accel, update, codes, y, np.full(n, MODE_BOOST, np.int8), tau, flags, log)
    return HcmFlight(fl, float(ign[-1]), y_b, tau_dive)


HCM_OPTIONS = ("cruise_alt_km", "cruise_mach", "dive_range_km")


def fly_hcm(
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
    """Flyer of catalog ``kind: hcm``: boost, cruise and dive n missiles ``name`` (ECI truth).

    Options override ``cruise_alt_km``, ``cruise_mach`` and ``dive_range_km``
    (validated like the catalog). One-line ``ValueError`` for an aim point
    beyond ``max_range_km`` or not reached (miss > 5 km).
    """
    spec: HcmSpec = lookup(load_hcm_specs(), name, "hcm")
    check_options(options, HCM_OPTIONS, name)
    if options:
        raw = dict(catalog.load("threats")[name])
        raw.update(options)
        spec = hcm_spec_from_mapping(name, raw)
    lat, lon, aim_lat, aim_lon, t_launch = batch_arrays(lat, lon, aim_lat, aim_lon, t_launch)
    dist = great_circle_distance_m(lat, lon, aim_lat, aim_lon)
    if (dist > spec.max_range_m).any():
        i = int(np.argmax(dist))
        raise ValueError(
            f"target at {dist[i] / 1e3:.0f} km is beyond the reach "
            f"{spec.max_range_m / 1e3:.0f} km of {name}"
        )
    hf = fly_hcm_batch(spec, lat, lon, aim_lat, aim_lon)
    if np.isnan(hf.flight.tau_impact_s).any():
        raise ValueError(f"{name}: a missile did not impact within the flight-time limit")
    tr = assemble_truth(
        hf.flight, t_launch, lat, lon, aim_lat, aim_lon, epoch, dt_s, hf.tau_burnout_s,
        hf.y_burnout, OBJECT_CRUISE, spec.nose_radius_m, spec.emissivity,
    )  # fmt: skip
    if (tr.miss_m > MAX_MISS_M).any():
        i = int(np.argmax(tr.miss_m))
        raise ValueError(
            f"target at {dist[i] / 1e3:.0f} km is not reachable by {name} "
            f"(miss {tr.miss_m[i] / 1e3:.0f} km; too close for its boost and dive?)"
        )
    return tr
