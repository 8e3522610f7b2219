"""The truth boundary: the one module of the engine that reads the threat truth.

It reads truth for exactly two purposes:

* **making measurements** — radar looks (with their false alarms), IR frames
  of the tracking layer (with a measured, noisy in-band intensity: the "hot"
  flag of a detection comes from it), warning-layer plume detections and the
  launch reports made from them (reported position with the warning sensor's
  error), discrimination features of each radar look, the directed-energy
  weapons' own short-range sensors and their fine trackers;
* **resolving the physics of a shot or a beam** — the kill vehicle homes on
  what its seeker sees around the handover point (:func:`resolve_shot`), a
  beam acts on the object it is on (:mod:`shieldlab.sim.beams`), a kill
  assessment look reports correctly with a probability from the look's SNR
  (:func:`assess_kill`).

The decision code (:mod:`shieldlab.sim.decide`, :mod:`shieldlab.battle`) never
imports this module or the truth (import-linter contract).

Named shortcut (reported in the run's provenance as ``truth_shortcuts``): the
SBI layer's boost-phase fire control flies the truth boost path of a reported
launch (:mod:`shieldlab.sim.engine`); a boost-phase track-based fire control is
not modelled.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from shieldlab.core.frames import eci_to_ecef
from shieldlab.core.objects import OBJECT_RV
from shieldlab.sensors.airborne import airborne_observe
from shieldlab.sensors.clutter import radar_false_alarms
from shieldlab.sensors.ir import geo_ir_detect, warning_ir_detect
from shieldlab.sensors.ir_track import body_intensity_w_sr, ir_track_observe
from shieldlab.sensors.measurements import Measurements, concat
from shieldlab.sensors.radar import RadarSite, radar_observe, radar_snr, radar_visible
from shieldlab.sensors.resolution import merge_unresolved
from shieldlab.sim.decide import LaunchReports, Shots
from shieldlab.sim.defense import Defense
from shieldlab.sim.world import World
from shieldlab.threats import PHASE_IMPACTED, PHASE_PRELAUNCH
from shieldlab.weapons.intercept import class_pk

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

TRUTH_PATH_SHORTCUT = "sbi-fire-control-flies-truth-boost-path"
"""The named shortcut of an SBI layer with ``fire_control: truth-path``."""
TRUTH_SHORTCUTS = (TRUTH_PATH_SHORTCUT,)
"""Every named place where the defence may read truth (each reported by ``run`` when
the scenario uses it: :func:`truth_shortcuts`)."""
BOOST_SEEKER_M = 100_000.0
"""An SBI kill vehicle, updated in flight by the plume track, acquires the boosting
missile nearest its predicted intercept point within this distance [m] (a hot plume
is seen from far; stated)."""


def truth_shortcuts(world: World) -> list[str]:
    """The named truth shortcuts a world uses (empty: the defence reads no truth)."""
    sb = world.scenario.space_interceptors
    used = world.sbi and any(x.fire_control == "truth-path" for x in sb)
    return [TRUTH_PATH_SHORTCUT] if used else []


WARNING_POS_SIGMA_M = 2_000.0
"""1-σ per axis of a warning satellite's plume position (a few km GEO/HEO pixel
footprint; stated assumption)."""
IR_INTENSITY_NOISE = 0.1
"""Relative 1-σ of the tracking layer's measured in-band intensity (radiometric
calibration and noise; stated assumption)."""
BODY_TEMP_K = 300.0
BODY_AREA_M2 = 0.5
BODY_EMISSIVITY = 0.9
"""IR signature of a body without a modelled skin temperature: a 300 K grey body of
0.5 m² and emissivity 0.9 (radiative equilibrium of a sunlit RV, APS 2003 ch. 9)."""
SEEKER_SIGMAS = 3.0
"""The kill vehicle's seeker searches the handover point ± this many track σ beyond
its divert reach; the object nearest the handover point there is the one it homes on."""
KA_DPRIME_MAX = 4.0
KA_SNR_C_LINEAR = 10.0
KA_RCS_M2 = 0.1
KA_DEBRIS_EXO = 0.7
KA_EXO_ALT_M = 100_000.0
"""Kill assessment look: d' = 4·√(SNR/(SNR + 10))·(0.7 above 100 km, where the debris
keeps flying with the warhead's remnant), SNR of the best radar on a 0.1 m² target at
the intercept point; P(correct report) = Φ(d'/2) (equal-error threshold). A shot no
radar can look at is reported "not killed". Stated model after the kill-assessment
discussion in APS 2003 §12 and Wilkening 2000 (the look's d' sets the error rates)."""
DEBRIS_VISIBLE_S = 60.0
"""A kinetic kill leaves debris that the sensors keep seeing along the object's path
for this long [s] (its tracks coast on it; stated assumption)."""


def in_flight(world: World, k: int, alive: BoolArr) -> BoolArr:
    """Objects (n,) alive and flying (launched, not impacted) at truth sample ``k``."""
    phase = world.truth.phase[:, k]
    return np.asarray(alive & (phase != PHASE_PRELAUNCH) & (phase != PHASE_IMPACTED))


def radar_look(
    world: World,
    radar: RadarSite,
    i: int,
    layer_k: int,
    t: float,
    r_eci: F64,
    v_eci: F64,
    k: int,
    visible: BoolArr,
    gmst: float,
    rng: np.random.Generator,
) -> Measurements:
    """One look of surface radar i (ground/sea) or airborne radar (layer 3) at the
    ``visible`` objects, with the radar's false alarms (``object_id`` −1).

    Closely spaced objects the radar cannot resolve (within one range cell and
    one beamwidth, :func:`~shieldlab.sensors.resolution.merge_unresolved`) give one
    detection at their SNR-weighted centroid, credited to the strongest: a
    threat cloud is a cluster track until it spreads beyond the resolution."""
    rcs = world.truth.rcs_m2[:, k]
    if layer_k == 3:
        a = world.airborne[i - len(world.radars)]
        det = airborne_observe(
            a.sensor, i, t, a.lat_rad, a.lon_rad, a.alt_m, r_eci, rcs, visible, gmst, rng
        )
    else:
        det = radar_observe(radar, i, t, r_eci, rcs, visible, gmst, rng, v_eci_mps=v_eci)
    meas = concat([det, radar_false_alarms(radar, rng, t_s=t, sensor_index=i)])
    if len(meas) < 2:
        return meas
    merged, _ = merge_unresolved(meas, radar, snr=look_snr(world, radar, meas, k))
    return merged


def look_snr(world: World, radar: RadarSite, meas: Measurements, k: int) -> F64:
    """Single-look SNR (linear) of each detection (the radar's own measurement of the
    return; false alarms at the detection threshold's noise level, SNR 1)."""
    obj = meas.object_id
    rcs = np.where(obj >= 0, world.truth.rcs_m2[np.maximum(obj, 0), k], 0.0)
    snr = radar_snr(radar, meas.z[:, 0], rcs)
    return np.asarray(np.where((obj >= 0) & (snr > 0.0), snr, 1.0))


def feature_looks(world: World, meas: Measurements, info: F64, rng: np.random.Generator) -> F64:
    """Measured discrimination feature of each radar look: y ~ N(√Δ·[RV], 1), Δ the
    look's discrimination information (the track's d'² increase); clutter and
    every non-RV object read as a decoy. One normal per look."""
    obj = meas.object_id
    rv = (obj >= 0) & (world.truth.object_kind[np.maximum(obj, 0)] == OBJECT_RV)
    return np.asarray(np.sqrt(info) * rv + rng.standard_normal(obj.size))


def warning_frame(
    world: World,
    sensor_index: int,
    t: float,
    k: int,
    r_eci: F64,
    exists: BoolArr,
    gmst: float,
    rng: np.random.Generator,
) -> BoolArr:
    """One frame of warning sensor ``sensor_index`` (GEO sensors first, then the
    warning constellations): the objects (n,) whose plume it detects."""
    plume = world.truth.plume_w_sr[:, k]
    n_geo = len(world.geo_ir)
    if sensor_index < n_geo:
        return geo_ir_detect(world.geo_ir[sensor_index], r_eci, plume, exists, gmst, rng)
    wl = world.warning[sensor_index - n_geo]
    sats = wl.constellation.positions_ecef(t)[:, 0]
    return warning_ir_detect(wl.sensor, sats, r_eci, plume, exists, gmst, rng)


def plume_positions(r_eci: F64, detected: BoolArr, gmst: float, rng: np.random.Generator) -> F64:
    """Measured ECEF positions (d, 3) of the detected plumes (error
    :data:`WARNING_POS_SIGMA_M` per axis; 3·d normals)."""
    idx = np.flatnonzero(detected)
    pos = eci_to_ecef(r_eci[idx], gmst)
    return np.asarray(pos + WARNING_POS_SIGMA_M * rng.standard_normal(pos.shape))


def add_reports(reports: LaunchReports, seen_s: float, latency_s: float, pos_ecef: F64) -> None:
    """Append launch reports (one per newly seen plume) to the battle manager's list."""
    for p in pos_ecef:  # new plumes of one frame: a handful
        reports.seen_s.append(seen_s)
        reports.report_s.append(seen_s + latency_s)
        reports.pos_ecef_m.append(p)


def ir_intensity(world: World, k: int, layer_idx: int) -> F64:
    """In-band intensity of every object at truth sample k: plume + grey body [W/sr]."""
    tr = world.truth
    sensor = world.ir_tracking[layer_idx].sensor
    temp = np.where(tr.body_temp_k[:, k] > 0.0, tr.body_temp_k[:, k], BODY_TEMP_K)
    body = body_intensity_w_sr(temp, BODY_AREA_M2, BODY_EMISSIVITY, sensor.band_m)
    return np.asarray(tr.plume_w_sr[:, k] + body)


def ir_frame(
    world: World,
    layer_idx: int,
    t: float,
    k: int,
    r_eci: F64,
    visible: BoolArr,
    gmst: float,
    rng: np.random.Generator,
    sensor_offset: int,
) -> tuple[Measurements, F64, BoolArr]:
    """One frame of IR tracking constellation ``layer_idx``: angles-only detections,
    the observing satellite of each (m, 3) and whether the detection's *measured*
    intensity (relative noise :data:`IR_INTENSITY_NOISE`, m normals) is that of a
    hot (thrusting) source, above the layer's Earth-background threshold."""
    layer = world.ir_tracking[layer_idx]
    sats = layer.constellation.positions_eci(t)[:, 0]
    inten = ir_intensity(world, k, layer_idx)
    meas = ir_track_observe(
        layer.sensor, sats, r_eci, inten, visible, gmst, rng, t_s=t, sensor_index=sensor_offset
    )
    obs = sats[meas.sensor_index - sensor_offset]
    measured = inten[meas.object_id] * (1.0 + IR_INTENSITY_NOISE * rng.standard_normal(len(meas)))
    return meas, obs, np.asarray(measured >= layer.sensor.earth_min_intensity_w_sr)


def resolve_shot(
    world: World,
    shots: Shots,
    i: int,
    handover_eci: F64,
    alive: BoolArr,
    rng: np.random.Generator,
) -> tuple[int, float, float, bool]:
    """Physics of shot ``i`` at its intercept time: what the kill vehicle homes on.

    The kill vehicle arrives at the handover point (the aimed track's latest
    estimate of the intercept point, ECI [m]); its seeker sees the live flying
    objects within reach + :data:`SEEKER_SIGMAS` track σ of that point and homes on
    the nearest one (the RV, a decoy, the bus, another missile's object); the
    miss left is max(distance − divert reach, 0); a zero miss kills with the
    fire unit's class Pk against the object's true kind (one uniform per shot,
    drawn whatever happens). Returns (object, −1 if none; distance to it [m];
    miss left [m]; killed)."""
    t_int = shots.intercept_t_s[i]
    u = float(rng.random())
    tr = world.truth
    k = min(max(int(np.searchsorted(tr.t_s, t_int)), 0), tr.t_s.size - 1)
    live = in_flight(world, k, alive) & (t_int < tr.t_impact_s) & (t_int >= tr.t_launch_s)
    idx = np.flatnonzero(live)
    if idx.size == 0:
        return -1, float("nan"), float("nan"), False
    r, _ = tr.state_at(t_int)
    d = np.linalg.norm(r[idx] - handover_eci[None, :], axis=1)
    reach, sigma = shots.reach_m[i], shots.sigma_m[i]
    basket = reach + SEEKER_SIGMAS * sigma
    j = int(np.argmin(d))
    if d[j] > basket:
        return -1, float("nan"), float("nan"), False
    obj = int(idx[j])
    miss = max(float(d[j]) - reach, 0.0)
    spec = world.sites[shots.site[i]].spec
    pk = float(class_pk(spec, np.array([int(tr.object_kind[obj])]))[0])
    return obj, float(d[j]), miss, bool(miss <= 0.0 and u < pk)


def resolve_boost_shot(
    world: World,
    layer_i: int,
    carrier: int,
    fire_s: float,
    aim_eci: F64,
    t_aim_s: float,
    alive: BoolArr,
) -> tuple[int, float]:
    """Physics of one SBI shot fired at ``fire_s`` from ``carrier`` of SBI layer
    ``layer_i`` toward the fire control's latest predicted intercept point ``aim_eci``
    (3,) at ``t_aim_s``: the kill vehicle acquires the boosting missile nearest that
    point within :data:`BOOST_SEEKER_M` (a launch whose first object is alive and
    still before its engagement deadline) and meets it at ``t_aim_s`` or, when its
    carrier can first reach the missile later
    (:meth:`~shieldlab.sim.world.SbiLayer.reach_times` on the truth path), then —
    provided that is before the missile's true deadline. Returns (launch, −1 if
    none; intercept time [s], inf when the missile is out of reach)."""
    layer = world.sbi[layer_i]
    tr = world.truth
    cand = []
    for l_i, lr in enumerate(layer.launches):  # launches of the raid: vectorised below
        if lr.tau_s.size == 0:
            continue
        in_window = lr.t_launch_s <= t_aim_s <= lr.t_launch_s + float(lr.tau_s[-1]) + 2.0
        if in_window:
            cand.append(l_i)
    if not cand:
        return -1, math.inf
    first = np.array([int(np.flatnonzero(tr.launch_index == l_i)[0]) for l_i in cand])
    ok = alive[first]
    if not ok.any():
        return -1, math.inf
    cand_a, first = np.asarray(cand)[ok], first[ok]
    r, _ = tr.state_at(t_aim_s)
    d = np.linalg.norm(r[first] - aim_eci[None, :], axis=1)
    j = int(np.argmin(d))
    if d[j] > BOOST_SEEKER_M:
        return -1, math.inf
    l_i = int(cand_a[j])
    lr = layer.launches[l_i]
    t_reach = float(layer.reach_times(l_i, fire_s)[carrier])
    t_meet = max(t_reach, t_aim_s)
    return l_i, t_meet if t_meet <= lr.t_launch_s + float(lr.tau_s[-1]) + 1e-9 else math.inf


def kill_assessment_pcorrect(defense: Defense, pos_eci: F64, t: float, gmst: float) -> float:
    """P(correct kill-assessment report) of a look at ``pos_eci`` (3,) at ``t`` by the
    best radar that sees it (0.5 meaning no look; see :data:`KA_DPRIME_MAX`)."""
    r_ecef = eci_to_ecef(pos_eci[None, :], gmst)
    best = 0.0
    for radar, _ in defense.radars:  # radars: a handful
        vis, _, _, rng_m = radar_visible(radar, r_ecef)
        if bool(vis[0]):
            best = max(best, float(radar_snr(radar, rng_m[0], KA_RCS_M2)))
    if best <= 0.0:
        return 0.5
    alt = float(np.linalg.norm(pos_eci)) - 6_371_000.0
    d = KA_DPRIME_MAX * np.sqrt(best / (best + KA_SNR_C_LINEAR))
    if alt > KA_EXO_ALT_M:
        d *= KA_DEBRIS_EXO
    return float(ndtr(0.5 * d))


def assess_kill(
    defense: Defense, pos_eci: F64, t: float, gmst: float, killed: bool, rng: np.random.Generator
) -> bool:
    """The kill-assessment report of a shot (True: "killed"): correct with
    :func:`kill_assessment_pcorrect`; with no radar on the point, "not killed".
    One uniform per call."""
    p = kill_assessment_pcorrect(defense, pos_eci, t, gmst)
    u = float(rng.random())
    if p <= 0.5:
        return False
    return killed if u < p else not killed
