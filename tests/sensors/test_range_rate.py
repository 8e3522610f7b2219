"""Radar range rate: hand geometry, finite differences, noise consistency, Measurements fields."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from shieldlab.core.constants import WGS84_A_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import aer_to_enu, ecef_to_eci, enu_to_ecef
from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.measurements import Measurements, concat, empty
from shieldlab.sensors.radar import (
    RadarSite,
    radar_observe,
    radar_range_rate,
    radar_range_rate_sigma,
    radar_snr,
)

GMST = 1.234


def _eci_of_aer(radar: RadarSite, az: np.ndarray, el: np.ndarray, rng_m: np.ndarray) -> np.ndarray:
    enu = aer_to_enu(az, el, rng_m)
    return ecef_to_eci(enu_to_ecef(enu, radar.lat_rad, radar.lon_rad, radar.alt_m), GMST)


@pytest.fixture(scope="module")
def ewr() -> RadarSite:
    return replace(
        make_radar("generic-uhf-ewr", 41.75, -70.54, 80.0, boresight_az_deg=47.0), max_tracks=None
    )


def test_range_rate_hand_geometry() -> None:
    """Site on the equator at lon 0, GMST 0: site ECI (a, 0, 0) moving at ω a along +y.

    1. Target 1,000 km overhead falling at 2 km/s: ṙ = −2,000 m/s (the site's
       motion is perpendicular to the line of sight).
    2. Inertially fixed point at Δr = (300, 400, 0) km: ṙ = (Δr·(−ω a ŷ))/|Δr|
       = −0.8 ω a = −372.08 m/s (the Earth turns the site towards it).
    Tolerance 1 mm/s.
    """
    radar = replace(make_radar("generic-xband-fcr", 0.0, 0.0), alt_m=0.0)
    a = WGS84_A_M
    r = np.array([[a + 1.0e6, 0.0, 0.0], [a + 3.0e5, 4.0e5, 0.0]])
    v = np.array([[-2000.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    rr = radar_range_rate(radar, r, v, 0.0)
    assert rr[0] == pytest.approx(-2000.0, abs=1e-3)
    assert rr[1] == pytest.approx(-0.8 * WGS84_OMEGA_RAD_S * a, abs=1e-3)
    assert rr[1] == pytest.approx(-372.08, abs=0.01)


def test_range_rate_matches_finite_difference_of_range(ewr: RadarSite) -> None:
    """ṙ equals d|r(t) − r_site(t)|/dt by central differences, with the site turning
    with the Earth (GMST advancing at ω) and the target moving on a straight line."""
    rng = np.random.default_rng(5)
    r0 = _eci_of_aer(
        ewr, rng.uniform(0, 6.28, 50), rng.uniform(0.1, 1.4, 50), rng.uniform(3e5, 4e6, 50)
    )
    v = rng.normal(0.0, 4000.0, (50, 3))
    site = ewr.site_ecef_m
    dt = 0.01

    def rng_at(t: float) -> np.ndarray:
        s = ecef_to_eci(site, GMST + WGS84_OMEGA_RAD_S * t)
        return np.linalg.norm(r0 + v * t - s, axis=-1)

    fd = (rng_at(dt) - rng_at(-dt)) / (2 * dt)
    np.testing.assert_allclose(radar_range_rate(ewr, r0, v, GMST), fd, atol=1e-4)


def test_range_rate_noise_consistency(ewr: RadarSite) -> None:
    """10,000 looks at one target, fixed seed: σ_ṙ = λ/(2T√(2 SNR)) (thermal regime, floor
    off); normalised errors have mean ~0 (4 σ/√n) and χ²/m within ±5 % of 1
    (3-sigma band of χ²_m/m is ±3√(2/m) ≈ ±4.5 % for m ≈ 9,000)."""
    radar = replace(ewr, min_range_rate_sigma_mps=0.0)
    n = 10_000
    r = _eci_of_aer(radar, np.full(n, 60.0 * math.pi / 180), np.full(n, 0.35), np.full(n, 4.0e6))
    v = np.tile([3000.0, -1500.0, 2500.0], (n, 1))
    m = radar_observe(
        radar, 0, 0.0, r, np.ones(n), np.ones(n, bool), GMST, np.random.default_rng(11), v_eci_mps=v
    )
    snr = float(radar_snr(radar, 4.0e6, 1.0))
    sig = radar.wavelength_m / (2.0 * radar.dwell_s * math.sqrt(2.0 * snr))
    np.testing.assert_allclose(m.sigma_rdot, sig, rtol=1e-12)
    assert m.has_rdot.all()
    truth = radar_range_rate(radar, r[m.object_id], v[m.object_id], GMST)
    e = (m.rdot - truth) / m.sigma_rdot
    assert abs(e.mean()) < 4.0 / math.sqrt(len(m))
    assert np.mean(e**2) == pytest.approx(1.0, abs=0.05)
    # catalog floor binds at this SNR: σ = 1 m/s
    assert float(radar_range_rate_sigma(ewr, snr)) == ewr.min_range_rate_sigma_mps == 1.0


def test_without_velocity_rdot_is_missing_and_streams_align(ewr: RadarSite) -> None:
    n = 30
    r = _eci_of_aer(ewr, np.full(n, 0.8), np.linspace(0.1, 1.2, n), np.full(n, 2.0e6))
    args = (ewr, 3, 7.0, r, np.ones(n), np.ones(n, bool), GMST)
    a = radar_observe(*args, np.random.default_rng(2))
    b = radar_observe(*args, np.random.default_rng(2), v_eci_mps=np.zeros((n, 3)))
    assert np.isnan(a.rdot).all() and np.isinf(a.sigma_rdot).all() and not a.has_rdot.any()
    np.testing.assert_array_equal(a.z, b.z)  # same detections and (R, az, el) noise
    assert np.isfinite(b.rdot).all()


def test_measurements_rdot_fields() -> None:
    a = Measurements(
        np.zeros(2), np.zeros(2, np.int64), np.arange(2), np.ones((2, 3)), np.ones((2, 3))
    )
    assert np.isnan(a.rdot).all() and np.isinf(a.sigma_rdot).all()
    b = Measurements(
        np.ones(1),
        np.ones(1, np.int64),
        np.arange(1),
        np.ones((1, 3)),
        np.ones((1, 3)),
        np.array([-42.0]),
        np.array([0.5]),
    )
    c = concat([a, empty(), b])
    assert c.rdot.shape == (3,) and c.rdot[2] == -42.0 and c.sigma_rdot[2] == 0.5
    assert c.has_rdot.tolist() == [False, False, True]
    s = c.select(np.array([2, 0]))
    assert s.rdot[0] == -42.0 and np.isnan(s.rdot[1])
    assert len(empty().rdot) == 0
    with pytest.raises(ValueError, match="rdot"):
        Measurements(
            np.zeros(2),
            np.zeros(2, np.int64),
            np.arange(2),
            np.ones((2, 3)),
            np.ones((2, 3)),
            np.zeros(3),
        )
