"""Layer ``laser``: high-energy lasers against cruise missiles and drones
(scenario ``lasers``), cued by the fused picture and their own sensors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shieldlab.core.frames import geodetic_to_ecef
from shieldlab.sim import layers
from shieldlab.sim.oracle import beams
from shieldlab.sim.world import LASER_TARGET, LaserLayer
from shieldlab.weapons.directed_energy import extinction_per_m, load_directed_energy_catalog

if TYPE_CHECKING:
    from shieldlab.sim.world import World

NAME = "laser"


def build(x: layers.BuildInputs) -> tuple[LaserLayer, ...] | None:
    """The scenario's lasers (None: none, or the layer is switched off)."""
    s = x.scenario
    if not s.lasers or NAME in x.off:
        return None
    de = load_directed_energy_catalog()
    out = []
    for ls in s.lasers:
        spec = de.lasers[ls.type]
        la, lo = math.radians(ls.lat_deg), math.radians(ls.lon_deg)
        out.append(
            LaserLayer(
                ls.name,
                spec,
                geodetic_to_ecef(la, lo, ls.alt_m),
                la,
                lo,
                float(extinction_per_m(ls.visibility_km * 1e3, spec.wavelength_m)),
                de.targets[LASER_TARGET],
                ls.own_sensor_range_km * 1e3,
            )
        )
    return tuple(out)


def cues(x: layers.Step, sites: list[tuple[Any, float]]) -> list[layers.F64]:
    """Cue positions (ECI) per weapon: the fused picture's tracks classified as
    cruise missiles or drones, plus that weapon's own sensor's detections."""
    st = x.trial
    state, _ = st.tracker.confirmed_states(x.t)
    fused = beams.level_cues(state)
    out: list[layers.F64] = []
    for site_ecef, r50 in sites:  # directed-energy weapons: a handful
        own = beams.own_sensor_cues(
            site_ecef, r50, x.r_eci, x.v_eci, x.visible, x.gmst, st.rng_sense
        )
        out.append(np.concatenate([fused, beams.level_cues(own)]))
    return out


@dataclass
class BeamPlugin:
    """Per-trial state of a directed-energy layer: its weapons' beams (an
    :mod:`~shieldlab.sim.oracle.beams` state), ticking every ``dt`` of the engine
    while anything flies, each tick cued by :func:`cues`."""

    world: World
    beams: Any
    weapons: tuple[Any, ...]
    next_s: float = 0.0

    def due_s(self, t: float, trial: Any) -> float:
        return self.next_s if self.next_s > t + 1e-9 else np.inf

    def skip_to(self, t: float) -> None:
        self.next_s = _in_phase(self.next_s, t, self.world.step_s())

    def step(self, x: layers.Step) -> tuple[layers.BoolArr, float]:
        if x.t + 1e-9 < self.next_s:
            return np.zeros(x.live.size, bool), x.t
        self.next_s += x.dt
        c = cues(x, [(w.r_ecef_m, w.own_sensor_range_m) for w in self.weapons])
        return self.beams.step(self.world, x.t, x.dt, x.r_eci, x.live, x.gmst, c), x.t

    def record(self) -> dict[str, np.ndarray] | None:
        """The beams' own log (``TrialResult.layer_records``)."""
        return self.beams.record()


@dataclass
class LaserPlugin(BeamPlugin):
    """Per-trial state of the lasers (:class:`~shieldlab.sim.oracle.beams.LaserState`)."""

    def shots(self) -> layers.LayerShots:
        """One row per dwell (site = the laser; start and end of the dwell; Pk =
        absorbed / kill fluence, at most 1: the fluence model is deterministic, a
        dwell kills when it completes; cost per shot from the catalog)."""
        d = self.beams.record()
        if d is None or d["object"].size == 0:
            return layers.LayerShots.empty()
        lz = self.world.lasers
        kill = np.array([lz[i].target.kill_fluence_j_m2 for i in d["laser"]])
        return layers.LayerShots.of(
            [lz[i].name for i in d["laser"]],
            d["object"],
            d["start_s"],
            d["end_s"],
            np.minimum(d["fluence_j_m2"] / kill, 1.0),
            d["killed"],
            [lz[i].spec.cost_per_shot_usd for i in d["laser"]],
        )


def _in_phase(due: float, t: float, period: float) -> float:
    """``due`` moved forward by whole periods to the first time at or after ``t``."""
    return due + max(math.ceil((t - due) / period - 1e-9), 0) * period


def start(world: World, part: tuple[LaserLayer, ...], trial: int) -> LaserPlugin:
    return LaserPlugin(world, beams.LaserState.start(world, world.truth.t_launch_s.size), part)


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=80,
        summary="high-energy lasers: dwell until the kill fluence, cued by tracks and own sensor",
        build=build,
        start=start,
    )
)
