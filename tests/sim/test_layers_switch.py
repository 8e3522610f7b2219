"""Left-of-launch strikes and switching layers off (marginal contribution).

Rates are checked against the binomial: each launch destroyed with
p_find · p_kill, independently per trial (4-σ bands); switching a layer off
removes exactly its sensors or fire units.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import ScenarioError, parse_scenario
from shieldlab.sim.engine import KILLED, left_of_launch_kills, run_trial
from shieldlab.sim.results import result_tables, summarise
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")


@cache
def world_of(text: str) -> World:
    return build_world(parse_scenario(text, "test.yaml"))


def _with(extra: str, count: int = 10) -> str:
    return FLAGSHIP.replace("count: 10", f"count: {count}") + extra


def test_left_of_launch_rate_and_accounting() -> None:
    w = world_of(_with("left_of_launch: {p_find: 0.5, p_kill: 0.6}\n"))
    n_trials = 400
    kills = np.array([left_of_launch_kills(w, t) for t in range(n_trials)])
    p = 0.5 * 0.6
    n = kills.size
    assert abs(kills.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)  # 4,000 launches
    # reproducible per trial, different between trials
    np.testing.assert_array_equal(kills[3], left_of_launch_kills(w, 3))
    assert not np.array_equal(kills[3], kills[4])
    trial = int(np.argmax(kills.any(axis=1)))  # the first trial with a strike
    r = run_trial(w, trial)
    pre = r.prelaunch_killed
    np.testing.assert_array_equal(pre, kills[trial])
    assert pre.any()
    assert np.all(r.status[pre] == KILLED) and np.all(r.killed_by_shot[pre] == -1)
    assert np.all(np.isnan(r.custody[pre]))  # never flew
    assert not np.isin(r.shot_threat, np.flatnonzero(pre)).any()
    t = result_tables(w, [r], with_maps=False)["threat_outcomes"]
    assert set(t["kill_layer"][pre].tolist()) == {"left-of-launch"}
    s = summarise(w, [r])
    assert s.kills_by_layer["left-of-launch"] == pytest.approx(pre.sum())


def test_left_of_launch_types_and_switch() -> None:
    only_other = _with("left_of_launch: {p_find: 1.0, p_kill: 1.0, types: [generic-irbm]}\n")
    assert not left_of_launch_kills(world_of(only_other), 0).any()
    every = _with("left_of_launch: {p_find: 1.0, p_kill: 1.0}\n")
    assert left_of_launch_kills(world_of(every), 0).all()
    off = every + "disabled_layers: [left-of-launch]\n"
    assert not left_of_launch_kills(world_of(off), 0).any()


def test_disabled_layers_remove_sensors_and_fire_units() -> None:
    w = world_of(_with("disabled_layers: [midcourse, ground-radar]\n", count=2))
    assert w.sites == () and w.radars == ()
    assert len(w.geo_ir) == 1  # the warning layer stays
    r = run_trial(w, 0)
    assert r.shot_site.size == 0 and np.all(np.isnan(r.custody_layer[:, 1]))


def test_unknown_layer_is_one_line_error() -> None:
    with pytest.raises(ScenarioError, match=r"disabled_layers: unknown layer 'lasers'; allowed"):
        parse_scenario(_with("disabled_layers: [lasers]\n"), "bad.yaml")


def test_priority_tiers_value_function() -> None:
    """Tiered value function: any tier-1 asset outweighs all lower-tier assets together;
    default tiers by category (deterrent and command first)."""
    from shieldlab.scenario.schema import DEFAULT_TIER

    w = world_of(_with(""))
    a = w.assets
    assert a.tier is not None
    cats = dict(zip(a.name, a.category, strict=True))
    for name, tier in zip(a.name, a.tier, strict=True):
        assert tier == DEFAULT_TIER[cats[name]]
    tiered = a.priority_value("tiered")
    plain = a.priority_value("expected-value")
    np.testing.assert_array_equal(plain, a.value)
    for t in np.unique(a.tier):
        hi = tiered[a.tier == t]
        lo = tiered[a.tier > t]
        if lo.size and hi[hi > 0].size:
            assert hi[hi > 0].min() > lo.sum()
    # inside a tier the values keep their order
    t1 = a.tier == a.tier.min()
    np.testing.assert_array_equal(np.argsort(tiered[t1]), np.argsort(a.value[t1]))


def test_fire_control_channels_limit_interceptors_in_flight() -> None:
    """A fire unit with 2 channels never has more than 2 of its interceptors in the
    air at once (launch → intercept intervals overlap at most twice)."""
    text = _with("", count=4).replace(
        "lat_deg: 63.95, lon_deg: -145.73, inventory: 40}",
        "lat_deg: 63.95, lon_deg: -145.73, inventory: 40, channels: 2}",
    )
    assert "channels: 2" in text
    w = world_of(text)
    assert w.channels[0] == 2
    r = run_trial(w, 0)
    g = r.shot_site == 0
    assert g.sum() >= 2
    starts, ends = r.shot_decision_s[g], r.shot_intercept_s[g]
    for t in np.concatenate([starts, ends]):  # occupancy at every event time
        busy = np.sum((starts <= t) & (t < ends))
        assert busy <= 2


def test_ew_cyber_launch_failures_and_guidance_miss() -> None:
    """EW/cyber (stated probabilities): launches fail at p_launch_failure (4 σ over
    4,000 launches); degraded launches impact aim_miss_km from nominal (1 %); the
    failures are credited to the ew-cyber layer; switching the layer off (or the
    non-kinetic group) undoes it."""
    from shieldlab.core.frames import great_circle_distance_m
    from shieldlab.sim.engine import nonkinetic_effects

    text = _with("ew_cyber: {p_launch_failure: 0.2, p_guidance_degraded: 0.5, aim_miss_km: 100}\n")
    w = world_of(text)
    tr = w.truth
    fails, moved = [], []
    for trial in range(400):
        failed, lat, lon = nonkinetic_effects(w, trial)
        fails.append(failed)
        d = great_circle_distance_m(lat, lon, tr.impact_lat_rad, tr.impact_lon_rad)
        moved.append(d)
    f = np.array(fails)
    assert abs(f.mean() - 0.2) < 4 * math.sqrt(0.2 * 0.8 / f.size)
    d = np.concatenate(moved)
    shifted = d > 1e3
    assert abs(shifted.mean() - 0.5) < 4 * math.sqrt(0.25 / d.size)
    np.testing.assert_allclose(d[shifted], 100e3, rtol=0.01)
    trial = int(np.argmax(f.any(axis=1)))
    r = run_trial(w, trial)
    assert np.all(r.status[r.launch_failed] == KILLED)
    s = summarise(w, [r])
    assert s.kills_by_layer["ew-cyber"] == pytest.approx(r.launch_failed.sum())
    t = result_tables(w, [r], with_maps=False)["threat_outcomes"]
    assert set(t["kill_layer"][r.launch_failed].tolist()) == {"ew-cyber"}
    for name in ("ew-cyber", "non-kinetic"):
        off = world_of(text + f"disabled_layers: [{name}]\n")
        failed, lat, _ = nonkinetic_effects(off, trial)
        assert not failed.any() and np.array_equal(lat, tr.impact_lat_rad)


DE_AND_EW = (
    "ew_cyber: {p_launch_failure: 1.0}\n"
    "lasers:\n  - {name: LA laser, type: generic-hel-300kw, lat_deg: 33.95, lon_deg: -118.45}\n"
    "hpm:\n  - {name: LA HPM, type: generic-hpm-leonidas, lat_deg: 34.05, lon_deg: -118.245}\n"
)


@pytest.mark.parametrize(
    ("off", "lasers", "hpm", "ew"),
    [
        ("[]", 1, 1, True),
        ("[laser]", 0, 1, True),
        ("[microwave]", 1, 0, True),
        ("[ew-cyber]", 1, 1, False),
        ("[non-kinetic]", 0, 0, False),
        ("[laser, microwave]", 0, 0, True),
    ],
)
def test_laser_microwave_and_ew_cyber_switch_apart(
    off: str, lasers: int, hpm: int, ew: bool
) -> None:
    """Lasers, microwaves and EW/cyber are three layers, each switched off alone;
    ``non-kinetic`` (their name as one layer) switches off all three."""
    from shieldlab.sim.engine import nonkinetic_effects
    from shieldlab.sim.marginal import present_layers

    w = world_of(_with(DE_AND_EW + f"disabled_layers: {off}\n", count=2))
    assert (len(w.lasers), len(w.hpm)) == (lasers, hpm)
    failed, _, _ = nonkinetic_effects(w, 0)
    assert failed.all() if ew else not failed.any()  # p_launch_failure 1
    held = [x for x in present_layers(w) if x in ("laser", "microwave", "ew-cyber")]
    expected = [("ew-cyber", ew), ("laser", lasers), ("microwave", hpm)]
    assert held == [name for name, on in expected if on]


SPACE_SENSORS = (
    "  - {kind: warning-ir, name: HEO warning, type: generic-geo-ir, constellation: heo}\n"
    "  - {kind: leo-ir, name: LEO layer, type: generic-leo-ir-tracking, constellation: leo,"
    " revisit_s: 10}\n"
)
SPACE_CONSTELLATIONS = (
    "constellations:\n  - {kind: heo, name: heo, apogee_lons_deg: [-100, 80]}\n"
    "  - {kind: walker, name: leo, total: 48, planes: 6, phasing: 1, altitude_km: 1000,"
    " inclination_deg: 60}\n"
)


def _space(off: str) -> World:
    """The flagship (2 missiles) with its GEO sensor, a HEO warning constellation and a
    LEO tracking layer."""
    text = _with("", count=2).replace("sensors:\n", "sensors:\n" + SPACE_SENSORS, 1)
    return world_of(text + SPACE_CONSTELLATIONS + f"disabled_layers: {off}\n")


def test_space_warning_switches_apart_from_leo_tracking() -> None:
    """``space-warning`` (GEO IR sensors and warning constellations) and ``space-ir``
    (the LEO tracking layer) are switched off independently; marginal measures both."""
    from shieldlab.sim.marginal import present_layers

    w = _space("[]")
    assert (len(w.geo_ir), len(w.warning), len(w.ir_tracking)) == (1, 1, 1)
    assert present_layers(w)[:2] == ["space-warning", "space-ir"]
    no_warning = _space("[space-warning]")
    assert (no_warning.geo_ir, no_warning.warning) == ((), ())
    assert no_warning.geo_ir_names == () and len(no_warning.ir_tracking) == 1
    assert "space-warning" not in present_layers(no_warning)
    assert "space-ir" in present_layers(no_warning)
    r = run_trial(no_warning, 0)
    # no warning sensor: no launch report after a launch (NaN, or the engine's 0 stand-in)
    assert not np.any(r.launch_report_s > no_warning.truth.t_launch_s)
    no_leo = _space("[space-ir]")
    assert no_leo.ir_tracking == () and (len(no_leo.geo_ir), len(no_leo.warning)) == (1, 1)
    assert present_layers(no_leo)[:2] == ["space-warning", "ground-radar"]


def test_assignment_options_all_fire_within_salvo_and_inventory() -> None:
    """The three assignment rules run in the engine; each respects the salvo size and
    the inventory (12 GBIs at Fort Greely for 4 missiles)."""
    for rule in ("greedy", "wta", "milp"):
        text = _with("", count=4).replace(
            "  shoot_look_shoot: true", f"  shoot_look_shoot: true\n  assignment: {rule}"
        )
        assert f"assignment: {rule}" in text
        w = world_of(text)
        r = run_trial(w, 0)
        assert r.shot_site.size > 0
        dec = np.unique(r.shot_decision_s)
        for t in dec:  # per decision epoch, at most a salvo per threat
            at = r.shot_decision_s == t
            assert np.bincount(r.shot_track[at]).max() <= w.scenario.doctrine.shots_per_threat
        for s_i, site in enumerate(w.sites):
            assert np.sum(r.shot_site == s_i) <= site.inventory
