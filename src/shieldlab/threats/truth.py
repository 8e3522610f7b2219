"""Truth of threat objects: the :class:`Trajectories` struct of arrays and its codes.

Every threat model (ballistic, post-boost objects, glide, cruise) produces
its objects as :class:`Trajectories` on one uniform ECI time grid from the
scenario epoch; sets of different models are joined with
:func:`concat_trajectories`. Before launch an object sits on its launch site
and after impact on its impact point, both turning with the Earth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.constants import WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    ecef_to_eci,
    ecef_to_geodetic,
    geodetic_to_ecef,
    great_circle_distance_m,
)
from shieldlab.core.objects import (  # re-exported: the threat models' object kinds
    LETHAL_KINDS as LETHAL_KINDS,
    OBJECT_BALLOON as OBJECT_BALLOON,
    OBJECT_BUS as OBJECT_BUS,
    OBJECT_CHAFF as OBJECT_CHAFF,
    OBJECT_CRUISE as OBJECT_CRUISE,
    OBJECT_GLIDE as OBJECT_GLIDE,
    OBJECT_HEAVY_DECOY as OBJECT_HEAVY_DECOY,
    OBJECT_LIGHT_DECOY as OBJECT_LIGHT_DECOY,
    OBJECT_NAMES as OBJECT_NAMES,
    OBJECT_RV as OBJECT_RV,
)

F64 = NDArray[np.float64]

# phase codes (int8) of the truth arrays
PHASE_PRELAUNCH, PHASE_BOOST, PHASE_MIDCOURSE, PHASE_REENTRY, PHASE_IMPACTED = 0, 1, 2, 3, 4
PHASE_POSTBOOST, PHASE_GLIDE, PHASE_CRUISE, PHASE_TERMINAL = 5, 6, 7, 8
PHASE_NAMES = {
    PHASE_PRELAUNCH: "prelaunch",
    PHASE_BOOST: "boost",
    PHASE_MIDCOURSE: "midcourse",
    PHASE_REENTRY: "reentry",
    PHASE_IMPACTED: "impacted",
    PHASE_POSTBOOST: "post-boost",
    PHASE_GLIDE: "glide",
    PHASE_CRUISE: "cruise",
    PHASE_TERMINAL: "terminal",
}


@dataclass(frozen=True)
class Trajectories:
    """Truth of n objects on one uniform time grid (ECI, SI units).

    t_s (T,): seconds from the scenario epoch, step dt, 0 … ≥ last impact.
    r_eci_m, v_eci_mps (n, T, 3); phase (n, T) int8 (PHASE_*); rcs_m2 (n, T)
    of what a radar sees (booster stack in boost, RV after, 0 on the ground);
    plume_w_sr (n, T) IR plume band intensity (0 when not thrusting).
    Per-object (n,): launch/burnout/impact times [s from epoch], burnout
    geodetic height [m] and inertial speed [m/s], apogee height [m], ground
    range (great circle, mean radius) [m], flight time [s], launch/aim/impact
    geodetic latitude and longitude [rad], miss distance impact–aim [m];
    object_kind (n,) int8 (``OBJECT_*``), launch_index (n,) the launch each
    object came from (several objects per launch after a post-boost
    deployment); body_temp_k (n, T) skin temperature seen by IR trackers
    (0 where not modelled).
    """

    t_s: F64
    r_eci_m: F64
    v_eci_mps: F64
    phase: NDArray[np.int8]
    rcs_m2: F64
    plume_w_sr: F64
    t_launch_s: F64
    t_burnout_s: F64
    t_impact_s: F64
    burnout_alt_m: F64
    burnout_speed_mps: F64
    apogee_alt_m: F64
    ground_range_m: F64
    flight_time_s: F64
    launch_lat_rad: F64
    launch_lon_rad: F64
    aim_lat_rad: F64
    aim_lon_rad: F64
    impact_lat_rad: F64
    impact_lon_rad: F64
    miss_m: F64
    object_kind: NDArray[np.int8]
    launch_index: NDArray[np.int64]
    body_temp_k: F64

    @property
    def n(self) -> int:
        """Number of objects."""
        return int(self.r_eci_m.shape[0])

    @property
    def dt_s(self) -> float:
        """Grid step [s]."""
        return float(self.t_s[1] - self.t_s[0]) if self.t_s.size > 1 else 1.0

    def state_at(self, t_s: float) -> tuple[F64, F64]:
        """ECI position (n, 3) [m] and velocity (n, 3) [m/s] at time ``t_s`` [s from epoch].

        Cubic Hermite between the two bracketing samples using the sampled
        velocities; the velocity is the derivative of that interpolant.
        Times outside the grid are clamped to its ends.
        """
        nt = self.t_s.size
        if nt == 1:
            return self.r_eci_m[:, 0].copy(), self.v_eci_mps[:, 0].copy()
        dt = self.dt_s
        x = (float(t_s) - float(self.t_s[0])) / dt
        k = int(np.clip(np.floor(x), 0, nt - 2))
        s = float(np.clip(x - k, 0.0, 1.0))
        r0, r1 = self.r_eci_m[:, k], self.r_eci_m[:, k + 1]
        v0, v1 = self.v_eci_mps[:, k], self.v_eci_mps[:, k + 1]
        h00, h10, h01, h11 = (
            2 * s**3 - 3 * s**2 + 1,
            s**3 - 2 * s**2 + s,
            -2 * s**3 + 3 * s**2,
            s**3 - s**2,
        )
        r = h00 * r0 + h10 * dt * v0 + h01 * r1 + h11 * dt * v1
        d00, d10, d01, d11 = (
            6 * s**2 - 6 * s,
            3 * s**2 - 4 * s + 1,
            -6 * s**2 + 6 * s,
            3 * s**2 - 2 * s,
        )
        v = (d00 * r0 + d01 * r1) / dt + d10 * v0 + d11 * v1
        return r, v


def pad_trajectories(tr: Trajectories, n_t: int) -> Trajectories:
    """Extend to ``n_t`` samples: objects on the ground keep turning with the Earth.

    The grid ends after every impact, so every object is IMPACTED (or still
    PRELAUNCH) at the last sample; the extension rotates that sample about z
    by ω·Δt (ECI), velocity ω × r.
    """
    extra = n_t - tr.t_s.size
    if extra <= 0:
        return tr
    dt = tr.dt_s
    dts = dt * np.arange(1, extra + 1)
    t = np.concatenate([tr.t_s, tr.t_s[-1] + dts])
    r_last = tr.r_eci_m[:, -1]
    r_ext = ecef_to_eci(r_last[:, None, :], WGS84_OMEGA_RAD_S * dts[None, :])
    v_ext = np.empty_like(r_ext)
    v_ext[..., 0] = -WGS84_OMEGA_RAD_S * r_ext[..., 1]
    v_ext[..., 1] = WGS84_OMEGA_RAD_S * r_ext[..., 0]
    v_ext[..., 2] = 0.0

    def hold(a: NDArray[np.generic]) -> NDArray[np.generic]:
        return np.concatenate([a, np.repeat(a[:, -1:], extra, axis=1)], axis=1)

    values: dict[str, Any] = {f.name: getattr(tr, f.name) for f in fields(tr)}
    values.update(
        t_s=t,
        r_eci_m=np.concatenate([tr.r_eci_m, r_ext], axis=1),
        v_eci_mps=np.concatenate([tr.v_eci_mps, v_ext], axis=1),
        phase=hold(tr.phase),
        rcs_m2=hold(tr.rcs_m2),
        plume_w_sr=hold(tr.plume_w_sr),
        body_temp_k=hold(tr.body_temp_k),
    )
    return Trajectories(**values)


def concat_trajectories(parts: Sequence[Trajectories]) -> Trajectories:
    """Join trajectory sets flown on the same step along the object axis.

    Shorter sets are extended with :func:`pad_trajectories` (ground objects keep
    turning with the Earth).
    """
    if len(parts) == 1:
        return parts[0]
    n_t = max(p.t_s.size for p in parts)
    padded = [pad_trajectories(p, n_t) for p in parts]
    values: dict[str, Any] = {
        f.name: padded[0].t_s
        if f.name == "t_s"
        else np.concatenate([getattr(p, f.name) for p in padded], axis=0)
        for f in fields(Trajectories)
    }
    # launches are numbered across the parts
    offsets = np.cumsum([0] + [int(p.launch_index.max()) + 1 if p.n else 0 for p in padded])
    values["launch_index"] = np.concatenate(
        [p.launch_index + off for p, off in zip(padded, offsets[:-1], strict=True)]
    )
    return Trajectories(**values)


def make_trajectories(
    *,
    t_s: F64,
    r_eci_m: F64,
    v_eci_mps: F64,
    phase: NDArray[np.int8],
    rcs_m2: F64,
    plume_w_sr: F64,
    object_kind: NDArray[np.int8],
    launch_index: NDArray[np.int64],
    t_launch_s: F64,
    t_burnout_s: F64,
    t_impact_s: F64,
    burnout_alt_m: F64,
    burnout_speed_mps: F64,
    launch_lat_rad: F64,
    launch_lon_rad: F64,
    aim_lat_rad: F64,
    aim_lon_rad: F64,
    impact_lat_rad: F64,
    impact_lon_rad: F64,
    body_temp_k: F64 | None = None,
) -> Trajectories:
    """Build :class:`Trajectories` from sampled arrays, deriving the summary fields.

    Derived: apogee (highest sampled geodetic height while flying), ground range
    launch → impact and miss impact → aim (great circle, mean radius), flight
    time t_impact − t_launch. Objects that never impact carry NaN impact
    fields. ``body_temp_k`` defaults to zeros (not modelled).
    """

    flying = (phase != PHASE_PRELAUNCH) & (phase != PHASE_IMPACTED)
    h = ecef_to_geodetic(r_eci_m)[2]
    apogee = np.where(flying.any(axis=1), np.where(flying, h, -np.inf).max(axis=1), np.nan)
    return Trajectories(
        t_s=t_s,
        r_eci_m=r_eci_m,
        v_eci_mps=v_eci_mps,
        phase=phase.astype(np.int8),
        rcs_m2=rcs_m2,
        plume_w_sr=plume_w_sr,
        t_launch_s=t_launch_s,
        t_burnout_s=t_burnout_s,
        t_impact_s=t_impact_s,
        burnout_alt_m=burnout_alt_m,
        burnout_speed_mps=burnout_speed_mps,
        apogee_alt_m=apogee,
        ground_range_m=great_circle_distance_m(
            launch_lat_rad, launch_lon_rad, impact_lat_rad, impact_lon_rad
        ),
        flight_time_s=t_impact_s - t_launch_s,
        launch_lat_rad=launch_lat_rad,
        launch_lon_rad=launch_lon_rad,
        aim_lat_rad=aim_lat_rad,
        aim_lon_rad=aim_lon_rad,
        impact_lat_rad=impact_lat_rad,
        impact_lon_rad=impact_lon_rad,
        miss_m=great_circle_distance_m(impact_lat_rad, impact_lon_rad, aim_lat_rad, aim_lon_rad),
        object_kind=object_kind.astype(np.int8),
        launch_index=launch_index.astype(np.int64),
        body_temp_k=np.zeros_like(rcs_m2) if body_temp_k is None else body_temp_k,
    )


def ground_fixed_states(
    lat_rad: F64, lon_rad: F64, h_m: F64, t_s: F64, gmst_rad: F64
) -> tuple[F64, F64]:
    """ECI position and velocity ``(n, T, 3)`` of points fixed on the rotating Earth.

    For the PRELAUNCH and IMPACTED samples: geodetic (n,) points, times (T,)
    with their GMST (T,).
    """

    r_ecef = geodetic_to_ecef(lat_rad, lon_rad, h_m)[:, None, :]
    r = ecef_to_eci(np.broadcast_to(r_ecef, (r_ecef.shape[0], t_s.size, 3)), gmst_rad[None, :])
    v = np.empty_like(r)
    v[..., 0] = -WGS84_OMEGA_RAD_S * r[..., 1]
    v[..., 1] = WGS84_OMEGA_RAD_S * r[..., 0]
    v[..., 2] = 0.0
    return r, v
