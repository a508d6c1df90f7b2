"""The organization: employees, their ties, generated or imported (CSV, GraphML)."""

from __future__ import annotations

from adoptsim.org.build import build
from adoptsim.org.centrality import BETWEENNESS_EXACT_MAX, BETWEENNESS_PIVOTS, centrality
from adoptsim.org.generate import generate
from adoptsim.org.io_csv import load_csv
from adoptsim.org.io_graphml import load_graphml, write_graphml
from adoptsim.org.organization import Organization
from adoptsim.org.spec import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_WEIGHTS,
    IMPORT_TEAM_TIES_MAX_TEAM,
    KINDS,
    ROLES,
    GenerateSpec,
    OrganizationSpec,
    Role,
)

__all__ = [
    "BETWEENNESS_EXACT_MAX",
    "BETWEENNESS_PIVOTS",
    "DEFAULT_DEPARTMENTS",
    "DEFAULT_WEIGHTS",
    "IMPORT_TEAM_TIES_MAX_TEAM",
    "KINDS",
    "ROLES",
    "GenerateSpec",
    "Organization",
    "OrganizationSpec",
    "Role",
    "build",
    "centrality",
    "generate",
    "load_csv",
    "load_graphml",
    "write_graphml",
]
