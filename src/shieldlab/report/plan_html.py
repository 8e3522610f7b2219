"""Self-contained HTML page of a plan (``shieldlab plan``), in the order of the executive order.

From the ``shieldlab plan --json`` object: a summary (the recommended design, its
20-year cost, the goals it meets and from which fiscal year), then the six
sections — 1. the threat assessment (inventory and raid per tier, class and
year, with their sources; the classes the raid leaves out), 2. the reference
architecture and its effectiveness, 3. the capabilities-based requirements
(design value against the threshold that still meets the goals), 4. the
implementation plan (capability and fielding by year, slips under the budget
cap), 5. the funding plan (spending by category and year), 6. the prioritized
locations (map, ranking, battery placement) — then the trade space (Pareto
fronts of cost against expected value lost, per tier) and the annex (engine
confirmation of the analytic model, assumptions, sources).

Money in constant dollars of ``plan.dollars_fy``, shown in $B (1e9 $). Value:
the defended assets' relative value (a metro: its population in millions; a
deterrent or command site: 10, or, with a ``deterrent:`` laydown in the scenario,
its share by the second-strike warheads it protects), as in
:mod:`shieldlab.analysis.locations`.

The page needs no network: plotly.js is inlined once (with the first figure)
and so are the map's land and state lines (the figures and the map assets:
:mod:`shieldlab.report.plan_figures`). Every string of the input is
HTML-escaped. The output is deterministic: the same object gives the same bytes.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from shieldlab.report.html import _CSS, _figure_html, _kpi, _table
from shieldlab.report.plan_figures import (
    _B,
    _CATEGORIES,
    _b,
    _design_text,
    _dollars,
    _finite,
    _geo_assets,
    _goal_value,
    _list,
    _num,
    _plan,
    _qty,
    _sec,
    _tiers,
    capability_figure as capability_figure,
    fielding_figure as fielding_figure,
    locations_figure as locations_figure,
    pareto_figure as pareto_figure,
    spending_figure as spending_figure,
)

__all__ = [
    "FIGURE_IDS",
    "SECTIONS",
    "capability_figure",
    "fielding_figure",
    "locations_figure",
    "pareto_figure",
    "plan_report_html",
    "spending_figure",
]

SECTIONS: tuple[str, ...] = (
    "1. Threat assessment",
    "2. Reference architecture",
    "3. Capabilities-based requirements",
    "4. Implementation plan",
    "5. Funding plan",
    "6. Prioritized locations to defend",
)
"""The six sections the executive order names, in its order."""

FIGURE_IDS: tuple[str, ...] = ("capability", "fielding", "spending", "locations-map", "pareto")
"""The ``id`` of every figure's div, in page order (the first carries plotly.js)."""

_PLAN_CSS = (
    _CSS
    + """
nav.toc { font-size: 0.9em; color: #555; margin: 0.6em 0 1em; }
nav.toc a { color: #1f4e9e; text-decoration: none; margin-right: 0.9em; white-space: nowrap; }
.summary { font-size: 1.05em; }
.warn { border: 1px solid #e0a800; border-left: 6px solid #e0a800; background: #fff8e1;
        border-radius: 4px; padding: 0.6em 1em; margin: 1em 0; }
.warn ul { margin: 0.3em 0 0 0; }
.src { color: #555; font-size: 0.85em; }
.nw { white-space: nowrap; }
.bad { color: #b00020; font-weight: 600; }
.good { color: #1f7a3f; font-weight: 600; }
h3 { font-size: 1.05em; margin-top: 1.3em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  nav.toc, .modebar-container { display: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, .kpi, .warn, .plotly-graph-div { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""
)


# --- formatting ----------------------------------------------------------------


def _fy(year: object, missing: str = "–") -> str:
    return missing if year is None else f"FY{escape(str(year))}"


def _warn(title: str, items: list[str]) -> str:
    """Warning box: an escaped title and already-escaped items."""
    body = "<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>" if items else ""
    return f'<div class="warn"><b>{title}</b>{body}</div>'


def _nowrap(text: str) -> str:
    return f'<span class="nw">{escape(text)}</span>'


def _yes_no(flag: object, yes: str = "yes", no: str = "no") -> str:
    return f'<span class="good">{yes}</span>' if flag else f'<span class="bad">{no}</span>'


# --- header and summary ---------------------------------------------------------


def _meta_html(d: dict[str, Any]) -> str:
    p, e = _plan(d), escape
    tiers = ", ".join(map(str, _list(p, "tiers"))) or "none"
    years = [int(y) for y in _list(p, "years")]
    span = f"FY{min(years)}–FY{max(years)}" if years else "no years"
    money = []
    if _finite(p.get("total_budget_usd")) is not None:
        money.append(f"total budget {_b(p['total_budget_usd'])} {_B}")
    if _finite(p.get("budget_cap_usd_per_year")) is not None:
        money.append(f"cap {_b(p['budget_cap_usd_per_year'])} {_B} per FY")
    return (
        f'<p class="meta">{e(str(p.get("description") or ""))}<br>Threat years {span}, design '
        f"year {_fy(p.get('design_year'))}; tiers {e(tiers)}; "
        f"money in {_dollars(d)}{'; ' + '; '.join(money) if money else ''}. Plan "
        f"<code>{e(str(p.get('path') or ''))}</code>, architecture "
        f"<code>{e(str(p.get('architecture') or ''))}</code>; "
        f"{_qty(d.get('evaluations'))} designs evaluated in {_num(d.get('elapsed_s'), ',.0f')} s."
        "</p>"
    )


def _last_year(d: dict[str, Any]) -> str:
    years = _list(_sec(d, "implementation_plan"), "years") or _list(_plan(d), "years")
    return _fy(max(years) if years else None, "the last year")


def _meets(g: dict[str, Any], value: float) -> bool:
    v = _goal_value(g) or 0.0
    return value >= v - 1e-12 if g.get("at_least") is not None else value <= v + 1e-12


def _unmet_after(d: dict[str, Any], first: dict[str, Any]) -> list[int]:
    """Fiscal years after a goal is first met in which the implementation plan misses it."""
    goals = {str(g.get("label")): g for g in _list(_plan(d), "goals")}
    g, fy = goals.get(str(first.get("goal"))), _finite(first.get("fy"))
    if g is None or fy is None or _goal_value(g) is None:
        return []
    out = []
    for r in _list(_sec(d, "implementation_plan"), "effectiveness"):
        x, year = _finite(r.get(str(g.get("metric")))), _finite(r.get("year"))
        if r.get("tier") == g.get("tier") and x is not None and year is not None and year > fy:
            if not _meets(g, x):
                out.append(int(year))
    return sorted(out)


def _fy_ranges(years: list[int]) -> str:
    """``FY2031–FY2035, FY2040`` (runs of consecutive years joined)."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"FY{r[0]}" if len(r) == 1 else f"FY{r[0]}–FY{r[-1]}" for r in runs)


def _goal_years(d: dict[str, Any]) -> list[str]:
    """Per goal: ``<goal> from FYyyyy`` (and the years it is missed again), or ``<goal>
    not met by FYlast``."""
    last = _last_year(d)
    out = []
    for g in _list(_sec(d, "implementation_plan"), "goal_first_met"):
        text = f"{escape(str(g.get('goal')))} "
        if g.get("fy") is None:
            out.append(text + f"<b>not met by {last}</b>")
            continue
        lapses = _unmet_after(d, g)
        again = f" but <b>missed again in {_fy_ranges(lapses)}</b>" if lapses else ""
        out.append(text + f"from {_fy(g['fy'])}{again}")
    return out


def _summary_html(d: dict[str, Any]) -> str:
    ra = _sec(d, "reference_architecture")
    design = {str(r.get("element")): r.get("quantity") for r in _list(ra, "design")}
    goals = _list(_plan(d), "goals")
    year = _fy(_plan(d).get("design_year"), "the design year")
    verdict = (
        "No goals are set."
        if not goals
        else f"It meets every goal in {year}."
        if ra.get("goals_met")
        else f"It does <b>not</b> meet every goal in {year}."
    )
    when = _goal_years(d)
    return (
        f'<p class="summary"><b>Recommended architecture</b> '
        f"({escape(str(ra.get('basis') or 'no basis given'))}): {_design_text(design)}, for "
        f"<b>{_b(ra.get('cost_usd'))} {_B}</b> over 20 years ({_dollars(d)}). {verdict}"
        + (f" Fielded on the implementation plan: {'; '.join(when)}." if when else "")
        + "</p>"
    )


def _held_from(d: dict[str, Any], first: dict[str, Any]) -> int | None:
    """The FY from which a goal is met to the end of the plan (None: missed at the end)."""
    fy = _finite(first.get("fy"))
    if fy is None:
        return None
    lapses = _unmet_after(d, first)
    if not lapses:
        return int(fy)
    rows = _list(_sec(d, "implementation_plan"), "effectiveness")
    later = [int(y) for r in rows if (y := _finite(r.get("year"))) is not None and y > lapses[-1]]
    return min(later) if later else None


def _headline_html(d: dict[str, Any]) -> str:
    ra, fp = _sec(d, "reference_architecture"), _sec(d, "funding_plan")
    firsts = _list(_sec(d, "implementation_plan"), "goal_first_met")
    held = [_held_from(d, r) for r in firsts]
    n = len(firsts) or len(_list(_plan(d), "goals"))
    met = [y for y in held if y is not None]
    last = _last_year(d)
    all_from = "–" if not held else _fy(max(met)) if len(met) == len(held) else f"not by {last}"
    kpis = [
        _kpi(f"{_b(ra.get('cost_usd'))} {_B}", "20-year cost of the recommended design"),
        _kpi(f"{len(met)} of {n}", f"goals met in {last}, the last FY"),
        _kpi(all_from, "all goals met from (and held)"),
        _kpi(f"{_b(fp.get('total_usd'))} {_B}", "funding plan total"),
    ]
    return '<div class="headline">' + "".join(kpis) + "</div>"


def _toc_html() -> str:
    links = [f'<a href="#s{i}">{escape(s)}</a>' for i, s in enumerate(SECTIONS, 1)]
    links += ['<a href="#trade">Trade space</a>', '<a href="#annex">Annex</a>']
    return '<nav class="toc">' + " ".join(links) + "</nav>"


# --- 1. threat assessment -------------------------------------------------------


_INTERPOLATED = re.compile(r"^interpolated \d{4}-\d{4}: ")
_HELD_FLAT = re.compile(r" \(held flat from \d{4}\)$")


def _anchors(source: str) -> list[str]:
    """The anchor notes a year's source text cites (``threat_tiers.class_source``: the
    interpolation and held-flat wording dropped, split at ``; `` outside parentheses)."""
    text = _HELD_FLAT.sub("", _INTERPOLATED.sub("", source.strip()))
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _threat_table(rows: list[dict[str, Any]], tiers: list[str]) -> str:
    """Tier × class rows, one ``inventory / raid`` column per year (the year's source on
    hover), the anchors cited as numbered notes below the table."""
    years = sorted({r.get("year") for r in rows}, key=str)
    keys: list[tuple[str, str]] = []
    cell: dict[tuple[str, str, Any], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: tiers.index(str(r.get("tier")))):
        k = (str(r.get("tier")), str(r.get("threat")))
        if k not in keys:
            keys.append(k)
        cell[(*k, r.get("year"))] = r
    notes: dict[str, int] = {}

    def at(k: tuple[str, str], y: Any) -> str:
        r = cell.get((*k, y))
        if r is None:
            return "–"
        src = escape(str(r.get("source") or ""), quote=True)
        return f'<span title="{src}">{_qty(r.get("inventory"))} / {_qty(r.get("raid"))}</span>'

    def cites(k: tuple[str, str]) -> str:
        found = [str(cell[(*k, y)].get("source") or "") for y in years if (*k, y) in cell]
        ids = [notes.setdefault(a, len(notes) + 1) for f in found for a in _anchors(f)]
        return " ".join(f"[{n}]" for n in dict.fromkeys(ids)) or "–"

    body = [
        [_nowrap(t), _nowrap(c), *[at((t, c), y) for y in years], cites((t, c))] for t, c in keys
    ]
    heads = ["tier", "threat class", *[f"FY{y}" for y in years], "source"]
    table = _table(heads, body, numeric=set(range(2, 2 + len(years))))
    listed = "".join(f"<li>{escape(a)}</li>" for a in notes)
    return table + (f'\n<ol class="src">{listed}</ol>' if notes else "")


def _raids_table(raids: list[dict[str, Any]]) -> str:
    body = [
        [
            escape(str(r.get("tier"))),
            _fy(r.get("year")),
            escape(", ".join(f"{k} {v}" for k, v in (r.get("flown") or {}).items())) or "–",
            _qty(r.get("groups")),
        ]
        for r in raids
    ]
    heads = ["tier", "FY", "missiles flown for the geometry, by class", "groups modelled"]
    return _table(heads, body, numeric={1, 3})


def _not_flown_html(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    items = [
        f"{escape(str(r.get('tier')))}: <b>{escape(str(r.get('threat')))}</b> "
        f"(inventory {_qty(r.get('inventory'))})"
        + (f" — {escape(str(r['note']))}" if r.get("note") else "")
        for r in rows
    ]
    return _warn(
        "Not flown: the raid leaves these classes out, so the answer flatters the defense "
        "against them.",
        items,
    )


def _threat_html(d: dict[str, Any]) -> str:
    ta = _sec(d, "threat_assessment")
    rows = _list(ta, "rows")
    parts = [
        '<p class="note">Missiles (not warheads: a MIRVed missile counts once) of each class '
        "that can reach the homeland, per tier and fiscal year: <em>inventory / raid</em>, the "
        "raid being the share of the inventory the tier is assumed to send at the homeland. "
        "Hover a cell for its source; between anchor years the counts are interpolated, after "
        "the last one held flat.</p>",
        _not_flown_html(_list(ta, "not_flown")),
        _threat_table(rows, _tiers(d, rows)) if rows else "<p>No threat projection.</p>",
    ]
    raids = _list(ta, "raids")
    if raids:
        parts += ["<h3>Raids flown in the model</h3>", _raids_table(raids)]
    parts.append(_projection_sources(d))
    return "\n".join(p for p in parts if p)


def _projection_sources(d: dict[str, Any]) -> str:
    """Full citations of the projections, those the annex does not list already."""
    srcs = _list(_sec(d, "threat_assessment"), "sources")
    if not srcs:
        return ""
    annex = {str(x) for x in _list(d, "sources")}
    extra = [str(x) for x in srcs if str(x) not in annex]
    if not extra:
        return (
            '<p class="src">Full citations of the sources: see the <a href="#annex">Annex</a>.</p>'
        )
    return (
        '<p class="src"><b>Sources of the projections:</b></p>\n<ul class="src">'
        + "".join(f"<li>{escape(x)}</li>" for x in extra)
        + "</ul>"
    )


# --- 2. reference architecture --------------------------------------------------


def _effectiveness_table(rows: list[dict[str, Any]], tiers: list[str]) -> str:
    order = sorted(rows, key=lambda r: (tiers.index(str(r.get("tier"))), str(r.get("year"))))
    body = [
        [
            escape(str(r.get("tier"))),
            _fy(r.get("year")),
            _num(r.get("p_no_leaker"), ".3f"),
            _num(r.get("leakers")),
            _num(r.get("value_lost"), ",.1f"),
        ]
        for r in order
    ]
    heads = ["tier", "FY", "P(no leaker)", "expected leakers / raid", "expected value lost / raid"]
    return _table(heads, body, numeric={1, 2, 3, 4})


def _design_table(rows: list[dict[str, Any]]) -> str:
    def change(r: dict[str, Any]) -> str:
        q, b = _finite(r.get("quantity")), _finite(r.get("baseline"))
        return "–" if q is None or b is None else f"{q - b:+,.0f}"

    body = [
        [
            escape(str(r.get("element"))),
            escape(str(r.get("layer"))),
            _qty(r.get("quantity")),
            _qty(r.get("baseline")),
            change(r),
        ]
        for r in rows
    ]
    heads = ["element", "layer", "quantity [units]", "baseline [units]", "change"]
    return _table(heads, body, numeric={2, 3, 4})


def _reference_html(d: dict[str, Any]) -> str:
    ra = _sec(d, "reference_architecture")
    parts = [
        f"<p><b>Basis:</b> {escape(str(ra.get('basis') or 'none given').rstrip('.'))}. "
        f"<b>20-year cost:</b> {_b(ra.get('cost_usd'))} {_B} ({_dollars(d)}). <b>Every goal met "
        f"in the design year:</b> {_yes_no(ra.get('goals_met'))}.</p>"
    ]
    if ra.get("warning"):
        parts.append(_warn(escape(str(ra["warning"])), []))
    design = _list(ra, "design")
    parts.append(_design_table(design) if design else "<p>No design.</p>")
    basing = _list(ra, "basing")
    if basing:
        items = "".join(
            f"<li><b>{escape(str(b.get('decision')))}:</b> {escape(str(b.get('option')))} "
            f"({_b(b.get('cost_usd'))} {_B})</li>"
            for b in basing
        )
        parts.append(f"<p>Basing chosen:</p><ul>{items}</ul>")
    eff = _list(ra, "effectiveness")
    if eff:
        parts += [
            "<h3>Effectiveness by tier and year</h3>",
            _effectiveness_table(eff, _tiers(d, eff)),
        ]
    return "\n".join(parts)


# --- 3. requirements ------------------------------------------------------------


def _margin(v: object) -> str:
    """Design / threshold; red where it shows below 1.00."""
    m = _finite(v)
    if m is None:
        return "–"
    return f"{m:.2f}×" if m >= 0.995 else f'<span class="bad">{m:.2f}×</span>'


def _requirement_row(r: dict[str, Any], goal: str) -> list[str]:
    threshold = r.get("threshold")
    return [
        goal,
        escape(str(r.get("capability"))),
        escape(str(r.get("unit") or "")),
        _qty(r.get("design_value")),
        "not binding in range" if threshold is None else _qty(threshold),
        _margin(r.get("margin")),
        f'<span class="src">{escape(str(r.get("note") or ""))}</span>',
    ]


def _requirements_html(d: dict[str, Any]) -> str:
    rows = _list(d, "requirements")
    if not rows:
        return "<p>No capability requirement derived.</p>"
    body, last = [], None
    for r in rows:
        goal = str(r.get("goal"))
        body.append(_requirement_row(r, f"<b>{escape(goal)}</b>" if goal != last else ""))
        last = goal
    note = (
        '<p class="note">For each goal, each capability of the recommended design against the '
        "threshold: the weakest value that still meets the goal, the others held at the "
        "design. Margin = design value / threshold (below 1: the goal is not met on that "
        "capability); <em>not binding in range</em>: the goal is met over the whole range "
        "searched.</p>"
    )
    heads = ["goal", "capability", "unit", "design value", "threshold", "margin", "note"]
    return note + _table(heads, body, numeric={3, 4, 5})


# --- 4. implementation plan -----------------------------------------------------


def _slips_html(ip: dict[str, Any]) -> str:
    cap = _finite(ip.get("budget_cap_usd_per_year"))
    if not ip.get("capped"):
        return "<p>No budget cap: every element is fielded at its production rate.</p>"
    text = (
        f"<p>Under the budget cap of {_b(cap)} {_B} per FY, full operational capability "
        "(FOC) moves for these elements:</p>"
    )
    slips = [r for r in _list(ip, "slips") if r.get("foc_fy") != r.get("uncapped_foc_fy")]
    if not slips:
        return (
            f"<p>The budget cap of {_b(cap)} {_B} per FY does not bind: every element is "
            "fielded at its production rate.</p>"
        )

    def slip(r: dict[str, Any]) -> str:
        a, b = r.get("foc_fy"), r.get("uncapped_foc_fy")
        return f"{int(a) - int(b):+d} y" if a is not None and b is not None else "–"

    body = [
        [
            escape(str(r.get("element"))),
            _fy(r.get("foc_fy"), "not reached"),
            _fy(r.get("uncapped_foc_fy"), "not reached"),
            slip(r),
        ]
        for r in slips
    ]
    return text + _table(["element", "FOC with cap", "FOC uncapped", "slip"], body, {1, 2, 3})


def _implementation_html(d: dict[str, Any]) -> str:
    ip = _sec(d, "implementation_plan")
    rows = [
        [
            escape(str(g.get("goal"))),
            _fy(g.get("fy"), f'<span class="bad">not by {_last_year(d)}</span>'),
            f'<span class="bad">{_fy_ranges(lapses)}</span>' if lapses else "–",
        ]
        for g in _list(ip, "goal_first_met")
        for lapses in [_unmet_after(d, g)]
    ]
    parts = [
        '<p class="note">The recommended design bought on the production schedule of the '
        "cost model; each tier's raid of each year flown against what is in service at the "
        "end of that fiscal year. Dashed lines: the goals.</p>",
        _figure_html(capability_figure(d), "capability", first=True),
        _table(["goal", "first FY met", "missed again in"], rows, numeric={1})
        if rows
        else "<p>No goals set.</p>",
        _slips_html(ip),
        "<h3>Fielding</h3>",
        _figure_html(fielding_figure(d), "fielding", first=False),
    ]
    return "\n".join(parts)


# --- 5. funding plan ------------------------------------------------------------


def _by_year_table(rows: list[dict[str, Any]]) -> str:
    body = [
        [_fy(r.get("fy")), *[_b(r.get(c)) for c in _CATEGORIES], f"<b>{_b(r.get('total'))}</b>"]
        for r in rows
    ]
    heads = ["FY", *[f"{c} [{_B}]" for c in _CATEGORIES], f"total [{_B}]"]
    return _table(heads, body, numeric=set(range(len(heads))))


def _by_element_table(rows: list[dict[str, Any]], total: float | None) -> str:
    def share(v: object) -> str:
        f = _finite(v)
        if f is None or not total:
            return "–"
        pct = 100 * f / total
        return f"{pct:.1f} %" if abs(pct) < 10 else f"{pct:.0f} %"

    body = [
        [
            escape(str(r.get("element"))),
            escape(str(r.get("layer"))),
            _b(r.get("total_usd")),
            share(r.get("total_usd")),
        ]
        for r in rows
    ]
    return _table(["element", "layer", f"total [{_B}]", "share"], body, numeric={2, 3})


def _funding_html(d: dict[str, Any]) -> str:
    fp = _sec(d, "funding_plan")
    by_year = _list(fp, "by_year")
    peak = max(by_year, key=lambda r: _finite(r.get("total")) or 0.0, default=None)
    kpis = [_kpi(f"{_b(fp.get('total_usd'))} {_B}", f"total, {_dollars(d)}")]
    if peak is not None:
        kpis.append(_kpi(f"{_b(peak.get('total'))} {_B}", f"peak, in {_fy(peak.get('fy'))}"))
    parts = [
        '<div class="headline">' + "".join(kpis) + "</div>",
        _figure_html(spending_figure(d), "spending", first=False),
    ]
    by_el = _list(fp, "by_element")
    if by_el:
        parts += ["<h3>By element</h3>", _by_element_table(by_el, _finite(fp.get("total_usd")))]
    if by_year:
        parts += ["<h3>By fiscal year</h3>", _by_year_table(by_year)]
    return "\n".join(parts)


# --- 6. prioritized locations ---------------------------------------------------


def _placement_html(pl: dict[str, Any]) -> str:
    p = _sec(pl, "placement")
    placed = [x for x in _list(p, "placed") if isinstance(x, list | tuple) and len(x) == 2]
    per_b = _finite(p.get("value_per_usd"))
    by_option: dict[str, list[str]] = {}
    for o, site in placed:
        by_option.setdefault(str(o), []).append(str(site))
    sites = "; ".join(
        f"<b>{escape(o)} × {len(at)}</b> at {escape(', '.join(at))}" for o, at in by_option.items()
    )
    return (
        f"<p>Budget {_b(pl.get('budget_usd'))} {_B}: {len(placed)} batteries for "
        f"{_b(p.get('cost_usd'))} {_B} cover a score of {_num(p.get('covered_score'), ',.1f')} "
        f"({'–' if per_b is None else f'{per_b * 1e9:,.2f}'} score per {_B}; "
        f"{'optimal' if p.get('optimal') else 'not proven optimal'})"
        + (f": {sites}." if sites else ".")
        + "</p>"
    )


def _budget_curve_table(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            _b(r.get("budget_usd")),
            _b(r.get("cost_usd")),
            _num(100 * (_finite(r.get("covered_fraction")) or 0.0), ".0f") + " %",
        ]
        for r in rows
    ]
    heads = [f"budget [{_B}]", f"cost of the placement [{_B}]", "score covered"]
    return _table(heads, body, numeric={0, 1, 2})


def _locations_table(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            escape(str(r.get("rank"))),
            escape(str(r.get("name"))),
            escape(str(r.get("category"))),
            _num(r.get("value"), ",.3g"),
            _num(r.get("threat"), ".2f"),
            _num(r.get("score"), ",.1f"),
            _yes_no(r.get("defended")),
            escape(str(r.get("defended_by") or "—")),
        ]
        for r in rows
    ]
    heads = ["rank", "location", "category", "value", "threat weight", "score", "defended", "by"]
    return _table(heads, body, numeric={0, 3, 4, 5})


def _locations_html(d: dict[str, Any]) -> str:
    pl = _sec(d, "prioritized_locations")
    parts = [
        '<p class="note">Score = value × threat weight (expected weapons aimed at the '
        "location by the raid's targeting). Batteries are sited at the locations and defend "
        "every location within their defended radius; the placement covers the most score "
        "within the budget (maximum-coverage MILP).</p>",
        _placement_html(pl),
        _figure_html(locations_figure(d), "locations-map", first=False),
    ]
    curve = _list(pl, "budget_curve")
    if curve:
        parts += ["<h3>Score covered against budget</h3>", _budget_curve_table(curve)]
    rows = _list(pl, "rows")
    parts += ["<h3>Ranked locations</h3>", _locations_table(rows) if rows else "<p>None.</p>"]
    return "\n".join(parts)


# --- trade space and annex ------------------------------------------------------


def _cheapest_html(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            escape(str(r.get("goal"))),
            _b(r.get("cost_usd")),
            _design_text(r.get("design"))
            if r.get("design")
            else '<span class="bad">none in the trade space</span>'
            + (f"; closest: {escape(str(r['closest']))}" if r.get("closest") else ""),
        ]
        for r in rows
    ]
    return _table(["goal", f"cheapest cost [{_B}]", "design [units]"], body, numeric={1})


def _trade_html(d: dict[str, Any]) -> str:
    parts = [
        '<p class="note">Per tier, the designs no other design beats on both 20-year cost '
        f"({_dollars(d)}) and expected value lost per raid in the design year. Diamond: the "
        "knee (farthest from the line joining the front's ends); star: the recommended design "
        "(the cheapest meeting every goal). Hover a point for its design.</p>",
        _figure_html(pareto_figure(d), "pareto", first=False),
    ]
    cheapest = _list(d, "cheapest_meeting")
    if cheapest:
        parts += ["<h3>Cheapest design meeting each goal</h3>", _cheapest_html(cheapest)]
    return "\n".join(parts)


def _ci(pair: object) -> str:
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return f" [{_num(pair[0], '.3g')}–{_num(pair[1], '.3g')}]"
    return ""


def _confirmation_html(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>No design was confirmed with the engine.</p>"
    body = []
    for r in rows:
        a, s = r.get("analytic") or {}, r.get("simulated") or {}
        body.append(
            [
                escape(str(r.get("point"))),
                escape(str(r.get("tier"))),
                _qty(r.get("trials")),
                _num(a.get("leakers")),
                _num(s.get("leakers")) + _ci(s.get("leakers_ci95")),
                _num(a.get("p_no_leaker"), ".3f"),
                _num(s.get("p_no_leaker"), ".3f") + _ci(s.get("p_no_leaker_ci95")),
                _yes_no(r.get("agree"), no="NO"),
            ]
        )
    heads = [
        "design",
        "tier",
        "trials",
        "leakers, analytic",
        "leakers, simulated [95 % CI]",
        "P(no leaker), analytic",
        "P(no leaker), simulated [95 % CI]",
        "agree",
    ]
    return _table(heads, body, numeric={2, 3, 4, 5, 6})


def _annex_html(d: dict[str, Any]) -> str:
    parts = [
        '<footer><h2 id="annex">Annex: assumptions, sources and the analytic-vs-simulation '
        "comparison</h2>",
        "<h3>The analytic model against the engine</h3>",
        '<p class="note">Chosen designs flown in the Monte Carlo engine against each tier\'s '
        "raid. They agree when the analytic expected leakers lie inside the engine's 95 % "
        "interval of mean leakers, or within 20 % + 0.2 leakers of its mean "
        "(<code>shieldlab.analysis.confirm</code>).</p>",
        _confirmation_html(_list(d, "confirmation")),
        "<h3>Assumptions</h3>",
    ]
    assumptions = _list(d, "assumptions")
    parts.append(
        "<ul>" + "".join(f"<li>{escape(str(x))}</li>" for x in assumptions) + "</ul>"
        if assumptions
        else "<p>None stated.</p>"
    )
    parts.append("<h3>Sources</h3>")
    sources = _list(d, "sources")
    parts.append(
        "<ol>" + "".join(f"<li>{escape(str(x))}</li>" for x in sources) + "</ol>"
        if sources
        else "<p>None cited.</p>"
    )
    parts.append("</footer>")
    return "\n".join(parts)


# --- page -----------------------------------------------------------------------


def plan_report_html(d: dict[str, Any]) -> str:
    """The self-contained HTML page of a ``shieldlab plan --json`` object ``d``."""
    title = f"shieldlab plan — {_plan(d).get('name') or 'unnamed'}"
    bodies = (
        _threat_html,
        _reference_html,
        _requirements_html,
        _implementation_html,
        _funding_html,
        _locations_html,
    )
    parts = [f"<h1>{escape(title)}</h1>", _meta_html(d), _summary_html(d), _headline_html(d)]
    parts.append(_toc_html())
    for i, (heading, body) in enumerate(zip(SECTIONS, bodies, strict=True), 1):
        parts += [f'<h2 id="s{i}">{escape(heading)}</h2>', body(d)]
    parts += ['<h2 id="trade">Trade space (Pareto fronts)</h2>', _trade_html(d), _annex_html(d)]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_PLAN_CSS}</style>\n{_geo_assets()}\n"
        "</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
