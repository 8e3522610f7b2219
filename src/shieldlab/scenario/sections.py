"""Scenario sections and layer names contributed by layer plug-ins.

A layer plug-in (:mod:`shieldlab.sim.layers`) registers its layer name and,
when its scenario section is not one of the built-in :class:`Scenario` fields,
the section's key and pydantic model here. The scenario schema then accepts
the key (validated by that model, reachable as ``scenario.section(key)``) and
accepts the layer name in ``disabled_layers``.

Plug-ins are found on first use: the engine's built-in layers
(``shieldlab.sim.layers``) and the modules named by the ``shieldlab.layers``
entry-point group of installed packages. The import is by name, at run time,
so this low module does not depend on the engine.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points

from pydantic import BaseModel

PLUGIN_GROUP = "shieldlab.layers"
"""Entry-point group whose modules are imported as layer plug-ins."""


@dataclass(frozen=True)
class PluginSection:
    """A scenario section of a plug-in: top-level ``key``, its ``model`` (one
    object, or a list of them when ``many``) and the ``layer`` it belongs to."""

    key: str
    model: type[BaseModel]
    layer: str
    many: bool = False


_SECTIONS: dict[str, PluginSection] = {}
_LAYERS: list[str] = []
_loaded = False


def register(
    layer: str, key: str | None = None, model: type[BaseModel] | None = None, many: bool = False
) -> None:
    """Register a plug-in's layer name and, with ``key`` and ``model``, its scenario
    section (registering the same name again replaces it)."""
    if layer not in _LAYERS:
        _LAYERS.append(layer)
    if key is not None:
        if model is None:
            raise ValueError(f"section {key!r} of layer {layer!r} needs a model")
        _SECTIONS[key] = PluginSection(key, model, layer, many)


def unregister(layer: str) -> None:
    """Remove a plug-in's layer name and sections (tests)."""
    if layer in _LAYERS:
        _LAYERS.remove(layer)
    for key in [k for k, s in _SECTIONS.items() if s.layer == layer]:
        del _SECTIONS[key]


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    importlib.import_module("shieldlab.sim.layers")
    for ep in entry_points(group=PLUGIN_GROUP):
        importlib.import_module(ep.value.split(":")[0])


def sections() -> dict[str, PluginSection]:
    """Plug-in sections by scenario key (plug-ins loaded first)."""
    _load()
    return dict(_SECTIONS)


def layer_names() -> tuple[str, ...]:
    """Layer names registered by plug-ins, in registration order (plug-ins loaded first)."""
    _load()
    return tuple(_LAYERS)
