"""adoptsim replan: assimilate the observed weeks, search the rest of the plan, and the
closed loop on synthetic truths."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.decide.levers import ReplanLevers, load_levers, running, shifted
from adoptsim.decide.loop import LoopSettings, closed_loop, gain_summary
from adoptsim.decide.replan import paired_gain, replan
from adoptsim.decide.truth import Truth
from adoptsim.errors import InputError
from adoptsim.runs.runner import run
from adoptsim.scenario import load_scenario
from tests.conftest import ROOT

cli = CliRunner()
SMALL = {
    "name": "small_rollout",
    "weeks": 20,
    "runs": 4,
    "seed": 3,
    "organization": {
        "generate": {
            "employees": 300,
            "departments": {"Sales": 0.4, "Engineering": 0.4, "HR": 0.2},
            "span_of_control": 6,
        }
    },
    "strategies": [
        {"type": "internal_marketing", "start": 1, "end": 10, "cost": {"per_week": 200}}
    ],
    "calibration": {"posterior": "posterior.csv"},
}
TRUTH = {"behavior.w_social": 0.12, "tool.value": 1.05}


def write_rollout(folder, **over) -> object:
    g = np.random.default_rng(5)
    post = pd.DataFrame(
        {"behavior.w_social": g.uniform(0.05, 0.3, 200), "tool.value": g.uniform(0.9, 1.5, 200)}
    )
    post["weight"] = 1.0
    post.to_csv(folder / "posterior.csv", index=False)
    path = folder / "rollout.yaml"
    path.write_text(yaml.safe_dump({**SMALL, **over}, sort_keys=False))
    return path


def observe(path, through: int, folder) -> object:
    spec = load_scenario(path)
    truth = Truth(spec, TRUTH, spec.seed, replicate=1_000_000)
    truth.advance(through)
    return truth.write_activity(folder / "weeks.csv")


@pytest.fixture(scope="module")
def rollout(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rollout")
    path = write_rollout(folder)
    return path, observe(path, 8, folder)


def test_replan_recommends_within_the_budget_and_writes_a_runnable_next_yaml(rollout, tmp_path):
    path, weeks = rollout
    out = tmp_path / "out"
    args = ["replan", str(path), "--observed", str(weeks), "--budget-left", "15000",
            "--trials", "8", "--particles", "40", "--runs", "16", "--out", str(out)]  # fmt: skip
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    rec = json.loads((out / "recommendation.json").read_text())
    assert rec["today"] == 8
    gain = rec["expected_gain"]
    assert gain["interval_90"][0] <= gain["mean"] <= gain["interval_90"][1]
    if rec["recommended_changes"]:
        assert rec["recommended"]["cost_from_next_week"] <= 15000
        assert gain["interval_90"][0] > 0
    assert rec["spent_so_far"] == pytest.approx(8 * 200)
    pareto = pd.read_csv(out / "pareto.csv")
    assert {"strategies", "sustained_share", "cost"} <= set(pareto.columns)
    nxt = load_scenario(out / "next.yaml")
    assert nxt.calibration is not None and nxt.calibration.posterior
    assert all(s.start > 8 for s in nxt.strategies if s.type != "internal_marketing")
    assert len(run(nxt, runs=2).summary) == 2
    assert (out / "forecast.png").stat().st_size > 10_000


def test_a_lever_that_does_nothing_is_not_recommended(rollout):
    path, weeks = rollout
    useless = ReplanLevers.model_validate(
        {"levers": [{"strategy": "internal_marketing", "use": [True, False],
                     "fixed": {"reach": 0.0, "cost": {"fixed": 100}}}]}
    )  # fmt: skip
    rp = replan(path, weeks, 5000, trials=4, particles=30, runs=10, levers=useless, workers=1)
    assert rp.changes == []
    assert rp.gain["mean"] == pytest.approx(0.0, abs=1e-12)
    # the same particles and streams for every plan: a plan that changes nothing scores
    # exactly what continuing does
    assert rp.finalists["sustained_share"].nunique() == 1


def test_levers_count_weeks_from_next_week_and_running_strategies_may_stop():
    menu = load_levers(None)
    lever = shifted(menu.levers[0], 12)
    assert (lever.settings["start"].low, lever.settings["start"].high) == (13, 20)
    spec = load_scenario(ROOT / "scenarios" / "rollout.yaml")
    assert [s.label for s in running(spec, 12)] == ["internal_marketing"]
    assert running(spec, 26) == []
    assert [s.label for s in running(spec, 0)] == ["internal_marketing"]  # before launch


def test_paired_gain_interval():
    g = paired_gain(np.array([0.5, 0.6, 0.7, 0.6]), np.array([0.4, 0.5, 0.6, 0.5]))
    assert g["mean"] == pytest.approx(0.1)
    assert g["low"] == pytest.approx(0.1) and g["share_better"] == 1.0


def test_replan_takes_an_aggregate_series(rollout, tmp_path):
    path, weeks = rollout
    employees = load_scenario(path).organization.generate.employees
    users = pd.read_csv(weeks).query("active == 1").groupby("week").size()
    share = users.reindex(range(1, 9), fill_value=0) / employees
    series = tmp_path / "shares.csv"
    pd.DataFrame({"week": share.index, "using_share": share.to_numpy()}).to_csv(series, index=False)
    out = replan(path, series, 15000, trials=3, particles=20, runs=8)
    assert out.today == 8
    table = out.assimilation.table
    assert table["week"].tolist() == list(range(1, 9)) and table["ess"].between(1, 20).all()


def test_bad_replan_input_is_named(rollout, tmp_path):
    path, weeks = rollout
    plain = write_rollout(tmp_path, calibration=None)

    def call(*args):
        res = cli.invoke(app, ["replan", *map(str, args), "--out", str(tmp_path / "o")])
        assert res.exit_code == 2, res.output
        return " ".join(res.output.split())

    assert "adoptsim calibrate" in call(plain, "--observed", weeks, "--budget-left", 100)
    assert "after --through 5" in call(path, "--observed", weeks, "--through", 5,
                                       "--budget-left", 100)  # fmt: skip
    later = write_rollout(
        tmp_path,
        strategies=[{"type": "senior_sponsor", "start": 12, "cost": {"per_week": 1000}}],
    )
    assert "already committed" in call(later, "--observed", weeks, "--budget-left", 100)
    first = tmp_path / "first.csv"  # one first use; observed through the last week
    person = pd.read_csv(weeks)["employee_id"].iloc[0]
    first.write_text(f"employee_id,first_week\n{person},3\n")
    horizon = call(path, "--observed", first, "--through", 20, "--particles", 4,
                   "--budget-left", 100)  # fmt: skip
    assert "--observed" in horizon and "nothing is left to plan" in horizon
    with pytest.raises(InputError, match="budget"):
        replan(path, weeks, -1)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    spec = load_scenario(write_rollout(tmp_path_factory.mktemp("loop"), weeks=16))
    settings = LoopSettings(every=4, trials=6, particles=30, runs=12, workers=2)
    return closed_loop(spec, 20000, 2, settings)


def test_the_closed_loop_replans_within_the_budget_and_does_not_lose(loop):
    table, fixed = loop
    assert len(table) == 2 and fixed.today == 0
    assert (table["replanned_cost"] <= 20000 * 1.1).all()
    summary = gain_summary(table)
    assert summary["mean_gain"] > -0.05, table
    assert np.isfinite(table["fixed_sustained"]).all()
