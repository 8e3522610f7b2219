"""Sensor measurements as a struct of arrays.

One row per detection: time, which sensor, which truth object, the measured
(range, azimuth, elevation) in the sensor's local ENU frame and the 1-σ noise
of each component (diagonal measurement covariance; components independent).
Radars that measure Doppler also report the **range rate** ṙ = dR/dt [m/s]
(positive receding) and its 1-σ noise; sensors that do not measure it carry
``rdot = NaN`` and ``sigma_rdot = inf`` (no information), which is also what
positional construction ``Measurements(t, s, o, z, sigma)`` fills in.

``object_id`` is the index of the truth object in the threat arrays. The
skeleton tracker associates by it (perfect association); ``-1`` is reserved
for clutter/false alarms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def _unset() -> F64:
    return np.empty(0)


@dataclass(frozen=True)
class Measurements:
    """A batch of ``m`` sensor measurements.

    t_s (m,) time [s from epoch]; sensor_index (m,) index of the sensor in the
    scenario's sensor list; object_id (m,) truth object index (−1: clutter);
    z (m, 3) [range_m, az_rad (0..2π from north, clockwise), el_rad] in the
    radar's local ENU frame; sigma (m, 3) 1-σ noise of each component in the
    same units; rdot (m,) measured range rate [m/s] (positive receding, NaN
    where not measured); sigma_rdot (m,) its 1-σ noise [m/s] (inf where not
    measured). ``rdot``/``sigma_rdot`` may be omitted: they are then filled
    with NaN/inf.
    """

    t_s: F64
    sensor_index: I64
    object_id: I64
    z: F64
    sigma: F64
    rdot: F64 = field(default_factory=_unset)
    sigma_rdot: F64 = field(default_factory=_unset)

    def __post_init__(self) -> None:
        m = self.t_s.shape[0]
        m1, m3 = (m,), (m, 3)
        if self.sensor_index.shape != m1:
            raise ValueError(f"Measurements.sensor_index must have shape ({m},)")
        if self.object_id.shape != m1:
            raise ValueError(f"Measurements.object_id must have shape ({m},)")
        if self.z.shape != m3:
            raise ValueError(f"Measurements.z must have shape ({m}, 3)")
        if self.sigma.shape != m3:
            raise ValueError(f"Measurements.sigma must have shape ({m}, 3)")
        for name, fill in (("rdot", np.nan), ("sigma_rdot", np.inf)):
            v = getattr(self, name)
            if type(v) is np.ndarray and v.dtype == np.float64 and v.shape == m1:
                continue  # already what the checks below would leave
            v = np.asarray(v, dtype=np.float64)
            if v.shape == (0,) and m > 0:
                v = np.full(m, fill)
            if v.shape != m1:
                raise ValueError(f"Measurements.{name} must have shape ({m},)")
            object.__setattr__(self, name, v)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def has_rdot(self) -> NDArray[np.bool_]:
        """(m,) rows that carry a range-rate measurement (finite ``rdot`` and ``sigma_rdot``)."""
        return np.isfinite(self.rdot) & np.isfinite(self.sigma_rdot)

    def select(self, mask_or_index: NDArray[np.bool_] | NDArray[np.int64]) -> Measurements:
        """Rows picked by a boolean mask or an index array."""
        k = mask_or_index
        return Measurements(
            self.t_s[k],
            self.sensor_index[k],
            self.object_id[k],
            self.z[k],
            self.sigma[k],
            self.rdot[k],
            self.sigma_rdot[k],
        )


def empty() -> Measurements:
    """A batch with no measurements."""
    return Measurements(
        np.empty(0),
        np.empty(0, np.int64),
        np.empty(0, np.int64),
        np.empty((0, 3)),
        np.empty((0, 3)),
        np.empty(0),
        np.empty(0),
    )


def concat(batches: Sequence[Measurements]) -> Measurements:
    """Concatenate batches in order (an empty sequence gives :func:`empty`; a single
    non-empty batch among empty ones is returned itself, not copied)."""
    if not batches:
        return empty()
    full = [b for b in batches if len(b)]
    if len(full) == 1:
        return full[0]
    # concatenate makes new arrays: the casts need no second copy
    return Measurements(
        np.concatenate([b.t_s for b in batches]).astype(np.float64, copy=False),
        np.concatenate([b.sensor_index for b in batches]).astype(np.int64, copy=False),
        np.concatenate([b.object_id for b in batches]).astype(np.int64, copy=False),
        np.concatenate([b.z for b in batches]).astype(np.float64, copy=False),
        np.concatenate([b.sigma for b in batches]).astype(np.float64, copy=False),
        np.concatenate([b.rdot for b in batches]).astype(np.float64, copy=False),
        np.concatenate([b.sigma_rdot for b in batches]).astype(np.float64, copy=False),
    )
