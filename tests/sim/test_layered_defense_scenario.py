"""``scenarios/layered-defense.yaml`` through the engine: what each defeat layer did.

The shipped tour of the model (9 missiles: ICBMs with and without MIRVs, a glide
vehicle, cruise missiles; left-of-launch, SBIs, GBIs, THAAD, SM-6, NASAMS, a laser,
EW/cyber) flown for 3 trials (~1 min). Checks: the world holds the layers the file
declares; across the trials each layer that acts before the terminal phase did its
part (launchers destroyed before launch, SBIs fired and killed in boost, GBIs and
THAADs fired, GBIs and SM-6s killed); every object ends killed, leaked or harmless;
the kills credited to the layers add up to the killed objects; fewer than a third of
the warheads leak. The laser and NASAMS stay idle here (the SM-6s kill the cruise
missiles first), so nothing is asserted of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import load_scenario
from shieldlab.sim.engine import KILLED, LEAKED, NO_THREAT, TrialResult
from shieldlab.sim.marginal import present_layers
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.results import Summary, result_tables, summarise, summarise_tables
from shieldlab.sim.world import World, build_world
from shieldlab.threats import LETHAL_KINDS

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 3


@pytest.fixture(scope="module")
def flown() -> tuple[World, list[TrialResult], Summary]:
    w = build_world(load_scenario(ROOT / "scenarios" / "layered-defense.yaml"))
    results = run_trials(w, TRIALS)
    return w, results, summarise(w, results)


def test_the_world_holds_every_declared_layer(
    flown: tuple[World, list[TrialResult], Summary],
) -> None:
    w, _, _ = flown
    held = set(present_layers(w))
    assert held >= {"ground-radar", "sea-radar", "airborne-radar"}
    assert held >= {"left-of-launch", "boost", "midcourse", "underlayer", "terminal"}
    assert held >= {"cruise-defense"} and any(n.startswith("space") for n in held)
    assert {s.spec.name for s in w.sites} == {
        "generic-gbi",
        "generic-thaad",
        "generic-sm6",
        "generic-nasams",
    }


def test_each_layer_did_its_part(flown: tuple[World, list[TrialResult], Summary]) -> None:
    w, results, summary = flown
    layer = np.array([s.spec.layer for s in w.sites])
    shots = {n: 0 for n in ("midcourse", "underlayer", "terminal")}
    kills = {n: 0 for n in ("midcourse", "terminal")}
    prelaunch = boost_kills = boost_shots = 0
    for r in results:
        for n in shots:
            shots[n] += int(np.sum(layer[r.shot_site] == n))
        killer = r.killed_by_shot[(r.status == KILLED) & (r.killed_by_shot >= 0)]
        for n in kills:
            kills[n] += int(np.sum(layer[r.shot_site[killer]] == n))
        prelaunch += int(r.prelaunch_killed.sum())
        boost_kills += int(r.boost_killed.sum())
        boost_shots += 0 if r.boost_shots is None else int(r.boost_shots.fire_s.size)
        # every object ends killed, leaked or harmless (a decoy, a miss)
        assert np.all(np.isin(r.status, (KILLED, LEAKED, NO_THREAT)))
    assert prelaunch >= 1, "left of launch destroyed no launcher"
    assert boost_shots >= 1 and boost_kills >= 1, "the SBIs did not kill in boost"
    for n, k in shots.items():
        assert k >= 1, f"{n}: no interceptor fired"
    for n, k in kills.items():
        assert k >= 1, f"{n}: no kill"
    # the kills credited to the layers are the killed objects, trial by trial on average
    mean_killed = np.mean([np.sum(r.status == KILLED) for r in results])
    assert sum(summary.kills_by_layer.values()) == pytest.approx(mean_killed)
    assert set(summary.kills_by_layer) >= {"left-of-launch", "boost", "midcourse", "terminal"}
    # listed on the engagement timeline: before launch, boost, midcourse, terminal
    timeline = ("left-of-launch", "ew-cyber", "boost", "midcourse", "terminal", "laser")
    listed = [k for k in summary.kills_by_layer if k in timeline]
    assert listed == [k for k in timeline if k in summary.kills_by_layer]


def test_few_leak(flown: tuple[World, list[TrialResult], Summary]) -> None:
    """Nine missiles carrying 11 warheads (4 + 3 MIRV RVs, a glide vehicle, 3 cruise
    missiles) against every layer: no trial leaks more than 4 of them and the three
    together fewer than 6 (measured 4, 0, 0; 40 trials: 0.82 per trial, 95 % CI
    0.51-1.14), and the leakers are what hit assets."""
    w, results, summary = flown
    warheads = int(np.sum(np.isin(w.truth.object_kind, LETHAL_KINDS)))
    assert warheads == 11
    leakers = [int(np.sum(r.status == LEAKED)) for r in results]
    assert max(leakers) <= 4 and sum(leakers) < 6, leakers
    assert summary.mean_leakers == pytest.approx(np.mean(leakers))
    for r in results:
        assert np.all(r.hit_asset[r.status != LEAKED] < 0)


def test_summary_from_the_stored_tables_equals_the_summary_of_the_trials(
    flown: tuple[World, list[TrialResult], Summary],
) -> None:
    """What a resumed run reports (``summarise_tables``, rows in any trial order)
    is what ``summarise`` gives from the trial results (two independent paths:
    one reads the engine's arrays, the other the store's columns)."""
    w, results, summary = flown
    tables = result_tables(w, list(reversed(results)), with_maps=False)
    got = summarise_tables(w, tables).as_dict()
    want = summary.as_dict()
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, dict):
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            assert got[key] == value, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-12), key
    assert summary.c2 is not None and summary.c2["cut_epochs_per_trial"] >= 0.0
