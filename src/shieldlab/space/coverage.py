"""Coverage: fraction of time each region point is seen by at least k sensors.

A target point is a geodetic (lat, lon) on WGS-84 at each altitude of a band
(e.g. objects flying at 100–1000 km). A sensor sees a target when the straight
segment sensor → target stays above a *grazing shell* (the ellipsoid inflated
by ``grazing_altitude_m``: 0 for pure Earth occlusion / look-down, 20–50 km for
sensors that must see cold targets against space above the bright limb and
the lower atmosphere) and, optionally, when the slant range is at most
``max_range_m``. Targets below the grazing altitude can only be seen looking
down, so for them the shell is the bare ellipsoid. Refraction is ignored;
the inflated ellipsoid (a + h, a + h, b + h) stands in for the surface of
geodetic height h (differences of metres).

A point is *covered* at a time step when every altitude of the band is seen
by at least k sensors (an object may be anywhere in the band). Python loops
run over time steps only; each step is one vectorised sensors × targets test.

Closed-form check (sphere of radius R, ground target, no grazing): a
satellite at altitude h sees a cap of half-angle λ = arccos(R / (R + h)),
i.e. the fraction (1 − cos λ)/2 = h / (2 (R + h)) of the surface (Earth
central angle λ₀ of Wertz, SMAD 3rd ed. §5.2); a GEO satellite sees 42.4 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.constants import WGS84_A_M, WGS84_B_M
from shieldlab.core.frames import geodetic_to_ecef, great_circle_distance_m
from shieldlab.space.constellation import Constellation

F64 = NDArray[np.float64]

_CHUNK_ELEMENTS = 4_000_000
"""Largest sensors × targets block tested at once (memory ≈ 100 B per pair)."""


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of P points over T time steps by n sensors, for k-fold visibility.

    ``fraction_k (P,)``: fraction of time steps with every band altitude seen
    by ≥ k sensors; ``fraction_by_altitude (P, A)``: the same per altitude;
    ``n_in_view (T, P)`` int16: sensors in view of the worst-covered altitude
    of the band; ``mean``/``min`` over points of ``fraction_k``; ``max_gap_s
    (P,)``: longest run of uncovered steps × step (0 if always covered).
    """

    lat_rad: F64
    lon_rad: F64
    altitudes_m: F64
    t_s: F64
    k: int
    fraction_k: F64
    fraction_by_altitude: F64
    n_in_view: NDArray[np.int16]
    max_gap_s: F64

    @property
    def mean(self) -> float:
        """Mean over points of ``fraction_k``."""
        return float(np.mean(self.fraction_k))

    @property
    def min(self) -> float:
        """Worst point's ``fraction_k``."""
        return float(np.min(self.fraction_k))


def fibonacci_points(n: int) -> tuple[F64, F64]:
    """``n`` near-uniform, equal-area points on the sphere (Fibonacci lattice): lat, lon [rad].

    Latitudes are used as geodetic ones; the area distortion (< 0.7 %) is
    the ellipsoid's and is ignored. Good for global coverage statistics.
    """
    k = np.arange(n, dtype=np.float64) + 0.5
    lat = np.arcsin(1.0 - 2.0 * k / n)
    lon = np.mod(k * math.pi * (3.0 - math.sqrt(5.0)) + math.pi, 2.0 * math.pi) - math.pi
    return lat, lon


def grid_points(
    lat_min_rad: float,
    lat_max_rad: float,
    lon_min_rad: float,
    lon_max_rad: float,
    spacing_rad: float,
) -> tuple[F64, F64]:
    """Points of a lat/lon box [rad], about ``spacing_rad`` apart on the ground.

    Rows of constant latitude; along each row the longitude step is widened by
    1/cos(lat) so points stay roughly equal-area (each point stands for the
    same ground area, so plain means over points are area-weighted).
    """
    n_lat = max(1, math.ceil((lat_max_rad - lat_min_rad) / spacing_rad))
    lats = lat_min_rad + (np.arange(n_lat) + 0.5) * (lat_max_rad - lat_min_rad) / n_lat
    out_lat: list[F64] = []
    out_lon: list[F64] = []
    width = lon_max_rad - lon_min_rad
    for lat in lats:  # rows of a grid, not objects
        n_lon = max(1, math.ceil(width * math.cos(lat) / spacing_rad))
        lons = lon_min_rad + (np.arange(n_lon) + 0.5) * width / n_lon
        out_lat.append(np.full(n_lon, lat))
        out_lon.append(lons)
    return np.concatenate(out_lat), np.concatenate(out_lon)


def circle_points(
    lat0_rad: float, lon0_rad: float, radius_m: float, spacing_m: float
) -> tuple[F64, F64]:
    """Points of an equal-area grid within ``radius_m`` (great circle, mean radius) of a centre."""
    r_earth = (2.0 * WGS84_A_M + WGS84_B_M) / 3.0
    half = radius_m / r_earth
    cos0 = max(math.cos(lat0_rad), 1e-6)
    lat, lon = grid_points(
        lat0_rad - half,
        lat0_rad + half,
        lon0_rad - min(math.pi, half / cos0 * 1.2),
        lon0_rad + min(math.pi, half / cos0 * 1.2),
        spacing_m / r_earth,
    )
    lat = np.clip(lat, -math.pi / 2, math.pi / 2)
    inside = great_circle_distance_m(lat0_rad, lon0_rad, lat, lon) <= radius_m
    return lat[inside], np.mod(lon[inside] + math.pi, 2.0 * math.pi) - math.pi


def visible(
    sensor_ecef_m: ArrayLike,
    target_ecef_m: ArrayLike,
    shell_altitude_m: ArrayLike = 0.0,
    max_range_m: float | None = None,
) -> NDArray[np.bool_]:
    """Line of sight sensor → target above a shell, broadcast over ``(..., 3)`` ECEF [m].

    The ellipsoid inflated by ``shell_altitude_m`` (broadcast) is scaled to a
    sphere (z × (a + h)/(b + h)); the segment's closest point to the centre is
    found in closed form and must lie at or above the sphere (1 mm tolerance,
    so targets on the shell itself count as seen). ``max_range_m`` bounds the
    slant range.
    """
    h = np.asarray(shell_altitude_m, dtype=np.float64)
    a = WGS84_A_M + h
    kz = a / (WGS84_B_M + h)
    p0 = np.asarray(sensor_ecef_m, dtype=np.float64)
    p1 = np.asarray(target_ecef_m, dtype=np.float64)
    x0, y0, z0 = p0[..., 0], p0[..., 1], p0[..., 2] * kz
    dx, dy, dz_true = p1[..., 0] - x0, p1[..., 1] - y0, p1[..., 2] - p0[..., 2]
    dz = p1[..., 2] * kz - z0
    dd = np.maximum(dx * dx + dy * dy + dz * dz, 1e-30)
    s = np.clip(-(x0 * dx + y0 * dy + z0 * dz) / dd, 0.0, 1.0)
    cx, cy, cz = x0 + s * dx, y0 + s * dy, z0 + s * dz
    ok = np.asarray(cx * cx + cy * cy + cz * cz >= (a - 1e-3) ** 2)
    if max_range_m is not None:
        ok &= dx * dx + dy * dy + dz_true * dz_true <= max_range_m**2
    return ok


def coverage(
    sensor_ecef_m: ArrayLike,
    t_s: ArrayLike,
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    altitudes_m: ArrayLike = 0.0,
    k: int = 1,
    grazing_altitude_m: float = 0.0,
    max_range_m: float | None = None,
) -> CoverageResult:
    """k-fold coverage of points (lat, lon [rad], WGS-84) at ``altitudes_m (A,)`` by sensors.

    ``sensor_ecef_m (n, T, 3)`` ECEF [m] at the times ``t_s (T,)`` (use
    ``Constellation.positions_ecef(t_s)``; ground sensors: broadcast a fixed
    position over T). NaN sensor positions (e.g. decayed TLEs) never see.
    Each time step weighs the same; use a uniform grid for time fractions.
    """
    sens = np.asarray(sensor_ecef_m, dtype=np.float64)
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    lat = np.atleast_1d(np.asarray(lat_rad, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon_rad, dtype=np.float64))
    alts = np.atleast_1d(np.asarray(altitudes_m, dtype=np.float64))
    if sens.ndim != 3 or sens.shape[1] != t.shape[0] or sens.shape[2] != 3:
        raise ValueError(f"sensor_ecef_m must be (n, T={t.shape[0]}, 3); got {sens.shape}")
    if k < 1:
        raise ValueError(f"k must be ≥ 1; got {k}")
    n_s, n_t = sens.shape[0], t.shape[0]
    n_p, n_a = lat.shape[0], alts.shape[0]
    tgt = geodetic_to_ecef(lat[:, None], lon[:, None], alts[None, :]).reshape(-1, 3)  # (P·A, 3)
    shell = np.broadcast_to(
        np.where(alts > grazing_altitude_m, grazing_altitude_m, 0.0)[None, :], (n_p, n_a)
    ).reshape(-1)
    counts = np.zeros((n_t, n_p * n_a), dtype=np.int16)
    chunk = max(1, _CHUNK_ELEMENTS // max(n_s, 1))
    for it in range(n_t):  # time steps
        s_pos = sens[:, it, :]
        finite = np.all(np.isfinite(s_pos), axis=-1)
        s_pos = np.where(finite[:, None], s_pos, 0.0)
        for j0 in range(0, tgt.shape[0], chunk):  # memory chunks of targets
            sl = slice(j0, j0 + chunk)
            vis = _visible_matrix(s_pos, tgt[sl], shell[sl], max_range_m)
            vis &= finite[:, None]
            counts[it, sl] = vis.sum(axis=0, dtype=np.int16)
    counts3 = counts.reshape(n_t, n_p, n_a)
    seen = counts3 >= k
    worst = counts3.min(axis=2)
    covered = worst >= k
    frac_alt = seen.mean(axis=0) if n_t else np.zeros((n_p, n_a))
    frac = covered.mean(axis=0) if n_t else np.zeros(n_p)
    dt = float(np.median(np.diff(t))) if n_t > 1 else 0.0
    return CoverageResult(
        lat_rad=lat,
        lon_rad=lon,
        altitudes_m=alts,
        t_s=t,
        k=k,
        fraction_k=np.asarray(frac, dtype=np.float64),
        fraction_by_altitude=np.asarray(frac_alt, dtype=np.float64),
        n_in_view=worst.astype(np.int16),
        max_gap_s=_max_gap_steps(~covered) * dt,
    )


def _visible_matrix(
    sensors_m: F64, targets_m: F64, shell_m: F64, max_range_m: float | None
) -> NDArray[np.bool_]:
    """:func:`visible` for all pairs ``(n, M)`` with one matrix product per shell value.

    In the frame where the shell is a sphere of radius a (z scaled), a segment
    between two points outside it clears it iff their central angle is at
    most λ₀ + λ₁, λ = arccos(a/|p|) (the two tangent cones); in dot products:
    p₀·p₁ ≥ a² − √(|p₀|² − a²) √(|p₁|² − a²). Sensors inside the shell see
    nothing; targets within 1 mm of it count as on it.
    """
    ok = np.zeros((sensors_m.shape[0], targets_m.shape[0]), dtype=bool)
    for h in np.unique(shell_m):  # at most two shell values (grazing and 0)
        cols = np.flatnonzero(shell_m == h)
        a = WGS84_A_M + float(h)
        scale = np.array([1.0, 1.0, a / (WGS84_B_M + float(h))])
        ps = sensors_m * scale
        pt = targets_m[cols] * scale
        q_s2 = np.einsum("ij,ij->i", ps, ps) - a * a
        q_t2 = np.einsum("ij,ij->i", pt, pt) - (a - 1e-3) ** 2
        rhs = a * a - np.outer(np.sqrt(np.maximum(q_s2, 0.0)), np.sqrt(np.maximum(q_t2, 0.0)))
        vis = (ps @ pt.T >= rhs) & (q_s2 > 0.0)[:, None] & (q_t2 >= 0.0)[None, :]
        ok[:, cols] = vis
    if max_range_m is not None:
        s2 = np.einsum("ij,ij->i", sensors_m, sensors_m)
        t2 = np.einsum("ij,ij->i", targets_m, targets_m)
        ok &= s2[:, None] + t2[None, :] - 2.0 * (sensors_m @ targets_m.T) <= max_range_m**2
    return ok


def _max_gap_steps(uncovered: NDArray[np.bool_]) -> F64:
    """Longest run of True along axis 0 of ``(T, P)``, per point (loop over time)."""
    run = np.zeros(uncovered.shape[1])
    best = np.zeros(uncovered.shape[1])
    for row in uncovered:
        run = np.where(row, run + 1.0, 0.0)
        best = np.maximum(best, run)
    return best


def constellation_coverage(
    constellation: Constellation,
    t_s: ArrayLike,
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    altitudes_m: ArrayLike = 0.0,
    k: int = 1,
    grazing_altitude_m: float = 0.0,
    max_range_m: float | None = None,
) -> CoverageResult:
    """:func:`coverage` of a :class:`Constellation` (ephemerides in one call)."""
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    return coverage(
        constellation.positions_ecef(t),
        t,
        lat_rad,
        lon_rad,
        altitudes_m,
        k,
        grazing_altitude_m,
        max_range_m,
    )


def coverage_report(result: CoverageResult, name: str = "") -> dict[str, Any]:
    """Plain dict summary for a CLI table: sizes, k, mean/min coverage, worst gap."""
    return {
        "name": name,
        "points": int(result.lat_rad.shape[0]),
        "altitudes_km": [float(a) / 1e3 for a in result.altitudes_m],
        "steps": int(result.t_s.shape[0]),
        "k": result.k,
        "mean_fraction": round(result.mean, 4),
        "min_fraction": round(result.min, 4),
        "covered_all_time": round(float(np.mean(result.fraction_k >= 1.0)), 4),
        "mean_in_view": round(float(np.mean(result.n_in_view)), 2),
        "max_gap_min": round(float(np.max(result.max_gap_s)) / 60.0, 1)
        if result.max_gap_s.size
        else 0.0,
    }
