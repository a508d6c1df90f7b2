"""What the model reads from a scenario, as protocols: the scenario layer above provides
them (``adoptsim.scenario.Scenario``), the model never imports it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from adoptsim.model.behavior import BehaviorParams


class ToolLike(Protocol):
    """The new tool: its true usefulness and what it gives and asks."""

    @property
    def value(self) -> float: ...
    @property
    def learning_effort(self) -> float: ...
    @property
    def network_effect(self) -> float: ...
    @property
    def communal_effect(self) -> float: ...
    @property
    def information_per_use(self) -> float: ...
    @property
    def market_potential(self) -> float: ...
    @property
    def initial_adopters(self) -> float: ...
    @property
    def market_by_department(self) -> dict[str, float]: ...


class HabitLike(Protocol):
    """Mean and standard deviation of the legacy habit at launch."""

    @property
    def mean(self) -> float: ...
    @property
    def sd(self) -> float: ...


class LegacyLike(Protocol):
    """The legacy tool: its usefulness and the habit of it."""

    @property
    def value(self) -> float: ...
    @property
    def habit(self) -> HabitLike: ...


class StrategyLike(Protocol):
    """A rollout strategy as the simulation calls it (see ``adoptsim.strategies``)."""

    @property
    def label(self) -> str: ...
    def initialize(self, sim: Any) -> None: ...
    def apply(self, sim: Any, week: int) -> None: ...
    def finalize(self, sim: Any) -> None: ...
    def cost(self, weeks: int) -> np.ndarray: ...


class StrategyEntry(Protocol):
    """A strategy's parameters, which build the strategy."""

    def build(self) -> StrategyLike: ...


class ScenarioLike(Protocol):
    """What the simulation reads from a scenario."""

    @property
    def behavior(self) -> BehaviorParams: ...
    @property
    def tool(self) -> ToolLike: ...
    @property
    def legacy(self) -> LegacyLike: ...
    @property
    def weeks(self) -> int: ...
    @property
    def strategies(self) -> Sequence[StrategyEntry]: ...
