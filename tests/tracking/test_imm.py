"""IMM filter (Blom & Bar-Shalom 1988; Bar-Shalom, Li, Kirubarajan 2001 §11.6.6) on a
target that flies ballistically, pulls a 30 m/s² lateral acceleration for 60 s, then
flies ballistically again: mode probabilities, accuracy against a single low-q EKF,
probability and covariance invariants, batching, and the mixing algebra."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from shieldlab.core.constants import DEG
from shieldlab.tracking.ekf import ballistic_deriv, ekf_predict, ekf_update, init_two_point
from shieldlab.tracking.imm import (
    ImmState,
    combine,
    imm_init,
    imm_predict,
    imm_update,
    markov_matrix,
)
from shieldlab.tracking.scenes import arc_state, noisy_aer, radar_scene

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
SIGMA = np.array([30.0, 0.5e-3, 0.5e-3])  # 30 m range, 0.5 mrad angles
DT = 2.0
T_END = 360.0
T_MAN = (140.0, 200.0)  # manoeuvre window [s]
A_MAN = 30.0  # lateral acceleration [m/s²] (~3 g, a glide vehicle's pull-up/turn)
N_RUNS = 20
Q_LEVELS = np.array([1e-4, 2e3])  # m²/s³: ballistic, manoeuvre (~ a² · 2 s)
PI = markov_matrix(DT, [200.0, 40.0])


def _deriv(t_s: float, y: np.ndarray) -> np.ndarray:
    """Gravity (J2) plus, inside the manoeuvre window, A_MAN along r × v (horizontal, lateral).
    Aerodynamic lift and drag that keep a real glider level are not modelled (a ballistic
    arc with a scripted lateral pull: what matters to the filter is the unmodelled force)."""
    d = ballistic_deriv(t_s, y)
    if T_MAN[0] <= t_s < T_MAN[1]:
        u = np.cross(y[:, :3], y[:, 3:])
        d[:, 3:] += A_MAN * u / np.linalg.norm(u, axis=-1, keepdims=True)
    return d


@pytest.fixture(scope="module")
def imm_scenario() -> dict[str, np.ndarray]:
    """Truth sampled every DT and a radar beside the track (:mod:`shieldlab.tracking.scenes`)."""
    sc = radar_scene(
        arc_state(40.0, -150.0, 300e3, 6.5e3, 90.0, 300.0, EPOCH),
        EPOCH,
        DT,
        T_END,
        180.0,
        400e3,
        deriv=_deriv,
        substep_s=0.5,
    )
    assert np.all(sc.z_true[:, 2] > 3 * DEG), sc.z_true[:, 2].min() / DEG
    return sc.as_dict()


def _noisy(z: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return noisy_aer(z, SIGMA, rng, n)


@pytest.fixture(scope="module")
def imm_run(imm_scenario: dict) -> dict[str, Any]:
    """N_RUNS Monte Carlo runs of the IMM and of a low-q EKF on the same measurements."""
    s = imm_scenario
    rng = np.random.default_rng(44)
    t, gmst = s["t"], s["gmst"]
    n = N_RUNS
    se, sn = np.repeat(s["site_ecef"][None], n, 0), np.repeat(s["site_enu"][None], n, 0)
    sig = np.repeat(SIGMA[None], n, 0)
    z0, z1 = _noisy(s["z_true"][0], rng, n), _noisy(s["z_true"][1], rng, n)
    x, p = init_two_point(z0, sig, se, sn, gmst[0], t[0], z1, sig, se, sn, gmst[1], t[1])
    st = imm_init(x, p, [0.9, 0.1])
    xe, pe = x, p
    mu_hist, err_imm, err_ekf, p_hist, mu_sum = [], [], [], [], []
    for k in range(2, t.size):
        zk = _noisy(s["z_true"][k], rng, n)
        st = imm_predict(st, DT, Q_LEVELS, PI)
        assert np.allclose(st.mu.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        st, xc, pc, mu = imm_update(st, zk, sig, se, sn, gmst[k])
        xe, pe = ekf_predict(xe, pe, DT, Q_LEVELS[0])
        xe, pe, _ = ekf_update(xe, pe, zk, sig, se, sn, gmst[k])
        mu_hist.append(mu)
        mu_sum.append(mu.sum(axis=1))
        p_hist.append(pc)
        err_imm.append(np.linalg.norm(xc[:, :3] - s["truth"][k, :3], axis=-1))
        err_ekf.append(np.linalg.norm(xe[:, :3] - s["truth"][k, :3], axis=-1))
    return {
        "t": t[2:],
        "mu": np.array(mu_hist),  # (T, n, r)
        "mu_sum": np.array(mu_sum),
        "P": np.array(p_hist),  # (T, n, 6, 6)
        "err_imm": np.array(err_imm),  # (T, n) [m]
        "err_ekf": np.array(err_ekf),
        "state": st,
    }


def test_imm_manoeuvre_mode_probability_rises_and_falls(imm_run: dict) -> None:
    """Mean high-q probability: < 0.3 before the manoeuvre (after settling), > 0.6 in its
    last 40 s, < 0.3 again from 60 s after it ends."""
    t, mu_hi = imm_run["t"], imm_run["mu"][:, :, 1].mean(axis=1)
    before = mu_hi[(t >= 60.0) & (t < T_MAN[0])].mean()
    during = mu_hi[(t >= T_MAN[0] + 20.0) & (t < T_MAN[1])].mean()
    after = mu_hi[t >= T_MAN[1] + 60.0].mean()
    print(f"mu_high before {before:.3f} during {during:.3f} after {after:.3f}")
    assert before < 0.3 and during > 0.6 and after < 0.3


def test_imm_beats_low_q_ekf_during_manoeuvre(imm_run: dict) -> None:
    """RMS position error in the manoeuvre window (and 20 s after): IMM < ½ of the low-q
    EKF's; outside manoeuvres (60–140 s) the IMM stays within 1.5× of the EKF, which is
    matched to ballistic flight there."""
    t = imm_run["t"]
    win = (t >= T_MAN[0]) & (t < T_MAN[1] + 20.0)
    quiet = (t >= 60.0) & (t < T_MAN[0])

    def rms(e: np.ndarray) -> float:
        return float(np.sqrt(np.mean(e**2)))

    r_imm, r_ekf = rms(imm_run["err_imm"][win]), rms(imm_run["err_ekf"][win])
    q_imm, q_ekf = rms(imm_run["err_imm"][quiet]), rms(imm_run["err_ekf"][quiet])
    print(f"manoeuvre RMS: IMM {r_imm:.0f} m, EKF {r_ekf:.0f} m; quiet: {q_imm:.0f}, {q_ekf:.0f}")
    assert r_imm < 0.5 * r_ekf
    assert q_imm < 1.5 * q_ekf


def test_imm_probabilities_and_covariances_are_valid(imm_run: dict) -> None:
    mu = imm_run["mu"]
    assert np.all((mu >= 0.0) & (mu <= 1.0))
    assert np.allclose(imm_run["mu_sum"], 1.0, rtol=0, atol=1e-12)
    p = imm_run["P"]
    assert np.allclose(p, np.swapaxes(p, -1, -2), rtol=1e-12, atol=1e-9)
    assert np.all(np.linalg.eigvalsh(p) > 0.0)
    st = imm_run["state"]
    assert np.all(np.linalg.eigvalsh(st.P) > 0.0)


def test_imm_batched_equals_scalar_loop(imm_scenario: dict) -> None:
    rng = np.random.default_rng(9)
    n, r = 4, 3
    x = imm_scenario["truth"][10] + rng.normal(0, 1, (n, r, 6)) * np.array([300.0] * 3 + [3.0] * 3)
    a = rng.normal(size=(n, r, 6, 6))
    p = a @ np.swapaxes(a, -1, -2) * 50 + np.diag([1e5] * 3 + [1e2] * 3)
    mu = rng.dirichlet(np.ones(r), n)
    st = ImmState(x, p, mu)
    dt = np.array([1.0, 2.0, 5.0, 12.0])
    q = np.array([1e-3, 1.0, 1e3])
    pi = markov_matrix(2.0, [100.0, 30.0, 10.0])
    z = _noisy(imm_scenario["z_true"][11], rng, n)
    sig = np.repeat(SIGMA[None], n, 0)
    se = np.repeat(imm_scenario["site_ecef"][None], n, 0)
    sn = np.repeat(imm_scenario["site_enu"][None], n, 0)
    g = rng.uniform(0, 6, n)
    sb, xb, pb, mb = imm_update(imm_predict(st, dt, q, pi), z, sig, se, sn, g)
    for i in range(n):
        s = slice(i, i + 1)
        si = ImmState(x[s], p[s], mu[s])
        si, xi, pi_, mi = imm_update(
            imm_predict(si, dt[i], q, pi), z[s], sig[s], se[s], sn[s], g[i]
        )
        assert np.allclose(xb[s], xi, rtol=1e-12, atol=1e-8)
        assert np.allclose(pb[s], pi_, rtol=1e-9, atol=1e-8)
        assert np.allclose(mb[s], mi, rtol=1e-9, atol=1e-12)
        assert np.allclose(sb.x[s], si.x, rtol=1e-12, atol=1e-8)


def test_imm_single_model_reduces_to_ekf(imm_scenario: dict) -> None:
    """r = 1, Π = [[1]]: the IMM is the EKF (mixing is the identity, μ ≡ 1)."""
    rng = np.random.default_rng(8)
    n = 3
    x = imm_scenario["truth"][5] + rng.normal(size=(n, 6)) * np.array([200.0] * 3 + [2.0] * 3)
    p = np.repeat(np.diag([4e4] * 3 + [4.0] * 3)[None], n, 0)
    z = _noisy(imm_scenario["z_true"][8], rng, n)
    sig = np.repeat(SIGMA[None], n, 0)
    se = np.repeat(imm_scenario["site_ecef"][None], n, 0)
    sn = np.repeat(imm_scenario["site_enu"][None], n, 0)
    st = imm_predict(imm_init(x, p, [1.0]), 6.0, [3.0], np.array([[1.0]]))
    _, xc, pc, mu = imm_update(st, z, sig, se, sn, 0.7)
    xe, pe = ekf_predict(x, p, 6.0, 3.0)
    xe, pe, _ = ekf_update(xe, pe, z, sig, se, sn, 0.7)
    assert np.allclose(xc, xe, rtol=1e-12, atol=1e-7)
    assert np.allclose(pc, pe, rtol=1e-9, atol=1e-9)
    assert np.array_equal(mu, np.ones((n, 1)))


def test_mixing_preserves_combined_moments() -> None:
    """With Π = I the mixing step leaves each model alone; for any Π the mixture's combined
    mean is unchanged by mixing when dt = 0 (Bar-Shalom et al. 2001 eq. 11.6.6-13/14)."""
    rng = np.random.default_rng(1)
    n, r = 3, 2
    x = rng.normal(size=(n, r, 6)) * 1e3 + [7e6, 0, 0, 0, 7e3, 0]
    a = rng.normal(size=(n, r, 6, 6))
    p = a @ np.swapaxes(a, -1, -2) + np.eye(6)
    mu = rng.dirichlet(np.ones(r), n)
    st = ImmState(x, p, mu)
    same = imm_predict(st, 0.0, [1.0, 1.0], np.eye(r))
    assert np.allclose(same.x, x) and np.allclose(same.P, p) and np.allclose(same.mu, mu)
    pi = np.array([[0.9, 0.1], [0.3, 0.7]])
    mixed = imm_predict(st, 0.0, [1.0, 1.0], pi)
    xc0, pc0 = combine(x, p, mu)
    xc1, pc1 = combine(mixed.x, mixed.P, mixed.mu)
    assert np.allclose(xc1, xc0, rtol=0, atol=1e-6)
    assert np.allclose(pc1, pc0, rtol=1e-9, atol=1e-9)
    assert np.allclose(mixed.mu, mu @ pi)


def test_markov_matrix_rows_and_validation() -> None:
    pi = markov_matrix(2.0, [200.0, 40.0, 10.0])
    assert np.allclose(pi.sum(axis=1), 1.0)
    assert pi[0, 0] == pytest.approx(np.exp(-0.01))
    st = imm_init(np.array([[7e6, 0.0, 0.0, 0.0, 7e3, 0.0]]), np.eye(6)[None], [0.5, 0.5])
    with pytest.raises(ValueError):
        imm_predict(st, 1.0, [0.0, 1.0], np.eye(2))
    with pytest.raises(ValueError):
        imm_predict(st, 1.0, [1.0, 1.0], np.array([[0.5, 0.6], [0.5, 0.5]]))
