"""Custody bookkeeping of a trial: the track picture logged at each decision epoch and,
at the end, custody per object (held by any track, at fire-control quality, by
each sensor layer), track and sensor handovers and the first track time.

The engine (:mod:`shieldlab.sim.engine`) appends one epoch per decision
(:func:`log_epoch`: truth positions and existence, the confirmed tracks, which
layers updated each track lately) and calls :func:`per_object` once per trial;
the custody metric is :func:`shieldlab.tracking.metrics.custody`. This is the
scoring side of a trial (it compares tracks with truth), not the defence's
knowledge. Frame: ECI [m].
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from shieldlab.sim.world import SENSOR_LAYERS
from shieldlab.tracking.metrics import custody
from shieldlab.tracking.tracker import GnnTracker

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

CUSTODY_GATE_M = 20_000.0
"""A confirmed track within this distance of an object holds it (custody, any quality) [m]."""


@dataclass
class CustodyLog:
    """Per decision epoch: truth positions and the confirmed track picture."""

    truth: list[F64] = field(default_factory=list)
    exists: list[BoolArr] = field(default_factory=list)
    tracks: list[F64] = field(default_factory=list)
    ids: list[I64] = field(default_factory=list)
    layers: list[BoolArr] = field(default_factory=list)
    t_s: list[float] = field(default_factory=list)


def log_epoch(
    log: CustodyLog, tracker: GnnTracker, t: float, r_eci: F64, exists: BoolArr, hold: F64
) -> None:
    """Append epoch ``t``: the objects' ECI positions ``r_eci (n, 3)`` and existence,
    the confirmed tracks' positions and ids, and which sensor layers updated each
    within its hold time ``hold (L,)`` [s]."""
    x, ids = tracker.confirmed_states(t)
    rows = np.flatnonzero(tracker.confirmed)
    log.truth.append(r_eci.copy())
    log.exists.append(exists.copy())
    log.tracks.append(x[:, :3])
    log.ids.append(ids)
    log.layers.append((t - tracker.layer_t_s[rows]) <= hold[None, :])
    log.t_s.append(t)


def per_object(log: CustodyLog, n: int, fc_error_m: float, present: BoolArr) -> dict[str, F64]:
    """Custody per object from the decision-epoch log (see
    :mod:`shieldlab.sim.engine`'s docstring);
    ``present (L,)`` the sensor layers the world has (others: NaN)."""
    n_t = len(log.t_s)
    n_l = len(SENSOR_LAYERS)
    if n_t == 0:
        nan = np.full(n, np.nan)
        return {
            "custody": nan,
            "custody_fc": nan.copy(),
            "custody_layer": np.full((n, n_l), np.nan),
            "handovers": np.zeros(n),
            "sensor_handovers": np.zeros(n),
            "first_track_s": nan.copy(),
        }
    width = max(1, max(i.size for i in log.ids))
    tp = np.full((n_t, width, 3), np.nan)
    tv = np.zeros((n_t, width), bool)
    tid = np.full((n_t, width), -1, np.int64)
    tl = np.zeros((n_t, width, n_l), bool)
    for s in range(n_t):  # loop over epochs
        c = log.ids[s].size
        tp[s, :c], tv[s, :c], tid[s, :c], tl[s, :c] = log.tracks[s], True, log.ids[s], log.layers[s]
    up = np.stack(log.truth)
    ex = np.stack(log.exists)
    held = custody(up, ex, tp, tv, tid, CUSTODY_GATE_M)
    fc = custody(up, ex, tp, tv, tid, fc_error_m)
    per_layer = np.full((n, n_l), np.nan)
    for j in np.flatnonzero(present):  # layers: a handful
        per_layer[:, j] = custody(up, ex, tp, tv & tl[..., j], tid, CUSTODY_GATE_M).fraction
    # sensor handovers: a layer starts holding the object's track while another
    # layer held it at the previous epoch (cue / hand-off between sensors)
    slot = np.maximum(held.holder_slot, 0)  # (T, n): 0 where none (masked below)
    by_layer = np.take_along_axis(tl, slot[:, :, None], axis=1)  # (T, n, L)
    by_layer &= (held.holder_id >= 0)[:, :, None] & present[None, None, :]
    gained = by_layer[1:] & ~by_layer[:-1]
    others_before = (by_layer[:-1].sum(axis=2, keepdims=True) - by_layer[:-1]) > 0
    sensor_handovers = (gained & others_before).sum(axis=(0, 2))
    t_arr = np.asarray(log.t_s)
    has = held.holder_id >= 0
    first = np.where(has.any(axis=0), t_arr[np.argmax(has, axis=0)], np.nan)
    return {
        "custody": held.fraction,
        "custody_fc": fc.fraction,
        "custody_layer": per_layer,
        "handovers": held.handovers.astype(np.float64),
        "sensor_handovers": sensor_handovers.astype(np.float64),
        "first_track_s": first,
    }
