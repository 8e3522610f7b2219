"""Credibility report: shieldlab's models against closed forms, published studies and peer tools.

In the spirit of the credibility assessment of NASA-STD-7009A (*Standard for
Models and Simulations*, 2016, §4.8 and app. B: verification, validation,
results robustness): each case below recomputes one shieldlab result now, by
calling the library, and compares it with a reference value from outside the
code — a closed form, a published table or study, or a peer tool — with the
tolerance stated in physical units. The reference values, sources and
tolerances are the ones the test suite holds (``tests/reference/SOURCES.md``
names book, table and page); where a test accepts a band ``[lo, hi]`` the row
shows its centre as the expected value and its half-width as the tolerance.

:func:`run_cases` runs :data:`CASES` (about 30 s on one core) and returns a
:class:`Report`; ``shieldlab validate --models`` prints it. A case that needs
files a user who clones the project lacks (the WTA benchmark instances of
``../shared/data/wta``) is reported ``skipped``; a case that raises is a
failure. Nothing runs at import time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rich.table import Table

    from shieldlab.threats import BallisticMissileSpec


@dataclass(frozen=True)
class Row:
    """One comparison: shieldlab's ``value`` against the reference ``expected``.

    ``difference`` = value − expected, in ``unit``; ``passed`` = |difference| ≤
    ``tolerance`` (``None``: skipped, ``note`` says why).
    """

    model: str
    reference: str
    source: str
    expected: float
    value: float | None
    difference: float | None
    tolerance: float
    unit: str
    passed: bool | None
    note: str = ""

    @property
    def status(self) -> str:
        """``pass``, ``FAIL`` or ``skipped``."""
        return "skipped" if self.passed is None else ("pass" if self.passed else "FAIL")

    def as_dict(self) -> dict[str, object]:
        """The JSON row of ``validate --models --json`` (numbers as numbers, null if none)."""
        return {
            "model": self.model,
            "reference": self.reference,
            "source": self.source,
            "expected": self.expected,
            "shieldlab": self.value,
            "difference": self.difference,
            "tolerance": self.tolerance,
            "unit": self.unit,
            "pass": self.passed,
            "status": self.status,
            "note": self.note,
        }


def compare(
    model: str,
    reference: str,
    source: str,
    expected: float,
    value: float,
    tolerance: float,
    unit: str,
) -> Row:
    """A row that passes when |value − expected| ≤ tolerance (all in ``unit``)."""
    diff = float(value) - float(expected)
    ok = bool(math.isfinite(diff) and abs(diff) <= tolerance)
    return Row(model, reference, source, float(expected), float(value), diff, tolerance, unit, ok)


def band(
    model: str, reference: str, source: str, lo: float, hi: float, value: float, unit: str
) -> Row:
    """A row that passes when ``lo ≤ value ≤ hi``: expected the centre, tolerance the half-width."""
    return compare(model, reference, source, 0.5 * (lo + hi), value, 0.5 * (hi - lo), unit)


def skipped(
    model: str, reference: str, source: str, expected: float, tolerance: float, unit: str,
    note: str,
) -> Row:  # fmt: skip
    """A row that could not be computed here (an input file is absent): ``note`` says why."""
    return Row(model, reference, source, expected, None, None, tolerance, unit, None, note)


@dataclass(frozen=True)
class Report:
    """The rows of one run and their counts."""

    rows: tuple[Row, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed is True for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.passed is False for r in self.rows)

    @property
    def skipped(self) -> int:
        return sum(r.passed is None for r in self.rows)

    def as_dict(self) -> dict[str, object]:
        """One JSON object: ``cases`` and the ``passed`` / ``failed`` / ``skipped`` counts."""
        return {
            "cases": [r.as_dict() for r in self.rows],
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
        }


Case = Callable[[], Row]


def run_cases(cases: Sequence[Case] | None = None) -> Report:
    """Run ``cases`` (default :data:`CASES`) in order; an exception is a failed row."""
    rows = []
    for case in CASES if cases is None else cases:
        try:
            rows.append(case())
        except Exception as exc:  # a model that cannot be run is not credible
            name = getattr(case, "__name__", "case").removeprefix("case_")
            msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
            rows.append(Row(name, "raised an error", "", math.nan, None, None, 0.0, "", False, msg))
    return Report(tuple(rows))


# --- files outside the package ----------------------------------------------------------


def find_file(*parts: str) -> Path | None:
    """``parts`` under the working directory, its parent or a parent of this file; else None."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), Path.cwd().parent, *here.parents):
        p = base.joinpath(*parts)
        if p.is_file():
            return p
    return None


# --- core physics -----------------------------------------------------------------------


def case_atmosphere_50km() -> Row:
    from shieldlab.core.atmosphere import ussa76

    rho = float(ussa76(50e3).density_kg_m3)
    ref = 1.0269e-3
    return compare(
        "atmosphere", "density at 50 km", "USSA-76 Table I", ref, rho,
        2e-4 * ref, "kg/m³",
    )  # fmt: skip


def case_atmosphere_300km() -> Row:
    from shieldlab.core.atmosphere import ussa76

    rho = float(ussa76(300e3).density_kg_m3)
    ref = 1.916e-11
    return compare(
        "atmosphere", "density at 300 km", "USSA-76 Table I", ref, rho,
        5e-3 * ref, "kg/m³",
    )  # fmt: skip


def case_frames_geodetic() -> Row:
    from shieldlab.core.frames import ecef_to_geodetic

    lat, _, _ = ecef_to_geodetic(np.array([6524.834, 6862.875, 6448.296]) * 1e3)
    return compare(
        "frames", "geodetic latitude of an ECEF point", "Vallado Ex. 3-3",
        34.352496, math.degrees(float(lat)), 2e-6, "deg",
    )  # fmt: skip


def case_frames_great_circle() -> Row:
    from shieldlab.core.frames import great_circle_distance_m

    lat1, lon1 = math.radians(33 + 57 / 60), -math.radians(118 + 24 / 60)
    lat2, lon2 = math.radians(40 + 38 / 60), -math.radians(73 + 47 / 60)
    d = float(great_circle_distance_m(lat1, lon1, lat2, lon2, radius_m=1.0))
    return compare(
        "frames", "LAX–JFK great circle angle", "Aviation Formulary",
        0.623585, d, 1e-6, "rad",
    )  # fmt: skip


def case_gravity_equator() -> Row:
    from shieldlab.core.constants import WGS84_A_M, WGS84_OMEGA_RAD_S
    from shieldlab.core.gravity import accel_j2

    g = float(np.linalg.norm(accel_j2([WGS84_A_M, 0.0, 0.0])))
    ref = 9.7803253359 + WGS84_OMEGA_RAD_S**2 * WGS84_A_M  # normal gravity + centrifugal
    return compare(
        "gravity", "|g| at the equator, no spin", "TR8350.2 Table 3.4",
        ref, g, 2e-4, "m/s²",
    )  # fmt: skip


def case_lambert() -> Row:
    from shieldlab.core.lambert import lambert

    r1 = np.array([[15945.34e3, 0.0, 0.0]])
    r2 = np.array([[12214.83399e3, 10249.46731e3, 0.0]])
    v1, _, ok = lambert(r1, r2, np.array([76 * 60.0]), mu=398600.4418e9)
    if not ok[0]:
        raise ValueError("Lambert solver did not converge")
    return compare(
        "lambert", "departure speed, 76 min transfer", "Vallado Ex. 7-5",
        math.hypot(2058.913, 2915.965), float(np.linalg.norm(v1[0])), 1.0, "m/s",
    )  # fmt: skip


# --- space ------------------------------------------------------------------------------


def case_orbits_sun_synchronous() -> Row:
    from shieldlab.core.constants import WGS84_A_M
    from shieldlab.space.orbits import OrbitalElements, propagate

    el = OrbitalElements.of(WGS84_A_M + 700e3, 0.0, math.radians(98.19), 0.2, 0.0, 0.0)
    r, v = propagate(el, np.array([0.0, 86400.0]))
    h = np.cross(r[0], v[0])
    node = np.arctan2(h[:, 0], -h[:, 1])
    drift = math.degrees(float(node[1] - node[0]))
    return compare(
        "orbits", "sun-sync node drift at 700 km", "Vallado eq. 9-41",
        0.9856, drift, 0.01 * 0.9856, "deg/day",
    )  # fmt: skip


ISS_TLE = (
    "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991",
    "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482",
)
"""ISS two-line elements of the ``sgp4`` package's README example (December 2019)."""


def case_orbits_vs_sgp4() -> Row:
    from sgp4.api import Satrec

    from shieldlab.core.constants import GM_EARTH_M3_S2
    from shieldlab.space.orbits import OrbitalElements, j2_secular_rates

    sat = Satrec.twoline2rv(*ISS_TLE)
    nodes = []
    for day in (0.0, 1.0):  # SGP4 (peer tool): node of the osculating plane a day apart
        err, r, v = sat.sgp4(sat.jdsatepoch + day, sat.jdsatepochF)
        if err:
            raise ValueError(f"sgp4 error {err}")
        h = np.cross(r, v)
        nodes.append(math.atan2(h[0], -h[1]))
    peer = math.degrees((nodes[1] - nodes[0] + math.pi) % (2 * math.pi) - math.pi)
    n_rad_s = 15.50103472 * 2 * math.pi / 86400.0
    a_m = (GM_EARTH_M3_S2 / n_rad_s**2) ** (1 / 3)
    el = OrbitalElements.of(a_m, 0.0007417, math.radians(51.6439))
    ours = math.degrees(float(j2_secular_rates(el)[0][0])) * 86400.0
    return compare(
        "orbits", "ISS node drift over a day", "SGP4 (peer tool)",
        peer, ours, 0.01 * abs(peer), "deg/day",
    )  # fmt: skip


def case_geo_radius() -> Row:
    from shieldlab.space.constellation import geo_radius_m

    return compare(
        "orbits", "GEO radius, two-body", "Vallado ch. 2",
        42164.2, geo_radius_m(False) / 1e3, 0.1, "km",
    )  # fmt: skip


# --- threats ----------------------------------------------------------------------------


def _solid_icbm() -> BallisticMissileSpec:
    from shieldlab.threats import load_threat_specs

    return load_threat_specs()["generic-solid-icbm"]


def case_ballistic_kepler_coast() -> Row:
    from shieldlab.threats import PhysicsFlags, fly_batch
    from shieldlab.threats.ballistic import FINE_STEPS, kepler_free_flight

    flags = PhysicsFlags(j2=False, drag=False, rotation=False)
    one = np.ones(1)
    fl = fly_batch(
        _solid_icbm(), math.radians(40.0) * one, math.radians(127.5) * one,
        math.radians(45.0) * one, math.radians(20.0) * one, FINE_STEPS, flags,
    )  # fmt: skip
    _, tof_ref = kepler_free_flight(
        fl.r_burnout_m, fl.v_burnout_mps, np.linalg.norm(fl.r_impact_m, axis=1)
    )
    tof = float(fl.tau_impact_s[0] - fl.tau_burnout_s[0])
    return compare(
        "ballistic", "coast time from burnout, vacuum",
        "Bate et al. ch. 6 (Kepler)", float(tof_ref[0]), tof,
        1e-3 * float(tof_ref[0]), "s",
    )  # fmt: skip


def case_ballistic_rocket_equation() -> Row:
    from shieldlab.core.constants import G0_MPS2
    from shieldlab.threats import PhysicsFlags, fly_batch
    from shieldlab.threats.ballistic import FINE_STEPS

    spec = _solid_icbm()
    flags = PhysicsFlags(gravity=False, drag=False, rotation=False)
    z = np.zeros(1)
    fl = fly_batch(spec, np.radians([40.0]), z, z, z, FINE_STEPS, flags)
    ideal = sum(
        st.isp_s * G0_MPS2 * math.log(m0 / (m0 - st.propellant_mass_kg))
        for st, m0 in zip(spec.stages, spec.stage_start_mass_kg(), strict=True)
    )
    return compare(
        "ballistic", "vacuum burnout speed", "Sutton eq. 4-35",
        ideal, float(np.linalg.norm(fl.v_burnout_mps[0])), 1e-3 * ideal, "m/s",
    )  # fmt: skip


def case_ballistic_aps_burnout() -> Row:
    from shieldlab.threats import PhysicsFlags, fly_batch, scan_range
    from shieldlab.threats.ballistic import FINE_STEPS

    spec = _solid_icbm()
    lat, lon, az = np.radians([40.0]), np.zeros(1), np.zeros(1)
    _, _, _, kmax = scan_range(spec, lat, lon, az)
    fl = fly_batch(spec, lat, lon, az, kmax, FINE_STEPS)
    v_rel = fl.v_burnout_mps[0] - np.cross(PhysicsFlags().omega_vec, fl.r_burnout_m[0])
    return compare(
        "ballistic", "solid ICBM burnout speed", "APS 2003 ch. 5",
        7.0, float(np.linalg.norm(v_rel)) / 1e3, 0.35, "km/s",
    )  # fmt: skip


def case_ballistic_scud_range() -> Row:
    from shieldlab.threats import load_threat_specs, scan_range

    spec = load_threat_specs()["generic-srbm-liquid"]
    _, _, dmax, _ = scan_range(spec, np.radians([40.0]), np.zeros(1), np.zeros(1))
    return compare(
        "ballistic", "Scud-B class max range", "CSIS Missile Threat",
        300.0, float(dmax[0]) / 1e3, 30.0, "km",
    )  # fmt: skip


def case_glide_range() -> Row:
    from shieldlab.core.constants import GM_EARTH_M3_S2, R_EARTH_MEAN_M
    from shieldlab.threats.ballistic import density_fast_kg_m3
    from shieldlab.threats.glide import GlidePlan, glide_and_dive, load_hgv_specs
    from shieldlab.threats.hypersonic import GlideFlags, NodeLog

    spec = load_hgv_specs()["generic-hgv"]
    lod, beta, v0, v1 = spec.lift_to_drag, spec.beta_kg_m2, 5000.0, 2000.0
    lo, hi = 10e3, 120e3  # equilibrium height at v0: (L/D) ρv²/2β = g − v²/r
    for _ in range(60):
        h0 = 0.5 * (lo + hi)
        r = R_EARTH_MEAN_M + h0
        lift = lod * 0.5 * float(density_fast_kg_m3(np.array(h0))) * v0 * v0 / beta
        lo, hi = (h0, hi) if lift > GM_EARTH_M3_S2 / r**2 - v0 * v0 / r else (lo, h0)
    y0 = np.array([[R_EARTH_MEAN_M + h0, 0.0, 0.0, 0.0, v0, 0.0]])
    c, s = math.cos(0.9), math.sin(0.9)
    aim = np.array([[-s * R_EARTH_MEAN_M, c * R_EARTH_MEAN_M, 0.0]])  # far ahead
    flat = GlideFlags(j2=False, rotation=False, spherical=True)
    plan = GlidePlan(dive_range_m=10e3, min_glide_speed_mps=1000.0)
    fl, *_ = glide_and_dive(
        spec, y0, 0.0, aim, np.array([2e7]), plan, flat, NodeLog([], [], [], [], [], [])
    )
    rr = fl.y[:, 0, :3]
    rng = R_EARTH_MEAN_M * np.unwrap(np.arctan2(rr[:, 1], rr[:, 0]))
    speed = np.linalg.norm(fl.y[:, 0, 3:], axis=1)
    k = int(np.argmax(speed < v1))
    glide_m = float(np.interp(v1, speed[k : k - 2 : -1], rng[k : k - 2 : -1]))
    r = R_EARTH_MEAN_M + h0
    g = GM_EARTH_M3_S2 / r**2
    closed = 0.5 * R_EARTH_MEAN_M * lod * math.log((1 - v1**2 / (g * r)) / (1 - v0**2 / (g * r)))
    return compare(
        "glide", "glide range from 5 to 2 km/s", "Acton 2015",
        closed / 1e3, glide_m / 1e3, 0.03 * closed / 1e3, "km",
    )  # fmt: skip


def case_hgv_heating() -> Row:
    from shieldlab.threats.hypersonic import body_temperature_k

    t = float(body_temperature_k(np.array([40e3]), np.array([3172.0]), 0.1, 0.85)[0])
    return band(
        "heating", "nose temp., Mach 10, 40 km (band)",
        "Sutton & Graves, HGV skins", 1500.0, 2500.0, t, "K",
    )  # fmt: skip


# --- sensors and tracking ---------------------------------------------------------------


def case_radar_range_equation() -> Row:
    from shieldlab.core.constants import C_MPS
    from shieldlab.sensors.radar import RadarSite, radar_snr

    lam = 0.1  # G = 40 dB (η = 1), Pₜτ = 1 J, σ = 1 m², R = 100 km, F = L = 0 dB
    radar = RadarSite(
        name="budget", lat_rad=0.0, lon_rad=0.0, alt_m=0.0, frequency_hz=C_MPS / lam,
        peak_power_w=1.0e6, aperture_diameter_m=math.sqrt(4.0e4 * lam**2 / (4.0 * math.pi**2)),
        aperture_efficiency=1.0, noise_factor=1.0, loss_factor=1.0, pulse_width_s=1e-6,
        pulses_integrated=1, bandwidth_hz=1e6, pfa=1e-6, min_elevation_rad=0.0,
        max_elevation_rad=math.pi / 2, max_range_m=1e7, boresight_azimuth_rad=0.0,
        azimuth_half_width_rad=math.pi, revisit_s=1.0,
    )  # fmt: skip
    snr_db = 10.0 * math.log10(float(radar_snr(radar, 100e3, 1.0)))
    return compare(
        "radar", "SNR of a dB budget at 100 km", "Skolnik ch. 1",
        31.00, snr_db, 0.1, "dB",
    )  # fmt: skip


def case_radar_swerling() -> Row:
    from shieldlab.sensors.radar import swerling1_snr_for_pd

    snr_db = 10.0 * math.log10(swerling1_snr_for_pd(0.9, 1e-6))
    return compare(
        "radar", "Swerling-1 SNR, Pd 0.9, Pfa 1e-6", "Meyer & Mayer 1973",
        21.1, snr_db, 0.1, "dB",
    )  # fmt: skip


def case_radar_uewr_range() -> Row:
    from shieldlab.sensors.catalog import make_radar
    from shieldlab.sensors.radar import detection_range_m, swerling1_snr_for_pd

    ewr = make_radar("generic-uhf-ewr", 41.75, -70.54, 80.0, boresight_az_deg=47.0)
    r_km = float(detection_range_m(ewr, 1.0, swerling1_snr_for_pd(0.5, 1e-6))) / 1e3
    return compare(
        "radar", "UEWR range, 1 m², Pd 0.5", "FAS fact sheet",
        5556.0, r_km, 444.0, "km",
    )  # fmt: skip


def case_airborne_horizon() -> Row:
    from shieldlab.sensors.airborne import radar_horizon_m

    d_km = float(radar_horizon_m(9_000.0, 50.0)) / 1e3
    ref = 4.12 * (math.sqrt(9_000.0) + math.sqrt(50.0))
    return compare(
        "airborne", "radar horizon, 9 km to 50 m",
        "Skolnik §8.2", ref, d_km, 0.02 * ref, "km",
    )  # fmt: skip


def case_ekf_nees() -> Row:
    from shieldlab.tracking.ekf import ekf_predict, ekf_update, init_two_point, nees
    from shieldlab.tracking.scenes import arc_state, noisy_aer, radar_scene

    epoch = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
    sigma, runs, dt = np.array([50.0, 1e-3, 1e-3]), 60, 10.0
    sc = radar_scene(arc_state(50.0, -170.0, 600e3, 6.8e3, 100.0, 500.0, epoch), epoch, dt,
                     600.0, 190.0, 700e3)  # fmt: skip
    rng = np.random.default_rng(2026)
    se = np.repeat(sc.site_ecef[None], runs, 0)
    sn = np.repeat(sc.site_enu[None], runs, 0)
    sig = np.repeat(sigma[None], runs, 0)
    z0, z1 = (noisy_aer(sc.z_true[k], sigma, rng, runs) for k in (0, 1))
    x, p = init_two_point(
        z0, sig, se, sn, sc.gmst[0], sc.t_s[0], z1, sig, se, sn, sc.gmst[1], sc.t_s[1]
    )
    avg = []
    for k in range(2, sc.t_s.size):
        x, p = ekf_predict(x, p, dt, q_m2_s3=1e-6)
        z = noisy_aer(sc.z_true[k], sigma, rng, runs)
        x, p, _ = ekf_update(x, p, z, sig, se, sn, sc.gmst[k])
        avg.append(float(nees(x, p, sc.truth[k]).mean()))
    return compare(
        "EKF", "mean NEES, 60 runs of 10 min",
        "Bar-Shalom 2001 §5.4", 6.0, float(np.mean(avg)), 0.6, "",
    )  # fmt: skip


# --- weapons and battle -----------------------------------------------------------------


@cache
def _sbi_absentee_ratio() -> float:
    """Absentee ratio of the generic SBI (4 km/s, 10 g, fired 30 s after launch) against
    the generic solid ICBM from 40° N 127.5° E towards Washington, 300 km / 45° orbits
    (the case of ``tests/weapons/test_sbi_published.py``)."""
    from shieldlab.core.constants import DEG, G0_MPS2
    from shieldlab.weapons import sbi, sbi_sizing as sz

    spec = replace(
        sbi.load_sbi_specs()["generic-sbi-4kmps"],
        accel_mps2=10.0 * G0_MPS2, delta_v_mps=4000.0, interceptors_per_carrier=1,
        min_intercept_alt_m=0.0,
    )  # fmt: skip
    path = sbi.boost_path(
        "generic-solid-icbm", 40.0 * DEG, 127.5 * DEG, 38.9 * DEG, -77.0 * DEG,
        datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    ref = sz.walker_for(1000, 300e3, 45.0 * DEG)
    a_ratio, _ = sbi.absentee_ratio(ref, path, spec, 30.0, 200, np.random.default_rng(3))
    return a_ratio


def case_sbi_one_icbm() -> Row:
    from shieldlab.weapons.sbi_sizing import analytic_size

    n = analytic_size(1.0 / _sbi_absentee_ratio(), 1, 0.99)
    return band(
        "SBI sizing", "SBIs for 1 solid ICBM, 300 km (band)",
        "CBO 2025, APS 2003", 650.0, 1600.0, float(n), "SBIs",
    )  # fmt: skip


def case_sbi_ten_at_once() -> Row:
    from shieldlab.weapons.sbi_sizing import analytic_size

    n = analytic_size(1.0 / _sbi_absentee_ratio(), 10, 0.99)
    return band(
        "SBI sizing", "SBIs for 10 ICBMs at once (band)",
        "CBO 2026 ÷ 3.1", 7800.0 * 650.0 / 2000.0, 7800.0, float(n), "SBIs",
    )  # fmt: skip


def case_threat_eval_disc() -> Row:
    from scipy import stats

    from shieldlab.battle.threat_eval import disc_probability

    c, sig, radius = np.array([3e3, 4e3]), 5e3, 10e3
    p = float(disc_probability(c, sig**2 * np.eye(2), radius))
    exact = float(stats.ncx2.cdf(radius**2 / sig**2, 2, float(c @ c) / sig**2))
    return compare(
        "threat eval", "P(impact in an offset disc)",
        "Rice, scipy ncx2", exact, p, 1e-6, "",
    )  # fmt: skip


WTA_BEST_50X100X1 = 1734.302257
"""Best known objective of ``wta_50x100x1`` (Andersen, Pavlikov & Toffolo 2022, min UB)."""


def case_wta_benchmark() -> Row:
    from shieldlab.battle.wta import read_wta_instance, solve_wta

    args = (
        "WTA", "MMR surviving value, 50×100×1",
        "Andersen et al. 2022", WTA_BEST_50X100X1,
    )  # fmt: skip
    path = find_file("shared", "data", "wta", "wta_50x100x1.txt")
    if path is None:
        return skipped(*args, 0.05 * WTA_BEST_50X100X1, "", "../shared/data/wta not found")
    sol = solve_wta(read_wta_instance(path), "mmr")
    return compare(*args, sol.objective, 0.05 * WTA_BEST_50X100X1, "")


LAYERED_SCENARIO = """\
name: credibility-layered-leakage
epoch_utc: "2026-07-04T12:00:00Z"
seed: 20250127
trials: 3
time_step_s: 1.0
threats:
  - type: generic-solid-icbm
    count: 10
    payload_mass_kg: 1100
    launch_area: {lat_deg: 40.0, lon_deg: 127.5, radius_km: 60}
    first_launch_s: 60
    launch_interval_s: 20
    targets: [Malmstrom, Anchorage, Seattle, Portland, Malmstrom,
              Anchorage, Seattle, Portland, Malmstrom, Seattle]
assets:
  - {name: Malmstrom, lat_deg: 47.50, lon_deg: -111.18, radius_km: 60, value: 10}
  - {name: Anchorage, lat_deg: 61.22, lon_deg: -149.90, radius_km: 15, value: 1}
  - {name: Seattle, lat_deg: 47.61, lon_deg: -122.33, radius_km: 30, value: 4}
  - {name: Portland, lat_deg: 45.52, lon_deg: -122.68, radius_km: 25, value: 2.5}
sensors:
  - {kind: geo-ir, name: GEO-IR, type: generic-geo-ir, lon_deg: 150.0}
  - {kind: radar, name: Clear, type: generic-uhf-ewr, lat_deg: 64.29, lon_deg: -149.19}
  - {kind: radar, name: Beale, type: generic-uhf-ewr, lat_deg: 39.14, lon_deg: -121.35,
     boresight_azimuth_deg: 300}
  - {kind: radar, name: Forward X-band, type: generic-xband-fcr, lat_deg: 40.77,
     lon_deg: 140.30, boresight_azimuth_deg: 270}
interceptor_sites:
  - {name: Fort Greely, type: generic-gbi, lat_deg: 63.95, lon_deg: -145.73, inventory: 12}
  - {name: Malmstrom THAAD, type: generic-thaad, lat_deg: 47.3, lon_deg: -111.0, inventory: 20}
  - {name: Seattle THAAD, type: generic-thaad, lat_deg: 47.5, lon_deg: -122.2, inventory: 20}
doctrine: {shots_per_threat: 2, shoot_look_shoot: false}
"""
"""Two-layer defense (GBI midcourse + THAAD-class underlayer), salvo doctrine, 10 ICBMs."""


def case_engine_layered_leakage() -> Row:
    from shieldlab.analysis.layered import survival
    from shieldlab.scenario import parse_scenario
    from shieldlab.sim.engine import KILLED, run_trial
    from shieldlab.sim.world import build_world

    loaded = parse_scenario(LAYERED_SCENARIO, "credibility-layered-leakage.yaml")
    world = build_world(loaded)
    predicted, observed = [], 0
    for trial in range(loaded.scenario.trials):
        r = run_trial(world, trial)
        for j in np.unique(r.shot_threat[r.shot_threat >= 0]):  # shots that met an object
            predicted.append(float(survival(r.shot_pk[r.shot_threat == j])))
            observed += int(r.status[j] != KILLED)
    p = np.asarray(predicted)
    sigma = math.sqrt(float(np.sum(p * (1.0 - p))))
    return compare(
        "engine", f"survivors of {p.size} engaged, 2 layers",
        "Wilkening 2000", float(p.sum()), float(observed),
        4.0 * sigma, "threats",
    )  # fmt: skip


# --- analysis: cost ---------------------------------------------------------------------


def _cost_case(
    reference: str,
    source: str,
    expected_gusd: float,
    file: str,
    total: Callable[[dict[str, Any]], float],
    overrides: dict[str, Any] | None = None,
) -> Row:
    """``total`` [USD] of the cost study of ``architectures/FILE`` against ``expected_gusd``
    within 10 % (the tolerance of ``tests/analysis/test_cost_published.py``); skipped when
    the architecture files are not there (an installed package without the repository)."""
    from shieldlab.analysis.architecture import load_architecture
    from shieldlab.analysis.cost_study import run_cost_study

    args = ("cost", reference, source, expected_gusd)
    path = find_file("architectures", file)
    if path is None:
        return skipped(*args, 0.1 * expected_gusd, "G$", f"architectures/{file} not found")
    d = run_cost_study(load_architecture(path, overrides)).as_dict()
    return compare(*args, total(d) / 1e9, 0.1 * expected_gusd, "G$")


def case_cost_cbo_2026() -> Row:
    return _cost_case(
        "SBI layer, 20-year total", "CBO 2026", 743.0, "cbo-2026.yaml",
        lambda d: float(d["by_layer"]["boost"]["total_usd"]),
    )  # fmt: skip


def case_cost_aei_2025() -> Row:
    return _cost_case(
        "basic SBI layer, 20-year total", "AEI 2025 Table 3", 271.0, "aei-2025-sbi-basic.yaml",
        lambda d: float(d["total_usd"]),
    )  # fmt: skip


def case_cost_cbo_2025_letter() -> Row:
    return _cost_case(
        "1,300 SBIs at 1,500 $/kg launch", "CBO letter 2025", 161.0,
        "cbo-2025-letter-1300.yaml", lambda d: float(d["total_usd"]),
        {"launch": "heavy-lift-2026"},
    )  # fmt: skip


CASES: tuple[Case, ...] = (
    case_atmosphere_50km,
    case_atmosphere_300km,
    case_frames_geodetic,
    case_frames_great_circle,
    case_gravity_equator,
    case_lambert,
    case_orbits_sun_synchronous,
    case_orbits_vs_sgp4,
    case_geo_radius,
    case_ballistic_kepler_coast,
    case_ballistic_rocket_equation,
    case_ballistic_aps_burnout,
    case_ballistic_scud_range,
    case_glide_range,
    case_hgv_heating,
    case_radar_range_equation,
    case_radar_swerling,
    case_radar_uewr_range,
    case_airborne_horizon,
    case_ekf_nees,
    case_sbi_one_icbm,
    case_sbi_ten_at_once,
    case_threat_eval_disc,
    case_wta_benchmark,
    case_engine_layered_leakage,
    case_cost_cbo_2026,
    case_cost_aei_2025,
    case_cost_cbo_2025_letter,
)
"""The reference cases, in layer order (core → space → threats → sensors → tracking →
weapons → battle → sim → analysis)."""


# --- presentation -----------------------------------------------------------------------


def fmt_number(x: float | None, digits: int = 5) -> str:
    """Compact number: ``digits`` significant digits, short exponents (2.1e-7), — if none."""
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0.0:
        return "0"
    if 1e-3 <= abs(x) < 1e6:
        text = f"{x:.{digits}g}"
        if "e" in text:  # 111 at two digits: whole number, not 1.1e+02
            text = f"{x:.0f}"
    else:
        text = f"{x:.{max(digits - 2, 1)}e}"
        mant, exp = text.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        text = f"{mant}e{int(exp)}"
    return text


def fmt_difference(x: float | None) -> str:
    """Signed, two significant digits (whole numbers from 10 up)."""
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0.0:
        return "0"
    if 10.0 <= abs(x) < 1e6:
        return f"{x:+.0f}"
    return ("+" if x > 0 else "") + fmt_number(x, 2)


def summary_line(report: Report) -> str:
    """The last line of the table: all passed, or which cases failed."""
    n = len(report.rows)
    skipped = f", {report.skipped} skipped" if report.skipped else ""
    if report.failed == 0:
        done = f"all {n}" if report.passed == n else f"{report.passed} of {n}"
        return f"{done} reference cases passed{skipped}"
    names = ", ".join(f"{r.model}: {r.reference}" for r in report.rows if r.passed is False)
    return (
        f"FAILED: {report.failed} of {n} reference cases ({names}); {report.passed} passed{skipped}"
    )


def models_table(report: Report, width: int = 80) -> Table:
    """The report as one rich table for a terminal ``width`` wide (text columns wrap; one
    space between columns below 110 columns, so that 80 columns stay readable)."""
    from rich import box
    from rich.table import Table

    table = Table(
        title="model credibility: shieldlab against its references",
        box=box.SIMPLE_HEAD,
        show_lines=True,
        pad_edge=False,
        padding=(0, 0, 0, 0) if width < 110 else (0, 1),
    )
    table.add_column("model", ratio=2, min_width=6, overflow="fold")
    table.add_column("reference", ratio=4, min_width=10, overflow="fold")
    table.add_column("source", ratio=3, min_width=10, overflow="fold")
    for name in ("expected", "shieldlab", "difference"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("tolerance", justify="right", min_width=6)
    table.add_column("pass", no_wrap=True)
    style = {"pass": "green", "FAIL": "bold red", "skipped": "yellow"}
    for r in report.rows:
        table.add_row(
            r.model,
            r.reference if not r.note else f"{r.reference} ({r.note})",
            r.source,
            fmt_number(r.expected),
            fmt_number(r.value),
            fmt_difference(r.difference),
            f"{fmt_number(r.tolerance, 2)} {r.unit}".strip(),
            f"[{style[r.status]}]{r.status}[/]",
        )
    return table
