"""Studies in the results store: a sweep's design and its response table.

What it models: a *study* (``shieldlab sweep``) runs one scenario at several
points of its parameters; each point is an ordinary run (``runs.study_id`` names
the study). Two tables beside the runs hold what makes them a study:

- ``studies``: one row per study: id, creation time, scenario name and SHA-256,
  design (``grid``/``lhs``), the parameters as given (JSON list of ``PATH=…``
  texts), samples (LHS; NULL for a grid), trials and seed per point, shieldlab
  version, and status ``'running'`` until every point is stored, then
  ``'complete'``;
- ``study_points``: one row per stored point: the point's number (its place in
  the design, from 0), its run id, its parameter values (JSON object by path) and
  the responses (:data:`shieldlab.analysis.sweep.RESPONSE_COLUMNS`: P(no leaker)
  with its 95 % Wilson interval; mean leakers, asset value lost and expended
  interceptor cost per trial, each with a 95 % interval of the mean).

Each write is one transaction on a connection held only for it
(:func:`shieldlab.store.duck.connect_write`), so a point's row is committed as
soon as its run is complete and an interrupted study keeps every point it
finished. ``created_utc`` is passed in by the caller (no wall clock inside).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from shieldlab.store.duck import _connect, connect_write

__all__ = [
    "POINT_RESPONSES",
    "STUDY_STATUSES",
    "add_point",
    "create_study",
    "finish_study",
    "list_studies",
    "read_points",
    "read_study",
    "study_ids",
]

STUDY_STATUSES: tuple[str, ...] = ("running", "complete")
"""Values of ``studies.status``."""

POINT_RESPONSES: tuple[str, ...] = (
    "p_no_leaker",
    "p_no_leaker_lo",
    "p_no_leaker_hi",
    "mean_leakers",
    "leakers_lo",
    "leakers_hi",
    "mean_value_lost",
    "value_lo",
    "value_hi",
    "mean_cost_usd",
    "cost_lo",
    "cost_hi",
)
"""Response columns of ``study_points`` (all DOUBLE; NULL where undefined)."""

_STUDY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("study_id", "VARCHAR NOT NULL"),
    ("created_utc", "TIMESTAMP NOT NULL"),
    ("scenario_name", "VARCHAR NOT NULL"),
    ("scenario_sha256", "VARCHAR NOT NULL"),
    ("design", "VARCHAR NOT NULL"),
    ("parameters", "VARCHAR NOT NULL"),
    ("samples", "INTEGER"),
    ("trials", "INTEGER NOT NULL"),
    ("seed", "BIGINT NOT NULL"),
    ("shieldlab_version", "VARCHAR NOT NULL"),
    ("status", "VARCHAR NOT NULL"),
)
_POINT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("study_id", "VARCHAR NOT NULL"),
    ("point", "INTEGER NOT NULL"),
    ("run_id", "VARCHAR NOT NULL"),
    ("params", "VARCHAR NOT NULL"),
    *((name, "DOUBLE") for name in POINT_RESPONSES),
)
STUDY_NAMES: tuple[str, ...] = tuple(n for n, _ in _STUDY_COLUMNS)
POINT_NAMES: tuple[str, ...] = tuple(n for n, _ in _POINT_COLUMNS)

_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS studies ("
    + ", ".join(f"{n} {t}" for n, t in _STUDY_COLUMNS)
    + ", PRIMARY KEY (study_id), CHECK (status IN ('running', 'complete')))",
    "CREATE TABLE IF NOT EXISTS study_points ("
    + ", ".join(f"{n} {t}" for n, t in _POINT_COLUMNS)
    + ", PRIMARY KEY (study_id, point))",
)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def _has_studies(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'studies'"
    ).fetchone()
    return found is not None and found[0] > 0


def study_ids(db: Path) -> list[str]:
    """Ids of the studies stored in ``db``, oldest first ([] without a store or studies)."""
    return [str(r["study_id"]) for r in list_studies(db)]


def list_studies(db: Path) -> list[dict[str, object]]:
    """Every ``studies`` row (``parameters`` decoded to a list), oldest first."""
    db = Path(db)
    if not db.exists():
        return []
    with _connect(db, read_only=True) as con:
        if not _has_studies(con):
            return []
        rows = con.execute(
            f"SELECT {', '.join(STUDY_NAMES)} FROM studies ORDER BY created_utc, study_id"
        ).fetchall()
    out = [dict(zip(STUDY_NAMES, r, strict=True)) for r in rows]
    for row in out:
        row["parameters"] = json.loads(str(row["parameters"]))
    return out


def read_study(db: Path, study_id: str) -> dict[str, object]:
    """The ``studies`` row of ``study_id``; ``KeyError`` if it is not stored."""
    for row in list_studies(db):
        if row["study_id"] == study_id:
            return row
    raise KeyError(f"study {study_id!r} not found in {db}")


def read_points(db: Path, study_id: str) -> list[dict[str, object]]:
    """The stored points of a study in point order (``params`` decoded to a dict;
    NULL responses as NaN)."""
    db = Path(db)
    if not db.exists():
        return []
    with _connect(db, read_only=True) as con:
        if not _has_studies(con):
            return []
        rows = con.execute(
            f"SELECT {', '.join(POINT_NAMES)} FROM study_points WHERE study_id = ? ORDER BY point",
            [study_id],
        ).fetchall()
    out = []
    for r in rows:
        row = dict(zip(POINT_NAMES, r, strict=True))
        row["params"] = json.loads(str(row["params"]))
        for name in POINT_RESPONSES:
            if row[name] is None:
                row[name] = float("nan")
        out.append(row)
    return out


def create_study(db: Path, row: dict[str, object]) -> str:
    """Insert a study's row (status ``'running'``) under ``row['study_id']``, or under
    the first free ``ID-2``, ``ID-3``… if taken; return the id used.

    ``row`` holds every column but ``status``; ``parameters`` is a list of texts and
    ``created_utc`` a datetime (naive = UTC)."""
    missing = [n for n in STUDY_NAMES if n != "status" and n not in row]
    unknown = [k for k in row if k not in STUDY_NAMES or k == "status"]
    if missing or unknown:
        raise ValueError(f"studies row: missing columns {missing}, unknown columns {unknown}")
    created = row["created_utc"]
    if not isinstance(created, datetime):
        raise ValueError(f"studies.created_utc must be a datetime, got {created!r}")
    base = str(row["study_id"])
    values = dict(row) | {
        "created_utc": _naive_utc(created),
        "parameters": json.dumps(row["parameters"]),
        "status": "running",
    }
    with connect_write(Path(db)) as con:
        for stmt in _DDL:
            con.execute(stmt)
        con.execute("BEGIN TRANSACTION")
        try:
            taken = {
                str(r[0])
                for r in con.execute(
                    "SELECT study_id FROM studies WHERE study_id = ? OR study_id LIKE ?",
                    [base, base + "-%"],
                ).fetchall()
            }
            study_id, i = base, 2
            while study_id in taken:
                study_id, i = f"{base}-{i}", i + 1
            values["study_id"] = study_id
            placeholders = ", ".join("?" for _ in STUDY_NAMES)
            con.execute(
                f"INSERT INTO studies ({', '.join(STUDY_NAMES)}) VALUES ({placeholders})",
                [values[n] for n in STUDY_NAMES],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return study_id


def add_point(
    db: Path,
    study_id: str,
    point: int,
    run_id: str,
    params: dict[str, object],
    response: dict[str, float],
) -> None:
    """Commit one point's row: its run, parameter values and responses (NaN → NULL)."""
    missing = [n for n in POINT_RESPONSES if n not in response]
    if missing:
        raise ValueError(f"study_points row: missing responses {missing}")
    values: list[object] = [study_id, int(point), run_id, json.dumps(params)]
    for name in POINT_RESPONSES:
        x = float(response[name])
        values.append(x if x == x else None)  # NaN -> NULL
    with connect_write(Path(db)) as con:
        for stmt in _DDL:
            con.execute(stmt)
        placeholders = ", ".join("?" for _ in POINT_NAMES)
        con.execute(
            f"INSERT INTO study_points ({', '.join(POINT_NAMES)}) VALUES ({placeholders})",
            values,
        )


def finish_study(db: Path, study_id: str) -> None:
    """Mark a study ``'complete'`` (every point stored)."""
    with connect_write(Path(db)) as con:
        for stmt in _DDL:
            con.execute(stmt)
        con.execute("UPDATE studies SET status = 'complete' WHERE study_id = ?", [study_id])
