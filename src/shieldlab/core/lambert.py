"""Lambert's problem (zero revolutions), vectorised over n problems.

Validity: zero-revolution two-body arcs with a transfer angle away from 0 and
π; J2 and drag are not part of the solution. Reproduces Vallado Ex. 7-5
(measured < 1 mm/s) and Curtis Ex. 5.2 within 1 m/s.

Given two position vectors r1, r2 and a time of flight Δt, find the velocities
v1, v2 of the two-body (Keplerian) arc that joins them. Frame: any inertial
frame (ECI in shieldlab); units SI.

Method: universal variables (Bate, Mueller & White 1971, §5.3; Vallado 4th ed.
Algorithm 58; Curtis 3rd ed. §5.3). With z = χ²/a the time of flight is

    √μ Δt = x³ S(z) + A √y,  y = r1 + r2 + A (z S − 1)/√C,  x = √(y/C),
    A = sin Δν · √(r1 r2 / (1 − cos Δν)),

which, for zero revolutions, increases monotonically with z on the interval
where y > 0, from 0 (short way, A > 0, at y = 0) to ∞ at z → 4π². We solve
it by a *bracketed* Newton iteration run on all n problems at once: each
iteration takes the Newton step where it stays inside the bracket and the
bisection step elsewhere, so every problem converges (linearly at worst) and
no problem can diverge. Problems that have converged are masked out; the
loop stops when all have converged or after ``max_iter`` iterations.

Direction: ``prograde=True`` picks the arc whose angular momentum has a
positive z component (the transfer angle Δν ∈ (0, π) if (r1 × r2)_z ≥ 0,
else 2π − Δν); ``prograde=False`` the opposite. ``short_way=True`` overrides
it and always takes Δν < π (the choice for interceptor fly-outs).

Failure is reported in the ``ok`` mask, never by an exception: r1 ∥ r2
(Δν = 0 or π, the plane is undefined), non-positive Δt or radii, no
convergence, or non-finite results. Velocities of failed problems are NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2
from shieldlab.core.frames import cross3, norm3

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

_Z_MAX = 4.0 * np.pi**2
_PARALLEL_SIN_TOL = 1e-10


def stumpff_c_s(z: ArrayLike) -> tuple[F64, F64]:
    """Stumpff functions C(z), S(z) (series near z = 0), elementwise."""
    z = np.asarray(z, dtype=np.float64)
    # one branch for all (the common case in a batch): no masks, no masked copies
    if (z <= -1e-3).all():  # all z < 0 outside the series band
        mz = -z
        sq = np.sqrt(mz)
        return 2.0 * np.sinh(0.5 * sq) ** 2 / mz, (np.sinh(sq) - sq) / sq**3
    if (z >= 1e-3).all():
        sq = np.sqrt(z)
        return 2.0 * np.sin(0.5 * sq) ** 2 / z, (sq - np.sin(sq)) / sq**3
    small = np.abs(z) < 1e-3
    pos = (z > 0) & ~small
    neg = (z < 0) & ~small
    c = np.empty_like(z)
    s = np.empty_like(z)
    zs = z[small]
    c[small] = 0.5 - zs / 24.0 + zs**2 / 720.0 - zs**3 / 40320.0
    s[small] = 1.0 / 6.0 - zs / 120.0 + zs**2 / 5040.0 - zs**3 / 362880.0
    sq = np.sqrt(z[pos])
    c[pos] = 2.0 * np.sin(0.5 * sq) ** 2 / z[pos]
    s[pos] = (sq - np.sin(sq)) / sq**3
    sq = np.sqrt(-z[neg])
    c[neg] = 2.0 * np.sinh(0.5 * sq) ** 2 / (-z[neg])
    s[neg] = (np.sinh(sq) - sq) / sq**3
    return c, s


def _tof_terms(z: F64, a: F64, r1n: F64, r2n: F64) -> tuple[F64, F64, F64, F64]:
    """y(z), C(z), S(z) and √μ·Δt(z) (NaN where y ≤ 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        y, c, s, t, _, _, _ = _tof_parts(z, a, r1n + r2n)
    return y, c, s, t


def _tof_parts(z: F64, a: F64, r12: F64) -> tuple[F64, F64, F64, F64, F64, F64, F64]:
    """:func:`_tof_terms` from r12 = r1 + r2, also returning the intermediates the
    Newton derivative reuses: y⁺ (y, NaN where y ≤ 0), y⁺/C and √y⁺. Call it under
    ``np.errstate(invalid="ignore", divide="ignore")``."""
    c, s = stumpff_c_s(z)
    y = r12 + a * (z * s - 1.0) / np.sqrt(c)
    yp = np.where(y > 0, y, np.nan)
    yc = yp / c
    syp = np.sqrt(yp)
    t = np.sqrt(yc) ** 3 * s + a * syp
    return y, c, s, t, yp, yc, syp


def lambert(
    r1_m: ArrayLike,
    r2_m: ArrayLike,
    tof_s: ArrayLike,
    mu: float = GM_EARTH_M3_S2,
    prograde: bool | NDArray[np.bool_] = True,
    short_way: bool = False,
    max_iter: int = 100,
    rtol: float = 1e-12,
) -> tuple[F64, F64, B]:
    """Solve n zero-revolution Lambert problems at once (inertial frame, SI).

    Parameters
    ----------
    r1_m, r2_m : (n, 3) initial and final positions [m].
    tof_s : (n,) time of flight [s] (scalar broadcasts).
    mu : gravitational parameter [m³/s²].
    prograde : bool or (n,) bool — arc with angular momentum z ≥ 0 if True.
    short_way : if True, ignore ``prograde`` and take the transfer angle < π.

    Returns
    -------
    v1_mps, v2_mps : (n, 3) velocities at r1 and r2 [m/s] (NaN where not ok).
    ok : (n,) bool — solution found and converged.
    """
    r1 = np.atleast_2d(np.asarray(r1_m, dtype=np.float64))
    r2 = np.atleast_2d(np.asarray(r2_m, dtype=np.float64))
    n = r1.shape[0]
    tof = np.broadcast_to(np.asarray(tof_s, dtype=np.float64), (n,)).copy()
    r1n = norm3(r1)
    r2n = norm3(r2)
    cross = cross3(r1, r2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_dnu = np.clip(np.einsum("ij,ij->i", r1, r2) / (r1n * r2n), -1.0, 1.0)
        sin_abs = norm3(cross) / (r1n * r2n)
    if short_way:
        long_way = np.zeros(n, bool)
    else:
        pro = np.broadcast_to(np.asarray(prograde, dtype=bool), (n,))
        long_way = np.where(pro, cross[:, 2] < 0.0, cross[:, 2] >= 0.0)
    # A = sin Δν √(r1 r2/(1 − cos Δν)) = ±√(r1 r2 (1 + cos Δν)), sign + for Δν < π
    a = np.sqrt(np.maximum(r1n * r2n * (1.0 + cos_dnu), 0.0))
    a = np.where(long_way, -a, a)

    valid = (
        np.isfinite(tof)
        & (tof > 0)
        & (r1n > 0)
        & (r2n > 0)
        & np.isfinite(sin_abs)
        & (sin_abs > _PARALLEL_SIN_TOL)
    )
    # safe placeholders for invalid problems so the arithmetic stays finite
    a = np.where(valid, a, 1.0)
    r1s = np.where(valid, r1n, 1.0)
    r2s = np.where(valid, r2n, 1.0)
    target = np.where(valid, np.sqrt(mu) * tof, 1.0)

    # bracket [lo, hi]: t(hi) > target (t → ∞ as z → 4π²); find lo with t(lo) < target or y ≤ 0
    hi = np.full(n, _Z_MAX * (1.0 - 1e-12))
    lo = np.full(n, -_Z_MAX)
    r12 = r1s + r2s
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(8):
            y, _c, _s, t, _, _, _ = _tof_parts(lo, a, r12)
            below = (y <= 0) | (t < target)
            if below.all():
                break
            lo = np.where(below, lo, 4.0 * lo)
        else:  # lo moved after its last evaluation
            y, _c, _s, t, _, _, _ = _tof_parts(lo, a, r12)
            below = (y <= 0) | (t < target)
    bracketed = below

    z = np.where(a > 0, 0.5 * (lo + hi), 0.0)  # start inside the bracket
    z = np.clip(z, lo, hi)
    conv = ~(valid & bracketed)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(max_iter):
            act = ~conv
            if not act.any():
                break
            sel: slice | NDArray[np.bool_] = slice(None) if act.all() else act  # no copies
            za, aa, r12a, tg = z[sel], a[sel], r12[sel], target[sel]
            y, c, s, t, yq, yc, syq = _tof_parts(za, aa, r12a)
            low = (y <= 0) | (t < tg)
            lo_a = np.where(low, za, lo[sel])
            hi_a = np.where(low, hi[sel], za)
            # derivative d(√μ t)/dz (Curtis eq. 5.43), z = 0 form near the origin
            near0 = np.abs(za) < 1e-3
            any0 = bool(near0.any())
            zz = np.where(near0, 1.0, za) if any0 else za
            dt = yc**1.5 * ((c - 1.5 * s / c) / (2.0 * zz) + 0.75 * s**2 / c) + 0.125 * aa * (
                3.0 * s / c * syq + aa * np.sqrt(c / yq)
            )
            if any0:
                d_0 = np.sqrt(2.0) / 40.0 * yq**1.5 + 0.125 * aa * (syq + aa * np.sqrt(0.5 / yq))
                dt = np.where(near0, d_0, dt)
            miss = t - tg
            z_newton = za - miss / dt
            # (a NaN or infinite step fails the open-bracket test by itself)
            use_newton = (z_newton > lo_a) & (z_newton < hi_a)
            z_new = np.where(use_newton, z_newton, 0.5 * (lo_a + hi_a))
            done = (np.abs(miss) <= rtol * tg) | (
                hi_a - lo_a <= 1e-15 * np.maximum(1.0, np.abs(za))
            )
            z[sel] = np.where(done, za, z_new)
            lo[sel] = lo_a
            hi[sel] = hi_a
            conv[sel] = done

    y, c, s, t = _tof_terms(z, a, r1s, r2s)
    ok = valid & bracketed & conv & (y > 0) & (np.abs(t - target) <= 1e-8 * target)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = 1.0 - y / r1s
        g = a * np.sqrt(y / mu)
        gdot = 1.0 - y / r2s
        v1 = (r2 - f[:, None] * r1) / g[:, None]
        v2 = (gdot[:, None] * r2 - r1) / g[:, None]
    ok &= np.all(np.isfinite(v1), axis=-1) & np.all(np.isfinite(v2), axis=-1)
    v1[~ok] = np.nan
    v2[~ok] = np.nan
    return v1, v2, ok
