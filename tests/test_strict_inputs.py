"""Found by a round of generated inputs: what must be an error, and is."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import ExperimentError, ScenarioError
from adoptsim.scenario import load_scenario, validate_scenario
from adoptsim.sweeps import experiment_from_data, load_experiment
from tests.conftest import SMALL, deep_update

cli = CliRunner()


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_scenario_file_is_an_error(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match="the file is empty"):
        load_scenario(path)
    res = cli.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "over",
    [
        {"tool": {"learning_effort": False}},
        {"tool": {"value": True}},
        {"behavior": {"w_social": True}},
        {"legacy": {"habit": {"mean": True}}},
        {"organization": {"generate": {"informal_ties": False}}},
        {"strategies": [{"type": "heavy_control", "intensity": True}]},
        {"strategies": [{"type": "evangelists", "target": {"select": "degree", "share": True}}]},
    ],
)
def test_true_or_false_where_a_number_is_expected_is_an_error(over):
    with pytest.raises(ScenarioError, match=r"a number is expected here, not (true|false)"):
        validate_scenario(deep_update(SMALL, over))


def test_booleans_stay_booleans():
    spec = validate_scenario(deep_update(SMALL, {"organization": {"new_per_replicate": True}}))
    assert spec.organization.new_per_replicate is True


def test_experiment_numbers_and_names(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(SMALL))
    data = {
        "name": "e",
        "scenario": str(base),
        "parameters": [{"path": "behavior.w_habit", "values": [0.2, 0.3]}],
    }
    for bad, match in (
        ({"replicates": True}, "not true"),
        ({"seed": False}, "not false"),
        ({"name": "../../x"}, "default output folder"),
        ({"name": "/tmp/abs"}, "default output folder"),
    ):
        with pytest.raises(ExperimentError, match=match):
            experiment_from_data({**data, **bad})
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump({**data, "name": "../../escape"}))
    with pytest.raises(ExperimentError, match="default output folder"):
        load_experiment(path)


def test_a_strategy_that_starts_after_the_horizon_is_named(tmp_path):
    over = {"weeks": 20, "strategies": [{"type": "senior_sponsor", "start": 30}]}
    with pytest.raises(ScenarioError, match=r"strategies\[0\] \(senior_sponsor\).*week 30"):
        validate_scenario(deep_update(SMALL, over))
    spec = validate_scenario(deep_update(SMALL, {**over, "weeks": 40}))
    assert spec.with_changes(weeks=10).weeks == 10  # shortening a run on purpose still works
    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(deep_update(SMALL, over)))
    res = cli.invoke(app, ["validate-scenario", str(path)])
    assert res.exit_code == 2 and "never act" in res.output


def test_an_empty_departments_mapping_is_refused_even_under_extends(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(SMALL))
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {base.name}\nname: child\norganization:\n  generate:\n    departments: {{}}\n"
    )
    with pytest.raises(ScenarioError, match="at least one department"):
        load_scenario(child)
