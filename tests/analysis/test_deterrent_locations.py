"""Prioritized locations with a ``deterrent:`` laydown: deterrent and command sites carry
the value of the second strike they protect (``locations.with_deterrent_values``, and
``plan``'s scenario lookup)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from shieldlab.analysis.locations import locations_from_sets, with_deterrent_values
from shieldlab.analysis.plan import _second_strike_values
from shieldlab.scenario import load_scenario
from shieldlab.scenario.deterrent_schema import base_values

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warheads() -> dict[str, float]:
    s = load_scenario(ROOT / "scenarios" / "counterforce.yaml").scenario
    assert s.deterrent is not None
    return base_values(s.deterrent)


def test_deterrent_sites_rank_by_the_second_strike_they_protect(
    warheads: dict[str, float],
) -> None:
    locs = locations_from_sets(["us-deterrent", "us-command", "us-top-10-metros"])
    out = with_deterrent_values(locs, warheads)
    before = {x.name: x.value for x in locs}
    after = {x.name: x.value for x in out}
    named = [n for n in after if n in warheads]
    assert len(named) == 11  # 3 wings, 3 bomber bases, 2 SSBN bases, 4 command sites − Minot
    # the catalog total of those locations is kept and apportioned by warheads
    assert sum(after[n] for n in named) == pytest.approx(sum(before[n] for n in named))
    total_w = sum(warheads[n] for n in named)
    for n in named:
        assert after[n] == pytest.approx(sum(before[m] for m in named) * warheads[n] / total_w)
    assert max(named, key=lambda n: after[n]) == "Minot AFB"  # ICBMs, LCCs and B-52s
    assert after["Whiteman AFB"] < after["Kings Bay"] < after["Malmstrom AFB"]
    # not in the laydown (B-1B bases, cities): unchanged
    for n in ("Dyess AFB", "Ellsworth AFB", "New York"):
        assert after[n] == before[n]


def test_plan_reads_the_laydown_of_its_scenario() -> None:
    def lp(scenario: str | None) -> Any:
        arch = SimpleNamespace(scenario=scenario)
        return SimpleNamespace(
            arch=SimpleNamespace(architecture=arch, path=str(ROOT / "scenarios" / "a.yaml"))
        )

    got = _second_strike_values(lp("counterforce.yaml"))
    assert got["Kings Bay"] == pytest.approx(100.0)
    assert _second_strike_values(lp("rogue-salvo.yaml")) == {}
    assert _second_strike_values(lp(None)) == {}
