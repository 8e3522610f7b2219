"""``shieldlab serve`` without a browser: pages, 404s, path traversal, read-only store,
and the one-line errors at start (exit 2)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.store import read_table
from shieldlab.viewer import create_app
from shieldlab.viewer.app import CSP


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def client(store: Path) -> TestClient:
    return TestClient(create_app(store))


def test_run_list_shows_the_run_and_its_headline(client: TestClient, store: Path, run_id: str):
    page = client.get("/")
    assert page.status_code == 200
    assert f'data-run="{run_id}"' in page.text
    trials = read_table(store, "trials", run_id)
    api = client.get("/api/runs").json()
    row = next(r for r in api if r["run_id"] == run_id)
    assert row["trials"] == trials["trial"].size == 2
    assert row["mean_leakers"] == pytest.approx(float(np.mean(trials["leakers"])))
    assert row["p_no_leaker"] == pytest.approx(float(np.mean(trials["leakers"] == 0)))
    assert row["p_lo"] <= row["p_no_leaker"] <= row["p_hi"]


@pytest.mark.parametrize(
    "path",
    [
        "/runs/no-such-run",
        "/runs/no-such-run/trials/0",
        "/runs/no-such-run/trials/0/czml",
        "/runs/{rid}/trials/2",
        "/runs/{rid}/trials/-1",
        "/runs/{rid}/trials/abc",
        "/runs/{rid}?trial=9",
        "/static/..%2f..%2f..%2fpyproject.toml",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/cesium/..%2f..%2f..%2fpackage.json",
        "/cesium/%2e%2e/%2e%2e/%2e%2e/package.json",
        "/assets/..%2f..%2fplotly.min.js",
        "/etc/passwd",
    ],
)
def test_bad_ids_and_traversal_are_404(client: TestClient, run_id: str, path: str):
    r = client.get(path.format(rid=run_id))
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert "pyproject" not in r.text and "import " not in r.text


def test_unknown_run_is_a_404_page_naming_it(client: TestClient):
    r = client.get("/runs/no-such-run")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "no-such-run" in r.text and "all runs" in r.text


def test_every_page_allows_only_this_server(client: TestClient, run_id: str):
    for path in ("/", f"/runs/{run_id}/trials/0", "/runs/nope", "/static/viewer.css"):
        assert client.get(path).headers["content-security-policy"] == CSP
    assert "default-src 'self'" in CSP and "http" not in CSP


def test_player_page_loads_cesium_and_the_trial_from_this_server(client: TestClient, run_id: str):
    html = client.get(f"/runs/{run_id}/trials/1").text
    assert f'data-czml="/runs/{run_id}/trials/1/czml"' in html
    assert 'src="/cesium/Cesium.js"' in html or "make web" in html
    assert "http://" not in html and "https://" not in html


def test_serving_leaves_the_store_untouched(client: TestClient, store: Path, run_id: str):
    before = _sha(store)
    for path in ("/", "/api/runs", f"/runs/{run_id}/trials/0", "/runs/nope"):
        client.get(path)
    assert _sha(store) == before
    assert not Path(str(store) + ".wal").exists()


runner = CliRunner()


def _serve(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["serve", *args])
    return res.exit_code, res.output


def test_serve_refuses_a_missing_store(tmp_path: Path):
    code, out = _serve("--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert "--db" in out and "does not exist" in out
    assert not (tmp_path / "none.duckdb").exists()


def test_serve_refuses_a_file_that_is_not_a_store(tmp_path: Path):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n")
    for path in (other, text):
        before = _sha(path)
        code, out = _serve("--db", str(path))
        assert code == 2, out
        assert "--db" in out and ("not a shieldlab" in out or "cannot be opened" in out)
        assert len(out.strip().splitlines()) <= 3  # one line (rich may wrap it at 80 columns)
        assert _sha(path) == before


def test_serve_refuses_a_busy_port(store: Path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, out = _serve("--db", str(store), "--port", str(port))
    assert code == 2
    assert "--port" in out


def test_export_czml_writes_the_trial_and_refuses_bad_input(store: Path, run_id: str, tmp_path):
    import json

    out_file = tmp_path / "trial.czml"
    res = runner.invoke(
        app, ["export", "czml", run_id, "--trial", "1", "--db", str(store), "-o", str(out_file)]
    )
    assert res.exit_code == 0, res.output
    packets = json.loads(out_file.read_text())
    assert packets[0]["id"] == "document"
    outcomes = read_table(store, "threat_outcomes", run_id)
    threats = [p for p in packets if str(p.get("id", "")).startswith("threat/")]
    assert len(threats) == int(np.count_nonzero(outcomes["trial"] == 1))
    for args, option in (
        (["no-such-run"], "RUN_ID"),
        ([run_id, "--trial", "2"], "--trial"),
        ([run_id, "--db", str(tmp_path / "missing.duckdb")], "--db"),
    ):
        bad = tmp_path / "bad.czml"
        res = runner.invoke(
            app,
            [
                "export",
                "czml",
                *args,
                "-o",
                str(bad),
                *([] if "--db" in args else ["--db", str(store)]),
            ],
        )
        assert res.exit_code == 2, (args, res.output)
        assert option in res.output
        assert not bad.exists()
    res = runner.invoke(app, ["export", "czml", run_id, "--db", str(store), "-o", str(tmp_path)])
    assert res.exit_code == 2 and "--output" in res.output


def test_the_player_shows_the_re_flights_warnings(store: Path, run_id: str, tmp_path: Path):
    import shutil

    older = tmp_path / "older.duckdb"
    shutil.copy(store, older)
    con = duckdb.connect(str(older))
    con.execute("UPDATE runs SET shieldlab_version = '0.0.1' WHERE run_id = ?", [run_id])
    con.close()
    html = TestClient(create_app(older)).get(f"/runs/{run_id}/trials/0").text
    assert '<p class="warn">run written by shieldlab 0.0.1' in html
    clean = TestClient(create_app(store)).get(f"/runs/{run_id}/trials/0").text
    assert '<p class="warn">' not in clean


def test_studies_are_listed_and_drawn(tmp_path: Path):
    """A store holding a study (here an interrupted one: 3 of its 4 points) lists it
    on the index and in /api/studies, and /studies/ID draws its response curves
    with this server's plotly.js (not inlined)."""
    from datetime import UTC, datetime

    from shieldlab.analysis.sweep import RESPONSE_COLUMNS
    from shieldlab.store.study import add_point, create_study

    db = tmp_path / "shieldlab.duckdb"
    row = {
        "study_id": "demo-sweep-1",
        "created_utc": datetime(2026, 1, 2, tzinfo=UTC),
        "scenario_name": "demo",
        "scenario_sha256": "0" * 64,
        "design": "grid",
        "parameters": ["a=1,2", "b=x,y"],
        "samples": None,
        "trials": 4,
        "seed": 7,
        "shieldlab_version": "test",
    }
    sid = create_study(db, row)
    for i, (a, b) in enumerate([(1, "x"), (1, "y"), (2, "x")]):
        resp = dict.fromkeys(RESPONSE_COLUMNS, 1.0) | {"p_no_leaker": 0.2 * (i + 1)}
        add_point(db, sid, i, f"run-{i}", {"a": a, "b": b}, resp)
    client = TestClient(create_app(db))
    index = client.get("/")
    assert index.status_code == 200
    assert f'data-study="{sid}"' in index.text and f'href="/studies/{sid}"' in index.text
    assert "3 of 4" in index.text and "holds no run yet" in index.text
    (api,) = client.get("/api/studies").json()
    assert api["study_id"] == sid and api["status"] == "running"
    assert (api["points_stored"], api["points_expected"]) == (3, 4)
    page = client.get(f"/studies/{sid}")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    for needle in ('id="response-0"', 'id="response-1"', 'id="heatmap"', "Incomplete study"):
        assert needle in page.text
    assert "plotly.js v" not in page.text and 'src="/assets/plotly.min.js"' in page.text
    missing = client.get("/studies/nope")
    assert missing.status_code == 404 and "nope" in missing.text
