"""Console tables stay readable at 80 columns: no number cut to ``0.…``."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from shieldlab.cli import _custody_table, app

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("space-ir", "ground-radar", "sea-radar", "airborne-radar")


def _row(cls: str, n: int) -> dict[str, object]:
    row: dict[str, object] = {
        "class": cls,
        "objects": n,
        "custody": 0.8123,
        "custody_fc": 0.5321,
        "handovers": 12.345,
        "sensor_handovers": 3.21,
    }
    row |= {f"layer:{k}": v for k, v in zip(LAYERS, (0.9123, 0.4567, None, 0.0123), strict=True)}
    return row


def test_custody_table_with_every_sensor_layer_fits_80_columns() -> None:
    rows = [
        _row(c, n)
        for c, n in (
            ("generic-solid-icbm", 1200),
            ("generic-ascm-supersonic", 30),
            ("heavy-decoy", 300),
            ("all objects", 2400),
        )
    ]
    console = Console(width=80, record=True)
    console.print(_custody_table(rows))
    text = console.export_text()
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    header = next(line for line in text.splitlines() if line.startswith("threat class"))
    for col in ("n", "held", "fc", "space", "ground", "sea", "air", "trk h/o", "lyr h/o"):
        assert re.search(rf"(^|\s){re.escape(col)}(\s|$)", header), col
    body = [line for line in text.splitlines() if re.search(r"\d+%", line)]
    assert len(body) == 4
    for line in body:
        assert re.search(r"81%\s+53%\s+91%\s+46%\s+–\s+1%\s+12\.35\s+3\.21$", line), line
    assert "2400" in text and "1200" in text


def test_run_summary_at_80_columns(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    small.write_text(text.replace("count: 10", "count: 2"), encoding="utf-8")
    args = ["run", str(small), "--trials", "2", "--workers", "1", "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, [*args, "--no-report"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert "sensor custody" in res.stdout and "threat class" in res.stdout
    assert "…" not in res.stdout
    assert all(len(line) <= 80 for line in res.stdout.splitlines())
