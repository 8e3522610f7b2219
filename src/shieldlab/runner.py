"""A Monte Carlo run from scenario to store: trials in chunks, each chunk committed as it ends.

The pipeline behind ``shieldlab run``, ``sweep`` and ``run --resume``:

1. fly the truth once (:func:`~shieldlab.sim.world.build_world`);
2. run the trials in chunks on an executor (in-process, a local process pool or a
   ``dask.distributed`` cluster, :mod:`shieldlab.sim.executors`);
3. when the first chunk finishes, write the run's row (status ``running``) and
   its map tables (:func:`~shieldlab.store.create_run`: an executor that cannot
   start leaves the store as it was); commit each chunk's rows in one DuckDB
   transaction as soon as it finishes
   (:func:`~shieldlab.store.append_trials`): a crash or ``kill -9`` loses only the
   chunks in flight;
4. mark the run complete and compute its summary from the stored tables
   (:func:`~shieldlab.sim.results.summarise_tables`), so a resumed run and an
   uninterrupted one report from the same rows.

A trial depends only on the scenario, the seed and its index
(:mod:`shieldlab.sim.engine`), so the stored tables are identical whatever the
executor, the number of workers, the chunking or the interruptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from shieldlab import __version__
from shieldlab.scenario import LoadedScenario, parse_scenario
from shieldlab.sim.engine import TrialResult
from shieldlab.sim.executors import TrialPool, run_chunks
from shieldlab.sim.results import (
    Summary,
    result_tables,
    site_table,
    summarise_tables,
    trajectory_table as _trajectories,
)
from shieldlab.sim.world import World, build_world
from shieldlab.store import (
    PER_TRIAL_TABLES,
    append_trials,
    committed_trials,
    create_run,
    finish_run,
    list_runs,
    read_run,
    read_table,
)
from shieldlab.store.provenance import provenance

__all__ = ["RunOutcome", "resume_run", "run_to_store", "stored_scenario"]


@dataclass(frozen=True)
class RunOutcome:
    """A stored run: its id, store, summary, and the trials this call ran."""

    run_id: str
    db: Path
    summary: Summary
    world: World
    ran: int
    """Trials run by this call (fewer than the run's trials after a resume)."""


Progress = Callable[[int], None]


def _new_run_id(db: Path, base: str) -> str:
    taken = {str(r["run_id"]) for r in list_runs(db)} if db.exists() else set()
    run_id, i = base, 2
    while run_id in taken:
        run_id, i = f"{base}-{i}", i + 1
    return run_id


def _run_row(
    loaded: LoadedScenario, run_id: str, workers: int, study_id: str | None
) -> dict[str, object]:
    s = loaded.scenario
    return {
        "run_id": run_id,
        "created_utc": datetime.now(UTC),
        "scenario_name": s.name,
        "scenario_text": loaded.text,
        "scenario_sha256": loaded.sha256,
        "seed": s.seed,
        "trials": s.trials,
        "workers": workers,
        "shieldlab_version": __version__,
        "epoch_utc": s.epoch_utc,
        "study_id": study_id,
        **provenance(),
    }


def _create(
    db: Path, loaded: LoadedScenario, world: World, workers: int, study_id: str | None
) -> str:
    """Write the run's row and map tables under a fresh id (another writer may take
    the same id at the same moment: then the next one is tried)."""
    s = loaded.scenario
    base = f"{s.name}-{loaded.sha256[:8]}-s{s.seed}-n{s.trials}"
    static = {"trajectories": _trajectories(world), "sites": site_table(world)}
    for _ in range(100):
        run_id = _new_run_id(db, base)
        try:
            create_run(db, _run_row(loaded, run_id, workers, study_id), static)
        except ValueError as exc:
            if "already exists" in str(exc):
                continue
            raise
        return run_id
    raise RuntimeError(f"{db}: could not find a free run id for {base}")


def _commit(world: World, db: Path, run_id: str, results: list[TrialResult]) -> None:
    """Store one finished chunk of trials (one transaction)."""
    tables = result_tables(world, results, with_maps=False)
    append_trials(db, run_id, {k: tables[k] for k in PER_TRIAL_TABLES})


def _outcome(db: Path, run_id: str, world: World, ran: int) -> RunOutcome:
    """The stored run with its summary, computed from the stored rows."""
    tables = {k: read_table(db, k, run_id) for k in PER_TRIAL_TABLES}
    return RunOutcome(run_id, db, summarise_tables(world, tables), world, ran)


def run_to_store(
    loaded: LoadedScenario,
    db: Path,
    *,
    executor: str = "process",
    workers: int = 1,
    cluster: str | None = None,
    study_id: str | None = None,
    progress: Progress | None = None,
    world: World | None = None,
    on_created: Callable[[str], None] | None = None,
    pool: TrialPool | None = None,
) -> RunOutcome:
    """Run ``loaded``'s trials and store them in ``db`` (created if absent).

    ``world``: the scenario's world when already built (else it is built here).
    The run's row is written when the first chunk of trials has finished (an
    executor that cannot start leaves the store as it was); ``on_created(run_id)``
    is called then, so a caller can say which run to resume after an interruption.
    ``pool``: workers kept across runs (a sweep's points; it replaces ``executor``,
    ``workers`` and ``cluster``, and its worker count is the one stored).
    """
    db = Path(db)
    workers = pool.workers if pool is not None else workers
    world = world if world is not None else build_world(loaded)
    todo = list(range(loaded.scenario.trials))
    run_id = ""
    for results in _chunks(world, todo, executor, workers, cluster, pool):
        if not run_id:  # written with the first chunk: an executor that fails writes nothing
            run_id = _create(db, loaded, world, workers, study_id)
            if on_created:
                on_created(run_id)
        _commit(world, db, run_id, results)
        if progress:
            progress(len(results))
    finish_run(db, run_id)
    return _outcome(db, run_id, world, len(todo))


def _chunks(
    world: World,
    todo: list[int],
    executor: str,
    workers: int,
    cluster: str | None,
    pool: TrialPool | None,
) -> Iterator[list[TrialResult]]:
    """The run's chunks of trials, on ``pool`` when given."""
    if pool is not None:
        return pool.run_chunks(world, todo)
    return run_chunks(world, todo, executor=executor, workers=workers, cluster=cluster)


def stored_scenario(db: Path, run_id: str) -> LoadedScenario:
    """The scenario a stored run ran (its text, with the run's seed and trials)."""
    row = read_run(db, run_id)
    loaded = parse_scenario(str(row["scenario_text"]), f"run {run_id}")
    s = loaded.scenario.model_copy(update={"seed": row["seed"], "trials": row["trials"]})
    return LoadedScenario(s, loaded.text, loaded.sha256, loaded.path)


def resume_run(
    db: Path,
    run_id: str,
    *,
    executor: str = "process",
    workers: int = 1,
    cluster: str | None = None,
    progress: Progress | None = None,
    loaded: LoadedScenario | None = None,
    world: World | None = None,
    pool: TrialPool | None = None,
) -> RunOutcome:
    """Finish a stored run: run the trials it has not committed, then mark it complete.

    ``loaded``/``world``: the run's scenario and world when already at hand (else
    rebuilt from the stored scenario text, seed and trials). A complete run is
    left as it is (nothing runs). ``progress`` is first called with the trials
    already committed. ``pool`` as for :func:`run_to_store`.
    """
    db = Path(db)
    row = read_run(db, run_id)
    loaded = loaded if loaded is not None else stored_scenario(db, run_id)
    world = world if world is not None else build_world(loaded)
    done = set(committed_trials(db, run_id).tolist())
    if progress and done:
        progress(len(done))
    if row.get("status") == "complete":
        return _outcome(db, run_id, world, 0)
    todo = [i for i in range(int(str(row["trials"]))) if i not in done]
    for results in _chunks(world, todo, executor, workers, cluster, pool):
        _commit(world, db, run_id, results)
        if progress:
            progress(len(results))
    finish_run(db, run_id)
    return _outcome(db, run_id, world, len(todo))
