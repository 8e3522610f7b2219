"""Shared machinery of the hypersonic models (glide vehicle and scramjet cruise missile).

Validity: Sutton–Graves convective stagnation heating of a blunt nose in
continuum hypersonic flow (Mach ≳ 5; radiative gas-cap heating, important above
~10 km/s, is ignored); the nose temperature is the radiative-equilibrium value,
not a transient wall temperature.

Aerothermal signatures (Sutton–Graves stagnation heating with radiative
equilibrium, RCS by aspect class), flight-frame geometry and proportional
navigation helpers, and the batched mode-switching integrator with node
logging used by :mod:`shieldlab.threats.glide` and :mod:`shieldlab.threats.hcm`.
Frames and assumptions are stated in those modules' docstrings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from shieldlab.core.atmosphere import ussa76
from shieldlab.core.constants import (
    R_EARTH_MEAN_M,
    WGS84_A_M,
    WGS84_B_M,
    WGS84_OMEGA_RAD_S,
)
from shieldlab.core.gravity import accel_j2, accel_point_mass
from shieldlab.core.integrate import rk4_step
from shieldlab.threats.signatures import rcs_aspect_class_m2

F64 = NDArray[np.float64]
Accel = Callable[[float, F64, NDArray[np.int8]], F64]


STEFAN_BOLTZMANN_W_M2_K4 = 5.670374419e-8
"""Stefan–Boltzmann constant [W m⁻² K⁻⁴] (CODATA 2018, exact in SI 2019)."""


MODE_DONE, MODE_GLIDE, MODE_TERMINAL, MODE_BOOST, MODE_CRUISE = 0, 1, 2, 3, 4


STEP_S = 1.0
"""Integration step after the boost [s] (RK4)."""


MAX_FLIGHT_S = 4.0 * 3600.0
"""Longest flight integrated [s]."""


@dataclass(frozen=True)
class GlideFlags:
    """Physics switches for verification against closed forms (all on for real flights)."""

    j2: bool = True
    rotation: bool = True
    spherical: bool = False

    @property
    def omega_z(self) -> float:
        """Earth rotation rate [rad/s] (0 on a non-rotating Earth)."""
        return WGS84_OMEGA_RAD_S if self.rotation else 0.0

    def gravity(self, r: F64) -> F64:
        """Gravitational acceleration [m/s²] at positions (…, 3) [m]."""
        return accel_j2(r) if self.j2 else accel_point_mass(r)

    def height_m(self, r: F64) -> F64:
        """Height [m]: above the ellipsoid along the geocentric radius, or above the mean sphere."""
        rn = np.sqrt(np.einsum("...i,...i->...", r, r))
        if self.spherical:
            return np.asarray(rn - R_EARTH_MEAN_M)
        s2 = (r[..., 2] / rn) ** 2
        re = WGS84_A_M * WGS84_B_M / np.sqrt(WGS84_B_M**2 * (1.0 - s2) + WGS84_A_M**2 * s2)
        return np.asarray(rn - re)


SUTTON_GRAVES_K = 1.7415e-4
"""Sutton–Graves constant for Earth air [kg^0.5 m^-1] (Sutton & Graves, NASA TR R-376, 1971)."""


def stagnation_heat_flux_w_m2(rho_kg_m3: F64, speed_mps: F64, nose_radius_m: float) -> F64:
    """Sutton–Graves cold-wall stagnation-point heat flux q = k √(ρ/R_n) v³ [W/m²]."""
    return (
        SUTTON_GRAVES_K
        * np.sqrt(np.asarray(rho_kg_m3) / nose_radius_m)
        * np.asarray(speed_mps) ** 3
    )


def radiative_equilibrium_temp_k(heat_flux_w_m2: F64, emissivity: float) -> F64:
    """Surface temperature [K] where re-radiation balances the flux: ε σ T⁴ = q."""
    q = np.maximum(np.asarray(heat_flux_w_m2, np.float64), 0.0)
    return np.asarray((q / (emissivity * STEFAN_BOLTZMANN_W_M2_K4)) ** 0.25)


def body_temperature_k(
    h_m: F64, air_speed_mps: F64, nose_radius_m: float, emissivity: float
) -> F64:
    """Nose (stagnation) temperature [K] at heights [m] and air-relative speeds [m/s].

    Radiative equilibrium with the Sutton–Graves flux, never below the
    ambient air temperature (US-76).
    """
    atm = ussa76(h_m)
    q = stagnation_heat_flux_w_m2(atm.density_kg_m3, air_speed_mps, nose_radius_m)
    return np.maximum(radiative_equilibrium_temp_k(q, emissivity), atm.temperature_k)


def rcs_by_aspect_m2(rcs_nose_m2: float, rcs_broadside_m2: float, aspect_rad: F64) -> F64:
    """RCS [m²] by aspect class: nose-on within 30° of the nose or tail, else broadside.

    ``aspect_rad`` is the angle between the body axis (velocity) and the line of sight.
    """
    return rcs_aspect_class_m2(rcs_nose_m2, rcs_broadside_m2, rcs_nose_m2, aspect_rad, 30.0, 150.0)


def validation_message(file: str, name: str, exc: ValidationError) -> str:
    """One line naming the entry, the field and what is allowed."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "entry"
    return f"{file}: entry {name!r}: field {loc}: {err['msg']} (got {err.get('input')!r})"


def lookup(specs: Mapping[str, Any], name: str, kind: str) -> Any:
    """Spec by name or a one-line ``ValueError`` naming the allowed names."""
    if name not in specs:
        raise ValueError(f"{name!r} is not a {kind} threat; allowed: {', '.join(sorted(specs))}")
    return specs[name]


def dot(a: F64, b: F64) -> F64:
    """Row-wise dot product of (n, 3) arrays."""
    return np.asarray(np.einsum("ij,ij->i", a, b))


def unit(a: F64) -> F64:
    """Row-wise unit vectors (zero rows stay zero)."""
    n = np.sqrt(dot(a, a))
    return a / np.where(n > 0.0, n, 1.0)[:, None]


def omega_cross(omega_z: float, r: F64) -> F64:
    """ω × r for ω = (0, 0, ω_z)."""
    out = np.empty_like(r)
    out[:, 0] = -omega_z * r[:, 1]
    out[:, 1] = omega_z * r[:, 0]
    out[:, 2] = 0.0
    return out


def rotate_z(r: F64, angle_rad: float) -> F64:
    """Rotate (n, 3) vectors by one angle about z."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    out = np.empty_like(r)
    out[:, 0] = c * r[:, 0] - s * r[:, 1]
    out[:, 1] = s * r[:, 0] + c * r[:, 1]
    out[:, 2] = r[:, 2]
    return out


@dataclass(frozen=True)
class FlightFrame:
    """Local flight geometry (launch frame): unit air-relative velocity, up, lift axes, γ."""

    speed: F64
    u_v: F64
    r_hat: F64
    n_up: F64
    n_right: F64
    sin_gamma: F64


def flight_frame(r: F64, v_air: F64) -> FlightFrame:
    """Unit vectors of the air-relative velocity, vertical-plane normal (up) and the right side."""
    speed = np.sqrt(dot(v_air, v_air))
    u_v = v_air / np.where(speed > 0.0, speed, 1.0)[:, None]
    r_hat = unit(r)
    sg = dot(r_hat, u_v)
    n_up = unit(r_hat - sg[:, None] * u_v)
    n_right = np.cross(u_v, n_up)
    return FlightFrame(speed, u_v, r_hat, n_up, n_right, sg)


def target_geometry(ff: FlightFrame, r_target: F64) -> tuple[F64, F64]:
    """Great-circle range to go [m] (mean sphere) and heading error Δψ [rad] (> 0: aim left)."""
    t_hat = unit(r_target)
    c = np.clip(dot(ff.r_hat, t_hat), -1.0, 1.0)
    rtg = R_EARTH_MEAN_M * np.arccos(c)
    tdir = t_hat - c[:, None] * ff.r_hat
    vh = ff.u_v - ff.sin_gamma[:, None] * ff.r_hat
    dpsi = np.arctan2(dot(np.cross(vh, tdir), ff.r_hat), dot(vh, tdir))
    return rtg, dpsi


def pn_lift_accel(
    r: F64, v: F64, r_target: F64, v_target: F64, gravity: F64, ff: FlightFrame, nav_gain: float
) -> F64:
    """True proportional navigation with gravity compensation, normal to the air velocity."""
    rr = r_target - r
    vr = v_target - v
    d2 = np.maximum(dot(rr, rr), 1.0)
    lam = rr / np.sqrt(d2)[:, None]
    om = np.cross(rr, vr) / d2[:, None]
    vc = -dot(vr, lam)
    a = nav_gain * vc[:, None] * np.cross(om, lam) - gravity
    return a - dot(a, ff.u_v)[:, None] * ff.u_v


def limit_lift(a_lift: F64, l_nom: F64, f_max: float) -> tuple[F64, F64]:
    """Clip the commanded lift acceleration to f_max·L*/m; returns it and its f = C_L/C_L*."""
    mag = np.sqrt(dot(a_lift, a_lift))
    lim = f_max * l_nom
    scale = np.where(mag > lim, lim / np.where(mag > 0.0, mag, 1.0), 1.0)
    f = mag * scale / np.where(l_nom > 0.0, l_nom, np.inf)
    return a_lift * scale[:, None], f


@dataclass(frozen=True)
class ModeFlight:
    """A batch flight in launch frames on common nodes τ (time since launch) [s].

    y (K, n, 6) [r, v] launch frame; a (K, n, 3) accelerations at the nodes;
    phase, rcs_m2, plume_w_sr (K, n): values over the step starting at each
    node. An object that impacted is frozen at its impact state; tau_impact_s
    (n,) NaN when it never impacts.
    """

    tau_s: F64
    y: F64
    a: F64
    phase: NDArray[np.int8]
    rcs_m2: F64
    plume_w_sr: F64
    tau_impact_s: F64
    y_impact: F64


@dataclass
class NodeLog:
    """Growing lists of integration nodes (internal)."""

    tau: list[float]
    y: list[F64]
    a: list[F64]
    phase: list[NDArray[np.int8]]
    rcs: list[F64]
    plume: list[F64]

    def add(
        self, tau: float, y: F64, a: F64, phase: NDArray[np.int8], rcs: F64, plume: F64
    ) -> None:
        """Append one node."""
        self.tau.append(tau)
        self.y.append(y.copy())
        self.a.append(a.copy())
        self.phase.append(phase.astype(np.int8))
        self.rcs.append(rcs.copy())
        self.plume.append(plume.copy())

    def finish(self, tau_impact: F64, y_impact: F64) -> ModeFlight:
        """Freeze into a :class:`ModeFlight` (the last node repeats the previous step's codes)."""
        self.phase.append(self.phase[-1])
        self.rcs.append(self.rcs[-1])
        self.plume.append(self.plume[-1])
        return ModeFlight(
            np.array(self.tau),
            np.stack(self.y),
            np.stack(self.a),
            np.stack(self.phase[: len(self.tau)]),
            np.stack(self.rcs[: len(self.tau)]),
            np.stack(self.plume[: len(self.tau)]),
            tau_impact,
            y_impact,
        )


def _hermite_state(y0: F64, f0: F64, y1: F64, f1: F64, h: float, s: F64) -> F64:
    s_ = s[:, None]
    h00, h10 = 2 * s_**3 - 3 * s_**2 + 1, s_**3 - 2 * s_**2 + s_
    h01, h11 = -2 * s_**3 + 3 * s_**2, s_**3 - s_**2
    return h00 * y0 + h10 * h * f0 + h01 * y1 + h11 * h * f1


def run_modes(
    accel: Accel,
    update: Callable[[float, F64, NDArray[np.int8]], NDArray[np.int8]],
    codes: Callable[[float, F64, NDArray[np.int8]], tuple[NDArray[np.int8], F64, F64]],
    y0: F64,
    mode0: NDArray[np.int8],
    tau0: float,
    flags: GlideFlags,
    log: NodeLog,
    h: float = STEP_S,
    tau_max: float = MAX_FLIGHT_S,
) -> ModeFlight:
    """Fixed-step RK4 with per-object control modes until every object impacts (height 0).

    ``update(τ, y, mode)`` switches modes at step starts; ``accel(τ, y, mode)``
    gives the acceleration; ``codes`` the phase, RCS and plume of each object
    over the step. The impact is located on the step's cubic Hermite
    interpolant by 40 bisections (fixed, so a batch equals single runs).
    """
    y = y0.copy()
    mode = mode0.copy()
    n = y.shape[0]
    tau_imp = np.full(n, np.nan)
    y_imp = y.copy()
    g_prev = flags.height_m(y[:, :3])
    tau = tau0
    m: NDArray[np.int8] = mode

    def f(t: float, yy: F64) -> F64:
        return np.concatenate([yy[:, 3:], accel(t, yy, m)], axis=1)

    while tau < tau_max and (mode != MODE_DONE).any():
        mode = update(tau, y, mode)
        m = mode
        run = mode != MODE_DONE
        f0 = f(tau, y)
        ph, rcs, plume = codes(tau, y, mode)
        log.add(tau, y, f0[:, 3:], ph, rcs, plume)
        y_new = rk4_step(f, tau, y, h)
        y_new[~run] = y[~run]
        g_new = flags.height_m(y_new[:, :3])
        hit = run & (g_prev > 0.0) & (g_new <= 0.0)
        if hit.any():
            idx = np.flatnonzero(hit)
            f1 = f(tau + h, y_new)[idx]
            lo, hi = np.zeros(idx.size), np.ones(idx.size)
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                ym = _hermite_state(y[idx], f0[idx], y_new[idx], f1, h, mid)
                above = flags.height_m(ym[:, :3]) > 0.0
                lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
            ye = _hermite_state(y[idx], f0[idx], y_new[idx], f1, h, hi)
            y_new[idx] = ye
            y_imp[idx] = ye
            tau_imp[idx] = tau + hi * h
            mode = mode.copy()
            mode[idx] = MODE_DONE
        g_prev = np.where(run, g_new, g_prev)
        y = y_new
        tau += h
    m = mode
    ph, rcs, plume = codes(tau, y, mode)
    log.add(tau, y, f(tau, y)[:, 3:], ph, rcs, plume)
    y_imp[np.isnan(tau_imp)] = y[np.isnan(tau_imp)]
    return log.finish(tau_imp, y_imp)


def batch_arrays(
    lat: F64, lon: F64, aim_lat: F64, aim_lon: F64, t_launch: F64
) -> tuple[F64, F64, F64, F64, F64]:
    """Broadcast the flyer's (n,) inputs to float64 arrays of one shape."""
    la = np.atleast_1d(np.asarray(lat, np.float64))
    return tuple(  # type: ignore[return-value]
        np.broadcast_to(np.asarray(a, np.float64), la.shape).copy()
        for a in (la, lon, aim_lat, aim_lon, t_launch)
    )


def check_options(options: Mapping[str, Any], allowed: tuple[str, ...], name: str) -> None:
    """One-line ``ValueError`` for an unknown option key."""
    bad = sorted(set(options) - set(allowed))
    if bad:
        raise ValueError(f"{name}: unknown option(s) {bad}; allowed: {', '.join(allowed)}")
