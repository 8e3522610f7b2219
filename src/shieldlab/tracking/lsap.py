"""Rectangular linear sum assignment, compiled: many small problems in one call.

The tracker's GNN splits each scan's gated pairs into clusters (connected
components of the gating graph) and solves each cluster's dense rows ×
(columns + dummies) matrix. A raid scene has thousands of clusters of a few
rows each; one ``scipy.optimize.linear_sum_assignment`` call per cluster costs
far more in Python and array set-up than the assignment itself. Here the
same algorithm runs as a compiled kernel over all clusters at once.

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
def _solve_clusters(
    pair_start: I64,
    ri: I64,
    cj: I64,
    w: F64,
    n_rows: I64,
    n_cols: I64,
    dummy: float,
    row_start: I64,
    out: I64,
) -> int:
    """Every cluster g's GNN matrix (``n_rows[g]`` × (``n_cols[g]`` + ``n_rows[g]``):
    its pairs ``pair_start[g]:pair_start[g + 1]`` of ``ri, cj, w``, a private dummy
    column per row at ``dummy``, +inf elsewhere) solved by :func:`_solve_wide`;
    ``out[row_start[g] + i]`` receives row i's column (≥ ``n_cols[g]``: its dummy).
    Returns the first cluster without a finite assignment, or −1."""
    g_count = n_rows.size
    big_r, big_c = 1, 1
    for g in range(g_count):
        big_r = max(big_r, n_rows[g])
        big_c = max(big_c, n_cols[g] + n_rows[g])
    col4row, u, v, spc, path, row4col, sr, sc, remaining = _workspace(big_r, big_c)
    for g in range(g_count):
        a, b = n_rows[g], n_cols[g]
        m = np.full((a, b + a), math.inf)
        for e in range(pair_start[g], pair_start[g + 1]):
            m[ri[e], cj[e]] = w[e]
        for i in range(a):
            m[i, b + i] = dummy
        if _solve_wide(m, col4row, u, v, spc, path, row4col, sr, sc, remaining) != 0:
            return g
        for i in range(a):
            out[row_start[g] + i] = col4row[i]
    return -1


def solve_clusters(
    pair_start: I64,
    ri: I64,
    cj: I64,
    w: F64,
    n_rows: I64,
    n_cols: I64,
    dummy: float,
) -> I64:
    """The GNN assignment of many independent clusters in one compiled call.

    Cluster g has ``n_rows[g]`` rows (tracks), ``n_cols[g]`` columns
    (measurements) and the pairs ``pair_start[g]:pair_start[g + 1]`` of the
    local rows ``ri``, local columns ``cj`` and weights ``w`` (distinct pairs);
    each row may instead take its own dummy column at weight ``dummy``. Returns
    the local column of every cluster's rows, clusters concatenated in order
    (≥ ``n_cols[g]``: the row took its dummy): the assignment
    ``scipy.optimize.linear_sum_assignment`` gives each cluster's dense matrix.
    """
    n_rows = np.ascontiguousarray(n_rows, dtype=np.int64)
    row_start = np.zeros(n_rows.size + 1, dtype=np.int64)
    np.cumsum(n_rows, out=row_start[1:])
    out = np.empty(int(row_start[-1]), dtype=np.int64)
    bad = _solve_clusters(
        np.ascontiguousarray(pair_start, dtype=np.int64),
        np.ascontiguousarray(ri, dtype=np.int64),
        np.ascontiguousarray(cj, dtype=np.int64),
        np.ascontiguousarray(w, dtype=np.float64),
        n_rows,
        np.ascontiguousarray(n_cols, dtype=np.int64),
        float(dummy),
        row_start,
        out,
    )
    if bad >= 0:
        raise ValueError(f"solve_clusters: cluster {bad} has no assignment of finite cost")
    return out


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
