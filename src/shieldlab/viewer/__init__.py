"""``shieldlab serve``: a local, read-only web viewer of a results store.

:mod:`shieldlab.viewer.app` builds the FastAPI application (run list, run
dashboard, trial player on a CesiumJS globe); :mod:`shieldlab.viewer.pages`
renders its HTML. Everything it serves comes from the local machine: its own
static files, plotly.js from the plotly package and CesiumJS (with the Natural
Earth II imagery it ships) from ``web/node_modules`` (``make web``).
"""

from shieldlab.viewer.app import create_app, find_cesium

__all__ = ["create_app", "find_cesium"]
