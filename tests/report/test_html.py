"""Tests of the HTML report, built from a small hand-made store.

Fixture: 3 threats, 2 trials, 2 defended assets (Capital value 10, Harbor 4);
threats 0 and 1 are aimed at Capital, threat 2 at Harbor; one layer (midcourse).
  trial 0: threat 0 killed (Fort Greely), threat 1 leaked into Capital,
           threat 2 killed by Vandenberg's second shot after a miss;
  trial 1: threats 0 and 1 killed (Fort Greely), threat 2 impacted outside
           every asset (no_threat).

Layered variant (``layered_tables``): threat 2 is a heavy decoy; in trial 0 a
terminal-layer interceptor (THAAD) also fires at threat 1 and misses; in trial 1
threat 2 is destroyed left of launch instead of missing its asset.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from shieldlab.report import write_report
from shieldlab.report.figures import intercept_points, threat_outcome_mode
from shieldlab.report.html import (
    _shot_aim as shot_aim,
    asset_leakage,
    asset_total,
    headline,
    layer_kills,
    layer_site_kills,
    shot_layers,
)
from shieldlab.store import read_table, write_run

O = np.array  # short alias for object/string arrays below


def _great_circle(lat0: float, lon0: float, lat1: float, lon1: float, s: np.ndarray) -> tuple:
    a = np.deg2rad([lat0, lon0])
    b = np.deg2rad([lat1, lon1])
    pa = np.array([np.cos(a[0]) * np.cos(a[1]), np.cos(a[0]) * np.sin(a[1]), np.sin(a[0])])
    pb = np.array([np.cos(b[0]) * np.cos(b[1]), np.cos(b[0]) * np.sin(b[1]), np.sin(b[0])])
    om = np.arccos(pa @ pb)
    p = (np.sin((1 - s) * om)[:, None] * pa + np.sin(s * om)[:, None] * pb) / np.sin(om)
    return np.rad2deg(np.arcsin(p[:, 2])), np.rad2deg(np.arctan2(p[:, 1], p[:, 0]))


def fixture_tables() -> dict[str, dict[str, np.ndarray]]:
    s = np.linspace(0.0, 1.0, 31)
    t_s = s * 1800.0
    alt_m = 1.2e6 * 4.0 * s * (1.0 - s)
    targets = [(38.9, -77.0), (38.95, -77.05), (46.0, -124.5)]
    lat, lon, tid = [], [], []
    for i, (la, lo) in enumerate(targets):
        a, b = _great_circle(40.0, 127.5, la, lo, s)
        lat.append(a)
        lon.append(b)
        tid.append(np.full(s.size, i))
    return {
        "trials": {
            "trial": O([0, 1]),
            "leakers": O([1, 0]),
            "threats": O([3, 3]),
            "killed": O([2, 2]),
            "shots": O([3, 2]),
            "value_hit": O([10.0, 0.0]),
            "cost_usd": O([2.25e8, 1.5e8]),
            "c2_cut_epochs": O([-1, -1]),
        },
        "threat_outcomes": {
            "trial": O([0, 0, 0, 1, 1, 1]),
            "threat_id": O([0, 1, 2, 0, 1, 2]),
            "threat_type": O(["generic-solid-icbm"] * 6, dtype=object),
            "status": O(["killed", "leaked", "killed", "killed", "killed", "no_threat"]),
            "killed_by_shot": O([0, -1, 2, 0, 1, -1]),
            "kill_layer": O(["midcourse", None, "midcourse", "midcourse", "midcourse", None]),
            "kill_time_s": O([900.0, np.nan, 1000.0, 900.0, 950.0, np.nan]),
            "aim_asset": O(["Capital", "Capital", "Harbor"] * 2, dtype=object),
            "hit_asset": O([None, "Capital", None, None, None, None], dtype=object),
            "impact_lat_deg": O([38.9, 38.95, 46.0, 38.9, 38.95, 46.0]),
            "impact_lon_deg": O([-77.0, -77.05, -124.5, -77.0, -77.05, -124.5]),
            "object_kind": O(["rv"] * 6, dtype=object),
            "custody": O([0.9, 0.8, 1.0, 0.7, 0.6, 0.5]),
            "custody_fc": O([0.5, 0.4, 0.6, 0.3, 0.2, 0.1]),
            "handovers": O([0, 1, 0, 2, 0, 0]),
            "sensor_handovers": O([1, 0, 0, 1, 0, 0]),
        },
        "custody_layers": {
            "trial": O([0, 0, 1]),
            "threat_id": O([0, 1, 0]),
            "layer": O(["ground-radar"] * 3, dtype=object),
            "fraction": O([0.9, 0.7, 0.5]),
        },
        "engagements": {
            "trial": O([0, 0, 0, 1, 1]),
            "shot_id": O([0, 1, 2, 0, 1]),
            "threat_id": O([0, 2, 2, 0, 1]),
            "site": O(["Fort Greely", "Vandenberg", "Vandenberg", "Fort Greely", "Fort Greely"]),
            "layer": O(["midcourse"] * 5),
            "decision_time_s": O([400.0, 500.0, 700.0, 400.0, 450.0]),
            "launch_time_s": O([420.0, 520.0, 720.0, 420.0, 470.0]),
            "intercept_time_s": O([900.0, 950.0, 1000.0, 900.0, 950.0]),
            "intercept_alt_m": O([np.nan, 1.1e6, np.nan, 1.2e6, 1.19e6]),
            "pk": O([0.7, 0.7, 0.7, 0.7, 0.7]),
            "hit": O([True, False, True, True, True]),
            "c2_delay_s": O([np.nan] * 5),
            "c2_lost_s": O([np.nan] * 5),
            "intercept_lat_deg": O([60.0, 61.0, 62.0, 60.0, 61.0]),
            "intercept_lon_deg": O([-170.0, -171.0, -172.0, -170.0, -171.0]),
            "planned_miss_m": O([100.0, 300.0, 50.0, 80.0, 90.0]),
            "achieved_miss_m": O([0.0, 120.0, 0.0, 0.0, 0.0]),
            "cost_usd": O([7.5e7] * 5),
        },
        "trajectories": {
            "threat_id": np.concatenate(tid),
            "t_s": np.tile(t_s, 3),
            "lat_deg": np.concatenate(lat),
            "lon_deg": np.concatenate(lon),
            "alt_m": np.tile(alt_m, 3),
            "phase": np.tile(np.where(s < 0.1, 0, np.where(s < 0.9, 1, 2)).astype(np.int8), 3),
        },
        "sites": {
            "name": O(["Capital", "Harbor", "Fort Greely", "Vandenberg", "Cobra Dane", "Launch"]),
            "kind": O(["asset", "asset", "interceptor", "interceptor", "radar", "launch"]),
            "lat_deg": O([38.9, 47.6, 63.95, 34.74, 52.74, 40.0]),
            "lon_deg": O([-77.0, -122.3, -145.73, -120.57, 174.09, 127.5]),
            "value": O([10.0, 4.0, 40.0, 4.0, np.nan, np.nan]),
            "radius_m": O([30e3, 20e3, np.nan, np.nan, np.nan, np.nan]),
        },
    }


def layered_tables() -> dict[str, dict[str, np.ndarray]]:
    t = fixture_tables()
    o = t["threat_outcomes"]
    o["object_kind"] = O(["rv", "rv", "heavy-decoy"] * 2, dtype=object)
    o["status"][5] = "killed"
    o["kill_layer"][5] = "left-of-launch"
    o["kill_time_s"][5] = 0.0
    o["custody"][5] = np.nan
    o["custody_fc"][5] = np.nan
    t["trials"]["killed"] = O([2, 3])
    t["trials"]["shots"] = O([4, 2])
    e = t["engagements"]
    extra = {
        "trial": 0,
        "shot_id": 3,
        "threat_id": 1,
        "site": "THAAD",
        "layer": "terminal",
        "decision_time_s": 1700.0,
        "launch_time_s": 1710.0,
        "intercept_time_s": 1750.0,
        "intercept_alt_m": 4.0e4,
        "pk": 0.8,
        "hit": False,
        "c2_delay_s": np.nan,
        "c2_lost_s": np.nan,
    }
    for k in e:  # columns not named above (optional per-shot figures): NaN
        e[k] = np.append(e[k], extra.get(k, np.nan))
    sites = t["sites"]
    site = {
        "name": "THAAD",
        "kind": "interceptor",
        "lat_deg": 38.8,
        "lon_deg": -77.1,
        "value": np.nan,
        "radius_m": np.nan,
    }
    for k, v in site.items():
        sites[k] = np.append(sites[k], v)
    return t


RUN = {
    "run_id": "run-0001",
    "created_utc": datetime(2025, 1, 27, 12, 30),
    "scenario_name": "Salvo <test> & co",
    "scenario_text": "name: salvo\nnote: <script>alert(1)</script>\n",
    "scenario_sha256": "c0ffee" + "0" * 58,
    "seed": 42,
    "trials": 2,
    "workers": 1,
    "shieldlab_version": "0.1.0",
    "epoch_utc": "2025-01-27T12:00:00Z",
    "git_commit": "0123456789abcdef0123456789abcdef01234567",
    "python_version": "3.11.7",
    "dependencies": '{"duckdb": "1.1.0", "numpy": "2.1.0"}',
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "results.duckdb"
    write_run(db, RUN, fixture_tables())
    return db


@pytest.fixture(scope="module")
def html(store: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = write_report(store, "run-0001", tmp_path_factory.mktemp("rep") / "r" / "report.html")
    return out.read_text(encoding="utf-8")


def test_headline_numbers(store: Path, html: str) -> None:
    head = headline(read_table(store, "trials", "run-0001"))
    assert head["n_trials"] == 2 and head["n_clean"] == 1
    # Wilson 95 % for 1/2: 0.5 ± 1.96·sqrt(0.125 + z²/16)/(1 + z²/2) = [0.0945, 0.9055]
    assert head["p_lo"] == pytest.approx(0.09453, abs=1e-5)
    assert head["p_hi"] == pytest.approx(0.90547, abs=1e-5)
    assert head["mean_shots"] == 2.5 and head["mean_value_hit"] == 5.0
    assert "P(no leaker) = 0.500 (95 % Wilson interval 0.095–0.905, 1 of 2 trials" in html
    assert ">2.5</div>" in html  # interceptors fired per trial


def test_provenance_table(html: str) -> None:
    # what the run was made with, as stored: version, commit, Python, dependencies, hash
    assert "<h3>Provenance</h3>" in html
    for cell in ("0123456789abcdef0123456789abcdef01234567", "3.11.7", "numpy", "2.1.0"):
        assert f"<td>{cell}</td>" in html
    assert "c0ffee" + "0" * 58 in html


def test_asset_table_rows(html: str) -> None:
    # Capital: 2 threats aimed/trial; shots at them 3 (trial 0: shot 0; trial 1: shots 0, 1)
    # → 1.50/trial; 1 leaker in 2 trials; hit in 1 of 2 trials; value 10; expected surviving
    # value 10 · (1 − 0.5) = 5. One layer, no decoys: no "all layers" or warhead columns.
    assert (
        '<tr><td>Capital</td><td class="n">2.00</td><td class="n">1.50</td>'
        '<td class="n">0.50</td><td class="n">0.500 [0.095–0.905]</td><td class="n">10</td>'
        '<td class="n">5.00</td></tr>'
    ) in html
    # Harbor: 2 shots at threat 2 in trial 0 → 1.00/trial; never hit; Wilson upper bound
    # for 0/2 is z²/(n + z²) = 0.658; surviving value 4 · (1 − 0) = 4.
    assert (
        '<tr><td>Harbor</td><td class="n">1.00</td><td class="n">1.00</td>'
        '<td class="n">0.00</td><td class="n">0.000 [0.000–0.658]</td><td class="n">4</td>'
        '<td class="n">4.00</td></tr>'
    ) in html
    # total: P(any asset hit) = 1/2, value 14, surviving 9 = 64.3 %.
    assert (
        "<tr><td><strong>all assets</strong></td>"
        '<td class="n"><strong>3.00</strong></td><td class="n"><strong>2.50</strong></td>'
        '<td class="n"><strong>0.50</strong></td>'
        '<td class="n"><strong>0.500 [0.095–0.905]</strong></td>'
        '<td class="n"><strong>14</strong></td><td class="n"><strong>9.00</strong></td></tr>'
    ) in html
    assert "Expected surviving value per trial: 9.00 of 14.00 (64.3 %)." in html
    assert "binary damage model" in html
    assert "<th>shots / trial: midcourse</th>" in html
    assert "all layers" not in html and "warheads aimed" not in html
    assert "left-of-launch" not in html  # no such kill: not described


def test_layer_table_rows(html: str) -> None:
    # midcourse: 5 shots, 4 kills (trial 0: threats 0, 2; trial 1: threats 0, 1), 1.25 shots/kill;
    # 5 shots × 75 M$ over 2 trials = 187.5 M$ per trial
    assert (
        '<tr><td>midcourse</td><td class="n">5</td><td class="n">2.50</td>'
        '<td class="n">4</td><td class="n">2.00</td><td class="n">1.25</td>'
        '<td class="n">187.5</td></tr>'
    ) in html
    # headline: the trials table's cost (225 and 150 M$)
    assert "the shots expended cost 187.5 M$" in html


def test_layer_site_table(store: Path, html: str) -> None:
    rows = layer_site_kills(read_table(store, "engagements", "run-0001"), 2)
    assert [(r["site"], r["shots"], r["hits"]) for r in rows] == [
        ("Fort Greely", 3, 3),
        ("Vandenberg", 2, 1),
    ]
    assert rows[1]["pk_empirical"] == 0.5
    assert "<td>Vandenberg</td>" in html and '0.500 [0.095–0.905]</td><td class="n">0.700' in html


def test_asset_leakage_function(store: Path) -> None:
    rows = asset_leakage(
        read_table(store, "threat_outcomes", "run-0001"),
        read_table(store, "sites", "run-0001"),
        read_table(store, "engagements", "run-0001"),
        2,
    )
    assert [r["asset"] for r in rows] == ["Capital", "Harbor"]
    assert rows[0]["mean_leakers"] == 0.5 and rows[0]["p_hit"] == 0.5
    assert rows[0]["shots:midcourse"] == 1.5 and rows[0]["shots"] == 1.5
    assert rows[0]["surviving_value"] == 5.0
    assert rows[1]["threats_aimed"] == 1.0 and rows[1]["p_hit"] == 0.0
    assert rows[1]["shots"] == 1.0 and rows[1]["surviving_value"] == 4.0


def test_layered_asset_rows_and_total() -> None:
    t = layered_tables()
    o, e = t["threat_outcomes"], t["engagements"]
    assert shot_layers(e) == ["midcourse", "terminal"]
    rows = asset_leakage(o, t["sites"], e, 2)
    cap, har = rows
    # Capital: rv 0 and 1 aimed (2 warheads/trial); midcourse shots 3 → 1.5/trial, the THAAD
    # shot at the trial-0 leaker → 0.5/trial; total 2.0/trial.
    assert (cap["threats_aimed"], cap["warheads_aimed"]) == (2.0, 2.0)
    assert (cap["shots:midcourse"], cap["shots:terminal"], cap["shots"]) == (1.5, 0.5, 2.0)
    assert (cap["p_hit"], cap["surviving_value"]) == (0.5, 5.0)
    # Harbor: only the decoy is aimed at it (1 object, 0 warheads); 2 midcourse shots in trial 0.
    assert (har["threats_aimed"], har["warheads_aimed"]) == (1.0, 0.0)
    assert (har["shots:midcourse"], har["shots:terminal"], har["shots"]) == (1.0, 0.0, 1.0)
    assert (har["mean_leakers"], har["surviving_value"]) == (0.0, 4.0)
    total = asset_total(rows, o, 2)
    assert total["asset"] == "all assets"
    assert (total["threats_aimed"], total["warheads_aimed"], total["shots"]) == (3.0, 2.0, 3.0)
    assert (total["shots:midcourse"], total["shots:terminal"]) == (2.5, 0.5)
    assert (total["value"], total["surviving_value"], total["mean_leakers"]) == (14.0, 9.0, 0.5)
    # P(any asset hit) = 1/2 with the Wilson interval of 1/2 (see test_headline_numbers).
    assert total["p_hit"] == 0.5
    assert total["p_lo"] == pytest.approx(0.09453, abs=1e-5)


def test_layered_surviving_value_binary_damage() -> None:
    # two leakers into Capital in the same trial: the asset is lost once, P(hit) stays 1/2.
    t = layered_tables()
    o = t["threat_outcomes"]
    o["status"][0] = "leaked"
    o["hit_asset"][0] = "Capital"
    o["kill_layer"][0] = None
    rows = asset_leakage(o, t["sites"], t["engagements"], 2)
    assert rows[0]["mean_leakers"] == 1.0
    assert rows[0]["p_hit"] == 0.5 and rows[0]["surviving_value"] == 5.0


def test_layers_acting_before_flight_come_first() -> None:
    """Left-of-launch then EW/cyber (launch failures) lead the layer table; then the
    layers in engagement-timeline order (midcourse before the lasers and microwaves,
    which are layers of their own): :func:`shieldlab.sim.layers.timeline`."""
    t = layered_tables()
    o = t["threat_outcomes"]
    o["kill_layer"][1] = "ew-cyber"
    o["kill_layer"][4] = "microwave"
    e = t["engagements"]
    e["layer"] = np.where(e["site"] == "THAAD", "laser", e["layer"]).astype(object)
    rows = layer_kills(o, e, 2)
    assert [r["layer"] for r in rows] == [
        "left-of-launch",
        "ew-cyber",
        "midcourse",
        "laser",
        "microwave",
    ]
    assert shot_layers(e) == ["midcourse", "laser"]


def test_layer_kills_with_left_of_launch() -> None:
    t = layered_tables()
    rows = layer_kills(t["threat_outcomes"], t["engagements"], 2)
    assert [r["layer"] for r in rows] == ["left-of-launch", "midcourse", "terminal"]
    lol, mid, term = rows
    # left of launch: the decoy of trial 1, no shots → 0 shots per kill.
    assert (lol["shots"], lol["kills"], lol["warhead_kills"]) == (0, 1, 0)
    assert (lol["kills_per_trial"], lol["shots_per_kill"]) == (0.5, 0.0)
    # midcourse: 5 shots, 4 kills of which 3 warheads (the trial-0 decoy is the 4th).
    assert (mid["shots"], mid["kills"], mid["warhead_kills"]) == (5, 4, 3)
    assert (mid["shots_per_trial"], mid["kills_per_trial"]) == (2.5, 2.0)
    assert mid["warhead_kills_per_trial"] == 1.5 and mid["shots_per_kill"] == 1.25
    # terminal: one miss, no kill → shots per kill undefined.
    assert (term["shots"], term["kills"]) == (1, 0) and np.isnan(term["shots_per_kill"])


def test_shot_aim_join_matches_loop() -> None:
    rng = np.random.default_rng(7)
    trial = np.repeat(np.arange(5), 4)
    tid = np.tile(np.arange(4), 5)
    perm = rng.permutation(trial.size)  # outcome rows in any order
    assets = np.array(["A", "B", "C"], dtype=object)[rng.integers(0, 3, trial.size)]
    outcomes = {"trial": trial[perm], "threat_id": tid[perm], "aim_asset": assets[perm]}
    eng = {"trial": rng.integers(0, 6, 40), "threat_id": rng.integers(0, 5, 40)}
    table = {(int(a), int(b)): c for a, b, c in zip(trial, tid, assets, strict=True)}
    expected = [
        table.get((int(a), int(b))) for a, b in zip(eng["trial"], eng["threat_id"], strict=True)
    ]
    assert any(x is None for x in expected)  # trial 5 or threat 4: not in the outcomes
    assert shot_aim(outcomes, eng).tolist() == expected


@pytest.fixture(scope="module")
def layered_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("layered") / "results.duckdb"
    write_run(db, RUN, layered_tables())
    out = write_report(db, "run-0001", tmp_path_factory.mktemp("rep") / "layered.html")
    return out.read_text(encoding="utf-8")


def test_layered_report_columns(layered_html: str) -> None:
    h = layered_html
    heads = [
        "<th>threats aimed / trial</th>",
        "<th>warheads aimed / trial</th>",
        "<th>shots / trial: midcourse</th>",
        "<th>shots / trial: terminal</th>",
        "<th>shots / trial: all layers</th>",
        "<th>mean leakers / trial</th>",
    ]
    assert [h.index(x) for x in heads] == sorted(h.index(x) for x in heads)
    assert (
        '<tr><td>Capital</td><td class="n">2.00</td><td class="n">2.00</td>'
        '<td class="n">1.50</td><td class="n">0.50</td><td class="n">2.00</td>'
        '<td class="n">0.50</td>'
    ) in h
    assert "<th>warhead kills / trial</th>" in h
    assert "<em>left-of-launch</em> counts the objects of missiles destroyed" in h
    assert (
        '<tr><td>left-of-launch</td><td class="n">0</td><td class="n">0.00</td>'
        '<td class="n">1</td><td class="n">0.50</td><td class="n">0.00</td>'
        '<td class="n">0.00</td><td class="n">–</td></tr>'
    ) in h
    assert (
        '<tr><td>terminal</td><td class="n">1</td><td class="n">0.50</td>'
        '<td class="n">0</td><td class="n">0.00</td><td class="n">0.00</td>'
        '<td class="n">–</td><td class="n">– + 1 shot unpriced</td></tr>'
    ) in h
    # the THAAD shot has no cost in the fixture: named, not counted as 0
    assert "the shots expended cost 187.5 M$" in h and "1 shot without a catalog cost" in h


def test_page_structure_and_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert 'id="globe"' in html and 'id="leakers"' in html and 'id="altitude"' in html
    order = [
        html.index(k)
        for k in (
            'id="globe"',
            "<h2>Defended assets: threats, shots, leakers and surviving value</h2>",
            'id="leakers"',
            "<h2>Shots and kills by layer</h2>",
            "<h2>Kills by layer and site</h2>",
            'id="altitude"',
            "<details>",
        )
    ]
    assert order == sorted(order)
    assert '"type":"orthographic"' in html.replace(" ", "")
    assert '"world_110m": {"type":"Topology"' in html  # inlined land/coastlines
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.IGNORECASE)
    assert html.count("Plotly.newPlot(") == 3 + 5  # globe, leakers, altitude + dashboard
    assert html.count("plotly.js v") == 1  # library inlined once
    assert 4_000_000 < len(html.encode()) < 8_000_000


def test_user_strings_escaped(html: str) -> None:
    assert "<h1>Salvo &lt;test&gt; &amp; co</h1>" in html
    assert "note: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "c0ffee" + "0" * 58 in html
    assert "2025-01-27 12:30 UTC" in html and "seed 42" in html


def test_report_is_deterministic(store: Path, tmp_path: Path, html: str) -> None:
    again = write_report(store, "run-0001", tmp_path / "again.html")
    assert again.read_text(encoding="utf-8") == html


def test_intercept_points_interpolate_across_dateline() -> None:
    traj = {
        "threat_id": O([5, 5, 5]),
        "t_s": O([0.0, 10.0, 20.0]),
        "lat_deg": O([50.0, 52.0, 54.0]),
        "lon_deg": O([178.0, -178.0, -174.0]),
        "alt_m": O([1e5, 2e5, 3e5]),
    }
    eng = {
        "trial": O([0, 0, 1]),
        "threat_id": O([5, 5, 5]),
        "intercept_time_s": O([5.0, np.nan, 5.0]),
        "intercept_alt_m": O([np.nan, 1.0, 1.0]),
        "hit": O([True, True, True]),
        "site": O(["A", "A", "A"]),
        "layer": O(["x", "x", "x"]),
    }
    pts = intercept_points(traj, eng, trial=0)
    assert pts["lat_deg"].tolist() == [51.0]
    assert abs(abs(pts["lon_deg"][0]) - 180.0) < 1e-9  # not 0° (the naive average)
    assert pts["alt_m"].tolist() == [1.5e5]


def test_threat_outcome_mode_ties_pessimistic() -> None:
    modes = threat_outcome_mode(
        O([0, 1, 2]), O([0, 0, 1, 1, 0]), O(["killed", "leaked", "killed", "killed", "killed"])
    )
    assert modes[0][0] == "killed" and modes[0][1]["killed"] == 2
    assert modes[1][0] == "killed"
    assert modes[2][0] == "unknown"
    tie = threat_outcome_mode(O([0]), O([0, 0]), O(["killed", "leaked"]))
    assert tie[0][0] == "leaked"
