"""A scenario as inputs of the analytic model (:mod:`.analytic`): geometry once, then fast.

The raid is expanded and flown once (the engine's own threat models, the
same random "raid" stream, so the same launches as ``shieldlab run``). Every
lethal object that lands inside a defended asset is one *group*. The
layers' opportunities come from the engine's own envelopes and timelines:

* **Track time** of an object: its first look by a ground, sea or airborne
  radar of the scenario (the engine's visibility masks: horizon, range,
  sector), plus ``min_track_updates`` revisits of that radar; a LEO
  infrared tracking layer is taken to hold every object from launch (its
  revisits then count), a stated assumption.
* **Commit**: track time + half a decision interval + the nominal C2 delay
  (when a ``c2`` section is given) + the class's launch-to-commit time.
* **Reach and looks**: a layer reaches an object when one of its sites has a
  feasible intercept (``weapons.envelope.plan_for_site``: Lambert fly-out or
  envelope, class engages the kind) launched at the commit time; with
  shoot-look-shoot, each further look is a launch ``kill_assessment_s`` after
  the previous intercept that is still feasible before impact.
* **Pk**: the class Pk of the kind × the divert-limited handover factor
  (``weapons.intercept.shot_pk``) at the planned closing speed with a track
  error of ``doctrine.fire_control_error_km``.
* **Kill assessment**: the engine's ``kill_assessment_pcorrect`` (radar SNR on
  the intercept point) at the first planned intercept.
* **Closely spaced objects**: at the first planned intercept, a lethal object that no
  radar seeing it resolves from the other objects of its launch (range
  resolution c/2B and beamwidth, as ``sensors.resolution``) is held as one
  track with the k objects in its cell; a midcourse (Lambert fly-out)
  salvo aimed at that track meets the lethal object with probability
  1/(1 + k) (``p_engage``), and its decoys draw no salvos of their own.
* **Decoys**: a decoy draws fire with P = Φ(Φ⁻¹(c) − d′) at the
  doctrine's RV-acceptance threshold c, equal-variance Gaussian scores with
  index d′ (:data:`DEFAULT_DPRIME`, a stated assumption).
* **Boost layer**: the fraction of the constellation in reach of each launch
  (``weapons.sbi.reach_mask`` at the layer's decision delay): the absentee
  ratio the model scales by the constellation size.
* **Left of launch, EW/cyber**: their stated probabilities as attrition; a
  degraded guidance moves the impact a uniform distance up to ``aim_miss_km``
  in a uniform direction, so it still lands in an asset of radius r with
  probability (r / aim_miss)² (at most 1).

Not modelled here (the engine models them): lasers and microwaves (their
kills are left out of the analytic answer, which is then conservative), the
value-weighted assignment (pro-rata instead), correlated failures, track
breaks and the handover of a wrong object. The engine's battle manager
coasts tracks without drag when it predicts impacts and plans intercepts;
the model plans on the true trajectory, so it is the more optimistic of the
two against endo-atmospheric SRBMs defended from afar
(``docs/analytic-vs-engine.md``). Truth is read here on purpose:
this is the analyst's model of the engagement, not the defense.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from shieldlab.analysis.analytic import (
    KIND_ATTRITION,
    KIND_BOOST,
    KIND_INTERCEPTOR,
    MAX_LOOKS,
    ModelInputs,
)
from shieldlab.battle.threat_eval import threatened_asset
from shieldlab.core.frames import eci_to_ecef
from shieldlab.core.objects import LETHAL_KINDS
from shieldlab.core.time import gmst_at, parse_epoch
from shieldlab.scenario import LoadedScenario, load_scenario
from shieldlab.scenario.schema import AirborneRadarSensor, LeoIrSensor, RadarSensor
from shieldlab.sensors.airborne import airborne_geometry, make_airborne_radar
from shieldlab.sensors.catalog import make_radar
from shieldlab.sensors.ir_track import make_leo_ir
from shieldlab.sensors.radar import radar_visible
from shieldlab.sim import layers as sim_layers
from shieldlab.sim.oracle import kill_assessment_pcorrect
from shieldlab.sim.world import fly_raid
from shieldlab.space.constellation import elements_from_spec
from shieldlab.threats.raid import Assets
from shieldlab.weapons.catalog import make_site
from shieldlab.weapons.envelope import plan_for_site
from shieldlab.weapons.intercept import earliest_launch_s, shot_pk
from shieldlab.weapons.interceptor import InterceptorSite
from shieldlab.weapons.sbi import BoostPath, load_sbi_specs, reach_mask

F64 = NDArray[np.float64]

DEFAULT_DPRIME = 2.0
"""RV/decoy discrimination index d′ of the defense's sensors (assumption; the
``discrimination`` capability of the requirements)."""
CANDIDATE_STEP_S = 10.0
"""Spacing of the candidate intercept times [s]."""
AIRBORNE_RCS_M2 = 0.1
"""Radar cross-section used for the airborne radar's first look at a cruise missile [m²]."""


@dataclass(frozen=True)
class LayerInfo:
    """One layer of the model: name, kind (``KIND_*``), the sites or constellation
    it holds, rounds (inf: not counted), engagement capacity per raid, shots per
    engagement and the carriers of a boost layer."""

    name: str
    kind: int
    members: tuple[str, ...]
    rounds: float
    capacity: float
    shots: float
    carriers: float = 0.0
    pk: float = 0.0


@dataclass(frozen=True)
class ScenarioModel:
    """The analytic model's view of one scenario (G groups, L layers).

    Per group: the threat class, the asset it lands in, lethal objects (1),
    decoys travelling with it, objects per launch, launches in the same boost
    window. Per group and layer (G, L): reach, looks, pk, p_engage, p_decoy,
    p_ka, attrition, f_reach.
    """

    name: str
    threat: tuple[str, ...]
    asset_names: tuple[str, ...]
    asset: NDArray[np.int64]
    value: F64
    decoys: F64
    per_launch: F64
    simultaneous: F64
    layers: tuple[LayerInfo, ...]
    reach: F64
    looks: F64
    pk: F64
    p_engage: F64
    p_decoy: F64
    p_ka: F64
    attrition: F64
    f_reach: F64
    unmodelled: tuple[str, ...] = ()

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Layer names in engagement order."""
        return tuple(x.name for x in self.layers)

    def inputs(
        self,
        raid_scale: F64 | float = 1.0,
        rounds: F64 | None = None,
        carriers: F64 | None = None,
        pk_scale: F64 | float = 1.0,
        p_engage_scale: F64 | float = 1.0,
        p_ka: F64 | None = None,
        p_decoy: F64 | None = None,
    ) -> ModelInputs:
        """Model inputs for A architectures × R raids.

        ``raid_scale`` (R,) multiplies every group's objects, (R, G) each group's; ``rounds`` and
        ``carriers`` (A, L) replace the scenario's; ``pk_scale``,
        ``p_engage_scale`` (A, L) scale the layer's Pk and engagement
        probability (capped at 1); ``p_ka``, ``p_decoy`` (A, L) or (A, G, L) replace them.
        """
        n_l = len(self.layers)
        s = np.asarray(raid_scale, np.float64)
        scale = s.reshape(-1, 1) if s.ndim <= 1 else s  # (R, 1) or (R, G)
        lethal = scale[None] * np.ones((1, 1, self.asset.size))
        base_rounds = np.array([x.rounds for x in self.layers])[None, :]
        base_carriers = np.array([x.carriers for x in self.layers])[None, :]
        rnd = base_rounds if rounds is None else np.atleast_2d(rounds)
        car = base_carriers if carriers is None else np.atleast_2d(carriers)
        a = max(rnd.shape[0], car.shape[0], np.atleast_2d(pk_scale).shape[0])

        def al(x: Any) -> F64:  # (A, L) -> (A, 1, 1, L)
            return np.asarray(np.broadcast_to(np.atleast_2d(x), (a, n_l)))[:, None, None, :]

        gl = self  # (G, L) arrays -> (1, 1, G, L)
        return ModelInputs(
            lethal=lethal,
            decoys=scale[None] * self.decoys[None, None, :],
            per_launch=self.per_launch[None, None, :],
            simultaneous=scale[None] * self.simultaneous[None, None, :],
            value=self.value,
            asset=self.asset,
            n_assets=len(self.asset_names),
            kind=np.array([x.kind for x in self.layers], np.int64),
            reach=gl.reach[None, None],
            looks=gl.looks[None, None],
            pk=np.minimum(gl.pk[None, None] * al(pk_scale), 1.0),
            shots=np.array([x.shots for x in self.layers])[None, None, None, :],
            p_engage=np.minimum(gl.p_engage[None, None] * al(p_engage_scale), 1.0),
            p_decoy=gl.p_decoy[None, None] if p_decoy is None else _agl(p_decoy, al),
            p_ka=gl.p_ka[None, None] if p_ka is None else _agl(p_ka, al),
            attrition=gl.attrition[None, None],
            f_reach=gl.f_reach[None, None],
            rounds=np.broadcast_to(rnd, (a, n_l)),
            capacity=np.broadcast_to(
                np.array([x.capacity for x in self.layers])[None, :], (a, n_l)
            ),
            carriers=np.broadcast_to(car, (a, n_l)),
        )


def _agl(x: Any, al: Any) -> F64:
    """(A, L) → (A, 1, 1, L) through ``al``; (A, G, L) → (A, 1, G, L)."""
    arr = np.asarray(x, np.float64)
    return np.asarray(arr[:, None]) if arr.ndim == 3 else np.asarray(al(arr))


def _first_track_s(loaded: LoadedScenario, truth: Any, objs: NDArray[np.intp]) -> F64:
    """First time [s] each object is held by a radar track (inf: never), see module doc."""
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    t = truth.t_s
    gmst = gmst_at(epoch, t)
    r_ecef = eci_to_ecef(truth.r_eci_m[objs], gmst[None, :])  # (g, T, 3)
    flat = r_ecef.reshape(-1, 3)
    flying = (t[None, :] >= truth.t_launch_s[objs, None]) & (
        t[None, :] <= truth.t_impact_s[objs, None]
    )
    best = np.full(objs.size, np.inf)
    updates = s.doctrine.min_track_updates
    for x in s.sensors:  # a handful of sensors
        if isinstance(x, RadarSensor):
            radar = make_radar(x.type, x.lat_deg, x.lon_deg, x.alt_m, x.boresight_azimuth_deg)
            vis = radar_visible(radar, flat)[0].reshape(objs.size, t.size)
            revisit = radar.revisit_s
        elif isinstance(x, AirborneRadarSensor):
            a = make_airborne_radar(x.type)
            alt = a.patrol_altitude_m if x.alt_m is None else x.alt_m
            vis = airborne_geometry(
                a, math.radians(x.lat_deg), math.radians(x.lon_deg), alt, flat, AIRBORNE_RCS_M2
            )[0].reshape(objs.size, t.size)
            revisit = a.radar.revisit_s
        elif isinstance(x, LeoIrSensor) and "space-ir" not in s.disabled_layers:
            # stated assumption: the tracking layer holds every object from launch
            revisit = x.revisit_s or make_leo_ir(x.type).frame_s
            vis = flying.copy()
        else:
            continue
        vis &= flying
        first = np.where(vis.any(axis=1), t[np.argmax(vis, axis=1)], np.inf)
        best = np.minimum(best, first + updates * revisit)
    return best


def _cluster_share(
    radars: list[Any], truth: Any, o: int, siblings: NDArray[np.intp], t_s: float, epoch: Any
) -> float:
    """1/(1 + k): k the fewest siblings any radar seeing object ``o`` at ``t_s`` leaves
    in its resolution cell (1 when none is seen or no radar sees it)."""
    if siblings.size == 0 or not np.isfinite(t_s):
        return 1.0
    k_t = int(np.clip(np.searchsorted(truth.t_s, t_s), 0, truth.t_s.size - 1))
    ids = np.concatenate([[o], siblings])
    r = eci_to_ecef(truth.r_eci_m[ids, k_t], float(gmst_at(epoch, truth.t_s[k_t])))
    flying = (truth.t_launch_s[ids] <= truth.t_s[k_t]) & (truth.t_impact_s[ids] > truth.t_s[k_t])
    best = None
    for radar, _ in radars:  # a handful
        vis, az, el, rng = radar_visible(radar, r)
        if not vis[0]:
            continue
        d_az = np.mod(az[1:] - az[0] + np.pi, 2 * np.pi) - np.pi
        ang = np.hypot(d_az * np.cos(el[0]), el[1:] - el[0])
        same = (
            (np.abs(rng[1:] - rng[0]) < radar.range_resolution_m)
            & (ang < radar.beamwidth_rad)
            & flying[1:]
        )
        k = int(np.sum(same))
        best = k if best is None else min(best, k)
    return 1.0 if best is None else 1.0 / (1.0 + best)


def _radars(loaded: LoadedScenario) -> SimpleNamespace:
    s = loaded.scenario
    radars = [
        (make_radar(x.type, x.lat_deg, x.lon_deg, x.alt_m, x.boresight_azimuth_deg), 0)
        for x in s.sensors
        if isinstance(x, RadarSensor) and "ground-radar" not in s.disabled_layers
    ]
    return SimpleNamespace(radars=radars)


def _site_looks(
    site: InterceptorSite,
    commit_s: float,
    t_impact_s: float,
    t_grid: F64,
    r_obj: F64,
    kind: int,
    epoch: Any,
    look_s: float,
    sls: bool,
) -> list[tuple[float, float, F64]]:
    """Planned intercepts (time, closing speed, ECI point) of one object from one site:
    the first launched at commit, then one per look while feasible (at most MAX_LOOKS)."""
    out: list[tuple[float, float, F64]] = []
    t_launch = float(earliest_launch_s(site.spec, commit_s))
    for _ in range(MAX_LOOKS if sls else 1):
        keep = (t_grid > t_launch) & (t_grid < t_impact_s)
        if not keep.any():
            break
        plan = plan_for_site(
            site,
            t_launch,
            t_grid[keep],
            r_obj[None, keep],
            float(gmst_at(epoch, t_launch)),
            None,
            np.array([kind]),
        )
        if not bool(plan.feasible[0]):
            break
        t_int = float(plan.t_intercept_s[0])
        out.append((t_int, float(plan.closing_speed_mps[0]), plan.r_pip_eci_m[0]))
        t_launch = t_int + look_s
    return out


def build_model(path: str | Path | LoadedScenario, extra_delay_s: float = 0.0) -> ScenarioModel:
    """Fly the scenario's raid once and derive the model's inputs (module docstring).

    ``extra_delay_s`` [s] lengthens every sensor-to-shooter timeline (the commit of
    the interceptor layers and the firing of the boost layer): the requirement on
    sensor-to-shooter time is found by raising it."""
    loaded = path if isinstance(path, LoadedScenario) else load_scenario(path)
    s = loaded.scenario
    epoch = parse_epoch(s.epoch_utc)
    assets, launches, truth = fly_raid(s, epoch)
    hit = threatened_asset(
        truth.impact_lat_rad, truth.impact_lon_rad, assets.lat_rad, assets.lon_rad, assets.radius_m
    )
    lethal = np.isin(truth.object_kind, LETHAL_KINDS)
    objs = np.flatnonzero(lethal & (hit >= 0))
    li = truth.launch_index
    per_launch = np.array([np.sum(lethal & (li == li[o])) for o in objs], np.float64)
    decoys = np.array(
        [
            np.sum(~lethal & (li == li[o]) & (truth.object_kind != truth.object_kind[o]))
            for o in objs
        ],
        np.float64,
    )
    decoys = decoys / np.maximum(per_launch, 1.0)
    t_l, t_bo = truth.t_launch_s, truth.t_burnout_s
    launch_t = t_l[objs]
    window = np.maximum(t_bo[objs] - t_l[objs], 1.0)
    first_obj = {int(li[o]): int(o) for o in objs[::-1]}
    launch_times = np.array([t_l[first_obj[k]] for k in sorted(first_obj)])
    simultaneous = np.array(
        [np.sum(np.abs(launch_times - launch_t[j]) < window[j]) for j in range(objs.size)],
        np.float64,
    )
    track_s = _first_track_s(loaded, truth, objs)
    doc = s.doctrine
    c2_s = 0.0
    if s.c2 is not None:
        c2_s = sum(float(v) for n in s.c2.nodes for v in n.processing_s.values())
    commit = track_s + 0.5 * doc.decision_interval_s + c2_s + extra_delay_s
    sites = [
        make_site(x.type, x.name, x.lat_deg, x.lon_deg, x.inventory)
        for x in s.interceptor_sites
        if x.type
    ]
    off = set(s.disabled_layers)
    sites = [x for x in sites if x.spec.layer not in off]
    channels = {x.name: x.channels for x in s.interceptor_sites}
    layer_names = sim_layers.timeline(
        [x.spec.layer for x in sites]
        + [k for k, present in _plugin_presence(s).items() if present and k not in off]
    )
    g, n_l = objs.size, len(layer_names)
    arr = {k: np.zeros((g, n_l)) for k in ("reach", "pk", "p_decoy", "p_ka", "attr", "f")}
    looks = np.ones((g, n_l))
    p_engage = np.ones((g, n_l))
    infos: list[LayerInfo] = []
    radars = _radars(loaded)
    thr = ndtr(ndtri(doc.rv_confidence) - DEFAULT_DPRIME)
    unmodelled: list[str] = []
    for l_i, name in enumerate(layer_names):
        members = [x for x in sites if x.spec.layer == name]
        if members:
            infos.append(_interceptor_layer(name, members, channels, doc.shots_per_threat))
            for j, o in enumerate(objs):
                grid = _grid(truth, int(o))
                best: list[tuple[float, float, F64]] = []
                spec_of = members[0].spec
                for site in members:  # a few sites per layer
                    if not np.isfinite(commit[j]):
                        break
                    plan = _site_looks(
                        site,
                        float(commit[j]),
                        float(truth.t_impact_s[o]),
                        truth.t_s[grid],
                        truth.r_eci_m[o, grid],
                        int(truth.object_kind[o]),
                        epoch,
                        doc.kill_assessment_s,
                        doc.shoot_look_shoot,
                    )
                    if plan and (not best or len(plan) > len(best)):
                        best, spec_of = plan, site.spec
                if not best:
                    continue
                arr["reach"][j, l_i] = 1.0
                looks[j, l_i] = len(best)
                t0, v_c, r_pip = best[0]
                arr["pk"][j, l_i] = float(
                    shot_pk(
                        spec_of, v_c, doc.fire_control_error_km * 1e3, None, truth.object_kind[o]
                    )
                )
                arr["p_ka"][j, l_i] = kill_assessment_pcorrect(
                    radars,  # type: ignore[arg-type]
                    r_pip,
                    t0,
                    float(gmst_at(epoch, t0)),
                )
                arr["p_decoy"][j, l_i] = thr
                if spec_of.flyout == "lambert":
                    sib = np.flatnonzero((li == li[o]) & (np.arange(li.size) != o))
                    share = _cluster_share(radars.radars, truth, int(o), sib, t0, epoch)
                    p_engage[j, l_i] = share
                    if share < 1.0:
                        arr["p_decoy"][j, l_i] = 0.0
        elif name == "boost":
            info, f = _boost_layer(s, epoch, truth, objs, li, extra_delay_s)
            infos.append(info)
            arr["reach"][:, l_i] = 1.0
            arr["f"][:, l_i] = f
            arr["pk"][:, l_i] = info.pk
        elif name in ("left-of-launch", "ew-cyber"):
            infos.append(LayerInfo(name, KIND_ATTRITION, (), math.inf, math.inf, 0.0))
            types = [str(launches.threat_type[li[o]]) for o in objs]
            arr["attr"][:, l_i] = _attrition(s, name, types, objs, assets, hit)
        else:
            unmodelled.append(name)
            infos.append(LayerInfo(name, KIND_ATTRITION, (), math.inf, math.inf, 0.0))
    return ScenarioModel(
        name=s.name,
        threat=tuple(str(launches.threat_type[li[o]]) for o in objs),
        asset_names=tuple(assets.name),
        asset=hit[objs].astype(np.int64),
        value=assets.value[hit[objs]].astype(np.float64),
        decoys=decoys,
        per_launch=per_launch,
        simultaneous=simultaneous,
        layers=tuple(infos),
        reach=arr["reach"],
        looks=looks,
        pk=arr["pk"],
        p_engage=p_engage,
        p_decoy=arr["p_decoy"],
        p_ka=arr["p_ka"],
        attrition=arr["attr"],
        f_reach=arr["f"],
        unmodelled=tuple(unmodelled),
    )


def _grid(truth: Any, o: int) -> NDArray[np.intp]:
    """Indices of the candidate intercept times of object ``o`` (every CANDIDATE_STEP_S)."""
    t = truth.t_s
    step = max(1, round(CANDIDATE_STEP_S / max(truth.dt_s, 1e-9)))
    return np.flatnonzero((t >= truth.t_launch_s[o]) & (t <= truth.t_impact_s[o]))[::step]


def _plugin_presence(s: Any) -> dict[str, bool]:
    return {
        "boost": bool(s.space_interceptors),
        "left-of-launch": s.left_of_launch is not None,
        "ew-cyber": s.ew_cyber is not None,
        "laser": bool(s.lasers),
        "microwave": bool(s.hpm),
    }


def _interceptor_layer(
    name: str, members: list[InterceptorSite], channels: dict[str, int | None], shots: int
) -> LayerInfo:
    chans = [channels.get(x.name) for x in members]
    cap = math.inf if any(c is None for c in chans) else float(sum(c or 0 for c in chans))
    return LayerInfo(
        name,
        KIND_INTERCEPTOR,
        tuple(x.name for x in members),
        float(sum(x.inventory for x in members)),
        cap,
        float(shots),
        pk=float(members[0].spec.pk_single_shot),
    )


def _boost_layer(
    s: Any,
    epoch: Any,
    truth: Any,
    objs: NDArray[np.intp],
    li: NDArray[np.int64],
    extra_delay_s: float = 0.0,
) -> tuple[LayerInfo, F64]:
    """The first space-interceptor layer: carriers and the in-reach fraction per group."""
    sb = s.space_interceptors[0]
    spec = load_sbi_specs()[sb.type]
    consts = {c.name: c for c in s.constellations}
    el = elements_from_spec(consts[sb.constellation], epoch)
    f = np.zeros(objs.size)
    cache: dict[int, float] = {}
    for j, o in enumerate(objs):  # one path per launch
        launch = int(li[o])
        if launch not in cache:
            first = int(np.flatnonzero(li == launch)[0])
            t0 = float(truth.t_launch_s[first])
            path = BoostPath(
                tau_s=truth.t_s - t0,
                r_eci_m=truth.r_eci_m[first],
                t_kill_s=float(truth.t_burnout_s[o]) - t0,
                t_burnout_s=float(truth.t_burnout_s[first]) - t0,
                name="",
            )
            delay = sb.decision_delay_s + extra_delay_s
            mask = reach_mask(el, np.array([t0]), path, spec, delay)
            cache[launch] = float(mask.mean())
        f[j] = cache[launch]
    info = LayerInfo(
        "boost", KIND_BOOST, (sb.name,), float(el.n), math.inf, 1.0, float(el.n), sb.pk
    )
    return info, f


def _attrition(
    s: Any,
    name: str,
    types: list[str],
    objs: NDArray[np.intp],
    assets: Assets,
    hit: NDArray[np.int64],
) -> F64:
    """Probability each group's object (catalog ``types``) is removed by the layer
    (module docstring)."""
    if name == "left-of-launch":
        sec = s.left_of_launch
        ok = np.array([not sec.types or t in sec.types for t in types])
        return np.where(ok, sec.p_find * sec.p_kill, 0.0)
    sec = s.ew_cyber
    r = assets.radius_m[hit[objs]]
    miss = sec.aim_miss_km * 1e3
    still = np.ones(objs.size) if miss <= 0 else np.minimum(1.0, (r / miss) ** 2)
    fail = sec.p_launch_failure
    return fail + (1.0 - fail) * sec.p_guidance_degraded * (1.0 - still)


__all__ = ["DEFAULT_DPRIME", "LayerInfo", "ScenarioModel", "build_model"]
