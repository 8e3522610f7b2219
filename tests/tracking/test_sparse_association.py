"""Sparse gating and clustered GNN against the dense reference path.

The fast path (:func:`pregate_pairs` → :func:`gated_pairs` → :func:`gnn_assign_pairs`)
must give the pairs of the dense one (:func:`innovation_stats` + :func:`gate` →
:func:`gnn_assign` on the full matrix): the pre-gate box is a necessary condition
of the χ² gate (Cauchy–Schwarz), and the GNN objective is a sum over the
clusters of the gating graph, so the clustered optimum is the dense optimum
whenever that one is unique (continuous random costs: almost surely).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab.core.constants import DEG
from shieldlab.core.frames import enu_matrix, geodetic_to_ecef
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4
from shieldlab.core.time import gmst_at
from shieldlab.tracking import associate
from shieldlab.tracking.angles import measure_radec
from shieldlab.tracking.associate import (
    AER_ANGLE_AXES,
    MeasureFn,
    aer_model,
    diag_cov,
    gate,
    gate_threshold,
    gated_pairs,
    gnn_assign,
    gnn_assign_pairs,
    innovation_stats,
    linear_model,
    pregate_pairs,
)
from shieldlab.tracking.ekf import SiteGeometry, init_single_point
from shieldlab.tracking.scenes import ballistic_velocity, points_from_site_eci, radar_scans
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig, run_tracker

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
LAT, LON = 40.0 * DEG, -100.0 * DEG
SITE_ECEF = geodetic_to_ecef(LAT, LON, 0.0).reshape(3)
SITE_ENU = enu_matrix(LAT, LON).reshape(3, 3)
SIGMA = np.array([50.0, 1e-3, 1e-3])  # range [m], az [rad], el [rad]


# ------------------------------------------------------------------ helpers
def _dense_pairs(cost: np.ndarray, gated: np.ndarray, c0: float | None) -> set[tuple[int, int]]:
    _, mft = gnn_assign(cost, gated, None, c0)
    return {(i, int(j)) for i, j in enumerate(mft) if j >= 0}


def _sparse_pairs(cost: np.ndarray, gated: np.ndarray, c0: float | None) -> set[tuple[int, int]]:
    n, m = cost.shape
    ti, mj = np.nonzero(gated)
    tfm, mft = gnn_assign_pairs(n, m, ti, mj, cost[ti, mj], c0)
    pairs = {(i, int(j)) for i, j in enumerate(mft) if j >= 0}
    assert pairs == {(int(i), j) for j, i in enumerate(tfm) if i >= 0}  # both views agree
    return pairs


def _objective(
    pairs: set[tuple[int, int]], cost: np.ndarray, c0: float | None
) -> tuple[float, float]:
    """(−cardinality, cost) for c0 None, else (0, cost + c0 × unassigned): smaller is better."""
    n, m = cost.shape
    c = float(sum(cost[i, j] for i, j in pairs))
    k = len(pairs)
    return (-k, c) if c0 is None else (0.0, c + c0 * (n - k + m - k))


def _clustered_gating(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """A gating mask like a scan's: tracks and measurements scattered on a line, gated
    when close (clusters of all sizes: singletons, stars, chains, a few big ones)."""
    t_pos = rng.uniform(0.0, 1.0, n)
    m_pos = rng.uniform(0.0, 1.0, m)
    reach = rng.uniform(0.2, 3.0) / max(n, m)
    return np.abs(t_pos[:, None] - m_pos[None, :]) < reach


# -------------------------------------------------------- clustered assignment
@pytest.mark.parametrize("c0", [None, 2.0, 8.0])
@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("dense_cells", [associate.DENSE_CLUSTER_CELLS, 30, 0])
def test_clustered_gnn_equals_dense_gnn(
    c0: float | None, signed: bool, dense_cells: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeded random gated cost matrices (d², or d² + ln|S| which may be negative):
    the clustered, sparse GNN assigns exactly the pairs of the dense GNN, with the
    clusters solved as dense matrices (all in one compiled call), some each way
    (``dense_cells`` 30) or (0) all by LAPJVsp."""
    monkeypatch.setattr(associate, "DENSE_CLUSTER_CELLS", dense_cells)
    rng = np.random.default_rng(2026)
    n_big = 0
    for trial in range(120):
        n, m = (int(v) for v in rng.integers(1, 60 if trial % 4 else 300, size=2))
        gated = _clustered_gating(rng, n, m)
        cost = rng.exponential(4.0, size=(n, m))
        if signed:
            cost += rng.normal(-3.0, 2.0, size=(n, m))
        dense = _dense_pairs(cost, gated, c0)
        assert _sparse_pairs(cost, gated, c0) == dense
        n_big += int(gated.sum(axis=1).max(initial=0) > 1 and gated.sum(axis=0).max() > 1)
    assert n_big > 50  # most trials have clusters beyond single pairs and stars


def test_clustered_gnn_non_finite_costs_are_not_assigned() -> None:
    cost = np.array([[1.0, np.inf], [np.nan, 2.0]])
    tfm, mft = gnn_assign_pairs(2, 2, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), cost.ravel())
    assert list(mft) == [0, 1] and list(tfm) == [0, 1]
    tfm, mft = gnn_assign_pairs(3, 2, np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    assert list(mft) == [-1, -1, -1] and list(tfm) == [-1, -1]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.data(),
    st.sampled_from([None, 0.5, 3.0]),
)
def test_clustered_gnn_is_optimal_like_dense(
    n: int, m: int, data: st.DataObject, c0: float | None
) -> None:
    """Any gating pattern and costs (ties included): the clustered GNN reaches the dense
    GNN's optimum (with ties the pairs may differ, the objective may not)."""
    gated = np.array(data.draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)))
    costs = data.draw(
        st.lists(
            st.floats(-5.0, 20.0, allow_nan=False).map(lambda v: round(v, 1)),
            min_size=n * m,
            max_size=n * m,
        )
    )
    gated = gated.reshape(n, m)
    cost = np.array(costs).reshape(n, m)
    dense = _objective(_dense_pairs(cost, gated, c0), cost, c0)
    sparse_pairs = _sparse_pairs(cost, gated, c0)
    assert all(gated[i, j] for i, j in sparse_pairs)
    sparse = _objective(sparse_pairs, cost, c0)
    assert sparse[0] == dense[0]
    assert sparse[1] == pytest.approx(dense[1], abs=1e-9)


# ------------------------------------------------------------------ pre-gate
def _radar_scene(rng: np.random.Generator, n: int, m_clutter: int) -> tuple[np.ndarray, ...]:
    """Tracks (broad tentative and tight confirmed covariances) and measurements of one
    radar scan: a noisy detection near most tracks, clutter, azimuths across 0/2π."""
    t_s = float(rng.uniform(0.0, 600.0))
    gmst = float(gmst_at(EPOCH, t_s))
    az = rng.uniform(-40.0, 40.0, n) * DEG % (2 * math.pi)  # straddles north (az 0 = 2π)
    el = rng.uniform(2.0, 85.0, n) * DEG
    rg = rng.uniform(300e3, 2500e3, n)
    r = points_from_site_eci(SITE_ECEF, SITE_ENU, az, el, rg, t_s, EPOCH)
    v = rng.normal(0.0, 3000.0, (n, 3))
    x = np.concatenate([r, v], axis=1)
    scale = np.exp(rng.uniform(np.log(20.0), np.log(30e3), n))  # 20 m … 30 km
    a = rng.normal(size=(n, 6, 6))
    P = (a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(6)) * (scale**2)[:, None, None]
    meas_fn = aer_model(SITE_ECEF, SITE_ENU, gmst)
    zhat, _ = meas_fn(x)
    det = rng.random(n) < 0.8
    sig = SIGMA * rng.uniform(0.5, 2.0, (n, 3))
    z_det = zhat[det] + rng.normal(size=(int(det.sum()), 3)) * (sig[det] * 3.0)
    z_cl = np.stack(
        [
            rng.uniform(300e3, 2500e3, m_clutter),
            rng.uniform(0.0, 2 * math.pi, m_clutter),
            rng.uniform(0.0, 1.5, m_clutter),
        ],
        axis=1,
    )
    z = np.concatenate([z_det, z_cl])
    z[:, 1] %= 2 * math.pi
    sigma = np.concatenate([sig[det], np.broadcast_to(SIGMA, (m_clutter, 3))])
    return x, P, z, diag_cov(sigma), np.array(gmst)


@pytest.mark.parametrize("seed", range(8))
def test_pregate_never_drops_a_pair_of_the_full_gate_radar(seed: int) -> None:
    """Seeded random radar scenes: the sparse gate returns exactly the dense χ² gate's
    pairs, with the same d² and ln|S|, and every one of them is a pre-gate candidate."""
    rng = np.random.default_rng(seed)
    x, P, z, R, gmst = _radar_scene(rng, int(rng.integers(50, 400)), int(rng.integers(0, 80)))
    meas_fn = aer_model(SITE_ECEF, SITE_ENU, float(gmst))
    p_gate = 0.9997
    d2, logdet = innovation_stats(x, P, z, R, meas_fn, AER_ANGLE_AXES)
    gi, gj = np.nonzero(gate(d2, 3, p_gate))
    zhat, H = meas_fn(x)
    hph = H @ P @ np.swapaxes(H, -1, -2)
    ci, cj = pregate_pairs(zhat, hph, z, R, AER_ANGLE_AXES, gate_threshold(3, p_gate))
    cand = set(zip(ci.tolist(), cj.tolist(), strict=True))
    assert set(zip(gi.tolist(), gj.tolist(), strict=True)) <= cand
    assert len(cand) < d2.size  # the pre-gate prunes
    ti, mj, sd2, sld = gated_pairs(x, P, z, R, meas_fn, AER_ANGLE_AXES, 3, p_gate)
    np.testing.assert_array_equal(ti, gi)  # both sorted by track, then measurement
    np.testing.assert_array_equal(mj, gj)
    np.testing.assert_allclose(sd2, d2[gi, gj], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sld, logdet[gi, gj], rtol=1e-12, atol=1e-12)
    assert gi.size > 0


@pytest.mark.parametrize("seed", range(4))
def test_pregate_keeps_pairs_on_the_gate_boundary(seed: int) -> None:
    """Measurements placed at d² = γ (1 − 1e-9) in the direction S e_a, where the
    per-axis bound |ν_a| ≤ √(γ S_aa) is attained: all are kept."""
    rng = np.random.default_rng(100 + seed)
    n = 60
    x = rng.normal(0.0, 1e5, (n, 6))
    a = rng.normal(size=(n, 6, 6))
    P = (a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(6)) * 1e4
    H = np.eye(3, 6)
    R = diag_cov(np.broadcast_to([30.0, 40.0, 50.0], (n, 3)))
    gamma = gate_threshold(3, 0.99)
    S = H @ P @ H.T + R
    axis = rng.integers(0, 3, n)
    e = np.eye(3)[axis]
    s_aa = S[np.arange(n), axis, axis]
    k = np.sqrt(gamma / s_aa) * (1.0 - 1e-9)
    z = x[:, :3] + k[:, None] * np.einsum("nij,nj->ni", S, e) * rng.choice([-1.0, 1.0], (n, 1))
    d2, _ = innovation_stats(x, P, z, R, linear_model(H))
    assert np.all(np.diag(d2) <= gamma) and np.all(np.diag(d2) > gamma * (1 - 1e-6))
    ti, mj, _, _ = gated_pairs(x, P, z, R, linear_model(H), (), 3, 0.99)
    assert set(zip(range(n), range(n), strict=True)) <= set(zip(ti, mj, strict=True))


@pytest.mark.parametrize("seed", range(4))
def test_pregate_dense_and_sweep_paths_agree(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The small-problem path (every pair's d² in one compiled kernel) and the
    sort-and-sweep path give the same gated pairs, and d² and ln|S| equal to
    rounding (the kernel sums H P Hᵀ in its own order), on radar scenes straddling
    azimuth 0."""
    import shieldlab.tracking.associate as assoc

    rng = np.random.default_rng(200 + seed)
    x, P, z, R, gmst = _radar_scene(rng, int(rng.integers(5, 40)), int(rng.integers(0, 30)))
    meas_fn = aer_model(SITE_ECEF, SITE_ENU, float(gmst))
    assert x.shape[0] * z.shape[0] <= assoc.DENSE_PREGATE_PAIRS
    dense = gated_pairs(x, P, z, R, meas_fn, AER_ANGLE_AXES, 3, 0.9997)
    monkeypatch.setattr(assoc, "DENSE_PREGATE_PAIRS", 0)
    sweep = gated_pairs(x, P, z, R, meas_fn, AER_ANGLE_AXES, 3, 0.9997)
    assert dense[0].size > 0
    np.testing.assert_array_equal(dense[0], sweep[0])
    np.testing.assert_array_equal(dense[1], sweep[1])
    np.testing.assert_allclose(dense[2], sweep[2], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dense[3], sweep[3], rtol=1e-12, atol=1e-12)


def test_pregate_angles_only_model_with_ra_wrap() -> None:
    """2-D (α, δ) model with α wrapped (index 0), tracks straddling α = 0 = 2π."""
    rng = np.random.default_rng(5)
    n = 300
    obs = np.array([7.0e6, 0.0, 1.0e6])
    ra = rng.normal(0.0, 0.05, n) % (2 * math.pi)
    dec = rng.normal(0.0, 0.05, n)
    rho = rng.uniform(2e6, 4e6, n)
    r = obs + rho[:, None] * np.stack(
        [np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=1
    )
    x = np.concatenate([r, rng.normal(0.0, 3e3, (n, 3))], axis=1)
    a = rng.normal(size=(n, 6, 6))
    P = (a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(6)) * np.exp(rng.uniform(4, 20, n))[
        :, None, None
    ]

    def model(xx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return measure_radec(xx, np.broadcast_to(obs, (xx.shape[0], 3)))

    zhat, _ = model(x)
    z = zhat + rng.normal(0.0, 3e-4, zhat.shape)
    z[:, 0] %= 2 * math.pi
    R = diag_cov(np.full((n, 2), 1e-4))
    d2, _ = innovation_stats(x, P, z, R, model, (0,))
    gi, gj = np.nonzero(gate(d2, 2, 0.9997))
    ti, mj, _, _ = gated_pairs(x, P, z, R, model, (0,), 2, 0.9997)
    np.testing.assert_array_equal(ti, gi)
    np.testing.assert_array_equal(mj, gj)


def test_gated_pairs_empty_and_broad_priors() -> None:
    """No tracks or no measurements: nothing; single-point tracks (3 km/s velocity prior)
    predicted 10 s gate as the dense path does."""
    model = aer_model(SITE_ECEF, SITE_ENU, 0.3)
    ti, mj, d2, ld = gated_pairs(
        np.zeros((0, 6)),
        np.zeros((0, 6, 6)),
        np.ones((4, 3)),
        np.broadcast_to(np.eye(3), (4, 3, 3)),
        model,
    )
    assert ti.size == mj.size == d2.size == ld.size == 0
    rng = np.random.default_rng(9)
    n = 200
    z0 = np.stack(
        [rng.uniform(8e5, 1.2e6, n), rng.uniform(0.0, 0.5, n), rng.uniform(0.2, 0.4, n)], axis=1
    )
    sig = np.broadcast_to(SIGMA, (n, 3))
    x, P = init_single_point(
        z0, sig, np.broadcast_to(SITE_ECEF, (n, 3)), np.broadcast_to(SITE_ENU, (n, 3, 3)), 0.3
    )
    P = P.copy()
    P[:, :3, :3] += 100.0 * P[:, 3:, 3:]  # ≈ 10 s of the velocity prior
    z = z0 + rng.normal(size=(n, 3)) * SIGMA * 30.0
    d2, _ = innovation_stats(x, P, z, diag_cov(sig), model, AER_ANGLE_AXES)
    gi, gj = np.nonzero(gate(d2))
    ti, mj, _, _ = gated_pairs(x, P, z, diag_cov(sig), model, AER_ANGLE_AXES)
    np.testing.assert_array_equal(ti, gi)
    np.testing.assert_array_equal(mj, gj)
    assert gi.size > 2 * n  # broad gates: many pairs, big clusters


# ------------------------------------------------------------ whole tracker
class _DenseTracker(GnnTracker):
    """The tracker with the dense association it had before the sparse path (reference)."""

    def _associate(
        self,
        z: np.ndarray,
        R: np.ndarray,
        measure: MeasureFn,
        angle_axes: tuple[int, ...],
        dof: int,
    ) -> np.ndarray:
        cfg = self.config
        n, m = len(self), z.shape[0]
        meas_for_track = np.full(n, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return meas_for_track
        d2, logdet = innovation_stats(self.x, self.P, z, R, measure, angle_axes)
        gated = gate(d2, dof, cfg.p_gate)
        ld = logdet if cfg.use_logdet else None
        free = np.ones(m, dtype=bool)
        for rows in (np.flatnonzero(self.confirmed), np.flatnonzero(~self.confirmed)):
            cols = np.flatnonzero(free)
            if rows.size == 0 or cols.size == 0:
                continue
            sub = np.ix_(rows, cols)
            _, mft = gnn_assign(
                d2[sub], gated[sub], None if ld is None else ld[sub], cfg.cost_unassigned
            )
            ok = mft >= 0
            meas_for_track[rows[ok]] = cols[mft[ok]]
            free[cols[mft[ok]]] = False
        return meas_for_track


@pytest.mark.parametrize(
    "cfg",
    [
        TrackerConfig(q_m2_s3=0.01, M=3, N=5, K=5),
        TrackerConfig(q_m2_s3=0.01, M=2, N=3, K=3, use_logdet=True, cost_unassigned=15.0),
    ],
)
def test_tracker_matches_dense_association(cfg: TrackerConfig) -> None:
    """150 ballistic targets close together in one radar's view, clutter, 12 scans: the
    same tracks (ids, confirmation, measurements) as with the dense association."""
    rng = np.random.default_rng(77)
    n = 150
    t_grid = 5.0 * np.arange(12, dtype=np.float64)
    az = rng.uniform(0.0, 20.0, n) * DEG
    el = rng.uniform(15.0, 25.0, n) * DEG
    rg = rng.uniform(900e3, 1000e3, n)
    r = points_from_site_eci(SITE_ECEF, SITE_ENU, az, el, rg, 0.0, EPOCH)
    v = ballistic_velocity(r, rng.uniform(0, 2 * math.pi, n), 6000.0, 5.0 * DEG)

    def deriv(t: float, y: np.ndarray) -> np.ndarray:
        return np.concatenate([y[..., 3:], accel_j2(y[..., :3])], axis=-1)

    truth = rk4(deriv, np.concatenate([r, v], axis=-1), t_grid)
    _, scan_list = radar_scans(
        truth,
        np.ones(truth.shape[:2], bool),
        t_grid,
        EPOCH,
        LAT,
        LON,
        0.0,
        SIGMA,
        rng,
        0.9,
        8.0,
        ((800e3, 1100e3), (0.0, 0.4), (0.2, 0.5)),
    )
    site = SiteGeometry(SITE_ECEF.reshape(1, 3), SITE_ENU.reshape(1, 3, 3))
    fast, ref = GnnTracker(cfg), _DenseTracker(cfg)
    for s_idx, t, meas in scan_list:
        a = fast.process_scan(meas, site, EPOCH, sensor_index=s_idx, t_s=t)
        b = ref.process_scan(meas, site, EPOCH, sensor_index=s_idx, t_s=t)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(fast.track_id, ref.track_id)
        np.testing.assert_array_equal(fast.confirmed, ref.confirmed)
        np.testing.assert_array_equal(fast.x, ref.x)
    assert fast.confirmed.sum() > 100
    hist = run_tracker(iter(scan_list), site, EPOCH, cfg)
    assert hist.valid[-1].sum() == fast.confirmed.sum()
