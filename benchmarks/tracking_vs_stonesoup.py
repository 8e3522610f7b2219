"""shieldlab's GNN-EKF tracker vs Stone Soup's GNN-EKF on the same radar detections.

Scene (one per size, seeded; same seed → same detections): ``n`` ballistic
midcourse objects (point-mass + J2 gravity, ``core.integrate.rk4``; 6 km/s,
flight-path angle 5°, random heading; initial az 0–90°, el 15–35°, range
900–1300 km from the radar) seen by ONE radar at 40° N, 100° W: (range, az,
el) with σ = (50 m, 1 mrad, 1 mrad), P_D = 0.9, detections only above the
horizon, Poisson clutter (``--clutter`` per scan) uniform in a (range, az, el)
window, a scan every 5 s for 300 s (61 scans; scenes of more than 100 targets
are cut to 25 scans, 120 s, for BOTH trackers — Stone Soup's time grows ~ n²).
The detections of a scene are generated once and fed to both trackers.

shieldlab: :func:`shieldlab.tracking.tracker.run_tracker` (ECI state, RK4 +
J2 prediction with STM, white-acceleration q = 0.01 m²/s³, χ²₃ gate
p = 0.9997, GNN, confirmation 3 of 5, deletion after 5 misses).

Stone Soup (1.9.x): the most faithful set-up its stock components allow.
State (x, y, z, ẋ, ẏ, ż) in the radar's local ENU frame (x east, y north,
z up, origin at the radar, rotating with the Earth);
``CombinedLinearGaussianTransitionModel`` of three ``ConstantVelocity``
(Stone Soup has no ballistic/J2 model: gravity ≈ 9 m/s², plus the Coriolis
and centrifugal terms of the rotating frame, are left to the process noise,
q = ``--ss-q`` m²/s³ per axis, default 1000, ≈ 2·a²·Δt with a = 10 m/s²,
Δt = 5 s: the best of a sweep on the 10-target scene, seed 1 — q = 50, 200,
500, 1000, 2000, 5000, 20000 gave GOSPA 11.0, 6.1, 4.9, 4.6, 4.7, 5.0, 5.6 km);
``ExtendedKalmanPredictor`` / ``ExtendedKalmanUpdater``; measurement model
``CartesianToElevationBearingRange`` with the sensor at the origin and no
rotation, fed the SAME (range, az, el) detections converted to its
conventions: measurement vector (elevation, bearing, range), bearing =
atan2(y, x) = π/2 − az (az from north, clockwise), elevation unchanged,
noise diag(σ_el², σ_az², σ_R²); ``DistanceHypothesiser`` with ``Mahalanobis``
and missed_distance = √χ²₃(0.9997) (the same gate as shieldlab);
``GNNWith2DAssignment``; ``MultiMeasurementInitiator`` (prior velocity 0 in
the Earth-fixed frame with σ 3000 m/s per axis — shieldlab's prior —,
``min_points`` = 3, its holding tracks deleted after 2 scans without an
update) over ``SimpleMeasurementInitiator``; ``UpdateTimeStepsDeleter``
(deletion after 5 steps without an update); ``MultiTargetTracker``.

Two comparisons, on the same detections:

- **Accuracy, each tracker with its best motion model.** shieldlab with its
  ballistic model (RK4 + J2, q = 0.01 m²/s³); Stone Soup with constant
  velocity at the q of the sweep above (its stock models have no gravity).
  The GOSPA difference is mostly the motion model, which is the point of it.
- **Speed, both with the same motion model.** Constant velocity with
  white-acceleration noise of the same q (``--ss-q``) on both sides: Stone
  Soup as above (the same run), shieldlab with gravity switched off for every
  track (``level_max_alt_m`` = ``level_max_speed_mps`` = ∞: inertial constant
  velocity, :func:`shieldlab.tracking.ekf.ekf_predict` with ``g_scale`` 0), the
  gate, confirmation, deletion and prior unchanged. The frames differ (ECI for
  shieldlab, the Earth-fixed ENU frame for Stone Soup); the work per track and
  scan — predict, gate, assign, update — is the same.

Scoring: the trackers' confirmed tracks after each scan vs truth positions
of the objects above the radar's horizon, in ECI (Stone Soup's ENU positions
are rotated into ECEF and then ECI at the scan time), with the same
:func:`shieldlab.tracking.metrics.gospa_series` (c = 5 km, p = 2, α = 2),
averaged over the last half of the scans. Times: the trackers only (scene
generation and the conversion of detections into Stone Soup objects are not
timed), single process, each the best of the same ``--repeat`` runs (default
1: Stone Soup takes minutes on the 500-target scene).

Run: ``.venv/bin/python benchmarks/tracking_vs_stonesoup.py [--sizes 10,100,500]
[--seed 1] [--clutter 5] [--ss-q 1000] [--repeat 1] [--json]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import chi2

from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    ecef_to_eci,
    enu_matrix,
    geodetic_to_ecef,
)
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4
from shieldlab.core.time import gmst_at
from shieldlab.sensors.measurements import Measurements
from shieldlab.tracking.ekf import SiteGeometry
from shieldlab.tracking.metrics import gospa_series
from shieldlab.tracking.scenes import ballistic_velocity, points_from_site_eci, radar_scans
from shieldlab.tracking.tracker import TrackerConfig, run_tracker

if TYPE_CHECKING:  # Stone Soup is optional: imported only when its tracker is run
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
LAT, LON, ALT = 40.0 * DEG, -100.0 * DEG, 0.0
SITE_ECEF = geodetic_to_ecef(LAT, LON, ALT).reshape(3)
SITE_ENU = enu_matrix(LAT, LON).reshape(3, 3)  # rows E, N, U in ECEF: enu = R @ (ecef − site)
SITE = SiteGeometry(SITE_ECEF.reshape(1, 3), SITE_ENU.reshape(1, 3, 3))
SIGMA = np.array([50.0, 1e-3, 1e-3])  # range [m], az [rad], el [rad]
DT_SCAN_S = 5.0
N_SCANS = 61  # 0 … 300 s
N_SCANS_LARGE = 25  # 0 … 120 s, for scenes above LARGE_TARGETS (Stone Soup's time ~ n²)
LARGE_TARGETS = 100
PD = 0.9
P_GATE = 0.9997
CLUTTER_WIN = ((800e3, 3000e3), (-0.3, 2.0), (0.03, 0.9))  # range [m], az [rad], el [rad]
CFG = TrackerConfig(q_m2_s3=0.01, p_gate=P_GATE, M=3, N=5, K=5)
GOSPA_C_M = 5e3


# ------------------------------------------------------------------ scene
def _deriv(t: float, y: np.ndarray) -> np.ndarray:
    return np.concatenate([y[..., 3:], accel_j2(y[..., :3])], axis=-1)


def make_scene(
    n: int, seed: int, clutter_rate: float, n_scans: int = N_SCANS
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, float, Measurements]]]:
    """Truth (T, n, 6) ECI, visible (T, n), t_grid (T,), scans of sensor 0 (T = n_scans)."""
    rng = np.random.default_rng(seed)
    t_grid = DT_SCAN_S * np.arange(n_scans, dtype=np.float64)
    az = rng.uniform(0.0, 90.0, n) * DEG
    el = rng.uniform(15.0, 35.0, n) * DEG
    rg = rng.uniform(900e3, 1300e3, n)
    r = points_from_site_eci(SITE_ECEF, SITE_ENU, az, el, rg, float(t_grid[0]), EPOCH)
    v = ballistic_velocity(r, rng.uniform(0, 2 * math.pi, n), 6000.0, 5.0 * DEG)
    truth = rk4(_deriv, np.concatenate([r, v], axis=-1), t_grid)
    visible, out = radar_scans(
        truth,
        np.ones(truth.shape[:2], dtype=bool),
        t_grid,
        EPOCH,
        LAT,
        LON,
        ALT,
        SIGMA,
        rng,
        PD,
        clutter_rate,
        CLUTTER_WIN,
    )
    return truth, visible, t_grid, out


# ------------------------------------------------------------- stone soup
def _stonesoup_tracker(
    q_m2_s3: float,
) -> tuple[MultiTargetTracker, CartesianToElevationBearingRange]:
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q_m2_s3)] * 3)
    sensor = CartesianToElevationBearingRange(
        ndim_state=6,
        mapping=(0, 2, 4),
        noise_covar=np.diag([SIGMA[2] ** 2, SIGMA[1] ** 2, SIGMA[0] ** 2]),
    )
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(sensor)
    gate_d = math.sqrt(float(chi2.ppf(P_GATE, 3)))
    hypothesiser = DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate_d)
    associator = GNNWith2DAssignment(hypothesiser)
    v2 = CFG.vel_sigma_mps**2
    prior = GaussianState(np.zeros((6, 1)), np.diag([0.0, v2, 0.0, v2, 0.0, v2]))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=associator,
        updater=updater,
        measurement_model=sensor,
        min_points=CFG.M,
    )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(CFG.K),
        detector=None,
        data_associator=associator,
        updater=updater,
    )
    return tracker, sensor


def _to_stonesoup(
    scan_list: list[tuple[int, float, Measurements]], sensor: CartesianToElevationBearingRange
) -> list[tuple[datetime, set[Detection]]]:
    """(time, detections) per scan: z = (el, bearing = π/2 − az, range)."""
    from stonesoup.types.detection import Detection

    out = []
    for _, t, meas in scan_list:
        ts = EPOCH + timedelta(seconds=t)
        rg, az, el = meas.z[:, 0], meas.z[:, 1], meas.z[:, 2]
        brg = np.mod(0.5 * math.pi - az + math.pi, 2 * math.pi) - math.pi
        dets = {
            Detection(
                np.array([[el[i]], [brg[i]], [rg[i]]]), timestamp=ts, measurement_model=sensor
            )
            for i in range(rg.size)
        }
        out.append((ts, dets))
    return out


def run_stonesoup(
    scan_list: list[tuple[int, float, Measurements]], q_m2_s3: float, repeat: int = 1
) -> tuple[np.ndarray, np.ndarray, float]:
    """Stone Soup confirmed track positions (T, w, 3) in ECI, valid (T, w), and the best of
    ``repeat`` runs' seconds (a fresh tracker each run; the detections converted once)."""
    secs = math.inf
    for _ in range(repeat):
        tracker, sensor = _stonesoup_tracker(q_m2_s3)
        tracker.detector = _to_stonesoup(scan_list, sensor)
        per_scan: list[np.ndarray] = []
        t0 = time.perf_counter()
        for _, tracks in tracker:  # loop over scans
            per_scan.append(
                np.array([np.asarray(tr.state_vector, float)[[0, 2, 4], 0] for tr in tracks])
                .reshape(-1, 3)
            )  # fmt: skip
        secs = min(secs, time.perf_counter() - t0)
    width = max((p.shape[0] for p in per_scan), default=0)
    pos = np.full((len(per_scan), width, 3), np.nan)
    valid = np.zeros((len(per_scan), width), dtype=bool)
    gmst = gmst_at(EPOCH, np.array([t for _, t, _ in scan_list]))
    for k, p in enumerate(per_scan):  # loop over scans
        c = p.shape[0]
        pos[k, :c] = ecef_to_eci(SITE_ECEF + p @ SITE_ENU, gmst[k])
        valid[k, :c] = True
    return pos, valid, secs


# -------------------------------------------------------------------- run
def _score(truth: np.ndarray, visible: np.ndarray, pos: np.ndarray, valid: np.ndarray) -> float:
    g = gospa_series(truth[..., :3], visible, np.nan_to_num(pos), valid, GOSPA_C_M, 2.0)
    half = g.total.size // 2
    return float(g.total[half:].mean())


def run_shieldlab(
    scan_list: list[tuple[int, float, Measurements]], cfg: TrackerConfig, repeat: int = 1
) -> tuple[np.ndarray, np.ndarray, float]:
    """shieldlab confirmed track positions (T, w, 3) in ECI, valid (T, w), and the best of
    ``repeat`` runs' seconds."""
    secs = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        hist = run_tracker(iter(scan_list), SITE, EPOCH, cfg)
        secs = min(secs, time.perf_counter() - t0)
    return hist.pos_eci_m, hist.valid, secs


def cv_config(q_m2_s3: float) -> TrackerConfig:
    """shieldlab's tracker with constant velocity for every track (gravity off) at ``q``."""
    return replace(CFG, q_m2_s3=q_m2_s3, level_max_alt_m=math.inf, level_max_speed_mps=math.inf)


def have_stonesoup() -> bool:
    """Whether Stone Soup is installed (it is optional: ``pip install stonesoup``)."""
    return importlib.util.find_spec("stonesoup") is not None


def bench(
    n: int, seed: int, clutter_rate: float, ss_q: float, repeat: int, with_ss: bool = True
) -> dict[str, float]:
    """One scene of ``n`` targets; Stone Soup's columns are NaN when ``with_ss`` is false."""
    n_scans = N_SCANS if n <= LARGE_TARGETS else N_SCANS_LARGE
    truth, visible, _, scan_list = make_scene(n, seed, clutter_rate, n_scans)
    pos, valid, s_sl = run_shieldlab(scan_list, CFG, repeat)
    g_sl = _score(truth, visible, pos, valid)
    pos, valid, s_cv = run_shieldlab(scan_list, cv_config(ss_q), repeat)
    g_cv = _score(truth, visible, pos, valid)
    g_ss = s_ss = math.nan
    if with_ss:
        pos, valid, s_ss = run_stonesoup(scan_list, ss_q, repeat)
        g_ss = _score(truth, visible, pos, valid)
    return {
        "targets": n,
        "scans": n_scans,
        "detections": int(sum(len(m) for _, _, m in scan_list)),
        "gospa_shieldlab_ballistic": g_sl,
        "gospa_shieldlab_cv": g_cv,
        "gospa_stonesoup_cv": g_ss,
        "seconds_shieldlab_ballistic": s_sl,
        "seconds_shieldlab_cv": s_cv,
        "seconds_stonesoup_cv": s_ss,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", default="10,100,500", help="comma-separated target counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clutter", type=float, default=5.0, help="mean false alarms per scan")
    ap.add_argument("--ss-q", type=float, default=1000.0, help="CV q of both [m²/s³]")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs of each tracker (best of)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with_ss = have_stonesoup()
    if not with_ss:
        print(
            "Stone Soup is not installed (pip install stonesoup): its columns are NaN "
            "(null in --json); "
            "benchmarks/tracker_scale.py measures shieldlab's tracker alone",
            file=sys.stderr,
        )
    rows = [
        bench(int(s), args.seed, args.clutter, args.ss_q, args.repeat, with_ss)
        for s in args.sizes.split(",")
        if s
    ]
    if args.json:
        clean = [  # strict JSON: a column Stone Soup did not fill is null, not NaN
            {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in rows
        ]
        print(json.dumps(clean, indent=1))
        return
    print(
        f"one radar, dt {DT_SCAN_S:g} s, P_D {PD}, clutter {args.clutter:g}/scan, "
        f"seed {args.seed}; GOSPA [km] (c 5 km, p 2, α 2, ECI) mean over the last half of "
        "the scans; both trackers get the same detections; scenes above "
        f"{LARGE_TARGETS} targets are cut to {N_SCANS_LARGE} scans for both; times: best "
        f"of {args.repeat}"
    )
    print(
        "\naccuracy, each its best motion model: shieldlab ballistic (RK4 + J2, q 0.01) vs "
        f"Stone Soup constant velocity (q {args.ss_q:g} m²/s³)"
    )
    print(f"{'targets':>8} {'scans':>6} {'GOSPA sl':>9} {'GOSPA ss':>9} {'s sl':>8} {'s ss':>9}")
    for r in rows:
        print(
            f"{r['targets']:>8} {r['scans']:>6} {r['gospa_shieldlab_ballistic'] / 1e3:>9.2f} "
            f"{r['gospa_stonesoup_cv'] / 1e3:>9.2f} {r['seconds_shieldlab_ballistic']:>8.2f} "
            f"{r['seconds_stonesoup_cv']:>9.2f}"
        )
    print(f"\nspeed, the same motion model: constant velocity, q {args.ss_q:g} m²/s³, on both")
    print(
        f"{'targets':>8} {'scans':>6} {'GOSPA sl':>9} {'GOSPA ss':>9} {'s sl':>8} "
        f"{'s ss':>9} {'ratio':>8}"
    )
    for r in rows:
        print(
            f"{r['targets']:>8} {r['scans']:>6} {r['gospa_shieldlab_cv'] / 1e3:>9.2f} "
            f"{r['gospa_stonesoup_cv'] / 1e3:>9.2f} {r['seconds_shieldlab_cv']:>8.2f} "
            f"{r['seconds_stonesoup_cv']:>9.2f} "
            f"{r['seconds_stonesoup_cv'] / r['seconds_shieldlab_cv']:>7.1f}x"
        )
    print("ratio = Stone Soup time / shieldlab time, same model, same detections")


if __name__ == "__main__":
    main()
