"""Tests of the midcourse fly-out / feasibility model and the single-shot Pk (weapons.intercept)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from shieldlab.core.constants import DEG, GM_EARTH_M3_S2, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import destination_point, ecef_to_eci, geodetic_to_ecef
from shieldlab.core.gravity import accel_point_mass
from shieldlab.core.integrate import rk4
from shieldlab.core.lambert import lambert
from shieldlab.weapons import (
    InterceptorSite,
    arc_min_radius_m,
    earliest_launch_s,
    make_site,
    plan_intercepts,
    shot_pk,
)

GMST0 = 0.3


def _site(entry: str, lat_deg: float, lon_deg: float, **spec_changes: float) -> InterceptorSite:
    site = make_site(entry, "test", lat_deg, lon_deg, inventory=10)
    return dataclasses.replace(site, spec=dataclasses.replace(site.spec, **spec_changes))


def _fixed_point_track(lat_rad: float, lon_rad: float, h_m: float, t_s: np.ndarray) -> np.ndarray:
    """ECI positions (1, k, 3) of an Earth-fixed point at the candidate times."""
    r = geodetic_to_ecef(lat_rad, lon_rad, h_m)
    return ecef_to_eci(r, GMST0 + WGS84_OMEGA_RAD_S * t_s)[None]


def _vertical_time_s(r0_m: float, r_m: float, v_mps: float, t_b: float) -> float:
    """Closed form: radial (rectilinear) Kepler flight from r0 at speed v up to r, plus t_b/2."""
    energy = 0.5 * v_mps**2 - GM_EARTH_M3_S2 / r0_m
    a = -GM_EARTH_M3_S2 / (2 * energy)

    def m(r: float) -> float:
        eta = math.acos(1 - r / a)  # r = a(1 − cos η), t = √(a³/μ)(η − sin η)
        return eta - math.sin(eta)

    return 0.5 * t_b + math.sqrt(a**3 / GM_EARTH_M3_S2) * (m(r_m) - m(r0_m))


@pytest.mark.parametrize("lat_deg", [0.0, 40.0, 75.0])
def test_vertical_shot_time(lat_deg: float) -> None:
    # PIP straight above the site at 300 km: the earliest feasible time equals the closed-form
    # vertical flight time (t_b/2 + radial Kepler coast from burnout speed) within 0.5 s; the
    # residual is Earth rotation (Coriolis/centrifugal) and the 0.1 s candidate grid.
    site = _site("generic-sm3-iia", lat_deg, -100.0, burn_time_s=40.0)
    t = np.arange(0.0, 400.0, 0.1)
    r_thr = _fixed_point_track(site.lat_rad, site.lon_rad, 300e3, t)
    plan = plan_intercepts(site, 0.0, t, r_thr, GMST0)
    assert plan.feasible[0]
    r0 = float(np.linalg.norm(site.r_ecef_m))
    r1 = float(np.linalg.norm(geodetic_to_ecef(site.lat_rad, site.lon_rad, 300e3)))
    t_ref = _vertical_time_s(r0, r1, site.spec.burnout_speed_mps, site.spec.burn_time_s)
    assert abs(plan.t_intercept_s[0] - t_ref) < 0.5
    assert plan.intercept_alt_m[0] == pytest.approx(300e3, abs=1.0)
    # at the minimum time the whole burnout speed is used
    v_rel = plan.v_interceptor_bo_mps[0] - np.cross(
        [0, 0, WGS84_OMEGA_RAD_S], ecef_to_eci(site.r_ecef_m, GMST0 + WGS84_OMEGA_RAD_S * 20.0)
    )
    assert np.linalg.norm(v_rel) == pytest.approx(site.spec.burnout_speed_mps, rel=0.01)


def test_infeasible_when_time_too_short_or_during_burn() -> None:
    site = _site("generic-sm3-iia", 40.0, -100.0, burn_time_s=40.0)
    t = np.arange(0.0, 85.0, 0.5)  # all earlier than the ~92 s vertical time to 300 km
    r_thr = _fixed_point_track(site.lat_rad, site.lon_rad, 300e3, t)
    assert not plan_intercepts(site, 0.0, t, r_thr, GMST0).feasible[0]
    # a fast booster could reach 150 km before burnout, but intercepts during the burn are refused
    fast = _site("generic-gbi", 40.0, -100.0)
    t2 = np.arange(0.0, fast.spec.burn_time_s, 1.0)
    r_thr2 = _fixed_point_track(fast.lat_rad, fast.lon_rad, 150e3, t2)
    assert not plan_intercepts(fast, 0.0, t2, r_thr2, GMST0).feasible[0]


def test_altitude_window() -> None:
    site = _site("generic-sm3-iia", 40.0, -100.0, burn_time_s=40.0)
    t = np.arange(0.0, 600.0, 1.0)
    for h, expected in [(50e3, False), (150e3, True), (900e3, True), (1100e3, False)]:
        r_thr = _fixed_point_track(site.lat_rad, site.lon_rad, h, t)
        assert plan_intercepts(site, 0.0, t, r_thr, GMST0).feasible[0] == expected, h


def test_max_ground_range() -> None:
    # kinematically easy (8 km/s, long time) so only the 2,500 km range limit decides
    site = _site("generic-sm3-iia", 40.0, -100.0, burn_time_s=40.0, burnout_speed_mps=8000.0)
    t = np.arange(0.0, 1500.0, 5.0)
    for dist_km, expected in [(2300.0, True), (2700.0, False)]:
        lat, lon = destination_point(site.lat_rad, site.lon_rad, 1.0, dist_km * 1e3)
        r_thr = _fixed_point_track(float(lat), float(lon), 500e3, t)
        assert plan_intercepts(site, 0.0, t, r_thr, GMST0).feasible[0] == expected, dist_km


def _icbm_tracks(t_s: np.ndarray) -> np.ndarray:
    """Ballistic (two-body) tracks (n, k, 3), ECI, from East Asia to North America."""
    launch = np.array([[40.0, 127.0], [39.0, 125.5], [41.0, 129.0], [40.5, 126.0]]) * DEG
    target = np.array([[37.4, -122.1], [47.6, -122.3], [40.0, -105.0], [34.0, -118.2]]) * DEG
    tof = np.array([1900.0, 1750.0, 2000.0, 2050.0])
    r1 = ecef_to_eci(geodetic_to_ecef(launch[:, 0], launch[:, 1]), GMST0)
    r2 = ecef_to_eci(geodetic_to_ecef(target[:, 0], target[:, 1]), GMST0 + WGS84_OMEGA_RAD_S * tof)
    v1, _v2, ok = lambert(r1, r2, tof, short_way=True)
    assert ok.all()

    def f(_t: float, y: np.ndarray) -> np.ndarray:
        return np.concatenate([y[:, 3:], accel_point_mass(y[:, :3])], axis=1)

    states = rk4(f, np.concatenate([r1, v1], axis=1), t_s)  # (k, n, 6)
    return np.transpose(states[:, :, :3], (1, 0, 2)), np.transpose(states[:, :, 3:], (1, 0, 2))


def test_earliest_feasible_equals_brute_force_and_scalar_loop() -> None:
    site = make_site("generic-gbi", "greely", 63.95, -145.7, inventory=20)
    t = np.arange(0.0, 1700.0, 10.0)
    r_thr, v_thr = _icbm_tracks(t)
    t_launch = 500.0
    plan = plan_intercepts(site, t_launch, t, r_thr, GMST0, v_threat_eci_mps=v_thr)
    assert plan.feasible.any()
    n, k = r_thr.shape[:2]
    for i in range(n):
        # brute force: every candidate alone (k = 1)
        alone = np.array(
            [
                plan_intercepts(
                    site, t_launch, t[j : j + 1], r_thr[i : i + 1, j : j + 1], GMST0
                ).feasible[0]
                for j in range(k)
            ]
        )
        np.testing.assert_array_equal(alone, plan.feasible_nk[i])
        if alone.any():
            assert plan.t_intercept_s[i] == t[np.argmax(alone)]
            assert np.all(plan.feasible_nk[i, : plan.k_index[i]] == 0)
        else:
            assert np.isnan(plan.t_intercept_s[i]) and plan.k_index[i] == -1
        # scalar loop over threats gives the same plan
        one = plan_intercepts(site, t_launch, t, r_thr[i : i + 1], GMST0, v_thr[i : i + 1])
        np.testing.assert_array_equal(one.t_intercept_s, plan.t_intercept_s[i : i + 1])
        np.testing.assert_allclose(one.v_interceptor_bo_mps[0], plan.v_interceptor_bo_mps[i])
        np.testing.assert_allclose(one.closing_speed_mps[0], plan.closing_speed_mps[i])
    ok = plan.feasible
    # ICBM-class closing speeds at midcourse: threat ~6-7 km/s, GBI ~5-7 km/s at the PIP
    assert np.all((plan.closing_speed_mps[ok] > 5e3) & (plan.closing_speed_mps[ok] < 16e3))
    assert np.all(plan.intercept_alt_m[ok] >= site.spec.min_intercept_altitude_m)


def test_finite_difference_velocity_close_to_truth() -> None:
    site = make_site("generic-gbi", "greely", 63.95, -145.7, inventory=20)
    t = np.arange(0.0, 1700.0, 10.0)
    r_thr, v_thr = _icbm_tracks(t)
    a = plan_intercepts(site, 500.0, t, r_thr, GMST0, v_threat_eci_mps=v_thr)
    b = plan_intercepts(site, 500.0, t, r_thr, GMST0)
    np.testing.assert_allclose(b.closing_speed_mps, a.closing_speed_mps, rtol=1e-3)


def test_nan_threat_rows_are_infeasible() -> None:
    site = make_site("generic-gbi", "greely", 63.95, -145.7, inventory=20)
    t = np.arange(0.0, 1700.0, 10.0)
    r_thr, _ = _icbm_tracks(t)
    r_thr[1] = np.nan
    plan = plan_intercepts(site, 500.0, t, r_thr, GMST0)
    assert not plan.feasible[1]
    assert np.isnan(plan.r_pip_eci_m[1]).all()


def test_arc_min_radius() -> None:
    mu = GM_EARTH_M3_S2
    r = 7000e3
    v = math.sqrt(mu / r)
    # circular arc: the radius itself
    out = arc_min_radius_m([[r, 0, 0]], [[0, v, 0]], [[0, r, 0]])
    assert out[0] == pytest.approx(r, rel=1e-9)
    # ellipse from apoapsis through periapsis to the far side: min radius = periapsis
    ra, rp = 9000e3, 6600e3
    a = 0.5 * (ra + rp)
    va = math.sqrt(mu * (2 / ra - 1 / a))
    out = arc_min_radius_m([[-ra, 0, 0]], [[0, -va, 0]], [[0, 8000e3, 0]])
    assert out[0] == pytest.approx(rp, rel=1e-9)
    # same ellipse, arc from apoapsis to 90° before periapsis: not through periapsis
    out = arc_min_radius_m([[-ra, 0, 0]], [[0, -va, 0]], [[0, -7000e3, 0]])
    assert out[0] == pytest.approx(7000e3, rel=1e-9)


def test_shot_pk_limits_and_value() -> None:
    spec = make_site("generic-gbi", "s", 0.0, 0.0, 1).spec
    # σ → 0: the spec Pk
    assert shot_pk(spec, 10e3, 0.0) == pytest.approx(spec.pk_single_shot)
    assert shot_pk(spec, 10e3, 1e-6) == pytest.approx(spec.pk_single_shot)
    # reach d = Δv·(R/v)/2; σ = d/√(2 ln 2) gives exactly half the spec Pk
    d = spec.kill_vehicle_divert_mps * (spec.seeker_acquisition_range_m / 10e3) / 2
    sigma = d / math.sqrt(2 * math.log(2))
    assert shot_pk(spec, 10e3, sigma) == pytest.approx(0.5 * spec.pk_single_shot, rel=1e-12)
    # no divert and a nonzero error: no kill
    nodiv = dataclasses.replace(spec, kill_vehicle_divert_mps=0.0)
    assert shot_pk(nodiv, 10e3, 100.0) == 0.0
    # monotone: worse with larger σ and with higher closing speed; vectorised
    sig = np.array([5e3, 1e4, 2e4, 5e4])
    p = shot_pk(spec, 10e3, sig)
    assert np.all(np.diff(p) < 0) and p.shape == (4,)
    pv = shot_pk(spec, np.array([5e3, 10e3, 15e3]), 2e4)
    assert np.all(np.diff(pv) < 0)
    assert np.isnan(shot_pk(spec, np.nan, 10.0))


def test_earliest_launch() -> None:
    spec = make_site("generic-gbi", "s", 0.0, 0.0, 1).spec
    np.testing.assert_allclose(earliest_launch_s(spec, [0.0, 100.0]), [60.0, 160.0])


def test_achieved_miss_consistent_with_the_handover_factor() -> None:
    """|e| is Rayleigh(σ) (mean σ√(π/2)); P(achieved miss = 0) = 1 − exp(−d²/2σ²), the
    handover factor of shot_pk (4 binomial σ over 200,000 draws)."""
    import math

    from shieldlab.weapons.intercept import achieved_miss_m

    rng = np.random.default_rng(11)
    n, sigma, reach = 200_000, 100.0, 150.0
    planned, achieved = achieved_miss_m(np.full(n, reach), np.full(n, sigma), rng)
    p = 1.0 - math.exp(-0.5 * (reach / sigma) ** 2)
    assert abs(np.mean(achieved == 0.0) - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert abs(planned.mean() - sigma * math.sqrt(math.pi / 2)) < 0.01 * sigma
    np.testing.assert_allclose(achieved, np.maximum(planned - reach, 0.0))


def test_intercept_window_from_the_feasibility_mask() -> None:
    """First and last feasible candidate time per threat; NaN without any."""
    from shieldlab.weapons.intercept import InterceptPlan, intercept_window

    mask = np.array([[False, True, True, False], [False, False, False, False], [True] * 4])
    n = mask.shape[0]
    nan = np.full(n, np.nan)
    plan = InterceptPlan(
        feasible=mask.any(axis=1),
        k_index=np.array([1, -1, 0]),
        t_intercept_s=nan,
        r_pip_eci_m=np.full((n, 3), np.nan),
        v_interceptor_bo_mps=np.full((n, 3), np.nan),
        v_interceptor_pip_mps=np.full((n, 3), np.nan),
        closing_speed_mps=nan,
        intercept_alt_m=nan,
        feasible_nk=mask,
    )
    start, end = intercept_window(plan, [100.0, 120.0, 140.0, 160.0])
    np.testing.assert_array_equal(start[[0, 2]], [120.0, 100.0])
    np.testing.assert_array_equal(end[[0, 2]], [140.0, 160.0])
    assert np.isnan(start[1]) and np.isnan(end[1])
