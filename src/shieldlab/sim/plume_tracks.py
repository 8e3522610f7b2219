"""Plume tracks: the warning layer's sightings of boosting missiles, associated by
geometry (defence side: no truth).

Every frame of a warning sensor gives the measured ECEF positions of the
plumes it sees (no identities). A sighting joins the plume track whose
predicted position is nearest, inside a gate; otherwise it starts a track.
Prediction: constant velocity from a track's last two sightings (gate
:data:`GATE_M` + ½·:data:`MAX_ACCEL_MPS2`·Δt², the boost acceleration the
straight line misses), or, with one sighting, the sighting itself (gate
:data:`GATE_M` + :data:`MAX_SPEED_MPS`·Δt). Tracks not seen for
:data:`STALE_S` are closed (burnout). Greedy nearest-first assignment, one
sighting per track per frame. Launches closer than the gate at the same
time merge into one track — as a real plume tracker would confuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

GATE_M = 20_000.0
"""Base association gate [m] (≈ 5 σ of a 2 km-per-axis plume position)."""
MAX_ACCEL_MPS2 = 100.0
"""Largest boost acceleration the constant-velocity prediction ignores [m/s²]."""
MAX_SPEED_MPS = 3_000.0
"""Largest plume speed assumed for a track seen once [m/s]."""
STALE_S = 60.0
"""A track not seen for this long is closed [s]."""


@dataclass
class PlumeTracks:
    """Plume tracks of one trial: per track the sighting times [s from epoch], the
    times the reports arrive (sighting + the sensor's latency) and the measured
    ECEF positions [m]."""

    seen_s: list[list[float]] = field(default_factory=list)
    arrive_s: list[list[float]] = field(default_factory=list)
    pos_m: list[list[F64]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.seen_s)

    def _predict(self, t: float) -> tuple[F64, F64, NDArray[np.bool_]]:
        """Predicted positions (k, 3), gates (k,) and open flags (k,) at ``t``."""
        k = self.n
        pred = np.zeros((k, 3))
        gate = np.full(k, GATE_M)
        open_ = np.zeros(k, bool)
        for i in range(k):  # open tracks: a few per launch wave
            t_last = self.seen_s[i][-1]
            dt = t - t_last
            if dt > STALE_S or dt <= 0.0:
                continue
            open_[i] = True
            p1 = self.pos_m[i][-1]
            if len(self.seen_s[i]) >= 2 and t_last > self.seen_s[i][-2]:
                v = (p1 - self.pos_m[i][-2]) / (t_last - self.seen_s[i][-2])
                pred[i] = p1 + v * dt
                gate[i] += 0.5 * MAX_ACCEL_MPS2 * dt * dt
            else:
                pred[i] = p1
                gate[i] += MAX_SPEED_MPS * dt
        return pred, gate, open_

    def add_frame(self, t_s: float, latency_s: float, pos_ecef_m: F64) -> None:
        """Associate one frame's sightings (d, 3) taken at ``t_s``."""
        d = pos_ecef_m.shape[0]
        if d == 0:
            return
        pred, gate, open_ = self._predict(t_s)
        taken = np.zeros(d, bool)
        if open_.any():
            idx = np.flatnonzero(open_)
            dist = np.linalg.norm(pos_ecef_m[:, None, :] - pred[None, idx, :], axis=-1)
            ok = dist <= gate[idx][None, :]
            used = np.zeros(idx.size, bool)
            for flat in np.argsort(dist, axis=None, kind="stable"):
                s, j = divmod(int(flat), idx.size)
                if not ok[s, j]:
                    break
                if taken[s] or used[j]:
                    continue
                taken[s], used[j] = True, True
                self._append(int(idx[j]), t_s, latency_s, pos_ecef_m[s])
        for new in np.flatnonzero(~taken).tolist():
            self.seen_s.append([])
            self.arrive_s.append([])
            self.pos_m.append([])
            self._append(self.n - 1, t_s, latency_s, pos_ecef_m[new])

    def _append(self, i: int, t_s: float, latency_s: float, p: F64) -> None:
        self.seen_s[i].append(t_s)
        self.arrive_s[i].append(t_s + latency_s)
        self.pos_m[i].append(np.asarray(p, np.float64))

    def arrived(self, i: int, t: float) -> tuple[F64, F64]:
        """Track ``i``'s sightings whose reports have arrived by ``t``: times (k,) and
        positions (k, 3)."""
        ok = np.asarray(self.arrive_s[i]) <= t + 1e-9
        if not ok.any():
            return np.empty(0), np.empty((0, 3))
        return np.asarray(self.seen_s[i])[ok], np.asarray(self.pos_m[i])[ok]

    def first_arrival_s(self) -> F64:
        """Per track: when its first report arrived [s]."""
        return np.array([a[0] for a in self.arrive_s], np.float64)

    def arrivals_after(self, t: float) -> F64:
        """Report arrival times after ``t`` of every track (the fire control re-fits
        when one arrives)."""
        out = [x for a in self.arrive_s for x in a if x > t + 1e-9]
        return np.asarray(out, np.float64)
