"""Listen and adapt: a rule that measures adoption and switches a strategy on."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, SerializeAsAny, ValidationError, field_validator, model_validator

from adoptsim.errors import ScenarioError, describe_errors
from adoptsim.model.engine import CURVE_COLUMNS
from adoptsim.strategies.base import (
    REGISTRY,
    Strategy,
    StrategyParams,
    build,
    parse_params,
    register,
)

Metric = Literal[CURVE_COLUMNS]  # type: ignore[valid-type]


@register("adapt")
class Adapt(Strategy):
    """Listen and adapt: measure a metric at given weeks and, when it misses a target,
    switch another strategy on (the measure-react loop).

    Mechanism: at the end of each check week (the weeks in ``at``, or ``start`` and then
    every ``every`` weeks up to ``end``) the rule reads ``metric`` from that week's curves,
    in each replicate separately. Where it is ``below`` (or ``above``) the target, the rule
    fires: the strategy in ``then`` starts the next week and acts for ``duration`` weeks
    (open when absent), in that replicate only; the firing is recorded in the activity
    stream (event ``strategy``, cause this rule's label) and in the result's strategy log.
    With ``once`` (the default) a rule fires at most once per replicate. The switched-on
    strategy is labelled ``then.name`` or ``<label>/<type>``, which is the cause of the
    adoptions it brings; its cost is counted only where it fired.

    Parameters:
        metric ("active_share"): a column of the curves (``adoptsim.engine.CURVE_COLUMNS``,
            e.g. active_share, voluntary_share, aware_share, habitual_share).
        below (None): fire where the metric is below this target ...
        above (None): ... or above this one; give exactly one of the two.
        at (None): the check weeks (within ``start..end``) ...
        every (None, >=1): ... or check every so many weeks from ``start`` to ``end``;
            give exactly one of the two.
        once (true): fire at most once per replicate.
        then (required): the strategy to switch on (any strategy but ``adapt``), without
            ``start``/``end``.
        duration (None, >=1): weeks the switched-on strategy acts; open when absent.

    ``target`` is not used by the rule (the switched-on strategy has its own);
    ``cost.per_occurrence`` is charged per check (a survey, a dashboard review).
    """

    summary = "Measure a metric at set weeks; if it misses a target, switch a strategy on."

    class Params(StrategyParams):
        type: Literal["adapt"] = "adapt"
        metric: Metric = Field("active_share", description="The curve column measured.")
        below: float | None = Field(None, description="Fire when the metric is below this.")
        above: float | None = Field(None, description="Fire when the metric is above this.")
        at: list[int] | None = Field(None, description="Weeks at whose end it measures.")
        every: int | None = Field(None, ge=1, description="Measure every so many weeks.")
        once: bool = Field(True, description="Fire at most once per replicate.")
        then: SerializeAsAny[StrategyParams] = Field(
            description="The strategy switched on (a strategy entry without start/end)."
        )
        duration: int | None = Field(
            None, ge=1, description="Weeks the switched-on strategy acts (open when absent)."
        )

        @field_validator("then", mode="before")
        @classmethod
        def _then(cls, value: Any) -> Any:
            if isinstance(value, dict):
                if value.get("type") == "adapt":
                    raise ValueError("an adapt rule cannot switch on another adapt rule")
                timing = [
                    k for k, unset in (("start", 1), ("end", None)) if value.get(k, unset) != unset
                ]
                if timing:
                    raise ValueError(
                        f"the switched-on strategy starts the week after the rule fires: "
                        f"remove {' and '.join(timing)} and set its length with `duration`"
                    )
            try:
                return parse_params(value)
            except ScenarioError as exc:
                raise ValueError(exc.message) from None
            except ValidationError as exc:
                inner = build_params_class(value)
                lines = describe_errors(exc, inner) if inner else [str(exc)]
                raise ValueError("; ".join(lines)) from None

        @model_validator(mode="after")
        def _rule(self) -> Adapt.Params:
            if (self.below is None) == (self.above is None):
                raise ValueError("give exactly one target: `below` or `above`")
            if (self.at is None) == (self.every is None):
                raise ValueError("give the check weeks: either `at` (a list) or `every`")
            if self.at is not None:
                if not self.at:
                    raise ValueError("at: give at least one week")
                outside = [w for w in self.at if w < self.start or (self.end and w > self.end)]
                if outside:
                    raise ValueError(
                        f"at: weeks {outside} are outside the rule's weeks "
                        f"{self.start}..{self.end if self.end is not None else 'open'}"
                    )
            return self

    STATE_ROWS = (*Strategy.STATE_ROWS, "fired")

    # --- the rule ------------------------------------------------------------------------
    def initialize(self, sim) -> None:
        super().initialize(sim)
        self.column = CURVE_COLUMNS.index(self.p.metric)
        self.fired = np.zeros(sim.R, dtype=bool)
        self.children: list[Strategy] = []
        then = self.p.then
        self.child_label = then.name or f"{self.label}/{then.type}"
        if self.child_label in {s.label for s in sim.strategies if s is not self}:
            raise ScenarioError(
                f"the strategy switched on by rule {self.label!r} is labelled "
                f"{self.child_label!r}, like another strategy: give `then` a distinct `name`",
                source=sim.source,
                where=f"strategy {self.label}.then.name",
            )
        # resolve the switched-on strategy's targets once now, so that a bad target (an
        # unknown department, say) is reported before the run, not when the rule fires
        probe = build(then)
        probe.stream = f"{self.stream}/{self.child_label}@check"
        probe.on = np.zeros(sim.R, dtype=bool)
        probe.initialize(sim)

    def check_weeks(self, weeks: int) -> list[int]:
        """The weeks (within a run of ``weeks``) at whose end the metric is measured."""
        p = self.p
        if p.at is not None:
            return sorted(w for w in set(p.at) if w <= weeks)
        last = weeks if p.end is None else min(p.end, weeks)
        return list(range(p.start, last + 1, p.every))

    def occurrences(self, weeks: int) -> int:
        return len(self.check_weeks(weeks))

    def condition(self, values: np.ndarray) -> np.ndarray:
        """Where the rule's condition holds for the measured ``values``."""
        if self.p.below is not None:
            return values < self.p.below
        return values > self.p.above

    def apply(self, sim, week: int) -> None:
        measured = week - 1
        if measured >= 1 and measured in self.check_weeks(sim.weeks):
            self._check(sim, week, measured)
        for child in self.children:
            child.apply(sim, week)

    def _check(self, sim, week: int, measured: int) -> None:
        p = self.p
        values = sim.curves[measured, :, self.column]
        fire = self.condition(values)
        if p.once:
            fire &= ~self.fired
        if not fire.any():
            return
        self.fired |= fire
        end = None if p.duration is None else week + p.duration - 1
        params = p.then.model_copy(update={"start": week, "end": end})
        child = build(params)
        child.label = self.child_label
        child.stream = f"{self.stream}/{self.child_label}@{week}"
        child.on = fire.copy()
        child.initialize(sim)
        self.children.append(child)
        op, target = ("<", p.below) if p.below is not None else (">", p.above)
        for b in np.flatnonzero(fire):
            mask = np.zeros(sim.R, dtype=bool)
            mask[b] = True
            sim.log_strategy_event(
                self.label,
                week,
                f"{p.metric} {values[b]:.3f} {op} {target} at the end of week {measured}: "
                f"{self.child_label} on from week {week}"
                + (f" to week {end}" if end is not None else ""),
                mask=mask,
            )

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        state["children"] = [
            child.get_state() | {"weeks": [child.p.start, child.p.end]} for child in self.children
        ]
        return state

    def set_state(self, sim, state: dict[str, Any]) -> None:
        super().set_state(sim, state)
        self.children = []
        for saved in state.get("children", []):
            start, end = saved["weeks"]
            child = build(self.p.then.model_copy(update={"start": start, "end": end}))
            child.label, child.stream = saved["fixed"]["label"], saved["fixed"]["stream"]
            child.on = np.array(saved["rows"]["on"])
            child.initialize(sim)  # what it derives from the organization
            child.set_state(sim, saved)
            self.children.append(child)

    def finalize(self, sim) -> None:
        for child in self.children:
            child.finalize(sim)

    def cost(self, weeks: int) -> np.ndarray:
        total = super().cost(weeks)
        for child in self.children:
            total = total + child.cost(weeks)
        return total


def build_params_class(value: Any):
    """The Params class of a strategy entry's type, if the type is known."""
    if isinstance(value, dict) and value.get("type") in REGISTRY:
        return REGISTRY[value["type"]].Params
    return None
