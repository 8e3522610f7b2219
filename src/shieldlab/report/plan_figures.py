"""The plotly figures of the plan report (:mod:`shieldlab.report.plan_html`).

Here too: the formatting and input-access helpers the page shares with the
figures, and the map's assets — the land and state lines of
``data/world_110m.json`` (see ``html.py``), registered under the name plotly.js
fetches for the ``usa`` scope (``usa_110m``): the world file's ``subunits`` are
the US states and the Albers USA projection clips the rest.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shieldlab.report.html import _load_topojson

__all__ = [
    "capability_figure",
    "fielding_figure",
    "locations_figure",
    "pareto_figure",
    "spending_figure",
]

_LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
}
_B = "$B"
_TIER_COLOURS = {"rogue": "#1f77b4", "near-peer": "#ff7f0e", "peer": "#d62728"}
_MORE_COLOURS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_CATEGORIES: dict[str, str] = {
    "development": "#4c78a8",
    "procurement": "#f58518",
    "launch": "#54a24b",
    "operations": "#b279a2",
    "replenishment": "#9d755d",
}
_METRICS: dict[str, str] = {
    "p_no_leaker": "P(no leaker)",
    "value_lost": "expected value lost per raid [value]",
    "leakers": "expected leakers per raid",
}
_DEFENDED = "#1f9e5a"
_UNDEFENDED = "#d62728"


# --- formatting ----------------------------------------------------------------


def _finite(v: object) -> float | None:
    """``v`` as a finite float, else None (None, NaN, text)."""
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _num(v: object, fmt: str = ".2f") -> str:
    f = _finite(v)
    return "–" if f is None else format(f, fmt)


def _b(usd: object) -> str:
    """Dollars in $B, one decimal ("–" where unknown)."""
    f = _finite(usd)
    return "–" if f is None else f"{f / 1e9:,.1f}"


def _qty(v: object) -> str:
    """A quantity: whole numbers with thousands separators, else three significant digits."""
    f = _finite(v)
    if f is None:
        return "–"
    if f == round(f) or abs(f) >= 1000:
        return f"{f:,.0f}"
    return f"{f:.3g}"


def _pe(v: object) -> str:
    """Escaped text for a plotly label: ``& < >`` only (plotly.js decodes ``&amp; &lt;
    &gt;`` and numeric entities but shows ``&quot;`` as is)."""
    return escape(str(v), quote=False)


def _dollars(d: dict[str, Any]) -> str:
    return f"constant FY{escape(str(_plan(d).get('dollars_fy', '?')))} dollars"


def _design_text(design: dict[str, Any] | None) -> str:
    """``{element: quantity}`` as escaped text, e.g. ``SBI shell 1,200 · GBI/NGI 44``."""
    if not design:
        return "–"
    return " · ".join(f"{_pe(k)} {_qty(v)}" for k, v in design.items())


# --- input access ---------------------------------------------------------------


def _sec(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _list(d: dict[str, Any], key: str) -> list[Any]:
    v = d.get(key)
    return v if isinstance(v, list) else []


def _plan(d: dict[str, Any]) -> dict[str, Any]:
    return _sec(d, "plan")


def _tiers(d: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The plan's tiers, then any other tier the rows name, in order of appearance."""
    out = [str(t) for t in _list(_plan(d), "tiers")]
    for r in rows:
        t = str(r.get("tier"))
        if t not in out:
            out.append(t)
    return [t for t in out if any(str(r.get("tier")) == t for r in rows)]


def _colour(tier: str) -> str:
    if tier in _TIER_COLOURS:
        return _TIER_COLOURS[tier]
    return _MORE_COLOURS[sum(map(ord, tier)) % len(_MORE_COLOURS)]


def _goal_value(g: dict[str, Any]) -> float | None:
    return _finite(g.get("at_least") if g.get("at_least") is not None else g.get("at_most"))


# --- figures --------------------------------------------------------------------


def _empty(fig: go.Figure, text: str, axes: bool = False) -> go.Figure:
    """``text`` in the middle of ``fig``; cartesian axes hidden unless ``axes``."""
    if not axes:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14}
    )
    return fig


def _pareto_hover(r: dict[str, Any]) -> str:
    return (
        f"{_b(r.get('cost_usd'))} {_B}, value lost {_num(r.get('value_lost'), ',.1f')}"
        f"<br>P(no leaker) {_num(r.get('p_no_leaker'), '.3f')}, "
        f"leakers {_num(r.get('leakers'))}<br>{_design_text(r.get('design'))}"
    )


def _reference_point(d: dict[str, Any], tier: str) -> list[dict[str, Any]]:
    """The recommended design against ``tier`` in the design year, as a Pareto row (it
    need not lie on the front: the cheapest design meeting every goal)."""
    ra = _sec(d, "reference_architecture")
    rows = [r for r in _list(ra, "effectiveness") if str(r.get("tier")) == tier]
    year = _plan(d).get("design_year")
    rows = [r for r in rows if r.get("year") == year] or rows[-1:]
    if not rows or _finite(ra.get("cost_usd")) is None:
        return []
    design = {str(r.get("element")): r.get("quantity") for r in _list(ra, "design")}
    return [rows[0] | {"cost_usd": ra["cost_usd"], "design": design}]


def _pareto_marks(
    fig: go.Figure,
    d: dict[str, Any],
    tier: str,
    pts: list[dict[str, Any]],
    col: int,
    shown: set[str],
) -> None:
    """The knee of one tier's front and the recommended design (flagged on the front, else
    the reference architecture's point)."""
    for key, label, symbol, size, colour in (
        ("knee", "knee of the front", "diamond-open", 16, "#1f1f1f"),
        ("recommended", "recommended design", "star", 18, "#ffb000"),
    ):
        sel = [r for r in pts if r.get(key)]
        if key == "recommended" and not sel:
            sel = _reference_point(d, tier)
        if not sel:
            continue
        fig.add_scatter(
            x=[(_finite(r.get("cost_usd")) or 0.0) / 1e9 for r in sel],
            y=[_finite(r.get("value_lost")) for r in sel],
            text=[_pareto_hover(r) for r in sel],
            hovertemplate="%{text}<extra>" + label + "</extra>",
            mode="markers",
            marker={"symbol": symbol, "size": size, "color": colour, "line": {"width": 1.5}},
            name=label,
            legendgroup=key,
            showlegend=key not in shown,
            row=1,
            col=col,
        )
        shown.add(key)


def pareto_figure(d: dict[str, Any]) -> go.Figure:
    """One panel per tier: 20-year cost [$B] against expected value lost; knee and
    recommended design marked, value-lost goals dashed."""
    rows = _list(d, "pareto")
    tiers = _tiers(d, rows)
    if not tiers:
        return _empty(go.Figure(layout=_LAYOUT), "no Pareto front in this plan")
    fig = make_subplots(
        rows=1, cols=len(tiers), subplot_titles=[_pe(t) for t in tiers], horizontal_spacing=0.07
    )
    shown: set[str] = set()
    for col, tier in enumerate(tiers, 1):
        pts = sorted(
            (r for r in rows if str(r.get("tier")) == tier),
            key=lambda r: _finite(r.get("cost_usd")) or 0.0,
        )
        fig.add_scatter(
            x=[(_finite(r.get("cost_usd")) or 0.0) / 1e9 for r in pts],
            y=[_finite(r.get("value_lost")) for r in pts],
            text=[_pareto_hover(r) for r in pts],
            hovertemplate="%{text}<extra>" + _pe(tier) + "</extra>",
            mode="lines+markers",
            line={"color": _colour(tier)},
            name=f"front vs {_pe(tier)}",
            row=1,
            col=col,
        )
        _pareto_marks(fig, d, tier, pts, col, shown)
        _goal_lines(fig, d, tier, "value_lost", col)
        fig.update_xaxes(title_text=f"20-year cost [{_B}]", row=1, col=col)
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text=_METRICS["value_lost"], row=1, col=1)
    fig.update_layout(
        **{**_LAYOUT, "height": 480, "margin": {"l": 60, "r": 20, "t": 70, "b": 60}},
        legend={"orientation": "h", "x": 0.0, "y": -0.2, "yanchor": "top"},
    )
    return fig


def _goal_lines(fig: go.Figure, d: dict[str, Any], tier: str | None, metric: str, col: int) -> None:
    """Dashed line at each goal on ``metric`` (of ``tier``; None: every tier) in panel ``col``."""
    for g in _list(_plan(d), "goals"):
        v = _goal_value(g)
        if g.get("metric") != metric or v is None or tier not in (None, g.get("tier")):
            continue
        fig.add_hline(
            y=v,
            line_dash="dash",
            line_color=_colour(str(g.get("tier"))),
            annotation_text="goal: " + _pe(g.get("label") or ""),
            annotation_font_size=11,
            row=1,
            col=col,
            exclude_empty_subplots=False,
        )


def _capability_metrics(d: dict[str, Any]) -> list[str]:
    """P(no leaker) and value lost always; leakers where a goal is set on them."""
    goals = _list(_plan(d), "goals")
    return ["p_no_leaker", "value_lost"] + (
        ["leakers"] if any(g.get("metric") == "leakers" for g in goals) else []
    )


def capability_figure(d: dict[str, Any]) -> go.Figure:
    """Per tier by fiscal year, the implementation plan's P(no leaker) and expected value
    lost (leakers too where a goal is on them), goals dashed."""
    rows = _list(_sec(d, "implementation_plan"), "effectiveness")
    metrics = _capability_metrics(d)
    fig = make_subplots(
        rows=1,
        cols=len(metrics),
        subplot_titles=[_METRICS[m] for m in metrics],
        horizontal_spacing=0.08,
    )
    for tier in _tiers(d, rows):
        pts = sorted((r for r in rows if str(r.get("tier")) == tier), key=lambda r: r.get("year"))
        for col, m in enumerate(metrics, 1):
            fig.add_scatter(
                x=[r.get("year") for r in pts],
                y=[_finite(r.get(m)) for r in pts],
                mode="lines+markers",
                line={"color": _colour(tier)},
                name=_pe(tier),
                legendgroup=tier,
                showlegend=col == 1,
                hovertemplate="FY%{x}: %{y:.3~f}<extra>" + _pe(tier) + "</extra>",
                row=1,
                col=col,
            )
    for col, m in enumerate(metrics, 1):
        _goal_lines(fig, d, None, m, col)
        fig.update_xaxes(title_text="fiscal year", tickformat="d", col=col)
        fig.update_yaxes(rangemode="tozero", row=1, col=col)
    fig.update_yaxes(range=[0.0, 1.05], title_text="probability", row=1, col=1)
    if not rows:
        _empty(fig, "no effectiveness by year in this plan")
    fig.update_layout(
        **{**_LAYOUT, "margin": {"l": 60, "r": 20, "t": 70, "b": 50}},
        legend={"orientation": "h", "x": 0.0, "y": -0.18},
    )
    return fig


def _reference_quantities(d: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in _list(_sec(d, "reference_architecture"), "design"):
        q = _finite(r.get("quantity"))
        if q is not None:
            out[str(r.get("element"))] = q
    return out


def _fielding_panel(
    fig: go.Figure, f: dict[str, Any], years: list[Any], target: float | None, row: int, col: int
) -> None:
    """One element's units in service by FY (panel ``row``, ``col`` from 0), the
    reference quantity dotted; whole-unit ticks for small counts."""
    name = _pe(f.get("element"))
    counts = list(f.get("by_year") or [])
    fig.add_scatter(
        x=years,
        y=counts,
        mode="lines+markers",
        line={"shape": "hv", "color": "#1f4e9e"},
        marker={"size": 5},
        showlegend=False,
        hovertemplate="FY%{x}: %{y:,} in service<extra>" + name + "</extra>",
        row=row + 1,
        col=col + 1,
    )
    if target is not None:
        fig.add_hline(
            y=target,
            line_dash="dot",
            line_color="#888",
            annotation_text=f"reference {_qty(target)}",
            annotation_font_size=10,
            row=row + 1,
            col=col + 1,
            exclude_empty_subplots=False,
        )
    top = max([_finite(c) or 0.0 for c in counts] + [target or 0.0])
    if top <= 5:
        fig.update_yaxes(dtick=1, row=row + 1, col=col + 1)


def fielding_figure(d: dict[str, Any]) -> go.Figure:
    """One small panel per element: units in service at the end of each FY, with the
    reference architecture's quantity dotted."""
    ip = _sec(d, "implementation_plan")
    years, fielded = _list(ip, "years"), _list(ip, "fielded")
    if not fielded:
        return _empty(go.Figure(layout=_LAYOUT), "nothing fielded in this plan")
    ncols = 2 if len(fielded) in (2, 4) else min(3, len(fielded))
    nrows = -(-len(fielded) // ncols)
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        subplot_titles=[_pe(f.get("element")) for f in fielded],
        horizontal_spacing=0.08,
        vertical_spacing=min(0.3, 0.5 / nrows),
    )
    target = _reference_quantities(d)
    for i, f in enumerate(fielded):
        _fielding_panel(fig, f, years, target.get(str(f.get("element"))), *divmod(i, ncols))
    fig.update_yaxes(rangemode="tozero", tickformat=",~r")
    fig.update_yaxes(title_text="units in service", col=1)
    fig.update_xaxes(title_text="fiscal year", row=nrows)
    fig.update_layout(
        **{
            **_LAYOUT,
            "height": 110 + (240 if nrows <= 2 else 200) * nrows,
            "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
        }
    )
    return fig


def spending_figure(d: dict[str, Any]) -> go.Figure:
    """Stacked bars: spending per fiscal year by category [$B], the per-FY cap dashed."""
    rows = _list(_sec(d, "funding_plan"), "by_year")
    fig = go.Figure()
    for cat, colour in _CATEGORIES.items():
        fig.add_bar(
            x=[r.get("fy") for r in rows],
            y=[(_finite(r.get(cat)) or 0.0) / 1e9 for r in rows],
            name=cat,
            marker_color=colour,
            hovertemplate="FY%{x}: %{y:,.2f} " + _B + "<extra>" + cat + "</extra>",
        )
    cap = _finite(_plan(d).get("budget_cap_usd_per_year"))
    if cap is not None:
        fig.add_hline(
            y=cap / 1e9, line_dash="dash", annotation_text=f"budget cap {_b(cap)} {_B} per FY"
        )
    if not rows:
        _empty(fig, "no spending in this plan")
    fig.update_layout(
        barmode="stack",
        xaxis_title="fiscal year",
        yaxis_title=f"{_B} per FY ({_dollars(d)})",
        legend={"orientation": "h", "x": 0.0, "y": 1.08, "traceorder": "normal"},
        **_LAYOUT,
    )
    return fig


def _location_hover(r: dict[str, Any]) -> str:
    return (
        f"#{_pe(r.get('rank'))} {_pe(r.get('name'))} "
        f"({_pe(r.get('category'))})<br>value {_num(r.get('value'), '.3g')} × threat "
        f"{_num(r.get('threat'), '.3g')} = score {_num(r.get('score'), ',.1f')}"
        f"<br>defended by: {_pe(r.get('defended_by') or '—')}"
    )


def _battery_trace(rows: list[dict[str, Any]], placed: list[Any]) -> go.Scattergeo:
    """Triangles at the locations where the placement sites a battery."""
    at = {str(r.get("name")): r for r in rows}
    sites: dict[str, list[str]] = {}
    for p in placed:
        if isinstance(p, list | tuple) and len(p) == 2 and str(p[1]) in at:
            sites.setdefault(str(p[1]), []).append(str(p[0]))
    return go.Scattergeo(
        lat=[at[s].get("lat_deg") for s in sites],
        lon=[at[s].get("lon_deg") for s in sites],
        mode="markers",
        marker={"symbol": "triangle-up", "size": 9, "color": "#1f4e9e"},
        name="battery sited",
        text=[f"{_pe(s)}: {_pe(', '.join(o))}" for s, o in sites.items()],
        hoverinfo="text",
        showlegend=bool(sites),
    )


def locations_figure(d: dict[str, Any]) -> go.Figure:
    """Map (Albers USA) of the ranked locations: defended green, undefended red, sized by
    √score; batteries sited as triangles."""
    pl = _sec(d, "prioritized_locations")
    rows = _list(pl, "rows")
    smax = max((_finite(r.get("score")) or 0.0 for r in rows), default=0.0) or 1.0
    fig = go.Figure()
    for defended, label, colour in (
        (True, "defended", _DEFENDED),
        (False, "undefended", _UNDEFENDED),
    ):
        sel = [r for r in rows if bool(r.get("defended")) is defended]
        size = [
            7.0 + 20.0 * math.sqrt(max(_finite(r.get("score")) or 0.0, 0.0) / smax) for r in sel
        ]
        fig.add_scattergeo(
            lat=[r.get("lat_deg") for r in sel],
            lon=[r.get("lon_deg") for r in sel],
            mode="markers",
            marker={"size": size, "color": colour, "opacity": 0.8, "line": {"width": 1}},
            name=f"{label} (size ∝ √score)",
            text=[_location_hover(r) for r in sel],
            hoverinfo="text",
            showlegend=bool(sel),
        )
    fig.add_trace(_battery_trace(rows, _list(_sec(pl, "placement"), "placed")))
    fig.update_geos(
        scope="usa",
        showland=True,
        landcolor="#eeeae0",
        showlakes=False,
        showsubunits=True,
        subunitcolor="#c4c4c4",
        showcountries=True,
        countrycolor="#9a9a9a",
        showcoastlines=True,
        coastlinecolor="#6b6b6b",
    )
    if not rows:
        _empty(fig, "no locations ranked in this plan", axes=True)
    fig.update_layout(
        template="plotly_white",
        height=520,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend={"orientation": "h", "x": 0.0, "y": 0.0, "yanchor": "top"},
    )
    return fig


# --- map assets -----------------------------------------------------------------


def _geo_assets() -> str:
    """The world topojson, registered as the file plotly.js loads for ``scope="usa"``."""
    topo = json.dumps(json.loads(_load_topojson()), separators=(",", ":")).replace("</", "<\\/")
    return f'<script>window.PlotlyGeoAssets = {{"topojson": {{"usa_110m": {topo}}}}};</script>'
