"""Counter-based random draws: the draw of item ``c`` is a function of (key, c) only.

A sensor frame of a LEO constellation pairs every satellite with every object
(a million pairs), but only the few per cent in range can detect anything.
Drawing a uniform and two normals for every pair from a sequential generator
keeps the draws of a pair independent of what the other pairs do (common
random numbers) but costs the whole matrix; drawing only for the pairs in range
from a sequential generator would shift every later pair's draw when one pair
comes into range. A counter-based generator (Salmon, Moraes, Dror, Shaw,
"Parallel random numbers: as easy as 1, 2, 3", SC'11) has both: the draw of
pair c is ``mix(key + c · γ)`` whatever else is drawn, so only the pairs that
need one are computed.

The mix is SplitMix64's output function (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014; γ = 0x9E3779B97F4A7C15, the
odd 64-bit golden-ratio constant): state = key + c · γ (mod 2⁶⁴), then
z ← (z ⊕ z≫30)·0xBF58476D1CE4E5B9, z ← (z ⊕ z≫27)·0x94D049BB133111EB,
z ⊕ z≫31 — a bijection of the state, so distinct counters give distinct
64-bit outputs, and for consecutive counters the sequence is SplitMix64's
(which passes BigCrush). Uniforms are the top 53 bits × 2⁻⁵³ in [0, 1);
normals are Box–Muller pairs of two uniforms of independent keys.

The keys come from the trial's own ``numpy`` stream (one draw of a few 64-bit
integers per frame), so results stay a function of scenario, seed and trial.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab.core.jit import kernel

F64 = NDArray[np.float64]
U64 = NDArray[np.uint64]

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 2.0**-53


@kernel
def _mix(z: np.uint64) -> np.uint64:
    """SplitMix64's output function of one 64-bit state."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel
def _uniform_rows(key: np.uint64, counter: U64, out: F64) -> None:
    for i in range(counter.size):
        out[i] = float(_mix(key + counter[i] * GOLDEN_GAMMA) >> _S11) * _TWO_M53


@kernel
def _normal_rows(key_a: np.uint64, key_b: np.uint64, counter: U64, out: F64) -> None:
    two_pi = 2.0 * math.pi
    for i in range(counter.size):
        s = counter[i] * GOLDEN_GAMMA
        u1 = (float(_mix(key_a + s) >> _S11) + 1.0) * _TWO_M53  # (0, 1]: log finite
        u2 = float(_mix(key_b + s) >> _S11) * _TWO_M53
        rad = math.sqrt(-2.0 * math.log(u1))
        out[i, 0] = rad * math.cos(two_pi * u2)
        out[i, 1] = rad * math.sin(two_pi * u2)


def keys(rng: np.random.Generator, k: int) -> U64:
    """``k`` 64-bit keys drawn from ``rng`` (one call: ``k`` raw integers)."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=k, dtype=np.uint64, endpoint=True)


def counters(row: ArrayLike, col: ArrayLike) -> U64:
    """The counter of item (row, col) of a matrix: row · 2³² + col (0 ≤ col < 2³²)."""
    r = np.asarray(row, dtype=np.uint64)
    c = np.asarray(col, dtype=np.uint64)
    return np.ascontiguousarray((r << np.uint64(32)) | c)


def uniforms(key: np.uint64, counter: U64) -> F64:
    """Uniforms in [0, 1) (k,) of the items ``counter (k,)`` under ``key``."""
    c = np.ascontiguousarray(counter, dtype=np.uint64)
    out = np.empty(c.size)
    _uniform_rows(np.uint64(key), c, out)
    return out


def normals(key_a: np.uint64, key_b: np.uint64, counter: U64) -> F64:
    """Two independent standard normals (k, 2) per item of ``counter (k,)`` (Box–Muller
    of the uniforms under ``key_a`` and ``key_b``, two different keys)."""
    c = np.ascontiguousarray(counter, dtype=np.uint64)
    out = np.empty((c.size, 2))
    _normal_rows(np.uint64(key_a), np.uint64(key_b), c, out)
    return out
