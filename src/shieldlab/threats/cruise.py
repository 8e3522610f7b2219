"""Subsonic and supersonic cruise missiles: waypoint routes, terrain-following cruise, terminal.

Model (kinematic plus energy). A cruise missile is a guided aircraft whose
autopilot holds a commanded speed and altitude, so its truth is a scripted
path rather than an integrated force balance: a point mass moves along a
ground track on the rotating WGS-84 Earth with a speed and height schedule,
every phase in closed form in time (no integration error, no Python loop over
objects; the only loop runs over chunks of output time steps).

- **Launch / boost** (BOOST): from the platform's altitude and speed (ground
  launcher 0 m, ship 10 m, submarine −30 m, underwater ejection included, bomber
  10 km at 230 m/s) to the cruise altitude and speed. Speed rises linearly over
  the phase, height follows a cosine ramp whose steepest flight-path angle is
  the catalog ``climb_angle_deg``; the phase lasts the booster burn time or the
  climb/descent time if longer (at least 1 s).
- **Cruise** (CRUISE): constant Mach at a constant clearance above the WGS-84
  ellipsoid — the terrain-following height (30–100 m over land, 10–20 m
  sea-skimming). There is no terrain database: "ground" is the ellipsoid.
- **Route**: great-circle legs launch → waypoints → aim point; at each waypoint
  a fly-by coordinated turn of radius R = v²/(g tan φ) = v²/(g √(n²−1)) at the
  cruise speed and the catalog load factor n (planar arc in the waypoint's
  tangent plane, mapped to the sphere by azimuthal-equidistant projection; the
  turn starts R tan(Δψ/2) before the waypoint and passes it at
  R (1/cos(Δψ/2) − 1)).
- **Terminal** (TERMINAL): from ``terminal_range_km`` (seeker on) or the start
  of the manoeuvre: ``pop-up`` (climb at ``popup_climb_angle_deg`` to
  ``popup_altitude_m``, then straight dive at ``dive_angle_deg`` onto the aim
  point), ``dive`` (straight dive from cruise altitude) or ``sea-skim`` (level at
  the skimming height, final shallow descent onto the waterline). Speed by
  energy conservation with thrust = drag as in cruise: V² = V_c² + 2 g (h_c − h).
- Then IMPACTED at the aim point (h = 0), turning with the Earth.

Ground distances are great-circle distances on the mean-radius sphere (the
``core.frames`` convention), covered at the scheduled speed; the ECEF speed
therefore differs from the nominal one by the ellipsoid's local curvature
ratio (≤ 0.6 %) and by 1/cos γ in the launch climb. Velocities are the exact
time derivatives of the sampled positions (ECEF relative to the rotating air,
no wind; ECI adds ω × r).

Range: a route longer than the catalog ``max_range_km`` raises ``ValueError``
(no fuel model beyond that limit). Signatures: RCS by aspect class (frontal in
the truth arrays — what a defending radar sees of an incoming missile — side
and rear via :func:`rcs_by_aspect_m2`); booster plume during the burn, sustainer
(turbofan/ramjet) plume after; nothing under water. Skin temperature is the
adiabatic wall (recovery) temperature T_aw = T∞ (1 + r (γ−1)/2 M²) (Anderson,
*Hypersonic and High-Temperature Gas Dynamics*, 2nd ed., sec. 6.7; r ≈ Pr^(1/3)
≈ 0.89 turbulent) at the US-76 static temperature.

Sources: catalog ``threats-cruise.yaml`` (CSIS Missile Threat, CBO 2021
"National Cruise Missile Defense", assumptions marked); geometry from
``core.frames``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shieldlab import catalog
from shieldlab.core.atmosphere import GAMMA, ussa76
from shieldlab.core.constants import DEG, G0_MPS2
from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci_state,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.core.time import gmst_at
from shieldlab.threats.signatures import rcs_aspect_class_m2
from shieldlab.threats.truth import (
    OBJECT_CRUISE,
    PHASE_BOOST,
    PHASE_CRUISE,
    PHASE_IMPACTED,
    PHASE_PRELAUNCH,
    PHASE_TERMINAL,
    Trajectories,
    ground_fixed_states,
    make_trajectories,
)

F64 = NDArray[np.float64]
Platform = Literal["ground", "ship", "submarine", "bomber"]
Terminal = Literal["pop-up", "dive", "sea-skim"]

PLATFORM_DEFAULTS: dict[str, tuple[float, float]] = {
    "ground": (0.0, 0.0),
    "ship": (10.0, 0.0),
    "submarine": (-30.0, 0.0),
    "bomber": (10000.0, 230.0),
}
"""Launch (geodetic height [m], speed [m/s]) per platform (assumptions: deck height ~10 m,
launch depth ~30 m, bomber release ~10 km at ~230 m/s ≈ Mach 0.78 there)."""

_DELTA_S_M = 5.0  # half step of the central difference for the track tangent [m]
_CHUNK = 200_000  # samples (objects × times) evaluated at once


def _fpos(lo: float, hi: float, desc: str) -> Any:
    return Field(gt=lo, le=hi, description=desc)


class CruiseEntry(BaseModel):
    """A ``kind: cruise`` entry of ``threats-cruise.yaml`` (units in the key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["cruise"]
    source: str = Field(min_length=5)
    description: str = ""
    platforms: list[Platform] = Field(min_length=1)
    max_range_km: float = _fpos(0.0, 20000.0, "longest route [km]")
    cruise_mach: float = _fpos(0.1, 5.0, "cruise Mach number [-]")
    cruise_altitude_m: float = _fpos(1.0, 25000.0, "clearance above the ellipsoid [m]")
    max_load_factor_g: float = _fpos(1.0, 40.0, "turn load factor n [g]")
    booster_burn_time_s: float = Field(ge=0.0, le=120.0)
    climb_angle_deg: float = _fpos(0.0, 80.0, "steepest launch climb/descent angle [deg]")
    terminal: Terminal
    popup_altitude_m: float | None = Field(default=None, gt=0.0, le=20000.0)
    popup_climb_angle_deg: float = Field(default=20.0, gt=0.0, le=80.0)
    dive_angle_deg: float = _fpos(0.0, 90.0, "terminal dive angle [deg]")
    terminal_range_km: float = Field(default=0.0, ge=0.0, le=500.0)
    rcs_frontal_dbsm: float = Field(ge=-60.0, le=30.0)
    rcs_side_dbsm: float = Field(ge=-60.0, le=30.0)
    rcs_rear_dbsm: float = Field(ge=-60.0, le=30.0)
    boost_rcs_dbsm: float = Field(ge=-60.0, le=30.0)
    plume_intensity_w_sr: float = Field(ge=0.0, le=1e7)
    booster_plume_w_sr: float = Field(ge=0.0, le=1e8)
    recovery_factor: float = Field(ge=0.7, le=1.0)
    launch_altitude_m: float | None = Field(default=None, ge=-500.0, le=20000.0)
    launch_speed_mps: float | None = Field(default=None, ge=0.0, le=1500.0)

    @model_validator(mode="after")
    def _popup_needs_altitude(self) -> CruiseEntry:
        if self.terminal == "pop-up" and self.popup_altitude_m is None:
            raise ValueError("terminal pop-up needs popup_altitude_m")
        return self


@dataclass(frozen=True)
class CruiseMissileSpec:
    """A cruise missile type in SI units (angles in rad, RCS in m², plume in W/sr)."""

    name: str
    source: str
    platforms: tuple[str, ...]
    max_range_m: float
    cruise_mach: float
    cruise_altitude_m: float
    max_load_factor: float
    booster_burn_time_s: float
    climb_angle_rad: float
    terminal: str
    popup_altitude_m: float | None
    popup_climb_angle_rad: float
    dive_angle_rad: float
    terminal_range_m: float
    rcs_frontal_m2: float
    rcs_side_m2: float
    rcs_rear_m2: float
    boost_rcs_m2: float
    plume_w_sr: float
    booster_plume_w_sr: float
    recovery_factor: float
    launch_altitude_m: float | None = None
    launch_speed_mps: float | None = None
    description: str = ""


def _db(x: float) -> float:
    return 10.0 ** (x / 10.0)


def spec_from_entry(name: str, e: CruiseEntry) -> CruiseMissileSpec:
    """Convert a validated catalog entry to SI units."""
    return CruiseMissileSpec(
        name=name,
        source=e.source,
        platforms=tuple(e.platforms),
        max_range_m=e.max_range_km * 1e3,
        cruise_mach=e.cruise_mach,
        cruise_altitude_m=e.cruise_altitude_m,
        max_load_factor=e.max_load_factor_g,
        booster_burn_time_s=e.booster_burn_time_s,
        climb_angle_rad=e.climb_angle_deg * DEG,
        terminal=e.terminal,
        popup_altitude_m=e.popup_altitude_m,
        popup_climb_angle_rad=e.popup_climb_angle_deg * DEG,
        dive_angle_rad=e.dive_angle_deg * DEG,
        terminal_range_m=e.terminal_range_km * 1e3,
        rcs_frontal_m2=_db(e.rcs_frontal_dbsm),
        rcs_side_m2=_db(e.rcs_side_dbsm),
        rcs_rear_m2=_db(e.rcs_rear_dbsm),
        boost_rcs_m2=_db(e.boost_rcs_dbsm),
        plume_w_sr=e.plume_intensity_w_sr,
        booster_plume_w_sr=e.booster_plume_w_sr,
        recovery_factor=e.recovery_factor,
        launch_altitude_m=e.launch_altitude_m,
        launch_speed_mps=e.launch_speed_mps,
        description=e.description,
    )


def _one_line(exc: ValidationError) -> str:
    errs = exc.errors()
    parts = [f"{'.'.join(str(x) for x in er['loc']) or 'entry'}: {er['msg']}" for er in errs]
    return "; ".join(parts)


@cache
def load_cruise_specs() -> dict[str, CruiseMissileSpec]:
    """All ``kind: cruise`` catalog entries as SI specs, by name.

    Raises ``ValueError`` naming the entry and field when an entry is invalid.
    """
    out: dict[str, CruiseMissileSpec] = {}
    for name, raw in catalog.load("threats").items():
        if not isinstance(raw, dict) or raw.get("kind") != "cruise":
            continue
        try:
            entry = CruiseEntry.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"threats-cruise.yaml: entry {name!r}: {_one_line(exc)}") from None
        out[name] = spec_from_entry(name, entry)
    return out


# ---------------------------------------------------------------- closed forms


def recovery_temperature_k(
    t_static_k: ArrayLike, mach: ArrayLike, recovery_factor: float = 0.89, gamma: float = GAMMA
) -> F64:
    """Adiabatic wall temperature T_aw = T∞ (1 + r (γ−1)/2 M²) [K] (Anderson, sec. 6.7)."""
    t = np.asarray(t_static_k, np.float64)
    m = np.asarray(mach, np.float64)
    return t * (1.0 + recovery_factor * 0.5 * (gamma - 1.0) * m**2)


def turn_radius_m(speed_mps: ArrayLike, load_factor: float) -> F64:
    """Coordinated level-turn radius v² / (g tan φ) with tan φ = √(n² − 1) [m]."""
    if load_factor <= 1.0:
        raise ValueError(f"max_load_factor_g must be > 1 for a level turn, got {load_factor}")
    v = np.asarray(speed_mps, np.float64)
    return v**2 / (G0_MPS2 * math.sqrt(load_factor**2 - 1.0))


def rcs_by_aspect_m2(spec: CruiseMissileSpec, aspect_rad: ArrayLike) -> F64:
    """RCS [m²] by aspect class: frontal below 45°, side 45°–135°, rear above 135°."""
    return rcs_aspect_class_m2(spec.rcs_frontal_m2, spec.rcs_side_m2, spec.rcs_rear_m2, aspect_rad)


# ---------------------------------------------------------------- route geometry


@dataclass(frozen=True)
class Route:
    """Ground tracks of n missiles: great-circle legs joined by fly-by turns (sphere).

    Legs padded to K per missile (zero-length legs at the aim point).
    ``pt_lat/pt_lon (n, K+1)`` route points [rad]; ``az0 (n, K)`` initial
    azimuth of each leg; ``azf (n, K)`` azimuth on arrival at its end;
    ``dpsi (n, K)`` turn at the end of each leg [rad, + clockwise];
    ``d_turn (n, K)`` distance of the turn start/end from the waypoint [m];
    ``piece_start/piece_len (n, 2K)`` straight and arc pieces along the track [m];
    ``last_piece (n,)``; ``length_m (n,)`` flown ground length;
    ``legs_m (n,)`` sum of the leg lengths (sharp corners); ``turn_radius_m``.
    """

    pt_lat: F64
    pt_lon: F64
    az0: F64
    azf: F64
    dpsi: F64
    d_turn: F64
    piece_start: F64
    piece_len: F64
    last_piece: NDArray[np.int64]
    length_m: F64
    legs_m: F64
    turn_radius_m: float


def _wrap_pi(x: F64) -> F64:
    return np.mod(x + np.pi, 2.0 * np.pi) - np.pi


def plan_routes(
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    aim_lat_rad: F64,
    aim_lon_rad: F64,
    waypoints_rad: Sequence[F64],
    turn_radius: float,
) -> Route:
    """Plan the ground tracks of n missiles; ``waypoints_rad[i]`` is (k_i, 2) (lat, lon).

    Raises ``ValueError`` if a leg is too short for the turns at its ends.
    """
    n = launch_lat_rad.size
    k_way = np.array([w.shape[0] for w in waypoints_rad], np.int64)
    n_legs = k_way + 1
    kk = int(n_legs.max())
    lat = np.repeat(aim_lat_rad[:, None], kk + 1, axis=1)
    lon = np.repeat(aim_lon_rad[:, None], kk + 1, axis=1)
    lat[:, 0], lon[:, 0] = launch_lat_rad, launch_lon_rad
    for i, w in enumerate(waypoints_rad):  # input padding only (ragged lists)
        lat[i, 1 : 1 + w.shape[0]] = w[:, 0]
        lon[i, 1 : 1 + w.shape[0]] = w[:, 1]
    leg = great_circle_distance_m(lat[:, :-1], lon[:, :-1], lat[:, 1:], lon[:, 1:])
    real = np.arange(kk)[None, :] < n_legs[:, None]
    if np.any(real & (leg < 1.0)):
        raise ValueError(
            "cruise route: a leg has zero length (waypoint or aim point on the previous point)"
        )
    az0 = initial_azimuth_rad(lat[:, :-1], lon[:, :-1], lat[:, 1:], lon[:, 1:])
    azf = np.mod(
        initial_azimuth_rad(lat[:, 1:], lon[:, 1:], lat[:, :-1], lon[:, :-1]) + np.pi, 2 * np.pi
    )
    dpsi = np.zeros((n, kk))
    if kk > 1:
        turn_here = np.arange(kk - 1)[None, :] < (n_legs[:, None] - 1)
        dpsi[:, :-1] = np.where(turn_here, _wrap_pi(az0[:, 1:] - azf[:, :-1]), 0.0)
    if np.any(np.abs(dpsi) > 170 * DEG):
        raise ValueError("cruise route: a waypoint turn exceeds 170 deg (route doubles back)")
    d_turn = turn_radius * np.tan(0.5 * np.abs(dpsi))
    d_in = np.concatenate([np.zeros((n, 1)), d_turn[:, :-1]], axis=1)
    straight = np.where(real, leg - d_in - d_turn, 0.0)
    if np.any(straight < -1e-6):
        i, k = np.argwhere(straight < -1e-6)[0]
        raise ValueError(
            f"cruise route: leg {k} of missile {i} ({leg[i, k] / 1e3:.1f} km) is too short for "
            f"the turns at its ends (turn radius {turn_radius / 1e3:.1f} km)"
        )
    arc = turn_radius * np.abs(dpsi)
    plen = np.empty((n, 2 * kk))
    plen[:, 0::2], plen[:, 1::2] = np.maximum(straight, 0.0), arc
    ends = np.cumsum(plen, axis=1)
    return Route(
        pt_lat=lat,
        pt_lon=lon,
        az0=az0,
        azf=azf,
        dpsi=dpsi,
        d_turn=d_turn,
        piece_start=ends - plen,
        piece_len=plen,
        last_piece=2 * (n_legs - 1),
        length_m=ends[:, -1].copy(),
        legs_m=np.where(real, leg, 0.0).sum(axis=1),
        turn_radius_m=float(turn_radius),
    )


def route_points(route: Route, s_m: F64) -> tuple[F64, F64]:
    """Geodetic latitude and longitude [rad] at ground distance ``s_m (n, m)`` along each track.

    Distances beyond the ends extrapolate along the first/last great circle.
    """
    ends = route.piece_start + route.piece_len
    j = np.sum(s_m[..., None] >= ends[:, None, :], axis=-1)
    j = np.minimum(j, route.last_piece[:, None])
    k = j // 2
    arc = (j % 2) == 1
    o = s_m - np.take_along_axis(route.piece_start, j, axis=1)

    def g(a: F64, idx: NDArray[np.int64]) -> F64:
        return np.take_along_axis(a, idx, axis=1)

    # straight piece: along leg k from its start point
    d_in = np.where(k > 0, g(route.d_turn, np.maximum(k - 1, 0)), 0.0)
    lat_s, lon_s = destination_point(
        g(route.pt_lat, k), g(route.pt_lon, k), g(route.az0, k), d_in + o
    )
    # arc piece: planar circle in the tangent plane of waypoint k+1
    psi_in = g(route.azf, k)
    dpsi = g(route.dpsi, k)
    sg = np.where(dpsi >= 0.0, 1.0, -1.0)
    rt = route.turn_radius_m
    d = g(route.d_turn, k)
    ax, ay = -d * np.sin(psi_in), -d * np.cos(psi_in)  # turn start (east, north)
    cx, cy = ax + sg * rt * np.cos(psi_in), ay - sg * rt * np.sin(psi_in)
    psi = psi_in + sg * o / rt
    ex, ny = cx - sg * rt * np.cos(psi), cy + sg * rt * np.sin(psi)
    kw = np.minimum(k + 1, route.pt_lat.shape[1] - 1)
    lat_a, lon_a = destination_point(
        g(route.pt_lat, kw), g(route.pt_lon, kw), np.arctan2(ex, ny), np.hypot(ex, ny)
    )
    return np.where(arc, lat_a, lat_s), np.where(arc, lon_a, lon_s)


# ---------------------------------------------------------------- flight schedule


@dataclass(frozen=True)
class _Schedule:
    """Speed/height schedule shared by a batch (scalars) plus per-missile cruise times."""

    h0: float
    v0: float
    hc: float
    vc: float
    t_boost: float
    s_boost: float
    x_term: float  # ground distance-to-go where TERMINAL starts [m]
    node_x: F64  # terminal nodes: distance-to-go [m], descending, last 0
    node_h: F64  # heights at the nodes [m], last 0
    seg_t: F64  # duration of each terminal segment [s]
    seg_v0: F64  # speed at each segment start [m/s]
    seg_acc: F64  # along-path acceleration on each segment [m/s²]
    seg_gam: F64  # flight-path angle of each segment [rad]
    t_cruise_end: F64  # (n,) time from launch when TERMINAL starts [s]
    t_impact: F64  # (n,) time from launch of impact [s]
    length_m: F64  # (n,) route ground length [m]


def _schedule(
    spec: CruiseMissileSpec,
    route: Route,
    h0: float,
    v0: float,
    hc: float,
    vc: float,
    terminal: str,
    h_pop: float | None,
) -> _Schedule:
    name = spec.name
    dh = hc - h0
    v_mid = 0.5 * (v0 + vc)
    t_climb = math.pi * abs(dh) / (2.0 * v_mid * math.tan(spec.climb_angle_rad))
    t_boost = max(spec.booster_burn_time_s, t_climb, 1.0)
    s_boost = v_mid * t_boost
    if terminal == "pop-up":
        if h_pop is None or h_pop <= hc:
            raise ValueError(
                f"cruise threat {name!r}: popup_altitude_m must exceed the cruise altitude {hc:g} m"
            )
        if vc**2 <= 2.0 * G0_MPS2 * (h_pop - hc) * 1.05:
            raise ValueError(
                f"cruise threat {name!r}: popup_altitude_m {h_pop:g} m is beyond the energy of "
                f"cruise speed {vc:.0f} m/s (max {hc + vc**2 / (2.1 * G0_MPS2):.0f} m)"
            )
        x2 = h_pop / math.tan(spec.dive_angle_rad)
        x1 = (h_pop - hc) / math.tan(spec.popup_climb_angle_rad)
        nx, nh = [x1 + x2, x2, 0.0], [hc, h_pop, 0.0]
    else:  # dive or sea-skim: straight descent from cruise height at the dive angle
        nx, nh = [hc / math.tan(spec.dive_angle_rad), 0.0], [hc, 0.0]
    if spec.terminal_range_m > nx[0]:
        nx, nh = [spec.terminal_range_m, *nx], [hc, *nh]
    node_x, node_h = np.array(nx), np.array(nh)
    ds, dhh = -np.diff(node_x), np.diff(node_h)
    gam = np.arctan2(dhh, ds)
    path = np.hypot(ds, dhh)
    v_node = np.sqrt(vc**2 + 2.0 * G0_MPS2 * (hc - node_h))
    seg_t = 2.0 * path / (v_node[:-1] + v_node[1:])
    seg_acc = (v_node[1:] - v_node[:-1]) / seg_t
    x_term = float(node_x[0])
    s_cruise = route.length_m - s_boost - x_term
    if np.any(s_cruise < 0.0):
        i = int(np.argmin(s_cruise))
        raise ValueError(
            f"cruise threat {name!r}: route of {route.length_m[i] / 1e3:.1f} km is shorter than "
            f"launch climb + terminal ({(s_boost + x_term) / 1e3:.1f} km)"
        )
    t_cruise_end = t_boost + s_cruise / vc
    return _Schedule(
        h0=h0,
        v0=v0,
        hc=hc,
        vc=vc,
        t_boost=t_boost,
        s_boost=s_boost,
        x_term=x_term,
        node_x=node_x,
        node_h=node_h,
        seg_t=seg_t,
        seg_v0=v_node[:-1],
        seg_acc=seg_acc,
        seg_gam=gam,
        t_cruise_end=t_cruise_end,
        t_impact=t_cruise_end + float(seg_t.sum()),
        length_m=route.length_m,
    )


def _profile(sc: _Schedule, tau: F64) -> tuple[F64, F64, F64, F64]:
    """Ground distance s, its rate, height h and its rate at times ``tau (n, m)`` from launch."""
    tb = sc.t_boost
    tcl = np.clip(tau, 0.0, tb)
    s = sc.v0 * tcl + (sc.vc - sc.v0) * tcl**2 / (2.0 * tb)
    sd = sc.v0 + (sc.vc - sc.v0) * tcl / tb
    dh = sc.hc - sc.h0
    h = sc.h0 + 0.5 * dh * (1.0 - np.cos(np.pi * tcl / tb))
    hd = 0.5 * dh * np.pi / tb * np.sin(np.pi * tcl / tb)
    te = sc.t_cruise_end[:, None]
    cruise = (tau >= tb) & (tau < te)
    s = np.where(cruise, sc.s_boost + sc.vc * (tau - tb), s)
    sd = np.where(cruise, sc.vc, sd)
    h = np.where(cruise, sc.hc, h)
    hd = np.where(cruise, 0.0, hd)
    t0 = te
    total = sc.length_m[:, None]
    for j in range(sc.seg_t.size):  # terminal segments (≤ 4)
        t1 = t0 + sc.seg_t[j]
        last = j == sc.seg_t.size - 1
        inside = (tau >= t0) & ((tau <= t1) if last else (tau < t1))
        u = np.clip(tau - t0, 0.0, sc.seg_t[j])
        v = sc.seg_v0[j] + sc.seg_acc[j] * u
        ell = sc.seg_v0[j] * u + 0.5 * sc.seg_acc[j] * u**2
        cg, sg = math.cos(sc.seg_gam[j]), math.sin(sc.seg_gam[j])
        s = np.where(inside, total - sc.node_x[j] + ell * cg, s)
        sd = np.where(inside, v * cg, sd)
        h = np.where(inside, sc.node_h[j] + ell * sg, h)
        hd = np.where(inside, v * sg, hd)
        t0 = t1
    return s, sd, h, hd


# ---------------------------------------------------------------- flying


def _parse_waypoints(raw: Any, n: int, name: str) -> list[F64]:
    """Waypoints option (degrees): one list of (lat, lon) for all, or one list per missile."""
    if raw is None:
        return [np.zeros((0, 2)) for _ in range(n)]
    seq = list(raw)

    def is_pair(x: Any) -> bool:
        return (
            isinstance(x, (list, tuple, np.ndarray))
            and len(x) == 2
            and all(isinstance(c, (int, float, np.floating, np.integer)) for c in x)
        )

    shared = len(seq) == 0 or is_pair(seq[0])
    per = [seq] * n if shared else seq
    if len(per) != n:
        raise ValueError(
            f"cruise threat {name!r}: waypoints give {len(per)} routes for {n} missiles"
        )
    out = []
    for w in per:
        if not isinstance(w, (list, tuple, np.ndarray)) or not all(is_pair(p) for p in w):
            raise ValueError(f"cruise threat {name!r}: waypoints must be [lat_deg, lon_deg] pairs")
        a = np.asarray(w, np.float64).reshape(len(w), 2)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"cruise threat {name!r}: waypoints must be finite numbers")
        if np.any(np.abs(a[:, 0]) > 90.0):
            raise ValueError(f"cruise threat {name!r}: waypoint latitude outside [-90, 90] deg")
        out.append(a * DEG)
    return out


def fly_cruise_spec(
    spec: CruiseMissileSpec,
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike,
    epoch: datetime,
    dt_s: float = 1.0,
    *,
    waypoints_rad: Sequence[F64] | None = None,
    platform: str | None = None,
    launch_altitude_m: float | None = None,
    launch_speed_mps: float | None = None,
    cruise_altitude_m: float | None = None,
    cruise_mach: float | None = None,
    terminal: str | None = None,
    popup_altitude_m: float | None = None,
) -> Trajectories:
    """Fly n cruise missiles of one type; truth on a common ECI grid of step ``dt_s``.

    Arrays (n,) in (geodetic radians, launch times [s] from ``epoch``);
    ``waypoints_rad[i]`` (k_i, 2) geodetic (lat, lon) [rad] before the aim
    point (default none: direct great circle). Keyword overrides replace the
    catalog values. Raises ``ValueError`` (one line) for a route beyond the
    maximum range, an aim point closer than climb + terminal, legs too short
    for the turns, or parameters outside their allowed values.
    """
    name = spec.name
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    lon, alat, alon, t_launch = (
        np.broadcast_to(np.asarray(a, np.float64), lat.shape).copy()
        for a in (launch_lon_rad, aim_lat_rad, aim_lon_rad, t_launch_s)
    )
    n = lat.size
    if not dt_s > 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    plat = platform if platform is not None else spec.platforms[0]
    if plat not in spec.platforms:
        raise ValueError(
            f"cruise threat {name!r}: platform {plat!r} not allowed; allowed: "
            f"{', '.join(spec.platforms)}"
        )
    h0_def, v0_def = PLATFORM_DEFAULTS[plat]
    if platform is None or platform == spec.platforms[0]:
        h0_def = spec.launch_altitude_m if spec.launch_altitude_m is not None else h0_def
        v0_def = spec.launch_speed_mps if spec.launch_speed_mps is not None else v0_def
    h0 = float(launch_altitude_m) if launch_altitude_m is not None else h0_def
    v0 = float(launch_speed_mps) if launch_speed_mps is not None else v0_def
    hc = float(cruise_altitude_m) if cruise_altitude_m is not None else spec.cruise_altitude_m
    mach = float(cruise_mach) if cruise_mach is not None else spec.cruise_mach
    term = terminal if terminal is not None else spec.terminal
    h_pop = float(popup_altitude_m) if popup_altitude_m is not None else spec.popup_altitude_m
    if term not in ("pop-up", "dive", "sea-skim"):
        raise ValueError(
            f"cruise threat {name!r}: terminal {term!r}; allowed: pop-up, dive, sea-skim"
        )
    for field, val, lo_, hi_ in (
        ("launch_altitude_m", h0, -500.0, 20000.0),
        ("launch_speed_mps", v0, 0.0, 1500.0),
        ("cruise_altitude_m", hc, 1.0, 25000.0),
        ("cruise_mach", mach, 0.1, 5.0),
    ):
        if not lo_ <= val <= hi_:
            raise ValueError(f"cruise threat {name!r}: {field} {val:g} outside [{lo_:g}, {hi_:g}]")
    if not (np.all(np.abs(lat) <= np.pi / 2) and np.all(np.abs(alat) <= np.pi / 2)):
        raise ValueError(f"cruise threat {name!r}: latitude outside [-90, 90] deg")
    vc = mach * float(ussa76(hc).speed_of_sound_mps)
    if waypoints_rad is None:
        waypoints_rad = [np.zeros((0, 2)) for _ in range(n)]
    if len(waypoints_rad) != n:
        raise ValueError(f"cruise threat {name!r}: {len(waypoints_rad)} routes for {n} missiles")
    route = plan_routes(
        lat, lon, alat, alon, list(waypoints_rad), float(turn_radius_m(vc, spec.max_load_factor))
    )
    if np.any(route.length_m > spec.max_range_m):
        i = int(np.argmax(route.length_m))
        raise ValueError(
            f"cruise threat {name!r}: route of {route.length_m[i] / 1e3:.0f} km exceeds its max "
            f"range {spec.max_range_m / 1e3:.0f} km"
        )
    sc = _schedule(spec, route, h0, v0, hc, vc, term, h_pop)
    return _sample(spec, route, sc, lat, lon, alat, alon, t_launch, epoch, dt_s)


def _sample(
    spec: CruiseMissileSpec,
    route: Route,
    sc: _Schedule,
    lat: F64,
    lon: F64,
    alat: F64,
    alon: F64,
    t_launch: F64,
    epoch: datetime,
    dt_s: float,
) -> Trajectories:
    n = lat.size
    t_imp = t_launch + sc.t_impact
    nt = int(np.ceil(float(np.max(t_imp)) / dt_s - 1e-9)) + 1
    t_grid = np.arange(nt, dtype=np.float64) * dt_s
    gmst = gmst_at(epoch, t_grid)
    end_lat, end_lon = route_points(route, route.length_m[:, None])
    ilat, ilon = end_lat[:, 0], end_lon[:, 0]
    r = np.empty((n, nt, 3))
    v = np.empty((n, nt, 3))
    phase = np.empty((n, nt), np.int8)
    rcs = np.zeros((n, nt))
    plume = np.zeros((n, nt))
    temp = np.zeros((n, nt))
    step = max(1, _CHUNK // max(n, 1))
    for c0 in range(0, nt, step):  # loop over chunks of time steps only
        sl = slice(c0, min(nt, c0 + step))
        tg, th = t_grid[sl], gmst[sl]
        tau = tg[None, :] - t_launch[:, None]
        s, sd, h, hd = _profile(sc, tau)
        la, lo = route_points(route, s)
        lap, lop = route_points(route, s + _DELTA_S_M)
        lam, lom = route_points(route, s - _DELTA_S_M)
        r_ecef = geodetic_to_ecef(la, lo, h)
        tangent = (geodetic_to_ecef(lap, lop, h) - geodetic_to_ecef(lam, lom, h)) / (2 * _DELTA_S_M)
        up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
        v_ecef = sd[..., None] * tangent + hd[..., None] * up
        r_f, v_f = ecef_to_eci_state(r_ecef, v_ecef, th[None, :])
        r_pre, v_pre = ground_fixed_states(lat, lon, np.full(n, sc.h0), tg, th)
        r_imp, v_imp = ground_fixed_states(ilat, ilon, np.zeros(n), tg, th)
        pre = tau < 0.0
        post = tau >= sc.t_impact[:, None]
        flying = ~pre & ~post
        r[:, sl] = np.where(pre[..., None], r_pre, np.where(post[..., None], r_imp, r_f))
        v[:, sl] = np.where(pre[..., None], v_pre, np.where(post[..., None], v_imp, v_f))
        ph = np.where(tau < sc.t_boost, PHASE_BOOST, PHASE_CRUISE)
        ph = np.where(tau >= sc.t_cruise_end[:, None], PHASE_TERMINAL, ph)
        ph = np.where(pre, PHASE_PRELAUNCH, np.where(post, PHASE_IMPACTED, ph))
        phase[:, sl] = ph
        visible = flying & (h >= 0.0)  # nothing seen under water
        rcs[:, sl] = np.where(
            visible, np.where(ph == PHASE_BOOST, spec.boost_rcs_m2, spec.rcs_frontal_m2), 0.0
        )
        burning = tau < spec.booster_burn_time_s
        plume[:, sl] = np.where(
            visible, np.where(burning, spec.booster_plume_w_sr, spec.plume_w_sr), 0.0
        )
        atm = ussa76(h)
        mach = np.linalg.norm(v_ecef, axis=-1) / atm.speed_of_sound_mps
        t_aw = recovery_temperature_k(atm.temperature_k, mach, spec.recovery_factor)
        temp[:, sl] = np.where(visible, t_aw, 0.0)
    t_bo = t_launch + sc.t_boost
    return make_trajectories(
        t_s=t_grid,
        r_eci_m=r,
        v_eci_mps=v,
        phase=phase,
        rcs_m2=rcs,
        plume_w_sr=plume,
        object_kind=np.full(n, OBJECT_CRUISE, np.int8),
        launch_index=np.arange(n, dtype=np.int64),
        t_launch_s=t_launch,
        t_burnout_s=t_bo,
        t_impact_s=t_imp,
        burnout_alt_m=np.full(n, sc.hc),
        burnout_speed_mps=np.full(n, sc.vc),
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        aim_lat_rad=alat,
        aim_lon_rad=alon,
        impact_lat_rad=ilat,
        impact_lon_rad=ilon,
        body_temp_k=temp,
    )


class CruiseOptions(BaseModel):
    """Per-flight options of a ``kind: cruise`` threat (degrees, metres, m/s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform | None = None
    launch_altitude_m: Annotated[float, Field(ge=-500.0, le=20000.0)] | None = None
    launch_speed_mps: Annotated[float, Field(ge=0.0, le=1500.0)] | None = None
    waypoints: list[Any] | None = None
    cruise_altitude_m: Annotated[float, Field(ge=1.0, le=25000.0)] | None = None
    cruise_mach: Annotated[float, Field(ge=0.1, le=5.0)] | None = None
    terminal: Terminal | None = None
    popup_altitude_m: Annotated[float, Field(gt=0.0, le=20000.0)] | None = None


def fly_cruise(
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
    """Flyer of catalog ``kind: cruise`` (registry signature; arrays (n,), radians, seconds).

    ``options``: ``platform`` (ground|ship|submarine|bomber, among the entry's
    ``platforms``), ``launch_altitude_m``, ``launch_speed_mps``, ``waypoints``
    (list of [lat_deg, lon_deg] shared by all, or one such list per missile),
    ``cruise_altitude_m``, ``cruise_mach``, ``terminal`` (pop-up|dive|sea-skim),
    ``popup_altitude_m``. Object kind ``OBJECT_CRUISE``.
    """
    specs = load_cruise_specs()
    if name not in specs:
        raise ValueError(f"unknown cruise threat {name!r}; allowed: {', '.join(sorted(specs))}")
    try:
        opts = CruiseOptions.model_validate(dict(options))
    except ValidationError as exc:
        raise ValueError(f"cruise threat {name!r}: option {_one_line(exc)}") from None
    n = np.atleast_1d(np.asarray(lat)).size
    return fly_cruise_spec(
        specs[name],
        lat,
        lon,
        aim_lat,
        aim_lon,
        t_launch,
        epoch,
        dt_s,
        waypoints_rad=_parse_waypoints(opts.waypoints, n, name),
        platform=opts.platform,
        launch_altitude_m=opts.launch_altitude_m,
        launch_speed_mps=opts.launch_speed_mps,
        cruise_altitude_m=opts.cruise_altitude_m,
        cruise_mach=opts.cruise_mach,
        terminal=opts.terminal,
        popup_altitude_m=opts.popup_altitude_m,
    )
