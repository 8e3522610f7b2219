"""The viewer's FastAPI application over one results store, opened read only.

Routes (all GET):

- ``/`` — the studies (sweeps) and runs of the store with their headline figures;
- ``/studies/{study_id}`` — a study's response curves and table (the report's
  sections, :func:`shieldlab.report.study_html.study_sections`);
- ``/runs/{run_id}`` — a run's dashboard (the report's figures, one function);
- ``/runs/{run_id}/trials/{trial}`` — the trial player (CesiumJS globe);
- ``/runs/{run_id}/trials/{trial}/czml`` — the trial's CZML document;
- ``/api/runs``, ``/api/studies`` — the run and study lists as JSON;
- ``/static/…``, ``/cesium/…``, ``/assets/plotly.min.js`` — its own files only.

Safety: the store is only ever opened with DuckDB's ``read_only=True``; static
files are served by Starlette's :class:`StaticFiles`, which answers 404 to a
path that resolves outside its folder; an unknown run or trial is a 404 page.
Every page carries a Content-Security-Policy that allows requests to this
server only, so a page cannot reach the network even by mistake.

The CZML of a trial is re-flown from the stored scenario (seconds for a large
raid), so the last few documents are kept in memory.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import plotly
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from shieldlab import __version__
from shieldlab.report.html import headline
from shieldlab.store import RESULT_TABLES, list_runs, read_run, read_table
from shieldlab.store.study import list_studies, read_points
from shieldlab.viewer import pages

__all__ = ["CSP", "create_app", "find_cesium", "run_rows", "study_rows"]

STATIC_DIR = Path(__file__).with_name("static")
CESIUM_SUBPATH = Path("web/node_modules/cesium/Build/Cesium")
CSP = (
    "default-src 'self'; script-src 'self' blob: 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "worker-src 'self' blob:; connect-src 'self' data: blob:; font-src 'self' data:; "
    "frame-src 'self' about:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_CZML_CACHE = 8


def find_cesium() -> Path | None:
    """CesiumJS's ``Build/Cesium`` folder: ``$SHIELDLAB_CESIUM_DIR``, else ``web/`` of
    the checkout this package runs from (``make web``), else of the working directory."""
    env = os.environ.get("SHIELDLAB_CESIUM_DIR")
    candidates = [Path(env)] if env else []
    candidates += [p / CESIUM_SUBPATH for p in Path(__file__).resolve().parents[:4]]
    candidates.append(Path.cwd() / CESIUM_SUBPATH)
    return next((c for c in candidates if (c / "Cesium.js").is_file()), None)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def run_rows(db_path: Path) -> list[dict[str, Any]]:
    """One row per stored run, newest first: provenance and headline figures."""
    rows = []
    for run in reversed(list_runs(db_path)):
        rid = str(run["run_id"])
        h = headline(read_table(db_path, "trials", rid))
        rows.append(
            {
                "run_id": rid,
                "scenario": str(run["scenario_name"]),
                "created_utc": str(run["created_utc"])[:19],
                "trials": int(run["trials"]),  # type: ignore[call-overload]
                "seed": int(run["seed"]),  # type: ignore[call-overload]
                "version": str(run["shieldlab_version"]),
                "p_no_leaker": _finite(h["p_no_leaker"]),
                "p_lo": _finite(h["p_lo"]),
                "p_hi": _finite(h["p_hi"]),
                "mean_leakers": _finite(h["mean_leakers"]),
                "mean_value_hit": _finite(h["mean_value_hit"]),
                "mean_cost_usd": _finite(h["mean_cost_usd"]),
            }
        )
    return rows


def study_rows(db_path: Path) -> list[dict[str, Any]]:
    """One row per stored study, newest first: its design and how many of its points
    are stored (``points_expected`` None if the design cannot be read back)."""
    from shieldlab.report.study_html import expected_points

    rows = []
    for study in reversed(list_studies(db_path)):
        sid = str(study["study_id"])
        rows.append(
            {
                "study_id": sid,
                "scenario": str(study["scenario_name"]),
                "created_utc": str(study["created_utc"])[:19],
                "design": str(study["design"]),
                "parameters": [str(p) for p in study["parameters"]],  # type: ignore[attr-defined]
                "trials": int(study["trials"]),  # type: ignore[call-overload]
                "seed": int(study["seed"]),  # type: ignore[call-overload]
                "status": str(study["status"]),
                "points_stored": len(read_points(db_path, sid)),
                "points_expected": expected_points(study),
            }
        )
    return rows


class _CzmlCache:
    """The last few trial documents (thread-safe; the server runs handlers in threads)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, db: Path, run_id: str, trial: int) -> Any:
        from shieldlab.report.trial_czml import trial_czml

        key = (run_id, trial)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        doc = trial_czml(db, run_id, trial)
        with self._lock:
            self._items[key] = doc
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return doc


def _run_or_404(db: Path, run_id: str) -> dict[str, object]:
    try:
        return read_run(db, run_id)
    except KeyError:
        raise HTTPException(404, f"no run {run_id!r} in this store") from None


def _trial_or_404(run: dict[str, object], trial: int) -> None:
    n = int(run["trials"])  # type: ignore[call-overload]
    if not 0 <= trial < n:
        raise HTTPException(404, f"run {run['run_id']} has trials 0 to {n - 1}, not {trial}")


def create_app(db_path: Path, cesium_dir: Path | None = None) -> FastAPI:
    """The viewer of the store at ``db_path`` (read only); CesiumJS from ``cesium_dir``
    (default :func:`find_cesium`; without it the player says how to install it)."""
    db = Path(db_path)
    cesium = cesium_dir if cesium_dir is not None else find_cesium()
    app = FastAPI(title="shieldlab viewer", version=__version__, docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if cesium is not None:
        app.mount("/cesium", StaticFiles(directory=cesium), name="cesium")
    cache = _CzmlCache(_CZML_CACHE)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(pages.error_page(exc.status_code, str(exc.detail)), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _bad_id(request: Request, exc: RequestValidationError) -> Response:
        # a trial number that is not a number names nothing: not found, like an unknown id
        detail = f"no such page: {request.url.path}"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail}, status_code=404)
        return HTMLResponse(pages.error_page(404, detail), 404)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return pages.run_list_page(run_rows(db), db, study_rows(db))

    @app.get("/api/runs")
    def api_runs() -> list[dict[str, Any]]:
        return run_rows(db)

    @app.get("/api/studies")
    def api_studies() -> list[dict[str, Any]]:
        return study_rows(db)

    @app.get("/studies/{study_id}", response_class=HTMLResponse)
    def study(study_id: str) -> str:
        from shieldlab.report.study_html import study_sections

        try:
            title, parts = study_sections(db, study_id, inline_plotly=False)
        except KeyError:
            raise HTTPException(404, f"no study {study_id!r} in this store") from None
        return pages.study_page(study_id, title, parts)

    @app.get("/assets/plotly.min.js")
    def plotly_js() -> FileResponse:
        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return FileResponse(path, media_type="text/javascript")

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def dashboard(run_id: str, trial: int = 0) -> str:
        from shieldlab.report.run_figures import dashboard_figures

        run = _run_or_404(db, run_id)
        _trial_or_404(run, trial)
        tables = {name: read_table(db, name, run_id) for name in RESULT_TABLES}
        figures = dashboard_figures(tables, trial)
        return pages.dashboard_page(run, headline(tables["trials"]), figures, trial)

    @app.get("/runs/{run_id}/trials/{trial}", response_class=HTMLResponse)
    def player(run_id: str, trial: int) -> str:
        run = _run_or_404(db, run_id)
        _trial_or_404(run, trial)
        # built now (and cached for the globe's request) so its warnings are on the page
        warnings = cache.get(db, run_id, trial).warnings
        return pages.player_page(run, trial, cesium_ready=cesium is not None, warnings=warnings)

    @app.get("/runs/{run_id}/trials/{trial}/czml")
    def czml(run_id: str, trial: int) -> Response:
        run = _run_or_404(db, run_id)
        _trial_or_404(run, trial)
        doc = cache.get(db, run_id, trial)
        headers = {
            "X-Shieldlab-Threats": str(doc.n_threats),
            "X-Shieldlab-Interceptors": str(doc.n_interceptors),
            "X-Shieldlab-Warnings": json.dumps(doc.warnings),
            "Content-Disposition": f'inline; filename="{run_id}-trial{trial}.czml"',
        }
        return Response(doc.dumps(), media_type="application/json", headers=headers)

    return app
