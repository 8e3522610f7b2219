"""``shieldlab export parquet ID DIR``: a run or a study to Parquet files; bad input is
one line on stderr and exit 2, nothing written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.store import RESULT_TABLES, read_table, write_run

runner = CliRunner()


def _run(run_id: str, study_id: str | None, hour: int) -> dict[str, object]:
    return {
        "run_id": run_id,
        "created_utc": datetime(2025, 1, 27, hour),
        "scenario_name": "unit",
        "scenario_text": "name: unit\n",
        "scenario_sha256": "ab" * 32,
        "seed": 1,
        "trials": 3,
        "workers": 1,
        "shieldlab_version": "0.1.0",
        "epoch_utc": "2025-01-27T12:00:00Z",
        "study_id": study_id,
    }


def _trials(n: int) -> dict[str, np.ndarray]:
    return {
        "trial": np.arange(n),
        "leakers": np.arange(n) % 2,
        "threats": np.full(n, 4),
        "killed": np.full(n, 3),
        "shots": np.full(n, 5),
        "value_hit": np.linspace(0.0, 1.0, n),
        "cost_usd": np.full(n, np.nan),
        "c2_cut_epochs": np.full(n, -1),
    }


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    write_run(db, _run("r1", "st", 1), {"trials": _trials(3)})
    write_run(db, _run("r2", "st", 2), {"trials": _trials(2)})
    write_run(db, _run("r3", None, 3), {"trials": _trials(4)})
    return db


def _rows(path: Path) -> dict[str, np.ndarray]:
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").fetchnumpy()


def test_export_a_run_and_a_study(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "r1"
    res = runner.invoke(app, ["export", "parquet", "r1", str(out), "--db", str(store)])
    assert res.exit_code == 0, res.output
    assert "run r1" in res.output
    assert {p.name for p in out.iterdir()} == {f"{t}.parquet" for t in ("runs", *RESULT_TABLES)}
    np.testing.assert_array_equal(
        _rows(out / "trials.parquet")["value_hit"], read_table(store, "trials", "r1")["value_hit"]
    )
    latest = tmp_path / "l"
    res = runner.invoke(app, ["export", "parquet", "latest", str(latest), "--db", str(store)])
    assert res.exit_code == 0 and "run r3" in res.output
    assert _rows(latest / "runs.parquet")["run_id"].tolist() == ["r3"]
    res = runner.invoke(app, ["export", "parquet", "st", str(tmp_path / "st"), "--db", str(store)])
    assert res.exit_code == 0 and "study st" in res.output
    assert _rows(tmp_path / "st" / "trials.parquet")["run_id"].tolist() == ["r1"] * 3 + ["r2"] * 2


def test_bad_input_is_one_line_and_exit_2(store: Path, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    cases = [
        (["nope", str(tmp_path / "o"), "--db", str(store)], "ID: 'nope' is neither"),
        (["r1", str(tmp_path / "o"), "--db", str(tmp_path / "missing.duckdb")], "--db"),
        (["r1", str(tmp_path / "afile"), "--db", str(store)], "DIR"),
        (["r1", str(tmp_path / "afile" / "sub"), "--db", str(store)], "DIR"),
    ]
    for args, wanted in cases:
        res = runner.invoke(app, ["export", "parquet", *args])
        assert res.exit_code == 2, (args, res.output)
        assert wanted in res.output, (args, res.output)
        assert res.output.strip().count("\n") == 0, res.output
    assert not (tmp_path / "o").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "s.duckdb", "s.duckdb.lock"]
