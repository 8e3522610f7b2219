"""`shieldlab cost` as a user meets it, and `run` / `marginal` with `--architecture`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
CBO = ROOT / "architectures" / "cbo-2026.yaml"
runner = CliRunner()


def test_cost_table_fits_80_columns() -> None:
    res = runner.invoke(app, ["cost", str(CBO), "--samples", "50"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    for needle in (
        "life-cycle cost",
        "by layer",
        "boost",
        "fielding",
        "spending by fiscal",
        "tornado",
    ):
        assert needle in res.stdout
    assert "P10 / P50 / P90 (50 samples)" in res.stdout
    assert max(len(ln) for ln in res.stdout.splitlines()) <= 80
    assert "…" not in res.stdout  # nothing cut


def test_cost_json_keys() -> None:
    res = runner.invoke(app, ["cost", str(CBO), "--json", "--samples", "20", "--seed", "2"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    for key in ("total_usd", "acquisition_usd", "operations_usd", "p10_usd", "p50_usd", "p90_usd"):
        assert isinstance(d[key], float)
    assert set(d["by_layer"]) >= {"boost", "midcourse", "underlayer", "terminal", "space-ir", "c2"}
    for row in d["by_layer"].values():
        assert {"total_usd", "acquisition_usd", "operations_usd", "quantity"} <= set(row)
    assert [r["fiscal_year"] for r in d["by_fiscal_year"]] == list(range(2026, 2046))
    assert {"fiscal_year", "layer", "fielded"} <= set(d["schedule"][0])
    assert d["by_layer"]["boost"]["quantity"] == 7800
    # --years and --dollars-fy re-run the study
    res2 = runner.invoke(app, ["cost", str(CBO), "--json", "--years", "10", "--dollars-fy", "2030"])
    d2 = json.loads(res2.stdout)
    assert d2["horizon_years"] == 10 and d2["dollars_fy"] == 2030
    assert len(d2["by_fiscal_year"]) == 10


def test_cost_html_page(tmp_path: Path) -> None:
    page = tmp_path / "cost.html"
    res = runner.invoke(app, ["cost", str(CBO), "--samples", "30", "-o", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text()
    for div in ("spending", "fielding", "scurve", "tornado"):
        assert f'id="{div}"' in html
    assert "plotly" in html and 'src="http' not in html  # self-contained


def test_cost_budget_cap_reports_slips() -> None:
    res = runner.invoke(app, ["cost", str(CBO), "--json", "--budget-cap-usd", "60e9"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert max(r["usd"] for r in d["by_fiscal_year"]) <= 60e9 * (1 + 1e-9)
    slips = [e["slip_years"] for e in d["elements"] if e["slip_years"]]
    assert slips and min(slips) > 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--budget-cap-usd", "1e9"], "--budget-cap-usd: 1,000,000,000 is below the fixed costs"),
        (["--budget-cap-usd", "-5"], "--budget-cap-usd: expected a number of dollars > 0"),
        (["--years", "2"], "elements.0.start_fy: 2029 is outside the study FY2026–FY2027"),
        (["--samples", "-1"], "--samples: expected an integer 0..20000"),
        (["--launch", "balloon"], "unknown launch price 'balloon'"),
        (["--production", "max"], "--production: expected current or surge"),
    ],
)
def test_cost_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    page = tmp_path / "cost.html"
    res = runner.invoke(app, ["cost", str(CBO), *args, "-o", str(page)])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert not page.exists()


def test_cost_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CBO.read_text().replace("quantity: 7800", "quantity: -7800"))
    res = runner.invoke(app, ["cost", str(bad)])
    assert res.exit_code == 2
    assert "elements.0.quantity: Input should be greater than or equal to 0" in res.stderr
    res = runner.invoke(app, ["cost", str(tmp_path / "none.yaml")])
    assert res.exit_code == 2 and "file not found" in res.stderr


def _small(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        (ROOT / "scenarios" / "rogue-salvo.yaml")
        .read_text()
        .replace("count: 10", "count: 2")
        .replace("trials: 100", "trials: 2")
    )
    arch = tmp_path / "arch.yaml"
    arch.write_text(
        (ROOT / "architectures" / "rogue-salvo.yaml")
        .read_text()
        .replace("../scenarios/rogue-salvo.yaml", "small.yaml")
        .replace("  - {label: forward X-band", "  # - {label: forward X-band")
        .replace("  - {label: UEWRs", "  # - {label: UEWRs")
    )
    return scenario, arch


def test_marginal_and_run_report_the_life_cycle_cost(tmp_path: Path) -> None:
    scenario, arch = _small(tmp_path)
    cost = json.loads(runner.invoke(app, ["cost", str(arch), "--json"]).stdout)
    res = runner.invoke(
        app,
        [
            "marginal",
            str(scenario),
            "--workers",
            "1",
            "--layer",
            "midcourse",
            "--architecture",
            str(arch),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["life_cycle_cost"]["total_usd"] == pytest.approx(cost["total_usd"])
    base, off = d["runs"]
    assert base["life_cycle_cost_usd"] == pytest.approx(cost["total_usd"])
    assert off["life_cycle_cost_usd"] == pytest.approx(cost["by_layer"]["midcourse"]["total_usd"])
    # the radars are simulated but (here) not priced: said on stderr
    # (rich wraps the warning at the console width: compare its words)
    assert "prices no ground-radar layer that the scenario simulates" in " ".join(
        res.stderr.split()
    )
    res = runner.invoke(
        app,
        [
            "run",
            str(scenario),
            "--workers",
            "1",
            "--out",
            str(tmp_path / "out"),
            "--no-report",
            "--architecture",
            str(arch),
        ],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    assert f"{cost['total_usd'] / 1e9:,.1f} G$ (FY2026 $)" in res.stdout


def test_cost_supply_chain_and_outage() -> None:
    res = runner.invoke(
        app,
        ["cost", str(CBO), "--json", "--supply-outage", "solid-rocket-motors:12@2029"],
    )
    assert res.exit_code == 0, res.output
    sc = json.loads(res.stdout)["supply_chain"]
    rows = {r["component"]: r for r in sc["components"]}
    # CBO's 3,900 SBIs a year need more motors and launch than the assumed capacity
    assert 2029 in rows["solid-rocket-motors"]["shortfall_years"]
    assert 2029 in rows["launch-to-leo"]["shortfall_years"]
    assert "ammonium-perchlorate" in sc["single_source_layers"]["boost"]
    moved = {r["element"]: r["slip_years"] for r in sc["outage"]["elements"]}
    assert moved["SBI constellation"] >= 1
    table = runner.invoke(app, ["cost", str(CBO)], env={"COLUMNS": "80"})
    assert "supply chain" in table.stdout and "1 (sole)" in table.stdout


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("tungsten:3", "unknown component 'tungsten'"),
        ("gallium", "expected COMPONENT:MONTHS"),
        ("gallium:0", "MONTHS must be 1..120"),
        ("gallium:x", "expected COMPONENT:MONTHS or COMPONENT:MONTHS@FY"),
        ("gallium:3@2090", "outage year FY2090 is outside FY2026–FY2045"),
    ],
)
def test_cost_bad_supply_outage(spec: str, needle: str) -> None:
    res = runner.invoke(app, ["cost", str(CBO), "--supply-outage", spec])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], res.stderr


def test_warn_unpriced_uses_the_split_layer_names(capsys: pytest.CaptureFixture[str]) -> None:
    """Lasers, microwaves and EW/cyber are priced and simulated as three layers; the
    GEO/HEO warning sensors (``space-warning``) apart from the LEO tracking layer."""
    from shieldlab.cli_cost import warn_unpriced

    lcc = {"file": "a.yaml", "by_layer_usd": dict.fromkeys(("laser", "space-ir", "c2"), 1.0)}
    warn_unpriced(lcc, ["space-warning", "laser", "microwave"], None)
    stderr = " ".join(capsys.readouterr().err.split())  # unwrapped
    assert "prices no microwave, space-warning layer that the scenario simulates" in stderr
    assert "prices layers the scenario does not simulate: space-ir" in stderr


def test_layered_defense_architecture_prices_what_the_scenario_simulates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The shipped pair agrees layer by layer: only the layers the file says it cannot
    price (airborne radar, left-of-launch, EW/cyber) are reported, nothing the other way."""
    from shieldlab.cli_cost import life_cycle_of, warn_unpriced
    from shieldlab.scenario import load_scenario
    from shieldlab.sim.marginal import present_layers
    from shieldlab.sim.world import build_world

    loaded = load_scenario(ROOT / "scenarios" / "layered-defense.yaml")
    lcc = life_cycle_of(ROOT / "architectures" / "layered-defense.yaml")
    assert lcc is not None and {"laser", "space-ir", "space-warning"} <= set(lcc["by_layer_usd"])
    warn_unpriced(lcc, present_layers(build_world(loaded)), loaded.scenario)
    stderr = " ".join(capsys.readouterr().err.split())  # unwrapped
    assert stderr.count("warning:") == 1, stderr
    assert "prices no airborne-radar, ew-cyber, left-of-launch layer" in stderr
