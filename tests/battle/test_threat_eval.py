"""Tests of threat evaluation (battle.threat_eval)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldlab.battle import threatened_asset
from shieldlab.core.constants import DEG
from shieldlab.core.frames import destination_point, great_circle_distance_m

# assets: Washington DC, New York, Los Angeles (approximate city centres) [deg]
ASSET_LAT = np.array([38.9, 40.7, 34.05]) * DEG
ASSET_LON = np.array([-77.04, -74.0, -118.25]) * DEG


def test_hand_made_cases() -> None:
    radius = np.array([100e3, 100e3, 50e3])
    # impact points: 20 km from DC, 30 km from NYC, 60 km from LA (outside 50 km), mid-Atlantic
    lat = []
    lon = []
    for k, d in [(0, 20e3), (1, 30e3), (2, 60e3)]:
        p, q = destination_point(ASSET_LAT[k], ASSET_LON[k], 1.0, d)
        lat.append(float(p))
        lon.append(float(q))
    lat.append(30.0 * DEG)
    lon.append(-40.0 * DEG)
    idx = threatened_asset(np.array(lat), np.array(lon), ASSET_LAT, ASSET_LON, radius)
    assert idx.tolist() == [0, 1, -1, -1]


def test_nearest_when_radii_overlap_and_nan() -> None:
    # DC and NYC ~330 km apart; with 400 km radii a point 100 km from NYC is inside both
    radius = np.array([400e3, 400e3, 50e3])
    p, q = destination_point(ASSET_LAT[1], ASSET_LON[1], 225 * DEG, 100e3)  # towards DC
    idx = threatened_asset(
        np.array([float(p), np.nan]), np.array([float(q), 0.0]), ASSET_LAT, ASSET_LON, radius
    )
    assert idx.tolist() == [1, -1]
    assert threatened_asset([0.1], [0.1], [], [], []).tolist() == [-1]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_against_scalar_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, a = 40, 6
    ilat = rng.uniform(25, 50, n) * DEG
    ilon = rng.uniform(-125, -70, n) * DEG
    alat = rng.uniform(25, 50, a) * DEG
    alon = rng.uniform(-125, -70, a) * DEG
    rad = rng.uniform(100e3, 1500e3, a)
    idx = threatened_asset(ilat, ilon, alat, alon, rad)
    for i in range(n):
        best, best_d = -1, np.inf
        for j in range(a):
            d = float(great_circle_distance_m(ilat[i], ilon[i], alat[j], alon[j]))
            if d <= rad[j] and d < best_d:
                best, best_d = j, d
        assert idx[i] == best
