"""Per-track kernels of :class:`~shieldlab.tracking.tracker.GnnTracker`: the motion
regime flags of the prediction and one scan's hit/miss bookkeeping, compiled
(:mod:`shieldlab.core.jit`; loops over tracks on the tracker's columns)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.constants import WGS84_A_M, WGS84_OMEGA_RAD_S
from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


@kernel
def regime_rows(
    x: F64, glide_max_alt_m: float, level_max_alt_m: float, level_max_speed_mps: float, sin_g: float
) -> tuple[BoolArr, BoolArr]:
    """Glide and level-flight flags of ECI track states ``x (n, 6)`` (a compiled
    kernel). Earth-relative velocity v − Ω × r (Ω = ω ẑ); altitude |r| − a. Glide:
    below ``glide_max_alt_m`` (0: never), at least ``level_max_speed_mps`` and a
    flight-path angle with |sin γ| < ``sin_g``. Level: below ``level_max_alt_m``
    and slower than ``level_max_speed_mps``, or gliding."""
    n = x.shape[0]
    glide = np.zeros(n, np.bool_)
    level = np.zeros(n, np.bool_)
    for i in range(n):
        rx, ry, rz = x[i, 0], x[i, 1], x[i, 2]
        vx = x[i, 3] + WGS84_OMEGA_RAD_S * ry
        vy = x[i, 4] - WGS84_OMEGA_RAD_S * rx
        vz = x[i, 5]
        rn = math.sqrt(rx * rx + ry * ry + rz * rz)
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        alt = rn - WGS84_A_M
        g = False
        if glide_max_alt_m > 0.0 and alt < glide_max_alt_m and speed >= level_max_speed_mps:
            s = (rx * vx + ry * vy + rz * vz) / (rn * max(speed, 1e-9))
            g = abs(s) < sin_g
        glide[i] = g
        level[i] = g or (alt < level_max_alt_m and speed < level_max_speed_mps)
    return glide, level


@kernel
def manage_rows(
    hits: BoolArr,
    misses: F64,
    n_scans: I64,
    n_updates: I64,
    confirmed: BoolArr,
    hit: BoolArr,
    counts: BoolArr,
    weight: F64,
    M: int,
    N: int,
    K: float,
) -> BoolArr:
    """One scan's hit/miss bookkeeping of every track, in place (a compiled kernel):
    a counting scan (in coverage, or a hit) shifts the hit history ``hits (n, N)``
    (newest last); a hit zeroes the consecutive misses, a counted miss adds its
    ``weight``; M of the last N confirms. Returns the tracks kept: a tentative
    track is dropped once M hits can no longer be reached within its first N
    scans, a confirmed one at K misses."""
    n = hits.shape[0]
    keep = np.ones(n, np.bool_)
    for i in range(n):
        c = counts[i] or hit[i]
        if c:
            for j in range(N - 1):
                hits[i, j] = hits[i, j + 1]
            hits[i, N - 1] = hit[i]
            n_scans[i] += 1
        if hit[i]:
            n_updates[i] += 1
            misses[i] = 0.0
        elif c:
            misses[i] += weight[i]
        n_hits = 0
        for j in range(N):
            n_hits += hits[i, j]
        if n_hits >= M:
            confirmed[i] = True
        if confirmed[i]:
            keep[i] = misses[i] < K
        else:
            keep[i] = n_hits + max(N - n_scans[i], 0) >= M
    return keep
