"""Per-person observations, read strictly, in two forms recognised by their columns:

* weekly activity ``employee_id,week,active`` (``active`` 1 or 0; people absent from a
  week were inactive that week: what usage exports give). The window ends at the last
  week in the file, or at ``--through W``;
* first use ``employee_id,first_week`` (empty: not by the end of the window), with the
  window's last week given by ``--through W`` (what adoption surveys give). People not in
  the file are not observed.

Both become one code per employee and week (:mod:`adoptsim.model.conditioned`: 1 used the
tool, 0 did not, -1 unknown): after a first use, whether someone used the tool is unknown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.calibration.observed import Observed, ObservedError, read_observed
from adoptsim.errors import InputError
from adoptsim.files import open_text, read_bytes
from adoptsim.org import Organization
from adoptsim.org.records import decimal_number
from adoptsim.scenario.sections import MAX_WEEKS

#: the largest per-person file read (52 weeks of 100,000 people take about 1 GB less)
MAX_BYTES = 512 * 2**20
ACTIVITY = ("employee_id", "week", "active")
FIRST_USE = ("employee_id", "first_week")
FORMS = {"activity": ACTIVITY, "first_use": FIRST_USE}
#: the series a per-person form is compared on, per department and for the organization
PERSON_SERIES = ("using_share", "ever_tried_share")


@dataclass(frozen=True)
class PersonObserved:
    """Per-person observations: ``codes[t]`` is week ``t``'s code per employee (row 0,
    the launch, is unknown), ``form`` ``activity`` or ``first_use``."""

    form: str
    codes: np.ndarray
    source: str

    @property
    def last_week(self) -> int:
        """The window's last week."""
        return self.codes.shape[0] - 1

    @property
    def people(self) -> np.ndarray:
        """Who is observed at all (one bool per employee)."""
        return (self.codes[1:] >= 0).any(axis=0)

    def until(self, week: int) -> PersonObserved:
        """The observations of weeks 1..``week`` only."""
        return PersonObserved(self.form, self.codes[: week + 1], self.source)

    def aggregate(self, org: Organization) -> Observed:
        """The observations as weekly shares per department and for the organization:
        ``using_share`` (activity form) and ``ever_tried_share``, over the observed
        people; what ``calibrate`` fits on (who adopted, by department)."""
        people = self.people
        dept = org.department[people]
        codes = self.codes[1:, people]
        tried = np.maximum.accumulate(codes == 1, axis=0)
        series = {"ever_tried_share": tried}
        if self.form == "activity":
            series = {"using_share": codes == 1, **series}
        records = []
        sizes = np.bincount(dept, minlength=len(org.departments))
        for name, flags in series.items():
            by_dept = np.stack([np.bincount(dept, row, minlength=sizes.size) for row in flags])
            for t in range(flags.shape[0]):
                records.append((t + 1, name, "", flags[t].mean()))
                for d, size in enumerate(sizes):
                    if size:
                        records.append((t + 1, name, org.departments[d], by_dept[t, d] / size))
        table = pd.DataFrame(records, columns=["week", "series", "department", "value"])
        return Observed(table, self.source, people=people)


def read_any(
    path: str | Path, org: Organization, weeks: int, through: int | None = None
) -> Observed:
    """An observed file of any form, as weekly shares: an aggregate series as it is, a
    per-person form by department (:meth:`PersonObserved.aggregate`)."""
    if person_form(path) is None:
        if through is not None:
            raise ObservedError(
                "--through applies to per-person files (employee_id,...); this file is an "
                "aggregate series",
                source=str(path),
            )
        counts = np.bincount(org.department, minlength=len(org.departments))
        sizes = {d: int(c) for d, c in zip(org.departments, counts, strict=True)}
        return read_observed(path, org.n, weeks, sizes)
    return read_persons(path, org, through, weeks).aggregate(org)


def person_form(path: str | Path) -> str | None:
    """``activity`` or ``first_use`` if the file's header is a per-person form, else None
    (an aggregate series, or not a file at all)."""
    try:
        with open_text(path, MAX_BYTES) as f:
            header = next(csv.reader([f.readline(1 << 16)]), [])
    except (InputError, OSError, UnicodeDecodeError, csv.Error):
        return None
    names = [h.strip() for h in header]
    if "employee_id" not in names:
        return None
    return "first_use" if "first_week" in names else "activity"


def read_persons(
    path: str | Path, org: Organization, through: int | None = None, weeks: int | None = None
) -> PersonObserved:
    """Read a per-person file against ``org``; ``through``: the window's last week
    (required for the first-use form); ``weeks``: the latest week allowed (default: the
    longest a scenario runs, MAX_WEEKS)."""
    path, source = Path(path), str(path)
    raw = read_bytes(path, MAX_BYTES, ObservedError, source)
    try:
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ObservedError(f"not a readable UTF-8 CSV file ({exc})", source=source) from None
    header = [h.strip() for h in rows[0]] if rows else []
    form = "first_use" if "first_week" in header else "activity"
    expected = FORMS[form]
    if sorted(header) != sorted(expected):
        raise ObservedError(
            f"the columns are {', '.join(header) or 'none'}; a per-person file has exactly "
            f"{','.join(ACTIVITY)} (weekly activity) or {','.join(FIRST_USE)} (first use)",
            source=source,
        )
    limit = f"the scenario's last week {weeks}"
    if weeks is None:
        weeks, limit = MAX_WEEKS, f"week {MAX_WEEKS}, the longest a scenario runs"
    if through is not None and through > weeks:
        raise ObservedError(f"{through} is after {limit}", source="--through")
    for n, r in enumerate(rows[1:], 2):
        if any(r) and len(r) != len(header):
            raise ObservedError(f"row {n} has {len(r)} cells for {len(header)} columns", source)
    cols = [header.index(c) for c in expected]
    body = [(n, [r[j].strip() for j in cols]) for n, r in enumerate(rows[1:], 2) if any(r)]
    index = {str(e): i for i, e in enumerate(org.ids)}
    if form == "activity":
        codes = _activity(body, index, org.n, through, (weeks, limit), source)
    else:
        if through is None:
            raise ObservedError(
                "the first-use form (employee_id,first_week) needs --through W: the last "
                "week the observations cover",
                source="--through",
            )
        codes = _first_use(body, index, org.n, through, source)
    return PersonObserved(form, codes, source)


def _person(cell: str, index: dict[str, int], n: int, source: str) -> int:
    if cell not in index:
        raise ObservedError(
            f"row {n}: unknown employee id {cell!r}: not in the organization", source=source
        )
    return index[cell]


def _whole_week(cell: str, n: int, column: str, last: int | None, what: str, source: str) -> int:
    try:
        value = decimal_number(cell)
    except ValueError:
        raise ObservedError(f"row {n}: {column} {cell!r} is not a number", source=source) from None
    if not value.is_integer() or value < 1:
        raise ObservedError(f"row {n}: {column} {cell!r} is not a whole week from 1", source)
    if last is not None and value > last:
        raise ObservedError(f"row {n}: {column} {cell} is after {what}", source=source)
    return int(value)


def _activity(body, index, n_people, through, latest, source) -> np.ndarray:
    last, what = (through, f"--through {through}") if through is not None else latest
    seen: dict[tuple[int, int], int] = {}
    active = []
    for n, (emp, week, flag) in body:
        i = _person(emp, index, n, source)
        t = _whole_week(week, n, "week", last, what, source)
        if flag not in ("0", "1"):
            raise ObservedError(f"row {n}: active {flag!r} is not 1 or 0", source=source)
        if (i, t) in seen:
            raise ObservedError(
                f"row {n}: employee {emp} appears twice in week {t} (also row {seen[i, t]})",
                source=source,
            )
        seen[i, t] = n
        if flag == "1":
            active.append((t, i))
    if not seen:
        raise ObservedError("the file holds no observation", source=source)
    end = through if through is not None else max(t for _, t in seen)
    codes = np.zeros((end + 1, n_people), dtype=np.int8)
    codes[0] = -1
    if active:
        t, i = np.array(active).T
        codes[t, i] = 1
    return codes


def _first_use(body, index, n_people, through, source) -> np.ndarray:
    first: dict[int, tuple[int | None, int]] = {}
    for n, (emp, cell) in body:
        i = _person(emp, index, n, source)
        limit = f"--through {through}"
        week = None if not cell else _whole_week(cell, n, "first_week", through, limit, source)
        if i in first:
            before, row = first[i]
            if (before is None) != (week is None):
                tried = before if before is not None else week
                raise ObservedError(
                    f"row {n}: employee {emp} is listed as first using the tool in week "
                    f"{tried} and as not having used it (rows {row} and {n}): a first use "
                    "cannot be undone",
                    source=source,
                )
            raise ObservedError(f"row {n}: employee {emp} appears twice (also row {row})", source)
        first[i] = (week, n)
    if not first:
        raise ObservedError("the file holds no observation", source=source)
    codes = np.full((through + 1, n_people), -1, dtype=np.int8)
    for i, (week, _) in first.items():
        if week is None:
            codes[1:, i] = 0
        else:
            codes[1:week, i] = 0
            codes[week, i] = 1
    return codes
