"""Battle-manager discrimination: which ballistic objects are declared RV (and engaged).

Neyman–Pearson threshold on a Gaussian feature (Green & Swets 1966): with no
discriminating looks (d' = 0) every object passes at the doctrine's
``rv_confidence``; with d' the decoys pass with 1 − Φ(d' − z) while RVs keep
``rv_confidence``. Rates over 20,000 objects within 4 binomial σ.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy.special import ndtr, ndtri

from shieldlab.scenario import parse_scenario
from shieldlab.sim.engine import _TrackBook, declared_kind, discrimination_dprime
from shieldlab.sim.world import build_world
from shieldlab.threats.truth import OBJECT_RV

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


def test_threshold_rates_with_and_without_discriminating_looks() -> None:
    w = build_world(parse_scenario(MIRV, "mirv.yaml"))
    n_obj = w.truth.object_kind.size
    kinds = w.truth.object_kind
    rv = np.flatnonzero(kinds == OBJECT_RV)
    decoy = np.flatnonzero(kinds != OBJECT_RV)
    assert rv.size == 3 and decoy.size == 13
    reps = 20_000 // n_obj
    z = float(ndtri(w.scenario.doctrine.rv_confidence))
    rng = np.random.default_rng(1)
    for snr_total in (0.0, 1e5):  # no look; many X-band looks (saturated d')
        passed_rv, passed_decoy = [], []
        for _ in range(reps):  # loop over independent "trials"
            book = _TrackBook(
                snr_sum=np.full((n_obj, len(w.radars)), snr_total),
                feature_noise=rng.standard_normal(n_obj),
            )
            k = declared_kind(w, book, np.arange(n_obj))
            passed_rv.append(k[rv] == OBJECT_RV)
            passed_decoy.append(k[decoy] == OBJECT_RV)
        p_rv, p_decoy = np.mean(passed_rv), np.mean(passed_decoy)
        book = _TrackBook(snr_sum=np.full((n_obj, len(w.radars)), snr_total))
        d = discrimination_dprime(w, book, decoy)
        if snr_total == 0.0:
            assert np.all(d == 0.0)
        else:
            assert np.all(d > 1.5)  # measured 1.6 (chaff, 0.5 m) to 3.8 (bus, 3 m)
        want_decoy = float(np.mean(1.0 - ndtr(d - z)))
        conf = w.scenario.doctrine.rv_confidence
        assert abs(p_rv - conf) < _band(conf, reps * rv.size)
        assert abs(p_decoy - want_decoy) < _band(want_decoy, reps * decoy.size) + 1e-3


def test_lethal_probability_weights_by_bayes() -> None:
    """P(lethal | declared RV) = f c / (f c + (1 − f)(1 − Φ(d' − z))) with the payload
    prior f = 3 RVs among the 15 ballistic objects of the MIRV (bus, decoys, chaff):
    d' = 0 gives the prior itself; a large d' gives ~1."""
    from shieldlab.sim.engine import lethal_probability

    w = build_world(parse_scenario(MIRV, "mirv.yaml"))
    n_obj = w.truth.object_kind.size
    obj = np.arange(n_obj)
    f = 3 / 16  # the bus counts as a ballistic non-RV object: 16 objects, 3 RVs
    none = _TrackBook(snr_sum=np.zeros((n_obj, len(w.radars))))
    np.testing.assert_allclose(lethal_probability(w, none, obj), f, rtol=1e-12)
    many = _TrackBook(snr_sum=np.full((n_obj, len(w.radars)), 1e5))
    p = lethal_probability(w, many, obj)
    assert np.all(p > f) and np.all(p <= 1.0)
    d = discrimination_dprime(w, many, obj)
    c = w.scenario.doctrine.rv_confidence
    want = f * c / (f * c + (1 - f) * (1 - ndtr(d - ndtri(c))))
    np.testing.assert_allclose(p, want, rtol=1e-12)
