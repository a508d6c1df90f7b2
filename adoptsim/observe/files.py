"""Reading usage exports strictly: folders expanded, CSV columns and dates checked, each
problem an ObserveError naming the file, the line and the column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.errors import InputError, did_you_mean

#: the largest single export file read (a day of a 100,000-person tenant is far smaller)
MAX_FILE_BYTES = 2 << 30


class ObserveError(InputError):
    """A usage export (or the options that read it) is invalid."""


@dataclass
class Usage:
    """What a usage export says: ``days`` (``identity``, ``date``: one row per active day,
    identities normalised), every identity that appears (``people``), those of deleted
    accounts, how many people (events, for activity CSVs) come without an identity, and the
    last date the export covers."""

    days: pd.DataFrame
    people: pd.Series
    last_date: pd.Timestamp
    files: int
    deleted: set[str] = field(default_factory=set)
    without_identity: int = 0


def expand(paths: Sequence[Path], suffixes: tuple[str, ...], what: str) -> list[Path]:
    """The files named, folders replaced by their files ending in ``suffixes`` (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(suffixes)
            )
            if not found:
                others = sorted({p.suffix for p in path.iterdir() if p.is_file() and p.suffix})
                held = f"; it holds {', '.join(others)} files: another format?" if others else ""
                raise ObserveError(
                    f"no {what} files ({', '.join(suffixes)}) in this folder{held}",
                    source=str(path),
                )
            out.extend(found)
        elif path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ObserveError(f"larger than {MAX_FILE_BYTES:,} bytes", source=str(path))
            out.append(path)
        else:
            raise ObserveError("no such file or folder", source=str(path))
    if not out:
        raise ObserveError(f"no {what} files given", source="PATH")
    return out


def csv_header(path: Path) -> list[str]:
    """The header of a CSV file (BOM and surrounding spaces removed)."""
    head = path.read_bytes()[:4]
    if head[:2] == b"\x1f\x8b":
        raise ObserveError(
            "this is a gzip file (a Slack export?), not a CSV file; use --format slack",
            source=str(path),
        )
    try:
        frame = pd.read_csv(path, nrows=0, encoding="utf-8-sig", dtype=str)
    except UnicodeDecodeError as exc:
        raise ObserveError(f"not UTF-8 text (byte {exc.start})", source=str(path)) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ObserveError(f"not a readable CSV file ({exc})", source=str(path)) from None
    return [str(c).strip() for c in frame.columns]


def require_columns(
    path: Path, header: list[str], needed: Sequence[str], what: str, hint: str = ""
) -> None:
    """An error naming the file, line 1 and each missing column."""
    missing = [c for c in needed if c not in header]
    if missing:
        named = ", ".join(f'"{c}"{did_you_mean(c, header)}' for c in missing)
        shown = ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")
        raise ObserveError(
            f"missing column(s) {named} of {what}; the file has: {shown}{hint}",
            source=str(path),
            where="line 1",
        )


def read_columns(path: Path, header: list[str], columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of a CSV as text ('' where blank), stripped; the index is the file line
    (the header on line 1); blank lines dropped."""
    names = [c for c in header]
    try:
        frame = pd.read_csv(
            path,
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            header=0,
            names=names,
            usecols=list(columns),
            engine="c",
        )
    except UnicodeDecodeError as exc:
        raise ObserveError(f"not UTF-8 text (byte {exc.start})", source=str(path)) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise ObserveError(f"not a readable CSV file ({exc})", source=str(path)) from None
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    frame = frame[list(columns)]
    for c in columns:
        frame[c] = frame[c].str.strip()
    return frame[(frame != "").any(axis=1)]


def parse_dates(
    values: pd.Series, path: Path, column: str, header: list[str], iso_times: bool = False
) -> pd.Series:
    """Calendar dates (datetime64, midnight) of ISO dates (``iso_times``: also date-times,
    those with an offset turned to UTC); blanks are NaT; anything else an error naming the
    first bad line and the column."""
    if iso_times:
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() & (values != "")
    if bad.any():
        line = values.index[np.argmax(bad.to_numpy())]
        raise ObserveError(
            f'the date "{values.loc[line]}" does not parse (expected YYYY-MM-DD'
            f"{', or an ISO date-time' if iso_times else ''})",
            source=str(path),
            where=at(line, column, header),
        )
    return parsed.dt.normalize()


def at(line: int, column: str, header: Sequence[str] | None = None) -> str:
    """``line N, column "X" (C)``: where a problem is."""
    pos = f" ({list(header).index(column) + 1})" if header and column in header else ""
    return f'line {line}, column "{column}"{pos}'


def check_not_before(
    dates: pd.Series, start: pd.Timestamp, path: Path, column: str, header: list[str] | None
) -> None:
    """An error naming the first line dated before the rollout's start."""
    early = (dates < start).to_numpy()
    if early.any():
        line = dates.index[np.argmax(early)]
        raise ObserveError(
            f"{dates.loc[line].date()} is before the rollout's start ({start.date()}); give "
            "the right --start or leave out the files before it",
            source=str(path),
            where=at(line, column, header),
        )
