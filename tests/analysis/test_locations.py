"""Defended-location ranking and the battery-placement coverage MILP (checked by enumeration)."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from shieldlab.analysis.locations import (
    THREAT_FLOOR,
    BatteryOption,
    Location,
    budget_curve,
    coverage,
    location_scores,
    locations_from_sets,
    place_batteries,
    ranked_table,
    threat_weights,
    with_threats,
)
from shieldlab.scenario.schema import asset_set_members, catalog_asset_value, catalog_assets

KM_PER_DEG = 6371.0087714 * np.pi / 180.0
"""Great-circle km per degree of longitude on the equator (the frames sphere)."""


def line(n: int, spacing_km: float = 100.0) -> list[Location]:
    """``n`` locations on the equator, ``spacing_km`` apart, value 1, threat 1."""
    return [
        Location(f"L{i}", "population", 0.0, i * spacing_km / KM_PER_DEG, 1.0) for i in range(n)
    ]


def brute_force(
    locs: list[Location], s: np.ndarray, options: list[BatteryOption], budget: float
) -> tuple[float, float]:
    """Best covered score, and the least cost reaching it, over every subset of (site, option)."""
    n = len(locs)
    cov = {o.name: coverage(locs, o.defended_radius_km) for o in options}
    pairs = [(j, o) for o in options for j in range(n)]
    best = (0.0, 0.0)
    for mask in itertools.product((0, 1), repeat=len(pairs)):
        chosen = [p for p, m in zip(pairs, mask, strict=True) if m]
        cost = sum(o.cost_usd for _, o in chosen)
        if cost > budget or any(
            sum(1 for _, o2 in chosen if o2.name == o.name) > o.max_count for o in options
        ):
            continue
        covered = np.zeros(n, dtype=bool)
        for j, o in chosen:
            covered |= cov[o.name][j]
        score = float(s[covered].sum())
        if score > best[0] + 1e-9 or (abs(score - best[0]) <= 1e-9 and cost < best[1]):
            best = (score, cost)
    return best


def test_hand_made_instance_matches_enumeration() -> None:
    locs = line(5)
    s = np.array([5.0, 1.0, 3.0, 4.0, 2.0])
    opts = [
        BatteryOption("Terminal", "terminal", 50.0, 1.0, 3),  # covers its own site
        BatteryOption("Regional", "regional", 150.0, 2.5, 1),  # covers site ± 1
    ]
    for budget in (0.0, 1.0, 2.0, 2.5, 3.0, 3.5, 4.5, 6.0, 10.0):
        p = place_batteries(locs, s, opts, budget)
        best, least = brute_force(locs, s, opts, budget)
        assert p.optimal
        assert p.covered_score == pytest.approx(best, abs=1e-9), budget
        assert p.cost_usd == pytest.approx(least, abs=1e-9), budget
        assert p.cost_usd <= budget + 1e-9
    # Budget 3.5: regional at L3 (covers L2..L4 = 9) + one terminal at L0 (5) = 14.
    p = place_batteries(locs, s, opts, 3.5)
    assert p.covered_score == 14.0
    assert sorted(p.placed) == [("Regional", "L3"), ("Terminal", "L0")]
    assert p.defended_by[2] == ["Regional @ L3"] and p.defended_by[1] == []
    assert p.value_per_usd == pytest.approx(14.0 / 3.5)


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_match_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    locs = [
        Location(f"S{i}", "military", 40.0 + rng.uniform(-2, 2), -100.0 + rng.uniform(-3, 3), 1.0)
        for i in range(n)
    ]
    s = rng.integers(1, 10, n).astype(np.float64)
    opts = [
        BatteryOption("A", "terminal", float(rng.uniform(50, 200)), float(rng.integers(1, 4)), 2),
        BatteryOption("B", "regional", float(rng.uniform(200, 500)), float(rng.integers(2, 7)), 1),
    ]
    for budget in (float(rng.integers(1, 6)), float(rng.integers(4, 12))):
        p = place_batteries(locs, s, opts, budget)
        best, least = brute_force(locs, s, opts, budget)
        assert p.covered_score == pytest.approx(best, abs=1e-9)
        assert p.cost_usd == pytest.approx(least, abs=1e-9)


def test_zero_budget_places_nothing() -> None:
    locs = line(4)
    opts = [BatteryOption("T", "terminal", 50.0, 1.0, 4)]
    p = place_batteries(locs, np.ones(4), opts, 0.0)
    assert p.placed == [] and p.cost_usd == 0.0 and not p.covered.any()
    assert p.defended_by == [[], [], [], []] and p.value_per_usd == 0.0 and p.optimal
    assert p.counts == {"T": 0}
    # A budget under the cheapest battery buys nothing either (not an error).
    assert place_batteries(locs, np.ones(4), opts, 0.5).placed == []


def test_more_budget_never_covers_less() -> None:
    locs = locations_from_sets(["us-deterrent", "us-command", "us-top-20-metros"])
    s = location_scores(with_threats(locs, threat_weights(locs, {"New York": 2.0})))
    opts = [
        BatteryOption("THAAD battery", "regional", 200.0, 3e9, 6),
        BatteryOption("Patriot battery", "terminal", 30.0, 1.2e9, 40),
    ]
    rows = budget_curve(locs, s, opts, [0.0, 2e9, 5e9, 1e10, 2e10, 4e10, 1e11])
    frac = [r["covered_fraction"] for r in rows]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(frac))
    assert frac[0] == 0.0 and frac[-1] == pytest.approx(1.0)
    assert all(r["cost_usd"] <= r["budget_usd"] + 1.0 and r["optimal"] for r in rows)


def test_tie_break_picks_cheaper_option() -> None:
    locs = line(3)
    s = np.array([1.0, 2.0, 1.0])
    opts = [
        BatteryOption("Dear", "regional", 150.0, 5.0, 1),
        BatteryOption("Cheap", "regional", 150.0, 4.0, 1),
    ]
    p = place_batteries(locs, s, opts, 10.0)
    assert p.placed == [("Cheap", "L1")] and p.cost_usd == 4.0 and p.covered.all()


def test_tie_break_at_real_scale() -> None:
    """Dollar costs 0.2 % apart over 40 locations: every battery is the cheaper type."""
    locs = locations_from_sets(["us-all"])
    s = location_scores(with_threats(locs, threat_weights(locs, {"New York": 5.0})))
    opts = [
        BatteryOption("Dear", "regional", 100.0, 5.0e9, 60),
        BatteryOption("Cheap", "regional", 100.0, 4.99e9, 60),
    ]
    p = place_batteries(locs, s, opts, 1e12)
    assert p.covered.all() and p.counts["Dear"] == 0
    assert p.cost_usd == pytest.approx(4.99e9 * p.counts["Cheap"])
    # The fewest batteries that cover everything: no site is wasted.
    assert place_batteries(locs, s, opts[1:], p.cost_usd - 1e6).covered_score < p.total_score


def test_radius_covers_near_not_far() -> None:
    wanted = ("Malmstrom AFB", "Minot AFB")  # ~738 km apart (great circle)
    locs = [loc for loc in locations_from_sets(["us-deterrent"]) if loc.name in wanted]
    assert [loc.name for loc in locs] == list(wanted)
    s = np.array([1.0, 2.0])
    near = place_batteries(locs, s, [BatteryOption("T", "regional", 700.0, 1.0, 1)], 1.0)
    assert near.placed == [("T", "Minot AFB")] and near.covered.tolist() == [False, True]
    far = place_batteries(locs, s, [BatteryOption("T", "regional", 760.0, 1.0, 1)], 1.0)
    assert len(far.placed) == 1 and far.covered.all() and far.covered_score == 3.0
    site = far.placed[0][1]
    assert far.defended_by == [[f"T @ {site}"], [f"T @ {site}"]]
    cov = coverage(locs, 700.0)
    assert cov.tolist() == [[True, False], [False, True]]


def test_already_covers_without_cost() -> None:
    locs = line(4, spacing_km=1000.0)
    s = np.array([4.0, 3.0, 2.0, 1.0])
    opts = [BatteryOption("T", "terminal", 50.0, 1.0, 4)]
    p = place_batteries(locs, s, opts, 1.0, already={"GMD": ["L0", "L1"]})
    assert p.placed == [("T", "L2")] and p.cost_usd == 1.0
    assert p.covered.tolist() == [True, True, True, False]
    assert p.defended_by[0] == ["GMD"] and p.defended_by[2] == ["T @ L2"]
    assert p.covered_score == 9.0 and p.added_score == 2.0 and p.value_per_usd == 2.0
    everything = {"Midcourse": [loc.name for loc in locs]}
    q = place_batteries(locs, s, opts, 10.0, already=everything)
    assert q.placed == [] and q.covered.all() and q.cost_usd == 0.0


def test_locations_from_sets_catalog() -> None:
    sets = ["us-deterrent", "us-command", "us-top-20-metros", "us-deterrent"]
    locs = locations_from_sets(sets)
    names = [loc.name for loc in locs]
    assert len(names) == len(set(names))
    expected = {n for s in sets for n in asset_set_members(s)}
    assert set(names) == expected and len(names) == len(expected)
    entries = catalog_assets()
    order = list(entries)
    assert [order.index(n) for n in names] == sorted(order.index(n) for n in names)
    for loc in locs:
        assert loc.value > 0.0 and loc.value == catalog_asset_value(entries[loc.name])
        assert loc.category == entries[loc.name].category and loc.source
    ny = next(loc for loc in locs if loc.name == "New York")
    assert ny.value == pytest.approx(20.14047)
    over = locations_from_sets(["us-command"], values={"Raven Rock": 3.0})
    assert next(loc.value for loc in over if loc.name == "Raven Rock") == 3.0


def test_threat_weights_floor_and_score() -> None:
    locs = line(3)
    w = threat_weights(locs, {"L1": 4.0})
    assert w.tolist() == [THREAT_FLOOR, 4.0, THREAT_FLOOR]
    w = threat_weights(locs, {"L1": 4.0}, reach=lambda loc: loc.name != "L2")
    assert w.tolist() == [THREAT_FLOOR, 4.0, 0.0]
    scored = with_threats([Location("A", "command", 0.0, 0.0, 10.0)], [2.5])
    assert scored[0].score == 25.0 and location_scores(scored).tolist() == [25.0]


def test_ranked_table() -> None:
    locs = line(3, spacing_km=1000.0)
    s = np.array([1.0, 3.0, 2.0])
    opts = [BatteryOption("T", "terminal", 50.0, 1.0, 1)]
    rows = ranked_table(locs, s, place_batteries(locs, s, opts, 1.0, already={"GMD": ["L0"]}))
    assert [r["name"] for r in rows] == ["L1", "L2", "L0"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert rows[0]["defended_by"] == "T @ L1" and rows[0]["defended"]
    assert rows[1]["defended_by"] == "—" and not rows[1]["defended"]
    assert rows[2]["defended_by"] == "GMD"
    assert set(rows[0]) == {
        "rank", "name", "category", "value", "threat", "score",
        "defended", "defended_by", "lat_deg", "lon_deg",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"budget_usd": -1.0}, "budget_usd"),
        ({"budget_usd": float("nan")}, "budget_usd"),
        ({"locs": []}, "locs"),
        ({"scores": [1.0, -1.0]}, "scores"),
        ({"scores": [1.0]}, "scores"),
        ({"already": {"GMD": ["Nowhere"]}}, "already.GMD"),
    ],
)
def test_bad_inputs_one_line(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "locs": line(2),
        "scores": [1.0, 1.0],
        "options": [BatteryOption("T", "terminal", 50.0, 1.0, 1)],
        "budget_usd": 1.0,
    }
    args |= kwargs
    with pytest.raises(ValueError, match=field) as err:
        place_batteries(**args)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: BatteryOption("T", "terminal", 0.0, 1.0, 1), "defended_radius_km"),
        (lambda: BatteryOption("T", "terminal", -5.0, 1.0, 1), "defended_radius_km"),
        (lambda: BatteryOption("T", "terminal", 50.0, -1.0, 1), "cost_usd"),
        (lambda: BatteryOption("T", "terminal", 50.0, 1.0, -1), "max_count"),
        (lambda: locations_from_sets([]), "sets"),
        (lambda: locations_from_sets(["us-moon"]), "us-moon"),
        (lambda: locations_from_sets(["us-command"], {"New York": 1.0}), "values"),
        (lambda: threat_weights(line(2), {"L9": 1.0}), "aimed"),
        (lambda: threat_weights(line(2), {"L0": -1.0}), "aimed.L0"),
        (lambda: place_batteries(line(2) * 2, [1.0] * 4, [], 1.0), "duplicate"),
    ],
)
def test_bad_construction_one_line(make: object, field: str) -> None:
    with pytest.raises(ValueError, match=field) as err:
        make()  # type: ignore[operator]
    assert "\n" not in str(err.value)


def test_sixty_locations_three_options_fast() -> None:
    rng = np.random.default_rng(7)
    locs = [
        Location(f"P{i}", "population", rng.uniform(28, 48), rng.uniform(-122, -72), 1.0)
        for i in range(60)
    ]
    s = rng.uniform(0.1, 20.0, 60)
    opts = [
        BatteryOption("Patriot battery", "terminal", 30.0, 1.2e9, 15),
        BatteryOption("THAAD battery", "regional", 200.0, 3e9, 7),
        BatteryOption("Aegis Ashore", "regional", 600.0, 8e9, 3),
    ]
    for budget in (1e10, 3e10, 6e10):
        t0 = time.perf_counter()
        p = place_batteries(locs, s, opts, budget)
        assert time.perf_counter() - t0 < 1.0
        assert p.optimal and 0.0 < p.covered_score <= p.total_score
