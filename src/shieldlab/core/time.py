"""Time scales: UTC epochs, Julian dates and Greenwich mean sidereal time.

Simulation time is ``t_s`` (float64 seconds) from one scenario epoch in UTC.
The epoch is needed only where the Earth's rotation matters (ECI ↔ ECEF).

Assumptions: UT1 = UTC (|UT1 − UTC| < 0.9 s, i.e. < 0.4 km of Earth rotation
at the equator); GMST by the IAU-1982 model (Vallado 4th ed., eq. 3-47),
which is what SGP4/TEME also uses. Precession and nutation are ignored, so the
inertial frame here is a "true-of-date"-like frame with its z axis on the
Earth's rotation axis (good to a few tens of metres over a simulation's hours).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import SECONDS_PER_DAY

JD_J2000: float = 2451545.0
"""Julian date of the J2000.0 epoch, 2000-01-01 12:00 TT (here used on UT1)."""

_TWO_PI = 2.0 * math.pi


EPOCH_YEARS = (1900, 2100)
"""Years an epoch may fall in (:func:`julian_date`'s range; beyond, datetimes overflow)."""


def parse_epoch(text: str | datetime) -> datetime:
    """Parse an ISO-8601 UTC epoch (``2026-07-04T12:00:00Z``) to an aware datetime.

    Raises ``ValueError`` naming what is allowed if the text is not ISO-8601 or the
    epoch is outside :data:`EPOCH_YEARS`.
    A naive datetime is taken as UTC.
    """
    if isinstance(text, datetime):
        dt = text
    else:
        try:
            dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(
                f"epoch {text!r} is not ISO-8601 UTC, e.g. 2026-07-04T12:00:00Z"
            ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        utc = dt.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        utc = None
    if utc is None or not EPOCH_YEARS[0] <= utc.year <= EPOCH_YEARS[1]:
        raise ValueError(
            f"epoch {text!r} is outside the years {EPOCH_YEARS[0]}–{EPOCH_YEARS[1]} UTC "
            "that the time models cover"
        )
    return utc


def julian_date(epoch: datetime) -> float:
    """Julian date of an aware UTC datetime (Vallado Algorithm 14, valid 1900–2100)."""
    e = epoch.astimezone(UTC)
    y, m, d = e.year, e.month, e.day
    frac = (e.hour + (e.minute + (e.second + e.microsecond * 1e-6) / 60.0) / 60.0) / 24.0
    return (
        367.0 * y
        - math.floor(7.0 * (y + math.floor((m + 9) / 12.0)) / 4.0)
        + math.floor(275.0 * m / 9.0)
        + d
        + 1721013.5
        + frac
    )


def gmst_rad(jd_ut1: ArrayLike) -> NDArray[np.float64]:
    """Greenwich mean sidereal time [rad, in 0..2π) for Julian date(s) on UT1.

    IAU-1982 expression (Vallado 4th ed., eq. 3-47):
    θ = 67310.54841 s + (876600 h + 8640184.812866 s) T + 0.093104 T² − 6.2e-6 T³,
    with T in Julian centuries of UT1 from J2000.
    """
    jd = np.asarray(jd_ut1, dtype=np.float64)
    t = (jd - JD_J2000) / 36525.0
    sec = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + 0.093104 * t**2 - 6.2e-6 * t**3
    return np.mod(sec * (_TWO_PI / SECONDS_PER_DAY), _TWO_PI)


def gmst_at(epoch: datetime, t_s: ArrayLike) -> NDArray[np.float64]:
    """GMST [rad] at ``t_s`` seconds after ``epoch`` (UTC ≈ UT1)."""
    jd0 = julian_date(epoch)
    t = np.asarray(t_s, dtype=np.float64)
    return gmst_rad(jd0 + t / SECONDS_PER_DAY)
