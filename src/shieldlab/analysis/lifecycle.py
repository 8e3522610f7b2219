"""Life-cycle cost and production-rate-limited fielding of an architecture, by fiscal year.

For each element (one buy of a catalog item, :mod:`.architecture`) and each
fiscal year of the study, in constant dollars of the architecture's
``dollars_fy`` (:mod:`.inflation`):

* **Schedule.** Deliveries start in the element's ``start_fy``. A year's
  production is the least of (a) what keeps the force at its target quantity
  (target − units still in service), (b) the production rate limit and (c),
  under a budget cap, what the money left can buy. The rate limit is the
  catalog's current rate, or with ``production: surge`` a rate rising linearly
  from the current to the surge rate over ``surge_years`` from the study's
  first year; a new line ramps linearly to it over ``ramp_years`` after its
  first delivery (rate·(k+1)/(ramp_years+1) in its k-th year). Units are whole.
* **Service life.** A unit delivered in FY d serves FY d+1 … d+L and retires at
  the end of FY d+L; the line then builds its replacement (in FY d+L when the
  rate allows, so the count does not dip). ``fielded`` is the number in
  service at the end of a fiscal year.
* **Categories.** *development* (RDT&E, spread evenly over the
  ``development_years`` before ``start_fy``; the part before the study's first
  year is reported apart as sunk and left out of the totals), *procurement*
  (the first ``target`` units on a learning curve, :mod:`.learning`), *launch*
  (mass to orbit × launch price for those units), *operations* (operation and
  support per unit in service per year, from the year after delivery, plus a
  fixed amount per year once the first unit serves) and *replenishment* (units
  beyond the first ``target``: procurement on the same learning curve plus
  launch). Acquisition = development + procurement + launch + replenishment.
* **Budget cap.** Per fiscal year, development and operations are paid first
  (fixed costs); a cap below them is an error. What is left buys production in
  the order the elements are listed (the architecture's priority), so later
  elements slip first; :func:`evaluate` reports the slip of each element's
  full-capability year against the uncapped schedule.

Money is counted in the fiscal year of delivery (constant-dollar budget
authority without advance procurement). Every array carries a leading
sample axis so that one call prices the point estimate, the Monte Carlo
samples and the tornado cases together (:mod:`.cost_uncertainty`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.cost_catalog import CostEntry
from shieldlab.analysis.inflation import load_price_index
from shieldlab.analysis.learning import (
    Form,
    PowerSums,
    cumulative_cost,
    exponent,
    first_unit_from_average,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

CATEGORIES: tuple[str, ...] = (
    "development",
    "procurement",
    "launch",
    "operations",
    "replenishment",
)
"""Cost categories (the last axis of :attr:`LifeCycle.cost_usd`)."""
DEV, PROC, LAUNCH, OPS, REPL = range(5)


class BudgetError(ValueError):
    """A budget cap below the fixed costs of a fiscal year."""


@dataclass(frozen=True)
class Inputs:
    """Cost inputs of each element, per sample (S, E), in dollars of the architecture's year.

    ``development_usd`` total RDT&E; ``first_unit_usd`` T₁; ``slope`` learning
    slope; ``mass_kg`` launched mass per unit (0 if not launched);
    ``ops_unit_usd`` per unit-year; ``ops_fixed_usd`` per year;
    ``launch_usd_per_kg`` (S,).
    """

    development_usd: F64
    first_unit_usd: F64
    slope: F64
    mass_kg: F64
    ops_unit_usd: F64
    ops_fixed_usd: F64
    launch_usd_per_kg: F64

    @property
    def samples(self) -> int:
        """Number of samples S."""
        return int(self.slope.shape[0])


@dataclass(frozen=True)
class LifeCycle:
    """Costs and schedule of an architecture (leading axis: samples; sample 0 = point).

    cost_usd (S, E, Y, C): by element, fiscal year and :data:`CATEGORIES`;
    fielded (S, E, Y): in service at the end of each fiscal year;
    produced (S, E, Y): units delivered; sunk_development_usd (S, E): RDT&E
    before the study; capped: whether a budget cap shaped the schedule.
    """

    years: I64
    cost_usd: F64
    fielded: I64
    produced: I64
    sunk_development_usd: F64
    capped: bool

    def total_usd(self) -> F64:
        """Life-cycle cost of each sample (S,)."""
        return np.asarray(self.cost_usd.sum(axis=(1, 2, 3)))


def _factor(from_year: int, to_year: int) -> float:
    return float(load_price_index().factor(from_year, to_year))


def point_inputs(arch: LoadedArchitecture) -> Inputs:
    """The catalog's point values (one sample) for every element."""
    return inputs_from(arch, [{}])


def inputs_from(arch: LoadedArchitecture, changes: list[dict[tuple[int, str], float]]) -> Inputs:
    """Inputs for S samples: sample s takes the point values with ``changes[s]`` applied.

    A change is keyed by (element index, catalog field) or (-1, "launch_price_usd_per_kg"),
    with values in the catalog's units (million USD of the entry's dollar year, kg …).
    """
    to_year = arch.architecture.dollars_fy
    n_s, n_e = len(changes), len(arch.elements)
    cols: dict[str, F64] = {k: np.zeros((n_s, n_e)) for k in ("dev", "t1", "b", "m", "ou", "of")}
    for e, rel in enumerate(arch.elements):
        en = rel.entry
        f = _factor(en.dollar_year, to_year) * 1e6

        def val(key: str, e: int = e, en: CostEntry = en) -> F64:
            base = getattr(en, key)
            base = 0.0 if base is None else float(base)
            return np.array([c.get((e, key), base) for c in changes], dtype=np.float64)

        slope = val("learning_slope")
        cols["b"][:, e] = slope
        cols["dev"][:, e] = val("development_musd") * f
        if en.first_unit_cost_musd is not None:
            cols["t1"][:, e] = val("first_unit_cost_musd") * f
        else:
            assert en.average_over_units is not None
            avg = val("average_unit_cost_musd") * f
            cols["t1"][:, e] = first_unit_from_average(
                avg, en.average_over_units, slope, en.learning_form
            )
        cols["m"][:, e] = val("mass_kg")
        cols["ou"][:, e] = val("operations_musd_per_unit_year") * f
        cols["of"][:, e] = val("fixed_operations_musd_per_year") * f
    lf = _factor(arch.launch_dollar_year, to_year)
    price = np.array(
        [c.get((-1, "launch_price_usd_per_kg"), arch.launch_price_usd_per_kg) for c in changes]
    )
    return Inputs(cols["dev"], cols["t1"], cols["b"], cols["m"], cols["ou"], cols["of"], price * lf)


def rate_limits(arch: LoadedArchitecture) -> F64:
    """Production limit of each element in each fiscal year (E, Y) [units/yr] (docstring)."""
    a = arch.architecture
    y = np.arange(a.horizon_years, dtype=np.float64)
    out = np.zeros((len(arch.elements), a.horizon_years))
    for e, rel in enumerate(arch.elements):
        en = rel.entry
        rate = np.full_like(y, en.production_rate_per_year)
        if a.production == "surge" and en.surge_rate_per_year is not None:
            grow = np.minimum(1.0, (y + 1.0) / en.surge_years)
            rate = rate + (en.surge_rate_per_year - en.production_rate_per_year) * grow
        k = y - (rel.element.start_fy - a.first_fy)
        ramp = np.clip((k + 1.0) / (en.ramp_years + 1.0), 0.0, 1.0)
        out[e] = np.where(k >= 0, np.maximum(np.floor(rate * ramp), 1.0), 0.0)
    return out


def _development(arch: LoadedArchitecture, dev_usd: F64) -> tuple[F64, F64]:
    """RDT&E by year (S, E, Y) and the part before the study (S, E)."""
    a = arch.architecture
    n_y = a.horizon_years
    share = np.zeros((len(arch.elements), n_y))
    sunk = np.zeros(len(arch.elements))
    for e, rel in enumerate(arch.elements):
        start = rel.element.start_fy - a.first_fy
        d = rel.entry.development_years
        years = np.arange(start - d, start) if d > 0 else np.array([start])
        w = 1.0 / years.size
        inside = years[years >= 0]
        share[e, inside] = w
        sunk[e] = w * np.count_nonzero(years < 0)
    return dev_usd[:, :, None] * share[None], dev_usd * sunk[None]


@dataclass(frozen=True)
class _Line:
    """The learning curve of one element's production line, per sample (S,)."""

    t1: F64
    slope: F64
    form: Form
    restart_every: float | None

    @cached_property
    def _sums(self) -> PowerSums:
        return PowerSums.of(exponent(self.slope))

    def _first(self, n: F64) -> F64:
        if self.form == "wright":
            return cumulative_cost(n, self.t1, self.slope, "wright")
        return np.asarray(self.t1 * self._sums(n))

    def built(self, n: F64) -> F64:
        """Cost of the line's first ``n`` units (the curve restarts every
        ``restart_every`` units for ``learning_scope: buy``)."""
        if not self.restart_every:
            return self._first(n)
        q = self.restart_every
        whole = np.floor(n / q)
        return np.asarray(whole * self._first(np.full_like(n, q)) + self._first(n - whole * q))


def _affordable(money: F64, cap_units: F64, cum: F64, line: _Line, per_unit: F64) -> F64:
    """Largest whole q ≤ cap_units with lot cost (learning curve + per-unit) ≤ money (S,)."""
    lo = np.zeros_like(cap_units)
    hi = cap_units.copy()
    base = line.built(cum)

    def cost(q: F64) -> F64:
        return np.asarray(line.built(cum + q) - base + q * per_unit)

    ok_all = cost(hi) <= money * (1.0 + 1e-12)
    while np.any(hi - lo > 0.5):
        mid = np.floor((lo + hi + 1.0) / 2.0)
        fits = cost(mid) <= money * (1.0 + 1e-12)
        lo = np.where(fits, mid, lo)
        hi = np.where(fits, hi, mid - 1.0)
    return np.where(ok_all, cap_units, lo)


def evaluate(
    arch: LoadedArchitecture,
    inputs: Inputs,
    budget_cap_usd: float | None = None,
    limits: F64 | None = None,
) -> LifeCycle:
    """Schedule and price the architecture for every sample of ``inputs`` (module docstring).

    ``limits`` (E, Y) replaces :func:`rate_limits` (a supplier outage lowers them).

    Raises :class:`BudgetError` when the point estimate's (sample 0) fixed costs of a
    fiscal year exceed ``budget_cap_usd``; other samples that exceed it buy nothing that
    year (their overrun shows in their totals).
    """
    a = arch.architecture
    n_s, n_e, n_y = inputs.samples, len(arch.elements), a.horizon_years
    targets = np.array([rel.quantity for rel in arch.elements], dtype=np.float64)
    lives = [rel.entry.service_life_years for rel in arch.elements]
    lines = [
        _Line(
            inputs.first_unit_usd[:, e],
            inputs.slope[:, e],
            rel.entry.learning_form,
            float(max(rel.quantity, 1)) if rel.entry.learning_scope == "buy" else None,
        )
        for e, rel in enumerate(arch.elements)
    ]
    limits = rate_limits(arch) if limits is None else limits
    cost = np.zeros((n_s, n_e, n_y, len(CATEGORIES)))
    dev, sunk = _development(arch, inputs.development_usd)
    cost[..., DEV] = dev
    produced = np.zeros((n_s, n_e, n_y))
    fielded = np.zeros((n_s, n_e, n_y))
    cum = np.zeros((n_s, n_e))
    per_unit_launch = inputs.mass_kg * inputs.launch_usd_per_kg[:, None]
    for y in range(n_y):
        prev = fielded[:, :, y - 1] if y > 0 else np.zeros((n_s, n_e))
        served = prev > 0
        cost[:, :, y, OPS] = inputs.ops_unit_usd * prev + inputs.ops_fixed_usd * served
        retire = np.zeros((n_s, n_e))
        for e, life in enumerate(lives):
            if life is not None and y - life >= 0:
                retire[:, e] = produced[:, e, y - life]
        money = np.full(n_s, np.inf)
        if budget_cap_usd is not None:
            fixed = cost[:, :, y, DEV].sum(axis=1) + cost[:, :, y, OPS].sum(axis=1)
            if fixed[0] > budget_cap_usd * (1.0 + 1e-12):
                raise BudgetError(
                    f"--budget-cap-usd: {budget_cap_usd:,.0f} is below the fixed costs "
                    f"(development and operations) of FY{a.first_fy + y}: {fixed[0]:,.0f}"
                )
            money = np.maximum(budget_cap_usd - fixed, 0.0)
        for e in range(n_e):
            need = np.maximum(targets[e] - (prev[:, e] - retire[:, e]), 0.0)
            q = np.minimum(need, limits[e, y])
            if budget_cap_usd is not None:
                q = _affordable(money, q, cum[:, e], lines[e], per_unit_launch[:, e])
            first = np.clip(targets[e] - cum[:, e], 0.0, q)
            built = lines[e].built
            c0, c1, c2 = built(cum[:, e]), built(cum[:, e] + first), built(cum[:, e] + q)
            cost[:, e, y, PROC] = c1 - c0
            cost[:, e, y, LAUNCH] = first * per_unit_launch[:, e]
            cost[:, e, y, REPL] = (c2 - c1) + (q - first) * per_unit_launch[:, e]
            if budget_cap_usd is not None:
                money = money - (c2 - c0) - q * per_unit_launch[:, e]
            cum[:, e] += q
            produced[:, e, y] = q
            fielded[:, e, y] = prev[:, e] - retire[:, e] + q
    return LifeCycle(
        years=np.arange(a.first_fy, a.first_fy + n_y, dtype=np.int64),
        cost_usd=cost,
        fielded=fielded.astype(np.int64),
        produced=produced.astype(np.int64),
        sunk_development_usd=sunk,
        capped=budget_cap_usd is not None,
    )


def capability_years(
    arch: LoadedArchitecture, lc: LifeCycle, sample: int = 0
) -> list[dict[str, int | None]]:
    """Initial (``ioc_quantity`` in service) and full (target) capability FY per element."""
    rows: list[dict[str, int | None]] = []
    for e, rel in enumerate(arch.elements):
        f = lc.fielded[sample, e]
        ioc = np.flatnonzero(f >= min(rel.element.ioc_quantity, max(rel.quantity, 1)))
        foc = np.flatnonzero(f >= rel.quantity)
        rows.append(
            {
                "ioc_fy": int(lc.years[ioc[0]]) if ioc.size else None,
                "foc_fy": int(lc.years[foc[0]]) if foc.size else None,
            }
        )
    return rows
