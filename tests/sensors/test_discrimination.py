"""RV/decoy discrimination: closed forms, monotonicity, Monte Carlo of the decision rule."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.discrimination import (
    FEATURE_SNR_C,
    H_PLANCK_J_S,
    SNR_REF,
    combine_dprime,
    declare_rv,
    ir_colour_temperature_sigma_k,
    ir_two_colour_dprime,
    limit_dprime,
    p_correct,
    p_declared_rv,
    p_lethal_given_declared,
    radar_dprime,
    radar_dprime_looks,
    range_cells,
)
from shieldlab.sensors.radar import RadarSite

RV_LENGTH_M = 1.8  # order of a strategic RV's length (assumption for the tests)


@pytest.fixture(scope="module")
def ewr() -> RadarSite:
    return make_radar("generic-uhf-ewr", 41.75, -70.54, 80.0)


@pytest.fixture(scope="module")
def xband() -> RadarSite:
    return make_radar("generic-xband-fcr", 40.0, 140.0)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_reference_point_and_closed_form(ewr: RadarSite, xband: RadarSite) -> None:
    """Unresolved object at SNR_ref: d' = d'_ref exactly; P = Φ(d'/2) (erf form), 1e-12."""
    assert float(radar_dprime(ewr, SNR_REF, RV_LENGTH_M)) == pytest.approx(0.3, rel=1e-12)
    # X band at its 1 GHz discrimination waveform: N = 1.8 / 0.1499 = 12.0 cells
    n = float(range_cells(RV_LENGTH_M, 1e9))
    assert n == pytest.approx(RV_LENGTH_M / (299792458.0 / 2e9), rel=1e-12)
    d_inf = 0.8 * math.sqrt(1 + FEATURE_SNR_C / SNR_REF)
    snr = 1000.0
    d = float(radar_dprime(xband, snr, RV_LENGTH_M))
    assert d == pytest.approx(d_inf * math.sqrt(n / (1 + n * FEATURE_SNR_C / snr)), rel=1e-12)
    for dp in (0.0, 0.3, 1.0, 2.5, 6.0):
        assert float(p_correct(dp)) == pytest.approx(_phi(dp / 2), abs=1e-12)
    assert float(p_correct(0.0)) == 0.5
    # the documented example: UEWR per look Φ(0.15) = 0.56
    assert float(p_correct(0.3)) == pytest.approx(0.5596, abs=1e-4)


def test_monotone_in_snr_bandwidth_and_looks(xband: RadarSite) -> None:
    snr = np.logspace(-1, 5, 40)
    d = radar_dprime(xband, snr, RV_LENGTH_M)
    assert np.all(np.diff(d) > 0) and np.all(np.diff(p_correct(d)) > 0)
    # saturates at d'∞ √N
    n = float(range_cells(RV_LENGTH_M, 1e9))
    assert d[-1] < 0.8 * math.sqrt(1 + FEATURE_SNR_C / SNR_REF) * math.sqrt(n)
    bws = [1e6, 1e7, 1e8, 3e8, 1e9, 3e9]
    d_bw = [
        float(radar_dprime(replace(xband, discrimination_bandwidth_hz=b), 300.0, 1.8)) for b in bws
    ]
    assert d_bw[0] == d_bw[1]  # both unresolved: N = 1
    assert np.all(np.diff(d_bw[1:]) > 0)
    looks = np.full((1, 30), 50.0)
    d_k = [float(radar_dprime_looks(xband, looks[:, :k], 1.8)[0]) for k in range(1, 31)]
    assert np.all(np.diff(d_k) > 0)


def test_uhf_stays_poor_however_long_it_stares(ewr: RadarSite, xband: RadarSite) -> None:
    """NRC 2012 ch. 5: narrow-band UHF radars discriminate poorly, wideband X band well.
    Looks of one radar integrate SNR, so 1,000 UEWR looks stay below P = 0.6."""
    many = radar_dprime_looks(ewr, np.full((1, 1000), 100.0), RV_LENGTH_M)
    assert float(p_correct(many[0])) < 0.6
    one_x = radar_dprime(xband, 300.0, RV_LENGTH_M)
    assert float(p_correct(one_x)) > 0.8 > float(p_correct(radar_dprime(ewr, 300.0, 1.8)))
    # a radar with no catalog figure does not discriminate
    assert float(radar_dprime(replace(ewr, discrimination_dprime_ref=0.0), 1e6, 1.8)) == 0.0


def test_combine_and_limit() -> None:
    d = np.array([[0.3, 2.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(combine_dprime(d), [math.sqrt(0.09 + 4 + 1), 0.0])
    assert float(limit_dprime(2.0, np.inf)) == 2.0
    assert float(limit_dprime(1e9, 1.5)) == pytest.approx(1.5, rel=1e-9)
    assert float(limit_dprime(3.0, 4.0)) == pytest.approx(2.4, rel=1e-12)  # 3·4/5
    assert float(limit_dprime(0.0, 0.0)) == 0.0


def test_bayes_p_lethal() -> None:
    """By hand: f = 0.5 gives Φ(d'/2) (Φ(0.25) = 0.598706, Φ(1) = 0.841345); f = 0.1,
    d' = 3: Φ(1.5) = 0.933193, 0.1·0.933193 / (0.1·0.933193 + 0.9·0.066807)
    = 0.0933193 / 0.1534458 = 0.608158. Rising with d' from the prior f at d' = 0."""
    assert float(p_lethal_given_declared(0.5, 0.5)) == pytest.approx(0.598706, abs=1e-6)
    assert float(p_lethal_given_declared(2.0, 0.5)) == pytest.approx(0.841345, abs=1e-6)
    assert float(p_lethal_given_declared(3.0, 0.1)) == pytest.approx(0.608158, abs=1e-6)
    assert float(p_lethal_given_declared(0.0, 0.1)) == pytest.approx(0.1, abs=1e-15)
    assert np.all(np.diff(p_lethal_given_declared(np.linspace(0, 6, 20), 0.1)) > 0)


def test_equal_error_gaussian_rule_monte_carlo() -> None:
    """The model's premise: features N(±d'/2, 1), threshold 0 → P(correct) = Φ(d'/2) for both
    classes; and declare_rv draws with the same rates. 200,000 draws, 4-sigma binomial."""
    g = np.random.default_rng(21)
    k, dp = 200_000, 1.7
    x_rv = g.normal(+dp / 2, 1.0, k)
    x_decoy = g.normal(-dp / 2, 1.0, k)
    pc = _phi(dp / 2)
    tol = 4 * math.sqrt(pc * (1 - pc) / k)
    assert abs(np.mean(x_rv > 0) - pc) < tol and abs(np.mean(x_decoy < 0) - pc) < tol
    is_rv = np.arange(k) % 2 == 0
    dec = declare_rv(np.full(k, dp), is_rv, g)
    assert abs(dec[is_rv].mean() - pc) < 2 * tol and abs((~dec[~is_rv]).mean() - pc) < 2 * tol
    np.testing.assert_allclose(p_declared_rv([dp, dp], [True, False]), [pc, 1 - pc])


def test_ir_two_colour() -> None:
    """σ_T against a finite difference of ln(B₁/B₂); d' monotone in SNR, 0 for equal T."""
    c2 = H_PLANCK_J_S * 299792458.0 / 1.380649e-23

    def ln_ratio(t: float) -> float:
        b = [1.0 / (lam**5 * math.expm1(c2 / (lam * t))) for lam in (4.3e-6, 10e-6)]
        return math.log(b[0] / b[1])

    t, dt = 280.0, 1e-3
    slope = (ln_ratio(t + dt) - ln_ratio(t - dt)) / (2 * dt)
    sig = float(ir_colour_temperature_sigma_k(t, 50.0, 50.0))
    assert sig == pytest.approx(math.sqrt(2) / 50.0 / abs(slope), rel=1e-6)
    snr = np.logspace(0, 3, 10)
    d = ir_two_colour_dprime(300.0, 260.0, snr, snr)
    assert np.all(np.diff(d) > 0) and d[-1] < 40.0 / 10.0 + 1e-9
    assert float(ir_two_colour_dprime(280.0, 280.0, 1e3, 1e3)) == 0.0
