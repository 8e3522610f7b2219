"""The ``shieldlab`` command: a thin typer layer over the library.

Every computing command prints a readable table, or one JSON object with
``--json``. Bad input prints one line naming the field and what is allowed and
exits with code 2; nothing is written in that case.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from typer.core import TyperGroup

from shieldlab import __version__
from shieldlab.core.constants import WGS84_A_M

if TYPE_CHECKING:
    from shieldlab.scenario import LoadedScenario
    from shieldlab.weapons.sbi_sizing import SizingResult


class _OneLineErrors(TyperGroup):
    """The command group: a usage error (bad option value, unknown option, missing
    argument) prints one line and exits with code 2, like every other error."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        own = {
            "args": args,
            "prog_name": prog_name,
            "complete_var": complete_var,
            "windows_expand_args": windows_expand_args,
            **extra,
        }
        if not standalone_mode:
            return super().main(standalone_mode=False, **own)
        try:
            rv = super().main(standalone_mode=False, **own)
        except typer.TyperException as exc:  # typer's click: UsageError, BadParameter, ...
            if type(exc).__name__ == "NoArgsIsHelpError":  # the help is printed already
                sys.exit(exc.exit_code)
            ctx = getattr(exc, "ctx", None)
            hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            _print_error(exc.format_message() + hint)
            sys.exit(exc.exit_code)
        except typer.Abort:
            err.print("Aborted.", highlight=False)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="shieldlab",
    help="Design, simulate and assess a layered homeland missile-defense shield.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_OneLineErrors,
)
out = Console()
err = Console(stderr=True)

DEFAULT_LAUNCH = (40.0, 127.5)
"""Notional launch point [deg] used by ``fly`` when none is given."""


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks and control characters escaped (``\\n``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _print_error(message: str) -> None:
    """``error: message`` on one stderr line, the message shown as is (no markup, no emoji)."""
    err.print(
        f"[bold red]error:[/] {escape(one_line(message))}",
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


def fail(message: str) -> NoReturn:
    """Print one error line to stderr and exit with code 2."""
    _print_error(message)
    raise typer.Exit(2)


def check_output(path: Path | None, option: str) -> None:
    """Fail (exit 2) before any work if ``path`` cannot be written as a file: it is a
    directory, or what should be its folder is a file."""
    if path is None:
        return
    if path.is_dir():
        fail(f"{option}: {path} is a directory; give a file name")
    for folder in path.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                fail(f"{option}: cannot write {path}: {folder} is a file, not a directory")
            return


def check_store(db: Path, option: str) -> None:
    """Fail (exit 2) before any work if ``db`` exists but is not a results database."""
    import duckdb

    from shieldlab.store import list_runs

    if not db.exists():
        return
    try:
        list_runs(db)
    except (duckdb.Error, OSError) as exc:
        fail(f"{option}: {db} is not a shieldlab results database ({exc})")


def parse_latlon(text: str, option: str) -> tuple[float, float]:
    """Parse ``LAT,LON`` in degrees; fail with a one-line message otherwise."""
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        fail(f"{option}: expected LAT,LON in degrees (e.g. 40.0,127.5), got {text!r}")
    if not (-90.0 <= lat <= 90.0) or not np.isfinite(lat):
        fail(f"{option}: latitude {lat} is outside -90..90 degrees")
    if not (-180.0 <= lon <= 360.0) or not np.isfinite(lon):
        fail(f"{option}: longitude {lon} is outside -180..360 degrees")
    return lat, lon


def _version(value: bool) -> None:
    if value:
        out.print(f"shieldlab {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """shieldlab: physics-based layered missile-defense simulation and assessment.

    Start with `shieldlab demo`, then `shieldlab run scenarios/rogue-salvo.yaml`.
    """


def _load(path: Path) -> LoadedScenario:
    """Load and validate a scenario, or fail with its one-line message (exit 2)."""
    from shieldlab.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        fail(str(exc))


@app.command()
def schema() -> None:
    """Print the scenario file JSON schema (for editors and validators)."""
    from shieldlab.scenario import Scenario

    out.print_json(json.dumps(Scenario.model_json_schema()))


def _validate_models(as_json: bool) -> None:
    """``validate --models``: the credibility report; exit 1 if any case fails."""
    from shieldlab.credibility import models_table, run_cases, summary_line

    with err.status("running the models' reference cases…"):
        report = run_cases()
    if as_json:
        out.print_json(json.dumps(_finite(report.as_dict()), allow_nan=False))
        if report.failed:
            err.print(summary_line(report), highlight=False, soft_wrap=True)
    else:
        out.print(models_table(report, out.width))
        out.print(summary_line(report), highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def validate(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario YAML file.")] = None,
    models: Annotated[
        bool,
        typer.Option(
            "--models", help="Check the models against their references (credibility report)."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a scenario file, or with --models the models against their references.

    A bad scenario gets one error line and exit code 2; the credibility report
    (--models) compares the models with closed forms, published studies and peer
    tools and exits 1 if any case fails."""
    from shieldlab.sim.world import expand_launches

    if models:
        if scenario is not None:
            fail("give either SCENARIO or --models, not both")
        _validate_models(as_json)
        return
    if scenario is None:
        fail("give a SCENARIO file to check, or --models for the models' credibility report")
    loaded = _load(scenario)
    s = loaded.scenario
    try:
        n_launches = expand_launches(s).size
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    info = {
        "file": str(scenario),
        "valid": True,
        "name": s.name,
        "launches": n_launches,
        "assets": len(s.assets),
        "sensors": len(s.sensors),
        "interceptor_sites": len(s.interceptor_sites),
        "interceptors": sum(x.inventory for x in s.interceptor_sites),
        "sha256": loaded.sha256,
    }
    if as_json:
        out.print_json(json.dumps(info))
        return
    table = Table(title=f"{scenario}: valid", show_header=False)
    for k, v in info.items():
        if k not in ("file", "valid"):
            table.add_row(k, str(v))
    out.print(table)


def _parse_options(items: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs (values read as YAML scalars or lists) for the flight model."""
    import yaml

    from shieldlab.scenario.load import load_yaml

    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--option: expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = load_yaml(value)
        except yaml.YAMLError:
            fail(f"--option {key}: value {value!r} is not a valid scalar or list")
    return out


@app.command()
def fly(
    threat: Annotated[str, typer.Argument(help="Threat catalog name, e.g. generic-solid-icbm.")],
    range_km: Annotated[
        float | None, typer.Option("--range-km", help="Ground range to fly [km].")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", help="Aim point LAT,LON [deg].")] = None,
    launch: Annotated[
        str | None, typer.Option("--launch", help="Launch point LAT,LON [deg] (default 40,127.5).")
    ] = None,
    azimuth_deg: Annotated[
        float, typer.Option("--azimuth-deg", help="Launch azimuth with --range-km [deg].")
    ] = 45.0,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", "-o", help="Model option KEY=VALUE (repeatable), e.g. shape=depressed."
        ),
    ] = None,
    epoch: Annotated[str, typer.Option("--epoch", help="Launch time, ISO-8601 UTC.")] = (
        "2026-07-04T12:00:00Z"
    ),
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the sampled trajectory as CSV.")
    ] = None,
    czml_path: Annotated[
        Path | None, typer.Option("--czml", help="Write the trajectory as CZML (Cesium).")
    ] = None,
    sample_s: Annotated[
        float, typer.Option("--sample-s", min=0.1, help="Sample spacing of --csv/--czml [s].")
    ] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fly one threat of any class from launch to impact: figures and the phase table."""
    from shieldlab.core.frames import destination_point
    from shieldlab.core.time import parse_epoch
    from shieldlab.store.export import write_csv, write_czml
    from shieldlab.threats import (
        OBJECT_NAMES,
        fly_threats,
        flyable_threats,
        summary_rows,
        threat_kind,
    )
    from shieldlab.threats.summary import geodetic_samples, phase_rows

    allowed = flyable_threats()
    if threat not in allowed:
        fail(f"THREAT: unknown threat {threat!r}; allowed: {', '.join(allowed)}")
    check_output(csv_path, "--csv")
    check_output(czml_path, "--czml")
    if (range_km is None) == (target is None):
        fail("give exactly one of --range-km R or --target LAT,LON")
    lat0, lon0 = parse_latlon(launch, "--launch") if launch else DEFAULT_LAUNCH
    if range_km is not None:
        if not (0.0 < range_km <= 20000.0):
            fail(f"--range-km: {range_km} is outside 0 < R <= 20000 km")
        if not (0.0 <= azimuth_deg < 360.0):
            fail(f"--azimuth-deg: {azimuth_deg} is outside 0..360 degrees")
        lat1, lon1 = (
            float(v)
            for v in destination_point(
                np.radians(lat0), np.radians(lon0), np.radians(azimuth_deg), range_km * 1e3
            )
        )
    else:
        assert target is not None
        t_lat, t_lon = parse_latlon(target, "--target")
        lat1, lon1 = np.radians(t_lat), np.radians(t_lon)
    options = _parse_options(option or [])
    try:
        ep = parse_epoch(epoch)
    except ValueError as exc:
        fail(f"--epoch: {exc}")
    try:
        tr = fly_threats(
            [threat],
            np.radians([lat0]),
            np.radians([lon0]),
            np.array([lat1]),
            np.array([lon1]),
            np.zeros(1),
            ep,
            options=[options],
        )
    except (ValueError, TypeError) as exc:
        fail(f"{threat}: {exc}".splitlines()[0])
    fig = summary_rows(tr)[0]
    phases = phase_rows(tr, ep, 0)
    names = [f"{threat} #{i} {OBJECT_NAMES.get(int(k), '?')}" for i, k in enumerate(tr.object_kind)]
    objects: list[dict[str, Any]] = [
        {
            "object": i,
            "kind": OBJECT_NAMES.get(int(tr.object_kind[i]), "?"),
            "impact_time_s": float(tr.flight_time_s[i]),
            "impact_lat_deg": float(np.degrees(tr.impact_lat_rad[i])),
            "impact_lon_deg": float(np.degrees(tr.impact_lon_rad[i])),
            "miss_m": float(tr.miss_m[i]),
        }
        for i in range(tr.n)
    ]
    samples = geodetic_samples(tr, ep, sample_s) if (csv_path or czml_path) else None
    if samples is not None and csv_path:
        write_csv(csv_path, samples, names)
    if samples is not None and czml_path:
        write_czml(czml_path, samples, names, ep, f"shieldlab fly {threat}")
    res: dict[str, object] = {
        "threat": threat,
        "options": options,
        "launch_lat_deg": lat0,
        "launch_lon_deg": lon0,
        "aim_lat_deg": float(np.degrees(lat1)),
        "aim_lon_deg": float(np.degrees(lon1)),
        **fig,
        "phases": phases,
        "objects": objects,
    }
    if as_json:
        out.print_json(json.dumps(_finite(res), allow_nan=False))
        return
    table = Table(
        title=f"{threat}: launch {lat0:.2f},{lon0:.2f} → aim "
        f"{np.degrees(lat1):.2f},{np.degrees(lon1):.2f}"
    )
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("burnout time", f"{fig['burnout_time_s']:.1f} s"),
        ("burnout altitude", f"{fig['burnout_alt_km']:.1f} km"),
        ("burnout speed (inertial)", f"{fig['burnout_speed_kmps']:.3f} km/s"),
        ("apogee", f"{fig['apogee_alt_km']:.0f} km"),
        ("ground range", f"{fig['ground_range_km']:.0f} km"),
        ("flight time", f"{fig['flight_time_s']:.0f} s ({fig['flight_time_s'] / 60:.1f} min)"),
        ("impact point", f"{fig['impact_lat_deg']:.3f}, {fig['impact_lon_deg']:.3f}"),
        ("miss distance", f"{fig['miss_m']:.0f} m"),
    ]
    if threat_kind(threat) in ("ballistic", "mirv"):  # the boost's shape (default: least energy)
        shape = options.get("shape", options.get("branch")) or "minimum-energy (default)"
        rows.insert(0, ("trajectory shape", str(shape)))
    for r in rows:
        table.add_row(*r)
    out.print(table)
    pt = Table(title="flight phases (times after launch, Earth-relative speeds)")
    for col in ("phase", "t0 s", "t1 s", "h0 km", "h1 km", "hmax km", "v1 km/s", "Mach", "km"):
        pt.add_column(col, justify="left" if col == "phase" else "right")
    for p in phases:
        mach = p["max_mach"]
        pt.add_row(
            str(p["phase"]),
            f"{p['start_s']:.0f}",
            f"{p['end_s']:.0f}",
            f"{p['start_alt_km']:.1f}",
            f"{p['end_alt_km']:.1f}",
            f"{p['max_alt_km']:.1f}",
            f"{p['end_speed_kmps']:.2f}",
            f"{mach:.1f}" if isinstance(mach, float) and np.isfinite(mach) else "—",
            f"{p['end_range_km']:.0f}",
        )
    out.print(pt)
    if tr.n > 1:
        ot = Table(title=f"{tr.n} objects")
        for col in ("object", "kind", "end s", "impact lat, lon", "miss km"):
            ot.add_column(col, justify="right")
        for o in objects:
            ot.add_row(
                str(o["object"]),
                str(o["kind"]),
                f"{o['impact_time_s']:.0f}",
                f"{o['impact_lat_deg']:.3f}, {o['impact_lon_deg']:.3f}",
                f"{o['miss_m'] / 1e3:.2f}",
            )
        out.print(ot)
    for path in (csv_path, czml_path):
        if path:
            out.print(f"wrote {path}")


def _finite(value: object) -> object:
    """JSON-safe copy: non-finite floats (no value) become null."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _find_demo_scenario() -> Path:
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        p = base / "scenarios" / "rogue-salvo.yaml"
        if p.is_file():
            return p
    fail("scenarios/rogue-salvo.yaml not found: run from the shieldlab repository")


def _with_overrides(loaded: LoadedScenario, trials: int | None, seed: int | None) -> LoadedScenario:
    """The loaded scenario with the command line's ``--trials`` / ``--seed``."""
    s = loaded.scenario
    if trials is not None:
        s = s.model_copy(update={"trials": trials})
    if seed is not None:
        s = s.model_copy(update={"seed": seed})
    return type(loaded)(s, loaded.text, loaded.sha256, loaded.path)


def _progress(transient: bool) -> Progress:
    """Progress bar of Monte Carlo trials on stderr (gone afterwards when ``transient``)."""
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        "eta",
        TimeRemainingColumn(),
        console=err,
        transient=transient,
    )


ArchOpt = Annotated[
    Path | None,
    typer.Option(
        "--architecture", help="Architecture YAML: report its life-cycle cost beside the result."
    ),
]


def truth_shortcuts(world: Any) -> list[str]:
    """The named truth shortcuts a world's engine run uses (printed and in ``--json``)."""
    from shieldlab.sim.oracle import truth_shortcuts as used

    return used(world)


def check_out_dir(out_dir: Path) -> Path:
    """The store ``--out`` names (``DIR/shieldlab.duckdb``); exit 2 with one line if
    a part of the path is a file or the store is not a shieldlab store."""
    for folder in (out_dir, *out_dir.absolute().parents):
        if folder.exists():
            if not folder.is_dir():
                fail(f"--out: {out_dir}: {folder} exists and is not a directory")
            break
    db = out_dir / "shieldlab.duckdb"
    check_store(db, "--out")
    return db


def check_executor(executor: str, cluster: str | None, workers: int | None) -> None:
    """``--executor``/``--cluster`` make sense together (exit 2 with one line if not)."""
    from shieldlab.sim.executors import EXECUTORS

    if executor not in EXECUTORS:
        fail(f"--executor: {executor!r} is not one of {', '.join(EXECUTORS)}")
    if cluster is not None and executor != "dask":
        fail("--cluster: a scheduler address needs --executor dask")
    if executor == "serial" and workers not in (None, 1):
        fail("--workers: the serial executor runs one trial at a time (give 1 or omit it)")


def _resume_target(
    db: Path, resume: str, scenario: Path | None, trials: int | None, seed: int | None
) -> LoadedScenario:
    """The stored run to finish; the scenario file, when given, must be the run's."""
    from shieldlab.runner import stored_scenario
    from shieldlab.store import list_runs

    if trials is not None or seed is not None:
        fail("--resume: the run's trials and seed are stored; drop --trials/--seed")
    if not db.is_file():
        fail(f"--resume: {db} does not exist (give the --out folder of the run)")
    known = {str(r["run_id"]): r for r in list_runs(db)}
    if resume not in known:
        stored = ", ".join(list(known)[-6:]) or "none"
        fail(f"--resume: no run {resume!r} in {db}; stored: {stored}")
    loaded = stored_scenario(db, resume)
    if scenario is not None and _load(scenario).sha256 != loaded.sha256:
        fail(f"SCENARIO: {scenario} is not the scenario run {resume!r} ran (SHA-256 differs)")
    return loaded


def _run(
    scenario: Path | None,
    trials: int | None,
    seed: int | None,
    workers: int | None,
    out_dir: Path,
    as_json: bool,
    write_html: bool,
    architecture: Path | None = None,
    executor: str = "process",
    cluster: str | None = None,
    resume: str | None = None,
) -> None:
    from shieldlab.runner import RunOutcome, resume_run, run_to_store
    from shieldlab.sim.montecarlo import default_workers
    from shieldlab.sim.world import build_world

    check_executor(executor, cluster, workers)
    db = check_out_dir(out_dir)
    if resume is not None:
        loaded = _resume_target(db, resume, scenario, trials, seed)
    elif scenario is None:
        fail("SCENARIO: give a scenario file (or --resume RUN_ID to finish a stored run)")
    else:
        loaded = _with_overrides(_load(scenario), trials, seed)
    s = loaded.scenario
    from shieldlab.cli_cost import life_cycle_of, warn_unpriced

    lcc = life_cycle_of(architecture)
    n_workers = 1 if executor == "serial" else workers or default_workers()
    with err.status("flying the raid (truth trajectories)…"):
        try:
            world = build_world(loaded)
        except ValueError as exc:
            fail(f"{scenario or resume}: {exc}")
    if lcc is not None:
        from shieldlab.sim.marginal import present_layers

        warn_unpriced(lcc, present_layers(world), s)
    shortcuts = truth_shortcuts(world)
    for name in shortcuts:
        err.print(f"note: named truth shortcut in use: {name}", highlight=False)
    if world.sbi and not (world.geo_ir or world.warning):
        err.print(
            "warning: space_interceptors: no launch-warning sensor (geo-ir or warning-ir) "
            "cues them; they will not fire"
        )
    where = f"{n_workers} workers" + (f" on {cluster}" if cluster else f" ({executor})")
    started: list[str] = [resume] if resume else []
    try:
        with _progress(as_json) as prog:
            task = prog.add_task(f"{s.trials} trials, {where}", total=s.trials)

            def advance(k: int) -> None:
                prog.advance(task, k)

            kw: dict[str, Any] = {
                "executor": executor,
                "workers": n_workers,
                "cluster": cluster,
                "progress": advance,
            }
            outcome: RunOutcome
            if resume is not None:
                outcome = resume_run(db, resume, loaded=loaded, world=world, **kw)
            else:
                outcome = run_to_store(loaded, db, world=world, on_created=started.append, **kw)
    except KeyboardInterrupt:
        _interrupted(db, out_dir, started)
    except ValueError as exc:
        fail(one_line(str(exc)))
    run_id, summary = outcome.run_id, outcome.summary
    report_path = None
    if write_html:
        from shieldlab.report import write_report

        report_path = write_report(db, run_id, out_dir / f"{run_id}.html")
    info = {
        "run_id": run_id,
        "database": str(db),
        "report": str(report_path) if report_path else None,
        "truth_shortcuts": shortcuts,
        "resumed": resume is not None,
        "trials_run": outcome.ran,
        **summary.as_dict(),
    }
    if lcc is not None:
        info["life_cycle_cost"] = lcc
    if as_json:
        out.print_json(json.dumps(info))
        return
    _print_summary(s.name, run_id, summary.as_dict() | {"life_cycle_cost": lcc}, db, report_path)


def _interrupted(db: Path, out_dir: Path, started: list[str]) -> NoReturn:
    """Ctrl-C: say what is stored and how to finish the run; exit 130."""
    if not started:
        err.print("interrupted before any trial was stored")
        raise typer.Exit(130)
    from shieldlab.store import committed_trials

    run_id = started[0]
    done = committed_trials(db, run_id).size
    err.print(
        f"interrupted: {done} trials of run {run_id} are stored in {db}; finish it with\n"
        f"  shieldlab run --resume {run_id} --out {out_dir}",
        highlight=False,
    )
    raise typer.Exit(130)


def _print_summary(
    name: str, run_id: str, d: dict[str, object], db: Path, report: Path | None
) -> None:
    t = Table(title=f"{name}: {d['trials']} trials, {d['threats']} threats", show_header=False)
    ci = d["p_no_leaker_ci95"]
    assert isinstance(ci, list)
    lo, hi = float(ci[0]), float(ci[1])
    t.add_row("P(no leaker)", f"{d['p_no_leaker']:.3f}  (95 % CI {lo:.3f}–{hi:.3f})")
    t.add_row("mean leakers per trial", f"{d['mean_leakers']:.2f}")
    hist = d["leakers_histogram"]
    assert isinstance(hist, dict)
    t.add_row("leakers per trial", "  ".join(f"{k}: {v}" for k, v in hist.items()))
    t.add_row("mean asset value hit", f"{d['mean_value_hit']:.2f}")
    t.add_row("interceptors fired per trial", f"{d['mean_shots']:.2f}")
    cost = d.get("mean_cost_usd")
    if isinstance(cost, float) and cost > 0.0:
        t.add_row("cost of shots per trial", f"{cost / 1e6:,.1f} M$")
    lcc = d.get("life_cycle_cost")
    if isinstance(lcc, dict):
        t.add_row(
            f"life-cycle cost, {lcc['horizon_years']} y",
            f"{lcc['total_usd'] / 1e9:,.1f} G$ (FY{lcc['dollars_fy']} $)",
        )
    kills = d["kills_by_layer"]
    assert isinstance(kills, dict)
    for layer, k in kills.items():
        t.add_row(f"kills per trial: {layer}", f"{k:.2f}")
    c2 = d.get("c2")
    if isinstance(c2, dict):
        t.add_row("C2 decide→launch per shot", f"{c2['mean_delay_s']:.1f} s")
        t.add_row("battle space lost to C2 per shot", f"{c2['mean_lost_s']:.1f} s")
        t.add_row("C2-cut fire-unit epochs per trial", f"{c2['cut_epochs_per_trial']:.2f}")
    out.print(t)
    a = Table(title="leakers per trial by defended asset")
    a.add_column("asset")
    a.add_column("mean leakers", justify="right")
    by_asset = d["leakers_by_asset"]
    assert isinstance(by_asset, dict)
    for k, v in by_asset.items():
        a.add_row(k, f"{v:.2f}")
    out.print(a)
    cust = d.get("custody")
    if isinstance(cust, list) and cust:
        out.print(_custody_table(cust))
    out.print(f"run [bold]{run_id}[/] stored in {db}")
    if report:
        out.print(f"report: {report}")


_LAYER_HEADERS = {
    "space-ir": "space",
    "ground-radar": "ground",
    "sea-radar": "sea",
    "airborne-radar": "air",
}
"""Short custody-table headers of the sensor layers (the table fits 80 columns)."""


def _custody_table(cust: list[dict[str, Any]]) -> Table:
    """Sensor custody per threat class as percentages, readable at 80 columns: the
    numbers never shrink (the class names fold instead) and the headers are short."""
    layer_keys = [k for k in cust[0] if k.startswith("layer:")]
    c = Table(
        title="sensor custody: % of flight held by a confirmed track",
        caption="held: by any track; fc: at fire-control quality; "
        + ", ".join(_LAYER_HEADERS.get(k[6:], k[6:]) for k in layer_keys)
        + ": by that sensor layer; trk h/o: track handovers and lyr h/o: sensor-layer "
        "hand-offs, per object",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    c.add_column("threat class", overflow="fold", min_width=8)
    heads = ["n", "held", "fc", *[_LAYER_HEADERS.get(k[6:], k[6:]) for k in layer_keys]]
    for col in (*heads, "trk h/o", "lyr h/o"):
        c.add_column(col, justify="right", no_wrap=True)

    def pct(x: Any) -> str:
        return "–" if x is None else f"{100.0 * float(x):.0f}%"

    for r in cust:
        c.add_row(
            str(r["class"]),
            str(r["objects"]),
            pct(r["custody"]),
            pct(r["custody_fc"]),
            *[pct(r[k]) for k in layer_keys],
            f"{r['handovers']:.2f}",
            f"{r['sensor_handovers']:.2f}",
        )
    return c


TrialsOpt = Annotated[int | None, typer.Option("--trials", min=1, help="Monte Carlo trials.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", min=0, help="Random seed.")]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, help="Worker processes (default: all cores).")
]
OutOpt = Annotated[Path, typer.Option("--out", help="Output directory (DuckDB + report).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


ExecutorOpt = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where trials run: serial (this process), process (a local process pool) "
        "or dask (a dask.distributed cluster: a LocalCluster, or --cluster).",
    ),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Address of a running dask scheduler (tcp://HOST:8786); with --executor dask.",
    ),
]


@app.command()
def run(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario YAML file (optional with --resume).")
    ] = None,
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    out_dir: OutOpt = Path("out"),
    as_json: JsonOpt = False,
    report: Annotated[bool, typer.Option(help="Write the HTML report.")] = True,
    architecture: ArchOpt = None,
    executor: ExecutorOpt = "process",
    cluster: ClusterOpt = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            help="Finish a stored run that was interrupted (its id, in --out's store): "
            "runs only the trials it has not committed.",
        ),
    ] = None,
) -> None:
    """Run a scenario's Monte Carlo, store it in DuckDB and write the HTML report.

    Trials are committed to the store in chunks as they finish: after a crash,
    kill or Ctrl-C, ``--resume RUN_ID`` finishes the run.
    """
    _run(
        scenario, trials, seed, workers, out_dir, as_json, report, architecture,
        executor, cluster, resume,
    )  # fmt: skip


@app.command()
def demo(
    trials: Annotated[int, typer.Option("--trials", min=1, help="Monte Carlo trials.")] = 100,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    out_dir: OutOpt = Path("out"),
    as_json: JsonOpt = False,
    executor: ExecutorOpt = "process",
    cluster: ClusterOpt = None,
) -> None:
    """Run the flagship scenario (rogue ICBM salvo) end to end and write the report."""
    _run(
        _find_demo_scenario(), trials, seed, workers, out_dir, as_json, True, None,
        executor, cluster,
    )  # fmt: skip


@app.command()
def marginal(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    layer: Annotated[
        list[str] | None,
        typer.Option("--layer", help="Layer to switch off (repeatable; default: every one held)."),
    ] = None,
    as_json: JsonOpt = False,
    architecture: ArchOpt = None,
) -> None:
    """Marginal contribution of each layer: the scenario run again with each layer off."""
    from shieldlab.sim.marginal import marginal_contributions, present_layers
    from shieldlab.sim.montecarlo import default_workers
    from shieldlab.sim.world import build_world

    loaded = _with_overrides(_load(scenario), trials, seed)
    s = loaded.scenario
    from shieldlab.cli_cost import life_cycle_of, warn_unpriced

    lcc = life_cycle_of(architecture)
    n_workers = workers or default_workers()
    with err.status("flying the raid (truth trajectories)…"):
        try:
            world = build_world(loaded)
            held = present_layers(world)
        except ValueError as exc:
            fail(f"{scenario}: {exc}")
    warn_unpriced(lcc, held, s)
    chosen = layer or held
    for name in chosen:
        if name not in held:
            fail(f"--layer: {name!r} is not in the scenario; it holds: {', '.join(held) or 'none'}")
    with _progress(as_json) as prog:
        total = s.trials * (1 + len(chosen))
        task = prog.add_task(f"{1 + len(chosen)} runs × {s.trials} trials", total=total)
        rows = marginal_contributions(
            loaded, n_workers, lambda k: prog.advance(task, k), chosen, world
        )
    partners = _marginal_partners(loaded, n_workers, world, as_json)
    layer_usd: dict[str, float] = lcc["by_layer_usd"] if lcc else {}

    def lcc_of(name: str | None) -> float | None:
        if lcc is None:
            return None
        return float(lcc["total_usd"]) if name is None else layer_usd.get(name, 0.0)

    if as_json:
        runs = [
            r.as_dict() | ({"life_cycle_cost_usd": lcc_of(r.layer)} if lcc else {}) for r in rows
        ]
        head = {"scenario": s.name, "seed": s.seed, "trials": s.trials}
        out.print_json(
            json.dumps(
                head
                | ({"life_cycle_cost": lcc} if lcc else {})
                | {"runs": runs}
                | ({"partners": [r.as_dict() for r in partners]} if partners else {})
            )
        )
        return
    t = Table(
        title=f"{s.name}: marginal contribution of each layer ({s.trials} trials, seed {s.seed})",
        caption="Δ = layer off − baseline over the same trials ± 95 % half-width (baseline "
        "row: asset value hit, cost of shots in M$; the cost's interval is in --json); "
        "a positive Δ leakers or value is what the layer stops"
        + (
            f"; LCC: the layer's life-cycle cost in {lcc['architecture']} "
            f"({lcc['horizon_years']} y, G$ of FY{lcc['dollars_fy']})"
            if lcc
            else ""
        ),
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    cols = ["layer off", "P(no leak)", "95 % CI", "leakers", "Δ leakers", "Δ value", "Δ M$"]
    for col in [*cols, *(["LCC G$"] if lcc else [])]:
        t.add_column(col, justify="left" if col == "layer off" else "right", no_wrap=True)

    def pm(mean: float, ci: tuple[float, float]) -> str:
        return f"{mean:+.2f}±{(ci[1] - ci[0]) / 2:.2f}"

    for r in rows:
        lo, hi = r.p_no_leaker_ci95
        base = r.layer is None
        t.add_row(
            "baseline" if base else str(r.layer),
            f"{r.p_no_leaker:.2f}",
            f"{lo:.2f}–{hi:.2f}",
            f"{r.mean_leakers:.2f}",
            "" if base else pm(r.delta_leakers, r.delta_leakers_ci95),
            f"{r.mean_value_hit:.1f}" if base else pm(r.delta_value_hit, r.delta_value_hit_ci95),
            f"{r.mean_cost_usd / 1e6:,.0f}" if base else f"{r.delta_cost_usd / 1e6:+,.0f}",
            *([f"{(lcc_of(r.layer) or 0.0) / 1e9:,.1f}"] if lcc else []),
        )
    out.print(t)
    if partners:
        p = Table(
            title="coalition: each partner's sensors and shooters off, and no sharing",
            caption="Δ = run without it − baseline ± 95 % half-width (shieldlab coalition "
            "--split: sensors and shooters apart)",
            box=box.SIMPLE_HEAD,
            collapse_padding=True,
            pad_edge=False,
        )
        for col in ("without", "P(no leak)", "leakers", "Δ leakers", "Δ value"):
            p.add_column(col, justify="left" if col == "without" else "right", no_wrap=True)
        for pr in partners:
            p.add_row(
                pr.partner,
                f"{pr.p_no_leaker:.2f}",
                f"{pr.mean_leakers:.2f}",
                f"{pr.delta_leakers:+.2f}±{pr.delta_leakers_half:.2f}",
                f"{pr.delta_value_lost:+.1f}±{pr.delta_value_lost_half:.1f}",
            )
        out.print(p)


def _marginal_partners(
    loaded: LoadedScenario, workers: int, world: Any, as_json: bool
) -> list[Any]:
    """The coalition rows of ``marginal`` (each partner off, sharing off); none
    without a ``coalition:`` section."""
    from shieldlab.sim.coalition import coalition_study, n_runs

    s = loaded.scenario
    if s.coalition is None:
        return []
    with _progress(as_json) as prog:
        runs = n_runs(s)
        task = prog.add_task(f"coalition: {runs} runs × {s.trials} trials", total=runs * s.trials)
        study = coalition_study(loaded, workers, lambda k: prog.advance(task, k), world=world)
    return list(study.rows)


@app.command()
def raid(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Expand the scenario's threat groups and threat assessment into its launch list."""
    from shieldlab.sim.world import expand_launches
    from shieldlab.threats.raid import launch_rows

    s = _load(scenario).scenario
    if seed is not None:
        s = s.model_copy(update={"seed": seed})
    try:
        rows = launch_rows(expand_launches(s))
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    if as_json:
        out.print_json(json.dumps({"scenario": s.name, "seed": s.seed, "launches": rows}))
        return
    t = Table(title=f"{s.name}: {len(rows)} launches (seed {s.seed})", box=box.SIMPLE_HEAD)
    for col in ("#", "threat", "area", "launch", "t s", "target", "km"):
        t.add_column(col, justify="left" if col in ("threat", "area", "target") else "right")
    for r in rows:
        t.add_row(
            str(r["launch"]),
            str(r["threat"]),
            str(r["area"]),
            f"{r['launch_lat_deg']:.1f},{r['launch_lon_deg']:.1f}",
            f"{r['t_launch_s']:.0f}",
            str(r["target"]),
            f"{r['range_km']:.0f}",
        )
    out.print(t)


@app.command()
def constellation(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    as_json: JsonOpt = False,
) -> None:
    """Satellite constellations of a scenario: counts, orbits and coverage of its region."""
    from shieldlab.core.time import parse_epoch
    from shieldlab.space import constellation as cs
    from shieldlab.space.coverage import circle_points, constellation_coverage, coverage_report

    s = _load(scenario).scenario
    if not s.constellations:
        fail(f"{scenario}: constellations: the scenario defines none")
    epoch = parse_epoch(s.epoch_utc)
    rows: list[dict[str, Any]] = []
    sets = []
    for c in s.constellations:
        if c.kind == "walker":
            el = cs.walker_delta(
                c.total, c.planes, c.phasing, c.altitude_km * 1e3, np.radians(c.inclination_deg)
            )
        elif c.kind == "geo":
            el = cs.geostationary(np.radians(c.lons_deg), epoch)
        else:
            el = cs.highly_elliptical(np.radians(c.apogee_lons_deg), epoch)
        sets.append(cs.from_elements(el, epoch, c.name))
        rp, ra = el.a_m * (1 - el.e), el.a_m * (1 + el.e)
        rows.append(
            {
                "name": c.name,
                "kind": c.kind,
                "satellites": int(el.n),
                "perigee_alt_km": float(np.min(rp) - WGS84_A_M) / 1e3,
                "apogee_alt_km": float(np.max(ra) - WGS84_A_M) / 1e3,
                "period_min": float(np.mean(el.period_s)) / 60.0,
            }
        )
    report_row = None
    if s.coverage is not None:
        cov = s.coverage
        lat, lon = circle_points(
            np.radians(cov.lat_deg),
            np.radians(cov.lon_deg),
            cov.radius_km * 1e3,
            cov.spacing_km * 1e3,
        )
        band = np.unique([cov.altitude_min_km, cov.altitude_max_km]) * 1e3
        t = np.arange(0.0, cov.duration_h * 3600.0 + 1e-9, cov.step_s)
        joined = sets[0]
        for extra in sets[1:]:
            joined = joined + extra
        res = constellation_coverage(
            joined, t, lat, lon, band, cov.k, cov.grazing_altitude_km * 1e3
        )
        report_row = coverage_report(res, "all constellations")
    if as_json:
        out.print_json(json.dumps({"constellations": rows, "coverage": report_row}))
        return
    t1 = Table(
        title=f"{s.name}: {sum(r['satellites'] for r in rows)} satellites", box=box.SIMPLE_HEAD
    )
    for col in ("name", "kind", "satellites", "perigee km", "apogee km", "period min"):
        t1.add_column(col, justify="left" if col in ("name", "kind") else "right")
    for r in rows:
        t1.add_row(
            r["name"],
            r["kind"],
            str(r["satellites"]),
            f"{r['perigee_alt_km']:.0f}",
            f"{r['apogee_alt_km']:.0f}",
            f"{r['period_min']:.1f}",
        )
    out.print(t1)
    if report_row is not None:
        t2 = Table(
            title="coverage of the region (fraction of time seen by >= k sensors)",
            show_header=False,
        )
        for key, value in report_row.items():
            t2.add_row(key, str(value))
        out.print(t2)


@app.command()
def report(
    run_id: Annotated[
        str | None, typer.Argument(help="Run id or study id (default: the latest run).")
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="Results database.")] = Path(
        "out/shieldlab.duckdb"
    ),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file.")] = None,
) -> None:
    """Write the HTML report of a stored run, or of a study (`shieldlab sweep`)."""
    from shieldlab.report import write_report
    from shieldlab.report.study_html import write_study_report
    from shieldlab.store import latest_run_id, list_runs
    from shieldlab.store.study import study_ids

    if not db.is_file():
        fail(f"--db: {db} does not exist; run a scenario first")
    check_store(db, "--db")
    check_output(output, "--output")
    studies = study_ids(db)
    if run_id is not None and run_id in studies:
        path = write_study_report(db, run_id, output or db.parent / f"{run_id}.html")
        out.print(f"report: {path}")
        return
    rid = run_id or latest_run_id(db)
    known = [str(r["run_id"]) for r in list_runs(db)]
    if rid not in known:
        fail(
            f"RUN: unknown run {rid!r}; stored: {', '.join(known) or 'none'}"
            + (f"; studies: {', '.join(studies)}" if studies else "")
        )
    path = write_report(db, rid, output or db.parent / f"{rid}.html")
    out.print(f"report: {path}")


def entry() -> None:  # pragma: no cover - console script shim
    """Console entry point."""
    sys.exit(app())


# --- wta ---
wta_app = typer.Typer(
    help="Static weapon-target assignment (solver and standard instances).",
    no_args_is_help=True,
)
app.add_typer(wta_app, name="wta")


@wta_app.command("solve")
def wta_solve(
    instance: Annotated[Path, typer.Argument(help="Instance file (W T mu / values / w t p).")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Wall-clock limit [s].")] = 30.0,
    method: Annotated[str, typer.Option("--method", help="auto, mmr or milp.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Minimise the expected surviving target value; print objective, bound, gap, time."""
    from shieldlab.battle.wta import read_wta_instance, solve_wta

    if not time_limit > 0 or not np.isfinite(time_limit):
        fail(f"--time-limit: expected a number of seconds > 0, got {time_limit}")
    if method not in ("auto", "mmr", "milp"):
        fail(f"--method: expected auto, mmr or milp, got {method!r}")
    if not instance.is_file():
        fail(f"INSTANCE: {instance} does not exist or is not a file")
    try:
        problem = read_wta_instance(instance)
    except (ValueError, UnicodeDecodeError) as exc:
        fail(f"INSTANCE: {exc}")
    sol = solve_wta(problem, method=method, time_limit_s=time_limit)  # type: ignore[arg-type]

    def num(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    if as_json:
        wi, ti = np.nonzero(sol.x)
        out.print_json(
            json.dumps(
                {
                    "objective": sol.objective,
                    "lower_bound": num(sol.lower_bound),
                    "gap": num(sol.gap),
                    "seconds": sol.seconds,
                    "method": sol.method,
                    "status": sol.status,
                    "assignment": [
                        [int(w), int(t), int(sol.x[w, t])] for w, t in zip(wi, ti, strict=True)
                    ],
                }
            )
        )
        return
    title = f"{instance.name}: W={problem.n_weapons} T={problem.n_targets}"
    table = Table(title=title, show_header=False)
    lb = sol.lower_bound
    table.add_row("expected surviving value", f"{sol.objective:.6g}")
    table.add_row("lower bound", f"{lb:.6g}" if np.isfinite(lb) else "none")
    table.add_row("gap", f"{100 * sol.gap:.2f} %" if np.isfinite(sol.gap) else "n/a")
    table.add_row("seconds", f"{sol.seconds:.2f}")
    table.add_row("method / status", f"{sol.method} / {sol.status}")
    table.add_row("units assigned", str(int(sol.x.sum())))
    out.print(table)


# --- size ---
size_app = typer.Typer(help="Size defensive architectures from scenario parameters.")
app.add_typer(size_app, name="size")


@size_app.command("sbi")
def size_sbi(
    threat: Annotated[str, typer.Option("--threat", help="Threat catalog name.")] = (
        "generic-solid-icbm"
    ),
    burn_time_s: Annotated[
        float | None,
        typer.Option(
            "--burn-time-s", help="Kill deadline after launch [s] (default: the threat's)."
        ),
    ] = None,
    salvo: Annotated[int, typer.Option("--salvo", help="Missiles in the salvo.")] = 1,
    window_s: Annotated[float, typer.Option("--window-s", help="Launch window [s].")] = 0.0,
    launch: Annotated[str, typer.Option("--launch", help="Launch area centre LAT,LON.")] = (
        f"{DEFAULT_LAUNCH[0]},{DEFAULT_LAUNCH[1]}"
    ),
    launch_radius_km: Annotated[
        float, typer.Option("--launch-radius-km", help="Launch area radius [km].")
    ] = 0.0,
    aim: Annotated[str, typer.Option("--aim", help="Aim point LAT,LON.")] = "38.9,-77.0",
    altitude_km: Annotated[float, typer.Option("--altitude-km", help="Orbit altitude.")] = 300.0,
    inclination_deg: Annotated[
        float, typer.Option("--inclination-deg", help="Orbit inclination.")
    ] = 45.0,
    interceptor: Annotated[
        str, typer.Option("--interceptor", help="SBI catalog entry (kind: sbi).")
    ] = "generic-sbi-4kmps",
    dv_kmps: Annotated[
        float | None, typer.Option("--interceptor-dv-kmps", help="Override delta-v [km/s].")
    ] = None,
    accel_g: Annotated[
        float | None, typer.Option("--interceptor-accel-g", help="Override acceleration [g].")
    ] = None,
    per_carrier: Annotated[
        int | None, typer.Option("--per-carrier", help="Override interceptors per carrier.")
    ] = None,
    delay_s: Annotated[
        float,
        typer.Option("--decision-delay-s", help="Launch to firing (detect+track+decide) [s]."),
    ] = 30.0,
    shots: Annotated[int, typer.Option("--shots-per-missile", help="Shots per missile.")] = 1,
    confidence: Annotated[float, typer.Option("--confidence", help="P(salvo engaged).")] = 0.9,
    trials: Annotated[int, typer.Option("--trials", help="Random launch times per check.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Space-based interceptor constellation needed to engage a salvo in boost phase.

    Exit status: 0 when a constellation meets the requirement; 1 when none can (it
    prints INFEASIBLE and the binding constraint; with --json, "feasible": false and
    "binding_constraint"); 2 for a usage error.
    """
    import dataclasses

    from shieldlab.core.constants import DEG, G0_MPS2
    from shieldlab.core.time import parse_epoch
    from shieldlab.threats.registry import flyable_threats
    from shieldlab.weapons import sbi, sbi_sizing as sz

    lat, lon = parse_latlon(launch, "--launch")
    alat, alon = parse_latlon(aim, "--aim")
    if threat not in flyable_threats():
        fail(f"--threat: allowed {', '.join(flyable_threats())}, got {threat!r}")
    specs = sbi.load_sbi_specs()
    if interceptor not in specs:
        fail(f"--interceptor: allowed {', '.join(sorted(specs))}, got {interceptor!r}")
    checks = [
        ("--salvo", 1 <= salvo <= 100, "an integer 1..100", salvo),
        ("--window-s", 0.0 <= window_s <= 3600.0, "0..3600", window_s),
        ("--launch-radius-km", 0.0 <= launch_radius_km <= 1000.0, "0..1000", launch_radius_km),
        ("--altitude-km", 150.0 <= altitude_km <= 2000.0, "150..2000", altitude_km),
        ("--inclination-deg", 0.0 <= inclination_deg <= 180.0, "0..180", inclination_deg),
        ("--decision-delay-s", 0.0 <= delay_s <= 600.0, "0..600", delay_s),
        ("--shots-per-missile", 1 <= shots <= 8, "an integer 1..8", shots),
        ("--confidence", 0.0 < confidence < 1.0, "strictly between 0 and 1", confidence),
        ("--trials", 10 <= trials <= 5000, "an integer 10..5000", trials),
    ]
    for opt, ok, allowed, got in [
        *checks,
        ("--burn-time-s", burn_time_s is None or 0.0 < burn_time_s <= 900.0, "0..900", burn_time_s),
        ("--interceptor-dv-kmps", dv_kmps is None or 0.0 < dv_kmps <= 15.0, "0..15", dv_kmps),
        ("--interceptor-accel-g", accel_g is None or 0.0 < accel_g <= 100.0, "0..100", accel_g),
        ("--per-carrier", per_carrier is None or 1 <= per_carrier <= 100, "1..100", per_carrier),
    ]:
        if not ok or (isinstance(got, float) and not np.isfinite(got)):
            fail(f"{opt}: {allowed}, got {got}")
    spec = specs[interceptor]
    if dv_kmps is not None:
        spec = dataclasses.replace(spec, delta_v_mps=dv_kmps * 1e3)
    if accel_g is not None:
        spec = dataclasses.replace(spec, accel_mps2=accel_g * G0_MPS2)
    if per_carrier is not None:
        spec = dataclasses.replace(spec, interceptors_per_carrier=per_carrier)
    epoch = parse_epoch("2025-01-01T00:00:00Z")
    path = sbi.boost_path(threat, lat * DEG, lon * DEG, alat * DEG, alon * DEG, epoch)
    if burn_time_s is not None:
        path = path.with_deadline(burn_time_s)
    problem = sz.SalvoProblem(
        salvo,
        window_s,
        shots,
        confidence,
        delay_s,
        launch_radius_km * 1e3,
        altitude_km * 1e3,
        inclination_deg * DEG,
    )
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    res = sz.size_constellation(path, spec, problem, trials, rng)
    sens = sz.sensitivity(path, spec, problem, trials, rng)
    sized = res.constellation_size > 0
    info: dict[str, Any] = {
        "feasible": res.feasible,
        "binding_constraint": res.binding_constraint or None,
        "constellation_size": res.constellation_size if sized else None,
        "analytic_size": res.analytic_size if res.analytic_size > 0 else None,
        "absentee_ratio": res.absentee_ratio,
        "interceptors_in_reach": {
            "required": res.required_in_reach * spec.interceptors_per_carrier,
            "mean": res.interceptors_in_reach_mean,
            "p05": res.interceptors_in_reach_p05,
        },
        "p_engaged": res.p_engaged,
        "interceptors": res.interceptors if sized else None,
        "mass_to_orbit_kg": res.mass_to_orbit_kg,
        "interceptor_cost_usd": res.interceptor_cost_usd,
        "sensitivity": [r | {"analytic_size": r["analytic_size"] or None} for r in sens],
        "inputs": {
            "threat": threat,
            "kill_deadline_s": path.t_kill_s,
            "salvo": salvo,
            "window_s": window_s,
            "launch": [lat, lon],
            "launch_radius_km": launch_radius_km,
            "aim": [alat, alon],
            "altitude_km": altitude_km,
            "inclination_deg": inclination_deg,
            "interceptor": interceptor,
            "interceptor_dv_kmps": spec.delta_v_mps / 1e3,
            "interceptor_accel_g": spec.accel_mps2 / G0_MPS2,
            "interceptors_per_carrier": spec.interceptors_per_carrier,
            "decision_delay_s": delay_s,
            "shots_per_missile": shots,
            "confidence": confidence,
            "trials": trials,
            "seed": seed,
        },
    }
    if as_json:
        out.print_json(json.dumps(_finite(info)))
        if not res.feasible:
            raise typer.Exit(1)
        return
    if not res.feasible:
        out.print(
            f"INFEASIBLE: no SBI constellation engages {salvo} x {threat} "
            f"(confidence {confidence:g}): {res.binding_constraint}",
            markup=False,
            soft_wrap=True,  # one line, for grep
        )
    if sized:
        _print_sbi_size(res, path.t_kill_s, salvo, threat)
    t2 = Table(title="sensitivity (binomial model)", box=box.SIMPLE_HEAD)
    for col in ("parameter", "value", "absentee ratio", "carriers"):
        t2.add_column(col, justify="left" if col == "parameter" else "right")
    for r in sens:
        n_an = int(r["analytic_size"])
        t2.add_row(
            str(r["parameter"]),
            f"{float(r['value']):.0f}",
            f"{float(r['absentee_ratio']):.0f}",
            str(n_an) if n_an > 0 else "infeasible",
        )
    out.print(t2)
    if not res.feasible:
        raise typer.Exit(1)


def _print_sbi_size(res: SizingResult, kill_deadline_s: float, salvo: int, threat: str) -> None:
    """The sized constellation of ``size sbi``."""
    t1 = Table(title=f"SBI constellation for {salvo} x {threat}", show_header=False)
    for key, value in (
        ("carriers (Walker, simulated)", f"{res.constellation_size}"),
        ("carriers (binomial model)", f"{res.analytic_size}"),
        ("absentee ratio", f"{res.absentee_ratio:.0f}"),
        ("P(salvo engaged)", f"{res.p_engaged:.3f}"),
        (
            "interceptors in reach / missile (mean, 5 %)",
            f"{res.interceptors_in_reach_mean:.1f}, {res.interceptors_in_reach_p05:.0f}",
        ),
        ("kill deadline after launch", f"{kill_deadline_s:.0f} s"),
        ("mass to orbit", f"{res.mass_to_orbit_kg / 1e3:,.0f} t"),
        ("interceptor cost (unit cost x count)", f"{res.interceptor_cost_usd / 1e9:,.1f} G USD"),
    ):
        t1.add_row(key, value)
    out.print(t1)


# --- cost (in its own module; registered here so `shieldlab cost` is one app) ---
from shieldlab.cli_cost import cost as _cost  # noqa: E402

app.command("cost")(_cost)

# --- plan and optimize (in their own module) ---
from shieldlab.cli_plan import optimize as _optimize, plan as _plan  # noqa: E402

app.command("plan")(_plan)
app.command("optimize")(_optimize)

# --- export czml and serve: a stored trial on a globe (in their own module) ---
from shieldlab.cli_view import export_app as _export_app, serve as _serve  # noqa: E402

app.add_typer(_export_app, name="export")
app.command("serve")(_serve)

# --- deterrent: the second strike after a counterforce raid (in its own module) ---
from shieldlab.cli_deterrent import deterrent as _deterrent  # noqa: E402

app.command("deterrent")(_deterrent)

# --- coalition: what each partner and data sharing add (in its own module) ---
from shieldlab.cli_coalition import coalition as _coalition  # noqa: E402

app.command("coalition")(_coalition)

# --- sweep: a study over a grid or Latin hypercube of scenario parameters (own module) ---
from shieldlab.cli_sweep import sweep as _sweep  # noqa: E402

app.command("sweep")(_sweep)
