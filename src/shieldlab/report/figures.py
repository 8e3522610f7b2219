"""Plotly figures of one stored run: globe, altitude timeline, leaker histogram.

What it shows: the truth trajectories of a run (one line per threat, coloured
by the outcome it met most often over the Monte Carlo trials), the sites
(launch area, defended assets sized by value, interceptor sites, radars,
warning satellites' sub-points) and the intercept points of trial 0.

Assumptions: trajectories are sampled densely enough (~10 s) that linear
interpolation in time gives a faithful intercept position for display
(longitude unwrapped before interpolating so the dateline does no harm).
Display only: lat/lon in degrees, altitude in km, time in minutes.
The globe is plotly's orthographic ``Scattergeo``; its land and coastlines
come from the topojson inlined by ``html.py``, so no network is needed.
"""

from __future__ import annotations

from html import escape

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "OUTCOME_COLOURS",
    "altitude_figure",
    "globe_centre",
    "globe_figure",
    "intercept_points",
    "leaker_histogram",
    "threat_outcome_mode",
]

OUTCOME_COLOURS: dict[str, str] = {
    "killed": "#1f9e5a",
    "leaked": "#d62728",
    "no_threat": "#8c8c8c",
    "unknown": "#b07aa1",
}
_OUTCOME_LABEL = {
    "killed": "mostly killed",
    "leaked": "mostly leaked",
    "no_threat": "mostly impacted outside assets",
    "unknown": "no outcome stored",
}
# Tie-break between equally frequent outcomes: the more pessimistic first.
_OUTCOME_ORDER = ("leaked", "no_threat", "killed")
_SITE_STYLE: dict[str, tuple[str, str, str]] = {
    # kind: (marker symbol, colour, legend label)
    "launch": ("x", "#000000", "launch area"),
    "interceptor": ("triangle-up", "#1f4e9e", "interceptor site"),
    "radar": ("square", "#ff7f0e", "radar"),
    "geo-ir": ("diamond", "#9467bd", "warning satellite (sub-point)"),
}
_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius, for drawing asset circles only


def threat_outcome_mode(
    threat_ids: np.ndarray, outcome_threat: np.ndarray, outcome_status: np.ndarray
) -> dict[int, tuple[str, dict[str, int]]]:
    """Most frequent status of each threat over trials, with the counts per status."""
    result: dict[int, tuple[str, dict[str, int]]] = {}
    for tid in np.unique(threat_ids):
        statuses = outcome_status[outcome_threat == tid]
        counts = {s: int(np.count_nonzero(statuses == s)) for s in _OUTCOME_ORDER}
        if sum(counts.values()) == 0:
            result[int(tid)] = ("unknown", counts)
            continue
        best = max(_OUTCOME_ORDER, key=lambda s: (counts[s], -_OUTCOME_ORDER.index(s)))
        result[int(tid)] = (best, counts)
    return result


def _lines(
    traj: dict[str, np.ndarray], ids: list[int], x_key: str, y_key: str
) -> tuple[list[float | None], list[float | None], list[int | None]]:
    """Concatenate per-threat polylines separated by None (one plotly trace).

    Returns x, y and the threat id of each point (None at the separators).
    """
    xs: list[float | None] = []
    ys: list[float | None] = []
    texts: list[int | None] = []
    for tid in ids:
        sel = traj["threat_id"] == tid
        xs.extend(np.asarray(traj[x_key][sel], dtype=float).tolist())
        ys.extend(np.asarray(traj[y_key][sel], dtype=float).tolist())
        texts.extend([tid] * int(np.count_nonzero(sel)))
        xs.append(None)
        ys.append(None)
        texts.append(None)
    return xs, ys, texts


def _grouped_ids(
    traj: dict[str, np.ndarray], outcomes: dict[str, np.ndarray]
) -> tuple[dict[str, list[int]], dict[int, tuple[str, dict[str, int]]]]:
    modes = threat_outcome_mode(
        np.unique(traj["threat_id"]), outcomes["threat_id"], outcomes["status"]
    )
    groups: dict[str, list[int]] = {k: [] for k in OUTCOME_COLOURS}
    for tid, (mode, _) in modes.items():
        groups[mode].append(tid)
    return groups, modes


def intercept_points(
    traj: dict[str, np.ndarray], engagements: dict[str, np.ndarray], trial: int = 0
) -> dict[str, np.ndarray]:
    """Intercept positions of one trial's shots, interpolated on the truth trajectories.

    Returns ``lat_deg, lon_deg, alt_m, t_s, hit, threat_id, site, layer`` arrays;
    shots without a finite intercept time or without a stored trajectory are left out.
    """
    sel = (engagements["trial"] == trial) & np.isfinite(engagements["intercept_time_s"])
    sel &= np.isin(engagements["threat_id"], traj["threat_id"])
    idx = np.flatnonzero(sel)
    lat = np.empty(idx.size)
    lon = np.empty(idx.size)
    alt = np.empty(idx.size)
    t_int = engagements["intercept_time_s"][idx]
    tids = engagements["threat_id"][idx]
    for tid in np.unique(tids):
        rows = tids == tid
        on = traj["threat_id"] == tid
        order = np.argsort(traj["t_s"][on], kind="stable")
        t = traj["t_s"][on][order]
        lon_unwrapped = np.rad2deg(np.unwrap(np.deg2rad(traj["lon_deg"][on][order])))
        lat[rows] = np.interp(t_int[rows], t, traj["lat_deg"][on][order])
        lon[rows] = (np.interp(t_int[rows], t, lon_unwrapped) + 180.0) % 360.0 - 180.0
        alt[rows] = np.interp(t_int[rows], t, traj["alt_m"][on][order])
    stored_alt = engagements["intercept_alt_m"][idx]
    alt = np.where(np.isfinite(stored_alt), stored_alt, alt)
    return {
        "lat_deg": lat,
        "lon_deg": lon,
        "alt_m": alt,
        "t_s": t_int,
        "hit": engagements["hit"][idx].astype(bool),
        "threat_id": tids,
        "site": engagements["site"][idx],
        "layer": engagements["layer"][idx],
    }


def globe_centre(traj: dict[str, np.ndarray], sites: dict[str, np.ndarray]) -> tuple[float, float]:
    """(lat, lon) in degrees of the mean direction of the trajectory points (else sites)."""
    lat, lon = traj["lat_deg"], traj["lon_deg"]
    if lat.size == 0:
        lat, lon = sites["lat_deg"], sites["lon_deg"]
    if lat.size == 0:
        return 45.0, -165.0  # North Pacific
    la, lo = np.deg2rad(lat), np.deg2rad(lon)
    v = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1).mean(0)
    if np.linalg.norm(v) < 1e-9:
        return 45.0, -165.0
    return float(np.rad2deg(np.arctan2(v[2], np.hypot(v[0], v[1])))), float(
        np.rad2deg(np.arctan2(v[1], v[0]))
    )


def _circle(lat_deg: float, lon_deg: float, radius_m: float, n: int = 48) -> tuple[list, list]:
    """Small circle of given radius around a point on a sphere (display only)."""
    d = radius_m / _EARTH_RADIUS_M
    az = np.linspace(0.0, 2.0 * np.pi, n)
    la0, lo0 = np.deg2rad(lat_deg), np.deg2rad(lon_deg)
    la = np.arcsin(np.sin(la0) * np.cos(d) + np.cos(la0) * np.sin(d) * np.cos(az))
    lo = lo0 + np.arctan2(
        np.sin(az) * np.sin(d) * np.cos(la0), np.cos(d) - np.sin(la0) * np.sin(la)
    )
    return np.rad2deg(la).round(4).tolist(), np.rad2deg(lo).round(4).tolist()


def globe_figure(
    traj: dict[str, np.ndarray],
    outcomes: dict[str, np.ndarray],
    sites: dict[str, np.ndarray],
    engagements: dict[str, np.ndarray],
) -> go.Figure:
    """Orthographic globe of trajectories, sites and trial-0 intercepts."""
    fig = go.Figure()
    groups, modes = _grouped_ids(traj, outcomes)
    for mode, ids in groups.items():
        if not ids:
            continue
        lat, lon, tids = _lines(traj, ids, "lat_deg", "lon_deg")
        hover = [
            None
            if t is None
            else f"threat {t}: {_OUTCOME_LABEL[mode]} ({_counts_text(modes[t][1])})"
            for t in tids
        ]
        fig.add_trace(
            go.Scattergeo(
                lat=_round(lat, 4),
                lon=_round(lon, 4),
                mode="lines",
                line={"width": 1.6, "color": OUTCOME_COLOURS[mode]},
                name=f"trajectory, {_OUTCOME_LABEL[mode]} ({len(ids)})",
                text=hover,
                hoverinfo="text",
            )
        )
    kinds = sites["kind"]
    assets = np.flatnonzero(kinds == "asset")
    if assets.size:
        values = np.nan_to_num(sites["value"][assets].astype(float), nan=0.0)
        vmax = values.max() if values.max() > 0 else 1.0
        for i in assets:
            radius = float(sites["radius_m"][i])
            if np.isfinite(radius) and radius > 0:
                clat, clon = _circle(float(sites["lat_deg"][i]), float(sites["lon_deg"][i]), radius)
                fig.add_trace(
                    go.Scattergeo(
                        lat=clat,
                        lon=clon,
                        mode="lines",
                        line={"width": 1, "color": "#1f1f1f"},
                        showlegend=False,
                        hoverinfo="skip",
                    )
                )
        fig.add_trace(
            go.Scattergeo(
                lat=sites["lat_deg"][assets].tolist(),
                lon=sites["lon_deg"][assets].tolist(),
                mode="markers",
                marker={
                    "size": (8.0 + 18.0 * np.sqrt(values / vmax)).round(1).tolist(),
                    "color": "#ffd43b",
                    "line": {"width": 1, "color": "#1f1f1f"},
                    "symbol": "circle",
                },
                name="defended asset (size ∝ √value)",
                text=[
                    f"{escape(str(sites['name'][i]))}<br>value {_fmt(sites['value'][i])}"
                    for i in assets
                ],
                hoverinfo="text",
            )
        )
    for kind, (symbol, colour, label) in _SITE_STYLE.items():
        sel = np.flatnonzero(kinds == kind)
        if not sel.size:
            continue
        fig.add_trace(
            go.Scattergeo(
                lat=sites["lat_deg"][sel].tolist(),
                lon=sites["lon_deg"][sel].tolist(),
                mode="markers",
                marker={"size": 10, "symbol": symbol, "color": colour},
                name=label,
                text=[_site_hover(sites, int(i)) for i in sel],
                hoverinfo="text",
            )
        )
    pts = intercept_points(traj, engagements, trial=0)
    for hit, label, symbol, colour in (
        (True, "intercept, hit (trial 0)", "star", "#1f9e5a"),
        (False, "intercept, miss (trial 0)", "circle-open", "#d62728"),
    ):
        on = pts["hit"] == hit
        if not on.any():
            continue
        fig.add_trace(
            go.Scattergeo(
                lat=pts["lat_deg"][on].round(4).tolist(),
                lon=pts["lon_deg"][on].round(4).tolist(),
                mode="markers",
                marker={"size": 9, "symbol": symbol, "color": colour},
                name=label,
                text=_intercept_hover(pts, on),
                hoverinfo="text",
            )
        )
    centre_lat, centre_lon = globe_centre(traj, sites)
    fig.update_geos(
        projection_type="orthographic",
        projection_rotation={"lat": centre_lat, "lon": centre_lon, "roll": 0},
        showland=True,
        landcolor="#e8e4d8",
        showocean=True,
        oceancolor="#d6e6f2",
        showcoastlines=True,
        coastlinecolor="#6b6b6b",
        showcountries=True,
        countrycolor="#b5b5b5",
        showlakes=False,
        lataxis_showgrid=True,
        lonaxis_showgrid=True,
        lataxis_gridcolor="#c8d3dc",
        lonaxis_gridcolor="#c8d3dc",
    )
    fig.update_layout(
        template="plotly_white",
        height=640,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend={"orientation": "h", "x": 0.0, "y": 0.0, "yanchor": "top"},
    )
    return fig


def altitude_figure(
    traj: dict[str, np.ndarray],
    outcomes: dict[str, np.ndarray],
    engagements: dict[str, np.ndarray],
) -> go.Figure:
    """Altitude (km) against time (min) of every trajectory, with trial-0 intercepts."""
    fig = go.Figure()
    groups, _ = _grouped_ids(traj, outcomes)
    scaled = {
        "threat_id": traj["threat_id"],
        "t_min": traj["t_s"] / 60.0,
        "alt_km": traj["alt_m"] / 1000.0,
    }
    for mode, ids in groups.items():
        if not ids:
            continue
        x, y, tids = _lines(scaled, ids, "t_min", "alt_km")
        fig.add_trace(
            go.Scatter(
                x=_round(x, 3),
                y=_round(y, 3),
                mode="lines",
                line={"width": 1.4, "color": OUTCOME_COLOURS[mode]},
                name=f"{_OUTCOME_LABEL[mode]} ({len(ids)})",
                text=[None if t is None else f"threat {t}" for t in tids],
                hovertemplate="%{text}<br>t %{x:.1f} min<br>alt %{y:.0f} km<extra></extra>",
            )
        )
    pts = intercept_points(traj, engagements, trial=0)
    for hit, label, symbol, colour in (
        (True, "intercept, hit (trial 0)", "star", "#1f9e5a"),
        (False, "intercept, miss (trial 0)", "circle-open", "#d62728"),
    ):
        sel = pts["hit"] == hit
        if not sel.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=(pts["t_s"][sel] / 60.0).round(3).tolist(),
                y=(pts["alt_m"][sel] / 1000.0).round(3).tolist(),
                mode="markers",
                marker={"size": 11, "symbol": symbol, "color": colour},
                name=label,
                text=_intercept_hover(pts, sel),
                hoverinfo="text",
            )
        )
    fig.update_layout(
        template="plotly_white",
        height=420,
        margin={"l": 60, "r": 20, "t": 10, "b": 50},
        xaxis_title="time since scenario epoch (min)",
        yaxis_title="altitude (km)",
    )
    return fig


def leaker_histogram(leakers: np.ndarray) -> go.Figure:
    """Bar chart of the number of trials with 0, 1, 2, … leakers."""
    leakers = np.asarray(leakers, dtype=np.int64)
    counts = np.bincount(leakers) if leakers.size else np.zeros(1, dtype=np.int64)
    share = counts / max(leakers.size, 1)
    fig = go.Figure(
        go.Bar(
            x=np.arange(counts.size).tolist(),
            y=counts.tolist(),
            marker_color=["#1f9e5a"] + ["#d62728"] * (counts.size - 1),
            text=[f"{100 * s:.0f} %" for s in share],
            textposition="outside",
            hovertemplate="%{x} leakers: %{y} trials<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=320,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        xaxis={"title": "leakers in a trial", "dtick": 1},
        yaxis_title="trials",
        bargap=0.15,
    )
    return fig


def _round(values: list[float | None], digits: int) -> list[float | None]:
    return [None if v is None else round(v, digits) for v in values]


def _fmt(value: object) -> str:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(f) else f"{f:g}"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def _site_hover(sites: dict[str, np.ndarray], i: int) -> str:
    text = f"{escape(str(sites['name'][i]))} ({escape(str(sites['kind'][i]))})"
    if np.isfinite(float(sites["value"][i])):
        text += f"<br>inventory/value {_fmt(sites['value'][i])}"
    return text


def _intercept_hover(pts: dict[str, np.ndarray], sel: np.ndarray) -> list[str]:
    return [
        f"threat {int(tid)} · {escape(str(site))} ({escape(str(layer))})"
        f"<br>t {t / 60.0:.1f} min, alt {alt / 1000.0:.0f} km"
        for tid, site, layer, t, alt in zip(
            pts["threat_id"][sel],
            pts["site"][sel],
            pts["layer"][sel],
            pts["t_s"][sel],
            pts["alt_m"][sel],
            strict=True,
        )
    ]
