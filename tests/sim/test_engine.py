"""End-to-end engine checks on a small raid: physics sanity, accounting and reproducibility."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import KILLED, LEAKED, run_trial
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.results import result_tables, summarise
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")


def small(count: int = 3, inventory: int = 40, extra: str = "") -> str:
    """The flagship scenario cut down to ``count`` missiles (fast tests)."""
    text = FLAGSHIP.replace("count: 10", f"count: {count}").replace(
        "inventory: 40", f"inventory: {inventory}"
    )
    return text + extra


@cache
def world_of(text: str) -> World:
    return build_world(parse_scenario(text, "test.yaml"))


def test_undefended_raid_leaks_on_its_aim_points() -> None:
    w = world_of(small(inventory=0).replace("inventory: 4", "inventory: 0"))
    r = run_trial(w, 0)
    assert r.shot_site.size == 0
    assert np.all(r.status == LEAKED)
    np.testing.assert_array_equal(r.hit_asset, w.aim_asset)


def test_defended_raid_engages_and_accounts() -> None:
    w = world_of(small())
    results = [run_trial(w, i) for i in range(4)]
    shots = sum(r.shot_site.size for r in results)
    assert shots > 0, "the defence never fired"
    for r in results:
        killed = r.status == KILLED
        # every kill is credited to a shot that hit that threat before its impact
        for j in np.flatnonzero(killed):
            s = r.killed_by_shot[j]
            assert r.shot_threat[s] == j and r.shot_hit[s]
            assert r.kill_time_s[j] < w.truth.t_impact_s[j]
        # intercepts respect the interceptor's altitude window
        for s in range(r.shot_site.size):
            spec = w.sites[r.shot_site[s]].spec
            assert spec.min_intercept_altitude_m - 1.0 <= r.shot_intercept_alt_m[s]
            assert r.shot_intercept_alt_m[s] <= spec.max_intercept_altitude_m + 1.0
            assert r.shot_launch_s[s] >= r.shot_decision_s[s]
        # no shot is decided before the space-based launch report
        for s in range(r.shot_site.size):
            assert r.shot_decision_s[s] >= r.launch_report_s[r.shot_threat[s]]
    # inventory is never exceeded
    for r in results:
        used = np.bincount(r.shot_site, minlength=len(w.sites))
        assert np.all(used <= [s.inventory for s in w.sites])


def test_trials_identical_whatever_the_workers() -> None:
    w = world_of(small(count=2))
    one = run_trials(w, 4, workers=1)
    two = run_trials(w, 4, workers=2)
    t1, t2 = result_tables(w, one), result_tables(w, two)
    for name in ("trials", "threat_outcomes", "engagements"):
        for col in t1[name]:
            a, b = t1[name][col], t2[name][col]
            if a.dtype.kind == "f":
                np.testing.assert_array_equal(a, b)
            else:
                assert list(a) == list(b), (name, col)


def test_summary_counts() -> None:
    w = world_of(small(count=2))
    res = run_trials(w, 3, workers=1)
    s = summarise(w, res)
    assert s.trials == 3 and s.threats == 2
    assert s.leakers_per_trial.shape == (3,)
    assert 0.0 <= s.p_no_leaker_ci95[0] <= s.p_no_leaker <= s.p_no_leaker_ci95[1] <= 1.0


def test_candidate_times_follow_each_tracks_own_endgame() -> None:
    """The coarse grid is shared; with an envelope fire unit each track adds the fine
    grid before its own impact only (after t + 1 s), ascending, NaN at the end."""
    from types import SimpleNamespace

    from shieldlab.sim.decide import (
        CANDIDATE_STEP_S,
        ENDGAME_S,
        ENDGAME_STEP_S,
        candidate_times,
    )

    def defense(*flyouts: str) -> Any:
        return SimpleNamespace(
            sites=[SimpleNamespace(spec=SimpleNamespace(flyout=f)) for f in flyouts]
        )

    t, t_imp = 100.0, np.array([900.0, 250.0, 400.0])
    coarse = np.arange(t + CANDIDATE_STEP_S, 900.0, CANDIDATE_STEP_S)
    np.testing.assert_array_equal(candidate_times(defense("lambert"), t, t_imp), coarse)
    grid = candidate_times(defense("lambert", "envelope"), t, t_imp)
    n_end = round(ENDGAME_S / ENDGAME_STEP_S)
    assert grid.shape == (3, coarse.size + n_end)
    for i, ti in enumerate(t_imp):
        own = ti - np.arange(ENDGAME_S, 0.0, -ENDGAME_STEP_S)
        want = np.sort(np.concatenate([coarse, own[own > t + 1.0]]))
        real = grid[i][np.isfinite(grid[i])]
        np.testing.assert_array_equal(real, want)
        assert np.isnan(grid[i, real.size :]).all()
