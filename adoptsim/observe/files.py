"""Reading usage exports strictly: folders expanded, CSV columns and dates checked, each
problem an ObserveError naming the file, the line and the column."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import InputError, did_you_mean
from adoptsim.files import header_shown

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
    with path.open("rb") as fh:
        head = fh.read(4)
    if head[:2] == b"\x1f\x8b":
        raise ObserveError(
            "this is a gzip file (a Slack export?), not a CSV file; use --format slack",
            source=str(path),
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except UnicodeDecodeError as exc:
        raise ObserveError(f"not UTF-8 text (byte {exc.start})", source=str(path)) from None
    except csv.Error as exc:
        raise ObserveError(f"not a readable CSV file ({exc})", source=str(path)) from None
    if not header:
        raise ObserveError("the file is empty (no header)", source=str(path), where="line 1")
    return [c.strip() for c in header]


def require_columns(
    path: Path, header: list[str], needed: Sequence[str], what: str, hint: str = ""
) -> None:
    """An error naming the file, line 1 and each missing column."""
    missing = [c for c in needed if c not in header]
    if missing:
        named = ", ".join(f'"{c}"{did_you_mean(c, header)}' for c in missing)
        raise ObserveError(
            f"missing column(s) {named} of {what}{header_shown(header, needed)}{hint}",
            source=str(path),
            where="line 1",
        )


def read_table(path: Path, header: list[str], columns: Sequence[str]) -> Any:
    """``columns`` of a CSV as an Arrow table of trimmed text ('' where blank) and the file
    ``line`` of each row (the header on line 1); blank lines dropped."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns),
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ObserveError(f"not a readable CSV file ({exc})", source=str(path)) from None
    data = {c: pc.utf8_trim_whitespace(table[c]) for c in columns}
    data["line"] = pa.array(np.arange(2, 2 + table.num_rows, dtype=np.int64))
    out = pa.table(data)
    blank = None
    for c in columns:
        empty = pc.equal(out[c], "")
        blank = empty if blank is None else pc.and_(blank, empty)
    return out.filter(pc.invert(blank)) if blank is not None else out


def first_line(mask: Any, table: Any) -> int | None:
    """The file line of the first row where ``mask`` holds, or None."""
    import pyarrow.compute as pc

    k = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if k < 0 else int(table["line"][k].as_py())


def arrow_dates(table: Any, column: str, path: Path, header: list[str]) -> Any:
    """The column's YYYY-MM-DD dates (date32; blanks null); text that is not such a date is
    an error naming the first bad line and the column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = table[column]
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    line = first_line(pc.and_(pc.is_null(parsed), pc.not_equal(text, "")), table)
    if line is not None:
        k = pc.index(table["line"], line).as_py()
        raise ObserveError(
            f'the date "{text[k].as_py()}" does not parse (expected YYYY-MM-DD)',
            source=str(path),
            where=at(line, column, header),
        )
    return pc.cast(parsed, pa.date32())


def read_columns(path: Path, header: list[str], columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of a CSV as text ('' where blank), stripped; the index is the file line
    (the header on line 1); blank lines dropped."""
    table = read_table(path, header, columns)
    frame = table.to_pandas()
    frame.index = pd.Index(frame.pop("line"))
    return frame.astype(object)


def lower(values: pd.Series) -> pd.Series:
    """Lower-case text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    low = pc.utf8_lower(pa.array(values.to_numpy(dtype=object), type=pa.string()))
    return pd.Series(low.to_numpy(zero_copy_only=False), index=values.index, dtype=object)


def parse_dates(
    values: pd.Series, path: Path, column: str, header: list[str], iso_times: bool = False
) -> pd.Series:
    """Calendar dates (datetime64, midnight) of ISO dates (``iso_times``: also date-times,
    those with an offset turned to UTC); blanks are NaT; anything else an error naming the
    first bad line and the column. Each distinct text is parsed once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = pd.Series(uniques, dtype=object)
    if iso_times:
        parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    bad_text = (parsed.isna() & (texts != "")).to_numpy()
    if bad_text.any():
        line = values.index[np.argmax(bad_text[codes])]
        raise ObserveError(
            f'the date "{values.loc[line]}" does not parse (expected YYYY-MM-DD'
            f"{', or an ISO date-time' if iso_times else ''})",
            source=str(path),
            where=at(line, column, header),
        )
    out = parsed.dt.normalize().to_numpy()[codes]
    return pd.Series(out, index=values.index)


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
