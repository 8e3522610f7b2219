"""Walker, GEO, Molniya and TLE (sgp4) constellations."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from sgp4.api import Satrec

from shieldlab.core.constants import GM_EARTH_M3_S2, WGS84_A_M
from shieldlab.core.frames import ecef_to_geodetic
from shieldlab.space.constellation import (
    CRITICAL_INCLINATION_RAD,
    SIDEREAL_DAY_S,
    from_elements,
    from_tles,
    geo_radius_m,
    geostationary,
    highly_elliptical,
    walker_delta,
    walker_star,
)
from shieldlab.space.orbits import OrbitalElements, j2_secular_rates, positions_eci, propagate

EPOCH = datetime(2026, 7, 4, 12, 0, 0, tzinfo=UTC)

# The sgp4 package's documented example (README: ISS, 2019) and Vallado's
# verification TLE 00005 (Vallado et al. 2006, AIAA 2006-6753, SGP4-VER.TLE).
ISS = [
    "ISS (ZARYA)",
    "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
    "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482",
]
VER_00005 = [
    "1 00005U 58002B   00179.78495062  .00000023  00000-0  28098-4 0  4753",
    "2 00005  34.2682 348.7242 1859667 331.7664  19.3264 10.82419157413667",
]


def _arg_lat(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Argument of latitude [rad] of ECI states (..., 3)."""
    h = np.cross(r, v)
    node = np.stack([-h[..., 1], h[..., 0], np.zeros_like(h[..., 0])], axis=-1)
    node /= np.linalg.norm(node, axis=-1, keepdims=True)
    cos_u = np.sum(node * r, axis=-1) / np.linalg.norm(r, axis=-1)
    sin_u = np.sum(np.cross(node, r) * h, axis=-1) / (
        np.linalg.norm(r, axis=-1) * np.linalg.norm(h, axis=-1)
    )
    return np.arctan2(sin_u, cos_u)


def test_walker_24_3_1_phasing() -> None:
    # Walker 1984 t/p/f: 24/3/1 → 8 per plane 45° apart, nodes 120° apart,
    # plane k shifted by k·f·360°/t = 15° in argument of latitude.
    el = walker_delta(24, 3, 1, 1000e3, math.radians(55.0))
    assert el.n == 24
    np.testing.assert_allclose(np.degrees(el.raan_rad), np.repeat([0.0, 120.0, 240.0], 8))
    r, v = propagate(el, np.array([0.0]), j2=False)
    u = np.degrees(np.mod(_arg_lat(r[:, 0], v[:, 0]), 2 * math.pi)).reshape(3, 8)
    np.testing.assert_allclose(np.diff(u, axis=1), 45.0, atol=1e-9)
    np.testing.assert_allclose(u[1:, 0] - u[:-1, 0], 15.0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(r, axis=-1), WGS84_A_M + 1000e3, rtol=1e-14)


def test_walker_delta_symmetry() -> None:
    # Walker delta symmetry: satellite j at the moment its argument of latitude
    # equals satellite 0's at t = 0 sees exactly the same set of distances to
    # the others (a rotation about z plus a time shift maps the pattern onto
    # itself; Walker 1984). Check all 24 satellites in one propagation.
    el = walker_delta(24, 3, 1, 1000e3, math.radians(55.0), raan0_rad=0.4)
    n_rad_s = 2.0 * math.pi / el.period_s[0]
    t_j = np.mod(-el.m0_rad + el.m0_rad[0], 2.0 * math.pi) / n_rad_s
    r = positions_eci(el, t_j, j2=False)  # (24, 24, 3): all sats at all t_j
    d_ref = np.sort(np.linalg.norm(r[:, 0] - r[0, 0], axis=-1))
    idx = np.arange(24)
    d_all = np.sort(np.linalg.norm(r[:, idx] - r[idx, idx][None], axis=-1), axis=0)  # (24, 24)
    np.testing.assert_allclose(d_all.T, np.broadcast_to(d_ref, (24, 24)), atol=1e-3)
    assert d_ref[1] > 1e6  # nearest neighbour well apart (not a degenerate test)
    # Walker star spreads nodes over 180°.
    star = walker_star(66, 6, 2, 780e3, math.radians(86.4))
    np.testing.assert_allclose(np.degrees(star.raan_rad[::11]), np.arange(6) * 30.0)


def test_walker_rejects_bad_pattern() -> None:
    with pytest.raises(ValueError, match="p dividing t"):
        walker_delta(10, 3, 1, 1000e3, 1.0)
    with pytest.raises(ValueError, match="phasing"):
        walker_delta(12, 3, 3, 1000e3, 1.0)


@pytest.mark.parametrize("j2", [False, True])
def test_geostationary_fixed_in_ecef(j2: bool) -> None:
    # GEO radius 42,164.2 km (Vallado 4th ed. ch. 2); with J2 the radius is
    # raised ≈ 2.09 km so the mean rate still equals ω_E. Fixed within 1 km
    # over 24 h in both cases (GMST IAU-82 vs WGS-84 ω differ by 31 m/day).
    assert abs(geo_radius_m(False) - 42164.2e3) < 0.1e3
    lons = np.radians([-100.0, 0.0, 75.0])
    c = from_elements(geostationary(lons, EPOCH, j2=j2), EPOCH, "geo", j2=j2)
    t = np.linspace(0.0, 86400.0, 49)
    r = c.positions_ecef(t)
    drift = np.linalg.norm(r - r[:, :1], axis=-1)
    assert drift.max() < 1e3
    lat, lon, _ = ecef_to_geodetic(r[:, 0])
    np.testing.assert_allclose(np.degrees(lon), [-100.0, 0.0, 75.0], atol=1e-6)
    np.testing.assert_allclose(lat, 0.0, atol=1e-12)


def test_geostationary_drifts_with_wrong_radius() -> None:
    # The two-body radius under J2 runs ahead: Δn/n = 3 J2 (R/a)² = 7.4e-5,
    # i.e. 361°·7.4e-5 = 0.027°/day → ≈ 20 km/day along the GEO arc.
    c = from_elements(geostationary([0.0], EPOCH, j2=False), EPOCH, "geo", j2=True)
    r = c.positions_ecef(np.array([0.0, 86400.0]))
    assert 10e3 < np.linalg.norm(r[0, 1] - r[0, 0]) < 40e3


def test_molniya_period_and_apogee() -> None:
    # 12 h Molniya: period = half a sidereal day (43,082 s), i = 63.43°,
    # ω = 270° → apogee at latitude ≈ i over the chosen longitude (Vallado ch. 9).
    el = highly_elliptical(np.radians([90.0, -100.0]), EPOCH, apogee_time_s=[0.0, 3600.0])
    np.testing.assert_allclose(el.period_s, SIDEREAL_DAY_S / 2.0, rtol=1e-12)
    assert abs(SIDEREAL_DAY_S / 2.0 - 43082.0) < 1.0
    assert abs(math.degrees(CRITICAL_INCLINATION_RAD) - 63.4349) < 1e-4
    assert 0.73 < el.e[0] < 0.745
    apogee_alt = el.a_m[0] * (1 + el.e[0]) - WGS84_A_M
    assert abs(apogee_alt - 39_770e3) < 100e3
    c = from_elements(el, EPOCH, ["m1", "m2"], j2=False)
    t = np.array([0.0, 3600.0])
    r = c.positions_ecef(t)
    lat, lon, _ = ecef_to_geodetic(np.stack([r[0, 0], r[1, 1]]))
    np.testing.assert_allclose(np.degrees(lon), [90.0, -100.0], atol=1e-6)
    # Geodetic latitude at the geocentric 63.43°: +0.17° (WGS-84 flattening).
    np.testing.assert_allclose(np.degrees(lat), 63.43, atol=0.3)
    # Apogee radius at that moment; ground track repeats after one sidereal day.
    np.testing.assert_allclose(np.linalg.norm(r[0, 0]), el.a_m[0] * (1 + el.e[0]), rtol=1e-12)
    r_day = c.positions_ecef(np.array([0.0, SIDEREAL_DAY_S]))
    assert np.linalg.norm(r_day[0, 1] - r_day[0, 0]) < 5e3


def test_period_formula() -> None:
    c = walker_delta(6, 2, 0, 550e3, math.radians(53.0))
    np.testing.assert_allclose(
        c.period_s, 2 * math.pi * math.sqrt((WGS84_A_M + 550e3) ** 3 / GM_EARTH_M3_S2)
    )


def test_tle_vectorised_matches_loop_and_sgp4_readme() -> None:
    epoch = datetime(2019, 12, 9, 20, 42, 9, 72000, tzinfo=UTC)
    c = from_tles(ISS + VER_00005, epoch)
    assert c.names == ("ISS (ZARYA)", "00005")
    t = np.linspace(0.0, 6 * 3600.0, 25)
    r, v = c.states_eci(t)
    assert r.shape == (2, 25, 3)
    # The sgp4 README: jd 2458827 + 0.362605 → r = (-6102.44, -986.33, -2820.31) km.
    np.testing.assert_allclose(r[0, 0], [-6102.44e3, -986.33e3, -2820.31e3], atol=10.0)
    # Vectorised SatrecArray equals looping single Satrec to 1 mm.
    jd0, fr0 = 2458826.5, (20 * 3600 + 42 * 60 + 9.072) / 86400.0
    for k, (l1, l2) in enumerate([(ISS[1], ISS[2]), (VER_00005[0], VER_00005[1])]):
        sat = Satrec.twoline2rv(l1, l2)
        for j, tj in enumerate(t):  # reference loop
            fr = fr0 + tj / 86400.0
            err, rk, vk = sat.sgp4(jd0 + math.floor(fr), fr - math.floor(fr))
            assert err == 0
            np.testing.assert_allclose(r[k, j], np.array(rk) * 1e3, atol=1e-3)
            np.testing.assert_allclose(v[k, j], np.array(vk) * 1e3, atol=1e-6)


def test_tle_teme_close_to_keplerian_and_join() -> None:
    # An ISS-like circular Keplerian orbit matched to the TLE radius stays near
    # 400 km altitude; TEME radii agree with |r| of a 6,7xx km orbit.
    epoch = datetime(2019, 12, 9, 20, 42, 9, tzinfo=UTC)
    tle = from_tles(ISS, epoch)
    geo = from_elements(geostationary([0.0], epoch), epoch, "geo")
    both = tle + geo
    assert both.n == 2 and both.names == ("ISS (ZARYA)", "geo-000")
    r = both.positions_eci(np.linspace(0.0, 5400.0, 10))
    alt = np.linalg.norm(r[0], axis=-1) - WGS84_A_M
    assert np.all((alt > 380e3) & (alt < 440e3))
    with pytest.raises(ValueError, match="malformed"):
        from_tles(ISS[:2], epoch)


def test_j2_node_drift_agrees_with_sgp4() -> None:
    # The ISS node regresses ≈ −5°/day; our secular J2 rate from the TLE's
    # mean elements matches SGP4's propagated drift within 1 %.
    epoch = datetime(2019, 12, 9, 16, 38, 29, tzinfo=UTC)
    r, v = from_tles(ISS, epoch).states_eci(np.array([0.0, 86400.0]))
    h = np.cross(r[0], v[0])
    node = np.arctan2(h[:, 0], -h[:, 1])
    sgp4_deg_day = math.degrees(np.mod(node[1] - node[0] + math.pi, 2 * math.pi) - math.pi)
    n_rad_s = 15.50103472 * 2 * math.pi / 86400.0
    a = (GM_EARTH_M3_S2 / n_rad_s**2) ** (1 / 3)
    el = OrbitalElements.of(a, 0.0007417, math.radians(51.6439))
    ours = math.degrees(j2_secular_rates(el)[0][0]) * 86400.0
    assert -5.2 < sgp4_deg_day < -4.8
    assert abs(ours - sgp4_deg_day) / abs(sgp4_deg_day) < 0.01
