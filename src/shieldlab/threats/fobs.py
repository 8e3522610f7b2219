"""Fractional Orbital Bombardment System (FOBS): boost to a low orbit, coast, deorbit, reenter.

Model (3-DOF point mass, same forces and launch frames as
:mod:`shieldlab.threats.ballistic`; open-literature description of the
Soviet R-36O system: a ~150 km orbit, less than one revolution, a retro burn
before the target, which may be approached from the south; Wright, Grego &
Gronlund 2005 ch. 6; Podvig (ed.), *Russian Strategic Nuclear Forces*, MIT
Press 2001, ch. 5):

1. **BOOST.** The booster stages fly the vertical rise, pitch-over kick and
   gravity turn of the ballistic model and burn to depletion. The kick is
   solved (bisection, vectorised) so that the apogee of the burnout conic is
   at the orbit height ``orbit_alt_km``.
2. **MIDCOURSE (orbital).** Coast to that apogee; the orbital module makes an
   impulsive circularisation burn (horizontal, to the local circular speed
   √(μ/r)); coast in orbit for a solved time; impulsive retro (deorbit) burn
   of ``deorbit_dv_mps`` against the inertial velocity; coast down to the
   120 km entry interface. Impulsive burns: a burn of ~0.5 km/s by a small
   orbital stage lasts tens of seconds, ~1 % of the orbital coast (stated
   simplification). The Δv budget (insertion + deorbit) is checked against
   the orbital module's rocket equation.
3. **REENTRY.** Unpowered RV (β) to impact, as for ballistic RVs.

Aim. Unknowns per vehicle: launch azimuth (orbit plane) and orbital coast
time (where the retro burn happens); residual: impact East/North offset at
the aim point. First guess from the two-body geometry (aim point projected
on the orbit plane at the predicted impact time, minus the Kepler range
angle of the deorbit arc), then Newton with a forward-difference Jacobian.
The route is chosen among the two great-circle directions launch → aim:
``via: south-pole`` / ``north-pole`` takes the one passing closer to that
pole, ``azimuth_deg`` the one whose initial azimuth is nearest to it,
``route: long-way`` the long arc; default the short arc. The solved azimuth
absorbs the Earth's rotation. One revolution at most (a target at range
angle θ along the orbit is hit on the first pass).
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
from shieldlab.core.constants import G0_MPS2, GM_EARTH_M3_S2, R_EARTH_MEAN_M
from shieldlab.core.frames import (
    destination_point,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.core.integrate import rk4
from shieldlab.threats.ballistic import (
    COARSE_STEPS,
    ENTRY_INTERFACE_ALT_M,
    FINE_STEPS,
    Flight,
    PhysicsFlags,
    Segment,
    StepSizes,
    _accel_nodes,
    _apogee_alt_m,
    _descent_event,
    _segment_from_event,
    coast_rhs,
    fly_boost,
    fly_descent,
)
from shieldlab.threats.catalog import BallisticMissileSpec, StageEntry, StageSpec
from shieldlab.threats.trajectory import _assemble
from shieldlab.threats.truth import PHASE_MIDCOURSE, Trajectories

F64 = NDArray[np.float64]
Deriv = Callable[[float | F64, F64], F64]

KICK_LO_RAD = math.radians(2.0)
KICK_HI_RAD = math.radians(80.0)
_FLAGS = PhysicsFlags()
MIN_PERIGEE_ALT_M = 120e3
"""Lowest perigee [m] accepted for the orbit after insertion."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrbitalStageEntry(_Model):
    """The orbital module's own propulsion (insertion and deorbit burns)."""

    propellant_mass_kg: float = Field(gt=0.0)
    dry_mass_kg: float = Field(gt=0.0)
    isp_s: float = Field(gt=100.0, le=500.0)


class FobsEntry(_Model):
    """A ``kind: fobs`` entry of the threat catalog (units in the key names)."""

    kind: Literal["fobs"]
    source: str = Field(min_length=5)
    description: str = ""
    propellant: Literal["liquid", "solid"] = "liquid"
    stages: list[StageEntry] = Field(min_length=1, max_length=4)
    orbital_stage: OrbitalStageEntry
    rv_mass_kg: float = Field(gt=0.0)
    rv_beta_kg_m2: float = Field(gt=50.0, le=50000.0)
    rv_rcs_dbsm: float = Field(ge=-60.0, le=20.0)
    orbit_alt_km: float = Field(default=150.0, ge=120.0, le=400.0)
    deorbit_dv_mps: float = Field(default=400.0, gt=50.0, le=2000.0)
    orbit_rcs_dbsm: float = Field(default=0.0, ge=-40.0, le=30.0)
    vertical_rise_s: float = Field(default=10.0, gt=0.0, le=60.0)
    pitchover_s: float = Field(default=10.0, gt=0.0, le=60.0)


@dataclass(frozen=True)
class FobsSpec:
    """FOBS in SI units: ``booster`` carries the orbital module (stage + RV) as its payload."""

    name: str
    booster: BallisticMissileSpec
    orbital_propellant_kg: float
    orbital_dry_kg: float
    orbital_isp_s: float
    orbit_alt_m: float
    deorbit_dv_mps: float
    orbit_rcs_m2: float

    @property
    def orbital_dv_budget_mps(self) -> float:
        """Δv the orbital module can give the RV [m/s] (rocket equation)."""
        m_f = self.booster.rv_mass_kg + self.orbital_dry_kg
        return self.orbital_isp_s * G0_MPS2 * math.log((m_f + self.orbital_propellant_kg) / m_f)


def spec_from_fobs_entry(name: str, e: FobsEntry) -> FobsSpec:
    """Convert a validated FOBS entry to SI units."""
    stages = tuple(
        StageSpec(
            s.propellant_mass_kg,
            s.dry_mass_kg,
            s.isp_s,
            s.burn_time_s,
            s.diameter_m,
            s.drag_coefficient,
            10.0 ** (s.body_rcs_dbsm / 10.0),
            s.plume_intensity_w_sr,
        )
        for s in e.stages
    )
    os_ = e.orbital_stage
    booster = BallisticMissileSpec(
        name=name,
        source=e.source,
        stages=stages,
        payload_mass_kg=e.rv_mass_kg + os_.dry_mass_kg + os_.propellant_mass_kg,
        rv_mass_kg=e.rv_mass_kg,
        rv_beta_kg_m2=e.rv_beta_kg_m2,
        rv_rcs_m2=10.0 ** (e.rv_rcs_dbsm / 10.0),
        vertical_rise_s=e.vertical_rise_s,
        pitchover_s=e.pitchover_s,
        description=e.description,
        propellant=e.propellant,
    )
    if e.vertical_rise_s + e.pitchover_s >= stages[0].burn_time_s:
        raise ValueError(f"threats: {name}: vertical rise + pitch-over must end in stage 1")
    if stages[0].thrust_n <= booster.launch_mass_kg * G0_MPS2:
        raise ValueError(f"threats: {name}: stage-1 thrust does not exceed lift-off weight")
    return FobsSpec(
        name,
        booster,
        os_.propellant_mass_kg,
        os_.dry_mass_kg,
        os_.isp_s,
        e.orbit_alt_km * 1e3,
        e.deorbit_dv_mps,
        10.0 ** (e.orbit_rcs_dbsm / 10.0),
    )


@cache
def load_fobs_specs() -> dict[str, FobsSpec]:
    """All ``kind: fobs`` catalog entries as SI specs; ``ValueError`` names entry and field."""
    out: dict[str, FobsSpec] = {}
    for name, raw in catalog.load("threats").items():
        if not isinstance(raw, dict) or raw.get("kind") != "fobs":
            continue
        try:
            entry = FobsEntry.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"threats: entry {name!r} is invalid:\n{exc}") from exc
        out[name] = spec_from_fobs_entry(name, entry)
    return out


def _apogee_event(tau: float | F64, y: F64) -> F64:
    """> 0 while climbing (r·v > 0); crosses zero at apogee."""
    return np.einsum("ij,ij->i", y[:, :3], y[:, 3:])


def _circularise(y: F64) -> tuple[F64, F64]:
    """Impulsive burn to the local circular speed along the horizontal; new states and |Δv|."""
    r, v = y[:, :3], y[:, 3:]
    rn = np.linalg.norm(r, axis=1, keepdims=True)
    u = r / rn
    vh = v - np.einsum("ij,ij->i", v, u)[:, None] * u
    vh /= np.linalg.norm(vh, axis=1, keepdims=True)
    v_new = np.sqrt(GM_EARTH_M3_S2 / rn) * vh
    return np.concatenate([r, v_new], axis=1), np.linalg.norm(v_new - v, axis=1)


def perigee_alt_m(r_m: F64, v_mps: F64) -> F64:
    """Osculating two-body perigee height [m] above the mean sphere of states (n, 3)."""
    rn = np.linalg.norm(r_m, axis=1)
    v2 = np.einsum("ij,ij->i", v_mps, v_mps)
    a = 1.0 / (2.0 / rn - v2 / GM_EARTH_M3_S2)
    h2 = np.sum(np.cross(r_m, v_mps) ** 2, axis=1)
    e = np.sqrt(np.clip(1.0 - h2 / (GM_EARTH_M3_S2 * a), 0.0, None))
    return a * (1.0 - e) - R_EARTH_MEAN_M


@dataclass(frozen=True)
class _Ascent:
    segments: tuple[Segment, ...]
    r_launch_ecef_m: F64
    tau_burnout_s: F64
    y_burnout: F64
    tau_insert_s: F64
    y_orbit: F64
    insert_dv_mps: F64
    ok: NDArray[np.bool_]


def _ascend(
    spec: FobsSpec, lat: F64, lon: F64, az: F64, kick: F64, steps: StepSizes, flags: PhysicsFlags
) -> _Ascent:
    """Boost, coast to apogee, circularise (launch frames)."""
    b = spec.booster
    bo = fly_boost(b, lat, lon, az, kick, steps, flags)
    f_c = coast_rhs(b.rv_beta_kg_m2, flags)
    alive = ~bo.crashed & (_apogee_event(0.0, bo.y_burnout) > 0)
    seg, tau_a, y_a = _segment_from_event(
        f_c, bo.y_burnout, bo.tau_burnout_s, steps.coast_s / 2, 3000.0, _apogee_event, alive,
        PHASE_MIDCOURSE, spec.orbit_rcs_m2,
    )  # fmt: skip
    ok = alive & np.isfinite(tau_a) & (ecef_to_geodetic(y_a[:, :3])[2] > 60e3)
    y_o, dv = _circularise(y_a)
    return _Ascent((*bo.segments, seg), bo.r_launch_ecef_m, bo.tau_burnout_s, bo.y_burnout,
                   tau_a, y_o, dv, ok)  # fmt: skip


def solve_kick(
    spec: FobsSpec,
    lat: F64,
    lon: F64,
    az: F64,
    flags: PhysicsFlags = _FLAGS,
    kick0: F64 | None = None,
) -> F64:
    """Kick [rad] (n,) putting the burnout conic's apogee at the orbit height (bisection).

    The apogee height falls as the kick grows (a flatter ascent). ``ValueError``
    when the booster cannot reach the orbit height on any kick.
    """
    n = lat.size
    lo, hi = np.full(n, KICK_LO_RAD), np.full(n, KICK_HI_RAD)
    if kick0 is not None:
        lo, hi = np.maximum(kick0 - 0.02, KICK_LO_RAD), np.minimum(kick0 + 0.02, KICK_HI_RAD)

    def apo(k: F64) -> F64:
        a = _ascend(spec, lat, lon, az, k, COARSE_STEPS, flags)
        h = ecef_to_geodetic(a.y_orbit[:, :3])[2]
        return np.where(a.ok, h, -1.0)

    h_lo = apo(lo)
    if np.any(h_lo < spec.orbit_alt_m):
        raise ValueError(
            f"{spec.name}: the booster cannot lift the orbital module to "
            f"{spec.orbit_alt_m / 1e3:.0f} km"
        )
    for _ in range(22 if kick0 is None else 14):
        mid = 0.5 * (lo + hi)
        above = apo(mid) > spec.orbit_alt_m
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class FobsFlight:
    """A FOBS batch flight (launch frames) and its orbit figures (arrays (n,))."""

    flight: Flight
    tau_insert_s: F64
    tau_deorbit_s: F64
    orbit_perigee_alt_m: F64
    insert_dv_mps: F64
    orbit_angle_rad: F64
    """Angle travelled in orbit, insertion → deorbit [rad]."""


def fly_fobs_batch(
    spec: FobsSpec,
    lat: F64,
    lon: F64,
    az: F64,
    kick: F64,
    coast_s: F64,
    steps: StepSizes = FINE_STEPS,
    flags: PhysicsFlags = _FLAGS,
) -> FobsFlight:
    """Fly n FOBS vehicles: given azimuth, kick and orbital coast time [s] (launch frames)."""
    b = spec.booster
    n = lat.size
    asc = _ascend(spec, lat, lon, az, kick, steps, flags)
    f_c = coast_rhs(b.rv_beta_kg_m2, flags)
    # orbital coast on a per-object scaled grid: τ = τ_ins + s·T_i, dy/ds = T_i f(y)
    dur = np.maximum(np.asarray(coast_s, np.float64), 1.0)
    m = max(1, int(np.ceil(float(dur.max()) / steps.coast_s)))
    s_grid = np.linspace(0.0, 1.0, m + 1)

    def g(s: float | F64, y: F64) -> F64:
        return dur[:, None] * f_c(s, y)

    ys = rk4(g, asc.y_orbit, s_grid)
    acc = _accel_nodes(f_c, np.zeros(m + 1), ys)
    orbit_seg = Segment(asc.tau_insert_s, asc.tau_insert_s + dur, dur / m, ys, acc,
                        PHASE_MIDCOURSE, spec.orbit_rcs_m2, 0.0)  # fmt: skip
    y_d = ys[-1].copy()
    tau_d = asc.tau_insert_s + dur
    vhat = y_d[:, 3:] / np.linalg.norm(y_d[:, 3:], axis=1, keepdims=True)
    y_d[:, 3:] -= spec.deorbit_dv_mps * vhat
    # down to the entry interface with the descent step, then the ballistic reentry
    seg_ei, tau_ei, y_ei = _segment_from_event(
        f_c, y_d, tau_d, steps.descent_s * 2.5, 6000.0, _descent_event(ENTRY_INTERFACE_ALT_M),
        asc.ok, PHASE_MIDCOURSE, b.rv_rcs_m2,
    )  # fmt: skip
    ok = asc.ok & np.isfinite(tau_ei)
    de = fly_descent(y_ei, tau_ei, b.rv_beta_kg_m2, b.rv_rcs_m2, b.rv_rcs_m2, ok, steps, flags)
    omega = float(flags.omega_vec[2])
    r_imp = de.y_impact[:, :3]
    r_imp_ecef = eci_to_ecef(r_imp, omega * de.tau_impact_s)
    ilat, ilon, _ = ecef_to_geodetic(r_imp_ecef)
    r_bo = asc.y_burnout[:, :3]
    apogee = np.maximum(_apogee_alt_m(asc.segments[-1]), _apogee_alt_m(orbit_seg))
    cosang = np.einsum("ij,ij->i", asc.y_orbit[:, :3], ys[-1][:, :3]) / (
        np.linalg.norm(asc.y_orbit[:, :3], axis=1) * np.linalg.norm(ys[-1][:, :3], axis=1)
    )
    period = 2 * np.pi * np.sqrt(np.linalg.norm(asc.y_orbit[:, :3], axis=1) ** 3 / GM_EARTH_M3_S2)
    turns = np.floor(dur / period)
    angle = np.arccos(np.clip(cosang, -1, 1))
    angle = np.where(np.mod(dur / period, 1.0) > 0.5, 2 * np.pi - angle, angle) + 2 * np.pi * turns
    fl = Flight(
        segments=(*asc.segments, orbit_seg, seg_ei, *de.segments),
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        r_launch_ecef_m=asc.r_launch_ecef_m,
        tau_burnout_s=asc.tau_burnout_s,
        tau_reentry_s=tau_ei,
        tau_impact_s=de.tau_impact_s,
        r_burnout_m=r_bo,
        v_burnout_mps=asc.y_burnout[:, 3:],
        r_impact_m=r_imp,
        r_impact_ecef_m=r_imp_ecef,
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
        burnout_alt_m=ecef_to_geodetic(r_bo)[2],
        apogee_alt_m=apogee,
        ok=de.ok,
    )
    perigee = perigee_alt_m(asc.y_orbit[:, :3], asc.y_orbit[:, 3:])
    del n
    return FobsFlight(fl, asc.tau_insert_s, tau_d, perigee, asc.insert_dv_mps, angle)


ROUTES = ("short-way", "long-way")
VIAS = ("south-pole", "north-pole")


def route_azimuth_rad(
    lat: F64,
    lon: F64,
    alat: F64,
    alon: F64,
    via: str | None = None,
    azimuth_deg: float | None = None,
    route: str | None = None,
) -> tuple[F64, F64]:
    """Initial azimuth [rad] and ground range [m] of the chosen great-circle direction (n,)."""
    d = great_circle_distance_m(lat, lon, alat, alon)
    az_s = initial_azimuth_rad(lat, lon, alat, alon)
    az_l = np.mod(az_s + np.pi, 2 * np.pi)
    d_l = 2 * np.pi * R_EARTH_MEAN_M - d
    if via is not None:
        frac = np.linspace(0.0, 1.0, 64)[:, None]
        lat_s, _ = destination_point(lat, lon, az_s, frac * d)
        lat_l, _ = destination_point(lat, lon, az_l, frac * d_l)
        long_ = (
            (lat_l.min(0) < lat_s.min(0)) if via == "south-pole" else (lat_l.max(0) > lat_s.max(0))
        )
    elif azimuth_deg is not None:
        a = np.radians(azimuth_deg)
        long_ = np.abs(np.angle(np.exp(1j * (az_l - a)))) < np.abs(
            np.angle(np.exp(1j * (az_s - a)))
        )
    else:
        long_ = np.full(lat.shape, route == "long-way")
    return np.where(long_, az_l, az_s), np.where(long_, d_l, d)


@dataclass(frozen=True)
class FobsSolution:
    """Solved azimuth, kick and orbital coast (arrays (n,)) with the fine flight."""

    azimuth_rad: F64
    kick_rad: F64
    coast_s: F64
    miss_m: F64
    fobs: FobsFlight


def solve_fobs(
    spec: FobsSpec,
    lat: F64,
    lon: F64,
    alat: F64,
    alon: F64,
    via: str | None = None,
    azimuth_deg: float | None = None,
    route: str | None = None,
    flags: PhysicsFlags = _FLAGS,
    max_iter: int = 12,
) -> FobsSolution:
    """Aim n FOBS vehicles at their aim points (see the module docstring)."""
    if via is not None and via not in VIAS:
        raise ValueError(f"{spec.name}: via {via!r} is not one of {', '.join(VIAS)}")
    if route is not None and route not in ROUTES:
        raise ValueError(f"{spec.name}: route {route!r} is not one of {', '.join(ROUTES)}")
    if azimuth_deg is not None and not (0.0 <= azimuth_deg < 360.0):
        raise ValueError(f"{spec.name}: azimuth_deg {azimuth_deg} is outside 0..360")
    az, _ = route_azimuth_rad(lat, lon, alat, alon, via, azimuth_deg, route)
    coast: F64 | None = None
    kick = np.zeros_like(az)
    # the kick depends on the azimuth (Earth rotation): re-solve it after each aim solve
    for it in range(3):
        kick = solve_kick(spec, lat, lon, az, flags, None if it == 0 else kick)
        asc = _ascend(spec, lat, lon, az, kick, FINE_STEPS, flags)
        _check_orbit(spec, asc)
        if coast is None:
            coast = _first_coast_guess(spec, asc, alat, alon, flags)
        steps = FINE_STEPS if it == 2 else COARSE_STEPS
        az, coast = _newton_aim(spec, lat, lon, alat, alon, az, kick, coast, flags, max_iter, steps)
    x = np.stack([az, np.asarray(coast)], axis=1)
    ff = fly_fobs_batch(spec, lat, lon, x[:, 0], kick, x[:, 1], FINE_STEPS, flags)
    miss = great_circle_distance_m(ff.flight.impact_lat_rad, ff.flight.impact_lon_rad, alat, alon)
    bad = ~(miss < 1000.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{spec.name}: FOBS aim did not converge for vehicle {i}: miss "
                         f"{miss[i] / 1e3:.1f} km")  # fmt: skip
    return FobsSolution(x[:, 0], kick, x[:, 1], miss, ff)


def _check_orbit(spec: FobsSpec, asc: _Ascent) -> None:
    """One-line ``ValueError`` for a perigee below 120 km or an exhausted Δv budget."""
    perigee = perigee_alt_m(asc.y_orbit[:, :3], asc.y_orbit[:, 3:])
    if np.any(perigee < MIN_PERIGEE_ALT_M):
        raise ValueError(f"{spec.name}: orbit perigee {perigee.min() / 1e3:.0f} km is below 120 km")
    need = asc.insert_dv_mps + spec.deorbit_dv_mps
    if np.any(need > spec.orbital_dv_budget_mps):
        raise ValueError(
            f"{spec.name}: insertion + deorbit need {need.max():.0f} m/s, the orbital "
            f"module gives {spec.orbital_dv_budget_mps:.0f} m/s"
        )


def _newton_aim(
    spec: FobsSpec,
    lat: F64,
    lon: F64,
    alat: F64,
    alon: F64,
    az: F64,
    kick: F64,
    coast: F64,
    flags: PhysicsFlags,
    max_iter: int,
    steps: StepSizes,
) -> tuple[F64, F64]:
    """Newton on (azimuth, orbital coast) for a fixed kick; forward-difference Jacobian."""
    x = np.stack([az, coast], axis=1)
    fd = np.array([2e-5, 0.05])
    todo = np.ones(lat.size, bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        k = idx.size
        xs = np.concatenate([x[idx], x[idx] + [fd[0], 0.0], x[idx] + [0.0, fd[1]]])
        ff = fly_fobs_batch(spec, np.tile(lat[idx], 3), np.tile(lon[idx], 3), xs[:, 0],
                            np.tile(kick[idx], 3), xs[:, 1], steps, flags)  # fmt: skip
        enu = ecef_to_enu(
            ff.flight.r_impact_ecef_m, np.tile(alat[idx], 3), np.tile(alon[idx], 3), 0.0
        )
        r = np.where(ff.flight.ok[:, None], enu[:, :2], np.nan)
        f0 = r[:k]
        jac = np.stack([(r[k : 2 * k] - f0) / fd[0], (r[2 * k :] - f0) / fd[1]], axis=-1)
        done = np.hypot(f0[:, 0], f0[:, 1]) < 5.0
        good = np.all(np.isfinite(jac), axis=(1, 2)) & np.all(np.isfinite(f0), axis=1) & ~done
        jj = np.where(good[:, None, None], jac, np.eye(2))
        dx = -np.linalg.solve(jj, np.where(good[:, None], f0, 0.0)[..., None])[..., 0]
        dx = np.clip(dx, [-0.1, -600.0], [0.1, 600.0])
        x[idx] = np.where(good[:, None], x[idx] + dx, x[idx])
        todo[idx[done]] = False
    return x[:, 0].copy(), x[:, 1].copy()


def _first_coast_guess(
    spec: FobsSpec, asc: _Ascent, alat: F64, alon: F64, flags: PhysicsFlags
) -> F64:
    """Orbital coast time [s]: two-body, aim point on the orbit plane at the impact time."""
    r0, v0 = asc.y_orbit[:, :3], asc.y_orbit[:, 3:]
    rn = np.linalg.norm(r0, axis=1)
    h = np.cross(r0, v0)
    h /= np.linalg.norm(h, axis=1, keepdims=True)
    e1 = r0 / rn[:, None]
    e2 = np.cross(h, e1)
    rate = np.sqrt(GM_EARTH_M3_S2 / rn**3)
    # deorbit arc (two-body, vacuum) from a circular state: range angle and time
    from shieldlab.threats.ballistic import kepler_free_flight

    rd = np.stack([rn, np.zeros_like(rn), np.zeros_like(rn)], axis=1)
    vd = np.stack([np.zeros_like(rn), np.sqrt(GM_EARTH_M3_S2 / rn) - spec.deorbit_dv_mps,
                   np.zeros_like(rn)], axis=1)  # fmt: skip
    psi_d, tof_d = kepler_free_flight(rd, vd, np.full(rn.shape, R_EARTH_MEAN_M))
    r_aim = geodetic_to_ecef(alat, alon, 0.0)
    omega = float(flags.omega_vec[2])
    t_imp = asc.tau_insert_s + 0.5 * 2 * np.pi / rate
    coast = np.zeros_like(rn)
    for _ in range(6):
        ra = eci_to_ecef(r_aim, -omega * t_imp)  # aim point in the launch frame at impact
        theta = np.mod(np.arctan2(np.einsum("ij,ij->i", ra, e2), np.einsum("ij,ij->i", ra, e1)),
                       2 * np.pi)  # fmt: skip
        coast = np.mod(theta - psi_d, 2 * np.pi) / rate
        t_imp = asc.tau_insert_s + coast + tof_d
    return coast


def fly_fobs(
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
    """Flyer of catalog ``kind: fobs``: aim and fly n vehicles of type ``name`` (ECI truth).

    Options: ``via`` (``south-pole`` | ``north-pole``), ``azimuth_deg``,
    ``route`` (``short-way`` | ``long-way``), ``deorbit_dv_mps``. Phases
    BOOST, MIDCOURSE (coast to orbit, orbit, deorbit coast to 120 km),
    REENTRY. Burnout fields refer to the booster's burnout.
    """
    specs = load_fobs_specs()
    if name not in specs:
        raise ValueError(f"unknown FOBS {name!r}; allowed: {', '.join(sorted(specs))}")
    spec = specs[name]
    allowed = {"via", "azimuth_deg", "route", "deorbit_dv_mps"}
    extra = sorted(set(options) - allowed)
    if extra:
        raise ValueError(
            f"{name}: unknown option {extra[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    if "deorbit_dv_mps" in options:
        dv = float(options["deorbit_dv_mps"])
        if not (50.0 < dv <= 2000.0):
            raise ValueError(f"{name}: deorbit_dv_mps {dv} is outside 50..2000 m/s")
        spec = FobsSpec(**{**spec.__dict__, "deorbit_dv_mps": dv})
    la = np.atleast_1d(np.asarray(lat, np.float64))
    lo_, al, ao, t0 = (np.broadcast_to(np.asarray(a, np.float64), la.shape).copy()
                       for a in (lon, aim_lat, aim_lon, t_launch))  # fmt: skip
    if dt_s <= 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    az_opt = options.get("azimuth_deg")
    sol = solve_fobs(
        spec, la, lo_, al, ao, options.get("via"),
        None if az_opt is None else float(az_opt), options.get("route"),
    )  # fmt: skip
    return _assemble(sol.fobs.flight, t0, al, ao, epoch, dt_s, None)
