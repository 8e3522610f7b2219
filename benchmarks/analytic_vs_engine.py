"""The analytic layered-defense model against the engine on every shipped scenario.

Run: ``.venv/bin/python benchmarks/analytic_vs_engine.py [--trials N] [--only FILE] [--write]``
(not a test). For each ``scenarios/*.yaml``: the engine's Monte Carlo (the
scenario's own trials and seed unless ``--trials``) and the analytic model
(:mod:`shieldlab.analysis.scenario_model`, the same raid) side by side —
expected leakers with the engine's 95 % interval, P(no leaker), value lost —
and whether they agree by the plan's rule (inside the interval, or within
20 % + 0.2 leakers). ``--write`` stores the engine's numbers in
``tests/analysis/data/engine_reference.json`` with each scenario's SHA-256,
which ``tests/analysis/test_analytic_vs_engine.py`` checks the model against
(the test fails when a scenario changes without a new reference). ``--only`` (repeatable,
a file name such as ``theater-pacific.yaml``) runs those scenarios and, with
``--write``, replaces only their entries. A stored entry with ``pending`` (the
reason the engine has no reference yet: ``peer-raid.yaml``'s trial cost) is
kept and skipped unless named with ``--only``. A stored ``known_gap`` (groups
where the engine and the model differ for a reason a doc explains, e.g.
``theater-pacific.yaml``) is kept when the entry is rewritten; the "rest"
column is the model with those groups' leakers replaced by the engine's, which
must agree.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from shieldlab import __version__
from shieldlab.analysis.analytic import evaluate
from shieldlab.analysis.confirm import agree, gap_leakers, simulate
from shieldlab.analysis.scenario_model import build_model
from shieldlab.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "analysis" / "data" / "engine_reference.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--only", action="append", default=[], help="scenario file name")
    args = ap.parse_args()
    stored = json.loads(REFERENCE.read_text(encoding="utf-8"))["scenarios"]
    # an entry with `pending` (why the engine has no reference yet, e.g. peer-raid's
    # trial cost) is kept and skipped unless named with --only
    pending = {k: v for k, v in stored.items() if v.get("pending")}
    rows = stored if args.only else dict(pending)
    print(f"{'scenario':<18} {'analytic':>9} {'engine':>7} {'95 % CI':>13} {'trials':>6} agree")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        if (args.only and path.name not in args.only) or (not args.only and path.name in pending):
            continue
        loaded = load_scenario(path)
        t0 = time.perf_counter()
        model = build_model(loaded)
        out = evaluate(model.inputs())
        t_model = time.perf_counter() - t0
        sim = simulate(loaded, args.trials or loaded.scenario.trials)
        a = float(out.leakers[0, 0])
        lo, hi = sim["leakers_ci95"]
        ok = agree(a, sim)
        print(
            f"{loaded.scenario.name:<18} {a:>9.2f} {sim['leakers']:>7.2f} "
            f"{lo:>6.2f}–{hi:<6.2f} {sim['trials']:>6} {'yes' if ok else 'NO'}"
        )
        gap = stored.get(path.name, {}).get("known_gap")  # read before rows replaces it
        rows[path.name] = {"sha256": loaded.sha256, "engine": sim}
        if gap:
            rows[path.name]["known_gap"] = gap
            lbg = out.leak_by_group.reshape(-1, len(model.threat))[0]
            g_a, g_e = gap_leakers(model, lbg, sim, gap["groups"])
            rest = a - g_a + g_e
            print(
                f"{'':<18} known gap ({', '.join(gap['groups'])}): model {g_a:.2f}, "
                f"engine {g_e:.2f}; the rest agrees: {'yes' if agree(rest, sim) else 'NO'}"
            )
        print(f"{'':<18} model built in {t_model:.1f} s")
    if args.write:
        REFERENCE.write_text(
            json.dumps({"shieldlab": __version__, "scenarios": rows}, indent=1) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {REFERENCE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
