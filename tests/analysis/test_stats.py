"""Tests of the Wilson score interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.stats import binomtest

from shieldlab.analysis.stats import wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "lo_ref", "hi_ref"),
    [
        # Newcombe 1998, Stat. Med. 17:857, Table II, method 3 (score, no
        # continuity correction); published to 4 decimals -> tolerance 6e-5.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_newcombe_1998_table(k: int, n: int, lo_ref: float, hi_ref: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert abs(float(lo) - lo_ref) < 6e-5
    assert abs(float(hi) - hi_ref) < 6e-5


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_matches_scipy_and_contains_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson_interval(k, n, z=1.959963984540054)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert abs(float(lo) - ci.low) < 1e-12
    assert abs(float(hi) - ci.high) < 1e-12
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_vectorised_edges_and_errors() -> None:
    lo, hi = wilson_interval(np.array([0, 10, 0]), np.array([10, 10, 0]))
    np.testing.assert_array_equal(lo[[0, 2]], [0.0, 0.0])
    np.testing.assert_array_equal(hi[[1, 2]], [1.0, 1.0])
    assert 0.69 < lo[1] < 0.73  # 10/10: lower bound = n/(n+z^2) = 0.7225
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
