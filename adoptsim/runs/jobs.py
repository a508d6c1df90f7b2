"""A sweep's jobs: runs to do as a picklable description, and the one function that runs one.

A :class:`Job` is a base scenario's data, overrides shared by its rows and, per point,
overrides of its own, the (point, replicate) rows to run, the root seed and the metrics to
collect. :func:`run_job` runs it in any process and returns one row per (point,
replicate). A row is a function of (scenario, overrides, seed, replicate) only, so a job
gives the same rows whichever evaluator runs it and however the replicates are chunked.
:func:`scenario_summaries` runs whole scenarios (an optimization's plans) as jobs. A job is
a task of any :mod:`adoptsim.execute` evaluator (calling it runs it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.errors import AdoptsimError
from adoptsim.execute import batch_size
from adoptsim.execute.simulations import build_org
from adoptsim.model.population import REPLICATE_PARAMETERS
from adoptsim.runs.runner import assemble, simulate
from adoptsim.scenario import Scenario, apply_overrides, validate_scenario, with_overrides


@dataclass(frozen=True)
class Job:
    """Runs to do, as (point, replicate) rows: everything a worker needs, picklable.

    Every row has the ``shared`` overrides; a point may add overrides of its own (``own``)
    for parameters the engine takes per replicate, so that points differing only in those
    run together as one batch (a row draws from its replicate's streams: common random
    numbers).
    """

    scenario: dict[str, Any]  # the base scenario's data (fixed applied)
    source: str | None  # the base scenario file (relative org files resolve against it)
    shared: dict[str, Any]
    rows: tuple[tuple[int, int], ...]
    seed: int
    metrics: tuple[str, ...]
    own: dict[int, dict[str, float]] = field(default_factory=dict)

    @property
    def points(self) -> list[int]:
        """The points of the rows, in order of first appearance."""
        return list(dict.fromkeys(p for p, _ in self.rows))

    def __call__(self) -> pd.DataFrame:
        """The job's rows (:func:`run_job`)."""
        return run_job(self)


_ORG_CACHE: dict[tuple, Any] = {}
_ORG_CACHE_SIZE = 8


def shared_organization(spec: Scenario, seed: int):
    """The scenario's organization (shared by its replicates), cached in this process."""
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


def scenario_of(data: dict[str, Any], source: str | None, overrides: dict[str, Any]) -> Scenario:
    """The validated scenario of ``data`` (from file ``source``) with ``overrides``."""
    spec = validate_scenario(apply_overrides(data, overrides), source=source)
    spec._source = Path(source) if source else None
    return spec


def _message(exc: Exception) -> str:
    return str(exc) if isinstance(exc, AdoptsimError) else f"{type(exc).__name__}: {exc}"


def run_job(job: Job) -> pd.DataFrame:
    """Run a job; one row per (point, replicate): keys, metrics, status and error.

    A failing point (invalid values, an error while running) gives error rows instead of
    raising, so the other points go on; a batch of several points that fails while running
    is run again point by point, so that only the failing points give error rows.
    """
    errors: dict[int, str] = {}
    done: dict[tuple[int, int], np.ndarray] = {}
    spec: Scenario | None = None
    for p in job.points:  # each point's scenario checked as the schema allows
        try:
            full = scenario_of(job.scenario, job.source, {**job.shared, **job.own.get(p, {})})
            spec = spec or full  # the batch runs on a valid point's scenario
        except Exception as exc:
            errors[p] = _message(exc)
    ok = [(p, r) for p, r in job.rows if p not in errors]
    if spec is not None and ok:
        try:
            done = _metrics(spec, job, ok)
        except Exception as exc:
            points = list(dict.fromkeys(p for p, _ in ok))
            if len(points) == 1:
                errors[points[0]] = _message(exc)
            for p in points if len(points) > 1 else []:
                try:
                    done |= _metrics(spec, job, [row for row in ok if row[0] == p])
                except Exception as exc:
                    errors[p] = _message(exc)
    out = pd.DataFrame(np.nan, index=range(len(job.rows)), columns=list(job.metrics))
    for i, row in enumerate(job.rows):
        if row in done:
            out.iloc[i] = done[row]
    points = np.asarray([p for p, _ in job.rows], dtype=np.int64)
    out.insert(0, "seed", np.int64(job.seed))
    out.insert(0, "replicate", np.asarray([r for _, r in job.rows], dtype=np.int64))
    out.insert(0, "point", points)
    out["status"] = ["error" if p in errors else "ok" for p in points.tolist()]
    out["error"] = [errors.get(p, "") for p in points.tolist()]
    return out


def _metrics(
    spec: Scenario, job: Job, rows: list[tuple[int, int]]
) -> dict[tuple[int, int], np.ndarray]:
    """Each row's metrics (the job's, in order) by (point, replicate)."""
    values = _summaries(spec, job, rows)[list(job.metrics)].to_numpy(float)
    return dict(zip(rows, values, strict=True))


def _summaries(spec: Scenario, job: Job, rows: list[tuple[int, int]]) -> pd.DataFrame:
    """The per-run metrics of ``rows`` (valid points), in their order."""
    paths = sorted({path for p, _ in rows for path in job.own.get(p, {})})
    new_org = spec.organization.new_per_replicate
    labels = list(range(len(rows)))
    streams = [r for _, r in rows]
    parts = []
    if new_org or not set(paths) <= set(REPLICATE_PARAMETERS):  # point by point
        point_specs = {p: with_overrides(spec, job.own.get(p, {})) for p, _ in rows}
        if new_org:
            for i, (p, r) in enumerate(rows):
                org = build_org(point_specs[p], job.seed, r)
                parts.append(simulate(point_specs[p], job.seed, [i], org, streams_of=[r]))
            n = org.n
        else:
            org, n = shared_organization(spec, job.seed), None
            by_point: dict[int, list[int]] = {}
            for i, (p, _) in enumerate(rows):
                by_point.setdefault(p, []).append(i)
            size = batch_size(org.n)
            for p, idx in by_point.items():
                for k in range(0, len(idx), size):
                    chunk = idx[k : k + size]
                    parts.append(
                        simulate(
                            point_specs[p],
                            job.seed,
                            chunk,
                            org,
                            streams_of=[streams[i] for i in chunk],
                        )
                    )
            n = org.n
    else:
        org = shared_organization(spec, job.seed)
        n = org.n
        values = {
            path: np.asarray([job.own[p][path] for p, _ in rows], dtype=float) for path in paths
        }
        size = batch_size(n)
        for k in range(0, len(rows), size):
            chunk = slice(k, k + size)
            parts.append(
                simulate(
                    spec,
                    job.seed,
                    labels[chunk],
                    org,
                    values={path: v[chunk] for path, v in values.items()},
                    streams_of=streams[chunk],
                )
            )
    summary = assemble(spec, parts, len(rows), job.seed, new_org, n).summary
    return summary.reindex(labels)


def scenario_jobs(
    scenarios: Sequence[Scenario],
    runs: int,
    seed: int,
    per_replicate: Mapping[str, np.ndarray] | None,
    metrics: Sequence[str],
    workers: int,
) -> list[Job]:
    """The jobs of running each scenario's ``runs`` replicates (replicate ``r`` with the
    values ``per_replicate[path][r]``), split into one job per share of ``workers``.

    Without per-replicate values, scenario ``i`` is point ``i``; with them, replicate ``r``
    of scenario ``i`` is point ``i * runs + r`` with its values (batched by the engine when
    it takes those parameters per replicate), which runs exactly as :func:`adoptsim.run`
    runs that replicate with ``per_replicate``."""
    jobs = []
    share = max(1, -(-workers // max(1, len(scenarios))))  # ceil
    size = max(1, -(-runs // share))
    for i, spec in enumerate(scenarios):
        data = spec.model_dump()
        source = str(spec.source) if spec.source is not None else None
        key = (lambda r, i=i: i * runs + r) if per_replicate else (lambda r, i=i: i)
        own = {
            key(r): {p: float(v[r]) for p, v in (per_replicate or {}).items()} for r in range(runs)
        }
        for lo in range(0, runs, size):
            rows = tuple((key(r), r) for r in range(lo, min(runs, lo + size)))
            mine = {k: own[k] for k, _ in rows} if per_replicate else {}
            jobs.append(Job(data, source, {}, rows, seed, tuple(metrics), own=mine))
    return jobs


def scenario_summaries(
    rows: pd.DataFrame, scenarios: int, runs: int, per_replicate: bool, metrics: Sequence[str]
) -> list[pd.DataFrame]:
    """The rows of :func:`scenario_jobs` as one summary per scenario (one row per replicate,
    in order, the ``metrics`` as columns); an AdoptsimError if a run failed."""
    bad = rows[rows["status"] != "ok"]
    if len(bad):
        raise AdoptsimError(f"a plan failed to run: {bad['error'].iloc[0]}")
    of = rows["point"] // runs if per_replicate else rows["point"]
    return [
        rows[of == i].sort_values("replicate")[list(metrics)].reset_index(drop=True)
        for i in range(scenarios)
    ]


def chunks(todo: Iterable[tuple[int, int]], size: int) -> Iterator[tuple[int, tuple[int, ...]]]:
    """Pending (point, replicate) pairs grouped by point into runs of at most ``size``."""
    by_point: dict[int, list[int]] = {}
    for p, r in sorted(todo):
        by_point.setdefault(p, []).append(r)
    for p, reps in by_point.items():
        for i in range(0, len(reps), size):
            yield p, tuple(reps[i : i + size])
