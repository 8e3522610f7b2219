"""What the defence knows of a world: its own sensors, shooters, C2, doctrine and
the assets it defends — everything of a :class:`~shieldlab.sim.world.World` but
the truth.

The battle manager (:mod:`shieldlab.sim.decide`) receives a :class:`Defense`,
never a World: it cannot read truth trajectories, object kinds, launch
points or aim points, even by attribute. An import-linter contract keeps this
module and the decision code from importing :mod:`shieldlab.threats` (the
defended-asset type is named for type checking only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.c2 import C2Events, C2Network
from shieldlab.scenario import Scenario
from shieldlab.scenario.c2_schema import STAGES
from shieldlab.scenario.schema import Doctrine
from shieldlab.sensors.radar import RadarSite
from shieldlab.weapons.interceptor import InterceptorSite

if TYPE_CHECKING:
    from shieldlab.threats.raid import Assets

F64 = NDArray[np.float64]

DECIDE_STAGE = STAGES.index("decide")
"""The engine's C2 delay covers the kill chain from this stage on (detection,
reports and tracking are modelled by the sensors and the tracker)."""


@dataclass(frozen=True)
class C2Model:
    """The scenario's C2 network ready for the engine: the network, its events,
    the fire-control node of every fire unit (s,), and the nominal (undegraded)
    delay of the decide → authorize → launch part of the chain per fire unit [s]."""

    network: C2Network
    events: C2Events
    site_node: NDArray[np.int64]
    nominal_s: F64


@dataclass(frozen=True)
class Coalition:
    """The forces of a coalition and how their track data flow (decision side).

    ``site_force`` (s,), ``radar_force`` (r,) in the tracker's radar order and
    ``ir_force`` (one per LEO IR tracking layer): index of the force fielding
    each. ``agreements``: (from, to, latency [s], engage on remote, outage
    windows [(start, end)] with end ``inf`` when not restored), force indices.
    ``hold_s``: a track updated this recently by a force's sensors is held by it.
    """

    names: tuple[str, ...]
    site_force: NDArray[np.int64]
    radar_force: NDArray[np.int64]
    ir_force: NDArray[np.int64]
    agreements: tuple[tuple[int, int, float, bool, tuple[tuple[float, float], ...]], ...]
    hold_s: float

    @property
    def n(self) -> int:
        """Number of forces."""
        return len(self.names)

    def links(self, t: float) -> tuple[NDArray[np.bool_], NDArray[np.bool_], F64]:
        """At ``t`` [s]: (f, f) matrices ``flows[g, f]`` (g's tracks reach f: own,
        or an agreement up), ``engage[g, f]`` (f may fire on g's tracks) and
        ``latency_s[g, f]`` (data latency; 0 on the diagonal)."""
        n = self.n
        flows = np.eye(n, dtype=bool)
        engage = np.eye(n, dtype=bool)
        latency = np.zeros((n, n))
        for g, f, lat, eor, down in self.agreements:  # agreements: a handful
            if any(a <= t < b for a, b in down):
                continue
            flows[g, f] = True
            engage[g, f] = eor
            latency[g, f] = lat
        return flows, engage, latency


@dataclass(frozen=True)
class Defense:
    """The defence's own view of a world (no truth).

    ``radars``: every surface and airborne radar as (site, sensor-layer index),
    in the tracker's sensor-index order; ``has_warning``: the scenario has a
    launch-warning layer (then a track must correlate with a launch report
    before it is engaged); ``channels``: fire-control channels per fire unit
    (None: unlimited)."""

    scenario: Scenario
    epoch: datetime
    assets: Assets
    sites: tuple[InterceptorSite, ...]
    radars: tuple[tuple[RadarSite, int], ...]
    has_warning: bool
    c2: C2Model | None = None
    channels: tuple[int | None, ...] = ()
    coalition: Coalition | None = None

    @property
    def doctrine(self) -> Doctrine:
        return self.scenario.doctrine
