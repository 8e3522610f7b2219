"""The deterministic part of a run: scenario → truth, sensors, weapons, assets.

Built once per run and shared by all Monte Carlo trials (threat trajectories
do not react to the defence, see ARCHITECTURE.md). Launches come from
:mod:`shieldlab.threats.raid` (explicit ``threats:`` groups, then the
``raid:`` threat assessment), drawn from the run's "raid" random stream, so
they depend only on the scenario seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.time import parse_epoch
from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.scenario.schema import GeoIrSensor as GeoIrEntry
from shieldlab.scenario.schema import RadarSensor as RadarEntry
from shieldlab.sensors.catalog import make_geo_ir, make_radar
from shieldlab.sensors.ir import GeoIrSensor
from shieldlab.sensors.radar import RadarSite
from shieldlab.threats import Trajectories
from shieldlab.threats.raid import (
    Assets,
    Launches,
    concat_launches,
    expand_raid,
    expand_threat_groups,
)
from shieldlab.threats.registry import fly_threats
from shieldlab.weapons.catalog import InterceptorSite, make_site

F64 = NDArray[np.float64]

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
    """The launches the truth was flown from (``truth.launch_index`` indexes them)."""


def raid_rng(seed: int) -> np.random.Generator:
    """The raid generator's random stream of a scenario seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RAID_STREAM,)))


def expand_launches(s: Scenario) -> Launches:
    """All launches of a scenario: explicit ``threats:`` groups first, then the ``raid:``.

    Seeded by the scenario seed only (raid stream); nothing is flown.
    """
    assets = Assets.from_scenario(s.assets)
    rng = raid_rng(s.seed)
    parts = [expand_threat_groups(s.threats, assets, rng)]
    if s.raid is not None:
        parts.append(expand_raid(s.raid, assets, rng))
    return concat_launches(parts)


def build_world(loaded: LoadedScenario) -> World:
    """Expand the raid, fly the truth and instantiate sensors and fire units."""
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    assets = Assets.from_scenario(s.assets)
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
    radars = [x for x in s.sensors if isinstance(x, RadarEntry)]
    geos = [x for x in s.sensors if isinstance(x, GeoIrEntry)]
    return World(
        scenario=s,
        text=loaded.text,
        sha256=loaded.sha256,
        epoch=epoch,
        truth=truth,
        threat_type=tuple(launches.threat_type[i] for i in truth.launch_index),
        aim_asset=launches.aim_asset[truth.launch_index],
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
        launches=launches,
    )
