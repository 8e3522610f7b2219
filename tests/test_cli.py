"""The `shieldlab` command as a user meets it: help, schema, validate, fly, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"
runner = CliRunner()


def test_help_lists_commands() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("demo", "run", "validate", "schema", "fly", "report"):
        assert cmd in res.output


def test_schema_is_json_schema() -> None:
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert schema["title"] == "Scenario"
    assert "threats" in schema["properties"]


def test_validate_ok_json() -> None:
    res = runner.invoke(app, ["validate", str(FLAGSHIP), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["valid"] is True and info["launches"] == 10


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        (("lat_deg: 47.50", "lat_deg: 95"), "assets.0.lat_deg"),
        (("    count: 10", "    cout: 10"), "unknown field 'cout'"),
        (("threats:\n", "threats: [\n"), "malformed YAML"),
    ],
)
def test_validate_bad_file_exit_2(tmp_path: Path, patch: tuple[str, str], needle: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLAGSHIP.read_text().replace(*patch, 1))
    before = sorted(tmp_path.iterdir())
    res = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert str(bad) in lines[0] and needle in lines[0]
    assert "Traceback" not in res.output
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def test_run_bad_scenario_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLAGSHIP.read_text().replace("count: 10", "count: -1", 1))
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert "threats.0.count" in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["generic-nothing", "--range-km", "5000"], "unknown threat 'generic-nothing'"),
        (["generic-solid-icbm"], "exactly one of --range-km"),
        (["generic-solid-icbm", "--range-km", "-3"], "--range-km"),
        (["generic-solid-icbm", "--target", "95,10"], "--target: latitude 95.0"),
        (["generic-solid-icbm", "--target", "abc"], "--target: expected LAT,LON"),
        (["generic-solid-icbm", "--range-km", "30000"], "--range-km"),
    ],
)
def test_fly_bad_input_exit_2(args: list[str], needle: str) -> None:
    res = runner.invoke(app, ["fly", *args])
    assert res.exit_code == 2
    assert needle in res.stderr
    assert "Traceback" not in res.output


def test_fly_json_reports_trajectory_figures() -> None:
    res = runner.invoke(app, ["fly", "generic-solid-icbm", "--range-km", "8000", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    for key in (
        "burnout_time_s",
        "burnout_alt_km",
        "burnout_speed_kmps",
        "apogee_alt_km",
        "ground_range_km",
        "flight_time_s",
        "miss_m",
    ):
        assert key in d
    assert abs(d["ground_range_km"] - 8000.0) < 30.0
    assert d["miss_m"] < 1000.0
    # the minimum-energy 8,000 km trajectory flies 28 min with a 1,264 km apogee
    # surface to surface (two-body, spherical Earth; Wright, Grego & Gronlund 2005,
    # ch. 11); the solid missile flies it by default (GEMS), plus its 3 min boost and
    # a ~220 km burnout height: measured 32.2 min and 1,423 km (the lofted full burn,
    # the default before, flies 49 min and 3,271 km)
    assert 30.0 * 60.0 < d["flight_time_s"] < 35.0 * 60.0
    assert 1200.0 < d["apogee_alt_km"] < 1600.0


def test_fly_table_output() -> None:
    res = runner.invoke(app, ["fly", "generic-solid-icbm", "--target", "47.6,-122.3"])
    assert res.exit_code == 0, res.output
    assert "apogee" in res.stdout and "miss distance" in res.stdout


def test_run_stores_identical_results_for_any_worker_count(tmp_path: Path) -> None:
    from shieldlab.store import list_runs, read_table

    small = tmp_path / "small.yaml"
    small.write_text(FLAGSHIP.read_text().replace("count: 10", "count: 2"))
    db = tmp_path / "out" / "shieldlab.duckdb"
    ids = []
    for workers in ("1", "2"):
        res = runner.invoke(
            app,
            [
                "run",
                str(small),
                "--trials",
                "4",
                "--workers",
                workers,
                "--out",
                str(tmp_path / "out"),
                "--json",
                "--no-report",
            ],
        )
        assert res.exit_code == 0, res.output
        info = json.loads(res.stdout)
        assert info["trials"] == 4 and info["threats"] == 2
        ids.append(info["run_id"])
    assert ids[0] != ids[1]  # the second run of the same scenario gets its own id
    runs = {r["run_id"]: r for r in list_runs(db)}
    assert runs[ids[0]]["scenario_sha256"] == runs[ids[1]]["scenario_sha256"]
    assert [runs[i]["workers"] for i in ids] == [1, 2]
    for table in ("trials", "threat_outcomes", "engagements", "trajectories"):
        a, b = read_table(db, table, ids[0]), read_table(db, table, ids[1])
        assert a.keys() == b.keys()
        for col in a:
            if a[col].dtype.kind == "O":
                assert list(a[col]) == list(b[col]), (table, col)
            else:
                np.testing.assert_array_equal(a[col], b[col], err_msg=f"{table}.{col}")


def test_fly_phase_table_and_exports(tmp_path: Path) -> None:
    csv_path, czml_path = tmp_path / "t.csv", tmp_path / "t.czml"
    res = runner.invoke(
        app,
        [
            "fly",
            "generic-solid-icbm",
            "--range-km",
            "6000",
            "--json",
            "--csv",
            str(csv_path),
            "--czml",
            str(czml_path),
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    phases = [p["phase"] for p in d["phases"]]
    assert phases == ["boost", "midcourse", "reentry"]
    boost = d["phases"][0]
    # the boost phase ends at burnout (grid resolution 1 s)
    assert abs(boost["end_s"] - d["burnout_time_s"]) <= 1.0
    assert d["phases"][1]["max_mach"] is None  # no Mach number in space
    assert d["phases"][-1]["end_alt_km"] < 2.0
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("name,object,t_s,lat_deg,lon_deg,alt_m")
    assert len(lines) > 100
    doc = json.loads(czml_path.read_text())
    assert doc[0]["id"] == "document" and doc[1]["position"]["cartographicDegrees"]
    coords = doc[1]["position"]["cartographicDegrees"]
    assert len(coords) % 4 == 0
    assert abs(coords[1] - 127.5) < 0.01 and abs(coords[2] - 40.0) < 0.01  # lon, lat at launch


def test_fly_bad_option_exit_2(tmp_path: Path) -> None:
    out_csv = tmp_path / "x.csv"
    res = runner.invoke(
        app,
        ["fly", "generic-solid-icbm", "--range-km", "6000", "-o", "warp=9", "--csv", str(out_csv)],
    )
    assert res.exit_code == 2
    assert "warp" in res.stderr
    assert not out_csv.exists()
    res = runner.invoke(app, ["fly", "generic-solid-icbm", "--range-km", "6000", "-o", "noequals"])
    assert res.exit_code == 2 and "KEY=VALUE" in res.stderr


def test_raid_lists_launches_and_validate_counts_them() -> None:
    near_peer = ROOT / "scenarios" / "near-peer-raid.yaml"
    res = runner.invoke(app, ["raid", str(near_peer), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert len(d["launches"]) == 24
    assert {"threat", "area", "t_launch_s", "target", "range_km"} <= set(d["launches"][0])
    again = json.loads(runner.invoke(app, ["raid", str(near_peer), "--json"]).stdout)
    assert again == d  # seeded: the same list every time
    other = json.loads(runner.invoke(app, ["raid", str(near_peer), "--json", "--seed", "7"]).stdout)
    assert other["launches"] != d["launches"]
    res = runner.invoke(app, ["validate", str(near_peer), "--json"])
    assert json.loads(res.stdout)["launches"] == 24


def test_constellation_counts_and_coverage(tmp_path: Path) -> None:
    near_peer = ROOT / "scenarios" / "near-peer-raid.yaml"
    res = runner.invoke(app, ["constellation", str(near_peer), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    sats = {c["name"]: c for c in d["constellations"]}
    assert sats["leo-tracking"]["satellites"] == 48
    # circular 1,000 km orbit: T = 2π √(a³/μ) = 105.1 min (two-body closed form)
    assert abs(sats["leo-tracking"]["period_min"] - 105.1) < 0.1
    assert abs(sats["geo-warning"]["period_min"] - 1436.1) < 0.5  # one sidereal day
    cov = d["coverage"]
    assert cov["k"] == 2 and 0.0 <= cov["min_fraction"] <= cov["mean_fraction"] <= 1.0
    bad = tmp_path / "bad.yaml"
    bad.write_text(near_peer.read_text().replace("total: 48, planes: 6", "total: 50, planes: 6"))
    res = runner.invoke(app, ["constellation", str(bad)])
    assert res.exit_code == 2
    assert "constellations.0" in res.stderr and "not a multiple of planes" in res.stderr
