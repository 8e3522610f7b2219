"""Space layer: Keplerian and TLE constellations, ephemerides and coverage.

- :mod:`.orbits` — elements → ECI, Kepler's equation, secular J2 propagation.
- :mod:`.constellation` — Walker delta/star, GEO, Molniya-type HEO, TLE sets
  (sgp4), and the :class:`Constellation` wrapper giving ``(n, T, 3)`` ephemerides.
- :mod:`.coverage` — fraction of time a region is seen by at least k sensors.

Imports only :mod:`shieldlab.core` (and ``sgp4``).
"""

from __future__ import annotations

from shieldlab.space.constellation import (
    Constellation,
    from_elements,
    from_tles,
    geostationary,
    highly_elliptical,
    walker_delta,
    walker_star,
)
from shieldlab.space.coverage import (
    CoverageResult,
    circle_points,
    constellation_coverage,
    coverage,
    coverage_report,
    fibonacci_points,
    grid_points,
    visible,
)
from shieldlab.space.orbits import (
    OrbitalElements,
    j2_secular_rates,
    kepler_to_eci,
    positions_eci,
    propagate,
    solve_kepler,
)

__all__ = [
    "Constellation",
    "CoverageResult",
    "OrbitalElements",
    "circle_points",
    "constellation_coverage",
    "coverage",
    "coverage_report",
    "fibonacci_points",
    "from_elements",
    "from_tles",
    "geostationary",
    "grid_points",
    "highly_elliptical",
    "j2_secular_rates",
    "kepler_to_eci",
    "positions_eci",
    "propagate",
    "solve_kepler",
    "visible",
    "walker_delta",
    "walker_star",
]
