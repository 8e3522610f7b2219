"""shieldlab: open, physics-based toolkit for layered homeland missile defense.

The package is organised in the order data flows (see docs/architecture.md):
core → scenario → threats → sensors → tracking → weapons → battle → sim →
store → report → cli.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shieldlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
