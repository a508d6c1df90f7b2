"""Parameter sweeps: experiment files, designs, executors and streamed results.

An experiment (``experiments/*.yaml``) names a base scenario, the parameters to vary as
dotted paths into it (``strategies[evangelists].target.count``, ``behavior.w_habit``,
``legacy.habit.mean``, ``weeks``), a design (``grid``, ``random``, ``latin_hypercube``,
``sobol``, ``morris``), the replicates per point, a root seed and the metrics to keep.

:func:`sweep` runs every (point, replicate) pair, sequentially, on local processes or on a
Dask cluster, and streams the rows into ``results/<experiment>/``:

* ``parts/*.parquet``: one file per finished chunk (a point's replicates), written
  atomically, so an interrupted sweep loses only the chunks in flight; rerunning resumes;
* ``results.parquet``: every part merged, once the sweep is complete;
* ``design.parquet``: the points (unit-cube coordinates and parameter values);
* ``experiment.yaml`` and ``scenario.yaml``: the experiment and base scenario as resolved;
* ``manifest.json``: hashes, seed, design, counts, executor, throughput, package version.

A row is a function of (experiment, point, replicate) only: replicate ``k`` of every point
uses the root seed's replicate-``k`` streams (common random numbers, so points are compared
paired), and the numbers do not depend on the executor, the number of workers or how the
replicates are chunked.

Note: ``adoptsim.sweep`` is the function :func:`sweep`; import this module's other names
with ``from adoptsim.sweeps import ...``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
import math
import multiprocessing as mp
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adoptsim import rng as rngmod
from adoptsim.errors import (
    AdoptsimError,
    ExperimentError,
    InputError,
    ScenarioError,
    describe_errors,
    did_you_mean,
)
from adoptsim.scenario import (
    PathError,
    Scenario,
    annotation_at,
    apply_overrides,
    is_integer_field,
    load_scenario,
    locate,
    validate_scenario,
)
from adoptsim.version import __version__

DESIGNS = ("grid", "random", "latin_hypercube", "sobol", "morris")
EXECUTORS = ("sequential", "processes", "dask")
DISTRIBUTIONS = ("uniform", "loguniform", "normal")
#: quantile range kept for an untruncated normal, so that edge samples (Morris levels 0
#: and 1) stay finite: +-3.09 sd
NORMAL_QUANTILES = (0.001, 0.999)

PARTS = "parts"
RESULTS = "results.parquet"
DESIGN = "design.parquet"
EXPERIMENT = "experiment.yaml"
SCENARIO = "scenario.yaml"
MANIFEST = "manifest.json"
#: key columns of the results table, before the parameters and the metrics
KEYS = ("point", "replicate", "seed")
STATUS_COLUMNS = ("status", "error")

Progress = Callable[[int, int], None]


# ---- the experiment schema -------------------------------------------------------------------
class Parameter(BaseModel):
    """One parameter to vary: a path into the scenario and its values or distribution."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Dotted path into the scenario, e.g. behavior.w_habit.")
    label: str | None = Field(None, description="Short name for tables and charts.")
    values: list[Any] | None = Field(
        None, min_length=1, description="Explicit values (any design; sampled designs pick one)."
    )
    low: float | None = Field(None, description="Lower bound of the range.")
    high: float | None = Field(None, description="Upper bound of the range.")
    distribution: Literal["uniform", "loguniform", "normal"] = Field(
        "uniform",
        description="How sampled designs draw values in the range: uniform, loguniform "
        "(low > 0), or normal (mean, sd; truncated to low/high when given).",
    )
    mean: float | None = Field(None, description="Mean of a normal distribution.")
    sd: float | None = Field(None, gt=0, description="Standard deviation of a normal.")
    num: int | None = Field(
        None, ge=2, le=10_000, description="Grid only: this many evenly spaced values."
    )
    step: float | None = Field(
        None, gt=0, description="Grid only: values low, low+step, ..., high."
    )
    integer: bool | None = Field(
        None, description="Round to whole numbers (default: when the scenario field is an int)."
    )

    @model_validator(mode="after")
    def _shape(self) -> Parameter:
        ranged = self.low is not None or self.high is not None
        if self.values is not None:
            extra = [
                k
                for k in ("low", "high", "mean", "sd", "num", "step")
                if getattr(self, k) is not None
            ]
            if extra:
                raise ValueError(f"give either `values` or a range, not both (also got {extra})")
            return self
        if self.distribution == "normal":
            if self.mean is None or self.sd is None:
                raise ValueError("a normal distribution needs `mean` and `sd`")
        elif self.low is None or self.high is None:
            raise ValueError(
                "give `values: [...]`, or `low` and `high` (with `distribution`, and `num` or "
                "`step` for a grid)"
            )
        if ranged and self.low is not None and self.high is not None and self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if self.distribution == "loguniform" and (self.low or 0) <= 0:
            raise ValueError("a loguniform range needs low > 0")
        if self.num is not None and self.step is not None:
            raise ValueError("give either `num` or `step`, not both")
        return self

    @property
    def name(self) -> str:
        """The column name: the label if given, else the path."""
        return self.label or self.path

    @property
    def discrete(self) -> bool:
        """Whether the parameter takes one of a list of values."""
        return self.values is not None


class Experiment(BaseModel):
    """A sweep over a base scenario (the keys of an ``experiments/*.yaml`` file)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Short name; the default results folder.")
    description: str = Field("", description="What the experiment asks.")
    scenario: str = Field(description="Base scenario file (relative to the experiment file).")
    design: Literal["grid", "random", "latin_hypercube", "sobol", "morris"] = Field(
        "grid", description="How points are chosen."
    )
    parameters: list[Parameter] = Field(min_length=1, description="The parameters to vary.")
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Path -> value set at every point (before the sweep)."
    )
    samples: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="random / latin_hypercube: points; sobol: base sample N (a power of two; "
        "N x (D+2) points, N x (2D+2) with second order); morris: trajectories (N x (D+1)).",
    )
    replicates: int = Field(10, ge=1, le=100_000, description="Replicates per point.")
    seed: int = Field(0, ge=0, description="Root seed (design and every run).")
    metrics: list[str] | None = Field(
        None, min_length=1, description="Outcome metrics to keep (default: all)."
    )
    common_random_numbers: bool = Field(
        True,
        description="Replicate k of every point uses the same random streams (paired "
        "comparisons across points); false gives each point seeds of its own.",
    )
    second_order: bool = Field(False, description="sobol: also second-order indices.")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels (even).")
    confidence: float = Field(
        0.95, gt=0, lt=1, description="Confidence level of the sensitivity intervals."
    )
    resamples: int = Field(
        1000, ge=10, le=100_000, description="Bootstrap resamples of the sensitivity intervals."
    )

    _source: Path | None = None
    _base: Scenario | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _mapping_form(cls, value: Any) -> Any:
        # `parameters: {path: [values]}` or `{path: {low: .., high: ..}}` as shorthand
        if isinstance(value, dict):
            out = []
            for path, spec in value.items():
                if isinstance(spec, list):
                    out.append({"path": path, "values": spec})
                elif isinstance(spec, dict):
                    out.append({"path": path, **spec})
                else:
                    out.append({"path": path, "values": [spec]})
            return out
        return value

    @model_validator(mode="after")
    def _design_needs(self) -> Experiment:
        names = [p.name for p in self.parameters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"parameters listed twice: {', '.join(dup)}")
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError("`samples` is for sampled designs; a grid takes every value")
            for p in self.parameters:
                if p.values is None and p.num is None and p.step is None:
                    raise ValueError(
                        f"parameter {p.path}: a grid needs `values`, or `num` or `step` "
                        "with low/high"
                    )
                if p.values is None and p.distribution == "normal":
                    raise ValueError(f"parameter {p.path}: a grid over a normal needs `values`")
        elif self.samples is None:
            raise ValueError(f"the {self.design} design needs `samples`")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"sobol needs `samples` to be a power of two (got {self.samples}; "
                f"e.g. {2 ** round(math.log2(self.samples))})"
            )
        if self.design == "morris":
            if self.levels % 2:
                raise ValueError(f"morris needs an even number of `levels` (got {self.levels})")
            if self.samples < 2:
                raise ValueError("morris needs at least 2 trajectories (`samples`)")
        if self.design in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"a {self.design} analysis needs at least two parameters")
        return self

    @property
    def source(self) -> Path | None:
        """The experiment file, if loaded from one."""
        return self._source

    @property
    def base(self) -> Scenario:
        """The base scenario as its file gives it (loaded on first use)."""
        if self._base is None:
            self._base = self._load_base()
        return self._base

    @property
    def names(self) -> list[str]:
        """The parameters' column names, in order."""
        return [p.name for p in self.parameters]

    @property
    def metric_names(self) -> list[str]:
        """The metrics kept (all known ones when none are listed)."""
        return list(self.metrics) if self.metrics else known_metrics()

    def scenario_path(self) -> Path:
        """The base scenario file, resolved against the experiment file's folder."""
        p = Path(self.scenario)
        if not p.is_absolute() and self._source is not None:
            p = self._source.parent / p
        return p

    def _load_base(self) -> Scenario:
        path = self.scenario_path()
        if not path.exists():
            raise ExperimentError(
                f"the base scenario {self.scenario!r} does not exist (looked for {path})",
                source=str(self._source) if self._source else None,
                where="scenario",
            )
        return load_scenario(path)

    def base_data(self) -> dict[str, Any]:
        """The base scenario's data with ``fixed`` applied (validated point by point)."""
        src = str(self._source) if self._source else None
        data = self.base.model_dump()
        for p, value in self.fixed.items():
            try:
                container, key = locate(data, p)
            except PathError as exc:
                exc.source, exc.where = src, f"fixed: {exc.where}"
                raise
            container[key] = copy.deepcopy(value)
        return data

    def check(self) -> Experiment:
        """Check paths and metrics against the base scenario (errors name the file)."""
        src = str(self._source) if self._source else None
        data = self.base_data()
        for p in self.parameters:
            try:
                locate(data, p.path)
            except PathError as exc:
                exc.source, exc.where = src, f"parameters: {exc.where}"
                raise
        known = known_metrics()
        for m in self.metrics or []:
            if m not in known:
                raise ExperimentError(
                    f"unknown metric {m!r}{did_you_mean(m, known)}; known: {', '.join(known)}",
                    source=src,
                    where="metrics",
                )
        for p in self.parameters:
            if p.integer is None:
                p.integer = is_integer_field(annotation_at(data, p.path))
        return self

    def resolved(self) -> dict[str, Any]:
        """The experiment with defaults filled in, as plain data."""
        data = self.model_dump(mode="json")
        data["metrics"] = self.metric_names
        data["scenario"] = str(self.scenario_path())
        return data

    def content_hash(self) -> str:
        """SHA-256 of what determines the rows: the experiment and the base scenario."""
        data = self.resolved()
        data.pop("description", None)
        data.pop("confidence", None)
        data.pop("resamples", None)
        data["scenario"] = self.base.content_hash()
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


def known_metrics() -> list[str]:
    """The summary metrics a run produces (the columns of ``metrics.per_replicate``)."""
    global _KNOWN_METRICS
    if _KNOWN_METRICS is None:
        from adoptsim.model.engine import CURVE_COLUMNS
        from adoptsim.runs import metrics

        curves = pd.DataFrame({c: [0.0, 0.0] for c in CURVE_COLUMNS})
        curves.insert(0, "week", [0, 1])
        curves.insert(0, "replicate", [0, 0])
        events = pd.DataFrame({"replicate": [], "week": [], "event": [], "cause": []})
        costs = pd.Series([0.0], index=pd.Index([0], name="replicate"))
        _KNOWN_METRICS = list(metrics.per_replicate(curves, events, costs, 1).columns)
    return list(_KNOWN_METRICS)


_KNOWN_METRICS: list[str] | None = None


def load_experiment(path: str | Path) -> Experiment:
    """Load and validate an experiment file (and its base scenario and paths)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError("file not found", source=str(path)) from None
    except OSError as exc:
        raise ExperimentError(f"cannot read file ({exc.strerror})", source=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ExperimentError(f"not valid YAML: {problem}", source=str(path), where=where) from None
    if not isinstance(data, dict):
        raise ExperimentError(
            "an experiment is a mapping of keys (name, scenario, design, parameters, ...)",
            source=str(path),
        )
    data.setdefault("name", path.stem)
    return experiment_from_data(data, source=path)


def experiment_from_data(data: dict[str, Any], source: str | Path | None = None) -> Experiment:
    """Validate experiment data; relative paths resolve against ``source``'s folder."""
    src = str(source) if source else None
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        lines = describe_errors(exc, Experiment)
        raise ExperimentError(
            "invalid experiment:\n  - " + "\n  - ".join(lines), source=src
        ) from None
    exp._source = Path(source).resolve() if source else None
    return exp.check()


# ---- designs -----------------------------------------------------------------------------------
@dataclass
class Design:
    """The points of an experiment: unit-cube coordinates and parameter values."""

    names: list[str]
    unit: np.ndarray  # (points, parameters) in [0, 1]; grid: NaN
    values: list[dict[str, Any]]  # per point: column name -> value
    paths: dict[str, str]  # column name -> scenario path

    def __len__(self) -> int:
        return len(self.values)

    def overrides(self, point: int) -> dict[str, Any]:
        """Path -> value of one point."""
        return {self.paths[n]: v for n, v in self.values[point].items()}

    def table(self) -> pd.DataFrame:
        """One row per point: ``point``, ``u:<name>`` coordinates, parameter values."""
        df = pd.DataFrame({"point": np.arange(len(self), dtype=np.int64)})
        for j, n in enumerate(self.names):
            df[f"u:{n}"] = self.unit[:, j] if len(self) else []
        for n in self.names:
            df[n] = _column([v[n] for v in self.values])
        return df


def _column(values: list[Any]) -> pd.Series:
    """Values of one parameter as a column of one type (text when types are mixed)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {int, np.int64} and None not in values:
        return pd.Series(values, dtype=np.int64)
    if kinds <= {int, float, np.int64, np.float64}:
        return pd.Series([np.nan if v is None else v for v in values], dtype=float)
    if kinds <= {bool, np.bool_} and None not in values:
        return pd.Series(values, dtype=bool)
    if kinds <= {str}:
        return pd.Series(values, dtype=object)
    return pd.Series([json.dumps(v, default=str) for v in values], dtype=object)


def _clean(v: Any) -> Any:
    """Plain Python scalars (numpy ones become int/float/bool)."""
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def grid_values(p: Parameter) -> list[Any]:
    """The values a grid takes for ``p``."""
    if p.values is not None:
        vals = [_clean(v) for v in p.values]
    else:
        lo, hi = float(p.low), float(p.high)
        if p.step is not None:
            n = math.floor((hi - lo) / p.step + 1e-9)
            arr = lo + p.step * np.arange(n + 1)
        elif p.distribution == "loguniform":
            arr = np.geomspace(lo, hi, p.num)
        else:
            arr = np.linspace(lo, hi, p.num)
        arr = np.round(arr, 12)
        vals = [float(v) for v in arr]
        if p.integer:
            vals = sorted({round(v) for v in vals})
    return _unify(vals, p)


def _unify(vals: list[Any], p: Parameter) -> list[Any]:
    if p.integer:
        return [
            round(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in vals
        ]
    numeric = [v for v in vals if isinstance(v, int | float) and not isinstance(v, bool)]
    if numeric and any(isinstance(v, float) for v in numeric):
        return [float(v) if v in numeric else v for v in vals]
    return vals


def from_unit(p: Parameter, u: np.ndarray) -> list[Any]:
    """Map unit-cube coordinates ``u`` to values of ``p`` (inverse CDF of its distribution)."""
    from scipy import stats

    u = np.asarray(u, dtype=float)
    if p.values is not None:
        k = len(p.values)
        idx = np.minimum((u * k).astype(int), k - 1)
        return _unify([_clean(p.values[i]) for i in idx], p)
    if p.distribution == "normal":
        lo = -np.inf if p.low is None else p.low
        hi = np.inf if p.high is None else p.high
        a, b = (lo - p.mean) / p.sd, (hi - p.mean) / p.sd
        q = np.clip(u, *NORMAL_QUANTILES) if np.isinf(a) or np.isinf(b) else u
        x = stats.truncnorm(a, b, loc=p.mean, scale=p.sd).ppf(q)
        if p.integer:
            return [int(v) for v in np.round(x)]
        return [float(v) for v in x]
    lo, hi = float(p.low), float(p.high)
    if p.integer and p.distribution == "uniform":
        # every whole number in [low, high] equally likely
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        x = np.minimum(lo_i + np.floor(u * (hi_i - lo_i + 1)), hi_i)
        return [int(v) for v in x]
    if p.distribution == "loguniform":
        x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    else:
        x = lo + u * (hi - lo)
    x = np.clip(x, lo, hi)
    if p.integer:
        return [int(v) for v in np.round(x)]
    return [float(v) for v in x]


def salib_problem(names: Sequence[str]) -> dict[str, Any]:
    """The SALib problem over the unit cube (values are mapped by :func:`from_unit`)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(
    design: str,
    dims: int,
    samples: int,
    rng: np.random.Generator,
    *,
    second_order: bool = False,
    levels: int = 4,
) -> np.ndarray:
    """Points of a sampled design in the unit cube [0, 1]^dims."""
    if design == "random":
        return rng.random((samples, dims))
    if design == "latin_hypercube":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dims, rng=rng).random(samples)
    names = [f"x{i}" for i in range(dims)]
    if design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(salib_problem(names), samples, calc_second_order=second_order, seed=rng)
    if design == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(names), samples, num_levels=levels, seed=rng)
    raise ValueError(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")


def make_design(exp: Experiment) -> Design:
    """The experiment's points (deterministic in its seed)."""
    params = exp.parameters
    names = exp.names
    paths = {p.name: p.path for p in params}
    if exp.design == "grid":
        combos = list(itertools.product(*[grid_values(p) for p in params]))
        values = [dict(zip(names, c, strict=True)) for c in combos]
        unit = np.full((len(values), len(params)), np.nan)
        return Design(names, unit, values, paths)
    rng = rngmod.stream(exp.seed, rngmod.SHARED, f"design:{exp.design}")
    unit = unit_sample(
        exp.design,
        len(params),
        int(exp.samples),
        rng,
        second_order=exp.second_order,
        levels=exp.levels,
    )
    cols = [from_unit(p, unit[:, j]) for j, p in enumerate(params)]
    values = [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]
    return Design(names, unit, values, paths)


def check_points(exp: Experiment, design: Design, limit: int = 50) -> None:
    """Raise an ExperimentError when none of the first ``limit`` points makes a valid
    scenario (a mistake in ``fixed`` or in every value); single failing points are only
    recorded as error rows when the sweep runs."""
    data = exp.base_data()
    first: ScenarioError | None = None
    for point in range(min(limit, len(design))):
        try:
            validate_scenario(apply_overrides(data, design.overrides(point)))
            return
        except ScenarioError as exc:
            first = first or exc
    if first is not None:
        raise ExperimentError(
            f"no point makes a valid scenario (checked {min(limit, len(design))}); "
            f"point 0 with {design.overrides(0)}: {first.message}",
            source=str(exp.source) if exp.source else None,
        )


def point_seed(exp: Experiment, point: int) -> int:
    """The root seed of a point: the experiment's (common random numbers) or its own."""
    if exp.common_random_numbers:
        return int(exp.seed)
    ss = rngmod.seed_sequence(exp.seed, point, "sweep-point")
    return int(ss.generate_state(1, np.uint32)[0])


# ---- one chunk of work -------------------------------------------------------------------------
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
    from adoptsim.runs.runner import build_org

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
    from adoptsim.runs.runner import BATCH_ELEMENTS, assemble, build_org, simulate

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


# ---- storage ---------------------------------------------------------------------------------
class Store:
    """A sweep's results folder: parts written as chunks finish, merged on read."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.parts = self.folder / PARTS

    def exists(self) -> bool:
        """Whether a sweep was started here."""
        return (self.folder / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        """The manifest (empty when none)."""
        path = self.folder / MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        _atomic_text(self.folder / MANIFEST, json.dumps(manifest, indent=2, default=str) + "\n")

    def clear(self) -> None:
        """Remove the sweep's files (parts, merged table, manifest) to start over."""
        if self.parts.exists():
            shutil.rmtree(self.parts)
        for name in (RESULTS, DESIGN, EXPERIMENT, SCENARIO, MANIFEST):
            (self.folder / name).unlink(missing_ok=True)

    def start(self, exp: Experiment, design: Design, manifest: dict[str, Any]) -> None:
        """Create the folder and write the resolved experiment, scenario and design."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in self.parts.glob(".tmp-*"):
            stale.unlink(missing_ok=True)
        _atomic_text(self.folder / EXPERIMENT, yaml.safe_dump(exp.resolved(), sort_keys=False))
        _atomic_text(
            self.folder / SCENARIO,
            yaml.safe_dump(exp.base.resolved(), sort_keys=False),
        )
        tmp = self.folder / f".tmp-{uuid.uuid4().hex}.parquet"
        design.table().to_parquet(tmp, index=False)
        os.replace(tmp, self.folder / DESIGN)
        self.write_manifest(manifest)

    def part_files(self) -> list[Path]:
        """The finished parts."""
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.exists() else []

    def write_part(self, rows: pd.DataFrame) -> Path:
        """Write one finished chunk atomically (a part is visible only when complete)."""
        point = int(rows["point"].iloc[0])
        first, last = int(rows["replicate"].min()), int(rows["replicate"].max())
        name = f"part-{point:07d}-{first:06d}-{last:06d}-{uuid.uuid4().hex[:8]}.parquet"
        tmp = self.parts / f".tmp-{name}"
        rows.to_parquet(tmp, index=False)
        os.replace(tmp, self.parts / name)
        return self.parts / name

    def read_parts(self, files: Iterable[Path] | None = None) -> pd.DataFrame:
        """Every part's rows concatenated as written (no sorting, no de-duplication)."""
        frames = [pd.read_parquet(f) for f in (self.part_files() if files is None else files)]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def table(self) -> pd.DataFrame:
        """The rows so far, one per (point, replicate), sorted."""
        df = self.read_parts()
        if df.empty:
            merged = self.folder / RESULTS
            return pd.read_parquet(merged) if merged.exists() else df
        df = df.drop_duplicates(["point", "replicate"], keep="last")
        return df.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)

    def done(self) -> tuple[set[tuple[int, int]], list[Path]]:
        """The (point, replicate) pairs stored, and the parts that hold error rows."""
        pairs: set[tuple[int, int]] = set()
        failed: list[Path] = []
        for f in self.part_files():
            df = pd.read_parquet(f, columns=["point", "replicate", "status"])
            pairs.update(zip(df["point"].tolist(), df["replicate"].tolist(), strict=True))
            if (df["status"] != "ok").any():
                failed.append(f)
        return pairs, failed


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def chunks(todo: Iterable[tuple[int, int]], size: int) -> Iterator[tuple[int, tuple[int, ...]]]:
    """Pending (point, replicate) pairs grouped by point into runs of at most ``size``."""
    by_point: dict[int, list[int]] = {}
    for p, r in sorted(todo):
        by_point.setdefault(p, []).append(r)
    for p, reps in by_point.items():
        for i in range(0, len(reps), size):
            yield p, tuple(reps[i : i + size])


# ---- executors ---------------------------------------------------------------------------------
def cores() -> int:
    """The CPU cores this process may use (the default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _process_context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["adoptsim.sweep", "adoptsim.runner"])
        return ctx
    return mp.get_context("spawn")


def _run_sequential(jobs: Iterable[Job], done: Callable[[pd.DataFrame], None]) -> None:
    for job in jobs:
        done(run_job(job))


def _run_processes(jobs: Iterable[Job], done: Callable[[pd.DataFrame], None], workers: int) -> None:
    jobs = iter(jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_process_context()) as pool:
        pending = set()
        try:
            for job in itertools.islice(jobs, 2 * workers):
                pending.add(pool.submit(run_job, job))
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        rows = fut.result()
                    except BrokenProcessPool as exc:
                        raise AdoptsimError(
                            f"a worker process died ({exc}). Finished runs are stored; run "
                            "again to resume. From a Python script, call adoptsim.sweep under "
                            "`if __name__ == '__main__':` (worker processes import the script)"
                        ) from None
                    done(rows)
                    nxt = next(jobs, None)
                    if nxt is not None:
                        pending.add(pool.submit(run_job, nxt))
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


#: Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which disables glibc's
#: dynamic mmap threshold: every temporary array of the engine is then mapped and unmapped,
#: and a run takes about twice as long (measured). Our local clusters unset it; workers of
#: an outside cluster can be started with
#: DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_=None
FAST_MALLOC = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def _run_dask(
    jobs: Iterable[Job],
    done: Callable[[pd.DataFrame], None],
    scheduler: Any,
    workers: int | None,
) -> dict[str, Any]:
    """Run on a Dask cluster: ``scheduler`` is an address, a ``Client``, or None for a
    ``LocalCluster`` of ``workers`` single-threaded processes. Returns what ran it."""
    import dask
    from distributed import Client, LocalCluster, as_completed

    own_cluster = None
    if scheduler is None:
        with dask.config.set(FAST_MALLOC):
            own_cluster = LocalCluster(
                n_workers=workers or cores(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
        client = Client(own_cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(str(scheduler), timeout="20s")
        except OSError as exc:
            raise InputError(
                f"cannot reach the Dask scheduler ({exc})", source="--scheduler"
            ) from None
    try:
        threads = max(1, sum(client.nthreads().values()))
        info = {
            "scheduler": client.scheduler.address,
            "workers": len(client.nthreads()),
            "threads": threads,
        }
        jobs = iter(jobs)
        first = [client.submit(run_job, j, pure=False) for j in itertools.islice(jobs, 2 * threads)]
        queue = as_completed(first)
        for fut in queue:
            done(fut.result())
            fut.release()
            nxt = next(jobs, None)
            if nxt is not None:
                queue.add(client.submit(run_job, nxt, pure=False))
        return info
    finally:
        if client is not scheduler:
            client.close()
        if own_cluster is not None:
            own_cluster.close()


# ---- the sweep ---------------------------------------------------------------------------------
@dataclass
class SweepStats:
    """What one call of :func:`sweep` did."""

    total: int = 0
    skipped: int = 0
    ran: int = 0
    errors: int = 0
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Runs per second of this call."""
        return self.ran / self.seconds if self.seconds > 0 else float("nan")


def default_folder(exp: Experiment) -> Path:
    """``results/<experiment name>``."""
    return Path("results") / exp.name


def sweep(
    experiment: Experiment | str | Path | dict[str, Any],
    *,
    out: str | Path | None = None,
    store: bool = True,
    executor: Literal["sequential", "processes", "dask"] = "processes",
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = True,
    retry_errors: bool = False,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    stats: SweepStats | None = None,
) -> pd.DataFrame:
    """Run an experiment and return its table: one row per point and replicate.

    Columns: ``point``, ``replicate``, ``seed``, one per parameter, one per metric,
    ``status`` (``ok``/``error``) and ``error``. Rows stream into ``out`` (default
    ``results/<name>``) unless ``store`` is false; a folder holding part of the same
    experiment is resumed (``resume=False`` starts over; a different experiment there is an
    error). ``executor``: ``sequential``, ``processes`` (``workers``, default all cores) or
    ``dask`` (``scheduler``: an address, a ``distributed.Client``, or None for a local
    cluster). ``progress(done, total)`` is called as runs finish.
    """
    exp = _as_experiment(experiment)
    if executor not in EXECUTORS:
        raise InputError(
            f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}", source="--executor"
        )
    if scheduler is not None:
        executor = "dask"
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", source="--workers")
    stats = stats if stats is not None else SweepStats()
    design = make_design(exp)
    base = exp.base
    check_points(exp, design)
    names = exp.names
    metrics_kept = tuple(exp.metric_names)
    everything = {(p, r) for p in range(len(design)) for r in range(exp.replicates)}
    stats.total = len(everything)

    folder = Path(out) if out is not None else default_folder(exp)
    st = Store(folder) if store else None
    digest = exp.content_hash()
    done_pairs: set[tuple[int, int]] = set()
    if st is not None:
        if st.exists() and "experiment_hash" not in st.manifest():
            raise InputError(
                "this folder holds other results (not a sweep's); choose another with --out",
                source=str(folder),
            )
        if st.exists() and not resume:
            st.clear()
        elif st.exists():
            old = st.manifest().get("experiment_hash")
            if old != digest:
                raise InputError(
                    "this folder holds results of a different experiment (or of an earlier "
                    "version of this one, or of a changed base scenario); use --overwrite "
                    "to start over, or --out for another folder",
                    source=str(folder),
                )
            done_pairs, failed = st.done()
            if retry_errors and failed:
                retry = st.read_parts(failed)
                for f in failed:
                    f.unlink()
                done_pairs -= set(
                    zip(retry["point"].tolist(), retry["replicate"].tolist(), strict=True)
                )
        manifest = _manifest(exp, design, digest, executor, workers, scheduler)
        old = st.manifest()
        manifest["created"] = old.get("created", manifest["created"])
        manifest["sessions"] = old.get("sessions", [])
        st.start(exp, design, manifest)

    todo = everything - done_pairs
    stats.skipped = len(everything) - len(todo)
    n_workers = workers or cores()
    size = chunk_size or _chunk_size(exp.replicates, len(todo), n_workers, executor)
    scenario_data = exp.base_data()
    source = str(base.source) if base.source else None
    jobs = (
        Job(
            scenario=scenario_data,
            source=source,
            overrides=design.overrides(p),
            point=p,
            replicates=reps,
            seed=point_seed(exp, p),
            metrics=metrics_kept,
        )
        for p, reps in chunks(todo, size)
    )
    collected: list[pd.DataFrame] = []
    points_table = design.table()
    value_columns = {n: points_table[n] for n in names}

    def finished(rows: pd.DataFrame) -> None:
        point = int(rows["point"].iloc[0])
        for j, n in enumerate(names):
            rows.insert(3 + j, n, value_columns[n].iloc[[point] * len(rows)].to_numpy())
        if st is not None:
            st.write_part(rows)
        else:
            collected.append(rows)
        stats.ran += len(rows)
        stats.errors += int((rows["status"] != "ok").sum())
        if progress is not None:
            progress(stats.skipped + stats.ran, stats.total)

    if progress is not None:
        progress(stats.skipped, stats.total)
    t0 = time.perf_counter()
    status = "interrupted"
    try:
        if not todo:
            pass
        elif executor == "sequential":
            _run_sequential(jobs, finished)
        elif executor == "processes":
            if n_workers == 1:
                _run_sequential(jobs, finished)
            else:
                _run_processes(jobs, finished, n_workers)
        else:
            stats.info = _run_dask(jobs, finished, scheduler, workers)
        status = "complete"
    finally:
        stats.seconds = time.perf_counter() - t0
        if st is not None:
            manifest = st.manifest()
            manifest["sessions"].append(
                {
                    "date": _now(),
                    "executor": executor,
                    "workers": n_workers if executor != "sequential" else 1,
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

    if st is None:
        table = pd.concat(collected, ignore_index=True) if collected else pd.DataFrame()
        return table.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
    table = st.table()
    complete = len(table) == stats.total
    if complete:
        tmp = st.folder / f".tmp-{uuid.uuid4().hex}.parquet"
        table.to_parquet(tmp, index=False)
        os.replace(tmp, st.folder / RESULTS)
    manifest = st.manifest()
    manifest["rows"] = len(table)
    manifest["error_rows"] = int((table["status"] != "ok").sum()) if len(table) else 0
    manifest["status"] = "complete" if complete else "incomplete"
    st.write_manifest(manifest)
    return table


def _chunk_size(replicates: int, todo: int, workers: int, executor: str) -> int:
    """Replicates per job: a whole point (they run as one batch), split when there are too
    few jobs to keep every worker busy."""
    if executor == "sequential" or workers <= 1:
        return replicates
    points = max(1, math.ceil(todo / max(replicates, 1)))
    if points >= 4 * workers:
        return replicates
    pieces = math.ceil(4 * workers / points)
    return max(1, math.ceil(replicates / pieces))


def _as_experiment(experiment: Experiment | str | Path | dict[str, Any]) -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment.check()
    if isinstance(experiment, dict):
        return experiment_from_data(experiment)
    return load_experiment(experiment)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _manifest(
    exp: Experiment, design: Design, digest: str, executor: str, workers, scheduler
) -> dict[str, Any]:
    import platform

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


def load_sweep(folder: str | Path) -> tuple[Experiment, pd.DataFrame, pd.DataFrame, dict]:
    """A sweep's experiment, design table, results table and manifest from its folder."""
    folder = Path(folder)
    st = Store(folder)
    if not st.exists() or not (folder / EXPERIMENT).exists():
        raise InputError(
            f"no {MANIFEST} / {EXPERIMENT} here: not a folder written by `adoptsim sweep`",
            source=str(folder),
        )
    data = yaml.safe_load((folder / EXPERIMENT).read_text())
    exp = Experiment.model_validate(data)
    exp._source = None
    design = pd.read_parquet(folder / DESIGN)
    return exp, design, st.table(), st.manifest()
