"""The organization: who works where, who reports to whom, and who is tied to whom.

An organization is either generated (a hierarchy with a span of control, departments, dense
ties inside teams, sparse cross-department collaboration ties and small-world informal ties)
or imported (an employee CSV with an optional ties CSV, or a GraphML file). Either way it
becomes an :class:`Organization`: flat NumPy arrays indexed ``0..N-1`` plus an edge list, with
a cached sparse adjacency for the model's array computations. This module knows nothing of
Mesa.

Conventions the rest of the package relies on:

* Employee ``i`` is row ``i`` of every array; ``ids[i]`` is its external id (a string).
* ``level`` is the depth in the reporting hierarchy: 0 at the top (the CEO of a generated
  organization; every employee without a manager in an imported one).
* In a generated organization the CEO is employee 0 and belongs to the *first* department
  (there is no separate "Executive" department), so department sizes add up to ``employees``.
* Edges are undirected, stored once per (pair, kind); a pair may carry several kinds.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adoptsim.errors import OrganizationError, did_you_mean

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    import networkx as nx

__all__ = [
    "DEFAULT_DEPARTMENTS",
    "DEFAULT_WEIGHTS",
    "IMPORT_TEAM_TIES_MAX_TEAM",
    "KINDS",
    "ROLES",
    "GenerateSpec",
    "Organization",
    "OrganizationSpec",
    "build",
    "centrality",
    "generate",
    "load_csv",
    "load_graphml",
    "write_graphml",
]

#: employee roles; ``Organization.role`` holds codes into this tuple
ROLES: tuple[str, ...] = ("individual_contributor", "manager", "executive")
#: tie kinds; ``Organization.edge_kind`` holds codes into this tuple
KINDS: tuple[str, ...] = ("reports_to", "team", "collaborates", "informal")

#: default tie strength per kind: the formal line strongest, weak ties weakest
#: (Granovetter's strong/weak distinction; the exact values are modelling choices)
DEFAULT_WEIGHTS: dict[str, float] = {
    "reports_to": 1.0,
    "team": 0.8,
    "collaborates": 0.5,
    "informal": 0.2,
}
#: default department shares of a generated organization
DEFAULT_DEPARTMENTS: dict[str, float] = {
    "Sales": 0.3,
    "Engineering": 0.4,
    "Operations": 0.2,
    "HR": 0.1,
}
#: imported organizations get ``team`` ties only inside teams (people with the same manager)
#: of at most this many members: a complete graph on a 200-person "team" is not a team
IMPORT_TEAM_TIES_MAX_TEAM = 30

#: tie kinds a ties file (or a GraphML edge) may name; reporting lines come from manager ids
_FILE_KINDS = ("team", "collaborates", "informal")
#: role spellings accepted on import (after lower-casing and turning spaces/dashes into "_")
_ROLE_ALIASES: dict[str, str] = {
    "individual_contributor": "individual_contributor",
    "ic": "individual_contributor",
    "contributor": "individual_contributor",
    "individual": "individual_contributor",
    "employee": "individual_contributor",
    "manager": "manager",
    "mgr": "manager",
    "management": "manager",
    "executive": "executive",
    "exec": "executive",
    "leadership": "executive",
}
#: at most this many offending records are named in one message
_SHOW = 5
#: candidate pairs handled per vectorised block when drawing team ties
_PAIR_BLOCK = 2_000_000
#: refuse to generate more team ties than this (a sign of huge widened teams)
_MAX_TEAM_TIES = 50_000_000


# --------------------------------------------------------------------------------------
# specifications
# --------------------------------------------------------------------------------------


class GenerateSpec(BaseModel):
    """How to generate a synthetic organization."""

    model_config = ConfigDict(extra="forbid")

    # a mid-sized business unit: large enough for smooth curves, small enough to run fast
    employees: int = Field(500, ge=2, description="Number of employees, the CEO included.")
    # a typical four-function company; shares sum to 1
    departments: list[str] | dict[str, int] | dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_DEPARTMENTS),
        description=(
            "Departments: a list of names (equal shares), a mapping name -> share (decimals "
            "summing to about 1, normalised) or name -> head count (integers summing to "
            "employees). The CEO is counted in the first department."
        ),
    )
    # practitioner surveys put a manager's direct reports at typically 5-10
    span_of_control: int = Field(
        7, ge=2, le=50, description="Most direct reports a manager has (below the CEO)."
    )
    # None: let the span decide the depth, as most generated hierarchies do
    levels: int | None = Field(
        None,
        ge=3,
        description=(
            "Number of hierarchy levels, the CEO's level (0) and the department heads' (1) "
            "included; when the span would need more, the lowest managers get wider spans. "
            "None: as many as the span of control requires."
        ),
    )
    # teams of 5-10 are dense but not complete cliques
    team_tie_density: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Probability that two members of the same team (same manager) are tied.",
    )
    # a few regular collaborators outside one's own team
    collaboration_ties: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="Mean number of 'collaborates' ties per employee.",
    )
    # most collaboration stays inside a department; a fifth crosses
    cross_department_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of 'collaborates' ties that join two departments.",
    )
    # about one weak tie each: enough shortcuts for a small world
    informal_ties: float = Field(
        1.0,
        ge=0,
        le=1000,
        description=(
            "Mean number of 'informal' (weak) ties per employee, to people anywhere in the "
            "organization chosen uniformly at random: the small-world shortcuts."
        ),
    )
    # strong formal line, weak informal ties (see DEFAULT_WEIGHTS)
    weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description=(
            "Tie strength per kind (reports_to, team, collaborates, informal); kinds left out "
            "keep their defaults (1.0, 0.8, 0.5, 0.2)."
        ),
    )
    # most organizations model a single site
    locations: list[str] | None = Field(
        None,
        description=(
            "Optional site names; each team (a manager's direct reports) is placed at one "
            "site drawn uniformly at random."
        ),
    )

    @field_validator("departments", mode="before")
    @classmethod
    def _check_departments(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("give a list of department names or a mapping name -> share/count")
        if isinstance(value, Mapping):
            if not value:
                raise ValueError("give at least one department")
            for name, v in value.items():
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise ValueError(f'department "{name}": give a share or a head count')
            names = [str(k).strip() for k in value]
        elif isinstance(value, Sequence):
            if not value:
                raise ValueError("give at least one department")
            names = [str(k).strip() for k in value]
        else:
            return value
        if any(not n for n in names):
            raise ValueError("department names must not be empty")
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"department names repeat: {', '.join(dupes)}")
        return value

    @field_validator("weights", mode="before")
    @classmethod
    def _merge_weights(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        unknown = [k for k in value if k not in KINDS]
        if unknown:
            k = unknown[0]
            raise ValueError(
                f'unknown tie kind "{k}"{did_you_mean(k, KINDS)}; allowed: {", ".join(KINDS)}'
            )
        return {**DEFAULT_WEIGHTS, **value}

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, value: dict[str, float]) -> dict[str, float]:
        for k, w in value.items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f'weight of "{k}" must be a non-negative number, got {w}')
        return {k: float(value[k]) for k in KINDS}

    @field_validator("locations")
    @classmethod
    def _check_locations(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [str(v).strip() for v in value]
        if not names or any(not n for n in names):
            raise ValueError("give at least one location, none of them empty")
        if len(set(names)) != len(names):
            raise ValueError("location names repeat")
        return names

    @model_validator(mode="after")
    def _check_sizes(self) -> GenerateSpec:
        deps = self.departments
        if len(deps) + 1 > self.employees:
            raise ValueError(
                f"{len(deps)} departments need at least {len(deps) + 1} employees "
                f"(a CEO and a head per department), got {self.employees}"
            )
        if isinstance(deps, dict):
            values = list(deps.values())
            if all(isinstance(v, int) for v in values):
                if any(v < 1 for v in values):
                    raise ValueError("department head counts must be at least 1")
                if sum(values) != self.employees:
                    raise ValueError(
                        f"department head counts sum to {sum(values)}, not to employees "
                        f"({self.employees}); give shares as decimals (0.3) to have them scaled"
                    )
                if values[0] < 2:
                    raise ValueError(
                        f'the first department ("{next(iter(deps))}") holds the CEO and its '
                        "head, so it needs at least 2 people"
                    )
            else:
                if any(not math.isfinite(v) or v <= 0 for v in values):
                    raise ValueError("department shares must be positive")
                total = sum(values)
                if abs(total - 1.0) > 0.02:
                    raise ValueError(
                        f"department shares sum to {total:g}, not to 1; give integers to fix "
                        "head counts exactly"
                    )
        return self

    def department_sizes(self) -> dict[str, int]:
        """Head count per department (the CEO counted in the first), summing to ``employees``."""
        deps = self.departments
        if isinstance(deps, dict) and all(isinstance(v, int) for v in deps.values()):
            return {str(k).strip(): int(v) for k, v in deps.items()}
        if isinstance(deps, dict):
            names = [str(k).strip() for k in deps]
            shares = np.array([float(v) for v in deps.values()])
        else:
            names = [str(k).strip() for k in deps]
            shares = np.ones(len(names))
        sizes = _largest_remainder(shares / shares.sum(), self.employees)
        minimum = np.ones(len(names), dtype=np.int64)
        minimum[0] = 2
        # rounding may leave a tiny department empty: take the missing heads from the largest
        while np.any(sizes < minimum):
            short = int(np.argmax(sizes < minimum))
            spare = sizes - minimum
            donor = int(np.argmax(spare))
            sizes[donor] -= 1
            sizes[short] += 1
        return dict(zip(names, (int(s) for s in sizes), strict=True))


class OrganizationSpec(BaseModel):
    """Where the organization comes from: generated, or imported from CSV or GraphML."""

    model_config = ConfigDict(extra="forbid")

    # None here and no file given means a generated organization with the defaults
    generate: GenerateSpec | None = Field(
        None, description="Generate a synthetic organization with these settings."
    )
    # None: not imported from CSV
    employees: str | None = Field(
        None,
        description=(
            "Employee CSV (employee_id, manager_id, department[, role, location, ...]); "
            "relative to the scenario file's folder."
        ),
    )
    # None: no ties beyond the reporting lines and teams
    ties: str | None = Field(
        None,
        description=(
            "Optional ties CSV (source, target[, weight, kind]) that goes with 'employees'; "
            "relative to the scenario file's folder."
        ),
    )
    # None: not imported from GraphML
    graphml: str | None = Field(
        None,
        description=(
            "GraphML file with node attributes department, role, manager and edge attributes "
            "kind, weight; relative to the scenario file's folder."
        ),
    )
    # an imported chart rarely lists team ties, and people who share a manager know each other
    team_ties: bool = Field(
        True,
        description=(
            "Imported organizations only: tie every pair of people with the same manager "
            f"('team' ties) in teams of at most {IMPORT_TEAM_TIES_MAX_TEAM} members."
        ),
    )
    # one organization for all replicates isolates the effect of strategies
    new_per_replicate: bool = Field(
        False,
        description=(
            "Generated organizations only: draw a new organization for every replicate "
            "instead of one shared by all."
        ),
    )

    @model_validator(mode="after")
    def _one_source(self) -> OrganizationSpec:
        given = [k for k in ("generate", "employees", "graphml") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(
                f"give only one of generate, employees, graphml (got {' and '.join(given)})"
            )
        if self.ties is not None and self.employees is None:
            raise ValueError("ties needs an employees file: add employees: <employee CSV>")
        if not given:
            self.generate = GenerateSpec()
        if self.new_per_replicate and self.generate is None:
            raise ValueError(
                "new_per_replicate applies only to generated organizations; an imported one "
                "is the same in every replicate"
            )
        if not self.team_ties and self.generate is not None:
            raise ValueError(
                "team_ties applies only to imported organizations; for a generated one set "
                "generate.team_tie_density"
            )
        return self

    @property
    def source(self) -> Literal["generate", "employees", "graphml"]:
        """Which source this specification uses."""
        if self.generate is not None:
            return "generate"
        return "employees" if self.employees is not None else "graphml"


# --------------------------------------------------------------------------------------
# the organization
# --------------------------------------------------------------------------------------


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Organization:
    """An organization: employees as parallel arrays (index ``0..n-1``) and an edge list.

    Arrays are read-only. Build it with :func:`generate`, :func:`load_csv`,
    :func:`load_graphml` or :func:`build`; constructing it directly also works (dtypes are
    normalised, duplicate (pair, kind) edges merged keeping the largest weight, and the
    hierarchy checked).
    """

    #: external employee ids (object array of str)
    ids: np.ndarray
    #: department names; ``department`` holds codes into them
    departments: tuple[str, ...]
    #: department code per employee (int32)
    department: np.ndarray
    #: role code per employee into ROLES (int8)
    role: np.ndarray
    #: depth in the hierarchy, 0 at the top (int16)
    level: np.ndarray
    #: index of the manager, -1 for none (int64)
    manager: np.ndarray
    #: one end of each edge (int64)
    edge_src: np.ndarray
    #: the other end of each edge (int64)
    edge_dst: np.ndarray
    #: kind code per edge into KINDS (int8)
    edge_kind: np.ndarray
    #: strength per edge (float64)
    edge_weight: np.ndarray
    #: site per employee (object array of str), or None
    location: np.ndarray | None = None
    #: extra employee columns (e.g. from the CSV), index 0..n-1; no columns when none
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: where it came from: "generated" or a file path
    source: str = "generated"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n = len(self.ids)
        set_(self, "ids", _readonly(np.asarray(self.ids, dtype=object).copy()))
        set_(self, "departments", tuple(str(d) for d in self.departments))
        for name, dtype in (
            ("department", np.int32),
            ("role", np.int8),
            ("level", np.int16),
            ("manager", np.int64),
        ):
            arr = np.asarray(getattr(self, name))
            if arr.shape != (n,):
                raise ValueError(f"{name} has shape {arr.shape}, expected ({n},)")
            set_(self, name, _readonly(arr.astype(dtype, copy=True)))
        if self.location is not None:
            loc = np.asarray(self.location, dtype=object)
            if loc.shape != (n,):
                raise ValueError(f"location has shape {loc.shape}, expected ({n},)")
            set_(self, "location", _readonly(loc.copy()))
        attrs = self.attributes
        if attrs is None or (attrs.shape[1] == 0):
            attrs = pd.DataFrame(index=pd.RangeIndex(n))
        elif len(attrs) != n:
            raise ValueError(f"attributes has {len(attrs)} rows, expected {n}")
        else:
            attrs = attrs.reset_index(drop=True)
        set_(self, "attributes", attrs)
        if n and (self.department.min() < 0 or self.department.max() >= len(self.departments)):
            raise ValueError("department codes out of range")
        if n and (self.role.min() < 0 or self.role.max() >= len(ROLES)):
            raise ValueError("role codes out of range")
        m = self.manager
        if n and (m.min() < -1 or m.max() >= n):
            raise ValueError("manager indices out of range")
        has = m >= 0
        if np.any(self.level[~has] != 0) or np.any(self.level[has] != self.level[m[has]] + 1):
            raise ValueError("level must be 0 without a manager and the manager's level + 1")
        src, dst, kind, weight = _canonical_edges(
            self.edge_src, self.edge_dst, self.edge_kind, self.edge_weight, n
        )
        set_(self, "edge_src", _readonly(src))
        set_(self, "edge_dst", _readonly(dst))
        set_(self, "edge_kind", _readonly(kind))
        set_(self, "edge_weight", _readonly(weight))

    # ---- size and lookup ------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of employees."""
        return len(self.ids)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return (
            f"Organization(n={self.n}, departments={len(self.departments)}, "
            f"edges={len(self.edge_src)}, source={self.source!r})"
        )

    @cached_property
    def _index(self) -> dict[str, int]:
        return {str(x): i for i, x in enumerate(self.ids)}

    def index_of(self, ids: str | Iterable[str]) -> np.ndarray:
        """Indices of the given external employee ids (an OrganizationError names unknown ids)."""
        wanted = [ids] if isinstance(ids, str) else [str(x) for x in ids]
        missing = [x for x in wanted if x not in self._index]
        if missing:
            hint = did_you_mean(missing[0], self._index) if self.n <= 100_000 else ""
            raise OrganizationError(
                f"unknown employee id(s): {_listing([f'"{x}"' for x in missing])}{hint}",
                source=self.source,
            )
        return np.array([self._index[x] for x in wanted], dtype=np.int64)

    def department_code(self, name: str) -> int:
        """The code of department ``name`` (an OrganizationError lists the departments)."""
        try:
            return self.departments.index(name)
        except ValueError:
            raise OrganizationError(
                f'unknown department "{name}"{did_you_mean(name, self.departments)}; '
                f"the departments are: {', '.join(self.departments)}",
                source=self.source,
            ) from None

    # ---- adjacency --------------------------------------------------------------------

    @cached_property
    def _cache(self) -> dict[Any, Any]:
        return {}

    def _build_adjacency(self, mask: np.ndarray | None) -> sp.csr_matrix:
        src, dst, w = self.edge_src, self.edge_dst, self.edge_weight
        if mask is not None:
            src, dst, w = src[mask], dst[mask], w[mask]
        a = sp.coo_matrix(
            (np.concatenate([w, w]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
            shape=(self.n, self.n),
            dtype=np.float64,
        ).tocsr()
        a.sum_duplicates()
        a.eliminate_zeros()
        return a

    @cached_property
    def adjacency(self) -> sp.csr_matrix:
        """Symmetric N x N tie strengths summed over kinds, zero diagonal; cached, do not modify."""
        return self._build_adjacency(None)

    def adjacency_of(self, kind: str) -> sp.csr_matrix:
        """Symmetric N x N tie strengths of one kind; cached, do not modify."""
        if kind not in KINDS:
            raise ValueError(f'unknown tie kind "{kind}"; allowed: {", ".join(KINDS)}')
        key = ("adjacency", kind)
        if key not in self._cache:
            self._cache[key] = self._build_adjacency(self.edge_kind == KINDS.index(kind))
        return self._cache[key]

    # ---- hierarchy --------------------------------------------------------------------

    @cached_property
    def _children(self) -> tuple[np.ndarray, np.ndarray]:
        has = np.flatnonzero(self.manager >= 0)
        order = has[np.argsort(self.manager[has], kind="stable")]
        counts = np.bincount(self.manager[has], minlength=self.n)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, _readonly(order)

    @cached_property
    def _preorder(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(order, start, size): subtree of i is order[start[i] : start[i] + size[i]]."""
        n, mgr, lvl = self.n, self.manager, self.level
        by_level = np.argsort(lvl, kind="stable")
        bounds = np.searchsorted(lvl[by_level], np.arange(int(lvl.max(initial=0)) + 2))
        layers = [by_level[bounds[d] : bounds[d + 1]] for d in range(len(bounds) - 1)]
        size = np.ones(n, dtype=np.int64)
        for nodes in layers[:0:-1]:  # bottom-up, all levels but the top
            size += np.bincount(mgr[nodes], weights=size[nodes], minlength=n).astype(np.int64)
        start = np.zeros(n, dtype=np.int64)
        roots = layers[0] if layers else np.zeros(0, dtype=np.int64)
        start[roots] = np.cumsum(size[roots]) - size[roots]
        for nodes in layers[1:]:
            o = nodes[np.argsort(mgr[nodes], kind="stable")]
            s, m = size[o], mgr[o]
            before = np.cumsum(s) - s
            first = np.flatnonzero(np.r_[True, m[1:] != m[:-1]])
            group = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(o)]))
            start[o] = start[m] + 1 + before - before[first][group]
        order = np.empty(n, dtype=np.int64)
        order[start] = np.arange(n)
        return _readonly(order), _readonly(start), _readonly(size)

    def direct_reports(self, i: int) -> np.ndarray:
        """Indices of the employees whose manager is ``i``."""
        indptr, order = self._children
        return order[indptr[i] : indptr[i + 1]]

    def subtree(self, i: int) -> np.ndarray:
        """Indices of ``i`` and everyone below ``i`` in the hierarchy (``i`` first)."""
        order, start, size = self._preorder
        return order[start[i] : start[i] + size[i]]

    def reports(self, i: int) -> np.ndarray:
        """Indices of everyone below ``i`` in the hierarchy, direct and indirect (not ``i``)."""
        return self.subtree(i)[1:]

    def subtree_size(self) -> np.ndarray:
        """Number of people in each employee's subtree, the employee included."""
        return self._preorder[2]

    # ---- views ------------------------------------------------------------------------

    def to_networkx(self) -> nx.Graph:
        """The organization as an undirected ``networkx.Graph`` on nodes ``0..n-1``.

        Node attributes: ``id``, ``department``, ``role``, ``level``, ``manager`` (the
        manager's id, "" for none), ``location`` (if any) and the extra attributes. Edge
        attributes: ``weight`` (summed over kinds), ``kinds`` (all kinds of the pair, in
        KINDS order) and ``kind`` (the strongest of them).
        """
        import networkx as nx

        g = nx.Graph()
        n = self.n
        ids = self.ids.tolist()
        columns: dict[str, list[Any]] = {
            "id": ids,
            "department": [self.departments[d] for d in self.department.tolist()],
            "role": [ROLES[r] for r in self.role.tolist()],
            "level": self.level.tolist(),
            "manager": ["" if m < 0 else ids[m] for m in self.manager.tolist()],
        }
        if self.location is not None:
            columns["location"] = self.location.tolist()
        for name in self.attributes.columns:
            columns[str(name)] = self.attributes[name].tolist()
        names = list(columns)
        g.add_nodes_from(
            (i, dict(zip(names, values, strict=True)))
            for i, values in enumerate(zip(*columns.values(), strict=True))
        )
        if len(self.edge_src) == 0:
            return g
        kind, weight = self.edge_kind, self.edge_weight
        key = self.edge_src * n + self.edge_dst
        strong = np.lexsort((kind, -weight, key))  # per pair: strongest first
        by_kind = np.lexsort((kind, key))  # per pair: KINDS order
        sorted_key = key[by_kind]
        first = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        bounds = np.r_[first, len(key)].tolist()
        kind_names = [KINDS[k] for k in kind[by_kind].tolist()]
        g.add_edges_from(
            (s, d, {"kind": KINDS[k], "kinds": kind_names[a:b], "weight": w})
            for s, d, k, w, a, b in zip(
                self.edge_src[strong[first]].tolist(),
                self.edge_dst[strong[first]].tolist(),
                kind[strong[first]].tolist(),
                np.add.reduceat(weight[by_kind], first).tolist(),
                bounds[:-1],
                bounds[1:],
                strict=True,
            )
        )
        return g

    def summary(self) -> dict[str, Any]:
        """Head counts, ties per kind, degree and depth, as plain Python values."""
        deg = np.diff(self.adjacency.indptr)
        return {
            "source": self.source,
            "employees": self.n,
            "departments": dict(
                zip(
                    self.departments,
                    np.bincount(self.department, minlength=len(self.departments)).tolist(),
                    strict=True,
                )
            ),
            "roles": dict(
                zip(ROLES, np.bincount(self.role, minlength=len(ROLES)).tolist(), strict=True)
            ),
            "levels": int(self.level.max(initial=-1)) + 1,
            "employees_per_level": np.bincount(self.level).tolist() if self.n else [],
            "edges": dict(
                zip(KINDS, np.bincount(self.edge_kind, minlength=len(KINDS)).tolist(), strict=True)
            ),
            "mean_degree": float(deg.mean()) if self.n else 0.0,
            "mean_weighted_degree": float(self.adjacency.sum() / self.n) if self.n else 0.0,
            "locations": (
                None
                if self.location is None
                else pd.Series(self.location).value_counts(sort=False).to_dict()
            ),
        }


def _canonical_edges(
    src: Any, dst: Any, kind: Any, weight: Any, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edges as (low, high) pairs sorted by kind then pair, one per (pair, kind), max weight."""
    src = np.asarray(src, dtype=np.int64).ravel()
    dst = np.asarray(dst, dtype=np.int64).ravel()
    kind = np.asarray(kind, dtype=np.int64).ravel()
    weight = np.asarray(weight, dtype=np.float64).ravel()
    if not (len(src) == len(dst) == len(kind) == len(weight)):
        raise ValueError("edge arrays differ in length")
    if len(src) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.float64)
    if min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n:
        raise ValueError("edge endpoints out of range")
    if kind.min() < 0 or kind.max() >= len(KINDS):
        raise ValueError("edge kind codes out of range")
    if np.any(src == dst):
        raise ValueError("self-ties are not allowed")
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise ValueError("edge weights must be finite and non-negative")
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    key = (kind * n + lo) * n + hi
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.r_[True, key[1:] != key[:-1]]
    if first.all():
        w = weight[order]
    else:
        starts = np.flatnonzero(first)
        w = np.maximum.reduceat(weight[order], starts)
        order = order[starts]
    return lo[order], hi[order], kind[order].astype(np.int8), w


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    raw = shares * total
    sizes = np.floor(raw).astype(np.int64)
    left = total - int(sizes.sum())
    if left > 0:
        sizes[np.argsort(-(raw - sizes), kind="stable")[:left]] += 1
    return sizes


# --------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------


def _fill_tree(m: int, span: int, max_depth: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Local parent (0 = the root) and depth of nodes 1..m placed breadth first.

    Each level holds up to ``span`` times the previous one; the nodes of a level are spread
    evenly over as few parents as the span allows (first parents first). At ``max_depth``
    everyone left goes in, spread over all nodes of the level above (spans widen).
    """
    parent = np.empty(m, dtype=np.int64)
    depth = np.empty(m, dtype=np.int16)
    placed, prev_start, prev_count, d = 0, 0, 1, 0
    while placed < m:
        d += 1
        left = m - placed
        widen = max_depth is not None and d >= max_depth
        count = left if widen else min(left, prev_count * span)
        parents = min(prev_count, -(-count // span))
        if widen:
            parents = prev_count
        j = np.arange(count, dtype=np.int64)
        parent[placed : placed + count] = prev_start + (j * parents) // count
        depth[placed : placed + count] = d
        prev_start, prev_count = placed + 1, count
        placed += count
    return parent, depth


def _team_pairs(
    manager: np.ndarray,
    density: float,
    rng: np.random.Generator | None,
    max_team: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of people with the same manager, each kept with probability ``density``."""
    members = np.flatnonzero(manager >= 0)
    order = members[np.argsort(manager[members], kind="stable")]
    if len(order) == 0 or density <= 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    mg = manager[order]
    starts = np.flatnonzero(np.r_[True, mg[1:] != mg[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keep_team = sizes >= 2
    if max_team is not None:
        keep_team &= sizes <= max_team
    starts, sizes = starts[keep_team], sizes[keep_team]
    expected = density * float(np.sum(sizes * (sizes - 1) / 2))
    if expected > _MAX_TEAM_TIES:
        raise OrganizationError(
            f"team ties would number about {expected:,.0f} (the largest team has "
            f"{sizes.max():,} members); lower team_tie_density or allow more levels"
        )
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for k in np.unique(sizes).tolist():
        team_starts = starts[sizes == k]
        n_pairs = k * (k - 1) // 2
        if n_pairs <= _PAIR_BLOCK:
            iu, ju = np.triu_indices(k, 1)
            per = max(1, _PAIR_BLOCK // n_pairs)
            for c in range(0, len(team_starts), per):
                base = team_starts[c : c + per, None]
                a, b = order[base + iu], order[base + ju]
                if density < 1:
                    keep = rng.random(a.shape) < density  # type: ignore[union-attr]
                    a, b = a[keep], b[keep]
                out_a.append(a.ravel())
                out_b.append(b.ravel())
        else:  # a huge (widened) team: draw row blocks of its upper triangle
            rows = max(1, _PAIR_BLOCK // k)
            cols = np.arange(k)
            for st in team_starts.tolist():
                team = order[st : st + k]
                for r0 in range(0, k - 1, rows):
                    r = np.arange(r0, min(r0 + rows, k - 1))
                    mask = cols[None, :] > r[:, None]
                    if density < 1:
                        mask &= rng.random((len(r), k)) < density  # type: ignore[union-attr]
                    ii, jj = np.nonzero(mask)
                    out_a.append(team[r[ii]])
                    out_b.append(team[jj])
    if not out_a:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy()
    return np.concatenate(out_a), np.concatenate(out_b)


def _collaboration_pairs(
    department: np.ndarray, mean: float, cross_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each employee draws Poisson(mean/2) partners, across departments with ``cross_share``."""
    n = len(department)
    draws = rng.poisson(mean / 2, n)
    src = np.repeat(np.arange(n, dtype=np.int64), draws)
    m = len(src)
    by_dept = np.argsort(department, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[by_dept] = np.arange(n)
    dsize = np.bincount(department, minlength=int(department.max()) + 1).astype(np.int64)
    dstart = np.cumsum(dsize) - dsize
    d = department[src]
    size_d, start_d = dsize[d], dstart[d]
    cross = rng.random(m) < cross_share
    r_same = rng.integers(0, np.maximum(size_d - 1, 1))
    own = pos[src] - start_d
    same = start_d + r_same + (r_same >= own)
    outside = n - size_d
    r_x = rng.integers(0, np.maximum(outside, 1))
    other = np.where(r_x < start_d, r_x, r_x + size_d)
    use_cross = cross & (outside > 0)
    partner_pos = np.where(use_cross, other, same)
    valid = use_cross | (size_d > 1)
    return src[valid], by_dept[partner_pos[valid]]


def _random_pairs(n: int, mean: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each employee draws Poisson(mean/2) partners uniformly among everyone else."""
    draws = rng.poisson(mean / 2, n)
    src = np.repeat(np.arange(n, dtype=np.int64), draws)
    r = rng.integers(0, n - 1, size=len(src))
    return src, r + (r >= src)


def generate(spec: GenerateSpec, rng: np.random.Generator) -> Organization:
    """A synthetic organization drawn from ``spec``; the same ``rng`` state gives the same one.

    One CEO (employee 0, level 0, in the first department), one head per department (level
    1, reporting to the CEO), then each department's people below its head in a tree filled
    breadth first with the span of control. Employees with reports below level 1 are
    managers, everyone else below level 1 an individual contributor. Ties: ``reports_to``
    (employee-manager), ``team`` (same manager, with ``team_tie_density``), ``collaborates``
    (mostly inside the department) and ``informal`` (uniform random, the small-world
    shortcuts), with the spec's weights.
    """
    sizes = spec.department_sizes()
    names = tuple(sizes)
    n = spec.employees
    span = spec.span_of_control
    max_depth = None if spec.levels is None else spec.levels - 2  # below a department head
    manager = np.full(n, -1, dtype=np.int64)
    level = np.zeros(n, dtype=np.int16)
    department = np.zeros(n, dtype=np.int32)
    pos = 1  # employee 0 is the CEO
    for d, size in enumerate(sizes.values()):
        head = pos
        members = size - 1 - (1 if d == 0 else 0)
        end = head + 1 + members
        department[head:end] = d
        manager[head] = 0
        level[head] = 1
        if members:
            parent, depth = _fill_tree(members, span, max_depth)
            manager[head + 1 : end] = head + parent
            level[head + 1 : end] = 1 + depth
        pos = end
    has_reports = np.bincount(manager[1:], minlength=n) > 0
    role = np.where(has_reports, 1, 0).astype(np.int8)
    role[level <= 1] = 2

    w = spec.weights
    parts: list[tuple[np.ndarray, np.ndarray, int, float]] = []
    idx = np.arange(1, n, dtype=np.int64)
    parts.append((idx, manager[1:], 0, w["reports_to"]))
    parts.append((*_team_pairs(manager, spec.team_tie_density, rng), 1, w["team"]))
    parts.append(
        (
            *_collaboration_pairs(
                department, spec.collaboration_ties, spec.cross_department_share, rng
            ),
            2,
            w["collaborates"],
        )
    )
    parts.append((*_random_pairs(n, spec.informal_ties, rng), 3, w["informal"]))
    src = np.concatenate([p[0] for p in parts])
    dst = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts])
    weight = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    keep = src != dst
    location = None
    if spec.locations:
        team_site = rng.integers(0, len(spec.locations), size=n)
        site = team_site[np.where(manager >= 0, manager, np.arange(n))]
        location = np.array(spec.locations, dtype=object)[site]
    width = max(4, len(str(n)))
    ids = np.array([f"E{i:0{width}d}" for i in range(n)], dtype=object)
    return Organization(
        ids=ids,
        departments=names,
        department=department,
        role=role,
        level=level,
        manager=manager,
        edge_src=src[keep],
        edge_dst=dst[keep],
        edge_kind=kind[keep],
        edge_weight=weight[keep],
        location=location,
        source="generated",
    )


# --------------------------------------------------------------------------------------
# import: shared validation
# --------------------------------------------------------------------------------------


def _listing(items: Sequence[str], limit: int = _SHOW) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


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
    n = len(ids)
    if n == 0:
        raise OrganizationError("no employees found (only a header?)", source=source)
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
    no_dept = [k for k, d in enumerate(departments) if not d]
    if no_dept:
        raise rec.fail("empty department", no_dept, lambda k: f'"{ids[k]}"')
    unknown = [k for k, m in enumerate(managers) if m and m not in first_at]
    if unknown:
        known = list(first_at) if n <= 10_000 else []
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

    dept_names = list(dict.fromkeys(departments))
    dept_code = {d: i for i, d in enumerate(dept_names)}
    department = np.array([dept_code[d] for d in departments], dtype=np.int32)
    has_reports = np.bincount(manager[manager >= 0], minlength=n) > 0
    derived = np.where(manager < 0, 2, np.where(has_reports, 1, 0)).astype(np.int8)
    if roles is not None:
        given = np.array([-1 if r is None else ROLES.index(r) for r in roles], dtype=np.int8)
        role = np.where(given >= 0, given, derived).astype(np.int8)
    else:
        role = derived

    src_parts = [np.flatnonzero(manager >= 0)]
    dst_parts = [manager[manager >= 0]]
    kind_parts = [np.zeros(len(src_parts[0]), dtype=np.int8)]
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
    return Organization(
        ids=np.array(ids, dtype=object),
        departments=tuple(dept_names),
        department=department,
        role=role,
        level=depth.astype(np.int16),
        manager=manager,
        edge_src=np.concatenate(src_parts),
        edge_dst=np.concatenate(dst_parts),
        edge_kind=np.concatenate(kind_parts),
        edge_weight=np.concatenate(weight_parts),
        location=None if location is None else np.array(location, dtype=object),
        attributes=attributes,
        source=source,
    )


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
            value = float(raw)
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


# --------------------------------------------------------------------------------------
# import: CSV
# --------------------------------------------------------------------------------------


def _read_csv(path: Path, what: str) -> tuple[list[str], int, list[int], list[list[str]]]:
    """Header (stripped, lower-case), its line, and the line number and values of each row."""
    if not path.is_file():
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
        with path.open(encoding="utf-8-sig", newline="") as fh:
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
            f"missing required column(s) {named}; the file has: {', '.join(header)}",
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
            data[name] = np.array([float(v) if v else np.nan for v in values])
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


# --------------------------------------------------------------------------------------
# import: GraphML
# --------------------------------------------------------------------------------------


@cache
def _directed_graphml_reader() -> type:
    """The GraphML reader class (defined on first use: networkx is slow to import)."""
    import networkx as nx
    from networkx.readwrite.graphml import GraphMLReader

    class _DirectedGraphMLReader(GraphMLReader):
        """Reads every GraphML graph as a MultiDiGraph so that edges keep their file direction."""

        def make_graph(
            self, graph_xml: Any, graphml_keys: Any, defaults: Any, G: Any = None
        ) -> Any:
            return super().make_graph(graph_xml, graphml_keys, defaults, G=nx.MultiDiGraph())

        def add_edge(self, G: Any, edge_element: Any, graphml_keys: Any) -> Any:
            edge_element.attrib.pop("directed", None)  # edge direction = file order
            return super().add_edge(G, edge_element, graphml_keys)

    return _DirectedGraphMLReader


def load_graphml(path: str | Path, *, team_ties: bool = True) -> Organization:
    """An organization read from GraphML.

    Nodes: the employee id is the ``employee_id`` or ``id`` attribute, else the node's
    GraphML id; ``department`` (required), ``role``, ``manager`` (the manager's employee
    id), ``location`` (optional); other attributes (but ``level``, which is derived) go to
    ``attributes``. Edges: ``kind`` (default collaborates) and ``weight`` (default: the
    kind's); a ``reports_to`` edge goes from the employee to the manager. Validated like
    :func:`load_csv`; messages name nodes and edges.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise OrganizationError(
            f"GraphML file not found (looked for {path.resolve()})", source=source
        )
    import networkx as nx

    reader = _directed_graphml_reader()
    try:
        graphs = list(reader(force_multigraph=True)(path=str(path)))
    except (ET.ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise OrganizationError(f"not a readable GraphML file: {exc}", source=source) from None
    if not graphs:
        raise OrganizationError("the GraphML file holds no graph", source=source)
    g = graphs[0]
    node_default = g.graph.get("node_default", {})
    edge_default = g.graph.get("edge_default", {})
    keys = list(g.nodes)
    data = [{**node_default, **g.nodes[v]} for v in keys]

    def text(v: Any) -> str:
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()

    ids = [text(d.get("employee_id", d.get("id", v))) for v, d in zip(keys, data, strict=True)]
    labels = [f'node "{v}"' for v in keys]
    rec = _Records(source, None, labels)
    no_dept = [k for k, d in enumerate(data) if not text(d.get("department"))]
    if no_dept:
        raise rec.fail("no department attribute", no_dept, lambda k: "")
    managers = [text(d.get("manager")) for d in data]
    has_role = any("role" in d for d in data)
    roles = _parse_roles([text(d.get("role")) for d in data], rec) if has_role else None
    has_loc = any("location" in d for d in data)
    location = [text(d.get("location")) for d in data] if has_loc else None
    skip = {"employee_id", "id", "department", "role", "manager", "location", "level"}
    extra_names = list(dict.fromkeys(k for d in data for k in d if k not in skip))
    attributes = pd.DataFrame(
        {name: [d.get(name) for d in data] for name in extra_names},
        index=pd.RangeIndex(len(keys)),
    )

    node_pos = {v: k for k, v in enumerate(keys)}
    t_src: list[str] = []
    t_dst: list[str] = []
    t_kind: list[str] = []
    t_weight: list[Any] = []
    t_labels: list[str] = []
    conflicts: list[str] = []
    loops: list[str] = []
    for u, v, ed in g.edges(data=True):
        ed = {**edge_default, **ed}
        label = f'edge "{u}"-"{v}"'
        if u == v:
            loops.append(label)
            continue
        kind = text(ed.get("kind")).lower()
        if kind == "reports_to":
            k, boss = node_pos[u], ids[node_pos[v]]
            if managers[k] and managers[k] != boss:
                conflicts.append(f'"{ids[k]}" reports to "{managers[k]}" and "{boss}"')
            managers[k] = boss
            continue
        t_src.append(ids[node_pos[u]])
        t_dst.append(ids[node_pos[v]])
        t_kind.append(kind)
        t_weight.append(ed.get("weight"))
        t_labels.append(label)
    if loops:
        raise OrganizationError(f"self-tie: {_listing(loops)}", source=source)
    if conflicts:
        raise OrganizationError(f"more than one manager: {_listing(conflicts)}", source=source)
    t_rec = _Records(source, None, t_labels)
    codes, weights = _parse_tie_values(t_kind, t_weight, t_rec)
    return _assemble(
        source=source,
        rec=rec,
        ids=ids,
        managers=managers,
        departments=[text(d.get("department")) for d in data],
        roles=roles,
        location=location,
        attributes=attributes,
        ties=(t_src, t_dst, codes, weights, t_rec),
        team_ties=team_ties,
        manager_field="manager",
    )


def write_graphml(org: Organization, path: str | Path) -> None:
    """Write ``org`` as GraphML that :func:`load_graphml` reads back (with ``team_ties=False``).

    Nodes are keyed by employee id with ``department``, ``role``, ``manager``, ``location``
    and the extra attributes; every (pair, kind) tie but ``reports_to`` is one edge with
    ``kind`` and ``weight`` (the reporting lines are the ``manager`` attributes).
    """
    import networkx as nx

    g = nx.MultiGraph()
    ids = [str(x) for x in org.ids.tolist()]
    columns: dict[str, list[Any]] = {
        "department": [org.departments[d] for d in org.department.tolist()],
        "role": [ROLES[r] for r in org.role.tolist()],
        "manager": ["" if m < 0 else ids[m] for m in org.manager.tolist()],
    }
    if org.location is not None:
        columns["location"] = [str(x) for x in org.location.tolist()]
    for name in org.attributes.columns:
        values = org.attributes[name].tolist()
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            values = ["" if v is None else str(v) for v in values]
        columns[str(name)] = values
    names = list(columns)
    g.add_nodes_from(
        (ids[i], dict(zip(names, values, strict=True)))
        for i, values in enumerate(zip(*columns.values(), strict=True))
    )
    keep = org.edge_kind != KINDS.index("reports_to")
    g.add_edges_from(
        (ids[s], ids[d], {"kind": KINDS[k], "weight": w})
        for s, d, k, w in zip(
            org.edge_src[keep].tolist(),
            org.edge_dst[keep].tolist(),
            org.edge_kind[keep].tolist(),
            org.edge_weight[keep].tolist(),
            strict=True,
        )
    )
    nx.write_graphml(g, str(path))


# --------------------------------------------------------------------------------------
# dispatch and centrality
# --------------------------------------------------------------------------------------


def build(
    spec: OrganizationSpec, rng: np.random.Generator, base_dir: Path | None = None
) -> Organization:
    """The organization ``spec`` describes; relative file paths resolve against ``base_dir``."""

    def resolve(p: str) -> Path:
        path = Path(p).expanduser()
        return path if path.is_absolute() or base_dir is None else Path(base_dir) / path

    if spec.generate is not None:
        return generate(spec.generate, rng)
    if spec.employees is not None:
        return load_csv(
            resolve(spec.employees),
            resolve(spec.ties) if spec.ties is not None else None,
            team_ties=spec.team_ties,
        )
    assert spec.graphml is not None
    return load_graphml(resolve(spec.graphml), team_ties=spec.team_ties)


#: betweenness is exact up to this many employees, estimated from sampled sources above
BETWEENNESS_EXACT_MAX = 2000
#: number of sampled source employees for estimated betweenness
BETWEENNESS_PIVOTS = 200


def centrality(
    org: Organization,
    kind: Literal["degree", "betweenness", "eigenvector"],
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Centrality of every employee on the tie network (read-only, cached per organization).

    ``degree``: weighted degree (sum of tie strengths). ``eigenvector``: the leading
    eigenvector of the weighted adjacency (absolute values, unit length). ``betweenness``:
    normalised shortest-path betweenness counting hops, as ``networkx`` defines it; exact up
    to 2,000 employees, above that estimated from 200 source employees drawn from ``rng``
    (the first call's draw is cached).
    """
    key = ("centrality", kind)
    cache = org._cache
    if key in cache:
        return cache[key]
    a = org.adjacency
    if kind == "degree":
        value = np.asarray(a.sum(axis=1)).ravel()
    elif kind == "eigenvector":
        value = _eigenvector(a)
    elif kind == "betweenness":
        n = org.n
        if n <= BETWEENNESS_EXACT_MAX:
            sources = np.arange(n)
        else:
            rng = rng if rng is not None else np.random.default_rng(0)
            sources = np.sort(rng.choice(n, size=min(n, BETWEENNESS_PIVOTS), replace=False))
        value = _betweenness(a, sources)
    else:
        raise ValueError(f'unknown centrality "{kind}"; allowed: degree, betweenness, eigenvector')
    value = _readonly(np.asarray(value, dtype=np.float64))
    cache[key] = value
    return value


def _eigenvector(a: sp.csr_matrix) -> np.ndarray:
    n = a.shape[0]
    if n == 0 or a.nnz == 0:
        return np.zeros(n)
    if n < 50:
        _, vecs = np.linalg.eigh(a.toarray())
        v = vecs[:, -1]
    else:
        from scipy.sparse.linalg import eigsh

        _, vecs = eigsh(a, k=1, which="LA", v0=np.ones(n), tol=1e-8)
        v = vecs[:, 0]
    v = np.abs(v)
    return v / np.linalg.norm(v)


def _betweenness(a: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Brandes' betweenness (hop distances) accumulated from ``sources``, batched as matrices.

    Normalised like ``networkx.betweenness_centrality(normalized=True)`` and, for sampled
    sources, scaled by ``n / len(sources)`` as networkx does with ``k``.
    """
    n = a.shape[0]
    if n <= 2:
        return np.zeros(n)
    b = (a != 0).astype(np.float64).tocsr()
    total = np.zeros(n)
    batch = int(max(1, min(64, 8_000_000 // max(n, 1))))
    for c in range(0, len(sources), batch):
        s = sources[c : c + batch]
        m = len(s)
        cols = np.arange(m)
        dist = np.full((n, m), -1, dtype=np.int32)
        sigma = np.zeros((n, m))
        dist[s, cols] = 0
        sigma[s, cols] = 1.0
        frontier = np.zeros((n, m))
        frontier[s, cols] = 1.0
        d = 0
        while True:
            reach = b @ frontier
            new = (reach > 0) & (dist < 0)
            if not new.any():
                break
            d += 1
            dist[new] = d
            frontier = np.where(new, reach, 0.0)
            sigma += frontier
        delta = np.zeros((n, m))
        with np.errstate(divide="ignore", invalid="ignore"):
            for level in range(d, 0, -1):
                at = dist == level
                coef = np.where(at, (1.0 + delta) / sigma, 0.0)
                back = b @ coef
                up = dist == level - 1
                delta += np.where(up, sigma * back, 0.0)
        delta[s, cols] = 0.0
        total += delta.sum(axis=1)
    scale = 1.0 / ((n - 1) * (n - 2))
    if len(sources) < n:
        scale *= n / len(sources)
    return total * scale
