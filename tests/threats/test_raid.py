"""Raid generator: seeded launches from a threat assessment or explicit threat groups."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab.core.frames import great_circle_distance_m
from shieldlab.scenario import load_scenario, parse_scenario
from shieldlab.scenario.schema import COUNTERFORCE_CATEGORIES, RaidSection, RaidTiming, Scenario
from shieldlab.sim.world import build_world, expand_launches
from shieldlab.threats.postboost import load_mirv_specs, plan_mirv
from shieldlab.threats.raid import (
    Assets,
    allocate_salvos,
    expand_raid,
    expand_threat_groups,
    launch_rows,
    launch_times,
    points_in_polygon,
    sample_circle,
    sample_polygon,
)

ROOT = Path(__file__).resolve().parents[2]
NEAR_PEER = ROOT / "scenarios" / "near-peer-raid.yaml"
ROGUE = ROOT / "scenarios" / "rogue-salvo.yaml"
R_MEAN_M = 6371008.7714  # the sphere raid.py samples on (IUGG mean radius)
ONE_MM = 1e-3


def near_peer() -> Scenario:
    return load_scenario(NEAR_PEER).scenario


def raid_of(s: Scenario, **changes: Any) -> RaidSection:
    assert s.raid is not None
    data = s.raid.model_dump()
    data.update(changes)
    return RaidSection.model_validate(data)


def expand(s: Scenario, raid: RaidSection | None = None, seed: int = 1) -> Any:
    r = raid if raid is not None else s.raid
    assert r is not None
    return expand_raid(r, Assets.from_scenario(s.assets), np.random.default_rng(seed))


# --- reproducibility ----------------------------------------------------------


def test_same_seed_identical_different_seed_different() -> None:
    s = near_peer()
    a, b, c = expand(s, seed=7), expand(s, seed=7), expand(s, seed=8)
    for f in ("launch_lat_rad", "launch_lon_rad", "aim_lat_rad", "aim_lon_rad", "t_launch_s"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
        assert not np.array_equal(getattr(a, f), getattr(c, f)), f
    assert a.threat_type == b.threat_type and a.target == b.target
    # the allocation is deterministic: same targets whatever the seed
    np.testing.assert_array_equal(a.aim_asset, c.aim_asset)
    # the scenario path is seeded by the scenario seed only
    np.testing.assert_array_equal(
        expand_launches(s).launch_lat_rad, expand_launches(s).launch_lat_rad
    )


# --- launch areas -------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    lat=st.floats(-85.0, 85.0),
    lon=st.floats(-180.0, 180.0),
    radius_km=st.floats(0.5, 3000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_circle_points_inside(lat: float, lon: float, radius_km: float, seed: int) -> None:
    la, lo = sample_circle(
        np.random.default_rng(seed), np.radians(lat), np.radians(lon), radius_km * 1e3, 200
    )
    d = great_circle_distance_m(np.radians(lat), np.radians(lon), la, lo, R_MEAN_M)
    assert np.all(d <= radius_km * 1e3 + ONE_MM)
    assert np.all(np.abs(lo) <= np.pi)


def test_circle_uniform_by_area() -> None:
    # fraction of points within r/2 of the centre = cap-area ratio
    # (1 - cos(θ/2)) / (1 - cos θ) ≈ 0.25; 40,000 points: 5 σ ≈ 0.011
    r_m = 2000e3
    la, lo = sample_circle(np.random.default_rng(3), 0.7, 2.0, r_m, 40_000)
    d = great_circle_distance_m(0.7, 2.0, la, lo, R_MEAN_M)
    th = r_m / R_MEAN_M
    expected = (1 - np.cos(th / 2)) / (1 - np.cos(th))
    assert np.mean(d <= r_m / 2) == pytest.approx(expected, abs=0.011)


def _inside_scalar(lat: float, lon: float, poly: list[tuple[float, float]]) -> bool:
    """Reference even-odd test, one point at a time (no antimeridian handling)."""
    inside = False
    n = len(poly)
    for k in range(n):
        (y1, x1), (y2, x2) = poly[k], poly[(k + 1) % n]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@st.composite
def star_polygons(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Star-shaped polygons (vertices at sorted angles around a centre): never self-crossing."""
    lat0 = draw(st.floats(-60.0, 60.0))
    lon0 = draw(st.floats(-150.0, 150.0))
    k = draw(st.integers(3, 9))
    ang = np.sort(draw(st.lists(st.floats(0.0, 2 * np.pi), min_size=k, max_size=k, unique=True)))
    rad = draw(st.lists(st.floats(0.5, 15.0), min_size=k, max_size=k))
    pts = [(lat0 + r * np.sin(a), lon0 + r * np.cos(a)) for a, r in zip(ang, rad, strict=True)]
    twice = sum(pts[i][1] * pts[(i + 1) % k][0] - pts[(i + 1) % k][1] * pts[i][0] for i in range(k))
    if abs(twice) < 0.5:  # too thin to be a launch area (the schema rejects < 1 km²)
        pts = [(lat0 + 3 * np.sin(a), lon0 + 3 * np.cos(a)) for a in (0.0, 2.1, 4.2)]
    return pts


@settings(max_examples=40, deadline=None)
@given(poly=star_polygons(), seed=st.integers(0, 2**32 - 1))
def test_polygon_points_inside(poly: list[tuple[float, float]], seed: int) -> None:
    la, lo = sample_polygon(np.random.default_rng(seed), poly, 100)
    lat_deg, lon_deg = np.degrees(la), np.degrees(lo)
    assert np.all(points_in_polygon(lat_deg, lon_deg, poly))
    assert all(
        _inside_scalar(float(a), float(b), poly) for a, b in zip(lat_deg, lon_deg, strict=True)
    )


def test_points_in_polygon_matches_scalar_loop() -> None:
    rng = np.random.default_rng(5)
    poly = [(10.0, 10.0), (30.0, 12.0), (25.0, 20.0), (18.0, 14.0), (12.0, 22.0)]  # concave
    lat = rng.uniform(5, 35, 2000)
    lon = rng.uniform(5, 25, 2000)
    fast = points_in_polygon(lat, lon, poly)
    slow = [_inside_scalar(float(a), float(b), poly) for a, b in zip(lat, lon, strict=True)]
    np.testing.assert_array_equal(fast, slow)
    assert 0 < fast.sum() < fast.size


def test_polygon_across_antimeridian() -> None:
    poly = [(42.0, 170.0), (48.0, 170.0), (48.0, -175.0), (42.0, -175.0)]
    la, lo = sample_polygon(np.random.default_rng(1), poly, 2000)
    lat, lon = np.degrees(la), np.degrees(lo)
    assert np.all((lat >= 42.0) & (lat <= 48.0))
    assert np.all((lon >= 170.0) | (lon <= -175.0))
    assert np.any(lon > 0) and np.any(lon < 0)


def test_polygon_uniform_by_area() -> None:
    # lat/lon box 0-60 N: the fraction below 30 N is sin 30° / sin 60° = 0.5774
    # by area (0.5 if it were uniform in latitude); 20,000 points: 5 σ ≈ 0.018
    poly = [(0.0, 0.0), (60.0, 0.0), (60.0, 10.0), (0.0, 10.0)]
    la, _ = sample_polygon(np.random.default_rng(2), poly, 20_000)
    assert np.mean(np.degrees(la) < 30.0) == pytest.approx(0.57735, abs=0.018)


def test_launch_points_in_their_areas() -> None:
    s = near_peer()
    assert s.raid is not None
    launches = expand(s)
    for area in s.raid.launch_areas:
        sel = np.array([a == area.name for a in launches.launch_area])
        assert sel.any()
        lat, lon = launches.launch_lat_rad[sel], launches.launch_lon_rad[sel]
        if area.polygon_deg is not None:
            assert np.all(points_in_polygon(np.degrees(lat), np.degrees(lon), area.polygon_deg))
        else:
            assert area.lat_deg is not None and area.lon_deg is not None
            assert area.radius_km is not None
            d = great_circle_distance_m(
                np.radians(area.lat_deg), np.radians(area.lon_deg), lat, lon
            )
            assert np.all(d <= area.radius_km * 1e3 + ONE_MM)


# --- inventory and targeting ----------------------------------------------------


def test_inventory_counts_and_allowed_areas() -> None:
    s = near_peer()
    assert s.raid is not None
    launches = expand(s)
    assert Counter(launches.threat_type) == {k: v.count for k, v in s.raid.inventory.items()}
    for threat, item in s.raid.inventory.items():
        used = {
            a
            for t, a in zip(launches.threat_type, launches.launch_area, strict=True)
            if t == threat
        }
        assert used == set(item.launch_areas)


def test_counterforce_countervalue_mixed() -> None:
    s = near_peer()
    cats = np.array([a.category for a in s.assets])
    cf = expand(s, raid_of(s, targeting="counterforce", counterforce_fraction=None))
    assert set(cats[cf.aim_asset]) <= set(COUNTERFORCE_CATEGORIES)
    cv = expand(s, raid_of(s, targeting="countervalue", counterforce_fraction=None))
    assert set(cats[cv.aim_asset]) == {"population"}
    for f in (0.0, 0.25, 0.6, 1.0):
        mixed = expand(s, raid_of(s, counterforce_fraction=f))
        is_cf = np.isin(cats[mixed.aim_asset], COUNTERFORCE_CATEGORIES)
        n = mixed.size
        assert is_cf.sum() == int(np.floor(f * n + 0.5))
        # counterforce weapons are the first in inventory order: the deterrent first
        assert np.all(is_cf[: is_cf.sum()])


def test_countervalue_weighted_by_population() -> None:
    s = near_peer()
    cv = expand(
        s, raid_of(s, targeting="countervalue", counterforce_fraction=None, weapons_per_target=1)
    )
    hits = Counter(cv.target)
    # 24 weapons, D'Hondt on population: New York (20.1 M) gets the most,
    # more than Los Angeles (13.2 M), which gets more than the 20th metro
    assert hits["New York"] > hits["Los Angeles"] >= hits["Chicago"] >= 1
    assert cv.target[0] == "New York"


def _dhondt_scalar(value: list[float], n: int, k: int) -> list[int]:
    """Reference: one salvo at a time to the target with the highest value/(salvos+1).

    Ties go to the target with fewer salvos so far (earlier round), then to the
    lower index — the rule stated in ``allocate_salvos``.
    """
    got = [0] * len(value)
    out: list[int] = []
    while len(out) < n:
        best = max(range(len(value)), key=lambda a: (value[a] / (got[a] + 1), -got[a], -a))
        got[best] += 1
        out += [best] * k
    return out[:n]


@settings(max_examples=60, deadline=None)
@given(
    value=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=12),
    n=st.integers(0, 60),
    k=st.integers(1, 4),
)
def test_allocate_salvos_matches_scalar_loop(value: list[float], n: int, k: int) -> None:
    fast = allocate_salvos(np.array(value), n, k)
    assert fast.tolist() == _dhondt_scalar(value, n, k)


def test_allocate_salvos_known_case() -> None:
    # values 20, 13, 9.6: quotients 20, 13, 10 (20/2), 9.6, 6.67 (20/3), 6.5 (13/2)
    assert allocate_salvos(np.array([20.0, 13.0, 9.6]), 6).tolist() == [0, 1, 0, 2, 0, 1]
    assert allocate_salvos(np.array([10.0, 10.0]), 5, 2).tolist() == [0, 0, 1, 1, 0]


def test_aim_scatter_within_fraction_of_radius() -> None:
    s = near_peer()
    assets = Assets.from_scenario(s.assets)
    launches = expand(s, raid_of(s, aim_scatter_fraction=0.3))
    d = great_circle_distance_m(
        assets.lat_rad[launches.aim_asset],
        assets.lon_rad[launches.aim_asset],
        launches.aim_lat_rad,
        launches.aim_lon_rad,
        R_MEAN_M,
    )
    assert np.all(d <= 0.3 * assets.radius_m[launches.aim_asset] + ONE_MM)
    assert np.any(d > 0)
    centre = expand(s, raid_of(s, aim_scatter_fraction=0.0))
    np.testing.assert_array_equal(centre.aim_lat_rad, assets.lat_rad[centre.aim_asset])


# --- timing ---------------------------------------------------------------------


def test_timing_modes() -> None:
    rng = np.random.default_rng(0)
    t = launch_times(RaidTiming(mode="simultaneous", start_s=30), 5, rng)
    np.testing.assert_array_equal(t, np.full(5, 30.0))
    t = launch_times(RaidTiming(mode="ripple", start_s=30, interval_s=7), 4, rng)
    np.testing.assert_array_equal(t, [30.0, 37.0, 44.0, 51.0])
    waves = RaidTiming(mode="waves", start_s=10, interval_s=2, waves=3, wave_interval_s=100)
    t = launch_times(waves, 10, rng)  # blocks of 4, 3, 3
    np.testing.assert_array_equal(t, [10, 12, 14, 16, 110, 112, 114, 210, 212, 214])
    jit = RaidTiming(mode="ripple", start_s=30, interval_s=7, jitter_s=3)
    tj = launch_times(jit, 500, rng)
    base = 30.0 + 7.0 * np.arange(500)
    assert np.all((tj >= base) & (tj < base + 3.0))
    assert np.ptp(tj - base) > 2.5


def test_near_peer_waves() -> None:
    s = near_peer()
    launches = expand(s)
    t = launches.t_launch_s
    # 24 launches, 3 waves of 8 from 60 s every 300 s, ripple 5 s, jitter < 10 s
    for w in range(3):
        block = t[8 * w : 8 * (w + 1)]
        base = 60.0 + 300.0 * w + 5.0 * np.arange(8)
        assert np.all((block >= base) & (block < base + 10.0))


# --- explicit groups, rows, world -----------------------------------------------


def test_explicit_groups_as_before() -> None:
    s = load_scenario(ROGUE).scenario
    assets = Assets.from_scenario(s.assets)
    launches = expand_threat_groups(s.threats, assets, np.random.default_rng(0))
    g = s.threats[0]
    assert launches.size == g.count
    np.testing.assert_array_equal(launches.t_launch_s, 60.0 + 20.0 * np.arange(10))
    assert list(launches.target) == g.targets
    assert all(o == {"payload_mass_kg": 1100.0} for o in launches.options)
    d = great_circle_distance_m(
        np.radians(g.launch_area.lat_deg),
        np.radians(g.launch_area.lon_deg),
        launches.launch_lat_rad,
        launches.launch_lon_rad,
    )
    assert np.all(d <= g.launch_area.radius_km * 1e3 + ONE_MM)


def test_launch_rows() -> None:
    s = near_peer()
    launches = expand(s)
    rows = launch_rows(launches)
    assert len(rows) == launches.size
    assert set(rows[0]) == {
        "launch",
        "threat",
        "area",
        "launch_lat_deg",
        "launch_lon_deg",
        "t_launch_s",
        "target",
        "aim_lat_deg",
        "aim_lon_deg",
        "range_km",
    }
    for i in (0, launches.size - 1):
        r = rows[i]
        d_km = (
            great_circle_distance_m(
                np.radians(r["launch_lat_deg"]),
                np.radians(r["launch_lon_deg"]),
                np.radians(r["aim_lat_deg"]),
                np.radians(r["aim_lon_deg"]),
            )
            / 1e3
        )
        assert r["range_km"] == pytest.approx(float(d_km), abs=0.5)  # rounding to 1e-4 deg
        assert r["target"] == launches.target[i]
    assert 5000 < min(r["range_km"] for r in rows) < max(r["range_km"] for r in rows) < 11000


SMALL_BOTH = """
name: both
seed: 5
time_step_s: 2.0
assets:
  - {catalog: Malmstrom AFB}
  - {catalog: Seattle}
threats:
  - type: generic-solid-icbm
    count: 1
    launch_area: {lat_deg: 40.0, lon_deg: 127.5, radius_km: 50}
    targets: [Seattle]
raid:
  adversary: rogue
  launch_areas:
    - {name: sea, kind: sea, polygon_deg: [[40, 160], [45, 160], [45, 170], [40, 170]]}
  inventory:
    generic-liquid-icbm: {count: 2}
  targeting: counterforce
  timing: {mode: ripple, start_s: 30, interval_s: 10}
"""


def test_world_flies_both_sections() -> None:
    world = build_world(parse_scenario(SMALL_BOTH))
    launches = world.launches
    assert launches is not None and launches.size == 3
    assert launches.threat_type == (
        "generic-solid-icbm",
        "generic-liquid-icbm",
        "generic-liquid-icbm",
    )
    tr = world.truth
    li = tr.launch_index
    assert world.threat_type == tuple(launches.threat_type[i] for i in li)
    np.testing.assert_array_equal(world.aim_asset, launches.aim_asset[li])
    assert [world.assets.name[a] for a in launches.aim_asset] == [
        "Seattle",
        "Malmstrom AFB",
        "Malmstrom AFB",
    ]
    np.testing.assert_allclose(tr.t_launch_s, launches.t_launch_s[li])
    assert np.all(tr.miss_m < 1e3)


# --- MIRVs: each RV its own target --------------------------------------------------

MIRV_RAID = """
name: mirv-raid
seed: 3
time_step_s: 2.0
assets:
  - {catalog: Malmstrom AFB}
  - {catalog: Minot AFB}
  - {catalog: F.E. Warren AFB}
  - {catalog: Offutt AFB}
  - {catalog: Seattle}
threats:
  - type: generic-mirv-icbm
    count: 1
    launch_area: {lat_deg: 40.0, lon_deg: 127.5, radius_km: 50}
    targets: [Seattle, Malmstrom AFB]
raid:
  adversary: near-peer
  launch_areas:
    - {name: ne-asia, kind: land, lat_deg: 45, lon_deg: 125, radius_km: 200}
  inventory:
    generic-mirv-icbm: {count: 2}
    generic-solid-icbm: {count: 1, shape: lofted}
  targeting: counterforce
"""


def test_raid_gives_each_rv_its_own_target_within_the_bus_reach() -> None:
    """Weapons = warheads: 2 buses × 3 RVs + 1 ICBM = 7 weapons on 4 counterforce targets.
    Each bus aims its RVs at distinct targets where several are in its Δv reach (the
    doctrine's second salvo on a target rides the same bus), the primary is the
    booster's aim, and the options carry each RV's aim point. The explicit group's bus
    aimed at Seattle cannot reach Malmstrom (~800 km across its track): all three RVs
    on Seattle (fewer targets in reach than RVs). One raid bus is flown: within its
    Δv budget, each RV within 100 m (the CEP scale of tests/threats/test_postboost.py)
    of its own target."""
    s = parse_scenario(MIRV_RAID).scenario
    launches = expand_launches(s)
    names = [a.name for a in s.assets]
    assets = Assets.from_scenario(s.assets)
    spec = load_mirv_specs()["generic-mirv-icbm"]
    assert launches.threat_type == ("generic-mirv-icbm",) * 3 + ("generic-solid-icbm",)
    rvs = launches.rv_aim_asset
    assert [names[a] for a in rvs[0]] == ["Seattle"] * 3
    for i in range(launches.size):
        assert rvs[i][0] == launches.aim_asset[i]
    for i in (1, 2):
        assert len(rvs[i]) == spec.rv_count and len(set(rvs[i])) >= 2
        assert all(names[a] != "Seattle" for a in rvs[i])  # counterforce only
        deg = np.array(launches.options[i]["rv_aim_deg"])
        idx = np.array(rvs[i])
        np.testing.assert_allclose(np.radians(deg[:, 0]), assets.lat_rad[idx], atol=1e-12)
        np.testing.assert_allclose(np.radians(deg[:, 1]), assets.lon_rad[idx], atol=1e-12)
    assert set(rvs[1]) != set(rvs[2])  # the two buses cover different targets
    assert launches.options[3] == {"shape": "lofted"} and len(rvs[3]) == 1
    i = 1
    aim = np.radians(np.array(launches.options[i]["rv_aim_deg"]))
    one = slice(i, i + 1)
    plan = plan_mirv(
        spec,
        launches.launch_lat_rad[one],
        launches.launch_lon_rad[one],
        launches.aim_lat_rad[one],
        launches.aim_lon_rad[one],
        rv_aim_lat_rad=aim[None, :, 0],
        rv_aim_lon_rad=aim[None, :, 1],
    )
    assert plan.delta_v_used_mps[0] <= spec.delta_v_budget_mps
    assert np.all(plan.rv_miss_m < 100.0)


def test_raid_without_mirvs_has_one_rv_per_launch() -> None:
    """Backwards compatible: single-warhead raids allocate as before, one RV each."""
    launches = expand(near_peer())
    assert launches.rv_aim_asset == tuple((int(a),) for a in launches.aim_asset)
    assert all("rv_aim_deg" not in o for o in launches.options)


def test_shape_is_validated_against_the_threat_kind() -> None:
    bad = MIRV_RAID.replace("generic-solid-icbm: {count: 1, shape: lofted}",
                            "generic-hgv: {count: 1, shape: lofted}")  # fmt: skip
    with pytest.raises(ValueError, match="shape applies to ballistic and mirv threats only"):
        parse_scenario(bad)
