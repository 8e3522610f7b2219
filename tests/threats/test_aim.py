"""Aim solver: miss distance over ranges and azimuths, out-of-range error."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.core.frames import destination_point
from shieldlab.threats import load_threat_specs, solve_aim


def test_miss_below_one_km_east_west_north_south() -> None:
    """Miss < 1 km (brief) for 3,000–11,000 km, eastward and westward launches.

    Earth rotation makes the same kick fly ~40 % further east than west at
    40° N, so both directions exercise the azimuth/kick Newton solve.
    """
    solid = load_threat_specs()["generic-solid-icbm"]
    ranges = np.array([3000e3, 6000e3, 9500e3, 11000e3, 3000e3, 7000e3, 9500e3, 5000e3])
    az = np.radians([90.0, 90.0, 90.0, 90.0, 270.0, 270.0, 0.0, 200.0])
    lat = np.full(az.size, np.radians(40.0))
    lon = np.full(az.size, np.radians(127.5))
    alat, alon = destination_point(lat, lon, az, ranges)
    sol = solve_aim(solid, lat, lon, alat, alon)
    assert np.all(sol.miss_m < 1000.0)
    assert np.all(sol.miss_m < 100.0)  # measured: centimetres to tens of metres
    # the solved azimuth absorbs the Coriolis deflection: a few degrees, never wild
    dev = np.angle(np.exp(1j * (sol.azimuth_rad - az)))
    assert np.all(np.abs(dev) < np.radians(20.0))


def test_lofted_branch_and_range_monotonic_in_kick() -> None:
    """Lofted branch (asked for; the default is minimum energy): the kick grows with range
    (below the range-maximising kick)."""
    solid = load_threat_specs()["generic-solid-icbm"]
    ranges = np.array([4000e3, 6000e3, 8000e3])
    lat = np.full(3, np.radians(30.0))
    lon = np.zeros(3)
    alat, alon = destination_point(lat, lon, np.full(3, np.radians(45.0)), ranges)
    sol = solve_aim(solid, lat, lon, alat, alon, shape="lofted")
    assert sol.shape == "lofted" and sol.gems_rad is None
    assert np.all(np.diff(sol.kick_rad) > 0)
    assert np.all(sol.flight.apogee_alt_m > 1000e3)


def test_beyond_max_range_raises() -> None:
    solid = load_threat_specs()["generic-solid-icbm"]
    lat, lon = np.radians([40.0]), np.radians([127.5])
    alat, alon = destination_point(lat, lon, np.radians([270.0]), np.array([16000e3]))
    with pytest.raises(
        ValueError,
        match=r"target at 16000 km is beyond the maximum range \d+ km"
        r" of generic-solid-icbm",
    ):
        solve_aim(solid, lat, lon, alat, alon)
