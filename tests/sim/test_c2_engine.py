"""The C2 timeline in the engine: degraded links delay launches, a cut chain holds fire.

Flagship scenario cut to 2 missiles with a small C2 network: the fusion node
(space command) tracks, the combatant command decides (10 s) and authorizes
(60 s), each site's fire control launches (5 s); links 1 s. Hand sum of the
nominal decide → launch delay: 1 + 10 + 0 + 60 + 1 + 5 = 77 s.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import ScenarioError, parse_scenario
from shieldlab.sim.engine import run_trial
from shieldlab.sim.results import summarise
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
C2 = """
c2:
  nodes:
    - {name: space-command, processing_s: {report: 2, track: 5}}
    - {name: combatant-command, processing_s: {decide: 10, authorize: 60}}
    - {name: greely-fc, processing_s: {launch: 5}, serves: [Fort Greely]}
    - {name: vandenberg-fc, processing_s: {launch: 5}, serves: [Vandenberg]}
  links:
    - {src: space-command, dst: combatant-command, latency_s: 1}
    - {name: cc-greely, src: combatant-command, dst: greely-fc, latency_s: 1}
    - {name: cc-vandenberg, src: combatant-command, dst: vandenberg-fc, latency_s: 1}
  kill_chain: {detect: sensor, report: space-command, track: space-command,
               decide: combatant-command, authorize: combatant-command, launch: shooter}
"""


@cache
def world_of(text: str) -> World:
    return build_world(parse_scenario(text, "test.yaml"))


def _scenario(events: str = "") -> str:
    return FLAGSHIP.replace("count: 10", "count: 2") + C2 + events


def test_nominal_chain_delays_every_launch() -> None:
    w = world_of(_scenario())
    assert w.c2 is not None
    np.testing.assert_allclose(w.c2.nominal_s, 77.0)  # hand sum, see module docstring
    r = run_trial(w, 0)
    assert r.shot_site.size > 0
    np.testing.assert_allclose(r.shot_c2_delay_s, 77.0)
    np.testing.assert_allclose(r.shot_c2_extra_s, 0.0)
    assert np.all(r.shot_launch_s >= r.shot_decision_s + 77.0 - 1e-9)
    s = summarise(w, [r])
    assert s.c2 is not None and s.c2["mean_delay_s"] == pytest.approx(77.0)


def test_jamming_costs_battle_space_and_outage_cuts() -> None:
    jam = "  events:\n    - {kind: jamming, target: cc-greely, start_s: 0, extra_latency_s: 40}\n"
    w = world_of(_scenario(jam))
    r = run_trial(w, 0)
    greely = np.asarray(r.shot_site) == 0
    assert greely.any()
    np.testing.assert_allclose(r.shot_c2_extra_s[greely], 40.0)
    np.testing.assert_allclose(r.shot_c2_extra_s[~greely], 0.0)
    cut = "  events:\n" + "".join(
        f"    - {{kind: outage, target: {x}, start_s: 0}}\n" for x in ("cc-greely", "cc-vandenberg")
    )
    rc = run_trial(world_of(_scenario(cut)), 0)
    assert rc.shot_site.size == 0 and rc.c2_cut > 0


def test_unserved_site_is_one_line_error() -> None:
    text = _scenario().replace("serves: [Vandenberg]", "serves: []")
    with pytest.raises(ScenarioError, match=r"interceptor_sites\.1: 'Vandenberg' is served by no"):
        parse_scenario(text, "bad.yaml")
