"""The deterministic part of a run: scenario → truth, sensors, weapons, assets.

Built once per run and shared by all Monte Carlo trials (threat trajectories
do not react to the defence, see docs/architecture.md). Launches come from
:mod:`shieldlab.threats.raid` (explicit ``threats:`` groups, then the
``raid:`` threat assessment), drawn from the run's "raid" random stream, so
they depend only on the scenario seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.c2 import c2_from_section, nominal_delay
from shieldlab.core.time import parse_epoch
from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.scenario.c2_schema import C2Section
from shieldlab.scenario.schema import (
    SENSOR_LAYER_NAMES,
    AirborneRadarSensor as AirborneEntry,
    GeoIrSensor as GeoIrEntry,
    LeoIrSensor as LeoIrEntry,
    RadarSensor as RadarEntry,
    WarningIrSensor as WarningEntry,
)
from shieldlab.sensors.airborne import AirborneRadar, make_airborne_radar
from shieldlab.sensors.catalog import make_geo_ir, make_radar
from shieldlab.sensors.ir import GeoIrSensor
from shieldlab.sensors.ir_track import LeoIrTrackingSensor, make_leo_ir
from shieldlab.sensors.radar import RadarSite
from shieldlab.sim.defense import DECIDE_STAGE, C2Model, Coalition, Defense
from shieldlab.space.constellation import Constellation, from_spec
from shieldlab.space.orbits import OrbitalElements
from shieldlab.threats import Trajectories
from shieldlab.threats.raid import (
    Assets,
    Launches,
    concat_launches,
    expand_raid,
    expand_threat_groups,
)
from shieldlab.threats.registry import fly_threats
from shieldlab.threats.truth import OBJECT_CRUISE, OBJECT_RV
from shieldlab.weapons.catalog import InterceptorSite, make_site
from shieldlab.weapons.directed_energy import (
    DeTarget,
    HpmSpec,
    LaserSpec,
    load_directed_energy_catalog,
)
from shieldlab.weapons.sbi import (
    BoostPath,
    SbiSpec,
    engagement_window,
    positions_at_eci,
    reach_distance_m,
)

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class IrTrackingLayer:
    """A LEO/MEO IR tracking layer of a world: the sensor type on every satellite of
    ``constellation``, reporting to the tracker every ``revisit_s``."""

    name: str
    sensor: LeoIrTrackingSensor
    constellation: Constellation
    revisit_s: float


@dataclass(frozen=True)
class WarningLayer:
    """Warning satellites of one ``geo-ir`` catalog type on a constellation (e.g. HEO)."""

    name: str
    sensor: GeoIrSensor
    constellation: Constellation


@dataclass(frozen=True)
class LaunchReach:
    """The geometry of one launch against one SBI constellation (deterministic).

    t_launch_s: launch time [s from epoch]; tau_s (K,): intercept-time grid [s
    after launch] from launch to the engagement deadline; carriers (c,): the
    carriers that could reach the missile if they fired at launch (a superset of
    those in reach for any later firing time); dist_m (c, K): their distance to
    the missile at each τ [m].
    """

    t_launch_s: float
    tau_s: F64
    carriers: NDArray[np.int64]
    dist_m: F64


@dataclass(frozen=True)
class SbiLayer:
    """A boost-phase layer: SBI carriers (``spec``) on a constellation, with the
    geometry of every launch against them (:func:`sbi_reach`).

    ``decision_delay_s``: from the first launch report of the warning layer to the
    interceptors' firing (track, decide, authorise) [s].
    """

    name: str
    spec: SbiSpec
    pk: float
    decision_delay_s: float
    n_carriers: int
    launches: tuple[LaunchReach, ...]
    """Truth geometry of every launch against the carriers (the oracle's, for physics)."""
    elements: OrbitalElements | None = None
    """The carriers' orbits (the defence's own constellation, for its fire control)."""
    fire_control: str = "plume-track"
    """``plume-track`` (predict from plume tracks) or ``truth-path`` (named shortcut)."""

    def reach_times(self, l_i: int, fire_s: float) -> F64:
        """Earliest intercept time [s from epoch] of every carrier (n_carriers,) on
        launch ``l_i`` when it fires at ``fire_s`` [s from epoch]; inf when out of
        reach. A carrier reaches τ when its distance to the missile is at most
        D(τ − δ), δ the firing time after launch
        (:func:`~shieldlab.weapons.sbi.reach_distance_m`)."""
        out = np.full(self.n_carriers, np.inf)
        lr = self.launches[l_i]
        delay = fire_s - lr.t_launch_s
        keep = lr.tau_s >= delay - 1e-9
        if lr.carriers.size == 0 or not keep.any():
            return out
        tau = lr.tau_s[keep]
        ok = lr.dist_m[:, keep] <= reach_distance_m(
            tau - delay, self.spec.accel_mps2, self.spec.delta_v_mps
        )
        k = np.argmax(ok, axis=1)
        out[lr.carriers] = np.where(ok.any(axis=1), lr.t_launch_s + tau[k], np.inf)
        return out

    @cached_property
    def reach_t_s(self) -> F64:
        """Earliest intercept times (m launches, n_carriers) [s] when each launch is
        fired at ``decision_delay_s`` after it lifts off; inf out of reach."""
        rows = [
            self.reach_times(i, lr.t_launch_s + self.decision_delay_s)
            for i, lr in enumerate(self.launches)
        ]
        return np.array(rows).reshape(len(rows), self.n_carriers)


def sbi_reach(
    truth: Trajectories,
    launches: Launches,
    spec: SbiSpec,
    elements: OrbitalElements,
) -> tuple[LaunchReach, ...]:
    """The geometry of every launch against the carriers (:class:`LaunchReach`).

    The boost path of launch l is the flown truth of its first object (the
    missile, or the post-boost bus) up to the engagement deadline — burnout, or
    the first RV release of a MIRVed missile (:class:`~shieldlab.weapons.sbi.BoostPath`).
    Stated shortcut: the fire control predicts the boost path exactly (a
    template of the missile class fitted by the warning and tracking layers).
    The grid is :func:`shieldlab.weapons.sbi.engagement_window` fired at launch
    against the carriers' positions at the same times (two-body + J2); the
    firing time of a trial enters only through the reach D(τ − δ).
    """
    n_l = len(launches.threat_type)
    out = []
    all_idx = np.arange(elements.n)
    none = LaunchReach(0.0, np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 0)))
    for l_i in range(n_l):  # launches: loop, carriers and times vectorised
        objs = np.flatnonzero(truth.launch_index == l_i)
        if objs.size == 0:
            out.append(none)
            continue
        first = int(objs[0])
        rv = objs[truth.object_kind[objs] == OBJECT_RV]
        t_kill_abs = (
            float(np.min(truth.t_burnout_s[rv])) if rv.size else float(truth.t_burnout_s[first])
        )
        t_l = float(truth.t_launch_s[first])
        path = BoostPath(
            tau_s=truth.t_s - t_l,
            r_eci_m=truth.r_eci_m[first],
            t_kill_s=t_kill_abs - t_l,
            t_burnout_s=float(truth.t_burnout_s[first]) - t_l,
            name=launches.threat_type[l_i],
        )
        tau, rm, reach = engagement_window(path, spec, 0.0)
        if tau.size == 0:
            out.append(replace(none, t_launch_s=t_l))
            continue
        rc = positions_at_eci(elements, all_idx, np.broadcast_to(t_l + tau, (elements.n, tau.size)))
        dist = np.linalg.norm(rc - rm[None], axis=-1)
        cand = np.flatnonzero((dist <= reach[None, :]).any(axis=1))
        out.append(LaunchReach(t_l, tau, cand.astype(np.int64), dist[cand]))
    return tuple(out)


@dataclass(frozen=True)
class LaserLayer:
    """A high-energy laser at a site (ECEF position [m]) with the atmosphere's
    extinction [1/m] and the vulnerability of the objects it can engage."""

    name: str
    spec: LaserSpec
    r_ecef_m: F64
    lat_rad: float
    lon_rad: float
    extinction_per_m: float
    target: DeTarget
    """Generic cruise-missile vulnerability (per object: ``World.de_targets``)."""
    own_sensor_range_m: float = 0.0
    """Range inside which its own sensor acquires targets without a fused-track cue."""


@dataclass(frozen=True)
class HpmLayer:
    """A high-power microwave weapon at a site (ECEF position [m])."""

    name: str
    spec: HpmSpec
    r_ecef_m: F64
    own_sensor_range_m: float = 0.0
    """Range inside which its own sensor acquires targets without a fused-track cue."""


@dataclass(frozen=True)
class AirbornePlatform:
    """An airborne radar on station at geodetic (lat, lon) [rad] and altitude [m]."""

    name: str
    sensor: AirborneRadar
    lat_rad: float
    lon_rad: float
    alt_m: float


def build_c2(section: C2Section, site_names: list[str]) -> C2Model:
    """:class:`C2Model` of a scenario ``c2:`` section for the given fire units."""
    net, events = c2_from_section(section)
    node = net.node_index(site_names) if site_names else np.zeros(0, np.int64)
    nominal = nominal_delay(net, node, node, DECIDE_STAGE).delay_s if node.size else np.zeros(0)
    return C2Model(net, events, node, nominal)


LASER_TARGET = "generic-cruise-missile"
"""Directed-energy target class of the cruise missiles a laser engages."""

SENSOR_LAYERS: tuple[str, ...] = SENSOR_LAYER_NAMES
"""Sensor layers of the custody bookkeeping, in the tracker's layer-index order."""


def build_coalition(
    s: Scenario, site_names: list[str], radar_names: list[str], ir_names: list[str]
) -> Coalition | None:
    """The scenario's ``coalition`` section for the engine: the force of every fire
    unit, radar (tracker order: ground/sea, then airborne) and LEO IR tracking
    layer, and the sharing agreements by force index (None without a section)."""
    c = s.coalition
    if c is None:
        return None
    idx = {name: i for i, name in enumerate(c.names)}
    owner = {name: s.force_of(force) for _, name, force in s.force_items()}

    def forces(names: list[str]) -> NDArray[np.int64]:
        return np.array([idx[owner[n]] for n in names], dtype=np.int64)

    agreements = tuple(
        (
            idx[a.src],
            idx[a.dst],
            a.latency_s,
            a.engage_on_remote,
            tuple(
                (o.start_s, math.inf if o.end_s is None else o.end_s)
                for o in c.outages
                if (o.src, o.dst) == (a.src, a.dst)
            ),
        )
        for a in c.sharing
    )
    return Coalition(
        tuple(c.names),
        forces(site_names),
        forces(radar_names),
        forces(ir_names),
        agreements,
        c.hold_s,
    )


def radar_layer(radar: RadarSite) -> int:
    """Layer index of a surface radar: sea-based when its catalog platform says so."""
    return 2 if getattr(radar, "platform", "ground") == "sea" else 1


RAID_STREAM = 0
"""Spawn key of the raid generator stream; trials use ``(TRIAL_STREAM, trial)``."""
TRIAL_STREAM = 1


@dataclass(frozen=True)
class World:
    """Everything a trial needs that does not change between trials."""

    scenario: Scenario
    text: str
    sha256: str
    epoch: datetime
    truth: Trajectories
    threat_type: tuple[str, ...]
    """Catalog name of each truth object's launch (n objects)."""
    aim_asset: NDArray[np.int64]
    """Asset index each truth object's launch was aimed at (n objects)."""
    assets: Assets
    radars: tuple[RadarSite, ...]
    radar_names: tuple[str, ...]
    geo_ir: tuple[GeoIrSensor, ...]
    geo_ir_names: tuple[str, ...]
    sites: tuple[InterceptorSite, ...]
    launches: Launches | None = None
    ir_tracking: tuple[IrTrackingLayer, ...] = ()
    airborne: tuple[AirbornePlatform, ...] = ()
    c2: C2Model | None = None
    warning: tuple[WarningLayer, ...] = ()
    channels: tuple[int | None, ...] = ()
    coalition: Coalition | None = None
    """Forces and data sharing of a coalition scenario (None: one force)."""
    parts: dict[str, Any] = field(default_factory=dict)
    """The share of the world of each layer plug-in present (by layer name,
    :mod:`shieldlab.sim.layers`; a layer absent or switched off has none)."""

    @property
    def sbi(self) -> tuple[SbiLayer, ...]:
        """The boost-phase layers (plug-in ``boost``)."""
        part = self.parts.get("boost")
        return () if part is None else tuple(part.layers)

    @property
    def lasers(self) -> tuple[LaserLayer, ...]:
        """The high-energy lasers (plug-in ``laser``)."""
        return tuple(self.parts.get("laser", ()))

    @property
    def hpm(self) -> tuple[HpmLayer, ...]:
        """The high-power microwave weapons (plug-in ``microwave``)."""
        return tuple(self.parts.get("microwave", ()))

    @cached_property
    def _de_classes(self) -> tuple[tuple[DeTarget, ...], NDArray[np.int64] | None]:
        if not (self.lasers or self.hpm) or self.launches is None:
            return (), None
        de_cat = load_directed_energy_catalog()
        names = sorted(de_cat.targets)
        types = [self.launches.threat_type[i] for i in self.truth.launch_index]
        cls = [
            names.index(ty)
            if ty in de_cat.targets
            else names.index(LASER_TARGET)
            if k == OBJECT_CRUISE
            else -1
            for ty, k in zip(types, self.truth.object_kind, strict=True)
        ]
        return tuple(de_cat.targets[k] for k in names), np.array(cls, dtype=np.int64)

    @property
    def de_targets(self) -> tuple[DeTarget, ...]:
        """Directed-energy vulnerability classes of the world's objects (see ``de_target``)."""
        return self._de_classes[0]

    @property
    def de_target(self) -> NDArray[np.int64] | None:
        """(n,) index into ``de_targets`` of each object (−1: not a directed-energy
        target): the threat type's own class when the catalog has one (e.g.
        generic-owa-drone), else the generic cruise missile for cruise-class objects."""
        return self._de_classes[1]

    """Fire-control channels of each fire unit (None: unlimited), same order as ``sites``."""
    """The launches the truth was flown from (``truth.launch_index`` indexes them)."""

    def surface_radars(self) -> tuple[tuple[RadarSite, int], ...]:
        """All radars as sites with their sensor layer: ground/sea radars, then
        airborne radars (site at the platform's station), in sensor-index order."""
        out = [(r, radar_layer(r)) for r in self.radars]
        for a in self.airborne:
            site = replace(a.sensor.radar, lat_rad=a.lat_rad, lon_rad=a.lon_rad, alt_m=a.alt_m)
            out.append((site, 3))
        return tuple(out)

    def step_s(self) -> float:
        """The engine's step [s]: the shortest sensor period or decision interval (the
        fixed-step loop's step and the directed-energy tick)."""
        periods = [r.revisit_s for r, _ in self.surface_radars()]
        periods += [g.frame_s for g in self.geo_ir] + [x.revisit_s for x in self.ir_tracking]
        periods += [w.sensor.frame_s for w in self.warning]
        periods.append(self.scenario.doctrine.decision_interval_s)
        return float(min(periods))

    def defense(self) -> Defense:
        """The defence's view of this world: everything but the truth."""
        return Defense(
            scenario=self.scenario,
            epoch=self.epoch,
            assets=self.assets,
            sites=self.sites,
            radars=self.surface_radars(),
            has_warning=bool(self.geo_ir or self.warning),
            c2=self.c2,
            channels=self.channels,
            coalition=self.coalition,
        )


def raid_rng(seed: int) -> np.random.Generator:
    """The raid generator's random stream of a scenario seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RAID_STREAM,)))


MAX_LAUNCH_TIME_S = 86400.0
"""Latest launch after the scenario epoch [s] (the raid timing fields' bound)."""


def expand_launches(s: Scenario) -> Launches:
    """All launches of a scenario: explicit ``threats:`` groups first, then the ``raid:``.

    Seeded by the scenario seed only (raid stream); nothing is flown.
    """
    assets = Assets.from_scenario(s.assets)
    rng = raid_rng(s.seed)
    parts = [expand_threat_groups(s.threats, assets, rng)]
    if s.raid is not None:
        parts.append(expand_raid(s.raid, assets, rng))
    launches = concat_launches(parts)
    if launches.size and not np.max(launches.t_launch_s) <= MAX_LAUNCH_TIME_S:
        # the truth is flown on one time grid from the epoch: a later launch cannot fit memory
        last = int(np.argmax(launches.t_launch_s))
        raise ValueError(
            f"{launches.launch_area[last]}: a launch {launches.t_launch_s[last]:g} s after the "
            f"epoch; launches must fall within {MAX_LAUNCH_TIME_S:g} s (one day) of epoch_utc"
        )
    return launches


def _object_aim_asset(launches: Launches, truth: Trajectories) -> NDArray[np.int64]:
    """Asset each truth object was aimed at (n,): its launch's target, and for the RVs
    of a MIRV bus each RV's own target (``Launches.rv_aim_asset``, in release order)."""
    aim = launches.aim_asset[truth.launch_index].astype(np.int64)
    rv = truth.object_kind == OBJECT_RV
    for i, targets in enumerate(launches.rv_aim_asset):  # MIRV launches: a handful
        if targets:
            idx = np.flatnonzero(rv & (truth.launch_index == i))
            k = min(idx.size, len(targets))
            aim[idx[:k]] = np.asarray(targets[:k], np.int64)
    return aim


def fly_raid(s: Scenario, epoch: datetime) -> tuple[Assets, Launches, Trajectories]:
    """The scenario's assets, its launches (raid stream of its seed) and their flown truth."""
    launches = expand_launches(s)
    truth = fly_threats(
        list(launches.threat_type),
        launches.launch_lat_rad,
        launches.launch_lon_rad,
        launches.aim_lat_rad,
        launches.aim_lon_rad,
        launches.t_launch_s,
        epoch,
        dt_s=s.time_step_s,
        options=list(launches.options),
    )
    return Assets.from_scenario(s.assets), launches, truth


RAID_FIELDS = ("epoch_utc", "seed", "time_step_s", "threats", "raid", "asset_sets", "assets")
"""The scenario fields the flown truth depends on (:func:`fly_raid`): variants that
agree on them (a layer switched off, a partner removed, another inventory) fly
the same raid."""


def same_raid(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios fly the same truth (equal :data:`RAID_FIELDS`)."""
    return all(getattr(a, f) == getattr(b, f) for f in RAID_FIELDS)


def build_world(loaded: LoadedScenario, flown: World | None = None) -> World:
    """Expand the raid, fly the truth and instantiate sensors and fire units.

    Sensors and fire units of the scenario's ``disabled_layers`` are left out
    (the way to measure a layer's marginal contribution). ``flown``: a world of
    the same raid (:func:`same_raid`) whose truth is reused instead of flying it
    again (the defence is built anew); ``ValueError`` if the raids differ.
    """
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    if flown is None:
        assets, launches, truth = fly_raid(s, epoch)
    elif same_raid(flown.scenario, s) and flown.launches is not None:
        assets, launches, truth = flown.assets, flown.launches, flown.truth
    else:
        changed = [f for f in RAID_FIELDS if getattr(flown.scenario, f) != getattr(s, f)]
        changed = changed or ["launches"]
        raise ValueError(f"flown: a different raid ({', '.join(changed)} differ); fly it anew")
    off = set(s.disabled_layers)
    radars = [x for x in s.sensors if isinstance(x, RadarEntry)]
    radar_sites = [
        make_radar(r.type, r.lat_deg, r.lon_deg, r.alt_m, r.boresight_azimuth_deg) for r in radars
    ]
    keep = [SENSOR_LAYERS[radar_layer(r)] not in off for r in radar_sites]
    radars = [r for r, k in zip(radars, keep, strict=True) if k]
    radar_sites = [r for r, k in zip(radar_sites, keep, strict=True) if k]
    warned = "space-warning" not in off
    geos = [x for x in s.sensors if isinstance(x, GeoIrEntry) and warned]
    consts = {c.name: c for c in s.constellations}
    ir_layers = []
    for x in s.sensors:
        if isinstance(x, LeoIrEntry) and "space-ir" not in off:
            sensor = make_leo_ir(x.type)
            ir_layers.append(
                IrTrackingLayer(
                    x.name,
                    sensor,
                    from_spec(consts[x.constellation], epoch),
                    x.revisit_s or sensor.frame_s,
                )
            )
    warning = [
        WarningLayer(x.name, make_geo_ir(x.type, 0.0), from_spec(consts[x.constellation], epoch))
        for x in s.sensors
        if isinstance(x, WarningEntry) and warned
    ]
    airborne = []
    for x in s.sensors:
        if isinstance(x, AirborneEntry) and "airborne-radar" not in off:
            a = make_airborne_radar(x.type)
            alt = a.patrol_altitude_m if x.alt_m is None else x.alt_m
            airborne.append(
                AirbornePlatform(x.name, a, math.radians(x.lat_deg), math.radians(x.lon_deg), alt)
            )
    placed = [
        (make_site(x.type, x.name, x.lat_deg, x.lon_deg, x.inventory), x.channels)
        for x in s.interceptor_sites
    ]
    sites = tuple(site for site, _ in placed if site.spec.layer not in off)
    channels = tuple(ch for site, ch in placed if site.spec.layer not in off)
    return World(
        scenario=s,
        text=loaded.text,
        sha256=loaded.sha256,
        epoch=epoch,
        truth=truth,
        threat_type=tuple(launches.threat_type[i] for i in truth.launch_index),
        aim_asset=_object_aim_asset(launches, truth),
        assets=assets,
        radars=tuple(radar_sites),
        radar_names=tuple(r.name for r in radars),
        geo_ir=tuple(make_geo_ir(g.type, g.lon_deg) for g in geos),
        geo_ir_names=tuple(g.name for g in geos),
        sites=sites,
        launches=launches,
        ir_tracking=tuple(ir_layers),
        airborne=tuple(airborne),
        c2=None if s.c2 is None else build_c2(s.c2, [x.name for x in sites]),
        warning=tuple(warning),
        channels=channels,
        coalition=build_coalition(
            s,
            [x.name for x in sites],
            [r.name for r in radars] + [a.name for a in airborne],
            [x.name for x in ir_layers],
        ),
        parts=_layer_parts(s, epoch, truth, launches, off),
    )


def _layer_parts(
    s: Scenario, epoch: datetime, truth: Trajectories, launches: Launches, off: set[str]
) -> dict[str, object]:
    """The world's share of every layer plug-in the scenario holds (by layer name)."""
    from shieldlab.sim import layers

    x = layers.BuildInputs(s, epoch, truth, launches, frozenset(off))
    built = {layer.name: layer.build(x) for layer in layers.layers()}
    return {k: v for k, v in built.items() if v is not None}
