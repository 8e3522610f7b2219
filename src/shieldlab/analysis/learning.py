"""Learning (cost-improvement) curves: the cost of a lot of units from a production line.

A learning slope s (e.g. 0.90 for a 90 % curve) means that each doubling of
the cumulative quantity multiplies the cost by s; the exponent is b = log₂ s
(b ≤ 0; s = 1 is no learning). Two forms are in use (NASA Cost Estimating
Handbook v4.0, 2015, app. J; GAO-20-195G, Cost Estimating and Assessment
Guide, 2020, ch. 10):

* **Crawford (unit theory)** — the n-th unit costs T₁ nᵇ; a lot of units
  m+1 … m+q costs T₁ Σ_{n=m+1}^{m+q} nᵇ. DoD production estimates mostly use
  this form.
* **Wright (cumulative-average theory)** — the average of the first N units
  is T₁ Nᵇ, so the first N cost T₁ N^{b+1} and the n-th costs
  T₁ (n^{b+1} − (n−1)^{b+1}).

Sums of nᵇ are exact for the first :data:`_HEAD` terms and use the
Euler–Maclaurin tail beyond (error below 1e-12 relative), so every function
is vectorised over lots, slopes and first-unit costs (broadcast arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
Form = Literal["crawford", "wright"]

_HEAD = 64
"""Terms of Σ nᵇ summed exactly before the Euler–Maclaurin tail."""

__all__ = [
    "PowerSums",
    "cumulative_cost",
    "exponent",
    "first_unit_from_average",
    "lot_cost",
    "power_sum",
    "unit_cost",
]


def exponent(slope: ArrayLike) -> F64:
    """Learning exponent b = log₂ s for slopes s in (0, 1]."""
    s = np.asarray(slope, dtype=np.float64)
    if np.any(~np.isfinite(s)) or np.any((s <= 0.0) | (s > 1.0)):
        raise ValueError("learning slope: expected a fraction in (0, 1] (0.9 for a 90 % curve)")
    return np.asarray(np.log2(s))


def _tail(n: F64, b: F64) -> F64:
    """Σ_{k=K+1}^{N} kᵇ by Euler–Maclaurin (K = _HEAD; meaningful where N > K)."""
    kk = float(_HEAD)
    nn = np.maximum(n, kk + 1.0)
    b1 = b + 1.0
    integral = (nn**b1 - kk**b1) / b1
    d1 = b * (nn ** (b - 1.0) - kk ** (b - 1.0))
    d3 = b * (b - 1.0) * (b - 2.0) * (nn ** (b - 3.0) - kk ** (b - 3.0))
    return np.asarray(integral + (nn**b - kk**b) / 2.0 + d1 / 12.0 - d3 / 720.0)


def power_sum(n: ArrayLike, b: ArrayLike) -> F64:
    """Σ_{k=1}^{N} kᵇ for integer N ≥ 0 (broadcast over ``n`` and ``b``; b > −1)."""
    n_b, b_b = np.broadcast_arrays(np.asarray(n, np.float64), np.asarray(b, np.float64))
    k = np.arange(1, _HEAD + 1, dtype=np.float64)
    head = np.sum(np.where(k <= n_b[..., None], k ** b_b[..., None], 0.0), axis=-1)
    return np.asarray(head + np.where(n_b > _HEAD, _tail(n_b, b_b), 0.0))


@dataclass(frozen=True)
class PowerSums:
    """Σ_{k=1}^{N} kᵇ for fixed exponents ``b`` (one per sample), many N: the exact head
    sums are tabulated once (what a production line asks for every fiscal year)."""

    b: F64
    head: F64

    @classmethod
    def of(cls, b: ArrayLike) -> PowerSums:
        """Table for exponents ``b`` (1-D)."""
        b_arr = np.atleast_1d(np.asarray(b, np.float64))
        k = np.arange(1, _HEAD + 1, dtype=np.float64)
        head = np.zeros((b_arr.size, _HEAD + 1))
        head[:, 1:] = np.cumsum(k[None, :] ** b_arr[:, None], axis=1)
        return cls(b_arr, head)

    def __call__(self, n: ArrayLike) -> F64:
        """Σ kᵇ up to ``n`` (one N per exponent)."""
        n_arr = np.broadcast_to(np.asarray(n, np.float64), self.b.shape)
        idx = np.minimum(n_arr, _HEAD).astype(np.int64)
        h = np.take_along_axis(self.head, idx[:, None], axis=1)[:, 0]
        return np.asarray(h + np.where(n_arr > _HEAD, _tail(n_arr, self.b), 0.0))


def cumulative_cost(n: ArrayLike, first_unit: ArrayLike, slope: ArrayLike, form: Form) -> F64:
    """Cost of the first N units [same currency as ``first_unit``]."""
    b = exponent(slope)
    n_arr = np.asarray(n, dtype=np.float64)
    if np.any(n_arr < 0):
        raise ValueError("quantity: expected N >= 0 units")
    t1 = np.asarray(first_unit, dtype=np.float64)
    if form == "wright":
        return np.asarray(t1 * n_arr ** (b + 1.0))
    return np.asarray(t1 * power_sum(n_arr, b))


def lot_cost(
    before: ArrayLike, quantity: ArrayLike, first_unit: ArrayLike, slope: ArrayLike, form: Form
) -> F64:
    """Cost of units ``before+1 … before+quantity`` of the line."""
    m = np.asarray(before, dtype=np.float64)
    q = np.asarray(quantity, dtype=np.float64)
    return np.asarray(
        cumulative_cost(m + q, first_unit, slope, form)
        - cumulative_cost(m, first_unit, slope, form)
    )


def unit_cost(n: ArrayLike, first_unit: ArrayLike, slope: ArrayLike, form: Form) -> F64:
    """Cost of the n-th unit (n ≥ 1)."""
    n_arr = np.asarray(n, dtype=np.float64)
    return lot_cost(n_arr - 1.0, 1.0, first_unit, slope, form)


def first_unit_from_average(
    average: ArrayLike, over_units: ArrayLike, slope: ArrayLike, form: Form
) -> F64:
    """T₁ such that the first ``over_units`` units average ``average`` each."""
    q = np.asarray(over_units, dtype=np.float64)
    if np.any(q < 1):
        raise ValueError("average_over_units: expected at least 1 unit")
    per_t1 = cumulative_cost(q, 1.0, slope, form)
    return np.asarray(np.asarray(average, dtype=np.float64) * q / per_t1)
