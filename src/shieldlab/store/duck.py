"""DuckDB results store: one file, one row per run, columnar tables keyed by run id.

What it models: the persistent record of a Monte Carlo run — the run's
provenance (scenario text and its SHA-256, seed, trials, shieldlab version,
creation time given by the caller) and its result tables (per-trial totals,
per-threat outcomes, engagements, truth trajectories, sites for maps).

Assumptions and conventions:

- Columns arrive as ``dict[str, numpy.ndarray]`` of equal length (no pandas,
  no pyarrow). They are bulk-inserted through DuckDB's native scan of a dict
  of NumPy arrays (``DuckDBPyConnection.register``), which copies ~10⁵ rows
  in a few milliseconds.
- SI units; latitude/longitude in degrees only in columns named ``*_deg``.
- Nullable columns: ``threat_outcomes.killed_by_shot, kill_layer, kill_time_s,
  hit_asset``; ``engagements.intercept_time_s, intercept_alt_m``;
  ``sites.value, radius_m``. All others are NOT NULL.
- NULL on write: NaN in a DOUBLE column, ``None`` in a string (object) array,
  a negative value in a nullable INTEGER column (``killed_by_shot``).
  NULL on read: NaN for DOUBLE, ``None`` for VARCHAR, :data:`NULL_INT` (−1)
  for nullable INTEGER columns.
- A run is written in one transaction: on any error nothing of it remains and
  other runs are untouched. A run id is written once (duplicates refused).
- No wall clock inside: ``created_utc`` is passed in by the caller so stored
  results are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

__all__ = [
    "NULL_INT",
    "RESULT_TABLES",
    "SCHEMA",
    "latest_run_id",
    "list_runs",
    "read_run",
    "read_table",
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
)

SCHEMA: dict[str, tuple[Column, ...]] = {
    "trials": (
        _c("trial", "INTEGER"),
        _c("leakers", "INTEGER"),
        _c("threats", "INTEGER"),
        _c("killed", "INTEGER"),
        _c("shots", "INTEGER"),
        _c("value_hit", "DOUBLE"),
        _c("cost_usd", "DOUBLE", nullable=True),
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

_CHECKS: dict[str, str] = {
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

    stmts = [f"CREATE TABLE IF NOT EXISTS runs ({cols(RUN_COLUMNS)}, PRIMARY KEY (run_id))"]
    for name, columns in SCHEMA.items():
        extra = f", {_CHECKS[name]}" if name in _CHECKS else ""
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {name} (run_id VARCHAR NOT NULL, {cols(columns)}{extra})"
        )
    return stmts


@contextmanager
def _connect(db_path: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(db_path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _normalise_created(value: object) -> datetime:
    """Return a naive UTC datetime from a datetime or ISO-8601 string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise ValueError(f"runs.created_utc must be a datetime or ISO string, got {value!r}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _check_run(run: dict[str, object]) -> list[object]:
    names = [c.name for c in RUN_COLUMNS]
    run = {c.name: None for c in RUN_COLUMNS if c.nullable} | run
    missing = [n for n in names if n not in run]
    unknown = [k for k in run if k not in names]
    if missing or unknown:
        raise ValueError(f"runs row: missing columns {missing}, unknown columns {unknown}")
    if not isinstance(run["run_id"], str) or not run["run_id"]:
        raise ValueError("runs.run_id must be a non-empty string")
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


def write_run(
    db_path: Path, run: dict[str, object], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    """Write one run (its ``runs`` row and result tables) atomically.

    ``run`` holds every ``runs`` column; ``tables`` maps a subset of
    :data:`RESULT_TABLES` to columns (without ``run_id``, which is added).
    Creates the file and schema if absent. Raises ``ValueError`` for a
    duplicate run id or columns that do not match the schema; any error
    rolls the whole run back.
    """
    db_path = Path(db_path)
    row = _check_run(run)
    run_id = str(run["run_id"])
    checked = {name: _check_table(name, cols) for name, cols in tables.items()}
    db_path.parent.mkdir(parents=True, exist_ok=True)
    views = {name: f"_shieldlab_in_{name}" for name in checked}
    with _connect(db_path, read_only=False) as con:
        for stmt in _ddl():
            con.execute(stmt)
        _migrate(con)
        for name, cols in checked.items():
            con.register(views[name], cols)
        con.execute("BEGIN TRANSACTION")
        try:
            exists = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id])
            if exists.fetchone() != (0,):
                raise ValueError(f"run id {run_id!r} already exists in {db_path}")
            placeholders = ", ".join("?" for _ in RUN_COLUMNS)
            con.execute(f"INSERT INTO runs VALUES ({placeholders})", row)
            for name, cols in checked.items():
                names = ", ".join(["run_id", *cols])
                exprs = ", ".join(_select_expr(c) for c in SCHEMA[name])
                con.execute(
                    f"INSERT INTO {name} ({names}) SELECT $run_id, {exprs} FROM {views[name]}",
                    {"run_id": run_id},
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a store written by an older shieldlab up to :data:`SCHEMA`.

    Columns added since are appended with ``ALTER TABLE … ADD COLUMN``
    (without NOT NULL: the older runs' rows hold NULL there, read back as
    NaN / None / :data:`NULL_INT`); new tables come from :func:`_ddl`. Nothing
    is ever dropped, so older runs stay readable.
    """
    for name, columns in {"runs": RUN_COLUMNS, **SCHEMA}.items():
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]
            ).fetchall()
        }
        for c in columns:
            if c.name not in have:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {c.name} {c.sql_type}")


def _has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
    ).fetchone()
    return found is not None and found[0] > 0


def _run_columns_sql(con: duckdb.DuckDBPyConnection, names: list[str]) -> str:
    """SELECT list of ``runs`` columns; NULL for those an older store lacks."""
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs'"
        ).fetchall()
    }
    return ", ".join(n if n in have else f"NULL AS {n}" for n in names)


def list_runs(db_path: Path) -> list[dict[str, object]]:
    """All runs' provenance rows (without ``scenario_text``), oldest first.

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


def read_table(db_path: Path, table: str, run_id: str) -> dict[str, np.ndarray]:
    """Columns (without ``run_id``) of ``table`` for one run, in insertion order.

    NULL becomes NaN in DOUBLE columns, ``None`` in VARCHAR (object) columns
    and :data:`NULL_INT` in nullable INTEGER columns. A run without rows in the
    table gives empty arrays.
    """
    if table not in SCHEMA:
        raise ValueError(f"unknown table {table!r}; known tables: {list(SCHEMA)}")
    spec = SCHEMA[table]
    with _connect(Path(db_path), read_only=True) as con:
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        if not have:  # a store older than the table: no rows
            raw = {c.name: np.ma.masked_all(0) for c in spec}
            return {c.name: _fill(c, raw[c.name]) for c in spec}
        # columns added after the store was written read as NULL (older versions)
        names = ", ".join(
            c.name if c.name in have else f"NULL::{c.sql_type} AS {c.name}" for c in spec
        )
        raw = con.execute(
            f"SELECT {names} FROM {table} WHERE run_id = ? ORDER BY rowid", [run_id]
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
