"""Strategies that shape the rollout itself: pilot, use cases, tool consolidation."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from adoptsim.errors import StrictNumbers
from adoptsim.strategies.base import (
    Strategy,
    StrategyParams,
    TargetSpec,
    register,
    resolve_targets,
)


def usefulness_log_odds(sim, units: float | np.ndarray) -> float | np.ndarray:
    """Log-odds of ``units`` of usefulness advantage (utility_scale x w_performance)."""
    p = sim.params
    return p.utility_scale * p.w_performance * units


def _pilot_group() -> TargetSpec:
    return TargetSpec(select="random", share=0.1)


@register("pilot")
class Pilot(Strategy):
    """A pilot (sample group): the tool is open to one group first, to everyone later.

    Mechanism: until ``end`` only the targeted pilot group may use the tool (the others can
    hear of it but cannot try it), and only from ``start`` on; nobody uses it before
    ``start``. The pilot group is told at ``start`` (each member becomes aware with
    probability ``announcement_reach``). At week ``end + 1`` the tool opens to everyone and
    the launch makes each employee aware with probability ``launch_reach``. With no
    ``end`` the tool never opens beyond the pilot group.

    Parameters:
        target: the pilot group; default 10 % of employees drawn at random (from the
            strategy's own random stream). A department (``departments: [Sales]``) or
            volunteers (``select: most_innovative``) are common choices.
        announcement_reach (1.0, 0..1): share of the pilot group made aware at ``start``
            (a pilot is announced to its members).
        launch_reach (0.5, 0..1): share of all employees made aware by the general launch
            at ``end + 1`` (assumption, like one company-wide announcement).
    """

    summary = "The tool opens to a pilot group first, to everyone after the pilot ends."

    class Params(StrategyParams):
        type: Literal["pilot"] = "pilot"
        target: TargetSpec = Field(
            default_factory=_pilot_group,
            description="The pilot group (default: 10 % drawn at random).",
        )
        announcement_reach: float = Field(
            1.0, ge=0, le=1, description="Share of the pilot group made aware at start."
        )
        launch_reach: float = Field(
            0.5, ge=0, le=1, description="Share of everyone made aware at the launch (end+1)."
        )

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        p = self.p
        rows = self.rows(sim)
        if p.end is None or week <= p.end:
            allowed = self.targets if week >= p.start else np.zeros_like(self.targets)
            access = sim.levers.array("access")
            access &= allowed | ~rows
        draws = [g.random(sim.N) for g in self.rng(sim)] if week in self._draw_weeks() else None
        if week == p.start:
            sim.make_aware(self.targets & (np.stack(draws) < p.announcement_reach), self.label)
        if p.end is not None and week == p.end + 1:
            sim.make_aware(rows & (np.stack(draws) < p.launch_reach), self.label)

    def _draw_weeks(self) -> tuple[int, ...]:
        return (self.p.start,) if self.p.end is None else (self.p.start, self.p.end + 1)


class UseCaseSpec(StrictNumbers):
    """One use case of ``new_use_cases``: from ``week`` on, a group finds a purpose."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    week: int = Field(ge=1, description="Week the use case starts.")
    target: TargetSpec = Field(default_factory=TargetSpec, description="Who it serves.")
    value: float = Field(
        0.3, ge=0, le=2, description="Usefulness (units of tool value) only the new tool has."
    )
    announcement_reach: float = Field(
        0.5, ge=0, le=1, description="Share of the group made aware when it starts."
    )


def _use_case_apply(strategy: Strategy, sim, targets: np.ndarray, value: float) -> None:
    sim.levers.add_utility(strategy.label, usefulness_log_odds(sim, value) * targets)


@register("use_case")
class UseCase(Strategy):
    """A use case with a unique purpose: the targeted groups get work only the tool can do.

    Mechanism: while active, the targeted employees see ``value`` units of usefulness in
    the new tool that the legacy tool cannot provide (a job that cannot be done in e-mail),
    i.e. ``utility_scale x w_performance x value`` log-odds for the new tool, attributed to
    this strategy. At ``start`` the use case is announced: each targeted employee becomes
    aware with probability ``announcement_reach``. Practitioner accounts of enterprise
    social network rollouts put a clear, unique purpose first; its size here is an
    assumption to calibrate on pilot data.

    Parameters:
        target: the groups the use case serves (default everyone; usually departments or
            roles).
        value (0.3, 0..2): usefulness units only the new tool has for them; 0.3 is about
            0.6 log-odds with the default weights, larger than the tool's general advantage
            over the legacy tool (0.2 units; assumption).
        announcement_reach (0.5, 0..1): share of the group made aware at ``start``.
    """

    summary = "A purpose only the new tool serves raises its usefulness for targeted groups."

    class Params(StrategyParams):
        type: Literal["use_case"] = "use_case"
        value: float = Field(
            0.3, ge=0, le=2, description="Usefulness units only the new tool has for them."
        )
        announcement_reach: float = Field(
            0.5, ge=0, le=1, description="Share of the group made aware at start."
        )

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if not self.active(week):
            return
        if week == self.p.start:
            draws = np.stack([g.random(sim.N) for g in self.rng(sim)])
            sim.make_aware(self.targets & (draws < self.p.announcement_reach), self.label)
        _use_case_apply(self, sim, self.targets, self.p.value)


@register("new_use_cases")
class NewUseCases(Strategy):
    """New use cases over time: more groups find a purpose in the tool at later weeks.

    Mechanism: each entry of ``cases`` is a use case (see ``use_case``) that starts at its
    ``week`` for its ``target`` and lasts until the strategy's ``end``; from then on its
    group sees ``value`` usefulness units that only the new tool has, and it is announced to
    the group (``announcement_reach``). Each case draws its targets from its own random
    stream, so adding a case never changes the others.

    Parameters:
        cases (required): list of ``{week, target, value (0.3), announcement_reach (0.5)}``;
            weeks at or after ``start``.
    """

    summary = "More groups find a purpose in the tool at later weeks."

    class Params(StrategyParams):
        type: Literal["new_use_cases"] = "new_use_cases"
        cases: list[UseCaseSpec] = Field(
            min_length=1, description="The use cases: week, target, value, announcement_reach."
        )

        @model_validator(mode="after")
        def _weeks(self) -> NewUseCases.Params:
            for i, case in enumerate(self.cases):
                if case.week < self.start or (self.end is not None and case.week > self.end):
                    raise ValueError(
                        f"cases[{i}].week ({case.week}) is outside the strategy's weeks "
                        f"{self.start}..{self.end if self.end is not None else 'open'}"
                    )
            return self

    STATE_ROWS = (*Strategy.STATE_ROWS, "groups")

    def initialize(self, sim) -> None:
        self.groups = []
        for i, case in enumerate(self.p.cases):
            rngs = sim.streams(f"{self.stream}:{i}")
            self.groups.append(self._masked(resolve_targets(case.target, sim, rngs)))
        self.targets = np.zeros((sim.R, sim.N), dtype=bool)
        for g in self.groups:
            self.targets |= g

    def occurrences(self, weeks: int) -> int:
        return sum(1 for c in self.p.cases if c.week <= weeks)

    def apply(self, sim, week: int) -> None:
        if not self.active(week):
            return
        for i, (case, group) in enumerate(zip(self.p.cases, self.groups, strict=True)):
            if week < case.week:
                continue
            if week == case.week:
                draws = np.stack([g.random(sim.N) for g in sim.streams(f"{self.stream}:{i}")])
                sim.make_aware(group & (draws < case.announcement_reach), self.label)
            _use_case_apply(self, sim, group, case.value)


@register("tool_consolidation")
class ToolConsolidation(Strategy):
    """Tool consolidation: fewer tools in the landscape lower tool overload.

    Mechanism: from ``start`` on, ``tools`` of the other tools the targeted employees juggle
    are retired (never more than an employee has); each one removes the
    ``behavior.overload_per_tool`` log-odds that tool overload takes off taking on the new
    tool. The effect lasts after ``end`` only if the tools stay retired, so ``end`` is
    usually left open. Rationale: workers who juggle many applications resist adding one
    more (DESIGN.md, "tool overload"); consolidating is the "change behaviour rather than
    add tools" advice of practitioner accounts.

    Parameters:
        tools (2, 0..20): tools retired per employee (the default landscape has 6 on
            average, ``behavior.tools_in_use_mean``; assumption).
    """

    summary = "Retire other tools: less overload, so taking on the new tool is easier."

    class Params(StrategyParams):
        type: Literal["tool_consolidation"] = "tool_consolidation"
        tools: int = Field(2, ge=0, le=20, description="Tools retired per employee.")

    STATE_ROWS = (*Strategy.STATE_ROWS, "_relief")

    def initialize(self, sim) -> None:
        super().initialize(sim)
        self._relief = None

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if not self.active(week):
            return
        if self._relief is None:
            retired = np.minimum(float(self.p.tools), sim.traits.tools_in_use)
            self._relief = sim.params.overload_per_tool * retired * self.targets
        sim.levers.add_utility(self.label, self._relief)
