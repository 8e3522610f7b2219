"""Sea-based radars: 4/3-Earth radar horizon from mast height, catalog entries, sensitivity."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from pydantic import ValidationError

from shieldlab import catalog
from shieldlab.core.constants import DEG, R_EARTH_MEAN_M, WGS84_A_M
from shieldlab.core.frames import geodetic_to_ecef
from shieldlab.sensors.catalog import RadarEntry, load_sensor_specs, make_radar
from shieldlab.sensors.radar import (
    K_REFRACTION,
    radar_horizon_m,
    radar_observe,
    radar_snr,
    radar_visible,
    refracted_elevation,
)

SEA = ("generic-sbx-xband", "generic-sband-ship", "generic-sband-ship-amdr")


def _along_equator(ground_m: np.ndarray, h_m: float) -> np.ndarray:
    """ECEF points due east of (0°, 0°) at surface distance ``ground_m`` and height ``h_m``."""
    lon = ground_m / WGS84_A_M
    return geodetic_to_ecef(np.zeros_like(lon), lon, np.full_like(lon, h_m))


@pytest.mark.parametrize("h_t", [0.0, 5.0, 1000.0])
def test_ship_radar_horizon_is_the_4_3_earth_closed_form(h_t: float) -> None:
    """Radar horizon d = √(2kRh_r) + √(2kRh_t), k = 4/3 (Skolnik, *Introduction to Radar
    Systems* 3rd ed. 2001, §8.2; d ≈ 4.12(√h_r + √h_t) km). 20 m mast: 18.4 km for a
    sea-level target. Targets at 0.98 d are seen, at 1.02 d not (tolerance ±2 %, which
    also excludes the no-refraction horizon √(3/4) d = 0.87 d)."""
    ship = make_radar("generic-sband-ship", 0.0, 0.0)
    assert ship.alt_m == 20.0 and ship.platform == "sea"
    d = math.sqrt(2 * (4 / 3) * R_EARTH_MEAN_M * 20.0) + math.sqrt(
        2 * (4 / 3) * R_EARTH_MEAN_M * h_t
    )
    assert float(radar_horizon_m(20.0, h_t)) == pytest.approx(d, rel=1e-12)
    if h_t == 0.0:
        assert d == pytest.approx(4.12e3 * math.sqrt(20.0), rel=0.01)
    pts = _along_equator(np.array([0.3, 0.9, 0.98, 1.02, 1.1]) * d, h_t)
    vis, *_ = radar_visible(ship, pts)
    assert vis.tolist() == [True, True, True, False, False]


def test_straight_rays_see_less_far() -> None:
    """With k = 1 (no refraction) the same mast sees to √(2Rh) only: 0.866 of the 4/3 value."""
    ship = make_radar("generic-sband-ship", 0.0, 0.0)
    d1 = math.sqrt(2 * R_EARTH_MEAN_M * 20.0)
    pts = _along_equator(np.array([0.97, 1.03]) * d1, 0.0)
    _, _, el, _ = radar_visible(ship, pts)
    _, clear_straight = refracted_elevation(replace(ship, refraction_k=1.0), pts, el)
    assert clear_straight.tolist() == [True, False]
    assert radar_visible(ship, pts)[0].tolist() == [True, True]


def test_refraction_raises_low_elevations_only() -> None:
    """Apparent − geometric elevation is > 0 near the horizon and ~0 at the zenith."""
    ship = make_radar("generic-sbx-xband", 0.0, 0.0)
    pts = np.vstack(
        [_along_equator(np.array([200e3]), 30e3), geodetic_to_ecef(0.0, 0.0, 500e3)[None]]
    )
    _, _, el, _ = radar_visible(ship, pts)
    el_app, clear = refracted_elevation(ship, pts, el)
    assert clear.all()
    bend = el_app - el
    assert bend[0] > 1e-4 and abs(bend[1]) < 1e-9


def test_ship_sees_sea_skimmer_inside_horizon_only() -> None:
    """End to end through radar_observe: a 5 m, 1 m² target at 20 km (inside the 27.6 km
    horizon) is measured every look; at 30 km it never is."""
    ship = make_radar("generic-sband-ship", 0.0, 0.0)
    pts = _along_equator(np.array([20e3, 30e3]), 5.0)
    seen = np.zeros(2, int)
    g = np.random.default_rng(4)
    for _ in range(50):
        m = radar_observe(ship, 0, 0.0, pts, np.ones(2), np.ones(2, bool), 0.0, g)
        seen[m.object_id] += 1
    assert seen.tolist() == [50, 0]


def test_sea_entries_validate_and_place_the_antenna_at_mast_height() -> None:
    specs = load_sensor_specs()
    for name in SEA:
        e = specs[name]
        assert isinstance(e, RadarEntry) and e.platform == "sea"
        assert len(e.source) > 200 and e.refraction_k == pytest.approx(K_REFRACTION, rel=1e-4)
        r = make_radar(name, 10.0, 20.0, alt_m=0.0)
        assert r.alt_m == e.antenna_height_m > 0.0
    assert specs["generic-uhf-ewr"].platform == "ground"  # type: ignore[union-attr]
    assert make_radar("generic-uhf-ewr", 0.0, 0.0, 80.0).refraction_k == 1.0


def test_negative_min_elevation_needs_refraction() -> None:
    raw = dict(catalog.load("sensors")["generic-sband-ship"])
    RadarEntry.model_validate(raw)
    raw["refraction_k"] = 1.0
    with pytest.raises(ValidationError, match="min_elevation_deg"):
        RadarEntry.model_validate(raw)


def test_amdr_is_30_times_more_sensitive_than_spy1d() -> None:
    """AN/SPY-6(V)1 "30 times more sensitive than SPY-1D(V)" (Raytheon/U.S. Navy; CRS
    RL33745): single-look SNR ratio at equal range and RCS, 14.8 dB ± 0.5 dB."""
    a = make_radar("generic-sband-ship", 0.0, 0.0)
    b = make_radar("generic-sband-ship-amdr", 0.0, 0.0)
    ratio_db = 10 * math.log10(float(radar_snr(b, 1.0e6, 1.0) / radar_snr(a, 1.0e6, 1.0)))
    assert ratio_db == pytest.approx(10 * math.log10(30.0), abs=0.5)


def test_sbx_geometry_from_public_numbers() -> None:
    """SBX: ~384 m² array (D = 22.1 m), X band: beamwidth λ/D ≈ 1.4 mrad; narrow
    ±12.5° electronic field of view about the boresight the site sets."""
    sbx = make_radar("generic-sbx-xband", 50.0, 180.0, boresight_az_deg=300.0)
    assert math.pi * sbx.aperture_diameter_m**2 / 4 == pytest.approx(384.0, rel=0.01)
    assert sbx.beamwidth_rad == pytest.approx(1.36e-3, rel=0.02)
    assert sbx.azimuth_half_width_rad == pytest.approx(12.5 * DEG)
