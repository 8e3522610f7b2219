"""Supply-chain exposure of an architecture's schedule (the order's section 3(a)(vii)).

Each cost-catalog entry lists the critical components one unit consumes
(``critical_inputs``: solid rocket motors, ammonium perchlorate, seekers,
rad-hard microelectronics, rare-earth magnets, gallium); every item with a mass
to orbit also consumes ``launch-to-leo`` (its mass in tonnes). The components
(``catalog/supply-chain.yaml``) carry their qualified suppliers, an
adversary's share of world supply where one dominates, and a yearly capacity
available to the shield where public data allow one.

From a priced schedule (:mod:`.lifecycle`, point estimate) this module reports

* **single sources**: the layers whose items depend on a component with one
  qualified supplier;
* **shortfalls**: the fiscal years in which the schedule's demand for a
  component exceeds its capacity (the schedule itself is limited by the
  items' production rates only: these are the years it would not be met);
* **outages**: a supplier outage of N months from a fiscal year removes that
  supplier's share (1 / qualified suppliers, all of it for a single source)
  of every dependent line's output for the months it lasts (spread over the
  fiscal years it covers); the schedule is re-run and each element's
  full-capability year compared with the baseline.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.lifecycle import (
    LifeCycle,
    capability_years,
    evaluate,
    point_inputs,
    rate_limits,
)

F64 = NDArray[np.float64]
LAUNCH = "launch-to-leo"
"""The component every launched item consumes (tonnes = mass_kg / 1000 per unit)."""


class Component(BaseModel):
    """A critical input of the shield's items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    unit: str
    suppliers: list[str] = Field(min_length=1)
    qualified_suppliers: int | None = Field(
        default=None, ge=1, description="default: the number of suppliers listed"
    )
    adversary_share: float | None = Field(default=None, ge=0.0, le=1.0)
    capacity_per_year: dict[int, float] | None = None
    source: str = Field(min_length=1)

    @property
    def n_qualified(self) -> int:
        """Qualified suppliers (listed count unless stated)."""
        return self.qualified_suppliers or len(self.suppliers)

    def capacity(self, years: NDArray[np.int64]) -> F64:
        """Capacity in each fiscal year (piecewise constant from each year given; NaN
        where none is known or before the first year given)."""
        out = np.full(years.shape, np.nan)
        for year, cap in sorted((self.capacity_per_year or {}).items()):
            out[years >= year] = cap
        return out


@cache
def load_components() -> dict[str, Component]:
    """The components of ``catalog/supply-chain.yaml`` by name."""
    text = resources.files("shieldlab.catalog").joinpath("supply-chain.yaml").read_text("utf-8")
    return {str(k): Component.model_validate(v) for k, v in yaml.safe_load(text).items()}


def _per_unit(arch: LoadedArchitecture, names: list[str]) -> F64:
    """Component units per item built (E, C)."""
    out = np.zeros((len(arch.elements), len(names)))
    for e, rel in enumerate(arch.elements):
        for c, name in enumerate(names):
            out[e, c] = rel.entry.critical_inputs.get(name, 0.0)
            if name == LAUNCH and rel.entry.mass_kg is not None:
                out[e, c] += rel.entry.mass_kg / 1000.0
    return out


def exposure(arch: LoadedArchitecture, life: LifeCycle) -> dict[str, object]:
    """Single sources, adversary dependence and shortfall years of the point schedule."""
    comps = load_components()
    names = list(comps)
    use = _per_unit(arch, names)
    demand = use.T @ life.produced[0].astype(np.float64)  # (C, Y)
    rows: list[dict[str, object]] = []
    single: dict[str, list[str]] = {}
    for c, name in enumerate(names):
        users = [e for e in range(len(arch.elements)) if use[e, c] > 0]
        if not users:
            continue
        comp = comps[name]
        layers = sorted({arch.elements[e].element.layer for e in users})
        cap = comp.capacity(life.years)
        short = (demand[c] > cap) & np.isfinite(cap)
        ratio = np.where(
            np.isfinite(cap) & (cap > 0), demand[c] / np.where(cap > 0, cap, 1), np.nan
        )
        if comp.n_qualified == 1:
            for layer in layers:
                single.setdefault(layer, []).append(name)
        rows.append(
            {
                "component": name,
                "unit": comp.unit,
                "suppliers": comp.suppliers,
                "qualified_suppliers": comp.n_qualified,
                "single_source": comp.n_qualified == 1,
                "adversary_share": comp.adversary_share,
                "layers": layers,
                "demand": [float(x) for x in demand[c]],
                "capacity": [None if np.isnan(x) else float(x) for x in cap],
                "shortfall_years": [int(y) for y in life.years[short]],
                "peak_demand_to_capacity": (
                    float(np.nanmax(ratio)) if np.isfinite(ratio).any() else None
                ),
                "source": comp.source,
            }
        )
    return {"components": rows, "single_source_layers": single}


def outage_limits(arch: LoadedArchitecture, component: str, months: int, start_fy: int) -> F64:
    """Production limits (E, Y) with one supplier of ``component`` out for ``months``."""
    comps = load_components()
    if component not in comps:
        raise ValueError(f"unknown component {component!r}; allowed: {', '.join(sorted(comps))}")
    a = arch.architecture
    if not a.first_fy <= start_fy <= a.last_fy:
        raise ValueError(f"outage year FY{start_fy} is outside FY{a.first_fy}–FY{a.last_fy}")
    share = 1.0 / comps[component].n_qualified
    frac = np.zeros(a.horizon_years)
    left, y = float(months), start_fy - a.first_fy
    while left > 0 and y < a.horizon_years:
        frac[y] = min(left, 12.0) / 12.0
        left -= 12.0
        y += 1
    uses = _per_unit(arch, [component])[:, 0] > 0
    limits = rate_limits(arch)
    limits[uses] = np.floor(limits[uses] * (1.0 - share * frac[None, :]))
    return limits


def outage(
    arch: LoadedArchitecture,
    component: str,
    months: int,
    start_fy: int,
    budget_cap_usd: float | None = None,
) -> dict[str, object]:
    """Each element's full-capability year with and without the outage (point estimate,
    under the same budget cap)."""
    inputs = point_inputs(arch)
    limits = outage_limits(arch, component, months, start_fy)
    base = capability_years(arch, evaluate(arch, inputs, budget_cap_usd))
    hit = capability_years(arch, evaluate(arch, inputs, budget_cap_usd, limits=limits))
    rows = []
    for e, rel in enumerate(arch.elements):
        b, h = base[e]["foc_fy"], hit[e]["foc_fy"]
        rows.append(
            {
                "element": rel.element.name,
                "layer": rel.element.layer,
                "foc_fy": b,
                "foc_fy_with_outage": h,
                "slip_years": (h - b) if (b is not None and h is not None) else None,
            }
        )
    comp = load_components()[component]
    return {
        "component": component,
        "months": months,
        "start_fy": start_fy,
        "supplier_share_lost": 1.0 / comp.n_qualified,
        "elements": rows,
    }
