"""Ground-based radar: range equation, coverage, Swerling-1 detection, noisy (R, az, el).

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
  a minimum elevation (no refraction, no terrain, so the straight-line
  ENU elevation is used), a maximum elevation, an instrumented maximum range
  and an azimuth sector ``boresight ± half_width`` (half-width ≥ 180° is a full
  circle; a two-face array is modelled as one contiguous sector). Scan loss
  off the array normal is folded into ``L`` (constant).
- **Measurement noise** (thermal, independent, Gaussian; Barton, *Radar
  System Analysis and Modeling*, 2005, chapter on measurement accuracy;
  Skolnik, *Radar Handbook* 3rd ed., monopulse tracking chapter):
  σ_R = (c / 2B) / √(2 SNR), σ_θ = θ_3dB / (k_m √(2 SNR)) with the monopulse
  slope k_m ≈ 1.6 and θ_3dB ≈ λ/D; each floored at a bias/residual floor.
  The azimuth error is the cross-range angle error over cos(el) (azimuth is
  measured in the horizontal plane), with cos(el) floored at 0.1.
- **Revisit**: the caller schedules looks every ``revisit_s``; this module
  does not keep time.
- **Track capacity**: at most ``max_tracks`` objects measured per look; when
  more are in coverage the closest ones (lowest slant range) get the beams.

Frames: inputs are ECI positions and GMST; the site is geodetic (WGS-84);
measurements are in the site's local ENU (azimuth from north, clockwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import C_MPS, K_BOLTZMANN_J_K
from shieldlab.core.frames import ecef_to_aer, eci_to_ecef, geodetic_to_ecef
from shieldlab.sensors.measurements import Measurements

F64 = NDArray[np.float64]
T0_K: float = 290.0
"""Standard reference noise temperature [K] (IEEE Std 686)."""


@dataclass(frozen=True)
class RadarSite:
    """A radar of one catalog type at one place; all fields SI.

    Location geodetic (WGS-84): ``lat_rad``, ``lon_rad``, ``alt_m``. Azimuths
    from north, clockwise. ``noise_factor`` and ``loss_factor`` are linear
    (not dB). ``max_tracks`` None = unlimited.
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
    def site_ecef_m(self) -> F64:
        """Site position in ECEF (3,) [m]."""
        return geodetic_to_ecef(self.lat_rad, self.lon_rad, self.alt_m)


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
    the sector. Returns (mask (n,), az_rad (n,), el_rad (n,), range_m (n,)).
    """
    az, el, rng = ecef_to_aer(r_ecef_m, radar.lat_rad, radar.lon_rad, radar.alt_m)
    mask = (el >= radar.min_elevation_rad) & (el <= radar.max_elevation_rad)
    mask &= rng <= radar.max_range_m
    if radar.azimuth_half_width_rad < math.pi:
        d = np.mod(az - radar.boresight_azimuth_rad + math.pi, 2.0 * math.pi) - math.pi
        mask &= np.abs(d) <= radar.azimuth_half_width_rad
    return mask, az, el, rng


def radar_sigmas(radar: RadarSite, snr: ArrayLike, el_rad: ArrayLike) -> F64:
    """1-σ noise (m, 3) of [range_m, az_rad, el_rad] from the SNR (thermal + floors)."""
    s = np.maximum(np.asarray(snr, dtype=np.float64), 1e-12)
    root = np.sqrt(2.0 * s)
    sig_r = np.maximum(radar.range_resolution_m / root, radar.min_range_sigma_m)
    sig_a = np.maximum(
        radar.beamwidth_rad / (radar.monopulse_slope * root), radar.min_angle_sigma_rad
    )
    cos_el = np.maximum(np.cos(np.asarray(el_rad, dtype=np.float64)), 0.1)
    return np.stack(np.broadcast_arrays(sig_r, sig_a / cos_el, sig_a), axis=-1)


def radar_observe(
    radar: RadarSite,
    sensor_index: int,
    t_s: float,
    r_eci_m: ArrayLike,
    rcs_m2: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
) -> Measurements:
    """One look of the radar at time ``t_s``: noisy (R, az, el) of the objects it detects.

    r_eci_m (n, 3) ECI positions; rcs_m2 (n,) mean RCS; exists (n,) objects
    that are flying (not killed, launched, not impacted); gmst_rad rotates
    ECI → ECEF. The RNG draws a fixed number of variates per call
    (n uniforms, then n×3 normals) so streams stay aligned across runs.
    """
    r_ecef = eci_to_ecef(np.asarray(r_eci_m, dtype=np.float64), gmst_rad)
    n = r_ecef.shape[0]
    vis, az, el, rg = radar_visible(radar, r_ecef)
    vis &= np.asarray(exists, dtype=bool)
    if radar.max_tracks is not None and int(vis.sum()) > radar.max_tracks:
        idx = np.flatnonzero(vis)
        keep = idx[np.argsort(rg[idx], kind="stable")[: radar.max_tracks]]
        vis = np.zeros(n, dtype=bool)
        vis[keep] = True
    snr = radar_snr(radar, rg, rcs_m2)
    u = rng.random(n)
    noise = rng.standard_normal((n, 3))
    det = vis & (u < swerling1_pd(snr, radar.pfa))
    idx = np.flatnonzero(det)
    sigma = radar_sigmas(radar, snr[idx], el[idx])
    z = np.stack([rg[idx], az[idx], el[idx]], axis=-1) + sigma * noise[idx]
    z[:, 1] = np.mod(z[:, 1], 2.0 * math.pi)
    m = idx.size
    return Measurements(
        np.full(m, float(t_s)), np.full(m, sensor_index, np.int64), idx.astype(np.int64), z, sigma
    )
