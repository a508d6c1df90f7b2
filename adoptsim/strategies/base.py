"""The Strategy interface, its registry, timing, targeting and cost.

A strategy is a small class with a pydantic ``Params`` model (unknown keys rejected) and
three hooks, called by the simulation in the order written in
:meth:`adoptsim.engine.Simulation.step`:

* ``initialize(sim)`` once, before week 1: resolve targets, draw what it needs from its own
  named random stream (so enabling it never shifts the draws of anything else);
* ``apply(sim, week)`` at the start of every week: set this week's levers
  (:class:`adoptsim.engine.Levers`) or change state through the simulation's methods;
* ``finalize(sim)`` once after the last week.

Adding a strategy is one subclass decorated with :func:`register`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from adoptsim.errors import ScenarioError, did_you_mean

if TYPE_CHECKING:
    from adoptsim.engine import Simulation

REGISTRY: dict[str, type[Strategy]] = {}

SelectRule = Literal["random", "degree", "betweenness", "eigenvector", "most_innovative"]


class CostSpec(BaseModel):
    """Cost of a strategy: fixed + per active week + per targeted person (+ per person-week)."""

    model_config = ConfigDict(extra="forbid")

    fixed: float = Field(0.0, ge=0, description="One-off cost when the strategy starts.")
    per_week: float = Field(0.0, ge=0, description="Cost per week the strategy is active.")
    per_person: float = Field(0.0, ge=0, description="One-off cost per targeted person.")
    per_person_week: float = Field(
        0.0, ge=0, description="Cost per targeted person per active week."
    )


class TargetSpec(BaseModel):
    """Who a strategy acts on: filters (all combined with AND), then an optional selection."""

    model_config = ConfigDict(extra="forbid")

    departments: list[str] | None = Field(None, description="Only these departments.")
    roles: list[Literal["individual_contributor", "manager", "executive"]] | None = Field(
        None, description="Only these roles."
    )
    levels: list[int] | None = Field(None, description="Only these hierarchy levels (0 = top).")
    subtree_of: str | None = Field(
        None,
        description="Only the reporting subtree (including the person) of this employee id, "
        "or of every employee with this role ('executive', 'manager').",
    )
    select: SelectRule | None = Field(
        None, description="Choose people among the filtered ones by this rule."
    )
    count: int | None = Field(None, ge=0, description="How many to select (with `select`).")
    share: float | None = Field(
        None, ge=0, le=1, description="Share of the filtered people to select (with `select`)."
    )
    per_department: bool = Field(
        False, description="Apply count/share as a quota inside each department."
    )

    @model_validator(mode="after")
    def _selection(self) -> TargetSpec:
        if self.select is None and (self.count is not None or self.share is not None):
            raise ValueError("count/share need a selection rule: set `select`")
        if self.select is not None and self.count is None and self.share is None:
            raise ValueError("`select` needs `count` or `share`")
        if self.count is not None and self.share is not None:
            raise ValueError("give either `count` or `share`, not both")
        return self


class StrategyParams(BaseModel):
    """Parameters every strategy has."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="The strategy's registered name.")
    name: str | None = Field(
        None,
        description="A label for this instance (default: its type); names its random "
        "stream and its cause in the activity stream.",
    )
    start: int = Field(1, ge=1, description="First week the strategy acts (weeks start at 1).")
    end: int | None = Field(
        None, ge=1, description="Last week the strategy acts (inclusive); open when absent."
    )
    target: TargetSpec = Field(default_factory=TargetSpec, description="Who it acts on.")
    cost: CostSpec = Field(default_factory=CostSpec, description="What it costs.")

    @model_validator(mode="after")
    def _timing(self) -> StrategyParams:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    @property
    def label(self) -> str:
        """The instance label: ``name`` if set, else the type."""
        return self.name or self.type


class Strategy:
    """Base class of rollout strategies. Subclasses set ``Params`` and ``summary``."""

    Params: ClassVar[type[StrategyParams]] = StrategyParams
    type_name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __init__(self, params: StrategyParams):
        self.p = params
        self.label = params.label
        self.targets: np.ndarray | None = None  # (R, N) bool, set by initialize

    # --- hooks ---------------------------------------------------------------------------
    def initialize(self, sim: Simulation) -> None:
        """Resolve the targets (default behaviour); subclasses extend."""
        self.targets = resolve_targets(self.p.target, sim, self.rng(sim))

    def apply(self, sim: Simulation, week: int) -> None:
        """Set this week's levers. The default does nothing."""

    def finalize(self, sim: Simulation) -> None:
        """Called once after the last week. The default does nothing."""

    # --- helpers -------------------------------------------------------------------------
    def active(self, week: int) -> bool:
        """Whether the strategy acts in ``week`` (start <= week <= end)."""
        return week >= self.p.start and (self.p.end is None or week <= self.p.end)

    def rng(self, sim: Simulation) -> list[np.random.Generator]:
        """This strategy's own random stream, one generator per replicate."""
        return sim.streams(f"strategy:{self.label}")

    def active_weeks(self, weeks: int) -> int:
        """Number of weeks in 1..weeks during which the strategy acts."""
        last = weeks if self.p.end is None else min(self.p.end, weeks)
        return max(0, last - self.p.start + 1)

    def cost(self, weeks: int) -> np.ndarray:
        """Total cost per replicate over a run of ``weeks`` weeks."""
        c = self.p.cost
        n_weeks = self.active_weeks(weeks)
        people = self.targets.sum(axis=1) if self.targets is not None else np.zeros(1)
        started = n_weeks > 0
        return (
            started * (c.fixed + c.per_person * people)
            + c.per_week * n_weeks
            + c.per_person_week * people * n_weeks
        ).astype(float)


def register(name: str):
    """Class decorator: register a Strategy subclass under ``name``."""

    def deco(cls: type[Strategy]) -> type[Strategy]:
        if name in REGISTRY:
            raise ValueError(f"strategy {name!r} registered twice")
        cls.type_name = name
        REGISTRY[name] = cls
        return cls

    return deco


def strategy_class(name: str, source: str | None = None, where: str | None = None):
    """The registered class for ``name``, or a ScenarioError listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ScenarioError(
            f"unknown strategy type {name!r}{did_you_mean(name, REGISTRY)}; "
            f"known types: {', '.join(sorted(REGISTRY))}",
            source=source,
            where=where,
        ) from None


def parse_params(data: Any) -> StrategyParams:
    """Validate one strategy entry (a mapping with ``type``) into its Params model."""
    if isinstance(data, StrategyParams):
        return data
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError(
            f"each strategy is a mapping with a `type` (one of {', '.join(sorted(REGISTRY))})"
        )
    cls = strategy_class(str(data["type"]))
    return cls.Params.model_validate(data)


def build(params: StrategyParams) -> Strategy:
    """Instantiate the strategy for validated ``params``."""
    return strategy_class(params.type)(params)


def resolve_targets(
    target: TargetSpec, sim: Simulation, rngs: list[np.random.Generator]
) -> np.ndarray:
    """The (R, N) boolean mask of targeted employees for ``target``."""
    org = sim.org
    n = org.n
    mask = np.ones(n, dtype=bool)
    where = "strategy target"
    if target.departments is not None:
        known = list(org.departments)
        codes = []
        for d in target.departments:
            if d not in known:
                raise ScenarioError(
                    f"unknown department {d!r}{did_you_mean(d, known)}; "
                    f"the organization has: {', '.join(known)}",
                    source=sim.source,
                    where=f"{where}.departments",
                )
            codes.append(known.index(d))
        mask &= np.isin(org.department, codes)
    if target.roles is not None:
        from adoptsim.org import ROLES

        mask &= np.isin(org.role, [ROLES.index(r) for r in target.roles])
    if target.levels is not None:
        mask &= np.isin(org.level, target.levels)
    if target.subtree_of is not None:
        mask &= subtree_mask(sim, target.subtree_of)
    masks = np.broadcast_to(mask, (sim.R, n)).copy()
    if target.select is None:
        return masks
    return np.stack([_select(target, sim, masks[r], rngs[r], r) for r in range(sim.R)])


def subtree_mask(sim: Simulation, who: str) -> np.ndarray:
    """Employees in the reporting subtree of employee id or role ``who`` (inclusive)."""
    from adoptsim.org import ROLES

    org = sim.org
    out = np.zeros(org.n, dtype=bool)
    if who in ROLES:
        roots = np.flatnonzero(org.role == ROLES.index(who))
    else:
        hits = np.flatnonzero(org.ids == who)
        if hits.size == 0:
            raise ScenarioError(
                f"no employee or role {who!r}{did_you_mean(who, list(ROLES))}; give an "
                f"employee id or one of {', '.join(ROLES)}",
                source=sim.source,
                where="strategy target.subtree_of",
            )
        roots = hits
    for root in roots:
        out[org.subtree(int(root))] = True
    return out


def _select(
    target: TargetSpec, sim: Simulation, eligible: np.ndarray, rng: np.random.Generator, r: int
) -> np.ndarray:
    org = sim.org
    groups = (
        [eligible & (org.department == d) for d in range(len(org.departments))]
        if target.per_department
        else [eligible]
    )
    if target.select == "random":
        score = rng.random(org.n)
    elif target.select == "most_innovative":
        score = sim.traits.innovativeness[r]
    else:
        score = sim.centrality(target.select)
    chosen = np.zeros(org.n, dtype=bool)
    for g in groups:
        idx = np.flatnonzero(g)
        if idx.size == 0:
            continue
        k = target.count if target.count is not None else round(target.share * idx.size)
        k = min(int(k), idx.size)
        if k <= 0:
            continue
        # highest score first; ties broken by index for determinism
        order = np.lexsort((idx, -score[idx]))
        chosen[idx[order[:k]]] = True
    return chosen
