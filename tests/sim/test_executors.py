"""Trial executors: serial, local process pool and Dask give bit-identical trials.

Chunks come back as they finish, each trial exactly once; bad options fail at
once with one line naming the option; stopping early leaves no process behind.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dask
import numpy as np
import psutil
import pytest

import shieldlab
from shieldlab.scenario import parse_scenario
from shieldlab.sim import executors
from shieldlab.sim.engine import TrialResult
from shieldlab.sim.executors import EXECUTORS, run_chunks, trial_chunks
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
TRIALS = range(6)
STOP_WITHIN_S = 60.0
"""An early stop must have shut everything down well within this [s] (else: a hang)."""


@cache
def small_world() -> World:
    """The flagship scenario cut down to two missiles (a trial takes about a second)."""
    text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    return build_world(parse_scenario(text.replace("count: 10", "count: 2"), "small.yaml"))


@cache
def reference() -> tuple[TrialResult, ...]:
    """Trials 0..5 run in this process (the serial executor, one chunk of 4 and one of 2)."""
    chunks = list(run_chunks(small_world(), TRIALS, executor="serial", chunk=4))
    assert [[r.trial for r in c] for c in chunks] == [[0, 1, 2, 3], [4, 5]]
    return tuple(r for c in chunks for r in c)


def same(a: Any, b: Any) -> bool:
    """Bit-identical: arrays by dtype, shape and value (NaN equal to NaN), recursively."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        nan = a.dtype.kind in "fc"
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=nan)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(type(a) is type(b) and a == b)


def children() -> set[int]:
    """Our child processes, less multiprocessing's resource tracker (it lives as long as we do)."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if any("resource_tracker" in part for part in p.cmdline()):
                continue
        except psutil.NoSuchProcess:
            continue
        out.add(p.pid)
    return out


@pytest.fixture
def dask_scratch(tmp_path: Path) -> Iterator[None]:
    """Dask workers' scratch space in the test's own directory (no shared-/tmp lock waits)."""
    with dask.config.set({"temporary-directory": str(tmp_path)}):
        yield


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Dask scheduler with two workers, as `dask scheduler` + `dask worker` make."""
    from distributed import LocalCluster

    scratch = str(tmp_path_factory.mktemp("dask"))
    with (
        dask.config.set({"temporary-directory": scratch}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: no clash with a cluster already on 8787
            silence_logs=logging.WARNING,
        ) as cluster,
    ):
        yield cluster.scheduler_address


def test_trial_chunks_split_in_order() -> None:
    assert EXECUTORS == ("serial", "process", "dask")
    assert trial_chunks(range(100), 2) == [list(range(i, i + 10)) for i in range(0, 100, 10)]
    assert trial_chunks(range(40), 2) == [list(range(i, i + 5)) for i in range(0, 40, 5)]
    assert trial_chunks(range(6), 2) == [[i] for i in range(6)]
    assert trial_chunks([7, 3, 5], 1, chunk=2) == [[7, 3], [5]]
    assert trial_chunks([], 4) == []
    for workers in (1, 3, 8):
        flat = [i for c in trial_chunks(range(57), workers) for i in c]
        assert flat == list(range(57))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"executor": "threads"}, r"^--executor: unknown executor 'threads'; choose one of"),
        ({"executor": "process", "cluster": "tcp://h:8786"}, r"^--cluster needs --executor dask"),
        ({"executor": "serial", "cluster": "tcp://h:8786"}, r"^--cluster needs --executor dask"),
        ({"executor": "dask", "cluster": " "}, r"^--cluster: empty address"),
        ({"executor": "process", "workers": 0}, r"^--workers: must be at least 1 \(got 0\)$"),
        ({"executor": "dask", "workers": -2}, r"^--workers: must be at least 1 \(got -2\)$"),
        ({"executor": "serial", "chunk": 0}, r"^chunk: must be at least 1 trial \(got 0\)$"),
    ],
)
def test_bad_options_fail_at_once_in_one_line(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        run_chunks(small_world(), TRIALS, **options)  # raises before anything starts
    assert "\n" not in str(info.value)


def test_unreachable_cluster_fails_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    start = time.monotonic()
    with pytest.raises(
        ValueError, match=rf"^--cluster {address}: cannot reach a Dask scheduler"
    ) as e:
        next(run_chunks(small_world(), TRIALS, executor="dask", cluster=address))
    assert "\n" not in str(e.value)
    assert time.monotonic() - start < 30.0


def test_cluster_without_workers_fails_in_one_line(
    monkeypatch: pytest.MonkeyPatch, dask_scratch: None
) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=":0", silence_logs=logging.WARNING
    ) as bare:
        address = bare.scheduler_address
        with pytest.raises(ValueError, match=rf"^--cluster {address}: the scheduler has no worker"):
            next(run_chunks(small_world(), TRIALS, executor="dask", cluster=address))


def test_serial_yields_each_chunk_before_running_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []

    def fake(world: World, trial: int) -> SimpleNamespace:
        ran.append(trial)
        return SimpleNamespace(trial=trial)

    monkeypatch.setattr(executors, "run_trial", fake)
    gen = run_chunks(small_world(), range(7), executor="serial", chunk=3)
    assert [r.trial for r in next(gen)] == [0, 1, 2]
    assert ran == [0, 1, 2]
    assert [[r.trial for r in c] for c in gen] == [[3, 4, 5], [6]]


@pytest.mark.parametrize(
    ("executor", "remote"), [("process", False), ("dask", False), ("dask", True)]
)
def test_executors_give_identical_trials(
    executor: str, remote: bool, dask_scratch: None, request: pytest.FixtureRequest
) -> None:
    """Serial (the reference), local processes, a Dask LocalCluster and a running scheduler."""
    ref = reference()
    cluster = request.getfixturevalue("scheduler") if remote else None
    before = children()
    arrivals: list[float] = []
    got: list[TrialResult] = []
    chunks = run_chunks(
        small_world(), TRIALS, executor=executor, workers=2, cluster=cluster, chunk=1
    )
    for c in chunks:
        arrivals.append(time.monotonic())
        assert [r.trial for r in c] == sorted(r.trial for r in c)
        got.extend(c)
    assert sorted(r.trial for r in got) == list(TRIALS)  # each trial exactly once
    got.sort(key=lambda r: r.trial)
    for r, s in zip(ref, got, strict=True):
        for f in dataclasses.fields(TrialResult):
            assert same(getattr(r, f.name), getattr(s, f.name)), (executor, r.trial, f.name)
    # six one-trial chunks on two workers finish in about three rounds, and each
    # comes back as it finishes: the last arrives well after the first
    assert arrivals[-1] - arrivals[0] > 0.5
    assert children() <= before


@pytest.mark.parametrize(
    ("executor", "stop"), [("process", "break"), ("process", "interrupt"), ("dask", "break")]
)
def test_stopping_early_shuts_everything_down(executor: str, stop: str, dask_scratch: None) -> None:
    world = small_world()
    before = children()
    outcome: dict[str, Any] = {}

    def consume() -> None:
        try:
            if stop == "break":
                for c in run_chunks(world, range(40), executor=executor, workers=2, chunk=1):
                    outcome["first"] = [r.trial for r in c]
                    outcome["got_first"] = time.monotonic()
                    break  # drops the generator: CPython closes it at once (GeneratorExit)
            else:
                gen = run_chunks(world, range(40), executor=executor, workers=2, chunk=1)
                outcome["first"] = [r.trial for r in next(gen)]
                outcome["got_first"] = time.monotonic()
                try:
                    gen.throw(KeyboardInterrupt())  # Ctrl-C while the consumer holds a chunk
                except KeyboardInterrupt:
                    outcome["reraised"] = True
            outcome["stopped"] = time.monotonic()
        except BaseException as exc:  # reported by the test, not lost in the thread
            outcome["error"] = exc

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    worker.join(STOP_WITHIN_S)
    assert not worker.is_alive(), f"{executor}: stopping early hung"
    assert "error" not in outcome, outcome.get("error")
    assert len(outcome["first"]) == 1
    if stop == "interrupt":
        assert outcome["reraised"]
    # the 39 trials left would take about 20 s on 2 workers: the stop must not wait for them
    # (a Dask nanny gives a busy worker 4 s before killing it)
    assert outcome["stopped"] - outcome["got_first"] < 12.0
    deadline = time.monotonic() + 10.0
    while children() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children() <= before, "child processes left behind"


def test_remote_workers_need_the_same_shieldlab(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shieldlab, "__version__", "0.0.0+other")
    with pytest.raises(
        ValueError, match=rf"^--cluster {scheduler}: every worker needs shieldlab 0.0.0\+other"
    ) as e:
        next(run_chunks(small_world(), TRIALS, executor="dask", cluster=scheduler))
    assert "\n" not in str(e.value)
    assert "pip install -r requirements.lock && pip install -e ." in str(e.value)


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_a_pool_runs_several_worlds_on_the_same_workers(executor: str, dask_scratch: None) -> None:
    """A sweep's pool: two different worlds one after the other on the workers started
    for the first (not restarted), each run's trials bit-identical to the serial
    executor's; closing the pool leaves no process and no world file behind."""
    other_text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    other = build_world(parse_scenario(other_text.replace("count: 10", "count: 1"), "one.yaml"))
    want_other = [r for c in run_chunks(other, range(3), executor="serial") for r in c]
    before = children()
    with executors.TrialPool(executor, workers=2) as pool:
        got = [r for c in pool.run_chunks(small_world(), TRIALS, chunk=1) for r in c]
        started = children() - before
        handle = pool._pool if executor == "process" else pool._client
        assert started and handle is not None
        got_other = [r for c in pool.run_chunks(other, range(3), chunk=1) for r in c]
        assert (pool._pool if executor == "process" else pool._client) is handle
        assert children() - before == started  # the same worker processes
        world_dir = pool._dir
    for want, runs in ((list(reference()), got), (want_other, got_other)):
        runs.sort(key=lambda r: r.trial)
        assert [r.trial for r in runs] == [r.trial for r in want]
        for r, s in zip(want, runs, strict=True):
            for f in dataclasses.fields(TrialResult):
                assert same(getattr(r, f.name), getattr(s, f.name)), (executor, r.trial, f.name)
    assert world_dir is None or not Path(world_dir).exists()
    deadline = time.monotonic() + 10.0
    while children() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children() <= before
