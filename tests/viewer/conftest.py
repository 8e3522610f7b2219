"""Fixtures of the viewer's tests: a real stored run, and the viewer served on loopback.

The store holds a two-trial run of the shipped ``rogue-salvo`` scenario, made by
the same CLI path a user takes (``shieldlab run``), because the trial player
re-flies the trial from the stored scenario. The server is the real uvicorn
server on 127.0.0.1 and a free port, in a thread, for the browser tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.store import list_runs
from shieldlab.viewer import create_app

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "rogue-salvo.yaml"


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("viewer-store")
    res = CliRunner().invoke(
        app,
        ["run", str(SCENARIO), "--trials", "2", "--workers", "1", "--out", str(out), "--no-report"],
    )
    assert res.exit_code == 0, res.output
    return out / "shieldlab.duckdb"


@pytest.fixture(scope="session")
def run_id(store: Path) -> str:
    return str(list_runs(store)[-1]["run_id"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(store: Path) -> Iterator[str]:
    """Base URL of the viewer of ``store``, served by uvicorn on 127.0.0.1."""
    port = _free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20.0
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the viewer did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10.0)
