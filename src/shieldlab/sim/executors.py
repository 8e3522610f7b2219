"""Trial executors: run chunks of Monte Carlo trials in-process, on local processes or on Dask.

A trial depends only on the world (scenario and seed) and its index
(:func:`shieldlab.sim.engine.run_trial`), so every executor, worker count and
chunk size gives bit-identical :class:`TrialResult` values; only the order in
which chunks come back differs.

- ``serial``: in this process, chunk after chunk;
- ``process``: a ``spawn`` :class:`~concurrent.futures.ProcessPoolExecutor`;
  the world is pickled once per worker (pool initializer), each task carries
  only its trial indices;
- ``dask``: :mod:`dask.distributed`, on a :class:`~distributed.LocalCluster`
  of ``workers`` single-threaded processes, or on a running scheduler
  (``cluster="tcp://host:8786"``) whose workers have the same shieldlab
  installed. The world is scattered to every worker once and each chunk is one
  task.

:func:`run_chunks` is a generator that yields each chunk's results as soon as
the chunk finishes (completion order). Stopping it early (``break``,
``close()``, an exception or ``KeyboardInterrupt`` in the consumer) cancels
the chunks not yet run, stops the workers and closes the pool, client and
local cluster before the exception goes on.

:class:`TrialPool` keeps the workers (process pool, Dask client and local
cluster) for several runs of different worlds — the points of a sweep — so a
point does not pay for starting them (seconds a point on a small machine). A
process-pool worker reads each run's world once, from a pickle file the pool
writes per run; Dask scatters each run's world to every worker. Stopping a run
early stops the workers as above; the next run starts new ones.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from multiprocessing import get_context
from typing import Any

from shieldlab.sim.engine import TrialResult, run_trial
from shieldlab.sim.world import World

EXECUTORS = ("serial", "process", "dask")
"""Executors :func:`run_chunks` knows (the CLI's ``--executor`` choices)."""
MAX_CHUNK = 10
"""Largest default chunk [trials]: small enough to show progress and balance load."""
CHUNKS_PER_WORKER = 4
"""Default chunking aims at this many chunks per worker at least."""
CONNECT_TIMEOUT_S = 10.0
"""How long to wait for a remote Dask scheduler to answer, and for it to have a worker [s]."""
INSTALL_HINT = "pip install -r requirements.lock && pip install -e ."
"""How to install shieldlab on a Dask worker host (from a checkout of the same commit)."""

_WORLD: tuple[str, World] | None = None
"""A process-pool worker's world: (the pickle file it came from, the world)."""


def _run_chunk(world_file: str, trials: list[int]) -> list[TrialResult]:
    """Process-pool task: one chunk against the world pickled in ``world_file`` (read
    once per worker and run: a new file is a new world)."""
    global _WORLD
    if _WORLD is None or _WORLD[0] != world_file:
        with open(world_file, "rb") as f:
            _WORLD = (world_file, pickle.load(f))
    return [run_trial(_WORLD[1], i) for i in trials]


def _run_chunk_with(world: World, trials: list[int]) -> list[TrialResult]:
    """Dask task: one chunk against the world scattered to the worker."""
    return [run_trial(world, i) for i in trials]


def trial_chunks(trials: Sequence[int], workers: int, chunk: int | None = None) -> list[list[int]]:
    """Split ``trials`` in order into chunks of ``chunk`` trials (the last one may be shorter).

    By default a chunk holds ``max(1, min(10, len(trials) // (4 * workers)))``
    trials: at least four chunks per worker when there are enough trials, at
    most ten trials per chunk. The split depends only on the arguments.
    """
    if workers < 1:
        raise ValueError(f"--workers: must be at least 1 (got {workers})")
    if chunk is None:
        chunk = max(1, min(MAX_CHUNK, len(trials) // (CHUNKS_PER_WORKER * workers)))
    elif chunk < 1:
        raise ValueError(f"chunk: must be at least 1 trial (got {chunk})")
    ids = [int(i) for i in trials]
    return [ids[i : i + chunk] for i in range(0, len(ids), chunk)]


def _check_options(executor: str, workers: int, cluster: str | None) -> None:
    if executor not in EXECUTORS:
        raise ValueError(f"--executor: unknown executor {executor!r}; choose one of {EXECUTORS}")
    if cluster is not None and executor != "dask":
        raise ValueError(f"--cluster needs --executor dask (got --executor {executor})")
    if cluster is not None and not cluster.strip():
        raise ValueError("--cluster: empty address; give the scheduler's, e.g. tcp://HOST:8786")
    if workers < 1:
        raise ValueError(f"--workers: must be at least 1 (got {workers})")


def run_chunks(
    world: World,
    trials: Sequence[int],
    *,
    executor: str = "process",
    workers: int = 1,
    cluster: str | None = None,
    chunk: int | None = None,
) -> Iterator[list[TrialResult]]:
    """Run ``trials`` of ``world``; yield each chunk's results as soon as it finishes.

    Inside a chunk the results are sorted by trial; chunks come in completion
    order, each trial exactly once. ``workers`` is the number of local
    processes (``process``, ``dask`` without ``cluster``) and sizes the default
    chunks (:func:`trial_chunks`); with a remote ``cluster`` the scheduler's
    workers run the chunks. Bad options raise :class:`ValueError` here, before
    anything starts; an unreachable ``cluster`` raises it at the first
    ``next()``. The workers are started for this run and stopped after it
    (:class:`TrialPool` keeps them for several runs).
    """
    _check_options(executor, workers, cluster)
    chunks = trial_chunks(trials, workers, chunk)
    return _one_run(TrialPool(executor, workers, cluster), world, chunks)


def _one_run(pool: TrialPool, world: World, chunks: list[list[int]]) -> Iterator[list[TrialResult]]:
    with pool:
        yield from pool._run(world, chunks)


class TrialPool:
    """Workers kept for several runs (see the module docstring); a context manager.

    ``executor``, ``workers`` and ``cluster`` as for :func:`run_chunks` (checked
    here: ``ValueError``). The workers start with the first run that needs them
    (a run of one chunk, or any run with ``serial`` or one ``process`` worker,
    runs in this process) and stop at :meth:`close`, or when a run is stopped
    early."""

    def __init__(self, executor: str = "process", workers: int = 1, cluster: str | None = None):
        _check_options(executor, workers, cluster)
        self.executor, self.workers, self.cluster = executor, workers, cluster
        self._stack = ExitStack()  # the process pool, or the Dask client and cluster
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._dir: str | None = None  # the worlds' pickle files (process pool)

    def __enter__(self) -> TrialPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, stop: bool = False) -> None:
        """Stop the workers (``stop``: at once, cancelling what runs) and remove the
        worlds' files."""
        pool, self._pool, self._client = self._pool, None, None
        if pool is not None:
            if stop:
                _stop_pool(pool)
            else:
                pool.shutdown(wait=True)
        self._stack.close()
        self._stack = ExitStack()
        if self._dir is not None:
            shutil.rmtree(self._dir)
            self._dir = None

    def run_chunks(
        self, world: World, trials: Sequence[int], chunk: int | None = None
    ) -> Iterator[list[TrialResult]]:
        """:func:`run_chunks` of ``world`` on this pool's workers."""
        return self._run(world, trial_chunks(trials, self.workers, chunk))

    def _run(self, world: World, chunks: list[list[int]]) -> Iterator[list[TrialResult]]:
        if not chunks:
            return
        local = self.executor == "serial" or (
            self.executor == "process" and (self.workers == 1 or sum(map(len, chunks)) <= 1)
        )
        if local:
            # one local worker: in this process (no pool to start, and a layer plug-in
            # registered only here — tests, notebooks — still resolves)
            for ids in chunks:
                yield sorted(_run_chunk_with(world, ids), key=lambda r: r.trial)
            return
        finished = False
        try:
            if self.executor == "process":
                yield from self._process(world, chunks)
            else:
                yield from self._dask(world, chunks)
            finished = True
        finally:
            if not finished:  # stopped early: stop the workers now
                self.close(stop=True)

    def _process(self, world: World, chunks: list[list[int]]) -> Iterator[list[TrialResult]]:
        if self._pool is None:  # spawn: processes start on demand, at most one per chunk
            self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="shieldlab-worlds-")
        fd, world_file = tempfile.mkstemp(suffix=".pkl", dir=self._dir)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(world, f, protocol=pickle.HIGHEST_PROTOCOL)
            pending: set[Future[list[TrialResult]]] = {
                self._pool.submit(_run_chunk, world_file, c) for c in chunks
            }
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                # several chunks may finish together: hand them over in a fixed order
                for fut in sorted(done, key=lambda f: min(r.trial for r in f.result())):
                    yield sorted(fut.result(), key=lambda r: r.trial)
        finally:
            if os.path.exists(world_file):
                os.unlink(world_file)

    def _dask(self, world: World, chunks: list[list[int]]) -> Iterator[list[TrialResult]]:
        from distributed import as_completed

        if self._client is None:
            self._client = (
                _local_client(self._stack, min(self.workers, len(chunks)))
                if self.cluster is None
                else _remote_client(self._stack, self.cluster)
            )
        client = self._client
        futures: list[Any] = []
        try:
            world_f = client.scatter(world, broadcast=True)
            token = str(world_f.key).rsplit("-", 1)[-1][:12]
            futures = [
                client.submit(
                    _run_chunk_with, world_f, c, key=f"shieldlab-trials-{c[0]}-{c[-1]}-{token}"
                )
                for c in chunks
            ]
            for fut in as_completed(futures, loop=client.loop):
                try:
                    res = fut.result()
                except ImportError as exc:
                    raise RuntimeError(
                        f"a Dask worker could not import shieldlab ({exc}); every worker needs "
                        f"the same shieldlab version installed ({INSTALL_HINT})"
                    ) from exc
                yield sorted(res, key=lambda r: r.trial)
        finally:
            if futures:
                client.cancel(futures)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the chunks not started, stop the running ones and join the workers."""
    # Python < 3.14 has no public way to stop a busy worker (3.14: terminate_workers);
    # the pool's own table of its processes is the only handle on them.
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=CONNECT_TIMEOUT_S)
    pool.shutdown(wait=True)


def _local_client(stack: ExitStack, workers: int) -> Any:
    from distributed import Client, LocalCluster

    local = stack.enter_context(
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: no clash with a cluster already on 8787
            silence_logs=logging.WARNING,
        )
    )
    return stack.enter_context(Client(local, set_as_default=False))


def _remote_client(stack: ExitStack, address: str) -> Any:
    from importlib.metadata import version

    from distributed import Client

    import shieldlab

    try:
        _reachable(address)
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(
            f"--cluster {address}: cannot reach a Dask scheduler there within "
            f"{CONNECT_TIMEOUT_S:g} s ({_one_line(exc)}); start one with `dask scheduler` "
            f"and give its address, tcp://HOST:8786"
        ) from None
    stack.enter_context(client)
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError):
        raise ValueError(
            f"--cluster {address}: the scheduler has no worker; start some with "
            f"`dask worker {address} --nworkers N --nthreads 1`"
        ) from None
    ours = shieldlab.__version__
    theirs = client.run(version, "shieldlab", on_error="return")  # stdlib: runs without us
    bad = {w: v for w, v in theirs.items() if v != ours}
    if bad:
        found = ", ".join(
            f"{w}: {'not installed' if isinstance(v, BaseException) else v}"
            for w, v in sorted(bad.items())
        )
        raise ValueError(
            f"--cluster {address}: every worker needs shieldlab {ours} installed ({INSTALL_HINT}); "
            f"found {found}"
        )
    return client


def _reachable(address: str) -> None:
    """Raise unless a TCP connection to the scheduler's host and port opens in time.

    Checked before making the client: a :class:`~distributed.Client` that fails to
    connect is left half-made and its finaliser times out again later.
    """
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    scheme, location = parse_address(address)
    if scheme not in ("tcp", "tls"):
        return  # other transports: the client's own timeout
    host, port = parse_host_port(location)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except TimeoutError:
        raise TimeoutError(f"no answer from {host}:{port}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
