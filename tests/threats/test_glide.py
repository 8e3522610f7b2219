"""Hypersonic boost-glide vehicle: closed-form glide range, equilibrium glide, guidance, heating.

Sources and tolerances are named at each check.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest

from shieldlab import catalog
from shieldlab.core.constants import GM_EARTH_M3_S2, R_EARTH_MEAN_M
from shieldlab.core.frames import destination_point, eci_to_ecef, geodetic_to_ecef
from shieldlab.core.time import gmst_at
from shieldlab.threats.ballistic import density_fast_kg_m3
from shieldlab.threats.glide import (
    GlidePlan,
    fly_hgv,
    glide_and_dive,
    hgv_spec_from_mapping,
    load_hgv_specs,
)
from shieldlab.threats.hypersonic import (
    GlideFlags,
    NodeLog,
    body_temperature_k,
    rcs_by_aspect_m2,
)
from shieldlab.threats.truth import (
    OBJECT_GLIDE,
    PHASE_BOOST,
    PHASE_GLIDE,
    PHASE_IMPACTED,
    PHASE_PRELAUNCH,
    PHASE_TERMINAL,
    Trajectories,
)

EPOCH = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
NAME = "generic-hgv"
FLAT = GlideFlags(j2=False, rotation=False, spherical=True)


def _equilibrium_height_m(v: float, lod: float, beta: float) -> float:
    """Height where (L/D) ρ v²/(2β) = g − v²/r on the non-rotating sphere (bisection)."""
    lo, hi = 10e3, 120e3
    for _ in range(60):
        h = 0.5 * (lo + hi)
        r = R_EARTH_MEAN_M + h
        lift = lod * 0.5 * float(density_fast_kg_m3(np.array(h))) * v * v / beta
        need = GM_EARTH_M3_S2 / r**2 - v * v / r
        lo, hi = (h, hi) if lift > need else (lo, h)
    return 0.5 * (lo + hi)


@cache
def _free_glide(
    v0: float = 5000.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    """Glide east along the equator from equilibrium at v0; returns τ, range, speed, h0, height."""
    spec = load_hgv_specs()[NAME]
    h0 = _equilibrium_height_m(v0, spec.lift_to_drag, spec.beta_kg_m2)
    r0 = np.array([[R_EARTH_MEAN_M + h0, 0.0, 0.0]])
    y0 = np.concatenate([r0, [[0.0, v0, 0.0]]], axis=1)
    aim = np.array([[0.0, R_EARTH_MEAN_M, 0.0]]) @ np.array(
        [[np.cos(0.9), np.sin(0.9), 0], [-np.sin(0.9), np.cos(0.9), 0], [0, 0, 1]]
    )  # 141° ahead: the glide ends (energy) long before
    plan = GlidePlan(dive_range_m=10e3, min_glide_speed_mps=1000.0)
    log = NodeLog([], [], [], [], [], [])
    fl, *_ = glide_and_dive(spec, y0, 0.0, aim, np.array([2e7]), plan, FLAT, log)
    r = fl.y[:, 0, :3]
    ang = np.arctan2(r[:, 1], r[:, 0])
    speed = np.linalg.norm(fl.y[:, 0, 3:], axis=1)
    height = np.linalg.norm(r, axis=1) - R_EARTH_MEAN_M
    return fl.tau_s, R_EARTH_MEAN_M * np.unwrap(ang), speed, h0, height


def test_glide_range_matches_closed_form() -> None:
    # Equilibrium-glide range R = (Re/2)(L/D) ln[(1 − v1²/(g r))/(1 − v0²/(g r))]
    # (Acton 2015, Sci. Glob. Secur. 23, eq. for equilibrium glide; Tracy & Wright
    # 2020; with v1 = 0 it is the brief's R = (Re/2)(L/D) ln(1/(1 − v0²/(g Re)))).
    # Tolerance 3 %: the numerical glide has a small phugoid, L/D a little below
    # max while damping it, and r varies by ~0.5 % along the glide.
    spec = load_hgv_specs()[NAME]
    _tau, rng, speed, h0, _ = _free_glide()
    v0, v1 = 5000.0, 2000.0
    k = int(np.argmax(speed < v1))
    rng_num = np.interp(v1, speed[k : k - 2 : -1], rng[k : k - 2 : -1])
    r = R_EARTH_MEAN_M + h0
    g = GM_EARTH_M3_S2 / r**2
    closed = (
        0.5 * R_EARTH_MEAN_M * spec.lift_to_drag
        * np.log((1 - v1**2 / (g * r)) / (1 - v0**2 / (g * r)))
    )  # fmt: skip
    assert rng_num == pytest.approx(closed, rel=0.03), (rng_num / 1e3, closed / 1e3)


def test_equilibrium_glide_holds_height_and_small_gamma() -> None:
    # After release at equilibrium the path stays on the equilibrium glide:
    # |γ| < 0.5° and height within 2 km of the equilibrium height for the
    # current speed (Vinh et al. 1980, ch. 6 equilibrium glide; model check).
    spec = load_hgv_specs()[NAME]
    _tau, rng, speed, _, height = _free_glide()
    worst_gamma, worst_dh = 0.0, 0.0
    for i in range(20, int(np.argmax(speed < 2500.0)), 20):
        h_eq = _equilibrium_height_m(float(speed[i]), spec.lift_to_drag, spec.beta_kg_m2)
        gamma = np.degrees(np.arctan2(height[i + 1] - height[i - 1], rng[i + 1] - rng[i - 1]))
        worst_gamma = max(worst_gamma, abs(gamma))
        worst_dh = max(worst_dh, abs(height[i] - h_eq))
    assert worst_gamma < 0.5, worst_gamma
    assert worst_dh < 2000.0, worst_dh


def _targets(ranges_km: list[float], az_deg: list[float]) -> tuple[np.ndarray, ...]:
    n = len(ranges_km)
    lat, lon = np.full(n, np.radians(40.0)), np.full(n, np.radians(100.0))
    alat, alon = destination_point(lat, lon, np.radians(az_deg), np.array(ranges_km) * 1e3)
    return lat, lon, alat, alon


@cache
def _salvo() -> Trajectories:
    lat, lon, alat, alon = _targets([1000, 1600, 2300, 3000], [0, 100, 210, 300])
    return fly_hgv(NAME, {}, lat, lon, alat, alon, np.array([0.0, 10, 20, 30]), EPOCH, 1.0)


def test_heading_control_hits_several_ranges_and_azimuths() -> None:
    # Requirement of the brief: miss < 5 km (PN terminal dive).
    tr = _salvo()
    assert np.all(tr.miss_m < 5000.0), tr.miss_m
    assert np.all(tr.object_kind == OBJECT_GLIDE)
    order = {PHASE_PRELAUNCH: 0, PHASE_BOOST: 1, PHASE_GLIDE: 2, PHASE_TERMINAL: 3}
    order[PHASE_IMPACTED] = 4
    for i in range(tr.n):
        seq = np.vectorize(order.get)(tr.phase[i])
        assert np.all(np.diff(seq) >= 0)
        assert set(np.unique(tr.phase[i])) >= {PHASE_BOOST, PHASE_GLIDE, PHASE_TERMINAL}
    # released at a depressed burnout: 40-80 km, 4-5 km/s (catalog design point)
    assert np.all((tr.burnout_alt_m > 40e3) & (tr.burnout_alt_m < 80e3))
    assert np.all((tr.burnout_speed_mps > 4000) & (tr.burnout_speed_mps < 5000))
    assert np.all(tr.apogee_alt_m < 100e3)  # a glide, not a ballistic arc


def _cross_track_m(tr: Trajectories, i: int) -> np.ndarray:
    r = eci_to_ecef(tr.r_eci_m[i], gmst_at(EPOCH, tr.t_s))
    a = geodetic_to_ecef(tr.launch_lat_rad[i], tr.launch_lon_rad[i])
    b = geodetic_to_ecef(tr.aim_lat_rad[i], tr.aim_lon_rad[i])
    n = np.cross(a, b)
    n /= np.linalg.norm(n)
    return R_EARTH_MEAN_M * np.arcsin(r @ n / np.linalg.norm(r, axis=1))


def test_cross_range_manoeuvre_deviates_and_still_hits() -> None:
    # Scripted bank 40° right over 25-45 % of the range: the track leaves the
    # great circle by > 100 km, heading control brings it back, miss < 5 km.
    lat, lon, alat, alon = _targets([2500, 2500], [60, 60])
    straight = fly_hgv(NAME, {}, lat[:1], lon[:1], alat[:1], alon[:1], np.zeros(1), EPOCH, 1.0)
    opts = {"manoeuvres": [[0.25, 0.45, 40.0]]}
    tr = fly_hgv(NAME, opts, lat[:1], lon[:1], alat[:1], alon[:1], np.zeros(1), EPOCH, 1.0)
    dev = np.abs(_cross_track_m(tr, 0)).max()
    assert dev > 100e3, dev
    assert np.abs(_cross_track_m(straight, 0)).max() < 40e3  # Earth-rotation drift in boost
    assert tr.miss_m[0] < 5000.0
    assert tr.flight_time_s[0] > straight.flight_time_s[0]
    weave = fly_hgv(
        NAME, {"weave_bank_deg": 30.0, "weave_period_s": 120.0},
        lat[:1], lon[:1], alat[:1], alon[:1], np.zeros(1), EPOCH, 1.0,
    )  # fmt: skip
    assert weave.miss_m[0] < 5000.0


def test_sutton_graves_temperature_mach10_40km() -> None:
    # Sutton & Graves (NASA TR R-376, 1971) k = 1.7415e-4; radiative equilibrium.
    # Mach 10 at 40 km (a = 317.2 m/s, US-76), R_n 0.1 m, ε 0.85: expect
    # 1,500-2,500 K, the range published for HGV skins (HTV-2 ~2,200 K at
    # Mach 20, DARPA 2012; Acton 2015 discusses ~2,000 K class surfaces).
    t = body_temperature_k(np.array([40e3]), np.array([3172.0]), 0.1, 0.85)
    assert 1500.0 < float(t[0]) < 2500.0
    tr = _salvo()
    glide = tr.phase == PHASE_GLIDE
    hot = tr.body_temp_k[glide]
    assert np.median(hot) > 1200.0 and hot.max() < 3500.0
    assert np.all(tr.body_temp_k[tr.phase == PHASE_PRELAUNCH] == 0.0)


def test_rcs_by_aspect() -> None:
    spec = load_hgv_specs()[NAME]
    out = rcs_by_aspect_m2(spec.rcs_nose_m2, spec.rcs_broadside_m2, np.radians([0, 90, 170]))
    assert out == pytest.approx([0.1, 1.0, 0.1])
    assert np.all(_salvo().rcs_m2[_salvo().phase == PHASE_GLIDE] == pytest.approx(0.1))


def test_batch_equals_single_runs() -> None:
    tr = _salvo()
    lat, lon, alat, alon = _targets([1000, 1600, 2300, 3000], [0, 100, 210, 300])
    for i in (1, 3):
        one = fly_hgv(NAME, {}, lat[i : i + 1], lon[i : i + 1], alat[i : i + 1],
                      alon[i : i + 1], np.array([10.0 * i]), EPOCH, 1.0)  # fmt: skip
        nt = one.t_s.size
        np.testing.assert_allclose(one.r_eci_m[0], tr.r_eci_m[i, :nt], rtol=0, atol=1e-3)
        assert one.miss_m[0] == pytest.approx(tr.miss_m[i], abs=1e-3)
        assert one.t_impact_s[0] == pytest.approx(tr.t_impact_s[i], abs=1e-6)


def test_bad_input_one_line_errors() -> None:
    raw = dict(catalog.load("threats")[NAME])
    for bad in (0.0, -1.5):
        with pytest.raises(ValueError, match="lift_to_drag") as exc:
            hgv_spec_from_mapping("bad-hgv", {**raw, "lift_to_drag": bad})
        assert "\n" not in str(exc.value)
    lat, lon, alat, alon = _targets([5000], [90])
    with pytest.raises(ValueError, match=r"beyond the reach \d+ km of generic-hgv") as exc:
        fly_hgv(NAME, {}, lat, lon, alat, alon, np.zeros(1), EPOCH, 1.0)
    assert "\n" not in str(exc.value)
    lat, lon, alat, alon = _targets([400], [90])
    with pytest.raises(ValueError, match="minimum range"):
        fly_hgv(NAME, {}, lat, lon, alat, alon, np.zeros(1), EPOCH, 1.0)
    with pytest.raises(ValueError, match="unknown option"):
        fly_hgv(NAME, {"lift": 1}, lat, lon, alat, alon, np.zeros(1), EPOCH, 1.0)
    with pytest.raises(ValueError, match="manoeuvre"):
        fly_hgv(
            NAME, {"manoeuvres": [[0.5, 0.2, 10]]}, lat, lon, alat, alon, np.zeros(1), EPOCH, 1.0
        )
    with pytest.raises(ValueError, match="not a hgv threat"):
        fly_hgv("nope", {}, lat, lon, alat, alon, np.zeros(1), EPOCH, 1.0)


def test_catalog_entries_have_sources() -> None:
    specs = load_hgv_specs()
    assert NAME in specs
    for spec in specs.values():
        assert len(spec.source) > 50
        assert replace(spec).lift_to_drag > 0
