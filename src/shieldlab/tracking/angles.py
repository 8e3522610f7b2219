"""Angles-only measurements from space sensors: measurement model and triangulation.

A LEO/MEO infrared tracking satellite measures the line of sight to an
object as right ascension α and declination δ of the unit vector
u = (r − o)/|r − o| in the ECI frame (o: satellite position, r: object),
see :mod:`shieldlab.sensors.ir_track`. One satellite cannot range; two or
more satellites viewing the object from different directions fix its
position (stereo triangulation). This module holds

- :func:`measure_radec` — ẑ = (α, δ) and the analytic Jacobian ∂ẑ/∂x (m, 2, 6)
  for the EKF and the gate (per measurement row its own observer);
- :func:`triangulate` — least-squares intersection of k ≥ 2 lines of sight:
  each line contributes the information (I − u uᵀ)/(ρ σ)² of the position
  perpendicular to it (ρ range, σ angular noise), so that
  r̂ = A⁻¹ Σ Wᵢ oᵢ with A = Σ Wᵢ, Wᵢ = (I − uᵢuᵢᵀ)/(ρᵢσᵢ)², and Cov(r̂) = A⁻¹
  (the maximum-likelihood fix for small angular errors; Hartley & Sturm,
  "Triangulation", CVIU 68(2) 1997 for the geometry; Bar-Shalom, Willett,
  Tian, *Tracking and Data Fusion*, YBS 2011, ch. 9 for the weighting);
- :func:`find_fixes` — association of the unassigned detections of one frame
  across satellites: candidate pairs from different satellites whose lines
  pass within a χ² gate of each other (the closest-approach distance d
  normalised by its σ, d²/((ρᵢσᵢ)² + (ρⱼσⱼ)²) ≤ χ²₁(p)), with a minimum
  parallax angle so that the fix is well conditioned; pairs are taken in
  order of increasing normalised distance (each detection used once), then
  detections of further satellites whose line passes within the gate of the
  fix join it, and the fix is recomputed with all its lines. Ghost
  intersections of two satellites viewing several objects are possible
  (as in any stereo system); they fail M-of-N confirmation.

Frames and units: ECI, metres, radians. Angular noise σ per measurement row
is the isotropic line-of-sight error (σ_δ); σ_α = σ_δ / cos δ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.tracking.associate import gate_threshold

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
_EYE3 = np.eye(3)


def measure_radec(x: ArrayLike, observer_eci_m: ArrayLike) -> tuple[F64, F64]:
    """Predicted (α ∈ [0, 2π), δ) ``(m, 2)`` and Jacobian ``(m, 2, 6)`` of ECI states.

    x (m, 6) ECI [m, m/s]; observer_eci_m (m, 3) the satellite of each row.
    ∂α/∂d = (−d_y, d_x, 0)/ρ_xy², ∂δ/∂d = (−d_x d_z, −d_y d_z, ρ_xy²)/(ρ² ρ_xy),
    d = r − o.
    """
    xx = np.asarray(x, dtype=np.float64)
    d = xx[:, :3] - np.asarray(observer_eci_m, dtype=np.float64)
    dx, dy, dz = d[:, 0], d[:, 1], d[:, 2]
    rxy2 = np.maximum(dx * dx + dy * dy, 1e-12)
    rxy = np.sqrt(rxy2)
    rho2 = rxy2 + dz * dz
    z = np.stack([np.mod(np.arctan2(dy, dx), 2.0 * math.pi), np.arctan2(dz, rxy)], axis=-1)
    h = np.zeros((xx.shape[0], 2, 6))
    h[:, 0, 0], h[:, 0, 1] = -dy / rxy2, dx / rxy2
    h[:, 1, 0] = -dx * dz / (rho2 * rxy)
    h[:, 1, 1] = -dy * dz / (rho2 * rxy)
    h[:, 1, 2] = rxy / rho2
    return z, h


def radec_unit(z: ArrayLike) -> F64:
    """Unit ECI vectors (m, 3) of (α, δ[, ·]) rows."""
    zz = np.asarray(z, dtype=np.float64)
    ra, dec = zz[..., 0], zz[..., 1]
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def triangulate(
    observer_eci_m: ArrayLike,
    unit_los: ArrayLike,
    sigma_rad: ArrayLike,
    group: ArrayLike,
    n_groups: int,
    iterations: int = 2,
) -> tuple[F64, F64, NDArray[np.bool_]]:
    """Least-squares fixes of groups of lines of sight (see module docstring).

    observer_eci_m (k, 3), unit_los (k, 3), sigma_rad (k,) isotropic angular
    noise, group (k,) fix index of each line in 0..n_groups−1. Returns
    positions (g, 3) [m], covariances (g, 3, 3) [m²] and ``ok (g,)`` (at
    least two lines and a well-conditioned normal matrix). The ranges ρ of
    the weights come from the previous iterate (first pass: unit weights
    σ⁻²), ``iterations`` passes in all.
    """
    o = np.asarray(observer_eci_m, dtype=np.float64).reshape(-1, 3)
    u = np.asarray(unit_los, dtype=np.float64).reshape(-1, 3)
    s = np.asarray(sigma_rad, dtype=np.float64).reshape(-1)
    g = np.asarray(group, dtype=np.int64).reshape(-1)
    proj = _EYE3[None] - u[:, :, None] * u[:, None, :]  # (k, 3, 3)
    w = 1.0 / s**2
    r: F64 = np.zeros((n_groups, 3))
    a = np.zeros((n_groups, 3, 3))
    for _ in range(max(iterations, 1)):
        a = np.zeros((n_groups, 3, 3))
        b = np.zeros((n_groups, 3))
        np.add.at(a, g, w[:, None, None] * proj)
        np.add.at(b, g, w[:, None] * np.einsum("kij,kj->ki", proj, o))
        cond = np.linalg.cond(a + 1e-300 * _EYE3)
        good = np.isfinite(cond) & (cond < 1e12)
        a_safe = np.where(good[:, None, None], a, _EYE3)
        r = np.asarray(np.linalg.solve(a_safe, b[..., None])[..., 0], dtype=np.float64)
        rho = np.maximum(np.linalg.norm(r[g] - o, axis=-1), 1.0)
        w = 1.0 / (rho * s) ** 2
    counts = np.bincount(g, minlength=n_groups)
    cond = np.linalg.cond(a + 1e-300 * _EYE3)
    ok = (counts >= 2) & np.isfinite(cond) & (cond < 1e12)
    cov = np.linalg.inv(np.where(ok[:, None, None], a, _EYE3))
    return r, 0.5 * (cov + np.swapaxes(cov, -1, -2)), ok


def closest_approach(o1: F64, u1: F64, o2: F64, u2: F64) -> tuple[F64, F64, F64, F64]:
    """Closest approach of line pairs o + s u (broadcast shapes (..., 3)).

    Returns the distance [m], the parameters s1, s2 along each line [m] and
    sin of the angle between the lines. Parallel lines give s = NaN.
    """
    w0 = o1 - o2
    b = np.sum(u1 * u2, axis=-1)
    d = np.sum(u1 * w0, axis=-1)
    e = np.sum(u2 * w0, axis=-1)
    den = 1.0 - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = (b * e - d) / den
        s2 = (e - b * d) / den
    p1 = o1 + s1[..., None] * u1
    p2 = o2 + s2[..., None] * u2
    dist = np.linalg.norm(p1 - p2, axis=-1)
    return dist, s1, s2, np.sqrt(np.maximum(den, 0.0))


@dataclass(frozen=True)
class Fixes:
    """Triangulated positions of one frame: g fixes from the unassigned detections.

    pos_eci_m (g, 3), cov_m2 (g, 3, 3); members (k,) detection row of each
    used line and member_fix (k,) its fix index.
    """

    pos_eci_m: F64
    cov_m2: F64
    members: I64
    member_fix: I64

    def __len__(self) -> int:
        return int(self.pos_eci_m.shape[0])


def _empty_fixes() -> Fixes:
    e = np.empty(0, np.int64)
    return Fixes(np.empty((0, 3)), np.empty((0, 3, 3)), e, e.copy())


def _merge_fixes(
    pos: F64, cov: F64, good: NDArray[np.bool_], fix_of: I64, rows: I64, sat: I64, gate3: float
) -> I64 | None:
    """New fix index per detection after merging compatible fixes (None: no merge)."""
    n_fix = pos.shape[0]
    d = pos[:, None, :] - pos[None, :, :]
    s_sum = cov[:, None] + cov[None, :] + 1e-6 * _EYE3
    d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(s_sum, d[..., None])[..., 0])
    sats = np.zeros((n_fix, int(sat.max()) + 1), dtype=bool)
    sats[fix_of[rows], sat[rows]] = True
    share = (sats[:, None, :] & sats[None, :, :]).any(axis=-1)
    cand = np.triu(good[:, None] & good[None, :] & ~share & (d2 <= gate3), 1)
    if not cand.any():
        return None
    label = np.arange(n_fix)
    for a, b in zip(*np.nonzero(cand), strict=True):  # a few candidate pairs
        la, lb = label[a], label[b]
        if la != lb and not (sats[label == la].any(axis=0) & sats[label == lb].any(axis=0)).any():
            label[label == lb] = la
    _, compact = np.unique(label, return_inverse=True)
    out = fix_of.copy()
    out[rows] = compact[fix_of[rows]]
    return out


def find_fixes(
    observer_eci_m: ArrayLike,
    unit_los: ArrayLike,
    sigma_rad: ArrayLike,
    sensor_index: ArrayLike,
    p_gate: float = 0.9997,
    min_parallax_rad: float = math.radians(3.0),
    max_range_m: float = 2.0e7,
) -> Fixes:
    """Associate one frame's detections across satellites into triangulated fixes.

    Inputs per detection row (k): observer position, unit line of sight, σ
    [rad] and satellite index. See the module docstring for the method. A
    fix must lie in front of both satellites, within ``max_range_m`` of each.
    """
    o = np.asarray(observer_eci_m, dtype=np.float64).reshape(-1, 3)
    u = np.asarray(unit_los, dtype=np.float64).reshape(-1, 3)
    s = np.asarray(sigma_rad, dtype=np.float64).reshape(-1)
    sat = np.asarray(sensor_index, dtype=np.int64).reshape(-1)
    k = o.shape[0]
    if k < 2:
        return _empty_fixes()
    gate1 = gate_threshold(1, p_gate)
    i, j = np.triu_indices(k, 1)
    keep = sat[i] != sat[j]
    i, j = i[keep], j[keep]
    dist, s1, s2, sin_par = closest_approach(o[i], u[i], o[j], u[j])
    var = (s1 * s[i]) ** 2 + (s2 * s[j]) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = dist**2 / var
    ok = (
        np.isfinite(d2)
        & (d2 <= gate1)
        & (s1 > 0)
        & (s2 > 0)
        & (s1 < max_range_m)
        & (s2 < max_range_m)
        & (sin_par >= math.sin(min_parallax_rad))
    )
    if not ok.any():
        return _empty_fixes()
    i, j, d2 = i[ok], j[ok], d2[ok]
    used = np.zeros(k, dtype=bool)
    fix_of = np.full(k, -1, dtype=np.int64)
    n_fix = 0
    for p in np.argsort(d2, kind="stable"):  # candidate pairs (few): greedy, each row once
        a, b = int(i[p]), int(j[p])
        if used[a] or used[b]:
            continue
        used[a] = used[b] = True
        fix_of[a] = fix_of[b] = n_fix
        n_fix += 1
    rows = np.flatnonzero(fix_of >= 0)
    pos, cov, good = triangulate(o[rows], u[rows], s[rows], fix_of[rows], n_fix)
    # further satellites whose line passes within the gate of a fix join it
    free = np.flatnonzero(~used)
    if free.size and n_fix:
        d = pos[None, :, :] - o[free, None, :]  # (f, g, 3)
        along = np.einsum("fgk,fk->fg", d, u[free])
        perp = d - along[..., None] * u[free, None, :]
        dd = np.einsum("fgk,fgk->fg", perp, perp)
        sig_fix = np.trace(cov, axis1=1, axis2=2) / 3.0  # per-axis variance of the fix
        var_j = (np.maximum(along, 0.0) * s[free, None]) ** 2 + sig_fix[None, :]
        d2j = np.where((along > 0) & good[None, :], dd / var_j, np.inf)
        # a satellite that already contributes to a fix cannot add a second line to it
        member_sats = np.zeros((n_fix, int(sat.max()) + 1), dtype=bool)
        member_sats[fix_of[rows], sat[rows]] = True
        d2j = np.where(member_sats[:, sat[free]].T, np.inf, d2j)
        best = np.argmin(d2j, axis=1)
        join = d2j[np.arange(free.size), best] <= gate_threshold(2, p_gate)
        fix_of[free[join]] = best[join]
        rows = np.flatnonzero(fix_of >= 0)
        pos, cov, good = triangulate(o[rows], u[rows], s[rows], fix_of[rows], n_fix)
    # two fixes of one object (its k ≥ 4 lines paired off separately) merge when
    # they agree within the χ²₃ gate and share no satellite
    if n_fix > 1:
        merged = _merge_fixes(pos, cov, good, fix_of, rows, sat, gate_threshold(3, p_gate))
        if merged is not None:
            fix_of = merged
            rows = np.flatnonzero(fix_of >= 0)
            n_fix = int(fix_of.max()) + 1
            pos, cov, good = triangulate(o[rows], u[rows], s[rows], fix_of[rows], n_fix)
    keep_fix = np.flatnonzero(good)
    remap = np.full(n_fix, -1, dtype=np.int64)
    remap[keep_fix] = np.arange(keep_fix.size)
    member_fix = remap[fix_of[rows]]
    sel = member_fix >= 0
    return Fixes(pos[keep_fix], cov[keep_fix], rows[sel], member_fix[sel])
