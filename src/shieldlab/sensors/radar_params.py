"""Catalog parameters shared by every radar type, and their conversion to SI.

Ground radars (:class:`shieldlab.sensors.catalog.RadarEntry`) and airborne
radars (:class:`shieldlab.sensors.airborne.AirborneRadarEntry`) share the
range-equation, waveform and measurement-noise parameters below (YAML keys
with units); each adds its own placement and coverage fields. Kept in its own
module so both can build on it without an import cycle.

Range rate and discrimination keys (all optional, defaults keep the older
catalog entries valid): ``coherent_dwell_ms`` the coherent dwell T of one
look (default n·τ) that sets the Doppler resolution λ/(2T);
``min_range_rate_sigma_mps`` the range-rate noise floor;
``discrimination_dprime_ref`` the per-look RV/decoy discrimination index d'
of an unresolved object at SNR 20 dB (0 = the radar does not discriminate);
``discrimination_bandwidth_mhz`` the wideband discrimination waveform
(default ``bandwidth_mhz``). See :mod:`shieldlab.sensors.radar` and
:mod:`shieldlab.sensors.discrimination`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shieldlab.core.constants import DEG
from shieldlab.sensors.radar import RadarSite


class RadarParameters(BaseModel):
    """Range-equation, waveform and noise parameters of a radar type (units in the keys)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    source: str = Field(min_length=1, description="public source of the numbers")
    frequency_mhz: float = Field(gt=1.0, le=100_000.0)
    peak_power_kw: float = Field(gt=0.0, le=100_000.0)
    aperture_diameter_m: float = Field(gt=0.0, le=200.0)
    aperture_efficiency: float = Field(default=0.6, gt=0.0, le=1.0)
    noise_figure_db: float = Field(ge=0.0, le=20.0)
    losses_db: float = Field(ge=0.0, le=40.0)
    pulse_width_us: float = Field(gt=0.0, le=100_000.0)
    pulses_integrated: int = Field(default=1, ge=1, le=10_000)
    bandwidth_mhz: float = Field(gt=0.0, le=10_000.0)
    pfa: float = Field(default=1e-6, gt=0.0, lt=1.0)
    max_range_km: float = Field(gt=0.0, le=50_000.0)
    azimuth_half_width_deg: float = Field(gt=0.0, le=180.0)
    revisit_s: float = Field(gt=0.0, le=3600.0)
    monopulse_slope: float = Field(default=1.6, gt=0.0, le=5.0)
    min_range_sigma_m: float = Field(default=5.0, ge=0.0)
    min_angle_sigma_mrad: float = Field(default=0.1, ge=0.0)
    max_tracks: int | None = Field(default=None, ge=1)
    coherent_dwell_ms: float | None = Field(default=None, gt=0.0, le=100_000.0)
    min_range_rate_sigma_mps: float = Field(default=0.1, ge=0.0, le=1000.0)
    discrimination_dprime_ref: float = Field(default=0.0, ge=0.0, le=10.0)
    discrimination_bandwidth_mhz: float | None = Field(default=None, gt=0.0, le=10_000.0)
    false_alarms_per_scan: float = Field(
        default=1.0,
        ge=0.0,
        le=10_000.0,
        description=(
            "mean false alarms reported per scan after CFAR and the search fence's "
            "processing (a stated rate, not Pfa x all cells of the volume)"
        ),
    )


def radar_site(
    params: RadarParameters,
    *,
    name: str,
    lat_rad: float,
    lon_rad: float,
    alt_m: float,
    min_elevation_rad: float,
    max_elevation_rad: float,
    boresight_azimuth_rad: float,
    refraction_k: float = 1.0,
    platform: str = "ground",
) -> RadarSite:
    """SI :class:`RadarSite` of catalog parameters placed at a site with its coverage."""
    dwell = params.coherent_dwell_ms
    disc_bw = params.discrimination_bandwidth_mhz
    return RadarSite(
        name=name,
        lat_rad=lat_rad,
        lon_rad=lon_rad,
        alt_m=float(alt_m),
        frequency_hz=params.frequency_mhz * 1e6,
        peak_power_w=params.peak_power_kw * 1e3,
        aperture_diameter_m=params.aperture_diameter_m,
        aperture_efficiency=params.aperture_efficiency,
        noise_factor=10.0 ** (params.noise_figure_db / 10.0),
        loss_factor=10.0 ** (params.losses_db / 10.0),
        pulse_width_s=params.pulse_width_us * 1e-6,
        pulses_integrated=params.pulses_integrated,
        bandwidth_hz=params.bandwidth_mhz * 1e6,
        pfa=params.pfa,
        min_elevation_rad=min_elevation_rad,
        max_elevation_rad=max_elevation_rad,
        max_range_m=params.max_range_km * 1e3,
        boresight_azimuth_rad=boresight_azimuth_rad,
        azimuth_half_width_rad=params.azimuth_half_width_deg * DEG,
        revisit_s=params.revisit_s,
        monopulse_slope=params.monopulse_slope,
        min_range_sigma_m=params.min_range_sigma_m,
        min_angle_sigma_rad=params.min_angle_sigma_mrad * 1e-3,
        max_tracks=params.max_tracks,
        coherent_dwell_s=None if dwell is None else dwell * 1e-3,
        min_range_rate_sigma_mps=params.min_range_rate_sigma_mps,
        refraction_k=refraction_k,
        platform=platform,
        discrimination_dprime_ref=params.discrimination_dprime_ref,
        discrimination_bandwidth_hz=None if disc_bw is None else disc_bw * 1e6,
        false_alarms_per_scan=params.false_alarms_per_scan,
    )
