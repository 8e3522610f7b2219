"""Counter-based draws: SplitMix64's mix against an integer reference, the
distributions against their laws, and the property they exist for (a draw
depends on its own counter only)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from shieldlab.core.counter_rng import counters, keys, normals, uniforms

_MASK = (1 << 64) - 1


def _splitmix_ref(state: int) -> int:
    """SplitMix64's output function in Python integers (Steele et al. 2014)."""
    z = state & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def test_splitmix_sequence_matches_reference() -> None:
    """Counters 1, 2, … under key 0 are SplitMix64 seeded with 0; its first output is
    the published 0xE220A8397B1DCDAF (the xoshiro authors' splitmix64.c, seed 0)."""
    c = np.arange(1, 6, dtype=np.uint64)
    got = uniforms(np.uint64(0), c)
    want = [(_splitmix_ref(k * 0x9E3779B97F4A7C15) >> 11) * 2.0**-53 for k in range(1, 6)]
    assert got.tolist() == want
    assert _splitmix_ref(0x9E3779B97F4A7C15) == 0xE220A8397B1DCDAF
    key = np.uint64(0xDEADBEEF12345678)
    big = counters(np.array([3, 1023]), np.array([7, 4403]))
    want2 = [(_splitmix_ref(int(key) + int(k) * 0x9E3779B97F4A7C15) >> 11) * 2.0**-53 for k in big]
    assert uniforms(key, big).tolist() == want2


def test_draw_depends_on_its_counter_only() -> None:
    key_u, key_a, key_b = keys(np.random.default_rng(5), 3)
    c = counters(np.repeat(np.arange(40), 50), np.tile(np.arange(50), 40))
    sub = c[::7]
    assert np.array_equal(uniforms(key_u, c)[::7], uniforms(key_u, sub))
    assert np.array_equal(normals(key_a, key_b, c)[::7], normals(key_a, key_b, sub))
    assert not np.array_equal(uniforms(key_u, c), uniforms(key_a, c))


def test_distributions() -> None:
    key_u, key_a, key_b = keys(np.random.default_rng(6), 3)
    c = counters(np.repeat(np.arange(200), 500), np.tile(np.arange(500), 200))
    u = uniforms(key_u, c)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = normals(key_a, key_b, c)
    assert stats.kstest(z[:, 0], "norm").pvalue > 1e-3
    assert stats.kstest(z[:, 1], "norm").pvalue > 1e-3
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(u, z[:, 0])[0, 1]) < 0.01
    # neighbouring counters (the next object, the next satellite) are uncorrelated
    grid = u.reshape(200, 500)
    assert abs(np.corrcoef(grid[:, 1:].ravel(), grid[:, :-1].ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(grid[1:].ravel(), grid[:-1].ravel())[0, 1]) < 0.01
