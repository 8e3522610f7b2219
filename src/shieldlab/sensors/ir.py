"""Geostationary infrared missile-warning satellite (DSP/SBIRS-GEO class, generic).

Model:

- **Geometry**: the satellite sits at GEO radius (42,164 km: the circular
  orbit whose period is one sidereal day) over a fixed
  sub-satellite longitude on the equator, fixed in ECEF.
- **Signal**: a boosting missile's plume is a point source of band radiant
  intensity I [W/sr] (the threat model's ``plume_w_sr``; ICBM-class plumes are
  of order 1e5–1e6 W/sr in the 2.7 µm / 4.3 µm bands, APS boost-phase study
  2003 ch. 5; Wright et al. 2005). Irradiance at the aperture E = I / R²
  [W/m²], no atmospheric transmission loss above the cloud tops.
- **Noise and detection**: the sensor is characterised by its
  noise-equivalent irradiance NEI [W/m²] (irradiance giving SNR = 1 in one
  frame). SNR = E / NEI. The detection threshold sits at ``snr_threshold``
  NEI; with additive Gaussian noise of σ = NEI on a steady signal the
  per-frame detection probability is Pd = Φ(SNR − snr_threshold), Φ the
  standard normal CDF (Holst, *Electro-Optical Imaging System Performance*,
  "probability of detection" for point targets in white Gaussian noise).
  So a plume exactly at threshold is detected half the time, 2σ above it
  97.7 % of the time. One Bernoulli draw per object per frame.
- **Occlusion and clouds**: the 2.7 µm / 4.3 µm bands are absorbed by water
  vapour and CO₂ in the lower atmosphere, so plumes are seen only above the
  cloud tops (~10 km; Forden, "SBIRS — signal and background",
  armscontrolwonk.com 2007). The line of sight must clear the WGS-84
  ellipsoid inflated by ``min_altitude_m``: an object below that altitude,
  behind the Earth or seen through the lower atmosphere at the limb is not
  detected.
- **Timing**: one frame every ``frame_s`` (scan revisit; the caller schedules
  frames); a launch report reaches the battle manager ``report_latency_s``
  after the first detection (several frames to form a track and estimate
  launch point and heading, plus ground processing and relay; 30–60 s is
  the order of magnitude stated for DSP/SBIRS tactical warning in open
  sources, we use 45 s by default).

Frames: threat positions in ECI, rotated to ECEF by GMST.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from shieldlab.core.constants import WGS84_A_M, WGS84_B_M
from shieldlab.core.frames import eci_to_ecef
from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]
GEO_RADIUS_M: float = 42_164_172.0
"""Geostationary orbit radius [m] ((μ T²/4π²)^(1/3), T = 86164.09 s; Vallado 4th ed.)."""


@dataclass(frozen=True)
class GeoIrSensor:
    """A GEO IR warning satellite; all fields SI.

    ``lon_rad`` sub-satellite longitude (east positive); ``nei_w_m2``
    noise-equivalent irradiance; ``snr_threshold`` detection threshold in
    units of NEI; ``frame_s`` revisit period; ``report_latency_s`` first
    detection → launch report; ``min_altitude_m`` cloud-top altitude the line
    of sight must clear.
    """

    name: str
    lon_rad: float
    nei_w_m2: float
    snr_threshold: float
    frame_s: float
    report_latency_s: float
    min_altitude_m: float = 10_000.0
    radius_m: float = GEO_RADIUS_M

    @property
    def position_ecef_m(self) -> F64:
        """Satellite position in ECEF (3,) [m]."""
        return np.array(
            [self.radius_m * math.cos(self.lon_rad), self.radius_m * math.sin(self.lon_rad), 0.0]
        )


def line_of_sight_clear(
    observer_ecef_m: ArrayLike, r_ecef_m: ArrayLike, shell_altitude_m: float = 0.0
) -> NDArray[np.bool_]:
    """Whether the segment observer → target clears the ellipsoid inflated by ``shell_altitude_m``.

    ``observer_ecef_m`` (3,) or (n, 3), ``r_ecef_m`` (n, 3), ECEF [m]. The
    inflated ellipsoid has semi-axes (a + h, a + h, b + h); scaling z by
    (a + h)/(b + h) turns it into a sphere, where the closest point of the
    segment to the centre is found in closed form. Targets inside the shell
    are never clear.
    """
    a = WGS84_A_M + shell_altitude_m
    k = a / (WGS84_B_M + shell_altitude_m)
    scale = np.array([1.0, 1.0, k])
    p0 = np.asarray(observer_ecef_m, dtype=np.float64) * scale
    p1 = np.asarray(r_ecef_m, dtype=np.float64) * scale
    d = p1 - p0
    dd = np.maximum(np.einsum("...i,...i->...", d, d), 1e-30)
    t = np.clip(-np.einsum("...i,...i->...", p0, d) / dd, 0.0, 1.0)
    closest = p0 + t[..., None] * d
    return np.asarray(np.linalg.norm(closest, axis=-1) >= a)


@kernel
def segment_clears(
    px: float, py: float, pz: float, qx: float, qy: float, qz: float, shell_altitude_m: float
) -> bool:
    """:func:`line_of_sight_clear` of one segment p → q (ECEF or ECI [m]), the same
    formulas on floats: a compiled kernel for the loops of other kernels."""
    a = WGS84_A_M + shell_altitude_m
    k = a / (WGS84_B_M + shell_altitude_m)
    pz, qz = pz * k, qz * k
    dx, dy, dz = qx - px, qy - py, qz - pz
    dd = max(dx * dx + dy * dy + dz * dz, 1e-30)
    t = min(max(-(px * dx + py * dy + pz * dz) / dd, 0.0), 1.0)
    cx, cy, cz = px + t * dx, py + t * dy, pz + t * dz
    return math.sqrt(cx * cx + cy * cy + cz * cz) >= a


def geo_ir_irradiance(sensor: GeoIrSensor, r_ecef_m: ArrayLike, plume_w_sr: ArrayLike) -> F64:
    """Plume irradiance E = I / R² [W/m²] at the satellite for ECEF positions ``(n, 3)``."""
    d = np.asarray(r_ecef_m, dtype=np.float64) - sensor.position_ecef_m
    r2 = np.einsum("...i,...i->...", d, d)
    return np.asarray(plume_w_sr, dtype=np.float64) / r2


def geo_ir_pd(snr: ArrayLike, snr_threshold: float) -> F64:
    """Per-frame Pd = Φ(SNR − threshold) for a steady point source in Gaussian noise."""
    return np.asarray(ndtr(np.asarray(snr, dtype=np.float64) - snr_threshold))


def geo_ir_detect(
    sensor: GeoIrSensor,
    r_eci_m: ArrayLike,
    plume_w_sr: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """One frame of the GEO IR sensor: which objects (n,) it detects.

    r_eci_m (n, 3) ECI positions; plume_w_sr (n,) band radiant intensity
    (0 when not boosting); exists (n,) flying objects; gmst_rad rotates
    ECI → ECEF. Draws exactly n uniforms from ``rng``.
    """
    return warning_ir_detect(
        sensor, sensor.position_ecef_m[None, :], r_eci_m, plume_w_sr, exists, gmst_rad, rng
    )


def launch_report_time_s(sensor: GeoIrSensor, first_detection_s: ArrayLike) -> F64:
    """Time [s] the launch report reaches the battle manager (NaN stays NaN: never detected)."""
    return np.asarray(first_detection_s, dtype=np.float64) + sensor.report_latency_s


def warning_ir_detect(
    sensor: GeoIrSensor,
    sat_ecef_m: ArrayLike,
    r_eci_m: ArrayLike,
    plume_w_sr: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """One frame of a constellation of warning satellites (HEO, GEO, …) of one type.

    ``sensor`` gives the focal-plane figures (its ``lon_rad`` / ``radius_m``
    are ignored); ``sat_ecef_m (s, 3)`` the satellites' ECEF positions at the
    frame. Each satellite detects as :func:`geo_ir_detect` (irradiance I/R²
    from its own range, Earth and cloud-top occlusion); the frame detects an
    object with P = 1 − Π_s (1 − Pd_s) (independent focal planes). Draws
    exactly n uniforms.
    """
    sats = np.asarray(sat_ecef_m, dtype=np.float64).reshape(-1, 3)
    r_ecef = eci_to_ecef(np.asarray(r_eci_m, dtype=np.float64), gmst_rad)
    plume = np.asarray(plume_w_sr, dtype=np.float64)
    d = r_ecef[None, :, :] - sats[:, None, :]
    r2 = np.maximum(np.einsum("sni,sni->sn", d, d), 1.0)
    clear = line_of_sight_clear(
        np.broadcast_to(sats[:, None, :], d.shape), r_ecef[None, :, :], sensor.min_altitude_m
    )
    pd = np.where(
        clear, geo_ir_pd(plume[None, :] / r2 / sensor.nei_w_m2, sensor.snr_threshold), 0.0
    )
    p_any = 1.0 - np.prod(1.0 - pd, axis=0)
    u = rng.random(plume.shape[0])
    ok = np.asarray(exists, dtype=bool) & (plume > 0.0)
    return np.asarray(ok & (u < p_any))
