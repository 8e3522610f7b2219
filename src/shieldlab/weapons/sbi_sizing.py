"""Sizing an SBI constellation for a salvo: analytic binomial model and Walker simulation.

Validity: the analytic count assumes independent carriers and one launch point
(the Walker simulation relaxes both); with generic inputs it falls inside the
band of the published counts (650–2,000 SBIs per ICBM: APS 2003, CBO 2025
letter, CBO 2026), but the studies' own inputs are not public, so it reproduces
none of them.

**Requirement.** N missiles are launched within a window W from a launch area
(uniform launch times in [t₀, t₀ + W], points uniform in a disc of radius
R_a); each must receive s interceptors; each carrier holds k interceptors and
may fire any of them at any missile within its reach (:mod:`.sbi`). A salvo is
*engaged* when such an assignment exists: a flow problem (source → missile
capacity s, missile → carrier in reach capacity k, carrier → sink capacity k)
whose maximum flow must equal N·s (solved exactly with
``scipy.sparse.csgraph.maximum_flow``). The constellation size is the smallest
number of carriers n for which the fraction of engaged salvos, over random
salvo start times t₀, reaches the confidence c.

**Analytic model.** With f = 1/A the probability that one carrier is in reach
of a launch (A the absentee ratio, from the Monte Carlo of :func:`.sbi.absentee_ratio`)
and a simultaneous salvo from one point (W = 0, R_a = 0), the carriers in
reach M ~ Binomial(n, f), and the salvo is engaged iff k·M ≥ N·s::

    n_analytic = min { n : P[Binomial(n, f) ≥ ⌈N s / k⌉] ≥ c }

(independent carriers; APS 2003 and Wright, Grego & Gronlund 2005 use the
same absentee-ratio argument). A Walker constellation is more regular than
independent carriers (its count varies less), and a window W > 0 lets
different missiles draw on different carriers; the simulation of the real
Walker pattern against random launch times is the check on both.

**Infeasible requirements** are reported, not sized: when no carrier of the
reference constellation ever comes in reach (A = ∞), when the binomial count
passes 10⁷ carriers, or when the Walker simulation misses the confidence at
16 × the binomial count, :class:`SizingResult` carries ``binding_constraint``,
one sentence naming what cannot be met (:func:`binding_constraint`): no time
between firing and the kill deadline, a missile below the interceptor's lowest
intercept altitude, or a fly-out too short for the gap between the orbit shell
and the boost path (with the Δv or acceleration it would need).

**Walker pattern** for n carriers: p = round(√n) planes (at least 1),
⌈n/p⌉ per plane (n rounded up to p·⌈n/p⌉), phasing f = 1, circular orbits
at the given altitude and inclination (:func:`shieldlab.space.constellation.walker_delta`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow
from scipy.stats import binom

from shieldlab.core.constants import G0_MPS2
from shieldlab.space.constellation import walker_delta
from shieldlab.space.orbits import OrbitalElements
from shieldlab.weapons.sbi import (
    BoostPath,
    SbiSpec,
    absentee_ratio,
    carrier_mass_kg,
    engagement_window,
    reach_mask,
)

F64 = NDArray[np.float64]
_HORIZON_S = 10.0 * 86400.0
MAX_CARRIERS = 10_000_000
"""Largest binomial count searched; past it the requirement is reported infeasible."""


@dataclass(frozen=True)
class SalvoProblem:
    """What the constellation must do (SI units).

    salvo: N; window_s: W; shots_per_missile: s; confidence: c; delay_s:
    launch → interceptor firing (detection + track + decision);
    launch_radius_m: R_a; altitude_m, inclination_rad: the carriers' orbit.
    """

    salvo: int
    window_s: float
    shots_per_missile: int
    confidence: float
    delay_s: float
    launch_radius_m: float
    altitude_m: float
    inclination_rad: float


@dataclass(frozen=True)
class SalvoStats:
    """Simulated salvos against one constellation.

    p_engaged: fraction of engaged salvos; in_reach (trials, N): interceptors
    (k × carriers) in reach of each missile.
    """

    n_carriers: int
    p_engaged: float
    in_reach: NDArray[np.int64]


@dataclass(frozen=True)
class SizingResult:
    """Outcome of :func:`size_constellation` (see the module docstring)."""

    constellation_size: int
    analytic_size: int
    absentee_ratio: float
    required_in_reach: int
    p_engaged: float
    interceptors_in_reach_mean: float
    interceptors_in_reach_p05: float
    interceptors: int
    mass_to_orbit_kg: float
    interceptor_cost_usd: float
    binding_constraint: str = ""
    """Why no constellation meets the requirement (one sentence); empty when one does."""

    @property
    def feasible(self) -> bool:
        """A constellation meets the requirement (``constellation_size`` carriers)."""
        return not self.binding_constraint


def walker_for(n: int, altitude_m: float, inclination_rad: float) -> OrbitalElements:
    """Walker delta of at least ``n`` carriers (p = round(√n) planes, ⌈n/p⌉ per plane, f = 1)."""
    planes = max(1, round(math.sqrt(n)))
    per = max(1, math.ceil(n / planes))
    return walker_delta(planes * per, planes, 1 % planes, altitude_m, inclination_rad)


def required_in_reach(salvo: int, shots: int, per_carrier: int) -> int:
    """Carriers needed in reach of a simultaneous salvo: ⌈N s / k⌉."""
    return math.ceil(salvo * shots / per_carrier)


def analytic_size(f_in_reach: float, m_required: int, confidence: float) -> int:
    """Smallest n with P[Binomial(n, f) ≥ m] ≥ c (module docstring); 0 if f ≤ 0 is hopeless."""
    if f_in_reach <= 0.0:
        return 0
    lo, hi = m_required, max(m_required, 1)
    while binom.sf(m_required - 1, hi, f_in_reach) < confidence:
        lo, hi = hi, hi * 2
        if hi > MAX_CARRIERS:
            return 0
    while lo < hi:
        mid = (lo + hi) // 2
        if binom.sf(m_required - 1, mid, f_in_reach) >= confidence:
            hi = mid
        else:
            lo = mid + 1
    return int(hi)


def binding_constraint(
    path: BoostPath,
    spec: SbiSpec,
    problem: SalvoProblem,
    orbit_radius_m: float,
    a_ratio: float,
) -> str:
    """Why no carrier reaches the boost path in time: one sentence, the binding constraint.

    In order: no time between firing (launch + delay) and the kill deadline; the
    missile below ``spec.min_intercept_alt_m`` until the deadline; or the fly-out
    D(τ − δ) shorter, at every intercept time τ, than a lower bound on the gap
    between the carriers' shell (radius ``orbit_radius_m``, latitudes within the
    inclination) and the missile (law of cosines on the radial and latitude
    gaps), with the Δv (at the interceptor's acceleration) or, if no Δv would do,
    the acceleration that closing the smallest gap would need. Otherwise the
    geometry allows a reach that the reference constellation (absentee ratio
    ``a_ratio``) did not show.
    """
    deadline, delay = path.t_kill_s, problem.delay_s
    if deadline <= delay:
        return (
            f"no time to fly: the kill deadline ({deadline:.0f} s after launch) is not after "
            f"the firing time (decision delay {delay:.0f} s)"
        )
    tau, r_m, reach = engagement_window(path, spec, delay)
    if tau.size == 0:
        return (
            f"the missile stays below the interceptor's lowest intercept altitude "
            f"({spec.min_intercept_alt_m / 1e3:.0f} km) until the kill deadline ({deadline:.0f} s)"
        )
    r = np.linalg.norm(r_m, axis=-1)
    lat = np.arcsin(np.clip(r_m[:, 2] / r, -1.0, 1.0))
    i_eff = min(problem.inclination_rad, math.pi - problem.inclination_rad)
    dlat = np.maximum(np.abs(lat) - i_eff, 0.0)
    gap = np.sqrt(np.maximum(r**2 + orbit_radius_m**2 - 2.0 * r * orbit_radius_m * np.cos(dlat), 0))
    if np.any(reach >= gap):
        n_m = problem.salvo
        return (
            f"no carrier of a reference Walker shell at {problem.altitude_m / 1e3:.0f} km, "
            f"{math.degrees(problem.inclination_rad):.0f}° came in reach of "
            f"{'the missile' if n_m == 1 else 'a missile'} before the kill deadline "
            f"({deadline:.0f} s) in the random launches tried (absentee ratio {a_ratio:.3g})"
        )
    t = tau - delay
    a, dv = spec.accel_mps2, spec.delta_v_mps
    k = int(np.argmin(gap - reach))
    where = (
        f"the boost path comes no closer than {gap[k] / 1e3:,.0f} km to the "
        f"{problem.altitude_m / 1e3:.0f} km, {math.degrees(problem.inclination_rad):.0f}° shell "
        f"({tau[k]:.0f} s after launch), the interceptor flies {reach[k] / 1e3:,.0f} km "
        f"in the {t[k]:.0f} s from firing"
    )
    # Δv to cover the gap in t at acceleration a: Δv t − Δv²/(2a) = gap (burn ends first),
    # possible only while the gap is within a t²/2 (burning all the way)
    disc = (a * t) ** 2 - 2.0 * a * gap
    with np.errstate(invalid="ignore"):
        dv_need = np.where(disc >= 0.0, a * t - np.sqrt(np.maximum(disc, 0.0)), np.inf)
    if np.isfinite(dv_need).any():
        j = int(np.argmin(dv_need))
        return (
            f"no interceptor reaches the boost path before the kill deadline ({deadline:.0f} s): "
            f"{where}; it needs Δv ≥ {dv_need[j] / 1e3:.1f} km/s at {a / G0_MPS2:.0f} g, "
            f"has {dv / 1e3:.1f} km/s"
        )
    a_need = float(np.min(2.0 * gap / np.maximum(t, 1e-9) ** 2))
    return (
        f"no interceptor reaches the boost path before the kill deadline ({deadline:.0f} s): "
        f"{where}; no Δv would do at {a / G0_MPS2:.0f} g, it needs ≥ {a_need / G0_MPS2:.0f} g"
    )


def _disc_rotations(path: BoostPath, radius_m: float, count: int, rng: np.random.Generator) -> F64:
    """Rotations ``(count, 3, 3)`` about the Earth's centre moving the launch point uniformly
    over a disc of radius ``radius_m`` (the whole path turns with it; Rodrigues' formula)."""
    out = np.broadcast_to(np.eye(3), (count, 3, 3)).copy()
    if radius_m <= 0.0 or count == 0:
        return out
    r0 = float(np.linalg.norm(path.r_eci_m[0]))
    u0 = path.r_eci_m[0] / r0
    east = np.cross([0.0, 0.0, 1.0], u0)
    east /= np.linalg.norm(east)
    north = np.cross(u0, east)
    ang = radius_m * np.sqrt(rng.uniform(0.0, 1.0, count)) / r0  # uniform over the disc area
    brg = rng.uniform(0.0, 2.0 * math.pi, count)
    d = np.cos(brg)[:, None] * north + np.sin(brg)[:, None] * east
    ax = np.cross(u0[None], d)  # turning about u0 × d moves u0 towards d
    kx = np.zeros((count, 3, 3))
    kx[:, 0, 1], kx[:, 0, 2], kx[:, 1, 2] = -ax[:, 2], ax[:, 1], -ax[:, 0]
    kx = kx - kx.transpose(0, 2, 1)
    s, c = np.sin(ang)[:, None, None], np.cos(ang)[:, None, None]
    return np.asarray(out + s * kx + (1.0 - c) * (kx @ kx), dtype=np.float64)


def _engaged(mask: NDArray[np.bool_], shots: int, k: int) -> bool:
    """Max-flow feasibility of one salvo; ``mask (N, m)``: missile i in reach of carrier j."""
    n_m, n_c = mask.shape
    if n_c == 0:
        return False
    sink = 1 + n_m + n_c
    mi, cj = np.nonzero(mask)
    rows = np.concatenate([np.zeros(n_m, np.int64), 1 + mi, 1 + n_m + np.arange(n_c)])
    cols = np.concatenate([1 + np.arange(n_m), 1 + n_m + cj, np.full(n_c, sink)])
    caps = np.concatenate([np.full(n_m, shots), np.full(mi.size, k), np.full(n_c, k)])
    graph = csr_matrix((caps.astype(np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    return bool(maximum_flow(graph, 0, sink).flow_value >= n_m * shots)


def simulate_salvos(
    elements: OrbitalElements,
    path: BoostPath,
    spec: SbiSpec,
    problem: SalvoProblem,
    trials: int,
    rng: np.random.Generator,
) -> SalvoStats:
    """Fly ``trials`` salvos at random start times against the constellation (module docstring)."""
    n_m = problem.salvo
    t0 = rng.uniform(0.0, _HORIZON_S, trials)
    t_l = (t0[:, None] + rng.uniform(0.0, problem.window_s, (trials, n_m))).ravel()
    rots = _disc_rotations(path, problem.launch_radius_m, t_l.size, rng)
    mask = reach_mask(elements, t_l, path, spec, problem.delay_s, rots).reshape(
        trials, n_m, elements.n
    )
    k = spec.interceptors_per_carrier
    ok = 0
    for tr in range(trials):
        cols = np.flatnonzero(mask[tr].any(axis=0))
        ok += _engaged(mask[tr][:, cols], problem.shots_per_missile, k)
    in_reach = mask.sum(axis=2).astype(np.int64) * k
    return SalvoStats(elements.n, ok / trials, in_reach)


def size_constellation(
    path: BoostPath,
    spec: SbiSpec,
    problem: SalvoProblem,
    trials: int,
    rng: np.random.Generator,
    reference_carriers: int = 2000,
) -> SizingResult:
    """Constellation size for the salvo problem: analytic estimate, then Walker simulation.

    1. A from a reference Walker of ``reference_carriers`` against ``trials``
       random launch times; f = 1/A; n_analytic from the binomial model.
    2. Bisection on n (Walker pattern, :func:`walker_for`) for the smallest n
       whose simulated engaged fraction (``trials`` salvos) reaches c, between
       n_analytic/8 and 2 n_analytic (doubled up to 16 n_analytic if needed).
    """
    ref = walker_for(reference_carriers, problem.altitude_m, problem.inclination_rad)
    a_ratio, _ = absentee_ratio(ref, path, spec, problem.delay_s, trials, rng, _HORIZON_S)
    k = spec.interceptors_per_carrier
    m_req = required_in_reach(problem.salvo, problem.shots_per_missile, k)
    n_an = analytic_size(1.0 / a_ratio, m_req, problem.confidence) if a_ratio < math.inf else 0
    if n_an == 0:
        if a_ratio < math.inf:
            why = (
                f"more than {MAX_CARRIERS:,} carriers would be needed: one carrier in "
                f"{a_ratio:,.0f} is in reach of a launch (absentee ratio) and each missile "
                f"needs {m_req} in reach"
            )
        else:
            why = binding_constraint(path, spec, problem, float(ref.a_m[0]), a_ratio)
        return SizingResult(0, 0, a_ratio, m_req, 0.0, 0.0, 0.0, 0, math.inf, math.inf, why)

    cache: dict[int, SalvoStats] = {}

    def stats(n: int) -> SalvoStats:
        el = walker_for(n, problem.altitude_m, problem.inclination_rad)
        if el.n not in cache:
            sub = np.random.default_rng(rng.integers(2**63))
            cache[el.n] = simulate_salvos(el, path, spec, problem, trials, sub)
        return cache[el.n]

    lo, hi = max(1, n_an // 8), 2 * n_an
    while stats(hi).p_engaged < problem.confidence and hi < 16 * n_an:
        lo, hi = hi, 2 * hi
    missed = ""
    if stats(hi).p_engaged < problem.confidence:
        best = stats(hi)
        missed = (
            f"the Walker constellation of {best.n_carriers:,} carriers (16 × the binomial "
            f"count) engages {best.p_engaged:.2f} of the salvos, below the confidence "
            f"{problem.confidence:.2f}"
        )
    else:
        while hi - lo > max(1, hi // 100):
            mid = (lo + hi) // 2
            if stats(mid).p_engaged >= problem.confidence:
                hi = mid
            else:
                lo = mid + 1
        best = stats(hi)
    per = best.in_reach.ravel().astype(np.float64)
    return SizingResult(
        constellation_size=best.n_carriers,
        analytic_size=n_an,
        absentee_ratio=a_ratio,
        required_in_reach=m_req,
        p_engaged=best.p_engaged,
        interceptors_in_reach_mean=float(np.mean(per)),
        interceptors_in_reach_p05=float(np.percentile(per, 5)),
        interceptors=best.n_carriers * k,
        mass_to_orbit_kg=best.n_carriers * carrier_mass_kg(spec),
        interceptor_cost_usd=best.n_carriers * k * spec.unit_cost_usd,
        binding_constraint=missed,
    )


def sensitivity(
    path: BoostPath,
    spec: SbiSpec,
    problem: SalvoProblem,
    trials: int,
    rng: np.random.Generator,
    reference_carriers: int = 2000,
) -> list[dict[str, float | str]]:
    """Analytic size when the deadline, Δv or delay move by ±20 % (one at a time).

    Rows: ``parameter``, ``value`` (SI), ``absentee_ratio``, ``analytic_size``.
    """
    ref = walker_for(reference_carriers, problem.altitude_m, problem.inclination_rad)
    m_req = required_in_reach(
        problem.salvo, problem.shots_per_missile, spec.interceptors_per_carrier
    )
    rows: list[dict[str, float | str]] = []
    cases: list[tuple[str, float, BoostPath, SbiSpec, float]] = []
    for fac in (0.8, 1.0, 1.2):
        cases.append(
            (
                "kill deadline s",
                path.t_kill_s * fac,
                path.with_deadline(path.t_kill_s * fac),
                spec,
                problem.delay_s,
            )
        )
    for fac in (0.8, 1.2):
        dv = spec.delta_v_mps * fac
        cases.append(("delta-v m/s", dv, path, replace(spec, delta_v_mps=dv), problem.delay_s))
    for fac in (0.5, 1.5):
        d = problem.delay_s * fac
        cases.append(("delay s", d, path, spec, d))
    for name, value, p, sp, delay in cases:
        sub = np.random.default_rng(rng.integers(2**63))
        a_ratio, _ = absentee_ratio(ref, p, sp, delay, trials, sub, _HORIZON_S)
        n_an = analytic_size(1.0 / a_ratio, m_req, problem.confidence) if a_ratio < math.inf else 0
        rows.append(
            {"parameter": name, "value": value, "absentee_ratio": a_ratio, "analytic_size": n_an}
        )
    return rows
