"""Catalog data: plain YAML, one ``name -> entry`` mapping per file, each entry with ``source:``.

Files: ``threats.yaml`` (plus ``threats-<class>.yaml``), ``sensors.yaml``,
``interceptors.yaml``. Each physics layer parses its own entries; :func:`load`
only reads and merges the YAML.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(kind: str) -> dict[str, Any]:
    """Raw catalog mapping for ``kind`` (``threats``, ``sensors``, ``interceptors``, ``assets``).

    Reads ``{kind}.yaml`` and every ``{kind}-*.yaml`` beside it (one file per
    class, e.g. ``threats-glide.yaml``), in name order; a name defined twice
    is an error.
    """
    root = resources.files(__package__)
    files = sorted(
        (
            f
            for f in root.iterdir()
            if f.name == f"{kind}.yaml"
            or (f.name.startswith(f"{kind}-") and f.name.endswith(".yaml"))
        ),
        key=lambda f: f.name,
    )
    if not files:
        raise ValueError(f"no catalog files for {kind!r}")
    out: dict[str, Any] = {}
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"catalog {f.name} must be a mapping of name -> entry")
        for name in data:
            if name in out:
                raise ValueError(f"catalog {f.name}: entry {name!r} is defined twice")
        out.update(data)
    return out


def names(kind: str) -> list[str]:
    """Sorted entry names of one catalog file."""
    return sorted(load(kind))
