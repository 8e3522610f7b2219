"""Coalition data sharing in the engine, and the partner / sharing study.

Flagship scenario cut to 3 missiles, split into two forces: ``SENSE`` fields
every sensor, ``FIRE`` both GBI sites. ``FIRE`` can only shoot on ``SENSE``'s
tracks, so an agreement with engage on remote is the only way it fires: no
agreement, or one without engage on remote, or an agreement down for the whole
fight, means no shot at all; its data latency delays every launch.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from shieldlab.scenario import ScenarioError, parse_scenario
from shieldlab.sim.coalition import coalition_study, without_partner, without_sharing
from shieldlab.sim.engine import TrialResult, run_trial
from shieldlab.sim.world import World, build_world

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
SITES = (
    "  - {name: Fort Greely, type: generic-gbi, lat_deg: 63.95, lon_deg: -145.73, inventory: 40}",
    "  - {name: Vandenberg, type: generic-gbi, lat_deg: 34.74, lon_deg: -120.57, inventory: 4}",
)


def _text(coalition: str, fire_force: str | None = "FIRE") -> str:
    text = FLAGSHIP.replace("count: 10", "count: 3").replace("trials: 100", "trials: 2")
    for line in SITES:
        assert line in text
        if fire_force is not None:
            text = text.replace(line, line[:-1] + f", force: {fire_force}}}")
    return text + coalition


def _coalition(sharing: str = "", outages: str = "") -> str:
    return (
        "\ncoalition:\n  forces: [{name: SENSE}, {name: FIRE}]\n"
        + (f"  sharing:\n{sharing}" if sharing else "")
        + (f"  outages:\n{outages}" if outages else "")
    )


EOR = "    - {from: SENSE, to: FIRE, latency_s: 20, engage_on_remote: true}\n"


@cache
def world_of(text: str) -> World:
    return build_world(parse_scenario(text, "test.yaml"))


@cache
def trial(text: str, k: int = 0) -> TrialResult:
    return run_trial(world_of(text), k)


def test_one_force_coalition_changes_nothing() -> None:
    """A coalition of one force is the plain engine, bit for bit."""
    plain = trial(_text("", fire_force=None))
    one = trial(_text("\ncoalition:\n  forces: [{name: US}]\n", fire_force=None))
    assert plain.shot_site.size > 0
    np.testing.assert_array_equal(plain.status, one.status)
    np.testing.assert_array_equal(plain.shot_launch_s, one.shot_launch_s)
    np.testing.assert_array_equal(plain.shot_hit, one.shot_hit)


def test_engage_on_remote_fires_after_the_data_latency() -> None:
    r = trial(_text(_coalition(EOR)))
    assert r.shot_site.size > 0
    assert np.all(r.shot_launch_s >= r.shot_decision_s + 20.0 - 1e-9)
    plain = trial(_text("", fire_force=None))
    # the same raid without the latency launches earlier on the first shot
    assert r.shot_launch_s.min() > plain.shot_launch_s.min()


@pytest.mark.parametrize(
    "sharing",
    [
        "",
        "    - {from: SENSE, to: FIRE, latency_s: 2}\n",  # tracks flow, no engage on remote
        "    - {from: FIRE, to: SENSE, latency_s: 2, engage_on_remote: true}\n",  # wrong way
    ],
)
def test_without_engage_on_remote_the_shooters_hold_fire(sharing: str) -> None:
    r = trial(_text(_coalition(sharing)))
    assert r.shot_site.size == 0


def test_an_outage_holds_fire_until_the_link_is_back() -> None:
    down = "    - {from: SENSE, to: FIRE, start_s: 0, end_s: 900}\n"
    r = trial(_text(_coalition(EOR, down)))
    assert r.shot_site.size > 0
    assert r.shot_decision_s.min() >= 900.0
    never = "    - {from: SENSE, to: FIRE, start_s: 0}\n"
    assert trial(_text(_coalition(EOR, never))).shot_site.size == 0


def test_study_rows_removed_partner_and_sharing() -> None:
    loaded = parse_scenario(_text(_coalition(EOR)), "test.yaml")
    s = loaded.scenario
    no_fire = without_partner(s, "FIRE")
    assert no_fire.interceptor_sites == [] and len(no_fire.sensors) == len(s.sensors)
    assert no_fire.coalition is not None and no_fire.coalition.names == ["SENSE"]
    no_sense = without_partner(s, "SENSE", "sensors")
    assert no_sense.sensors == [] and len(no_sense.interceptor_sites) == 2
    assert without_sharing(s).coalition.sharing == []  # type: ignore[union-attr]
    study = coalition_study(loaded)
    rows = {r.partner: r for r in study.rows}
    assert set(rows) == {"SENSE", "FIRE", "sharing"}
    # without the shooters or without sharing nothing is engaged: the leakers can
    # only grow, and here they do (the baseline kills warheads)
    assert study.mean_leakers < rows["FIRE"].mean_leakers
    for name in ("FIRE", "sharing", "SENSE"):
        assert rows[name].delta_leakers > 0.0
    assert rows["FIRE"].mean_leakers == pytest.approx(rows["sharing"].mean_leakers)
    d = study.as_dict()
    assert {"partner", "delta_leakers", "delta_leakers_half", "delta_value_lost"} <= set(
        d["rows"][0]
    )


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("\ncoalition:\n  forces: [{name: SENSE}, {name: FIRE}, {name: ALLY}]\n", "ALLY"),
        (
            _coalition("    - {from: SENSE, to: NAVY, latency_s: 1, engage_on_remote: true}\n"),
            "sharing.0.to",
        ),
        ("", "force"),
    ],
)
def test_bad_coalitions_name_the_field(extra: str, where: str) -> None:
    with pytest.raises(ScenarioError, match=where):
        parse_scenario(_text(extra), "test.yaml")
