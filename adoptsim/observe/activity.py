"""A generic CSV of activity events: one row per event, a person and a date (or date-time)
in columns named on the command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from adoptsim.errors import did_you_mean
from adoptsim.files import header_shown
from adoptsim.observe.files import (
    ObserveError,
    Usage,
    check_not_before,
    csv_header,
    expand,
    lower,
    parse_dates,
    read_columns,
)


def _column(path: Path, header: list[str], name: str, flag: str, both: list[str]) -> str:
    if name in header:
        return name
    lower = [h.lower() for h in header]
    if name.strip().lower() in lower:
        return header[lower.index(name.strip().lower())]
    raise ObserveError(
        f'{flag} names the column "{name}", which this file does not have'
        f"{did_you_mean(name, header)}{header_shown(header, both)}",
        source=str(path),
        where="line 1",
    )


def _read_file(path: Path, person: str, date: str, start: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    header = csv_header(path)
    p_col = _column(path, header, person, "--person-column", [person, date])
    d_col = _column(path, header, date, "--date-column", [person, date])
    frame = read_columns(path, header, [p_col, d_col] if p_col != d_col else [p_col])
    dates = parse_dates(frame[d_col], path, d_col, header, iso_times=True)
    empty = dates.isna()
    if empty.any():
        line = int(dates.index[empty.to_numpy().argmax()])
        raise ObserveError(
            "an event without a date", source=str(path), where=f'line {line}, column "{d_col}"'
        )
    check_not_before(dates, start, path, d_col, header)
    identity = lower(frame[p_col])
    return pd.DataFrame({"identity": identity, "date": dates}), int((identity == "").sum())


def read_activity(paths: Sequence[Path], start: pd.Timestamp, person: str, date: str) -> Usage:
    """Active days from activity events: a person's day with at least one event."""
    files = expand(paths, (".csv",), "activity CSV")
    parts = [_read_file(p, person, date, start) for p in files]
    frame = pd.concat([p[0] for p in parts], ignore_index=True)
    if frame.empty:
        raise ObserveError("the activity files hold no events", source=str(files[0]))
    named = frame[frame["identity"] != ""]
    return Usage(
        days=named.drop_duplicates(),
        people=named["identity"].drop_duplicates(),
        last_date=frame["date"].max(),
        files=len(files),
        without_identity=sum(p[1] for p in parts),
    )
