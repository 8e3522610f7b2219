"""False alarms: Poisson count per scan with the stated mean, uniform inside the window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.sensors.clutter import (
    SurveillanceWindow,
    expected_false_alarms,
    false_alarms,
    n_resolution_cells,
)

WIN = SurveillanceWindow(
    range_min_m=50e3,
    range_max_m=500e3,
    az_min_rad=math.radians(300.0),  # crosses north: 300 -> 60 deg
    az_width_rad=math.radians(120.0),
    el_min_rad=math.radians(1.0),
    el_max_rad=math.radians(30.0),
)


def test_poisson_mean_and_window() -> None:
    rng = np.random.default_rng(11)
    lam, scans = 7.5, 3000
    batches = [false_alarms(lam, WIN, rng, t_s=float(k), sensor_index=3) for k in range(scans)]
    counts = np.array([len(b) for b in batches])
    # Poisson: mean within 4 standard errors, variance = mean within 10 %
    assert abs(counts.mean() - lam) < 4.0 * math.sqrt(lam / scans)
    assert counts.var() == pytest.approx(lam, rel=0.1)
    z = np.concatenate([b.z for b in batches])
    assert WIN.contains(z).all()
    assert all((b.object_id == -1).all() and (b.sensor_index == 3).all() for b in batches)
    # uniform: each half of the range window gets half of the alarms (4 sigma)
    frac = np.mean(z[:, 0] < 275e3)
    assert abs(frac - 0.5) < 4.0 * math.sqrt(0.25 / len(z))
    # azimuth wraps through north: both sides present
    assert (z[:, 1] > math.radians(300.0)).any() and (z[:, 1] < math.radians(60.0)).any()


def test_rate_from_pfa_and_cells() -> None:
    cells = n_resolution_cells(WIN, range_res_m=150.0, beamwidth_rad=math.radians(2.0))
    assert cells == pytest.approx(3000.0 * 60.0 * 14.5)
    assert expected_false_alarms(1e-6, cells) == pytest.approx(2.61)
    m = false_alarms(0.0, WIN, np.random.default_rng(0), sigma=(10.0, 1e-3, 1e-3))
    assert len(m) == 0 and m.z.shape == (0, 3)
    m = false_alarms(50.0, WIN, np.random.default_rng(0), sigma=(10.0, 1e-3, 1e-3))
    assert np.allclose(m.sigma, [10.0, 1e-3, 1e-3])


def test_bad_window_and_rate_rejected() -> None:
    with pytest.raises(ValueError, match="range"):
        SurveillanceWindow(5.0, 1.0, 0.0, 1.0, 0.0, 0.5)
    with pytest.raises(ValueError, match="n_mean"):
        false_alarms(-1.0, WIN, np.random.default_rng(0))


def test_radar_window_and_stated_rate() -> None:
    """The coverage window of a sector radar and of a full-circle one; the stated
    per-scan rate is the Poisson mean (4-σ band on 2,000 scans)."""
    import dataclasses

    from shieldlab.sensors.catalog import make_radar
    from shieldlab.sensors.clutter import radar_false_alarms, radar_window

    fcr = make_radar("generic-xband-fcr", 40.0, 140.0, 0.0, 270.0)
    w = radar_window(fcr)
    assert w.az_width_rad == pytest.approx(2 * math.radians(60.0))
    assert w.az_min_rad == pytest.approx(math.radians(210.0))
    assert w.range_max_m == fcr.max_range_m and w.el_min_rad == fcr.min_elevation_rad
    ring = radar_window(dataclasses.replace(fcr, azimuth_half_width_rad=math.pi))
    assert ring.az_width_rad == pytest.approx(2 * math.pi)
    rate = 3.0
    radar = dataclasses.replace(fcr, false_alarms_per_scan=rate)
    rng = np.random.default_rng(5)
    counts = [len(radar_false_alarms(radar, rng, t_s=0.0, sensor_index=2)) for _ in range(2000)]
    assert abs(np.mean(counts) - rate) < 4 * math.sqrt(rate / 2000)
    fa = radar_false_alarms(radar, rng, t_s=7.0, sensor_index=2)
    assert np.all(fa.object_id == -1) and np.all(fa.sensor_index == 2)
    assert np.all(w.contains(fa.z)) and np.all(fa.sigma > 0)
