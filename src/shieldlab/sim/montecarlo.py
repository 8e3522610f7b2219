"""Monte Carlo over trials, in parallel processes, reproducible whatever the worker count.

Each trial draws only from its own ``SeedSequence(seed, spawn_key=(1, trial))``
streams and results are put back in trial order, so one worker or many give
identical numbers. Workers receive the prebuilt :class:`World` once (pool
initializer) and run chunks of trials.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from shieldlab.sim.engine import TrialResult, run_trial
from shieldlab.sim.world import World

_WORLD: World | None = None


def _init(world: World) -> None:
    global _WORLD
    _WORLD = world


def _run_chunk(trials: list[int]) -> list[TrialResult]:
    assert _WORLD is not None, "worker not initialised"
    return [run_trial(_WORLD, i) for i in trials]


def default_workers() -> int:
    """Worker processes to use: the CPUs available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def run_trials(
    world: World,
    trials: int,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[TrialResult]:
    """Run ``trials`` trials; ``progress(k)`` is called as k more trials finish."""
    ids = list(range(trials))
    if workers <= 1 or trials == 1:
        out = []
        for i in ids:
            out.append(run_trial(world, i))
            if progress:
                progress(1)
        return out
    chunk = max(1, min(10, trials // (4 * workers)))
    chunks = [ids[i : i + chunk] for i in range(0, trials, chunk)]
    results: list[TrialResult] = []
    ctx = get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(world,)) as pool:
        for res in pool.map(_run_chunk, chunks):
            results.extend(res)
            if progress:
                progress(len(res))
    results.sort(key=lambda r: r.trial)
    return results
