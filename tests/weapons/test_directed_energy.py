"""Tests of weapons.directed_energy: HEL spot/transmission/dwell, raid budget, HPM, magazine."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from shieldlab import catalog
from shieldlab.weapons import directed_energy as de

CAT = de.load_directed_energy_catalog()
HEL60 = CAT.lasers["generic-hel-60kw-ship"]
HPM = CAT.hpms["generic-hpm-leonidas"]
UAS = CAT.targets["generic-small-uas"]
CM = CAT.targets["generic-cruise-missile"]
BETA_CLEAR = float(de.extinction_per_m(de.CLEAR_VISIBILITY_M, HEL60.wavelength_m))


# ----------------------------------------------------------------------------- catalog


def test_catalog_entries_load_in_si() -> None:
    raw = catalog.load("directed-energy")
    assert set(CAT.lasers) == {
        "generic-hel-60kw-ship",
        "generic-hel-300kw",
        "generic-hel-50kw-vehicle",
    }
    assert set(CAT.hpms) == {"generic-hpm-leonidas"}
    assert len(CAT.targets) >= 3
    # public power classes (sources in the YAML):
    # HELIOS 60 kW, HELSI/IFPC-HEL 300 kW, DE M-SHORAD 50 kW
    assert HEL60.power_w == 60e3
    assert CAT.lasers["generic-hel-300kw"].power_w == 300e3
    assert CAT.lasers["generic-hel-50kw-vehicle"].power_w == 50e3
    assert HEL60.magazine.capacity_j == raw["generic-hel-60kw-ship"]["storage_kwh"] * 3.6e6
    assert HEL60.magazine.draw_w == pytest.approx(60e3 / 0.30)
    assert UAS.kill_fluence_j_m2 == pytest.approx(
        raw["generic-small-uas"]["kill_fluence_kj_cm2"] * 1e7
    )
    assert UAS.hpm_s50_w_m2 == pytest.approx(300.0**2 / 376.730313412)
    assert HPM.gain == pytest.approx(1000.0)
    for spec in [*CAT.lasers.values(), *CAT.hpms.values(), *CAT.targets.values()]:
        assert spec.source


def test_hpm_gain_beamwidth_consistent() -> None:
    # G ≈ 26000 deg² / θ² for a pencil beam with typical efficiency (Skolnik, Radar Handbook)
    theta_deg = math.degrees(HPM.beamwidth_rad)
    assert 0.5 < HPM.gain * theta_deg**2 / 26000.0 < 2.0


def test_stated_cost_per_shot_covers_the_prime_energy() -> None:
    # public statements: HEL shots cost about $1-10 (CRS R44175; UK MOD DragonFire "< £10");
    # the prime energy of a 5 s shot must fit inside the stated figure
    for spec in CAT.lasers.values():
        assert 1.0 <= spec.cost_per_shot_usd <= 13.0
        assert float(de.energy_cost_per_shot_usd(spec, 5.0)) <= spec.cost_per_shot_usd


def test_cruise_missile_fluence_above_melt_through_of_its_skin() -> None:
    # 3 mm aluminium: ρ 2780 kg/m³, c 900 J/kg/K, ΔT 640 K, L 397 kJ/kg → 0.81 kJ/cm² absorbed
    f = float(de.melt_through_fluence_j_m2(3e-3, 2780.0, 900.0, 640.0, 397e3))
    assert f == pytest.approx(0.8115e7, rel=1e-3)
    assert CM.kill_fluence_j_m2 >= f


def _entry(name: str) -> dict[str, object]:
    return dict(catalog.load("directed-energy")[name])


def test_bad_entries_rejected_with_entry_name() -> None:
    bad = _entry("generic-hel-60kw-ship")
    bad["output_power_w"] = 6e4
    with pytest.raises(ValueError, match=r"(?s)entry 'x'.*output_power_w"):
        de.parse_directed_energy_entries({"x": bad})
    bad = _entry("generic-hel-60kw-ship")
    bad["kind"] = "railgun"
    with pytest.raises(ValueError, match="entry 'x'"):
        de.parse_directed_energy_entries({"x": bad})
    bad = _entry("generic-small-uas")
    bad["absorptivity"] = 1.5
    with pytest.raises(ValueError, match="absorptivity"):
        de.parse_directed_energy_entries({"x": bad})
    bad = _entry("generic-hpm-leonidas")
    del bad["source"]
    with pytest.raises(ValueError, match="source"):
        de.parse_directed_energy_entries({"x": bad})


# ----------------------------------------------------------------------------- HEL closed forms


def _bare(**kw: float) -> de.LaserSpec:
    """HEL60 without jitter or optics loss, fields overridable."""
    base = dataclasses.replace(HEL60, jitter_rad=0.0, optics_loss=0.0)
    return dataclasses.replace(base, **kw)


def test_collimated_spot_doubles_area_at_rayleigh_range() -> None:
    # Gaussian beam (Siegman, Lasers, ch. 17): w(z_R) = √2 w0 at z_R = π w0² / (M² λ)
    spec = _bare()
    w0 = spec.waist_radius_m
    z_r = math.pi * w0**2 / (spec.beam_quality * spec.wavelength_m)
    w = float(de.spot_radius_m(spec, z_r, focused=False))
    assert w == pytest.approx(math.sqrt(2.0) * w0, rel=1e-12)
    r = np.array([1e3, 5e3, 2e4])
    theta = spec.beam_quality * spec.wavelength_m / (math.pi * w0)
    np.testing.assert_allclose(
        de.spot_radius_m(spec, r, focused=False), np.sqrt(w0**2 + (theta * r) ** 2), rtol=1e-12
    )


def test_focused_spot_is_far_field_diffraction_plus_jitter() -> None:
    spec = _bare(jitter_rad=4e-6)
    theta = de.divergence_rad(spec.beam_quality, spec.wavelength_m, spec.waist_radius_m)
    assert theta == pytest.approx(1.5 * 1.07e-6 / (math.pi * 0.15))
    r = np.array([500.0, 2e3, 7e3])
    expect = r * math.hypot(theta, 2.0 * 4e-6)
    np.testing.assert_allclose(de.spot_radius_m(spec, r), expect, rtol=1e-12)
    # turbulence only widens, more with stronger C_n²
    w_weak = de.spot_radius_m(spec, r, cn2_m_23=1e-16)
    w_strong = de.spot_radius_m(spec, r, cn2_m_23=1e-14)
    assert np.all(w_weak > expect) and np.all(w_strong > w_weak)


def test_beer_lambert_and_kim_extinction() -> None:
    # Koschmieder: β(550 nm) = 3.912 / V; Kim et al. 2001: q = 1.3 for 6 < V < 50 km
    assert float(de.extinction_per_m(23e3, 550e-9)) == pytest.approx(3.912 / 23e3, rel=1e-12)
    beta = float(de.extinction_per_m(23e3, 1.07e-6))
    assert beta == pytest.approx(3.912 / 23e3 * (1.07e-6 / 550e-9) ** -1.3, rel=1e-12)
    # Kim: q = 0.16 V + 0.34 for 1-6 km
    assert float(de.extinction_per_m(5e3, 1.07e-6)) == pytest.approx(
        3.912 / 5e3 * (1.07e-6 / 550e-9) ** -(0.16 * 5 + 0.34), rel=1e-12
    )
    assert float(de.transmission(1.0 / beta, beta)) == pytest.approx(math.exp(-1.0))
    a, b = 1.7e3, 2.9e3
    assert float(de.transmission(a + b, beta)) == pytest.approx(
        float(de.transmission(a, beta) * de.transmission(b, beta))
    )
    assert BETA_CLEAR < float(de.extinction_per_m(de.HAZY_VISIBILITY_M, 1.07e-6))


def test_irradiance_closed_form() -> None:
    r = 2500.0
    w = float(de.spot_radius_m(HEL60, r))
    expect = 60e3 * math.exp(-BETA_CLEAR * r) * (1 - HEL60.optics_loss) * 0.8 / (math.pi * w**2)
    assert float(de.irradiance_w_m2(HEL60, r, BETA_CLEAR, strehl=0.8)) == pytest.approx(expect)


def test_dwell_monotone_in_range_and_power() -> None:
    r = np.linspace(300.0, 8e3, 60)
    t = de.dwell_time_s(HEL60, UAS, r, BETA_CLEAR, cn2_m_23=1e-15)
    assert np.all(np.diff(t) > 0)
    t_fixed = UAS.kill_fluence_j_m2 / (
        UAS.absorptivity * de.irradiance_w_m2(HEL60, r, BETA_CLEAR, 1e-15)
    )
    np.testing.assert_allclose(t, t_fixed, rtol=1e-12)
    powers = [30e3, 60e3, 120e3, 300e3]
    dwell = [
        float(de.dwell_time_s(dataclasses.replace(HEL60, power_w=p), UAS, 3e3, BETA_CLEAR))
        for p in powers
    ]
    assert all(a > b for a, b in itertools.pairwise(dwell))
    assert dwell[0] == pytest.approx(2 * dwell[1])  # t ∝ 1/P


def _inverse_square_case(c_s_m2: float = 1e-6) -> tuple[de.LaserSpec, de.DeTarget]:
    """No atmosphere, no jitter, focused: I = K / R², K = P / (π θ²); F = c α K."""
    spec = _bare(max_range_m=1e5, slew_settle_s=1.0)
    theta = de.divergence_rad(spec.beam_quality, spec.wavelength_m, spec.waist_radius_m)
    k = spec.power_w / (math.pi * theta**2)
    tgt = de.DeTarget(
        "t",
        kill_fluence_j_m2=c_s_m2 * 0.5 * k,
        absorptivity=0.5,
        hpm_s50_w_m2=1.0,
        hpm_sigma_ln=1.0,
    )
    return spec, tgt


def test_closing_dwell_matches_inverse_square_closed_form() -> None:
    # absorbed fluence (αK/v)(1/R − 1/R0) = F → 1/R_kill = 1/R0 + c v, c = F/(αK)
    spec, tgt = _inverse_square_case()
    r0 = np.array([5000.0, 4900.0, 3000.0, 2000.0])
    v = np.array([100.0, 100.0, 250.0, 20.0])
    r_kill = 1.0 / (1.0 / r0 + 1e-6 * v)
    t = de.dwell_time_closing_s(spec, tgt, r0, v, 0.0)
    np.testing.assert_allclose(t, (r0 - r_kill) / v, rtol=1e-6)
    # each row equals its own scalar call (vectorised == loop)
    for i in range(len(r0)):
        assert float(de.dwell_time_closing_s(spec, tgt, r0[i], v[i], 0.0)[0]) == t[i]
    # closing only helps; it cannot finish before min_range → inf; static when v == 0
    static = de.dwell_time_s(spec, tgt, r0, 0.0)
    assert np.all(t < static)
    assert np.isinf(de.dwell_time_closing_s(spec, tgt, 5000.0, 100.0, 0.0, min_range_m=4000.0)[0])
    assert de.dwell_time_closing_s(spec, tgt, 5000.0, 0.0, 0.0)[0] == pytest.approx(static[0])


# ----------------------------------------------------------------------------- raid budget


def test_engagement_budget_hand_worked() -> None:
    # Hand-worked: 1/R_kill = 1/R_start + 1e-4 /m (c = 1e-6 s/m², v = 100 m/s), slew 1 s,
    # all targets start at 5 km inside max range, keep-out 1 km.
    # T1: start 1 s at 4900 m → R_kill 3288.6 m, dwell 16.114 s, kill at 17.114 s
    # T2: start 18.114 s at 3188.6 m → R_kill 2417.7 m, dwell 7.709 s, kill 25.823 s
    # T3: start 26.823 s at 2317.7 m → R_kill 1881.6 m, kill 31.184 s
    spec, tgt = _inverse_square_case()
    n = 8
    res = de.engage_raid(spec, tgt, np.full(n, 5000.0), 100.0, 1000.0, 0.0)
    assert res.t_kill_s[0] == pytest.approx(17.114, abs=2e-3)
    assert res.t_kill_s[1] == pytest.approx(25.823, abs=2e-3)
    assert res.t_kill_s[2] == pytest.approx(31.184, abs=2e-3)
    assert res.range_at_kill_m[2] == pytest.approx(1881.6, abs=0.2)
    # the same recurrence, written out, gives the count
    t_free, count = 0.0, 0
    for _ in range(n):
        ts = t_free + 1.0
        r_s = 5000.0 - 100.0 * ts
        r_k = 1.0 / (1.0 / r_s + 1e-4)
        if r_k < 1000.0:
            continue
        count += 1
        t_free = ts + (r_s - r_k) / 100.0
    assert res.n_killed == count == 6
    assert res.shots == 6 and not res.killed[6:].any()
    assert np.all(np.isnan(res.t_kill_s[~res.killed]))
    # prime energy = draw × total dwell
    assert res.energy_drawn_j == pytest.approx(spec.magazine.draw_w * np.nansum(res.dwell_s))


def test_engagement_waits_for_max_range_and_recharge() -> None:
    spec, tgt = _inverse_square_case()
    # enters max range (4 km) at t = 10 s
    spec = dataclasses.replace(spec, max_range_m=4000.0)
    res = de.engage_raid(spec, tgt, [5000.0], 100.0, 1000.0, 0.0)
    assert res.t_start_s[0] == pytest.approx(10.0)
    # store holding exactly one first dwell, no slew: the second start waits for recharge
    spec = dataclasses.replace(spec, max_range_m=1e5, slew_settle_s=0.0)
    d1 = float(de.dwell_time_closing_s(spec, tgt, 5000.0, 100.0, 0.0, 1000.0)[0])
    draw = spec.magazine.draw_w
    mag = de.PowerMagazine(
        capacity_j=0.5 * draw * d1 * 1.0000001, recharge_w=0.5 * draw, draw_w=draw
    )
    spec = dataclasses.replace(spec, magazine=mag)
    res = de.engage_raid(spec, tgt, [5000.0, 5000.0], 100.0, 1000.0, 0.0)
    drain = 0.5 * draw
    t1 = res.t_kill_s[0]
    stored_after = mag.capacity_j - drain * d1
    r_s = 5000.0 - 100.0 * t1
    need = drain * float(de.dwell_time_closing_s(spec, tgt, r_s, 100.0, 0.0, 1000.0)[0])
    wait = (need - stored_after) / mag.recharge_w
    assert wait > 0
    assert res.t_start_s[1] == pytest.approx(t1 + wait, rel=1e-9)


def test_more_power_kills_more_of_a_raid() -> None:
    r0 = np.linspace(8e3, 12e3, 30)
    kills = [
        de.engage_raid(
            dataclasses.replace(CAT.lasers["generic-hel-300kw"], power_w=p),
            CM,
            r0,
            240.0,
            1000.0,
            BETA_CLEAR,
            cn2_m_23=1e-15,
        ).n_killed
        for p in (100e3, 300e3, 1e6)
    ]
    assert kills[0] < kills[1] < kills[2]
    with pytest.raises(ValueError, match="speed_mps"):
        de.engage_raid(HEL60, CM, [5e3], 0.0, 1e3, BETA_CLEAR)


# ----------------------------------------------------------------------------- magazine


def test_magazine_arithmetic() -> None:
    mag = de.PowerMagazine(capacity_j=180e6, recharge_w=120e3, draw_w=200e3)
    assert de.net_drain_w(mag) == 80e3
    # 80 kW × 5 s = 0.4 MJ per shot → 450 shots from 180 MJ
    assert float(de.shots_per_charge(mag, 5.0)) == 450.0
    np.testing.assert_array_equal(de.shots_per_charge(mag, [1.0, 3.0, 4.5]), [2250, 750, 500])
    assert float(de.recharge_time_s(mag, 180e6)) == pytest.approx(1500.0)
    deep = de.PowerMagazine(capacity_j=1e6, recharge_w=300e3, draw_w=200e3)
    assert np.isinf(de.shots_per_charge(deep, 10.0))
    dead = de.PowerMagazine(capacity_j=1e6, recharge_w=0.0, draw_w=200e3)
    assert np.isinf(de.recharge_time_s(dead, 1.0)) and float(de.recharge_time_s(dead, 0.0)) == 0.0
    # energy cost: 200 kW × 5 s = 1 MJ = 0.2778 kWh × $0.5
    assert float(de.energy_cost_per_shot_usd(HEL60, 5.0)) == pytest.approx(0.5 / 3.6)


# ----------------------------------------------------------------------------- HPM


def test_hpm_inverse_square_and_aperture_cap() -> None:
    r = np.array([200.0, 400.0, 800.0])
    s = de.hpm_power_density_w_m2(1e6, 1000.0, r, 1.5)
    np.testing.assert_allclose(s, 1e9 / (4 * math.pi * r**2), rtol=1e-12)
    np.testing.assert_allclose(s[:-1] / s[1:], 4.0, rtol=1e-12)
    cap = 1e6 / (math.pi * 0.75**2)
    assert float(de.hpm_power_density_w_m2(1e6, 1000.0, 1.0, 1.5)) == pytest.approx(cap)
    assert de.hpm_far_field_m(HPM) == pytest.approx(2 * 1.5**2 / (299_792_458.0 / 3e9))


def test_hpm_beam_pattern() -> None:
    th = HPM.beamwidth_rad
    g = de.hpm_gain(HPM, [0.0, th / 2, th, 1.01 * th])
    assert g[0] == HPM.gain
    assert g[1] == pytest.approx(0.5 * HPM.gain)  # half power at half the 3-dB width
    assert g[2] == pytest.approx(HPM.gain / 16)
    assert g[3] == 0.0


def test_hpm_effect_probability_vs_range() -> None:
    r50 = float(de.hpm_range_for_probability(HPM, UAS, 0.5))
    assert r50 == pytest.approx(math.sqrt(1e9 / (4 * math.pi * UAS.hpm_s50_w_m2)))
    bore = np.array([1.0, 0.0, 0.0])
    ranges = np.array([100.0, 0.5 * r50, r50, 1.5 * r50, 1900.0, 2100.0])
    p = de.hpm_effect_probability(HPM, UAS, ranges[:, None] * bore, bore)
    assert p[2] == pytest.approx(0.5, abs=1e-12)
    assert np.all(np.diff(p[:-1]) < 0) and p[-1] == 0.0  # beyond max_range_m
    for q in (0.1, 0.9):
        rq = float(de.hpm_range_for_probability(HPM, UAS, q))
        assert float(de.hpm_effect_probability(HPM, UAS, rq * bore, bore)) == pytest.approx(q)
    # a hard target needs more power density: shorter range
    assert float(de.hpm_range_for_probability(HPM, CM, 0.5)) < r50


def test_hpm_area_effect_and_best_boresight() -> None:
    r = np.array([[500.0, 0.0, 0.0], [500.0, 10.0, 0.0], [480.0, -15.0, 5.0], [0.0, 500.0, 0.0]])
    bore, expected = de.hpm_best_boresight(HPM, UAS, r)
    p = de.hpm_effect_probability(HPM, UAS, r, bore)
    assert np.all(p[:3] > 0.3) and p[3] == 0.0  # all three in the beam, the fourth outside
    assert expected == pytest.approx(p.sum())
    _, none = de.hpm_best_boresight(HPM, UAS, r, alive=np.zeros(4, bool))
    assert none == 0.0


def test_hpm_swarm_engagement_reproducible() -> None:
    rng0 = np.random.default_rng(3)
    r0 = np.column_stack(
        [rng0.normal(1500, 20, 40), rng0.normal(0, 20, 40), rng0.normal(100, 5, 40)]
    )
    v = np.array([-20.0, 0.0, 0.0])
    a = de.engage_swarm_hpm(HPM, UAS, r0, v, 50.0, np.random.default_rng(7))
    b = de.engage_swarm_hpm(HPM, UAS, r0, v, 50.0, np.random.default_rng(7))
    np.testing.assert_array_equal(a.killed, b.killed)
    np.testing.assert_array_equal(a.t_kill_s, b.t_kill_s)
    assert a.killed.all()  # slow swarm, dozens of shots inside R50
    assert a.shots >= 1
    assert a.energy_drawn_j == pytest.approx(a.shots * HPM.magazine.draw_w * HPM.shot_duration_s)
    # a hardened target class leaks past the same weapon
    c = de.engage_swarm_hpm(HPM, CM, r0, np.array([-240.0, 0, 0]), 50.0, np.random.default_rng(7))
    assert c.killed.sum() < a.killed.sum()
