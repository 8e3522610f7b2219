"""Tests of threat evaluation (battle.threat_eval)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate, special, stats

from shieldlab.battle import threat_eval, threatened_asset
from shieldlab.battle.threat_eval import (
    assess_threats,
    asset_offsets_en_m,
    asset_threat_probability,
    disc_probability,
)
from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    destination_point,
    ecef_to_eci_state,
    enu_matrix,
    geodetic_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.time import gmst_at
from shieldlab.tracking.impact import predict_impact, propagate

# assets: Washington DC, New York, Los Angeles (approximate city centres) [deg]
ASSET_LAT = np.array([38.9, 40.7, 34.05]) * DEG
ASSET_LON = np.array([-77.04, -74.0, -118.25]) * DEG


def test_hand_made_cases() -> None:
    radius = np.array([100e3, 100e3, 50e3])
    # impact points: 20 km from DC, 30 km from NYC, 60 km from LA (outside 50 km), mid-Atlantic
    lat = []
    lon = []
    for k, d in [(0, 20e3), (1, 30e3), (2, 60e3)]:
        p, q = destination_point(ASSET_LAT[k], ASSET_LON[k], 1.0, d)
        lat.append(float(p))
        lon.append(float(q))
    lat.append(30.0 * DEG)
    lon.append(-40.0 * DEG)
    idx = threatened_asset(np.array(lat), np.array(lon), ASSET_LAT, ASSET_LON, radius)
    assert idx.tolist() == [0, 1, -1, -1]


def test_nearest_when_radii_overlap_and_nan() -> None:
    # DC and NYC ~330 km apart; with 400 km radii a point 100 km from NYC is inside both
    radius = np.array([400e3, 400e3, 50e3])
    p, q = destination_point(ASSET_LAT[1], ASSET_LON[1], 225 * DEG, 100e3)  # towards DC
    idx = threatened_asset(
        np.array([float(p), np.nan]), np.array([float(q), 0.0]), ASSET_LAT, ASSET_LON, radius
    )
    assert idx.tolist() == [1, -1]
    assert threatened_asset([0.1], [0.1], [], [], []).tolist() == [-1]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_against_scalar_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, a = 40, 6
    ilat = rng.uniform(25, 50, n) * DEG
    ilon = rng.uniform(-125, -70, n) * DEG
    alat = rng.uniform(25, 50, a) * DEG
    alon = rng.uniform(-125, -70, a) * DEG
    rad = rng.uniform(100e3, 1500e3, a)
    idx = threatened_asset(ilat, ilon, alat, alon, rad)
    for i in range(n):
        best, best_d = -1, np.inf
        for j in range(a):
            d = float(great_circle_distance_m(ilat[i], ilon[i], alat[j], alon[j]))
            if d <= rad[j] and d < best_d:
                best, best_d = j, d
        assert idx[i] == best


# --- probabilistic threat evaluation ---------------------------------------------------------

ONE_KM = 1e3


def _rot(theta: float) -> np.ndarray:
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def _cov(sig_minor_m: float, sig_major_m: float, theta: float) -> np.ndarray:
    v = _rot(theta)
    return v @ np.diag([sig_minor_m**2, sig_major_m**2]) @ v.T


def _mc_disc(c: np.ndarray, cov: np.ndarray, radius_m: float, seed: int) -> tuple[float, float]:
    """Monte Carlo estimate (1e5 samples) and its standard error."""
    n = 100_000
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(2), cov, size=n)
    p = float(np.mean(np.sum((z - c) ** 2, axis=1) <= radius_m**2))
    return p, float(np.sqrt(max(p * (1.0 - p), 1.0 / n) / n))


def test_disc_centred_isotropic_closed_form() -> None:
    """Centred disc, isotropic σ: P = 1 − exp(−R²/(2σ²)) (Rayleigh CDF); tolerance 1e-9."""
    radius = 10 * ONE_KM
    sig = np.array([1e-2, 100.0, 3e3, 10e3, 40e3, 1e6])
    p = disc_probability(np.zeros((sig.size, 2)), sig[:, None, None] ** 2 * np.eye(2), radius)
    assert np.allclose(p, 1.0 - np.exp(-(radius**2) / (2 * sig**2)), rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    log_r=st.floats(2.0, 5.0),
    log_ratio=st.floats(-4.0, 2.0),
    d_over_r=st.floats(0.0, 3.0),
    theta=st.floats(0.0, 2 * np.pi),
)
def test_disc_offset_isotropic_rice(
    log_r: float, log_ratio: float, d_over_r: float, theta: float
) -> None:
    """Offset disc, isotropic σ: P = F_ncχ²(R²/σ²; 2, d²/σ²) (Rice / Marcum Q₁); tol 1e-6."""
    radius, sig = 10**log_r, 10 ** (log_r + log_ratio)
    d = d_over_r * radius
    c = d * np.array([np.cos(theta), np.sin(theta)])
    p = float(disc_probability(c, sig**2 * np.eye(2), radius))
    exact = float(stats.ncx2.cdf(radius**2 / sig**2, 2, d**2 / sig**2))
    assert p == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize(
    ("c_km", "sig_minor_km", "sig_major_km", "theta", "radius_km"),
    [
        ((3.0, 4.0), 5.0, 5.0, 0.0, 10.0),  # isotropic, offset
        ((0.0, 0.0), 1.0, 8.0, 0.3, 10.0),  # centred, elongated 8:1
        ((12.0, -5.0), 2.0, 15.0, 1.1, 10.0),  # offset, elongated towards the disc
        ((9.5, 0.0), 0.05, 3.0, 0.0, 10.0),  # needle at the disc edge
        ((25.0, 0.0), 0.5, 30.0, np.pi / 2, 5.0),  # long needle across a small disc
    ],
)
def test_disc_anisotropic_against_monte_carlo(
    c_km: tuple[float, float],
    sig_minor_km: float,
    sig_major_km: float,
    theta: float,
    radius_km: float,
) -> None:
    """Against 1e5 Monte Carlo samples, within 4 standard errors."""
    c = np.array(c_km) * ONE_KM
    cov = _cov(sig_minor_km * ONE_KM, sig_major_km * ONE_KM, theta)
    p = float(disc_probability(c, cov, radius_km * ONE_KM))
    p_mc, se = _mc_disc(c, cov, radius_km * ONE_KM, seed=11)
    assert abs(p - p_mc) <= 4 * se, (p, p_mc, se)


def _parabolic_integrand(
    y: float, sy: float, slope: float, s_cond: float, delta: float, radius: float
) -> float:
    z = (slope * y + delta - y * y / (2 * radius)) / s_cond
    return float(stats.norm.pdf(y, scale=sy) * special.ndtr(z))


def test_disc_parabolic_edge_limit() -> None:
    """σ ≪ R (metres against 50 km): near the edge the circle is the parabola
    x = −δ + y²/(2R) (next term y⁴/(8R³) < 1e-9 m here), so
    P = ∫ φ_σy(y) Φ((μ(y) + δ − y²/(2R)) / s(y)) dy with x | y ~ N(μ, s²); that 1-D
    integral by adaptive quadrature (scipy quad). Tolerance 1e-7."""
    radius = 50 * ONE_KM
    for sig_minor, sig_major, theta in [(1.0, 1.0, 0.0), (0.1, 10.0, 0.0), (0.2, 10.0, 0.6)]:
        cov = _cov(sig_minor, sig_major, theta)
        sy = np.sqrt(cov[1, 1])
        slope, s_cond = cov[0, 1] / cov[1, 1], np.sqrt(cov[0, 0] - cov[0, 1] ** 2 / cov[1, 1])
        for delta in np.array([-3.0, -1.0, 0.0, 0.5, 2.0]) * np.sqrt(cov[0, 0]):
            p = float(disc_probability([radius - delta, 0.0], cov, radius))

            ref = integrate.quad(
                _parabolic_integrand,
                -12 * sy,
                12 * sy,
                args=(sy, slope, s_cond, delta, radius),
                epsabs=1e-13,
                epsrel=1e-12,
                limit=200,
            )[0]
            assert p == pytest.approx(ref, abs=1e-7), (sig_minor, sig_major, theta, delta)


def test_disc_quadrature_converged(monkeypatch: pytest.MonkeyPatch) -> None:
    """24 nodes per panel against 200 over 2,000 random cases (σ/R 1e-7…100, σ_m/σ_M
    1e-4…1, centres near the edge and anywhere): agreement within 1e-6."""
    rng = np.random.default_rng(3)
    k = 2000
    radius = 10 ** rng.uniform(2, 5, k)
    sig_major = radius * 10 ** rng.uniform(-7, 2, k)
    sig_minor = sig_major * 10 ** rng.uniform(-4, 0, k)
    theta = rng.uniform(0, 3, k)
    cov = np.stack([_cov(a, b, t) for a, b, t in zip(sig_minor, sig_major, theta, strict=True)])
    near = radius + rng.normal(size=k) * 3 * np.minimum(sig_major, radius)
    d = np.abs(np.where(np.arange(k) % 2 == 0, near, radius * rng.uniform(0, 2, k)))
    phi = rng.uniform(0, 2 * np.pi, k)
    c = d[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=-1)
    p24 = disc_probability(c, cov, radius)
    t, w = np.polynomial.legendre.leggauss(200)
    monkeypatch.setattr(threat_eval, "_T", t)
    monkeypatch.setattr(threat_eval, "_W", w)
    p200 = disc_probability(c, cov, radius)
    assert np.max(np.abs(p24 - p200)) < 1e-6


def test_asset_probability_far_tiny_degenerate_and_nan() -> None:
    lat0, lon0 = ASSET_LAT[0], ASSET_LON[0]  # impact points around Washington
    radius = np.array([20e3, 20e3, 20e3, 20e3])
    # assets: 10 km north (inside), 30 km east (outside), 2,000 km away, the antipode
    pn, qn = destination_point(lat0, lon0, 0.0, 10e3)
    pe, qe = destination_point(lat0, lon0, np.pi / 2, 30e3)
    alat = np.array([float(pn), float(pe), 20.0 * DEG, -lat0])
    alon = np.array([float(qn), float(qe), -100.0 * DEG, lon0 + np.pi])
    covs = np.stack(
        [
            np.diag([3e3, 2e3]) ** 2,  # km-scale
            np.diag([1e-3, 1e-3]),  # tiny: the inside test
            np.zeros((2, 2)),  # zero: deterministic
            np.full((2, 2), np.nan),  # NaN: deterministic
            np.diag([3e3, 2e3]) ** 2,  # impact point unknown
        ]
    )
    ilat = np.array([lat0] * 4 + [np.nan])
    ilon = np.array([lon0] * 5)
    p = asset_threat_probability(ilat, ilon, covs, alat, alon, radius)
    assert p.shape == (5, 4)
    assert 0.9 < p[0, 0] < 1.0 and 0.0 < p[0, 1] < 0.05
    assert np.all(p[:, 2:] == 0.0)  # far away and beyond the horizon
    assert p[1:4].tolist() == [[1.0, 0.0, 0.0, 0.0]] * 3
    assert np.all(p[4] == 0.0)
    assert asset_threat_probability(ilat, ilon, covs, [], [], []).shape == (5, 0)


def test_asset_probability_matches_scalar_loop() -> None:
    rng = np.random.default_rng(5)
    n, a = 7, 4
    ilat = (38.0 + rng.uniform(-0.3, 0.3, n)) * DEG
    ilon = (-77.0 + rng.uniform(-0.3, 0.3, n)) * DEG
    alat = (38.0 + rng.uniform(-0.3, 0.3, a)) * DEG
    alon = (-77.0 + rng.uniform(-0.3, 0.3, a)) * DEG
    rad = rng.uniform(5e3, 30e3, a)
    covs = np.stack([_cov(s1, s2, t) for s1, s2, t in rng.uniform(500, 8e3, (n, 3))])
    p = asset_threat_probability(ilat, ilon, covs, alat, alon, rad)
    for i in range(n):
        for j in range(a):
            c = asset_offsets_en_m(ilat[i], ilon[i], alat[j], alon[j])[0, 0]
            pij = float(disc_probability(c, covs[i], rad[j]))
            assert p[i, j] == pytest.approx(pij, abs=1e-12)
            # the tangent-plane distance agrees with the great circle within 0.5 %
            d = float(great_circle_distance_m(ilat[i], ilon[i], alat[j], alon[j]))
            assert np.linalg.norm(c) == pytest.approx(d, rel=5e-3)


# --- assess_threats on a ballistic arc ---------------------------------------------------------

EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
P_TRACK = np.diag([200.0**2] * 3 + [0.5**2] * 3)  # 200 m, 0.5 m/s (midcourse track)


def _burnout_state() -> np.ndarray:
    """200 km over 40°N 127°E, 6.6 km/s, flight-path angle 25°, heading 35° (ICBM-like)."""
    lat, lon, h = 40.0 * DEG, 127.0 * DEG, 200e3
    gam, psi, v = 25.0 * DEG, 35.0 * DEG, 6.6e3
    v_enu = v * np.array([np.cos(gam) * np.sin(psi), np.cos(gam) * np.cos(psi), np.sin(gam)])
    v_ecef = enu_matrix(lat, lon).T @ v_enu
    r, vv = ecef_to_eci_state(geodetic_to_ecef(lat, lon, h), v_ecef, gmst_at(EPOCH, 0.0))
    return np.concatenate([r, vv])


@pytest.fixture(scope="module")
def midcourse() -> dict:
    t0 = 900.0
    x = propagate(_burnout_state()[None], 0.0, [t0])[:, 0]
    lat, lon, t_imp, ok = predict_impact(x, t0, EPOCH)
    assert ok[0]
    # assets: on the predicted impact point, 2.5 km north of it, 1,500 km away
    pn, qn = destination_point(lat[0], lon[0], 0.0, 2.5e3)
    pf, qf = destination_point(lat[0], lon[0], np.pi / 2, 1500e3)
    alat = np.array([lat[0], float(pn), float(pf)])
    alon = np.array([lon[0], float(qn), float(qf)])
    return {"x": x[0], "t0": t0, "t_imp": t_imp[0], "lat": lat[0], "lon": lon[0],
            "alat": alat, "alon": alon, "rad": np.array([1.5e3, 1.5e3, 50e3])}  # fmt: skip


def test_assess_threats_ballistic(midcourse: dict) -> None:
    m = midcourse
    escape = np.concatenate([geodetic_to_ecef(0.0, 0.0, 500e3), [0.0, 12e3, 0.0]])
    x = np.stack([m["x"], m["x"], m["x"], escape])
    p = np.stack([P_TRACK, P_TRACK, np.full((6, 6), np.nan), P_TRACK])
    value = np.array([3.0, 1.0, 10.0])
    ta = assess_threats(
        x, p, m["t0"], EPOCH, m["alat"], m["alon"], m["rad"],
        p_lethal=[1.0, 0.3, 1.0, 1.0], asset_value=value,
    )  # fmt: skip
    assert ta.ok.tolist() == [True, True, True, False]
    assert ta.cov_ok.tolist() == [True, True, False, False]
    assert ta.time_to_impact_s[0] == pytest.approx(m["t_imp"] - m["t0"], abs=1e-9)
    assert 900.0 < ta.time_to_impact_s[0] < 1600.0
    assert ta.impact_lat_rad[0] == m["lat"] and ta.impact_lon_rad[0] == m["lon"]
    # the impact ellipse is km-scale and elongated down-range
    sig = np.sqrt(np.linalg.eigvalsh(ta.cov_en_m2[0]))
    assert 300.0 < sig[1] < 30e3 and sig[1] > 2 * sig[0]
    assert 0.0 < ta.p_asset[0, 1] < ta.p_asset[0, 0] < 1.0 and ta.p_asset[0, 2] == 0.0
    assert np.array_equal(ta.p_asset[0], ta.p_asset[1])
    assert ta.p_asset[2].tolist() == [1.0, 0.0, 0.0]  # NaN P: deterministic fallback
    assert ta.expected_value[0] == pytest.approx(ta.p_asset[0] @ value, rel=1e-12)
    assert ta.expected_value[1] == pytest.approx(0.3 * ta.expected_value[0], rel=1e-12)
    assert ta.expected_value[2] == pytest.approx(3.0)
    assert ta.top_asset.tolist() == [0, 0, 0, -1]
    assert np.isnan(ta.impact_lat_rad[3]) and ta.expected_value[3] == 0.0
    assert np.all(ta.p_asset[3] == 0.0)


def test_assess_threats_against_monte_carlo(midcourse: dict) -> None:
    """p_asset against 2,000 sampled track states flown to the ground (Gaussian
    impact approximation + sampling error: within 0.05)."""
    m = midcourse
    ta = assess_threats(m["x"][None], P_TRACK[None], m["t0"], EPOCH, m["alat"], m["alon"], m["rad"])
    xs = np.random.default_rng(8).multivariate_normal(m["x"], P_TRACK, size=2000)
    la, lo, _, ok = predict_impact(xs, m["t0"], EPOCH)
    assert ok.all()
    c = asset_offsets_en_m(la, lo, m["alat"], m["alon"])
    frac = np.mean(np.linalg.norm(c, axis=-1) <= m["rad"], axis=0)
    assert np.allclose(ta.p_asset[0], frac, atol=0.05), (ta.p_asset[0], frac)


def test_assess_threats_bad_input_and_empty(midcourse: dict) -> None:
    m = midcourse
    args = (m["x"][None], P_TRACK[None], m["t0"], EPOCH, m["alat"], m["alon"], m["rad"])
    with pytest.raises(ValueError, match="p_lethal"):
        assess_threats(*args, p_lethal=1.5)
    with pytest.raises(ValueError, match="asset_value"):
        assess_threats(*args, asset_value=-1.0)
    ta = assess_threats(m["x"][None], P_TRACK[None], m["t0"], EPOCH, [], [], [])
    assert ta.p_asset.shape == (1, 0) and ta.top_asset.tolist() == [-1]
    assert ta.expected_value.tolist() == [0.0]
    # a singular P (zero) falls back to the deterministic test
    tz = assess_threats(m["x"][None], np.zeros((1, 6, 6)), m["t0"], EPOCH, *args[4:])
    assert not tz.cov_ok[0] and tz.p_asset[0].tolist() == [1.0, 0.0, 0.0]
