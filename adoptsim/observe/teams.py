"""Microsoft 365 usage reports: Teams user activity user detail
(``getTeamsUserActivityUserDetail``) and the Microsoft 365 active users detail report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from adoptsim.observe.files import (
    ObserveError,
    Usage,
    check_not_before,
    csv_header,
    expand,
    parse_dates,
    read_columns,
    require_columns,
)

REFRESH = "Report Refresh Date"
UPN = "User Principal Name"
#: the last-activity column of the Teams report, and of the Microsoft 365 active users report
LAST_ACTIVITY = ("Last Activity Date", "Teams Last Activity Date")
DELETED = "Is Deleted"


def _hint(header: list[str]) -> str:
    if "user_id" in header or "person" in header:
        return " (not a Microsoft 365 usage report: another format?)"
    return (
        " (download the Teams user activity report's user detail, or the Microsoft 365 "
        "active users detail, as CSV)"
    )


def _read_file(
    path: Path, start: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Series, set[str], int, pd.Timestamp]:
    """One report: active days, people, deleted accounts, rows without a name."""
    header = csv_header(path)
    last = next((c for c in LAST_ACTIVITY if c in header), LAST_ACTIVITY[0])
    require_columns(
        path, header, (REFRESH, UPN, last), "a Microsoft 365 usage report", _hint(header)
    )
    cols = [REFRESH, UPN, last] + ([DELETED] if DELETED in header else [])
    frame = read_columns(path, header, cols)
    refresh = parse_dates(frame[REFRESH], path, REFRESH, header)
    blank = refresh.isna()
    if blank.any():
        line = refresh.index[int(blank.to_numpy().argmax())]
        raise ObserveError(
            "the report's refresh date is empty",
            source=str(path),
            where=f'line {line}, column "{REFRESH}"',
        )
    check_not_before(refresh, start, path, REFRESH, header)
    activity = parse_dates(frame[last], path, last, header)
    upn = frame[UPN].str.lower()
    named = upn != ""
    deleted = set()
    if DELETED in frame:
        deleted = set(upn[named & (frame[DELETED].str.lower() == "true")])
    active = named & activity.notna() & (activity >= start) & (activity <= refresh)
    days = pd.DataFrame({"identity": upn[active], "date": activity[active]})
    people = upn[named].drop_duplicates()
    return days, people, deleted, int((~named).sum()), refresh.max()


def read_teams(paths: Sequence[Path], start: pd.Timestamp) -> Usage:
    """Active days from Teams (or Microsoft 365 active users) detail reports: each row's last
    activity date, from the start to the report's refresh date, is an active day."""
    files = expand(paths, (".csv",), "Microsoft 365 usage report")
    parts = [_read_file(p, start) for p in files]
    days = pd.concat([p[0] for p in parts], ignore_index=True).drop_duplicates()
    people = pd.concat([p[1] for p in parts], ignore_index=True).drop_duplicates()
    deleted = set().union(*(p[2] for p in parts))
    return Usage(
        days=days,
        people=people,
        last_date=max(p[4] for p in parts),
        files=len(files),
        deleted=deleted,
        without_identity=max(p[3] for p in parts),
    )
