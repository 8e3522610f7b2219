"""Tracking: batched EKF with ballistic dynamics, track table, impact prediction.

- :mod:`.ekf` — predict (RK4 on point-mass + J2 gravity with the
  state-transition matrix), radar (R, az, el) update (Joseph form),
  single-point and two-point initiation, NEES;
- :mod:`.impact` — impact-point prediction, state propagation on a time
  grid, sigma-point impact covariance;
- :mod:`.associate` — Mahalanobis gating, global-nearest-neighbour and JPDA
  association, M-of-N confirmation and K-miss deletion;
- :mod:`.tracker` — :class:`GnnTracker`, the centralised multi-sensor GNN-EKF
  tracker: radar scans and angles-only IR frames fused into one track
  picture (does not read truth ids); the engine's tracker;
- :mod:`.angles` — angles-only (α, δ) model, multi-satellite triangulation
  and track initiation fixes;
- :mod:`.metrics` — GOSPA, OSPA, track-to-truth assignment and custody.
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
from shieldlab.tracking.metrics import custody, gospa, gospa_series, ospa
from shieldlab.tracking.tracker import GnnTracker, TrackerConfig, run_tracker, scans

__all__ = [
    "GnnTracker",
    "SiteGeometry",
    "TrackerConfig",
    "custody",
    "ekf_predict",
    "ekf_update",
    "gospa",
    "gospa_series",
    "impact_covariance",
    "init_single_point",
    "init_two_point",
    "measure_aer",
    "nees",
    "ospa",
    "predict_impact",
    "propagate",
    "run_tracker",
    "scans",
    "site_geometry",
]
