"""Physical and geodetic constants, SI units, each with its source.

Sources
-------
- NIMA TR8350.2, *Department of Defense World Geodetic System 1984*, 3rd ed.
  (2000), Table 3.1 (defining parameters) and Table 3.3 (derived constants).
- Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed. (2013),
  Table D-1 / EGM-96 for the zonal harmonic J2.
- COESA, *U.S. Standard Atmosphere, 1976*, for standard gravity g0.
"""

from __future__ import annotations

import math

# WGS-84 defining parameters (TR8350.2 Table 3.1)
WGS84_A_M: float = 6378137.0
"""Semi-major axis (equatorial radius) [m]."""
WGS84_INV_F: float = 298.257223563
"""Inverse flattening [-]."""
WGS84_F: float = 1.0 / WGS84_INV_F
WGS84_OMEGA_RAD_S: float = 7.292115e-5
"""Nominal mean angular velocity of the Earth [rad/s] (TR8350.2 Table 3.1)."""
GM_EARTH_M3_S2: float = 3.986004418e14
"""Earth's gravitational parameter including the atmosphere [m^3/s^2] (TR8350.2 Table 3.1)."""

# Derived (TR8350.2 Table 3.3)
WGS84_B_M: float = WGS84_A_M * (1.0 - WGS84_F)
"""Semi-minor axis [m] (6356752.3142 m)."""
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)
"""First eccentricity squared [-] (6.69437999014e-3)."""
WGS84_EP2: float = WGS84_E2 / (1.0 - WGS84_E2)
"""Second eccentricity squared [-]."""

J2_EARTH: float = 1.08262668e-3
"""Second zonal harmonic, unnormalised (EGM-96; Vallado 4th ed. Table D-1)."""

R_EARTH_MEAN_M: float = (2.0 * WGS84_A_M + WGS84_B_M) / 3.0
"""Mean radius R1 = (2a + b) / 3 [m] (TR8350.2 Table 3.3: 6371008.7714 m)."""

G0_MPS2: float = 9.80665
"""Standard acceleration of gravity [m/s^2] (US Standard Atmosphere 1976)."""

C_MPS: float = 299792458.0
"""Speed of light in vacuum [m/s] (exact, SI)."""

K_BOLTZMANN_J_K: float = 1.380649e-23
"""Boltzmann constant [J/K] (exact, SI 2019)."""

SECONDS_PER_DAY: float = 86400.0
DEG: float = math.pi / 180.0
"""One degree in radians."""
