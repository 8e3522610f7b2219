"""Ground and sea radar: range equation, coverage, Swerling-1 detection, noisy (R, az, el, ṙ).

Validity: monostatic radars against point targets in receiver noise (no
jamming, terrain masking or multipath); the range equation reproduces a hand dB
budget and the Swerling-1 threshold the Meyer & Mayer tables within 0.1 dB, and
the generic UEWR's 1 m² range is within 2 % of the published figure.

Model (one look = one dwell of ``n`` coherently integrated pulses):

- **Radar range equation** in its energy form (Skolnik, *Radar Handbook*
  3rd ed. 2008, ch. 1 "the radar equation", with a matched filter so that
  B·τ = 1 after pulse compression)::

      SNR = Pt τ n G² λ² σ / ((4π)³ R⁴ k T0 F L)

  Pt peak power, τ (uncompressed) pulse width, n pulses integrated
  coherently (ideal), G = 4π η A / λ² the antenna gain of an aperture of area
  A = π D²/4 with efficiency η, λ = c/f, σ the target's *mean* RCS, k
  Boltzmann, T0 = 290 K, F the receiver noise factor, L all losses (two-way
  atmosphere, scan, processing, beam-shape) lumped into one factor.
- **Detection**: Swerling-1 target (slow, Rayleigh fluctuation), square-law
  detector on one integrated sample: Pfa = exp(−Y), Pd = exp(−Y/(1+SNR)),
  hence Pd = Pfa^(1/(1+SNR)) (Skolnik, *Introduction to Radar Systems* 3rd
  ed. 2001, §2.8, Swerling case 1 with n = 1).
  One Bernoulli draw per visible object per look.
- **Coverage**: line of sight above the local ellipsoidal horizon plane with
  a minimum elevation, a maximum elevation, an instrumented maximum range
  and an azimuth sector ``boresight ± half_width`` (half-width ≥ 180° is a full
  circle; a two-face array is modelled as one contiguous sector). Scan loss
  off the array normal is folded into ``L`` (constant). No terrain.
- **Refraction and radar horizon** (``refraction_k``; Skolnik, *Introduction
  to Radar Systems* 3rd ed. 2001, §8.2, effective-Earth-radius model): with
  ``refraction_k = 1`` (default, the historical behaviour) rays are straight
  and the mask uses the geometric ENU elevation. With k ≠ 1 (4/3 for the
  standard atmosphere) the mask uses the *apparent*
  elevation, el + Δ, with Δ = el_sphere(kR) − el_sphere(R) the change of
  elevation on a sphere of radius kR (mean radius R, geocentric angle θ
  mapped to θ/k, heights kept), and the ray must clear the effective Earth:
  θ/k ≤ acos(kR/(kR+h_r)) + acos(kR/(kR+h_t)), which for small heights is the
  classic horizon range d ≈ √(2kR h_r) + √(2kR h_t). The antenna height h_r
  is the site's ``alt_m`` (for ships: sea level + mast height). Measurements
  stay geometric (refraction assumed corrected by the radar's processing).
  Mast and sea-platform antennas scan slightly below the horizontal, so
  their catalog entries have a small negative minimum elevation; that is
  only safe with k ≠ 1, which adds the Earth-clearance test (the catalog
  enforces it; the airborne model applies its own horizon instead).
- **Measurement noise** (thermal, independent, Gaussian; Barton, *Radar
  System Analysis and Modeling*, 2005, chapter on measurement accuracy;
  Skolnik, *Radar Handbook* 3rd ed., monopulse tracking chapter):
  σ_R = (c / 2B) / √(2 SNR), σ_θ = θ_3dB / (k_m √(2 SNR)) with the monopulse
  slope k_m ≈ 1.6 and θ_3dB ≈ λ/D; each floored at a bias/residual floor.
  The azimuth error is the cross-range angle error over cos(el) (azimuth is
  measured in the horizontal plane), with cos(el) floored at 0.1.
- **Range rate** (Doppler; Richards, *Fundamentals of Radar Signal
  Processing* 2nd ed. 2014, Doppler resolution and measurement accuracy;
  Skolnik, *Radar Handbook* 3rd ed., ch. 1): over a coherent dwell T the
  Doppler resolution is 1/T, i.e. Δṙ = λ/(2T) in range rate, and the thermal
  accuracy is σ_ṙ = λ / (2 T √(2 SNR)), floored at
  ``min_range_rate_sigma_mps`` (residual range-Doppler coupling, target
  spin modulation, calibration). T = ``coherent_dwell_s`` (default n · τ,
  the shortest dwell that holds n pulses of width τ). ṙ = (Δr·Δv)/|Δr| is
  computed in ECI with the site moving at ω × r_site (a site rotates with
  the Earth); it needs the objects' ECI velocities (``v_eci_mps``), without
  which it is NaN with σ = inf.
- **Revisit**: the caller schedules looks every ``revisit_s``; this module
  does not keep time.
- **Track capacity**: at most ``max_tracks`` objects measured per look
  (scan); when more are in coverage the closest ones (lowest slant range,
  hence the highest SNR among objects of equal RCS) get the beams, before the
  detection draw.
- **Discrimination** quality fields (``discrimination_dprime_ref``,
  ``discrimination_bandwidth_hz``) are used by
  :mod:`shieldlab.sensors.discrimination`, not here.

Frames: inputs are ECI positions (and velocities) and GMST; the site is
geodetic (WGS-84); measurements are in the site's local ENU (azimuth from
north, clockwise); range rate is frame-independent (computed in ECI).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import C_MPS, K_BOLTZMANN_J_K, R_EARTH_MEAN_M, WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    ecef_to_geodetic,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
    norm3,
)
from shieldlab.core.jit import kernel, per_row
from shieldlab.sensors.measurements import Measurements

F64 = NDArray[np.float64]
T0_K: float = 290.0
"""Standard reference noise temperature [K] (IEEE Std 686)."""
K_REFRACTION: float = 4.0 / 3.0
"""Effective-Earth-radius factor of the standard atmosphere (Skolnik 2001 §8.2)."""


def radar_horizon_m(h_radar_m: ArrayLike, h_target_m: ArrayLike, k: float = K_REFRACTION) -> F64:
    """Radar horizon range [m]: √(2kR h_r) + √(2kR h_t), R mean Earth radius (negative h → 0).

    Skolnik, *Introduction to Radar Systems* 3rd ed. 2001, §8.2; with k = 4/3
    and heights in metres d ≈ 4.12 (√h_r + √h_t) km.
    """
    two_kr = 2.0 * k * R_EARTH_MEAN_M
    hr = np.maximum(np.asarray(h_radar_m, dtype=np.float64), 0.0)
    ht = np.maximum(np.asarray(h_target_m, dtype=np.float64), 0.0)
    return np.asarray(np.sqrt(two_kr * hr) + np.sqrt(two_kr * ht))


@dataclass(frozen=True)
class RadarSite:
    """A radar of one catalog type at one place; all fields SI.

    Location geodetic (WGS-84): ``lat_rad``, ``lon_rad``, ``alt_m``. Azimuths
    from north, clockwise. ``noise_factor`` and ``loss_factor`` are linear
    (not dB). ``max_tracks`` None = unlimited. ``coherent_dwell_s`` None = n·τ.
    ``refraction_k`` effective-Earth factor (1 = straight rays, 4/3 standard
    atmosphere); ``platform`` "ground", "sea" or "air" (informative).
    ``discrimination_dprime_ref`` per-look RV/decoy discrimination index of
    an unresolved object at SNR 20 dB (0 = no discrimination; see
    :mod:`shieldlab.sensors.discrimination`); ``discrimination_bandwidth_hz``
    the wideband discrimination waveform (None = ``bandwidth_hz``);
    ``false_alarms_per_scan`` the stated mean false-alarm count a scan reports
    (Poisson, uniform over the coverage window: :mod:`shieldlab.sensors.clutter`).
    """

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    frequency_hz: float
    peak_power_w: float
    aperture_diameter_m: float
    aperture_efficiency: float
    noise_factor: float
    loss_factor: float
    pulse_width_s: float
    pulses_integrated: int
    bandwidth_hz: float
    pfa: float
    min_elevation_rad: float
    max_elevation_rad: float
    max_range_m: float
    boresight_azimuth_rad: float
    azimuth_half_width_rad: float
    revisit_s: float
    monopulse_slope: float = 1.6
    min_range_sigma_m: float = 5.0
    min_angle_sigma_rad: float = 1e-4
    max_tracks: int | None = None
    coherent_dwell_s: float | None = None
    min_range_rate_sigma_mps: float = 0.1
    refraction_k: float = 1.0
    platform: str = "ground"
    discrimination_dprime_ref: float = 0.0
    discrimination_bandwidth_hz: float | None = None
    false_alarms_per_scan: float = 0.0

    @property
    def wavelength_m(self) -> float:
        """λ = c / f [m]."""
        return C_MPS / self.frequency_hz

    @property
    def gain(self) -> float:
        """Antenna gain G = 4π η A / λ² (linear), A = π D²/4."""
        area = math.pi * self.aperture_diameter_m**2 / 4.0
        return 4.0 * math.pi * self.aperture_efficiency * area / self.wavelength_m**2

    @property
    def beamwidth_rad(self) -> float:
        """Half-power beamwidth θ_3dB ≈ λ / D [rad]."""
        return self.wavelength_m / self.aperture_diameter_m

    @property
    def range_resolution_m(self) -> float:
        """c / (2B) [m]."""
        return C_MPS / (2.0 * self.bandwidth_hz)

    @property
    def dwell_s(self) -> float:
        """Coherent dwell T [s]: ``coherent_dwell_s`` or n · τ."""
        if self.coherent_dwell_s is not None:
            return self.coherent_dwell_s
        return self.pulses_integrated * self.pulse_width_s

    @property
    def range_rate_resolution_mps(self) -> float:
        """Doppler resolution in range rate, λ / (2T) [m/s]."""
        return self.wavelength_m / (2.0 * self.dwell_s)

    @property
    def site_ecef_m(self) -> F64:
        """Site position in ECEF (3,) [m]."""
        return site_frame(self.lat_rad, self.lon_rad, self.alt_m)[0].copy()


@functools.lru_cache(maxsize=1024)
def site_frame(lat_rad: float, lon_rad: float, alt_m: float) -> tuple[F64, F64]:
    """ECEF position (3,) [m] and ECEF → ENU rotation (3, 3) of a site, read-only.

    A surface site is fixed in ECEF, so both are computed once per site (cached
    by its geodetic position) and not at every look.
    """
    origin = geodetic_to_ecef(lat_rad, lon_rad, alt_m)
    rot = enu_matrix(lat_rad, lon_rad)
    origin.flags.writeable = False
    rot.flags.writeable = False
    return origin, rot


def _snr_constant(radar: RadarSite) -> float:
    """SNR · R⁴ / σ of the range equation [m²]."""
    energy_j = radar.peak_power_w * radar.pulse_width_s * radar.pulses_integrated
    num = energy_j * radar.gain**2 * radar.wavelength_m**2
    den = (4.0 * math.pi) ** 3 * K_BOLTZMANN_J_K * T0_K * radar.noise_factor * radar.loss_factor
    return num / den


def radar_snr(radar: RadarSite, range_m: ArrayLike, rcs_m2: ArrayLike) -> F64:
    """Mean single-look SNR (linear) of targets of mean RCS ``rcs_m2`` at ``range_m``."""
    r = np.asarray(range_m, dtype=np.float64)
    s = np.asarray(rcs_m2, dtype=np.float64)
    return _snr_constant(radar) * s / np.maximum(r, 1.0) ** 4


def detection_range_m(radar: RadarSite, rcs_m2: ArrayLike, snr_required: float) -> F64:
    """Range [m] at which the mean SNR falls to ``snr_required`` (linear); ignores coverage."""
    s = np.asarray(rcs_m2, dtype=np.float64)
    return (_snr_constant(radar) * s / snr_required) ** 0.25


def swerling1_pd(snr: ArrayLike, pfa: float) -> F64:
    """Swerling-1 probability of detection Pd = Pfa^(1/(1+SNR)) (Skolnik 2001 §2.8)."""
    return np.power(pfa, 1.0 / (1.0 + np.asarray(snr, dtype=np.float64)))


def swerling1_snr_for_pd(pd: float, pfa: float) -> float:
    """Mean SNR (linear) that gives ``pd`` at ``pfa`` for a Swerling-1 target."""
    return math.log(pfa) / math.log(pd) - 1.0


def radar_visible(radar: RadarSite, r_ecef_m: ArrayLike) -> tuple[NDArray[np.bool_], F64, F64, F64]:
    """Coverage mask and (az, el, range) of ECEF positions ``(n, 3)`` seen from the site.

    Visible = min ≤ elevation ≤ max, range ≤ instrumented maximum, azimuth in
    the sector; with refraction (k ≠ 1) the apparent elevation is masked
    and the ray must clear the effective Earth (:func:`refracted_elevation`).
    Returns (mask (n,), az_rad (n,), el_rad (n,) geometric, range_m (n,)).
    """
    return radar_visible_eci(radar, r_ecef_m, 0.0)


def radar_visible_eci(
    radar: RadarSite, r_eci_m: ArrayLike, gmst_rad: float
) -> tuple[NDArray[np.bool_], F64, F64, F64]:
    """:func:`radar_visible` of ECI positions ``(n, 3)``, turned to ECEF by the GMST
    angle inside the kernel (``gmst_rad`` 0: the positions are ECEF)."""
    r = np.ascontiguousarray(r_eci_m, dtype=np.float64)
    origin, rot = site_frame(radar.lat_rad, radar.lon_rad, radar.alt_m)
    refract = radar.refraction_k != 1.0
    mask, az, el, rng = _visible_rows(
        r.reshape(-1, 3),
        float(gmst_rad),
        origin,
        rot,
        -math.inf if refract else radar.min_elevation_rad,
        math.inf if refract else radar.max_elevation_rad,
        radar.max_range_m,
        radar.boresight_azimuth_rad,
        radar.azimuth_half_width_rad,
    )
    shape = r.shape[:-1]
    mask, az, el, rng = (
        mask.reshape(shape),
        az.reshape(shape),
        el.reshape(shape),
        rng.reshape(shape),
    )
    if refract:
        el_app, clear = refracted_elevation(
            radar, r if gmst_rad == 0.0 else eci_to_ecef(r, gmst_rad), el
        )
        mask &= clear & (el_app >= radar.min_elevation_rad) & (el_app <= radar.max_elevation_rad)
    return mask, az, el, rng


@kernel
def _visible_rows(
    r_m: F64,
    gmst: float,
    origin: F64,
    rot: F64,
    min_el: float,
    max_el: float,
    max_range_m: float,
    boresight_rad: float,
    half_width_rad: float,
) -> tuple[NDArray[np.bool_], F64, F64, F64]:
    """:func:`radar_visible`'s geometry point by point (a compiled kernel): ECI
    positions turned by ``gmst`` (0: ECEF already), the ENU offset from the site,
    (az, el, range) as :func:`~shieldlab.core.frames.enu_to_aer` computes them,
    and the elevation, range and sector tests."""
    n = r_m.shape[0]
    mask = np.empty(n, np.bool_)
    az = np.empty(n)
    el = np.empty(n)
    rg = np.empty(n)
    two_pi = 2.0 * math.pi
    c, s = math.cos(gmst), math.sin(gmst)
    for i in range(n):
        dx = c * r_m[i, 0] + s * r_m[i, 1] - origin[0]  # ECI → ECEF (eci_to_ecef)
        dy = -s * r_m[i, 0] + c * r_m[i, 1] - origin[1]
        dz = r_m[i, 2] - origin[2]
        e = rot[0, 0] * dx + rot[0, 1] * dy + rot[0, 2] * dz
        nn = rot[1, 0] * dx + rot[1, 1] * dy + rot[1, 2] * dz
        u = rot[2, 0] * dx + rot[2, 1] * dy + rot[2, 2] * dz
        r = math.sqrt(e * e + nn * nn + u * u)
        a = np.mod(math.atan2(e, nn), two_pi)
        el_i = math.asin(min(max(u / (r if r > 0.0 else 1.0), -1.0), 1.0))
        ok = min_el <= el_i <= max_el and r <= max_range_m
        if ok and half_width_rad < math.pi:
            d = np.mod(a - boresight_rad + math.pi, two_pi) - math.pi
            ok = abs(d) <= half_width_rad
        mask[i], az[i], el[i], rg[i] = ok, a, el_i, r
    return mask, az, el, rg


def refracted_elevation(
    radar: RadarSite, r_ecef_m: ArrayLike, el_rad: ArrayLike
) -> tuple[F64, NDArray[np.bool_]]:
    """Apparent elevation [rad] and line-of-sight flag of ECEF points, effective-Earth model.

    Spherical Earth of mean radius R, refraction as an Earth of radius kR
    (k = ``radar.refraction_k``; Skolnik 2001 §8.2). θ is the geocentric
    angle between site and target, h their heights (geodetic, clipped at 0
    for the horizon). Apparent elevation = el + el_sph(kR) − el_sph(R) with
    el_sph(a) = atan2((a+h_t) cos(θR/a) − (a+h_r), (a+h_t) sin(θR/a)).
    Clear line of sight: θ/k ≤ acos(kR/(kR+h_r)) + acos(kR/(kR+h_t)).
    """
    r = np.asarray(r_ecef_m, dtype=np.float64).reshape(-1, 3)
    site = site_frame(radar.lat_rad, radar.lon_rad, radar.alt_m)[0]
    sx, sy, sz = site.tolist()
    rx, ry, rz = r[:, 0], r[:, 1], r[:, 2]
    # |site × r| with the cross product written out (np.cross's operations)
    cx, cy, cz = sy * rz - sz * ry, sz * rx - sx * rz, sx * ry - sy * rx
    theta = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), r @ site)
    _, _, h_t = ecef_to_geodetic(r)
    h_r = radar.alt_m
    big_r = R_EARTH_MEAN_M

    def el_sph(a: float) -> F64:
        th = theta * big_r / a
        rt = a + h_t
        return np.asarray(np.arctan2(rt * np.cos(th) - (a + h_r), rt * np.sin(th)))

    a_eff = radar.refraction_k * big_r
    el_app = np.asarray(el_rad, dtype=np.float64).reshape(-1) + (el_sph(a_eff) - el_sph(big_r))
    lim = np.arccos(a_eff / (a_eff + max(h_r, 0.0))) + np.arccos(
        a_eff / (a_eff + np.maximum(h_t, 0.0))
    )
    return el_app, theta * big_r / a_eff <= lim


def radar_range_rate(
    radar: RadarSite, r_eci_m: ArrayLike, v_eci_mps: ArrayLike, gmst_rad: float
) -> F64:
    """True range rate ṙ [m/s] (n,) of ECI states seen from the Earth-fixed site (+ receding).

    ṙ = (Δr · Δv)/|Δr| with Δr = r − r_site, Δv = v − ω × r_site, all in ECI
    (the site's ECI velocity is the Earth's rotation ω × r_site).
    """
    r = np.asarray(r_eci_m, dtype=np.float64)
    v = np.asarray(v_eci_mps, dtype=np.float64)
    # the site's ECI position: ecef_to_eci's rotation by −GMST written out in floats
    # (the same operations as on arrays)
    sx, sy, sz = _site_ecef_xyz(radar.lat_rad, radar.lon_rad, radar.alt_m)
    th = -np.asarray(gmst_rad, np.float64)
    c, s = float(np.cos(th)), float(np.sin(th))
    ex, ey = c * sx + s * sy, -s * sx + c * sy
    dr = r - np.array([ex, ey, sz])
    # ω × r_site with ω along z, written out (np.cross is slow on one vector)
    dv = v - np.array([-WGS84_OMEGA_RAD_S * ey, WGS84_OMEGA_RAD_S * ex, 0.0])
    return np.asarray(np.add.reduce(dr * dv, axis=-1) / np.maximum(norm3(dr), 1.0))


@functools.lru_cache(maxsize=1024)
def _site_ecef_xyz(lat_rad: float, lon_rad: float, alt_m: float) -> tuple[float, float, float]:
    """ECEF site position [m] of :func:`site_frame` as three floats (cached)."""
    x, y, z = site_frame(lat_rad, lon_rad, alt_m)[0].tolist()
    return x, y, z


def radar_range_rate_sigma(radar: RadarSite, snr: ArrayLike) -> F64:
    """1-σ range-rate noise [m/s]: λ / (2 T √(2 SNR)), floored at ``min_range_rate_sigma_mps``.

    Doppler resolution 1/T over the coherent dwell T, thermal accuracy over
    √(2 SNR) as for range (Richards 2014, measurement accuracy chapter).
    """
    s = np.maximum(np.asarray(snr, dtype=np.float64), 1e-12)
    return np.asarray(
        np.maximum(
            radar.range_rate_resolution_mps / np.sqrt(2.0 * s), radar.min_range_rate_sigma_mps
        )
    )


def radar_sigmas(radar: RadarSite, snr: ArrayLike, el_rad: ArrayLike) -> F64:
    """1-σ noise (m, 3) of [range_m, az_rad, el_rad] from the SNR (thermal + floors)."""
    s = np.maximum(np.asarray(snr, dtype=np.float64), 1e-12)
    root = np.sqrt(2.0 * s)
    sig_r = np.maximum(radar.range_resolution_m / root, radar.min_range_sigma_m)
    sig_a = np.maximum(
        radar.beamwidth_rad / (radar.monopulse_slope * root), radar.min_angle_sigma_rad
    )
    cos_el = np.maximum(np.cos(np.asarray(el_rad, dtype=np.float64)), 0.1)
    sig_e = sig_a / cos_el
    out = np.empty((*sig_e.shape, 3))  # sig_e = sig_a / cos_el has the broadcast shape
    out[..., 0], out[..., 1], out[..., 2] = sig_r, sig_e, sig_a
    return out


@kernel
def _detect_rows(
    vis: NDArray[np.bool_],
    rg: F64,
    az: F64,
    el: F64,
    rcs: F64,
    u: F64,
    noise: F64,
    noise_rdot: F64,
    r_eci: F64,
    v_eci: F64,
    has_v: bool,
    snr_pfa: F64,
    acc: F64,
    site_ecef: F64,
    gmst: float,
) -> tuple[NDArray[np.int64], F64, F64, F64, F64]:
    """:func:`radar_observe`'s detections from its draws (a compiled kernel): the
    visible objects whose uniform falls below the Swerling-1 Pd of their mean SNR
    (:func:`radar_snr`, :func:`swerling1_pd`), their (R, az, el) with the noise of
    :func:`radar_sigmas` and, with velocities, the range rate of
    :func:`radar_range_rate` with the noise of :func:`radar_range_rate_sigma`.
    ``snr_pfa`` = (SNR·R⁴/σ, Pfa); ``acc`` = (range resolution, range floor,
    beamwidth / monopulse slope, angle floor, range-rate resolution, range-rate
    floor); ``site_ecef`` the site's ECEF position."""
    n = vis.size
    k, pfa = snr_pfa[0], snr_pfa[1]
    snr = np.empty(n)
    det = np.zeros(n, np.bool_)
    m = 0
    for i in range(n):
        snr[i] = k * rcs[i] / max(rg[i], 1.0) ** 4
        if vis[i] and u[i] < pfa ** (1.0 / (1.0 + snr[i])):
            det[i] = True
            m += 1
    idx = np.empty(m, np.int64)
    z = np.empty((m, 3))
    sigma = np.empty((m, 3))
    rdot = np.full(m, np.nan)
    sig_rdot = np.full(m, np.inf)
    # the site's ECI position and velocity ω × r_site (for the range rate)
    c, s = math.cos(-gmst), math.sin(-gmst)
    ex, ey = c * site_ecef[0] + s * site_ecef[1], -s * site_ecef[0] + c * site_ecef[1]
    j = 0
    for i in range(n):
        if not det[i]:
            continue
        root = math.sqrt(2.0 * max(snr[i], 1e-12))
        sig_r = max(acc[0] / root, acc[1])
        sig_a = max(acc[2] / root, acc[3])
        sig_e = sig_a / max(math.cos(el[i]), 0.1)
        idx[j] = i
        sigma[j, 0], sigma[j, 1], sigma[j, 2] = sig_r, sig_e, sig_a
        z[j, 0] = rg[i] + sig_r * noise[i, 0]
        z[j, 1] = np.mod(az[i] + sig_e * noise[i, 1], 2.0 * math.pi)
        z[j, 2] = el[i] + sig_a * noise[i, 2]
        if has_v:
            dx, dy, dz = r_eci[i, 0] - ex, r_eci[i, 1] - ey, r_eci[i, 2] - site_ecef[2]
            wx = v_eci[i, 0] + WGS84_OMEGA_RAD_S * ey
            wy = v_eci[i, 1] - WGS84_OMEGA_RAD_S * ex
            wz = v_eci[i, 2]
            d = max(math.sqrt(dx * dx + dy * dy + dz * dz), 1.0)
            sig_rdot[j] = max(acc[4] / root, acc[5])
            rdot[j] = (dx * wx + dy * wy + dz * wz) / d + sig_rdot[j] * noise_rdot[i]
        j += 1
    return idx, z, sigma, rdot, sig_rdot


def radar_observe(
    radar: RadarSite,
    sensor_index: int,
    t_s: float,
    r_eci_m: ArrayLike,
    rcs_m2: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
    v_eci_mps: ArrayLike | None = None,
) -> Measurements:
    """One look of the radar at time ``t_s``: noisy (R, az, el[, ṙ]) of the objects it detects.

    r_eci_m (n, 3) ECI positions; rcs_m2 (n,) mean RCS; exists (n,) objects
    that are flying (not killed, launched, not impacted); gmst_rad rotates
    ECI → ECEF; v_eci_mps (n, 3) ECI velocities (optional: with them the
    range rate is measured, without them ``rdot`` is NaN, ``sigma_rdot`` inf).
    At most ``max_tracks`` objects (the closest in coverage) are measured.
    The RNG draws a fixed number of variates per call (n uniforms, then n×3
    normals, then — only with ``v_eci_mps`` — n normals) so streams stay
    aligned across runs.
    """
    r_eci = np.asarray(r_eci_m, dtype=np.float64)
    n = r_eci.shape[0]
    vis, az, el, rg = radar_visible_eci(radar, r_eci, gmst_rad)
    vis &= np.asarray(exists, dtype=bool)
    if radar.max_tracks is not None and int(vis.sum()) > radar.max_tracks:
        idx = np.flatnonzero(vis)
        keep = idx[np.argsort(rg[idx], kind="stable")[: radar.max_tracks]]
        vis = np.zeros(n, dtype=bool)
        vis[keep] = True
    u = rng.random((n,))
    noise = rng.standard_normal((n, 3))
    has_v = v_eci_mps is not None
    noise_rdot = rng.standard_normal((n,)) if has_v else np.zeros(n)
    r_eci = r_eci.reshape(n, 3)
    v_eci = np.asarray(v_eci_mps, dtype=np.float64).reshape(n, 3) if has_v else r_eci
    sx, sy, sz = _site_ecef_xyz(radar.lat_rad, radar.lon_rad, radar.alt_m)
    idx, z, sigma, rdot, sig_rdot = _detect_rows(
        vis,
        rg,
        az,
        el,
        per_row(rcs_m2, n),
        u,
        noise,
        noise_rdot,
        r_eci,
        v_eci,
        has_v,
        np.array([_snr_constant(radar), radar.pfa]),
        np.array(
            [
                radar.range_resolution_m,
                radar.min_range_sigma_m,
                radar.beamwidth_rad / radar.monopulse_slope,
                radar.min_angle_sigma_rad,
                radar.range_rate_resolution_mps,
                radar.min_range_rate_sigma_mps,
            ]
        ),
        np.array([sx, sy, sz]),
        float(gmst_rad),
    )
    m = idx.size
    return Measurements(
        np.full(m, float(t_s)),
        np.full(m, sensor_index, np.int64),
        idx.astype(np.int64),
        z,
        sigma,
        rdot,
        sig_rdot,
    )
