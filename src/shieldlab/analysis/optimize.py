"""Pareto fronts of 20-year cost against expected value lost, per threat tier (pymoo NSGA-II).

For each tier of the plan, NSGA-II (Deb et al. 2002, pymoo 0.6) searches the
variables' grid (integer genes: the index of each variable's value) for the
designs that trade the life-cycle cost (:class:`~.trade.CostCurves`) against
the analytic expected value lost of the tier's design-year raid; a total
budget is a constraint. Every design evaluated is kept in an archive, so the
cheapest design meeting each goal — and all goals together, the *recommended*
architecture — is read from everything the search saw, not only the final
front. The knee of a front is the point farthest from the line joining its
two ends in normalised (cost, value lost) (Das 1999, "normal boundary").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.problem import Problem
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.optimize import minimize

from shieldlab.analysis.plan_file import Goal, LoadedPlan
from shieldlab.analysis.trade import CostCurves, TierModel, effectiveness, grid_values, metric_of

F64 = NDArray[np.float64]


@dataclass
class Archive:
    """Every design evaluated (N, V) with its cost (N,) and metrics per tier (N,) each."""

    q: list[F64]
    cost: list[F64]
    metrics: dict[str, dict[str, list[F64]]]

    def arrays(self) -> tuple[F64, F64, dict[str, dict[str, F64]]]:
        """(designs (N, V), cost (N,), tier → metric → (N,)), duplicates removed."""
        q = np.concatenate(self.q)
        cost = np.concatenate(self.cost)
        met = {t: {k: np.concatenate(v) for k, v in d.items()} for t, d in self.metrics.items()}
        _, keep = np.unique(q, axis=0, return_index=True)
        keep = np.sort(keep)
        return q[keep], cost[keep], {t: {k: v[keep] for k, v in d.items()} for t, d in met.items()}


class Evaluator:
    """Cost and every tier's metrics of designs, recorded in an :class:`Archive`.

    ``tiers_by``: the tier models of each basing combination (one key, (), without
    basing); a design's last B columns choose its combination."""

    def __init__(
        self,
        lp: LoadedPlan,
        tiers_by: dict[tuple[int, ...], list[TierModel]],
        costs: CostCurves,
    ) -> None:
        self.lp, self.tiers_by, self.costs = lp, tiers_by, costs
        self.tiers = next(iter(tiers_by.values()))
        self.archive = Archive([], [], {t.tier: {} for t in self.tiers})
        self.evaluations = 0

    def __call__(self, q: F64) -> tuple[F64, dict[str, dict[str, F64]]]:
        q = np.atleast_2d(np.asarray(q, np.float64))
        n_v = len(self.lp.plan.variables)
        cost = self.costs.total_usd(q)
        combos = np.rint(q[:, n_v:]).astype(np.int64)
        metrics = ("p_no_leaker", "leakers", "value_lost")
        out = {t.tier: {m: np.zeros(q.shape[0]) for m in metrics} for t in self.tiers}
        for combo, tiers in self.tiers_by.items():
            rows = np.all(combos == np.asarray(combo, np.int64), axis=1)
            if not rows.any():
                continue
            for tm in tiers:
                o = effectiveness(self.lp, tm, q[rows], self.lp.plan.tiers.design_year)
                for m in metrics:
                    out[tm.tier][m][rows] = metric_of(o, m)
        for tier, d in out.items():
            for m, v in d.items():
                self.archive.metrics[tier].setdefault(m, []).append(v)
        self.archive.q.append(q)
        self.archive.cost.append(cost)
        self.evaluations += q.shape[0] * len(self.tiers)
        return cost, out


class _TierProblem(Problem):
    def __init__(self, ev: Evaluator, tier: str, grids: list[F64], budget: float | None) -> None:
        self.ev, self.tier, self.grids, self.budget = ev, tier, grids, budget
        super().__init__(
            n_var=len(grids),
            n_obj=2,
            n_ieq_constr=1 if budget is not None else 0,
            xl=np.zeros(len(grids)),
            xu=np.array([g.size - 1 for g in grids], np.float64),
            vtype=int,
        )

    def _evaluate(self, x: F64, out: dict[str, object], *args: object, **kwargs: object) -> None:
        q = designs_of(self.grids, x)
        cost, met = self.ev(q)
        out["F"] = np.column_stack([cost, met[self.tier]["value_lost"]])
        if self.budget is not None:
            out["G"] = (cost - self.budget)[:, None]


def designs_of(grids: list[F64], genes: F64) -> F64:
    """Quantities (A, V) of integer genes (A, V) (indices into each variable's grid)."""
    g = np.atleast_2d(np.rint(genes)).astype(np.int64)
    return np.column_stack(
        [grid[np.clip(g[:, v], 0, grid.size - 1)] for v, grid in enumerate(grids)]
    )


def pareto_mask(f: F64) -> NDArray[np.bool_]:
    """Non-dominated rows of objectives ``f`` (N, 2), both minimised."""
    order = np.lexsort((f[:, 1], f[:, 0]))
    keep = np.zeros(f.shape[0], bool)
    best = np.inf
    for i in order:  # sorted by cost: a sweep
        if f[i, 1] < best - 1e-12:
            keep[i] = True
            best = f[i, 1]
    return keep


def knee_index(cost: F64, loss: F64) -> int:
    """Index of the knee of a front (module docstring); fronts of < 3 points: the cheapest."""
    if cost.size < 3:
        return int(np.argmin(cost))
    c = (cost - cost.min()) / max(float(np.ptp(cost)), 1e-300)
    v = (loss - loss.min()) / max(float(np.ptp(loss)), 1e-300)
    order = np.argsort(c)
    c, v = c[order], v[order]
    p0, p1 = np.array([c[0], v[0]]), np.array([c[-1], v[-1]])
    d = p1 - p0
    dist = np.abs(d[0] * (v - p0[1]) - d[1] * (c - p0[0])) / max(float(np.hypot(*d)), 1e-300)
    return int(order[int(np.argmax(dist))])


def run_nsga2(
    lp: LoadedPlan,
    ev: Evaluator,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, object]]:
    """One NSGA-II search per tier; returns tier → front (designs, cost, value lost, knee)."""
    grids = grid_values(lp)
    opt = lp.plan.optimizer
    fronts: dict[str, dict[str, object]] = {}
    for i, tm in enumerate(ev.tiers):
        problem = _TierProblem(ev, tm.tier, grids, lp.plan.total_budget_usd)
        algorithm = NSGA2(
            pop_size=opt.population,
            sampling=IntegerRandomSampling(),
            crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
            mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
            eliminate_duplicates=True,
        )
        minimize(problem, algorithm, ("n_gen", opt.generations), seed=opt.seed + i, verbose=False)
        if progress:
            progress(tm.tier)
    _q, cost, met = ev.archive.arrays()
    budget = lp.plan.total_budget_usd
    ok = np.ones(cost.size, bool) if budget is None else cost <= budget
    for tm in ev.tiers:
        f = np.column_stack([cost, met[tm.tier]["value_lost"]])
        idx = np.flatnonzero(ok)[pareto_mask(f[ok])]
        idx = idx[np.argsort(cost[idx])]
        k = knee_index(cost[idx], f[idx, 1]) if idx.size else -1
        fronts[tm.tier] = {"index": idx, "knee": int(idx[k]) if idx.size else -1}
    return fronts


def goal_values(goal: Goal, met: dict[str, dict[str, F64]]) -> F64:
    """(N,) the goal's metric over the archive."""
    return met[goal.tier][goal.metric]


def shortfall(goals: list[Goal], met: dict[str, dict[str, F64]]) -> F64:
    """(N,) summed relative shortfall of the goals (0: all met)."""
    n = next(iter(next(iter(met.values())).values())).size
    out = np.zeros(n)
    for g in goals:
        v = goal_values(g, met)
        if g.at_least is not None:
            out += np.maximum(g.at_least - v, 0.0) / max(g.at_least, 1e-9)
        else:
            lim = g.at_most or 0.0
            out += np.maximum(v - lim, 0.0) / max(lim, 1e-9)
    return out


__all__ = [
    "Archive",
    "Evaluator",
    "designs_of",
    "goal_values",
    "knee_index",
    "pareto_mask",
    "run_nsga2",
    "shortfall",
]
