"""Monte Carlo over trials, in parallel processes, reproducible whatever the worker count.

Each trial draws only from its own ``SeedSequence(seed, spawn_key=(1, trial))``
streams and results are put back in trial order, so one worker or many give
identical numbers. The executors (in-process, a local process pool that
receives the prebuilt :class:`World` once, Dask) live in
:mod:`shieldlab.sim.executors`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from shieldlab.sim.engine import TrialResult
from shieldlab.sim.executors import run_chunks
from shieldlab.sim.world import World


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
    """Run ``trials`` trials, sorted by trial; ``progress(k)`` is called as k more trials finish.

    One worker (or one trial) runs in this process, one trial at a time; more
    run on a local process pool (:func:`~shieldlab.sim.executors.run_chunks`).
    """
    serial = workers <= 1 or trials == 1
    results: list[TrialResult] = []
    for res in run_chunks(
        world,
        range(trials),
        executor="serial" if serial else "process",
        workers=1 if serial else workers,
        chunk=1 if serial else None,
    ):
        results.extend(res)
        if progress:
            progress(len(res))
    results.sort(key=lambda r: r.trial)
    return results
