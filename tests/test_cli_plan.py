"""`shieldlab plan` and `shieldlab optimize` as a user meets them (a small plan: one tier,
one variable, a tiny NSGA-II), and their bad input: one line, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "analysis" / "data" / "plan-small.yaml"
runner = CliRunner()
KEYS = (
    "threat_assessment",
    "reference_architecture",
    "requirements",
    "implementation_plan",
    "funding_plan",
    "prioritized_locations",
    "pareto",
    "confirmation",
)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("plan") / "plan.html"
    res = runner.invoke(app, ["plan", str(SMALL), "--json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout), out


def test_plan_json_has_the_six_deliverables(planned: tuple[dict[str, Any], Path]) -> None:
    d, _ = planned
    for k in KEYS:
        assert k in d
    assert all({"cost_usd", "value_lost", "p_no_leaker"} <= set(r) for r in d["pareto"])
    ra = d["reference_architecture"]
    assert ra["goals_met"] is True
    assert ra["effectiveness"][0]["p_no_leaker"] >= 0.2
    # the recommended design is the cheapest on the archive meeting the goal
    meets = [r for r in d["pareto"] if r["p_no_leaker"] >= 0.2]
    assert ra["cost_usd"] <= min(r["cost_usd"] for r in meets) + 1e-6
    caps = {r["capability"] for r in d["requirements"]}
    assert {"midcourse single-shot Pk", "midcourse rounds", "sensor-to-shooter time"} <= caps


def test_plan_confirms_in_the_engine(planned: tuple[dict[str, Any], Path]) -> None:
    d, _ = planned
    rows = d["confirmation"]
    assert rows and rows[0]["point"] == "recommended"
    r = rows[0]
    assert {"leakers", "p_no_leaker"} <= set(r["analytic"])
    assert {"leakers", "leakers_ci95", "p_no_leaker"} <= set(r["simulated"])
    assert r["simulated"]["trials"] == 4


def test_requirement_thresholds_are_where_the_goal_flips(
    planned: tuple[dict[str, Any], Path],
) -> None:
    d, _ = planned
    rounds = next(r for r in d["requirements"] if r["capability"] == "midcourse rounds")
    assert rounds["threshold"] is not None
    assert 0 < rounds["threshold"] <= rounds["design_value"]
    assert rounds["margin"] == pytest.approx(rounds["design_value"] / rounds["threshold"])


def test_implementation_plan_follows_the_fielding(planned: tuple[dict[str, Any], Path]) -> None:
    d, _ = planned
    ip = d["implementation_plan"]
    gbi = next(f for f in ip["fielded"] if f["element"] == "GBI/NGI")
    years = ip["years"]
    # NGI deliveries start in FY2029 (the architecture): nothing fielded before
    assert all(n == 0 for y, n in zip(years, gbi["by_year"], strict=True) if y < 2029)
    assert max(gbi["by_year"]) > 0
    f = d["funding_plan"]
    assert f["total_usd"] == pytest.approx(sum(r["total"] for r in f["by_year"]))


def test_locations_ranked_and_placed(planned: tuple[dict[str, Any], Path]) -> None:
    d, _ = planned
    loc = d["prioritized_locations"]
    ranks = [r["rank"] for r in loc["rows"]]
    assert ranks == sorted(ranks)
    scores = [r["score"] for r in loc["rows"]]
    assert scores == sorted(scores, reverse=True)
    assert loc["placement"]["cost_usd"] <= loc["budget_usd"] + 1.0


def test_plan_report_written(planned: tuple[dict[str, Any], Path]) -> None:
    _, out = planned
    html = out.read_text(encoding="utf-8")
    for head in ("1. Threat assessment", "6. Prioritized locations to defend"):
        assert head in html


def _bad(tmp_path: Path, change: dict[str, Any]) -> Any:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data.update(change)
    data["architecture"] = str(ROOT / "architectures" / "rogue-salvo.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["plan", str(p), "-o", str(out), "--no-confirm"])
    assert res.exit_code == 2, res.output
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not out.exists()
    return res.stderr


def test_bad_input_one_line_exit_2(tmp_path: Path) -> None:
    assert "trade space is empty" in _bad(tmp_path, {"variables": []})
    assert "'Fort Greely' is not an element" in _bad(
        tmp_path, {"variables": [{"element": "Fort Greely", "min": 0, "max": 4}]}
    )
    assert "is not an interceptor or boost layer" in _bad(
        tmp_path, {"variables": [{"element": "UEWRs", "min": 0, "max": 4}]}
    )
    err = _bad(tmp_path, {"goals": [{"tier": "rogue", "metric": "p_no_leaker", "at_least": 0.999}]})
    assert "no architecture in the bounds meets" in err and "closest" in err
    assert "max: 1 is below min 4" in _bad(
        tmp_path, {"variables": [{"element": "GBI/NGI", "min": 4, "max": 1}]}
    )


def test_a_budget_cap_changes_the_implementation_plan() -> None:
    from dataclasses import replace

    import numpy as np

    from shieldlab.analysis.plan import implementation
    from shieldlab.analysis.plan_file import load_plan
    from shieldlab.analysis.trade import tier_models

    lp = load_plan(SMALL)
    tiers = tier_models(lp)
    q = np.array([80.0])
    cap = 2.7e9  # above every year's fixed costs, below the FY2027 radar buys
    free, _ = implementation(lp, tiers, q)
    capped_lp = replace(lp, plan=lp.plan.model_copy(update={"budget_cap_usd_per_year": cap}))
    capped, money = implementation(capped_lp, tiers, q)
    assert capped["capped"] and not free["capped"]
    assert max(r["total"] for r in money["by_year"]) <= cap * (1 + 1e-9)
    later = [
        s
        for s in capped["slips"]
        if s["foc_fy"] is None or (s["uncapped_foc_fy"] or 0) < s["foc_fy"]
    ]
    assert later, capped["slips"]
    for f_cap, f_free in zip(capped["fielded"], free["fielded"], strict=True):
        assert all(c <= f for c, f in zip(f_cap["by_year"], f_free["by_year"], strict=True))
    # fewer units in service: never better against the same raids
    by_year = {(r["tier"], r["year"]): r["leakers"] for r in free["effectiveness"]}
    for r in capped["effectiveness"]:
        assert r["leakers"] >= by_year[(r["tier"], r["year"])] - 1e-9


BASING = [
    {
        "name": "second site",
        "options": [
            {"name": "Vandenberg"},
            {
                "name": "Fort Drum",
                "sites": {"Vandenberg": [44.05, -75.76]},
                "items": ["midcourse-site"],
                "quantities": [1],
            },
        ],
    }
]


def _with_basing(tmp_path: Path, basing: list[dict[str, Any]]) -> Path:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["architecture"] = str(ROOT / "architectures" / "rogue-salvo.yaml")
    data["basing"] = basing
    p = tmp_path / "basing.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_basing_options_move_sites_and_cost_their_items(tmp_path: Path) -> None:
    import numpy as np

    from shieldlab.analysis.optimize import Evaluator
    from shieldlab.analysis.plan_file import load_plan
    from shieldlab.analysis.trade import (
        basing_combinations,
        cost_curves,
        grid_values,
        tier_models,
        tier_scenario,
    )

    lp = load_plan(_with_basing(tmp_path, BASING))
    assert basing_combinations(lp) == [(0,), (1,)]
    assert [g.tolist() for g in grid_values(lp)][-1] == [0.0, 1.0]
    moved = tier_scenario(lp, "rogue", 2026, basing=(1,)).scenario
    site = next(s for s in moved.interceptor_sites if s.name == "Vandenberg")
    assert (site.lat_deg, site.lon_deg) == (44.05, -75.76)
    costs = cost_curves(lp)
    # a new midcourse site: at least 4 G$ (CBO 2021) in FY2026 dollars, plus operations
    assert costs.basing_usd[0][0] == 0.0
    assert costs.basing_usd[0][1] > 4.0e9
    q = np.array([[40.0, 0.0], [40.0, 1.0]])
    assert costs.total_usd(q)[1] - costs.total_usd(q)[0] == pytest.approx(costs.basing_usd[0][1])
    ev = Evaluator(lp, {c: tier_models(lp, basing=c) for c in basing_combinations(lp)}, costs)
    _, met = ev(q)
    assert np.all(np.isfinite(met["rogue"]["leakers"]))


def test_bad_basing_site_one_line(tmp_path: Path) -> None:
    bad = [{"name": "x", "options": [{"name": "a"}, {"name": "b", "sites": {"Nowhere": [0, 0]}}]}]
    res = runner.invoke(app, ["plan", str(_with_basing(tmp_path, bad)), "--no-confirm"])
    assert res.exit_code == 2
    assert "'Nowhere' is not an interceptor site" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
