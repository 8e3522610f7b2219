"""The analytic layered-defense model against its closed forms (Wilkening 2000) and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from shieldlab.analysis.analytic import (
    KIND_ATTRITION,
    KIND_BOOST,
    KIND_INTERCEPTOR,
    ModelInputs,
    evaluate,
    poisson_engaged_fraction,
)
from shieldlab.analysis.layered import layered_leakage, sls_expected_shots


def _inputs(
    n_obj: float = 10.0,
    pk: list[float] | None = None,
    shots: list[float] | None = None,
    looks: list[float] | None = None,
    p_ka: float = 1.0,
    rounds: list[float] | None = None,
    decoys: float = 0.0,
    p_decoy: float = 0.0,
    kinds: list[int] | None = None,
    attrition: float = 0.0,
    carriers: float = 0.0,
    f_reach: float = 0.0,
    simultaneous: float = 1.0,
    value: float = 2.0,
) -> ModelInputs:
    pk = pk or [0.6]
    n_l = len(pk)
    kinds = kinds or [KIND_INTERCEPTOR] * n_l

    def gl(x: list[float] | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, np.float64), (n_l,)).reshape(1, 1, 1, n_l)

    return ModelInputs(
        lethal=np.full((1, 1, 1), n_obj),
        decoys=np.full((1, 1, 1), decoys),
        per_launch=np.ones((1, 1, 1)),
        simultaneous=np.full((1, 1, 1), simultaneous),
        value=np.array([value]),
        asset=np.array([0]),
        n_assets=1,
        kind=np.array(kinds, np.int64),
        reach=gl(1.0),
        looks=gl(looks or [1.0] * n_l),
        pk=gl(pk),
        shots=gl(shots or [1.0] * n_l),
        p_engage=gl(1.0),
        p_decoy=gl(p_decoy),
        p_ka=gl(p_ka),
        attrition=gl(attrition),
        f_reach=gl(f_reach),
        rounds=np.asarray(rounds or [math.inf] * n_l, np.float64).reshape(1, n_l),
        capacity=np.full((1, n_l), math.inf),
        carriers=np.full((1, n_l), carriers),
    )


def test_one_layer_salvo_is_the_closed_form() -> None:
    out = evaluate(_inputs(n_obj=10, pk=[0.6], shots=[2]))
    leak = 0.4**2
    assert out.leakers[0, 0] == pytest.approx(10 * leak)
    assert out.p_no_leaker[0, 0] == pytest.approx((1 - leak) ** 10)
    assert out.value_lost[0, 0] == pytest.approx(2.0 * 10 * leak)
    assert out.shots[0, 0, 0] == pytest.approx(20.0)


def test_layers_multiply_as_wilkening() -> None:
    pk, shots = [0.5, 0.7, 0.3], [2, 1, 3]
    out = evaluate(_inputs(n_obj=4, pk=pk, shots=shots))
    p_leak = layered_leakage(pk, shots)
    assert out.leakers[0, 0] == pytest.approx(4 * p_leak)
    assert out.p_no_leaker[0, 0] == pytest.approx((1 - p_leak) ** 4)


@pytest.mark.parametrize("looks", [1, 2, 3])
def test_shoot_look_shoot_with_perfect_assessment(looks: int) -> None:
    p, n = 0.55, 2
    out = evaluate(_inputs(n_obj=1, pk=[p], shots=[n], looks=[looks], p_ka=1.0))
    assert out.leakers[0, 0] == pytest.approx((1 - p) ** (n * looks))
    assert out.shots[0, 0, 0] == pytest.approx(sls_expected_shots(p, n, looks))


def test_imperfect_kill_assessment_two_looks_by_hand() -> None:
    p, n, k = 0.5, 1, 0.8
    out = evaluate(_inputs(n_obj=1, pk=[p], shots=[n], looks=[2], p_ka=k))
    q = (1 - p) ** n
    assert out.leakers[0, 0] == pytest.approx(q * ((1 - k) + k * q))
    # second salvo: live and assessed alive (q k) or dead and assessed alive ((1-q)(1-k))
    assert out.shots[0, 0, 0] == pytest.approx(n * (1 + q * k + (1 - q) * (1 - k)))


def test_short_inventory_goes_to_first_salvos() -> None:
    # 10 objects, 2 shots each, 12 rounds: 6 engaged once, no second look
    out = evaluate(_inputs(n_obj=10, pk=[0.5], shots=[2], looks=[2], rounds=[12]))
    assert out.shots[0, 0, 0] == pytest.approx(12.0)
    assert out.kills[0, 0, 0] == pytest.approx(6 * (1 - 0.25))
    assert out.short[0, 0, 0] == pytest.approx(0.4)
    # rounds for every first salvo and half the looks
    full = evaluate(_inputs(n_obj=10, pk=[0.5], shots=[2], looks=[2]))
    extra = full.shots[0, 0, 0] - 20.0
    half = evaluate(_inputs(n_obj=10, pk=[0.5], shots=[2], looks=[2], rounds=[20 + extra / 2]))
    assert half.leakers[0, 0] == pytest.approx(10 * (0.5 * 0.25**2 + 0.5 * 0.25))


def test_decoys_that_are_engaged_consume_rounds() -> None:
    clean = evaluate(_inputs(n_obj=10, pk=[0.6], shots=[1], rounds=[10]))
    lured = evaluate(_inputs(n_obj=10, pk=[0.6], shots=[1], rounds=[10], decoys=10, p_decoy=1.0))
    assert clean.leakers[0, 0] == pytest.approx(4.0)
    assert lured.leakers[0, 0] == pytest.approx(10 * (1 - 0.5 * 0.6))
    ignored = evaluate(_inputs(n_obj=10, pk=[0.6], shots=[1], rounds=[10], decoys=10, p_decoy=0.0))
    assert ignored.leakers[0, 0] == pytest.approx(4.0)


@pytest.mark.parametrize("lam", [0.2, 3.0, 15.0])
@pytest.mark.parametrize("demand", [1, 4, 30])
def test_poisson_engaged_fraction_against_the_sum(lam: float, demand: int) -> None:
    k = np.arange(500)
    ref = float(np.sum(np.minimum(k, demand) * poisson.pmf(k, lam))) / demand
    got = float(poisson_engaged_fraction(np.array(lam), np.array(demand)))
    assert got == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_boost_layer_absentee_ratio() -> None:
    # 400 carriers, 1 % in reach of a launch (λ = 4), 3 simultaneous launches x 1 shot
    out = evaluate(
        _inputs(n_obj=3, pk=[0.8], kinds=[KIND_BOOST], carriers=400, f_reach=0.01, simultaneous=3)
    )
    frac = float(poisson_engaged_fraction(np.array(4.0), np.array(3.0)))
    assert out.leakers[0, 0] == pytest.approx(3 * (1 - frac * 0.8))


def test_attrition_layer_removes_its_share() -> None:
    out = evaluate(_inputs(n_obj=8, pk=[0.0], kinds=[KIND_ATTRITION], attrition=0.25))
    assert out.leakers[0, 0] == pytest.approx(6.0)
    assert out.kills[0, 0, 0] == pytest.approx(2.0)


def test_more_rounds_never_more_leakers() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        r = float(rng.uniform(0, 40))
        a = evaluate(_inputs(n_obj=12, pk=[0.5], shots=[2], looks=[3], p_ka=0.9, rounds=[r]))
        b = evaluate(_inputs(n_obj=12, pk=[0.5], shots=[2], looks=[3], p_ka=0.9, rounds=[r + 3]))
        assert b.leakers[0, 0] <= a.leakers[0, 0] + 1e-12


def test_vectorised_over_architectures_and_raids_matches_single_calls() -> None:
    base = _inputs(n_obj=5, pk=[0.5, 0.6], shots=[2, 1], looks=[2, 1], rounds=[8, 5])
    rounds = np.array([[8.0, 5.0], [2.0, 1.0], [30.0, 0.0]])
    lethal = np.array([1.0, 5.0, 20.0]).reshape(1, 3, 1)
    batch = evaluate(
        ModelInputs(
            **{
                **base.__dict__,
                "rounds": rounds,
                "lethal": lethal,
                "capacity": np.full((3, 2), math.inf),
                "carriers": np.zeros((3, 2)),
            }
        )
    )
    for i in range(3):
        for j in range(3):
            one = evaluate(
                ModelInputs(
                    **{**base.__dict__, "rounds": rounds[i : i + 1], "lethal": lethal[:, j : j + 1]}
                )
            )
            assert batch.leakers[i, j] == pytest.approx(one.leakers[0, 0])
            assert batch.p_no_leaker[i, j] == pytest.approx(one.p_no_leaker[0, 0])
