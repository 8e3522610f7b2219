"""The deterministic part of a run: scenario → truth, sensors, weapons, assets.

Built once per run and shared by all Monte Carlo trials (threat trajectories
do not react to the defence, see ARCHITECTURE.md). The raid's launch points
are drawn uniformly in each launch area from the run's "raid" random stream,
so they depend only on the scenario seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.frames import destination_point
from shieldlab.core.time import parse_epoch
from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.scenario.schema import GeoIrSensor as GeoIrEntry
from shieldlab.scenario.schema import RadarSensor as RadarEntry
from shieldlab.sensors.catalog import make_geo_ir, make_radar
from shieldlab.sensors.ir import GeoIrSensor
from shieldlab.sensors.radar import RadarSite
from shieldlab.threats import Trajectories
from shieldlab.threats.registry import fly_threats
from shieldlab.weapons.catalog import InterceptorSite, make_site

F64 = NDArray[np.float64]

RAID_STREAM = 0
"""Spawn key of the raid generator stream; trials use ``(TRIAL_STREAM, trial)``."""
TRIAL_STREAM = 1


@dataclass(frozen=True)
class Assets:
    """Defended assets as arrays (a,): geodetic position, radius [m], value."""

    name: tuple[str, ...]
    category: tuple[str, ...]
    lat_rad: F64
    lon_rad: F64
    radius_m: F64
    value: F64


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


def _assets(s: Scenario) -> Assets:
    return Assets(
        name=tuple(a.name for a in s.assets),
        category=tuple(a.category for a in s.assets),
        lat_rad=np.radians([a.lat_deg for a in s.assets]),
        lon_rad=np.radians([a.lon_deg for a in s.assets]),
        radius_m=np.array([a.radius_km * 1e3 for a in s.assets]),
        value=np.array([a.value for a in s.assets], dtype=np.float64),
    )


def build_world(loaded: LoadedScenario) -> World:
    """Expand the raid, fly the truth and instantiate sensors and fire units."""
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    assets = _assets(s)
    raid_rng = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=(RAID_STREAM,)))
    names: list[str] = []
    options: list[dict[str, float]] = []
    lats: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    aims: list[int] = []
    t_launch: list[np.ndarray] = []
    for g in s.threats:
        n = g.count
        # uniform in the launch disk: radius ∝ sqrt(u), azimuth uniform
        rr = g.launch_area.radius_km * 1e3 * np.sqrt(raid_rng.random(n))
        az = 2.0 * np.pi * raid_rng.random(n)
        lat, lon = destination_point(
            np.radians(g.launch_area.lat_deg), np.radians(g.launch_area.lon_deg), az, rr
        )
        lats.append(lat)
        lons.append(lon)
        aims += [assets.name.index(g.targets[i % len(g.targets)]) for i in range(n)]
        t_launch.append(g.first_launch_s + g.launch_interval_s * np.arange(n))
        names += [g.type] * n
        opt = {} if g.payload_mass_kg is None else {"payload_mass_kg": g.payload_mass_kg}
        options += [opt] * n
    aim = np.array(aims, dtype=np.int64)
    truth = fly_threats(
        names,
        np.concatenate(lats),
        np.concatenate(lons),
        assets.lat_rad[aim],
        assets.lon_rad[aim],
        np.concatenate(t_launch),
        epoch,
        dt_s=s.time_step_s,
        options=options,
    )
    radars = [x for x in s.sensors if isinstance(x, RadarEntry)]
    geos = [x for x in s.sensors if isinstance(x, GeoIrEntry)]
    return World(
        scenario=s,
        text=loaded.text,
        sha256=loaded.sha256,
        epoch=epoch,
        truth=truth,
        threat_type=tuple(names[i] for i in truth.launch_index),
        aim_asset=aim[truth.launch_index],
        assets=assets,
        radars=tuple(
            make_radar(r.type, r.lat_deg, r.lon_deg, r.alt_m, r.boresight_azimuth_deg)
            for r in radars
        ),
        radar_names=tuple(r.name for r in radars),
        geo_ir=tuple(make_geo_ir(g.type, g.lon_deg) for g in geos),
        geo_ir_names=tuple(g.name for g in geos),
        sites=tuple(
            make_site(x.type, x.name, x.lat_deg, x.lon_deg, x.inventory)
            for x in s.interceptor_sites
        ),
    )
