"""Scenario schema for raids and catalog assets: the example validates, bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldlab.scenario import ScenarioError, load_scenario, parse_scenario
from shieldlab.scenario.schema import (
    ASSET_SETS,
    asset_set_members,
    catalog_asset_value,
    catalog_assets,
)

ROOT = Path(__file__).resolve().parents[2]
NEAR_PEER = ROOT / "scenarios" / "near-peer-raid.yaml"

MINIMAL = """
name: mini
assets:
  - {catalog: Minot AFB, value: 12}
  - {catalog: New York}
  - {name: Somewhere, lat_deg: 40.0, lon_deg: -100.0, category: military}
raid:
  adversary: rogue
  launch_areas:
    - {name: land, kind: land, lat_deg: 40.0, lon_deg: 127.5, radius_km: 100}
    - {name: sea, kind: sea, polygon_deg: [[40, 160], [45, 160], [45, 170], [40, 170]]}
  inventory:
    generic-solid-icbm: {count: 4, launch_areas: [land]}
  targeting: counterforce
  timing: {mode: ripple, start_s: 10, interval_s: 5}
"""


def near_peer_text() -> str:
    return NEAR_PEER.read_text(encoding="utf-8")


def test_near_peer_scenario_is_valid() -> None:
    s = load_scenario(NEAR_PEER).scenario
    assert s.raid is not None and not s.threats
    assert s.raid.adversary == "near-peer"
    assert sum(item.count for item in s.raid.inventory.values()) == 24
    names = [a.name for a in s.assets]
    # deterrent first, then command, then the 20 largest metros
    n_det = len(asset_set_members("us-deterrent"))
    n_cmd = len(asset_set_members("us-command"))
    assert len(names) == n_det + n_cmd + 20
    assert all(a.category == "deterrent" for a in s.assets[:n_det])
    assert names[n_det + n_cmd] == "New York"


def test_catalog_refs_resolve_with_overrides_and_value_rule() -> None:
    s = parse_scenario(MINIMAL).scenario
    minot, ny, other = s.assets
    entry = catalog_assets()["Minot AFB"]
    assert (minot.name, minot.value, minot.category) == ("Minot AFB", 12.0, "deterrent")
    assert (minot.lat_deg, minot.lon_deg, minot.radius_km) == (
        entry.lat_deg,
        entry.lon_deg,
        entry.radius_km,
    )
    # value rule: a metro's 2020 Census population in millions (20,140,470 -> 20.14047)
    assert ny.value == pytest.approx(20.140470, abs=1e-9)
    assert other.name == "Somewhere"


def test_asset_sets_deduplicate_and_keep_explicit_first() -> None:
    text = MINIMAL.replace("assets:\n", "asset_sets: [us-deterrent, us-top-10-metros]\nassets:\n")
    s = parse_scenario(text).scenario
    names = [a.name for a in s.assets]
    assert names[:3] == ["Minot AFB", "New York", "Somewhere"]
    assert len(names) == len(set(names))
    assert names.count("Minot AFB") == 1 and s.assets[0].value == 12.0  # explicit wins
    assert set(asset_set_members("us-deterrent")) <= set(names)


def test_asset_sets_only() -> None:
    text = (
        MINIMAL.split("assets:")[0]
        + "asset_sets: [us-counterforce]\nraid:"
        + (MINIMAL.split("raid:")[1])
    )
    s = parse_scenario(text).scenario
    assert {a.category for a in s.assets} == {"deterrent", "military", "command"}


def test_asset_catalog_is_sound() -> None:
    entries = catalog_assets()
    cats = {e.category for e in entries.values()}
    assert {"deterrent", "command", "population", "military"} <= cats
    for name in ("Malmstrom AFB", "Minot AFB", "F.E. Warren AFB", "Whiteman AFB", "Barksdale AFB"):
        assert entries[name].category == "deterrent"
    for name in ("Dyess AFB", "Ellsworth AFB", "Kings Bay", "Naval Base Kitsap-Bangor"):
        assert entries[name].category == "deterrent"
    for name in ("Washington DC", "Offutt AFB", "Cheyenne Mountain"):
        assert entries[name].category == "command"
    top = asset_set_members("us-top-20-metros")
    assert len(top) == 20
    pops = [entries[k].population or 0 for k in top]
    assert pops == sorted(pops, reverse=True)
    # 2020 Census: New York MSA 20,140,470 and Los Angeles MSA 13,200,998 (exact figures)
    assert top[:2] == ("New York", "Los Angeles")
    assert catalog_asset_value(entries["Offutt AFB"]) == 10.0
    for name in ASSET_SETS:
        assert asset_set_members(name), name


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # typo in a raid key
        (
            "  targeting: mixed",
            "  targetting: mixed",
            "raid.targetting: unknown field 'targetting'",
        ),
        # negative count
        (
            "generic-liquid-icbm: {count: 10,",
            "generic-liquid-icbm: {count: -3,",
            "raid.inventory.generic-liquid-icbm.count: Input should be greater than or equal to 1",
        ),
        # unknown asset set
        (
            "asset_sets: [us-deterrent,",
            "asset_sets: [us-bananas,",
            "asset_sets.0: unknown asset set 'us-bananas'; allowed: us-deterrent",
        ),
        # empty launch area
        (
            "radius_km: 300}",
            "radius_km: 0}",
            "raid.launch_areas.0.radius_km: Input should be greater than 0",
        ),
        # degenerate polygon (collinear points)
        (
            "polygon_deg: [[42.0, 170.0], [48.0, 170.0], [48.0, -175.0], [42.0, -175.0]]",
            "polygon_deg: [[42.0, 170.0], [45.0, 170.0], [48.0, 170.0]]",
            "raid.launch_areas.1.polygon_deg: degenerate polygon",
        ),
        # unknown threat in the inventory
        (
            "generic-liquid-icbm: {count",
            "generic-unobtainium: {count",
            "raid.inventory: unknown threat 'generic-unobtainium'; allowed: ",
        ),
        # a launch area that does not exist
        (
            "launch_areas: [north-east-asia]}",
            "launch_areas: [atlantis]}",
            "raid.inventory.generic-liquid-icbm.launch_areas.0: 'atlantis' is not a launch area",
        ),
        # bad targeting word
        ("  targeting: mixed", "  targeting: everything", "raid.targeting: Input should be"),
        # fraction with a pure doctrine
        (
            "  targeting: mixed",
            "  targeting: countervalue",
            "raid: counterforce_fraction applies only to targeting: mixed",
        ),
        # waves parameters in ripple mode
        ("{mode: waves,", "{mode: ripple,", "raid.timing: waves and wave_interval_s apply only"),
    ],
)
def test_bad_raid_input_one_line(old: str, new: str, expected: str) -> None:
    text = near_peer_text()
    assert old in text
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text.replace(old, new, 1), "bad.yaml")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("bad.yaml: ")
    assert expected in msg, msg


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{catalog: Minot AFB, value: 12}",
            "{catalog: Minott AFB}",
            "assets.0.catalog: unknown catalog asset 'Minott AFB' (did you mean 'Minot AFB'?)",
        ),
        (
            "{catalog: Minot AFB, value: 12}",
            "{catalog: Minot AFB, valu: 12}",
            "assets.0.valu: unknown field 'valu' (did you mean 'value'?); allowed: catalog,",
        ),
        (
            "{catalog: Minot AFB, value: 12}",
            "{catalog: Minot AFB, value: -1}",
            "assets.0.value: Input should be greater than or equal to 0",
        ),
    ],
)
def test_bad_asset_input_one_line(old: str, new: str, expected: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    msg = str(info.value)
    assert "\n" not in msg
    assert expected in msg, msg


def test_counterforce_needs_a_counterforce_asset() -> None:
    text = MINIMAL.replace("  - {catalog: Minot AFB, value: 12}\n", "").replace(
        "category: military", "category: population"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    assert "raid.targeting: counterforce needs a deterrent, military or command asset" in str(
        info.value
    )


def test_threats_or_raid_required() -> None:
    text = MINIMAL.split("raid:")[0]
    with pytest.raises(ScenarioError, match=r"give `threats:` groups, a `raid:` section, or both"):
        parse_scenario(text, "x.yaml")


def test_circle_and_polygon_are_exclusive() -> None:
    text = MINIMAL.replace(
        "{name: sea, kind: sea, polygon_deg:", "{name: sea, kind: sea, radius_km: 10, polygon_deg:"
    )
    with pytest.raises(ScenarioError, match=r"raid.launch_areas.1: .*either lat_deg/lon_deg"):
        parse_scenario(text, "x.yaml")
