"""The app's rollout page without a browser: the calibrated scenarios it offers, a re-plan
from an uploaded file, usage exports, and errors shown (never raised) without revealing
the session's private folder or files outside the app's folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from adoptsim.app.rollout import RolloutState, calibrated, panel_weeks
from adoptsim.app.state import scenario_files
from adoptsim.scenario import load_scenario
from tests.conftest import EXPORTS
from tests.test_replan import observe, write_rollout

SMALL = {"particles": 12, "trials": 3, "runs": 6}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder with the 300-employee calibrated rollout, its 8 observed weeks and a
    scenario without a calibration."""
    folder = tmp_path_factory.mktemp("app-rollout")
    path = write_rollout(folder)
    observe(path, 8, folder)
    plain = yaml.safe_load(path.read_text())
    plain.pop("calibration")
    (folder / "plain.yaml").write_text(yaml.safe_dump({**plain, "name": "plain"}))
    (folder / "outside.yaml").write_text("name: outside\ncalibration:\n  posterior: /etc/passwd\n")
    return folder


def state_for(folder: Path, **settings) -> RolloutState:
    st = RolloutState(scenario_files(folder), folder)
    for key, value in {**SMALL, **settings}.items():
        assert st.set(key, value) is None
    return st


@pytest.fixture(scope="module")
def replanned(folder):
    st = state_for(folder, budget_left=5000)
    st.upload("my weeks.csv", (folder / "weeks.csv").read_bytes())
    st.run()
    return st


def test_the_page_offers_the_calibrated_scenarios_first(folder):
    assert calibrated(scenario_files(folder), folder) == ["rollout"]
    assert RolloutState(scenario_files(folder), folder).name == "rollout"


def test_a_replan_from_an_upload_narrows_recommends_and_extends(replanned, folder):
    st = replanned
    assert st.error is None and st.result is not None
    assert st.result.today == 8
    assert sorted(st.narrowing) == panel_weeks(8) == [2, 4, 6, 8]
    assert set(st.pngs) == {"narrowing", "replan"}
    assert all(png.startswith(b"\x89PNG") for png in st.pngs.values())
    rows = st.narrowing_rows()
    assert [r["after week"] for r in rows] == ["2", "4", "6", "8"]
    weekly = st.filter_rows()
    assert [r["after week"] for r in weekly] == [str(w) for w in range(1, 9)]
    assert {"behavior.w_social", "tool.value"} <= set(weekly[0])
    assert "Today: week 8" in st.recommendation_text()
    assert st.recommendation()["budget_left"] == 5000
    text = st.next_yaml()
    assert yaml.safe_load(text)["extends"] == "rollout.yaml"
    (folder / "next.yaml").write_text(text)
    nxt = load_scenario(folder / "next.yaml")
    assert nxt.calibration.posterior.endswith("posterior.csv")
    assert nxt.strategies[0].type == "internal_marketing"
    assert nxt.weeks == load_scenario(folder / "rollout.yaml").weeks


def test_the_narrowing_forecasts_start_from_what_was_observed(replanned):
    """Each panel's forecast holds the observed weeks as the filter saw them: its share
    using the tool in the panel's week equals the observed one in every particle."""
    st = replanned
    obs = st.shares().table
    org = obs[(obs["series"] == "using_share") & (obs["department"] == "")]
    for week, curves in st.narrowing.items():
        seen = float(org.loc[org["week"] == week, "value"].iloc[0])
        got = curves.loc[curves["week"] == week, "using_share"].to_numpy()
        assert np.allclose(got, seen, atol=1e-9), week


@pytest.mark.parametrize(
    ("content", "through", "match", "named"),
    [
        (b"person,week\nE1,1\n", None, "employee_id,week,active", True),
        (b"employee_id,week,active\nNOBODY,1,1\n", None, "unknown employee id 'NOBODY'", True),
        (None, 5, "after --through 5", True),
        (b"employee_id,first_week\n", None, "needs --through", False),
    ],
)
def test_bad_uploads_are_shown_naming_the_file_not_the_private_folder(
    folder, content, through, match, named
):
    st = state_for(folder)
    st.upload("weeks.csv", content if content is not None else (folder / "weeks.csv").read_bytes())
    st.set_through(through)
    assert st.run() is None
    assert match in st.error
    assert ("weeks.csv" in st.error) == named
    assert str(st._folder) not in st.error and "adoptsim-rollout-" not in st.error


def test_too_large_uploads_and_settings_out_of_range_are_refused(folder, monkeypatch):
    st = state_for(folder)
    monkeypatch.setattr("adoptsim.app.rollout.MAX_UPLOAD", 10)
    st.upload("big.csv", b"x" * 11)
    assert "more than 10 bytes" in st.error and not st.ready
    assert "budget" in st.set("budget_left", -1)
    assert "particles: give 2 to 500" in st.set("particles", 1)
    assert st.settings["particles"] == SMALL["particles"]  # kept


def test_a_scenario_without_a_calibration_says_how_to_make_one(folder):
    st = state_for(folder)
    st.choose("plain")
    st.upload("weeks.csv", (folder / "weeks.csv").read_bytes())
    assert st.run() is None
    assert "adoptsim calibrate" in st.error


def test_a_scenario_naming_a_file_outside_the_folder_is_refused_unread(folder):
    lines = [ln for ln in Path("/etc/passwd").read_text(errors="replace").splitlines() if ln]
    st = state_for(folder)
    st.choose("outside")
    st.upload("weeks.csv", (folder / "weeks.csv").read_bytes())
    assert st.run() is None
    assert "outside the scenarios' folder" in st.error
    assert not any(line in st.error for line in lines)


@pytest.fixture(scope="module")
def northwind(tmp_path_factory):
    """The fixture exports' organization (60 people from a directory export), calibrated."""
    folder = tmp_path_factory.mktemp("exports") / "northwind"
    shutil.copytree(EXPORTS, folder, ignore=shutil.ignore_patterns("*.salt", "generate.py"))
    g = np.random.default_rng(1)
    post = pd.DataFrame({"behavior.w_social": g.uniform(0.1, 0.5, 50), "weight": 1.0})
    post.to_csv(folder / "posterior.csv", index=False)
    data = yaml.safe_load((folder / "rollout.yaml").read_text())
    data["calibration"] = {"posterior": "posterior.csv"}
    (folder / "rollout.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize(
    ("fmt", "files", "today"),
    [
        ("teams", ["m365_active_users.csv"], 1),  # one 7-day active users report
        ("teams", [f"teams/{p.name}" for p in sorted((EXPORTS / "teams").glob("*.csv"))], 2),
        ("slack", [f"slack/{p.name}" for p in sorted((EXPORTS / "slack").glob("*.gz"))], 12),
        ("activity", ["activity.csv"], None),
    ],
)
def test_usage_exports_are_matched_to_the_organization(northwind, fmt, files, today):
    """Dropped usage exports (one file or a day's file each) of a calibrated imported
    organization: matched to its people as `adoptsim observe` does, and re-planned."""
    st = state_for(northwind, budget_left=10_000, trials=2)
    st.fmt, st.start = fmt, "2026-01-05"
    st.person_column, st.date_column = "actor", "occurred_at"
    st.upload_files([(Path(f).name, (northwind / f).read_bytes()) for f in files])
    st.run()
    assert st.error is None, st.error
    assert st.result.today >= 1 if today is None else st.result.today == today
    assert max(st.narrowing) == st.result.today


def test_export_errors_are_named(northwind, folder):
    st = state_for(northwind)
    st.fmt = "teams"
    st.upload("m365.csv", (EXPORTS / "m365_active_users.csv").read_bytes())
    st.start = "5 Jan"
    assert st.run() is None and "YYYY-MM-DD" in st.error
    st.fmt, st.start = "slack", "2026-01-05"
    assert st.run() is None and "m365.csv" in st.error and "gzip" in st.error
    assert "adoptsim-rollout-" not in st.error
    st.fmt = "activity"
    assert st.run() is None and "person and the date columns" in st.error
    plain = state_for(folder)  # a generated organization has nobody to match exports to
    plain.fmt, plain.start = "teams", "2026-01-05"
    plain.upload("m365.csv", (EXPORTS / "m365_active_users.csv").read_bytes())
    assert plain.run() is None and "generated organization" in plain.error
    plain.fmt = "per person"
    plain.upload_files([("a.csv", b"employee_id,week,active\n"), ("b.csv", b"")])
    assert plain.run() is None and "2 files dropped" in plain.error
