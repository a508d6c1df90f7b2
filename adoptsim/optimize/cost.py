"""The cheapest plan an optimization file allows, from the strategies' cost rules alone.

A strategy costs ``fixed + per_person * people`` once it starts, ``per_week`` and
``per_person_week * people`` for each week it acts, and ``per_occurrence`` for each
repetition (:meth:`adoptsim.strategies.base.Strategy.cost`). Each term is non-negative
and monotone in every numeric setting taken alone (a later start, an earlier end, fewer
people, rarer repetitions cost less), so over a box of ranges the cheapest setting is at a
corner: the floor of a lever is its cheapest corner (every end of every range, every
choice). People are counted without running the model: ``count`` (or ``share``) of the
whole organization when a selection has no filter, otherwise none; so the floor is a lower
bound of what the model would charge, never above it, and a budget below it is certainly
out of reach. A lever whose ``use`` allows ``false`` costs nothing.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from adoptsim.optimize.spec import Lever, Optimization, OptimizeError, Range
from adoptsim.scenario import Scenario
from adoptsim.scenario.paths import set_in
from adoptsim.strategies.base import StrategyParams, TargetSpec, parse_params, strategy_class

#: a lever with more corners than this is given a floor of zero (no enumeration)
MAX_CORNERS = 4096


@dataclass(frozen=True)
class Floor:
    """The cheapest plan: its cost, and what each part of it costs at least."""

    cost: float
    parts: tuple[tuple[str, float], ...]


def _people(target: TargetSpec, employees: int | None) -> int:
    """The fewest people a target can hold, known without running the model."""
    filtered = any(
        getattr(target, f) is not None
        for f in ("departments", "roles", "levels", "subtree_of", "employees", "stages")
    )
    if filtered or employees is None:
        return 0
    if target.select is None:
        return employees
    if target.count is not None:
        return min(int(target.count), employees)
    if target.share is not None and not target.per_department:
        return round(target.share * employees)
    return 0


def strategy_floor(params: StrategyParams, weeks: int, employees: int | None) -> float:
    """The least a strategy with these parameters costs in a run of ``weeks`` weeks
    (``employees``: the organization's size, when known before running)."""
    strategy = strategy_class(params.type)(params)
    if getattr(strategy, "children", None) is not None or params.type == "adapt":
        return 0.0  # acts (and costs) only where its condition holds
    c = params.cost
    n_weeks = strategy.active_weeks(weeks)
    if n_weeks <= 0:
        return 0.0
    people = _people(params.target, employees)
    return float(
        c.fixed
        + c.per_person * people
        + c.per_week * n_weeks
        + c.per_person_week * people * n_weeks
        + c.per_occurrence * strategy.occurrences(weeks)
    )


def _corners(lever: Lever) -> list[dict[str, Any]] | None:
    axes = []
    for path, dom in lever.settings.items():
        if isinstance(dom, Range):
            ends = [int(dom.low), int(dom.high)] if dom.integer else [dom.low, dom.high]
        else:
            ends = list(dom)
        axes.append([(path, v) for v in ends])
    count = 1
    for a in axes:
        count *= len(a)
    if count > MAX_CORNERS:
        return None
    return [dict(c) for c in itertools.product(*axes)]


def lever_floor(lever: Lever, base: Scenario) -> float:
    """The least a lever adds to a plan: nothing when it may be left out, else its
    cheapest corner (corners that are not a valid strategy are skipped)."""
    if False in lever.use:
        return 0.0
    corners = _corners(lever)
    if corners is None:
        return 0.0
    employees = _employees(base)
    best = float("inf")
    for corner in corners:
        item: dict[str, Any] = {"type": lever.strategy, **copy.deepcopy(lever.fixed)}
        for path, value in corner.items():
            set_in(item, path, value)
        try:
            params = parse_params(item)
        except (ValidationError, ValueError):
            continue
        best = min(best, strategy_floor(params, base.weeks, employees))
    return 0.0 if best == float("inf") else best


def _employees(base: Scenario) -> int | None:
    generated = base.organization.generate
    return None if generated is None else int(generated.employees)


def cheapest_plan(opt: Optimization) -> Floor:
    """The least any plan of ``opt`` costs: the base scenario's own strategies and every
    lever at its cheapest."""
    employees = _employees(opt.base)
    parts: list[tuple[str, float]] = []
    for s in opt.base.strategies:
        parts.append((f"the scenario's {s.label}", strategy_floor(s, opt.base.weeks, employees)))
    for i, lever in enumerate(opt.levers):
        parts.append((f"levers[{i}] ({lever.strategy})", lever_floor(lever, opt.base)))
    return Floor(sum(v for _, v in parts), tuple(parts))


def check_budget(opt: Optimization) -> None:
    """An OptimizeError naming ``budget`` when it is below the cheapest plan."""
    if opt.budget is None:
        return
    floor = cheapest_plan(opt)
    if opt.budget < floor.cost:
        costly = ", ".join(f"{name} {value:,.0f}" for name, value in floor.parts if value > 0)
        raise OptimizeError(
            f"{opt.budget:,.0f} is below the cheapest plan ({floor.cost:,.0f}: {costly}); "
            "raise the budget, narrow the levers' ranges, or let a lever be left out "
            "(use: [true, false])",
            source=str(opt.source),
            where="budget",
        )
