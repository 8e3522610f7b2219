"""Defeat-layer plug-ins: each layer is one module that registers itself here.

A layer module builds its part of the world from its scenario section, keeps
its own per-trial state, acts when its events are due, and returns its shot
table with costs. The engine (:mod:`shieldlab.sim.engine`), the results and
store tables (:mod:`shieldlab.sim.results`), the report and ``marginal``
iterate :func:`layers`; adding a layer touches its module and the catalog,
nothing else (worked example: ``docs/architecture.md``, "Adding a layer").

A plug-in is a :class:`Layer`:

- ``build(inputs) -> part | None``: the layer's share of the world, built once
  per scenario (None when the scenario has no such section or switches the
  layer off with ``disabled_layers``);
- either ``before_flight(world, part, trial, state) -> BeforeFlight``: effects
  before any flight (launchers destroyed, launches failed, aim points moved),
- or ``start(world, part, trial) -> LayerState``: a per-trial state that the
  time loop asks for its next due time (:meth:`LayerState.due_s`) and steps
  (:meth:`LayerState.step`, returning the objects it killed and when);
- the shots it fired, as a :class:`LayerShots` table with their cost [USD]
  (engagement rows of the store; ``interceptors``: counted as interceptors
  fired, like the ground- and sea-based ones).

Where it sits on the truth boundary: a plug-in is engine glue. Its decisions
(what to shoot at, when) read the defence's picture (``Step.trial``: the
tracker, launch reports; ``Step.trial.defense``); the truth it is given in a
:class:`Step` is for measurements and for resolving the physics of a shot.

Built-in plug-ins: ``left-of-launch``, ``ew-cyber``, ``boost`` (space-based
interceptors), ``laser``, ``microwave``. Interceptors from ground and sea
sites (the catalog's ``layer`` values ``midcourse`` … ``cruise-defense``) are
flown by the battle manager, not by a plug-in.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from shieldlab.scenario import Scenario, sections
from shieldlab.scenario.schema import DEFEAT_LAYER_NAMES, LAYER_NAMES

if TYPE_CHECKING:
    from shieldlab.sim.world import World
    from shieldlab.threats import Trajectories
    from shieldlab.threats.raid import Launches

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


@dataclass(frozen=True)
class LayerShots:
    """Shots of one layer in one trial (m,): weapon or layer name, the object it was
    fired at or acted on (−1: none), start and end time [s from epoch] (launch and
    intercept; a dwell's start and end), Pk, outcome and expended cost [USD, NaN:
    unknown]."""

    site: NDArray[np.object_]
    threat: I64
    start_s: F64
    end_s: F64
    pk: F64
    hit: BoolArr
    cost_usd: F64

    @classmethod
    def of(
        cls,
        site: Any,
        threat: Any,
        start_s: Any,
        end_s: Any,
        pk: Any,
        hit: Any,
        cost_usd: Any,
    ) -> LayerShots:
        """A table from array-likes (converted to the column dtypes)."""
        return cls(
            np.asarray(site, dtype=object).reshape(-1),
            np.asarray(threat, np.int64).reshape(-1),
            np.asarray(start_s, np.float64).reshape(-1),
            np.asarray(end_s, np.float64).reshape(-1),
            np.asarray(pk, np.float64).reshape(-1),
            np.asarray(hit, bool).reshape(-1),
            np.asarray(cost_usd, np.float64).reshape(-1),
        )

    @classmethod
    def empty(cls) -> LayerShots:
        return cls.of([], [], [], [], [], [], [])

    @property
    def size(self) -> int:
        return int(self.threat.size)


@dataclass(frozen=True)
class BuildInputs:
    """What a layer's builder may use: the scenario, its epoch, the flown truth and
    the launches (the world's physics side), the layers switched off."""

    scenario: Scenario
    epoch: datetime
    truth: Trajectories
    launches: Launches
    off: frozenset[str]


@dataclass(frozen=True)
class Step:
    """One call of a layer's step at time ``t`` [s from epoch]: truth sample index
    ``k``, the engine's step ``dt`` [s], truth ECI positions and velocities (n, 3),
    ``live`` (n,) objects alive and in flight, ``alive`` (n,) not killed,
    ``visible`` (n,) objects sensors can see, GMST [rad], and ``trial``: the engine's
    trial state (the defence's picture: ``trial.tracker``, ``trial.reports``,
    ``trial.report_s``; ``trial.rng_sense``)."""

    t: float
    k: int
    dt: float
    r_eci: F64
    v_eci: F64
    live: BoolArr
    alive: BoolArr
    visible: BoolArr
    gmst: float
    trial: Any


class LayerState(Protocol):
    """Per-trial state of an in-flight layer."""

    def due_s(self, t: float, trial: Any) -> float:
        """Next time after ``t`` the layer needs the time loop [s] (inf: never);
        ``trial``: the engine's trial state (as ``Step.trial``)."""
        ...

    def skip_to(self, t: float) -> None:
        """The loop jumps over quiet sky to ``t``: move periodic events there, in phase."""
        ...

    def step(self, x: Step) -> tuple[BoolArr, F64 | float]:
        """Act at ``x.t``: the objects (n,) killed now, and their kill times [s]."""
        ...

    def shots(self) -> LayerShots:
        """The trial's shots so far."""
        ...


@dataclass(frozen=True)
class BeforeFlight:
    """State before flight: objects (n,) already gone (launcher destroyed, launch
    failed) and the impact points [rad] (moved by degraded guidance)."""

    gone: BoolArr
    impact_lat_rad: F64
    impact_lon_rad: F64


@dataclass(frozen=True)
class Layer:
    """A registered layer plug-in (see the module docstring).

    ``order``: place on the engagement timeline (reports, ``marginal``, the
    ``run`` tables; the built-ins use ten times their index in
    :data:`~shieldlab.scenario.schema.DEFEAT_LAYER_NAMES`); ``stream``: the
    layer's random-stream number within a trial (None: derived from the name);
    ``section``/``model``/``many``: the scenario section of a plug-in that is
    not a built-in :class:`~shieldlab.scenario.Scenario` field."""

    name: str
    order: int
    summary: str
    build: Callable[[BuildInputs], Any]
    start: Callable[[World, Any, int], LayerState] | None = None
    before_flight: Callable[[World, Any, int, BeforeFlight], BeforeFlight] | None = None
    interceptors: bool = False
    stream: int | None = None
    section: str | None = None
    model: type[BaseModel] | None = None
    many: bool = False

    @property
    def stream_id(self) -> int:
        """Random-stream number of the layer (stated, or 1000 + CRC-32 of the name)."""
        if self.stream is not None:
            return self.stream
        return 1000 + zlib.crc32(self.name.encode("utf-8"))


_REGISTRY: dict[str, Layer] = {}


def register(layer: Layer) -> Layer:
    """Register (or replace) a layer plug-in; returns it. Its name becomes a layer
    that ``disabled_layers`` accepts, its section one a scenario may hold."""
    if (layer.start is None) == (layer.before_flight is None):
        raise ValueError(f"layer {layer.name!r}: give exactly one of start, before_flight")
    clash = [x.name for x in _REGISTRY.values() if x.name != layer.name]
    clash = [n for n in clash if _REGISTRY[n].stream_id == layer.stream_id]
    if clash:
        raise ValueError(f"layer {layer.name!r}: random stream taken by {clash[0]!r}")
    _REGISTRY[layer.name] = layer
    sections.register(layer.name, layer.section, layer.model, layer.many)
    return layer


def unregister(name: str) -> None:
    """Remove a plug-in (tests)."""
    _REGISTRY.pop(name, None)
    sections.unregister(name)


def layers() -> list[Layer]:
    """The registered plug-ins in timeline order."""
    return sorted(_REGISTRY.values(), key=lambda x: (x.order, x.name))


def get(name: str) -> Layer | None:
    """The plug-in of a layer name (None: not a plug-in)."""
    return _REGISTRY.get(name)


def timeline_key(name: str) -> tuple[int, str]:
    """Sort key of any defeat or sensor layer name on the engagement timeline:
    plug-ins by their ``order``, interceptor layers by their place in
    :data:`DEFEAT_LAYER_NAMES`, sensor layers first, unknown names last."""
    if name in _REGISTRY:
        return (_REGISTRY[name].order, name)
    if name in DEFEAT_LAYER_NAMES:
        return (10 * DEFEAT_LAYER_NAMES.index(name), name)
    if name in LAYER_NAMES:
        return (-100 + LAYER_NAMES.index(name), name)
    return (10_000, name)


def timeline(names: set[str] | list[str]) -> list[str]:
    """Layer names in timeline order (:func:`timeline_key`)."""
    return sorted(set(names), key=timeline_key)


def all_layer_names() -> tuple[str, ...]:
    """Every layer the engine knows, in timeline order: sensor layers, then the
    defeat layers and the plug-ins."""
    return tuple(timeline(set(LAYER_NAMES) | set(_REGISTRY)))


# the built-in plug-ins register themselves on import
from shieldlab.sim.layers import (  # noqa: E402
    boost as boost,
    ew_cyber as ew_cyber,
    laser as laser,
    left_of_launch as left_of_launch,
    microwave as microwave,
)
