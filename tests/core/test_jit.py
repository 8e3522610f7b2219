"""The kernel helpers of core.jit."""

from __future__ import annotations

import numpy as np

from shieldlab.core.jit import grown


def test_grown_keeps_dtype_row_shape_and_values() -> None:
    for a in (np.arange(5), np.linspace(0.0, 1.0, 4), np.array([True, False]), np.ones((3, 3))):
        g = grown(a, 8)
        assert g.dtype == a.dtype and g.shape == (8, *a.shape[1:])
        assert np.array_equal(g[: len(a)], a)
