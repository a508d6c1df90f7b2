"""Result of an ensemble: curves, events, summary, provenance; save and load."""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import InputError
from adoptsim.files import MAX_RESULT_BYTES
from adoptsim.org import Organization
from adoptsim.runs import metrics
from adoptsim.runs import organizations as orgfile
from adoptsim.runs.attribution import attribution
from adoptsim.runs.folders import save_whole, verify
from adoptsim.version import __version__

CURVES = "curves.csv"
CURVES_BY_DEPARTMENT = "curves_by_department.csv"
CURVES_BY_ROLE = "curves_by_role.csv"
EVENTS_PARQUET = "events.parquet"
EVENTS_CSV = "events.csv"
STRATEGY_LOG = "strategy_log.csv"
STRATEGY_LOG_DTYPES = {"replicate": "int64", "week": "int64", "strategy": str, "detail": str}
SUMMARY = "summary.json"
EVENT_COLUMNS = ("replicate", "week", "employee", "event", "cause")
MANIFEST = "manifest.json"
ORGANIZATION = orgfile.ORGANIZATION


#: labels (employees, causes) with more distinct values than this are stored plain in
#: events.parquet: their dictionary would outgrow Parquet's 1 MB dictionary page
PLAIN_ABOVE = 50_000


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
    * ``summary``: one row of metrics per replicate (see
      :func:`adoptsim.runs.metrics.per_replicate`);
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
        if self.events.empty and self.events.columns.empty:  # a run in which nothing happened
            self.events = pd.DataFrame(columns=list(EVENT_COLUMNS))

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
        causes; see :mod:`adoptsim.runs.attribution`), with their ``total`` and ``share``."""
        labels = [w["label"] for w in self.strategy_windows if w["type"] != "adapt"]
        for s in self.manifest["scenario"]["strategies"]:  # what adapt rules switch on
            then = s.get("then")
            if isinstance(then, dict):
                labels.append(then.get("name") or f"{s.get('name') or s['type']}/{then['type']}")
        return attribution(self.events, replicates=int(self.manifest["runs"]), order=labels)

    def save(self, folder: str | Path, overwrite: bool = False) -> Path:
        """Write the data files to ``folder``, whole or not at all; returns the folder.

        ``overwrite`` replaces a folder of earlier results (refused without it). Charts are
        drawn by :func:`adoptsim.viz.save_charts`; to write both at once, use
        :func:`adoptsim.runs.folders.atomic_folder` with :meth:`write`."""
        return save_whole(self.write, folder, overwrite)

    def write(self, folder: str | Path) -> Path:
        """Write the data files into ``folder`` (created if needed), as they are."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.curves.to_csv(folder / CURVES, index=False)
        self.curves_by_department.to_csv(folder / CURVES_BY_DEPARTMENT, index=False)
        self.curves_by_role.to_csv(folder / CURVES_BY_ROLE, index=False)
        # the two large files are written side by side (Parquet's writer and zlib let go of
        # the interpreter lock)
        with ThreadPoolExecutor(2) as pool:
            written = [pool.submit(self._write_events, folder)]
            if self.organizations:
                written.append(
                    pool.submit(orgfile.write, folder / ORGANIZATION, self.organizations)
                )
            for job in written:
                job.result()
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
        return folder

    def _write_events(self, folder: Path) -> None:
        if _has_pyarrow():
            # labels with more entries than Parquet's dictionary page holds are written plain:
            # its fallback took 4.4 of 5.1 s at 2.1 M employees, plain from the start 0.7 s
            # (and 48 MB, not 117); small dictionaries stay (a third of the plain size)
            largest = max(
                (len(c.cat.categories) for _, c in self.events.items() if c.dtype == "category"),
                default=0,
            )
            self.events.to_parquet(
                folder / EVENTS_PARQUET, index=False, use_dictionary=largest <= PLAIN_ABOVE
            )
        else:
            self.events.to_csv(folder / EVENTS_CSV, index=False)

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Read a result written by :meth:`save`; an InputError names a missing, changed or
        unreadable file."""
        folder = Path(folder)
        if not (folder / MANIFEST).is_file():
            raise InputError(
                f"no {MANIFEST} here: not a results folder written by `adoptsim run`",
                source=str(folder),
            )
        verify(folder)
        manifest = _read(folder / MANIFEST, lambda f: json.loads(f.read_text()))
        summary_data = _read(folder / SUMMARY, lambda f: json.loads(f.read_text()))
        result = cls(
            curves=_read(folder / CURVES, pd.read_csv),
            curves_by_department=_read(folder / CURVES_BY_DEPARTMENT, pd.read_csv),
            curves_by_role=_read(folder / CURVES_BY_ROLE, pd.read_csv, pd.DataFrame()),
            events=_read_events(folder),
            summary=_read(
                folder / SUMMARY,
                lambda _: (
                    pd.DataFrame(summary_data["replicates"]).set_index("replicate").astype(float)
                ),
            ),
            manifest=manifest,
            strategy_log=_read(
                folder / STRATEGY_LOG,
                lambda f: pd.read_csv(f, dtype=STRATEGY_LOG_DTYPES, keep_default_na=False),
                _empty_strategy_log(),
            ),
            organizations=_read(folder / ORGANIZATION, orgfile.read, []),
        )
        _check_complete(result, folder)
        return result


_MISSING = object()


def _read(path: Path, reader, default: Any = _MISSING) -> Any:
    """``reader(path)``, ``default`` when the file is absent (older folders), or an
    InputError naming the file."""
    if not path.exists() and not path.is_symlink():
        if default is _MISSING:
            raise InputError(f"{path.name} is missing from this results folder", source=str(path))
        return default
    if path.is_symlink() or not path.is_file():
        raise InputError("not a regular file (a link, a FIFO or a device)", source=str(path))
    if path.stat().st_size > MAX_RESULT_BYTES:
        raise InputError(f"larger than {MAX_RESULT_BYTES:,} bytes", source=str(path))
    try:
        return reader(path)
    except InputError:
        raise
    except Exception as exc:  # any parser's complaint about a damaged file
        raise InputError(
            f"{path.name} cannot be read ({type(exc).__name__}: {str(exc)[:200]}); rerun the "
            "command that wrote it",
            source=str(path),
        ) from None


def _read_events(folder: Path) -> pd.DataFrame:
    empty = pd.DataFrame(columns=list(EVENT_COLUMNS))
    if (folder / EVENTS_PARQUET).is_file():
        return _read(folder / EVENTS_PARQUET, pd.read_parquet)
    return _read(
        folder / EVENTS_CSV,
        lambda f: pd.read_csv(f, dtype={"employee": str, "cause": str}),
        empty,
    )


def _check_complete(result: Result, folder: Path) -> None:
    """Every replicate has every week in each table of curves, and the log its columns
    (a cut file is not drawn as a result)."""
    m = result.manifest
    try:
        runs, weeks = int(m["runs"]), int(m["scenario"]["weeks"])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            "the manifest lacks runs or weeks", source=str(folder / MANIFEST)
        ) from None
    tables = [(CURVES, result.curves, 1), (CURVES_BY_DEPARTMENT, result.curves_by_department, 0)]
    if not result.curves_by_role.empty:
        tables.append((CURVES_BY_ROLE, result.curves_by_role, 0))
    for name, df, per_week in tables:
        missing = [c for c in ("week", "replicate") if c not in df.columns]
        if missing:
            raise InputError(f"no column {missing[0]!r}", source=str(folder / name))
        counts = df.groupby(["replicate", "week"]).size()
        whole = len(counts) == runs * (weeks + 1) and counts.nunique() == 1
        if not whole or (per_week and counts.iloc[0] != per_week) or df.isna().any().any():
            raise InputError(
                f"does not hold every week 0-{weeks} of the {runs} runs: the file is "
                "incomplete; rerun the command that wrote it",
                source=str(folder / name),
            )
    absent = set(STRATEGY_LOG_DTYPES) - set(result.strategy_log.columns)
    if absent:
        raise InputError(
            f"lacks the column {sorted(absent)[0]!r}: the file is incomplete",
            source=str(folder / STRATEGY_LOG),
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
