"""The open counterforce arithmetic (``analysis.deterrent_math``) and the second-strike
rules (``analysis.second_strike``).

Checks, with their sources (tests/reference/SOURCES.md, "deterrent"):

- SSPK is 1/2 when the lethal radius equals the CEP (the definition of the CEP);
- the lethal radius scales as (Y/H)^(1/3) and is 2.62 nmi at 1 Mt and 1 psi;
- an open SSPK calculator's value (750 kt, 700 psi, CEP 900 m → 0.19019) is
  reproduced to 5e-5;
- the published (1 − Pk)^n arithmetic of Bruce Blair for a target struck with
  Pk = 4 % weapons (17 weapons → 50 %, 69 weapons → 94 % destroyed) to 0.001;
- (1 − r·Pk)^n and the two-on-one expected survivors of a silo field against a
  Monte Carlo of our own per-warhead draws (``destroyed_aimpoints``), within
  4 binomial standard deviations;
- the posture and launch-control rules of the second strike.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from shieldlab.analysis.deterrent_math import (
    NMI_M,
    expected_survivors,
    lethal_radius_m,
    p_survive,
    sspk,
    sspk_from_radius,
)
from shieldlab.analysis.second_strike import (
    Laydown,
    Posture,
    destroyed_aimpoints,
    draw_posture,
    survivors,
)
from shieldlab.scenario.deterrent_schema import DeterrentSection


def test_sspk_is_one_half_when_the_lethal_radius_is_the_cep() -> None:
    # the CEP is the median miss distance: half the warheads land inside it
    assert sspk_from_radius(250.0, 250.0) == pytest.approx(0.5, abs=1e-15)
    assert sspk_from_radius(0.0, 100.0) == 0.0
    assert sspk_from_radius(1e6, 100.0) == pytest.approx(1.0)


def test_lethal_radius_cube_root_scaling() -> None:
    assert lethal_radius_m(1000.0, 1.0) == pytest.approx(2.62 * NMI_M, rel=1e-12)
    lr = lethal_radius_m(300.0, 2000.0)
    assert lethal_radius_m(2400.0, 2000.0) == pytest.approx(2.0 * lr, rel=1e-12)
    assert lethal_radius_m(300.0, 16000.0) == pytest.approx(lr / 2.0, rel=1e-12)
    # 1 Mt against 1,000 psi: 0.262 nmi (485 m)
    assert lethal_radius_m(1000.0, 1000.0) == pytest.approx(0.262 * NMI_M, rel=1e-12)


def test_open_sspk_calculator_value() -> None:
    # an open SSPK calculator (LR = 2.62 nmi (Y/H)^(1/3), SSPK = 1 − 0.5^((LR/CEP)²))
    # states 0.19019 for 750 kt, 700 psi, CEP 900 m (tolerance 5e-5)
    assert float(sspk(750.0, 900.0, 700.0)) == pytest.approx(0.19019, abs=5e-5)


def test_cheyenne_mountain_hardness_conversion() -> None:
    # counterforce.yaml: "withstands 30 Mt at 1.2 miles" → 480 psi by the same formula
    assert float(lethal_radius_m(30000.0, 480.0)) == pytest.approx(1.2 * 1609.344, rel=0.01)


@pytest.mark.parametrize(("n", "destroyed"), [(17, 0.50), (69, 0.94)])
def test_blair_arithmetic_of_69_weapons(n: int, destroyed: float) -> None:
    # Bruce Blair's arithmetic for the SIOP target Gen. Lee Butler found struck by 69
    # weapons: Pk 4 % a weapon, 17 weapons for 50 %, 69 weapons for 94 % (tol 0.001)
    assert 1.0 - float(p_survive(0.04, 1.0, n)) == pytest.approx(destroyed, abs=1e-3)


def test_survival_formula_against_own_draws() -> None:
    rng = np.random.default_rng(1)
    n_silos, per_silo, draws = 50, 2, 4000
    pk, r = 0.84, 0.8
    aim = np.repeat(np.arange(n_silos), per_silo)
    u = rng.random((draws, aim.size))
    dead = destroyed_aimpoints(n_silos, aim, np.full(aim.size, r * pk), np.ones(aim.size, bool), u)
    p = float(p_survive(pk, r, per_silo))
    frac = 1.0 - dead.mean()
    sd = math.sqrt(p * (1.0 - p) / dead.size)
    assert abs(frac - p) < 4.0 * sd
    # two warheads on each of 450 silos: N (1 − r Pk)^2
    survive_mc = (~dead).sum(axis=1).mean() * 450 / n_silos
    assert float(expected_survivors(450, pk, r, 2)) == pytest.approx(450 * (1 - r * pk) ** 2)
    assert survive_mc == pytest.approx(float(expected_survivors(450, pk, r, 2)), rel=0.03)


def test_warheads_that_do_not_arrive_destroy_nothing() -> None:
    u = np.zeros((3, 2))  # every draw would kill
    dead = destroyed_aimpoints(
        2, np.array([0, 1]), np.array([1.0, 1.0]), np.array([True, False]), u
    )
    assert dead[:, 0].all() and not dead[:, 1].any()


@pytest.mark.parametrize(
    "bad",
    [
        lambda: lethal_radius_m(300.0, 0.0),
        lambda: sspk_from_radius(1.0, 0.0),
        lambda: p_survive(1.2, 1.0, 2),
    ],
)
def test_bad_arguments_raise(bad: object) -> None:
    with pytest.raises(ValueError):
        bad()  # type: ignore[operator]


SECTION = {
    "icbm_wings": [
        {
            "name": "W",
            "base": "Minot AFB",
            "field_area_km2": 5000,
            "squadrons": 2,
            "flights_per_squadron": 2,
            "silos_per_flight": 3,
            "missiles_deployed": 12,
            "alert_rate": 1.0,
            "silo_hardness_psi": 2000,
            "lcc_hardness_psi": 1000,
        }
    ],
    "bomber_bases": [
        {"base": "Whiteman AFB", "bombers": 10, "weapons_per_bomber": 5, "alert_rate": 0.3}
    ],
    "ssbn_bases": [
        {
            "base": "Kings Bay",
            "boats": 4,
            "missiles_per_boat": 20,
            "warheads_per_missile": 4,
            "at_sea_rate": 0.5,
        }
    ],
    "command": {"sites": [{"base": "Offutt AFB"}], "airborne": {"alert_rate": 0.5}},
    "attacker": {"default": {"yield_kt": 250, "cep_m": 150, "reliability": 0.8}},
}


def _lay() -> Laydown:
    return Laydown.from_section(DeterrentSection.model_validate(SECTION))


def _posture(lay: Laydown, airborne: bool) -> Posture:
    return Posture(
        icbm_alert=np.ones((1, lay.silo.size), bool),
        bombers_alert=np.array([[3]]),
        boats_at_sea=np.array([[2]]),
        airborne=np.array([airborne]),
    )


def test_rules_nothing_destroyed_keeps_the_force() -> None:
    lay = _lay()
    s = survivors(lay, np.zeros((1, lay.size), bool), _posture(lay, False))
    assert s["warheads_icbm"][0] == 12 and s["warheads_bomber"][0] == 50
    assert s["warheads_slbm"][0] == 4 * 20 * 4 and s["launchers"][0] == 12 + 10 + 80


def test_rules_squadron_without_lcc_needs_the_airborne_post() -> None:
    lay = _lay()
    dead = np.zeros((1, lay.size), bool)
    dead[0, lay.lcc[lay.lcc_squadron == 0]] = True  # both LCCs of squadron 1
    grounded = survivors(lay, dead, _posture(lay, False))
    assert grounded["launchers_icbm"][0] == 6  # squadron 2's six missiles
    aloft = survivors(lay, dead, _posture(lay, True))
    assert aloft["launchers_icbm"][0] == 12  # the ALCS launches squadron 1
    one_left = dead.copy()
    one_left[0, lay.lcc[0]] = False
    assert survivors(lay, one_left, _posture(lay, False))["launchers_icbm"][0] == 12


def test_rules_bases_alert_bombers_boats_at_sea_and_command() -> None:
    lay = _lay()
    dead = np.zeros((1, lay.size), bool)
    dead[0, lay.bomber_base] = True
    dead[0, lay.ssbn_base] = True
    s = survivors(lay, dead, _posture(lay, True))
    assert s["launchers_bomber"][0] == 3  # the three on alert escaped
    assert s["launchers_slbm"][0] == 2 * 20  # the two boats at sea
    dead[0, lay.command] = True
    assert survivors(lay, dead, _posture(lay, True))["warheads"][0] > 0  # airborne authority
    cut = survivors(lay, dead, _posture(lay, False))
    assert cut["warheads"][0] == 0 and cut["physical_warheads"][0] > 0


def test_posture_draws_follow_the_rates() -> None:
    lay = _lay()
    p = draw_posture(lay, 20000, np.random.default_rng(5))
    assert p.bombers_alert.mean() == pytest.approx(10 * 0.3, rel=0.02)
    assert p.boats_at_sea.mean() == pytest.approx(4 * 0.5, rel=0.02)
    assert p.airborne.mean() == pytest.approx(0.5, abs=0.02)
