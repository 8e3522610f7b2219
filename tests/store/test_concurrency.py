"""Several OS processes on one store: concurrent chunked writers, a lock held past the
wait (StoreBusy, one clear line), readers that wait for a writer, and a writer killed
in the middle of a transaction (its committed chunks survive, the rest can be resumed)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest
from test_chunks import assert_same, split, static
from test_duck import make_run, make_tables

from shieldlab.store import (
    PER_TRIAL_TABLES,
    RESULT_TABLES,
    StoreBusy,
    append_trials,
    committed_trials,
    connect_write,
    create_run,
    finish_run,
    list_runs,
    lock_path,
    read_run,
    read_table,
    write_run,
)

HERE = Path(__file__).parent
N_TRIALS = 25

# A writer process: a run of N trials, one trial per chunk; prints its start and end
# times (monotonic clock, shared by the processes of one machine).
WRITER = """
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[5])
from test_chunks import split, static
from test_duck import make_run, make_tables
from shieldlab.store import append_trials, create_run, finish_run
db, run_id, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tables = make_tables(n, 3, np.random.default_rng(seed))
print(time.monotonic(), flush=True)
create_run(db, make_run(run_id), static(tables))
for t in range(n):
    append_trials(db, run_id, split(tables, [t]))
finish_run(db, run_id)
print(time.monotonic(), flush=True)
"""

# Holds the file read-write until a line arrives on stdin.
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
con.close()
"""

# Commits trials 0 and 1, then dies (SIGKILL) inside the transaction of trial 2.
CRASHER = """
import os, signal, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from test_chunks import split, static
from test_duck import make_run, make_tables
from shieldlab.store import append_trials, create_run, connect_write
from shieldlab.store.duck import _check_chunk, _insert_tables
db = sys.argv[1]
tables = make_tables(4, 3, np.random.default_rng(5))
create_run(db, make_run("crash"), static(tables))
append_trials(db, "crash", split(tables, [0]))
append_trials(db, "crash", split(tables, [1]))
with connect_write(db) as con:
    con.execute("BEGIN TRANSACTION")
    _insert_tables(con, "crash", _check_chunk(split(tables, [2])))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _env(wait_s: float) -> dict[str, str]:
    return os.environ | {"SHIELDLAB_STORE_WAIT_S": str(wait_s)}


def test_two_processes_write_runs_to_one_store(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), run_id, str(N_TRIALS), str(seed), str(HERE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(120),
        )
        for run_id, seed in (("run-a", 1), ("run-b", 2))
    ]
    spans = []
    for p in procs:
        out, errors = p.communicate(timeout=300)
        assert p.returncode == 0, errors
        start, end = (float(x) for x in out.split())
        spans.append((start, end))
    assert max(s for s, _ in spans) < min(e for _, e in spans), "the writers did not overlap"
    assert {r["run_id"]: r["status"] for r in list_runs(db)} == {
        "run-a": "complete",
        "run-b": "complete",
    }
    ref = tmp_path / "ref.duckdb"
    for run_id, seed in (("run-a", 1), ("run-b", 2)):
        write_run(ref, make_run(run_id), make_tables(N_TRIALS, 3, np.random.default_rng(seed)))
        assert committed_trials(db, run_id).tolist() == list(range(N_TRIALS))
        for name in RESULT_TABLES:
            want = read_table(ref, name, run_id)
            assert_same(read_table(db, name, run_id), want, f"{run_id}.{name}")


@pytest.fixture
def holder(tmp_path: Path):
    """A store with one running run, and a process holding its file read-write."""
    db = tmp_path / "busy.duckdb"
    tables = make_tables(2, 2, np.random.default_rng(3))
    create_run(db, make_run("r"), static(tables))
    p = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    yield db, tables, p
    if p.poll() is None:
        p.communicate("\n", timeout=30)


def test_lock_held_past_the_wait_is_store_busy(
    holder: tuple[Path, dict, subprocess.Popen], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, tables, _ = holder
    monkeypatch.setenv("SHIELDLAB_STORE_WAIT_S", "0.5")
    t0 = time.monotonic()
    with pytest.raises(StoreBusy) as info:
        append_trials(db, "r", split(tables, [0]))
    assert 0.5 <= time.monotonic() - t0 < 5.0
    message = str(info.value)
    assert "\n" not in message and str(db) in message
    assert "another shieldlab process is writing" in message
    assert isinstance(info.value, RuntimeError)
    for read in (lambda: list_runs(db), lambda: read_table(db, "trials", "r")):
        with pytest.raises(StoreBusy, match="another shieldlab process"):
            read()


def test_readers_and_writers_wait_for_the_lock(
    holder: tuple[Path, dict, subprocess.Popen], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, tables, p = holder
    monkeypatch.setenv("SHIELDLAB_STORE_WAIT_S", "60")
    release = threading.Timer(1.0, lambda: p.communicate("\n", timeout=30))
    t0 = time.monotonic()
    release.start()
    try:
        assert [r["run_id"] for r in list_runs(db)] == ["r"]  # waited for the holder
    finally:
        release.join()
    assert time.monotonic() - t0 >= 0.9
    append_trials(db, "r", split(tables, [0, 1]))
    finish_run(db, "r")
    assert read_run(db, "r")["status"] == "complete"


def test_writer_killed_mid_transaction_keeps_committed_chunks(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    p = subprocess.run(
        [sys.executable, "-c", CRASHER, str(db), str(HERE)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(60),
    )
    assert p.returncode == -9, p.stderr
    assert committed_trials(db, "crash").tolist() == [0, 1]
    assert read_run(db, "crash")["status"] == "running"
    for name in PER_TRIAL_TABLES:
        assert set(read_table(db, name, "crash")["trial"].tolist()) == {0, 1}, name
    tables = make_tables(4, 3, np.random.default_rng(5))
    append_trials(db, "crash", split(tables, [3, 2]))  # resume the missing trials
    finish_run(db, "crash")
    ref = tmp_path / "ref.duckdb"
    write_run(ref, make_run("crash"), tables)
    for name in RESULT_TABLES:
        assert_same(read_table(db, name, "crash"), read_table(ref, name, "crash"), name)


# Holds the store's lock file (flock, exclusive or shared) until a line arrives on stdin.
LOCK_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX if sys.argv[2] == "ex" else fcntl.LOCK_SH)
print("held", flush=True)
sys.stdin.readline()
os.close(fd)
"""


@pytest.mark.parametrize("mode", ["ex", "sh"])
def test_every_connection_takes_the_store_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """DuckDB reads a store's headers before it takes its own file lock, so a process
    opening the store while another checkpoints could drop the other's last commit.
    Every shieldlab connection therefore waits for the lock file beside the store
    (exclusive for writers, shared for readers), even where DuckDB's lock is free."""
    db = tmp_path / "s.duckdb"
    tables = make_tables(2, 2, np.random.default_rng(4))
    create_run(db, make_run("r"), static(tables))
    assert lock_path(db) == tmp_path / "s.duckdb.lock" and lock_path(db).is_file()
    p = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(lock_path(db)), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        monkeypatch.setenv("SHIELDLAB_STORE_WAIT_S", "0.3")
        with pytest.raises(StoreBusy, match="another shieldlab process"):
            append_trials(db, "r", split(tables, [0]))
        if mode == "ex":
            with pytest.raises(StoreBusy, match="another shieldlab process"):
                list_runs(db)
        else:  # readers share the lock
            assert [r["run_id"] for r in list_runs(db)] == ["r"]
    finally:
        p.communicate("\n", timeout=30)
    append_trials(db, "r", split(tables, [0, 1]))
    assert committed_trials(db, "r").tolist() == [0, 1]


def test_a_reader_leaves_nothing_beside_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("not a database\n")
    with pytest.raises(duckdb.IOException, match="not a valid DuckDB database file"):
        list_runs(bogus)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb"]


def test_a_write_nested_in_the_same_threads_write_does_not_wait_for_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "n.duckdb"
    tables = make_tables(2, 2, np.random.default_rng(6))
    create_run(db, make_run("r"), static(tables))
    monkeypatch.setenv("SHIELDLAB_STORE_WAIT_S", "2")
    t0 = time.monotonic()
    with connect_write(db) as con:
        append_trials(db, "r", split(tables, [0]))
        assert con.execute("SELECT count(*) FROM trials").fetchone() == (1,)
    assert time.monotonic() - t0 < 2.0
    append_trials(db, "r", split(tables, [1]))  # the lock was released
    assert committed_trials(db, "r").tolist() == [0, 1]
