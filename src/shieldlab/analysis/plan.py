"""``shieldlab plan``: the six deliverables of the executive order from one plan file.

Steps (each in its own module): the threat tiers flown through the plan's
defense and reduced to the analytic model (:mod:`.trade`); a feasibility
check of the goals at the top of the trade space; NSGA-II per tier and the
recommended architecture — the cheapest design the search saw that meets
every goal within the total budget (:mod:`.optimize`); its capabilities-based
requirements (:mod:`.requirements`); its fielding by fiscal year under the
production rates and the budget cap, with its effectiveness against each
tier year by year (:mod:`.lifecycle`); its funding profile; the prioritized
locations and the battery placement (:mod:`.locations`); and the engine's
Monte Carlo on chosen designs (:mod:`.confirm`). :func:`run_plan` returns the
``--json`` object; :mod:`shieldlab.report.plan_html` renders it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.analysis import threat_tiers
from shieldlab.analysis.confirm import agree, design_scenario, simulate
from shieldlab.analysis.lifecycle import (
    CATEGORIES,
    BudgetError,
    capability_years,
    evaluate as life_evaluate,
    point_inputs,
)
from shieldlab.analysis.locations import (
    BatteryOption,
    budget_curve,
    locations_from_sets,
    place_batteries,
    ranked_table,
    threat_weights,
    with_deterrent_values,
    with_threats,
)
from shieldlab.analysis.optimize import Evaluator, run_nsga2, shortfall
from shieldlab.analysis.plan_file import LoadedPlan, PlanError
from shieldlab.analysis.requirements import requirements
from shieldlab.analysis.trade import (
    TierModel,
    baseline_design,
    basing_combinations,
    basing_names,
    cost_curves,
    effectiveness,
    items_cost_usd,
    metric_of,
    tier_models,
    with_quantities,
)

F64 = NDArray[np.float64]
Progress = Callable[[str, float], None]
"""``progress(step, fraction done)``."""


def _names(lp: LoadedPlan) -> list[str]:
    return [v.element for v in lp.plan.variables]


def _design_dict(lp: LoadedPlan, q: F64) -> dict[str, float]:
    """Quantity of each variable of design ``q`` (its basing columns left out)."""
    n_v = len(lp.plan.variables)
    return {n: float(x) for n, x in zip(_names(lp), q[:n_v].tolist(), strict=True)}


def _combo(lp: LoadedPlan, q: F64) -> tuple[int, ...]:
    """The basing options chosen by design ``q``."""
    return tuple(round(x) for x in q[len(lp.plan.variables) :].tolist())


def _describe(lp: LoadedPlan, q: F64) -> str:
    parts = [f"{n} {x:g}" for n, x in _design_dict(lp, q).items()]
    parts += [f"{b}: {o}" for b, o in basing_names(lp, _combo(lp, q)).items()]
    return ", ".join(parts)


def check_goals(lp: LoadedPlan, tiers_by: dict[tuple[int, ...], list[TierModel]]) -> None:
    """Raise PlanError when the top of the trade space (every variable at its maximum,
    the most capable design: the model is monotone in quantities; the best basing
    combination) misses a goal."""
    top_q = [float(v.max) for v in lp.plan.variables]
    for i, g in enumerate(lp.plan.goals):
        best: tuple[float, F64] | None = None
        for combo, tiers in tiers_by.items():
            top = np.array(top_q + [float(k) for k in combo])
            tm = next(t for t in tiers if t.tier == g.tier)
            v = float(
                metric_of(effectiveness(lp, tm, top[None, :], lp.plan.tiers.design_year), g.metric)[
                    0
                ]
            )
            if g.met(v):
                break
            if best is None or (v > best[0] if g.at_least is not None else v < best[0]):
                best = (v, top)
        else:
            assert best is not None
            raise PlanError(
                f"{lp.path}: goals.{i}: no architecture in the bounds meets {g.label} in "
                f"FY{lp.plan.tiers.design_year}; the closest, every variable at its maximum "
                f"({_describe(lp, best[1])}), reaches {g.metric} = {best[0]:.3g}"
            )


def recommend(lp: LoadedPlan, ev: Evaluator) -> tuple[int, str, bool, list[dict[str, Any]]]:
    """(archive index, basis, goals met, cheapest design meeting each goal)."""
    q, cost, met = ev.archive.arrays()
    budget = lp.plan.total_budget_usd
    within = np.ones(cost.size, bool) if budget is None else cost <= budget
    cheapest = []
    for g in lp.plan.goals:
        ok = np.array([g.met(float(x)) for x in met[g.tier][g.metric]]) & within
        if ok.any():
            i = int(np.flatnonzero(ok)[np.argmin(cost[ok])])
            cheapest.append(
                {
                    "goal": g.label,
                    "cost_usd": float(cost[i]),
                    "design": _design_dict(lp, q[i]),
                    "closest": None,
                }
            )
        else:
            cheapest.append(
                {
                    "goal": g.label,
                    "cost_usd": None,
                    "design": None,
                    "closest": "no design within the budget meets it",
                }
            )
    short = shortfall(lp.plan.goals, met)
    all_ok = (short <= 1e-12) & within
    if all_ok.any():
        i = int(np.flatnonzero(all_ok)[np.argmin(cost[all_ok])])
        return i, "the cheapest design the search found that meets every goal", True, cheapest
    score = short + (~within) * 1e6
    i = int(np.lexsort((cost, score))[0])
    return i, "no design meets every goal within the budget: the closest one", False, cheapest


def _effect_rows(lp: LoadedPlan, tiers: list[TierModel], q: F64, year: int) -> list[dict[str, Any]]:
    rows = []
    for tm in tiers:
        o = effectiveness(lp, tm, q[None, :], year)
        rows.append(
            {
                "tier": tm.tier,
                "year": year,
                "p_no_leaker": float(o.p_no_leaker[0, 0]),
                "leakers": float(o.leakers[0, 0]),
                "value_lost": float(o.value_lost[0, 0]),
                "kills_by_layer": {
                    n: float(k)
                    for n, k in zip(tm.model.layer_names, o.kills[0, 0].tolist(), strict=True)
                },
            }
        )
    return rows


def implementation(
    lp: LoadedPlan, tiers: list[TierModel], q: F64
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(implementation plan, funding plan) of design ``q`` (module docstring)."""
    arch = with_quantities(lp.arch, lp.element_index, q)
    cap = lp.plan.budget_cap_usd_per_year
    try:
        lc = life_evaluate(arch, point_inputs(arch), cap)
    except BudgetError as exc:
        why = str(exc).removeprefix("--budget-cap-usd: ")
        raise PlanError(f"{lp.path}: budget_cap_usd_per_year: {why}") from None
    free = life_evaluate(arch, point_inputs(arch)) if cap is not None else lc
    years = [int(y) for y in lc.years]
    fielded = lc.fielded[0]
    q_year = np.array([[float(fielded[e, y]) for e in lp.element_index] for y in range(len(years))])
    effect = []
    met_years: dict[str, list[int]] = {g.label: [] for g in lp.plan.goals}
    for tm in tiers:
        for y_i, fy in enumerate(years):
            o = effectiveness(lp, tm, q_year[y_i][None, :], fy)
            row: dict[str, Any] = {
                "tier": tm.tier,
                "year": fy,
                "p_no_leaker": float(o.p_no_leaker[0, 0]),
                "leakers": float(o.leakers[0, 0]),
                "value_lost": float(o.value_lost[0, 0]),
            }
            effect.append(row)
            for g in lp.plan.goals:
                if g.tier == tm.tier and g.met(row[g.metric]):
                    met_years[g.label].append(fy)
    caps = capability_years(arch, lc)
    caps_free = capability_years(arch, free)
    plan = {
        "years": years,
        "fielded": [
            {
                "element": rel.element.name,
                "layer": rel.element.layer,
                "by_year": [int(x) for x in fielded[e]],
            }
            for e, rel in enumerate(arch.elements)
        ],
        "effectiveness": effect,
        "goal_first_met": [
            {
                "goal": k,
                "fy": v[0] if v else None,
                "held_from": _held_from(v, years),
                "met_years": v,
            }
            for k, v in met_years.items()
        ],
        "capped": cap is not None,
        "budget_cap_usd_per_year": cap,
        "slips": [
            {"element": rel.element.name, "foc_fy": c["foc_fy"], "uncapped_foc_fy": f["foc_fy"]}
            for rel, c, f in zip(arch.elements, caps, caps_free, strict=True)
        ],
    }
    c = lc.cost_usd[0]  # (E, Y, C)
    by_year = []
    for y_i, fy in enumerate(years):
        money: dict[str, Any] = {"fy": fy}
        for k, name in enumerate(CATEGORIES):
            money[name] = float(c[:, y_i, k].sum())
        money["total"] = float(c[:, y_i].sum())
        by_year.append(money)
    funding = {
        "dollars_fy": arch.architecture.dollars_fy,
        "total_usd": float(c.sum()),
        "by_year": by_year,
        "by_element": [
            {
                "element": rel.element.name,
                "layer": rel.element.layer,
                "total_usd": float(c[e].sum()),
            }
            for e, rel in enumerate(arch.elements)
        ],
    }
    return plan, funding


def _held_from(met: list[int], years: list[int]) -> int | None:
    """First FY from which a goal stays met to the end of the study (None: never)."""
    held = None
    for fy in reversed(years):
        if fy not in met:
            break
        held = fy
    return held


def _second_strike_values(lp: LoadedPlan) -> dict[str, float]:
    """Per catalog base, the second-strike warheads it protects, from the ``deterrent:``
    section of the plan's scenario (empty without one)."""
    from pathlib import Path

    from shieldlab.scenario import load_scenario
    from shieldlab.scenario.deterrent_schema import base_values

    name = lp.arch.architecture.scenario
    if name is None:
        return {}
    section = load_scenario(Path(lp.arch.path).parent / str(name)).scenario.deterrent
    return {} if section is None else base_values(section)


def prioritized_locations(lp: LoadedPlan, tiers: list[TierModel], q: F64) -> dict[str, Any] | None:
    """Ranked locations and the battery placement (module docstring of :mod:`.locations`)."""
    spec = lp.plan.locations
    if spec is None:
        return None
    locs = locations_from_sets(spec.sets)
    second_strike = _second_strike_values(lp)
    if second_strike:
        locs = with_deterrent_values(locs, second_strike)
    year = lp.plan.tiers.design_year
    aimed: dict[str, float] = {}
    for tm in tiers:
        s = tm.scale(year)
        for g, a in enumerate(tm.model.asset.tolist()):
            name = tm.model.asset_names[a]
            aimed[name] = aimed.get(name, 0.0) + float(s[g])
    names = {x.name for x in locs}
    w = threat_weights(locs, {k: v for k, v in aimed.items() if k in names})
    locs = with_threats(locs, w)
    scores = np.array([x.score for x in locs])
    options = [
        BatteryOption(
            b.name,
            "terminal",
            b.defended_radius_km,
            items_cost_usd(lp, b.items, b.quantities),
            b.max_count,
        )
        for b in spec.batteries
    ]
    national = [
        n
        for n, x in _design_dict(lp, q).items()
        if x > 0
        and lp.arch.elements[lp.element_index[_names(lp).index(n)]].element.layer
        in ("boost", "midcourse")
    ]
    placement = place_batteries(locs, scores, options, spec.budget_usd)
    rows = ranked_table(locs, scores, placement)
    for r in rows:
        r["national_layers"] = ", ".join(national) or "—"
    budgets = np.linspace(0.0, spec.budget_usd * 2.0, 9)
    return {
        "rows": rows,
        "budget_usd": spec.budget_usd,
        "battery_cost_usd": {o.name: o.cost_usd for o in options},
        "placement": {
            "placed": [list(p) for p in placement.placed],
            "cost_usd": placement.cost_usd,
            "covered_score": placement.covered_score,
            "value_per_usd": placement.value_per_usd,
            "optimal": placement.optimal,
        },
        "budget_curve": budget_curve(locs, scores, options, budgets.tolist()),
    }


def confirmation(
    lp: LoadedPlan,
    tiers_by: dict[tuple[int, ...], list[TierModel]],
    points: list[tuple[str, F64, str | None]],
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Engine Monte Carlo of each (label, design, tier) against the tier's flown raid
    (tier None: every tier), with the design's basing."""
    rows = []
    trials = lp.plan.confirm.trials
    for label, q, only in points:
        for tm in tiers_by[_combo(lp, q)]:
            if only is not None and tm.tier != only:
                continue
            scen = design_scenario(lp, tm.loaded, _design_dict(lp, q))
            o = effectiveness(lp, tm, q[None, :], None)
            sim = simulate(scen, trials)
            a = {"leakers": float(o.leakers[0, 0]), "p_no_leaker": float(o.p_no_leaker[0, 0])}
            rows.append(
                {
                    "point": label,
                    "tier": tm.tier,
                    "trials": trials,
                    "objects": int(tm.model.asset.size),
                    "analytic": a,
                    "simulated": sim,
                    "agree": agree(a["leakers"], sim),
                }
            )
            if progress:
                progress(f"{label} vs {tm.tier}")
    return rows


def run_plan(
    lp: LoadedPlan,
    progress: Progress | None = None,
    confirm: bool = True,
    optimize_only: bool = False,
) -> dict[str, Any]:
    """Everything ``shieldlab plan --json`` prints (module docstring); ``optimize_only``
    skips the requirements, the implementation and funding plans and the locations
    (``shieldlab optimize``)."""
    t0 = time.perf_counter()

    def step(name: str, frac: float) -> None:
        if progress:
            progress(name, frac)

    p = lp.plan
    step("flying the threat tiers", 0.0)
    tiers_by = {c: tier_models(lp, basing=c) for c in basing_combinations(lp)}
    check_goals(lp, tiers_by)
    step("pricing the trade space", 0.25)
    costs = cost_curves(lp)
    ev = Evaluator(lp, tiers_by, costs)
    ev(baseline_design(lp)[None, :])
    step("optimizing", 0.3)
    fronts = run_nsga2(lp, ev, lambda t: step(f"NSGA-II {t}", 0.45))
    q_all, cost, met = ev.archive.arrays()
    rec, basis, ok, cheapest = recommend(lp, ev)
    design = q_all[rec]
    tiers = tiers_by[_combo(lp, design)]
    reqs: list[dict[str, Any]] = []
    impl: dict[str, Any] = {}
    funding: dict[str, Any] = {}
    locs = None
    if not optimize_only:
        step("requirements", 0.5)
        reqs = requirements(lp, tiers, design)
        step("implementation and funding plans", 0.6)
        impl, funding = implementation(lp, tiers, design)
        combo = _combo(lp, design)
        funding["basing_usd"] = float(sum(costs.basing_usd[j][k] for j, k in enumerate(combo)))
        step("prioritized locations", 0.65)
        locs = prioritized_locations(lp, tiers, design)
    pareto = []
    for tier, fr in fronts.items():
        idx = np.asarray(fr["index"], np.int64)
        for i in idx.tolist():
            pareto.append(
                {
                    "tier": tier,
                    "cost_usd": float(cost[i]),
                    "value_lost": float(met[tier]["value_lost"][i]),
                    "p_no_leaker": float(met[tier]["p_no_leaker"][i]),
                    "leakers": float(met[tier]["leakers"][i]),
                    "knee": i == fr["knee"],
                    "recommended": i == rec,
                    "design": _design_dict(lp, q_all[i]),
                    "basing": basing_names(lp, _combo(lp, q_all[i])),
                }
            )
    # the recommended design against every tier; each further point (a knee)
    # against its own tier only: the engine's Monte Carlo is the slow part
    points: list[tuple[str, F64, str | None]] = [("recommended", design, None)]
    for tier, fr in fronts.items():
        k = int(fr["knee"])  # type: ignore[call-overload]
        if k >= 0 and len(points) < p.confirm.points and not np.array_equal(q_all[k], design):
            points.append((f"knee ({_describe(lp, q_all[k])})", q_all[k], tier))
    points = points[: p.confirm.points]
    step("confirming in the engine", 0.7)
    conf = (
        confirmation(lp, tiers_by, points, lambda s: step(f"engine: {s}", 0.8)) if confirm else []
    )
    a = lp.arch.architecture
    not_flown = [
        {
            "tier": t,
            "threat": c,
            "inventory": threat_tiers.inventory(t, p.tiers.design_year)[c],
            "note": proj.note,
        }
        for t in p.tiers.names
        for c, proj in threat_tiers.load_projections()[t].threats.items()
        if not proj.in_raid
    ]
    not_flown += [
        {
            "tier": tm.tier,
            "threat": c,
            "inventory": threat_tiers.inventory(tm.tier, p.tiers.design_year)[c],
            "note": "reaches none of the plan's assets from its launch area (catalog range): "
            "not flown",
        }
        for tm in tiers
        for c in tm.unreached
    ]
    step("done", 1.0)
    off = [r for r in conf if not r["agree"]]
    warning = None if ok else basis
    if off:
        worst = max(off, key=lambda r: r["simulated"]["leakers"] - r["analytic"]["leakers"])
        text = (
            f"the engine disagrees with the analytic model on {len(off)} of {len(conf)} "
            f"checks (worst: {worst['point'].split(' (')[0]} vs {worst['tier']}, "
            f"{worst['simulated']['leakers']:.2f} leakers simulated against "
            f"{worst['analytic']['leakers']:.2f} expected): where the engine finds more, "
            "the analytic answer flatters the defense (see the annex)"
        )
        warning = text if warning is None else f"{warning}; {text}"
    return {
        "plan": {
            "name": p.name,
            "description": p.description,
            "path": lp.path,
            "architecture": lp.arch.path,
            "dollars_fy": a.dollars_fy,
            "design_year": p.tiers.design_year,
            "years": list(p.tiers.years),
            "tiers": list(p.tiers.names),
            "goals": [
                {
                    "label": g.label,
                    "tier": g.tier,
                    "metric": g.metric,
                    "at_least": g.at_least,
                    "at_most": g.at_most,
                }
                for g in p.goals
            ],
            "total_budget_usd": p.total_budget_usd,
            "budget_cap_usd_per_year": p.budget_cap_usd_per_year,
        },
        "threat_assessment": {
            "rows": threat_tiers.assessment_table(p.tiers.names, p.tiers.years),
            "not_flown": not_flown,
            "raids": [
                {
                    "tier": tm.tier,
                    "year": p.tiers.design_year,
                    "flown": tm.flown,
                    "groups": int(tm.model.asset.size),
                }
                for tm in tiers
            ],
            "sources": sorted({s for t in p.tiers.names for s in threat_tiers.sources(t)}),
        },
        "reference_architecture": {
            "basis": basis,
            "goals_met": ok,
            "cost_usd": float(cost[rec]),
            "design": [
                {
                    "element": v.element,
                    "layer": lp.arch.elements[e].element.layer,
                    "quantity": float(x),
                    "baseline": float(lp.arch.elements[e].quantity),
                }
                for v, e, x in zip(
                    p.variables, lp.element_index, design[: len(p.variables)].tolist(), strict=True
                )
            ],
            "basing": [
                {
                    "decision": b,
                    "option": o,
                    "cost_usd": float(costs.basing_usd[j][_combo(lp, design)[j]]),
                }
                for j, (b, o) in enumerate(basing_names(lp, _combo(lp, design)).items())
            ],
            "effectiveness": _effect_rows(lp, tiers, design, p.tiers.design_year),
            "warning": warning,
        },
        "requirements": reqs,
        "implementation_plan": impl,
        "funding_plan": funding,
        "prioritized_locations": locs,
        "pareto": pareto,
        "cheapest_meeting": cheapest,
        "confirmation": conf,
        "assumptions": [
            *p.assumptions,
            *a.assumptions,
            "Analytic model: expected values, independent objects, pro-rata allocation of "
            "short inventories (first salvos before re-engagements); lasers and microwaves "
            "are not modelled analytically.",
            "Raid geometry: at most tiers.max_per_class missiles per class flown; each "
            "group scaled to the tier's raid of the year.",
        ],
        "sources": sorted({s for t in p.tiers.names for s in threat_tiers.sources(t)}),
        "evaluations": ev.evaluations,
        "elapsed_s": time.perf_counter() - t0,
    }


__all__ = ["check_goals", "implementation", "recommend", "run_plan"]
