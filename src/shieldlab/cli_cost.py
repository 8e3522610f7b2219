"""``shieldlab cost``: life-cycle cost, fielding schedule and funding profile of an architecture.

The command line over :mod:`shieldlab.analysis.cost_study`; registered on the
``shieldlab`` app by :mod:`shieldlab.cli`. Also the helper that ``run`` and
``marginal`` use to put an architecture's life-cycle cost beside their results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich import box
from rich.table import Table

from shieldlab.cli import JsonOpt, check_output, err, fail, out

if TYPE_CHECKING:
    from shieldlab.analysis.architecture import LoadedArchitecture
    from shieldlab.analysis.cost_study import CostStudy


def load_arch(path: Path, overrides: dict[str, object] | None = None) -> LoadedArchitecture:
    """Load and validate an architecture, or fail with its one-line message (exit 2)."""
    from shieldlab.analysis.architecture import ArchitectureError, load_architecture

    try:
        return load_architecture(path, overrides)
    except ArchitectureError as exc:
        fail(str(exc))


def study_of(
    arch: LoadedArchitecture, samples: int = 0, seed: int = 0, cap: float | None = None
) -> CostStudy:
    """The cost study of an architecture, or one error line (exit 2) for an impossible cap."""
    from shieldlab.analysis.cost_study import run_cost_study
    from shieldlab.analysis.lifecycle import BudgetError

    try:
        return run_cost_study(arch, samples, seed, cap)
    except BudgetError as exc:
        fail(str(exc))


def life_cycle_of(architecture: Path | None) -> dict[str, Any] | None:
    """The architecture's life-cycle cost for ``run`` / ``marginal`` (None without one)."""
    if architecture is None:
        return None
    d = study_of(load_arch(architecture)).as_dict()
    by_layer = d["by_layer"]
    assert isinstance(by_layer, dict)
    return {
        "architecture": d["architecture"],
        "file": str(architecture),
        "dollars_fy": d["dollars_fy"],
        "horizon_years": d["horizon_years"],
        "total_usd": d["total_usd"],
        "acquisition_usd": d["acquisition_usd"],
        "operations_usd": d["operations_usd"],
        "by_layer_usd": {k: v["total_usd"] for k, v in by_layer.items()},
    }


def warn_unpriced(lcc: dict[str, Any] | None, held: list[str], s: Any) -> None:
    """Warn (stderr) where the scenario and the architecture describe different shields:
    layers simulated but not priced, and layers priced but not simulated. ``held``: the
    layers the scenario simulates (:func:`~shieldlab.sim.marginal.present_layers`, which
    names the GEO/HEO warning sensors ``space-warning`` and the LEO tracking layer
    ``space-ir``, as the cost catalog prices them); ``s``: the scenario (unused, kept
    for the callers)."""
    if lcc is None:
        return
    priced = set(lcc["by_layer_usd"])
    if set(held) - priced:
        err.print(
            f"warning: {lcc['file']} prices no {', '.join(sorted(set(held) - priced))} "
            "layer that the scenario simulates",
            highlight=False,
        )
    extra = priced - set(held) - {"c2"}
    if extra:
        err.print(
            f"warning: {lcc['file']} prices layers the scenario does not simulate: "
            f"{', '.join(sorted(extra))}",
            highlight=False,
        )


def supply_of(study: CostStudy, outage_spec: str | None) -> dict[str, Any]:
    """Supply-chain exposure of the study's schedule, with the ``--supply-outage`` case."""
    from shieldlab.analysis.supply_chain import exposure, outage

    supply: dict[str, Any] = exposure(study.arch, study.life)
    if outage_spec is None:
        return supply
    a = study.arch.architecture
    name, sep, rest = outage_spec.partition(":")
    months_s, at, fy_s = rest.partition("@")
    try:
        months = int(months_s)
        start = int(fy_s) if at else a.first_fy
    except ValueError:
        fail(
            "--supply-outage: expected COMPONENT:MONTHS or COMPONENT:MONTHS@FY, "
            f"got {outage_spec!r}"
        )
    if not sep or not 1 <= months <= 120:
        fail(f"--supply-outage: MONTHS must be 1..120 after COMPONENT:, got {outage_spec!r}")
    try:
        supply["outage"] = outage(study.arch, name, months, start, study.budget_cap_usd)
    except ValueError as exc:
        fail(f"--supply-outage: {exc}")
    return supply


def g(usd: float) -> str:
    """Billions of dollars, one decimal (``1,113.2``)."""
    return f"{usd / 1e9:,.1f}"


def _columns(table: Table, names: tuple[str, ...]) -> Table:
    """Add the columns: the first left-aligned, the rest right-aligned, none wrapped."""
    for i, col in enumerate(names):
        table.add_column(col, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def _headline(study: CostStudy, d: dict[str, Any]) -> Table:
    a = study.arch.architecture
    head = Table(
        title=f"{a.name}: life-cycle cost FY{a.first_fy}–FY{a.last_fy}, "
        f"constant FY{a.dollars_fy} G$",
        show_header=False,
    )
    head.add_row("total", g(d["total_usd"]))
    head.add_row("acquisition", g(d["acquisition_usd"]))
    head.add_row("operation and support", g(d["operations_usd"]))
    if "p50_usd" in d:
        head.add_row(
            f"P10 / P50 / P90 ({d['samples']} samples)",
            " / ".join(g(d[k]) for k in ("p10_usd", "p50_usd", "p90_usd")),
        )
    if d["sunk_development_usd"] > 0:
        head.add_row(
            f"development before FY{a.first_fy}",
            f"{g(d['sunk_development_usd'])} (sunk, not in total)",
        )
    head.add_row(
        "production; launch",
        f"{a.production} rates; {study.arch.launch_price_usd_per_kg:,.0f} $/kg "
        f"(FY{study.arch.launch_dollar_year} $)",
    )
    if study.budget_cap_usd is not None:
        head.add_row("budget cap per fiscal year", g(study.budget_cap_usd))
    return head


def _layers(d: dict[str, Any]) -> Table:
    t = _columns(
        Table(title="by layer [G$]", box=box.SIMPLE_HEAD),
        ("layer", "quantity", "acquisition", "O&S", "total", "share"),
    )
    total = d["total_usd"]
    for name, r in d["by_layer"].items():
        t.add_row(
            name,
            f"{r['quantity']:,}",
            g(r["acquisition_usd"]),
            g(r["operations_usd"]),
            g(r["total_usd"]),
            f"{100 * r['total_usd'] / total:.0f} %" if total > 0 else "–",
        )
    return t


def _fielding(d: dict[str, Any], capped: bool) -> Table:
    caption = "none: not reached in the study"
    if capped:
        caption = (
            "+N: years of slip under the budget cap; none (Y): not reached in the study, "
            "FY Y without the cap"
        )
    t = Table(
        title="fielding by fiscal year (FOC: target in service)",
        caption=caption,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    t.add_column("element", max_width=26)
    for col in ("target", "built", "start", "IOC", "FOC", "G$"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in d["elements"]:
        foc = str(r["foc_fy"]) if r["foc_fy"] is not None else "none"
        if r["slip_years"]:
            foc += f" +{r['slip_years']}"
        elif r["foc_fy"] is None and r["foc_fy_uncapped"] is not None and capped:
            foc += f" ({r['foc_fy_uncapped']})"
        t.add_row(
            str(r["label"]),
            f"{r['quantity']:,}",
            f"{r['units_produced']:,}",
            str(r["start_fy"]),
            str(r["ioc_fy"]) if r["ioc_fy"] is not None else "none",
            foc,
            g(r["total_usd"]),
        )
    return t


def _spending(d: dict[str, Any]) -> Table:
    """Spending and cumulative spending by fiscal year, in two column blocks."""
    rows = d["by_fiscal_year"]
    t = _columns(
        Table(title="spending by fiscal year [G$]", box=box.SIMPLE_HEAD),
        ("FY", "spent", "cumulative") * 2,
    )
    cum = np.cumsum([r["usd"] for r in rows])
    cells = [
        [str(r["fiscal_year"]), g(r["usd"]), g(float(c))] for r, c in zip(rows, cum, strict=True)
    ]
    half = (len(cells) + 1) // 2
    for left, right in zip(cells[:half], [*cells[half:], ["", "", ""]], strict=False):
        t.add_row(*left, *right)
    return t


def _tornado(d: dict[str, Any]) -> Table:
    t = _columns(
        Table(title="what drives the spread (tornado; others at point) [G$]", box=box.SIMPLE_HEAD),
        ("input", "at low", "at high", "swing"),
    )
    for r in d["tornado"][:8]:
        t.add_row(str(r["input"])[:44], g(r["low_usd"]), g(r["high_usd"]), g(r["swing_usd"]))
    return t


def _short(years: list[int]) -> str:
    """``8 (2029–2045)``: how many fiscal years, first and last; ``none``."""
    if not years:
        return "none"
    return (
        f"{len(years)} ({years[0]})"
        if len(years) == 1
        else f"{len(years)} ({years[0]}–{years[-1]})"
    )


def print_supply(supply: dict[str, Any]) -> None:
    """The supply-chain tables of ``shieldlab cost`` (fit 80 columns)."""
    t = _columns(
        Table(
            title="supply chain: components the schedule consumes",
            caption="years short: fiscal years whose demand exceeds the capacity available to "
            "the shield (first–last); peak: demand / capacity; –: no public capacity",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        ),
        ("component", "suppliers", "adversary", "years short", "peak"),
    )
    for r in supply["components"]:
        share = r["adversary_share"]
        peak = r["peak_demand_to_capacity"]
        t.add_row(
            r["component"],
            "1 (sole)" if r["single_source"] else str(r["qualified_suppliers"]),
            f"{100 * share:.0f} %" if share is not None else "",
            _short(r["shortfall_years"]) if peak is not None else "–",
            f"{peak:.1f}x" if peak is not None else "–",
        )
    out.print(t)
    single = supply["single_source_layers"]
    if single:
        out.print(
            "single-source dependencies: "
            + "; ".join(f"{layer}: {', '.join(c)}" for layer, c in single.items()),
            highlight=False,
        )
    o = supply.get("outage")
    if o:
        rows = [r for r in o["elements"] if r["foc_fy"] != r["foc_fy_with_outage"]]
        title = (
            f"{o['component']}: one supplier ({100 * o['supplier_share_lost']:.0f} % of "
            f"supply) out for {o['months']} months from FY{o['start_fy']}"
        )
        if not rows:
            out.print(f"{title}: no element's full capability moves")
            return
        ot = _columns(
            Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False),
            ("element", "FOC", "with outage", "slip"),
        )
        for r in rows:
            ot.add_row(
                r["element"],
                str(r["foc_fy"] or "none"),
                str(r["foc_fy_with_outage"] or "none"),
                f"+{r['slip_years']}" if r["slip_years"] is not None else "–",
            )
        out.print(ot)


def print_study(study: CostStudy) -> None:
    """The tables of ``shieldlab cost`` (fit 80 columns)."""
    d: dict[str, Any] = study.as_dict()
    out.print(_headline(study, d))
    out.print(_layers(d))
    out.print(
        "by category [G$]: " + ", ".join(f"{k} {g(v)}" for k, v in d["by_category"].items()),
        highlight=False,
    )
    out.print(_fielding(d, study.budget_cap_usd is not None))
    out.print(_spending(d))
    if d["tornado"]:
        out.print(_tornado(d))


def cost(
    architecture: Annotated[Path, typer.Argument(help="Architecture YAML file.")],
    years: Annotated[
        int | None, typer.Option("--years", help="Study horizon [years] (default: the file's).")
    ] = None,
    dollars_fy: Annotated[
        int | None, typer.Option("--dollars-fy", help="Constant dollars of this fiscal year.")
    ] = None,
    budget_cap_usd: Annotated[
        float | None,
        typer.Option("--budget-cap-usd", help="Spending limit per fiscal year [USD]."),
    ] = None,
    launch: Annotated[
        str | None,
        typer.Option("--launch", help="Launch price entry (catalog/launch-prices.yaml)."),
    ] = None,
    launch_price: Annotated[
        float | None,
        typer.Option("--launch-price-usd-per-kg", help="Launch price to LEO [USD/kg]."),
    ] = None,
    production: Annotated[
        str | None, typer.Option("--production", help="Production rates: current or surge.")
    ] = None,
    supply_outage: Annotated[
        str | None,
        typer.Option(
            "--supply-outage",
            help="COMPONENT:MONTHS[@FY]: one supplier of a component out (default FY: the "
            "study's first year).",
        ),
    ] = None,
    samples: Annotated[
        int, typer.Option("--samples", help="Latin-hypercube samples of the cost ranges.")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the samples.")] = 0,
    as_json: JsonOpt = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the HTML cost report here.")
    ] = None,
) -> None:
    """Life-cycle cost, production-rate-limited schedule and funding by fiscal year."""
    checks = [
        ("--years", years is None or 1 <= years <= 60, "an integer 1..60", years),
        (
            "--dollars-fy",
            dollars_fy is None or 2000 <= dollars_fy <= 2100,
            "2000..2100",
            dollars_fy,
        ),
        ("--samples", 0 <= samples <= 20_000, "an integer 0..20000", samples),
        ("--seed", seed >= 0, "an integer >= 0", seed),
        (
            "--budget-cap-usd",
            budget_cap_usd is None or (np.isfinite(budget_cap_usd) and budget_cap_usd > 0),
            "a number of dollars > 0",
            budget_cap_usd,
        ),
        (
            "--launch-price-usd-per-kg",
            launch_price is None or 0 < launch_price <= 1e9,
            "a price > 0 and <= 1e9",
            launch_price,
        ),
        ("--production", production in (None, "current", "surge"), "current or surge", production),
    ]
    for opt, ok, allowed, got in checks:
        if not ok:
            fail(f"{opt}: expected {allowed}, got {got}")
    check_output(output, "-o")
    overrides: dict[str, object] = {}
    if years is not None:
        overrides["horizon_years"] = years
    if dollars_fy is not None:
        overrides["dollars_fy"] = dollars_fy
    if launch is not None:
        overrides["launch"] = launch
    if launch_price is not None:
        overrides["launch_price_usd_per_kg"] = launch_price
    if production is not None:
        overrides["production"] = production
    with err.status("sizing and loading the architecture…"):
        arch = load_arch(architecture, overrides)
    with err.status(f"pricing ({samples} samples)…"):
        study = study_of(arch, samples, seed, budget_cap_usd)
    supply = supply_of(study, supply_outage)
    report = None
    if output is not None:
        from shieldlab.report.cost_html import write_cost_report

        report = write_cost_report(study, output, supply)
    if as_json:
        d = study.as_dict()
        d["supply_chain"] = supply
        d["report"] = str(report) if report else None
        out.print_json(json.dumps(d))
        return
    print_study(study)
    print_supply(supply)
    if report:
        out.print(f"report: {report}")
