"""Layered leakage: closed forms (Wilkening 2000) and the engine against them.

The engine resolves every shot as an independent Bernoulli draw with its
planned Pk, so with salvo doctrine (no shoot-look-shoot: every shot at a
threat is decided before any resolves) a threat survives with probability
Π (1 − p_i) over the shots fired at it — the closed-form product of layer
leakages. On a two-layer defense (ground-based midcourse + THAAD-class
underlayer) the number of survivors among engaged threats is compared with
Σ Π (1 − p_i) using its exact variance Σ P(1 − P): |z| < 4. The p_i are the
catalog's single-shot Pk of each interceptor class, written out in the test
(GBI 0.55, THAAD 0.85; the cued handovers of this scenario are well inside the
kill vehicles' divert reach), not the Pk the engine planned with.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from shieldlab.analysis.layered import (
    layered_leakage,
    p_no_leaker,
    salvo_for_confidence,
    sls_expected_shots,
    survival,
)
from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import KILLED, TrialResult, run_trial
from shieldlab.sim.world import build_world
from shieldlab.threats.truth import OBJECT_RV
from shieldlab.weapons.catalog import load_interceptor_specs

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")


def test_closed_forms_by_hand() -> None:
    # two layers: 2 shots at 0.6 then 2 at 0.8: 0.4² · 0.2² = 0.0064
    assert layered_leakage([0.6, 0.8], [2, 2]) == pytest.approx(0.0064, rel=1e-12)
    assert survival([0.6, 0.6, 0.8, 0.8]) == pytest.approx(0.0064, rel=1e-12)
    # 10 threats: P(no leaker) = (1 − 0.0064)^10
    assert p_no_leaker(0.0064, 10) == pytest.approx(0.93781, abs=1e-5)
    # SLS, 2 looks of 2 shots at 0.7: 2 (1 + 0.09) = 2.18 interceptors per threat
    assert sls_expected_shots(0.7, 2, 2) == pytest.approx(2.18, rel=1e-12)
    # salvo for P(no leaker) >= 0.99 against 10 threats at Pk 0.8: n = 5
    # ((1 − 0.2^4)^10 = 0.9841 < 0.99 <= (1 − 0.2^5)^10 = 0.99680)
    assert salvo_for_confidence(0.8, 10, 0.99) == 5
    with pytest.raises(ValueError, match="pk"):
        layered_leakage([1.2], [1])


CATALOG_PK = {"generic-gbi": 0.55, "generic-thaad": 0.85}
"""Single-shot Pk against an RV of the two interceptor classes (``catalog/interceptors*.yaml``)."""


def _engagements(r: TrialResult) -> list[tuple[int, NDArray[np.bool_]]]:
    """(object, its shots) per engaged object: the shots aimed at one track (``shot_track``
    where the result has it, else the object under the track at the decision), whose kill
    vehicles met that object; a shot that arrives after the kill meets nothing (−1)."""
    aim = getattr(r, "shot_track", None)
    if aim is None or aim.size != r.shot_threat.size:
        aim = r.shot_threat
    out = []
    for a in np.unique(aim):
        shots = aim == a
        met = np.unique(r.shot_threat[shots])
        met = met[met >= 0]
        if met.size == 1:
            out.append((int(met[0]), shots))
    return out


def test_engine_layered_leakage_matches_the_product_formula() -> None:
    """Salvo doctrine on two layers (10 RVs; 12 GBIs, 2 × 20 THAADs): the engine's
    survivors against Σ Π (1 − Pk) over the shots fired at each engaged threat, with
    the Pk of each shot the catalog's for its interceptor class (GBI 0.55, THAAD 0.85),
    never the engine's planned Pk; exact variance Σ P(1 − P), |z| < 4."""
    specs = load_interceptor_specs()
    for name, pk in CATALOG_PK.items():
        assert specs[name].pk_single_shot == pk, f"{name}: catalog Pk changed, update the test"
    text = FLAGSHIP.replace(
        "lat_deg: 63.95, lon_deg: -145.73, inventory: 40}",
        "lat_deg: 63.95, lon_deg: -145.73, inventory: 12}\n"
        "  - {name: Malmstrom THAAD, type: generic-thaad, lat_deg: 47.3, lon_deg: -111.0, "
        "inventory: 20}\n"
        "  - {name: Seattle THAAD, type: generic-thaad, lat_deg: 47.5, lon_deg: -122.2, "
        "inventory: 20}",
    ).replace("shoot_look_shoot: true", "shoot_look_shoot: false")
    assert "THAAD" in text and "shoot_look_shoot: false" in text
    w = build_world(parse_scenario(text, "layers.yaml"))
    assert {s.spec.layer for s in w.sites} == {"midcourse", "underlayer"}
    assert np.all(w.truth.object_kind == OBJECT_RV)  # one RV per missile, no decoys
    site_pk = np.array([CATALOG_PK[s.spec.name] for s in w.sites])
    predicted, observed = [], []
    fired_layers: set[str] = set()
    for trial in range(6):
        r = run_trial(w, trial)
        for j, shots in _engagements(r):
            fired_layers |= {w.sites[int(s)].spec.layer for s in r.shot_site[shots]}
            predicted.append(float(np.prod(1.0 - site_pk[r.shot_site[shots]])))
            observed.append(float(r.status[j] != KILLED))
    p = np.asarray(predicted)
    assert p.size >= 40 and fired_layers == {"midcourse", "underlayer"}
    z = (np.sum(observed) - p.sum()) / math.sqrt(float(np.sum(p * (1.0 - p))))
    # measured: 58 engaged threats, 7.8 survivors predicted, 6 observed, z = −0.71
    assert abs(z) < 4.0, (p.size, p.sum(), np.sum(observed), z)
