"""Track table: initiation, truth-id association, sequential multi-sensor updates."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    ecef_to_aer,
    ecef_to_eci_state,
    eci_to_ecef,
    enu_matrix,
    geodetic_to_ecef,
)
from shieldlab.core.integrate import rk4
from shieldlab.core.time import gmst_at
from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.measurements import Measurements, concat
from shieldlab.tracking.ekf import ballistic_deriv, ekf_predict, ekf_update, site_geometry
from shieldlab.tracking.table import TrackTable

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
SIG = np.array([30.0, 1e-3, 1e-3])


def _truth() -> tuple[np.ndarray, np.ndarray]:
    """Three objects in midcourse over the North Pacific, states every 10 s for 300 s."""
    x0 = []
    for k in range(3):
        lat, lon = (48.0 + k) * DEG, (-165.0 + 2 * k) * DEG
        v = enu_matrix(lat, lon).T @ np.array([6.5e3, -1.5e3, 300.0 * k])
        r, vv = ecef_to_eci_state(geodetic_to_ecef(lat, lon, 700e3), v, gmst_at(EPOCH, 0.0))
        x0.append(np.concatenate([r, vv]))
    t = np.arange(0.0, 301.0, 10.0)
    return t, rk4(ballistic_deriv, np.array(x0), t)  # (T, 3, 6)


def _measure(radars: list, t: float, x: np.ndarray, ids: np.ndarray, rng) -> Measurements:
    out = []
    g = float(gmst_at(EPOCH, t))
    for s, rad in enumerate(radars):
        az, el, rg = ecef_to_aer(eci_to_ecef(x[ids, :3], g), rad.lat_rad, rad.lon_rad, rad.alt_m)
        z = np.stack([rg, az, el], -1) + SIG * rng.standard_normal((ids.size, 3))
        m = ids.size
        out.append(
            Measurements(
                np.full(m, t),
                np.full(m, s, np.int64),
                ids.astype(np.int64),
                z,
                np.repeat(SIG[None], m, 0),
            )
        )
    return concat(out)


def test_table_tracks_three_objects_with_two_radars() -> None:
    rng = np.random.default_rng(9)
    t, xs = _truth()
    radars = [
        make_radar("generic-uhf-ewr", 52.7, 174.1),
        make_radar("generic-uhf-ewr", 57.0, -170.0),
    ]
    sites = site_geometry(radars)
    table = TrackTable.new(q_m2_s3=1e-4)
    err0 = None
    for k, tk in enumerate(t):
        ids = np.array([0, 1, 2]) if k >= 2 else np.array([2, 0])  # object 1 appears at k = 2
        meas = _measure(radars, tk, xs[k], ids, rng)
        clutter = Measurements(
            np.array([tk]), np.array([0]), np.array([-1]), np.array([[1e6, 0.0, 0.5]]), SIG[None]
        )
        table.update(concat([meas, clutter]), sites, EPOCH)
        rows = table.rows_of(np.array([0, 1, 2]))
        if k == 0:
            assert len(table) == 2 and rows[1] == -1
            assert np.all(table.n_updates == 2)  # initiated by radar 0, updated by radar 1
            assert not table.confirmed.any()
        if k == 3:
            err0 = np.linalg.norm(table.x[rows, :3] - xs[k, :, :3], axis=1)
    rows = table.rows_of(np.array([0, 1, 2]))
    assert len(table) == 3 and np.all(table.t_s == t[-1])
    assert table.n_updates[rows].tolist() == [62, 58, 62]
    assert table.confirmed.all()
    err = np.linalg.norm(table.x[rows, :3] - xs[-1, :, :3], axis=1)
    verr = np.linalg.norm(table.x[rows, 3:] - xs[-1, :, 3:], axis=1)
    assert np.all(err < 1000.0) and np.all(verr < 20.0), (err, verr)
    assert err0 is not None and np.all(err < err0)
    # predict-all and removal
    x_pred, _ = table.predicted(t[-1] + 60.0)
    table.predict_to(t[-1] + 60.0)
    assert np.allclose(table.x, x_pred) and np.all(table.t_s == t[-1] + 60.0)
    table.remove(table.object_id == 1)
    assert sorted(table.object_id.tolist()) == [0, 2] and table.P.shape == (2, 6, 6)


def test_two_sensors_at_one_time_are_applied_sequentially() -> None:
    rng = np.random.default_rng(1)
    t, xs = _truth()
    radars = [
        make_radar("generic-uhf-ewr", 52.7, 174.1),
        make_radar("generic-uhf-ewr", 57.0, -170.0),
    ]
    sites = site_geometry(radars)
    table = TrackTable.new(q_m2_s3=1e-3)
    table.update(_measure(radars[:1], t[0], xs[0], np.array([0]), rng), sites, EPOCH)
    x, p = table.x.copy(), table.P.copy()
    m = _measure(radars, t[1], xs[1], np.array([0]), rng)
    table.update(m, sites, EPOCH)
    g = np.full(1, float(gmst_at(EPOCH, t[1])))
    xe, pe = ekf_predict(x, p, t[1] - t[0], 1e-3)
    for j in range(2):
        s = m.sensor_index[j : j + 1]
        xe, pe, _ = ekf_update(
            xe, pe, m.z[j : j + 1], m.sigma[j : j + 1], sites.ecef_m[s], sites.enu[s], g
        )
    assert np.allclose(table.x, xe, rtol=1e-12, atol=1e-6)
    assert np.allclose(table.P, pe, rtol=1e-9, atol=1e-9)
    assert table.n_updates[0] == 3
