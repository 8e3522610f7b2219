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
it by a *bracketed* Newton iteration, problem by problem in a compiled kernel
(:mod:`shieldlab.core.jit`): each iteration takes the Newton step where it
stays inside the bracket and the bisection step elsewhere, so every problem
converges (linearly at worst) and none can diverge; a problem stops when it
has converged or after ``max_iter`` iterations. C(z) and S(z) are the
Stumpff functions (series near z = 0).

Direction: ``prograde=True`` picks the arc whose angular momentum has a
positive z component (the transfer angle Δν ∈ (0, π) if (r1 × r2)_z ≥ 0,
else 2π − Δν); ``prograde=False`` the opposite. ``short_way=True`` overrides
it and always takes Δν < π (the choice for interceptor fly-outs).

Failure is reported in the ``ok`` mask, never by an exception: r1 ∥ r2
(Δν = 0 or π, the plane is undefined), non-positive Δt or radii, no
convergence, or non-finite results. Velocities of failed problems are NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2
from shieldlab.core.frames import cross3, norm3
from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

_Z_MAX = 4.0 * np.pi**2
_PARALLEL_SIN_TOL = 1e-10


@kernel
def _tof_scalar(z: float, a: float, r12: float) -> tuple[float, float, float, float]:
    """:func:`_tof_parts` of one problem (compiled kernel): y, C, S and √μ·Δt (NaN
    where y ≤ 0)."""
    if z <= -1e-3:
        sq = math.sqrt(-z)
        c = 2.0 * math.sinh(0.5 * sq) ** 2 / -z
        s = (math.sinh(sq) - sq) / (sq * sq * sq)
    elif z >= 1e-3:
        sq = math.sqrt(z)
        c = 2.0 * math.sin(0.5 * sq) ** 2 / z
        s = (sq - math.sin(sq)) / (sq * sq * sq)
    else:
        c = 0.5 - z / 24.0 + z**2 / 720.0 - z**3 / 40320.0
        s = 1.0 / 6.0 - z / 120.0 + z**2 / 5040.0 - z**3 / 362880.0
    y = r12 + a * (z * s - 1.0) / math.sqrt(c)
    if y <= 0.0:
        return y, c, s, math.nan
    return y, c, s, math.sqrt(y / c) ** 3 * s + a * math.sqrt(y)


@kernel
def _solve_z(
    a: F64, r12: F64, target: F64, valid: B, max_iter: int, rtol: float
) -> tuple[F64, F64, F64, B]:
    """The bracketed Newton iteration of :func:`lambert`, problem by problem (a
    compiled kernel): z, y(z), √μ·Δt(z) and whether it is bracketed and converged."""
    n = a.size
    z_out = np.full(n, math.nan)
    y_out = np.full(n, math.nan)
    t_out = np.full(n, math.nan)
    ok = np.zeros(n, np.bool_)
    for i in range(n):
        if not valid[i]:
            continue
        ai, r, tg = a[i], r12[i], target[i]
        hi = _Z_MAX * (1.0 - 1e-12)
        lo = -_Z_MAX
        below = False
        for _ in range(9):  # eight widenings, the last one checked
            y, _c, _s, t = _tof_scalar(lo, ai, r12[i])
            below = y <= 0.0 or t < tg
            if below:
                break
            lo = 4.0 * lo
        if not below:
            continue
        z = min(max(0.5 * (lo + hi) if ai > 0.0 else 0.0, lo), hi)
        conv = False
        for _ in range(max_iter):
            y, c, s, t = _tof_scalar(z, ai, r)
            low = y <= 0.0 or t < tg
            if low:
                lo = z
            else:
                hi = z
            z_new = 0.5 * (lo + hi)
            done = hi - lo <= 1e-15 * max(1.0, abs(z))
            if y > 0.0:
                yc, syq = y / c, math.sqrt(y)
                if abs(z) < 1e-3:  # the z = 0 form of the derivative
                    dt = math.sqrt(2.0) / 40.0 * y**1.5 + 0.125 * ai * (
                        syq + ai * math.sqrt(0.5 / y)
                    )
                else:  # d(√μ t)/dz, Curtis eq. 5.43
                    dt = yc**1.5 * ((c - 1.5 * s / c) / (2.0 * z) + 0.75 * s**2 / c) + (
                        0.125 * ai * (3.0 * s / c * syq + ai * math.sqrt(c / y))
                    )
                miss = t - tg
                if dt != 0.0:
                    z_newton = z - miss / dt
                    if lo < z_newton < hi:
                        z_new = z_newton
                done = done or abs(miss) <= rtol * tg
            if done:
                conv = True
                break
            z = z_new
        if not conv:
            continue
        y, _c, _s, t = _tof_scalar(z, ai, r)
        z_out[i], y_out[i], t_out[i] = z, y, t
        ok[i] = y > 0.0 and abs(t - tg) <= 1e-8 * tg
    return z_out, y_out, t_out, ok


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

    _, y, _, ok = _solve_z(a, r1s + r2s, target, valid, max_iter, rtol)
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
