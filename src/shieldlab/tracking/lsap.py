"""Rectangular linear sum assignment, compiled: many small problems in one call.

The tracker's GNN splits each scan's gated pairs into clusters (connected
components of the gating graph: :func:`components`, union–find over the
pairs) and solves each cluster's dense rows × (columns + dummies) matrix
(:func:`solve_gnn_clusters`). A raid scene has thousands of clusters of a few
rows each and millions of gated pairs a frame; one
``scipy.optimize.linear_sum_assignment`` call per cluster, or array passes
that sort the pairs into clusters, cost far more than the assignment itself.
Here the clustering, the cluster matrices and the same assignment algorithm
run as compiled kernels over all clusters at once.

Algorithm: the shortest augmenting path method (Jonker–Volgenant style
Dijkstra on reduced costs, one row at a time) as laid out by Crouse, "On
implementing 2D rectangular assignment algorithms", IEEE Trans. AES 52(4),
2016, pp. 1685–1686 — the method of scipy's ``linear_sum_assignment``, with
the same conventions: the free columns are scanned from the last to the
first, a tie on the shortest path prefers a column not yet assigned (a
sink), and costs of +inf are forbidden pairs. With those conventions the
kernel returns scipy's assignment, ties included (a test compares them on
random, integer and partly forbidden matrices); the arithmetic is the same
sums in the same order.

Only wide problems (rows ≤ columns) are solved: the GNN's matrices always are
(every row has its own dummy column).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


@kernel
def _solve_wide(
    cost: F64,
    col4row: I64,
    u: F64,
    v: F64,
    spc: F64,
    path: I64,
    row4col: I64,
    sr: BoolArr,
    sc: BoolArr,
    remaining: I64,
) -> int:
    """Minimum-cost assignment of every row of ``cost (nr, nc)``, nr ≤ nc, to a
    distinct column; ``col4row[:nr]`` receives each row's column. The other
    arrays are work space of at least nr (``u``, ``sr``) or nc entries. Returns 0,
    or −1 when no assignment of finite cost exists."""
    nr, nc = cost.shape
    inf = math.inf
    for i in range(nr):
        u[i] = 0.0
        col4row[i] = -1
    for j in range(nc):
        v[j] = 0.0
        path[j] = -1
        row4col[j] = -1
    for cur in range(nr):
        # Dijkstra from row ``cur`` on the reduced costs until a free column
        min_val = 0.0
        n_rem = nc
        for it in range(nc):
            remaining[it] = nc - it - 1
        for i in range(nr):
            sr[i] = False
        for j in range(nc):
            sc[j] = False
            spc[j] = inf
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = inf
            sr[i] = True
            for it in range(n_rem):
                j = remaining[it]
                r = min_val + cost[i, j] - u[i] - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = it
            min_val = lowest
            if min_val == inf:
                return -1
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            sc[j] = True
            n_rem -= 1
            remaining[index] = remaining[n_rem]
        # dual update, then augment along the path
        u[cur] += min_val
        for i in range(nr):
            if sr[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(nc):
            if sc[j]:
                v[j] -= min_val - spc[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            j, col4row[i] = col4row[i], j
            if i == cur:
                break
    return 0


@kernel
def _workspace(rows: int, cols: int) -> tuple[I64, F64, F64, F64, I64, I64, BoolArr, BoolArr, I64]:
    """:func:`_solve_wide`'s arrays for problems up to ``rows`` × ``cols``: col4row,
    u, v, shortest-path costs, path, row4col, SR, SC, remaining."""
    return (
        np.empty(rows, np.int64),
        np.empty(rows),
        np.empty(cols),
        np.empty(cols),
        np.empty(cols, np.int64),
        np.empty(cols, np.int64),
        np.empty(rows, np.bool_),
        np.empty(cols, np.bool_),
        np.empty(cols, np.int64),
    )


@kernel
def _root(parent: I64, x: int) -> int:
    """Union–find root of ``x``, compressing the path walked."""
    r = x
    while parent[r] != r:
        r = parent[r]
    while parent[x] != r:
        nxt = parent[x]
        parent[x] = r
        x = nxt
    return r


@kernel
def _components(tr: I64, ms: I64, n: int, m: int) -> tuple[I64, I64, I64]:
    """Cluster label of each pair (labels 0..g−1 in order of first pair) of the
    bipartite graph of tracks ``tr`` < n and measurements ``ms`` < m, and the
    distinct tracks and measurements of each cluster (g,)."""
    parent = np.arange(n + m)
    for e in range(tr.size):
        a, b = _root(parent, tr[e]), _root(parent, n + ms[e])
        if a != b:
            parent[max(a, b)] = min(a, b)
    lab_of = np.full(n + m, -1, np.int64)
    lab = np.empty(tr.size, np.int64)
    n_tr = np.zeros(tr.size, np.int64)
    n_ms = np.zeros(tr.size, np.int64)
    g = 0
    for e in range(tr.size):
        r = _root(parent, tr[e])
        if lab_of[r] < 0:
            lab_of[r] = g
            g += 1
        lab[e] = lab_of[r]
    seen_t = np.zeros(n, np.bool_)
    seen_m = np.zeros(m, np.bool_)
    for e in range(tr.size):
        if not seen_t[tr[e]]:
            seen_t[tr[e]] = True
            n_tr[lab[e]] += 1
        if not seen_m[ms[e]]:
            seen_m[ms[e]] = True
            n_ms[lab[e]] += 1
    return lab, n_tr[:g].copy(), n_ms[:g].copy()


@kernel
def _cheapest(lab: I64, c: F64, g: int) -> I64:
    """Each cluster's cheapest pair (g,), the first in pair order on ties."""
    best = np.full(g, -1, np.int64)
    for e in range(lab.size):
        k = lab[e]
        if best[k] < 0 or c[e] < c[best[k]]:
            best[k] = e
    return best


@kernel
def _solve_gnn(
    tr: I64,
    ms: I64,
    w: F64,
    lab: I64,
    n_tr: I64,
    n_ms: I64,
    solve: BoolArr,
    dummy: float,
    n: int,
    m: int,
    mft: I64,
) -> int:
    """Solve the clusters with ``solve[k]`` (see :func:`solve_gnn_clusters`), writing
    each assigned track's measurement into ``mft``; the first cluster without a
    finite assignment, or −1."""
    g = n_tr.size
    start = np.zeros(g + 1, np.int64)
    for e in range(lab.size):
        start[lab[e] + 1] += 1
    for k in range(g):
        start[k + 1] += start[k]
    pos = start[:g].copy()
    order = np.empty(lab.size, np.int64)
    for e in range(lab.size):  # the pairs by cluster, in pair order within each
        order[pos[lab[e]]] = e
        pos[lab[e]] += 1
    big_r, big_c = 1, 1
    for k in range(g):
        if solve[k]:
            big_r = max(big_r, n_tr[k])
            big_c = max(big_c, n_ms[k] + n_tr[k])
    col4row, u, v, spc, path, row4col, sr, sc, remaining = _workspace(big_r, big_c)
    r_loc = np.full(n, -1, np.int64)
    c_loc = np.full(m, -1, np.int64)
    for k in range(g):
        if not solve[k]:
            continue
        a, b = n_tr[k], n_ms[k]
        rows = np.empty(a, np.int64)
        cols = np.empty(b, np.int64)
        ia, ib = 0, 0
        for q in range(start[k], start[k + 1]):
            e = order[q]
            if r_loc[tr[e]] == -1:
                r_loc[tr[e]] = -2
                rows[ia] = tr[e]
                ia += 1
            if c_loc[ms[e]] == -1:
                c_loc[ms[e]] = -2
                cols[ib] = ms[e]
                ib += 1
        rows.sort()
        cols.sort()
        for i in range(a):
            r_loc[rows[i]] = i
        for j in range(b):
            c_loc[cols[j]] = j
        mat = np.full((a, b + a), math.inf)
        for q in range(start[k], start[k + 1]):
            e = order[q]
            mat[r_loc[tr[e]], c_loc[ms[e]]] = w[e]
        for i in range(a):
            mat[i, b + i] = dummy
        if _solve_wide(mat, col4row, u, v, spc, path, row4col, sr, sc, remaining) != 0:
            return k
        for i in range(a):
            if col4row[i] < b:
                mft[rows[i]] = cols[col4row[i]]
            r_loc[rows[i]] = -1
        for j in range(b):
            c_loc[cols[j]] = -1
    return -1


def components(tr: I64, ms: I64, n: int, m: int) -> tuple[I64, I64, I64]:
    """Clusters (connected components) of the bipartite gating graph of pairs (track
    ``tr`` < n, measurement ``ms`` < m), by union–find: each pair's cluster
    label (0..g−1, numbered in order of first pair) and the number of distinct
    tracks and measurements in each cluster (g,)."""
    return _components(
        np.ascontiguousarray(tr, dtype=np.int64), np.ascontiguousarray(ms, dtype=np.int64), n, m
    )


def cheapest(lab: I64, cost: F64, g: int) -> I64:
    """The cheapest pair of each of the ``g`` clusters (index into the pairs; ties:
    the first pair)."""
    return _cheapest(
        np.ascontiguousarray(lab, dtype=np.int64), np.ascontiguousarray(cost, dtype=np.float64), g
    )


def solve_gnn_clusters(
    tr: I64,
    ms: I64,
    w: F64,
    lab: I64,
    n_tr: I64,
    n_ms: I64,
    solve: BoolArr,
    dummy: float,
    n: int,
    m: int,
) -> I64:
    """The GNN assignment of many independent clusters in one compiled call.

    Pairs (track ``tr`` < n, measurement ``ms`` < m, weight ``w``; distinct
    pairs) in clusters ``lab`` with ``n_tr``, ``n_ms`` distinct tracks and
    measurements (:func:`components`). Each cluster k with ``solve[k]`` is
    the dense matrix of its tracks (rows, ascending) × its measurements
    (columns, ascending) + one private dummy column per row at ``dummy``, +inf
    elsewhere, solved by scipy's ``linear_sum_assignment`` algorithm
    (:func:`_solve_wide`): the same assignment, ties included. Returns the
    measurement of each of the n tracks, −1 where unassigned or not solved.
    """
    mft = np.full(n, -1, dtype=np.int64)
    bad = _solve_gnn(
        np.ascontiguousarray(tr, dtype=np.int64),
        np.ascontiguousarray(ms, dtype=np.int64),
        np.ascontiguousarray(w, dtype=np.float64),
        np.ascontiguousarray(lab, dtype=np.int64),
        np.ascontiguousarray(n_tr, dtype=np.int64),
        np.ascontiguousarray(n_ms, dtype=np.int64),
        np.ascontiguousarray(solve, dtype=np.bool_),
        float(dummy),
        n,
        m,
        mft,
    )
    if bad >= 0:
        raise ValueError(f"solve_gnn_clusters: cluster {bad} has no assignment of finite cost")
    return mft


def linear_sum_assignment_wide(cost: F64) -> I64:
    """Each row's column of the minimum-cost assignment of ``cost (nr, nc)``, nr ≤ nc
    (+inf: forbidden): scipy's ``linear_sum_assignment`` compiled, one problem."""
    c = np.ascontiguousarray(cost, dtype=np.float64)
    nr, nc = c.shape
    if nr > nc:
        raise ValueError(f"linear_sum_assignment_wide: cost has {nr} rows > {nc} columns")
    col4row, u, v, spc, path, row4col, sr, sc, remaining = _workspace(max(nr, 1), max(nc, 1))
    code = _solve_wide(c, col4row, u, v, spc, path, row4col, sr, sc, remaining)
    if code != 0:
        raise ValueError("linear_sum_assignment_wide: cost matrix is infeasible")
    return col4row[:nr].copy()
