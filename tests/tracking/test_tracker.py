"""GNN multi-target tracker on synthetic midcourse scenes seen by one radar.

Truth: ballistic objects under point-mass + J2 gravity (``core.integrate.rk4``
with ``core.gravity.accel_j2``). Sensor: one synthetic radar (40° N, 100° W)
giving (range, az, el) with σ_R = 50 m, σ_angle = 1 mrad, P_D = 0.9, scan
every 5 s, plus Poisson clutter uniform in a (range, az, el) window. The
tracker never sees ``object_id``. Bounds below are engineering bounds on
these scenes (measured values in the comments), not published numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    enu_matrix,
    geodetic_to_ecef,
    radial_height_m,
)
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4
from shieldlab.sensors.measurements import Measurements, concat, empty
from shieldlab.tracking.ekf import SiteGeometry
from shieldlab.tracking.metrics import custody, gospa, gospa_series
from shieldlab.tracking.scenes import ballistic_velocity, points_from_site_eci, radar_scans
from shieldlab.tracking.tracker import (
    GnnTracker,
    Scan,
    TrackerConfig,
    miss_weight,
    run_tracker,
    scans,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
LAT, LON, ALT = 40.0 * DEG, -100.0 * DEG, 0.0
SITE = SiteGeometry(
    geodetic_to_ecef(LAT, LON, ALT).reshape(1, 3), enu_matrix(LAT, LON).reshape(1, 3, 3)
)
SIGMA = np.array([50.0, 1e-3, 1e-3])
DT_SCAN = 5.0
CLUTTER_WIN = ((800e3, 3000e3), (-0.3, 2.0), (0.03, 0.9))  # range [m], az [rad], el [rad]
CFG = TrackerConfig(q_m2_s3=0.01, M=3, N=5, K=5)  # K = 5: P(5 misses in a row) = 1e-5 at P_D 0.9


def _deriv(t: float, y: np.ndarray) -> np.ndarray:
    return np.concatenate([y[..., 3:], accel_j2(y[..., :3])], axis=-1)


def _states_at(az: np.ndarray, el: np.ndarray, rng_m: np.ndarray, t_s: float) -> np.ndarray:
    """ECI positions at ``t_s`` of points given by (az, el, range) from the site."""
    return points_from_site_eci(SITE.ecef_m[0], SITE.enu[0], az, el, rng_m, t_s, EPOCH)


_ballistic = ballistic_velocity


def _truth(y0: np.ndarray, t_grid: np.ndarray, t0_index: int = 0) -> np.ndarray:
    """Truth (T, n, 6) on ``t_grid`` from states ``y0`` given at ``t_grid[t0_index]``."""
    fwd = rk4(_deriv, y0, t_grid[t0_index:])
    if t0_index == 0:
        return fwd
    back = rk4(_deriv, y0, t_grid[: t0_index + 1][::-1])[::-1]
    return np.concatenate([back[:-1], fwd])


def _measure(
    truth: np.ndarray,
    exists: np.ndarray,
    t_grid: np.ndarray,
    rng: np.random.Generator,
    pd: float = 0.9,
    clutter_rate: float = 5.0,
) -> list[tuple[int, float, Measurements]]:
    """Scans (sensor 0) with noisy detections of existing objects and clutter."""
    return radar_scans(
        truth, exists, t_grid, EPOCH, LAT, LON, ALT, SIGMA, rng, pd, clutter_rate, CLUTTER_WIN
    )[1]


def _ten_targets(rng: np.random.Generator, t_grid: np.ndarray) -> np.ndarray:
    az = np.linspace(0.0, 90.0, 10) * DEG
    el = rng.uniform(15.0, 35.0, 10) * DEG
    rg = rng.uniform(900e3, 1300e3, 10)
    r = _states_at(az, el, rg, float(t_grid[0]))
    v = _ballistic(r, rng.uniform(0, 2 * math.pi, 10), 6000.0, 5.0 * DEG)
    return _truth(np.concatenate([r, v], axis=-1), t_grid)


def test_ten_separated_targets_in_clutter_are_tracked() -> None:
    rng = np.random.default_rng(42)
    t_grid = np.arange(0.0, 300.0 + 1e-9, DT_SCAN)
    truth = _ten_targets(rng, t_grid)
    assert radial_height_m(truth[..., :3]).min() > 150e3  # midcourse throughout
    exists = np.ones(truth.shape[:2], dtype=bool)
    hist = run_tracker(_measure(truth, exists, t_grid, rng), SITE, EPOCH, CFG)
    c = 5e3
    g = gospa_series(truth[..., :3], exists, hist.pos_eci_m, hist.valid, c, 2.0)
    empty = gospa(truth[-1, :, :3], np.empty((0, 3)), c, 2.0).total  # c·√5 ≈ 11.2 km
    # after initiation (5 scans), all 10 held and no confirmed false track at the end
    assert np.all(g.n_missed[6:] == 0)
    assert g.n_false[-1] == 0
    assert int(hist.valid[-1].sum()) == 10
    assert g.total[-1] < 0.3 * empty  # measured 1.9 km vs 11.2 km
    # position RMS of the assigned confirmed tracks over the last 10 scans
    d2 = g.localisation_p[-10:] / 10.0
    assert math.sqrt(float(d2.mean())) < 1e3  # measured 0.54 km
    # track ids unique at every scan
    for ids in hist.track_id:
        v = ids[ids >= 0]
        assert v.size == np.unique(v).size


def test_crossing_targets_keep_custody() -> None:
    rng = np.random.default_rng(5)
    t_grid = np.arange(0.0, 300.0 + 1e-9, DT_SCAN)
    kc = 15  # the two objects pass within ~5 km of each other at t = 150 s
    r = _states_at(
        np.array([30 * DEG, 30 * DEG]),
        np.array([25 * DEG] * 2),
        np.array([1500e3, 1500e3]),
        float(t_grid[kc]),
    )
    r[1] += 5e3 * np.cross(r[0], [0, 0, 1.0]) / np.linalg.norm(np.cross(r[0], [0, 0, 1.0]))
    v = _ballistic(r, np.array([0.0, 20.0 * DEG]), 6000.0, 0.0)
    truth = _truth(np.concatenate([r, v], axis=-1), t_grid, kc)
    sep = np.linalg.norm(truth[:, 0, :3] - truth[:, 1, :3], axis=-1)
    assert sep.min() < 6e3 and sep[0] > 50e3  # a real crossing
    exists = np.ones(truth.shape[:2], dtype=bool)
    hist = run_tracker(_measure(truth, exists, t_grid, rng, clutter_rate=2.0), SITE, EPOCH, CFG)
    cus = custody(truth[..., :3], exists, hist.pos_eci_m, hist.valid, hist.track_id, 5e3)
    # Asserted: each target changes its assigned track id at most once (a swap at the
    # crossing is the most a GNN may do) and is held ≥ 80 % of the time.
    assert np.all(cus.handovers <= 1)
    assert np.all(cus.fraction >= 0.8)
    assert int(hist.valid[-1].sum()) == 2


def test_killed_target_track_is_deleted_and_clutter_is_not_confirmed() -> None:
    rng = np.random.default_rng(9)
    t_grid = np.arange(0.0, 300.0 + 1e-9, DT_SCAN)
    truth = _ten_targets(rng, t_grid)[:, :3]
    exists = np.ones(truth.shape[:2], dtype=bool)
    k_kill = 15
    exists[k_kill:, 0] = False  # object 0 killed at t = 150 s
    hist = run_tracker(_measure(truth, exists, t_grid, rng, clutter_rate=5.0), SITE, EPOCH, CFG)
    cus = custody(truth[..., :3], exists, hist.pos_eci_m, hist.valid, hist.track_id, 5e3)
    tid0 = int(cus.assigned_id[k_kill - 1, 0])
    assert tid0 >= 0
    alive_rows = [tid0 in ids for ids in hist.track_id]
    # deleted by the K-th consecutive in-coverage miss (earlier only if it also missed before)
    assert alive_rows[k_kill - 1]
    assert not any(alive_rows[k_kill + CFG.K - 1 :])
    assert int(hist.valid[-1].sum()) == 2

    # clutter only: 20 false alarms per scan for 30 scans → no confirmed track
    empty_truth = np.zeros((t_grid.size, 0, 6))
    noex = np.zeros((t_grid.size, 0), dtype=bool)
    h2 = run_tracker(_measure(empty_truth, noex, t_grid, rng, clutter_rate=20.0), SITE, EPOCH, CFG)
    confirmed_ids = np.unique(h2.track_id[h2.valid])
    assert confirmed_ids.size <= 1  # measured 0 of ~1200 tentative tracks
    assert h2.n_tracks.max() < 120  # tentative tracks are pruned (measured max 72)


def test_reproducible_and_ids_unique() -> None:
    t_grid = np.arange(0.0, 150.0 + 1e-9, DT_SCAN)
    truth = _ten_targets(np.random.default_rng(1), t_grid)
    exists = np.ones(truth.shape[:2], dtype=bool)
    sc = _measure(truth, exists, t_grid, np.random.default_rng(2))
    a = run_tracker(sc, SITE, EPOCH, CFG)
    b = run_tracker(sc, SITE, EPOCH, CFG)
    for f in ("t_s", "pos_eci_m", "vel_eci_mps", "valid", "track_id", "n_tracks"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    # regrouping the flattened batch with scans() gives the same result
    c = run_tracker(scans(concat([m for _, _, m in sc])), SITE, EPOCH, CFG)
    np.testing.assert_array_equal(a.track_id, c.track_id)
    np.testing.assert_array_equal(a.pos_eci_m, c.pos_eci_m)
    trk = GnnTracker(CFG)
    for s, t, m in sc:
        trk.process_scan(m, SITE, EPOCH, sensor_index=s, t_s=t)
        assert np.unique(trk.track_id).size == len(trk)
        assert np.all(np.diff(trk.track_id) > 0)  # increasing in creation order
    x, ids = trk.confirmed_states(float(t_grid[-1]) + 20.0)
    assert x.shape == (ids.size, 6) and ids.size == 10
    # an empty scan needs its sensor and time; it counts as a miss for tracks in coverage
    with pytest.raises(ValueError):
        trk.process_scan(empty(), SITE, EPOCH)
    before = dict(zip(trk.track_id.tolist(), trk.misses.tolist(), strict=True))
    trk.process_scan(empty(), SITE, EPOCH, sensor_index=0, t_s=float(t_grid[-1]) + 5.0)
    assert all(trk.misses[k] == before[i] + 1 for k, i in enumerate(trk.track_id.tolist()))


def _confirmed_by_layer_0(rng: np.random.Generator) -> tuple[GnnTracker, list[Scan]]:
    """A track confirmed by layer 0 (5 one-second scans) and the scans that follow."""
    t_grid = np.arange(0.0, 120.0 + 1e-9, 1.0)
    r = _states_at(np.array([40 * DEG]), np.array([25 * DEG]), np.array([1200e3]), 0.0)
    v = _ballistic(r, np.array([1.0]), 6000.0, 5.0 * DEG)
    truth = _truth(np.concatenate([r, v], axis=-1), t_grid)
    exists = np.ones(truth.shape[:2], dtype=bool)
    sc = _measure(truth, exists, t_grid, rng, pd=1.0, clutter_rate=0.0)
    trk = GnnTracker(TrackerConfig(q_m2_s3=0.01, M=3, N=5, K=3, n_layers=2))
    for _, t, m in sc[:5]:
        trk.process_scan(m, SITE, EPOCH, sensor_index=0, t_s=t, layer=0)
    assert trk.confirmed.tolist() == [True]
    return trk, sc[5:]


def _pd_of(p: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda r: np.full(r.shape[0], p)


def test_a_layer_that_cannot_see_an_object_does_not_delete_another_layers_track() -> None:
    """One object, updated by a slow layer (0, a hit every 10 s) and inside the field
    of view of a fast layer (1, a scan every second) that never detects it: beyond
    that radar's detection range of the object it must hold (expected Pd 0), its
    silence is no evidence and must not delete the track the slow layer updates."""
    trk, rest = _confirmed_by_layer_0(np.random.default_rng(7))
    for _, t, m in rest:
        if round(t) % 10 == 0:
            trk.process_scan(m, SITE, EPOCH, sensor_index=0, t_s=t, layer=0)
        else:  # layer 1 scans the same volume and sees nothing
            trk.process_scan(
                empty(), SITE, EPOCH, sensor_index=0, t_s=t, layer=1, expected_pd=_pd_of(0.0)
            )
    assert trk.confirmed.tolist() == [True]
    # the same scans counted as full misses (no expected Pd) delete it within K of them
    trk, rest = _confirmed_by_layer_0(np.random.default_rng(7))
    for _, t, _m in rest[:3]:
        trk.process_scan(empty(), SITE, EPOCH, sensor_index=0, t_s=t, layer=1)
    assert not len(trk)


def test_a_miss_where_the_radar_seldom_detects_weighs_less() -> None:
    """The object is gone: a radar expecting Pd 0.1 deletes the track after
    ⌈K / −log₂ 0.9⌉ = 20 misses (K = 3), not after 3; at Pd ≥ 0.5 after K."""
    assert miss_weight(np.array([0.0, 0.1, 0.5, 0.9])) == pytest.approx(
        [0.0, 0.152003, 1.0, 1.0], abs=1e-6
    )
    for pd, lives in ((0.1, 19), (0.5, 2), (0.9, 2)):
        trk, rest = _confirmed_by_layer_0(np.random.default_rng(7))
        for k, (_, t, _m) in enumerate(rest[: lives + 1]):
            assert len(trk) == 1, (pd, k)
            trk.process_scan(
                empty(), SITE, EPOCH, sensor_index=0, t_s=t, layer=1, expected_pd=_pd_of(pd)
            )
        assert not len(trk), pd


def test_a_track_coasting_out_of_coverage_is_deleted_once_deep_underground() -> None:
    """An object dives into the ground outside every sensor's coverage (no scan counts
    a miss): its track coasts on, and is deleted once predicted more than
    ``max_depth_m`` below the polar radius, not predicted through the Earth forever."""
    rng = np.random.default_rng(3)
    t_grid = np.arange(0.0, 5.0, 1.0)
    r = _states_at(np.array([0.5]), np.array([20 * DEG]), np.array([300e3]), 0.0)
    v = _ballistic(r, np.array([0.5]), 4000.0, -60.0 * DEG)
    truth = _truth(np.concatenate([r, v], axis=-1), t_grid)
    sc = _measure(truth, np.ones(truth.shape[:2], dtype=bool), t_grid, rng, 1.0, 0.0)
    trk = GnnTracker(TrackerConfig(q_m2_s3=0.01, M=3, N=5, K=3))
    for _, t, m in sc:
        trk.process_scan(m, SITE, EPOCH, sensor_index=0, t_s=t)
    assert trk.confirmed.tolist() == [True]

    def blind(r_eci: np.ndarray) -> np.ndarray:  # out of coverage: no miss ever counts
        return np.zeros(r_eci.shape[0], dtype=bool)

    depth = []
    for t in np.arange(5.0, 120.0, 1.0):
        trk.process_scan(empty(), SITE, EPOCH, sensor_index=0, t_s=float(t), coverage=blind)
        if not len(trk):
            break
        depth.append(float(radial_height_m(trk.x[:, :3])[0]))
    assert not len(trk)
    assert min(depth) < -10e3  # it did coast below the surface first (not a miss)
    assert min(depth) > -50e3 - 25e3  # ... and went at most ~a step past the limit


def test_tracker_config_rejects_a_non_positive_depth() -> None:
    with pytest.raises(ValueError, match="max_depth_m"):
        TrackerConfig(max_depth_m=0.0)
