"""Sensors: GEO infrared launch warning and ground radars.

Physical models that turn truth (ECI positions, RCS, plume intensity at one
time step) into detections and noisy measurements:

- :mod:`.ir` — geostationary IR warning satellite (plume irradiance vs NEI,
  Earth/cloud occlusion, per-frame Pd, launch-report latency);
- :mod:`.radar` — ground radar (range equation, horizon/elevation and sector
  coverage, Swerling-1 Pd, SNR-dependent range/angle noise, track capacity);
- :mod:`.measurements` — the :class:`Measurements` struct of arrays;
- :mod:`.catalog` — ``catalog/sensors.yaml`` entries and site construction.
"""

from shieldlab.sensors.catalog import (
    GeoIrEntry,
    RadarEntry,
    load_sensor_specs,
    make_geo_ir,
    make_radar,
)
from shieldlab.sensors.ir import GeoIrSensor, geo_ir_detect, launch_report_time_s
from shieldlab.sensors.measurements import Measurements, concat, empty
from shieldlab.sensors.radar import (
    RadarSite,
    detection_range_m,
    radar_observe,
    radar_snr,
    radar_visible,
    swerling1_pd,
)

__all__ = [
    "GeoIrEntry",
    "GeoIrSensor",
    "Measurements",
    "RadarEntry",
    "RadarSite",
    "concat",
    "detection_range_m",
    "empty",
    "geo_ir_detect",
    "launch_report_time_s",
    "load_sensor_specs",
    "make_geo_ir",
    "make_radar",
    "radar_observe",
    "radar_snr",
    "radar_visible",
    "swerling1_pd",
]
