"""Fuzzed inputs through the ``shieldlab`` command (hypothesis; strategies in ``fuzz_inputs``).

Every command, whatever its files and options: no traceback; exit 0 for good
input; exit 2 with exactly one non-empty stderr line naming the problem (and
nothing on stdout) for bad input; and no partial result (``run`` adds no run to
the DuckDB store, ``cost -o`` and ``fly --csv`` write no file) when it fails.

The defaults keep this file near a minute on one core, in a fixed (derandomised)
order; ``SHIELDLAB_FUZZ_EXAMPLES=N`` runs N random examples per test (``make fuzz``).
"""

from __future__ import annotations

import json
import tempfile
import time
import traceback
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, event, given, settings, strategies as st
from hypothesis.control import currently_in_test_context
from typer.testing import CliRunner

from fuzz_inputs import (
    COMMON,
    ODD_NUMBERS,
    Blob,
    alias_bomb,
    epoch_text,
    examples,
    latlon_text,
    option_text,
    yaml_inputs,
)
from shieldlab.cli import app
from shieldlab.store import list_runs
from shieldlab.threats import flyable_threats

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
ARCHITECTURES = sorted((ROOT / "architectures").glob("*.yaml"))
runner = CliRunner()


def _doc(path: Path) -> Any:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("scenario"), str):
        # an architecture's scenario is relative to it: keep it found from a temporary file
        data["scenario"] = str((path.parent / data["scenario"]).resolve())
    return data


SCENARIO_DOCS = [_doc(p) for p in SCENARIOS]
ARCHITECTURE_DOCS = [_doc(p) for p in ARCHITECTURES]
TINY = (
    (ROOT / "scenarios" / "rogue-salvo.yaml")
    .read_text(encoding="utf-8")
    .replace("count: 10", "count: 1", 1)
    .replace("trials: 100", "trials: 1", 1)
)
"""The flagship with one missile and one trial: a valid scenario that runs in seconds."""
TINY_DOC = yaml.safe_load(TINY)


def invoke(args: list[str], *, named: str | None = None) -> Any:
    """Run the command; check the contract every outcome keeps (see the module doc).

    ``named``: text the error line must contain when the command fails (the file)."""
    res = runner.invoke(app, args)
    if currently_in_test_context():
        event(f"exit {res.exit_code}")  # shown by --hypothesis-show-statistics
    where = f"shieldlab {' '.join(args)!r}"
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(res.exception))
        pytest.fail(f"{where}: raised {type(res.exception).__name__}\n{tb}")
    assert "Traceback" not in res.output, f"{where}: traceback in output\n{res.output}"
    assert res.exit_code in (0, 2), f"{where}: exit {res.exit_code}\n{res.output}"
    if res.exit_code == 2:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, f"{where}: {len(lines)} stderr lines\n{res.stderr}"
        assert lines[0].startswith("error: ") and len(lines[0]) > len("error: ") + 8, lines[0]
        assert res.stdout == "", f"{where}: failed but printed\n{res.stdout}"
        if named is not None:
            assert named in lines[0], f"{where}: error names no {named!r}: {lines[0]}"
    return res


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


files = st.sampled_from(["file"] * 18 + ["dir", "missing"])
"""What the command's file argument is: a file, or now and then a directory or nothing."""


def _input(tmp: Path, kind: str, blob: Blob, name: str = "input.yaml") -> Path:
    path = tmp / name
    if kind == "file":
        return _write(path, blob.data)
    if kind == "dir":
        path.mkdir()
    return path


# --- validate ---


@settings(max_examples=examples(150), deadline=None, **COMMON)
@given(data=yaml_inputs(SCENARIO_DOCS), kind=files, as_json=st.booleans())
def test_validate_fuzzed_scenarios(data: Blob, kind: str, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _input(Path(tmp), kind, data)
        res = invoke(["validate", str(path), *(["--json"] if as_json else [])], named=str(path))
        if res.exit_code == 0:
            assert kind == "file"
            if as_json:
                assert json.loads(res.stdout)["valid"] is True
            else:
                assert "valid" in res.stdout


# --- run ---


def _runs(db: Path) -> list[str] | bytes:
    """The run ids in a store (its bytes if it is not a database)."""
    if not db.is_file():
        return []
    if not db.read_bytes().startswith(b"not a"):
        return [str(r["run_id"]) for r in list_runs(db)]
    return db.read_bytes()


@settings(max_examples=examples(5, cap=200), deadline=None, **COMMON)
@given(
    data=yaml_inputs([TINY_DOC]),
    out=st.sampled_from(["new", "new", "existing", "nested", "file", "under-file", "junk-db"]),
    trials=st.sampled_from(["1", "1", "1", "0", "-3", "x"]),
)
def test_run_fuzzed_scenario_stores_whole_run_or_nothing(data: Blob, out: str, trials: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "tiny.yaml", data.data)
        out_dir = Path(tmp) / "out"
        if out == "nested":
            out_dir = out_dir / "a" / "b"
        elif out in ("existing", "junk-db"):
            out_dir.mkdir()
        elif out in ("file", "under-file"):
            out_dir.write_text("not a directory")
            out_dir = out_dir / "run" if out == "under-file" else out_dir
        db = out_dir / "shieldlab.duckdb"
        if out == "junk-db":
            db.write_bytes(b"not a database")
        check = runner.invoke(app, ["validate", str(path), "--json"])
        assume(check.exit_code != 0 or json.loads(check.stdout)["launches"] <= 2)  # stay cheap
        before = _runs(db)
        args = ["run", str(path), "--trials", trials, "--workers", "1", "--no-report"]
        res = invoke([*args, "--out", str(out_dir), "--json"])
        after = _runs(db)
        if res.exit_code == 2:
            assert after == before, "a failed run stored something"
            if out in ("new", "nested", "under-file"):
                assert not out_dir.exists(), "a failed run created --out"
        else:
            assert out in ("new", "existing", "nested")
            assert after == [*before, json.loads(res.stdout)["run_id"]]


def test_run_tiny_scenario_adds_one_run(tmp_path: Path) -> None:
    path = _write(tmp_path / "tiny.yaml", TINY.encode())
    out_dir = tmp_path / "out"
    args = ["run", str(path), "--trials", "1", "--workers", "1", "--no-report", "--json"]
    res = invoke([*args, "--out", str(out_dir)])
    assert res.exit_code == 0, res.output
    assert _runs(out_dir / "shieldlab.duckdb") == [json.loads(res.stdout)["run_id"]]


# --- cost ---

COST_VALUES: dict[str, st.SearchStrategy[str]] = {
    "--years": option_text(st.integers(-5, 80)),
    "--dollars-fy": option_text(st.integers(1990, 2110)),
    "--budget-cap-usd": option_text(st.floats(-1e9, 1e12)),
    "--samples": option_text(st.integers(-2, 30)),
    "--seed": option_text(st.integers(-2, 2**64)),
    "--launch": st.sampled_from(["heavy-lift-2026", "nope", "", "[bold]"]),
    "--launch-price-usd-per-kg": option_text(st.floats(-10, 1e5)),
    "--production": st.sampled_from(["current", "surge", "slow", ""]),
    "--supply-outage": st.one_of(
        st.tuples(
            st.sampled_from(["solid-rocket-motors", "gallium", "launch-to-leo", "unobtainium"]),
            option_text(st.integers(-1, 120)),
            st.sampled_from(["", "@2030", "@1900", "@x", "@2030@2031"]),
        ).map(lambda t: f"{t[0]}:{t[1]}{t[2]}"),
        st.sampled_from(["", ":", "gallium", "gallium:", ":6", "a:b:c"]),
    ),
}
cost_options = st.lists(st.sampled_from(sorted(COST_VALUES)), max_size=2, unique=True).flatmap(
    lambda chosen: st.fixed_dictionaries({k: COST_VALUES[k] for k in chosen})
)
"""Up to two options of ``shieldlab cost`` (values mostly in range, some junk)."""


@settings(max_examples=examples(80), deadline=None, **COMMON)
@given(
    data=yaml_inputs(ARCHITECTURE_DOCS),
    kind=files,
    options=cost_options,
    as_json=st.booleans(),
    output=st.sampled_from([None, None, "page.html", "new/dir/page.html", "file/page.html"]),
)
def test_cost_fuzzed_architectures(
    data: Blob, kind: str, options: dict[str, str], as_json: bool, output: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _input(Path(tmp), kind, data)
        (Path(tmp) / "file").write_text("a file, not a directory")
        samples = options.get("--samples", "0")
        if samples.strip().lstrip("-").isdigit() and int(samples) > 30:
            options = {**options, "--samples": "30"}  # keep valid runs cheap
        args = ["cost", str(path), *[x for kv in options.items() for x in kv]]
        page = Path(tmp) / output if output else None
        args += [*(["--json"] if as_json else []), *(["-o", str(page)] if page else [])]
        before = sorted(p.relative_to(tmp) for p in Path(tmp).rglob("*"))
        res = invoke(args)
        if res.exit_code == 2:
            assert sorted(p.relative_to(tmp) for p in Path(tmp).rglob("*")) == before
        else:
            assert page is None or page.is_file()
            if as_json:
                assert json.loads(res.stdout)["total_usd"] >= 0.0


# --- fly ---

FLY_RANGES = {
    "generic-alcm": (300.0, 2400.0),
    "generic-ascm-supersonic": (80.0, 250.0),
    "generic-fobs": (2500.0, 10000.0),
    "generic-hcm": (300.0, 900.0),
    "generic-hgv": (600.0, 3000.0),
    "generic-irbm": (500.0, 4000.0),
    "generic-lacm": (300.0, 2400.0),
    "generic-liquid-icbm": (300.0, 12000.0),
    "generic-mirv-icbm": (300.0, 12000.0),
    "generic-mrbm": (300.0, 1500.0),
    "generic-owa-drone": (50.0, 1700.0),
    "generic-slbm": (300.0, 7000.0),
    "generic-solid-icbm": (300.0, 12000.0),
    "generic-srbm-liquid": (100.0, 300.0),
    "generic-srbm-solid": (100.0, 300.0),
}
"""Ground ranges [km] each catalog threat mostly flies (good command lines use them)."""


FLY_OPTION_KEYS = [
    "shape",
    "branch",
    "gamma_offset_deg",
    "burnout_gamma_deg",
    "long_way",
    "payload_mass_kg",
    "seed",
    "footprint_scale",
    "deorbit_dv_mps",
    "manoeuvres",
    "weave_bank_deg",
    "weave_period_s",
    "dive_range_km",
    "kick_deg",
    "cruise_alt_km",
    "cruise_mach",
    "azimuth_deg",
    "route",
    "via",
    "dt_s",
    "epoch",
    "spec",
    "warp",
]
"""``-o`` keys: the flight models' own, arguments of the model functions, and unknown ones."""
fly_option = st.tuples(
    st.sampled_from(FLY_OPTION_KEYS),
    st.one_of(
        st.sampled_from(["depressed", "lofted", "minimum-energy", "true", "[1, 2]", "{a: 1}"]),
        st.sampled_from(["[[0, 1, .nan]]", "[[0.2, 0.5, 30]]", "[[1, 0, 3]]", "[a]", "[[]]"]),
        st.sampled_from(ODD_NUMBERS).map(str),
        st.sampled_from([alias_bomb(8, 9), "[" * 600 + "]" * 600, "&a [*a]", "*x", "'"]),
        st.text(max_size=6),
    ),
).map(lambda kv: f"{kv[0]}={kv[1]}")
"""One ``-o KEY=VALUE`` of ``fly`` (any key, odd values)."""
FLY_FAULTS: dict[str, st.SearchStrategy[list[str]]] = {
    "THREAT": st.sampled_from(["generic-nothing", "", "[/]", "generic-solid-icbm\n"]).map(
        lambda t: [t]
    ),
    "--range-km": option_text(st.floats(-1e9, 1e9)).map(lambda r: ["--range-km", r]),
    "--target": latlon_text.map(lambda t: ["--target", t]),
    "--launch": latlon_text.map(lambda t: ["--launch", t]),
    "--azimuth-deg": option_text(st.floats(-720, 720)).map(lambda a: ["--azimuth-deg", a]),
    "--option": fly_option.map(lambda o: ["-o", o]),
    "--epoch": epoch_text.map(lambda e: ["--epoch", e]),
    "--sample-s": option_text(st.floats(-1, 1e6)).map(lambda x: ["--sample-s", x]),
    "--csv": st.sampled_from(["new/dir/t.csv", "file/t.csv", "."]).map(lambda x: ["--csv", x]),
    "aim": st.sampled_from([[], ["--range-km", "1000", "--target", "47.6,-122.3"]]),
}
"""Faults put into a good ``fly`` command line: each replaces the option it names."""


@st.composite
def fly_command(draw: st.DrawFn) -> dict[str, list[str]]:
    """A ``fly`` command line as option -> words: good (a catalog threat, a range or an aim
    point, a launch point, an epoch), then up to two faults (half the examples have none)."""
    lat, lon = st.floats(-89.0, 89.0), st.floats(-180.0, 359.0)
    threat = draw(st.sampled_from(flyable_threats()))
    words: dict[str, list[str]] = {"THREAT": [threat]}
    if draw(st.sampled_from([True, True, True, False])):
        lo, hi = FLY_RANGES.get(threat, (300.0, 3000.0))
        words["aim"] = ["--range-km", str(draw(st.floats(lo, hi)))]
        if draw(st.booleans()):
            words["--azimuth-deg"] = ["--azimuth-deg", str(draw(st.floats(0.0, 359.9)))]
    else:
        words["aim"] = ["--target", f"{draw(lat)},{draw(lon)}"]
    if draw(st.booleans()):
        words["--launch"] = ["--launch", f"{draw(lat)},{draw(lon)}"]
    if draw(st.booleans()):
        when = draw(st.datetimes(datetime(1960, 1, 1), datetime(2090, 1, 1)))
        words["--epoch"] = ["--epoch", when.isoformat() + "Z"]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        name = draw(st.sampled_from(sorted(FLY_FAULTS)))
        if name == "--option":  # -o adds up; every other fault replaces its option
            words[name] = [*words.get(name, []), *draw(FLY_FAULTS[name])]
        else:
            words[name] = draw(FLY_FAULTS[name])
    return words


@settings(max_examples=examples(15, cap=500), deadline=None, **COMMON)
@given(words=fly_command(), as_json=st.booleans())
def test_fly_fuzzed_command_lines(words: dict[str, list[str]], as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "file").write_text("a file, not a directory")
        csv = words.pop("--csv", ["--csv", "t.csv"])
        path = Path(tmp) / csv[1]
        args = ["fly", *words.pop("THREAT"), *[w for ws in words.values() for w in ws]]
        args += ["--csv", str(path), *(["--json"] if as_json else [])]
        before = sorted(p.relative_to(tmp) for p in Path(tmp).rglob("*"))
        res = invoke(args)
        if res.exit_code == 2:
            assert sorted(p.relative_to(tmp) for p in Path(tmp).rglob("*")) == before
        else:
            assert path.is_file() and path.read_text().startswith("name,object,t_s")
            if as_json:
                assert json.loads(res.stdout)["threat"] == args[1]


# --- wta solve ---


@st.composite
def wta_instances(draw: st.DrawFn) -> Blob:
    """An instance file (``W T mu``, T values, W*T ``w t p`` lines), perhaps corrupted."""
    w, t = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    mu = draw(st.integers(0, 3))
    lines = [f"{w} {t} {mu}"]
    value = st.one_of(st.floats(0, 100), st.floats(0, 100), st.sampled_from([1e308, 5e-324]))
    lines += [repr(draw(value)) for _ in range(t)]
    lines += [f"{i} {j} {draw(st.floats(0, 1))!r}" for i in range(w) for j in range(t)]
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        op = draw(st.sampled_from(["token", "token", "drop", "dup", "line", "head", "head"]))
        k = draw(st.integers(0, len(lines) - 1))
        if op == "token":
            parts = lines[k].split() or [""]
            parts[draw(st.integers(0, len(parts) - 1))] = draw(
                st.one_of(
                    st.sampled_from(ODD_NUMBERS).map(str),
                    st.sampled_from(["nan", "-inf", "1e400", "abc", "", "1_0", "0x1", "9" * 30]),
                    st.text(max_size=4),
                )
            )
            lines[k] = " ".join(parts)
        elif op == "drop" and len(lines) > 1:
            del lines[k]
        elif op == "dup":
            lines.insert(k, lines[k])
        elif op == "line":
            lines.insert(k, draw(st.text(max_size=10)))
        elif op == "head":
            lines[0] = draw(
                st.sampled_from(
                    [
                        "1 10000000000 1",
                        "10000000000 1 1",
                        f"{w} {t} {2**70}",
                        f"{w} {t} 1000000000000",
                        f"{w} {t}",
                        "0 0 0",
                        f"{w} {t} -1",
                    ]
                )
            )
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 9)) == 0:
        return Blob(draw(st.binary(max_size=40)))
    return Blob(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=examples(100), deadline=None, **COMMON)
@given(
    data=wta_instances(),
    kind=files,
    method=st.sampled_from(["auto", "mmr", "milp", "auto", "mmr", "milp", "greedy"]),
    limit=st.one_of(
        st.sampled_from(["0.5", "0.2"]),
        st.sampled_from(["0.5", "0.2"]),
        option_text(st.floats(-1, 2)).filter(lambda s: s),
    ),
    as_json=st.booleans(),
)
def test_wta_solve_fuzzed_instances(
    data: Blob, kind: str, method: str, limit: str, as_json: bool
) -> None:
    try:
        cap = float(limit)
    except ValueError:
        cap = 0.0
    if cap > 2.0:
        limit = "0.5"  # a valid limit stays short
    with tempfile.TemporaryDirectory() as tmp:
        path = _input(Path(tmp), kind, data, "instance.txt")
        args = ["wta", "solve", str(path), "--method", method, "--time-limit", limit]
        t0 = time.perf_counter()
        res = invoke([*args, *(["--json"] if as_json else [])])
        assert time.perf_counter() - t0 < 30.0, "wta solve ran far past its time limit"
        if res.exit_code == 0 and as_json:
            assert json.loads(res.stdout)["objective"] >= 0.0


# --- regression tests: one per bug the fuzzing found ---


def _fails_with(args: list[str], *needles: str) -> str:
    res = invoke(args)
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    for needle in needles:
        assert needle in line, line
    return line


def test_validate_key_with_a_line_break_prints_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.yaml", TINY.replace("seed:", '"bad\\nkey": 1\nseed:').encode())
    line = _fails_with(["validate", str(path)], str(path), "unknown field 'bad\\nkey'")
    assert "\n" not in line


def test_validate_rich_markup_in_a_key_is_printed_as_is(tmp_path: Path) -> None:
    # a key "[/]" made Rich raise MarkupError (a traceback); "[bold]x" lost its text
    for key in ("[/]", "[bold]x"):
        path = _write(tmp_path / "s.yaml", TINY.replace("seed:", f'"{key}": 1\nseed:').encode())
        _fails_with(["validate", str(path)], f"unknown field '{key}'")


def test_validate_deep_nesting_is_refused(tmp_path: Path) -> None:
    # 500 levels ran PyYAML into RecursionError (a traceback)
    for text in (
        "assets: " + "[" * 5000 + "]" * 5000,
        "assets:\n" + "".join(" " * i + "a:\n" for i in range(1, 1000)),
    ):
        path = _write(tmp_path / "deep.yaml", text.encode())
        _fails_with(["validate", str(path)], "nested deeper than 64 levels")


def _peak_mb(args: list[str], *needles: str) -> float:
    """Peak Python memory [MB] of a refused command, measured on its second call (the
    first one imports what the command needs). Memory, not time: the same on a busy
    machine or a fresh checkout, and an expanded alias bomb takes gigabytes."""
    _fails_with(args, *needles)
    tracemalloc.start()
    try:
        _fails_with(args, *needles)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_validate_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    path = _write(tmp_path / "bomb.yaml", f"assets: {alias_bomb(12, 10)}\n".encode())
    # measured 0.6 MB; expanded, the bomb holds 10^12 items
    assert _peak_mb(["validate", str(path)], str(path), "alias bomb") < 64.0


def test_validate_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "loop.yaml", TINY.replace("sensors:", "loop: &a [*a]\nsensors:").encode()
    )
    _fails_with(["validate", str(path)], "alias *a refers to the value it is in")


@pytest.mark.parametrize(
    ("value", "needle"),
    [("2026-02-30", "day is out of range"), ("!!int abc", "cannot read 'abc'")],
)
def test_validate_unreadable_tagged_value_is_refused(
    tmp_path: Path, value: str, needle: str
) -> None:
    # an impossible date or a bad !!int raised ValueError out of PyYAML (a traceback)
    path = _write(tmp_path / "s.yaml", TINY.replace('"2026-07-04T12:00:00Z"', value).encode())
    _fails_with(["validate", str(path)], str(path), "line 11", needle)


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        (("launch_interval_s: 20", "launch_interval_s: .inf"), "threats.0.launch_interval_s"),
        (("first_launch_s: 60", "first_launch_s: 1e9"), "threats.0.first_launch_s"),
        (("count: 1", "count: 10000"), "launches must fall within 86400 s"),
        (("value: 10,", "value: .inf,"), "assets.0.value"),
    ],
)
def test_validate_launch_times_and_values_out_of_range(
    tmp_path: Path, patch: tuple[str, str], needle: str
) -> None:
    # an infinite ripple interval raised RuntimeWarning; a launch 1e9 s after the epoch ran
    # `run` out of memory (24 GB, killed); an infinite asset value gave NaN results
    path = _write(tmp_path / "s.yaml", TINY.replace(*patch, 1).encode())
    if "count" in patch[0]:
        path.write_text(path.read_text().replace("launch_interval_s: 20", "launch_interval_s: 60"))
    _fails_with(["validate", str(path)], needle)


def test_usage_errors_print_one_line() -> None:
    # typer printed usage, a hint and a boxed message (several lines)
    _fails_with(["run", "x.yaml", "--trials", "abc"], "'--trials'", "shieldlab run --help")
    _fails_with(["fly", "generic-solid-icbm", "--range-km", "1000", "--warp"], "--warp")
    _fails_with(["validate", "a.yaml", "b.yaml"], "unexpected extra argument")
    assert runner.invoke(app, []).exit_code == 2  # no command: the help, as before
    assert runner.invoke(app, ["--help"]).exit_code == 0


def test_cost_output_under_a_file_writes_nothing(tmp_path: Path) -> None:
    # -o FILE/page.html raised FileExistsError after the study was priced
    (tmp_path / "file").write_text("x")
    arch = str(ROOT / "architectures" / "rogue-salvo.yaml")
    _fails_with(["cost", arch, "-o", str(tmp_path / "file" / "page.html")], "is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_fly_csv_under_a_file_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    args = ["fly", "generic-srbm-solid", "--range-km", "200", "--csv"]
    _fails_with([*args, str(tmp_path / "file" / "t.csv")], "--csv", "is a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["payload_mass_kg=.nan"], "payload_mass_kg must be in (0, 20000] kg"),
        (["payload_mass_kg=-5"], "payload_mass_kg must be in (0, 20000] kg"),
        (["manoeuvres=[[0, 1, .nan]]"], "|bank_deg| <= 90"),
        (["weave_bank_deg=.nan", "weave_period_s=100"], "weave_bank_deg must be within"),
    ],
)
def test_fly_nan_options_are_refused(options: list[str], needle: str) -> None:
    # NaN passed the bound checks and raised RuntimeWarning (a traceback) in the flight
    threat = "generic-solid-icbm" if "payload" in options[0] else "generic-hgv"
    args = ["fly", threat, "--range-km", "1600", *[w for o in options for w in ("-o", o)]]
    _fails_with(args, needle)


def test_fly_option_alias_bomb_is_refused_quickly() -> None:
    # the expanded value was repr'd (20 s and GBs for 9^8 items) before being refused;
    # measured 0.7 MB
    args = ["fly", "generic-solid-icbm", "--range-km", "6000", "-o", f"shape={alias_bomb(9, 9)}"]
    assert _peak_mb(args, "--option shape") < 64.0


def test_run_junk_store_fails_before_flying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a --out holding a shieldlab.duckdb that is not a database (or a folder, or under a file)
    # raised duckdb.IOException after the whole Monte Carlo: the store is now checked before
    # the raid is flown, so flying it fails the test (not a clock, which a busy machine fools)
    import shieldlab.sim.world

    def no_flight(*_: object, **__: object) -> None:
        raise AssertionError("the raid was flown before the store was checked")

    monkeypatch.setattr(shieldlab.sim.world, "build_world", no_flight)
    path = _write(tmp_path / "tiny.yaml", TINY.encode())
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "shieldlab.duckdb").write_bytes(b"not a database")
    (tmp_path / "dir" / "shieldlab.duckdb").mkdir(parents=True)
    (tmp_path / "file").write_text("x")
    for out, needle in (
        ("junk", "is not a shieldlab results database"),
        ("dir", "is not a shieldlab results database"),
        ("file/out", "exists and is not a directory"),
    ):
        _fails_with(["run", str(path), "--out", str(tmp_path / out)], "--out", needle)
    _fails_with(["report", "--db", str(tmp_path / "junk" / "shieldlab.duckdb")], "--db")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (f"1 1 {2**70}\n5\n0 0 0.5\n", "0 <= mu <= 1000000000"),
        ("1 10000000000000 1\n5\n0 0 0.5\n", ":3: expected the value of target 1"),
        ("1 2 0\n1.7e308\n1.7e308\n0 0 0.5\n0 1 0.5\n", "expected a sum <= 1e+300"),
    ],
)
def test_wta_instance_out_of_range_is_refused(tmp_path: Path, text: str, needle: str) -> None:
    # mu > int64 raised OverflowError; T = 1e13 tried to allocate 73 TiB (MemoryError);
    # values summing past 1.8e308 raised RuntimeWarning (overflow) in the solver
    path = _write(tmp_path / "w.txt", text.encode())
    _fails_with(["wta", "solve", str(path), "--time-limit", "0.5"], str(path), needle)


@pytest.mark.parametrize(
    "epoch", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "1899-06-01"]
)
def test_epoch_out_of_range_is_refused(tmp_path: Path, epoch: str) -> None:
    # an offset past year 1 or 9999 raised OverflowError in parse_epoch (validate, fly); a
    # flight ending after 9999-12-31 raised OverflowError writing CZML
    path = _write(tmp_path / "s.yaml", TINY.replace("2026-07-04T12:00:00Z", epoch).encode())
    _fails_with(["validate", str(path)], "epoch_utc", "outside the years 1900–2100")
    args = ["fly", "generic-srbm-solid", "--range-km", "200", "--epoch", epoch]
    _fails_with([*args, "--czml", str(tmp_path / "t.czml")], "--epoch", "1900–2100")
    assert not (tmp_path / "t.czml").exists()


def test_fly_hgv_aim_on_its_launch_point_is_refused() -> None:
    # a zero ground range made the glide guidance divide by zero (RuntimeWarning, a traceback)
    args = ["fly", "generic-hgv", "--target", "0.1,308.5", "--launch", "0.1,308.5"]
    _fails_with(args, "target at 0 km is inside the minimum range of generic-hgv")
