"""A layer plug-in touches its own module and nothing else.

The worked example of ``docs/architecture.md`` (``docs/examples/ciws_layer.py``,
a close-in weapon system) is registered here and flown against the drone raid
of ``test_directed_energy_engine``. Without the plug-in its scenario section is
an error; with it the section is validated by the plug-in's model, the engine
steps it, its kills and shots (with cost) reach the results and the store,
``marginal`` sees it as a layer of the world, and ``disabled_layers`` switches
it off — with no change to the engine, results, store, report or marginal.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.report.html import layer_kills
from shieldlab.scenario import ScenarioError, parse_scenario
from shieldlab.sim import layers
from shieldlab.sim.engine import KILLED, run_trial
from shieldlab.sim.marginal import present_layers
from shieldlab.sim.results import result_tables, summarise
from shieldlab.sim.world import build_world
from shieldlab.store import read_table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "ciws_layer.py"
RAID = """
name: drones
seed: 3
trials: 1
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
"""
CIWS = "ciws:\n  - {name: LA gun, lat_deg: 34.05, lon_deg: -118.245, pk_per_burst: 0.5}\n"


@pytest.fixture
def ciws() -> Iterator[object]:
    """The example plug-in, registered for one test and removed after it."""
    spec = importlib.util.spec_from_file_location("ciws_layer", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ciws_layer"] = module
    spec.loader.exec_module(module)
    yield module
    layers.unregister("ciws")
    sys.modules.pop("ciws_layer", None)


def test_without_the_plugin_its_section_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="ciws"):
        parse_scenario(RAID + CIWS, "drones.yaml")


def test_the_plugin_is_flown_credited_costed_and_switchable(ciws: object) -> None:
    w = build_world(parse_scenario(RAID + CIWS, "drones.yaml"))
    assert "ciws" in w.parts and "ciws" in present_layers(w)
    results = [run_trial(w, i) for i in range(2)]
    killed = sum(int(r.layer_kills["ciws"].sum()) for r in results)
    assert killed >= 12  # measured 24 of 24 drones in 57 bursts (0.5 Pk, every 2 s, 4 km)
    t = result_tables(w, results, with_maps=False)
    o, e = t["threat_outcomes"], t["engagements"]
    assert np.sum(o["kill_layer"] == "ciws") == killed
    assert np.all(o["status"][o["kill_layer"] == "ciws"] == "killed")
    rows = e["layer"] == "ciws"
    bursts = sum(r.layer_shots["ciws"].size for r in results)
    assert rows.sum() == bursts and np.all(e["site"][rows] == "LA gun")
    np.testing.assert_allclose(e["cost_usd"][rows], 20_000.0)
    s = summarise(w, results, t)
    assert s.kills_by_layer["ciws"] == pytest.approx(killed / 2)
    assert s.cost_by_layer is not None
    assert s.cost_by_layer["ciws"] == pytest.approx(bursts * 20_000.0 / 2)
    assert {str(r["layer"]) for r in layer_kills(o, e, 2)} == {"ciws"}
    # shot ids stay unique within a trial
    for tr in (0, 1):
        ids = e["shot_id"][e["trial"] == tr]
        assert ids.size == np.unique(ids).size
    off = build_world(parse_scenario(RAID + CIWS + "disabled_layers: [ciws]\n", "off.yaml"))
    assert "ciws" not in off.parts
    r_off = run_trial(off, 0)
    assert not np.any(r_off.status == KILLED)


def test_bad_input_names_the_plugin_field(ciws: object) -> None:
    bad = CIWS.replace("pk_per_burst: 0.5", "pk_per_burst: 1.5")
    with pytest.raises(ScenarioError, match=r"ciws\.0\.pk_per_burst"):
        parse_scenario(RAID + bad, "bad.yaml")


def test_the_cli_stores_the_plugin_layer(ciws: object, tmp_path: Path) -> None:
    path = tmp_path / "drones.yaml"
    path.write_text(RAID + CIWS, encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["run", str(path), "--trials", "2", "--workers", "1", "--out", str(tmp_path), "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    run_id = out["run_id"]
    assert out["truth_shortcuts"] == []  # the defence read no truth
    eng = read_table(tmp_path / "shieldlab.duckdb", "engagements", run_id)
    assert "ciws" in set(eng["layer"].tolist())


def test_the_cli_rejects_bad_plugin_input_in_one_line(ciws: object, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(RAID + CIWS.replace("pk_per_burst: 0.5", "pk_per_burst: 1.5"), "utf-8")
    res = CliRunner().invoke(app, ["run", str(path), "--workers", "1", "--out", str(tmp_path)])
    assert res.exit_code == 2
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "ciws.0.pk_per_burst" in lines[0]
    assert not (tmp_path / "shieldlab.duckdb").exists()
