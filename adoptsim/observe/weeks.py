"""Observed weeks: who was active in which week of the rollout, from an export's active days.

A person is active in a week when the export shows at least ``min_days`` active days of
theirs in it (default one). Week 1 is the seven days from the rollout's start; a last week
that the export covers only in part is left out (it would read as a drop in use).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.observe.files import ObserveError, Usage

#: the definition of "active in a week", as the summary states it
DEFINITION = (
    "active in a week: at least {min_days} active day(s) in the week (week 1 = the 7 days "
    "from the start date); an active day is a day the export shows activity on"
)


#: how the exports' dates are read
TIME_ZONE = (
    "calendar dates as exported: UTC for Microsoft 365 and Slack; activity times with an "
    "offset turned to UTC, times without one read as UTC"
)


@dataclass(frozen=True)
class ObservedWeeks:
    """The per-person weekly form (``employee_id, week, active``: used the tool in the
    week), the aggregate series (``week, using_share``: the share of the organization that
    used it, the model's ``using_share``) and the counts of who matched."""

    people: pd.DataFrame
    series: pd.DataFrame
    summary: dict[str, Any]


def observed_weeks(
    usage: Usage,
    identities: pd.DataFrame,
    employee_ids: np.ndarray,
    start: pd.Timestamp,
    *,
    min_days: int = 1,
    fmt: str = "",
) -> ObservedWeeks:
    """Weekly activity of the organization's people (``employee_ids``, in order), matched
    to the export through ``identities`` (``identity -> employee_id``)."""
    if not 1 <= min_days <= 7:
        raise ObserveError(f"must be 1 to 7, got {min_days}", source="--min-active-days")
    covered = (usage.last_date - start).days + 1
    weeks = covered // 7
    if weeks < 1:
        raise ObserveError(
            f"the export covers {max(covered, 0)} day(s) from the start ({start.date()}); "
            "a week needs 7",
            source="--start",
        )
    end = start + pd.Timedelta(days=7 * weeks)
    lookup = pd.Series(identities["employee_id"].to_numpy(), index=identities["identity"])
    position = pd.Series(np.arange(len(employee_ids)), index=pd.Index(employee_ids))
    days = usage.days[(usage.days["date"] >= start) & (usage.days["date"] < end)]
    who = days["identity"].map(lookup)
    keep = who.notna()
    per_day = pd.DataFrame(
        {"row": who[keep].map(position).to_numpy(), "date": days.loc[keep, "date"].to_numpy()}
    ).drop_duplicates()
    week = (per_day["date"] - start).dt.days.to_numpy() // 7
    counts = np.zeros((len(employee_ids), weeks), dtype=np.int16)
    np.add.at(counts, (per_day["row"].to_numpy(dtype=np.int64), week), 1)
    active = counts >= min_days
    n = len(employee_ids)
    people = pd.DataFrame(
        {
            "employee_id": np.repeat(np.asarray(employee_ids, dtype=object), weeks),
            "week": np.tile(np.arange(1, weeks + 1), n),
            "active": active.reshape(-1).astype(np.int8),
        }
    )
    share = active.sum(axis=0) / max(n, 1)
    series = pd.DataFrame({"week": np.arange(1, weeks + 1), "using_share": share})
    seen = usage.people.map(lookup)
    summary = {
        "format": fmt,
        "files": usage.files,
        "start": str(start.date()),
        "weeks": int(weeks),
        "last_date": str(usage.last_date.date()),
        "days_left_out": int(covered - 7 * weeks),
        "min_active_days": int(min_days),
        "definition": DEFINITION.format(min_days=min_days),
        "dates": TIME_ZONE,
        "employees": int(n),
        "people_in_export": len(usage.people),
        "matched": int(seen.notna().sum()),
        "unmatched": int(seen.isna().sum()),
        "unmatched_deleted": int(sum(1 for x in usage.deleted if x not in lookup.index)),
        "never_seen": int(n - seen.dropna().nunique()),
        "without_identity": int(usage.without_identity),
        "active_people_weeks": int(active.sum()),
    }
    return ObservedWeeks(people, series, summary)


def output_paths(out: Path) -> tuple[Path, Path, Path]:
    """The per-person file, the aggregate series beside it and the summary:
    ``people.csv``, ``people.series.csv``, ``people.summary.json``."""
    stem = out.name.removesuffix(".csv")
    return out, out.with_name(f"{stem}.series.csv"), out.with_name(f"{stem}.summary.json")


def check_outputs(out: Path, overwrite: bool) -> None:
    """An error (before anything is read or written) when an output exists or its folder
    does not."""
    if not out.parent.is_dir():
        raise ObserveError("the output's folder does not exist", source=str(out))
    taken = [p for p in output_paths(out) if p.exists()]
    if taken and not overwrite:
        raise ObserveError(
            f"{', '.join(p.name for p in taken)} already exist(s); give --overwrite to replace",
            source=str(out),
        )


def write_observed(result: ObservedWeeks, out: Path) -> list[Path]:
    """Write the three files, each atomically (a temporary file renamed into place)."""
    people, series, summary = output_paths(out)
    texts = [
        (people, result.people.to_csv(index=False)),
        (series, result.series.to_csv(index=False, float_format="%.6g")),
        (summary, json.dumps(result.summary, indent=2) + "\n"),
    ]
    for path, text in texts:
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return [p for p, _ in texts]
