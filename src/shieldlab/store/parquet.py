"""Parquet export of stored results: one file per table, for one run or one study.

Written by DuckDB itself (``COPY (SELECT …) TO … (FORMAT PARQUET)``), so no
pyarrow. Conventions:

- One file per table, ``<table>.parquet``: ``runs`` (the full rows, status
  ``'complete'`` where an older store has NULL) and every result table of
  :data:`~shieldlab.store.RESULT_TABLES` with its ``run_id`` column, rows
  ordered by run id then the table's keys (as :func:`~shieldlab.store.read_table`).
  A study adds ``studies`` and ``study_points`` (rows whose ``study_id`` is the
  study's) when the store has those tables.
- Values as stored: SQL NULL stays null in Parquet (``read_table`` shows it as
  NaN, ``None`` or :data:`~shieldlab.store.NULL_INT`). Columns a store older
  than the schema lacks are null; a table it lacks is an empty file.
- Files are written into a hidden temporary folder next to ``out_dir`` and moved
  in by rename: no file in ``out_dir`` is ever half written. Other files already
  in ``out_dir`` are left as they are.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from shieldlab.store.duck import (
    RESULT_TABLES,
    RUN_COLUMNS,
    SCHEMA,
    _columns,
    _connect,
    _has_schema,
    _run_columns_sql,
    order_by,
)

__all__ = ["STUDY_TABLES", "export_parquet"]

STUDY_TABLES: tuple[str, ...] = ("studies", "study_points")
"""Tables of a study store exported with a study (filtered by their ``study_id``)."""


def _quote(path: Path) -> str:
    """``path`` as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _known(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The newest few run ids and study ids (for an error message)."""
    runs = [
        str(r[0])
        for r in con.execute(
            "SELECT run_id FROM runs ORDER BY created_utc DESC, run_id DESC LIMIT 5"
        ).fetchall()
    ]
    studies: list[str] = []
    if "study_id" in _columns(con, "runs"):
        studies = [
            str(r[0])
            for r in con.execute(
                "SELECT study_id FROM runs WHERE study_id IS NOT NULL GROUP BY study_id "
                "ORDER BY max(created_utc) DESC, study_id DESC LIMIT 5"
            ).fetchall()
        ]
    return runs, studies


def _kind(con: duckdb.DuckDBPyConnection, db_path: Path, ident: str) -> str:
    """``'run'`` or ``'study'``: what ``ident`` names (a run id wins a tie);
    ``ValueError`` naming a few known ids if neither."""
    if not _has_schema(con):
        raise ValueError(f"{db_path} is not a shieldlab results store (no runs table)")
    if con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [ident]).fetchone() != (0,):
        return "run"
    if "study_id" in _columns(con, "runs"):
        n = con.execute("SELECT count(*) FROM runs WHERE study_id = ?", [ident]).fetchone()
        if n != (0,):
            return "study"
    for table in STUDY_TABLES:
        if "study_id" in _columns(con, table):
            n = con.execute(f"SELECT count(*) FROM {table} WHERE study_id = ?", [ident]).fetchone()
            if n != (0,):
                return "study"
    runs, studies = _known(con)
    raise ValueError(
        f"{ident!r} is neither a run id nor a study id in {db_path}; newest runs: "
        f"{', '.join(runs) or 'none'}; studies: {', '.join(studies) or 'none'}"
    )


def _selects(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, str]:
    """File stem → SELECT (one ``?`` parameter: the run or study id)."""
    names = [c.name for c in RUN_COLUMNS]
    if kind == "run":
        of_runs, in_runs = "run_id = ?", "run_id = ?"
    else:
        of_runs = "study_id = ?"
        in_runs = "run_id IN (SELECT run_id FROM runs WHERE study_id = ?)"
    out = {
        "runs": f"SELECT {_run_columns_sql(con, names)} FROM runs WHERE {of_runs} "
        "ORDER BY created_utc, run_id"
    }
    for table in RESULT_TABLES:
        have = _columns(con, table)
        cols = ", ".join(
            c.name if c.name in have else f"NULL::{c.sql_type} AS {c.name}" for c in SCHEMA[table]
        )
        if have:
            out[table] = (
                f"SELECT run_id, {cols} FROM {table} WHERE {in_runs} "
                f"ORDER BY run_id, {order_by(table)}"
            )
        else:  # a store older than the table: an empty file with its columns
            out[table] = f"SELECT NULL::VARCHAR AS run_id, {cols} WHERE ? IS NULL AND false"
    if kind == "study":
        for table in STUDY_TABLES:
            if "study_id" in _columns(con, table):
                out[table] = f"SELECT * FROM {table} WHERE study_id = ? ORDER BY rowid"
    return out


def _move_in(tmp: Path, out_dir: Path, names: list[str]) -> list[Path]:
    """Move the files ``names`` from ``tmp`` into ``out_dir``, each by one rename."""
    if not out_dir.exists():
        try:
            os.replace(tmp, out_dir)
            return [out_dir / n for n in names]
        except OSError:  # made meanwhile by someone else: move file by file
            pass
    out_dir.mkdir(parents=True, exist_ok=True)
    for n in names:
        os.replace(tmp / n, out_dir / n)
    return [out_dir / n for n in names]


def export_parquet(db_path: Path, ident: str, out_dir: Path) -> list[Path]:
    """Write the tables of run ``ident``, or of every run of study ``ident``, to
    ``out_dir/<table>.parquet``; return the files written.

    Raises ``ValueError`` (nothing written) if the store is missing or is not a
    shieldlab store, ``ident`` names neither a run nor a study (the message lists
    a few that exist), or ``out_dir`` is a file; :class:`~shieldlab.store.StoreBusy`
    if another process holds the store past the wait.
    """
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise ValueError(f"no results store at {db_path}")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file, not a directory")
    parent = out_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    try:
        with _connect(db_path, read_only=True) as con:
            selects = _selects(con, _kind(con, db_path, ident))
            for stem, sql in selects.items():
                target = tmp / f"{stem}.parquet"
                con.execute(f"COPY ({sql}) TO {_quote(target)} (FORMAT PARQUET)", [ident])
        return _move_in(tmp, out_dir, [f"{stem}.parquet" for stem in selects])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
