"""Truth trajectories: common grid, phases, ground objects, interpolation, batch = scalar."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.frames import destination_point, ecef_to_geodetic, eci_to_ecef
from shieldlab.core.time import gmst_at
from shieldlab.threats import (
    PHASE_BOOST,
    PHASE_IMPACTED,
    PHASE_MIDCOURSE,
    PHASE_PRELAUNCH,
    PHASE_REENTRY,
    concat_trajectories,
    fly_ballistic,
    load_threat_specs,
    summary_rows,
)

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
N = 5
LAT = np.radians([40.0, 40.3, 39.8, 41.0, 40.5])
LON = np.radians([127.5, 127.0, 128.1, 126.5, 127.9])
AZ = np.radians([45.0, 60.0, 30.0, 75.0, 270.0])
RANGE = np.array([8000e3, 9000e3, 6000e3, 4000e3, 7000e3])
T_LAUNCH = np.array([60.0, 80.5, 100.0, 130.25, 0.0])


@pytest.fixture(scope="module")
def salvo():
    solid = load_threat_specs()["generic-solid-icbm"]
    alat, alon = destination_point(LAT, LON, AZ, RANGE)
    return solid, alat, alon, fly_ballistic(solid, LAT, LON, alat, alon, T_LAUNCH, EPOCH)


def test_grid_phases_and_ground_states(salvo) -> None:
    _, _, _, tr = salvo
    assert tr.r_eci_m.shape == (N, tr.t_s.size, 3)
    assert tr.t_s[0] == 0.0 and tr.t_s[-1] >= tr.t_impact_s.max()
    np.testing.assert_allclose(np.diff(tr.t_s), 1.0)
    assert tr.phase.dtype == np.int8
    # phases never go backwards
    assert np.all(np.diff(tr.phase.astype(int), axis=1) >= 0)
    for code in (PHASE_BOOST, PHASE_MIDCOURSE, PHASE_REENTRY, PHASE_IMPACTED):
        assert np.all((tr.phase == code).any(axis=1))
    assert np.all(tr.phase[:, -1] == PHASE_IMPACTED)
    # geodetic position of ground samples: launch site before launch, impact point after
    th = gmst_at(EPOCH, tr.t_s)
    lat, _, h = ecef_to_geodetic(eci_to_ecef(tr.r_eci_m, th[None, :]))
    pre = tr.phase == PHASE_PRELAUNCH
    post = tr.phase == PHASE_IMPACTED
    assert np.abs(h[pre | post]).max() < 0.01
    rows_pre = np.nonzero(pre)[0]
    np.testing.assert_allclose(lat[pre], tr.launch_lat_rad[rows_pre], atol=1e-9)
    rows_post = np.nonzero(post)[0]
    np.testing.assert_allclose(lat[post], tr.impact_lat_rad[rows_post], atol=1e-9)
    # plume only while boosting; threat complex (RV + spent final stage,
    # 0.01 + 2.0 m²) in midcourse; the RV alone in reentry
    assert np.all(tr.plume_w_sr[tr.phase != PHASE_BOOST] == 0.0)
    assert np.all(tr.plume_w_sr[tr.phase == PHASE_BOOST] > 0.0)
    assert np.all(tr.rcs_m2[tr.phase == PHASE_MIDCOURSE] == pytest.approx(0.01 + 10**0.3))
    assert np.all(tr.rcs_m2[tr.phase == PHASE_REENTRY] == pytest.approx(0.01))
    # fly-command fields
    assert np.all(tr.miss_m < 1000.0)
    np.testing.assert_allclose(tr.ground_range_m, RANGE, atol=1000.0)
    np.testing.assert_allclose(tr.t_burnout_s - tr.t_launch_s, 182.0)
    np.testing.assert_allclose(tr.flight_time_s, tr.t_impact_s - tr.t_launch_s)
    row = summary_rows(tr)[0]
    assert row["burnout_time_s"] == pytest.approx(182.0)
    assert 6.5 < row["burnout_speed_kmps"] < 7.8
    assert row["apogee_alt_km"] > row["burnout_alt_km"]


def test_samples_consistent_with_velocity(salvo) -> None:
    """Positions and velocities on the grid agree: Δr ≈ ½(v_k + v_{k+1}) dt (trapezoid, < 0.5 %)."""
    _, _, _, tr = salvo
    dr = np.diff(tr.r_eci_m, axis=1)
    trap = 0.5 * (tr.v_eci_mps[:, 1:] + tr.v_eci_mps[:, :-1]) * tr.dt_s
    flying = (tr.phase[:, 1:] == PHASE_MIDCOURSE) & (tr.phase[:, :-1] == PHASE_MIDCOURSE)
    err = np.linalg.norm(dr - trap, axis=-1)[flying] / np.linalg.norm(dr, axis=-1)[flying]
    assert err.max() < 5e-3


def test_state_at_interpolates(salvo) -> None:
    _, _, _, tr = salvo
    r, v = tr.state_at(float(tr.t_s[500]))
    np.testing.assert_allclose(r, tr.r_eci_m[:, 500], atol=1e-6)
    np.testing.assert_allclose(v, tr.v_eci_mps[:, 500], atol=1e-6)
    r5, _ = tr.state_at(500.5)
    mid = 0.5 * (tr.r_eci_m[:, 500] + tr.r_eci_m[:, 501])
    assert np.linalg.norm(r5 - mid, axis=1).max() < 50.0  # midpoint of a ~7 km step


def test_batch_equals_scalar(salvo) -> None:
    """Each missile flown alone equals the same missile in the batch to 1 m (brief)."""
    solid, alat, alon, tr = salvo
    for i in range(N):
        one = fly_ballistic(
            solid,
            LAT[i : i + 1],
            LON[i : i + 1],
            alat[i : i + 1],
            alon[i : i + 1],
            T_LAUNCH[i : i + 1],
            EPOCH,
        )
        k = min(one.t_s.size, tr.t_s.size)
        d = np.linalg.norm(one.r_eci_m[0, :k] - tr.r_eci_m[i, :k], axis=-1)
        assert d.max() < 1.0
        assert one.miss_m[0] == pytest.approx(tr.miss_m[i], abs=1.0)


def test_concat_keeps_ground_objects_on_the_ground(salvo) -> None:
    _, _, _, tr = salvo
    i = int(np.argmin(tr.t_impact_s))  # the first to land; cut its grid there
    k = int(np.ceil(tr.t_impact_s[i])) + 1
    values = {}
    for f in tr.__dataclass_fields__:
        a = getattr(tr, f)
        values[f] = a[:k] if f == "t_s" else a[i : i + 1, :k] if a.ndim >= 2 else a[i : i + 1]
    short = type(tr)(**values)
    assert short.t_s.size < tr.t_s.size
    joined = concat_trajectories([short, tr])
    assert joined.n == N + 1
    th = gmst_at(EPOCH, joined.t_s)
    lat, _, h = ecef_to_geodetic(eci_to_ecef(joined.r_eci_m[0], th))
    landed = joined.phase[0] == PHASE_IMPACTED
    assert landed[-1] and np.abs(h[landed]).max() < 0.01
    np.testing.assert_allclose(lat[landed], tr.impact_lat_rad[i], atol=1e-9)
    np.testing.assert_allclose(joined.r_eci_m[1:], tr.r_eci_m)
