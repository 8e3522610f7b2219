"""One entry point for every threat class: catalog kind → flight model.

``fly_threats`` groups launches by catalog name, flies each group with the
model registered for its catalog ``kind`` and joins the results on one time
grid (:func:`~shieldlab.threats.truth.concat_trajectories`). Launches with
the same options fly together; per-launch options (``PER_LAUNCH_OPTIONS``,
e.g. each MIRV's RV targets) do not split a group: the flyer gets one value
per launch of the group, stacked. Objects come out
group by group (first appearance order); ``launch_index`` always refers to
the caller's launch order, so several objects of one launch (post-boost
deployment) point back to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shieldlab import catalog
from shieldlab.threats.catalog import load_threat_specs
from shieldlab.threats.cruise import fly_cruise
from shieldlab.threats.fobs import fly_fobs
from shieldlab.threats.glide import fly_hgv
from shieldlab.threats.hcm import fly_hcm
from shieldlab.threats.postboost import fly_mirv
from shieldlab.threats.trajectory import fly_ballistic
from shieldlab.threats.truth import Trajectories, concat_trajectories

F64 = NDArray[np.float64]
Options = Mapping[str, Any]
Flyer = Callable[[str, Options, F64, F64, F64, F64, F64, datetime, float], Trajectories]
"""(name, options, launch_lat, launch_lon, aim_lat, aim_lon, t_launch, epoch, dt_s)."""


def _fly_ballistic(
    name: str,
    options: Options,
    lat: F64,
    lon: F64,
    alat: F64,
    alon: F64,
    t: F64,
    epoch: datetime,
    dt_s: float,
) -> Trajectories:
    spec = load_threat_specs()[name]
    opts = dict(options)
    payload = opts.pop("payload_mass_kg", None)
    if payload is not None:
        if isinstance(payload, bool) or not 0.0 < float(payload) <= 20000.0:
            raise ValueError(f"{name}: payload_mass_kg must be in (0, 20000] kg, got {payload}")
        spec = replace(spec, payload_mass_kg=float(payload))
    return fly_ballistic(spec, lat, lon, alat, alon, t, epoch, dt_s, **opts)


PER_LAUNCH_OPTIONS = ("rv_aim_deg",)
"""Option keys whose value differs launch by launch (stacked per group, not grouped on)."""


FLYERS: dict[str, Flyer] = {
    "ballistic": _fly_ballistic,
    "cruise": fly_cruise,
    "hgv": fly_hgv,
    "hcm": fly_hcm,
    "mirv": fly_mirv,
    "fobs": fly_fobs,
}
"""Flight model of each catalog ``kind``."""


def threat_kind(name: str) -> str:
    """Catalog ``kind`` of a threat name; ``ValueError`` naming the allowed names."""
    entries = catalog.load("threats")
    if name not in entries:
        raise ValueError(f"unknown threat {name!r}; allowed: {', '.join(sorted(entries))}")
    return str(entries[name].get("kind"))


def flyable_threats() -> list[str]:
    """Catalog names whose kind has a registered flight model."""
    return sorted(n for n, e in catalog.load("threats").items() if e.get("kind") in FLYERS)


def fly_threats(
    names: Sequence[str],
    launch_lat_rad: ArrayLike,
    launch_lon_rad: ArrayLike,
    aim_lat_rad: ArrayLike,
    aim_lon_rad: ArrayLike,
    t_launch_s: ArrayLike,
    epoch: datetime,
    dt_s: float = 1.0,
    options: Sequence[Options] | None = None,
) -> Trajectories:
    """Fly launches of any catalog threats; ``names[i]`` and ``options[i]`` for launch i."""
    lat = np.atleast_1d(np.asarray(launch_lat_rad, np.float64))
    n = lat.size
    if len(names) != n:
        raise ValueError(f"fly_threats: {len(names)} names for {n} launches")
    lon, alat, alon, t0 = (
        np.broadcast_to(np.asarray(a, np.float64), lat.shape).copy()
        for a in (launch_lon_rad, aim_lat_rad, aim_lon_rad, t_launch_s)
    )
    opts = list(options) if options is not None else [{}] * n
    keys = [_group_key(nm, o) for nm, o in zip(names, opts, strict=True)]
    parts: list[Trajectories] = []
    for key in dict.fromkeys(keys):
        idx = np.array([i for i, k in enumerate(keys) if k == key])
        name = key[0]
        kind = threat_kind(name)
        if kind not in FLYERS:
            raise ValueError(f"threat {name!r}: no flight model for kind {kind!r}")
        group_opts = dict(opts[int(idx[0])])
        for k in key[2]:
            group_opts[k] = [opts[int(i)][k] for i in idx]
        part = FLYERS[kind](
            name,
            group_opts,
            lat[idx],
            lon[idx],
            alat[idx],
            alon[idx],
            t0[idx],
            epoch,
            dt_s,
        )
        parts.append(replace(part, launch_index=idx[part.launch_index]))
    joined = concat_trajectories(parts)
    # concat renumbers launches part by part; put the caller's launch indices back
    return replace(joined, launch_index=np.concatenate([p.launch_index for p in parts]))


def _group_key(name: str, options: Options) -> tuple[str, str, tuple[str, ...]]:
    """Launches fly together when name, shared options and per-launch option keys agree."""
    shared = sorted((k, v) for k, v in options.items() if k not in PER_LAUNCH_OPTIONS)
    own = tuple(sorted(k for k in options if k in PER_LAUNCH_OPTIONS))
    return name, repr(shared), own
