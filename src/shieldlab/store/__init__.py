"""Results store: runs and their result tables in one DuckDB file (see ``duck.py``)."""

from shieldlab.store.duck import (
    NULL_INT,
    RESULT_TABLES,
    latest_run_id,
    list_runs,
    read_run,
    read_table,
    write_run,
)

__all__ = [
    "NULL_INT",
    "RESULT_TABLES",
    "latest_run_id",
    "list_runs",
    "read_run",
    "read_table",
    "write_run",
]
