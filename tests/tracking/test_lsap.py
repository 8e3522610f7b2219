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

from shieldlab.tracking.lsap import linear_sum_assignment_wide, solve_clusters


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


def test_clusters_solved_at_once_match_one_by_one() -> None:
    rng = np.random.default_rng(4)
    sizes = [(int(rng.integers(1, 6)), int(rng.integers(1, 6))) for _ in range(200)]
    dummy = 9.0
    starts, ri, cj, w, want = [0], [], [], [], []
    for a, b in sizes:
        cells = rng.permutation(a * b)[: int(rng.integers(1, a * b + 1))]
        r, c = np.divmod(cells, b)
        wt = rng.uniform(1.0, 12.0, r.size)
        m = np.full((a, b + a), np.inf)
        m[r, c] = wt
        m[np.arange(a), b + np.arange(a)] = dummy
        want.append(_scipy_cols(m))
        ri.append(r)
        cj.append(c)
        w.append(wt)
        starts.append(starts[-1] + r.size)
    got = solve_clusters(
        np.array(starts),
        np.concatenate(ri),
        np.concatenate(cj),
        np.concatenate(w),
        np.array([a for a, _ in sizes]),
        np.array([b for _, b in sizes]),
        dummy,
    )
    assert np.array_equal(got, np.concatenate(want))
