"""Independent random streams of a trial (reproducible per scenario, seed, trial)."""

from __future__ import annotations

import numpy as np

from shieldlab.sim.world import TRIAL_STREAM

SENSING_STREAM, FIGHT_STREAM, LOL_STREAM, C2_STREAM = 0, 1, 2, 3
FEATURE_STREAM, EW_STREAM, SBI_STREAM, HPM_STREAM = 4, 5, 6, 7
"""Stream numbers: sensing, fight, left of launch, C2 message losses,
discrimination features, EW/cyber, boost-phase shots, microwave effects (a layer
plug-in states its own, :attr:`shieldlab.sim.layers.Layer.stream_id`)."""


def trial_stream(stream: int, seed: int, trial: int) -> np.random.Generator:
    """Generator of one stream of one trial: ``SeedSequence(seed, spawn_key=(TRIAL_STREAM,
    trial, stream))`` — the ``stream``-th child of the trial's sequence, so a trial's
    result depends only on the scenario, seed and trial index."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(TRIAL_STREAM, trial, stream))
    )
