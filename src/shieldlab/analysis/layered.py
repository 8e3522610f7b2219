"""Closed-form layered-defense leakage (the analyst's check on the simulation).

Validity: independent shots of known Pk, and perfect kill assessment for
shoot-look-shoot (Wilkening 2000); correlated failures, decoys and finite
inventories are outside it — the engine models those.

With independent shots, each of single-shot kill probability p_i, a threat
survives a set of shots with probability Π_i (1 − p_i). For a defense of L
layers firing n_l shots of probability p_l at every threat (salvo doctrine,
perfect kill assessment not needed) the leakage is

    P_leak = Π_l (1 − p_l)^{n_l},

and with shoot-look-shoot over m opportunities of n shots each and perfect
kill assessment the leakage is the same (1 − p)^{n m} — what changes is the
expected number of interceptors, n Σ_{k<m} (1 − p)^{n k}. Against N
independent threats P(no leaker) = (1 − P_leak)^N, and the salvo size that
reaches a confidence c is n = ⌈ln(1 − c^{1/N}) / ln(1 − p)⌉.

Sources: D. Wilkening, "A Simple Model for Calculating Ballistic Missile
Defense Effectiveness", Science & Global Security 8 (2000) 183–215 (the
layered and shoot-look-shoot expressions above, perfect kill assessment);
APS Panel on Public Affairs, "Ballistic Missile Defense: Threats and
Challenges" (2022), ch. on interceptor inventory arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]


def survival(pk: ArrayLike, axis: int = -1) -> F64:
    """Π_i (1 − p_i) along ``axis``: probability a threat survives all its shots."""
    p = np.asarray(pk, dtype=np.float64)
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError("pk: probabilities in [0, 1] required")
    return np.asarray(np.prod(1.0 - p, axis=axis))


def layered_leakage(pk_per_layer: ArrayLike, shots_per_layer: ArrayLike) -> float:
    """Π_l (1 − p_l)^{n_l} for L layers (Wilkening 2000)."""
    p = np.asarray(pk_per_layer, dtype=np.float64)
    n = np.asarray(shots_per_layer, dtype=np.float64)
    if p.shape != n.shape or np.any(n < 0):
        raise ValueError("pk_per_layer and shots_per_layer: same shape, shots >= 0")
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError("pk: probabilities in [0, 1] required")
    return float(np.prod((1.0 - p) ** n))


def sls_expected_shots(pk: float, shots_per_look: int, opportunities: int) -> float:
    """Expected interceptors per threat with shoot-look-shoot: n Σ_{k<m} (1 − p)^{n k}."""
    q = (1.0 - pk) ** shots_per_look
    return float(shots_per_look * sum(q**k for k in range(opportunities)))


def p_no_leaker(leakage: float, n_threats: int) -> float:
    """(1 − P_leak)^N for N independent threats."""
    return float((1.0 - leakage) ** n_threats)


def salvo_for_confidence(pk: float, n_threats: int, confidence: float) -> int:
    """Smallest salvo n with (1 − (1 − p)^n)^N ≥ c (one layer, independent shots)."""
    if not (0.0 < pk < 1.0 and 0.0 < confidence < 1.0 and n_threats >= 1):
        raise ValueError("need 0 < pk < 1, 0 < confidence < 1, n_threats >= 1")
    return math.ceil(math.log(1.0 - confidence ** (1.0 / n_threats)) / math.log(1.0 - pk))
