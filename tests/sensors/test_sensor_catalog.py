"""Sensor catalog: every entry validates, has a source, and converts to SI sites."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from shieldlab import catalog
from shieldlab.sensors.catalog import (
    GeoIrEntry,
    RadarEntry,
    load_sensor_specs,
    make_geo_ir,
    make_radar,
)
from shieldlab.sensors.measurements import Measurements, concat, empty


def test_catalog_entries_validate_with_sources() -> None:
    specs = load_sensor_specs()
    for name in ("generic-uhf-ewr", "generic-xband-fcr", "generic-geo-ir"):
        assert name in specs
        assert len(specs[name].source) > 40
    assert isinstance(specs["generic-uhf-ewr"], RadarEntry)
    assert isinstance(specs["generic-geo-ir"], GeoIrEntry)


def test_unknown_field_is_rejected() -> None:
    raw = dict(catalog.load("sensors")["generic-geo-ir"])
    raw["nei_w_cm2"] = 1e-16
    with pytest.raises(ValidationError, match="nei_w_cm2"):
        GeoIrEntry.model_validate(raw)


def test_make_sites_in_si() -> None:
    r = make_radar("generic-uhf-ewr", 41.75, -70.54, 80.0, boresight_az_deg=47.0)
    assert r.frequency_hz == pytest.approx(435e6)
    assert r.peak_power_w == pytest.approx(609e3)
    assert r.boresight_azimuth_rad == pytest.approx(math.radians(47.0))
    assert r.azimuth_half_width_rad == pytest.approx(math.radians(120.0))
    assert r.max_range_m == pytest.approx(5556e3)
    # PAVE PAWS published gain ~38 dB and beamwidth ~2.2° (FAS): ours within 1 dB / 0.5°
    assert 10 * math.log10(r.gain) == pytest.approx(38.0, abs=1.0)
    assert math.degrees(r.beamwidth_rad) == pytest.approx(2.2, abs=0.5)
    g = make_geo_ir("generic-geo-ir", 75.0)
    assert g.lon_rad == pytest.approx(math.radians(75.0))
    assert g.min_altitude_m == pytest.approx(10e3)
    with pytest.raises(ValueError, match="allowed"):
        make_radar("generic-geo-ir", 0.0, 0.0)
    with pytest.raises(ValueError, match="allowed"):
        make_geo_ir("nonexistent", 0.0)


def test_measurements_concat_and_empty() -> None:
    import numpy as np

    a = Measurements(
        np.zeros(2), np.zeros(2, np.int64), np.arange(2), np.ones((2, 3)), np.ones((2, 3))
    )
    c = concat([a, empty(), a])
    assert len(c) == 4 and c.object_id.tolist() == [0, 1, 0, 1]
    assert len(concat([])) == 0
    with pytest.raises(ValueError):
        Measurements(
            np.zeros(2), np.zeros(3, np.int64), np.arange(2), np.ones((2, 3)), np.ones((2, 3))
        )
