"""The organization: employees, their ties, generated or imported (CSV, GraphML)."""

from __future__ import annotations

from adoptsim.org.organization import (
    BETWEENNESS_EXACT_MAX,
    BETWEENNESS_PIVOTS,
    DEFAULT_DEPARTMENTS,
    DEFAULT_WEIGHTS,
    IMPORT_TEAM_TIES_MAX_TEAM,
    KINDS,
    ROLES,
    GenerateSpec,
    Organization,
    OrganizationSpec,
    build,
    centrality,
    generate,
    load_csv,
    load_graphml,
    write_graphml,
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
    "build",
    "centrality",
    "generate",
    "load_csv",
    "load_graphml",
    "write_graphml",
]
