"""Cost uncertainty: Latin-hypercube samples of the uncertain inputs, percentiles and a tornado.

Each input with an ``uncertainty: [low, high]`` range in the cost catalog (or
the launch price's range) is one dimension, triangular with the point value
as its mode (the usual choice of cost analysts when only a range and a most
likely value are known: GAO-20-195G, Cost Estimating and Assessment Guide,
ch. 12; NASA Cost Estimating Handbook v4.0, 2015, §4.3). Inputs are sampled
independently by Latin hypercube (``scipy.stats.qmc.LatinHypercube``, seeded)
and mapped through the triangular inverse CDF; each sample is the whole
life-cycle model run with those inputs, so the percentiles (P10, P50, P90) and
the S-curve are those of the life-cycle cost. The tornado moves one input at a
time to its low and its high end, the others at their point values, and ranks
the inputs by the swing of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc, triang

from shieldlab.analysis.architecture import LoadedArchitecture

Change = dict[tuple[int, str], float]


@dataclass(frozen=True)
class UncertainInput:
    """One sampled input: element index (−1 for the launch price), catalog field, range."""

    element: int
    key: str
    label: str
    low: float
    mode: float
    high: float


def uncertain_inputs(arch: LoadedArchitecture) -> list[UncertainInput]:
    """Every input of the architecture that carries a range, in element order."""
    out: list[UncertainInput] = []
    for e, rel in enumerate(arch.elements):
        if rel.quantity == 0:
            continue
        for key, (lo, hi) in rel.entry.uncertainty.items():
            if hi > lo:
                mode = float(getattr(rel.entry, key))
                out.append(UncertainInput(e, key, f"{rel.element.name}: {key}", lo, mode, hi))
    launched = any(rel.entry.mass_kg is not None and rel.quantity for rel in arch.elements)
    if arch.launch_range is not None and launched:
        lo, hi = arch.launch_range
        if hi > lo:
            p = arch.launch_price_usd_per_kg
            out.append(UncertainInput(-1, "launch_price_usd_per_kg", "launch price", lo, p, hi))
    return out


def _ppf(u: NDArray[np.float64], x: UncertainInput) -> NDArray[np.float64]:
    width = x.high - x.low
    c = (x.mode - x.low) / width
    return np.asarray(triang.ppf(u, c, loc=x.low, scale=width))


def sample_changes(inputs: list[UncertainInput], n: int, seed: int) -> list[Change]:
    """``n`` Latin-hypercube samples of the inputs (triangular marginals)."""
    if not inputs or n <= 0:
        return [{} for _ in range(max(n, 0))]
    u = qmc.LatinHypercube(d=len(inputs), seed=np.random.default_rng(seed)).random(n)
    cols = [_ppf(u[:, j], x) for j, x in enumerate(inputs)]
    return [{(x.element, x.key): float(cols[j][s]) for j, x in enumerate(inputs)} for s in range(n)]


def tornado_changes(inputs: list[UncertainInput]) -> list[Change]:
    """Two cases per input: at its low, then at its high end (others at their point)."""
    out: list[Change] = []
    for x in inputs:
        out.append({(x.element, x.key): x.low})
        out.append({(x.element, x.key): x.high})
    return out


def tornado_rows(
    inputs: list[UncertainInput], totals: NDArray[np.float64], point_usd: float
) -> list[dict[str, object]]:
    """Tornado rows from the 2·d totals of :func:`tornado_changes`, largest swing first."""
    rows: list[dict[str, object]] = []
    for j, x in enumerate(inputs):
        lo_usd, hi_usd = float(totals[2 * j]), float(totals[2 * j + 1])
        rows.append(
            {
                "input": x.label,
                "low": x.low,
                "point": x.mode,
                "high": x.high,
                "low_usd": lo_usd,
                "high_usd": hi_usd,
                "swing_usd": abs(hi_usd - lo_usd),
                "point_usd": point_usd,
            }
        )
    rows.sort(key=lambda r: -float(r["swing_usd"]))  # type: ignore[arg-type]
    return rows


def percentiles(totals: NDArray[np.float64]) -> dict[str, float]:
    """P10, P50, P90 and mean of sampled totals."""
    p10, p50, p90 = np.percentile(totals, [10.0, 50.0, 90.0])
    return {
        "p10_usd": float(p10),
        "p50_usd": float(p50),
        "p90_usd": float(p90),
        "mean_usd": float(np.mean(totals)),
    }


def s_curve(totals: NDArray[np.float64], points: int = 101) -> list[dict[str, float]]:
    """The empirical CDF of the total at ``points`` probabilities (0 … 1)."""
    p = np.linspace(0.0, 1.0, points)
    q = np.quantile(totals, p)
    return [{"probability": float(a), "usd": float(b)} for a, b in zip(p, q, strict=True)]
