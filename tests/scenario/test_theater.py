"""The theater scenarios (``scenarios/theater-pacific.yaml``, ``theater-europe.yaml``).

Each file is a notional regional raid of every threat class (SRBMs, MRBMs, IRBMs,
glide vehicles, cruise missiles, one-way attack drones) on forward bases and allied
cities, met by a coalition of at least three forces and the US homeland space layers
(GEO warning, LEO IR tracking, SBIs). Checked without the engine: the file loads,
holds every class, names its forces, tags every sensor and shooter with one, has
engage-on-remote and track-only agreements and an outage, and gives each defended
asset a source comment. Checked through the engine (2 trials each, about a minute
per scenario on two cores): every object ends killed, leaked on the asset it was
aimed at, or harmless; every class but the glide vehicles has kills; fire units of at
least two forces fire and kill; the defense is stressed but not hopeless; the GEO
layer reports every ballistic and glide launch (and no low booster); the LEO layer
holds every IRBM and MRBM for part of its flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from shieldlab import catalog
from shieldlab.scenario import LoadedScenario, load_scenario
from shieldlab.scenario.schema import GeoIrSensor, LeoIrSensor, WalkerConstellation
from shieldlab.sim.engine import KILLED, LEAKED, NO_THREAT, TrialResult
from shieldlab.sim.montecarlo import run_trials
from shieldlab.sim.world import SENSOR_LAYERS, World, build_world

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("theater-pacific", "theater-europe")
TRIALS = 2

CLASSES: dict[str, tuple[str, ...]] = {
    "SRBM": ("generic-srbm-solid", "generic-srbm-liquid"),
    "MRBM": ("generic-mrbm",),
    "IRBM": ("generic-irbm",),
    "glide": ("generic-hgv",),
    "cruise": ("generic-lacm", "generic-alcm"),
    "drone": ("generic-owa-drone",),
}
"""The threat classes the issue asks for, by the catalog names that stand for them."""


def path_of(name: str) -> Path:
    return ROOT / "scenarios" / f"{name}.yaml"


def site_force(loaded: LoadedScenario) -> dict[str, str]:
    """Interceptor site name -> the force fielding it."""
    s = loaded.scenario
    return {x.name: s.force_of(x.force) for x in s.interceptor_sites}


# --- the files, without the engine ---------------------------------------------------


@pytest.fixture(params=SCENARIOS)
def loaded(request: pytest.FixtureRequest) -> LoadedScenario:
    return load_scenario(path_of(request.param))


def test_it_loads_with_every_threat_class(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    assert s.name in SCENARIOS
    types = {g.type for g in s.threats}
    for cls, names in CLASSES.items():
        assert types & set(names), f"{s.name}: no {cls}"
    kinds = catalog.load("threats")
    assert {kinds[t]["kind"] for t in types} == {"ballistic", "hgv", "cruise"}
    n = sum(g.count for g in s.threats)
    assert 30 <= n <= 50, n  # a modest raid: one trial well under a minute
    names = {a.name for a in s.assets}
    assert {t for g in s.threats for t in g.targets} <= names
    cats = {a.category for a in s.assets}
    assert {"military", "population"} <= cats


def test_the_coalition_and_its_forces(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    c = s.coalition
    assert c is not None and len(c.names) >= 3
    # every sensor, shooter and space layer names its force
    for where, name, force in s.force_items():
        assert force is not None, f"{where} ({name}) names no force"
    shooting = set(site_force(loaded).values())
    assert len(shooting) >= 3, shooting  # the US and at least two theater forces
    assert c.lead_force in shooting
    # engage-on-remote and track-only agreements, latencies of a few seconds, an outage
    assert any(a.engage_on_remote for a in c.sharing)
    assert any(not a.engage_on_remote for a in c.sharing)
    assert all(0.0 < a.latency_s <= 10.0 for a in c.sharing)
    assert c.outages
    for o in c.outages:
        assert o.end_s is not None and 0.0 < o.start_s < o.end_s
        # inside the raid: between the first launch and the last impact at the latest
        assert o.start_s < max(g.first_launch_s for g in s.threats) + 600.0


def test_the_homeland_space_layers(loaded: LoadedScenario) -> None:
    s = loaded.scenario
    walker = {c.name for c in s.constellations if isinstance(c, WalkerConstellation)}
    assert any(isinstance(x, GeoIrSensor) for x in s.sensors)
    assert any(isinstance(x, LeoIrSensor) and x.constellation in walker for x in s.sensors)
    assert s.space_interceptors
    assert all(x.constellation in walker for x in s.space_interceptors)


def test_every_defended_asset_states_its_source() -> None:
    """Each asset line of the files follows a comment (where its coordinates come from)."""
    for name in SCENARIOS:
        lines = path_of(name).read_text(encoding="utf-8").splitlines()
        start = lines.index("assets:")
        n = 0
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if line and not line.startswith(" "):
                break
            if line.lstrip().startswith("- {name:"):
                n += 1
                assert lines[i - 1].lstrip().startswith("#"), f"{name}:{i + 1}: no source"
        assert n == len(load_scenario(path_of(name)).scenario.assets)


# --- through the engine ---------------------------------------------------------------


@dataclass(frozen=True)
class Flown:
    loaded: LoadedScenario
    world: World
    results: list[TrialResult]

    def of_class(self, cls: str) -> np.ndarray:
        return np.isin(np.array(self.world.threat_type), CLASSES[cls])


@pytest.fixture(scope="module", params=SCENARIOS)
def flown(request: pytest.FixtureRequest) -> Flown:
    loaded = load_scenario(path_of(request.param))
    world = build_world(loaded)
    return Flown(loaded, world, run_trials(world, TRIALS))


def test_every_object_flies_and_ends(flown: Flown) -> None:
    """Objects of every class are launched; each ends killed, leaked (on the asset it
    was aimed at) or harmless; every class but the glide vehicles has kills."""
    w = flown.world
    assert np.all(np.isfinite(w.truth.t_launch_s) & np.isfinite(w.truth.t_impact_s))
    assert np.all(w.truth.t_impact_s > w.truth.t_launch_s)
    for r in flown.results:
        assert np.all(np.isin(r.status, (KILLED, LEAKED, NO_THREAT)))
        leaked = r.status == LEAKED
        # single-warhead classes, no EW: a leaker lands on its own target
        assert np.all(r.hit_asset[leaked] == w.aim_asset[leaked])
        assert np.all(r.hit_asset[~leaked] < 0)
    for cls in CLASSES:
        mask = flown.of_class(cls)
        assert mask.any(), f"no {cls} object"
        kills = sum(int(np.sum(r.status[mask] == KILLED)) for r in flown.results)
        if cls != "glide":
            assert kills >= 1, f"{cls}: never killed in {TRIALS} trials"


def test_stressed_but_not_hopeless(flown: Flown) -> None:
    """Some objects leak in every trial, fewer than half of them (measured: Pacific 5
    of 35, Europe 9-10 of 31)."""
    n = flown.world.truth.t_launch_s.size
    for r in flown.results:
        leakers = int(np.sum(r.status == LEAKED))
        assert 1 <= leakers < n / 2, (flown.loaded.scenario.name, leakers)


def test_fire_units_of_several_forces_fire_and_kill(flown: Flown) -> None:
    force = site_force(flown.loaded)
    sites = flown.world.sites
    fired: set[str] = set()
    killed_by: set[str] = set()
    for r in flown.results:
        fired |= {force[sites[i].name] for i in r.shot_site.tolist()}
        killers = r.killed_by_shot[(r.status == KILLED) & (r.killed_by_shot >= 0)]
        killed_by |= {force[sites[i].name] for i in r.shot_site[killers].tolist()}
    assert len(fired) >= 3, fired
    assert len(killed_by) >= 2, killed_by
    assert flown.loaded.scenario.coalition is not None
    assert fired <= set(flown.loaded.scenario.coalition.names)


def test_the_space_layers_see_the_theater(flown: Flown) -> None:
    """The GEO layer reports every ballistic and glide launch within two minutes, and no
    drone (its booster burns below the cloud tops); the LEO IR layer holds every IRBM
    and MRBM for part of its flight."""
    w = flown.world
    lofted = flown.of_class("SRBM") | flown.of_class("MRBM") | flown.of_class("IRBM")
    lofted |= flown.of_class("glide")
    space = SENSOR_LAYERS.index("space-ir")
    far = flown.of_class("IRBM") | flown.of_class("MRBM")
    for r in flown.results:
        delay = r.launch_report_s[lofted] - w.truth.t_launch_s[lofted]
        assert np.all((delay > 0.0) & (delay < 120.0)), delay
        assert np.all(np.isnan(r.launch_report_s[flown.of_class("drone")]))
        assert np.all(r.custody_layer[far, space] > 0.05), r.custody_layer[far, space]
