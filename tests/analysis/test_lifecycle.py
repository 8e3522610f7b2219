"""Schedule and life-cycle cost against hand computations (shieldlab.analysis.lifecycle)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.cost_study import run_cost_study
from shieldlab.analysis.learning import cumulative_cost, first_unit_from_average
from shieldlab.analysis.lifecycle import (
    CATEGORIES,
    BudgetError,
    capability_years,
    evaluate,
    point_inputs,
    rate_limits,
)

Make = Callable[..., LoadedArchitecture]
El = Callable[..., dict[str, Any]]
ARCH = Path(__file__).resolve().parents[2] / "architectures"


@pytest.mark.parametrize(("n", "rate"), [(1000, 300), (900, 300), (1, 50), (4800, 600)])
def test_rate_limited_schedule_takes_ceil_n_over_r_years(
    make_arch: Make, element: El, n: int, rate: int
) -> None:
    arch = make_arch([element(quantity=n, overrides={"production_rate_per_year": rate})])
    life = evaluate(arch, point_inputs(arch))
    years = math.ceil(n / rate)
    delivered = life.produced[0, 0]
    assert delivered[:years].sum() == n and delivered[years:].sum() == 0
    assert list(delivered[: years - 1]) == [rate] * (years - 1)
    assert capability_years(arch, life)[0]["foc_fy"] == 2030 + years - 1


def test_a_ramp_then_ceil_of_the_rest_at_full_rate(make_arch: Make, element: El) -> None:
    # rate 300 with a 2-year ramp: 100, 200, then 300 a year; 1,000 units: the ramp
    # makes 300, the other 700 take ceil(700 / 300) = 3 years -> FOC in the fifth year
    arch = make_arch(
        [element(quantity=1000, overrides={"production_rate_per_year": 300, "ramp_years": 2})]
    )
    life = evaluate(arch, point_inputs(arch))
    assert list(life.produced[0, 0, :6]) == [100, 200, 300, 300, 100, 0]
    assert capability_years(arch, life)[0]["foc_fy"] == 2030 + 2 + math.ceil(700 / 300) - 1


def test_surge_rate_grows_linearly_from_the_study_start(make_arch: Make, element: El) -> None:
    over = {"production_rate_per_year": 600, "surge_rate_per_year": 2000, "surge_years": 7}
    arch = make_arch([element(quantity=10**6, overrides=over)], production="surge")
    limits = rate_limits(arch)[0]
    expect = [math.floor(600 + 1400 * min(1.0, (k + 1) / 7)) for k in range(10)]
    assert list(limits[:10]) == expect
    current = make_arch([element(quantity=10**6, overrides=over)])
    assert set(rate_limits(current)[0]) == {600.0}


@pytest.mark.parametrize(("life_years", "replacements"), [(7, 2), (5, 3), (20, 0), (19, 1)])
def test_replenishment_for_a_life_that_does_not_divide_the_horizon(
    make_arch: Make, element: El, life_years: int, replacements: int
) -> None:
    # 10 units delivered in the first year; each serves `life` years and is replaced when
    # it retires: replacements in years life, 2 life, ... < 20 -> floor(19 / life)
    arch = make_arch(
        [
            element(
                quantity=10,
                overrides={
                    "production_rate_per_year": 100,
                    "service_life_years": life_years,
                    "operations_musd_per_unit_year": 0.5,
                },
            )
        ]
    )
    life = evaluate(arch, point_inputs(arch))
    assert replacements == (20 - 1) // life_years
    assert life.produced[0, 0].sum() == 10 * (1 + replacements)
    assert set(life.fielded[0, 0]) == {10}  # replaced in the year it retires: no gap
    c = life.cost_usd[0, 0].sum(axis=0)
    assert c[CATEGORIES.index("procurement")] == pytest.approx(10 * 1e6)
    assert c[CATEGORIES.index("replenishment")] == pytest.approx(10 * replacements * 1e6)
    # O&S from the year after delivery: 19 years of 10 units at 0.5 M$
    assert c[CATEGORIES.index("operations")] == pytest.approx(19 * 10 * 0.5e6)


def test_fiscal_years_layers_and_categories_add_up_to_the_total() -> None:
    from shieldlab.analysis.architecture import load_architecture

    study = run_cost_study(load_architecture(ARCH / "cbo-2026.yaml"))
    d = study.as_dict()
    total = d["total_usd"]
    assert sum(r["usd"] for r in d["by_fiscal_year"]) == pytest.approx(total, rel=1e-12)
    assert sum(v["total_usd"] for v in d["by_layer"].values()) == pytest.approx(total, rel=1e-12)
    assert sum(d["by_category"].values()) == pytest.approx(total, rel=1e-12)
    assert d["acquisition_usd"] + d["operations_usd"] == pytest.approx(total, rel=1e-12)
    # schedule rows: one per fiscal year and element, fielded never above the target
    targets = {e["label"]: e["quantity"] for e in d["elements"]}
    assert len(d["schedule"]) == 20 * len(targets)
    assert all(r["fielded"] <= targets[r["element"]] for r in d["schedule"])


def test_learning_curve_prices_the_lot(make_arch: Make, element: El) -> None:
    over = {"production_rate_per_year": 40, "learning_slope": 0.9, "first_unit_cost_musd": 10.0}
    arch = make_arch([element(quantity=100, overrides=over)])
    life = evaluate(arch, point_inputs(arch))
    proc = life.cost_usd[0, 0, :, CATEGORIES.index("procurement")]
    # lots of 40, 40, 20 on a 90 % unit curve from T1 = 10 M$
    edges = [0, 40, 80, 100]
    expect = [
        float(cumulative_cost(b, 10e6, 0.9, "crawford") - cumulative_cost(a, 10e6, 0.9, "crawford"))
        for a, b in itertools.pairwise(edges)
    ]
    assert proc[:3] == pytest.approx(expect, rel=1e-12)
    # an average quoted over 100 units gives that average back over the same 100
    avg = make_arch(
        [
            element(
                quantity=100,
                overrides={
                    **over,
                    "first_unit_cost_musd": None,
                    "average_unit_cost_musd": 5.0,
                    "average_over_units": 100,
                },
            )
        ]
    )
    assert evaluate(avg, point_inputs(avg)).total_usd()[0] == pytest.approx(100 * 5e6)
    assert float(first_unit_from_average(5.0, 100, 0.9, "crawford")) > 5.0


def test_learning_restarts_each_buy_with_scope_buy(make_arch: Make, element: El) -> None:
    over = {
        "production_rate_per_year": 100,
        "learning_slope": 0.85,
        "service_life_years": 5,
        "learning_scope": "buy",
    }
    arch = make_arch([element(quantity=100, overrides=over)])
    c = evaluate(arch, point_inputs(arch)).cost_usd[0, 0].sum(axis=0)
    first = float(cumulative_cost(100, 1e6, 0.85, "crawford"))
    assert c[CATEGORIES.index("procurement")] == pytest.approx(first)
    assert c[CATEGORIES.index("replenishment")] == pytest.approx(3 * first)


def test_inflation_converts_dollar_years(make_arch: Make, element: El) -> None:
    from shieldlab.analysis.inflation import load_price_index

    idx = load_price_index()
    # GDP price index (2017 = 100): 2024 125.2
    assert float(idx.factor(2017, 2024)) == pytest.approx(1.252)
    assert float(idx.factor(2024, 2017) * idx.factor(2017, 2024)) == pytest.approx(1.0)
    assert float(idx.factor(2025, 2028)) == pytest.approx(1.021**3)  # projected
    with pytest.raises(ValueError, match="starts in 2000"):
        idx.at(1995)
    arch = make_arch(
        [element(quantity=1, overrides={"dollar_year": 2017, "production_rate_per_year": 1})],
        dollars_fy=2024,
    )
    assert evaluate(arch, point_inputs(arch)).total_usd()[0] == pytest.approx(1.252e6)


def test_development_before_the_study_is_sunk(make_arch: Make, element: El) -> None:
    over = {"development_musd": 800.0, "development_years": 4, "production_rate_per_year": 1}
    arch = make_arch([element(quantity=1, start_fy=2032, overrides=over)])
    life = evaluate(arch, point_inputs(arch))
    dev = life.cost_usd[0, 0, :, CATEGORIES.index("development")]
    # 200 M$ a year in FY2028-2031: FY2028-2029 before the study
    assert dev[:3] == pytest.approx([200e6, 200e6, 0.0])
    assert life.sunk_development_usd[0, 0] == pytest.approx(400e6)


def test_budget_cap_stretches_the_later_elements_first(make_arch: Make, element: El) -> None:
    elements = [
        element(label="first", quantity=100, overrides={"production_rate_per_year": 100}),
        element(label="second", quantity=100, overrides={"production_rate_per_year": 100}),
    ]
    arch = make_arch(elements)
    study = run_cost_study(arch, budget_cap_usd=60e6)  # 60 units a year in all
    rows = {r["label"]: r for r in study.as_dict()["elements"]}
    assert rows["first"]["foc_fy"] == 2031 and rows["first"]["slip_years"] == 1
    # 60 in 2030 and 40 in 2031 for the first; the second gets 20 in 2031, then 60, 20
    assert list(study.life.produced[0, 1, :4]) == [0, 20, 60, 20]
    assert rows["second"]["foc_fy"] == 2033 and rows["second"]["slip_years"] == 3
    spent = np.asarray([r["usd"] for r in study.as_dict()["by_fiscal_year"]])
    assert np.all(spent <= 60e6 * (1 + 1e-12))


def test_budget_cap_below_the_fixed_costs_is_refused(make_arch: Make, element: El) -> None:
    over = {"production_rate_per_year": 10, "fixed_operations_musd_per_year": 50.0}
    arch = make_arch([element(quantity=10, overrides=over)])
    with pytest.raises(BudgetError, match="below the fixed costs"):
        run_cost_study(arch, budget_cap_usd=40e6)
