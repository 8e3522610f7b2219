"""Tests of the dashboard figures shared by the HTML report and the viewer.

Store: the shipped ``rogue-salvo`` scenario cut to 3 ICBMs and 3 interceptors at
Fort Greely (so some threats leak), 3 trials, run through ``shieldlab run`` as a
user would. Every number a figure shows is recomputed here with plain NumPy from
the stored tables. Small hand-made tables cover what the flown scenario lacks:
decoys, a kill left of launch, shots that met no object, unpriced shots and runs
without data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from typer.testing import CliRunner

from shieldlab.cli import app
from shieldlab.report import write_report
from shieldlab.report.figures import leaker_histogram
from shieldlab.report.run_figures import (
    DASHBOARD_SLUGS,
    cost_by_layer_figure,
    dashboard_figures,
    engagement_timeline_figure,
    kill_chain_figure,
    kill_chain_stages,
    layer_costs,
    leakers_by_asset_figure,
    mean_count_interval,
    run_dashboard_figures,
)
from shieldlab.store import RESULT_TABLES, latest_run_id, read_table

ROOT = Path(__file__).resolve().parents[2]
LETHAL = ("rv", "glide-vehicle", "cruise-missile")
N_TRIALS = 3
O = np.array


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("run-figures")
    text = (ROOT / "scenarios" / "rogue-salvo.yaml").read_text(encoding="utf-8")
    assert "count: 10" in text and "inventory: 40" in text
    small = tmp / "small.yaml"
    small.write_text(text.replace("count: 10", "count: 3").replace("inventory: 40", "inventory: 3"))
    args = ["run", str(small), "--trials", str(N_TRIALS), "--workers", "1", "--no-report"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp / "out")])
    assert res.exit_code == 0, res.output
    db = tmp / "out" / "shieldlab.duckdb"
    run_id = latest_run_id(db)
    assert run_id is not None
    return db, run_id


@pytest.fixture(scope="module")
def tables(store: tuple[Path, str]) -> dict[str, dict[str, np.ndarray]]:
    db, run_id = store
    return {name: read_table(db, name, run_id) for name in RESULT_TABLES}


@pytest.fixture(scope="module")
def figs(store: tuple[Path, str]) -> dict[str, go.Figure]:
    return run_dashboard_figures(*store)


def _traces(fig: go.Figure, kind: str) -> list:
    return [t for t in fig.data if t.type == kind]


def _texts(fig: go.Figure) -> str:
    """Every annotation, and the caption (the layout title), as one string."""
    return " ".join([str(a.text) for a in fig.layout.annotations] + [str(fig.layout.title.text)])


def test_store_is_worth_testing(tables: dict[str, dict[str, np.ndarray]]) -> None:
    o = tables["threat_outcomes"]
    assert tables["trials"]["trial"].size == N_TRIALS
    assert np.count_nonzero(o["status"] == "leaked") > 0  # some leak
    assert np.count_nonzero(o["status"] == "killed") > 0  # some are killed
    assert tables["engagements"]["trial"].size > 0


def test_slugs_template_and_axis_titles(figs: dict[str, go.Figure]) -> None:
    assert tuple(figs) == DASHBOARD_SLUGS
    template = leaker_histogram(np.array([0, 1])).layout.template  # the report's figures
    for slug, fig in figs.items():
        assert fig.layout.template == template, slug
        assert fig.layout.xaxis.title.text, slug
        assert fig.data, slug  # data here: no empty state
        assert fig.layout.title.text and len(fig.layout.title.text) > 40, slug  # caption
    for slug in ("custody-by-layer", "cost-by-layer", "engagement-timeline"):
        assert figs[slug].layout.yaxis.title.text, slug
    units = {
        "leakers-by-asset": "per trial",
        "kill-chain": "per trial",
        "custody-by-layer": "%",
        "cost-by-layer": "M$",
        "engagement-timeline": "(min)",
    }
    for slug, unit in units.items():
        axes = f"{figs[slug].layout.xaxis.title.text} {figs[slug].layout.yaxis.title.text}"
        assert unit in axes, slug


def test_leakers_by_asset_against_the_tables(
    figs: dict[str, go.Figure], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    o, sites = tables["threat_outcomes"], tables["sites"]
    assets = [str(x) for x in sites["name"][sites["kind"] == "asset"]]
    aimed_bar, hit_bar = _traces(figs["leakers-by-asset"], "bar")
    assert list(hit_bar.y) == assets == list(aimed_bar.y)
    leaked = o["status"] == "leaked"
    for k, asset in enumerate(assets):
        hit = np.count_nonzero(leaked & (o["hit_asset"] == asset)) / N_TRIALS
        aimed = np.count_nonzero(leaked & (o["aim_asset"] == asset)) / N_TRIALS
        assert hit_bar.x[k] == pytest.approx(hit, abs=1e-4)
        assert aimed_bar.x[k] == pytest.approx(aimed, abs=1e-4)
        for bar in (aimed_bar, hit_bar):  # the interval brackets the mean
            assert bar.error_x.array[k] >= 0 and bar.error_x.arrayminus[k] >= 0
    assert sum(hit_bar.x) * N_TRIALS == pytest.approx(np.count_nonzero(leaked), abs=1e-3)


def _funnel_by_hand(o: dict[str, np.ndarray], e: dict[str, np.ndarray]) -> list[float]:
    lethal = np.array([k in LETHAL for k in o["object_kind"]])
    met = {(int(t), int(i)) for t, i in zip(e["trial"], e["threat_id"], strict=True) if i >= 0}
    keys = zip(o["trial"], o["threat_id"], strict=True)
    engaged = np.array([(int(t), int(i)) in met for t, i in keys])
    detected = np.nan_to_num(o["custody"]) > 0
    fc = np.nan_to_num(o["custody_fc"]) > 0
    killed = o["status"] == "killed"
    stages = [lethal, detected, fc, engaged, killed]
    return [float(np.all(stages[: k + 1], axis=0).sum()) / N_TRIALS for k in range(5)]


def test_kill_chain_funnel_against_the_tables(
    figs: dict[str, go.Figure], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    (funnel,) = _traces(figs["kill-chain"], "funnel")
    assert list(funnel.y) == [
        "lethal objects",
        "detected",
        "fire-control track",
        "engaged",
        "killed",
    ]
    expected = _funnel_by_hand(tables["threat_outcomes"], tables["engagements"])
    assert list(funnel.x) == pytest.approx(expected, abs=1e-4)
    assert all(np.diff(funnel.x) <= 0)  # a funnel never widens
    assert funnel.x[0] == pytest.approx(3.0)  # 3 RVs per trial, no decoys in this raid
    assert funnel.x[-1] > 0
    caption = _texts(figs["kill-chain"])
    for words in ("custody > 0", "custody_fc > 0", "met by at least one shot", "decoys"):
        assert words in caption
    assert all("by any path" in h for h in funnel.hovertext)


def test_custody_by_layer_against_the_tables(
    figs: dict[str, go.Figure], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    o, cl = tables["threat_outcomes"], tables["custody_layers"]
    bars = _traces(figs["custody-by-layer"], "bar")
    every = bars[-1]  # "all objects", after the classes
    assert str(every.name).startswith("all objects")
    flew = np.isfinite(o["custody"])
    expected = {
        "fused: any track": np.mean(o["custody"][flew]),
        "fused: fire-control": np.mean(o["custody_fc"][flew]),
    }
    expected |= {str(x): np.mean(cl["fraction"][cl["layer"] == x]) for x in set(cl["layer"])}
    assert list(every.x)[:2] == ["fused: any track", "fused: fire-control"]
    assert dict(zip(every.x, every.y, strict=True)) == pytest.approx(
        {k: 100.0 * v for k, v in expected.items()}, abs=0.01
    )


def test_cost_by_layer_sums_to_the_engagements(
    figs: dict[str, go.Figure], tables: dict[str, dict[str, np.ndarray]]
) -> None:
    e, trials = tables["engagements"], tables["trials"]
    (bar,) = _traces(figs["cost-by-layer"], "bar")
    assert list(bar.x) == sorted(set(e["layer"].tolist()))  # one layer here: midcourse
    total_musd = float(np.nansum(e["cost_usd"])) / N_TRIALS / 1e6
    assert sum(bar.y) == pytest.approx(total_musd, rel=1e-6)
    assert sum(bar.y) == pytest.approx(float(np.mean(trials["cost_usd"])) / 1e6, rel=1e-6)
    assert sum(c[1] for c in bar.customdata) == e["trial"].size  # shots in the hover
    assert "Every shot is priced" in _texts(figs["cost-by-layer"])


@pytest.mark.parametrize("trial", range(N_TRIALS))
def test_timeline_one_bar_per_shot(
    figs: dict[str, go.Figure], tables: dict[str, dict[str, np.ndarray]], trial: int
) -> None:
    e, o, traj = tables["engagements"], tables["threat_outcomes"], tables["trajectories"]
    fig = engagement_timeline_figure(e, o, trial, traj)
    if trial == 0:  # the dashboard's timeline is trial 0's
        assert fig.to_json() == figs["engagement-timeline"].to_json()
    mine = e["trial"] == trial
    bars = _traces(fig, "bar")
    assert sum(len(b.x) for b in bars) == np.count_nonzero(mine)  # every shot has an intercept
    t0 = float(traj["t_s"].min())
    starts = sorted(x for b in bars for x in b.base)
    ends = sorted(x + d for b in bars for x, d in zip(b.base, b.x, strict=True))
    assert starts == pytest.approx(sorted((e["launch_time_s"][mine] - t0) / 60.0), abs=2e-3)
    assert ends == pytest.approx(sorted((e["intercept_time_s"][mine] - t0) / 60.0), abs=2e-3)
    marks = {str(t.name): len(t.x) for t in _traces(fig, "scatter")}
    assert marks.get("hit", 0) == np.count_nonzero(e["hit"][mine])
    assert marks.get("miss", 0) == np.count_nonzero(~e["hit"][mine])
    leakers = np.count_nonzero((o["trial"] == trial) & (o["status"] == "leaked"))
    assert marks.get("leaker impact", 0) == leakers
    assert "first launch" in fig.layout.xaxis.title.text


def test_report_has_the_dashboard(store: tuple[Path, str], tmp_path: Path) -> None:
    html = write_report(*store, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Dashboard</h2>" in html
    places = [html.index(f'id="fig-{slug}"') for slug in DASHBOARD_SLUGS]
    assert places == sorted(places)
    assert html.count("Plotly.newPlot(") == 3 + len(DASHBOARD_SLUGS)
    assert html.count("plotly.js v") == 1  # the library inlined once, the page stays offline
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.IGNORECASE)


# --- hand-made tables: what the flown raid lacks --------------------------------


def _outcomes() -> dict[str, np.ndarray]:
    """One trial: rv 0 shot and killed; rv 1 destroyed left of launch (never flew);
    rv 2 never held by a track, leaked; decoy 3 held, shot and killed; rv 4 held at
    fire-control quality, shot at but the kill vehicle met nothing (threat −1), leaked."""
    return {
        "trial": O([0, 0, 0, 0, 0]),
        "threat_id": O([0, 1, 2, 3, 4]),
        "status": O(["killed", "killed", "leaked", "killed", "leaked"], dtype=object),
        "kill_layer": O(["midcourse", "left-of-launch", None, "midcourse", None], dtype=object),
        "object_kind": O(["rv", "rv", "rv", "light-decoy", "rv"], dtype=object),
        "custody": O([0.9, np.nan, 0.0, 0.8, 0.7]),
        "custody_fc": O([0.5, np.nan, 0.0, 0.6, 0.4]),
    }


def _engagements(cost: list[float]) -> dict[str, np.ndarray]:
    return {
        "trial": O([0, 0, 0, 0]),
        "shot_id": O([0, 1, 2, 3]),
        "threat_id": O([0, 3, -1, -1]),
        "site": O(["A", "A", "B", "C"], dtype=object),
        "layer": O(["midcourse", "midcourse", "terminal", "laser"], dtype=object),
        "launch_time_s": O([100.0, 110.0, 500.0, 600.0]),
        "intercept_time_s": O([400.0, 410.0, 560.0, np.nan]),
        "pk": O([0.7, 0.7, 0.5, 0.9]),
        "hit": O([True, True, False, False]),
        "cost_usd": O(cost),
    }


def test_kill_chain_lethal_only_with_a_kill_before_flight() -> None:
    stages = kill_chain_stages(_outcomes(), _engagements([1.0] * 4), 1)
    got = {s["stage"]: (s["count"], s["any_path_per_trial"]) for s in stages}
    # lethal: rv 0, 1, 2, 4 (the decoy is out); flew: 0, 2, 4; detected: 0, 4;
    # fire-control: 0, 4; engaged: 0 (rv 4's shot met nothing); killed: 0.
    assert list(got) == ["lethal", "flew", "detected", "fire-control", "engaged", "killed"]
    assert [c for c, _ in got.values()] == [4, 3, 2, 2, 1, 1]
    assert got["killed"][1] == 2.0  # by any path: rv 0 and rv 1 (left of launch)
    assert got["engaged"][1] == 1.0  # the decoy's shot does not count
    fig = kill_chain_figure(_outcomes(), _engagements([1.0] * 4), 1)
    assert "Reached by another path too (hover): killed" in _texts(fig)


def test_unpriced_shots_are_said_so_never_zero() -> None:
    e = _engagements([5e6, np.nan, np.nan, 2e6])
    rows = {r["layer"]: r for r in layer_costs(e, 2)}
    assert rows["midcourse"]["cost_per_trial_usd"] == 2.5e6 and rows["midcourse"]["unpriced"] == 1
    assert np.isnan(rows["terminal"]["cost_per_trial_usd"]) and rows["terminal"]["unpriced"] == 1
    assert list(rows) == ["midcourse", "terminal", "laser"]  # engagement-timeline order
    fig = cost_by_layer_figure(e, 2)
    (bar,) = _traces(fig, "bar")
    assert list(bar.text) == ["2.5 + 1 shot unpriced", "unpriced (1 shot)", "1.0"]
    assert "2 shots without a catalog cost" in _texts(fig) and "not counted as 0" in _texts(fig)


def test_timeline_shot_without_intercept_and_shots_that_met_nothing() -> None:
    fig = engagement_timeline_figure(_engagements([1.0] * 4), _outcomes(), 0)
    assert sum(len(b.x) for b in _traces(fig, "bar")) == 3  # the beam has no end time
    marks = {str(t.name): len(t.x) for t in _traces(fig, "scatter")}
    assert marks == {"hit": 2, "miss": 1, "launch (no intercept time stored)": 1}
    assert "met no object" in fig.layout.yaxis.ticktext
    assert "rv #2" in fig.layout.yaxis.ticktext  # a leaker, never shot at
    assert "epoch" in fig.layout.xaxis.title.text  # no trajectories: no first launch


def test_empty_states_say_so() -> None:
    empty_e = {k: v[:0] for k, v in _engagements([1.0] * 4).items()}
    o = _outcomes()
    for fig, words in (
        (cost_by_layer_figure(empty_e, 1), "no engagements in this run"),
        (engagement_timeline_figure(empty_e, {k: v[:0] for k, v in o.items()}), "no engagements"),
        (kill_chain_figure({k: v[3:4] for k, v in o.items()}, empty_e, 1), "no lethal object"),
        (kill_chain_figure(o, empty_e, 0), "no trials stored"),
    ):
        assert not fig.data
        assert words in fig.layout.annotations[0].text
        assert fig.layout.xaxis.visible is False


def test_empty_run_gives_five_messages(tables: dict[str, dict[str, np.ndarray]]) -> None:
    nothing = {name: {k: v[:0] for k, v in t.items()} for name, t in tables.items()}
    figs = dashboard_figures(nothing)
    assert tuple(figs) == DASHBOARD_SLUGS
    for slug, fig in figs.items():
        assert not fig.data and fig.layout.annotations, slug
    sites_only = {**nothing, "sites": tables["sites"], "trials": tables["trials"]}
    fig = leakers_by_asset_figure(
        sites_only["threat_outcomes"], tables["sites"], sites_only["engagements"], N_TRIALS
    )
    (_, hit) = _traces(fig, "bar")
    assert set(hit.x) == {0.0}  # no leaker in 3 trials: bars at 0, the interval above
    assert all(h == pytest.approx(3.6889 / N_TRIALS, abs=1e-3) for h in hit.error_x.array)


def test_mean_count_interval() -> None:
    # spread: Student-t, t(0.975, 2) = 4.3027, sd 1 → half-width 4.3027 / √3 = 2.4841,
    # the lower end clipped at 0 (a count)
    mean, lo, hi = mean_count_interval(O([0, 1, 1, 2, 2, 2]), 3)
    assert (mean, lo, hi) == pytest.approx((2.0, 0.0, 4.4841), abs=1e-3)
    counts_4_5_6 = O([0] * 4 + [1] * 5 + [2] * 6)  # mean 5, sd 1, 3 trials
    assert mean_count_interval(counts_4_5_6, 3) == pytest.approx((5.0, 2.5159, 7.4841), abs=1e-3)
    # no spread, none seen: exact Poisson upper bound 3.689 over the 3 trials
    assert mean_count_interval(O([], dtype=int), 3) == pytest.approx((0.0, 0.0, 1.2296), abs=1e-3)
    # one per trial, every trial: Garwood interval of 3 events in 3 trials
    assert mean_count_interval(O([0, 1, 2]), 3) == pytest.approx((1.0, 0.2062, 2.9224), abs=1e-3)
    assert np.isnan(mean_count_interval(O([]), 0)[0])
