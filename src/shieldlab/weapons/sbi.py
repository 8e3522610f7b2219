"""Space-based interceptors (SBI): kill-vehicle fly-out, reach of carriers, absentee ratio.

Validity: circular carrier orbits and a straight-line, constant-acceleration
reach without the tidal term (a few per cent of the reach for fly-outs up to
~200 s); "in reach" is geometric only (no homing, no Pk).

A *carrier* satellite in a circular LEO orbit holds k interceptors. At the
firing time t_f = t_L + δ (launch t_L, δ = detection + track + decision
delays) an interceptor leaves the carrier with the carrier's velocity and
thrusts at a constant acceleration a until its delta-v Δv is spent
(t_b = Δv / a), then coasts. Its displacement from where the carrier would
have been, after τ = t − t_f, is at most the *reach* (Zarchan, *Tactical and
Strategic Missile Guidance*, ch. on fly-out; any direction, straight line)::

    D(τ) = a τ² / 2                  for τ ≤ t_b
    D(τ) = Δv τ − Δv² / (2 a)        for τ > t_b

and the time to cover a distance d is the inverse, ``t = √(2d/a)`` for
d ≤ Δv²/(2a), else ``d/Δv + Δv/(2a)``. Gravity pulls the carrier and the
interceptor alike, so the reach sphere is centred on the carrier's own orbit
position r_c(t). The tidal difference (n² ρ τ²/2 with n² = μ/r³ ≈ 1.3e-6 s⁻²)
is neglected: ≈ 25 km for ρ = 1,000 km and τ = 200 s, a few percent of D.

**Engagement test.** Carrier j can engage a launch if, for some intercept time
t on the missile's predicted path r_m(t) (a real boost trajectory from
:func:`shieldlab.threats.registry.fly_threats`), with t_f ≤ t ≤ t_kill (burnout,
or the first release of the post-boost vehicle for MIRVed threats) and the
missile above ``min_intercept_alt_m``::

    | r_c(t) − r_m(t) | ≤ D(t − t_f)

tested on a grid of intercept times (2 s; the error, ≲ v_rel·1 s ≈ 10 km, is
small beside D). Missile paths are flown once at t_L = 0: a launch at t_L is
the same path turned about the Earth's axis by ω_E t_L (axisymmetric Earth).

**Absentee ratio** A = (carriers in orbit) / (mean carriers in reach of one
launch), averaged over random launch times; the single-carrier probability of
being in reach is f = 1/A.

**Geometric check** (:func:`cap_fraction`): a circular orbit of inclination i
with its node and phase uniformly random relative to the Earth (Earth rotation
and J2 precession randomise them over days) has the time-averaged latitude
density P(φ) = cos φ / (π √(sin² i − sin² φ)); with u the argument of
latitude, sin φ = sin i sin u and P(φ)dφ = du/π. The fraction of time inside a
spherical cap of angular radius θ about latitude φ₀ is therefore::

    f = (1/π) ∫_{-π/2}^{π/2} Δλ(φ(u)) / (2π) du,
    cos(Δλ/2) = (cos θ − sin φ sin φ₀) / (cos φ cos φ₀)

(Δλ: the cap's longitude width at latitude φ; Wertz & Larson, *SMAD* 3rd ed.
§5.1 spherical geometry). Averaged over isotropic inclinations this returns
the uniform cap fraction (1 − cos θ)/2.

**Mass to orbit** per interceptor from the rocket equation with n equal-Δv
stages of structure fraction ε (Sutton & Biblarz, *Rocket Propulsion Elements*,
eqs. 4-35, 4-50): each stage multiplies the mass above it by
R(1 − ε)/(1 − εR), R = exp(Δv/(n Isp g₀)); the lightest n in 1..3 is taken.
The constant acceleration is an idealisation (a real motor's acceleration
rises as propellant burns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shieldlab import catalog
from shieldlab.core.constants import G0_MPS2, GM_EARTH_M3_S2, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import radial_height_m, rot_z
from shieldlab.space.orbits import (
    OrbitalElements,
    j2_secular_rates,
    kepler_to_eci,
    mean_motion_rad_s,
    solve_kepler,
    true_anomaly_from_eccentric,
)
from shieldlab.threats.registry import fly_threats
from shieldlab.threats.truth import OBJECT_RV

F64 = NDArray[np.float64]
_ELEMENT_FIELDS = ("a_m", "e", "i_rad", "raan_rad", "argp_rad", "m0_rad")


@dataclass(frozen=True)
class SbiSpec:
    """One SBI class in SI units (see the module docstring for the model).

    accel_mps2: constant thrust acceleration; delta_v_mps: velocity budget;
    kill_vehicle_mass_kg: the homing vehicle; isp_s, structure_fraction: its
    rocket stage(s); interceptors_per_carrier: k; carrier_bus_mass_kg: the
    carrier without interceptors; unit_cost_usd: per interceptor;
    min_intercept_alt_m: lowest altitude of the intercept point.
    """

    name: str
    accel_mps2: float
    delta_v_mps: float
    kill_vehicle_mass_kg: float
    isp_s: float
    structure_fraction: float
    interceptors_per_carrier: int
    carrier_bus_mass_kg: float
    unit_cost_usd: float
    min_intercept_alt_m: float
    source: str = ""

    @property
    def burn_time_s(self) -> float:
        """Thrusting time t_b = Δv / a [s]."""
        return self.delta_v_mps / self.accel_mps2


class SbiEntry(BaseModel):
    """One ``kind: sbi`` entry of ``interceptors-sbi.yaml`` (units in the key names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(pattern="^sbi$")
    description: str = ""
    accel_g: float = Field(gt=0.0, le=100.0)
    delta_v_kmps: float = Field(gt=0.0, le=15.0)
    kill_vehicle_mass_kg: float = Field(gt=0.0)
    isp_s: float = Field(gt=0.0, le=500.0)
    structure_fraction: float = Field(gt=0.0, lt=1.0)
    interceptors_per_carrier: int = Field(ge=1, le=100)
    carrier_bus_mass_kg: float = Field(ge=0.0)
    min_intercept_altitude_km: float = Field(ge=0.0)
    unit_cost_musd: float = Field(ge=0.0)
    source: str = Field(min_length=1)

    def to_spec(self, name: str) -> SbiSpec:
        """The SI specification of this entry."""
        return SbiSpec(
            name=name,
            accel_mps2=self.accel_g * G0_MPS2,
            delta_v_mps=self.delta_v_kmps * 1e3,
            kill_vehicle_mass_kg=self.kill_vehicle_mass_kg,
            isp_s=self.isp_s,
            structure_fraction=self.structure_fraction,
            interceptors_per_carrier=self.interceptors_per_carrier,
            carrier_bus_mass_kg=self.carrier_bus_mass_kg,
            unit_cost_usd=self.unit_cost_musd * 1e6,
            min_intercept_alt_m=self.min_intercept_altitude_km * 1e3,
            source=self.source,
        )


@cache
def load_sbi_specs() -> dict[str, SbiSpec]:
    """All ``kind: sbi`` entries of the interceptor catalog, by name, in SI units."""
    out: dict[str, SbiSpec] = {}
    for name, raw in catalog.load("interceptors").items():
        if not isinstance(raw, dict) or raw.get("kind") != "sbi":
            continue
        try:
            out[name] = SbiEntry.model_validate(raw).to_spec(name)
        except ValidationError as exc:
            raise ValueError(f"interceptors-sbi.yaml entry '{name}': {exc}") from exc
    return out


def reach_distance_m(tau_s: ArrayLike, accel_mps2: float, delta_v_mps: float) -> F64:
    """Largest displacement [m] after ``tau_s``: constant acceleration, then coast (0 if τ ≤ 0)."""
    tau = np.maximum(np.asarray(tau_s, dtype=np.float64), 0.0)
    t_b = delta_v_mps / accel_mps2
    return np.where(
        tau <= t_b,
        0.5 * accel_mps2 * tau**2,
        delta_v_mps * tau - delta_v_mps**2 / (2.0 * accel_mps2),
    )


def time_to_reach_s(distance_m: ArrayLike, accel_mps2: float, delta_v_mps: float) -> F64:
    """Time [s] to cover ``distance_m`` under constant acceleration then coast (inverse of D)."""
    d = np.maximum(np.asarray(distance_m, dtype=np.float64), 0.0)
    d_b = delta_v_mps**2 / (2.0 * accel_mps2)
    return np.where(
        d <= d_b,
        np.sqrt(2.0 * d / accel_mps2),
        d / delta_v_mps + delta_v_mps / (2.0 * accel_mps2),
    )


def interceptor_mass_kg(spec: SbiSpec) -> float:
    """Mass [kg] of one interceptor (kill vehicle + stages) from the rocket equation.

    n equal-Δv stages, each multiplying the mass above by R(1 − ε)/(1 − εR),
    R = exp(Δv/(n Isp g₀)); the lightest feasible n in 1..3 (``inf`` if none).
    """
    ve = spec.isp_s * G0_MPS2
    eps = spec.structure_fraction
    best = math.inf
    for n in (1, 2, 3):
        r = math.exp(spec.delta_v_mps / (n * ve))
        if eps * r >= 1.0:
            continue
        best = min(best, spec.kill_vehicle_mass_kg * (r * (1.0 - eps) / (1.0 - eps * r)) ** n)
    return best


def carrier_mass_kg(spec: SbiSpec) -> float:
    """Mass [kg] of one loaded carrier: bus + k interceptors."""
    return spec.carrier_bus_mass_kg + spec.interceptors_per_carrier * interceptor_mass_kg(spec)


def cap_fraction(
    inclination_rad: float, lat0_rad: float, half_angle_rad: float, n_u: int = 20001
) -> float:
    """Time fraction a circular orbit of inclination i spends inside a spherical cap.

    Cap of angular radius θ (geocentric) about a point at geocentric latitude
    φ₀; node and phase uniformly random (module docstring formula, midpoint
    rule over the argument of latitude u). Prograde or retrograde i alike.
    """
    sin_i = abs(math.sin(inclination_rad))
    u = (np.arange(n_u) + 0.5) / n_u * math.pi - 0.5 * math.pi
    phi = np.arcsin(sin_i * np.sin(u))
    num = math.cos(half_angle_rad) - np.sin(phi) * math.sin(lat0_rad)
    den = np.cos(phi) * math.cos(lat0_rad)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(den > 0.0, num / den, np.where(num <= 0.0, -np.inf, np.inf))
    dlam = 2.0 * np.arccos(np.clip(c, -1.0, 1.0))
    return float(np.mean(dlam) / (2.0 * math.pi))


@dataclass(frozen=True)
class BoostPath:
    """Predicted path of one boosting missile launched at t = 0 (scenario epoch).

    tau_s (T,): seconds after launch; r_eci_m (T, 3): ECI position [m] for a
    launch at t = 0; t_kill_s: last useful intercept time after launch
    (burnout, or first release of the post-boost vehicle); t_burnout_s: booster
    burnout; name: threat catalog name.
    """

    tau_s: F64
    r_eci_m: F64
    t_kill_s: float
    t_burnout_s: float
    name: str

    def with_deadline(self, t_kill_s: float) -> BoostPath:
        """The same path with another engagement deadline [s after launch]."""
        return BoostPath(self.tau_s, self.r_eci_m, float(t_kill_s), self.t_burnout_s, self.name)


def boost_path(
    threat: str,
    launch_lat_rad: float,
    launch_lon_rad: float,
    aim_lat_rad: float,
    aim_lon_rad: float,
    epoch: datetime,
    dt_s: float = 1.0,
) -> BoostPath:
    """Fly one ``threat`` (catalog name) and keep its path up to the kill deadline + margin.

    The tracked object is the launch's first object (the missile, or the bus of a
    MIRVed threat); the deadline is the earliest time an RV exists as a separate
    object (booster burnout for a single-RV missile, first release for a bus).
    """
    tr = fly_threats(
        [threat],
        np.array([launch_lat_rad]),
        np.array([launch_lon_rad]),
        np.array([aim_lat_rad]),
        np.array([aim_lon_rad]),
        np.array([0.0]),
        epoch,
        dt_s,
    )
    rv = tr.object_kind == OBJECT_RV
    t_kill = float(np.min(tr.t_burnout_s[rv])) if np.any(rv) else float(tr.t_burnout_s[0])
    keep = tr.t_s <= t_kill + 600.0
    return BoostPath(
        tau_s=tr.t_s[keep] - float(tr.t_launch_s[0]),
        r_eci_m=tr.r_eci_m[0, keep],
        t_kill_s=t_kill,
        t_burnout_s=float(tr.t_burnout_s[0]),
        name=threat,
    )


def subset(elements: OrbitalElements, idx: NDArray[np.intp]) -> OrbitalElements:
    """The elements of satellites ``idx``."""
    return OrbitalElements(*(getattr(elements, f)[idx] for f in _ELEMENT_FIELDS))


def engagement_window(
    path: BoostPath, spec: SbiSpec, delay_s: float, step_s: float = 2.0
) -> tuple[F64, F64, F64]:
    """Intercept-time grid τ (K,) [s after launch], missile positions (K, 3), reach D(τ − δ) (K,).

    τ runs from the firing time δ to the deadline in ``step_s`` steps, keeping
    points where the missile is above ``spec.min_intercept_alt_m``.
    """
    if path.t_kill_s <= delay_s:
        return np.zeros(0), np.zeros((0, 3)), np.zeros(0)
    tau = np.append(np.arange(delay_s, path.t_kill_s, step_s), path.t_kill_s)
    r = np.stack([np.interp(tau, path.tau_s, path.r_eci_m[:, k]) for k in range(3)], axis=-1)
    ok = radial_height_m(r) >= spec.min_intercept_alt_m
    tau, r = tau[ok], r[ok]
    return tau, r, reach_distance_m(tau - delay_s, spec.accel_mps2, spec.delta_v_mps)


def positions_at_eci(
    elements: OrbitalElements, idx: NDArray[np.intp], t_s: F64, j2: bool = True
) -> F64:
    """ECI positions [m] ``(P, K, 3)`` of satellites ``idx (P,)``, each at its times ``t_s (P, K)``.

    The two-body + secular-J2 model of :func:`shieldlab.space.orbits.propagate`;
    circular orbits (e = 0, the carriers) take the short form
    r = a (cos Ω cos u − sin Ω sin u cos i, sin Ω cos u + cos Ω sin u cos i, sin u sin i)
    with the argument of latitude u = ω + M (Vallado 4th ed., Algorithm 10).
    """
    sub = subset(elements, idx)
    if j2:
        raan_dot, argp_dot, m_dot = j2_secular_rates(sub)
    else:
        raan_dot = argp_dot = np.zeros(sub.n)
        m_dot = mean_motion_rad_s(sub.a_m)
    col = (slice(None), None)
    raan = sub.raan_rad[col] + raan_dot[col] * t_s
    argp = sub.argp_rad[col] + argp_dot[col] * t_s
    m = sub.m0_rad[col] + m_dot[col] * t_s
    if np.all(sub.e == 0.0):
        u = argp + m
        cu, su, co, so = np.cos(u), np.sin(u), np.cos(raan), np.sin(raan)
        ci, si = np.cos(sub.i_rad)[col], np.sin(sub.i_rad)[col]
        a = sub.a_m[col]
        return np.stack(
            [a * (co * cu - so * su * ci), a * (so * cu + co * su * ci), a * su * si], axis=-1
        )
    e = sub.e[col]
    nu = true_anomaly_from_eccentric(solve_kepler(m, e), e)
    r, _ = kepler_to_eci(sub.a_m[col], e, sub.i_rad[col], raan, argp, nu)
    return r


def reach_mask(
    elements: OrbitalElements,
    t_launch_s: ArrayLike,
    path: BoostPath,
    spec: SbiSpec,
    delay_s: float,
    path_rot: NDArray[np.float64] | None = None,
    j2: bool = True,
    chunk_pairs: int = 20000,
) -> NDArray[np.bool_]:
    """Which carriers can engage each launch: bool ``(L, n)``.

    ``t_launch_s (L,)`` [s from the epoch]; the missile of launch l follows
    ``Rz(ω_E t_L) · Q_l · r_m(τ)`` with ``path_rot`` Q ``(L, 3, 3)`` (default
    identity) moving the path within a launch area. A prefilter at the middle
    of the window keeps only (launch, carrier) pairs that could close the gap
    (|Δr| at mid-window ≤ D_max + path spread + v_orb · half-window); the
    module-docstring test is then evaluated for those pairs on the τ grid.
    """
    t_l = np.atleast_1d(np.asarray(t_launch_s, dtype=np.float64))
    n_l, n_c = t_l.size, elements.n
    out = np.zeros((n_l, n_c), dtype=bool)
    tau, rm0, reach = engagement_window(path, spec, delay_s)
    if tau.size == 0 or n_c == 0:
        return out
    mid = 0.5 * (tau[0] + tau[-1])
    rm_mid0 = np.array([np.interp(mid, tau, rm0[:, k]) for k in range(3)])
    v_orb = float(np.sqrt(GM_EARTH_M3_S2 / np.min(elements.a_m)))
    spread = float(np.max(np.linalg.norm(rm0 - rm_mid0, axis=-1)))
    gate = float(reach[-1]) + spread + v_orb * 0.5 * (tau[-1] - tau[0]) + 1e3
    rot_e = rot_z(-WGS84_OMEGA_RAD_S * t_l)  # active turn by +ω_E t_L, (L, 3, 3)
    rots = rot_e if path_rot is None else rot_e @ path_rot
    all_idx = np.arange(n_c)
    rc_mid = positions_at_eci(elements, all_idx, np.broadcast_to(t_l + mid, (n_c, n_l)), j2)
    rm_mid = rots @ rm_mid0  # (L, 3)
    li, ci = np.nonzero(np.linalg.norm(rc_mid - rm_mid[None], axis=-1).T <= gate)
    for s0 in range(0, li.size, chunk_pairs):
        lk, ck = li[s0 : s0 + chunk_pairs], ci[s0 : s0 + chunk_pairs]
        rc = positions_at_eci(elements, ck, t_l[lk, None] + tau[None, :], j2=j2)  # (P, K, 3)
        rm = np.einsum("pij,kj->pki", rots[lk], rm0)  # (P, K, 3)
        out[lk, ck] = np.any(np.linalg.norm(rc - rm, axis=-1) <= reach[None], axis=1)
    return out


def absentee_ratio(
    elements: OrbitalElements,
    path: BoostPath,
    spec: SbiSpec,
    delay_s: float,
    n_launch_times: int,
    rng: np.random.Generator,
    horizon_s: float = 10.0 * 86400.0,
) -> tuple[float, F64]:
    """Absentee ratio A = n / mean(in reach) over random launch times, and the counts ``(L,)``.

    Launch times uniform in [0, ``horizon_s``) (default 10 days: the Earth turns
    under the constellation and J2 moves the nodes). ``inf`` if none is ever in reach.
    """
    t_l = rng.uniform(0.0, horizon_s, n_launch_times)
    counts = reach_mask(elements, t_l, path, spec, delay_s).sum(axis=1).astype(np.float64)
    mean = float(np.mean(counts))
    return (elements.n / mean if mean > 0 else math.inf), counts
