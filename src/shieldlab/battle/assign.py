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
