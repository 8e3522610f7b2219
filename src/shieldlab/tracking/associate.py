"""Measurement-to-track data association: gating, GNN, JPDA weights, track management.

All functions are pure and work on arrays for one sensor scan: ``n`` tracks
(ECI states ``x (n, 6)`` [m, m/s], covariances ``P (n, 6, 6)``) against ``m``
measurements ``z (m, 3)`` with noise covariances ``R (m, 3, 3)``. The n × m
pair statistics are computed by broadcasting, without Python loops over
objects (JPDA enumeration of joint events is the one combinatorial loop,
bounded by the cluster size).

Measurement models (a :data:`MeasureFn` maps ``x (n, 6)`` to the predicted
measurement ``ẑ (n, 3)`` and Jacobian ``H (n, 3, 6)``):

- :func:`aer_model` — radar (range, azimuth, elevation) in the site's ENU,
  from :func:`shieldlab.tracking.ekf.measure_aer` (one site per scan);
- :func:`linear_model` — ẑ = H x for a fixed ``H (3, 6)`` (e.g. position).

Sources
    Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to
    Tracking and Navigation*, Wiley 2001, §2.10 (χ² validation gate);
    S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*,
    Artech House 1999, §6.3 (gating, generalized statistical distance
    d² + ln|S|), §6.4 (global nearest neighbour as an assignment problem with
    non-assignment costs); Y. Bar-Shalom, F. Daum, J. Huang, "The probabilistic
    data association filter", IEEE Control Systems Magazine 29(6), 2009
    (parametric JPDA joint-event probabilities); M-of-N confirmation and
    K-miss deletion: Blackman & Popoli 1999, §3.2 / ch. 11.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching
from scipy.stats import chi2

from shieldlab.core.jit import kernel
from shieldlab.tracking.ekf import measure_aer, wrap_pi
from shieldlab.tracking.lsap import cheapest, components, solve_gnn_clusters

F64 = NDArray[np.float64]
BoolArr = NDArray[np.bool_]
I64 = NDArray[np.int64]
MeasureFn = Callable[[F64], tuple[F64, F64]]

#: Measurement axes that are angles wrapped to (−π, π] for the radar model (azimuth).
AER_ANGLE_AXES: tuple[int, ...] = (1,)


# -------------------------------------------------------------- measurement models
def aer_model(site_ecef_m: ArrayLike, site_enu: ArrayLike, gmst_rad: ArrayLike) -> MeasureFn:
    """Radar (range [m], az [rad], el [rad]) model for one site and one scan time.

    site_ecef_m (3,) ECEF position, site_enu (3, 3) ECEF→ENU rotation (a row
    of :class:`shieldlab.tracking.ekf.SiteGeometry`), gmst_rad the Greenwich
    sidereal angle at the scan time. The returned function maps ECI states
    ``(n, 6)`` to ``(ẑ (n, 3), H (n, 3, 6))``; azimuth in [0, 2π).
    """
    ecef = np.asarray(site_ecef_m, dtype=np.float64).reshape(3)
    enu = np.asarray(site_enu, dtype=np.float64).reshape(3, 3)
    gmst = float(np.asarray(gmst_rad, dtype=np.float64))

    def measure(x: F64) -> tuple[F64, F64]:
        return measure_aer(x, ecef, enu, gmst)

    return measure


def linear_model(H: ArrayLike) -> MeasureFn:
    """Linear model ẑ = H x with a fixed ``H (3, 6)`` (any frame, units of ``z``)."""
    h = np.asarray(H, dtype=np.float64)

    def measure(x: F64) -> tuple[F64, F64]:
        return x @ h.T, np.broadcast_to(h, (x.shape[0], *h.shape))

    return measure


def position_model() -> MeasureFn:
    """Position-only linear model, H = [I₃ 0] (z in the state's frame and metres)."""
    return linear_model(np.eye(3, 6))


def diag_cov(sigma: ArrayLike) -> F64:
    """Diagonal covariances ``(m, 3, 3)`` from per-axis standard deviations ``(m, 3)``."""
    s = np.asarray(sigma, dtype=np.float64)
    r = np.zeros((*s.shape, s.shape[-1]))
    idx = np.arange(s.shape[-1])
    r[..., idx, idx] = s**2
    return r


# --------------------------------------------------------------- pair statistics
@overload
def innovation_stats(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    measure: MeasureFn,
    angle_axes: Sequence[int] = ...,
    return_S: Literal[False] = ...,
) -> tuple[F64, F64]: ...


@overload
def innovation_stats(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    measure: MeasureFn,
    angle_axes: Sequence[int] = ...,
    *,
    return_S: Literal[True],
) -> tuple[F64, F64, F64]: ...


def innovation_stats(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    measure: MeasureFn,
    angle_axes: Sequence[int] = (),
    return_S: bool = False,
) -> tuple[F64, F64] | tuple[F64, F64, F64]:
    """Squared Mahalanobis distance of every track–measurement pair of one scan.

    For track i and measurement j: ν_ij = z_j − ẑ_i (the axes in
    ``angle_axes`` wrapped to (−π, π]), S_ij = H_i P_i H_iᵀ + R_j and
    d²_ij = ν_ijᵀ S_ij⁻¹ ν_ij (Bar-Shalom et al. 2001, §2.10).

    Returns ``d2 (n, m)``, ``logdet (n, m)`` = ln|S_ij| (in the units of z)
    and, if ``return_S``, ``S (n, m, 3, 3)``. Pass ``angle_axes=AER_ANGLE_AXES``
    with :func:`aer_model`.
    """
    x = np.asarray(x, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    n, m = x.shape[0], z.shape[0]
    k = z.shape[-1] if m else R.shape[-1] if R.ndim == 3 else 3
    if n == 0 or m == 0:
        empty = np.zeros((n, m))
        return (empty, empty.copy(), np.zeros((n, m, k, k))) if return_S else (empty, empty.copy())
    zhat, H = measure(x)
    nu = z[None, :, :] - zhat[:, None, :]  # (n, m, k)
    for ax in angle_axes:
        nu[..., ax] = wrap_pi(nu[..., ax])
    hph = H @ P @ np.swapaxes(H, -1, -2)  # (n, k, k)
    S = hph[:, None, :, :] + R[None, :, :, :]
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    L = np.linalg.cholesky(S)
    w = np.linalg.solve(L, nu[..., None])[..., 0]  # L⁻¹ ν
    d2 = np.einsum("nmi,nmi->nm", w, w)
    logdet = 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)
    return (d2, logdet, S) if return_S else (d2, logdet)


@lru_cache(maxsize=64)
def gate_threshold(dof: int = 3, p_gate: float = 0.9997) -> float:
    """χ² gate γ with P{χ²_dof ≤ γ} = p_gate (Bar-Shalom et al. 2001, §2.10); cached."""
    return float(chi2.ppf(p_gate, dof))


def gate(d2: ArrayLike, dof: int = 3, p_gate: float = 0.9997) -> BoolArr:
    """Validation gate ``(n, m)``: d² ≤ χ²_dof quantile at ``p_gate`` (NaN → outside)."""
    d = np.asarray(d2, dtype=np.float64)
    return np.asarray(np.isfinite(d) & (d <= gate_threshold(dof, p_gate)), dtype=np.bool_)


# ----------------------------------------------------------------------- GNN
def gnn_assign(
    d2: ArrayLike,
    gated: ArrayLike,
    logdet: ArrayLike | None = None,
    cost_unassigned: float | None = None,
) -> tuple[I64, I64]:
    """Global nearest neighbour: the jointly optimal one-to-one assignment of one scan.

    Pair cost c_ij = d²_ij, or the generalized statistical distance
    d²_ij + ln|S_ij| if ``logdet`` is given (Blackman & Popoli 1999, §6.3);
    only gated pairs may be assigned. Each track may stay unassigned (a
    miss) and each measurement may stay unassigned (a new track or clutter),
    each at cost ``cost_unassigned``; the total cost is minimised exactly by
    ``scipy.optimize.linear_sum_assignment`` on the (n+m) × (m+n) matrix
    [[C, diag(c₀)], [diag(c₀), 0]] with forbidden entries +inf (Blackman &
    Popoli 1999, §6.4). A gated pair is worth assigning iff c_ij < 2 c₀.

    ``cost_unassigned=None`` (default): classical GNN — maximise the number
    of assigned gated pairs first, then minimise their total cost (c₀ is set
    above the sum of all gated costs).

    Returns ``track_for_meas (m,)`` and ``meas_for_track (n,)``, −1 where
    unassigned.
    """
    d = np.asarray(d2, dtype=np.float64)
    g = np.asarray(gated, dtype=np.bool_) & np.isfinite(d)
    n, m = d.shape
    cost = d + np.asarray(logdet, dtype=np.float64) if logdet is not None else d.copy()
    g &= np.isfinite(cost)
    track_for_meas = np.full(m, -1, dtype=np.int64)
    meas_for_track = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0 or not g.any():
        return track_for_meas, meas_for_track
    if cost_unassigned is None:
        cg = cost[g]
        cost = cost - cg.min()  # same shift for every maximum-cardinality assignment
        c0 = float(np.sum(cost[g])) + 1.0
    else:
        c0 = float(cost_unassigned)
    big = np.full((n + m, m + n), np.inf)
    big[:n, :m] = np.where(g, cost, np.inf)
    big[np.arange(n), m + np.arange(n)] = c0  # track i → its own dummy (miss)
    big[n + np.arange(m), np.arange(m)] = c0  # measurement j → its own dummy (new/clutter)
    big[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(big)
    real = (rows < n) & (cols < m)
    meas_for_track[rows[real]] = cols[real]
    track_for_meas[cols[real]] = rows[real]
    return track_for_meas, meas_for_track


# ------------------------------------------------- sparse gating, clustered GNN
#: Relative widening of the pre-gate boxes: covers the rounding of d² (≈ 1e-15 relative).
_BOX_SLACK = 1e-6
DENSE_PREGATE_PAIRS = 4096
"""Up to this many track × measurement pairs, :func:`pregate_pairs` box-tests every pair
(a few array operations) instead of sorting and sweeping: the per-scan cost at the
tens of tracks of a salvo. The box test is the same, so the gated pairs are too."""


def pregate_pairs(
    zhat: F64,
    hph: F64,
    z: F64,
    R: F64,
    angle_axes: Sequence[int] = (),
    gamma: float = math.inf,
) -> tuple[I64, I64]:
    """Candidate track–measurement pairs ``(ti, mj)`` of the χ² gate d² ≤ γ, found
    without the n × m matrices; sorted by track, then measurement.

    ``zhat (n, k)`` predicted measurements, ``hph (n, k, k)`` = H P Hᵀ, ``z (m, k)``,
    ``R (m, k, k)``. A pair inside the gate has, on every axis a,
    ν_a² ≤ d² S_aa ≤ γ (HPHᵀ_aa + max_j R_j,aa) (Cauchy–Schwarz in the S⁻¹ inner
    product), so the per-track box |ν_a| ≤ w_a = √(γ (HPHᵀ_aa + max_j R_j,aa)) is a
    necessary condition: no pair of the gate is dropped (the boxes are widened by
    1e-6 for rounding). Small problems (≤ ``DENSE_PREGATE_PAIRS`` pairs) test the
    box on every pair; larger ones sort the measurements along the one axis with the
    fewest pairs in the tracks' windows [ẑ_a − w_a, ẑ_a + w_a] (sort and sweep; on
    an angle axis with copies at ±2π), and the window candidates are kept if
    inside the box on every axis (``angle_axes`` residuals wrapped to (−π, π]).
    Tracks with a non-finite ẑ or HPHᵀ have no candidates (their d² is not finite).
    """
    zhat = np.asarray(zhat, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    n, m = zhat.shape[0], z.shape[0]
    none = np.empty(0, np.int64)
    if n == 0 or m == 0:
        return none, none.copy()
    k = z.shape[1]
    ang = np.zeros(k, dtype=bool)
    ang[list(angle_axes)] = True
    rmax = np.max(np.diagonal(np.asarray(R, dtype=np.float64), axis1=-2, axis2=-1), axis=0)
    var = np.diagonal(np.asarray(hph, dtype=np.float64), axis1=-2, axis2=-1) + rmax
    with np.errstate(invalid="ignore"):
        w = np.sqrt(gamma * var) * (1.0 + _BOX_SLACK)
    w += 1e-12 * (1.0 + np.abs(zhat) + 2.0 * math.pi * ang)
    live = np.all(np.isfinite(w) & np.isfinite(zhat), axis=1)
    rows = np.flatnonzero(live)
    if rows.size == 0:
        return none, none.copy()
    c, wr = zhat[rows], w[rows]
    if rows.size * m <= DENSE_PREGATE_PAIRS:  # few pairs: the box test on all of them
        nu_all = np.abs(z[None, :, :] - c[:, None, :])  # (r, m, k)
        for ax in angle_axes:
            nu_all[..., ax] = np.abs(wrap_pi(nu_all[..., ax]))
        ri, mj_all = np.nonzero(np.all(nu_all <= wr[:, None, :], axis=2))
        return rows[ri].astype(np.int64), mj_all.astype(np.int64)
    best: tuple[int, I64, I64, I64] | None = None  # (count, lo, hi, sorted meas index)
    for a in range(k):  # sweep axis: the one with the fewest window candidates
        v = z[:, a]
        ca = c[:, a]
        if ang[a]:
            if np.any(wr[:, a] >= 0.5 * math.pi):
                continue  # wide angle windows: not a useful (or safe) sweep axis
            v = np.mod(v, 2.0 * math.pi)
            ca = np.mod(ca, 2.0 * math.pi)
            v = np.concatenate([v - 2.0 * math.pi, v, v + 2.0 * math.pi])
        order = np.argsort(v, kind="stable")
        vs = v[order]
        lo = np.searchsorted(vs, ca - wr[:, a], side="left")
        hi = np.searchsorted(vs, ca + wr[:, a], side="right")
        cnt = int(np.sum(hi - lo))
        if best is None or cnt < best[0]:
            best = (cnt, lo, hi, order % m)
    if best is None:  # every axis an angle with a wide window: all pairs are candidates
        ti = np.repeat(rows, m)
        mj = np.tile(np.arange(m, dtype=np.int64), rows.size)
    else:
        total, lo, hi, order = best
        cnt_r = hi - lo
        ti = np.repeat(rows, cnt_r)
        start = np.repeat(lo - (np.cumsum(cnt_r) - cnt_r), cnt_r)
        mj = order[start + np.arange(total)]
    nu = np.abs(z[mj] - zhat[ti])
    for ax in angle_axes:
        nu[:, ax] = np.abs(wrap_pi(nu[:, ax]))
    inside = np.all(nu <= w[ti], axis=1)
    ti, mj = ti[inside], mj[inside]
    o = np.lexsort((mj, ti))
    return ti[o].astype(np.int64), mj[o].astype(np.int64)


def mahalanobis(nu: F64, S: F64) -> tuple[F64, F64]:
    """d² = νᵀ S⁻¹ ν and ln|S| of ``K`` innovations ``nu (K, k)`` with covariances
    ``S (K, k, k)`` (symmetrised; by the Cholesky factor L: d² = |L⁻¹ ν|²).

    For k = 2 and 3 (angles, radar, positions: every gate of the tracker) the
    factor and the forward substitution are written out element-wise over the K
    pairs (:func:`_mahalanobis_small`), several times faster than LAPACK called
    per 2 × 2 or 3 × 3 matrix; their values agree to rounding (~1e-14
    relative). A covariance that is not positive definite gives d² = NaN there
    (the gates drop it)."""
    k = nu.shape[-1]
    if k in (2, 3) and nu.ndim == 2:
        return _mahalanobis_small(nu, S)
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    L = np.linalg.cholesky(S)
    w = np.linalg.solve(L, nu[..., None])[..., 0]  # L⁻¹ ν
    d2 = np.einsum("ki,ki->k", w, w)
    logdet = 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)
    return d2, logdet


def _mahalanobis_small(nu: F64, S: F64) -> tuple[F64, F64]:
    """:func:`mahalanobis` for k = 2 or 3, the Cholesky factor written out per
    element (L₀₀ = √s₀₀, L₁₀ = s₁₀/L₀₀, …; w = L⁻¹ν by forward substitution)."""
    k = nu.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        s00, s11 = S[:, 0, 0], S[:, 1, 1]
        s10 = 0.5 * (S[:, 1, 0] + S[:, 0, 1])
        l00 = np.sqrt(s00)
        l10 = s10 / l00
        l11 = np.sqrt(s11 - l10 * l10)
        w0 = nu[:, 0] / l00
        w1 = (nu[:, 1] - l10 * w0) / l11
        d2 = w0 * w0 + w1 * w1
        ld = np.log(l00) + np.log(l11)
        if k == 3:
            s20 = 0.5 * (S[:, 2, 0] + S[:, 0, 2])
            s21 = 0.5 * (S[:, 2, 1] + S[:, 1, 2])
            l20 = s20 / l00
            l21 = (s21 - l20 * l10) / l11
            l22 = np.sqrt(S[:, 2, 2] - l20 * l20 - l21 * l21)
            w2 = (nu[:, 2] - l20 * w0 - l21 * w1) / l22
            d2 = d2 + w2 * w2
            ld = ld + np.log(l22)
    return d2, 2.0 * ld


def gated_pairs(
    x: F64,
    P: F64,
    z: F64,
    R: F64,
    measure: MeasureFn,
    angle_axes: Sequence[int] = (),
    dof: int = 3,
    p_gate: float = 0.9997,
) -> tuple[I64, I64, F64, F64]:
    """The track–measurement pairs inside the χ² gate, as a sparse list.

    Same pairs and values as :func:`innovation_stats` followed by :func:`gate`
    (d² ≤ χ²_dof quantile at ``p_gate``), but the Mahalanobis distance is only
    computed for the candidates of :func:`pregate_pairs`: the work grows with the
    number of nearby pairs, not with n × m. Returns ``ti, mj`` (K,) track and
    measurement rows (sorted by track, then measurement), ``d2 (K,)`` and
    ``logdet (K,)`` = ln|S|.
    """
    x = np.asarray(x, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    n, m = x.shape[0], z.shape[0]
    if n == 0 or m == 0:
        none = np.empty(0, np.int64)
        return none, none.copy(), np.empty(0), np.empty(0)
    gamma = gate_threshold(dof, p_gate)
    zhat, H = measure(x)
    k = z.shape[1]
    if n * m <= DENSE_PREGATE_PAIRS and k in (2, 3):  # few pairs: every d² in one kernel
        ang = np.zeros(k, dtype=np.bool_)
        ang[list(angle_axes)] = True
        return _dense_gate(np.ascontiguousarray(zhat), np.ascontiguousarray(H), P, z, R, ang, gamma)
    hph = H @ P @ np.swapaxes(H, -1, -2)  # (n, k, k)
    ti, mj = pregate_pairs(zhat, hph, z, R, angle_axes, gamma)
    nu = z[mj] - zhat[ti]  # (K, k)
    for ax in angle_axes:
        nu[:, ax] = wrap_pi(nu[:, ax])
    d2, logdet = mahalanobis(nu, hph[ti] + R[mj])
    ok = np.isfinite(d2) & (d2 <= gamma)
    return ti[ok], mj[ok], d2[ok], logdet[ok]


@kernel
def _dense_gate(
    zhat: F64, H: F64, P: F64, z: F64, R: F64, ang: NDArray[np.bool_], gamma: float
) -> tuple[I64, I64, F64, F64]:
    """:func:`gated_pairs` of a small problem (a compiled kernel): d² and ln|S| of
    every track × measurement pair, S = H P Hᵀ + R, by the Cholesky factor written
    out as in :func:`_mahalanobis_small` (the same operations; H P Hᵀ summed in
    its own order); the pairs with d² ≤ γ, by track, then measurement. ``ang``
    (k,) marks the angle axes (residuals wrapped to (−π, π])."""
    n, m, k = zhat.shape[0], z.shape[0], z.shape[1]
    ti = np.empty(n * m, np.int64)
    mj = np.empty(n * m, np.int64)
    d2 = np.empty(n * m)
    ld = np.empty(n * m)
    hph = np.empty((k, k))
    ph = np.empty((6, k))
    S = np.empty((k, k))
    L = np.zeros((k, k))
    w = np.empty(k)
    out = 0
    for i in range(n):
        for a in range(6):  # P Hᵀ
            for b in range(k):
                acc = 0.0
                for c in range(6):
                    acc += P[i, a, c] * H[i, b, c]
                ph[a, b] = acc
        for a in range(k):  # H (P Hᵀ)
            for b in range(k):
                acc = 0.0
                for c in range(6):
                    acc += H[i, a, c] * ph[c, b]
                hph[a, b] = acc
        for j in range(m):
            for a in range(k):
                for b in range(k):
                    S[a, b] = hph[a, b] + R[j, a, b]
            good = True
            logdet = 0.0
            dist = 0.0
            for a in range(k):
                for b in range(a + 1):
                    v = S[a, a] if a == b else 0.5 * (S[a, b] + S[b, a])
                    for c in range(b):
                        v -= L[a, c] * L[b, c]
                    if a == b:
                        if not v > 0.0:  # not positive definite (or NaN): no d²
                            good = False
                            break
                        L[a, a] = math.sqrt(v)
                    else:
                        L[a, b] = v / L[b, b]
                if not good:
                    break
                nu = z[j, a] - zhat[i, a]
                if ang[a]:
                    nu = -np.mod(-nu + math.pi, 2.0 * math.pi) + math.pi
                for c in range(a):
                    nu -= L[a, c] * w[c]
                w[a] = nu / L[a, a]
                dist += w[a] * w[a]
                logdet += math.log(L[a, a])
            if good and dist <= gamma:
                ti[out], mj[out], d2[out], ld[out] = i, j, dist, 2.0 * logdet
                out += 1
    return ti[:out], mj[:out], d2[:out], ld[:out]


#: A cluster with at most this many rows × (columns + rows) is solved as a dense matrix
#: by ``linear_sum_assignment``'s algorithm, compiled (:mod:`~shieldlab.tracking.lsap`);
#: larger ones by LAPJVsp on its sparse pairs.
DENSE_CLUSTER_CELLS = 250_000


def _gnn_weights(cost: F64, cost_unassigned: float | None) -> tuple[F64, float]:
    """The pair weights and the per-track dummy weight of :func:`_sparse_gnn`'s problem."""
    if cost_unassigned is None:
        cost = cost - cost.min()  # same shift for every maximum-cardinality assignment
        c0 = float(np.sum(cost)) + 1.0
    else:
        c0 = float(cost_unassigned)
    shift = 1.0 - min(float(cost.min()), 2.0 * c0, 0.0)
    return cost + shift, 2.0 * c0 + shift


def _sparse_gnn(
    tr: I64,
    ms: I64,
    cost: F64,
    n: int,
    m: int,
    cost_unassigned: float | None,
    lab: I64,
    n_tr: I64,
    n_ms: I64,
    star: BoolArr,
) -> I64:
    """Measurement (−1: none) of each of ``n`` tracks: :func:`gnn_assign`'s optimum on
    the sparse pairs (track ``tr``, measurement ``ms``) at ``cost`` of the
    clusters that are not stars; ``lab`` each pair's cluster (connected
    component of the gating graph) and ``n_tr``, ``n_ms``, ``star`` per cluster
    (:func:`~shieldlab.tracking.lsap.components`).

    :func:`gnn_assign` minimises Σ c over the assigned pairs + c₀ × (unassigned
    tracks + unassigned measurements) = Σ c + 2 c₀ × (unassigned tracks) + c₀ (nc − nr).
    The constant aside, that is a full matching of the tracks into the
    measurements and one private dummy per track at 2 c₀; every weight is
    shifted by one constant to be ≥ 1 (every full matching has nr edges, so the
    optimum does not move). c₀ as in :func:`gnn_assign` (None: Σ c + 1 after
    shifting the costs to ≥ 0, maximum cardinality first). The clusters are
    independent subproblems: each is solved on its own, as a dense rows ×
    (columns + rows) matrix with the non-pairs forbidden by
    ``linear_sum_assignment``'s algorithm up to :data:`DENSE_CLUSTER_CELLS` cells
    (compiled, every cluster in one call:
    :func:`~shieldlab.tracking.lsap.solve_gnn_clusters`), else by LAPJVsp
    (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, Jonker &
    Volgenant 1987) on its pairs: the same optimum, where it is unique.
    """
    w, dummy = _gnn_weights(cost, cost_unassigned)
    small = ~star & (n_tr * (n_tr + n_ms) <= DENSE_CLUSTER_CELLS)
    mft = solve_gnn_clusters(tr, ms, w, lab, n_tr, n_ms, small, dummy, n, m)
    # the large ones one by one, LAPJVsp on their pairs
    for k in np.flatnonzero(~star & ~small):
        ee = np.flatnonzero(lab == k)
        rr, ri = np.unique(tr[ee], return_inverse=True)
        cl, cj = np.unique(ms[ee], return_inverse=True)
        a, b = rr.size, cl.size
        ar = np.arange(a)
        graph = csr_matrix(
            (
                np.concatenate([w[ee], np.full(a, dummy)]),
                (np.concatenate([ri, ar]), np.concatenate([cj, b + ar])),
            ),
            (a, b + a),
        )
        x, y = min_weight_full_bipartite_matching(graph)
        real = y < b
        mft[rr[x[real]]] = cl[y[real]]
    return mft


def gnn_assign_pairs(
    n: int,
    m: int,
    ti: ArrayLike,
    mj: ArrayLike,
    cost: ArrayLike,
    cost_unassigned: float | None = None,
) -> tuple[I64, I64]:
    """:func:`gnn_assign` on a sparse list of gated pairs, solved cluster by cluster.

    ``ti, mj (K,)`` the (distinct) gated pairs of ``n`` tracks and ``m``
    measurements, ``cost (K,)`` their costs (non-finite: not assignable). The
    gating graph is split into connected components (clusters, Blackman &
    Popoli 1999, §6.3); the GNN objective — with ``cost_unassigned`` the total
    cost, with None the number of assigned pairs first, then their cost — is a
    sum over clusters, so the optimum is the union of the clusters' optima:
    the same assignment as :func:`gnn_assign` on the dense matrix whenever that
    optimum is unique. A cluster with a single track or a single measurement
    takes its cheapest pair (if worth assigning, c < 2 c₀); the larger clusters
    are solved together (independent subproblems) by a sparse assignment with
    the non-assignment dummies of :func:`gnn_assign` (:func:`_sparse_gnn`): its
    work follows the gated pairs, not the clusters' rows × columns.

    Returns ``track_for_meas (m,)`` and ``meas_for_track (n,)``, −1 where
    unassigned.
    """
    track_for_meas = np.full(m, -1, dtype=np.int64)
    meas_for_track = np.full(n, -1, dtype=np.int64)
    c = np.asarray(cost, dtype=np.float64)
    ok = np.isfinite(c)
    tr = np.asarray(ti, dtype=np.int64)[ok]
    ms = np.asarray(mj, dtype=np.int64)[ok]
    c = c[ok]
    if c.size == 0:
        return track_for_meas, meas_for_track
    lab, n_tr, n_ms = components(tr, ms, n, m)
    star = (n_tr == 1) | (n_ms == 1)
    # stars (one track or one measurement, single pairs included): the cheapest pair
    best = cheapest(lab, c, n_tr.size)[star]
    if cost_unassigned is not None:
        best = best[c[best] < 2.0 * float(cost_unassigned)]
    meas_for_track[tr[best]] = ms[best]
    track_for_meas[ms[best]] = tr[best]
    # larger clusters, all at once (independent subproblems)
    eg = np.flatnonzero(~star[lab])
    if eg.size:
        mft = _sparse_gnn(tr[eg], ms[eg], c[eg], n, m, cost_unassigned, lab[eg], n_tr, n_ms, star)
        hit = np.flatnonzero(mft >= 0)
        meas_for_track[hit] = mft[hit]
        track_for_meas[mft[hit]] = hit
    return track_for_meas, meas_for_track


# ---------------------------------------------------------------------- JPDA
def _clusters(gated: BoolArr) -> tuple[I64, I64]:
    """Connected components of the track–measurement gating graph: labels of tracks and meas."""
    n, m = gated.shape
    i, j = np.nonzero(gated)
    adj = coo_matrix((np.ones(i.size), (i, n + j)), shape=(n + m, n + m))
    _, lab = connected_components(adj, directed=False)
    lab = lab.astype(np.int64)
    return lab[:n], lab[n:]


def jpda_weights(
    d2: ArrayLike,
    gated: ArrayLike,
    logdet: ArrayLike,
    pd: float | ArrayLike,
    clutter_density: float,
    p_gate: float = 1.0,
    dof: int = 3,
    max_events: int = 200_000,
) -> F64:
    """Parametric JPDA association weights β ``(n, m + 1)``; column m is "no measurement".

    Joint events θ (each measurement to at most one gated track or to
    clutter, each track at most one measurement) have probability
    P(θ) ∝ ∏_{(i,j)∈θ} P_D,i g_ij / λ · ∏_{i unassigned} (1 − P_D,i P_G), with
    g_ij = exp(−d²_ij/2) / √((2π)^dof |S_ij|) and λ the clutter spatial
    density [1/(units of z)] (Bar-Shalom, Daum, Huang 2009). β_ij sums P(θ)
    over events assigning j to i; β_i,m over events leaving i unassigned.
    Tracks are split into clusters that share gated measurements; events are
    enumerated per cluster (exponential in cluster size — a ``ValueError`` is
    raised if a cluster exceeds ``max_events`` events). ``logdet`` is ln|S|
    from :func:`innovation_stats` (units of z, consistent with λ).
    """
    d = np.asarray(d2, dtype=np.float64)
    g = np.asarray(gated, dtype=np.bool_)
    ld = np.asarray(logdet, dtype=np.float64)
    n, m = d.shape
    pdv = np.broadcast_to(np.asarray(pd, dtype=np.float64), (n,))
    if np.any(pdv * p_gate >= 1.0) or np.any(pdv <= 0.0) or clutter_density <= 0.0:
        raise ValueError("jpda_weights needs 0 < pd·p_gate < 1 and clutter_density > 0")
    beta = np.zeros((n, m + 1))
    beta[:, m] = 1.0
    if n == 0 or m == 0:
        return beta
    # log of the likelihood ratio of assigning j to i vs. clutter + missed detection
    miss = np.log1p(-pdv * p_gate)
    log_l = (
        np.log(pdv)[:, None]
        - 0.5 * d
        - 0.5 * (dof * math.log(2.0 * math.pi) + ld)
        - math.log(clutter_density)
        - miss[:, None]
    )
    log_l = np.where(g, log_l, -np.inf)
    tlab, mlab = _clusters(g)
    for c in np.unique(tlab[g.any(axis=1)]):
        ti = np.flatnonzero(tlab == c)
        mj = np.flatnonzero(mlab == c)
        beta[ti] = 0.0
        _enumerate_cluster(log_l[np.ix_(ti, mj)], ti, mj, beta, m, max_events)
    return beta


def _enumerate_cluster(log_l: F64, ti: I64, mj: I64, beta: F64, m: int, max_events: int) -> None:
    """Enumerate the cluster's feasible joint events (depth-first over measurements)."""
    nt, nm = log_l.shape
    events: list[tuple[float, tuple[int, ...]]] = []  # (log weight, track per meas or −1)

    def rec(j: int, used: frozenset[int], lw: float, path: tuple[int, ...]) -> None:
        if len(events) > max_events:
            raise ValueError(f"JPDA cluster of {nt} tracks × {nm} measurements too large")
        if j == nm:
            events.append((lw, path))
            return
        rec(j + 1, used, lw, (*path, -1))
        for i in np.flatnonzero(np.isfinite(log_l[:, j])):
            if int(i) not in used:
                rec(j + 1, used | {int(i)}, lw + float(log_l[i, j]), (*path, int(i)))

    rec(0, frozenset(), 0.0, ())
    lw = np.array([e[0] for e in events])
    w = np.exp(lw - lw.max())
    w /= w.sum()
    a = np.array([e[1] for e in events], dtype=np.int64).reshape(len(events), nm)
    local = np.zeros((nt, nm + 1))
    for j in range(nm):
        hit = a[:, j] >= 0
        np.add.at(local[:, j], a[hit, j], w[hit])
    local[:, nm] = 1.0 - local[:, :nm].sum(axis=1)
    beta[np.ix_(ti, mj)] = local[:, :nm]
    beta[ti, m] = np.clip(local[:, nm], 0.0, 1.0)


# --------------------------------------------------------------- track management
def m_of_n_confirm(hits: ArrayLike, M: int, N: int) -> BoolArr:
    """Tracks ``(n,)`` with at least M hits among their last N scans.

    ``hits (n, H)`` bool history, oldest scan first, newest last; with H < N
    the whole history counts (Blackman & Popoli 1999, §3.2).
    """
    h = np.asarray(hits, dtype=np.bool_)
    return np.asarray(h[:, max(h.shape[1] - N, 0) :].sum(axis=1) >= M, dtype=np.bool_)


def consecutive_misses(hits: ArrayLike) -> I64:
    """Number of trailing misses ``(n,)`` of a hit history ``(n, H)`` (newest last)."""
    h = np.asarray(hits, dtype=np.bool_)
    nh = h.shape[1]
    last_hit = np.where(h.any(axis=1), nh - 1 - np.argmax(h[:, ::-1], axis=1), -1)
    return np.asarray(nh - 1 - last_hit, dtype=np.int64)


def delete_after_misses(hits: ArrayLike, K: int) -> BoolArr:
    """Tracks ``(n,)`` to delete: the last K scans (or more) were all misses."""
    return np.asarray(consecutive_misses(hits) >= K, dtype=np.bool_)
