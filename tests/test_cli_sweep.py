"""`shieldlab sweep` and `shieldlab report STUDY` as a user meets them: bad input is
one line on stderr and exit 2 with nothing written; a sweep stores every point as a
run tagged with the study id and its responses in ``study_points``; the study table
keeps the points of an interrupted study; the report renders a study."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

import shieldlab.runner
from shieldlab.analysis.sweep import RESPONSE_COLUMNS
from shieldlab.cli import app
from shieldlab.scenario import LoadedScenario
from shieldlab.store import list_runs
from shieldlab.store.duck import write_run
from shieldlab.store.study import (
    add_point,
    create_study,
    finish_study,
    list_studies,
    read_points,
    read_study,
    study_ids,
)

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "rogue-salvo.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flagship with two threats (a point runs in a few seconds)."""
    text = FLAGSHIP.read_text(encoding="utf-8")
    assert "count: 10" in text
    path = tmp_path_factory.mktemp("sweep") / "tiny.yaml"
    path.write_text(text.replace("count: 10", "count: 2"), encoding="utf-8")
    return path


def _one_error_line(res: object) -> str:
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]  # type: ignore[attr-defined]
    assert len(lines) == 1, res.stderr  # type: ignore[attr-defined]
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "--set: give at least one parameter"),
        (["--set", "doctrine.shots_per_thread=1,2"], "unknown key 'shots_per_thread'"),
        (["--set", "doctrine.shots_per_threat=1:3"], "a grid needs explicit values"),
        (["--set", "doctrine.shots_per_threat=0,1"], "doctrine.shots_per_threat"),
        (["--set", "doctrine.shots_per_threat"], "--set: expected PATH=V1,V2"),
        (["--set", "interceptor_sites.7.inventory=1"], "no item 7 in interceptor_sites"),
        (["--set", "doctrine.shots_per_threat=1,2", "--samples", "3"], "--samples: only with"),
        (["--set", "doctrine.shots_per_threat=1,2", "--design", "lhs"], "--samples: --design lhs"),
        (["--set", "doctrine.shots_per_threat=1,2", "--design", "sobol"], "--design: allowed"),
        (["--set", "doctrine.shots_per_threat=1,2", "--executor", "gpu"], "--executor"),
        (["--set", "doctrine.shots_per_threat=1,2", "--cluster", "tcp://x:1"], "--cluster"),
        (["--set", "a=1", "--set", "a=2"], "given twice"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tiny: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["sweep", str(tiny), *args, "--trials", "1", "--out", str(out)])
    assert res.exit_code == 2, res.output
    line = _one_error_line(res)
    assert needle in line, line
    assert not out.exists()


def test_missing_scenario_is_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["sweep", str(tmp_path / "none.yaml"), "--set", "seed=1,2"])
    assert res.exit_code == 2 and "file not found" in _one_error_line(res)


def test_out_that_is_a_file_is_refused(tiny: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    res = runner.invoke(
        app, ["sweep", str(tiny), "--set", "doctrine.shots_per_threat=1", "--out", str(blocker)]
    )
    assert res.exit_code == 2 and "--out" in _one_error_line(res)


# --- the study tables and the study report, without running the engine ---


def _study_row(study_id: str) -> dict[str, object]:
    return {
        "study_id": study_id,
        "created_utc": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "scenario_name": "demo",
        "scenario_sha256": "0" * 64,
        "design": "grid",
        "parameters": ["a=1,2", "b=x,y"],
        "samples": None,
        "trials": 4,
        "seed": 7,
        "shieldlab_version": "test",
    }


def _response(p: float) -> dict[str, float]:
    r = dict.fromkeys(RESPONSE_COLUMNS, 1.0)
    return r | {"p_no_leaker": p, "p_no_leaker_lo": p / 2, "p_no_leaker_hi": 1.0}


def test_study_tables_round_trip_and_ids_take_a_suffix(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert study_ids(db) == [] and read_points(db, "x") == []
    sid = create_study(db, _study_row("demo-sweep-1"))
    assert sid == "demo-sweep-1"
    assert create_study(db, _study_row("demo-sweep-1")) == "demo-sweep-1-2"
    assert create_study(db, _study_row("demo-sweep-1")) == "demo-sweep-1-3"
    add_point(db, sid, 1, "run-b", {"a": 1, "b": "y"}, _response(0.25))
    add_point(db, sid, 0, "run-a", {"a": 1, "b": "x"}, _response(0.5) | {"cost_hi": float("nan")})
    row = read_study(db, sid)
    assert row["status"] == "running" and row["parameters"] == ["a=1,2", "b=x,y"]
    assert row["created_utc"] == datetime(2026, 1, 2, 3, 4, 5)  # naive UTC
    pts = read_points(db, sid)
    assert [p["point"] for p in pts] == [0, 1] and pts[0]["params"] == {"a": 1, "b": "x"}
    assert pts[0]["cost_hi"] != pts[0]["cost_hi"]  # NULL reads as NaN
    with pytest.raises(duckdb.ConstraintException):  # a point is stored once
        add_point(db, sid, 0, "run-c", {"a": 1, "b": "x"}, _response(0.5))
    finish_study(db, sid)
    assert read_study(db, sid)["status"] == "complete"
    assert [s["study_id"] for s in list_studies(db)][:1] == [sid]
    with pytest.raises(KeyError):
        read_study(db, "no-such-study")


def test_report_renders_a_stored_study(tmp_path: Path) -> None:
    db = tmp_path / "shieldlab.duckdb"
    sid = create_study(db, _study_row("demo-sweep-2"))
    for i, (a, b) in enumerate([(1, "x"), (1, "y"), (2, "x")]):  # interrupted: 3 of 4
        add_point(db, sid, i, f"run-{i}", {"a": a, "b": b}, _response(0.2 * (i + 1)))
    res = runner.invoke(app, ["report", sid, "--db", str(db)])
    assert res.exit_code == 0, res.output
    page = (tmp_path / f"{sid}.html").read_text(encoding="utf-8")
    assert "Incomplete study</strong>: 3 of 4 points" in page
    for needle in ('id="response-0"', 'id="response-1"', 'id="heatmap"', "run-2", "a=1,2"):
        assert needle in page
    assert page.count("plotly.js v") == 1  # inlined once
    # an unknown id names the studies too
    res = runner.invoke(app, ["report", "nope", "--db", str(db)])
    assert res.exit_code == 2 and f"studies: {sid}" in _one_error_line(res)


# --- end to end ---


@pytest.mark.slow
def test_sweep_end_to_end(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["sweep", str(tiny), "--set", "doctrine.shots_per_threat=1,2", "--trials", "2"]
    args += ["--executor", "serial", "--out", str(out), "--json", "--no-report"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    db = out / "shieldlab.duckdb"
    sid = d["study_id"]
    assert sid.startswith("rogue-salvo-sweep-") and d["report"] is None
    assert d["parameters"] == ["doctrine.shots_per_threat=1,2"] and d["trials"] == 2
    pts = read_points(db, sid)
    assert [p["params"] for p in pts] == [
        {"doctrine.shots_per_threat": 1},
        {"doctrine.shots_per_threat": 2},
    ]
    assert [p["run_id"] for p in pts] == [p["run_id"] for p in d["points"]]
    for p in pts:
        r = {k: float(p[k]) for k in RESPONSE_COLUMNS}  # type: ignore[arg-type]
        assert 0.0 <= r["p_no_leaker_lo"] <= r["p_no_leaker"] <= r["p_no_leaker_hi"] <= 1.0
        assert r["leakers_lo"] <= r["mean_leakers"] <= r["leakers_hi"]
    assert read_study(db, sid)["status"] == "complete"
    runs = {str(r["run_id"]): r for r in list_runs(db)}
    assert {p["run_id"] for p in pts} == set(runs)
    assert all(r["study_id"] == sid and r["status"] == "complete" for r in runs.values())
    # the stored scenario text reproduces the point
    s1 = shieldlab.runner.stored_scenario(db, str(pts[1]["run_id"])).scenario
    assert s1.doctrine.shots_per_threat == 2 and s1.trials == 2
    # report STUDY writes the study's page
    res = runner.invoke(app, ["report", sid, "--db", str(db), "-o", str(tmp_path / "s.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert sid in page and 'id="response-0"' in page and str(pts[0]["run_id"]) in page


class FakeRunner:
    """Stand-in for :func:`shieldlab.runner.run_to_store`: stores a two-trial run at
    once (point k: k leakers in trial 1), or raises ``KeyboardInterrupt`` at call
    ``interrupt_at``."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.loaded: list[LoadedScenario] = []
        self.interrupt_at = interrupt_at

    def __call__(
        self,
        loaded: LoadedScenario,
        db: Path,
        *,
        study_id: str | None = None,
        progress: Callable[[int], None] | None = None,
        **_: object,
    ) -> object:
        if len(self.loaded) == self.interrupt_at:
            raise KeyboardInterrupt
        k = len(self.loaded)
        self.loaded.append(loaded)
        run_id = f"fake-{k}"
        s = loaded.scenario
        row = {
            "run_id": run_id,
            "created_utc": datetime(2026, 1, 1),
            "scenario_name": s.name,
            "scenario_text": loaded.text,
            "scenario_sha256": loaded.sha256,
            "seed": s.seed,
            "trials": 2,
            "workers": 1,
            "shieldlab_version": "test",
            "epoch_utc": s.epoch_utc,
            "study_id": study_id,
        }
        trials = {
            "trial": np.arange(2),
            "leakers": np.array([0, k]),
            "threats": np.array([2, 2]),
            "killed": np.array([2, 2 - k]),
            "shots": np.array([2, 2]),
            "value_hit": np.array([0.0, float(k)]),
            "cost_usd": np.array([1e8, 1e8]),
            "c2_cut_epochs": np.array([0, 0]),
        }
        write_run(db, row, {"trials": trials})
        if progress:
            progress(2)
        return SimpleNamespace(run_id=run_id)


def test_ctrl_c_keeps_the_points_stored(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRunner(interrupt_at=1)
    monkeypatch.setattr(shieldlab.runner, "run_to_store", fake)
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "sweep",
            str(tiny),
            *"--set doctrine.shots_per_threat=1,2,3 --trials 2".split(),
            *"--executor serial --out".split(),
            str(out),
        ],
    )
    assert res.exit_code == 130, res.output
    assert "interrupted: 1 of 3 points" in res.stderr and "shieldlab report" in res.stderr
    db = out / "shieldlab.duckdb"
    (sid,) = study_ids(db)
    pts = read_points(db, sid)
    assert [p["run_id"] for p in pts] == ["fake-0"] and pts[0]["p_no_leaker"] == 1.0
    assert read_study(db, sid)["status"] == "running"


def test_lhs_sweep_table_and_study_row(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeRunner()
    monkeypatch.setattr(shieldlab.runner, "run_to_store", fake)
    out = tmp_path / "out"
    sets = [
        "--set",
        "interceptor_sites.0.inventory=10:40",
        "--set",
        "doctrine.shots_per_threat=1,2",
    ]
    res = runner.invoke(
        app,
        [
            "sweep",
            str(tiny),
            *sets,
            *"--design lhs --samples 3 --seed 5 --trials 2".split(),
            *"--executor serial --out".split(),
            str(out),
        ],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    db = out / "shieldlab.duckdb"
    (sid,) = study_ids(db)
    study = read_study(db, sid)
    assert (study["design"], study["samples"], study["seed"], study["trials"]) == ("lhs", 3, 5, 2)
    assert study["status"] == "complete"
    pts = read_points(db, sid)
    assert len(pts) == 3 == len(fake.loaded)
    for p, loaded in zip(pts, fake.loaded, strict=True):
        inventory = p["params"]["interceptor_sites.0.inventory"]  # type: ignore[index]
        assert isinstance(inventory, int) and 10 <= inventory <= 40
        assert loaded.scenario.interceptor_sites[0].inventory == inventory
        assert loaded.scenario.seed == 5
    lines = res.stdout.splitlines()
    table = lines[: next(i for i, ln in enumerate(lines) if ln.startswith("study "))]
    assert max(len(ln) for ln in table) <= 80  # the paths after it are never wrapped
    assert any("P(no leak)" in ln for ln in lines) and f"study {sid}" in res.stdout
    assert (out / f"{sid}.html").is_file()


@pytest.mark.parametrize("n_params", [1, 2, 3])
def test_response_table_fits_80_columns_without_folding_numbers(n_params: int) -> None:
    from rich.console import Console

    from shieldlab.cli_sweep import response_table

    paths = [
        "doctrine.shots_per_threat",
        "interceptor_sites.0.inventory",
        "sensors.2.boresight_azimuth_deg",
    ][:n_params]
    rows = [
        {"point": i, "params": dict.fromkeys(paths, 300.5)}
        | _response(0.33)
        | {"mean_leakers": 0.67, "leakers_hi": 2.1, "mean_cost_usd": 555e6, "cost_hi": 1965e6}
        for i in range(3)
    ]
    console = Console(width=80, record=True)
    console.print(response_table("rogue-salvo", "rogue-salvo-sweep-1", paths, rows, 80))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    body = [line for line in text.splitlines() if line.startswith(("0 ", "1 ", "2 "))]
    assert len(body) == 3  # one line per point
    for line in body:
        assert line.split()[-1] in ("555", "555±1,410"), line
        assert "0.33" in line and "0.17–1.00" in line


# --- resume ---


def _sweep(tiny: Path, out: Path, *extra: str) -> object:
    args = ["sweep", str(tiny), "--set", "doctrine.shots_per_threat=1,2", "--trials", "4"]
    args += ["--executor", "serial", "--out", str(out), "--json", "--no-report", *extra]
    return runner.invoke(app, args)


def _study_rows(db: Path, sid: str) -> list[tuple[dict[str, object], dict[str, np.ndarray]]]:
    """Each point's responses (without its run id) and its run's stored trials table."""
    from shieldlab.store import read_table

    rows = []
    for p in read_points(db, sid):
        resp = {k: v for k, v in p.items() if k != "run_id"}
        rows.append((resp, read_table(db, "trials", str(p["run_id"]))))
    return rows


@pytest.mark.slow
def test_interrupted_sweep_resumes_to_the_uninterrupted_study(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut twice — inside point 1's run (2 of its 4 trials committed), then between
    its last trial and its point row — and resumed: the study's points and the runs'
    trials are those of an uninterrupted sweep, each trial stored once."""
    import shieldlab.store.study as study_store
    from shieldlab.store import committed_trials

    res = _sweep(tiny, tmp_path / "whole")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    whole_db = tmp_path / "whole" / "shieldlab.duckdb"
    (whole_sid,) = study_ids(whole_db)

    out = tmp_path / "cut"
    db = out / "shieldlab.duckdb"
    real_commit = shieldlab.runner._commit
    commits: list[int] = []

    def commit_then_cut(*a: object) -> None:
        real_commit(*a)  # type: ignore[arg-type]
        commits.append(1)
        if len(commits) == 6:  # point 0: 4 one-trial chunks; point 1: 2 of 4
            raise KeyboardInterrupt

    monkeypatch.setattr(shieldlab.runner, "_commit", commit_then_cut)
    res = _sweep(tiny, out)
    assert res.exit_code == 130, res.output  # type: ignore[attr-defined]
    (sid,) = study_ids(db)
    assert sid == whole_sid  # the same command names the same study
    err_text = res.stderr  # type: ignore[attr-defined]
    assert "interrupted: 1 of 2 points" in err_text and f"--resume {sid}" in err_text
    cut_run = next(str(r["run_id"]) for r in list_runs(db) if r["status"] == "running")
    assert committed_trials(db, cut_run).tolist() == [0, 1]
    monkeypatch.setattr(shieldlab.runner, "_commit", real_commit)

    real_add = study_store.add_point

    def cut_before_row(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(study_store, "add_point", cut_before_row)
    res = _sweep(tiny, out, "--resume", sid)
    assert res.exit_code == 130, res.output  # type: ignore[attr-defined]
    assert [r["status"] for r in list_runs(db)] == ["complete", "complete"]
    assert len(read_points(db, sid)) == 1
    monkeypatch.setattr(study_store, "add_point", real_add)

    res = _sweep(tiny, out, "--resume", sid)
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert json.loads(res.stdout)["study_id"] == sid  # type: ignore[attr-defined]
    assert read_study(db, sid)["status"] == "complete"
    assert len(list_runs(db)) == 2  # the cut run was finished, not run again
    assert next(p["run_id"] for p in read_points(db, sid) if p["point"] == 1) == cut_run
    got, want = _study_rows(db, sid), _study_rows(whole_db, whole_sid)
    assert len(got) == len(want) == 2
    for (resp, trials), (resp_w, trials_w) in zip(got, want, strict=True):
        assert resp == resp_w
        assert trials.keys() == trials_w.keys()
        for name, col in trials.items():
            np.testing.assert_array_equal(col, trials_w[name], err_msg=name)


def test_resume_refuses_another_command(tiny: Path, tmp_path: Path) -> None:
    from shieldlab.scenario import load_scenario

    db = tmp_path / "shieldlab.duckdb"
    row = {
        "created_utc": datetime(2026, 1, 1, tzinfo=UTC),
        "scenario_name": "rogue-salvo",
        "scenario_sha256": load_scenario(tiny).sha256,
        "design": "grid",
        "parameters": ["doctrine.shots_per_threat=1,2"],
        "samples": None,
        "trials": 3,
        "seed": 20250127,
        "shieldlab_version": "test",
    }
    create_study(db, row | {"study_id": "other-file", "scenario_sha256": "0" * 64})
    create_study(db, row | {"study_id": "three-trials"})
    create_study(db, row | {"study_id": "other-seed", "trials": 4, "seed": 1})
    for out, extra, needle in [
        (tmp_path / "none", ["--resume", "x"], "--resume: " + str(tmp_path / "none")),
        (tmp_path, ["--resume", "nope"], "--resume: no study 'nope'"),
        (tmp_path, ["--resume", "other-file"], "SCENARIO is not the scenario study"),
        (tmp_path, ["--resume", "three-trials"], "ran --trials 3, this command gives 4"),
        (tmp_path, ["--resume", "other-seed"], "ran --seed 1, this command gives 20250127"),
    ]:
        res = _sweep(tiny, out, *extra)
        assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
        assert needle in _one_error_line(res)
    assert not (tmp_path / "none").exists()
