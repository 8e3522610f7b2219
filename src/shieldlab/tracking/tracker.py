"""Multi-target tracker: global nearest neighbour association + batched EKF + track management.

The tracker never looks at ``Measurements.object_id`` (truth, kept for
scoring only); clutter and target detections are treated alike.

Cycle per scan (the measurements of ONE radar at ONE time, :meth:`GnnTracker.process_scan`):

1. **Predict** every track to the scan time (:func:`~shieldlab.tracking.ekf.ekf_predict`,
   RK4 on point-mass + J2 gravity, white-acceleration process noise q). A track
   predicted more than ``max_depth_m`` below the polar radius is deleted: its
   object has hit the ground (outside every sensor's coverage no miss would
   ever delete it).
2. **Gate** the track–measurement pairs by the χ²₃ Mahalanobis distance of
   the (range, az, el) innovation with the sensor's
   :func:`~shieldlab.tracking.associate.aer_model` (gate probability
   ``p_gate``): :func:`~shieldlab.tracking.associate.gated_pairs` computes d²
   only for the candidates of a per-track box in measurement space (a necessary
   condition of the gate, found by sort and sweep), so the work grows with the
   nearby pairs, not with tracks × measurements; the pairs and d² are those of
   the dense :func:`~shieldlab.tracking.associate.innovation_stats` + ``gate``.
3. **Assign** by GNN in two stages: confirmed tracks first against all
   measurements, then tentative tracks against the measurements left over, so
   that a new (possibly false) tentative track never steals a measurement from
   a confirmed one (priority to established tracks, Blackman & Popoli 1999,
   §6.4). Pair cost d², or d² + ln|S| with ``use_logdet``. Each stage is solved
   cluster by cluster on the sparse gating graph
   (:func:`~shieldlab.tracking.associate.gnn_assign_pairs`): the same optimum as
   :func:`~shieldlab.tracking.associate.gnn_assign` on the dense matrix.
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
   confirmed track is deleted after K consecutive counting misses — where the
   radar says what it expects to detect there (``expected_pd``), a miss
   weighs min(1, −log₂(1 − Pd)) of one (:func:`miss_weight`): a radar
   that barely reaches an object does not delete, in K of its fast scans, a
   track another layer holds.

Track ids are unique, increasing in creation order, never reused.

Sources: S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking
Systems*, Artech House 1999 (§3.2 M-of-N logic, §6.3 gating, §6.4 GNN);
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to
Tracking and Navigation*, Wiley 2001 (EKF, χ² gate).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import WGS84_B_M
from shieldlab.core.jit import per_row
from shieldlab.core.time import gmst_at
from shieldlab.sensors.measurements import Measurements
from shieldlab.tracking.angles import (
    Fixes,
    empty_fixes,
    find_fixes,
    radec_unit,
    radec_updates,
)
from shieldlab.tracking.angles_gate import angles_gated_pairs, fixes_gated_pairs
from shieldlab.tracking.associate import (
    AER_ANGLE_AXES,
    MeasureFn,
    aer_model,
    diag_cov,
    gate_threshold,
    gated_pairs,
    gnn_assign_pairs,
)
from shieldlab.tracking.ekf import (
    SiteGeometry,
    ekf_predict,
    ekf_update,
    init_from_fix,
    init_single_point,
    propagate_states,
    radar_fix,
    two_point_from_fixes,
)
from shieldlab.tracking.track_state import manage_rows, regime_rows

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
Scan = tuple[int, float, Measurements]


MIN_TWO_POINT_S = 0.5
"""Shortest baseline of two-point initiation [s]: a second measurement at (nearly) the
time of the first (another sensor's scan at the same epoch) is an ordinary update."""


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
    min_elevation_rad: lower edge of every radar's coverage [rad];
    q_manoeuvre_m2_s3: process noise of a manoeuvring/thrusting track (a
    50 m/s² boost acceleration unmodelled over a 10 s revisit needs
    q ≈ a²·Δt ≈ 2.5e4 m²/s³); manoeuvre_hold_s: how long a track stays at that
    level after the last trigger (an update with NIS above the χ² quantile
    ``p_manoeuvre``, or a hot IR detection) — two-level noise switching,
    Bar-Shalom et al. 2001, §11.2; n_layers: number of sensor layers whose
    last update time is kept per track (custody by layer); iterations:
    iterated-EKF steps of an angles-only update; glide_max_alt_m,
    glide_max_gamma_rad: faster tracks below that altitude whose flight-path
    angle is within ±``glide_max_gamma_rad`` are in the glide regime — predicted
    without gravity (lift carries a hypersonic glider) and always with the
    manoeuvre process noise (its pull-ups and banks are unmodelled accelerations
    of several g; with the ballistic noise a fine radar's third measurement
    falls outside the gate) — 0: never; level_max_alt_m,
    level_max_speed_mps: tracks below both are predicted as lift-supported
    level flight (no gravity) — cruise missiles, drones (0, 0: never);
    max_depth_m: a track predicted deeper than this below the Earth's polar
    radius is deleted at the next prediction (its object has reached the
    ground; inf: never) — without it the track of an object that impacted
    outside every sensor's coverage coasts through the Earth for the rest of
    the run, predicted at every scan.
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
    q_manoeuvre_m2_s3: float = 2.0e4
    manoeuvre_hold_s: float = 30.0
    p_manoeuvre: float = 0.999
    n_layers: int = 1
    iterations: int = 3
    level_max_alt_m: float = 0.0
    level_max_speed_mps: float = 0.0
    glide_max_alt_m: float = 0.0
    glide_max_gamma_rad: float = 0.0
    max_depth_m: float = 50.0e3

    def __post_init__(self) -> None:
        if not 1 <= self.M <= self.N:
            raise ValueError(f"TrackerConfig needs 1 <= M <= N, got M={self.M}, N={self.N}")
        if self.K < 1:
            raise ValueError(f"TrackerConfig.K must be >= 1, got {self.K}")
        if not 0.0 < self.p_gate < 1.0:
            raise ValueError(f"TrackerConfig.p_gate must be in (0, 1), got {self.p_gate}")
        if self.n_layers < 1 or self.iterations < 1 or self.q_manoeuvre_m2_s3 < self.q_m2_s3:
            raise ValueError("TrackerConfig needs n_layers >= 1, iterations >= 1, q_man >= q")
        if self.q_m2_s3 < 0 or self.vel_sigma_mps <= 0 or self.max_step_s <= 0:
            raise ValueError("TrackerConfig needs q_m2_s3 >= 0, vel_sigma_mps > 0, max_step_s > 0")
        if not self.max_depth_m > 0.0:
            raise ValueError(f"TrackerConfig.max_depth_m must be > 0, got {self.max_depth_m}")


def miss_weight(pd: ArrayLike) -> F64:
    """What a miss adds to a confirmed track's consecutive misses where the sensor
    detects its object with probability ``pd``: min(1, −log₂(1 − Pd)) — one at
    Pd ≥ 0.5 (K misses as before), 0.15 at Pd 0.1 (≈ 6.6 times as many), 0 at
    Pd 0. K such misses have probability ≤ 2⁻ᴷ if the object is there."""
    p = np.clip(np.asarray(pd, dtype=np.float64), 0.0, 0.5)
    return np.asarray(-np.log2(1.0 - p), dtype=np.float64)


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
    last; misses (n,) consecutive counting misses (weighted by the sensor's
    expected Pd where it is given, see :meth:`process_scan`); n_scans (n,)
    counting scans since birth (the initiating one included); n_updates (n,) measurements
    used; r0_m (n, 3), P0_m2 (n, 3, 3), t0_s (n,): the initiating position fix
    (for two-point re-initiation); manoeuvre_until_s (n,): the track uses the
    manoeuvre process noise until then (noise-level switching); layer_t_s
    (n, n_layers): time of the last update from each sensor layer (−inf: none).
    """

    config: TrackerConfig = field(default_factory=TrackerConfig)
    x: F64 = field(default_factory=lambda: np.empty((0, 6)))
    P: F64 = field(default_factory=lambda: np.empty((0, 6, 6)))
    t_s: F64 = field(default_factory=lambda: np.empty(0))
    track_id: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    confirmed: BoolArr = field(default_factory=lambda: np.empty(0, bool))
    hits: BoolArr = field(init=False)
    misses: F64 = field(default_factory=lambda: np.empty(0))
    n_scans: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    n_updates: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    r0_m: F64 = field(default_factory=lambda: np.empty((0, 3)))
    P0_m2: F64 = field(default_factory=lambda: np.empty((0, 3, 3)))
    t0_s: F64 = field(default_factory=lambda: np.empty(0))
    manoeuvre_until_s: F64 = field(default_factory=lambda: np.empty(0))
    layer_t_s: F64 = field(init=False)
    next_id: int = 0

    _COLUMNS = (
        "x",
        "P",
        "t_s",
        "track_id",
        "confirmed",
        "hits",
        "misses",
        "n_scans",
        "n_updates",
        "r0_m",
        "P0_m2",
        "t0_s",
        "manoeuvre_until_s",
        "layer_t_s",
    )

    def __post_init__(self) -> None:
        self.hits = np.zeros((self.x.shape[0], self.config.N), dtype=bool)
        self.layer_t_s = np.full((self.x.shape[0], self.config.n_layers), -np.inf)

    def __len__(self) -> int:
        return int(self.t_s.size)

    # ----------------------------------------------------------------- helpers
    def _keep(self, keep: BoolArr) -> None:
        if keep.all():
            return
        for name in self._COLUMNS:
            setattr(self, name, getattr(self, name)[keep])

    def _append(
        self, x: F64, P: F64, t_s: float, r0: F64, p0: F64, layer: int, manoeuvre: BoolArr
    ) -> None:
        m = x.shape[0]
        cfg = self.config
        h = np.zeros((m, cfg.N), dtype=bool)
        h[:, -1] = True
        lt = np.full((m, cfg.n_layers), -np.inf)
        lt[:, layer] = t_s
        new = {
            "x": x,
            "P": P,
            "t_s": np.full(m, t_s),
            "track_id": self.next_id + np.arange(m, dtype=np.int64),
            "confirmed": np.full(m, cfg.M <= 1),
            "hits": h,
            "misses": np.zeros(m),
            "n_scans": np.ones(m, np.int64),
            "n_updates": np.ones(m, np.int64),
            "r0_m": r0,
            "P0_m2": p0,
            "t0_s": np.full(m, t_s),
            "manoeuvre_until_s": np.where(manoeuvre, t_s + cfg.manoeuvre_hold_s, -np.inf),
            "layer_t_s": lt,
        }
        for name in self._COLUMNS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        self.next_id += m

    def q_now(self, t_s: float) -> F64:
        """Process-noise density of every track at ``t_s`` [m²/s³] (two levels; the
        manoeuvre level while flagged or in the glide regime)."""
        return self._q_of(t_s, self.glide_regime())

    def _q_of(self, t_s: float, glide: BoolArr) -> F64:
        cfg = self.config
        high = (self.manoeuvre_until_s > t_s) | glide
        return np.where(high, cfg.q_manoeuvre_m2_s3, cfg.q_m2_s3)

    def _regimes(self) -> tuple[BoolArr, BoolArr]:
        """(glide, level) of every track: :func:`~shieldlab.tracking.track_state.regime_rows`
        with this config."""
        cfg = self.config
        return regime_rows(
            self.x,
            cfg.glide_max_alt_m,
            cfg.level_max_alt_m,
            cfg.level_max_speed_mps,
            math.sin(cfg.glide_max_gamma_rad),
        )

    def glide_regime(self) -> BoolArr:
        """Tracks in the hypersonic glide regime (see :class:`TrackerConfig`)."""
        return self._regimes()[0]

    def manoeuvring(self, t_s: float) -> BoolArr:
        """Tracks flagged as manoeuvring/thrusting at ``t_s`` (not ballistic)."""
        return np.asarray(self.manoeuvre_until_s > t_s)

    def level_flight(self) -> BoolArr:
        """Tracks in the air-breathing/gliding regime: below ``level_max_alt_m`` and
        slower than ``level_max_speed_mps`` (Earth-relative), or gliding —
        predicted without gravity (lift-supported level flight), see
        :func:`ekf_predict`."""
        return self._regimes()[1]

    def _predict(self, t: float) -> None:
        if len(self):
            cfg = self.config
            dt = t - self.t_s
            glide, level = self._regimes()
            g_scale = np.where(level, 0.0, 1.0)
            self.x, self.P = ekf_predict(
                self.x, self.P, dt, self._q_of(t, glide), cfg.max_step_s, g_scale=g_scale
            )
            self.t_s = np.full(len(self), t)
            r = self.x[:, :3]
            floor = max(WGS84_B_M - cfg.max_depth_m, 0.0)  # inf: 0, nothing dropped
            self._keep(np.add.reduce(r * r, axis=1) >= floor * floor)

    def _associate(
        self, z: F64, R: F64, measure: MeasureFn, angle_axes: tuple[int, ...], dof: int
    ) -> I64:
        """GNN of the (predicted) tracks to one sensor's measurements, confirmed tracks
        first; returns the measurement row of each track (−1: none)."""
        cfg = self.config
        n, m = len(self), z.shape[0]
        meas_for_track = np.full(n, -1, dtype=np.int64)
        if n == 0 or m == 0:
            return meas_for_track
        ti, mj, d2, logdet = gated_pairs(self.x, self.P, z, R, measure, angle_axes, dof, cfg.p_gate)
        return self._staged_gnn(n, m, ti, mj, d2, logdet, self.confirmed[ti])

    def _staged_gnn(
        self, n_nodes: int, m: int, node: I64, mj: I64, d2: F64, logdet: F64, conf: BoolArr
    ) -> I64:
        """GNN of the gated (node, measurement) pairs, the pairs of confirmed tracks
        first, then those of tentative tracks on the measurements left; returns the
        measurement row of each of the ``n_nodes`` nodes (−1: none)."""
        cfg = self.config
        cost = d2 + logdet if cfg.use_logdet else d2
        out = np.full(n_nodes, -1, dtype=np.int64)
        free = np.ones(m, dtype=bool)
        for stage in (conf, ~conf):  # confirmed tracks first, then tentative ones
            e = np.flatnonzero(stage & free[mj])
            if e.size == 0:
                continue
            tfm, _ = gnn_assign_pairs(n_nodes, m, node[e], mj[e], cost[e], cfg.cost_unassigned)
            got = np.flatnonzero(tfm >= 0)
            out[tfm[got]] = got
            free[got] = False
        return out

    def _associate_angles(self, z: F64, R: F64, observer_of_col: F64, col: I64, rows: I64) -> I64:
        """GNN of the predicted tracks to each satellite's lines of one angles-only
        frame, confirmed tracks first: :meth:`_associate` per satellite, solved as one
        block-diagonal problem (the nodes are (track, satellite) pairs; the gate is
        :func:`~shieldlab.tracking.angles_gate.angles_gated_pairs`) of the tracks
        ``rows``. Returns the detection row ``(rows.size, S)`` of each of these
        tracks and each satellite column (−1: none)."""
        cfg = self.config
        n, n_col, m = rows.size, observer_of_col.shape[0], z.shape[0]
        assigned = np.full((n, n_col), -1, dtype=np.int64)
        if n == 0 or m == 0:
            return assigned
        ti, ci, mj, d2, logdet = angles_gated_pairs(
            self.x[rows], self.P[rows], z, R, observer_of_col, col, cfg.p_gate
        )
        conf = self.confirmed[rows][ti]
        row = self._staged_gnn(n * n_col, m, ti * n_col + ci, mj, d2, logdet, conf)
        return row.reshape(n, n_col)

    def _flag_manoeuvre(self, ti: I64, nis: F64, dof: int, t: float) -> None:
        """Noise-level switching: an update whose NIS exceeds the χ² threshold
        switches the track to the manoeuvre level for ``manoeuvre_hold_s``."""
        cfg = self.config
        big = nis > gate_threshold(dof, cfg.p_manoeuvre)
        self.manoeuvre_until_s[ti[big]] = t + cfg.manoeuvre_hold_s

    def _manage(self, hit: BoolArr, counts: BoolArr, weight: F64 | float = 1.0) -> None:
        """Hit/miss bookkeeping of the n existing tracks, confirmation and deletion;
        ``weight`` (n,) what a miss adds to a track's consecutive misses (1: one)."""
        cfg = self.config
        if not len(self):
            return
        keep = manage_rows(
            self.hits,
            self.misses,
            self.n_scans,
            self.n_updates,
            self.confirmed,
            hit,
            counts,
            per_row(weight, len(self)),
            cfg.M,
            cfg.N,
            float(cfg.K),
        )
        self._keep(keep)

    def _two_point(self, ti: I64, r2: F64, p2: F64, t: float) -> None:
        """Re-initiate young tracks (one update so far) from their first fix and a new one."""
        self.x[ti], self.P[ti] = two_point_from_fixes(
            self.r0_m[ti], self.P0_m2[ti], self.t0_s[ti], r2, p2, np.full(ti.size, t)
        )

    # -------------------------------------------------------------- radar scan
    def process_scan(
        self,
        meas: Measurements,
        sites: SiteGeometry,
        epoch: datetime,
        *,
        sensor_index: int | None = None,
        t_s: float | None = None,
        max_range_m: float = math.inf,
        layer: int = 0,
        coverage: Callable[[F64], BoolArr] | None = None,
        expected_pd: Callable[[F64], F64] | None = None,
    ) -> I64:
        """Process one scan of one radar (in place; see module docstring).

        ``meas`` holds the detections of sensor ``sensor_index`` at time ``t_s``
        [s from ``epoch``] (both read from ``meas`` when not given; required
        for an empty scan); ``sites`` is indexed by sensor index;
        ``max_range_m`` is that radar's instrumented range (coverage for miss
        counting); ``layer`` the sensor layer the radar belongs to (custody
        bookkeeping); ``coverage(r_eci (n, 3)) -> (n,)``, when given, replaces
        the range/elevation coverage test (e.g. the radar's full field of view
        with its azimuth sector). ``expected_pd(r_eci (n, 3)) -> (n,)``, when
        given: the probability that the radar detects the object of a
        confirmed track at its predicted position (the smallest object it must
        hold). A miss then counts as min(1, −log₂(1 − Pd)) of the K that delete
        the track — one where Pd ≥ 0.5, less where the radar's silence says
        less (a miss is evidence in proportion to log(1 − Pd): score-based
        deletion, Blackman & Popoli 1999, §6.2), nothing where it cannot see
        the object at all: a radar that barely reaches an object another layer
        holds no longer deletes its track in K of its fast scans. Tentative
        tracks count every miss (M of N must still purge the false tracks).
        ``meas.object_id`` is not used.

        Returns the id of the track each measurement went to (m,): the track it
        updated, or the tentative track it started (features measured with a
        detection follow it to that track).
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
        # 1. predict (and drop tracks deep underground), 2.-3. gate and assign,
        # confirmed tracks first
        self._predict(t)
        n, m = len(self), len(meas)
        meas_for_track = self._associate(meas.z, diag_cov(meas.sigma), measure, AER_ANGLE_AXES, 3)
        hit = meas_for_track >= 0
        track_of_meas = np.full(m, -1, np.int64)
        track_of_meas[meas_for_track[hit]] = self.track_id[hit]
        # 4. two-point re-initiation (second measurement) or batched EKF update
        two = hit & (self.n_updates == 1) & (t - self.t0_s >= MIN_TWO_POINT_S)
        if two.any():
            ti, mj = np.flatnonzero(two), meas_for_track[two]
            r2, p2 = radar_fix(meas.z[mj], meas.sigma[mj], site_ecef, site_enu, gmst)
            self._two_point(ti, r2, p2, t)
        upd = hit & ~two
        if upd.any():
            ti, mj = np.flatnonzero(upd), meas_for_track[upd]
            self.x[ti], self.P[ti], nis = ekf_update(
                self.x[ti], self.P[ti], meas.z[mj], meas.sigma[mj], site_ecef, site_enu, gmst
            )
            self._flag_manoeuvre(ti, nis, 3, t)
        # 6a. hit/miss bookkeeping of the existing tracks (counting scans only)
        if n:
            self.layer_t_s[hit, layer] = t
            # a hit counts whatever the coverage: only the others are tested
            counts = np.zeros(n, bool)
            miss = np.flatnonzero(~hit)
            if coverage is None:
                zhat, _ = measure(self.x[miss])
                counts[miss] = (zhat[:, 0] <= max_range_m) & (zhat[:, 2] >= cfg.min_elevation_rad)
            else:
                counts[miss] = np.asarray(coverage(self.x[miss, :3]), dtype=bool)
            weight: F64 | float = 1.0
            if expected_pd is not None:  # the confirmed tracks this scan counts a miss on
                c = np.flatnonzero(self.confirmed & counts & ~hit)
                if c.size:
                    weight = np.ones(n)
                    weight[c] = miss_weight(expected_pd(self.x[c, :3]))
            self._manage(hit, counts, weight)
        # 5. new tentative tracks from the unassigned measurements
        used = np.zeros(m, dtype=bool)
        used[meas_for_track[hit]] = True
        new = np.flatnonzero(~used)
        if new.size:
            k = new.size
            x0, p0 = init_single_point(
                meas.z[new], meas.sigma[new], site_ecef, site_enu, gmst, cfg.vel_sigma_mps
            )
            track_of_meas[new] = self.next_id + np.arange(k, dtype=np.int64)
            self._append(x0, p0, t, x0[:, :3], p0[:, :3, :3], layer, np.zeros(k, bool))
        return track_of_meas

    # ----------------------------------------------------- angles-only frame
    def process_angles_frame(
        self,
        meas: Measurements,
        observer_eci_m: F64,
        t_s: float,
        *,
        layer: int = 0,
        hot: BoolArr | None = None,
        coverage: Callable[[F64], BoolArr] | None = None,
        max_range_m: float = 2.0e7,
    ) -> None:
        """Process one frame of a constellation of angles-only (IR) sensors at ``t_s``.

        ``meas`` rows: z = (α, δ, ·), sigma = (σ_α, σ_δ, ·) in ECI (see
        :mod:`shieldlab.sensors.ir_track`), ``sensor_index`` the satellite;
        ``observer_eci_m (m, 3)`` the satellite position of each row; ``hot
        (m,)`` detections of a thrusting/hot source (the track switches to
        the manoeuvre process noise); ``coverage(r (n, 3)) -> (n,)``: tracks
        the layer is expected to detect (a counting frame for M-of-N and
        deletion; None: only hits count); ``max_range_m`` the sensors' range: a
        fix farther than that from one of its satellites is a ghost (neither
        satellite could have seen an object there) and is not formed.

        Tracks with two updates or more (and young ones whose first update is
        less than :data:`MIN_TWO_POINT_S` old): GNN of each satellite's lines
        against the predicted tracks (2-D angle gate, α wrapped), all
        satellites of the frame as one block-diagonal problem
        (:meth:`_associate_angles`), then iterated-EKF angle updates, each
        track's satellites one after the other (in rounds across the tracks).
        The lines left are triangulated across satellites
        (:func:`~shieldlab.tracking.angles.find_fixes`). Young
        tracks (a single update so far, a fix or a radar plot, no velocity) are
        associated with these fixes in 3-D (χ²₃ gate on the predicted position
        and the fix covariance, GNN; two-point initiation, Bar-Shalom et al.
        2001 §3.7.1): an angle gate would be as wide as the velocity prior (tens
        of km at 10 s) and takes any of the lines of a cluster of closely spaced
        objects. A young track given a fix is re-initiated by two-point
        differencing of its first fix and the new one; the fixes left start new
        tentative tracks (velocity prior as for radar single-point initiation).
        """
        cfg = self.config
        t = float(t_s)
        m = len(meas)
        if m and np.any(meas.t_s != t):
            raise ValueError("process_angles_frame takes the measurements of one time")
        obs = np.asarray(observer_eci_m, dtype=np.float64).reshape(m, 3)
        hot_m = np.zeros(m, bool) if hot is None else np.asarray(hot, dtype=bool)
        self._predict(t)
        n = len(self)
        z2 = meas.z[:, :2]
        r2 = diag_cov(meas.sigma[:, :2])
        sats, first, col = np.unique(meas.sensor_index, return_index=True, return_inverse=True)
        young = (self.n_updates == 1) & (t - self.t0_s >= MIN_TWO_POINT_S)
        lined = np.flatnonzero(~young)
        assigned = np.full((n, sats.size), -1, dtype=np.int64)  # row per (track, satellite)
        assigned[lined] = self._associate_angles(z2, r2, obs[first], col.astype(np.int64), lined)
        self._angle_updates(assigned, z2, r2, obs, t)
        free = np.ones(m, dtype=bool)
        free[assigned[assigned >= 0]] = False
        rows = np.flatnonzero(free)
        fx, hot_fix = self._frame_fixes(meas, obs, rows, hot_m, max_range_m)
        # young tracks take a fix: two-point initiation
        new_fix = np.ones(len(fx), dtype=bool)
        hit = np.asarray(np.any(assigned >= 0, axis=1), dtype=bool)
        hot_track = np.zeros(n, bool)
        tr, fi = self._young_take_fixes(np.flatnonzero(young), fx, t)
        hit[tr] = True
        hot_track[tr] = hot_fix[fi]
        new_fix[fi] = False
        if n:
            tr_hot, _ = np.nonzero((assigned >= 0) & hot_m[np.maximum(assigned, 0)])
            hot_track[tr_hot] = True
            self.manoeuvre_until_s[hot_track] = t + cfg.manoeuvre_hold_s
            self.layer_t_s[hit, layer] = t
            counts = np.zeros(n, bool)  # a hit counts whatever the coverage
            if coverage is not None:
                miss = np.flatnonzero(~hit)
                counts[miss] = np.asarray(coverage(self.x[miss, :3]), dtype=bool)
            self._manage(hit, counts)
        if new_fix.any():
            nf = np.flatnonzero(new_fix)
            pos, cov = fx.pos_eci_m[nf], fx.cov_m2[nf]
            x0, p0 = init_from_fix(pos, cov, cfg.vel_sigma_mps)
            self._append(x0, p0, t, pos, cov, layer, hot_fix[nf])

    def _angle_updates(self, assigned: I64, z2: F64, r2: F64, obs: F64, t: float) -> None:
        """Sequential IEKF angle updates of the tracks with the lines ``assigned``
        (track × satellite column → detection row, −1: none), each track's
        satellites in column order (:func:`~shieldlab.tracking.angles.radec_updates`,
        in place)."""
        cfg = self.config
        ti, c = np.nonzero(assigned >= 0)  # by track, then column
        if ti.size == 0:
            return
        rr = assigned[ti, c]
        nis = radec_updates(self.x, self.P, ti, z2[rr], r2[rr], obs[rr], cfg.iterations)
        self._flag_manoeuvre(ti, nis, 2, t)

    def _frame_fixes(
        self, meas: Measurements, obs: F64, rows: I64, hot_m: BoolArr, max_range_m: float
    ) -> tuple[Fixes, BoolArr]:
        """The fixes triangulated from the frame's lines ``rows`` (those no track
        took; :func:`~shieldlab.tracking.angles.find_fixes`) and whether each holds
        a hot line."""
        fx = empty_fixes()
        if rows.size >= 2:
            fx = find_fixes(
                obs[rows],
                radec_unit(meas.z[rows]),
                meas.sigma[rows, 1],
                meas.sensor_index[rows],
                self.config.p_gate,
                max_range_m=max_range_m,
            )
        hot_fix = np.zeros(len(fx), bool)
        if len(fx):
            hot_fix[fx.member_fix[hot_m[rows[fx.members]]]] = True
        return fx, hot_fix

    def _young_take_fixes(self, yi: I64, fx: Fixes, t: float) -> tuple[I64, I64]:
        """GNN of the young tracks ``yi`` to the fixes ``fx`` in 3-D (χ²₃ gate,
        :func:`~shieldlab.tracking.angles_gate.fixes_gated_pairs`) and two-point
        re-initiation of those given one; returns (track rows, fix indices)."""
        cfg = self.config
        none = np.zeros(0, np.int64)
        if not yi.size or not len(fx):
            return none, none
        ti, fj, d2, logdet = fixes_gated_pairs(
            self.x[yi, :3], self.P[yi, :3, :3], fx.pos_eci_m, fx.cov_m2, cfg.p_gate
        )
        cost = d2 + logdet if cfg.use_logdet else d2
        _, fix_for = gnn_assign_pairs(yi.size, len(fx), ti, fj, cost, cfg.cost_unassigned)
        got = np.flatnonzero(fix_for >= 0)
        tr, fi = yi[got], fix_for[got]
        if got.size:
            self._two_point(tr, fx.pos_eci_m[fi], fx.cov_m2[fi], t)
        return tr, fi

    # ----------------------------------------------------------------- output
    def confirmed_states(self, t_s: float) -> tuple[F64, I64]:
        """ECI states ``(k, 6)`` [m, m/s] of the confirmed tracks predicted to ``t_s``
        (no covariance; RK4 with J2, or inertial constant velocity for the tracks in
        level flight, as in :meth:`_predict`), and their ids ``(k,)``."""
        c = np.flatnonzero(self.confirmed)
        x = self.x[c]
        dt = t_s - self.t_s[c]
        go = np.flatnonzero(dt != 0.0)  # tracks at t_s already: x + 0 · k is x
        if go.size:
            cg, dtg = c[go], dt[go]
            xg = propagate_states(self.x[cg], dtg, self.config.max_step_s)
            lvl = self.level_flight()[cg]
            x0 = self.x[cg][lvl]
            xg[lvl, :3] = x0[:, :3] + x0[:, 3:] * dtg[lvl, None]
            xg[lvl, 3:] = x0[:, 3:]
            x[go] = xg
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
