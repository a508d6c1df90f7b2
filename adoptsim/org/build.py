"""The organization a scenario asks for: generated, or read from its files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.errors import OrganizationError
from adoptsim.org.directory import load_directory
from adoptsim.org.generate import generate
from adoptsim.org.io_csv import load_csv
from adoptsim.org.io_graphml import load_graphml
from adoptsim.org.keys import SALT_FILE, normalize
from adoptsim.org.organization import Organization
from adoptsim.org.spec import OrganizationSpec


def _resolver(base_dir: Path | None):
    def resolve(p: str) -> Path:
        path = Path(p).expanduser()
        return path if path.is_absolute() or base_dir is None else Path(base_dir) / path

    return resolve


def salt_path(spec: OrganizationSpec, base_dir: Path | None = None) -> Path:
    """Where the salt of a directory export's keys is kept: ``spec.salt``, by default
    ``adoptsim.salt`` in the scenario's folder."""
    return _resolver(base_dir)(spec.salt or str(Path(base_dir or ".") / SALT_FILE))


def _from_directory(
    spec: OrganizationSpec, base_dir: Path | None
) -> tuple[Organization, pd.DataFrame]:
    resolve = _resolver(base_dir)
    assert spec.directory is not None and spec.format is not None
    return load_directory(
        resolve(spec.directory),
        spec.format,
        salt_path(spec, base_dir),
        columns=spec.columns,
        interactions=resolve(spec.interactions) if spec.interactions else None,
        team_ties=spec.team_ties,
    )


def build(
    spec: OrganizationSpec, rng: np.random.Generator, base_dir: Path | None = None
) -> Organization:
    """The organization ``spec`` describes; relative file paths resolve against ``base_dir``."""
    if spec.generate is not None:
        return generate(spec.generate, rng)
    if spec.directory is not None:
        return _from_directory(spec, base_dir)[0]
    return _imported(spec, base_dir)


def _imported(spec: OrganizationSpec, base_dir: Path | None) -> Organization:
    resolve = _resolver(base_dir)
    if spec.employees is not None:
        return load_csv(
            resolve(spec.employees),
            resolve(spec.ties) if spec.ties is not None else None,
            team_ties=spec.team_ties,
        )
    assert spec.graphml is not None
    return load_graphml(resolve(spec.graphml), team_ties=spec.team_ties)


def build_with_identities(
    spec: OrganizationSpec, base_dir: Path | None = None
) -> tuple[Organization, pd.DataFrame]:
    """An imported organization and the identities usage exports may name its people by
    (``identity, employee_id``, identities normalised as :func:`normalize` does): a
    directory export's ids, user principal names and e-mails; an employee file's ids (and
    its ``email`` column if it has one). A generated organization has none: an error."""
    if spec.directory is not None:
        return _from_directory(spec, base_dir)
    if spec.generate is not None:
        raise OrganizationError(
            "a generated organization has no people to match usage exports to; read the "
            "organization from a directory export (organization: {directory: ..., format: "
            "entra}) or an employee CSV",
            source="organization",
        )
    org = _imported(spec, base_dir)
    ids = pd.Series(org.ids, dtype=object)
    parts = [pd.DataFrame({"identity": normalize(ids), "employee_id": ids})]
    if "email" in org.attributes.columns:
        email = normalize(org.attributes["email"].astype(object))
        parts.append(pd.DataFrame({"identity": email, "employee_id": ids}))
    table = pd.concat(parts, ignore_index=True)
    table = table[table["identity"] != ""].drop_duplicates()
    twice = table[table.duplicated("identity", keep=False)]
    if len(twice):
        first = twice["identity"].iloc[0]
        named = ", ".join(f'"{x}"' for x in twice.loc[twice["identity"] == first, "employee_id"])
        raise OrganizationError(
            f'the identity "{first}" names two employees ({named}): ids and e-mails are '
            "compared without case",
            source=org.source,
        )
    return org, table.reset_index(drop=True)
