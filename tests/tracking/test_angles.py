"""Angles-only measurement model, triangulation and space-layer track initiation.

Scenes: ballistic midcourse objects (point-mass + J2, RK4) seen by a Walker
constellation of the catalog LEO IR tracking sensor (``generic-leo-ir-tracking``,
1,000 km) through :func:`shieldlab.sensors.ir_track.ir_track_observe`. Closed
forms: the Jacobian against central differences; the least-squares
intersection of exact lines is the point itself; the covariance of the fix
against the scatter of noisy fixes (χ² mean of the NEES = 3, Bar-Shalom et al.
2001 §5.4). Tracker bounds are engineering bounds on these scenes (measured
values in comments), not published numbers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab.core.constants import DEG, WGS84_A_M
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4
from shieldlab.sensors.ir_track import body_intensity_w_sr, ir_track_observe, make_leo_ir
from shieldlab.space.constellation import from_elements, walker_delta
from shieldlab.tracking.angles import (
    closest_approach,
    find_fixes,
    measure_radec,
    radec_unit,
    radec_updates,
    triangulate,
)
from shieldlab.tracking.ekf import iekf_update
from shieldlab.tracking.metrics import custody
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def test_radec_jacobian_matches_central_differences() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 5e6, (20, 3)), rng.normal(0, 5e3, (20, 3))], axis=1)
    obs = rng.normal(0, 7e6, (20, 3))
    z, h = measure_radec(x, obs)
    u = radec_unit(z)
    d = x[:, :3] - obs
    np.testing.assert_allclose(u, d / np.linalg.norm(d, axis=1, keepdims=True), atol=1e-12)
    eps = 1.0
    for k in range(3):
        dx = np.zeros(6)
        dx[k] = eps
        zp, _ = measure_radec(x + dx, obs)
        zm, _ = measure_radec(x - dx, obs)
        num = (zp - zm) / (2 * eps)
        num[:, 0] = (np.mod(zp[:, 0] - zm[:, 0] + math.pi, 2 * math.pi) - math.pi) / (2 * eps)
        np.testing.assert_allclose(h[:, :, k], num, rtol=1e-5, atol=1e-13)
    assert np.all(h[:, :, 3:] == 0.0)


def test_radec_updates_kernel_matches_sequential_iekf() -> None:
    """The compiled angles-only update equals iekf_update with measure_radec, line by
    line, to rounding (libm atan2 against numpy's; 2 × 2 inverse written out
    against LAPACK), a track's several lines applied in order."""
    rng = np.random.default_rng(7)
    n = 6
    x = np.concatenate([rng.normal(0, 5e6, (n, 3)), rng.normal(0, 5e3, (n, 3))], axis=1)
    a = rng.normal(0, 1.0, (n, 6, 6))
    P = a @ np.swapaxes(a, 1, 2) * np.array([1e6, 1e6, 1e6, 1e2, 1e2, 1e2])[:, None]
    P = 0.5 * (P + np.swapaxes(P, 1, 2))
    ti = np.array([0, 0, 1, 2, 2, 2, 4, 5], dtype=np.int64)  # track 3: no line
    obs = rng.normal(0, 7e6, (ti.size, 3))
    z, _ = measure_radec(x[ti], obs)
    z += rng.normal(0, 2e-5, z.shape)
    z[0, 0] = z[0, 0] + 2 * math.pi - 1e-7 if z[0, 0] < 1.0 else z[0, 0]  # α near 2π
    s = rng.uniform(1e-5, 5e-5, ti.size)
    R = np.zeros((ti.size, 2, 2))
    R[:, 0, 0], R[:, 1, 1] = s**2, (0.7 * s) ** 2
    xr, pr = x.copy(), P.copy()
    nis_ref = np.empty(ti.size)
    for e, i in enumerate(ti):  # one line at a time, in order
        o = obs[e : e + 1]

        def model(xx: np.ndarray, o: np.ndarray = o) -> tuple[np.ndarray, np.ndarray]:
            return measure_radec(xx, o)

        xn, pn, nn = iekf_update(
            xr[i : i + 1], pr[i : i + 1], z[e : e + 1], R[e : e + 1], model, (0,), 3
        )
        xr[i], pr[i], nis_ref[e] = xn[0], pn[0], nn[0]
    xk, pk = x.copy(), P.copy()
    nis = radec_updates(xk, pk, ti, z, R, obs, 3)
    np.testing.assert_allclose(xk, xr, rtol=1e-11, atol=1e-6)
    np.testing.assert_allclose(pk, pr, rtol=1e-8, atol=1e-9 * np.abs(pr).max())
    np.testing.assert_allclose(nis, nis_ref, rtol=1e-9)
    assert np.array_equal(xk[3], x[3]) and np.array_equal(pk[3], P[3])
    assert np.array_equal(pk, np.swapaxes(pk, 1, 2))
    with pytest.raises(ValueError, match="x must be"):
        radec_updates(x[:, ::-1], P, ti, z, R, obs)


def test_triangulation_exact_and_consistent() -> None:
    rng = np.random.default_rng(1)
    target = np.array([[6.9e6, 1.0e6, 2.0e6]])
    obs = np.array([[7.0e6, -2.0e6, 3.5e6], [5.0e6, 4.0e6, 3.0e6], [8.0e6, 1.5e6, -1.0e6]])
    u = (target - obs) / np.linalg.norm(target - obs, axis=1, keepdims=True)
    pos, _cov, ok = triangulate(obs, u, np.full(3, 1e-5), np.zeros(3, np.int64), 1)
    assert ok[0]
    np.testing.assert_allclose(pos[0], target[0], atol=1e-4)  # exact lines: the point
    # noisy lines: NEES of the fix averages 3 (χ²₃); 2,000 draws, 3-σ band of the mean
    sigma = 2e-5
    n = 2000
    nees = np.empty(n)
    for k in range(n):  # small loop: one fix per draw keeps the test obvious
        un = u + rng.normal(0.0, sigma, u.shape)
        un /= np.linalg.norm(un, axis=1, keepdims=True)
        p, c, _ = triangulate(obs, un, np.full(3, sigma), np.zeros(3, np.int64), 1)
        e = p[0] - target[0]
        nees[k] = e @ np.linalg.solve(c[0], e)
    assert abs(nees.mean() - 3.0) < 3.0 * math.sqrt(6.0 / n)  # measured 2.99


def test_closest_approach_closed_form() -> None:
    o1, u1 = np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])
    o2, u2 = np.array([5.0, -3.0, 2.0]), np.array([0.0, 1.0, 0.0])
    dist, s1, s2, sin_par = closest_approach(o1, u1, o2, u2)
    assert dist == pytest.approx(2.0) and s1 == pytest.approx(5.0) and s2 == pytest.approx(3.0)
    assert sin_par == pytest.approx(1.0)


def _truth(n_obj: int, t_grid: np.ndarray, seed: int) -> np.ndarray:
    """(T, n, 6) ballistic midcourse states, objects 300–500 km apart over the Pacific."""
    rng = np.random.default_rng(seed)
    lat = (40.0 + rng.uniform(-3, 3, n_obj)) * DEG
    lon = (170.0 + rng.uniform(-3, 3, n_obj)) * DEG
    r = (WGS84_A_M + rng.uniform(600e3, 1200e3, n_obj))[:, None] * np.stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1
    )
    east = np.stack([-np.sin(lon), np.cos(lon), np.zeros(n_obj)], axis=1)
    up = r / np.linalg.norm(r, axis=1, keepdims=True)
    v = 6500.0 * east + rng.uniform(-300, 300, (n_obj, 1)) * up
    y0 = np.concatenate([r, v], axis=1)

    def f(t: float, y: np.ndarray) -> np.ndarray:
        return np.concatenate([y[:, 3:], accel_j2(y[:, :3])], axis=1)

    return rk4(f, y0, t_grid)


def _frames(truth: np.ndarray, t_grid: np.ndarray, seed: int):  # type: ignore[no-untyped-def]
    sensor = make_leo_ir("generic-leo-ir-tracking")
    el = walker_delta(60, 6, 1, 1000e3, 60.0 * DEG)
    sats = from_elements(el, EPOCH).positions_eci(t_grid)  # (s, T, 3)
    intensity = body_intensity_w_sr(np.full(truth.shape[1], 300.0), 0.5, 0.9, sensor.band_m)
    rng = np.random.default_rng(seed)
    for k, t in enumerate(t_grid):
        m = ir_track_observe(
            sensor,
            sats[:, k],
            truth[k, :, :3],
            intensity,
            np.ones(truth.shape[1], bool),
            0.0,
            rng,
            t_s=float(t),
        )
        yield float(t), m, sats[m.sensor_index, k]


def test_find_fixes_recovers_objects_from_two_or_more_satellites() -> None:
    t_grid = np.array([0.0])
    truth = _truth(8, t_grid, 3)
    ((_, m, obs),) = list(_frames(truth, t_grid, 4))
    assert np.unique(m.sensor_index).size >= 2
    fx = find_fixes(obs, radec_unit(m.z), m.sigma[:, 1], m.sensor_index)
    seen = {int(o) for o in np.unique(m.object_id)}
    # every fix built from lines of one object; each seen object fixed once
    objs = [set(m.object_id[fx.members[fx.member_fix == g]].tolist()) for g in range(len(fx))]
    assert all(len(s) == 1 for s in objs)
    fixed = [next(iter(s)) for s in objs]
    assert sorted(fixed) == sorted(seen)  # one fix per seen object: measured 8 of 8
    err = np.linalg.norm(fx.pos_eci_m - truth[0, [next(iter(s)) for s in objs], :3], axis=1)
    sig = np.sqrt(np.trace(fx.cov_m2, axis1=1, axis2=2))
    assert np.all(err < 4.0 * sig)  # measured max err / σ ≈ 1.3


def test_space_layer_alone_confirms_fire_control_tracks() -> None:
    """IR tracking layer only (no radar): triangulation starts tracks, IEKF keeps them."""
    t_grid = np.arange(0.0, 300.0 + 1e-9, 10.0)
    truth = _truth(6, t_grid, 5)
    cfg = TrackerConfig(q_m2_s3=0.01, M=3, N=5, K=5, max_step_s=10.0)
    trk = GnnTracker(cfg)
    pos, ids = [], []
    for t, m, obs in _frames(truth, t_grid, 6):
        trk.process_angles_frame(m, obs, t)
        x, tid = trk.confirmed_states(t)
        pos.append(x[:, :3])
        ids.append(tid)
    width = max(p.shape[0] for p in pos)
    tp = np.full((t_grid.size, width, 3), np.nan)
    tv = np.zeros((t_grid.size, width), bool)
    ti = np.full((t_grid.size, width), -1)
    for k, (p, i) in enumerate(zip(pos, ids, strict=True)):
        tp[k, : p.shape[0]], tv[k, : p.shape[0]], ti[k, : i.size] = p, True, i
    ex = np.ones(truth.shape[:2], bool)
    res = custody(truth[..., :3], ex, tp, tv, ti, max_error_m=1000.0)
    # confirmed after 3 frames; custody within 1 km: measured 0.94 mean (29 of 31 frames)
    assert res.summary().mean_fraction > 0.85
    late = t_grid >= 60.0
    err = []
    for k in np.flatnonzero(late):
        d = np.linalg.norm(tp[k][tv[k]][:, None] - truth[k, None, :, :3], axis=-1)
        err.append(d.min(axis=0))
    assert np.median(np.concatenate(err)) < 300.0  # measured 40 m (95th pct 78 m)
    assert width <= 8  # no flood of ghost tracks (measured 6)


def _dense_gated_pairs(o, u, s, sat, gate1, min_sin, max_r):  # type: ignore[no-untyped-def]
    """The all-pairs form (k² memory): the oracle of the blocked pair search."""
    i, j = np.triu_indices(o.shape[0], 1)
    keep = sat[i] != sat[j]
    i, j = i[keep], j[keep]
    dist, s1, s2, sin_par = closest_approach(o[i], u[i], o[j], u[j])
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = dist**2 / ((s1 * s[i]) ** 2 + (s2 * s[j]) ** 2)
    ok = np.isfinite(d2) & (d2 <= gate1) & (s1 > 0) & (s2 > 0)
    ok &= (s1 < max_r) & (s2 < max_r) & (sin_par >= min_sin)
    return i[ok], j[ok], d2[ok]


def _dense_merge(pos, cov, good, fix_of, rows, sat, gate3):  # type: ignore[no-untyped-def]
    """The all-pairs form of the merge of fixes (n² × satellites memory)."""
    n_fix = pos.shape[0]
    d = pos[:, None, :] - pos[None, :, :]
    s_sum = cov[:, None] + cov[None, :] + 1e-6 * np.eye(3)
    d2 = np.einsum("abi,abi->ab", d, np.linalg.solve(s_sum, d[..., None])[..., 0])
    sats = np.zeros((n_fix, int(sat.max()) + 1), dtype=bool)
    sats[fix_of[rows], sat[rows]] = True
    share = (sats[:, None, :] & sats[None, :, :]).any(axis=-1)
    cand = np.triu(good[:, None] & good[None, :] & ~share & (d2 <= gate3), 1)
    if not cand.any():
        return None
    label = np.arange(n_fix)
    for a, b in zip(*np.nonzero(cand), strict=True):
        la, lb = label[a], label[b]
        if la != lb and not (sats[label == la].any(axis=0) & sats[label == lb].any(axis=0)).any():
            label[label == lb] = la
    _, compact = np.unique(label, return_inverse=True)
    out = fix_of.copy()
    out[rows] = compact[fix_of[rows]]
    return out


@pytest.mark.parametrize("block", [5, 64, 1 << 20])
def test_blocked_pair_search_equals_all_pairs(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clusters of objects seen by a few LEO satellites: the blocked search with its
    matrix-product prefilter finds exactly the pairs, in the order and with the d² of
    the all-pairs form."""
    from shieldlab.tracking import angles

    monkeypatch.setattr(angles, "_BLOCK", block)
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(20):
        n_obj, n_sat = int(rng.integers(1, 30)), int(rng.integers(2, 10))
        spread = float(rng.choice([3e3, 3e5]))
        obj = rng.normal(size=(n_obj, 3)) * spread + np.array([WGS84_A_M + 8e5, 0.0, 0.0])
        sats = rng.normal(size=(n_sat, 3))
        sats = sats / np.linalg.norm(sats, axis=1)[:, None] * (WGS84_A_M + 1e6)
        sats[:, 0] = np.abs(sats[:, 0])
        sat_i, obj_i = np.nonzero(rng.random((n_sat, n_obj)) < 0.8)
        los = obj[obj_i] - sats[sat_i] + rng.normal(size=(obj_i.size, 3)) * 200.0
        u = los / np.linalg.norm(los, axis=1)[:, None]
        o, s = sats[sat_i], rng.uniform(1e-5, 1e-4, obj_i.size)
        args = (o, u, s, sat_i, 13.0, math.sin(3.0 * DEG), 2.0e7)
        got = angles._gated_pairs(*args)
        want = _dense_gated_pairs(*args)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
        found += want[0].size
    assert found > 100


def test_merge_of_fixes_equals_all_pairs_form() -> None:
    """Random fixes, covariances and satellite memberships: the k-d tree merge gives
    the labels of the all-pairs form."""
    from shieldlab.tracking.angles import _merge_fixes

    rng = np.random.default_rng(11)
    merges = 0
    for _ in range(200):
        n_fix = int(rng.integers(2, 40))
        pos = rng.normal(size=(n_fix, 3)) * float(rng.choice([1.0, 30.0]))
        lo = rng.normal(size=(n_fix, 3, 3))
        cov = lo @ np.swapaxes(lo, 1, 2) * float(rng.choice([0.1, 10.0]))
        good = rng.random(n_fix) < 0.8
        k = 3 * n_fix
        fix_of = np.concatenate(
            [np.arange(n_fix).repeat(2), rng.integers(-1, n_fix, k - 2 * n_fix)]
        )
        sat = rng.integers(0, 6, k)
        rows = np.flatnonzero(fix_of >= 0)
        got = _merge_fixes(pos, cov, good, fix_of, rows, sat, 14.0)
        want = _dense_merge(pos, cov, good, fix_of, rows, sat, 14.0)
        assert (got is None) == (want is None)
        if want is not None:
            merges += 1
            np.testing.assert_array_equal(got, want)
    assert merges > 50


def test_greedy_pairs_in_rounds_equal_the_sequential_greedy() -> None:
    """Random candidate pairs with tied d² (integers, many at each batch's cut): the
    batched matching takes the pairs, in the order, of the one-by-one greedy pass
    over all pairs sorted (up to 3,000 pairs: several batches)."""
    from shieldlab.tracking.angles import _greedy_pairs

    rng = np.random.default_rng(7)
    for _ in range(200):
        k, n_pair = int(rng.integers(2, 200)), int(rng.integers(1, 3000))
        i, j = rng.integers(0, k, n_pair), rng.integers(0, k, n_pair)
        i, j = i[i != j], j[i != j]
        d2 = rng.integers(0, 20, i.size).astype(float)
        used = np.zeros(k, bool)
        want: list[tuple[int, int]] = []
        for p in np.argsort(d2, kind="stable"):
            a, b = int(i[p]), int(j[p])
            if not (used[a] or used[b]):
                used[a] = used[b] = True
                want.append((a, b))
        got_a, got_b = _greedy_pairs(i, j, d2, k)
        assert list(zip(got_a.tolist(), got_b.tolist(), strict=True)) == want


def test_stable_argsort_equals_numpy_stable_with_and_without_ties() -> None:
    """The greedy pairing's order: the stable argsort of d² ≥ 0, ties (equal d²) by
    position."""
    from shieldlab.tracking.angles import _stable_argsort

    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 500):
        x = rng.random(n)
        np.testing.assert_array_equal(_stable_argsort(x), np.argsort(x, kind="stable"))
        tied = np.round(x * 5.0)  # many exact ties, zeros among them
        np.testing.assert_array_equal(_stable_argsort(tied), np.argsort(tied, kind="stable"))
        wide = rng.exponential(1.0, n) ** 12  # values over many binary exponents
        np.testing.assert_array_equal(_stable_argsort(wide), np.argsort(wide, kind="stable"))


def test_greedy_and_merge_kernels_match_python_references() -> None:
    """The compiled greedy matching and in-order merge against plain Python
    sequential references on random candidate lists (ties in d² included)."""
    from shieldlab.tracking.angles import _greedy_pairs, _merge_in_order

    rng = np.random.default_rng(11)
    for _ in range(50):
        k = int(rng.integers(2, 60))
        n = int(rng.integers(1, 300))
        i = rng.integers(0, k, n)
        j = rng.integers(0, k, n)
        i, j = np.minimum(i, j), np.maximum(i, j)
        keep = i < j
        i, j = i[keep], j[keep]
        d2 = rng.integers(0, 20, i.size).astype(float)  # many ties: stable order
        gi, gj = _greedy_pairs(i, j, d2, k)
        used: set[int] = set()
        want = []
        for p in np.argsort(d2, kind="stable"):
            if int(i[p]) not in used and int(j[p]) not in used:
                used |= {int(i[p]), int(j[p])}
                want.append((int(i[p]), int(j[p])))
        assert list(zip(gi.tolist(), gj.tolist(), strict=True)) == want
        # merges: fixes with random satellite sets, candidate pairs in order
        n_fix = int(rng.integers(2, 40))
        sats = [
            sorted(set(rng.integers(0, 150, int(rng.integers(1, 5))).tolist()))
            for _ in range(n_fix)
        ]
        starts = np.concatenate([[0], np.cumsum([len(x) for x in sats])])
        s_of = np.array([s for x in sats for s in x], dtype=np.int64)
        a = rng.integers(0, n_fix, 60)
        b = rng.integers(0, n_fix, 60)
        label = list(range(n_fix))
        group_sats = {f: set(sats[f]) for f in range(n_fix)}
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            la, lb = label[x], label[y]
            if la != lb and not (group_sats[la] & group_sats[lb]):
                for f in range(n_fix):
                    if label[f] == lb:
                        label[f] = la
                group_sats[la] |= group_sats.pop(lb)
        assert _merge_in_order(a, b, n_fix, starts, s_of).tolist() == label


@pytest.mark.parametrize("block", [1 << 20, 500])
def test_gated_pairs_equal_the_brute_force_closest_approach(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fix search's pairs — single-precision superset, then the exact test, in one
    compiled pass per block of rows — are exactly those of :func:`closest_approach`
    over every pair (same i, j, d² to the bit, row-major order): lines of 12
    satellites to a dense cloud of 60 objects (several lines per satellite, some
    nearly parallel, some pointing away), in one block and in blocks of 500 cells."""
    from shieldlab.tracking import angles

    monkeypatch.setattr(angles, "_BLOCK", block)
    rng = np.random.default_rng(21)
    sats = rng.normal(0.0, 1.0, (12, 3))
    sats *= (WGS84_A_M + 1.0e6) / np.linalg.norm(sats, axis=1, keepdims=True)
    centre = np.array([WGS84_A_M + 1.2e6, 0.0, 0.0])
    objs = centre + rng.normal(0.0, 20e3, (60, 3))
    si = rng.integers(0, 12, 400)
    u = objs[rng.integers(0, 60, 400)] - sats[si]
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    u += rng.normal(0.0, 2e-5, u.shape)
    u[:5] = -u[:5]  # pointing away from the cloud
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    o, s = sats[si], np.full(400, 3e-5)
    gate1, min_sin, max_r = 13.0, math.sin(3.0 * DEG), 2.0e7
    got = angles._gated_pairs(o, u, s, si, gate1, min_sin, max_r)
    i, j = np.triu_indices(400, 1)
    dist, s1, s2, sin_par = closest_approach(o[i], u[i], o[j], u[j])
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = dist**2 / ((s1 * s[i]) ** 2 + (s2 * s[j]) ** 2)
    ok = (
        (si[i] != si[j])
        & np.isfinite(d2)
        & (d2 <= gate1)
        & (s1 > 0)
        & (s2 > 0)
        & (s1 < max_r)
        & (s2 < max_r)
        & (sin_par >= min_sin)
    )
    assert 2_000 < ok.sum() < i.size // 4  # many pairs (the output buffer grows), not all
    for a, b in zip(got, (i[ok], j[ok], d2[ok]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fixes_agree_kernel_matches_the_array_test() -> None:
    """The merge's compiled agreement test — distance within the larger radius, then
    dᵀ(P_a + P_b + 10⁻⁶ I)⁻¹d ≤ gate — decides as ``np.linalg.solve`` does on random
    fixes with random full covariances (km to tens of km, strongly correlated)."""
    from shieldlab.tracking.angles import _fixes_agree

    rng = np.random.default_rng(8)
    n, gate3 = 300, 18.8
    pos = rng.normal(0.0, 20e3, (n, 3))
    a = rng.normal(0.0, 1.0, (n, 3, 3)) * rng.uniform(1e3, 2e4, (n, 1, 1))
    cov = a @ np.swapaxes(a, 1, 2)
    radius = np.sqrt(gate3 * (2.0 * np.trace(cov, axis1=1, axis2=2) + 1e-6)) * (1 + 1e-9)
    lo, hi = np.triu_indices(n, 1)
    got = _fixes_agree(lo, hi, pos, cov, radius, gate3)
    d = pos[lo] - pos[hi]
    s = cov[lo] + cov[hi] + 1e-6 * np.eye(3)
    d2 = np.einsum("pi,pi->p", d, np.linalg.solve(s, d[..., None])[..., 0])
    near = np.linalg.norm(d, axis=1) <= np.maximum(radius[lo], radius[hi])
    want = near & (d2 <= gate3)
    assert 1_000 < want.sum() < lo.size - 1_000
    np.testing.assert_array_equal(got, want)


def test_sats_share_matches_sets() -> None:
    """Whether two fixes share a satellite, by the compiled walk along their sorted
    satellites, against Python sets."""
    from shieldlab.tracking.angles import _sats_share

    rng = np.random.default_rng(12)
    sats = [np.unique(rng.integers(0, 40, int(rng.integers(0, 12)))) for _ in range(200)]
    starts = np.concatenate([[0], np.cumsum([x.size for x in sats])])
    a, b = rng.integers(0, 200, 3000), rng.integers(0, 200, 3000)
    got = _sats_share(a, b, starts, np.concatenate(sats))
    want = [bool(set(sats[i].tolist()) & set(sats[j].tolist())) for i, j in zip(a, b, strict=True)]
    assert got.tolist() == want and 0 < sum(want) < len(want)
