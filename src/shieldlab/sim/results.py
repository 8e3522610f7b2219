"""Trial results → summary statistics and the columnar tables of the results store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shieldlab.analysis.stats import wilson_interval
from shieldlab.sim import layers
from shieldlab.sim.engine import KILLED, LEAKED, STATUS_NAMES, TrialResult
from shieldlab.sim.layers import LayerShots
from shieldlab.sim.world import SENSOR_LAYERS, World
from shieldlab.threats import LETHAL_KINDS, OBJECT_NAMES
from shieldlab.threats.summary import geodetic_samples

F64 = NDArray[np.float64]

TRAJECTORY_SAMPLE_S = 10.0
"""Spacing of the truth samples stored for maps [s]."""


@dataclass(frozen=True)
class Summary:
    """Headline numbers of a run (what `shieldlab run` prints)."""

    trials: int
    threats: int
    leakers_per_trial: NDArray[np.int64]
    p_no_leaker: float
    p_no_leaker_ci95: tuple[float, float]
    mean_leakers: float
    mean_value_hit: float
    mean_shots: float
    kills_by_layer: dict[str, float]
    """Objects killed per trial by each layer, in engagement-timeline order."""
    shots_by_site: dict[str, float]
    hits_by_site: dict[str, float]
    leakers_by_asset: dict[str, float]
    custody: list[dict[str, object]]
    c2: dict[str, float] | None = None
    """Without a ``c2`` section None; else mean decide → launch delay per shot [s],
    mean battle space lost to degradation per shot [s] and cut fire-unit epochs
    per trial."""
    mean_cost_usd: float = 0.0
    """Expended cost of the shots per trial [USD] (:func:`shot_costs`; unknown costs as 0)."""
    cost_by_layer: dict[str, float] | None = None
    """Expended cost per trial by defeat layer [USD], in engagement-timeline order."""

    def as_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        counts = np.bincount(self.leakers_per_trial, minlength=self.threats + 1)
        return {
            "trials": self.trials,
            "threats": self.threats,
            "p_no_leaker": self.p_no_leaker,
            "p_no_leaker_ci95": list(self.p_no_leaker_ci95),
            "mean_leakers": self.mean_leakers,
            "leakers_histogram": {str(i): int(c) for i, c in enumerate(counts) if c},
            "mean_value_hit": self.mean_value_hit,
            "mean_shots": self.mean_shots,
            "kills_by_layer": self.kills_by_layer,
            "shots_by_site": self.shots_by_site,
            "hits_by_site": self.hits_by_site,
            "leakers_by_asset": self.leakers_by_asset,
            "custody": self.custody,
            "c2": self.c2,
            "mean_cost_usd": self.mean_cost_usd,
            "cost_by_layer": self.cost_by_layer,
        }


def summarise(
    world: World,
    results: list[TrialResult],
    tables: dict[str, dict[str, np.ndarray]] | None = None,
) -> Summary:
    """Monte Carlo statistics over trials; ``tables``: the run's
    :func:`result_tables` when already built (the custody rows are read from them)."""
    if tables is None:
        tables = result_tables(world, results, with_maps=False)
    n_tr = len(results)
    leak = np.array([int(np.sum(r.status == LEAKED)) for r in results], np.int64)
    k = int(np.sum(leak == 0))
    lo, hi = wilson_interval(k, n_tr)
    value = world.assets.value
    value_hit = [float(value[r.hit_asset[r.hit_asset >= 0]].sum()) for r in results]
    sites = world.sites
    kill_counts: Counter[str] = Counter()
    shots_site = {s.name: 0.0 for s in sites}
    hits_site = {s.name: 0.0 for s in sites}
    for r in results:
        for si in r.shot_site.tolist():
            shots_site[sites[si].name] += 1.0 / n_tr
        for si in r.shot_site[r.shot_hit].tolist():
            hits_site[sites[si].name] += 1.0 / n_tr
        kill_counts.update(x for x in kill_layers(world, r) if x is not None)
    layer_kills = {k: kill_counts[k] / n_tr for k in layers.timeline(list(kill_counts))}
    cost_layer: Counter[str] = Counter()
    for r in results:
        lay, usd = shot_costs(world, r)
        for name, c in zip(lay.tolist(), np.nan_to_num(usd).tolist(), strict=True):
            cost_layer[str(name)] += c / n_tr
    by_asset = {a: 0.0 for a in world.assets.name}
    for r in results:
        for a in r.hit_asset[r.status == LEAKED].tolist():
            by_asset[world.assets.name[a]] += 1.0 / n_tr
    return Summary(
        trials=n_tr,
        threats=int(world.truth.t_launch_s.size),
        leakers_per_trial=leak,
        p_no_leaker=k / n_tr,
        p_no_leaker_ci95=(float(lo), float(hi)),
        mean_leakers=float(leak.mean()),
        mean_value_hit=float(np.mean(value_hit)),
        mean_shots=float(np.mean([r.shot_site.size + _n_interceptors(r) for r in results])),
        kills_by_layer=layer_kills,
        shots_by_site=shots_site,
        hits_by_site=hits_site,
        leakers_by_asset=by_asset,
        custody=custody_by_class(tables["threat_outcomes"], tables["custody_layers"]),
        c2=None if world.c2 is None else _c2_summary(results),
        mean_cost_usd=float(sum(cost_layer.values())),
        cost_by_layer={k: cost_layer[k] for k in layers.timeline(list(cost_layer))},
    )


def summarise_tables(world: World, tables: dict[str, dict[str, np.ndarray]]) -> Summary:
    """:func:`summarise` from a run's stored per-trial tables (``trials``,
    ``threat_outcomes``, ``engagements``, ``custody_layers``, rows of any trial
    order): what a resumed run reports, the same numbers as :func:`summarise`
    over the same trials."""
    tri = tables["trials"]
    n_tr = int(tri["trial"].size)
    leak = np.asarray(tri["leakers"], np.int64)[np.argsort(tri["trial"], kind="stable")]
    k = int(np.sum(leak == 0))
    lo, hi = wilson_interval(k, n_tr)
    oc, eng = tables["threat_outcomes"], tables["engagements"]
    order = np.lexsort((oc["threat_id"], oc["trial"]))  # the engine's order: custody means
    oc = {k: np.asarray(v)[order] for k, v in oc.items()}
    kill = [x for x in oc["kill_layer"].tolist() if x is not None]
    kill_counts = Counter(str(x) for x in kill)
    layer = np.asarray(eng["layer"], dtype=object)
    own = np.array([layers.get(str(x)) is None for x in layer.tolist()], bool)
    site = np.asarray(eng["site"], dtype=object)
    hit = np.asarray(eng["hit"], bool)
    shots_site = {s.name: 0.0 for s in world.sites}
    hits_site = {s.name: 0.0 for s in world.sites}
    for name, c in Counter(site[own].tolist()).items():
        shots_site[str(name)] = c / n_tr
    for name, c in Counter(site[own & hit].tolist()).items():
        hits_site[str(name)] = c / n_tr
    cost_layer: Counter[str] = Counter()
    for name, usd in zip(layer.tolist(), np.nan_to_num(eng[COST]).tolist(), strict=True):
        cost_layer[str(name)] += usd / n_tr
    by_asset = {a: 0.0 for a in world.assets.name}
    leaked = np.asarray(oc["status"], dtype=object) == "leaked"
    for name, c in Counter(oc["hit_asset"][leaked].tolist()).items():
        if name is not None:
            by_asset[str(name)] = c / n_tr
    c2 = None
    if world.c2 is not None:
        delay, extra = eng["c2_delay_s"][own], eng["c2_lost_s"][own]
        cut = tri.get("c2_cut_epochs")
        c2 = {
            "mean_delay_s": float(np.mean(delay)) if delay.size else 0.0,
            "mean_lost_s": float(np.mean(extra)) if extra.size else 0.0,
            "cut_epochs_per_trial": float(np.mean(cut)) if cut is not None else float("nan"),
        }
    return Summary(
        trials=n_tr,
        threats=int(world.truth.t_launch_s.size),
        leakers_per_trial=leak,
        p_no_leaker=k / n_tr,
        p_no_leaker_ci95=(float(lo), float(hi)),
        mean_leakers=float(leak.mean()),
        mean_value_hit=float(np.mean(tri["value_hit"])),
        mean_shots=float(np.mean(tri["shots"])),
        kills_by_layer={k: kill_counts[k] / n_tr for k in layers.timeline(list(kill_counts))},
        shots_by_site=shots_site,
        hits_by_site=hits_site,
        leakers_by_asset=by_asset,
        custody=custody_by_class(oc, tables["custody_layers"]),
        c2=c2,
        mean_cost_usd=float(sum(cost_layer.values())),
        cost_by_layer={k: cost_layer[k] for k in layers.timeline(list(cost_layer))},
    )


def _c2_summary(results: list[TrialResult]) -> dict[str, float]:
    delay = np.concatenate([r.shot_c2_delay_s for r in results])
    extra = np.concatenate([r.shot_c2_extra_s for r in results])
    return {
        "mean_delay_s": float(np.mean(delay)) if delay.size else 0.0,
        "mean_lost_s": float(np.mean(extra)) if extra.size else 0.0,
        "cut_epochs_per_trial": float(np.mean([r.c2_cut for r in results])),
    }


COST = "cost_usd"
"""Column of the expended cost of shots [USD] (engagements per shot, trials per trial)."""

LEFT_OF_LAUNCH = "left-of-launch"
"""Kill layer of objects whose launcher was destroyed before launch."""


def kill_layers(world: World, r: TrialResult) -> np.ndarray:
    """The layer credited with each object's kill (n,) (None: not killed): the layer
    plug-in that killed it (:mod:`shieldlab.sim.layers`; an object dies once), else
    the layer of the fire unit whose shot killed it."""
    out = np.full(r.status.size, None, dtype=object)
    by_shot = (r.status == KILLED) & (r.killed_by_shot >= 0)
    out[by_shot] = [world.sites[int(s)].spec.layer for s in r.shot_site[r.killed_by_shot[by_shot]]]
    for name, killed in r.layer_kills.items():
        out[_mask(r, killed)] = name
    return out


def _plugin_shots(r: TrialResult) -> list[tuple[str, LayerShots]]:
    """The trial's plug-in shot tables in timeline order."""
    return [(k, r.layer_shots[k]) for k in layers.timeline(list(r.layer_shots))]


def _n_interceptors(r: TrialResult) -> int:
    """Interceptors fired by plug-ins that fire interceptors (space-based ones)."""
    return sum(t.size for k, t in r.layer_shots.items() if (x := layers.get(k)) and x.interceptors)


def _append_plugin_rows(
    eng: dict[str, list[np.ndarray]], r: TrialResult, first_id: int, layer: str, t: LayerShots
) -> None:
    """Engagement rows of a plug-in's shots (no C2, intercept point or miss data:
    NULL), numbered from ``first_id``."""
    m = t.size
    nan = np.full(m, np.nan)
    rows: dict[str, np.ndarray] = {
        "trial": np.full(m, r.trial, np.int64),
        "shot_id": first_id + np.arange(m, dtype=np.int64),
        "threat_id": t.threat,
        "site": t.site,
        "layer": np.full(m, layer, dtype=object),
        "decision_time_s": t.start_s,
        "launch_time_s": t.start_s,
        "intercept_time_s": t.end_s,
        "intercept_alt_m": nan,
        "pk": t.pk,
        "hit": t.hit,
    }
    for k in eng:
        if k != COST:
            eng[k].append(rows.get(k, nan))


def shot_costs(world: World, r: TrialResult) -> tuple[NDArray[np.object_], F64]:
    """Layer and cost [USD] of every shot of a trial, in the order of its engagement rows.

    Interceptors from sites: the catalog's procurement unit cost (NaN where the
    catalog has none); the layer plug-ins' shots: the cost their table states
    (space-based interceptors: the unit cost of one SBI, the carrier's share
    not counted; laser dwells and microwave shots: the catalog's cost per
    shot). Expended cost only: no launcher, sensor or life-cycle cost.
    """
    site_cost = np.array(
        [
            np.nan if s.spec.unit_cost_musd is None else s.spec.unit_cost_musd * 1e6
            for s in world.sites
        ]
    )
    lay = [np.array([world.sites[i].spec.layer for i in r.shot_site], dtype=object)]
    costs = [site_cost[r.shot_site] if r.shot_site.size else np.zeros(0)]
    for name, t in _plugin_shots(r):
        lay.append(np.full(t.size, name, dtype=object))
        costs.append(t.cost_usd)
    return np.concatenate(lay), np.concatenate(costs).astype(np.float64)


def _mask(r: TrialResult, values: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """A per-object mask of a trial result, all False when the trial does not carry it."""
    n = r.status.size
    return values if values.size == n else np.zeros(n, bool)


_LETHAL_NAMES = tuple(OBJECT_NAMES[k] for k in LETHAL_KINDS)


def custody_by_class(
    outcomes: dict[str, np.ndarray], layers: dict[str, np.ndarray]
) -> list[dict[str, object]]:
    """Mean custody per threat class (and an "all objects" row), from the stored columns.

    A class is the catalog threat type for warhead-carrying objects and the
    object kind (bus, decoys, ...) otherwise. Per row: objects (object-trials
    that flew), ``custody`` and ``custody_fc`` (mean fractions of flight held
    by a confirmed track, and within the fire-control error), ``handovers``
    per object, and ``layer:<name>`` the mean fraction held by each sensor
    layer the scenario has (absent layers are not reported).
    """
    kind = np.asarray(outcomes["object_kind"], dtype=object)
    ttype = np.asarray(outcomes["threat_type"], dtype=object)
    cls = np.where(np.isin(kind, _LETHAL_NAMES), ttype, kind)
    flew = np.isfinite(np.asarray(outcomes["custody"], dtype=np.float64))
    key = {
        (int(t), int(i)): k
        for k, (t, i) in enumerate(zip(outcomes["trial"], outcomes["threat_id"], strict=True))
    }
    present = [str(x) for x in dict.fromkeys(layers["layer"].tolist())]
    per_layer = {name: np.full(flew.size, np.nan) for name in present}
    for t, i, name, f in zip(
        layers["trial"], layers["threat_id"], layers["layer"], layers["fraction"], strict=True
    ):
        per_layer[str(name)][key[(int(t), int(i))]] = f
    rows: list[dict[str, object]] = []
    groups = [(c, cls == c) for c in dict.fromkeys(cls[flew].tolist())]
    groups.append(("all objects", np.ones(cls.size, bool)))
    for name, sel in groups:
        m = sel & flew
        if not m.any():
            continue
        row: dict[str, object] = {
            "class": str(name),
            "objects": int(m.sum()),
            "custody": float(np.mean(outcomes["custody"][m])),
            "custody_fc": float(np.mean(outcomes["custody_fc"][m])),
            "handovers": float(np.mean(outcomes["handovers"][m])),
            "sensor_handovers": float(np.mean(outcomes["sensor_handovers"][m])),
        }
        for layer_name in present:
            v = per_layer[layer_name][m]
            row[f"layer:{layer_name}"] = float(np.nanmean(v)) if np.isfinite(v).any() else None
        rows.append(row)
    return rows


def _per_shot(values: NDArray[np.float64], m: int) -> NDArray[np.float64]:
    return values if values.size == m else np.full(m, np.nan)


def _opt(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> NDArray[np.float64]:
    return np.where(mask, values, np.nan)


def result_tables(
    world: World, results: list[TrialResult], with_maps: bool = True
) -> dict[str, dict[str, np.ndarray]]:
    """Columnar tables (without run_id) for :func:`shieldlab.store.write_run`
    (``with_maps=False``: without the trajectory and site tables)."""
    tr = world.truth
    n = tr.t_launch_s.size
    names = np.array(world.assets.name, dtype=object)
    sites = [s.name for s in world.sites]
    layers = [s.spec.layer for s in world.sites]
    value = world.assets.value

    trials = {
        "trial": np.array([r.trial for r in results], np.int64),
        "leakers": np.array([np.sum(r.status == LEAKED) for r in results], np.int64),
        "threats": np.full(len(results), n, np.int64),
        "killed": np.array([np.sum(r.status == KILLED) for r in results], np.int64),
        # interceptors fired: ground/sea-launched and space-based (as Summary.mean_shots)
        "shots": np.array([r.shot_site.size + _n_interceptors(r) for r in results], np.int64),
        "value_hit": np.array(
            [value[r.hit_asset[r.hit_asset >= 0]].sum() for r in results], np.float64
        ),
        COST: np.zeros(len(results)),  # filled per trial below
        "c2_cut_epochs": np.array([r.c2_cut for r in results], np.int64),
    }
    cols: dict[str, list[np.ndarray]] = {
        c: []
        for c in (
            "trial",
            "threat_id",
            "threat_type",
            "status",
            "killed_by_shot",
            "kill_layer",
            "kill_time_s",
            "aim_asset",
            "hit_asset",
            "impact_lat_deg",
            "impact_lon_deg",
            "object_kind",
            "custody",
            "custody_fc",
            "handovers",
            "sensor_handovers",
        )
    }
    cust: dict[str, list[np.ndarray]] = {c: [] for c in ("trial", "threat_id", "layer", "fraction")}
    kinds = np.array([OBJECT_NAMES[int(k)] for k in tr.object_kind], dtype=object)
    eng: dict[str, list[np.ndarray]] = {
        c: []
        for c in (
            "trial",
            "shot_id",
            "threat_id",
            "site",
            "layer",
            "decision_time_s",
            "launch_time_s",
            "intercept_time_s",
            "intercept_alt_m",
            "pk",
            "hit",
            "c2_delay_s",
            "c2_lost_s",
            "intercept_lat_deg",
            "intercept_lon_deg",
            "planned_miss_m",
            "achieved_miss_m",
            COST,
        )
    }
    for row, r in enumerate(results):
        killed = r.status == KILLED
        cols["trial"].append(np.full(n, r.trial, np.int64))
        cols["threat_id"].append(np.arange(n, dtype=np.int64))
        cols["threat_type"].append(np.array(world.threat_type, dtype=object))
        cols["status"].append(np.array([STATUS_NAMES[int(s)] for s in r.status], dtype=object))
        cols["killed_by_shot"].append(np.where(killed, r.killed_by_shot, -1))
        cols["kill_layer"].append(kill_layers(world, r))
        cols["kill_time_s"].append(_opt(r.kill_time_s, killed))
        cols["aim_asset"].append(names[world.aim_asset])
        cols["hit_asset"].append(
            np.array([names[a] if a >= 0 else None for a in r.hit_asset], dtype=object)
        )
        own = r.impact_lat_rad.size == n
        cols["impact_lat_deg"].append(np.degrees(r.impact_lat_rad if own else tr.impact_lat_rad))
        cols["impact_lon_deg"].append(np.degrees(r.impact_lon_rad if own else tr.impact_lon_rad))
        cols["object_kind"].append(kinds)
        cols["custody"].append(r.custody)
        cols["custody_fc"].append(r.custody_fc)
        cols["handovers"].append(r.handovers)
        cols["sensor_handovers"].append(r.sensor_handovers)
        for j, layer_name in enumerate(SENSOR_LAYERS):  # layers: a handful
            f = r.custody_layer[:, j]
            ok = np.isfinite(f)
            cust["trial"].append(np.full(int(ok.sum()), r.trial, np.int64))
            cust["threat_id"].append(np.flatnonzero(ok).astype(np.int64))
            cust["layer"].append(np.full(int(ok.sum()), layer_name, dtype=object))
            cust["fraction"].append(f[ok])
        m = r.shot_site.size
        eng["trial"].append(np.full(m, r.trial, np.int64))
        eng["shot_id"].append(np.arange(m, dtype=np.int64))
        eng["threat_id"].append(r.shot_threat)
        eng["site"].append(np.array([sites[i] for i in r.shot_site], dtype=object))
        eng["layer"].append(np.array([layers[i] for i in r.shot_site], dtype=object))
        eng["decision_time_s"].append(r.shot_decision_s)
        eng["launch_time_s"].append(r.shot_launch_s)
        eng["intercept_time_s"].append(r.shot_intercept_s)
        eng["intercept_alt_m"].append(r.shot_intercept_alt_m)
        eng["pk"].append(r.shot_pk)
        eng["hit"].append(r.shot_hit)
        eng["c2_delay_s"].append(_per_shot(r.shot_c2_delay_s, m))
        eng["c2_lost_s"].append(_per_shot(r.shot_c2_extra_s, m))
        eng["intercept_lat_deg"].append(np.degrees(_per_shot(r.shot_intercept_lat_rad, m)))
        eng["intercept_lon_deg"].append(np.degrees(_per_shot(r.shot_intercept_lon_rad, m)))
        eng["planned_miss_m"].append(_per_shot(r.shot_planned_miss_m, m))
        eng["achieved_miss_m"].append(_per_shot(r.shot_achieved_miss_m, m))
        first = m
        for name, t in _plugin_shots(r):
            _append_plugin_rows(eng, r, first, name, t)
            first += t.size
        usd = shot_costs(world, r)[1]
        eng[COST].append(usd)
        trials[COST][row] = np.nansum(usd)
    outcomes = {k: np.concatenate(v) for k, v in cols.items()}
    outcomes["killed_by_shot"] = np.where(
        outcomes["killed_by_shot"] >= 0, outcomes["killed_by_shot"], -1
    )
    engagements = {k: np.concatenate(v) if v else np.array([]) for k, v in eng.items()}
    custody_layers = {k: np.concatenate(v) if v else np.array([]) for k, v in cust.items()}
    tables = {
        "trials": trials,
        "threat_outcomes": outcomes,
        "engagements": engagements,
        "custody_layers": custody_layers,
    }
    if with_maps:
        tables["trajectories"] = trajectory_table(world)
        tables["sites"] = site_table(world)
    return tables


def trajectory_table(world: World) -> dict[str, np.ndarray]:
    """Truth samples every :data:`TRAJECTORY_SAMPLE_S` from launch to impact (geodetic)."""
    g = geodetic_samples(world.truth, world.epoch, TRAJECTORY_SAMPLE_S)
    return {
        "threat_id": g["object"],
        "t_s": g["t_s"],
        "lat_deg": g["lat_deg"],
        "lon_deg": g["lon_deg"],
        "alt_m": g["alt_m"],
        "phase": g["phase"],
    }


def site_table(world: World) -> dict[str, np.ndarray]:
    """Assets, fire units, sensors and launch points for maps."""
    rows: list[tuple[str, str, float, float, float, float]] = []
    a = world.assets
    for i, name in enumerate(a.name):
        rows.append(
            (
                name,
                "asset",
                np.degrees(a.lat_rad[i]),
                np.degrees(a.lon_rad[i]),
                float(a.value[i]),
                float(a.radius_m[i]),
            )
        )
    for s in world.sites:
        rows.append(
            (
                s.name,
                "interceptor",
                np.degrees(s.lat_rad),
                np.degrees(s.lon_rad),
                float(s.inventory),
                np.nan,
            )
        )
    for name, r in zip(world.radar_names, world.radars, strict=True):
        rows.append((name, "radar", np.degrees(r.lat_rad), np.degrees(r.lon_rad), np.nan, np.nan))
    for p in world.airborne:
        rows.append((p.name, "radar", np.degrees(p.lat_rad), np.degrees(p.lon_rad), np.nan, np.nan))
    for name, g in zip(world.geo_ir_names, world.geo_ir, strict=True):
        rows.append((name, "geo-ir", 0.0, np.degrees(g.lon_rad), np.nan, np.nan))
    tr = world.truth
    for i in range(tr.t_launch_s.size):
        rows.append(
            (
                f"launch {i}",
                "launch",
                np.degrees(tr.launch_lat_rad[i]),
                np.degrees(tr.launch_lon_rad[i]),
                np.nan,
                np.nan,
            )
        )
    cols = list(zip(*rows, strict=True))
    return {
        "name": np.array(cols[0], dtype=object),
        "kind": np.array(cols[1], dtype=object),
        "lat_deg": np.array(cols[2], np.float64),
        "lon_deg": np.array(cols[3], np.float64),
        "value": np.array(cols[4], np.float64),
        "radius_m": np.array(cols[5], np.float64),
    }
