"""Supply-chain exposure: demand against capacity, single sources, supplier outages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.cost_catalog import load_cost_catalog
from shieldlab.analysis.lifecycle import evaluate, point_inputs
from shieldlab.analysis.supply_chain import LAUNCH, exposure, load_components, outage

Make = Callable[..., LoadedArchitecture]
El = Callable[..., dict[str, Any]]


def test_every_critical_input_is_a_catalog_component_with_a_source() -> None:
    comps = load_components()
    assert LAUNCH in comps
    for name, entry in load_cost_catalog().items():
        for c in entry.critical_inputs:
            assert c in comps, (name, c)
    for c in comps.values():
        assert len(c.source) > 60 and c.suppliers


def _pac3(make_arch: Make, element: El, quantity: int, rate: int) -> LoadedArchitecture:
    over = {
        "production_rate_per_year": rate,
        "critical_inputs": {"solid-rocket-motors": 1, "ammonium-perchlorate": 1},
    }
    return make_arch([element(quantity=quantity, start_fy=2026, overrides=over)], first_fy=2026)


def test_demand_against_capacity_by_hand(make_arch: Make, element: El) -> None:
    # 4,000 interceptors at 2,000 a year: 2,000 motor sets in FY2026 and FY2027 against
    # a capacity of 1,500 (2025-2026) and 2,500 (from 2027): short in FY2026 only
    arch = _pac3(make_arch, element, 4000, 2000)
    life = evaluate(arch, point_inputs(arch))
    rows = {r["component"]: r for r in exposure(arch, life)["components"]}
    srm = rows["solid-rocket-motors"]
    assert srm["demand"][:3] == [2000.0, 2000.0, 0.0]
    assert srm["capacity"][:3] == [1500.0, 2500.0, 2500.0]
    assert srm["shortfall_years"] == [2026]
    assert srm["peak_demand_to_capacity"] == pytest.approx(2000 / 1500)
    # ammonium perchlorate: one qualified supplier, no public capacity
    ap = rows["ammonium-perchlorate"]
    assert (
        ap["single_source"]
        and ap["shortfall_years"] == []
        and ap["peak_demand_to_capacity"] is None
    )
    assert exposure(arch, life)["single_source_layers"] == {"terminal": ["ammonium-perchlorate"]}
    assert "launch-to-leo" not in rows  # nothing launched


def test_launch_demand_is_the_mass_to_orbit(make_arch: Make) -> None:
    el = {
        "label": "sats",
        "layer": "space-ir",
        "item": "leo-tracking-satellite",
        "quantity": 100,
        "start_fy": 2026,
        "overrides": {"production_rate_per_year": 50, "surge_rate_per_year": 50},
    }
    arch = make_arch([el], first_fy=2026)
    life = evaluate(arch, point_inputs(arch))
    rows = {r["component"]: r for r in exposure(arch, life)["components"]}
    # 50 satellites of 400 kg a year: 20 t a year
    assert rows[LAUNCH]["demand"][:3] == pytest.approx([20.0, 20.0, 0.0])


@pytest.mark.parametrize(
    ("component", "months", "first_year"),
    [
        ("ammonium-perchlorate", 6, 50),  # single source: the whole line stops half a year
        ("solid-rocket-motors", 12, 50),  # one of two suppliers out a year: half the output
        ("solid-rocket-motors", 6, 75),  # half of it for half a year: a quarter
    ],
)
def test_outage_removes_the_suppliers_share(
    make_arch: Make, element: El, component: str, months: int, first_year: int
) -> None:
    arch = _pac3(make_arch, element, 100, 100)
    o = outage(arch, component, months, 2026)
    (row,) = o["elements"]  # type: ignore[misc]
    assert row["foc_fy"] == 2026 and row["foc_fy_with_outage"] == 2027 and row["slip_years"] == 1
    from shieldlab.analysis.supply_chain import outage_limits

    limits = outage_limits(arch, component, months, 2026)
    assert limits[0, 0] == first_year and limits[0, 1] == 100


def test_outage_of_an_unused_component_moves_nothing(make_arch: Make, element: El) -> None:
    arch = _pac3(make_arch, element, 100, 100)
    o = outage(arch, "gallium", 24, 2026)
    assert [r["slip_years"] for r in o["elements"]] == [0]  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown component 'tungsten'"):
        outage(arch, "tungsten", 3, 2026)
    with pytest.raises(ValueError, match="outside FY2026"):
        outage(arch, "gallium", 3, 2099)
