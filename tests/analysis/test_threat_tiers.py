"""Threat tiers: the shipped projections, interpolation by year, raid sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shieldlab import catalog
from shieldlab.analysis import threat_tiers as tt
from shieldlab.scenario.schema import RaidSection

ICBM_CLASSES = ("generic-solid-icbm", "generic-liquid-icbm", "generic-mirv-icbm")


def small_file(**threat: Any) -> dict[str, Any]:
    """A one-tier file: rogue with one class whose anchors are 2020: 10, 2030: 30."""
    cls = {
        "anchors": [
            {"year": 2020, "count": 10, "source": "S1: a"},
            {"year": 2030, "count": 30, "source": "S1: b"},
        ]
    }
    cls |= threat
    return {
        "sources": [{"id": "S1", "citation": "a public report"}],
        "tiers": {
            "rogue": {
                "description": "test tier",
                "adversaries": ["X"],
                "homeland_raid_fraction": 0.5,
                "launch_areas": [
                    {
                        "name": "a",
                        "kind": "land",
                        "lat_deg": 40.0,
                        "lon_deg": 127.5,
                        "radius_km": 100,
                    }
                ],
                "targeting": "mixed",
                "counterforce_fraction": 0.5,
                "threats": {"generic-solid-icbm": cls},
            }
        },
    }


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    p = tmp_path / "proj.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def test_shipped_file_loads_all_tiers_with_catalog_classes() -> None:
    tiers = tt.load_projections()
    assert tuple(tiers) == tt.TIERS
    known = catalog.load("threats")
    for tp in tiers.values():
        assert 0.0 < tp.homeland_raid_fraction <= 1.0
        assert set(tp.threats) <= set(known)


def test_every_anchor_has_a_source_and_two_years() -> None:
    for tier, tp in tt.load_projections().items():
        for name, proj in tp.threats.items():
            assert len(proj.anchors) >= 2, (tier, name)
            for a in proj.anchors:
                assert a.source.strip(), (tier, name, a.year)
        assert tt.sources(tier), tier
        assert all(s.strip() for s in tt.sources(tier))


def test_near_peer_icbms_grow() -> None:
    """DIA (2025): China's ICBMs grow from ~400 to ~700 by 2035."""
    proj = tt.load_projections()["near-peer"].threats
    first = sum(proj[c].anchors[0].count for c in ICBM_CLASSES if c in proj)
    last = sum(proj[c].anchors[-1].count for c in ICBM_CLASSES if c in proj)
    assert last >= first > 0
    assert sum(tt.inventory("near-peer", 2035)[c] for c in ICBM_CLASSES) == 700


def test_interpolation_at_anchor_midway_and_flat_outside(tmp_path: Path) -> None:
    data = tt.load_projections(write(tmp_path, small_file()))
    inv = {
        y: tt.inventory("rogue", y, data=data)["generic-solid-icbm"]
        for y in (2010, 2020, 2025, 2030, 2040)
    }
    assert inv == {2010: 10, 2020: 10, 2025: 20, 2030: 30, 2040: 30}
    assert tt.inventory("rogue", 2021, data=data)["generic-solid-icbm"] == 12  # 10 + 20/10


def test_interpolation_of_shipped_anchors() -> None:
    for tier, tp in tt.load_projections().items():
        for name, proj in tp.threats.items():
            a, b = proj.anchors[0], proj.anchors[-1]
            assert tt.inventory(tier, a.year)[name] == a.count
            assert tt.inventory(tier, b.year)[name] == b.count
            assert tt.inventory(tier, a.year - 5)[name] == a.count
            assert tt.inventory(tier, b.year + 5)[name] == b.count
            if (
                len(proj.anchors) == 2
                and (a.year + b.year) % 2 == 0
                and (a.count + b.count) % 2 == 0
            ):
                assert tt.inventory(tier, (a.year + b.year) // 2)[name] == (a.count + b.count) // 2


def test_raid_size_rounds_up_and_drops_empty_classes(tmp_path: Path) -> None:
    data = tt.load_projections(write(tmp_path, small_file()))
    assert tt.raid_size("rogue", 2021, data=data) == {"generic-solid-icbm": 6}  # ceil(12 x 0.5)
    assert tt.raid_size("rogue", 2025)["generic-solid-icbm"] == 10  # rogue fires everything
    assert "generic-liquid-icbm" not in tt.raid_size("rogue", 2025)  # Iran: none in 2025
    peer = tt.raid_size("peer", 2035)
    inv = tt.inventory("peer", 2035)
    assert all(1 <= peer[k] <= inv[k] for k in peer)


@pytest.mark.parametrize("tier", tt.TIERS)
@pytest.mark.parametrize("year", [2025, 2030, 2035])
def test_raid_section_validates(tier: str, year: int) -> None:
    raid = RaidSection.model_validate(tt.raid_section(tier, year))
    assert raid.adversary == tier
    assert {k: v.count for k, v in raid.inventory.items()} == tt.raid_size(tier, year)
    small = RaidSection.model_validate(tt.raid_section(tier, year, scale=0.01, max_per_class=3))
    assert all(1 <= v.count <= 3 for v in small.inventory.values())


def test_assessment_table_rows() -> None:
    rows = tt.assessment_table(["rogue", "peer"], [2025, 2030])
    assert {r["tier"] for r in rows} == {"rogue", "peer"}
    row = next(
        r
        for r in rows
        if r["tier"] == "rogue" and r["year"] == 2030 and r["threat"] == "generic-solid-icbm"
    )
    assert row["inventory"] == 30 and row["raid"] == 30
    assert "interpolated 2025-2035" in row["source"]
    assert set(rows[0]) == {"tier", "year", "threat", "inventory", "raid", "source"}


@pytest.mark.parametrize("call", [tt.inventory, tt.raid_size, tt.raid_section])
def test_unknown_tier_is_one_line(call: Any) -> None:
    with pytest.raises(ValueError) as exc:
        call("x", 2030)
    assert str(exc.value) == "tier: 'x' is not a threat tier; allowed: rogue, near-peer, peer"


def test_bad_scale() -> None:
    with pytest.raises(ValueError, match="scale"):
        tt.raid_section("rogue", 2030, scale=0.0)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"anchors": [{"year": 2020, "count": -1, "source": "S1: a"}]}, "anchors.0.count"),
        ({"anchors": [{"year": 2020, "count": 1, "source": "nobody"}]}, "anchors.0.source"),
        (
            {
                "anchors": [
                    {"year": 2030, "count": 1, "source": "S1"},
                    {"year": 2020, "count": 1, "source": "S1"},
                ]
            },
            "anchors.1.year",
        ),
        ({"launch_areas": ["nowhere"]}, "launch_areas.0"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_file_is_one_line_naming_the_field(
    tmp_path: Path, edit: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError) as exc:
        tt.load_projections(write(tmp_path, small_file(**edit)))
    msg = str(exc.value)
    assert "\n" not in msg
    assert f"tiers.rogue.threats.generic-solid-icbm.{field}" in msg


def test_unknown_threat_class_is_one_line(tmp_path: Path) -> None:
    data = small_file()
    tier = data["tiers"]["rogue"]
    tier["threats"] = {"generic-death-ray": tier["threats"]["generic-solid-icbm"]}
    with pytest.raises(ValueError) as exc:
        tt.load_projections(write(tmp_path, data))
    msg = str(exc.value)
    assert "\n" not in msg
    assert "tiers.rogue.threats.generic-death-ray" in msg and "generic-solid-icbm" in msg
