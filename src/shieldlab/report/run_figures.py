"""The five dashboard figures of one stored run, shared by the HTML report and the viewer.

What it shows (plotly figures keyed by a stable slug in :func:`dashboard_figures`,
the one function both the report and the web dashboard call, on the tables they
have read; :func:`run_dashboard_figures` reads them from the store first):

- ``leakers-by-asset``: mean leakers per trial by defended asset, those aimed at
  it and those that hit it, with 95 % intervals;
- ``kill-chain``: the lethal objects per trial through the kill chain, a funnel;
- ``custody-by-layer``: mean share of flight [%] held by the fused picture and by
  each sensor layer, per threat class when there are few;
- ``cost-by-layer``: shot (interceptor) cost expended per trial by defeat layer
  [M$]; unpriced shots are said so, never counted as 0;
- ``engagement-timeline``: one trial's shots as bars from launch to intercept
  [min after the raid's first launch], coloured by layer, hits and misses marked,
  with the leakers' impacts.

Assumptions: trials are independent, identically distributed Monte Carlo
replications (as in ``html.py``). *Lethal* objects carry a warhead (RV, glide
vehicle, cruise missile); decoys, buses and chaff are left out of the kill chain
whatever they absorbed. The per-asset numbers are those of the report's table
(:func:`asset_leakage`: one computation), the custody ones those of its custody
table (:func:`~shieldlab.sim.results.custody_by_class`), the costs those of its
layer table (:func:`layer_costs`). Intervals of a mean count per trial:
Student-t over the trials' counts; where every trial gave the same count (no
spread to estimate), the exact Poisson (Garwood) interval of the total. The
raid's first launch is the first stored truth sample (trajectories are stored
every 10 s, so it is within 10 s of the launch); a leaker's impact is its last
stored sample. Every figure shows a message instead of empty axes without data.
"""

from __future__ import annotations

import textwrap
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from shieldlab.analysis.stats import wilson_interval
from shieldlab.report.figures import OUTCOME_COLOURS
from shieldlab.sim import layers
from shieldlab.sim.results import custody_by_class
from shieldlab.store import RESULT_TABLES, read_table
from shieldlab.threats import LETHAL_KINDS, OBJECT_NAMES

__all__ = [
    "DASHBOARD_SLUGS",
    "LAYER_COLOURS",
    "asset_leakage",
    "cost_by_layer_figure",
    "custody_by_layer_figure",
    "dashboard_figures",
    "engagement_timeline_figure",
    "kill_chain_figure",
    "kill_chain_stages",
    "layer_costs",
    "leakers_by_asset_figure",
    "mean_count_interval",
    "run_dashboard_figures",
    "shot_layers",
]

DASHBOARD_SLUGS: tuple[str, ...] = (
    "leakers-by-asset",
    "kill-chain",
    "custody-by-layer",
    "cost-by-layer",
    "engagement-timeline",
)
"""Keys of :func:`dashboard_figures`, in display order (page anchors use them)."""

LAYER_COLOURS: dict[str, str] = {
    "left-of-launch": "#4d4d4d",
    "ew-cyber": "#aec7e8",
    "boost": "#ff7f0e",
    "midcourse": "#1f4e9e",  # the interceptor-site blue of the globe
    "underlayer": "#17becf",
    "glide": "#9467bd",
    "terminal": "#e377c2",
    "cruise-defense": "#8c564b",
    "laser": "#bcbd22",
    "microwave": "#7f7f7f",
}
"""Colour of each defeat layer (red and green are kept for leaks and kills)."""
_MORE_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173")
_CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b")
_ALL_COLOUR = "#4d4d4d"
_HIT = ("star", OUTCOME_COLOURS["killed"])  # as the globe and altitude figures
_MISS = ("circle-open", OUTCOME_COLOURS["leaked"])
_LAYOUT: dict[str, Any] = {"template": "plotly_white", "font": {"size": 12}}
_LEGEND_TOP = {"orientation": "h", "x": 0.0, "y": 1.02, "yanchor": "bottom"}
_LETHAL_NAMES = tuple(OBJECT_NAMES[k] for k in LETHAL_KINDS)
_NO_OBJECT = "met no object"
_MAX_CLASSES = 4

Table = dict[str, np.ndarray]


# --- computations shared with the report's tables ---------------------------------


def _lethal(outcomes: Table) -> np.ndarray:
    """True for warhead-carrying objects (RV, glide vehicle, cruise missile)."""
    return np.isin(np.asarray(outcomes["object_kind"], dtype=object), _LETHAL_NAMES)


def _shot_aim(outcomes: Table, engagements: Table) -> np.ndarray:
    """Aim asset of each shot's threat, joined on (trial, threat_id); None where unknown."""
    o_trial = np.asarray(outcomes["trial"], dtype=np.int64)
    o_id = np.asarray(outcomes["threat_id"], dtype=np.int64)
    e_trial = np.asarray(engagements["trial"], dtype=np.int64)
    e_id = np.asarray(engagements["threat_id"], dtype=np.int64)
    aim = np.full(e_id.size, None, dtype=object)
    if not (o_id.size and e_id.size):
        return aim
    stride = int(max(o_id.max(), e_id.max())) + 1
    o_key = o_trial * stride + o_id
    e_key = e_trial * stride + e_id
    order = np.argsort(o_key, kind="stable")
    pos = np.clip(np.searchsorted(o_key[order], e_key), 0, o_key.size - 1)
    found = o_key[order][pos] == e_key
    aim[found] = np.asarray(outcomes["aim_asset"], dtype=object)[order][pos[found]]
    return aim


def _layer_order(names: set[str]) -> list[str]:
    """Layers in engagement-timeline order (:func:`shieldlab.sim.layers.timeline`:
    left of launch and EW/cyber first, they act before any flight)."""
    return layers.timeline(names)


def shot_layers(engagements: Table) -> list[str]:
    """Interceptor layers that fired at least one shot in the run, in report order."""
    return _layer_order({str(x) for x in np.asarray(engagements["layer"]).tolist()})


def mean_count_interval(event_trials: np.ndarray, n_trials: int) -> tuple[float, float, float]:
    """Mean events per trial and its 95 % interval ``(mean, lo, hi)``, from the trial
    of each event (trials without one count 0): Student-t over the per-trial counts,
    or where they are all equal the exact Poisson (Garwood) interval of the total."""
    if n_trials <= 0:
        return float("nan"), float("nan"), float("nan")
    _, per = np.unique(np.asarray(event_trials), return_counts=True)
    counts = np.zeros(max(n_trials, per.size))
    counts[: per.size] = per
    total = float(counts.sum())
    mean = total / counts.size
    sd = float(np.std(counts, ddof=1)) if counts.size > 1 else 0.0
    if sd > 0.0:
        half = float(stats.t.ppf(0.975, counts.size - 1)) * sd / np.sqrt(counts.size)
        return mean, max(0.0, mean - half), mean + half
    lo = float(stats.chi2.ppf(0.025, 2.0 * total)) / 2.0 if total > 0 else 0.0
    hi = float(stats.chi2.ppf(0.975, 2.0 * total + 2.0)) / 2.0
    return mean, lo / counts.size, hi / counts.size


def asset_leakage(
    outcomes: Table, sites: Table, engagements: Table, n_trials: int
) -> list[dict[str, object]]:
    """One row per defended asset: threats aimed, shots by layer, leakers, P(hit), value.

    Per trial means over ``n_trials``: ``threats_aimed`` (objects aimed at the
    asset, decoys included) and ``warheads_aimed`` (RV, glide vehicle, cruise
    missile); ``shots:<layer>`` and ``shots`` — interceptors fired at objects
    aimed at the asset, attributed through the shot's (trial, threat_id) to
    ``threat_outcomes.aim_asset``; ``mean_leakers`` (leakers that hit it, which
    may have been aimed elsewhere) and ``leakers_aimed`` (leakers aimed at it,
    wherever they hit), with 95 % intervals ``leakers_lo``/``leakers_hi`` and
    ``leakers_aimed_lo``/``leakers_aimed_hi`` (:func:`mean_count_interval`; 0–0
    where nothing is aimed at the asset). ``p_hit`` is the share of trials in
    which at least one leaker hit the asset, with a 95 % Wilson interval
    (``p_lo``, ``p_hi``). Binary damage model: the asset is lost when any leaker
    hits it, so its expected surviving value per trial is
    ``surviving_value = value · (1 − p_hit)``.
    """
    is_asset = sites["kind"] == "asset"
    names = [str(x) for x in sites["name"][is_asset]]
    values = {str(k): float(v) for k, v in zip(names, sites["value"][is_asset], strict=True)}
    extra = {str(a) for a in outcomes["aim_asset"] if a is not None} - set(names)
    names += sorted(extra)
    leaked = outcomes["status"] == "leaked"
    lethal = _lethal(outcomes)
    shot_aim = _shot_aim(outcomes, engagements)
    shot_layer = np.asarray(engagements["layer"]).astype(str)
    fired = shot_layers(engagements)
    per = 1.0 / n_trials if n_trials else np.nan
    rows: list[dict[str, object]] = []
    for name in names:
        aimed = outcomes["aim_asset"] == name
        hits = leaked & (outcomes["hit_asset"] == name)
        trials_hit = np.unique(outcomes["trial"][hits]).size
        lo, hi = wilson_interval(trials_hit, n_trials)
        at_asset = shot_aim == name
        p_hit = trials_hit * per
        value = values.get(name, float("nan"))
        row: dict[str, object] = {
            "asset": name,
            "threats_aimed": np.count_nonzero(aimed) * per,
            "warheads_aimed": np.count_nonzero(aimed & lethal) * per,
        }
        for layer in fired:
            row[f"shots:{layer}"] = np.count_nonzero(at_asset & (shot_layer == layer)) * per
        _, hit_lo, hit_hi = mean_count_interval(outcomes["trial"][hits], n_trials)
        aim = mean_count_interval(outcomes["trial"][leaked & aimed], n_trials)
        if not aimed.any():
            aim = (0.0, 0.0, 0.0)
        row |= {
            "shots": np.count_nonzero(at_asset) * per,
            "mean_leakers": np.count_nonzero(hits) * per,
            "leakers_lo": hit_lo,
            "leakers_hi": hit_hi,
            "leakers_aimed": aim[0],
            "leakers_aimed_lo": aim[1],
            "leakers_aimed_hi": aim[2],
            "p_hit": p_hit,
            "p_lo": float(lo),
            "p_hi": float(hi),
            "value": value,
            "surviving_value": value * (1.0 - p_hit),
        }
        rows.append(row)
    return rows


def kill_chain_stages(outcomes: Table, engagements: Table, n_trials: int) -> list[dict[str, Any]]:
    """The lethal objects' kill chain, stage by stage, each stage within the one before
    (the counts never increase).

    Over the object-trials of lethal objects (RV, glide vehicle, cruise missile):
    ``lethal`` all; ``flew`` not destroyed before flight by a layer acting before
    flight (left of launch, EW/cyber launch failure; the stage is shown only when
    that happened); ``detected`` held by a confirmed track of the fused picture at
    one decision epoch at least (``custody > 0``); ``fire-control`` held within the
    fire-control error at one epoch at least (``custody_fc > 0``); ``engaged`` met
    by one shot at least (an engagements row with its ``threat_id``: the object a
    kill vehicle met or a beam acted on; a shot that met nothing has −1 and counts
    for no object); ``killed`` destroyed (``status = killed``). Without stored
    custody (all NaN) ``detected`` and ``fire-control`` are left out. Per stage:
    ``stage``, ``label``, ``definition``, ``count`` (run total), ``per_trial`` and
    ``any_path_per_trial`` (its own condition alone, e.g. every kill of a lethal object).
    """
    lethal = _lethal(outcomes)
    status = np.asarray(outcomes["status"], dtype=object)
    custody = np.asarray(outcomes["custody"], dtype=np.float64)
    o_id = np.asarray(outcomes["threat_id"], np.int64)
    e_id = np.asarray(engagements["threat_id"], np.int64)
    stride = int(max(np.max(o_id, initial=0), np.max(e_id, initial=0))) + 1
    e_key = np.asarray(engagements["trial"], np.int64)[e_id >= 0] * stride + e_id[e_id >= 0]
    engaged = np.isin(np.asarray(outcomes["trial"], np.int64) * stride + o_id, e_key)
    before = [n for n in layers.all_layer_names() if (x := layers.get(n)) and x.before_flight]
    gone = (status == "killed") & np.isin(np.asarray(outcomes["kill_layer"], object), before)
    fc_text = "held within the fire-control error (custody_fc > 0)"
    stages = [
        ("lethal", "lethal objects", "RV, glide vehicle or cruise missile", lethal),
        ("flew", "flew", "not destroyed before flight (left of launch, EW/cyber)", ~gone),
        ("detected", "detected", "held by a confirmed track (custody > 0)", custody > 0),
        ("fire-control", "fire-control track", fc_text, outcomes["custody_fc"] > 0),
        ("engaged", "engaged", "met by at least one shot", engaged),
        ("killed", "killed", "destroyed (status killed)", status == "killed"),
    ]
    skip = set() if np.any(gone & lethal) else {"flew"}
    if not np.isfinite(custody).any():
        skip |= {"detected", "fire-control"}
    per = 1.0 / n_trials if n_trials else np.nan
    chain = np.ones(lethal.size, bool)
    rows: list[dict[str, Any]] = []
    for stage, label, definition, cond in (s for s in stages if s[0] not in skip):
        chain &= np.asarray(cond, bool)
        rows.append(
            {
                "stage": stage,
                "label": label,
                "definition": definition,
                "count": int(np.count_nonzero(chain)),
                "per_trial": np.count_nonzero(chain) * per,
                "any_path_per_trial": np.count_nonzero(lethal & cond) * per,
            }
        )
    return rows


def layer_costs(engagements: Table, n_trials: int) -> list[dict[str, Any]]:
    """Expended shot cost per defeat layer, in engagement-timeline order.

    Per layer: ``shots`` and ``unpriced`` (shots whose ``cost_usd`` is NULL: the
    catalog gives no unit cost) as run totals, ``shots_per_trial`` and
    ``cost_per_trial_usd`` (the priced shots' cost / ``n_trials``; NaN where no
    shot of the layer is priced — an unpriced shot never counts as 0).
    """
    shot_layer = np.asarray(engagements["layer"]).astype(str)
    cost = np.asarray(engagements.get("cost_usd", np.full(shot_layer.size, np.nan)), float)
    per = 1.0 / n_trials if n_trials else np.nan
    rows: list[dict[str, Any]] = []
    for layer in shot_layers(engagements):
        c = cost[shot_layer == layer]
        priced = np.isfinite(c)
        usd = float(c[priced].sum()) * per if priced.any() else np.nan
        rows.append({"layer": layer, "shots": int(c.size), "unpriced": int(np.sum(~priced))})
        rows[-1] |= {"shots_per_trial": c.size * per, "cost_per_trial_usd": usd}
    return rows


# --- figure helpers -----------------------------------------------------------------


def _layer_colour(layer: str) -> str:
    if layer in LAYER_COLOURS:
        return LAYER_COLOURS[layer]
    return _MORE_COLOURS[sum(map(ord, layer)) % len(_MORE_COLOURS)]


def _caption(fig: go.Figure, text: str, axis_px: int = 56) -> None:
    """The figure's definitions as small text at its foot, wrapped for ~700 px (the
    layout title, placed in the bottom margin; call after the height is set)."""
    lines = textwrap.wrap(text, 112)
    height = float(fig.layout.height or 450) + 15 * len(lines)
    fig.update_layout(
        title={"text": "<br>".join(lines), "font": {"size": 11, "color": "#555555"}},
        title_xref="container",
        title_yref="container",
        title_pad={"l": 8},
        title_x=0.0,
        title_xanchor="left",
        title_yanchor="top",
        title_y=(8.0 + 15.0 * len(lines)) / height,
        height=height,
        margin={"b": axis_px + 14 + 15 * len(lines)},
    )


def _empty(message: str) -> go.Figure:
    """The empty-data state: a centred message instead of blank axes."""
    fig = go.Figure(layout={**_LAYOUT, "height": 240, "margin": {"t": 30, "b": 30}})
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_annotations(font={"size": 15, "color": "#555555"})
    return fig.update_xaxes(visible=False).update_yaxes(visible=False)


def _n_shots(n: int) -> str:
    return f"{n} shot" if n == 1 else f"{n} shots"


def _f(x: object, fmt: str = ".2f") -> str:
    v = float(x)  # type: ignore[arg-type]
    return "–" if not np.isfinite(v) else format(v, fmt)


# --- the five figures -------------------------------------------------------------


def leakers_by_asset_figure(
    outcomes: Table, sites: Table, engagements: Table, n_trials: int
) -> go.Figure:
    """Mean leakers per trial by defended asset, aimed at it and hitting it, with 95 %
    intervals (the numbers of :func:`asset_leakage`)."""
    rows: list[dict[str, Any]] = asset_leakage(outcomes, sites, engagements, n_trials)
    if not n_trials or not rows:
        return _empty("no trials stored" if not n_trials else "no defended asset in this run")
    fig = go.Figure()
    names = [escape(str(r["asset"])) for r in rows]
    p_hit = [
        f"{_f(r['p_hit'], '.3f')} [{_f(r['p_lo'], '.3f')}–{_f(r['p_hi'], '.3f')}]" for r in rows
    ]
    for key, ci, label, colour in (
        ("leakers_aimed", "leakers_aimed", "leakers aimed at the asset", "#f4a3a3"),
        ("mean_leakers", "leakers", "leakers that hit the asset", OUTCOME_COLOURS["leaked"]),
    ):
        mean = np.array([float(r[key]) for r in rows])
        lo = np.array([float(r[f"{ci}_lo"]) for r in rows])
        hi = np.array([float(r[f"{ci}_hi"]) for r in rows])
        fig.add_bar(
            y=names,
            x=mean.round(4).tolist(),
            orientation="h",
            name=label,
            marker_color=colour,
            error_x={"array": (hi - mean).round(4).tolist(), "color": "#444444"},
            error_x_arrayminus=(mean - lo).round(4).tolist(),
            customdata=[[_f(a), _f(b), c] for a, b, c in zip(lo, hi, p_hit, strict=True)],
            hovertemplate="%{y}<br>" + label + ": %{x:.2f} per trial [95 %: %{customdata[0]}–"
            "%{customdata[1]}]<br>P(asset hit) %{customdata[2]}<extra></extra>",
        )
    fig.update_layout(**_LAYOUT, barmode="group", height=130 + 46 * len(rows), legend=_LEGEND_TOP)
    fig.update_layout(margin={"l": 10, "r": 20, "t": 40})
    fig.update_xaxes(title="leakers per trial (mean, 95 % interval)", rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    _caption(
        fig,
        f"Over {n_trials} trials. Aimed: leakers (impacted within a defended asset) whose "
        "aim point was this asset, wherever they hit; hit: leakers that impacted within it, "
        "whatever their aim. Intervals: Student-t over the trials' counts, or the exact "
        "Poisson interval of the total where every trial gave the same count.",
    )
    return fig


def kill_chain_figure(outcomes: Table, engagements: Table, n_trials: int) -> go.Figure:
    """Funnel of the lethal objects per trial through the kill chain (:func:`kill_chain_stages`)."""
    stages = kill_chain_stages(outcomes, engagements, n_trials)
    if not n_trials or stages[0]["count"] == 0:
        return _empty("no trials stored" if not n_trials else "no lethal object in this run")
    first = float(stages[0]["per_trial"])
    fig = go.Figure()
    fig.add_funnel(
        y=[s["label"] for s in stages],
        x=[round(float(s["per_trial"]), 4) for s in stages],
        marker={"color": ["#1f4e9e"] * (len(stages) - 1) + [OUTCOME_COLOURS["killed"]]},
        texttemplate="%{value:.2f} (%{percentInitial:.0%})",
        textposition="inside",
        hovertext=[
            f"<b>{s['label']}</b>: {_f(s['per_trial'])} per trial "
            f"({_f(100.0 * s['per_trial'] / first, '.0f')} % of the lethal objects)"
            f"<br>{s['definition']}, and every stage above"
            f"<br>by any path: {_f(s['any_path_per_trial'])} per trial"
            for s in stages
        ],
        hoverinfo="text",
        connector={"fillcolor": "#e6e6e6", "line": {"width": 0}},
    )
    other = [s["label"] for s in stages if s["any_path_per_trial"] > s["per_trial"]]
    fig.update_layout(**_LAYOUT, height=320, margin={"l": 10, "r": 20, "t": 20})
    fig.update_xaxes(title="lethal objects per trial", visible=True, showticklabels=False)
    fig.update_yaxes(automargin=True)
    _caption(
        fig,
        "Lethal objects (RV, glide vehicle, cruise missile; decoys, buses and chaff left out) "
        "per trial, each stage within the one above: "
        + "; ".join(f"{s['label']}: {s['definition']}" for s in stages[1:])
        + ". Custody is sampled at the decision epochs; a shot counts for the object its kill "
        "vehicle met."
        + (f" Reached by another path too (hover): {', '.join(other)}." if other else ""),
        axis_px=46,
    )
    return fig


def custody_by_layer_figure(outcomes: Table, custody_layers: Table) -> go.Figure:
    """Mean share of flight [%] held by the fused picture and by each sensor layer, per
    threat class when there are at most four (:func:`~shieldlab.sim.results.custody_by_class`)."""
    rows = custody_by_class(outcomes, custody_layers)
    if not rows:
        return _empty("no custody stored for this run (no object flew, or an older store)")
    present = _layer_order({k.removeprefix("layer:") for k in rows[0] if k.startswith("layer:")})
    few = len(rows) <= _MAX_CLASSES + 1  # the classes and "all objects"
    fig = go.Figure()
    for i, r in enumerate(rows if few else rows[-1:]):
        vals: list[Any] = [r["custody"], r["custody_fc"], *[r[f"layer:{x}"] for x in present]]
        cls = escape(str(r["class"]))
        fig.add_bar(
            x=["fused: any track", "fused: fire-control", *present],
            y=[None if v is None else round(100.0 * float(v), 2) for v in vals],
            name=f"{cls} ({r['objects']} object-trials)",
            showlegend=True,
            marker_color=_ALL_COLOUR if r is rows[-1] else _CLASS_COLOURS[i % len(_CLASS_COLOURS)],
            hovertemplate=cls + "<br>%{x}: %{y:.1f} % of flight<extra></extra>",
        )
    fig.update_layout(**_LAYOUT, barmode="group", height=380, legend=_LEGEND_TOP)
    fig.update_layout(margin={"l": 60, "r": 20, "t": 50})
    fig.update_xaxes(title="held by")
    fig.update_yaxes(title="share of flight held (%, mean)", range=[0, 105])
    _caption(
        fig,
        "Mean over the objects that flew of the share of their flight (launch to impact or "
        "kill, sampled at each decision epoch) during which a confirmed track held them: in "
        "the fused picture within 20 km (any track) and within the fire-control error; per "
        "sensor layer, a track that layer updated within 2.5 revisit periods."
        + ("" if few else " Many threat classes: all objects only (the report's table has each)."),
        axis_px=110,  # the layer names may be drawn slanted
    )
    return fig


def cost_by_layer_figure(engagements: Table, n_trials: int) -> go.Figure:
    """Shot cost expended per trial by defeat layer [M$] (:func:`layer_costs`)."""
    rows = layer_costs(engagements, n_trials)
    if not n_trials or not rows:
        return _empty("no engagements in this run")
    musd = np.array([r["cost_per_trial_usd"] for r in rows], dtype=float) / 1e6
    text = [
        f"unpriced ({_n_shots(r['shots'])})"
        if r["unpriced"] == r["shots"]
        else f"{m:,.1f}" + (f" + {_n_shots(r['unpriced'])} unpriced" if r["unpriced"] else "")
        for r, m in zip(rows, musd, strict=True)
    ]
    fig = go.Figure()
    fig.add_bar(
        x=[r["layer"] for r in rows],
        y=np.nan_to_num(musd).round(4).tolist(),
        marker_color=[_layer_colour(r["layer"]) for r in rows],
        text=text,
        textposition="outside",
        cliponaxis=False,
        customdata=[[r["shots_per_trial"], r["shots"], r["unpriced"]] for r in rows],
        hovertemplate="%{x}: %{y:,.1f} M$ per trial (priced shots)<br>%{customdata[0]:.2f} "
        "shots per trial, %{customdata[1]} in all, %{customdata[2]} unpriced<extra></extra>",
        showlegend=False,
    )
    unpriced = sum(r["unpriced"] for r in rows)
    fig.update_layout(**_LAYOUT, height=360, margin={"l": 70, "r": 20, "t": 30})
    fig.update_xaxes(title="defeat layer")
    fig.update_yaxes(title="shot cost per trial (M$)", rangemode="tozero")
    _caption(
        fig,
        "Rounds expended per trial at their catalog unit cost (directed energy: cost per "
        f"shot), {np.nansum(musd):,.1f} M$ per trial in all; no launcher, sensor or life-cycle "
        "cost. "
        + (
            f"{_n_shots(unpriced)} without a catalog cost: left out of the bars, not counted as 0."
            if unpriced
            else "Every shot is priced."
        ),
    )
    return fig


def _timeline_rows(
    engagements: Table, outcomes: Table, trial: int
) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    """The trial's shots (engagement rows) and leakers (outcome rows), and the y rows:
    object ids (−1: shots that met no object) by first launch at them, and labels."""
    shots = np.flatnonzero(np.asarray(engagements["trial"]) == trial)
    mine = np.asarray(outcomes["trial"]) == trial
    leak = np.flatnonzero(mine & (outcomes["status"] == "leaked"))
    first: dict[int, float] = {}
    for i in shots:
        tid = int(engagements["threat_id"][i])
        first[tid] = min(first.get(tid, np.inf), float(engagements["launch_time_s"][i]))
    for i in leak:
        first.setdefault(int(outcomes["threat_id"][i]), np.inf)
    ids = sorted(first, key=lambda t: (first[t], t))
    kind = dict(
        zip(outcomes["threat_id"][mine].tolist(), outcomes["object_kind"][mine], strict=True)
    )
    labels = [_NO_OBJECT if t < 0 else f"{kind.get(t, 'object')} #{t}" for t in ids]
    return shots, leak, ids, labels


def _lanes(row: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bar centre (y) and thickness of each shot: the shots in one row side by side,
    in launch order."""
    y = row.astype(float)
    width = np.full(row.size, 0.3)
    for r in np.unique(row):
        on = np.flatnonzero(row == r)
        width[on] = min(0.8 / on.size, 0.3)
        order = on[np.argsort(start[on], kind="stable")]
        y[order] += (np.arange(on.size) - (on.size - 1) / 2.0) * width[on]
    return y, width


def _impact_trace(
    outcomes: Table, leak: np.ndarray, trajectories: Table, row: dict[int, int], t0: float
) -> go.Scatter:
    """The leakers' impacts (their last stored truth sample) as red diamonds."""
    traj_id = np.asarray(trajectories["threat_id"])
    traj_t = np.asarray(trajectories["t_s"], float)
    impact = {
        t: float(traj_t[traj_id == t].max())
        for t in outcomes["threat_id"][leak].tolist()
        if np.any(traj_id == t)
    }
    return go.Scatter(
        x=[round((v - t0) / 60.0, 3) for v in impact.values()],
        y=[row[t] for t in impact],
        mode="markers",
        marker={"symbol": "diamond", "color": OUTCOME_COLOURS["leaked"], "size": 11},
        name="leaker impact",
        hovertemplate="leaker impact at %{x:.1f} min<extra></extra>",
    )


def engagement_timeline_figure(
    engagements: Table, outcomes: Table, trial: int = 0, trajectories: Table | None = None
) -> go.Figure:
    """One trial's shots as bars from launch to intercept [min after the raid's first
    launch, from ``trajectories``; else after the epoch], one row per object shot at or
    leaking, coloured by layer; hits and misses marked, leakers' impacts as diamonds."""
    shots, leak, ids, labels = _timeline_rows(engagements, outcomes, trial)
    if not ids:
        return _empty(f"no engagements in trial {trial} of this run")
    has_traj = trajectories is not None and trajectories["t_s"].size > 0
    t0 = float(np.min(trajectories["t_s"])) if trajectories is not None and has_traj else 0.0
    row = {t: i for i, t in enumerate(ids)}
    tid = np.asarray(engagements["threat_id"], np.int64)[shots]
    start = (np.asarray(engagements["launch_time_s"], float)[shots] - t0) / 60.0
    end = (np.asarray(engagements["intercept_time_s"], float)[shots] - t0) / 60.0
    y, width = _lanes(np.array([row[int(t)] for t in tid], dtype=np.int64), start)
    lay = np.asarray(engagements["layer"]).astype(str)[shots]
    hit = np.asarray(engagements["hit"], dtype=bool)[shots]
    hover = [
        f"shot {engagements['shot_id'][i]} · {escape(str(engagements['site'][i]))} ({lay[k]})"
        f"<br>{labels[row[int(tid[k])]]}<br>launch {start[k]:.1f} min, intercept "
        f"{_f(end[k], '.1f')} min<br>Pk {_f(engagements['pk'][i])} · {'hit' if hit[k] else 'miss'}"
        for k, i in enumerate(shots)
    ]
    done = np.isfinite(end)
    fig = go.Figure()
    for layer in _layer_order(set(lay.tolist())):
        on = np.flatnonzero((lay == layer) & done)
        fig.add_bar(
            y=y[on].round(3).tolist(),
            x=(end[on] - start[on]).round(3).tolist(),
            base=start[on].round(3).tolist(),
            width=width[on].round(3).tolist(),
            orientation="h",
            marker_color=_layer_colour(layer),
            name=f"shot: {layer}",
            hovertext=[hover[k] for k in on],
            hoverinfo="text",
        )
    for name, (symbol, colour), x, sel in (
        ("hit", _HIT, end, hit & done),
        ("miss", _MISS, end, ~hit & done),
        ("launch (no intercept time stored)", ("triangle-right", "#555555"), start, ~done),
    ):
        on = np.flatnonzero(sel)
        if on.size:
            fig.add_scatter(
                x=x[on].round(3).tolist(),
                y=y[on].round(3).tolist(),
                mode="markers",
                marker={"symbol": symbol, "color": colour, "size": 10},
                name=name,
                hovertext=[hover[k] for k in on],
                hoverinfo="text",
            )
    if trajectories is not None and has_traj and leak.size:
        fig.add_trace(_impact_trace(outcomes, leak, trajectories, row, t0))
    height = int(np.clip(140 + 28 * len(ids), 300, 1600))
    fig.update_layout(**_LAYOUT, barmode="overlay", height=height, legend={**_LEGEND_TOP, "y": 1})
    fig.update_layout(margin={"l": 10, "r": 20, "t": 60})
    since = "the raid's first launch" if has_traj else "the scenario epoch"
    fig.update_xaxes(title=f"time after {since} (min)")
    fig.update_yaxes(title="object (shot at, or leaking)", autorange="reversed", automargin=True)
    fig.update_yaxes(tickvals=list(range(len(ids))), ticktext=labels)
    _caption(fig, f"Trial {trial}: each shot from launch to intercept (a beam: its dwell).")
    return fig


# --- the one entry point ----------------------------------------------------------


def dashboard_figures(tables: dict[str, Table], trial: int = 0) -> dict[str, go.Figure]:
    """The five figures from a run's tables (:data:`~shieldlab.store.RESULT_TABLES`),
    keyed by :data:`DASHBOARD_SLUGS`; the engagement timeline shows ``trial``. The one
    function the HTML report and the viewer's run dashboard both call."""
    n = int(np.asarray(tables["trials"]["trial"]).size)
    o, e = tables["threat_outcomes"], tables["engagements"]
    return {
        "leakers-by-asset": leakers_by_asset_figure(o, tables["sites"], e, n),
        "kill-chain": kill_chain_figure(o, e, n),
        "custody-by-layer": custody_by_layer_figure(o, tables["custody_layers"]),
        "cost-by-layer": cost_by_layer_figure(e, n),
        "engagement-timeline": engagement_timeline_figure(e, o, trial, tables.get("trajectories")),
    }


def run_dashboard_figures(db_path: Path, run_id: str, trial: int = 0) -> dict[str, go.Figure]:
    """The five dashboard figures of a stored run (its tables read, then
    :func:`dashboard_figures`)."""
    tables = {name: read_table(db_path, name, run_id) for name in RESULT_TABLES}
    return dashboard_figures(tables, trial)
