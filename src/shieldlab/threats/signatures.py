"""Radar cross-section by aspect class, shared by every threat model.

A threat's RCS is given in the catalog for three aspect classes — front,
side and rear — of the angle between its body axis (taken along the
air-relative velocity) and the line of sight to the radar. This is a class
table, not a scattering pattern: enough for detection ranges by aspect, as
open studies quote them (e.g. nose-on vs broadside RV cross-sections).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import DEG

F64 = NDArray[np.float64]


def db_to_m2(dbsm: float) -> float:
    """Radar cross-section [m²] from dBsm: σ = 10^(dBsm/10)."""
    return 10.0 ** (dbsm / 10.0)


def rcs_aspect_class_m2(
    front_m2: float,
    side_m2: float,
    rear_m2: float,
    aspect_rad: ArrayLike,
    front_limit_deg: float = 45.0,
    rear_limit_deg: float = 135.0,
) -> F64:
    """RCS [m²]: front below ``front_limit_deg``, rear above ``rear_limit_deg``, side between."""
    a = np.abs(np.asarray(aspect_rad, np.float64))
    return np.where(
        a < front_limit_deg * DEG, front_m2, np.where(a <= rear_limit_deg * DEG, side_m2, rear_m2)
    )
