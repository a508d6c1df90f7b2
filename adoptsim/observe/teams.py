"""Microsoft 365 usage reports: Teams user activity user detail
(``getTeamsUserActivityUserDetail``) and the Microsoft 365 active users detail report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from adoptsim.observe.files import (
    ObserveError,
    Usage,
    arrow_dates,
    at,
    csv_header,
    expand,
    first_line,
    read_table,
    require_columns,
)

REFRESH = "Report Refresh Date"
UPN = "User Principal Name"
#: the last-activity column of the Teams report, and of the Microsoft 365 active users report
LAST_ACTIVITY = ("Last Activity Date", "Teams Last Activity Date")
DELETED = "Is Deleted"
#: every column of the Teams user activity user-detail report as Microsoft 365 writes it
#: (getTeamsUserActivityUserDetail), in its order: what fixtures and benchmarks write
REPORT_COLUMNS = (
    "Report Refresh Date", "User Id", "User Principal Name", "Last Activity Date",
    "Is Deleted", "Deleted Date", "Assigned Products", "Team Chat Message Count",
    "Private Chat Message Count", "Call Count", "Meeting Count", "Meetings Organized Count",
    "Meetings Attended Count", "Ad Hoc Meetings Organized Count",
    "Ad Hoc Meetings Attended Count", "Scheduled One-time Meetings Organized Count",
    "Scheduled One-time Meetings Attended Count", "Scheduled Recurring Meetings Organized Count",
    "Scheduled Recurring Meetings Attended Count", "Audio Duration", "Video Duration",
    "Screen Share Duration", "Has Other Action", "Urgent Messages", "Post Messages",
    "Tenant Display Name", "Shared Channel Tenant Display Names", "Reply Messages",
    "Is Licensed", "Report Period",
)  # fmt: skip


def _hint(header: list[str]) -> str:
    if "user_id" in header or "person" in header:
        return " (not a Microsoft 365 usage report: another format?)"
    return (
        " (download the Teams user activity report's user detail, or the Microsoft 365 "
        "active users detail, as CSV)"
    )


def _read_file(path: Path, start: pd.Timestamp) -> dict[str, Any]:
    """One report: active days, people, deleted accounts, rows without a name, its date."""
    import pyarrow as pa
    import pyarrow.compute as pc

    header = csv_header(path)
    last = next((c for c in LAST_ACTIVITY if c in header), LAST_ACTIVITY[0])
    require_columns(
        path, header, (REFRESH, UPN, last), "a Microsoft 365 usage report", _hint(header)
    )
    table = read_table(
        path, header, [REFRESH, UPN, last, *([DELETED] if DELETED in header else [])]
    )
    refresh = arrow_dates(table, REFRESH, path, header)
    line = first_line(pc.is_null(refresh), table)
    if line is not None:
        raise ObserveError(
            "the report's refresh date is empty", source=str(path), where=at(line, REFRESH, header)
        )
    first = pa.scalar(start.date(), type=pa.date32())
    line = first_line(pc.less(refresh, first), table)
    if line is not None:
        raise ObserveError(
            f"the report's date is before the rollout's start ({start.date()}); give the right "
            "--start or leave out the files before it",
            source=str(path),
            where=at(line, REFRESH, header),
        )
    activity = arrow_dates(table, last, path, header)
    upn = pc.utf8_lower(table[UPN])
    named = pc.not_equal(upn, "")
    deleted: set[str] = set()
    if DELETED in header:
        gone = pc.and_(named, pc.equal(pc.utf8_lower(table[DELETED]), "true"))
        deleted = set(pc.filter(upn, gone).to_pylist())
    in_window = pc.and_(pc.greater_equal(activity, first), pc.less_equal(activity, refresh))
    active = pc.and_(named, pc.fill_null(in_window, False))
    return {
        "days": pa.table({"identity": pc.filter(upn, active), "date": pc.filter(activity, active)}),
        "people": pc.unique(pc.filter(upn, named)),
        "deleted": deleted,
        "blank": table.num_rows - pc.sum(named).as_py() if table.num_rows else 0,
        "date": pc.max(refresh).as_py(),
    }


def read_teams(paths: Sequence[Path], start: pd.Timestamp) -> Usage:
    """Active days from Teams (or Microsoft 365 active users) detail reports: each row's last
    activity date, from the start to the report's refresh date, is an active day."""
    import pyarrow as pa
    import pyarrow.compute as pc

    files = expand(paths, (".csv",), "Microsoft 365 usage report")
    parts = [_read_file(p, start) for p in files]
    days = pa.concat_tables([p["days"] for p in parts]).group_by(["identity", "date"]).aggregate([])
    days = days.set_column(1, "date", pc.cast(days["date"], pa.timestamp("ns")))
    people = pc.unique(pa.chunked_array([p["people"] for p in parts], type=pa.string()))
    dates = [p["date"] for p in parts if p["date"] is not None]
    if not dates:
        raise ObserveError("the reports hold no rows", source=str(files[0]))
    return Usage(
        days=days.to_pandas(),
        people=pd.Series(people.to_numpy(zero_copy_only=False), dtype=object),
        last_date=pd.Timestamp(max(dates)),
        files=len(files),
        deleted=set().union(*(p["deleted"] for p in parts)),
        without_identity=max(p["blank"] for p in parts),
    )
