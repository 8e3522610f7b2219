"""Radar resolution: unresolved detections of one scan merge into one (closely spaced objects)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import ArrayLike

from shieldlab.core.constants import C_MPS
from shieldlab.sensors.measurements import Measurements, concat, empty
from shieldlab.sensors.radar import RadarSite
from shieldlab.sensors.resolution import merge_unresolved

ONE_METRE = 1.0
ONE_MRAD = 1.0e-3
R0_M = 1.0e6  # nominal slant range of the cloud [m]
EL0_RAD = 0.3


def _radar(bandwidth_hz: float, beamwidth_rad: float = 0.01) -> RadarSite:
    """A radar with the given bandwidth (ΔR = c/2B) and 3-dB beamwidth λ/D (λ = 0.1 m)."""
    return RadarSite(
        name="res",
        lat_rad=0.0,
        lon_rad=0.0,
        alt_m=0.0,
        frequency_hz=C_MPS / 0.1,
        peak_power_w=1.0e6,
        aperture_diameter_m=0.1 / beamwidth_rad,
        aperture_efficiency=1.0,
        noise_factor=1.0,
        loss_factor=1.0,
        pulse_width_s=1e-6,
        pulses_integrated=1,
        bandwidth_hz=bandwidth_hz,
        pfa=1e-6,
        min_elevation_rad=0.0,
        max_elevation_rad=math.pi / 2,
        max_range_m=5e6,
        boresight_azimuth_rad=0.0,
        azimuth_half_width_rad=math.pi,
        revisit_s=1.0,
    )


RADAR_1MHZ = _radar(1.0e6)  # ΔR = 149.9 m
RADAR_1GHZ = _radar(1.0e9)  # ΔR = 0.15 m


def _meas(
    z: ArrayLike,
    t_s: np.ndarray | float = 0.0,
    object_id: np.ndarray | None = None,
    sigma: np.ndarray | None = None,
    rdot: np.ndarray | None = None,
    sigma_rdot: np.ndarray | None = None,
) -> Measurements:
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    m = z.shape[0]
    return Measurements(
        np.broadcast_to(np.asarray(t_s, dtype=np.float64), (m,)).copy(),
        np.zeros(m, np.int64),
        np.arange(m, dtype=np.int64) if object_id is None else np.asarray(object_id, np.int64),
        z,
        np.tile([5.0, 1e-4, 1e-4], (m, 1)) if sigma is None else np.asarray(sigma, np.float64),
        np.full(m, np.nan) if rdot is None else np.asarray(rdot, np.float64),
        np.full(m, np.inf) if sigma_rdot is None else np.asarray(sigma_rdot, np.float64),
    )


def test_radar_cell() -> None:
    assert RADAR_1MHZ.range_resolution_m == pytest.approx(149.896, abs=1e-3)
    assert RADAR_1GHZ.range_resolution_m == pytest.approx(0.149896, abs=1e-6)
    assert RADAR_1MHZ.beamwidth_rad == pytest.approx(0.01, rel=1e-12)


def test_two_in_one_range_cell_merge_at_weighted_centroid() -> None:
    """10 m apart at the same angle: one detection at 1 MHz (ΔR 150 m), two at 1 GHz (ΔR 0.15 m)."""
    meas = _meas([[R0_M, 1.0, EL0_RAD], [R0_M + 10.0, 1.0, EL0_RAD]])
    snr = np.array([3.0, 1.0])
    out, row_of = merge_unresolved(meas, RADAR_1MHZ, snr)
    assert len(out) == 1
    assert out.z[0, 0] == pytest.approx(R0_M + 2.5, abs=1e-6 * ONE_METRE)  # (3·0 + 1·10)/4
    assert out.z[0, 1] == pytest.approx(1.0, abs=1e-9)
    assert out.z[0, 2] == pytest.approx(EL0_RAD, abs=1e-9)
    np.testing.assert_array_equal(row_of, [0, 0])
    # Equal weights without SNR: the midpoint.
    out_eq, _ = merge_unresolved(meas, RADAR_1MHZ)
    assert out_eq.z[0, 0] == pytest.approx(R0_M + 5.0, abs=1e-6 * ONE_METRE)
    # σ_R = √(5² + weighted spread²): spread² = (3·2.5² + 7.5²)/4 = 18.75 m².
    assert out.sigma[0, 0] == pytest.approx(math.sqrt(25.0 + 18.75), rel=1e-12)

    out_hi, row_hi = merge_unresolved(meas, RADAR_1GHZ, snr)
    assert len(out_hi) == 2
    np.testing.assert_array_equal(row_hi, [0, 1])
    np.testing.assert_array_equal(out_hi.z, meas.z)
    np.testing.assert_array_equal(out_hi.object_id, meas.object_id)


def test_angular_separation_beyond_beamwidth_stays_apart() -> None:
    """Same range, separated by 1.5 beamwidths in azimuth (cross-range) or in elevation."""
    bw = RADAR_1MHZ.beamwidth_rad
    d_az = 1.5 * bw / math.cos(EL0_RAD)  # azimuth is measured in the horizontal plane
    apart = _meas([[R0_M, 1.0, EL0_RAD], [R0_M, 1.0 + d_az, EL0_RAD]])
    assert len(merge_unresolved(apart, RADAR_1MHZ)[0]) == 2
    apart_el = _meas([[R0_M, 1.0, EL0_RAD], [R0_M, 1.0, EL0_RAD + 1.5 * bw]])
    assert len(merge_unresolved(apart_el, RADAR_1MHZ)[0]) == 2
    # Within the beam (0.5 beamwidth cross-range + 0.5 in elevation: 0.71 θ₃) they merge.
    d_half = 0.5 * bw / math.cos(EL0_RAD)
    inside = _meas([[R0_M, 1.0, EL0_RAD], [R0_M, 1.0 + d_half, EL0_RAD + 0.5 * bw]])
    assert len(merge_unresolved(inside, RADAR_1MHZ)[0]) == 1
    # At el = 1 rad an azimuth step of 1.5 θ₃ is only 0.81 θ₃ across the beam: one detection.
    high = _meas([[R0_M, 1.0, 1.0], [R0_M, 1.0 + 1.5 * bw, 1.0]])
    assert len(merge_unresolved(high, RADAR_1MHZ)[0]) == 1


def test_transitive_merge() -> None:
    """A–B 100 m, B–C 100 m, A–C 200 m > ΔR: one detection; input order is irrelevant."""
    z = np.array([[R0_M, 1.0, EL0_RAD], [R0_M + 100.0, 1.0, EL0_RAD], [R0_M + 200.0, 1.0, EL0_RAD]])
    out, row_of = merge_unresolved(_meas(z), RADAR_1MHZ)
    assert len(out) == 1
    np.testing.assert_array_equal(row_of, [0, 0, 0])
    assert out.z[0, 0] == pytest.approx(R0_M + 100.0, abs=1e-6)
    out2, row2 = merge_unresolved(_meas(z[[2, 0, 1]]), RADAR_1MHZ)
    assert len(out2) == 1
    np.testing.assert_array_equal(row2, [0, 0, 0])


def test_azimuth_wraps_through_north() -> None:
    meas = _meas([[R0_M, 0.001, EL0_RAD], [R0_M, 2.0 * math.pi - 0.001, EL0_RAD]])
    out, _ = merge_unresolved(meas, RADAR_1MHZ)
    assert len(out) == 1
    az = out.z[0, 1]
    assert min(az, 2.0 * math.pi - az) < 1e-9  # near north, not π
    assert 0.0 <= az < 2.0 * math.pi
    # Weighted: pulled towards the stronger member at +0.001.
    out_w, _ = merge_unresolved(meas, RADAR_1MHZ, np.array([3.0, 1.0]))
    assert out_w.z[0, 1] == pytest.approx(0.0005, abs=1e-12)


def test_strongest_member_and_mapping() -> None:
    """Rows: cluster {0, 2, 4} (strongest 4), singleton 1, cluster {3, 5} (strongest 3, clutter)."""
    z = np.array(
        [
            [R0_M, 1.0, EL0_RAD],
            [R0_M + 50_000.0, 1.0, EL0_RAD],
            [R0_M + 20.0, 1.0, EL0_RAD],
            [R0_M + 20_000.0, 2.0, EL0_RAD],
            [R0_M + 40.0, 1.0 + 1e-3, EL0_RAD],
            [R0_M + 20_050.0, 2.0, EL0_RAD],
        ]
    )
    obj = np.array([10, 11, 12, -1, 14, 15])
    snr = np.array([5.0, 1.0, 2.0, 9.0, 50.0, 3.0])
    meas = _meas(z, object_id=obj)
    out, row_of = merge_unresolved(meas, RADAR_1MHZ, snr)
    np.testing.assert_array_equal(row_of, [0, 1, 0, 2, 0, 2])
    np.testing.assert_array_equal(out.object_id, [14, 11, -1])
    assert [sorted(obj[row_of == j]) for j in range(len(out))] == [[10, 12, 14], [11], [-1, 15]]
    # The singleton row is returned unchanged.
    np.testing.assert_array_equal(out.z[1], z[1])
    np.testing.assert_array_equal(out.sigma[1], meas.sigma[1])
    # Ties go to the lowest row.
    tie, _ = merge_unresolved(_meas(z[[0, 2]], object_id=np.array([7, 8])), RADAR_1MHZ)
    assert tie.object_id[0] == 7


def test_range_rate_weighted_over_members_that_measure_it() -> None:
    z = np.array([[R0_M, 1.0, EL0_RAD], [R0_M + 5.0, 1.0, EL0_RAD], [R0_M + 9.0, 1.0, EL0_RAD]])
    rdot = np.array([100.0, np.nan, 104.0])
    srd = np.array([1.0, np.inf, 2.0])
    out, _ = merge_unresolved(_meas(z, rdot=rdot, sigma_rdot=srd), RADAR_1MHZ, np.ones(3))
    assert out.rdot[0] == pytest.approx(102.0)
    assert out.sigma_rdot[0] == pytest.approx(math.sqrt(4.0 + 4.0))
    none, _ = merge_unresolved(_meas(z), RADAR_1MHZ)
    assert np.isnan(none.rdot[0]) and np.isinf(none.sigma_rdot[0])


def test_different_scans_never_merge() -> None:
    z = np.array([[R0_M, 1.0, EL0_RAD], [R0_M + 1.0, 1.0, EL0_RAD]])
    out, row_of = merge_unresolved(_meas(z, t_s=np.array([0.0, 1.0])), RADAR_1MHZ)
    assert len(out) == 2
    np.testing.assert_array_equal(row_of, [0, 1])


def test_empty_and_single() -> None:
    out, row_of = merge_unresolved(empty(), RADAR_1MHZ)
    assert len(out) == 0 and row_of.shape == (0,) and row_of.dtype == np.int64
    one = _meas([[R0_M, 1.0, EL0_RAD]])
    out1, row1 = merge_unresolved(one, RADAR_1MHZ, np.array([10.0]))
    assert len(out1) == 1
    np.testing.assert_array_equal(row1, [0])
    np.testing.assert_array_equal(out1.z, one.z)


def test_bad_input() -> None:
    meas = _meas([[R0_M, 1.0, EL0_RAD], [R0_M, 1.0, EL0_RAD]])
    with pytest.raises(ValueError, match="shape"):
        merge_unresolved(meas, RADAR_1MHZ, np.ones(3))
    with pytest.raises(ValueError, match="positive"):
        merge_unresolved(meas, RADAR_1MHZ, np.array([1.0, 0.0]))
    two_sensors = replace(meas, sensor_index=np.array([0, 1], np.int64))
    with pytest.raises(ValueError, match="one radar"):
        merge_unresolved(two_sensors, RADAR_1MHZ)


@pytest.mark.parametrize("axis", ["range", "cross_range"])
def test_spreading_cloud_splits(axis: str) -> None:
    """N = 8 objects drifting apart at 0, 1, 3, …, 28 m/s (gaps growing as k·t): resolved
    detections never decrease and go from 1 (one cluster return) to 8 (all resolved)."""
    n = 8
    v_mps = np.cumsum(np.arange(n)).astype(np.float64)  # 0, 1, 3, 6, 10, 15, 21, 28
    times = np.linspace(0.0, 300.0, 61)
    counts = []
    for t in times:  # one scan per time; the loop is over scans of the test, not objects
        d_m = v_mps * t
        z = np.tile([R0_M, 1.0, EL0_RAD], (n, 1))
        if axis == "range":
            z[:, 0] += d_m
            radar = RADAR_1MHZ  # ΔR = 150 m
        else:
            z[:, 1] += d_m / (R0_M * math.cos(EL0_RAD))
            radar = _radar(1.0e9, beamwidth_rad=1.5e-4)  # R·θ₃ = 150 m at 1000 km
        counts.append(len(merge_unresolved(_meas(z, t_s=t), radar)[0]))
    c = np.array(counts)
    assert c[0] == 1 and c[-1] == n
    assert np.all(np.diff(c) >= 0)
    assert np.unique(c).size > 2  # splits progressively, not all at once


def _reference_components(meas: Measurements, radar: RadarSite) -> list[set[int]]:
    """Scalar reference: all pairs tested one by one, components by union-find."""
    m = len(meas)
    parent = list(range(m))

    def find(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    for i in range(m):
        for j in range(i + 1, m):
            if meas.t_s[i] != meas.t_s[j]:
                continue
            dr = abs(meas.z[i, 0] - meas.z[j, 0])
            daz = (meas.z[j, 1] - meas.z[i, 1] + math.pi) % (2 * math.pi) - math.pi
            ce = math.cos(0.5 * (meas.z[i, 2] + meas.z[j, 2]))
            dang = math.hypot(daz * ce, meas.z[j, 2] - meas.z[i, 2])
            if dr < radar.range_resolution_m and dang < radar.beamwidth_rad:
                parent[find(i)] = find(j)
    groups: dict[int, set[int]] = {}
    for i in range(m):
        groups.setdefault(find(i), set()).add(i)
    return list(groups.values())


@pytest.mark.parametrize("seed", range(5))
def test_matches_scalar_reference(seed: int) -> None:
    """Random clouds over three scans (with clutter and az near north) vs. a pairwise loop."""
    rng = np.random.default_rng(seed)
    batches = []
    for t in (0.0, 1.0, 2.0):
        k = 40
        z = np.stack(
            [
                R0_M + rng.uniform(0.0, 1500.0, k),
                np.mod(rng.uniform(-0.05, 0.05, k), 2 * math.pi),
                EL0_RAD + rng.uniform(0.0, 0.05, k),
            ],
            axis=-1,
        )
        obj = np.where(rng.random(k) < 0.2, -1, np.arange(k))
        batches.append(_meas(z, t_s=t, object_id=obj))
    meas = concat(batches)
    snr = rng.uniform(1.0, 100.0, len(meas))
    out, row_of = merge_unresolved(meas, RADAR_1MHZ, snr)
    got = sorted(sorted(np.flatnonzero(row_of == j).tolist()) for j in range(len(out)))
    want = sorted(sorted(g) for g in _reference_components(meas, RADAR_1MHZ))
    assert got == want
    # Output ordered by lowest member row; each merged row carries its strongest member.
    lead = [int(np.flatnonzero(row_of == j)[0]) for j in range(len(out))]
    assert lead == sorted(lead)
    for j in range(len(out)):
        rows = np.flatnonzero(row_of == j)
        assert out.object_id[j] == meas.object_id[rows[np.argmax(snr[rows])]]
        assert out.t_s[j] == meas.t_s[rows[0]]
        assert np.all(out.sigma[j] >= meas.sigma[rows].max(axis=0))
        d_az = (out.z[j, 1] - meas.z[rows, 1] + math.pi) % (2 * math.pi) - math.pi
        assert np.all(np.abs(d_az) < 0.1)  # centroid between members, not across the circle
