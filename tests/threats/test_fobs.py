"""FOBS: boost to a ~150 km orbit, coast over the South Pole, deorbit onto the aim point."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.frames import ecef_to_geodetic, great_circle_distance_m
from shieldlab.threats import (
    PHASE_BOOST,
    PHASE_IMPACTED,
    PHASE_MIDCOURSE,
    PHASE_PRELAUNCH,
    PHASE_REENTRY,
)
from shieldlab.threats.fobs import fly_fobs, load_fobs_specs, perigee_alt_m

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
LAUNCH = np.radians([50.0]), np.radians([63.0])  # central Asia
AIM = np.radians([38.9]), np.radians([-77.0])  # US east coast


@pytest.fixture(scope="module")
def south():
    return fly_fobs("generic-fobs", {"via": "south-pole"}, *LAUNCH, *AIM, np.array([30.0]),
                    EPOCH, 2.0)  # fmt: skip


def test_south_pole_route_orbit_and_hit(south) -> None:
    """Perigee ≥ 120 km, more than half an orbit, southern approach, miss < 5 km (brief).

    Measured: perigee ~156 km, ~199° of orbit, miss ~1 m.
    """
    tr = south
    assert tr.miss_m[0] < 5000.0
    assert tr.miss_m[0] < 50.0  # measured: metres
    ph = tr.phase[0]
    mid = np.flatnonzero(ph == PHASE_MIDCOURSE)
    r = tr.r_eci_m[0, mid]
    h = ecef_to_geodetic(r)[2]
    orbit = mid[(h > 130e3)]
    # orbit: osculating perigee at the middle of the orbital arc
    k = orbit[orbit.size // 2]
    per = perigee_alt_m(tr.r_eci_m[0, k : k + 1], tr.v_eci_mps[0, k : k + 1])
    assert per[0] >= 120e3
    # angle swept in orbit (inertial) > π
    ro = tr.r_eci_m[0, orbit]
    u = ro / np.linalg.norm(ro, axis=1, keepdims=True)
    swept = np.arccos(np.clip(np.einsum("ij,ij->i", u[1:], u[:-1]), -1, 1)).sum()
    assert swept > np.pi
    # over the South Pole: the track reaches far southern latitudes
    lat = ecef_to_geodetic(r)[0]
    assert np.degrees(lat.min()) < -60.0
    # phase order: PRELAUNCH, BOOST, MIDCOURSE, REENTRY, IMPACTED
    seq = [int(p) for i, p in enumerate(ph) if i == 0 or p != ph[i - 1]]
    assert seq == [PHASE_PRELAUNCH, PHASE_BOOST, PHASE_MIDCOURSE, PHASE_REENTRY, PHASE_IMPACTED]
    # the long way round: ground range far beyond any ICBM's
    d = great_circle_distance_m(*LAUNCH, *AIM)[0]
    assert d < 12_000e3 and tr.flight_time_s[0] > 3000.0


def test_catalog_entry_and_budget() -> None:
    spec = load_fobs_specs()["generic-fobs"]
    assert spec.orbit_alt_m == pytest.approx(150e3)
    assert spec.orbital_dv_budget_mps > spec.deorbit_dv_mps
    assert spec.booster.can_cut_off


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"via": "equator"}, "via 'equator' is not one of"),
        ({"colour": "red"}, "unknown option 'colour'"),
        ({"deorbit_dv_mps": 5000}, "outside 50..2000"),
        ({"azimuth_deg": 400.0}, "outside 0..360"),
    ],
)
def test_bad_options_are_one_line(options, pattern) -> None:
    with pytest.raises(ValueError, match=pattern) as exc:
        fly_fobs("generic-fobs", options, *LAUNCH, *AIM, np.zeros(1), EPOCH, 1.0)
    assert "\n" not in str(exc.value)
