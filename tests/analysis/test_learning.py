"""Learning curves against hand computations (NASA Cost Estimating Handbook v4.0, app. J:
unit theory T_n = T1 n^b; cumulative-average theory Ybar_N = T1 N^b; b = log2 s)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab.analysis.learning import (
    cumulative_cost,
    first_unit_from_average,
    lot_cost,
    power_sum,
    unit_cost,
)


def test_crawford_unit_costs_by_hand() -> None:
    # 90 % unit curve, T1 = 100: unit 2 = 90, unit 4 = 81, unit 8 = 72.9;
    # unit 3 = 100 * 3^log2(0.9) = 84.6206...
    units = unit_cost([1, 2, 3, 4, 8], 100.0, 0.9, "crawford")
    b = math.log2(0.9)
    assert units == pytest.approx([100.0, 90.0, 100.0 * 3**b, 81.0, 72.9], rel=1e-12)
    # cumulative of four = 100 + 90 + 84.6206 + 81 = 355.6206
    assert float(cumulative_cost(4, 100.0, 0.9, "crawford")) == pytest.approx(
        271.0 + 100.0 * 3**b, rel=1e-12
    )


def test_wright_cumulative_average_by_hand() -> None:
    # 80 % cumulative-average curve, T1 = 1,000: the first 2 average 800 (cost 1,600),
    # the first 4 average 640 (cost 2,560); unit 2 costs 600, units 3-4 cost 960.
    assert float(cumulative_cost(2, 1000.0, 0.8, "wright")) == pytest.approx(1600.0)
    assert float(cumulative_cost(4, 1000.0, 0.8, "wright")) == pytest.approx(2560.0)
    assert float(unit_cost(2, 1000.0, 0.8, "wright")) == pytest.approx(600.0)
    assert float(lot_cost(2, 2, 1000.0, 0.8, "wright")) == pytest.approx(960.0)


@pytest.mark.parametrize("n", [1, 63, 64, 65, 100, 1000, 31_200])
@pytest.mark.parametrize("slope", [0.75, 0.85, 0.95, 1.0])
def test_power_sum_matches_the_plain_sum(n: int, slope: float) -> None:
    b = math.log2(slope)
    exact = math.fsum(k**b for k in range(1, n + 1))
    assert float(power_sum(n, b)) == pytest.approx(exact, rel=1e-12)


def test_first_unit_from_an_average_reproduces_the_average() -> None:
    t1 = first_unit_from_average(22.0, 31_200, 0.95, "crawford")
    assert float(cumulative_cost(31_200, t1, 0.95, "crawford")) / 31_200 == pytest.approx(22.0)
    # no learning: T1 is the average
    assert float(first_unit_from_average(4.0, 100, 1.0, "crawford")) == pytest.approx(4.0)


def test_vectorised_over_slopes_and_lots() -> None:
    slopes = np.array([0.8, 0.9, 1.0])
    lots = lot_cost(np.array([0.0, 10.0, 20.0]), 5.0, 50.0, slopes, "crawford")
    scalar = [
        float(lot_cost(m, 5.0, 50.0, s, "crawford"))
        for m, s in zip([0, 10, 20], slopes, strict=True)
    ]
    assert lots == pytest.approx(scalar, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.2, float("nan")])
def test_bad_slope_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="learning slope"):
        cumulative_cost(10, 1.0, bad, "crawford")


@settings(max_examples=200, deadline=None)
@given(
    m=st.integers(0, 5000),
    q=st.integers(0, 5000),
    slope=st.floats(0.7, 1.0),
    form=st.sampled_from(["crawford", "wright"]),
)
def test_lots_add_up_and_units_get_cheaper(m: int, q: int, slope: float, form: str) -> None:
    total = float(cumulative_cost(m + q, 1.0, slope, form))  # type: ignore[arg-type]
    parts = float(cumulative_cost(m, 1.0, slope, form)) + float(lot_cost(m, q, 1.0, slope, form))  # type: ignore[arg-type]
    assert parts == pytest.approx(total, rel=1e-9, abs=1e-9)
    if q > 0:
        assert (
            float(unit_cost(m + q, 1.0, slope, form))
            <= float(unit_cost(max(m, 1), 1.0, slope, form)) + 1e-12
        )  # type: ignore[arg-type]


def test_tabulated_power_sums_match_the_plain_sums() -> None:
    from shieldlab.analysis.learning import PowerSums

    b = np.log2(np.array([0.8, 0.9, 0.95, 1.0, 0.85]))
    n = np.array([0.0, 5.0, 64.0, 65.0, 31_200.0])
    sums = PowerSums.of(b)(n)
    expect = [math.fsum(k**bb for k in range(1, int(nn) + 1)) for bb, nn in zip(b, n, strict=True)]
    assert sums == pytest.approx(expect, rel=1e-12)
