"""Level-flight prediction of cruise missiles and glide vehicles (battle manager).

Closed forms: at constant ground speed v along a great circle the distance
flown is v·Δt (haversine distance, 1e-6) at constant altitude; the ECI speed of
an eastward flyer adds the Earth's rotation ω R cos φ. The threatened asset is
the first circle the path enters, at the time it enters it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.constants import WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    ecef_to_eci_state,
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.time import gmst_at
from shieldlab.tracking.impact import level_flight_threat, predict_level_flight

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _state(lat_deg: float, lon_deg: float, alt_m: float, east: float, north: float, t: float):  # type: ignore[no-untyped-def]
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    r = geodetic_to_ecef(lat, lon, alt_m)
    e = enu_matrix(lat, lon)
    v = east * e[0] + north * e[1]
    re, ve = ecef_to_eci_state(r[None], v[None], float(gmst_at(EPOCH, t)))
    return np.concatenate([re, ve], axis=1)


def test_distance_altitude_and_speed() -> None:
    x = _state(30.0, -120.0, 50.0, 250.0, 0.0, 100.0)
    t = np.array([100.0, 500.0, 1100.0])
    st = predict_level_flight(x, 100.0, EPOCH, t)
    lat, lon, alt = ecef_to_geodetic(eci_to_ecef(st[0, :, :3], gmst_at(EPOCH, t)))
    d = great_circle_distance_m(math.radians(30.0), math.radians(-120.0), lat, lon)
    np.testing.assert_allclose(d, [0.0, 100e3, 250e3], atol=1.0)
    np.testing.assert_allclose(alt, 50.0, atol=1e-3)
    r_eq = 6378137.0 * math.cos(math.radians(30.0))
    assert np.linalg.norm(st[0, 0, 3:]) == pytest.approx(250.0 + WGS84_OMEGA_RAD_S * r_eq, rel=2e-3)


def test_threatened_asset_is_the_first_circle_entered() -> None:
    x = _state(34.0, -125.0, 30.0, 250.0, 0.0, 0.0)  # heading east toward Los Angeles
    t = np.arange(0.0, 4000.0, 10.0)
    st = predict_level_flight(x, 0.0, EPOCH, t)
    # two assets on the path at ~300 km and ~600 km, one off the path
    lat = np.radians([34.0, 34.0, 40.0])
    lon = np.radians([-121.75, -118.5, -121.75])
    a, t_in = level_flight_threat(st, t, EPOCH, lat, lon, np.array([20e3, 20e3, 20e3]))
    assert a[0] == 0
    d0 = great_circle_distance_m(math.radians(34.0), math.radians(-125.0), lat[0], lon[0])
    # grid step 10 s, and the great circle bends ~5 km south of the parallel by 300 km
    assert t_in[0] == pytest.approx((d0 - 20e3) / 250.0, abs=20.0)  # measured +12 s
    none, t_none = level_flight_threat(st, t, EPOCH, lat[2:], lon[2:], np.array([20e3]))
    assert none[0] == -1 and np.isnan(t_none[0])
