"""Optimization: plans within the budget, a true Pareto front, a runnable best plan, resume,
and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app
from adoptsim.optimize import OptimizeError, load_optimization, optimize
from adoptsim.optimize.study import evaluate_plans, plan_runner, uncertainty_draws
from tests.conftest import SMALL, deep_update

cli = CliRunner()


#: the levers of the small optimization file
EVANGELISTS = {
    "strategy": "evangelists",
    "use": [True, False],
    "fixed": {"cost": {"fixed": 2000, "per_person_week": 50}},
    "settings": {
        "target.count": {"low": 2, "high": 20, "integer": True},
        "target.select": ["random", "degree"],
        "start": {"low": 1, "high": 8, "integer": True},
    },
}
SPONSOR = {
    "strategy": "senior_sponsor",
    "use": [True, False],
    "fixed": {"cost": {"per_week": 1500}},
}


def write(tmp_path, **over) -> object:
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(deep_update(SMALL, {"weeks": 16})))
    data = {
        "name": "small_plan",
        "scenario": "base.yaml",
        "budget": 20000,
        "levers": [EVANGELISTS, SPONSOR],
        "objectives": [{"maximize": "sustained_share"}, {"minimize": "cost"}],
        "uncertainty": {"behavior.w_social": {"low": 0.1, "high": 0.2}},
        "replicates": 4,
        "seed": 3,
    }
    data.update(over)
    path = tmp_path / "opt.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_search_gives_plans_within_budget_a_true_front_and_a_runnable_best(tmp_path):
    out = tmp_path / "out"
    table = optimize(write(tmp_path), 10, out)
    assert len(table) == 10
    front = table[table["pareto"]]
    assert len(front) >= 1 and front["feasible"].all()
    assert (front["cost"] <= 20000).all()
    ok = table[table["feasible"]]
    for _, p in front.iterrows():  # nothing feasible beats a front plan on both objectives
        beats = (ok["sustained_share"] >= p["sustained_share"]) & (ok["cost"] <= p["cost"])
        strictly = (ok["sustained_share"] > p["sustained_share"]) | (ok["cost"] < p["cost"])
        assert not (beats & strictly).any()
    names = ("pareto.csv", "trials.parquet", "best.yaml", "pareto.png", "plans.png")
    for name in (*names, "reevaluation.csv", "reevaluation_differences.csv"):
        assert (out / name).exists(), name
    best = adoptsim.load_scenario(out / "best.yaml")
    assert best.weeks == 16
    best_row = front.loc[front["sustained_share"].idxmax()]
    assert len(best.strategies) == best_row["strategies"].count("+") + 1 - (
        best_row["strategies"] == "no strategy"
    )
    assert len(adoptsim.run(best, runs=2).summary) == 2


def test_best_yaml_reproduces_its_figures_and_the_front_is_reevaluated(tmp_path):
    out = tmp_path / "out"
    table = optimize(write(tmp_path, uncertainty={}), 6, out)
    front = table[table["pareto"]]
    best_row = front.loc[front["sustained_share"].idxmax()]
    again = adoptsim.run(adoptsim.load_scenario(out / "best.yaml"), runs=4, seed=3)
    assert again.summary["sustained_share"].mean() == pytest.approx(best_row["sustained_share"])
    assert again.summary["cost"].mean() == pytest.approx(best_row["cost"])
    fresh = pd.read_csv(out / "reevaluation.csv")
    assert set(fresh["scenario"]) >= {"no strategy", "plan 1"}
    row = fresh[(fresh["scenario"] == "plan 1") & (fresh["metric"] == "sustained_share")]
    assert row["pairs"].iloc[0] == 8  # twice the replicates


def test_the_nsga2_sampler_gives_a_feasible_front(tmp_path):
    table = optimize(write(tmp_path, sampler="nsga2", uncertainty={}), 6, tmp_path / "out")
    front = table[table["pareto"]]
    assert len(table) == 6 and len(front) >= 1 and (front["cost"] <= 20000).all()


def test_plans_are_compared_on_the_same_luck(tmp_path):
    """The same plan scores the same in any trial: same seeds, same uncertainty draws."""
    opt = load_optimization(write(tmp_path))
    draws = uncertainty_draws(opt)
    assert draws is not None and len(draws["behavior.w_social"]) == 4
    assert np.array_equal(draws["behavior.w_social"], uncertainty_draws(opt)["behavior.w_social"])

    plan = {"0.use": True, "0.target.count": 2, "0.target.select": "random", "0.start": 1,
            "1.use": False}  # fmt: skip
    runner = plan_runner(workers=1)
    first, again = evaluate_plans(opt, [plan, plan], draws, runner)
    assert first == again
    assert evaluate_plans(opt, [plan], draws, runner) == [first]


def test_a_stopped_search_resumes_with_its_trials(tmp_path):
    path = write(tmp_path)
    out = tmp_path / "out"
    first = optimize(path, 4, out)
    again = optimize(path, 7, out)
    assert len(again) == 7
    pd.testing.assert_frame_equal(
        first.drop(columns=["pareto"]).reset_index(drop=True),
        again.head(4)[first.columns].drop(columns=["pareto"]).reset_index(drop=True),
    )
    res = cli.invoke(app, ["optimize", str(write(tmp_path, seed=4)), "--trials", "1",
                           "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2 and "another optimization" in res.output


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"levers": [{"strategy": "magic"}]}, "unknown strategy 'magic'"),
        ({"objectives": [{"maximize": "happiness"}]}, "unknown metric 'happiness'"),
        ({"objectives": [{"maximize": "cost", "minimize": "cost"}]}, "each objective is"),
        ({"robustness": "p0"}, "robustness is mean or a quantile"),
        ({"levers": [{"strategy": "evangelists", "settings": {"start": {"low": 5, "high": 2}}}]},
         "low .5. must be below high"),
        ({"levers": [{"strategy": "evangelists", "settings": {"target.nope": [1, 2]}}]},
         "lever 0 .evangelists. does not make a valid plan"),
        ({"levers": [{"strategy": "evangelists", "settings": {"target.select": []}}]},
         "target.select: an empty list of choices"),
        ({"levers": [{"strategy": "evangelists", "settings": {"start": {"low": 3, "high": 3}}}]},
         "an empty range: low .3. must be below high .3."),
        ({"levers": [{"strategy": "evangelists", "settings": {"nope": [1, 2]}}]},
         "lever 0 .evangelists. does not make a valid plan"),
        ({"levers": [{"strategy": "evangelists", "fixed": {"target": {"select": "random"}},
                      "settings": {"target.share": {"low": 0.1, "high": 1.5}}}]},
         "with target.share = 1.5"),
        ({"uncertainty": {"behavior.nope": {"low": 0.1, "high": 0.2}}}, "uncertainty"),
        ({"uncertainty": {"weeks": {"low": 5, "high": 10}}}, "cannot differ between replicates"),
        ({"objectives": [{"minimize": "sustained_adoption"}]}, "unknown metric"),
        ({"budget": 0}, "budget"),
        ({"batch": 0}, "batch"),
        ({"name": "../../x"}, "default output folder"),
        ({"replicates": True}, "not true"),
        ({"sampler": "random"}, "sampler"),
    ],
)  # fmt: skip
def test_bad_optimization_files_are_named(tmp_path, over, match):
    path = write(tmp_path, **over)
    with pytest.raises(OptimizeError, match=match):
        optimize(path, 1, tmp_path / "out")
    res = cli.invoke(app, ["optimize", str(path), "--trials", "1", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "opt.yaml" in res.output and "Traceback" not in res.output
