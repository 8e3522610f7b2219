"""Discrimination of reentry vehicles (RVs) from decoys: a signal-detection-theory model.

What it models: how well the sensors holding an object can tell whether it is
an RV or a decoy, as a discrimination index d' and the probabilities that
follow from it. It does not model the features themselves (RCS statistics,
range profiles, micro-motion, IR colour); it models how their separability
grows with SNR, range resolution and independent sensors, with one stated
quality figure per radar. Vectorised over objects.

Model (Green & Swets, *Signal Detection Theory and Psychophysics*, 1966;
Van Trees, *Detection, Estimation, and Modulation Theory* part I, 1968,
§2.2 for equal-variance Gaussian hypotheses):

- **Decision statistic.** The feature of an RV and of a decoy are Gaussian
  with equal variance and means d' standard deviations apart. At the
  equal-error threshold (midway), P(correct) = Φ(d'/2) for both classes:
  P(declare RV | RV) = Φ(d'/2), P(declare RV | decoy) = 1 − Φ(d'/2).
- **Per-look radar index.** A wideband look splits the object into
  N = max(1, L / (c/2B)) range cells (L object length, B the discrimination
  bandwidth); each cell is an independent feature whose variance is the
  object-to-object (intrinsic) spread plus thermal noise that falls with
  the cell's SNR, SNR/N. With ``FEATURE_SNR_C`` the per-cell SNR at which the
  two are equal::

      d'² = d'∞² · N / (1 + N · SNR_c / SNR)

  so d' grows with SNR and saturates at d'∞ √N: bandwidth helps only with
  enough SNR. d'∞ is fixed by the catalog figure
  ``discrimination_dprime_ref`` = d' of an unresolved object (N = 1) at
  SNR = ``SNR_REF`` (20 dB): d'∞ = d'_ref √(1 + SNR_c/SNR_ref). It carries
  what the radar's band and processing can see beyond resolution
  (wavelength against object size, polarisation, Doppler/micro-motion).
- **Looks.** Repeated looks of the *same* radar average thermal noise but
  not the intrinsic spread: pass the summed SNR of the looks
  (:func:`radar_dprime_looks`). Independent sensors (different bands or
  phenomenologies: UHF, X band, IR colour) add in quadrature,
  d'_N = √(Σ d'_i²) (:func:`combine_dprime`). Accumulating d'² over every
  look of one radar would let a narrow-band radar become a good
  discriminator by staring, which NRC (2012) ch. 5 says it is not.
- **Countermeasures.** A threat whose decoys are built to match the RV
  (balloons enclosing RVs, anti-simulation) caps what any sensor can do:
  :func:`limit_dprime` combines the sensors' d' with a threat ceiling d'_max
  as 1/d'² = 1/d'_s² + 1/d'_max² (the threat's intrinsic spread adds to the
  feature variance). APS Panel on Public Affairs, "Ballistic Missile
  Defense: Threats and Challenges" (2022), and Sessler et al.,
  "Countermeasures" (UCS/MIT 2000), for why d'_max can be small.
- **Bayes.** With a prior RV fraction f among the objects,
  P(lethal | declared RV) = f Φ / (f Φ + (1−f)(1−Φ)), Φ = Φ(d'/2).
- **IR two-colour** (:func:`ir_two_colour_dprime`): colour temperature from
  the ratio of two band intensities of a grey body (Planck's law; emissivity
  cancels), σ_T = √(1/SNR₁² + 1/SNR₂²) / |∂lnB₁/∂T − ∂lnB₂/∂T|, and
  d' = |T_RV − T_decoy| / √(σ_T² + σ_int²).

The catalog d' values are assumptions chosen to express the published
qualitative judgement (NRC 2012 ch. 5; APS 2022): UHF early-warning radars
discriminate poorly, wideband X-band radars well against simple decoys.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from shieldlab.core.constants import C_MPS, K_BOLTZMANN_J_K
from shieldlab.sensors.radar import RadarSite

F64 = NDArray[np.float64]

SNR_REF: float = 100.0
"""Reference SNR (linear, 20 dB) at which ``discrimination_dprime_ref`` is stated."""
FEATURE_SNR_C: float = 10.0
"""Per-cell SNR (linear, 10 dB) at which thermal feature noise equals the intrinsic spread
(assumption: feature estimates such as a cell's RCS have relative noise ~1/√SNR)."""
H_PLANCK_J_S: float = 6.62607015e-34
"""Planck constant [J s] (exact, SI 2019)."""


def range_cells(length_m: ArrayLike, bandwidth_hz: float) -> F64:
    """Range cells across an object, N = max(1, L / (c / 2B))."""
    res = C_MPS / (2.0 * bandwidth_hz)
    return np.asarray(np.maximum(np.asarray(length_m, dtype=np.float64) / res, 1.0))


def radar_dprime(radar: RadarSite, snr: ArrayLike, length_m: ArrayLike) -> F64:
    """Per-look RV/decoy discrimination index d' of objects of length ``length_m`` at ``snr``.

    d' = d'∞ √(N SNR / (SNR + N SNR_c)), N = :func:`range_cells` at the
    radar's discrimination bandwidth, d'∞ = d'_ref √(1 + SNR_c/SNR_ref).
    ``snr`` linear (single look, or the summed SNR of several looks of this
    radar at the object). Broadcasts over objects.
    """
    bw = radar.discrimination_bandwidth_hz or radar.bandwidth_hz
    n = range_cells(length_m, bw)
    s = np.maximum(np.asarray(snr, dtype=np.float64), 0.0)
    d_inf = radar.discrimination_dprime_ref * np.sqrt(1.0 + FEATURE_SNR_C / SNR_REF)
    return np.asarray(d_inf * np.sqrt(n * s / (s + n * FEATURE_SNR_C)))


def radar_dprime_looks(radar: RadarSite, snr_looks: ArrayLike, length_m: ArrayLike) -> F64:
    """d' of ``K`` looks of one radar at each object: SNRs (n, K) summed (NaN = no look)."""
    s = np.nansum(np.asarray(snr_looks, dtype=np.float64), axis=-1)
    return radar_dprime(radar, s, length_m)


def combine_dprime(dprimes: ArrayLike, axis: int = -1) -> F64:
    """d' of independent sensors (or independent looks) combined: √(Σ d'_i²) along ``axis``."""
    d = np.asarray(dprimes, dtype=np.float64)
    return np.asarray(np.sqrt(np.sum(d * d, axis=axis)))


def limit_dprime(dprime: ArrayLike, dprime_max: ArrayLike) -> F64:
    """Sensor d' capped by a threat's countermeasure ceiling: 1/d'² = 1/d'_s² + 1/d'_max².

    ``dprime_max`` = inf leaves d' unchanged.
    """
    d = np.asarray(dprime, dtype=np.float64)
    dm = np.asarray(dprime_max, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = d * dm / np.sqrt(d * d + dm * dm)
    return np.asarray(np.where(np.isinf(dm), d, np.where(d > 0.0, out, 0.0)))


def p_correct(dprime: ArrayLike) -> F64:
    """Probability of correct classification at the equal-error threshold, Φ(d'/2)."""
    return np.asarray(ndtr(0.5 * np.asarray(dprime, dtype=np.float64)))


def p_declared_rv(dprime: ArrayLike, is_rv: ArrayLike) -> F64:
    """P(declared RV): Φ(d'/2) for an RV, 1 − Φ(d'/2) for a decoy."""
    pc = p_correct(dprime)
    return np.asarray(np.where(np.asarray(is_rv, dtype=bool), pc, 1.0 - pc))


def p_lethal_given_declared(dprime: ArrayLike, rv_fraction: ArrayLike) -> F64:
    """P(lethal | declared RV) = f Φ / (f Φ + (1 − f)(1 − Φ)), f the prior RV fraction."""
    pc = p_correct(dprime)
    f = np.asarray(rv_fraction, dtype=np.float64)
    num = f * pc
    return np.asarray(num / (num + (1.0 - f) * (1.0 - pc)))


def declare_rv(dprime: ArrayLike, is_rv: ArrayLike, rng: np.random.Generator) -> NDArray[np.bool_]:
    """One classification draw per object: True where the object is declared an RV.

    Draws n uniforms (fixed count). Equivalent to thresholding a Gaussian
    statistic N(±d'/2, 1) at 0.
    """
    p = p_declared_rv(dprime, is_rv)
    return np.asarray(rng.random(p.shape) < p)


def _dlnb_dt(wavelength_m: float, t_k: F64) -> F64:
    """∂ ln B_λ(T) / ∂T [1/K] of Planck's law: (x/T) eˣ/(eˣ − 1), x = hc/(λkT)."""
    x = H_PLANCK_J_S * C_MPS / (wavelength_m * K_BOLTZMANN_J_K * t_k)
    return np.asarray(x / t_k / -np.expm1(-x))


def ir_colour_temperature_sigma_k(
    t_k: ArrayLike,
    snr_1: ArrayLike,
    snr_2: ArrayLike,
    wavelength_1_m: float = 4.3e-6,
    wavelength_2_m: float = 10.0e-6,
) -> F64:
    """1-σ noise [K] of a two-colour temperature estimate of a grey body at ``t_k``.

    Ratio R = I₁/I₂ of two narrow bands (emissivity cancels);
    σ_lnR = √(1/SNR₁² + 1/SNR₂²); σ_T = σ_lnR / |∂lnB₁/∂T − ∂lnB₂/∂T|.
    Defaults: MWIR 4.3 µm and LWIR 10 µm band centres.
    """
    t = np.asarray(t_k, dtype=np.float64)
    s1 = np.maximum(np.asarray(snr_1, dtype=np.float64), 1e-12)
    s2 = np.maximum(np.asarray(snr_2, dtype=np.float64), 1e-12)
    slope = np.abs(_dlnb_dt(wavelength_1_m, t) - _dlnb_dt(wavelength_2_m, t))
    return np.asarray(np.sqrt(1.0 / s1**2 + 1.0 / s2**2) / slope)


def ir_two_colour_dprime(
    t_rv_k: ArrayLike,
    t_decoy_k: ArrayLike,
    snr_1: ArrayLike,
    snr_2: ArrayLike,
    sigma_t_intrinsic_k: ArrayLike = 10.0,
    wavelength_1_m: float = 4.3e-6,
    wavelength_2_m: float = 10.0e-6,
) -> F64:
    """IR two-colour RV/decoy index d' = |T_RV − T_decoy| / √(σ_T² + σ_int²).

    σ_T from :func:`ir_colour_temperature_sigma_k` at the mean temperature;
    σ_int the object-to-object temperature spread (default 10 K, assumption;
    a decoy built to the RV's temperature gives d' ≈ 0 whatever the SNR).
    """
    t1 = np.asarray(t_rv_k, dtype=np.float64)
    t2 = np.asarray(t_decoy_k, dtype=np.float64)
    sig_t = ir_colour_temperature_sigma_k(
        0.5 * (t1 + t2), snr_1, snr_2, wavelength_1_m, wavelength_2_m
    )
    si = np.asarray(sigma_t_intrinsic_k, dtype=np.float64)
    return np.asarray(np.abs(t1 - t2) / np.sqrt(sig_t**2 + si**2))
