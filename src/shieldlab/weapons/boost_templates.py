"""Boost templates: the fire control's library of boost profiles (Earth-fixed frame).

A *template* is the boost of one catalog threat flown once from a fixed
canonical launch point, reduced to what a fire control fitting plume sightings
needs: the geodetic altitude h(τ) and the great-circle ground range g(τ) of
the sub-missile point from the launch point, against the time τ after launch,
with the engagement deadline. :func:`shieldlab.sim.boost_fc.fit_launch` fits
these profiles to measured plume positions and
:func:`shieldlab.sim.boost_fc.predicted_path_eci` lays a fitted profile back
on the Earth along the estimated heading.

Construction (:func:`build_boost_templates`):

- Launch from ``CANONICAL_LAUNCH_DEG`` (40° N, 100° E) on the great circle of
  initial azimuth ``CANONICAL_AZIMUTH_DEG`` (45°, north-east), at
  ``CANONICAL_EPOCH`` (2026-07-04T12:00Z), default (minimum-energy) shape,
  towards aim points at fractions of the class's maximum range; one
  :func:`~shieldlab.threats.registry.fly_threats` call per threat (all its
  ranges together), 1-s truth grid.
- The tracked object is the launch's first object (the missile, or the bus of a
  MIRVed threat, the booster in boost), as in
  :func:`shieldlab.weapons.sbi.boost_path`. Deadline t_kill: the earliest
  release of an RV of the launch (booster burnout for a single-RV missile,
  the first release of the post-boost vehicle of a MIRV).
- ECI → ECEF by GMST (``core.time.gmst_at``), → geodetic (WGS-84); ground range
  on a sphere of the mean Earth radius (6,371 km,
  ``core.frames.great_circle_distance_m``), the same sphere
  ``core.frames.destination_point`` uses to lay the path back out; kept for
  τ = 0 … t_kill + 60 s, resampled on a 1-s grid.
- **Maximum range.** The catalog's ``max_range_km`` where an entry states one.
  No ballistic or MIRV entry does (their class ranges are in the prose), so
  the fallback is 0.75 × the full-burn maximum range scanned by
  :func:`shieldlab.threats.aim.scan_range` at the canonical site and heading
  (for a MIRV, its booster carrying the post-boost payload). The factor keeps
  every class's top template inside its minimum-energy reach, so every
  template flies the default shape (measured at the canonical heading: the
  liquid ICBM's minimum-energy reach is ≈ 0.78-0.80 of its full-burn maximum,
  its MIRV version's ≈ 0.83, every other class flies 0.85 without the
  fallback). The top ranges are then 233 km (Scud-class SRBM) to 11,899 km
  (liquid ICBM): 78-92 % of the class ranges quoted in the catalog prose
  from the SRBMs to the solid ICBM, 110-120 % for the liquid ICBM and its
  MIRV version (quoted ~10,000 km).

Assumptions. A template is used for any launch point, heading and epoch.
Over the boost the Earth's rotation enters the Earth-fixed profile only
slightly (Coriolis and centrifugal accelerations ≲ 0.3 m/s² against ~30 m/s²
of thrust; measured: the solid ICBM flown from 40° N 127.5° E on a 19°
heading to 10,900 km matches the 45° template of 10,553 km to 1.2 km in
altitude and 9 km in ground range through the boost). The *range* a given
profile reaches does depend on the heading (the Earth turns under the
free flight: a westward shot to a given range burns like a longer eastward
one), so the range in a template's name holds at the canonical heading only.
The range fractions sample the energy-management (GEMS or cut-off) variants
of one class; a range between two fractions is matched by the nearer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache

import numpy as np
from numpy.typing import NDArray

from shieldlab import catalog
from shieldlab.core.constants import DEG
from shieldlab.core.frames import (
    destination_point,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.objects import OBJECT_RV
from shieldlab.core.time import gmst_at
from shieldlab.threats.aim import scan_range
from shieldlab.threats.catalog import load_threat_specs
from shieldlab.threats.postboost_catalog import load_mirv_specs
from shieldlab.threats.registry import fly_threats, flyable_threats, threat_kind

F64 = NDArray[np.float64]

BOOST_LIBRARY_KINDS = ("ballistic", "mirv")
"""Catalog kinds with a boost phase the fire control fits (booster plume, then burnout)."""
CANONICAL_LAUNCH_DEG = (40.0, 100.0)
"""Launch point (geodetic latitude, longitude) [deg] of every template."""
CANONICAL_AZIMUTH_DEG = 45.0
"""Launch heading (clockwise from north) [deg] of every template."""
CANONICAL_EPOCH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
"""Epoch of the template flights (launch at t = 0)."""
MAX_RANGE_FALLBACK_FACTOR = 0.75
"""Maximum range of a class without ``max_range_km``: this × the scanned full-burn maximum."""
TEMPLATE_MARGIN_S = 60.0
"""Profile kept past the deadline [s]."""


@dataclass(frozen=True)
class BoostTemplate:
    """One boost profile of the fire control's threat library (Earth-fixed frame).

    name: ``"<threat>@<range>km"``; threat: catalog threat name; tau_s (T,):
    seconds after launch on a 1-s grid from 0 to ``t_kill_s`` + 60 s;
    ground_range_m (T,): great-circle distance of the sub-missile point from
    the launch point (sphere of radius 6,371 km) [m]; alt_m (T,): geodetic
    altitude [m]; t_kill_s: engagement deadline after launch (booster burnout,
    or the first RV release of a MIRVed missile) [s]; t_burnout_s: booster
    burnout after launch [s] (the plume ends there).
    """

    name: str
    threat: str
    tau_s: F64
    ground_range_m: F64
    alt_m: F64
    t_kill_s: float
    t_burnout_s: float


def default_library() -> tuple[str, ...]:
    """Catalog threat names of the kinds in ``BOOST_LIBRARY_KINDS`` with a flight model."""
    return tuple(n for n in flyable_threats() if threat_kind(n) in BOOST_LIBRARY_KINDS)


@cache
def class_max_range_m(threat: str) -> float:
    """Maximum range [m] of a library threat (module docstring: catalog field, else fallback)."""
    raw = catalog.load("threats")[threat]
    if isinstance(raw, dict) and raw.get("max_range_km") is not None:
        return float(raw["max_range_km"]) * 1e3
    kind = threat_kind(threat)
    if kind == "ballistic":
        spec = load_threat_specs()[threat]
    elif kind == "mirv":
        spec = load_mirv_specs()[threat].booster
    else:
        raise ValueError(
            f"{threat}: kind {kind!r} is not in the boost library {BOOST_LIBRARY_KINDS}"
        )
    lat, lon = (np.array([x * DEG]) for x in CANONICAL_LAUNCH_DEG)
    _, _, dmax, _ = scan_range(spec, lat, lon, np.array([CANONICAL_AZIMUTH_DEG * DEG]))
    return MAX_RANGE_FALLBACK_FACTOR * float(dmax[0])


def _template_of(
    threat: str,
    range_m: float,
    t_s: F64,
    r_eci_m: F64,
    t_launch_s: float,
    t_kill_abs_s: float,
    t_burnout_abs_s: float,
) -> BoostTemplate:
    """Earth-fixed profile of one flown object (ECI truth (T, 3) on the grid ``t_s``)."""
    lat0, lon0 = (x * DEG for x in CANONICAL_LAUNCH_DEG)
    t_kill = t_kill_abs_s - t_launch_s
    tau_grid = np.arange(0.0, t_kill + TEMPLATE_MARGIN_S + 1e-9, 1.0)
    keep = t_s <= t_launch_s + tau_grid[-1] + 1.0
    ecef = eci_to_ecef(r_eci_m[keep], gmst_at(CANONICAL_EPOCH, t_s[keep]))
    lat, lon, h = ecef_to_geodetic(ecef)
    g = great_circle_distance_m(lat0, lon0, lat, lon)
    tau = t_s[keep] - t_launch_s
    return BoostTemplate(
        name=f"{threat}@{range_m / 1e3:.0f}km",
        threat=threat,
        tau_s=tau_grid,
        ground_range_m=np.interp(tau_grid, tau, g),
        alt_m=np.interp(tau_grid, tau, h),
        t_kill_s=float(t_kill),
        t_burnout_s=float(t_burnout_abs_s - t_launch_s),
    )


@cache
def build_boost_templates(
    threats: tuple[str, ...],
    range_fractions: tuple[float, ...] = (0.4, 0.55, 0.7, 0.85, 1.0),
    shapes: tuple[str, ...] = ("minimum-energy",),
) -> tuple[BoostTemplate, ...]:
    """Templates of ``threats`` (catalog names) at each fraction of their maximum range,
    flown in each trajectory ``shapes`` (``minimum-energy``, ``lofted``, ``depressed``;
    each shape is one more flight of every threat: build time grows with it).

    Order: threat by threat, shape by shape, fractions in the given order. One
    :func:`~shieldlab.threats.registry.fly_threats` call per threat (module
    docstring for the launch geometry and the frames). ``ValueError`` for a
    threat whose kind is not in ``BOOST_LIBRARY_KINDS`` or a fraction outside (0, 1].
    """
    if any(not 0.0 < f <= 1.0 for f in range_fractions):
        raise ValueError(f"range fractions must be in (0, 1], got {range_fractions}")
    lat0, lon0, az0 = (
        CANONICAL_LAUNCH_DEG[0] * DEG,
        CANONICAL_LAUNCH_DEG[1] * DEG,
        CANONICAL_AZIMUTH_DEG * DEG,
    )
    fr = np.asarray(range_fractions, dtype=np.float64)
    n = fr.size
    out: list[BoostTemplate] = []
    for threat, shape in ((x, y) for x in threats for y in shapes):  # one flight each
        ranges = fr * class_max_range_m(threat)
        alat, alon = destination_point(lat0, lon0, az0, ranges)
        tr = fly_threats(
            [threat] * n,
            np.full(n, lat0),
            np.full(n, lon0),
            alat,
            alon,
            np.zeros(n),
            CANONICAL_EPOCH,
            1.0,
            options=None if shape == "minimum-energy" else [{"shape": shape}] * n,
        )
        for i in range(n):
            objs = np.flatnonzero(tr.launch_index == i)
            first = int(objs[0])
            rv = objs[tr.object_kind[objs] == OBJECT_RV]
            t_kill = float(np.min(tr.t_burnout_s[rv])) if rv.size else float(tr.t_burnout_s[first])
            tmpl = _template_of(
                threat,
                float(ranges[i]),
                tr.t_s,
                tr.r_eci_m[first],
                float(tr.t_launch_s[first]),
                t_kill,
                float(tr.t_burnout_s[first]),
            )
            if shape != "minimum-energy":
                tmpl = replace(tmpl, name=f"{tmpl.name}/{shape}")
            out.append(tmpl)
    return tuple(out)
