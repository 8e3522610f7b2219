"""Cost uncertainty: the sampled mean and the tornado against the triangular closed forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from shieldlab.analysis.architecture import LoadedArchitecture
from shieldlab.analysis.cost_study import run_cost_study

Make = Callable[..., LoadedArchitecture]
El = Callable[..., dict[str, Any]]


def _one_uncertain(make_arch: Make, element: El) -> LoadedArchitecture:
    # 100 units at a triangular (2, 3, 7) M$ each, delivered in one year, nothing else:
    # the life-cycle cost is 100 x the unit cost, mean 100 (2 + 3 + 7) / 3 = 400 M$
    over = {
        "production_rate_per_year": 100,
        "first_unit_cost_musd": 3.0,
        "uncertainty": {"first_unit_cost_musd": [2.0, 7.0]},
    }
    return make_arch([element(quantity=100, overrides=over)])


def test_sampled_mean_and_median_match_the_triangular_distribution(
    make_arch: Make, element: El
) -> None:
    study = run_cost_study(_one_uncertain(make_arch, element), samples=2000, seed=3)
    totals = study.sample_totals / 1e6
    assert totals.mean() == pytest.approx(400.0, rel=0.01)
    # triangular median for c = (3-2)/(7-2) = 0.2 < 0.5: b - sqrt((b-a)(b-c)/2)
    median = 7.0 - np.sqrt((7.0 - 2.0) * (7.0 - 3.0) / 2.0)
    d = study.as_dict()
    assert d["p50_usd"] / 1e6 == pytest.approx(100 * median, rel=0.01)
    assert d["p10_usd"] < d["p50_usd"] < d["p90_usd"]
    assert totals.min() >= 200.0 - 1e-6 and totals.max() <= 700.0 + 1e-6
    # Latin hypercube: each of the 2,000 equal-probability strata holds one sample
    cdf_at = np.where(
        totals <= 300.0,
        (totals - 200.0) ** 2 / (500.0 * 100.0),
        1.0 - (700.0 - totals) ** 2 / (500.0 * 400.0),
    )
    strata = np.floor(np.clip(cdf_at, 0, 1 - 1e-12) * 2000).astype(int)
    assert np.unique(strata).size >= 1990  # one per stratum (float rounding at the edges)


def test_same_seed_same_samples_and_tornado_swings(make_arch: Make, element: El) -> None:
    arch = _one_uncertain(make_arch, element)
    a = run_cost_study(arch, samples=50, seed=1)
    b = run_cost_study(arch, samples=50, seed=1)
    c = run_cost_study(arch, samples=50, seed=2)
    np.testing.assert_array_equal(a.sample_totals, b.sample_totals)
    assert not np.array_equal(a.sample_totals, c.sample_totals)
    (row,) = a.tornado
    assert row["low_usd"] == pytest.approx(200e6) and row["high_usd"] == pytest.approx(700e6)
    assert row["swing_usd"] == pytest.approx(500e6)


def test_tornado_ranks_the_cbo_sbi_unit_cost_first() -> None:
    from pathlib import Path

    from shieldlab.analysis.architecture import load_architecture

    arch = load_architecture(Path(__file__).resolve().parents[2] / "architectures/cbo-2026.yaml")
    rows = run_cost_study(arch).tornado
    assert rows[0]["input"] == "SBI constellation: average_unit_cost_musd"
    swings = [r["swing_usd"] for r in rows]
    assert swings == sorted(swings, reverse=True)
