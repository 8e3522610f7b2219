"""`shieldlab coalition` and the coalition rows of `shieldlab marginal` as a user meets
them: JSON rows per partner plus a sharing row; bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"
runner = CliRunner()
COALITION = """
coalition:
  forces: [{name: US}, {name: ALLY}]
  sharing:
    - {from: US, to: ALLY, latency_s: 5, engage_on_remote: true}
    - {from: ALLY, to: US, latency_s: 5, engage_on_remote: true}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = FLAGSHIP.read_text(encoding="utf-8").replace("count: 10", "count: 2")
    line = "lat_deg: 34.74, lon_deg: -120.57, inventory: 4}"
    assert line in text
    text = text.replace(line, line[:-1] + ", force: ALLY}")
    radar = "boresight_azimuth_deg: 270}"
    assert radar in text
    text = text.replace(radar, radar[:-1] + ", force: ALLY}")
    path = tmp_path_factory.mktemp("coal") / "coalition.yaml"
    path.write_text(text + COALITION, encoding="utf-8")
    return path


def test_coalition_json_rows(scenario: Path) -> None:
    res = runner.invoke(app, ["coalition", str(scenario), "--trials", "2", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    rows = {r["partner"]: r for r in d["rows"]}
    assert set(rows) == {"US", "ALLY", "sharing"}
    for r in rows.values():
        assert {"delta_leakers", "delta_leakers_half", "delta_value_lost"} <= set(r)
        assert {"delta_value_lost_half"} <= set(r)
    # without the US (GEO warning, two UEWRs, Fort Greely) the ally's radar and four
    # GBIs leave more leakers than the baseline in every trial
    assert rows["US"]["delta_leakers"] > 0.0
    assert d["baseline"]["mean_leakers"] + rows["US"]["delta_leakers"] == pytest.approx(
        rows["US"]["mean_leakers"]
    )


def test_marginal_adds_the_partner_rows(scenario: Path) -> None:
    res = runner.invoke(
        app, ["marginal", str(scenario), "--trials", "2", "--layer", "ground-radar", "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert [r["layer_off"] for r in d["runs"]] == [None, "ground-radar"]
    assert [r["partner"] for r in d["partners"]] == ["US", "ALLY", "sharing"]


def test_coalition_without_a_section_is_one_line_exit_2() -> None:
    res = runner.invoke(app, ["coalition", str(FLAGSHIP)])
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0
    assert "coalition" in res.output


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "forces: [{name: US}, {name: ALLY}]",
            "forces: [{name: US}, {name: ALLY}, {name: ROK}]",
            "coalition.forces.2",
        ),
        (
            "{from: US, to: ALLY, latency_s: 5",
            "{from: US, to: NAVY, latency_s: 5",
            "coalition.sharing.0.to",
        ),
        ("force: ALLY}", "force: NAVY}", ".force"),
    ],
)
def test_bad_coalition_is_one_line_exit_2(
    scenario: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = scenario.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    for cmd in ("validate", "coalition"):
        res = runner.invoke(app, [cmd, str(bad)])
        assert res.exit_code == 2, res.output
        assert res.output.strip().count("\n") == 0
        assert field in res.output, res.output
