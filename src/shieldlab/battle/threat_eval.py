"""Threat evaluation: which defended asset does each threat's predicted impact point threaten?

An asset is a point (geodetic latitude/longitude) with a defended radius; a
threat threatens it when the great-circle distance from its predicted impact
point to the asset is within that radius. Distances on the mean-radius sphere
(``core.frames.great_circle_distance_m``, haversine; error < 0.5 % against
the WGS-84 ellipsoid, small beside impact-point prediction errors).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.frames import great_circle_distance_m


def threatened_asset(
    impact_lat_rad: ArrayLike,
    impact_lon_rad: ArrayLike,
    asset_lat_rad: ArrayLike,
    asset_lon_rad: ArrayLike,
    asset_radius_m: ArrayLike,
) -> NDArray[np.int64]:
    """Index (n,) of the asset whose defended radius contains each impact point.

    impact_*: (n,) predicted impact points [rad]; asset_*: (a,) asset centres
    [rad] and defended radii [m]. If several assets contain the point the
    nearest one is returned (lowest index on exact ties); −1 if none (or if
    the impact point is NaN, e.g. no prediction yet).
    """
    ilat = np.asarray(impact_lat_rad, dtype=np.float64).reshape(-1)
    ilon = np.asarray(impact_lon_rad, dtype=np.float64).reshape(-1)
    alat = np.asarray(asset_lat_rad, dtype=np.float64).reshape(-1)
    alon = np.asarray(asset_lon_rad, dtype=np.float64).reshape(-1)
    rad = np.asarray(asset_radius_m, dtype=np.float64).reshape(-1)
    n = ilat.size
    if alat.size == 0:
        return np.full(n, -1, dtype=np.int64)
    d = great_circle_distance_m(ilat[:, None], ilon[:, None], alat[None, :], alon[None, :])
    inside = d <= rad[None, :]
    d_in = np.where(inside, d, np.inf)
    idx = np.argmin(d_in, axis=1)
    return np.where(inside.any(axis=1), idx, -1).astype(np.int64)
