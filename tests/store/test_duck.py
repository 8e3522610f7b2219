"""Tests of the DuckDB results store: round trip, NULLs, atomicity, run listing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from shieldlab.store import (
    NULL_INT,
    RESULT_TABLES,
    latest_run_id,
    list_runs,
    read_run,
    read_table,
    write_run,
)

T0 = datetime(2025, 1, 27, 12, 0, 0)


def make_run(run_id: str, created: datetime = T0, seed: int = 7) -> dict[str, object]:
    return {
        "run_id": run_id,
        "created_utc": created,
        "scenario_name": "unit <test>",
        "scenario_text": "name: unit\nthreats: []\n",
        "scenario_sha256": "ab" * 32,
        "seed": seed,
        "trials": 3,
        "workers": 1,
        "shieldlab_version": "0.1.0",
        "epoch_utc": "2025-01-27T12:00:00Z",
    }


def make_tables(
    n_trials: int, n_threats: int, rng: np.random.Generator
) -> dict[str, dict[str, np.ndarray]]:
    """Random but schema-valid tables: n_trials × n_threats outcomes, one shot per threat."""
    n = n_trials * n_threats
    trial = np.repeat(np.arange(n_trials), n_threats)
    threat = np.tile(np.arange(n_threats), n_trials)
    status = rng.choice(np.array(["killed", "leaked", "no_threat"], dtype=object), size=n)
    killed = status == "killed"
    leaked = status == "leaked"
    shot = np.where(killed, np.arange(n), -1)
    layer = np.where(killed, "midcourse", None).astype(object)
    kill_t = np.where(killed, rng.uniform(300.0, 900.0, n), np.nan)
    aim = rng.choice(np.array(["Alpha", "Bravo"], dtype=object), size=n)
    hit = np.where(leaked, aim, None).astype(object)
    leakers = np.bincount(trial, weights=leaked, minlength=n_trials).astype(np.int64)
    kills = np.bincount(trial, weights=killed, minlength=n_trials).astype(np.int64)
    n_traj = 5
    return {
        "trials": {
            "trial": np.arange(n_trials),
            "leakers": leakers,
            "threats": np.full(n_trials, n_threats),
            "killed": kills,
            "shots": np.full(n_trials, n_threats),
            "value_hit": leakers * 1.5,
            "cost_usd": leakers * 0.0 + 7.0e7,
            "c2_cut_epochs": np.where(leakers > 0, leakers, -1),
        },
        "threat_outcomes": {
            "trial": trial,
            "threat_id": threat,
            "threat_type": np.full(n, "generic-solid-icbm", dtype=object),
            "status": status,
            "killed_by_shot": shot,
            "kill_layer": layer,
            "kill_time_s": kill_t,
            "aim_asset": aim,
            "hit_asset": hit,
            "impact_lat_deg": rng.uniform(30.0, 50.0, n),
            "impact_lon_deg": rng.uniform(-120.0, -70.0, n),
            "object_kind": np.full(n, "rv", dtype=object),
            "custody": rng.uniform(0.0, 1.0, n),
            "custody_fc": rng.uniform(0.0, 1.0, n),
            "handovers": rng.integers(0, 3, n),
            "sensor_handovers": rng.integers(0, 3, n),
        },
        "custody_layers": {
            "trial": trial,
            "threat_id": threat,
            "layer": np.full(n, "space-ir", dtype=object),
            "fraction": rng.uniform(0.0, 1.0, n),
        },
        "engagements": {
            "trial": trial,
            "shot_id": np.arange(n),
            "threat_id": threat,
            "site": np.full(n, "Fort Greely", dtype=object),
            "layer": np.full(n, "midcourse", dtype=object),
            "decision_time_s": rng.uniform(200.0, 300.0, n),
            "launch_time_s": rng.uniform(300.0, 400.0, n),
            "intercept_time_s": rng.uniform(600.0, 900.0, n),
            "intercept_alt_m": rng.uniform(1e5, 1e6, n),
            "pk": np.full(n, 0.7),
            "hit": killed,
            "c2_delay_s": rng.uniform(60.0, 90.0, n),
            "c2_lost_s": rng.uniform(0.0, 30.0, n),
            "intercept_lat_deg": rng.uniform(40.0, 60.0, n),
            "intercept_lon_deg": rng.uniform(-180.0, -150.0, n),
            "planned_miss_m": rng.uniform(0.0, 500.0, n),
            "achieved_miss_m": np.where(killed, 0.0, rng.uniform(0.0, 200.0, n)),
            "cost_usd": np.where(rng.random(n) < 0.1, np.nan, 7.5e7),
        },
        "trajectories": {
            "threat_id": np.repeat(np.arange(n_threats), n_traj),
            "t_s": np.tile(np.arange(n_traj) * 10.0, n_threats),
            "lat_deg": rng.uniform(30.0, 60.0, n_threats * n_traj),
            "lon_deg": rng.uniform(-180.0, 180.0, n_threats * n_traj),
            "alt_m": rng.uniform(0.0, 1.2e6, n_threats * n_traj),
            "phase": np.tile(np.array([0, 1, 1, 2, 2], dtype=np.int8), n_threats),
        },
        "sites": {
            "name": np.array(["Alpha", "Bravo", "Fort Greely", "Clear"], dtype=object),
            "kind": np.array(["asset", "asset", "interceptor", "radar"]),
            "lat_deg": np.array([38.9, 40.7, 63.9, 64.3]),
            "lon_deg": np.array([-77.0, -74.0, -145.7, -149.2]),
            "value": np.array([10.0, 8.0, 44.0, np.nan]),
            "radius_m": np.array([30e3, 25e3, np.nan, np.nan]),
        },
    }


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20250127)


def test_round_trip_values_nulls_types(tmp_path: Path, rng: np.random.Generator) -> None:
    db = tmp_path / "sub" / "results.duckdb"
    tables = make_tables(4, 6, rng)
    write_run(db, make_run("r1"), tables)
    for name in RESULT_TABLES:
        got = read_table(db, name, "r1")
        assert list(got) == list(tables[name]), name
        for col, want in tables[name].items():
            have = got[col]
            assert have.shape == want.shape, (name, col)
            if want.dtype.kind == "f":
                assert have.dtype == np.float64
                np.testing.assert_array_equal(np.isnan(have), np.isnan(want))
                np.testing.assert_allclose(have, want, rtol=0, atol=0, equal_nan=True)
            elif want.dtype.kind in "iu":
                assert have.dtype.kind == "i", (name, col)
                np.testing.assert_array_equal(have, np.where(want < 0, NULL_INT, want))
            elif want.dtype.kind == "b":
                assert have.dtype == np.bool_
                np.testing.assert_array_equal(have, want)
            else:
                assert have.dtype == object
                assert have.tolist() == want.tolist(), (name, col)
    outcomes = read_table(db, "threat_outcomes", "r1")
    killed = outcomes["status"] == "killed"
    assert killed.any() and (~killed).any()
    assert np.all(outcomes["killed_by_shot"][~killed] == NULL_INT)
    assert all(v is None for v in outcomes["kill_layer"][~killed])
    assert np.all(np.isnan(outcomes["kill_time_s"][~killed]))
    assert read_table(db, "trajectories", "r1")["phase"].dtype == np.int8


def test_created_utc_aware_and_string_normalised(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    east = timezone(timedelta(hours=5))
    write_run(db, make_run("a", created=datetime(2025, 1, 1, 17, 0, tzinfo=east)), {})
    write_run(db, make_run("b", created="2025-01-01T13:00:00Z"), {})  # type: ignore[arg-type]
    assert read_run(db, "a")["created_utc"] == datetime(2025, 1, 1, 12, 0)
    assert read_run(db, "b")["created_utc"] == datetime(2025, 1, 1, 13, 0)
    assert read_run(db, "a")["scenario_text"] == "name: unit\nthreats: []\n"
    assert latest_run_id(db) == "b"


def test_duplicate_run_id_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    db = tmp_path / "r.duckdb"
    write_run(db, make_run("dup"), make_tables(2, 3, rng))
    with pytest.raises(ValueError, match="already exists"):
        write_run(db, make_run("dup", seed=99), make_tables(2, 3, rng))
    assert read_run(db, "dup")["seed"] == 7
    assert read_table(db, "trials", "dup")["trial"].tolist() == [0, 1]


def test_failure_mid_write_leaves_nothing(tmp_path: Path, rng: np.random.Generator) -> None:
    db = tmp_path / "r.duckdb"
    good = make_tables(3, 4, rng)
    write_run(db, make_run("keep"), good)
    bad = make_tables(3, 4, rng)
    # NaN in a NOT NULL column of the last table: fails inside the transaction,
    # after the runs row and the other tables have been inserted.
    bad["sites"]["lat_deg"][1] = np.nan
    with pytest.raises(Exception, match=r"(?i)not null|constraint"):
        write_run(db, make_run("broken", created=T0 + timedelta(hours=1)), bad)
    assert [r["run_id"] for r in list_runs(db)] == ["keep"]
    for name in RESULT_TABLES:
        assert all(v.size == 0 for v in read_table(db, name, "broken").values()), name
        kept = read_table(db, name, "keep")
        for col, want in good[name].items():
            assert kept[col].shape == want.shape
    # the same run id can be written once the faulty data is fixed
    bad["sites"]["lat_deg"][1] = 40.7
    write_run(db, make_run("broken", created=T0 + timedelta(hours=1)), bad)
    assert latest_run_id(db) == "broken"


def test_bad_status_value_rolls_back(tmp_path: Path, rng: np.random.Generator) -> None:
    db = tmp_path / "r.duckdb"
    bad = make_tables(2, 3, rng)
    bad["threat_outcomes"]["status"][0] = "exploded"
    with pytest.raises(Exception, match=r"(?i)check"):
        write_run(db, make_run("x"), bad)
    assert list_runs(db) == []


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("trials", "leakers", np.zeros(5), "length"),
        ("trials", "value_hit", np.array(["a", "b"]), "dtype"),
        ("trials", "extra", np.zeros(2), "unknown columns"),
        ("engagements", "hit", np.zeros(6), "dtype"),
    ],
)
def test_schema_mismatch_refused(
    tmp_path: Path,
    rng: np.random.Generator,
    table: str,
    column: str,
    value: np.ndarray,
    message: str,
) -> None:
    db = tmp_path / "r.duckdb"
    tables = make_tables(2, 3, rng)
    tables[table][column] = value
    with pytest.raises(ValueError, match=message):
        write_run(db, make_run("x"), tables)
    assert list_runs(db) == []


def test_unknown_table_and_missing_run_field(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with pytest.raises(ValueError, match="unknown table"):
        write_run(db, make_run("x"), {"objects": {"a": np.zeros(1)}})
    run = make_run("x")
    del run["seed"]
    with pytest.raises(ValueError, match="seed"):
        write_run(db, run, {})
    with pytest.raises(ValueError, match="unknown table"):
        read_table(db, "nope", "x")


def test_list_runs_and_latest(tmp_path: Path, rng: np.random.Generator) -> None:
    db = tmp_path / "r.duckdb"
    assert list_runs(db) == []
    assert latest_run_id(db) is None
    write_run(db, make_run("b-second", created=T0 + timedelta(days=1)), {})
    write_run(db, make_run("a-first", created=T0), make_tables(1, 1, rng))
    write_run(db, make_run("c-tie", created=T0 + timedelta(days=1)), {})
    runs = list_runs(db)
    assert [r["run_id"] for r in runs] == ["a-first", "b-second", "c-tie"]
    assert "scenario_text" not in runs[0]
    assert runs[0]["created_utc"] == T0
    assert runs[0]["seed"] == 7
    assert latest_run_id(db) == "c-tie"  # tie on created_utc broken by run id
    with pytest.raises(KeyError):
        read_run(db, "zzz")


def test_empty_tables_and_all_null_strings(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    names = ("trial", "leakers", "threats", "killed", "shots", "c2_cut_epochs")
    empty = {c: np.zeros(0) for c in names}
    empty["value_hit"] = np.zeros(0)
    empty["cost_usd"] = np.zeros(0)
    sites = {
        "name": np.array(["Launch box"], dtype=object),
        "kind": np.array(["launch"], dtype=object),
        "lat_deg": np.array([40.0]),
        "lon_deg": np.array([127.0]),
        "value": np.array([None], dtype=object).astype(float),
        "radius_m": np.array([np.nan]),
    }
    write_run(db, make_run("e"), {"trials": empty, "sites": sites})
    assert read_table(db, "trials", "e")["trial"].size == 0
    got = read_table(db, "sites", "e")
    assert np.isnan(got["value"][0]) and got["kind"][0] == "launch"


def test_bulk_write_large_run(tmp_path: Path, rng: np.random.Generator) -> None:
    """100,000 outcome rows round-trip in order (speed measured in the report, not asserted)."""
    db = tmp_path / "big.duckdb"
    tables = make_tables(1000, 100, rng)
    write_run(db, make_run("big"), tables)
    got = read_table(db, "threat_outcomes", "big")
    np.testing.assert_array_equal(got["trial"], tables["threat_outcomes"]["trial"])
    np.testing.assert_array_equal(
        got["impact_lat_deg"], tables["threat_outcomes"]["impact_lat_deg"]
    )
    assert got["status"].tolist() == tables["threat_outcomes"]["status"].tolist()


def test_store_of_an_older_version_is_migrated(tmp_path: Path, rng: np.random.Generator) -> None:
    """A store without the custody columns/table (shieldlab ≤ 0.1 stop 7) takes new runs
    and keeps its old ones readable (new columns NULL for them)."""
    import duckdb

    db = tmp_path / "old.duckdb"
    tables = make_tables(2, 3, rng)
    write_run(db, make_run("old"), tables)
    con = duckdb.connect(str(db))
    for col in ("object_kind", "custody", "custody_fc", "handovers", "sensor_handovers"):
        con.execute(f"ALTER TABLE threat_outcomes DROP COLUMN {col}")
    con.execute("DROP TABLE custody_layers")
    con.close()
    # read before any migration (read-only): missing columns read as NULL, missing table empty
    old0 = read_table(db, "threat_outcomes", "old")
    assert np.all(np.isnan(old0["custody"]))
    assert read_table(db, "custody_layers", "old")["fraction"].size == 0
    write_run(db, make_run("new"), tables)
    new = read_table(db, "threat_outcomes", "new")
    np.testing.assert_allclose(new["custody"], tables["threat_outcomes"]["custody"])
    old = read_table(db, "threat_outcomes", "old")
    assert np.all(np.isnan(old["custody"])) and all(v is None for v in old["object_kind"])
    assert read_table(db, "custody_layers", "old")["fraction"].size == 0


def test_runs_record_provenance_and_old_stores_gain_the_columns(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    """Each run records the git commit, Python and dependency versions; a store written
    before these columns existed stays readable (None) and takes new runs."""
    import json

    import duckdb

    from shieldlab.store import list_runs, read_run
    from shieldlab.store.provenance import provenance

    db = tmp_path / "old.duckdb"
    tables = make_tables(1, 2, rng)
    write_run(db, make_run("old"), tables)
    con = duckdb.connect(str(db))
    for col in ("git_commit", "python_version", "dependencies"):
        con.execute(f"ALTER TABLE runs DROP COLUMN {col}")
    con.close()
    assert read_run(db, "old")["python_version"] is None  # read-only, before migration
    write_run(db, make_run("new") | provenance(), tables)
    new = read_run(db, "new")
    deps = json.loads(str(new["dependencies"]))
    assert deps["numpy"] == np.__version__ and deps["duckdb"] == duckdb.__version__
    assert str(new["python_version"]).count(".") == 2
    commit = new["git_commit"]
    assert commit is None or len(str(commit).removesuffix("-dirty")) == 40
    by_id = {r["run_id"]: r["python_version"] for r in list_runs(db)}
    assert by_id["old"] is None and by_id["new"] == new["python_version"]
