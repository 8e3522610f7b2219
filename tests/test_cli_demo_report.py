"""``shieldlab demo`` then ``shieldlab report`` as a new user runs them (the README's quick
start), made fast: 2 trials on one worker, the store in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.store import list_runs

runner = CliRunner()


def test_demo_then_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["demo", "--trials", "2", "--workers", "1", "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    run_id = info["run_id"]
    assert run_id.startswith("rogue-salvo-") and run_id.endswith("-s20250127-n2")
    assert info["trials"] == 2 and info["threats"] == 10
    db = out / "shieldlab.duckdb"
    assert Path(info["database"]) == db and [r["run_id"] for r in list_runs(db)] == [run_id]
    assert Path(info["report"]) == out / f"{run_id}.html" and Path(info["report"]).is_file()

    page = tmp_path / "again.html"
    res = runner.invoke(app, ["report", "--db", str(db), "-o", str(page)])
    assert res.exit_code == 0, res.output
    assert f"report: {page}" in res.output.replace("\n", "")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype")
    assert run_id in html
    for section in (
        "<h1>rogue-salvo</h1>",
        "Leakers per trial",
        "Shots and kills by layer",
        "Sensor custody by threat class and layer",
        "Methods and assumptions",
    ):
        assert section in html, section
    # the run named explicitly gives the same page; an unknown run is a usage error
    res = runner.invoke(app, ["report", run_id, "--db", str(db), "-o", str(tmp_path / "b.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b.html").read_text(encoding="utf-8") == html
    res = runner.invoke(app, ["report", "no-such-run", "--db", str(db)])
    assert res.exit_code == 2 and "unknown run 'no-such-run'" in res.output
