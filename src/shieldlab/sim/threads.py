"""One BLAS thread per Monte Carlo trial.

Trials are shieldlab's parallel unit (the executors run one per worker process),
so a trial's few large products (the fix search's line prefilter,
:mod:`shieldlab.tracking.angles`) must not spread over BLAS threads of their own:
with a second worker or any other job on the cores those threads oversubscribe
them and spin, burning CPU time for no wall time (measured on 2 cores: the
prefilter's products took 2–2.5× the CPU time of one thread when the other core
was busy). :func:`one_blas_thread` holds the BLAS libraries NumPy loaded to one
thread (``threadpoolctl``) and restores their setting on exit. The values do not
change: a product's elements are split over threads, not its sums.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cache
from typing import Any

__all__ = ["one_blas_thread"]


@cache
def _controller() -> Any:
    """The BLAS libraries loaded in this process (found once: a library scan)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which the loaded BLAS libraries use one thread."""
    return _controller().limit(limits=1, user_api="blas")
