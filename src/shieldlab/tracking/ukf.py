"""Batched unscented Kalman filter for ballistic objects, with radar (R, az, el) updates.

State ``x (n, 6)`` = [r, v] in ECI [m, m/s]; covariance ``P (n, 6, 6)``; the
same dynamics and measurement functions as :mod:`shieldlab.tracking.ekf`
(point-mass + J2 gravity, no drag/thrust; AER from a radar site).

Sigma points
    Scaled unscented transform (Julier & Uhlmann 1997/2004; Wan & van der
    Merwe 2000; Särkkä, *Bayesian Filtering and Smoothing*, 2013, §5.5):
    2n+1 = 13 points x̂ ± √(n+λ) columns of chol(P), λ = α²(n+κ) − n,
    weights W₀ᵐ = λ/(n+λ), W₀ᶜ = W₀ᵐ + 1 − α² + β, Wᵢ = 1/(2(n+λ)).
    Default α = 1, β = 2, κ = 0 (λ = 0: W₀ᵐ = 0, all weights ≥ 0, points at
    ±√6 σ), the choice Särkkä recommends for state estimation; the small-α
    variant (α = 1e-3) is available but has a large negative W₀ᶜ.

Prediction
    All tracks × 13 sigma points are propagated in ONE batched call of the
    dynamics ``f(x (n·13, 6), dt (n·13,))`` (default
    :func:`~shieldlab.tracking.ekf.propagate_states`: RK4, ≤ 10 s steps, J2).
    Means and covariances are formed from deviations about the propagated
    central point (no cancellation of the 7e6 m ECI magnitudes). Additive
    white-acceleration process noise Q(|dt|) of spectral density q per axis
    (Bar-Shalom, Li, Kirubarajan 2001, §6.2.2); q may differ per track.

Update
    h(x) = (range, az, el); the azimuth of each sigma point is taken as the
    residual about the central point's azimuth wrapped to (−π, π], so the
    sigma-point mean never straddles the 0/2π cut; the innovation's azimuth
    is wrapped as well. Diagonal R from σ. P⁺ = P − K S Kᵀ, symmetrised; a
    track whose smallest eigenvalue falls below 1e-12 of its trace gets that
    much jitter on the diagonal so P stays positive definite.

All functions are vectorised over tracks; no Python loop over objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.tracking.ekf import measure_aer, process_noise, propagate_states, wrap_pi

F64 = NDArray[np.float64]
Dynamics = Callable[[F64, F64], F64]
"""f(x (m, 6), dt_s (m,)) -> x (m, 6): states advanced by per-row intervals."""

_NX = 6


@dataclass(frozen=True)
class UnscentedParams:
    """Scaled-unscented-transform parameters α, β, κ (Wan & van der Merwe 2000)."""

    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0

    def weights(self, n: int = _NX) -> tuple[float, F64, F64]:
        """Spread factor √(n+λ) and mean / covariance weights ``(2n+1,)``."""
        lam = self.alpha**2 * (n + self.kappa) - n
        c = n + lam
        if c <= 0.0:
            raise ValueError(f"n + λ must be positive, got {c}")
        wm = np.full(2 * n + 1, 0.5 / c)
        wc = wm.copy()
        wm[0] = lam / c
        wc[0] = lam / c + 1.0 - self.alpha**2 + self.beta
        return float(np.sqrt(c)), wm, wc


DEFAULT_UT = UnscentedParams()


def _sym(p: F64) -> F64:
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def _make_pd(p: F64, rel_floor: float = 1e-12) -> F64:
    """Symmetrise and add diagonal jitter to tracks whose smallest eigenvalue is too small."""
    p = _sym(p)
    lam_min = np.linalg.eigvalsh(p)[..., 0]
    floor = rel_floor * np.trace(p, axis1=-2, axis2=-1)
    jitter = np.where(lam_min < floor, floor - lam_min, 0.0)
    if np.any(jitter > 0.0):
        p = p + jitter[..., None, None] * np.eye(p.shape[-1])
    return p


def _chol(p: F64) -> F64:
    """Lower Cholesky factors ``(n, 6, 6)``, with jitter where factorisation fails."""
    try:
        out = np.linalg.cholesky(p)
    except np.linalg.LinAlgError:
        out = np.linalg.cholesky(_make_pd(p, 1e-10))
    return np.asarray(out, dtype=np.float64)


def sigma_points(x: F64, P: F64, params: UnscentedParams = DEFAULT_UT) -> F64:
    """Sigma points ``(n, 13, 6)``: x̂, x̂ + γ Lᵢ, x̂ − γ Lᵢ with L = chol(P), γ = √(n+λ)."""
    gamma, _, _ = params.weights(_NX)
    lt = gamma * np.swapaxes(_chol(np.asarray(P, dtype=np.float64)), -1, -2)  # rows = columns of L
    x = np.asarray(x, dtype=np.float64)[:, None, :]
    return np.concatenate([x, x + lt, x - lt], axis=1)


def _moments(y: F64, wm: F64, wc: F64) -> tuple[F64, F64, F64]:
    """Weighted mean ``(n, k)``, covariance ``(n, k, k)`` and deviations ``(n, 13, k)``
    of points ``y (n, 13, k)``, formed about the central point y[:, 0]."""
    d0 = y - y[:, :1, :]
    mean_off = np.einsum("s,nsk->nk", wm, d0)
    dev = d0 - mean_off[:, None, :]
    cov = np.einsum("s,nsi,nsj->nij", wc, dev, dev)
    return y[:, 0, :] + mean_off, cov, dev


def ukf_predict(
    x: F64,
    P: F64,
    dt_s: ArrayLike,
    q_m2_s3: ArrayLike,
    f: Dynamics = propagate_states,
    params: UnscentedParams = DEFAULT_UT,
) -> tuple[F64, F64]:
    """Predict states ``(n, 6)`` and covariances ``(n, 6, 6)`` by per-track ``dt_s``.

    ``q_m2_s3``: process-noise spectral density, scalar or ``(n,)``. The n·13
    sigma points are propagated by one call of ``f``. Tracks with dt = 0 are
    returned unchanged up to round-off.
    """
    x = np.asarray(x, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    n = x.shape[0]
    dt = np.broadcast_to(np.asarray(dt_s, dtype=np.float64), (n,))
    q = np.broadcast_to(np.asarray(q_m2_s3, dtype=np.float64), (n,))
    _, wm, wc = params.weights(_NX)
    chi = sigma_points(x, P, params)
    ns = chi.shape[1]
    y = f(chi.reshape(n * ns, _NX), np.repeat(dt, ns)).reshape(n, ns, _NX)
    xm, pm, _ = _moments(y, wm, wc)
    pm = pm + q[:, None, None] * process_noise(dt, 1.0)
    return xm, _sym(pm)


def ukf_update(
    x: F64,
    P: F64,
    z: F64,
    sigma: F64,
    site_ecef_m: F64,
    site_enu: F64,
    gmst_rad: ArrayLike,
    params: UnscentedParams = DEFAULT_UT,
) -> tuple[F64, F64, F64]:
    """UKF update of ``m`` tracks with one (range, az, el) measurement each.

    Same arguments and returns as :func:`~shieldlab.tracking.ekf.ekf_update`:
    updated states (m, 6), covariances (m, 6, 6) (symmetric PD) and NIS (m,).
    """
    x_new, p_new, nis, _ = ukf_update_full(x, P, z, sigma, site_ecef_m, site_enu, gmst_rad, params)
    return x_new, p_new, nis


def ukf_update_full(
    x: F64,
    P: F64,
    z: F64,
    sigma: F64,
    site_ecef_m: F64,
    site_enu: F64,
    gmst_rad: ArrayLike,
    params: UnscentedParams = DEFAULT_UT,
) -> tuple[F64, F64, F64, F64]:
    """:func:`ukf_update` that also returns the innovation covariance S ``(m, 3, 3)``."""
    x = np.asarray(x, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    m = x.shape[0]
    _, wm, wc = params.weights(_NX)
    chi = sigma_points(x, P, params)
    ns = chi.shape[1]
    th = np.broadcast_to(np.asarray(gmst_rad, dtype=np.float64), (m,))
    zs, _ = measure_aer(
        chi.reshape(m * ns, _NX),
        np.repeat(site_ecef_m, ns, axis=0),
        np.repeat(site_enu, ns, axis=0),
        np.repeat(th, ns),
    )
    zs = zs.reshape(m, ns, 3)
    # azimuth residuals about the central point, wrapped: continuous across 0/2π
    zs[:, :, 1] = zs[:, :1, 1] + wrap_pi(zs[:, :, 1] - zs[:, :1, 1])
    zhat, s, dz = _moments(zs, wm, wc)
    idx = np.arange(3)
    s[:, idx, idx] += np.asarray(sigma, dtype=np.float64) ** 2
    dx = chi - chi[:, :1, :] - np.einsum("s,nsk->nk", wm, chi - chi[:, :1, :])[:, None, :]
    pxz = np.einsum("s,nsi,nsj->nij", wc, dx, dz)
    nu = np.asarray(z, dtype=np.float64) - zhat
    nu[:, 1] = wrap_pi(nu[:, 1])
    s = _sym(s)
    s_inv = np.linalg.inv(s)
    k = pxz @ s_inv
    x_new = x + np.einsum("mij,mj->mi", k, nu)
    p_new = _make_pd(P - k @ s @ np.swapaxes(k, -1, -2))
    nis = np.einsum("mi,mij,mj->m", nu, s_inv, nu)
    return x_new, p_new, nis, s
