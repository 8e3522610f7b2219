"""Gravity: point mass plus the J2 zonal harmonic.

Validity: outside the Earth; J2 only, so surface gravitation is within 2e-4
m/s² of the WGS-84 normal gravity (tested), adequate for flights of minutes to
hours, not for long-term orbit prediction.

Acceleration in an Earth-centred frame whose z axis is the rotation axis (ECI
or ECEF: the J2 field is axially symmetric, so it is the same expression in
both). Source: Vallado 4th ed., eq. 8-30 (J2 perturbing acceleration);
constants from ``core.constants`` (WGS-84 GM, EGM-96 J2).

Assumptions: higher harmonics (J3, tesserals) ignored; their effect on a
30-minute ballistic flight is at the hundred-metre level, well below the
other modelling errors of the threat models.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2, J2_EARTH, WGS84_A_M
from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]


def accel_point_mass(r_m: ArrayLike, mu_m3_s2: float = GM_EARTH_M3_S2) -> F64:
    """Two-body acceleration −μ r / |r|³ [m/s²] for positions ``(..., 3)`` [m]."""
    r = np.asarray(r_m, dtype=np.float64)
    rn = np.linalg.norm(r, axis=-1, keepdims=True)
    return -mu_m3_s2 * r / rn**3


def accel_j2(r_m: ArrayLike, mu_m3_s2: float = GM_EARTH_M3_S2, j2: float = J2_EARTH) -> F64:
    """Point-mass plus J2 acceleration [m/s²] for positions ``(..., 3)`` [m].

    a = −μ r/|r|³ − (3/2) J2 μ Re²/|r|⁵ · [x(1 − 5z²/r²), y(1 − 5z²/r²), z(3 − 5z²/r²)]
    """
    r = np.asarray(r_m, dtype=np.float64)
    z = r[..., 2]
    inv_r2 = 1.0 / np.einsum("...i,...i->...", r, r)
    k = -mu_m3_s2 * inv_r2 * np.sqrt(inv_r2)
    f = 1.5 * j2 * WGS84_A_M**2 * inv_r2
    # a_xy = k (1 + f(1 − 5z²/r²)) r_xy and a_z = the same factor times z plus 2 k f z
    c = k * (1.0 + f * (1.0 - 5.0 * z * z * inv_r2))
    out = r * c[..., None]
    out[..., 2] += 2.0 * k * f * z
    return out


def accel_j2_components(
    r_m: F64, out: F64, mu_m3_s2: float = GM_EARTH_M3_S2, j2: float = J2_EARTH
) -> None:
    """:func:`accel_j2` of component-major positions ``r_m (3, m)``, written into ``out (3, m)``.

    The hot-loop form: no (m, 3) temporaries, few in-place operations, and
    ``out`` may be a view (e.g. the velocity-rate rows of a ``(6, m)``
    state-rate block). Same expression as :func:`accel_j2` (equal to rounding):
    with k = −μ/r³ and f = (3/2) J2 Re²/r², a = c r + 2 k f z ẑ,
    c = k (1 + f (1 − 5z²/r²)).
    """
    sq = r_m * r_m
    inv_r2 = np.add.reduce(sq, axis=0)
    np.divide(1.0, inv_r2, out=inv_r2)
    k = np.sqrt(inv_r2)
    k *= inv_r2
    k *= -mu_m3_s2
    kf = k * inv_r2
    kf *= 1.5 * j2 * WGS84_A_M**2
    c = sq[2] * inv_r2
    c *= -5.0
    c += 1.0
    c *= kf
    c += k
    np.multiply(r_m, c, out=out)
    kf *= 2.0
    kf *= r_m[2]
    out[2] += kf


@kernel
def accel_j2_scalar(
    x_m: float, y_m: float, z_m: float, mu_m3_s2: float = GM_EARTH_M3_S2, j2: float = J2_EARTH
) -> tuple[float, float, float]:
    """:func:`accel_j2_components` for one position (same operations in the same order,
    so the two agree to the last bit): for the compiled kernels that fly one object
    at a time (:mod:`shieldlab.core.jit`)."""
    sz = z_m * z_m
    inv_r2 = 1.0 / (x_m * x_m + y_m * y_m + sz)
    k = math.sqrt(inv_r2) * inv_r2 * -mu_m3_s2
    kf = k * inv_r2 * (1.5 * j2 * WGS84_A_M**2)
    c = (sz * inv_r2 * -5.0 + 1.0) * kf + k
    return x_m * c, y_m * c, z_m * c + kf * 2.0 * z_m


def potential_j2(r_m: ArrayLike, mu_m3_s2: float = GM_EARTH_M3_S2, j2: float = J2_EARTH) -> F64:
    """Gravitational potential energy per unit mass [J/kg] of the J2 field (U, with a = −∇U).

    U = −μ/r · [1 − J2 (Re/r)² (3 sin²φ − 1)/2], φ the geocentric latitude.
    """
    r = np.asarray(r_m, dtype=np.float64)
    rn = np.linalg.norm(r, axis=-1)
    s2 = (r[..., 2] / rn) ** 2
    return -mu_m3_s2 / rn * (1.0 - j2 * (WGS84_A_M / rn) ** 2 * (3.0 * s2 - 1.0) / 2.0)
