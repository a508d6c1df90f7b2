"""Observed data from the exports a rollout already produces: Microsoft 365 (Teams) usage
reports, Slack member analytics and generic activity CSVs, turned into observed weeks."""

from __future__ import annotations

from adoptsim.observe.activity import read_activity
from adoptsim.observe.files import ObserveError, Usage
from adoptsim.observe.slack import read_slack
from adoptsim.observe.teams import read_teams
from adoptsim.observe.weeks import (
    DEFINITION,
    ObservedWeeks,
    check_outputs,
    observed_weeks,
    output_paths,
    write_observed,
)

#: the export formats ``adoptsim observe`` reads
FORMATS = ("teams", "slack", "activity")

__all__ = [
    "DEFINITION",
    "FORMATS",
    "ObserveError",
    "ObservedWeeks",
    "Usage",
    "check_outputs",
    "observed_weeks",
    "output_paths",
    "read_activity",
    "read_slack",
    "read_teams",
    "write_observed",
]
