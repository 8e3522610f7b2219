"""LEO/MEO IR tracking layer: Planck in-band radiance, backgrounds, occlusion, noise, modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from shieldlab.core import counter_rng
from shieldlab.core.constants import WGS84_A_M
from shieldlab.sensors.ir_track import (
    STEFAN_BOLTZMANN_W_M2_K4,
    LeoIrTrackingSensor,
    band_radiance_w_m2_sr,
    body_intensity_w_sr,
    ir_track_geometry,
    ir_track_observe,
    make_leo_ir,
    radec_to_unit,
    sun_direction_eci,
)

H, C, K = 6.62607015e-34, 299792458.0, 1.380649e-23
MWIR = (3e-6, 5e-6)
SAT = np.array([[WGS84_A_M + 1_000e3, 0.0, 0.0]])  # 1,000 km over the equator


def _planck(lam: float, t: float) -> float:
    return 2 * H * C**2 / lam**5 / math.expm1(H * C / (lam * K * t))


def _sensor() -> LeoIrTrackingSensor:
    return make_leo_ir("generic-leo-ir-tracking")


@pytest.mark.parametrize(("t_k", "band"), [(300.0, MWIR), (300.0, (8e-6, 12e-6)), (1500.0, MWIR)])
def test_band_radiance_matches_numerical_planck_integral(
    t_k: float, band: tuple[float, float]
) -> None:
    # independent check: scipy.integrate.quad of Planck's law, rel. 1e-6
    ref = quad(_planck, band[0], band[1], args=(t_k,), epsabs=0.0, epsrel=1e-10)[0]
    assert float(band_radiance_w_m2_sr(t_k, band)) == pytest.approx(ref, rel=1e-6)


def test_band_radiance_published_values() -> None:
    # 300 K blackbody, 3-5 um: 1.87 W m^-2 sr^-1 (Planck integral; e.g. SpectralCalc
    # blackbody calculator gives 1.866); total band = sigma T^4 / pi (Stefan-Boltzmann)
    assert float(band_radiance_w_m2_sr(300.0, MWIR)) == pytest.approx(1.866, rel=2e-3)
    for t in (300.0, 1000.0, 3000.0):
        total = float(band_radiance_w_m2_sr(t, (0.0, math.inf)))
        assert total == pytest.approx(STEFAN_BOLTZMANN_W_M2_K4 * t**4 / math.pi, rel=1e-9)
    assert float(band_radiance_w_m2_sr(0.0, MWIR)) == 0.0
    # intensity = emissivity * projected area * radiance
    i = body_intensity_w_sr(np.array([300.0, 1500.0]), [0.5, 1.0], 0.9, MWIR)
    assert i[0] == pytest.approx(0.9 * 0.5 * 1.866, rel=2e-3)
    assert i[1] > 1e4  # a 1,500 K glide body is "hot": > 10 kW/sr


def _cold_rv_intensity() -> float:
    return float(body_intensity_w_sr(300.0, 0.5, 0.9, MWIR))


@pytest.mark.parametrize("range_km", [1000.0, 1500.0, 2000.0])
def test_cold_rv_detected_against_space_not_against_earth(range_km: float) -> None:
    s = _sensor()
    i = _cold_rv_intensity()
    # against space: RV at the satellite's altitude, horizontal line of sight above the limb
    r_space = SAT + np.array([0.0, range_km * 1e3, 0.0])
    g = ir_track_geometry(s, SAT, r_space, [i])
    assert g.space_background[0, 0] and g.visible[0, 0]
    assert g.pd[0, 0] > 0.95
    # against the Earth: same range, on the line of sight to a ground point 20 deg away
    phi = math.radians(20.0)
    ground = WGS84_A_M * np.array([math.cos(phi), 0.0, math.sin(phi)])
    u = (ground - SAT[0]) / np.linalg.norm(ground - SAT[0])
    r_earth = SAT + range_km * 1e3 * u
    g2 = ir_track_geometry(s, SAT, r_earth, [i])
    assert not g2.space_background[0, 0]
    assert g2.pd[0, 0] == 0.0
    # ... though in line of sight: a bright source at the same place is seen
    assert ir_track_geometry(s, SAT, r_earth, [1e5]).pd[0, 0] > 0.99
    rng = np.random.default_rng(1)
    both = np.vstack([r_space, r_earth])
    hits = [
        ir_track_observe(s, SAT, both, [i, i], [True, True], 0.0, rng).object_id for _ in range(200)
    ]
    ids = np.concatenate(hits)
    assert (ids == 0).sum() > 190 and (ids == 1).sum() == 0


def test_boosting_plume_and_glide_body_detected_against_earth() -> None:
    s = _sensor()
    glide = float(body_intensity_w_sr(1500.0, 1.0, 0.85, MWIR))
    # plume at 40 km altitude and a glide vehicle at 40 km, ~1,500 km slant range, Earth behind
    r = np.array([[WGS84_A_M + 40e3, 0.0, 1_150e3], [WGS84_A_M + 40e3, 1_150e3, 0.0]])
    g = ir_track_geometry(s, SAT, r, [3e5, glide])
    assert not g.space_background.any()
    assert 1_300e3 < g.range_m.min() and g.range_m.max() < 1_700e3
    assert (g.pd > 0.99).all()
    # the same objects with no plume / cold body: invisible against the Earth
    g0 = ir_track_geometry(s, SAT, r, [0.0, _cold_rv_intensity()])
    assert (g0.pd == 0.0).all()


def test_earth_occluded_and_below_clouds_never_detected() -> None:
    s = _sensor()
    r = np.array(
        [
            [-(WGS84_A_M + 500e3), 0.0, 0.0],  # behind the Earth
            [0.0, -(WGS84_A_M + 1_000e3), 0.0],  # 90 deg around the orbit: below the horizon
            [WGS84_A_M + 5e3, 0.0, 200e3],  # below the 10 km cloud tops
        ]
    )
    rng = np.random.default_rng(2)
    for _ in range(50):
        m = ir_track_observe(s, SAT, r, [1e7, 1e7, 1e7], [True] * 3, 0.0, rng)
        assert len(m) == 0


def test_field_of_regard_range_and_exists() -> None:
    s = _sensor()
    r = SAT + np.array([[0.0, 1_000e3, 0.0], [0.0, 7_000e3, 0.0], [3_000e3, 0.0, 0.0]])
    g = ir_track_geometry(s, SAT, r, [1e6, 1e6, 1e6])
    # beyond max range; straight up (off-nadir 180 deg > 110 deg field of regard)
    assert g.visible[0].tolist() == [True, False, False]
    m = ir_track_observe(s, SAT, r[:1], [1e6], [False], 0.0, np.random.default_rng(0))
    assert len(m) == 0


def test_angular_noise_matches_sigma_and_measurement_layout() -> None:
    s = _sensor()
    n = 4000
    sats = np.vstack([SAT, SAT * np.array([[1.0, -1.0, 1.0]])])
    truth = SAT[0] + np.array([-300e3, 1_500e3, 300e3])  # above the limb
    r = np.tile(truth, (n, 1))
    m = ir_track_observe(
        s,
        sats[:1],
        r,
        np.full(n, 5.0),
        np.ones(n, bool),
        0.0,
        np.random.default_rng(3),
        t_s=12.0,
        sensor_index=7,
    )
    assert len(m) > 0.99 * n
    assert (m.sensor_index == 7).all() and (m.t_s == 12.0).all()
    assert np.isnan(m.z[:, 2]).all() and np.isinf(m.sigma[:, 2]).all()
    u = (truth - SAT[0]) / np.linalg.norm(truth - SAT[0])
    ra0, dec0 = math.atan2(u[1], u[0]), math.asin(u[2])
    sig = m.sigma[0, :2]
    assert s.min_angle_sigma_rad < sig[1] < s.ifov_rad  # SNR-limited, above the floor
    assert np.std(m.z[:, 0] - ra0) == pytest.approx(sig[0], rel=0.10)
    assert np.std(m.z[:, 1] - dec0) == pytest.approx(sig[1], rel=0.10)
    assert abs(np.mean(m.z[:, 1] - dec0)) < 4 * sig[1] / math.sqrt(len(m))
    # round trip to unit vectors
    assert np.allclose(radec_to_unit(np.array([[ra0, dec0, np.nan]]))[0], u)
    # two satellites: rows satellite-major, sensor_index offset by satellite
    m2 = ir_track_observe(
        s, sats, r[:3], np.full(3, 1e6), np.ones(3, bool), 0.0, np.random.default_rng(4)
    )
    assert sorted(set(m2.sensor_index.tolist())) <= [0, 1]


def test_narrow_mode_task_limit_and_accuracy() -> None:
    s = _sensor()
    n = 30
    ranges = np.linspace(800e3, 2_000e3, n)
    r = SAT + np.stack([np.zeros(n), ranges, np.zeros(n)], axis=-1)
    inten = np.full(n, 1.0)
    tasked = np.ones(n, bool)
    tasked[0] = False  # the closest is not cued
    rng = np.random.default_rng(5)
    wide = ir_track_observe(s, SAT, r, inten, np.ones(n, bool), 0.0, rng)
    nar = ir_track_observe(
        s, SAT, r, inten, np.ones(n, bool), 0.0, rng, mode="narrow", tasked=tasked
    )
    assert len(wide) == n
    assert nar.object_id.tolist() == list(range(1, 1 + s.max_narrow_tasks))
    common = np.intersect1d(wide.object_id, nar.object_id)
    sw = wide.sigma[np.isin(wide.object_id, common), 1]
    sn = nar.sigma[np.isin(nar.object_id, common), 1]
    assert (sn < sw).all()


def test_sun_ephemeris_and_exclusion() -> None:
    # Vallado, Fundamentals of Astrodynamics 4th ed., Example 5-1 (2 Apr 2006 0h UT):
    # r_sun = (0.9771945, 0.1924424, 0.0834308) AU in MOD; direction within 0.05 deg
    ref = np.array([0.9771945, 0.1924424, 0.0834308])
    ref /= np.linalg.norm(ref)
    d = sun_direction_eci(2453827.5)
    assert math.degrees(math.acos(float(np.clip(d @ ref, -1, 1)))) < 0.05
    s = LeoIrTrackingSensor(**{**_sensor().__dict__, "sun_exclusion_rad": math.radians(10.0)})
    r = SAT + np.array([[0.0, 1_500e3, 0.0]])
    assert ir_track_geometry(s, SAT, r, [1e3], sun_dir_eci=[0.0, 1.0, 0.05]).pd[0, 0] == 0.0
    assert ir_track_geometry(s, SAT, r, [1e3], sun_dir_eci=[0.0, -1.0, 0.0]).pd[0, 0] > 0.99


def test_catalog_entry() -> None:
    s = _sensor()
    assert s.band_m == pytest.approx(MWIR)
    assert s.nei_narrow_w_m2 < s.nei_w_m2 and s.ifov_narrow_rad < s.ifov_rad
    # field of regard must reach above the limb seen from 1,000 km (59.8 deg off nadir)
    assert s.max_off_nadir_rad > math.asin(WGS84_A_M / (WGS84_A_M + 1_000e3))
    with pytest.raises(ValueError, match="allowed"):
        make_leo_ir("generic-geo-ir")


def test_pairs_in_range_only_equal_the_dense_frame() -> None:
    """Satellites and objects anywhere around the Earth: the frame evaluated on the
    pairs in range (wide mode) gives the detections, values and random draws of the
    dense (satellite × object) geometry (to rounding), and the coverage test its Pd
    maximum."""
    from shieldlab.sensors.ir_track import ir_track_covered, ir_track_geometry

    sensor = make_leo_ir("generic-leo-ir-tracking")
    rng0 = np.random.default_rng(5)
    for _ in range(10):
        sats = rng0.normal(size=(int(rng0.integers(1, 40)), 3))
        sats = sats / np.linalg.norm(sats, axis=1)[:, None] * (WGS84_A_M + 1e6)
        n = int(rng0.integers(1, 200))
        r = rng0.normal(size=(n, 3))
        r = (
            r
            / np.linalg.norm(r, axis=1)[:, None]
            * rng0.uniform(WGS84_A_M, WGS84_A_M + 2e6, (n, 1))
        )
        inten = rng0.choice([0.0, 10.0, 1e3, 1e6], n)
        exists = rng0.random(n) < 0.8
        rng, ref = np.random.default_rng(1), np.random.default_rng(1)
        got = ir_track_observe(sensor, sats, r, inten, exists, 0.0, rng, t_s=1.0, sensor_index=3)
        g = ir_track_geometry(sensor, sats, r, inten)
        # the counter-based draws of every pair of the dense matrix: the frame's
        # draws are those of its pairs in range, whatever the others do
        key_u, key_a, key_b = counter_rng.keys(ref, 3)
        every = counter_rng.counters(*np.indices(g.pd.shape).reshape(2, -1))
        u = counter_rng.uniforms(key_u, every).reshape(g.pd.shape)
        noise = counter_rng.normals(key_a, key_b, every).reshape(*g.pd.shape, 2)
        si, oi = np.nonzero(g.visible & exists[None, :] & (u < g.pd))
        np.testing.assert_array_equal(got.sensor_index, si + 3)
        np.testing.assert_array_equal(got.object_id, oi)
        los = g.los_eci[si, oi]
        dec = np.arcsin(np.clip(los[:, 2], -1.0, 1.0))
        sig = np.maximum(
            sensor.ifov_rad / np.sqrt(np.maximum(g.snr[si, oi], 1e-12)), sensor.min_angle_sigma_rad
        )
        # the range is summed in a compiled loop, np.linalg.norm in the dense form
        np.testing.assert_allclose(got.sigma[:, 1], sig, rtol=1e-14)
        np.testing.assert_allclose(
            got.z[:, 1], dec + sig * noise[si, oi, 1], rtol=1e-13, atol=1e-15
        )
        assert rng.random() == ref.random()  # the same draws
        covered = ir_track_covered(sensor, sats, r, np.full(n, 500.0), 0.5)
        pd = ir_track_geometry(sensor, sats, r, np.full(n, 500.0)).pd
        np.testing.assert_array_equal(covered, pd.max(axis=0) >= 0.5)
