"""Command-and-control timeline: the kill chain over a C2 network with degraded links.

The kill chain is the stage sequence ``detect → report → track → decide →
authorize → launch`` (:data:`STAGES`); each stage is performed at a node of a
small directed network (sensor ground stations, a space-command fusion centre,
a combatant-command decision node, fire-control nodes per interceptor site).
For one message (one track to engage) starting at ``t_s`` at its sensor node::

    t ← t_s; node ← sensor
    for each stage k at node n_k:
        t_arr ← t_dep + min over available paths node → n_k of Σ link latency
        t     ← t_arr + processing_s[n_k, k] · Π(cyber multipliers of n_k active at t_arr)
    delay = t − t_s

Paths are shortest-latency paths recomputed at each stage's departure time
from the link state at that time (links: latency + jamming extra latency;
down while an outage is active); a path's transit takes seconds against
event windows of minutes, so the state is frozen during one transit
(assumption). When no path exists the message waits at its node (store and
forward) until the network state changes (an event starts or ends) and is
tried again; a message waiting longer than ``max_wait_s`` or whose cut is
never restored is *cut*: ``reachable`` False, delay ``inf`` — no decision is
possible on it.

Random losses (need a generator): each directed link is up for a message
with probability ``availability · Π(1 − p_drop)`` over the jamming events
active on it, drawn independently per message, link and attempt; the message
takes the shortest path over the links that carried it (multipath delivery:
the earliest surviving copy counts) and, when every path lost it, is resent
after ``retry_s`` (or at the next state change if earlier). With ``p`` the
only path's loss probability the mean wait is ``retry_s · p / (1 − p)``.

Shortest paths: a batched Floyd–Warshall in numpy over the (few) nodes,
vectorised over messages and computed once per distinct link state (checked
against ``scipy.sparse.csgraph.dijkstra`` in the tests).

Battle-space time lost (:func:`battlespace_lost_s`): with the latest feasible
launch time ``t_L`` of an engagement, the nominal margin is
``t_L − (t_s + delay_nominal)``; degradation costs
``clip(delay − delay_nominal, 0, max(nominal margin, 0))`` — the part of the
nominal battle space eaten by the extra delay (all of it when cut).

The generic network (:func:`generic_c2`) uses public order-of-magnitude
latencies, each marked in :data:`GENERIC_C2` (assumptions where no source
gives a number).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.scenario.c2_schema import SENSOR_NODE, SHOOTER_NODE, STAGES, C2Section

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

SENSOR = -1
"""Stage-node code: the message's sensor node."""
SHOOTER = -2
"""Stage-node code: the message's fire-control (shooter) node."""

JAMMING, CYBER, OUTAGE = 0, 1, 2
_KIND_CODE = {"jamming": JAMMING, "cyber": CYBER, "outage": OUTAGE}

MAX_ATTEMPTS = 10_000
"""Cap on send attempts per stage (a message still lost after it is cut)."""

# ---------------------------------------------------------------------------
# generic network (public order-of-magnitude numbers; assumptions marked)
# ---------------------------------------------------------------------------

GENERIC_C2: dict[str, Any] = {
    "nodes": [
        {
            "name": "opir-ground-station",
            "processing_s": {"detect": 30.0},
            "source": "OPIR/SBIRS-class launch detection to ground-processed report: tens of "
            "seconds (GAO/CRS reports on SBIRS; APS boost-phase study 2003, Rev. Mod. Phys. 76 "
            "S1 (2004), timeline discussion); 30 s assumption",
        },
        {
            "name": "radar-station",
            "processing_s": {"detect": 2.0},
            "source": "radar track initiation and report: seconds (assumption)",
        },
        {
            "name": "space-command",
            "processing_s": {"report": 2.0, "track": 5.0},
            "source": "C2BMC-class fusion centre: message ingest and track fusion in seconds "
            "(GAO/CRS reports on C2BMC; numbers assumption)",
        },
        {
            "name": "combatant-command",
            "processing_s": {"decide": 10.0, "authorize": 60.0},
            "source": "engagement planning (automated, seconds; assumption) and human "
            "authorization 30-120 s (order of magnitude, APS 2003 boost-phase timeline); 60 s",
        },
    ],
    "links": [
        {
            "src": "opir-ground-station",
            "dst": "space-command",
            "latency_s": 0.5,
            "source": "terrestrial fibre: ms propagation + protocol/queueing (assumption)",
        },
        {"src": "radar-station", "dst": "space-command", "latency_s": 0.5, "source": "as above"},
        {
            "src": "space-command",
            "dst": "combatant-command",
            "latency_s": 0.3,
            "source": "co-located commands, terrestrial (assumption)",
        },
        {
            "name": "opir-backup",
            "src": "opir-ground-station",
            "dst": "combatant-command",
            "latency_s": 2.0,
            "source": "backup path, SATCOM-class: ~0.25 s GEO hop + protocol (assumption)",
        },
        {
            "name": "radar-backup",
            "src": "radar-station",
            "dst": "combatant-command",
            "latency_s": 2.0,
            "source": "as opir-backup",
        },
    ],
    "kill_chain": {
        "detect": SENSOR_NODE,
        "report": "space-command",
        "track": "space-command",
        "decide": "combatant-command",
        "authorize": "combatant-command",
        "launch": SHOOTER_NODE,
    },
}
"""Generic C2 network without fire units (:func:`generic_c2` adds them)."""

FIRE_CONTROL_LAUNCH_S = 5.0
"""Fire-control processing from weapon task to interceptor launch [s] (assumption)."""
FIRE_CONTROL_LINK_S = 1.0
"""Combatant command → fire-control link latency [s] (SATCOM/terrestrial; assumption)."""


def generic_c2(
    fire_units: Sequence[str] = ("fire-control",),
    ir_sensors: Sequence[str] = (),
    radars: Sequence[str] = (),
) -> dict[str, Any]:
    """The generic C2 section as a dict: :data:`GENERIC_C2` plus one fire-control node per unit.

    Each fire unit ``u`` gets a node ``fire-control:u`` (launch stage
    :data:`FIRE_CONTROL_LAUNCH_S`) linked both ways to the combatant command
    (:data:`FIRE_CONTROL_LINK_S`) and serving ``u``; ``ir_sensors`` are served
    by the OPIR ground station, ``radars`` by the radar station.
    """
    out = copy.deepcopy(GENERIC_C2)
    serves = {"opir-ground-station": list(ir_sensors), "radar-station": list(radars)}
    for node in out["nodes"]:
        node["serves"] = serves.get(node["name"], [])
    for unit in fire_units:
        name = f"fire-control:{unit}"
        out["nodes"].append(
            {
                "name": name,
                "processing_s": {"launch": FIRE_CONTROL_LAUNCH_S},
                "serves": [unit],
                "source": "fire-control processing, assumption",
            }
        )
        out["links"].append(
            {"src": "combatant-command", "dst": name, "latency_s": FIRE_CONTROL_LINK_S}
        )
    return out


# ---------------------------------------------------------------------------
# network and events as arrays
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class C2Network:
    """A C2 network as arrays: n nodes, S stages, L directed links.

    ``processing_s (n, S)`` [s]; ``stage_node (S,)`` node index or
    :data:`SENSOR` / :data:`SHOOTER`; ``link_* (L,)`` directed links,
    ``link_group`` the index of the scenario link (both directions of a
    bidirectional link share it; events act on groups); ``retry_s`` the
    resend interval after a loss [s].
    """

    node_names: tuple[str, ...]
    processing_s: F64
    stage_node: I64
    link_src: I64
    link_dst: I64
    link_latency_s: F64
    link_availability: F64
    link_group: I64
    group_names: tuple[str, ...]
    retry_s: float = 5.0
    served_by: dict[str, int] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    def node_index(self, names: str | Sequence[str]) -> I64:
        """Node indices (k,) of node names or of served sensor / site names."""
        items = [names] if isinstance(names, str) else list(names)
        lookup = {n: i for i, n in enumerate(self.node_names)} | self.served_by
        bad = [x for x in items if x not in lookup]
        if bad:
            raise ValueError(f"node: {bad[0]!r} is neither a C2 node nor a served sensor/site")
        return np.array([lookup[x] for x in items], dtype=np.int64)


@dataclass(frozen=True)
class C2Events:
    """Degradation events as arrays (E,): kind code, target (link group or node), window, effect."""

    kind: I64
    target: I64
    start_s: F64
    end_s: F64
    extra_latency_s: F64
    drop_probability: F64
    delay_multiplier: F64

    @classmethod
    def none(cls) -> C2Events:
        """No events (the undegraded network)."""
        z = np.zeros(0)
        zi = np.zeros(0, dtype=np.int64)
        return cls(zi, zi, z, z, z, z, z)

    @property
    def breakpoints_s(self) -> F64:
        """Sorted times at which the network state changes [s]."""
        t = np.concatenate([self.start_s, self.end_s])
        return np.unique(t[np.isfinite(t)])


def build_network(section: C2Section) -> C2Network:
    """Arrays of a validated :class:`C2Section` (nodes, directed links, kill chain)."""
    names = tuple(n.name for n in section.nodes)
    index = {n: i for i, n in enumerate(names)}
    proc = np.zeros((len(names), len(STAGES)))
    for i, node in enumerate(section.nodes):
        for k, stage in enumerate(STAGES):
            proc[i, k] = node.processing_s.get(stage, 0.0)
    placeholder = {SENSOR_NODE: SENSOR, SHOOTER_NODE: SHOOTER}
    stage_node = np.array(
        [
            placeholder.get(section.kill_chain[s], index.get(section.kill_chain[s], 0))
            for s in STAGES
        ],
        dtype=np.int64,
    )
    src: list[int] = []
    dst: list[int] = []
    lat: list[float] = []
    avail: list[float] = []
    group: list[int] = []
    for g, link in enumerate(section.links):
        pairs = [(link.src, link.dst)] + ([(link.dst, link.src)] if link.bidirectional else [])
        for a, b in pairs:
            src.append(index[a])
            dst.append(index[b])
            lat.append(link.latency_s)
            avail.append(link.availability)
            group.append(g)
    return C2Network(
        node_names=names,
        processing_s=proc,
        stage_node=stage_node,
        link_src=np.array(src, dtype=np.int64),
        link_dst=np.array(dst, dtype=np.int64),
        link_latency_s=np.array(lat, dtype=np.float64),
        link_availability=np.array(avail, dtype=np.float64),
        link_group=np.array(group, dtype=np.int64),
        group_names=tuple(lk.label for lk in section.links),
        retry_s=section.retry_s,
        served_by={s: index[n.name] for n in section.nodes for s in n.serves},
    )


def build_events(section: C2Section, network: C2Network) -> C2Events:
    """Arrays of the section's events; targets resolved against ``network``."""
    evs = section.events
    if not evs:
        return C2Events.none()
    nodes = {n: i for i, n in enumerate(network.node_names)}
    groups = {n: i for i, n in enumerate(network.group_names)}
    return C2Events(
        kind=np.array([_KIND_CODE[e.kind] for e in evs], dtype=np.int64),
        target=np.array(
            [(nodes if e.kind == "cyber" else groups)[e.target] for e in evs], dtype=np.int64
        ),
        start_s=np.array([e.start_s for e in evs], dtype=np.float64),
        end_s=np.array([np.inf if e.end_s is None else e.end_s for e in evs], dtype=np.float64),
        extra_latency_s=np.array([e.extra_latency_s for e in evs], dtype=np.float64),
        drop_probability=np.array([e.drop_probability for e in evs], dtype=np.float64),
        delay_multiplier=np.array([e.delay_multiplier for e in evs], dtype=np.float64),
    )


def c2_from_section(section: C2Section) -> tuple[C2Network, C2Events]:
    """Network and events of a validated :class:`C2Section`."""
    net = build_network(section)
    return net, build_events(section, net)


def default_network(
    fire_units: Sequence[str] = ("fire-control",),
    ir_sensors: Sequence[str] = (),
    radars: Sequence[str] = (),
) -> C2Network:
    """The generic network (:func:`generic_c2`) as arrays."""
    return build_network(C2Section.model_validate(generic_c2(fire_units, ir_sensors, radars)))


# ---------------------------------------------------------------------------
# state at a time, shortest paths
# ---------------------------------------------------------------------------


def _active(events: C2Events, t_s: F64) -> BoolArr:
    """(k, E) events active at times t_s (k,): start ≤ t < end."""
    t = t_s[:, None]
    return (events.start_s[None, :] <= t) & (t < events.end_s[None, :])


def _link_state(
    net: C2Network,
    events: C2Events,
    t_s: F64,
    rng: np.random.Generator | None,
) -> tuple[F64, BoolArr]:
    """Link weights (k, L) [s] (inf where down) at t_s (k,); whether a random loss was possible."""
    act = _active(events, t_s).astype(np.float64)
    on_link = (events.kind[:, None] != CYBER) & (
        events.target[:, None] == net.link_group[None, :]
    )  # (E, L)
    jam = on_link & (events.kind == JAMMING)[:, None]
    out = on_link & (events.kind == OUTAGE)[:, None]
    weight = net.link_latency_s[None, :] + act @ (jam * events.extra_latency_s[:, None])
    down = (act @ out.astype(np.float64)) > 0.0
    random_any = np.zeros(t_s.size, dtype=bool)
    if rng is not None:
        log_keep = act @ (jam * np.log1p(-events.drop_probability)[:, None])
        keep = net.link_availability[None, :] * np.exp(log_keep)
        random_any = (keep < 1.0).any(axis=1)
        down |= rng.random(keep.shape) >= keep
    return np.where(down, np.inf, weight), random_any


def all_pairs_latency_s(net: C2Network, weight_s: F64) -> F64:
    """Shortest-path latency (k, n, n) [s] for k link-weight rows (k, L) (inf = link down).

    Batched Floyd–Warshall: d ← min(d, d[:, :, j] + d[:, j, :]) for each node j.
    """
    k, n = weight_s.shape[0], net.n_nodes
    d = np.full((k, n, n), np.inf)
    rows = np.arange(k)[:, None]
    np.minimum.at(d, (rows, net.link_src[None, :], net.link_dst[None, :]), weight_s)
    diag = np.arange(n)
    d[:, diag, diag] = 0.0
    for j in range(n):
        d = np.minimum(d, d[:, :, j, None] + d[:, None, j, :])
    return d


def _path_latency_s(net: C2Network, weight_s: F64, src: I64, dst: I64) -> F64:
    """Shortest src→dst latency (k,) [s], one all-pairs solve per distinct link state."""
    if weight_s.shape[1] == 0:
        return np.where(src == dst, 0.0, np.inf)
    states, inv = np.unique(weight_s, axis=0, return_inverse=True)
    d = all_pairs_latency_s(net, states)
    return d[inv.reshape(-1), src, dst]


def _transit(
    net: C2Network,
    events: C2Events,
    t_dep: F64,
    src: I64,
    dst: I64,
    rng: np.random.Generator | None,
    max_wait_s: float,
) -> tuple[F64, BoolArr]:
    """Arrival times (k,) [s] of messages sent src→dst at t_dep, waiting out cuts; reached mask."""
    t_arr = np.full(t_dep.size, np.inf)
    ok = src == dst
    t_arr[ok] = t_dep[ok]
    pending = ~ok
    t_try = t_dep.copy()
    bps = np.append(events.breakpoints_s, np.inf)
    for _ in range(MAX_ATTEMPTS):
        idx = np.flatnonzero(pending)
        if idx.size == 0:
            break
        w, random_any = _link_state(net, events, t_try[idx], rng)
        dist = _path_latency_s(net, w, src[idx], dst[idx])
        got = np.isfinite(dist)
        t_arr[idx[got]] = t_try[idx[got]] + dist[got]
        ok[idx[got]] = True
        pending[idx[got]] = False
        miss = idx[~got]
        nxt = bps[np.searchsorted(bps, t_try[miss], side="right")]
        nxt = np.where(random_any[~got], np.minimum(nxt, t_try[miss] + net.retry_s), nxt)
        give_up = ~np.isfinite(nxt) | (nxt - t_dep[miss] > max_wait_s)
        pending[miss[give_up]] = False
        t_try[miss[~give_up]] = nxt[~give_up]
    return t_arr, ok


def _cyber_multiplier(events: C2Events, t_s: F64, node: I64) -> F64:
    """Product (k,) of the cyber delay multipliers active on ``node`` at t_s."""
    hit = (
        _active(events, t_s)
        & (events.kind == CYBER)[None, :]
        & (events.target[None, :] == node[:, None])
    )
    return np.prod(np.where(hit, events.delay_multiplier[None, :], 1.0), axis=1)


# ---------------------------------------------------------------------------
# public timeline
# ---------------------------------------------------------------------------


class KillChainTiming(NamedTuple):
    """Kill-chain timing of m messages.

    ``delay_s (m,)`` start to launch [s] (inf when cut); ``reachable (m,)``;
    ``per_stage_s (m, S)`` time of each stage (transit + wait + processing) [s]:
    inf at the stage where the message was cut, NaN after it.
    """

    delay_s: F64
    reachable: BoolArr
    per_stage_s: F64


def has_random_losses(net: C2Network, events: C2Events) -> bool:
    """Whether the network has links with availability < 1 or jamming with drop probability."""
    return bool((net.link_availability < 1.0).any() or (events.drop_probability > 0.0).any())


def _chain(
    net: C2Network,
    events: C2Events,
    t_s: F64,
    sensor: I64,
    shooter: I64,
    rng: np.random.Generator | None,
    max_wait_s: float,
    first_stage: int = 0,
) -> KillChainTiming:
    m = t_s.size
    per_stage = np.full((m, len(STAGES)), np.nan)
    alive = np.ones(m, dtype=bool)
    t = t_s.copy()
    cur = sensor.copy()
    if first_stage > 0:  # the message starts where the previous stage was done
        code = int(net.stage_node[first_stage - 1])
        cur = (
            sensor.copy()
            if code == SENSOR
            else shooter.copy()
            if code == SHOOTER
            else (np.full(m, code))
        )
        per_stage[:, :first_stage] = 0.0
    for k in range(first_stage, len(STAGES)):
        code = int(net.stage_node[k])
        dst = sensor if code == SENSOR else shooter if code == SHOOTER else np.full(m, code)
        idx = np.flatnonzero(alive)
        t_arr, ok = _transit(net, events, t[idx], cur[idx], dst[idx], rng, max_wait_s)
        cut = idx[~ok]
        per_stage[cut, k] = np.inf
        alive[cut] = False
        go = idx[ok]
        node = dst[go]
        t_done = t_arr[ok] + net.processing_s[node, k] * _cyber_multiplier(events, t_arr[ok], node)
        per_stage[go, k] = t_done - t[go]
        t[go] = t_done
        cur[go] = node
    return KillChainTiming(np.where(alive, t - t_s, np.inf), alive, per_stage)


def _messages(
    net: C2Network, t_s: ArrayLike, sensor: ArrayLike, shooter: ArrayLike
) -> tuple[F64, I64, I64]:
    t, a, b = np.broadcast_arrays(
        np.asarray(t_s, dtype=np.float64).reshape(-1),
        np.asarray(sensor, dtype=np.int64).reshape(-1),
        np.asarray(shooter, dtype=np.int64).reshape(-1),
    )
    if not np.isfinite(t).all():
        raise ValueError("t_s: finite times [s] required")
    for what, x in (("sensor_node", a), ("shooter_node", b)):
        if ((x < 0) | (x >= net.n_nodes)).any():
            raise ValueError(
                f"{what}: node indices in [0, {net.n_nodes}), got {x.min()}..{x.max()}"
            )
    return t.copy(), a.copy(), b.copy()


def kill_chain_delay(
    network: C2Network,
    events: C2Events,
    t_s: ArrayLike,
    sensor_node: ArrayLike,
    shooter_node: ArrayLike,
    rng: np.random.Generator | None = None,
    *,
    max_wait_s: float = np.inf,
    first_stage: int = 0,
) -> KillChainTiming:
    """Kill-chain delay of m messages under the scenario's degradation events.

    ``t_s (m,)`` time the sensor first holds the object [s from epoch];
    ``sensor_node``, ``shooter_node (m,)`` node indices
    (:meth:`C2Network.node_index`; scalars broadcast). ``rng`` is required when
    the network has random losses (:func:`has_random_losses`); results are a
    pure function of the inputs and the generator state. ``max_wait_s``: the
    longest a message waits at a node for a cut to be restored before it is
    declared cut (default: as long as restoration comes). ``first_stage``: the
    index in :data:`STAGES` the chain starts at (earlier stages take 0 s; the
    message starts at the node of the stage before), e.g. ``STAGES.index(
    "decide")`` for the part of the chain after a track is held.
    """
    if has_random_losses(network, events) and rng is None:
        raise ValueError("rng: links with availability < 1 or drop probability need a Generator")
    t, a, b = _messages(network, t_s, sensor_node, shooter_node)
    return _chain(network, events, t, a, b, rng, max_wait_s, first_stage)


def nominal_delay(
    network: C2Network, sensor_node: ArrayLike, shooter_node: ArrayLike, first_stage: int = 0
) -> KillChainTiming:
    """Undegraded kill-chain timing (no events, every link up) of m sensor/shooter pairs."""
    t, a, b = _messages(network, 0.0, sensor_node, shooter_node)
    return _chain(network, C2Events.none(), t, a, b, None, np.inf, first_stage)


class BattlespaceLoss(NamedTuple):
    """Battle-space time lost to C2 degradation.

    ``lost_s (m,)`` [s]; ``margin_s (m,)`` latest launch − degraded launch-ready
    time [s] (−inf when cut); ``denied (m,)`` feasible nominally, not degraded.
    """

    lost_s: F64
    margin_s: F64
    denied: BoolArr


def battlespace_lost_s(
    t_s: ArrayLike,
    latest_launch_s: ArrayLike,
    delay_s: ArrayLike,
    nominal_delay_s: ArrayLike,
) -> BattlespaceLoss:
    """Battle-space time the degraded delay cost against the nominal one.

    ``t_s`` kill-chain start, ``latest_launch_s`` latest feasible launch of the
    engagement [s from epoch]; ``delay_s`` degraded (inf = cut) and
    ``nominal_delay_s`` undegraded kill-chain delays [s]; all broadcast to (m,).
    lost = clip(delay − nominal, 0, max(t_L − t_s − nominal, 0)).
    """
    t, t_l, d, d0 = np.broadcast_arrays(
        *(
            np.asarray(x, dtype=np.float64).reshape(-1)
            for x in (t_s, latest_launch_s, delay_s, nominal_delay_s)
        )
    )
    margin0 = t_l - (t + d0)
    margin = t_l - (t + d)
    nominal_ok = np.isfinite(d0)
    lost = np.where(nominal_ok, np.clip(d - np.where(nominal_ok, d0, 0.0), 0.0, None), 0.0)
    lost = np.minimum(lost, np.maximum(margin0, 0.0))
    return BattlespaceLoss(lost, margin, (margin0 >= 0.0) & ~(margin >= 0.0))
