"""A run in which nothing happens (nobody hears of the tool) is a result like any other."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

import adoptsim
from adoptsim.cli import app

cli = CliRunner()


@pytest.fixture
def quiet(tmp_path):
    (tmp_path / "people.csv").write_text("employee_id,manager_id,department\nE1,,Sales\n")
    data = {
        "name": "quiet",
        "weeks": 5,
        "runs": 2,
        "organization": {"employees": "people.csv"},
        "behavior": {"external_awareness": 0},
    }
    path = tmp_path / "quiet.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_nothing_happening_gives_an_empty_events_table_with_its_columns(quiet):
    result = adoptsim.run(quiet)
    assert result.events.empty
    assert list(result.events.columns) == ["replicate", "week", "employee", "event", "cause"]
    assert (result.summary["final_active_share"] == 0).all()
    assert result.attribution()["total"].sum() == 0


def test_run_plot_report_and_compare_work_when_nothing_happens(quiet, tmp_path):
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(quiet), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "results written" in res.output
    res = cli.invoke(app, ["plot", str(out), "--out", str(tmp_path / "charts")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "charts" / "network.png").exists()
    for fmt in ("html", "pdf"):
        res = cli.invoke(app, ["report", str(out), "--format", fmt])
        assert res.exit_code == 0, res.output
    cmp = tmp_path / "cmp"
    res = cli.invoke(app, ["compare", str(quiet), str(quiet), "--out", str(cmp)])
    assert res.exit_code == 0, res.output
    res = cli.invoke(app, ["report", str(cmp)])
    assert res.exit_code == 0, res.output
