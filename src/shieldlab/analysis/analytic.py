"""Fast analytic layered-defense model, vectorised over architectures and raids.

One evaluation takes a raid (lethal objects and decoys in G *groups*: objects
of one class, launch area and target) through L defeat layers in engagement
order and returns the expected leakers, P(no leaker) and the expected value
lost per defended asset. Every array broadcasts to (A, R, G, L): A candidate
architectures × R raids × G groups × L layers, so one call evaluates a whole
trade space (``benchmarks/plan_bench.py`` measures evaluations per second).

Per layer l and group g (expected values; objects independent):

* **Attrition layers** (left of launch, EW/cyber): each lethal object is
  removed with probability ``attrition``.
* **Boost layer** (space-based interceptors): K carriers in reach of a launch
  are Poisson with mean λ = N_sbi · f_reach (the absentee ratio, f_reach from
  :mod:`shieldlab.weapons.sbi_sizing`'s geometry); m launches of one salvo
  window share them, each wanting n shots, so the engaged fraction is
  E[min(K, m n)] / (m n) = Σ_{j<mn} P(K > j) / (m n). A kill removes every
  object the launch carries (MIRV: the group's objects per launch).
* **Interceptor layers**: an object inside the layer's engagement window
  (``reach``, from the engine's envelopes and timelines) is engaged with
  probability ``p_engage`` (a fire-control-quality track in time: custody and
  discrimination of the lethal object); a decoy in the window draws a shot
  with probability ``p_decoy``. Each engagement fires n shots of single-shot
  Pk p: one look kills with 1 − q, q = (1 − p)ⁿ. With m looks
  (shoot-look-shoot) and kill assessment correct with probability k, a live
  object is re-engaged when assessed alive (k) and leaks from the layer when
  assessed dead (1 − k); a dead object assessed alive (1 − k) draws another
  salvo. Survival of the layer after m looks: S₁ = q, S_j = q (1 − k + k S_{j−1}).
  With k = 1 this is the closed form (1 − p)^{n m} (Wilkening 2000).
* **Inventory and saturation**: the shots a layer would fire at the raid
  (lethal and decoys, expected looks included) are compared with its rounds
  left and the engagements with its capacity (fire channels × windows); when
  short, every group is engaged in the same proportion (a pro-rata
  allocation: the engine's value-weighted assignment is not modelled) and
  the rounds are spent.

Leak probability of an object: P_leak = Π_l (1 − e_l (1 − S_l)) with e_l the
engaged probability; expected leakers Σ_g N_g P_leak,g; P(no leaker) =
Π_g (1 − P_leak,g)^{N_g}; value lost Σ_g N_g P_leak,g v_g, by target asset.

The salvo-only, unlimited case reduces to Π_l (1 − p_l)^{n_l} per object and
(1 − P_leak)^N for N objects (:mod:`.layered`, checked in tests).

Sources: D. Wilkening, "A Simple Model for Calculating Ballistic Missile
Defense Effectiveness", Science & Global Security 8 (2000) 183–215; APS,
"Ballistic Missile Defense: Threats and Challenges" (2022) ch. 4 (inventory
and decoy arithmetic); G. Canavan, "Missile Defense for the 21st Century"
(2003) (absentee ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaincc

F64 = NDArray[np.float64]

KIND_INTERCEPTOR, KIND_BOOST, KIND_ATTRITION = 0, 1, 2
KIND_NAMES = {KIND_INTERCEPTOR: "interceptor", KIND_BOOST: "boost", KIND_ATTRITION: "attrition"}
MAX_LOOKS = 4
"""Shoot-look-shoot opportunities counted at most (more change nothing visible)."""


@dataclass(frozen=True)
class ModelInputs:
    """Everything one vectorised evaluation needs (broadcast to (A, R, G, L) or a sub-shape).

    Raid (A, R, G): ``lethal`` objects per group, ``decoys`` per group,
    ``per_launch`` objects per launch (MIRV warheads), ``simultaneous`` launches
    sharing one boost window. Groups (G,): ``value`` of the target asset,
    ``asset`` its index (K assets). Layers (L,): ``kind``
    (``KIND_*``). Per layer and group (A, R, G, L): ``reach`` (fraction of the
    group's objects in the window), ``looks``, ``pk``, ``shots``,
    ``p_engage``, ``p_decoy``, ``p_ka``, ``attrition``, ``f_reach`` (boost:
    fraction of the constellation in reach of one launch). Per layer (A, L):
    ``rounds`` (inventory; inf = unlimited), ``capacity`` (engagements per raid),
    ``carriers`` (boost constellation size).
    """

    lethal: F64
    decoys: F64
    per_launch: F64
    simultaneous: F64
    value: F64
    asset: NDArray[np.int64]
    n_assets: int
    kind: NDArray[np.int64]
    reach: F64
    looks: F64
    pk: F64
    shots: F64
    p_engage: F64
    p_decoy: F64
    p_ka: F64
    attrition: F64
    f_reach: F64
    rounds: F64
    capacity: F64
    carriers: F64


@dataclass(frozen=True)
class Outcome:
    """Expected outcome per architecture and raid (A, R): leakers, P(no leaker),
    value lost; ``value_by_asset`` (A, R, K); per layer (A, R, L): ``kills``
    (lethal objects), ``shots`` fired, ``short`` (1 − fraction engaged for lack of
    rounds or channels: 0 = not saturated)."""

    leakers: F64
    p_no_leaker: F64
    value_lost: F64
    value_by_asset: F64
    kills: F64
    shots: F64
    short: F64
    leak_by_group: F64


def _look_survival(q: F64, k: F64, looks: F64) -> tuple[F64, F64]:
    """(survival of a live engaged object, expected salvos fired at it) over the looks.

    State: a alive and believed alive, d dead but believed alive (both engaged at
    the next look). ``looks`` ≥ 1 (integers, broadcast); evaluated up to MAX_LOOKS.
    """
    alive = np.ones_like(q)
    dead_b = np.zeros_like(q)
    leak = np.zeros_like(q)
    salvos = np.zeros_like(q)
    m = np.clip(np.rint(looks), 1, MAX_LOOKS)
    for j in range(1, MAX_LOOKS + 1):
        on = m >= j
        engaged = np.where(on, alive + dead_b, 0.0)
        salvos = salvos + engaged
        last = m == j
        surv = alive * q
        # the last look: a survivor leaks; earlier: a survivor assessed dead leaks
        leak = leak + np.where(on, np.where(last, surv, surv * (1.0 - k)), 0.0)
        new_alive = surv * k
        new_dead = alive * (1.0 - q) * (1.0 - k) + dead_b * (1.0 - k)
        alive = np.where(on & ~last, new_alive, 0.0)
        dead_b = np.where(on & ~last, new_dead, 0.0)
    return leak, salvos


def _interceptor_layer(
    lethal: F64,
    decoys: F64,
    reach: F64,
    p_engage: F64,
    p_decoy: F64,
    q: F64,
    n: F64,
    p_ka: F64,
    looks: F64,
    rounds: F64,
    capacity: F64,
) -> tuple[F64, F64, F64]:
    """One interceptor layer (A, R, G): (leak probability per object, shots fired (A, R),
    fraction of the first salvos not fired for lack of rounds or channels (A, R)).

    Rounds go to first salvos before re-engagements: when the rounds cover every first
    salvo, the rest buys the shoot-look-shoot salvos in proportion; when they do not,
    a pro-rata share of the objects gets one salvo and no look.
    """
    survive_m, salvos = _look_survival(q, p_ka, looks)
    p_eng = reach * p_engage
    p_dec = reach * p_decoy
    first = np.sum(lethal * p_eng * n + decoys * p_dec * n, axis=-1)
    extra = np.sum(lethal * p_eng * (salvos - 1.0) * n, axis=-1)
    want_eng = np.sum(lethal * p_eng + decoys * p_dec, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_first = np.where(first > 0, np.minimum(1.0, rounds / first), 1.0)
        f_cap = np.where(want_eng > 0, np.minimum(1.0, capacity / want_eng), 1.0)
        f_first = np.minimum(f_first, f_cap)
        left = np.maximum(rounds - first * f_first, 0.0)
        f_extra = np.where(
            (extra > 0) & (f_first >= 1.0), np.minimum(1.0, left / np.maximum(extra, 1e-300)), 0.0
        )
    fe, fx = f_first[..., None], f_extra[..., None]
    survive = fx * survive_m + (1.0 - fx) * q
    layer_leak = 1.0 - p_eng * fe * (1.0 - survive)
    fired = first * f_first + extra * f_extra
    return layer_leak, fired, 1.0 - f_first


def poisson_engaged_fraction(lam: F64, demand: F64) -> F64:
    """E[min(K, D)] / D for K ~ Poisson(λ), D ≥ 1 whole.

    E[min(K, D)] = Σ_{k<D} k P(K=k) + D P(K ≥ D) = λ F(D − 2) + D (1 − F(D − 1)),
    with F(j) = P(K ≤ j) = Q(j + 1, λ) the regularized upper gamma (``gammaincc``)
    and F(−1) = 0 (k P(K=k) = λ P(K=k−1)).
    """
    lam = np.asarray(lam, dtype=np.float64)
    d = np.maximum(np.rint(np.asarray(demand, dtype=np.float64)), 1.0)
    f_dm2 = np.where(d >= 2.0, gammaincc(np.maximum(d - 1.0, 1.0), lam), 0.0)
    f_dm1 = gammaincc(d, lam)
    return np.asarray((lam * f_dm2 + d * (1.0 - f_dm1)) / d)


def evaluate(m: ModelInputs) -> Outcome:
    """Run the raid through the layers (module docstring); shapes (A, R, …)."""
    lethal0 = np.asarray(m.lethal, dtype=np.float64)
    n_l = m.kind.size
    a_r_g = np.broadcast_shapes(
        lethal0.shape,
        np.shape(m.reach)[:-1],
        np.shape(m.pk)[:-1],
        np.shape(m.decoys),
        (np.shape(m.rounds)[0], 1, 1),
        (np.shape(m.carriers)[0], 1, 1),
        (np.shape(m.capacity)[0], 1, 1),
    )
    if len(a_r_g) != 3:
        raise ValueError(f"inputs must broadcast to (A, R, G, L), got (…)={a_r_g}")
    a, r, _g = a_r_g

    def per(x: F64, l_i: int) -> F64:
        return np.broadcast_to(np.asarray(x)[..., l_i], a_r_g)

    def lay(x: F64, l_i: int) -> F64:
        return np.broadcast_to(np.asarray(x)[..., l_i].reshape(-1, 1, 1), (a, 1, 1))

    lethal = np.broadcast_to(lethal0, a_r_g).copy()
    decoys = np.broadcast_to(np.asarray(m.decoys, np.float64), a_r_g).copy()
    p_leak = np.ones(a_r_g)
    kills = np.zeros((a, r, n_l))
    shots_out = np.zeros((a, r, n_l))
    short = np.zeros((a, r, n_l))
    per_launch = np.broadcast_to(np.asarray(m.per_launch, np.float64), a_r_g)
    for l_i in range(n_l):
        kind = int(m.kind[l_i])
        if kind == KIND_ATTRITION:
            removed = per(m.attrition, l_i)
            kills[..., l_i] = np.sum(lethal * removed, axis=-1)
            lethal = lethal * (1.0 - removed)
            p_leak = p_leak * (1.0 - removed)
            continue
        reach = per(m.reach, l_i)
        n = np.maximum(np.rint(per(m.shots, l_i)), 1.0)
        q = (1.0 - per(m.pk, l_i)) ** n
        if kind == KIND_BOOST:
            simult = np.maximum(np.broadcast_to(np.asarray(m.simultaneous), a_r_g), 1.0)
            lam = lay(m.carriers, l_i) * per(m.f_reach, l_i)
            frac = poisson_engaged_fraction(lam, np.ceil(simult) * n)
            engaged = reach * per(m.p_engage, l_i) * frac
            layer_leak = 1.0 - engaged * (1.0 - q)
            launches = lethal / np.maximum(per_launch, 1.0)
            shots_out[..., l_i] = np.sum(launches * engaged * n, axis=-1)
            short[..., l_i] = 1.0 - np.mean(frac, axis=-1)
        else:
            layer_leak, fired, lack = _interceptor_layer(
                lethal,
                decoys,
                reach,
                per(m.p_engage, l_i),
                per(m.p_decoy, l_i),
                q,
                n,
                per(m.p_ka, l_i),
                per(m.looks, l_i),
                lay(m.rounds, l_i)[..., 0],
                lay(m.capacity, l_i)[..., 0],
            )
            shots_out[..., l_i] = fired
            short[..., l_i] = lack
        kills[..., l_i] = np.sum(lethal * (1.0 - layer_leak), axis=-1)
        lethal = lethal * layer_leak
        p_leak = p_leak * layer_leak
    n0 = np.broadcast_to(lethal0, a_r_g)
    leak_g = n0 * p_leak
    with np.errstate(divide="ignore"):
        log_ok = np.sum(n0 * np.log1p(-np.minimum(p_leak, 1.0 - 1e-300)), axis=-1)
    p_none = np.where(np.all((p_leak < 1.0) | (n0 == 0), axis=-1), np.exp(log_ok), 0.0)
    value = np.asarray(m.value, np.float64)
    by_asset = np.zeros((a, r, m.n_assets))
    for k in np.unique(np.asarray(m.asset)).tolist():  # assets: a few dozen
        by_asset[..., k] = np.sum((leak_g * value)[..., np.asarray(m.asset) == k], axis=-1)
    return Outcome(
        leakers=np.sum(leak_g, axis=-1),
        p_no_leaker=p_none,
        value_lost=np.sum(leak_g * value, axis=-1),
        value_by_asset=by_asset,
        kills=kills,
        shots=shots_out,
        short=short,
        leak_by_group=p_leak,
    )


__all__ = [
    "KIND_ATTRITION",
    "KIND_BOOST",
    "KIND_INTERCEPTOR",
    "ModelInputs",
    "Outcome",
    "evaluate",
    "poisson_engaged_fraction",
]
