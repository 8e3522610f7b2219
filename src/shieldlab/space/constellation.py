"""Satellite constellations: Walker patterns, GEO, Molniya-type HEO and TLE sets.

Validity: element sets as :mod:`shieldlab.space.orbits`; TLE sets as good as
SGP4 and the TLE themselves (of order 1 km at the TLE epoch, growing by
kilometres per day).

Every builder returns :class:`~shieldlab.space.orbits.OrbitalElements` (a
frozen struct of ``(n,)`` arrays at the scenario epoch) or a
:class:`Constellation`, whose ephemerides come out for all satellites and all
times in one call: ``positions_eci(t_s (T,)) -> (n, T, 3)`` [m].

Frames: shieldlab ECI (z on the rotation axis, Earth rotation by GMST
IAU-82 from the scenario epoch) and ECEF (WGS-84). TLE sets are propagated by
SGP4 (``sgp4`` package, Vallado et al. 2006, AIAA 2006-6753) in TEME, which we
take as our ECI: TEME ("true equator, mean equinox") turns to Earth-fixed by
GMST IAU-82 alone, which is exactly how shieldlab ECI is defined
(:mod:`shieldlab.core.time`), so the two share their axes by construction
(Vallado et al. 2006, §"TEME"). Neither includes the equation of the
equinoxes (up to ≈ 1.1 s of time, ≈ 17″, ≈ 3.5 km at GEO) that separates
them from a true-of-date frame, nor polar motion: both irrelevant at the
level of a coverage or warning study.

Sources: Walker, "Satellite constellations", J. Brit. Interplanet. Soc. 37
(1984) 559–572 (t/p/f notation); Wertz & Larson, *Space Mission Analysis and
Design* 3rd ed. (1999) §7.6; Vallado 4th ed. ch. 9 (J2 secular rates,
critical inclination, Molniya) and ch. 2 (GEO radius).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sgp4.api import Satrec, SatrecArray

from shieldlab.core.constants import (
    GM_EARTH_M3_S2,
    J2_EARTH,
    SECONDS_PER_DAY,
    WGS84_A_M,
    WGS84_OMEGA_RAD_S,
)
from shieldlab.core.frames import eci_to_ecef
from shieldlab.core.time import gmst_at, julian_date, parse_epoch
from shieldlab.scenario.schema import GeoConstellation, HeoConstellation, WalkerConstellation
from shieldlab.space.orbits import OrbitalElements, mean_motion_rad_s, propagate

F64 = NDArray[np.float64]
StatesFn = Callable[[F64], tuple[F64, F64]]

CRITICAL_INCLINATION_RAD: float = math.acos(math.sqrt(1.0 / 5.0))
"""63.4349°: inclination where J2 does not move the argument of perigee (Vallado 4th ed. ch. 9)."""

SIDEREAL_DAY_S: float = 2.0 * math.pi / WGS84_OMEGA_RAD_S
"""One sidereal day [s] (86164.09 s) from the WGS-84 rotation rate."""


def _walker(
    total: int,
    planes: int,
    phasing: int,
    altitude_m: float,
    inclination_rad: float,
    raan0_rad: float,
    raan_spread_rad: float,
) -> OrbitalElements:
    if total < 1 or planes < 1 or total % planes != 0:
        raise ValueError(f"Walker t/p/f needs t ≥ 1, p ≥ 1 and p dividing t; got {total}/{planes}")
    if not 0 <= phasing < planes:
        raise ValueError(f"Walker phasing f must be in 0..p-1 = 0..{planes - 1}; got {phasing}")
    if altitude_m <= 0.0:
        raise ValueError(f"altitude_m must be > 0; got {altitude_m}")
    per_plane = total // planes
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    raan = raan0_rad + plane * (raan_spread_rad / planes)
    m0 = slot * (2.0 * math.pi / per_plane) + plane * (phasing * 2.0 * math.pi / total)
    return OrbitalElements(
        a_m=np.full(total, WGS84_A_M + altitude_m),
        e=np.zeros(total),
        i_rad=np.full(total, inclination_rad),
        raan_rad=np.mod(raan, 2.0 * math.pi),
        argp_rad=np.zeros(total),
        m0_rad=np.mod(m0, 2.0 * math.pi),
    )


def walker_delta(
    total: int,
    planes: int,
    phasing: int,
    altitude_m: float,
    inclination_rad: float,
    raan0_rad: float = 0.0,
) -> OrbitalElements:
    """Walker delta pattern i: t/p/f of circular orbits (Walker 1984; SMAD §7.6).

    ``total`` t satellites in ``planes`` p planes with ascending nodes spread
    evenly over 360° (Ω_k = Ω₀ + k·360°/p), s = t/p satellites evenly spaced
    in each plane (360°/s apart), and satellite j of plane k at argument of
    latitude u = j·360°/s + k·f·360°/t (``phasing`` f in 0..p−1). Altitude is
    above the equatorial radius (a = R_e + h). Satellites are ordered plane by
    plane.
    """
    return _walker(total, planes, phasing, altitude_m, inclination_rad, raan0_rad, 2.0 * math.pi)


def walker_star(
    total: int,
    planes: int,
    phasing: int,
    altitude_m: float,
    inclination_rad: float,
    raan0_rad: float = 0.0,
) -> OrbitalElements:
    """Walker star (polar, "Iridium-like") pattern: nodes spread over 180° instead of 360°."""
    return _walker(total, planes, phasing, altitude_m, inclination_rad, raan0_rad, math.pi)


def geo_radius_m(j2: bool = True) -> float:
    """Radius [m] of the geostationary orbit, where the mean angular rate equals ω_E.

    Two-body: a = (μ/ω_E²)^(1/3) = 42,164.17 km (Vallado 4th ed. ch. 2 gives
    42,164.2 km). With ``j2`` the equatorial secular rate Ω̇ + ω̇ + Ṁ = n (1 + 3 J2 (R/a)²)
    is matched to ω_E instead (a ≈ 2.09 km larger), so a J2-propagated
    geostationary satellite stays put.
    """
    a = (GM_EARTH_M3_S2 / WGS84_OMEGA_RAD_S**2) ** (1.0 / 3.0)
    if j2:
        for _ in range(20):
            n_needed = WGS84_OMEGA_RAD_S / (1.0 + 3.0 * J2_EARTH * (WGS84_A_M / a) ** 2)
            a = (GM_EARTH_M3_S2 / n_needed**2) ** (1.0 / 3.0)
    return float(a)


def geostationary(lons_rad: ArrayLike, epoch: datetime | str, j2: bool = True) -> OrbitalElements:
    """Geostationary satellites over longitudes ``lons_rad (n,)`` (east positive) at the epoch.

    Circular, equatorial; the satellite's ECI angle at t = 0 is λ + GMST(epoch).
    ``j2`` picks the radius that stays fixed under the J2-propagated model
    (:func:`geo_radius_m`); use the same flag when propagating.
    """
    lons = np.atleast_1d(np.asarray(lons_rad, dtype=np.float64))
    theta0 = float(gmst_at(parse_epoch(epoch), 0.0))
    n = lons.shape[0]
    return OrbitalElements(
        a_m=np.full(n, geo_radius_m(j2)),
        e=np.zeros(n),
        i_rad=np.zeros(n),
        raan_rad=np.zeros(n),
        argp_rad=np.zeros(n),
        m0_rad=np.mod(lons + theta0, 2.0 * math.pi),
    )


def highly_elliptical(
    apogee_lons_rad: ArrayLike,
    epoch: datetime | str,
    apogee_time_s: ArrayLike = 0.0,
    perigee_altitude_m: float = 600e3,
    period_s: float = SIDEREAL_DAY_S / 2.0,
    inclination_rad: float = CRITICAL_INCLINATION_RAD,
    argp_rad: float = 1.5 * math.pi,
) -> OrbitalElements:
    """Molniya-type HEO satellites whose apogee is over ``apogee_lons_rad`` at ``apogee_time_s``.

    Defaults: period half a sidereal day (43,082 s, ground track repeats each
    day with two apogees 180° apart in longitude), critical inclination 63.43°
    (no apsidal drift), argument of perigee 270° (apogee at the northernmost
    point, latitude ≈ i), perigee altitude 600 km → e ≈ 0.737, apogee
    altitude ≈ 39,770 km (Vallado ch. 9; SMAD §7.6). For apogee at time
    t_a over longitude λ: M(t_a) = 180° and the apogee's right ascension
    Ω + ω − 180° + 360°·… equals λ + GMST(t_a); J2 drift between t = 0 and
    t_a is ignored in setting Ω (choose t_a within a few orbits of 0).
    Several satellites sharing a ground track (e.g. 3 × 8 h apart) are made
    by giving the same longitude and staggered ``apogee_time_s``.
    """
    lons = np.atleast_1d(np.asarray(apogee_lons_rad, dtype=np.float64))
    t_apo = np.broadcast_to(np.asarray(apogee_time_s, dtype=np.float64), lons.shape)
    a = (GM_EARTH_M3_S2 * (period_s / (2.0 * math.pi)) ** 2) ** (1.0 / 3.0)
    rp = WGS84_A_M + perigee_altitude_m
    ecc = 1.0 - rp / a
    if not 0.0 <= ecc < 1.0:
        raise ValueError(
            f"perigee altitude {perigee_altitude_m} m is above the orbit's semi-major axis"
        )
    n_mean = float(mean_motion_rad_s(a))
    theta_apo = gmst_at(parse_epoch(epoch), t_apo)
    # Apogee direction: argument of latitude u = ω + π. Its right ascension is
    # Ω + atan2(sin u cos i, cos u); set it to λ + GMST(t_a).
    u = argp_rad + math.pi
    ra_offset = math.atan2(math.sin(u) * math.cos(inclination_rad), math.cos(u))
    raan = np.mod(lons + theta_apo - ra_offset, 2.0 * math.pi)
    m0 = np.mod(math.pi - n_mean * t_apo, 2.0 * math.pi)
    k = lons.shape[0]
    return OrbitalElements(
        a_m=np.full(k, a),
        e=np.full(k, ecc),
        i_rad=np.full(k, inclination_rad),
        raan_rad=raan,
        argp_rad=np.full(k, argp_rad),
        m0_rad=m0,
    )


@dataclass(frozen=True)
class Constellation:
    """Named satellites with a vectorised ephemeris, from one scenario epoch (UTC).

    ``names (n,)``; ``states_fn(t_s (T,)) -> (r, v)`` each ``(n, T, 3)`` in
    ECI [m, m/s]. Built by :func:`from_elements` or :func:`from_tles`;
    join constellations with ``+`` (same epoch).
    """

    names: tuple[str, ...]
    epoch: datetime
    states_fn: StatesFn

    @property
    def n(self) -> int:
        """Number of satellites."""
        return len(self.names)

    def states_eci(self, t_s: ArrayLike) -> tuple[F64, F64]:
        """ECI position [m] and velocity [m/s], each ``(n, T, 3)``, at ``t_s`` from the epoch."""
        return self.states_fn(np.atleast_1d(np.asarray(t_s, dtype=np.float64)))

    def positions_eci(self, t_s: ArrayLike) -> F64:
        """ECI positions [m] ``(n, T, 3)``."""
        return self.states_eci(t_s)[0]

    def positions_ecef(self, t_s: ArrayLike) -> F64:
        """ECEF positions [m] ``(n, T, 3)`` (rotation by GMST from the epoch)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        return eci_to_ecef(self.positions_eci(t), gmst_at(self.epoch, t))

    def __add__(self, other: Constellation) -> Constellation:
        if self.epoch != other.epoch:
            raise ValueError("constellations to join must share one epoch")
        f, g = self.states_fn, other.states_fn

        def states(t: F64) -> tuple[F64, F64]:
            r1, v1 = f(t)
            r2, v2 = g(t)
            return np.concatenate([r1, r2]), np.concatenate([v1, v2])

        return Constellation(self.names + other.names, self.epoch, states)


def from_elements(
    elements: OrbitalElements,
    epoch: datetime | str,
    names: Sequence[str] | str = "sat",
    j2: bool = True,
) -> Constellation:
    """Constellation propagated from Keplerian elements (two-body + secular J2).

    ``names``: one name per satellite, or a prefix (``"sbi"`` → ``sbi-000``…).
    """
    if isinstance(names, str):
        names = [f"{names}-{k:03d}" for k in range(elements.n)]
    if len(names) != elements.n:
        raise ValueError(f"{len(names)} names for {elements.n} satellites")

    return Constellation(tuple(names), parse_epoch(epoch), _ElementStates(elements, j2))


@dataclass(frozen=True)
class _ElementStates:
    """Picklable ephemeris of Keplerian elements (a constellation travels to workers)."""

    elements: OrbitalElements
    j2: bool

    def __call__(self, t: F64) -> tuple[F64, F64]:
        return propagate(self.elements, t, j2=self.j2)


def _parse_tle_lines(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    rows = [ln.rstrip() for ln in lines if ln.strip()]
    out: list[tuple[str, str, str]] = []
    k = 0
    while k < len(rows):
        name = ""
        if not rows[k].startswith("1 "):
            name = rows[k].strip().removeprefix("0 ").strip()
            k += 1
        if k + 1 >= len(rows) or not rows[k].startswith("1 ") or not rows[k + 1].startswith("2 "):
            raise ValueError(f"TLE set malformed near line {k + 1}: expected line 1 then line 2")
        l1, l2 = rows[k], rows[k + 1]
        out.append((name or l1[2:7].strip(), l1, l2))
        k += 2
    return out


def _epoch_jd_parts(epoch: datetime, t_s: F64) -> tuple[F64, F64]:
    """Julian date split (whole at 0 h UTC, fraction) for sgp4's two-part time."""
    e = epoch.astimezone(UTC)
    midnight = e.replace(hour=0, minute=0, second=0, microsecond=0)
    jd0 = julian_date(midnight)  # ends in .5 exactly
    sec_of_day = (e - midnight).total_seconds()
    fr = (sec_of_day + t_s) / SECONDS_PER_DAY
    whole = np.floor(fr)
    return np.full_like(t_s, jd0) + whole, fr - whole


def from_tles(lines: Sequence[str], epoch: datetime | str) -> Constellation:
    """Constellation from two-line element sets, propagated by SGP4 (``sgp4.api.SatrecArray``).

    ``lines``: TLE text lines, 2 per satellite, each pair optionally preceded
    by a name line (3LE). Positions come in TEME, taken as shieldlab ECI (see
    the module docstring), km → m. All satellites × all times in one
    ``SatrecArray.sgp4(jd, fr)`` call. Where SGP4 reports an error (decayed,
    e ≥ 1, …) the position and velocity are NaN.
    """
    sets = _parse_tle_lines(lines)
    if not sets:
        raise ValueError("no TLEs given")
    sats = SatrecArray([Satrec.twoline2rv(l1, l2) for _, l1, l2 in sets])
    ep = parse_epoch(epoch)

    def states(t: F64) -> tuple[F64, F64]:
        jd, fr = _epoch_jd_parts(ep, t)
        err, r_km, v_kms = sats.sgp4(jd, fr)
        bad = (err != 0)[..., None]
        r = np.where(bad, np.nan, np.asarray(r_km, dtype=np.float64) * 1e3)
        v = np.where(bad, np.nan, np.asarray(v_kms, dtype=np.float64) * 1e3)
        return r, v

    return Constellation(tuple(name for name, _, _ in sets), ep, states)


def elements_from_spec(
    spec: WalkerConstellation | GeoConstellation | HeoConstellation, epoch: datetime | str
) -> OrbitalElements:
    """Orbital elements of a scenario ``constellations:`` entry (walker, geo or heo)."""
    if isinstance(spec, WalkerConstellation):
        return walker_delta(
            spec.total,
            spec.planes,
            spec.phasing,
            spec.altitude_km * 1e3,
            math.radians(spec.inclination_deg),
        )
    if isinstance(spec, GeoConstellation):
        return geostationary(np.radians(spec.lons_deg), epoch)
    return highly_elliptical(np.radians(spec.apogee_lons_deg), epoch)


def from_spec(
    spec: WalkerConstellation | GeoConstellation | HeoConstellation, epoch: datetime | str
) -> Constellation:
    """:class:`Constellation` of a scenario ``constellations:`` entry, named after it."""
    return from_elements(elements_from_spec(spec, epoch), epoch, spec.name)
