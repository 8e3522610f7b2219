"""Self-contained HTML report of a stored study (``shieldlab sweep``, ``report STUDY``).

What it reports: the study's identity (scenario, design, parameters, trials and
seed per point, status); the response curves: P(no leaker) with its 95 % Wilson
interval, mean leakers, asset value lost and expended interceptor cost per trial
with 95 % intervals of the mean, against each swept parameter (one curve per
value of the other parameter for a two-parameter grid, one per combination of
the others for larger grids, and single points with error bars for a Latin
hypercube); for a two-parameter grid a heat map of P(no leaker); the response
table and the id of each point's run (``shieldlab report RUN_ID`` renders one).

Assumptions: the intervals are those stored with each point
(:func:`shieldlab.analysis.sweep.point_response`); every point shares the
scenario's seed (common random numbers), so the curves' differences are the
parameters' effect. Like the run report, the page needs no network (plotly.js
inlined once) and is written atomically; the same store gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from shieldlab.analysis.sweep import SweepError, parse_set
from shieldlab.report.html import _CSS, _date, _figure_html, _kpi, _num, _table
from shieldlab.store.export import write_text_atomic
from shieldlab.store.study import read_points, read_study

__all__ = [
    "RESPONSES",
    "expected_points",
    "response_figure",
    "study_sections",
    "write_study_report",
]

Point = dict[str, object]

RESPONSES: tuple[tuple[str, str, str, str, float], ...] = (
    ("p_no_leaker", "p_no_leaker_lo", "p_no_leaker_hi", "P(no leaker)", 1.0),
    ("mean_leakers", "leakers_lo", "leakers_hi", "leakers per trial", 1.0),
    ("mean_value_lost", "value_lo", "value_hi", "value lost per trial", 1.0),
    ("mean_cost_usd", "cost_lo", "cost_hi", "cost per trial [M$]", 1e-6),
)
"""(mean, low, high, axis title, scale) of each response panel, in panel order."""

_COLOURS = (
    "#1f4e9e",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_MAX_CURVES = len(_COLOURS)
"""More groups than this: single points instead of one curve per group."""


def _f(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _label(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _numeric(values: Sequence[object]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _groups(points: list[Point], x_path: str, curves: bool) -> list[tuple[str, list[Point]]]:
    """The points split into curves by the values of the other parameters (one group
    of all points when ``curves`` is False or there are too many groups)."""
    if not curves:
        return [("", points)]
    groups: dict[str, list[Point]] = {}
    for p in points:
        params = p["params"]
        assert isinstance(params, dict)
        key = ", ".join(f"{k}={_label(v)}" for k, v in params.items() if k != x_path)
        groups.setdefault(key, []).append(p)
    return list(groups.items()) if len(groups) <= _MAX_CURVES else [("", points)]


def response_figure(points: list[Point], x_path: str, curves: bool) -> go.Figure:
    """Four panels (:data:`RESPONSES`) against parameter ``x_path``: lines with a 95 %
    band for one curve; one line with error bars per group of the other parameters'
    values (``curves``); markers with error bars otherwise."""
    groups = _groups(points, x_path, curves)
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[r[3] for r in RESPONSES],
        horizontal_spacing=0.12,
        vertical_spacing=0.16,
    )
    xs_all = [p["params"][x_path] for p in points]  # type: ignore[index]
    numeric = _numeric(xs_all)
    lines = curves or len({_label(x) for x in xs_all}) == len(xs_all)
    for g, (name, members) in enumerate(groups):
        colour = _COLOURS[g % len(_COLOURS)]
        if numeric:
            members = sorted(members, key=lambda p: _f(p["params"][x_path]))  # type: ignore[index]
        x = [p["params"][x_path] for p in members]  # type: ignore[index]
        x = x if numeric else [_label(v) for v in x]
        for k, (mean, lo, hi, _, scale) in enumerate(RESPONSES):
            row, col = 1 + k // 2, 1 + k % 2
            y = [_f(p[mean]) * scale for p in members]
            ylo = [_f(p[lo]) * scale for p in members]
            yhi = [_f(p[hi]) * scale for p in members]
            band = len(groups) == 1 and lines and numeric and len(x) > 1
            if band:
                fig.add_scatter(
                    x=[*x, *reversed(x)],
                    y=[*yhi, *reversed(ylo)],
                    fill="toself",
                    fillcolor=_rgba(colour, 0.18),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    row=row,
                    col=col,
                )
            fig.add_scatter(
                x=x,
                y=y,
                mode="lines+markers" if lines else "markers",
                line={"color": colour},
                marker={"color": colour},
                name=name or "study",
                legendgroup=name or "study",
                showlegend=k == 0 and bool(name),
                error_y=None
                if band
                else {
                    "type": "data",
                    "symmetric": False,
                    "array": [max(0.0, h - m) for h, m in zip(yhi, y, strict=True)],
                    "arrayminus": [max(0.0, m - lo_) for m, lo_ in zip(y, ylo, strict=True)],
                    "color": colour,
                },
                hovertemplate=f"{escape(x_path)}=%{{x}}<br>%{{y:.3g}}<extra>{escape(name)}</extra>",
                row=row,
                col=col,
            )
    for k in range(len(RESPONSES)):
        fig.update_xaxes(title_text=x_path, row=1 + k // 2, col=1 + k % 2)
    fig.update_yaxes(range=[0.0, 1.02], row=1, col=1)
    fig.update_layout(
        template="plotly_white",
        height=640,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def heatmap_figure(points: list[Point], x_path: str, y_path: str) -> go.Figure:
    """P(no leaker) over a two-parameter grid (cells with their value and interval)."""
    xs: list[object] = []
    ys: list[object] = []
    for p in points:
        params = p["params"]
        assert isinstance(params, dict)
        if params[x_path] not in xs:
            xs.append(params[x_path])
        if params[y_path] not in ys:
            ys.append(params[y_path])
    z: list[list[float | None]] = [[None] * len(xs) for _ in ys]
    text = [[""] * len(xs) for _ in ys]
    for p in points:
        params = p["params"]
        assert isinstance(params, dict)
        i, j = ys.index(params[y_path]), xs.index(params[x_path])
        v = _f(p["p_no_leaker"])
        z[i][j] = v if math.isfinite(v) else None
        text[i][j] = f"{_num(v)}<br>{_num(p['p_no_leaker_lo'])}–{_num(p['p_no_leaker_hi'])}"
    fig = go.Figure(
        go.Heatmap(
            x=[_label(v) for v in xs],
            y=[_label(v) for v in ys],
            z=z,
            zmin=0.0,
            zmax=1.0,
            colorscale="RdYlGn",
            text=text,
            texttemplate="%{text}",
            colorbar={"title": {"text": "P(no leaker)"}},
            hovertemplate=f"{escape(x_path)}=%{{x}}<br>{escape(y_path)}=%{{y}}"
            "<br>P(no leaker) %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=420,
        margin={"l": 80, "r": 20, "t": 30, "b": 60},
        xaxis={"title": {"text": x_path}, "type": "category"},
        yaxis={"title": {"text": y_path}, "type": "category"},
    )
    return fig


def expected_points(study: dict[str, object]) -> int | None:
    """Points the study's design holds (None if its parameters cannot be read back)."""
    if study["design"] == "lhs":
        return int(_f(study["samples"])) if study["samples"] is not None else None
    params = study["parameters"]
    assert isinstance(params, list)
    try:
        return math.prod(len(parse_set(str(s)).values) for s in params)
    except SweepError:
        return None


def _points_table(points: list[Point], paths: list[str]) -> str:
    def iv(p: Point, mean: str, lo: str, hi: str, scale: float, fmt: str) -> str:
        return (
            f"{_num(_f(p[mean]) * scale, fmt)} "
            f"[{_num(_f(p[lo]) * scale, fmt)}–{_num(_f(p[hi]) * scale, fmt)}]"
        )

    heads = ["point", *paths, "P(no leaker) [95 % CI]", "leakers", "value lost", "cost M$", "run"]
    rows = []
    for p in points:
        params = p["params"]
        assert isinstance(params, dict)
        rows.append(
            [
                str(p["point"]),
                *(escape(_label(params.get(k))) for k in paths),
                iv(p, *RESPONSES[0][:3], 1.0, ".3f"),
                iv(p, *RESPONSES[1][:3], 1.0, ".2f"),
                iv(p, *RESPONSES[2][:3], 1.0, ".2f"),
                iv(p, *RESPONSES[3][:3], 1e-6, ",.1f"),
                f"<code>{escape(str(p['run_id']))}</code>",
            ]
        )
    numeric = set(range(1 + len(paths), len(heads) - 1)) | {0}
    for j, k in enumerate(paths):
        if _numeric([p["params"].get(k) for p in points]):  # type: ignore[attr-defined]
            numeric.add(1 + j)
    return _table(heads, rows, numeric)


def write_study_report(db: Path, study_id: str, path: Path) -> Path:
    """Write the HTML report of ``study_id`` stored in ``db`` to ``path`` (atomically,
    one self-contained page with plotly.js inlined); return the path. ``KeyError``
    if the study is not stored."""
    title, parts = study_sections(db, study_id)
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    return write_text_atomic(Path(path), page)


def study_sections(db: Path, study_id: str, inline_plotly: bool = True) -> tuple[str, list[str]]:
    """The title and the HTML sections of the report of ``study_id``: heading, response
    curves, response table. ``inline_plotly``: the first figure carries plotly.js
    (False: the page loads it itself, as the viewer does). ``KeyError`` if the
    study is not stored."""
    study = read_study(db, study_id)
    points = read_points(db, study_id)
    e = escape
    params = study["parameters"]
    assert isinstance(params, list)
    paths = [str(s).partition("=")[0] for s in params]
    expected = expected_points(study)
    title = f"{study['scenario_name']} — study {study_id}"
    parts = [f"<h1>{e(str(study['scenario_name']))}: parameter study</h1>"]
    samples = f" · {study['samples']} samples" if study["samples"] is not None else ""
    parts.append(
        '<p class="meta">'
        f"study <code>{e(study_id)}</code> · {_date(study['created_utc'])} · "
        f"design {e(str(study['design']))}{samples} · {e(str(study['trials']))} trials per "
        f"point · seed {e(str(study['seed']))} (common to every point) · "
        f"shieldlab {e(str(study['shieldlab_version']))}</p>"
    )
    parts.append(
        "<p>Parameters: " + ", ".join(f"<code>{e(str(s))}</code>" for s in params) + "</p>"
    )
    if study["status"] != "complete":
        of = f" of {expected}" if expected is not None else ""
        parts.append(
            f'<p class="note"><strong>Incomplete study</strong>: {len(points)}{of} points '
            "stored (interrupted before its end).</p>"
        )
    if points:
        best = max(points, key=lambda p: _f(p["p_no_leaker"]))
        parts.append('<div class="headline">')
        parts.append(_kpi(str(len(points)), "points stored"))
        parts.append(
            _kpi(
                _num(best["p_no_leaker"], ".3f"),
                "best P(no leaker), at "
                + e(", ".join(f"{k}={_label(v)}" for k, v in best["params"].items())),  # type: ignore[attr-defined]
            )
        )
        parts.append("</div>")
        first = inline_plotly
        curves = study["design"] == "grid" and len(paths) > 1
        for i, x_path in enumerate(paths):
            parts.append(f"<h2>Response to <code>{e(x_path)}</code></h2>")
            parts.append(
                '<p class="note">P(no leaker) with its 95 % Wilson interval; leakers, '
                "asset value lost and expended interceptor cost per trial with 95 % "
                "intervals of the mean"
                + ("; one curve per value of the other parameters" if curves else "")
                + ".</p>"
            )
            parts.append(
                _figure_html(response_figure(points, x_path, curves), f"response-{i}", first)
            )
            first = False
        if study["design"] == "grid" and len(paths) == 2:
            parts.append("<h2>P(no leaker) over the grid</h2>")
            parts.append(_figure_html(heatmap_figure(points, paths[0], paths[1]), "heatmap", first))
    else:
        parts.append("<p>No point of this study is stored yet.</p>")
    parts.append("<h2>Response table</h2>")
    parts.append(
        '<p class="note">Intervals are 95 %: Wilson score for P(no leaker) (Wilson 1927), '
        "Student-t of the mean over trials otherwise. Each point is a stored run: "
        "<code>shieldlab report RUN_ID --db "
        f"{e(str(db))}</code> writes its full report.</p>"
    )
    parts.append(_points_table(points, paths))
    return title, parts
