"""adoptsim pilot: preposterior ranking of pilot designs on a synthetic organization."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.decide import PilotError, load_pilots, pilot
from adoptsim.decide import preposterior as pp
from adoptsim.decide.pilot import design_scenario
from adoptsim.decide.pilot_files import write_pilots
from tests.conftest import ROOT, SMALL

cli = CliRunner()
COST = {"fixed": 1000, "per_person": 20}
DESIGNS = [
    {"name": "sales_8w", "group": "department", "departments": ["Sales"], "weeks": 8,
     "cost": COST},
    {"name": "random_15_4w", "group": "random", "size": 15, "weeks": 4, "cost": COST},
    {"name": "one_person", "group": "random", "size": 1, "weeks": 8, "cost": COST},
    {"name": "zero_weeks", "group": "random", "size": 30, "weeks": 0, "cost": COST},
]  # fmt: skip
STUDY = {
    "name": "small_pilots",
    "scenario": "small.yaml",
    "uncertainty": {
        "behavior.w_social": {"low": 0.05, "high": 0.3},
        "tool.value": {"low": 0.9, "high": 1.5},
    },
    "plans": [
        {"name": "as_planned"},
        {"name": "sponsor", "strategies": [{"type": "senior_sponsor", "start": 1}]},
        {
            "name": "evangelists",
            "strategies": [
                {"type": "evangelists", "start": 1, "target": {"select": "degree", "count": 10}}
            ],
        },
    ],
    "designs": DESIGNS,
    "truths": 30,
    "bank": 120,
    "neighbours": 15,
    "seed": 2,
}


def write_study(folder, **over) -> object:
    (folder / "small.yaml").write_text(yaml.safe_dump(SMALL))
    path = folder / "pilots.yaml"
    path.write_text(yaml.safe_dump({**STUDY, **over}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pilots")
    return pilot(write_study(folder), workers=2)


def test_the_top_design_narrows_the_band_more_than_a_random_one_in_most_truths(analysis):
    table = analysis.table
    top = table.loc[table["rank"] == 1, "design"].item()
    assert top == "sales_8w"
    per = analysis.per_truth.pivot(index="truth", columns="design", values="band_width")
    share = float((per[top] < per["random_15_4w"]).mean())
    assert share >= 0.65, share
    row = table.set_index("design").loc[top]
    assert row["band_narrowing"] > 0.2
    assert row["band_narrowing_low"] < row["band_narrowing"] < row["band_narrowing_high"]
    assert row["decision_accuracy"] >= analysis.no_pilot["decision_accuracy"]


def test_degenerate_designs_rank_last_and_teach_nothing(analysis):
    table = analysis.table.set_index("design")
    assert set(table.sort_values("rank").index[-2:]) == {"one_person", "zero_weeks"}
    zero = table.loc["zero_weeks"]
    assert zero["cost"] == 0 and zero["people"] == 0
    assert zero["band_narrowing"] == pytest.approx(0.0, abs=1e-12)  # the prior, unchanged
    assert abs(table.loc["one_person", "band_narrowing"]) < 0.05
    # what a pilot teaches about each parameter: nothing without weeks, something with
    for path in ("behavior.w_social", "tool.value"):
        assert abs(zero[f"learned:{path}"]) < 0.02
    top = table.loc["sales_8w"]
    assert max(top["learned:behavior.w_social"], top["learned:tool.value"]) > 0.2


def test_the_folder_holds_the_table_the_chart_and_the_recommendation(analysis, tmp_path):
    folder = write_pilots(analysis, tmp_path / "out")
    table = pd.read_csv(folder / "pilots.csv")
    assert list(table.columns[:6]) == [
        "design", "cost", "band_width", "band_narrowing", "decision_accuracy", "rank",
    ]  # fmt: skip
    assert sorted(table["rank"]) == [1, 2, 3, 4]
    rec = json.loads((folder / "recommended.json").read_text())
    assert rec["recommended"] == "sales_8w"
    assert (folder / "pilots.png").stat().st_size > 10_000
    assert len(pd.read_csv(folder / "per_truth.csv")) == 4 * 30


def test_costs_follow_the_pilot_groups(analysis):
    table = analysis.table.set_index("design")
    sales = table.loc["sales_8w"]
    assert sales["cost"] == pytest.approx(1000 + 20 * sales["people"])
    assert table.loc["random_15_4w", "cost"] == pytest.approx(1000 + 20 * 15)


def test_plans_start_after_the_pilot(tmp_path):
    study = load_pilots(write_study(tmp_path))
    spec = design_scenario(study, study.designs[0], 1)
    pilot_s, sponsor = spec.strategies
    assert (pilot_s.type, pilot_s.end) == ("pilot", 8)
    assert sponsor.start == 9


def test_nearest_keeps_ties_and_leaves_the_truth_out():
    d = np.array([0.0, 0.1, 0.2, 0.2, 0.5])
    assert list(pp.nearest(d, 2, exclude=0)) == [1, 2, 3]
    assert list(pp.nearest(np.zeros(4), 2, exclude=1)) == [0, 2, 3]


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"designs": [{**DESIGNS[0], "weeks": 30}]}, r"designs\[0\].weeks.*no rollout"),
        ({"designs": [{**DESIGNS[1], "size": 0}]}, "selects nobody"),
        ({"designs": [{**DESIGNS[0], "departments": ["Legal"]}]}, "unknown departments"),
        ({"designs": [{**DESIGNS[0], "colour": "red"}]}, "unknown key 'colour'"),
        ({"outcome": {"maximize": "happiness"}}, "unknown metric"),
        ({"uncertainty": {"weeks": {"low": 10, "high": 20}}}, "cannot differ"),
        ({"truths": 200}, "bank"),
    ],
)
def test_bad_pilot_files_are_named(tmp_path, over, match):
    path = write_study(tmp_path, **over)
    with pytest.raises(PilotError, match=match):
        pilot(path)
    result = cli.invoke(app, ["pilot", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "pilots.yaml" in result.output


def test_the_shipped_pilot_designs_load():
    study = load_pilots(ROOT / "experiments" / "pilot_designs.yaml")
    assert len(study.designs) == 6 and study.truths == 50
