"""``shieldlab export czml`` and ``shieldlab serve``: a stored trial on a 3-D globe.

Registered on the main app by :mod:`shieldlab.cli`. Bad input (a missing store,
a file that is not a shieldlab store, an unknown run, a trial out of range, a
busy port) is one line on stderr and exit 2, before anything is written or
served.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from shieldlab.cli import check_output, err, fail, out

DbOpt = Annotated[Path, typer.Option("--db", help="Results database.")]
_DEFAULT_DB = Path("out/shieldlab.duckdb")

export_app = typer.Typer(help="Export stored results for other tools.", no_args_is_help=True)


def open_store(db: Path) -> list[str]:
    """The run ids of a results store; exit 2 with one line if it is not one."""
    import duckdb

    from shieldlab.store import StoreBusy, connect_read, list_runs

    if not db.is_file():
        fail(
            f"--db: {db} does not exist; run a scenario first "
            "(shieldlab run SCENARIO --out DIR writes DIR/shieldlab.duckdb)"
        )
    try:
        with connect_read(db) as con:
            rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            tables = {r[0] for r in rows}
    except StoreBusy as exc:
        fail(f"--db: {exc}")
    except duckdb.Error as exc:
        text = str(exc)
        if "not a valid duckdb" in text.lower():
            fail(f"--db: {db} is not a shieldlab results store (not a DuckDB file)")
        reason = "locked by a process writing it" if "lock" in text.lower() else text
        fail(f"--db: {db} cannot be opened read only: {reason.splitlines()[0]}")
    if "runs" not in tables or "threat_outcomes" not in tables:
        fail(f"--db: {db} is not a shieldlab results store (no runs table)")
    return [str(r["run_id"]) for r in list_runs(db)]


def _run_trials(db: Path, run_id: str, known: list[str]) -> int:
    from shieldlab.store import read_run

    if run_id not in known:
        fail(f"RUN_ID: unknown run {run_id!r}; stored: {', '.join(known[-8:]) or 'none'}")
    return int(read_run(db, run_id)["trials"])  # type: ignore[call-overload]


@export_app.command("czml")
def export_czml(
    run_id: Annotated[str, typer.Argument(help="Run id ('latest': the newest run).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CZML file to write.")],
    trial: Annotated[int, typer.Option("--trial", help="Trial number (0 = first).")] = 0,
    db: DbOpt = _DEFAULT_DB,
    max_satellites: Annotated[
        int,
        typer.Option("--max-satellites", min=0, help="Satellites drawn per constellation."),
    ] = 100,
) -> None:
    """Write one stored trial as CZML (Cesium): threats, interceptors, sensors, satellites.

    The trial's truth is re-flown from the stored scenario, seed and version.
    """
    from shieldlab.report.trial_czml import write_trial_czml
    from shieldlab.store import latest_run_id

    check_output(output, "--output")
    known = open_store(db)
    rid = (latest_run_id(db) or "") if run_id == "latest" else run_id
    n = _run_trials(db, rid, known)
    if not 0 <= trial < n:
        fail(f"--trial: run {rid} has trials 0 to {n - 1}; got {trial}")
    doc = write_trial_czml(db, rid, trial, output, max_satellites=max_satellites)
    for w in doc.warnings:
        err.print(f"[yellow]warning:[/] {w}", soft_wrap=True, highlight=False)
    out.print(
        f"czml: {output} — run {rid} trial {trial}: {doc.n_threats} threat objects, "
        f"{doc.n_interceptors} interceptors, {doc.start_utc:%Y-%m-%d %H:%M:%S} to "
        f"{doc.end_utc:%H:%M:%S} UTC",
        soft_wrap=True,
        highlight=False,
    )


@export_app.command("parquet")
def export_parquet_cmd(
    ident: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Run id ('latest': the newest run) or study id.", show_default=False
        ),
    ],
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder for the .parquet files.", show_default=False),
    ],
    db: DbOpt = _DEFAULT_DB,
) -> None:
    """Write a stored run, or every run of a study, as Parquet files: one per table.

    DIR/runs.parquet and one file per result table (with run_id); a study adds its
    studies and study_points rows. Files are written whole or not at all.
    """
    from shieldlab.store import StoreBusy, export_parquet, latest_run_id

    if directory.exists() and not directory.is_dir():
        fail(f"DIR: {directory} is a file, not a directory")
    for folder in directory.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                fail(f"DIR: cannot write {directory}: {folder} is a file, not a directory")
            break
    known = open_store(db)
    rid = (latest_run_id(db) or "") if ident == "latest" else ident
    try:
        files = export_parquet(db, rid, directory)
    except (ValueError, StoreBusy) as exc:
        fail(f"ID: {exc}" if rid not in known else str(exc))
    what = f"run {rid}" if rid in known else f"study {rid}"
    out.print(
        f"parquet: {directory} — {what}: {len(files)} files ({', '.join(f.stem for f in files)})",
        soft_wrap=True,
        highlight=False,
    )


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"--host: {host!r} is not an address of this machine ({exc.strerror})")
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            fail(f"--port: {port} on {host} cannot be used ({exc.strerror}); try another --port")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    db: DbOpt = _DEFAULT_DB,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve a local, read-only web viewer of a results store (Ctrl-C stops it).

    Studies (sweeps) with their response curves, runs with their headline figures,
    run dashboards and a 3-D trial player (CesiumJS, offline), on
    http://127.0.0.1:8000/ unless told otherwise.
    """
    import uvicorn

    from shieldlab.viewer import create_app, find_cesium

    known = open_store(db)
    _check_port(host, port)
    cesium = find_cesium()
    if cesium is None:
        err.print(
            "[yellow]warning:[/] CesiumJS not found: the trial player cannot show the globe "
            "(run `make web` in the checkout, or set SHIELDLAB_CESIUM_DIR)",
            soft_wrap=True,
            highlight=False,
        )
    if not _is_loopback(host):
        err.print(
            f"[yellow]warning:[/] listening on {host}: anyone who can reach this machine "
            "can read the store",
            soft_wrap=True,
            highlight=False,
        )
    from shieldlab.store.study import study_ids

    app = create_app(db, cesium)
    shown = f"[{host}]" if ":" in host else host
    n_st = len(study_ids(db))
    studies = f"{n_st} stud{'y' if n_st == 1 else 'ies'} and " if n_st else ""
    out.print(
        f"shieldlab viewer: http://{shown}:{port}/ — {studies}{len(known)} "
        f"run{'' if len(known) == 1 else 's'} in {db} "
        "(read only); Ctrl-C to stop",
        soft_wrap=True,
        highlight=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
