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


@pytest.mark.parametrize(
    ("text", "kind"),
    [("0x1F", "hexadecimal"), ("-0b101", "binary"), ("1:30", "base-60"), ("1:30.5", "base-60")],
)
def test_numbers_in_other_bases_are_refused_with_their_line(tmp_path, text, kind):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nweeks: 10\nseed: {text}\n")
    with pytest.raises(ScenarioError, match=rf"line 3.*{kind} number"):
        load_scenario(path)
    path.write_text(f"name: x\nweeks: 10\ndescription: '{text}'\n")  # quoted: text
    assert load_scenario(path).description == text


@pytest.mark.parametrize(
    ("parameters", "design", "match"),
    [
        ([{"path": "behavior.w_habit", "low": 0, "high": 1, "step": 1e-9}], {}, "larger step"),
        (
            [
                {"path": f"behavior.{k}", "num": 200, "low": 0.1, "high": 0.2}
                for k in ("w_habit", "w_social", "w_effort")
            ],
            {},
            "fewer values",
        ),
        (
            [
                {"path": "behavior.w_habit", "low": 0, "high": 1},
                {"path": "behavior.w_social", "low": 0, "high": 1},
            ],
            {"design": "sobol", "samples": 2**19},
            "lower `samples`",
        ),
    ],
)
def test_a_design_of_too_many_points_is_refused_before_it_is_built(
    tmp_path, parameters, design, match
):
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(SMALL))
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump({"name": "big", "scenario": str(base), "parameters": parameters, **design})
    )
    res = cli.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and match in res.output and "exp.yaml" in res.output
    assert "1,000,000" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("address", ["not a url", "tcp://host", "", "http://x:port"])
def test_a_scheduler_that_is_not_an_address_is_refused_at_once(tmp_path, address):
    res = cli.invoke(app, ["sweep", "missing.yaml", "--scheduler", address])
    assert res.exit_code == 2 and "not a scheduler address" in res.output
    assert "tcp://10.0.0.5:8786" in res.output and "Traceback" not in res.output


def test_a_scheduler_that_does_not_answer_fails_within_its_timeout():
    import socket
    import time

    from adoptsim.errors import InputError
    from adoptsim.sweeps import DaskEvaluator

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    evaluator = DaskEvaluator(scheduler=f"tcp://127.0.0.1:{port}", timeout=2)
    t0 = time.monotonic()
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        evaluator.initialize()
    assert time.monotonic() - t0 < 30


def test_a_scheduler_that_accepts_and_stays_silent_fails_within_its_timeout():
    """Found by the inputs helper: a silent peer hung the Dask client past its timeout."""
    import socket
    import threading
    import time

    from adoptsim.errors import InputError
    from adoptsim.sweeps import DaskEvaluator

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    threading.Thread(target=lambda: held.extend(server.accept() for _ in range(8)),
                     daemon=True).start()  # fmt: skip
    port = server.getsockname()[1]
    t0 = time.monotonic()
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        DaskEvaluator(scheduler=f"tcp://127.0.0.1:{port}", timeout=2).initialize()
    assert time.monotonic() - t0 < 15
    server.close()


def test_a_base_scenarios_files_resolve_from_its_own_folder(tmp_path):
    from adoptsim.runs.runner import build_org

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "people.csv").write_text(
        "employee_id,manager_id,department\nE1,,S\nE2,E1,S\n"
    )
    (tmp_path / "a" / "base.yaml").write_text(
        "name: base\nweeks: 4\norganization: {employees: people.csv}\n"
    )
    child = tmp_path / "b" / "child.yaml"
    child.write_text("extends: ../a/base.yaml\nname: child\n")
    spec = load_scenario(child)
    assert build_org(spec, 1).n == 2
