"""Coalition data sharing in a trial: which force holds which track, and who knows what.

With a ``coalition:`` section the defence is several forces, each with its own
battle manager and :class:`~shieldlab.sim.decide.TrackBook`. They share one
fused track file (named shortcut: the filter of a track fuses every sensor's
measurements; sharing decides who may *use* the track, not how accurate it is).
Per sensor update of force g at time t, for every force f with ``flows[g, f]``
(f = g, or an agreement g → f that is up at t):

- the radar looks (SNR, discrimination features) join f's book;
- f = g: the track is held by f's own sensors at t (``own_s``);
- f ≠ g and the agreement allows engage on remote: the track is held by f
  through g's data at t with the agreement's latency (``remote_s``,
  ``remote_lat_s``).

At a decision epoch each force decides in turn (the coalition's order) on the
tracks it holds within ``hold_s``, with its own fire units, knowing of the
shots in flight of the forces whose tracks reach it; a remote-only track's
launch waits for the data latency. A shot's kill assessment reaches the
shooter's force and the forces its tracks reach.

Launch reports of the warning layer reach every force (shared early warning,
stated assumption). The layer plug-ins (boost-phase interceptors, lasers,
microwaves) keep their own fire control and belong to no force in the trial.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from shieldlab.sim.decide import (
    ForceView,
    LaunchReports,
    Shots,
    TrackBook,
    decide,
    receive_looks,
)
from shieldlab.sim.defense import Coalition, Defense
from shieldlab.tracking.tracker import GnnTracker

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def books_for(
    coalition: Coalition | None, n_radars: int, rng: np.random.Generator
) -> list[TrackBook]:
    """One book per force (one book without a coalition); they share the C2 stream."""
    n = 1 if coalition is None else coalition.n
    return [TrackBook(n_radars=n_radars, rng_c2=rng) for _ in range(n)]


def held(books: list[TrackBook], coalition: Coalition, g: int, t: float, tid: I64) -> None:
    """Force ``g``'s sensors updated tracks ``tid`` at ``t``: mark them held by g and
    by the forces g's data reach on engage-on-remote agreements."""
    if tid.size == 0:
        return
    flows, engage, latency = coalition.links(t)
    top = int(tid.max()) + 1
    for f, book in enumerate(books):  # forces: a handful
        if not flows[g, f]:
            continue
        book.grow(top)
        if f == g:
            book.own_s[tid] = t
        elif engage[g, f]:
            book.remote_s[tid] = t
            book.remote_lat_s[tid] = latency[g, f]


def share_looks(
    books: list[TrackBook],
    coalition: Coalition,
    g: int,
    i: int,
    t: float,
    tid: I64,
    snr: F64,
    info: F64,
    y: F64,
) -> None:
    """The looks of radar ``i`` (force ``g``, already in g's book) reach the other
    forces g's data flow to at ``t``."""
    flows, _, _ = coalition.links(t)
    for f, book in enumerate(books):  # forces: a handful
        if f != g and flows[g, f]:
            receive_looks(book, i, tid, snr, info, y)


def updated_ids(tracker: GnnTracker, ids_before: I64, n_before: I64) -> I64:
    """Ids of the tracks a frame updated or started: ids whose update count grew, and
    ids that did not exist before it."""
    ids, n = tracker.track_id, tracker.n_updates
    pos = np.searchsorted(ids_before, ids)
    pos = np.minimum(pos, max(ids_before.size - 1, 0))
    existed = ids_before.size > 0
    old = (ids_before[pos] == ids) if existed else np.zeros(ids.size, bool)
    grew = old & (n > (n_before[pos] if existed else 0))
    return ids[grew | ~old]


def assessed(
    books: list[TrackBook], coalition: Coalition | None, shooter: int, t: float, tid: int
) -> None:
    """A kill-assessment report of force ``shooter`` that track ``tid`` is dead reaches
    that force and the forces its tracks flow to."""
    if coalition is None:
        books[0].dead[tid] = True
        return
    flows, _, _ = coalition.links(t)
    for f, book in enumerate(books):  # forces: a handful
        if flows[shooter, f]:
            book.grow(tid + 1)
            book.dead[tid] = True


def decide_all(
    defense: Defense,
    tracker: GnnTracker,
    books: list[TrackBook],
    t: float,
    reports: LaunchReports,
    inventory: I64,
    shots: Shots,
) -> None:
    """One decision epoch: the one battle manager, or each coalition force in turn."""
    c = defense.coalition
    for book in books:
        book.grow(tracker.next_id)
    if c is None:
        decide(defense, tracker, books[0], t, reports, inventory, shots)
        return
    flows, _, _ = c.links(t)
    for f, book in enumerate(books):  # forces: a handful
        mine = c.site_force == f
        if not (inventory[mine] > 0).any():
            continue
        view = ForceView(mine, flows[:, f].copy(), c.site_force, c.hold_s)
        decide(defense, tracker, book, t, reports, inventory, shots, view)
