"""Data association: Mahalanobis pair statistics, χ² gate, GNN optimality, JPDA, M-of-N.

Gate: Bar-Shalom, Li, Kirubarajan 2001 §2.10 — a true measurement falls in
the χ²_3 gate with probability p_gate. GNN is checked against brute-force
enumeration of all partial one-to-one assignments.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.constants import DEG
from shieldlab.core.frames import ecef_to_eci_state, enu_matrix, geodetic_to_ecef
from shieldlab.core.time import gmst_at
from shieldlab.tracking.associate import (
    AER_ANGLE_AXES,
    aer_model,
    consecutive_misses,
    delete_after_misses,
    diag_cov,
    gate,
    gate_threshold,
    gnn_assign,
    innovation_stats,
    jpda_weights,
    linear_model,
    m_of_n_confirm,
    position_model,
)


def _random_spd(
    rng: np.random.Generator, shape: tuple[int, ...], k: int, scale: float
) -> np.ndarray:
    a = rng.normal(size=(*shape, k, k))
    return scale**2 * (a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(k))


def test_mahalanobis_matches_scalar_loop() -> None:
    rng = np.random.default_rng(1)
    n, m = 5, 7
    x = rng.normal(scale=1e3, size=(n, 6))
    P = _random_spd(rng, (n,), 6, 100.0)
    z = rng.normal(scale=1e3, size=(m, 3))
    R = _random_spd(rng, (m,), 3, 30.0)
    H = rng.normal(size=(3, 6))
    d2, logdet, S = innovation_stats(x, P, z, R, linear_model(H), return_S=True)
    assert d2.shape == (n, m) and logdet.shape == (n, m) and S.shape == (n, m, 3, 3)
    for i in range(n):
        for j in range(m):
            s = H @ P[i] @ H.T + R[j]
            nu = z[j] - H @ x[i]
            assert d2[i, j] == pytest.approx(nu @ np.linalg.solve(s, nu), rel=1e-9)
            assert logdet[i, j] == pytest.approx(np.linalg.slogdet(s)[1], rel=1e-9, abs=1e-9)
            np.testing.assert_allclose(S[i, j], s, rtol=1e-12)


def test_empty_inputs() -> None:
    d2, ld = innovation_stats(
        np.zeros((0, 6)),
        np.zeros((0, 6, 6)),
        np.zeros((4, 3)),
        np.zeros((4, 3, 3)),
        position_model(),
    )
    assert d2.shape == (0, 4) and ld.shape == (0, 4)
    t4m, m4t = gnn_assign(np.zeros((3, 0)), np.zeros((3, 0), bool))
    assert t4m.shape == (0,) and list(m4t) == [-1, -1, -1]


def test_gate_fraction_matches_p_gate() -> None:
    """Monte Carlo: true measurements pass the gate with probability p_gate (χ²_3)."""
    rng = np.random.default_rng(7)
    n = 20_000
    p_gate = 0.95
    x_true = rng.normal(scale=1e4, size=(n, 6))
    P = _random_spd(rng, (n,), 6, 50.0)
    x_est = x_true + np.einsum("nij,nj->ni", np.linalg.cholesky(P), rng.normal(size=(n, 6)))
    sig = np.array([30.0, 30.0, 30.0])
    z = x_true[:, :3] + sig * rng.normal(size=(n, 3))
    R = diag_cov(np.broadcast_to(sig, (n, 3)))
    # true pairs are the diagonals of 50 × 50 blocks (each block one vectorised call)
    b = 50
    d2 = np.concatenate(
        [
            np.diag(
                innovation_stats(
                    x_est[k : k + b], P[k : k + b], z[k : k + b], R[k : k + b], position_model()
                )[0]
            )
            for k in range(0, n, b)
        ]
    )
    frac = gate(d2, dof=3, p_gate=p_gate).mean()
    se = math.sqrt(p_gate * (1 - p_gate) / n)
    assert abs(frac - p_gate) < 4 * se  # 4σ binomial sampling error ≈ 0.006
    assert gate_threshold(3, 0.9997) == pytest.approx(18.8, abs=0.1)  # χ²_3 table value


def _brute_force(cost: np.ndarray, gated: np.ndarray, c0: float | None) -> tuple[int, float]:
    """Best (cardinality, cost) over all partial one-to-one assignments of gated pairs."""
    n, m = cost.shape
    best: tuple[float, float] | None = None
    best_card, best_cost = 0, 0.0
    for k in range(min(n, m) + 1):
        for tracks in itertools.combinations(range(n), k):
            for meas in itertools.permutations(range(m), k):
                if not all(gated[i, j] for i, j in zip(tracks, meas, strict=True)):
                    continue
                c = sum(cost[i, j] for i, j in zip(tracks, meas, strict=True))
                key = (-k, c) if c0 is None else (0.0, c + c0 * (n - k + m - k))
                if best is None or key < best:
                    best, best_card, best_cost = key, k, c
    return best_card, best_cost


@pytest.mark.parametrize("c0", [None, 3.0])
@pytest.mark.parametrize("use_logdet", [False, True])
def test_gnn_equals_brute_force(c0: float | None, use_logdet: bool) -> None:
    rng = np.random.default_rng(11)
    for _ in range(150):
        n, m = rng.integers(1, 5, size=2)
        d2 = rng.exponential(3.0, size=(n, m))
        logdet = rng.normal(size=(n, m)) if use_logdet else None
        gated = rng.random((n, m)) < 0.7
        cost = d2 + (logdet if logdet is not None else 0.0)
        t4m, m4t = gnn_assign(d2, gated, logdet, cost_unassigned=c0)
        pairs = [(i, int(m4t[i])) for i in range(n) if m4t[i] >= 0]
        # consistency of the two views and gating respected
        assert all(t4m[j] == i for i, j in pairs)
        assert (t4m >= 0).sum() == len(pairs)
        assert all(gated[i, j] for i, j in pairs)
        card, best = _brute_force(cost, gated, c0)
        got = sum(cost[i, j] for i, j in pairs)
        if c0 is None:
            assert len(pairs) == card
            assert got == pytest.approx(best, abs=1e-9)
        else:
            got_tot = got + c0 * (n + m - 2 * len(pairs))
            assert got_tot == pytest.approx(best + c0 * (n + m - 2 * card), abs=1e-9)


def test_gnn_crossing_targets_beats_greedy() -> None:
    """Crossing targets: both tracks' nearest measurement is meas 0.

    Greedy (track 0 takes its nearest, meas 0) leaves d² = 8 for track 1, total 9.0;
    GNN swaps: 1.5 + 1.2 = 2.7.
    """
    d2 = np.array([[1.0, 1.5], [1.2, 8.0]])
    gated = np.ones((2, 2), bool)
    t4m, m4t = gnn_assign(d2, gated)
    assert list(m4t) == [1, 0] and list(t4m) == [1, 0]
    greedy_total = d2[0, 0] + d2[1, 1]
    assert d2[0, 1] + d2[1, 0] < greedy_total
    # with a gate that excludes (1, 1), greedy would also lose track 1 entirely
    gated[1, 1] = False
    t4m, m4t = gnn_assign(d2, gated)
    assert list(m4t) == [1, 0] and list(t4m) == [1, 0]


def test_gnn_leaves_far_pairs_unassigned_with_finite_cost() -> None:
    d2 = np.array([[0.5, 12.0], [30.0, 11.0]])
    gated = gate(d2, p_gate=0.9997)  # γ ≈ 18.8: (1, 0) outside
    t4m, m4t = gnn_assign(d2, gated, cost_unassigned=5.0)  # pair only if d² < 10
    assert list(m4t) == [0, -1] and list(t4m) == [0, -1]
    t4m, m4t = gnn_assign(d2, gated)  # max cardinality: both tracks paired
    assert list(m4t) == [0, 1]


def test_angle_wrap_radar_azimuth() -> None:
    """A measurement at az 359.9° matches a track predicted at az 0.1° (Δ = 0.2°)."""
    lat, lon = 64.3 * DEG, -149.2 * DEG
    site = geodetic_to_ecef(lat, lon, 0.0)
    enu = enu_matrix(lat, lon)
    gmst = gmst_at(datetime(2026, 7, 4, tzinfo=UTC), 0.0)
    rng_m, az, el = 1.5e6, 0.1 * DEG, 20.0 * DEG
    d_enu = rng_m * np.array(
        [math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)]
    )
    r_ecef = site + enu.T @ d_enu
    r_eci, v_eci = ecef_to_eci_state(r_ecef, np.zeros(3), gmst)
    x = np.concatenate([r_eci, v_eci])[None, :]
    P = np.diag([1e6, 1e6, 1e6, 1e4, 1e4, 1e4])[None]
    model = aer_model(site, enu, gmst)
    zhat, _ = model(x)
    assert zhat[0, 1] == pytest.approx(az, abs=1e-9)
    sigma = np.array([[100.0, 2e-3, 2e-3]])
    z = np.array([[rng_m, 359.9 * DEG, el], [rng_m, 180.0 * DEG, el]])
    R = diag_cov(np.repeat(sigma, 2, axis=0))
    d2, _ = innovation_stats(x, P, z, R, model, angle_axes=AER_ANGLE_AXES)
    g = gate(d2)
    assert g[0, 0] and not g[0, 1]
    assert d2[0, 0] == pytest.approx(2.7, abs=0.3)  # Δaz 3.5 mrad, σ_az ≈ 2.1 mrad
    d2_nowrap, _ = innovation_stats(x, P, z, R, model)
    assert d2_nowrap[0, 0] > 1e6  # unwrapped: 2π residual


def test_jpda_weights_single_track_matches_pda() -> None:
    """One track, two measurements: β equals the closed-form PDA weights (Bar-Shalom 2009)."""
    d2 = np.array([[1.0, 4.0]])
    logdet = np.array([[2.0, 2.0]])
    pd, lam, pg = 0.9, 1e-3, 0.9997
    beta = jpda_weights(d2, np.ones((1, 2), bool), logdet, pd, lam, p_gate=pg)
    g = np.exp(-0.5 * d2[0]) / np.sqrt((2 * np.pi) ** 3 * np.exp(logdet[0]))
    e = pd * g / lam
    b0 = 1 - pd * pg
    np.testing.assert_allclose(beta[0], np.r_[e, b0] / (e.sum() + b0), rtol=1e-12)


def test_jpda_weights_two_tracks_brute_force() -> None:
    rng = np.random.default_rng(3)
    d2 = rng.exponential(3.0, size=(3, 4))
    logdet = rng.normal(size=(3, 4))
    gated = rng.random((3, 4)) < 0.8
    gated[2] = False
    gated[2, 3] = True  # track 2 gates meas 3 only (may join the others' cluster)
    pd, lam = 0.8, 0.05
    beta = jpda_weights(d2, gated, logdet, pd, lam)
    assert beta.shape == (3, 5)
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-12)
    ll = np.log(pd) - 0.5 * d2 - 0.5 * (3 * np.log(2 * np.pi) + logdet) - np.log(lam)
    ref = np.zeros((3, 5))
    tot = 0.0
    for assign in itertools.product(range(-1, 3), repeat=4):
        used = [a for a in assign if a >= 0]
        if len(used) != len(set(used)) or any(
            a >= 0 and not gated[a, j] for j, a in enumerate(assign)
        ):
            continue
        w = math.exp(sum(ll[a, j] for j, a in enumerate(assign) if a >= 0)) * (1 - pd) ** (
            3 - len(used)
        )
        tot += w
        for j, a in enumerate(assign):
            if a >= 0:
                ref[a, j] += w
        for i in set(range(3)) - set(used):
            ref[i, 4] += w
    np.testing.assert_allclose(beta, ref / tot, rtol=1e-10)


def test_m_of_n_confirmation_and_k_miss_deletion() -> None:
    hits = np.array(
        [
            [1, 0, 1, 0, 0],  # last 3: 1 hit
            [0, 0, 1, 1, 0],  # last 3: 2 hits
            [1, 1, 1, 0, 0],  # last 3: 1 hit
            [0, 0, 0, 0, 0],
            [1, 1, 1, 1, 1],
        ],
        dtype=bool,
    )
    assert list(m_of_n_confirm(hits, 2, 3)) == [False, True, False, False, True]
    assert list(m_of_n_confirm(hits, 3, 5)) == [False, False, True, False, True]
    assert list(m_of_n_confirm(hits[:, :2], 2, 3)) == [False, False, True, False, True]
    assert list(consecutive_misses(hits)) == [2, 1, 2, 5, 0]
    assert list(delete_after_misses(hits, 2)) == [True, False, True, True, False]
    assert list(delete_after_misses(hits, 3)) == [False, False, False, True, False]


def test_jpda_rejects_certain_detection() -> None:
    with pytest.raises(ValueError, match="pd"):
        jpda_weights(np.ones((1, 1)), np.ones((1, 1), bool), np.zeros((1, 1)), 1.0, 1e-3)


@pytest.mark.parametrize("k", [2, 3])
def test_small_mahalanobis_equals_lapack_cholesky(k: int) -> None:
    """The written-out 2 × 2 and 3 × 3 Cholesky path against LAPACK's factor and
    solve, over covariance scales from 1e-8 to 1e8 (agreement to rounding), and
    a covariance that is not positive definite gives NaN instead of an error."""
    from shieldlab.tracking.associate import mahalanobis

    rng = np.random.default_rng(5)
    a = rng.normal(size=(2000, k, k))
    s = (a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(k)) * rng.uniform(1e-8, 1e8, (2000, 1, 1))
    s[:, 0, 1] *= 1.0 + 1e-13  # slightly asymmetric, as sums of products come out
    nu = rng.normal(size=(2000, k)) * np.sqrt(s[:, 0, 0])[:, None]
    d2, logdet = mahalanobis(nu, s)
    sym = 0.5 * (s + np.swapaxes(s, -1, -2))
    want_d2 = np.einsum("ki,ki->k", nu, np.linalg.solve(sym, nu[..., None])[..., 0])
    np.testing.assert_allclose(d2, want_d2, rtol=1e-11)
    np.testing.assert_allclose(logdet, np.linalg.slogdet(sym)[1], rtol=1e-11, atol=1e-11)
    bad = np.eye(k)[None].repeat(2, axis=0)
    bad[1, -1, -1] = -1.0
    d2, logdet = mahalanobis(np.ones((2, k)), bad)
    assert d2[0] == pytest.approx(k) and logdet[0] == pytest.approx(0.0)
    assert np.isnan(d2[1])
