"""Tests of the interceptor catalog (weapons.catalog) and site construction."""

from __future__ import annotations

import math

import pytest

from shieldlab import catalog
from shieldlab.weapons.catalog import load_interceptor_specs, make_site, parse_interceptor_entries


def test_catalog_entries_load_in_si() -> None:
    specs = load_interceptor_specs()
    assert {"generic-gbi", "generic-sm3-iia"} <= set(specs)
    gbi = specs["generic-gbi"]
    raw = catalog.load("interceptors")["generic-gbi"]
    assert gbi.burnout_speed_mps == raw["burnout_speed_kmps"] * 1e3
    assert gbi.max_ground_range_m == raw["max_ground_range_km"] * 1e3
    # published class speeds: GBI 7-8 km/s, SM-3 IIA about 4.5 km/s (sources in the YAML)
    assert 7000 <= gbi.burnout_speed_mps <= 8000
    assert specs["generic-sm3-iia"].burnout_speed_mps == pytest.approx(4500.0)
    for spec in specs.values():
        assert spec.layer == "midcourse" or spec.flyout == "envelope"
        assert 0 < spec.pk_single_shot <= 1
        assert spec.source
        assert spec.min_intercept_altitude_m < spec.max_intercept_altitude_m


def _good() -> dict[str, object]:
    return dict(catalog.load("interceptors")["generic-gbi"])


def test_unknown_key_rejected_with_entry_name() -> None:
    bad = _good()
    bad["burnout_speed_mps"] = 7500.0
    with pytest.raises(ValueError, match=r"(?s)entry 'x'.*burnout_speed_mps"):
        parse_interceptor_entries({"x": bad})


def test_bad_values_rejected() -> None:
    bad = _good()
    bad["pk_single_shot"] = 1.5
    with pytest.raises(ValueError, match="pk_single_shot"):
        parse_interceptor_entries({"x": bad})
    bad = _good()
    bad["min_intercept_altitude_km"] = 3000.0
    with pytest.raises(ValueError, match="min_intercept_altitude_km"):
        parse_interceptor_entries({"x": bad})
    bad = _good()
    del bad["source"]
    with pytest.raises(ValueError, match="source"):
        parse_interceptor_entries({"x": bad})


def test_make_site() -> None:
    site = make_site("generic-gbi", "Fort Greely", 63.95, -145.7, inventory=40)
    assert site.lat_rad == pytest.approx(math.radians(63.95))
    assert site.lon_rad == pytest.approx(math.radians(-145.7))
    assert site.inventory == 40 and site.spec.name == "generic-gbi"
    assert site.r_ecef_m.shape == (3,)
    with pytest.raises(KeyError, match="unknown interceptor"):
        make_site("no-such", "x", 0.0, 0.0, 1)
    with pytest.raises(ValueError, match="inventory"):
        make_site("generic-gbi", "x", 0.0, 0.0, -1)
