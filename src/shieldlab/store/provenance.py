"""What a run was made with: shieldlab's git commit, the Python and dependency versions.

Stored beside every run (``runs.git_commit``, ``python_version``,
``dependencies``) together with the version, scenario text and its SHA-256, so
that a stored result can be traced to the exact code and libraries that made
it. The commit is read from the source checkout shieldlab runs from (an
editable install of a git clone), with ``-dirty`` appended when the checkout
has uncommitted changes; it is ``None`` for an installed wheel or without git.
"""

from __future__ import annotations

import json
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

RUNTIME_DEPENDENCIES: tuple[str, ...] = (
    "numpy",
    "scipy",
    "pydantic",
    "PyYAML",
    "typer",
    "rich",
    "duckdb",
    "plotly",
    "sgp4",
)
"""The distributions whose versions a run records (pyproject's runtime dependencies)."""


@cache
def git_commit() -> str | None:
    """HEAD of the checkout holding this package (``-dirty`` if modified), or None."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head or None


def dependency_versions() -> dict[str, str | None]:
    """Installed version of each runtime dependency (None if not installed)."""
    out: dict[str, str | None] = {}
    for name in RUNTIME_DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance() -> dict[str, str | None]:
    """The provenance columns of a ``runs`` row."""
    return {
        "git_commit": git_commit(),
        "python_version": platform.python_version(),
        "dependencies": json.dumps(dependency_versions(), sort_keys=True),
    }
