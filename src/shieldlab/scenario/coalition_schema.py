"""Scenario schema of a coalition: forces, data-sharing agreements and their outages.

A ``coalition:`` section names the forces (nations or services) that field the
scenario's sensors, shooters and C2 nodes, and how their track data flow:

- ``forces``: the forces, the first (or ``lead``) owning every item that names
  no ``force:`` (so a homeland scenario with one ally need only tag the
  ally's items);
- ``sharing``: directed agreements ``from → to``: the tracks held by the
  ``from`` force's sensors reach the ``to`` force ``latency_s`` later (link,
  gateway and fusion latency); ``engage_on_remote`` lets the ``to`` force's
  fire units launch and guide on those tracks (engage on remote); without it
  the tracks only inform the receiving force's picture: it learns the other
  force's engagement status (shots in flight, kill assessments), so it does
  not fire again at an object already engaged, but it cannot fire on those
  tracks (the engine does not model cueing of the receiver's own radars);
- ``outages``: an agreement down in a window ``[start_s, end_s)`` (seconds from
  the scenario epoch; ``end_s`` omitted: not restored).

``hold_s``: a force may engage a track that its own sensors, or the sensors of
a force sharing with it (engage on remote, agreement up), updated within the
last ``hold_s`` seconds.

The engine keeps one fused track file (named shortcut, reported by the
``coalition`` command): sharing decides who may use each track, when (data
latency) and what each force knows of the others' shots and kill
assessments; the filter accuracy of a track is the fused one.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Force(_Model):
    """A nation or force of the coalition."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\- ]+$")
    nation: str = Field(default="", description="the nation it belongs to (a label)")
    source: str = ""


class SharingAgreement(_Model):
    """Tracks flow from the ``from`` force to the ``to`` force."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    src: str = Field(alias="from", min_length=1, description="force whose tracks flow")
    dst: str = Field(alias="to", min_length=1, description="force that receives them")
    latency_s: float = Field(
        default=0.0, ge=0.0, le=600.0, description="added data latency of the link [s]"
    )
    engage_on_remote: bool = Field(
        default=False, description="the receiving force may fire on these tracks"
    )
    source: str = ""

    @property
    def label(self) -> str:
        """``from->to``."""
        return f"{self.src}->{self.dst}"

    @model_validator(mode="after")
    def _no_loop(self) -> SharingAgreement:
        if self.src == self.dst:
            raise ValueError(f"to: must differ from 'from', got {self.dst!r}")
        return self


class SharingOutage(_Model):
    """An agreement down in ``[start_s, end_s)`` (``end_s`` None: never restored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    src: str = Field(alias="from", min_length=1)
    dst: str = Field(alias="to", min_length=1)
    start_s: float = Field(ge=0.0, description="seconds from the scenario epoch")
    end_s: float | None = Field(default=None)

    @model_validator(mode="after")
    def _window(self) -> SharingOutage:
        if self.end_s is not None and not self.end_s > self.start_s:
            raise ValueError(f"end_s: must be > start_s ({self.start_s}), got {self.end_s}")
        return self

    def active(self, t: float) -> bool:
        """Whether the outage holds at ``t`` [s]."""
        return t >= self.start_s and (self.end_s is None or t < self.end_s)


class CoalitionSection(_Model):
    """Forces, their data-sharing agreements and the agreements' outages."""

    forces: list[Force] = Field(min_length=1)
    lead: str | None = Field(
        default=None, description="force owning items that name none (default: the first)"
    )
    sharing: list[SharingAgreement] = Field(default_factory=list)
    outages: list[SharingOutage] = Field(default_factory=list)
    hold_s: float = Field(
        default=60.0, gt=0.0, le=3600.0, description="a track updated this recently is held [s]"
    )
    source: str = ""

    @property
    def names(self) -> list[str]:
        """Force names in declaration order."""
        return [f.name for f in self.forces]

    @property
    def lead_force(self) -> str:
        """The force owning every item that names none."""
        return self.lead if self.lead is not None else self.forces[0].name

    @model_validator(mode="after")
    def _refs(self) -> CoalitionSection:
        names = self.names
        if len(set(names)) != len(names):
            raise ValueError("forces: names must be unique")
        allowed = ", ".join(names)
        if self.lead is not None and self.lead not in names:
            raise ValueError(f"lead: {self.lead!r} is not a force; allowed: {allowed}")
        links: tuple[tuple[str, list[SharingAgreement] | list[SharingOutage]], ...] = (
            ("sharing", self.sharing),
            ("outages", self.outages),
        )
        for key, items in links:
            for i, a in enumerate(items):
                for end, alias in (("src", "from"), ("dst", "to")):
                    if getattr(a, end) not in names:
                        raise ValueError(
                            f"{key}.{i}.{alias}: {getattr(a, end)!r} is not a force; "
                            f"allowed: {allowed}"
                        )
        pairs = [(a.src, a.dst) for a in self.sharing]
        if len(set(pairs)) != len(pairs):
            raise ValueError("sharing: one agreement per (from, to) pair")
        for i, o in enumerate(self.outages):
            if (o.src, o.dst) not in pairs:
                raise ValueError(f"outages.{i}: no sharing agreement from {o.src!r} to {o.dst!r}")
        return self
