"""``shieldlab plan`` and ``shieldlab optimize``: the command line over
:mod:`shieldlab.analysis.plan`.

Registered on the main app by :mod:`shieldlab.cli`. Bad input (the plan file,
its architecture, a goal no design in the bounds meets) is one line on
stderr and exit 2, before anything is written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shieldlab.cli import JsonOpt, check_output, err, fail, out

PlanArg = Annotated[Path, typer.Argument(help="Plan YAML file (plans/*.yaml).")]
ConfirmOpt = Annotated[
    bool, typer.Option("--confirm/--no-confirm", help="Re-run chosen designs in the engine.")
]


def _clean(x: Any) -> Any:
    """JSON-safe: non-finite floats → None, numpy scalars → Python."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _load(path: Path) -> Any:
    from shieldlab.analysis.plan_file import PlanError, load_plan

    try:
        return load_plan(path)
    except PlanError as exc:
        fail(str(exc))


def _run(path: Path, confirm: bool, optimize_only: bool = False) -> dict[str, Any]:
    from shieldlab.analysis.plan import run_plan
    from shieldlab.analysis.plan_file import PlanError

    lp = _load(path)
    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("plan", total=1.0)

        def progress(step: str, frac: float) -> None:
            bar.update(task, completed=frac, description=step[:32])

        try:
            return run_plan(lp, progress, confirm=confirm, optimize_only=optimize_only)
        except PlanError as exc:
            bar.stop()
            fail(str(exc))


def _b(usd: float | None) -> str:
    return "—" if usd is None else f"{usd / 1e9:,.1f}"


def _headline(d: dict[str, Any]) -> None:
    ra = d["reference_architecture"]
    p = d["plan"]
    t = Table(
        title=f"{p['name']}: reference architecture (FY{p['design_year']} threat)", box=box.SQUARE
    )
    t.add_column("element")
    t.add_column("layer")
    t.add_column("quantity", justify="right")
    t.add_column("baseline", justify="right")
    for row in ra["design"]:
        t.add_row(
            row["element"], row["layer"], f"{row['quantity']:,.0f}", f"{row['baseline']:,.0f}"
        )
    out.print(t)
    out.print(f"20-year cost {_b(ra['cost_usd'])} B$ (FY{p['dollars_fy']} dollars); {ra['basis']}.")
    e = Table(box=box.SIMPLE, title="effectiveness against each tier (analytic)")
    for c in ("tier", "P(no leaker)", "leakers", "value lost"):
        e.add_column(c, justify="right" if c != "tier" else "left")
    for r in ra["effectiveness"]:
        e.add_row(
            r["tier"], f"{r['p_no_leaker']:.3f}", f"{r['leakers']:.2f}", f"{r['value_lost']:.1f}"
        )
    out.print(e)


def _requirements(d: dict[str, Any]) -> None:
    t = Table(title="capabilities-based requirements", box=box.SIMPLE)
    for c in ("goal / capability", "design", "threshold", "margin"):
        t.add_column(c, justify="left" if c.startswith("goal") else "right")
    goal = None
    for r in d["requirements"]:
        if r["goal"] != goal:
            goal = r["goal"]
            t.add_row(f"[bold]{goal}[/bold]", "", "", "")
        thr = "—" if r["threshold"] is None else f"{r['threshold']:.3g}"
        mar = "—" if r["margin"] is None else f"{r['margin']:.2f}"
        design = f"{r['design_value']:.3g}"
        if r["capability"] == "sensor-to-shooter time":
            design = "+0 s"
            thr = (
                "unmet"
                if "unmet at the design" in r["note"]
                else (f"+{r['threshold']:g} s" if r["threshold"] is not None else "beyond tried")
            )
        elif r["threshold"] is None and "unmet" not in r["note"]:
            thr = "not binding"
        t.add_row(f"  {r['capability']}", design, thr, mar)
    out.print(t)


def _implementation(d: dict[str, Any]) -> None:
    ip = d["implementation_plan"]
    for g in ip["goal_first_met"]:
        when = f"first met FY{g['fy']}" if g["fy"] else "not met within the study"
        if g["fy"] and g["held_from"] != g["fy"]:
            when += f", held from FY{g['held_from']}" if g["held_from"] else ", then missed again"
        out.print(f"goal {g['goal']}: {when}")
    f = d["funding_plan"]
    out.print(
        f"funding: {_b(f['total_usd'])} B$ over FY{ip['years'][0]}–FY{ip['years'][-1]}"
        + (f", capped at {_b(ip['budget_cap_usd_per_year'])} B$/yr" if ip["capped"] else "")
    )


def _confirmation(d: dict[str, Any]) -> None:
    if not d["confirmation"]:
        return
    t = Table(title="analytic vs engine (expected leakers)", box=box.SIMPLE)
    for c in ("design", "tier", "analytic", "engine (95 % CI)", "agree"):
        t.add_column(c, justify="left" if c in ("design", "tier") else "right")
    for r in d["confirmation"]:
        s = r["simulated"]
        lo, hi = s["leakers_ci95"]
        t.add_row(
            r["point"][:24],
            r["tier"],
            f"{r['analytic']['leakers']:.2f}",
            f"{s['leakers']:.2f} ({lo:.2f}–{hi:.2f})",
            "yes" if r["agree"] else "NO",
        )
    out.print(t)


def plan(
    plan_file: PlanArg,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the HTML plan report here.")
    ] = None,
    as_json: JsonOpt = False,
    confirm: ConfirmOpt = True,
) -> None:
    """The executive order's six deliverables from a plan file, as one report."""
    check_output(output, "-o")
    d = _clean(_run(plan_file, confirm))
    if output is not None:
        from shieldlab.report.plan_html import plan_report_html

        output.write_text(plan_report_html(d), encoding="utf-8")
        d["report"] = str(output)
    if as_json:
        out.print_json(json.dumps(d))
        return
    _headline(d)
    _requirements(d)
    _implementation(d)
    _confirmation(d)
    if d["reference_architecture"]["warning"]:
        err.print(f"warning: {d['reference_architecture']['warning']}")
    if output is not None:
        out.print(f"report: {output}")


def optimize(
    plan_file: PlanArg,
    as_json: JsonOpt = False,
    confirm: ConfirmOpt = True,
) -> None:
    """Pareto fronts of 20-year cost against value lost per threat tier (NSGA-II)."""
    d = _clean(_run(plan_file, confirm, optimize_only=True))
    keys = (
        "plan",
        "pareto",
        "cheapest_meeting",
        "reference_architecture",
        "confirmation",
        "evaluations",
        "elapsed_s",
    )
    if as_json:
        out.print_json(json.dumps({k: d[k] for k in keys}))
        return
    for tier in d["plan"]["tiers"]:
        rows = [r for r in d["pareto"] if r["tier"] == tier]
        t = Table(title=f"Pareto front vs {tier} ({len(rows)} designs)", box=box.SIMPLE)
        for c in ("cost B$", "value lost", "P(no leaker)", "", "design"):
            t.add_column(c, justify="right" if c != "design" else "left")
        for r in rows[:: max(1, len(rows) // 12)]:
            mark = "knee" if r["knee"] else ("rec." if r["recommended"] else "")
            design = " ".join(f"{v:g}" for v in r["design"].values())
            t.add_row(
                _b(r["cost_usd"]), f"{r['value_lost']:.1f}", f"{r['p_no_leaker']:.3f}", mark, design
            )
        out.print(t)
    out.print(
        "design columns: " + ", ".join(v["element"] for v in d["reference_architecture"]["design"])
    )
    for c in d["cheapest_meeting"]:
        if c["cost_usd"] is None:
            out.print(f"{c['goal']}: {c['closest']}")
        else:
            out.print(f"{c['goal']}: cheapest {_b(c['cost_usd'])} B$")
    _headline(d)
    _confirmation(d)


__all__ = ["optimize", "plan"]
