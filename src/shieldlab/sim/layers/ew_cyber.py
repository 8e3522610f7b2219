"""Layer ``ew-cyber``: the defender's electronic-warfare and cyber effects on the
adversary's launches (scenario ``ew_cyber``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from shieldlab.core.frames import ecef_to_geodetic, geodetic_to_ecef
from shieldlab.scenario.schema import EwCyber
from shieldlab.sim import layers
from shieldlab.sim.streams import EW_STREAM, trial_stream
from shieldlab.weapons.effects import apply_launch_failures, displace_aim_points

if TYPE_CHECKING:
    from shieldlab.sim.world import World

NAME = "ew-cyber"


def build(x: layers.BuildInputs) -> EwCyber | None:
    """The scenario's section (None: none, or the layer is switched off)."""
    s = x.scenario.ew_cyber
    return None if s is None or NAME in x.off else s


def effects(
    world: World, ew: EwCyber | None, trial: int
) -> tuple[layers.BoolArr, layers.F64, layers.F64]:
    """EW/cyber effects of a trial.

    Returns per object (n,): its launch failed; impact latitude and longitude
    [rad] after guidance degradation (:mod:`shieldlab.weapons.effects`: one
    failure draw and one degradation draw per launch; a degraded launch's
    objects all land ``aim_miss_km`` away from their nominal impact at one
    random azimuth). Stated shortcut: the trajectory is not re-flown — only the
    impact point that decides leakage moves (the defence tracks the nominal
    flight).
    """
    tr = world.truth
    n = tr.t_launch_s.size
    lat, lon = tr.impact_lat_rad.copy(), tr.impact_lon_rad.copy()
    if ew is None or world.launches is None:
        return np.zeros(n, bool), lat, lon
    n_l = len(world.launches.threat_type)
    rng = trial_stream(EW_STREAM, world.scenario.seed, trial)
    _, failed = apply_launch_failures(np.ones(n_l, bool), ew.p_launch_failure, rng)
    # one impact-point shift per launch, applied to all of its objects
    nominal = geodetic_to_ecef(
        world.launches.aim_lat_rad, world.launches.aim_lon_rad, np.zeros(n_l)
    )
    moved, degraded = displace_aim_points(
        nominal, ew.p_guidance_degraded, ew.aim_miss_km * 1e3, rng
    )
    shift = (moved - nominal)[tr.launch_index]
    deg = degraded[tr.launch_index]
    if deg.any():
        pts = geodetic_to_ecef(lat[deg], lon[deg], np.zeros(int(deg.sum()))) + shift[deg]
        la, lo, _ = ecef_to_geodetic(pts)
        lat[deg], lon[deg] = la, lo
    return np.asarray(failed[tr.launch_index]), lat, lon


def before_flight(
    world: World, part: EwCyber, trial: int, st: layers.BeforeFlight
) -> layers.BeforeFlight:
    """Objects of failed launches are gone (credited to this layer, unless an earlier
    layer took them); degraded launches land elsewhere."""
    failed, lat, lon = effects(world, part, trial)
    return layers.BeforeFlight(failed & ~st.gone, lat, lon)


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=10,
        summary="launch failures and degraded guidance (stated probabilities per launch)",
        build=build,
        before_flight=before_flight,
        stream=EW_STREAM,
    )
)
