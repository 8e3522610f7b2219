"""Static WTA solver on the Andersen-Pavlikov-Toffolo instances, beside the best known values.

Run: ``.venv/bin/python benchmarks/wta_bench.py [--time-limit S] [--json] [--data DIR]``
(not a test; about 9 × S seconds). Instances: ``../shared/data/wta/wta_{W}x{T}x{mu}.txt``
(read in place, never copied here).

Best known objective: the lowest upper bound (incumbent) over all approaches
in the authors' published run log, ``logs/results.csv`` of github.com/tuliotoffolo/wta
(Andersen, Pavlikov & Toffolo, Ann. Oper. Res. 2022, doi 10.1007/s10479-022-04525-6;
CPLEX, up to 7200 s per run). "best LB" is the highest lower bound in that log
(proven only for their linearisation tolerance delta, so shown for context).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from shieldlab.battle.wta import read_wta_instance, solve_wta

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "wta"

# instance: (best known objective = min UB, best LB) from tuliotoffolo/wta logs/results.csv
PUBLISHED: dict[str, tuple[float, float]] = {
    "50x100x1": (1734.302257, 1734.302278),
    "50x100x2": (123.838359, 123.838406),
    "50x100x3": (20.589861, 20.587974),
    "100x200x1": (2862.302609, 2862.234768),
    "100x200x2": (116.057161, 116.045985),
    "100x200x3": (14.579133, 14.549077),
    "200x400x1": (4970.363244, 4970.172084),
    "200x400x2": (115.447021, 115.406346),
    "200x400x3": (10.577367, 10.507078),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=55.0, help="per instance [s]")
    ap.add_argument("--json", action="store_true", help="one JSON object")
    ap.add_argument("--data", type=Path, default=DATA, help="instance folder")
    args = ap.parse_args()
    rows: list[dict[str, object]] = []
    for name in PUBLISHED:
        path = args.data / f"wta_{name}.txt"
        if not path.is_file():
            continue
        t0 = time.perf_counter()
        problem = read_wta_instance(path)
        sol = solve_wta(problem, "auto", time_limit_s=args.time_limit)
        seconds = time.perf_counter() - t0
        best, best_lb = PUBLISHED[name]
        w, t, mu = (int(s) for s in name.split("x"))
        rows.append(
            {
                "instance": name,
                "W": w,
                "T": t,
                "mu": mu,
                "objective": sol.objective,
                "lower_bound": sol.lower_bound if sol.lower_bound == sol.lower_bound else None,
                "gap_pct": 100 * sol.gap if sol.gap == sol.gap else None,
                "seconds": seconds,
                "best_known": best,
                "best_known_lb": best_lb,
                "vs_best_pct": 100 * (sol.objective / best - 1.0),
            }
        )
        if not args.json:
            r = rows[-1]
            lb = f"{sol.lower_bound:12.4f}" if r["lower_bound"] is not None else f"{'none':>12}"
            gap = f"{r['gap_pct']:7.2f}" if r["gap_pct"] is not None else f"{'n/a':>7}"
            if len(rows) == 1:
                print(
                    f"{'instance':<10} {'W':>4} {'T':>4} {'mu':>2} {'objective':>12} "
                    f"{'lower bd':>12} {'gap %':>7} {'s':>6} {'best known':>12} {'vs best %':>9}"
                )
            print(
                f"{name:<10} {w:>4} {t:>4} {mu:>2} {sol.objective:12.4f} {lb} {gap} "
                f"{seconds:6.1f} {best:12.4f} {r['vs_best_pct']:9.2f}",
                flush=True,
            )
    if args.json:
        print(json.dumps({"time_limit_s": args.time_limit, "instances": rows}))


if __name__ == "__main__":
    main()
