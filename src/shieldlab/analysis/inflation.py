"""Converting dollars between years with a price index (``catalog/inflation.yaml``).

Constant-dollar conversion: an amount in year-Y₀ dollars is worth
amount · I(Y₁) / I(Y₀) in year-Y₁ dollars, with I the price index of the
catalog (its ``index`` table; which index and its source are stated in the
file). Years after the last tabulated one are projected at the file's
``projection_rate_per_year`` (compound); years before the first are refused.

Assumption: a fiscal year is converted with the index of the calendar year
of the same number (the federal fiscal year FY runs Oct FY−1 to Sep FY,
three quarters of it in calendar year FY).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class PriceIndex:
    """A tabulated annual price index and its projection past the last year."""

    name: str
    source: str
    years: NDArray[np.int64]
    values: F64
    projection_rate_per_year: float

    def at(self, year: ArrayLike) -> F64:
        """Index value for each year (projected past the table)."""
        y = np.asarray(year, dtype=np.int64)
        first, last = int(self.years[0]), int(self.years[-1])
        if np.any(y < first):
            raise ValueError(f"dollar year: the price index starts in {first}, got {int(y.min())}")
        inside = np.interp(np.minimum(y, last), self.years, self.values)
        ahead = (1.0 + self.projection_rate_per_year) ** np.maximum(y - last, 0)
        return np.asarray(inside * ahead)

    def factor(self, from_year: ArrayLike, to_year: ArrayLike) -> F64:
        """Multiplier taking year-``from_year`` dollars to year-``to_year`` dollars."""
        return np.asarray(self.at(to_year) / self.at(from_year))


@cache
def load_price_index() -> PriceIndex:
    """The shipped price index (``catalog/inflation.yaml``)."""
    text = resources.files("shieldlab.catalog").joinpath("inflation.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    table = data["index"]
    years = np.array(sorted(int(k) for k in table), dtype=np.int64)
    if np.any(np.diff(years) != 1):
        raise ValueError("catalog/inflation.yaml: index years must be consecutive")
    values = np.array([float(table[int(y)]) for y in years])
    return PriceIndex(
        name=str(data["name"]),
        source=str(data["source"]),
        years=years,
        values=values,
        projection_rate_per_year=float(data["projection_rate_per_year"]),
    )
