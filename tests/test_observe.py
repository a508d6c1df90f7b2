"""``adoptsim observe``: the fixture exports (tests/data/exports, made by its generate.py)
turned into observed weeks, checked against weeks computed here with the standard library;
and every bad input of the issue an exit-2 error naming file, line and column, with nothing
written."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from adoptsim.cli import app
from adoptsim.errors import OrganizationError
from adoptsim.observe import slack
from adoptsim.observe.teams import REPORT_COLUMNS
from adoptsim.org import read_salt
from adoptsim.org.keys import hash_keys
from tests.conftest import EXPORTS, graph_users
from tests.test_yaml_input import EXAMPLES

START = dt.date(2026, 1, 5)
runner = CliRunner()


def observe(folder: Path, *args: str, out: str = "people.csv"):
    return runner.invoke(
        app,
        ["observe", "--scenario", str(folder / "rollout.yaml"), "--out", str(folder / out), *args],
    )


def key_of(folder: Path) -> dict[str, str]:
    """Each directory identity (lower-case upn, mail) -> the person's salted key."""
    salt = read_salt(folder / "adoptsim.salt", create=False)
    users = graph_users()
    keys = hash_keys([u["id"] for u in users], salt)
    out = {}
    for u, k in zip(users, keys, strict=True):
        out[u["userPrincipalName"].lower()] = k
        out[u["mail"].lower()] = k
    return out


def expected_weeks(days: dict[str, set[dt.date]], weeks: int, keys: dict[str, str]) -> set:
    """(key, week) of each directory person active in a week, from their active days."""
    out = set()
    for who, dates in days.items():
        if who.lower() not in keys:
            continue
        for d in dates:
            w = (d - START).days // 7 + 1
            if 1 <= w <= weeks:
                out.add((keys[who.lower()], w))
    return out


def active_pairs(path: Path) -> set:
    frame = pd.read_csv(path)
    return set(frame.loc[frame["active"] == 1, ["employee_id", "week"]].itertuples(index=False))


def test_slack_member_analytics_become_the_weeks_computed_by_hand(rollout: Path) -> None:
    res = observe(rollout, "--format", "slack", "--start", "2026-01-05", str(rollout / "slack"))
    assert res.exit_code == 0, res.output
    days: dict[str, set] = {}
    seen = set()
    for f in sorted((EXPORTS / "slack").glob("*.json.gz")):
        for line in gzip.decompress(f.read_bytes()).decode().splitlines():
            row = json.loads(line)
            if row["email_address"]:
                seen.add(row["email_address"])
            if row["is_active"] and row["email_address"]:
                days.setdefault(row["email_address"], set()).add(dt.date.fromisoformat(row["date"]))
    keys = key_of(rollout)
    assert active_pairs(rollout / "people.csv") == expected_weeks(days, 12, keys)
    people = pd.read_csv(rollout / "people.csv")
    assert len(people) == 60 * 12 and set(people["week"]) == set(range(1, 13))
    summary = json.loads((rollout / "people.summary.json").read_text())
    matched = {keys[e] for e in seen if e in keys}
    assert summary["matched"] == len(matched) and summary["unmatched"] == len(seen) - len(matched)
    assert summary["never_seen"] == 60 - len(matched)
    assert summary["unmatched"] == 2  # the Slack Connect guest and the contractor
    assert summary["without_identity"] == 1  # the deleted member, whose e-mail Slack blanks
    assert f"matched: {summary['matched']}" in res.output
    series = pd.read_csv(rollout / "people.series.csv")
    share = people.groupby("week")["active"].mean()
    assert list(series.columns) == ["week", "using_share"]
    assert series["using_share"].to_numpy() == pytest.approx(share.to_numpy(), abs=1e-6)


def test_teams_daily_reports_count_last_activity_dates_and_leave_out_a_partial_week(
    rollout: Path,
) -> None:
    res = observe(rollout, "-f", "teams", "--start", "2026-01-05", str(rollout / "teams"))
    assert res.exit_code == 0, res.output
    days: dict[str, set] = {}
    deleted = set()
    for f in sorted((EXPORTS / "teams").glob("*.csv")):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                refresh = dt.date.fromisoformat(row["Report Refresh Date"])
                if row["Is Deleted"] == "True":
                    deleted.add(row["User Principal Name"])
                if row["Last Activity Date"]:
                    d = dt.date.fromisoformat(row["Last Activity Date"])
                    if START <= d <= refresh:
                        days.setdefault(row["User Principal Name"], set()).add(d)
    keys = key_of(rollout)
    assert active_pairs(rollout / "people.csv") == expected_weeks(days, 2, keys)
    summary = json.loads((rollout / "people.summary.json").read_text())
    assert summary["weeks"] == 2 and summary["days_left_out"] == 3
    assert summary["unmatched"] == 1 and summary["unmatched_deleted"] == 1
    assert len(deleted) == 2  # a deleted member of the directory is still matched
    assert "left out" in res.output


def test_the_active_users_report_and_the_threshold_of_active_days(rollout: Path) -> None:
    res = observe(
        rollout, "-f", "teams", "--start", "2026-01-05", str(rollout / "m365_active_users.csv")
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(EXPORTS / "m365_active_users.csv", encoding="utf-8-sig")
    assert (
        pd.read_csv(rollout / "people.csv")["active"].sum()
        == frame["Teams Last Activity Date"].notna().sum()
    )
    one = observe(
        rollout, "-f", "teams", "--start", "2026-01-05", str(rollout / "teams"), out="a.csv"
    )
    three = observe(
        rollout,
        "-f",
        "teams",
        "--start",
        "2026-01-05",
        "--min-active-days",
        "3",
        str(rollout / "teams"),
        out="b.csv",
    )
    assert one.exit_code == 0 and three.exit_code == 0
    a, b = active_pairs(rollout / "a.csv"), active_pairs(rollout / "b.csv")
    assert b < a  # stricter: a subset, and a strict one on this fixture
    assert json.loads((rollout / "b.summary.json").read_text())["min_active_days"] == 3


def test_activity_events_match_without_case_and_count_utc_dates(rollout: Path) -> None:
    res = observe(
        rollout,
        "-f",
        "activity",
        "--person-column",
        "Actor",
        "--date-column",
        "occurred_at",
        "--start",
        "2026-01-05",
        str(rollout / "activity.csv"),
    )
    assert res.exit_code == 0, res.output
    days: dict[str, set] = {}
    with (EXPORTS / "activity.csv").open() as fh:
        for row in csv.DictReader(fh):
            t = dt.datetime.fromisoformat(row["occurred_at"]).astimezone(dt.UTC)
            days.setdefault(row["actor"].lower(), set()).add(t.date())
    assert active_pairs(rollout / "people.csv") == expected_weeks(days, 4, key_of(rollout))
    assert json.loads((rollout / "people.summary.json").read_text())["unmatched"] == 0


def test_an_existing_output_is_kept_unless_overwrite(rollout: Path) -> None:
    args = ["-f", "slack", "--start", "2026-01-05", str(rollout / "slack")]
    assert observe(rollout, *args).exit_code == 0
    before = (rollout / "people.csv").read_bytes()
    res = observe(rollout, *args[:-1], str(rollout / "slack" / "2026-01-05.json.gz"))
    assert res.exit_code == 2 and "--overwrite" in res.output
    assert (rollout / "people.csv").read_bytes() == before
    assert observe(rollout, *args, "--overwrite").exit_code == 0


def _write_gz(path: Path, lines: list[str]) -> None:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))


def _slack_line(**over) -> str:
    row = {
        "date": "2026-01-05",
        "user_id": "U1",
        "email_address": "a@x.example",
        "is_active": True,
        **over,
    }
    return json.dumps(row)


def _teams(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\ufeff" + "\n".join([header, *rows]) + "\n")
    return path


TEAMS_HEADER = '"Report Refresh Date","User Principal Name","Last Activity Date","Is Deleted"'


def _bad_inputs(folder: Path) -> dict[str, tuple[list[str], list[str]]]:
    """name -> (observe arguments, fragments the message must hold)."""
    bad = folder / "bad"
    bad.mkdir()
    slack = folder / "slack" / "2026-01-05.json.gz"
    teams = folder / "teams" / "TeamsUserActivityUserDetail2026-01-05.csv"
    trunc = bad / "trunc.json.gz"
    trunc.write_bytes(slack.read_bytes()[:-30])
    plain = bad / "plain.json.gz"
    plain.write_text(_slack_line())
    arr = bad / "array.json.gz"
    _write_gz(arr, [_slack_line(), "[1, 2]"])
    notjson = bad / "notjson.json.gz"
    _write_gz(notjson, [_slack_line(), _slack_line(), '{"date": "2026-01-05", user_id}'])
    slack_date = bad / "date.json.gz"
    _write_gz(slack_date, [_slack_line(), _slack_line(date="05/01/2026")])
    no_col = _teams(
        bad / "nocol.csv", '"Report Refresh Date","User Principal Name"', "2026-01-05,a@x"
    )
    teams_date = _teams(
        bad / "tdate.csv",
        TEAMS_HEADER,
        "2026-01-09,a@x,2026-01-08,False",
        "2026-01-09,b@x,13/01/2026,False",
    )
    early = _teams(
        bad / "early.csv", TEAMS_HEADER, "2026-01-09,a@x,,False", "2026-01-02,b@x,,False"
    )
    act = ["-f", "activity", "--date-column", "occurred_at", str(folder / "activity.csv")]
    s, t = ["-f", "slack", "--start", "2026-01-05"], ["-f", "teams", "--start", "2026-01-05"]
    return {
        "another format (slack files as teams)": (
            [*t, str(slack)],
            ["2026-01-05.json.gz", "gzip", "--format slack"],
        ),
        "another format (a teams CSV as slack)": (
            [*s, str(teams)],
            ["TeamsUserActivityUserDetail", "not a gzip"],
        ),
        "another format (a folder of CSVs as slack)": (
            [*s, str(folder / "teams")],
            ["teams", "another format"],
        ),
        "missing required column": (
            [*t, str(no_col)],
            ["nocol.csv", "line 1", "Last Activity Date"],
        ),
        "date that does not parse (CSV)": (
            [*t, str(teams_date)],
            ["tdate.csv", "line 3", 'column "Last Activity Date"', "13/01/2026"],
        ),
        "date that does not parse (Slack)": (
            [*s, str(slack_date)],
            ["date.json.gz", "line 2", '"date"'],
        ),
        "dates before the start": (
            [*t, str(early)],
            ["early.csv", "line 3", "Report Refresh Date", "before"],
        ),
        "Slack dates before the start": (
            ["-f", "slack", "--start", "2026-01-06", str(slack)],
            ["2026-01-05.json.gz", "line 1", "before"],
        ),
        "not gzip": ([*s, str(plain)], ["plain.json.gz", "not a gzip"]),
        "truncated gzip": ([*s, str(trunc)], ["trunc.json.gz", "truncated"]),
        "JSON that is not an object per line": (
            [*s, str(arr)],
            ["array.json.gz", "line 2", "not one object"],
        ),
        "a line that is not JSON": ([*s, str(notjson)], ["notjson.json.gz", "line 3", "column"]),
        "mapping to a missing column": (
            [*act, "--person-column", "who", "--start", "2026-01-05"],
            ["activity.csv", "line 1", '"who"'],
        ),
        "a start that is not a date": ([*s[:2], "--start", "2026-13-01", str(slack)], ["--start"]),
    }


BAD_CASES = [
    "another format (slack files as teams)",
    "another format (a teams CSV as slack)",
    "another format (a folder of CSVs as slack)",
    "missing required column",
    "date that does not parse (CSV)",
    "date that does not parse (Slack)",
    "dates before the start",
    "Slack dates before the start",
    "not gzip",
    "truncated gzip",
    "JSON that is not an object per line",
    "a line that is not JSON",
    "mapping to a missing column",
    "a start that is not a date",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_exits_2_naming_file_line_and_column_and_writes_nothing(
    rollout: Path, case: str
) -> None:
    args, fragments = _bad_inputs(rollout)[case]
    res = observe(rollout, *args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    text = " ".join(res.output.split())
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    assert not list(rollout.glob("people*"))
    assert not (rollout / "adoptsim.salt").exists()


def test_an_identity_that_names_two_employees_is_an_error(rollout: Path) -> None:
    page = rollout / "entra" / "users-2.json"
    data = json.loads(page.read_text())
    data["value"][3]["mail"] = data["value"][4]["userPrincipalName"].upper()
    page.write_text(json.dumps(data))
    res = observe(rollout, "-f", "slack", "--start", "2026-01-05", str(rollout / "slack"))
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "names two employees" in text and "users-2.json value[3] (mail)" in text
    assert "users-2.json value[4] (userPrincipalName)" in text
    assert not list(rollout.glob("people*")) and not (rollout / "adoptsim.salt").exists()


def test_a_generated_organization_cannot_be_observed(rollout: Path) -> None:
    (rollout / "gen.yaml").write_text("name: g\norganization: {generate: {employees: 50}}\n")
    res = runner.invoke(
        app,
        [
            "observe",
            "-f",
            "slack",
            "--start",
            "2026-01-05",
            "--scenario",
            str(rollout / "gen.yaml"),
            str(rollout / "slack"),
            "--out",
            str(rollout / "people.csv"),
        ],
    )
    assert res.exit_code == 2 and "generated organization" in res.output


_cells = st.one_of(
    st.sampled_from(
        [
            "2026-01-05",
            "2026-01-12",
            "2025-12-31",
            "2026-02-30",
            "",
            "True",
            "a@x.example",
            "A@X.EXAMPLE",
            '"',
            "\x00",
            "é",
            "13/01/2026",
            "1e9",
        ]
    ),
    st.text(max_size=6),
)
_header = st.lists(
    st.sampled_from(
        [
            "Report Refresh Date",
            "User Principal Name",
            "Last Activity Date",
            "Is Deleted",
            "actor",
            "when",
            "",
            "Report Refresh Date",
        ]
    ),
    max_size=5,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(["teams", "activity", "slack"]),
    header=_header,
    rows=st.lists(st.lists(_cells, max_size=5), max_size=6),
    raw=st.binary(max_size=40),
)
def test_any_generated_export_is_read_or_refused_cleanly(
    tmp_path_factory, fmt: str, header: list[str], rows: list[list[str]], raw: bytes
) -> None:
    """Any generated CSV, or gzip of lines, gives exit 0 or 2 (never a traceback)."""
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "rollout.yaml").write_text("name: f\norganization: {employees: people.csv}\n")
    (folder / "people.csv").write_text(
        "employee_id,manager_id,department,email\nE1,,HR,a@x.example\nE2,E1,HR,b@x.example\n"
    )
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    if fmt == "slack":
        lines = [
            json.dumps(
                dict(zip(["date", "user_id", "email_address", "is_active"], r, strict=False))
            )
            for r in rows
        ] + [raw.decode("latin-1")]
        path = folder / "day.json.gz"
        path.write_bytes(gzip.compress("\n".join(lines).encode()))
    else:
        path = folder / "export.csv"
        path.write_bytes(text.encode("utf-8", "surrogatepass") + raw[:5])
    extra = ["--person-column", "actor", "--date-column", "when"] if fmt == "activity" else []
    res = runner.invoke(
        app,
        [
            "observe",
            "-f",
            fmt,
            "--start",
            "2026-01-05",
            "--scenario",
            str(folder / "rollout.yaml"),
            str(path),
            "--out",
            str(folder / "o.csv"),
            *extra,
        ],
    )
    assert res.exit_code in (0, 2), (res.output, repr(res.exception))
    assert (res.exit_code == 0) == (folder / "o.csv").exists()


def test_the_fixture_teams_report_has_the_columns_the_reader_knows():
    """The fixture generator writes the real report's columns on its own (an independent
    copy, so fixtures do not follow the reader); both lists agree."""
    header = (EXPORTS / "teams").glob("*.csv").__next__().read_text(encoding="utf-8-sig")
    first = [h.strip('"') for h in header.splitlines()[0].split(",")]
    assert tuple(first) == REPORT_COLUMNS


def test_a_gzip_that_expands_beyond_the_bound_is_refused(tmp_path, monkeypatch) -> None:
    bomb = tmp_path / "members.json.gz"
    bomb.write_bytes(gzip.compress(b" " * 200_000))
    monkeypatch.setattr(slack, "MAX_FILE_BYTES", 10_000)
    with pytest.raises(slack.ObserveError, match="expands to more than 10,000 bytes"):
        slack.read_slack([bomb], pd.Timestamp("2026-01-05"))


def test_a_salt_that_is_a_fifo_is_refused_at_once(tmp_path) -> None:
    fifo = tmp_path / "adoptsim.salt"
    os.mkfifo(fifo)
    with pytest.raises(OrganizationError, match="not a regular file"):
        read_salt(fifo)
