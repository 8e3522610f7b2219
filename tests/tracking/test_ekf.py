"""EKF with ballistic dynamics: consistency (NEES), Jacobians, batching, covariance health.

NEES test after Bar-Shalom, Li, Kirubarajan, *Estimation with Applications to
Tracking and Navigation* (2001) §5.4: with N Monte Carlo runs the average NEES
of a consistent 6-state filter, times N, is χ² with 6N degrees of freedom.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.stats import chi2

from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    aer_to_enu,
    eci_to_ecef,
)
from shieldlab.tracking.ekf import (
    ballistic_deriv,
    ekf_predict,
    ekf_update,
    gravity_gradient,
    init_single_point,
    init_two_point,
    measure_aer,
    nees,
    process_noise,
    propagate_states,
)
from shieldlab.tracking.scenes import arc_state, noisy_aer, radar_scene

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
SIGMA = np.array([50.0, 1e-3, 1e-3])  # 50 m range, 1 mrad angles
N_RUNS = 60
DT = 10.0
T_END = 600.0


@pytest.fixture(scope="module")
def scenario() -> dict[str, np.ndarray]:
    """Truth sampled every DT and a radar beside the track (:mod:`shieldlab.tracking.scenes`)."""
    sc = radar_scene(
        arc_state(50.0, -170.0, 600e3, 6.8e3, 100.0, 500.0, EPOCH),
        EPOCH,
        DT,
        T_END,
        190.0,
        700e3,
    )
    el = sc.z_true[:, 2]
    assert np.all(el > 3 * DEG) and np.all(el < 60 * DEG)  # in view for the whole 10 minutes
    return sc.as_dict()


def _noisy(z: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return noisy_aer(z, SIGMA, rng, n)


def test_measurement_jacobian_matches_finite_differences(scenario: dict) -> None:
    x = scenario["truth"][[5, 30, 55]]
    se = np.repeat(scenario["site_ecef"][None], 3, 0)
    sn = np.repeat(scenario["site_enu"][None], 3, 0)
    g = scenario["gmst"][[5, 30, 55]]
    z, h = measure_aer(x, se, sn, g)
    assert np.allclose(z, scenario["z_true"][[5, 30, 55]], rtol=0, atol=1e-6)
    for k in range(6):
        dx = np.zeros(6)
        dx[k] = 1.0 if k < 3 else 1e-3
        zp, _ = measure_aer(x + dx, se, sn, g)
        zm, _ = measure_aer(x - dx, se, sn, g)
        fd = (zp - zm) / (2 * dx[k])
        assert np.allclose(h[:, :, k], fd, rtol=1e-5, atol=1e-12)


def test_stm_matches_finite_differences_point_mass() -> None:
    """With q = 0 and point-mass gravity, P ← Φ P Φᵀ with Φ from finite differences of the flow."""
    x0 = arc_state(50.0, -170.0, 600e3, 6.8e3, 100.0, 500.0, EPOCH)[None, :]
    dt = 60.0
    phi_fd = np.zeros((6, 6))
    for k in range(6):
        d = np.zeros(6)
        d[k] = 10.0 if k < 3 else 0.01
        xp = propagate_states(x0 + d, dt, j2=False)
        xm = propagate_states(x0 - d, dt, j2=False)
        phi_fd[:, k] = (xp - xm)[0] / (2 * d[k])
    p0 = np.diag([1e6, 2e6, 3e6, 1e2, 2e2, 3e2])
    x1, p1 = ekf_predict(x0, p0[None], dt, 0.0, j2=False)
    assert np.allclose(x1, propagate_states(x0, dt, j2=False), rtol=0, atol=1e-9)
    assert np.allclose(p1[0], phi_fd @ p0 @ phi_fd.T, rtol=1e-6, atol=1e-6)


def _predict_6x6_reference(
    x: np.ndarray, P: np.ndarray, dt: float, q: float, g_scale: np.ndarray, max_step_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """The obvious (slow) prediction: RK4 of the state and of Φ̇ = A Φ as full 6 × 6
    products, A = [[0, I], [g G, 0]]; P ← Φ P Φᵀ + Q per substep."""
    ns = max(1, int(np.ceil(abs(dt) / max_step_s - 1e-9)))
    h = dt / ns
    gs = g_scale[:, None]

    def f(y: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dy = ballistic_deriv(0.0, y)
        dy[:, 3:] *= gs
        a = np.zeros((y.shape[0], 6, 6))
        a[:, :3, 3:] = np.eye(3)
        a[:, 3:, :3] = gravity_gradient(y[:, :3]) * gs[:, :, None]
        return dy, a @ phi

    for _ in range(ns):
        phi0 = np.broadcast_to(np.eye(6), P.shape)
        k1, m1 = f(x, phi0)
        k2, m2 = f(x + 0.5 * h * k1, phi0 + 0.5 * h * m1)
        k3, m3 = f(x + 0.5 * h * k2, phi0 + 0.5 * h * m2)
        k4, m4 = f(x + h * k3, phi0 + h * m3)
        x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        phi = phi0 + h / 6.0 * (m1 + 2 * m2 + 2 * m3 + m4)
        P = phi @ P @ np.swapaxes(phi, -1, -2) + process_noise(np.full(x.shape[0], h), q)
    return x, 0.5 * (P + np.swapaxes(P, -1, -2))


def _random_tracks(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ECI states (n, 6) between 6,500 and 9,000 km from the centre, speeds ~4 km/s
    per axis, and positive-definite covariances (n, 6, 6)."""
    r = rng.normal(size=(n, 3))
    r *= rng.uniform(6.5e6, 9e6, (n, 1)) / np.linalg.norm(r, axis=1, keepdims=True)
    x = np.concatenate([r, rng.normal(0.0, 4e3, (n, 3))], axis=1)
    a = rng.normal(size=(n, 6, 6))
    P = a @ np.swapaxes(a, -1, -2) * 1e4 + np.eye(6)
    return x, P


@pytest.mark.parametrize("dt", [0.0, 2.5, 5.0, 37.0, -12.0])
def test_block_stm_equals_6x6_variational_rk4(dt: float) -> None:
    """The 3 × 3 block form of the RK4 STM equals RK4 on the full 6 × 6 variational
    equation (same stages) to rounding, ballistic and level-flight tracks mixed."""
    rng = np.random.default_rng(4)
    n = 200
    x, P = _random_tracks(rng, n)
    gs = rng.choice([0.0, 1.0], n)
    x_ref, p_ref = _predict_6x6_reference(x, P, dt, 0.01, gs, 10.0)
    x1, p1 = ekf_predict(x, P, dt, 0.01, 10.0, g_scale=gs)
    # the state's RK4 is the same (the compiled kernel sums r·r in its own order: an ulp)
    np.testing.assert_allclose(x1, x_ref, rtol=1e-13, atol=1e-9)
    sd = np.sqrt(np.einsum("nii->ni", p_ref))
    np.testing.assert_allclose(
        p1 / (sd[:, :, None] * sd[:, None, :]),
        p_ref / (sd[:, :, None] * sd[:, None, :]),
        rtol=0,
        atol=1e-13,
    )


def test_filter_is_consistent_and_converges(scenario: dict) -> None:
    """60 Monte Carlo runs (batched as 60 tracks), two-point initiation at t = 0, 10 s,
    then updates every 10 s to 600 s. Average NEES inside the two-sided 95 % χ²(6N)/N
    band on ≥ 85 % of the 59 update times (5 % expected outside), the time-averaged
    NEES within 5.4–6.6 (NIS 2.7–3.3), P symmetric PD throughout, RMS position error
    shrinking ≥ 3×."""
    rng = np.random.default_rng(2026)
    s = scenario
    t, truth, gmst = s["t"], s["truth"], s["gmst"]
    se = np.repeat(s["site_ecef"][None], N_RUNS, 0)
    sn = np.repeat(s["site_enu"][None], N_RUNS, 0)
    z0 = _noisy(s["z_true"][0], rng, N_RUNS)
    z1 = _noisy(s["z_true"][1], rng, N_RUNS)
    sig = np.repeat(SIGMA[None], N_RUNS, 0)
    x, p = init_two_point(z0, sig, se, sn, gmst[0], t[0], z1, sig, se, sn, gmst[1], t[1])
    lo, hi = chi2.ppf([0.025, 0.975], 6 * N_RUNS) / N_RUNS
    avg_nees, avg_nis, pos_rms = [], [], []
    for k in range(2, t.size):
        x, p = ekf_predict(x, p, DT, q_m2_s3=1e-6)
        x, p, nis = ekf_update(x, p, _noisy(s["z_true"][k], rng, N_RUNS), sig, se, sn, gmst[k])
        assert np.allclose(p, np.swapaxes(p, 1, 2), rtol=0, atol=0)
        assert np.all(np.linalg.eigvalsh(p) > 0)
        avg_nees.append(float(nees(x, p, truth[k]).mean()))
        avg_nis.append(float(nis.mean()))
        pos_rms.append(float(np.sqrt(np.mean(np.sum((x[:, :3] - truth[k, :3]) ** 2, -1)))))
    a = np.array(avg_nees)
    inside = np.mean((a > lo) & (a < hi))
    assert inside >= 0.85, (inside, a.round(2))
    assert 5.4 < a.mean() < 6.6
    assert 2.7 < np.mean(avg_nis) < 3.3  # NIS ~ χ²(3)
    assert np.mean(pos_rms[-5:]) < np.mean(pos_rms[:5]) / 3.0


def test_batched_equals_scalar_loop(scenario: dict) -> None:
    rng = np.random.default_rng(11)
    n = 5
    x = scenario["truth"][3] + rng.normal(0, 1, (n, 6)) * [500, 500, 500, 5, 5, 5]
    a = rng.normal(size=(n, 6, 6))
    p = a @ np.swapaxes(a, 1, 2) * 100 + np.diag([1e5] * 3 + [1e2] * 3)
    dt = np.array([3.0, 10.0, 17.5, 0.0, 25.0])
    z = _noisy(scenario["z_true"][5], rng, n)
    sig = np.abs(rng.normal(1, 0.2, (n, 3))) * SIGMA
    se = np.repeat(scenario["site_ecef"][None], n, 0)
    sn = np.repeat(scenario["site_enu"][None], n, 0)
    g = rng.uniform(0, 6, n)
    xb, pb = ekf_predict(x, p, dt, 0.5)
    xb, pb, nb = ekf_update(xb, pb, z, sig, se, sn, g)
    for i in range(n):
        s = slice(i, i + 1)
        xi, pi = ekf_predict(x[s], p[s], dt[i], 0.5)
        xi, pi, ni = ekf_update(xi, pi, z[s], sig[s], se[s], sn[s], g[i])
        assert np.allclose(xb[s], xi, rtol=1e-12, atol=1e-9)
        assert np.allclose(pb[s], pi, rtol=1e-10, atol=1e-9)
        assert nb[i] == pytest.approx(ni[0], rel=1e-10)
    # dt = 0 leaves the track untouched
    x0, p0 = ekf_predict(x[3:4], p[3:4], 0.0, 0.5)
    assert np.array_equal(x0, x[3:4]) and np.allclose(p0, p[3:4], rtol=0, atol=0)


def test_azimuth_residual_is_wrapped(scenario: dict) -> None:
    """A target due north: measured az 359.9° vs predicted 0.1° is a 0.2° residual, not 359.8°."""
    se = scenario["site_ecef"][None]
    sn = scenario["site_enu"][None]
    enu = aer_to_enu(0.1 * DEG, 30 * DEG, 1000e3)
    r_ecef = se[0] + sn[0].T @ enu
    x = np.concatenate([r_ecef, [0.0, 0.0, 0.0]])[None]
    p = np.diag([1e6] * 3 + [1e4] * 3)[None]
    z = np.array([[1000e3, 359.9 * DEG, 30 * DEG]])
    _, _, nis = ekf_update(x, p, z, np.array([[50.0, 1e-3, 1e-3]]), se, sn, 0.0)
    assert nis[0] < 20.0


def test_single_point_init_position_and_velocity_prior(scenario: dict) -> None:
    s = scenario
    z = s["z_true"][[10]]
    x, p = init_single_point(
        z,
        SIGMA[None],
        s["site_ecef"][None],
        s["site_enu"][None],
        s["gmst"][10],
        vel_sigma_mps=3000.0,
    )
    assert np.allclose(x[0, :3], s["truth"][10, :3], rtol=0, atol=1e-3)
    assert np.allclose(p[0, 3:, 3:], 9e6 * np.eye(3))
    # position covariance: range variance along the line of sight, (R σθ)² across it
    los = x[0, :3] - eci_to_ecef(s["site_ecef"], -s["gmst"][10])
    los /= np.linalg.norm(los)
    assert los @ p[0, :3, :3] @ los == pytest.approx(50.0**2, rel=1e-6)
    assert np.trace(p[0, :3, :3]) > (z[0, 0] * 1e-3) ** 2


def test_level_flight_prediction_is_inertial_constant_velocity() -> None:
    """g_scale = 0: no gravity, so x(t) = x0 + v t and Φ = [[I, tI], [0, I]] exactly
    (the covariance then grows as for a constant-velocity model); g_scale = 1 is the
    ballistic prediction."""
    x0 = np.array([[6.4e6, 1.0e5, 2.0e5, 100.0, 200.0, -50.0]])
    p0 = np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0])[None]
    x, p = ekf_predict(x0, p0, 25.0, 0.0, 10.0, g_scale=0.0)
    np.testing.assert_allclose(x[0, :3], x0[0, :3] + 25.0 * x0[0, 3:], rtol=0, atol=1e-6)
    np.testing.assert_allclose(x[0, 3:], x0[0, 3:], atol=1e-12)
    phi = np.eye(6)
    phi[:3, 3:] = 25.0 * np.eye(3)
    np.testing.assert_allclose(p[0], phi @ p0[0] @ phi.T, rtol=1e-12, atol=1e-9)
    xb, _ = ekf_predict(x0, p0, 25.0, 0.0, 10.0)
    xg, _ = ekf_predict(x0, p0, 25.0, 0.0, 10.0, g_scale=np.array([1.0]))
    np.testing.assert_array_equal(xb, xg)
    assert np.linalg.norm(xb[0, :3] - x[0, :3]) > 1e3  # gravity: ~0.5 g t² ≈ 3 km


def test_compiled_prediction_matches_the_array_form() -> None:
    """The compiled track-by-track prediction equals the array form (one batched
    Φ P Φᵀ per substep) to rounding: per-track dt of either sign (0 kept as is),
    per-track q, ballistic and level-flight tracks, one and several substeps."""
    from shieldlab.tracking.ekf import ekf_predict_array

    rng = np.random.default_rng(8)
    n = 60
    x, P = _random_tracks(rng, n)
    dt = rng.uniform(-25.0, 45.0, n)
    dt[:5] = 0.0
    q = rng.uniform(0.1, 100.0, n)
    gs = rng.choice([0.0, 1.0], n)
    x1, p1 = ekf_predict(x, P, dt, q, 10.0, g_scale=gs)
    x2, p2 = ekf_predict_array(x, P, dt, q, 10.0, g_scale=gs)
    np.testing.assert_allclose(x1, x2, rtol=1e-13, atol=1e-9)
    scale = np.abs(p2).max(axis=(1, 2), keepdims=True)
    np.testing.assert_array_less(np.abs(p1 - p2) / scale, 1e-13)
    np.testing.assert_array_equal(x1[:5], x[:5])
    np.testing.assert_array_equal(p1[:5], 0.5 * (P[:5] + np.swapaxes(P[:5], -1, -2)))


def test_compiled_radar_model_matches_the_array_form() -> None:
    """The compiled (range, az, el) model and its Jacobian equal the array form to
    rounding, per-row sites and GMST angles."""
    from shieldlab.core.frames import enu_matrix, geodetic_to_ecef
    from shieldlab.tracking.ekf import measure_aer, measure_aer_array

    rng = np.random.default_rng(9)
    n = 40
    lat, lon = rng.uniform(-1.2, 1.2, n), rng.uniform(-3.0, 3.0, n)
    site = geodetic_to_ecef(lat, lon, rng.uniform(0.0, 500.0, n)).reshape(n, 3)
    enu = enu_matrix(lat, lon).reshape(n, 3, 3)
    r = rng.normal(size=(n, 3))
    r *= rng.uniform(6.5e6, 9e6, (n, 1)) / np.linalg.norm(r, axis=1, keepdims=True)
    x = np.concatenate([r, rng.normal(0.0, 4e3, (n, 3))], axis=1)
    gmst = rng.uniform(0.0, 2 * np.pi, n)
    z1, h1 = measure_aer(x, site, enu, gmst)
    z2, h2 = measure_aer_array(x, site, enu, gmst)
    np.testing.assert_allclose(z1, z2, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(h1, h2, rtol=0.0, atol=1e-13 * np.abs(h2).max())
