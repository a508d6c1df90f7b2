"""Result of an ensemble: curves, events, summary, provenance; save and load."""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import InputError
from adoptsim.org import Organization
from adoptsim.runs import metrics
from adoptsim.runs import organizations as orgfile
from adoptsim.runs.attribution import attribution
from adoptsim.version import __version__

CURVES = "curves.csv"
CURVES_BY_DEPARTMENT = "curves_by_department.csv"
CURVES_BY_ROLE = "curves_by_role.csv"
EVENTS_PARQUET = "events.parquet"
EVENTS_CSV = "events.csv"
STRATEGY_LOG = "strategy_log.csv"
STRATEGY_LOG_DTYPES = {"replicate": "int64", "week": "int64", "strategy": str, "detail": str}
SUMMARY = "summary.json"
MANIFEST = "manifest.json"
ORGANIZATION = orgfile.ORGANIZATION


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _empty_strategy_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in STRATEGY_LOG_DTYPES.items()})


@dataclass
class Result:
    """What an ensemble produced.

    * ``curves``: one row per replicate and week (shares are fractions of all employees);
    * ``curves_by_department`` / ``curves_by_role``: the same per group;
    * ``events``: the activity stream (replicate, week, employee, event, cause);
    * ``summary``: one row of metrics per replicate (see :func:`adoptsim.metrics.per_replicate`);
    * ``manifest``: provenance (scenario hash, resolved scenario, seed, version, date);
    * ``strategy_log``: strategy-level events such as an ``adapt`` rule firing (replicate,
      week, strategy, detail); empty, with those columns, when there were none;
    * ``organizations``: the organization every run shared, or one per replicate (in
      replicate order) when ``manifest["new_org_per_replicate"]``; empty when not kept
      (results saved by adoptsim before it was written).
    """

    curves: pd.DataFrame
    curves_by_department: pd.DataFrame
    curves_by_role: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    strategy_log: pd.DataFrame = field(default_factory=_empty_strategy_log)
    organizations: list[Organization] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.strategy_log.empty and self.strategy_log.columns.empty:
            self.strategy_log = _empty_strategy_log()

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.manifest["scenario"]["name"]

    @property
    def aggregate(self) -> pd.DataFrame:
        """Mean, median and 90 % interval of every summary metric over replicates."""
        return metrics.aggregate(self.summary)

    @property
    def strategy_windows(self) -> list[dict[str, Any]]:
        """Label, type, start and end week of each strategy (end None = open)."""
        return [
            {
                "label": s.get("name") or s["type"],
                "type": s["type"],
                "start": s["start"],
                "end": s.get("end"),
            }
            for s in self.manifest["scenario"]["strategies"]
        ]

    def attribution(self) -> pd.DataFrame:
        """Adoptions per strategy (and ``own``), mean per run: caused ``direct``-ly, and
        ``indirect``-ly through the colleagues it influenced (chains of ``peer:<id>``
        causes; see :mod:`adoptsim.attribution`), with their ``total`` and ``share``."""
        labels = [w["label"] for w in self.strategy_windows if w["type"] != "adapt"]
        for s in self.manifest["scenario"]["strategies"]:  # what adapt rules switch on
            then = s.get("then")
            if isinstance(then, dict):
                labels.append(then.get("name") or f"{s.get('name') or s['type']}/{then['type']}")
        return attribution(self.events, replicates=int(self.manifest["runs"]), order=labels)

    def save(self, folder: str | Path) -> Path:
        """Write the data files to ``folder`` (created if needed); returns the folder.

        Charts are drawn by :func:`adoptsim.viz.save_charts`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.curves.to_csv(folder / CURVES, index=False)
        self.curves_by_department.to_csv(folder / CURVES_BY_DEPARTMENT, index=False)
        self.curves_by_role.to_csv(folder / CURVES_BY_ROLE, index=False)
        events = self.events.copy()
        if _has_pyarrow():
            events.to_parquet(folder / EVENTS_PARQUET, index=False)
        else:
            events.to_csv(folder / EVENTS_CSV, index=False)
        log = self.strategy_log if not self.strategy_log.columns.empty else _empty_strategy_log()
        log.to_csv(folder / STRATEGY_LOG, index=False)
        summary = {
            "scenario": self.name,
            "runs": int(self.manifest["runs"]),
            "seed": int(self.manifest["seed"]),
            "aggregate": _jsonable(self.aggregate.reset_index().to_dict(orient="records")),
            "replicates": _jsonable(self.summary.reset_index().to_dict(orient="records")),
        }
        (folder / SUMMARY).write_text(json.dumps(summary, indent=2) + "\n")
        (folder / MANIFEST).write_text(json.dumps(_jsonable(self.manifest), indent=2) + "\n")
        if self.organizations:
            orgfile.write(folder / ORGANIZATION, self.organizations)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Read a result written by :meth:`save`."""
        folder = Path(folder)
        if not (folder / MANIFEST).exists():
            raise InputError(
                f"no {MANIFEST} here: not a results folder written by `adoptsim run`",
                source=str(folder),
            )
        manifest = json.loads((folder / MANIFEST).read_text())
        if (folder / EVENTS_PARQUET).exists():
            events = pd.read_parquet(folder / EVENTS_PARQUET)
        elif (folder / EVENTS_CSV).exists():
            events = pd.read_csv(folder / EVENTS_CSV, dtype={"employee": str, "cause": str})
        else:
            events = pd.DataFrame(columns=["replicate", "week", "employee", "event", "cause"])
        if (folder / STRATEGY_LOG).exists():  # absent in older results folders
            strategy_log = pd.read_csv(
                folder / STRATEGY_LOG,
                dtype=STRATEGY_LOG_DTYPES,
                keep_default_na=False,
            )
        else:
            strategy_log = _empty_strategy_log()
        summary_data = json.loads((folder / SUMMARY).read_text())
        summary = pd.DataFrame(summary_data["replicates"]).set_index("replicate")
        return cls(
            curves=pd.read_csv(folder / CURVES),
            curves_by_department=pd.read_csv(folder / CURVES_BY_DEPARTMENT),
            curves_by_role=pd.read_csv(folder / CURVES_BY_ROLE)
            if (folder / CURVES_BY_ROLE).exists()
            else pd.DataFrame(),
            events=events,
            summary=summary.astype(float),
            manifest=manifest,
            strategy_log=strategy_log,
            organizations=orgfile.read(folder / ORGANIZATION)
            if (folder / ORGANIZATION).exists()  # absent in older results folders
            else [],
        )


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        if math.isnan(f):
            return None
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def make_manifest(scenario, runs: int, seed: int, new_org: bool) -> dict[str, Any]:
    """Provenance of a run: scenario hash and content, seed, runs, version, date."""
    return {
        "scenario_hash": scenario.content_hash(),
        "scenario_file": str(scenario.source) if scenario.source else None,
        "scenario": scenario.resolved(),
        "seed": int(seed),
        "runs": int(runs),
        "new_org_per_replicate": bool(new_org),
        "adoptsim_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
