"""Checks of imported employee records and ties: roles, unknown managers, cycles, duplicates,
self-ties; each error names the rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from adoptsim.errors import OrganizationError, did_you_mean

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    pass
from adoptsim.org.generate import _team_pairs
from adoptsim.org.organization import Organization, _listing
from adoptsim.org.spec import (
    _FILE_KINDS,
    _ROLE_ALIASES,
    _SHOW,
    DEFAULT_WEIGHTS,
    IMPORT_TEAM_TIES_MAX_TEAM,
    KINDS,
    ROLES,
    Role,
)


def _lines_where(lines: Sequence[int]) -> str:
    lines = sorted(set(lines))
    word = "line" if len(lines) == 1 else "lines"
    return f"{word} {_listing([str(x) for x in lines])}"


class _Records:
    """Names records in messages: CSV line numbers, or GraphML nodes/edges."""

    def __init__(self, source: str, lines: Sequence[int] | None, labels: Sequence[str]):
        self.source = source
        self.lines = lines
        self.labels = labels  # used when there are no line numbers

    def ref(self, k: int) -> str:
        return f"line {self.lines[k]}" if self.lines is not None else self.labels[k]

    def fail(
        self, problem: str, bad: Sequence[int], describe: Any, after: str = ""
    ) -> OrganizationError:
        """An error naming ``problem``, the bad records (described and located) and ``after``."""
        items = []
        for k in bad:
            text = describe(k)
            items.append(f"{text} ({self.ref(k)})" if text else self.ref(k))
        where = _lines_where([self.lines[k] for k in bad]) if self.lines is not None else None
        return OrganizationError(
            f"{problem}: {_listing(items)}{after}", source=self.source, where=where
        )


def _parse_roles(values: Sequence[str], rec: _Records) -> list[str | None]:
    out: list[str | None] = []
    bad: list[int] = []
    for k, v in enumerate(values):
        key = v.strip().lower().replace("-", "_").replace(" ", "_")
        if not key:
            out.append(None)
        elif key in _ROLE_ALIASES:
            out.append(_ROLE_ALIASES[key])
        else:
            out.append(None)
            bad.append(k)
    if bad:
        raise rec.fail(
            "unknown role",
            bad,
            lambda k: f'"{values[k]}"{did_you_mean(values[k], ROLES)}',
            f"; allowed: {', '.join(ROLES)} (also ic, mgr, exec)",
        )
    return out


def _find_cycles(manager: np.ndarray, start_nodes: np.ndarray, limit: int) -> list[list[int]]:
    """Distinct manager-chain cycles reachable from ``start_nodes`` (at most ``limit``)."""
    state = np.zeros(len(manager), dtype=np.int8)  # 0 new, 1 on the current path, 2 done
    cycles: list[list[int]] = []
    for s in start_nodes.tolist():
        path: list[int] = []
        v = s
        while v >= 0 and state[v] == 0:
            state[v] = 1
            path.append(v)
            v = int(manager[v])
        if v >= 0 and state[v] == 1:
            cycles.append(path[path.index(v) :])
        for u in path:
            state[u] = 2
        if len(cycles) >= limit:
            break
    return cycles


def _depths(manager: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Depth of every employee by pointer jumping, and a mask of those whose chain never ends."""
    n = len(manager)
    up = manager.copy()
    depth = (manager >= 0).astype(np.int64)
    for _ in range(max(1, math.ceil(math.log2(max(n, 2)))) + 2):
        active = np.flatnonzero(up >= 0)
        if len(active) == 0:
            break
        nxt = up[active]
        depth[active] = depth[active] + depth[nxt]
        up[active] = up[nxt]
    return depth, up >= 0


def _assemble(
    *,
    source: str,
    rec: _Records,
    ids: list[str],
    managers: list[str],
    departments: list[str],
    roles: list[str | None] | None,
    location: list[str] | None,
    attributes: pd.DataFrame,
    ties: tuple[list[str], list[str], np.ndarray, np.ndarray, _Records] | None,
    team_ties: bool,
    manager_field: str = "manager_id",
) -> Organization:
    """Validate employee records and ties, derive levels and roles, and build the organization."""
    if not ids:
        raise OrganizationError("no employees found (only a header?)", source=source)
    first_at = _unique_ids(ids, rec, source)
    no_dept = [k for k, d in enumerate(departments) if not d]
    if no_dept:
        raise rec.fail("empty department", no_dept, lambda k: f'"{ids[k]}"')
    manager, depth = _manager_chain(ids, managers, first_at, rec, source, manager_field)
    dept_names = list(dict.fromkeys(departments))
    dept_code = {d: i for i, d in enumerate(dept_names)}
    src, dst, kind, weight = _edge_arrays(manager, first_at, ties, team_ties)
    return Organization(
        ids=np.array(ids, dtype=object),
        departments=tuple(dept_names),
        department=np.array([dept_code[d] for d in departments], dtype=np.int32),
        role=_roles(manager, roles),
        level=depth.astype(np.int16),
        manager=manager,
        edge_src=src,
        edge_dst=dst,
        edge_kind=kind,
        edge_weight=weight,
        location=None if location is None else np.array(location, dtype=object),
        attributes=attributes,
        source=source,
    )


def _unique_ids(ids: list[str], rec: _Records, source: str) -> dict[str, int]:
    """Each employee id's position; blank and duplicate ids are errors naming the rows."""
    empty = [k for k, x in enumerate(ids) if not x]
    if empty:
        raise rec.fail("empty employee_id", empty, lambda k: "employee_id is blank")
    first_at: dict[str, int] = {}
    dupes: dict[str, list[int]] = {}
    for k, x in enumerate(ids):
        if x in first_at:
            dupes.setdefault(x, [first_at[x]]).append(k)
        else:
            first_at[x] = k
    if dupes:
        bad = [k for ks in dupes.values() for k in ks]
        items = [f'"{x}" ({", ".join(rec.ref(k) for k in ks)})' for x, ks in list(dupes.items())]
        where = _lines_where([rec.lines[k] for k in bad]) if rec.lines is not None else None
        raise OrganizationError(
            f"duplicate employee_id: {_listing(items)}", source=source, where=where
        )
    return first_at


def _manager_chain(
    ids: list[str],
    managers: list[str],
    first_at: dict[str, int],
    rec: _Records,
    source: str,
    manager_field: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Each employee's manager position (-1 at the top) and depth; unknown managers and
    cycles are errors naming the rows."""
    unknown = [k for k, m in enumerate(managers) if m and m not in first_at]
    if unknown:
        known = list(first_at) if len(ids) <= 10_000 else []
        raise rec.fail(
            f"unknown {manager_field}",
            unknown,
            lambda k: f'"{managers[k]}"{did_you_mean(managers[k], known)} for "{ids[k]}"',
        )
    manager = np.array([first_at[m] if m else -1 for m in managers], dtype=np.int64)
    depth, stuck = _depths(manager)
    if stuck.any():
        cycles = _find_cycles(manager, np.flatnonzero(stuck), _SHOW + 1)
        members = sorted({k for c in cycles for k in c})
        texts = [" -> ".join(f'"{ids[k]}"' for k in [*c, c[0]]) for c in cycles]
        where = _lines_where([rec.lines[k] for k in members]) if rec.lines is not None else None
        more = "" if len(cycles) <= _SHOW else " and more"
        raise OrganizationError(
            f"cycle in the manager chain: {'; '.join(texts[:_SHOW])}{more}",
            source=source,
            where=where,
        )
    if depth.max() > np.iinfo(np.int16).max:
        raise OrganizationError("the hierarchy is deeper than 32767 levels", source=source)
    return manager, depth


def _roles(manager: np.ndarray, roles: list[str | None] | None) -> np.ndarray:
    """Given roles, else derived: executive at the top, manager with reports, else
    individual contributor."""
    has_reports = np.bincount(manager[manager >= 0], minlength=manager.size) > 0
    derived = np.where(
        manager < 0,
        Role.EXECUTIVE,
        np.where(has_reports, Role.MANAGER, Role.INDIVIDUAL_CONTRIBUTOR),
    ).astype(np.int8)
    if roles is None:
        return derived
    given = np.array([-1 if r is None else ROLES.index(r) for r in roles], dtype=np.int8)
    return np.where(given >= 0, given, derived).astype(np.int8)


def _edge_arrays(
    manager: np.ndarray,
    first_at: dict[str, int],
    ties: tuple[list[str], list[str], np.ndarray, np.ndarray, _Records] | None,
    team_ties: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ends, kinds and weights of every tie: reporting lines, team ties, the file's ties."""
    src_parts = [np.flatnonzero(manager >= 0)]
    dst_parts = [manager[manager >= 0]]
    kind_parts = [np.full(len(src_parts[0]), KINDS.index("reports_to"), dtype=np.int8)]
    weight_parts = [np.full(len(src_parts[0]), DEFAULT_WEIGHTS["reports_to"])]
    if team_ties:
        a, b = _team_pairs(manager, 1.0, None, IMPORT_TEAM_TIES_MAX_TEAM)
        src_parts.append(a)
        dst_parts.append(b)
        kind_parts.append(np.full(len(a), KINDS.index("team"), dtype=np.int8))
        weight_parts.append(np.full(len(a), DEFAULT_WEIGHTS["team"]))
    if ties is not None:
        t_src, t_dst, t_kind, t_weight, t_rec = ties
        bad = [k for k in range(len(t_src)) if t_src[k] not in first_at or t_dst[k] not in first_at]
        if bad:

            def describe(k: int) -> str:
                who = [x for x in (t_src[k], t_dst[k]) if x not in first_at]
                return ", ".join(f'"{x}"' for x in who)

            raise t_rec.fail("tie to an unknown employee", bad, describe)
        self_ties = [k for k in range(len(t_src)) if t_src[k] == t_dst[k]]
        if self_ties:
            raise t_rec.fail("self-tie", self_ties, lambda k: f'"{t_src[k]}" to itself')
        src_parts.append(np.array([first_at[x] for x in t_src], dtype=np.int64))
        dst_parts.append(np.array([first_at[x] for x in t_dst], dtype=np.int64))
        kind_parts.append(t_kind.astype(np.int8))
        weight_parts.append(t_weight.astype(np.float64))
    return (
        np.concatenate(src_parts),
        np.concatenate(dst_parts),
        np.concatenate(kind_parts),
        np.concatenate(weight_parts),
    )


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def decimal_number(text: str) -> float:
    """A number written as in a spreadsheet's CSV (``12``, ``-0.5``, ``1e3``); a ValueError
    for anything else that Python's float() would also read (``1_0``, ``inf``, ``nan``)."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal number: {text!r}")
    return float(text)


def _parse_tie_values(
    kinds: Sequence[str], weights: Sequence[str | float | None], rec: _Records
) -> tuple[np.ndarray, np.ndarray]:
    """Kind codes and weights of tie records (blank kind: collaborates; blank weight: default)."""
    codes = np.empty(len(kinds), dtype=np.int8)
    bad_kind: list[int] = []
    for k, raw in enumerate(kinds):
        key = str(raw).strip().lower() if raw is not None else ""
        key = key or "collaborates"
        if key in _FILE_KINDS:
            codes[k] = KINDS.index(key)
        else:
            bad_kind.append(k)
    if bad_kind:
        raise rec.fail(
            "unknown tie kind",
            bad_kind,
            lambda k: f'"{kinds[k]}"{did_you_mean(str(kinds[k]), _FILE_KINDS)}',
            f"; allowed: {', '.join(_FILE_KINDS)} (reporting lines come from the manager ids)",
        )
    out = np.empty(len(kinds), dtype=np.float64)
    not_number: list[int] = []
    negative: list[int] = []
    for k, raw in enumerate(weights):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            out[k] = DEFAULT_WEIGHTS[KINDS[codes[k]]]
            continue
        try:
            value = decimal_number(raw) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            not_number.append(k)
            continue
        if not math.isfinite(value):
            not_number.append(k)
        elif value < 0:
            negative.append(k)
        out[k] = value
    if not_number:
        raise rec.fail("weight is not a number", not_number, lambda k: f'"{weights[k]}"')
    if negative:
        raise rec.fail("negative weight", negative, lambda k: f"{weights[k]}")
    return codes, out
