"""The open counterforce arithmetic: lethal radius, single-shot kill probability (SSPK),
survival of a target under n warheads, expected survivors of a silo field.

Symbols: Y warhead yield, H target hardness (the peak overpressure it withstands),
CEP circular error probable, r warhead reliability (launch, flight, arming and
detonation together), n warheads on the target.

- **Lethal radius** (the distance inside which a surface burst of yield Y destroys a
  target of hardness H)::

      LR = 2.62 nmi · (Y / 1 Mt)^(1/3) · (H / 1 psi)^(−1/3)

  Cube-root (Hopkinson–Cranz) blast scaling with overpressure ∝ Y/R³ in the
  high-overpressure regime of hard targets (Glasstone & Dolan, *The Effects of
  Nuclear Weapons*, 3rd ed., 1977, §3.60–3.64 scaling laws). The constant 2.62 nmi
  is the one of the open hard-target counterforce arithmetic (e.g. Davis & Schilling,
  "All You Ever Wanted to Know about MIRV and ICBM Calculations but Were Not Cleared
  to Ask", J. Conflict Resolution 17(2):207–242, 1973; the same LR is used by open
  SSPK calculators, which give SSPK = 0.19019 for 750 kt, 700 psi, CEP 900 m —
  reproduced in ``tests/analysis/test_deterrent_math.py``). Valid for hard
  targets (order 100 psi and above); it underestimates the reach of low
  overpressures (soft targets), where SSPK is near 1 anyway for counterforce CEPs.
- **SSPK** with a circular normal miss distance (no bias) whose median radius is the
  CEP and "cookie-cutter" damage inside LR::

      SSPK = P(miss ≤ LR) = 1 − 0.5^((LR/CEP)²)

  (from P(miss ≤ R) = 1 − exp(−R²/2σ²) and CEP = σ √(2 ln 2); the conventional
  treatment, e.g. Tsipis, "Physics and Calculus of Countercity and Counterforce
  Nuclear Attacks", Science 187:393–397, 1975).
- **A target survives n independent warheads** with P = (1 − r·SSPK)^n (no
  fratricide between arriving warheads, no correlated misses).
- **Expected survivors** of N silos struck with n warheads each: N (1 − r·SSPK)^n.

Units at the edge carry their suffixes (``yield_kt``, ``hardness_psi``, ``cep_m``);
lengths inside are metres. Everything is vectorised (numpy broadcasting).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]

NMI_M = 1852.0
"""One international nautical mile [m] (exact, by definition)."""
LR_NMI_AT_1MT_1PSI = 2.62
"""Lethal radius of 1 Mt against a 1 psi target [nmi] (see the module docstring)."""


def lethal_radius_m(yield_kt: ArrayLike, hardness_psi: ArrayLike) -> F64:
    """Lethal radius [m] of a surface burst of ``yield_kt`` [kt] against a target of
    ``hardness_psi`` [psi]: LR = 2.62 nmi (Y/1 Mt)^(1/3) (H/1 psi)^(−1/3)."""
    y_mt = np.asarray(yield_kt, dtype=np.float64) / 1000.0
    h = np.asarray(hardness_psi, dtype=np.float64)
    if np.any(y_mt < 0.0) or np.any(h <= 0.0):
        raise ValueError("lethal_radius_m: yield must be >= 0 kt and hardness > 0 psi")
    return np.asarray(LR_NMI_AT_1MT_1PSI * NMI_M * np.cbrt(y_mt / h))


def sspk_from_radius(lethal_radius: ArrayLike, cep_m: ArrayLike) -> F64:
    """SSPK = 1 − 0.5^((LR/CEP)²) for lethal radius and CEP in the same unit [m]."""
    lr = np.asarray(lethal_radius, dtype=np.float64)
    cep = np.asarray(cep_m, dtype=np.float64)
    if np.any(cep <= 0.0) or np.any(lr < 0.0):
        raise ValueError("sspk_from_radius: CEP must be > 0 m and lethal radius >= 0 m")
    return np.asarray(-np.expm1(-np.log(2.0) * (lr / cep) ** 2))


def sspk(yield_kt: ArrayLike, cep_m: ArrayLike, hardness_psi: ArrayLike) -> F64:
    """Single-shot kill probability of a warhead (``yield_kt`` [kt], ``cep_m`` [m]) against a
    target of ``hardness_psi`` [psi] (module docstring)."""
    return sspk_from_radius(lethal_radius_m(yield_kt, hardness_psi), cep_m)


def p_survive(p_kill: ArrayLike, reliability: ArrayLike, n_warheads: ArrayLike) -> F64:
    """P(a target survives ``n_warheads`` independent warheads) = (1 − r·Pk)^n."""
    pk = np.asarray(p_kill, dtype=np.float64)
    r = np.asarray(reliability, dtype=np.float64)
    n = np.asarray(n_warheads, dtype=np.float64)
    if np.any((pk < 0.0) | (pk > 1.0)) or np.any((r < 0.0) | (r > 1.0)) or np.any(n < 0.0):
        raise ValueError("p_survive: Pk and reliability must be in [0, 1], n >= 0")
    return np.asarray((1.0 - r * pk) ** n)


def expected_survivors(
    n_targets: ArrayLike, p_kill: ArrayLike, reliability: ArrayLike, warheads_per_target: ArrayLike
) -> F64:
    """Expected surviving targets of ``n_targets`` each struck by ``warheads_per_target``
    warheads: N (1 − r·Pk)^n (e.g. a silo field under a two-on-one attack)."""
    n = np.asarray(n_targets, dtype=np.float64)
    if np.any(n < 0.0):
        raise ValueError("expected_survivors: the number of targets must be >= 0")
    return np.asarray(n * p_survive(p_kill, reliability, warheads_per_target))
