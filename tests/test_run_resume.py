"""``shieldlab run``: trials committed in chunks, ``--resume`` after ``kill -9``, executors.

A run killed mid-way (SIGKILL: no cleanup, a transaction may be in flight) and
then resumed stores exactly the rows of an uninterrupted run — no trial lost,
none duplicated — and so does a run on a Dask ``LocalCluster`` with 2 workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.store import PER_TRIAL_TABLES, committed_trials, list_runs, read_run, read_table

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 10


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    path = tmp_path_factory.mktemp("scn") / "small.yaml"
    path.write_text(text.replace("count: 10", "count: 2"), encoding="utf-8")
    return path


def _run(*args: str) -> dict[str, object]:
    res = CliRunner().invoke(app, ["run", *args, "--no-report", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert isinstance(out, dict)
    return out


def _tables(db: Path, run_id: str) -> dict[str, dict[str, np.ndarray]]:
    return {t: read_table(db, t, run_id) for t in (*PER_TRIAL_TABLES, "trajectories", "sites")}


def _assert_same(a: dict[str, dict[str, np.ndarray]], b: dict[str, dict[str, np.ndarray]]) -> None:
    for table, cols in a.items():
        assert cols.keys() == b[table].keys(), table
        for name, col in cols.items():
            other = b[table][name]
            assert col.shape == other.shape, (table, name)
            if col.dtype.kind == "f":
                np.testing.assert_array_equal(col, other, err_msg=f"{table}.{name}")
            else:
                assert col.tolist() == other.tolist(), (table, name)


@pytest.fixture(scope="module")
def uninterrupted(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("whole")
    info = _run(str(scenario), "--trials", str(TRIALS), "--executor", "serial", "--out", str(out))
    return out / "shieldlab.duckdb", str(info["run_id"])


def _wait_for_chunk(db: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> str:
    """Poll the store until the run has committed some but not all trials."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        assert proc.poll() is None, "the run ended before it could be killed"
        if db.is_file():
            try:
                runs = list_runs(db)
                if runs:
                    rid = str(runs[0]["run_id"])
                    if 0 < committed_trials(db, rid).size < TRIALS:
                        return rid
            except Exception:  # the writer holds the file: look again
                pass
        time.sleep(0.05)
    raise AssertionError("no chunk committed in time")


def test_killed_run_resumes_to_the_uninterrupted_rows(
    scenario: Path, uninterrupted: tuple[Path, str], tmp_path: Path
) -> None:
    cmd = [
        sys.executable,
        "-c",
        "from shieldlab.cli import app; app()",
        "run",
        str(scenario),
        "--trials",
        str(TRIALS),
        "--executor",
        "serial",
        "--out",
        str(tmp_path),
        "--no-report",
        "--json",
    ]
    db = tmp_path / "shieldlab.duckdb"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        rid = _wait_for_chunk(db, proc, timeout_s=240.0)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    kept = committed_trials(db, rid)
    assert 0 < kept.size < TRIALS
    assert read_run(db, rid)["status"] == "running"
    info = _run("--resume", rid, "--out", str(tmp_path), "--executor", "serial")
    assert info["run_id"] == rid and info["resumed"] is True
    assert info["trials_run"] == TRIALS - kept.size
    assert read_run(db, rid)["status"] == "complete"
    np.testing.assert_array_equal(committed_trials(db, rid), np.arange(TRIALS))
    whole_db, whole_id = uninterrupted
    _assert_same(_tables(whole_db, whole_id), _tables(db, rid))
    # the resumed run's summary is the uninterrupted run's
    whole = _run("--resume", whole_id, "--out", str(whole_db.parent))
    assert whole["trials_run"] == 0
    for key in ("p_no_leaker", "mean_leakers", "mean_shots", "kills_by_layer", "custody"):
        assert info[key] == whole[key], key


def test_dask_local_cluster_stores_the_same_rows(
    scenario: Path, uninterrupted: tuple[Path, str], tmp_path: Path
) -> None:
    info = _run(
        str(scenario), "--trials", str(TRIALS), "--executor", "dask", "--workers", "2",
        "--out", str(tmp_path),
    )  # fmt: skip
    whole_db, whole_id = uninterrupted
    _assert_same(
        _tables(whole_db, whole_id), _tables(tmp_path / "shieldlab.duckdb", str(info["run_id"]))
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "mpi"], "--executor: 'mpi' is not one of serial, process, dask"),
        (["--cluster", "tcp://h:8786"], "--cluster: a scheduler address needs --executor dask"),
        (["--resume", "nope"], "--resume:"),
    ],
)
def test_bad_executor_or_resume_is_one_line(
    scenario: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    res = CliRunner().invoke(app, ["run", str(scenario), "--out", str(tmp_path), *args])
    assert res.exit_code == 2
    assert message in res.output and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "shieldlab.duckdb").exists()


def test_a_cluster_that_does_not_answer_writes_nothing(scenario: Path, tmp_path: Path) -> None:
    """The run's row comes with its first finished chunk: an executor that cannot
    start is one line, exit 2, and no store."""
    args = ["run", str(scenario), "--executor", "dask", "--cluster", "tcp://127.0.0.1:1"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path), "--no-report"])
    assert res.exit_code == 2
    assert "--cluster tcp://127.0.0.1:1: cannot reach a Dask scheduler" in res.output
    assert not (tmp_path / "shieldlab.duckdb").exists()


def test_a_run_on_a_shared_pool_stores_the_pools_worker_count(
    scenario: Path, tmp_path: Path
) -> None:
    """A sweep's point runs on the sweep's pool: its run row records the pool's workers."""
    from shieldlab.runner import run_to_store
    from shieldlab.scenario import load_scenario
    from shieldlab.sim.executors import TrialPool

    loaded = load_scenario(scenario)
    one = type(loaded)(
        loaded.scenario.model_copy(update={"trials": 1}), loaded.text, loaded.sha256, loaded.path
    )
    db = tmp_path / "shieldlab.duckdb"
    with TrialPool("process", workers=2) as pool:  # one trial: run in this process
        outcome = run_to_store(one, db, pool=pool)
    assert read_run(db, outcome.run_id)["workers"] == 2
