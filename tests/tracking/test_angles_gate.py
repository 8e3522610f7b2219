"""The whole-frame angles-only gate equals the satellite-by-satellite gate."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.tracking import angles_gate
from shieldlab.tracking.angles import measure_radec
from shieldlab.tracking.angles_gate import angles_gated_pairs
from shieldlab.tracking.associate import gated_pairs


def _frame(seed: int) -> tuple[np.ndarray, ...]:
    """Tracks near objects of a few clusters, satellites of a LEO shell seeing them with
    angular noise; some tracks with broad covariances, some objects without a track."""
    rng = np.random.default_rng(seed)
    n_obj, n_sat = 120, 40
    centre = rng.normal(size=(6, 3))
    centre = 6.9e6 * centre / np.linalg.norm(centre, axis=1, keepdims=True)
    r = centre[rng.integers(0, 6, n_obj)] + rng.normal(0.0, 30e3, (n_obj, 3))
    sats = rng.normal(size=(n_sat, 3))
    sats = 7.4e6 * sats / np.linalg.norm(sats, axis=1, keepdims=True)
    x = np.concatenate([r + rng.normal(0.0, 800.0, r.shape), rng.normal(0, 3e3, r.shape)], 1)
    sig = rng.uniform(300.0, 3e3, n_obj)
    P = np.zeros((n_obj, 6, 6))
    P[:, :3, :3] = sig[:, None, None] ** 2 * np.eye(3)
    P[:, 3:, 3:] = 1e6 * np.eye(3)
    P[:5, :3, :3] *= 1e4  # broad priors: wide boxes
    x[5] = np.nan  # a lost track: no pairs
    # each satellite sees the objects within 6,000 km
    d = np.linalg.norm(r[None] - sats[:, None], axis=-1)
    cs, oi = np.nonzero(d < 6.0e6)
    z, _ = measure_radec(np.concatenate([r[oi], np.zeros((oi.size, 3))], 1), sats[cs])
    s = rng.uniform(20e-6, 60e-6, oi.size)
    z = z + rng.normal(size=z.shape) * s[:, None]
    z[:, 0] = np.mod(z[:, 0], 2 * np.pi)
    R = np.zeros((oi.size, 2, 2))
    R[:, 0, 0] = (s / np.cos(z[:, 1])) ** 2
    R[:, 1, 1] = s**2
    return x[20:], P[20:], z, R, sats, cs.astype(np.int64)  # objects 0-19: no track


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("cell_m", [angles_gate.CELL_M, 1e3, 1e9])
def test_frame_gate_equals_gate_per_satellite(
    seed: int, cell_m: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the grouping of the tracks (the default cells, one track per group,
    one group), the pairs are those of the gate run satellite by satellite."""
    monkeypatch.setattr(angles_gate, "CELL_M", cell_m)
    x, P, z, R, sats, col = _frame(seed)
    ti, ci, mj, d2, logdet = angles_gated_pairs(x, P, z, R, sats, col, 0.9997)
    want_t, want_c, want_m, want_d2, want_ld = [], [], [], [], []
    for c in range(sats.shape[0]):
        rows = np.flatnonzero(col == c)

        def model(xx: np.ndarray, o: np.ndarray = sats[c]) -> tuple[np.ndarray, np.ndarray]:
            return measure_radec(xx, np.broadcast_to(o, (xx.shape[0], 3)))

        t_, m_, d_, l_ = gated_pairs(x, P, z[rows], R[rows], model, (0,), 2, 0.9997)
        want_t.append(t_)
        want_c.append(np.full(t_.size, c))
        want_m.append(rows[m_])
        want_d2.append(d_)
        want_ld.append(l_)
    assert np.array_equal(ti, np.concatenate(want_t))
    assert np.array_equal(ci, np.concatenate(want_c))
    assert np.array_equal(mj, np.concatenate(want_m))
    # d² to rounding: ν is a difference of angles ~1e-5 rad apart, so one ulp of
    # atan2 (libm in the kernel, numpy's in the reference) is ~1e-11 of it
    np.testing.assert_allclose(d2, np.concatenate(want_d2), rtol=1e-9)
    np.testing.assert_allclose(logdet, np.concatenate(want_ld), rtol=1e-12, atol=1e-12)
    assert ti.size > 100 and np.unique(ci).size > 10  # a real frame, not an empty one


def test_frame_gate_empty_inputs() -> None:
    x, P, z, R, sats, col = _frame(4)
    out = angles_gated_pairs(x[:0], P[:0], z, R, sats, col, 0.9997)
    assert all(a.size == 0 for a in out)
    out = angles_gated_pairs(x, P, z[:0], R[:0], sats, col[:0], 0.9997)
    assert all(a.size == 0 for a in out)
