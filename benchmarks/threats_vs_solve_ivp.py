"""shieldlab's batched ballistic flight vs scipy ``solve_ivp`` one missile at a time.

Flies 1,000 mixed ballistic threats (ICBMs, SLBM, IRBM, MRBM, SRBMs at 30–90 %
of their maximum range, random launch points and azimuths, seeded) from launch
to impact with shieldlab's batched fixed-step RK4 (``fly_batch``, fine steps),
and integrates the *same* right-hand side (``boost_rhs`` per steering piece,
``coast_rhs`` after burnout; same azimuth and kick from the aim solve) one
missile at a time with ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10,
atol 1e-4 m, terminal event at h = 0). solve_ivp flies a stratified subset
(``--ivp N``, default 50) and its time is scaled per missile to 1,000 — the
output says so. Reports both times, the ratio and the largest impact-point
difference between the two. The aim solve itself is timed separately.

Run: ``.venv/bin/python benchmarks/threats_vs_solve_ivp.py [--n 1000] [--ivp 50] [--json]``
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.integrate import solve_ivp

from shieldlab.core.constants import WGS84_OMEGA_RAD_S
from shieldlab.core.frames import (
    destination_point,
    ecef_to_geodetic,
    eci_to_ecef,
    great_circle_distance_m,
)
from shieldlab.threats import load_threat_specs, scan_range, solve_aim
from shieldlab.threats.ballistic import (
    FINE_STEPS,
    PhysicsFlags,
    _boost_intervals,
    boost_rhs,
    coast_rhs,
    fly_batch,
    launch_state,
)

TYPES = (
    "generic-solid-icbm",
    "generic-liquid-icbm",
    "generic-slbm",
    "generic-irbm",
    "generic-mrbm",
    "generic-srbm-liquid",
    "generic-srbm-solid",
)


def make_raid(n: int, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """n launches split over TYPES: launch point, azimuth, range 30–90 % of max range."""
    specs = load_threat_specs()
    counts = np.bincount(np.arange(n) % len(TYPES), minlength=len(TYPES))
    out = {}
    for name, k in zip(TYPES, counts, strict=True):
        lat = np.radians(rng.uniform(20.0, 55.0, k))
        lon = np.radians(rng.uniform(40.0, 140.0, k))
        az = np.radians(rng.uniform(0.0, 360.0, k))
        _, _, dmax, _ = scan_range(specs[name], lat, lon, az)
        rng_m = rng.uniform(0.3, 0.9, k) * dmax
        alat, alon = destination_point(lat, lon, az, rng_m)
        out[name] = {"lat": lat, "lon": lon, "alat": alat, "alon": alon}
    return out


def fly_ivp(spec, lat, lon, az, kick, flags: PhysicsFlags) -> tuple[np.ndarray, float]:
    """One missile with solve_ivp on the same RHS; returns impact ECEF (3,) and impact τ."""
    r0, v0, up, tilt = launch_state(lat, lon, az, kick, flags)
    y = np.concatenate([r0, v0], axis=1)[0]
    ignition = np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in spec.stages])])
    opts = {"method": "DOP853", "rtol": 1e-10, "atol": 1e-4}
    for a, b, k, mode in _boost_intervals(spec):
        steer = up if mode == "vertical" else tilt if mode == "kick" else None
        f = boost_rhs(spec, k, float(ignition[k]), steer, flags)
        sol = solve_ivp(lambda t, yy, f=f: f(t, yy[None, :])[0], (a, b), y, **opts)
        y = sol.y[:, -1]
    fc = coast_rhs(spec.rv_beta_kg_m2, flags)

    def hit(t: float, yy: np.ndarray) -> float:
        return float(ecef_to_geodetic(yy[:3])[2])

    hit.terminal = True  # type: ignore[attr-defined]
    hit.direction = -1  # type: ignore[attr-defined]
    sol = solve_ivp(lambda t, yy: fc(t, yy[None, :])[0], (ignition[-1], ignition[-1] + 8000.0),
                    y, events=hit, **opts)  # fmt: skip
    tau = float(sol.t_events[0][0])
    r = sol.y_events[0][0][:3]
    return eci_to_ecef(r, WGS84_OMEGA_RAD_S * tau), tau


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="missiles flown by shieldlab")
    ap.add_argument("--ivp", type=int, default=50, help="missiles flown by solve_ivp")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    specs = load_threat_specs()
    flags = PhysicsFlags()
    raid = make_raid(args.n, rng)
    t0 = time.perf_counter()
    sols = {
        nm: solve_aim(specs[nm], g["lat"], g["lon"], g["alat"], g["alon"]) for nm, g in raid.items()
    }
    t_solve = time.perf_counter() - t0
    # shieldlab: the whole batch, one fly_batch per type, launch to impact (fine steps)
    t0 = time.perf_counter()
    flights = {
        nm: fly_batch(
            specs[nm],
            g["lat"],
            g["lon"],
            sols[nm].azimuth_rad,
            sols[nm].kick_rad,
            FINE_STEPS,
            flags,
        )
        for nm, g in raid.items()
    }
    t_batch = time.perf_counter() - t0
    # solve_ivp on a stratified subset, one missile at a time
    per_type = max(1, args.ivp // len(raid))
    diffs, n_ivp = [], 0
    worst: dict[str, float] = {}
    t0 = time.perf_counter()
    for nm, g in raid.items():
        s, fl = sols[nm], flights[nm]
        for i in range(min(per_type, g["lat"].size)):
            r_ecef, _ = fly_ivp(specs[nm], g["lat"][i : i + 1], g["lon"][i : i + 1],
                                s.azimuth_rad[i : i + 1], s.kick_rad[i : i + 1], flags)  # fmt: skip
            la, lo, _ = ecef_to_geodetic(r_ecef)
            diffs.append(
                float(great_circle_distance_m(la, lo, fl.impact_lat_rad[i], fl.impact_lon_rad[i]))
            )
            worst[nm] = max(worst.get(nm, 0.0), diffs[-1])
            n_ivp += 1
    t_ivp_sub = time.perf_counter() - t0
    n = sum(g["lat"].size for g in raid.values())
    t_ivp = t_ivp_sub / n_ivp * n
    ok = int(sum(int(fl.ok.sum()) for fl in flights.values()))
    res = {
        "missiles": n,
        "types": list(raid),
        "flown_ok": ok,
        "aim_solve_s": round(t_solve, 3),
        "shieldlab_fly_s": round(t_batch, 3),
        "solve_ivp_missiles_flown": n_ivp,
        "solve_ivp_s_measured": round(t_ivp_sub, 3),
        "solve_ivp_s_scaled_to_all": round(t_ivp, 3),
        "speedup": round(t_ivp / t_batch, 1),
        "max_impact_difference_m": round(max(diffs), 2),
        "median_impact_difference_m": round(float(np.median(diffs)), 2),
        "max_impact_difference_by_type_m": {k: round(v, 2) for k, v in worst.items()},
        "note": f"solve_ivp flew {n_ivp} of {n} missiles; its time is scaled per missile to {n}",
    }
    if args.json:
        print(json.dumps(res))
        return
    print(f"{n} mixed ballistic threats ({', '.join(raid)}), launch to impact")
    print(f"{'':34s}{'time [s]':>12s}")
    print(f"{'aim solve (shieldlab, not compared)':34s}{t_solve:12.2f}")
    print(f"{'shieldlab batched RK4 (all)':34s}{t_batch:12.2f}")
    print(f"{'solve_ivp DOP853, one at a time':34s}{t_ivp:12.2f}   (scaled from {n_ivp} missiles)")
    print(f"{'speed-up':34s}{t_ivp / t_batch:11.1f}x   (goal >= 50x)")
    print(f"impact-point difference: max {max(diffs):.1f} m, median {np.median(diffs):.1f} m")
    print(res["note"])


if __name__ == "__main__":
    main()
