"""The plan editor's model: the strategy library as cards, the widgets a strategy's schema
calls for, and the plan's cost before a run."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt
from pydantic import ValidationError

from adoptsim.scenario import Scenario
from adoptsim.scenario.paths import get_in, set_in
from adoptsim.strategies import REGISTRY, CostSpec, StrategyParams, TargetSpec

#: the fields of every strategy shown first, in this order (timing, then who)
COMMON_WIDGETS = ("start", "end", "target.select", "target.count", "target.share")


@dataclass(frozen=True)
class Card:
    """A strategy of the library as the plan shows it."""

    name: str
    mechanism: str
    #: the default cost items ("" when none)
    cost: str
    #: whether "add" gives a valid strategy (some need settings only YAML can give)
    addable: bool


@dataclass(frozen=True)
class Widget:
    """One editable field of a strategy: its path in the entry (``target.count``), its
    kind (``int``, ``float``, ``bool``, ``choice``) and its bounds or choices."""

    path: str
    kind: str
    optional: bool
    low: float | None
    high: float | None
    choices: tuple[str, ...]
    description: str

    @property
    def label(self) -> str:
        """The field's name as the page shows it."""
        head, _, key = self.path.partition(".")
        if head == "cost":
            return f"cost {key.replace('_', ' ')}"
        return (key or head).replace("_", " ")


def _cost_text(params: type[StrategyParams]) -> str:
    """The default cost items of a strategy ("" when it costs nothing by default)."""
    try:
        cost = params.model_validate({"type": params.model_fields["type"].default}).cost
    except (ValidationError, KeyError):
        return ""
    return ", ".join(f"{k.replace('_', ' ')} {v:,.0f}" for k, v in cost.model_dump().items() if v)


def _addable(name: str) -> bool:
    try:
        REGISTRY[name].Params.model_validate({"type": name})
    except ValidationError:
        return False
    return True


def cards() -> list[Card]:
    """The strategy library, by name."""
    return [
        Card(name, cls.summary, _cost_text(cls.Params), _addable(name))
        for name, cls in sorted(REGISTRY.items())
    ]


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low = high = None
    for m in metadata:
        if isinstance(m, Ge | Gt):
            low = float(m.ge if isinstance(m, Ge) else m.gt)
        elif isinstance(m, Le | Lt):
            high = float(m.le if isinstance(m, Le) else m.lt)
    return low, high


def _widget(path: str, field: Any) -> Widget | None:
    """The widget of a field of a simple type (number, switch, choice), else None."""
    annotation = field.annotation
    args = typing.get_args(annotation)
    optional = type(None) in args and typing.get_origin(annotation) in (
        typing.Union,
        types.UnionType,
    )
    if optional:
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return None
        annotation = rest[0]
    low, high = _bounds(field.metadata)
    if typing.get_origin(annotation) is Literal:
        choices = tuple(str(c) for c in typing.get_args(annotation))
        return Widget(path, "choice", optional, None, None, choices, field.description or "")
    kinds = {bool: "bool", int: "int", float: "float"}
    if annotation not in kinds:
        return None
    return Widget(path, kinds[annotation], optional, low, high, (), field.description or "")


def widgets(name: str) -> list[Widget]:
    """The widgets of strategy ``name``: timing and selection first, then its own
    parameters of simple types (lists and nested rules stay in the YAML editor)."""
    params = REGISTRY[name].Params
    models = {"target": TargetSpec, "cost": CostSpec}
    common = [
        _widget(path, models[head].model_fields[key] if key else params.model_fields[head])
        for path in COMMON_WIDGETS
        for head, _, key in [path.partition(".")]
    ]
    own = [
        _widget(key, field)
        for key, field in params.model_fields.items()
        if key not in StrategyParams.model_fields
    ]
    costs = [_widget(f"cost.{key}", field) for key, field in CostSpec.model_fields.items()]
    return [w for w in (*common, *own, *costs) if w is not None]


def get_path(entry: dict[str, Any], path: str) -> Any:
    """The value at ``path`` (``target.count``) of a strategy entry (None when absent)."""
    return get_in(entry, path)


def set_path(entry: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of a strategy entry with ``path`` set (removed when ``value`` is None);
    setting ``count`` drops ``share`` and the reverse (a selection takes one of them)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in entry.items()}
    *parents, key = path.split(".")
    set_in(out, path, value)
    here = get_in(out, ".".join(parents)) if parents else out
    other = {"count": "share", "share": "count"}.get(key)
    if value is None:
        here.pop(key)
    elif parents == ["target"] and other:
        here.pop(other, None)
    return out


def people_estimate(params: StrategyParams, employees: int) -> float:
    """How many people a strategy targets, from its selection rule alone (filters by
    department, role or stage are not applied before a run)."""
    target = params.target
    if target.count is not None:
        return float(min(target.count, employees))
    if target.share is not None:
        return target.share * employees
    return float(employees)


def strategy_cost(params: StrategyParams, weeks: int, employees: int) -> float:
    """A strategy's cost over ``weeks``, with the targeted people estimated by
    :func:`people_estimate` (a run counts them exactly)."""
    strategy = params.build()
    active = strategy.active_weeks(weeks)
    if active <= 0:
        return 0.0
    c = params.cost
    people = people_estimate(params, employees)
    return (
        c.fixed
        + c.per_person * people
        + c.per_week * active
        + c.per_person_week * people * active
        + c.per_occurrence * strategy.occurrences(weeks)
    )


def plan_cost(scenario: Scenario, employees: int) -> float:
    """The plan's cost over the scenario's weeks (see :func:`strategy_cost`)."""
    return sum(strategy_cost(p, scenario.weeks, employees) for p in scenario.strategies)
