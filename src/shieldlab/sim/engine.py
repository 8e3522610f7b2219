"""Engagement engine: one Monte Carlo trial of a raid against the layered defence.

Time loop (Python over time steps only, arrays over threats):

1. truth: sample the precomputed threat trajectories; killed objects are
   masked out ("alive" mask — the only feedback from the fight to truth);
2. sensing: each geostationary IR sensor looks every frame and the first
   detection of each boosting missile plus the sensor's report latency gives
   its launch report; each radar observes on its revisit period;
3. tracking: one EKF track per threat fed by the radar measurements
   (association by truth id in this skeleton — stated, not hidden);
4. decide: every ``decision_interval_s`` the battle manager takes confirmed
   tracks with a launch report and no shot in flight, predicts their impact
   points, finds the threatened asset, plans Lambert fly-outs from every fire
   unit and assigns interceptors greedily by asset value;
5. fight: shots are resolved at their intercept time with their single-shot
   Pk (independent draws); the first successful shot kills. With
   shoot-look-shoot a survivor becomes eligible again at the next decision.

Randomness: the trial's generator streams (sensing, fight) come from
``SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial))``, so a trial's result
depends only on the scenario, seed and trial index — never on the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.assign import greedy_assign
from shieldlab.battle.threat_eval import threatened_asset
from shieldlab.core.time import gmst_at
from shieldlab.sensors.ir import geo_ir_detect
from shieldlab.sensors.measurements import concat
from shieldlab.sensors.radar import radar_observe
from shieldlab.sim.world import TRIAL_STREAM, World
from shieldlab.threats import LETHAL_KINDS, PHASE_IMPACTED, PHASE_PRELAUNCH
from shieldlab.tracking import TrackTable, site_geometry
from shieldlab.tracking.impact import predict_impact, propagate
from shieldlab.weapons.intercept import earliest_launch_s, plan_intercepts, shot_pk

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

KILLED, LEAKED, NO_THREAT = 1, 2, 3
STATUS_NAMES = {KILLED: "killed", LEAKED: "leaked", NO_THREAT: "no_threat"}
REEVALUATE_S = 30.0
"""Wait before re-evaluating a track that threatens no asset or cannot be engaged [s]."""
PREDICT_STEP_S = 30.0
"""RK4 step of the battle manager's coast predictions (J2, no drag): < 1 m error."""
CANDIDATE_STEP_S = 20.0
"""Spacing of candidate intercept times along a predicted threat track [s]."""


@dataclass
class Shots:
    """Interceptor shots of one trial, as growing column lists (m shots)."""

    threat: list[int] = field(default_factory=list)
    site: list[int] = field(default_factory=list)
    decision_t_s: list[float] = field(default_factory=list)
    launch_t_s: list[float] = field(default_factory=list)
    intercept_t_s: list[float] = field(default_factory=list)
    intercept_alt_m: list[float] = field(default_factory=list)
    pk: list[float] = field(default_factory=list)
    hit: list[bool] = field(default_factory=list)
    resolved: list[bool] = field(default_factory=list)


@dataclass(frozen=True)
class TrialResult:
    """Outcome of one trial: per threat (n,) and per shot (m,)."""

    trial: int
    status: NDArray[np.int8]
    killed_by_shot: I64
    kill_time_s: F64
    hit_asset: I64
    launch_report_s: F64
    first_track_s: F64
    shot_threat: I64
    shot_site: I64
    shot_decision_s: F64
    shot_launch_s: F64
    shot_intercept_s: F64
    shot_intercept_alt_m: F64
    shot_pk: F64
    shot_hit: NDArray[np.bool_]


def trial_rngs(seed: int, trial: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent (sensing, fight) generators of one trial."""
    ss = np.random.SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial))
    a, b = ss.spawn(2)
    return np.random.default_rng(a), np.random.default_rng(b)


def _step_s(world: World) -> float:
    periods = [r.revisit_s for r in world.radars] + [g.frame_s for g in world.geo_ir]
    periods.append(world.scenario.doctrine.decision_interval_s)
    return float(min(periods))


def run_trial(world: World, trial: int) -> TrialResult:
    """Fly one Monte Carlo trial of the world's raid through the defence."""
    truth = world.truth
    doc = world.scenario.doctrine
    rng_sense, rng_fight = trial_rngs(world.scenario.seed, trial)
    n = truth.r_eci_m.shape[0]
    dt_truth = float(truth.t_s[1] - truth.t_s[0])
    step = _step_s(world)
    t_end = float(np.max(truth.t_impact_s)) + step

    alive = np.ones(n, bool)
    kill_time = np.full(n, np.nan)
    killed_by = np.full(n, -1, np.int64)
    first_ir = np.full(n, np.nan)
    report_s = np.full(n, np.nan) if world.geo_ir else np.zeros(n)
    first_track = np.full(n, np.nan)
    last_plume = np.full(n, -np.inf)
    ir_frame = max((g.frame_s for g in world.geo_ir), default=0.0)
    next_eval = np.zeros(n)
    in_flight = np.zeros(n, np.int64)
    engageable = np.ones(n, bool)
    inventory = np.array([s.inventory for s in world.sites], dtype=np.int64)
    tracks = TrackTable.new(n_confirm=doc.min_track_updates)
    geometry = site_geometry(world.radars)
    n_updates = np.zeros(n, np.int64)
    shots = Shots()
    next_radar = np.zeros(len(world.radars))
    next_ir = np.zeros(len(world.geo_ir))
    next_decision = 0.0

    for t in np.arange(0.0, t_end + 1e-9, step):
        t = float(t)
        k = min(round(t / dt_truth), truth.t_s.size - 1)
        phase = truth.phase[:, k]
        r_eci, _ = truth.state_at(t)
        exists = alive & (phase != PHASE_PRELAUNCH) & (phase != PHASE_IMPACTED)
        gmst = float(gmst_at(world.epoch, t))

        # 5. resolve shots that reached their intercept time
        _resolve_shots(
            shots,
            t,
            truth.t_impact_s,
            alive,
            kill_time,
            killed_by,
            in_flight,
            engageable,
            doc.shoot_look_shoot,
            rng_fight,
        )
        exists &= alive

        # 2. sensing
        for i, sensor in enumerate(world.geo_ir):
            if t + 1e-9 >= next_ir[i]:
                det = geo_ir_detect(sensor, r_eci, truth.plume_w_sr[:, k], exists, gmst, rng_sense)
                new = det & np.isnan(first_ir)
                first_ir[new] = t
                last_plume[det] = t
                report_s = np.fmin(report_s, first_ir + sensor.report_latency_s)
                next_ir[i] += sensor.frame_s
        batches = []
        for i, radar in enumerate(world.radars):
            if t + 1e-9 >= next_radar[i]:
                batches.append(
                    radar_observe(radar, i, t, r_eci, truth.rcs_m2[:, k], exists, gmst, rng_sense)
                )
                next_radar[i] += radar.revisit_s
        if batches:
            meas = concat(batches)
            # the ballistic filter gets no measurements of an object the space
            # layer saw thrusting within the last frame (boost is not ballistic)
            thrusting = t - last_plume <= ir_frame + 1e-9
            meas = meas.select(np.flatnonzero(~thrusting[meas.object_id]))
            if meas.t_s.size:
                tracks.update(meas, geometry, world.epoch)
                rows = tracks.rows_of(np.arange(n))
                n_updates = np.where(rows >= 0, tracks.n_updates[np.maximum(rows, 0)], 0)
                first_track = np.where(
                    np.isnan(first_track) & (n_updates >= doc.min_track_updates), t, first_track
                )

        # 4. decide
        if t + 1e-9 >= next_decision:
            next_decision += doc.decision_interval_s
            cand = (
                exists
                & engageable
                & (in_flight == 0)
                & (n_updates >= doc.min_track_updates)
                & (report_s <= t)
                & (next_eval <= t + 1e-9)
            )
            if cand.any() and inventory.sum() > 0:
                _decide(
                    world,
                    tracks,
                    np.flatnonzero(cand),
                    t,
                    inventory,
                    in_flight,
                    engageable,
                    shots,
                    doc.shots_per_threat,
                    next_eval,
                )

    # outcome of survivors: the asset their true impact point lies in
    hit_asset = threatened_asset(
        truth.impact_lat_rad,
        truth.impact_lon_rad,
        world.assets.lat_rad,
        world.assets.lon_rad,
        world.assets.radius_m,
    )
    # only warhead-carrying objects can hit an asset (decoys and the bus cannot)
    lethal = np.isin(truth.object_kind, LETHAL_KINDS)
    hit_asset = np.where(alive & lethal, hit_asset, -1)
    status = np.where(~alive, KILLED, np.where(hit_asset >= 0, LEAKED, NO_THREAT)).astype(np.int8)
    return TrialResult(
        trial=trial,
        status=status,
        killed_by_shot=killed_by,
        kill_time_s=kill_time,
        hit_asset=hit_asset.astype(np.int64),
        launch_report_s=report_s,
        first_track_s=first_track,
        shot_threat=np.array(shots.threat, np.int64),
        shot_site=np.array(shots.site, np.int64),
        shot_decision_s=np.array(shots.decision_t_s),
        shot_launch_s=np.array(shots.launch_t_s),
        shot_intercept_s=np.array(shots.intercept_t_s),
        shot_intercept_alt_m=np.array(shots.intercept_alt_m),
        shot_pk=np.array(shots.pk),
        shot_hit=np.array(shots.hit, bool),
    )


def _resolve_shots(
    shots: Shots,
    t: float,
    t_impact_s: F64,
    alive: NDArray[np.bool_],
    kill_time: F64,
    killed_by: I64,
    in_flight: I64,
    engageable: NDArray[np.bool_],
    sls: bool,
    rng: np.random.Generator,
) -> None:
    """Resolve, in intercept-time order, the shots whose intercept time has come."""
    due = [
        i
        for i, (ti, done) in enumerate(zip(shots.intercept_t_s, shots.resolved, strict=True))
        if not done and ti <= t
    ]
    due.sort(key=lambda i: (shots.intercept_t_s[i], i))
    for i in due:  # a handful per step: shots, not objects, and order matters
        j = shots.threat[i]
        hit = bool(rng.random() < shots.pk[i])
        shots.hit[i] = hit
        shots.resolved[i] = True
        in_flight[j] -= 1
        if hit and alive[j] and shots.intercept_t_s[i] < t_impact_s[j]:
            alive[j] = False
            kill_time[j] = shots.intercept_t_s[i]
            killed_by[j] = i
        if in_flight[j] == 0 and alive[j]:
            engageable[j] = sls


def _decide(
    world: World,
    tracks: TrackTable,
    idx: I64,
    t: float,
    inventory: I64,
    in_flight: I64,
    engageable: NDArray[np.bool_],
    shots: Shots,
    shots_per_threat: int,
    next_eval: F64,
) -> None:
    """Threat evaluation, intercept planning for every fire unit, greedy assignment."""
    x_all, p_all = tracks.predicted(t)
    rows = tracks.rows_of(idx)
    x, p = x_all[rows], p_all[rows]
    lat, lon, t_imp, ok = predict_impact(x, t, world.epoch, dt_s=PREDICT_STEP_S)
    asset = threatened_asset(
        lat, lon, world.assets.lat_rad, world.assets.lon_rad, world.assets.radius_m
    )
    value = np.where(ok & (asset >= 0), world.assets.value[np.maximum(asset, 0)], 0.0)
    keep = value > 0
    # a threat not (yet) seen to threaten an asset, or not yet reachable, is
    # looked at again after REEVALUATE_S rather than at every decision epoch
    next_eval[idx] = t + REEVALUATE_S
    if not keep.any():
        return
    idx, x, p, value, t_imp = idx[keep], x[keep], p[keep], value[keep], t_imp[keep]
    n_s = len(world.sites)
    feasible = np.zeros((idx.size, n_s), bool)
    t_int = np.full((idx.size, n_s), np.inf)
    alt_int = np.full((idx.size, n_s), np.nan)
    closing = np.zeros((idx.size, n_s))
    t_launch = np.zeros(n_s)
    t_c = np.arange(t + CANDIDATE_STEP_S, float(np.max(t_imp)), CANDIDATE_STEP_S)
    if t_c.size == 0:
        return
    states = propagate(x, t, t_c, max_step_s=PREDICT_STEP_S)  # (n, k, 6) ECI
    for s_i, site in enumerate(world.sites):  # fire units: a handful
        if inventory[s_i] <= 0:
            continue
        t_launch[s_i] = float(earliest_launch_s(site.spec, t))
        plan = plan_intercepts(
            site,
            t_launch[s_i],
            t_c,
            states[..., :3],
            float(gmst_at(world.epoch, t_launch[s_i])),
            states[..., 3:],
        )
        feasible[:, s_i] = plan.feasible & (plan.t_intercept_s < t_imp)
        t_int[:, s_i] = np.where(plan.feasible, plan.t_intercept_s, np.inf)
        alt_int[:, s_i] = plan.intercept_alt_m
        closing[:, s_i] = plan.closing_speed_mps
    if not feasible.any():
        return
    a = greedy_assign(value, t_imp, feasible, t_int, inventory, shots_per_threat)
    inventory[:] = a.inventory
    # per-axis position error of the track at the decision (handover quality)
    sigma_pos = np.sqrt(np.trace(p[:, :3, :3], axis1=1, axis2=2) / 3.0)
    for ti, si in zip(a.threat_index.tolist(), a.site_index.tolist(), strict=True):
        j = int(idx[ti])
        spec = world.sites[si].spec
        shots.threat.append(j)
        shots.site.append(si)
        shots.decision_t_s.append(t)
        shots.launch_t_s.append(float(t_launch[si]))
        shots.intercept_t_s.append(float(t_int[ti, si]))
        shots.intercept_alt_m.append(float(alt_int[ti, si]))
        shots.pk.append(float(shot_pk(spec, closing[ti, si], sigma_pos[ti])))
        shots.hit.append(False)
        shots.resolved.append(False)
        in_flight[j] += 1
        engageable[j] = False
        next_eval[j] = t  # a survivor may be re-engaged as soon as its shots resolve
