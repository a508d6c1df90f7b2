"""The organization's settings in a scenario (generated or imported) and its constants: roles,
tie kinds, default weights and departments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, field_validator, model_validator

from adoptsim.errors import StrictNumbers, did_you_mean

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    pass


#: employee roles; ``Organization.role`` holds codes into this tuple
class Role(IntEnum):
    """An employee's role; the organization's ``role`` array holds these codes."""

    INDIVIDUAL_CONTRIBUTOR = 0
    MANAGER = 1
    EXECUTIVE = 2


#: role names in code order, as scenario files and imported files write them
ROLES: tuple[str, ...] = tuple(r.name.lower() for r in Role)


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


#: fields an HRIS column mapping may name; the first three are required
HRIS_FIELDS = ("employee_id", "manager_id", "department", "title", "location", "email")


#: at most this many offending records are named in one message
_SHOW = 5


#: candidate pairs handled per vectorised block when drawing team ties
_PAIR_BLOCK = 2_000_000


#: largest generated organization: above twice the largest employer in the world (2.1
#: million), and a size whose week still fits in a few GB of memory
MAX_EMPLOYEES = 5_000_000
#: refuse to generate more team ties than this (a sign of huge widened teams)
_MAX_TEAM_TIES = 50_000_000


class GenerateSpec(StrictNumbers):
    """How to generate a synthetic organization."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # a mid-sized business unit: large enough for smooth curves, small enough to run fast
    employees: int = Field(
        500,
        ge=2,
        le=MAX_EMPLOYEES,
        description="Number of employees, the CEO included (at most 5,000,000).",
    )
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


class OrganizationSpec(StrictNumbers):
    """Where the organization comes from: generated, or imported from CSV or GraphML."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
    # None: not read from a directory export
    directory: str | None = Field(
        None,
        description=(
            "A directory export (file, or folder of Microsoft Graph JSON pages); relative to "
            "the scenario file's folder. People are keyed by salted hashes."
        ),
    )
    # the two exports people have: Entra ID (Graph JSON or CSV) and an HR system's CSV
    format: Literal["entra", "hris"] | None = Field(
        None,
        description=(
            "The directory export's format: entra (Microsoft Graph /users JSON with "
            "$expand=manager, or an Entra users CSV with a manager column) or hris (a CSV "
            "read through `columns`)."
        ),
    )
    # None: no HRIS mapping (entra columns are known)
    columns: dict[str, str] | None = Field(
        None,
        description=(
            "hris only: adoptsim field -> the export's column name, for employee_id, "
            "manager_id, department (required), title, location, email (optional)."
        ),
    )
    # None: no interaction ties
    interactions: str | None = Field(
        None,
        description=(
            "Directory exports only: a CSV of sender, recipient, count (e-mail or chat "
            "interactions between people) read as weighted 'collaborates' ties."
        ),
    )
    # None: adoptsim.salt beside the scenario file that names the directory export
    salt: str | None = Field(
        None,
        description=(
            "Directory exports only: the file holding the salt of the people's keys "
            "(created on first use; default: adoptsim.salt in the scenario's folder)."
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
        sources = ("generate", "employees", "graphml", "directory")
        given = [k for k in sources if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give only one of {', '.join(sources)} (got {' and '.join(given)})")
        self._check_directory()
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

    def _check_directory(self) -> None:
        if self.directory is None:
            extra = [k for k in ("format", "columns", "interactions", "salt") if getattr(self, k)]
            if extra:
                raise ValueError(
                    f"{', '.join(extra)}: only with a directory export (add directory)"
                )
            return
        if self.format is None:
            raise ValueError("directory needs its format: entra or hris")
        if self.format == "entra" and self.columns is not None:
            raise ValueError("columns apply to hris exports (entra columns are known)")
        if self.format == "hris":
            if self.columns is None:
                raise ValueError(
                    "an hris export needs columns: a mapping of employee_id, manager_id, "
                    "department (and optionally title, location, email) to its column names"
                )
            unknown = [k for k in self.columns if k not in HRIS_FIELDS]
            if unknown:
                k = unknown[0]
                raise ValueError(
                    f'unknown field "{k}" in columns{did_you_mean(k, HRIS_FIELDS)}; allowed: '
                    f"{', '.join(HRIS_FIELDS)}"
                )
            missing = [k for k in HRIS_FIELDS[:3] if k not in self.columns]
            if missing:
                raise ValueError(f"columns must map {', '.join(missing)}")

    @property
    def source(self) -> Literal["generate", "employees", "graphml", "directory"]:
        """Which source this specification uses."""
        if self.generate is not None:
            return "generate"
        if self.directory is not None:
            return "directory"
        return "employees" if self.employees is not None else "graphml"


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    raw = shares * total
    sizes = np.floor(raw).astype(np.int64)
    left = total - int(sizes.sum())
    if left > 0:
        sizes[np.argsort(-(raw - sizes), kind="stable")[:left]] += 1
    return sizes
