"""A pilot-design file: the rollout scenario, what is uncertain, the candidate pilots, the
plans a pilot's forecast chooses between and the outcome that matters. Read strictly
(unknown keys are errors naming the key and the allowed ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from adoptsim.errors import InputError, StrictNumbers, describe_errors
from adoptsim.model.records import CURVE_COLUMNS
from adoptsim.optimize.spec import Objective, OnScenario, Range
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.scenario.schema import folder_name
from adoptsim.scenario.yaml_input import read_yaml
from adoptsim.strategies.base import CostSpec, TargetSpec

#: how a pilot group is chosen -> the selection rule of the pilot strategy's target
GROUP_RULES = {"volunteers": "most_innovative", "central": "degree", "random": "random"}
#: what a pilot shows each week: the organization's curves of people shares
OBSERVABLE = tuple(c for c in CURVE_COLUMNS if c.endswith("_share"))


class PilotError(InputError):
    """A pilot-design file is invalid."""


class Design(StrictNumbers):
    """One candidate pilot: who is in it, for how long, with which strategies, at what cost."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    group: Literal["department", "volunteers", "central", "random"] = Field(
        description="department (the departments named), volunteers (the most innovative), "
        "central (the best connected: most ties) or random (a random sample)."
    )
    departments: list[str] | None = Field(None, description="The departments (group: department).")
    size: int | None = Field(
        None,
        description="People in the pilot (volunteers, central, random; for a department, a "
        "random sample of that size within it).",
    )
    weeks: int = Field(ge=0, description="Weeks the pilot lasts (0: no pilot; launch in week 1).")
    cost: CostSpec = Field(default_factory=CostSpec, description="The pilot's own cost rules.")
    launch_reach: float = Field(
        0.5, ge=0, le=1, description="Share of everyone made aware at the launch after the pilot."
    )
    strategies: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Strategies run within the pilot (weeks counted from the pilot's start).",
    )

    @model_validator(mode="after")
    def _group(self) -> Design:
        if self.size is not None and self.size < 1:
            raise ValueError(f"size {self.size}: a pilot of no one selects nobody; give 1 or more")
        if self.group == "department":
            if not self.departments:
                raise ValueError("group department needs departments: [NAME, ...]")
        else:
            if self.departments is not None:
                raise ValueError(f"departments are for group department, not {self.group}")
            if self.size is None:
                raise ValueError(f"group {self.group} needs size (the number of people)")
        return self

    def target(self) -> TargetSpec:
        """The pilot strategy's target."""
        if self.group == "department":
            sample = {} if self.size is None else {"select": "random", "count": self.size}
            return TargetSpec(departments=self.departments, **sample)
        return TargetSpec(select=GROUP_RULES[self.group], count=self.size)


class Plan(StrictNumbers):
    """A candidate plan for the rollout after the pilot: strategies whose weeks count from
    the launch (week 1 = the first week after the pilot)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    strategies: list[dict[str, Any]] = Field(default_factory=list)


class PilotStudy(OnScenario, StrictNumbers):
    """The keys of a pilot-design file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    description: str = ""
    scenario: str = Field(description="The rollout scenario (relative to this file).")
    uncertainty: dict[str, Range | str] = Field(
        min_length=1,
        description="Scenario path -> range drawn per truth, or posterior: CSV (as optimize).",
    )
    outcome: Objective = Field(
        default_factory=lambda: Objective(maximize="sustained_share"),
        description="The outcome that matters: {maximize: METRIC} or {minimize: METRIC}.",
    )
    observe: list[str] = Field(
        default_factory=lambda: ["using_share"], description="What the pilot shows each week."
    )
    plans: list[Plan] = Field(
        default_factory=lambda: [Plan(name="as_planned")],
        description="The plans the pilot's forecast chooses between.",
    )
    designs: list[Design] = Field(min_length=1)
    truths: int = Field(50, ge=2, le=10_000, description="Truths drawn from the uncertainty.")
    bank: int = Field(
        300, ge=10, le=100_000, description="Simulations per design and plan (ABC's table)."
    )
    neighbours: int = Field(30, ge=2, description="Accepted simulations per truth (ABC).")
    budget: float | None = Field(None, gt=0, description="Designs costing more rank last.")
    rank_by: Literal["band_narrowing", "decision_accuracy"] = "band_narrowing"
    seed: int = Field(1, ge=0)

    _source: Path | None = None
    _base: Scenario | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return folder_name(value, "a pilot study's")

    @field_validator("observe")
    @classmethod
    def _observe(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in OBSERVABLE]
        if bad or not value:
            raise ValueError(f"unknown series {bad}; allowed: {', '.join(OBSERVABLE)}")
        return value

    @model_validator(mode="after")
    def _sizes(self) -> PilotStudy:
        if self.truths + self.neighbours > self.bank:
            raise ValueError(
                f"bank ({self.bank}) must hold the truths ({self.truths}) and their "
                f"neighbours ({self.neighbours}): raise bank or lower truths/neighbours"
            )
        for what, items in (("designs", self.designs), ("plans", self.plans)):
            names = [i.name for i in items]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what}: names must differ, repeated: {', '.join(dup)}")
        return self


def load_pilots(path: str | Path) -> PilotStudy:
    """Read and check a pilot-design file (paths relative to it)."""
    path = Path(path)
    data = read_yaml(
        path, PilotError, "a pilot-design file is a mapping of keys (scenario, designs, ...)"
    )
    data.setdefault("name", path.stem)
    try:
        study = PilotStudy.model_validate(data)
    except ValidationError as exc:
        lines = describe_errors(exc, PilotStudy)
        raise PilotError(
            "invalid pilot designs:\n  - " + "\n  - ".join(lines), source=str(path)
        ) from None
    base = Path(study.scenario)
    if not base.is_absolute():
        base = path.parent / base
    study._source = path.resolve()
    study._base = load_scenario(base)
    check_study(study)
    return study


def check_study(study: PilotStudy) -> None:
    """What needs the scenario: every pilot ends before the horizon, the scenario has no
    pilot of its own (the designs are the pilots)."""
    weeks = study.base.weeks
    src = str(study.source)
    for i, d in enumerate(study.designs):
        if d.weeks >= weeks:
            raise PilotError(
                f"a pilot of {d.weeks} weeks leaves no rollout within the scenario's {weeks} "
                f"weeks; give weeks from 0 to {weeks - 1}",
                source=src,
                where=f"designs[{i}].weeks ({d.name})",
            )
    if any(s.type == "pilot" for s in study.base.strategies):
        raise PilotError(
            "the scenario has a pilot strategy of its own; the designs are the pilots: "
            "remove it from the scenario",
            source=src,
            where="scenario",
        )
