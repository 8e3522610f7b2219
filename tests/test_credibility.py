"""``shieldlab validate --models``: the credibility report (shieldlab.credibility) and its CLI.

The full report runs once per module (about 20 s); the failure paths use one cheap case.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldlab import credibility
from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"
KEYS = {"model", "reference", "source", "expected", "shieldlab", "difference", "tolerance", "pass"}
runner = CliRunner()


@pytest.fixture(scope="module")
def models_json() -> tuple[int, dict[str, object]]:
    res = runner.invoke(app, ["validate", "--models", "--json"])
    return res.exit_code, json.loads(res.stdout)


def test_every_case_passes_with_numbers(models_json: tuple[int, dict[str, object]]) -> None:
    code, out = models_json
    cases = out["cases"]
    assert isinstance(cases, list) and 15 <= len(cases) <= 30
    assert code == 0
    assert out["failed"] == 0 and out["passed"] == len(cases) - out["skipped"]  # type: ignore[operator]
    models = {c["model"] for c in cases}
    assert {"atmosphere", "orbits", "ballistic", "radar", "EKF", "SBI sizing", "cost"} <= models
    for c in cases:
        assert KEYS <= set(c), c
        assert isinstance(c["expected"], float) and isinstance(c["tolerance"], float)
        assert c["tolerance"] > 0.0 and c["source"] and c["reference"]
        if c["status"] == "skipped":  # only the WTA benchmark, without ../shared/data
            assert c["model"] == "WTA" and c["pass"] is None and c["shieldlab"] is None
            continue
        assert c["pass"] is True, c
        assert isinstance(c["shieldlab"], float)
        assert c["difference"] == pytest.approx(c["shieldlab"] - c["expected"], abs=1e-12)
        assert abs(c["difference"]) <= c["tolerance"]


def test_rows_skipped_without_their_input_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ../shared/data/wta (a user's clone) or architectures/ (an installed package)
    those rows are skipped, not failed."""
    monkeypatch.setattr(credibility, "find_file", lambda *parts: None)
    cases = [credibility.case_wta_benchmark, credibility.case_cost_aei_2025]
    report = credibility.run_cases(cases)
    for row in report.rows:
        assert row.status == "skipped" and row.passed is None and "not found" in row.note
        assert row.value is None and row.as_dict()["pass"] is None
    assert (report.passed, report.failed, report.skipped) == (0, 0, 2)
    assert credibility.summary_line(report) == "0 of 2 reference cases passed, 2 skipped"


def test_tolerance_zero_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case with its tolerance tightened to 0 fails: the runner can fail."""
    (ok,) = credibility.run_cases([credibility.case_lambert]).rows
    assert ok.passed is True and ok.difference != 0.0  # measured 0.6 mm/s
    real = credibility.compare

    def zero_tolerance(*args: object) -> credibility.Row:
        return real(*args[:5], 0.0, args[6])  # type: ignore[arg-type]

    monkeypatch.setattr(credibility, "compare", zero_tolerance)
    report = credibility.run_cases([credibility.case_lambert])
    assert (report.passed, report.failed) == (0, 1)
    assert report.rows[0].status == "FAIL"
    assert "FAILED: 1 of 1" in credibility.summary_line(report)


def test_wrong_reference_fails_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deliberately wrong expected value (Vallado's φ + 1e-4°), and a case that raises:
    both fail; the command exits 1 and says so in its last line."""

    def wrong() -> credibility.Row:
        row = credibility.case_frames_geodetic()
        return credibility.compare(
            row.model, row.reference, row.source, row.expected + 1e-4, row.value or 0.0,
            row.tolerance, row.unit,
        )  # fmt: skip

    def broken() -> credibility.Row:
        raise RuntimeError("model exploded")

    cases = [credibility.case_radar_swerling, wrong, broken]
    monkeypatch.setattr(credibility, "CASES", tuple(cases))
    res = runner.invoke(app, ["validate", "--models"])
    assert res.exit_code == 1
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("FAILED: 2 of 3") and "1 passed" in last
    res = runner.invoke(app, ["validate", "--models", "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert [c["pass"] for c in out["cases"]] == [True, False, False]
    assert (out["passed"], out["failed"]) == (1, 2)
    assert "model exploded" in out["cases"][2]["note"] and out["cases"][2]["expected"] is None


def test_table_readable_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    cases = (credibility.case_atmosphere_300km, credibility.case_radar_uewr_range)
    console = Console(width=80, record=True)
    console.print(credibility.models_table(credibility.run_cases(cases), 80))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for needle in ("reference", "shieldlab", "difference", "tolerance", "kg/m³", "5556", "pass"):
        assert needle in text
    assert "…" not in text  # text columns wrap, nothing is cut off


def test_validate_needs_scenario_or_models() -> None:
    res = runner.invoke(app, ["validate"])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--models" in lines[0]
    res = runner.invoke(app, ["validate", str(FLAGSHIP), "--models"])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1


def test_validate_scenario_still_works() -> None:
    res = runner.invoke(app, ["validate", str(FLAGSHIP), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["launches"] == 10
    res = runner.invoke(app, ["validate", str(FLAGSHIP)])
    assert res.exit_code == 0 and "launches" in res.stdout


def test_formatting_is_compact() -> None:
    assert credibility.fmt_number(1.916e-11) == "1.916e-11"
    assert credibility.fmt_number(111.3, 2) == "111"
    assert credibility.fmt_number(None) == "—" and credibility.fmt_number(math.nan) == "—"
    assert credibility.fmt_difference(-1473.5) == "-1474"
    assert credibility.fmt_difference(2.2e-8) == "+2.2e-8"
