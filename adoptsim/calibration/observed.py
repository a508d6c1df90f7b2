"""The observed pilot: a CSV of weekly series, read strictly.

A ``week`` column (1 = the first simulated week), optionally a ``department`` column, and
one or more series named after curve columns: shares in 0..1 (``active_share``,
``ever_tried_share``, ...) or counts with the stem alone (``active``, ``ever_tried``),
divided by the organization's size (by the department's size per department). Empty cells
are weeks not observed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.errors import InputError, did_you_mean
from adoptsim.files import read_text
from adoptsim.model.engine import CURVE_COLUMNS, GROUP_COLUMNS
from adoptsim.org.records import decimal_number

#: the largest observed file read (a pilot's weeks fit in far less)
MAX_BYTES = 5 * 2**20
#: series that can only grow week by week
CUMULATIVE = ("ever_tried_share",)
SHARE_SERIES = tuple(c for c in CURVE_COLUMNS if c.endswith("_share"))


class ObservedError(InputError):
    """The observed data file is invalid."""


@dataclass(frozen=True)
class Observed:
    """Observations as a long table: ``week``, ``series``, ``department`` ('' for the whole
    organization) and ``value`` (a share). ``people``: for shares of per-person
    observations (:mod:`adoptsim.calibration.persons`), the employees they count (one bool
    each); the shares of a simulation are then counted over the same people."""

    table: pd.DataFrame
    source: str
    people: np.ndarray | None = None

    @property
    def series(self) -> list[str]:
        """The observed series, in file order."""
        return list(dict.fromkeys(self.table["series"]))

    @property
    def last_week(self) -> int:
        """The last week observed."""
        return int(self.table["week"].max())


def read_observed(
    path: str | Path,
    employees: int,
    weeks: int,
    department_sizes: dict[str, int] | None = None,
) -> Observed:
    """Read and check an observed-data CSV against an organization of ``employees`` people
    (``department_sizes`` per department) and a horizon of ``weeks``."""
    path = Path(path)
    source = str(path)
    text = _text(path, source)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ObservedError(f"not a readable CSV file ({exc})", source=source) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ObservedError("the file is empty; it needs a header with `week`", source=source)
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    by_dept = "department" in header
    check_header(header, source)
    columns = _series_columns(header, source, by_dept)
    w, d = header.index("week"), header.index("department") if by_dept else None
    records = []
    for n, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ObservedError(
                f"row {n} has {len(row)} cells for {len(header)} columns", source=source
            )
        week = _week(row[w], n, weeks, source)
        dept = row[d].strip() if d is not None else ""
        size = _size(dept, employees, department_sizes, n, source)
        for j, series in columns.items():
            cell = row[j].strip()
            if not cell:
                continue
            records.append((week, series, dept, _share(cell, header[j], size, n, source)))
    table = pd.DataFrame(records, columns=["week", "series", "department", "value"])
    if table.empty:
        raise ObservedError("the file holds no observation", source=source)
    _check_table(table, source)
    return Observed(table, source)


def _text(path: Path, source: str) -> str:
    return read_text(path, MAX_BYTES, ObservedError, source)


def _cut(text: str) -> str:
    """A cell or column of the file, quoted and cut short for a message."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:36] + "...'"


def check_header(header: list[str], source: str) -> None:
    """A header with one ``week`` column and at most one ``department``; without a
    ``week`` column the file is not an observed-data file and nothing of it is quoted."""
    if "week" not in header:
        raise ObservedError(
            "no `week` column in the first line: not an observed-data file (its first line "
            "names week and the observed series, e.g. week,active_share)",
            source=source,
        )
    for name in ("week", "department"):
        if header.count(name) > 1:
            raise ObservedError(f"the column {name} appears twice", source=source)


def _series_columns(header: list[str], source: str, by_dept: bool) -> dict[int, str]:
    allowed = GROUP_COLUMNS if by_dept else SHARE_SERIES
    names = [*allowed, *(s.removesuffix("_share") for s in allowed)]
    out: dict[int, str] = {}
    for j, name in enumerate(header):
        if name in ("week", "department"):
            continue
        series = name if name.endswith("_share") else f"{name}_share"
        if series not in allowed:
            scope = "per department" if by_dept else "allowed"
            raise ObservedError(
                f"unknown series {_cut(name)}{did_you_mean(name, names)}; {scope}: "
                f"{', '.join(allowed)} (or the count with the stem alone, e.g. active)",
                source=source,
            )
        if series in out.values():
            raise ObservedError(f"series {series} appears twice", source=source)
        out[j] = series
    if not out:
        raise ObservedError(
            "no series column besides week; name one after a curve, e.g. active_share",
            source=source,
        )
    return out


def _week(cell: str, n: int, weeks: int, source: str) -> int:
    try:
        value = decimal_number(cell)
    except ValueError:
        raise ObservedError(f"row {n}: week {_cut(cell)} is not a number", source=source) from None
    if not value.is_integer() or not 1 <= value <= weeks:
        raise ObservedError(
            f"row {n}: week {_cut(cell)} is not a whole week from 1 to the scenario's {weeks}",
            source=source,
        )
    return int(value)


def _size(dept: str, employees: int, sizes: dict[str, int] | None, n: int, source: str) -> int:
    if not dept:
        return employees
    if sizes is None or dept not in sizes:
        known = ", ".join(sizes or {})
        raise ObservedError(
            f"row {n}: unknown department {_cut(dept)}{did_you_mean(dept, sizes or {})}; the "
            f"organization's: {known}",
            source=source,
        )
    return sizes[dept]


def _share(cell: str, column: str, size: int, n: int, source: str) -> float:
    try:
        value = decimal_number(cell)
    except ValueError:
        raise ObservedError(
            f"row {n}, column {column[:40]}: {_cut(cell)} is not a number", source=source
        ) from None
    if column.endswith("_share"):
        if not 0.0 <= value <= 1.0:
            raise ObservedError(
                f"row {n}, column {column}: {cell} is not a share in 0..1", source=source
            )
        return value
    if value < 0 or value > size or not value.is_integer():
        raise ObservedError(
            f"row {n}, column {column}: {cell} is not a count of people from 0 to {size}",
            source=source,
        )
    return value / size


def _check_table(table: pd.DataFrame, source: str) -> None:
    dup = table.duplicated(["week", "series", "department"])
    if dup.any():
        r = table[dup].iloc[0]
        where = f" in {r['department']}" if r["department"] else ""
        raise ObservedError(f"week {r['week']} appears twice{where}", source=source)
    for (series, dept), g in table.groupby(["series", "department"], sort=False):
        if series not in CUMULATIVE:
            continue
        values = g.sort_values("week")["value"].to_numpy()
        drops = np.flatnonzero(np.diff(values) < -1e-12)
        if drops.size:
            week = int(g.sort_values("week")["week"].iloc[drops[0] + 1])
            raise ObservedError(
                f"{series} falls in week {week}{f' in {dept}' if dept else ''}, but it "
                "counts everyone who ever tried the tool and cannot fall",
                source=source,
            )
