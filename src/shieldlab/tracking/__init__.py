"""Tracking: batched EKF with ballistic dynamics, track table, impact prediction.

- :mod:`.ekf` — predict (RK4 on point-mass + J2 gravity with the
  state-transition matrix), radar (R, az, el) update (Joseph form),
  single-point and two-point initiation, NEES;
- :mod:`.table` — :class:`TrackTable`, the tracker's working state; the
  skeleton associates measurements to tracks **by truth id**;
- :mod:`.impact` — impact-point prediction, state propagation on a time
  grid, sigma-point impact covariance.
"""

from shieldlab.tracking.ekf import (
    SiteGeometry,
    ekf_predict,
    ekf_update,
    init_single_point,
    init_two_point,
    measure_aer,
    nees,
    site_geometry,
)
from shieldlab.tracking.impact import impact_covariance, predict_impact, propagate
from shieldlab.tracking.table import TrackTable

__all__ = [
    "SiteGeometry",
    "TrackTable",
    "ekf_predict",
    "ekf_update",
    "impact_covariance",
    "init_single_point",
    "init_two_point",
    "measure_aer",
    "nees",
    "predict_impact",
    "propagate",
    "site_geometry",
]
