"""Parts of :mod:`shieldlab.report.trial_czml`: the re-flown scene, truth sampling,
fly-out shapes, colours and small CZML building blocks.

Frames and units: truth is ECI (shieldlab's GMST-rotated frame, see
:mod:`shieldlab.core.frames`) on the scenario's uniform time grid; everything
handed to CZML is geodetic WGS-84 (cartographic degrees, height in metres above
the ellipsoid), Earth-fixed, with times in seconds from the scenario epoch.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape
from typing import Any

import numpy as np
from czml3 import Packet
from czml3.enums import InterpolationAlgorithms, LabelStyles, VerticalOrigins
from czml3.properties import (
    Color,
    Ellipse,
    Label,
    Material,
    Path as CzmlPath,
    Point,
    Polygon,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.types import Cartesian2Value, TimeInterval
from numpy.typing import NDArray

from shieldlab.core.constants import WGS84_A_M
from shieldlab.core.frames import (
    destination_point,
    ecef_to_geodetic,
    eci_to_ecef,
    geodetic_to_ecef,
)
from shieldlab.core.time import gmst_at, parse_epoch
from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.scenario.schema import (
    AirborneRadarSensor,
    GeoIrSensor,
    LeoIrSensor,
    RadarSensor,
    WarningIrSensor,
)
from shieldlab.sensors.airborne import make_airborne_radar
from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.radar import RadarSite
from shieldlab.sim.world import SENSOR_LAYERS, fly_raid, radar_layer
from shieldlab.space.constellation import Constellation, from_spec, geo_radius_m
from shieldlab.threats import Trajectories
from shieldlab.threats.raid import Assets
from shieldlab.weapons.catalog import make_site
from shieldlab.weapons.directed_energy import load_directed_energy_catalog
from shieldlab.weapons.interceptor import InterceptorSite

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class DeSite:
    """A directed-energy weapon: name, layer (``laser``/``microwave``), catalog type,
    geodetic position [deg, m] and the catalog's maximum range [m]."""

    name: str
    layer: str
    type: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    max_range_m: float


@dataclass(frozen=True)
class Scene:
    """What the picture of a trial needs of a scenario: the re-flown truth, the assets,
    fire units, sensors and constellations, with ``disabled_layers`` honoured as
    :func:`shieldlab.sim.world.build_world` does. ``radars``: ground and sea radars,
    then airborne radars (their site at the patrol station); ``geo_ir``: name and
    longitude [deg]; ``sbi``: boost-layer name → constellation name;
    ``users``: constellation name → the sensors and SBI layers riding on it."""

    scenario: Scenario
    epoch: datetime
    truth: Trajectories
    threat_type: tuple[str, ...]
    assets: Assets
    sites: tuple[InterceptorSite, ...]
    radars: tuple[tuple[str, RadarSite], ...]
    geo_ir: tuple[tuple[str, float], ...]
    de_sites: tuple[DeSite, ...]
    sbi: dict[str, str]
    constellations: dict[str, Constellation]
    users: dict[str, tuple[str, ...]]


def _radars(s: Scenario, off: set[str]) -> tuple[tuple[str, RadarSite], ...]:
    out: list[tuple[str, RadarSite]] = []
    for x in s.sensors:
        if isinstance(x, RadarSensor):
            r = make_radar(x.type, x.lat_deg, x.lon_deg, x.alt_m, x.boresight_azimuth_deg)
            if SENSOR_LAYERS[radar_layer(r)] not in off:
                out.append((x.name, r))
    for x in s.sensors:
        if isinstance(x, AirborneRadarSensor) and "airborne-radar" not in off:
            a = make_airborne_radar(x.type)
            alt = a.patrol_altitude_m if x.alt_m is None else x.alt_m
            lat, lon = math.radians(x.lat_deg), math.radians(x.lon_deg)
            out.append((x.name, replace(a.radar, lat_rad=lat, lon_rad=lon, alt_m=alt)))
    return tuple(out)


def _de_sites(s: Scenario, off: set[str]) -> tuple[DeSite, ...]:
    if not (s.lasers or s.hpm):
        return ()
    de = load_directed_energy_catalog()
    ranges = {
        **{k: v.max_range_m for k, v in de.lasers.items()},
        **{k: v.max_range_m for k, v in de.hpms.items()},
    }
    entries = [("laser", x) for x in s.lasers] + [("microwave", x) for x in s.hpm]
    return tuple(
        DeSite(x.name, layer, x.type, x.lat_deg, x.lon_deg, x.alt_m, ranges[x.type])
        for layer, x in entries
        if layer not in off
    )


def _constellation_users(s: Scenario, off: set[str]) -> dict[str, tuple[str, ...]]:
    users: dict[str, list[str]] = {c.name: [] for c in s.constellations}
    for x in s.sensors:
        if isinstance(x, LeoIrSensor) and "space-ir" not in off:
            users[x.constellation].append(f"{x.name} (space-ir)")
        if isinstance(x, WarningIrSensor) and "space-warning" not in off:
            users[x.constellation].append(f"{x.name} (space-warning)")
    for b in s.space_interceptors:
        if "boost" not in off:
            users[b.constellation].append(f"{b.name} (boost, {b.type})")
    return {k: tuple(v) for k, v in users.items()}


def build_scene(loaded: LoadedScenario) -> Scene:
    """Fly the scenario's raid and place its sensors, fire units and constellations.

    Mirrors :func:`shieldlab.sim.world.build_world` (same :func:`fly_raid`, same
    catalog constructors, same ``disabled_layers`` rules) without the layer
    plug-ins' engagement tables (the boost layer's reach tables take most of
    ``build_world``'s time and a picture does not need them).
    """
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    assets, launches, truth = fly_raid(s, epoch)
    off = set(s.disabled_layers)
    placed = [
        make_site(x.type, x.name, x.lat_deg, x.lon_deg, x.inventory) for x in s.interceptor_sites
    ]
    warned = "space-warning" not in off
    return Scene(
        scenario=s,
        epoch=epoch,
        truth=truth,
        threat_type=tuple(launches.threat_type[i] for i in truth.launch_index),
        assets=assets,
        sites=tuple(x for x in placed if x.spec.layer not in off),
        radars=_radars(s, off),
        geo_ir=tuple(
            (x.name, x.lon_deg) for x in s.sensors if isinstance(x, GeoIrSensor) and warned
        ),
        de_sites=_de_sites(s, off),
        sbi={b.name: b.constellation for b in s.space_interceptors if "boost" not in off},
        constellations={c.name: from_spec(c, epoch) for c in s.constellations},
        users=_constellation_users(s, off),
    )


# ----------------------------------------------------------------------------- sampling


def truth_ecef(truth: Trajectories, epoch: datetime, obj: I64, t_s: F64) -> F64:
    """ECEF positions (m, 3) [m] of objects ``obj`` (m,) at times ``t_s`` (m,) [s from epoch].

    Cubic Hermite between the bracketing grid samples with the sampled ECI
    velocities (as :meth:`Trajectories.state_at`, but one time per object),
    then ECI → ECEF by GMST. Times outside the grid are clamped to its ends.
    """
    t = np.asarray(t_s, np.float64)
    nt = truth.t_s.size
    if nt == 1:
        r = truth.r_eci_m[obj, 0]
    else:
        dt = truth.dt_s
        x = (t - float(truth.t_s[0])) / dt
        k = np.clip(np.floor(x), 0, nt - 2).astype(np.int64)
        s = np.clip(x - k, 0.0, 1.0)[:, None]
        r0, r1 = truth.r_eci_m[obj, k], truth.r_eci_m[obj, k + 1]
        v0, v1 = truth.v_eci_mps[obj, k], truth.v_eci_mps[obj, k + 1]
        h00 = 2 * s**3 - 3 * s**2 + 1
        h10 = s**3 - 2 * s**2 + s
        h01 = -2 * s**3 + 3 * s**2
        h11 = s**3 - s**2
        r = h00 * r0 + h10 * dt * v0 + h01 * r1 + h11 * dt * v1
    return eci_to_ecef(r, gmst_at(epoch, t))


def geodetic_deg(r_ecef: F64) -> tuple[F64, F64, F64]:
    """Latitude [deg], longitude [deg] and height [m] of ECEF points (..., 3)."""
    lat, lon, h = ecef_to_geodetic(r_ecef)
    return np.degrees(lat), np.degrees(lon), h


MIN_GAP_S = 0.01
"""Smallest gap between two samples of one object [s] (times are written to 1 ms)."""


def sample_times(t0: F64, t1: F64, step_s: float) -> tuple[I64, F64, I64]:
    """Sample times of n objects flying from ``t0`` to ``t1`` (n,) [s]: every
    ``step_s`` from ``t0`` plus ``t1`` itself, strictly increasing per object.

    Returns the object index (m,), the times (m,) and the count per object (n,)
    (each ≥ 2; ``t1`` is moved to ``t0 + 1 s`` where it is not after ``t0``).
    """
    t1 = np.maximum(t1, t0 + 1.0)
    grid = np.maximum(np.ceil((t1 - t0 - MIN_GAP_S) / step_s), 1).astype(np.int64)
    counts = grid + 1
    obj = np.repeat(np.arange(t0.size, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    j = np.arange(obj.size, dtype=np.int64) - first[obj]
    t = t0[obj] + j * step_s
    last = first + counts - 1
    t[last] = t1
    return obj, t, counts


# ----------------------------------------------------------------------------- shapes

FLYOUT_POINTS = 16
"""Samples of an interceptor's fly-out (linear interpolation between them)."""
FLYOUT_LOFT = 0.2
"""Loft of the drawn fly-out: extra height at mid-course = ``FLYOUT_LOFT`` × ground range / 4."""


def flyout_arc(
    start: tuple[float, float, float], end: tuple[float, float, float], n: int = FLYOUT_POINTS
) -> tuple[F64, F64, F64]:
    """A drawn fly-out from ``start`` to ``end`` (lat [deg], lon [deg], h [m]): the
    great circle between them on the sphere of geodetic latitude/longitude, height
    h0 + (h1 − h0) sin(πs/2) + ``FLYOUT_LOFT``·D·s(1 − s) (D the ground range), s the
    fraction of the flight. A picture, not the engine's fly-out model."""
    s = np.linspace(0.0, 1.0, n)
    la0, lo0, la1, lo1 = np.radians([start[0], start[1], end[0], end[1]])
    p0 = np.array([math.cos(la0) * math.cos(lo0), math.cos(la0) * math.sin(lo0), math.sin(la0)])
    p1 = np.array([math.cos(la1) * math.cos(lo1), math.cos(la1) * math.sin(lo1), math.sin(la1)])
    om = math.acos(float(np.clip(p0 @ p1, -1.0, 1.0)))
    if om < 1e-9:
        p = np.repeat(p0[None, :], n, axis=0)
    else:
        p = (np.sin((1 - s) * om)[:, None] * p0 + np.sin(s * om)[:, None] * p1) / math.sin(om)
    lat = np.degrees(np.arcsin(np.clip(p[:, 2], -1.0, 1.0)))
    lon = np.degrees(np.arctan2(p[:, 1], p[:, 0]))
    ground_m = om * 6371008.7714
    h = (
        start[2]
        + (end[2] - start[2]) * np.sin(0.5 * np.pi * s)
        + FLYOUT_LOFT * ground_m * s * (1 - s)
    )
    lat[0], lon[0], lat[-1], lon[-1] = start[0], start[1], end[0], end[1]
    return lat, lon, h


def straight_line(r0: F64, r1: F64, n: int = FLYOUT_POINTS) -> tuple[F64, F64, F64]:
    """Geodetic samples of the straight ECEF segment r0 → r1 (a space-based kill vehicle)."""
    s = np.linspace(0.0, 1.0, n)[:, None]
    return geodetic_deg(r0[None, :] * (1 - s) + r1[None, :] * s)


def sector_ring(
    lat_deg: float, lon_deg: float, range_m: float, boresight_rad: float, half_rad: float
) -> list[float]:
    """Cartographic degrees (lon, lat, 0, …) of a radar's ground sector: the points at
    great-circle distance ``range_m`` over azimuths boresight ± half-width, closed
    through the site; a full circle when the half-width is 180° or more."""
    full = half_rad >= math.pi - 1e-9
    if full:
        az = np.linspace(0.0, 2.0 * math.pi, 72, endpoint=False)
    else:
        k = max(8, int(math.degrees(2 * half_rad) / 5))
        az = boresight_rad + np.linspace(-half_rad, half_rad, k)
    la, lo = destination_point(math.radians(lat_deg), math.radians(lon_deg), az, range_m)
    pts = np.column_stack([np.degrees(lo), np.degrees(la), np.zeros(az.size)])
    if not full:
        apex = np.array([[lon_deg, lat_deg, 0.0]])
        pts = np.vstack([apex, pts])
    return rounded(pts.ravel())


def sample_indices(n: int, limit: int) -> I64:
    """Deterministic sample of at most ``limit`` of ``n`` indices, evenly spread
    (⌊i·n/k⌋, i = 0…k−1): every satellite when n ≤ limit."""
    k = min(n, max(limit, 0))
    return (np.arange(k, dtype=np.int64) * n) // max(k, 1)


# ----------------------------------------------------------------------------- style


def _hex(text: str) -> RGB:
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


THREAT_PALETTE: tuple[RGB, ...] = tuple(
    _hex(x) for x in "e6194b f58231 ffe119 f032e6 911eb4 fabed4 aa6e28 fffac8 800000 d2f53c".split()
)
"""Lethal objects, by threat type (the scenario's lethal types in sorted order)."""
DECOY_GREY: RGB = (170, 170, 170)
BUS_GREY: RGB = (110, 110, 110)
LAYER_COLOURS: dict[str, RGB] = {
    "boost": (255, 140, 0),
    "midcourse": (30, 144, 255),
    "underlayer": (0, 206, 209),
    "glide": (147, 112, 219),
    "terminal": (0, 191, 255),
    "cruise-defense": (50, 205, 50),
    "laser": (255, 0, 160),
    "microwave": (255, 215, 0),
}
"""Interceptors and beams, by defeat layer (others: a colour from the layer name)."""
KILL_COLOUR: RGB = (255, 255, 255)
LEAK_COLOUR: RGB = (255, 0, 0)
ASSET_COLOUR: RGB = (0, 200, 83)
SENSOR_COLOUR: RGB = (255, 255, 0)
SITE_COLOUR: RGB = (30, 144, 255)
LAUNCH_COLOUR: RGB = (255, 69, 0)
SAT_COLOURS: tuple[RGB, ...] = ((200, 200, 255), (180, 255, 180), (255, 200, 150))


def site_type(scene: Scene, site: str) -> str:
    """Catalog type of a fire unit, directed-energy weapon or SBI layer (by name)."""
    types = {s.name: s.spec.name for s in scene.sites} | {d.name: d.type for d in scene.de_sites}
    types |= {b.name: b.type for b in scene.scenario.space_interceptors}
    return types.get(site, "unknown type")


def layer_colour(layer: str) -> RGB:
    """Stable colour of a defeat layer."""
    if layer in LAYER_COLOURS:
        return LAYER_COLOURS[layer]
    h = zlib.crc32(layer.encode("utf-8"))
    return (64 + h % 192, 64 + (h >> 8) % 192, 64 + (h >> 16) % 192)


def color(rgb: RGB, alpha: int = 255) -> Color:
    """A czml3 colour."""
    return Color(rgba=[*rgb, alpha])


def line_material(rgb: RGB, alpha: int = 255) -> PolylineMaterial:
    """A solid polyline or path material."""
    return PolylineMaterial(solidColor=SolidColorMaterial(color=color(rgb, alpha)))


def fill_material(rgb: RGB, alpha: int) -> Material:
    """A solid surface material (ellipses, polygons)."""
    return Material(solidColor=SolidColorMaterial(color=color(rgb, alpha)))


# ----------------------------------------------------------------------------- text and time


def rounded(values: F64, digits: int = 6) -> list[float]:
    """Plain floats rounded to ``digits`` decimals (6 on degrees: about 0.1 m)."""
    return [float(x) for x in (np.round(np.asarray(values, np.float64), digits) + 0.0).tolist()]


def utc(epoch: datetime, t_s: float) -> datetime:
    """The UTC datetime ``t_s`` seconds after the epoch, to the millisecond."""
    return epoch + timedelta(milliseconds=round(float(t_s) * 1e3))


def iso(epoch: datetime, t_s: float) -> str:
    """ISO-8601 UTC text of ``t_s`` s after the epoch (fractional seconds only when needed)."""
    d = utc(epoch, t_s)
    if d.microsecond:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def clock_text(epoch: datetime, t_s: float) -> str:
    """Wall-clock UTC time ``HH:MM:SSZ`` of ``t_s`` s after the epoch."""
    return utc(epoch, t_s).strftime("%H:%M:%SZ")


def sampled(
    epoch: datetime, t: F64, lat: F64, lon: F64, h: F64, degree: int | None = None
) -> Position:
    """Time-tagged cartographic degrees ``[t, lon, lat, h, …]`` (t in s from the epoch, to
    1 ms; degrees to 1e-6, heights to 0.1 m): linear interpolation, or Lagrange of
    ``degree``. Built with ``model_validate``: czml3's ``Position`` takes the
    interpolation fields from a mixin that type checkers do not see as arguments."""
    t, lat, lon, h = (np.asarray(x, np.float64) for x in (t, lat, lon, h))
    coords = np.column_stack([np.round(t, 3), np.round(lon, 6), np.round(lat, 6), np.round(h, 1)])
    coords += 0.0  # no negative zeros in the text
    value: dict[str, Any] = {
        "epoch": iso(epoch, 0.0),
        "interpolationAlgorithm": InterpolationAlgorithms.LINEAR,
        "cartographicDegrees": [float(x) for x in coords.ravel().tolist()],
    }
    if degree is not None:
        value["interpolationAlgorithm"] = InterpolationAlgorithms.LAGRANGE
        value["interpolationDegree"] = degree
    return Position.model_validate(value)


def trail(
    rgb: RGB, alpha: int, width: float, resolution_s: float, trail_s: float = 1e6
) -> CzmlPath:
    """A path drawn behind a moving entity (``trail_s`` back, nothing ahead)."""
    return CzmlPath(
        leadTime=0.0,
        trailTime=trail_s,
        width=width,
        resolution=resolution_s,
        material=line_material(rgb, alpha),
    )


def interval(epoch: datetime, t0: float, t1: float) -> TimeInterval:
    """The time interval [t0, t1] (s from the epoch)."""
    return TimeInterval(start=iso(epoch, t0), end=iso(epoch, t1))


def when(epoch: datetime, t_s: float) -> str:
    """``HH:MM:SSZ (T+123 s)``: wall clock and seconds from the scenario epoch."""
    return f"{clock_text(epoch, t_s)} (T+{t_s:.0f} s)"


def html_table(title: str, rows: list[tuple[str, str]]) -> str:
    """An HTML description (Cesium's info box): a title and a two-column table,
    every value escaped."""
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<h3>{escape(title)}</h3><table>{body}</table>"


# ----------------------------------------------------------------------------- static packets

SAT_STEP_S = 60.0
"""Satellite sample step [s] (Lagrange degree 5 between samples)."""
SAT_TRAIL_S = 900.0
"""Trail drawn behind a satellite [s]."""
_LABEL_FONT = "12px sans-serif"


def label(text: str, rgb: RGB, dy: float = -10.0, background: bool = False) -> Label:
    """A label ``dy`` pixels above its entity's position."""
    return Label(
        text=text,
        font=_LABEL_FONT,
        fillColor=color(rgb),
        style=LabelStyles.FILL_AND_OUTLINE,  # a dark outline: readable on any imagery
        outlineColor=color((0, 0, 0)),
        outlineWidth=3,
        showBackground=background or None,
        pixelOffset=Cartesian2Value(values=[0.0, dy]),
        verticalOrigin=VerticalOrigins.BOTTOM,
    )


def dot(size: float, rgb: RGB, outline: bool = False) -> Point:
    """A point of ``size`` pixels (with a thin black outline)."""
    if outline:
        return Point(
            pixelSize=size, color=color(rgb), outlineColor=color((0, 0, 0)), outlineWidth=1
        )
    return Point(pixelSize=size, color=color(rgb))


def place(lat_deg: float, lon_deg: float, h_m: float = 0.0) -> Position:
    return Position(cartographicDegrees=rounded(np.array([lon_deg, lat_deg, h_m])))


def _disc(radius_m: float, rgb: RGB, alpha: int) -> Ellipse:
    r = max(float(radius_m), 1.0)
    fill, edge = fill_material(rgb, alpha), color(rgb)
    return Ellipse(
        semiMajorAxis=r, semiMinorAxis=r, height=0.0, material=fill, outline=True, outlineColor=edge
    )


def _area(ring: list[float], rgb: RGB, alpha: int) -> Polygon:
    positions, fill, edge = (
        PositionList(cartographicDegrees=ring),
        fill_material(rgb, alpha),
        color(rgb),
    )
    return Polygon(positions=positions, height=0.0, material=fill, outline=True, outlineColor=edge)


def _marker(
    ident: str,
    rows: list[tuple[str, str]],
    where: tuple[float, ...],
    rgb: RGB,
    text: str,
    **shape: Any,
) -> Packet:
    """A fixed entity ``<kind>/<name>``: description (titled with its id), position
    (lat, lon [deg], h [m]), a label and its shapes (``point``, ``ellipse``, ``polygon``)."""
    dy = -10.0 if "point" in shape else 0.0
    title = ident.replace("/", " ", 1)
    return Packet(
        id=ident,
        name=title,
        description=html_table(title, rows),
        position=place(*where),
        label=label(text, rgb, dy),
        **shape,
    )


def _asset_packets(scene: Scene) -> list[Packet]:
    a, rgb = scene.assets, ASSET_COLOUR
    out = []
    for i, name in enumerate(a.name):
        r_km, value = float(a.radius_m[i]) / 1e3, float(a.value[i])
        rows = [("category", a.category[i]), ("value", f"{value:g}"), ("radius", f"{r_km:g} km")]
        where = (math.degrees(a.lat_rad[i]), math.degrees(a.lon_rad[i]), 0.0)
        text, disc = name, _disc(r_km * 1e3, rgb, 70)  # value and radius: in the description
        out.append(_marker(f"asset/{name}", rows, where, rgb, text, ellipse=disc))
    return out


def _fire_unit_packets(scene: Scene) -> list[Packet]:
    out, rgb = [], SITE_COLOUR
    pin = dot(8, rgb, outline=True)
    for s in scene.sites:
        rows = [("type", s.spec.name), ("layer", s.spec.layer), ("inventory", str(s.inventory))]
        rows.append(("max ground range", f"{s.spec.max_ground_range_m / 1e3:,.0f} km"))
        where = (math.degrees(s.lat_rad), math.degrees(s.lon_rad), s.alt_m)
        text = f"{s.name} ({s.spec.name}) ×{s.inventory}"
        out.append(_marker(f"site/{s.name}", rows, where, rgb, text, point=pin))
    for d in scene.de_sites:
        c = layer_colour(d.layer)
        rows = [
            ("type", d.type),
            ("layer", d.layer),
            ("range (circle)", f"{d.max_range_m / 1e3:g} km"),
        ]
        where, text, disc = (
            (d.lat_deg, d.lon_deg, d.alt_m),
            f"{d.name} ({d.type})",
            _disc(d.max_range_m, c, 40),
        )
        out.append(_marker(f"site/{d.name}", rows, where, c, text, point=dot(8, c), ellipse=disc))
    return out


def _sensor_packets(scene: Scene) -> list[Packet]:
    out, rgb = [], SENSOR_COLOUR
    pin = dot(7, rgb)
    drawn = "ground projection of the instrumented range over the azimuth sector (no horizon mask)"
    for name, r in scene.radars:
        lat, lon, az = math.degrees(r.lat_rad), math.degrees(r.lon_rad), r.boresight_azimuth_rad
        half = min(math.degrees(r.azimuth_half_width_rad), 180.0)
        sector = f"{math.degrees(az) % 360:.0f}° ± {half:.0f}°"
        rng = f"{r.max_range_m / 1e3:,.0f} km"
        rows = [("platform", r.platform), ("range", rng), ("sector", sector), ("drawn", drawn)]
        ring = sector_ring(lat, lon, r.max_range_m, az, r.azimuth_half_width_rad)
        cover = _area(ring, rgb, 25)
        where = (lat, lon, r.alt_m)
        out.append(
            _marker(f"sensor/{name}", rows, where, rgb, f"{name} ({rng})", point=pin, polygon=cover)
        )
    geo_h = geo_radius_m() - WGS84_A_M
    for name, lon in scene.geo_ir:
        rows = [("orbit", f"GEO, {lon:g}° E, {geo_h / 1e3:,.0f} km"), ("drawn", "position only")]
        out.append(_marker(f"sensor/{name}", rows, (0.0, lon, geo_h), rgb, name, point=pin))
    return out


def _launch_packets(scene: Scene) -> list[Packet]:
    s, rgb = scene.scenario, LAUNCH_COLOUR
    out = []
    for k, g in enumerate(s.threats):
        a, what = g.launch_area, f"{g.count} × {g.type}"
        rows = [("threats", what), ("radius", f"{a.radius_km:g} km")]
        disc = _disc(a.radius_km * 1e3, rgb, 50)
        where = (a.lat_deg, a.lon_deg, 0.0)
        out.append(
            _marker(f"launch/threats.{k}", rows, where, rgb, f"launch: {what}", ellipse=disc)
        )
    for r in s.raid.launch_areas if s.raid is not None else []:
        if r.polygon_deg is not None:
            ring = np.array([[lon, lat, 0.0] for lat, lon in r.polygon_deg])
            la, lo, _ = geodetic_deg(geodetic_to_ecef(*np.radians(ring[:, 1::-1].T)).mean(axis=0))
            where = (float(la), float(lo), 0.0)  # the centroid on the globe
            shape: dict[str, Any] = {"polygon": _area(rounded(ring.ravel()), rgb, 50)}
        else:
            where = (float(r.lat_deg or 0.0), float(r.lon_deg or 0.0), 0.0)
            shape = {"ellipse": _disc(float(r.radius_km or 0.0) * 1e3, rgb, 50)}
        text = f"launch {r.name} ({r.kind})"
        out.append(_marker(f"launch/{r.name}", [("kind", r.kind)], where, rgb, text, **shape))
    return out


def site_packets(scene: Scene) -> list[Packet]:
    """Assets, fire units, directed-energy weapons, sensors and launch areas."""
    return [
        *_asset_packets(scene),
        *_fire_unit_packets(scene),
        *_sensor_packets(scene),
        *_launch_packets(scene),
    ]


def satellite_packets(
    scene: Scene, t_start: float, t_end: float, max_satellites: int
) -> tuple[list[Packet], str]:
    """A deterministic sample of each constellation's satellites over the clock, and a
    sentence stating the sample (every satellite when a constellation has at most
    ``max_satellites``; else ``max_satellites`` evenly spread by index)."""
    t = np.arange(t_start, t_end, SAT_STEP_S)
    t = np.append(t[t < t_end - MIN_GAP_S], t_end)
    ep = scene.epoch
    packets, notes = [], []
    for c_i, (cname, const) in enumerate(scene.constellations.items()):
        idx = sample_indices(const.n, max_satellites)
        users = ", ".join(scene.users.get(cname, ())) or "none"
        notes.append(
            f"{cname}: {idx.size} of {const.n}"
            + (" (evenly by index)" if idx.size < const.n else "")
        )
        if idx.size == 0:
            continue
        lat, lon, h = geodetic_deg(const.positions_ecef(t)[idx])
        rgb = SAT_COLOURS[c_i % len(SAT_COLOURS)]
        sample = f"sample {idx.size} of {const.n}" if idx.size < const.n else f"all {const.n}"
        for j, i in enumerate(idx.tolist()):  # one packet per satellite: output formatting
            title = f"{cname} satellite {i} ({sample})"
            rows = [("constellation", cname), ("satellite", f"{i} ({const.names[i]})")]
            packets.append(
                Packet(
                    id=f"sat/{cname}/{i}",
                    name=title,
                    description=html_table(title, [*rows, ("users", users), ("sample", sample)]),
                    availability=interval(ep, t_start, t_end),
                    position=sampled(ep, t, lat[j], lon[j], h[j], min(5, t.size - 1)),
                    point=dot(3, rgb),
                    path=trail(rgb, 120, 1.0, SAT_STEP_S, SAT_TRAIL_S),
                )
            )
    return packets, "; ".join(notes) or "no constellations"
