"""The battle manager: every decision from the track picture alone.

This module never sees truth (an import-linter contract forbids it to import
:mod:`shieldlab.threats`, :mod:`shieldlab.sim.world`, :mod:`shieldlab.sim.oracle`
and :mod:`shieldlab.sim.engine`; it receives a :class:`~shieldlab.sim.defense.Defense`,
the world with the truth taken out). Its inputs are the tracker's picture,
the warning layer's launch reports, the discrimination features the radars
measured on each track and the kill-assessment reports of its own shots.

Per decision epoch (:func:`decide`):

1. **Eligible tracks**: confirmed, at least ``min_track_updates`` updates, no
   shot in flight, not assessed dead, due for (re-)evaluation, and — with a
   warning layer in the scenario — correlated with a launch report: the
   track's ground point lies within reach of a reported launch point given
   the time since that launch was seen (:func:`report_correlated`).
2. **One object, one engagement**: of two eligible tracks within
   :data:`DUPLICATE_M` of each other the one with more updates is kept; a track
   within :data:`REENGAGE_GATE_M` of the predicted position of a track that
   has shots in flight (a duplicate, or the same object after a track break)
   is not engaged.
3. **Classification** from kinematics (:func:`kinematic_class`: level flight
   → cruise missile, hypersonic near-level flight below 100 km → glide
   vehicle, else ballistic) and, for ballistic tracks, discrimination: the
   track's accumulated feature x passes the Neyman–Pearson threshold of the
   doctrine's ``rv_confidence`` (:func:`declared_class`).
4. **Threat evaluation** (impact point with its uncertainty; P(lethal) by
   Bayes from the doctrine's ``rv_prior``), **planning** of every fire unit's
   fly-out and **weapon-target assignment**, as in
   :mod:`shieldlab.battle`.

A shot records the track it was aimed at and the predicted intercept point
(PIP); what the kill vehicle meets there is physics, resolved by
:mod:`shieldlab.sim.oracle` — so false and duplicate tracks waste
interceptors and decoys absorb them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from scipy.special import ndtr, ndtri

from shieldlab.battle.assign import greedy_assign, wta_assign
from shieldlab.battle.c2 import has_random_losses, kill_chain_delay
from shieldlab.battle.threat_eval import assess_threats
from shieldlab.core.constants import WGS84_A_M
from shieldlab.core.frames import (
    OMEGA_EARTH_VEC,
    cross3,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m,
    norm3,
)
from shieldlab.core.objects import OBJECT_CRUISE, OBJECT_GLIDE, OBJECT_RV
from shieldlab.core.time import gmst_at
from shieldlab.sensors.discrimination import radar_dprime
from shieldlab.sim.defense import DECIDE_STAGE, Defense
from shieldlab.tracking.ekf import ekf_predict
from shieldlab.tracking.impact import (
    LEVEL_FLIGHT_HORIZON_S,
    level_flight_threat,
    predict_level_flight,
    propagate,
    propagate_by,
    propagate_rows,
)
from shieldlab.tracking.tracker import GnnTracker
from shieldlab.weapons.envelope import plan_for_site
from shieldlab.weapons.intercept import (
    class_pk,
    divert_reach_m,
    earliest_launch_s,
    intercept_window,
    shot_pk,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

REEVALUATE_S = 30.0
"""Wait before re-evaluating a track that threatens no asset or cannot be engaged [s]."""
PREDICT_STEP_S = 30.0
"""RK4 step of the battle manager's coast predictions (J2, no drag): < 1 m error."""
CANDIDATE_STEP_S = 20.0
"""Spacing of candidate intercept times along a predicted threat track [s]."""
DUPLICATE_M = 1_000.0
"""Two eligible tracks closer than this are taken as one object by the battle manager [m]."""
REENGAGE_GATE_M = 5_000.0
"""A track this close to the predicted position of a track with shots in flight is
taken as the same object (duplicate or track break) and not engaged again [m]."""
LEVEL_HEADING_SIGMA_RAD = math.radians(3.0)
"""Heading uncertainty of the level-flight extrapolation [rad]: an asset within d·tan(3°)
of the straight course (d the distance still to fly) is taken as threatened — glide
vehicles bank-steer and cruise missiles turn at waypoints (stated assumption)."""
LEVEL_STEP_S = 10.0
"""Time step of the level-flight prediction of glide vehicles and cruise missiles [s]."""
ENDGAME_S = 240.0
ENDGAME_STEP_S = 2.0
"""Fine candidate grid [s] over the last ``ENDGAME_S`` before each predicted impact,
for fire units with engagement envelopes (endo/exo windows last tens of seconds)."""
REPORT_GROUND_SPEED_MPS = 7_500.0
REPORT_GATE_M = 100_000.0
"""Launch-report correlation: a track correlates with a report when its ground point
is within ``REPORT_GATE_M + REPORT_GROUND_SPEED_MPS · (t − t_seen)`` of the reported
launch point (no ballistic missile's ground track moves faster than ~7.5 km/s)."""
CRUISE_MAX_ALT_M = 20_000.0
CRUISE_MAX_SPEED_MPS = 1_200.0
GLIDE_MAX_ALT_M = 100_000.0
GLIDE_MAX_GAMMA_RAD = math.radians(10.0)
"""Kinematic classes: below 20 km and slower than 1.2 km/s (Earth-relative) an
air-breathing cruise missile or drone; below 100 km, faster, with a flight-path
angle within ±10° a glide vehicle (a ballistic RV crosses that band in its last
half minute at −20° to −45°); otherwise ballistic."""
NOMINAL_LENGTH_M = 2.0
"""Object length the battle manager assumes when it turns a track's radar SNR into
discrimination information (an RV's length; the truth object's length is unknown)."""


@dataclass
class LaunchReports:
    """Launch reports of the warning layer as the battle manager receives them (k,):
    time the plume was first seen [s], time the report arrives [s], reported
    position of the plume at first sight (ECEF) [m]."""

    seen_s: list[float] = field(default_factory=list)
    report_s: list[float] = field(default_factory=list)
    pos_ecef_m: list[F64] = field(default_factory=list)

    def arrived(self, t: float) -> tuple[F64, F64]:
        """Reports arrived by ``t``: first-seen times (k,) and positions (k, 3)."""
        rep = np.asarray(self.report_s)
        ok = rep <= t + 1e-9
        if not ok.any():
            return np.empty(0), np.empty((0, 3))
        pos = np.asarray(self.pos_ecef_m)[ok]
        return np.asarray(self.seen_s)[ok], pos


@dataclass
class Shots:
    """Interceptor shots of one trial, as growing column lists (m shots).

    Decided here: the track, site, times, planned Pk and the predicted intercept
    point. Filled by the oracle at resolution: ``threat`` (the object the kill
    vehicle homed on, −1: none), miss distances, ``hit``; and the kill-assessment
    report ``assessed_kill``."""

    threat: list[int] = field(default_factory=list)
    track: list[int] = field(default_factory=list)
    site: list[int] = field(default_factory=list)
    decision_t_s: list[float] = field(default_factory=list)
    launch_t_s: list[float] = field(default_factory=list)
    intercept_t_s: list[float] = field(default_factory=list)
    intercept_alt_m: list[float] = field(default_factory=list)
    pk: list[float] = field(default_factory=list)
    hit: list[bool] = field(default_factory=list)
    resolved: list[bool] = field(default_factory=list)
    c2_delay_s: list[float] = field(default_factory=list)
    c2_extra_s: list[float] = field(default_factory=list)
    reach_m: list[float] = field(default_factory=list)
    sigma_m: list[float] = field(default_factory=list)
    intercept_lat_rad: list[float] = field(default_factory=list)
    intercept_lon_rad: list[float] = field(default_factory=list)
    planned_miss_m: list[float] = field(default_factory=list)
    achieved_miss_m: list[float] = field(default_factory=list)
    pip_eci_m: list[F64] = field(default_factory=list)
    aim_state: list[F64] = field(default_factory=list)
    """ECI state (6,) of the aimed track at the decision (for re-engagement gating)."""
    aim_level: list[bool] = field(default_factory=list)
    assessed_kill: list[bool] = field(default_factory=list)

    def in_flight(self) -> NDArray[np.int64]:
        """Indices of the shots not yet resolved."""
        return np.flatnonzero(~np.asarray(self.resolved, bool))


@dataclass
class TrackBook:
    """Battle-manager bookkeeping per track id (grown as the tracker makes ids).

    Per id: shots in flight, eligibility (shoot-look-shoot), next evaluation
    time, whether its object was assessed dead; the discrimination evidence
    measured on the track: the summed radar SNR per radar and the matched
    feature statistic (Σ √Δᵢ·yᵢ and Σ Δᵢ over looks, see :func:`declared_class`).
    """

    n_radars: int = 0
    in_flight: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    engageable: BoolArr = field(default_factory=lambda: np.zeros(0, bool))
    next_eval: F64 = field(default_factory=lambda: np.zeros(0))
    dead: BoolArr = field(default_factory=lambda: np.zeros(0, bool))
    snr_sum: F64 = field(default_factory=lambda: np.zeros((0, 0)))
    feat_num: F64 = field(default_factory=lambda: np.zeros(0))
    feat_info: F64 = field(default_factory=lambda: np.zeros(0))
    own_s: F64 = field(default_factory=lambda: np.zeros(0))
    """Coalition: last time [s] the force's own sensors updated the track (−inf: never)."""
    remote_s: F64 = field(default_factory=lambda: np.zeros(0))
    """Coalition: last time [s] a track update reached the force on an engage-on-remote
    agreement (−inf: never) and that agreement's data latency ``remote_lat_s`` [s]."""
    remote_lat_s: F64 = field(default_factory=lambda: np.zeros(0))
    rng_c2: np.random.Generator | None = None
    c2_cut: int = 0

    def __post_init__(self) -> None:
        self.snr_sum = np.zeros((self.in_flight.size, self.n_radars))

    def grow(self, n_ids: int) -> None:
        k = n_ids - self.in_flight.size
        if k > 0:
            self.in_flight = np.concatenate([self.in_flight, np.zeros(k, np.int64)])
            self.engageable = np.concatenate([self.engageable, np.ones(k, bool)])
            self.next_eval = np.concatenate([self.next_eval, np.zeros(k)])
            self.dead = np.concatenate([self.dead, np.zeros(k, bool)])
            self.snr_sum = np.concatenate([self.snr_sum, np.zeros((k, self.n_radars))])
            self.feat_num = np.concatenate([self.feat_num, np.zeros(k)])
            self.feat_info = np.concatenate([self.feat_info, np.zeros(k)])
            self.own_s = np.concatenate([self.own_s, np.full(k, -np.inf)])
            self.remote_s = np.concatenate([self.remote_s, np.full(k, -np.inf)])
            self.remote_lat_s = np.concatenate([self.remote_lat_s, np.zeros(k)])


@dataclass(frozen=True)
class ForceView:
    """One coalition force's share of a decision epoch: its fire units ``sites`` (s,),
    the forces whose shots it knows of ``knows`` (f,) (its own and those whose tracks
    reach it), the force of every fire unit ``site_force`` (s,) and the hold window
    ``hold_s`` [s] of its tracks (see :class:`~shieldlab.sim.defense.Coalition`)."""

    sites: BoolArr
    knows: BoolArr
    site_force: I64
    hold_s: float


def receive_looks(book: TrackBook, i: int, tid: I64, snr: F64, info: F64, y: F64) -> None:
    """A force receiving the looks of radar ``i`` on tracks ``tid`` from another force:
    their SNR and features (measured once, by the radar's own force) join its book."""
    book.grow(int(tid.max()) + 1 if tid.size else 0)
    np.add.at(book.snr_sum[:, i], tid, snr)
    add_features(book, tid, info, y)


def feature_information(defense: Defense, book: TrackBook, i: int, tid: I64, snr: F64) -> F64:
    """Discrimination information Δ (increase of d'²) that looks of radar ``i`` with
    linear ``snr`` add to tracks ``tid``, and add the SNR to the tracks' record.

    d'² of a radar on a track is :func:`~shieldlab.sensors.discrimination.radar_dprime`
    of the SNR summed over its looks (nominal RV length); a look adds the
    difference. Looks of one scan on the same track are summed in order."""
    radar = defense.radars[i][0]
    book.grow(int(tid.max()) + 1 if tid.size else 0)
    if len(set(tid.tolist())) == tid.size:  # one look per track (the rule): all at once
        sum0 = book.snr_sum[tid, i]
        sum1 = sum0 + snr
        dp0 = radar_dprime(radar, sum0, NOMINAL_LENGTH_M)
        dp1 = radar_dprime(radar, sum1, NOMINAL_LENGTH_M)
        book.snr_sum[tid, i] = sum1
        return np.maximum(dp1 * dp1 - dp0 * dp0, 0.0)
    out = np.zeros(tid.size)
    for k in range(tid.size):  # detections of one scan: a handful per track
        s0 = book.snr_sum[tid[k], i]
        s1 = s0 + snr[k]
        d0 = float(radar_dprime(radar, s0, NOMINAL_LENGTH_M))
        d1 = float(radar_dprime(radar, s1, NOMINAL_LENGTH_M))
        out[k] = max(d1 * d1 - d0 * d0, 0.0)
        book.snr_sum[tid[k], i] = s1
    return out


def add_features(book: TrackBook, tid: I64, info: F64, y: F64) -> None:
    """Add measured features ``y`` (one per look, y ~ N(√Δ·[RV], 1)) to tracks ``tid``."""
    np.add.at(book.feat_num, tid, np.sqrt(info) * y)
    np.add.at(book.feat_info, tid, info)


def declared_class(kin: I64, book: TrackBook, tid: I64, rv_confidence: float) -> I64:
    """The class the battle manager believes for tracks ``tid`` (−1: decoy, not engaged).

    Level flyers keep their kinematic class (:func:`kinematic_class`). A ballistic
    track is declared RV when its matched feature statistic
    x = Σ √Δᵢ yᵢ / √(Σ Δᵢ) ~ N(d'·[RV], 1), d' = √(Σ Δᵢ), passes the
    Neyman–Pearson threshold τ = d' − Φ⁻¹(c) that keeps the fraction c
    (``rv_confidence``) of RVs; with d' = 0 (no discriminating look) every
    ballistic track is declared RV (Green & Swets 1966)."""
    d = np.sqrt(book.feat_info[tid])
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(d > 0, book.feat_num[tid] / np.where(d > 0, d, 1.0), 0.0)
    tau = d - float(ndtri(rv_confidence))
    ballistic = ~np.isin(kin, (OBJECT_GLIDE, OBJECT_CRUISE))
    return np.where(ballistic, np.where((d == 0) | (x > tau), OBJECT_RV, -1), kin)


def lethal_probability(
    kin: I64, book: TrackBook, tid: I64, rv_confidence: float, rv_prior: float, level_prior: float
) -> F64:
    """P(lethal | declared) of tracks (Bayes): for a track declared RV,
    f c / (f c + (1 − f)(1 − Φ(d' − Φ⁻¹(c)))) with f the doctrine's ``rv_prior``
    (the threat assessment's share of RVs among ballistic objects, not the raid's
    true mix) and c ``rv_confidence``; level flyers: the doctrine's
    ``level_lethal_prior``."""
    c = rv_confidence
    d = np.sqrt(book.feat_info[tid])
    p_decoy = 1.0 - ndtr(d - float(ndtri(c)))
    post = rv_prior * c / (rv_prior * c + (1.0 - rv_prior) * p_decoy)
    return np.where(np.isin(kin, (OBJECT_GLIDE, OBJECT_CRUISE)), level_prior, post)


def kinematic_class(x_eci: F64) -> I64:
    """Class of tracks from their ECI states (k, 6) alone: cruise, glide or RV
    (ballistic), see :data:`GLIDE_MAX_GAMMA_RAD`."""
    r = x_eci[:, :3]
    v_rel = x_eci[:, 3:] - cross3(OMEGA_EARTH_VEC, r)
    rn = norm3(r)
    speed = norm3(v_rel)
    alt = rn - WGS84_A_M
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_g = np.einsum("ij,ij->i", r, v_rel) / (rn * np.maximum(speed, 1e-9))
    gamma = np.arcsin(np.clip(sin_g, -1.0, 1.0))
    cruise = (alt < CRUISE_MAX_ALT_M) & (speed < CRUISE_MAX_SPEED_MPS)
    glide = ~cruise & (alt < GLIDE_MAX_ALT_M) & (np.abs(gamma) < GLIDE_MAX_GAMMA_RAD)
    return np.where(cruise, OBJECT_CRUISE, np.where(glide, OBJECT_GLIDE, OBJECT_RV)).astype(
        np.int64
    )


def report_correlated(defense: Defense, x_eci: F64, t: float, reports: LaunchReports) -> BoolArr:
    """Tracks (k,) that a launch report arrived by ``t`` can explain (see
    :data:`REPORT_GATE_M`); all of them when the scenario has no warning layer."""
    if not defense.has_warning:
        return np.ones(x_eci.shape[0], bool)
    seen, pos = reports.arrived(t)
    if seen.size == 0 or x_eci.shape[0] == 0:
        return np.zeros(x_eci.shape[0], bool)
    gm = float(gmst_at(defense.epoch, t))
    lat, lon, _ = ecef_to_geodetic(eci_to_ecef(x_eci[:, :3], gm))
    rlat, rlon, _ = ecef_to_geodetic(pos)
    d = great_circle_distance_m(lat[:, None], lon[:, None], rlat[None, :], rlon[None, :])
    reach = REPORT_GATE_M + REPORT_GROUND_SPEED_MPS * np.maximum(t - seen, 0.0)
    return np.asarray(np.any(d <= reach[None, :], axis=1))


def _engaged_elsewhere(shots: Shots, x: F64, t: float, force: ForceView | None = None) -> BoolArr:
    """Candidate tracks (states x (k, 6) at t) within :data:`REENGAGE_GATE_M` of the
    predicted position of a track with shots in flight (with ``force``: the shots of
    the forces it knows of)."""
    fly = shots.in_flight()
    if force is not None and fly.size:
        fly = fly[force.knows[force.site_force[np.asarray(shots.site, np.int64)[fly]]]]
    out = np.zeros(x.shape[0], bool)
    if fly.size == 0 or x.shape[0] == 0:
        return out
    aim = np.stack([shots.aim_state[i] for i in fly])
    dt = t - np.asarray(shots.decision_t_s)[fly]
    lvl = np.asarray(shots.aim_level)[fly]
    pos = np.empty((fly.size, 3))
    if (~lvl).any():
        pos[~lvl] = propagate_by(aim[~lvl], dt[~lvl], max_step_s=PREDICT_STEP_S)[:, :3]
    pos[lvl] = aim[lvl, :3] + aim[lvl, 3:] * dt[lvl, None]
    d = norm3(x[:, None, :3] - pos[None, :, :])
    return np.asarray(np.any(d < REENGAGE_GATE_M, axis=1))


def _hold_later_layers(
    defense: Defense,
    t_c: F64,
    states: F64,
    feasible: BoolArr,
    t_int: F64,
    t_launch: F64,
    t_imp: F64,
    believed: I64,
    window_end: F64,
) -> None:
    """Shoot-look-shoot across layers: reserve later shots while the timeline allows.

    For each threat i let e_i be its earliest feasible intercept over the fire
    units. A unit whose own intercept comes more than the doctrine's
    ``kill_assessment_s`` after e_i holds its shot (``feasible`` set False at
    this epoch) when it could still engage the threat if launched only after
    that look: the unit's plan is redone from launch time max(e_i + look) over
    those threats and is still feasible before impact. Otherwise (no time for
    a look) it fires now with the others (a salvo across layers). In place.
    """
    look = defense.doctrine.kill_assessment_s
    earliest = np.min(np.where(feasible, t_int, np.inf), axis=1)
    for s_i, site in enumerate(defense.sites):  # fire units: a handful
        later = feasible[:, s_i] & (t_int[:, s_i] > earliest + look)
        later &= np.nan_to_num(window_end[:, s_i], nan=-np.inf) > earliest + look
        if not later.any():
            continue
        t_after = float(np.max(earliest[later] + look))
        t_l = max(t_after, float(t_launch[s_i]))
        plan = plan_for_site(
            site,
            t_l,
            t_c,
            states[..., :3],
            float(gmst_at(defense.epoch, t_l)),
            states[..., 3:],
            believed,
        )
        can_wait = later & plan.feasible & (plan.t_intercept_s < t_imp)
        feasible[can_wait, s_i] = False


def _c2_delays(
    defense: Defense, t: float, inventory: I64, book: TrackBook, mine: BoolArr | None = None
) -> tuple[F64, F64, BoolArr]:
    """Per fire unit: decide → authorize → launch delay of the C2 chain at ``t`` [s]
    (NaN without a ``c2`` section), the part of it due to degradation events
    [s], and whether the chain reaches the unit (a cut unit cannot fire now)."""
    n_s = len(defense.sites)
    c2 = defense.c2
    if c2 is None or n_s == 0:
        return np.full(n_s, np.nan), np.zeros(n_s), np.ones(n_s, bool)
    rng = book.rng_c2 if has_random_losses(c2.network, c2.events) else None
    timing = kill_chain_delay(
        c2.network,
        c2.events,
        np.full(n_s, t),
        c2.site_node,
        c2.site_node,
        rng,
        first_stage=DECIDE_STAGE,
    )
    ok = timing.reachable
    book.c2_cut += int(np.sum(~ok & (inventory > 0) & (True if mine is None else mine)))
    extra = np.where(ok, np.maximum(timing.delay_s - c2.nominal_s, 0.0), np.inf)
    return np.where(ok, timing.delay_s, np.inf), extra, ok


def _candidates(
    defense: Defense,
    tracker: GnnTracker,
    book: TrackBook,
    t: float,
    reports: LaunchReports,
    shots: Shots,
    force: ForceView | None = None,
) -> tuple[I64, F64, F64, F64]:
    """Rows of the tracks eligible at ``t`` with their predicted states and covariances,
    and the data latency [s] the deciding force has on each (0 without a coalition;
    with one: 0 on a track its own sensors hold, else the latency of the
    engage-on-remote agreement that brought the latest update)."""
    doc = defense.doctrine
    ok = tracker.confirmed & (tracker.n_updates >= doc.min_track_updates)
    tid_all = tracker.track_id
    ok &= (book.in_flight[tid_all] == 0) & book.engageable[tid_all] & ~book.dead[tid_all]
    ok &= book.next_eval[tid_all] <= t + 1e-9
    lat = np.zeros(tid_all.size)
    if force is not None:
        own = t - book.own_s[tid_all] <= force.hold_s
        remote = t - book.remote_s[tid_all] <= force.hold_s
        ok &= own | remote
        lat = np.where(own, 0.0, book.remote_lat_s[tid_all])
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return rows, np.empty((0, 6)), np.empty((0, 6, 6)), np.empty(0)
    x, p = ekf_predict(
        tracker.x[rows],
        tracker.P[rows],
        t - tracker.t_s[rows],
        tracker.q_now(t)[rows],
        tracker.config.max_step_s,
    )
    keep = report_correlated(defense, x, t, reports) & ~_engaged_elsewhere(shots, x, t, force)
    if rows.size > 1:  # duplicates: the track with more updates is engaged
        keep &= ~_duplicates(x[:, :3], tracker.n_updates[rows])
    return rows[keep], x[keep], p[keep], lat[rows][keep]


_DENSE_DUPLICATES = 256
"""Below this many tracks the duplicate check compares all pairs at once."""


def _duplicates(pos: F64, upd: I64) -> NDArray[np.bool_]:
    """Whether each track (ECI position ``pos`` [m], (n, 3)) has another within
    :data:`DUPLICATE_M` that is better: more updates ``upd``, or as many and an
    earlier row.

    Many tracks: the pairs come from a k-d tree (radius a hair over the limit), and
    each pair's distance is then computed as the dense check does (``norm3`` of
    the difference) and compared with the same strict limit: the same answer,
    O(n log n) instead of n².
    """
    n = pos.shape[0]
    if n < _DENSE_DUPLICATES:
        d = norm3(pos[:, None, :] - pos[None, :, :])
        better = (upd[None, :] > upd[:, None]) | (
            (upd[None, :] == upd[:, None]) & (np.arange(n)[None, :] < np.arange(n)[:, None])
        )
        return np.any((d < DUPLICATE_M) & better, axis=1)
    pairs = cKDTree(pos).query_pairs(DUPLICATE_M * (1.0 + 1e-9), output_type="ndarray")
    out = np.zeros(n, dtype=bool)
    if pairs.shape[0] == 0:
        return out
    a, b = pairs[:, 0], pairs[:, 1]
    close = norm3(pos[a] - pos[b]) < DUPLICATE_M
    a, b = a[close], b[close]
    # a pair drops its worse track: b if b has no more updates than a (a ties first)
    out[np.where(upd[b] > upd[a], a, b)] = True
    return out


def decide(
    defense: Defense,
    tracker: GnnTracker,
    book: TrackBook,
    t: float,
    reports: LaunchReports,
    inventory: I64,
    shots: Shots,
    force: ForceView | None = None,
) -> None:
    """One decision epoch: threat evaluation, intercept planning for every fire unit,
    weapon-target assignment (see module docstring). Appends to ``shots``; in place.

    ``force``: in a coalition, one force's epoch — its own fire units, the tracks
    it holds (its book), the shots it knows of, and the data latency of remote
    tracks added before launch."""
    doc = defense.doctrine
    rows, x, p, lat = _candidates(defense, tracker, book, t, reports, shots, force)
    if rows.size == 0:
        return
    tids = tracker.track_id[rows]
    kin = kinematic_class(x)
    believed = declared_class(kin, book, tids, doc.rv_confidence)
    level = np.isin(believed, (OBJECT_GLIDE, OBJECT_CRUISE))
    engage = (believed >= 0) & (level | ~tracker.manoeuvring(t)[rows])
    tids, x, p, believed, level, kin, lat = (
        tids[engage],
        x[engage],
        p[engage],
        believed[engage],
        level[engage],
        kin[engage],
        lat[engage],
    )
    if tids.size == 0:
        return
    protect = defense.assets.priority_value(doc.value_function)
    p_lethal = lethal_probability(
        kin, book, tids, doc.rv_confidence, doc.rv_prior, doc.level_lethal_prior
    )
    n_c = x.shape[0]
    asset = np.full(n_c, -1, np.int64)
    t_imp = np.full(n_c, np.nan)
    ok_imp = np.zeros(n_c, bool)
    expected = np.zeros(n_c)
    bal = ~level
    assets = defense.assets
    if bal.any():
        ta = assess_threats(
            x[bal],
            p[bal],
            t,
            defense.epoch,
            assets.lat_rad,
            assets.lon_rad,
            assets.radius_m,
            p_lethal=p_lethal[bal],
            asset_value=protect,
            dt_s=PREDICT_STEP_S,
        )
        asset[bal], t_imp[bal], ok_imp[bal] = ta.top_asset, ta.t_impact_s, ta.ok
        expected[bal] = ta.expected_value
    if level.any():
        t_lv = np.arange(t, t + LEVEL_FLIGHT_HORIZON_S + 1e-9, LEVEL_STEP_S)
        st_lv = predict_level_flight(x[level], t, defense.epoch, t_lv)
        a_lv, t_in = level_flight_threat(
            st_lv,
            t_lv,
            defense.epoch,
            assets.lat_rad,
            assets.lon_rad,
            assets.radius_m,
            LEVEL_HEADING_SIGMA_RAD,
        )
        asset[level], t_imp[level], ok_imp[level] = a_lv, t_in, a_lv >= 0
        expected[level] = np.where(a_lv >= 0, p_lethal[level] * protect[np.maximum(a_lv, 0)], 0.0)
    value = np.where(ok_imp & (asset >= 0), expected, 0.0)
    keep = value > 0
    # a track not (yet) seen to threaten an asset, or not yet reachable, is
    # looked at again after REEVALUATE_S rather than at every decision epoch
    book.next_eval[tids] = t + REEVALUATE_S
    if not keep.any():
        return
    _plan_and_assign(
        defense,
        book,
        t,
        inventory,
        shots,
        tids[keep],
        x[keep],
        p[keep],
        value[keep],
        t_imp[keep],
        believed[keep],
        level[keep],
        lat[keep],
        force,
    )


def candidate_times(defense: Defense, t: float, t_imp: F64) -> F64:
    """Candidate intercept times [s] of the tracks predicted to impact at ``t_imp (n,)``.

    Every ``CANDIDATE_STEP_S`` from ``t`` to the last impact, shared by the tracks
    ``(k,)``. With a fire unit that has an engagement envelope, each track also
    gets its own fine grid, every ``ENDGAME_STEP_S`` over the last ``ENDGAME_S``
    before its impact (the times after ``t`` + 1 s; NaN for the others): one
    ascending grid per track ``(n, k + ENDGAME_S / ENDGAME_STEP_S)``, NaN at its
    end. Only a track's own endgame is searched finely (the work follows the
    tracks, not the tracks squared).
    """
    coarse = np.arange(t + CANDIDATE_STEP_S, float(np.max(t_imp)), CANDIDATE_STEP_S)
    if not any(site.spec.flyout == "envelope" for site in defense.sites):
        return coarse
    end = t_imp[:, None] - np.arange(ENDGAME_S, 0.0, -ENDGAME_STEP_S)[None, :]
    end = np.where(end > t + 1.0, end, np.nan)
    both = np.concatenate([np.broadcast_to(coarse, (t_imp.size, coarse.size)), end], axis=1)
    return np.sort(both, axis=1)  # NaN sorts last


def _plan_and_assign(
    defense: Defense,
    book: TrackBook,
    t: float,
    inventory: I64,
    shots: Shots,
    tids: I64,
    x: F64,
    p: F64,
    value: F64,
    t_imp: F64,
    believed: I64,
    level: BoolArr,
    lat: F64,
    force: ForceView | None,
) -> None:
    """Plan every fire unit's fly-out at the threatening tracks and assign shots.

    A track a coalition force holds only through a remote force's data (latency
    ``lat`` > 0) is planned with the launch ``lat`` later."""
    doc = defense.doctrine
    n_s = len(defense.sites)
    feasible = np.zeros((tids.size, n_s), bool)
    t_int = np.full((tids.size, n_s), np.inf)
    alt_int = np.full((tids.size, n_s), np.nan)
    closing = np.zeros((tids.size, n_s))
    win_end = np.full((tids.size, n_s), np.nan)
    pip = np.full((tids.size, n_s, 3), np.nan)
    t_launch = np.zeros(n_s)
    t_launch_ts = np.zeros((tids.size, n_s))
    t_c = candidate_times(defense, t, t_imp)  # (k,) shared, or (n, k) per track
    if not np.isfinite(t_c).any():
        return
    if t_c.ndim == 1:
        states = propagate(x, t, t_c, max_step_s=PREDICT_STEP_S)  # (n, k, 6) ECI
    else:
        states = propagate_rows(x, t, t_c, max_step_s=PREDICT_STEP_S)
    if level.any():
        t_lv = t_c if t_c.ndim == 1 else t_c[level]
        states[level] = predict_level_flight(x[level], t, defense.epoch, t_lv)
    mine = None if force is None else force.sites
    c2_delay, c2_extra, c2_ok = _c2_delays(defense, t, inventory, book, mine)
    delays = np.unique(lat)
    for s_i, site in enumerate(defense.sites):  # fire units: a handful
        if inventory[s_i] <= 0 or not c2_ok[s_i] or (mine is not None and not mine[s_i]):
            continue
        for d in delays:  # data latencies: own tracks (0) and a remote agreement or two
            grp = lat == d if delays.size > 1 else slice(None)
            t_g = t_c if t_c.ndim == 1 else t_c[grp]
            t_d = t + float(d)
            t_l = max(float(earliest_launch_s(site.spec, t_d)), t_d + float(c2_delay[s_i]))
            plan = plan_for_site(
                site,
                t_l,
                t_g,
                states[grp][..., :3],
                float(gmst_at(defense.epoch, t_l)),
                states[grp][..., 3:],
                believed[grp],
            )
            t_launch_ts[grp, s_i] = t_l
            feasible[grp, s_i] = plan.feasible & (plan.t_intercept_s < t_imp[grp])
            _, win_end[grp, s_i] = intercept_window(plan, t_g)
            pip[grp, s_i] = plan.r_pip_eci_m
            t_int[grp, s_i] = np.where(plan.feasible, plan.t_intercept_s, np.inf)
            alt_int[grp, s_i] = plan.intercept_alt_m
            closing[grp, s_i] = plan.closing_speed_mps
        t_launch[s_i] = float(t_launch_ts[:, s_i].min())
    if not feasible.any():
        return
    if doc.shoot_look_shoot:
        _hold_later_layers(
            defense, t_c, states, feasible, t_int, t_launch, t_imp, believed, win_end
        )
        if not feasible.any():
            return
    # per-axis position error of the track at the decision (handover quality)
    sigma_pos = np.sqrt(np.trace(p[:, :3, :3], axis1=1, axis2=2) / 3.0)
    pk = np.zeros((tids.size, n_s))
    for s_i, site in enumerate(defense.sites):  # fire units: a handful
        pk[:, s_i] = shot_pk(site.spec, closing[:, s_i], sigma_pos, object_kind=believed)
    # fire-control channels: a unit guides at most `channels` interceptors at once
    limit = inventory.copy()
    if defense.channels:
        fly = shots.in_flight()
        in_air = np.bincount(np.asarray(shots.site, np.int64)[fly], minlength=n_s)
        for s_i, ch in enumerate(defense.channels):  # fire units: a handful
            if ch is not None:
                limit[s_i] = min(int(inventory[s_i]), max(ch - int(in_air[s_i]), 0))
    if doc.assignment in ("wta", "milp"):
        asg = wta_assign(
            value, feasible, pk, t_int, limit, doc.shots_per_threat, exact=doc.assignment == "milp"
        )
    else:
        asg = greedy_assign(value, t_imp, feasible, t_int, limit, doc.shots_per_threat)
    inventory[:] = inventory - (limit - asg.inventory)
    for ti, si in zip(asg.threat_index.tolist(), asg.site_index.tolist(), strict=True):
        tid = int(tids[ti])
        spec = defense.sites[si].spec
        gm = gmst_at(defense.epoch, float(t_int[ti, si]))
        la, lo, _ = ecef_to_geodetic(eci_to_ecef(pip[ti, si][None, :], gm))
        shots.threat.append(-1)
        shots.track.append(tid)
        shots.site.append(si)
        shots.decision_t_s.append(t)
        shots.launch_t_s.append(float(t_launch_ts[ti, si]))
        shots.intercept_t_s.append(float(t_int[ti, si]))
        shots.intercept_alt_m.append(float(alt_int[ti, si]))
        shots.pk.append(float(pk[ti, si]))
        shots.reach_m.append(float(divert_reach_m(spec, closing[ti, si])))
        shots.sigma_m.append(float(sigma_pos[ti]))
        shots.intercept_lat_rad.append(float(la[0]))
        shots.intercept_lon_rad.append(float(lo[0]))
        shots.planned_miss_m.append(float("nan"))
        shots.achieved_miss_m.append(float("nan"))
        shots.hit.append(False)
        shots.resolved.append(False)
        shots.c2_delay_s.append(float(c2_delay[si]))
        shots.c2_extra_s.append(float(c2_extra[si]))
        shots.pip_eci_m.append(pip[ti, si].copy())
        shots.aim_state.append(x[ti].copy())
        shots.aim_level.append(bool(level[ti]))
        shots.assessed_kill.append(False)
        book.in_flight[tid] += 1
        book.engageable[tid] = False
        book.next_eval[tid] = t  # a survivor may be re-engaged as soon as its shots resolve


def class_pk_of(defense: Defense, site: int, kind: int) -> float:
    """Single-shot class Pk of fire unit ``site`` against an object of kind ``kind``."""
    return float(class_pk(defense.sites[site].spec, np.array([kind]))[0])
