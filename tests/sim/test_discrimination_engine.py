"""Battle-manager discrimination on tracks: which ballistic tracks are declared RV.

Each radar look measures a feature y ~ N(√Δ·[RV], 1) of the object that made the
detection (Δ: the look's discrimination information, the increase of the
track's d'² from its summed SNR); the battle manager keeps, per track, the
matched statistic x = Σ √Δᵢ yᵢ / √ΣΔᵢ ~ N(d'·[RV], 1) and declares RV when x
passes the Neyman–Pearson threshold τ = d' − Φ⁻¹(c) (Green & Swets 1966): RVs
pass with c (``rv_confidence``), decoys with 1 − Φ(d' − Φ⁻¹(c)). Rates over
20,000 tracks within 4 binomial σ.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from shieldlab.core.objects import OBJECT_CRUISE, OBJECT_GLIDE, OBJECT_RV
from shieldlab.scenario import parse_scenario
from shieldlab.sim.decide import (
    TrackBook,
    add_features,
    declared_class,
    feature_information,
    lethal_probability,
)
from shieldlab.sim.world import build_world

ROOT = Path(__file__).resolve().parents[2]
MIRV = (
    (ROOT / "scenarios" / "rogue-salvo.yaml")
    .read_text(encoding="utf-8")
    .replace("type: generic-solid-icbm", "type: generic-mirv-icbm")
    .replace("count: 10", "count: 1")
    .replace("    payload_mass_kg: 1100", "    # payload_mass_kg: 1100")
)


def _band(p: float, n: int) -> float:
    return 4.0 * math.sqrt(p * (1.0 - p) / n)


@pytest.fixture(scope="module")
def defense():  # type: ignore[no-untyped-def]
    return build_world(parse_scenario(MIRV, "mirv.yaml")).defense()


def _looks(defense, book: TrackBook, tid: np.ndarray, rv: np.ndarray, snr: float, k: int,
           rng: np.random.Generator) -> None:  # fmt: skip
    """k looks of the best discriminating radar at SNR ``snr`` on every track; RV
    tracks' features have mean √Δ."""
    from shieldlab.sensors.discrimination import radar_dprime

    best = int(np.argmax([radar_dprime(r, snr, 2.0) for r, _ in defense.radars]))
    for _ in range(k):
        info = feature_information(defense, book, best, tid, np.full(tid.size, snr))
        y = np.sqrt(info) * rv + rng.standard_normal(tid.size)
        add_features(book, tid, info, y)


def test_threshold_rates_with_and_without_looks(defense) -> None:  # type: ignore[no-untyped-def]
    n = 20_000
    rng = np.random.default_rng(1)
    conf = defense.doctrine.rv_confidence
    z = float(norm.ppf(conf))
    tid = np.arange(n)
    rv = np.arange(n) % 2 == 0
    kin = np.full(n, OBJECT_RV)
    # no look: every ballistic track is declared RV
    book = TrackBook(n_radars=len(defense.radars))
    book.grow(n)
    assert np.all(declared_class(kin, book, tid, conf) == OBJECT_RV)
    # ten looks at 20 dB: d' from the radar's own discrimination model
    _looks(defense, book, tid, rv, 100.0, 10, rng)
    d = float(np.sqrt(book.feat_info[0]))
    assert 1.0 < d < 10.0
    k = declared_class(kin, book, tid, conf)
    p_rv, p_decoy = np.mean(k[rv] == OBJECT_RV), np.mean(k[~rv] == OBJECT_RV)
    want_decoy = float(norm.sf(d - z))
    assert abs(p_rv - conf) < _band(conf, rv.sum())
    assert abs(p_decoy - want_decoy) < _band(want_decoy, (~rv).sum()) + 1e-3
    # level flyers keep their kinematic class whatever their features say
    lvl = np.array([OBJECT_GLIDE, OBJECT_CRUISE])
    assert list(declared_class(lvl, book, tid[:2], conf)) == [OBJECT_GLIDE, OBJECT_CRUISE]


def test_lethal_probability_weights_by_bayes_from_the_doctrine_prior(defense) -> None:  # type: ignore[no-untyped-def]
    """P(lethal | declared RV) by Bayes' rule, worked by hand from the definitions.

    The prior is the doctrine's threat assessment f (here 3/16, the share of RVs a
    MIRV with 13 penetration aids would carry), not the raid's true mix. With d' = 2
    and ``rv_confidence`` c = 0.9: z = Φ⁻¹(0.9) = 1.28155, a decoy passes with
    P = 1 − Φ(2 − 1.28155) = 0.23624, an RV with c = 0.9, so
    P(RV | declared) = (3/16 · 0.9) / (3/16 · 0.9 + 13/16 · 0.23624)
                     = 0.16875 / (0.16875 + 0.19195) = 0.46785.
    """
    book = TrackBook(n_radars=1)
    book.grow(3)
    tid = np.arange(3)
    kin = np.array([OBJECT_RV, OBJECT_RV, OBJECT_CRUISE])
    book.feat_info[:] = [0.0, 4.0, 4.0]  # d' = 0, 2, 2
    p = lethal_probability(kin, book, tid, 0.9, 3 / 16, 0.8)
    z = float(norm.ppf(0.9))
    p_decoy = float(norm.sf(2.0 - z))
    assert z == pytest.approx(1.28155, abs=1e-5) and p_decoy == pytest.approx(0.23624, abs=1e-5)
    assert p[0] == pytest.approx(3 / 16, rel=1e-12)  # no look: the prior
    assert p[1] == pytest.approx(0.46785, abs=1e-5)
    assert p[2] == pytest.approx(0.8)  # a cruise track: the doctrine's level prior
    # the posterior depends on the doctrine's prior, not on any truth
    p2 = lethal_probability(kin, book, tid, 0.9, 0.5, 1.0)
    assert p2[1] > p[1] and p2[0] == pytest.approx(0.5)
    # strictly rising with d', to 1 for a perfect discriminator
    grid = np.append(np.linspace(0.0, 6.0, 25), 12.0)
    book = TrackBook(n_radars=1)
    book.grow(grid.size)
    book.feat_info[:] = grid**2
    p = lethal_probability(
        np.full(grid.size, OBJECT_RV), book, np.arange(grid.size), 0.9, 3 / 16, 1.0
    )
    assert np.all(np.diff(p) > 0.0)
    assert 1.0 - p[-2] < 1e-4 and 1.0 - p[-1] < 1e-12


def test_real_mirv_world_features_follow_the_detecting_object() -> None:
    """Engine check: in a MIRV trial with discriminating radars the battle manager
    declares most decoy tracks decoys and engages RV tracks (features come from the
    detections a track got, never from the object's identity)."""
    from shieldlab.sim.engine import run_trial

    w = build_world(parse_scenario(MIRV, "mirv.yaml"))
    res = run_trial(w, 0)
    kinds = w.truth.object_kind
    homed = res.shot_threat[res.shot_threat >= 0]
    assert res.shot_threat.size > 0
    assert homed.size > 0
    # shots are resolved against the object the kill vehicle met
    assert set(kinds[homed].tolist()) <= set(range(8))
