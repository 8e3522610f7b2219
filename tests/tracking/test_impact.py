"""Impact prediction and propagation against an independent adaptive integrator.

Truth: scipy DOP853 (rtol 1e-12) on the same dynamics (point-mass + J2, no drag)
with a terminal event at geodetic altitude 0 and the impact point rotated to
ECEF by GMST at the impact time. Tolerance: 1 km (requirement); expected ~metres.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    ecef_to_eci_state,
    ecef_to_enu,
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
)
from shieldlab.core.gravity import accel_j2
from shieldlab.core.time import gmst_at
from shieldlab.tracking.impact import impact_covariance, predict_impact, propagate

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def _rhs(t: float, y: np.ndarray) -> np.ndarray:
    return np.concatenate([y[3:], accel_j2(y[:3])])


def _alt(t: float, y: np.ndarray) -> float:
    return float(ecef_to_geodetic(y[:3])[2])


_alt.terminal = True  # type: ignore[attr-defined]
_alt.direction = -1  # type: ignore[attr-defined]


def _burnout_state() -> np.ndarray:
    """200 km over 40°N 127°E, 6.6 km/s, flight-path angle 25°, heading 35° (ICBM-like)."""
    lat, lon, h = 40.0 * DEG, 127.0 * DEG, 200e3
    gam, psi, v = 25.0 * DEG, 35.0 * DEG, 6.6e3
    v_enu = v * np.array([np.cos(gam) * np.sin(psi), np.cos(gam) * np.cos(psi), np.sin(gam)])
    v_ecef = enu_matrix(lat, lon).T @ v_enu
    r, vv = ecef_to_eci_state(geodetic_to_ecef(lat, lon, h), v_ecef, gmst_at(EPOCH, 0.0))
    return np.concatenate([r, vv])


@pytest.fixture(scope="module")
def truth() -> dict:
    sol = solve_ivp(
        _rhs,
        (0.0, 5000.0),
        _burnout_state(),
        method="DOP853",
        rtol=1e-12,
        atol=1e-6,
        events=_alt,
        dense_output=True,
    )
    t_imp = float(sol.t_events[0][0])
    r_imp = sol.y_events[0][0][:3]
    lat, lon, _ = ecef_to_geodetic(eci_to_ecef(r_imp, gmst_at(EPOCH, t_imp)))
    return {"sol": sol, "t_imp": t_imp, "lat": float(lat), "lon": float(lon)}


def _surface_error_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(np.linalg.norm(geodetic_to_ecef(lat1, lon1) - geodetic_to_ecef(lat2, lon2)))


def test_predict_impact_from_midcourse_states(truth: dict) -> None:
    sol = truth["sol"]
    assert 1500.0 < truth["t_imp"] < 2500.0  # an intercontinental flight (~9,000 km)
    times = np.array([0.0, 300.0, 900.0, 1400.0])
    x = np.stack([sol.sol(t) for t in times])
    for t0, xi in zip(times, x, strict=True):
        lat, lon, t_imp, ok = predict_impact(xi[None], float(t0), EPOCH)
        assert ok[0]
        err = _surface_error_m(lat[0], lon[0], truth["lat"], truth["lon"])
        assert err < 1000.0, (t0, err)
        assert err < 10.0  # RK4 at 10 s + Hermite event location achieves ~mm here
        assert t_imp[0] == pytest.approx(truth["t_imp"], abs=0.05)


def test_predict_impact_batched_and_failures(truth: dict) -> None:
    sol = truth["sol"]
    x_mid = sol.sol(600.0)
    below = np.concatenate([geodetic_to_ecef(0.0, 0.0, -100.0), [0.0, 0.0, 0.0]])
    escape = np.concatenate([geodetic_to_ecef(0.0, 0.0, 500e3), [0.0, 12e3, 0.0]])
    lat, lon, t_imp, ok = predict_impact(np.stack([x_mid, below, escape, x_mid]), 600.0, EPOCH)
    assert ok.tolist() == [True, False, False, True]
    assert np.isnan(lat[1]) and np.isnan(t_imp[2])
    assert lat[0] == lat[3] and lon[0] == lon[3]


def test_propagate_matches_reference(truth: dict) -> None:
    sol = truth["sol"]
    t0 = 500.0
    grid = np.array([800.0, 520.0, 100.0, 1200.0, 500.0])
    out = propagate(sol.sol(t0)[None], t0, grid)
    assert out.shape == (1, 5, 6)
    for k, tk in enumerate(grid):
        assert np.linalg.norm(out[0, k, :3] - sol.sol(tk)[:3]) < 1.0
        assert np.linalg.norm(out[0, k, 3:] - sol.sol(tk)[3:]) < 1e-3


def test_impact_covariance_against_monte_carlo(truth: dict) -> None:
    """Sigma-point east/north impact covariance vs 1,500 Monte Carlo samples: within 20 %."""
    sol = truth["sol"]
    t0 = 900.0
    x = sol.sol(t0)
    p = np.diag([200.0**2] * 3 + [0.5**2] * 3)
    lat, lon, cov, ok = impact_covariance(x[None], p[None], t0, EPOCH)
    assert ok[0]
    rng = np.random.default_rng(4)
    xs = rng.multivariate_normal(x, p, size=1500)
    la, lo, _, oks = predict_impact(xs, t0, EPOCH)
    assert oks.all()
    en = ecef_to_enu(geodetic_to_ecef(la, lo), lat[0], lon[0], 0.0)[:, :2]
    mc = np.cov(en.T)
    assert np.allclose(np.sqrt(np.diag(cov[0])), np.sqrt(np.diag(mc)), rtol=0.2)
    assert np.all(np.linalg.eigvalsh(cov[0]) > 0)


# ---------------------------------------------------------------- fast paths
def _cloud(n: int, seed: int = 0) -> np.ndarray:
    """n midcourse-like states around the test trajectory (a few km and m/s apart)."""
    x0 = _burnout_state()
    rng = np.random.default_rng(seed)
    return x0 + rng.normal(size=(n, 6)) * np.array([3e3] * 3 + [30.0] * 3)


def _reference_impact(x: np.ndarray, t0: float, dt: float) -> tuple[np.ndarray, ...]:
    """The slow obvious path: core.integrate.rk4_until on ekf.ballistic_deriv."""
    from shieldlab.core.frames import radial_height_m
    from shieldlab.core.integrate import rk4_until
    from shieldlab.tracking.ekf import ballistic_deriv

    res = rk4_until(ballistic_deriv, x, t0, dt, t0 + 4000.0, lambda t, y: radial_height_m(y[:, :3]))
    ok = np.isfinite(res.t_event_s)
    lat, lon, _ = ecef_to_geodetic(
        eci_to_ecef(res.y_event[:, :3], gmst_at(EPOCH, np.where(ok, res.t_event_s, t0)))
    )
    return lat, lon, res.t_event_s, ok


@pytest.mark.parametrize("n", [1, 13, 40])
def test_predict_impact_kernels_match_rk4_until(n: int) -> None:
    """The compiled per-object coast reproduces the generic integrator (which
    locates the event per batch) to rounding (event times within 1e-6 s, points
    within 1 mm)."""
    x = _cloud(n)
    for dt in (10.0, 30.0):
        lat, lon, t_imp, ok = predict_impact(x, 0.0, EPOCH, dt)
        lat_r, lon_r, t_r, ok_r = _reference_impact(x, 0.0, dt)
        assert ok.tolist() == ok_r.tolist() and ok.all()
        np.testing.assert_allclose(t_imp, t_r, rtol=0, atol=1e-6)
        err = [
            _surface_error_m(a, b, c, d) for a, b, c, d in zip(lat, lon, lat_r, lon_r, strict=True)
        ]
        assert max(err) < 1e-3


def test_predict_impact_does_not_depend_on_the_batch() -> None:
    """The same object alone and in a large batch."""
    x = _cloud(40, seed=1)
    big = predict_impact(x, 0.0, EPOCH, 30.0)
    for i in (0, 17, 39):
        one = predict_impact(x[i : i + 1], 0.0, EPOCH, 30.0)
        np.testing.assert_allclose(one[2], big[2][i : i + 1], rtol=0, atol=1e-6)
        assert _surface_error_m(one[0][0], one[1][0], big[0][i], big[1][i]) < 1e-3


@pytest.mark.parametrize("n", [1, 5, 30])
def test_propagate_equals_ekf_propagate_states(n: int) -> None:
    """The kernel takes the substeps of ekf.propagate_states and its arithmetic."""
    from shieldlab.tracking.ekf import propagate_states

    x = _cloud(n, seed=2)
    grid = np.array([45.0, 300.0, 20.0, -70.0, 300.0, 1000.0, -10.0])
    out = propagate(x, 0.0, grid, max_step_s=30.0)
    for times in (
        sorted(t for t in grid if t >= 0),
        sorted((t for t in grid if t < 0), reverse=True),
    ):
        cur, t_cur = x, 0.0
        for tk in times:  # the reference march: one propagate_states call per grid time
            cur, t_cur = propagate_states(cur, tk - t_cur, 30.0), tk
            k = int(np.flatnonzero(grid == tk)[0])
            np.testing.assert_allclose(out[:, k], cur, rtol=1e-14, atol=1e-9)


def test_propagate_by_is_a_batch_of_one_point_propagations() -> None:
    from shieldlab.tracking.impact import propagate_by

    x = _cloud(30, seed=3)
    dt = np.random.default_rng(3).uniform(-200.0, 400.0, 30)
    for n in (3, 30):
        out = propagate_by(x[:n], dt[:n], max_step_s=30.0)
        for i in range(n):
            one = propagate(x[i : i + 1], 0.0, [dt[i]], max_step_s=30.0)[0, 0]
            np.testing.assert_array_equal(out[i], one)


def test_impact_with_covariance_equals_the_separate_calls() -> None:
    from shieldlab.tracking.impact import impact_with_covariance

    x = _cloud(3, seed=4)
    p = np.stack([np.diag([200.0**2] * 3 + [0.5**2] * 3)] * 3)
    lat, lon, t_imp, ok, cov, cov_ok = impact_with_covariance(x, p, 0.0, EPOCH, sigma_rows=[0, 2])
    lat1, lon1, t1, ok1 = predict_impact(x, 0.0, EPOCH)
    np.testing.assert_allclose(t_imp, t1, rtol=0, atol=1e-6)
    for i in range(3):
        assert _surface_error_m(lat[i], lon[i], lat1[i], lon1[i]) < 1e-3
    assert ok.tolist() == ok1.tolist() and cov_ok.tolist() == [True, False, True]
    assert np.isnan(cov[1]).all()
    _, _, cov2, ok2 = impact_covariance(x[[0, 2]], p[[0, 2]], 0.0, EPOCH)
    assert ok2.all()
    np.testing.assert_allclose(cov[[0, 2]], cov2, rtol=1e-6)


@pytest.mark.parametrize("n", [3, 30])
def test_propagate_rows_is_propagate_on_each_rows_grid(n: int) -> None:
    """One grid per object: each row equals a propagate on
    its own grid bit for bit; NaN times at a row's end give NaN states."""
    from shieldlab.tracking.impact import propagate_rows

    x = _cloud(n, seed=5)
    rng = np.random.default_rng(5)
    grid = np.sort(rng.uniform(0.0, 900.0, (n, 12)), axis=1)
    grid[0, 9:] = np.nan
    out = propagate_rows(x, 0.0, grid, max_step_s=30.0)
    for i in range(n):
        real = np.isfinite(grid[i])
        one = propagate(x[i : i + 1], 0.0, grid[i, real], max_step_s=30.0)[0]
        np.testing.assert_array_equal(out[i, real], one)
        assert np.isnan(out[i, ~real]).all()
    shared = propagate(x, 0.0, grid[1], max_step_s=30.0)
    np.testing.assert_array_equal(propagate_rows(x, 0.0, np.tile(grid[1], (n, 1)), 30.0), shared)
    with pytest.raises(ValueError, match="ascending"):
        propagate_rows(x[1:], 0.0, grid[1:, ::-1].copy(), max_step_s=30.0)
    with pytest.raises(ValueError, match="t0_s"):
        propagate_rows(x, 100.0, grid, max_step_s=30.0)


def test_compiled_coast_kernels_equal_the_interpreted_ones() -> None:
    """The compiled ground-coast and fixed-time kernels do the interpreted Python's
    arithmetic to the last bit (``shieldlab.core.jit``)."""
    from shieldlab.core.constants import J2_EARTH
    from shieldlab.core.jit import interpreted
    from shieldlab.tracking import impact

    rng = np.random.default_rng(5)
    n = 6
    r = rng.normal(size=(n, 3))
    r *= rng.uniform(6.6e6, 7.4e6, (n, 1)) / np.linalg.norm(r, axis=1, keepdims=True)
    v = -r / np.linalg.norm(r, axis=1, keepdims=True) * 1.5e3 + rng.normal(0.0, 3e3, (n, 3))
    x = np.concatenate([r, v], axis=1)
    for fn, args in (
        (impact._coast_to_ground_scalar, (x, 10.0, 10.0, 4010.0, J2_EARTH)),
        (impact._coast_by_scalar, (x, rng.uniform(-300.0, 900.0, n), 10.0, J2_EARTH)),
    ):
        got, want = fn(*args), interpreted(fn)(*args)
        got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    row = tuple(map(float, x[0]))
    assert impact._fly_to_ground(row, 0.0, 10.0, 4000.0, J2_EARTH) == interpreted(
        impact._fly_to_ground
    )(row, 0.0, 10.0, 4000.0, J2_EARTH)
