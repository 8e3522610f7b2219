"""Report layer: self-contained HTML report of a stored run (see ``html.py``)."""

from shieldlab.report.html import write_report

__all__ = ["write_report"]
