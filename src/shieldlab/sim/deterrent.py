"""The surviving deterrent after a counterforce raid, with the defense as written, with
each layer off and with no defense, and the smallest addition to the defense that
keeps it above a floor (``shieldlab deterrent``).

Method. The scenario's trials are flown by the engine (:func:`run_trials`) once per
variant: the defense as written; each layer it holds switched off in turn (as
:mod:`shieldlab.sim.marginal` does); every layer off ("no defense": every sensor and
defeat layer, so nothing is tracked, engaged or stopped before launch — with no
shooter left the sensors change nothing). Same seed, same trials: the variants
share their random numbers (common random numbers).

Per trial a warhead **arrives** at its aimpoint when it is a lethal object aimed at
a deterrent aimpoint (the object's aimed asset, ``World.aim_asset``, not merely
the asset its impact falls in), it was not killed (in flight, or before launch by
left-of-launch strikes) and its trial impact point lies within the aimpoint's
radius (EW/cyber guidance degradation can move it out). Each arriving warhead then
destroys its aimpoint with probability r·SSPK (:mod:`shieldlab.analysis.deterrent_math`:
the attacker's yield, CEP and reliability, the aimpoint's hardness). The engine
flies every launched missile and models no attacker failures, so the reliability r
enters here only, once. The engine's impact points are the nominal flight's (error
below a metre); the CEP stands for the real accuracy and enters only through SSPK
(collateral damage of a warhead on a neighbouring aimpoint is not counted: the silos
are spaced so one warhead cannot destroy two).

On each engine trial, ``draws_per_trial`` draws of the posture (alert, at sea,
airborne command post) and of the damage are made from the trial's own stream
(``SeedSequence(seed, spawn_key=(2, trial))``, apart from the engine's streams);
the draws are the same in every variant, so a variant's surviving deterrent is,
draw by draw, at most what the defense as written keeps when the layer off only
lets more warheads through. The surviving launchers and warheads follow the rules
of :mod:`shieldlab.analysis.second_strike`. A variant reports the mean and the 5th
percentile over every draw of every trial, the quantiles and the per-trial means;
its difference from the defense as written is paired per trial with a normal 95 %
interval over the trials (:func:`shieldlab.sim.marginal._paired`).

**Smallest addition.** With a ``floor`` (warheads, statistic ``mean`` or ``p5``) and
candidate ``additions`` (interceptors added to a named site in steps up to a
maximum), each candidate is run at its largest step first (failing there: that
candidate cannot keep the floor within its maximum), then at its steps in
ascending order until one keeps the floor. No monotonicity in interceptors is
assumed (with few trials a 5th percentile need not grow with every step: an
assignment changes with the inventory), so the answer is the smallest step tried
that keeps the floor, at the cost of up to one run per step. The smallest addition
is the candidate adding the fewest interceptors; where the defense as written
already keeps the floor none is needed; where no candidate keeps it the result is
infeasible (never 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.analysis.deterrent_math import sspk
from shieldlab.analysis.second_strike import (
    LEGS,
    Laydown,
    destroyed_aimpoints,
    draw_posture,
    survivors,
)
from shieldlab.core.frames import great_circle_distance_m
from shieldlab.scenario import LoadedScenario, Scenario
from shieldlab.scenario.deterrent_schema import DEFAULT_KEY, DeterrentSection
from shieldlab.sim.engine import KILLED, TrialResult
from shieldlab.sim.marginal import _paired, present_layers
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.world import World, build_world, same_raid
from shieldlab.threats import LETHAL_KINDS

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
SECOND_STRIKE_STREAM = 2
"""Top-level spawn key of the posture and damage draws (the raid is 0, the trials 1)."""
Progress = Callable[[int], None]
Announce = Callable[[str, int], None]
"""``announce(label, trials)``: a run of ``trials`` trials is about to start."""


@dataclass(frozen=True)
class Warheads:
    """The world's warheads aimed at the deterrent (J,): object index, aimpoint index,
    r·SSPK at that aimpoint; the aimpoints' centres [rad] and radii [m] (A,)."""

    obj: I64
    aimpoint: I64
    p_kill: F64
    lat_rad: F64
    lon_rad: F64
    radius_m: F64

    @property
    def size(self) -> int:
        """Number of warheads J."""
        return int(self.obj.size)


def deterrent_of(s: Scenario) -> DeterrentSection:
    """The scenario's ``deterrent:`` section (``ValueError`` when it has none)."""
    if s.deterrent is None:
        raise ValueError(
            "no `deterrent:` section: lay out the force the raid strikes "
            "(see scenarios/counterforce.yaml)"
        )
    return s.deterrent


def warheads_of(world: World, lay: Laydown, section: DeterrentSection) -> Warheads:
    """The lethal objects of the world aimed at a deterrent aimpoint, with their r·SSPK."""
    names = world.assets.name
    index = {n: i for i, n in enumerate(names)}
    asset_to_aim = np.full(len(names), -1, np.int64)
    for a, n in enumerate(lay.names):
        asset_to_aim[index[n]] = a
    lethal = np.isin(world.truth.object_kind, LETHAL_KINDS)
    aim = asset_to_aim[world.aim_asset]
    obj = np.flatnonzero(lethal & (aim >= 0)).astype(np.int64)
    ap = aim[obj]
    p = np.zeros(obj.size)
    for k, (j, a) in enumerate(zip(obj.tolist(), ap.tolist(), strict=True)):
        w = section.attacker.get(world.threat_type[j], section.attacker.get(DEFAULT_KEY))
        assert w is not None, "checked on load (deterrent.attacker)"
        p[k] = w.reliability * float(sspk(w.yield_kt, w.cep_m, lay.hardness_psi[a]))
    at = np.array([index[n] for n in lay.names], np.int64)
    return Warheads(
        obj,
        ap,
        p,
        world.assets.lat_rad[at],
        world.assets.lon_rad[at],
        world.assets.radius_m[at],
    )


def arrivals(wh: Warheads, result: TrialResult) -> NDArray[np.bool_]:
    """(J,) the warheads that reached their aimpoint in a trial (module docstring)."""
    if wh.size == 0:
        return np.zeros(0, bool)
    alive = result.status[wh.obj] != KILLED
    d = great_circle_distance_m(
        result.impact_lat_rad[wh.obj],
        result.impact_lon_rad[wh.obj],
        wh.lat_rad[wh.aimpoint],
        wh.lon_rad[wh.aimpoint],
    )
    return np.asarray(alive & (d <= wh.radius_m[wh.aimpoint]))


def draw_rng(seed: int, trial: int) -> np.random.Generator:
    """The posture-and-damage stream of a trial (same in every variant)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(SECOND_STRIKE_STREAM, trial))
    )


def trial_survivors(
    lay: Laydown, wh: Warheads, arrived: NDArray[np.bool_], seed: int, trial: int, draws: int
) -> dict[str, F64]:
    """Per draw (D,) survivors of one trial (:func:`~shieldlab.analysis.second_strike.survivors`)
    given its arrivals; posture first, then the damage uniforms, from the trial's stream."""
    rng = draw_rng(seed, trial)
    posture = draw_posture(lay, draws, rng)
    u = rng.random((draws, wh.size))
    destroyed = destroyed_aimpoints(lay.size, wh.aimpoint, wh.p_kill, arrived, u)
    return survivors(lay, destroyed, posture)


@dataclass(frozen=True)
class Variant:
    """One variant's run: per trial and draw (T, D) of each survivor quantity, and per
    trial the warheads that arrived (T,)."""

    label: str
    disabled: tuple[str, ...]
    per_draw: dict[str, F64]
    arrived: F64
    added: dict[str, int] = field(default_factory=dict)

    def stat(self, key: str, statistic: str) -> float:
        """``mean`` or ``p5`` (5th percentile) of ``key`` over every draw of every trial."""
        x = self.per_draw[key].ravel()
        return float(x.mean()) if statistic == "mean" else float(np.percentile(x, 5.0))

    def trial_means(self, key: str) -> F64:
        """(T,) mean of ``key`` over each trial's draws."""
        return np.asarray(self.per_draw[key].mean(axis=1))

    def summary(self, base: Variant | None = None) -> dict[str, Any]:
        """JSON-ready: ``surviving_launchers`` and ``surviving_warheads`` (mean, p5, by leg,
        quantiles, per-trial means; with ``base``: the paired difference from it),
        P(authority survives), the warheads that arrived."""
        out: dict[str, Any] = {"label": self.label, "layers_off": list(self.disabled)}
        if self.added:
            out["added_interceptors"] = dict(self.added)
        for what in ("launchers", "warheads"):
            x = self.per_draw[what].ravel()
            q = np.percentile(x, [5.0, 25.0, 50.0, 75.0, 95.0])
            d: dict[str, Any] = {
                "mean": float(x.mean()),
                "p5": float(q[0]),
                "by_leg": {g: float(self.per_draw[f"{what}_{g}"].mean()) for g in LEGS},
                "quantiles": dict(zip(("p5", "p25", "p50", "p75", "p95"), q.tolist(), strict=True)),
                "per_trial_mean": self.trial_means(what).tolist(),
            }
            if base is not None:
                m, (lo, hi) = _paired(self.trial_means(what) - base.trial_means(what))
                d["delta_vs_with_defense"] = {"mean": m, "ci95": [lo, hi]}
            out[f"surviving_{what}"] = d
        out["physical_warheads_mean"] = float(self.per_draw["physical_warheads"].mean())
        out["p_command_authority"] = float(self.per_draw["authority"].mean())
        out["warheads_arrived_mean"] = float(self.arrived.mean())
        return out


def _with_layers_off(loaded: LoadedScenario, off: list[str]) -> LoadedScenario:
    s = loaded.scenario
    s2 = s.model_copy(update={"disabled_layers": list(dict.fromkeys([*s.disabled_layers, *off]))})
    return LoadedScenario(s2, loaded.text, loaded.sha256, loaded.path)


def _with_added(loaded: LoadedScenario, site: str, n: int) -> LoadedScenario:
    s = loaded.scenario
    sites = [
        x.model_copy(update={"inventory": x.inventory + n}) if x.name == site else x
        for x in s.interceptor_sites
    ]
    s2 = s.model_copy(update={"interceptor_sites": sites})
    return LoadedScenario(s2, loaded.text, loaded.sha256, loaded.path)


@dataclass
class DeterrentRun:
    """Runs the variants of one scenario (the laydown, the warheads and the trials are
    shared)."""

    loaded: LoadedScenario
    workers: int = 1
    progress: Progress | None = None
    announce: Announce | None = None
    world: World | None = None

    def __post_init__(self) -> None:
        s = self.loaded.scenario
        self.section = deterrent_of(s)
        self.lay = Laydown.from_section(self.section)
        if self.world is None:
            self.world = build_world(self.loaded)
        self.wh = warheads_of(self.world, self.lay, self.section)
        self.trials = s.trials

    def run(
        self,
        label: str,
        loaded: LoadedScenario | None = None,
        world: World | None = None,
        added: dict[str, int] | None = None,
    ) -> Variant:
        """One variant: the trials of ``loaded`` (default: the scenario as written)."""
        ld = loaded or self.loaded
        if self.announce is not None:
            self.announce(label, self.trials)
        if world is None:  # a variant of the same raid: its truth is flown once
            base = self.world
            same = base is not None and same_raid(base.scenario, ld.scenario)
            world = build_world(ld, base if same else None)
        w = world
        s = self.loaded.scenario
        results = run_trials(w, self.trials, self.workers, self.progress)
        draws = self.section.draws_per_trial
        rows: dict[str, list[F64]] = {}
        arrived = np.zeros(len(results))
        for t, r in enumerate(results):
            arr = arrivals(self.wh, r)
            arrived[t] = float(arr.sum())
            for k, v in trial_survivors(self.lay, self.wh, arr, s.seed, r.trial, draws).items():
                rows.setdefault(k, []).append(v)
        return Variant(
            label,
            tuple(ld.scenario.disabled_layers),
            {k: np.stack(v) for k, v in rows.items()},
            arrived,
            dict(added or {}),
        )


def deterrent_variants(
    dr: DeterrentRun, layers: list[str] | None = None
) -> tuple[Variant, Variant, dict[str, Variant]]:
    """(with defense, without defense, {layer: with that layer off})."""
    assert dr.world is not None
    held = present_layers(dr.world)
    chosen = held if layers is None else layers
    for name in chosen:
        if name not in held:
            raise ValueError(
                f"layer {name!r} is not in the scenario; it holds: {', '.join(held) or 'none'}"
            )
    base = dr.run("with defense", world=dr.world)
    none = dr.run("no defense", _with_layers_off(dr.loaded, held))
    off = {name: dr.run(f"{name} off", _with_layers_off(dr.loaded, [name])) for name in chosen}
    return base, none, off


def smallest_addition(dr: DeterrentRun, base: Variant) -> dict[str, Any]:
    """The smallest candidate addition keeping the floor (module docstring).

    ``status``: ``no-floor``, ``met`` (none needed), ``no-candidates``, ``found``
    (``site``, ``interceptors``, ``value``) or ``infeasible``; ``tried`` lists every
    evaluated (site, interceptors added, value, meets)."""
    floor = dr.section.floor
    if floor is None:
        return {"status": "no-floor"}
    stat = floor.statistic
    baseline = base.stat("warheads", stat)
    head = {"floor": floor.warheads, "statistic": stat, "baseline": baseline}
    if baseline >= floor.warheads:
        return head | {"status": "met", "tried": []}
    if not dr.section.additions:
        return head | {"status": "no-candidates", "tried": []}
    tried: list[dict[str, Any]] = []
    cache: dict[tuple[str, int], float] = {}

    def value(site: str, n: int) -> float:
        if (site, n) not in cache:
            v = dr.run(f"+{n} at {site}", _with_added(dr.loaded, site, n), added={site: n})
            cache[(site, n)] = v.stat("warheads", stat)
            tried.append(
                {
                    "site": site,
                    "added": n,
                    "value": cache[(site, n)],
                    "meets": cache[(site, n)] >= floor.warheads,
                }
            )
        return cache[(site, n)]

    best: tuple[int, str, float] | None = None
    for a in dr.section.additions:
        levels = [a.step * k for k in range(1, a.max // a.step + 1)]
        if value(a.site, levels[-1]) < floor.warheads:
            continue
        n = next(x for x in levels if value(a.site, x) >= floor.warheads)
        if best is None or n < best[0]:
            best = (n, a.site, cache[(a.site, n)])
    if best is None:
        adds = dr.section.additions
        largest = ", ".join(f"+{a.max // a.step * a.step} at {a.site}" for a in adds)
        return head | {
            "status": "infeasible",
            "message": f"no candidate keeps {stat} ≥ {floor.warheads:,.0f} warheads ({largest})",
            "tried": tried,
        }
    return head | {
        "status": "found",
        "site": best[1],
        "interceptors": best[0],
        "value": best[2],
        "tried": tried,
    }


def deterrent_analysis(
    loaded: LoadedScenario,
    workers: int = 1,
    progress: Progress | None = None,
    announce: Announce | None = None,
    search: bool = True,
    world: World | None = None,
) -> dict[str, Any]:
    """The ``shieldlab deterrent`` result (JSON-ready; module docstring)."""
    dr = DeterrentRun(loaded, workers, progress, announce, world)
    base, none, off = deterrent_variants(dr)
    s = loaded.scenario
    floor = dr.section.floor
    result: dict[str, Any] = {
        "scenario": s.name,
        "seed": s.seed,
        "trials": s.trials,
        "draws_per_trial": dr.section.draws_per_trial,
        "warheads_aimed": dr.wh.size,
        "force": dr.lay.force(),
        "with_defense": base.summary(),
        "without_defense": none.summary(base),
        "layer_off": {k: v.summary(base) for k, v in off.items()},
        "floor": None if floor is None else floor.model_dump(),
    }
    if search:
        result["smallest_addition"] = smallest_addition(dr, base)
    else:
        result["smallest_addition"] = {"status": "skipped"}
    return _finite(result)


def _finite(x: Any) -> Any:
    """JSON-safe: non-finite floats become None."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
