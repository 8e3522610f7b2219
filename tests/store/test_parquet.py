"""Parquet export of a run and of a study: read back with DuckDB's ``read_parquet``
and compared with :func:`read_table`; unknown ids, old stores, atomic folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from test_chunks import assert_same, split, static
from test_duck import T0, make_run, make_tables

from shieldlab.store import (
    RESULT_TABLES,
    append_trials,
    create_run,
    export_parquet,
    list_runs,
    read_run,
    read_table,
    write_run,
)
from shieldlab.store.duck import SCHEMA, _fill


def parquet_table(path: Path) -> dict[str, np.ndarray]:
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").fetchnumpy()


def as_read_table(table: str, raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A Parquet table's columns the way read_table gives them (NULL: NaN, None, -1)."""
    return {c.name: _fill(c, raw[c.name]) for c in SCHEMA[table]}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Runs a, b (study s1; b still running, chunks out of order), c (study s2), d."""
    db = tmp_path / "r.duckdb"
    rng = np.random.default_rng(11)
    write_run(db, make_run("a") | {"study_id": "s1"}, make_tables(3, 4, rng))
    tb = make_tables(4, 2, rng)
    create_run(db, make_run("b", created=T0 + timedelta(1)) | {"study_id": "s1"}, static(tb))
    append_trials(db, "b", split(tb, [3, 1]))
    append_trials(db, "b", split(tb, [0]))
    write_run(db, make_run("c") | {"study_id": "s2"}, make_tables(2, 2, rng))
    write_run(db, make_run("d"), make_tables(2, 3, rng))
    return db


def test_run_export_reads_back_as_read_table(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "exp" / "b"
    files = export_parquet(store, "b", out)
    assert sorted(f.name for f in files) == sorted(f"{t}.parquet" for t in ("runs", *RESULT_TABLES))
    assert all(f.parent == out and f.is_file() for f in files)
    assert [p.name for p in (tmp_path / "exp").iterdir()] == ["b"]  # no temp folder left
    runs = parquet_table(out / "runs.parquet")
    assert runs["run_id"].tolist() == ["b"]
    assert runs["status"].tolist() == ["running"] and runs["study_id"].tolist() == ["s1"]
    assert runs["scenario_text"].tolist() == [read_run(store, "b")["scenario_text"]]
    for table in RESULT_TABLES:
        raw = parquet_table(out / f"{table}.parquet")
        assert set(raw["run_id"].tolist()) <= {"b"}, table
        assert_same(as_read_table(table, raw), read_table(store, table, "b"), table)


def test_study_export_has_all_its_runs_and_study_tables(store: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE studies (study_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO studies VALUES ('s1', 'one'), ('s2', 'two')")
    con.execute("CREATE TABLE study_points (study_id VARCHAR, point INTEGER, run_id VARCHAR)")
    con.execute("INSERT INTO study_points VALUES ('s1', 0, 'a'), ('s2', 0, 'c'), ('s1', 1, 'b')")
    con.close()
    out = tmp_path / "s1"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    files = export_parquet(store, "s1", out)
    assert {f.name for f in files} == {
        f"{t}.parquet" for t in ("runs", *RESULT_TABLES, "studies", "study_points")
    }
    assert (out / "keep.txt").read_text() == "x"
    assert parquet_table(out / "runs.parquet")["run_id"].tolist() == ["a", "b"]
    assert parquet_table(out / "studies.parquet")["name"].tolist() == ["one"]
    assert parquet_table(out / "study_points.parquet")["run_id"].tolist() == ["a", "b"]
    for table in RESULT_TABLES:
        raw = parquet_table(out / f"{table}.parquet")
        for run_id in ("a", "b"):
            mine = {c: v[raw["run_id"] == run_id] for c, v in raw.items()}
            assert_same(as_read_table(table, mine), read_table(store, table, run_id), table)
        assert set(raw["run_id"].tolist()) <= {"a", "b"}
    # a run export has no study tables
    names = {f.name for f in export_parquet(store, "c", tmp_path / "c")}
    assert "studies.parquet" not in names


def test_unknown_id_and_bad_paths(store: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'zz' is neither a run id nor a study id") as info:
        export_parquet(store, "zz", tmp_path / "o")
    message = str(info.value)
    assert "\n" not in message and "runs: b, d, c, a;" in message
    assert message.endswith("studies: s1, s2")
    assert not (tmp_path / "o").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.duckdb", "r.duckdb.lock"]
    with pytest.raises(ValueError, match="no results store"):
        export_parquet(tmp_path / "none.duckdb", "a", tmp_path / "o")
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is a file"):
        export_parquet(store, "a", tmp_path / "file")


def test_old_store_exports_missing_columns_and_tables_as_null(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    write_run(db, make_run("old"), make_tables(2, 2, np.random.default_rng(1)))
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE runs DROP COLUMN status")
    con.execute("ALTER TABLE runs DROP COLUMN study_id")
    con.execute("ALTER TABLE threat_outcomes DROP COLUMN custody")
    con.execute("DROP TABLE custody_layers")
    con.close()
    out = tmp_path / "o"
    export_parquet(db, "old", out)
    assert parquet_table(out / "runs.parquet")["status"].tolist() == ["complete"]
    assert np.ma.getmaskarray(parquet_table(out / "threat_outcomes.parquet")["custody"]).all()
    custody = parquet_table(out / "custody_layers.parquet")
    assert list(custody) == ["run_id", "trial", "threat_id", "layer", "fraction"]
    assert custody["trial"].size == 0
    assert list_runs(db)[0]["status"] == "complete"
