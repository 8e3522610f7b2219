"""Physics core: constants, time and frames, gravity, atmosphere, integrators, random streams.

Everything here is a pure function on numpy arrays (batch axes first, xyz last),
SI units, float64. No other shieldlab layer is imported from here.
"""
