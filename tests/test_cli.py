"""The command line: outputs, files and exit codes."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import ScenarioError
from adoptsim.scenario import validate_scenario
from tests.conftest import SCENARIOS, small_scenario

runner = CliRunner()

SMALL_YAML = """
name: tiny
weeks: 12
runs: 3
seed: 4
organization: {generate: {employees: 150, departments: [Sales, Engineering]}}
strategies:
  - {type: senior_sponsor, start: 2, end: 8}
"""


def test_run_writes_every_output(tmp_path):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(SMALL_YAML)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(scen), "--runs", "3", "--seed", "7", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "final active share" in res.output
    assert "weeks to 50 % active" in res.output
    for name in (
        "curves.csv",
        "curves_by_department.csv",
        "events.parquet",
        "summary.json",
        "adoption.png",
        "manifest.json",
        "organization.npz",
    ):
        assert (out / name).exists(), name
    curves = pd.read_csv(out / "curves.csv")
    need = {
        "replicate",
        "week",
        "aware_share",
        "active_share",
        "habitual_share",
        "lapsed_share",
        "voluntary_share",
    }
    assert need <= set(curves.columns)
    assert sorted(curves.replicate.unique()) == [0, 1, 2]
    assert curves.week.max() == 12
    by_dept = pd.read_csv(out / "curves_by_department.csv")
    assert {"replicate", "week", "department", "active_share"} <= set(by_dept.columns)
    assert set(by_dept.department) == {"Sales", "Engineering"}
    events = pd.read_parquet(out / "events.parquet")
    assert {"replicate", "week", "employee", "event", "cause"} <= set(events.columns)
    assert "senior_sponsor" in set(events.cause)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["runs"] == 3
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["scenario"]["behavior"]["adopt_after"] == 3  # defaults filled in
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["replicates"]) == 3
    metrics = {row["metric"] for row in summary["aggregate"]}
    assert {"final_active_share", "weeks_to_25", "weeks_to_50", "weeks_to_75", "lapses"} <= metrics


def test_run_without_chart_writes_the_data_only(tmp_path):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(SMALL_YAML)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(scen), "-n", "2", "--out", str(out), "--no-chart"])
    assert res.exit_code == 0, res.output
    assert (out / "organization.npz").exists() and (out / "summary.json").exists()
    assert not list(out.glob("*.png"))


def test_run_defaults_to_scenario_runs_and_results_folder(tmp_path, monkeypatch):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(SMALL_YAML)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", str(scen), "--no-chart"])
    assert res.exit_code == 0, res.output
    curves = pd.read_csv(tmp_path / "results" / "tiny" / "curves.csv")
    assert curves.replicate.nunique() == 3


def test_bad_scenario_exits_2_without_traceback(tmp_path):
    scen = tmp_path / "bad.yaml"
    scen.write_text("weeks: -1\nstrategies:\n  - type: evangelist\n")
    res = runner.invoke(app, ["run", str(scen)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "bad.yaml" in res.output and "evangelists" in res.output


def test_validate_scenario_ok_and_error(tmp_path):
    res = runner.invoke(app, ["validate-scenario", str(SCENARIOS / "baseline.yaml")])
    assert res.exit_code == 0, res.output
    assert "ok" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "organization: {generate: {employees: 100}}\nstrategies:\n"
        "  - {type: heavy_control, target: {departments: [Nowhere]}}\n"
    )
    res = runner.invoke(app, ["validate-scenario", str(bad)])
    assert res.exit_code == 2
    assert "Nowhere" in res.output


def test_bad_flag_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["run", str(SCENARIOS / "baseline.yaml"), "--runs", "0"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["run", str(SCENARIOS / "baseline.yaml"), "--runz", "3"])
    assert res.exit_code == 2


def test_console_script_entry_point(tmp_path):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(SMALL_YAML)
    proc = subprocess.run(
        [sys.executable, "-m", "adoptsim.cli", "validate-scenario", str(scen)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "adoptsim.cli", "run", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_user_text_with_rich_markup_is_printed_as_is(tmp_path, wide_console):
    """A folder name that looks like rich markup neither crashes the output nor is eaten."""
    spec = small_scenario(weeks=3).model_dump(mode="json")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec))
    out = tmp_path / "plan [/] [bold]x"
    res = CliRunner(env={"COLUMNS": "300"}).invoke(
        app, ["run", str(path), "-n", "2", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "plan [/] [bold]x" in res.output
    assert (out / "summary.json").is_file()


def test_a_scenario_name_is_a_folder_name(tmp_path):
    """Names that would write outside the results folder, or carry markup or control
    characters, are rejected with the allowed pattern; ordinary names pass."""
    for bad in ("../../x", "/etc/x", "a/b", "[/]", "x\x1b[31m", ".hidden", "", "a" * 101):
        spec = small_scenario(weeks=3).model_dump(mode="json")
        spec["name"] = bad
        with pytest.raises(ScenarioError, match="output folder"):
            validate_scenario(spec)
    for good in ("baseline", "bass p=0.03 q=0.38", "plan_B-2 (final)"):
        spec = small_scenario(weeks=3).model_dump(mode="json")
        spec["name"] = good
        assert validate_scenario(spec).name == good


def test_out_at_a_file_or_under_one_is_a_clear_error(tmp_path):
    """--out at an existing file, or under one: exit 2, the flag named, no traceback."""
    scenario = str(SCENARIOS / "baseline.yaml")
    blocker = tmp_path / "taken.txt"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "sub"):
        for args in (
            ["run", scenario, "-n", "2", "--out", str(out)],
            ["compare", scenario, scenario, "-n", "2", "--out", str(out)],
            ["validate", "--case", "bass", "--quick", "--out", str(out)],
        ):
            res = runner.invoke(app, args)
            assert res.exit_code == 2, (args, res.output)
            assert "--out" in res.output and "Traceback" not in res.output
            assert res.exception is None or isinstance(res.exception, SystemExit)
    assert blocker.read_text() == "not a folder"


def test_run_and_compare_take_an_executor_with_the_same_numbers(tmp_path):
    scen = tmp_path / "tiny.yaml"
    scen.write_text(SMALL_YAML)
    summaries = []
    for flags in ([], ["--executor", "sequential"], ["--executor", "processes", "-w", "2"]):
        out = tmp_path / f"out{len(summaries)}"
        args = ["run", str(scen), "-n", "4", "--out", str(out), "--no-chart", *flags]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        summaries.append(json.loads((out / "summary.json").read_text()))
    assert summaries[0] == summaries[1] == summaries[2]
    res = runner.invoke(app, ["run", str(scen), "--executor", "gpu", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "unknown executor 'gpu'; allowed: threads, sequential, processes, dask" in res.output
    assert not (tmp_path / "x").exists()
    out = tmp_path / "cmp"
    res = runner.invoke(
        app, ["compare", str(scen), str(scen), "-n", "2", "--out", str(out), "--no-chart",
              "--executor", "sequential"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
