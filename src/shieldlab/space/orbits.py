"""Keplerian orbits: elements → ECI states, Kepler's equation, secular J2 propagation.

Validity: elliptic orbits above the atmosphere (no drag) over hours to days; on
the same mean elements, LEO positions agree with SGP4 within 20 km over one day
(J2 short-period and J3 terms left out) and node rates within 1 %.

Frame: the shieldlab ECI frame (z on the Earth's rotation axis, x towards the
mean equinox of date; Earth rotation by GMST from the scenario epoch, see
:mod:`shieldlab.core.time`). Units: SI (m, s, rad). Elements are osculating
≈ mean elements at the scenario epoch (t = 0); no distinction is made between
them, which is good to a few km for LEO (the J2 short-period terms).

Propagation is two-body motion plus the *secular* effect of J2 on the right
ascension of the ascending node, the argument of perigee and the mean anomaly
(Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., 2013,
eqs. 9-41 and 9-42; the same rates as Wertz, SMAD 3rd ed., eqs. 6-19/6-20):

    Ω̇ = −3/2 n J2 (R/p)² cos i
    ω̇ = 3/4 n J2 (R/p)² (4 − 5 sin² i)
    Ṁ = n [1 + 3/4 J2 (R/p)² √(1 − e²) (2 − 3 sin² i)]

with n = √(μ/a³), p = a (1 − e²), R the WGS-84 equatorial radius. No drag,
no third body, no higher zonals: fine for sensor constellations over hours to
days, not for orbit determination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import GM_EARTH_M3_S2, J2_EARTH, WGS84_A_M

F64 = NDArray[np.float64]

_FIELDS = ("a_m", "e", "i_rad", "raan_rad", "argp_rad", "m0_rad")


@dataclass(frozen=True)
class OrbitalElements:
    """Classical Keplerian elements of n satellites at the scenario epoch, arrays ``(n,)``.

    ``a_m`` semi-major axis [m], ``e`` eccentricity (0 ≤ e < 1), ``i_rad``
    inclination, ``raan_rad`` right ascension of the ascending node (ECI),
    ``argp_rad`` argument of perigee, ``m0_rad`` mean anomaly at t = 0.
    Inputs are broadcast to one common shape ``(n,)`` and stored as float64.
    """

    a_m: F64
    e: F64
    i_rad: F64
    raan_rad: F64
    argp_rad: F64
    m0_rad: F64

    def __post_init__(self) -> None:
        arrays = np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(getattr(self, f), dtype=np.float64)) for f in _FIELDS)
        )
        if arrays[0].ndim != 1:
            raise ValueError("orbital elements must be 1-D arrays (n,)")
        for name, arr in zip(_FIELDS, arrays, strict=True):
            object.__setattr__(self, name, np.array(arr, dtype=np.float64))
        if np.any(self.a_m <= 0.0):
            raise ValueError("a_m must be > 0")
        if np.any((self.e < 0.0) | (self.e >= 1.0)):
            raise ValueError("eccentricity e must be in [0, 1) (closed orbits only)")

    @classmethod
    def of(
        cls,
        a_m: ArrayLike,
        e: ArrayLike = 0.0,
        i_rad: ArrayLike = 0.0,
        raan_rad: ArrayLike = 0.0,
        argp_rad: ArrayLike = 0.0,
        m0_rad: ArrayLike = 0.0,
    ) -> OrbitalElements:
        """Elements from scalars or arrays, broadcast to one ``(n,)`` shape."""
        arrays = np.broadcast_arrays(
            *(
                np.atleast_1d(np.asarray(x, dtype=np.float64))
                for x in (a_m, e, i_rad, raan_rad, argp_rad, m0_rad)
            )
        )
        return cls(*arrays)

    @property
    def n(self) -> int:
        """Number of satellites."""
        return int(self.a_m.shape[0])

    @property
    def period_s(self) -> F64:
        """Keplerian period 2π √(a³/μ) [s], ``(n,)``."""
        return 2.0 * math.pi / mean_motion_rad_s(self.a_m)

    def concat(self, *others: OrbitalElements) -> OrbitalElements:
        """Elements of this set followed by ``others`` (same order)."""
        sets = (self, *others)
        return OrbitalElements(*(np.concatenate([getattr(s, f) for s in sets]) for f in _FIELDS))


def mean_motion_rad_s(a_m: ArrayLike) -> F64:
    """Two-body mean motion n = √(μ / a³) [rad/s]."""
    a = np.asarray(a_m, dtype=np.float64)
    return np.sqrt(GM_EARTH_M3_S2 / a**3)


def solve_kepler(
    mean_anomaly_rad: ArrayLike, e: ArrayLike, tol: float = 1e-13, max_iter: int = 50
) -> F64:
    """Eccentric anomaly E [rad] solving M = E − e sin E, vectorised Newton iteration.

    Broadcasts ``mean_anomaly_rad`` against ``e`` (0 ≤ e < 1). M is wrapped
    to [−π, π) first; start value E₀ = M + e·sign(M) (Vallado 4th ed.,
    Algorithm 2, robust for all e < 1); stops when every Newton step is below
    ``tol`` rad. The returned E is shifted back to the revolution of the input M.
    """
    m = np.asarray(mean_anomaly_rad, dtype=np.float64)
    ecc = np.asarray(e, dtype=np.float64)
    m, ecc = np.broadcast_arrays(m, ecc)
    mw = np.mod(m + math.pi, 2.0 * math.pi) - math.pi
    e_anom = mw + ecc * np.where(mw >= 0.0, 1.0, -1.0)
    for _ in range(max_iter):
        f = e_anom - ecc * np.sin(e_anom) - mw
        step = f / (1.0 - ecc * np.cos(e_anom))
        e_anom = e_anom - step
        if np.all(np.abs(step) < tol):
            break
    return np.asarray(e_anom + (m - mw), dtype=np.float64)


def j2_secular_rates(elements: OrbitalElements) -> tuple[F64, F64, F64]:
    """Secular rates (Ω̇, ω̇, Ṁ) [rad/s] under J2, each ``(n,)`` (Vallado eqs. 9-41/9-42).

    Ṁ includes the two-body mean motion n.
    """
    a, e, i = elements.a_m, elements.e, elements.i_rad
    n = mean_motion_rad_s(a)
    p = a * (1.0 - e * e)
    k = J2_EARTH * (WGS84_A_M / p) ** 2
    s2 = np.sin(i) ** 2
    raan_dot = -1.5 * n * k * np.cos(i)
    argp_dot = 0.75 * n * k * (4.0 - 5.0 * s2)
    m_dot = n * (1.0 + 0.75 * k * np.sqrt(1.0 - e * e) * (2.0 - 3.0 * s2))
    return raan_dot, argp_dot, m_dot


def kepler_to_eci(
    a_m: ArrayLike,
    e: ArrayLike,
    i_rad: ArrayLike,
    raan_rad: ArrayLike,
    argp_rad: ArrayLike,
    true_anomaly_rad: ArrayLike,
) -> tuple[F64, F64]:
    """ECI position [m] and velocity [m/s] ``(..., 3)`` from classical elements (broadcast).

    Perifocal state rotated by R3(−Ω) R1(−i) R3(−ω) (Vallado 4th ed.,
    Algorithm 10, COE2RV). Valid for circular and equatorial orbits too: then
    Ω, ω and ν just add up to the angle measured from the x axis.
    """
    a, ecc, inc, raan, argp, nu = np.broadcast_arrays(
        *(
            np.asarray(x, dtype=np.float64)
            for x in (a_m, e, i_rad, raan_rad, argp_rad, true_anomaly_rad)
        )
    )
    p = a * (1.0 - ecc * ecc)
    r = p / (1.0 + ecc * np.cos(nu))
    u = argp + nu
    cu, su = np.cos(u), np.sin(u)
    co, so = np.cos(raan), np.sin(raan)
    ci, si = np.cos(inc), np.sin(inc)
    # Unit vectors: radial (at argument of latitude u) and its in-plane normal.
    r_hat = np.stack([co * cu - so * su * ci, so * cu + co * su * ci, su * si], axis=-1)
    t_hat = np.stack([-co * su - so * cu * ci, -so * su + co * cu * ci, cu * si], axis=-1)
    sqrt_mu_p = np.sqrt(GM_EARTH_M3_S2 / p)
    v_r = sqrt_mu_p * ecc * np.sin(nu)
    v_t = sqrt_mu_p * (1.0 + ecc * np.cos(nu))
    r_eci = r[..., None] * r_hat
    v_eci = v_r[..., None] * r_hat + v_t[..., None] * t_hat
    return r_eci, v_eci


def true_anomaly_from_eccentric(e_anom_rad: ArrayLike, e: ArrayLike) -> F64:
    """True anomaly ν [rad] from the eccentric anomaly E (same revolution)."""
    ea = np.asarray(e_anom_rad, dtype=np.float64)
    ecc = np.asarray(e, dtype=np.float64)
    return np.asarray(
        2.0
        * np.arctan2(np.sqrt(1.0 + ecc) * np.sin(ea / 2.0), np.sqrt(1.0 - ecc) * np.cos(ea / 2.0)),
        dtype=np.float64,
    )


def propagate(elements: OrbitalElements, t_s: ArrayLike, j2: bool = True) -> tuple[F64, F64]:
    """ECI position [m] and velocity [m/s] ``(n, T, 3)`` of all satellites at times ``t_s (T,)``.

    ``t_s`` are seconds from the scenario epoch (the elements' epoch). With
    ``j2`` the secular J2 rates move Ω, ω and M (module docstring); the
    velocity is the two-body velocity of the osculating ellipse at that
    instant (the slow drift of Ω and ω is not added, ≲ 1e-6 relative).
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))[None, :]
    el = elements
    if j2:
        raan_dot, argp_dot, m_dot = j2_secular_rates(el)
    else:
        raan_dot = np.zeros(el.n)
        argp_dot = np.zeros(el.n)
        m_dot = mean_motion_rad_s(el.a_m)
    raan = el.raan_rad[:, None] + raan_dot[:, None] * t
    argp = el.argp_rad[:, None] + argp_dot[:, None] * t
    m = el.m0_rad[:, None] + m_dot[:, None] * t
    e = el.e[:, None]
    ea = solve_kepler(m, e)
    nu = true_anomaly_from_eccentric(ea, e)
    return kepler_to_eci(el.a_m[:, None], e, el.i_rad[:, None], raan, argp, nu)


def positions_eci(elements: OrbitalElements, t_s: ArrayLike, j2: bool = True) -> F64:
    """ECI positions [m] ``(n, T, 3)`` of all satellites at ``t_s (T,)`` (see :func:`propagate`)."""
    return propagate(elements, t_s, j2=j2)[0]
