"""The analytic model checked against the engine: same scenario, same raid, Monte Carlo.

:func:`simulate` flies a scenario's Monte Carlo (the engine, decisions from
the track picture) and returns the leakers with their 95 % interval;
:func:`agreement` compares it with the analytic model's expected leakers by
the rule the plan prints: the analytic value lies inside the engine's 95 %
interval of mean leakers, or within 20 % + 0.2 leakers of its mean.
:func:`design_scenario` writes a plan design into its tier scenario (site
inventories and the SBI constellation) so the engine flies the same
architecture the model evaluated.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from shieldlab.analysis.plan_file import LoadedPlan
from shieldlab.analysis.stats import wilson_interval
from shieldlab.scenario import LoadedScenario, parse_scenario
from shieldlab.scenario.load import load_yaml
from shieldlab.sim.engine import LEAKED
from shieldlab.sim.montecarlo import default_workers, run_trials
from shieldlab.sim.results import summarise
from shieldlab.sim.world import build_world

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from shieldlab.analysis.scenario_model import ScenarioModel

REL_TOL = 0.20
ABS_TOL = 0.2
"""Agreement rule: |analytic − simulated mean| ≤ REL_TOL · mean + ABS_TOL (or inside the CI)."""
T95 = 1.959963984540054


def simulate(loaded: LoadedScenario, trials: int, workers: int | None = None) -> dict[str, Any]:
    """Engine Monte Carlo of ``loaded``: mean leakers, its 95 % interval (normal
    approximation, at least ±0 when every trial agrees), P(no leaker) with its Wilson
    interval, mean value lost, and the mean leakers of each group
    (:func:`group_key`: threat class and the asset it hit)."""
    world = build_world(loaded)
    res = run_trials(world, trials, workers or default_workers())
    names = [a.name for a in loaded.scenario.assets]
    counts = Counter(
        group_key(world.threat_type[i], names[a] if (a := int(r.hit_asset[i])) >= 0 else None)
        for r in res
        for i in np.flatnonzero(r.status == LEAKED).tolist()
    )
    s = summarise(world, res)
    leak = np.asarray(s.leakers_per_trial, np.float64)
    half = T95 * float(leak.std(ddof=1)) / math.sqrt(leak.size) if leak.size > 1 else math.inf
    k = int(np.sum(leak == 0))
    lo, hi = wilson_interval(k, leak.size)
    return {
        "trials": int(leak.size),
        "leakers": float(leak.mean()),
        "leakers_ci95": [float(leak.mean() - half), float(leak.mean() + half)],
        "p_no_leaker": float(s.p_no_leaker),
        "p_no_leaker_ci95": [float(lo), float(hi)],
        "value_lost": float(s.mean_value_hit),
        "leakers_by_group": {k: c / len(res) for k, c in sorted(counts.items())},
    }


def group_key(threat_class: str, asset: str | None) -> str:
    """A group's label, the same for the model and the engine: threat class → the
    asset it lands in (the analytic group) or hit (an engine leaker)."""
    return f"{threat_class} → {asset if asset is not None else 'no asset'}"


def gap_leakers(
    model: ScenarioModel, leak_by_group: NDArray[np.float64], sim: dict[str, Any], groups: list[str]
) -> tuple[float, float]:
    """Expected leakers of the model and mean leakers of the engine (``sim``, with
    ``leakers_by_group``) in the named groups (:func:`group_key` labels; a
    reference's ``known_gap``). ``leak_by_group``: the model's (G,) leakers of
    ``model``'s groups for one architecture and raid."""
    in_gap = [
        group_key(c, model.asset_names[model.asset[g]]) in groups
        for g, c in enumerate(model.threat)
    ]
    g_model = float(np.asarray(leak_by_group)[np.asarray(in_gap, bool)].sum())
    g_engine = sum(float(sim["leakers_by_group"].get(k, 0.0)) for k in groups)
    return g_model, g_engine


def agree(analytic_leakers: float, sim: dict[str, Any]) -> bool:
    """The module docstring's agreement rule."""
    lo, hi = sim["leakers_ci95"]
    mean = float(sim["leakers"])
    inside = lo - 1e-9 <= analytic_leakers <= hi + 1e-9
    return inside or abs(analytic_leakers - mean) <= REL_TOL * mean + ABS_TOL + 1e-9


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` split over sites in proportion to ``weights`` (largest remainders)."""
    w = np.asarray(weights, np.float64)
    if w.sum() <= 0:
        w = np.ones_like(w)
    raw = total * w / w.sum()
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out))[: total - int(out.sum())]:
        out[i] += 1
    return [int(x) for x in out]


def design_scenario(
    lp: LoadedPlan, loaded: LoadedScenario, design: dict[str, float]
) -> LoadedScenario:
    """``loaded`` with the design's quantities: an element counted from scenario sites
    sets their inventories (split as in the baseline), one counted from a
    space-interceptor layer sets its Walker constellation's size (whole planes; 0
    removes the layer). Elements with a stated quantity are not in the scenario."""
    data: dict[str, Any] = load_yaml(loaded.text)
    sites = {s["name"]: s for s in data.get("interceptor_sites", [])}
    sbis = {s["name"]: s for s in data.get("space_interceptors", [])}
    consts = {c["name"]: c for c in data.get("constellations", [])}
    for rel in lp.arch.elements:
        name = rel.element.name
        if name not in design or not rel.element.from_scenario:
            continue
        q = round(design[name])
        members = [m for m in rel.element.from_scenario if m in sites]
        if members:
            parts = _split(q, [int(sites[m].get("inventory", 0)) for m in members])
            for m, k in zip(members, parts, strict=True):
                sites[m]["inventory"] = k
        for m in rel.element.from_scenario:
            if m not in sbis:
                continue
            c = consts[sbis[m]["constellation"]]
            if q <= 0:
                data["space_interceptors"] = [
                    s for s in data["space_interceptors"] if s["name"] != m
                ]
                continue
            planes = max(1, min(int(c.get("planes", 1)), q))
            c["planes"] = planes
            c["total"] = planes * max(1, round(q / planes))
            c["phasing"] = min(int(c.get("phasing", 1)), planes - 1) if planes > 1 else 0
    return parse_scenario(yaml.safe_dump(data, sort_keys=False), loaded.path + ":design")


__all__ = ["ABS_TOL", "REL_TOL", "agree", "design_scenario", "simulate"]
