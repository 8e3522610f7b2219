"""Raid generator: a threat assessment (or explicit threat groups) → seeded launches.

Two inputs give one output, :class:`Launches` (arrays over the m launches):

- explicit ``threats:`` groups (:func:`expand_threat_groups`): ``count``
  missiles of one type from one launch circle, targets round-robin from the
  group's list, launches rippled from ``first_launch_s``;
- a ``raid:`` threat assessment (:func:`expand_raid`): inventory by threat
  type and launch areas, a targeting doctrine and salvo timing.

Assumptions (stated, generic):

- Launch points are uniform by area in their region: a circle is a spherical
  cap (``cos`` of the central angle uniform), a polygon is sampled by
  rejection from its latitude/longitude bounding box drawn uniformly by area
  (``sin lat`` uniform). Polygon edges are straight in latitude/longitude
  (plate carrée), which is what an analyst drawing a box on a map means.
- Target allocation is deterministic: weapons in inventory order; with
  ``mixed`` targeting the first ``⌊f m + ½⌋`` weapons are counterforce (so the
  deterrent is struck first), the rest countervalue. Within each class salvos
  of ``weapons_per_target`` are apportioned to the targets by the D'Hondt
  highest-averages rule on asset value (ties: asset order), i.e. highest
  value first and more salvos to more valuable targets. The only randomness
  is in launch points, aim scatter within the target and timing jitter.
- A weapon is a warhead: a MIRVed missile (catalog ``kind: mirv``) carries
  N of them. Its bus takes the first unassigned weapon's target as its
  primary (the booster's aim) and then, nearest first in Δv, the targets of
  other unassigned weapons it can reach with its bus Δv
  (:func:`~shieldlab.threats.postboost.choose_rv_targets`); where fewer are
  in reach than it has RVs, the spare RVs go to the primary (several RVs on
  one target). MIRVed missiles are packed first (inventory order), then the
  single-warhead missiles take the remaining weapons in allocation order;
  weapons displaced by doubled-up RVs (the last in allocation order) are not
  flown. Explicit ``threats:`` groups of a MIRVed type aim the other RVs at
  the group's other targets within reach the same way.
- Spherical Earth (mean radius) for placing points and for the table's range;
  the flight models work on WGS-84.

Randomness comes only from the ``numpy.random.Generator`` passed in, drawn in
a fixed order (launch points area by area, then aim scatter, then jitter), so
the same seed gives identical launches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.frames import destination_point, great_circle_distance_m
from shieldlab.scenario.schema import (
    COUNTERFORCE_CATEGORIES,
    Asset,
    RaidSection,
    RaidTiming,
    ThreatGroup,
)
from shieldlab.threats.postboost import choose_rv_targets, rv_slots
from shieldlab.threats.postboost_catalog import load_mirv_specs

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

EARTH_MEAN_RADIUS_M = 6371008.7714
"""IUGG mean Earth radius R1 (Moritz 2000, Geodetic Reference System 1980), as in core.frames."""


@dataclass(frozen=True)
class Assets:
    """Defended assets as arrays (a,): geodetic position [rad], radius [m], value."""

    name: tuple[str, ...]
    category: tuple[str, ...]
    lat_rad: F64
    lon_rad: F64
    radius_m: F64
    value: F64
    tier: NDArray[np.int64] | None = None
    """(a,) priority tier, 1 defended first (None: all tier 1)."""

    def priority_value(self, function: str = "tiered") -> F64:
        """Value the battle manager protects, per asset (a,).

        ``"expected-value"``: the asset values. ``"tiered"``: lexicographic by
        tier — w_a = v_a · M^(T − tier_a), T the lowest priority tier present
        and M = 1 + Σ v / min(v > 0), so that any asset of a higher-priority
        tier outweighs all assets of the lower tiers together (the deterrent
        first, then command, …), and values order assets inside a tier.
        """
        v = self.value
        if function == "expected-value" or self.tier is None or v.size == 0:
            return v
        pos = v[v > 0]
        if pos.size == 0:
            return v
        m = 1.0 + float(v.sum()) / float(pos.min())
        lowest = int(self.tier.max())
        return np.asarray(v * m ** (lowest - self.tier).astype(np.float64))

    @classmethod
    def from_scenario(cls, assets: Sequence[Asset]) -> Assets:
        """Arrays from the scenario's (resolved) asset list."""
        return cls(
            name=tuple(a.name for a in assets),
            category=tuple(a.category for a in assets),
            lat_rad=np.radians(np.array([a.lat_deg for a in assets], dtype=np.float64)),
            lon_rad=np.radians(np.array([a.lon_deg for a in assets], dtype=np.float64)),
            radius_m=np.array([a.radius_km * 1e3 for a in assets], dtype=np.float64),
            value=np.array([a.value for a in assets], dtype=np.float64),
            tier=np.array([a.priority_tier for a in assets], dtype=np.int64),
        )


@dataclass(frozen=True)
class Launches:
    """m individual launches (arrays (m,)); angles geodetic [rad], times [s] from the epoch.

    ``aim_asset`` indexes the scenario's asset list (``target`` is its name);
    ``options[i]`` holds per-launch flight-model overrides (``payload_mass_kg``,
    ``shape``; for MIRVed missiles ``rv_aim_deg``, each RV's aim point);
    ``rv_aim_asset[i]`` the asset each of launch i's RVs is aimed at (one for a
    single-warhead missile; empty where not recorded).
    """

    threat_type: tuple[str, ...]
    launch_area: tuple[str, ...]
    launch_lat_rad: F64
    launch_lon_rad: F64
    aim_lat_rad: F64
    aim_lon_rad: F64
    aim_asset: I64
    target: tuple[str, ...]
    t_launch_s: F64
    options: tuple[Mapping[str, Any], ...]
    rv_aim_asset: tuple[tuple[int, ...], ...] = ()

    @property
    def size(self) -> int:
        """Number of launches m."""
        return len(self.threat_type)

    @property
    def range_m(self) -> F64:
        """Great-circle ground range launch → aim point [m] (spherical Earth)."""
        return great_circle_distance_m(
            self.launch_lat_rad, self.launch_lon_rad, self.aim_lat_rad, self.aim_lon_rad
        )


def empty_launches() -> Launches:
    """Zero launches."""
    z = np.zeros(0, dtype=np.float64)
    return Launches((), (), z, z, z, z, np.zeros(0, np.int64), (), z, ())


def concat_launches(parts: Sequence[Launches]) -> Launches:
    """Launches of several parts, in order."""
    if not parts:
        return empty_launches()

    def cat(attr: str) -> Any:
        return np.concatenate([getattr(p, attr) for p in parts])

    def tup(attr: str) -> tuple[Any, ...]:
        return tuple(x for p in parts for x in getattr(p, attr))

    return Launches(
        threat_type=tup("threat_type"),
        launch_area=tup("launch_area"),
        launch_lat_rad=cat("launch_lat_rad"),
        launch_lon_rad=cat("launch_lon_rad"),
        aim_lat_rad=cat("aim_lat_rad"),
        aim_lon_rad=cat("aim_lon_rad"),
        aim_asset=cat("aim_asset").astype(np.int64),
        target=tup("target"),
        t_launch_s=cat("t_launch_s"),
        options=tup("options"),
        rv_aim_asset=tup("rv_aim_asset"),
    )


# --- sampling regions -------------------------------------------------------


def sample_circle(
    rng: np.random.Generator, lat_rad: float, lon_rad: float, radius_m: float, n: int
) -> tuple[F64, F64]:
    """n points uniform by area in a spherical cap of ground radius ``radius_m`` [rad, rad].

    Central angle θ with ``cos θ`` uniform on ``[cos θmax, 1]`` (uniform area
    on the sphere), azimuth uniform. Draws ``rng.random(n)`` twice.
    """
    if radius_m < 0.0:
        raise ValueError(f"launch area radius must be >= 0 m, got {radius_m}")
    theta_max = min(radius_m / EARTH_MEAN_RADIUS_M, np.pi)
    u = rng.random(n)
    az = 2.0 * np.pi * rng.random(n)
    # 1 - cos θ = u (1 - cos θmax); written with haversines for small angles
    h = u * np.sin(theta_max / 2.0) ** 2
    theta = 2.0 * np.arcsin(np.sqrt(h))
    return destination_point(lat_rad, lon_rad, az, theta * EARTH_MEAN_RADIUS_M)


def _unwrap_ring(lon_deg: F64) -> F64:
    """Longitudes [deg] unwrapped along a ring so consecutive steps are < 180°."""
    step = np.mod(np.diff(lon_deg) + 180.0, 360.0) - 180.0
    return np.concatenate([lon_deg[:1], lon_deg[0] + np.cumsum(step)])


def points_in_polygon(lat_deg: ArrayLike, lon_deg: ArrayLike, polygon_deg: ArrayLike) -> Any:
    """Boolean (n,): points inside a lat/lon polygon (even-odd rule, straight lat/lon edges).

    Longitudes are unwrapped along the ring and each point is tried at
    ``lon`` and ``lon ± 360°`` so rings across the antimeridian work.
    """
    poly = np.asarray(polygon_deg, dtype=np.float64)
    py = poly[:, 0]
    px = _unwrap_ring(poly[:, 1])
    lat = np.asarray(lat_deg, dtype=np.float64)
    lon0 = np.asarray(lon_deg, dtype=np.float64)
    inside = np.zeros(lat.shape, dtype=bool)
    for shift in (0.0, -360.0, 360.0):
        x = lon0 + shift
        odd = np.zeros(lat.shape, dtype=bool)
        for k in range(len(py)):  # loop over the polygon's edges, vectorised over points
            y1, y2 = py[k], py[(k + 1) % len(py)]
            x1, x2 = px[k], px[(k + 1) % len(px)]
            crosses = (y1 > lat) != (y2 > lat)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            odd ^= crosses & (x < x_at)
        inside |= odd
    return inside


def sample_polygon(rng: np.random.Generator, polygon_deg: ArrayLike, n: int) -> tuple[F64, F64]:
    """n points uniform by area in a lat/lon polygon [rad, rad], by vectorised rejection.

    Candidates uniform by area in the bounding box (``sin lat`` and ``lon``
    uniform), kept if inside; batches sized from the running acceptance rate.
    """
    poly = np.asarray(polygon_deg, dtype=np.float64)
    lon_ring = _unwrap_ring(poly[:, 1])
    s_lo, s_hi = np.sin(np.radians([poly[:, 0].min(), poly[:, 0].max()]))
    x_lo, x_hi = lon_ring.min(), lon_ring.max()
    lat_out: list[F64] = []
    lon_out: list[F64] = []
    have, drawn, accepted = 0, 0, 0
    for _ in range(200):  # rejection rounds, each vectorised
        if have >= n:
            break
        rate = max(accepted / drawn, 0.01) if drawn else 0.5
        m = int(min(max(1.3 * (n - have) / rate, 64), 1_000_000))
        lat = np.degrees(np.arcsin(s_lo + (s_hi - s_lo) * rng.random(m)))
        lon = x_lo + (x_hi - x_lo) * rng.random(m)
        ok = points_in_polygon(lat, lon, np.column_stack([poly[:, 0], lon_ring]))
        drawn += m
        accepted += int(ok.sum())
        lat_out.append(lat[ok])
        lon_out.append(lon[ok])
        have += int(ok.sum())
    if have < n:
        raise ValueError("launch area polygon: too small to sample (no points found inside)")
    lat_all = np.concatenate(lat_out)[:n]
    lon_all = np.concatenate(lon_out)[:n]
    lon_wrapped = np.mod(lon_all + 180.0, 360.0) - 180.0
    return np.radians(lat_all), np.radians(lon_wrapped)


# --- targeting and timing ---------------------------------------------------


def allocate_salvos(value: F64, n_weapons: int, weapons_per_target: int = 1) -> I64:
    """Target index (into ``value``) of each of ``n_weapons`` weapons, in allocation order.

    Salvos of ``weapons_per_target`` weapons go to targets by the D'Hondt
    highest-averages rule on ``value`` (quotients ``value / (j+1)``; ties
    broken by round j then target order): the highest-valued target first,
    every target once before a second salvo to equal values, and more salvos
    to more valuable targets. The last salvo may be short.
    """
    a = len(value)
    if n_weapons == 0:
        return np.zeros(0, dtype=np.int64)
    if a == 0:
        raise ValueError("no targets to allocate weapons to")
    g = -(-n_weapons // weapons_per_target)
    j = np.arange(g, dtype=np.float64)[:, None]
    quotient = (np.asarray(value, np.float64)[None, :] / (j + 1.0)).ravel()  # round-major
    order = np.argsort(-quotient, kind="stable")[:g]
    salvo_target = (order % a).astype(np.int64)
    return np.repeat(salvo_target, weapons_per_target)[:n_weapons]


def launch_times(timing: RaidTiming, n: int, rng: np.random.Generator) -> F64:
    """Launch times [s from the epoch] of n launches in launch order (see :class:`RaidTiming`)."""
    i = np.arange(n, dtype=np.float64)
    if timing.mode == "simultaneous":
        t = np.full(n, timing.start_s)
    elif timing.mode == "ripple":
        t = timing.start_s + timing.interval_s * i
    else:
        wave = np.zeros(n, dtype=np.float64)
        pos = np.zeros(n, dtype=np.float64)
        for w, block in enumerate(np.array_split(np.arange(n), timing.waves)):
            wave[block] = w
            pos[block] = np.arange(block.size)
        t = timing.start_s + timing.wave_interval_s * wave + timing.interval_s * pos
    return t + timing.jitter_s * rng.random(n)


def _scatter(
    rng: np.random.Generator, assets: Assets, idx: I64, fraction: float
) -> tuple[F64, F64]:
    """Aim points uniform in a disc of ``fraction`` × the asset radius around each asset."""
    r = fraction * assets.radius_m[idx] * np.sqrt(rng.random(idx.size))
    az = 2.0 * np.pi * rng.random(idx.size)
    if fraction == 0.0:
        return assets.lat_rad[idx].copy(), assets.lon_rad[idx].copy()
    return destination_point(assets.lat_rad[idx], assets.lon_rad[idx], az, r)


# --- the two expansions -----------------------------------------------------


def expand_threat_groups(
    groups: Sequence[ThreatGroup], assets: Assets, rng: np.random.Generator
) -> Launches:
    """Launches of explicit ``threats:`` groups.

    Per group (in order): launch points uniform in the launch circle, targets
    round-robin from the group's list (aim at the asset centre), launch i at
    ``first_launch_s + i launch_interval_s``. Area name ``threats.<k>``.
    """
    parts: list[Launches] = []
    for k, g in enumerate(groups):
        n = g.count
        lat, lon = sample_circle(
            rng,
            float(np.radians(g.launch_area.lat_deg)),
            float(np.radians(g.launch_area.lon_deg)),
            g.launch_area.radius_km * 1e3,
            n,
        )
        aim = np.array(
            [assets.name.index(g.targets[i % len(g.targets)]) for i in range(n)], dtype=np.int64
        )
        opt = _options(g.payload_mass_kg, g.shape)
        rv_assets, opts = _group_rvs(g.type, g.targets, assets, lat, lon, aim, opt)
        parts.append(
            Launches(
                threat_type=(g.type,) * n,
                launch_area=(f"threats.{k}",) * n,
                launch_lat_rad=lat,
                launch_lon_rad=lon,
                aim_lat_rad=assets.lat_rad[aim],
                aim_lon_rad=assets.lon_rad[aim],
                aim_asset=aim,
                target=tuple(assets.name[i] for i in aim),
                t_launch_s=g.first_launch_s + g.launch_interval_s * np.arange(n, dtype=float),
                options=opts,
                rv_aim_asset=rv_assets,
            )
        )
    return concat_launches(parts)


def _options(payload_mass_kg: float | None, shape: str | None) -> dict[str, Any]:
    """Flight-model options of a group or inventory item (only those it sets)."""
    opt: dict[str, Any] = {}
    if payload_mass_kg is not None:
        opt["payload_mass_kg"] = payload_mass_kg
    if shape is not None:
        opt["shape"] = shape
    return opt


def _rv_aim_deg(assets: Assets, rvs: Sequence[int], lat: F64, lon: F64) -> list[list[float]]:
    """``rv_aim_deg`` option value: [lat, lon] degrees of each RV's aim point."""
    return [[float(np.degrees(lat[k])), float(np.degrees(lon[k]))] for k in range(len(rvs))]


def _group_rvs(
    threat: str,
    targets: Sequence[str],
    assets: Assets,
    lat: F64,
    lon: F64,
    aim: I64,
    opt: Mapping[str, Any],
) -> tuple[tuple[tuple[int, ...], ...], tuple[Mapping[str, Any], ...]]:
    """RV targets and options of an explicit group's launches (see the module docstring)."""
    spec = load_mirv_specs().get(threat)
    if spec is None:
        return tuple((int(a),) for a in aim), (dict(opt),) * aim.size
    pool = np.array(list(dict.fromkeys(assets.name.index(t) for t in targets)), np.int64)
    rv_assets: list[tuple[int, ...]] = []
    opts: list[Mapping[str, Any]] = []
    for i, p in enumerate(aim.tolist()):  # one bus per launch: a loop over launches
        others = pool[pool != p]
        picks = choose_rv_targets(
            spec,
            float(lat[i]),
            float(lon[i]),
            float(assets.lat_rad[p]),
            float(assets.lon_rad[p]),
            assets.lat_rad[others],
            assets.lon_rad[others],
            spec.rv_count - 1,
        )
        slots = tuple(rv_slots(spec.rv_count, [p, *(int(others[j]) for j in picks)]))
        rv_assets.append(slots)
        idx = np.array(slots, np.int64)
        opts.append(
            {
                **opt,
                "rv_aim_deg": _rv_aim_deg(assets, slots, assets.lat_rad[idx], assets.lon_rad[idx]),
            }
        )
    return tuple(rv_assets), tuple(opts)


def _class_pool(assets: Assets, counterforce: bool) -> I64:
    cats = set(COUNTERFORCE_CATEGORIES) if counterforce else {"population"}
    return np.array([i for i, c in enumerate(assets.category) if c in cats], dtype=np.int64)


def allocate_targets(raid: RaidSection, assets: Assets, n: int) -> I64:
    """Asset index of each of n weapons (inventory order) under the raid's targeting doctrine."""
    n_cf = int(np.floor(raid.cf_fraction * n + 0.5))  # round half up
    out = np.zeros(n, dtype=np.int64)
    for counterforce, sl in ((True, slice(0, n_cf)), (False, slice(n_cf, n))):
        m = sl.stop - sl.start
        if m == 0:
            continue
        pool = _class_pool(assets, counterforce)
        if pool.size == 0:
            what = "deterrent, military or command" if counterforce else "population"
            raise ValueError(f"raid.targeting: {raid.targeting} needs a {what} asset")
        out[sl] = pool[allocate_salvos(assets.value[pool], m, raid.weapons_per_target)]
    return out


def expand_raid(raid: RaidSection, assets: Assets, rng: np.random.Generator) -> Launches:
    """Launches of a ``raid:`` threat assessment (seeded; see the module docstring).

    Launch order: inventory order, each type's launches dealt round-robin to
    its launch areas (all areas if none listed). Points drawn area by area
    (in ``launch_areas`` order), then aim scatter, then timing jitter.
    """
    area_names = [a.name for a in raid.launch_areas]
    types: list[str] = []
    area_of: list[int] = []
    options: list[Mapping[str, Any]] = []
    for name, item in raid.inventory.items():
        allowed = [area_names.index(a) for a in item.launch_areas] or list(range(len(area_names)))
        area_of += [allowed[i % len(allowed)] for i in range(item.count)]
        types += [name] * item.count
        opt = _options(item.payload_mass_kg, item.shape)
        options += [opt] * item.count
    n = len(types)
    area_idx = np.array(area_of, dtype=np.int64)
    lat = np.zeros(n, dtype=np.float64)
    lon = np.zeros(n, dtype=np.float64)
    for k, area in enumerate(raid.launch_areas):
        sel = np.flatnonzero(area_idx == k)
        if sel.size == 0:
            continue
        if area.polygon_deg is not None:
            lat[sel], lon[sel] = sample_polygon(rng, area.polygon_deg, sel.size)
        else:
            assert area.lat_deg is not None and area.lon_deg is not None
            assert area.radius_km is not None
            lat[sel], lon[sel] = sample_circle(
                rng,
                float(np.radians(area.lat_deg)),
                float(np.radians(area.lon_deg)),
                area.radius_km * 1e3,
                sel.size,
            )
    mirv = load_mirv_specs()
    warheads = np.array([mirv[t].rv_count if t in mirv else 1 for t in types], np.int64)
    if np.all(warheads == 1):
        aim = allocate_targets(raid, assets, n)
        aim_lat, aim_lon = _scatter(rng, assets, aim, raid.aim_scatter_fraction)
        rv_assets: tuple[tuple[int, ...], ...] = tuple((int(a),) for a in aim)
    else:
        rv_assets = _pack_warheads(raid, assets, types, lat, lon, warheads)
        flat = np.array([a for rvs in rv_assets for a in rvs], np.int64)
        s_lat, s_lon = _scatter(rng, assets, flat, raid.aim_scatter_fraction)
        first = np.concatenate([[0], np.cumsum(warheads)[:-1]])
        aim = flat[first]
        aim_lat, aim_lon = s_lat[first], s_lon[first]
        for i in np.flatnonzero(warheads > 1):  # MIRVed launches: their RVs' aim points
            sl = slice(int(first[i]), int(first[i] + warheads[i]))
            rv_deg = _rv_aim_deg(assets, rv_assets[i], s_lat[sl], s_lon[sl])
            options[i] = {**options[i], "rv_aim_deg": rv_deg}
    return Launches(
        threat_type=tuple(types),
        launch_area=tuple(area_names[i] for i in area_of),
        launch_lat_rad=lat,
        launch_lon_rad=lon,
        aim_lat_rad=aim_lat,
        aim_lon_rad=aim_lon,
        aim_asset=aim,
        target=tuple(assets.name[i] for i in aim),
        t_launch_s=launch_times(raid.timing, n, rng),
        options=tuple(options),
        rv_aim_asset=rv_assets,
    )


def _pack_warheads(
    raid: RaidSection,
    assets: Assets,
    types: Sequence[str],
    lat: F64,
    lon: F64,
    warheads: I64,
) -> tuple[tuple[int, ...], ...]:
    """Asset index of each RV of each launch: the doctrine's weapons packed into buses.

    See the module docstring: weapons (one per warhead) allocated by the
    doctrine, MIRV buses packed first in launch order, then the
    single-warhead launches in order.
    """
    wt = allocate_targets(raid, assets, int(warheads.sum()))
    free = np.ones(wt.size, bool)
    mirv = load_mirv_specs()
    out: list[tuple[int, ...]] = [()] * len(types)
    for i in np.flatnonzero(warheads > 1).tolist():  # one bus per launch: a loop over launches
        spec = mirv[types[i]]
        j0 = int(np.argmax(free))
        free[j0] = False
        p = int(wt[j0])
        cand = np.flatnonzero(free)
        picks = choose_rv_targets(
            spec,
            float(lat[i]),
            float(lon[i]),
            float(assets.lat_rad[p]),
            float(assets.lon_rad[p]),
            assets.lat_rad[wt[cand]],
            assets.lon_rad[wt[cand]],
            spec.rv_count - 1,
        )
        free[cand[picks]] = False
        out[i] = tuple(rv_slots(spec.rv_count, [p, *(int(wt[cand[j]]) for j in picks)]))
    single = np.flatnonzero(warheads == 1)
    take = np.flatnonzero(free)[: single.size]
    for i_s, j in zip(single.tolist(), take.tolist(), strict=True):
        out[i_s] = (int(wt[j]),)
    return tuple(out)


def launch_rows(launches: Launches) -> list[dict[str, Any]]:
    """One row per launch for a table / JSON (degrees, seconds, kilometres), in launch order.

    Keys: ``launch, threat, area, launch_lat_deg, launch_lon_deg, t_launch_s,
    target, aim_lat_deg, aim_lon_deg, range_km``.
    """
    lat = np.degrees(launches.launch_lat_rad)
    lon = np.degrees(launches.launch_lon_rad)
    alat = np.degrees(launches.aim_lat_rad)
    alon = np.degrees(launches.aim_lon_rad)
    rng_km = launches.range_m / 1e3
    return [
        {
            "launch": i,
            "threat": launches.threat_type[i],
            "area": launches.launch_area[i],
            "launch_lat_deg": round(float(lat[i]), 4),
            "launch_lon_deg": round(float(lon[i]), 4),
            "t_launch_s": round(float(launches.t_launch_s[i]), 3),
            "target": launches.target[i],
            "aim_lat_deg": round(float(alat[i]), 4),
            "aim_lon_deg": round(float(alon[i]), 4),
            "range_km": round(float(rng_km[i]), 1),
        }
        for i in range(launches.size)
    ]
