"""The SBI layer's fire control works from plume tracks, not from the truth.

The warning layer's sightings are associated into plume tracks by geometry; the
fire control fits the doctrine's threat library to a track's sightings and fires
at the carriers it predicts in reach; the oracle decides what each kill vehicle
meets. Scene: two minimum-energy solid ICBMs of the flagship against a 2,000-carrier
shell with a 5 s decision delay (measured over trials 0-3: 5 shots and 2 launches
killed from the plume tracks; 8 shots and 3 kills with the truth path).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import run_trial
from shieldlab.sim.layers.boost import MIN_SIGHTINGS
from shieldlab.sim.oracle import TRUTH_PATH_SHORTCUT, truth_shortcuts
from shieldlab.sim.plume_tracks import PlumeTracks
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
SBI = """
constellations:
  - {kind: walker, name: sbi-shell, total: 2000, planes: 40, phasing: 1,
     altitude_km: 400, inclination_deg: 45}
space_interceptors:
  - {name: SBI shell, type: generic-sbi-4kmps, constellation: sbi-shell,
     decision_delay_s: 5, pk: 0.8, fire_control: FC}
"""
FRAME_S, LATENCY_S = 10.0, 45.0  # catalog generic-geo-ir


@cache
def world_of(fc: str, library: str = "") -> World:
    doctrine = f"  boost_library: [{library}]\n" if library else ""
    text = FLAGSHIP.replace("count: 10", "count: 2") + SBI.replace("FC", fc)
    if doctrine:
        text = text.replace("doctrine:\n", "doctrine:\n" + doctrine)
    return build_world(parse_scenario(text, "boost.yaml"))


def test_plume_tracks_associate_by_geometry() -> None:
    """Two plumes 300 km apart climbing at 2 km/s stay two tracks over six frames
    (sightings given in swapped order every other frame); two plumes 3 km apart
    are one track (a plume tracker cannot split them)."""
    pt = PlumeTracks()
    a0, b0 = np.array([6.4e6, 0.0, 0.0]), np.array([6.4e6, 3.0e5, 0.0])
    up = np.array([1.0, 0.0, 0.0])
    for k in range(6):
        t = 10.0 * k
        p = np.stack([a0 + 2_000.0 * t * up, b0 + 2_000.0 * t * up])
        pt.add_frame(t, LATENCY_S, p if k % 2 == 0 else p[::-1])
    assert pt.n == 2
    for i in range(2):
        _, pos = pt.arrived(i, 1e9)
        assert np.ptp(pos[:, 1]) < 1.0  # each track kept its own plume
    merged = PlumeTracks()
    merged.add_frame(0.0, 0.0, np.stack([a0, a0 + 3_000.0 * np.array([0.0, 1.0, 0.0])]))
    merged.add_frame(10.0, 0.0, np.stack([a0 + 20_000.0 * up]))
    assert merged.n == 2 and len(merged.seen_s[0]) == 2  # the second plume is left alone


def test_shots_wait_for_a_plume_track_and_the_oracle_decides_what_they_meet() -> None:
    w = world_of("plume-track")
    assert truth_shortcuts(w) == []
    shots = kills = 0
    for trial in range(4):
        r = run_trial(w, trial)
        b = r.boost_shots
        report = np.full(2, np.inf)
        np.minimum.at(report, w.truth.launch_index, r.launch_report_s)
        met = b.launch >= 0
        # every shot comes from a fit of at least MIN_SIGHTINGS plume sightings, whose
        # reports arrive at least two frames after the first report of the raid
        assert np.all(b.sightings >= MIN_SIGHTINGS) and np.all(b.track >= 0)
        assert np.all(b.fire_s >= report.min() + (MIN_SIGHTINGS - 1) * FRAME_S)
        assert not b.hit[~met].any()  # a kill vehicle that met nothing kills nothing
        for l_i in np.flatnonzero(np.isfinite(b.kill_time_s)):
            assert b.hit[b.launch == l_i].any()
            assert np.all(r.boost_killed[w.truth.launch_index == l_i])
        shots += b.launch.size
        kills += int(np.isfinite(b.kill_time_s).sum())
    assert shots >= 2 and kills >= 1  # measured 5 shots, 2 kills


def test_a_wrong_threat_library_blinds_the_fire_control() -> None:
    """With only the short-range solid SRBM in its library, the fire control predicts
    an SRBM's short boost for each ICBM plume: it kills nothing (the truth path, with
    the same carriers, kills in these trials)."""
    wrong = world_of("plume-track", "generic-srbm-solid")
    truth = world_of("truth-path")
    assert truth_shortcuts(truth) == [TRUTH_PATH_SHORTCUT]
    k_wrong = sum(int(run_trial(wrong, t).boost_killed.sum()) for t in range(4))
    k_truth = sum(int(run_trial(truth, t).boost_killed.sum()) for t in range(4))
    assert k_wrong == 0 and k_truth >= 1
