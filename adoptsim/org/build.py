"""The organization a scenario asks for: generated, or read from its files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # networkx is imported where graphs are read, written or converted
    pass
from adoptsim.org.generate import generate
from adoptsim.org.io_csv import load_csv
from adoptsim.org.io_graphml import load_graphml
from adoptsim.org.organization import Organization
from adoptsim.org.spec import OrganizationSpec


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
