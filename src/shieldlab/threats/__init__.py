"""Threat models: generic multi-stage ballistic missiles flown from launch to impact.

Public surface (the engine and the CLI use these):

- :func:`fly_ballistic` / :func:`fly_salvo` — aim and fly a batch, truth on a
  common ECI time grid (:class:`Trajectories`).
- :func:`load_threat_specs`, :func:`threat_names` — the catalog
  (``catalog/threats.yaml``) as SI specs (:class:`BallisticMissileSpec`).
- ``PHASE_*`` — int8 phase codes of the truth arrays.
"""

from shieldlab.threats.aim import AimSolution, scan_range, solve_aim
from shieldlab.threats.ballistic import PhysicsFlags, StepSizes, fly_batch
from shieldlab.threats.catalog import (
    BallisticMissileSpec,
    StageSpec,
    load_threat_specs,
    threat_names,
)
from shieldlab.threats.registry import fly_threats, flyable_threats, threat_kind
from shieldlab.threats.trajectory import (
    aim_point_at_range,
    fly_ballistic,
    fly_salvo,
    summary_rows,
)
from shieldlab.threats.truth import (
    LETHAL_KINDS,
    OBJECT_NAMES,
    PHASE_BOOST,
    PHASE_CRUISE,
    PHASE_GLIDE,
    PHASE_IMPACTED,
    PHASE_MIDCOURSE,
    PHASE_NAMES,
    PHASE_POSTBOOST,
    PHASE_PRELAUNCH,
    PHASE_REENTRY,
    PHASE_TERMINAL,
    Trajectories,
    concat_trajectories,
    pad_trajectories,
)

__all__ = [
    "LETHAL_KINDS",
    "OBJECT_NAMES",
    "PHASE_BOOST",
    "PHASE_CRUISE",
    "PHASE_GLIDE",
    "PHASE_IMPACTED",
    "PHASE_MIDCOURSE",
    "PHASE_NAMES",
    "PHASE_POSTBOOST",
    "PHASE_PRELAUNCH",
    "PHASE_REENTRY",
    "PHASE_TERMINAL",
    "AimSolution",
    "BallisticMissileSpec",
    "PhysicsFlags",
    "StageSpec",
    "StepSizes",
    "Trajectories",
    "aim_point_at_range",
    "concat_trajectories",
    "fly_ballistic",
    "fly_batch",
    "fly_salvo",
    "fly_threats",
    "flyable_threats",
    "load_threat_specs",
    "pad_trajectories",
    "scan_range",
    "solve_aim",
    "summary_rows",
    "threat_kind",
    "threat_names",
]
