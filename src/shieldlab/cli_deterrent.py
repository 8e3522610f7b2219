"""``shieldlab deterrent``: the command line over :mod:`shieldlab.sim.deterrent`.

Registered on the main app by :mod:`shieldlab.cli`. Bad input (the scenario, a
scenario without a ``deterrent:`` section, a floor below 0) is one line on stderr
and exit 2, before any trial is flown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from shieldlab.cli import (
    JsonOpt,
    TrialsOpt,
    WorkersOpt,
    _load,
    _progress,
    _with_overrides,
    err,
    fail,
    out,
)

FloorOpt = Annotated[
    float | None,
    typer.Option("--floor", help="Surviving warheads to keep (overrides the scenario's floor)."),
]
NoSearchOpt = Annotated[
    bool, typer.Option("--no-search", help="Skip the search for the smallest addition.")
]


def deterrent(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML with a `deterrent:` section.")],
    trials: TrialsOpt = None,
    workers: WorkersOpt = None,
    as_json: JsonOpt = False,
    floor: FloorOpt = None,
    no_search: NoSearchOpt = False,
) -> None:
    """Second strike after a counterforce raid: the launchers and warheads that can still
    retaliate with the defense as written, with each layer off and with no defense,
    and the smallest addition to the defense that keeps them above the floor."""
    from shieldlab.scenario.deterrent_schema import Floor
    from shieldlab.sim.deterrent import deterrent_analysis, deterrent_of
    from shieldlab.sim.marginal import present_layers
    from shieldlab.sim.montecarlo import default_workers
    from shieldlab.sim.world import build_world

    loaded = _with_overrides(_load(scenario), trials, None)
    s = loaded.scenario
    try:
        section = deterrent_of(s)
    except ValueError as exc:
        fail(f"{scenario}: {exc}")
    if floor is not None:
        if not 0.0 <= floor <= 1e5:
            fail(f"--floor: must be between 0 and 100000 warheads, got {floor:g}")
        old = section.floor
        new = Floor(warheads=floor, statistic=old.statistic if old else "p5")
        s = s.model_copy(update={"deterrent": section.model_copy(update={"floor": new})})
        loaded = type(loaded)(s, loaded.text, loaded.sha256, loaded.path)
    n_workers = workers or default_workers()
    with err.status("flying the raid (truth trajectories)…"):
        try:
            world = build_world(loaded)
            held = present_layers(world)
        except ValueError as exc:
            fail(f"{scenario}: {exc}")
    with _progress(as_json) as prog:
        fixed = 2 + len(held)
        task = prog.add_task(f"{fixed} runs × {s.trials} trials", total=fixed * s.trials)
        seen = {"runs": 0}

        def announce(label: str, n: int) -> None:
            seen["runs"] += 1
            if seen["runs"] > fixed:  # a run of the search: grow the bar
                prog.update(task, total=(prog.tasks[0].total or 0) + n)
            prog.update(task, description=f"{label} ({seen['runs']} runs)")

        d = deterrent_analysis(
            loaded,
            n_workers,
            lambda k: prog.advance(task, k),
            announce,
            search=not no_search,
            world=world,
        )
    if as_json:
        out.print_json(json.dumps(d))
        return
    _print(d)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _print(d: dict[str, Any]) -> None:
    """The result as tables readable at 80 columns."""
    force = d["force"]
    t = Table(
        title=f"{d['scenario']}: surviving deterrent ({d['trials']} trials × "
        f"{d['draws_per_trial']} draws)",
        caption=f"force: {_fmt(force['launchers']['total'])} launchers, "
        f"{_fmt(force['warheads']['total'])} warheads; {d['warheads_aimed']} warheads aimed. "
        "Δ: paired difference from the defense as written, ± 95 % half-width.",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    for col in ("variant", "launchers", "p5", "warheads", "p5 ", "Δ warheads", "P(cmd)"):
        t.add_column(col, justify="left" if col == "variant" else "right", no_wrap=True)

    def row(label: str, v: dict[str, Any]) -> None:
        dl = v["surviving_warheads"].get("delta_vs_with_defense")
        delta = ""
        if dl is not None and dl["mean"] is not None:
            lo, hi = dl["ci95"]
            half = "" if lo is None or hi is None else f"±{(hi - lo) / 2:,.0f}"
            delta = f"{dl['mean']:+,.0f}{half}"
        t.add_row(
            label,
            _fmt(v["surviving_launchers"]["mean"]),
            _fmt(v["surviving_launchers"]["p5"]),
            _fmt(v["surviving_warheads"]["mean"]),
            _fmt(v["surviving_warheads"]["p5"]),
            delta,
            f"{v['p_command_authority']:.2f}",
        )

    row("with defense", d["with_defense"])
    for name, v in d["layer_off"].items():
        row(f"{name} off", v)
    row("no defense", d["without_defense"])
    out.print(t)
    legs = Table(title="surviving warheads by leg (mean)", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("variant", "ICBM", "SLBM", "bomber", "physical"):
        legs.add_column(col, justify="left" if col == "variant" else "right", no_wrap=True)
    for label, v in (("with defense", d["with_defense"]), ("no defense", d["without_defense"])):
        by = v["surviving_warheads"]["by_leg"]
        legs.add_row(
            label,
            _fmt(by["icbm"]),
            _fmt(by["slbm"]),
            _fmt(by["bomber"]),
            _fmt(v["physical_warheads_mean"]),
        )
    out.print(legs)
    out.print(_addition_line(d))


def _addition_line(d: dict[str, Any]) -> str:
    sa = d["smallest_addition"]
    status = sa["status"]
    if status == "skipped":
        return "smallest addition: not searched (--no-search)"
    if status == "no-floor":
        return "smallest addition: the scenario states no floor (deterrent.floor or --floor)"
    what = f"{sa['statistic']} ≥ {sa['floor']:,.0f} warheads"
    if status == "met":
        return f"floor {what}: met by the defense as written ({sa['baseline']:,.0f}); none needed"
    if status == "no-candidates":
        return f"floor {what}: missed ({sa['baseline']:,.0f}); no candidate additions stated"
    if status == "infeasible":
        return f"floor {what}: missed ({sa['baseline']:,.0f}); infeasible: {sa['message']}"
    return (
        f"floor {what}: missed ({sa['baseline']:,.0f}); smallest addition: "
        f"+{sa['interceptors']} interceptors at {sa['site']} ({sa['value']:,.0f})"
    )
