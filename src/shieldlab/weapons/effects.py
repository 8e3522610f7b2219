"""Electronic-warfare and cyber effects as stated probabilities (scenario inputs, not physics).

The analyst states, per scenario, the probability that an EW/cyber effect
works; these pure functions apply it to arrays with a caller-supplied
``numpy.random.Generator`` (reproducible: same generator state ⇒ same draws):

- **launch failure** — each attempted launch fails or aborts with probability
  ``p_launch_failure`` (left-of-launch cyber, jamming of the launch chain);
- **guidance degradation** — with probability ``p_guidance_degraded`` a
  weapon's guidance is degraded: its CEP is multiplied by ``cep_multiplier``
  (GNSS jamming/spoofing widening the error), and/or its aim point is
  displaced by ``aim_miss_m`` horizontally (spoofing pulls it off target).

Draws use common random numbers: one uniform per object is always drawn and
the effect applies where u < p, so the stream consumed does not depend on p
and raising p only adds effects (monotone coupling across a sweep).

Horizontal displacement: perpendicular to the local "up", which is the
geocentric radial r/|r| for Earth-fixed or inertial aim points (within 0.2° of
the WGS-84 normal; enough for miss distances of metres to km) unless ``up``
is given (e.g. (0, 0, 1) for ENU points). Azimuth uniform in [0, 2π).
Rayleigh misses: a circular normal error whose CEP is ``aim_miss_m``,
σ = CEP / √(2 ln 2) = CEP / 1.1774 (circular normal distribution; e.g.
Driels, *Weaponeering*, 2nd ed., AIAA 2013, ch. on delivery accuracy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
B = NDArray[np.bool_]

CEP_PER_SIGMA = math.sqrt(2.0 * math.log(2.0))
"""CEP / σ of a circular normal error, √(2 ln 2) ≈ 1.1774."""


@dataclass(frozen=True)
class EwCyberEffects:
    """Stated EW/cyber effect probabilities of one side of a scenario (dimensionless, metres).

    p_launch_failure: P(an attempted launch fails); p_guidance_degraded:
    P(a weapon's guidance is degraded); cep_multiplier (≥ 1) and aim_miss_m
    (≥ 0) describe the degradation.
    """

    p_launch_failure: float = 0.0
    p_guidance_degraded: float = 0.0
    cep_multiplier: float = 1.0
    aim_miss_m: float = 0.0

    def __post_init__(self) -> None:
        for name in ("p_launch_failure", "p_guidance_degraded"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name}: a probability in [0, 1] is allowed, got {p}")
        if not self.cep_multiplier >= 1.0:
            raise ValueError(f"cep_multiplier: >= 1 is allowed, got {self.cep_multiplier}")
        if not self.aim_miss_m >= 0.0:
            raise ValueError(f"aim_miss_m: >= 0 m is allowed, got {self.aim_miss_m}")


def _bernoulli(p: ArrayLike, n: int, rng: np.random.Generator) -> B:
    pa = np.broadcast_to(np.asarray(p, dtype=np.float64), (n,))
    if np.any((pa < 0.0) | (pa > 1.0)):
        raise ValueError("probability: values in [0, 1] are allowed")
    return np.asarray(rng.random(n) < pa)


def apply_launch_failures(
    attempted: ArrayLike, p_launch_failure: ArrayLike, rng: np.random.Generator
) -> tuple[B, B]:
    """Launches that go, and those that fail, from an (n,) mask of attempted launches.

    ``p_launch_failure`` is a scalar or (n,) per launcher. Returns
    (launched, failed), both (n,) bool, disjoint, union = attempted.
    One uniform is drawn per element of ``attempted`` (attempted or not).
    """
    att = np.asarray(attempted, dtype=bool)
    fail = _bernoulli(p_launch_failure, att.size, rng).reshape(att.shape) & att
    return att & ~fail, fail


def degrade_cep(
    cep_m: ArrayLike, p_degraded: ArrayLike, multiplier: float, rng: np.random.Generator
) -> tuple[F64, B]:
    """CEP [m] (n,) after guidance degradation: × ``multiplier`` where degraded (prob. p).

    Returns (cep_m, degraded mask).
    """
    if multiplier < 1.0:
        raise ValueError(f"multiplier: >= 1 is allowed, got {multiplier}")
    cep = np.atleast_1d(np.asarray(cep_m, dtype=np.float64))
    deg = _bernoulli(p_degraded, cep.size, rng).reshape(cep.shape)
    return np.where(deg, cep * multiplier, cep), deg


def _horizontal_basis(points_m: F64, up: ArrayLike | None) -> tuple[F64, F64]:
    """Two unit vectors (n, 3) spanning the plane normal to the local up."""
    if up is None and np.any(np.linalg.norm(points_m, axis=-1) == 0.0):
        raise ValueError("aim_m: a point at the origin has no radial up; pass up=")
    u = (
        points_m / np.linalg.norm(points_m, axis=-1, keepdims=True)
        if up is None
        else np.broadcast_to(np.asarray(up, dtype=np.float64), points_m.shape)
    )
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    # helper axis: z unless up is nearly along z, then x
    helper = np.where(np.abs(u[..., 2:3]) < 0.9, [0.0, 0.0, 1.0], [1.0, 0.0, 0.0])
    e1 = np.cross(helper, u)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    return e1, np.cross(u, e1)


def displace_aim_points(
    aim_m: ArrayLike,
    p_degraded: ArrayLike,
    miss_m: float,
    rng: np.random.Generator,
    up: ArrayLike | None = None,
    distribution: Literal["fixed", "rayleigh"] = "fixed",
) -> tuple[F64, B]:
    """Aim points (n, 3) [m] moved horizontally where guidance is degraded (prob. p).

    ``fixed``: by exactly ``miss_m`` at a uniform azimuth; ``rayleigh``: by a
    circular normal error with CEP ``miss_m``. Returns (new aim points, mask).
    Draws per point, always: one uniform (degraded?), then two normals
    (rayleigh) or one uniform azimuth (fixed), so the stream is p-independent.
    """
    if miss_m < 0.0:
        raise ValueError(f"miss_m: >= 0 m is allowed, got {miss_m}")
    if distribution not in ("fixed", "rayleigh"):
        raise ValueError(f"distribution: 'fixed' or 'rayleigh' is allowed, got {distribution!r}")
    pts = np.asarray(aim_m, dtype=np.float64).reshape(-1, 3)
    n = len(pts)
    deg = _bernoulli(p_degraded, n, rng)
    e1, e2 = _horizontal_basis(pts, up)
    if distribution == "fixed":
        az = rng.uniform(0.0, 2.0 * math.pi, n)
        a, b = miss_m * np.cos(az), miss_m * np.sin(az)
    else:
        z = rng.standard_normal((n, 2)) * (miss_m / CEP_PER_SIGMA)
        a, b = z[:, 0], z[:, 1]
    shift = (a[:, None] * e1 + b[:, None] * e2) * deg[:, None]
    return pts + shift, deg


def apply_guidance_effects(
    effects: EwCyberEffects,
    aim_m: ArrayLike,
    cep_m: ArrayLike,
    rng: np.random.Generator,
    up: ArrayLike | None = None,
) -> tuple[F64, F64, B]:
    """Both guidance effects with one degradation draw per weapon (n,): the same weapons.

    Returns (aim points (n, 3), CEP (n,), degraded mask). The aim point moves by
    ``aim_miss_m`` at a uniform azimuth and the CEP is × ``cep_multiplier``.
    """
    pts = np.asarray(aim_m, dtype=np.float64).reshape(-1, 3)
    cep = np.broadcast_to(np.asarray(cep_m, dtype=np.float64), (len(pts),))
    deg = _bernoulli(effects.p_guidance_degraded, len(pts), rng)
    e1, e2 = _horizontal_basis(pts, up)
    az = rng.uniform(0.0, 2.0 * math.pi, len(pts))
    d = effects.aim_miss_m * deg
    new_pts = pts + (d * np.cos(az))[:, None] * e1 + (d * np.sin(az))[:, None] * e2
    return new_pts, np.where(deg, cep * effects.cep_multiplier, cep), deg
