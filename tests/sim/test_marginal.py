"""Marginal contribution of each layer (``sim.marginal``, ``shieldlab marginal``).

Checks: the layers a world holds; the baseline row is the plain run of the same
scenario and seed; switching the only midcourse layer off leaves every threat
unengaged (all leak), so Δ leakers is, trial by trial, the number of threats the
midcourse shots killed in the baseline, and its 95 % interval is 1.96 times their
standard deviation over √trials; that half-width falls as 1/√trials; common random
numbers make the comparison reproducible; bad input fails with one line, exit 2.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import KILLED
from shieldlab.sim.marginal import _paired, marginal_contributions, present_layers
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.results import summarise
from shieldlab.sim.world import build_world

ROOT = Path(__file__).resolve().parents[2]
SMALL = (
    (ROOT / "scenarios" / "rogue-salvo.yaml")
    .read_text(encoding="utf-8")
    .replace("count: 10", "count: 2")
    .replace("trials: 100", "trials: 3")
)


def test_present_layers_of_the_flagship() -> None:
    w = build_world(parse_scenario(SMALL, "small.yaml"))
    assert present_layers(w) == ["space-warning", "ground-radar", "midcourse"]
    off = build_world(parse_scenario(SMALL + "disabled_layers: [midcourse]\n", "off.yaml"))
    assert present_layers(off) == ["space-warning", "ground-radar"]


DRONES = """
name: drones
seed: 3
trials: 2
time_step_s: 2.0
threats:
  - type: generic-owa-drone
    count: 12
    launch_area: {lat_deg: 33.2, lon_deg: -119.8, radius_km: 10}
    launch_interval_s: 5
    targets: [Los Angeles]
assets:
  - {name: Los Angeles, lat_deg: 34.05, lon_deg: -118.24, radius_km: 40, value: 13.0,
     category: population}
sensors:
  - {kind: airborne-radar, name: AWACS west, type: generic-awacs-radar, lat_deg: 33.5,
     lon_deg: -119.5}
lasers:
  - {name: LA laser, type: generic-hel-50kw-vehicle, lat_deg: 34.055, lon_deg: -118.27}
hpm:
  - {name: LA HPM, type: generic-hpm-leonidas, lat_deg: 34.05, lon_deg: -118.245,
     own_sensor_range_km: 5}
ew_cyber: {p_launch_failure: 1.0}
"""


def test_laser_microwave_and_ew_cyber_are_measured_apart() -> None:
    """Drones at Los Angeles past a laser and a microwave weapon, every launch failed
    by EW/cyber: three layers, three runs. The baseline fires nothing and nothing
    leaks, so switching the laser or the microwave off changes nothing (common random
    numbers: exactly 0); switching EW/cyber off lets the drones fly into the two
    weapons, which fire (cost) and let some through (measured 3 of 12 in each trial)."""
    loaded = parse_scenario(DRONES, "drones.yaml")
    w = build_world(loaded)
    assert present_layers(w) == ["airborne-radar", "ew-cyber", "laser", "microwave"]
    rows = marginal_contributions(loaded, layers=["ew-cyber", "laser", "microwave"], world=w)
    base, ew, laser, hpm = rows
    assert [r.layer for r in rows] == [None, "ew-cyber", "laser", "microwave"]
    assert base.mean_leakers == 0.0 and base.mean_cost_usd == 0.0
    for r in (laser, hpm):
        assert (r.delta_leakers, r.delta_value_hit, r.delta_cost_usd) == (0.0, 0.0, 0.0)
    assert ew.delta_leakers > 0.0 and ew.delta_cost_usd > 0.0


def test_midcourse_off_lets_every_threat_through() -> None:
    loaded = parse_scenario(SMALL, "small.yaml")
    n = loaded.scenario.trials
    assert n == 3
    rows = marginal_contributions(loaded, layers=["midcourse"])
    base, off = rows
    assert base.layer is None and off.layer == "midcourse"
    # the baseline is the plain run
    w = build_world(loaded)
    results = run_trials(w, n)
    plain = summarise(w, results)
    assert base.mean_leakers == plain.mean_leakers
    assert base.p_no_leaker == plain.p_no_leaker
    # no interceptor left: both threats leak in every trial, none fired
    assert off.mean_leakers == 2.0 and off.mean_shots == 0.0 and off.p_no_leaker == 0.0
    # the layer's contribution, trial by trial: the threats its shots killed in the baseline
    midcourse = np.array([s.spec.layer == "midcourse" for s in w.sites])
    kills = []
    for r in results:
        killer = r.killed_by_shot[(r.status == KILLED) & (r.killed_by_shot >= 0)]
        kills.append(int(np.sum(midcourse[r.shot_site[killer]])))
    assert sum(kills) > 0  # the comparison means something only if the layer killed
    assert off.delta_leakers == pytest.approx(statistics.mean(kills), abs=1e-12)
    half = 1.96 * statistics.stdev(kills) / math.sqrt(n)
    lo, hi = off.delta_leakers_ci95
    assert (lo, hi) == pytest.approx((statistics.mean(kills) - half, statistics.mean(kills) + half))
    assert off.delta_value_hit >= 0.0
    # the shots it no longer fires: the whole baseline cost (111 M$ per NGI-class round)
    assert off.mean_cost_usd == 0.0 and base.mean_cost_usd == pytest.approx(111e6 * base.mean_shots)
    assert off.delta_cost_usd == pytest.approx(-base.mean_cost_usd)
    # reproducible (same seed, same trials)
    again = marginal_contributions(loaded, layers=["midcourse"])
    assert again == rows
    with pytest.raises(ValueError, match="not in the scenario"):
        marginal_contributions(loaded, layers=["boost"])


def test_interval_half_width_falls_as_one_over_root_trials() -> None:
    """Paired differences alternating 0, 2 (mean 1, s² = n/(n − 1)): half-width
    1.96 √(n/(n − 1)) / √n — 1.96 at n = 2, 0.19698 at n = 100 — so four times the
    trials halve the interval (to 0.4 %, the n − 1 of the sample variance)."""
    m2, (lo2, hi2) = _paired(np.array([0.0, 2.0]))
    assert m2 == 1.0 and (lo2, hi2) == pytest.approx((1.0 - 1.96, 1.0 + 1.96), rel=1e-12)
    halves = {}
    for n in (100, 400, 1600):
        m, (lo, hi) = _paired(np.tile([0.0, 2.0], n // 2))
        assert m == 1.0
        halves[n] = (hi - lo) / 2
        assert halves[n] == pytest.approx(1.96 * math.sqrt(n / (n - 1)) / math.sqrt(n))
    assert halves[100] == pytest.approx(0.19698, abs=1e-5)
    assert halves[100] / halves[400] == pytest.approx(2.0, rel=4e-3)
    assert halves[400] / halves[1600] == pytest.approx(2.0, rel=4e-3)
    assert _paired(np.array([3.0]))[1] == (-math.inf, math.inf)  # one trial: no interval


def test_cli_marginal_json_and_bad_layer(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "marginal",
            str(path),
            "--trials",
            "2",
            "--workers",
            "1",
            "--layer",
            "midcourse",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["trials"] == 2 and [r["layer_off"] for r in d["runs"]] == [None, "midcourse"]
    assert np.isclose(d["runs"][1]["mean_leakers"], 2.0)
    bad = runner.invoke(app, ["marginal", str(path), "--trials", "2", "--layer", "boost"])
    assert bad.exit_code == 2
    assert "--layer: 'boost' is not in the scenario" in bad.output
    assert "ground-radar, midcourse" in bad.output


def test_layer_off_variants_reuse_the_flown_truth() -> None:
    """``marginal`` flies the raid once: a variant of the same raid reuses the truth
    (the very arrays) and runs the same trials as a world flown anew; another raid
    is refused rather than silently given the wrong truth."""
    loaded = parse_scenario(SMALL, "small.yaml")
    base = build_world(loaded)
    s = loaded.scenario
    off = s.model_copy(update={"disabled_layers": ["midcourse"]})
    variant = type(loaded)(off, loaded.text, loaded.sha256, loaded.path)
    reused = build_world(variant, flown=base)
    assert reused.truth is base.truth and not reused.sites
    anew = build_world(variant)
    a, b = run_trials(reused, 1)[0], run_trials(anew, 1)[0]
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.hit_asset, b.hit_asset)
    other = type(loaded)(s.model_copy(update={"seed": s.seed + 1}), loaded.text, "", "x")
    with pytest.raises(ValueError, match="seed differ"):
        build_world(other, flown=base)
