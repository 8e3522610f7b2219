"""Results store: runs and their result tables in one DuckDB file (see ``duck.py``);
Parquet export (``parquet.py``)."""

from shieldlab.store.duck import (
    NULL_INT,
    PER_TRIAL_TABLES,
    RESULT_TABLES,
    RUN_STATUSES,
    StoreBusy,
    append_trials,
    committed_trials,
    connect_read,
    connect_write,
    create_run,
    finish_run,
    latest_run_id,
    list_runs,
    lock_path,
    read_run,
    read_table,
    runs_of_study,
    write_run,
)
from shieldlab.store.parquet import export_parquet

__all__ = [
    "NULL_INT",
    "PER_TRIAL_TABLES",
    "RESULT_TABLES",
    "RUN_STATUSES",
    "StoreBusy",
    "append_trials",
    "committed_trials",
    "connect_read",
    "connect_write",
    "create_run",
    "export_parquet",
    "finish_run",
    "latest_run_id",
    "list_runs",
    "lock_path",
    "read_run",
    "read_table",
    "runs_of_study",
    "write_run",
]
