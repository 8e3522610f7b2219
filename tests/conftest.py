"""Settings shared by every test.

Hypothesis runs deterministically: the examples are derived from each test's
name (``derandomize``) rather than from a random seed or a saved database, and
no example is timed (``deadline=None``), so a test's verdict depends neither on
the run nor on how busy the machine is. ``pytest --hypothesis-profile=explore``
draws new random examples (still untimed) to search beyond the fixed ones.
Tests that set their own ``@settings`` inherit what they do not set.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("deterministic", deadline=None, derandomize=True, database=None)
settings.register_profile("explore", deadline=None)
settings.load_profile("deterministic")
