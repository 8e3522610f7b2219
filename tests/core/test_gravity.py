"""Gravity: point mass + J2 against its own potential and published surface values.

Surface gravitation without rotation, from NIMA TR8350.2 Table 3.4 (WGS-84
normal gravity on the ellipsoid: γ_e = 9.7803253359 m/s², γ_p = 9.8321849378
m/s²) plus the centrifugal term removed: g_eq = γ_e + ω² a = 9.81424 m/s²,
g_pole = γ_p. The J2-only field omits J4 and higher; tolerance 2e-4 m/s²
(measured 4.4e-5 at the equator, 1.2e-4 at the pole).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shieldlab.core.constants import (
    GM_EARTH_M3_S2,
    J2_EARTH,
    WGS84_A_M,
    WGS84_B_M,
    WGS84_OMEGA_RAD_S,
)
from shieldlab.core.gravity import accel_j2, accel_point_mass, potential_j2

GAMMA_E = 9.7803253359  # TR8350.2 Table 3.4, normal gravity at the equator
GAMMA_P = 9.8321849378  # TR8350.2 Table 3.4, normal gravity at the poles


def _num_grad(r: np.ndarray, h: float = 1.0) -> np.ndarray:
    g = np.empty(3)
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        g[k] = (potential_j2(r + e) - potential_j2(r - e)) / (2 * h)
    return g


@settings(max_examples=100, deadline=None)
@given(
    st.floats(6.3e6, 5e7),
    st.floats(-np.pi / 2, np.pi / 2),
    st.floats(-np.pi, np.pi),
)
def test_accel_is_minus_gradient_of_potential(rn: float, lat: float, lon: float) -> None:
    r = rn * np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    a = accel_j2(r)
    np.testing.assert_allclose(a, -_num_grad(r, h=rn * 1e-6), rtol=0, atol=1e-7 * np.linalg.norm(a))


def test_equator_and_pole_surface_gravitation() -> None:
    g_eq = np.linalg.norm(accel_j2([WGS84_A_M, 0.0, 0.0]))
    g_pole = np.linalg.norm(accel_j2([0.0, 0.0, WGS84_B_M]))
    assert g_eq == pytest.approx(GAMMA_E + WGS84_OMEGA_RAD_S**2 * WGS84_A_M, abs=2e-4)
    assert g_eq == pytest.approx(9.814, abs=1e-3)
    assert g_pole == pytest.approx(GAMMA_P, abs=2e-4)


def test_j2_vs_point_mass_is_about_1e_3() -> None:
    """|a_J2 − a_pm|/|a_pm| = 1.5 J2 (Re/r)² on the equator, 3 J2 (Re/r)² on the axis."""
    for rn in (WGS84_A_M, 2 * WGS84_A_M, 7 * WGS84_A_M):
        for r, k in (([rn, 0, 0], 1.5), ([0, 0, rn], 3.0)):
            apm = accel_point_mass(r)
            rel = np.linalg.norm(accel_j2(r) - apm) / np.linalg.norm(apm)
            assert rel == pytest.approx(k * J2_EARTH * (WGS84_A_M / rn) ** 2, rel=1e-12)
    r0 = np.array([WGS84_A_M, 0, 0])
    rel0 = np.linalg.norm(accel_j2(r0) - accel_point_mass(r0)) / np.linalg.norm(
        accel_point_mass(r0)
    )
    assert 1e-3 < rel0 < 2e-3


def test_point_mass_and_potential_far_field() -> None:
    r = np.array([3e8, 0, 0])
    assert np.linalg.norm(accel_point_mass(r)) == pytest.approx(GM_EARTH_M3_S2 / 9e16)
    # on the equator U = −μ/r · (1 + J2 (Re/r)²/2); on the axis U = −μ/r · (1 − J2 (Re/r)²)
    q = J2_EARTH * (WGS84_A_M / 3e8) ** 2
    assert potential_j2(r) == pytest.approx(-GM_EARTH_M3_S2 / 3e8 * (1 + q / 2), rel=1e-14)
    u_axis = potential_j2(np.array([0, 0, 3e8]))
    assert u_axis == pytest.approx(-GM_EARTH_M3_S2 / 3e8 * (1 - q), rel=1e-14)


def test_batched_shapes_and_scalar_loop() -> None:
    rng = np.random.default_rng(0)
    r = rng.normal(size=(4, 5, 3)) * 1e7
    a = accel_j2(r)
    assert a.shape == (4, 5, 3) and potential_j2(r).shape == (4, 5)
    for i in range(4):
        for j in range(5):
            np.testing.assert_allclose(accel_j2(r[i, j]), a[i, j], rtol=1e-15)


def test_component_and_scalar_forms_equal_accel_j2() -> None:
    """The hot-loop forms agree with accel_j2 to rounding and with each other to the bit."""
    from shieldlab.core.gravity import accel_j2_components, accel_j2_scalar

    r = np.random.default_rng(1).normal(size=(50, 3)) * 1e7
    out = np.empty((3, 50))
    accel_j2_components(np.ascontiguousarray(r.T), out)
    np.testing.assert_allclose(out.T, accel_j2(r), rtol=1e-14, atol=0)
    scalar = np.array([accel_j2_scalar(*map(float, ri)) for ri in r])
    np.testing.assert_array_equal(scalar, out.T)
    pm = np.empty((3, 50))
    accel_j2_components(np.ascontiguousarray(r.T), pm, j2=0.0)
    np.testing.assert_allclose(pm.T, accel_point_mass(r), rtol=1e-14)
