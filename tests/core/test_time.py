"""Time: Julian date and GMST against Vallado 4th ed. Examples 3-4 and 3-5."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from shieldlab.core.constants import DEG
from shieldlab.core.time import JD_J2000, gmst_at, gmst_rad, julian_date, parse_epoch


def test_j2000_epoch() -> None:
    """J2000.0 = 2000-01-01 12:00 → JD 2451545.0 (exact)."""
    assert JD_J2000 == 2451545.0
    assert julian_date(datetime(2000, 1, 1, 12, tzinfo=UTC)) == 2451545.0


def test_vallado_example_3_4_julian_date() -> None:
    """Vallado Ex. 3-4: 1996 Oct 26 14:20:00 UT → JD 2450383.09722222 (1e-8 d ≈ 1 ms)."""
    jd = julian_date(datetime(1996, 10, 26, 14, 20, tzinfo=UTC))
    assert jd == pytest.approx(2450383.09722222, abs=1e-8)


def test_vallado_example_3_5_gmst() -> None:
    """Vallado Ex. 3-5: 1992 Aug 20 12:14 UT1 → JD 2448855.009722, GMST 152.578787810°.
    Tolerance 1e-6° (float64 JD resolution is ~4e-8°)."""
    epoch = datetime(1992, 8, 20, 12, 14, tzinfo=UTC)
    jd = julian_date(epoch)
    assert jd == pytest.approx(2448855.009722, abs=1e-6)
    assert gmst_rad(jd) / DEG == pytest.approx(152.578787810, abs=1e-6)
    assert gmst_at(epoch, 0.0) / DEG == pytest.approx(152.578787810, abs=1e-6)


def test_gmst_rate_is_sidereal() -> None:
    """One solar day advances GMST by 360.985647° (mod 360); in [0, 2π)."""
    epoch = parse_epoch("2026-07-04T12:00:00Z")
    g = gmst_at(epoch, np.array([0.0, 86400.0]))
    d = np.mod(g[1] - g[0], 2 * np.pi) / DEG
    assert d == pytest.approx(0.985647, abs=1e-5)
    assert np.all((g >= 0) & (g < 2 * np.pi))


def test_gmst_at_matches_later_epoch() -> None:
    epoch = parse_epoch("2026-01-01T00:00:00Z")
    t = 12345.5
    later = epoch + timedelta(seconds=t)
    assert gmst_at(epoch, t) == pytest.approx(gmst_rad(julian_date(later)), abs=1e-9)


def test_parse_epoch_forms_and_errors() -> None:
    a = parse_epoch("2026-07-04T12:00:00Z")
    b = parse_epoch("2026-07-04T14:00:00+02:00")
    c = parse_epoch(datetime(2026, 7, 4, 12))  # naive → UTC
    assert a == b == c and a.tzinfo is not None
    assert parse_epoch(datetime(2026, 7, 4, 7, tzinfo=timezone(timedelta(hours=-5)))) == a
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_epoch("4th of July")
