"""Coverage: visible-cap closed form, k-fold monotonicity, grazing shell, region grids."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from shieldlab.core.constants import R_EARTH_MEAN_M, WGS84_A_M
from shieldlab.core.frames import geodetic_to_ecef, great_circle_distance_m
from shieldlab.space.constellation import from_elements, geostationary, walker_delta
from shieldlab.space.coverage import (
    circle_points,
    constellation_coverage,
    coverage,
    coverage_report,
    fibonacci_points,
    grid_points,
    visible,
)

EPOCH = datetime(2026, 7, 4, 12, 0, 0, tzinfo=UTC)


def _cap_fraction(h_m: float) -> float:
    """Visible-cap area fraction (1 − cos λ)/2, λ = arccos(R/(R+h)) (SMAD 3rd ed. §5.2)."""
    return 0.5 * (1.0 - R_EARTH_MEAN_M / (R_EARTH_MEAN_M + h_m))


def test_single_satellite_matches_cap_area() -> None:
    # One satellite, ground points (k = 1, Earth occlusion only): the fraction
    # of uniformly spread points that see it is the cap fraction. GEO: 42.4 %;
    # LEO 800 km: 5.6 %. Tolerance 0.005 absolute covers the Fibonacci-lattice
    # sampling (N = 20,000) and the ellipsoid vs mean-sphere difference.
    lat, lon = fibonacci_points(20_000)
    for h, sub_lat in ((35_786e3, 0.0), (800e3, 0.0), (800e3, 50.0)):
        sat = geodetic_to_ecef(math.radians(sub_lat), 0.3, h)[None, None, :]
        res = coverage(sat, [0.0], lat, lon)
        assert abs(res.mean - _cap_fraction(h)) < 0.005, (h, res.mean, _cap_fraction(h))
    assert abs(_cap_fraction(35_786e3) - 0.4244) < 1e-3


def test_k_fold_and_more_satellites() -> None:
    lat, lon = fibonacci_points(3000)
    t = np.arange(0.0, 6000.0, 300.0)
    small = from_elements(walker_delta(12, 3, 1, 1000e3, math.radians(55.0)), EPOCH, "s")
    big = from_elements(walker_delta(48, 6, 1, 1000e3, math.radians(55.0)), EPOCH, "b")
    c1 = constellation_coverage(small, t, lat, lon, k=1)
    c2 = constellation_coverage(small, t, lat, lon, k=2)
    b1 = constellation_coverage(big, t, lat, lon, k=1)
    assert np.all(c2.fraction_k <= c1.fraction_k)
    assert c2.mean < c1.mean
    assert b1.mean > c1.mean + 0.1
    # Mean sensors in view over the globe ≈ n × cap fraction (uniform average).
    expected = 48 * 0.5 * (1.0 - WGS84_A_M / (WGS84_A_M + 1000e3))
    assert abs(np.mean(b1.n_in_view) - expected) / expected < 0.1
    assert b1.n_in_view.shape == (20, 3000) and b1.n_in_view.dtype == np.int16
    rep = coverage_report(b1, "walker-48")
    assert rep["points"] == 3000 and rep["k"] == 1
    assert 0.0 <= rep["min_fraction"] <= rep["mean_fraction"] <= 1.0


def test_grazing_shell_and_max_range() -> None:
    # GEO sensor over 0° E, targets at 300 km over the sub-point (seen), and at
    # the limb seen against space only above the shell.
    sat = geodetic_to_ecef(0.0, 0.0, 35_786e3)
    near = geodetic_to_ecef(0.0, 0.0, 300e3)
    assert visible(sat, near, 50e3)
    assert not visible(sat, near, 0.0, max_range_m=30_000e3)
    # Target at 100 km altitude just beyond the geometric limb of a 0-km shell:
    # longitude where the tangent line from GEO grazes a sphere of radius R+h.
    r_geo = WGS84_A_M + 35_786e3
    lam_limb = math.acos((WGS84_A_M) / r_geo) + math.acos(WGS84_A_M / (WGS84_A_M + 100e3))
    lons = np.radians(np.array([math.degrees(lam_limb) - 1.0, math.degrees(lam_limb) + 1.0]))
    tgt = geodetic_to_ecef(0.0, lons, 100e3)
    np.testing.assert_array_equal(visible(sat, tgt, 0.0), [True, False])
    # Raising the grazing shell to 50 km shrinks what is seen: no more at −1°.
    lam_50 = math.acos((WGS84_A_M + 50e3) / r_geo) + math.acos(
        (WGS84_A_M + 50e3) / (WGS84_A_M + 100e3)
    )
    assert lam_50 < lam_limb - math.radians(1.0)
    assert not visible(sat, tgt[0], 50e3)


def test_altitude_band_and_nan_sensors() -> None:
    # A band is covered only where all altitudes are; NaN sensors never see.
    lat, lon = fibonacci_points(2000)
    geo = from_elements(geostationary(np.radians([-100.0, 20.0, 140.0]), EPOCH), EPOCH, "g")
    t = np.array([0.0, 3600.0])
    pos = geo.positions_ecef(t)
    band = coverage(pos, t, lat, lon, altitudes_m=[100e3, 1000e3], grazing_altitude_m=30e3)
    assert np.all(band.fraction_k <= band.fraction_by_altitude.min(axis=1) + 1e-12)
    assert band.fraction_by_altitude.shape == (2000, 2)
    pos_nan = pos.copy()
    pos_nan[1:] = np.nan
    one = coverage(pos_nan, t, lat, lon)
    only = coverage(pos[:1], t, lat, lon)
    np.testing.assert_array_equal(one.fraction_k, only.fraction_k)
    # Three GEO sensors: the high Arctic beyond ~81° is never seen from the ground.
    assert np.all(coverage(pos, t, lat, lon).fraction_k[np.degrees(lat) > 82.0] == 0.0)


def test_region_grids() -> None:
    lat, lon = grid_points(
        math.radians(25), math.radians(50), math.radians(-125), math.radians(-65), math.radians(1.0)
    )
    assert lat.min() > math.radians(25) and lon.max() < math.radians(-65)
    # Equal-area rows: points per row ∝ cos(lat) within one point.
    rows, per_row = np.unique(lat, return_counts=True)
    expect = np.ceil(math.radians(60.0) * np.cos(rows) / math.radians(1.0))
    np.testing.assert_array_equal(per_row, expect)
    # Circle: all points within the radius, count ≈ area / spacing² (10 %).
    lat_c, lon_c = circle_points(math.radians(40.0), math.radians(-100.0), 1000e3, 50e3)
    d = great_circle_distance_m(math.radians(40.0), math.radians(-100.0), lat_c, lon_c)
    assert d.max() <= 1000e3
    area = math.pi * 1000e3**2
    assert abs(lat_c.size - area / 50e3**2) / (area / 50e3**2) < 0.1


def test_matrix_kernel_equals_pairwise_visible() -> None:
    # The BLAS kernel used inside coverage() agrees with the readable visible().
    from shieldlab.space.coverage import _visible_matrix

    rng = np.random.default_rng(4)
    sens = geodetic_to_ecef(
        rng.uniform(-1.5, 1.5, 40), rng.uniform(-3, 3, 40), rng.uniform(300e3, 40_000e3, 40)
    )
    tgt = geodetic_to_ecef(
        rng.uniform(-1.5, 1.5, 500), rng.uniform(-3, 3, 500), rng.uniform(0.0, 1500e3, 500)
    )
    shell = np.where(rng.uniform(size=500) < 0.5, 0.0, 40e3)
    fractions = []
    for rmax in (None, 8000e3):
        ref = visible(sens[:, None, :], tgt[None, :, :], shell[None, :], rmax)
        np.testing.assert_array_equal(_visible_matrix(sens, tgt, shell, rmax), ref)
        fractions.append(ref.mean())
    assert 0.2 < fractions[0] < 0.8 and 0.0 < fractions[1] < fractions[0]
