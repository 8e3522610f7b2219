"""Boost templates of the fire control's threat library (``weapons.boost_templates``).

Three classes only (solid ICBM, solid IRBM, liquid MRBM) to keep the flights short.
Checks: the library's kinds, the layout of each template, the deadline against the
flown :func:`~shieldlab.weapons.sbi.boost_path`, the physics of the profiles, and
that a template flown from the canonical site carries over to another launch point,
heading and epoch (the Earth-rotation claim of the module docstring).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from shieldlab import catalog
from shieldlab.core.constants import DEG
from shieldlab.core.frames import ecef_to_geodetic, eci_to_ecef, great_circle_distance_m
from shieldlab.core.time import gmst_at
from shieldlab.threats.registry import threat_kind
from shieldlab.weapons.boost_templates import (
    BOOST_LIBRARY_KINDS,
    BoostTemplate,
    build_boost_templates,
    class_max_range_m,
    default_library,
)
from shieldlab.weapons.sbi import BoostPath

LIB = ("generic-solid-icbm", "generic-irbm", "generic-mrbm")
FRACTIONS = (0.4, 0.7, 1.0)  # three ranges per class (the default has five)
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)  # of the ``solid_path`` fixture (conftest.py)
LAUNCH_DEG = (40.0, 127.5)


@pytest.fixture(scope="module")
def templates() -> tuple[BoostTemplate, ...]:
    return build_boost_templates(LIB, FRACTIONS)


def test_default_library_is_the_boosting_classes() -> None:
    lib = default_library()
    assert {"generic-solid-icbm", "generic-liquid-icbm", "generic-mirv-icbm"} <= set(lib)
    assert all(threat_kind(n) in BOOST_LIBRARY_KINDS for n in lib)
    assert "generic-hgv" not in lib and "generic-lacm" not in lib


def test_layout_and_ranges(templates: tuple[BoostTemplate, ...]) -> None:
    """Threat by threat, fractions 0.4/0.7/1.0 of the class range; 1-s grid from 0 to
    the deadline + 60 s; the cached call returns the same tuple."""
    assert len(templates) == 9
    assert build_boost_templates(LIB, FRACTIONS) is templates
    for i, tp in enumerate(templates):
        assert tp.threat == LIB[i // 3]
        frac = (0.4, 0.7, 1.0)[i % 3]
        assert tp.name == f"{tp.threat}@{frac * class_max_range_m(tp.threat) / 1e3:.0f}km"
        assert tp.tau_s[0] == 0.0 and np.all(np.diff(tp.tau_s) == 1.0)
        assert tp.t_kill_s + 59.0 <= tp.tau_s[-1] <= tp.t_kill_s + 60.0
        assert tp.tau_s.shape == tp.alt_m.shape == tp.ground_range_m.shape
        assert tp.ground_range_m[0] < 1.0 and abs(tp.alt_m[0]) < 50.0  # starts on the pad


def test_max_range_fallback() -> None:
    """No ballistic entry states a range: 0.75 × the scanned full-burn maximum, which
    lands below the quoted class range (MRBM ~1,300 km, IRBM 3,000-5,500 km, solid
    ICBM 11,000-12,000 km; measured 1,062 / 3,217 / 10,553 km). An entry with a
    ``max_range_km`` (a cruise missile) gives that field."""
    assert 0.7 * 1300e3 <= class_max_range_m("generic-mrbm") <= 1300e3
    assert 2500e3 <= class_max_range_m("generic-irbm") <= 4000e3
    assert 0.8 * 11000e3 <= class_max_range_m("generic-solid-icbm") <= 12000e3
    lacm = catalog.load("threats")["generic-lacm"]["max_range_km"]
    assert class_max_range_m("generic-lacm") == pytest.approx(lacm * 1e3)
    with pytest.raises(ValueError, match="boost library"):
        class_max_range_m("generic-hgv")
    with pytest.raises(ValueError, match="fractions"):
        build_boost_templates(("generic-mrbm",), (0.5, 1.2))


def test_deadline_matches_the_flown_boost_path(
    templates: tuple[BoostTemplate, ...], solid_path: BoostPath
) -> None:
    """The solid ICBM's deadline is its burnout (~182 s), as ``sbi.boost_path`` flies it
    from another site; single-RV classes: deadline = burnout."""
    for tp in templates:
        assert tp.t_kill_s == pytest.approx(tp.t_burnout_s)
        if tp.threat == "generic-solid-icbm":
            assert abs(tp.t_kill_s - solid_path.t_kill_s) <= 2.0


def test_profiles_are_physical(templates: tuple[BoostTemplate, ...]) -> None:
    """Altitude and ground range rise through the boost (ground range to 1 m: the pad
    holds still to numerical noise in the vertical rise); burnout altitudes of the
    classes (measured 213-260 km solid ICBM, 118-131 km IRBM, 47-74 km MRBM); a longer
    range burns out lower and further downrange (less energy wasted on a steep climb)."""
    alt_bo = {"generic-solid-icbm": (180e3, 300e3), "generic-irbm": (100e3, 150e3)}
    alt_bo["generic-mrbm"] = (40e3, 90e3)
    for tp in templates:
        k = int(tp.t_burnout_s)
        assert np.all(np.diff(tp.alt_m[: k + 1]) > 0.0)
        assert np.all(np.diff(tp.ground_range_m[: k + 1]) > -1.0)
        assert tp.ground_range_m[k] > 30e3
        lo, hi = alt_bo[tp.threat]
        assert lo <= np.interp(tp.t_burnout_s, tp.tau_s, tp.alt_m) <= hi
    for i in range(0, 9, 3):
        g_bo = [
            np.interp(tp.t_burnout_s, tp.tau_s, tp.ground_range_m) for tp in templates[i : i + 3]
        ]
        assert g_bo[0] < g_bo[1] < g_bo[2]


def test_template_carries_to_another_site(
    templates: tuple[BoostTemplate, ...], solid_path: BoostPath
) -> None:
    """The solid ICBM flown from 40° N 127.5° E towards Washington (10,900 km, heading
    19°, epoch 2025-01-01) against the canonical 10,553-km template (heading 45°,
    2026-07-04): through the boost the Earth-fixed altitude and ground range agree to
    5 and 20 km (measured 1.2 and 8.9 km)."""
    flown = solid_path
    ecef = eci_to_ecef(flown.r_eci_m, gmst_at(EPOCH, flown.tau_s))
    lat, lon, h = ecef_to_geodetic(ecef)
    g = great_circle_distance_m(LAUNCH_DEG[0] * DEG, LAUNCH_DEG[1] * DEG, lat, lon)
    tp = templates[2]
    tau = np.arange(0.0, math.floor(flown.t_burnout_s) + 1.0)
    dh = np.interp(tau, flown.tau_s, h) - np.interp(tau, tp.tau_s, tp.alt_m)
    dg = np.interp(tau, flown.tau_s, g) - np.interp(tau, tp.tau_s, tp.ground_range_m)
    assert np.max(np.abs(dh)) < 5e3
    assert np.max(np.abs(dg)) < 20e3
    # and the nearer-range template is the better match (the fractions do matter)
    dh_short = np.interp(tau, flown.tau_s, h) - np.interp(
        tau, templates[0].tau_s, templates[0].alt_m
    )
    assert np.max(np.abs(dh_short)) > 5 * np.max(np.abs(dh))


def test_shapes_are_templates_of_their_own() -> None:
    """A lofted template of the same class and range burns on a steeper path: higher at
    burnout, shorter on the ground, named with its shape (the library's shapes are
    ``doctrine.boost_shapes``)."""
    me, lofted = build_boost_templates(("generic-mrbm",), (1.0,), ("minimum-energy", "lofted"))
    assert lofted.name == me.name + "/lofted"
    k_me, k_lo = int(me.t_burnout_s), int(lofted.t_burnout_s)
    assert lofted.alt_m[k_lo] > me.alt_m[k_me]
    assert lofted.ground_range_m[k_lo] < me.ground_range_m[k_me]
