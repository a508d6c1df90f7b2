"""The sweep: every (point, replicate) of an experiment, streamed into its store.

:func:`sweep` runs the pairs on an evaluator (sequential, local processes or a Dask
cluster) and streams the rows into ``results/<experiment>/`` (see :mod:`.store`); an
interrupted sweep resumes where it stopped.

A row is a function of (experiment, point, replicate) only: replicate ``k`` of every point
uses the root seed's replicate-``k`` streams (common random numbers, so points are compared
paired), and the numbers do not depend on the evaluator, the number of workers or how the
replicates are chunked.

Note: ``adoptsim.sweep`` is the function :func:`sweep`; import the package's other names
with ``from adoptsim.sweeps import ...``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from adoptsim.errors import InputError
from adoptsim.execute import Evaluator, batch_size, cores, make_evaluator
from adoptsim.execute.budget import Estimate, check_memory, estimate_processes
from adoptsim.model.population import REPLICATE_PARAMETERS
from adoptsim.runs.folders import file_digest
from adoptsim.runs.jobs import Job, chunks, shared_organization
from adoptsim.runs.runner import estimate
from adoptsim.sweeps.design import Design, check_points, make_design, point_seed
from adoptsim.sweeps.experiment import Experiment, experiment_from_data, load_experiment
from adoptsim.sweeps.store import RESULTS, Store
from adoptsim.version import __version__

Progress = Callable[[int, int], None]


@dataclass
class SweepStats:
    """What one call of :func:`sweep` did."""

    total: int = 0
    skipped: int = 0
    ran: int = 0
    errors: int = 0
    damaged: list[str] = field(default_factory=list)
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Runs per second of this call."""
        return self.ran / self.seconds if self.seconds > 0 else float("nan")


def default_folder(exp: Experiment) -> Path:
    """``results/<experiment name>``."""
    return Path("results") / exp.name


def estimate_sweep(exp: Experiment, points: int, workers: int) -> Estimate:
    """The memory (all local workers) and time an experiment's sweep is expected to take,
    from its base scenario (one job: a point's replicates in one batch, on one thread)."""
    per_job = estimate(exp.base, runs=exp.replicates, workers=1)
    return estimate_processes(per_job, workers, points)


#: sweeps estimated to take less than this many seconds run on threads (no start-up, 1.6x
#: one thread), longer ones on processes (1.8x on 2 cores, after about 1 s of start-up)
THREADS_BELOW_SECONDS = 15.0


def auto_executor(exp: Experiment, workers: int | None = None) -> str:
    """``threads`` for a sweep estimated to take seconds, else ``processes``."""
    points = len(make_design(exp))
    seconds = estimate_sweep(exp, points, workers or cores()).seconds
    return "threads" if seconds < THREADS_BELOW_SECONDS else "processes"


def sweep(
    experiment: Experiment | str | Path | dict[str, Any],
    *,
    out: str | Path | None = None,
    store: bool = True,
    evaluator: Evaluator | None = None,
    executor: Literal["auto", "sequential", "threads", "processes", "dask"] | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = True,
    retry_errors: bool = False,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    stats: SweepStats | None = None,
    max_memory: int | None = None,
) -> pd.DataFrame:
    """Run an experiment and return its table: one row per point and replicate.

    Columns: ``point``, ``replicate``, ``seed``, one per parameter, one per metric,
    ``status`` (``ok``/``error``) and ``error``. Rows stream into ``out`` (default
    ``results/<name>``) unless ``store`` is false; a folder holding part of the same
    experiment is resumed (``resume=False`` starts over; a different experiment there is an
    error). ``evaluator`` runs the jobs (an :class:`~adoptsim.execute.Evaluator`);
    or name one: ``executor`` ``auto`` (the default: threads for a sweep of seconds, else
    processes), ``sequential``, ``threads``, ``processes`` (``workers``, default all cores)
    or ``dask`` (``scheduler``: an address, a ``distributed.Client``, or None for a local
    cluster). ``progress(done, total)`` is called as runs finish. A sweep whose
    local workers are estimated to need more than ``max_memory`` bytes (default: the
    machine's available memory) is refused before it starts.
    """
    exp = _as_experiment(experiment)
    if evaluator is None:
        if executor in (None, "auto") and scheduler is None:
            executor = auto_executor(exp, workers)
        evaluator = make_evaluator(executor, workers, scheduler)
    elif executor is not None or workers is not None or scheduler is not None:
        raise InputError("give an evaluator, or executor/workers/scheduler, not both")
    stats = stats if stats is not None else SweepStats()
    design = make_design(exp)
    check_points(exp, design)
    if evaluator.name != "dask":  # a cluster's memory is its own
        knobs = "--workers or the experiment's replicates"
        check_memory(estimate_sweep(exp, len(design), evaluator.workers), max_memory, knobs)
    everything = {(p, r) for p in range(len(design)) for r in range(exp.replicates)}
    stats.total = len(everything)
    st = Store(Path(out) if out is not None else default_folder(exp)) if store else None
    done_pairs = (
        _open_store(st, exp, design, resume, retry_errors, stats) if st is not None else set()
    )
    todo = everything - done_pairs
    stats.skipped = len(everything) - len(todo)
    rows = _Rows(design, st, stats, progress)
    if progress is not None:
        progress(stats.skipped, stats.total)
    t0 = time.perf_counter()
    status = "interrupted"
    try:
        if todo:
            with evaluator.session():
                size = chunk_size or _chunk_size(exp.replicates, len(todo), evaluator.workers)
                per_job = None
                if batched(exp):
                    per_job = chunk_size or _rows_per_job(
                        batch_rows(exp), len(todo), evaluator.workers
                    )
                jobs = _jobs(exp, design, todo, size, per_job)
                stats.info = evaluator.evaluate(jobs, rows.add)
        status = "complete"
    finally:
        stats.seconds = time.perf_counter() - t0
        if st is not None:
            _record_session(st, evaluator, stats, status)
    if st is None:
        return rows.table()
    return _close_store(st, stats)


class _Rows:
    """Receives each job's rows: adds the parameter values, stores them, counts them."""

    def __init__(
        self, design: Design, st: Store | None, stats: SweepStats, progress: Progress | None
    ) -> None:
        points = design.table()
        self.names = design.names
        self.columns = {n: points[n] for n in self.names}
        self.st, self.stats, self.progress = st, stats, progress
        self.collected: list[pd.DataFrame] = []

    def add(self, rows: pd.DataFrame) -> None:
        points = rows["point"].to_numpy()
        for j, n in enumerate(self.names):
            rows.insert(3 + j, n, self.columns[n].iloc[points].to_numpy())
        if self.st is not None:
            self.st.write_part(rows)
        else:
            self.collected.append(rows)
        self.stats.ran += len(rows)
        self.stats.errors += int((rows["status"] != "ok").sum())
        if self.progress is not None:
            self.progress(self.stats.skipped + self.stats.ran, self.stats.total)

    def table(self) -> pd.DataFrame:
        """The rows collected (when not stored), sorted."""
        if not self.collected:
            return pd.DataFrame()
        table = pd.concat(self.collected, ignore_index=True)
        return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)


def _open_store(
    st: Store,
    exp: Experiment,
    design: Design,
    resume: bool,
    retry_errors: bool,
    stats: SweepStats,
) -> set[tuple[int, int]]:
    """Start or resume the store; returns the (point, replicate) pairs already stored."""
    digest = exp.content_hash()
    done_pairs: set[tuple[int, int]] = set()
    if st.exists() and "experiment_hash" not in st.manifest():
        raise InputError(
            "this folder holds other results (not a sweep's); choose another with --out",
            source=str(st.folder),
        )
    if st.exists() and not resume:
        st.clear()
    elif st.exists():
        if st.manifest().get("experiment_hash") != digest:
            raise InputError(
                "this folder holds results of a different experiment (or of an earlier "
                "version of this one, or of a changed base scenario); use --overwrite "
                "to start over, or --out for another folder",
                source=str(st.folder),
            )
        damaged = st.set_aside_damaged()
        stats.damaged = [f.name for f in damaged]
        if damaged:
            warnings.warn(
                f"{len(damaged)} damaged part(s) of {st.folder} set aside into "
                f"parts/damaged/; their runs are done again",
                stacklevel=3,
            )
        done_pairs, failed = st.done()
        if retry_errors and failed:
            retry = st.read_parts(failed)
            for f in failed:
                f.unlink()
            done_pairs -= set(
                zip(retry["point"].tolist(), retry["replicate"].tolist(), strict=True)
            )
    manifest = _manifest(exp, design, digest)
    old = st.manifest()
    manifest["created"] = old.get("created", manifest["created"])
    manifest["sessions"] = old.get("sessions", [])
    st.start(exp, design, manifest)
    return done_pairs


def batched(exp: Experiment) -> bool:
    """Whether the experiment's points run together as replicates with values of their own:
    common random numbers, one organization for all replicates, and at least one parameter
    the engine takes per replicate."""
    return (
        exp.common_random_numbers
        and not _organization_data(exp).get("new_per_replicate", False)
        and any(p.path in REPLICATE_PARAMETERS for p in exp.parameters)
    )


def batch_rows(exp: Experiment) -> int:
    """Runs of the base scenario's organization that fill one batch of the engine."""
    generated = _organization_data(exp).get("generate") or {}
    employees = generated.get("employees")
    if not isinstance(employees, int) or isinstance(employees, bool):
        employees = shared_organization(exp.base, exp.seed).n
    return batch_size(employees)


def _organization_data(exp: Experiment) -> dict[str, Any]:
    """The base scenario's organization settings with the experiment's fixed values (the
    base alone may be incomplete: the points supply the rest)."""
    return exp.base_data().get("organization") or {}


def _jobs(
    exp: Experiment, design: Design, todo: set[tuple[int, int]], size: int, rows: int | None
) -> Iterator[Job]:
    """The jobs of the pending runs: a point's replicates each (``size`` at most), or, for a
    batched experiment, up to ``rows`` runs of points that share their other overrides."""
    scenario_data = exp.base_data()
    source = str(exp.base.source) if exp.base.source else None
    metrics = tuple(exp.metric_names)
    if rows is None:
        for p, reps in chunks(todo, size):
            yield Job(
                scenario=scenario_data,
                source=source,
                shared=design.overrides(p),
                rows=tuple((p, r) for r in reps),
                seed=point_seed(exp, p),
                metrics=metrics,
            )
        return
    groups: dict[str, tuple[dict[str, Any], list[tuple[int, int]]]] = {}
    own: dict[int, dict[str, float]] = {}
    group_of: dict[int, str] = {}
    for p, r in sorted(todo):
        if p not in own:
            values = design.overrides(p)
            own[p] = {k: float(v) for k, v in values.items() if k in REPLICATE_PARAMETERS}
            shared = {k: v for k, v in values.items() if k not in REPLICATE_PARAMETERS}
            group_of[p] = json.dumps(shared, sort_keys=True, default=str)
            groups.setdefault(group_of[p], (shared, []))
        groups[group_of[p]][1].append((p, r))
    seed = int(exp.seed)
    for shared, pairs in groups.values():
        for i in range(0, len(pairs), rows):
            chunk = tuple(pairs[i : i + rows])
            yield Job(
                scenario=scenario_data,
                source=source,
                shared=shared,
                rows=chunk,
                seed=seed,
                metrics=metrics,
                own={p: own[p] for p in dict.fromkeys(q for q, _ in chunk)},
            )


def _record_session(st: Store, evaluator: Evaluator, stats: SweepStats, status: str) -> None:
    manifest = st.manifest()
    manifest["sessions"].append(
        {
            "date": _now(),
            "executor": evaluator.name,
            "workers": evaluator.workers,
            **stats.info,
            "runs": stats.ran,
            "skipped": stats.skipped,
            "seconds": round(stats.seconds, 3),
            "runs_per_second": None if stats.ran == 0 else round(stats.rate, 3),
            "status": status,
        }
    )
    manifest["status"] = status
    st.write_manifest(manifest)


def _close_store(st: Store, stats: SweepStats) -> pd.DataFrame:
    """The stored table; merged into ``results.parquet`` when every run is in."""
    table = st.table()
    complete = len(table) == stats.total
    if complete:
        tmp = st.folder / f".tmp-{uuid.uuid4().hex}.parquet"
        table.to_parquet(tmp, index=False)
        digest = file_digest(tmp)
        os.replace(tmp, st.folder / RESULTS)
    manifest = st.manifest()
    if complete:
        manifest["results_sha256"] = digest
    manifest["rows"] = len(table)
    manifest["error_rows"] = int((table["status"] != "ok").sum()) if len(table) else 0
    manifest["status"] = "complete" if complete else "incomplete"
    st.write_manifest(manifest)
    return table


def _chunk_size(replicates: int, todo: int, workers: int) -> int:
    """Replicates per job: a whole point (they run as one batch), split when there are too
    few jobs to keep every worker busy."""
    if workers <= 1:
        return replicates
    points = max(1, math.ceil(todo / max(replicates, 1)))
    if points >= 4 * workers:
        return replicates
    pieces = math.ceil(4 * workers / points)
    return max(1, math.ceil(replicates / pieces))


def _rows_per_job(batch: int, todo: int, workers: int) -> int:
    """Runs per job of a batched experiment: one batch of the engine, fewer when there are
    too few runs to give every worker one."""
    return max(1, min(batch, math.ceil(todo / max(workers, 1))))


def _as_experiment(experiment: Experiment | str | Path | dict[str, Any]) -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment.check()
    if isinstance(experiment, dict):
        return experiment_from_data(experiment)
    return load_experiment(experiment)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _manifest(exp: Experiment, design: Design, digest: str) -> dict[str, Any]:
    return {
        "experiment": exp.name,
        "experiment_hash": digest,
        "experiment_file": str(exp.source) if exp.source else None,
        "scenario_file": str(exp.base.source) if exp.base.source else None,
        "scenario_hash": exp.base.content_hash(),
        "design": exp.design,
        "points": len(design),
        "replicates": exp.replicates,
        "runs": len(design) * exp.replicates,
        "seed": exp.seed,
        "common_random_numbers": exp.common_random_numbers,
        "parameters": {p.name: p.path for p in exp.parameters},
        "metrics": exp.metric_names,
        "status": "running",
        "adoptsim_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "created": _now(),
    }
