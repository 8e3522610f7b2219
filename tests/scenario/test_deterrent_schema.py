"""The ``deterrent:`` section: the schematic laydown of counterforce.yaml (counts, spacing,
empty silos, values), ``@group`` targets, and bad input as one line naming the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from shieldlab.core.frames import great_circle_distance_m
from shieldlab.scenario import ScenarioError, load_scenario, parse_scenario
from shieldlab.scenario.deterrent_schema import base_values, laydown_aimpoints

ROOT = Path(__file__).resolve().parents[2]
COUNTERFORCE = ROOT / "scenarios" / "counterforce.yaml"


@pytest.fixture(scope="module")
def cf() -> dict[str, object]:
    data = yaml.safe_load(COUNTERFORCE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_counterforce_laydown_counts_and_spacing() -> None:
    s = load_scenario(COUNTERFORCE).scenario
    assert s.deterrent is not None
    pts = laydown_aimpoints(s.deterrent)
    silos = [p for p in pts if p.kind == "silo"]
    assert len(silos) == 450 and sum(p.loaded for p in silos) == 400
    assert sum(p.kind == "lcc" for p in pts) == 45
    for w in s.deterrent.icbm_wings:
        mine = [p for p in silos if p.base == w.base]
        lat = np.radians([p.lat_deg for p in mine])
        lon = np.radians([p.lon_deg for p in mine])
        d = great_circle_distance_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        np.fill_diagonal(d, np.inf)
        assert d.min() >= w.min_spacing_km * 1e3 - 1.0
    # every aimpoint is a scenario asset of its category and value
    assets = {a.name: a for a in s.assets}
    for p in pts:
        assert assets[p.name].category == p.category
        assert assets[p.name].value == pytest.approx(p.value)
    # the raid's groups: 8 + 6 + 4 + 15 + 24 warheads, two on each of 12 silos
    assert [g.count for g in s.threats] == [8, 6, 4, 15, 24]
    assert s.threats[4].targets == [p.name for p in silos[:12]]
    assert s.threats[3].targets[0] == "Minot LCC A-01"


def test_values_are_the_warheads_protected() -> None:
    s = load_scenario(COUNTERFORCE).scenario
    assert s.deterrent is not None
    v = base_values(s.deterrent)
    # Kings Bay: 5 boats x 25 % in port x 20 missiles x 4 warheads
    assert v["Kings Bay"] == pytest.approx(5 * 0.25 * 20 * 4)
    assert v["Whiteman AFB"] == pytest.approx(18 * 5)  # no bomber on day-to-day alert
    # Minot: its alert ICBMs (half their LCC share goes with the airborne post) + bombers
    icbm = 134 * 0.99
    assert v["Minot AFB"] == pytest.approx(icbm * (1 + 0.5) + 21 * 5, rel=1e-9)


def _with(cf: dict[str, object], path: list[object], value: object) -> str:
    data = yaml.safe_load(yaml.safe_dump(cf))
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ["deterrent", "bomber_bases", 0, "alert_rate"],
            1.2,
            "deterrent.bomber_bases.0.alert_rate: Input should be less than or equal to 1",
        ),
        (
            ["deterrent", "ssbn_bases", 1, "at_sea_rate"],
            -0.1,
            "deterrent.ssbn_bases.1.at_sea_rate: Input should be greater than or equal to 0",
        ),
        (
            ["deterrent", "icbm_wings", 1, "base"],
            "Minot AFBB",
            "deterrent.icbm_wings.1.base: unknown catalog asset 'Minot AFBB' "
            "(did you mean 'Minot AFB'?)",
        ),
        (
            ["deterrent", "icbm_wings", 0, "field_area_km2"],
            500,
            "deterrent.icbm_wings.0.field_area_km2: 150 silos 4.8 km apart do not fit",
        ),
        (
            ["deterrent", "additions", 0, "site"],
            "Fort Drum",
            "deterrent.additions.0.site: 'Fort Drum' is not an interceptor site",
        ),
        (
            ["threats", 0, "targets"],
            ["@commnd"],
            "threats.0.targets.0: unknown target group '@commnd'; allowed: @Malmstrom.silos",
        ),
        (
            ["deterrent", "attacker"],
            {"generic-liquid-icbm": {"yield_kt": 1, "cep_m": 1, "reliability": 1}},
            "deterrent.attacker: no warhead for threat type 'generic-solid-icbm'",
        ),
        (
            ["deterrent", "icbm_wings", 0, "silo_hardness"],
            2000,
            "deterrent.icbm_wings.0.silo_hardness: unknown field 'silo_hardness' "
            "(did you mean 'silo_hardness_psi'?)",
        ),
    ],
)
def test_bad_deterrent_input_is_one_line(
    cf: dict[str, object], path: list[object], value: object, expected: str
) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(_with(cf, path, value), "cf.yaml")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("cf.yaml: " + expected), msg


def test_group_targets_need_a_deterrent_section(cf: dict[str, object]) -> None:
    data = yaml.safe_load(yaml.safe_dump(cf))
    del data["deterrent"]
    data["assets"] = [{"name": "X", "lat_deg": 40, "lon_deg": -100}]
    with pytest.raises(ScenarioError, match=r"threats\.0\.targets\.0: '@command' names a target"):
        parse_scenario(yaml.safe_dump(data), "cf.yaml")


def test_group_slices_and_replacing_a_same_named_asset(cf: dict[str, object]) -> None:
    data = yaml.safe_load(yaml.safe_dump(cf))
    data["assets"] = [{"name": "Kings Bay", "lat_deg": 0, "lon_deg": 0, "radius_km": 99}]
    data["threats"] = [
        {
            "type": "generic-solid-icbm",
            "count": 4,
            "targets": ["@Warren.sq2.silos[::25]", "@ssbn-bases[-1:]"],
            "launch_area": {"lat_deg": 46, "lon_deg": 127, "radius_km": 10},
        }
    ]
    s = parse_scenario(yaml.safe_dump(data), "cf.yaml").scenario
    assert s.threats[0].targets == ["Warren LF F-02", "Warren LF H-07", "Kings Bay"]
    kb = [a for a in s.assets if a.name == "Kings Bay"]
    assert len(kb) == 1 and kb[0].radius_km == 5.0  # the generated aimpoint replaced it
