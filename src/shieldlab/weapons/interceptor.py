"""Interceptor data: the SI specification of an interceptor class and a launch site.

``InterceptorSpec`` is what the fly-out and Pk models need, in SI units (m, s,
m/s), converted once from the catalog (``weapons.catalog``). ``InterceptorSite``
places an inventory of one interceptor class at a geodetic point (WGS-84).
Frozen dataclasses: data, not behaviour; the kinematics are functions in
``weapons.intercept``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.frames import geodetic_to_ecef


@dataclass(frozen=True)
class InterceptorSpec:
    """Performance of one interceptor class, SI units.

    burnout_speed_mps: speed relative to the launch site at burnout.
    burn_time_s: launch to burnout (all stages).
    min/max_intercept_altitude_m: geodetic altitude window of the intercept point.
    max_ground_range_m: great-circle distance limit, site to the intercept point's sub-point.
    pk_single_shot: kill probability of one interceptor given a good handover (scenario input).
    kill_vehicle_divert_mps: kill-vehicle lateral Δv available while homing.
    seeker_acquisition_range_m: range at which the kill vehicle's seeker starts homing.
    launch_to_commit_s: minimum time from the engagement decision to the launch.

    Optional (defaults keep the exoatmospheric midcourse classes unchanged):
    engages: object-kind names (``threats.truth.OBJECT_NAMES`` values) the class can
        engage, as the battle manager classifies them.
    pk_by_class: kind name -> Pk replacing ``pk_single_shot`` for that kind.
    flyout: ``"lambert"`` (ballistic coast, ``weapons.intercept``) or ``"envelope"``
        (straight-line boost-coast fly-out, ``weapons.envelope``).
    min_slant_range_m: minimum engagement distance, site to intercept point.
    coast_decay_length_m: coast distance over which drag and gravity cut the speed by
        a factor e (v = v_bo·exp(−s/L)); ``inf`` = no loss.
    carrier_speed_mps, carrier_radius_m: a launch platform (a fighter from its CAP
        station) that first flies toward the target at this speed, up to this
        radius, and fires when the target is inside the missile's own reach
        (``max_ground_range_m − carrier_radius_m``); 0 = fixed launcher.
    unit_cost_musd: procurement cost of one interceptor [million USD]; None if unknown.
    """

    name: str
    layer: str
    burnout_speed_mps: float
    burn_time_s: float
    min_intercept_altitude_m: float
    max_intercept_altitude_m: float
    max_ground_range_m: float
    pk_single_shot: float
    kill_vehicle_divert_mps: float
    seeker_acquisition_range_m: float
    launch_to_commit_s: float
    source: str = ""
    engages: tuple[str, ...] = ("rv",)
    pk_by_class: Mapping[str, float] = field(default_factory=dict, hash=False)
    flyout: Literal["lambert", "envelope"] = "lambert"
    min_slant_range_m: float = 0.0
    coast_decay_length_m: float = math.inf
    carrier_speed_mps: float = 0.0
    carrier_radius_m: float = 0.0
    unit_cost_musd: float | None = None

    def pk_for(self, kind_name: str) -> float:
        """Single-shot Pk against one object kind (0 if the class cannot engage it)."""
        if kind_name not in self.engages:
            return 0.0
        return float(self.pk_by_class.get(kind_name, self.pk_single_shot))


@dataclass(frozen=True)
class InterceptorSite:
    """A launch site (or ship station) holding ``inventory`` interceptors of one class.

    Geodetic latitude/longitude [rad] and height [m] on WGS-84.
    """

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    spec: InterceptorSpec
    inventory: int

    @property
    def r_ecef_m(self) -> NDArray[np.float64]:
        """Site position (3,) in ECEF [m]."""
        return geodetic_to_ecef(self.lat_rad, self.lon_rad, self.alt_m)
