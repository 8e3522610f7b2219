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
