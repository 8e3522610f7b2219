"""Trajectory shaping: minimum-energy, lofted and depressed shots solved onto the aim point."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.frames import destination_point
from shieldlab.threats import PhysicsFlags, load_threat_specs, solve_aim, summary_rows
from shieldlab.threats.ballistic import (
    burnout_gamma_rad,
    kepler_free_flight,
    min_energy_gamma_rad,
    min_energy_speed_mps,
)
from shieldlab.threats.registry import FLYERS

VACUUM = PhysicsFlags(j2=False, drag=False, rotation=False)
EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)


def _aim(ranges_m, az_deg=60.0, lat_deg=40.0, lon_deg=0.0):
    n = len(ranges_m)
    lat, lon = np.full(n, np.radians(lat_deg)), np.full(n, np.radians(lon_deg))
    alat, alon = destination_point(lat, lon, np.full(n, np.radians(az_deg)), np.array(ranges_m))
    return lat, lon, alat, alon


def _psi_k(fl):
    rb = np.linalg.norm(fl.r_burnout_m, axis=1)
    ri = np.linalg.norm(fl.r_impact_m, axis=1)
    psi = np.arccos(np.einsum("ij,ij->i", fl.r_burnout_m, fl.r_impact_m) / (rb * ri))
    return rb, psi, rb / ri


@pytest.fixture(scope="module")
def vacuum_shots():
    specs = load_threat_specs()
    out = []
    for name, ranges in (
        ("generic-liquid-icbm", [4000e3, 7000e3, 9000e3]),
        ("generic-mrbm", [600e3, 1200e3]),
    ):
        sol = solve_aim(specs[name], *_aim(ranges), shape="minimum-energy", flags=VACUUM)
        out.append((name, np.array(ranges), sol))
    return out


def test_closed_form_reduces_to_equal_radii() -> None:
    """At k = 1: γ* = (π − ψ)/4 and v² = μ/r · 2 sin(ψ/2)/(1 + sin(ψ/2)) (Wright, Grego &
    Gronlund 2005, ch. 11 appendix). Exact identity; tolerance 1e-12."""
    psi = np.linspace(0.01, 3.0, 50)
    r = 6.6e6
    np.testing.assert_allclose(min_energy_gamma_rad(psi, 1.0), (np.pi - psi) / 4, atol=1e-12)
    s = np.sin(psi / 2)
    v_ref = np.sqrt(3.986004418e14 / r * 2 * s / (1 + s))
    np.testing.assert_allclose(min_energy_speed_mps(np.full(50, r), psi, 1.0), v_ref, rtol=1e-12)


def test_min_energy_burnout_state_matches_closed_form(vacuum_shots) -> None:
    """Shaped liquid missiles (drag/J2 off, non-rotating): burnout γ and speed vs the
    minimum-energy closed form for the free-flight range angle ψ they fly, within 1 %
    (brief). Burnout radius r_bo ≠ impact radius, so the two-body form for k = r_bo/r_imp
    is used (tan 2γ* = sin ψ/(k − cos ψ); Bate, Mueller & White 1971 §6.2), which reduces
    to the equal-radii formula (previous test). Measured: < 0.01 % on both."""
    for name, _, sol in vacuum_shots:
        fl = sol.flight
        rb, psi, k = _psi_k(fl)
        assert sol.shape_met.all(), name
        assert np.all(sol.miss_m < 100.0), name
        g = burnout_gamma_rad(fl.r_burnout_m, fl.v_burnout_mps)
        v = np.linalg.norm(fl.v_burnout_mps, axis=1)
        np.testing.assert_allclose(g, min_energy_gamma_rad(psi, k), rtol=0.01)
        np.testing.assert_allclose(v, min_energy_speed_mps(rb, psi, k), rtol=0.01)
        np.testing.assert_allclose(g, min_energy_gamma_rad(psi, k), rtol=1e-3)  # measured
        # cut-off inside the last stage, earlier for shorter ranges
        spec = load_threat_specs()[name]
        assert np.all(sol.cutoff_s < spec.total_burn_time_s)
        assert np.all(np.diff(sol.cutoff_s) > 0)


def test_min_energy_flight_time_vs_range(vacuum_shots) -> None:
    """Free-flight time burnout → impact equals the two-body (Kepler) time of the
    minimum-energy conic through the same end points (Bate, Mueller & White 1971 ch. 6),
    within 0.5 %; flight time grows with range."""
    for _, _, sol in vacuum_shots:
        fl = sol.flight
        rb, psi, k = _psi_k(fl)
        g = min_energy_gamma_rad(psi, k)
        v = min_energy_speed_mps(rb, psi, k)
        # closed-form state in the burnout plane: radial r_bo, velocity at angle γ*
        u = fl.r_burnout_m / rb[:, None]
        h = np.cross(fl.r_burnout_m, fl.v_burnout_mps)
        t = np.cross(h / np.linalg.norm(h, axis=1, keepdims=True), u)
        v_cf = v[:, None] * (np.sin(g)[:, None] * u + np.cos(g)[:, None] * t)
        r_end = np.linalg.norm(fl.r_impact_m, axis=1)
        psi_cf, tof_cf = kepler_free_flight(fl.r_burnout_m, v_cf, r_end)
        tof = fl.tau_impact_s - fl.tau_burnout_s
        np.testing.assert_allclose(tof, tof_cf, rtol=5e-3)
        np.testing.assert_allclose(psi_cf, psi, rtol=5e-3)
        assert np.all(np.diff(fl.tau_impact_s) > 0)


def test_depressed_min_energy_lofted_ordering() -> None:
    """Liquid ICBM at 7,000 km, full physics: apogee and flight time ordered
    depressed (γ* − 8°) < minimum energy < lofted full burn.
    Measured apogee 959 < 1,402 < 3,034 km; flight time 1,638 < 1,875 < 2,782 s."""
    spec = load_threat_specs()["generic-liquid-icbm"]
    aim = _aim([7000e3], az_deg=45.0, lon_deg=127.5)
    dep = solve_aim(spec, *aim, shape="depressed", gamma_offset_deg=8.0)
    me = solve_aim(spec, *aim, shape="minimum-energy")
    lof = solve_aim(spec, *aim, shape="lofted")
    for s in (dep, me, lof):
        assert s.miss_m[0] < 100.0
    apo = [s.flight.apogee_alt_m[0] for s in (dep, me, lof)]
    tof = [s.flight.tau_impact_s[0] for s in (dep, me, lof)]
    assert apo[0] < apo[1] < apo[2]
    assert tof[0] < tof[1] < tof[2]
    # the depressed shot's burnout γ is 8° below the minimum-energy angle of its own ψ
    fl = dep.flight
    _, psi, k = _psi_k(fl)
    g = burnout_gamma_rad(fl.r_burnout_m, fl.v_burnout_mps)[0]
    assert np.degrees(min_energy_gamma_rad(psi, k)[0] - g) == pytest.approx(8.0, abs=0.05)


def test_solid_min_energy_by_gems() -> None:
    """A solid SRBM cannot cut off: below its maximum range it wastes energy by GEMS
    steering (tests/threats/test_gems.py) and flies minimum energy."""
    spec = load_threat_specs()["generic-srbm-solid"]
    sol = solve_aim(spec, *_aim([300e3]), shape="minimum-energy")
    assert sol.shape_met[0] and sol.note == ""
    assert sol.gems_rad is not None and sol.gems_rad[0] > 0.0
    assert sol.miss_m[0] < 100.0


def test_shaped_batch_equals_scalar() -> None:
    """The shaped solve of a batch equals each missile solved alone (cut-off to 1 ms, miss 1 m)."""
    spec = load_threat_specs()["generic-srbm-liquid"]
    lat, lon, alat, alon = _aim([180e3, 260e3], az_deg=100.0)
    both = solve_aim(spec, lat, lon, alat, alon, shape="minimum-energy")
    for i in (1,):
        one = solve_aim(spec, lat[i : i + 1], lon[i : i + 1], alat[i : i + 1], alon[i : i + 1],
                        shape="minimum-energy")  # fmt: skip
        assert one.cutoff_s[0] == pytest.approx(both.cutoff_s[i], abs=1e-3)
        assert one.miss_m[0] == pytest.approx(both.miss_m[i], abs=1.0)


def test_flyer_accepts_shape_options() -> None:
    """The ``kind: ballistic`` flyer passes ``shape`` through; burnout γ is reported."""
    lat, lon, alat, alon = _aim([250e3])
    tr = FLYERS["ballistic"](
        "generic-srbm-liquid", {"shape": "minimum-energy"}, lat, lon, alat, alon,
        np.zeros(1), EPOCH, 1.0,
    )  # fmt: skip
    row = summary_rows(tr)[0]
    assert row["miss_m"] < 100.0
    assert row["burnout_time_s"] < 62.0  # cut off before the 62 s full burn
    assert 30.0 < row["burnout_gamma_deg"] < 50.0


@pytest.mark.parametrize(
    ("name", "kwargs", "ranges", "pattern"),
    [
        ("generic-mrbm", {"shape": "ballistic-ish"}, [900e3], "shape 'ballistic-ish' is not one"),
        ("generic-irbm", {"shape": "minimum-energy"}, [200e3],
         "no minimum-energy shot reaches as short as 200 km"),
        ("generic-mrbm", {"shape": "minimum-energy"}, [3000e3], "beyond the maximum range"),
        ("generic-srbm-liquid", {"long_way": True}, [200e3], "long-way target at 39830 km"),
        ("generic-mrbm", {"burnout_gamma_deg": 95.0}, [900e3], "outside 1..80 deg"),
    ],
)  # fmt: skip
def test_errors_are_one_line(name, kwargs, ranges, pattern) -> None:
    spec = load_threat_specs()[name]
    with pytest.raises(ValueError, match=pattern) as exc:
        solve_aim(spec, *_aim(ranges), **kwargs)
    assert "\n" not in str(exc.value)
