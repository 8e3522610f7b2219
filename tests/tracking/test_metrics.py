"""Tests of tracking metrics: GOSPA, OSPA, track-to-truth assignment, custody.

Sources: GOSPA — Rahmathullah, García-Fernández, Svensson, FUSION 2017 (Prop. 1:
α = 2 form as a minimum over partial assignments); OSPA — Schuhmacher, Vo, Vo,
IEEE TSP 2008 (eq. 3). Hand-computed values hold to 1e-12 (float round-off).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from shieldlab.tracking.metrics import (
    assign_tracks_to_truth,
    custody,
    gospa,
    gospa_series,
    ospa,
)

TOL = 1e-12


def _brute_gospa(x: np.ndarray, y: np.ndarray, c: float, p: float) -> float:
    """GOSPA (α = 2) by enumeration of all partial one-to-one assignments with
    *unclipped* distances (Rahmathullah et al. 2017, Prop. 1)."""
    m, n = len(x), len(y)
    best = math.inf
    for k in range(min(m, n) + 1):
        for rows in itertools.combinations(range(m), k):
            for cols in itertools.permutations(range(n), k):
                loc = sum(
                    float(np.linalg.norm(x[i] - y[j])) ** p for i, j in zip(rows, cols, strict=True)
                )
                best = min(best, loc + c**p / 2 * (m + n - 2 * k))
    return best ** (1 / p)


def _pts(max_n: int) -> st.SearchStrategy[np.ndarray]:
    return st.integers(0, max_n).flatmap(
        lambda k: arrays(np.float64, (k, 2), elements=st.floats(-10, 10, width=32))
    )


# ---------------------------------------------------------------- GOSPA


def test_gospa_perfect_match_plus_missed_target() -> None:
    c, p = 5.0, 2.0
    r = gospa([[0.0, 0.0], [10.0, 10.0]], [[0.0, 0.0]], c, p)
    assert r.total == pytest.approx(math.sqrt(c**p / 2), abs=TOL)
    assert (r.n_missed, r.n_false) == (1, 0)
    assert r.localisation_p == 0.0
    assert r.missed_p == pytest.approx(12.5, abs=TOL)
    assert list(r.assignment) == [0, -1]


def test_gospa_localisation_plus_false_track() -> None:
    r = gospa([[0.0, 0.0]], [[3.0, 0.0], [100.0, 0.0]], c=5.0, p=2.0)
    assert r.total**2 == pytest.approx(9.0 + 12.5, abs=TOL)
    assert (r.n_missed, r.n_false) == (0, 1)
    assert r.localisation_p == pytest.approx(9.0, abs=TOL)


def test_gospa_pair_beyond_cutoff_is_missed_plus_false() -> None:
    r = gospa([[0.0, 0.0]], [[7.0, 0.0]], c=5.0, p=1.0)
    assert r.total == pytest.approx(5.0, abs=TOL)
    assert (r.n_missed, r.n_false) == (1, 1)
    assert list(r.assignment) == [-1]


def test_gospa_empty_sets() -> None:
    e = np.empty((0, 3))
    assert gospa(e, e, c=2.0).total == 0.0
    r = gospa(e, np.zeros((3, 3)), c=2.0, p=2.0)
    assert r.total == pytest.approx(math.sqrt(3 * 4.0 / 2), abs=TOL)
    assert r.n_false == 3


def test_gospa_alpha_one_total_only() -> None:
    # α = 1: c^p/α per cardinality mismatch; |n − m| = 1, one exact match.
    r = gospa([[0.0, 0.0]], [[0.0, 0.0], [9.0, 9.0]], c=3.0, p=1.0, alpha=1.0)
    assert r.total == pytest.approx(3.0, abs=TOL)
    assert math.isnan(r.localisation_p)


@settings(max_examples=60, deadline=None)
@given(_pts(4), _pts(4), st.sampled_from([1.0, 2.0, 3.0]))
def test_gospa_equals_brute_force_and_parts_sum(x: np.ndarray, y: np.ndarray, p: float) -> None:
    c = 4.0
    r = gospa(x, y, c, p)
    assert r.total == pytest.approx(_brute_gospa(x, y, c, p), rel=1e-9, abs=1e-9)
    assert r.localisation_p + r.missed_p + r.false_p == pytest.approx(r.total**p, rel=1e-9)
    assert r.n_missed + (r.assignment >= 0).sum() == len(x)


@settings(max_examples=60, deadline=None)
@given(_pts(4), _pts(4), _pts(4))
def test_gospa_is_a_metric(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    c, p = 3.0, 2.0
    dxy, dyx = gospa(x, y, c, p).total, gospa(y, x, c, p).total
    assert dxy == pytest.approx(dyx, abs=1e-9)
    assert gospa(x, x, c, p).total == 0.0
    assert dxy <= gospa(x, z, c, p).total + gospa(z, y, c, p).total + 1e-9


# ---------------------------------------------------------------- OSPA


def test_ospa_known_values() -> None:
    assert ospa([[0.0, 0.0]], [[3.0, 0.0]], c=10.0, p=1.0) == pytest.approx(3.0, abs=TOL)
    # One exact match, two extra estimates: (0 + c·(n − m)) / n.
    v = ospa([[0.0, 0.0]], [[0.0, 0.0], [50.0, 0.0], [60.0, 0.0]], c=10.0, p=1.0)
    assert v == pytest.approx(10.0 * 2 / 3, abs=TOL)
    # p = 2, distance 3 and one unmatched: sqrt((9 + 100)/2).
    v2 = ospa([[0.0, 0.0], [40.0, 0.0]], [[3.0, 0.0]], c=10.0, p=2.0)
    assert v2 == pytest.approx(math.sqrt(109 / 2), abs=TOL)
    e = np.empty((0, 2))
    assert ospa(e, e, c=10.0) == 0.0
    assert ospa(e, [[1.0, 1.0]], c=10.0) == 10.0


@settings(max_examples=30, deadline=None)
@given(_pts(4), _pts(4))
def test_ospa_bounded_and_symmetric(x: np.ndarray, y: np.ndarray) -> None:
    v = ospa(x, y, c=5.0, p=2.0)
    assert 0.0 <= v <= 5.0 + 1e-12
    assert v == pytest.approx(ospa(y, x, c=5.0, p=2.0), abs=1e-9)


# ---------------------------------------------------------------- series


def test_gospa_series_matches_per_step_loop() -> None:
    rng = np.random.default_rng(4)
    n_t, m, n = 12, 5, 6
    x = rng.uniform(-10, 10, (n_t, m, 3))
    y = x[:, :1, :].repeat(n, axis=1) + rng.normal(0, 3, (n_t, n, 3))
    xv = rng.random((n_t, m)) < 0.7
    yv = rng.random((n_t, n)) < 0.6
    x[~xv] = np.nan  # padding may hold anything
    s = gospa_series(x, xv, y, yv, c=6.0, p=2.0)
    for t in range(n_t):
        r = gospa(x[t][xv[t]], y[t][yv[t]], c=6.0, p=2.0)
        assert s.total[t] == pytest.approx(r.total, abs=TOL)
        assert s.localisation_p[t] == pytest.approx(r.localisation_p, abs=TOL)
        assert (s.n_missed[t], s.n_false[t]) == (r.n_missed, r.n_false)


# ---------------------------------------------------------------- assignment


def test_assign_is_optimal_where_greedy_fails() -> None:
    # Greedy nearest-pair would take P–B (0.2 m) then Q–A (2.0 m) = 2.2 m;
    # the optimum is P–A (1.0 m) + Q–B (0.8 m) = 1.8 m.
    tracks = np.array([[1.0, 0, 0], [2.0, 0, 0]])
    truths = np.array([[0.0, 0, 0], [1.2, 0, 0]])
    assert list(assign_tracks_to_truth(tracks, truths, gate_m=2.5)) == [0, 1]


def test_assign_respects_gate() -> None:
    tracks = np.array([[0.0, 0, 0], [500.0, 0, 0], [9000.0, 0, 0]])
    truths = np.array([[510.0, 0, 0], [20.0, 0, 0]])
    assert list(assign_tracks_to_truth(tracks, truths, gate_m=1000.0)) == [1, 0, -1]
    assert list(assign_tracks_to_truth(tracks, np.empty((0, 3)), 1000.0)) == [-1, -1, -1]


def test_sparse_assignment_equals_the_dense_one() -> None:
    """Above DENSE_ASSIGN_CELLS pairs the assignment works on the gated pairs (k-d
    tree, clustered GNN): the dense Hungarian optimum, on clustered scenes of
    tracks near truths, duplicates and strays."""
    from scipy.optimize import linear_sum_assignment

    from shieldlab.tracking import metrics

    rng = np.random.default_rng(11)
    gate = 8_000.0
    for _ in range(40):
        m, n = rng.integers(90, 260), rng.integers(90, 260)
        truths = rng.uniform(0.0, 2e5, (n, 3))
        near = rng.integers(0, n, m // 2)  # half the tracks follow a truth, some twice
        tracks = rng.uniform(0.0, 2e5, (m, 3))
        tracks[: m // 2] = truths[near] + rng.normal(0.0, 3_000.0, (m // 2, 3))
        assert m * n > metrics.DENSE_ASSIGN_CELLS
        dist = np.linalg.norm(tracks[:, None] - truths[None], axis=-1)
        rows, cols = linear_sum_assignment(np.minimum(dist, gate))
        keep = dist[rows, cols] <= gate
        want = np.full(m, -1)
        want[rows[keep]] = cols[keep]
        np.testing.assert_array_equal(assign_tracks_to_truth(tracks, truths, gate), want)


# ---------------------------------------------------------------- custody


def _one_object(n_t: int = 10) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n_t, dtype=float)
    truth = np.stack([t * 3000.0, np.zeros(n_t), np.full(n_t, 1e5)], axis=-1)[:, None, :]
    return truth, np.ones((n_t, 1), dtype=bool)


@pytest.mark.parametrize("given_assignment", [True, False])
def test_custody_seventy_percent_within_one_km(given_assignment: bool) -> None:
    truth, exists = _one_object()
    off = np.where(np.arange(10) < 7, 500.0, 5000.0)  # 0.5 km for 7 steps, 5 km after
    trk = truth + np.stack([off, 0 * off, 0 * off], axis=-1)[:, None, :]
    valid = np.ones((10, 1), dtype=bool)
    tid = np.full((10, 1), 7)
    tt = np.zeros((10, 1), dtype=np.int64) if given_assignment else None
    r = custody(truth, exists, trk, valid, tid, max_error_m=1000.0, track_truth=tt)
    assert r.fraction[0] == pytest.approx(0.7, abs=TOL)
    assert r.handovers[0] == 0
    assert list(r.holder_id[:, 0]) == [7] * 7 + [-1] * 3
    assert list(r.holder_slot[:, 0]) == [0] * 7 + [-1] * 3


def test_custody_track_switch_is_one_handover() -> None:
    truth, exists = _one_object()
    trk = np.concatenate([truth, truth + 10.0], axis=1)  # two slots, both close
    valid = np.zeros((10, 2), dtype=bool)
    valid[:5, 0] = True
    valid[5:, 1] = True
    tid = np.tile([11, 12], (10, 1))
    r = custody(truth, exists, trk, valid, tid, max_error_m=1000.0)
    assert r.fraction[0] == 1.0
    assert r.handovers[0] == 1
    assert r.summary().total_handovers == 1
    assert list(r.holder_slot[:, 0]) == [0] * 5 + [1] * 5  # the slot of the held id


def test_custody_gap_with_same_id_is_no_handover_and_exists_mask_counts() -> None:
    truth, exists = _one_object()
    exists[:2, 0] = False  # launched at step 2: exists 8 steps
    valid = np.ones((10, 1), dtype=bool)
    valid[[4, 5], 0] = False  # track coasts out for two steps, same id after
    r = custody(truth, exists, truth.copy(), valid, np.full((10, 1), 3), max_error_m=1000.0)
    assert r.steps_exist[0] == 8
    assert r.fraction[0] == pytest.approx(6 / 8, abs=TOL)
    assert r.handovers[0] == 0


def test_custody_vectorised_matches_scalar_loop() -> None:
    rng = np.random.default_rng(7)
    n_t, n, m = 15, 4, 5
    truth = rng.uniform(-5e3, 5e3, (n_t, n, 3))
    exists = rng.random((n_t, n)) < 0.8
    tt = rng.integers(-1, n, (n_t, m))
    trk = truth[np.arange(n_t)[:, None], np.maximum(tt, 0)] + rng.normal(0, 800.0, (n_t, m, 3))
    valid = rng.random((n_t, m)) < 0.8
    tid = rng.integers(0, 3, (n_t, m))
    r = custody(truth, exists, trk, valid, tid, max_error_m=1000.0, track_truth=tt)
    for j in range(n):
        held, ids = 0, []
        for t in range(n_t):
            if not exists[t, j]:
                continue
            ks = [k for k in range(m) if valid[t, k] and tt[t, k] == j]
            if not ks:
                continue
            errs = [float(np.linalg.norm(trk[t, k] - truth[t, j])) for k in ks]
            k = ks[int(np.argmin(errs))]
            ids.append(int(tid[t, k]))
            held += min(errs) <= 1000.0
        assert r.steps_held[j] == held
        assert r.handovers[j] == sum(a != b for a, b in itertools.pairwise(ids))
    s = r.summary()
    assert s.n_objects == int((exists.sum(axis=0) > 0).sum())
    assert s.time_weighted_fraction == pytest.approx(r.steps_held.sum() / exists.sum())
