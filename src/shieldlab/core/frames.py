"""Reference frames: geodetic (WGS-84) ↔ ECEF ↔ ECI, local ENU and az/el/range.

Validity: the geodetic inverse for |h| < 10,000 km (converged to < 1 µm); ECI
follows the Earth by GMST alone, so it differs from a true-of-date frame by the
equation of the equinoxes (≤ 17″ about z) and ignores polar motion (≈ 10 m):
consistent inside shieldlab, not for precise external ephemerides.

All functions take arrays with any leading batch shape and xyz on the last
axis, float64, SI units (m, rad). Frames:

- ECEF: Earth-centred, Earth-fixed (WGS-84).
- ECI: Earth-centred inertial with z on the rotation axis and x towards the
  mean equinox; ECEF is ECI rotated by GMST θ about z (no precession,
  nutation or polar motion; see ``core.time``).
- ENU: local East-North-Up at a geodetic point.

Geodetic latitude φ, longitude λ (east positive) in radians, ellipsoidal
height h in metres. The inverse ECEF → geodetic uses Bowring's method with
three fixed-point iterations (converged to < 1 µm for |h| < 10,000 km).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import (
    WGS84_A_M,
    WGS84_B_M,
    WGS84_E2,
    WGS84_EP2,
    WGS84_OMEGA_RAD_S,
)

F64 = NDArray[np.float64]

OMEGA_EARTH_VEC = np.array([0.0, 0.0, WGS84_OMEGA_RAD_S])


def _stack3(x: ArrayLike, y: ArrayLike, z: ArrayLike) -> F64:
    """Components broadcast together and stacked on a new last axis ``(..., 3)`` (what
    ``np.stack(np.broadcast_arrays(x, y, z), -1)`` gives, with less overhead)."""
    xa, ya, za = np.asarray(x), np.asarray(y), np.asarray(z)
    shape = xa.shape
    if not shape == ya.shape == za.shape:  # the common case needs no broadcast_shapes
        shape = np.broadcast_shapes(shape, ya.shape, za.shape)
    out = np.empty((*shape, 3))
    out[..., 0] = xa
    out[..., 1] = ya
    out[..., 2] = za
    return out


def norm3(v: ArrayLike) -> F64:
    """Euclidean norms of float vectors ``(..., 3)`` on the last axis: the operations of
    ``np.linalg.norm(v, axis=-1)`` (√ of the summed squares, same values) without its
    Python overhead, for hot loops on small batches."""
    a = np.asarray(v, dtype=np.float64)
    out: F64 = np.sqrt(np.add.reduce(a * a, axis=-1))
    return out


def cross3(a: ArrayLike, b: ArrayLike) -> F64:
    """Cross products ``a × b`` of float vectors ``(..., 3)`` (broadcast): the operations
    of ``np.cross`` (cᵢ = aⱼ bₖ − aₖ bⱼ, same values) without its axis handling."""
    aa, bb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    a0, a1, a2 = aa[..., 0], aa[..., 1], aa[..., 2]
    b0, b1, b2 = bb[..., 0], bb[..., 1], bb[..., 2]
    shape = a0.shape if a0.shape == b0.shape else np.broadcast_shapes(a0.shape, b0.shape)
    out = np.empty((*shape, 3))
    np.multiply(a1, b2, out=out[..., 0])
    out[..., 0] -= a2 * b1
    np.multiply(a2, b0, out=out[..., 1])
    out[..., 1] -= a0 * b2
    np.multiply(a0, b1, out=out[..., 2])
    out[..., 2] -= a1 * b0
    return out


def _omega_cross(r: F64) -> F64:
    """ω × r for the Earth's rotation ω = (0, 0, ω) and vectors ``r (..., 3)``, written
    out (the components ``np.cross(OMEGA_EARTH_VEC, r)`` gives)."""
    out = np.empty(r.shape)
    np.multiply(r[..., 1], -WGS84_OMEGA_RAD_S, out=out[..., 0])
    np.multiply(r[..., 0], WGS84_OMEGA_RAD_S, out=out[..., 1])
    out[..., 2] = 0.0
    return out


def geodetic_to_ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, h_m: ArrayLike = 0.0) -> F64:
    """ECEF position ``(..., 3)`` [m] of geodetic points (TR8350.2 eq. 4-14)."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    h = np.asarray(h_m, dtype=np.float64)
    sl, cl = np.sin(lat), np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    nh = n + h
    x = nh * cl * np.cos(lon)
    y = nh * cl * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sl
    return _stack3(x, y, z)


def ecef_to_geodetic(r_ecef_m: ArrayLike) -> tuple[F64, F64, F64]:
    """Geodetic latitude [rad], longitude [rad] and height [m] of ECEF points.

    Bowring (1976) parametric-latitude iteration, three passes; the height uses
    the formula of Vermeille that is stable at the poles.
    """
    r = np.asarray(r_ecef_m, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    beta = np.arctan2(z * WGS84_A_M, p * WGS84_B_M)
    lat = beta
    for _ in range(3):
        sb, cb = np.sin(beta), np.cos(beta)
        lat = np.arctan2(z + WGS84_EP2 * WGS84_B_M * sb**3, p - WGS84_E2 * WGS84_A_M * cb**3)
        beta = np.arctan2((WGS84_B_M / WGS84_A_M) * np.sin(lat), np.cos(lat))
    sl, cl = np.sin(lat), np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    h = p * cl + z * sl - WGS84_A_M**2 / n
    return lat, lon, h


def radial_height_m(r_m: ArrayLike) -> F64:
    """Height [m] above the WGS-84 ellipsoid along the geocentric radius (no trigonometry).

    h = |r| − a b / √(b² cos²φc + a² sin²φc), φc the geocentric latitude; ECI
    or ECEF positions (rotation about z leaves it unchanged). It is zero
    exactly on the ellipsoid and differs from the geodetic height by
    ≈ h δ²/2 (δ ≤ 0.19° between the normal and the radius): < 1 m below
    100 km, < 5 m at 1,000 km. For hot loops (density look-ups, ground events).
    """
    r = np.asarray(r_m, dtype=np.float64)
    rn = np.sqrt(np.einsum("...i,...i->...", r, r))
    s2 = (r[..., 2] / rn) ** 2
    return rn - WGS84_A_M * WGS84_B_M / np.sqrt(WGS84_B_M**2 * (1.0 - s2) + WGS84_A_M**2 * s2)


def radial_height_xyz(x_m: F64, y_m: F64, z_m: F64) -> F64:
    """:func:`radial_height_m` of positions given as component arrays (same formula).

    For component-major ``(3, m)`` state blocks in hot loops.
    """
    rn = np.sqrt(x_m * x_m + y_m * y_m + z_m * z_m)
    s2 = (z_m / rn) ** 2
    out: F64 = rn - WGS84_A_M * WGS84_B_M / np.sqrt(WGS84_B_M**2 * (1.0 - s2) + WGS84_A_M**2 * s2)
    return out


def rot_z(theta_rad: ArrayLike) -> F64:
    """Rotation matrices ``(..., 3, 3)`` that rotate *frames* by θ about z.

    ``rot_z(θ) @ r_eci`` gives the components in a frame turned by +θ, so
    ``r_ecef = rot_z(gmst) @ r_eci``.
    """
    th = np.asarray(theta_rad, dtype=np.float64)
    c, s = np.cos(th), np.sin(th)
    o, z = np.ones_like(th), np.zeros_like(th)
    return np.stack(
        [np.stack([c, s, z], -1), np.stack([-s, c, z], -1), np.stack([z, z, o], -1)], -2
    )


def _rotate_z(v: F64, theta: F64) -> F64:
    """Components of ``v`` in a frame turned by +θ about z (broadcast on θ)."""
    c, s = np.cos(theta), np.sin(theta)
    x, y = v[..., 0], v[..., 1]
    return _stack3(c * x + s * y, -s * x + c * y, v[..., 2])


def eci_to_ecef(r_eci_m: ArrayLike, gmst_rad: ArrayLike) -> F64:
    """ECI → ECEF positions; ``gmst_rad`` broadcasts against the batch shape."""
    return _rotate_z(np.asarray(r_eci_m, dtype=np.float64), np.asarray(gmst_rad, np.float64))


def ecef_to_eci(r_ecef_m: ArrayLike, gmst_rad: ArrayLike) -> F64:
    """ECEF → ECI positions; inverse of :func:`eci_to_ecef`."""
    return _rotate_z(np.asarray(r_ecef_m, dtype=np.float64), -np.asarray(gmst_rad, np.float64))


def eci_to_ecef_state(
    r_eci_m: ArrayLike, v_eci_mps: ArrayLike, gmst_rad: ArrayLike
) -> tuple[F64, F64]:
    """ECI → ECEF position and velocity: v_ecef = R (v_eci − ω × r_eci)."""
    r = np.asarray(r_eci_m, dtype=np.float64)
    v = np.asarray(v_eci_mps, dtype=np.float64) - _omega_cross(r)
    th = np.asarray(gmst_rad, np.float64)
    return _rotate_z(r, th), _rotate_z(v, th)


def ecef_to_eci_state(
    r_ecef_m: ArrayLike, v_ecef_mps: ArrayLike, gmst_rad: ArrayLike
) -> tuple[F64, F64]:
    """ECEF → ECI position and velocity: v_eci = Rᵀ v_ecef + ω × r_eci."""
    th = -np.asarray(gmst_rad, np.float64)
    r = _rotate_z(np.asarray(r_ecef_m, dtype=np.float64), th)
    v = _rotate_z(np.asarray(v_ecef_mps, dtype=np.float64), th) + _omega_cross(r)
    return r, v


def enu_matrix(lat_rad: ArrayLike, lon_rad: ArrayLike) -> F64:
    """Rotation ``(..., 3, 3)`` from ECEF to local ENU; rows are ê, n̂, û in ECEF."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    out = np.empty((*np.broadcast_shapes(lat.shape, lon.shape), 3, 3))
    out[..., 0, 0], out[..., 0, 1], out[..., 0, 2] = -so, co, 0.0
    out[..., 1, 0], out[..., 1, 1], out[..., 1, 2] = -sl * co, -sl * so, cl
    out[..., 2, 0], out[..., 2, 1], out[..., 2, 2] = cl * co, cl * so, sl
    return out


def ecef_to_enu(
    r_ecef_m: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, h0_m: ArrayLike
) -> F64:
    """ENU coordinates [m] of ECEF points relative to a geodetic origin."""
    origin = geodetic_to_ecef(lat0_rad, lon0_rad, h0_m)
    d = np.asarray(r_ecef_m, dtype=np.float64) - origin
    return np.einsum("...ij,...j->...i", enu_matrix(lat0_rad, lon0_rad), d)


def enu_to_ecef(
    r_enu_m: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, h0_m: ArrayLike
) -> F64:
    """ECEF positions [m] of ENU coordinates about a geodetic origin."""
    origin = geodetic_to_ecef(lat0_rad, lon0_rad, h0_m)
    m = enu_matrix(lat0_rad, lon0_rad)
    return origin + np.einsum("...ji,...j->...i", m, np.asarray(r_enu_m, dtype=np.float64))


def enu_to_aer(r_enu_m: ArrayLike) -> tuple[F64, F64, F64]:
    """Azimuth [rad, 0..2π from north, clockwise], elevation [rad] and range [m]."""
    e = np.asarray(r_enu_m, dtype=np.float64)
    rng = norm3(e)
    az = np.mod(np.arctan2(e[..., 0], e[..., 1]), 2.0 * np.pi)
    # clipped to [-1, 1] (np.clip's min(max(x, lo), hi), NaN kept) without its overhead
    el = np.arcsin(np.minimum(np.maximum(e[..., 2] / np.where(rng > 0, rng, 1.0), -1.0), 1.0))
    return az, el, rng


def aer_to_enu(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> F64:
    """ENU vector [m] from azimuth, elevation and range (inverse of :func:`enu_to_aer`)."""
    az = np.asarray(az_rad, dtype=np.float64)
    el = np.asarray(el_rad, dtype=np.float64)
    r = np.asarray(range_m, dtype=np.float64)
    ce = np.cos(el)
    return np.stack(
        np.broadcast_arrays(r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)), -1
    )


def ecef_to_aer(
    r_ecef_m: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, h0_m: ArrayLike
) -> tuple[F64, F64, F64]:
    """Azimuth, elevation [rad] and slant range [m] of ECEF points seen from a site."""
    return enu_to_aer(ecef_to_enu(r_ecef_m, lat0_rad, lon0_rad, h0_m))


def great_circle_distance_m(
    lat1_rad: ArrayLike,
    lon1_rad: ArrayLike,
    lat2_rad: ArrayLike,
    lon2_rad: ArrayLike,
    radius_m: float = 6371008.7714,
) -> F64:
    """Great-circle distance [m] on a sphere of ``radius_m`` (haversine formula)."""
    p1, p2 = np.asarray(lat1_rad, np.float64), np.asarray(lat2_rad, np.float64)
    dl = np.asarray(lon2_rad, np.float64) - np.asarray(lon1_rad, np.float64)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * radius_m * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def initial_azimuth_rad(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> F64:
    """Initial great-circle azimuth [rad, 0..2π from north] from point 1 to point 2 (sphere)."""
    p1, p2 = np.asarray(lat1_rad, np.float64), np.asarray(lat2_rad, np.float64)
    dl = np.asarray(lon2_rad, np.float64) - np.asarray(lon1_rad, np.float64)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.mod(np.arctan2(y, x), 2.0 * np.pi)


def destination_point(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    azimuth_rad: ArrayLike,
    distance_m: ArrayLike,
    radius_m: float = 6371008.7714,
) -> tuple[F64, F64]:
    """Latitude and longitude [rad] reached along a great circle (sphere of ``radius_m``).

    Start at (lat, lon), initial azimuth from north clockwise, surface distance.
    Longitude wrapped to (−π, π].
    """
    p1 = np.asarray(lat_rad, np.float64)
    l1 = np.asarray(lon_rad, np.float64)
    az = np.asarray(azimuth_rad, np.float64)
    d = np.asarray(distance_m, np.float64) / radius_m
    p2 = np.arcsin(np.clip(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(az), -1, 1))
    l2 = l1 + np.arctan2(np.sin(az) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return p2, np.mod(l2 + np.pi, 2.0 * np.pi) - np.pi
