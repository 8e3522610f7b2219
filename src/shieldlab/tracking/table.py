"""Track table: the tracker's state over all tracks, and its measurement cycle.

**Association is by truth id** (the measurement's ``object_id``): a perfect
associator, a placeholder for the real data association (GNN/JPDA/MHT) of a
later issue. Measurements with ``object_id < 0`` (clutter) are ignored.

Cycle per batch of measurements (:meth:`TrackTable.update`):

1. an object id without a track starts one from its first measurement in
   the batch (:func:`~shieldlab.tracking.ekf.init_single_point`: position from
   the measurement, velocity from a broad prior);
2. each track's remaining measurements are applied sequentially, in time
   order, in passes (pass k applies the k-th measurement of every track; at
   most about the number of sensors passes), each a batched EKF predict to
   the measurement time and update;
3. a track is *confirmed* after ``n_confirm`` measurements.

Mutable by design (the tracker's working memory), arrays of n tracks:
x (n, 6) ECI state, P (n, 6, 6), t_s (n,) time of the state, n_updates (n,),
object_id (n,), confirmed (n,).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.time import gmst_at
from shieldlab.sensors.measurements import Measurements
from shieldlab.tracking.ekf import SiteGeometry, ekf_predict, ekf_update, init_single_point

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def _rank_within_groups(groups: I64) -> I64:
    """Occurrence index of each element within its group, in input order."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1] if g.size else np.zeros(0, np.int64)
    first = np.repeat(start, np.diff(np.r_[start, g.size]))
    rank = np.empty_like(groups)
    rank[order] = np.arange(g.size) - first
    return rank


@dataclass
class TrackTable:
    """All tracks of one trial (see module docstring). Start with :meth:`new`."""

    x: F64
    P: F64
    t_s: F64
    n_updates: I64
    object_id: I64
    confirmed: NDArray[np.bool_]
    q_m2_s3: float = 0.1
    n_confirm: int = 3
    vel_sigma_mps: float = 3000.0
    max_step_s: float = 10.0
    last_nis: F64 = field(default_factory=lambda: np.empty(0))

    @classmethod
    def new(
        cls,
        q_m2_s3: float = 0.1,
        n_confirm: int = 3,
        vel_sigma_mps: float = 3000.0,
        max_step_s: float = 10.0,
    ) -> TrackTable:
        """An empty table; q [m²/s³] white-acceleration process noise density."""
        return cls(
            np.empty((0, 6)),
            np.empty((0, 6, 6)),
            np.empty(0),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, bool),
            q_m2_s3,
            n_confirm,
            vel_sigma_mps,
            max_step_s,
            np.empty(0),
        )

    def __len__(self) -> int:
        return int(self.t_s.size)

    def rows_of(self, object_id: I64) -> I64:
        """Track row of each object id, −1 where there is none."""
        ids = np.asarray(object_id, dtype=np.int64)
        if len(self) == 0:
            return np.full(ids.shape, -1, np.int64)
        order = np.argsort(self.object_id, kind="stable")
        pos = np.clip(np.searchsorted(self.object_id[order], ids), 0, len(self) - 1)
        rows = order[pos]
        return np.where(self.object_id[rows] == ids, rows, -1)

    def predict_to(self, t_s: float) -> None:
        """Predict every track to time ``t_s`` (in place)."""
        if len(self) == 0:
            return
        self.x, self.P = ekf_predict(self.x, self.P, t_s - self.t_s, self.q_m2_s3, self.max_step_s)
        self.t_s = np.full(len(self), float(t_s))

    def predicted(self, t_s: float) -> tuple[F64, F64]:
        """States and covariances of all tracks at ``t_s`` without changing the table."""
        return ekf_predict(self.x, self.P, t_s - self.t_s, self.q_m2_s3, self.max_step_s)

    def remove(self, mask: NDArray[np.bool_]) -> None:
        """Delete the tracks where ``mask`` is true (e.g. killed or impacted objects)."""
        keep = ~np.asarray(mask, dtype=bool)
        self.x, self.P, self.t_s = self.x[keep], self.P[keep], self.t_s[keep]
        self.n_updates, self.object_id = self.n_updates[keep], self.object_id[keep]
        self.confirmed = self.confirmed[keep]
        if self.last_nis.size == keep.size:
            self.last_nis = self.last_nis[keep]

    def _append(self, x: F64, P: F64, t: F64, ids: I64) -> None:
        m = ids.size
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.t_s = np.concatenate([self.t_s, t])
        self.n_updates = np.concatenate([self.n_updates, np.ones(m, np.int64)])
        self.object_id = np.concatenate([self.object_id, ids])
        self.confirmed = np.concatenate([self.confirmed, np.full(m, self.n_confirm <= 1)])
        self.last_nis = np.concatenate([self.last_nis, np.full(m, np.nan)])

    def update(self, meas: Measurements, sites: SiteGeometry, epoch: datetime) -> None:
        """Initiate and update tracks with a batch of radar measurements (in place).

        ``sites`` is indexed by ``meas.sensor_index``; GMST of each
        measurement from ``epoch`` + ``meas.t_s``.
        """
        if self.last_nis.size != len(self):
            self.last_nis = np.full(len(self), np.nan)
        keep = meas.object_id >= 0
        if not keep.any():
            return
        meas = meas.select(np.flatnonzero(keep)[np.argsort(meas.t_s[keep], kind="stable")])
        gmst = np.asarray(gmst_at(epoch, meas.t_s), dtype=np.float64)
        site_ecef = sites.ecef_m[meas.sensor_index]
        site_enu = sites.enu[meas.sensor_index]
        rank = _rank_within_groups(meas.object_id)
        rows = self.rows_of(meas.object_id)
        new = (rows < 0) & (rank == 0)
        if new.any():
            x0, p0 = init_single_point(
                meas.z[new],
                meas.sigma[new],
                site_ecef[new],
                site_enu[new],
                gmst[new],
                self.vel_sigma_mps,
            )
            self._append(x0, p0, meas.t_s[new], meas.object_id[new])
            rows = self.rows_of(meas.object_id)
            rank = np.where(np.isin(meas.object_id, meas.object_id[new]), rank - 1, rank)
        for k in range(int(rank.max()) + 1):
            sel = np.flatnonzero(rank == k)
            if sel.size == 0:
                continue
            r = rows[sel]
            x, p = ekf_predict(
                self.x[r], self.P[r], meas.t_s[sel] - self.t_s[r], self.q_m2_s3, self.max_step_s
            )
            x, p, nis = ekf_update(
                x, p, meas.z[sel], meas.sigma[sel], site_ecef[sel], site_enu[sel], gmst[sel]
            )
            self.x[r], self.P[r], self.t_s[r] = x, p, meas.t_s[sel]
            self.n_updates[r] += 1
            self.last_nis[r] = nis
        self.confirmed = self.n_updates >= self.n_confirm
