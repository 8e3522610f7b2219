"""The χ² gate of one angles-only frame: every (track, satellite) at once.

A frame of a LEO tracking layer holds the lines of sight of hundreds of
satellites. The tracker associates each satellite's detections with the
predicted tracks on their own (a track takes at most one line per satellite),
so the gate is that of :func:`~shieldlab.tracking.associate.gated_pairs` per
satellite. Done satellite by satellite it costs a predicted measurement and
its Jacobian for every track × satellite; here the whole frame is gated in
one compiled kernel (:func:`_gate_frame`) that does that work only where a
pair can be inside the gate:

1. **Groups of tracks against a satellite's cone.** The tracks are grouped by
   :data:`CELL_M` cells of ECI position (centre g, radius ρ of each group);
   each satellite's detections span a cone (axis a, half-angle θ about their
   mean line of sight). A pair inside the gate has its α and δ residuals
   inside the box below, so its line of sight is within w_α + w_δ of the
   detection's (the arc of the parallel, cos δ |Δα|, then the arc of the
   meridian), hence within θ + w_α + w_δ of a; every track of the group is
   within asin(ρ/D) of the direction to g (D = |g − o|). A group whose
   direction from the satellite is farther from a than θ + asin(ρ/D) + its
   largest box widths is skipped as a whole; so is a group none of whose
   tracks can have a line of the satellite in its δ box (a track's δ is within
   asin(ρ/D) of the centre's: a latitude difference is at most the arc).
2. **Box per pair**, as before: the predicted (α, δ) of the track seen from
   the satellite and box half-widths that cannot be smaller than the exact
   gate's. For the angles ‖∂α/∂r‖ = 1/ρ_xy and ‖∂δ/∂r‖ = 1/ρ (no velocity
   terms), so HPHᵀ_aa ≤ tr(P_rr)/ρ_xy² (α) and ≤ tr(P_rr)/ρ² (δ), and a pair
   inside the gate d² ≤ γ has |ν_a| ≤ √(γ S_aa) ≤ √(γ (bound + max_j R_j,aa))
   on each axis (Cauchy–Schwarz in the S⁻¹ inner product; widened by 1e-6
   relative and 1e-9 rad for rounding). The satellite's detections are
   sorted by δ: a binary search finds those in the δ box, then the α box
   (wrapped).
3. **The exact Mahalanobis d²**, ln|S| of the pairs left, with the
   Jacobian's position block (the angles have no velocity columns), H P Hᵀ
   written out, S's Cholesky factor as in
   :func:`~shieldlab.tracking.associate.mahalanobis`.

The bounds only remove pairs outside the gate, so the gated pairs are those of
the satellite-by-satellite gate and their d² agree with it to rounding (~1e-13;
libm's atan2 against numpy's).

:func:`fixes_gated_pairs` is the 3-D gate of the young tracks (one update, no
velocity yet) against the frame's triangulated fixes, for two-point initiation.
Frame: ECI; metres, angles rad.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from shieldlab.core.jit import grown, kernel
from shieldlab.tracking.associate import gate_threshold, mahalanobis

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Edge of the ECI position cells that group the tracks for the cone test [m].
CELL_M = 200e3
_SLACK = 1e-6


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
    detection (0 ≤ col < S). Returns ``ti, ci, mj (K,)`` sorted by satellite
    column, then track, then detection, ``d2 (K,)`` and ``logdet (K,)`` = ln|S|,
    as the χ²₂ gate of :func:`~shieldlab.tracking.associate.gated_pairs` at
    ``p_gate`` satellite by satellite (α residuals wrapped).
    """
    n, m, n_col = x.shape[0], z.shape[0], observer_of_col.shape[0]
    none = np.empty(0, np.int64)
    if n == 0 or m == 0:
        return none, none.copy(), none.copy(), np.empty(0), np.empty(0)
    gamma = gate_threshold(2, p_gate)
    r = np.ascontiguousarray(x[:, :3])
    prr = np.ascontiguousarray(P[:, :3, :3])
    tr = np.trace(prr, axis1=1, axis2=2)
    rmax = np.max(np.diagonal(R, axis1=-2, axis2=-1), axis=0)  # (2,)
    # tracks by cell (finite positions and traces only: the others gate nothing)
    live = np.flatnonzero(np.all(np.isfinite(r), axis=1) & np.isfinite(tr))
    cell = np.floor(r[live] / CELL_M).astype(np.int64)
    o = np.lexsort((cell[:, 2], cell[:, 1], cell[:, 0]))
    by_cell, cs = live[o], cell[o]
    cut = np.flatnonzero(np.any(cs[1:] != cs[:-1], axis=1)) + 1
    group_start = np.concatenate([[0], cut, [by_cell.size]]).astype(np.int64)
    # detections by satellite column, then δ
    det = np.lexsort((z[:, 1], col))
    col_start = np.searchsorted(col[det], np.arange(n_col + 1)).astype(np.int64)
    ti, ci, mj, d2, logdet = _gate_frame(
        r,
        prr,
        tr,
        by_cell,
        group_start,
        np.ascontiguousarray(z, dtype=np.float64),
        np.ascontiguousarray(R, dtype=np.float64),
        np.ascontiguousarray(observer_of_col, dtype=np.float64),
        det,
        col_start,
        float(rmax[0]),
        float(rmax[1]),
        gamma,
    )
    return ti, ci, mj, d2, logdet


@kernel
def _gate_frame(
    r: F64,
    prr: F64,
    tr: F64,
    by_cell: I64,
    group_start: I64,
    z: F64,
    R: F64,
    obs: F64,
    det: I64,
    col_start: I64,
    ra0: float,
    ra1: float,
    gamma: float,
) -> tuple[I64, I64, I64, F64, F64]:
    """The gated (track, column, detection) triples of the frame, their d² and ln|S|:
    steps 1 to 3 of the module docstring (a compiled kernel), sorted by column,
    track, then detection. ``by_cell`` the live tracks grouped, group g
    ``by_cell[group_start[g]:group_start[g + 1]]``; ``det`` the detections by
    column, then δ, column c's ``det[col_start[c]:col_start[c + 1]]``."""
    two_pi = 2.0 * math.pi
    n_g = group_start.size - 1
    n_col = col_start.size - 1
    # each group's centre, radius and largest trace
    gc = np.zeros((n_g, 3))
    grad = np.zeros(n_g)
    gtr = np.zeros(n_g)
    for g in range(n_g):
        a, b = group_start[g], group_start[g + 1]
        for q in range(a, b):
            for k in range(3):
                gc[g, k] += r[by_cell[q], k]
        for k in range(3):
            gc[g, k] /= b - a
        for q in range(a, b):
            i = by_cell[q]
            e0, e1, e2 = r[i, 0] - gc[g, 0], r[i, 1] - gc[g, 1], r[i, 2] - gc[g, 2]
            grad[g] = max(grad[g], math.sqrt(e0 * e0 + e1 * e1 + e2 * e2))
            gtr[g] = max(gtr[g], tr[i])
        grad[g] = grad[g] * (1.0 + _SLACK) + 1e-3
    # the detections' δ, α and R in column-then-δ order (read in that order)
    zd = np.empty(det.size)
    za = np.empty(det.size)
    rq = np.empty((det.size, 4))
    for q in range(det.size):
        j = det[q]
        zd[q], za[q] = z[j, 1], z[j, 0]
        rq[q, 0], rq[q, 1], rq[q, 2], rq[q, 3] = R[j, 0, 0], R[j, 0, 1], R[j, 1, 0], R[j, 1, 1]
    cap = 4096
    out_t = np.empty(cap, np.int64)
    out_c = np.empty(cap, np.int64)
    out_m = np.empty(cap, np.int64)
    out_d2 = np.empty(cap)
    out_ld = np.empty(cap)
    k_out = k_col = 0
    sg = math.sqrt(gamma)
    m_det = z.shape[0]
    for c in range(n_col):
        _sort_segment(out_t, out_m, out_d2, out_ld, k_col, k_out, m_det)  # previous column
        k_col = k_out
        lo, hi = col_start[c], col_start[c + 1]
        if lo == hi:
            continue
        ox, oy, oz = obs[c, 0], obs[c, 1], obs[c, 2]
        # the cone of the column's lines of sight: mean direction, largest angle
        ax = ay = az = 0.0
        for q in range(lo, hi):
            j = det[q]
            cd = math.cos(z[j, 1])
            ax += cd * math.cos(z[j, 0])
            ay += cd * math.sin(z[j, 0])
            az += math.sin(z[j, 1])
        an = math.sqrt(ax * ax + ay * ay + az * az)
        theta = math.pi
        if an > 1e-9:
            ax, ay, az = ax / an, ay / an, az / an
            cmin = 1.0
            for q in range(lo, hi):
                j = det[q]
                cd = math.cos(z[j, 1])
                dot = cd * math.cos(z[j, 0]) * ax + cd * math.sin(z[j, 0]) * ay
                cmin = min(cmin, dot + math.sin(z[j, 1]) * az)
            theta = math.acos(max(-1.0, min(1.0, cmin))) + 1e-9
        for g in range(n_g):
            # step 1: the group against the column's cone and its δ range
            dx, dy, dz = gc[g, 0] - ox, gc[g, 1] - oy, gc[g, 2] - oz
            dd = math.sqrt(dx * dx + dy * dy + dz * dz)
            if dd > grad[g]:
                half = math.asin(grad[g] / dd)  # every track within this of the centre
                rho_lb = dd - grad[g]
                wd = sg * math.sqrt(gtr[g] / (rho_lb * rho_lb) + ra1) * (1.0 + _SLACK) + 1e-9
                dg = math.atan2(dz, math.sqrt(dx * dx + dy * dy))
                a = np.searchsorted(zd[lo:hi], dg - half - wd - 1e-9, side="left")
                b = np.searchsorted(zd[lo:hi], dg + half + wd + 1e-9, side="right")
                if a >= b:
                    continue  # no line of the column within the group's δ box
                rxy_lb = math.sqrt(dx * dx + dy * dy) - grad[g]
                if theta < math.pi and rxy_lb > 0.0:
                    w = sg * math.sqrt(gtr[g] / (rxy_lb * rxy_lb) + ra0) * (1.0 + _SLACK) + wd
                    lim = theta + half + w + 1e-8
                    if lim < math.pi and (dx * ax + dy * ay + dz * az) < dd * math.cos(lim):
                        continue
            for q in range(group_start[g], group_start[g + 1]):  # step 2: each pair
                i = by_cell[q]
                dx, dy, dz = r[i, 0] - ox, r[i, 1] - oy, r[i, 2] - oz
                rxy2 = max(dx * dx + dy * dy, 1e-12)
                rxy = math.sqrt(rxy2)
                rho2 = rxy2 + dz * dz
                wd = sg * math.sqrt(tr[i] / rho2 + ra1) * (1.0 + _SLACK) + 1e-9
                delta = math.atan2(dz, rxy)
                a = lo + np.searchsorted(zd[lo:hi], delta - wd, side="left")
                b = lo + np.searchsorted(zd[lo:hi], delta + wd, side="right")
                if a >= b:
                    continue
                wa = sg * math.sqrt(tr[i] / rxy2 + ra0) * (1.0 + _SLACK) + 1e-9
                alpha = math.atan2(dy, dx) % two_pi
                node = False  # H P Hᵀ of this (track, satellite), once it is needed
                s00 = s01 = s11 = 0.0
                for p in range(a, b):
                    da = abs(za[p] - alpha)
                    da = min(da, two_pi - da)
                    if not da <= wa:
                        continue
                    j = det[p]
                    if not node:  # step 3: the Jacobian's position block, H P Hᵀ
                        node = True
                        s00, s01, s11 = _hph(prr[i], dx, dy, dz, rxy2, rxy, rho2)
                    # ν (α wrapped as wrap_pi does), S = H P Hᵀ + R and its
                    # Cholesky factor, as associate._mahalanobis_small
                    # (the floored modulo only where it changes the value)
                    wrap = -(za[p] - alpha) + math.pi
                    if not 0.0 <= wrap < two_pi:
                        wrap = wrap % two_pi
                    nu0 = -wrap + math.pi
                    nu1 = zd[p] - delta
                    c10 = 0.5 * ((s01 + rq[p, 2]) + (s01 + rq[p, 1]))
                    l00 = math.sqrt(s00 + rq[p, 0]) if s00 + rq[p, 0] >= 0.0 else math.nan
                    l10 = c10 / l00
                    e11 = s11 + rq[p, 3] - l10 * l10
                    l11 = math.sqrt(e11) if e11 >= 0.0 else math.nan
                    w0 = nu0 / l00
                    w1 = (nu1 - l10 * w0) / l11
                    d2 = w0 * w0 + w1 * w1
                    if not d2 <= gamma:  # outside the gate, or NaN
                        continue
                    if k_out == cap:
                        cap *= 2
                        out_t, out_c, out_m = (
                            grown(out_t, cap),
                            grown(out_c, cap),
                            grown(out_m, cap),
                        )
                        out_d2, out_ld = grown(out_d2, cap), grown(out_ld, cap)
                    out_t[k_out], out_c[k_out], out_m[k_out] = i, c, j
                    out_d2[k_out] = d2
                    out_ld[k_out] = 2.0 * (math.log(l00) + math.log(l11))
                    k_out += 1
    _sort_segment(out_t, out_m, out_d2, out_ld, k_col, k_out, m_det)
    return (
        out_t[:k_out].copy(),
        out_c[:k_out].copy(),
        out_m[:k_out].copy(),
        out_d2[:k_out].copy(),
        out_ld[:k_out].copy(),
    )


@kernel
def _sort_segment(t: I64, m: I64, d2: F64, ld: F64, k0: int, k1: int, m_det: int) -> None:
    """Sort the triples ``k0:k1`` (one satellite column) by track, then detection,
    in place."""
    if k1 - k0 < 2:
        return
    key = t[k0:k1] * m_det + m[k0:k1]
    o = np.argsort(key) + k0
    t[k0:k1], m[k0:k1] = t[o], m[o]
    d2[k0:k1], ld[k0:k1] = d2[o], ld[o]


@kernel
def _hph(
    p: F64, dx: float, dy: float, dz: float, rxy2: float, rxy: float, rho2: float
) -> tuple[float, float, float]:
    """Entries (0, 0), (0, 1), (1, 1) of H P Hᵀ for the angles' Jacobian at the
    offset d = (dx, dy, dz) from the satellite (position block ``p (3, 3)``;
    :func:`~shieldlab.tracking.angles.measure_radec`'s formulas)."""
    h00, h01 = -dy / rxy2, dx / rxy2
    h10, h11, h12 = -dx * dz / (rho2 * rxy), -dy * dz / (rho2 * rxy), rxy / rho2
    p0 = p[0, 0] * h00 + p[0, 1] * h01
    p1 = p[1, 0] * h00 + p[1, 1] * h01
    q0 = p[0, 0] * h10 + p[0, 1] * h11 + p[0, 2] * h12
    q1 = p[1, 0] * h10 + p[1, 1] * h11 + p[1, 2] * h12
    q2 = p[2, 0] * h10 + p[2, 1] * h11 + p[2, 2] * h12
    return h00 * p0 + h01 * p1, h00 * q0 + h01 * q1, h10 * q0 + h11 * q1 + h12 * q2


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
