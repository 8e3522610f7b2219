"""Runs committed chunk by chunk: create, append, resume point, finish, refusals, row
order independent of the commit order, run status and study ids (old stores too)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from test_duck import T0, make_run, make_tables

from shieldlab.store import (
    PER_TRIAL_TABLES,
    RESULT_TABLES,
    append_trials,
    committed_trials,
    connect_write,
    create_run,
    finish_run,
    list_runs,
    read_run,
    read_table,
    runs_of_study,
    write_run,
)

Tables = dict[str, dict[str, np.ndarray]]


def split(tables: Tables, trials: list[int]) -> Tables:
    """The per-trial tables' rows of ``trials`` (a chunk)."""
    return {
        name: {c: v[np.isin(tables[name]["trial"], trials)] for c, v in tables[name].items()}
        for name in PER_TRIAL_TABLES
    }


def static(tables: Tables) -> Tables:
    return {name: tables[name] for name in ("trajectories", "sites")}


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], label: str) -> None:
    assert list(a) == list(b), label
    for col in a:
        assert a[col].dtype == b[col].dtype, (label, col)
        if a[col].dtype.kind == "f":
            assert np.array_equal(a[col], b[col], equal_nan=True), (label, col)
        else:
            assert np.array_equal(a[col], b[col]), (label, col)


@pytest.fixture
def tables() -> Tables:
    return make_tables(6, 4, np.random.default_rng(20250128))


def test_chunks_then_finish_equal_one_write(tmp_path: Path, tables: Tables) -> None:
    db = tmp_path / "r.duckdb"
    write_run(db, make_run("whole"), tables)
    create_run(db, make_run("chunked", created=T0 + timedelta(hours=1)), static(tables))
    assert read_run(db, "chunked")["status"] == "running"
    assert committed_trials(db, "chunked").size == 0
    for chunk in ([0, 1], [2, 3], [4, 5]):
        append_trials(db, "chunked", split(tables, chunk))
    got = committed_trials(db, "chunked")
    assert got.dtype == np.int64 and got.tolist() == [0, 1, 2, 3, 4, 5]
    finish_run(db, "chunked")
    finish_run(db, "chunked")  # finishing twice does nothing
    assert read_run(db, "chunked")["status"] == "complete"
    assert read_run(db, "whole")["status"] == "complete"
    for name in RESULT_TABLES:
        assert_same(read_table(db, name, "chunked"), read_table(db, name, "whole"), name)


def test_commit_order_does_not_change_what_is_read(tmp_path: Path, tables: Tables) -> None:
    """Chunks committed 2, 0, 1 read back identical to 0, 1, 2 (every column, NaN-aware),
    also when a chunk's rows arrive shuffled within each trial's table order."""
    db = tmp_path / "r.duckdb"
    chunks = [[0, 1], [2, 3], [4, 5]]
    for run_id, order in (("fwd", [0, 1, 2]), ("mixed", [2, 0, 1])):
        create_run(db, make_run(run_id), static(tables))
        for i in order:
            append_trials(db, run_id, split(tables, chunks[i]))
        finish_run(db, run_id)
    for name in RESULT_TABLES:
        fwd, mixed = read_table(db, name, "fwd"), read_table(db, name, "mixed")
        assert_same(fwd, mixed, name)
        if name in PER_TRIAL_TABLES:
            assert np.all(np.diff(mixed["trial"]) >= 0), name
    np.testing.assert_array_equal(
        read_table(db, "engagements", "mixed")["shot_id"], tables["engagements"]["shot_id"]
    )
    # rows given in reverse trial order within one chunk come back sorted by the keys
    rev = {
        name: {c: v[::-1] for c, v in cols.items()} for name, cols in split(tables, [0, 1]).items()
    }
    create_run(db, make_run("rev"), {})
    append_trials(db, "rev", rev)
    got = read_table(db, "threat_outcomes", "rev")
    key = got["trial"] * 100 + got["threat_id"]
    assert np.all(np.diff(key) > 0)


def test_append_refusals_write_nothing(tmp_path: Path, tables: Tables) -> None:
    db = tmp_path / "r.duckdb"
    with pytest.raises(ValueError, match="not found"):
        append_trials(db, "nope", split(tables, [0]))
    assert not db.exists()
    create_run(db, make_run("r"), static(tables))
    with pytest.raises(ValueError, match="already exists"):
        create_run(db, make_run("r"), {})
    with pytest.raises(ValueError, match="not found"):
        append_trials(db, "nope", split(tables, [0]))
    append_trials(db, "r", split(tables, [0, 1]))
    with pytest.raises(ValueError, match=r"trials \[1\] are already committed"):
        append_trials(db, "r", split(tables, [1, 2]))
    twice = split(tables, [3])
    twice["trials"] = {c: np.concatenate([v, v]) for c, v in twice["trials"].items()}
    with pytest.raises(ValueError, match="repeated"):
        append_trials(db, "r", twice)
    stray = split(tables, [3])
    stray["engagements"] = split(tables, [4])["engagements"]
    with pytest.raises(ValueError, match="not in the chunk's trials"):
        append_trials(db, "r", stray)
    no_trials = split(tables, [3])
    del no_trials["trials"]
    with pytest.raises(ValueError, match="needs its 'trials' table"):
        append_trials(db, "r", no_trials)
    with pytest.raises(ValueError, match="per-trial tables"):
        append_trials(db, "r", split(tables, [3]) | static(tables))
    with pytest.raises(ValueError, match="append_trials"):
        create_run(db, make_run("s"), split(tables, [0]))
    # a failure inside the transaction (NOT NULL) leaves none of the chunk
    bad = split(tables, [2])
    bad["engagements"]["pk"] = bad["engagements"]["pk"].copy()
    bad["engagements"]["pk"][-1] = np.nan
    with pytest.raises(duckdb.ConstraintException):
        append_trials(db, "r", bad)
    assert committed_trials(db, "r").tolist() == [0, 1]
    for name in PER_TRIAL_TABLES:
        assert set(read_table(db, name, "r")["trial"].tolist()) <= {0, 1}, name
    finish_run(db, "r")
    with pytest.raises(ValueError, match="is complete"):
        append_trials(db, "r", split(tables, [2]))
    with pytest.raises(ValueError, match="not found"):
        finish_run(db, "nope")
    assert committed_trials(db, "r").tolist() == [0, 1]
    assert committed_trials(tmp_path / "absent.duckdb", "r").size == 0


def test_status_is_checked(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    with pytest.raises(ValueError, match="'complete' run"):
        write_run(db, make_run("a") | {"status": "running"}, {})
    with pytest.raises(ValueError, match="'running' run"):
        create_run(db, make_run("a") | {"status": "complete"}, {})
    create_run(db, make_run("a") | {"status": "running"}, {})
    write_run(db, make_run("b") | {"status": "complete"}, {})
    assert {r["run_id"]: r["status"] for r in list_runs(db)} == {"a": "running", "b": "complete"}


def test_study_ids(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    assert runs_of_study(db, "s1") == []
    write_run(db, make_run("b", created=T0 + timedelta(1)) | {"study_id": "s1"}, {})
    create_run(db, make_run("a") | {"study_id": "s1"}, {})
    write_run(db, make_run("c") | {"study_id": "s2"}, {})
    write_run(db, make_run("d"), {})
    assert runs_of_study(db, "s1") == ["a", "b"]
    assert runs_of_study(db, "s2") == ["c"]
    assert runs_of_study(db, "none") == []
    rows = {r["run_id"]: (r["study_id"], r["status"]) for r in list_runs(db)}
    assert rows == {
        "a": ("s1", "running"),
        "b": ("s1", "complete"),
        "c": ("s2", "complete"),
        "d": (None, "complete"),
    }
    assert read_run(db, "a")["study_id"] == "s1"
    with pytest.raises(ValueError, match="study_id"):
        write_run(db, make_run("e") | {"study_id": ""}, {})


def test_store_without_status_and_study_columns(tmp_path: Path, tables: Tables) -> None:
    """A store older than ``status``/``study_id``: its runs read as complete, before and
    after the migration that the next write makes; it then takes chunked runs."""
    db = tmp_path / "old.duckdb"
    write_run(db, make_run("old"), tables)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE runs")  # the old DDL, without the CHECK and the new columns
    con.execute(
        "CREATE TABLE runs (run_id VARCHAR NOT NULL, created_utc TIMESTAMP NOT NULL, "
        "scenario_name VARCHAR NOT NULL, scenario_text VARCHAR NOT NULL, "
        "scenario_sha256 VARCHAR NOT NULL, seed BIGINT NOT NULL, trials INTEGER NOT NULL, "
        "workers INTEGER NOT NULL, shieldlab_version VARCHAR NOT NULL, "
        "epoch_utc VARCHAR NOT NULL, PRIMARY KEY (run_id))"
    )
    con.execute("INSERT INTO runs VALUES ('old', ?, 'n', 't', 'h', 7, 6, 1, '0.1.0', 'e')", [T0])
    con.close()
    (row,) = list_runs(db)
    assert row["status"] == "complete" and row["study_id"] is None
    assert read_run(db, "old")["status"] == "complete"
    assert runs_of_study(db, "s") == []
    create_run(db, make_run("new", created=T0 + timedelta(1)) | {"study_id": "s"}, {})
    assert {r["run_id"]: r["status"] for r in list_runs(db)} == {
        "old": "complete",
        "new": "running",
    }
    with pytest.raises(ValueError, match="is complete"):
        append_trials(db, "old", split(tables, [0]))
    append_trials(db, "new", split(tables, [0]))
    finish_run(db, "new")
    assert runs_of_study(db, "s") == ["new"]
    with connect_write(db) as con:  # a migrated store: the columns exist, old row NULL
        assert con.execute("SELECT status FROM runs WHERE run_id = 'old'").fetchone() == (None,)
