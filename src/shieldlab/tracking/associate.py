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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import chi2

from shieldlab.tracking.ekf import measure_aer, wrap_pi

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
        n = x.shape[0]
        return measure_aer(x, np.broadcast_to(ecef, (n, 3)), np.broadcast_to(enu, (n, 3, 3)), gmst)

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
