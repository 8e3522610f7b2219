"""A trial runs with one BLAS thread (trials are the parallel unit); the setting is
restored afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from shieldlab.sim import engine
from shieldlab.sim.threads import one_blas_thread


def _blas_threads() -> list[int]:
    return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]


def test_one_blas_thread_limits_and_restores() -> None:
    assert np.ones((2, 2)) @ np.ones((2, 2)) is not None  # NumPy's BLAS is loaded
    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads() and set(_blas_threads()) <= {1, 2}
        before = _blas_threads()
        with one_blas_thread():
            assert set(_blas_threads()) == {1}
        assert _blas_threads() == before


def test_run_trial_holds_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[int]] = []
    monkeypatch.setattr(engine, "_run_trial", lambda w, i, adv: seen.append(_blas_threads()))
    with threadpool_limits(limits=2, user_api="blas"):
        engine.run_trial(None, 0)  # type: ignore[arg-type]
    assert seen and set(seen[0]) == {1}
