"""A layer plug-in in one module: a close-in weapon system (CIWS, layer ``ciws``).

The worked example of ``docs/architecture.md`` ("Adding a layer") and the
plug-in of ``tests/sim/test_layer_plugin.py``. Importing this module registers
the layer; a scenario may then hold a top-level ``ciws:`` section, switch the
layer off with ``disabled_layers: [ciws]``, and the engine, the results and
store tables, the report and ``marginal`` carry it with no other change.

Model (illustrative, not a catalog system): a gun at a site fires a burst every
``burst_interval_s`` at the nearest detection of its own radar (Swerling-1
with 50 % detection range ``range_km``, measured with noise, from
:func:`shieldlab.sim.oracle.beams.own_sensor_cues`) inside ``range_km``; the
burst kills the live object nearest the cue within 50 m with
``pk_per_burst``. Decision (where to shoot) from the measurement, physics
(what the burst meets) from the truth: the truth boundary kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shieldlab.core.frames import eci_to_ecef, geodetic_to_ecef
from shieldlab.sim import layers
from shieldlab.sim.oracle import beams
from shieldlab.sim.streams import trial_stream

NAME = "ciws"
HIT_RADIUS_M = 50.0


class CiwsSite(BaseModel):
    """Scenario entry of one gun (``ciws:`` is a list of them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=360.0)
    range_km: float = Field(default=4.0, gt=0.0, le=10.0)
    pk_per_burst: float = Field(default=0.3, gt=0.0, le=1.0)
    burst_interval_s: float = Field(default=2.0, ge=0.5, le=60.0)
    cost_per_burst_usd: float = Field(default=20_000.0, ge=0.0)


@dataclass(frozen=True)
class Gun:
    """A gun of the world: its entry and its site (ECEF [m])."""

    spec: CiwsSite
    r_ecef_m: layers.F64


def build(x: layers.BuildInputs) -> tuple[Gun, ...] | None:
    """The scenario's guns (None: no ``ciws`` section, or the layer is off)."""
    sites = x.scenario.section("ciws")
    if not sites or NAME in x.off:
        return None
    return tuple(
        Gun(s, geodetic_to_ecef(math.radians(s.lat_deg), math.radians(s.lon_deg), 10.0))
        for s in sites
    )


@dataclass
class CiwsState:
    """Per trial: each gun's next burst time [s], the shot log, the layer's stream."""

    guns: tuple[Gun, ...]
    rng: np.random.Generator
    next_s: list[float]
    log: list[tuple[str, int, float, float, bool, float]] = field(default_factory=list)

    def due_s(self, t: float, trial: Any) -> float:
        later = [s for s in self.next_s if s > t + 1e-9]
        return min(later) if later else math.inf

    def skip_to(self, t: float) -> None:
        self.next_s = [max(s, t) for s in self.next_s]

    def step(self, x: layers.Step) -> tuple[layers.BoolArr, float]:
        killed = np.zeros(x.live.size, bool)
        r_ecef = eci_to_ecef(x.r_eci, x.gmst)
        for i, gun in enumerate(self.guns):  # guns: a handful
            if x.t + 1e-9 < self.next_s[i]:
                continue
            self.next_s[i] = x.t + gun.spec.burst_interval_s
            rng_m = gun.spec.range_km * 1e3
            cues = beams.own_sensor_cues(
                gun.r_ecef_m, rng_m, x.r_eci, x.v_eci, x.visible, x.gmst, x.trial.rng_sense
            )
            if cues.shape[0] == 0:
                continue
            cue = eci_to_ecef(cues[:, :3], x.gmst)
            d_cue = np.linalg.norm(cue - gun.r_ecef_m, axis=1)
            j = int(np.argmin(d_cue))
            if d_cue[j] > rng_m:
                continue
            # physics: the burst meets the live object nearest the aim point, if close
            miss = np.linalg.norm(r_ecef - cue[j], axis=1)
            miss[~x.live | killed] = np.inf
            obj = int(np.argmin(miss))
            hit = bool(miss[obj] <= HIT_RADIUS_M and self.rng.random() < gun.spec.pk_per_burst)
            killed[obj] |= hit
            target = obj if np.isfinite(miss[obj]) and miss[obj] <= HIT_RADIUS_M else -1
            self.log.append(
                (
                    gun.spec.name,
                    target,
                    x.t,
                    gun.spec.pk_per_burst,
                    hit,
                    gun.spec.cost_per_burst_usd,
                )
            )
        return killed, x.t

    def shots(self) -> layers.LayerShots:
        if not self.log:
            return layers.LayerShots.empty()
        site, obj, t, pk, hit, usd = zip(*self.log, strict=True)
        return layers.LayerShots.of(site, obj, t, t, pk, hit, usd)


def start(world: Any, part: tuple[Gun, ...], trial: int) -> CiwsState:
    rng = trial_stream(LAYER.stream_id, world.scenario.seed, trial)
    return CiwsState(part, rng, [0.0] * len(part))


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=75,
        summary="close-in weapon system: gun bursts at its own radar's nearest detection",
        build=build,
        start=start,
        section="ciws",
        model=CiwsSite,
        many=True,
    )
)
