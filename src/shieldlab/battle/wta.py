"""Static weapon-target assignment solvers (problem and reader in ``wta_instance``).

Validity: static WTA with independent kills (the objective is exact); ``mmr``
is a heuristic (within 5 % of the best-known value of the Andersen et al. 50 ×
100 instance), ``milp`` gives a proven bound and gap.

Minimise F(x) = Σ_t v_t Π_w q_wt^x_wt, q = 1 − p, Σ_t x_wt ≤ μ_w, x ∈ ℕ.

Methods
-------
``mmr`` — maximum marginal return greedy (den Broeder, Ellison & Emerling,
  Oper. Res. 7(3), 1959; Kolitz): give, one unit at a time, the unit whose next
  shot removes the most expected value v_t S_t p_wt (S_t: current survival);
  then local search to a local optimum of two neighbourhoods, as in Ahuja,
  Kumar, Jha & Orlin (Oper. Res. 55(6), 2007, §5): *move* one unit to another
  target, *swap* the targets of two units of different types. Each pass
  evaluates the whole neighbourhood at once with numpy; best improvement.
``milp`` — outer approximation (Duran & Grossmann, Math. Prog. 36, 1986;
  used for WTA by Andersen, Pavlikov & Toffolo, Ann. Oper. Res. 2022,
  doi 10.1007/s10479-022-04525-6): with L_t = Σ_w x_wt ln q_wt the target term
  v_t e^{L_t} is convex in x, so each tangent
      y_t ≥ v_t e^{a} (1 + L_t − a)
  under-estimates it. The MILP min Σ y_t over tangents at a grid of a (spacing
  h bounds the relative under-estimate by about h²/8) plus tangents at every
  incumbent's L_t is a relaxation: HiGHS's dual bound (``scipy.optimize.milp``)
  is a valid lower bound on F*; each MILP solution is scored with the exact F
  and new tangents are added at it (Kelley cuts) until the time limit. Large
  instances are solved on a candidate subset of pairs (the best targets of
  each weapon type, the best types of each target, and the incumbent's pairs),
  whose MILP is a restriction; the lower bound then comes from the full
  continuous relaxation (tangent LP, HiGHS), which is valid but weaker.
  The restricted MILP keeps fine tangents only near the incumbent
  (``FINE_WINDOW``) and coarse ones below, which keeps it small enough for
  HiGHS to find near-optimal assignments on 200 × 400 in about 30 s.
``auto`` — ``mmr``, then ``lns`` for ``LNS_SHARE`` of the time limit (it
  plateaus within seconds), then ``milp`` started from it; the best assignment
  found is returned with the best proven lower bound.

Probabilities of exactly 1 are handled through q clipped at 1e-12 inside the
searches (a 1e-12 relative change); reported objectives use the exact q.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, linprog, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

from shieldlab.battle.wta_instance import (
    F64,
    I64,
    WtaProblem,
    WtaSolution,
    read_wta_instance,
    relative_gap,
)

__all__ = [
    "WtaProblem",
    "WtaSolution",
    "brute_force_wta",
    "lns",
    "local_search",
    "mmr_greedy",
    "read_wta_instance",
    "solve_wta",
]

Q_MIN = 1e-12
"""Floor on q = 1 − p inside the searches (keeps S_t / q finite when p = 1)."""
IMPROVE_TOL = 1e-12
"""Relative improvement a local-search step must bring (of the current objective)."""
GAP_TOL = 1e-6
"""Relative gap under which a solution is reported ``optimal``."""
LNS_SHARE = 0.15
"""Share of the time limit spent in ``lns`` by "auto" before the MILP (it plateaus in seconds)."""
FINE_WINDOW = 4.0
"""Restricted MILP: tangents every h only for L_t ≥ L_t(incumbent) − FINE_WINDOW, every 2
below (fewer rows; any tangent set still under-estimates, so only speed changes)."""


def _q(problem: WtaProblem) -> F64:
    """Survival per shot q (W, T), clipped at Q_MIN; 1 on infeasible pairs."""
    return np.where(problem.feasible, np.maximum(1.0 - problem.pk, Q_MIN), 1.0)


def mmr_greedy(problem: WtaProblem) -> I64:
    """Maximum-marginal-return greedy assignment x (W, T).

    Each step gives one unit (w, t) maximising v_t S_t p_wt among types with
    units left; S_t is updated and only column t recomputed. Ties go to the
    lowest flat index (deterministic). Stops when no unit removes any value.
    """
    q = _q(problem)
    p = 1.0 - q
    v = problem.values
    left = problem.units.astype(np.int64).copy()
    s = np.ones(problem.n_targets)
    x = np.zeros(problem.pk.shape, dtype=np.int64)
    gain = (v * s)[None, :] * p
    gain[left <= 0, :] = -1.0
    for _ in range(int(left.sum())):
        k = int(np.argmax(gain))
        w, t = divmod(k, problem.n_targets)
        if not gain[w, t] > 0.0:
            break
        x[w, t] += 1
        left[w] -= 1
        s[t] *= q[w, t]
        gain[:, t] = v[t] * s[t] * p[:, t]
        gain[left <= 0, :] = -1.0
    return x


def _best_move(x: I64, q: F64, v: F64, s: F64, left: I64) -> tuple[float, int, int, int]:
    """Best single-unit move (delta, w, t_from, t_to); t_from = −1 adds an unused unit."""
    p = 1.0 - q
    gain = (v * s)[None, :] * p  # (W, T) value removed by one more unit of w on t
    n_t = q.shape[1]
    # top two gains per weapon, so that t_to ≠ t_from is always available
    if n_t >= 2:
        top2 = np.argpartition(-gain, 1, axis=1)[:, :2]
        g2 = np.take_along_axis(gain, top2, axis=1)
        order = np.argsort(-g2, axis=1, kind="stable")
        top2 = np.take_along_axis(top2, order, axis=1)
        g2 = np.take_along_axis(g2, order, axis=1)
    else:
        top2 = np.zeros((q.shape[0], 2), dtype=np.int64)
        g2 = np.concatenate([gain, np.full_like(gain, -np.inf)], axis=1)
    best = (0.0, -1, -1, -1)
    # adding an unused unit (never worse)
    has_left = left > 0
    if np.any(has_left):
        cand = np.where(has_left, g2[:, 0], -np.inf)
        w = int(np.argmax(cand))
        if cand[w] > 0.0:
            best = (-float(cand[w]), w, -1, int(top2[w, 0]))
    wi, ti = np.nonzero(x)
    if wi.size:
        loss = v[ti] * s[ti] * (1.0 / q[wi, ti] - 1.0)  # value returned by removing the unit
        same = top2[wi, 0] == ti
        to = np.where(same, top2[wi, 1], top2[wi, 0])
        g = np.where(same, g2[wi, 1], g2[wi, 0])
        delta = loss - g
        k = int(np.argmin(delta))
        if delta[k] < best[0]:
            best = (float(delta[k]), int(wi[k]), int(ti[k]), int(to[k]))
    return best


def _best_swap(x: I64, q: F64, v: F64, s: F64) -> tuple[float, int, int, int, int]:
    """Best exchange of targets between two units of different types (delta, w1, t1, w2, t2)."""
    wi, ti = np.nonzero(x)
    if wi.size < 2:
        return (0.0, -1, -1, -1, -1)
    # a[i, j]: change of target t_i's term when unit i leaves it and a unit of w_j arrives
    a = (v[ti] * s[ti])[:, None] * (q[wi[None, :], ti[:, None]] / q[wi, ti][:, None] - 1.0)
    delta = a + a.T
    delta[(ti[:, None] == ti[None, :]) | (wi[:, None] == wi[None, :])] = np.inf
    k = int(np.argmin(delta))
    i, j = divmod(k, wi.size)
    return (float(delta[i, j]), int(wi[i]), int(ti[i]), int(wi[j]), int(ti[j]))


def local_search(problem: WtaProblem, x0: I64, deadline_s: float = np.inf) -> I64:
    """Best-improvement local search from x0 over moves and swaps (see module docstring).

    deadline_s is a ``time.perf_counter()`` value at which the search stops.
    """
    q = _q(problem)
    v = problem.values
    x = np.array(x0, dtype=np.int64)
    s = np.prod(q**x, axis=0)
    left = problem.units - x.sum(axis=1)
    while time.perf_counter() < deadline_s:
        tol = IMPROVE_TOL * max(float(v @ s), 1e-300)
        d, w, t_from, t_to = _best_move(x, q, v, s, left)
        if d < -tol:
            if t_from >= 0:
                x[w, t_from] -= 1
                s[t_from] /= q[w, t_from]
            else:
                left[w] -= 1
            x[w, t_to] += 1
            s[t_to] *= q[w, t_to]
            continue
        d, w1, t1, w2, t2 = _best_swap(x, q, v, s)
        if d < -tol:
            x[w1, t1] -= 1
            x[w2, t2] -= 1
            x[w1, t2] += 1
            x[w2, t1] += 1
            s[t1] *= q[w2, t1] / q[w1, t1]
            s[t2] *= q[w1, t2] / q[w2, t2]
            continue
        # refresh S from scratch (drift of the running products), stop if nothing moves
        s = np.prod(q**x, axis=0)
        break
    return x


def brute_force_wta(problem: WtaProblem) -> tuple[I64, float]:
    """Exact optimum by enumerating every assignment (reference path for small cases).

    Enumerates, per weapon type, every way to spread its units over the
    feasible targets (all units used: F never increases when a unit is added).
    Cost grows as Π_w C(T + μ_w − 1, μ_w); meant for W·T ≲ 16, μ ≤ 3.
    """
    import itertools

    per_weapon: list[list[I64]] = []
    for w in range(problem.n_weapons):
        rows: list[I64] = []
        targets = np.flatnonzero(problem.feasible[w])
        n_units = int(problem.units[w]) if targets.size else 0
        for combo in itertools.combinations_with_replacement(targets.tolist(), n_units):
            row = np.zeros(problem.n_targets, dtype=np.int64)
            np.add.at(row, list(combo), 1)
            rows.append(row)
        per_weapon.append(rows)
    best_x = np.zeros(problem.pk.shape, dtype=np.int64)
    best_f = np.inf
    for rows_combo in itertools.product(*per_weapon):
        x = np.stack(rows_combo)
        f = problem.objective(x)
        if f < best_f:
            best_f, best_x = f, x
    return best_x, float(best_f)


def lns(problem: WtaProblem, x0: I64, deadline_s: float, rng: np.random.Generator) -> I64:
    """Large-neighbourhood search: lift a random set of units, reassign them optimally.

    With the other units fixed (survival S_rest), giving the lifted units to
    distinct targets is a linear assignment problem with gain v_t S_rest,t p_wt,
    solved exactly (``scipy.optimize.linear_sum_assignment``); this is the
    assignment-based very-large-scale neighbourhood of Ahuja et al. (2007).
    Odd rounds lift at most one unit per target (keeps stacked salvos), even
    rounds any units; 15-70 % of them. Improvements are polished by
    ``local_search``; stops at ``deadline_s`` (``time.perf_counter()``).
    """
    q = _q(problem)
    v = problem.values
    x = np.array(x0, dtype=np.int64)
    f = float(v @ np.prod(q**x, axis=0))
    it = 0
    while time.perf_counter() < deadline_s:
        it += 1
        wi, ti = np.nonzero(x)
        cnt = x[wi, ti]
        uw, ut = np.repeat(wi, cnt), np.repeat(ti, cnt)
        if uw.size < 2:
            break
        if it % 2:
            perm = rng.permutation(uw.size)
            _, first = np.unique(ut[perm], return_index=True)
            cand = perm[first]
        else:
            cand = np.arange(uw.size)
        k = min(problem.n_targets, cand.size, max(2, int(rng.uniform(0.15, 0.7) * cand.size)))
        sel = rng.choice(cand, size=k, replace=False)
        lw, lt = uw[sel], ut[sel]
        x2 = x.copy()
        np.subtract.at(x2, (lw, lt), 1)
        s_rest = np.prod(q**x2, axis=0)
        gain = (v * s_rest)[None, :] * (1.0 - q[lw])
        r, c = linear_sum_assignment(gain, maximize=True)
        np.add.at(x2, (lw[r], c), 1)
        f2 = float(v @ np.prod(q**x2, axis=0))
        if f2 < f - IMPROVE_TOL * f:
            x = local_search(problem, x2, deadline_s)
            f = float(v @ np.prod(q**x, axis=0))
    return x


def _candidates(problem: WtaProblem, x: I64, k: int) -> NDArray[np.bool_]:
    """Candidate pairs (W, T): each type's k strongest targets, each target's k strongest types."""
    q = _q(problem)
    strength = -np.log(q)  # kill strength −ln q ≥ 0
    w_count, t_count = q.shape
    if k >= t_count and k >= w_count:
        return problem.feasible.copy()
    cand = x > 0
    if k < t_count:
        top = np.argpartition(-strength, k - 1, axis=1)[:, :k]
        np.put_along_axis(cand, top, True, axis=1)
    else:
        cand[:] = True
    if k < w_count:
        top = np.argpartition(-strength, k - 1, axis=0)[:k, :]
        np.put_along_axis(cand, top, True, axis=0)
    else:
        cand[:] = True
    return cand & problem.feasible & (strength > 0)


def _tangent_rows(
    v: F64, lq: F64, pair_t: I64, points: list[F64], n_cols: int
) -> tuple[csr_matrix, F64]:
    """Tangent cuts y_t − v_t e^a Σ lq x ≥ v_t e^a (1 − a) for each target t and a in points[t].

    Columns: pair variables first (lq, pair_t per pair), then y_t (one per target).
    """
    n_pairs = lq.size
    t_count = v.size
    order = np.argsort(pair_t, kind="stable")
    starts = np.searchsorted(pair_t[order], np.arange(t_count + 1))
    rows: list[I64] = []
    cols: list[I64] = []
    vals: list[F64] = []
    rhs: list[F64] = []
    r0 = 0
    for t in range(t_count):
        a = np.asarray(points[t], dtype=np.float64)
        if a.size == 0:
            continue
        idx = order[starts[t] : starts[t + 1]]
        c = v[t] * np.exp(a)  # (m,)
        m = a.size
        rr = r0 + np.arange(m)
        rows += [np.repeat(rr, idx.size), rr]
        cols += [np.tile(idx, m), np.full(m, n_pairs + t)]
        vals += [(-c[:, None] * lq[idx][None, :]).reshape(-1), np.ones(m)]
        rhs.append(c * (1.0 - a))
        r0 += m
    mat = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r0, n_cols)
    ).tocsr()
    return mat, np.concatenate(rhs)


def _grid(
    l_min: float, l_inc: Iterable[float], h: float, l_fine: float = -np.inf, h_coarse: float = 2.0
) -> F64:
    """Tangent points: 0, −h, −2h … down to max(l_min, l_fine), spacing h_coarse below
    that down to l_min, plus the given points (any set of tangents under-estimates)."""
    lo = max(l_min, l_fine)
    fine = np.arange(0.0, lo - h, -h)
    coarse = np.arange(fine[-1] - h_coarse, l_min - h_coarse, -h_coarse)
    return np.unique(np.concatenate([fine, coarse, np.asarray(list(l_inc), dtype=np.float64)]))


def _oa_milp(
    problem: WtaProblem,
    cand: NDArray[np.bool_],
    incumbents: list[I64],
    time_limit_s: float,
    h: float = 0.3,
    integral: bool = True,
    window: float = np.inf,
) -> tuple[I64 | None, float]:
    """Solve the outer-approximation MILP (or LP if not integral) on the candidate pairs.

    Returns (assignment or None, HiGHS dual bound on the OA problem). When
    ``cand`` holds every pair with p > 0 the bound is a lower bound on F*.
    """
    q = _q(problem)
    v = problem.values
    w_count, t_count = q.shape
    pw, pt = np.nonzero(cand)
    n = pw.size
    lq = np.log(q[pw, pt])
    umax = problem.units[pw].astype(np.float64)
    l_min = np.maximum(
        np.minimum(np.bincount(pt, weights=lq * umax, minlength=t_count), 0.0), -40.0
    )
    lq_full = np.log(q)
    l_inc = [(lq_full * xi).sum(axis=0) for xi in incumbents]
    l_fine = np.min(l_inc, axis=0) - window if incumbents and np.isfinite(window) else l_min
    points = [_grid(l_min[t], [li[t] for li in l_inc], h, l_fine[t]) for t in range(t_count)]
    cut, rhs = _tangent_rows(v, lq, pt, points, n + t_count)
    cap = coo_matrix((np.ones(n), (pw, np.arange(n))), shape=(w_count, n + t_count))
    cost = np.concatenate([np.zeros(n), np.ones(t_count)])
    bounds = Bounds(np.zeros(n + t_count), np.concatenate([umax, np.full(t_count, np.inf)]))
    cons = [
        LinearConstraint(cut, rhs, np.inf),
        LinearConstraint(cap, -np.inf, problem.units.astype(np.float64)),
    ]
    if not integral:
        res = linprog(
            cost,
            A_ub=-cut,
            b_ub=-rhs,
            A_eq=None,
            bounds=list(zip(bounds.lb, bounds.ub, strict=True)),
            method="highs",
            options={"time_limit": max(time_limit_s, 0.1)},
        )
        if res.status != 0:
            return None, float("nan")
        return None, float(res.fun)
    integ = np.concatenate([np.ones(n), np.zeros(t_count)])
    res = milp(
        cost,
        constraints=cons,
        integrality=integ,
        bounds=bounds,
        options={"time_limit": max(time_limit_s, 0.1), "mip_rel_gap": GAP_TOL},
    )
    dual = getattr(res, "mip_dual_bound", None)
    bound = float(dual) if dual is not None and np.isfinite(dual) else float("nan")
    if res.x is None:
        return None, bound
    x = np.zeros((w_count, t_count), dtype=np.int64)
    x[pw, pt] = np.round(res.x[:n]).astype(np.int64)
    return x, bound


def _lp_lower_bound(problem: WtaProblem, x_inc: I64, deadline_s: float, rounds: int = 8) -> float:
    """Lower bound on F* from the continuous relaxation by Kelley's cutting planes (HiGHS LP).

    Tangents at the incumbent and at a coarse grid, then at each LP solution's
    L_t; every LP optimum is a valid bound (tangents under-estimate a convex
    function), the last and highest is returned.
    """
    q = _q(problem)
    v = problem.values
    w_count, t_count = q.shape
    cand = problem.feasible & (q < 1.0)
    pw, pt = np.nonzero(cand)
    n = pw.size
    if n == 0:
        return float(v.sum())
    lq = np.log(q[pw, pt])
    umax = problem.units[pw].astype(np.float64)
    lq_full = np.log(q)
    l_inc = (lq_full * x_inc).sum(axis=0)
    l_min = np.maximum(
        np.minimum(np.bincount(pt, weights=lq * umax, minlength=t_count), 0.0), -40.0
    )
    points = [_grid(l_min[t], [l_inc[t]], 2.0) for t in range(t_count)]
    cap = coo_matrix((np.ones(n), (pw, np.arange(n))), shape=(w_count, n + t_count)).tocsr()
    cost = np.concatenate([np.zeros(n), np.ones(t_count)])
    bnds = np.stack([np.zeros(n + t_count), np.concatenate([umax, np.full(t_count, np.inf)])], 1)
    best = float("nan")
    for _ in range(rounds):
        left = deadline_s - time.perf_counter()
        if left <= 0.05:
            break
        cut, rhs = _tangent_rows(v, lq, pt, points, n + t_count)
        res = linprog(
            cost,
            A_ub=vstack([-cut, cap]).tocsr(),
            b_ub=np.concatenate([-rhs, problem.units.astype(np.float64)]),
            bounds=bnds,
            method="highs",
            options={"time_limit": left},
        )
        if res.status != 0:
            break
        best = float(res.fun) if not np.isfinite(best) else max(best, float(res.fun))
        l_lp = np.bincount(pt, weights=lq * res.x[:n], minlength=t_count)
        points = [np.append(points[t], l_lp[t]) for t in range(t_count)]
    return best


Method = Literal["auto", "mmr", "milp"]


def solve_wta(
    problem: WtaProblem,
    method: Method = "auto",
    time_limit_s: float = 30.0,
    seed: int = 0,
    full_milp_pairs: int = 2500,
) -> WtaSolution:
    """Solve a static WTA problem (methods and sources in the module docstring).

    method : "mmr" — greedy + local search only (milliseconds, no bound);
             "milp" — outer-approximation MILP (full when W·T ≤ ``full_milp_pairs``,
             else on candidate pairs) started from the MMR solution, with a bound;
             "auto" — MMR, large-neighbourhood search (``LNS_SHARE`` of the time),
             then the MILP, all within ``time_limit_s``.
    seed : seeds the large-neighbourhood search (``numpy.random.default_rng``).
    Results of "auto"/"milp" depend on the time limit and the machine's speed.
    """
    if method not in ("auto", "mmr", "milp"):
        raise ValueError(f"method: expected 'auto', 'mmr' or 'milp', got {method!r}")
    if not time_limit_s > 0:
        raise ValueError(f"time_limit_s: expected > 0, got {time_limit_s}")
    t0 = time.perf_counter()
    end = t0 + time_limit_s
    x = local_search(problem, mmr_greedy(problem), end)
    f = problem.objective(x)
    if method == "mmr":
        return WtaSolution(
            x, f, float("nan"), float("nan"), time.perf_counter() - t0, "mmr", "heuristic"
        )
    if method == "auto":
        x = lns(problem, x, t0 + LNS_SHARE * time_limit_s, np.random.default_rng(seed))
        f = problem.objective(x)
    n_pairs = int(np.count_nonzero(problem.feasible & (problem.pk > 0)))
    full = n_pairs <= full_milp_pairs
    lb = float("nan")
    if full:
        cand = problem.feasible & (_q(problem) < 1.0)
        milp_end = end
    else:
        cand = _candidates(problem, x, 6)
        milp_end = t0 + 0.85 * time_limit_s
    incumbents = [x]
    while True:
        # Kelley loop: each MILP adds tangents at the previous MILP solutions
        x_m, bound = _oa_milp(
            problem,
            cand,
            incumbents,
            milp_end - time.perf_counter(),
            window=np.inf if full else FINE_WINDOW,
        )
        if full and np.isfinite(bound):
            lb = bound if not np.isfinite(lb) else max(lb, bound)
        if x_m is None:
            break
        new = not any(np.array_equal(x_m, xi) for xi in incumbents)
        incumbents.append(x_m)
        x_m = local_search(problem, x_m, end + 0.05 * time_limit_s)
        f_m = problem.objective(x_m)
        if f_m < f:
            x, f = x_m, f_m
        done = np.isfinite(lb) and relative_gap(f, lb) <= GAP_TOL
        left = milp_end - time.perf_counter()
        if not new or done or left < (0.05 if full else 0.1 * time_limit_s):
            break
    if not full:
        lb = _lp_lower_bound(problem, x, end)
    if np.isfinite(lb):
        lb = min(lb, f)
    gap = relative_gap(f, lb)
    status = "optimal" if np.isfinite(gap) and gap <= GAP_TOL else "feasible"
    problem.check(x)
    return WtaSolution(x, f, lb, gap, time.perf_counter() - t0, method, status)
