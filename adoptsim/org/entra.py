"""Directory rows from a Microsoft Entra ID (Azure AD) export: Microsoft Graph's JSON of
``/users`` with ``$expand=manager`` (one page or a folder of pages) or a CSV of users with a
manager column; and from an HRIS CSV with a column mapping.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from adoptsim.errors import OrganizationError, did_you_mean
from adoptsim.files import header_shown
from adoptsim.org.io_csv import _read_csv
from adoptsim.org.records import _Records

#: department of people whose export leaves it blank (rooms, service accounts, new hires)
NO_DEPARTMENT = "Unassigned"
#: the largest JSON page read
MAX_PAGE_BYTES = 1 << 30

#: Entra CSV header spellings (lower-case, spaces removed) of each field
ENTRA_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("objectid", "id", "userid"),
    "upn": ("userprincipalname", "upn"),
    "manager": ("manager", "managerid", "managerobjectid", "manageruserprincipalname"),
    "department": ("department",),
    "title": ("jobtitle", "title"),
    "location": ("officelocation", "office"),
    "mail": ("mail", "email", "emailaddress"),
}


@dataclass
class DirectoryRows:
    """People as read from a directory export, before validation: raw ids, raw manager
    references (an id, or for Entra also a user principal name), department, title,
    location; ``identities`` lists each identity (``identity``, ``row``, ``column``) that
    usage exports may name a person by."""

    source: str
    rec: _Records
    ids: list[str]
    managers: list[str]
    departments: list[str]
    titles: list[str]
    locations: list[str] | None
    identities: pd.DataFrame


def _json_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise OrganizationError("no .json pages in this folder", source=str(path))
        return files
    if not path.is_file():
        raise OrganizationError(f"directory export not found ({path.resolve()})", source=str(path))
    return [path]


def _page_users(path: Path) -> list[Any]:
    """The user objects of one Graph page (``value``)."""
    if path.stat().st_size > MAX_PAGE_BYTES:
        raise OrganizationError(f"larger than {MAX_PAGE_BYTES:,} bytes", source=str(path))
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise OrganizationError(f"not UTF-8 text (byte {exc.start})", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise OrganizationError(
            f"not JSON: {exc.msg}", source=str(path), where=f"line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise OrganizationError(
            "not a Microsoft Graph page of users: expected an object with a `value` list "
            "(GET /users?$select=id,userPrincipalName,displayName,department,jobTitle"
            "&$expand=manager($select=id))",
            source=str(path),
        )
    return data["value"]


def _text(obj: Mapping[str, Any], key: str, label: str, source: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise OrganizationError(f"`{key}` is not text", source=source, where=label)
    return str(value).strip()


def read_entra_json(path: str | Path) -> DirectoryRows:
    """Rows of Microsoft Graph ``/users`` pages with ``$expand=manager``."""
    path = Path(path)
    ids: list[str] = []
    labels: list[str] = []
    upns: list[str] = []
    mails: list[str] = []
    managers: list[str] = []
    departments: list[str] = []
    titles: list[str] = []
    locations: list[str] = []
    for file in _json_files(path):
        for i, user in enumerate(_page_users(file)):
            label = f"{file.name} value[{i}]"
            if not isinstance(user, dict):
                raise OrganizationError("a user is not an object", source=str(file), where=label)
            uid = _text(user, "id", label, str(file))
            upn = _text(user, "userPrincipalName", label, str(file))
            if not uid or not upn:
                missing = "id" if not uid else "userPrincipalName"
                raise OrganizationError(
                    f"the user has no `{missing}`; select it: $select=id,userPrincipalName,...",
                    source=str(file),
                    where=label,
                )
            manager = user.get("manager")
            if manager is not None and not (isinstance(manager, dict) and "id" in manager):
                raise OrganizationError(
                    "`manager` is not an object with an `id` (expand it: "
                    "$expand=manager($select=id))",
                    source=str(file),
                    where=label,
                )
            ids.append(uid)
            labels.append(label)
            upns.append(upn)
            mails.append(_text(user, "mail", label, str(file)))
            managers.append(_text(manager, "id", label, str(file)) if manager else "")
            departments.append(_text(user, "department", label, str(file)) or NO_DEPARTMENT)
            titles.append(_text(user, "jobTitle", label, str(file)))
            locations.append(_text(user, "officeLocation", label, str(file)))
    source = str(path)
    rec = _Records(source, None, labels)
    identities = _identities({"id": ids, "userPrincipalName": upns, "mail": mails})
    has_location = any(locations)
    return DirectoryRows(
        source, rec, ids, managers, departments, titles, locations if has_location else None,
        identities,
    )  # fmt: skip


def _identities(columns: Mapping[str, list[str]]) -> pd.DataFrame:
    """Every non-blank identity of every row, normalised, with the column it came from."""
    parts = []
    for column, values in columns.items():
        frame = pd.DataFrame({"identity": values, "row": range(len(values))})
        frame["identity"] = frame["identity"].astype(str).str.strip().str.lower()
        frame["column"] = column
        parts.append(frame[frame["identity"] != ""])
    return pd.concat(parts, ignore_index=True)


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    squashed = [h.replace(" ", "").replace("_", "") for h in header]
    for name in names:
        if name in squashed:
            return squashed.index(name)
    return None


def read_entra_csv(path: str | Path) -> DirectoryRows:
    """Rows of an Entra users CSV (the admin center's download with a manager column added,
    or a PowerShell export): objectId, userPrincipalName, department, jobTitle, manager (the
    manager's objectId or userPrincipalName), optionally officeLocation and mail."""
    path = Path(path)
    source = str(path)
    header, header_line, lines, rows = _read_csv(path, "Entra users")
    col = {f: _find_column(header, names) for f, names in ENTRA_CSV_COLUMNS.items()}
    missing = [f for f in ("id", "upn", "manager", "department") if col[f] is None]
    if missing:
        wanted = ", ".join(ENTRA_CSV_COLUMNS[f][0] for f in missing)
        raise OrganizationError(
            f"missing column(s) {wanted} of an Entra users export"
            f"{header_shown(header, [n for names in ENTRA_CSV_COLUMNS.values() for n in names])}",
            source=source,
            where=f"line {header_line}",
        )

    def values(field: str) -> list[str]:
        j = col[field]
        return [r[j] for r in rows] if j is not None else [""] * len(rows)

    ids, upns, mails = values("id"), values("upn"), values("mail")
    by_upn = {u.lower(): i for u, i in zip(upns, ids, strict=True) if u}
    managers = [by_upn.get(m.lower(), m) for m in values("manager")]
    locations = values("location")
    rec = _Records(source, lines, ids)
    return DirectoryRows(
        source,
        rec,
        ids,
        managers,
        [d or NO_DEPARTMENT for d in values("department")],
        values("title"),
        locations if any(locations) else None,
        _identities({"id": ids, "userPrincipalName": upns, "mail": mails}),
    )


def read_hris_csv(path: str | Path, columns: Mapping[str, str]) -> DirectoryRows:
    """Rows of an HRIS CSV whose columns ``columns`` maps from adoptsim's fields
    (employee_id, manager_id, department; optionally title, location, email)."""
    path = Path(path)
    source = str(path)
    header, header_line, lines, rows = _read_csv(path, "HRIS")
    col: dict[str, int] = {}
    for field, name in columns.items():
        key = str(name).strip().lower()
        if key not in header:
            raise OrganizationError(
                f'the column mapping names "{name}" for {field}, which is not a column of '
                f"this file{did_you_mean(key, header)}"
                f"{header_shown(header, [str(n) for n in columns.values()])}",
                source=source,
                where=f"line {header_line}",
            )
        col[field] = header.index(key)

    def values(field: str) -> list[str]:
        j = col.get(field)
        return [r[j] for r in rows] if j is not None else [""] * len(rows)

    ids = values("employee_id")
    locations = values("location")
    return DirectoryRows(
        source,
        _Records(source, lines, ids),
        ids,
        values("manager_id"),
        [d or NO_DEPARTMENT for d in values("department")],
        values("title"),
        locations if "location" in col else None,
        _identities({columns["employee_id"]: ids, columns.get("email", "email"): values("email")}),
    )
