"""Reading what the charts draw: saved results and comparison folders, and the organization
kept with a result."""

from __future__ import annotations

from pathlib import Path

from adoptsim.errors import InputError
from adoptsim.org import Organization
from adoptsim.runs.compare import Comparison, is_comparison_folder
from adoptsim.runs.result import ORGANIZATION, Result
from adoptsim.viz.style import ChartError


def load(folder: str | Path) -> Result | Comparison:
    """The results folder (one plan) or comparison folder that ``folder`` holds."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("no such folder", source=str(folder))
    if is_comparison_folder(folder):
        return Comparison.load(folder)
    return Result.load(folder)


def organization_of(result: Result, replicate: int | None = None) -> Organization:
    """The organization a result was run on, as saved with it (never rebuilt).

    With a new organization per replicate, ``replicate`` chooses which (default 0).
    """
    orgs = result.organizations
    if not orgs:
        raise ChartError(
            f"these results hold no organization: {ORGANIZATION} is missing from the results "
            "folder (results written by an older adoptsim); rerun the scenario to draw the "
            "network charts",
            source=ORGANIZATION,
        )
    k = replicate or 0
    if len(orgs) == 1:
        return orgs[0]
    if not 0 <= k < len(orgs):
        raise ChartError(
            f"no organization of replicate {k} in these results (replicates 0–{len(orgs) - 1})",
            where="replicate",
        )
    return orgs[k]
