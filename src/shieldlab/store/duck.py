"""DuckDB results store: one file, one row per run, columnar tables keyed by run id.

What it models: the persistent record of a Monte Carlo run — the run's
provenance (scenario text and its SHA-256, seed, trials, shieldlab version,
creation time given by the caller, optional study id), its status
(``'running'`` while trials are still being committed, ``'complete'``) and its
result tables (per-trial totals, per-threat outcomes, engagements, custody by
sensor layer, truth trajectories, sites for maps).

Assumptions and conventions:

- Columns arrive as ``dict[str, numpy.ndarray]`` of equal length (no pandas,
  no pyarrow). They are bulk-inserted through DuckDB's native scan of a dict
  of NumPy arrays (``DuckDBPyConnection.register``), which copies ~10⁵ rows
  in a few milliseconds.
- SI units; latitude/longitude in degrees only in columns named ``*_deg``.
- Nullable columns: ``runs.study_id`` and the provenance columns;
  ``threat_outcomes.killed_by_shot, kill_layer, kill_time_s, hit_asset``;
  ``engagements.intercept_time_s, intercept_alt_m``; ``sites.value,
  radius_m``. All others are NOT NULL.
- NULL on write: NaN in a DOUBLE column, ``None`` in a string (object) array,
  a negative value in a nullable INTEGER column (``killed_by_shot``).
  NULL on read: NaN for DOUBLE, ``None`` for VARCHAR, :data:`NULL_INT` (−1)
  for nullable INTEGER columns.
- Two ways to write a run, each commit one transaction (on any error nothing
  of it remains, other runs untouched): :func:`write_run` writes a whole run
  at once (status ``'complete'``); or :func:`create_run` (runs row and map
  tables, status ``'running'``), then :func:`append_trials` per chunk of
  trials, then :func:`finish_run`. A crash loses only the chunk in flight;
  :func:`committed_trials` says which trials are stored. A trial is committed
  once (duplicates refused), so all rows of a trial come from one chunk, and
  :func:`read_table` orders rows by the table's keys: the same tables
  whatever order the chunks were committed in. A run id is written once.
  Rows of stores older than the status column (NULL) read as ``'complete'``.
- Concurrency: DuckDB lets one process open the file read-write, and readers
  only when no process writes. Every connection is held for one transaction
  only, inside a lock file beside the store (``NAME.duckdb.lock``, ``flock``:
  exclusive for writers, shared for readers; see :func:`_store_lock` for why
  DuckDB's own lock is not enough), taken with retries (up to
  ``SHIELDLAB_STORE_WAIT_S`` seconds, default 120 s for writers, at most 10 s
  for readers), so several processes can write runs to one file; past the
  wait :class:`StoreBusy` is raised.
- No wall clock inside: ``created_utc`` is passed in by the caller so stored
  results are reproducible.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

__all__ = [
    "NULL_INT",
    "PER_TRIAL_TABLES",
    "RESULT_TABLES",
    "RUN_STATUSES",
    "SCHEMA",
    "StoreBusy",
    "append_trials",
    "committed_trials",
    "connect_read",
    "connect_write",
    "create_run",
    "finish_run",
    "latest_run_id",
    "list_runs",
    "lock_path",
    "order_by",
    "read_run",
    "read_table",
    "runs_of_study",
    "write_run",
]

NULL_INT = -1
"""Value returned (and accepted as NULL, with any negative) in nullable INTEGER columns."""


@dataclass(frozen=True)
class Column:
    """One column of the schema: name, DuckDB type and whether NULL is allowed."""

    name: str
    sql_type: str
    nullable: bool = False


def _c(name: str, sql_type: str, nullable: bool = False) -> Column:
    return Column(name, sql_type, nullable)


RUN_COLUMNS: tuple[Column, ...] = (
    _c("run_id", "VARCHAR"),
    _c("created_utc", "TIMESTAMP"),
    _c("scenario_name", "VARCHAR"),
    _c("scenario_text", "VARCHAR"),
    _c("scenario_sha256", "VARCHAR"),
    _c("seed", "BIGINT"),
    _c("trials", "INTEGER"),
    _c("workers", "INTEGER"),
    _c("shieldlab_version", "VARCHAR"),
    _c("epoch_utc", "VARCHAR"),
    _c("git_commit", "VARCHAR", nullable=True),
    _c("python_version", "VARCHAR", nullable=True),
    _c("dependencies", "VARCHAR", nullable=True),
    _c("study_id", "VARCHAR", nullable=True),
    # NOT NULL on new stores; NULL in rows of stores older than the column (= complete)
    _c("status", "VARCHAR"),
)
RUN_STATUSES: tuple[str, ...] = ("running", "complete")
"""Values of ``runs.status``: trials still being committed, or all of them stored."""
_RUN_DEFAULTS: dict[str, object] = {"study_id": None, "status": "complete"}

SCHEMA: dict[str, tuple[Column, ...]] = {
    "trials": (
        _c("trial", "INTEGER"),
        _c("leakers", "INTEGER"),
        _c("threats", "INTEGER"),
        _c("killed", "INTEGER"),
        _c("shots", "INTEGER"),
        _c("value_hit", "DOUBLE"),
        _c("cost_usd", "DOUBLE", nullable=True),
        _c("c2_cut_epochs", "INTEGER", nullable=True),
    ),
    "threat_outcomes": (
        _c("trial", "INTEGER"),
        _c("threat_id", "INTEGER"),
        _c("threat_type", "VARCHAR"),
        _c("status", "VARCHAR"),
        _c("killed_by_shot", "INTEGER", nullable=True),
        _c("kill_layer", "VARCHAR", nullable=True),
        _c("kill_time_s", "DOUBLE", nullable=True),
        _c("aim_asset", "VARCHAR"),
        _c("hit_asset", "VARCHAR", nullable=True),
        _c("impact_lat_deg", "DOUBLE"),
        _c("impact_lon_deg", "DOUBLE"),
        _c("object_kind", "VARCHAR"),
        _c("custody", "DOUBLE", nullable=True),
        _c("custody_fc", "DOUBLE", nullable=True),
        _c("handovers", "INTEGER"),
        _c("sensor_handovers", "INTEGER"),
    ),
    "engagements": (
        _c("trial", "INTEGER"),
        _c("shot_id", "INTEGER"),
        _c("threat_id", "INTEGER"),
        _c("site", "VARCHAR"),
        _c("layer", "VARCHAR"),
        _c("decision_time_s", "DOUBLE"),
        _c("launch_time_s", "DOUBLE"),
        _c("intercept_time_s", "DOUBLE", nullable=True),
        _c("intercept_alt_m", "DOUBLE", nullable=True),
        _c("pk", "DOUBLE"),
        _c("hit", "BOOLEAN"),
        _c("c2_delay_s", "DOUBLE", nullable=True),
        _c("c2_lost_s", "DOUBLE", nullable=True),
        _c("intercept_lat_deg", "DOUBLE", nullable=True),
        _c("intercept_lon_deg", "DOUBLE", nullable=True),
        _c("planned_miss_m", "DOUBLE", nullable=True),
        _c("achieved_miss_m", "DOUBLE", nullable=True),
        _c("cost_usd", "DOUBLE", nullable=True),
    ),
    "custody_layers": (
        _c("trial", "INTEGER"),
        _c("threat_id", "INTEGER"),
        _c("layer", "VARCHAR"),
        _c("fraction", "DOUBLE"),
    ),
    "trajectories": (
        _c("threat_id", "INTEGER"),
        _c("t_s", "DOUBLE"),
        _c("lat_deg", "DOUBLE"),
        _c("lon_deg", "DOUBLE"),
        _c("alt_m", "DOUBLE"),
        _c("phase", "TINYINT"),
    ),
    "sites": (
        _c("name", "VARCHAR"),
        _c("kind", "VARCHAR"),
        _c("lat_deg", "DOUBLE"),
        _c("lon_deg", "DOUBLE"),
        _c("value", "DOUBLE", nullable=True),
        _c("radius_m", "DOUBLE", nullable=True),
    ),
}
RESULT_TABLES: tuple[str, ...] = tuple(SCHEMA)
PER_TRIAL_TABLES: tuple[str, ...] = ("trials", "threat_outcomes", "engagements", "custody_layers")
"""Tables with rows per trial (keyed by ``trial``), committed chunk by chunk."""
STATIC_TABLES: tuple[str, ...] = ("trajectories", "sites")
"""Tables written once per run, by :func:`create_run` (or :func:`write_run`)."""

# Row order of read_table: the table's keys, then insertion order. All rows of one
# trial come from one chunk (a trial is committed once), so the order does not depend
# on the order in which chunks were committed. shot_id is unique within a trial (site
# shots 0…m−1, then the layer plug-ins' shots numbered on); rowid breaks any tie.
_ORDER: dict[str, tuple[str, ...]] = {
    "trials": ("trial",),
    "threat_outcomes": ("trial", "threat_id"),
    "engagements": ("trial", "shot_id"),
    "custody_layers": ("trial", "threat_id", "layer"),
    "trajectories": ("threat_id", "t_s"),
    "sites": (),
}

_CHECKS: dict[str, str] = {
    "runs": "CHECK (status IN ('running', 'complete'))",
    "threat_outcomes": "CHECK (status IN ('killed', 'leaked', 'no_threat'))",
    "sites": "CHECK (kind IN ('asset', 'interceptor', 'radar', 'geo-ir', 'launch'))",
}

# NumPy dtype kinds accepted for each DuckDB type (checked before any write).
_KINDS: dict[str, str] = {
    "VARCHAR": "OUS",
    "BIGINT": "iu",
    "INTEGER": "iu",
    "TINYINT": "iu",
    "DOUBLE": "iuf",
    "BOOLEAN": "b",
}


def _ddl() -> list[str]:
    def cols(columns: tuple[Column, ...]) -> str:
        return ", ".join(
            f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in columns
        )

    stmts = [
        f"CREATE TABLE IF NOT EXISTS runs ({cols(RUN_COLUMNS)}, PRIMARY KEY (run_id), "
        f"{_CHECKS['runs']})"
    ]
    for name, columns in SCHEMA.items():
        extra = f", {_CHECKS[name]}" if name in _CHECKS else ""
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {name} (run_id VARCHAR NOT NULL, {cols(columns)}{extra})"
        )
    return stmts


WAIT_ENV = "SHIELDLAB_STORE_WAIT_S"
"""Environment variable: seconds to wait for a store locked by another process."""
WRITE_WAIT_S = 120.0
"""Default wait of a writer for the file lock [s]."""
READ_WAIT_S = 10.0
"""Longest wait of a reader for the file lock [s] (a writer holds it for one chunk)."""
_RETRY_FIRST_S, _RETRY_MAX_S = 0.005, 0.05  # backoff between attempts [s]
_WRITE_LOCK = threading.RLock()  # one write transaction at a time within this process
_HELD = threading.local()  # the lock files this thread holds exclusively (re-entry)


class StoreBusy(RuntimeError):
    """The results store stayed locked by another process for longer than the wait."""


def _wait_s(default: float) -> float:
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{WAIT_ENV}={text!r}: expected seconds (a number)") from None
    return max(value, 0.0)


def _locked(exc: duckdb.Error) -> bool:
    """Whether ``exc`` says the file is held by another process (or, in this process,
    by a connection of the other kind, read-only vs read-write): worth retrying."""
    text = str(exc).lower()
    if isinstance(exc, duckdb.IOException):
        return "lock" in text
    return isinstance(exc, duckdb.ConnectionException) and "different configuration" in text


def _busy(db_path: Path, wait_s: float) -> StoreBusy:
    return StoreBusy(
        f"{db_path}: another shieldlab process is writing this results store "
        f"(still locked after {wait_s:g} s; {WAIT_ENV} sets the wait)"
    )


def _waits(db_path: Path, deadline: float, wait_s: float) -> Iterator[None]:
    """Backoff between attempts at a locked store: each ``next`` sleeps (5 ms, doubling
    to 50 ms, never past ``deadline``), or raises :class:`StoreBusy` once the deadline
    has passed."""
    pause = _RETRY_FIRST_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _busy(db_path, wait_s) from None
        time.sleep(min(pause, left))
        pause = min(2.0 * pause, _RETRY_MAX_S)
        yield


def lock_path(db_path: Path) -> Path:
    """The lock file beside the store at ``db_path`` (``NAME.duckdb.lock``, empty)."""
    return db_path.with_name(db_path.name + ".lock")


def _is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` starts with DuckDB's magic bytes (``DUCK`` at offset 8)."""
    try:
        with open(path, "rb") as f:
            return f.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _open_lock_file(db_path: Path, exclusive: bool) -> int | None:
    """A descriptor of the store's lock file.

    A writer creates it if absent. A reader opens it, and creates it only beside a
    DuckDB file (nothing is left beside a file that is not a store); ``None``
    where it cannot be opened (a store in a read-only place, which no process can
    be writing, or not a DuckDB file, for which DuckDB's error follows).
    """
    path = lock_path(db_path)
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
    if exclusive:
        return os.open(path, flags, 0o666)
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        pass
    if not _is_duckdb_file(db_path):
        return None
    try:
        return os.open(path, flags, 0o666)
    except OSError:
        return None


@contextmanager
def _store_lock(db_path: Path, exclusive: bool, deadline: float, wait_s: float) -> Iterator[None]:
    """Hold the store's lock file (``flock``: exclusive for a writer, shared for
    readers) from before DuckDB opens the store until after it has closed it.

    DuckDB's own lock (``fcntl`` on the database file) is not enough for several
    processes: DuckDB 2.0 reads the file's headers *before* it takes that lock, so
    a process that opens the store while another is checkpointing can take the
    lock with the headers of the state before the other's last commit, and its own
    checkpoint then drops that commit (seen as a lost chunk with 4 writers × 50
    chunks under load). Every shieldlab connection takes this lock first, so no
    process reads the file while another writes it. Released on exit, and by the
    OS if the process dies (kill -9 included). A write nested in the same thread's
    write does not wait for itself.
    """
    held: set[Path] = _HELD.__dict__.setdefault("paths", set())
    key = lock_path(db_path).absolute()
    if key in held:  # a write nested in this thread's own write: already exclusive
        yield
        return
    fd = _open_lock_file(db_path, exclusive)
    if fd is None:
        yield
        return
    try:
        op = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        waits = _waits(db_path, deadline, wait_s)
        while True:
            try:
                fcntl.flock(fd, op)
                break
            except BlockingIOError:
                next(waits)
        if exclusive:
            held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # releases the flock


def _open(
    db_path: Path, read_only: bool, deadline: float, wait_s: float
) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with backoff while DuckDB finds the file locked (by a process
    that does not take the store's lock file); :class:`StoreBusy` after the
    deadline."""
    waits = _waits(db_path, deadline, wait_s)
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.Error as exc:
            if not _locked(exc):
                raise
            next(waits)


@contextmanager
def _connect(db_path: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one read (read-only) or one write, inside the store's lock
    (shared for reads, exclusive for writes); closed on exit, then the lock is
    released. A reader of a file that does not exist takes no lock (DuckDB's
    error follows)."""
    wait_s = min(_wait_s(READ_WAIT_S), READ_WAIT_S) if read_only else _wait_s(WRITE_WAIT_S)
    deadline = time.monotonic() + wait_s
    lock = (
        nullcontext()
        if read_only and not db_path.exists()
        else _store_lock(db_path, not read_only, deadline, wait_s)
    )
    with lock:
        con = _open(db_path, read_only, deadline, wait_s)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def connect_read(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store at ``db_path`` for one read, inside the
    store's shared lock; closed on exit. Waits up to ``SHIELDLAB_STORE_WAIT_S`` (at
    most 10 s) for a writer, then raises :class:`StoreBusy`; DuckDB's error for a
    file that is missing or not a DuckDB file propagates."""
    with _connect(Path(db_path), read_only=True) as con:
        yield con


@contextmanager
def connect_write(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the store at ``db_path``, its schema created and
    migrated; closed on exit. Hold it for one transaction only: while it is open no
    other process can read or write the file.

    Creates the file and its folder if absent. Waits up to ``SHIELDLAB_STORE_WAIT_S``
    (default 120 s) for another process's lock, then raises :class:`StoreBusy`.
    Write transactions of threads of one process are serialised.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _WRITE_LOCK, _connect(db_path, read_only=False) as con:
        if not _up_to_date(con):
            for stmt in _ddl():
                con.execute(stmt)
            _migrate(con)
        yield con


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT; ROLLBACK on any error (the error propagates)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):  # a failed COMMIT has already rolled back
            con.execute("ROLLBACK")
        raise


def _normalise_created(value: object) -> datetime:
    """Return a naive UTC datetime from a datetime or ISO-8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise ValueError(f"runs.created_utc must be a datetime or ISO string, got {value!r}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _check_run(run: dict[str, object], status: str) -> list[object]:
    """The ``runs`` row in :data:`RUN_COLUMNS` order, written with ``status``
    (``run`` may omit it, and the nullable columns)."""
    names = [c.name for c in RUN_COLUMNS]
    given = run.get("status", status)
    if given != status:
        raise ValueError(f"runs.status: this call writes a {status!r} run, got {given!r}")
    run = {c.name: None for c in RUN_COLUMNS if c.nullable} | _RUN_DEFAULTS | run
    run["status"] = status
    missing = [n for n in names if n not in run]
    unknown = [k for k in run if k not in names]
    if missing or unknown:
        raise ValueError(f"runs row: missing columns {missing}, unknown columns {unknown}")
    if not isinstance(run["run_id"], str) or not run["run_id"]:
        raise ValueError("runs.run_id must be a non-empty string")
    if run["study_id"] is not None and (
        not isinstance(run["study_id"], str) or not run["study_id"]
    ):
        raise ValueError(
            f"runs.study_id must be None or a non-empty string, got {run['study_id']!r}"
        )
    row = [run[n] for n in names]
    row[names.index("created_utc")] = _normalise_created(run["created_utc"])
    return row


def _check_table(name: str, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate one table's columns against the schema; return 1-D arrays in schema order."""
    if name not in SCHEMA:
        raise ValueError(f"unknown table {name!r}; known tables: {list(SCHEMA)}")
    spec = SCHEMA[name]
    expected = [c.name for c in spec]
    missing = [n for n in expected if n not in columns]
    unknown = [k for k in columns if k not in expected]
    if missing or unknown:
        raise ValueError(f"table {name!r}: missing columns {missing}, unknown columns {unknown}")
    out: dict[str, np.ndarray] = {}
    n_rows: int | None = None
    for col in spec:
        arr = np.asarray(columns[col.name])
        if arr.ndim != 1:
            raise ValueError(f"{name}.{col.name}: expected a 1-D array, got shape {arr.shape}")
        if n_rows is None:
            n_rows = arr.shape[0]
        elif arr.shape[0] != n_rows:
            raise ValueError(
                f"{name}.{col.name}: length {arr.shape[0]} differs from {n_rows} of the "
                "table's other columns"
            )
        if arr.size and arr.dtype.kind not in _KINDS[col.sql_type]:
            raise ValueError(f"{name}.{col.name}: dtype {arr.dtype} not allowed for {col.sql_type}")
        if arr.dtype.kind == "S":
            arr = arr.astype(str)
        if arr.dtype.kind in "OU":
            arr = arr.astype(object)
        out[col.name] = arr
    return out


def _select_expr(col: Column) -> str:
    if col.nullable and col.sql_type == "INTEGER":
        return f"CASE WHEN {col.name} < 0 THEN NULL ELSE {col.name} END::INTEGER"
    return f"{col.name}::{col.sql_type}"


def _insert_run(con: duckdb.DuckDBPyConnection, db_path: Path, row: list[object]) -> None:
    """Insert a ``runs`` row (inside the caller's transaction); refuse a duplicate id."""
    run_id = row[0]
    exists = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id])
    if exists.fetchone() != (0,):
        raise ValueError(f"run id {run_id!r} already exists in {db_path}")
    names = ", ".join(c.name for c in RUN_COLUMNS)
    placeholders = ", ".join("?" for _ in RUN_COLUMNS)
    con.execute(f"INSERT INTO runs ({names}) VALUES ({placeholders})", row)


def _insert_tables(
    con: duckdb.DuckDBPyConnection, run_id: str, checked: dict[str, dict[str, np.ndarray]]
) -> None:
    """Insert checked tables for ``run_id`` (inside the caller's transaction)."""
    for name, cols in checked.items():
        view = f"_shieldlab_in_{name}"
        con.register(view, cols)
        try:
            names = ", ".join(["run_id", *cols])
            exprs = ", ".join(_select_expr(c) for c in SCHEMA[name])
            con.execute(
                f"INSERT INTO {name} ({names}) SELECT $run_id, {exprs} FROM {view}",
                {"run_id": run_id},
            )
        finally:
            with suppress(duckdb.Error):  # in an aborted transaction: closed with it
                con.unregister(view)


def write_run(
    db_path: Path, run: dict[str, object], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    """Write one whole run (its ``runs`` row and result tables) atomically.

    ``run`` holds every ``runs`` column (``study_id`` and the provenance columns
    may be left out: NULL; ``status``, if given, must be ``'complete'``, which is
    written); ``tables`` maps a subset of :data:`RESULT_TABLES` to columns
    (without ``run_id``, which is added). Creates the file and schema if absent.
    Raises ``ValueError`` for a duplicate run id or columns that do not match the
    schema; any error rolls the whole run back.
    """
    db_path = Path(db_path)
    row = _check_run(run, "complete")
    checked = {name: _check_table(name, cols) for name, cols in tables.items()}
    with connect_write(db_path) as con, _transaction(con):
        _insert_run(con, db_path, row)
        _insert_tables(con, str(run["run_id"]), checked)


def create_run(
    db_path: Path, run: dict[str, object], static_tables: dict[str, dict[str, np.ndarray]]
) -> None:
    """Start a run committed in chunks: its ``runs`` row (status ``'running'``) and
    its tables without trials (a subset of ``trajectories``, ``sites``), in one
    transaction.

    ``run`` as for :func:`write_run` (``status``, if given, must be ``'running'``).
    Then :func:`append_trials` per chunk and :func:`finish_run`. Raises
    ``ValueError`` for a duplicate run id, a per-trial table, or columns that do
    not match the schema (nothing written).
    """
    db_path = Path(db_path)
    row = _check_run(run, "running")
    per_trial = [t for t in static_tables if t in PER_TRIAL_TABLES]
    if per_trial:
        raise ValueError(
            f"create_run takes the tables {list(STATIC_TABLES)}; per-trial tables "
            f"{per_trial} go to append_trials"
        )
    checked = {name: _check_table(name, cols) for name, cols in static_tables.items()}
    with connect_write(db_path) as con, _transaction(con):
        _insert_run(con, db_path, row)
        _insert_tables(con, str(run["run_id"]), checked)


def _check_chunk(tables: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Validate a chunk of per-trial tables; every row's trial must be one of the
    chunk's ``trials`` rows, each listed once."""
    other = [t for t in tables if t not in PER_TRIAL_TABLES]
    if other:
        raise ValueError(
            f"append_trials takes the per-trial tables {list(PER_TRIAL_TABLES)}; got {other}"
        )
    if "trials" not in tables:
        raise ValueError(
            "append_trials: the chunk needs its 'trials' table (its rows mark the trials committed)"
        )
    checked = {name: _check_table(name, cols) for name, cols in tables.items()}
    trials = checked["trials"]["trial"].astype(np.int64)
    unique, counts = np.unique(trials, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"append_trials: trials {unique[counts > 1][:8].tolist()} repeated")
    for name, cols in checked.items():
        stray = np.setdiff1d(cols["trial"].astype(np.int64), unique)
        if stray.size:
            raise ValueError(
                f"append_trials: {name} has rows of trials {stray[:8].tolist()} that are "
                "not in the chunk's trials table"
            )
    return checked


def _status(con: duckdb.DuckDBPyConnection, db_path: Path, run_id: str) -> str:
    """A run's status (NULL in an older store: complete); ``ValueError`` if absent."""
    row = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise ValueError(f"run {run_id!r} not found in {db_path}")
    return "complete" if row[0] is None else str(row[0])


def append_trials(db_path: Path, run_id: str, tables: dict[str, dict[str, np.ndarray]]) -> None:
    """Commit one chunk of a running run's trials in one transaction.

    ``tables`` maps ``trials`` and any of the other :data:`PER_TRIAL_TABLES` to
    columns (without ``run_id``); every row's ``trial`` must be in
    ``tables["trials"]["trial"]``. Raises ``ValueError`` (nothing written) if the
    run is not stored or is complete, a trial of the chunk is already committed
    or listed twice, or the columns do not match the schema.
    """
    db_path = Path(db_path)
    checked = _check_chunk(tables)
    trials = checked["trials"]["trial"].astype(np.int64)
    if not db_path.is_file():
        raise ValueError(f"run {run_id!r} not found: no results store at {db_path}")
    with connect_write(db_path) as con, _transaction(con):
        if _status(con, db_path, run_id) != "running":
            raise ValueError(f"run {run_id!r} in {db_path} is complete; it takes no more trials")
        stored = con.execute("SELECT trial FROM trials WHERE run_id = ?", [run_id]).fetchnumpy()
        dup = np.intersect1d(stored["trial"], trials)
        if dup.size:
            raise ValueError(
                f"run {run_id!r} in {db_path}: trials {dup[:8].tolist()} are already committed"
            )
        _insert_tables(con, run_id, checked)


def committed_trials(db_path: Path, run_id: str) -> np.ndarray:
    """Trial numbers stored in the ``trials`` table for ``run_id`` (int64, sorted);
    empty if the store or the run does not exist."""
    db_path = Path(db_path)
    if not db_path.exists():
        return np.zeros(0, np.int64)
    with _connect(db_path, read_only=True) as con:
        if not _has_schema(con):
            return np.zeros(0, np.int64)
        rows = con.execute(
            "SELECT DISTINCT trial FROM trials WHERE run_id = ? ORDER BY trial", [run_id]
        ).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


def finish_run(db_path: Path, run_id: str) -> None:
    """Mark a run ``'complete'`` (no more trials are taken). Finishing a complete run
    does nothing; ``ValueError`` if the run is not stored."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ValueError(f"run {run_id!r} not found: no results store at {db_path}")
    with connect_write(db_path) as con, _transaction(con):
        _status(con, db_path, run_id)
        con.execute("UPDATE runs SET status = 'complete' WHERE run_id = ?", [run_id])


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a store written by an older shieldlab up to :data:`SCHEMA`.

    Columns added since are appended with ``ALTER TABLE … ADD COLUMN``
    (without NOT NULL: the older runs' rows hold NULL there, read back as
    NaN / None / :data:`NULL_INT`); new tables come from :func:`_ddl`. Nothing
    is ever dropped, so older runs stay readable.
    """
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns")
    have = {(str(t), str(c)) for t, c in rows.fetchall()}
    for name, columns in {"runs": RUN_COLUMNS, **SCHEMA}.items():
        for c in columns:
            if (name, c.name) not in have:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {c.name} {c.sql_type}")


def _up_to_date(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every table and column of the schema exists (one catalogue query)."""
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns")
    have = {(str(t), str(c)) for t, c in rows.fetchall()}
    return all(
        (name, c.name) in have
        for name, columns in {"runs": RUN_COLUMNS, **SCHEMA}.items()
        for c in columns
    )


def _has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
    ).fetchone()
    return found is not None and found[0] > 0


def _run_columns_sql(con: duckdb.DuckDBPyConnection, names: list[str]) -> str:
    """SELECT list of ``runs`` columns; NULL for those an older store lacks, and
    ``'complete'`` for a status that is NULL (rows older than the column)."""
    have = _columns(con, "runs")

    def expr(n: str) -> str:
        if n == "status":
            return "coalesce(status, 'complete') AS status" if n in have else "'complete' AS status"
        return n if n in have else f"NULL AS {n}"

    return ", ".join(expr(n) for n in names)


def list_runs(db_path: Path) -> list[dict[str, object]]:
    """All runs' provenance rows (without ``scenario_text``; with ``study_id`` and
    ``status``), oldest first.

    Returns ``[]`` if the file does not exist.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        return []
    names = [c.name for c in RUN_COLUMNS if c.name != "scenario_text"]
    with _connect(db_path, read_only=True) as con:
        if not _has_schema(con):
            return []
        rows = con.execute(
            f"SELECT {_run_columns_sql(con, names)} FROM runs ORDER BY created_utc, run_id"
        ).fetchall()
    return [dict(zip(names, r, strict=True)) for r in rows]


def runs_of_study(db_path: Path, study_id: str) -> list[str]:
    """Ids of the runs whose ``study_id`` is ``study_id``, oldest first (``[]`` if none
    or no store)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return []
    with _connect(db_path, read_only=True) as con:
        if not _has_schema(con) or "study_id" not in _columns(con, "runs"):
            return []
        rows = con.execute(
            "SELECT run_id FROM runs WHERE study_id = ? ORDER BY created_utc, run_id", [study_id]
        ).fetchall()
    return [str(r[0]) for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Column names of ``table`` (empty if the store has no such table)."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {str(r[0]) for r in rows}


def read_run(db_path: Path, run_id: str) -> dict[str, object]:
    """The full ``runs`` row of one run (``created_utc`` as naive UTC datetime).

    Raises ``KeyError`` if the run is not stored.
    """
    names = [c.name for c in RUN_COLUMNS]
    db_path = Path(db_path)
    if not db_path.exists():
        raise KeyError(f"no results store at {db_path}")
    with _connect(db_path, read_only=True) as con:
        row = (
            con.execute(
                f"SELECT {_run_columns_sql(con, names)} FROM runs WHERE run_id = ?", [run_id]
            ).fetchone()
            if _has_schema(con)
            else None
        )
    if row is None:
        raise KeyError(f"run {run_id!r} not found in {db_path}")
    return dict(zip(names, row, strict=True))


def _fill(col: Column, arr: np.ndarray) -> np.ndarray:
    if isinstance(arr, np.ma.MaskedArray):
        if col.sql_type == "DOUBLE":
            return arr.filled(np.nan)
        if col.sql_type == "VARCHAR":
            data = np.asarray(arr.data, dtype=object).copy()
            data[np.ma.getmaskarray(arr)] = None
            return data
        if col.sql_type in ("INTEGER", "BIGINT", "TINYINT"):
            return arr.filled(NULL_INT)
        return arr.filled()
    return np.asarray(arr)


def order_by(table: str) -> str:
    """ORDER BY list of ``table``'s rows within a run: its keys, then insertion order
    (``trials``: trial; ``threat_outcomes``: trial, threat_id; ``engagements``:
    trial, shot_id; ``custody_layers``: trial, threat_id, layer; ``trajectories``:
    threat_id, t_s; ``sites``: insertion order)."""
    return ", ".join([*_ORDER[table], "rowid"])


def read_table(db_path: Path, table: str, run_id: str) -> dict[str, np.ndarray]:
    """Columns (without ``run_id``) of ``table`` for one run, ordered by the table's
    keys (:func:`order_by`): the same whatever order its chunks were committed in.

    NULL becomes NaN in DOUBLE columns, ``None`` in VARCHAR (object) columns
    and :data:`NULL_INT` in nullable INTEGER columns. A run without rows in the
    table gives empty arrays.
    """
    if table not in SCHEMA:
        raise ValueError(f"unknown table {table!r}; known tables: {list(SCHEMA)}")
    spec = SCHEMA[table]
    with _connect(Path(db_path), read_only=True) as con:
        have = _columns(con, table)
        if not have:  # a store older than the table: no rows
            raw = {c.name: np.ma.masked_all(0) for c in spec}
            return {c.name: _fill(c, raw[c.name]) for c in spec}
        # columns added after the store was written read as NULL (older versions)
        names = ", ".join(
            c.name if c.name in have else f"NULL::{c.sql_type} AS {c.name}" for c in spec
        )
        raw = con.execute(
            f"SELECT {names} FROM {table} WHERE run_id = ? ORDER BY {order_by(table)}", [run_id]
        ).fetchnumpy()
    return {c.name: _fill(c, raw[c.name]) for c in spec}


def latest_run_id(db_path: Path) -> str | None:
    """Id of the run with the latest ``created_utc`` (ties: largest id), or None."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    with _connect(db_path, read_only=True) as con:
        if not _has_schema(con):
            return None
        row = con.execute(
            "SELECT run_id FROM runs ORDER BY created_utc DESC, run_id DESC LIMIT 1"
        ).fetchone()
    return None if row is None else str(row[0])
