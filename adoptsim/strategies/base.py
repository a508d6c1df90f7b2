"""The Strategy interface, its registry, timing, targeting and cost.

A strategy is a small class with a pydantic ``Params`` model (unknown keys rejected) and
three hooks, called by the simulation in the order written in
:meth:`adoptsim.engine.Simulation.step`:

* ``initialize(sim)`` once, before week 1: resolve targets, draw what it needs from its own
  named random stream (so enabling it never shifts the draws of anything else);
* ``apply(sim, week)`` at the start of every week: set this week's levers
  (:class:`adoptsim.engine.Levers`) or change state through the simulation's methods;
* ``finalize(sim)`` once after the last week.

What a strategy remembers from week to week is its state: ``get_state()`` gives it as a
small tree (``rows``: per-replicate arrays, first axis the batch's rows; ``fixed``:
numbers and labels) and ``set_state(sim, state)`` puts it back, so that a batch's state can
be saved, resampled and continued (:mod:`adoptsim.model.state`). A subclass with more
state names it in ``STATE_ROWS`` or ``STATE_FIXED``.

Adding a strategy is one subclass decorated with :func:`register`.

Timing: a strategy acts in weeks ``start..end`` (inclusive, ``end`` open when absent);
repeating strategies also take ``every`` (weeks between repetitions, counted from
``start``). Targets: filters combined with AND (departments, roles, levels, a reporting
subtree, employee ids, stages), then an optional selection rule with a count or a share,
optionally as a quota per department. Targets that depend on ``stages`` are resolved at the
start week (who is, say, already an active user by then); all others before week 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from adoptsim.errors import ScenarioError, StrictNumbers, did_you_mean
from adoptsim.org import ROLES

if TYPE_CHECKING:
    from adoptsim.model.engine import Simulation

REGISTRY: dict[str, type[Strategy]] = {}

SelectRule = Literal["random", "degree", "betweenness", "eigenvector", "most_innovative"]
StageName = Literal["unaware", "aware", "trying", "active", "lapsed"]
STAGE_NAMES: tuple[str, ...] = ("unaware", "aware", "trying", "active", "lapsed")


class CostSpec(StrictNumbers):
    """Cost of a strategy: fixed + per active week + per targeted person (+ per person-week)
    + per occurrence (each repetition of a repeating strategy)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    fixed: float = Field(0.0, ge=0, description="One-off cost when the strategy starts.")
    per_week: float = Field(0.0, ge=0, description="Cost per week the strategy is active.")
    per_person: float = Field(0.0, ge=0, description="One-off cost per targeted person.")
    per_person_week: float = Field(
        0.0, ge=0, description="Cost per targeted person per active week."
    )
    per_occurrence: float = Field(
        0.0,
        ge=0,
        description="Cost per occurrence: each campaign, story, reminder, training session "
        "or renewal of a repeating strategy (once for the others).",
    )


class TargetSpec(StrictNumbers):
    """Who a strategy acts on: filters (all combined with AND), then an optional selection."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
    employees: list[str] | None = Field(None, description="Only these employee ids.")
    stages: list[StageName] | None = Field(
        None,
        description="Only employees in these stages at the strategy's start week (e.g. "
        "[active] for people already enthusiastic); resolved at the start week.",
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
        if self.levels is not None and any(lv < 0 for lv in self.levels):
            raise ValueError("levels are depths in the hierarchy: 0 (the top) or more")
        if self.employees is not None and not self.employees:
            raise ValueError("employees: give at least one employee id")
        if self.stages is not None and not self.stages:
            raise ValueError("stages: give at least one stage")
        return self


class StrategyParams(StrictNumbers):
    """Parameters every strategy has."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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

    def build(self) -> Strategy:
        """The strategy these parameters describe."""
        return strategy_class(self.type)(self)


#: the parameters every strategy has (documented once, not per strategy)
COMMON_FIELDS: tuple[str, ...] = tuple(StrategyParams.model_fields)


class Strategy:
    """Base class of rollout strategies. Subclasses set ``Params`` and ``summary``."""

    Params: ClassVar[type[StrategyParams]] = StrategyParams
    type_name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    #: attributes with one row per replicate of the batch (an array, a list of arrays or
    #: None): the state a particle filter resamples
    STATE_ROWS: ClassVar[tuple[str, ...]] = ("targets", "on")
    #: other attributes that change after ``initialize`` (numbers, labels, None)
    STATE_FIXED: ClassVar[tuple[str, ...]] = ("label", "stream", "_deferred")

    def __init__(self, params: StrategyParams):
        self.p = params
        self.label = params.label
        self.targets: np.ndarray | None = None  # (R, N) bool, set by initialize
        #: replicates (rows of the batch) the strategy acts in; None = all. An adapt rule
        #: switches a strategy on only in the replicates where its condition held.
        self.on: np.ndarray | None = None
        #: name of the strategy's random stream
        self.stream = f"strategy:{self.label}"
        self._deferred = False

    # --- hooks ---------------------------------------------------------------------------
    def initialize(self, sim: Simulation) -> None:
        """Resolve the targets (default behaviour); subclasses extend.

        Targets filtered by ``stages`` are resolved at the start week instead (see
        :meth:`prepare`); until then they are empty.
        """
        if self.p.target.stages is not None:
            self._deferred = True
            self.targets = np.zeros((sim.R, sim.N), dtype=bool)
        else:
            self.targets = self._masked(resolve_targets(self.p.target, sim, self.rng(sim)))

    def apply(self, sim: Simulation, week: int) -> None:
        """Set this week's levers. The default does nothing."""

    def finalize(self, sim: Simulation) -> None:
        """Called once after the last week. The default does nothing."""

    # --- state as a value ------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """What the strategy remembers (copies): ``{"rows": {...}, "fixed": {...}}``."""
        rows = {}
        for name in type(self).STATE_ROWS:
            value = getattr(self, name, None)
            rows[name] = (
                None
                if value is None
                else [np.array(v) for v in value]
                if isinstance(value, list)
                else np.array(value)
            )
        return {"rows": rows, "fixed": {n: getattr(self, n, None) for n in self.STATE_FIXED}}

    def set_state(self, sim: Simulation, state: dict[str, Any]) -> None:
        """Put back what :meth:`get_state` gave (its rows possibly taken, repeated or
        reordered; ``sim`` is the simulation it continues in)."""
        for name, value in state.get("rows", {}).items():
            if isinstance(value, list):
                value = [np.array(v) for v in value]
            elif value is not None:
                value = np.array(value)
            setattr(self, name, value)
        for name, value in state.get("fixed", {}).items():
            setattr(self, name, value)

    # --- helpers -------------------------------------------------------------------------
    def prepare(self, sim: Simulation, week: int) -> None:
        """Resolve targets that depend on the employees' stages, at the start week.

        Strategies call this first in ``apply``; it does nothing for other targets.
        """
        if self._deferred and week == self.p.start:
            self.targets = self._masked(resolve_targets(self.p.target, sim, self.rng(sim)))
            self._deferred = False

    def rows(self, sim: Simulation) -> np.ndarray:
        """(R, 1) mask of the replicates the strategy acts in (all unless switched on by an
        adapt rule), to broadcast against (R, N) arrays."""
        if self.on is None:
            return np.ones((sim.R, 1), dtype=bool)
        return self.on[:, None]

    def _masked(self, targets: np.ndarray) -> np.ndarray:
        if self.on is None:
            return targets
        return targets & self.on[:, None]

    def begin(self, sim: Simulation, week: int, announce: bool = False) -> bool:
        """Prepare the week's targets and say whether the strategy acts in ``week``; with
        ``announce``, the targets become aware of the tool at the start week."""
        self.prepare(sim, week)
        if not self.active(week):
            return False
        if announce and week == self.p.start:
            sim.make_aware(self.targets, self.label)
        return True

    def active(self, week: int) -> bool:
        """Whether the strategy acts in ``week`` (start <= week <= end)."""
        return week >= self.p.start and (self.p.end is None or week <= self.p.end)

    def occurs(self, week: int, every: int | None) -> bool:
        """Whether a repetition falls in ``week``: the start week, then every ``every``
        weeks while active (only the start week when ``every`` is None)."""
        if not self.active(week):
            return False
        if every is None:
            return week == self.p.start
        return (week - self.p.start) % every == 0

    def occurrences(self, weeks: int) -> int:
        """How many times the strategy occurs in a run of ``weeks`` (for per-occurrence
        cost): once when it starts, unless a repeating strategy says otherwise."""
        return 1 if self.active_weeks(weeks) > 0 else 0

    def _count_occurrences(self, weeks: int, every: int | None) -> int:
        n = self.active_weeks(weeks)
        if n <= 0:
            return 0
        return 1 if every is None else (n - 1) // every + 1

    def rng(self, sim: Simulation) -> list[np.random.Generator]:
        """This strategy's own random stream, one generator per replicate."""
        return sim.streams(self.stream)

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
        total = (
            started * (c.fixed + c.per_person * people)
            + c.per_week * n_weeks
            + c.per_person_week * people * n_weeks
            + c.per_occurrence * self.occurrences(weeks)
        ).astype(float)
        if self.on is not None:
            total = np.broadcast_to(total, self.on.shape) * self.on
        return total


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
    """The (R, N) boolean mask of targeted employees for ``target`` (stages as of now)."""
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
        mask &= np.isin(org.role, [ROLES.index(r) for r in target.roles])
    if target.levels is not None:
        mask &= np.isin(org.level, target.levels)
    if target.subtree_of is not None:
        mask &= subtree_mask(sim, target.subtree_of)
    if target.employees is not None:
        mask &= employee_mask(sim, target.employees, f"{where}.employees")
    masks = np.broadcast_to(mask, (sim.R, n)).copy()
    if target.stages is not None:
        masks &= np.isin(sim.stage, [STAGE_NAMES.index(s) for s in target.stages])
    if target.select is None:
        return masks
    return np.stack([_select(target, sim, masks[r], rngs[r], r) for r in range(sim.R)])


def employee_mask(sim: Simulation, ids: list[str], where: str) -> np.ndarray:
    """Mask of the employees with these ids (a ScenarioError names the unknown ones)."""
    org = sim.org
    known = set(map(str, org.ids))
    missing = [e for e in ids if str(e) not in known]
    if missing:
        shown = ", ".join(map(repr, missing[:5]))
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ScenarioError(
            f"no employee with id {shown}{more} in the organization",
            source=sim.source,
            where=where,
        )
    mask = np.zeros(org.n, dtype=bool)
    mask[org.index_of([str(e) for e in ids])] = True
    return mask


def subtree_mask(sim: Simulation, who: str) -> np.ndarray:
    """Employees in the reporting subtree of employee id or role ``who`` (inclusive)."""
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
