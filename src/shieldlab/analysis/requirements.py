"""Capabilities-based requirements: the threshold of each capability at which a goal is met.

For the recommended design and each goal, one capability at a time is moved
away from its design value, the others held, and the analytic model
(:mod:`.analytic`) is evaluated on a grid of values in one vectorised call;
the threshold is the least demanding value on the grid at which the goal is
still met (the model is monotone in each capability). The margin is design /
threshold (threshold / design for a capability where less is better). The
capabilities:

* **single-shot Pk** of each interceptor layer, and of the boost layer;
* **rounds** of each interceptor layer (inventory);
* **SBI carriers** of the boost layer (the count per simultaneous launch in
  reach follows from the absentee ratio);
* **custody and fire-control quality**: the probability that an object in a
  layer's window is engaged (all layers scaled together);
* **kill assessment**: the probability that a look judges a shot right;
* **discrimination**: the probability that a decoy in the window draws a salvo
  (less is better);
* **sensor-to-shooter time**: extra delay on every timeline, found by
  rebuilding the geometry (:func:`~.scenario_model.build_model`) at a few delays.

A threshold of None means the goal is met over the whole range (the
capability does not bind); "unmet" means the goal is not met even at the
design value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.analysis.analytic import KIND_BOOST, KIND_INTERCEPTOR
from shieldlab.analysis.plan_file import Goal, LoadedPlan
from shieldlab.analysis.scenario_model import build_model
from shieldlab.analysis.trade import TierModel, effectiveness, knobs, metric_of

F64 = NDArray[np.float64]
GRID = 201
DELAYS_S = (30.0, 60.0, 120.0, 240.0)
"""Extra sensor-to-shooter delays tried for the timeline requirement [s]."""


def _threshold(values: F64, met: NDArray[np.bool_], more_is_better: bool) -> float | None:
    """Least demanding value at which the goal is met, scanning from the design end."""
    if not met.any():
        return np.nan
    if met.all():
        return None
    order = np.argsort(values)
    v, m = values[order], met[order]
    if more_is_better:  # met for v ≥ threshold: smallest v of the met run at the top
        bad = np.flatnonzero(~m)
        return float(v[bad[-1] + 1]) if bad[-1] + 1 < v.size else np.nan
    bad = np.flatnonzero(~m)
    return float(v[bad[0] - 1]) if bad[0] > 0 else np.nan


def _row(
    goal: Goal,
    capability: str,
    unit: str,
    design: float,
    values: F64,
    metric: F64,
    more_is_better: bool = True,
    note: str = "",
) -> dict[str, Any]:
    met = np.array([goal.met(float(x)) for x in metric])
    thr = _threshold(values, met, more_is_better)
    if thr is not None and np.isnan(thr):
        return {
            "goal": goal.label,
            "capability": capability,
            "unit": unit,
            "design_value": design,
            "threshold": None,
            "margin": None,
            "note": "goal unmet at the design value" + (f"; {note}" if note else ""),
        }
    margin = None
    if thr is not None and thr > 0:
        margin = design / thr if more_is_better else (thr / design if design > 0 else None)
    return {
        "goal": goal.label,
        "capability": capability,
        "unit": unit,
        "design_value": design,
        "threshold": thr,
        "margin": margin,
        "note": note
        if thr is not None
        else "not binding over the range" + (f"; {note}" if note else ""),
    }


def requirements(
    lp: LoadedPlan,
    tiers: list[TierModel],
    design: F64,
    with_timeline: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Rows {goal, capability, unit, design_value, threshold, margin, note} (module docstring)."""
    year = lp.plan.tiers.design_year
    rows: list[dict[str, Any]] = []
    by_tier = {t.tier: t for t in tiers}
    for goal in lp.plan.goals:
        tm = by_tier[goal.tier]
        m = tm.model
        names = m.layer_names
        n_l = len(names)
        q = np.repeat(np.atleast_2d(design), GRID, axis=0)
        rounds, carriers = knobs(lp, m, design[None, :])
        s = np.linspace(0.0, 1.0, GRID)

        def run(tm: TierModel = tm, q: F64 = q, goal: Goal = goal, **kw: Any) -> F64:
            return metric_of(effectiveness(lp, tm, q, year, **kw), goal.metric)

        for l_i, info in enumerate(m.layers):
            if info.kind not in (KIND_INTERCEPTOR, KIND_BOOST) or not m.reach[:, l_i].any():
                continue
            scale = np.ones((GRID, n_l))
            scale[:, l_i] = s
            pk0 = float(np.max(m.pk[:, l_i]))
            rows.append(
                _row(goal, f"{info.name} single-shot Pk", "", pk0, s * pk0, run(pk_scale=scale))
            )
            if info.kind == KIND_INTERCEPTOR:
                r0 = float(rounds[0, l_i])
                vals = np.linspace(0.0, max(r0, 1.0), GRID)
                rr = np.repeat(rounds, GRID, axis=0)
                rr[:, l_i] = np.round(vals)
                out = metric_of(
                    _eval(lp, tm, year, rounds=rr, carriers=np.repeat(carriers, GRID, 0)),
                    goal.metric,
                )
                rows.append(_row(goal, f"{info.name} rounds", "interceptors", r0, rr[:, l_i], out))
            else:
                c0 = float(carriers[0, l_i])
                vals = np.round(np.linspace(0.0, max(c0, 1.0), GRID))
                cc = np.repeat(carriers, GRID, axis=0)
                cc[:, l_i] = vals
                out = metric_of(
                    _eval(lp, tm, year, rounds=np.repeat(rounds, GRID, 0), carriers=cc),
                    goal.metric,
                )
                f_bar = float(np.mean(m.f_reach[:, l_i]))
                rows.append(
                    _row(
                        goal,
                        "SBI carriers",
                        "satellites",
                        c0,
                        vals,
                        out,
                        note=f"{f_bar * c0:.1f} in reach of a launch at the design size",
                    )
                )
        eng = np.repeat(s[:, None], n_l, axis=1)
        rows.append(
            _row(
                goal,
                "custody and fire-control quality",
                "P(engaged | in window)",
                1.0,
                s,
                run(p_engage_scale=eng),
            )
        )
        for l_i, info in enumerate(m.layers):
            on = (m.reach[:, l_i] > 0) & (m.looks[:, l_i] > 1)
            if info.kind != KIND_INTERCEPTOR or not on.any():
                continue
            ka0 = float(np.mean(m.p_ka[on, l_i]))
            ka = np.linspace(0.5, 1.0, GRID)
            arr = np.repeat(m.p_ka[None], GRID, axis=0)
            arr[:, :, l_i] = np.where(on[None, :], ka[:, None], arr[:, :, l_i])
            rows.append(
                _row(
                    goal,
                    f"{info.name} kill assessment",
                    "P(correct)",
                    ka0,
                    ka,
                    run(p_ka=arr),
                    note="design value: mean over the planned intercepts with a look",
                )
            )
            dec = (m.decoys > 0) & (m.reach[:, l_i] > 0)
            if dec.any():
                d0 = float(np.mean(m.p_decoy[dec, l_i]))
                dv = np.linspace(0.0, 1.0, GRID)
                arr = np.repeat(m.p_decoy[None], GRID, axis=0)
                arr[:, :, l_i] = np.where(dec[None, :], dv[:, None], arr[:, :, l_i])
                rows.append(
                    _row(
                        goal,
                        f"{info.name} discrimination",
                        "P(decoy engaged)",
                        d0,
                        dv,
                        run(p_decoy=arr),
                        more_is_better=False,
                    )
                )
        if with_timeline:
            rows.append(_timeline_row(lp, tm, goal, design, year))
            if progress:
                progress(goal.label)
    return rows


def _eval(lp: LoadedPlan, tm: TierModel, year: int, rounds: F64, carriers: F64) -> Any:
    from shieldlab.analysis.analytic import evaluate

    return evaluate(tm.model.inputs(tm.scale(year)[None, :], rounds=rounds, carriers=carriers))


def _timeline_row(
    lp: LoadedPlan, tm: TierModel, goal: Goal, design: F64, year: int
) -> dict[str, Any]:
    """Largest extra sensor-to-shooter delay (of :data:`DELAYS_S`) still meeting the goal."""
    vals = [0.0]
    out = [float(metric_of(effectiveness(lp, tm, design[None, :], year), goal.metric)[0])]
    for d in DELAYS_S:
        m = build_model(tm.loaded, extra_delay_s=d)
        t2 = TierModel(tm.tier, tm.loaded, m, tm.flown)
        out.append(float(metric_of(effectiveness(lp, t2, design[None, :], year), goal.metric)[0]))
        vals.append(d)
        if not goal.met(out[-1]):
            break
    met = [goal.met(x) for x in out]
    if not met[0]:
        thr: float | None = None
        note = "goal unmet at the design timeline"
    elif all(met):
        thr, note = vals[-1], f"met with every delay tried: at least +{vals[-1]:g} s"
    else:
        thr = vals[met.index(False) - 1]
        note = f"unmet with {vals[met.index(False)]:g} s more"
    return {
        "goal": goal.label,
        "capability": "sensor-to-shooter time",
        "unit": "s added to every timeline",
        "design_value": 0.0,
        "threshold": thr,
        "margin": None,
        "note": note,
    }


__all__ = ["DELAYS_S", "requirements"]
