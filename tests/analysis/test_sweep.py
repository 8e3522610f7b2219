"""Sweep designs and points: grid order, Latin-hypercube strata, setting scenario
fields by path, the messages of bad paths and values, and the point responses."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from shieldlab.analysis.stats import wilson_interval
from shieldlab.analysis.sweep import (
    MAX_POINTS,
    RESPONSE_COLUMNS,
    Parameter,
    SweepError,
    design_points,
    lhs_unit,
    parse_set,
    point_response,
    point_scenario,
    set_path,
    study_key,
)
from shieldlab.scenario import LoadedScenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"


@pytest.fixture(scope="module")
def flagship() -> LoadedScenario:
    return load_scenario(FLAGSHIP)


# --- parsing --set ---


def test_parse_values_are_yaml_scalars() -> None:
    p = parse_set("doctrine.shoot_look_shoot=true,false")
    assert p.path == "doctrine.shoot_look_shoot" and p.values == (True, False)
    assert parse_set("a=1, 2.5 ,x").values == (1, 2.5, "x")
    assert parse_set("epoch_utc=2026-07-04T12:00:00Z").values == ("2026-07-04T12:00:00Z",)


def test_parse_ranges() -> None:
    assert parse_set("a=1:5") == Parameter("a", low=1.0, high=5.0, integer=True)
    p = parse_set("a=0.5:2")
    assert p.is_range and not p.integer and (p.low, p.high) == (0.5, 2.0)
    assert parse_set("a=1:10:3").values == (1, 4, 7, 10)
    assert parse_set("a=0:1:0.25").values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_set("a=0:1:0.25").spec() == "a=0.0,0.25,0.5,0.75,1.0"
    assert parse_set("a=1:5").spec() == "a=1:5"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("doctrine.shots_per_threat", "expected PATH=V1,V2"),
        ("=1,2", "expected PATH=V1,V2"),
        ("a..b=1", "empty component"),
        ("a=1,,2", "empty value"),
        ("a=1,1", "repeated"),
        ("a=3:1", "HI > LO"),
        ("a=1:5:0", "STEP must be > 0"),
        ("a=[1,2]", "not a valid YAML scalar"),
        ("a=1,{b: 2}", "is a dict; give scalars"),
        ("a=null", "null"),
        (f"a=0:{MAX_POINTS}:1", f"at most {MAX_POINTS}"),
    ],
)
def test_parse_errors_are_one_line(text: str, needle: str) -> None:
    with pytest.raises(SweepError, match=r"^--set") as info:
        parse_set(text)
    assert needle in str(info.value) and "\n" not in str(info.value)


# --- designs ---


def test_grid_is_the_product_first_parameter_slowest() -> None:
    params = [parse_set("a=1,2,3"), parse_set("b=x,y"), parse_set("c=true,false")]
    points = design_points(params, "grid", None, seed=0)
    assert len(points) == 3 * 2 * 2
    assert points[0] == {"a": 1, "b": "x", "c": True}
    assert points[1] == {"a": 1, "b": "x", "c": False}
    assert points[2] == {"a": 1, "b": "y", "c": True}
    assert points[-1] == {"a": 3, "b": "y", "c": False}
    assert len({tuple(p.values()) for p in points}) == len(points)


@pytest.mark.parametrize(
    ("params", "design", "samples", "needle"),
    [
        (["a=1:5"], "grid", None, "a grid needs explicit values"),
        (["a=1,2"], "grid", 4, "--samples: only with --design lhs"),
        (["a=1,2"], "lhs", None, "--samples: --design lhs needs"),
        (["a=1,2"], "lhs", 0, "--samples: an integer 1.."),
        (["a=1,2", "a=3"], "grid", None, "given twice"),
        (["a=1,2"], "sobol", None, "--design: allowed grid, lhs"),
        ([], "grid", None, "at least one"),
    ],
)
def test_design_errors(params: list[str], design: str, samples: int | None, needle: str) -> None:
    with pytest.raises(SweepError, match=needle):
        design_points([parse_set(p) for p in params], design, samples, seed=0)


def test_grid_too_large_is_refused() -> None:
    params = [parse_set("a=1:100:1"), parse_set("b=1:101:1")]
    with pytest.raises(SweepError, match="10100 points"):
        design_points(params, "grid", None, seed=0)


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_lhs_one_sample_per_stratum(n: int) -> None:
    u = lhs_unit(3, n, seed=20250127)
    assert u.shape == (n, 3) and np.all((u >= 0.0) & (u < 1.0))
    for j in range(3):
        assert sorted(np.floor(u[:, j] * n).astype(int).tolist()) == list(range(n))


def test_lhs_points_stratify_each_parameter() -> None:
    n = 8
    params = [
        parse_set("x=10.0:20.0"),  # real range: one value per tenth... per eighth
        parse_set("k=1:8"),  # 8 integers: each once
        parse_set("c=a,b,c,d,e,f,g,h"),  # 8 values: each once
    ]
    points = design_points(params, "lhs", n, seed=7)
    assert len(points) == n
    x = np.array([p["x"] for p in points])
    assert sorted(np.floor((x - 10.0) / 10.0 * n).astype(int).tolist()) == list(range(n))
    assert sorted(int(p["k"]) for p in points) == list(range(1, 9))
    assert sorted(str(p["c"]) for p in points) == list("abcdefgh")
    assert all(isinstance(p["k"], int) and isinstance(p["x"], float) for p in points)


def test_lhs_integer_range_covers_its_ends() -> None:
    points = design_points([parse_set("k=0:3")], "lhs", 400, seed=1)
    counts = np.bincount([int(p["k"]) for p in points], minlength=4)
    assert counts.tolist() == [100, 100, 100, 100]  # equal shares, ends included


def test_lhs_is_reproducible_with_the_seed() -> None:
    params = [parse_set("x=0:1"), parse_set("y=0.0:5.0")]
    a = design_points(params, "lhs", 10, seed=3)
    assert a == design_points(params, "lhs", 10, seed=3)
    assert a != design_points(params, "lhs", 10, seed=4)


# --- setting a field by path ---


def _dump(loaded: LoadedScenario) -> dict[str, object]:
    return loaded.scenario.model_dump(mode="json")


def test_set_path_nested_and_list_index(flagship: LoadedScenario) -> None:
    data = _dump(flagship)
    set_path(data, "doctrine.shots_per_threat", 3)
    set_path(data, "interceptor_sites.1.inventory", 9)
    set_path(data, "threats.0.count", 4)
    assert data["doctrine"]["shots_per_threat"] == 3  # type: ignore[index]
    assert data["interceptor_sites"][1]["inventory"] == 9  # type: ignore[index]
    assert data["interceptor_sites"][0]["inventory"] == 40  # type: ignore[index]
    assert data["threats"][0]["count"] == 4  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        ("doctrine.shots_per_thread", ["unknown key 'shots_per_thread' at doctrine", "keys: "]),
        ("doctrin.shots_per_threat", ["unknown key 'doctrin' at the top level", "doctrine"]),
        ("interceptor_sites.5.inventory", ["no item 5 in interceptor_sites", "indices 0..1"]),
        ("interceptor_sites.first.inventory", ["is a list", "'first' is not an index"]),
        ("doctrine", ["is a section", "shots_per_threat"]),
        ("c2.links", ["c2 is not set (null)"]),
        ("seed.x", ["seed is a value", "no field 'x'"]),
    ],
)
def test_set_path_errors_name_the_path(
    flagship: LoadedScenario, path: str, needles: list[str]
) -> None:
    with pytest.raises(SweepError) as info:
        set_path(_dump(flagship), path, 1)
    msg = str(info.value)
    assert msg.startswith(f"--set {path}: ") and "\n" not in msg
    for needle in needles:
        assert needle in msg, msg
    if "unknown key 'shots_per_thread'" in msg:
        assert "shoot_look_shoot" in msg  # the keys at the deepest level that exists


def test_point_scenario_text_reproduces_the_point(flagship: LoadedScenario) -> None:
    pl = point_scenario(
        flagship, {"doctrine.shots_per_threat": 1, "interceptor_sites.0.inventory": 7}
    )
    assert pl.scenario.doctrine.shots_per_threat == 1
    assert pl.scenario.interceptor_sites[0].inventory == 7
    assert pl.scenario.seed == flagship.scenario.seed  # common random numbers
    again = parse_scenario(pl.text)
    assert again.scenario == pl.scenario and again.sha256 == pl.sha256
    assert pl.sha256 != flagship.sha256
    # nothing changed: the same scenario (the text is the full dump, not the file)
    assert point_scenario(flagship, {}).scenario == flagship.scenario


def test_point_scenario_bad_value_is_one_line(flagship: LoadedScenario) -> None:
    with pytest.raises(SweepError) as info:
        point_scenario(flagship, {"doctrine.shots_per_threat": 0}, point=3)
    msg = str(info.value)
    assert msg.startswith("point 3 (--set doctrine.shots_per_threat=0): ")
    assert "doctrine.shots_per_threat" in msg.partition("): ")[2] and "\n" not in msg
    with pytest.raises(SweepError, match=r"interceptor_sites\.0\.type"):
        point_scenario(flagship, {"interceptor_sites.0.type": "no-such-interceptor"})


def test_study_key_ignores_the_order_of_the_sets() -> None:
    a = study_key("abc", ["x=1,2", "y=3"], "grid", None, 10, 0)
    assert a == study_key("abc", ["y=3", "x=1,2"], "grid", None, 10, 0)
    assert len(a) == 8 and int(a, 16) >= 0
    assert a != study_key("abc", ["x=1,2", "y=3"], "grid", None, 10, 1)
    assert a != study_key("abd", ["x=1,2", "y=3"], "grid", None, 10, 0)


# --- responses ---


def test_point_response_against_hand_values() -> None:
    trials = {
        "leakers": np.array([0, 2, 0, 1]),
        "value_hit": np.array([0.0, 4.0, 0.0, 2.0]),
        "cost_usd": np.array([1e6, 3e6, 1e6, 3e6]),
    }
    r = point_response(trials)
    assert tuple(r) == RESPONSE_COLUMNS
    lo, hi = wilson_interval(2, 4)
    assert r["p_no_leaker"] == 0.5
    assert (r["p_no_leaker_lo"], r["p_no_leaker_hi"]) == pytest.approx((float(lo), float(hi)))
    assert r["mean_leakers"] == pytest.approx(0.75)
    # t(0.975, 3) = 3.182446; sd of (0, 2, 0, 1) = 0.957427
    half = 3.182446 * 0.957427 / 2.0
    assert r["leakers_hi"] == pytest.approx(0.75 + half, rel=1e-5)
    assert r["leakers_lo"] == 0.0  # clipped: a mean count is not negative
    assert r["mean_value_lost"] == pytest.approx(1.5)
    assert r["mean_cost_usd"] == pytest.approx(2e6)
    assert r["cost_lo"] < 2e6 < r["cost_hi"]


def test_point_response_equal_trials_and_unpriced_costs() -> None:
    r = point_response(
        {
            "leakers": np.array([1, 1]),
            "value_hit": np.array([3.0, 3.0]),
            "cost_usd": np.array([np.nan, np.nan]),
        }
    )
    assert r["p_no_leaker"] == 0.0 and r["p_no_leaker_hi"] > 0.0
    assert r["leakers_lo"] == r["mean_leakers"] == r["leakers_hi"] == 1.0
    assert all(math.isnan(r[k]) for k in ("mean_cost_usd", "cost_lo", "cost_hi"))
