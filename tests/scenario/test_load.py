"""Scenario loading: the flagship file validates; bad input gives one precise line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldlab.scenario import ScenarioError, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"


def flagship_text() -> str:
    return FLAGSHIP.read_text(encoding="utf-8")


def test_flagship_scenario_is_valid() -> None:
    loaded = load_scenario(FLAGSHIP)
    s = loaded.scenario
    assert s.name == "rogue-salvo"
    assert sum(g.count for g in s.threats) == 10
    assert s.assets[0].category == "deterrent"  # the deterrent first on the asset list
    assert len(loaded.sha256) == 64


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a typo in a key: names the field path and the allowed keys
        (
            "    count: 10",
            "    cout: 10",
            "threats.0.cout: unknown field 'cout' (did you mean 'count'?); allowed:",
        ),
        # a negative mass
        (
            "    payload_mass_kg: 1100",
            "    payload_mass_kg: -5",
            "threats.0.payload_mass_kg: Input should be greater than 0",
        ),
        # an unknown threat
        (
            "type: generic-solid-icbm",
            "type: generic-unobtainium",
            "threats.0.type: unknown threat 'generic-unobtainium'; allowed: ",
        ),
        # a latitude of 95 degrees
        ("lat_deg: 47.50", "lat_deg: 95", "assets.0.lat_deg: Input should be less than or equal"),
        # a target that is not an asset
        (
            "targets: [Malmstrom ICBM field, Anchorage,",
            "targets: [Atlantis, Anchorage,",
            "threats.0.targets.0: 'Atlantis' is not a defended asset",
        ),
        # unknown sensor type in a discriminated union
        (
            "type: generic-uhf-ewr, lat_deg: 64.29",
            "type: generic-banana, lat_deg: 64.29",
            "sensors.1.type: unknown radar type 'generic-banana'",
        ),
        # a space-based interceptor cannot sit at a ground site
        (
            "{name: Fort Greely, type: generic-gbi,",
            "{name: Fort Greely, type: generic-sbi-4kmps,",
            "interceptor_sites.0.type: unknown interceptor type 'generic-sbi-4kmps'",
        ),
    ],
)
def test_bad_input_one_line(old: str, new: str, expected: str) -> None:
    text = flagship_text()
    assert old in text
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text.replace(old, new, 1), "bad.yaml")
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("bad.yaml: ")
    assert expected in msg, msg


def test_malformed_yaml_names_line() -> None:
    with pytest.raises(ScenarioError, match=r"bad.yaml: line \d+, column \d+: malformed YAML"):
        parse_scenario("name: x\nthreats: [\n  - {a: 1\n", "bad.yaml")


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match=r"\(top level\): must be a mapping"):
        parse_scenario("- 1\n- 2\n", "list.yaml")


def test_missing_required_field() -> None:
    text = flagship_text().replace("name: rogue-salvo\n", "", 1)
    with pytest.raises(ScenarioError, match=r"name: required field is missing"):
        parse_scenario(text, "x.yaml")


def test_sha_changes_with_text() -> None:
    a = parse_scenario(flagship_text())
    b = parse_scenario(flagship_text() + "\n# comment\n")
    assert a.sha256 != b.sha256
    assert a.scenario == b.scenario


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml")), ids=str
)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    """The scenarios users start from load without error (they exercise every section)."""
    from shieldlab.scenario import load_scenario

    loaded = load_scenario(path)
    assert loaded.scenario.name == path.stem


def test_space_interceptors_need_a_declared_constellation() -> None:
    text = flagship_text() + (
        "space_interceptors:\n  - {name: S, type: generic-sbi-4kmps, constellation: nowhere}\n"
    )
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    msg = str(info.value)
    assert "space_interceptors.0.constellation: 'nowhere' is not a constellation" in msg
    assert "\n" not in msg
