"""Re-run each published SBI-layer estimate with the other estimates' inputs.

Prints the table of docs/cost-estimates.md (G$, 20 years, constant dollars of each file):
    .venv/bin/python docs/cost_crosswalk.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shieldlab.analysis.architecture import parse_architecture
from shieldlab.analysis.cost_study import run_cost_study

ARCH = Path(__file__).resolve().parents[1] / "architectures"


def sbi_layer(name: str, top: dict[str, Any] | None = None, **element: Any) -> float:
    """The boost layer's 20-year cost [G$] of a shipped file with changes to its SBI buy."""
    data = yaml.safe_load((ARCH / name).read_text(encoding="utf-8"))
    data["scenario"] = None
    data["elements"] = [e for e in data["elements"] if e["layer"] == "boost"]
    sbi = data["elements"][0]
    overrides = element.pop("overrides", {})
    sbi.update(element)
    sbi["overrides"] = {**sbi.get("overrides", {}), **overrides}
    data.update(top or {})
    arch = parse_architecture(yaml.safe_dump(data), name)
    return float(run_cost_study(arch).as_dict()["total_usd"]) / 1e9


AEI_COST = {
    "development_musd": 0.0,
    "average_unit_cost_musd": 13.4,
    "average_over_units": 4990,
    "learning_slope": 0.85,
    "learning_scope": "buy",
    "mass_kg": None,
    "operations_musd_per_unit_year": 0.09,
    "uncertainty": {},
}
CBO_COST = {
    "development_musd": 10000.0,
    "average_unit_cost_musd": 22.0,
    "average_over_units": 31200,
    "learning_slope": 0.95,
    "learning_scope": "line",
    "mass_kg": 1250.0,
    "operations_musd_per_unit_year": 0.128,
}

ROWS: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = [
    ("CBO 2026 as shipped (published 743)", "cbo-2026.yaml", None, {}),
    ("  with AEI's count (4,990)", "cbo-2026.yaml", None, {"quantity": 4990}),
    (
        "  with size sbi's 10-ICBM count (Walker, 99 %: 2,500)",
        "cbo-2026.yaml",
        None,
        {"quantity": 2500},
    ),
    (
        "  with size sbi's 10-ICBM count (binomial, 99 %: 4,189)",
        "cbo-2026.yaml",
        None,
        {"quantity": 4189},
    ),
    ("  with AEI's unit cost, learning and O&S", "cbo-2026.yaml", None, {"overrides": AEI_COST}),
    ("  with today's launch (1,500 $/kg)", "cbo-2026.yaml", {"launch": "heavy-lift-2026"}, {}),
    (
        "  with the 2004 studies' launch (9,800 $/kg)",
        "cbo-2026.yaml",
        {"launch": "legacy-2004"},
        {},
    ),
    ("AEI 2025 basic as shipped (published 271)", "aei-2025-sbi-basic.yaml", None, {}),
    (
        "  with CBO's count (7,800)",
        "aei-2025-sbi-basic.yaml",
        None,
        {
            "quantity": 7800,
            "overrides": {"production_rate_per_year": 7800, "surge_rate_per_year": 7800},
        },
    ),
    (
        "  with CBO's unit cost, mass, launch and O&S",
        "aei-2025-sbi-basic.yaml",
        {"launch": "cbo-2026-starship"},
        {"overrides": CBO_COST},
    ),
    (
        "CBO 2025 letter, 1,300 SBIs, 9,800 $/kg (published 264)",
        "cbo-2025-letter-1300.yaml",
        None,
        {},
    ),
    (
        "  at today's 1,500 $/kg (published 161)",
        "cbo-2025-letter-1300.yaml",
        {"launch": "heavy-lift-2026"},
        {},
    ),
    (
        "  with 2,400 kg per SBI, 9,800 $/kg",
        "cbo-2025-letter-1300.yaml",
        None,
        {"overrides": {"mass_kg": 2400.0, "uncertainty": {}}},
    ),
    (
        "  with 2,400 kg per SBI, 1,500 $/kg",
        "cbo-2025-letter-1300.yaml",
        {"launch": "heavy-lift-2026"},
        {"overrides": {"mass_kg": 2400.0, "uncertainty": {}}},
    ),
    (
        "CBO 2025 letter, 2,000 SBIs, 9,800 $/kg (published 831)",
        "cbo-2025-letter-2000.yaml",
        None,
        {},
    ),
    (
        "  at today's 1,500 $/kg (published 542)",
        "cbo-2025-letter-2000.yaml",
        {"launch": "heavy-lift-2026"},
        {},
    ),
]


def main() -> None:
    """Print the cross-walk as a Markdown table."""
    print("| estimate | shieldlab G$ |\n|---|---:|")
    for label, name, top, element in ROWS:
        print(f"| {label} | {sbi_layer(name, top, **element):,.0f} |")


if __name__ == "__main__":
    main()
