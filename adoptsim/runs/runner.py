"""Run an ensemble: ``run(scenario, runs, seed) -> Result``.

A single replicate is a function of (scenario, root seed, replicate index). Replicates are
advanced in batches (state as replicates x employees arrays), each with its own random
streams, so the numbers do not depend on the batch size or on which process runs them. The
batches (:class:`Batch`, picklable) run on an :mod:`adoptsim.execute` evaluator: threads of
this process unless the caller gives another.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype, union_categoricals

from adoptsim.errors import InputError
from adoptsim.execute import Evaluator, as_evaluator, cores
from adoptsim.execute.budget import (
    BATCH_ELEMENTS,
    Estimate,
    check_memory,
    estimate_run,
)
from adoptsim.execute.budget import batch_size as replicates_per_batch
from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.model import kernels
from adoptsim.model.engine import CURVE_COLUMNS, EVENT_NAMES, GROUP_COLUMNS, EventLog, Simulation
from adoptsim.model.population import REPLICATE_PARAMETERS
from adoptsim.org import ROLES, Organization
from adoptsim.runs import metrics
from adoptsim.runs.draws import replicate_parameters
from adoptsim.runs.result import Result, make_manifest
from adoptsim.scenario import Scenario, load_scenario, locate, with_overrides

Progress = Callable[[int], None]

__all__ = ["Batch", "assemble", "build_org", "collect", "estimate", "run", "simulate"]


def simulate(
    scenario: Scenario,
    seed: int,
    replicates: list[int],
    org: Organization | None = None,
    progress: Progress | None = None,
    values: dict[str, np.ndarray] | None = None,
    streams_of: Sequence[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the given replicates on one organization (built if not given) as one batch
    (``values``: each replicate's own value of parameters in REPLICATE_PARAMETERS;
    ``streams_of``: the replicate whose random streams each one draws from, default its own).

    Returns the raw tables: curves, by department, by role, events, costs, strategy log.
    """
    source = str(scenario.source) if scenario.source else None
    sim = build_simulation(
        scenario, seed, replicates, org, values=values, streams_of=streams_of, source=source
    )
    sim.run(progress)
    return collect(sim)


def collect(sim: Simulation) -> dict[str, pd.DataFrame]:
    """The simulation's recorded curves and events as DataFrames, each in (replicate, week)
    order."""
    weeks = sim.weeks + 1
    reps = np.asarray(sim.replicates)
    R = sim.R
    # rows ordered by replicate, then week (the order of the assembled result)
    rep_col = np.repeat(reps, weeks)
    week_col = np.tile(np.arange(weeks), R)
    flat = sim.curves.transpose(1, 0, 2).reshape(R * weeks, -1)
    curves = pd.DataFrame(flat, columns=list(CURVE_COLUMNS))
    curves.insert(0, "week", week_col)
    curves.insert(0, "replicate", rep_col)

    def groups(arr: np.ndarray, names, label: str) -> pd.DataFrame:
        G = len(names)
        flat = arr.transpose(1, 0, 2, 3).reshape(R * weeks * G, -1)
        df = pd.DataFrame(flat, columns=list(GROUP_COLUMNS))
        df.insert(0, label, np.tile(np.asarray(names, dtype=object), weeks * R))
        df.insert(0, "week", np.tile(np.repeat(np.arange(weeks), G), R))
        df.insert(0, "replicate", np.repeat(reps, weeks * G))
        return df

    by_dept = groups(sim.dept_curves, sim.org.departments, "department")
    by_role = groups(sim.role_curves, ROLES, "role")
    events = _events_table(sim)
    costs = pd.Series(sim.total_cost(), index=pd.Index(reps, name="replicate"), name="cost")
    return {
        "curves": curves,
        "by_department": by_dept,
        "by_role": by_role,
        "events": events,
        "costs": costs,
        "strategy_log": pd.DataFrame(sim.strategy_events),
    }


def _events_table(sim: Simulation) -> pd.DataFrame:
    """The activity stream, by replicate then week (then order of logging).

    The labels (employee, event, cause) are categoricals: codes into small tables instead of
    one string per event (a 100-run ensemble of 2,000 employees logs about 400,000 events).
    """
    ev = sim.events.arrays()
    if np.all(ev["week"][1:] >= ev["week"][:-1]):  # logged week by week (the usual case)
        order = kernels.replicate_order(ev["replicate"], sim.R)
    else:
        order = np.lexsort((ev["week"], ev["replicate"]))  # stable: logging order in a week
    causes = np.asarray(sim.causes).astype(str)
    rank = np.empty(causes.size, dtype=np.int64)  # causes in sorted order: canonical tables
    by_name = np.argsort(causes, kind="stable")
    rank[by_name] = np.arange(causes.size)
    employees, events, cause_table = _label_tables(sim.org, tuple(causes[by_name]))
    n, n_emp = order.size, sim.org.n
    columns = {
        "replicate": np.empty(n, dtype=np.int64),
        "week": np.empty(n, dtype=np.int32),
        "employee": np.empty(n, dtype=_code_dtype(n_emp + 1)),
        "event": np.empty(n, dtype=_code_dtype(len(EVENT_NAMES))),
        "cause": np.empty(n, dtype=_code_dtype(causes.size + n_emp)),
    }
    kernels.event_rows(
        order,
        *(ev[k] for k in EventLog.COLUMNS),
        np.asarray(sim.replicates, dtype=np.int64),
        n_emp,
        rank,
        *columns.values(),
    )
    for name, table in (("employee", employees), ("event", events), ("cause", cause_table)):
        columns[name] = _labels(columns[name], table)
    return pd.DataFrame(columns, copy=False)  # new arrays: no need for pandas' copy


#: per organization and table of causes: the label tables of the events table
_TABLES: weakref.WeakKeyDictionary[Organization, dict] = weakref.WeakKeyDictionary()

Labels = pd.CategoricalDtype | pd.Index


def _label_tables(org: Organization, causes: tuple[str, ...]) -> tuple[Labels, Labels, Labels]:
    """The tables of employee, event and cause labels (cached per organization), each as a
    categorical type, or as an index if a label repeats."""
    tables = _TABLES.setdefault(org, {})
    if causes not in tables:
        ids = np.asarray(org.ids).astype(str)
        names = np.asarray([EVENT_NAMES[k] for k in sorted(EVENT_NAMES)], dtype=object)
        peers = np.char.add("peer:", ids).astype(object)
        tables[causes] = tuple(
            _table(pd.Index(t, dtype=object, copy=False))
            for t in (
                np.append(ids.astype(object), ""),
                names,
                np.concatenate([np.asarray(causes, dtype=object), peers]),
            )
        )
    return tables[causes]


def _table(index: pd.Index) -> Labels:
    """``index`` as a categorical type, or as itself if a label repeats."""
    try:
        return pd.CategoricalDtype(index)  # checks that the labels are unique
    except ValueError:
        return index


def _code_dtype(size: int) -> np.dtype:
    """The integer type pandas keeps a categorical's codes in for ``size`` categories."""
    for dtype in (np.int8, np.int16, np.int32):
        if size < np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _labels(codes: np.ndarray, table: Labels) -> pd.Categorical | np.ndarray:
    """``table[codes]`` as a categorical (as strings if the table repeats a label); the
    codes are valid positions of ``table``."""
    if isinstance(table, pd.CategoricalDtype):
        return pd.Categorical.from_codes(codes, dtype=table, validate=False)
    return table.to_numpy()[codes].astype(str)


def batches(
    runs: int, employees: int, batch_size: int | None = None, replicates: Sequence[int] = ()
) -> list[list[int]]:
    """Replicate indices (``replicates``, default 0..runs-1) split into batches of about
    BATCH_ELEMENTS elements (:func:`adoptsim.execute.budget.batch_size`)."""
    size = batch_size or replicates_per_batch(employees)
    reps = list(replicates) or list(range(runs))
    return [reps[i : i + size] for i in range(0, len(reps), size)]


#: first keys of scenario paths that ``per_replicate`` may not set
FIXED_PER_RUN = ("organization", "weeks", "runs", "seed", "name", "description")


def replicate_groups(
    scenario: Scenario, runs: int, per_replicate: Mapping[str, Sequence[float]] | None
) -> list[tuple[Scenario, list[int]]]:
    """The scenario each replicate runs (with its own parameters), grouped: replicates
    that share their values run together."""
    if not per_replicate:
        return [(scenario, list(range(runs)))]
    columns = replicate_columns(scenario, runs, per_replicate)
    groups: dict[tuple[float, ...], list[int]] = {}
    for r in range(runs):
        groups.setdefault(tuple(float(columns[p][r]) for p in columns), []).append(r)
    return [
        (with_overrides(scenario, _typed(scenario, dict(zip(columns, key, strict=True)))), reps)
        for key, reps in groups.items()
    ]


def vectorised(per_replicate: Mapping[str, Sequence[float]] | None, new_org: bool) -> bool:
    """Whether replicates with their own parameters can run together in batches (every
    path is one the engine takes per replicate)."""
    return bool(per_replicate) and not new_org and set(per_replicate) <= set(REPLICATE_PARAMETERS)


def replicate_columns(
    scenario: Scenario, runs: int, per_replicate: Mapping[str, Sequence[float]]
) -> dict[str, np.ndarray]:
    """``per_replicate`` checked: paths that may vary, one value per run, each value one
    the scenario allows (its lowest and highest are validated)."""
    columns = {}
    for path, values in per_replicate.items():
        if path.split(".")[0].split("[")[0] in FIXED_PER_RUN:
            raise InputError(
                f"{path!r} cannot differ between replicates (the organization, horizon and "
                "run settings are shared by a run)",
                source="per_replicate",
            )
        values = np.asarray(values, dtype=float).ravel()
        if len(values) != runs:
            raise InputError(
                f"{path!r} has {len(values)} values for {runs} runs", source="per_replicate"
            )
        columns[path] = values
        for end in (values.min(), values.max()):
            with_overrides(scenario, _typed(scenario, {path: float(end)}))
    return columns


@dataclass(frozen=True)
class Batch:
    """One batch of a run, as a task of an evaluator (picklable unless ``progress`` is
    set): ``replicates`` of ``scenario`` on ``org`` with their own ``values``; calling it
    returns its position in the run and its raw tables (:func:`simulate`)."""

    index: int
    scenario: Scenario
    seed: int
    replicates: list[int]
    org: Organization
    values: dict[str, np.ndarray] | None = None
    progress: Progress | None = None

    def __call__(self) -> tuple[int, dict[str, pd.DataFrame]]:
        tables = simulate(
            self.scenario, self.seed, self.replicates, self.org, self.progress, self.values
        )
        return self.index, tables


def _batch_jobs(scenario, seed, runs, org, batch_size, per_replicate) -> list[Batch]:
    """The batches of a run on one organization: replicates with their own parameters in
    the same batches when the engine takes them per replicate, else grouped by value."""
    if vectorised(per_replicate, False):
        cols = replicate_columns(scenario, runs, per_replicate)
        return [
            Batch(i, scenario, seed, reps, org, {p: c[reps] for p, c in cols.items()})
            for i, reps in enumerate(batches(runs, org.n, batch_size))
        ]
    groups = replicate_groups(scenario, runs, per_replicate)
    return [
        Batch(i, spec, seed, reps, org)
        for i, (spec, reps) in enumerate(
            (spec, reps)
            for spec, group in groups
            for reps in batches(len(group), org.n, batch_size, group)
        )
    ]


def _org_of(task: tuple[Scenario, int, int]) -> Organization:
    """The organization of replicate ``task[2]`` (a run with an organization per replicate)."""
    scenario, seed, replicate = task
    return build_org(scenario, seed, replicate)


def _run_batches(
    evaluator: Evaluator, batches: list[Batch], progress: Progress | None
) -> list[dict[str, pd.DataFrame]]:
    """The batches' tables in batch order, run on ``evaluator``; ``progress`` is called in
    the batches as weeks go when they run in this process, else as each batch finishes."""
    if progress is not None and evaluator.in_process:
        batches = [replace(b, progress=progress) for b in batches]
    parts: dict[int, dict[str, pd.DataFrame]] = {}

    def done(result: tuple[int, dict[str, pd.DataFrame]]) -> None:
        index, tables = result
        parts[index] = tables
        if progress is not None and not evaluator.in_process:
            progress(len(batches[index].replicates) * batches[index].scenario.weeks)

    evaluator.evaluate(batches, done)
    return [parts[i] for i in range(len(batches))]


def _typed(scenario: Scenario, overrides: dict[str, float]) -> dict[str, Any]:
    """Whole numbers where the scenario holds an int (a count, a week)."""
    data = scenario.model_dump()
    out: dict[str, Any] = {}
    for path, value in overrides.items():
        container, key = locate(data, path)
        current = container[key]
        is_int = isinstance(current, int) and not isinstance(current, bool)
        out[path] = round(value) if is_int and float(value).is_integer() else value
    return out


def estimate(
    scenario: Scenario,
    employees: int | None = None,
    runs: int | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    new_org: bool | None = None,
) -> Estimate:
    """The memory and time :func:`run` is expected to take (``employees`` default to the
    generated organization's size; give it for an imported one)."""
    if employees is None:
        generated = scenario.organization.generate
        employees = generated.employees if generated is not None else 1
    return estimate_run(
        employees,
        scenario.runs if runs is None else runs,
        scenario.weeks,
        cores() if workers is None else workers,
        batch_size * employees if batch_size else BATCH_ELEMENTS,
        scenario.organization.new_per_replicate if new_org is None else new_org,
    )


def run(
    scenario: Scenario | str | Path,
    runs: int | None = None,
    seed: int | None = None,
    *,
    new_org_per_replicate: bool | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    max_memory: int | None = None,
    per_replicate: Mapping[str, Sequence[float]] | None = None,
    posterior: str | Path | pd.DataFrame | None = None,
    evaluator: Evaluator | None = None,
) -> Result:
    """Run an ensemble of a scenario and return its :class:`Result`.

    ``runs`` and ``seed`` default to the scenario's. ``progress(n)`` is called with the
    number of replicate-weeks just completed (for a progress bar of ``runs * weeks``).
    Batches of replicates run on ``evaluator`` (:mod:`adoptsim.execute`: processes, a Dask
    cluster), default ``workers`` threads of this process (default: one per processor);
    the numbers do not depend on the evaluator, ``batch_size`` or ``workers``. A run
    estimated to need more than ``max_memory`` bytes (default: the memory the machine has
    available) is refused with an InputError before it starts
    (:mod:`adoptsim.execute.budget`).

    ``per_replicate`` gives replicates their own parameters: scenario path (as in sweeps,
    e.g. ``behavior.w_social``) -> one value per run; replicate ``r`` runs exactly as a run
    of the scenario with those values would run its replicate ``r``. Paths into the
    organization, the horizon or the run settings are refused. ``posterior`` (a posterior
    table or CSV as ``adoptsim calibrate`` writes, default: the one the scenario's
    ``calibration`` names) draws each replicate's fitted parameters from it by weight.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if runs < 1:
        raise ValueError("runs must be at least 1")
    new_org = (
        scenario.organization.new_per_replicate
        if new_org_per_replicate is None
        else new_org_per_replicate
    )

    def budget(employees: int) -> Estimate:
        est = estimate(scenario, employees, runs, workers, batch_size, new_org)
        check_memory(est, max_memory)
        return est

    per_replicate = per_replicate or replicate_parameters(scenario, runs, seed, posterior)
    generated = scenario.organization.generate
    if generated is not None:
        budget(generated.employees)
    evaluator = as_evaluator(evaluator, workers)
    if new_org:
        orgs = evaluator.map(_org_of, [(scenario, seed, r) for r in range(runs)])
        spec_of = {
            r: g for g, reps in replicate_groups(scenario, runs, per_replicate) for r in reps
        }
        jobs = [Batch(r, spec_of[r], seed, [r], o) for r, o in enumerate(orgs)]
        org = orgs[-1]
    else:
        org = build_org(scenario, seed)
        if generated is None:
            budget(org.n)
        org.adjacency  # noqa: B018  (built once here, not by every thread)
        jobs = _batch_jobs(scenario, seed, runs, org, batch_size, per_replicate)
    parts = _run_batches(evaluator, jobs, progress)
    result = assemble(
        scenario, parts, runs, seed, new_org, org.n, organizations=orgs if new_org else [org]
    )
    if per_replicate:
        result.manifest["per_replicate"] = {
            path: [float(v) for v in values] for path, values in per_replicate.items()
        }
    return result


def assemble(
    scenario: Scenario,
    parts: list[dict[str, pd.DataFrame]],
    runs: int,
    seed: int,
    new_org: bool,
    employees: int,
    *,
    organizations: Sequence[Organization] = (),
) -> Result:
    """Combine the raw tables of several batches into one Result (kept with the
    ``organizations`` it ran on: one shared, or one per replicate)."""

    def cat(key: str) -> pd.DataFrame:
        frames = [p[key] for p in parts if len(p[key])]
        if not frames:  # nothing happened: an empty table that keeps its columns
            return parts[0][key].iloc[0:0].copy() if parts else pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        kinds = [f.dtypes for f in frames]  # (a Series each: built once, not per column)
        for col, dtype in out.dtypes.items():  # categoricals whose tables differ by batch
            if is_object_dtype(dtype) and all(
                isinstance(k[col], pd.CategoricalDtype) for k in kinds
            ):
                out[col] = union_categoricals([f[col] for f in frames])
        return out

    def ordered(key: str) -> pd.DataFrame:
        # each part is in (replicate, week) order (collect); so is their concatenation when
        # the parts' replicates follow each other (the usual case)
        df = cat(key)
        spans = [p[key]["replicate"].to_numpy()[[0, -1]] for p in parts if len(p[key])]
        if all(a[1] < b[0] for a, b in pairwise(spans)):
            return df
        return df.sort_values(["replicate", "week"], kind="stable").reset_index(drop=True)

    # a canonical order, whatever the batches were
    curves = ordered("curves")
    events = ordered("events")
    costs = pd.concat([p["costs"] for p in parts]).sort_index()
    summary = metrics.per_replicate(curves, events, costs, employees)
    manifest = make_manifest(scenario, runs, seed, new_org)
    manifest["employees"] = int(employees)
    return Result(
        curves=curves,
        curves_by_department=ordered("by_department"),
        curves_by_role=ordered("by_role"),
        events=events,
        summary=summary,
        manifest=manifest,
        strategy_log=cat("strategy_log"),
        organizations=list(organizations),
    )
