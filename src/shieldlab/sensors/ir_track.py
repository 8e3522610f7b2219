"""LEO/MEO infrared tracking-layer satellite (HBTSS / PWSA-tracking class, generic).

Model (one frame, vectorised over satellites × objects):

- **Signal**: a point source of in-band radiant intensity I [W/sr] gives the
  irradiance E = I / R² at the aperture (no atmospheric loss above the
  ``min_altitude_m`` shell). I is the sum of the boosting plume (the threat
  model's ``plume_w_sr``) and the thermal emission of the body,
  I_body = ε · A_proj · L_band(T), with L_band the blackbody radiance
  integrated over the sensor band (Planck's law, closed-form series below;
  APS Study Group, "Report on Boost-Phase Intercept Systems for National
  Missile Defense", Rev. Mod. Phys. 76 (2004) / APS 2003, ch. 9 for IR
  detection of midcourse objects against the space background). The plume
  intensity is taken as already in-band (assumption: the threat model quotes
  it in the 2.7/4.3 µm bands).
- **Background**: the ray from the satellite *through* the object decides
  the background. If it clears the WGS-84 ellipsoid inflated by
  ``grazing_altitude_m`` (default 50 km) the object is seen against cold
  space above the Earth limb: noise NEI. Otherwise it is seen against the
  sunlit/thermal Earth and its clutter: noise ``nei × earth_clutter_factor``
  and, in addition, only objects brighter than ``earth_min_intensity_w_sr``
  (hot plumes, hot glide bodies) are detectable — a cold midcourse RV
  against the Earth never is.
- **Detection**: SNR = E / NEI, per-frame Pd = Φ(SNR − threshold) as in
  :mod:`shieldlab.sensors.ir` (Holst, *Electro-Optical Imaging System
  Performance*, point target in white Gaussian noise). One Bernoulli draw per
  (satellite, object) pair.
- **Geometry**: Earth occlusion (segment satellite → object must clear the
  ellipsoid inflated by ``min_altitude_m``, 10 km cloud tops: MWIR is
  absorbed below), field of regard (off-nadir angle ≤ ``max_off_nadir_rad``;
  tracking sensors are gimballed and look above the limb, so this exceeds
  the limb angle), ``max_range_m``, optional sun exclusion (line of sight
  within ``sun_exclusion_rad`` of the Sun; direction from the Astronomical
  Almanac low-precision solar ephemeris, :func:`sun_direction_eci`).
- **Modes**: ``"wide"`` (wide field of view, search/detection: NEI and IFOV
  of the acquisition sensor) and ``"narrow"`` (fire-control: smaller NEI and
  IFOV, only the cued objects, at most ``max_narrow_tasks`` per satellite,
  the closest first).
- **Measurements** (angles only, ECI): for each detection
  z = (right ascension α ∈ [0, 2π), declination δ, NaN) of the unit line of
  sight from the satellite to the object in the ECI frame (the same axes as
  the ECEF z axis; attitude-independent, so the tracker can triangulate with
  the satellite ECI position), sigma = (σ_θ / max(cos δ, 0.1), σ_θ, inf): the
  third component is not measured (NaN value, infinite noise). The angular
  noise is σ_θ = max(IFOV / √SNR, ``min_angle_sigma_rad``) (centroiding a
  point source on a focal plane; IFOV/√SNR is a conservative form of the
  ≈ IFOV/SNR centroid accuracy, floored by line-of-sight knowledge/jitter).
  ``sensor_index`` of a row = ``sensor_index`` argument + satellite index.

Frames: satellite and object positions in ECI [m]; the ellipsoid tests are
done in ECI (the WGS-84 ellipsoid is symmetric about the z axis shared by
ECI and ECEF, so no rotation is needed; ``gmst_rad`` is accepted for a
uniform sensor interface and unused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field
from scipy.special import ndtr

from shieldlab.core import counter_rng
from shieldlab.core.constants import C_MPS, DEG, K_BOLTZMANN_J_K
from shieldlab.core.jit import grown, kernel
from shieldlab.sensors.ir import line_of_sight_clear, segment_clears
from shieldlab.sensors.measurements import Measurements

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]
H_PLANCK_J_S: float = 6.62607015e-34
"""Planck constant [J s] (SI 2019 exact)."""
STEFAN_BOLTZMANN_W_M2_K4: float = 5.670374419e-8
"""Stefan–Boltzmann constant [W m⁻² K⁻⁴] (CODATA 2018)."""
_C1L: float = 2.0 * K_BOLTZMANN_J_K**4 / (H_PLANCK_J_S**3 * C_MPS**2)
_C2: float = H_PLANCK_J_S * C_MPS / K_BOLTZMANN_J_K
"""Second radiation constant hc/k [m K] (1.4388e-2)."""
_FAR_M: float = 1.0e9


def _planck_tail(x: F64, terms: int = 128) -> F64:
    """∫_x^∞ u³/(eᵘ − 1) du by the series Σ_k e^{−kx}(x³/k + 3x²/k² + 6x/k³ + 6/k⁴).

    Exact for x > 0 (expand 1/(eᵘ − 1) = Σ e^{−ku}); converges like e^{−kx}/k⁴,
    so 128 terms give < 1e-8 relative error for x ≥ 0.05 (λT ≤ 0.29 m K).
    """
    k = np.arange(1, terms + 1, dtype=np.float64)
    xx = x[..., None]
    s = np.exp(-k * xx) * (xx**3 / k + 3.0 * xx**2 / k**2 + 6.0 * xx / k**3 + 6.0 / k**4)
    return np.asarray(s.sum(axis=-1))


def band_radiance_w_m2_sr(temp_k: ArrayLike, band_m: tuple[float, float]) -> F64:
    """Blackbody radiance [W m⁻² sr⁻¹] integrated over the band ``(λ1, λ2)`` [m].

    L = (2 k⁴ T⁴ / (h³ c²)) [F(x2) − F(x1)], x = hc/(λ k T), F the Planck tail
    integral (closed-form series). Zero for T ≤ 0. Full band (0, ∞) gives
    σT⁴/π (Stefan–Boltzmann).
    """
    t = np.asarray(temp_k, dtype=np.float64)
    tt = np.maximum(t, 1e-6)
    lo, hi = band_m
    full = np.full_like(tt, math.pi**4 / 15.0)  # ∫_0^∞ u³/(eᵘ − 1) du
    tail_lo = full if math.isinf(hi) else _planck_tail(_C2 / (hi * tt))
    tail_hi = np.zeros_like(tt) if lo <= 0.0 else _planck_tail(_C2 / (lo * tt))
    tail = tail_lo - tail_hi
    return np.asarray(np.where(t > 0.0, _C1L * tt**4 * tail, 0.0))


def body_intensity_w_sr(
    temp_k: ArrayLike,
    area_m2: ArrayLike,
    emissivity: ArrayLike,
    band_m: tuple[float, float],
) -> F64:
    """In-band radiant intensity I = ε · A_proj · L_band(T) [W/sr] of a grey body."""
    a = np.asarray(area_m2, dtype=np.float64)
    e = np.asarray(emissivity, dtype=np.float64)
    return np.asarray(e * a * band_radiance_w_m2_sr(temp_k, band_m))


def sun_direction_eci(jd_ut1: float) -> F64:
    """Unit vector Earth → Sun in ECI (true-of-date ≈ J2000 axes), ~0.01° accuracy.

    Astronomical Almanac low-precision formulae (Vallado, *Fundamentals of
    Astrodynamics*, 4th ed., Algorithm 29): mean longitude, mean anomaly,
    ecliptic longitude, obliquity of the ecliptic.
    """
    t = (jd_ut1 - 2451545.0) / 36525.0
    lam_m = (280.460 + 36000.771 * t) * DEG
    m = (357.5291092 + 35999.05034 * t) * DEG
    lam = lam_m + (1.914666471 * math.sin(m) + 0.019994643 * math.sin(2.0 * m)) * DEG
    eps = (23.439291 - 0.0130042 * t) * DEG
    return np.array([math.cos(lam), math.cos(eps) * math.sin(lam), math.sin(eps) * math.sin(lam)])


@dataclass(frozen=True)
class LeoIrTrackingSensor:
    """A LEO/MEO IR tracking satellite type; all fields SI.

    ``nei_w_m2`` / ``ifov_rad``: wide-field (acquisition) noise-equivalent
    irradiance and instantaneous field of view; ``nei_narrow_w_m2`` /
    ``ifov_narrow_rad``: fire-control (narrow) mode; ``snr_threshold`` in NEI
    units; ``band_m`` sensor band (λ1, λ2); ``max_off_nadir_rad`` field of
    regard; ``grazing_altitude_m`` limb altitude above which the background
    is space; ``earth_clutter_factor`` NEI multiplier against the Earth;
    ``earth_min_intensity_w_sr`` dimmest source detectable against the
    Earth; ``min_altitude_m`` the line of sight must clear (cloud tops);
    ``sun_exclusion_rad`` 0 = no sun exclusion.
    """

    name: str
    nei_w_m2: float
    nei_narrow_w_m2: float
    ifov_rad: float
    ifov_narrow_rad: float
    snr_threshold: float
    band_m: tuple[float, float]
    max_off_nadir_rad: float
    max_range_m: float
    frame_s: float
    max_narrow_tasks: int
    min_angle_sigma_rad: float = 5e-6
    grazing_altitude_m: float = 50_000.0
    earth_clutter_factor: float = 100.0
    earth_min_intensity_w_sr: float = 1_000.0
    min_altitude_m: float = 10_000.0
    sun_exclusion_rad: float = 0.0


class LeoIrTrackingEntry(BaseModel):
    """Catalog entry ``kind: leo-ir-tracking`` (units in the field names)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["leo-ir-tracking"]
    description: str = ""
    source: str = Field(min_length=1)
    altitude_km: float = Field(gt=100.0, le=40_000.0)
    nei_w_m2: float = Field(gt=0.0, lt=1e-6)
    nei_narrow_w_m2: float = Field(gt=0.0, lt=1e-6)
    ifov_urad: float = Field(gt=0.0, le=10_000.0)
    ifov_narrow_urad: float = Field(gt=0.0, le=10_000.0)
    min_angle_sigma_urad: float = Field(default=5.0, ge=0.0)
    snr_threshold: float = Field(default=5.0, gt=0.0, le=100.0)
    band_um: tuple[float, float]
    max_off_nadir_deg: float = Field(gt=0.0, le=180.0)
    max_range_km: float = Field(gt=0.0, le=100_000.0)
    frame_s: float = Field(gt=0.0, le=600.0)
    max_narrow_tasks: int = Field(ge=0, le=100_000)
    grazing_altitude_km: float = Field(default=50.0, ge=0.0, le=500.0)
    earth_clutter_factor: float = Field(default=100.0, ge=1.0)
    earth_min_intensity_w_sr: float = Field(default=1000.0, ge=0.0)
    min_altitude_km: float = Field(default=10.0, ge=0.0, le=100.0)
    sun_exclusion_deg: float = Field(default=0.0, ge=0.0, le=90.0)


def leo_ir_from_entry(entry: LeoIrTrackingEntry, name: str = "") -> LeoIrTrackingSensor:
    """SI :class:`LeoIrTrackingSensor` of a catalog entry (altitude is for the constellation)."""
    return LeoIrTrackingSensor(
        name=name,
        nei_w_m2=entry.nei_w_m2,
        nei_narrow_w_m2=entry.nei_narrow_w_m2,
        ifov_rad=entry.ifov_urad * 1e-6,
        ifov_narrow_rad=entry.ifov_narrow_urad * 1e-6,
        snr_threshold=entry.snr_threshold,
        band_m=(entry.band_um[0] * 1e-6, entry.band_um[1] * 1e-6),
        max_off_nadir_rad=entry.max_off_nadir_deg * DEG,
        max_range_m=entry.max_range_km * 1e3,
        frame_s=entry.frame_s,
        max_narrow_tasks=entry.max_narrow_tasks,
        min_angle_sigma_rad=entry.min_angle_sigma_urad * 1e-6,
        grazing_altitude_m=entry.grazing_altitude_km * 1e3,
        earth_clutter_factor=entry.earth_clutter_factor,
        earth_min_intensity_w_sr=entry.earth_min_intensity_w_sr,
        min_altitude_m=entry.min_altitude_km * 1e3,
        sun_exclusion_rad=entry.sun_exclusion_deg * DEG,
    )


def make_leo_ir(entry_name: str) -> LeoIrTrackingSensor:
    """A LEO IR tracking sensor of catalog type ``entry_name`` (``catalog/sensors*.yaml``)."""
    from shieldlab import catalog

    raw = catalog.load("sensors")
    if entry_name not in raw or raw[entry_name].get("kind") != "leo-ir-tracking":
        ok = sorted(n for n, v in raw.items() if v.get("kind") == "leo-ir-tracking")
        raise ValueError(f"unknown LEO IR sensor type {entry_name!r}; allowed: {', '.join(ok)}")
    return leo_ir_from_entry(LeoIrTrackingEntry.model_validate(raw[entry_name]), entry_name)


@dataclass(frozen=True)
class IrTrackGeometry:
    """Pairwise satellite × object geometry (s, n): visibility, background, SNR."""

    visible: NDArray[np.bool_]
    space_background: NDArray[np.bool_]
    range_m: F64
    los_eci: F64
    snr: F64
    pd: F64


def ir_track_geometry(
    sensor: LeoIrTrackingSensor,
    sat_pos_eci_m: ArrayLike,
    r_eci_m: ArrayLike,
    intensity_w_sr: ArrayLike,
    mode: Literal["wide", "narrow"] = "wide",
    sun_dir_eci: ArrayLike | None = None,
) -> IrTrackGeometry:
    """Visibility, background, SNR and Pd for every (satellite, object) pair (s, n).

    sat_pos_eci_m (s, 3), r_eci_m (n, 3) ECI [m]; intensity_w_sr (n,) in-band
    intensity; ``sun_dir_eci`` (3,) unit Earth → Sun (None: no sun check).
    """
    sat = np.asarray(sat_pos_eci_m, dtype=np.float64).reshape(-1, 3)
    r = np.asarray(r_eci_m, dtype=np.float64).reshape(-1, 3)
    inten = np.asarray(intensity_w_sr, dtype=np.float64)
    d = r[None, :, :] - sat[:, None, :]
    rng_m = np.maximum(np.linalg.norm(d, axis=-1), 1e-3)
    u = d / rng_m[..., None]
    sat_b = np.broadcast_to(sat[:, None, :], d.shape)
    clear = line_of_sight_clear(sat_b, r[None, :, :], sensor.min_altitude_m)
    space = line_of_sight_clear(sat_b, sat_b + _FAR_M * u, sensor.grazing_altitude_m)
    nadir = -sat / np.linalg.norm(sat, axis=-1, keepdims=True)
    off_nadir = np.arccos(np.clip(np.einsum("snk,sk->sn", u, nadir), -1.0, 1.0))
    vis = clear & (off_nadir <= sensor.max_off_nadir_rad) & (rng_m <= sensor.max_range_m)
    if sun_dir_eci is not None and sensor.sun_exclusion_rad > 0.0:
        sd = np.asarray(sun_dir_eci, dtype=np.float64)
        vis &= np.einsum("snk,k->sn", u, sd / np.linalg.norm(sd)) < math.cos(
            sensor.sun_exclusion_rad
        )
    vis &= space | (inten[None, :] >= sensor.earth_min_intensity_w_sr)
    nei = sensor.nei_w_m2 if mode == "wide" else sensor.nei_narrow_w_m2
    nei_eff = np.where(space, nei, nei * sensor.earth_clutter_factor)
    snr = inten[None, :] / rng_m**2 / nei_eff
    pd = np.where(vis & (inten[None, :] > 0.0), ndtr(snr - sensor.snr_threshold), 0.0)
    return IrTrackGeometry(vis, space, rng_m, u, snr, np.asarray(pd))


@dataclass(frozen=True)
class _PairGeometry:
    """:class:`IrTrackGeometry` of the candidate (satellite, object) pairs only.

    sat_idx, obj_idx (p,) in satellite-major order; the other fields (p,) or
    (p, 3) as in :class:`IrTrackGeometry`. Pairs left out are not visible.
    """

    sat_idx: NDArray[np.intp]
    obj_idx: NDArray[np.intp]
    visible: NDArray[np.bool_]
    range_m: F64
    los_eci: F64
    snr: F64
    pd: F64


def _pair_geometry(
    sensor: LeoIrTrackingSensor,
    sat: F64,
    r: F64,
    inten: F64,
    cols: NDArray[np.intp],
    mode: Literal["wide", "narrow"],
    sun_dir_eci: ArrayLike | None,
) -> _PairGeometry:
    """The geometry of :func:`ir_track_geometry` for objects ``cols`` only, and
    there only for the pairs within ``max_range_m``, the field of regard and
    outside the sun exclusion (the others are not visible).

    One compiled pass over satellites × objects (:func:`_pair_rows`, no s × n
    arrays) evaluates each pair in range with the formulas of the dense form
    (range, line of sight, off-nadir angle, sun exclusion, the two
    :func:`~shieldlab.sensors.ir.line_of_sight_clear` tests, background, SNR
    and Pd = Φ(SNR − threshold)): a pair's values agree with the dense form's to
    rounding (a LEO layer of ~1,000 satellites sees a few per cent of the raid
    from each satellite).
    """
    rc = np.ascontiguousarray(r[cols])
    sun = np.zeros(3)
    cos_sun = 2.0  # no exclusion: every u·s < 2
    if sun_dir_eci is not None and sensor.sun_exclusion_rad > 0.0:
        sd = np.asarray(sun_dir_eci, dtype=np.float64)
        sun, cos_sun = sd / np.linalg.norm(sd), math.cos(sensor.sun_exclusion_rad)
    nei = sensor.nei_w_m2 if mode == "wide" else sensor.nei_narrow_w_m2
    si, ci, vis, rng_m, u, snr, pd = _pair_rows(
        np.ascontiguousarray(sat),
        rc,
        np.ascontiguousarray(inten[cols], dtype=np.float64),
        np.array(
            [
                sensor.max_range_m,
                sensor.max_off_nadir_rad,
                cos_sun,
                sensor.min_altitude_m,
                sensor.grazing_altitude_m,
                sensor.earth_min_intensity_w_sr,
                nei,
                nei * sensor.earth_clutter_factor,
                sensor.snr_threshold,
            ]
        ),
        sun,
    )
    return _PairGeometry(si, cols[ci], vis, rng_m, u, snr, pd)


@kernel
def _pair_rows(
    sat: F64, r: F64, inten: F64, par: F64, sun: F64
) -> tuple[I64, I64, BoolArr, F64, F64, F64, F64]:
    """:func:`_pair_geometry`'s pairs, satellite-major (a compiled kernel). ``par``:
    max range, max off-nadir, cos of the sun exclusion (2: none), the occlusion
    and grazing altitudes, the Earth-background intensity floor, NEI against
    space and against the Earth, the SNR threshold."""
    max_range, max_off, cos_sun, h_min, h_graze = par[0], par[1], par[2], par[3], par[4]
    i_min, nei_space, nei_earth, thr = par[5], par[6], par[7], par[8]
    s, n = sat.shape[0], r.shape[0]
    cap = max(16, (s * n) // 16)
    si, oi, rng = np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap)
    vis, snr, pd = np.empty(cap, np.bool_), np.empty(cap), np.empty(cap)
    los = np.empty((cap, 3))
    k = 0
    lim2 = max_range * max_range * (1.0 + 1e-9) + 1.0
    for a in range(s):
        ox, oy, oz = sat[a, 0], sat[a, 1], sat[a, 2]
        on = math.sqrt(ox * ox + oy * oy + oz * oz)
        for b in range(n):
            dx, dy, dz = r[b, 0] - ox, r[b, 1] - oy, r[b, 2] - oz
            d2 = dx * dx + dy * dy + dz * dz
            if not d2 <= lim2:  # far (or NaN)
                continue
            dist = max(math.sqrt(d2), 1e-3)
            if dist > max_range:
                continue
            ux, uy, uz = dx / dist, dy / dist, dz / dist
            cos_nadir = -(ux * ox + uy * oy + uz * oz) / on
            if not math.acos(min(max(cos_nadir, -1.0), 1.0)) <= max_off:
                continue
            if not ux * sun[0] + uy * sun[1] + uz * sun[2] < cos_sun:
                continue
            clear = segment_clears(ox, oy, oz, r[b, 0], r[b, 1], r[b, 2], h_min)
            space = segment_clears(
                ox, oy, oz, ox + _FAR_M * ux, oy + _FAR_M * uy, oz + _FAR_M * uz, h_graze
            )
            ii = inten[b]
            v = clear and (space or ii >= i_min)
            sn = ii / dist**2 / (nei_space if space else nei_earth)
            if k == cap:
                cap *= 2
                si, oi, rng = grown(si, cap), grown(oi, cap), grown(rng, cap)
                vis, snr, pd = grown(vis, cap), grown(snr, cap), grown(pd, cap)
                los = grown(los, cap)
            si[k], oi[k], rng[k], vis[k], snr[k] = a, b, dist, v, sn
            los[k, 0], los[k, 1], los[k, 2] = ux, uy, uz
            pd[k] = 0.5 * math.erfc(-(sn - thr) / math.sqrt(2.0)) if v and ii > 0.0 else 0.0
            k += 1
    return (
        si[:k].copy(),
        oi[:k].copy(),
        vis[:k].copy(),
        rng[:k].copy(),
        los[:k].copy(),
        snr[:k].copy(),
        pd[:k].copy(),
    )


def ir_track_covered(
    sensor: LeoIrTrackingSensor,
    sat_pos_eci_m: ArrayLike,
    r_eci_m: ArrayLike,
    intensity_w_sr: ArrayLike,
    pd_min: float,
) -> NDArray[np.bool_]:
    """Objects (n,) some satellite detects with Pd ≥ ``pd_min`` > 0 (wide mode).

    The same as ``ir_track_geometry(...).pd.max(axis=0) >= pd_min``, evaluated
    on the pairs in range only.
    """
    sat = np.asarray(sat_pos_eci_m, dtype=np.float64).reshape(-1, 3)
    r = np.asarray(r_eci_m, dtype=np.float64).reshape(-1, 3)
    inten = np.asarray(intensity_w_sr, dtype=np.float64)
    g = _pair_geometry(sensor, sat, r, inten, np.arange(r.shape[0]), "wide", None)
    out = np.zeros(r.shape[0], dtype=bool)
    out[g.obj_idx[g.pd >= pd_min]] = True
    return out


def _limit_tasks(eligible: NDArray[np.bool_], range_m: F64, k: int) -> NDArray[np.bool_]:
    """Keep at most ``k`` eligible objects per satellite (row), the closest first."""
    key = np.where(eligible, range_m, np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(key.shape[1])[None, :], axis=1)
    return np.asarray(eligible & (rank < k))


def ir_track_observe(
    sensor: LeoIrTrackingSensor,
    sat_pos_eci_m: ArrayLike,
    r_eci_m: ArrayLike,
    intensity_w_sr: ArrayLike,
    exists: ArrayLike,
    gmst_rad: float,
    rng: np.random.Generator,
    *,
    t_s: float = 0.0,
    sensor_index: int = 0,
    mode: Literal["wide", "narrow"] = "wide",
    tasked: ArrayLike | None = None,
    sun_dir_eci: ArrayLike | None = None,
) -> Measurements:
    """One frame of a constellation of IR tracking satellites: angles-only detections.

    sat_pos_eci_m (s, 3) satellite ECI positions (e.g. one time slice of
    ``Constellation.positions_eci``); r_eci_m (n, 3) objects; intensity_w_sr
    (n,) in-band intensity (plume + body, see :func:`body_intensity_w_sr`);
    exists (n,) flying objects; ``tasked`` (n,) bool cue list for the narrow
    mode (None: all). Rows are ordered satellite-major; ``sensor_index`` of a
    row is ``sensor_index + satellite index``; z = (α, δ, NaN), sigma =
    (σ_α, σ_δ, inf) in ECI (see module doc). ``rng`` gives three 64-bit keys
    (one call); the detection uniform of pair (satellite i, object j) and its
    two noise normals are counter-based draws of (i, j) under these keys
    (:mod:`shieldlab.core.counter_rng`), computed only for the pairs that can
    detect: a pair's draws do not depend on which other pairs are in view.
    """
    del gmst_rad  # ECI geometry only (see module doc)
    sat = np.asarray(sat_pos_eci_m, dtype=np.float64).reshape(-1, 3)
    r = np.asarray(r_eci_m, dtype=np.float64).reshape(-1, 3)
    inten = np.asarray(intensity_w_sr, dtype=np.float64)
    ex = np.asarray(exists, dtype=bool)
    ifov = sensor.ifov_rad
    key_u, key_a, key_b = counter_rng.keys(rng, 3)
    if mode == "narrow":
        ifov = sensor.ifov_narrow_rad
        g = ir_track_geometry(sensor, sat, r, inten, mode, sun_dir_eci)
        ok = g.visible & ex[None, :]
        if tasked is not None:
            ok &= np.asarray(tasked, dtype=bool)[None, :]
        ok = _limit_tasks(ok, g.range_m, sensor.max_narrow_tasks)
        si, oi = np.nonzero(ok)
        det = counter_rng.uniforms(key_u, counter_rng.counters(si, oi)) < g.pd[si, oi]
        si, oi = si[det], oi[det]
        los, snr_d = g.los_eci[si, oi], g.snr[si, oi]
    else:
        # only flying objects and pairs in range can be detected
        pg = _pair_geometry(sensor, sat, r, inten, np.flatnonzero(ex), mode, sun_dir_eci)
        u = counter_rng.uniforms(key_u, counter_rng.counters(pg.sat_idx, pg.obj_idx))
        det = pg.visible & (u < pg.pd)
        si, oi = pg.sat_idx[det], pg.obj_idx[det]
        los, snr_d = pg.los_eci[det], pg.snr[det]
    nz = counter_rng.normals(key_a, key_b, counter_rng.counters(si, oi))
    ra = np.mod(np.arctan2(los[:, 1], los[:, 0]), 2.0 * math.pi)
    dec = np.arcsin(np.clip(los[:, 2], -1.0, 1.0))
    sig = np.maximum(ifov / np.sqrt(np.maximum(snr_d, 1e-12)), sensor.min_angle_sigma_rad)
    sig_ra = sig / np.maximum(np.cos(dec), 0.1)
    z = np.stack([np.mod(ra + sig_ra * nz[:, 0], 2.0 * math.pi), dec + sig * nz[:, 1]], axis=-1)
    m = si.size
    z = np.concatenate([z, np.full((m, 1), np.nan)], axis=1)
    sigma = np.stack([sig_ra, sig, np.full(m, np.inf)], axis=-1)
    return Measurements(
        np.full(m, float(t_s)),
        (sensor_index + si).astype(np.int64),
        oi.astype(np.int64),
        z,
        sigma,
    )


def radec_to_unit(z: ArrayLike) -> F64:
    """Unit ECI line-of-sight vectors (m, 3) from measurement rows z = (α, δ, ·)."""
    zz = np.asarray(z, dtype=np.float64)
    ra, dec = zz[..., 0], zz[..., 1]
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
