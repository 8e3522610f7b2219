"""Shared boost paths of the SBI tests: generic ICBMs from the project's notional
launch point in North Korea (40° N 127.5° E, ``cli.DEFAULT_LAUNCH``) towards
Washington, flown from a fixed epoch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shieldlab.core.constants import DEG
from shieldlab.weapons import sbi

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
LAUNCH_DEG = (40.0, 127.5)
AIM_DEG = (38.9, -77.0)


def nk_boost_path(threat: str) -> sbi.BoostPath:
    """Boost path of ``threat`` from the notional launch point towards Washington."""
    return sbi.boost_path(
        threat,
        LAUNCH_DEG[0] * DEG,
        LAUNCH_DEG[1] * DEG,
        AIM_DEG[0] * DEG,
        AIM_DEG[1] * DEG,
        EPOCH,
    )


@pytest.fixture(scope="session")
def solid_path() -> sbi.BoostPath:
    return nk_boost_path("generic-solid-icbm")


@pytest.fixture(scope="session")
def liquid_path() -> sbi.BoostPath:
    return nk_boost_path("generic-liquid-icbm")
