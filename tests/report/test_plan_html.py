"""Tests of the HTML page of ``shieldlab plan`` (:mod:`shieldlab.report.plan_html`).

Fixture: a hand-made ``shieldlab plan --json`` object shaped like the homeland plan
(three tiers, FY2027–FY2040, four elements traded, two goals), with an element, a
location and an assumption whose names carry HTML special characters.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from shieldlab.report.plan_html import FIGURE_IDS, SECTIONS, plan_report_html

EVIL = 'SBI <script>alert("x")</script> & co'
YEARS = [2027, 2030, 2035, 2040]
FYS = list(range(2026, 2046))
TIERS = ["rogue", "near-peer", "peer"]
DESIGN = {EVIL: 1200, "GBI/NGI": 64, "THAAD interceptors": 96, "SM-6": 48}
BASELINE = {EVIL: 0, "GBI/NGI": 44, "THAAD interceptors": 48, "SM-6": 24}
LAYERS = {
    EVIL: "boost",
    "GBI/NGI": "midcourse",
    "THAAD interceptors": "terminal",
    "SM-6": "terminal",
}


def _threat_assessment() -> dict[str, Any]:
    classes = {
        "rogue": ["generic-solid-icbm", "generic-liquid-icbm"],
        "near-peer": ["generic-mirv-icbm", "generic-slbm", "generic-hgv"],
        "peer": ["generic-mirv-icbm"],
    }
    rows = []
    for tier, names in classes.items():
        for k, name in enumerate(names):
            for i, year in enumerate(YEARS):
                inv = (k + 1) * (3 + 4 * i) * (1 + 10 * TIERS.index(tier))
                source = (
                    "DIA-2025" if year <= 2030 else "interpolated 2030-2040: DIA-2025; CSIS-2024"
                )
                rows.append(
                    {
                        "tier": tier,
                        "year": year,
                        "threat": name,
                        "inventory": inv,
                        "raid": -(-inv // 2),
                        "source": source,
                    }
                )
    return {
        "rows": rows,
        "not_flown": [
            {
                "tier": "peer",
                "threat": "generic-lacm",
                "inventory": 400,
                "note": "cruise missiles: no <terminal> model in the raid",
            }
        ],
        "raids": [
            {
                "tier": t,
                "year": 2035,
                "flown": {c: min(3, 1 + k) for k, c in enumerate(classes[t])},
                "groups": 2 * len(classes[t]),
            }
            for t in TIERS
        ],
        "sources": [
            "DIA-2025: Defense Intelligence Agency, Golden Dome threat assessment (2025).",
            "CSIS-2024: Missile Threat project, https://missilethreat.csis.org",
        ],
    }


def _effectiveness(years: list[int], fielding: bool) -> list[dict[str, Any]]:
    """Per tier and year; with ``fielding`` the design is bought from FY2027 to FY2035
    (half the effect with nothing in service), else in service from the start."""
    out = []
    for t, tier in enumerate(TIERS):
        for i, year in enumerate(years):
            share = min(1.0, max(0.0, (year - 2027) / 8)) if fielding else 1.0
            p = (0.99 - 0.3 * t - 0.02 * i) * (0.5 + 0.5 * share)
            out.append(
                {
                    "tier": tier,
                    "year": year,
                    "p_no_leaker": p,
                    "leakers": (1 - p) * (1 + 5 * t),
                    "value_lost": (1 - p) * 25 * (1 + 3 * t),
                }
            )
    return out


def _funding() -> dict[str, Any]:
    rows = []
    for i, fy in enumerate(FYS):
        row = {
            "fy": fy,
            "development": 20e9 * max(0, 5 - i) / 5,
            "procurement": 30e9 if 2 < i < 12 else 3e9,
            "launch": 6e9 if 3 < i < 10 else 0.0,
            "operations": 2e9 + 0.4e9 * i,
            "replenishment": 6e9 if i > 14 else 0.0,
        }
        row["total"] = sum(v for k, v in row.items() if k != "fy")
        rows.append(row)
    total = sum(r["total"] for r in rows)
    els = [
        {"element": k, "layer": LAYERS[k], "total_usd": total * w}
        for k, w in zip(DESIGN, (0.5, 0.3, 0.15, 0.05), strict=True)
    ]
    return {"dollars_fy": 2025, "total_usd": total, "by_year": rows, "by_element": els}


def _locations() -> dict[str, Any]:
    places = [
        ("Washington DC", "command", 10, 3.0, 38.9, -77.0),
        ("New York", "population", 19.5, 2.0, 40.7, -74.0),
        ("Minot AFB", "deterrent", 10, 2.5, 48.4, -101.4),
        ("Los Angeles & <Long Beach>", "population", 13.2, 1.5, 34.05, -118.2),
        ("Houston", "population", 7.1, 1.0, 29.76, -95.37),
        ("Joint Base Pearl Harbor-Hickam", "military", 5, 1.0, 21.35, -157.95),
        ("Joint Base Elmendorf-Richardson", "military", 5, 0.8, 61.25, -149.8),
    ]
    placed = [["THAAD battery", "Washington DC"], ["Patriot battery", "Los Angeles & <Long Beach>"]]
    by = {site: f"{option} at {site}" for option, site in placed}
    rows = []
    for i, (name, cat, value, threat, lat, lon) in enumerate(places):
        rows.append(
            {
                "rank": i + 1,
                "name": name,
                "category": cat,
                "value": value,
                "threat": threat,
                "score": value * threat,
                "defended": name in by,
                "defended_by": by.get(name, "—"),
                "lat_deg": lat,
                "lon_deg": lon,
            }
        )
    curve = [
        {"budget_usd": b, "cost_usd": b * 0.9, "covered_fraction": min(1.0, b / 4e10)}
        for b in (0.0, 1e10, 2e10, 3e10)
    ]
    return {
        "rows": rows,
        "placement": {
            "placed": placed,
            "cost_usd": 2.7e10,
            "covered_score": 49.8,
            "value_per_usd": 49.8 / 2.7e10,
            "optimal": True,
        },
        "budget_curve": curve,
        "budget_usd": 3e10,
    }


def _pareto() -> list[dict[str, Any]]:
    out = []
    for t, tier in enumerate(TIERS):
        for k in range(8):
            cost = (200 + 60 * k) * 1e9
            p = min(1.0, 0.3 + 0.09 * k - 0.2 * t)
            out.append(
                {
                    "tier": tier,
                    "cost_usd": cost,
                    "value_lost": 300 * (1 + t) / (1 + k) ** (1.5 if t == 1 else 1.0),
                    "p_no_leaker": max(p, 0.0),
                    "leakers": 6 / (1 + k),
                    "knee": k == 3,
                    "recommended": k == 5,
                    "design": {EVIL: 200 * k, "GBI/NGI": 44 + 4 * k},
                }
            )
    return out


def plan_fixture() -> dict[str, Any]:
    """A realistic ``shieldlab plan --json`` object."""
    goals: list[dict[str, Any]] = [
        {
            "label": "P(no leaker) ≥ 0.9 vs rogue",
            "tier": "rogue",
            "metric": "p_no_leaker",
            "at_least": 0.9,
            "at_most": None,
        },
        {
            "label": "value lost ≤ 60 vs near-peer",
            "tier": "near-peer",
            "metric": "value_lost",
            "at_least": None,
            "at_most": 60.0,
        },
    ]
    return {
        "plan": {
            "name": "homeland",
            "description": "Size the <layered> homeland shield & more.",
            "path": "plans/homeland.yaml",
            "architecture": "../architectures/layered-defense.yaml",
            "dollars_fy": 2025,
            "design_year": 2035,
            "years": YEARS,
            "tiers": TIERS,
            "goals": goals,
            "total_budget_usd": 1.5e12,
            "budget_cap_usd_per_year": 8e10,
        },
        "threat_assessment": _threat_assessment(),
        "reference_architecture": {
            "basis": "cheapest design meeting every goal",
            "goals_met": True,
            "cost_usd": 5.12e11,
            "design": [
                {"element": k, "layer": LAYERS[k], "quantity": v, "baseline": BASELINE[k]}
                for k, v in DESIGN.items()
            ],
            "effectiveness": _effectiveness([2035], fielding=False),
            "warning": None,
        },
        "requirements": [
            {
                "goal": goals[0]["label"],
                "capability": "midcourse Pk",
                "unit": "",
                "design_value": 0.85,
                "threshold": 0.72,
                "margin": 0.85 / 0.72,
                "note": "single-shot kill probability",
            },
            {
                "goal": goals[1]["label"],
                "capability": "SBI on orbit",
                "unit": "satellites",
                "design_value": 1200,
                "threshold": 1000,
                "margin": 1200 / 1000,
                "note": "",
            },
            {
                "goal": goals[1]["label"],
                "capability": "sensor latency",
                "unit": "s",
                "design_value": 4.0,
                "threshold": None,
                "margin": None,
                "note": "not binding",
            },
        ],
        "implementation_plan": {
            "years": FYS,
            "fielded": [
                {"element": k, "by_year": [min(v, v * max(0, i - 2) // 8) for i in range(len(FYS))]}
                for k, v in DESIGN.items()
            ],
            "effectiveness": _effectiveness(YEARS, fielding=True),
            "goal_first_met": [
                {"goal": goals[0]["label"], "fy": 2035},
                {"goal": goals[1]["label"], "fy": 2030},
            ],
            "capped": True,
            "budget_cap_usd_per_year": 8e10,
            "slips": [{"element": EVIL, "foc_fy": 2036, "uncapped_foc_fy": 2034}],
        },
        "funding_plan": _funding(),
        "prioritized_locations": _locations(),
        "pareto": _pareto(),
        "cheapest_meeting": [
            {
                "goal": goals[0]["label"],
                "cost_usd": 4.4e11,
                "design": {EVIL: 800, "GBI/NGI": 60},
                "closest": None,
            },
            {
                "goal": "P(no leaker) ≥ 0.99 vs peer",
                "cost_usd": None,
                "design": None,
                "closest": "P(no leaker) 0.61 at 1,480 $B",
            },
        ],
        "confirmation": [
            {
                "point": "recommended",
                "tier": "rogue",
                "trials": 8,
                "analytic": {"leakers": 0.12, "p_no_leaker": 0.9},
                "simulated": {
                    "leakers": 0.25,
                    "leakers_ci95": [0.0, 0.6],
                    "p_no_leaker": 0.875,
                    "p_no_leaker_ci95": [0.53, 0.98],
                },
                "agree": True,
            },
            {
                "point": "knee",
                "tier": "near-peer",
                "trials": 8,
                "analytic": {"leakers": 1.2, "p_no_leaker": 0.4},
                "simulated": {
                    "leakers": 2.5,
                    "leakers_ci95": [1.8, 3.2],
                    "p_no_leaker": 0.125,
                    "p_no_leaker_ci95": [0.02, 0.47],
                },
                "agree": False,
            },
        ],
        "assumptions": ["Rounds change one for one with the element's quantity <sic>."],
        "sources": ["Golden Dome executive order (2025), https://www.whitehouse.gov/"],
        "evaluations": 1000,
        "elapsed_s": 42.0,
    }


def empty_fixture() -> dict[str, Any]:
    """The fixture with every list emptied and every optional value None."""
    d = plan_fixture()
    d["plan"] |= {
        "years": [],
        "tiers": [],
        "goals": [],
        "total_budget_usd": None,
        "budget_cap_usd_per_year": None,
        "design_year": None,
    }
    d["threat_assessment"] = {"rows": [], "not_flown": [], "raids": [], "sources": []}
    d["reference_architecture"] = {
        "basis": "",
        "goals_met": False,
        "cost_usd": None,
        "design": [],
        "effectiveness": [],
        "warning": None,
    }
    d["implementation_plan"] = {
        "years": [],
        "fielded": [],
        "effectiveness": [],
        "goal_first_met": [],
        "capped": False,
        "budget_cap_usd_per_year": None,
        "slips": [],
    }
    d["funding_plan"] = {"dollars_fy": 2025, "total_usd": 0.0, "by_year": [], "by_element": []}
    d["prioritized_locations"] = {
        "rows": [],
        "placement": {
            "placed": [],
            "cost_usd": 0.0,
            "covered_score": 0.0,
            "value_per_usd": None,
            "optimal": True,
        },
        "budget_curve": [],
        "budget_usd": None,
    }
    for key in (
        "requirements",
        "pareto",
        "cheapest_meeting",
        "confirmation",
        "assumptions",
        "sources",
    ):
        d[key] = []
    return d


@pytest.fixture(scope="module")
def page() -> str:
    return plan_report_html(plan_fixture())


def test_fixture_renders_a_whole_page(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>shieldlab plan — homeland</title>" in page
    assert "512.0 $B" in page  # the recommended design's cost, in $B
    assert "P(no leaker) ≥ 0.9 vs rogue from FY2035" in page
    assert "but <b>missed again" not in page
    assert page.count("window.PlotlyConfig") == 1  # plotly.js inlined once


def test_a_goal_never_met_is_flagged() -> None:
    d = plan_fixture()
    d["implementation_plan"]["goal_first_met"][1]["fy"] = None
    d["reference_architecture"]["goals_met"] = False
    out = plan_report_html(d)
    assert "<b>not met by FY2045</b>" in out and "does <b>not</b> meet every goal" in out
    assert "not by FY2045" in out  # the headline's first FY with every goal met


def test_a_goal_missed_again_after_it_is_first_met_is_flagged() -> None:
    d = plan_fixture()
    d["implementation_plan"]["goal_first_met"][0]["fy"] = 2027  # met early, lost, met again
    out = plan_report_html(d)
    assert "vs rogue from FY2027 but <b>missed again in FY2030</b>" in out
    assert '<div class="v">FY2035</div>' in out  # every goal held from FY2035 to the end
    d["implementation_plan"]["effectiveness"][3]["p_no_leaker"] = 0.5  # rogue, FY2040
    out = plan_report_html(d)
    assert '<div class="v">1 of 2</div>' in out and '<div class="v">not by FY2045</div>' in out


def test_recommended_design_marked_off_the_front() -> None:
    d = plan_fixture()
    for r in d["pareto"]:
        r["recommended"] = False
    out = plan_report_html(d)
    # one star per tier from the reference architecture (legend entry shown once)
    assert out.count('"name":"recommended design"') == len(TIERS)


def test_threat_sources_are_numbered_notes_and_unmoved_elements_not_slips(page: str) -> None:
    # the anchors cited over the years, each once: DIA-2025, then CSIS-2024 (interpolated)
    assert "<td>[1] [2]</td>" in page
    assert '<ol class="src"><li>DIA-2025</li><li>CSIS-2024</li></ol>' in page
    d = plan_fixture()
    d["implementation_plan"]["slips"] = [
        {"element": "SM-6", "foc_fy": 2030, "uncapped_foc_fy": 2030}
    ]
    assert "does not bind: every element is fielded" in plan_report_html(d)


def test_six_sections_in_order_then_trade_space_and_annex(page: str) -> None:
    headings = [*SECTIONS, "Trade space (Pareto fronts)", "Annex: assumptions, sources and"]
    at = [page.find(f">{h}") for h in headings]
    assert all(i > 0 for i in at), dict(zip(headings, at, strict=True))
    assert at == sorted(at)


def test_every_figure_div_is_present(page: str) -> None:
    for div in FIGURE_IDS:
        assert page.count(f'id="{div}"') == 1, div
    assert '"scope":"usa"' in page and '"usa_110m"' in page  # map topojson inlined


def test_html_special_characters_are_escaped(page: str) -> None:
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "<Long Beach>" not in page and "Los Angeles &amp; &lt;Long Beach&gt;" in page
    assert "<layered>" not in page and "<terminal>" not in page and "<sic>" not in page


def test_not_flown_warning_only_when_some_class_is_left_out(page: str) -> None:
    assert 'class="warn"' in page and "generic-lacm" in page
    d = plan_fixture()
    d["threat_assessment"]["not_flown"] = []
    assert "flatters the defense" not in plan_report_html(d)


def test_empty_lists_and_none_values_render() -> None:
    out = plan_report_html(empty_fixture())
    for h in SECTIONS:
        assert f">{h}</h2>" in out
    for div in FIGURE_IDS:
        assert f'id="{div}"' in out


def test_missing_optional_sections_render() -> None:
    d = {"plan": {"name": "bare", "dollars_fy": 2025}}
    out = plan_report_html(d)
    assert all(f">{h}</h2>" in out for h in SECTIONS)


def test_no_external_request(page: str) -> None:
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    # outside the inlined scripts (plotly.js names its own home page), no tag points out
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL | re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", markup, re.IGNORECASE)
    assert "@import" not in markup
    assert "https://missilethreat.csis.org" in markup  # sources stay as plain text


def test_deterministic_and_input_untouched() -> None:
    d = plan_fixture()
    before = copy.deepcopy(d)
    assert plan_report_html(d) == plan_report_html(d)
    assert d == before


def write_fixture(path: Path = Path("/tmp/plan_fixture.html")) -> Path:
    """Render the fixture for a look in a browser (``python tests/report/test_plan_html.py``)."""
    path.write_text(plan_report_html(plan_fixture()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_fixture())
