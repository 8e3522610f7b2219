"""`shieldlab deterrent` as a user meets it (the reduced raid of
tests/sim/data/counterforce-small.yaml, two trials): the ``--json`` object's shape, the
table, and bad input — an alert rate above 1, a scenario without a ``deterrent:``
section, an unknown wing base, a negative floor — one line on stderr, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "sim" / "data" / "counterforce-small.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    res = runner.invoke(app, ["deterrent", str(SMALL), "--json", "--workers", "1"])
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def test_json_shape(result: dict[str, Any]) -> None:
    assert {"with_defense", "without_defense", "layer_off", "smallest_addition"} <= set(result)
    variants = [result["with_defense"], result["without_defense"], *result["layer_off"].values()]
    assert set(result["layer_off"]) == {"space-warning", "ground-radar", "midcourse"}
    for v in variants:
        for key in ("surviving_launchers", "surviving_warheads"):
            assert isinstance(v[key]["mean"], float) and isinstance(v[key]["p5"], float)
            assert v[key]["p5"] <= v[key]["mean"] + 1e-9
            assert len(v[key]["per_trial_mean"]) == 2
    assert result["force"]["warheads"]["total"] == 5 + 50 + 160
    with_d = result["with_defense"]["surviving_warheads"]["mean"]
    assert with_d >= result["without_defense"]["surviving_warheads"]["mean"]
    sa = result["smallest_addition"]
    assert result["floor"] == {"warheads": 200.0, "statistic": "mean"}
    assert sa["status"] in ("met", "found", "infeasible")
    if sa["status"] == "found":
        assert sa["interceptors"] > 0 and sa["value"] >= 200.0


def _write(tmp_path: Path, change: dict[str, Any] | None = None, drop: str | None = None) -> Path:
    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    for dotted, value in (change or {}).items():
        node = data
        keys = [int(k) if k.isdigit() else k for k in dotted.split(".")]
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    if drop:
        del data[drop]
        data["threats"] = [
            {
                "type": "generic-solid-icbm",
                "count": 1,
                "targets": ["X"],
                "launch_area": {"lat_deg": 46, "lon_deg": 127},
            }
        ]
        data["assets"] = [{"name": "X", "lat_deg": 41.1, "lon_deg": -95.9}]
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("change", "drop", "expected"),
    [
        (
            {"deterrent.bomber_bases.0.alert_rate": 1.2},
            None,
            "deterrent.bomber_bases.0.alert_rate: Input should be less than or equal to 1",
        ),
        (None, "deterrent", "no `deterrent:` section"),
        (
            {"deterrent.icbm_wings.0.base": "Grand Forks AFB"},
            None,
            "deterrent.icbm_wings.0.base: unknown catalog asset 'Grand Forks AFB'",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, change: dict[str, Any] | None, drop: str | None, expected: str
) -> None:
    p = _write(tmp_path, change, drop)
    res = runner.invoke(app, ["deterrent", str(p), "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], res.stderr


def test_bad_floor_is_one_line_exit_2() -> None:
    res = runner.invoke(app, ["deterrent", str(SMALL), "--floor", "-5"])
    assert res.exit_code == 2 and res.stdout == ""
    assert "--floor: must be between 0 and 100000 warheads" in res.stderr


def test_table_fits_80_columns(tmp_path: Path) -> None:
    # one trial, no sensors (three runs: as written, midcourse off, no defense)
    p = _write(tmp_path, {"trials": 1, "deterrent.draws_per_trial": 10, "sensors": []})
    res = runner.invoke(app, ["deterrent", str(p), "--no-search"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "with defense" in res.stdout and "no defense" in res.stdout
    assert "not searched (--no-search)" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
