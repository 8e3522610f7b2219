"""The shipped peer raid (``scenarios/peer-raid.yaml``), the engine's scaling scenario.

Checked without the engine (its world takes about a minute to build, too slow
for the suite): the file validates; its launches, expanded by the raid
generator, carry at least 1,000 lethal objects (a MIRVed missile counts its
catalog RVs) and decoys; its LEO IR tracking layer flies at least 1,000
satellites; every defeat layer of the schema is present and none is switched
off; the ICBMs fly from at least three launch fields; no ballistic or MIRV
threat is lofted (the schema's ``shape`` option), each states its shape.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from shieldlab import catalog
from shieldlab.scenario import LoadedScenario, load_scenario
from shieldlab.scenario.schema import (
    DEFEAT_LAYER_NAMES,
    SHAPED_KINDS,
    LeoIrSensor,
    ThreatGroup,
    WalkerConstellation,
)
from shieldlab.sim.world import expand_launches
from shieldlab.threats.postboost_catalog import load_mirv_specs

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "scenarios" / "peer-raid.yaml"

MIN_LETHAL = 1000
MIN_LEO_SATELLITES = 1000
MIN_LAUNCH_FIELDS = 3


@pytest.fixture(scope="module")
def loaded() -> LoadedScenario:
    return load_scenario(PATH)


@pytest.fixture(scope="module")
def object_counts(loaded: LoadedScenario) -> Counter[str]:
    """Lethal objects and decoys of the expanded launches, by the catalog's payloads:
    a MIRVed missile carries its RVs and penetration aids, any other threat is one
    lethal object (an RV, a glide vehicle or a cruise missile)."""
    mirv = load_mirv_specs()
    out: Counter[str] = Counter()
    for threat in expand_launches(loaded.scenario).threat_type:
        spec = mirv.get(threat)
        out["lethal"] += 1 if spec is None else spec.rv_count
        out["decoys"] += 0 if spec is None else sum(p.count for p in spec.penaids)
    return out


def test_validates(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    assert s.name == "peer-raid"
    assert s.raid is not None and s.raid.adversary == "peer"
    assert s.disabled_layers == []
    assert s.trials <= 50  # the shipped run stays small: one trial is the benchmark


def test_at_least_1000_lethal_objects_and_decoys(object_counts: Counter[str]) -> None:
    assert object_counts["lethal"] >= MIN_LETHAL
    assert object_counts["decoys"] > 0


def test_every_threat_class(loaded: LoadedScenario) -> None:
    kinds = {
        catalog.load("threats")[t]["kind"] for t in expand_launches(loaded.scenario).threat_type
    }
    assert {"mirv", "ballistic", "hgv", "cruise", "hcm"} <= kinds


def test_leo_tracking_layer_of_1000_satellites(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    walkers = {c.name: c for c in s.constellations if isinstance(c, WalkerConstellation)}
    leo = [x for x in s.sensors if isinstance(x, LeoIrSensor)]
    assert leo
    assert max(walkers[x.constellation].total for x in leo) >= MIN_LEO_SATELLITES


def test_every_defeat_layer_present(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    interceptors = catalog.load("interceptors")
    have = {interceptors[site.type]["layer"] for site in s.interceptor_sites}
    optional = {
        "left-of-launch": s.left_of_launch,
        "ew-cyber": s.ew_cyber,
        "boost": s.space_interceptors,
        "laser": s.lasers,
        "microwave": s.hpm,
    }
    have |= {name for name, section in optional.items() if section}
    assert set(DEFEAT_LAYER_NAMES) <= have


def test_at_least_three_launch_fields(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    assert s.raid is not None
    fields = [a for a in s.raid.launch_areas if a.kind == "land"]
    assert len(fields) >= MIN_LAUNCH_FIELDS
    used = {area for item in s.raid.inventory.values() for area in item.launch_areas}
    assert used <= {a.name for a in fields}


def test_no_threat_lofted(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    assert "shape" in ThreatGroup.model_fields  # the schema's trajectory option
    kinds = {name: entry["kind"] for name, entry in catalog.load("threats").items()}
    assert s.raid is not None
    shapes = [item.shape for name, item in s.raid.inventory.items() if kinds[name] in SHAPED_KINDS]
    shapes += [g.shape for g in s.threats if kinds[g.type] in SHAPED_KINDS]
    assert shapes
    assert set(shapes) <= {"minimum-energy", "depressed"}
    assert s.doctrine.boost_shapes and "lofted" not in s.doctrine.boost_shapes
