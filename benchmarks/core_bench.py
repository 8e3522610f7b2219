"""Timings of the physics core, side by side with a peer where one is installed.

Run: ``.venv/bin/python benchmarks/core_bench.py`` (not a test; < 60 s).
Prints best-of-N wall times (``time.perf_counter``) and throughput.
Peers: ``ussa1976`` (PyPI) for the atmosphere if importable; ``pymap3d``
for geodetic conversions if importable (skipped otherwise).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable

import numpy as np

from shieldlab.core.atmosphere import ussa76
from shieldlab.core.frames import ecef_to_geodetic, geodetic_to_ecef
from shieldlab.core.gravity import accel_j2
from shieldlab.core.integrate import rk4_step


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time [s] of ``repeat`` calls (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    rng = np.random.default_rng(0)
    rows: list[tuple[str, int, str, float]] = []

    h = rng.uniform(0.0, 1000e3, 1_000_000)
    rows.append(("ussa76 (T, p, rho, c)", h.size, "shieldlab", best_of(lambda: ussa76(h), 5)))
    if importlib.util.find_spec("ussa1976") is not None:
        import ussa1976

        hp = np.sort(rng.uniform(0.0, 1000e3, 10_000))
        t_peer = best_of(lambda: ussa1976.compute(z=hp, variables=["t", "p", "rho", "cs"]), 1)
        rows.append(("ussa76 (T, p, rho, c)", hp.size, "ussa1976", t_peer))
        t_small = best_of(lambda: ussa76(hp), 5)
        rows.append(("ussa76 (T, p, rho, c)", hp.size, "shieldlab", t_small))

    n = 1_000_000
    lat = rng.uniform(-np.pi / 2, np.pi / 2, n)
    lon = rng.uniform(-np.pi, np.pi, n)
    alt = rng.uniform(0.0, 2e6, n)
    r = geodetic_to_ecef(lat, lon, alt)
    rows.append(
        ("geodetic_to_ecef", n, "shieldlab", best_of(lambda: geodetic_to_ecef(lat, lon, alt), 5))
    )
    rows.append(("ecef_to_geodetic", n, "shieldlab", best_of(lambda: ecef_to_geodetic(r), 5)))
    if importlib.util.find_spec("pymap3d") is not None:
        import pymap3d

        t_fwd = best_of(lambda: pymap3d.geodetic2ecef(lat, lon, alt, deg=False), 3)
        rows.append(("geodetic_to_ecef", n, "pymap3d", t_fwd))
        t_inv = best_of(lambda: pymap3d.ecef2geodetic(*r.T, deg=False), 3)
        rows.append(("ecef_to_geodetic", n, "pymap3d", t_inv))

    rows.append(("accel_j2", n, "shieldlab", best_of(lambda: accel_j2(r), 5)))

    y = np.concatenate([r[:10_000], rng.normal(0.0, 5e3, (10_000, 3))], axis=1)

    def f(t: float, s: np.ndarray) -> np.ndarray:
        return np.concatenate([s[:, 3:], accel_j2(s[:, :3])], axis=1)

    rows.append(("rk4_step (J2, 6-state)", 10_000, "shieldlab",
                 best_of(lambda: rk4_step(f, 0.0, y, 1.0), 20)))  # fmt: skip

    print(f"{'operation':<26}{'n':>10}  {'library':<10}{'best [ms]':>12}{'M items/s':>12}")
    print("-" * 70)
    for name, size, lib, t in rows:
        print(f"{name:<26}{size:>10}  {lib:<10}{t * 1e3:>12.2f}{size / t / 1e6:>12.2f}")


if __name__ == "__main__":
    main()
