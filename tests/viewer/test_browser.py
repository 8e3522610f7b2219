"""The viewer in a real browser: Playwright (Python) driving Debian's Chromium.

Checks what a user sees: the run list shows the stored run; the dashboard draws
its five figures; the trial player's globe is drawn (the canvas is not blank),
holds one entity per threat object and per interceptor of the trial, and the
time slider moves them; a click on an object selects it and shows its details;
no request leaves 127.0.0.1; bad ids get 404 pages.

Needs ``/usr/bin/chromium`` (Debian's package; ``.ci/run`` installs it) and
CesiumJS (``make web``); without them the tests skip, unless
``SHIELDLAB_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shieldlab.store import read_table
from shieldlab.viewer import find_cesium

CHROMIUM = Path(os.environ.get("SHIELDLAB_CHROMIUM", "/usr/bin/chromium"))
_missing = [
    what
    for what, ok in (
        (f"Chromium at {CHROMIUM}", CHROMIUM.is_file()),
        ("CesiumJS (make web)", find_cesium() is not None),
    )
    if not ok
]
if _missing:
    reason = "the browser tests need " + " and ".join(_missing)
    if os.environ.get("SHIELDLAB_REQUIRE_BROWSER") == "1":
        raise RuntimeError(reason)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

# the flags of a quiet, offline headless Chromium (no background or update traffic)
_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    return []


@pytest.fixture()
def page(browser: Browser, requests_seen: list[str]) -> Iterator[Page]:
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.on("request", lambda r: requests_seen.append(r.url))
    yield pg
    pg.close()


def _local(url: str, base: str) -> bool:
    return url.startswith((base + "/", "blob:" + base + "/", "data:"))


def _open_player(page: Page, server: str, run_id: str, trial: int) -> None:
    page.goto(f"{server}/runs/{run_id}/trials/{trial}")
    page.wait_for_function(
        "window.shieldlab && (window.shieldlab.ready || window.shieldlab.error)", timeout=90_000
    )
    assert page.evaluate("window.shieldlab.error") is None


def test_run_list_shows_the_run(page: Page, server: str, run_id: str):
    page.goto(server + "/")
    row = page.locator(f'tr[data-run="{run_id}"]')
    assert row.count() == 1
    assert "rogue-salvo" in row.inner_text()
    row.get_by_role("link", name=run_id).click()
    page.wait_for_url(f"**/runs/{run_id}")


def test_dashboard_draws_its_five_figures(page: Page, server: str, run_id: str):
    page.goto(f"{server}/runs/{run_id}")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5")
    ids = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.id)")
    assert ids == [
        "fig-leakers-by-asset",
        "fig-kill-chain",
        "fig-custody-by-layer",
        "fig-cost-by-layer",
        "fig-engagement-timeline",
    ]


def _globe_pixels(page: Page) -> np.ndarray:
    from PIL import Image

    box = page.locator("#globe canvas").first.bounding_box()
    assert box is not None
    png = page.screenshot(clip=box)  # of the page region: the canvas redraws every frame
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
    h, w = img.shape
    return img[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]  # the middle: globe, not widgets


def _drawn(middle: np.ndarray) -> bool:
    # the imagery's land and sea, not the black sky: varied, and mostly not dark
    return bool(middle.std() > 12.0 and np.mean(middle > 40) > 0.3)


def _wait_for_globe(page: Page, timeout_s: float = 60.0) -> np.ndarray:
    """The middle of the globe canvas once the imagery is drawn (software WebGL is slow)."""
    deadline = time.monotonic() + timeout_s
    middle = _globe_pixels(page)
    while not _drawn(middle) and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        middle = _globe_pixels(page)
    return middle


def _positions(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const v = window.shieldlab.viewer, t = v.clock.currentTime, out = {};
        for (const e of window.shieldlab.dataSource.entities.values) {
          if (!e.id.startsWith('threat/') || !e.isAvailable(t) || !e.position) continue;
          const p = e.position.getValue(t);
          if (p) out[e.id] = [p.x, p.y, p.z];
        }
        return out;
      }"""
    )


PLAYED_TRIAL = 1


@pytest.fixture(scope="module")
def player(browser: Browser, requests_seen: list[str], server: str, run_id: str) -> Iterator[Page]:
    """The player of one trial, opened once for the tests that look at it (software
    WebGL draws a globe in seconds, not milliseconds)."""
    pg = browser.new_page(viewport={"width": 1100, "height": 700})
    pg.on("request", lambda r: requests_seen.append(r.url))
    _open_player(pg, server, run_id, PLAYED_TRIAL)
    yield pg
    pg.close()


def test_player_draws_the_globe(player: Page):
    middle = _wait_for_globe(player)
    assert middle.std() > 12.0, "the globe canvas is blank"
    assert np.mean(middle > 40) > 0.3, "the globe is not in view"


def test_player_holds_every_object_and_interceptor_of_the_trial(
    player: Page, store: Path, run_id: str
):
    outcomes = read_table(store, "threat_outcomes", run_id)
    shots = read_table(store, "engagements", run_id)
    counts = player.evaluate("window.shieldlab.counts")
    assert counts["threat"] == int(np.count_nonzero(outcomes["trial"] == PLAYED_TRIAL))
    assert counts["interceptor"] == int(np.count_nonzero(shots["trial"] == PLAYED_TRIAL))
    assert int(player.locator("#count-threat").inner_text()) == counts["threat"]
    assert int(player.locator("#count-interceptor").inner_text()) == counts["interceptor"]


def test_the_time_slider_moves_the_objects(player: Page):
    slider = player.locator("#time-slider")
    slider.fill("150", force=True)
    early, t_early = _positions(player), player.locator("#clock").inner_text()
    slider.fill("300", force=True)
    later, t_later = _positions(player), player.locator("#clock").inner_text()
    assert t_early != t_later
    both = sorted(set(early) & set(later))
    assert both, "no threat is in flight at both slider positions"
    moved = [np.linalg.norm(np.subtract(early[k], later[k])) for k in both]
    assert max(moved) > 50e3  # metres: the objects moved with the clock
    slider.fill("0", force=True)


def test_clicking_an_object_shows_its_details(player: Page):
    assert _drawn(_wait_for_globe(player))
    xy = player.evaluate(
        """() => {
        const v = window.shieldlab.viewer, t = v.clock.currentTime;
        for (const e of window.shieldlab.dataSource.entities.values) {
          if (!e.id.startsWith('asset/') || !e.position) continue;
          const w = Cesium.SceneTransforms.worldToWindowCoordinates(
              v.scene, e.position.getValue(t));
          const r = v.canvas.getBoundingClientRect();
          if (w && w.x > 20 && w.y > 20 && w.x < r.width - 20 && w.y < r.height - 120)
            return [w.x + r.left, w.y + r.top, e.id];
        }
        return null;
      }"""
    )
    assert xy is not None, "no defended asset in view"
    player.mouse.click(xy[0], xy[1])
    player.wait_for_function("window.shieldlab.viewer.selectedEntity !== undefined", timeout=10_000)
    picked = player.evaluate("window.shieldlab.viewer.selectedEntity.id")
    assert picked.split("/")[0] in {"asset", "sensor", "site", "threat", "interceptor", "launch"}
    assert player.locator("#details h2").inner_text().strip()
    frame = player.frame_locator(".cesium-infoBox-iframe")
    text = frame.locator(".cesium-infoBox-description").inner_text(timeout=10_000)
    assert picked.split("/", 1)[1] in text


def test_bad_ids_get_404_pages(page: Page, server: str, run_id: str):
    for path in ("/runs/no-such-run", f"/runs/{run_id}/trials/99", "/runs/x/trials/y"):
        response = page.goto(server + path)
        assert response is not None and response.status == 404
        assert "not found" in page.inner_text("h1")
    res = page.request.get(server + "/static/..%2f..%2f..%2fpyproject.toml")
    assert res.status == 404


def test_no_request_leaves_the_local_server(requests_seen: list[str], server: str):
    # runs last in this module: every page above was recorded
    assert len(requests_seen) > 20
    outside = [u for u in requests_seen if not _local(u, server)]
    assert outside == []
