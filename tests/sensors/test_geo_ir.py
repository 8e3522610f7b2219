"""GEO infrared warning satellite: plume irradiance, Earth/cloud occlusion, per-frame Pd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.core.constants import DEG
from shieldlab.core.frames import ecef_to_eci, eci_to_ecef, geodetic_to_ecef
from shieldlab.sensors.catalog import make_geo_ir
from shieldlab.sensors.ir import (
    GeoIrSensor,
    geo_ir_detect,
    geo_ir_irradiance,
    geo_ir_pd,
    launch_report_time_s,
    line_of_sight_clear,
    segment_clears,
)

GMST = 0.7


@pytest.fixture(scope="module")
def geo() -> GeoIrSensor:
    return make_geo_ir("generic-geo-ir", -100.0)


def _eci(lat_deg: float, lon_deg: float, h_m: float) -> np.ndarray:
    return ecef_to_eci(geodetic_to_ecef(lat_deg * DEG, lon_deg * DEG, h_m), GMST)[None, :]


def _frames(geo: GeoIrSensor, r: np.ndarray, plume: float, n: int = 100) -> int:
    rng = np.random.default_rng(0)
    return sum(
        int(geo_ir_detect(geo, r, np.array([plume]), np.ones(1, bool), GMST, rng)[0])
        for _ in range(n)
    )


def test_boosting_icbm_is_detected(geo: GeoIrSensor) -> None:
    """ICBM-class plume 1e5 W/sr (APS 2003) at 36,000–40,000 km slant range: detected each frame."""
    r = _eci(45.0, -60.0, 80e3)
    d = np.linalg.norm(ecef_to_eci(geo.position_ecef_m, GMST) - r[0])
    assert 36_000e3 < d < 40_000e3
    assert _frames(geo, r, 1e5) == 100


def test_no_plume_no_detection(geo: GeoIrSensor) -> None:
    assert _frames(geo, _eci(45.0, -60.0, 80e3), 0.0) == 0


def test_behind_the_earth_or_below_clouds_not_detected(geo: GeoIrSensor) -> None:
    assert _frames(geo, _eci(0.0, 80.0, 200e3), 1e7) == 0  # antipode of the sub-satellite point
    assert _frames(geo, _eci(20.0, -100.0, 5e3), 1e7) == 0  # under the cloud tops (10 km)
    assert _frames(geo, _eci(20.0, -100.0, 15e3), 1e6) == 100


def test_line_of_sight_limb_geometry() -> None:
    """Equatorial plane, observer at 42,164 km on +x, target at central angle α, height h.

    Hand geometry (km): the limb seen from GEO is at α = acos(6378/42164) = 81.3°.
    α = 90°, h = 1000: segment passes 7,267 km from the centre → clear;
    α = 95°, h = 100: passes 6,297 km < 6,378 → occluded (behind the limb);
    α = 80°, h = 0.5: near side, closest point is the target itself → clear;
    α = 100°, h = 2000: passes 7,837 km → clear (seen against space).
    """
    obs = np.array([42_164e3, 0.0, 0.0])
    cases = ((90.0, 1000e3, True), (95.0, 100e3, False), (80.0, 0.5e3, True), (100.0, 2000e3, True))
    for ang_deg, h, expect in cases:
        rr = 6378137.0 + h
        p = np.array([rr * math.cos(ang_deg * DEG), rr * math.sin(ang_deg * DEG), 0.0])
        assert bool(line_of_sight_clear(obs, p[None, :])[0]) == expect, ang_deg
    # the 10 km cloud shell hides a target at 5 km even on the near side
    p = geodetic_to_ecef(0.0, 10.0 * DEG, 5e3)[None, :]
    assert line_of_sight_clear(obs, p)[0] and not line_of_sight_clear(obs, p, 10e3)[0]


def test_segment_kernel_equals_the_array_test() -> None:
    """segment_clears (one segment, compiled) against line_of_sight_clear on random
    segments around the Earth, shells 0, 10 and 50 km."""
    rng = np.random.default_rng(3)
    o = rng.normal(size=(400, 3))
    o *= rng.uniform(6.5e6, 4.3e7, (400, 1)) / np.linalg.norm(o, axis=1, keepdims=True)
    q = rng.normal(size=(400, 3))
    q *= rng.uniform(6.3e6, 9e6, (400, 1)) / np.linalg.norm(q, axis=1, keepdims=True)
    for h in (0.0, 10e3, 50e3):
        want = line_of_sight_clear(o, q, h)
        got = [segment_clears(*o[i], *q[i], h) for i in range(400)]
        assert got == want.tolist()
        assert 0 < want.sum() < 400


def test_pd_model(geo: GeoIrSensor) -> None:
    """Pd = Φ(SNR − k): one half at threshold, 97.7 % two NEI above it (normal CDF)."""
    assert float(geo_ir_pd(geo.snr_threshold, geo.snr_threshold)) == pytest.approx(0.5)
    assert float(geo_ir_pd(geo.snr_threshold + 2.0, geo.snr_threshold)) == pytest.approx(
        0.97725, abs=1e-5
    )
    # plume exactly at threshold: detected in half of 20,000 frames (4-sigma binomial band)
    n = 20_000
    r = np.repeat(_eci(30.0, -90.0, 100e3), n, axis=0)
    e1 = geo_ir_irradiance(geo, eci_to_ecef(r[:1], GMST), np.ones(1))[0]
    plume = np.full(n, geo.snr_threshold * geo.nei_w_m2 / e1)
    det = geo_ir_detect(geo, r, plume, np.ones(n, bool), GMST, np.random.default_rng(5))
    assert abs(det.mean() - 0.5) < 4.0 * math.sqrt(0.25 / n)


def test_dead_objects_and_report_latency(geo: GeoIrSensor) -> None:
    r = _eci(45.0, -60.0, 80e3)
    det = geo_ir_detect(geo, r, np.array([1e6]), np.zeros(1, bool), GMST, np.random.default_rng(0))
    assert not det[0]
    t = launch_report_time_s(geo, np.array([100.0, np.nan]))
    assert t[0] == 100.0 + geo.report_latency_s and np.isnan(t[1])
    assert 30.0 <= geo.report_latency_s <= 60.0


def test_warning_constellation_equals_geo_and_combines_satellites(geo: GeoIrSensor) -> None:
    """A one-satellite 'constellation' at the GEO slot gives the GEO sensor's Pd
    exactly; two independent satellites give 1 − (1 − Pd)² (same draws)."""
    from shieldlab.sensors.ir import geo_ir_irradiance, warning_ir_detect

    r = np.repeat(_eci(40.0, -100.0, 300e3), 20000, axis=0)
    plume = np.full(20000, 6.0e3)  # near the 5-NEI threshold: Pd between 0 and 1
    exists = np.ones(20000, bool)
    sat = geo.position_ecef_m[None, :]
    pd = float(
        geo_ir_pd(
            geo_ir_irradiance(geo, eci_to_ecef(r[:1], GMST), plume[:1]) / geo.nei_w_m2,
            geo.snr_threshold,
        )[0]
    )
    assert 0.05 < pd < 0.95
    one = warning_ir_detect(geo, sat, r, plume, exists, GMST, np.random.default_rng(1))
    same = geo_ir_detect(geo, r, plume, exists, GMST, np.random.default_rng(1))
    np.testing.assert_array_equal(one, same)
    two = warning_ir_detect(
        geo, np.repeat(sat, 2, axis=0), r, plume, exists, GMST, np.random.default_rng(2)
    )
    p2 = 1.0 - (1.0 - pd) ** 2
    assert abs(two.mean() - p2) < 4.0 * math.sqrt(p2 * (1 - p2) / two.size)
