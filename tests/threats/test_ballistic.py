"""Flight-model checks against closed forms (Kepler coast, rocket equation, Allen–Eggers)."""

from __future__ import annotations

import numpy as np
import pytest

from shieldlab.core.constants import G0_MPS2
from shieldlab.core.frames import geodetic_to_ecef
from shieldlab.threats import PhysicsFlags, fly_batch, load_threat_specs
from shieldlab.threats.ballistic import (
    FINE_STEPS,
    PHASE_BOOST,
    density_fast_kg_m3,
    fly_rv,
    kepler_free_flight,
)

SOLID = "generic-solid-icbm"


@pytest.fixture(scope="module")
def solid():
    return load_threat_specs()[SOLID]


def test_coast_matches_kepler_closed_form(solid) -> None:
    """Free flight from burnout vs the two-body closed form.

    Source: Bate, Mueller & White, *Fundamentals of Astrodynamics* (1971), ch. 6
    (free-flight range angle from the conic through the burnout state; time of
    flight from Kepler's equation). Drag, J2 and Earth rotation off.
    Tolerance 0.1 % on range angle and time of flight (brief); measured ~1e-7.
    """
    flags = PhysicsFlags(j2=False, drag=False, rotation=False)
    lat = np.radians([40.0, 10.0, -30.0])
    lon = np.radians([127.5, 0.0, 60.0])
    az = np.radians([45.0, 90.0, 200.0])
    kick = np.radians([20.0, 30.0, 38.0])
    fl = fly_batch(solid, lat, lon, az, kick, FINE_STEPS, flags)
    assert fl.ok.all()
    r_end = np.linalg.norm(fl.r_impact_m, axis=1)
    psi_ref, tof_ref = kepler_free_flight(fl.r_burnout_m, fl.v_burnout_mps, r_end)
    cosang = np.einsum("ij,ij->i", fl.r_burnout_m, fl.r_impact_m) / (
        np.linalg.norm(fl.r_burnout_m, axis=1) * r_end
    )
    psi = np.arccos(np.clip(cosang, -1, 1))
    tof = fl.tau_impact_s - fl.tau_burnout_s
    np.testing.assert_allclose(psi, psi_ref, rtol=1e-3)
    np.testing.assert_allclose(tof, tof_ref, rtol=1e-3)
    assert np.all(np.abs(psi / psi_ref - 1) < 1e-5)  # much better in practice


def test_vacuum_burnout_speed_is_rocket_equation(solid) -> None:
    """No gravity, no drag, non-rotating Earth, no kick: Δv = Σ Isp g0 ln(m0/mf).

    Source: Tsiolkovsky rocket equation per stage (Sutton & Biblarz, *Rocket
    Propulsion Elements*, 9th ed., eq. 4-35) summed over stages with the spent
    stages dropped. Tolerance 0.1 % (brief).
    """
    flags = PhysicsFlags(gravity=False, drag=False, rotation=False)
    fl = fly_batch(
        solid, np.radians([40.0]), np.radians([0.0]), np.zeros(1), np.zeros(1), FINE_STEPS, flags
    )
    expected = sum(
        st.isp_s * G0_MPS2 * np.log(m0 / (m0 - st.propellant_mass_kg))
        for st, m0 in zip(solid.stages, solid.stage_start_mass_kg(), strict=True)
    )
    speed = np.linalg.norm(fl.v_burnout_mps[0])
    assert speed == pytest.approx(expected, rel=1e-3)
    assert speed == pytest.approx(solid.ideal_delta_v_mps, rel=1e-6)


def test_full_physics_losses_are_plausible(solid) -> None:
    """Gravity and drag losses of a near-minimum-energy solid-ICBM ascent: 5–15 % of ideal Δv.

    Source: gravity + drag losses of ~0.7–1.2 km/s for ICBM ascents
    (Wright, Grego & Gronlund 2005, ch. 11; Sutton & Biblarz ch. 4.4). The
    launch is due north so Earth rotation adds ~nothing along the track.
    """
    fl = fly_batch(
        solid,
        np.radians([40.0]),
        np.radians([0.0]),
        np.zeros(1),
        np.radians([36.0]),
        FINE_STEPS,
        PhysicsFlags(),
    )
    # Earth-relative speed at burnout
    omega = PhysicsFlags().omega_vec
    v_rel = fl.v_burnout_mps[0] - np.cross(omega, fl.r_burnout_m[0])
    loss = 1.0 - np.linalg.norm(v_rel) / solid.ideal_delta_v_mps
    assert 0.05 < loss < 0.15


def test_reentry_peak_deceleration_allen_eggers() -> None:
    """Peak deceleration of a ballistic RV vs Allen–Eggers.

    Source: Regan & Anandakrishnan, *Dynamics of Atmospheric Re-entry* (AIAA
    1993), ch. 6: for an exponential atmosphere of scale height H, straight-line
    entry at speed v_e and path angle γ_e (gravity neglected),
    a_max = v_e² sin γ_e / (2 e H), independent of β. Here the atmosphere is
    US-76, so H is its local density scale height at the altitude of peak
    deceleration (where ρ = β sin γ / H, iterated). β = 500 kg/m² puts that
    peak in the near-isothermal lower stratosphere (20–30 km), where US-76 is
    closest to exponential. The closed form assumes a flat Earth (constant γ);
    a straight, gravity-free path over the curved Earth flattens (γ 20° at
    120 km is 17.6° at the peak), so γ is the local path angle at the peak.
    Tolerance 10 % (brief); measured −2.5 % (20°) and −1 % (45°).
    """
    beta = 500.0
    flags = PhysicsFlags(gravity=False, j2=False, rotation=False)
    gammas = np.radians([20.0, 45.0])
    ve = 7000.0
    up = geodetic_to_ecef(0.0, 0.0, 120e3)
    r0 = np.repeat(up[None, :], 2, axis=0)
    u = r0 / np.linalg.norm(r0, axis=1, keepdims=True)
    north = np.array([0.0, 0.0, 1.0])
    v0 = ve * (np.cos(gammas)[:, None] * north - np.sin(gammas)[:, None] * u)
    # without gravity the slowed RV never lands: integrate past the pulse only
    _, y, _ = fly_rv(r0, v0, beta, step_s=0.05, flags=flags, t_max_s=150.0)
    from shieldlab.core.frames import ecef_to_geodetic

    h = ecef_to_geodetic(y[..., :3])[2]
    vv = np.linalg.norm(y[..., 3:], axis=-1)
    decel = 0.5 * density_fast_kg_m3(h) * vv**2 / beta
    kpk = decel.argmax(axis=0)
    a_max = decel.max(axis=0)
    for i in range(gammas.size):
        rp, vp = y[kpk[i], i, :3], y[kpk[i], i, 3:]
        g = np.arcsin(-(rp @ vp) / (np.linalg.norm(rp) * np.linalg.norm(vp)))
        hs = 7000.0
        hgrid = np.arange(0.0, 80e3, 10.0)
        for _ in range(20):
            rho_star = beta * np.sin(g) / hs
            h_star = np.interp(-np.log(rho_star), -np.log(density_fast_kg_m3(hgrid)), hgrid)
            d = 200.0
            hs = (
                2
                * d
                / np.log(
                    density_fast_kg_m3(np.array([h_star - d]))[0]
                    / density_fast_kg_m3(np.array([h_star + d]))[0]
                )
            )
        ref = ve**2 * np.sin(g) / (2 * np.e * hs)
        assert a_max[i] == pytest.approx(ref, rel=0.10), (a_max[i], ref, hs)


def test_phases_and_staging_segments(solid) -> None:
    """Boost segments cover exactly the summed stage burn times; plume on only in boost."""
    fl = fly_batch(
        solid,
        np.radians([40.0]),
        np.radians([127.5]),
        np.radians([60.0]),
        np.radians([30.0]),
        FINE_STEPS,
    )
    boost = [s for s in fl.segments if s.phase == PHASE_BOOST]
    assert boost[0].tau0_s[0] == 0.0
    assert boost[-1].tau_end_s[0] == pytest.approx(sum(st.burn_time_s for st in solid.stages))
    assert all(s.plume_w_sr > 0 for s in boost)
    assert all(s.plume_w_sr == 0 for s in fl.segments if s.phase != PHASE_BOOST)
    assert fl.ok.all()
    assert abs(fl.r_impact_ecef_m[0] @ fl.r_impact_ecef_m[0]) > 0
