"""Directed-energy defeat: high-energy laser (HEL) dwell and raid budget; high-power microwave.

All arrays are SI (m, s, W, J); ranges are slant ranges weapon → target [m].

HEL propagation (stated model)
------------------------------
Spot radius (1/e² intensity radius) on target, added in quadrature
(Sprangle, Hafizi, Ting & Fischer, "High-power lasers for directed-energy
applications", Appl. Opt. 54 (2015) F201, sec. 3, spot-size budget)::

    θ_d   = M² λ / (π w0)                       far-field half-angle, w0 = D/2
    w²    = (θ_d R)² + (2 σ_j R)² + (2R / (k ρ0))²        focused beam (weapons focus on target)
    w²    = w0² + (θ_d R)² + (2 σ_j R)² + (2R / (k ρ0))²  collimated beam (``focused=False``)

σ_j is the one-axis rms jitter [rad]: a Gaussian spot of 1/e² radius w has
per-axis σ = w/2, so jitter adds (2 σ_j R)² to w² (the long-exposure spot).
Turbulence: ρ0 = (0.545 k² C_n² R)^(-3/5) is the spherical-wave coherence
radius and 2R/(kρ0) the long-term turbulent spread (Andrews & Phillips, *Laser
Beam Propagation through Random Media*, 2nd ed., 2005, ch. 6-7; C_n² = 0
by default: turbulence off). Thermal blooming is NOT modelled (it limits
high-power beams in slow cross-winds; Sprangle 2015 sec. 4).

Transmission is Beer–Lambert, T = exp(−β_ext R), horizontal sea-level path;
β_ext from visibility by Koschmieder (3.912/V at 550 nm) with the Kim
wavelength law (Kim, McArthur & Korevaar, Proc. SPIE 4214 (2001) 26):
β(λ) = 3.912/V · (λ/550 nm)^−q, q = 1.6 (V > 50 km), 1.3 (6–50 km),
0.16 V[km] + 0.34 (1–6 km), V[km] − 0.5 (0.5–1 km), 0 below. "clear" =
23 km and "hazy" = 5 km visibility (MODTRAN rural-aerosol conventions);
molecular absorption is an optional additive β_abs.

Irradiance (spot-average, the 1/e² radius convention of the brief)::

    I(R) = P · T(R) · (1 − optics_loss) · S / (π w(R)²)     [W/m²]

with S an optional extra Strehl factor. Dwell to kill at fixed range:
t = F_kill / (α I), F_kill the *absorbed* fluence to defeat the target class
[J/m²] and α its absorptivity at λ. For a target closing at v the absorbed
fluence is (α/v)∫ I(r) dr from the start range; :func:`dwell_time_closing_s`
integrates it on a range grid (trapezoid, 4096 panels). Heat conduction,
reflectivity changes and melt removal are folded into F_kill (catalog,
assumption); :func:`melt_through_fluence_j_m2` gives its lower bound
ρ d (c ΔT + L) (Nielsen, *Effects of Directed Energy Weapons*, NDU 1994, ch. 2).

HPM (stated model)
------------------
Far-field power density S = P G(θ) / (4π R²), capped at P / A_aperture (the
near-field limit); G(θ) = G0 exp(−4 ln2 θ²/θ_3dB²) (Gaussian main lobe, half
power at θ_3dB/2), zero beyond θ_3dB off boresight (side lobes ignored).
Microwave attenuation in clear air over km paths is neglected (< 0.01 dB/km
at L–S band, ITU-R P.676). A target's susceptibility threshold is log-normal
across targets of a class: P(effect) = Φ((ln S − ln S50) / σ_ln) (Bäckström &
Lövstrand, IEEE Trans. EMC 46 (2004) 396: system failure levels spread over
orders of magnitude in field). S50 = E50²/Z0 with E50 the rms field.

Magazine: a store of ``capacity_j`` fed by ``recharge_w`` of prime power;
firing draws ``draw_w`` (laser: P/η wall-plug). Net drain while firing is
max(draw − recharge, 0); idle time refills the store at ``recharge_w``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from scipy.special import ndtr, ndtri

from shieldlab import catalog

F64 = NDArray[np.float64]

Z0_OHM = 376.730313412
"""Impedance of free space [Ω] (CODATA 2018)."""
CLEAR_VISIBILITY_M = 23_000.0
"""'Clear' meteorological range [m] (MODTRAN rural 23 km)."""
HAZY_VISIBILITY_M = 5_000.0
"""'Hazy' meteorological range [m] (MODTRAN rural 5 km)."""
J_PER_KWH = 3.6e6
_MIN_RANGE_M = 1.0
_N_PANELS = 4096


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PowerMagazine:
    """Energy store of a directed-energy weapon [J, W].

    capacity_j: usable stored energy; recharge_w: prime power that refills the
    store (and feeds the weapon while it fires); draw_w: electrical draw while firing.
    """

    capacity_j: float
    recharge_w: float
    draw_w: float


@dataclass(frozen=True)
class LaserSpec:
    """One HEL class, SI units. ``jitter_rad`` is one-axis rms; ``optics_loss`` a fraction."""

    name: str
    power_w: float
    wavelength_m: float
    beam_quality: float
    aperture_diameter_m: float
    jitter_rad: float
    optics_loss: float
    max_range_m: float
    slew_settle_s: float
    wall_plug_efficiency: float
    magazine: PowerMagazine
    cost_per_shot_usd: float
    energy_cost_usd_per_kwh: float
    unit_cost_usd: float
    source: str = ""

    @property
    def waist_radius_m(self) -> float:
        """Beam 1/e² radius at the exit aperture, w0 = D/2 (truncation in ``optics_loss``)."""
        return 0.5 * self.aperture_diameter_m


@dataclass(frozen=True)
class HpmSpec:
    """One HPM class, SI units. ``gain`` linear; ``beamwidth_rad`` full 3-dB width."""

    name: str
    peak_power_w: float
    gain: float
    beamwidth_rad: float
    frequency_hz: float
    aperture_diameter_m: float
    max_range_m: float
    shot_duration_s: float
    shot_interval_s: float
    magazine: PowerMagazine
    cost_per_shot_usd: float
    unit_cost_usd: float
    source: str = ""


@dataclass(frozen=True)
class DeTarget:
    """Directed-energy vulnerability of one target class.

    kill_fluence_j_m2: absorbed fluence that defeats it; absorptivity at ~1 µm;
    hpm_s50_w_m2: median HPM effect threshold (power density); hpm_sigma_ln: its
    log-normal spread (σ of ln S) across targets of the class.
    """

    name: str
    kill_fluence_j_m2: float
    absorptivity: float
    hpm_s50_w_m2: float
    hpm_sigma_ln: float
    source: str = ""


# ----------------------------------------------------------------------------- catalog

_CFG = ConfigDict(extra="forbid", frozen=True)


class _PoweredEntry(BaseModel):
    """Fields every directed-energy weapon entry has: its energy store and costs."""

    model_config = _CFG
    description: str = ""
    storage_kwh: float = Field(ge=0.0)
    recharge_kw: float = Field(ge=0.0)
    cost_per_shot_usd: float = Field(ge=0.0)
    unit_cost_usd: float = Field(ge=0.0)
    source: str = Field(min_length=1)

    def _magazine(self, draw_w: float) -> PowerMagazine:
        """The energy store in SI units, drawn at ``draw_w`` [W] while firing."""
        return PowerMagazine(
            capacity_j=self.storage_kwh * J_PER_KWH,
            recharge_w=self.recharge_kw * 1e3,
            draw_w=draw_w,
        )


class _LaserEntry(_PoweredEntry):
    kind: Literal["laser"]
    output_power_kw: float = Field(gt=0.0, le=1e4)
    wavelength_um: float = Field(gt=0.2, le=12.0)
    beam_quality_msq: float = Field(ge=1.0, le=50.0)
    aperture_diameter_m: float = Field(gt=0.0, le=5.0)
    jitter_urad: float = Field(ge=0.0, le=1000.0)
    optics_loss_fraction: float = Field(ge=0.0, lt=1.0)
    max_range_km: float = Field(gt=0.0, le=1000.0)
    slew_settle_s: float = Field(ge=0.0)
    wall_plug_efficiency: float = Field(gt=0.0, le=1.0)
    energy_cost_usd_per_kwh: float = Field(ge=0.0)

    def to_spec(self, name: str) -> LaserSpec:
        p_w = self.output_power_kw * 1e3
        return LaserSpec(
            name=name,
            power_w=p_w,
            wavelength_m=self.wavelength_um * 1e-6,
            beam_quality=self.beam_quality_msq,
            aperture_diameter_m=self.aperture_diameter_m,
            jitter_rad=self.jitter_urad * 1e-6,
            optics_loss=self.optics_loss_fraction,
            max_range_m=self.max_range_km * 1e3,
            slew_settle_s=self.slew_settle_s,
            wall_plug_efficiency=self.wall_plug_efficiency,
            magazine=self._magazine(p_w / self.wall_plug_efficiency),
            cost_per_shot_usd=self.cost_per_shot_usd,
            energy_cost_usd_per_kwh=self.energy_cost_usd_per_kwh,
            unit_cost_usd=self.unit_cost_usd,
            source=self.source,
        )


class _HpmEntry(_PoweredEntry):
    kind: Literal["hpm"]
    peak_power_mw: float = Field(gt=0.0, le=1e5)
    antenna_gain_dbi: float = Field(ge=0.0, le=70.0)
    beamwidth_deg: float = Field(gt=0.0, le=180.0)
    frequency_ghz: float = Field(gt=0.0, le=300.0)
    aperture_diameter_m: float = Field(gt=0.0, le=20.0)
    max_range_km: float = Field(gt=0.0, le=100.0)
    shot_duration_s: float = Field(gt=0.0)
    shot_interval_s: float = Field(gt=0.0)
    prime_power_kw: float = Field(gt=0.0)

    def to_spec(self, name: str) -> HpmSpec:
        return HpmSpec(
            name=name,
            peak_power_w=self.peak_power_mw * 1e6,
            gain=10.0 ** (self.antenna_gain_dbi / 10.0),
            beamwidth_rad=math.radians(self.beamwidth_deg),
            frequency_hz=self.frequency_ghz * 1e9,
            aperture_diameter_m=self.aperture_diameter_m,
            max_range_m=self.max_range_km * 1e3,
            shot_duration_s=self.shot_duration_s,
            shot_interval_s=self.shot_interval_s,
            magazine=self._magazine(self.prime_power_kw * 1e3),
            cost_per_shot_usd=self.cost_per_shot_usd,
            unit_cost_usd=self.unit_cost_usd,
            source=self.source,
        )


class _TargetEntry(BaseModel):
    model_config = _CFG
    kind: Literal["target"]
    description: str = ""
    kill_fluence_kj_cm2: float = Field(gt=0.0, le=100.0)
    absorptivity: float = Field(gt=0.0, le=1.0)
    hpm_e50_v_m: float = Field(gt=0.0)
    hpm_sigma_ln: float = Field(gt=0.0, le=10.0)
    source: str = Field(min_length=1)

    def to_spec(self, name: str) -> DeTarget:
        return DeTarget(
            name=name,
            kill_fluence_j_m2=self.kill_fluence_kj_cm2 * 1e7,  # 1 kJ/cm² = 1e7 J/m²
            absorptivity=self.absorptivity,
            hpm_s50_w_m2=self.hpm_e50_v_m**2 / Z0_OHM,
            hpm_sigma_ln=self.hpm_sigma_ln,
            source=self.source,
        )


_ENTRY: TypeAdapter[_LaserEntry | _HpmEntry | _TargetEntry] = TypeAdapter(
    Annotated[_LaserEntry | _HpmEntry | _TargetEntry, Field(discriminator="kind")]
)


@dataclass(frozen=True)
class DirectedEnergyCatalog:
    """Parsed ``directed-energy`` catalog: weapons and target classes by name."""

    lasers: dict[str, LaserSpec]
    hpms: dict[str, HpmSpec]
    targets: dict[str, DeTarget]


def parse_directed_energy_entries(raw: dict[str, Any]) -> DirectedEnergyCatalog:
    """Validate a raw ``name -> entry`` mapping (``kind``: laser | hpm | target)."""
    lasers: dict[str, LaserSpec] = {}
    hpms: dict[str, HpmSpec] = {}
    targets: dict[str, DeTarget] = {}
    for name, entry in raw.items():
        try:
            e = _ENTRY.validate_python(entry)
        except ValidationError as exc:
            raise ValueError(f"directed-energy.yaml entry '{name}': {exc}") from exc
        if isinstance(e, _LaserEntry):
            lasers[name] = e.to_spec(name)
        elif isinstance(e, _HpmEntry):
            hpms[name] = e.to_spec(name)
        else:
            targets[name] = e.to_spec(name)
    return DirectedEnergyCatalog(lasers=lasers, hpms=hpms, targets=targets)


def load_directed_energy_catalog() -> DirectedEnergyCatalog:
    """The packaged ``catalog/directed-energy.yaml``, in SI units."""
    return parse_directed_energy_entries(catalog.load("directed-energy"))


# ----------------------------------------------------------------------------- HEL physics


def extinction_per_m(
    visibility_m: ArrayLike, wavelength_m: float, absorption_per_m: float = 0.0
) -> F64:
    """Aerosol extinction β [1/m] from visibility V [m] (Koschmieder + Kim law) + β_abs."""
    v_km = np.asarray(visibility_m, dtype=np.float64) / 1e3
    q = np.select(
        [v_km > 50.0, v_km > 6.0, v_km > 1.0, v_km > 0.5],
        [1.6, 1.3, 0.16 * v_km + 0.34, v_km - 0.5],
        default=0.0,
    )
    beta_550 = 3.912 / (v_km * 1e3)
    return np.asarray(beta_550 * (wavelength_m / 550e-9) ** (-q) + absorption_per_m)


def transmission(range_m: ArrayLike, extinction_per_m: ArrayLike) -> F64:
    """Beer–Lambert transmission exp(−β R) along a uniform horizontal path."""
    return np.exp(-np.asarray(extinction_per_m, dtype=np.float64) * np.asarray(range_m))


def divergence_rad(beam_quality: float, wavelength_m: float, waist_radius_m: float) -> float:
    """Far-field half-angle divergence θ = M² λ / (π w0) [rad]."""
    return beam_quality * wavelength_m / (math.pi * waist_radius_m)


def coherence_radius_m(range_m: ArrayLike, wavelength_m: float, cn2_m_23: float) -> F64:
    """Spherical-wave coherence radius ρ0 = (0.545 k² C_n² R)^(-3/5) [m] (inf if C_n² = 0)."""
    k = 2.0 * math.pi / wavelength_m
    with np.errstate(divide="ignore"):
        return np.asarray((0.545 * k**2 * cn2_m_23 * np.asarray(range_m, dtype=np.float64)) ** -0.6)


def spot_radius_m(
    spec: LaserSpec, range_m: ArrayLike, cn2_m_23: float = 0.0, focused: bool = True
) -> F64:
    """1/e² spot radius on target [m]: diffraction ⊕ jitter ⊕ turbulence (module docstring)."""
    r = np.asarray(range_m, dtype=np.float64)
    w0 = spec.waist_radius_m
    theta = divergence_rad(spec.beam_quality, spec.wavelength_m, w0)
    w2 = (theta * r) ** 2 + (2.0 * spec.jitter_rad * r) ** 2
    if cn2_m_23 > 0.0:
        k = 2.0 * math.pi / spec.wavelength_m
        w2 = w2 + (2.0 * r / (k * coherence_radius_m(r, spec.wavelength_m, cn2_m_23))) ** 2
    if not focused:
        w2 = w2 + w0**2
    return np.asarray(np.sqrt(w2))


def irradiance_w_m2(
    spec: LaserSpec,
    range_m: ArrayLike,
    extinction_per_m: float,
    cn2_m_23: float = 0.0,
    strehl: float = 1.0,
    focused: bool = True,
) -> F64:
    """Spot-average irradiance I = P T (1 − loss) S / (π w²) [W/m²]."""
    r = np.maximum(np.asarray(range_m, dtype=np.float64), _MIN_RANGE_M)
    w = spot_radius_m(spec, r, cn2_m_23, focused)
    p_on_target = spec.power_w * transmission(r, extinction_per_m) * (1.0 - spec.optics_loss)
    return np.asarray(p_on_target * strehl / (math.pi * w**2))


def melt_through_fluence_j_m2(
    thickness_m: ArrayLike,
    density_kg_m3: float,
    heat_capacity_j_kg_k: float,
    delta_t_k: float,
    latent_heat_j_kg: float,
) -> F64:
    """Absorbed fluence to heat and melt a slab, ρ d (c ΔT + L) [J/m²] (no conduction loss)."""
    d = np.asarray(thickness_m, dtype=np.float64)
    return np.asarray(density_kg_m3 * d * (heat_capacity_j_kg_k * delta_t_k + latent_heat_j_kg))


def dwell_time_s(
    spec: LaserSpec,
    target: DeTarget,
    range_m: ArrayLike,
    extinction_per_m: float,
    cn2_m_23: float = 0.0,
    strehl: float = 1.0,
) -> F64:
    """Dwell to kill at a fixed range, t = F_kill / (α I) [s]."""
    i = irradiance_w_m2(spec, range_m, extinction_per_m, cn2_m_23, strehl)
    return np.asarray(target.kill_fluence_j_m2 / (target.absorptivity * i))


def fluence_increment_j_m2(
    spec: LaserSpec,
    target: DeTarget,
    range_m: ArrayLike,
    dt_s: float,
    extinction_per_m: float,
    cn2_m_23: float = 0.0,
    strehl: float = 1.0,
) -> F64:
    """Absorbed fluence α I dt delivered in one time step [J/m²] (for a time-stepped engine)."""
    return np.asarray(
        target.absorptivity
        * irradiance_w_m2(spec, range_m, extinction_per_m, cn2_m_23, strehl)
        * dt_s
    )


def dwell_time_closing_s(
    spec: LaserSpec,
    target: DeTarget,
    range0_m: ArrayLike,
    closing_speed_mps: ArrayLike,
    extinction_per_m: float,
    min_range_m: float = 0.0,
    cn2_m_23: float = 0.0,
    strehl: float = 1.0,
) -> F64:
    """Dwell [s] for targets closing radially at v from R0, lased until F_kill is absorbed.

    Absorbed fluence after closing from R0 to R is (α/v)∫_R^R0 I(r) dr,
    integrated on a 4096-panel grid per target (vectorised over targets).
    inf where the fluence is not reached before ``min_range_m``; v ≤ 0 uses
    the fixed-range dwell at R0 (a receding target is treated as static).
    """
    r0, v = np.broadcast_arrays(
        np.atleast_1d(np.asarray(range0_m, dtype=np.float64)),
        np.atleast_1d(np.asarray(closing_speed_mps, dtype=np.float64)),
    )
    out = np.asarray(dwell_time_s(spec, target, r0, extinction_per_m, cn2_m_23, strehl))
    out = np.array(out, dtype=np.float64)
    closing = v > 0.0
    if np.any(closing):
        rc, vc = r0[closing], v[closing]
        r_end = np.maximum(min_range_m, _MIN_RANGE_M)
        span = np.maximum(rc - r_end, 0.0)
        s = np.linspace(0.0, 1.0, _N_PANELS + 1)
        grid = rc[:, None] - span[:, None] * s[None, :]  # (n, K), decreasing range
        i = irradiance_w_m2(spec, grid, extinction_per_m, cn2_m_23, strehl)
        dr = (span / _N_PANELS)[:, None]
        cum = np.concatenate(
            [np.zeros((len(rc), 1)), np.cumsum(0.5 * (i[:, 1:] + i[:, :-1]) * dr, axis=1)],
            axis=1,
        ) * (target.absorptivity / vc[:, None])
        need = target.kill_fluence_j_m2
        reached = cum[:, -1] >= need
        k = np.argmax(cum >= need, axis=1)  # first node at or past the need
        k = np.clip(k, 1, _N_PANELS)
        rows = np.arange(len(rc))
        c_lo, c_hi = cum[rows, k - 1], cum[rows, k]
        frac = np.where(c_hi > c_lo, (need - c_lo) / np.where(c_hi > c_lo, c_hi - c_lo, 1.0), 0.0)
        r_kill = grid[rows, k - 1] - frac * (grid[rows, k - 1] - grid[rows, k])
        out[closing] = np.where(reached, (rc - r_kill) / vc, np.inf)
    return out


# ----------------------------------------------------------------------------- magazine & cost


def net_drain_w(mag: PowerMagazine) -> float:
    """Net draw on the store while firing, max(draw − recharge, 0) [W]."""
    return max(mag.draw_w - mag.recharge_w, 0.0)


def shots_per_charge(mag: PowerMagazine, shot_s: ArrayLike) -> F64:
    """Shots of duration t a full store supports back to back, ⌊C / (drain·t)⌋ (inf: no drain)."""
    t = np.asarray(shot_s, dtype=np.float64)
    drain = net_drain_w(mag)
    if drain == 0.0:
        return np.full(t.shape, np.inf)
    return np.asarray(np.floor(mag.capacity_j / (drain * t) + 1e-12))


def recharge_time_s(mag: PowerMagazine, energy_j: ArrayLike) -> F64:
    """Idle time to put ``energy_j`` back in the store, E / P_recharge [s] (inf: no recharge)."""
    e = np.asarray(energy_j, dtype=np.float64)
    if mag.recharge_w <= 0.0:
        return np.where(e > 0.0, np.inf, 0.0)
    return np.asarray(e / mag.recharge_w)


def energy_cost_per_shot_usd(spec: LaserSpec, dwell_s: ArrayLike) -> F64:
    """Prime-energy cost of a shot, (P/η) t / 3.6e6 × $/kWh [USD]."""
    e_kwh = spec.magazine.draw_w * np.asarray(dwell_s, dtype=np.float64) / J_PER_KWH
    return np.asarray(e_kwh * spec.energy_cost_usd_per_kwh)


# ----------------------------------------------------------------------------- HEL raid budget


@dataclass(frozen=True)
class LaserRaidResult:
    """Outcome of one laser against a raid (per target (n,), times from t = 0 [s]).

    order: engagement order (target indices); killed: (n,) bool; t_start_s,
    t_kill_s, dwell_s, range_at_kill_m: NaN for targets not engaged (leakers);
    energy_drawn_j: prime energy used; stored_end_j: store at the last kill.
    """

    order: NDArray[np.int64]
    killed: NDArray[np.bool_]
    t_start_s: F64
    t_kill_s: F64
    dwell_s: F64
    range_at_kill_m: F64
    energy_drawn_j: float
    stored_end_j: float

    @property
    def n_killed(self) -> int:
        """Targets killed before the keep-out radius."""
        return int(self.killed.sum())

    @property
    def shots(self) -> int:
        """Engagements fired (each one ends in a kill: fire control starts only winnable ones)."""
        return int(np.isfinite(self.t_start_s).sum())


def engage_raid(
    spec: LaserSpec,
    target: DeTarget,
    range0_m: ArrayLike,
    speed_mps: ArrayLike,
    keep_out_m: float,
    extinction_per_m: float,
    cn2_m_23: float = 0.0,
    strehl: float = 1.0,
    order: ArrayLike | None = None,
    stored0_j: float | None = None,
) -> LaserRaidResult:
    """Sequential laser engagements of n targets flying radially inbound at constant speed.

    Target i is at R_i(t) = R0_i − v_i t. The laser may lase it once it is
    inside ``max_range_m``; each engagement starts after the previous kill plus
    ``slew_settle_s``, and only when the store holds the energy for the whole
    dwell (else it waits for recharge). An engagement is started only if the
    kill completes outside ``keep_out_m`` (predictive fire control); otherwise
    the target is a leaker and costs no time. Default order: earliest
    keep-out deadline first. Dwell includes closing during the lasing.
    """
    r0 = np.atleast_1d(np.asarray(range0_m, dtype=np.float64))
    v = np.broadcast_to(np.asarray(speed_mps, dtype=np.float64), r0.shape)
    n = r0.size
    if np.any(v <= 0.0):
        raise ValueError("speed_mps: inbound speeds must be > 0")
    t_enter = np.maximum((r0 - spec.max_range_m) / v, 0.0)  # vectorised geometry
    t_deadline = (r0 - keep_out_m) / v
    idx = np.argsort(t_deadline, kind="stable") if order is None else np.asarray(order, np.int64)
    mag = spec.magazine
    stored = mag.capacity_j if stored0_j is None else float(stored0_j)
    drain = net_drain_w(mag)
    nan = np.full(n, np.nan)
    t_start, t_kill, dwell, r_kill = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    killed = np.zeros(n, dtype=bool)
    t_free, energy = 0.0, 0.0

    def dwell_at(i: int, ts: float) -> float:
        """Dwell to kill target i when the beam starts on it at ``ts`` [s]."""
        r_start = r0[i] - v[i] * ts
        return float(
            dwell_time_closing_s(
                spec, target, r_start, v[i], extinction_per_m, keep_out_m, cn2_m_23, strehl
            )[0]
        )

    for i in idx:  # sequential by nature: one beam
        ts = max(t_free + spec.slew_settle_s, float(t_enter[i]))
        if ts >= t_deadline[i]:
            continue
        stored_ts = min(mag.capacity_j, stored + mag.recharge_w * (ts - t_free))
        d = dwell_at(i, ts)
        need = drain * d
        if need > stored_ts:  # wait for recharge; the dwell only shortens as it closes
            if need > mag.capacity_j or mag.recharge_w <= 0.0:
                continue
            wait = (need - stored_ts) / mag.recharge_w
            ts += wait
            stored_ts = need
            d = dwell_at(i, ts)
        if not np.isfinite(d) or r0[i] - v[i] * (ts + d) < keep_out_m:
            continue
        t_start[i], dwell[i], t_kill[i] = ts, d, ts + d
        r_kill[i] = r0[i] - v[i] * (ts + d)
        killed[i] = True
        stored = stored_ts - drain * d
        energy += mag.draw_w * d
        t_free = ts + d
    return LaserRaidResult(
        order=np.asarray(idx, dtype=np.int64),
        killed=killed,
        t_start_s=t_start,
        t_kill_s=t_kill,
        dwell_s=dwell,
        range_at_kill_m=r_kill,
        energy_drawn_j=energy,
        stored_end_j=stored,
    )


# ----------------------------------------------------------------------------- HPM


def hpm_power_density_w_m2(
    peak_power_w: float, gain: ArrayLike, range_m: ArrayLike, aperture_diameter_m: float
) -> F64:
    """S = P G / (4π R²), capped at the aperture flux P / (π D²/4) [W/m²]."""
    r = np.maximum(np.asarray(range_m, dtype=np.float64), _MIN_RANGE_M)
    s = peak_power_w * np.asarray(gain, dtype=np.float64) / (4.0 * math.pi * r**2)
    return np.asarray(np.minimum(s, peak_power_w / (0.25 * math.pi * aperture_diameter_m**2)))


def hpm_far_field_m(spec: HpmSpec) -> float:
    """Far-field (Fraunhofer) distance 2 D² / λ [m]; closer in S = PG/4πR² overestimates."""
    return 2.0 * spec.aperture_diameter_m**2 * spec.frequency_hz / 299_792_458.0


def hpm_gain(spec: HpmSpec, off_axis_rad: ArrayLike) -> F64:
    """Gaussian main-lobe gain G0 exp(−4 ln2 θ²/θ_3dB²), zero beyond θ_3dB off boresight."""
    th = np.asarray(off_axis_rad, dtype=np.float64)
    g = spec.gain * np.exp(-4.0 * math.log(2.0) * (th / spec.beamwidth_rad) ** 2)
    return np.asarray(np.where(th <= spec.beamwidth_rad, g, 0.0))


def hpm_effect_probability(
    spec: HpmSpec, target: DeTarget, r_rel_m: ArrayLike, boresight: ArrayLike
) -> F64:
    """P(effect) for targets at ``r_rel_m`` (…, 3) from the weapon, beam along ``boresight``.

    Φ((ln S − ln S50)/σ_ln), zero outside the beam or beyond ``max_range_m``.
    Any Cartesian frame (both vectors in the same one).
    """
    r = np.asarray(r_rel_m, dtype=np.float64)
    b = np.asarray(boresight, dtype=np.float64)
    rng_m = np.linalg.norm(r, axis=-1)
    b_hat = b / np.linalg.norm(b, axis=-1, keepdims=True)
    cosang = np.sum(r * b_hat, axis=-1) / np.maximum(rng_m, 1e-12)
    off = np.arccos(np.clip(cosang, -1.0, 1.0))
    s = hpm_power_density_w_m2(
        spec.peak_power_w, hpm_gain(spec, off), rng_m, spec.aperture_diameter_m
    )
    with np.errstate(divide="ignore"):
        z = (np.log(s) - math.log(target.hpm_s50_w_m2)) / target.hpm_sigma_ln
    return np.asarray(np.where(rng_m <= spec.max_range_m, ndtr(z), 0.0))


def hpm_range_for_probability(spec: HpmSpec, target: DeTarget, p: ArrayLike) -> F64:
    """On-boresight range [m] where P(effect) = p: R = √(P G / (4π S50 e^{σ Φ⁻¹(p)})).

    Far-field closed form (ignores the aperture cap and ``max_range_m``).
    """
    s_p = target.hpm_s50_w_m2 * np.exp(target.hpm_sigma_ln * ndtri(np.asarray(p, np.float64)))
    return np.asarray(np.sqrt(spec.peak_power_w * spec.gain / (4.0 * math.pi * s_p)))


def hpm_best_boresight(
    spec: HpmSpec, target: DeTarget, r_rel_m: ArrayLike, alive: ArrayLike | None = None
) -> tuple[F64, float]:
    """Boresight (3,) toward one of the live targets that maximises the expected kills Σ p.

    Candidates are the n line-of-sight directions; (n, n) evaluation. Returns
    (unit boresight, expected kills); zeros and 0.0 if nothing is alive.
    """
    r = np.asarray(r_rel_m, dtype=np.float64)
    live = np.ones(len(r), bool) if alive is None else np.asarray(alive, dtype=bool)
    if not live.any():
        return np.zeros(3), 0.0
    cand = r[live] / np.linalg.norm(r[live], axis=-1, keepdims=True)
    p = hpm_effect_probability(spec, target, r[live][None, :, :], cand[:, None, :])
    expected = p.sum(axis=1)
    j = int(np.argmax(expected))
    return cand[j], float(expected[j])


@dataclass(frozen=True)
class HpmSwarmResult:
    """HPM against a swarm: killed (n,), t_kill_s (n,) NaN if not, shots, prime energy [J]."""

    killed: NDArray[np.bool_]
    t_kill_s: F64
    shots: int
    energy_drawn_j: float


def engage_swarm_hpm(
    spec: HpmSpec,
    target: DeTarget,
    r0_rel_m: ArrayLike,
    v_mps: ArrayLike,
    keep_out_m: float,
    rng: np.random.Generator,
    t_max_s: float = 600.0,
) -> HpmSwarmResult:
    """Shots at the best boresight every ``shot_interval_s`` while targets close in straight lines.

    Targets at r0 + v t (n, 3) relative to the weapon. A target inside
    ``keep_out_m`` has leaked. Each shot draws an independent Bernoulli per live
    target with :func:`hpm_effect_probability`; the store must hold the shot's
    net energy (else wait for recharge). Loop over shots (time), vectorised
    over targets.
    """
    r0 = np.asarray(r0_rel_m, dtype=np.float64).reshape(-1, 3)
    v = np.broadcast_to(np.asarray(v_mps, dtype=np.float64), r0.shape)
    n = len(r0)
    killed = np.zeros(n, dtype=bool)
    leaked = np.zeros(n, dtype=bool)
    t_kill = np.full(n, np.nan)
    mag = spec.magazine
    e_shot = net_drain_w(mag) * spec.shot_duration_s
    if spec.shot_interval_s < spec.shot_duration_s:
        raise ValueError("shot_interval_s must be >= shot_duration_s")
    if e_shot > mag.capacity_j:
        return HpmSwarmResult(killed, t_kill, 0, 0.0)
    stored, t, shots, energy = mag.capacity_j, 0.0, 0, 0.0
    while t <= t_max_s:
        r = r0 + v * t
        leaked |= (np.linalg.norm(r, axis=1) < keep_out_m) & ~killed
        live = ~killed & ~leaked
        if not live.any():
            break
        in_reach = live & (np.linalg.norm(r, axis=1) <= spec.max_range_m)
        if not in_reach.any():
            t += spec.shot_interval_s
            stored = min(mag.capacity_j, stored + mag.recharge_w * spec.shot_interval_s)
            continue
        if stored < e_shot:
            wait = float(recharge_time_s(mag, e_shot - stored))
            t += wait
            stored = e_shot
            continue
        bore, _ = hpm_best_boresight(spec, target, r, in_reach)
        p = np.where(in_reach, hpm_effect_probability(spec, target, r, bore), 0.0)
        hit = rng.random(n) < p
        t_kill[hit] = t
        killed |= hit
        shots += 1
        energy += mag.draw_w * spec.shot_duration_s
        idle_s = spec.shot_interval_s - spec.shot_duration_s
        stored = min(mag.capacity_j, stored - e_shot + mag.recharge_w * idle_s)
        t += spec.shot_interval_s
    return HpmSwarmResult(killed, t_kill, shots, energy)
