"""Tests of the CZML export of one stored trial (``shieldlab.report.trial_czml``).

Fixture: a small scenario (four ICBMs from one launch area at three assets, two
GBI sites, three sensors, a 12-satellite LEO constellation and strikes left of
launch) run for 2 trials by ``shieldlab run`` (typer's CliRunner) with
``--seed 5``, which differs from the text's seed: the export must draw the raid
from the stored seed. With that seed trial 0 has three objects destroyed left
of launch (they never fly) and one midcourse kill; trial 1 a leaker, two kills
and misses. The truth is re-flown by the export, so every call takes ~2 s:
the module builds few documents and shares them.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from czml3 import Document
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.core.frames import great_circle_distance_m
from shieldlab.report.trial_czml import TrialCzml, trial_czml, write_trial_czml
from shieldlab.store import list_runs, read_table

SCENARIO = """\
name: czml-mini
epoch_utc: "2026-07-04T12:00:00Z"
seed: 11
trials: 50
time_step_s: 2.0
threats:
  - type: generic-solid-icbm
    count: 4
    launch_area: {lat_deg: 40.0, lon_deg: 127.5, radius_km: 60}
    first_launch_s: 60
    launch_interval_s: 20
    targets: [Seattle, Anchorage, Honolulu, Seattle]
assets:
  - {name: Seattle, lat_deg: 47.61, lon_deg: -122.33, radius_km: 30, value: 4.0}
  - {name: Anchorage, lat_deg: 61.22, lon_deg: -149.90, radius_km: 15, value: 0.4}
  - {name: Honolulu, lat_deg: 21.31, lon_deg: -157.86, radius_km: 15, value: 1.0}
constellations:
  - {kind: walker, name: leo-demo, total: 12, planes: 3, phasing: 1, altitude_km: 1000,
     inclination_deg: 60}
sensors:
  - {kind: geo-ir, name: GEO-IR Pacific, type: generic-geo-ir, lon_deg: 150.0}
  - {kind: radar, name: Clear UEWR, type: generic-uhf-ewr, lat_deg: 64.29, lon_deg: -149.19}
  - {kind: radar, name: Forward X-band, type: generic-xband-fcr, lat_deg: 40.77,
     lon_deg: 140.30, boresight_azimuth_deg: 270}
interceptor_sites:
  - {name: Fort Greely, type: generic-gbi, lat_deg: 63.95, lon_deg: -145.73, inventory: 20}
  - {name: Vandenberg, type: generic-gbi, lat_deg: 34.74, lon_deg: -120.57, inventory: 4}
left_of_launch: {p_find: 0.5, p_kill: 0.8}
doctrine:
  shots_per_threat: 2
"""

EPOCH = datetime(2026, 7, 4, 12, tzinfo=UTC)
KILL_TOLERANCE_KM = 15.0
"""The stored intercept point is the fire unit's *planned* one (its prediction at the
decision, up to ~10 min before); the object was a few km away when met."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A results store of the scenario (2 trials, --seed 5) written by ``shieldlab run``."""
    tmp = tmp_path_factory.mktemp("czml")
    path = tmp / "mini.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    out = tmp / "out"
    args = ["run", str(path), "--trials", "2", "--seed", "5", "--workers", "1"]
    res = CliRunner().invoke(app, [*args, "--out", str(out), "--no-report", "--json"])
    assert res.exit_code == 0, res.output
    db = out / "shieldlab.duckdb"
    return db, str(list_runs(db)[-1]["run_id"])


@pytest.fixture(scope="module")
def trial0(store: tuple[Path, str]) -> TrialCzml:
    return trial_czml(*store, 0)


@pytest.fixture(scope="module")
def trial1(store: tuple[Path, str]) -> TrialCzml:
    return trial_czml(*store, 1, max_satellites=5)


def packets(doc: TrialCzml) -> dict[str, dict[str, Any]]:
    out = json.loads(doc.dumps())
    assert isinstance(out, list)
    ids = [p["id"] for p in out]
    assert len(ids) == len(set(ids)), "entity ids must be unique"
    return {p["id"]: p for p in out}


def rows(db: Path, run_id: str, table: str, trial: int) -> dict[str, np.ndarray]:
    cols = read_table(db, table, run_id)
    m = cols["trial"] == trial
    return {k: v[m] for k, v in cols.items()}


def samples(packet: dict[str, Any]) -> np.ndarray:
    """(k, 4) rows t, lon, lat, h of a sampled position (one row, t NaN, if constant)."""
    c = np.asarray(packet["position"]["cartographicDegrees"], np.float64)
    return np.r_[np.nan, c][None, :] if c.size == 3 else c.reshape(-1, 4)


def test_scenario_exercises_the_cases(store: tuple[Path, str]) -> None:
    """Guard of the fixture: the cases the other tests rely on are present."""
    o0, o1 = rows(*store, "threat_outcomes", 0), rows(*store, "threat_outcomes", 1)
    assert list(o0["kill_layer"]).count("left-of-launch") >= 2
    assert "leaked" in list(o1["status"])
    assert (o1["killed_by_shot"] >= 0).sum() >= 1


@pytest.mark.parametrize("which", [0, 1])
def test_entity_counts_match_the_store(
    which: int, store: tuple[Path, str], trial0: TrialCzml, trial1: TrialCzml
) -> None:
    doc = (trial0, trial1)[which]
    out = rows(*store, "threat_outcomes", which)
    eng = rows(*store, "engagements", which)
    by_id = packets(doc)
    threats = {k for k in by_id if k.startswith("threat/")}
    shots = {k for k in by_id if k.startswith("interceptor/")}
    assert doc.n_threats == out["trial"].size == len(threats)
    assert threats == {f"threat/{i}" for i in out["threat_id"]}
    assert doc.n_interceptors == eng["trial"].size == len(shots)
    assert shots == {f"interceptor/{i}" for i in eng["shot_id"]}
    killed = {
        f"kill/{i}" for i, s in zip(out["threat_id"], out["status"], strict=True) if s == "killed"
    }
    leaked = {
        f"leak/{i}" for i, s in zip(out["threat_id"], out["status"], strict=True) if s == "leaked"
    }
    assert {k for k in by_id if k.startswith("kill/")} == killed
    assert {k for k in by_id if k.startswith("leak/")} == leaked
    assert doc.warnings == []


def test_document_validates_with_czml3(store: tuple[Path, str], trial1: TrialCzml) -> None:
    text = trial1.dumps()
    parsed = Document.model_validate_json(text)
    assert len(parsed.packets) == len(json.loads(text))
    head = json.loads(text)[0]
    assert head["id"] == "document"
    assert head["name"] == f"shieldlab czml-mini run {store[1]} trial 1"
    start, end = head["clock"]["interval"].split("/")
    assert start == "2026-07-04T12:01:00Z"  # the first launch, 60 s after the epoch
    assert head["clock"]["range"] == "LOOP_STOP"
    assert trial1.start_utc.isoformat() == "2026-07-04T12:01:00+00:00"
    assert end.startswith(trial1.end_utc.strftime("%Y-%m-%dT%H:%M:%S"))


def test_killed_paths_end_at_the_kill(store: tuple[Path, str], trial1: TrialCzml) -> None:
    out = rows(*store, "threat_outcomes", 1)
    eng = rows(*store, "engagements", 1)
    by_id = packets(trial1)
    shot_row = {int(s): i for i, s in enumerate(eng["shot_id"])}
    checked = 0
    for i in np.flatnonzero(out["killed_by_shot"] >= 0):
        tid = int(out["threat_id"][i])
        last = samples(by_id[f"threat/{tid}"])[-1]
        assert last[0] == pytest.approx(out["kill_time_s"][i], abs=1e-3)
        j = shot_row[int(out["killed_by_shot"][i])]
        lat, lon = eng["intercept_lat_deg"][j], eng["intercept_lon_deg"][j]
        d = great_circle_distance_m(*np.radians([last[2], last[1], lat, lon]))
        assert d < KILL_TOLERANCE_KM * 1e3
        assert abs(last[3] - eng["intercept_alt_m"][j]) < KILL_TOLERANCE_KM * 1e3
        # the killing interceptor ends where the object died
        kv = samples(by_id[f"interceptor/{int(out['killed_by_shot'][i])}"])[-1]
        np.testing.assert_allclose(kv[1:3], last[1:3], atol=1e-5)
        assert kv[3] == pytest.approx(last[3], abs=1.0)
        marker = by_id[f"kill/{tid}"]
        when = (EPOCH + timedelta(seconds=float(out["kill_time_s"][i]))).strftime("%H:%M:%SZ")
        assert marker["availability"].startswith(f"2026-07-04T{when}/")
        assert marker["label"]["text"].startswith(f"kill {when} midcourse Fort Greely")
        checked += 1
    assert checked >= 1


def test_leaker_paths_end_at_the_impact(store: tuple[Path, str], trial1: TrialCzml) -> None:
    out = rows(*store, "threat_outcomes", 1)
    by_id = packets(trial1)
    for i in np.flatnonzero(out["status"] != "killed"):
        tid = int(out["threat_id"][i])
        path = samples(by_id[f"threat/{tid}"])
        last = path[-1]
        assert last[2] == pytest.approx(out["impact_lat_deg"][i], abs=1e-5)
        assert last[1] == pytest.approx(out["impact_lon_deg"][i], abs=1e-5)
        assert last[3] == 0.0
        assert path[-2][3] > 0.0  # it came down from the sky
        assert np.all(np.diff(path[:, 0]) > 0.0)
        if out["status"][i] == "leaked":
            leak = samples(by_id[f"leak/{tid}"])[0]
            np.testing.assert_allclose(leak[1:3], last[1:3], atol=1e-5)
            assert str(out["hit_asset"][i]) in by_id[f"leak/{tid}"]["label"]["text"]


def test_objects_that_never_flew_sit_at_their_launch_point(
    store: tuple[Path, str], trial0: TrialCzml
) -> None:
    """Left-of-launch kills: one fixed point at the stored launch point (the store's
    ``sites`` table, drawn from the run's --seed, not the text's seed)."""
    out = rows(*store, "threat_outcomes", 0)
    sites = read_table(store[0], "sites", store[1])
    launch = {
        str(n): (la, lo)
        for n, la, lo in zip(sites["name"], sites["lat_deg"], sites["lon_deg"], strict=True)
    }
    by_id = packets(trial0)
    never = np.flatnonzero(out["kill_layer"] == "left-of-launch")
    for i in never:
        tid = int(out["threat_id"][i])
        p = by_id[f"threat/{tid}"]
        assert "path" not in p
        _, lon, lat, h = samples(p)[0]
        assert (lat, lon) == pytest.approx(launch[f"launch {tid}"], abs=1e-5)
        assert h == 0.0
        assert "never flew" in p["description"] and "left-of-launch" in p["description"]
    flown = by_id[
        f"threat/{int(out['threat_id'][np.flatnonzero(out['kill_layer'] != 'left-of-launch')[0]])}"
    ]
    first = samples(flown)[0]
    name = flown["id"].replace("threat/", "launch ")
    assert (first[2], first[1]) == pytest.approx(launch[name], abs=1e-3)


def test_unknown_run_raises_key_error(store: tuple[Path, str]) -> None:
    with pytest.raises(KeyError):
        trial_czml(store[0], "no-such-run", 0)


@pytest.mark.parametrize("trial", [2, -1])
def test_trial_out_of_range(store: tuple[Path, str], trial: int) -> None:
    with pytest.raises(ValueError, match=r"--trial.*0\.\.1"):
        trial_czml(store[0], store[1], trial)


def test_satellite_sample(trial0: TrialCzml, trial1: TrialCzml) -> None:
    all_sats = sorted(k for k in packets(trial0) if k.startswith("sat/"))
    assert all_sats == sorted(f"sat/leo-demo/{i}" for i in range(12))
    sampled = packets(trial1)
    sats = sorted((k for k in sampled if k.startswith("sat/")), key=lambda k: int(k.split("/")[2]))
    assert sats == [f"sat/leo-demo/{i}" for i in (0, 2, 4, 7, 9)]  # ⌊i·12/5⌋
    assert "leo-demo: 5 of 12" in sampled["document"]["description"]
    assert "sample 5 of 12" in sampled[sats[0]]["name"]
    sat = samples(sampled[sats[0]])
    assert sat[0, 0] == pytest.approx(60.0) and np.all(np.abs(sat[:, 3] - 1.0e6) < 3e4)


def test_deterministic_and_written_atomically(
    store: tuple[Path, str], trial1: TrialCzml, tmp_path: Path
) -> None:
    target = tmp_path / "deep" / "trial1.czml"
    again = write_trial_czml(*store, 1, target, max_satellites=5)
    assert again.dumps() == trial1.dumps()
    assert target.read_text(encoding="utf-8") == trial1.dumps()
    assert [p.name for p in target.parent.iterdir()] == ["trial1.czml"]


def test_provenance_mismatch_is_warned(store: tuple[Path, str], tmp_path: Path) -> None:
    db = tmp_path / "altered.duckdb"
    shutil.copy(store[0], db)
    with duckdb.connect(str(db)) as con:
        sql = "UPDATE runs SET shieldlab_version = '0.0.0', scenario_sha256 = 'f00d'"
        con.execute(f"{sql} WHERE run_id = ?", [store[1]])
        sql = "UPDATE sites SET lat_deg = lat_deg + 1 WHERE name = 'launch 2' AND run_id = ?"
        con.execute(sql, [store[1]])
    doc = trial_czml(db, store[1], 0, max_satellites=0)
    assert len(doc.warnings) == 3
    sha, version, launch = doc.warnings
    assert "0.0.0" in version and "SHA-256" in sha and "1 re-flown launch point" in launch
    head = packets(doc)["document"]["description"]
    assert all(w.split(":")[0] in head for w in doc.warnings)
    assert not any(k.startswith("sat/") for k in packets(doc))


def test_rows_that_do_not_index_the_truth_are_refused(
    store: tuple[Path, str], tmp_path: Path
) -> None:
    db = tmp_path / "cut.duckdb"
    shutil.copy(store[0], db)
    with duckdb.connect(str(db)) as con:
        sql = "DELETE FROM threat_outcomes WHERE trial = 0 AND threat_id = 3 AND run_id = ?"
        con.execute(sql, [store[1]])
    with pytest.raises(ValueError, match="does not index the truth"):
        trial_czml(db, store[1], 0, max_satellites=0)
