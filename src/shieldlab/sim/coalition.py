"""What each coalition partner adds, and what sharing adds: paired runs of a scenario.

Method (as :mod:`shieldlab.sim.marginal`, common random numbers): the
baseline is the scenario as written; for each force P the scenario is run
again without P's sensors and shooters (every sensor, interceptor site,
space-based interceptor layer, laser and microwave weapon P fields; its C2
nodes stay, serving nothing of P), optionally without its sensors only or its
shooters only; and once with every sharing agreement removed (``sharing``: each
force fights with its own sensors only). A row's delta is the paired mean
difference per trial (variant − baseline) of the leakers and of the asset value
hit, with a normal 95 % interval: a positive delta is what the partner (or
sharing) stops.

A partner's removal also removes the agreements from and to it; the launch
reports of the warning layer stay shared (stated in
:mod:`shieldlab.sim.sharing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.sim.marginal import _paired, _per_trial
from shieldlab.sim.world import World, build_world, same_raid

What = Literal["all", "sensors", "shooters"]
SHOOTER_KEYS = ("interceptor_sites", "space_interceptors", "lasers", "hpm")
"""Scenario lists of shooters; ``sensors`` is the list of sensors."""


@dataclass(frozen=True)
class PartnerRow:
    """One comparison: ``partner`` (a force name, or ``sharing``), what was removed
    (``all``, ``sensors``, ``shooters``; ``sharing`` for the sharing row), the run's
    headline numbers and the paired deltas with their 95 % half-widths."""

    partner: str
    removed: str
    p_no_leaker: float
    mean_leakers: float
    mean_value_hit: float
    delta_leakers: float
    delta_leakers_half: float
    delta_value_lost: float
    delta_value_lost_half: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class CoalitionStudy:
    """The baseline's headline numbers and the comparison rows."""

    scenario: str
    seed: int
    trials: int
    forces: tuple[str, ...]
    p_no_leaker: float
    p_no_leaker_ci95: tuple[float, float]
    mean_leakers: float
    mean_value_hit: float
    rows: tuple[PartnerRow, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready study: the baseline and ``rows`` (the partners, then ``sharing``)."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "trials": self.trials,
            "forces": list(self.forces),
            "baseline": {
                "p_no_leaker": self.p_no_leaker,
                "p_no_leaker_ci95": list(self.p_no_leaker_ci95),
                "mean_leakers": self.mean_leakers,
                "mean_value_hit": self.mean_value_hit,
            },
            "rows": [r.as_dict() for r in self.rows],
        }


def without_partner(s: Scenario, partner: str, what: What = "all") -> Scenario:
    """The scenario without ``partner``'s sensors and/or shooters (see module docstring)."""
    c = s.coalition
    if c is None or partner not in c.names:
        allowed = ", ".join(c.names) if c is not None else "(no coalition section)"
        raise ValueError(f"partner: {partner!r} is not a force; allowed: {allowed}")
    keys = (("sensors",) if what != "shooters" else ()) + (
        SHOOTER_KEYS if what != "sensors" else ()
    )
    gone: set[str] = set()
    update: dict[str, Any] = {}
    for key in keys:
        items = getattr(s, key)
        keep = [x for x in items if s.force_of(x.force) != partner]
        gone |= {x.name for x in items} - {x.name for x in keep}
        update[key] = keep
    if s.c2 is not None:
        nodes = [
            n.model_copy(update={"serves": [x for x in n.serves if x not in gone]})
            for n in s.c2.nodes
        ]
        update["c2"] = s.c2.model_copy(update={"nodes": nodes})
    if what == "all":
        update["coalition"] = _drop_force(s, partner)
    return s.model_copy(update=update)  # items taken from s itself: already valid


def _drop_force(s: Scenario, partner: str) -> Any:
    """The coalition section without ``partner`` (its items already removed); the lead
    is pinned so untagged items keep their force."""
    c = s.coalition
    assert c is not None
    lead = c.lead_force
    forces = [f for f in c.forces if f.name != partner]
    if not forces:
        return None
    fielded = {s.force_of(f) for where, _, f in s.force_items() if not where.startswith("c2.")}
    forces = [f for f in forces if f.name in fielded or f.name == lead] or forces[:1]
    names = {f.name for f in forces}
    return c.model_copy(
        update={
            "forces": forces,
            "lead": lead if lead in names else forces[0].name,
            "sharing": [a for a in c.sharing if a.src in names and a.dst in names],
            "outages": [o for o in c.outages if o.src in names and o.dst in names],
        }
    )


def without_sharing(s: Scenario) -> Scenario:
    """The scenario with every sharing agreement (and its outages) removed."""
    c = s.coalition
    if c is None:
        raise ValueError("coalition: the scenario has no `coalition:` section")
    return s.model_copy(update={"coalition": c.model_copy(update={"sharing": [], "outages": []})})


def coalition_study(
    loaded: LoadedScenario,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    split: bool = False,
    world: World | None = None,
) -> CoalitionStudy:
    """Baseline, one run per partner removed (per part removed with ``split``) and one
    without sharing, all over the same trials (see the module docstring)."""
    s = loaded.scenario
    c = s.coalition
    if c is None:
        raise ValueError("coalition: the scenario has no `coalition:` section")
    base = world if world is not None else build_world(loaded)
    summary, leak0, hit0, _ = _per_trial(base, s.trials, workers, progress)
    variants: list[tuple[str, str, Scenario]] = []
    parts: tuple[What, ...] = ("all", "sensors", "shooters") if split else ("all",)
    for f in c.names:
        variants += [(f, what, without_partner(s, f, what)) for what in parts]
    variants.append(("sharing", "sharing", without_sharing(s)))
    rows = []
    for partner, removed, sv in variants:
        flown = base if same_raid(base.scenario, sv) else None  # the truth flown once
        w = build_world(LoadedScenario(sv, loaded.text, loaded.sha256, loaded.path), flown)
        summ, leak, hit, _ = _per_trial(w, s.trials, workers, progress)
        dl, (lo_l, hi_l) = _paired(leak - leak0)
        dv, (lo_v, hi_v) = _paired(hit - hit0)
        rows.append(
            PartnerRow(
                partner,
                removed,
                summ.p_no_leaker,
                summ.mean_leakers,
                summ.mean_value_hit,
                dl,
                (hi_l - lo_l) / 2.0,
                dv,
                (hi_v - lo_v) / 2.0,
            )
        )
    return CoalitionStudy(
        s.name,
        s.seed,
        s.trials,
        tuple(c.names),
        summary.p_no_leaker,
        summary.p_no_leaker_ci95,
        summary.mean_leakers,
        summary.mean_value_hit,
        tuple(rows),
    )


def n_runs(s: Scenario, split: bool = False) -> int:
    """Runs a study makes (for progress bars): baseline, partners, sharing."""
    n_f = len(s.coalition.names) if s.coalition is not None else 0
    return 1 + n_f * (3 if split else 1) + 1
