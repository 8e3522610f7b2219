"""``shieldlab sweep SCENARIO --set PATH=V1,V2,…``: a study over scenario parameters.

Registered on the main app by :mod:`shieldlab.cli`. The design and the points'
scenarios come from :mod:`shieldlab.analysis.sweep`, each point runs as an
ordinary stored run (:func:`shieldlab.runner.run_to_store`, tagged with the
study id) and its responses go to ``study_points`` as soon as it is complete
(:mod:`shieldlab.store.study`). Every point is built and validated before the
first trial: a bad option or value is one line on stderr and exit 2, with
nothing written. Ctrl-C stops the study; the points already stored stay stored
(exit 130), and ``--resume STUDY_ID`` with the same command finishes it: stored
points are kept, a point whose run was cut off mid-way resumes that run
(:func:`shieldlab.runner.resume_run`, no committed trial lost or run twice), the
rest run as usual.
"""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from shieldlab import __version__
from shieldlab.cli import (
    ClusterOpt,
    ExecutorOpt,
    JsonOpt,
    OutOpt,
    SeedOpt,
    TrialsOpt,
    WorkersOpt,
    _finite,
    _load,
    _progress,
    _with_overrides,
    check_executor,
    check_out_dir,
    err,
    fail,
    out,
)

if TYPE_CHECKING:
    from shieldlab.scenario import LoadedScenario

SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Parameter PATH=V1,V2,… (values), PATH=LO:HI (range, lhs) or PATH=LO:HI:STEP; "
        "PATH is a scenario field, e.g. doctrine.shots_per_threat or "
        "interceptor_sites.0.inventory (repeatable).",
    ),
]


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _headers(paths: list[str]) -> list[str]:
    """Short column headers: each path's last field (more fields where that is ambiguous)."""
    parts = [p.split(".") for p in paths]
    heads = [q[-1] for q in parts]
    for k in range(2, max(len(q) for q in parts) + 1):
        if len(set(heads)) == len(heads):
            break
        heads = [".".join(q[-k:]) for q in parts]
    return heads


def _longest_word(text: str) -> int:
    return max(len(w) for w in text.split())


def _cells(r: dict[str, Any], paths: list[str], intervals: bool) -> list[str]:
    """One row's cells: point, parameter values, P(no leaker) and its interval, and the
    means of leakers, value lost and cost per trial (with ± 95 % half-width)."""

    def cell(mean: float, lo: float, hi: float, fmt: str, scale: float = 1.0) -> str:
        if mean != mean:  # NaN: no value
            return "–"
        half = f"±{max(hi - mean, mean - lo) * scale:{fmt}}" if intervals else ""
        return f"{mean * scale:{fmt}}{half}"

    p = r["params"]
    return [
        str(r["point"]),
        *(_value(p[k]) for k in paths),
        f"{r['p_no_leaker']:.2f}",
        f"{r['p_no_leaker_lo']:.2f}–{r['p_no_leaker_hi']:.2f}",
        cell(r["mean_leakers"], r["leakers_lo"], r["leakers_hi"], ".2f"),
        cell(r["mean_value_lost"], r["value_lo"], r["value_hi"], ".1f"),
        cell(r["mean_cost_usd"], r["cost_lo"], r["cost_hi"], ",.0f", 1e-6),
    ]


_RESPONSE_HEADS = ("P(no leak)", "95 % CI", "leakers", "value lost", "cost M$")
_GAP = 2
"""Characters between two columns of the table (the blank divider and a padding)."""


def _widths(heads: list[str], cells: list[list[str]], width: int) -> list[int] | None:
    """Column widths that fit the table in ``width``: each column's widest cell, and its
    header on one line as far as the room allows (headers wrap between words); None if
    even the narrowest layout does not fit."""
    widest = [max(len(row[j]) for row in cells) if cells else 0 for j in range(len(heads))]
    mins = [max(_longest_word(h), w) for h, w in zip(heads, widest, strict=True)]
    natural = [max(len(h), w) for h, w in zip(heads, widest, strict=True)]
    room = width - _GAP * (len(heads) - 1)
    if sum(mins) > room:
        return None
    widths, extra = list(mins), room - sum(mins)
    for j in range(len(heads)):
        add = min(extra, natural[j] - mins[j])
        widths[j] += add
        extra -= add
    return widths


def response_table(
    name: str, study_id: str, paths: list[str], rows: list[dict[str, Any]], width: int
) -> Table:
    """The response table, readable at ``width`` columns: the means of leakers, value
    lost and cost carry their ± 95 % half-width where that fits (headers wrap between
    words, numbers never fold), and are shown alone otherwise."""
    heads = ["#", *(h.replace("_", " ") for h in _headers(paths)), *_RESPONSE_HEADS]
    for intervals in (True, False):
        cells = [_cells(r, paths, intervals) for r in rows]
        widths = _widths(heads, cells, width)
        if widths is not None:
            break
    short = _headers(paths)
    t = Table(
        title=f"{name}: study {study_id}",
        caption="P(no leak) with its 95 % Wilson interval; leakers, value lost (asset value "
        "hit) and cost (interceptors expended, M$): means per trial"
        + (" ± 95 % half-width" if intervals else " (95 % intervals: --json, the report)")
        + (
            "; columns: " + ", ".join(f"{h} = {p}" for h, p in zip(short, paths, strict=True))
            if short != paths
            else ""
        ),
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
        show_edge=False,
    )
    for j, h in enumerate(heads):  # too many parameters for the width: rich folds
        w = None if widths is None else widths[j]
        t.add_column(h, justify="right", width=w, overflow="fold")
    for row in cells:
        t.add_row(*row)
    return t


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    sets: SetOpt = None,
    design: Annotated[
        str, typer.Option("--design", help="grid (every combination) or lhs (Latin hypercube).")
    ] = "grid",
    samples: Annotated[
        int | None, typer.Option("--samples", help="Points of an lhs design.")
    ] = None,
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "process",
    cluster: ClusterOpt = None,
    out_dir: OutOpt = Path("out"),
    as_json: JsonOpt = False,
    report: Annotated[bool, typer.Option(help="Write the study's HTML report.")] = True,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="STUDY_ID",
            help="Finish an interrupted study (give the command it was started with).",
        ),
    ] = None,
) -> None:
    """Run a scenario over a grid or Latin hypercube of its parameters as one study:
    every point a stored run, the response table printed and stored.

    A grid takes every combination of the values (the first --set varies slowest);
    lhs takes --samples points of a Latin hypercube seeded with the scenario's seed.
    Every point keeps that seed (common random numbers). Ctrl-C stops the study;
    the points already stored stay stored (exit 130) and --resume STUDY_ID, with the
    same command, finishes the study."""
    from shieldlab.analysis.sweep import (
        SweepError,
        design_points,
        parse_set,
        point_scenario,
        study_key,
    )
    from shieldlab.sim.montecarlo import default_workers
    from shieldlab.sim.world import expand_launches

    if not sets:
        fail("--set: give at least one parameter PATH=V1,V2,… (e.g. doctrine.shots_per_threat=1,2)")
    check_executor(executor, cluster, workers)
    if design not in ("grid", "lhs"):
        fail(f"--design: allowed grid, lhs, got {design!r}")
    loaded = _with_overrides(_load(scenario), trials, seed)
    s = loaded.scenario
    try:
        params = [parse_set(text) for text in sets]
        design_rows = design_points(params, design, samples, s.seed)
        points = [point_scenario(loaded, v, i) for i, v in enumerate(design_rows)]
    except SweepError as exc:
        fail(str(exc))
    for i, (values, pl) in enumerate(zip(design_rows, points, strict=True)):
        try:
            expand_launches(pl.scenario)
        except ValueError as exc:
            label = " ".join(f"{k}={_value(v)}" for k, v in values.items())
            fail(f"point {i} (--set {label}): {exc}")
    db = check_out_dir(out_dir)
    specs = [p.spec() for p in params]
    key = study_key(loaded.sha256, specs, design, samples, s.trials, s.seed)
    n_workers = 1 if executor == "serial" else workers or default_workers()
    if resume is not None:
        _check_resume(db, resume, loaded.sha256, specs, design, samples, s.trials, s.seed)
    _run_study(
        loaded,
        resume or f"{s.name}-sweep-{key}",
        specs,
        design,
        samples,
        design_rows,
        points,
        db,
        executor,
        n_workers,
        cluster,
        as_json,
        out_dir if report else None,
        resume is not None,
    )


def _check_resume(
    db: Path,
    study_id: str,
    sha256: str,
    specs: list[str],
    design: str,
    samples: int | None,
    trials: int,
    seed: int,
) -> None:
    """``--resume``: the study is stored and this command is the one that started it
    (exit 2 with one line naming the first difference if not)."""
    from shieldlab.store.study import read_study, study_ids

    if not db.exists():
        fail(f"--resume: {db} does not exist (give the --out folder of the study)")
    try:
        row = read_study(db, study_id)
    except KeyError:
        stored = ", ".join(study_ids(db)) or "none"
        fail(f"--resume: no study {study_id!r} in {db}; stored: {stored}")
    given: dict[str, object] = {
        "SCENARIO (SHA-256)": sha256,
        "--set": specs,
        "--design": design,
        "--samples": samples,
        "--trials": trials,
        "--seed": seed,
    }
    column = {
        "SCENARIO (SHA-256)": "scenario_sha256",
        "--set": "parameters",
        "--design": "design",
        "--samples": "samples",
        "--trials": "trials",
        "--seed": "seed",
    }
    for option, value in given.items():
        was = row[column[option]]
        if option == "--set" and sorted(map(str, was)) == sorted(specs):  # type: ignore[call-overload]
            continue
        if was != value:
            if option == "SCENARIO (SHA-256)":
                fail(f"--resume: SCENARIO is not the scenario study {study_id!r} ran")
            fail(f"--resume: study {study_id!r} ran {option} {was!r}, this command gives {value!r}")


def _resume_command(
    base: LoadedScenario, specs: list[str], design: str, samples: int | None, db: Path, sid: str
) -> str:
    """The command line that finishes study ``sid`` (printed when it is interrupted)."""
    s = base.scenario
    words = ["shieldlab", "sweep", str(base.path or "SCENARIO")]
    for spec in specs:
        words += ["--set", spec]
    if design != "grid":
        words += ["--design", design, "--samples", str(samples)]
    words += ["--trials", str(s.trials), "--seed", str(s.seed), "--out", str(db.parent)]
    return shlex.join([*words, "--resume", sid])


def _run_study(
    base: LoadedScenario,
    base_id: str,
    specs: list[str],
    design: str,
    samples: int | None,
    design_rows: list[dict[str, Any]],
    points: list[LoadedScenario],
    db: Path,
    executor: str,
    workers: int,
    cluster: str | None,
    as_json: bool,
    report_dir: Path | None,
    resumed: bool = False,
) -> None:
    """Run the points one after the other, committing each point's row as it ends
    (``resumed``: ``base_id`` is a stored study; see :func:`_run_points`)."""
    from shieldlab.store.study import create_study, finish_study, read_points

    s = base.scenario
    name = s.name
    study_id = (
        base_id
        if resumed
        else create_study(
            db,
            {
                "study_id": base_id,
                "created_utc": datetime.now(UTC),
                "scenario_name": name,
                "scenario_sha256": base.sha256,
                "design": design,
                "parameters": specs,
                "samples": samples,
                "trials": s.trials,
                "seed": s.seed,
                "shieldlab_version": __version__,
            },
        )
    )
    paths = list(design_rows[0])
    n = len(points)
    try:
        _run_points(study_id, design_rows, points, db, as_json, executor, workers, cluster)
        finish_study(db, study_id)
    except KeyboardInterrupt:
        stored = len(read_points(db, study_id))
        hint = _resume_command(base, specs, design, samples, db, study_id)
        err.print(
            f"interrupted: {stored} of {n} points of study {study_id} stored in {db}; "
            f"see them with: shieldlab report {study_id} --db {db}; "
            f"finish the study with: {hint}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(130) from None
    rows = read_points(db, study_id)
    report_path = None
    if report_dir is not None:
        from shieldlab.report.study_html import write_study_report

        report_path = write_study_report(db, study_id, report_dir / f"{study_id}.html")
    if as_json:
        info = {
            "study_id": study_id,
            "database": str(db),
            "report": str(report_path) if report_path else None,
            "scenario": name,
            "design": design,
            "parameters": specs,
            "samples": samples,
            "trials": s.trials,
            "seed": s.seed,
            "points": rows,
        }
        out.print_json(json.dumps(_finite(info), allow_nan=False))
        return
    out.print(response_table(name, study_id, paths, rows, out.width))
    out.print(f"study [bold]{study_id}[/] ({n} runs) stored in {db}", soft_wrap=True)
    if report_path:
        out.print(f"report: {report_path}", soft_wrap=True)


def _run_points(
    study_id: str,
    design_rows: list[dict[str, Any]],
    points: list[LoadedScenario],
    db: Path,
    as_json: bool,
    executor: str,
    workers: int,
    cluster: str | None,
) -> None:
    """Run and store the points of ``study_id`` that have no ``study_points`` row yet.

    A point whose run is stored under the study (the same scenario SHA-256) but has
    no point row was cut off: during its trials (the run is resumed, keeping its
    committed trials) or between its last trial and its row (the run is complete
    and only its row is written). The workers are started once for all the points
    (:class:`~shieldlab.sim.executors.TrialPool`)."""
    from shieldlab.analysis.sweep import point_response
    from shieldlab.runner import resume_run, run_to_store
    from shieldlab.sim.executors import TrialPool
    from shieldlab.store import list_runs, read_table
    from shieldlab.store.study import add_point, read_points

    stored = read_points(db, study_id)
    done = {int(str(p["point"])) for p in stored}
    taken = {str(p["run_id"]) for p in stored}
    cut: dict[str, list[str]] = {}  # scenario SHA-256 -> runs of the study without a point
    for r in list_runs(db):
        if r["study_id"] == study_id and str(r["run_id"]) not in taken:
            cut.setdefault(str(r["scenario_sha256"]), []).append(str(r["run_id"]))
    n = len(points)
    with _progress(as_json) as prog, TrialPool(executor, workers, cluster) as pool:
        total = sum(p.scenario.trials for p in points)  # --set trials=… may vary them
        task = prog.add_task(f"{n} points, {total} trials", total=total)
        prog.advance(task, sum(points[i].scenario.trials for i in done))
        for i, (values, pl) in enumerate(zip(design_rows, points, strict=True)):
            if i in done:
                continue
            prog.update(task, description=f"point {i + 1}/{n}")
            kw: dict[str, Any] = {"pool": pool, "progress": lambda k: prog.advance(task, k)}
            try:
                if cut.get(pl.sha256):
                    outcome = resume_run(db, cut[pl.sha256].pop(0), loaded=pl, **kw)
                else:
                    outcome = run_to_store(pl, db, study_id=study_id, **kw)
            except (ValueError, RuntimeError, OSError) as exc:
                label = " ".join(f"{k}={_value(v)}" for k, v in values.items())
                fail(
                    f"point {i} (--set {label}): {str(exc).splitlines()[0]}; "
                    f"{len(read_points(db, study_id))} of {n} points of study {study_id} "
                    f"stored in {db}"
                )
            response = point_response(read_table(db, "trials", outcome.run_id))
            add_point(db, study_id, i, outcome.run_id, values, response)
