"""A cost study of one architecture: point estimate, schedule, budget-cap slips, uncertainty.

Validity: constant-dollar life-cycle estimates at the rough-order level of the
published studies (the CBO 2026, CBO 2025 letter and AEI 2025 SBI layers are
reproduced within 10 % from the shipped architecture files), not budget-quality
estimates.

:func:`run_cost_study` prices the point estimate, the tornado cases and the
Latin-hypercube samples in one vectorised call of
:func:`shieldlab.analysis.lifecycle.evaluate`; with a budget cap it also prices
the uncapped schedule to report each element's slip. :meth:`CostStudy.as_dict`
is the ``shieldlab cost --json`` object (all money in constant dollars of the
architecture's ``dollars_fy``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.cost_uncertainty import (
    percentiles,
    s_curve,
    sample_changes,
    tornado_changes,
    tornado_rows,
    uncertain_inputs,
)
from shieldlab.analysis.inflation import load_price_index
from shieldlab.analysis.lifecycle import (
    CATEGORIES,
    OPS,
    LifeCycle,
    capability_years,
    evaluate,
    inputs_from,
)

ACQUISITION = ("development", "procurement", "launch", "replenishment")
"""Categories that make up acquisition (the rest, operations, is O&S)."""


@dataclass(frozen=True)
class CostStudy:
    """Everything ``shieldlab cost`` prints; sample 0 of :attr:`life` is the point estimate."""

    arch: LoadedArchitecture
    life: LifeCycle
    uncapped: LifeCycle | None
    budget_cap_usd: float | None
    tornado: list[dict[str, object]]
    sample_totals: np.ndarray
    seed: int

    @property
    def layers(self) -> list[str]:
        """The architecture's layers in the order their first element appears."""
        return list(dict.fromkeys(rel.element.layer for rel in self.arch.elements))

    def _layer_rows(self) -> dict[str, dict[str, object]]:
        c = self.life.cost_usd[0]
        out: dict[str, dict[str, object]] = {}
        for layer in self.layers:
            idx = [e for e, r in enumerate(self.arch.elements) if r.element.layer == layer]
            cat = c[idx].sum(axis=(0, 1))
            acq = float(cat[[CATEGORIES.index(k) for k in ACQUISITION]].sum())
            out[layer] = {
                "total_usd": float(cat.sum()),
                "acquisition_usd": acq,
                "operations_usd": float(cat[OPS]),
                "quantity": int(sum(self.arch.elements[e].quantity for e in idx)),
                "by_category": {k: float(v) for k, v in zip(CATEGORIES, cat, strict=True)},
                "elements": [self.arch.elements[e].element.name for e in idx],
            }
        return out

    def _element_rows(self) -> list[dict[str, object]]:
        caps = capability_years(self.arch, self.life)
        free = capability_years(self.arch, self.uncapped) if self.uncapped else caps
        rows: list[dict[str, object]] = []
        for e, rel in enumerate(self.arch.elements):
            cat = self.life.cost_usd[0, e].sum(axis=0)
            foc, foc0 = caps[e]["foc_fy"], free[e]["foc_fy"]
            slip: int | None = None
            if self.uncapped is not None and foc is not None and foc0 is not None:
                slip = foc - foc0
            rows.append(
                {
                    "label": rel.element.name,
                    "layer": rel.element.layer,
                    "item": rel.element.item,
                    "unit": rel.entry.unit,
                    "quantity": rel.quantity,
                    "quantity_basis": rel.quantity_basis,
                    "start_fy": rel.element.start_fy,
                    "service_life_years": rel.entry.service_life_years,
                    "units_produced": int(self.life.produced[0, e].sum()),
                    "ioc_fy": caps[e]["ioc_fy"],
                    "foc_fy": foc,
                    "foc_fy_uncapped": foc0,
                    "slip_years": slip,
                    "total_usd": float(cat.sum()),
                    "by_category": {k: float(v) for k, v in zip(CATEGORIES, cat, strict=True)},
                    "sunk_development_usd": float(self.life.sunk_development_usd[0, e]),
                    "source": rel.entry.source,
                }
            )
        return rows

    def as_dict(self) -> dict[str, object]:
        """The JSON object of ``shieldlab cost --json`` (see the README)."""
        a = self.arch.architecture
        c = self.life.cost_usd[0]
        by_cat = c.sum(axis=(0, 1))
        acq = float(by_cat[[CATEGORIES.index(k) for k in ACQUISITION]].sum())
        layer_of = [rel.element.layer for rel in self.arch.elements]
        by_fy = []
        for y, fy in enumerate(self.life.years):
            per_layer = {
                layer: float(sum(c[e, y].sum() for e, l in enumerate(layer_of) if l == layer))
                for layer in self.layers
            }
            by_fy.append(
                {"fiscal_year": int(fy), "usd": float(c[:, y].sum()), "by_layer": per_layer}
            )
        schedule = [
            {
                "fiscal_year": int(fy),
                "layer": rel.element.layer,
                "element": rel.element.name,
                "unit": rel.entry.unit,
                "fielded": int(self.life.fielded[0, e, y]),
                "delivered": int(self.life.produced[0, e, y]),
            }
            for y, fy in enumerate(self.life.years)
            for e, rel in enumerate(self.arch.elements)
        ]
        index = load_price_index()
        d: dict[str, object] = {
            "architecture": a.name,
            "file": self.arch.path,
            "sha256": self.arch.sha256,
            "first_fy": a.first_fy,
            "last_fy": a.last_fy,
            "horizon_years": a.horizon_years,
            "dollars_fy": a.dollars_fy,
            "price_index": index.name,
            "production": a.production,
            "launch_price_usd_per_kg": self.arch.launch_price_usd_per_kg,
            "total_usd": float(by_cat.sum()),
            "acquisition_usd": acq,
            "operations_usd": float(by_cat[OPS]),
            "by_category": {k: float(v) for k, v in zip(CATEGORIES, by_cat, strict=True)},
            "sunk_development_usd": float(self.life.sunk_development_usd[0].sum()),
            "by_layer": self._layer_rows(),
            "elements": self._element_rows(),
            "by_fiscal_year": by_fy,
            "schedule": schedule,
            "budget_cap_usd": self.budget_cap_usd,
            "tornado": self.tornado,
            "assumptions": list(a.assumptions),
            "source": a.source,
        }
        if self.sample_totals.size:
            d |= percentiles(self.sample_totals)
            d["samples"] = int(self.sample_totals.size)
            d["seed"] = self.seed
            d["s_curve"] = s_curve(self.sample_totals)
        return d


def run_cost_study(
    arch: LoadedArchitecture,
    samples: int = 0,
    seed: int = 0,
    budget_cap_usd: float | None = None,
) -> CostStudy:
    """Point estimate, tornado and ``samples`` Latin-hypercube samples (module docstring).

    Raises :class:`~shieldlab.analysis.lifecycle.BudgetError` for a cap below the fixed
    costs of a fiscal year.
    """
    unc = uncertain_inputs(arch)
    tor = tornado_changes(unc)
    smp = sample_changes(unc, samples, seed)
    life = evaluate(arch, inputs_from(arch, [{}, *tor, *smp]), budget_cap_usd)
    totals = life.total_usd()
    uncapped = None
    if budget_cap_usd is not None:
        uncapped = evaluate(arch, inputs_from(arch, [{}]))
    point = LifeCycle(
        life.years,
        life.cost_usd[:1],
        life.fielded[:1],
        life.produced[:1],
        life.sunk_development_usd[:1],
        life.capped,
    )
    return CostStudy(
        arch=arch,
        life=point,
        uncapped=uncapped,
        budget_cap_usd=budget_cap_usd,
        tornado=tornado_rows(unc, totals[1 : 1 + len(tor)], float(totals[0])),
        sample_totals=np.asarray(totals[1 + len(tor) :]),
        seed=seed,
    )
