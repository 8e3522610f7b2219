"""Compiled kernels: numba's nopython JIT for the engine's scalar hot loops.

A function decorated with :func:`kernel` is plain Python over floats, tuples
and arrays (the reference of its arithmetic, read and tested as such); numba
compiles it to machine code on its first call with those argument types and
caches the result on disk (``__pycache__``), so a process pool's workers and
later runs load it instead of compiling again.

Division follows numpy (``error_model="numpy"``: x/0 is ±inf or NaN, not an
exception). Kernels index arrays without bounds checks: their wrappers check
shapes.

Results: numba without ``fastmath`` keeps IEEE double arithmetic in the
written order (no reassociation, no fused multiply-add), so a kernel of
``+ − × ÷ √`` agrees with the interpreted function to the last bit; the tests
run both and compare (:func:`interpreted`). Transcendental functions are
libm's (``math.atan2``, ``math.sinh``, ``**``), which differ from numpy's SIMD
ones in the last bit: a kernel that replaces array code agrees with it to
rounding, and the tests hold it there.

Switch: numba's own ``NUMBA_DISABLE_JIT=1`` runs every kernel interpreted (for
a debugger, or a profiler that should see inside them), many times slower;
``rogue-salvo`` trials then give the same kills, leakers and shots, the shots'
geometry equal to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

_F = TypeVar("_F", bound=Callable[..., Any])


def kernel(fn: _F) -> _F:
    """Compile ``fn`` in nopython mode on first call, cached on disk (see module)."""
    return cast(_F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


def interpreted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The Python function a :func:`kernel` was compiled from (itself when the JIT is
    disabled): what the tests compare the compiled kernel with."""
    return cast(Callable[..., Any], getattr(fn, "py_func", fn))


def per_row(v: ArrayLike, n: int) -> NDArray[np.float64]:
    """``v`` (scalar or (n,)) as a C-contiguous float64 (n,) array for a kernel: an
    (n,) float64 array as it is, a scalar filled (cheaper than broadcasting)."""
    if type(v) is np.ndarray and v.shape == (n,) and v.dtype == np.float64:
        return v if v.flags.c_contiguous else np.ascontiguousarray(v)
    if np.ndim(v) == 0:
        return np.full(n, float(v))  # type: ignore[arg-type]
    return np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))


@kernel
def grown(a: NDArray[Any], cap: int) -> NDArray[Any]:
    """``a`` copied into a new array of ``cap`` ≥ len(a) rows (same dtype and row
    shape, the rows past len(a) uninitialised): a kernel's output buffer grown by
    doubling when it is full."""
    out = np.empty((cap, *a.shape[1:]), a.dtype)
    out[: a.shape[0]] = a
    return out
