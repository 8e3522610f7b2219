"""Marginal contribution of each layer (``sim.marginal``, ``shieldlab marginal``).

Checks: the layers a world holds; the baseline row is the plain run of the same
scenario and seed; switching the only midcourse layer off leaves every threat
unengaged (all leak: Δ leakers = baseline survivors' complement, exactly, with a
zero-width interval since every trial moves the same way); common random
numbers make the comparison reproducible; bad input fails with one line, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.scenario import parse_scenario
from shieldlab.sim.marginal import marginal_contributions, present_layers
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
    assert present_layers(w) == ["ground-radar", "midcourse"]
    off = build_world(parse_scenario(SMALL + "disabled_layers: [midcourse]\n", "off.yaml"))
    assert present_layers(off) == ["ground-radar"]


def test_midcourse_off_lets_every_threat_through() -> None:
    loaded = parse_scenario(SMALL, "small.yaml")
    n = loaded.scenario.trials
    assert n == 3
    rows = marginal_contributions(loaded, layers=["midcourse"])
    base, off = rows
    assert base.layer is None and off.layer == "midcourse"
    # the baseline is the plain run
    w = build_world(loaded)
    plain = summarise(w, run_trials(w, n))
    assert base.mean_leakers == plain.mean_leakers
    assert base.p_no_leaker == plain.p_no_leaker
    # no interceptor left: both threats leak in every trial, none fired
    assert off.mean_leakers == 2.0 and off.mean_shots == 0.0 and off.p_no_leaker == 0.0
    assert off.delta_leakers == pytest.approx(2.0 - base.mean_leakers)
    lo, hi = off.delta_leakers_ci95
    assert lo <= off.delta_leakers <= hi
    assert off.delta_value_hit >= 0.0
    # the shots it no longer fires: the whole baseline cost (111 M$ per NGI-class round)
    assert off.mean_cost_usd == 0.0 and base.mean_cost_usd == pytest.approx(111e6 * base.mean_shots)
    assert off.delta_cost_usd == pytest.approx(-base.mean_cost_usd)
    # reproducible (same seed, same trials)
    again = marginal_contributions(loaded, layers=["midcourse"])
    assert again == rows
    with pytest.raises(ValueError, match="not in the scenario"):
        marginal_contributions(loaded, layers=["boost"])


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
