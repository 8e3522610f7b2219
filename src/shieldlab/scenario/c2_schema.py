"""Scenario schema of the command-and-control (C2) network: nodes, links, kill chain, events.

A ``c2:`` section describes the network the kill chain runs over
(:mod:`shieldlab.battle.c2` computes the timeline):

- ``nodes``: command, fusion, sensor ground-station and fire-control nodes,
  each with a processing latency per kill-chain stage it performs
  (``processing_s: {track: 5}``; a stage not listed takes 0 s there). ``serves``
  names the scenario sensors or interceptor sites whose traffic enters or
  leaves the network at that node;
- ``links``: communication links with a latency (propagation + protocol) and
  a steady-state availability (probability the link is up for one message;
  below 1 the timeline needs a random generator); ``bidirectional`` (default)
  makes two directed links of the same latency;
- ``kill_chain``: which node performs each stage, ``detect → report → track →
  decide → authorize → launch``; ``sensor`` and ``shooter`` stand for the
  node serving the detecting sensor and the firing unit of each message;
- ``events``: degradations in time windows ``[start_s, end_s)`` (seconds from
  the scenario epoch; ``end_s`` omitted = not restored): ``jamming`` of a link
  (``extra_latency_s``, ``drop_probability``), ``cyber`` attack on a node
  (``delay_multiplier`` on its processing), ``outage`` of a link (down).

Latencies are already SI seconds; nothing is converted on load.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Stage = Literal["detect", "report", "track", "decide", "authorize", "launch"]
STAGES: tuple[Stage, ...] = ("detect", "report", "track", "decide", "authorize", "launch")
"""Kill-chain stages in order."""

SENSOR_NODE = "sensor"
"""Kill-chain placeholder: the node serving the sensor that detected the object."""
SHOOTER_NODE = "shooter"
"""Kill-chain placeholder: the fire-control node of the firing unit."""

Seconds = Annotated[float, Field(ge=0.0, le=3600.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class C2Node(_Model):
    """A C2 node (command centre, fusion centre, ground station, fire control)."""

    name: str = Field(min_length=1)
    processing_s: dict[Stage, Seconds] = Field(
        default_factory=dict, description="processing latency per stage performed here [s]"
    )
    serves: list[str] = Field(
        default_factory=list, description="scenario sensors / interceptor sites attached here"
    )
    force: str | None = Field(
        default=None, description="coalition force operating it (default: the lead force)"
    )
    source: str = Field(default="", description="where the numbers come from")

    @model_validator(mode="after")
    def _not_placeholder(self) -> C2Node:
        if self.name in (SENSOR_NODE, SHOOTER_NODE):
            raise ValueError(f"name: {self.name!r} is reserved for the kill-chain placeholder")
        return self


class C2Link(_Model):
    """A communication link from ``src`` to ``dst`` (both directions if ``bidirectional``)."""

    name: str | None = Field(default=None, description="defaults to 'src->dst'")
    src: str = Field(min_length=1)
    dst: str = Field(min_length=1)
    latency_s: Seconds = Field(description="propagation + protocol latency [s]")
    availability: float = Field(
        default=1.0, gt=0.0, le=1.0, description="probability the link is up for a message"
    )
    bidirectional: bool = True
    source: str = ""

    @property
    def label(self) -> str:
        """The link's name (``src->dst`` when not given)."""
        return self.name if self.name is not None else f"{self.src}->{self.dst}"

    @model_validator(mode="after")
    def _no_loop(self) -> C2Link:
        if self.src == self.dst:
            raise ValueError(f"dst: must differ from src, got {self.dst!r}")
        return self


class LinkEvent(_Model):
    """A degradation in the window ``[start_s, end_s)`` (``end_s`` None: never restored).

    ``jamming`` (target: a link): ``extra_latency_s`` added to the link and/or
    ``drop_probability`` that a message crossing it is lost (≤ 0.99; a link
    that drops everything is an ``outage``). ``cyber`` (target: a node):
    processing there takes ``delay_multiplier`` times longer. ``outage``
    (target: a link): the link is down.
    """

    kind: Literal["jamming", "cyber", "outage"]
    target: str = Field(min_length=1, description="link name (jamming, outage) or node (cyber)")
    start_s: float = Field(ge=0.0, description="seconds from the scenario epoch")
    end_s: float | None = Field(default=None, description="end of the window; None: permanent")
    extra_latency_s: Seconds = 0.0
    drop_probability: float = Field(default=0.0, ge=0.0, le=0.99)
    delay_multiplier: float = Field(default=1.0, ge=1.0, le=1000.0)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> LinkEvent:
        if self.end_s is not None and not self.end_s > self.start_s:
            raise ValueError(f"end_s: must be > start_s ({self.start_s}), got {self.end_s}")
        jam = self.extra_latency_s > 0.0 or self.drop_probability > 0.0
        cyber = self.delay_multiplier != 1.0
        if self.kind == "jamming" and (cyber or not jam):
            raise ValueError("jamming: give extra_latency_s > 0 and/or drop_probability > 0 only")
        if self.kind == "cyber" and (jam or not cyber):
            raise ValueError("cyber: give delay_multiplier > 1 only")
        if self.kind == "outage" and (jam or cyber):
            raise ValueError("outage: takes no extra_latency_s, drop_probability, delay_multiplier")
        return self


class C2Section(_Model):
    """The C2 network, its kill chain and the degradation events of a scenario."""

    nodes: list[C2Node] = Field(min_length=1)
    links: list[C2Link] = Field(default_factory=list)
    kill_chain: dict[Stage, str] = Field(
        description="node performing each stage ('sensor', 'shooter' or a node name)"
    )
    events: list[LinkEvent] = Field(default_factory=list)
    retry_s: float = Field(
        default=5.0, gt=0.0, le=600.0, description="retransmission interval after a loss [s]"
    )

    @model_validator(mode="after")
    def _cross_refs(self) -> C2Section:
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise ValueError("nodes: names must be unique")
        allowed = ", ".join(names)
        for i, link in enumerate(self.links):
            for end in ("src", "dst"):
                if getattr(link, end) not in names:
                    raise ValueError(
                        f"links.{i}.{end}: {getattr(link, end)!r} is not a node; allowed: {allowed}"
                    )
        labels = [lk.label for lk in self.links]
        if len(set(labels)) != len(labels):
            raise ValueError("links: names (default 'src->dst') must be unique")
        missing = [s for s in STAGES if s not in self.kill_chain]
        if missing:
            raise ValueError(f"kill_chain: every stage needs a node; missing {', '.join(missing)}")
        for stage, node in self.kill_chain.items():
            if node not in names and node not in (SENSOR_NODE, SHOOTER_NODE):
                raise ValueError(
                    f"kill_chain.{stage}: {node!r} is not a node; allowed: "
                    f"{SENSOR_NODE}, {SHOOTER_NODE}, {allowed}"
                )
        served = [s for n in self.nodes for s in n.serves]
        if len(set(served)) != len(served):
            raise ValueError("nodes.serves: a sensor or site may be served by one node only")
        for i, ev in enumerate(self.events):
            pool = names if ev.kind == "cyber" else labels
            if ev.target not in pool:
                what = "node" if ev.kind == "cyber" else "link"
                raise ValueError(
                    f"events.{i}.target: {ev.target!r} is not a {what}; "
                    f"allowed: {', '.join(pool) or '(none)'}"
                )
        return self
