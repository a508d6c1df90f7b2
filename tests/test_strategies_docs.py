"""The strategy reference: docs/strategies.md is generated from the registry and current;
``adoptsim strategies [NAME]`` shows the same."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.strategies import REGISTRY
from adoptsim.strategies.docs import DOCS_PATH, names, render, strategy_rows

runner = CliRunner()


def test_docs_page_is_current():
    assert DOCS_PATH.exists(), "generate it: python -m adoptsim.strategies.docs"
    assert DOCS_PATH.read_text(encoding="utf-8") == render(), (
        "docs/strategies.md is stale: regenerate it with python -m adoptsim.strategies.docs"
    )


def test_docs_page_covers_every_strategy_and_parameter():
    page = render()
    for name in REGISTRY:
        assert f"## `{name}`" in page
        assert REGISTRY[name].summary in page
        for row in strategy_rows(REGISTRY[name]):
            assert f"| `{row['name']}` |" in page
    for common in ("start", "end", "every", "per_department", "subtree_of", "per_occurrence"):
        assert f"`{common}`" in page


def test_parameter_rows_give_defaults_and_ranges():
    rows = {r["name"]: r for r in strategy_rows(REGISTRY["executive_reminders"])}
    assert rows["repeat_decay"]["default"] == "0.7"
    assert rows["repeat_decay"]["allowed"] == "0..1"
    assert rows["every"]["allowed"] == ">= 1"
    adapt = {r["name"]: r for r in strategy_rows(REGISTRY["adapt"])}
    assert adapt["then"]["default"] == "required"


def test_cli_lists_the_strategies_with_a_summary(wide_console):
    res = runner.invoke(app, ["strategies"])
    assert res.exit_code == 0, res.output
    rows = {}
    for line in res.output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) == 4 and cells[1] in REGISTRY:
            rows[cells[1]] = cells[2]
    # every strategy on one row, in order, with its whole summary beside it
    assert list(rows) == names()
    assert rows == {name: REGISTRY[name].summary for name in names()}


@pytest.mark.parametrize("name", ["heavy_control", "adapt", "storytelling"])
def test_cli_shows_one_strategy(name, wide_console):
    res = runner.invoke(app, ["strategies", name])
    assert res.exit_code == 0, res.output
    assert "Mechanism" in res.output
    for row in strategy_rows(REGISTRY[name]):
        assert row["name"] in res.output


def test_cli_unknown_strategy_is_a_clear_error():
    res = runner.invoke(app, ["strategies", "evangelist"])
    assert res.exit_code == 2
    assert 'did you mean "evangelists"' in res.output
    assert "Traceback" not in res.output
