"""Small statistics for Monte Carlo results: binomial confidence intervals.

What it models: the uncertainty of a proportion estimated from ``n``
independent trials with ``k`` successes (e.g. P(no leaker) over Monte Carlo
trials, or an empirical single-shot Pk).

The Wilson score interval (Wilson 1927, JASA 22:209) is used rather than the
normal ("Wald") interval: it stays inside [0, 1], is sensible for k = 0 or
k = n, and its coverage is close to nominal even for small n (Agresti & Coull
1998, Am. Stat. 52:119; Newcombe 1998, Stat. Med. 17:857, method 3).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["wilson_interval"]


def wilson_interval(
    k: ArrayLike, n: ArrayLike, z: float = 1.96
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval ``(lo, hi)`` for ``k`` successes in ``n`` trials.

    Vectorised over ``k`` and ``n`` (broadcast); ``z`` is the standard-normal
    quantile (1.96 for 95 %). Where ``n == 0`` the interval is ``(0, 1)``.
    Raises ``ValueError`` unless ``0 <= k <= n``.
    """
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("wilson_interval needs 0 <= k <= n")
    safe_n = np.where(n_arr > 0, n_arr, 1.0)
    p = k_arr / safe_n
    z2 = z * z
    denom = 1.0 + z2 / safe_n
    centre = (p + z2 / (2.0 * safe_n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / safe_n + z2 / (4.0 * safe_n * safe_n)) / denom
    lo = np.where(n_arr > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where(n_arr > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    # exact bounds at the edges (rounding may leave 1e-17 instead of 0)
    lo = np.where(k_arr == 0, 0.0, lo)
    hi = np.where(k_arr == n_arr, 1.0, hi)
    return lo, hi
