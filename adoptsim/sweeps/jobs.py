"""Jobs: a point's replicates to run, and running one in any process.

A row is a function of (experiment, point, replicate) only, so a job gives the same rows
whichever evaluator runs it and however the replicates are chunked.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import AdoptsimError
from adoptsim.runs.runner import BATCH_ELEMENTS, assemble, build_org, simulate
from adoptsim.scenario import Scenario, apply_overrides, validate_scenario


@dataclass(frozen=True)
class Job:
    """A point's replicates to run: everything a worker needs, picklable."""

    scenario: dict[str, Any]  # the base scenario's data (fixed applied)
    source: str | None  # the base scenario file (relative org files resolve against it)
    overrides: dict[str, Any]
    point: int
    replicates: tuple[int, ...]
    seed: int
    metrics: tuple[str, ...]


_ORG_CACHE: dict[tuple, Any] = {}
_ORG_CACHE_SIZE = 8


def _organization(spec: Scenario, seed: int):
    key = (
        json.dumps(spec.organization.model_dump(mode="json"), sort_keys=True),
        seed,
        str(spec.base_dir),
    )
    if key not in _ORG_CACHE:
        if len(_ORG_CACHE) >= _ORG_CACHE_SIZE:
            _ORG_CACHE.pop(next(iter(_ORG_CACHE)))
        _ORG_CACHE[key] = build_org(spec, seed)
    return _ORG_CACHE[key]


def point_scenario(job: Job) -> Scenario:
    """The validated scenario of a job's point."""
    data = apply_overrides(job.scenario, job.overrides)
    spec = validate_scenario(data, source=job.source)
    spec._source = Path(job.source) if job.source else None
    return spec


def run_job(job: Job) -> pd.DataFrame:
    """Run a job; one row per replicate: keys, metrics, status and error.

    A failing point (invalid values, an error while running) gives error rows instead of
    raising, so the other points go on.
    """
    reps = list(job.replicates)
    try:
        spec = point_scenario(job)
        new_org = spec.organization.new_per_replicate
        parts = []
        if new_org:
            for r in reps:
                org = build_org(spec, job.seed, r)
                parts.append(simulate(spec, job.seed, [r], org))
        else:
            org = _organization(spec, job.seed)
            size = max(1, BATCH_ELEMENTS // max(org.n, 1))
            for i in range(0, len(reps), size):
                parts.append(simulate(spec, job.seed, reps[i : i + size], org))
        summary = assemble(spec, parts, len(reps), job.seed, new_org, org.n).summary
        out = summary.reindex(reps)[list(job.metrics)].astype(float).reset_index(drop=True)
        status, error = "ok", ""
    except Exception as exc:  # a failing point is recorded, not raised
        out = pd.DataFrame({m: np.full(len(reps), np.nan) for m in job.metrics})
        status = "error"
        error = str(exc) if isinstance(exc, AdoptsimError) else f"{type(exc).__name__}: {exc}"
    out.insert(0, "seed", np.int64(job.seed))
    out.insert(0, "replicate", np.asarray(reps, dtype=np.int64))
    out.insert(0, "point", np.int64(job.point))
    out["status"] = status
    out["error"] = error
    return out


def chunks(todo: Iterable[tuple[int, int]], size: int) -> Iterator[tuple[int, tuple[int, ...]]]:
    """Pending (point, replicate) pairs grouped by point into runs of at most ``size``."""
    by_point: dict[int, list[int]] = {}
    for p, r in sorted(todo):
        by_point.setdefault(p, []).append(r)
    for p, reps in by_point.items():
        for i in range(0, len(reps), size):
            yield p, tuple(reps[i : i + size])


def end_with_parent(owner: int, interval: float = 0.5) -> None:
    """Worker initializer: the worker exits once the process ``owner`` (the sweep's) is gone.

    A sweep whose process is killed (SIGKILL, a closed terminal) would otherwise leave its
    workers running their queued jobs; they notice within ``interval`` seconds.
    """

    def watch() -> None:
        while _alive(owner):
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="adoptsim-end-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: existence is all we know
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
