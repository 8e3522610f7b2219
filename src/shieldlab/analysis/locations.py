"""Prioritized defended locations and the battery placement that covers the most value.

A location's score is its value (catalog default: fixed weight by category, a
metro's 2020 Census population in millions) times a threat weight (expected
weapons aimed at it, from the raid's targeting). Terminal and regional
batteries are sited at the locations themselves; a battery at site j defends
every location whose centre lies within its defended radius (great circle,
spherical Earth) of j. The placement is a maximum-coverage MILP (HiGHS through
``scipy.optimize.milp``):

    max  Σ_i s_i y_i                                 (x, y binary)
    s.t. y_i ≤ Σ_{(j,b) covers i} x_jb + a_i         (a_i = 1: covered by ``already``)
         Σ_{j,b} c_b x_jb ≤ budget,  Σ_j x_jb ≤ N_b

then the cost tie-break, lexicographically (an ε·cost term in one objective is
lost in HiGHS's absolute gap when costs differ little): min Σ c_b x_jb subject
to the same rows and Σ_i s_i y_i ≥ S* − ``COVER_TOL``·min s: among placements of
equal covered score the cheaper wins. The budget holds to HiGHS's feasibility
tolerance (~1e-7 of the dearest battery's cost).

Assumptions: coverage is binary (inside the radius: defended, whatever the raid
size or the battery's inventory); sites are the listed locations only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, vstack

from shieldlab.core.frames import great_circle_distance_m
from shieldlab.scenario.schema import asset_set_members, catalog_asset_value, catalog_assets

F64 = NDArray[np.float64]

THREAT_FLOOR = 0.1
"""Threat weight of a location the raid's targeting does not name. Assumption:
every listed location is at some risk (an adversary may retarget)."""
COVER_TOL = 1e-6
"""Covered score the cost tie-break (phase 2) may give up, in units of the smallest score."""
MIP_REL_GAP = 1e-9
"""HiGHS relative MIP gap."""


@dataclass(frozen=True)
class Location:
    """A defended location: ``value`` (relative weight) × ``threat`` (expected weapons
    aimed at it, or a 0..1 likelihood) = ``score``."""

    name: str
    category: str
    lat_deg: float
    lon_deg: float
    value: float
    threat: float = 1.0
    source: str = ""

    @property
    def score(self) -> float:
        """Priority score: value × threat weight."""
        return self.value * self.threat


@dataclass(frozen=True)
class BatteryOption:
    """A battery type: one battery sited at a location defends every location whose centre
    lies within ``defended_radius_km`` of it; ``cost_usd`` is the 20-year cost of one
    battery with its interceptors (caller's number); at most ``max_count`` batteries."""

    name: str
    layer: str
    defended_radius_km: float
    cost_usd: float
    max_count: int

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("BatteryOption.name: empty")
        if not (math.isfinite(self.defended_radius_km) and self.defended_radius_km > 0.0):
            raise ValueError(f"{self.name}.defended_radius_km: must be > 0")
        if not (math.isfinite(self.cost_usd) and self.cost_usd >= 0.0):
            raise ValueError(f"{self.name}.cost_usd: must be finite and >= 0")
        if self.max_count < 0:
            raise ValueError(f"{self.name}.max_count: must be >= 0")


@dataclass(frozen=True, eq=False)
class Placement:
    """Result of :func:`place_batteries`: per location, covered or not and by what."""

    placed: list[tuple[str, str]]
    """(option name, site name) for each battery placed."""
    covered: NDArray[np.bool_]
    defended_by: list[list[str]]
    """Per location: "OPTION @ SITE" for each covering battery, then ``already`` names."""
    cost_usd: float
    covered_score: float
    """Score of all covered locations, ``already`` included."""
    added_score: float
    """Score covered by the placed batteries and not already by ``already``."""
    total_score: float
    value_per_usd: float
    """``added_score`` / ``cost_usd`` (0 when nothing is bought)."""
    status: int
    message: str
    optimal: bool
    counts: dict[str, int] = field(default_factory=dict)
    """Batteries placed per option name."""


def locations_from_sets(sets: list[str], values: dict[str, float] | None = None) -> list[Location]:
    """Catalog locations of the named asset sets (deduplicated, catalog order); ``values``
    overrides the default value by name. Threat weight 1 until :func:`with_threats`."""
    if isinstance(sets, str):
        sets = [sets]
    if not sets:
        raise ValueError("sets: empty; name at least one asset set")
    entries = catalog_assets()
    wanted = {n for s in sets for n in asset_set_members(s)}
    names = [n for n in entries if n in wanted]
    over = dict(values or {})
    for n, v in over.items():
        if n not in wanted:
            raise ValueError(f"values: {n!r} is not in the selected sets")
        if not (math.isfinite(v) and v >= 0.0):
            raise ValueError(f"values.{n}: must be finite and >= 0")
    return [
        Location(
            name=n,
            category=entries[n].category,
            lat_deg=entries[n].lat_deg,
            lon_deg=entries[n].lon_deg,
            value=float(over.get(n, catalog_asset_value(entries[n]))),
            source=" ".join(entries[n].source.split()),
        )
        for n in names
    ]


def with_deterrent_values(
    locs: Sequence[Location], base_warheads: dict[str, float]
) -> list[Location]:
    """Copies of ``locs`` where the deterrent and command locations named in
    ``base_warheads`` carry the value of the second strike they protect.

    ``base_warheads``: per catalog base, the warheads its survival keeps able to
    retaliate (:func:`shieldlab.scenario.deterrent_schema.base_values` of a scenario's
    ``deterrent:`` laydown: a wing's alert missiles and its LCCs' share, a bomber
    base's bombers not on alert, an SSBN base's boats in port, a command site's share
    of the force it authorizes). Rule (stated): the catalog value those locations
    hold together (10 each) is apportioned among them in proportion to those
    warheads, so the deterrent weighs what it did against the cities while its sites
    rank by the second strike they protect. Locations not in the laydown keep
    their value."""
    named = [
        i
        for i, loc in enumerate(locs)
        if loc.name in base_warheads and loc.category in ("deterrent", "command")
    ]
    w = np.array([max(float(base_warheads[locs[i].name]), 0.0) for i in named])
    if not named or not np.isfinite(w).all() or w.sum() <= 0.0:
        return list(locs)
    total = sum(locs[i].value for i in named)
    out = list(locs)
    for i, wi in zip(named, w, strict=True):
        out[i] = replace(locs[i], value=float(total * wi / w.sum()))
    return out


def threat_weights(
    locs: Sequence[Location],
    aimed: dict[str, float] | None = None,
    reach: Callable[[Location], bool] | None = None,
    floor: float = THREAT_FLOOR,
) -> F64:
    """Threat weight per location: expected weapons ``aimed`` at it (by name; a name not
    given gets ``floor`` — assumption: every listed location is at some risk); 0 where
    ``reach`` says the threat cannot reach it."""
    names = {loc.name for loc in locs}
    aimed = aimed or {}
    for n, count in aimed.items():
        if n not in names:
            raise ValueError(f"aimed: unknown location {n!r}")
        if not (math.isfinite(count) and count >= 0.0):
            raise ValueError(f"aimed.{n}: must be finite and >= 0")
    if not (math.isfinite(floor) and floor >= 0.0):
        raise ValueError("floor: must be finite and >= 0")
    w = np.array([float(aimed.get(loc.name, floor)) for loc in locs], dtype=np.float64)
    if reach is not None:
        w *= np.array([bool(reach(loc)) for loc in locs], dtype=np.float64)
    return w


def with_threats(locs: Sequence[Location], threats: ArrayLike) -> list[Location]:
    """Copies of ``locs`` with their threat weights set (e.g. from :func:`threat_weights`)."""
    t = np.asarray(threats, dtype=np.float64)
    if t.shape != (len(locs),):
        raise ValueError(f"threats: expected {len(locs)} values, got shape {t.shape}")
    return [replace(loc, threat=float(ti)) for loc, ti in zip(locs, t, strict=True)]


def location_scores(locs: Sequence[Location]) -> F64:
    """Score per location (value × threat), as an array for :func:`place_batteries`."""
    return np.array([loc.score for loc in locs], dtype=np.float64)


def _check(
    locs: Sequence[Location], scores: ArrayLike, options: Sequence[BatteryOption], budget: float
) -> F64:
    if len(locs) == 0:
        raise ValueError("locs: empty; need at least one location")
    names = [loc.name for loc in locs]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"locs: duplicate location name {dup!r}")
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(locs),):
        raise ValueError(f"scores: expected {len(locs)} values, got shape {s.shape}")
    if not np.all(np.isfinite(s) & (s >= 0.0)):
        raise ValueError("scores: must be finite and >= 0")
    opt_names = [o.name for o in options]
    if len(set(opt_names)) != len(opt_names):
        raise ValueError("options: duplicate option names")
    if not (math.isfinite(budget) and budget >= 0.0):
        raise ValueError("budget_usd: must be finite and >= 0")
    return s


def _already(locs: Sequence[Location], already: dict[str, list[str]] | None) -> list[list[str]]:
    """Per location, the names of the ``already`` layers that cover it."""
    index = {loc.name: i for i, loc in enumerate(locs)}
    out: list[list[str]] = [[] for _ in locs]
    for layer, members in (already or {}).items():
        for n in members:
            if n not in index:
                raise ValueError(f"already.{layer}: unknown location {n!r}")
            if layer not in out[index[n]]:
                out[index[n]].append(layer)
    return out


def coverage(locs: Sequence[Location], radius_km: float) -> NDArray[np.bool_]:
    """``cov[j, i]``: a battery at location j covers location i (centre within radius)."""
    lat = np.radians([loc.lat_deg for loc in locs])
    lon = np.radians([loc.lon_deg for loc in locs])
    d_m = great_circle_distance_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    return np.asarray(d_m <= radius_km * 1e3)


def place_batteries(
    locs: Sequence[Location],
    scores: ArrayLike,
    options: Sequence[BatteryOption],
    budget_usd: float,
    already: dict[str, list[str]] | None = None,
    time_limit_s: float = 30.0,
) -> Placement:
    """Battery placement that covers the most score within ``budget_usd`` (coverage MILP,
    HiGHS); ``already``: layer name → locations it defends at no cost (e.g. midcourse)."""
    s = _check(locs, scores, options, budget_usd)
    n = len(locs)
    by_already = _already(locs, already)
    a = np.array([bool(b) for b in by_already])
    opts = [o for o in options if o.max_count > 0 and o.cost_usd <= budget_usd]
    if not opts or not np.any(s[~a] > 0.0):
        msg = "budget buys no battery" if not opts else "nothing left to cover"
        return _result(locs, s, [], by_already, a, 0, msg, True, options)

    cover = [coverage(locs, o.defended_radius_km) for o in opts]
    nb, m = len(opts), n * len(opts)  # x[b * n + j]: option b at site j
    cost = np.repeat([o.cost_usd for o in opts], n)
    # y_i − Σ_{(j,b) covers i} x_jb ≤ 0, for i not already covered (sparse rows).
    rows_i = np.flatnonzero(~a)
    row_of = np.full(n, -1)
    row_of[rows_i] = np.arange(rows_i.size)
    r_parts, c_parts, v_parts = [row_of[rows_i]], [rows_i], [np.ones(rows_i.size)]
    for b, cv in enumerate(cover):
        jj, ii = np.nonzero(cv)
        keep = ~a[ii]
        r_parts.append(row_of[ii[keep]])
        c_parts.append(n + b * n + jj[keep])
        v_parts.append(-np.ones(int(keep.sum())))
    a_cov = coo_matrix(
        (np.concatenate(v_parts), (np.concatenate(r_parts), np.concatenate(c_parts))),
        shape=(rows_i.size, n + m),
    )
    scale = max(o.cost_usd for o in opts) or 1.0
    cost_row = np.concatenate([np.zeros(n), cost / scale])
    cnt_r = np.repeat(np.arange(nb), n)
    a_count = coo_matrix((np.ones(m), (cnt_r, n + np.arange(m))), shape=(nb, n + m))
    cons = [
        LinearConstraint(
            vstack([a_cov, coo_matrix(cost_row[None, :]), a_count]).tocsr(),
            -np.inf,
            np.concatenate(
                [np.zeros(rows_i.size), [budget_usd / scale], [o.max_count for o in opts]]
            ),
        )
    ]
    bounds = Bounds(np.concatenate([a.astype(np.float64), np.zeros(m)]), np.ones(n + m))
    s_unit = s / float(s[s > 0.0].min())  # scores in units of the smallest positive one
    t0 = time.perf_counter()

    def solve(c: F64, extra: list[LinearConstraint]) -> Any:
        left_s = max(time_limit_s - (time.perf_counter() - t0), 0.1)
        opt = {"time_limit": left_s, "mip_rel_gap": MIP_REL_GAP}
        return milp(
            c, constraints=cons + extra, integrality=np.ones(n + m), bounds=bounds, options=opt
        )

    def got(xb: NDArray[np.bool_]) -> float:
        hit = [cv[xb[b * n : (b + 1) * n]].any(axis=0) for b, cv in enumerate(cover)]
        return float(s_unit[a | np.any(hit, axis=0)].sum())

    # Phase 1: most covered score. Phase 2 (tie-break): least cost keeping that score.
    res = solve(np.concatenate([-s_unit, np.zeros(m)]), [])
    if res.x is None:
        return _result(locs, s, [], by_already, a, res.status, res.message, False, options)
    x = np.round(res.x[n:]).astype(bool)
    if x.any() and res.status == 0:
        floor = got(x) - COVER_TOL
        keep = LinearConstraint(np.concatenate([s_unit, np.zeros(m)])[None, :], floor, np.inf)
        res2 = solve(cost_row, [keep])
        x2 = None if res2.x is None else np.round(res2.x[n:]).astype(bool)
        if x2 is not None and res2.status == 0 and got(x2) >= floor:
            x, res = x2, res2
    placed = [(opts[k // n].name, locs[k % n].name) for k in map(int, np.flatnonzero(x))]
    return _result(
        locs, s, placed, by_already, a, res.status, res.message, res.status == 0, options
    )


def _result(
    locs: Sequence[Location],
    s: F64,
    placed: list[tuple[str, str]],
    by_already: list[list[str]],
    a: NDArray[np.bool_],
    status: int,
    message: str,
    optimal: bool,
    opts: Sequence[BatteryOption] = (),
) -> Placement:
    """Coverage recomputed from the placed batteries (not from the solver's y)."""
    index = {loc.name: i for i, loc in enumerate(locs)}
    by_name = {o.name: o for o in opts}
    cov = {o: coverage(locs, by_name[o].defended_radius_km) for o in {p for p, _ in placed}}
    by_batt: list[list[str]] = [[] for _ in locs]
    for opt_name, site in placed:
        for i in np.flatnonzero(cov[opt_name][index[site]]):
            by_batt[i].append(f"{opt_name} @ {site}")
    batt = np.array([bool(b) for b in by_batt])
    covered, cost = batt | a, float(sum(by_name[o].cost_usd for o, _ in placed))
    added = float(s[batt & ~a].sum())
    counts = {o.name: sum(1 for p, _ in placed if p == o.name) for o in opts}
    return Placement(
        placed=placed,
        covered=covered,
        defended_by=[b + al for b, al in zip(by_batt, by_already, strict=True)],
        cost_usd=cost,
        covered_score=float(s[covered].sum()),
        added_score=added,
        total_score=float(s.sum()),
        value_per_usd=added / cost if cost > 0.0 else 0.0,
        status=status,
        message=message,
        optimal=optimal,
        counts=counts,
    )


def budget_curve(
    locs: Sequence[Location],
    scores: ArrayLike,
    options: Sequence[BatteryOption],
    budgets_usd: Sequence[float],
    already: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Covered score fraction against budget (one MILP per budget), for a plot."""
    if len(budgets_usd) == 0:
        raise ValueError("budgets_usd: empty")
    rows: list[dict[str, Any]] = []
    for b in budgets_usd:
        p = place_batteries(locs, scores, options, float(b), already)
        rows.append(
            {
                "budget_usd": float(b),
                "cost_usd": p.cost_usd,
                "covered_score": p.covered_score,
                "covered_fraction": p.covered_score / p.total_score if p.total_score else 0.0,
                "n_batteries": len(p.placed),
                "counts": dict(p.counts),
                "optimal": p.optimal,
            }
        )
    return rows


def ranked_table(
    locs: Sequence[Location], scores: ArrayLike, placement: Placement
) -> list[dict[str, Any]]:
    """Rows by score, highest first (ties: input order): defended or not, and by what."""
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(locs),) or placement.covered.shape != (len(locs),):
        raise ValueError(f"scores/placement: expected {len(locs)} locations")
    order = sorted(range(len(locs)), key=lambda i: -s[i])
    return [
        {
            "rank": r + 1,
            "name": locs[i].name,
            "category": locs[i].category,
            "value": locs[i].value,
            "threat": locs[i].threat,
            "score": float(s[i]),
            "defended": bool(placement.covered[i]),
            "defended_by": ", ".join(placement.defended_by[i]) or "—",
            "lat_deg": locs[i].lat_deg,
            "lon_deg": locs[i].lon_deg,
        }
        for r, i in enumerate(order)
    ]
