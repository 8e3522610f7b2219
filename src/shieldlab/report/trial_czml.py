"""CZML document of one stored Monte Carlo trial (Cesium and other CZML viewers).

What it draws (entity ids in brackets):

- ``document``: the clock from the first launch to the last event plus
  :data:`END_MARGIN_S`, ×30, loop-stop; the description states the run, the
  provenance checks and the satellite sample.
- every threat object of the trial [``threat/<threat_id>``]: sampled positions
  every ``sample_s`` from its launch to where it ended — its kill time when
  killed, else its impact, whose last sample is the stored impact point on the
  ground (the ew-cyber layer may move it from the flown one: the path then
  jumps there in its last segment, the trajectory is not re-flown). A trail
  coloured by threat type (decoys and chaff grey, buses dark grey), a point and
  an HTML description. Objects that never flew (launcher destroyed left of
  launch, launch failed: killed by a before-flight layer at their launch time)
  get a point at the launch point for :data:`NEVER_FLEW_S` and say why.
- every engagement row [``interceptor/<shot_id>``]: kinetic shots as a drawn
  fly-out from launch to intercept time (a picture, not the engine's fly-out):
  from a ground or sea site a lofted great-circle arc
  (:func:`~shieldlab.report.trial_czml_parts.flyout_arc`); from space (layer
  ``boost``) a straight line from the constellation's carrier nearest the
  intercept at launch (the store keeps no carrier: a reconstruction). A shot
  that met an object ends at that object's re-flown position at the intercept
  time (its kill point when it killed it; the stored intercept point is the
  fire unit's *plan* from the decision, often several km off, shown in the
  description); one that met nothing ends at the stored planned point; one
  without an intercept time flies toward its object and stops where it ended.
  Directed-energy shots (layers that neither fire interceptors nor act before
  flight: ``laser``, ``microwave``) as a beam from the weapon's ``site/`` entity
  to its target's during the dwell (a pulse is shown for :data:`BEAM_MIN_S`).
- kill markers [``kill/<threat_id>``] at the kill point and leak markers
  [``leak/<threat_id>``] at the impact, from their time on, labelled with it.
- defended assets [``asset/<name>``] as circles of their radius, fire units and
  directed-energy weapons [``site/<name>``] (the latter with a circle of their
  catalog maximum range), sensors [``sensor/<name>``]: radars with the ground
  projection of their instrumented range over their azimuth sector (not a
  horizon or elevation mask), GEO infrared sensors at the geostationary height
  (no footprint drawn); launch areas [``launch/<name>``].
- satellites [``sat/<constellation>/<index>``]: at most ``max_satellites`` per
  constellation, evenly spread by index (every satellite when fewer), every
  :data:`SAT_STEP_S` over the clock.

Frames and units: positions are cartographic degrees and metres on WGS-84
(Earth-fixed); times are seconds from the scenario epoch (``epoch`` of every
sampled property). The truth is re-flown from the stored scenario text in
shieldlab's ECI frame and turned Earth-fixed by GMST. SI inside; labels and
descriptions carry their units (km, s, m).

Mapping: ``threat_outcomes`` holds one row per trial and truth object, its
``threat_id`` the index of the object in the re-flown truth (``fly_raid``
order: launches, then each launch's objects). The export checks the mapping:
one row per object with the same threat type and object kind (else
``ValueError``), the store's launch points (``sites`` rows ``launch <id>``) and
impact points on the re-flown ones except those ew-cyber moved (else a
warning). The raid is drawn from the run's stored seed (the
command line's ``--seed`` overrides the text's). Provenance mismatches (another
shieldlab version, a scenario text whose SHA-256 is not the stored one) are
returned in ``warnings``, never dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from czml3 import CZML_VERSION, Document, Packet
from czml3.enums import ClockRanges, ClockSteps
from czml3.properties import (
    Clock,
    Polyline,
    PolylineGlowMaterial,
    PolylineMaterial,
    PositionList,
)
from numpy.typing import NDArray

from shieldlab import __version__
from shieldlab.core.frames import geodetic_to_ecef, great_circle_distance_m
from shieldlab.report import trial_czml_parts as tp
from shieldlab.scenario import LoadedScenario, parse_scenario
from shieldlab.sim import layers
from shieldlab.store import read_run, read_table
from shieldlab.store.export import write_text_atomic
from shieldlab.threats import LETHAL_KINDS, OBJECT_NAMES
from shieldlab.threats.truth import OBJECT_BUS

F64 = NDArray[np.float64]
Cols = dict[str, np.ndarray]

END_MARGIN_S = 120.0
"""Clock time after the last event [s]."""
NEVER_FLEW_S = 60.0
"""How long an object that never flew is shown at its launch point [s]."""
BEAM_MIN_S = 2.0
"""Shortest time a directed-energy shot is shown [s] (a microwave pulse has no duration)."""
NO_FLYOUT_S = 60.0
"""How long a shot without any end point is shown at its site [s]."""
_LETHAL = {OBJECT_NAMES[k] for k in LETHAL_KINDS}
_BUS = OBJECT_NAMES[OBJECT_BUS]


@dataclass(frozen=True)
class TrialCzml:
    """A trial's CZML document with its entity counts, clock and warnings."""

    document: Document
    n_threats: int
    """Entities ``threat/<threat_id>`` (the trial's threat_outcomes rows)."""
    n_interceptors: int
    """Entities ``interceptor/<shot_id>`` (the trial's engagements rows)."""
    start_utc: datetime
    end_utc: datetime
    warnings: list[str]

    def dumps(self) -> str:
        """The CZML JSON text (a list of packets, ``null`` members left out)."""
        return self.document.dumps()


@dataclass(frozen=True)
class _Tracks:
    """Per threat row (n,), ordered by threat id: launch and end times [s], kill and
    never-flew flags, impact moved by ew-cyber [km]; samples (m,): time [s], lat/lon
    [deg], height [m];
    the last sample of each row is where it ended."""

    t0: F64
    t1: F64
    killed: NDArray[np.bool_]
    never: NDArray[np.bool_]
    moved_km: F64
    t: F64
    lat: F64
    lon: F64
    h: F64
    last: NDArray[np.int64]


def _rows(table: Cols, mask: NDArray[np.bool_], key: str | None = None) -> Cols:
    out = {k: v[mask] for k, v in table.items()}
    if key is not None:
        order = np.argsort(out[key], kind="stable")
        out = {k: v[order] for k, v in out.items()}
    return out


def _load(db_path: Path, run_id: str, trial: int) -> tuple[dict[str, Any], Cols, Cols, Cols]:
    """The run row, the trial's threat_outcomes (by threat id) and engagements, and the
    run's sites table."""
    run: dict[str, Any] = dict(read_run(Path(db_path), run_id))
    n = int(run["trials"])
    if not 0 <= trial < n:
        raise ValueError(
            f"--trial {trial} is out of range: run {run_id!r} has {n} trial(s), allowed 0..{n - 1}"
        )
    out = read_table(db_path, "threat_outcomes", run_id)
    eng = read_table(db_path, "engagements", run_id)
    sites = read_table(db_path, "sites", run_id)
    out, eng = _rows(out, out["trial"] == trial, "threat_id"), _rows(eng, eng["trial"] == trial)
    return run, out, eng, sites


def _scenario(run: dict[str, Any], warnings: list[str]) -> LoadedScenario:
    """The stored scenario with the run's seed and trials; provenance mismatches warned."""
    loaded = parse_scenario(str(run["scenario_text"]), f"run {run['run_id']} scenario")
    if loaded.sha256 != run["scenario_sha256"]:
        warnings.append(
            f"the stored scenario text hashes to {loaded.sha256[:12]}…, not the stored "
            f"SHA-256 {str(run['scenario_sha256'])[:12]}…: the store was altered"
        )
    if str(run["shieldlab_version"]) != __version__:
        warnings.append(
            f"run written by shieldlab {run['shieldlab_version']}, re-flown by {__version__}: "
            "the truth may differ from the stored results"
        )
    if run["epoch_utc"] and str(run["epoch_utc"]) != loaded.scenario.epoch_utc:
        warnings.append(f"stored epoch {run['epoch_utc']} differs from the scenario's")
    s = loaded.scenario.model_copy(update={"seed": int(run["seed"]), "trials": int(run["trials"])})
    return LoadedScenario(s, loaded.text, loaded.sha256, loaded.path)


def _check_mapping(scene: tp.Scene, out: Cols, sites: Cols, warnings: list[str]) -> None:
    """threat_id must index the re-flown truth (see the module docstring): the same
    number of objects, types and kinds (else ``ValueError``); launch points (the
    store's ``sites`` table) and impact points where stored (else a warning)."""
    tr = scene.truth
    tid = out["threat_id"].astype(np.int64)
    if tid.size != tr.n or not np.array_equal(tid, np.arange(tr.n)):
        raise ValueError(
            f"the trial has {tid.size} threat rows, the re-flown scenario {tr.n} objects: "
            "threat_id does not index the truth"
        )
    kinds = np.array([OBJECT_NAMES[int(k)] for k in tr.object_kind], dtype=object)
    types = np.array(scene.threat_type, dtype=object)
    bad = np.flatnonzero((kinds != out["object_kind"]) | (types != out["threat_type"]))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"threat {i}: stored {out['threat_type'][i]}/{out['object_kind'][i]}, re-flown "
            f"{types[i]}/{kinds[i]}: threat_id does not index the truth"
        )
    kinds_of_site = zip(sites["name"], sites["kind"], strict=True)
    pads = {str(n): j for j, (n, k) in enumerate(kinds_of_site) if k == "launch"}
    if pads:  # rows "launch <threat id>" of the store's sites table
        j = np.array([pads.get(f"launch {i}", -1) for i in range(tr.n)], np.int64)
        la, lo = (np.where(j >= 0, np.radians(sites[c][j]), np.nan) for c in ("lat_deg", "lon_deg"))
        d = great_circle_distance_m(la, lo, tr.launch_lat_rad, tr.launch_lon_rad)
        if (far := int(np.sum(~(np.asarray(d) < 1e3)))) > 0:
            warnings.append(f"{far} re-flown launch point(s) differ from the stored ones")
    d_km = _impact_shift_km(scene, out)
    ew = scene.scenario.ew_cyber
    moved = np.zeros(tr.n, bool)
    if ew is not None and "ew-cyber" not in scene.scenario.disabled_layers:
        moved = np.abs(d_km - ew.aim_miss_km) < 2.0  # degraded guidance moved these
    if (odd := (d_km > 1.0) & ~moved).any():
        warnings.append(
            f"{int(odd.sum())} stored impact point(s) lie up to {d_km[odd].max():.1f} km from "
            "the re-flown truth's: the picture may not match the stored trial"
        )


def _impact_shift_km(scene: tp.Scene, out: Cols) -> F64:
    tr = scene.truth
    d = great_circle_distance_m(
        np.radians(out["impact_lat_deg"]),
        np.radians(out["impact_lon_deg"]),
        tr.impact_lat_rad,
        tr.impact_lon_rad,
    )
    return np.asarray(d, np.float64) / 1e3


def _before_flight_layers() -> list[str]:
    """Layer plug-ins that act before any flight (their kills never flew)."""
    return [x.name for x in layers.layers() if x.before_flight is not None]


def _beam_layers() -> list[str]:
    """Layer plug-ins that fire no interceptors during the flight (directed energy)."""
    return [x.name for x in layers.layers() if x.start is not None and not x.interceptors]


def _tracks(scene: tp.Scene, out: Cols, sample_s: float) -> _Tracks:
    """Sampled flights of every row (vectorised over all objects)."""
    tr = scene.truth
    n = tr.n
    killed = np.asarray(out["status"] == "killed", bool)
    kill_t = np.asarray(out["kill_time_s"], np.float64)
    t0 = tr.t_launch_s.copy()
    never = killed & (np.isin(out["kill_layer"], _before_flight_layers()) | (kill_t <= t0 + 1e-6))
    t1 = np.where(killed & np.isfinite(kill_t), kill_t, tr.t_impact_s)
    t1 = np.where(never, t0 + NEVER_FLEW_S, t1)
    row, t, counts = tp.sample_times(t0, t1, sample_s)
    lat, lon, h = tp.geodetic_deg(tp.truth_ecef(tr, scene.epoch, row, t))
    last = np.cumsum(counts) - 1
    land = ~killed
    lat[last[land]] = out["impact_lat_deg"][land]
    lon[last[land]] = out["impact_lon_deg"][land]
    h[last[land]] = 0.0
    on_pad = never[row]
    lat[on_pad] = np.degrees(tr.launch_lat_rad)[row[on_pad]]
    lon[on_pad] = np.degrees(tr.launch_lon_rad)[row[on_pad]]
    h[on_pad] = 0.0
    moved = np.where(land, _impact_shift_km(scene, out), 0.0)
    t1 = t[last]
    assert last.size == n
    return _Tracks(t0, t1, killed, never, moved, t, lat, lon, h, last)


def _threat_colour(kind: str, ttype: str, lethal_types: list[str]) -> tp.RGB:
    if kind == _BUS:
        return tp.BUS_GREY
    if kind not in _LETHAL:
        return tp.DECOY_GREY
    return tp.THREAT_PALETTE[lethal_types.index(ttype) % len(tp.THREAT_PALETTE)]


def _threat_description(scene: tp.Scene, out: Cols, tk: _Tracks, i: int) -> str:
    ep = scene.epoch
    status = str(out["status"][i])
    rows = [
        ("class", str(out["threat_type"][i])),
        ("object kind", str(out["object_kind"][i])),
        ("status", status),
        ("launch", tp.when(ep, tk.t0[i])),
        ("aimed at", str(out["aim_asset"][i])),
    ]
    if tk.never[i]:
        why = {"left-of-launch": "launcher destroyed before it fired", "ew-cyber": "launch failed"}
        layer = str(out["kill_layer"][i])
        rows.append(("never flew", f"{why.get(layer, 'removed before flight')} ({layer})"))
    elif tk.killed[i]:
        rows += [
            ("kill layer", str(out["kill_layer"][i])),
            ("kill time", tp.when(ep, tk.t1[i])),
            ("kill altitude", f"{tk.h[tk.last[i]] / 1e3:.1f} km"),
        ]
    else:
        rows += [
            ("impact", tp.when(ep, tk.t1[i])),
            ("impact point", f"{out['impact_lat_deg'][i]:.3f}°, {out['impact_lon_deg'][i]:.3f}°"),
            ("hit asset", str(out["hit_asset"][i] or "none")),
        ]
        if tk.moved_km[i] > 1.0:
            moved = f"{tk.moved_km[i]:.1f} km by degraded guidance (ew-cyber): the path"
            rows.append(("impact moved", f"{moved} jumps there at its end (not re-flown)"))
    return tp.html_table(f"threat {i}", rows)


def _threat_packets(scene: tp.Scene, out: Cols, tk: _Tracks, sample_s: float) -> list[Packet]:
    ep = scene.epoch
    kinds, types = out["object_kind"], out["threat_type"]
    lethal_types = sorted({str(t) for t, k in zip(types, kinds, strict=True) if k in _LETHAL})
    packets = []
    for i in range(tk.t0.size):  # one packet per object: output formatting
        kind, ttype = str(kinds[i]), str(types[i])
        rgb = _threat_colour(kind, ttype, lethal_types)
        big = kind in _LETHAL
        a, b = (int(tk.last[i - 1]) + 1 if i else 0), int(tk.last[i]) + 1
        if tk.never[i]:
            shape: dict[str, Any] = {"position": tp.place(tk.lat[a], tk.lon[a], 0.0)}
        else:
            shape = {
                "position": tp.sampled(ep, tk.t[a:b], tk.lat[a:b], tk.lon[a:b], tk.h[a:b]),
                "path": tp.trail(rgb, 255 if big else 160, 2.0 if big else 1.0, sample_s),
            }
        packets.append(
            Packet(
                id=f"threat/{i}",
                name=f"{ttype} {kind} {i}",
                description=_threat_description(scene, out, tk, i),
                availability=tp.interval(ep, tk.t0[i], tk.t1[i]),
                point=tp.dot(7 if big else 4, rgb),
                **shape,
            )
        )
    return packets


def _shot_index(eng: Cols) -> dict[int, int]:
    return {int(s): i for i, s in enumerate(eng["shot_id"].tolist())}


def _killer(out: Cols, eng: Cols, i: int) -> int | None:
    """Engagement row that killed threat row ``i`` (by shot, else a hit of its kill layer)."""
    by = int(out["killed_by_shot"][i])
    shots = _shot_index(eng)
    if by >= 0 and by in shots:
        return shots[by]
    hit = (eng["threat_id"] == i) & eng["hit"].astype(bool) & (eng["layer"] == out["kill_layer"][i])
    rows = np.flatnonzero(hit)
    return int(rows[0]) if rows.size else None


def _event_packets(
    scene: tp.Scene, out: Cols, eng: Cols, tk: _Tracks, t_end: float
) -> list[Packet]:
    """Kill markers at kill points and leak markers at impacts, from their time on."""
    ep = scene.epoch
    packets = []
    for i in np.flatnonzero(tk.killed | (out["status"] == "leaked")).tolist():
        j = int(tk.last[i])
        t = float(tk.t0[i]) if tk.never[i] else float(tk.t1[i])
        where = (float(tk.lat[j]), float(tk.lon[j]), float(tk.h[j]))
        if tk.killed[i]:
            k = _killer(out, eng, i)
            site = "" if k is None else str(eng["site"][k])
            by = f" {site} ({tp.site_type(scene, site)})" if site else ""
            text = f"kill {tp.clock_text(ep, t)} {out['kill_layer'][i]}{by}"
            ident, rgb = f"kill/{i}", tp.KILL_COLOUR
        else:
            text = f"leak {tp.clock_text(ep, t)} → {out['hit_asset'][i]}"
            ident, rgb = f"leak/{i}", tp.LEAK_COLOUR
        rows = [("event", text), ("time", tp.when(ep, t)), ("altitude", f"{where[2] / 1e3:.1f} km")]
        title = f"{ident.split('/')[0]} of threat {i}"
        packets.append(
            Packet(
                id=ident,
                name=title,
                description=tp.html_table(title, rows),
                availability=tp.interval(ep, t, max(t_end, t + 1.0)),
                position=tp.place(*where),
                point=tp.dot(10, rgb, outline=True),
                label=tp.label(text, rgb, -12.0, background=True),
            )
        )
    return packets


def _shot_rows(scene: tp.Scene, eng: Cols, i: int, note: str) -> list[tuple[str, str]]:
    """The info-box rows of engagement row ``i`` (kinetic rows only where stored)."""
    ep, tid, site = scene.epoch, int(eng["threat_id"][i]), str(eng["site"][i])

    def opt(key: str, scale: float, unit: str) -> str:
        v = float(eng[key][i])
        return "–" if not math.isfinite(v) else f"{v * scale:,.{1 if scale < 1 else 0}f} {unit}"

    t_end = float(eng["intercept_time_s"][i])
    rows = [
        ("site", f"{site} ({tp.site_type(scene, site)})"),
        ("layer", str(eng["layer"][i])),
        ("target", f"threat {tid}" if tid >= 0 else "none (ghost track or miss beyond the seeker)"),
        ("launch or start", tp.when(ep, float(eng["launch_time_s"][i]))),
        ("intercept or end", tp.when(ep, t_end) if math.isfinite(t_end) else "–"),
        ("Pk", f"{float(eng['pk'][i]):.2f}"),
        ("hit", "yes" if bool(eng["hit"][i]) else "no"),
    ]
    la, lo = float(eng["intercept_lat_deg"][i]), float(eng["intercept_lon_deg"][i])
    if math.isfinite(la) and math.isfinite(lo):  # shots of fire units: the engine's plan
        rows += [
            ("decision", tp.when(ep, float(eng["decision_time_s"][i]))),
            ("planned intercept", f"{la:.3f}°, {lo:.3f}°, {opt('intercept_alt_m', 1e-3, 'km')}"),
            ("miss distance", opt("achieved_miss_m", 1.0, "m")),
            ("handover error", opt("planned_miss_m", 1.0, "m")),
            ("C2 delay", opt("c2_delay_s", 1.0, "s")),
        ]
    return [*rows, ("drawn", note)]


def _shot_end(
    scene: tp.Scene, eng: Cols, tk: _Tracks, i: int
) -> tuple[float, tuple[float, float, float] | None, str]:
    """End time [s], end point (lat, lon, h) or None, and how it was found: where the
    kill vehicle met its object (the object's truth at the intercept time, within its
    flight), else the stored planned intercept point, else nothing."""
    tid = int(eng["threat_id"][i])
    t = float(eng["intercept_time_s"][i])
    if 0 <= tid < tk.t0.size and not tk.never[tid]:
        note = "to its threat at the intercept time"
        if not math.isfinite(t):
            t, note = float(tk.t1[tid]), "toward its threat, ending where it ended"
        tc = float(np.clip(t, tk.t0[tid], tk.t1[tid]))
        r = tp.truth_ecef(scene.truth, scene.epoch, np.array([tid]), np.array([tc]))
        la, lo, h = tp.geodetic_deg(r)
        return t, (float(la[0]), float(lo[0]), float(h[0])), note
    lat, lon = float(eng["intercept_lat_deg"][i]), float(eng["intercept_lon_deg"][i])
    if math.isfinite(lat) and math.isfinite(lon) and math.isfinite(t):
        alt = float(np.nan_to_num(eng["intercept_alt_m"][i]))
        return t, (lat, lon, alt), "to the planned intercept point (it met no object)"
    return float("nan"), None, "no end point stored: shown at its site"


def _shot_start(
    scene: tp.Scene, site: str, t: float, end: tuple[float, float, float] | None
) -> tuple[tuple[float, float, float] | None, bool]:
    """Start point of a kinetic shot and whether it flies from space (an SBI carrier)."""
    ground = {s.name: s for s in scene.sites}
    if site in ground:
        s = ground[site]
        return (math.degrees(s.lat_rad), math.degrees(s.lon_rad), s.alt_m), False
    if site in scene.sbi and end is not None:
        const = scene.constellations[scene.sbi[site]]
        r = const.positions_ecef(np.array([t]))[:, 0]
        target = geodetic_to_ecef(math.radians(end[0]), math.radians(end[1]), end[2])
        near = r[int(np.argmin(np.linalg.norm(r - target, axis=1)))]
        la, lo, h = tp.geodetic_deg(near)
        return (float(la), float(lo), float(h)), True
    return None, False


def _kinetic_packet(scene: tp.Scene, eng: Cols, tk: _Tracks, i: int) -> Packet:
    ep = scene.epoch
    sid, layer, site = int(eng["shot_id"][i]), str(eng["layer"][i]), str(eng["site"][i])
    t0 = float(eng["launch_time_s"][i])
    t1, end, note = _shot_end(scene, eng, tk, i)
    start, space = _shot_start(scene, site, t0, end)
    rgb = tp.layer_colour(layer)
    ok = "hit" if bool(eng["hit"][i]) else "miss"
    common: dict[str, Any] = {
        "id": f"interceptor/{sid}",
        "name": f"{site} shot {sid} → threat {int(eng['threat_id'][i])} ({ok})",
        "point": tp.dot(5, rgb),
    }
    if start is None or end is None:
        spot = start or end or (0.0, 0.0, 0.0)
        return Packet(
            **common,
            description=tp.html_table(common["name"], _shot_rows(scene, eng, i, note)),
            availability=tp.interval(ep, t0, t0 + NO_FLYOUT_S),
            position=tp.place(*spot),
        )
    t1 = max(t1, t0 + 1.0)
    if space:
        a = geodetic_to_ecef(math.radians(start[0]), math.radians(start[1]), start[2])
        b = geodetic_to_ecef(math.radians(end[0]), math.radians(end[1]), end[2])
        lat, lon, h = tp.straight_line(a, b)
        note = f"straight line from the nearest {scene.sbi[site]} carrier (reconstructed), {note}"
    else:
        lat, lon, h = tp.flyout_arc(start, end)
        note = f"lofted great-circle arc (a picture, not the fly-out model), {note}"
    return Packet(
        **common,
        description=tp.html_table(common["name"], _shot_rows(scene, eng, i, note)),
        availability=tp.interval(ep, t0, t1),
        position=tp.sampled(ep, np.linspace(t0, t1, lat.size), lat, lon, h),
        path=tp.trail(rgb, 200, 1.5, 5.0),
    )


def _beam_packet(scene: tp.Scene, eng: Cols, tk: _Tracks, i: int) -> Packet:
    """A directed-energy shot: a polyline from the weapon's site entity to its target's."""
    ep = scene.epoch
    sid, layer, site = int(eng["shot_id"][i]), str(eng["layer"][i]), str(eng["site"][i])
    tid = int(eng["threat_id"][i])
    t0 = float(eng["launch_time_s"][i])
    t1 = max(float(np.nan_to_num(eng["intercept_time_s"][i], nan=t0)), t0 + BEAM_MIN_S)
    de = {d.name: d for d in scene.de_sites}.get(site)
    rgb = tp.layer_colour(layer)
    name = f"{site} {layer} shot {sid} → threat {tid}"
    target_ok = de is not None and 0 <= tid < tk.t0.size and not tk.never[tid]
    note = f"beam from site/{site} to threat/{tid} during the dwell (at least {BEAM_MIN_S:g} s)"
    polyline = None
    if target_ok:
        polyline = Polyline(
            positions=PositionList(references=[f"site/{site}#position", f"threat/{tid}#position"]),
            width=4.0,
            material=PolylineMaterial(
                polylineGlow=PolylineGlowMaterial(color=tp.color(rgb), glowPower=0.3)
            ),
        )
    return Packet(
        id=f"interceptor/{sid}",
        name=name,
        description=tp.html_table(
            name, _shot_rows(scene, eng, i, note if target_ok else "no target drawn")
        ),
        availability=tp.interval(ep, t0, t1),
        position=None if de is None else tp.place(de.lat_deg, de.lon_deg, de.alt_m),
        polyline=polyline,
    )


def _clock(tk: _Tracks, eng: Cols) -> tuple[float, float]:
    """Clock interval [s from epoch]: first launch to the last event + margin."""
    ends = [tk.t1[~tk.never], eng["launch_time_s"], eng["intercept_time_s"]]
    flat = np.concatenate([np.asarray(e, np.float64).ravel() for e in ends])
    flat = flat[np.isfinite(flat)]
    start = float(tk.t0.min()) if tk.t0.size else 0.0
    last = float(flat.max()) if flat.size else start
    return start, max(last, start) + END_MARGIN_S


def trial_czml(
    db_path: Path, run_id: str, trial: int = 0, *, max_satellites: int = 100, sample_s: float = 10.0
) -> TrialCzml:
    """The CZML document of trial ``trial`` of stored run ``run_id`` (see the module docstring).

    Raises ``KeyError`` for an unknown run, ``ValueError`` for a trial out of range
    (naming ``--trial`` and 0..trials−1), bad parameters, or a re-flown truth that the
    stored rows do not index.
    """
    if not sample_s > 0.0:
        raise ValueError(f"sample_s must be > 0 s, got {sample_s}")
    if max_satellites < 0:
        raise ValueError(f"max_satellites must be >= 0, got {max_satellites}")
    run, out, eng, sites = _load(Path(db_path), run_id, trial)
    warnings: list[str] = []
    scene = tp.build_scene(_scenario(run, warnings))
    _check_mapping(scene, out, sites, warnings)
    tk = _tracks(scene, out, sample_s)
    t_start, t_end = _clock(tk, eng)
    threats = _threat_packets(scene, out, tk, sample_s)
    beam = _beam_layers()
    shots = [
        (_beam_packet if str(eng["layer"][i]) in beam else _kinetic_packet)(scene, eng, tk, i)
        for i in range(eng["shot_id"].size)
    ]
    sats, sat_note = tp.satellite_packets(scene, t_start, t_end, max_satellites)
    title = f"shieldlab {scene.scenario.name} run {run_id} trial {trial}"
    doc = Packet(
        id="document",
        name=title,
        version=CZML_VERSION,
        description=_document_description(run, trial, len(threats), len(shots), sat_note, warnings),
        clock=Clock(
            interval=tp.interval(scene.epoch, t_start, t_end),
            currentTime=tp.iso(scene.epoch, t_start),
            multiplier=30.0,
            range=ClockRanges.LOOP_STOP,
            step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
        ),
    )
    packets = [
        doc,
        *tp.site_packets(scene),
        *threats,
        *shots,
        *_event_packets(scene, out, eng, tk, t_end),
        *sats,
    ]
    return TrialCzml(
        document=Document(packets=packets),
        n_threats=len(threats),
        n_interceptors=len(shots),
        start_utc=tp.utc(scene.epoch, t_start),
        end_utc=tp.utc(scene.epoch, t_end),
        warnings=warnings,
    )


def _document_description(
    run: dict[str, Any],
    trial: int,
    n_threats: int,
    n_shots: int,
    sat_note: str,
    warnings: list[str],
) -> str:
    rows = [
        ("run", str(run["run_id"])),
        ("scenario", f"{run['scenario_name']} (SHA-256 {str(run['scenario_sha256'])[:12]}…)"),
        ("trial", f"{trial} of 0..{int(run['trials']) - 1}, seed {run['seed']}"),
        ("shieldlab", f"stored {run['shieldlab_version']}, re-flown by {__version__}"),
        ("threat objects", str(n_threats)),
        ("engagements", str(n_shots)),
        ("truth", "re-flown from the stored scenario text (ECI → WGS-84 by GMST)"),
        ("satellites", sat_note),
        *[("warning", w) for w in warnings],
    ]
    return tp.html_table(f"{run['scenario_name']}: trial {trial}", rows)


def write_trial_czml(
    db_path: Path, run_id: str, trial: int, out_path: Path, **kw: Any
) -> TrialCzml:
    """Build the trial's CZML (keywords as :func:`trial_czml`) and write it atomically."""
    result = trial_czml(db_path, run_id, trial, **kw)
    write_text_atomic(Path(out_path), result.dumps())
    return result
