"""``shieldlab coalition SCENARIO``: what each partner and what data sharing add.

Registered on the main app by :mod:`shieldlab.cli`. The method is in
:mod:`shieldlab.sim.coalition`; a scenario without a ``coalition:`` section is
one line on stderr and exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from shieldlab.cli import (
    JsonOpt,
    SeedOpt,
    TrialsOpt,
    WorkersOpt,
    _load,
    _progress,
    _with_overrides,
    err,
    fail,
    out,
)

SHARED_TRACK_NOTE = (
    "one fused track file: sharing decides who may use a track and when (latency), not its accuracy"
)


def coalition(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file with a coalition.")],
    trials: TrialsOpt = None,
    seed: SeedOpt = None,
    workers: WorkersOpt = None,
    split: Annotated[
        bool,
        typer.Option("--split", help="Also remove each partner's sensors only and shooters only."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """What each coalition partner's sensors and shooters add, and what sharing adds:
    the scenario run again without each partner and without any sharing agreement."""
    from shieldlab.sim.coalition import coalition_study, n_runs
    from shieldlab.sim.montecarlo import default_workers

    loaded = _with_overrides(_load(scenario), trials, seed)
    s = loaded.scenario
    if s.coalition is None:
        fail(f"{scenario}: coalition: the scenario has no `coalition:` section (forces, sharing)")
    runs = n_runs(s, split)
    with _progress(as_json) as prog:
        task = prog.add_task(f"{runs} runs × {s.trials} trials", total=runs * s.trials)
        try:
            study = coalition_study(
                loaded, workers or default_workers(), lambda k: prog.advance(task, k), split
            )
        except ValueError as exc:
            fail(f"{scenario}: {exc}")
    if as_json:
        out.print_json(json.dumps(study.as_dict() | {"note": SHARED_TRACK_NOTE}))
        return
    lo, hi = study.p_no_leaker_ci95
    t = Table(
        title=f"{s.name}: what each partner and sharing add ({s.trials} trials, seed {s.seed})",
        caption=(
            f"baseline P(no leaker) {study.p_no_leaker:.2f} ({lo:.2f}–{hi:.2f}), "
            f"{study.mean_leakers:.2f} leakers, value hit {study.mean_value_hit:.1f}. "
            "Δ = run without it − baseline ± 95 % half-width: a positive Δ is what it "
            f"stops. sharing: every force with its own sensors only. {SHARED_TRACK_NOTE}."
        ),
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    for col in ("without", "removed", "P(no leak)", "leakers", "Δ leakers", "Δ value"):
        t.add_column(col, justify="left" if col in ("without", "removed") else "right")
    for r in study.rows:
        t.add_row(
            r.partner,
            r.removed,
            f"{r.p_no_leaker:.2f}",
            f"{r.mean_leakers:.2f}",
            f"{r.delta_leakers:+.2f}±{r.delta_leakers_half:.2f}",
            f"{r.delta_value_lost:+.1f}±{r.delta_value_lost_half:.1f}",
        )
    out.print(t)
    if s.trials < 10:
        err.print(f"note: {s.trials} trials give wide intervals; use --trials 30 or more")
