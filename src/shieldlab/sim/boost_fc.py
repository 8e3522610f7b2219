"""Boost-phase fire control: a launch fitted to plume sightings, its predicted path and reach.

Defence-side decision code: it sees only the warning layer's measured plume
positions and a library of boost templates
(:class:`~shieldlab.weapons.boost_templates.BoostTemplate`, built from the
threat models once, as an intelligence library would be), never the truth.

**Fit** (:func:`fit_launch`). Input: k plume sightings of one launch, times
t_i [s from the scenario epoch] and measured ECEF positions p_i [m] (the
warning layer's ~2 km 1-σ per axis).

1. Geodetic (φ_i, λ_i, h_i) of every p_i (WGS-84).
2. *Heading.* Sub-missile points on the ellipsoid, their centroid, and the
   local (east, north) tangent plane there; the heading is the principal
   direction of the centred ground points (the least-squares straight line;
   for two points the line through them), oriented along the time order.
   s_i: the centred along-track positions on that line [m].
3. *Launch time and template.* For each template j, a grid search over the
   launch time t_L ∈ [t_1 − t_kill,j, t_1] in 1-s steps (t_1 the first
   sighting), vectorised over (grid × sightings), minimises

       S_j(t_L) = Σ_i (h_i − h_j(τ_i))² + (P · o_i)² + (s_i − g_j(τ_i) + ḡ_j)²,

   τ_i = t_i − t_L, h_j and g_j the template's altitude and ground range by
   linear interpolation, ḡ_j their mean over the sightings (the launch point
   is not known yet, so only the along-track *spacing* is compared), o_i the
   time [s] by which sighting i falls outside the template's plume (before
   launch or after booster burnout), P = ``OUTSIDE_PENALTY_MPS`` (1 km/s: a
   sighting 2 s outside costs as much as a 1-σ miss). A parabola through the
   best grid point and its neighbours refines t_L below the step. The
   template and t_L of least S win. The along-track term goes beyond an
   altitude-only fit: early in the boost an earlier launch of a
   slower-climbing class matches the altitudes alone as well (e.g. a liquid
   MRBM launched ~12 s before a solid ICBM), but not its ground speed.
4. *Launch point.* With the heading and the profile fixed, the least-squares
   launch point lies mean_i g_j(τ_i) behind the centroid along the reverse
   heading (great circle on the 6,371-km sphere of the templates). The
   azimuth reported is the great-circle heading at the launch point.

Assumptions: one launch (no mixing of two missiles' sightings); the missile
flies one of the library's boost profiles up to a scale of a few per cent
(Earth rotation, range between two template ranges); its ground track is a
great circle through the boost (Coriolis bending of a few km neglected).
``None`` when fewer than two sightings, or when the ground points span less
than ``MIN_GROUND_SPAN_M`` (5 km = 2.5 × the 2-km per-axis noise) along the
principal direction: the heading would be noise (e.g. all in the vertical
rise).

Class recognition (measured, 2-km noise, library solid ICBM / IRBM / MRBM at
0.4/0.7/1.0 of their ranges, launches from 35° N heading N, E, S and W, 30
draws each): with five sightings 40-80 s after launch the boosters that climb
alike are often confused — a solid ICBM to 9,000 km is recognised in 93-100 %
of the draws but to 5,000 km in only 23-33 % (taken for the IRBM: an earlier
deadline), the IRBM in 27-77 %, the MRBM in 57-90 %. With sightings up to
burnout the class is right in ≥ 87 % except for westward IRBM/MRBM shots
(17-37 %: over the rotating Earth a westward shot to a given range burns
like a longer eastward one, beyond the library's ranges). The predicted
position at burnout suffers less: median 6-57 km from the early sightings,
3-30 km from sightings through the boost.

**Prediction** (:func:`predicted_path_eci`): the point at ground range
g(t − t_L) along the great circle from the launch point on the fitted
azimuth, at altitude h(t − t_L), to ECEF and to ECI by GMST. Outside the
template's time span the profile is held at its ends.

**Reach** (:func:`predicted_reach_times`): the test of
:func:`shieldlab.weapons.sbi.reach_mask` on the predicted path —
|r_c(t) − r_m(t)| ≤ D(t − t_f) on a grid of intercept times from the firing
time t_f to the predicted deadline t_L + t_kill, where the predicted missile
is above the class's lowest intercept altitude (see the module docstring of
:mod:`shieldlab.weapons.sbi` for D and its validity). The carrier positions
(two-body + secular J2) come from :func:`shieldlab.space.orbits.positions_eci`
and D from a copy of :func:`shieldlab.weapons.sbi.reach_distance_m`: that
module flies threats (``boost_path``), which this decision code may not import
(tests hold both equal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2
from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci,
    ecef_to_enu,
    ecef_to_geodetic,
    geodetic_to_ecef,
    initial_azimuth_rad,
    radial_height_m,
)
from shieldlab.core.jit import grown, kernel
from shieldlab.core.time import gmst_at
from shieldlab.space.orbits import OrbitalElements, positions_eci

if TYPE_CHECKING:
    from shieldlab.weapons.boost_templates import BoostTemplate
    from shieldlab.weapons.sbi import SbiSpec

F64 = NDArray[np.float64]

OUTSIDE_PENALTY_MPS = 1000.0
"""Penalty [m per s] on a sighting before launch or after the template's burnout."""
MIN_GROUND_SPAN_M = 5000.0
"""Least along-heading spread [m] of the ground points for a heading (2.5 × 2-km noise)."""
_ELEMENT_FIELDS = ("a_m", "e", "i_rad", "raan_rad", "argp_rad", "m0_rad")


@dataclass(frozen=True)
class LaunchFit:
    """A launch fitted to plume sightings (module docstring).

    template: index into the templates given to :func:`fit_launch`;
    t_launch_s: estimated launch time [s from the scenario epoch]; lat_rad,
    lon_rad: estimated launch point (geodetic); azimuth_rad: estimated heading
    at the launch point (clockwise from north); rms_alt_m: RMS altitude
    residual of the fit, outside-plume penalty included [m]; n_points:
    sightings used; rms_along_m: RMS along-track residual [m].
    """

    template: int
    t_launch_s: float
    lat_rad: float
    lon_rad: float
    azimuth_rad: float
    rms_alt_m: float
    n_points: int
    rms_along_m: float


@kernel
def _interp(x: float, xp: F64, fp: F64) -> float:
    """``np.interp(x, xp, fp)`` for one x (xp increasing, at least two points):
    numpy's formula and end rules (the slope of the bracketing interval, fp at the
    ends), so the same value."""
    n = xp.size
    if x >= xp[n - 1]:
        return fp[n - 1]
    if x < xp[0]:
        return fp[0]
    # the interval xp[lo] ≤ x < xp[lo + 1]: a guess from the first step (exact for
    # the templates' uniform grid), then walked to the right interval
    lo = min(max(int((x - xp[0]) / (xp[1] - xp[0])), 0), n - 2)
    while lo > 0 and xp[lo] > x:
        lo -= 1
    while xp[lo + 1] <= x:
        lo += 1
    if xp[lo] == x:
        return fp[lo]
    slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo])
    r = slope * (x - xp[lo]) + fp[lo]
    if math.isnan(r):
        r = slope * (x - xp[lo + 1]) + fp[lo + 1]
    return r


@kernel
def _template_costs(
    t: F64,
    h: F64,
    s: F64,
    t_l: F64,
    tau_s: F64,
    alt_m: F64,
    ground_m: F64,
    t_burnout_s: float,
    penalty: float,
) -> tuple[F64, F64]:
    """Altitude (outside-plume penalty included) and along-track costs [m²] of one
    template at each launch time ``t_l (G,)`` for the sightings ``t, h, s (k,)``:
    the sums of :func:`_fit_time` (module docstring, step 3), one pass per grid
    time instead of (G, k) temporaries; equal to the array form to rounding."""
    k = t.size
    c_h = np.empty(t_l.size)
    c_s = np.empty(t_l.size)
    g = np.empty(k)
    for a in range(t_l.size):
        sum_h = 0.0
        sum_g = 0.0
        for b in range(k):
            tau = t[b] - t_l[a]
            out = max(-tau, 0.0) + max(tau - t_burnout_s, 0.0)
            dh = h[b] - _interp(tau, tau_s, alt_m)
            sum_h += dh * dh + (penalty * out) ** 2
            g[b] = _interp(tau, tau_s, ground_m)
            sum_g += g[b]
        mean_g = sum_g / k
        sum_s = 0.0
        for b in range(k):
            ds = s[b] - (g[b] - mean_g)
            sum_s += ds * ds
        c_h[a] = sum_h
        c_s[a] = sum_s
    return c_h, c_s


def _fit_time(t: F64, h: F64, s: F64, tp: BoostTemplate) -> tuple[float, float, float]:
    """Launch time [s], RMS altitude and RMS along-track residuals [m] of one template.

    Grid search over t_L in 1-s steps (compiled, :func:`_template_costs`), then a
    parabola through the best grid point and its neighbours.
    """
    grid = np.arange(t[0] - tp.t_kill_s, t[0] + 1e-9, 1.0)

    def costs(t_l: F64) -> tuple[F64, F64]:
        return _template_costs(
            t,
            h,
            s,
            t_l,
            tp.tau_s,
            tp.alt_m,
            tp.ground_range_m,
            tp.t_burnout_s,
            OUTSIDE_PENALTY_MPS,
        )

    c_h, c_s = costs(grid)
    c = c_h + c_s
    j = int(np.argmin(c))
    t_l, best_h, best_s = float(grid[j]), float(c_h[j]), float(c_s[j])
    if 0 < j < grid.size - 1:
        den = c[j - 1] - 2.0 * c[j] + c[j + 1]
        if den > 0.0:
            t_r = t_l + float(np.clip(0.5 * (c[j - 1] - c[j + 1]) / den, -0.5, 0.5))
            r_h, r_s = costs(np.array([t_r]))
            if r_h[0] + r_s[0] < c[j]:  # keep the refinement only where it is better
                t_l, best_h, best_s = t_r, float(r_h[0]), float(r_s[0])
    return t_l, math.sqrt(best_h / t.size), math.sqrt(best_s / t.size)


def fit_launch(
    t_s: ArrayLike,
    pos_ecef_m: ArrayLike,
    templates: Sequence[BoostTemplate],
    min_span_m: float = MIN_GROUND_SPAN_M,
) -> LaunchFit | None:
    """Launch time, point, heading and template of one launch from its plume sightings.

    ``t_s (k,)`` [s from the epoch], ``pos_ecef_m (k, 3)`` measured ECEF
    positions [m], in any order. Method, assumptions and the ``None`` cases:
    module docstring. ``ValueError`` when the counts of times and positions
    differ or there is no template.
    """
    t = np.asarray(t_s, dtype=np.float64).ravel()
    p = np.asarray(pos_ecef_m, dtype=np.float64).reshape(-1, 3)
    if t.size != p.shape[0] or len(templates) == 0:
        raise ValueError(
            f"fit_launch: {t.size} times, {p.shape[0]} positions, {len(templates)} templates"
        )
    if t.size < 2:
        return None
    order = np.argsort(t, kind="stable")
    t, p = t[order], p[order]
    lat, lon, h = ecef_to_geodetic(p)
    # heading: principal direction of the ground points in the tangent plane at their centroid
    centroid = geodetic_to_ecef(lat, lon, 0.0).mean(axis=0)
    lat_c, lon_c, h_c = ecef_to_geodetic(centroid)
    en = ecef_to_enu(geodetic_to_ecef(lat, lon, 0.0), lat_c, lon_c, h_c)[:, :2]
    en = en - en.mean(axis=0)
    u = np.linalg.svd(en, full_matrices=False)[2][0]  # (east, north) unit vector
    s = en @ u
    if np.dot(s, t - t.mean()) < 0.0:
        u, s = -u, -s
    if float(s.max() - s.min()) < min_span_m:
        return None
    heading_c = math.atan2(float(u[0]), float(u[1]))
    # launch time and template: least altitude + along-track residual
    fits = [_fit_time(t, h, s, tp) for tp in templates]
    j = int(np.argmin([r_h**2 + r_s**2 for _, r_h, r_s in fits]))
    t_l, rms_h, rms_s = fits[j]
    tp = templates[j]
    back = float(np.mean(np.interp(t - t_l, tp.tau_s, tp.ground_range_m)))
    lat_l, lon_l = destination_point(lat_c, lon_c, heading_c + math.pi, back)
    az = (
        float(initial_azimuth_rad(lat_l, lon_l, lat_c, lon_c))
        if back > 1.0
        else heading_c % (2.0 * math.pi)
    )
    return LaunchFit(
        template=j,
        t_launch_s=t_l,
        lat_rad=float(lat_l),
        lon_rad=float(lon_l),
        azimuth_rad=az,
        rms_alt_m=rms_h,
        n_points=int(t.size),
        rms_along_m=rms_s,
    )


def predicted_path_eci(
    fit: LaunchFit, template: BoostTemplate, t_abs_s: ArrayLike, epoch: datetime
) -> F64:
    """Predicted missile positions (K, 3) ECI [m] at times ``t_abs_s (K,)`` [s from ``epoch``].

    Ground range and altitude of ``template`` at t − t_L, laid along the great
    circle from the fitted launch point on the fitted azimuth (module docstring).
    """
    t = np.atleast_1d(np.asarray(t_abs_s, dtype=np.float64))
    tau = t - fit.t_launch_s
    g = np.interp(tau, template.tau_s, template.ground_range_m)
    h = np.interp(tau, template.tau_s, template.alt_m)
    lat, lon = destination_point(fit.lat_rad, fit.lon_rad, fit.azimuth_rad, g)
    return ecef_to_eci(geodetic_to_ecef(lat, lon, h), gmst_at(epoch, t))


def _reach_distance_m(tau_s: F64, accel_mps2: float, delta_v_mps: float) -> F64:
    """D(τ): :func:`shieldlab.weapons.sbi.reach_distance_m` (copied, see module docstring)."""
    tau = np.maximum(tau_s, 0.0)
    t_b = delta_v_mps / accel_mps2
    return np.where(
        tau <= t_b,
        0.5 * accel_mps2 * tau**2,
        delta_v_mps * tau - delta_v_mps**2 / (2.0 * accel_mps2),
    )


def _subset(elements: OrbitalElements, idx: NDArray[np.intp]) -> OrbitalElements:
    return OrbitalElements(*(getattr(elements, f)[idx] for f in _ELEMENT_FIELDS))


def _max_perigee_speed_mps(elements: OrbitalElements) -> float:
    """The fastest speed of any carrier on its two-body ellipse (at perigee) [m/s]; 0
    for an empty shell."""
    if elements.n == 0:
        return 0.0
    el = elements
    return float(np.max(np.sqrt(GM_EARTH_M3_S2 / el.a_m * (1.0 + el.e) / (1.0 - el.e))))


CARRIER_CACHE_BYTES = 256 * 2**20
"""Most memory [B] a :class:`CarrierGrid` keeps carrier positions in (256 MiB)."""


class CarrierGrid:
    """Carrier positions on a grid of times, each grid time computed once (a cache).

    The prefilter of :func:`predicted_reach_times` needs every carrier's position
    near the middle of each engagement window; a plume track is re-examined
    every step while it waits for a carrier in reach, so one trial asks for the
    positions of the whole shell thousands of times. Here they are taken at the
    nearest multiple of ``step_s`` instead (computed on first use), and the
    prefilter's gate widens by the distance a carrier can move in the time
    between (``max_speed_mps`` × |t − t_grid|): still exact. The carriers in the
    gate are then propagated over the window's times, which successive steps
    share: :meth:`positions` keeps the whole shell's positions at each time
    it has been asked for.
    """

    def __init__(self, elements: OrbitalElements, step_s: float = 10.0) -> None:
        self.elements = elements
        self.step_s = float(step_s)
        self._at: dict[int, F64] = {}
        self._row: dict[float, int] = {}  # time [s] → its row of _pos
        self._pos = np.empty((0, elements.n, 3))
        # the fastest perigee speed, plus the secular J2 drift of the propagated
        # point (Ω̇, ω̇ ≲ 2e-6 rad/s × 8,000 km ≲ 20 m/s) with margin
        self.max_speed_mps = _max_perigee_speed_mps(elements) + 50.0

    def positions(self, t_s: F64, idx: NDArray[np.intp]) -> F64:
        """ECI positions (P, K, 3) [m] of carriers ``idx (P,)`` at times ``t_s (K,)``:
        :func:`positions_eci` of the whole shell at each distinct time, computed once
        and kept (the engagement windows of successive steps share their times; the
        same positions to rounding: the Kepler iteration stops for the whole batch).
        Past :data:`CARRIER_CACHE_BYTES` the positions are computed directly."""
        n = self.elements.n
        new = [x for x in dict.fromkeys(t_s.tolist()) if x not in self._row]
        if new:
            if (len(self._row) + len(new)) * n * 24 > CARRIER_CACHE_BYTES:
                return positions_eci(_subset(self.elements, idx), t_s)
            k0, k1 = len(self._row), len(self._row) + len(new)
            if k1 > self._pos.shape[0]:
                self._pos = grown(self._pos, max(k1, 2 * self._pos.shape[0]))
            self._pos[k0:k1] = positions_eci(self.elements, np.array(new)).transpose(1, 0, 2)
            self._row.update((x, k0 + i) for i, x in enumerate(new))
        rows = np.array([self._row[x] for x in t_s.tolist()], dtype=np.intp)
        return self._pos[rows[None, :], idx[:, None]]

    def near(self, t_s: float) -> tuple[float, F64]:
        """The grid time nearest ``t_s`` [s from epoch] and every carrier's ECI
        position then ``(n, 3)`` [m]."""
        k = round(t_s / self.step_s)
        if k not in self._at:
            self._at[k] = positions_eci(self.elements, np.array([k * self.step_s]))[:, 0]
        return k * self.step_s, self._at[k]


def predicted_reach_times(
    fit: LaunchFit,
    template: BoostTemplate,
    spec: SbiSpec,
    elements: OrbitalElements,
    fire_s: float,
    epoch: datetime,
    step_s: float = 2.0,
    grid: CarrierGrid | None = None,
) -> F64:
    """Earliest predicted intercept time [s from ``epoch``] of every carrier (n,); inf out of reach.

    Intercept times from ``fire_s`` to the predicted deadline t_L + t_kill in
    ``step_s`` steps (deadline included) where the predicted missile is above
    ``spec.min_intercept_alt_m``; carrier j reaches t when
    |r_c(t) − r_m(t)| ≤ D(t − t_f). A prefilter at mid-window keeps only
    carriers that could close the gap (|Δr| ≤ D_max + path spread + v_max ·
    half-window + 1 km, v_max the fastest perigee speed), exact for these bounds.
    ``grid`` (a :class:`CarrierGrid` of ``elements``): the prefilter's carrier
    positions from its cache, at the grid time nearest mid-window, the gate
    widened by the grid's speed bound × the time between, and the carriers'
    positions over the window from its cache (:meth:`CarrierGrid.positions`) —
    the same result.
    """
    n = elements.n
    out = np.full(n, np.inf)
    t_end = fit.t_launch_s + template.t_kill_s
    if n == 0 or t_end <= fire_s:
        return out
    t = np.append(np.arange(fire_s, t_end, step_s), t_end)
    rm = predicted_path_eci(fit, template, t, epoch)
    ok = radial_height_m(rm) >= spec.min_intercept_alt_m
    t, rm = t[ok], rm[ok]
    if t.size == 0:
        return out
    reach = _reach_distance_m(t - fire_s, spec.accel_mps2, spec.delta_v_mps)
    mid = 0.5 * (t[0] + t[-1])
    rm_mid = predicted_path_eci(fit, template, np.array([mid]), epoch)[0]
    spread = float(np.max(np.linalg.norm(rm - rm_mid, axis=-1)))
    if grid is None:
        v_max = _max_perigee_speed_mps(elements)
        rc_mid, extra = positions_eci(elements, np.array([mid]))[:, 0], 0.0  # (n, 3)
    else:
        v_max = grid.max_speed_mps
        t_grid, rc_mid = grid.near(mid)
        extra = v_max * abs(mid - t_grid)
    gate = float(reach[-1]) + spread + v_max * 0.5 * (t[-1] - t[0]) + 1e3 + extra
    cand = np.flatnonzero(np.linalg.norm(rc_mid - rm_mid, axis=-1) <= gate)
    if cand.size == 0:
        return out
    if grid is None:
        rc = positions_eci(_subset(elements, cand), t)  # (P, K, 3)
    else:
        rc = grid.positions(t, cand)
    hit = np.linalg.norm(rc - rm[None], axis=-1) <= reach[None]
    first = np.argmax(hit, axis=1)
    out[cand] = np.where(hit.any(axis=1), t[first], np.inf)
    return out
