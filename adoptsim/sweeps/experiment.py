"""The experiment file: its schema (:class:`Experiment`, :class:`Parameter`) and loader.

An experiment (``experiments/*.yaml``) names a base scenario, the parameters to vary as
dotted paths into it (``strategies[evangelists].target.count``, ``behavior.w_habit``,
``legacy.habit.mean``, ``weeks``), a design (``grid``, ``random``, ``latin_hypercube``,
``sobol``, ``morris``), the replicates per point, a root seed and the metrics to keep.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from adoptsim.errors import ExperimentError, StrictNumbers, describe_errors, did_you_mean
from adoptsim.model.engine import CURVE_COLUMNS
from adoptsim.runs import metrics
from adoptsim.scenario import (
    PathError,
    Scenario,
    annotation_at,
    is_integer_field,
    load_scenario,
    locate,
)
from adoptsim.scenario.schema import folder_name
from adoptsim.scenario.yaml_input import read_yaml

DESIGNS = ("grid", "random", "latin_hypercube", "sobol", "morris")
DISTRIBUTIONS = ("uniform", "loguniform", "normal")


class Parameter(StrictNumbers):
    """One parameter to vary: a path into the scenario and its values or distribution."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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


class Experiment(StrictNumbers):
    """A sweep over a base scenario (the keys of an ``experiments/*.yaml`` file)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, value: str) -> str:
        return folder_name(value, "an experiment's")

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
    data = read_yaml(
        path,
        ExperimentError,
        "an experiment is a mapping of keys (name, scenario, design, parameters, ...)",
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
