"""shieldlab's batched ballistic flight vs scipy ``solve_ivp`` one missile at a time.

Flies 1,000 mixed ballistic threats (ICBMs, SLBM, IRBM, MRBM, SRBMs at 30–90 %
of their maximum range, random launch points and azimuths, seeded) from launch
to impact with shieldlab's batched fixed-step RK4 (``fly_batch``, fine steps),
and integrates the *same* right-hand side (``boost_rhs`` per steering piece,
``coast_rhs`` after burnout; same azimuth and kick from the aim solve) one
missile at a time with ``scipy.integrate.solve_ivp`` (DOP853, terminal event
at h = 0).

Matched accuracy. A reference flight (DOP853, rtol 1e-10, atol 1e-4) of a
stratified subset (``--ref`` missiles, every type) gives each method's
impact-point error. solve_ivp's tolerance is then the loosest of rtol = 1e-4 …
1e-10 (atol = rtol × 1 km) whose largest error on the subset is within
shieldlab's largest error there: both sides answer to the same accuracy, and
solve_ivp is not made to work harder than shieldlab does.

Timing. Both fly *all* the missiles (no extrapolation from a subset), each
timed as the best of ``--repeat`` passes after an untimed pass (shieldlab's
accuracy flight, solve_ivp's tolerance search); the aim solve, shared by both,
is timed separately and not compared. Reports both times, the ratio
(solve_ivp / shieldlab), both errors against the reference, and the
impact-point differences between the two over all missiles.

Run: ``.venv/bin/python benchmarks/threats_vs_solve_ivp.py [--n 1000] [--ref 35] [--repeat 1]
[--json]``
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


REF_RTOL, REF_ATOL = 1e-10, 1e-4
"""Tolerances of the reference flights (the accuracy yardstick, never timed)."""
RTOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
"""solve_ivp tolerances tried, loosest first (atol = rtol × 1,000 m)."""


def fly_ivp(
    spec, lat, lon, az, kick, flags: PhysicsFlags, rtol: float, atol: float
) -> tuple[np.ndarray, float]:
    """One missile with solve_ivp on the same RHS; returns impact ECEF (3,) and impact τ."""
    r0, v0, up, tilt = launch_state(lat, lon, az, kick, flags)
    y = np.concatenate([r0, v0], axis=1)[0]
    ignition = np.concatenate([[0.0], np.cumsum([s.burn_time_s for s in spec.stages])])
    opts = {"method": "DOP853", "rtol": rtol, "atol": atol}
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


def fly_all_ivp(
    specs, raid, sols, flags: PhysicsFlags, idx: dict[str, np.ndarray], rtol: float, atol: float
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """solve_ivp on missiles ``idx[type]``, one at a time: impact (lat, lon) [rad] per type."""
    out = {}
    for nm, g in raid.items():
        s = sols[nm]
        la, lo = [], []
        for i in idx[nm]:
            r_ecef, _ = fly_ivp(specs[nm], g["lat"][i : i + 1], g["lon"][i : i + 1],
                                s.azimuth_rad[i : i + 1], s.kick_rad[i : i + 1], flags,
                                rtol, atol)  # fmt: skip
            a, b, _ = ecef_to_geodetic(r_ecef)
            la.append(float(np.squeeze(a)))
            lo.append(float(np.squeeze(b)))
        out[nm] = (np.array(la), np.array(lo))
    return out


def miss_m(
    a: dict[str, tuple[np.ndarray, np.ndarray]], b: dict[str, tuple[np.ndarray, np.ndarray]]
) -> np.ndarray:
    """Impact-point distances [m] between two sets of impacts of the same missiles."""
    return np.concatenate(
        [great_circle_distance_m(a[nm][0], a[nm][1], b[nm][0], b[nm][1]) for nm in a]
    )


def best_of(fn, repeat: int) -> tuple[float, object]:
    """Best wall time [s] of ``repeat`` calls (the caller has already warmed up) and a result."""
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="missiles flown by both")
    ap.add_argument("--ref", type=int, default=35, help="missiles in the accuracy reference")
    ap.add_argument("--repeat", type=int, default=1, help="timed passes of each side (best of)")
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

    def fly_shieldlab() -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for nm, g in raid.items():  # one fly_batch per type, launch to impact (fine steps)
            s = sols[nm]
            fl = fly_batch(specs[nm], g["lat"], g["lon"], s.azimuth_rad, s.kick_rad, FINE_STEPS,
                           flags)  # fmt: skip
            out[nm] = (fl.impact_lat_rad, fl.impact_lon_rad)
        return out

    # accuracy (untimed): every method against the reference on a stratified subset
    ours = fly_shieldlab()
    per_type = max(1, args.ref // len(raid))
    sub = {nm: np.arange(min(per_type, g["lat"].size)) for nm, g in raid.items()}
    ref = fly_all_ivp(specs, raid, sols, flags, sub, REF_RTOL, REF_ATOL)
    ours_sub = {nm: (ours[nm][0][sub[nm]], ours[nm][1][sub[nm]]) for nm in raid}
    err_ours = miss_m(ours_sub, ref)
    scan = []
    rtol = RTOLS[-1]
    for tol in RTOLS:  # loosest first: the first within shieldlab's error is the match
        err = miss_m(fly_all_ivp(specs, raid, sols, flags, sub, tol, tol * 1e3), ref)
        scan.append({"rtol": tol, "max_error_m": round(float(err.max()), 2),
                     "median_error_m": round(float(np.median(err)), 2)})  # fmt: skip
        if err.max() <= err_ours.max():
            rtol = tol
            break
    err_ivp = scan[-1]
    # timing: both sides fly every missile, best of --repeat
    t_ours, _ = best_of(fly_shieldlab, args.repeat)
    every = {nm: np.arange(g["lat"].size) for nm, g in raid.items()}
    t_ivp, ivp_all = best_of(
        lambda: fly_all_ivp(specs, raid, sols, flags, every, rtol, rtol * 1e3), args.repeat
    )
    assert isinstance(ivp_all, dict)
    both = miss_m(ours, ivp_all)
    n = sum(g["lat"].size for g in raid.values())
    res = {
        "missiles": n,
        "types": list(raid),
        "aim_solve_s": round(t_solve, 3),
        "repeat": args.repeat,
        "shieldlab_fly_s": round(t_ours, 3),
        "solve_ivp_fly_s": round(t_ivp, 3),
        "solve_ivp_rtol": rtol,
        "speedup": round(t_ivp / t_ours, 1),
        "reference": f"DOP853 rtol {REF_RTOL:g}, atol {REF_ATOL:g} m, {err_ours.size} missiles",
        "shieldlab_error_m": {
            "max": round(float(err_ours.max()), 2),
            "median": round(float(np.median(err_ours)), 2),
        },
        "solve_ivp_error_m": {"max": err_ivp["max_error_m"], "median": err_ivp["median_error_m"]},
        "tolerance_scan": scan,
        "impact_difference_all_m": {
            "max": round(float(both.max()), 2),
            "median": round(float(np.median(both)), 2),
        },
    }
    if args.json:
        print(json.dumps(res))
        return
    print(f"{n} mixed ballistic threats ({', '.join(raid)}), launch to impact; "
          f"both fly all {n}, best of {args.repeat}")  # fmt: skip
    print(f"{'':44s}{'time [s]':>10s}  impact error vs reference: max / median [m]")
    print(f"{'aim solve (shieldlab, shared)':44s}{t_solve:10.2f}")
    print(f"{'shieldlab batched RK4, fine steps':44s}{t_ours:10.2f}  "
          f"{err_ours.max():.1f} / {np.median(err_ours):.1f}")  # fmt: skip
    print(f"{f'solve_ivp DOP853 rtol {rtol:g}, one at a time':44s}{t_ivp:10.2f}  "
          f"{err_ivp['max_error_m']:.1f} / {err_ivp['median_error_m']:.1f}")  # fmt: skip
    print(f"{'ratio (solve_ivp / shieldlab)':44s}{t_ivp / t_ours:9.1f}x")
    print(f"reference: {res['reference']}; solve_ivp's tolerance is the loosest within "
          f"shieldlab's largest error (matched accuracy)")  # fmt: skip
    print(f"impact-point difference between the two, all {n}: max {both.max():.1f} m, "
          f"median {np.median(both):.1f} m")  # fmt: skip


if __name__ == "__main__":
    main()
