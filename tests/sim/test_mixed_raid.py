"""The engine runs a raid of every threat class; decoys and the bus never count as leakers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import KILLED, LEAKED, NO_THREAT, run_trial
from shieldlab.sim.world import build_world
from shieldlab.threats import LETHAL_KINDS

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")

MIXED_THREATS = """threats:
  - type: generic-mirv-icbm
    count: 1
    launch_area: {lat_deg: 40.0, lon_deg: 127.5, radius_km: 10}
    targets: [Seattle]
  - type: generic-hgv
    count: 1
    launch_area: {lat_deg: 52.0, lon_deg: 174.0, radius_km: 10}
    first_launch_s: 100
    targets: [Anchorage]
  - type: generic-lacm
    count: 1
    launch_area: {lat_deg: 46.0, lon_deg: -131.0, radius_km: 10}
    targets: [Portland]

# Defended assets"""


def mixed_text() -> str:
    start = FLAGSHIP.index("threats:")
    end = FLAGSHIP.index("# Defended assets")
    return FLAGSHIP[:start] + MIXED_THREATS + FLAGSHIP[end + len("# Defended assets") :]


def test_mixed_raid_runs_and_accounts() -> None:
    world = build_world(parse_scenario(mixed_text(), "mixed.yaml"))
    kinds = world.truth.object_kind
    assert world.truth.n > 3  # the MIRV deploys several objects
    assert set(world.threat_type) == {"generic-mirv-icbm", "generic-hgv", "generic-lacm"}
    r = run_trial(world, 0)
    assert set(np.unique(r.status)) <= {KILLED, LEAKED, NO_THREAT}
    lethal = np.isin(kinds, LETHAL_KINDS)
    assert np.all(r.status[~lethal & (r.status != KILLED)] == NO_THREAT)
    assert np.all(r.hit_asset[~lethal] == -1)
    # each single-warhead threat that is not killed lands on the asset it was
    # aimed at (MIRV RVs spread over their footprint and may land outside it)
    single = np.array([t != "generic-mirv-icbm" for t in world.threat_type])
    for j in np.flatnonzero(lethal & single & (r.status != KILLED)):
        assert r.hit_asset[j] == world.aim_asset[j]
