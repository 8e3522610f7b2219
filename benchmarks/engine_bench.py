"""Engine timings on the flagship scenario: truth build and Monte Carlo throughput.

Run: ``.venv/bin/python benchmarks/engine_bench.py [--trials N]`` (not a test).
Prints one table: threats, world build [s], seconds per trial on one worker,
and trials per second on all workers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from shieldlab.scenario import parse_scenario
from shieldlab.sim.montecarlo import default_workers, run_trials
from shieldlab.sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=8)
    args = ap.parse_args()
    text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    workers = default_workers()
    print(f"{'threats':>8} {'world_s':>9} {'s/trial (1 worker)':>19} {'trials/s':>9} workers")
    for count in (3, 10, 30):
        loaded = parse_scenario(
            text.replace("count: 10", f"count: {count}").replace("inventory: 40", "inventory: 200")
        )
        t0 = time.perf_counter()
        world = build_world(loaded)
        t_world = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_trials(world, 2, workers=1)
        per_trial = (time.perf_counter() - t0) / 2
        t0 = time.perf_counter()
        run_trials(world, args.trials, workers=workers)
        rate = args.trials / (time.perf_counter() - t0)
        print(f"{count:>8} {t_world:>9.2f} {per_trial:>19.2f} {rate:>9.2f} {workers}")


if __name__ == "__main__":
    main()
