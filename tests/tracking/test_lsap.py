"""The compiled assignment kernel against scipy's linear_sum_assignment.

The kernel runs scipy's algorithm (Crouse 2016 shortest augmenting path) with
its tie conventions, so the assignments must be the same, ties included: on
random real costs, on small-integer costs (many ties) and on matrices with
forbidden (+inf) pairs, as the GNN's cluster matrices have.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from shieldlab.tracking.lsap import (
    cheapest,
    components,
    linear_sum_assignment_wide,
    solve_gnn_clusters,
)


def _scipy_cols(c: np.ndarray) -> np.ndarray:
    r, col = linear_sum_assignment(c)
    assert np.array_equal(r, np.arange(c.shape[0]))
    return col


@pytest.mark.parametrize("kind", ["real", "integer", "forbidden"])
def test_wide_assignment_is_scipys(kind: str) -> None:
    rng = np.random.default_rng({"real": 1, "integer": 2, "forbidden": 3}[kind])
    for _ in range(300):
        nr = int(rng.integers(1, 9))
        nc = nr + int(rng.integers(0, 7))
        if kind == "integer":
            c = rng.integers(0, 4, (nr, nc)).astype(np.float64)
        else:
            c = rng.normal(5.0, 3.0, (nr, nc))
        if kind == "forbidden":  # a finite dummy per row keeps it feasible, as in the GNN
            c[rng.random((nr, nc)) < 0.6] = np.inf
            c = np.concatenate([c, np.where(np.eye(nr) > 0, 20.0, np.inf)], axis=1)
        assert np.array_equal(linear_sum_assignment_wide(c), _scipy_cols(c))


def test_infeasible_and_tall_raise() -> None:
    c = np.array([[1.0, np.inf], [2.0, np.inf]])
    with pytest.raises(ValueError, match="infeasible"):
        linear_sum_assignment_wide(c)
    with pytest.raises(ValueError, match="rows"):
        linear_sum_assignment_wide(np.ones((3, 2)))


def _random_clusters(
    rng: np.random.Generator, k: int
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], int, int]:
    """``k`` clusters of 1-5 tracks × 1-5 measurements with random distinct pairs (each
    track paired at least once, the ids of the clusters interleaved), as (tracks,
    measurements, weights) per cluster, and the total track and measurement counts."""
    out, n, m = [], 0, 0
    for _ in range(k):
        a, b = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        cells = rng.permutation(a * b)[: int(rng.integers(1, a * b + 1))]
        r, c = np.divmod(cells, b)
        out.append((n + r, m + c, rng.uniform(1.0, 12.0, r.size)))
        n, m = n + a, m + b
    perm_t, perm_m = rng.permutation(n), rng.permutation(m)  # interleave the clusters' ids
    return [(perm_t[t], perm_m[c], w) for t, c, w in out], n, m


def test_gnn_clusters_solved_at_once_match_scipy_per_cluster() -> None:
    """Pairs of 200 random clusters, shuffled together: the clusters found by union-find
    are the generating clusters (those that are connected), and each cluster's
    assignment is scipy's on its dense tracks × (measurements + dummies) matrix,
    tracks and measurements ascending; the cheapest pair of each cluster is the
    first of its least cost."""
    rng = np.random.default_rng(4)
    clusters, n, m = _random_clusters(rng, 200)
    tr = np.concatenate([t for t, _, _ in clusters])
    ms = np.concatenate([c for _, c, _ in clusters])
    w = np.concatenate([x for _, _, x in clusters])
    w[rng.random(w.size) < 0.2] = 5.0  # ties
    perm = rng.permutation(tr.size)
    tr, ms, w = tr[perm], ms[perm], w[perm]
    lab, n_tr, n_ms = components(tr, ms, n, m)
    graph = coo_matrix((np.ones(tr.size), (tr, n + ms)), shape=(n + m, n + m))
    cc = connected_components(graph, directed=False)[1]
    # the same partition of the pairs as scipy's, labels numbered by first pair
    assert lab.max() + 1 == np.unique(cc[tr]).size
    for k in range(lab.max() + 1):
        assert np.unique(cc[tr[lab == k]]).size == 1
    _, first = np.unique(lab, return_index=True)
    assert np.array_equal(np.sort(first), first)
    best = cheapest(lab, w, n_tr.size)
    dummy = 9.0
    solve = rng.random(n_tr.size) < 0.8
    got = solve_gnn_clusters(tr, ms, w, lab, n_tr, n_ms, solve, dummy, n, m)
    want = np.full(n, -1)
    for k in range(n_tr.size):
        e = np.flatnonzero(lab == k)
        assert n_tr[k] == np.unique(tr[e]).size and n_ms[k] == np.unique(ms[e]).size
        assert best[k] == e[np.argmin(w[e])]  # argmin: the first of the least
        if not solve[k]:
            continue
        rows, ri = np.unique(tr[e], return_inverse=True)
        cols, cj = np.unique(ms[e], return_inverse=True)
        a, b = rows.size, cols.size
        mat = np.full((a, b + a), np.inf)
        mat[ri, cj] = w[e]
        mat[np.arange(a), b + np.arange(a)] = dummy
        col = _scipy_cols(mat)
        want[rows[col < b]] = cols[col[col < b]]
    assert np.array_equal(got, want)
