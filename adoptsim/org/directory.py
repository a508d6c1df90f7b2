"""Organizations from directory exports (Entra ID, HRIS), people keyed by salted hashes, and
the identities usage exports name them by.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from adoptsim.errors import OrganizationError
from adoptsim.org.entra import (
    DirectoryRows,
    read_entra_csv,
    read_entra_json,
    read_hris_csv,
)
from adoptsim.org.io_csv import _read_csv, _require
from adoptsim.org.keys import hash_keys, normalize, read_salt
from adoptsim.org.organization import Organization, _listing
from adoptsim.org.records import _assemble, _lines_where, _Records, decimal_number
from adoptsim.org.spec import KINDS, Role

#: how many people an identity may name before it is an error: one
_MAX_NAMED = 1


def read_directory(
    path: str | Path, fmt: Literal["entra", "hris"], columns: Mapping[str, str] | None = None
) -> DirectoryRows:
    """The rows of a directory export: ``entra`` (Graph JSON pages, or a CSV) or ``hris``
    (a CSV with the ``columns`` mapping)."""
    path = Path(path)
    if fmt == "hris":
        if columns is None:
            raise OrganizationError("an hris export needs a column mapping", source=str(path))
        return read_hris_csv(path, columns)
    if path.is_dir() or path.suffix.lower() == ".json":
        return read_entra_json(path)
    return read_entra_csv(path)


def identity_table(rows: DirectoryRows, keys: list[str]) -> pd.DataFrame:
    """``identity -> employee_id`` (the keys), one row per identity; an identity that names
    two people is an error naming both rows."""
    table = rows.identities.copy()
    table["employee_id"] = np.asarray(keys, dtype=object)[table["row"].to_numpy()]
    per = table.drop_duplicates(["identity", "employee_id"])
    counts = per.groupby("identity")["employee_id"].transform("size")
    clash = per[counts > _MAX_NAMED]
    if len(clash):
        first = clash["identity"].iloc[0]
        where = clash[clash["identity"] == first]
        refs = [
            f"{rows.rec.ref(int(r))} ({c})"
            for r, c in zip(where["row"], where["column"], strict=True)
        ]
        lines = (
            _lines_where([rows.rec.lines[int(r)] for r in where["row"]])
            if rows.rec.lines is not None
            else None
        )
        others = clash["identity"].nunique() - 1
        more = f"; {others} more identities do too" if others else ""
        raise OrganizationError(
            f'the identity "{first}" names two employees: {_listing(refs)}{more}',
            source=rows.source,
            where=lines,
        )
    return per[["identity", "employee_id"]].reset_index(drop=True)


def directory_roles(manager: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Roles from the reporting tree: executives are the people at the top who lead others
    and the leaders among their direct reports; everyone else with reports is a manager; the
    rest (people at the top without reports among them) are individual contributors."""
    n = manager.size
    has_reports = np.bincount(manager[manager >= 0], minlength=n) > 0
    top = (level == 0) & has_reports
    under_top = np.zeros(n, dtype=bool)
    mine = manager >= 0
    under_top[mine] = top[manager[mine]]
    executive = top | (under_top & has_reports)
    return np.where(
        executive,
        Role.EXECUTIVE,
        np.where(has_reports, Role.MANAGER, Role.INDIVIDUAL_CONTRIBUTOR),
    ).astype(np.int8)


def load_directory(
    path: str | Path,
    fmt: Literal["entra", "hris"],
    salt_path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    interactions: str | Path | None = None,
    team_ties: bool = True,
) -> tuple[Organization, pd.DataFrame]:
    """The organization of a directory export, keyed by salted hashes of the people's ids
    (the salt read from, or first written to, ``salt_path``), and its identity table
    (``identity, employee_id``). ``interactions``: an optional CSV of sender, recipient,
    count, read as weighted ``collaborates`` ties."""
    rows = read_directory(path, fmt, columns)
    if not rows.ids:
        raise OrganizationError("no people in the directory export", source=rows.source)
    field = "manager" if fmt == "entra" else "manager_id"
    raw = identity_table(rows, rows.ids)
    ties = None
    if interactions is not None:
        person = dict(zip(raw["identity"], raw["employee_id"], strict=True))
        ties = _interaction_ties(Path(interactions), person)
    org = _assemble(
        source=rows.source,
        rec=rows.rec,
        ids=rows.ids,
        managers=rows.managers,
        departments=rows.departments,
        roles=None,
        location=rows.locations,
        attributes=pd.DataFrame({"title": rows.titles}),
        ties=ties,
        team_ties=team_ties,
        manager_field=field,
    )
    keys = hash_keys(rows.ids, read_salt(salt_path))  # the salt is made for a valid export only
    org = dataclasses.replace(
        org, ids=np.array(keys, dtype=object), role=directory_roles(org.manager, org.level)
    )
    raw["employee_id"] = raw["employee_id"].map(dict(zip(rows.ids, keys, strict=True)))
    return org, raw


def _interaction_ties(
    path: Path, person: Mapping[str, str]
) -> tuple[list[str], list[str], np.ndarray, np.ndarray, _Records]:
    """Collaboration ties from an interaction export: counts summed per pair (both
    directions), weight = count / the largest pair's count; people outside the directory
    and self-ties left out."""
    source = str(path)
    header, header_line, lines, rows = _read_csv(path, "interactions")
    _require(header, ("sender", "recipient", "count"), source, header_line)
    j = [header.index(c) for c in ("sender", "recipient", "count")]
    counts = np.empty(len(rows))
    bad = []
    for k, r in enumerate(rows):
        try:
            counts[k] = decimal_number(r[j[2]])
        except ValueError:
            bad.append(k)
    if bad or (counts < 0).any():
        bad = bad or np.flatnonzero(counts < 0).tolist()
        raise OrganizationError(
            "count is not a non-negative number (column count)",
            source=source,
            where=_lines_where([lines[k] for k in bad]),
        )
    frame = pd.DataFrame(
        {
            "a": normalize(pd.Series([r[j[0]] for r in rows], dtype=object)).map(person),
            "b": normalize(pd.Series([r[j[1]] for r in rows], dtype=object)).map(person),
            "count": counts,
        }
    ).dropna()
    frame = frame[(frame["a"] != frame["b"]) & (frame["count"] > 0)]
    lo = frame[["a", "b"]].min(axis=1)
    hi = frame[["a", "b"]].max(axis=1)
    pairs = frame.assign(a=lo, b=hi).groupby(["a", "b"], as_index=False)["count"].sum()
    weight = (pairs["count"] / pairs["count"].max()).to_numpy() if len(pairs) else np.empty(0)
    src, dst = pairs["a"].tolist(), pairs["b"].tolist()
    codes = np.full(len(src), KINDS.index("collaborates"), dtype=np.int8)
    labels = [f"{a}-{b}" for a, b in zip(src, dst, strict=True)]
    return src, dst, codes, weight, _Records(source, None, labels)
