"""Ballistic-missile family (SRBM, MRBM, IRBM, SLBM): catalog numbers vs their public sources.

Sources and quoted numbers are in each entry's ``source:``
(``catalog/threats-missiles.yaml``); unquoted numbers there are rocket-equation
assumptions sized to the quoted class range, which these tests hold.
"""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.threats import PhysicsFlags, fly_batch, load_threat_specs, scan_range
from shieldlab.threats.ballistic import (
    FINE_STEPS,
    burnout_gamma_rad,
    fly_boost,
    min_energy_speed_mps,
)

FAMILY = (
    "generic-srbm-liquid",
    "generic-srbm-solid",
    "generic-mrbm",
    "generic-irbm",
    "generic-slbm",
)

# name: (burn time [s] lo, hi; launch mass [t] lo, hi; max range [km] lo, hi)
EXPECTED = {
    # CSIS "Scud-B": 300 km, 5.9 t; Wright & Kadyshev 1994: burn ~62-65 s. Range ±10 %.
    "generic-srbm-liquid": (60, 70, 5.6, 6.2, 270, 330),
    # CSIS ~500 km class solid SRBM, ~3.8 t. Range ±10 %.
    "generic-srbm-solid": (20, 60, 3.6, 4.0, 450, 550),
    # CSIS "Nodong 1" / Wright & Kadyshev 1994: ~1,300 km, ~16 t, burn ~110 s. Range ±10 %.
    "generic-mrbm": (100, 120, 15.0, 17.0, 1170, 1500),
    # IRBM class 3,000-5,500 km (CSIS / DoD definition), ~20 t.
    "generic-irbm": (90, 150, 17.0, 22.0, 3000, 5500),
    # Trident-C4 / JL-2 class: 30-33 t, 7,000-7,400 km; range -5 %/+8 %.
    "generic-slbm": (150, 190, 29.0, 34.0, 7000, 8000),
}


@pytest.fixture(scope="module")
def specs():
    return load_threat_specs()


def test_family_parses_with_fields(specs) -> None:
    for name in FAMILY:
        spec = specs[name]
        assert len(spec.source) > 100, name
        assert spec.propellant in ("liquid", "solid")
    assert specs["generic-srbm-liquid"].can_cut_off and specs["generic-mrbm"].can_cut_off
    assert not specs["generic-srbm-solid"].can_cut_off
    assert specs["generic-slbm"].basing == "submarine"
    assert len(specs["generic-slbm"].stages) == 3
    assert len(specs["generic-irbm"].stages) == 2
    assert len(specs["generic-srbm-liquid"].stages) == 1
    # the ICBMs keep their propellant
    assert specs["generic-liquid-icbm"].can_cut_off
    assert not specs["generic-solid-icbm"].can_cut_off


@pytest.mark.parametrize("name", FAMILY)
def test_family_numbers_vs_sources(specs, name) -> None:
    """Burn time, launch mass and flown maximum range (due north from 40° N) vs the sources.

    Measured max ranges: 310, 521, 1,393, 4,132, 7,696 km. The burnout speed on
    the maximum-range shot is checked against the two-body minimum-energy speed
    for the free-flight range angle it flies (Wright, Grego & Gronlund 2005):
    within 12 % (drag and Earth-rotation effects; measured 1–8 %).
    """
    spec = specs[name]
    b_lo, b_hi, m_lo, m_hi, r_lo, r_hi = EXPECTED[name]
    assert b_lo <= spec.total_burn_time_s <= b_hi
    assert m_lo <= spec.launch_mass_kg / 1e3 <= m_hi
    lat, lon, az = np.radians([40.0]), np.zeros(1), np.zeros(1)
    _, _, dmax, kmax = scan_range(spec, lat, lon, az)
    assert r_lo <= dmax[0] / 1e3 <= r_hi
    fl = fly_batch(spec, lat, lon, az, kmax, FINE_STEPS)
    rb = np.linalg.norm(fl.r_burnout_m, axis=1)
    ri = np.linalg.norm(fl.r_impact_m, axis=1)
    psi = np.arccos(np.einsum("ij,ij->i", fl.r_burnout_m, fl.r_impact_m) / (rb * ri))
    v_me = min_energy_speed_mps(rb, psi, rb / ri)
    v_bo = np.linalg.norm(fl.v_burnout_mps, axis=1)
    assert v_bo[0] == pytest.approx(v_me[0], rel=0.12)
    assert (
        0.0 < burnout_gamma_rad(fl.r_burnout_m, fl.v_burnout_mps)[0] < np.radians(60.0)
    )  # drag lofts SRBMs: ~52°


def test_solid_cannot_cut_off(specs) -> None:
    spec = specs["generic-srbm-solid"]
    one = np.radians([40.0])
    with pytest.raises(ValueError, match="thrust cut-off needs liquid propellant") as exc:
        fly_boost(spec, one, one, one, one, FINE_STEPS, PhysicsFlags(), cutoff_s=np.array([30.0]))
    assert "\n" not in str(exc.value)


def test_cutoff_full_burn_equals_no_cutoff(specs) -> None:
    """A cut-off at the full burn time reproduces the uncut flight (same RK4 nodes) to 1 mm."""
    spec = specs["generic-mrbm"]
    lat, lon = np.radians([40.0, 10.0]), np.radians([0.0, 30.0])
    az, kick = np.radians([30.0, 200.0]), np.radians([8.0, 12.0])
    a = fly_batch(spec, lat, lon, az, kick, FINE_STEPS)
    b = fly_batch(spec, lat, lon, az, kick, FINE_STEPS, cutoff_s=np.full(2, spec.total_burn_time_s))
    np.testing.assert_allclose(b.r_impact_m, a.r_impact_m, atol=1e-3)
    np.testing.assert_allclose(b.v_burnout_mps, a.v_burnout_mps, atol=1e-6)


def test_one_pass_height_matches_core_geodetic() -> None:
    """The hot-loop height (one Bowring pass) equals ``core.frames`` (three passes) to 1 mm
    from −1 km to 5,000 km (measured 7e-9 m)."""
    from shieldlab.core.frames import geodetic_to_ecef
    from shieldlab.threats.ballistic import _height_m

    rng = np.random.default_rng(0)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 20000)
    lon = rng.uniform(-np.pi, np.pi, 20000)
    h = rng.uniform(-1e3, 5000e3, 20000)
    assert np.abs(_height_m(geodetic_to_ecef(lat, lon, h)) - h).max() < 1e-3
