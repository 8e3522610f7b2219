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

Named shortcut (:data:`~shieldlab.sim.oracle.TRUTH_SHORTCUTS`), used only when
asked for (``space_interceptors[].fire_control: truth-path``): the SBI layer's fire
control flies the truth boost path of a reported launch. By default it predicts the
path from the warning layer's plume tracks (:mod:`shieldlab.sim.layers.boost`).

Randomness: the trial's generator streams (sensing, fight) come from
``SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial))``, so a trial's result
depends only on the scenario, seed and trial index — never on the worker.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.threat_eval import threatened_asset
from shieldlab.core.frames import ecef_to_eci, norm3
from shieldlab.core.time import gmst_at
from shieldlab.sensors.ir_track import body_intensity_w_sr, ir_track_covered
from shieldlab.sensors.measurements import Measurements
from shieldlab.sensors.radar import RadarSite, radar_snr, radar_visible_eci, swerling1_pd
from shieldlab.sim import layers, oracle, sharing
from shieldlab.sim.custody_log import (
    CUSTODY_GATE_M as CUSTODY_GATE_M,
    CustodyLog,
    log_epoch,
    per_object,
)
from shieldlab.sim.decide import (
    LaunchReports,
    Shots,
    TrackBook,
    add_features,
    feature_information,
)
from shieldlab.sim.defense import Defense
from shieldlab.sim.layers import LayerShots
from shieldlab.sim.layers.boost import (
    BoostShots as BoostShots,
    boost_phase_engagements as boost_phase_engagements,
    launch_cue_s as launch_cue_s,
)
from shieldlab.sim.layers.ew_cyber import effects as _ew_effects
from shieldlab.sim.layers.left_of_launch import kills as _lol_kills
from shieldlab.sim.oracle import BODY_AREA_M2, BODY_EMISSIVITY, BODY_TEMP_K
from shieldlab.sim.plume_tracks import PlumeTracks
from shieldlab.sim.streams import (
    C2_STREAM,
    FEATURE_STREAM,
    FIGHT_STREAM,
    SENSING_STREAM,
    trial_stream,
)
from shieldlab.sim.threads import one_blas_thread
from shieldlab.sim.world import SENSOR_LAYERS, World
from shieldlab.threats import LETHAL_KINDS
from shieldlab.tracking import site_geometry
from shieldlab.tracking.ekf import SiteGeometry, aer_to_eci_position
from shieldlab.tracking.impact import propagate
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

KILLED, LEAKED, NO_THREAT = 1, 2, 3
STATUS_NAMES = {KILLED: "killed", LEAKED: "leaked", NO_THREAT: "no_threat"}
NOMINAL_RCS_M2 = 0.01
"""RV radar cross-section the defense expects of its radars [m²] (what a miss on a
confirmed track is worth, :func:`_nominal_pd`): −20 dBsm, the nose-on RCS of the
catalog's ICBM RVs (``catalog/threats.yaml`` ``rv_rcs_dbsm``), the smallest
lethal object it must hold."""
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
"""Tracker of the engine: M/N = 3/5 confirmation, deletion after 4 counting misses (a
radar's miss weighted by its expected Pd of the nominal RV, :func:`_nominal_pd`);
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
    layer_kills: dict[str, BoolArr] = field(default_factory=dict)
    """Per layer plug-in present (:mod:`shieldlab.sim.layers`): the objects (n,) it killed."""
    layer_shots: dict[str, LayerShots] = field(default_factory=dict)
    """Per layer plug-in present: its shots (engagement rows, with cost)."""
    layer_records: dict[str, Any] = field(default_factory=dict)
    """Per layer plug-in present: its own detailed log (its state's ``record()``), if any."""
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

    def _kills(self, name: str) -> BoolArr:
        k = self.layer_kills.get(name)
        return k if k is not None else np.zeros(self.status.size, bool)

    @property
    def prelaunch_killed(self) -> BoolArr:
        """(n,) objects whose launcher was destroyed before launch (left of launch)."""
        return self._kills("left-of-launch")

    @property
    def launch_failed(self) -> BoolArr:
        """(n,) objects whose launch failed under the defender's EW/cyber effects."""
        return self._kills("ew-cyber")

    @property
    def boost_killed(self) -> BoolArr:
        """(n,) objects destroyed with their missile in boost (SBI layer)."""
        return self._kills("boost")

    @property
    def laser_killed(self) -> BoolArr:
        """(n,) objects burnt by a high-energy laser."""
        return self._kills("laser")

    @property
    def hpm_killed(self) -> BoolArr:
        """(n,) objects defeated by a high-power microwave weapon."""
        return self._kills("microwave")

    @property
    def boost_shots(self) -> Any:
        """The boost layer's shot log (:class:`~shieldlab.sim.layers.boost.BoostShots`)."""
        return self.layer_records.get("boost")

    @property
    def laser_shots(self) -> dict[str, np.ndarray] | None:
        """Laser dwells: columns laser, object, start_s, end_s, killed, fluence_j_m2."""
        return self.layer_records.get("laser")

    @property
    def hpm_log(self) -> dict[str, np.ndarray] | None:
        """Microwave shots: columns weapon, object, t_s, pk, hit, kills."""
        return self.layer_records.get("microwave")


def trial_rngs(seed: int, trial: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent (sensing, fight) generators of one trial."""
    return trial_stream(SENSING_STREAM, seed, trial), trial_stream(FIGHT_STREAM, seed, trial)


def left_of_launch_kills(world: World, trial: int) -> BoolArr:
    """Objects (n,) whose launcher a strike destroyed before it fired in this trial
    (plug-in ``left-of-launch``; none when the world does not hold it)."""
    return _lol_kills(world, world.parts.get("left-of-launch"), trial)


def nonkinetic_effects(world: World, trial: int) -> tuple[BoolArr, F64, F64]:
    """EW/cyber effects of a trial (plug-in ``ew-cyber``): launch failed (n,), and the
    impact latitude and longitude [rad] after guidance degradation."""
    return _ew_effects(world, world.parts.get("ew-cyber"), trial)


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
    return world.step_s()


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
        vis, _, _, _ = radar_visible_eci(radar, r_eci, gmst)
        return np.asarray(vis, dtype=bool)

    return cover


def _nominal_pd(radar: RadarSite, site_ecef_m: F64, gmst: float) -> Callable[[F64], F64]:
    """The radar's single-look Pd (Swerling 1, mean SNR from the radar equation) of
    the nominal RV (:data:`NOMINAL_RCS_M2`) at ECI positions: what the battle
    manager expects of its own radar, the weight of a miss on a confirmed track
    (:meth:`~shieldlab.tracking.tracker.GnnTracker.process_scan`)."""
    site = ecef_to_eci(site_ecef_m, gmst)

    def pd(r_eci: F64) -> F64:
        snr = radar_snr(radar, norm3(r_eci - site), NOMINAL_RCS_M2)
        return swerling1_pd(snr, radar.pfa)

    return pd


def _ir_coverage(sensor: object, sats: F64) -> Callable[[F64], BoolArr]:
    """Tracks the IR layer expects to detect: Pd ≥ 0.5 from some satellite for the
    nominal 300 K RV body (a cold object against the Earth is not expected)."""
    from shieldlab.sensors.ir_track import LeoIrTrackingSensor

    assert isinstance(sensor, LeoIrTrackingSensor)
    nominal = float(body_intensity_w_sr(BODY_TEMP_K, BODY_AREA_M2, BODY_EMISSIVITY, sensor.band_m))

    def cover(r_eci: F64) -> BoolArr:
        if r_eci.shape[0] == 0:
            return np.zeros(0, bool)
        return ir_track_covered(sensor, sats, r_eci, np.full(r_eci.shape[0], nominal), 0.5)

    return cover


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
    plume_tracks: PlumeTracks
    """The warning layer's sightings associated into plume tracks (boost fire control)."""
    tracker: GnnTracker
    books: list[TrackBook]
    """The battle managers' books: one, or one per coalition force."""
    reports: LaunchReports
    shots: Shots
    inventory: I64
    radars: tuple[tuple[RadarSite, int], ...]
    geometry: SiteGeometry
    """Site geometry of ``radars`` (computed once per trial, indexed by sensor)."""

    @property
    def book(self) -> TrackBook:
        """The (lead force's) battle-manager book."""
        return self.books[0]

    def visible(self, exists_flying: BoolArr, t: float) -> BoolArr:
        """Objects the sensors can see: flying and alive, or debris of a kinetic kill."""
        debris = ~self.alive & (t <= self.debris_until)
        return np.asarray(exists_flying | (debris & self._flying))

    _flying: BoolArr = field(default_factory=lambda: np.zeros(0, bool))


def _warning_frames(
    st: _Trial, t: float, k: int, r_eci: F64, exists: BoolArr, gmst: float, due: list[int]
) -> None:
    """Frames of the due warning sensors: first sightings become launch reports (with
    the plume's measured position); every sighting is kept for the boost gate and
    joins the plume tracks of the boost-phase fire control."""
    w = st.world
    latency = [g.report_latency_s for g in w.geo_ir] + [
        x.sensor.report_latency_s for x in w.warning
    ]
    for i in due:
        det = oracle.warning_frame(w, i, t, k, r_eci, exists, gmst, st.rng_sense)
        new = det & np.isnan(st.first_ir)
        pos = oracle.plume_positions(r_eci, det, gmst, st.rng_sense)
        st.plumes.append((t, pos))
        st.plume_tracks.add_frame(t, latency[i], pos)
        oracle.add_reports(st.reports, t, latency[i], pos[new[det]])
        st.first_ir[new] = t
        st.report_s = np.fmin(st.report_s, st.first_ir + latency[i])


def _boost_gate(st: _Trial, meas: Measurements, radar_i: int, t: float) -> Measurements:
    """Withhold the radar detections near a recent plume sighting (see
    :data:`BOOST_WITHHOLD_M`)."""
    window = 2.0 * _max_warning_frame(st.world)
    recent = [(ts, p) for ts, p in st.plumes if t - ts <= window]
    st.plumes = recent
    sighted = [(ts, p) for ts, p in recent if p.shape[0]]
    if not sighted or not len(meas):
        return meas
    geo = st.geometry
    # the detections' Earth-fixed positions (the fix turned by a zero GMST angle)
    pos = aer_to_eci_position(meas.z, geo.ecef_m[radar_i], geo.enu[radar_i], 0.0)
    keep = np.ones(len(meas), bool)
    for ts, p in sighted:  # warning frames in the window: a few
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
    meas = _boost_gate(st, meas, i, t)
    tid = st.tracker.process_scan(
        meas,
        st.geometry,
        st.world.epoch,
        sensor_index=i,
        t_s=t,
        layer=layer_k,
        coverage=_radar_coverage(radar, gmst),
        expected_pd=_nominal_pd(radar, st.geometry.ecef_m[i], gmst),
    )
    coal = st.defense.coalition
    g = 0 if coal is None else int(coal.radar_force[i])
    if len(meas):
        snr = oracle.look_snr(st.world, radar, meas, k)
        info = feature_information(st.defense, st.books[g], i, tid, snr)
        y = oracle.feature_looks(st.world, meas, info, st.rng_feature)
        add_features(st.books[g], tid, info, y)
        if coal is not None:
            sharing.share_looks(st.books, coal, g, i, t, tid, snr, info, y)
    if coal is not None:
        sharing.held(st.books, coal, g, t, tid)


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
    shots, tracker = st.shots, st.tracker
    doc = st.defense.doctrine
    coal = st.defense.coalition
    fly = shots.in_flight()
    due = [int(i) for i in fly if shots.intercept_t_s[i] <= t]
    due.sort(key=lambda i: (shots.intercept_t_s[i], i))
    for i in due:  # a handful per step: shots, not objects, and order matters
        tid = shots.track[i]
        t_int = shots.intercept_t_s[i]
        force = 0 if coal is None else int(coal.site_force[shots.site[i]])
        book = st.books[force]
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
            sharing.assessed(st.books, coal, force, t_int, tid)
        if book.in_flight[tid] == 0:
            book.engageable[tid] = doc.shoot_look_shoot and not book.dead[tid]
            book.next_eval[tid] = t_int + doc.kill_assessment_s


@dataclass
class _Next:
    """Next due time [s] of each periodic event: warning frames, IR tracking frames,
    radar scans (per sensor) and the decision epoch."""

    warn: F64
    irt: F64
    radar: F64
    decision: F64


def _next_event(
    st: _Trial, t: float, nxt: _Next, plugins: list[tuple[str, layers.LayerState]]
) -> float | None:
    """Time of the next due event after ``t`` (None: nothing will happen any more).

    Over quiet sky — nothing flying or visible, no confirmed track, no shot in
    flight — every periodic event (the layer plug-ins' too) is moved, in phase,
    to the next launch (the radars' false alarms of an empty sky are not drawn
    there: stated)."""
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
        ):
            p = np.asarray(period, dtype=np.float64)
            if arr.size:
                arr += np.maximum(np.ceil((t_l - arr) / p - 1e-9), 0.0) * p
        for _, state in plugins:
            state.skip_to(t_l)
    cands = [nxt.warn, nxt.irt, nxt.radar, nxt.decision]
    fly = st.shots.in_flight()
    if fly.size:
        cands.append(np.asarray(st.shots.intercept_t_s)[fly])
    cands.append(np.array([state.due_s(t, st) for _, state in plugins]))
    allc = np.concatenate([np.atleast_1d(c) for c in cands])
    allc = allc[(allc > t + 1e-9) & np.isfinite(allc)]
    return float(allc.min()) if allc.size else None


def _before_flight(world: World, trial: int) -> tuple[dict[str, BoolArr], F64, F64]:
    """The plug-ins that act before any flight, in timeline order: the objects each
    removed (left of launch, failed launches) and the impact points after them."""
    n = world.truth.t_launch_s.size
    state = layers.BeforeFlight(
        np.zeros(n, bool), world.truth.impact_lat_rad.copy(), world.truth.impact_lon_rad.copy()
    )
    kills: dict[str, BoolArr] = {}
    for layer in layers.layers():
        if layer.before_flight is None or layer.name not in world.parts:
            continue
        out = layer.before_flight(world, world.parts[layer.name], trial, state)
        kills[layer.name] = out.gone
        state = layers.BeforeFlight(state.gone | out.gone, out.impact_lat_rad, out.impact_lon_rad)
    return kills, state.impact_lat_rad, state.impact_lon_rad


def _start_plugins(world: World, trial: int) -> list[tuple[str, layers.LayerState]]:
    """Per-trial states of the in-flight plug-ins the world holds, in timeline order."""
    return [
        (x.name, x.start(world, world.parts[x.name], trial))
        for x in layers.layers()
        if x.start is not None and x.name in world.parts
    ]


def run_trial(
    world: World, trial: int, time_advance: Literal["event", "fixed"] = "event"
) -> TrialResult:
    """Fly one Monte Carlo trial of the world's raid through the defence.

    ``time_advance``: "event" (default) jumps from one due event to the next —
    a sensor look, a warning frame, a decision epoch, a shot's intercept time, a
    layer plug-in's due time (a boost-phase cue or kill, a directed-energy
    tick while something flies) — and over quiet sky (nothing flying, no
    confirmed track, no shot in flight) to the next launch, ending after the
    last impact; "fixed" steps by the smallest sensor or decision period until
    the last impact (the former engine, kept to show the two agree,
    ``tests/sim/test_event_time.py``)."""
    with one_blas_thread():  # trials are the parallel unit (shieldlab.sim.threads)
        return _run_trial(world, trial, time_advance)


def _run_trial(world: World, trial: int, time_advance: Literal["event", "fixed"]) -> TrialResult:
    """:func:`run_trial`'s body."""
    truth = world.truth
    doc = world.scenario.doctrine
    rng_sense, rng_fight = trial_rngs(world.scenario.seed, trial)
    n = truth.r_eci_m.shape[0]
    dt_truth = float(truth.t_s[1] - truth.t_s[0])
    step = _step_s(world)
    t_end = float(np.max(truth.t_impact_s)) + step

    kills, impact_lat, impact_lon = _before_flight(world, trial)
    alive = np.ones(n, bool)
    for k_ in kills.values():
        alive &= ~k_
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
        plume_tracks=PlumeTracks(),
        tracker=GnnTracker(TRACKER),
        books=sharing.books_for(
            defense.coalition, len(radars), trial_stream(C2_STREAM, world.scenario.seed, trial)
        ),
        reports=LaunchReports(),
        shots=Shots(),
        inventory=np.array([s.inventory for s in world.sites], dtype=np.int64),
        radars=radars,
        geometry=site_geometry([r for r, _ in radars]),
    )
    plugins = _start_plugins(world, trial)
    for name, _ in plugins:
        kills[name] = np.zeros(n, bool)
    log = CustodyLog()
    hold = _layer_hold_s(world)
    next_radar = np.zeros(len(radars))
    next_warn = np.zeros(len(warners))
    next_irt = np.zeros(len(world.ir_tracking))
    ir_offset = np.cumsum([0] + [x.constellation.n for x in world.ir_tracking])

    def gmst_fn(tt: float) -> float:
        return float(gmst_at(world.epoch, tt))

    nxt = _Next(next_warn, next_irt, next_radar, np.array([0.0]))
    t, i_step = 0.0, 0
    while t <= t_end + 1e-9:
        k = min(round(t / dt_truth), truth.t_s.size - 1)
        r_eci, v_eci = truth.state_at(t)
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
        # space tracking layer → tracker (one frame per constellation)
        for i, layer in enumerate(world.ir_tracking):
            if t + 1e-9 >= next_irt[i]:
                next_irt[i] += layer.revisit_s
                meas, obs, hot = oracle.ir_frame(
                    world, i, t, k, r_eci, vis, gmst, rng_sense, int(ir_offset[i])
                )
                sats = layer.constellation.positions_eci(t)[:, 0]
                coal = defense.coalition
                before = (st.tracker.track_id.copy(), st.tracker.n_updates.copy())
                st.tracker.process_angles_frame(
                    meas,
                    obs,
                    t,
                    layer=0,
                    hot=hot,
                    coverage=_ir_coverage(layer.sensor, sats),
                    max_range_m=layer.sensor.max_range_m,
                )
                if coal is not None:
                    tid = sharing.updated_ids(st.tracker, *before)
                    sharing.held(st.books, coal, int(coal.ir_force[i]), t, tid)
        # radars → tracker, scan by scan (empty scans count misses)
        for i in range(len(radars)):
            if t + 1e-9 >= next_radar[i]:
                next_radar[i] += radars[i][0].revisit_s
                _radar_scan(st, i, t, k, r_eci, v_eci, vis, gmst)

        # layer plug-ins (boost-phase interceptors, lasers, microwaves, ...)
        for name, state in plugins:
            x = layers.Step(t, k, step, r_eci, v_eci, exists & st.alive, st.alive, vis, gmst, st)
            killed_now, when = state.step(x)
            _strike(killed_now & st.alive, when, st.alive, st.kill_time, kills[name])

        # decide (and sample custody)
        if t + 1e-9 >= nxt.decision[0]:
            nxt.decision[0] += doc.decision_interval_s
            log_epoch(log, st.tracker, t, r_eci, exists, hold)
            if st.inventory.sum() > 0:
                sharing.decide_all(
                    defense, st.tracker, st.books, t, st.reports, st.inventory, st.shots
                )
            else:
                st.book.grow(st.tracker.next_id)

        if time_advance == "fixed":
            i_step += 1
            t = i_step * step
            continue
        t_next = _next_event(st, t, nxt, plugins)
        if t_next is None:
            break
        t = t_next

    return _result(st, trial, log, hold, impact_lat, impact_lon, kills, plugins)


def _result(
    st: _Trial,
    trial: int,
    log: CustodyLog,
    hold: F64,
    impact_lat: F64,
    impact_lon: F64,
    kills: dict[str, BoolArr],
    plugins: list[tuple[str, layers.LayerState]],
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
    cust = per_object(log, n, world.scenario.doctrine.fire_control_error_km * 1e3, hold >= 0.0)
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
        impact_lat_rad=impact_lat,
        impact_lon_rad=impact_lon,
        layer_kills=kills,
        layer_shots={name: state.shots() for name, state in plugins},
        layer_records={name: state.record() for name, state in plugins if hasattr(state, "record")},
        shot_intercept_lat_rad=np.array(shots.intercept_lat_rad),
        shot_intercept_lon_rad=np.array(shots.intercept_lon_rad),
        shot_planned_miss_m=np.array(shots.planned_miss_m),
        shot_achieved_miss_m=np.array(shots.achieved_miss_m),
        shot_c2_delay_s=np.array(shots.c2_delay_s),
        shot_c2_extra_s=np.array(shots.c2_extra_s),
        c2_cut=sum(b.c2_cut for b in st.books),
        shot_assessed_kill=np.array(shots.assessed_kill, bool),
        shot_track=np.array(shots.track, np.int64),
    )
