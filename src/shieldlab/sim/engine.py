"""Engagement engine: one Monte Carlo trial of a raid against the layered defence.

Validity: one raid's engagement (minutes to about an hour of flight) with
generic, public catalog parameters.

The truth boundary: the engine reads the threat truth only through
:mod:`shieldlab.sim.oracle` (measurements, and the physics of shots and
beams); every decision is taken by :mod:`shieldlab.sim.decide` from the track
picture, the launch reports, the features measured on tracks and the
kill-assessment reports, given a :class:`~shieldlab.sim.defense.Defense` (the
world without its truth).

Time loop (Python over time steps only, arrays over objects and tracks):

1. truth: sample the precomputed threat trajectories; killed objects are
   masked out ("alive" mask — the only feedback from the fight to truth);
   the debris of a kinetic kill stays visible to the sensors for
   :data:`~shieldlab.sim.oracle.DEBRIS_VISIBLE_S`;
2. sensing, each layer on its own revisit: warning satellites (launch
   reports with the plume's measured position and the report latency); the
   LEO/MEO IR tracking layer (angles-only detections with a measured
   intensity, :mod:`shieldlab.sensors.ir_track`); ground, sea and airborne
   radars ((range, az, el), a discrimination feature per look);
3. tracking: ONE centralised multi-sensor tracker
   (:class:`~shieldlab.tracking.tracker.GnnTracker`) fuses the measurements of
   all layers into one track picture. Radar detections near a plume the
   warning layer saw in its last frame are withheld from the ballistic
   filter (boost is not ballistic; gated on measured positions);
4. decide: every ``decision_interval_s`` (:func:`~shieldlab.sim.decide.decide`):
   eligible tracks, launch-report correlation by geometry, classification
   by kinematics and discrimination, threat evaluation, fly-out planning and
   weapon-target assignment; a shot is aimed at the track's predicted
   intercept point;
5. fight: at its intercept time the kill vehicle homes on what its seeker
   sees around the aimed track's latest estimate of that point
   (:func:`~shieldlab.sim.oracle.resolve_shot`): the RV, a decoy, another
   object or nothing — false and duplicate tracks waste interceptors, decoys
   absorb them. A kill-assessment look reports the outcome, right or wrong
   (:func:`~shieldlab.sim.oracle.assess_kill`); with shoot-look-shoot a track
   reported alive is eligible again after the look. Lasers and microwaves
   are cued by the picture and their own sensors and act on what is there
   (:mod:`shieldlab.sim.oracle.beams`).

Custody (the metric the sensor layers exist for, scored against truth) is
sampled at every decision epoch: per truth object, the fraction of its
flight (launch to impact or kill) held by a confirmed track within
:data:`CUSTODY_GATE_M`, within the scenario's fire-control error, and held by
each sensor layer (a track updated by that layer within 2.5 of the layer's
revisit periods), plus the number of track handovers
(:func:`shieldlab.tracking.metrics.custody`).

Named shortcut (:data:`~shieldlab.sim.oracle.TRUTH_SHORTCUTS`): the SBI
layer's fire control flies the truth boost path of a reported launch.

Randomness: the trial's generator streams (sensing, fight) come from
``SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial))``, so a trial's result
depends only on the scenario, seed and trial index — never on the worker.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.threat_eval import threatened_asset
from shieldlab.core.frames import ecef_to_geodetic, eci_to_ecef, geodetic_to_ecef
from shieldlab.core.time import gmst_at
from shieldlab.sensors.ir_track import body_intensity_w_sr, ir_track_geometry
from shieldlab.sensors.measurements import Measurements
from shieldlab.sensors.radar import RadarSite, radar_visible
from shieldlab.sim import oracle
from shieldlab.sim.decide import (
    LaunchReports,
    Shots,
    TrackBook,
    add_features,
    decide,
    feature_information,
)
from shieldlab.sim.defense import Defense
from shieldlab.sim.oracle import BODY_AREA_M2, BODY_EMISSIVITY, BODY_TEMP_K, beams
from shieldlab.sim.world import SENSOR_LAYERS, TRIAL_STREAM, World
from shieldlab.threats import LETHAL_KINDS
from shieldlab.tracking import site_geometry
from shieldlab.tracking.ekf import SiteGeometry, radar_fix
from shieldlab.tracking.impact import propagate
from shieldlab.tracking.metrics import custody
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig
from shieldlab.weapons.effects import apply_launch_failures, displace_aim_points

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

KILLED, LEAKED, NO_THREAT = 1, 2, 3
STATUS_NAMES = {KILLED: "killed", LEAKED: "leaked", NO_THREAT: "no_threat"}
CUSTODY_GATE_M = 20_000.0
"""A confirmed track within this distance of an object holds it (custody, any quality) [m]."""
HOLD_REVISITS = 2.5
"""A layer holds a track updated by it within this many of its revisit periods."""
TRACKER = TrackerConfig(
    q_m2_s3=1.0,
    M=3,
    N=5,
    K=4,
    n_layers=len(SENSOR_LAYERS),
    level_max_alt_m=20_000.0,
    level_max_speed_mps=1_200.0,
    glide_max_alt_m=100_000.0,
    glide_max_gamma_rad=math.radians(10.0),
)
"""Tracker of the engine: M/N = 3/5 confirmation, deletion after 4 counting misses;
tracks below 20 km and 1.2 km/s (cruise missiles, drones; an RV is faster until
its last seconds) are predicted as level flight; faster tracks below 100 km within
±10° of level (glide vehicles) without gravity and with the manoeuvre noise."""


@dataclass(frozen=True)
class TrialResult:
    """Outcome of one trial: per threat object (n,), per shot (m,), per layer (L)."""

    trial: int
    status: NDArray[np.int8]
    killed_by_shot: I64
    kill_time_s: F64
    hit_asset: I64
    launch_report_s: F64
    first_track_s: F64
    shot_threat: I64
    """(m,) the object each shot's kill vehicle met (−1: nothing there — a ghost track,
    or a miss by more than the seeker's basket)."""
    shot_site: I64
    shot_decision_s: F64
    shot_launch_s: F64
    shot_intercept_s: F64
    shot_intercept_alt_m: F64
    shot_pk: F64
    shot_hit: NDArray[np.bool_]
    custody: F64 = field(default_factory=lambda: np.empty(0))
    """Fraction of each object's flight held by a confirmed track (NaN: never flew)."""
    custody_fc: F64 = field(default_factory=lambda: np.empty(0))
    """Fraction held within the fire-control error."""
    custody_layer: F64 = field(default_factory=lambda: np.empty((0, 0)))
    """(n, L) fraction held by a track that layer updated recently (SENSOR_LAYERS order)."""
    handovers: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    """Changes of the confirmed track holding each object (track handovers)."""
    sensor_handovers: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    """Hand-offs between sensor layers: a layer starts holding the object's track
    while another layer held it at the previous decision epoch."""
    tracks_started: int = 0
    """Tracks initiated in the trial (confirmed or not, false ones included)."""
    prelaunch_killed: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(n,) objects whose launcher was destroyed before launch (left of launch)."""
    launch_failed: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(n,) objects whose launch failed under the defender's EW/cyber effects."""
    boost_killed: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(n,) objects destroyed with their missile in boost (SBI layer)."""
    boost_shots: BoostShots | None = None
    """The trial's boost-phase shots (None: no SBI layer)."""
    laser_killed: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(n,) objects burnt by a high-energy laser."""
    hpm_killed: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(n,) objects defeated by a high-power microwave weapon (also in ``laser_killed``,
    the directed-energy kills)."""
    hpm_shots: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    """(weapons,) shots fired by each high-power microwave weapon."""
    hpm_log: dict[str, np.ndarray] | None = None
    """Microwave shots of the trial (:meth:`_HpmState.record`), None if none."""
    laser_shots: dict[str, np.ndarray] | None = None
    """Laser dwells of the trial: columns laser, object, start_s, end_s, killed, fluence."""
    impact_lat_rad: F64 = field(default_factory=lambda: np.empty(0))
    """(n,) impact latitude of the trial (nominal, or moved by degraded guidance) [rad]."""
    impact_lon_rad: F64 = field(default_factory=lambda: np.empty(0))
    shot_intercept_lat_rad: F64 = field(default_factory=lambda: np.empty(0))
    """(m,) planned intercept point (geodetic latitude) [rad]."""
    shot_intercept_lon_rad: F64 = field(default_factory=lambda: np.empty(0))
    shot_planned_miss_m: F64 = field(default_factory=lambda: np.empty(0))
    """(m,) handover error the kill vehicle had to remove [m] (NaN: not resolved)."""
    shot_achieved_miss_m: F64 = field(default_factory=lambda: np.empty(0))
    """(m,) miss left after the divert [m] (0: in reach)."""
    shot_c2_delay_s: F64 = field(default_factory=lambda: np.empty(0))
    """(m,) decide → launch delay of the C2 chain at each shot's decision [s] (NaN: no c2)."""
    shot_c2_extra_s: F64 = field(default_factory=lambda: np.empty(0))
    """(m,) part of that delay due to degraded links and nodes [s] (battle space lost)."""
    c2_cut: int = 0
    """Fire-unit decision epochs with engageable tracks at which the C2 chain was cut."""
    shot_assessed_kill: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    """(m,) the kill-assessment report of each shot ("killed"), right or wrong."""
    shot_track: I64 = field(default_factory=lambda: np.empty(0, np.int64))
    """(m,) the track id each shot was aimed at (``shot_threat``: the object the kill
    vehicle met, −1 when it found nothing)."""


@dataclass
class _CustodyLog:
    """Per decision epoch: truth positions and the confirmed track picture."""

    truth: list[F64] = field(default_factory=list)
    exists: list[BoolArr] = field(default_factory=list)
    tracks: list[F64] = field(default_factory=list)
    ids: list[I64] = field(default_factory=list)
    layers: list[BoolArr] = field(default_factory=list)
    t_s: list[float] = field(default_factory=list)


SENSING_STREAM, FIGHT_STREAM, LOL_STREAM, C2_STREAM = 0, 1, 2, 3
FEATURE_STREAM, EW_STREAM, SBI_STREAM, HPM_STREAM = 4, 5, 6, 7
"""Independent random streams of a trial: sensing, fight, left of launch, C2 message
losses, discrimination features, EW/cyber, boost-phase shots, microwave effects."""


def trial_stream(stream: int, seed: int, trial: int) -> np.random.Generator:
    """Generator of one stream of one trial: ``SeedSequence(seed, spawn_key=(TRIAL_STREAM,
    trial, stream))`` — the ``stream``-th child of the trial's sequence, so a trial's
    result depends only on the scenario, seed and trial index."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial, stream))
    )


def trial_rngs(seed: int, trial: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent (sensing, fight) generators of one trial."""
    return trial_stream(SENSING_STREAM, seed, trial), trial_stream(FIGHT_STREAM, seed, trial)


def nonkinetic_effects(world: World, trial: int) -> tuple[BoolArr, F64, F64]:
    """EW/cyber effects of a trial (scenario ``ew_cyber``, layer ``ew-cyber``).

    Returns per object (n,): its launch failed; impact latitude and longitude
    [rad] after guidance degradation (:mod:`shieldlab.weapons.effects`: one
    failure draw and one degradation draw per launch; a degraded launch's
    objects all land ``aim_miss_km`` away from their nominal impact at one
    random azimuth). Stated shortcut: the trajectory is not re-flown — only the
    impact point that decides leakage moves (the defence tracks the nominal
    flight).
    """
    s = world.scenario
    tr = world.truth
    n = tr.t_launch_s.size
    lat, lon = tr.impact_lat_rad.copy(), tr.impact_lon_rad.copy()
    ew = s.ew_cyber
    if ew is None or "ew-cyber" in s.disabled_layers or world.launches is None:
        return np.zeros(n, bool), lat, lon
    n_l = len(world.launches.threat_type)
    rng = trial_stream(EW_STREAM, s.seed, trial)
    _, failed = apply_launch_failures(np.ones(n_l, bool), ew.p_launch_failure, rng)
    # one impact-point shift per launch, applied to all of its objects
    nominal = geodetic_to_ecef(
        world.launches.aim_lat_rad, world.launches.aim_lon_rad, np.zeros(n_l)
    )
    moved, degraded = displace_aim_points(
        nominal, ew.p_guidance_degraded, ew.aim_miss_km * 1e3, rng
    )
    shift = (moved - nominal)[tr.launch_index]
    deg = degraded[tr.launch_index]
    if deg.any():
        pts = geodetic_to_ecef(lat[deg], lon[deg], np.zeros(int(deg.sum()))) + shift[deg]
        la, lo, _ = ecef_to_geodetic(pts)
        lat[deg], lon[deg] = la, lo
    return np.asarray(failed[tr.launch_index]), lat, lon


@dataclass(frozen=True)
class BoostShots:
    """Boost-phase (SBI) shots of one trial (m,): layer index, launch, carrier, firing and
    intercept time [s], Pk and outcome; ``kill_time_s (launches,)`` inf if none killed."""

    layer: I64
    launch: I64
    carrier: I64
    fire_s: F64
    intercept_s: F64
    pk: F64
    hit: NDArray[np.bool_]
    kill_time_s: F64


@dataclass
class _SbiState:
    """Working state of the trial's boost-phase layers.

    Per layer the interceptors left on each carrier (k at the start; carriers are
    shared by all launches of the trial, so the inventory depletes across the
    salvo); per launch whether it has been engaged (or is gone) and when it
    died [s] (inf: not killed); the shot log; the trial's ``SBI_STREAM``.
    """

    left: list[I64]
    done: BoolArr
    kill: F64
    rng: np.random.Generator
    cols: dict[str, list[float]]

    @classmethod
    def start(cls, world: World, trial: int, gone: BoolArr) -> _SbiState:
        n_l = 0 if world.launches is None else len(world.launches.threat_type)
        done = np.zeros(n_l, bool)
        done[world.truth.launch_index[gone]] = True
        return cls(
            [np.full(x.n_carriers, x.spec.interceptors_per_carrier) for x in world.sbi],
            done,
            np.full(n_l, np.inf),
            trial_stream(SBI_STREAM, world.scenario.seed, trial),
            {k: [] for k in ("layer", "launch", "carrier", "fire", "t", "pk", "hit")},
        )

    def engage(self, world: World, l_i: int, cue_s: float) -> None:
        """Every layer fires at launch ``l_i`` at ``cue_s`` + its decision delay.

        Each layer fires up to the doctrine's ``shots_per_threat`` interceptors
        from the carriers in reach (:meth:`SbiLayer.reach_times`) that still hold
        interceptors, earliest intercept first; each kills the boosting missile
        (and every object it would release) with the layer's Pk (independent
        draws). Layers in scenario order, all on the same cue (no look between
        layers: the boost phase is too short).
        """
        self.done[l_i] = True
        shots = world.scenario.doctrine.shots_per_threat
        for li, layer in enumerate(world.sbi):  # layers: a handful
            fire = cue_s + layer.decision_delay_s
            left = self.left[li]
            t_r = np.where(left > 0, layer.reach_times(l_i, fire), np.inf)
            used = 0
            for c in np.argsort(t_r, kind="stable"):  # carriers in reach, earliest first
                if used == shots or not np.isfinite(t_r[c]):
                    break
                take = min(shots - used, int(left[c]))
                for _ in range(take):
                    hit = bool(self.rng.random() < layer.pk)
                    for key, v in (
                        ("layer", li),
                        ("launch", l_i),
                        ("carrier", int(c)),
                        ("fire", fire),
                        ("t", float(t_r[c])),
                        ("pk", layer.pk),
                        ("hit", hit),
                    ):
                        self.cols[key].append(v)
                    if hit:
                        self.kill[l_i] = min(self.kill[l_i], float(t_r[c]))
                left[c] -= take
                used += take

    def record(self) -> BoostShots:
        c = self.cols
        return BoostShots(
            np.asarray(c["layer"], np.int64),
            np.asarray(c["launch"], np.int64),
            np.asarray(c["carrier"], np.int64),
            np.asarray(c["fire"], np.float64),
            np.asarray(c["t"], np.float64),
            np.asarray(c["pk"], np.float64),
            np.asarray(c["hit"], bool),
            self.kill.copy(),
        )


def _per_launch_min(world: World, values: F64) -> F64:
    """Per launch (m,): the smallest of its objects' ``values (n,)`` (NaN as inf)."""
    n_l = 0 if world.launches is None else len(world.launches.threat_type)
    out = np.full(n_l, np.inf)
    np.minimum.at(out, world.truth.launch_index, np.where(np.isnan(values), np.inf, values))
    return out


def launch_cue_s(world: World, report_s: F64) -> F64:
    """Per launch (m,): when the boost-phase layer is cued [s from epoch] — the
    earliest launch report of its objects from the warning layer (inf: not
    reported yet). With no warning sensor in the scenario nothing cues it (inf:
    the layer never fires; ``run`` warns)."""
    if not (world.geo_ir or world.warning):
        return np.full(0 if world.launches is None else len(world.launches.threat_type), np.inf)
    return _per_launch_min(world, report_s)


def boost_phase_engagements(
    world: World, trial: int, gone: BoolArr, cue_s: F64 | None = None
) -> BoostShots:
    """Engage every launch with the SBI layers, in cue order (:meth:`_SbiState.engage`).

    ``cue_s (m,)``: when each launch is cued [s from epoch] (default: at its
    launch); launches not cued (inf) or ``gone`` (objects (n,) removed before
    launch) are not engaged. The engine engages launches the same way, step by
    step, as the warning layer reports them.
    """
    st = _SbiState.start(world, trial, gone)
    if cue_s is None:
        cue_s = _per_launch_min(world, world.truth.t_launch_s)
    if world.sbi:
        for l_i in np.argsort(cue_s, kind="stable"):
            if not st.done[l_i] and np.isfinite(cue_s[l_i]):
                st.engage(world, int(l_i), float(cue_s[l_i]))
    return st.record()


def left_of_launch_kills(world: World, trial: int) -> BoolArr:
    """Objects (n,) whose launcher a strike destroyed before it fired in this trial.

    Per launch: found with p_find, then destroyed with p_kill (two uniform
    draws per launch from the trial's ``LOL_STREAM``, whatever the types), only
    for the section's threat types (all when empty). None when the scenario
    has no ``left_of_launch`` section or switches the layer off.
    """
    s = world.scenario
    n = world.truth.t_launch_s.size
    lol = s.left_of_launch
    if lol is None or "left-of-launch" in s.disabled_layers or world.launches is None:
        return np.zeros(n, bool)
    launches = world.launches
    n_l = len(launches.threat_type)
    rng = trial_stream(LOL_STREAM, s.seed, trial)
    u = rng.random((n_l, 2))
    eligible = np.array([not lol.types or t in lol.types for t in launches.threat_type], bool)
    destroyed = eligible & (u[:, 0] < lol.p_find) & (u[:, 1] < lol.p_kill)
    return np.asarray(destroyed[world.truth.launch_index])


def surface_radars(world: World) -> list[tuple[RadarSite, int]]:
    """All radars of a world as sites with their sensor layer (:meth:`World.surface_radars`)."""
    return list(world.surface_radars())


def _layer_hold_s(world: World) -> F64:
    """Hold window of each sensor layer [s]; −1 for a layer the world does not have."""
    hold = np.full(len(SENSOR_LAYERS), -1.0)
    periods: list[list[float]] = [[] for _ in SENSOR_LAYERS]
    for layer in world.ir_tracking:
        periods[0].append(layer.revisit_s)
    for site, k in surface_radars(world):
        periods[k].append(site.revisit_s)
    for k, p in enumerate(periods):
        if p:
            hold[k] = HOLD_REVISITS * max(p)
    return hold


def _step_s(world: World) -> float:
    periods = [r.revisit_s for r, _ in surface_radars(world)]
    periods += [g.frame_s for g in world.geo_ir] + [x.revisit_s for x in world.ir_tracking]
    periods += [w.sensor.frame_s for w in world.warning]
    periods.append(world.scenario.doctrine.decision_interval_s)
    return float(min(periods))


def _strike(
    killed: BoolArr, when: F64 | float, alive: BoolArr, kill_time: F64, *flags: BoolArr
) -> None:
    """Objects ``killed`` (n,) die: out of ``alive``, their kill time set from ``when``
    (a time [s] or per-object times (n,)), marked in every flag array. In place."""
    if killed.any():
        alive &= ~killed
        kill_time[killed] = when[killed] if isinstance(when, np.ndarray) else when
        for f in flags:
            f |= killed


def _radar_coverage(radar: RadarSite, gmst: float) -> Callable[[F64], BoolArr]:
    """Tracks inside the radar's field of view (range, elevation, azimuth sector)."""

    def cover(r_eci: F64) -> BoolArr:
        vis, _, _, _ = radar_visible(radar, eci_to_ecef(r_eci, gmst))
        return np.asarray(vis, dtype=bool)

    return cover


def _ir_coverage(sensor: object, sats: F64) -> Callable[[F64], BoolArr]:
    """Tracks the IR layer expects to detect: Pd ≥ 0.5 from some satellite for the
    nominal 300 K RV body (a cold object against the Earth is not expected)."""
    from shieldlab.sensors.ir_track import LeoIrTrackingSensor

    assert isinstance(sensor, LeoIrTrackingSensor)
    nominal = float(body_intensity_w_sr(BODY_TEMP_K, BODY_AREA_M2, BODY_EMISSIVITY, sensor.band_m))

    def cover(r_eci: F64) -> BoolArr:
        if r_eci.shape[0] == 0:
            return np.zeros(0, bool)
        g = ir_track_geometry(sensor, sats, r_eci, np.full(r_eci.shape[0], nominal))
        return np.asarray(g.pd.max(axis=0) >= 0.5)

    return cover


def _log_custody(
    log: _CustodyLog, tracker: GnnTracker, t: float, r_eci: F64, exists: BoolArr, hold: F64
) -> None:
    x, ids = tracker.confirmed_states(t)
    rows = np.flatnonzero(tracker.confirmed)
    log.truth.append(r_eci.copy())
    log.exists.append(exists.copy())
    log.tracks.append(x[:, :3])
    log.ids.append(ids)
    log.layers.append((t - tracker.layer_t_s[rows]) <= hold[None, :])
    log.t_s.append(t)


def _custody(log: _CustodyLog, n: int, fc_error_m: float, present: BoolArr) -> dict[str, F64]:
    """Custody per object from the decision-epoch log (see module docstring);
    ``present (L,)`` the sensor layers the world has (others: NaN)."""
    n_t = len(log.t_s)
    n_l = len(SENSOR_LAYERS)
    if n_t == 0:
        nan = np.full(n, np.nan)
        return {
            "custody": nan,
            "custody_fc": nan.copy(),
            "custody_layer": np.full((n, n_l), np.nan),
            "handovers": np.zeros(n),
            "sensor_handovers": np.zeros(n),
            "first_track_s": nan.copy(),
        }
    width = max(1, max(i.size for i in log.ids))
    tp = np.full((n_t, width, 3), np.nan)
    tv = np.zeros((n_t, width), bool)
    tid = np.full((n_t, width), -1, np.int64)
    tl = np.zeros((n_t, width, n_l), bool)
    for s in range(n_t):  # loop over epochs
        c = log.ids[s].size
        tp[s, :c], tv[s, :c], tid[s, :c], tl[s, :c] = log.tracks[s], True, log.ids[s], log.layers[s]
    up = np.stack(log.truth)
    ex = np.stack(log.exists)
    held = custody(up, ex, tp, tv, tid, CUSTODY_GATE_M)
    fc = custody(up, ex, tp, tv, tid, fc_error_m)
    per_layer = np.full((n, n_l), np.nan)
    for j in np.flatnonzero(present):  # layers: a handful
        per_layer[:, j] = custody(up, ex, tp, tv & tl[..., j], tid, CUSTODY_GATE_M).fraction
    # sensor handovers: a layer starts holding the object's track while another
    # layer held it at the previous epoch (cue / hand-off between sensors)
    slot = np.argmax(tid[:, :, None] == held.holder_id[:, None, :], axis=1)  # (T, n)
    by_layer = np.take_along_axis(tl, slot[:, :, None], axis=1)  # (T, n, L)
    by_layer &= (held.holder_id >= 0)[:, :, None] & present[None, None, :]
    gained = by_layer[1:] & ~by_layer[:-1]
    others_before = (by_layer[:-1].sum(axis=2, keepdims=True) - by_layer[:-1]) > 0
    sensor_handovers = (gained & others_before).sum(axis=(0, 2))
    t_arr = np.asarray(log.t_s)
    has = held.holder_id >= 0
    first = np.where(has.any(axis=0), t_arr[np.argmax(has, axis=0)], np.nan)
    return {
        "custody": held.fraction,
        "custody_fc": fc.fraction,
        "custody_layer": per_layer,
        "handovers": held.handovers.astype(np.float64),
        "sensor_handovers": sensor_handovers.astype(np.float64),
        "first_track_s": first,
    }


BOOST_WITHHOLD_M = 20_000.0
BOOST_WITHHOLD_MPS = 5_000.0
"""A radar detection within 20 km + 5 km/s × age of a plume the warning layer saw in
its last frame is withheld from the ballistic filter (boost is not ballistic): the
gate is on measured positions, not on object identity."""


@dataclass
class _Trial:
    """Working state of one trial (truth side and defence side kept apart: the
    defence's part is ``defense``, ``tracker``, ``book``, ``reports``, ``shots``,
    ``inventory``; everything else is truth bookkeeping of the engine)."""

    world: World
    defense: Defense
    trial: int
    rng_sense: np.random.Generator
    rng_fight: np.random.Generator
    rng_feature: np.random.Generator
    alive: BoolArr
    kill_time: F64
    killed_by: I64
    debris_until: F64
    first_ir: F64
    report_s: F64
    plumes: list[tuple[float, F64]]
    tracker: GnnTracker
    book: TrackBook
    reports: LaunchReports
    shots: Shots
    inventory: I64
    radars: tuple[tuple[RadarSite, int], ...]
    geometry: SiteGeometry
    """Site geometry of ``radars`` (computed once per trial, indexed by sensor)."""

    def visible(self, exists_flying: BoolArr, t: float) -> BoolArr:
        """Objects the sensors can see: flying and alive, or debris of a kinetic kill."""
        debris = ~self.alive & (t <= self.debris_until)
        return np.asarray(exists_flying | (debris & self._flying))

    _flying: BoolArr = field(default_factory=lambda: np.zeros(0, bool))


def _warning_frames(
    st: _Trial, t: float, k: int, r_eci: F64, exists: BoolArr, gmst: float, due: list[int]
) -> None:
    """Frames of the due warning sensors: first sightings become launch reports (with
    the plume's measured position); every sighting is kept for the boost gate."""
    w = st.world
    latency = [g.report_latency_s for g in w.geo_ir] + [
        x.sensor.report_latency_s for x in w.warning
    ]
    for i in due:
        det = oracle.warning_frame(w, i, t, k, r_eci, exists, gmst, st.rng_sense)
        new = det & np.isnan(st.first_ir)
        pos = oracle.plume_positions(r_eci, det, gmst, st.rng_sense)
        st.plumes.append((t, pos))
        oracle.add_reports(st.reports, t, latency[i], pos[new[det]])
        st.first_ir[new] = t
        st.report_s = np.fmin(st.report_s, st.first_ir + latency[i])


def _boost_gate(
    st: _Trial, meas: Measurements, radar_i: int, t: float, gmst: float
) -> Measurements:
    """Withhold the radar detections near a recent plume sighting (see
    :data:`BOOST_WITHHOLD_M`)."""
    recent = [(ts, p) for ts, p in st.plumes if t - ts <= 2.0 * _max_warning_frame(st.world)]
    st.plumes = recent
    if not recent or not len(meas):
        return meas
    geo = st.geometry
    r_fix, _ = radar_fix(
        meas.z,
        meas.sigma,
        np.broadcast_to(geo.ecef_m[radar_i], (len(meas), 3)),
        np.broadcast_to(geo.enu[radar_i], (len(meas), 3, 3)),
        gmst,
    )
    pos = eci_to_ecef(r_fix, gmst)
    keep = np.ones(len(meas), bool)
    for ts, p in recent:  # warning frames in the window: a few
        if p.shape[0]:
            d = np.linalg.norm(pos[:, None, :] - p[None, :, :], axis=-1).min(axis=1)
            keep &= d > BOOST_WITHHOLD_M + BOOST_WITHHOLD_MPS * (t - ts)
    return meas.select(np.flatnonzero(keep))


def _max_warning_frame(world: World) -> float:
    warners = list(world.geo_ir) + [w.sensor for w in world.warning]
    return max((g.frame_s for g in warners), default=0.0)


def _radar_scan(
    st: _Trial, i: int, t: float, k: int, r_eci: F64, v_eci: F64, vis: BoolArr, gmst: float
) -> None:
    """One radar scan: measure (oracle), gate out boost, track, accumulate features."""
    radar, layer_k = st.radars[i]
    meas = oracle.radar_look(
        st.world, radar, i, layer_k, t, r_eci, v_eci, k, vis, gmst, st.rng_sense
    )
    meas = _boost_gate(st, meas, i, t, gmst)
    tid = st.tracker.process_scan(
        meas,
        st.geometry,
        st.world.epoch,
        sensor_index=i,
        t_s=t,
        layer=layer_k,
        coverage=_radar_coverage(radar, gmst),
    )
    if len(meas):
        snr = oracle.look_snr(st.world, radar, meas, k)
        info = feature_information(st.defense, st.book, i, tid, snr)
        y = oracle.feature_looks(st.world, meas, info, st.rng_feature)
        add_features(st.book, tid, info, y)


def _de_cues(
    st: _Trial, t: float, r_eci: F64, v_eci: F64, vis: BoolArr, gmst: float
) -> tuple[list[F64], list[F64]]:
    """Cue positions (ECI) for each laser and microwave weapon: the fused picture's
    tracks classified as cruise missiles/drones, plus its own sensor's detections."""
    x, _ = st.tracker.confirmed_states(t)
    fused = beams.level_cues(x)
    sites = [(w.r_ecef_m, w.own_sensor_range_m) for w in st.world.lasers]
    sites += [(w.r_ecef_m, w.own_sensor_range_m) for w in st.world.hpm]
    out: list[F64] = []
    for site_ecef, r50 in sites:  # directed-energy weapons: a handful
        own = beams.own_sensor_cues(site_ecef, r50, r_eci, v_eci, vis, gmst, st.rng_sense)
        out.append(np.concatenate([fused, beams.level_cues(own)]))
    n_l = len(st.world.lasers)
    return out[:n_l], out[n_l:]


def _resolve_shots(st: _Trial, t: float, gmst_fn: Callable[[float], float]) -> None:
    """Resolve, in intercept-time order, the shots whose intercept time has come.

    Per shot: the handover point is the aimed track's estimate at the intercept
    time when the track still exists (in-flight target updates), else the PIP
    of the decision; the oracle resolves what the kill vehicle meets there
    (:func:`~shieldlab.sim.oracle.resolve_shot`) and what the kill-assessment
    look reports (:func:`~shieldlab.sim.oracle.assess_kill`). The battle
    manager learns only the report: a track reported killed is not engaged
    again; otherwise, with shoot-look-shoot, it is eligible again after the
    look (``kill_assessment_s``)."""
    shots, book, tracker = st.shots, st.book, st.tracker
    doc = st.defense.doctrine
    fly = shots.in_flight()
    due = [int(i) for i in fly if shots.intercept_t_s[i] <= t]
    due.sort(key=lambda i: (shots.intercept_t_s[i], i))
    for i in due:  # a handful per step: shots, not objects, and order matters
        tid = shots.track[i]
        t_int = shots.intercept_t_s[i]
        handover = shots.pip_eci_m[i]
        row = np.flatnonzero(tracker.track_id == tid)
        if row.size:  # in-flight target update: the track's latest estimate
            x0, t0 = tracker.x[row[0]], float(tracker.t_s[row[0]])
            if tracker.level_flight()[row[0]]:  # level flyers and gliders: straight line
                handover = x0[:3] + x0[3:] * (t_int - t0)
            else:
                handover = propagate(x0[None, :], t0, np.array([t_int]))[0, 0, :3]
        obj, dist, miss, hit = oracle.resolve_shot(
            st.world, shots, i, handover, st.alive, st.rng_fight
        )
        shots.threat[i] = obj
        shots.planned_miss_m[i] = dist
        shots.achieved_miss_m[i] = miss
        shots.hit[i] = hit
        shots.resolved[i] = True
        if hit and st.alive[obj]:
            st.alive[obj] = False
            st.kill_time[obj] = t_int
            st.killed_by[obj] = i
            st.debris_until[obj] = t_int + oracle.DEBRIS_VISIBLE_S
        gm = gmst_fn(t_int + doc.kill_assessment_s)
        said = oracle.assess_kill(st.defense, shots.pip_eci_m[i], t_int, gm, hit, st.rng_fight)
        shots.assessed_kill[i] = said
        book.in_flight[tid] -= 1
        if said:
            book.dead[tid] = True
        if book.in_flight[tid] == 0:
            book.engageable[tid] = doc.shoot_look_shoot and not book.dead[tid]
            book.next_eval[tid] = t_int + doc.kill_assessment_s


@dataclass
class _Next:
    """Next due time [s] of each periodic event: warning frames, IR tracking frames,
    radar scans (per sensor), the decision epoch and the directed-energy tick."""

    warn: F64
    irt: F64
    radar: F64
    decision: F64
    de: F64


def _next_event(
    st: _Trial, t: float, nxt: _Next, has_de: bool, sbi: _SbiState, boost_kill_s: F64
) -> float | None:
    """Time of the next due event after ``t`` (None: nothing will happen any more).

    Over quiet sky — nothing flying or visible, no confirmed track, no shot in
    flight — every periodic event is moved, in phase, to the next launch (the
    radars' false alarms of an empty sky are not drawn there: stated)."""
    truth = st.world.truth
    quiet = (
        not st._flying.any() and not st.tracker.confirmed.any() and st.shots.in_flight().size == 0
    )
    if quiet:
        later = truth.t_launch_s[truth.t_launch_s > t + 1e-9]
        if later.size == 0:
            return None
        t_l = float(later.min())
        for arr, period in (
            (
                nxt.warn,
                [w.frame_s for w in (*st.world.geo_ir, *[x.sensor for x in st.world.warning])],
            ),
            (nxt.irt, [x.revisit_s for x in st.world.ir_tracking]),
            (nxt.radar, [r.revisit_s for r, _ in st.radars]),
            (nxt.decision, [st.defense.doctrine.decision_interval_s]),
            (nxt.de, [_step_s(st.world)]),
        ):
            p = np.asarray(period, dtype=np.float64)
            if arr.size:
                arr += np.maximum(np.ceil((t_l - arr) / p - 1e-9), 0.0) * p
    cands = [nxt.warn, nxt.irt, nxt.radar, nxt.decision]
    if has_de:
        cands.append(nxt.de)
    fly = st.shots.in_flight()
    if fly.size:
        cands.append(np.asarray(st.shots.intercept_t_s)[fly])
    if st.world.sbi:
        cue = launch_cue_s(st.world, st.report_s)
        cands.append(cue[~sbi.done & np.isfinite(cue)])
    cands.append(boost_kill_s[st.alive & np.isfinite(boost_kill_s)])
    allc = np.concatenate([np.atleast_1d(c) for c in cands])
    allc = allc[allc > t + 1e-9]
    return float(allc.min()) if allc.size else None


def run_trial(
    world: World, trial: int, time_advance: Literal["event", "fixed"] = "event"
) -> TrialResult:
    """Fly one Monte Carlo trial of the world's raid through the defence.

    ``time_advance``: "event" (default) jumps from one due event to the next —
    a sensor look, a warning frame, a decision epoch, a shot's intercept time, a
    boost-phase cue or kill, a directed-energy tick while something flies — and
    over quiet sky (nothing flying, no confirmed track, no shot in flight) to
    the next launch, ending after the last impact; "fixed" steps by the
    smallest sensor or decision period until the last impact (the former
    engine, kept to show the two agree, ``tests/sim/test_event_time.py``)."""
    truth = world.truth
    doc = world.scenario.doctrine
    rng_sense, rng_fight = trial_rngs(world.scenario.seed, trial)
    n = truth.r_eci_m.shape[0]
    dt_truth = float(truth.t_s[1] - truth.t_s[0])
    step = _step_s(world)
    t_end = float(np.max(truth.t_impact_s)) + step

    prelaunch = left_of_launch_kills(world, trial)
    failed, impact_lat, impact_lon = nonkinetic_effects(world, trial)
    failed &= ~prelaunch
    alive = ~(prelaunch | failed)
    defense = world.defense()
    radars = defense.radars
    warners = list(world.geo_ir) + [w.sensor for w in world.warning]
    st = _Trial(
        world=world,
        defense=defense,
        trial=trial,
        rng_sense=rng_sense,
        rng_fight=rng_fight,
        rng_feature=trial_stream(FEATURE_STREAM, world.scenario.seed, trial),
        alive=alive,
        kill_time=np.where(~alive, truth.t_launch_s, np.nan),
        killed_by=np.full(n, -1, np.int64),
        debris_until=np.full(n, -np.inf),
        first_ir=np.full(n, np.nan),
        report_s=np.full(n, np.nan) if warners else np.zeros(n),
        plumes=[],
        tracker=GnnTracker(TRACKER),
        book=TrackBook(
            n_radars=len(radars), rng_c2=trial_stream(C2_STREAM, world.scenario.seed, trial)
        ),
        reports=LaunchReports(),
        shots=Shots(),
        inventory=np.array([s.inventory for s in world.sites], dtype=np.int64),
        radars=radars,
        geometry=site_geometry([r for r, _ in radars]),
    )
    sbi = _SbiState.start(world, trial, ~alive)
    boost_kill_s = np.full(n, np.inf)
    boost_killed = np.zeros(n, bool)
    log = _CustodyLog()
    hold = _layer_hold_s(world)
    next_radar = np.zeros(len(radars))
    next_warn = np.zeros(len(warners))
    next_irt = np.zeros(len(world.ir_tracking))
    ir_offset = np.cumsum([0] + [x.constellation.n for x in world.ir_tracking])
    lasers = beams.LaserState.start(world, n)
    hpm = beams.HpmState.start(world, trial_stream(HPM_STREAM, world.scenario.seed, trial))
    de_killed = np.zeros(n, bool)
    hpm_killed = np.zeros(n, bool)

    def gmst_fn(tt: float) -> float:
        return float(gmst_at(world.epoch, tt))

    nxt = _Next(next_warn, next_irt, next_radar, np.array([0.0]), np.array([0.0]))
    has_de = bool(world.lasers or world.hpm)
    t, i_step = 0.0, 0
    while t <= t_end + 1e-9:
        k = min(round(t / dt_truth), truth.t_s.size - 1)
        r_eci, v_eci = truth.state_at(t)
        # boost-phase kills take the whole launch
        _strike(st.alive & (boost_kill_s <= t), boost_kill_s, st.alive, st.kill_time, boost_killed)
        gmst = gmst_fn(t)
        _resolve_shots(st, t, gmst_fn)
        exists = oracle.in_flight(world, k, st.alive)
        st._flying = oracle.in_flight(world, k, np.ones(n, bool))
        vis = st.visible(exists, t)

        # sensing: warning layer → launch reports
        due_w = [i for i in range(len(warners)) if t + 1e-9 >= next_warn[i]]
        for i in due_w:
            next_warn[i] += warners[i].frame_s
        if due_w:
            _warning_frames(st, t, k, r_eci, exists, gmst, due_w)
        # boost-phase layer: fire at launches the warning layer has reported
        # (named shortcut: its fire control flies the reported launch's truth path)
        if world.sbi:
            cue = launch_cue_s(world, st.report_s)
            new_l = np.flatnonzero(~sbi.done & (cue <= t + 1e-9))
            for l_i in new_l[np.argsort(cue[new_l], kind="stable")]:
                sbi.engage(world, int(l_i), float(cue[l_i]))
            if new_l.size:
                boost_kill_s = sbi.kill[truth.launch_index]
        # space tracking layer → tracker (one frame per constellation)
        for i, layer in enumerate(world.ir_tracking):
            if t + 1e-9 >= next_irt[i]:
                next_irt[i] += layer.revisit_s
                meas, obs, hot = oracle.ir_frame(
                    world, i, t, k, r_eci, vis, gmst, rng_sense, int(ir_offset[i])
                )
                sats = layer.constellation.positions_eci(t)[:, 0]
                st.tracker.process_angles_frame(
                    meas, obs, t, layer=0, hot=hot, coverage=_ir_coverage(layer.sensor, sats)
                )
        # radars → tracker, scan by scan (empty scans count misses)
        for i in range(len(radars)):
            if t + 1e-9 >= next_radar[i]:
                next_radar[i] += radars[i][0].revisit_s
                _radar_scan(st, i, t, k, r_eci, v_eci, vis, gmst)

        # directed energy, cued by the picture and the weapons' own sensors
        if has_de and t + 1e-9 >= nxt.de[0]:
            nxt.de[0] += step
            cue_l, cue_h = _de_cues(st, t, r_eci, v_eci, vis, gmst)
            if world.lasers:
                killed_now = lasers.step(world, t, step, r_eci, exists & st.alive, gmst, cue_l)
                _strike(killed_now, t, st.alive, st.kill_time, de_killed)
            if world.hpm:
                killed_now = hpm.step(world, t, step, r_eci, exists & st.alive, gmst, cue_h)
                _strike(killed_now, t, st.alive, st.kill_time, de_killed, hpm_killed)

        # decide (and sample custody)
        if t + 1e-9 >= nxt.decision[0]:
            nxt.decision[0] += doc.decision_interval_s
            _log_custody(log, st.tracker, t, r_eci, exists, hold)
            st.book.grow(st.tracker.next_id)
            if st.inventory.sum() > 0:
                decide(defense, st.tracker, st.book, t, st.reports, st.inventory, st.shots)

        if time_advance == "fixed":
            i_step += 1
            t = i_step * step
            continue
        t_next = _next_event(st, t, nxt, has_de, sbi, boost_kill_s)
        if t_next is None:
            break
        t = t_next

    return _result(
        st,
        trial,
        log,
        hold,
        prelaunch,
        failed,
        impact_lat,
        impact_lon,
        boost_killed,
        sbi,
        de_killed,
        lasers,
        hpm_killed,
        hpm,
    )


def _result(
    st: _Trial,
    trial: int,
    log: _CustodyLog,
    hold: F64,
    prelaunch: BoolArr,
    failed: BoolArr,
    impact_lat: F64,
    impact_lon: F64,
    boost_killed: BoolArr,
    sbi: _SbiState,
    de_killed: BoolArr,
    lasers: beams.LaserState,
    hpm_killed: BoolArr,
    hpm: beams.HpmState,
) -> TrialResult:
    """The trial's outcome: survivors land where their true impact point lies."""
    world, shots, alive = st.world, st.shots, st.alive
    truth = world.truth
    n = alive.size
    hit_asset = threatened_asset(
        impact_lat,
        impact_lon,
        world.assets.lat_rad,
        world.assets.lon_rad,
        world.assets.radius_m,
    )
    # only warhead-carrying objects can hit an asset (decoys and the bus cannot)
    lethal = np.isin(truth.object_kind, LETHAL_KINDS)
    hit_asset = np.where(alive & lethal, hit_asset, -1)
    status = np.where(~alive, KILLED, np.where(hit_asset >= 0, LEAKED, NO_THREAT)).astype(np.int8)
    cust = _custody(log, n, world.scenario.doctrine.fire_control_error_km * 1e3, hold >= 0.0)
    return TrialResult(
        trial=trial,
        status=status,
        killed_by_shot=st.killed_by,
        kill_time_s=st.kill_time,
        hit_asset=hit_asset.astype(np.int64),
        launch_report_s=st.report_s,
        first_track_s=cust["first_track_s"],
        shot_threat=np.array(shots.threat, np.int64),
        shot_site=np.array(shots.site, np.int64),
        shot_decision_s=np.array(shots.decision_t_s),
        shot_launch_s=np.array(shots.launch_t_s),
        shot_intercept_s=np.array(shots.intercept_t_s),
        shot_intercept_alt_m=np.array(shots.intercept_alt_m),
        shot_pk=np.array(shots.pk),
        shot_hit=np.array(shots.hit, bool),
        custody=cust["custody"],
        custody_fc=cust["custody_fc"],
        custody_layer=cust["custody_layer"],
        handovers=cust["handovers"].astype(np.int64),
        sensor_handovers=cust["sensor_handovers"].astype(np.int64),
        tracks_started=st.tracker.next_id,
        prelaunch_killed=prelaunch,
        launch_failed=failed,
        impact_lat_rad=impact_lat,
        impact_lon_rad=impact_lon,
        boost_killed=boost_killed,
        boost_shots=sbi.record(),
        laser_killed=de_killed,
        laser_shots=lasers.record(),
        hpm_killed=hpm_killed,
        hpm_shots=hpm.shots.copy(),
        hpm_log=hpm.record(),
        shot_intercept_lat_rad=np.array(shots.intercept_lat_rad),
        shot_intercept_lon_rad=np.array(shots.intercept_lon_rad),
        shot_planned_miss_m=np.array(shots.planned_miss_m),
        shot_achieved_miss_m=np.array(shots.achieved_miss_m),
        shot_c2_delay_s=np.array(shots.c2_delay_s),
        shot_c2_extra_s=np.array(shots.c2_extra_s),
        c2_cut=st.book.c2_cut,
        shot_assessed_kill=np.array(shots.assessed_kill, bool),
        shot_track=np.array(shots.track, np.int64),
    )
