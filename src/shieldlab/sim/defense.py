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

    @property
    def doctrine(self) -> Doctrine:
        return self.scenario.doctrine
