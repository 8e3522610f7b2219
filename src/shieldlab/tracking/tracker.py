"""Multi-target tracker: global nearest neighbour association + batched EKF + track management.

The tracker never looks at ``Measurements.object_id`` (truth, kept for
scoring only); clutter and target detections are treated alike.

Cycle per scan (the measurements of ONE radar at ONE time, :meth:`GnnTracker.process_scan`):

1. **Predict** every track to the scan time (:func:`~shieldlab.tracking.ekf.ekf_predict`,
   RK4 on point-mass + J2 gravity, white-acceleration process noise q).
2. **Gate** every track–measurement pair by the χ²₃ Mahalanobis distance of
   the (range, az, el) innovation (:func:`~shieldlab.tracking.associate.innovation_stats`
   with the sensor's :func:`~shieldlab.tracking.associate.aer_model`; gate
   probability ``p_gate``).
3. **Assign** by GNN (:func:`~shieldlab.tracking.associate.gnn_assign`) in two
   stages: confirmed tracks first against all measurements, then tentative
   tracks against the measurements left over, so that a new (possibly false)
   tentative track never steals a measurement from a confirmed one (priority
   to established tracks, Blackman & Popoli 1999, §6.4). Pair cost d², or
   d² + ln|S| with ``use_logdet``.
4. **Update** the assigned tracks with one batched EKF update (Joseph form).
5. **Initiate** a tentative track from every unassigned measurement
   (:func:`~shieldlab.tracking.ekf.init_single_point`: position from the
   measurement, velocity prior at rest on the rotating Earth with σ
   ``vel_sigma_mps`` per axis; this broad prior is used for gating only).
   A track's second measurement does not go through the EKF update — with a
   prediction error of tens of km, the range linearisation error
   (δ²/2ρ ≈ 1 km) would exceed σ_R and bias the velocity — but re-initiates
   it by two-point differencing of its first and second measurements
   (:func:`~shieldlab.tracking.ekf.init_two_point`, Bar-Shalom et al. 2001,
   ch. 5); later measurements are EKF updates.
6. **Manage** (Blackman & Popoli 1999, §3.2 and ch. 11): a scan *counts* for
   a track when its predicted position lies in the sensor's coverage —
   slant range ≤ ``max_range_m`` of that sensor and elevation ≥
   ``min_elevation_rad`` (azimuth sectors are not modelled here: a track
   outside a sector-limited radar's field would collect misses). For counting
   scans a hit/miss is appended to the track's last-N history; scans outside
   coverage leave the track untouched. A tentative track is *confirmed*
   with M hits among its last N counting scans (:func:`m_of_n_confirm`) and
   stays confirmed until deleted; a tentative track is *deleted* as soon as
   it can no longer reach M hits within its first N counting scans; a
   confirmed track is deleted after K consecutive counting misses.

Track ids are unique, increasing in creation order, never reused.

Sources: S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking
Systems*, Artech House 1999 (§3.2 M-of-N logic, §6.3 gating, §6.4 GNN);
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to
Tracking and Navigation*, Wiley 2001 (EKF, χ² gate).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.time import gmst_at
from shieldlab.sensors.measurements import Measurements
from shieldlab.tracking.associate import (
    AER_ANGLE_AXES,
    aer_model,
    diag_cov,
    gate,
    gnn_assign,
    innovation_stats,
    m_of_n_confirm,
)
from shieldlab.tracking.ekf import (
    SiteGeometry,
    ekf_predict,
    ekf_update,
    init_single_point,
    init_two_point,
    propagate_states,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
Scan = tuple[int, float, Measurements]


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker parameters (SI).

    q_m2_s3: white-acceleration process noise density per axis [m²/s³];
    p_gate: χ²₃ gate probability; M, N: confirmation with M hits in N
    counting scans; K: deletion of a confirmed track after K consecutive
    counting misses; vel_sigma_mps: 1-σ per axis of the initial velocity
    prior [m/s]; max_step_s: RK4 step bound of the prediction [s];
    use_logdet: GNN cost d² + ln|S| instead of d²; cost_unassigned: GNN
    non-assignment cost (None: classical maximum-cardinality GNN);
    min_elevation_rad: lower edge of every radar's coverage [rad].
    """

    q_m2_s3: float = 1.0
    p_gate: float = 0.9997
    M: int = 3
    N: int = 5
    K: int = 3
    vel_sigma_mps: float = 3000.0
    max_step_s: float = 10.0
    use_logdet: bool = False
    cost_unassigned: float | None = None
    min_elevation_rad: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= self.M <= self.N:
            raise ValueError(f"TrackerConfig needs 1 <= M <= N, got M={self.M}, N={self.N}")
        if self.K < 1:
            raise ValueError(f"TrackerConfig.K must be >= 1, got {self.K}")
        if not 0.0 < self.p_gate < 1.0:
            raise ValueError(f"TrackerConfig.p_gate must be in (0, 1), got {self.p_gate}")
        if self.q_m2_s3 < 0 or self.vel_sigma_mps <= 0 or self.max_step_s <= 0:
            raise ValueError("TrackerConfig needs q_m2_s3 >= 0, vel_sigma_mps > 0, max_step_s > 0")


def scans(meas: Measurements) -> Iterator[Scan]:
    """Split a batch into scans ``(sensor_index, t_s, Measurements)``, ordered by time,
    then sensor index. A scan without detections does not appear: pass such scans
    to the tracker explicitly (an empty batch) if their misses must count."""
    if len(meas) == 0:
        return
    order = np.lexsort((meas.sensor_index, meas.t_s))
    s, t = meas.sensor_index[order], meas.t_s[order]
    brk = np.flatnonzero((s[1:] != s[:-1]) | (t[1:] != t[:-1])) + 1
    for rows in np.split(order, brk):
        yield int(meas.sensor_index[rows[0]]), float(meas.t_s[rows[0]]), meas.select(rows)


@dataclass
class GnnTracker:
    """Working state of the tracker over n tracks (mutable by design; see module docstring).

    x (n, 6) ECI [m, m/s] at t_s (n,) [s from epoch]; P (n, 6, 6); track_id (n,)
    unique; confirmed (n,); hits (n, N) bool history of counting scans, newest
    last; misses (n,) consecutive counting misses; n_scans (n,) counting scans
    since birth (the initiating one included); n_updates (n,) measurements
    used; z0, sigma0 (n, 3), sensor0 (n,), t0_s (n,): the initiating
    measurement (for two-point re-initiation).
    """

    config: TrackerConfig = field(default_factory=TrackerConfig)
    x: F64 = field(default_factory=lambda: np.empty((0, 6)))
    P: F64 = field(default_factory=lambda: np.empty((0, 6, 6)))
    t_s: F64 = field(default_factory=lambda: np.empty(0))
    track_id: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    confirmed: BoolArr = field(default_factory=lambda: np.empty(0, bool))
    hits: BoolArr = field(init=False)
    misses: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    n_scans: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    n_updates: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    z0: F64 = field(default_factory=lambda: np.empty((0, 3)))
    sigma0: F64 = field(default_factory=lambda: np.empty((0, 3)))
    sensor0: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    t0_s: F64 = field(default_factory=lambda: np.empty(0))
    next_id: int = 0

    def __post_init__(self) -> None:
        self.hits = np.zeros((self.x.shape[0], self.config.N), dtype=bool)

    def __len__(self) -> int:
        return int(self.t_s.size)

    # ----------------------------------------------------------------- helpers
    def _keep(self, keep: BoolArr) -> None:
        self.x, self.P, self.t_s = self.x[keep], self.P[keep], self.t_s[keep]
        self.track_id, self.confirmed = self.track_id[keep], self.confirmed[keep]
        self.hits, self.misses, self.n_scans = (
            self.hits[keep],
            self.misses[keep],
            self.n_scans[keep],
        )
        self.n_updates, self.z0, self.sigma0 = (
            self.n_updates[keep],
            self.z0[keep],
            self.sigma0[keep],
        )
        self.sensor0, self.t0_s = self.sensor0[keep], self.t0_s[keep]

    def _append(self, x: F64, P: F64, t_s: float, z: F64, sigma: F64, sensor: int) -> None:
        m = x.shape[0]
        cfg = self.config
        h = np.zeros((m, cfg.N), dtype=bool)
        h[:, -1] = True
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.t_s = np.concatenate([self.t_s, np.full(m, t_s)])
        self.track_id = np.concatenate([self.track_id, self.next_id + np.arange(m, dtype=np.int64)])
        self.next_id += m
        self.confirmed = np.concatenate([self.confirmed, np.full(m, cfg.M <= 1)])
        self.hits = np.concatenate([self.hits, h])
        self.misses = np.concatenate([self.misses, np.zeros(m, np.int64)])
        self.n_scans = np.concatenate([self.n_scans, np.ones(m, np.int64)])
        self.n_updates = np.concatenate([self.n_updates, np.ones(m, np.int64)])
        self.z0 = np.concatenate([self.z0, z])
        self.sigma0 = np.concatenate([self.sigma0, sigma])
        self.sensor0 = np.concatenate([self.sensor0, np.full(m, sensor, dtype=np.int64)])
        self.t0_s = np.concatenate([self.t0_s, np.full(m, t_s)])

    # -------------------------------------------------------------------- scan
    def process_scan(
        self,
        meas: Measurements,
        sites: SiteGeometry,
        epoch: datetime,
        *,
        sensor_index: int | None = None,
        t_s: float | None = None,
        max_range_m: float = math.inf,
    ) -> None:
        """Process one scan of one radar (in place; see module docstring).

        ``meas`` holds the detections of sensor ``sensor_index`` at time ``t_s``
        [s from ``epoch``] (both read from ``meas`` when not given; required
        for an empty scan); ``sites`` is indexed by sensor index;
        ``max_range_m`` is that radar's instrumented range (coverage for miss
        counting). ``meas.object_id`` is not used.
        """
        cfg = self.config
        if len(meas):
            s_idx = int(meas.sensor_index[0]) if sensor_index is None else int(sensor_index)
            t = float(meas.t_s[0]) if t_s is None else float(t_s)
            if np.any(meas.sensor_index != s_idx) or np.any(meas.t_s != t):
                raise ValueError("process_scan takes the measurements of one sensor at one time")
        elif sensor_index is None or t_s is None:
            raise ValueError("an empty scan needs sensor_index and t_s")
        else:
            s_idx, t = int(sensor_index), float(t_s)
        gmst = float(gmst_at(epoch, t))
        site_ecef, site_enu = sites.ecef_m[s_idx], sites.enu[s_idx]
        measure = aer_model(site_ecef, site_enu, gmst)
        n, m = len(self), len(meas)

        # 1. predict
        if n:
            self.x, self.P = ekf_predict(self.x, self.P, t - self.t_s, cfg.q_m2_s3, cfg.max_step_s)
            self.t_s = np.full(n, t)
        # 2.-3. gate and assign, confirmed tracks first
        meas_for_track = np.full(n, -1, dtype=np.int64)
        if n and m:
            d2, logdet = innovation_stats(
                self.x, self.P, meas.z, diag_cov(meas.sigma), measure, AER_ANGLE_AXES
            )
            gated = gate(d2, 3, cfg.p_gate)
            ld = logdet if cfg.use_logdet else None
            free = np.ones(m, dtype=bool)
            for rows in (np.flatnonzero(self.confirmed), np.flatnonzero(~self.confirmed)):
                cols = np.flatnonzero(free)
                if rows.size == 0 or cols.size == 0:
                    continue
                sub = np.ix_(rows, cols)
                _, mft = gnn_assign(
                    d2[sub], gated[sub], None if ld is None else ld[sub], cfg.cost_unassigned
                )
                ok = mft >= 0
                meas_for_track[rows[ok]] = cols[mft[ok]]
                free[cols[mft[ok]]] = False
        # 4. two-point re-initiation (second measurement) or batched EKF update
        hit = meas_for_track >= 0
        two = hit & (self.n_updates == 1)
        if two.any():
            ti, mj = np.flatnonzero(two), meas_for_track[two]
            k = ti.size
            s0 = self.sensor0[ti]
            self.x[ti], self.P[ti] = init_two_point(
                self.z0[ti],
                self.sigma0[ti],
                sites.ecef_m[s0],
                sites.enu[s0],
                gmst_at(epoch, self.t0_s[ti]),
                self.t0_s[ti],
                meas.z[mj],
                meas.sigma[mj],
                np.broadcast_to(site_ecef, (k, 3)),
                np.broadcast_to(site_enu, (k, 3, 3)),
                gmst,
                t,
            )
        upd = hit & ~two
        if upd.any():
            ti, mj = np.flatnonzero(upd), meas_for_track[upd]
            k = ti.size
            self.x[ti], self.P[ti], _ = ekf_update(
                self.x[ti],
                self.P[ti],
                meas.z[mj],
                meas.sigma[mj],
                np.broadcast_to(site_ecef, (k, 3)),
                np.broadcast_to(site_enu, (k, 3, 3)),
                gmst,
            )
        # 6a. hit/miss bookkeeping of the existing tracks (counting scans only)
        if n:
            zhat, _ = measure(self.x)
            counts = hit | ((zhat[:, 0] <= max_range_m) & (zhat[:, 2] >= cfg.min_elevation_rad))
            self.hits[counts] = np.concatenate([self.hits[counts, 1:], hit[counts, None]], axis=1)
            self.n_updates = self.n_updates + hit
            self.misses = np.where(hit, 0, np.where(counts, self.misses + 1, self.misses))
            self.n_scans = self.n_scans + counts
            self.confirmed = self.confirmed | m_of_n_confirm(self.hits, cfg.M, cfg.N)
            possible = self.hits.sum(axis=1) + np.maximum(cfg.N - self.n_scans, 0)
            drop_tentative = ~self.confirmed & (possible < cfg.M)
            drop_confirmed = self.confirmed & (self.misses >= cfg.K)
            self._keep(~(drop_tentative | drop_confirmed))
        # 5. new tentative tracks from the unassigned measurements
        used = np.zeros(m, dtype=bool)
        used[meas_for_track[hit]] = True
        new = np.flatnonzero(~used)
        if new.size:
            k = new.size
            x0, p0 = init_single_point(
                meas.z[new],
                meas.sigma[new],
                np.broadcast_to(site_ecef, (k, 3)),
                np.broadcast_to(site_enu, (k, 3, 3)),
                gmst,
                cfg.vel_sigma_mps,
            )
            self._append(x0, p0, t, meas.z[new], meas.sigma[new], s_idx)

    # ----------------------------------------------------------------- output
    def confirmed_states(self, t_s: float) -> tuple[F64, I64]:
        """ECI states ``(k, 6)`` [m, m/s] of the confirmed tracks predicted to ``t_s``
        (no covariance; RK4 with J2), and their ids ``(k,)``."""
        c = np.flatnonzero(self.confirmed)
        x = propagate_states(self.x[c], t_s - self.t_s[c], self.config.max_step_s)
        return x, self.track_id[c].copy()


@dataclass(frozen=True)
class TrackHistory:
    """Confirmed tracks after each scan, padded to the largest count.

    t_s (T,) scan times [s from epoch]; pos_eci_m (T, n, 3) ECI positions (NaN
    where padded); vel_eci_mps (T, n, 3); valid (T, n); track_id (T, n) (−1
    where padded); n_tracks (T,) all tracks (tentative included); sensor_index
    (T,). Suitable for :func:`~shieldlab.tracking.metrics.gospa_series` and
    :func:`~shieldlab.tracking.metrics.custody` (truth sampled at ``t_s``).
    """

    t_s: F64
    sensor_index: I64
    pos_eci_m: F64
    vel_eci_mps: F64
    valid: BoolArr
    track_id: I64
    n_tracks: I64


def run_tracker(
    scan_iter: Iterable[Scan],
    sites: SiteGeometry,
    epoch: datetime,
    config: TrackerConfig | None = None,
    max_range_m: ArrayLike | None = None,
) -> TrackHistory:
    """Run a :class:`GnnTracker` over scans ``(sensor_index, t_s, Measurements)`` in
    time order and record the confirmed tracks after each scan.

    ``max_range_m (s,)``: each sensor's range for miss counting (None: unlimited).
    Loops over scans only.
    """
    trk = GnnTracker(config or TrackerConfig())
    rng_max = None if max_range_m is None else np.asarray(max_range_m, dtype=np.float64)
    times: list[float] = []
    sensors: list[int] = []
    states: list[F64] = []
    ids: list[I64] = []
    n_tracks: list[int] = []
    for s_idx, t, meas in scan_iter:
        r = math.inf if rng_max is None else float(rng_max[s_idx])
        trk.process_scan(meas, sites, epoch, sensor_index=s_idx, t_s=t, max_range_m=r)
        x, tid = trk.confirmed_states(t)
        times.append(t)
        sensors.append(s_idx)
        states.append(x)
        ids.append(tid)
        n_tracks.append(len(trk))
    n_t = len(times)
    width = max((i.size for i in ids), default=0)
    xs = np.full((n_t, width, 6), np.nan)
    tid_arr = np.full((n_t, width), -1, dtype=np.int64)
    valid = np.zeros((n_t, width), dtype=bool)
    for k in range(n_t):  # loop over scans
        c = ids[k].size
        xs[k, :c], tid_arr[k, :c], valid[k, :c] = states[k], ids[k], True
    return TrackHistory(
        t_s=np.asarray(times, dtype=np.float64),
        sensor_index=np.asarray(sensors, dtype=np.int64),
        pos_eci_m=xs[..., :3],
        vel_eci_mps=xs[..., 3:],
        valid=valid,
        track_id=tid_arr,
        n_tracks=np.asarray(n_tracks, dtype=np.int64),
    )
