"""The χ² gate of one angles-only frame: every (track, satellite) at once.

A frame of a LEO tracking layer holds the lines of sight of hundreds of
satellites. The tracker associates each satellite's detections with the
predicted tracks on their own (a track takes at most one line per satellite),
so the gate is that of :func:`~shieldlab.tracking.associate.gated_pairs` per
satellite. Done satellite by satellite it costs a predicted measurement and
its Jacobian for every track × satellite and hundreds of small calls; here
the whole frame is gated in a few array passes:

1. a cheap bound per (track i, satellite c), blocks of satellites: the
   predicted (α, δ) of the track seen from the satellite (the formulas of
   :func:`~shieldlab.tracking.angles.measure_radec`, without the Jacobian)
   and box half-widths that cannot be smaller than the exact gate's. For the
   angles ‖∂α/∂r‖ = 1/ρ_xy and ‖∂δ/∂r‖ = 1/ρ (no velocity terms), so
   HPHᵀ_aa ≤ tr(P_rr)/ρ_xy² (α) and ≤ tr(P_rr)/ρ² (δ), and a pair inside
   the gate d² ≤ γ has |ν_a| ≤ √(γ S_aa) ≤ √(γ (bound + max_j R_j,aa)) on
   each axis (Cauchy–Schwarz in the S⁻¹ inner product; widened by 1e-6
   relative and 1e-9 rad for rounding);
2. sort and sweep on δ with the satellites' detections laid end to end
   (key δ + 4 c: the satellites' δ ranges do not overlap), then the α box
   (wrapped);
3. the exact Mahalanobis d², ln|S| of the surviving (track, satellite,
   detection) triples with the Jacobian's position block (the angles have no
   velocity columns) and the full covariance, H P Hᵀ written out per node.

The bound only removes pairs outside the gate, so the gated pairs are those of
the satellite-by-satellite gate and their d² agree with it to rounding (~1e-13).

:func:`fixes_gated_pairs` is the 3-D gate of the young tracks (one update, no
velocity yet) against the frame's triangulated fixes, for two-point initiation.
Frame: ECI; metres, angles rad.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from shieldlab.tracking.angles import measure_radec
from shieldlab.tracking.associate import gate_threshold, mahalanobis
from shieldlab.tracking.ekf import wrap_pi

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Track × satellite pairs per block of the cheap bound (memory ~ 20 × 8 B each).
BLOCK_PAIRS = 500_000
_SLACK = 1e-6
_SAT_SPAN = 4.0  # > π: the δ range [−π/2, π/2] of one satellite in the sweep key


def angles_gated_pairs(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    observer_of_col: F64,
    col: I64,
    p_gate: float,
) -> tuple[I64, I64, I64, F64, F64]:
    """Gated (track, satellite column, detection) triples of one angles-only frame.

    ``x (n, 6)``, ``P (n, 6, 6)`` predicted ECI track states; ``z (m, 2)`` (α, δ)
    and ``R (m, 2, 2)`` the detections; ``observer_of_col (S, 3)`` the ECI
    position [m] of each satellite column and ``col (m,)`` the column of each
    detection. Returns ``ti, ci, mj (K,)`` sorted by satellite column, then
    track, then detection, ``d2 (K,)`` and ``logdet (K,)`` = ln|S|, as the
    χ²₂ gate of :func:`~shieldlab.tracking.associate.gated_pairs` at
    ``p_gate`` satellite by satellite (α residuals wrapped).
    """
    n, m, n_col = x.shape[0], z.shape[0], observer_of_col.shape[0]
    none = np.empty(0, np.int64)
    if n == 0 or m == 0:
        return none, none.copy(), none.copy(), np.empty(0), np.empty(0)
    gamma = gate_threshold(2, p_gate)
    tr = np.trace(P[:, :3, :3], axis1=1, axis2=2)
    rmax = np.max(np.diagonal(R, axis1=-2, axis2=-1), axis=0)  # (2,)
    key = z[:, 1] + _SAT_SPAN * col
    order = np.argsort(key, kind="stable")
    ks = key[order]
    za = np.ascontiguousarray(z[:, 0])
    per = max(1, BLOCK_PAIRS // n)
    out_t, out_c, out_m = [], [], []
    for c0 in range(0, n_col, per):
        c1 = min(n_col, c0 + per)
        o = observer_of_col[c0:c1]
        d = x[None, :, :3] - o[:, None, :]  # (b, n, 3): satellite-major
        dx, dy, dz = d[..., 0], d[..., 1], d[..., 2]
        rxy2 = np.maximum(dx * dx + dy * dy, 1e-12)
        rxy = np.sqrt(rxy2)
        rho2 = rxy2 + dz * dz
        alpha = np.mod(np.arctan2(dy, dx), 2.0 * math.pi)
        delta = np.arctan2(dz, rxy)
        with np.errstate(invalid="ignore", over="ignore"):
            wa = np.sqrt(gamma * (tr[None, :] / rxy2 + rmax[0])) * (1.0 + _SLACK) + 1e-9
            wd = np.sqrt(gamma * (tr[None, :] / rho2 + rmax[1])) * (1.0 + _SLACK) + 1e-9
        live = np.isfinite(wa) & np.isfinite(wd) & np.isfinite(alpha) & np.isfinite(delta)
        q = delta + _SAT_SPAN * np.arange(c0, c1)[:, None]
        lo = np.searchsorted(ks, q - wd, side="left")
        hi = np.searchsorted(ks, q + wd, side="right")
        cnt = np.where(live, hi - lo, 0).ravel()
        total = int(cnt.sum())
        if total == 0:
            continue
        flat = np.repeat(np.arange(cnt.size), cnt)
        mj = np.repeat(lo.ravel() - (np.cumsum(cnt) - cnt), cnt)
        mj += np.arange(total)
        mj = order[mj]
        # |α residual| wrapped: min(|d|, 2π − |d|) for d in (−2π, 2π) (the value of
        # |wrap_pi(d)| to rounding, far inside the box's margin); the α box first,
        # then the satellite check on the few left
        nu_a = za[mj]
        nu_a -= alpha.ravel()[flat]
        np.abs(nu_a, out=nu_a)
        np.minimum(nu_a, 2.0 * math.pi - nu_a, out=nu_a)
        keep = nu_a <= wa.ravel()[flat]
        flat, mj = flat[keep], mj[keep]
        cb, ti = np.divmod(flat, n)
        ci = cb + c0
        keep = col[mj] == ci
        flat, mj, ti, ci = flat[keep], mj[keep], ti[keep], ci[keep]
        # by satellite, track (flat is), then detection: one integer key
        srt = np.argsort(flat * m + mj, kind="stable")
        out_t.append(ti[srt])
        out_c.append(ci[srt])
        out_m.append(mj[srt])
    if not out_t:
        return none, none.copy(), none.copy(), np.empty(0), np.empty(0)
    ti, ci, mj = np.concatenate(out_t), np.concatenate(out_c), np.concatenate(out_m)
    # exact gate: one Jacobian per distinct (track, satellite) node (consecutive runs)
    new_node = np.ones(ti.size, dtype=bool)
    new_node[1:] = (ti[1:] != ti[:-1]) | (ci[1:] != ci[:-1])
    inv = np.cumsum(new_node) - 1
    nt, nc = ti[new_node], ci[new_node]
    zhat, H = measure_radec(x[nt], observer_of_col[nc])
    s00, s01, s11 = _hph_2(H[:, :, :3], P[nt, :3, :3])
    nu = np.empty((mj.size, 2))
    nu[:, 0] = wrap_pi(za[mj] - zhat[inv, 0])
    nu[:, 1] = z[mj, 1] - zhat[inv, 1]
    s = np.empty((mj.size, 2, 2))
    s[:, 0, 0] = s00[inv] + R[mj, 0, 0]
    s[:, 1, 1] = s11[inv] + R[mj, 1, 1]
    s[:, 0, 1] = s01[inv] + R[mj, 0, 1]
    s[:, 1, 0] = s01[inv] + R[mj, 1, 0]
    d2, logdet = mahalanobis(nu, s)
    ok = np.isfinite(d2) & (d2 <= gamma)
    return ti[ok], ci[ok], mj[ok], d2[ok], logdet[ok]


def _hph_2(h: F64, p: F64) -> tuple[F64, F64, F64]:
    """The entries (0, 0), (0, 1) and (1, 1) of H P Hᵀ for ``h (n, 2, 3)`` and
    symmetric ``p (n, 3, 3)``: the angles' Jacobian has no velocity columns, so
    the position block is all of it; written out over the n nodes (no stacked
    6 × 6 matrix products)."""
    ph0 = p @ h[:, 0, :, None]  # (n, 3, 1): P h₀ᵀ
    ph1 = p @ h[:, 1, :, None]
    h0, h1 = h[:, 0], h[:, 1]
    s00 = h0[:, 0] * ph0[:, 0, 0] + h0[:, 1] * ph0[:, 1, 0] + h0[:, 2] * ph0[:, 2, 0]
    s01 = h0[:, 0] * ph1[:, 0, 0] + h0[:, 1] * ph1[:, 1, 0] + h0[:, 2] * ph1[:, 2, 0]
    s11 = h1[:, 0] * ph1[:, 0, 0] + h1[:, 1] * ph1[:, 1, 0] + h1[:, 2] * ph1[:, 2, 0]
    return s00, s01, s11


def fixes_gated_pairs(
    r: F64, P: F64, fix_pos: F64, fix_cov: F64, p_gate: float
) -> tuple[I64, I64, F64, F64]:
    """Young tracks × fixes inside the χ²₃ gate of their positions.

    ``r (n, 3)``, ``P (n, 3, 3)`` the predicted ECI positions and their
    covariances [m, m²]; ``fix_pos (k, 3)``, ``fix_cov (k, 3, 3)`` the frame's
    triangulated fixes. d² = νᵀ (P + C)⁻¹ ν, ν = fix − r. Candidates from a
    k-d tree of the fixes with a radius per track that no pair of the gate
    exceeds (|ν|² ≤ d² λ_max(P + C) ≤ γ (tr P + max tr C), widened by 1e-6).
    Returns ``ti, fj (K,)`` sorted by track, then fix, ``d2`` and
    ``logdet`` = ln|P + C|.
    """
    none = np.empty(0, np.int64)
    n, k = r.shape[0], fix_pos.shape[0]
    if n == 0 or k == 0:
        return none, none.copy(), np.empty(0), np.empty(0)
    gamma = gate_threshold(3, p_gate)
    c_max = float(np.max(np.trace(fix_cov, axis1=1, axis2=2)))
    with np.errstate(invalid="ignore"):
        radius = np.sqrt(gamma * (np.trace(P, axis1=1, axis2=2) + c_max)) * (1.0 + _SLACK)
    live = np.flatnonzero(np.isfinite(radius) & np.all(np.isfinite(r), axis=1))
    if live.size == 0:
        return none, none.copy(), np.empty(0), np.empty(0)
    hits = cKDTree(fix_pos).query_ball_point(r[live], radius[live] + 1.0)
    cnt = np.fromiter((len(h) for h in hits), np.int64, live.size)
    ti = np.repeat(live, cnt)
    fj = np.fromiter((j for h in hits for j in h), np.int64, int(cnt.sum()))
    o = np.lexsort((fj, ti))
    ti, fj = ti[o], fj[o]
    nu = fix_pos[fj] - r[ti]
    d2, logdet = mahalanobis(nu, P[ti] + fix_cov[fj])
    ok = np.isfinite(d2) & (d2 <= gamma)
    return ti[ok], fj[ok], d2[ok], logdet[ok]
