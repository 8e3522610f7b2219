"""Frames: WGS-84 geodetic ↔ ECEF ↔ ECI, ENU/AER, great circles.

Published values: Vallado 4th ed. Example 3-3 (ECEF → geodetic); Williams,
"Aviation Formulary" LAX→JFK worked example (great-circle distance and course).
See tests/reference/SOURCES.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab.core.constants import DEG, WGS84_A_M, WGS84_B_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    aer_to_enu,
    destination_point,
    ecef_to_aer,
    ecef_to_eci,
    ecef_to_eci_state,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    eci_to_ecef_state,
    enu_to_aer,
    enu_to_ecef,
    geodetic_to_ecef,
    great_circle_distance_m,
    initial_azimuth_rad,
    rot_z,
)

ONE_MM = 1e-3
ONE_NRAD = 1e-9

lat_st = st.floats(-np.pi / 2, np.pi / 2, allow_nan=False)
lon_st = st.floats(-np.pi, np.pi, allow_nan=False)
h_st = st.floats(-10e3, 40_000e3, allow_nan=False)


def test_vallado_example_3_3_ecef_to_geodetic() -> None:
    """Vallado Ex. 3-3: r = (6524.834, 6862.875, 6448.296) km → φ = 34.352496°,
    λ = 46.4464°, h = 5085.22 km. Tolerances: φ 2e-6° (Vallado's e² = 0.006694385
    differs from WGS-84 in the 9th digit; measured 8.5e-7°), λ 1e-4°, h 10 m."""
    lat, lon, h = ecef_to_geodetic(np.array([6524.834, 6862.875, 6448.296]) * 1e3)
    assert lat / DEG == pytest.approx(34.352496, abs=2e-6)
    assert lon / DEG == pytest.approx(46.4464, abs=1e-4)
    assert h == pytest.approx(5085.22e3, abs=10.0)
    # and back: the geodetic triple reproduces the ECEF vector to 1 mm
    r = geodetic_to_ecef(lat, lon, h)
    np.testing.assert_allclose(r, np.array([6524.834, 6862.875, 6448.296]) * 1e3, atol=ONE_MM)


def test_ellipsoid_axes() -> None:
    """Equator/prime meridian at (a, 0, 0); the pole at (0, 0, b) (TR8350.2 Table 3.1/3.3)."""
    np.testing.assert_allclose(geodetic_to_ecef(0.0, 0.0, 0.0), [WGS84_A_M, 0, 0], atol=ONE_MM)
    np.testing.assert_allclose(geodetic_to_ecef(np.pi / 2, 0.3, 100.0), [0, 0, WGS84_B_M + 100],
                               atol=ONE_MM)  # fmt: skip
    assert WGS84_B_M == pytest.approx(6356752.3142, abs=1e-4)


@settings(max_examples=300, deadline=None)
@given(lat_st, lon_st, h_st)
def test_geodetic_ecef_round_trip(lat: float, lon: float, h: float) -> None:
    """geodetic → ECEF → geodetic to 1 nrad and 1 mm for |h| up to 40,000 km, all latitudes."""
    r = geodetic_to_ecef(lat, lon, h)
    lat2, lon2, h2 = ecef_to_geodetic(r)
    assert lat2 == pytest.approx(lat, abs=ONE_NRAD)
    assert h2 == pytest.approx(h, abs=ONE_MM)
    if abs(lat) < np.pi / 2 - 1e-9:  # longitude undefined at the pole itself
        dlon = np.angle(np.exp(1j * (lon2 - lon)))
        assert abs(dlon) * np.cos(lat) < ONE_NRAD * 10


def test_near_pole_batch_round_trip() -> None:
    lat = np.pi / 2 - np.geomspace(1e-12, 1e-3, 50)
    lat = np.concatenate([lat, -lat, [np.pi / 2, -np.pi / 2]])
    h = np.linspace(-1e3, 40_000e3, lat.size)
    lat2, _, h2 = ecef_to_geodetic(geodetic_to_ecef(lat, 0.7, h))
    np.testing.assert_allclose(lat2, lat, atol=ONE_NRAD)
    np.testing.assert_allclose(h2, h, atol=ONE_MM)


vec_st = st.tuples(*[st.floats(-5e7, 5e7, allow_nan=False)] * 3)


@settings(max_examples=200, deadline=None)
@given(vec_st, vec_st, st.floats(-10.0, 10.0, allow_nan=False))
def test_eci_ecef_state_round_trip(r: tuple, v: tuple, theta: float) -> None:
    r_eci = np.array(r)
    v_eci = np.array(v) * 1e-4
    r_e, v_e = eci_to_ecef_state(r_eci, v_eci, theta)
    r_i, v_i = ecef_to_eci_state(r_e, v_e, theta)
    np.testing.assert_allclose(r_i, r_eci, atol=1e-6)
    np.testing.assert_allclose(v_i, v_eci, atol=1e-9)
    np.testing.assert_allclose(ecef_to_eci(eci_to_ecef(r_eci, theta), theta), r_eci, atol=1e-6)
    # position rotation matches the explicit matrix
    np.testing.assert_allclose(eci_to_ecef(r_eci, theta), rot_z(theta) @ r_eci, atol=1e-6)


def test_eci_ecef_batched_broadcast_and_corotation() -> None:
    """A point fixed on the Earth has ECEF velocity 0 when its ECI velocity is ω × r."""
    rng = np.random.default_rng(3)
    r_ecef = geodetic_to_ecef(rng.uniform(-1.5, 1.5, 20), rng.uniform(-3, 3, 20), 0.0)
    theta = rng.uniform(0, 2 * np.pi, 20)
    r_eci = ecef_to_eci(r_ecef, theta)
    v_eci = np.cross([0.0, 0.0, WGS84_OMEGA_RAD_S], r_eci)
    r_e, v_e = eci_to_ecef_state(r_eci, v_eci, theta)
    np.testing.assert_allclose(r_e, r_ecef, atol=1e-6)
    np.testing.assert_allclose(v_e, 0.0, atol=1e-9)
    # GMST = 90°: ECI x axis becomes ECEF −y
    np.testing.assert_allclose(eci_to_ecef([1.0, 0.0, 0.0], np.pi / 2), [0, -1, 0], atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(lat_st, lon_st, st.floats(-1e3, 1e5), vec_st)
def test_enu_round_trip(lat: float, lon: float, h: float, d: tuple) -> None:
    r = geodetic_to_ecef(lat, lon, h) + np.array(d) * 1e-2
    enu = ecef_to_enu(r, lat, lon, h)
    np.testing.assert_allclose(enu_to_ecef(enu, lat, lon, h), r, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(enu), np.linalg.norm(np.array(d) * 1e-2),
                               rtol=1e-9, atol=1e-6)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 2 * np.pi - 1e-6), st.floats(-1.5, 1.5), st.floats(1.0, 1e8))
def test_aer_round_trip(az: float, el: float, rng_m: float) -> None:
    az2, el2, r2 = enu_to_aer(aer_to_enu(az, el, rng_m))
    assert float(np.angle(np.exp(1j * (az2 - az)))) == pytest.approx(0.0, abs=1e-9)
    assert el2 == pytest.approx(el, abs=1e-9)
    assert r2 == pytest.approx(rng_m, rel=1e-12)


def test_az_el_sanity() -> None:
    lat, lon, h = 40.0 * DEG, -105.0 * DEG, 1600.0
    up = geodetic_to_ecef(lat, lon, h + 1000e3)
    az, el, rg = ecef_to_aer(up, lat, lon, h)
    assert el == pytest.approx(np.pi / 2, abs=1e-9) and rg == pytest.approx(1000e3, abs=ONE_MM)
    north = geodetic_to_ecef(lat + 0.01 * DEG, lon, h)
    az, el, _ = ecef_to_aer(north, lat, lon, h)
    assert az == pytest.approx(0.0, abs=1e-9) or az == pytest.approx(2 * np.pi, abs=1e-9)
    assert el < 0  # the Earth curves away
    east = enu_to_ecef([1000.0, 0.0, 0.0], lat, lon, h)
    az, el, _ = ecef_to_aer(east, lat, lon, h)
    assert az == pytest.approx(np.pi / 2, abs=1e-12) and el == pytest.approx(0.0, abs=1e-12)


def test_great_circle_aviation_formulary_lax_jfk() -> None:
    """Williams, Aviation Formulary: LAX (33°57'N, 118°24'W) → JFK (40°38'N, 73°47'W):
    d = 0.623585 rad (2144 nmi), initial course 1.150035 rad (66°). Tolerance 1e-6 rad."""
    lat1, lon1 = (33 + 57 / 60) * DEG, -(118 + 24 / 60) * DEG
    lat2, lon2 = (40 + 38 / 60) * DEG, -(73 + 47 / 60) * DEG
    d = great_circle_distance_m(lat1, lon1, lat2, lon2, radius_m=1.0)
    assert d == pytest.approx(0.623585, abs=1e-6)
    assert d * 180 * 60 / np.pi == pytest.approx(2144, abs=0.5)  # nautical miles
    assert initial_azimuth_rad(lat1, lon1, lat2, lon2) == pytest.approx(1.150035, abs=1e-6)


def test_great_circle_quarter_meridian_and_equator() -> None:
    r = 6371008.7714
    assert great_circle_distance_m(0.0, 0.0, np.pi / 2, 1.0) == pytest.approx(np.pi / 2 * r)
    assert initial_azimuth_rad(0.0, 0.0, 0.0, 0.5) == pytest.approx(np.pi / 2)
    assert initial_azimuth_rad(0.0, 0.0, 0.3, 0.0) == pytest.approx(0.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1.4, 1.4), lon_st, st.floats(0.0, 2 * np.pi), st.floats(1e3, 15_000e3))
def test_destination_point_inverts_distance_and_azimuth(
    lat: float, lon: float, az: float, dist: float
) -> None:
    lat2, lon2 = destination_point(lat, lon, az, dist)
    assert great_circle_distance_m(lat, lon, lat2, lon2) == pytest.approx(dist, rel=1e-9, abs=1e-3)
    az2 = initial_azimuth_rad(lat, lon, lat2, lon2)
    assert float(np.angle(np.exp(1j * (az2 - az)))) == pytest.approx(0.0, abs=1e-7)


def test_vectorised_equals_scalar_loop() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 50)
    lon = rng.uniform(-np.pi, np.pi, 50)
    h = rng.uniform(0, 2e7, 50)
    r = geodetic_to_ecef(lat, lon, h)
    _, _, hh = ecef_to_geodetic(r)
    for i in range(50):
        np.testing.assert_array_equal(geodetic_to_ecef(lat[i], lon[i], h[i]), r[i])
        assert ecef_to_geodetic(r[i])[2] == hh[i]


def test_radial_height_close_to_geodetic_and_zero_on_ground() -> None:
    """radial_height_m: exact on the ellipsoid, < 1 m below 100 km, < 5 m at 1,000 km."""
    from shieldlab.core.frames import radial_height_m

    rng = np.random.default_rng(5)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 2000)
    lon = rng.uniform(-np.pi, np.pi, 2000)
    np.testing.assert_allclose(radial_height_m(geodetic_to_ecef(lat, lon, 0.0)), 0.0, atol=1e-6)
    for h_max, tol in ((100e3, 1.0), (1000e3, 5.0)):
        h = rng.uniform(0.0, h_max, 2000)
        assert np.max(np.abs(radial_height_m(geodetic_to_ecef(lat, lon, h)) - h)) < tol


def test_radial_height_component_form() -> None:
    from shieldlab.core.frames import radial_height_m, radial_height_xyz

    r = np.random.default_rng(2).normal(size=(40, 3)) * 7e6
    h = radial_height_xyz(r[:, 0], r[:, 1], r[:, 2])
    np.testing.assert_allclose(h, radial_height_m(r), rtol=0, atol=1e-8)


def test_norm3_and_cross3_equal_numpy_bit_for_bit() -> None:
    """The hot-loop helpers do numpy's operations: the same values, broadcast alike."""
    from shieldlab.core.frames import cross3, norm3

    rng = np.random.default_rng(11)
    for sa, sb in (((50, 3), (50, 3)), ((3,), (7, 3)), ((4, 5, 3), (4, 5, 3)), ((3,), (3,))):
        a, b = rng.normal(size=sa) * 7e6, rng.normal(size=sb) * 7e3
        c = cross3(a, b)
        assert c.shape == np.cross(a, b).shape and np.array_equal(c, np.cross(a, b))
        assert np.array_equal(norm3(b), np.linalg.norm(b, axis=-1))


def test_enu_to_aer_clips_like_np_clip() -> None:
    """Elevation as arcsin(np.clip(u / range, -1, 1)), NaN and zero range included."""
    e = np.array([[0.0, 0.0, 5.0], [0.0, 0.0, -2.0], [np.nan, 0.0, 1.0], [0.0, 0.0, 0.0]])
    _, el, rng = enu_to_aer(e)
    ref = np.arcsin(np.clip(e[:, 2] / np.where(rng > 0, rng, 1.0), -1.0, 1.0))
    assert np.array_equal(el, ref, equal_nan=True)
