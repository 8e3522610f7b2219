"""Airborne surveillance radar: 4/3-Earth radar horizon, look-down clutter, measurements."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import ArrayLike

from shieldlab.core.frames import geodetic_to_ecef
from shieldlab.sensors.airborne import (
    AirborneRadar,
    airborne_geometry,
    airborne_observe,
    horizon_dip_rad,
    make_airborne_radar,
    radar_horizon_m,
)

ALT = 9_000.0


def _awacs() -> AirborneRadar:
    return make_airborne_radar("generic-awacs-radar")


def _targets_north(dist_km: ArrayLike, h_m: ArrayLike) -> np.ndarray:
    """ECEF (ECI at GMST 0) of targets due north of (0, 0) at ground distance and height."""
    lat = np.asarray(dist_km) * 1e3 / 6_371e3
    return geodetic_to_ecef(lat, np.zeros_like(lat), np.asarray(h_m, dtype=np.float64))


def test_radar_horizon_skolnik() -> None:
    # Skolnik, Intro. to Radar Systems 3rd ed. sec. 8.2: d[km] = 4.12 (sqrt h_r + sqrt h_t), h in m
    d = float(radar_horizon_m(9_000.0, 50.0))
    assert d / 1e3 == pytest.approx(4.12 * (math.sqrt(9_000.0) + math.sqrt(50.0)), rel=0.02)
    assert d / 1e3 == pytest.approx(420.0, rel=0.02)
    assert float(radar_horizon_m(0.0, 0.0)) == 0.0
    # dip of the horizon from 9 km: ~ 2.6 deg (sqrt(2h/(kR)))
    assert math.degrees(horizon_dip_rad(ALT)) == pytest.approx(2.63, abs=0.05)


def test_targets_beyond_the_horizon_never_detected() -> None:
    a = _awacs()
    n = 200
    r = _targets_north(np.full(n, 450.0), np.full(n, 50.0))  # beyond ~420 km horizon
    m = airborne_observe(
        a,
        0,
        0.0,
        0.0,
        0.0,
        ALT,
        r,
        np.full(n, 100.0),
        np.ones(n, bool),
        0.0,
        np.random.default_rng(0),
    )
    assert len(m) == 0
    vis, *_ = airborne_geometry(a, 0.0, 0.0, ALT, _targets_north(np.array([380.0]), [50.0]), [1.0])
    assert vis[0]


def test_lookdown_clutter_lowers_pd() -> None:
    a = _awacs()
    n = 4000
    # same slant range (~200 km): a cruise missile at 50 m (ground behind it: look-down)
    # and an aircraft-altitude target above the platform's horizon line
    r_low = _targets_north(np.full(n, 200.0), np.full(n, 50.0))
    r_high = _targets_north(np.full(n, 200.0), np.full(n, 12_000.0))
    _, ld_low, _, el_low, rg_low, snr_low = airborne_geometry(a, 0.0, 0.0, ALT, r_low[:1], [0.1])
    _, ld_high, _, el_high, rg_high, snr_high = airborne_geometry(
        a, 0.0, 0.0, ALT, r_high[:1], [0.1]
    )
    assert ld_low[0] and not ld_high[0]
    assert el_low[0] < -horizon_dip_rad(ALT) < el_high[0]
    assert rg_low[0] == pytest.approx(rg_high[0], rel=0.01)
    # SNR loss = 1 + CNR (10 dB) up to the R^4 difference
    ratio = snr_high[0] / snr_low[0] * (rg_high[0] / rg_low[0]) ** 4
    assert ratio == pytest.approx(1.0 + 10.0 ** (a.lookdown_cnr_db / 10.0), rel=1e-9)
    rng = np.random.default_rng(1)
    k = 500  # below the 600-track capacity
    pds = []
    for r in (r_low, r_high):
        hits = sum(
            len(
                airborne_observe(
                    a, 0, 0.0, 0.0, 0.0, ALT, r[:k], np.full(k, 0.1), np.ones(k, bool), 0.0, rng
                )
            )
            for _ in range(n // k)
        )
        pds.append(hits / n)
    pd_low, pd_high = pds
    assert pd_high > 0.9 and pd_low < pd_high - 0.1


def test_measurements_in_platform_enu() -> None:
    a = _awacs()
    n = 3000
    r = _targets_north(np.full(n, 150.0), np.full(n, 3_000.0))
    assert a.radar.max_tracks is not None and a.radar.max_tracks < n
    a = AirborneRadar(replace(a.radar, max_tracks=None), a.lookdown_cnr_db, a.patrol_altitude_m)
    m = airborne_observe(
        a,
        4,
        30.0,
        0.0,
        0.0,
        ALT,
        r,
        np.full(n, 10.0),
        np.ones(n, bool),
        0.0,
        np.random.default_rng(2),
    )
    assert len(m) > 0.95 * n
    assert (m.sensor_index == 4).all() and (m.t_s == 30.0).all()
    _, _, _az, el, rg, _ = airborne_geometry(a, 0.0, 0.0, ALT, r[:1], [10.0])
    assert np.std(m.z[:, 0] - rg[0]) == pytest.approx(m.sigma[0, 0], rel=0.1)
    assert np.std(m.z[:, 2] - el[0]) == pytest.approx(m.sigma[0, 2], rel=0.1)
    assert np.mean(np.cos(m.z[:, 1])) > 0.99  # due north
    assert el[0] < 0.0  # looking down at a lower target
    # track capacity: the closest max_tracks objects only
    cap = AirborneRadar(replace(a.radar, max_tracks=5), a.lookdown_cnr_db, a.patrol_altitude_m)
    rr = _targets_north(np.linspace(100.0, 300.0, 10), np.full(10, 3_000.0))
    mc = airborne_observe(
        cap,
        0,
        0.0,
        0.0,
        0.0,
        ALT,
        rr,
        np.full(10, 10.0),
        np.ones(10, bool),
        0.0,
        np.random.default_rng(3),
    )
    assert set(mc.object_id.tolist()) <= set(range(5)) and len(mc) >= 4


def test_catalog_entry() -> None:
    a = _awacs()
    assert a.patrol_altitude_m == pytest.approx(9_000.0)
    assert a.radar.frequency_hz == pytest.approx(3.2e9)
    assert a.radar.azimuth_half_width_rad == pytest.approx(math.pi)
    with pytest.raises(ValueError, match="allowed"):
        make_airborne_radar("generic-uhf-ewr")
