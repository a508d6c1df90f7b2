"""Comparing plans: common random numbers, paired differences, the table, files, CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.errors import InputError
from adoptsim.runs.compare import (
    METRICS,
    Comparison,
    compare,
    format_difference,
    format_value,
    paired_differences,
)
from adoptsim.viz import save_charts
from tests.conftest import SMALL, deep_update, small_scenario

RUNS, SEED, WEEKS = 8, 11, 20
ORG = {"generate": {"employees": 250}}


def plan(name: str, *strategies: dict) -> adoptsim.Scenario:
    return small_scenario(name=name, weeks=WEEKS, organization=ORG, strategies=list(strategies))


BASE = plan("base")
SPONSOR = plan("sponsor", {"type": "senior_sponsor", "start": 6, "end": 16})
EVANGELISTS = plan(
    "evangelists",
    {
        "type": "evangelists",
        "start": 1,
        "end": 12,
        "target": {"select": "betweenness", "share": 0.04},
        "cost": {"fixed": 1000, "per_person_week": 20},
    },
)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare([BASE, SPONSOR, EVANGELISTS], runs=RUNS, seed=SEED)


def test_table_numbers_match_the_underlying_runs(comparison):
    for spec, result in zip((BASE, SPONSOR, EVANGELISTS), comparison.results, strict=True):
        alone = adoptsim.run(spec, runs=RUNS, seed=SEED)
        pd.testing.assert_frame_equal(alone.summary, result.summary)
        agg = alone.aggregate
        rows = comparison.table[comparison.table["scenario"] == spec.name].set_index("metric")
        assert list(rows.index) == list(METRICS)
        for metric in METRICS:
            for stat in ("mean", "median", "low", "high", "reached"):
                assert rows.loc[metric, stat] == pytest.approx(agg.loc[metric, stat], nan_ok=True)


def test_every_plan_shares_the_replicate_seeds(comparison):
    base, sponsor, _ = comparison.results
    assert base.manifest["seed"] == sponsor.manifest["seed"] == SEED
    # until the sponsor starts (week 6) the two plans are the same runs, replicate by replicate
    early = ["replicate", "week", "aware_share", "active_share", "lapsed_share", "mean_habit"]
    b = base.curves[base.curves["week"] < 6][early].reset_index(drop=True)
    s = sponsor.curves[sponsor.curves["week"] < 6][early].reset_index(drop=True)
    pd.testing.assert_frame_equal(b, s)
    assert b["aware_share"].max() > 0  # something happened in those weeks
    # and afterwards they differ
    assert not np.allclose(base.curves["active_share"], sponsor.curves["active_share"])


def test_a_plan_compared_with_itself_differs_by_exactly_zero():
    c = compare([BASE, BASE], runs=4, seed=SEED)
    assert c.names == ["base", "base-2"]
    d = c.differences[c.differences["scenario"] == "base-2"]
    assert (d["difference"].dropna() == 0).all()
    assert d["difference"].notna().any()


def test_paired_differences_are_value_minus_reference_per_replicate(comparison):
    d = comparison.differences
    assert set(d["scenario"]) == {"base", "sponsor", "evangelists"}
    ref = comparison.reference.summary
    for name, result in zip(comparison.names, comparison.results, strict=True):
        for metric in METRICS:
            sub = d[(d["scenario"] == name) & (d["metric"] == metric)].set_index("replicate")
            expect = result.summary[metric] - ref[metric]
            np.testing.assert_allclose(sub["difference"], expect.loc[sub.index], equal_nan=True)
    # the table's paired statistics summarise exactly these differences
    row = comparison.table.set_index(["scenario", "metric"]).loc[("evangelists", "cost")]
    diffs = d[(d["scenario"] == "evangelists") & (d["metric"] == "cost")]["difference"]
    assert row["diff_mean"] == pytest.approx(diffs.mean())
    assert row["diff_low"] == pytest.approx(diffs.quantile(0.05))
    assert row["diff_high"] == pytest.approx(diffs.quantile(0.95))
    assert row["diff_ci_low"] <= row["diff_mean"] <= row["diff_ci_high"]
    assert row["pairs"] == RUNS


def test_strategies_beat_the_baseline_run_by_run(comparison):
    t = comparison.table.set_index(["scenario", "metric"])
    for name in ("sponsor", "evangelists"):
        row = t.loc[(name, "sustained_share")]
        assert row["diff_mean"] > 0.05, name
        assert row["better_share"] >= 0.75, name
        assert row["diff_ci_low"] > 0, name
    assert t.loc[("base", "cost"), "mean"] == 0
    assert t.loc[("evangelists", "cost"), "diff_mean"] > 1000


def test_plans_are_ranked_best_first(comparison):
    sustained = comparison.table[comparison.table["metric"] == "sustained_share"]
    order = sustained.sort_values("mean", ascending=False)["scenario"].tolist()
    assert comparison.ranking == order
    assert comparison.table["rank"].is_monotonic_increasing
    by_cost = Comparison.from_results(comparison.results, rank_by="cost")
    assert by_cost.ranking[0] == "base"  # the free plan is cheapest
    with pytest.raises(InputError, match="cannot rank by"):
        Comparison.from_results(comparison.results, rank_by="fun")


def test_wide_table_has_one_row_per_plan(comparison):
    wide = comparison.wide()
    assert len(wide) == 3
    assert {"scenario", "rank", "sustained_share_mean", "sustained_share_diff_low"} <= set(wide)
    assert wide["rank"].tolist() == [1, 2, 3]


def test_weeks_to_milestone_differences_use_only_runs_that_reached_it(comparison):
    ref, other = (comparison.results[i].summary.copy() for i in (0, 2))
    ref["weeks_to_50"] = [10.0, 12.0, np.nan, 11.0, np.nan, 9.0, 10.0, 10.0]
    other["weeks_to_50"] = [8.0, np.nan, np.nan, 9.0, 7.0, 8.0, 9.0, 10.0]
    results = [
        dataclasses.replace(comparison.results[i], summary=s, manifest=dict(m.manifest))
        for i, s, m in ((0, ref, comparison.results[0]), (2, other, comparison.results[2]))
    ]
    c = Comparison.from_results(results)
    row = c.table.set_index(["scenario", "metric"]).loc[("evangelists", "weeks_to_50")]
    assert row["pairs"] == 5  # replicates 0, 3, 5, 6, 7
    assert row["diff_mean"] == pytest.approx(np.mean([-2, -2, -1, -1, 0]))
    # better: faster where both reached, or reached where the reference did not (rep 4)
    assert row["better_share"] == pytest.approx(5 / 8)
    value, interval = format_difference(row, c.runs)
    assert value == "-1.2 wk" and "5 of 8 runs" in interval


def test_formats_show_intervals_and_not_reached():
    share = {"unit": "share", "mean": 0.4567, "low": 0.4, "high": 0.5, "median": 0.45}
    assert format_value(share) == ("45.7 %", "40.0–50.0")
    weeks = {"unit": "weeks", "median": np.inf, "low": 12.0, "high": np.inf, "reached": 0.3}
    assert format_value(weeks) == ("not reached", "reached in 30 % of runs")
    cost = {"unit": "cost", "mean": 5000.0, "low": 5000.0, "high": 5000.0}
    assert format_value(cost) == ("5,000", "")


def test_unpaired_results_are_refused(comparison):
    other = adoptsim.run(BASE, runs=RUNS, seed=SEED + 1)
    with pytest.raises(InputError, match="same runs and seed"):
        Comparison.from_results([comparison.results[0], other])
    with pytest.raises(InputError, match="at least one"):
        compare([])


def test_save_and_load_round_trip(comparison, tmp_path):
    folder = comparison.save(tmp_path / "cmp")
    for name in ("comparison.csv", "differences.csv", "comparison.json"):
        assert (folder / name).exists(), name
    assert not list(folder.rglob("*.png")), "saving writes data only"
    charts = save_charts(folder)
    assert (folder / "comparison.png") in charts
    for sub in ("base", "sponsor", "evangelists"):
        assert (folder / sub / "adoption.png") in charts
        assert (folder / sub / "organization.npz").exists()
    info = json.loads((folder / "comparison.json").read_text())
    assert info["reference"] == "base" and info["runs"] == RUNS and info["seed"] == SEED
    assert [p["name"] for p in info["plans"]] == ["base", "sponsor", "evangelists"]
    for p in info["plans"]:
        assert adoptsim.Result.load(folder / p["folder"]).name == p["name"]
    table = pd.read_csv(folder / "comparison.csv")
    assert len(table) == 3 * len(METRICS)
    loaded = Comparison.load(folder)
    assert loaded.names == comparison.names
    assert loaded.ranking == comparison.ranking
    num = comparison.table.select_dtypes("number").columns
    np.testing.assert_allclose(
        loaded.table[num].to_numpy(float), comparison.table[num].to_numpy(float), equal_nan=True
    )
    d = pd.read_csv(folder / "differences.csv")
    assert len(d) == len(comparison.differences)
    with pytest.raises(InputError, match="adoptsim compare"):
        Comparison.load(tmp_path)


def test_differences_table_layout(comparison):
    d = paired_differences(comparison.results)
    assert list(d.columns) == [
        "scenario",
        "metric",
        "replicate",
        "value",
        "reference",
        "difference",
    ]
    assert len(d) == 3 * len(METRICS) * RUNS


runner = CliRunner()

YAML = """
name: {name}
weeks: 12
runs: 3
seed: 4
organization: {{generate: {{employees: 150, departments: [Sales, Engineering]}}}}
strategies: {strategies}
"""


def write_plans(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(YAML.format(name="plain", strategies="[]"))
    b = tmp_path / "b.yaml"
    b.write_text(
        YAML.format(name="sponsored", strategies="[{type: senior_sponsor, start: 2, end: 8}]")
    )
    return a, b


def test_cli_compare_prints_ranked_table_and_writes_files(tmp_path):
    a, b = write_plans(tmp_path)
    out = tmp_path / "cmp"
    res = runner.invoke(
        app, ["compare", str(a), str(b), "--runs", "4", "--seed", "2", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "plain" in res.output and "sponsored" in res.output
    assert "Paired differences against plain" in res.output
    assert "90 % of runs" in res.output and "90 % of paired differences" in res.output
    for name in ("comparison.csv", "differences.csv", "comparison.png", "comparison.json"):
        assert (out / name).exists(), name
    for plan in ("plain", "sponsored"):
        assert (out / plan / "adoption.png").exists(), plan
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == {"plain", "sponsored"}
    assert Comparison.load(out).runs == 4


def test_compare_tables_keep_one_line_per_plan_at_80_columns(tmp_path):
    """Four plans, one with a 22-character name: every table row is one line of at most
    80 characters, and every plan name is printed whole."""
    names = ["baseline", "evangelists", "heavy_control", "playbook_culture_first"]
    files = []
    for k, name in enumerate(names):
        extra = {"strategies": [{"type": "senior_sponsor"}]} if k % 2 else {}
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(deep_update(SMALL, {"name": name, "weeks": 20, **extra})))
        files.append(str(path))
    res = CliRunner(env={"COLUMNS": "80"}).invoke(
        app, ["compare", *files, "--runs", "4", "--out", str(tmp_path / "cmp"), "--no-chart"]
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in names:
        rows = [line for line in lines if f" {name} " in f"{line} " and line.strip()[0].isdigit()]
        # values, their intervals, and (all but the reference) differences and intervals
        assert len(rows) == (2 if name == "baseline" else 4), (name, rows)
        for row in rows:
            cells = row.split()
            assert cells[1] == name and len(cells) >= 6, row


def test_cli_compare_errors_exit_2_without_traceback(tmp_path):
    a, _ = write_plans(tmp_path)
    res = runner.invoke(app, ["compare", str(a), str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2
    assert "missing.yaml" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["compare", str(a), str(a), "--rank-by", "speed"])
    assert res.exit_code == 2
    assert "sustained_share" in res.output
