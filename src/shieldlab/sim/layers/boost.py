"""Layer ``boost``: space-based interceptors (SBI) against boosting missiles
(scenario ``space_interceptors``).

**Fire control from the plume tracks** (``fire_control: plume-track``, the
default). The warning layer's sightings are associated into plume tracks by
geometry (:mod:`shieldlab.sim.plume_tracks`). ``decision_delay_s`` after a
track's first report arrives, the fire control fits the sightings that have
arrived to the threat library of the doctrine (``doctrine.boost_library``;
:func:`shieldlab.sim.boost_fc.fit_launch`: class, launch time, launch point,
heading), predicts the boost path and the engagement deadline, and fires the
doctrine's ``shots_per_threat`` from the carriers it predicts in reach
(:func:`~shieldlab.sim.boost_fc.predicted_reach_times`), earliest first, from
those still holding interceptors. With too few sightings to fit, it waits for
the next report; past the predicted deadline it gives up. Each shot is resolved
at its planned intercept time by the oracle
(:func:`shieldlab.sim.oracle.resolve_boost_shot`): the kill vehicle, updated in
flight, flies to the plume track's latest prediction, acquires the boosting
missile nearest it and meets it if its carrier truly can before the true
deadline, killing it with the layer's Pk. A wrong class, heading or deadline wastes
interceptors on carriers out of reach, or misses carriers that were in reach.

**Truth path** (``fire_control: truth-path``, the named truth shortcut
:data:`~shieldlab.sim.oracle.TRUTH_PATH_SHORTCUT`, for comparison): each launch
reported is engaged at its first report + ``decision_delay_s`` from the carriers
truly in reach (:meth:`BoostState.engage`).

Carriers are shared by all launches, so the inventory depletes across the
salvo. A kill takes the missile and every object it would release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from shieldlab.sim import boost_fc, layers, oracle
from shieldlab.sim.streams import SBI_STREAM, trial_stream
from shieldlab.sim.world import SbiLayer, sbi_reach
from shieldlab.space.constellation import elements_from_spec
from shieldlab.weapons.boost_templates import BoostTemplate, build_boost_templates, default_library
from shieldlab.weapons.sbi import load_sbi_specs

if TYPE_CHECKING:
    from shieldlab.sim.world import World

NAME = "boost"
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]


@dataclass(frozen=True)
class BoostPart:
    """The world's boost layer: its SBI layers and the fire control's threat library
    (boost templates; empty when every layer flies the truth path)."""

    layers: tuple[SbiLayer, ...]
    templates: tuple[BoostTemplate, ...]


def build(x: layers.BuildInputs) -> BoostPart | None:
    """The scenario's SBI layers with the geometry of every launch against their
    carriers, and the threat library (None: no SBI, or the layer is switched off)."""
    s = x.scenario
    if not s.space_interceptors or NAME in x.off:
        return None
    sbi = _sbi_layers(x)
    plume = any(layer.fire_control == "plume-track" for layer in sbi)
    lib = tuple(s.doctrine.boost_library) or default_library()
    shapes = tuple(dict.fromkeys(s.doctrine.boost_shapes))
    return BoostPart(sbi, build_boost_templates(lib, shapes=shapes) if plume else ())


def _sbi_layers(x: layers.BuildInputs) -> tuple[SbiLayer, ...]:
    s = x.scenario
    specs = load_sbi_specs()
    consts = {c.name: c for c in s.constellations}
    out = []
    for sb in s.space_interceptors:
        el = elements_from_spec(consts[sb.constellation], x.epoch)
        out.append(
            SbiLayer(
                sb.name,
                specs[sb.type],
                sb.pk,
                sb.decision_delay_s,
                el.n,
                sbi_reach(x.truth, x.launches, specs[sb.type], el),
                el,
                sb.fire_control,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class BoostShots:
    """Boost-phase (SBI) shots of one trial (m,): layer index, launch the kill vehicle
    met (−1: none), carrier, firing and intercept time [s] (inf: it could not reach
    the missile), Pk and outcome; ``kill_time_s (launches,)`` inf if none killed."""

    layer: I64
    launch: I64
    carrier: I64
    fire_s: F64
    intercept_s: F64
    pk: F64
    hit: BoolArr
    kill_time_s: F64
    track: I64 | None = None
    """(m,) plume track each shot was aimed at (−1: truth-path fire control)."""
    sightings: I64 | None = None
    """(m,) plume sightings the fit behind each shot used (0: truth-path fire control)."""


def _per_launch_min(world: World, values: F64) -> F64:
    """Per launch (m,): the smallest of its objects' ``values (n,)`` (NaN as inf)."""
    n_l = 0 if world.launches is None else len(world.launches.threat_type)
    out = np.full(n_l, np.inf)
    np.minimum.at(out, world.truth.launch_index, np.where(np.isnan(values), np.inf, values))
    return out


def launch_cue_s(world: World, report_s: F64) -> F64:
    """Per launch (m,): when the boost-phase layer is cued [s from epoch] — the
    earliest launch report of its objects from the warning layer (inf: not
    reported yet). With no warning sensor in the scenario nothing cues it (inf:
    the layer never fires; ``run`` warns)."""
    if not (world.geo_ir or world.warning):
        return np.full(0 if world.launches is None else len(world.launches.threat_type), np.inf)
    return _per_launch_min(world, report_s)


@dataclass
class BoostState:
    """Working state of the trial's boost-phase layers.

    Per layer the interceptors left on each carrier (k at the start); per
    launch whether the truth-path fire control has engaged it (or it is gone)
    and when it died [s] (inf: not killed); per (plume track, layer) whether
    the plume-track fire control is done with it; the shot log; the trial's
    ``SBI_STREAM``.
    """

    world: World
    part: BoostPart
    left: list[I64]
    done: BoolArr
    kill: F64
    rng: np.random.Generator
    cols: dict[str, list[float]]
    struck: BoolArr
    track_done: dict[tuple[int, int], bool]
    pending: list[tuple[int, Any]]
    """Plume-track shots in flight: (log row, the fit they were fired on)."""
    fits: dict[tuple[bytes, bytes], Any] = field(default_factory=dict)
    """Launch fits by their sightings (times, positions): a track waiting to be
    fired on is re-fitted only when a new report has arrived."""
    grids: dict[int, boost_fc.CarrierGrid] = field(default_factory=dict)
    """Each layer's carrier positions on a time grid, computed once per trial
    (the reach prefilter of the plume-track fire control)."""

    def _fit_launch(self, t_seen: F64, pos: F64) -> Any:
        """:func:`boost_fc.fit_launch` of these sightings (cached: it is deterministic)."""
        key = (t_seen.tobytes(), pos.tobytes())
        if key not in self.fits:
            self.fits[key] = boost_fc.fit_launch(t_seen, pos, self.part.templates)
        return self.fits[key]

    @classmethod
    def start(
        cls, world: World, part: BoostPart, trial: int, gone: BoolArr | None = None
    ) -> BoostState:
        n_l = 0 if world.launches is None else len(world.launches.threat_type)
        done = np.zeros(n_l, bool)
        if gone is not None:
            done[world.truth.launch_index[gone]] = True
        return cls(
            world,
            part,
            [np.full(x.n_carriers, x.spec.interceptors_per_carrier) for x in part.layers],
            done,
            np.full(n_l, np.inf),
            trial_stream(SBI_STREAM, world.scenario.seed, trial),
            {k: [] for k in _COLS},
            np.zeros(world.truth.t_launch_s.size, bool),
            {},
            [],
        )

    @property
    def sbi(self) -> tuple[SbiLayer, ...]:
        return self.part.layers

    def _log(self, **row: float) -> None:
        for key in _COLS:
            self.cols[key].append(row[key])

    def _fire(self, li: int, launch: int, carrier: int, fire: float, t_int: float) -> None:
        """One interceptor of the truth-path fire control at a launch its carrier reaches
        at ``t_int``: a hit with the layer's Pk (one uniform per shot)."""
        layer = self.sbi[li]
        hit = bool(self.rng.random() < layer.pk)
        self._log(
            layer=li,
            launch=launch,
            carrier=carrier,
            fire=fire,
            t=t_int,
            pk=layer.pk,
            hit=hit,
            track=-1,
            sightings=0,
        )
        if hit:
            self.kill[launch] = min(self.kill[launch], t_int)

    def engage(self, l_i: int, cue_s: float, every_layer: bool = False) -> None:
        """Truth-path fire control: every ``truth-path`` layer (every layer with
        ``every_layer``) fires at launch ``l_i`` at ``cue_s`` + its decision delay.

        Each layer fires up to the doctrine's ``shots_per_threat`` interceptors
        from the carriers truly in reach (:meth:`SbiLayer.reach_times`) that still
        hold interceptors, earliest intercept first; each kills the boosting
        missile (and every object it would release) with the layer's Pk
        (independent draws). Layers in scenario order, all on the same cue.
        """
        self.done[l_i] = True
        shots = self.world.scenario.doctrine.shots_per_threat
        for li, layer in enumerate(self.sbi):  # layers: a handful
            if layer.fire_control != "truth-path" and not every_layer:
                continue
            fire = cue_s + layer.decision_delay_s
            left = self.left[li]
            t_r = np.where(left > 0, layer.reach_times(l_i, fire), np.inf)
            for c in _salvo(t_r, left, shots):
                self._fire(li, l_i, int(c), fire, float(t_r[c]))

    def engage_track(self, li: int, i: int, t: float, trial: Any) -> None:
        """Plume-track fire control of layer ``li`` on plume track ``i`` at ``t``
        (module docstring). It fires once the track has :data:`MIN_SIGHTINGS` and
        the fit predicts a carrier in reach; otherwise it waits for the next report,
        until the track has gone quiet for :data:`QUIET_S` or the predicted deadline
        has passed (then the pair is done)."""
        layer, world = self.sbi[li], self.world
        t_seen, pos = trial.plume_tracks.arrived(i, t)
        if t_seen.size and t - float(t_seen.max()) > QUIET_S:
            self.track_done[(i, li)] = True  # burnt out before the fire control could act
            return
        if t_seen.size < MIN_SIGHTINGS:
            return
        fit = self._fit_launch(t_seen, pos)
        if fit is None:
            return
        tmpl = self.part.templates[fit.template]
        if t >= fit.t_launch_s + tmpl.t_kill_s:
            self.track_done[(i, li)] = True  # predicted past its deadline
            return
        assert layer.elements is not None
        left = self.left[li]
        if li not in self.grids:
            self.grids[li] = boost_fc.CarrierGrid(layer.elements)
        t_pred = boost_fc.predicted_reach_times(
            fit, tmpl, layer.spec, layer.elements, t, world.epoch, grid=self.grids[li]
        )
        t_pred = np.where(left > 0, t_pred, np.inf)
        if not np.isfinite(t_pred).any():
            return  # no carrier predicted in reach: wait for a better fit
        self.track_done[(i, li)] = True
        shots = world.scenario.doctrine.shots_per_threat
        for c in _salvo(t_pred, left, shots):
            row = len(self.cols["layer"])
            self._log(
                layer=li,
                launch=-1,
                carrier=int(c),
                fire=t,
                t=float(t_pred[c]),
                pk=layer.pk,
                hit=False,
                track=i,
                sightings=int(t_seen.size),
            )
            self.pending.append((row, fit))

    def _resolve(self, t: float, trial: Any) -> None:
        """Shots of the plume-track fire control whose planned intercept time has come:
        the kill vehicle, updated in flight, flies to the plume track's latest
        prediction of the intercept point (a re-fit with the sightings arrived by
        now; the firing fit when none is possible) and the oracle decides what it
        meets (:func:`~shieldlab.sim.oracle.resolve_boost_shot`); one uniform per
        shot, drawn whatever happens."""
        c, world = self.cols, self.world
        due = sorted(
            (c["t"][row], row, fit) for row, fit in self.pending if c["t"][row] <= t + 1e-9
        )
        if not due:
            return
        done = {row for _, row, _ in due}
        self.pending = [(row, fit) for row, fit in self.pending if row not in done]
        for t_plan, row, fit in due:  # shots in intercept-time order
            li, carrier, track = int(c["layer"][row]), int(c["carrier"][row]), int(c["track"][row])
            t_seen, pos = trial.plume_tracks.arrived(track, t)
            update = self._fit_launch(t_seen, pos) if t_seen.size else None
            fit = update if update is not None else fit
            tmpl = self.part.templates[fit.template]
            aim = boost_fc.predicted_path_eci(fit, tmpl, np.array([t_plan]), world.epoch)[0]
            launch, t_int = oracle.resolve_boost_shot(
                world, li, carrier, float(c["fire"][row]), aim, t_plan, trial.alive
            )
            u = float(self.rng.random())
            hit = bool(launch >= 0 and np.isfinite(t_int) and u < self.sbi[li].pk)
            c["launch"][row], c["hit"][row] = launch, hit
            if np.isfinite(t_int):
                c["t"][row] = t_int
            if hit:
                self.kill[launch] = min(self.kill[launch], t_int)

    def record(self) -> BoostShots:
        c = self.cols
        return BoostShots(
            np.asarray(c["layer"], np.int64),
            np.asarray(c["launch"], np.int64),
            np.asarray(c["carrier"], np.int64),
            np.asarray(c["fire"], np.float64),
            np.asarray(c["t"], np.float64),
            np.asarray(c["pk"], np.float64),
            np.asarray(c["hit"], bool),
            self.kill.copy(),
            np.asarray(c["track"], np.int64),
            np.asarray(c["sightings"], np.int64),
        )

    # --- the engine's LayerState protocol -------------------------------------------
    def _truth_path(self) -> bool:
        return any(x.fire_control == "truth-path" for x in self.sbi)

    def _track_fire_s(self, trial: Any) -> list[tuple[int, int, float]]:
        """(layer, plume track, firing time [s]) of the pairs not done yet."""
        first = trial.plume_tracks.first_arrival_s()
        return [
            (li, i, float(first[i]) + layer.decision_delay_s)
            for li, layer in enumerate(self.sbi)
            if layer.fire_control == "plume-track"
            for i in range(first.size)
            if not self.track_done.get((i, li), False)
        ]

    def due_s(self, t: float, trial: Any) -> float:
        kill = self.kill[self.world.truth.launch_index]
        cand = [kill[~self.struck & np.isfinite(kill)]]
        if self._truth_path():
            cue = launch_cue_s(self.world, trial.report_s)
            cand.append(cue[~self.done & np.isfinite(cue)])
        if self.pending:
            cand.append(np.array([self.cols["t"][row] for row, _ in self.pending]))
        pend = self._track_fire_s(trial)
        if pend:
            cand.append(np.array([f for _, _, f in pend]))
            cand.append(trial.plume_tracks.arrivals_after(t))  # a waiting fit re-tries
        allc = np.concatenate(cand)
        allc = allc[allc > t + 1e-9]
        return float(allc.min()) if allc.size else np.inf

    def skip_to(self, t: float) -> None:
        return None

    def step(self, x: layers.Step) -> tuple[BoolArr, F64 | float]:
        """Engage what the fire control can engage now (truth path: the launches
        reported; plume track: the tracks whose firing time has come), then strike
        the launches whose intercept time has come."""
        world = self.world
        if self._truth_path() and not self.done.all():
            cue = launch_cue_s(world, x.trial.report_s)
            new_l = np.flatnonzero(~self.done & (cue <= x.t + 1e-9))
            for l_i in new_l[np.argsort(cue[new_l], kind="stable")]:
                self.engage(int(l_i), float(cue[l_i]))
        for li, i, fire in self._track_fire_s(x.trial):
            if fire <= x.t + 1e-9:
                self.engage_track(li, i, x.t, x.trial)
        self._resolve(x.t, x.trial)
        kill = self.kill[world.truth.launch_index]
        now = x.alive & ~self.struck & (kill <= x.t + 1e-9)
        self.struck |= now
        return now, kill

    def shots(self) -> layers.LayerShots:
        b = self.record()
        first = np.append(_first_object(self.world), -1)  # launch −1 → object −1
        return layers.LayerShots.of(
            [self.sbi[i].name for i in b.layer],
            first[b.launch] if b.launch.size else [],
            b.fire_s,
            b.intercept_s,
            b.pk,
            b.hit,
            [self.sbi[i].spec.unit_cost_usd for i in b.layer],
        )


MIN_SIGHTINGS = 3
"""Plume sightings a track needs before the fire control fits and fires (track quality)."""
QUIET_S = 120.0
"""A plume track not seen for this long has burnt out: the fire control gives it up [s]."""
_COLS = ("layer", "launch", "carrier", "fire", "t", "pk", "hit", "track", "sightings")


def _salvo(t_r: F64, left: I64, shots: int) -> list[int]:
    """Carriers of one salvo (one entry per interceptor): up to ``shots`` from the
    carriers with finite times, earliest first, each giving what it holds; the
    carriers' inventories ``left`` are debited."""
    out: list[int] = []
    for c in np.argsort(t_r, kind="stable"):  # carriers in reach, earliest first
        if len(out) == shots or not np.isfinite(t_r[c]):
            break
        take = min(shots - len(out), int(left[c]))
        out += [int(c)] * take
        left[c] -= take
    return out


def _first_object(world: World) -> I64:
    """Per launch (m,): its first object (the missile, or the bus), −1 when none."""
    n_l = 0 if world.launches is None else len(world.launches.threat_type)
    out = np.full(n_l, -1, np.int64)
    li = world.truth.launch_index
    out[li[::-1]] = np.arange(li.size)[::-1]
    return out


def boost_phase_engagements(
    world: World, trial: int, gone: BoolArr, cue_s: F64 | None = None
) -> BoostShots:
    """Engage every launch with the SBI layers, in cue order, with the truth-path
    fire control (:meth:`BoostState.engage`, whatever the layers' ``fire_control``:
    the reference of perfect prediction).

    ``cue_s (m,)``: when each launch is cued [s from epoch] (default: at its
    launch); launches not cued (inf) or ``gone`` (objects (n,) removed before
    launch) are not engaged. The engine engages launches the same way, step by
    step, as the warning layer reports them.
    """
    st = BoostState.start(world, world.parts["boost"], trial, gone)
    if cue_s is None:
        cue_s = _per_launch_min(world, world.truth.t_launch_s)
    for l_i in np.argsort(cue_s, kind="stable"):
        if not st.done[l_i] and np.isfinite(cue_s[l_i]):
            st.engage(int(l_i), float(cue_s[l_i]), every_layer=True)
    return st.record()


def start(world: World, part: BoostPart, trial: int) -> BoostState:
    return BoostState.start(world, part, trial)


LAYER = layers.register(
    layers.Layer(
        name=NAME,
        order=20,
        summary="space-based interceptors against boosting missiles, cued by the warning layer",
        build=build,
        start=start,
        interceptors=True,
        stream=SBI_STREAM,
    )
)
