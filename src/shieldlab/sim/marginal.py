"""Marginal contribution of each layer: the scenario flown again with that layer off.

Method. The baseline is the scenario as written; for every sensor or defeat
layer it holds (:func:`present_layers`), the same scenario is run with that
layer added to ``disabled_layers`` — same seed, same trials. Every trial
draws from its own per-purpose random streams
(:func:`shieldlab.sim.engine.trial_stream`), so the runs share their random
numbers (common random numbers): the launches, left-of-launch and EW draws are
identical, and the sensing and engagement draws diverge only where the layer's
absence changes what happens. The layer's marginal value is the paired
difference per trial (layer off − baseline) of the leakers, of the asset
value hit and of the expended cost of the shots
(:func:`~shieldlab.sim.results.shot_costs`); its 95 % interval is
mean ± 1.96 s/√n (normal approximation of the paired mean, s the sample
standard deviation of the differences). A positive difference means the
layer stops that many leakers per trial.

Limits: one layer at a time (interactions between layers show only as
differences that do not add up); the baseline's P(no leaker) carries a Wilson
interval (:func:`shieldlab.analysis.stats.wilson_interval`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from shieldlab.scenario import LoadedScenario
from shieldlab.sim import layers
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.results import Summary, shot_costs, summarise
from shieldlab.sim.world import SENSOR_LAYERS, World, build_world, radar_layer

F64 = NDArray[np.float64]
Z95 = 1.96


@dataclass(frozen=True)
class LayerRun:
    """One run of the comparison: ``layer`` is the layer switched off (``None``:
    the baseline); per-trial leakers and value hit; the run's headline numbers."""

    layer: str | None
    p_no_leaker: float
    p_no_leaker_ci95: tuple[float, float]
    mean_leakers: float
    mean_value_hit: float
    mean_shots: float
    delta_leakers: float
    delta_leakers_ci95: tuple[float, float]
    delta_value_hit: float
    delta_value_hit_ci95: tuple[float, float]
    mean_cost_usd: float = 0.0
    delta_cost_usd: float = 0.0
    delta_cost_usd_ci95: tuple[float, float] = (0.0, 0.0)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready dictionary (``layer_off``: None for the baseline)."""
        d = asdict(self)
        d["layer_off"] = d.pop("layer")
        for k in (
            "p_no_leaker_ci95",
            "delta_leakers_ci95",
            "delta_value_hit_ci95",
            "delta_cost_usd_ci95",
        ):
            d[k] = list(d[k])
        return d


def present_layers(world: World) -> list[str]:
    """The sensor and defeat layers a world holds, in timeline order
    (:func:`shieldlab.sim.layers.all_layer_names`): the LEO tracking layer
    (``space-ir``) apart from the GEO/HEO warning sensors (``space-warning``),
    the interceptor layers of its fire units, and every layer plug-in the world
    holds (left of launch, EW/cyber, boost, lasers, microwaves, ...)."""
    s = world.scenario
    have = set(world.parts)
    if world.ir_tracking:
        have.add("space-ir")
    if world.geo_ir or world.warning:
        have.add("space-warning")
    have.update(SENSOR_LAYERS[radar_layer(r)] for r in world.radars)
    if world.airborne:
        have.add("airborne-radar")
    have.update(site.spec.layer for site in world.sites)
    have -= set(s.disabled_layers)
    return [n for n in layers.all_layer_names() if n in have]


def _paired(diff: F64) -> tuple[float, tuple[float, float]]:
    """Mean of paired differences and its normal 95 % interval."""
    m = float(diff.mean())
    half = Z95 * float(diff.std(ddof=1)) / math.sqrt(diff.size) if diff.size > 1 else math.inf
    return m, (m - half, m + half)


def _per_trial(
    world: World, trials: int, workers: int, progress: Callable[[int], None] | None
) -> tuple[Summary, F64, F64, F64]:
    """Run the trials; the summary, and per trial the leakers, the asset value hit
    and the expended cost of the shots [USD]."""
    results = run_trials(world, trials, workers, progress)
    summary = summarise(world, results)
    value = world.assets.value
    hit = np.array([float(value[r.hit_asset[r.hit_asset >= 0]].sum()) for r in results])
    cost = np.array([float(np.nansum(shot_costs(world, r)[1])) for r in results])
    return summary, summary.leakers_per_trial.astype(np.float64), hit, cost


def marginal_contributions(
    loaded: LoadedScenario,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    layers: list[str] | None = None,
    world: World | None = None,
) -> list[LayerRun]:
    """The baseline run and one run per layer switched off (see the module docstring).

    ``layers``: the layers to switch off (default: every layer the scenario
    holds); ``progress(k)`` is called as k more trials finish (all runs).
    ``world``: the scenario's world when already built. Raises ``ValueError``
    for a layer the scenario does not hold.
    """
    s = loaded.scenario
    base_world = world if world is not None else build_world(loaded)
    held = present_layers(base_world)
    chosen = held if layers is None else layers
    for name in chosen:
        if name not in held:
            raise ValueError(
                f"layer {name!r} is not in the scenario; it holds: {', '.join(held) or 'none'}"
            )
    summary, leak0, hit0, cost0 = _per_trial(base_world, s.trials, workers, progress)
    zero = (0.0, (0.0, 0.0))
    rows = [_row(None, summary, zero, zero, zero)]
    for name in chosen:
        off = s.model_copy(update={"disabled_layers": [*s.disabled_layers, name]})
        w_off = build_world(
            LoadedScenario(off, loaded.text, loaded.sha256, loaded.path), flown=base_world
        )
        summ, leak, hit, cost = _per_trial(w_off, s.trials, workers, progress)
        rows.append(
            _row(name, summ, _paired(leak - leak0), _paired(hit - hit0), _paired(cost - cost0))
        )
    return rows


def _row(
    layer: str | None,
    summary: Summary,
    d_leak: tuple[float, tuple[float, float]],
    d_hit: tuple[float, tuple[float, float]],
    d_cost: tuple[float, tuple[float, float]],
) -> LayerRun:
    return LayerRun(
        layer,
        summary.p_no_leaker,
        summary.p_no_leaker_ci95,
        summary.mean_leakers,
        summary.mean_value_hit,
        summary.mean_shots,
        d_leak[0],
        d_leak[1],
        d_hit[0],
        d_hit[1],
        summary.mean_cost_usd,
        d_cost[0],
        d_cost[1],
    )
