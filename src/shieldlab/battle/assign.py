"""Weapon-target assignment: greedy by threat value (the skeleton battle manager's rule).

Rule (``greedy_assign``)
------------------------
1. Threats with value ≤ 0 (threatening no defended asset) get nothing.
2. The others are served one at a time in descending value; ties are broken
   by the earlier priority time (predicted impact), then by the lower index
   (deterministic).
3. Each threat receives up to ``shots_per_threat`` interceptors. Shot by
   shot, the site is the feasible one with inventory left whose intercept
   time is earliest (keeps battle space for a second look); ties go to the
   lower site index. Once a site's inventory is spent the next shots move to
   the next-earliest feasible site, so a salvo spreads across sites only when
   it must. A threat with no feasible site holding inventory is skipped; a
   threat may get fewer shots than asked when inventory runs out.

This is the greedy heuristic of the weapon-target assignment literature
(Ahuja et al., *Oper. Res.* 55(6), 2007, the "maximum marginal return" family
restricted to a fixed salvo size). With one site, a uniform Pk and one shot
per threat it maximises the expected destroyed value; with larger salvos it
need not (the tests show a counter-example), which is what the exact solvers
to come are for. Python loops run over threats and shots of one decision
epoch (small), not over time steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Assignment:
    """Result of an assignment: one row per interceptor committed.

    threat_index, site_index: (m,) int; inventory: (s,) inventory left after it.
    Rows are in assignment order (highest-priority threat first).
    """

    threat_index: I64
    site_index: I64
    inventory: I64

    def shots_per_threat(self, n_threats: int) -> I64:
        """Number of interceptors assigned to each of ``n_threats`` threats (n,)."""
        return np.bincount(self.threat_index, minlength=n_threats).astype(np.int64)


def greedy_assign(
    threat_value: ArrayLike,
    threat_priority_time_s: ArrayLike,
    feasible: ArrayLike,
    t_intercept_s: ArrayLike,
    inventory: ArrayLike,
    shots_per_threat: int | ArrayLike = 1,
) -> Assignment:
    """Greedy assignment of interceptors to threats (rule in the module docstring).

    Parameters
    ----------
    threat_value : (n,) value of the asset each threat threatens (0: none).
    threat_priority_time_s : (n,) tie-break time [s], e.g. predicted impact (earlier first).
    feasible : (n, s) bool — site j can intercept threat i.
    t_intercept_s : (n, s) intercept time [s] of site j on threat i (ignored where infeasible).
    inventory : (s,) interceptors available per site.
    shots_per_threat : int or (n,) ints — salvo size wanted per threat.
    """
    value = np.asarray(threat_value, dtype=np.float64).reshape(-1)
    n = value.size
    prio = np.asarray(threat_priority_time_s, dtype=np.float64).reshape(-1)
    feas = np.asarray(feasible, dtype=bool).reshape(n, -1)
    s = feas.shape[1]
    t_int = np.asarray(t_intercept_s, dtype=np.float64).reshape(n, s)
    inv = np.asarray(inventory, dtype=np.int64).reshape(-1).copy()
    if inv.size != s:
        raise ValueError(f"inventory has {inv.size} sites, feasible has {s}")
    shots = np.broadcast_to(np.asarray(shots_per_threat, dtype=np.int64), (n,))

    # order: value descending, then priority time ascending (NaN last), then index
    prio_key = np.where(np.isnan(prio), np.inf, prio)
    order = np.lexsort((np.arange(n), prio_key, -value))
    # per-threat site preference: earliest intercept time among feasible sites
    t_key = np.where(feas & np.isfinite(t_int), t_int, np.inf)
    t_key = np.where(feas & ~np.isfinite(t_int), np.finfo(np.float64).max, t_key)

    threats: list[int] = []
    sites: list[int] = []
    for i in order:
        if not value[i] > 0:
            continue
        want = int(shots[i])
        if want <= 0:
            continue
        pref = np.lexsort((np.arange(s), t_key[i]))
        for j in pref:
            if want == 0:
                break
            if not feas[i, j] or inv[j] <= 0:
                continue
            take = min(want, int(inv[j]))
            threats.extend([int(i)] * take)
            sites.extend([int(j)] * take)
            inv[j] -= take
            want -= take
    return Assignment(
        threat_index=np.asarray(threats, dtype=np.int64),
        site_index=np.asarray(sites, dtype=np.int64),
        inventory=inv,
    )


def _mmr_capped(value: F64, p: F64, inv: I64, cap: int) -> I64:
    """Maximum-marginal-return greedy with site capacities and a per-threat cap."""
    n, s = p.shape
    x = np.zeros((n, s), dtype=np.int64)
    q = 1.0 - p
    while True:  # one unit per pass (units of an epoch: a handful)
        gain = (value * np.prod(q**x, axis=1))[:, None] * p
        ok = (p > 0) & (x.sum(axis=0) < inv)[None, :] & (x.sum(axis=1) < cap)[:, None]
        gain = np.where(ok, gain, 0.0)
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[i, j] <= 1e-15:
            return x
        x[i, j] += 1


def _improve(value: F64, q: F64, p: F64, inv: I64, cap: int, x0: I64) -> I64:
    """Best-improvement local search: move one unit to another (threat, site) pair
    (or add an unused one), or swap the sites of two units on different threats."""
    x = x0.copy()

    def f_of(xx: I64) -> float:
        return float(value @ np.prod(q**xx, axis=1))

    f = f_of(x)
    while True:
        best_f, best_x = f - 1e-12, None
        add = (p > 0) & (x.sum(axis=0) < inv)[None, :] & (x.sum(axis=1) < cap)[:, None]
        for k, l_ in zip(*np.nonzero(add), strict=True):  # add an unused unit
            x[k, l_] += 1
            fx = f_of(x)
            if fx < best_f:
                best_f, best_x = fx, x.copy()
            x[k, l_] -= 1
        cells = list(zip(*np.nonzero(x), strict=True))
        for i, j in cells:  # move one unit
            x[i, j] -= 1
            room = (p > 0) & (x.sum(axis=0) < inv)[None, :] & (x.sum(axis=1) < cap)[:, None]
            for k, l_ in zip(*np.nonzero(room), strict=True):
                x[k, l_] += 1
                fx = f_of(x)
                if fx < best_f:
                    best_f, best_x = fx, x.copy()
                x[k, l_] -= 1
            x[i, j] += 1
        for a, (i, j) in enumerate(cells):  # swap sites of two units
            for k, l_ in cells[a + 1 :]:
                if i == k or j == l_ or p[i, l_] <= 0 or p[k, j] <= 0:
                    continue
                x[i, j] -= 1
                x[k, l_] -= 1
                x[i, l_] += 1
                x[k, j] += 1
                fx = f_of(x)
                if fx < best_f:
                    best_f, best_x = fx, x.copy()
                x[i, j] += 1
                x[k, l_] += 1
                x[i, l_] -= 1
                x[k, j] -= 1
        if best_x is None:
            return x
        x, f = best_x, best_f


def wta_assign(
    threat_value: ArrayLike,
    feasible: ArrayLike,
    pk: ArrayLike,
    t_intercept_s: ArrayLike,
    inventory: ArrayLike,
    shots_per_threat: int = 2,
    exact: bool = False,
) -> Assignment:
    """Assignment minimising the expected surviving threat value of one decision epoch.

    Static WTA with a salvo cap: weapons = fire units with their inventory,
    targets = threats with value v_i, single-shot Pk p_ij where feasible;
    minimise F(x) = Σ_i v_i Π_j (1 − p_ij)^x_ij subject to Σ_i x_ij ≤ inventory_j
    and Σ_j x_ij ≤ ``shots_per_threat`` (the doctrine's salvo size). Maximum
    marginal return greedy — add the unit with the largest drop of F while
    capacity and cap allow (den Broeder et al. 1959) — and the greedy rule's
    assignment as two starts, each improved by best-improvement local search
    (add an unused unit, move a unit, swap the sites of two units) until no
    move lowers F (Ahuja et al., Oper. Res. 55(6), 2007); the better result
    is kept, so it is never worse than :func:`greedy_assign`. Deterministic.
    ``exact``: a third start from the outer-approximation MILP of
    :func:`shieldlab.battle.wta.solve_wta` (HiGHS; exact on the small
    problems of an epoch, without the salvo cap, which is then imposed by
    dropping the latest shots and re-improving).
    Rows come in threat order of value, shots of a threat in intercept-time
    order.

    feasible, pk, t_intercept_s: (n, s); threat_value (n,); inventory (s,).
    """
    value = np.maximum(np.asarray(threat_value, dtype=np.float64).reshape(-1), 0.0)
    n = value.size
    feas = np.asarray(feasible, dtype=bool).reshape(n, -1)
    s = feas.shape[1]
    p = np.where(feas, np.clip(np.nan_to_num(np.asarray(pk, dtype=np.float64)), 0.0, 1.0), 0.0)
    t_int = np.asarray(t_intercept_s, dtype=np.float64).reshape(n, s)
    inv = np.maximum(np.asarray(inventory, dtype=np.int64).reshape(-1), 0)
    if inv.size != s:
        raise ValueError(f"inventory has {inv.size} sites, feasible has {s}")
    cap = max(int(shots_per_threat), 0)
    q = 1.0 - p
    starts = [_mmr_capped(value, p, inv, cap)]
    g = greedy_assign(value, np.zeros(n), feas & (p > 0), t_int, inv, cap)
    x_g = np.zeros((n, s), dtype=np.int64)
    np.add.at(x_g, (g.threat_index, g.site_index), 1)
    starts.append(x_g)
    if exact:
        from shieldlab.battle.wta import solve_wta
        from shieldlab.battle.wta_instance import WtaProblem

        sol = solve_wta(
            WtaProblem(value, p.T, inv, feas.T & (p.T > 0)), method="milp", time_limit_s=5.0
        )
        x_m = np.asarray(sol.x, dtype=np.int64).T.copy()
        for i in range(n):  # impose the salvo cap: keep the earliest intercepts
            extra = int(x_m[i].sum()) - cap
            for j in np.argsort(-np.nan_to_num(t_int[i], nan=np.inf), kind="stable"):
                if extra <= 0:
                    break
                take = min(extra, int(x_m[i, j]))
                x_m[i, j] -= take
                extra -= take
        starts.append(x_m)
    best_x, best_f = starts[0], np.inf
    for x0 in starts:  # two starts: MMR and the greedy rule (never worse than greedy)
        x = _improve(value, q, p, inv, cap, x0)
        f = float(value @ np.prod(q**x, axis=1))
        if f < best_f - 1e-12:
            best_x, best_f = x, f
    x = best_x
    threats: list[int] = []
    sites: list[int] = []
    left = inv.copy()
    for i in np.lexsort((np.arange(n), -value)):  # threats of one epoch: a handful
        if not value[i] > 0:
            continue
        for j in np.argsort(t_int[i], kind="stable"):
            for _ in range(int(x[i, j])):
                threats.append(int(i))
                sites.append(int(j))
                left[j] -= 1
    return Assignment(
        threat_index=np.asarray(threats, dtype=np.int64),
        site_index=np.asarray(sites, dtype=np.int64),
        inventory=np.asarray(inventory, dtype=np.int64).reshape(-1) - (inv - left),
    )
