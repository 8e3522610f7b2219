"""Interacting multiple model (IMM) filter, batched over tracks, for manoeuvring targets.

Blom & Bar-Shalom, "The interacting multiple model algorithm for systems
with Markovian switching coefficients", IEEE TAC 33 (1988); Bar-Shalom, Li,
Kirubarajan, *Estimation with Applications to Tracking and Navigation*
(2001), §11.6.6 (one cycle: interaction/mixing, model-matched filtering,
mode-probability update, combination).

Models
    r models that share the ballistic dynamics of :mod:`~shieldlab.tracking.ekf`
    (point-mass + J2 gravity, RK4) and differ only by the spectral density
    q_j [m²/s³] of the white-acceleration process noise: a small q for
    ballistic flight, a large q for a manoeuvre or unmodelled lift (a glide
    vehicle pulling g's). A dedicated lift-acceleration state is not modelled.
    Mode switching is a Markov chain with transition matrix Π (r, r),
    Π[i, j] = P(model j at k | model i at k−1), rows summing to 1;
    :func:`markov_matrix` builds one from mean sojourn times.

Model-matched filters
    EKF (:func:`~shieldlab.tracking.ekf.ekf_predict` /
    :func:`~shieldlab.tracking.ekf.ekf_update`), all tracks × models in one
    batched call. The per-model q enters through the linearity of the EKF
    covariance prediction in (P, q): ekf_predict(x, P/q, dt, 1)·q =
    Φ P Φᵀ + q Σ Φ Q₁ Φᵀ, so every q_j must be > 0.
    Likelihood Λ_j = N(ν; 0, S_j) with S_j = H P⁻_j Hᵀ + R of that model,
    handled in logs so that mode probabilities never underflow to NaN.

State layout: x (n, r, 6) ECI [m, m/s], P (n, r, 6, 6), mu (n, r). After
:func:`imm_predict` ``mu`` holds the predicted mode probabilities c̄_j; after
:func:`imm_update` the posterior ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.tracking.ekf import ekf_predict, ekf_update, measure_aer

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class ImmState:
    """IMM state of n tracks over r models: model-conditioned ECI states x (n, r, 6)
    [m, m/s], covariances P (n, r, 6, 6), mode probabilities mu (n, r)."""

    x: F64
    P: F64
    mu: F64


def imm_init(x: F64, P: F64, mu0: ArrayLike) -> ImmState:
    """Every model starts from the same track (x (n, 6), P (n, 6, 6)); ``mu0`` (r,) or (n, r)."""
    x = np.asarray(x, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    mu = np.asarray(mu0, dtype=np.float64)
    mu = np.broadcast_to(mu / mu.sum(axis=-1, keepdims=True), (x.shape[0], mu.shape[-1])).copy()
    r = mu.shape[1]
    return ImmState(
        np.repeat(x[:, None], r, axis=1).copy(), np.repeat(P[:, None], r, axis=1).copy(), mu
    )


def markov_matrix(dt_s: float, sojourn_s: ArrayLike) -> F64:
    """Transition matrix (r, r) for step ``dt_s``: stay in model i with probability
    exp(−dt/τ_i) (mean sojourn τ_i), switch to each other model equally otherwise."""
    tau = np.asarray(sojourn_s, dtype=np.float64)
    r = tau.size
    stay = np.exp(-dt_s / tau)
    pi = np.repeat(((1.0 - stay) / max(r - 1, 1))[:, None], r, axis=1)
    pi[np.arange(r), np.arange(r)] = stay if r > 1 else 1.0
    return pi


def combine(x: F64, P: F64, mu: F64) -> tuple[F64, F64]:
    """Moment-matched Gaussian of the mixture: x (n, 6), P (n, 6, 6)."""
    xc = np.einsum("nr,nri->ni", mu, x)
    d = x - xc[:, None, :]
    pc = np.einsum("nr,nrij->nij", mu, P + d[..., :, None] * d[..., None, :])
    return xc, 0.5 * (pc + np.swapaxes(pc, -1, -2))


def imm_predict(
    state: ImmState,
    dt_s: ArrayLike,
    q_levels: ArrayLike,
    Pi: ArrayLike,
    max_step_s: float = 10.0,
    j2: bool = True,
) -> ImmState:
    """Interaction (mixing) and model-matched EKF prediction by per-track ``dt_s``.

    q_levels (r,) spectral densities [m²/s³], all > 0; Pi (r, r) row-stochastic.
    Returns the predicted states with mu = c̄ (predicted mode probabilities).
    """
    x, P, mu = state.x, state.P, state.mu
    n, r, _ = x.shape
    q = np.asarray(q_levels, dtype=np.float64)
    pi = np.asarray(Pi, dtype=np.float64)
    if q.shape != (r,) or np.any(q <= 0.0):
        raise ValueError("q_levels must be (r,) and strictly positive")
    if pi.shape != (r, r) or not np.allclose(pi.sum(axis=1), 1.0):
        raise ValueError("Pi must be (r, r) with rows summing to 1")
    cbar = mu @ pi  # (n, r): c̄_j = Σ_i Π_ij μ_i
    w = mu[:, :, None] * pi[None] / np.maximum(cbar[:, None, :], 1e-300)  # μ_{i|j} (n, i, j)
    x0 = np.einsum("nij,nik->njk", w, x)
    d = x[:, :, None, :] - x0[:, None, :, :]  # (n, i, j, 6)
    p0 = np.einsum("nij,nikl->njkl", w, P) + np.einsum("nij,nijk,nijl->njkl", w, d, d)
    qq = np.broadcast_to(q, (n, r)).reshape(-1)
    dt = np.repeat(np.broadcast_to(np.asarray(dt_s, dtype=np.float64), (n,)), r)
    xp, pp = ekf_predict(
        x0.reshape(n * r, 6), p0.reshape(n * r, 6, 6) / qq[:, None, None], dt, 1.0, max_step_s, j2
    )
    pp = pp * qq[:, None, None]
    cbar = cbar / cbar.sum(axis=1, keepdims=True)
    return ImmState(xp.reshape(n, r, 6), pp.reshape(n, r, 6, 6), cbar)


def imm_update(
    state: ImmState,
    z: F64,
    sigma: F64,
    site_ecef_m: F64,
    site_enu: F64,
    gmst_rad: ArrayLike,
) -> tuple[ImmState, F64, F64, F64]:
    """Model-matched EKF updates, mode-probability update and combination.

    One (range, az, el) measurement per track: z, sigma (n, 3); site_ecef_m
    (n, 3); site_enu (n, 3, 3); gmst_rad scalar or (n,). Returns the updated
    state, the combined x (n, 6), P (n, 6, 6) and mu (n, r).
    """
    x, P, mu = state.x, state.P, state.mu
    n, r, _ = x.shape

    def rep(a: ArrayLike, k: int) -> F64:
        return np.repeat(np.asarray(a, dtype=np.float64), r, axis=0).reshape(n * r, *([3] * k))

    th = np.repeat(np.broadcast_to(np.asarray(gmst_rad, dtype=np.float64), (n,)), r)
    xf, pf = x.reshape(n * r, 6), P.reshape(n * r, 6, 6)
    zz, ss, se, sn = rep(z, 1), rep(sigma, 1), rep(site_ecef_m, 1), rep(site_enu, 2)
    _, hmat = measure_aer(xf, se, sn, th)
    s = hmat @ pf @ np.swapaxes(hmat, -1, -2)
    idx = np.arange(3)
    s[:, idx, idx] += ss**2
    _, logdet = np.linalg.slogdet(s)
    xu, pu, nis = ekf_update(xf, pf, zz, ss, se, sn, th)
    loglik = (-0.5 * (nis + logdet + 3.0 * math.log(2.0 * math.pi))).reshape(n, r)
    logpost = loglik + np.log(np.maximum(mu, 1e-300))
    logpost -= logpost.max(axis=1, keepdims=True)
    mu_new = np.exp(logpost)
    mu_new /= mu_new.sum(axis=1, keepdims=True)
    xu, pu = xu.reshape(n, r, 6), pu.reshape(n, r, 6, 6)
    xc, pc = combine(xu, pu, mu_new)
    return ImmState(xu, pu, mu_new), xc, pc, mu_new
