"""Catalog data: plain YAML, one ``name -> entry`` mapping per file, each entry with ``source:``.

Files: ``threats.yaml``, ``sensors.yaml``, ``interceptors.yaml``. Each physics
layer parses its own entries; :func:`load` only reads the YAML.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(kind: str) -> dict[str, Any]:
    """Raw catalog mapping for ``kind`` (``threats``, ``sensors``, ``interceptors``)."""
    text = resources.files(__package__).joinpath(f"{kind}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog {kind}.yaml must be a mapping of name -> entry")
    return data


def names(kind: str) -> list[str]:
    """Sorted entry names of one catalog file."""
    return sorted(load(kind))
