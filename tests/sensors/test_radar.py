"""Ground radar: range equation, Swerling-1 detection, coverage, measurement noise."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from shieldlab.core.constants import C_MPS, DEG
from shieldlab.core.frames import aer_to_enu, ecef_to_eci, enu_to_ecef
from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.radar import (
    RadarSite,
    detection_range_m,
    radar_observe,
    radar_sigmas,
    radar_snr,
    swerling1_pd,
    swerling1_snr_for_pd,
)

GMST = 1.234  # arbitrary sidereal angle [rad]


def _eci_of_aer(radar: RadarSite, az: np.ndarray, el: np.ndarray, rng_m: np.ndarray) -> np.ndarray:
    """ECI positions of targets at given (az, el, range) from the radar (truth generator)."""
    enu = aer_to_enu(az, el, rng_m)
    ecef = enu_to_ecef(enu, radar.lat_rad, radar.lon_rad, radar.alt_m)
    return ecef_to_eci(ecef, GMST)


@pytest.fixture(scope="module")
def ewr() -> RadarSite:
    return make_radar("generic-uhf-ewr", 41.75, -70.54, 80.0, boresight_az_deg=47.0)


def test_snr_scales_as_r4_and_rcs(ewr: RadarSite) -> None:
    s1 = radar_snr(ewr, 1.0e6, 1.0)
    assert radar_snr(ewr, 2.0e6, 1.0) == pytest.approx(s1 / 16.0, rel=1e-12)
    assert radar_snr(ewr, 1.0e6, 0.01) == pytest.approx(s1 * 0.01, rel=1e-12)


def test_range_equation_hand_budget() -> None:
    """Hand radar budget in dB (Skolnik, Radar Handbook 3rd ed., ch. 1 form); tolerance 0.1 dB.

    Pt τ = 1 MW · 1 µs (0 dBJ), G = 40 dB, λ = 0.1 m (−20 dB), σ = 0 dBsm,
    (4π)³ = 32.98 dB, R = 100 km (R⁴ = 200 dB), k T0 = −203.98 dBW/Hz, F = L = 0 dB:
    SNR = 0 + 80 − 20 + 0 − 32.98 − 200 + 203.98 = 31.00 dB.
    """
    lam = 0.1
    d = math.sqrt(4.0 * 1.0e4 * lam**2 / (4.0 * math.pi) / math.pi)  # G = 1e4 with η = 1
    radar = RadarSite(
        name="budget",
        lat_rad=0.0,
        lon_rad=0.0,
        alt_m=0.0,
        frequency_hz=C_MPS / lam,
        peak_power_w=1.0e6,
        aperture_diameter_m=d,
        aperture_efficiency=1.0,
        noise_factor=1.0,
        loss_factor=1.0,
        pulse_width_s=1e-6,
        pulses_integrated=1,
        bandwidth_hz=1e6,
        pfa=1e-6,
        min_elevation_rad=0.0,
        max_elevation_rad=math.pi / 2,
        max_range_m=1e7,
        boresight_azimuth_rad=0.0,
        azimuth_half_width_rad=math.pi,
        revisit_s=1.0,
    )
    assert 10 * math.log10(radar.gain) == pytest.approx(40.0, abs=1e-9)
    snr_db = 10.0 * math.log10(float(radar_snr(radar, 100e3, 1.0)))
    assert snr_db == pytest.approx(31.00, abs=0.1)


def test_uewr_detection_range_of_one_square_metre(ewr: RadarSite) -> None:
    """0 dBsm, Pd = 0.5 at Pfa = 1e-6 (Swerling 1): published PAVE PAWS/UEWR range
    ~5,556 km (FAS fact sheet); we accept 4,800–6,000 km."""
    snr = swerling1_snr_for_pd(0.5, 1e-6)
    r_km = float(detection_range_m(ewr, 1.0, snr)) / 1e3
    assert 4800.0 < r_km < 6000.0


def test_xband_fcr_sees_rv_class_targets_beyond_800_km() -> None:
    """TPY-2 class vs RV-class 0.01–0.1 m² (NRC 2012 fig. 5-8: ~1,000–1,500 km)."""
    fcr = make_radar("generic-xband-fcr", 40.0, 140.0)
    snr = swerling1_snr_for_pd(0.5, fcr.pfa)
    assert 700e3 < float(detection_range_m(fcr, 0.01, snr)) < 1500e3
    assert 1000e3 < float(detection_range_m(fcr, 0.1, snr)) < 2500e3


def test_swerling1_formula_against_monte_carlo() -> None:
    """Pd = Pfa^(1/(1+SNR)) vs a square-law detector on a Rayleigh target in noise.

    |a + n|² with a, n circular complex Gaussian (powers S and 1) is exponential
    with mean 1 + S; threshold −ln Pfa. 400,000 draws: 3-sigma binomial tolerance.
    """
    rng = np.random.default_rng(7)
    pfa, snr, k = 1e-3, 10.0, 400_000
    cg = (rng.standard_normal((2, k)) + 1j * rng.standard_normal((2, k))) / math.sqrt(2.0)
    power = np.abs(math.sqrt(snr) * cg[0] + cg[1]) ** 2
    pd_mc = float(np.mean(power > -math.log(pfa)))
    pd = float(swerling1_pd(snr, pfa))
    assert abs(pd_mc - pd) < 3.0 * math.sqrt(pd * (1 - pd) / k)
    assert float(swerling1_pd(0.0, pfa)) == pytest.approx(pfa)
    # Pd = 0.9 at Pfa = 1e-6: 21.1 dB for a Swerling-1 single look (Meyer & Mayer 1973 tables;
    # Skolnik 2001 §2.8 Swerling-1 curves read ≈ 21 dB), tolerance 0.1 dB
    assert 10 * math.log10(swerling1_snr_for_pd(0.9, 1e-6)) == pytest.approx(21.1, abs=0.1)


def test_never_measured_below_min_elevation_or_outside_coverage(ewr: RadarSite) -> None:
    rng = np.random.default_rng(1)
    el = np.array([-5.0, 0.0, 2.9, 3.1, 30.0, 30.0, 30.0]) * DEG
    az = np.array([47.0, 47.0, 47.0, 47.0, 47.0 + 125.0, 47.0 - 119.0, 47.0]) * DEG
    rg = np.array([1000e3, 1000e3, 1000e3, 1000e3, 1000e3, 1000e3, 5600e3])
    r = _eci_of_aer(ewr, az, el, rg)
    rcs = np.full(7, 100.0)
    seen = np.zeros(7, int)
    for _ in range(200):
        m = radar_observe(ewr, 0, 0.0, r, rcs, np.ones(7, bool), GMST, rng)
        seen[m.object_id] += 1
    # below horizon, at horizon, under 3° min elevation, outside the 240° sector, beyond 5,556 km
    assert seen[[0, 1, 2, 4, 6]].sum() == 0
    assert seen[3] == 200 and seen[5] == 200
    # dead objects are never measured
    m = radar_observe(ewr, 0, 0.0, r, rcs, np.zeros(7, bool), GMST, rng)
    assert len(m) == 0


def test_measurement_noise_matches_sigma(ewr: RadarSite) -> None:
    """Sample std of z − truth over 10,000 draws within 10 % of sigma; mean within 4 σ/√n."""
    n = 10_000
    rng = np.random.default_rng(3)
    radar = replace(ewr, max_tracks=None)
    truth = np.array([60.0 * DEG, 20.0 * DEG, 4000e3])
    r = _eci_of_aer(radar, np.full(n, truth[0]), np.full(n, truth[1]), np.full(n, truth[2]))
    m = radar_observe(radar, 2, 5.0, r, np.full(n, 1.0), np.ones(n, bool), GMST, rng)
    snr = float(radar_snr(radar, truth[2], 1.0))
    assert 15.0 < 10 * math.log10(snr) < 21.0  # thermal regime, above the sigma floors
    pd = float(swerling1_pd(snr, radar.pfa))
    assert abs(len(m) / n - pd) < 4.0 * math.sqrt(pd * (1 - pd) / n)
    assert np.all(m.sensor_index == 2) and np.all(m.t_s == 5.0)
    err = m.z - np.array([truth[2], truth[0], truth[1]])
    sig = m.sigma[0]
    assert np.allclose(m.sigma, sig)
    assert np.allclose(err.std(axis=0) / sig, 1.0, atol=0.1)
    assert np.all(np.abs(err.mean(axis=0)) < 4.0 * sig / math.sqrt(len(m)))
    # thermal model: σ_R = (c/2B)/√(2 SNR), σ_el = θ/(k_m √(2 SNR)), σ_az = σ_el / cos(el)
    assert sig[0] == pytest.approx(radar.range_resolution_m / math.sqrt(2 * snr))
    assert sig[2] == pytest.approx(radar.beamwidth_rad / (1.6 * math.sqrt(2 * snr)))
    assert sig[1] == pytest.approx(sig[2] / math.cos(truth[1]))


def test_sigma_floors_at_high_snr(ewr: RadarSite) -> None:
    s = radar_sigmas(ewr, np.array([1e9]), np.array([0.0]))[0]
    assert s[0] == ewr.min_range_sigma_m and s[2] == ewr.min_angle_sigma_rad


def test_track_capacity_keeps_the_closest(ewr: RadarSite) -> None:
    radar = replace(ewr, max_tracks=5)
    rg = np.linspace(1000e3, 3000e3, 20)[::-1].copy()
    r = _eci_of_aer(radar, np.full(20, 47.0 * DEG), np.full(20, 20.0 * DEG), rg)
    m = radar_observe(
        radar, 0, 0.0, r, np.full(20, 1e4), np.ones(20, bool), GMST, np.random.default_rng(0)
    )
    assert sorted(m.object_id.tolist()) == [15, 16, 17, 18, 19]


def test_full_circle_coverage() -> None:
    radar = make_radar("generic-xband-fcr", 0.0, 0.0)
    radar = replace(radar, azimuth_half_width_rad=math.pi)
    az = np.linspace(0, 2 * math.pi, 12, endpoint=False)
    r = _eci_of_aer(radar, az, np.full(12, 30 * DEG), np.full(12, 300e3))
    m = radar_observe(
        radar, 0, 0.0, r, np.full(12, 1.0), np.ones(12, bool), GMST, np.random.default_rng(0)
    )
    assert len(m) == 12


def test_track_capacity_per_scan_ranks_by_range_not_rcs(ewr: RadarSite) -> None:
    """max_tracks is enforced per look before the detection draw: never more than
    max_tracks measurements, and a far large target loses its beam to near small ones."""
    radar = replace(ewr, max_tracks=3)
    rg = np.array([1000e3, 1200e3, 1400e3, 3000e3])
    r = _eci_of_aer(radar, np.full(4, 47.0 * DEG), np.full(4, 20.0 * DEG), rg)
    rcs = np.array([1.0, 1.0, 1.0, 1e4])
    g = np.random.default_rng(9)
    for _ in range(20):
        m = radar_observe(radar, 0, 0.0, r, rcs, np.ones(4, bool), GMST, g)
        assert len(m) <= 3 and 3 not in m.object_id


def test_cached_site_frame_gives_the_ecef_to_aer_geometry(ewr: RadarSite) -> None:
    """radar_visible uses the site's ECEF position and ENU rotation computed once (its
    compiled geometry equals frames.ecef_to_aer to rounding: libm's atan2/asin)."""
    from shieldlab.core.frames import ecef_to_aer, geodetic_to_ecef
    from shieldlab.sensors.radar import radar_visible, site_frame

    origin, rot = site_frame(ewr.lat_rad, ewr.lon_rad, ewr.alt_m)
    assert not origin.flags.writeable and not rot.flags.writeable
    np.testing.assert_array_equal(ewr.site_ecef_m, geodetic_to_ecef(ewr.lat_rad, ewr.lon_rad, 80.0))
    r = geodetic_to_ecef(
        np.linspace(0.6, 0.9, 20), np.linspace(-1.4, -1.0, 20), np.linspace(0.0, 9e5, 20)
    )
    _, az, el, rg = radar_visible(ewr, r)
    want = ecef_to_aer(r, ewr.lat_rad, ewr.lon_rad, ewr.alt_m)
    for got, ref in zip((az, el, rg), want, strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-14)


def test_compiled_look_equals_the_radar_functions(ewr: RadarSite) -> None:
    """radar_observe's compiled detection kernel gives what the public functions give
    from the same draws: Swerling-1 detections of the visible objects, (R, az, el)
    with radar_sigmas' noise and the range rate with radar_range_rate's geometry."""
    from shieldlab.core.frames import eci_to_ecef
    from shieldlab.sensors.radar import (
        radar_range_rate,
        radar_range_rate_sigma,
        radar_visible,
        swerling1_pd,
    )

    gen = np.random.default_rng(21)
    n = 300
    az = np.deg2rad(47.0 + gen.uniform(-70.0, 70.0, n))  # the sector and a little beyond
    el = gen.uniform(-0.1, 1.2, n)
    r = _eci_of_aer(ewr, az, el, gen.uniform(2e5, 3e6, n))
    v = gen.normal(0.0, 4e3, (n, 3))
    rcs = 10.0 ** gen.uniform(-3.0, 1.0, n)
    exists = gen.uniform(size=n) < 0.9
    meas = radar_observe(ewr, 3, 50.0, r, rcs, exists, GMST, np.random.default_rng(5), v)
    draws = np.random.default_rng(5)
    u, noise, noise_rdot = draws.random(n), draws.standard_normal((n, 3)), draws.standard_normal(n)
    vis, a, e, rg = radar_visible(ewr, eci_to_ecef(r, GMST))
    snr = radar_snr(ewr, rg, rcs)
    idx = np.flatnonzero(vis & exists & (u < swerling1_pd(snr, ewr.pfa)))
    assert 20 < idx.size < n
    np.testing.assert_array_equal(meas.object_id, idx)
    sig = radar_sigmas(ewr, snr[idx], e[idx])
    want = np.stack([rg[idx], a[idx], e[idx]], axis=1) + sig * noise[idx]
    want[:, 1] = np.mod(want[:, 1], 2 * np.pi)
    np.testing.assert_allclose(meas.sigma, sig, rtol=1e-14)
    np.testing.assert_allclose(meas.z, want, rtol=1e-13)
    s_rd = radar_range_rate_sigma(ewr, snr[idx])
    rd = radar_range_rate(ewr, r[idx], v[idx], GMST) + s_rd * noise_rdot[idx]
    np.testing.assert_allclose(meas.sigma_rdot, s_rd, rtol=1e-14)
    np.testing.assert_allclose(meas.rdot, rd, rtol=1e-12, atol=1e-9)
