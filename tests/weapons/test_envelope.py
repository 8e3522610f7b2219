"""Tests of the envelope fly-out (weapons.envelope), class Pk and the terminal catalog."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab import catalog
from shieldlab.core.constants import WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    OMEGA_EARTH_VEC,
    destination_point,
    ecef_to_eci,
    ecef_to_geodetic,
    geodetic_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.integrate import rk4
from shieldlab.threats.truth import (
    OBJECT_CRUISE,
    OBJECT_GLIDE,
    OBJECT_HEAVY_DECOY,
    OBJECT_NAMES,
    OBJECT_RV,
)
from shieldlab.weapons import InterceptorSite, make_site, plan_intercepts
from shieldlab.weapons.catalog import load_interceptor_specs, parse_interceptor_entries
from shieldlab.weapons.envelope import (
    envelope_intercepts,
    flyout_distance_m,
    flyout_speed_mps,
    flyout_time_s,
    plan_for_site,
    reach_time_s,
)
from shieldlab.weapons.intercept import class_pk, engageable, shot_pk
from shieldlab.weapons.interceptor import InterceptorSpec

GMST0 = 0.3
LAT0_DEG, LON0_DEG = 35.0, -100.0
TERMINAL = (
    "generic-thaad",
    "generic-pac3-mse",
    "generic-sm6",
    "generic-gpi",
    "generic-nasams",
    "generic-fighter-aam",
)


def _site(entry: str) -> InterceptorSite:
    return make_site(entry, "test", LAT0_DEG, LON0_DEG, inventory=10)


def _fixed_point(site: InterceptorSite, ground_m: float, h_m: float, t_s: np.ndarray) -> np.ndarray:
    """ECI track (1, k, 3) of an Earth-fixed point ``ground_m`` north-east of the site at h_m."""
    lat, lon = destination_point(site.lat_rad, site.lon_rad, math.radians(45.0), ground_m)
    r = geodetic_to_ecef(float(lat), float(lon), h_m)
    return ecef_to_eci(r, GMST0 + WGS84_OMEGA_RAD_S * t_s)[None]


def _slant_m(site: InterceptorSite, ground_m: float, h_m: float) -> float:
    lat, lon = destination_point(site.lat_rad, site.lon_rad, math.radians(45.0), ground_m)
    return float(np.linalg.norm(geodetic_to_ecef(float(lat), float(lon), h_m) - site.r_ecef_m))


# --- closed-form fly-out ------------------------------------------------------------------


@pytest.mark.parametrize("decay_m", [math.inf, 40e3, 500e3])
def test_flyout_closed_form_matches_integration(decay_m: float) -> None:
    # ODE: ds/dt = v; dv/dt = a (t < t_b), −v²/L after (v = v_bo·exp(−s/L)); RK4 at 10 ms, one
    # grid per phase (burnout on a node). Closed form vs integration within 1 m and 0.01 m/s.
    spec = dataclasses.replace(
        make_site("generic-thaad", "x", 0, 0, 1).spec, coast_decay_length_m=decay_m
    )
    a = spec.burnout_speed_mps / spec.burn_time_s

    def boost(_t: float, y: np.ndarray) -> np.ndarray:
        return np.array([[y[0, 1], a]])

    def coast(_t: float, y: np.ndarray) -> np.ndarray:
        return np.array([[y[0, 1], 0.0 if math.isinf(decay_m) else -(y[0, 1] ** 2) / decay_m]])

    t_boost = np.linspace(0.0, spec.burn_time_s, 1501)
    y_boost = rk4(boost, np.zeros((1, 2)), t_boost)[:, 0]
    t_coast = np.linspace(spec.burn_time_s, 120.0, 10501)
    y_coast = rk4(coast, y_boost[-1:], t_coast)[:, 0]
    t = np.concatenate([t_boost, t_coast[1:]])
    y = np.concatenate([y_boost, y_coast[1:]])
    pick = np.searchsorted(t, [3.0, 15.0, 40.0, 80.0, 120.0])
    np.testing.assert_allclose(flyout_distance_m(spec, t[pick]), y[pick, 0], atol=1.0)
    np.testing.assert_allclose(flyout_speed_mps(spec, t[pick]), y[pick, 1], atol=0.01)
    # time to reach the integrated distances: the inverse gives the times back (1 ms)
    np.testing.assert_allclose(flyout_time_s(spec, y[pick, 0]), t[pick], atol=1e-3)


@settings(max_examples=60, deadline=None)
@given(
    t_s=st.floats(0.0, 600.0),
    v_bo=st.floats(300.0, 8000.0),
    t_b=st.floats(1.0, 200.0),
    decay_km=st.one_of(st.just(math.inf), st.floats(5.0, 5000.0)),
)
def test_flyout_time_inverts_distance(t_s: float, v_bo: float, t_b: float, decay_km: float) -> None:
    spec = dataclasses.replace(
        make_site("generic-sm6", "x", 0, 0, 1).spec,
        burnout_speed_mps=v_bo,
        burn_time_s=t_b,
        coast_decay_length_m=decay_km * 1e3,
    )
    d = flyout_distance_m(spec, t_s)
    assert float(flyout_time_s(spec, d)) == pytest.approx(t_s, rel=1e-9, abs=1e-6)
    # monotone: a little further takes longer
    assert float(flyout_time_s(spec, d + 1.0)) > float(flyout_time_s(spec, d))


def test_flyout_textbook_values() -> None:
    # constant acceleration a = v/t_b: half the burnout speed × t_b at burnout; loss-free coast
    spec = dataclasses.replace(
        make_site("generic-thaad", "x", 0, 0, 1).spec,
        burnout_speed_mps=2000.0,
        burn_time_s=10.0,
        coast_decay_length_m=math.inf,
    )
    assert float(flyout_distance_m(spec, 10.0)) == pytest.approx(10e3)
    assert float(flyout_time_s(spec, 2.5e3)) == pytest.approx(5.0)  # s = a t²/2, a = 200
    assert float(flyout_time_s(spec, 110e3)) == pytest.approx(60.0)  # 10 + 100 km / 2 km/s


def test_carrier_leg() -> None:
    # fighter CAP: R_carrier 300 km at 250 m/s, missile reach 100 km (catalog entry)
    spec = make_site("generic-fighter-aam", "x", 0, 0, 1).spec
    reach = spec.max_ground_range_m - spec.carrier_radius_m
    assert reach == pytest.approx(100e3)
    for d in (20e3, 80e3, 100e3):  # inside the missile's reach: the fighter fires at once
        assert float(reach_time_s(spec, d)) == pytest.approx(float(flyout_time_s(spec, d)))
    d = 250e3  # 150 km dash at 250 m/s, then the missile's full reach
    expected = 150e3 / 250.0 + float(flyout_time_s(spec, reach))
    assert float(reach_time_s(spec, d)) == pytest.approx(expected)
    # continuous where the dash starts
    assert float(reach_time_s(spec, reach + 1.0)) - float(reach_time_s(spec, reach)) < 0.1


# --- envelope feasibility -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ground_km", "h_km", "expected"),
    [
        (100.0, 80.0, True),  # inside THAAD's 40-150 km x 200 km envelope
        (100.0, 30.0, False),  # below the altitude window
        (100.0, 170.0, False),  # above it
        (190.0, 100.0, True),  # near the range edge
        (215.0, 100.0, False),  # beyond the 200 km ground range
    ],
)
def test_thaad_envelope_inside_outside(ground_km: float, h_km: float, expected: bool) -> None:
    site = _site("generic-thaad")
    t = np.arange(0.0, 400.0, 1.0)
    plan = envelope_intercepts(
        site, 0.0, t, _fixed_point(site, ground_km * 1e3, h_km * 1e3, t), GMST0
    )
    assert plan.feasible[0] == expected
    if expected:
        assert plan.intercept_alt_m[0] == pytest.approx(h_km * 1e3, abs=1.0)


def test_min_slant_range_and_class() -> None:
    site = _site("generic-pac3-mse")  # 3 km minimum slant range, engages rv + cruise missile
    t = np.arange(0.0, 200.0, 0.5)
    near = _fixed_point(site, 2e3, 1e3, t)
    far = _fixed_point(site, 20e3, 1e3, t)
    both = np.concatenate([near, far, far, far])
    kinds = np.array([OBJECT_CRUISE, OBJECT_CRUISE, OBJECT_GLIDE, OBJECT_HEAVY_DECOY])
    plan = envelope_intercepts(site, 0.0, t, both, GMST0, object_kind=kinds)
    assert plan.feasible.tolist() == [False, True, False, False]
    assert np.isnan(plan.t_intercept_s[[0, 2, 3]]).all()
    # without a class the far point is feasible for every row
    plan_all = envelope_intercepts(site, 0.0, t, both, GMST0)
    assert plan_all.feasible.tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match="object_kind"):
        envelope_intercepts(site, 0.0, t, both, GMST0, object_kind=kinds[:2])


@pytest.mark.parametrize("entry", ["generic-thaad", "generic-pac3-mse", "generic-fighter-aam"])
def test_earliest_time_fixed_point_and_closing_speed(entry: str) -> None:
    # Earth-fixed PIP: the earliest feasible candidate is the first grid time ≥ t_launch + t(s)
    # (0.1 s grid). Its ECI velocity is ω × r, so the closing speed is the interceptor's
    # ground-relative speed at arrival (1e-6 relative).
    site = _site(entry)
    spec = site.spec
    ground, h = (
        0.5 * spec.max_ground_range_m,
        0.5 * (spec.min_intercept_altitude_m + min(spec.max_intercept_altitude_m, 60e3)),
    )
    t_launch = 12.0
    t = np.arange(0.0, 2000.0, 0.1)
    r = _fixed_point(site, ground, h, t)
    v = np.cross(OMEGA_EARTH_VEC, r)
    plan = envelope_intercepts(site, t_launch, t, r, GMST0 + WGS84_OMEGA_RAD_S * t_launch, v)
    assert plan.feasible[0]
    s = _slant_m(site, ground, h)
    t_ref = t_launch + float(reach_time_s(spec, s))
    assert t_ref <= plan.t_intercept_s[0] < t_ref + 0.1 + 1e-9
    c = spec.carrier_radius_m and max(0.0, s - (spec.max_ground_range_m - spec.carrier_radius_m))
    v_arrive = float(flyout_speed_mps(spec, flyout_time_s(spec, s - c)))
    assert plan.closing_speed_mps[0] == pytest.approx(v_arrive, rel=1e-6)
    # interceptor velocity points from the site to the PIP
    gm = GMST0 + WGS84_OMEGA_RAD_S * plan.t_intercept_s[0]
    los = plan.r_pip_eci_m[0] - ecef_to_eci(site.r_ecef_m, gm)
    v_rel = plan.v_interceptor_pip_mps[0] - np.cross(OMEGA_EARTH_VEC, plan.r_pip_eci_m[0])
    assert np.dot(v_rel, los) / (np.linalg.norm(v_rel) * np.linalg.norm(los)) == pytest.approx(1.0)
    # one candidate step too early is infeasible
    t_short = t[t < t_ref - 0.2]
    late = envelope_intercepts(
        site, t_launch, t_short, r[:, : t_short.size], GMST0 + WGS84_OMEGA_RAD_S * t_launch
    )
    assert not late.feasible[0]


def _scalar_reference(
    site: InterceptorSite, t_launch: float, gmst_launch: float, t: np.ndarray, r_eci: np.ndarray
) -> tuple[bool, float]:
    """Slow reference: loop over candidates with the fly-out written out in scalar math."""
    spec = site.spec
    v_b, t_b, big_l = spec.burnout_speed_mps, spec.burn_time_s, spec.coast_decay_length_m
    for j, tj in enumerate(t.tolist()):
        th = gmst_launch + WGS84_OMEGA_RAD_S * (tj - t_launch)
        c, s_ = math.cos(th), math.sin(th)
        x, y, z = r_eci[j]
        r_ecef = np.array([c * x + s_ * y, -s_ * x + c * y, z])
        lat, lon, h = (float(q) for q in ecef_to_geodetic(r_ecef))
        ground = float(great_circle_distance_m(site.lat_rad, site.lon_rad, lat, lon))
        dist = float(np.linalg.norm(r_ecef - site.r_ecef_m))
        d_b = 0.5 * v_b * t_b
        if dist <= d_b:
            tr = math.sqrt(2.0 * dist * t_b / v_b)
        else:
            tr = t_b + big_l * (math.exp((dist - d_b) / big_l) - 1.0) / v_b
        if (
            spec.min_intercept_altitude_m <= h <= spec.max_intercept_altitude_m
            and ground <= spec.max_ground_range_m
            and dist >= spec.min_slant_range_m
            and t_launch + tr <= tj
        ):
            return True, tj
    return False, math.nan


def test_descending_rv_matches_scalar_loop() -> None:
    # RVs falling steeply (3 km/s, 60° below horizontal, Earth-fixed frame) toward points at
    # several ground ranges from a THAAD site: vectorised plan == scalar loop, candidate for
    # candidate, and the chosen time is the first at which both the window and the fly-out fit.
    site = _site("generic-thaad")
    t = np.arange(0.0, 150.0, 0.25)
    tracks = []
    for ground_km in (20.0, 80.0, 150.0, 320.0):
        lat, lon = destination_point(site.lat_rad, site.lon_rad, 0.7, ground_km * 1e3)
        aim = geodetic_to_ecef(float(lat), float(lon), 0.0)
        up = aim / np.linalg.norm(aim)
        east = np.cross([0.0, 0.0, 1.0], up)
        east /= np.linalg.norm(east)
        v_ecef = 3000.0 * (math.cos(math.radians(60.0)) * east - math.sin(math.radians(60.0)) * up)
        r_ecef = aim - v_ecef[None, :] * (150.0 - t)[:, None]  # reaches the ground at t = 150 s
        tracks.append(ecef_to_eci(r_ecef, GMST0 + WGS84_OMEGA_RAD_S * t))
    r = np.stack(tracks)
    plan = envelope_intercepts(site, 5.0, t, r, GMST0 + WGS84_OMEGA_RAD_S * 5.0)
    for i in range(r.shape[0]):
        ok, t_ref = _scalar_reference(site, 5.0, GMST0 + WGS84_OMEGA_RAD_S * 5.0, t, r[i])
        assert plan.feasible[i] == ok, i
        if ok:
            assert plan.t_intercept_s[i] == t_ref
            assert 40e3 <= plan.intercept_alt_m[i] <= 150e3
    assert plan.feasible[:3].all() and not plan.feasible[3]
    # closing speed of a head-on geometry exceeds the threat speed
    assert (plan.closing_speed_mps[plan.feasible] > 3000.0).all()


# --- dispatch and class Pk ----------------------------------------------------------------


def test_plan_for_site_dispatch() -> None:
    t = np.arange(0.0, 600.0, 2.0)
    gbi = make_site("generic-gbi", "g", LAT0_DEG, LON0_DEG, 1)
    r = np.concatenate([_fixed_point(gbi, 500e3, 300e3, t), _fixed_point(gbi, 800e3, 400e3, t)])
    ref = plan_intercepts(gbi, 0.0, t, r, GMST0)
    got = plan_for_site(gbi, 0.0, t, r, GMST0)
    assert ref.feasible.all()
    np.testing.assert_array_equal(got.t_intercept_s, ref.t_intercept_s)
    # Lambert classes honour the class list: the glide vehicle row is dropped, the RV row kept
    got = plan_for_site(gbi, 0.0, t, r, GMST0, object_kind=[OBJECT_GLIDE, OBJECT_RV])
    assert got.feasible.tolist() == [False, True]
    assert got.t_intercept_s[1] == ref.t_intercept_s[1]
    np.testing.assert_array_equal(got.feasible_nk[1], ref.feasible_nk[1])
    assert not got.feasible_nk[0].any() and np.isnan(got.closing_speed_mps[0])
    none = plan_for_site(gbi, 0.0, t, r, GMST0, object_kind=[OBJECT_CRUISE, OBJECT_CRUISE])
    assert not none.feasible.any() and none.feasible_nk.shape == (2, t.size)
    thaad = _site("generic-thaad")
    r2 = _fixed_point(thaad, 100e3, 80e3, t)
    env = envelope_intercepts(thaad, 0.0, t, r2, GMST0)
    got2 = plan_for_site(thaad, 0.0, t, r2, GMST0)
    assert got2.feasible[0] and got2.t_intercept_s[0] == env.t_intercept_s[0]


def test_class_pk_and_shot_pk() -> None:
    specs = load_interceptor_specs()
    kinds = np.array([OBJECT_RV, OBJECT_GLIDE, OBJECT_CRUISE, OBJECT_HEAVY_DECOY])
    sm6 = specs["generic-sm6"]
    np.testing.assert_allclose(class_pk(sm6, kinds), [0.7, 0.4, 0.85, 0.0])
    assert engageable(sm6, kinds).tolist() == [True, True, True, False]
    gbi = specs["generic-gbi"]  # defaults: RV only, at pk_single_shot
    np.testing.assert_allclose(class_pk(gbi, kinds), [gbi.pk_single_shot, 0, 0, 0])
    # shot_pk: unchanged without a class; class Pk × the same handover factor with one
    base = shot_pk(sm6, 2000.0, 5.0)
    with_kind = shot_pk(sm6, 2000.0, 5.0, object_kind=kinds)
    np.testing.assert_allclose(with_kind, class_pk(sm6, kinds) * base / sm6.pk_single_shot)


# --- catalog ------------------------------------------------------------------------------


def test_terminal_catalog_loads() -> None:
    specs = load_interceptor_specs()
    assert set(TERMINAL) <= set(specs)
    kinds = set(OBJECT_NAMES.values())
    for name in TERMINAL:
        spec = specs[name]
        assert spec.flyout == "envelope"
        assert spec.layer in {"underlayer", "terminal", "glide", "cruise-defense"}
        assert spec.unit_cost_musd is not None and spec.unit_cost_musd > 0
        assert set(spec.engages) <= kinds and set(spec.pk_by_class) <= set(spec.engages)
        assert "source" in catalog.load("interceptors")[name] and spec.source
    # public class figures (sources in the YAML): THAAD ~Mach 8.2 (2.8 km/s), 200 km range,
    # 150 km ceiling (CSIS Missile Defense Project; DoD contract releases), exact as entered
    thaad = specs["generic-thaad"]
    assert thaad.burnout_speed_mps == pytest.approx(2800.0, rel=0.05)
    assert thaad.max_ground_range_m == pytest.approx(200e3)
    assert thaad.max_intercept_altitude_m == pytest.approx(150e3)
    assert specs["generic-gpi"].engages[0] == "glide-vehicle"
    assert specs["generic-fighter-aam"].carrier_radius_m > 0
    assert specs["generic-nasams"].engages == ("cruise-missile",)
    # the midcourse entries keep their defaults
    for name, cost in (("generic-gbi", 111.0), ("generic-sm3-iia", 27.9)):
        s = specs[name]
        assert (s.flyout, s.engages, s.pk_by_class, s.unit_cost_musd) == (
            "lambert",
            ("rv",),
            {},
            cost,  # NGI procurement (CAPE 2021 via ACT); SM-3 IIA (Defense One 2024)
        )
        assert math.isinf(s.coast_decay_length_m) and s.carrier_radius_m == 0.0


def _entry(name: str) -> dict[str, object]:
    return dict(catalog.load("interceptors")[name])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"engages": ["rv", "ufo"]}, "engages"),
        ({"pk_by_class": {"glide-vehicle": 0.5}}, "pk_by_class"),
        ({"pk_by_class": {"rv": 1.5}}, "pk_by_class"),
        ({"carrier_speed_mps": 250.0}, "carrier"),
        ({"layer": "boost"}, "layer"),
        ({"coast_decay_length_km": -1.0}, "coast_decay_length_km"),
    ],
)
def test_bad_terminal_entries_rejected(change: dict[str, object], match: str) -> None:
    bad = _entry("generic-thaad") | change
    with pytest.raises(ValueError, match=rf"(?s)entry 'x'.*{match}"):
        parse_interceptor_entries({"x": bad})


def test_envelope_fields_need_envelope_flyout() -> None:
    bad = _entry("generic-gbi") | {"coast_decay_length_km": 100.0}
    with pytest.raises(ValueError, match="flyout: envelope"):
        parse_interceptor_entries({"x": bad})


def test_spec_pk_for() -> None:
    spec: InterceptorSpec = load_interceptor_specs()["generic-pac3-mse"]
    assert spec.pk_for("cruise-missile") == 0.85
    assert spec.pk_for("glide-vehicle") == 0.0


def test_per_threat_candidate_grids() -> None:
    """A grid per threat (NaN-padded) plans each threat as its own grid would, for
    Lambert and envelope fly-outs, and the window reads each row's times."""
    from shieldlab.weapons.intercept import intercept_window

    t = np.arange(0.0, 600.0, 2.0)
    gbi = make_site("generic-gbi", "g", LAT0_DEG, LON0_DEG, 1)
    thaad = _site("generic-thaad")
    cases = (
        (gbi, [(500e3, 300e3), (800e3, 400e3)]),
        (thaad, [(100e3, 80e3), (60e3, 50e3)]),
    )
    for site, points in cases:
        rows = [_fixed_point(site, g, h, t)[0] for g, h in points]
        cut = [t.size, 200]  # the second threat's grid ends early: NaN after
        grid = np.tile(t, (2, 1))
        grid[1, cut[1] :] = np.nan
        r = np.stack(rows)
        v = np.zeros_like(r)
        plan = plan_for_site(site, 0.0, grid, r, GMST0, v)
        for i in range(2):
            own = plan_for_site(
                site, 0.0, t[: cut[i]], r[i : i + 1, : cut[i]], GMST0, v[i : i + 1, : cut[i]]
            )
            assert plan.feasible[i] == own.feasible[0]
            assert plan.t_intercept_s[i] == own.t_intercept_s[0]
            np.testing.assert_array_equal(plan.feasible_nk[i, : cut[i]], own.feasible_nk[0])
            assert not plan.feasible_nk[i, cut[i] :].any()
            lo, hi = intercept_window(plan, grid)
            lo1, hi1 = intercept_window(own, t[: cut[i]])
            np.testing.assert_array_equal([lo[i], hi[i]], [lo1[0], hi1[0]])
    with pytest.raises(ValueError, match="t_candidates_s"):
        plan_for_site(gbi, 0.0, np.tile(t, (3, 1)), r, GMST0, v)
    with pytest.raises(ValueError, match="v_threat_eci_mps"):
        plan_intercepts(gbi, 0.0, np.tile(t, (2, 1)), r, GMST0)
