"""Self-contained HTML page of a cost study (``shieldlab cost -o FILE``).

The spending profile by fiscal year stacked by layer, the fielding curves
(fraction of each element's target in service), the S-curve of the sampled
life-cycle cost and the tornado of its drivers (plotly, inlined once: the page
needs no network), with the tables of the command and the architecture's
sources and assumptions.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from shieldlab.analysis.cost_study import CostStudy
from shieldlab.report.html import _CSS, _figure_html, _kpi, _table

_LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
}


def spending_figure(d: dict[str, object]) -> go.Figure:
    """Stacked bars: spending per fiscal year by layer [G$]."""
    rows = d["by_fiscal_year"]
    assert isinstance(rows, list)
    years = [r["fiscal_year"] for r in rows]
    fig = go.Figure()
    layers = d["by_layer"]
    assert isinstance(layers, dict)
    for layer in layers:
        fig.add_bar(x=years, y=[r["by_layer"][layer] / 1e9 for r in rows], name=layer)
    cap = d.get("budget_cap_usd")
    if isinstance(cap, float):
        fig.add_hline(y=cap / 1e9, line_dash="dash", annotation_text="budget cap")
    fig.update_layout(
        barmode="stack",
        xaxis_title="fiscal year",
        yaxis_title=f"G$ (constant FY{d['dollars_fy']})",
        **_LAYOUT,
    )
    return fig


def fielding_figure(d: dict[str, object]) -> go.Figure:
    """Lines: percentage of each element's target in service at the end of each FY."""
    sched = d["schedule"]
    elements = d["elements"]
    assert isinstance(sched, list) and isinstance(elements, list)
    fig = go.Figure()
    for el in elements:
        rows = [r for r in sched if r["element"] == el["label"]]
        target = max(int(el["quantity"]), 1)
        fig.add_scatter(
            x=[r["fiscal_year"] for r in rows],
            y=[100.0 * r["fielded"] / target for r in rows],
            customdata=[[r["fielded"], el["quantity"], el["unit"]] for r in rows],
            hovertemplate="%{x}: %{customdata[0]:,} of %{customdata[1]:,} %{customdata[2]}s"
            "<extra>" + escape(str(el["label"])) + "</extra>",
            mode="lines+markers",
            name=str(el["label"]),
        )
    fig.update_layout(xaxis_title="fiscal year", yaxis_title="% of target in service", **_LAYOUT)
    return fig


def s_curve_figure(d: dict[str, object]) -> go.Figure:
    """The cumulative distribution of the sampled life-cycle cost, P10/P50/P90 marked."""
    pts = d["s_curve"]
    assert isinstance(pts, list)
    fig = go.Figure()
    fig.add_scatter(
        x=[p["usd"] / 1e9 for p in pts],
        y=[100 * p["probability"] for p in pts],
        mode="lines",
        name="sampled cost",
    )
    for k in ("p10_usd", "p50_usd", "p90_usd"):
        v = float(d[k]) / 1e9  # type: ignore[arg-type]
        fig.add_vline(x=v, line_dash="dot", annotation_text=k[:3].upper())
    fig.add_vline(x=float(d["total_usd"]) / 1e9, line_color="black", annotation_text="point")  # type: ignore[arg-type]
    fig.update_layout(
        xaxis_title=f"life-cycle cost [G$, constant FY{d['dollars_fy']}]",
        yaxis_title="probability the cost is at most x [%]",
        showlegend=False,
        **_LAYOUT,
    )
    return fig


def tornado_figure(d: dict[str, object], top: int = 12) -> go.Figure:
    """Horizontal bars: the total with each input at its low and high end."""
    rows = d["tornado"]
    assert isinstance(rows, list)
    rows = rows[:top][::-1]
    point = float(d["total_usd"]) / 1e9  # type: ignore[arg-type]
    labels = [str(r["input"]) for r in rows]
    fig = go.Figure()
    for end in ("low", "high"):
        fig.add_bar(
            y=labels,
            x=[r[f"{end}_usd"] / 1e9 - point for r in rows],
            base=point,
            orientation="h",
            name=f"input at its {end} end",
        )
    fig.update_layout(
        barmode="overlay",
        xaxis_title="life-cycle cost [G$]",
        **{
            **_LAYOUT,
            "height": 140 + 28 * len(rows),
            "margin": {"l": 320, "r": 20, "t": 30, "b": 50},
        },
    )
    return fig


def _g(usd: object) -> str:
    return f"{float(usd) / 1e9:,.1f}"  # type: ignore[arg-type]


def _headline_html(study: CostStudy, d: dict[str, Any]) -> str:
    a = study.arch.architecture
    e = escape
    meta = (
        f'<p class="meta">{e(a.description)}<br>Study FY{a.first_fy}–FY{a.last_fy}, constant '
        f"FY{a.dollars_fy} dollars ({e(str(d['price_index']))}); production at {a.production} "
        f"rates; launch {study.arch.launch_price_usd_per_kg:,.0f} $/kg. File "
        f"<code>{e(study.arch.path)}</code> (SHA-256 <code>{study.arch.sha256[:12]}</code>).</p>"
    )
    kpis = [
        _kpi(_g(d["total_usd"]) + " G$", "life-cycle cost"),
        _kpi(_g(d["acquisition_usd"]) + " G$", "acquisition"),
        _kpi(_g(d["operations_usd"]) + " G$", "operation and support"),
    ]
    if "p50_usd" in d:
        p = " / ".join(_g(d[k]) for k in ("p10_usd", "p50_usd", "p90_usd"))
        kpis.append(_kpi(p + " G$", f"P10 / P50 / P90 of {d['samples']} samples"))
    if study.budget_cap_usd is not None:
        kpis.append(_kpi(_g(study.budget_cap_usd) + " G$", "budget cap per fiscal year"))
    return meta + '\n<div class="headline">' + "".join(kpis) + "</div>"


def _layers_html(d: dict[str, Any]) -> str:
    rows = [
        [
            escape(k),
            f"{v['quantity']:,}",
            _g(v["acquisition_usd"]),
            _g(v["operations_usd"]),
            _g(v["total_usd"]),
        ]
        for k, v in d["by_layer"].items()
    ]
    heads = ["layer", "quantity", "acquisition G$", "O&S G$", "total G$"]
    return _table(heads, rows, numeric={1, 2, 3, 4})


def _elements_html(d: dict[str, Any]) -> str:
    e = escape

    def fy(year: object) -> str:
        return f"FY{year}" if year else "not reached"

    rows = [
        [
            e(str(r["label"])),
            e(str(r["layer"])),
            f"{r['quantity']:,} {e(r['unit'])}",
            e(str(r["quantity_basis"])),
            f"{r['units_produced']:,}",
            f"FY{r['start_fy']}",
            fy(r["ioc_fy"]),
            fy(r["foc_fy"]),
            "" if r["slip_years"] is None else f"{r['slip_years']} y",
            _g(r["total_usd"]),
        ]
        for r in d["elements"]
    ]
    heads = ["element", "layer", "target", "basis", "built", "start", "IOC", "FOC", "slip", "G$"]
    return _table(heads, rows, numeric={2, 4, 5, 6, 7, 8, 9})


def _sources_html(study: CostStudy, d: dict[str, Any]) -> str:
    a = study.arch.architecture
    e = escape
    parts = [
        "<footer><h2>Method, assumptions and sources</h2>",
        "<p>Constant-dollar budget authority counted in the year of delivery; production "
        "limited by each item's rate (ramp and surge) and, with a cap, by the money left "
        "after development and operation and support; replacements at the end of each "
        "unit's service life; learning curves on each line; triangular input ranges sampled "
        "by Latin hypercube (see <code>shieldlab.analysis.lifecycle</code>).</p>",
    ]
    if a.source:
        parts.append(f"<p><b>Reproduces:</b> {e(a.source)}</p>")
    if a.assumptions:
        parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in a.assumptions) + "</ul>")
    rows = [[e(str(r["label"])), e(str(r["item"])), e(str(r["source"]))] for r in d["elements"]]
    parts.append(_table(["element", "catalog item", "source"], rows, numeric=set()))
    parts.append(
        f"<details><summary>Architecture file</summary><pre>{e(study.arch.text)}</pre></details>"
    )
    parts.append("</footer>")
    return "\n".join(parts)


def _supply_html(supply: dict[str, Any]) -> str:
    e = escape
    rows = [
        [
            e(r["component"]),
            e(", ".join(r["suppliers"])) + (" <b>(sole source)</b>" if r["single_source"] else ""),
            "" if r["adversary_share"] is None else f"{100 * r['adversary_share']:.0f} %",
            e(", ".join(r["layers"])),
            e(", ".join(str(y) for y in r["shortfall_years"]) or "none"),
            "–" if r["peak_demand_to_capacity"] is None else f"{r['peak_demand_to_capacity']:.1f}",
        ]
        for r in supply["components"]
    ]
    heads = [
        "component",
        "suppliers",
        "adversary share",
        "layers",
        "years short",
        "peak / capacity",
    ]
    parts = ["<h2>Supply chain</h2>", _table(heads, rows, numeric={2, 5})]
    o = supply.get("outage")
    if o:
        moved = [r for r in o["elements"] if r["foc_fy"] != r["foc_fy_with_outage"]]
        parts.append(
            f"<p>Outage of one <code>{e(o['component'])}</code> supplier for {o['months']} "
            f"months from FY{o['start_fy']}: "
            + (
                "; ".join(
                    f"{e(r['element'])} FOC FY{r['foc_fy']} → "
                    + (f"FY{r['foc_fy_with_outage']}" if r["foc_fy_with_outage"] else "not reached")
                    for r in moved
                )
                or "no element's full capability moves"
            )
            + ".</p>"
        )
    return "\n".join(parts)


def write_cost_report(
    study: CostStudy, out_path: Path, supply: dict[str, Any] | None = None
) -> Path:
    """Write the cost page of ``study`` (and its supply-chain exposure) to ``out_path``."""
    d: dict[str, Any] = study.as_dict()
    title = f"shieldlab cost — {study.arch.architecture.name}"
    parts = [f"<h1>{escape(title)}</h1>", _headline_html(study, d)]
    parts.append("<h2>Spending by fiscal year</h2>")
    parts.append(_figure_html(spending_figure(d), "spending", first=True))
    parts.append(_layers_html(d))
    parts.append("<h2>Fielding</h2>")
    parts.append(_figure_html(fielding_figure(d), "fielding", first=False))
    parts.append(_elements_html(d))
    if "s_curve" in d:
        parts.append("<h2>Cost uncertainty (S-curve)</h2>")
        parts.append(_figure_html(s_curve_figure(d), "scurve", first=False))
    if d["tornado"]:
        parts.append("<h2>What drives the spread (tornado)</h2>")
        parts.append(_figure_html(tornado_figure(d), "tornado", first=False))
    if supply is not None:
        parts.append(_supply_html(supply))
    parts.append(_sources_html(study, d))
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path
