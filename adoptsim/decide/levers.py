"""What a re-plan may change from next week on: new strategies (optimize's levers, weeks
counted from next week) and, for each strategy already running, whether it goes on.

Without a levers file the menu is :data:`DEFAULT_LEVERS`: evangelists, a senior sponsor
and training, at the costs of ``experiments/best_plan.yaml`` (assumptions of a mid-size
company, not measured figures; give your own with ``--levers``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from adoptsim.errors import InputError, StrictNumbers, describe_errors
from adoptsim.optimize.spec import Lever, Objective, Range
from adoptsim.scenario import Scenario, validate_scenario
from adoptsim.scenario.yaml_input import read_yaml
from adoptsim.strategies.base import StrategyParams

#: the menu of a re-plan without --levers (weeks from next week)
DEFAULT_LEVERS: list[dict[str, Any]] = [
    {
        "strategy": "evangelists",
        "use": [True, False],
        "fixed": {"cost": {"fixed": 5000, "per_person_week": 50}, "target": {"select": "degree"}},
        "settings": {
            "target.count": {"low": 5, "high": 80, "integer": True},
            "start": {"low": 1, "high": 8, "integer": True},
        },
    },
    {
        "strategy": "senior_sponsor",
        "use": [True, False],
        "fixed": {"cost": {"per_week": 500}},
        "settings": {"start": {"low": 1, "high": 8, "integer": True}},
    },
    {
        "strategy": "training",
        "use": [True, False],
        "fixed": {"cost": {"fixed": 2000, "per_person": 10}},
        "settings": {"start": {"low": 1, "high": 8, "integer": True}},
    },
]
DEFAULT_OBJECTIVES = [{"maximize": "sustained_share"}, {"minimize": "cost"}]


class ReplanLevers(StrictNumbers):
    """A levers file: the menu, the objectives (the first one decides) and robustness."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    levers: list[Lever] = Field(min_length=1)
    objectives: list[Objective] = Field(
        default_factory=lambda: [Objective(**o) for o in DEFAULT_OBJECTIVES],
        min_length=1,
        max_length=3,
    )


def load_levers(path: str | Path | None) -> ReplanLevers:
    """The levers file (None: the default menu)."""
    if path is None:
        return ReplanLevers.model_validate({"levers": DEFAULT_LEVERS})
    data = read_yaml(Path(path), InputError, "a levers file is a mapping (levers, objectives)")
    try:
        return ReplanLevers.model_validate(data)
    except ValidationError as exc:
        lines = describe_errors(exc, ReplanLevers)
        raise InputError("invalid levers:\n  - " + "\n  - ".join(lines), source=str(path)) from None


def shifted(lever: Lever, today: int) -> Lever:
    """The lever with its weeks (``start``, ``end``: fixed or ranges; ``start`` 1 when not
    given) counted from week ``today`` + 1 instead of week 1."""
    fixed = copy.deepcopy(lever.fixed)
    settings = dict(lever.settings)
    if "start" not in settings:
        fixed["start"] = int(fixed.get("start", 1)) + today
    for key in ("start", "end"):
        dom = settings.get(key)
        if isinstance(dom, Range):
            settings[key] = dom.model_copy(
                update={"low": dom.low + today, "high": dom.high + today}
            )
        elif isinstance(dom, list):
            settings[key] = [None if v is None else int(v) + today for v in dom]
        elif key == "end" and fixed.get("end") is not None:
            fixed["end"] = int(fixed["end"]) + today
    return lever.model_copy(update={"fixed": fixed, "settings": settings})


def running(scenario: Scenario, today: int) -> list[StrategyParams]:
    """The strategies a re-plan may stop: those acting in week ``today`` and after it;
    before launch (``today`` 0) every strategy of the scenario (left out of the plan)."""
    return [
        s
        for s in scenario.strategies
        if s.type != "adapt"
        and (today == 0 or (s.start <= today and (s.end is None or s.end > today)))
    ]


def with_stops(scenario: Scenario, stop: list[str], today: int) -> Scenario:
    """The scenario with the strategies labelled ``stop`` ending in week ``today`` (left
    out when they have not started by then)."""
    if not stop:
        return scenario
    data = scenario.model_dump()
    kept = []
    for item in data["strategies"]:
        if (item.get("name") or item["type"]) in stop:
            if item.get("start", 1) > today:
                continue
            item["end"] = today
        kept.append(item)
    data["strategies"] = kept
    out = validate_scenario(data, source=str(scenario.source))
    out._source = scenario.source
    return out
