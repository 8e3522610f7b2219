"""Tests of the greedy weapon-target assignment (battle.assign)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from shieldlab.battle import greedy_assign


def test_hand_made_value_order_and_earliest_site() -> None:
    value = np.array([1.0, 5.0, 3.0, 0.0])
    prio = np.array([100.0, 200.0, 300.0, 50.0])
    feas = np.array([[1, 1], [1, 1], [0, 1], [1, 1]], bool)
    t_int = np.array([[500.0, 400.0], [600.0, 700.0], [0.0, 800.0], [100.0, 100.0]])
    a = greedy_assign(value, prio, feas, t_int, inventory=[2, 2], shots_per_threat=1)
    # threat 1 (value 5) → site 0 (earlier); threat 2 (value 3) → site 1 (only feasible);
    # threat 0 (value 1) → site 1 (earlier 400 s); threat 3 has value 0: nothing
    assert a.threat_index.tolist() == [1, 2, 0]
    assert a.site_index.tolist() == [0, 1, 1]
    assert a.inventory.tolist() == [1, 0]


def test_ties_broken_by_earlier_impact() -> None:
    value = np.array([2.0, 2.0, 2.0])
    prio = np.array([300.0, 100.0, 200.0])
    feas = np.ones((3, 1), bool)
    a = greedy_assign(value, prio, feas, np.zeros((3, 1)), inventory=[2])
    assert a.threat_index.tolist() == [1, 2]


def test_salvo_spreads_when_site_runs_out() -> None:
    value = np.array([10.0, 1.0])
    feas = np.ones((2, 3), bool)
    t_int = np.array([[300.0, 200.0, 400.0], [300.0, 200.0, 400.0]])
    a = greedy_assign(value, [0.0, 0.0], feas, t_int, inventory=[5, 1, 0], shots_per_threat=3)
    # threat 0: 1 from site 1 (earliest, then empty), 2 from site 0; threat 1: 1 from site 0
    assert a.threat_index.tolist() == [0, 0, 0, 1, 1, 1]
    assert a.site_index.tolist() == [1, 0, 0, 0, 0, 0]
    assert a.inventory.tolist() == [0, 0, 0]
    # per-threat salvo sizes
    b = greedy_assign(value, [0.0, 0.0], feas, t_int, inventory=[5, 1, 0], shots_per_threat=[1, 2])
    assert b.shots_per_threat(2).tolist() == [1, 2]


def test_no_feasible_site_no_inventory() -> None:
    a = greedy_assign([5.0], [0.0], [[False]], [[0.0]], inventory=[4])
    assert a.threat_index.size == 0 and a.inventory.tolist() == [4]
    b = greedy_assign([5.0], [0.0], [[True]], [[0.0]], inventory=[0])
    assert b.threat_index.size == 0


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shots=st.integers(1, 3))
def test_invariants_random(seed: int, shots: int) -> None:
    rng = np.random.default_rng(seed)
    n, s = int(rng.integers(1, 12)), int(rng.integers(1, 5))
    value = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 10, n))
    feas = rng.random((n, s)) < 0.6
    t_int = rng.uniform(100, 1000, (n, s))
    inv0 = rng.integers(0, 6, s)
    a = greedy_assign(value, rng.uniform(0, 1000, n), feas, t_int, inv0, shots)
    used = np.bincount(a.site_index, minlength=s)
    assert np.all(used <= inv0)  # respects inventory
    assert np.array_equal(a.inventory, inv0 - used)
    assert np.all(feas[a.threat_index, a.site_index])  # never infeasible
    assert np.all(value[a.threat_index] > 0)  # nothing for non-threatening objects
    per = a.shots_per_threat(n)
    assert np.all(per <= shots)
    # a threat left short could not have been served by a feasible site with stock left
    for i in np.flatnonzero((per < shots) & (value > 0)):
        assert not np.any(feas[i] & (a.inventory > 0))


def _expected_destroyed(value: np.ndarray, x: np.ndarray, pk: float) -> float:
    return float(np.sum(value * (1 - (1 - pk) ** x)))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_greedy_optimal_single_site_uniform_pk_one_shot(seed: int) -> None:
    # Brute force over every allocation with ≤ 1 shot per threat and ≤ inventory in total:
    # greedy reaches the maximum expected destroyed value (min expected surviving value).
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    value = rng.integers(0, 6, n).astype(float)  # integer values: ties and zeros happen
    inv = int(rng.integers(0, n + 2))
    pk = 0.7
    a = greedy_assign(value, rng.uniform(0, 1, n), np.ones((n, 1), bool), np.zeros((n, 1)), [inv])
    greedy = _expected_destroyed(value, a.shots_per_threat(n), pk)
    best = max(
        _expected_destroyed(value, np.array(x), pk)
        for x in itertools.product((0, 1), repeat=n)
        if sum(x) <= inv
    )
    assert greedy == best or abs(greedy - best) < 1e-12


def test_greedy_salvo_not_always_optimal() -> None:
    # Documented limitation: with a fixed salvo of 2 and only 2 interceptors, greedy gives both
    # to the value-10 threat (10·0.75 = 7.5 destroyed) while 1+1 on values 10 and 9 gives 9.5.
    value = np.array([10.0, 9.0])
    a = greedy_assign(value, [0.0, 0.0], np.ones((2, 1), bool), np.zeros((2, 1)), [2], 2)
    assert _expected_destroyed(value, a.shots_per_threat(2), 0.5) == 7.5
    assert _expected_destroyed(value, np.array([1, 1]), 0.5) == 9.5


def _surviving(value: np.ndarray, pk: np.ndarray, threats: np.ndarray, sites: np.ndarray) -> float:
    surv = np.ones(value.size)
    for i, j in zip(threats, sites, strict=True):
        surv[i] *= 1.0 - pk[i, j]
    return float(value @ surv)


def test_wta_assign_matches_brute_force_and_beats_greedy() -> None:
    """Small epochs (3 threats, 2 sites, 2 interceptors each, salvo cap 2): the WTA
    heuristic (MMR + greedy starts, local search with moves and swaps; Ahuja et al.,
    Oper. Res. 55(6), 2007) is within 1 % of the brute-force minimum of the expected
    surviving value on 30 random cases (measured: optimal on all 30) and never worse
    than greedy."""
    from shieldlab.battle.assign import wta_assign

    rng = np.random.default_rng(3)
    gaps: list[float] = []
    for _ in range(30):
        n, s = 3, 2
        value = rng.uniform(1.0, 10.0, n)
        pk = rng.uniform(0.2, 0.9, (n, s))
        feas = rng.random((n, s)) < 0.8
        t_int = rng.uniform(100.0, 500.0, (n, s))
        inv = np.array([2, 2])
        a = wta_assign(value, feas, pk, t_int, inv, shots_per_threat=2)
        got = _surviving(value, pk, a.threat_index, a.site_index)
        e = wta_assign(value, feas, pk, t_int, inv, shots_per_threat=2, exact=True)
        assert _surviving(value, pk, e.threat_index, e.site_index) <= got + 1e-9
        best = np.inf
        # every x (n, s) with x_ij in 0..2, site totals <= 2, threat totals <= 2
        for cells in itertools.product(range(3), repeat=n * s):
            x = np.array(cells).reshape(n, s)
            if (x.sum(axis=0) > inv).any() or (x.sum(axis=1) > 2).any() or (x[~feas] > 0).any():
                continue
            best = min(best, float(value @ np.prod((1.0 - pk) ** x, axis=1)))
        gaps.append(got / best - 1.0)
        g = greedy_assign(value, np.zeros(n), feas, t_int, inv, 2)
        assert got <= _surviving(value, pk, g.threat_index, g.site_index) + 1e-9
        np.testing.assert_array_equal(a.inventory, inv - np.bincount(a.site_index, minlength=s))
    assert max(gaps) < 0.01  # measured: the brute-force optimum on 30 of 30
