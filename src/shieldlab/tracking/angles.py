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
  Cost: the pair search visits all k² pairs, in blocks of rows (memory
  O(block)) with a matrix-product prefilter before the exact test; the merge
  finds its candidate fix pairs with a k-d tree (memory O(k)).

Frames and units: ECI, metres, radians. Angular noise σ per measurement row
is the isotropic line-of-sight error (σ_δ); σ_α = σ_δ / cos δ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from shieldlab.core.jit import grown, kernel
from shieldlab.tracking.associate import gate_threshold

F64 = NDArray[np.float64]
F32 = NDArray[np.float32]
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


def radec_updates(
    x: F64, P: F64, ti: I64, z: F64, R: F64, observer_eci_m: F64, iterations: int = 3
) -> F64:
    """Sequential iterated-EKF updates of tracks with angles-only lines, in place.

    Update ``e`` (in order) updates track ``ti[e]`` of ``x (n, 6)``, ``P (n, 6, 6)``
    (C-contiguous float64, written in place) with the line ``z[e] = (α, δ)``,
    ``R[e] (2, 2)`` seen from ``observer_eci_m[e] (3,)``: the Gauss–Newton
    iterations of :func:`~shieldlab.tracking.ekf.iekf_update` with the model
    of :func:`measure_radec` (α residual wrapped), Joseph-form covariance at the
    last linearisation, symmetrised. A track's several lines are applied one
    after the other in the order given. Returns the NIS of each update's prior
    innovation (K,). Compiled (:func:`_radec_update_rows`); agrees with
    :func:`~shieldlab.tracking.ekf.iekf_update` to rounding.
    """
    for name, a in (("x", x), ("P", P)):
        if a.dtype != np.float64 or not a.flags.c_contiguous or not a.flags.writeable:
            raise ValueError(
                f"radec_updates: {name} must be a writeable C-contiguous float64 array"
            )
    nis = np.empty(ti.size)
    _radec_update_rows(
        x,
        P,
        np.ascontiguousarray(ti, dtype=np.int64),
        np.ascontiguousarray(z, dtype=np.float64),
        np.ascontiguousarray(R, dtype=np.float64),
        np.ascontiguousarray(observer_eci_m, dtype=np.float64),
        max(int(iterations), 1),
        nis,
    )
    return nis


@kernel
def _radec_update_rows(
    x: F64, P: F64, ti: I64, z: F64, R: F64, obs: F64, iterations: int, nis: F64
) -> None:
    """:func:`radec_updates` update by update (a compiled kernel). The Jacobian has
    no velocity columns: P Hᵀ reads P's first three columns."""
    two_pi = 2.0 * math.pi
    x0 = np.empty(6)
    xi = np.empty(6)
    ph = np.empty((6, 2))
    k = np.empty((6, 2))
    ikh = np.empty((6, 6))
    a = np.empty((6, 6))
    for e in range(ti.size):
        i = ti[e]
        for r in range(6):
            x0[r] = x[i, r]
            xi[r] = x[i, r]
        h00 = h01 = h10 = h11 = h12 = 0.0
        for it in range(iterations):
            dx, dy, dz = xi[0] - obs[e, 0], xi[1] - obs[e, 1], xi[2] - obs[e, 2]
            rxy2 = max(dx * dx + dy * dy, 1e-12)
            rxy = math.sqrt(rxy2)
            rho2 = rxy2 + dz * dz
            za = math.atan2(dy, dx) % two_pi
            zd = math.atan2(dz, rxy)
            h00, h01 = -dy / rxy2, dx / rxy2
            h10, h11, h12 = -dx * dz / (rho2 * rxy), -dy * dz / (rho2 * rxy), rxy / rho2
            d0, d1, d2 = x0[0] - xi[0], x0[1] - xi[1], x0[2] - xi[2]
            nu0 = z[e, 0] - za - (h00 * d0 + h01 * d1)
            nu1 = z[e, 1] - zd - (h10 * d0 + h11 * d1 + h12 * d2)
            nu0 = -((-nu0 + math.pi) % two_pi) + math.pi
            for r in range(6):  # P Hᵀ
                ph[r, 0] = P[i, r, 0] * h00 + P[i, r, 1] * h01
                ph[r, 1] = P[i, r, 0] * h10 + P[i, r, 1] * h11 + P[i, r, 2] * h12
            s00 = h00 * ph[0, 0] + h01 * ph[1, 0] + R[e, 0, 0]
            s01 = h00 * ph[0, 1] + h01 * ph[1, 1] + R[e, 0, 1]
            s10 = h10 * ph[0, 0] + h11 * ph[1, 0] + h12 * ph[2, 0] + R[e, 1, 0]
            s11 = h10 * ph[0, 1] + h11 * ph[1, 1] + h12 * ph[2, 1] + R[e, 1, 1]
            det = s00 * s11 - s01 * s10
            i00, i01, i10, i11 = s11 / det, -s01 / det, -s10 / det, s00 / det
            for r in range(6):
                k[r, 0] = ph[r, 0] * i00 + ph[r, 1] * i10
                k[r, 1] = ph[r, 0] * i01 + ph[r, 1] * i11
            if it == 0:
                nis[e] = nu0 * (i00 * nu0 + i01 * nu1) + nu1 * (i10 * nu0 + i11 * nu1)
            for r in range(6):
                xi[r] = x0[r] + (k[r, 0] * nu0 + k[r, 1] * nu1)
        for r in range(6):  # I − K H (H's velocity columns are zero)
            for c in range(6):
                ikh[r, c] = 1.0 if r == c else 0.0
            ikh[r, 0] -= k[r, 0] * h00 + k[r, 1] * h10
            ikh[r, 1] -= k[r, 0] * h01 + k[r, 1] * h11
            ikh[r, 2] -= k[r, 1] * h12
        for r in range(6):  # a = (I − K H) P
            for c in range(6):
                acc = 0.0
                for q in range(6):
                    acc += ikh[r, q] * P[i, q, c]
                a[r, c] = acc
        kr0, kr1 = R[e, 0, 0], R[e, 1, 1]
        for r in range(6):  # P = a (I − K H)ᵀ + K R Kᵀ, symmetrised
            for c in range(r, 6):
                acc = 0.0
                for q in range(6):
                    acc += a[r, q] * ikh[c, q]
                acc2 = 0.0
                for q in range(6):
                    acc2 += a[c, q] * ikh[r, q]
                kk = k[r, 0] * (kr0 * k[c, 0] + R[e, 0, 1] * k[c, 1]) + k[r, 1] * (
                    R[e, 1, 0] * k[c, 0] + kr1 * k[c, 1]
                )
                kk2 = k[c, 0] * (kr0 * k[r, 0] + R[e, 0, 1] * k[r, 1]) + k[c, 1] * (
                    R[e, 1, 0] * k[r, 0] + kr1 * k[r, 1]
                )
                v = 0.5 * ((acc + kk) + (acc2 + kk2))
                P[i, r, c] = v
                P[i, c, r] = v
        for r in range(6):
            x[i, r] = xi[r]


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


def empty_fixes() -> Fixes:
    e = np.empty(0, np.int64)
    return Fixes(np.empty((0, 3)), np.empty((0, 3, 3)), e, e.copy())


_BLOCK = 1 << 20
"""Pair rows evaluated per block in :func:`find_fixes` (bounds its memory)."""


def _row_blocks(k: int, per_row: I64) -> list[tuple[int, int]]:
    """Consecutive row ranges [i0, i1) of about ``_BLOCK`` pair rows each."""
    ends = np.cumsum(per_row)
    out: list[tuple[int, int]] = []
    i0 = 0
    while i0 < k:
        base = ends[i0 - 1] if i0 else 0
        i1 = int(np.searchsorted(ends, base + _BLOCK, side="right"))
        i1 = min(max(i1, i0 + 1), k)
        out.append((i0, i1))
        i0 = i1
    return out


@kernel
def _gate_block(
    tri: F32,
    dot: F32,
    i0: int,
    g2: F32,
    size: F32,
    sat: I64,
    oc: F64,
    uc: F64,
    s: F64,
    par: F64,
    out_i: I64,
    out_j: I64,
    out_d: F64,
    n_out: int,
) -> tuple[I64, I64, F64, int]:
    """The pairs (i, j) in the gate among rows i0.. of one block (row-major order),
    appended to ``out_*`` (grown as needed) after ``n_out`` pairs.

    ``tri``, ``dot`` (rows, k − i0 − 1): u_j·L_i + u_i·L_j and u_i·u_j in single
    precision (matrix products, column c is line i0 + 1 + c). Per pair i < j
    from two satellites, the superset test of :func:`_gated_pairs` in single
    precision, then, where it passes, the exact test in double precision with
    :func:`closest_approach`'s operations in its order (``oc``, ``uc`` (3, k)
    lines by component; ``par``: gate1, min sin θ, max range).
    """
    gate1, min_sin, max_range = par[0], par[1], par[2]
    thr = np.float32(min_sin * min_sin - 1e-4)
    one, zero, two, tiny = np.float32(1.0), np.float32(0.0), np.float32(2.0), np.float32(1e-10)
    for r in range(tri.shape[0]):
        i = i0 + r
        for c in range(r, tri.shape[1]):
            j = i0 + 1 + c
            if sat[i] == sat[j]:
                continue
            t = tri[r, c]
            b32 = dot[r, c]
            den32 = one - b32 * b32
            if not den32 >= thr:
                continue
            den32 = max(den32, zero)
            slack = size[i] + size[j]
            bound2 = ((g2[i] + g2[j]) * den32 + slack * slack * tiny) * two
            if not t * t <= bound2:
                continue
            wx, wy, wz = oc[0, i] - oc[0, j], oc[1, i] - oc[1, j], oc[2, i] - oc[2, j]
            ux1, uy1, uz1 = uc[0, i], uc[1, i], uc[2, i]
            ux2, uy2, uz2 = uc[0, j], uc[1, j], uc[2, j]
            b = ux1 * ux2 + uy1 * uy2 + uz1 * uz2
            d = ux1 * wx + uy1 * wy + uz1 * wz
            e = ux2 * wx + uy2 * wy + uz2 * wz
            den = 1.0 - b * b
            s1 = (b * e - d) / den
            s2 = (e - b * d) / den
            px = (oc[0, i] + s1 * ux1) - (oc[0, j] + s2 * ux2)
            py = (oc[1, i] + s1 * uy1) - (oc[1, j] + s2 * uy2)
            pz = (oc[2, i] + s1 * uz1) - (oc[2, j] + s2 * uz2)
            dist = math.sqrt(px * px + py * py + pz * pz)
            sin_par = math.sqrt(max(den, 0.0))
            a1, a2 = s1 * s[i], s2 * s[j]
            d2 = dist * dist / (a1 * a1 + a2 * a2)
            if not (
                math.isfinite(d2)
                and d2 <= gate1
                and s1 > 0.0
                and s2 > 0.0
                and s1 < max_range
                and s2 < max_range
                and sin_par >= min_sin
            ):
                continue
            if n_out == out_i.size:
                out_i, out_j = grown(out_i, 2 * n_out), grown(out_j, 2 * n_out)
                out_d = grown(out_d, 2 * n_out)
            out_i[n_out], out_j[n_out], out_d[n_out] = i, j, d2
            n_out += 1
    return out_i, out_j, out_d, n_out


def _gated_pairs(
    o: F64, u: F64, s: F64, sat: I64, gate1: float, min_sin: float, max_range_m: float
) -> tuple[I64, I64, F64]:
    """Pairs i < j (row-major order) of lines from different satellites in the gate.

    The pairs of all k rows, in blocks of rows so that memory stays
    O(``_BLOCK``) rather than O(k²). Per block, a superset in single precision:
    the distance of two lines is |u_j·L_i + u_i·L_j| / sin θ (L = o × u the
    Plücker moments; ``a6`` = [L, u] and ``b6`` = [u, L] per line, so the
    triple products of a block are one matrix product; ``size``: |o| + |L|;
    sin² θ = 1 − (u_i·u_j)²); the gate needs it ≤ √(gate1 ((s₁σ_i)² +
    (s₂σ_j)²)) < √(gate1 (σ_i² + σ_j²)) · max_r, so ``g2`` = gate1 (σ max_r)²
    (with a 10⁻⁴ margin). Margins 10⁻⁴ relative, 10⁻⁴ on sin² θ and 10⁻⁵ of the
    sizes (≈ 300 m for LEO, against rounding of ~10⁻⁶ of the sizes). The
    exact test of the candidates in double precision follows in the same
    compiled pass (:func:`_gate_block`): the values of one pass of
    :func:`closest_approach` over all pairs.
    """
    k = o.shape[0]
    lm = np.cross(o, u)  # Plücker moments of the lines
    size = (np.linalg.norm(o, axis=-1) + np.linalg.norm(lm, axis=-1)).astype(np.float32)
    u32 = np.ascontiguousarray(u, dtype=np.float32)
    a6 = np.concatenate([lm, u], axis=1).astype(np.float32)
    b6 = np.concatenate([u, lm], axis=1).astype(np.float32)
    g2 = (s * s * gate1 * (max_range_m * 1.0001) ** 2).astype(np.float32)
    oc, uc = np.ascontiguousarray(o.T), np.ascontiguousarray(u.T)
    par = np.array([gate1, min_sin, max_range_m])
    out_i, out_j, out_d, n = np.empty(1024, np.int64), np.empty(1024, np.int64), np.empty(1024), 0
    sat = np.ascontiguousarray(sat, dtype=np.int64)
    s = np.ascontiguousarray(s, dtype=np.float64)
    for i0, i1 in _row_blocks(k, np.full(k, k, dtype=np.int64)):
        tri = a6[i0:i1] @ b6[i0 + 1 :].T
        dot = u32[i0:i1] @ u32[i0 + 1 :].T
        out_i, out_j, out_d, n = _gate_block(
            tri, dot, i0, g2, size, sat, oc, uc, s, par, out_i, out_j, out_d, n
        )
    return out_i[:n].copy(), out_j[:n].copy(), out_d[:n].copy()


@kernel
def _sats_share(a: I64, b: I64, starts: I64, sats_sorted: I64) -> NDArray[np.bool_]:
    """Whether fixes a[p] and b[p] have a satellite in common, per pair p: a walk
    along both fixes' satellites, ``sats_sorted[starts[f]:starts[f + 1]]``
    (ascending within each fix)."""
    out = np.zeros(a.size, np.bool_)
    for p in range(a.size):
        i, i_end = starts[a[p]], starts[a[p] + 1]
        j, j_end = starts[b[p]], starts[b[p] + 1]
        while i < i_end and j < j_end:
            if sats_sorted[i] == sats_sorted[j]:
                out[p] = True
                break
            if sats_sorted[i] < sats_sorted[j]:
                i += 1
            else:
                j += 1
    return out


@kernel
def _fixes_agree(
    lo: I64, hi: I64, pos: F64, cov: F64, radius: F64, gate3: float
) -> NDArray[np.bool_]:
    """Whether each candidate pair of fixes (lo, hi) agrees: |d| within the larger of
    the two radii, then dᵀ(P_lo + P_hi + 10⁻⁶ I)⁻¹d ≤ ``gate3`` (a 3 × 3 solve by
    Gaussian elimination with partial pivoting, as LAPACK's; d² differs from
    ``np.linalg.solve``'s by rounding, which decides nothing but a pair within
    ~10⁻¹⁵ of the gate)."""
    out = np.zeros(lo.size, np.bool_)
    m = np.empty((3, 4))
    for p in range(lo.size):
        a, b = lo[p], hi[p]
        d0, d1, d2_ = pos[a, 0] - pos[b, 0], pos[a, 1] - pos[b, 1], pos[a, 2] - pos[b, 2]
        if math.sqrt(d0 * d0 + d1 * d1 + d2_ * d2_) > max(radius[a], radius[b]):
            continue
        for r in range(3):
            for c in range(3):
                m[r, c] = cov[a, r, c] + cov[b, r, c] + (1e-6 if r == c else 0.0)
        m[0, 3], m[1, 3], m[2, 3] = d0, d1, d2_
        singular = False
        for c in range(3):
            piv = c
            for r in range(c + 1, 3):
                if abs(m[r, c]) > abs(m[piv, c]):
                    piv = r
            if m[piv, c] == 0.0:
                singular = True
                break
            if piv != c:
                for q in range(4):
                    m[c, q], m[piv, q] = m[piv, q], m[c, q]
            for r in range(c + 1, 3):
                f = m[r, c] / m[c, c]
                for q in range(c, 4):
                    m[r, q] -= f * m[c, q]
        if singular:
            continue
        x2 = m[2, 3] / m[2, 2]
        x1 = (m[1, 3] - m[1, 2] * x2) / m[1, 1]
        x0 = (m[0, 3] - m[0, 1] * x1 - m[0, 2] * x2) / m[0, 0]
        out[p] = d0 * x0 + d1 * x1 + d2_ * x2 <= gate3
    return out


def _merge_fixes(
    pos: F64, cov: F64, good: NDArray[np.bool_], fix_of: I64, rows: I64, sat: I64, gate3: float
) -> I64 | None:
    """New fix index per detection after merging compatible fixes (None: no merge).

    Candidate pairs a < b (both good) agree within the χ²₃ gate,
    dᵀ(Pₐ + P_b + 10⁻⁶ I)⁻¹d ≤ gate3, and share no satellite. They are found with
    a k-d tree: such a pair lies within r = √(gate3 (2 tr P + 10⁻⁶)) of the fix
    with the larger trace, so the tree's pairs within the largest r are kept
    where their distance is within the larger of their two radii, and then tested
    exactly (compiled, :func:`_fixes_agree`). They are merged in order (a, b),
    each merge only between groups that share no satellite
    (:func:`_sats_share`, :func:`_merge_in_order`).
    """
    n_fix = pos.shape[0]
    gi = np.flatnonzero(good)
    if gi.size < 2:
        return None
    tr = np.trace(cov[gi], axis1=1, axis2=2)
    radius = np.sqrt(gate3 * (2.0 * np.maximum(tr, 0.0) + 1e-6)) * (1.0 + 1e-9) + 1e-9
    pairs = cKDTree(pos[gi]).query_pairs(float(radius.max()), output_type="ndarray")
    if not pairs.shape[0]:
        return None
    lo, hi = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    ok = _fixes_agree(
        lo, hi, np.ascontiguousarray(pos[gi]), np.ascontiguousarray(cov[gi]), radius, gate3
    )
    if not ok.any():
        return None
    key = np.sort(lo[ok] * gi.size + hi[ok])  # query_pairs gives lo < hi
    a, b = gi[key // gi.size], gi[key % gi.size]  # a < b, row-major order
    n_sat = int(sat.max()) + 1
    fkey = np.unique(fix_of[rows] * n_sat + sat[rows])  # (fix, satellite) pairs
    f_of, s_of = fkey // n_sat, fkey % n_sat
    starts = np.searchsorted(f_of, np.arange(n_fix + 1))
    share = _sats_share(a, b, starts, s_of)
    a, b = a[~share], b[~share]
    if not a.size:
        return None
    _, compact = np.unique(_merge_in_order(a, b, n_fix, starts, s_of), return_inverse=True)
    out = fix_of.copy()
    out[rows] = compact[fix_of[rows]]
    return out


def _merge_in_order(a: I64, b: I64, n_fix: int, starts: I64, s_of: I64) -> I64:
    """Group label of each of the ``n_fix`` fixes after merging the candidate pairs
    (a, b) in order, each merge only between two groups that share no satellite
    (``s_of[starts[f]:starts[f + 1]]``: the satellites of fix f).

    Sequential by nature (a merge changes which later pairs may merge): a
    compiled pass over the pairs (:func:`_merge_rows`), each group's satellites a
    bit set of 64-bit words, its members a linked list."""
    sats, code = np.unique(s_of, return_inverse=True)
    return _merge_rows(
        np.ascontiguousarray(a, dtype=np.int64),
        np.ascontiguousarray(b, dtype=np.int64),
        n_fix,
        np.ascontiguousarray(starts, dtype=np.int64),
        code.astype(np.int64),
        (sats.size + 63) // 64,
    )


@kernel
def _merge_rows(a: I64, b: I64, n_fix: int, starts: I64, code: I64, words: int) -> I64:
    """:func:`_merge_in_order` (a compiled kernel): ``code`` the satellites as 0..S−1."""
    label = np.arange(n_fix)
    mask = np.zeros((n_fix, max(words, 1)), np.uint64)
    one = np.uint64(1)
    for f in range(n_fix):
        for q in range(starts[f], starts[f + 1]):
            mask[f, code[q] // 64] |= one << np.uint64(code[q] % 64)
    nxt = np.full(n_fix, -1)  # members of a group: a linked list from its label
    last = np.arange(n_fix)
    for p in range(a.size):
        la, lb = label[a[p]], label[b[p]]
        if la == lb:
            continue
        share = False
        for w in range(words):
            if mask[la, w] & mask[lb, w]:
                share = True
                break
        if share:
            continue
        f = lb  # relabel lb's members, append them to la's list
        while f != -1:
            label[f] = la
            f = nxt[f]
        nxt[last[la]] = lb
        last[la] = last[lb]
        for w in range(words):
            mask[la, w] |= mask[lb, w]
    return label


def _join_free(
    pos: F64,
    cov: F64,
    good: NDArray[np.bool_],
    o: F64,
    u: F64,
    s: F64,
    sat_free: I64,
    fix_of: I64,
    rows: I64,
    sat: I64,
    p_gate: float,
) -> tuple[I64, NDArray[np.bool_]]:
    """Nearest fix of each free line (f,) and whether it passes the χ²₂ gate.

    Blocks of free lines against all g fixes, O(``_BLOCK``) memory.
    """
    n_fix = pos.shape[0]
    sig_fix = np.trace(cov, axis1=1, axis2=2) / 3.0  # per-axis variance of the fix
    # a satellite that already contributes to a fix cannot add a second line to it
    member_sats = np.zeros((n_fix, int(sat.max()) + 1), dtype=bool)
    member_sats[fix_of[rows], sat[rows]] = True
    gate2 = gate_threshold(2, p_gate)
    f = o.shape[0]
    best = np.zeros(f, dtype=np.int64)
    join = np.zeros(f, dtype=bool)
    step = max(1, _BLOCK // max(n_fix, 1))
    for f0 in range(0, f, step):
        sl = slice(f0, min(f0 + step, f))
        d = pos[None, :, :] - o[sl, None, :]  # (fb, g, 3)
        along = np.einsum("fgk,fk->fg", d, u[sl])
        perp = d - along[..., None] * u[sl, None, :]
        dd = np.einsum("fgk,fgk->fg", perp, perp)
        var_j = (np.maximum(along, 0.0) * s[sl, None]) ** 2 + sig_fix[None, :]
        d2j = np.where((along > 0) & good[None, :], dd / var_j, np.inf)
        d2j = np.where(member_sats[:, sat_free[sl]].T, np.inf, d2j)
        b = np.argmin(d2j, axis=1)
        best[sl] = b
        join[sl] = d2j[np.arange(b.size), b] <= gate2
    return best, join


def _stable_argsort(x: F64) -> I64:
    """``np.argsort(x, kind="stable")`` of values ≥ 0 (not NaN, not −0), faster: the
    stable sort of their IEEE bit patterns as unsigned integers, which order as
    the non-negative doubles do (numpy's integer sort is about 2.7 times faster
    than its stable float sort on a few million d²)."""
    return np.argsort(np.ascontiguousarray(x, dtype=np.float64).view(np.uint64), kind="stable")


_GREEDY_BATCH = 32
"""The greedy matching sorts the smallest 1/32 of the pairs still open at a time."""


def _greedy_pairs(i: I64, j: I64, d2: F64, k: int) -> tuple[I64, I64]:
    """The pairs (i, j) taken in order of increasing d² (stable), each of the ``k``
    rows once — in that order: the sequential greedy matching.

    In batches: the pairs with d² up to the 1/``_GREEDY_BATCH`` quantile of those
    still open are sorted (stable) and passed over in order (compiled,
    :func:`_greedy_rows`); the pairs beyond with a row now taken are dropped
    (the greedy pass would skip them), and the next batch is drawn from the rest,
    still in input order. Every pair of a batch precedes every later pair in the
    full stable order, so the pairs taken are those of one pass over all pairs
    sorted; most rows are taken by the first batches, so most pairs are never
    sorted.
    """
    used = np.zeros(k, np.bool_)
    out_i: list[I64] = []
    out_j: list[I64] = []
    open_ = np.arange(i.size)
    while open_.size:
        if open_.size <= 4 * _GREEDY_BATCH:
            batch, open_ = open_, open_[:0]
        else:
            dv = d2[open_]
            q = open_.size // _GREEDY_BATCH
            cut = np.partition(dv, q)[q]
            low = dv <= cut
            batch, open_ = open_[low], open_[~low]
        order = batch[_stable_argsort(d2[batch])]
        pi, pj = np.ascontiguousarray(i[order]), np.ascontiguousarray(j[order])
        take = _greedy_rows(pi, pj, used)
        out_i.append(pi[take])
        out_j.append(pj[take])
        if open_.size:
            open_ = open_[_both_free(i[open_], j[open_], used)]
    if not out_i:
        return i[:0], j[:0]
    return np.concatenate(out_i), np.concatenate(out_j)


@kernel
def _greedy_rows(pi: I64, pj: I64, used: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether each pair, in the given order, is taken: both its rows still free
    (``used``, updated in place)."""
    take = np.zeros(pi.size, np.bool_)
    for p in range(pi.size):
        if not used[pi[p]] and not used[pj[p]]:
            take[p] = True
            used[pi[p]] = True
            used[pj[p]] = True
    return take


@kernel
def _both_free(pi: I64, pj: I64, used: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether both rows of each pair are still free."""
    out = np.empty(pi.size, np.bool_)
    for p in range(pi.size):
        out[p] = not used[pi[p]] and not used[pj[p]]
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
        return empty_fixes()
    gate1 = gate_threshold(1, p_gate)
    i, j, d2 = _gated_pairs(o, u, s, sat, gate1, math.sin(min_parallax_rad), max_range_m)
    if not i.size:
        return empty_fixes()
    first, second = _greedy_pairs(i, j, d2, k)
    n_fix = first.size
    used = np.zeros(k, dtype=bool)
    used[first] = used[second] = True
    fix_of = np.full(k, -1, dtype=np.int64)
    fix_of[first] = fix_of[second] = np.arange(n_fix)
    rows = np.flatnonzero(fix_of >= 0)
    pos, cov, good = triangulate(o[rows], u[rows], s[rows], fix_of[rows], n_fix)
    # further satellites whose line passes within the gate of a fix join it
    free = np.flatnonzero(~used)
    if free.size and n_fix:
        best, join = _join_free(
            pos, cov, good, o[free], u[free], s[free], sat[free], fix_of, rows, sat, p_gate
        )
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
