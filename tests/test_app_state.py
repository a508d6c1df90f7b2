"""The workshop app's state and actions without a browser, and the scenario text reader."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import adoptsim
from adoptsim.app import AppState, plan, scenario_files
from adoptsim.cli import app as cli_app
from adoptsim.cli import workshop
from adoptsim.errors import ScenarioError
from adoptsim.scenario import scenario_from_text
from adoptsim.scenario.yaml_input import MAX_BYTES
from tests.conftest import ROOT, SCENARIOS, fresh_json

SMALL = """\
name: small
weeks: 12
runs: 6
seed: 3
organization:
  generate:
    employees: 200
    departments: {Sales: 0.5, HR: 0.5}
strategies: []
"""


@pytest.fixture
def state(tmp_path) -> AppState:
    (tmp_path / "small.yaml").write_text(SMALL)
    return AppState(scenario_files(tmp_path))


def test_scenario_from_text_reads_like_a_file_with_extends_resolved():
    text = (SCENARIOS / "evangelists.yaml").read_text()
    from_text = scenario_from_text(text, SCENARIOS / "evangelists.yaml")
    assert (
        from_text.content_hash()
        == adoptsim.load_scenario(SCENARIOS / "evangelists.yaml").content_hash()
    )
    with pytest.raises(ScenarioError, match="`extends` needs the scenario's folder"):
        scenario_from_text(text)
    with pytest.raises(ScenarioError, match="duplicate key 'weeks'"):
        scenario_from_text("weeks: 3\nweeks: 4\n")
    with pytest.raises(ScenarioError, match="larger than"):
        scenario_from_text("#" * (MAX_BYTES + 1))
    with pytest.raises(ScenarioError, match="empty"):
        scenario_from_text("# nothing\n")


def test_opening_a_shipped_scenario_shows_its_data_with_extends_resolved():
    state = AppState(scenario_files(SCENARIOS), SCENARIOS / "evangelists.yaml")
    assert "baseline" in state.choices and state.error is None
    assert "extends" not in state.text and "employees: 2000" in state.text
    assert (
        state.scenario.content_hash()
        == adoptsim.load_scenario(SCENARIOS / "evangelists.yaml").content_hash()
    )
    assert state.organization_summary()["employees"] == 2000
    # evangelists.yaml: fixed 5,000 + 50 per person-week, 2 % of 2,000 people for 26 weeks
    assert state.plan_cost() == pytest.approx(5000 + 50 * 40 * 26)


def test_invalid_text_is_an_error_and_the_last_valid_scenario_stays(state):
    before = state.scenario
    state.edit_text("name: small\nweeks: [3\n")
    assert state.error.startswith(str(state.source)) and "not valid YAML" in state.error
    assert not state.valid and state.scenario is before
    state.edit_text("name: small\nweeks: 0\n")
    assert "weeks: Input should be greater than or equal to 1" in state.error
    assert state.run() is None and "fix them in the editor" in state.run_error
    state.edit_text(SMALL)
    assert state.valid and state.error is None


def test_uploads_are_read_as_text_only(state):
    state.open_upload(b"\xff\xfe")
    assert "not UTF-8" in state.error
    state.open_upload(b"!!python/object/apply:os.system ['true']\n")
    assert state.error is not None
    state.open_upload(SMALL.replace("small", "uploaded").encode())
    assert state.valid and state.scenario.name == "uploaded" and state.source is None


def test_plan_edits_go_through_the_schema_and_update_the_text_and_cost(state):
    assert state.add_strategy("evangelists") is None
    assert state.add_strategy("evangelists") is None  # a second one gets its own label
    assert [s.label for s in state.scenario.strategies] == ["evangelists", "evangelists 2"]
    assert state.remove_strategy(1) is None
    assert state.set_field(0, "target.count", 10) is None
    target = state.scenario.strategies[0].target
    assert (target.select, target.count, target.share) == ("most_innovative", 10, None)
    assert "count: 10" in state.text
    assert state.set_field(0, "cost.per_person", 100.0) is None
    assert state.plan_cost() == pytest.approx(1000)
    refused = state.set_field(0, "start", 0)
    assert "start: Input should be greater than or equal to 1" in refused
    assert state.scenario.strategies[0].start == 1 and "start: 0" not in state.text
    assert state.set_setting("runs", 4) is None and state.setting("runs") == 4


def test_widgets_come_from_the_schemas():
    widgets = {w.path: w for w in plan.widgets("heavy_control")}
    assert widgets["intensity"].kind == "float" and widgets["intensity"].high == 10
    assert widgets["target.select"].choices[0] == "random" and widgets["target.select"].optional
    assert widgets["end"].optional and not widgets["start"].optional
    cards = {c.name: c for c in plan.cards()}
    assert set(cards) == set(adoptsim.strategies.REGISTRY)
    assert cards["evangelists"].addable and not cards["adapt"].addable


def test_run_is_cached_and_plan_b_is_compared_with_plan_a_on_the_same_seeds(state):
    a = state.run()
    assert state.progress == 1.0 and state.run() is a  # the same content: the cached result
    assert state.summary_rows()[0]["metric"] == "final active share"
    state.pin()
    state.add_strategy("evangelists")
    state.set_field(0, "target.count", 20)
    b = state.run()
    assert b is not a and state.comparison is not None
    assert state.comparison.names == ["plan A", "plan B"]
    assert a.manifest.get("plan") is None  # the cached results are not renamed
    rows = {r["metric"]: r for r in state.comparison_rows()}
    assert float(re.match(r"[+-][\d.]+", rows["final active share"]["B − A"])[0]) > 0
    assert any(r["cause"] == "evangelists" for r in state.attribution_rows())
    for kind in ("adoption", "departments", "funnel", "compare", "differences", "watch"):
        assert state.chart(kind).startswith(b"\x89PNG")
    assert state.report("html").startswith(b"<!")
    assert state.report("pdf").startswith(b"%PDF")
    state.set_setting("seed", 4)
    state.run()
    assert state.comparison is None and "other runs or seed" in state.compare_note


def test_the_command_line_does_not_import_solara(tmp_path):
    code = (
        "import json, sys; import adoptsim.cli, adoptsim.app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'solara')))"
    )
    assert fresh_json(code, tmp_path, {"PYTHONPATH": str(ROOT), "PATH": ""}) == []


def test_the_app_command_checks_the_scenario_and_warns_off_this_machine(monkeypatch, tmp_path):
    served = []
    monkeypatch.setattr(workshop, "serve", lambda *a, **k: served.append((a, k)))
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text("weeks: 0\n")
    result = runner.invoke(cli_app, ["app", str(bad)])
    assert result.exit_code == 2 and "weeks" in result.output and not served
    good = tmp_path / "small.yaml"
    good.write_text(SMALL)
    result = runner.invoke(cli_app, ["app", str(good), "--port", "9001"])
    assert result.exit_code == 0 and "warning" not in result.output
    assert served[-1] == ((good,), {"host": "127.0.0.1", "port": 9001})
    result = runner.invoke(cli_app, ["app", "--host", "0.0.0.0"])
    assert result.exit_code == 0 and "warning: listening on 0.0.0.0" in result.output
    assert served[-1] == ((None,), {"host": "0.0.0.0", "port": 8765})


def test_a_missing_or_mismatched_solara_assets_is_named(monkeypatch):
    versions = {"solara": "1.58.2", "solara-assets": "1.58.2"}

    def version(name: str) -> str:
        if name not in versions:
            raise workshop.importlib.metadata.PackageNotFoundError(name)
        return versions[name]

    monkeypatch.setattr(workshop.importlib.metadata, "version", version)
    assert workshop._assets_problem() is None
    versions["solara"] = "1.64.0"
    assert "solara-assets 1.58.2 does not match solara 1.64.0" in workshop._assets_problem()
    del versions["solara-assets"]
    assert "pip install solara-assets==1.64.0" in workshop._assets_problem()


def test_the_app_reads_no_file_outside_its_folder(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "outside.csv").write_text("employee_id,manager_id\nSECRET-1,\n")
    (folder / "base.yaml").write_text("name: base\nweeks: 12\nruns: 2\n")
    state = AppState({}, None, root=folder)
    state.open_upload(b"name: up\norganization:\n  employees: ../outside.csv\n")
    assert state.error is not None and "outside the scenarios' folder" in state.error
    assert "SECRET" not in state.error
    state.open_file(tmp_path / "outside.csv")
    assert "outside the scenarios' folder" in state.error
    state.open_file(folder / "base.yaml")
    assert state.error is None and state.scenario.weeks == 12
    state.edit_text("name: x\nextends: ../outside.csv\n")
    assert "outside the scenarios' folder" in state.error


def test_a_report_that_cannot_be_made_is_a_message_not_an_exception(state):
    """A long description does not fit the PDF's page: the HTML report is still made and
    the PDF's reason is a message (it escaped the button's handler before)."""
    long = SMALL.replace("name: small", "name: small\ndescription: '" + "word " * 2000 + "'")
    state.edit_text(long)
    assert state.error is None
    state.run()
    out = state.reports(["html", "pdf"])
    assert list(out) == ["html"] and "does not fit on one page" in state.report_error
