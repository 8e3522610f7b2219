"""HTML of the viewer's pages: run list, run dashboard, trial player, error page.

Plain server-side HTML (every value escaped); the figures are the report's own
plotly figures (:func:`shieldlab.report.run_figures.dashboard_figures`)
drawn with the plotly.js this server hands out; the player's globe is CesiumJS
driven by ``static/player.js``. Units are in the labels.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from shieldlab import __version__

__all__ = ["dashboard_page", "error_page", "player_page", "run_list_page"]

_MAX_TRIAL_LINKS = 20
_PLOTLY_HEAD = '\n<script src="/assets/plotly.min.js"></script>'
"""The pages with figures load plotly.js from this server."""
_RESIZE_ON_LOAD = (
    "<script>addEventListener('load', () => dispatchEvent(new Event('resize')));</script>"
)
"""plotly sizes a figure when drawn; the grid settles after the last one."""


def _page(title: str, body: str, head: str = "", wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · shieldlab</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/viewer.css">{head}
</head><body{cls}>
<header><a class="brand" href="/">shieldlab</a><span class="where">{escape(title)}</span>
<span class="ver">v{escape(__version__)} · local, read only</span></header>
<main>{body}</main></body></html>"""


def _num(x: float | None, fmt: str) -> str:
    return "—" if x is None else format(x, fmt)


def _pct(p: float | None, lo: float | None, hi: float | None) -> str:
    if p is None:
        return "—"
    return f"{p:.0%} <small>({_num(lo, '.0%')}–{_num(hi, '.0%')})</small>"


def run_list_page(
    rows: list[dict[str, Any]], db: Path, studies: list[dict[str, Any]] | None = None
) -> str:
    """The store's studies (sweeps) and runs, newest first, each with its headline
    figures and links."""
    study_html = _study_list(studies or [])
    if not rows:
        body = (
            f"<h1>Runs</h1><p>The store <code>{escape(str(db))}</code> holds no run yet. "
            "Run <code>shieldlab run SCENARIO --out …</code> first.</p>"
        )
        return _page("runs", study_html + body)
    head = (
        "<tr><th>run</th><th>scenario</th><th>created (UTC)</th><th class=n>trials</th>"
        "<th class=n>P(no leaker) (95 % CI)</th><th class=n>leakers / trial</th>"
        "<th class=n>value lost / trial</th><th class=n>shots cost / trial [M$]</th>"
        "<th>view</th></tr>"
    )
    trs = []
    for r in rows:
        rid = escape(r["run_id"])
        cost = r["mean_cost_usd"]
        trs.append(
            f'<tr data-run="{rid}"><td><a href="/runs/{rid}">{rid}</a></td>'
            f"<td>{escape(r['scenario'])}</td><td>{escape(r['created_utc'])}</td>"
            f"<td class=n>{r['trials']}</td>"
            f"<td class=n>{_pct(r['p_no_leaker'], r['p_lo'], r['p_hi'])}</td>"
            f"<td class=n>{_num(r['mean_leakers'], '.2f')}</td>"
            f"<td class=n>{_num(r['mean_value_hit'], ',.1f')}</td>"
            f"<td class=n>{_num(None if cost is None else cost / 1e6, ',.0f')}</td>"
            f'<td><a href="/runs/{rid}">dashboard</a> · '
            f'<a href="/runs/{rid}/trials/0">trial 0 on the globe</a></td></tr>'
        )
    body = (
        f"{study_html}<h1>Runs <small>{len(rows)} in <code>{escape(str(db))}</code></small></h1>"
        f'<table class="runs">{head}{"".join(trs)}</table>'
        "<p class=note>Plans (<code>shieldlab plan</code>) are written as HTML reports, "
        "not to this store, so they are not listed here.</p>"
    )
    return _page("runs", body)


def _study_list(studies: list[dict[str, Any]]) -> str:
    """The studies table of the index page ('' when the store holds none)."""
    if not studies:
        return ""
    head = (
        "<tr><th>study</th><th>scenario</th><th>created (UTC)</th><th>design</th>"
        "<th>parameters</th><th class=n>trials / point</th><th class=n>points</th>"
        "<th>status</th></tr>"
    )
    trs = []
    for st in studies:
        sid = escape(st["study_id"])
        of = st["points_expected"]
        points = f"{st['points_stored']}" + (f" of {of}" if of is not None else "")
        params = "<br>".join(f"<code>{escape(p)}</code>" for p in st["parameters"])
        trs.append(
            f'<tr data-study="{sid}"><td><a href="/studies/{sid}">{sid}</a></td>'
            f"<td>{escape(st['scenario'])}</td><td>{escape(st['created_utc'])}</td>"
            f"<td>{escape(st['design'])}</td><td>{params}</td>"
            f"<td class=n>{st['trials']}</td><td class=n>{points}</td>"
            f"<td>{escape(st['status'])}</td></tr>"
        )
    return (
        f"<h1>Studies <small>{len(studies)} (sweeps; each point is a run below)</small></h1>"
        f'<table class="runs studies">{head}{"".join(trs)}</table>'
    )


def study_page(study_id: str, title: str, sections: list[str]) -> str:
    """A study's page: the sections of its report
    (:func:`shieldlab.report.study_html.study_sections`), plotly.js from this server."""
    body = f'<div class="study">{"".join(sections)}</div>{_RESIZE_ON_LOAD}'
    return _page(f"study {study_id}", body, head=_PLOTLY_HEAD)


def _kpis(h: dict[str, float]) -> str:
    def kpi(value: str, label: str) -> str:
        return f'<div class="kpi"><div class="v">{value}</div><div class="l">{label}</div></div>'

    p = h["p_no_leaker"]
    cost = h["mean_cost_usd"]
    return (
        '<div class="kpis">'
        + "".join(
            [
                kpi(
                    "—" if p != p else f"{p:.0%}",
                    f"P(no leaker), 95 % CI {h['p_lo']:.0%}–{h['p_hi']:.0%}",
                ),
                kpi(f"{h['mean_leakers']:.2f}", "leakers per trial"),
                kpi(f"{h['mean_value_hit']:,.1f}", "asset value lost per trial"),
                kpi(f"{h['mean_shots']:.1f}", "shots per trial"),
                kpi("—" if cost != cost else f"{cost / 1e6:,.0f}", "shots cost per trial [M$]"),
                kpi(f"{int(h['n_trials'])}", "trials"),
            ]
        )
        + "</div>"
    )


def _trial_nav(run_id: str, n_trials: int, trial: int) -> str:
    rid = escape(run_id)
    links = " ".join(
        f'<a href="/runs/{rid}/trials/{i}"{" class=cur" if i == trial else ""}>{i}</a>'
        for i in range(min(n_trials, _MAX_TRIAL_LINKS))
    )
    more = (
        f'<form action="/runs/{rid}/trials/go" class="inline" onsubmit="location.href='
        f"'/runs/{rid}/trials/'+this.t.value;return false\">"
        f'<input name="t" type="number" min="0" max="{n_trials - 1}" value="{trial}" '
        'aria-label="trial number"><button>open</button></form>'
        if n_trials > _MAX_TRIAL_LINKS
        else ""
    )
    return f'<p class="trials">Play a trial on the globe: {links} {more}</p>'


def dashboard_page(
    run: dict[str, object], h: dict[str, float], figures: dict[str, go.Figure], trial: int
) -> str:
    """A run's dashboard: headline figures, the report's five figures, trial links."""
    rid = str(run["run_id"])
    figs = "".join(
        '<section class="fig">'
        + fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=f"fig-{slug}",
            config={"displaylogo": False, "responsive": True},
        )
        + "</section>"
        for slug, fig in figures.items()
    )
    body = (
        f"<h1>Run {escape(rid)} <small>{escape(str(run['scenario_name']))} · seed "
        f"{run['seed']} · {run['trials']} trials · shieldlab "
        f"{escape(str(run['shieldlab_version']))}"
        f"</small></h1>{_kpis(h)}"
        f"{_trial_nav(rid, int(run['trials']), trial)}"  # type: ignore[call-overload]
        f'<p class="note">The engagement timeline shows trial {trial} '
        f'(<a href="/runs/{escape(rid)}?trial={trial}">change with ?trial=N</a>); the other '
        "figures are over all trials. The same figures are in "
        f"<code>shieldlab report {escape(rid)}</code>.</p>"
        f'<div class="figs">{figs}</div>'
        f"{_RESIZE_ON_LOAD}"
    )
    return _page(f"run {rid}", body, head=_PLOTLY_HEAD)


def _marker_legend() -> str:
    """Legend lines in the CZML's own colours (one source: :mod:`trial_czml_parts`)."""
    from shieldlab.report import trial_czml_parts as tp

    items = [
        (tp.KILL_COLOUR, "kill, at the kill point"),
        (tp.LEAK_COLOUR, "leak: impact in a defended asset"),
        (tp.ASSET_COLOUR, "defended asset (circle of its radius)"),
        (tp.SENSOR_COLOUR, "sensor and its coverage"),
        (tp.SITE_COLOUR, "fire unit"),
        (tp.LAUNCH_COLOUR, "launch area"),
        *((rgb, f"interceptor: {layer}") for layer, rgb in tp.LAYER_COLOURS.items()),
    ]
    return "".join(
        f'<li><i style="background:rgb{tuple(rgb)}"></i>{escape(text)}</li>' for rgb, text in items
    )


def player_page(
    run: dict[str, object], trial: int, cesium_ready: bool, warnings: list[str] | None = None
) -> str:
    """The trial player: a CesiumJS globe playing the trial's CZML, with its controls and
    the warnings of its re-flight (another shieldlab version, another scenario text)."""
    rid = escape(str(run["run_id"]))
    warned = "".join(f'<p class="warn">{escape(w)}</p>' for w in warnings or [])
    n = int(run["trials"])  # type: ignore[call-overload]
    czml = f"/runs/{rid}/trials/{trial}/czml"
    if not cesium_ready:
        body = (
            f"<h1>Run {rid}, trial {trial}</h1><p class=warn>CesiumJS is not installed, so "
            "the globe cannot be shown: run <code>make web</code> (or <code>npm ci --prefix "
            "web</code>) in the shieldlab checkout, or set <code>SHIELDLAB_CESIUM_DIR</code> to "
            f'a CesiumJS <code>Build/Cesium</code> folder. The <a href="{czml}">CZML of this '
            f"trial</a> opens in any Cesium viewer.</p>{warned}"
        )
        return _page(f"run {rid} · trial {trial}", body)
    head = (
        '\n<link rel="stylesheet" href="/cesium/Widgets/widgets.css">'
        '\n<script>window.CESIUM_BASE_URL = "/cesium/";</script>'
        '\n<script src="/cesium/Cesium.js"></script>'
        f'\n<script src="/static/player.js" defer data-czml="{czml}"></script>'
    )
    prev_t = f'<a href="/runs/{rid}/trials/{trial - 1}">◀ trial {trial - 1}</a>' if trial else ""
    next_t = (
        f'<a href="/runs/{rid}/trials/{trial + 1}">trial {trial + 1} ▶</a>' if trial + 1 < n else ""
    )
    body = f"""<div class="player">
<div id="globe" aria-label="globe"></div>
<aside>
<h1>Run <a href="/runs/{rid}">{rid}</a> · trial {trial}</h1>
<p class="sub">{escape(str(run["scenario_name"]))} · {prev_t} {next_t}</p>{warned}
<div class="controls">
<button id="play" type="button">▶ play</button>
<label>time <input id="time-slider" type="range" min="0" max="1000" value="0" step="1"></label>
<output id="clock">—</output>
</div>
<dl id="counts" class="counts"></dl>
<div id="status" class="note">loading the trial (re-flown from the stored scenario)…</div>
<div id="details" class="details"><p class="note">Click an object on the globe for its
details.</p></div>
<h2 class="legend">threat paths</h2>
<ul class="legend" id="legend-threats"></ul>
<h2 class="legend">markers and sites</h2>
<ul class="legend">{_marker_legend()}</ul>
<p class="note"><a href="{czml}" download>CZML of this trial</a></p>
<p class="note" id="render-note"></p>
</aside></div>"""
    return _page(f"run {rid} · trial {trial}", body, head=head, wide=True)


def error_page(status: int, detail: str) -> str:
    """A plain error page (404 for an unknown run, trial or file)."""
    title = "not found" if status == 404 else f"error {status}"
    body = (
        f"<h1>{status}: {escape(title)}</h1><p>{escape(detail)}</p>"
        '<p><a href="/">all runs and studies</a></p>'
    )
    return _page(title, body)
