"""The organization: employees, their ties, generated or imported (CSV, GraphML, directory
exports)."""

from __future__ import annotations

from adoptsim.org.build import build, build_with_identities, salt_path
from adoptsim.org.centrality import BETWEENNESS_EXACT_MAX, BETWEENNESS_PIVOTS, centrality
from adoptsim.org.directory import directory_roles, load_directory
from adoptsim.org.generate import generate
from adoptsim.org.io_csv import load_csv
from adoptsim.org.io_graphml import load_graphml, write_graphml
from adoptsim.org.keys import SALT_FILE, read_salt
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
    "SALT_FILE",
    "GenerateSpec",
    "Organization",
    "OrganizationSpec",
    "Role",
    "build",
    "build_with_identities",
    "centrality",
    "directory_roles",
    "generate",
    "load_csv",
    "load_directory",
    "load_graphml",
    "read_salt",
    "salt_path",
    "write_graphml",
]
