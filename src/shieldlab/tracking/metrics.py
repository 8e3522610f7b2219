"""Multi-target tracking metrics: GOSPA, OSPA, track-to-truth assignment, custody.

Sets of points are arrays ``(m, d)`` in any Cartesian frame and unit (metres in
shieldlab); distances are Euclidean. Optimal assignments use the Hungarian
algorithm (``scipy.optimize.linear_sum_assignment``).

GOSPA (Rahmathullah, García-Fernández, Svensson, "Generalized optimal
sub-pattern assignment metric", FUSION 2017), for truth X (m) and estimate Y (n),
cut-off c, order p, α ∈ (0, 2]:
    d = ( min_π Σ_i d_c(x_i, y_π(i))^p + c^p/α · |n − m| )^(1/p),  d_c = min(d, c),
    (sum over the smaller set). For α = 2 (the default and the only value that
    is a metric decomposing into parts, Prop. 1 of the paper):
    d^p = Σ_{assigned} d^p + c^p/2 · (#missed) + c^p/2 · (#false),
    where a pair with d ≥ c is left unassigned (one missed + one false).
OSPA (Schuhmacher, Vo, Vo, IEEE TSP 56(8), 2008), m ≤ n:
    d = ( (1/n) (min_π Σ_i d_c(x_i, y_π(i))^p + c^p (n − m)) )^(1/p); 0 if both empty.

Custody (:func:`custody`): per truth object, the fraction of the time steps
while it exists that it is held by a valid (confirmed) track within a stated
position error, and the number of track handovers. Time steps are weighted
equally (uniform sampling assumed).

Loops run over time steps only; distance matrices are vectorised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from shieldlab.tracking.associate import gnn_assign_pairs

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class GospaResult:
    """GOSPA of one pair of sets. Parts are in units of distance^p; for α = 2
    ``localisation_p + missed_p + false_p == total**p``; for α ≠ 2 the parts
    are NaN and the counts −1.

    ``assignment (m,)``: index into Y of the estimate assigned to each truth
    (−1 when missed)."""

    total: float
    localisation_p: float
    missed_p: float
    false_p: float
    n_missed: int
    n_false: int
    assignment: I64


@dataclass(frozen=True)
class GospaSeries:
    """GOSPA per time step, arrays ``(T,)``; parts as in :class:`GospaResult`."""

    total: F64
    localisation_p: F64
    missed_p: F64
    false_p: F64
    n_missed: I64
    n_false: I64


def _pairwise_dist(x: F64, y: F64) -> F64:
    """Euclidean distances ``(..., m, n)`` between ``x (..., m, d)`` and ``y (..., n, d)``."""
    return np.asarray(np.linalg.norm(x[..., :, None, :] - y[..., None, :, :], axis=-1))


def _check(c: float, p: float) -> None:
    if not c > 0 or not p >= 1:
        raise ValueError(f"need c > 0 and p >= 1, got c={c}, p={p}")


def _gospa_from_dist(dist: F64, c: float, p: float, alpha: float) -> GospaResult:
    """GOSPA from a distance matrix ``dist (m, n)`` (truth rows, estimate columns)."""
    m, n = dist.shape
    assignment = np.full(m, -1, dtype=np.int64)
    cost = np.minimum(dist, c) ** p
    rows, cols = linear_sum_assignment(cost) if m and n else (np.empty(0, int), np.empty(0, int))
    clipped_sum = float(cost[rows, cols].sum())
    if alpha != 2.0:
        total = (clipped_sum + c**p / alpha * abs(n - m)) ** (1.0 / p)
        assignment[rows] = cols
        nan = math.nan
        return GospaResult(total, nan, nan, nan, -1, -1, assignment)
    keep = dist[rows, cols] < c
    rows, cols = rows[keep], cols[keep]
    assignment[rows] = cols
    n_ass = int(rows.size)
    loc = float((dist[rows, cols] ** p).sum())
    n_missed, n_false = m - n_ass, n - n_ass
    missed, false = 0.5 * c**p * n_missed, 0.5 * c**p * n_false
    total = (loc + missed + false) ** (1.0 / p)
    return GospaResult(total, loc, missed, false, n_missed, n_false, assignment)


def gospa(x: ArrayLike, y: ArrayLike, c: float, p: float = 2.0, alpha: float = 2.0) -> GospaResult:
    """GOSPA distance between truth set ``x (m, d)`` and estimate set ``y (n, d)``.

    Cut-off ``c`` (same unit as the points), order ``p ≥ 1``, ``0 < alpha ≤ 2``
    (α = 2: the metric with localisation / missed / false decomposition;
    Rahmathullah et al. 2017). Empty sets allowed (shape ``(0, d)``).
    """
    _check(c, p)
    if not 0 < alpha <= 2:
        raise ValueError(f"need 0 < alpha <= 2, got {alpha}")
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    return _gospa_from_dist(_pairwise_dist(xa, ya), c, p, alpha)


def ospa(x: ArrayLike, y: ArrayLike, c: float, p: float = 1.0) -> float:
    """OSPA distance (Schuhmacher, Vo, Vo 2008) between ``x (m, d)`` and ``y (n, d)``,
    normalised by max(m, n); 0 for two empty sets, ``c`` when exactly one is empty."""
    _check(c, p)
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    m, n = xa.shape[0], ya.shape[0]
    big = max(m, n)
    if big == 0:
        return 0.0
    if min(m, n) == 0:
        return float(c)
    cost = np.minimum(_pairwise_dist(xa, ya), c) ** p
    rows, cols = linear_sum_assignment(cost)
    return float(((cost[rows, cols].sum() + c**p * (big - min(m, n))) / big) ** (1.0 / p))


def gospa_series(
    x: ArrayLike,
    x_valid: ArrayLike,
    y: ArrayLike,
    y_valid: ArrayLike,
    c: float,
    p: float = 2.0,
) -> GospaSeries:
    """GOSPA (α = 2) per time step over padded sets.

    ``x (T, m, d)`` truths with mask ``x_valid (T, m)``; ``y (T, n, d)`` estimates
    with mask ``y_valid (T, n)``; padded slots (mask False) are ignored and may
    hold anything finite or NaN. Distances for all steps in one array operation;
    one assignment per step.
    """
    _check(c, p)
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    xv = np.asarray(x_valid, dtype=bool)
    yv = np.asarray(y_valid, dtype=bool)
    dist = _pairwise_dist(np.where(xv[..., None], xa, 0.0), np.where(yv[..., None], ya, 0.0))
    n_t = dist.shape[0]
    out = np.zeros((4, n_t))
    counts = np.zeros((2, n_t), dtype=np.int64)
    for t in range(n_t):
        r = _gospa_from_dist(dist[t][np.ix_(xv[t], yv[t])], c, p, 2.0)
        out[:, t] = (r.total, r.localisation_p, r.missed_p, r.false_p)
        counts[:, t] = (r.n_missed, r.n_false)
    return GospaSeries(out[0], out[1], out[2], out[3], counts[0], counts[1])


DENSE_ASSIGN_CELLS = 10_000
"""Above this many track × truth pairs, :func:`assign_tracks_to_truth` works on the
pairs within the gate only (a k-d tree and the clustered sparse assignment)."""


def _assign_sparse(tp: F64, up: F64, gate_m: float) -> I64:
    """:func:`assign_tracks_to_truth` on the pairs within ``gate_m`` (k-d tree): the
    clustered GNN of ``tracking.associate.gnn_assign_pairs`` with the
    non-assignment cost ``gate_m / 2`` per track and per truth. Its objective,
    Σ d − gate_m · (pairs assigned) + constant, is the dense one's (a pair
    beyond the gate costs gate_m there), so the optimum is the same where it is
    unique; the work follows the gated pairs, not tracks × truths."""
    pairs = cKDTree(tp).sparse_distance_matrix(cKDTree(up), gate_m, output_type="ndarray")
    _, out = gnn_assign_pairs(
        tp.shape[0],
        up.shape[0],
        pairs["i"].astype(np.int64),
        pairs["j"].astype(np.int64),
        pairs["v"],
        0.5 * gate_m,
    )
    return out


def assign_tracks_to_truth(track_pos: ArrayLike, truth_pos: ArrayLike, gate_m: float) -> I64:
    """Optimal one-to-one assignment of tracks ``(m, 3)`` to truths ``(n, 3)`` [m].

    Returns ``(m,)`` truth index per track, −1 if unassigned. Pairs farther
    than ``gate_m`` are never assigned. The assignment minimises
    Σ_assigned d + gate_m · (#unassigned pairs), i.e. the GOSPA assignment
    with p = 1, c = gate_m, α = 2 (the same optimum as the metric uses).
    """
    tp = np.asarray(track_pos, dtype=np.float64)
    up = np.asarray(truth_pos, dtype=np.float64)
    out = np.full(tp.shape[0], -1, dtype=np.int64)
    if tp.shape[0] == 0 or up.shape[0] == 0:
        return out
    if tp.shape[0] * up.shape[0] > DENSE_ASSIGN_CELLS:
        return _assign_sparse(tp, up, gate_m)
    dist = _pairwise_dist(tp, up)
    rows, cols = linear_sum_assignment(np.minimum(dist, gate_m))
    keep = dist[rows, cols] <= gate_m
    out[rows[keep]] = cols[keep]
    return out


@dataclass(frozen=True)
class CustodySummary:
    """Scalar custody summary over the objects that exist at least once."""

    n_objects: int
    mean_fraction: float  # mean over objects of the custody fraction
    min_fraction: float
    time_weighted_fraction: float  # held object-steps / existing object-steps
    total_handovers: int


@dataclass(frozen=True)
class CustodyResult:
    """Custody per truth object.

    ``fraction (n,)``: held steps / existing steps (NaN if it never exists);
    ``handovers (n,)``: changes of the assigned track id; ``steps_exist``,
    ``steps_held (n,)``; ``holder_id (T, n)``: id of the track held (within the
    error) at each step, −1 if none; ``assigned_id (T, n)``: id of the
    assigned track regardless of error, −1 if none; ``holder_slot (T, n)``: the
    slot (track column of the inputs) of the held track, −1 if none.
    """

    fraction: F64
    handovers: I64
    steps_exist: I64
    steps_held: I64
    holder_id: I64
    assigned_id: I64
    holder_slot: I64

    def summary(self) -> CustodySummary:
        """Scalar summary over objects that exist at least once."""
        seen = self.steps_exist > 0
        f = self.fraction[seen]
        n_ex = int(self.steps_exist.sum())
        return CustodySummary(
            n_objects=int(seen.sum()),
            mean_fraction=float(f.mean()) if f.size else math.nan,
            min_fraction=float(f.min()) if f.size else math.nan,
            time_weighted_fraction=float(self.steps_held.sum() / n_ex) if n_ex else math.nan,
            total_handovers=int(self.handovers.sum()),
        )


def count_changes(ids: I64) -> I64:
    """Per column of ``ids (T, n)`` (−1 = none), number of changes between
    consecutive non-negative entries (gaps are skipped)."""
    n_t = ids.shape[0]
    has = ids >= 0
    idx = np.where(has, np.arange(n_t)[:, None], -1)
    last = np.maximum.accumulate(idx, axis=0)  # last valid step at or before t
    prev = np.vstack([np.full((1, ids.shape[1]), -1), last[:-1]])
    prev_id = np.take_along_axis(ids, np.maximum(prev, 0), axis=0)
    change = has & (prev >= 0) & (prev_id != ids)
    return np.asarray(change.sum(axis=0), dtype=np.int64)


def custody(
    truth_pos_m: ArrayLike,
    truth_exists: ArrayLike,
    track_pos_m: ArrayLike,
    track_valid: ArrayLike,
    track_id: ArrayLike,
    max_error_m: float,
    track_truth: ArrayLike | None = None,
) -> CustodyResult:
    """Custody of truth objects by confirmed tracks, over T time steps (padded arrays).

    Inputs (any common Cartesian frame, metres):
        ``truth_pos_m (T, n, 3)``, ``truth_exists (T, n)`` bool — object j in
        flight at step t; ``track_pos_m (T, m, 3)``, ``track_valid (T, m)`` bool
        — slot k holds a confirmed track at step t; ``track_id (T, m)`` int —
        its persistent id; ``track_truth (T, m)`` int — truth index the track
        is assigned to (−1 none), e.g. from :func:`assign_tracks_to_truth`. If
        ``track_truth`` is None it is computed per step by
        :func:`assign_tracks_to_truth` with gate ``max_error_m``.

    Object j is *held* at step t when it exists and a valid track assigned to
    it is within ``max_error_m`` (fire-control quality). If several valid
    tracks are assigned to it, the nearest one is the holder/assigned track.
    A *handover* is a change of the assigned track id between consecutive
    steps at which the object has an assigned track (a gap followed by the
    same id is not a handover).
    """
    up = np.asarray(truth_pos_m, dtype=np.float64)
    ex = np.asarray(truth_exists, dtype=bool)
    tp = np.asarray(track_pos_m, dtype=np.float64)
    tv = np.asarray(track_valid, dtype=bool)
    tid = np.asarray(track_id, dtype=np.int64)
    n_t, n_obj = ex.shape
    if track_truth is None:
        tt = np.full(tv.shape, -1, dtype=np.int64)
        for t in range(n_t):
            kk, jj = np.flatnonzero(tv[t]), np.flatnonzero(ex[t])
            a = assign_tracks_to_truth(tp[t, kk], up[t, jj], max_error_m)
            tt[t, kk] = np.where(a >= 0, jj[np.maximum(a, 0)] if jj.size else -1, -1)
    else:
        tt = np.asarray(track_truth, dtype=np.int64)
    # the assigned (track slot, object) pairs only: each slot has one object, so the
    # work follows T × m, not the T × m × n of all distances
    t_i, k_i = np.nonzero(tv & (tt >= 0))
    j_i = tt[t_i, k_i]
    on = ex[t_i, j_i]
    t_i, k_i, j_i = t_i[on], k_i[on], j_i[on]
    err = np.asarray(np.linalg.norm(tp[t_i, k_i] - up[t_i, j_i], axis=-1))
    # per (step, object) the nearest assigned slot, the lowest slot on a tie (a NaN
    # distance first: argmin's rule, it leaves the object unassigned)
    key = np.where(np.isnan(err), -np.inf, err)
    o = np.lexsort((k_i, key, j_i, t_i))
    first = np.ones(o.size, dtype=bool)
    first[1:] = (t_i[o[1:]] != t_i[o[:-1]]) | (j_i[o[1:]] != j_i[o[:-1]])
    o = o[first]
    best_err = np.full((n_t, n_obj), np.inf)
    best_err[t_i[o], j_i[o]] = err[o]
    best_id = np.full((n_t, n_obj), -1, dtype=np.int64)
    best_id[t_i[o], j_i[o]] = tid[t_i[o], k_i[o]]
    best_slot = np.full((n_t, n_obj), -1, dtype=np.int64)
    best_slot[t_i[o], j_i[o]] = k_i[o]
    assigned = np.isfinite(best_err)
    held = assigned & (best_err <= max_error_m)
    assigned_id = np.where(assigned, best_id, -1)
    holder_id = np.where(held, best_id, -1)
    steps_exist = ex.sum(axis=0).astype(np.int64)
    steps_held = held.sum(axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(steps_exist > 0, steps_held / np.maximum(steps_exist, 1), np.nan)
    return CustodyResult(
        fraction=fraction,
        handovers=count_changes(assigned_id),
        steps_exist=steps_exist,
        steps_held=steps_held,
        holder_id=holder_id,
        assigned_id=assigned_id,
        holder_slot=np.where(held, best_slot, -1),
    )
