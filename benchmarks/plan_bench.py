"""Speed of the analytic layered-defense model: architecture × raid evaluations per second.

Run: ``.venv/bin/python benchmarks/plan_bench.py [--scenario FILE] [--json]``
(not a test; one core: numpy's elementwise work is single-threaded, and the
BLAS threads are pinned to 1 below). The scenario's geometry is built once
(not timed); then A random architectures (rounds and SBI carriers per layer
drawn between 0 and 4× the scenario's) × R raids (sizes 0.5× to 20× the
scenario's raid) are evaluated in one vectorised call of
:func:`shieldlab.analysis.analytic.evaluate`, repeated, best of 5. The
comparison is the same model called once per architecture × raid pair (the
same inputs, the same work, the same repeats): the ratio is what
vectorising over the trade space buys. The requirement of the plan is at
least 10,000 evaluations per second.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from pathlib import Path

import numpy as np

from shieldlab.analysis.analytic import evaluate
from shieldlab.analysis.scenario_model import build_model

ROOT = Path(__file__).resolve().parents[1]


def _best(fn: object, repeats: int = 5) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "layered-defense.yaml"))
    ap.add_argument("--architectures", type=int, default=2000)
    ap.add_argument("--raids", type=int, default=10)
    ap.add_argument("--loop-pairs", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    model = build_model(args.scenario)
    rng = np.random.default_rng(0)
    n_l = len(model.layers)
    base_r = np.array([x.rounds for x in model.layers])
    base_c = np.array([x.carriers for x in model.layers])
    a, r = args.architectures, args.raids
    rounds = np.where(np.isfinite(base_r), base_r * rng.uniform(0, 4, (a, n_l)), np.inf)
    carriers = base_c * rng.uniform(0, 4, (a, n_l))
    scale = np.geomspace(0.5, 20.0, r)
    vec = _best(lambda: evaluate(model.inputs(scale, rounds=rounds, carriers=carriers)))
    k = args.loop_pairs
    pairs = [(i % a, i % r) for i in range(k)]

    def loop() -> None:
        for i, j in pairs:
            evaluate(
                model.inputs(
                    scale[j : j + 1], rounds=rounds[i : i + 1], carriers=carriers[i : i + 1]
                )
            )

    per = _best(loop) / k
    res = {
        "scenario": model.name,
        "groups": int(model.asset.size),
        "layers": n_l,
        "architectures": a,
        "raids": r,
        "vectorised_evals_per_s": a * r / vec,
        "one_at_a_time_evals_per_s": 1.0 / per,
        "speedup": (a * r / vec) * per,
        "requirement_evals_per_s": 10_000,
    }
    if args.json:
        print(json.dumps(res))
        return
    print(f"{model.name}: {res['groups']} groups x {n_l} layers, one core")
    vec_s, one_s = res["vectorised_evals_per_s"], res["one_at_a_time_evals_per_s"]
    print(f"  vectorised ({a} architectures x {r} raids): {vec_s:>12,.0f} evals/s")
    print(f"  one pair per call ({k} pairs):            {one_s:>12,.0f} evals/s")
    print(f"  ratio: {res['speedup']:.0f}x (requirement: >= 10,000 evals/s)")


if __name__ == "__main__":
    main()
