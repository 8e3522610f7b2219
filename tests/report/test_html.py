"""Tests of the HTML report, built from a small hand-made store.

Fixture: 3 threats, 2 trials, 2 defended assets.
  trial 0: threat 0 killed (Fort Greely), threat 1 leaked into Capital,
           threat 2 killed by Vandenberg's second shot after a miss;
  trial 1: threats 0 and 1 killed (Fort Greely), threat 2 impacted outside
           every asset (no_threat).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from shieldlab.report import write_report
from shieldlab.report.figures import intercept_points, threat_outcome_mode
from shieldlab.report.html import asset_leakage, headline, layer_site_kills
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


def test_asset_table_rows(html: str) -> None:
    # Capital: 2 threats aimed/trial, 1 leaker in 2 trials, hit in 1 of 2 trials, value 10.
    assert (
        '<tr><td>Capital</td><td class="n">2.00</td><td class="n">0.50</td>'
        '<td class="n">0.500 [0.095–0.905]</td><td class="n">10</td></tr>'
    ) in html
    # Harbor: never hit; Wilson upper bound for 0/2 is z²/(n + z²) = 0.658.
    assert (
        '<tr><td>Harbor</td><td class="n">1.00</td><td class="n">0.00</td>'
        '<td class="n">0.000 [0.000–0.658]</td><td class="n">4</td></tr>'
    ) in html


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
        read_table(store, "threat_outcomes", "run-0001"), read_table(store, "sites", "run-0001"), 2
    )
    assert [r["asset"] for r in rows] == ["Capital", "Harbor"]
    assert rows[0]["mean_leakers"] == 0.5 and rows[0]["p_hit"] == 0.5
    assert rows[1]["threats_aimed"] == 1.0 and rows[1]["p_hit"] == 0.0


def test_page_structure_and_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert 'id="globe"' in html and 'id="leakers"' in html and 'id="altitude"' in html
    order = [
        html.index(k)
        for k in (
            'id="globe"',
            "Leakage per defended asset",
            'id="leakers"',
            "Kills by layer",
            'id="altitude"',
            "<details>",
        )
    ]
    assert order == sorted(order)
    assert '"type":"orthographic"' in html.replace(" ", "")
    assert '"world_110m": {"type":"Topology"' in html  # inlined land/coastlines
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.IGNORECASE)
    assert html.count("Plotly.newPlot(") == 3
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
