"""Cruise missiles (threats/cruise.py) against closed forms and geometry.

Sources / tolerances are named at each check: cruise time = distance/speed
(closed form, 1 %), coordinated-turn geometry (R = v²/(g√(n²−1)), fly-by
turn passes the waypoint at R(1/cos(Δψ/2) − 1); sampling tolerance), recovery
temperature T_aw = T∞ + r V²/(2 c_p) (Anderson, Hypersonic and
High-Temperature Gas Dynamics, 2nd ed., sec. 6.7).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.atmosphere import ussa76
from shieldlab.core.constants import DEG, G0_MPS2
from shieldlab.core.frames import (
    ecef_to_geodetic,
    eci_to_ecef_state,
    great_circle_distance_m,
    initial_azimuth_rad,
)
from shieldlab.core.time import gmst_at
from shieldlab.threats.cruise import (
    fly_cruise,
    load_cruise_specs,
    rcs_by_aspect_m2,
    recovery_temperature_k,
    turn_radius_m,
)
from shieldlab.threats.truth import (
    OBJECT_CRUISE,
    PHASE_BOOST,
    PHASE_CRUISE,
    PHASE_IMPACTED,
    PHASE_PRELAUNCH,
    PHASE_TERMINAL,
    Trajectories,
)

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
LAUNCH = (40.0, -60.0)  # deg, over the western Atlantic


def _fly(
    name: str, aims: list[tuple[float, float]], dt: float = 1.0, t0=None, launches=None, **opts
):
    n = len(aims)
    la = np.array([p[0] for p in (launches or [LAUNCH] * n)]) * DEG
    lo = np.array([p[1] for p in (launches or [LAUNCH] * n)]) * DEG
    t_launch = np.full(n, 100.0) if t0 is None else np.asarray(t0, float)
    return fly_cruise(
        name,
        opts,
        la,
        lo,
        np.array([a[0] for a in aims]) * DEG,
        np.array([a[1] for a in aims]) * DEG,
        t_launch,
        EPOCH,
        dt,
    )


def _ecef(tr: Trajectories):
    g = gmst_at(EPOCH, tr.t_s)
    r, v = eci_to_ecef_state(tr.r_eci_m, tr.v_eci_mps, g[None, :])
    lat, lon, h = ecef_to_geodetic(r)
    return r, v, lat, lon, h


def _cruise_speed(name: str) -> float:
    s = load_cruise_specs()[name]
    return s.cruise_mach * float(ussa76(s.cruise_altitude_m).speed_of_sound_mps)


def test_catalog_entries_parse_with_sources_and_cited_ranges() -> None:
    specs = load_cruise_specs()
    assert {"generic-lacm", "generic-alcm", "generic-ascm-supersonic"} <= set(specs)
    for s in specs.values():
        assert len(s.source) > 50
    # CSIS Missile Threat / CBO 2021 public ranges quoted in the catalog
    assert 1500e3 <= specs["generic-lacm"].max_range_m <= 2500e3
    assert 1500e3 <= specs["generic-alcm"].max_range_m <= 2500e3
    assert 300e3 <= specs["generic-ascm-supersonic"].max_range_m <= 600e3
    assert 2.5 <= specs["generic-ascm-supersonic"].cruise_mach <= 3.0
    assert 0.01 <= specs["generic-lacm"].rcs_frontal_m2 <= 0.1  # open-literature range
    assert specs["generic-alcm"].platforms == ("bomber",)


def test_cruise_time_is_distance_over_speed() -> None:
    """Closed form t = d / v on the cruise leg, 1 % (issue 3 validation list)."""
    tr = _fly("generic-lacm", [(40.0, -45.0)])
    _, v, lat, lon, _ = _ecef(tr)
    idx = np.flatnonzero(tr.phase[0] == PHASE_CRUISE)
    i0, i1 = idx[0], idx[-1]
    d = great_circle_distance_m(lat[0, i0], lon[0, i0], lat[0, i1], lon[0, i1])
    vc = _cruise_speed("generic-lacm")
    t_cruise = tr.t_s[i1] - tr.t_s[i0]
    assert t_cruise == pytest.approx(d / vc, rel=0.01)
    # ECEF speed in cruise = Mach × a(h) within 1 % (ellipsoid vs sphere ≤ 0.6 %)
    assert np.linalg.norm(v[0, idx], axis=-1) == pytest.approx(vc, rel=0.01)
    # total flight time: D / v plus a short launch climb and terminal (< 60 s here)
    dd = great_circle_distance_m(LAUNCH[0] * DEG, LAUNCH[1] * DEG, 40.0 * DEG, -45.0 * DEG)
    assert 0.0 < tr.flight_time_s[0] - dd / vc < 60.0
    assert tr.object_kind[0] == OBJECT_CRUISE


def test_altitude_held_at_terrain_following_clearance() -> None:
    tr = _fly("generic-lacm", [(40.0, -50.0)], cruise_altitude_m=30.0)
    _, _, _, _, h = _ecef(tr)
    m = tr.phase[0] == PHASE_CRUISE
    assert m.sum() > 100
    assert np.abs(h[0, m] - 30.0).max() < 1.0  # ellipsoid + clearance, ±1 m
    sea = _fly("generic-ascm-supersonic", [(40.0, -57.0)])
    h2 = _ecef(sea)[4]
    m2 = sea.phase[0] == PHASE_CRUISE
    assert np.abs(h2[0, m2] - 15.0).max() < 1.0  # sea-skimming 15 m


def test_dog_leg_route_length_and_waypoint_passage() -> None:
    """Fly-by turn geometry: length L1 + L2 − 2R tan(Δψ/2) + RΔψ; passes at R(sec(Δψ/2) − 1)."""
    wp = (42.0, -52.5)
    aim = (40.0, -45.0)
    tr = _fly("generic-lacm", [aim], dt=0.5, waypoints=[list(wp)])
    direct = _fly("generic-lacm", [aim], dt=0.5)
    spec = load_cruise_specs()["generic-lacm"]
    rt = float(turn_radius_m(_cruise_speed("generic-lacm"), spec.max_load_factor))
    p0, p1, p2 = (np.array(p) * DEG for p in (LAUNCH, wp, aim))
    l1 = float(great_circle_distance_m(*p0, *p1))
    l2 = float(great_circle_distance_m(*p1, *p2))
    az_out = float(initial_azimuth_rad(*p1, *p2))
    az_in = float(initial_azimuth_rad(*p1, *p0)) + math.pi
    dpsi = abs((az_out - az_in + math.pi) % (2 * math.pi) - math.pi)
    expected = l1 + l2 - 2 * rt * math.tan(dpsi / 2) + rt * dpsi

    def flown(t: Trajectories) -> float:
        _, _, la, lo, _ = _ecef(t)
        fl = t.phase[0] != PHASE_PRELAUNCH
        la, lo = la[0, fl], lo[0, fl]
        return float(great_circle_distance_m(la[:-1], lo[:-1], la[1:], lo[1:]).sum())

    d_direct = float(great_circle_distance_m(*p0, *p2))
    assert flown(tr) == pytest.approx(expected, rel=1e-4)  # chord sums of 0.5 s steps
    assert flown(direct) == pytest.approx(d_direct, rel=1e-4)
    # the dog-leg excess over the direct great circle, to 200 m
    assert flown(tr) - flown(direct) == pytest.approx(expected - d_direct, abs=200.0)
    # closest approach to the waypoint: inside the turn radius, at the fly-by value
    _, _, la, lo, _ = _ecef(tr)
    miss_wp = great_circle_distance_m(la[0], lo[0], p1[0], p1[1]).min()
    assert miss_wp < rt
    assert miss_wp == pytest.approx(rt * (1 / math.cos(dpsi / 2) - 1), abs=30.0)


def test_pop_up_reaches_altitude_then_dives_onto_target() -> None:
    spec = load_cruise_specs()["generic-lacm"]
    tr = _fly("generic-lacm", [(40.0, -57.0)], dt=0.05)
    _, v, la, lo, h = _ecef(tr)
    term = np.flatnonzero(tr.phase[0] == PHASE_TERMINAL)
    ht = h[0, term]
    k = int(np.argmax(ht))
    assert ht[k] == pytest.approx(spec.popup_altitude_m, abs=5.0)  # 0.05 s sampling
    assert np.all(np.diff(ht[k:]) < 0.0)  # dives monotonically after the peak
    up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    j = term[-3]
    gamma = math.asin(float(np.dot(v[0, j], up[0, j]) / np.linalg.norm(v[0, j])))
    assert gamma == pytest.approx(-spec.dive_angle_rad, abs=0.5 * DEG)
    # energy: speed at the pop-up peak is sqrt(vc^2 - 2 g Δh) (thrust = drag), 1 %
    vc = _cruise_speed("generic-lacm")
    v_top = math.sqrt(vc**2 - 2 * G0_MPS2 * (spec.popup_altitude_m - spec.cruise_altitude_m))
    assert np.linalg.norm(v[0, term[k]]) == pytest.approx(v_top, rel=0.01)
    # impact at the aim point: summary miss and last flying sample within 100 m
    assert tr.miss_m[0] < 100.0
    last = term[-1]
    assert great_circle_distance_m(la[0, last], lo[0, last], 40.0 * DEG, -57.0 * DEG) < 100.0
    assert np.all(tr.phase[0, last + 1 :] == PHASE_IMPACTED)


def test_dive_and_sea_skim_terminals_hit_the_aim_point() -> None:
    for name, aim in (("generic-alcm", (40.0, -55.0)), ("generic-ascm-supersonic", (40.5, -58.0))):
        tr = _fly(name, [aim], dt=0.1)
        assert tr.miss_m[0] < 100.0
        assert (tr.phase[0] == PHASE_TERMINAL).any()


def test_bomber_launch_starts_at_carrier_altitude_and_speed() -> None:
    tr = _fly("generic-alcm", [(40.0, -50.0)])
    _, v, _, _, h = _ecef(tr)
    i = int(np.flatnonzero(tr.phase[0] == PHASE_BOOST)[0])
    assert tr.t_s[i] == pytest.approx(100.0)  # launch instant on the grid
    assert h[0, i] == pytest.approx(10000.0, abs=1.0)
    # speed: 1 % (ground distances on the mean sphere: ellipsoid and altitude scale ≤ 0.8 %)
    assert np.linalg.norm(v[0, i]) == pytest.approx(230.0, rel=0.01)
    # override by option: release at 12 km and 250 m/s
    tr2 = _fly("generic-alcm", [(40.0, -50.0)], launch_altitude_m=12000.0, launch_speed_mps=250.0)
    _, v2, _, _, h2 = _ecef(tr2)
    assert h2[0, i] == pytest.approx(12000.0, abs=1.0)
    assert np.linalg.norm(v2[0, i]) == pytest.approx(250.0, rel=0.01)


def test_submarine_launch_is_invisible_under_water() -> None:
    tr = _fly("generic-lacm", [(40.0, -55.0)], platform="submarine")
    _, _, _, _, h = _ecef(tr)
    boost = tr.phase[0] == PHASE_BOOST
    assert h[0, boost].min() == pytest.approx(-30.0, abs=0.5)
    under = boost & (h[0] < 0.0)
    assert under.any()
    assert np.all(tr.rcs_m2[0, under] == 0.0) and np.all(tr.plume_w_sr[0, under] == 0.0)
    above = boost & (h[0] > 0.0)
    assert np.all(tr.plume_w_sr[0, above] > 1e3)  # booster plume


@pytest.mark.parametrize(("mach", "t_aw"), [(0.8, 320.98), (3.0, 749.78)])
def test_recovery_temperature_closed_form(mach: float, t_aw: float) -> None:
    """T_aw = T∞ + r V²/(2 c_p), c_p = γR/(γ−1) (Anderson sec. 6.7), sea level, r = 0.89."""
    t_inf, gam, r_air = 288.15, 1.4, 287.05287
    v = mach * math.sqrt(gam * r_air * t_inf)
    independent = t_inf + 0.89 * v**2 / (2 * gam * r_air / (gam - 1))
    got = float(recovery_temperature_k(t_inf, mach, 0.89))
    assert got == pytest.approx(independent, rel=1e-12)
    assert got == pytest.approx(t_aw, abs=0.05)  # hand values 288.15 (1 + 0.178 M²)


def test_body_temperature_in_flight_is_the_recovery_temperature() -> None:
    tr = _fly("generic-ascm-supersonic", [(40.0, -57.0)])
    _, v, _, _, h = _ecef(tr)
    m = tr.phase[0] == PHASE_CRUISE
    atm = ussa76(h[0, m])
    mach = np.linalg.norm(v[0, m], axis=-1) / atm.speed_of_sound_mps
    assert mach == pytest.approx(2.5, rel=0.01)
    expect = atm.temperature_k * (1 + 0.89 * 0.2 * mach**2)
    assert tr.body_temp_k[0, m] == pytest.approx(expect, rel=1e-9)
    assert 590.0 < tr.body_temp_k[0, m].mean() < 630.0  # ~608 K at Mach 2.5, 15 m
    assert np.all(tr.body_temp_k[0, tr.phase[0] == PHASE_PRELAUNCH] == 0.0)


def test_velocity_is_the_derivative_of_position() -> None:
    """Central difference of sampled ECI positions vs the velocity, incl. a turn.

    0.1 s steps: truncation ≤ a dt / 8 ≈ 0.2 m/s where the 2 g turn starts; tolerance 0.5 m/s.
    """
    tr = _fly("generic-lacm", [(40.0, -55.0)], dt=0.1, waypoints=[[41.0, -57.5]])
    r, v = tr.r_eci_m[0], tr.v_eci_mps[0]
    fd = (r[2:] - r[:-2]) / 0.2
    same = (tr.phase[0, :-2] == PHASE_CRUISE) & (tr.phase[0, 2:] == PHASE_CRUISE)
    assert np.abs(fd - v[1:-1])[same].max() < 0.5


def test_batch_equals_single_missile_runs() -> None:
    launches = [LAUNCH, (35.0, -65.0), (45.0, -55.0)]
    aims = [(40.0, -52.0), (36.0, -55.0), (44.0, -48.0)]
    routes = [[], [[37.0, -60.0]], [[46.0, -52.0], [45.0, -50.0]]]
    t0 = [100.0, 0.0, 250.0]
    batch = _fly("generic-lacm", aims, t0=t0, launches=launches, waypoints=routes)
    assert batch.n == 3
    for i in range(3):
        one = _fly(
            "generic-lacm", [aims[i]], t0=[t0[i]], launches=[launches[i]], waypoints=[routes[i]]
        )
        nt = one.t_s.size
        assert nt <= batch.t_s.size
        np.testing.assert_allclose(batch.r_eci_m[i, :nt], one.r_eci_m[0], atol=1e-6, rtol=0)
        np.testing.assert_allclose(batch.v_eci_mps[i, :nt], one.v_eci_mps[0], atol=1e-9, rtol=0)
        np.testing.assert_array_equal(batch.phase[i, :nt], one.phase[0])
        np.testing.assert_allclose(batch.body_temp_k[i, :nt], one.body_temp_k[0], rtol=1e-12)
        np.testing.assert_array_equal(batch.rcs_m2[i, :nt], one.rcs_m2[0])
        assert batch.t_impact_s[i] == pytest.approx(one.t_impact_s[0], abs=1e-9)


def test_rcs_aspect_classes_and_truth_rcs() -> None:
    s = load_cruise_specs()["generic-lacm"]
    got = rcs_by_aspect_m2(s, np.array([0.0, 90.0, 180.0]) * DEG)
    np.testing.assert_allclose(got, [s.rcs_frontal_m2, s.rcs_side_m2, s.rcs_rear_m2])
    tr = _fly("generic-lacm", [(40.0, -55.0)])
    assert np.all(tr.rcs_m2[0, tr.phase[0] == PHASE_CRUISE] == s.rcs_frontal_m2)
    assert np.all(tr.rcs_m2[0, tr.phase[0] == PHASE_IMPACTED] == 0.0)


@pytest.mark.parametrize(
    ("name", "aim", "opts", "match"),
    [
        ("generic-lacm", (40.0, -25.0), {}, "max range 2500 km"),
        ("generic-ascm-supersonic", (40.0, -56.0), {}, "max range 300 km"),
        ("generic-ascm-supersonic", (40.0, -59.95), {}, "shorter than launch climb"),
        ("generic-alcm", (40.0, -55.0), {"platform": "ship"}, "platform 'ship' not allowed"),
        ("generic-lacm", (40.0, -55.0), {"terminal": "loop"}, "terminal"),
        ("generic-lacm", (40.0, -55.0), {"popup_altitude_m": 5000.0}, "beyond the energy"),
        ("generic-lacm", (40.0, -55.0), {"popup_altitude_m": 20.0}, "must exceed"),
        ("generic-lacm", (40.0, -55.0), {"cruise_mach": 9.0}, "cruise_mach"),
        ("generic-lacm", (40.0, -55.0), {"fuel_kg": 1.0}, "fuel_kg"),
        (
            "generic-lacm",
            (40.0, -55.0),
            {"waypoints": [[40.0, -59.99], [41.0, -59.99]]},
            "too short",
        ),
        ("generic-lacm", (40.0, -55.0), {"waypoints": [[95.0, -58.0]]}, "latitude"),
        ("generic-lacm", (40.0, -55.0), {"waypoints": [[1.0, 2.0, 3.0]]}, "pairs"),
        ("generic-lacm", (40.0, -60.0), {}, "zero length"),
        ("generic-lol", (40.0, -55.0), {}, "unknown cruise threat"),
    ],
)
def test_bad_input_raises_one_line_value_error(name, aim, opts, match) -> None:
    with pytest.raises(ValueError, match=match) as exc:
        _fly(name, [aim], **opts)
    assert "\n" not in str(exc.value)


def test_bad_time_step_raises() -> None:
    with pytest.raises(ValueError, match="dt_s"):
        _fly("generic-lacm", [(40.0, -55.0)], dt=0.0)


def test_flyer_works_through_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lead registers ``FLYERS["cruise"] = fly_cruise``; checked here with a patch."""
    from shieldlab.threats import registry

    monkeypatch.setitem(registry.FLYERS, "cruise", fly_cruise)
    tr = registry.fly_threats(
        ["generic-lacm", "generic-ascm-supersonic"],
        np.array([40.0, 40.0]) * DEG,
        np.array([-60.0, -60.0]) * DEG,
        np.array([40.0, 40.5]) * DEG,
        np.array([-55.0, -58.0]) * DEG,
        [0.0, 30.0],
        EPOCH,
        1.0,
        options=[{"platform": "ship"}, {}],
    )
    assert tr.n == 2
    assert list(tr.launch_index) == [0, 1]
    assert np.all(tr.object_kind == OBJECT_CRUISE)
    assert np.all(tr.miss_m < 100.0)
