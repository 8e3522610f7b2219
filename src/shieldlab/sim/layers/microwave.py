"""Layer ``microwave``: high-power microwave weapons against drones and cruise
missiles (scenario ``hpm``), cued by the fused picture and their own sensors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shieldlab.core.frames import geodetic_to_ecef
from shieldlab.sim import layers
from shieldlab.sim.layers.laser import BeamPlugin
from shieldlab.sim.oracle import beams
from shieldlab.sim.streams import HPM_STREAM, trial_stream
from shieldlab.sim.world import HpmLayer
from shieldlab.weapons.directed_energy import load_directed_energy_catalog

if TYPE_CHECKING:
    from shieldlab.sim.world import World

NAME = "microwave"


def build(x: layers.BuildInputs) -> tuple[HpmLayer, ...] | None:
    """The scenario's microwave weapons (None: none, or the layer is switched off)."""
    s = x.scenario
    if not s.hpm or NAME in x.off:
        return None
    de = load_directed_energy_catalog()
    out = []
    for hs in s.hpm:
        la, lo = math.radians(hs.lat_deg), math.radians(hs.lon_deg)
        out.append(
            HpmLayer(
                hs.name,
                de.hpms[hs.type],
                geodetic_to_ecef(la, lo, hs.alt_m),
                hs.own_sensor_range_km * 1e3,
            )
        )
    return tuple(out)


@dataclass
class MicrowavePlugin(BeamPlugin):
    """Per-trial state of the microwave weapons (:class:`~shieldlab.sim.oracle.beams.HpmState`)."""

    def shots(self) -> layers.LayerShots:
        """One row per pulse (site = the weapon; threat = the object the beam was
        pointed at; Pk = that object's effect probability; hit = that object
        defeated — the others the pulse defeated count as kills of the layer, not
        as rows; cost per shot from the catalog)."""
        h = self.beams.record()
        if h is None:
            return layers.LayerShots.empty()
        hw = self.world.hpm
        return layers.LayerShots.of(
            [hw[i].name for i in h["weapon"]],
            h["object"],
            h["t_s"],
            h["t_s"],
            h["pk"],
            h["hit"],
            [hw[i].spec.cost_per_shot_usd for i in h["weapon"]],
        )


def start(world: World, part: tuple[HpmLayer, ...], trial: int) -> MicrowavePlugin:
    rng = trial_stream(HPM_STREAM, world.scenario.seed, trial)
    return MicrowavePlugin(world, beams.HpmState.start(world, rng), part)


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=90,
        summary="high-power microwave pulses on everything in the beam, cued like the lasers",
        build=build,
        start=start,
        stream=HPM_STREAM,
    )
)
