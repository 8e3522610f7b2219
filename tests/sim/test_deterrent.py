"""The surviving deterrent over engine trials (``sim.deterrent``) on a reduced raid
(tests/sim/data/counterforce-small.yaml: six RVs, two trials).

Checks: arrivals are the lethal objects aimed at an aimpoint that were not killed
and landed on it; the draws of a trial are the same in every variant (common
random numbers), so, draw by draw, the defense as written keeps at least the
deterrent that no defense does (monotone in the paired sense) and the defense
stops some warheads; the midcourse layer off is the no-defense case here; the
smallest-addition search states met, found or infeasible, never 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import load_scenario
from shieldlab.sim.deterrent import (
    DeterrentRun,
    Variant,
    arrivals,
    deterrent_variants,
    smallest_addition,
    trial_survivors,
)
from shieldlab.sim.engine import KILLED
from shieldlab.sim.montecarlo import run_trials

SMALL = Path(__file__).resolve().parent / "data" / "counterforce-small.yaml"


@pytest.fixture(scope="module")
def runs() -> tuple[DeterrentRun, Variant, Variant, dict[str, Variant]]:
    dr = DeterrentRun(load_scenario(SMALL))
    base, none, off = deterrent_variants(dr, ["midcourse"])
    return dr, base, none, off


def test_arrivals_are_the_unkilled_warheads_on_their_aimpoint(
    runs: tuple[DeterrentRun, Variant, Variant, dict[str, Variant]],
) -> None:
    dr, *_ = runs
    assert dr.wh.size == 6 and dr.world is not None
    r = run_trials(dr.world, 1)[0]
    arr = arrivals(dr.wh, r)
    assert np.array_equal(arr, r.status[dr.wh.obj] != KILLED)  # nominal impacts: on the aimpoint
    assert set(dr.lay.names[a] for a in dr.wh.aimpoint) >= {"Offutt AFB", "Kings Bay"}


def test_draws_are_common_to_the_variants() -> None:
    dr = DeterrentRun(load_scenario(SMALL))
    every = np.ones(dr.wh.size, bool)
    a = trial_survivors(dr.lay, dr.wh, every, 11, 0, 30)
    b = trial_survivors(dr.lay, dr.wh, every, 11, 0, 30)
    c = trial_survivors(dr.lay, dr.wh, every, 11, 1, 30)
    assert np.array_equal(a["warheads"], b["warheads"])
    assert not np.array_equal(a["warheads"], c["warheads"])


def test_defense_keeps_at_least_what_no_defense_does(
    runs: tuple[DeterrentRun, Variant, Variant, dict[str, Variant]],
) -> None:
    _, base, none, off = runs
    for key in ("warheads", "launchers", "warheads_icbm", "warheads_slbm", "warheads_bomber"):
        assert (base.per_draw[key] >= none.per_draw[key]).all(), key
    assert base.arrived.sum() < none.arrived.sum()  # the GBIs stopped some warheads
    assert none.arrived.tolist() == [6.0, 6.0]
    assert base.stat("warheads", "mean") > none.stat("warheads", "mean")
    s = none.summary(base)
    d = s["surviving_warheads"]["delta_vs_with_defense"]
    assert d["mean"] < 0 and d["mean"] == pytest.approx(
        none.stat("warheads", "mean") - base.stat("warheads", "mean")
    )
    # the only defeat layer off leaves nothing to stop the raid
    assert np.array_equal(off["midcourse"].per_draw["warheads"], none.per_draw["warheads"])


def test_summary_shape(runs: tuple[DeterrentRun, Variant, Variant, dict[str, Variant]]) -> None:
    _, base, *_ = runs
    s = base.summary()
    for what in ("surviving_launchers", "surviving_warheads"):
        assert {"mean", "p5", "by_leg", "quantiles", "per_trial_mean"} <= set(s[what])
        assert len(s[what]["per_trial_mean"]) == 2
        assert s[what]["p5"] <= s[what]["mean"]
    assert s["surviving_warheads"]["by_leg"]["slbm"] > 0


def test_smallest_addition_states_met_found_or_infeasible(
    runs: tuple[DeterrentRun, Variant, Variant, dict[str, Variant]],
) -> None:
    dr, base, none, _ = runs
    mean = base.stat("warheads", "mean")
    assert dr.section.floor is not None
    low = dr.section.floor.model_copy(update={"warheads": none.stat("warheads", "mean")})
    dr.section = dr.section.model_copy(update={"floor": low})
    assert smallest_addition(dr, base)["status"] == "met"
    # a floor above the whole force: no addition can keep it
    high = low.model_copy(update={"warheads": 1e5})
    dr.section = dr.section.model_copy(update={"floor": high})
    r = smallest_addition(dr, base)
    assert r["status"] == "infeasible" and "no candidate keeps mean" in r["message"]
    assert [t["added"] for t in r["tried"]] == [8] and r["baseline"] == pytest.approx(mean)
    assert "interceptors" not in r
