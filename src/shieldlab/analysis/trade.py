"""The trade space of a plan: designs → 20-year cost and effectiveness per threat tier.

A *design* is one quantity per plan variable (an architecture element). Its
effectiveness against a tier is the analytic model (:mod:`.analytic`) on the
tier's raid flown through the plan's defense (:func:`tier_scenario`): the
baseline scenario with its threats replaced by the tier's raid
(:func:`~shieldlab.analysis.threat_tiers.raid_section` at the design year, at
most ``max_per_class`` missiles per class flown for the geometry) and its
assets by the plan's asset sets. Growing or shrinking the raid by year scales
each group by the tier's raid size of its class over the count flown.

A variable acts on the model through its element's layer: the rounds of an
interceptor layer change by the element's quantity change (its units are
interceptors), the carriers of the boost layer are the element's quantity.

Cost: the life-cycle total of :mod:`.lifecycle` (uncapped, point estimate) is
separable by element, so the total of a design is the baseline total plus,
per variable, the change of its element's cost, interpolated on a grid of
quantities priced exactly (:func:`cost_curves`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from shieldlab.analysis import threat_tiers
from shieldlab.analysis.analytic import KIND_BOOST, KIND_INTERCEPTOR, Outcome, evaluate
from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.lifecycle import evaluate as life_evaluate, point_inputs
from shieldlab.analysis.plan_file import LoadedPlan, PlanError
from shieldlab.analysis.scenario_model import ScenarioModel, build_model
from shieldlab.scenario import LoadedScenario, ScenarioError, parse_scenario
from shieldlab.scenario.load import load_yaml

F64 = NDArray[np.float64]
COST_GRID = 9
"""Quantities priced exactly per variable; the cost between them is interpolated."""


@dataclass(frozen=True)
class TierModel:
    """One tier's scenario, its analytic model and the threat class of each group."""

    tier: str
    loaded: LoadedScenario
    model: ScenarioModel
    flown: dict[str, int]
    unreached: tuple[str, ...] = ()
    """Classes of the tier's raid that reach none of the plan's assets (not flown)."""

    def scale(self, year: int) -> F64:
        """Per group (G,): the tier's raid of ``year`` over the missiles flown, by class."""
        size = threat_tiers.raid_size(self.tier, year)
        return np.array(
            [size.get(c, 0) / max(self.flown.get(c, 1), 1) for c in self.model.threat], np.float64
        )


def tier_scenario(
    lp: LoadedPlan,
    tier: str,
    year: int,
    groups: list[dict[str, Any]] | None = None,
    basing: tuple[int, ...] = (),
) -> LoadedScenario:
    """The plan's defense scenario against ``tier``'s raid of ``year`` (module docstring);
    ``groups``: its :func:`tier_groups` when already made; ``basing``: the option chosen
    for each of the plan's basing decisions (default: none moved)."""
    path = _scenario_path(lp)
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = load_yaml(fh.read())
    data["name"] = f"{lp.plan.name}-{tier}-{year}"
    data["raid"] = None
    data["assets"] = []
    data["asset_sets"] = list(lp.plan.asset_sets)
    data["threats"] = tier_groups(lp, tier, year)[0] if groups is None else groups
    data.pop("raid")
    if data.get("left_of_launch"):
        data["left_of_launch"] = {**data["left_of_launch"], "types": []}
    for b, k in zip(lp.plan.basing, basing, strict=False):
        moved = b.options[k].sites
        for site in data.get("interceptor_sites", []):
            if site["name"] in moved:
                site["lat_deg"], site["lon_deg"] = (float(x) for x in moved[site["name"]])
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        return parse_scenario(text, f"{lp.path}:{tier}-{year}")
    except ScenarioError as exc:
        raise PlanError(f"{lp.path}: tier {tier} {year}: {exc}") from None


REACH_MARGIN = 0.95
"""A target counts as in reach of a ballistic class within this fraction of its maximum
range on the launch's azimuth (``threats.aim.scan_range``, the flight solver's own scan)."""


def reach_mask(
    cls: str, lat_deg: float, lon_deg: float, to_deg: F64, pad_m: float = 0.0
) -> NDArray[np.bool_]:
    """Which points ``to_deg`` (n, 2) [lat, lon] a class reaches from (lat, lon): ballistic
    and MIRV classes by the solver's range scan on each azimuth (Earth's rotation
    included), others by their catalog ``max_range_km`` (none: everything); ``pad_m``
    is added to every distance (a launch anywhere in a circle of that radius)."""
    from shieldlab.core.frames import great_circle_distance_m
    from shieldlab.threats import catalog as threat_catalog
    from shieldlab.threats.aim import scan_range
    from shieldlab.threats.postboost_catalog import load_mirv_specs
    from shieldlab.threats.registry import threat_kind

    la1, lo1 = math.radians(lat_deg), math.radians(lon_deg)
    la2, lo2 = np.radians(to_deg[:, 0]), np.radians(to_deg[:, 1])
    dist = great_circle_distance_m(la1, lo1, la2, lo2, 6_371_000.0) + pad_m
    kind = threat_kind(cls)
    if kind in ("ballistic", "mirv"):
        spec = (
            threat_catalog.load_threat_specs()[cls]
            if kind == "ballistic"
            else load_mirv_specs()[cls].booster
        )
        dlo = lo2 - lo1
        az = np.arctan2(
            np.sin(dlo) * np.cos(la2),
            math.cos(la1) * np.sin(la2) - math.sin(la1) * np.cos(la2) * np.cos(dlo),
        )
        n = az.size
        dmax = scan_range(spec, np.full(n, la1), np.full(n, lo1), az)[2]
        # a MIRV's warheads fan out from the bus's aim: a wider margin
        margin = REACH_MARGIN if kind == "ballistic" else REACH_MARGIN - 0.1
        return np.asarray(dist <= margin * dmax)
    from shieldlab import catalog

    raw = catalog.load("threats").get(cls, {})
    top = raw.get("max_range_km") if isinstance(raw, dict) else None
    return np.asarray(dist <= (math.inf if top is None else float(top) * 1e3))


LAUNCH_RADIUS_KM = 150.0
"""Launch areas are flown as circles of at most this radius around their centre."""


def _area_circle(area: dict[str, Any]) -> tuple[float, float, float]:
    """(lat, lon, radius km) of a launch area; a polygon as its vertex centroid and the
    radius of a circle of its area (longitudes unwrapped across the antimeridian)."""
    if area.get("polygon_deg") is None:
        return float(area["lat_deg"]), float(area["lon_deg"]), float(area["radius_km"])
    from shieldlab.scenario.schema import polygon_area_km2

    pts = np.asarray(area["polygon_deg"], np.float64)
    lon = np.unwrap(np.radians(pts[:, 1]))
    lat_c, lon_c = float(pts[:, 0].mean()), float(np.degrees(lon.mean()))
    lon_c = (lon_c + 180.0) % 360.0 - 180.0
    r = math.sqrt(polygon_area_km2([tuple(x) for x in pts.tolist()]) / math.pi)
    return lat_c, lon_c, min(r, 2000.0)


def tier_groups(
    lp: LoadedPlan, tier: str, year: int
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """``threats:`` groups of the tier's raid of ``year``, at most ``max_per_class`` per
    class, each aimed at the highest-valued assets its class reaches from its launch
    area: counterforce targets (deterrent, military, command) for the tier's
    counterforce fraction of the weapons, cities for the rest, ``weapons_per_target``
    on each in turn. Returns the groups and the classes left out because they reach
    none of the assets (reported as not flown)."""
    from shieldlab.scenario.schema import (
        COUNTERFORCE_CATEGORIES,
        asset_set_members,
        catalog_asset_value,
        catalog_assets,
    )

    proj = threat_tiers.load_projections()[tier]
    section = threat_tiers.raid_section(tier, year, max_per_class=lp.plan.tiers.max_per_class)
    areas = {a["name"]: _area_circle(a) for a in section["launch_areas"]}
    entries = catalog_assets()
    names = list(dict.fromkeys(n for s in lp.plan.asset_sets for n in asset_set_members(s)))
    value = {n: catalog_asset_value(entries[n]) for n in names}
    cf = {"counterforce": 1.0, "countervalue": 0.0}.get(
        proj.targeting,
        proj.counterforce_fraction if proj.counterforce_fraction is not None else 0.5,
    )
    groups = []
    t0 = 60.0
    n_force = n_city = 0  # weapons aimed so far: targets rotate across classes
    unreached: list[str] = []
    for c_i, (cls, item) in enumerate(section["inventory"].items()):
        area_names = item.get("launch_areas") or list(areas)
        lat, lon, rad = areas[area_names[0]]
        rad = min(rad, LAUNCH_RADIUS_KM)
        pts = np.array([[entries[n].lat_deg, entries[n].lon_deg] for n in names])
        # from anywhere in the launch circle: the distance padded by its radius
        far = reach_mask(cls, lat, lon, pts, pad_m=rad * 1e3)
        ok = [n for n, k in zip(names, far.tolist(), strict=True) if k]
        if not ok:
            unreached.append(cls)
            continue
        k = int(item["count"])
        force = sorted(
            (n for n in ok if entries[n].category in COUNTERFORCE_CATEGORIES),
            key=lambda n: -value[n],
        )
        cities = sorted(
            (n for n in ok if entries[n].category not in COUNTERFORCE_CATEGORIES),
            key=lambda n: -value[n],
        )
        n_cf = round(k * cf) if force else 0
        if not cities:
            n_cf = k
        per = max(1, proj.weapons_per_target)
        aims = [force[((n_force + i) // per) % len(force)] for i in range(n_cf)]
        aims += [cities[((n_city + i) // per) % len(cities)] for i in range(k - n_cf)]
        n_force, n_city = n_force + n_cf, n_city + k - n_cf
        groups.append(
            {
                "type": cls,
                "count": k,
                "launch_area": {"lat_deg": lat, "lon_deg": lon, "radius_km": rad},
                "first_launch_s": t0 + 5.0 * c_i,
                "launch_interval_s": 10.0,
                "targets": aims,
            }
        )
    if not groups:
        raise PlanError(f"{lp.path}: tier {tier} {year}: no class of the raid reaches the assets")
    return groups, tuple(unreached)


def _scenario_path(lp: LoadedPlan) -> str:
    """The defense scenario's file (a plan's architecture always names one: load_plan)."""
    return str(Path(lp.arch.path).parent / str(lp.arch.architecture.scenario))


def basing_combinations(lp: LoadedPlan) -> list[tuple[int, ...]]:
    """Every combination of the plan's basing options (one () without basing)."""
    return list(itertools.product(*(range(len(b.options)) for b in lp.plan.basing)))


def basing_names(lp: LoadedPlan, combo: tuple[int, ...]) -> dict[str, str]:
    """Basing decision → chosen option name."""
    return {b.name: b.options[k].name for b, k in zip(lp.plan.basing, combo, strict=True)}


def tier_models(
    lp: LoadedPlan, year: int | None = None, basing: tuple[int, ...] = ()
) -> list[TierModel]:
    """Build the analytic model of every tier of the plan at ``year`` (default design
    year) with the ``basing`` options chosen."""
    y = lp.plan.tiers.design_year if year is None else year
    out = []
    for tier in lp.plan.tiers.names:
        groups, unreached = tier_groups(lp, tier, y)
        loaded = tier_scenario(lp, tier, y, groups, basing)
        model = build_model(loaded)
        flown: dict[str, int] = {}
        for c in model.threat:
            flown[c] = flown.get(c, 0) + 1
        out.append(TierModel(tier, loaded, model, flown, unreached))
    return out


def variable_effects(lp: LoadedPlan, model: ScenarioModel) -> list[tuple[int, int, float]]:
    """Per variable: (model layer index, kind, baseline quantity); layer −1 when the
    element's layer is absent from this model (no effect on it). Raises PlanError for a
    variable that cannot act on any model (a sensor or C2 element)."""
    names = model.layer_names
    out = []
    for i, e in enumerate(lp.element_index):
        rel = lp.arch.elements[e]
        layer = rel.element.layer
        if layer in names:
            k = names.index(layer)
            kind = model.layers[k].kind
            if kind not in (KIND_INTERCEPTOR, KIND_BOOST):
                raise PlanError(
                    f"{lp.path}: variables.{i}.element: {rel.element.name!r} (layer {layer}) "
                    "has no quantity the analytic model uses; allowed: interceptor rounds "
                    "or boost-layer carriers"
                )
            out.append((k, kind, float(rel.quantity)))
        elif layer in ("midcourse", "underlayer", "terminal", "cruise-defense", "glide", "boost"):
            out.append((-1, KIND_INTERCEPTOR, float(rel.quantity)))
        else:
            raise PlanError(
                f"{lp.path}: variables.{i}.element: {rel.element.name!r} (layer {layer}) "
                "is not an interceptor or boost layer; the analytic model sizes those only"
            )
    return out


def knobs(lp: LoadedPlan, model: ScenarioModel, q: F64) -> tuple[F64, F64]:
    """(rounds, carriers) (A, L) of designs ``q`` (A, V) for one tier's model."""
    q = np.atleast_2d(np.asarray(q, np.float64))
    base_r = np.array([x.rounds for x in model.layers], np.float64)
    base_c = np.array([x.carriers for x in model.layers], np.float64)
    rounds = np.repeat(base_r[None, :], q.shape[0], axis=0)
    carriers = np.repeat(base_c[None, :], q.shape[0], axis=0)
    for v, (k, kind, q0) in enumerate(variable_effects(lp, model)):
        if k < 0:
            continue
        if kind == KIND_BOOST:
            carriers[:, k] = q[:, v]
        else:
            rounds[:, k] = np.maximum(rounds[:, k] + q[:, v] - q0, 0.0)
    return rounds, carriers


def effectiveness(
    lp: LoadedPlan, tm: TierModel, q: F64, year: int | None = None, **scales: Any
) -> Outcome:
    """The analytic outcome (A designs, 1 raid) of designs ``q`` (A, V) against the tier
    raid of ``year`` (None: the raid flown, unscaled); ``scales`` go to
    :meth:`ScenarioModel.inputs` (requirements)."""
    rounds, carriers = knobs(lp, tm.model, q)
    scale = 1.0 if year is None else tm.scale(year)[None, :]
    return evaluate(tm.model.inputs(scale, rounds=rounds, carriers=carriers, **scales))


def with_quantities(arch: LoadedArchitecture, index: tuple[int, ...], q: F64) -> LoadedArchitecture:
    """The architecture with element ``index[v]`` bought to ``q[v]``."""
    els = list(arch.elements)
    for v, e in enumerate(index):
        els[e] = replace(els[e], quantity=round(float(q[v])))
    return replace(arch, elements=tuple(els))


def life_cycle_total(arch: LoadedArchitecture) -> float:
    """Uncapped point-estimate life-cycle cost [constant USD of the architecture's year]."""
    return float(life_evaluate(arch, point_inputs(arch)).total_usd()[0])


@dataclass(frozen=True)
class CostCurves:
    """Per variable: quantity grid and exact cost change on it; the baseline total;
    per basing decision, the cost of each option."""

    grids: tuple[F64, ...]
    deltas: tuple[F64, ...]
    baseline_usd: float
    basing_usd: tuple[F64, ...] = ()

    def total_usd(self, q: F64) -> F64:
        """20-year cost of designs ``q`` (A, V + B) [USD]: V quantities, then the option
        index of each of the B basing decisions."""
        q = np.atleast_2d(q)
        out = np.full(q.shape[0], self.baseline_usd)
        for v, (g, d) in enumerate(zip(self.grids, self.deltas, strict=True)):
            out += np.interp(q[:, v], g, d)
        n_v = len(self.grids)
        for b, usd in enumerate(self.basing_usd):
            out += usd[np.rint(q[:, n_v + b]).astype(np.int64)]
        return out


def cost_curves(lp: LoadedPlan) -> CostCurves:
    """Price each variable's element on a grid of quantities (others at the baseline)."""
    arch = lp.arch
    base = life_cycle_total(arch)
    grids, deltas = [], []
    for v, var in enumerate(lp.plan.variables):
        e = lp.element_index[v]
        n = min(COST_GRID, (var.max - var.min) // var.step + 1)
        g = np.unique(np.round(np.linspace(var.min, var.max, max(n, 2))))
        d = []
        for x in g:
            qv = np.array([x], np.float64)
            d.append(life_cycle_total(with_quantities(arch, (e,), qv)) - base)
        grids.append(g.astype(np.float64))
        deltas.append(np.array(d))
    basing = tuple(
        np.array([items_cost_usd(lp, o.items, o.quantities) for o in b.options])
        for b in lp.plan.basing
    )
    return CostCurves(tuple(grids), tuple(deltas), base, basing)


def items_cost_usd(lp: LoadedPlan, items: list[str], quantities: list[int]) -> float:
    """Life-cycle cost over the study of cost-catalog ``items`` bought in the study's
    second year, without development (an existing program): a battery, a new site."""
    if not items:
        return 0.0
    from shieldlab.analysis.architecture import parse_architecture
    from shieldlab.analysis.cost_catalog import load_cost_catalog
    from shieldlab.analysis.lifecycle import DEV

    a = lp.arch.architecture
    cat = load_cost_catalog()
    els = "\n".join(
        f"  - {{label: e{i}, layer: {cat[it].layer}, item: {it}, quantity: {q}, "
        f"start_fy: {a.first_fy + 1}}}"
        for i, (it, q) in enumerate(zip(items, quantities, strict=True))
    )
    text = (
        f"name: items\nfirst_fy: {a.first_fy}\nhorizon_years: {a.horizon_years}\n"
        f"dollars_fy: {a.dollars_fy}\nelements:\n{els}\n"
    )
    arch = parse_architecture(text, "<items>")
    lc = life_evaluate(arch, point_inputs(arch))
    return float(lc.cost_usd[0].sum() - lc.cost_usd[0][..., DEV].sum())


def baseline_design(lp: LoadedPlan) -> F64:
    """The architecture's own quantities of the plan variables, clipped to the bounds,
    and the first option of each basing decision (V + B,)."""
    return np.array(
        [
            float(min(max(lp.arch.elements[e].quantity, v.min), v.max))
            for v, e in zip(lp.plan.variables, lp.element_index, strict=True)
        ]
        + [0.0] * len(lp.plan.basing)
    )


def metric_of(out: Outcome, metric: str) -> F64:
    """(A,) the goal metric of an outcome with one raid."""
    return np.asarray(getattr(out, metric)[:, 0], np.float64)


def grid_values(lp: LoadedPlan) -> list[F64]:
    """Allowed values of each variable (min, min + step, …, max), then the option
    indices of each basing decision."""
    out = []
    for v in lp.plan.variables:
        n = (v.max - v.min) // v.step
        vals = v.min + v.step * np.arange(n + 1, dtype=np.float64)
        if vals[-1] != v.max:
            vals = np.append(vals, float(v.max))
        out.append(vals)
    out += [np.arange(len(b.options), dtype=np.float64) for b in lp.plan.basing]
    return out


def n_designs(lp: LoadedPlan) -> float:
    """Size of the trade space (designs on the grid)."""
    return float(math.prod(len(g) for g in grid_values(lp)))


__all__ = [
    "CostCurves",
    "TierModel",
    "baseline_design",
    "cost_curves",
    "effectiveness",
    "knobs",
    "metric_of",
    "tier_models",
    "tier_scenario",
    "with_quantities",
]
