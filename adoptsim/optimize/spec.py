"""An optimization file: the base scenario, the levers, the objectives, the budget and what
the plans must hold up against. Read by the same strict loader as experiments."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from adoptsim.errors import InputError, StrictNumbers, describe_errors, did_you_mean
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.scenario.schema import folder_name
from adoptsim.scenario.yaml_input import read_yaml
from adoptsim.strategies import REGISTRY

#: what an objective may read: a summary metric of each run
METRICS = (
    "sustained_share",
    "final_active_share",
    "final_habitual_share",
    "peak_active_share",
    "weeks_to_50",
    "lapses",
    "cost",
    "cost_per_sustained_adopter",
)


class OptimizeError(InputError):
    """An optimization file is invalid."""


class Range(StrictNumbers):
    """A lever's numeric range."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low >= self.high:
            raise ValueError(
                f"an empty range: low ({self.low:g}) must be below high ({self.high:g}); for "
                "one value, put it under `fixed`"
            )
        if self.integer and math.floor(self.high) < math.ceil(self.low):
            raise ValueError(
                f"no whole number lies between {self.low:g} and {self.high:g} (integer: true); "
                "give a range that holds one"
            )
        return self

    @property
    def whole_range(self) -> tuple[int, int]:
        """The lowest and highest whole numbers in the range (``integer: true``)."""
        return math.ceil(self.low), math.floor(self.high)


class Lever(StrictNumbers):
    """A strategy the optimizer may use, and the settings it may choose (``path`` within
    the strategy: a range or a list of choices)."""

    model_config = ConfigDict(extra="forbid")

    strategy: str
    use: list[bool] = Field(default_factory=lambda: [True])
    settings: dict[str, Range | list[Any]] = Field(default_factory=dict)
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Settings of the strategy that do not vary (e.g. cost)."
    )

    @field_validator("strategy")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in REGISTRY:
            raise ValueError(
                f"unknown strategy {value!r}{did_you_mean(value, REGISTRY)}; known: "
                f"{', '.join(sorted(REGISTRY))}"
            )
        return value

    @field_validator("use")
    @classmethod
    def _use(cls, value: list[bool]) -> list[bool]:
        if not value or any(not isinstance(v, bool) for v in value):
            raise ValueError("use is [true], [false, true] or [true, false]")
        return value

    @field_validator("settings")
    @classmethod
    def _choices(cls, value: dict[str, Range | list[Any]]) -> dict[str, Range | list[Any]]:
        for path, dom in value.items():
            if isinstance(dom, list) and not dom:
                raise ValueError(
                    f"{path}: an empty list of choices; give at least one value, or a range "
                    "{low: .., high: ..}"
                )
        return value


class Objective(StrictNumbers):
    """One objective: ``maximize`` or ``minimize`` a metric."""

    model_config = ConfigDict(extra="forbid")

    maximize: str | None = None
    minimize: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Objective:
        names = [n for n in (self.maximize, self.minimize) if n is not None]
        if len(names) != 1:
            raise ValueError("each objective is {maximize: METRIC} or {minimize: METRIC}")
        if names[0] not in METRICS:
            raise ValueError(f"unknown metric {names[0]!r}; allowed: {', '.join(METRICS)}")
        return self

    @property
    def metric(self) -> str:
        """The metric it reads."""
        return self.maximize or self.minimize or ""

    @property
    def direction(self) -> Literal["maximize", "minimize"]:
        """Optuna's direction."""
        return "maximize" if self.maximize else "minimize"


class OnScenario:
    """What a settings file that names a scenario offers: the scenario, the file, and a hash
    of both (its pydantic class holds ``_source`` and ``_base``)."""

    @property
    def base(self) -> Scenario:
        """The base scenario."""
        assert self._base is not None
        return self._base

    @property
    def source(self) -> Path | None:
        """The file it was read from."""
        return self._source

    def content_hash(self) -> str:
        """SHA-256 of the file's settings and the base scenario (what resuming must match)."""
        blob = json.dumps([self.model_dump(mode="json"), self.base.content_hash()], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


class Optimization(OnScenario, StrictNumbers):
    """The keys of an optimization file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    description: str = ""
    scenario: str = Field(description="Base scenario file (relative to this file).")
    budget: float | None = Field(None, gt=0, description="The plan's cost may not exceed it.")
    levers: list[Lever] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1, max_length=3)
    uncertainty: dict[str, Range | str] = Field(
        default_factory=dict,
        description="Scenario path -> range drawn per replicate, or posterior: CSV.",
    )
    robustness: str = Field("mean", description="mean, or a quantile such as p10.")
    sampler: Literal["tpe", "nsga2"] = Field(
        "tpe", description="Optuna's sampler: tpe (few trials) or nsga2 (many trials)."
    )
    batch: int = Field(
        1,
        ge=1,
        le=1000,
        description="Trials asked at once and run together (on the evaluator's workers); "
        "part of the search, so the same file gives the same trials on any evaluator.",
    )
    replicates: int = Field(20, ge=1, le=10_000)
    seed: int = Field(1, ge=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return folder_name(value, "an optimization's")

    @field_validator("robustness")
    @classmethod
    def _robustness(cls, value: str) -> str:
        if value != "mean" and not (
            value.startswith("p") and value[1:].isdigit() and 1 <= int(value[1:]) <= 99
        ):
            raise ValueError("robustness is mean or a quantile p1..p99 (e.g. p10)")
        return value

    _source: Path | None = None
    _base: Scenario | None = None


def load_optimization(path: str | Path) -> Optimization:
    """Read and check an optimization file (paths relative to it)."""
    path = Path(path)
    data = read_yaml(
        path,
        OptimizeError,
        "an optimization is a mapping of keys (name, scenario, levers, objectives, ...)",
    )
    data.setdefault("name", path.stem)
    try:
        opt = Optimization.model_validate(data)
    except ValidationError as exc:
        lines = describe_errors(exc, Optimization)
        raise OptimizeError(
            "invalid optimization:\n  - " + "\n  - ".join(lines), source=str(path)
        ) from None
    base = Path(opt.scenario)
    if not base.is_absolute():
        base = path.parent / base
    opt._source = path.resolve()
    opt._base = load_scenario(base)
    return opt
