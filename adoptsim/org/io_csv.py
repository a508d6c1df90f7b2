"""Organizations from an employee CSV and an optional tie CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import OrganizationError, did_you_mean
from adoptsim.files import header_shown, open_text
from adoptsim.org.organization import Organization
from adoptsim.org.records import (
    _assemble,
    _lines_where,
    _parse_roles,
    _parse_tie_values,
    _Records,
    decimal_number,
)

#: the largest organization file read (a 2-million-employee tie list is about 1 GB)
MAX_ORG_BYTES = 2 * 2**30


def _read_csv(path: Path, what: str) -> tuple[list[str], int, list[int], list[list[str]]]:
    """Header (stripped, lower-case), its line, and the line number and values of each row."""
    if not path.exists():
        raise OrganizationError(
            f"{what} file not found (looked for {path.resolve()})", source=str(path)
        )
    source = str(path)
    header: list[str] | None = None
    header_line = 0
    lines: list[int] = []
    rows: list[list[str]] = []
    too_long: list[int] = []
    try:
        with open_text(path, MAX_ORG_BYTES, OrganizationError, source) as fh:
            reader = csv.reader(fh)
            for row in reader:
                cells = [c.strip() for c in row]
                if not any(cells):
                    continue
                if header is None:
                    header, header_line = [c.lower() for c in cells], reader.line_num
                    continue
                if len(cells) > len(header):
                    if any(cells[len(header) :]):
                        too_long.append(reader.line_num)
                    cells = cells[: len(header)]
                elif len(cells) < len(header):
                    cells += [""] * (len(header) - len(cells))
                lines.append(reader.line_num)
                rows.append(cells)
    except UnicodeDecodeError as exc:
        raise OrganizationError(f"not UTF-8 text ({exc.reason})", source=source) from None
    except csv.Error as exc:
        raise OrganizationError(f"not a valid CSV file: {exc}", source=source) from None
    if header is None:
        raise OrganizationError(f"the {what} file is empty", source=source)
    if too_long:
        raise OrganizationError(
            f"more values than the {len(header)} columns of the header",
            source=source,
            where=_lines_where(too_long),
        )
    seen = [h for h in header if h and header.count(h) > 1]
    if seen or any(not h for h in header):
        problem = f"repeated column(s) {', '.join(sorted(set(seen)))}" if seen else "empty column"
        raise OrganizationError(
            f"{problem} in the header", source=source, where=f"line {header_line}"
        )
    return header, header_line, lines, rows


def _require(header: list[str], required: Sequence[str], source: str, line: int) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        named = ", ".join(f"{c}{did_you_mean(c, header)}" for c in missing)
        raise OrganizationError(
            f"missing required column(s) {named}{header_shown(header, required)}",
            source=source,
            where=f"line {line}",
        )


def _column_frame(header: list[str], rows: list[list[str]], skip: set[str]) -> pd.DataFrame:
    """Extra columns as a DataFrame; all-numeric columns become numbers (blank -> NaN)."""
    data: dict[str, Any] = {}
    for j, name in enumerate(header):
        if name in skip:
            continue
        values = [r[j] for r in rows]
        try:
            data[name] = np.array([decimal_number(v) if v else np.nan for v in values])
            if all(v.lstrip("-").isdigit() for v in values):
                data[name] = data[name].astype(np.int64)
        except ValueError:
            data[name] = pd.array(values, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def load_csv(
    employees_path: str | Path,
    ties_path: str | Path | None = None,
    *,
    team_ties: bool = True,
) -> Organization:
    """An organization read from an employee CSV and an optional ties CSV.

    Employees: ``employee_id, manager_id, department`` (required; ``manager_id`` blank at the
    top), ``role`` (optional; blank or absent: executive without a manager, manager with
    reports, else individual contributor), ``location`` (optional); other columns go to
    ``attributes``. Ties: ``source, target`` (required), ``weight`` and ``kind`` (team,
    collaborates or informal; blank kind: collaborates, blank weight: the kind's default);
    a pair listed twice with one kind keeps the larger weight. With ``team_ties``, people
    with the same manager are tied in teams of at most 30. Problems raise an
    ``OrganizationError`` naming the file and the lines.
    """
    path = Path(employees_path)
    source = str(path)
    header, header_line, lines, rows = _read_csv(path, "employees")
    _require(header, ("employee_id", "manager_id", "department"), source, header_line)
    col = {name: j for j, name in enumerate(header)}
    if not rows:
        raise OrganizationError(
            "no employees found (only a header)", source=source, where=f"line {header_line}"
        )
    ids = [r[col["employee_id"]] for r in rows]
    rec = _Records(source, lines, ids)
    roles = _parse_roles([r[col["role"]] for r in rows], rec) if "role" in col else None
    location = [r[col["location"]] for r in rows] if "location" in col else None
    known = {"employee_id", "manager_id", "department", "role", "location"}
    ties = None
    if ties_path is not None:
        tpath = Path(ties_path)
        tsource = str(tpath)
        theader, tline, tlines, trows = _read_csv(tpath, "ties")
        _require(theader, ("source", "target"), tsource, tline)
        tcol = {name: j for j, name in enumerate(theader)}
        t_src = [r[tcol["source"]] for r in trows]
        t_dst = [r[tcol["target"]] for r in trows]
        t_rec = _Records(tsource, tlines, [f"{a}-{b}" for a, b in zip(t_src, t_dst, strict=True)])
        kinds = [r[tcol["kind"]] for r in trows] if "kind" in tcol else [""] * len(trows)
        weights = [r[tcol["weight"]] for r in trows] if "weight" in tcol else [""] * len(trows)
        codes, values = _parse_tie_values(kinds, weights, t_rec)
        ties = (t_src, t_dst, codes, values, t_rec)
    return _assemble(
        source=source,
        rec=rec,
        ids=ids,
        managers=[r[col["manager_id"]] for r in rows],
        departments=[r[col["department"]] for r in rows],
        roles=roles,
        location=location,
        attributes=_column_frame(header, rows, known),
        ties=ties,
        team_ties=team_ties,
    )
