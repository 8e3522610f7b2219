"""Threat catalog: parsing, SI conversion and published performance numbers."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.threats import (
    BallisticMissileSpec,
    PhysicsFlags,
    fly_batch,
    load_threat_specs,
    scan_range,
    threat_names,
)
from shieldlab.threats.ballistic import FINE_STEPS
from shieldlab.threats.catalog import BallisticEntry, spec_from_entry


def test_catalog_parses_with_sources() -> None:
    specs = load_threat_specs()
    assert {"generic-solid-icbm", "generic-liquid-icbm"} <= set(threat_names())
    for name, spec in specs.items():
        assert isinstance(spec, BallisticMissileSpec)
        assert len(spec.source) > 20, name
        assert spec.rv_rcs_m2 == pytest.approx(0.01)  # −20 dBsm
    solid = specs["generic-solid-icbm"]
    assert len(solid.stages) == 3
    assert len(specs["generic-liquid-icbm"].stages) == 2


def test_entry_rejects_unknown_field() -> None:
    raw = {
        "kind": "ballistic",
        "source": "test entry, none",
        "stages": [
            {
                "propellant_mass_kg": 1000,
                "dry_mass_kg": 100,
                "isp_s": 250,
                "burn_time_s": 30,
                "diameter_m": 0.5,
                "drag_coefficient": 0.3,
                "body_rcs_dbsm": 0,
                "plume_intensity_w_sr": 1e5,
                "colour": "red",
            }
        ],
        "payload_mass_kg": 100,
        "rv_mass_kg": 50,
        "rv_beta_kg_m2": 3000,
        "rv_rcs_dbsm": -20,
    }
    with pytest.raises(ValueError, match="colour"):
        BallisticEntry.model_validate(raw)
    del raw["stages"][0]["colour"]  # type: ignore[attr-defined]
    spec = spec_from_entry("t", BallisticEntry.model_validate(raw))
    assert spec.stages[0].thrust_n == pytest.approx(1000 / 30 * 250 * 9.80665)


def test_solid_icbm_reproduces_aps_totals() -> None:
    """Generic solid ICBM vs APS 2003 (Rev. Mod. Phys. 76, S1, ch. 5: solid ICBM,
    three stages, total burn ~170–180 s, burnout speed ~7 km/s, range ≳ 10,000 km).

    Tolerances: burn time 180 ± 10 s; Earth-relative burnout speed on the
    maximum-range (minimum-energy-like) trajectory 7.0 ± 0.35 km/s (5 %);
    maximum range due north ≥ 10,000 km.
    """
    solid = load_threat_specs()["generic-solid-icbm"]
    assert solid.total_burn_time_s == pytest.approx(180.0, abs=10.0)
    lat, lon, az = np.radians([40.0]), np.radians([0.0]), np.zeros(1)
    _, _, dmax, kmax = scan_range(solid, lat, lon, az)
    assert dmax[0] >= 10_000e3
    fl = fly_batch(solid, lat, lon, az, kmax, FINE_STEPS)
    v_rel = fl.v_burnout_mps[0] - np.cross(PhysicsFlags().omega_vec, fl.r_burnout_m[0])
    assert np.linalg.norm(v_rel) == pytest.approx(7000.0, rel=0.05)
    assert 120e3 < fl.burnout_alt_m[0] < 300e3  # APS solid ICBM burns out at ~200 km


def test_liquid_icbm_reproduces_aps_totals() -> None:
    """Generic liquid ICBM vs APS 2003 ch. 5 (two stages, ~240–300 s burn, ~7 km/s)."""
    liquid = load_threat_specs()["generic-liquid-icbm"]
    assert 240.0 <= liquid.total_burn_time_s <= 300.0
    lat, lon, az = np.radians([40.0]), np.radians([0.0]), np.zeros(1)
    _, _, dmax, kmax = scan_range(liquid, lat, lon, az)
    assert dmax[0] >= 9_000e3
    fl = fly_batch(liquid, lat, lon, az, kmax, FINE_STEPS)
    v_rel = fl.v_burnout_mps[0] - np.cross(PhysicsFlags().omega_vec, fl.r_burnout_m[0])
    assert np.linalg.norm(v_rel) == pytest.approx(7000.0, rel=0.06)
