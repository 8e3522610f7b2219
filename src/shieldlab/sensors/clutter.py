"""False alarms: Poisson clutter detections over a sensor's surveillance window.

Model: each of N resolution cells of a scan crosses the detection threshold
on noise alone with probability Pfa, independently, so the number of false
alarms per scan is Binomial(N, Pfa) ≈ Poisson(λ = N · Pfa) for small Pfa
(Skolnik, *Introduction to Radar Systems* 3rd ed. 2001, §2.5; Bar-Shalom,
Willett & Tian, *Tracking and Data Fusion* 2011, ch. 1 for the Poisson
clutter model used by trackers). False alarms are spread uniformly over the
window in (range, azimuth, elevation) — uniform per resolution cell, which is
how a radar's cells tile the window. ``object_id`` is −1.

Frame: the sensor's local (R, az, el), azimuth from north clockwise, the
:class:`~shieldlab.sensors.measurements.Measurements` radar convention.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.sensors.measurements import Measurements
from shieldlab.sensors.radar import RadarSite, radar_sigmas

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class SurveillanceWindow:
    """A (range, azimuth, elevation) box [m, rad].

    Azimuth runs clockwise from ``az_min_rad`` over ``az_width_rad`` (may
    cross north; 2π = full circle).
    """

    range_min_m: float
    range_max_m: float
    az_min_rad: float
    az_width_rad: float
    el_min_rad: float
    el_max_rad: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.range_min_m < self.range_max_m):
            raise ValueError("SurveillanceWindow: need 0 <= range_min_m < range_max_m")
        if not (0.0 < self.az_width_rad <= 2.0 * math.pi):
            raise ValueError("SurveillanceWindow: need 0 < az_width_rad <= 2π")
        if not (-math.pi / 2 <= self.el_min_rad < self.el_max_rad <= math.pi / 2):
            raise ValueError("SurveillanceWindow: need -π/2 <= el_min_rad < el_max_rad <= π/2")

    def contains(self, z: ArrayLike) -> NDArray[np.bool_]:
        """Whether rows (m, 3) of (R, az, el) lie inside the window."""
        zz = np.asarray(z, dtype=np.float64).reshape(-1, 3)
        daz = np.mod(zz[:, 1] - self.az_min_rad, 2.0 * math.pi)
        return np.asarray(
            (zz[:, 0] >= self.range_min_m)
            & (zz[:, 0] <= self.range_max_m)
            & (daz <= self.az_width_rad)
            & (zz[:, 2] >= self.el_min_rad)
            & (zz[:, 2] <= self.el_max_rad)
        )


def expected_false_alarms(pfa: float, n_cells: float) -> float:
    """Mean false alarms per scan λ = Pfa · N_cells."""
    return float(pfa) * float(n_cells)


def n_resolution_cells(
    window: SurveillanceWindow, range_res_m: float, beamwidth_rad: float
) -> float:
    """Number of (range × az beam × el beam) cells in the window (≥ 1)."""
    nr = (window.range_max_m - window.range_min_m) / range_res_m
    na = window.az_width_rad / beamwidth_rad
    ne = (window.el_max_rad - window.el_min_rad) / beamwidth_rad
    return max(nr, 1.0) * max(na, 1.0) * max(ne, 1.0)


def false_alarms(
    n_mean: float,
    window: SurveillanceWindow,
    rng: np.random.Generator,
    *,
    t_s: float = 0.0,
    sensor_index: int = 0,
    sigma: ArrayLike = (0.0, 0.0, 0.0),
) -> Measurements:
    """One scan's false alarms: Poisson(``n_mean``) rows uniform in ``window``.

    ``n_mean`` = λ (use :func:`expected_false_alarms` for Pfa × cells);
    ``sigma`` (3,) the noise the tracker should assume for them (usually the
    sensor's nominal one). ``object_id`` = −1. Draws one Poisson variate then
    m × 3 uniforms.
    """
    z = _draw(n_mean, window, rng)
    m = z.shape[0]
    sig = np.empty((m, 3))
    sig[...] = np.asarray(sigma, dtype=np.float64)  # broadcast (3,) → (m, 3)
    return _false_alarm_rows(z, sig, t_s, sensor_index)


def _draw(n_mean: float, window: SurveillanceWindow, rng: np.random.Generator) -> F64:
    """The (R, az, el) ``(m, 3)`` of one scan's false alarms (:func:`false_alarms`'
    draws: one Poisson variate, then m × 3 uniforms)."""
    if n_mean < 0.0:
        raise ValueError("false_alarms: n_mean must be >= 0")
    m = int(rng.poisson(n_mean))
    u = rng.random((m, 3))
    z = np.empty((m, 3))
    z[:, 0] = window.range_min_m + u[:, 0] * (window.range_max_m - window.range_min_m)
    z[:, 1] = np.mod(window.az_min_rad + u[:, 1] * window.az_width_rad, 2.0 * math.pi)
    z[:, 2] = window.el_min_rad + u[:, 2] * (window.el_max_rad - window.el_min_rad)
    return z


def _false_alarm_rows(z: F64, sig: F64, t_s: float, sensor_index: int) -> Measurements:
    """Measurements of false alarms at ``z (m, 3)`` with noise ``sig (m, 3)``."""
    m = z.shape[0]
    return Measurements(
        np.full(m, float(t_s)), np.full(m, sensor_index, np.int64), np.full(m, -1, np.int64), z, sig
    )


def radar_window(radar: RadarSite, range_min_fraction: float = 0.02) -> SurveillanceWindow:
    """The (R, az, el) coverage window of a radar: its azimuth sector (full circle when
    the half-width reaches 180°), elevation limits, and ranges from a blind zone of
    ``range_min_fraction`` of the instrumented range to that range (cached per radar:
    both are frozen)."""
    return _radar_window(radar, range_min_fraction)


@functools.lru_cache(maxsize=1024)
def _radar_window(radar: RadarSite, range_min_fraction: float) -> SurveillanceWindow:
    """:func:`radar_window`, computed once per (radar, fraction)."""
    half = radar.azimuth_half_width_rad
    full = half >= math.pi - 1e-12
    return SurveillanceWindow(
        range_min_m=range_min_fraction * radar.max_range_m,
        range_max_m=radar.max_range_m,
        az_min_rad=0.0 if full else float(np.mod(radar.boresight_azimuth_rad - half, 2 * math.pi)),
        az_width_rad=2.0 * math.pi if full else 2.0 * half,
        el_min_rad=max(radar.min_elevation_rad, -math.pi / 2),
        el_max_rad=min(radar.max_elevation_rad, math.pi / 2),
    )


def radar_false_alarms(
    radar: RadarSite, rng: np.random.Generator, *, t_s: float, sensor_index: int
) -> Measurements:
    """One scan's false alarms of a radar at its stated rate ``false_alarms_per_scan``
    over :func:`radar_window`, with the noise the radar reports at 20 dB SNR."""
    if radar.false_alarms_per_scan <= 0.0:
        return false_alarms(0.0, radar_window(radar), rng, t_s=t_s, sensor_index=sensor_index)
    z = _draw(radar.false_alarms_per_scan, radar_window(radar), rng)
    sig = radar_sigmas(radar, np.full(z.shape[0], 100.0), z[:, 2])
    return _false_alarm_rows(z, sig, t_s, sensor_index)
