"""Layer ``left-of-launch``: strikes on launchers before they fire (scenario
``left_of_launch``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from shieldlab.scenario.schema import LeftOfLaunch
from shieldlab.sim import layers
from shieldlab.sim.streams import LOL_STREAM, trial_stream

if TYPE_CHECKING:
    from shieldlab.sim.world import World

NAME = "left-of-launch"


def build(x: layers.BuildInputs) -> LeftOfLaunch | None:
    """The scenario's section (None: none, or the layer is switched off)."""
    s = x.scenario.left_of_launch
    return None if s is None or NAME in x.off else s


def kills(world: World, lol: LeftOfLaunch | None, trial: int) -> layers.BoolArr:
    """Objects (n,) whose launcher a strike destroyed before it fired in this trial.

    Per launch: found with p_find, then destroyed with p_kill (two uniform
    draws per launch from the trial's ``LOL_STREAM``, whatever the types), only
    for the section's threat types (all when empty).
    """
    n = world.truth.t_launch_s.size
    if lol is None or world.launches is None:
        return np.zeros(n, bool)
    launches = world.launches
    n_l = len(launches.threat_type)
    rng = trial_stream(LOL_STREAM, world.scenario.seed, trial)
    u = rng.random((n_l, 2))
    eligible = np.array([not lol.types or t in lol.types for t in launches.threat_type], bool)
    destroyed = eligible & (u[:, 0] < lol.p_find) & (u[:, 1] < lol.p_kill)
    return np.asarray(destroyed[world.truth.launch_index])


def before_flight(
    world: World, part: LeftOfLaunch, trial: int, st: layers.BeforeFlight
) -> layers.BeforeFlight:
    """Objects of destroyed launchers are gone (credited to this layer)."""
    gone = kills(world, part, trial) & ~st.gone
    return layers.BeforeFlight(gone, st.impact_lat_rad, st.impact_lon_rad)


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=0,
        summary="strikes on launchers before they fire (p_find × p_kill per launch)",
        build=build,
        before_flight=before_flight,
        stream=LOL_STREAM,
    )
)
