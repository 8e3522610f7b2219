"""Tests of weapons.effects: stated EW/cyber probabilities applied with a seeded Generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.weapons import effects as fx

N = 200_000


def _within_binomial(k: int, n: int, p: float, z: float = 5.0) -> bool:
    """|k − np| ≤ z √(n p (1−p)): false-failure odds ~6e-7 at z = 5."""
    return abs(k - n * p) <= z * math.sqrt(n * p * (1.0 - p)) + 1e-9


def test_launch_failures_reproducible_and_at_rate() -> None:
    att = np.ones(N, bool)
    ok1, fail1 = fx.apply_launch_failures(att, 0.2, np.random.default_rng(11))
    _, fail2 = fx.apply_launch_failures(att, 0.2, np.random.default_rng(11))
    np.testing.assert_array_equal(fail1, fail2)
    _, fail3 = fx.apply_launch_failures(att, 0.2, np.random.default_rng(12))
    assert not np.array_equal(fail1, fail3)
    assert _within_binomial(int(fail1.sum()), N, 0.2)
    assert not (ok1 & fail1).any() and (ok1 | fail1).all()


def test_only_attempted_launches_fail_and_limits() -> None:
    rng = np.random.default_rng(1)
    att = np.arange(N) % 3 == 0
    ok, fail = fx.apply_launch_failures(att, 0.5, rng)
    assert not fail[~att].any() and not ok[~att].any()
    assert _within_binomial(int(fail.sum()), int(att.sum()), 0.5)
    _, none = fx.apply_launch_failures(att, 0.0, rng)
    _, all_ = fx.apply_launch_failures(att, 1.0, rng)
    assert not none.any() and np.array_equal(all_, att)
    with pytest.raises(ValueError, match="probability"):
        fx.apply_launch_failures(att, 1.2, rng)


def test_per_launcher_probabilities_and_monotone_coupling() -> None:
    p = np.where(np.arange(N) < N // 2, 0.1, 0.4)
    _, fail = fx.apply_launch_failures(np.ones(N, bool), p, np.random.default_rng(5))
    assert _within_binomial(int(fail[: N // 2].sum()), N // 2, 0.1)
    assert _within_binomial(int(fail[N // 2 :].sum()), N // 2, 0.4)
    # common random numbers: raising p with the same seed only adds failures
    _, lo = fx.apply_launch_failures(np.ones(N, bool), 0.1, np.random.default_rng(5))
    _, hi = fx.apply_launch_failures(np.ones(N, bool), 0.3, np.random.default_rng(5))
    assert not (lo & ~hi).any()


def test_degrade_cep() -> None:
    cep = np.full(N, 30.0)
    new, deg = fx.degrade_cep(cep, 0.25, 4.0, np.random.default_rng(2))
    assert _within_binomial(int(deg.sum()), N, 0.25)
    np.testing.assert_array_equal(new[deg], 120.0)
    np.testing.assert_array_equal(new[~deg], 30.0)
    with pytest.raises(ValueError, match="multiplier"):
        fx.degrade_cep(cep, 0.25, 0.5, np.random.default_rng(2))


def test_fixed_aim_miss_is_horizontal_and_exact() -> None:
    rng = np.random.default_rng(3)
    # ECEF-like aim points on a sphere: up is radial
    lat = rng.uniform(-1.4, 1.4, 5000)
    lon = rng.uniform(-math.pi, math.pi, 5000)
    r = 6.371e6 * np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )
    new, deg = fx.displace_aim_points(r, 0.3, 2000.0, np.random.default_rng(4))
    d = new - r
    up = r / np.linalg.norm(r, axis=1, keepdims=True)
    np.testing.assert_allclose(np.linalg.norm(d[deg], axis=1), 2000.0, rtol=1e-12)
    np.testing.assert_allclose(np.sum(d * up, axis=1), 0.0, atol=1e-6)
    assert np.all(d[~deg] == 0.0)
    assert _within_binomial(int(deg.sum()), 5000, 0.3)
    new2, _ = fx.displace_aim_points(r, 0.3, 2000.0, np.random.default_rng(4))
    np.testing.assert_array_equal(new, new2)


def test_rayleigh_aim_miss_has_the_stated_cep() -> None:
    pts = np.zeros((N, 3))
    new, deg = fx.displace_aim_points(
        pts, 1.0, 150.0, np.random.default_rng(8), up=(0.0, 0.0, 1.0), distribution="rayleigh"
    )
    assert deg.all()
    np.testing.assert_array_equal(new[:, 2], 0.0)  # ENU: horizontal only
    inside = int((np.linalg.norm(new, axis=1) <= 150.0).sum())
    assert _within_binomial(inside, N, 0.5)  # half the misses fall inside the CEP
    with pytest.raises(ValueError, match="distribution"):
        fx.displace_aim_points(pts, 1.0, 1.0, np.random.default_rng(8), distribution="box")  # type: ignore[arg-type]


def test_guidance_effects_hit_the_same_weapons() -> None:
    eff = fx.EwCyberEffects(p_guidance_degraded=0.4, cep_multiplier=3.0, aim_miss_m=500.0)
    pts = np.tile([1000.0, 2000.0, 0.0], (N // 10, 1))
    new, cep, deg = fx.apply_guidance_effects(
        eff, pts, 20.0, np.random.default_rng(9), up=(0, 0, 1)
    )
    miss = np.linalg.norm(new - pts, axis=1)
    np.testing.assert_allclose(miss[deg], 500.0, rtol=1e-12)
    assert np.all(miss[~deg] == 0.0)
    np.testing.assert_array_equal(cep[deg], 60.0)
    np.testing.assert_array_equal(cep[~deg], 20.0)
    assert _within_binomial(int(deg.sum()), N // 10, 0.4)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"p_launch_failure": -0.1}, "p_launch_failure"),
        ({"p_guidance_degraded": 1.5}, "p_guidance_degraded"),
        ({"cep_multiplier": 0.9}, "cep_multiplier"),
        ({"aim_miss_m": -1.0}, "aim_miss_m"),
    ],
)
def test_effects_validation(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        fx.EwCyberEffects(**kwargs)
