"""Engagement engine: one Monte Carlo trial of a raid against the layered defence.

Validity: one raid's engagement (minutes to about an hour of flight) with
generic, public catalog parameters; shots resolve as independent draws of their
planned Pk, so with salvo doctrine the survivors follow Wilkening's Π(1 − Pₖ)
(checked within 4 σ).

Time loop (Python over time steps only, arrays over objects and tracks):

1. truth: sample the precomputed threat trajectories; killed objects are
   masked out ("alive" mask — the only feedback from the fight to truth);
2. sensing, each layer on its own revisit: geostationary IR warning (launch
   reports: first detection of a boosting missile + report latency); the
   LEO/MEO IR tracking layer (angles-only detections of plumes, hot bodies
   and cold objects above the limb, :mod:`shieldlab.sensors.ir_track`);
   ground and sea radars and airborne radars on station ((range, az, el));
3. tracking: ONE centralised multi-sensor tracker
   (:class:`~shieldlab.tracking.tracker.GnnTracker`) fuses the measurements of
   all layers into one track picture — radar scans one by one, IR frames as
   a constellation (triangulation starts tracks from two or more
   satellites). The tracker never reads truth ids. Radar detections of an
   object the warning layer sees thrusting are withheld (the ballistic
   filter is not fed boost measurements; the space layer keeps custody
   through boost with the manoeuvre process noise);
4. decide: every ``decision_interval_s`` the battle manager takes confirmed,
   non-manoeuvring tracks with at least ``min_track_updates`` updates, no
   shot in flight, and a launch report of the launch they belong to,
   declares ballistic objects RV or decoy by discrimination, evaluates each
   threat (impact point with its uncertainty from the track covariance, the
   probability of each defended asset, the expected threatened value weighed
   by P(lethal); glide vehicles and cruise missiles by level flight along
   their course), plans every fire unit's
   fly-out (Lambert for exo-atmospheric classes, an engagement envelope for
   the others) and assigns interceptors by weapon-target assignment (minimum
   expected surviving threat value, doctrine ``assignment: wta``) or greedily
   by value (``greedy``), within the doctrine's salvo size and, with a
   ``c2`` section, after the decide → authorize → launch delay of the C2
   chain;
5. fight: a shot flies at the object its track is on at the decision (the
   truth object nearest the track within :data:`CORRELATE_M`; a track on no
   object — a ghost — wastes the shot) and is resolved at its intercept time
   with its single-shot Pk; the first successful shot kills. With
   shoot-look-shoot the track becomes eligible again once its shots resolve.

Custody (the metric the sensor layers exist for) is sampled at every
decision epoch: per truth object, the fraction of its flight (launch to
impact or kill) held by a confirmed track within :data:`CUSTODY_GATE_M`,
within the scenario's fire-control error, and held by each sensor layer
(a track updated by that layer within 2.5 of the layer's revisit periods),
plus the number of track handovers (:func:`shieldlab.tracking.metrics.custody`).

Stated shortcuts: the launch-report correlation of a track and the object a
kill vehicle homes on are taken from truth geometry (nearest object); the
IR signature of a body without a modelled skin temperature is a 300 K grey
body of 0.5 m² and emissivity 0.9 (radiative equilibrium of a sunlit RV,
APS 2003 ch. 9).

Randomness: the trial's generator streams (sensing, fight) come from
``SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial))``, so a trial's result
depends only on the scenario, seed and trial index — never on the worker.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from shieldlab.battle.assign import greedy_assign, wta_assign
from shieldlab.battle.c2 import has_random_losses, kill_chain_delay
from shieldlab.battle.threat_eval import assess_threats, threatened_asset
from shieldlab.core.frames import ecef_to_geodetic, eci_to_ecef, geodetic_to_ecef
from shieldlab.core.time import gmst_at
from shieldlab.sensors.airborne import airborne_observe
from shieldlab.sensors.clutter import radar_false_alarms
from shieldlab.sensors.discrimination import combine_dprime, radar_dprime
from shieldlab.sensors.ir import geo_ir_detect, warning_ir_detect
from shieldlab.sensors.ir_track import body_intensity_w_sr, ir_track_geometry, ir_track_observe
from shieldlab.sensors.measurements import Measurements, concat
from shieldlab.sensors.radar import RadarSite, radar_observe, radar_snr, radar_visible
from shieldlab.sim.world import DECIDE_STAGE, SENSOR_LAYERS, TRIAL_STREAM, World, radar_layer
from shieldlab.threats import LETHAL_KINDS, PHASE_IMPACTED, PHASE_PRELAUNCH
from shieldlab.threats.truth import (
    OBJECT_BALLOON,
    OBJECT_BUS,
    OBJECT_CHAFF,
    OBJECT_CRUISE,
    OBJECT_GLIDE,
    OBJECT_HEAVY_DECOY,
    OBJECT_LIGHT_DECOY,
    OBJECT_RV,
)
from shieldlab.tracking import site_geometry
from shieldlab.tracking.ekf import ekf_predict
from shieldlab.tracking.impact import (
    LEVEL_FLIGHT_HORIZON_S,
    level_flight_threat,
    predict_level_flight,
    propagate,
)
from shieldlab.tracking.metrics import assign_tracks_to_truth, custody
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig
from shieldlab.weapons.directed_energy import fluence_increment_j_m2, hpm_effect_probability
from shieldlab.weapons.effects import apply_launch_failures, displace_aim_points
from shieldlab.weapons.envelope import plan_for_site
from shieldlab.weapons.intercept import (
    achieved_miss_m,
    class_pk,
    divert_reach_m,
    earliest_launch_s,
    intercept_window,
    shot_pk,
)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

KILLED, LEAKED, NO_THREAT = 1, 2, 3
STATUS_NAMES = {KILLED: "killed", LEAKED: "leaked", NO_THREAT: "no_threat"}
REEVALUATE_S = 30.0
"""Wait before re-evaluating a track that threatens no asset or cannot be engaged [s]."""
PREDICT_STEP_S = 30.0
"""RK4 step of the battle manager's coast predictions (J2, no drag): < 1 m error."""
CANDIDATE_STEP_S = 20.0
"""Spacing of candidate intercept times along a predicted threat track [s]."""
DUPLICATE_M = 1_000.0
"""Two confirmed tracks closer than this are taken as one object by the battle manager [m]."""
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
CORRELATE_M = 20_000.0
"""Track-to-object correlation distance (launch report, kill-vehicle object) [m]."""
CUSTODY_GATE_M = 20_000.0
"""A confirmed track within this distance of an object holds it (custody, any quality) [m]."""
HOLD_REVISITS = 2.5
"""A layer holds a track updated by it within this many of its revisit periods."""
BODY_TEMP_K = 300.0
BODY_AREA_M2 = 0.5
BODY_EMISSIVITY = 0.9
OBJECT_LENGTH_M = {
    OBJECT_RV: 2.0,
    OBJECT_BUS: 3.0,
    OBJECT_HEAVY_DECOY: 2.0,
    OBJECT_LIGHT_DECOY: 1.5,
    OBJECT_BALLOON: 2.0,
    OBJECT_CHAFF: 0.5,
    OBJECT_GLIDE: 4.0,
    OBJECT_CRUISE: 6.0,
}
"""Object length seen by a wideband radar (range cells across it) [m]; generic."""
TRACKER = TrackerConfig(
    q_m2_s3=1.0,
    M=3,
    N=5,
    K=4,
    n_layers=len(SENSOR_LAYERS),
    level_max_alt_m=20_000.0,
    level_max_speed_mps=1_200.0,
)
"""Tracker of the engine: M/N = 3/5 confirmation, deletion after 4 counting misses;
tracks below 20 km and 1.2 km/s (cruise missiles, drones; an RV is faster until
its last seconds) are predicted as level flight."""


@dataclass
class Shots:
    """Interceptor shots of one trial, as growing column lists (m shots)."""

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
    class_pk: list[float] = field(default_factory=list)
    reach_m: list[float] = field(default_factory=list)
    sigma_m: list[float] = field(default_factory=list)
    intercept_lat_rad: list[float] = field(default_factory=list)
    intercept_lon_rad: list[float] = field(default_factory=list)
    planned_miss_m: list[float] = field(default_factory=list)
    achieved_miss_m: list[float] = field(default_factory=list)


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


@dataclass
class _TrackBook:
    """Battle-manager bookkeeping per track id (grown as the tracker makes ids)."""

    in_flight: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    engageable: BoolArr = field(default_factory=lambda: np.zeros(0, bool))
    next_eval: F64 = field(default_factory=lambda: np.zeros(0))
    rng_c2: np.random.Generator | None = None
    c2_cut: int = 0
    snr_sum: F64 = field(default_factory=lambda: np.zeros((0, 0)))
    """(n objects, radars) summed SNR of the radar looks at each object (features)."""
    feature_noise: F64 = field(default_factory=lambda: np.zeros(0))
    """(n,) standard-normal deviate of each object's discrimination feature (one per trial)."""

    def grow(self, n_ids: int) -> None:
        k = n_ids - self.in_flight.size
        if k > 0:
            self.in_flight = np.concatenate([self.in_flight, np.zeros(k, np.int64)])
            self.engageable = np.concatenate([self.engageable, np.ones(k, bool)])
            self.next_eval = np.concatenate([self.next_eval, np.zeros(k)])


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
    """EW/cyber effects of a trial (scenario ``ew_cyber``, layer ``non-kinetic``).

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
    if ew is None or "non-kinetic" in s.disabled_layers or world.launches is None:
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


@dataclass
class _LaserState:
    """Working state of the trial's high-energy lasers (one target at a time each).

    Per laser: the object it dwells on (−1: none), when slew-and-settle ends,
    the energy left in its store [J]; per object: the absorbed fluence [J/m²]
    (cumulative over dwells and lasers); the dwell log.
    """

    target: I64
    ready_s: F64
    energy_j: F64
    fluence: F64
    log: list[tuple[int, int, float, float, bool, float]]
    start_s: F64

    @classmethod
    def start(cls, world: World, n: int) -> _LaserState:
        k = len(world.lasers)
        return cls(
            np.full(k, -1, np.int64),
            np.zeros(k),
            np.array([lz.spec.magazine.capacity_j for lz in world.lasers]),
            np.zeros(n),
            [],
            np.zeros(k),
        )

    def step(
        self,
        world: World,
        t: float,
        dt: float,
        r_eci: F64,
        live: BoolArr,
        gmst: float,
        fused: BoolArr,
    ) -> BoolArr:
        """One time step of every laser; returns the objects (n,) killed in it.

        Targets: cruise missiles and drones (objects with a directed-energy
        class, ``World.de_target``) in range and above the site's horizon that
        the fused picture holds (``fused`` (n,), :func:`_fused_cue`) or that are
        inside the laser's own sensor range (``own_sensor_range_m``).
        A laser keeps its target until it dies or leaves the envelope, else takes
        the nearest; it fires after ``slew_settle_s``, adding α I dt of fluence
        (:func:`~shieldlab.weapons.directed_energy.fluence_increment_j_m2`, the
        site's extinction, no turbulence) while its store holds energy (net drain
        ``draw − recharge``; idle lasers recharge). Kill: absorbed fluence ≥ the
        target class's kill fluence.
        """
        killed = np.zeros(live.size, bool)
        cls = world.de_target if world.de_target is not None else np.full(live.size, -1)
        r_ecef = eci_to_ecef(r_eci, gmst)
        for i, lz in enumerate(world.lasers):  # lasers: a handful
            mag = lz.spec.magazine
            d = r_ecef - lz.r_ecef_m
            rng_m = np.linalg.norm(d, axis=1)
            up = lz.r_ecef_m / np.linalg.norm(lz.r_ecef_m)
            cued = live & (cls >= 0) & (fused | (rng_m <= lz.own_sensor_range_m))
            ok = cued & (rng_m <= lz.spec.max_range_m) & (d @ up > 0.0)
            cur = int(self.target[i])
            if cur >= 0 and not ok[cur]:
                self._close(i, t, killed=False)
                cur = -1
            if cur < 0 and ok.any():
                cur = int(np.argmin(np.where(ok, rng_m, np.inf)))
                self.target[i], self.ready_s[i], self.start_s[i] = cur, t + lz.spec.slew_settle_s, t
            drain = max(mag.draw_w - mag.recharge_w, 0.0)
            if cur >= 0 and t >= self.ready_s[i] and self.energy_j[i] > 0.0:
                dt_fire = dt if drain == 0.0 else min(dt, self.energy_j[i] / drain)
                target = world.de_targets[int(cls[cur])]
                self.fluence[cur] += float(
                    fluence_increment_j_m2(
                        lz.spec, target, rng_m[cur], dt_fire, lz.extinction_per_m
                    )
                )
                self.energy_j[i] -= drain * dt_fire
                if self.fluence[cur] >= target.kill_fluence_j_m2:
                    killed[cur] = True
                    self._close(i, t, killed=True)
            elif cur < 0:
                self.energy_j[i] = min(mag.capacity_j, self.energy_j[i] + mag.recharge_w * dt)
        return killed

    def _close(self, i: int, t: float, killed: bool) -> None:
        obj = int(self.target[i])
        self.log.append((i, obj, float(self.start_s[i]), t, killed, float(self.fluence[obj])))
        self.target[i] = -1

    def record(self) -> dict[str, np.ndarray] | None:
        if not self.target.size:
            return None
        cols = list(zip(*self.log, strict=True)) if self.log else [()] * 6
        return {
            "laser": np.asarray(cols[0], np.int64),
            "object": np.asarray(cols[1], np.int64),
            "start_s": np.asarray(cols[2], np.float64),
            "end_s": np.asarray(cols[3], np.float64),
            "killed": np.asarray(cols[4], bool),
            "fluence_j_m2": np.asarray(cols[5], np.float64),
        }


@dataclass
class _HpmState:
    """Working state of the trial's high-power microwave weapons: next shot time and
    energy left per weapon; shots fired and kills per weapon; the shot log (weapon,
    aim object, time [s], the aim object's effect probability, aim object killed,
    objects killed)."""

    next_s: F64
    energy_j: F64
    shots: I64
    kills: I64
    rng: np.random.Generator
    log: list[tuple[int, int, float, float, bool, int]] = field(default_factory=list)

    @classmethod
    def start(cls, world: World, trial: int) -> _HpmState:
        k = len(world.hpm)
        return cls(
            np.zeros(k),
            np.array([h.spec.magazine.capacity_j for h in world.hpm]),
            np.zeros(k, np.int64),
            np.zeros(k, np.int64),
            trial_stream(HPM_STREAM, world.scenario.seed, trial),
        )

    def step(
        self,
        world: World,
        t: float,
        dt: float,
        r_eci: F64,
        live: BoolArr,
        gmst: float,
        fused: BoolArr,
    ) -> BoolArr:
        """Shots of every HPM weapon in [t, t + dt) (positions held over the step).

        Candidates: live directed-energy targets in range and above the horizon
        that the fused picture holds (``fused``) or that are inside the weapon's
        own sensor range. Each shot points the beam at the candidate that
        maximises the expected kills (:func:`~shieldlab.weapons.directed_energy.hpm_best_boresight`
        per class, every class's objects counted), then draws one Bernoulli per
        target with its class's effect probability (log-normal susceptibility,
        :func:`~shieldlab.weapons.directed_energy.hpm_effect_probability`). A
        shot needs its net energy in the store; the store recharges between
        shots. Returns the objects (n,) killed.
        """
        killed = np.zeros(live.size, bool)
        cls = world.de_target if world.de_target is not None else np.full(live.size, -1)
        r_ecef = eci_to_ecef(r_eci, gmst)
        for i, hw in enumerate(world.hpm):  # weapons: a handful
            sp, mag = hw.spec, hw.spec.magazine
            rel = r_ecef - hw.r_ecef_m
            up = hw.r_ecef_m / np.linalg.norm(hw.r_ecef_m)
            while self.next_s[i] < t + dt:  # shots in this step
                self.next_s[i] = max(self.next_s[i], t) + sp.shot_interval_s
                dist = np.linalg.norm(rel, axis=1)
                cand = live & ~killed & (cls >= 0) & (dist <= sp.max_range_m) & (rel @ up > 0.0)
                cand &= fused | (dist <= hw.own_sensor_range_m)
                need = max(mag.draw_w - mag.recharge_w, 0.0) * sp.shot_duration_s
                self.energy_j[i] = min(
                    mag.capacity_j, self.energy_j[i] + mag.recharge_w * sp.shot_interval_s
                )
                if not cand.any() or self.energy_j[i] < need:
                    continue
                idx = np.flatnonzero(cand)
                p_all = np.zeros((idx.size, idx.size))  # (boresight candidate, target)
                bores = rel[idx] / np.linalg.norm(rel[idx], axis=1, keepdims=True)
                for c in np.unique(cls[idx]):  # target classes: one or two
                    m = cls[idx] == c
                    p_all[:, m] = hpm_effect_probability(
                        sp, world.de_targets[int(c)], rel[idx][m][None, :, :], bores[:, None, :]
                    )
                best = int(np.argmax(p_all.sum(axis=1)))
                hit = self.rng.random(idx.size) < p_all[best]
                killed[idx[hit]] = True
                self.energy_j[i] -= need
                self.shots[i] += 1
                self.kills[i] += int(hit.sum())
                t_shot = self.next_s[i] - sp.shot_interval_s  # max(previous next, t)
                aim_p, aim_hit = float(p_all[best, best]), bool(hit[best])
                self.log.append((i, int(idx[best]), t_shot, aim_p, aim_hit, int(hit.sum())))
        return killed

    def record(self) -> dict[str, np.ndarray] | None:
        """The shot log as columns weapon, object (aimed at), t_s, pk (of the aim
        object), hit (aim object killed), kills (objects killed by the shot); None
        when no shot was fired."""
        if not self.log:
            return None
        w, o, t, p, h, k = zip(*self.log, strict=True)
        return {
            "weapon": np.array(w, np.int64),
            "object": np.array(o, np.int64),
            "t_s": np.array(t, np.float64),
            "pk": np.array(p, np.float64),
            "hit": np.array(h, bool),
            "kills": np.array(k, np.int64),
        }


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
    reported yet); with no warning sensor in the scenario, the launch time."""
    warned = bool(world.geo_ir or world.warning)
    return _per_launch_min(world, report_s if warned else world.truth.t_launch_s)


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
    """All radars of a world as sites with their sensor layer: ground/sea radars,
    then airborne radars (site at the platform's station)."""
    out = [(r, radar_layer(r)) for r in world.radars]
    for a in world.airborne:
        site = dataclasses.replace(
            a.sensor.radar, lat_rad=a.lat_rad, lon_rad=a.lon_rad, alt_m=a.alt_m
        )
        out.append((site, 3))
    return out


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


def _ir_intensity(world: World, k: int, layer_idx: int) -> F64:
    """In-band intensity of every object at truth sample k: plume + grey body [W/sr]."""
    tr = world.truth
    sensor = world.ir_tracking[layer_idx].sensor
    temp = np.where(tr.body_temp_k[:, k] > 0.0, tr.body_temp_k[:, k], BODY_TEMP_K)
    body = body_intensity_w_sr(temp, BODY_AREA_M2, BODY_EMISSIVITY, sensor.band_m)
    return np.asarray(tr.plume_w_sr[:, k] + body)


def run_trial(world: World, trial: int) -> TrialResult:
    """Fly one Monte Carlo trial of the world's raid through the defence."""
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
    kill_time = np.where(~alive, truth.t_launch_s, np.nan)
    sbi = _SbiState.start(world, trial, ~alive)
    boost_kill_s = np.full(n, np.inf)
    boost_killed = np.zeros(n, bool)
    killed_by = np.full(n, -1, np.int64)
    first_ir = np.full(n, np.nan)
    warners = list(world.geo_ir) + [w.sensor for w in world.warning]
    report_s = np.full(n, np.nan) if warners else np.zeros(n)
    last_plume = np.full(n, -np.inf)
    ir_frame = max((g.frame_s for g in warners), default=0.0)
    inventory = np.array([s.inventory for s in world.sites], dtype=np.int64)
    radars = surface_radars(world)
    geometry = site_geometry([r for r, _ in radars]) if radars else None
    tracker = GnnTracker(TRACKER)
    book = _TrackBook(
        rng_c2=trial_stream(C2_STREAM, world.scenario.seed, trial),
        snr_sum=np.zeros((n, len(radars))),
        feature_noise=np.asarray(
            trial_stream(FEATURE_STREAM, world.scenario.seed, trial).standard_normal(n)
        ),
    )
    log = _CustodyLog()
    hold = _layer_hold_s(world)
    shots = Shots()
    next_radar = np.zeros(len(radars))
    next_ir = np.zeros(len(world.geo_ir))
    next_warn = np.zeros(len(world.warning))
    next_irt = np.zeros(len(world.ir_tracking))
    ir_offset = np.cumsum([0] + [x.constellation.n for x in world.ir_tracking])
    next_decision = 0.0
    lasers = _LaserState.start(world, n)
    hpm = _HpmState.start(world, trial)
    de_killed = np.zeros(n, bool)
    hpm_killed = np.zeros(n, bool)

    for t in np.arange(0.0, t_end + 1e-9, step):
        t = float(t)
        k = min(round(t / dt_truth), truth.t_s.size - 1)
        phase = truth.phase[:, k]
        r_eci, v_eci = truth.state_at(t)
        # boost-phase kills take the whole launch
        _strike(alive & (boost_kill_s <= t), boost_kill_s, alive, kill_time, boost_killed)
        exists = alive & (phase != PHASE_PRELAUNCH) & (phase != PHASE_IMPACTED)
        gmst = float(gmst_at(world.epoch, t))

        # 5. resolve shots that reached their intercept time
        _resolve_shots(
            shots, t, truth.t_impact_s, alive, kill_time, killed_by, book, doc, rng_fight
        )
        exists &= alive

        # 2. sensing: warning layer
        for i, sensor in enumerate(world.geo_ir):
            if t + 1e-9 >= next_ir[i]:
                det = geo_ir_detect(sensor, r_eci, truth.plume_w_sr[:, k], exists, gmst, rng_sense)
                new = det & np.isnan(first_ir)
                first_ir[new] = t
                last_plume[det] = t
                report_s = np.fmin(report_s, first_ir + sensor.report_latency_s)
                next_ir[i] += sensor.frame_s
        for i, wl in enumerate(world.warning):  # warning constellations (HEO, …)
            if t + 1e-9 >= next_warn[i]:
                sats = wl.constellation.positions_ecef(t)[:, 0]
                det = warning_ir_detect(
                    wl.sensor, sats, r_eci, truth.plume_w_sr[:, k], exists, gmst, rng_sense
                )
                new = det & np.isnan(first_ir)
                first_ir[new] = t
                last_plume[det] = t
                report_s = np.fmin(report_s, first_ir + wl.sensor.report_latency_s)
                next_warn[i] += wl.sensor.frame_s
        # boost-phase layer: fire at launches the warning layer has reported
        if world.sbi:
            cue = launch_cue_s(world, report_s)
            new_l = np.flatnonzero(~sbi.done & (cue <= t + 1e-9))
            for l_i in new_l[np.argsort(cue[new_l], kind="stable")]:
                sbi.engage(world, int(l_i), float(cue[l_i]))
            if new_l.size:
                boost_kill_s = sbi.kill[truth.launch_index]
        # 2.-3. space tracking layer → tracker (one frame per constellation)
        for i, layer in enumerate(world.ir_tracking):
            if t + 1e-9 >= next_irt[i]:
                next_irt[i] += layer.revisit_s
                sats = layer.constellation.positions_eci(t)[:, 0]
                inten = _ir_intensity(world, k, i)
                meas = ir_track_observe(
                    layer.sensor,
                    sats,
                    r_eci,
                    inten,
                    exists,
                    gmst,
                    rng_sense,
                    t_s=t,
                    sensor_index=int(ir_offset[i]),
                )
                obs = sats[meas.sensor_index - ir_offset[i]]
                hot = inten[meas.object_id] >= layer.sensor.earth_min_intensity_w_sr
                tracker.process_angles_frame(
                    meas, obs, t, layer=0, hot=hot, coverage=_ir_coverage(layer.sensor, sats)
                )
        # 2.-3. radars → tracker, scan by scan (empty scans count misses)
        thrusting = t - last_plume <= ir_frame + 1e-9
        for i, (radar, layer_k) in enumerate(radars):
            if t + 1e-9 < next_radar[i] or geometry is None:
                continue
            next_radar[i] += radar.revisit_s
            meas = _radar_scan(
                world, radar, i, layer_k, t, r_eci, v_eci, k, exists, gmst, rng_sense
            )
            # the ballistic filter gets no measurements of an object the warning
            # layer saw thrusting within the last frame (boost is not ballistic)
            oid = meas.object_id
            meas = meas.select(np.flatnonzero((oid < 0) | ~thrusting[np.maximum(oid, 0)]))
            _accumulate_features(book, i, radar, meas, truth.rcs_m2[:, k])
            tracker.process_scan(
                meas,
                geometry,
                world.epoch,
                sensor_index=i,
                t_s=t,
                layer=layer_k,
                coverage=_radar_coverage(radar, gmst),
            )

        # 5b. directed energy: lasers dwell on cruise missiles and drones in range,
        # high-power microwaves fire at the best boresight
        if world.lasers or world.hpm:
            fused = _fused_cue(tracker, t, r_eci, exists & alive, doc.fire_control_error_km * 1e3)
        if world.lasers:
            killed_now = lasers.step(world, t, step, r_eci, exists & alive, gmst, fused)
            _strike(killed_now, t, alive, kill_time, de_killed)
        if world.hpm:
            killed_now = hpm.step(world, t, step, r_eci, exists & alive, gmst, fused)
            _strike(killed_now, t, alive, kill_time, de_killed, hpm_killed)

        # 4. decide (and sample custody)
        if t + 1e-9 >= next_decision:
            next_decision += doc.decision_interval_s
            _log_custody(log, tracker, t, r_eci, exists, hold)
            book.grow(tracker.next_id)
            if inventory.sum() > 0:
                _decide(world, tracker, book, t, r_eci, exists, report_s, inventory, shots)

    # outcome of survivors: the asset their true impact point lies in
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
    cust = _custody(log, n, doc.fire_control_error_km * 1e3, hold >= 0.0)
    return TrialResult(
        trial=trial,
        status=status,
        killed_by_shot=killed_by,
        kill_time_s=kill_time,
        hit_asset=hit_asset.astype(np.int64),
        launch_report_s=report_s,
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
        tracks_started=tracker.next_id,
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
        c2_cut=book.c2_cut,
    )


def _fused_cue(
    tracker: GnnTracker, t: float, r_eci: F64, live: BoolArr, basket_m: float
) -> BoolArr:
    """Objects (n,) the fused picture can hand to a weapon's own fire control: for each
    confirmed track (predicted to ``t``), the nearest live object when it lies within
    ``basket_m`` [m] of the track (the acquisition basket; the same nearest-object
    shortcut as the kill vehicle's homing)."""
    cue = np.zeros(live.size, bool)
    x, _ = tracker.confirmed_states(t)
    idx = np.flatnonzero(live)
    if x.shape[0] == 0 or idx.size == 0:
        return cue
    d = np.linalg.norm(x[:, None, :3] - r_eci[None, idx], axis=-1)
    j = np.argmin(d, axis=1)
    near = d[np.arange(j.size), j] <= basket_m
    cue[idx[j[near]]] = True
    return cue


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


def _radar_scan(
    world: World,
    radar: RadarSite,
    i: int,
    layer_k: int,
    t: float,
    r_eci: F64,
    v_eci: F64,
    k: int,
    exists: BoolArr,
    gmst: float,
    rng: np.random.Generator,
) -> Measurements:
    """One look of surface radar i (ground/sea) or airborne radar (layer 3), with the
    radar's false alarms at its stated rate (``object_id`` −1)."""
    rcs = world.truth.rcs_m2[:, k]
    if layer_k == 3:
        a = world.airborne[i - len(world.radars)]
        det = airborne_observe(
            a.sensor, i, t, a.lat_rad, a.lon_rad, a.alt_m, r_eci, rcs, exists, gmst, rng
        )
    else:
        det = radar_observe(radar, i, t, r_eci, rcs, exists, gmst, rng, v_eci_mps=v_eci)
    return concat([det, radar_false_alarms(radar, rng, t_s=t, sensor_index=i)])


def _accumulate_features(
    book: _TrackBook, i: int, radar: RadarSite, meas: Measurements, rcs_m2: F64
) -> None:
    """Add the SNR of radar i's detections of each object to its feature record.

    Stated shortcut: the features of a detection go to the object that made it
    (perfect feature-to-track association)."""
    obj = meas.object_id
    real = obj >= 0
    if real.any():
        snr = radar_snr(radar, meas.z[real, 0], rcs_m2[obj[real]])
        np.add.at(book.snr_sum[:, i], obj[real], snr)


def discrimination_dprime(world: World, book: _TrackBook, obj: I64) -> F64:
    """RV/decoy discrimination index of objects from every radar's looks so far:
    d' per radar from its summed SNR (:func:`~shieldlab.sensors.discrimination.radar_dprime`),
    radars combined in quadrature."""
    radars = [r for r, _ in surface_radars(world)]
    if not radars or obj.size == 0:
        return np.zeros(obj.size)
    length = np.array([OBJECT_LENGTH_M[int(k)] for k in world.truth.object_kind[obj]])
    per = np.stack(
        [radar_dprime(r, book.snr_sum[obj, i], length) for i, r in enumerate(radars)], axis=1
    )
    return combine_dprime(per, axis=1)


def declared_kind(world: World, book: _TrackBook, obj: I64) -> I64:
    """The object class the battle manager believes for the objects under its tracks.

    Glide vehicles and cruise missiles are told apart by their kinematics (their
    own class). Ballistic objects (RV, bus, decoys) are declared RV when their
    discrimination feature x passes the Neyman–Pearson threshold τ that keeps
    the doctrine's ``rv_confidence`` of RVs: x = d'·[RV] + e (e ~ N(0, 1), one
    draw per object and trial, so the call is consistent over time),
    τ = d' − Φ⁻¹(rv_confidence). With d' = 0 (no discriminating radar) nearly
    every decoy is declared RV; a decoy passes with 1 − Φ(d' − z). Objects not
    declared RV are reported as −1 (not engaged). Green & Swets (1966).
    """
    from scipy.special import ndtri

    kind = world.truth.object_kind[obj].astype(np.int64)
    ballistic = ~np.isin(kind, (OBJECT_GLIDE, OBJECT_CRUISE))
    d = discrimination_dprime(world, book, obj)
    x = np.where(kind == OBJECT_RV, d, 0.0) + book.feature_noise[obj]
    tau = d - float(ndtri(world.scenario.doctrine.rv_confidence))
    return np.where(ballistic, np.where(x > tau, OBJECT_RV, -1), kind)


def lethal_probability(world: World, book: _TrackBook, obj: I64) -> F64:
    """P(lethal | declared RV) of the objects under the tracks (Bayes, Green & Swets).

    With the Neyman–Pearson threshold of :func:`declared_kind`, P(declared | RV)
    = c (``rv_confidence``) and P(declared | decoy) = 1 − Φ(d' − Φ⁻¹(c)); the
    prior RV fraction f is the share of RVs among the ballistic objects of the
    object's threat type (the battle manager's intelligence prior on the
    missile's payload). P = f c / (f c + (1 − f)(1 − Φ(d' − z))). Glide
    vehicles and cruise missiles: 1.
    """
    from scipy.special import ndtr, ndtri

    tr = world.truth
    kind = tr.object_kind[obj].astype(np.int64)
    ballistic = ~np.isin(tr.object_kind, (OBJECT_GLIDE, OBJECT_CRUISE))
    types = np.asarray(world.threat_type, dtype=object)
    prior = np.ones(obj.size)
    for t_name in set(types[obj].tolist()):  # threat types: a handful
        same = (types == t_name) & ballistic
        f = float(np.mean(tr.object_kind[same] == OBJECT_RV)) if same.any() else 1.0
        prior[types[obj] == t_name] = f
    c = world.scenario.doctrine.rv_confidence
    d = discrimination_dprime(world, book, obj)
    p_decoy = 1.0 - ndtr(d - float(ndtri(c)))
    with np.errstate(invalid="ignore", divide="ignore"):
        post = prior * c / (prior * c + (1.0 - prior) * p_decoy)
    return np.where(np.isin(kind, (OBJECT_GLIDE, OBJECT_CRUISE)), 1.0, np.nan_to_num(post, nan=1.0))


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


def _resolve_shots(
    shots: Shots,
    t: float,
    t_impact_s: F64,
    alive: BoolArr,
    kill_time: F64,
    killed_by: I64,
    book: _TrackBook,
    doc: object,
    rng: np.random.Generator,
) -> None:
    """Resolve, in intercept-time order, the shots whose intercept time has come.

    Per shot: the handover error and the miss left after the kill vehicle's
    divert (:func:`~shieldlab.weapons.intercept.achieved_miss_m`, two normals),
    then the class Pk of the endgame (one uniform): a hit needs a zero miss and
    the endgame draw, so P(hit) is the planned single-shot Pk."""
    sls = bool(getattr(doc, "shoot_look_shoot", True))
    due = [
        i
        for i, (ti, done) in enumerate(zip(shots.intercept_t_s, shots.resolved, strict=True))
        if not done and ti <= t
    ]
    due.sort(key=lambda i: (shots.intercept_t_s[i], i))
    for i in due:  # a handful per step: shots, not objects, and order matters
        j, tid = shots.threat[i], shots.track[i]
        planned, achieved = achieved_miss_m(shots.reach_m[i], shots.sigma_m[i], rng)
        shots.planned_miss_m[i] = float(planned)
        shots.achieved_miss_m[i] = float(achieved)
        hit = bool(achieved <= 0.0) & bool(rng.random() < shots.class_pk[i])
        shots.hit[i] = hit
        shots.resolved[i] = True
        book.in_flight[tid] -= 1
        if j >= 0 and hit and alive[j] and shots.intercept_t_s[i] < t_impact_s[j]:
            alive[j] = False
            kill_time[j] = shots.intercept_t_s[i]
            killed_by[j] = i
        if book.in_flight[tid] == 0:
            # kill assessment: a track whose object is dead is not engaged again
            book.engageable[tid] = sls and (j < 0 or bool(alive[j]))


def _hold_later_layers(
    world: World,
    t: float,
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
    look = world.scenario.doctrine.kill_assessment_s
    earliest = np.min(np.where(feasible, t_int, np.inf), axis=1)
    for s_i, site in enumerate(world.sites):  # fire units: a handful
        # a unit whose feasible window ends before the look cannot wait
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
            float(gmst_at(world.epoch, t_l)),
            states[..., 3:],
            believed,
        )
        can_wait = later & plan.feasible & (plan.t_intercept_s < t_imp)
        feasible[can_wait, s_i] = False


def _c2_delays(
    world: World, t: float, inventory: I64, book: _TrackBook
) -> tuple[F64, F64, BoolArr]:
    """Per fire unit: decide → authorize → launch delay of the C2 chain at ``t`` [s]
    (NaN without a ``c2`` section), the part of it due to degradation events
    [s], and whether the chain reaches the unit (a cut unit cannot fire now)."""
    n_s = len(world.sites)
    c2 = world.c2
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
    book.c2_cut += int(np.sum(~ok & (inventory > 0)))
    extra = np.where(ok, np.maximum(timing.delay_s - c2.nominal_s, 0.0), np.inf)
    return np.where(ok, timing.delay_s, np.inf), extra, ok


def _decide(
    world: World,
    tracker: GnnTracker,
    book: _TrackBook,
    t: float,
    r_eci: F64,
    exists: BoolArr,
    report_s: F64,
    inventory: I64,
    shots: Shots,
) -> None:
    """Threat evaluation, intercept planning for every fire unit, greedy assignment."""
    doc = world.scenario.doctrine
    ok = tracker.confirmed & (tracker.n_updates >= doc.min_track_updates)
    tid_all = tracker.track_id
    ok &= (book.in_flight[tid_all] == 0) & book.engageable[tid_all]
    ok &= book.next_eval[tid_all] <= t + 1e-9
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return
    x, p = ekf_predict(
        tracker.x[rows],
        tracker.P[rows],
        t - tracker.t_s[rows],
        tracker.q_now(t)[rows],
        tracker.config.max_step_s,
    )
    # launch-report correlation and the object under each track (nearest, see module doc)
    live = np.flatnonzero(exists)
    a = assign_tracks_to_truth(x[:, :3], r_eci[live], CORRELATE_M)
    obj = np.where(a >= 0, live[np.maximum(a, 0)] if live.size else -1, -1)
    reported = (obj >= 0) & (report_s[np.maximum(obj, 0)] <= t)
    # an object with interceptors already in flight at it (under another, older
    # track: track breaks and re-initiations) is not engaged again (same
    # correlation shortcut as the launch report)
    flying = {j for j, done in zip(shots.threat, shots.resolved, strict=True) if not done}
    if flying:
        reported &= ~np.isin(obj, np.fromiter(flying, np.int64))
    # duplicate tracks (two confirmed tracks within DUPLICATE_M of each other):
    # the battle manager engages the one with more updates only
    if rows.size > 1:
        d = np.linalg.norm(x[:, None, :3] - x[None, :, :3], axis=-1)
        upd = tracker.n_updates[rows]
        better = (upd[None, :] > upd[:, None]) | (
            (upd[None, :] == upd[:, None])
            & (np.arange(rows.size)[None, :] < np.arange(rows.size)[:, None])
        )
        reported &= ~np.any((d < DUPLICATE_M) & better, axis=1)
    rows, x, p, obj = rows[reported], x[reported], p[reported], obj[reported]
    if rows.size == 0:
        return
    believed = declared_kind(world, book, obj)
    engage = believed >= 0  # objects discriminated as decoys are not engaged
    # level flyers (glide vehicles, cruise missiles: told apart by their kinematics)
    # are predicted by level flight; ballistic tracks only while not manoeuvring
    level = np.isin(believed, (OBJECT_GLIDE, OBJECT_CRUISE))
    engage &= level | ~tracker.manoeuvring(t)[rows]
    rows, x, p, obj, believed = rows[engage], x[engage], p[engage], obj[engage], believed[engage]
    level = level[engage]
    if rows.size == 0:
        return
    tids = tid_all[rows]
    # threat evaluation: impact point with its uncertainty (sigma points of the
    # track covariance), P(each asset), expected threatened value
    protect = world.assets.priority_value(doc.value_function)
    p_lethal = lethal_probability(world, book, obj)  # decoys weigh by P(lethal)
    n_c = x.shape[0]
    asset = np.full(n_c, -1, np.int64)
    t_imp = np.full(n_c, np.nan)
    ok_imp = np.zeros(n_c, bool)
    expected = np.zeros(n_c)
    bal = ~level
    if bal.any():
        ta = assess_threats(
            x[bal],
            p[bal],
            t,
            world.epoch,
            world.assets.lat_rad,
            world.assets.lon_rad,
            world.assets.radius_m,
            p_lethal=p_lethal[bal],
            asset_value=protect,
            dt_s=PREDICT_STEP_S,
        )
        asset[bal], t_imp[bal], ok_imp[bal] = ta.top_asset, ta.t_impact_s, ta.ok
        expected[bal] = ta.expected_value
    if level.any():
        t_lv = np.arange(t, t + LEVEL_FLIGHT_HORIZON_S + 1e-9, LEVEL_STEP_S)
        st_lv = predict_level_flight(x[level], t, world.epoch, t_lv)
        a_lv, t_in = level_flight_threat(
            st_lv,
            t_lv,
            world.epoch,
            world.assets.lat_rad,
            world.assets.lon_rad,
            world.assets.radius_m,
            LEVEL_HEADING_SIGMA_RAD,
        )
        asset[level], t_imp[level], ok_imp[level] = a_lv, t_in, a_lv >= 0
        expected[level] = np.where(a_lv >= 0, protect[np.maximum(a_lv, 0)], 0.0)
    value = np.where(ok_imp & (asset >= 0), expected, 0.0)
    keep = value > 0
    # a track not (yet) seen to threaten an asset, or not yet reachable, is
    # looked at again after REEVALUATE_S rather than at every decision epoch
    book.next_eval[tids] = t + REEVALUATE_S
    if not keep.any():
        return
    tids, obj, x, p, value, t_imp, believed, level = (
        tids[keep],
        obj[keep],
        x[keep],
        p[keep],
        value[keep],
        t_imp[keep],
        believed[keep],
        level[keep],
    )
    n_s = len(world.sites)
    feasible = np.zeros((tids.size, n_s), bool)
    t_int = np.full((tids.size, n_s), np.inf)
    alt_int = np.full((tids.size, n_s), np.nan)
    closing = np.zeros((tids.size, n_s))
    win_start = np.full((tids.size, n_s), np.nan)  # feasible intercept windows [s]
    win_end = np.full((tids.size, n_s), np.nan)
    pip_lat = np.full((tids.size, n_s), np.nan)
    pip_lon = np.full((tids.size, n_s), np.nan)
    t_launch = np.zeros(n_s)
    t_c = np.arange(t + CANDIDATE_STEP_S, float(np.max(t_imp)), CANDIDATE_STEP_S)
    if any(site.spec.flyout == "envelope" for site in world.sites):
        # endgame layers: their windows last seconds, so a fine grid before each impact
        end = (t_imp[:, None] - np.arange(ENDGAME_S, 0.0, -ENDGAME_STEP_S)[None, :]).ravel()
        t_c = np.unique(np.concatenate([t_c, end[end > t + 1.0]]))
    if t_c.size == 0:
        return
    states = propagate(x, t, t_c, max_step_s=PREDICT_STEP_S)  # (n, k, 6) ECI
    if level.any():
        states[level] = predict_level_flight(x[level], t, world.epoch, t_c)
    c2_delay, c2_extra, c2_ok = _c2_delays(world, t, inventory, book)
    for s_i, site in enumerate(world.sites):  # fire units: a handful
        if inventory[s_i] <= 0 or not c2_ok[s_i]:
            continue
        t_launch[s_i] = max(float(earliest_launch_s(site.spec, t)), t + float(c2_delay[s_i]))
        plan = plan_for_site(
            site,
            t_launch[s_i],
            t_c,
            states[..., :3],
            float(gmst_at(world.epoch, t_launch[s_i])),
            states[..., 3:],
            believed,
        )
        feasible[:, s_i] = plan.feasible & (plan.t_intercept_s < t_imp)
        win_start[:, s_i], win_end[:, s_i] = intercept_window(plan, t_c)
        gm = gmst_at(world.epoch, np.nan_to_num(plan.t_intercept_s, nan=t))
        la, lo, _ = ecef_to_geodetic(eci_to_ecef(np.nan_to_num(plan.r_pip_eci_m), gm))
        pip_lat[:, s_i], pip_lon[:, s_i] = la, lo
        t_int[:, s_i] = np.where(plan.feasible, plan.t_intercept_s, np.inf)
        alt_int[:, s_i] = plan.intercept_alt_m
        closing[:, s_i] = plan.closing_speed_mps
    if not feasible.any():
        return
    if doc.shoot_look_shoot:
        _hold_later_layers(
            world, t, t_c, states, feasible, t_int, t_launch, t_imp, believed, win_end
        )
        if not feasible.any():
            return
    # per-axis position error of the track at the decision (handover quality)
    sigma_pos = np.sqrt(np.trace(p[:, :3, :3], axis1=1, axis2=2) / 3.0)
    pk = np.zeros((tids.size, n_s))
    for s_i, site in enumerate(world.sites):  # fire units: a handful
        pk[:, s_i] = shot_pk(site.spec, closing[:, s_i], sigma_pos, object_kind=believed)
    # fire-control channels: a unit guides at most `channels` interceptors at once
    limit = inventory.copy()
    if world.channels:
        pending = [si for si, done in zip(shots.site, shots.resolved, strict=True) if not done]
        in_air = np.bincount(np.asarray(pending, dtype=np.int64), minlength=n_s)
        for s_i, ch in enumerate(world.channels):  # fire units: a handful
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
        shots.threat.append(int(obj[ti]))
        shots.track.append(tid)
        shots.site.append(si)
        shots.decision_t_s.append(t)
        shots.launch_t_s.append(float(t_launch[si]))
        shots.intercept_t_s.append(float(t_int[ti, si]))
        shots.intercept_alt_m.append(float(alt_int[ti, si]))
        shots.pk.append(float(pk[ti, si]))
        spec = world.sites[si].spec
        shots.class_pk.append(float(class_pk(spec, np.array([believed[ti]]))[0]))
        shots.reach_m.append(float(divert_reach_m(spec, closing[ti, si])))
        shots.sigma_m.append(float(sigma_pos[ti]))
        shots.intercept_lat_rad.append(float(pip_lat[ti, si]))
        shots.intercept_lon_rad.append(float(pip_lon[ti, si]))
        shots.planned_miss_m.append(float("nan"))
        shots.achieved_miss_m.append(float("nan"))
        shots.hit.append(False)
        shots.resolved.append(False)
        shots.c2_delay_s.append(float(c2_delay[si]))
        shots.c2_extra_s.append(float(c2_extra[si]))
        book.in_flight[tid] += 1
        book.engageable[tid] = False
        book.next_eval[tid] = t  # a survivor may be re-engaged as soon as its shots resolve
