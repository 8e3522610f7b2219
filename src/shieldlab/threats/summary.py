"""Per-phase figures of a flown threat, for the ``shieldlab fly`` phase table.

Works on any :class:`~shieldlab.threats.truth.Trajectories` (every threat
class): contiguous runs of one phase code of one object become rows with
start and end time after launch, altitudes, Earth-relative speeds, Mach
number (speed relative to the co-rotating atmosphere over the US-76 speed of
sound) and the ground range flown from the launch point. Values are taken at
the grid samples (resolution: the grid step).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.atmosphere import ussa76
from shieldlab.core.frames import (
    OMEGA_EARTH_VEC,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.time import gmst_at
from shieldlab.threats.truth import PHASE_IMPACTED, PHASE_NAMES, PHASE_PRELAUNCH, Trajectories

F64 = NDArray[np.float64]

MACH_CEILING_M = 100_000.0
"""Mach numbers are reported below this altitude only (no sensible atmosphere above)."""


def phase_rows(tr: Trajectories, epoch: datetime, i: int = 0) -> list[dict[str, float | str]]:
    """One row per flight phase of object ``i`` (display units: s, km, km/s, Mach)."""
    phase = tr.phase[i]
    flying = np.flatnonzero((phase != PHASE_PRELAUNCH) & (phase != PHASE_IMPACTED))
    if flying.size == 0:
        return []
    k0, k1 = int(flying[0]), int(flying[-1])
    ks = np.arange(k0, k1 + 1)
    r = tr.r_eci_m[i, ks]
    v_air = tr.v_eci_mps[i, ks] - np.cross(OMEGA_EARTH_VEC, r)
    speed = np.linalg.norm(v_air, axis=-1)
    lat, lon, h = ecef_to_geodetic(r)  # geodetic height and latitude need no GMST
    # Mach only inside the sensible atmosphere (below 100 km)
    a = ussa76(np.clip(h, 0.0, None)).speed_of_sound_mps
    mach = np.where(h < MACH_CEILING_M, speed / a, np.nan)
    lon_ecef = lon - gmst_at(epoch, tr.t_s[ks])  # ECI → ECEF longitude
    ground = great_circle_distance_m(tr.launch_lat_rad[i], tr.launch_lon_rad[i], lat, lon_ecef)
    p = phase[ks]
    breaks = np.flatnonzero(np.diff(p)) + 1
    starts = np.r_[0, breaks]
    ends = np.r_[breaks, p.size]
    rows: list[dict[str, float | str]] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):  # phases: a handful
        last = e - 1
        rows.append(
            {
                "phase": PHASE_NAMES.get(int(p[s]), str(int(p[s]))),
                "start_s": float(tr.t_s[ks[s]] - tr.t_launch_s[i]),
                "end_s": float(tr.t_s[ks[last]] - tr.t_launch_s[i]),
                "start_alt_km": float(h[s] / 1e3),
                "end_alt_km": float(h[last] / 1e3),
                "max_alt_km": float(h[s:e].max() / 1e3),
                "end_speed_kmps": float(speed[last] / 1e3),
                "max_mach": float(np.nanmax(mach[s:e]))
                if np.isfinite(mach[s:e]).any()
                else float("nan"),
                "end_range_km": float(ground[last] / 1e3),
            }
        )
    return rows


def geodetic_samples(
    tr: Trajectories, epoch: datetime, sample_s: float = 10.0
) -> dict[str, NDArray[np.generic]]:
    """Flying samples of every object every ``sample_s`` (plus its first impacted sample).

    Columns (m,): object, t_s, lat_deg, lon_deg (ECEF, WGS-84), alt_m,
    speed_mps (Earth-relative), phase (int8).
    """
    stride = max(1, round(sample_s / tr.dt_s))
    k = np.arange(0, tr.t_s.size, stride)
    if k[-1] != tr.t_s.size - 1:
        k = np.append(k, tr.t_s.size - 1)
    phase = tr.phase[:, k]
    first_imp = np.argmax(phase == PHASE_IMPACTED, axis=1)
    keep = phase != PHASE_PRELAUNCH
    keep &= (phase != PHASE_IMPACTED) | (np.arange(k.size)[None, :] == first_imp[:, None])
    obj, kk = np.nonzero(keep)
    t = tr.t_s[k][kk]
    gmst = gmst_at(epoch, t)
    r = tr.r_eci_m[obj, k[kk]]
    r_ecef = eci_to_ecef(r, gmst)
    lat, lon, alt = ecef_to_geodetic(r_ecef)
    v_air = tr.v_eci_mps[obj, k[kk]] - np.cross(OMEGA_EARTH_VEC, r)
    return {
        "object": obj.astype(np.int64),
        "t_s": t,
        "lat_deg": np.degrees(lat),
        "lon_deg": np.degrees(lon),
        "alt_m": alt,
        "speed_mps": np.linalg.norm(v_air, axis=-1),
        "phase": phase[obj, kk].astype(np.int8),
    }
