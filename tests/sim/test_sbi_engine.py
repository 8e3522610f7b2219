"""Boost-phase layer in the engine: space-based interceptors on a Walker shell.

These tests use the truth-path fire control (``fire_control: truth-path``, the
named shortcut kept for comparison; the plume-track fire control is tested in
``test_boost_fire_control.py``): carriers in reach come from the flown boost
path (``sim.world.sbi_reach``) and the firing time (the warning layer's launch
report + the decision delay); per trial each launch gets the doctrine's salvo
from the carriers still holding interceptors, each killing with the layer's Pk.
Checks: the kill rate of a launch fired at with s shots is 1 − (1 − Pk)^s
(4 binomial σ over 2,000 trials); a carrier never fires more than it holds;
boost kills take every object of the launch, before its engagement deadline,
and are credited to the boost layer.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import KILLED, boost_phase_engagements, run_trial
from shieldlab.sim.results import result_tables, shot_costs, summarise
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
SBI = """
constellations:
  - {kind: walker, name: sbi-shell, total: 800, planes: 20, phasing: 1,
     altitude_km: 400, inclination_deg: 45}
space_interceptors:
  - {name: SBI shell, type: generic-sbi-4kmps, constellation: sbi-shell,
     decision_delay_s: 30, pk: 0.8, fire_control: truth-path}
"""


@cache
def world_of(text: str) -> World:
    return build_world(parse_scenario(text, "test.yaml"))


def test_reach_and_kill_rates() -> None:
    w = world_of(FLAGSHIP.replace("count: 10", "count: 4") + SBI)
    layer = w.sbi[0]
    in_reach = np.isfinite(layer.reach_t_s).sum(axis=1)
    # absentee ratio of the 4 kms^-1, 10 g class at 400 km / 45 deg with 30 s delay:
    # measured 3-5 of 800 carriers per launch (the sizing tool gives ~200)
    assert np.all(in_reach >= 1) and np.all(in_reach <= 40)
    none = np.zeros(w.truth.t_launch_s.size, bool)
    fired, killed = [], []
    for trial in range(2000):
        b = boost_phase_engagements(w, trial, none)
        assert np.all(np.bincount(b.carrier, minlength=800) <= layer.spec.interceptors_per_carrier)
        n_shots = np.bincount(b.launch, minlength=4)
        fired.append(n_shots)
        killed.append(np.isfinite(b.kill_time_s))
    shots, kills = np.array(fired), np.array(killed)
    for s in (1, 2):  # launches fired at with s shots
        sel = shots == s
        if sel.sum() < 200:
            continue
        p = 1.0 - (1.0 - layer.pk) ** s
        assert abs(kills[sel].mean() - p) < 4 * math.sqrt(p * (1 - p) / sel.sum())
    assert not kills[shots == 0].any()


def test_fire_control_waits_for_the_warning_report() -> None:
    """With a warning layer, each launch is engaged at its launch report (first
    detection + the GEO sensor's report latency) + the layer's decision delay; the
    later firing time shrinks the reach (fewer carriers than firing 30 s after
    launch). Without a warning sensor, the cue is the launch itself. The missiles fly
    lofted (a minimum-energy solid ICBM's shorter, steered boost leaves this layer no
    carrier in reach after the report)."""
    w = world_of(FLAGSHIP.replace("count: 10", "count: 2\n    shape: lofted") + SBI)
    r = run_trial(w, 0)
    b = r.boost_shots
    assert b is not None and b.launch.size > 0
    report = np.full(2, np.inf)
    np.minimum.at(report, w.truth.launch_index, r.launch_report_s)
    assert np.all(np.isfinite(report)) and np.all(report > w.truth.t_launch_s)
    np.testing.assert_allclose(b.fire_s, report[b.launch] + 30.0)
    layer = w.sbi[0]
    for l_i in range(2):
        cued = np.isfinite(layer.reach_times(l_i, report[l_i] + 30.0)).sum()
        assert cued <= np.isfinite(layer.reach_t_s[l_i]).sum()
    assert np.all(b.intercept_s >= b.fire_s)
    # no warning sensor: nothing cues the layer, it never fires (no truth launch cue)
    blind = FLAGSHIP.replace("count: 10", "count: 2\n    shape: lofted").replace(
        "  - {kind: geo-ir, name: GEO-IR Pacific, type: generic-geo-ir, lon_deg: 150.0}\n", ""
    )
    wb = world_of(blind + SBI)
    assert not wb.geo_ir and not wb.warning
    bb = run_trial(wb, 0).boost_shots
    assert bb is not None and bb.launch.size == 0


def test_boost_kills_take_the_launch_and_are_credited() -> None:
    # a fast fire control (5 s from the launch report to firing)
    w = world_of(FLAGSHIP.replace("count: 10", "count: 2") + SBI.replace("30", "5"))
    r = next(x for x in (run_trial(w, i) for i in range(6)) if x.boost_killed.any())
    b = r.boost_shots
    assert b is not None and b.launch.size > 0 and r.boost_killed.any()
    for l_i in np.flatnonzero(np.isfinite(b.kill_time_s)):
        objs = w.truth.launch_index == l_i
        assert np.all(r.boost_killed[objs]) and np.all(r.status[objs] == KILLED)
        assert np.all(r.kill_time_s[objs] <= w.truth.t_burnout_s[objs].max() + 1e-9)
    t = result_tables(w, [r], with_maps=False)
    assert set(t["threat_outcomes"]["kill_layer"][r.boost_killed].tolist()) == {"boost"}
    eng = t["engagements"]
    assert np.sum(eng["layer"] == "boost") == b.launch.size
    s = summarise(w, [r])
    assert s.kills_by_layer["boost"] == r.boost_killed.sum()
    # interceptors fired count the SBIs alike in the summary and the stored trials table
    assert t["trials"]["shots"][0] == r.shot_site.size + b.launch.size == s.mean_shots
    # expended cost: one row per engagement, SBI 22 M$ and GBI 111 M$ apiece (catalog)
    lay, usd = shot_costs(w, r)
    assert lay.tolist() == t["engagements"]["layer"].tolist()
    np.testing.assert_allclose(usd[lay == "boost"], 22e6)
    np.testing.assert_allclose(usd[lay == "midcourse"], 111e6)
    assert s.mean_cost_usd == pytest.approx(t["trials"]["cost_usd"][0]) == float(usd.sum())
    assert s.cost_by_layer is not None and s.cost_by_layer["boost"] == 22e6 * b.launch.size
    off = world_of(FLAGSHIP.replace("count: 10", "count: 2") + SBI + "disabled_layers: [boost]\n")
    assert off.sbi == ()
