"""The battle manager's duplicate-track check: the k-d tree path for many tracks
gives the all-pairs answer (strict limit, ties to the earlier row)."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.core.frames import norm3
from shieldlab.sim.decide import _DENSE_DUPLICATES, DUPLICATE_M, _duplicates


def _dense(pos: np.ndarray, upd: np.ndarray) -> np.ndarray:
    n = pos.shape[0]
    d = norm3(pos[:, None, :] - pos[None, :, :])
    better = (upd[None, :] > upd[:, None]) | (
        (upd[None, :] == upd[:, None]) & (np.arange(n)[None, :] < np.arange(n)[:, None])
    )
    return np.any((d < DUPLICATE_M) & better, axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tree_path_equals_all_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3 * _DENSE_DUPLICATES
    centres = rng.normal(0.0, 2.0e6, (40, 3)) + np.array([6.0e6, 0.0, 0.0])
    pos = centres[rng.integers(0, 40, n)] + rng.normal(0.0, 900.0, (n, 3))
    # far from the clouds, differences exact: at the limit (not a duplicate), inside
    pos[0], pos[1] = [1.0e7, 0.0, 0.0], [1.0e7 + DUPLICATE_M, 0.0, 0.0]
    pos[2], pos[3] = [-1.0e7, 0.0, 0.0], [-1.0e7 + DUPLICATE_M - 0.5, 0.0, 0.0]
    upd = rng.integers(3, 7, n)  # many ties
    upd[:4] = 5
    got = _duplicates(pos, upd)
    want = _dense(pos, upd)
    assert 0 < want.sum() < n  # the clouds make both kinds
    np.testing.assert_array_equal(got, want)
    assert got[:4].tolist() == [False, False, False, True]  # the tie drops the later row


def test_small_sets_use_the_dense_check() -> None:
    pos = np.array([[7.0e6, 0.0, 0.0], [7.0e6 + 10.0, 0.0, 0.0], [7.0e6, 5.0e3, 0.0]])
    upd = np.array([4, 4, 2])
    np.testing.assert_array_equal(_duplicates(pos, upd), [False, True, False])
