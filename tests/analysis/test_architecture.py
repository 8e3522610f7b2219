"""Architecture files: validation errors as one line, quantities from a scenario or a salvo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shieldlab.analysis.architecture import (
    ArchitectureError,
    LoadedArchitecture,
    load_architecture,
    parse_architecture,
)
from shieldlab.analysis.cost_catalog import load_cost_catalog, load_launch_prices

ROOT = Path(__file__).resolve().parents[2]
Make = Callable[..., LoadedArchitecture]
El = Callable[..., dict[str, Any]]


def test_every_catalog_entry_has_a_source_and_a_known_dollar_year() -> None:
    from shieldlab.analysis.inflation import load_price_index

    idx = load_price_index()
    entries = load_cost_catalog()
    assert len(entries) >= 20
    for name, e in entries.items():
        assert len(e.source) > 40, name
        assert idx.at(e.dollar_year) > 0
    for p in load_launch_prices().values():
        assert len(p.source) > 40


@pytest.mark.parametrize("path", sorted((ROOT / "architectures").glob("*.yaml")), ids=str)
def test_shipped_architectures_load(path: Path) -> None:
    arch = load_architecture(path)
    assert arch.elements and all(r.quantity > 0 for r in arch.elements)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"layer": "orbit"}, "elements.0.layer: unknown layer 'orbit'; allowed: left-of-launch"),
        (
            {"item": "pac3-msee"},
            "unknown cost entry 'pac3-msee' (did you mean 'pac3-mse-interceptor'?)",
        ),
        ({"quantity": -5}, "elements.0.quantity: Input should be greater than or equal to 0"),
        ({"start_fy": 2060}, "elements.0.start_fy: 2060 is outside the study FY2030–FY2049"),
        ({"layer": "midcourse"}, "belongs to layer 'terminal', not 'midcourse'"),
        ({"overrides": {"unit_cost": 3}}, "unknown catalog field 'unit_cost'"),
        (
            {"overrides": {"production_rate_per_year": -1}},
            "elements.0.overrides.production_rate_per_year: Input should be greater than 0",
        ),
        (
            {"from_scenario": ["Fort Greely"]},
            "give exactly one of quantity, from_scenario or sbi_salvo",
        ),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_bad_element_is_one_line(element: El, change: dict[str, Any], needle: str) -> None:
    el = element(quantity=10) | change
    text = yaml.safe_dump({"name": "t", "first_fy": 2030, "dollars_fy": 2030, "elements": [el]})
    with pytest.raises(ArchitectureError) as info:
        parse_architecture(text, "t.yaml")
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("t.yaml: ")
    assert needle in msg


def test_bad_top_level_fields(element: El) -> None:
    good = {"name": "t", "first_fy": 2030, "dollars_fy": 2030, "elements": [element(quantity=1)]}
    for change, needle in [
        ({"elements": []}, "elements: List should have at least 1 item"),
        ({"horizon_years": 0}, "horizon_years"),
        ({"launch": "balloon"}, "unknown launch price 'balloon'"),
        ({"production": "max"}, "production: Input should be 'current' or 'surge'"),
        ({"scenario": "nowhere.yaml"}, "scenario: "),
    ]:
        with pytest.raises(ArchitectureError) as info:
            parse_architecture(yaml.safe_dump(good | change), "t.yaml")
        assert needle in str(info.value), (change, str(info.value))
    for text, needle in [
        ("[1, 2]", "must be a mapping"),
        ("a: [", "malformed YAML"),
        ("", "mapping"),
    ]:
        with pytest.raises(ArchitectureError, match=needle):
            parse_architecture(text, "t.yaml")
    with pytest.raises(ArchitectureError, match="file not found"):
        load_architecture(ROOT / "architectures" / "missing.yaml")


def test_two_buys_with_one_label_are_refused(element: El) -> None:
    text = yaml.safe_dump(
        {
            "name": "t",
            "first_fy": 2030,
            "dollars_fy": 2030,
            "elements": [element(quantity=1), element(quantity=2)],
        }
    )
    with pytest.raises(ArchitectureError, match="'buy' is used twice"):
        parse_architecture(text, "t.yaml")


def test_quantities_counted_from_the_scenario() -> None:
    arch = load_architecture(ROOT / "architectures" / "layered-defense.yaml")
    q = {r.element.name: r.quantity for r in arch.elements}
    # scenarios/layered-defense.yaml: an 800-carrier SBI shell, 20 + 4 GBIs, two THAAD
    # batteries of 16, 8 + 8 SM-6, a 48-satellite LEO layer, one GEO sensor, two UEWRs
    assert q["SBI shell"] == 800 and q["GBI/NGI"] == 24
    assert q["THAAD batteries"] == 2 and q["THAAD interceptors"] == 32
    assert q["SM-6"] == 16 and q["LEO tracking layer"] == 48 and q["GEO warning"] == 1
    assert q["UEWRs"] == 2 and q["SBX"] == 1


def test_unknown_scenario_name_is_one_line(tmp_path: Path) -> None:
    text = (ROOT / "architectures" / "layered-defense.yaml").read_text()
    bad = tmp_path / "arch.yaml"
    bad.write_text(
        text.replace("from_scenario: [SBX Aleutians]", "from_scenario: [SBX Atlantic]").replace(
            "../scenarios/", str(ROOT / "scenarios") + "/"
        )
    )
    with pytest.raises(ArchitectureError, match="unknown scenario name 'SBX Atlantic'"):
        load_architecture(bad)


def test_sbi_count_from_a_salvo_is_the_sizing_result(make_arch: Make) -> None:
    import numpy as np

    from shieldlab.core.constants import DEG
    from shieldlab.core.time import parse_epoch
    from shieldlab.weapons import sbi, sbi_sizing as sz

    el = {
        "label": "SBI",
        "layer": "boost",
        "item": "sbi-satellite",
        "sbi_salvo": {"salvo": 1, "trials": 20, "seed": 4},
        "start_fy": 2030,
        "altitude_km": 400,
        "inclination_deg": 45,
    }
    arch = make_arch([el])
    (rel,) = arch.elements
    # the same inputs through the sizing library (what `shieldlab size sbi` prints)
    path = sbi.boost_path(
        "generic-solid-icbm",
        40 * DEG,
        127.5 * DEG,
        38.9 * DEG,
        -77 * DEG,
        parse_epoch("2025-01-01T00:00:00Z"),
    )
    problem = sz.SalvoProblem(1, 0.0, 1, 0.9, 30.0, 0.0, 400e3, 45 * DEG)
    res = sz.size_constellation(
        path,
        sbi.load_sbi_specs()["generic-sbi-4kmps"],
        problem,
        20,
        np.random.default_rng(np.random.SeedSequence(4)),
    )
    assert rel.quantity == res.constellation_size > 0
    assert rel.quantity_basis.startswith("size sbi: 1 x generic-solid-icbm")
    with pytest.raises(ArchitectureError, match="needs the element's altitude_km"):
        make_arch([{k: v for k, v in el.items() if k != "altitude_km"}])
    # a salvo no constellation can engage is an error naming the binding constraint
    late = {**el, "sbi_salvo": {**el["sbi_salvo"], "decision_delay_s": 175.0}}  # type: ignore[dict-item]
    with pytest.raises(ArchitectureError, match="infeasible: no interceptor reaches"):
        make_arch([late])
