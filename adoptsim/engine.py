"""The vectorised simulation: all employees of one or many replicates advance together.

State lives in NumPy arrays of shape ``(R, N)`` (replicates x employees). The organization
(one sparse adjacency) is shared by the replicates of a batch; every replicate draws from
its own named random streams, so replicate ``k`` gives the same numbers whether it runs
alone (as in :class:`adoptsim.model.AdoptionModel`) or inside a batch.

The order of a week is written once, in :meth:`Simulation.step`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp

from adoptsim import behavior as bh
from adoptsim import rng as rngmod
from adoptsim.people import Stage, Traits, draw_traits

if TYPE_CHECKING:
    from adoptsim.org import Organization
    from adoptsim.scenario import Scenario
    from adoptsim.strategies.base import Strategy


class Event(IntEnum):
    """Kinds of events in the activity stream."""

    AWARENESS = 0
    TRIAL = 1
    ADOPTION = 2
    HABIT = 3
    LAPSE = 4
    READOPTION = 5
    STRATEGY = 6


EVENT_NAMES = {
    Event.AWARENESS: "awareness",
    Event.TRIAL: "trial",
    Event.ADOPTION: "adoption",
    Event.HABIT: "habit",
    Event.LAPSE: "lapse",
    Event.READOPTION: "readoption",
    Event.STRATEGY: "strategy",
}

#: the columns of the model-level curves, in order
CURVE_COLUMNS = (
    "unaware_share",
    "aware_share",
    "trying_share",
    "active_share",
    "lapsed_share",
    "habitual_share",
    "voluntary_share",
    "compliance_share",
    "using_share",
    "ever_tried_share",
    "mean_habit",
    "mean_legacy_habit",
    "mean_usefulness",
    "mean_resentment",
    "information_stock",
)
#: the columns recorded per department (and per role)
GROUP_COLUMNS = (
    "aware_share",
    "active_share",
    "habitual_share",
    "voluntary_share",
    "lapsed_share",
)

PEER = "peer"
OWN = "own"
EXTERNAL = "external"


class Levers:
    """This week's settings made by the strategies; reset at the start of every week.

    Everything is ``None`` until a strategy touches it, and then an ``(R, N)`` array.

    * ``awareness[channel]``: weekly probability of becoming aware through that channel;
    * ``utility[source]``: log-odds added to the new tool's utility, attributed to ``source``;
    * ``control[source]``: log-odds of compliance pressure (use counted as compliance when
      only this made the employee use the tool);
    * ``threat``: 0..1 intensity of freedom threat; moves resentment toward the employee's
      need for autonomy;
    * ``legacy_drop``: usefulness units taken off the legacy tool; ``legacy_retired``: the
      legacy tool can no longer be used (its habit only decays);
    * ``influence``: multiplier of an employee's weight in their neighbours' decisions;
    * ``usefulness_bonus``: experienced usefulness added (a use case for the group);
    * ``effort_factor``: multiplier of effort expectancy (training lowers it);
    * ``support``: facilitating conditions added;
    * ``access``: who may use the tool at all (a pilot restricts it).
    """

    FIELDS = (
        "threat",
        "legacy_drop",
        "legacy_retired",
        "influence",
        "usefulness_bonus",
        "effort_factor",
        "support",
        "access",
    )
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "threat": 0.0,
        "legacy_drop": 0.0,
        "legacy_retired": False,
        "influence": 1.0,
        "usefulness_bonus": 0.0,
        "effort_factor": 1.0,
        "support": 0.0,
        "access": True,
    }

    def __init__(self, shape: tuple[int, int]):
        self.shape = shape
        self.awareness: dict[str, np.ndarray] = {}
        self.utility: dict[str, np.ndarray] = {}
        self.control: dict[str, np.ndarray] = {}
        for name in self.FIELDS:
            setattr(self, name, None)

    def get(self, name: str) -> np.ndarray | Any:
        """The lever's array, or its scalar default when no strategy touched it."""
        value = getattr(self, name)
        return self.DEFAULTS[name] if value is None else value

    def array(self, name: str) -> np.ndarray:
        """The lever's array, created with its default on first use (for in-place edits)."""
        value = getattr(self, name)
        if value is None:
            default = self.DEFAULTS[name]
            dtype = bool if isinstance(default, bool) else float
            value = np.full(self.shape, default, dtype=dtype)
            setattr(self, name, value)
        return value

    def add_utility(self, source: str, values: np.ndarray) -> None:
        """Add log-odds ``values`` (broadcast to (R, N)) to the new tool, attributed to source."""
        v = np.broadcast_to(values, self.shape)
        if source in self.utility:
            self.utility[source] = self.utility[source] + v
        else:
            self.utility[source] = np.array(v, dtype=float)

    def add_control(self, source: str, values: np.ndarray) -> None:
        """Add log-odds of compliance pressure (broadcast to (R, N)), attributed to source."""
        v = np.broadcast_to(values, self.shape)
        if source in self.control:
            self.control[source] = self.control[source] + v
        else:
            self.control[source] = np.array(v, dtype=float)

    def add_awareness(self, channel: str, prob: np.ndarray) -> None:
        """Add a weekly awareness probability (broadcast to (R, N)) through ``channel``."""
        p = np.broadcast_to(prob, self.shape)
        if channel in self.awareness:
            old = self.awareness[channel]
            self.awareness[channel] = 1.0 - (1.0 - old) * (1.0 - p)
        else:
            self.awareness[channel] = np.array(p, dtype=float)


@dataclass
class EventLog:
    """The activity stream as growing lists of arrays (replicate rows are batch indices)."""

    replicate: list[np.ndarray] = field(default_factory=list)
    week: list[np.ndarray] = field(default_factory=list)
    employee: list[np.ndarray] = field(default_factory=list)
    event: list[np.ndarray] = field(default_factory=list)
    cause: list[np.ndarray] = field(default_factory=list)  # index into Simulation.causes
    peer: list[np.ndarray] = field(default_factory=list)  # employee index or -1

    def add(self, rep, week, emp, event, cause, peer) -> None:
        n = len(emp)
        if n == 0:
            return
        self.replicate.append(np.asarray(rep, dtype=np.int32))
        self.week.append(np.full(n, week, dtype=np.int16))
        self.employee.append(np.asarray(emp, dtype=np.int64))
        self.event.append(np.full(n, int(event), dtype=np.int8))
        self.cause.append(np.broadcast_to(np.asarray(cause, dtype=np.int32), (n,)).copy())
        self.peer.append(np.broadcast_to(np.asarray(peer, dtype=np.int64), (n,)).copy())

    def arrays(self) -> dict[str, np.ndarray]:
        """Concatenated columns."""
        cols = ("replicate", "week", "employee", "event", "cause", "peer")
        dtypes = (np.int32, np.int16, np.int64, np.int8, np.int32, np.int64)
        out = {}
        for c, dt in zip(cols, dtypes, strict=True):
            parts = getattr(self, c)
            out[c] = np.concatenate(parts) if parts else np.zeros(0, dtype=dt)
        return out


class Simulation:
    """All replicates of one batch of a scenario on one organization.

    ``replicates`` are the replicate indices (they pick the random streams); the batch
    dimension of every state array follows their order.
    """

    def __init__(
        self,
        spec: Scenario,
        org: Organization,
        seed: int,
        replicates: list[int] | range,
        source: str | None = None,
    ):
        from adoptsim.strategies import base as strategy_base

        self.spec = spec
        self.org = org
        self.seed = int(seed)
        self.replicates = list(replicates)
        self.source = source
        self.R = len(self.replicates)
        self.N = org.n
        self.params: bh.BehaviorParams = spec.behavior
        self.week = 0
        self.weeks = spec.weeks
        self._streams: dict[str, list[np.random.Generator]] = {}
        self._centrality: dict[str, np.ndarray] = {}

        # the organization as a sparse matrix; row sums for normalised shares
        self.W: sp.csr_matrix = org.adjacency
        deg = np.asarray(self.W.sum(axis=1)).ravel()
        self.inv_degree = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-300), 0.0)
        self.dept_matrix = _group_matrix(org.department, len(org.departments))
        self.role_matrix = _group_matrix(org.role, 3)

        shape = (self.R, self.N)
        self.traits: Traits = draw_traits(spec, org, self.streams("traits"))
        p = self.params
        tool = spec.tool
        # --- state -------------------------------------------------------------------
        self.stage = np.zeros(shape, dtype=np.int8)
        self.usefulness = tool.value + p.prior_usefulness_bias + self.traits.usefulness_noise
        self.habit = np.zeros(shape)
        self.legacy_habit = self.traits.legacy_habit.copy()
        self.experience = np.zeros(shape)
        self.resentment = np.zeros(shape)
        self.crowding = np.zeros(shape)
        self.used = np.zeros(shape, dtype=bool)
        self.compliant = np.zeros(shape, dtype=bool)
        self.use_streak = np.zeros(shape, dtype=np.int16)
        self.idle_streak = np.zeros(shape, dtype=np.int16)
        self.ever_tried = np.zeros(shape, dtype=bool)
        self.habitual = np.zeros(shape, dtype=bool)
        self.lapses = np.zeros(shape, dtype=np.int16)
        self.stock = np.zeros((self.R, 1))
        self.influence = np.ones(shape)
        self.levers = Levers(shape)

        self.causes: list[str] = [OWN, EXTERNAL, PEER]
        self._cause_index = {c: i for i, c in enumerate(self.causes)}
        self.events = EventLog()
        self.strategy_events: list[dict[str, Any]] = []
        self.curves = np.zeros((self.weeks + 1, self.R, len(CURVE_COLUMNS)))
        self.dept_curves = np.zeros(
            (self.weeks + 1, self.R, len(org.departments), len(GROUP_COLUMNS))
        )
        self.role_curves = np.zeros((self.weeks + 1, self.R, 3, len(GROUP_COLUMNS)))

        self.strategies: list[Strategy] = [strategy_base.build(s) for s in spec.strategies]
        for s in self.strategies:
            self.cause_code(s.label)
            s.initialize(self)
        self._record()

    # --- random streams ----------------------------------------------------------------
    def streams(self, name: str) -> list[np.random.Generator]:
        """One generator per replicate for the named stream (created once, then reused)."""
        if name not in self._streams:
            self._streams[name] = [rngmod.stream(self.seed, r, name) for r in self.replicates]
        return self._streams[name]

    def uniform(self, name: str) -> np.ndarray:
        """An (R, N) array of U(0,1) draws, one row from each replicate's named stream."""
        return np.stack([g.random(self.N) for g in self.streams(name)])

    def centrality(self, kind: str) -> np.ndarray:
        """Centrality scores of the organization's employees (cached)."""
        if kind not in self._centrality:
            from adoptsim.org import centrality

            self._centrality[kind] = centrality(
                self.org, kind, rngmod.stream(self.seed, rngmod.SHARED, f"centrality:{kind}")
            )
        return self._centrality[kind]

    def cause_code(self, cause: str) -> int:
        """The integer code of a cause name (registering it on first use)."""
        if cause not in self._cause_index:
            self._cause_index[cause] = len(self.causes)
            self.causes.append(cause)
        return self._cause_index[cause]

    # --- state changes strategies may call ---------------------------------------------
    def make_aware(self, mask: np.ndarray, cause: str) -> None:
        """Make the unaware employees in ``mask`` aware, attributing it to ``cause``."""
        new = mask & (self.stage == Stage.UNAWARE)
        self.stage[new] = Stage.AWARE
        self._log(new, Event.AWARENESS, self.cause_code(cause))

    def make_active(self, mask: np.ndarray, cause: str) -> None:
        """Make the employees in ``mask`` active users now (e.g. evangelists)."""
        self.make_aware(mask, cause)
        trial = mask & ~self.ever_tried
        self._log(trial, Event.TRIAL, self.cause_code(cause))
        new = mask & (self.stage != Stage.ACTIVE)
        self.stage[mask] = Stage.ACTIVE
        self.ever_tried |= mask
        self.used |= mask
        self.use_streak[mask] = np.maximum(self.use_streak[mask], self.params.adopt_after)
        self.idle_streak[mask] = 0
        self._log(new, Event.ADOPTION, self.cause_code(cause))

    def log_strategy_event(self, label: str, week: int, detail: str) -> None:
        """Record a strategy-level event (e.g. an adapt rule firing) for every replicate."""
        for b in range(self.R):
            self.strategy_events.append(
                {"replicate": self.replicates[b], "week": week, "strategy": label, "detail": detail}
            )
        self.events.add(
            np.arange(self.R), week, np.full(self.R, -1), Event.STRATEGY, self.cause_code(label), -1
        )

    def _log(self, mask: np.ndarray, event: Event, cause, peer=-1) -> None:
        rep, emp = np.nonzero(mask)
        if rep.size:
            if not np.isscalar(cause):
                cause = cause[rep, emp]
            if not np.isscalar(peer):
                peer = peer[rep, emp]
            self.events.add(rep, self.week, emp, event, cause, peer)

    # --- the week ----------------------------------------------------------------------
    def run(self, progress=None) -> None:
        """Advance to the scenario's last week; ``progress(replicate_weeks)`` after each week."""
        while self.week < self.weeks:
            self.step()
            if progress is not None:
                progress(self.R)
        for s in self.strategies:
            s.finalize(self)

    def step(self) -> None:
        """Advance all replicates by one week.

        The order of a week (the one place it is written):

        1. **Strategies** — each strategy's ``apply(sim, week)`` sets this week's levers,
           in the order of the scenario file.
        2. **Awareness** — unaware employees hear of the tool through outside channels,
           strategy channels, or neighbours who used it last week (tie weight x influence).
        3. **Choice** — every aware employee with access chooses the new tool or the legacy
           one: a logit on the utility difference (see :mod:`adoptsim.behavior`), once
           without and once with control pressure, on the same draw; use that only control
           explains is compliance.
        4. **Learning** — experience, learned usefulness, habits (new and legacy),
           resentment, and the shared information stock are updated from this week's use.
        5. **Stages** — first use makes a trier; ``adopt_after`` weeks of use in a row make
           an active user (or a re-adopter after a lapse); ``lapse_after`` idle weeks make a
           lapse; crossing the habitual threshold is recorded. Each change is an event with
           its cause.
        6. **Record** — the week's curves, by department and by role.
        """
        self.week += 1
        t = self.week
        p = self.params
        lv = self.levers = Levers((self.R, self.N))
        # 1. strategies
        for s in self.strategies:
            s.apply(self, t)

        # neighbours' use last week, weighted by their influence
        influence = lv.get("influence")
        self.influence = np.broadcast_to(influence, (self.R, self.N))
        # what neighbours see: voluntary use counts fully, compliance-only use (surface use)
        # counts `compliance_visibility`
        used_f = np.where(self.compliant, p.compliance_depth, 1.0) * self.used
        weighted_use = used_f * influence
        peer_exposure = _spmm(self.W, weighted_use)  # sum_j w_ij a_j m_j
        use_share = _spmm(self.W, used_f) * self.inv_degree  # share of tie weight on the tool

        # 2. awareness
        self._awareness(peer_exposure)

        # 3. choice
        delta_free, control, contrib = self._utility(peer_exposure, use_share)
        access = lv.get("access")
        eligible = (self.stage != Stage.UNAWARE) & access
        u = self.uniform("choice")
        p_free = bh.logistic(delta_free)
        p_all = bh.logistic(delta_free + control) if lv.control else p_free
        use = eligible & (u < p_all)
        voluntary = eligible & (u < p_free)
        compliance = use & ~voluntary

        # 4. learning
        self._learn(use, compliance)

        # 5. stages
        self._transitions(use, compliance, contrib, weighted_use)
        self.used = use
        self._record()

    def _awareness(self, peer_exposure: np.ndarray) -> None:
        p = self.params
        lv = self.levers
        unaware = self.stage == Stage.UNAWARE
        u = self.uniform("awareness")
        names = [EXTERNAL, PEER, *lv.awareness]
        probs = [
            np.full((self.R, self.N), p.external_awareness),
            -np.expm1(-p.peer_awareness * peer_exposure),
            *lv.awareness.values(),
        ]
        stay = np.ones((self.R, self.N))
        for q in probs:
            stay *= 1.0 - q
        new = unaware & (u < 1.0 - stay)
        if not new.any():
            return
        rep, emp = np.nonzero(new)
        stacked = np.stack([q[rep, emp] for q in probs])
        which = np.argmax(stacked, axis=0)
        codes = np.array([self.cause_code(n) for n in names])[which]
        peers = np.full(rep.size, -1, dtype=np.int64)
        is_peer = which == 1
        if is_peer.any():
            peers[is_peer] = self._top_peer(rep[is_peer], emp[is_peer], self.used * self.influence)
        self.stage[new] = Stage.AWARE
        self.events.add(rep, self.week, emp, Event.AWARENESS, codes, peers)

    def _utility(self, peer_exposure, use_share):
        """Utility difference without control, the control term, and attributable parts."""
        p = self.params
        lv = self.levers
        spec = self.spec
        tr = self.traits
        k = p.utility_scale
        connective = spec.tool.network_effect * bh.connective_value(
            use_share, p.critical_mass, p.critical_mass_steepness
        )
        communal = spec.tool.communal_effect * bh.communal_value(self.stock, p.information_half)
        legacy_value = spec.legacy.value - lv.get("legacy_drop")
        effort = (
            spec.tool.learning_effort
            * bh.effort(1.0, self.experience, p.learning_weeks)
            * lv.get("effort_factor")
        )
        social = tr.susceptibility * peer_exposure * self.inv_degree
        support = np.minimum(1.0, p.support + lv.get("support"))
        peer_part = k * (p.w_performance * connective + p.w_social * social)
        delta = (
            p.intercept
            + k
            * (
                p.w_performance * (self.usefulness + communal - legacy_value)
                - p.w_effort * effort
                + p.w_facilitating * support
                + p.w_habit * (self.habit - self.legacy_habit)
            )
            + peer_part
            + p.w_innovativeness * tr.innovativeness
            - p.overload_per_tool * tr.tools_in_use
            - p.reactance_penalty * self.resentment
            - p.crowding_penalty * self.crowding
        )
        contrib = {PEER: peer_part}
        for source, values in lv.utility.items():
            delta = delta + values
            contrib[source] = values
        control = 0.0
        for source, values in lv.control.items():
            control = control + values
            contrib[source] = contrib[source] + values if source in contrib else values
        return delta, control, contrib

    def _learn(self, use: np.ndarray, compliance: np.ndarray) -> None:
        p = self.params
        lv = self.levers
        tr = self.traits
        not_used = ~use
        # a week of compliance-only use is surface use: it yields `compliance_depth` of the
        # experience, learning and habit of a voluntary week
        depth = np.where(compliance, p.compliance_depth, 1.0) * use
        self.experience += depth
        experienced = self.spec.tool.value + lv.get("usefulness_bonus")
        self.usefulness = self.usefulness + p.learning_rate * depth * (
            experienced - self.usefulness
        )
        self.habit = bh.grow_habit(self.habit, tr.habit_rate, use, depth)
        self.habit = bh.decay_habit(self.habit, p.habit_decay, not_used)
        # the legacy tool is practised by those who did not use the new one voluntarily:
        # compliance-only use is surface use beside the old routine
        retired = np.asarray(lv.get("legacy_retired"), dtype=bool)
        legacy_used = (not_used | compliance) & ~retired
        self.legacy_habit = bh.grow_habit(self.legacy_habit, tr.habit_rate, legacy_used)
        self.legacy_habit = bh.decay_habit(self.legacy_habit, p.habit_decay, ~legacy_used)
        threat = lv.get("threat")
        if np.any(threat):
            level = np.clip(threat, 0.0, 1.0)
            target = tr.autonomy * level
            rising = target > self.resentment
            self.resentment = np.where(
                rising,
                self.resentment + p.resentment_rate * (target - self.resentment),
                self.resentment * (1.0 - p.resentment_decay),
            )
            # controlled use crowds out intrinsic motivation (Deci, Koestner & Ryan 1999)
            controlled = compliance & (level > 0)
            self.crowding = np.where(
                controlled,
                self.crowding + p.crowding_rate * level * (1.0 - self.crowding),
                self.crowding,
            )
        else:
            self.resentment *= 1.0 - p.resentment_decay
        share = np.where(compliance, p.compliance_depth, 1.0) * use
        share = share.mean(axis=1, keepdims=True)
        tool = self.spec.tool
        self.stock = (1.0 - p.information_decay) * self.stock + tool.information_per_use * share

    def _transitions(self, use, compliance, contrib, weighted_use) -> None:
        p = self.params
        st = self.stage
        self.use_streak = np.where(use, self.use_streak + 1, 0).astype(np.int16)
        self.idle_streak = np.where(use, 0, self.idle_streak + 1).astype(np.int16)
        first = use & ~self.ever_tried
        adopt = (st == Stage.TRYING) & (self.use_streak >= p.adopt_after)
        readopt = (st == Stage.LAPSED) & (self.use_streak >= p.adopt_after)
        lapse = ((st == Stage.TRYING) | (st == Stage.ACTIVE)) & (self.idle_streak >= p.lapse_after)
        # order matters only for first-week adopters (adopt_after == 1)
        st[first & (st == Stage.AWARE)] = Stage.TRYING
        self.ever_tried |= first
        adopt |= first & (self.use_streak >= p.adopt_after)
        st[adopt] = Stage.ACTIVE
        st[readopt] = Stage.ACTIVE
        st[lapse] = Stage.LAPSED
        self.lapses += lapse
        self.compliant = np.where(use, compliance, self.compliant)
        newly_habitual = (self.habit >= p.habitual_threshold) & ~self.habitual
        self.habitual = self.habit >= p.habitual_threshold
        for mask, event in (
            (first, Event.TRIAL),
            (adopt, Event.ADOPTION),
            (readopt, Event.READOPTION),
        ):
            if mask.any():
                self._log_attributed(mask, event, contrib, weighted_use)
        self._log(lapse, Event.LAPSE, self.cause_code(OWN))
        self._log(newly_habitual, Event.HABIT, self.cause_code(OWN))

    def _log_attributed(self, mask, event, contrib, weighted_use) -> None:
        """Log events with the cause that contributed most to the utility (or 'own')."""
        rep, emp = np.nonzero(mask)
        names = list(contrib)
        parts = np.stack([np.broadcast_to(contrib[n], mask.shape)[rep, emp] for n in names])
        best = np.argmax(parts, axis=0)
        strong = parts[best, np.arange(rep.size)] > ATTRIBUTION_FLOOR
        codes = np.where(
            strong,
            np.array([self.cause_code(n) for n in names])[best],
            self.cause_code(OWN),
        )
        peers = np.full(rep.size, -1, dtype=np.int64)
        is_peer = strong & (best == names.index(PEER))
        if is_peer.any():
            peers[is_peer] = self._top_peer(rep[is_peer], emp[is_peer], weighted_use)
        self.events.add(rep, self.week, emp, event, codes, peers)

    def _top_peer(self, rep: np.ndarray, emp: np.ndarray, weighted_use: np.ndarray) -> np.ndarray:
        """For each (replicate, employee), the neighbour with the largest tie weight x use.

        Ties go to the lowest employee index; -1 where no neighbour uses the tool.
        """
        W = self.W
        starts = W.indptr[emp]
        lens = W.indptr[emp + 1] - starts
        out = np.full(rep.size, -1, dtype=np.int64)
        total = int(lens.sum())
        if total == 0:
            return out
        seg = np.repeat(np.arange(rep.size), lens)
        first = np.cumsum(lens) - lens
        pos = np.repeat(starts, lens) + (np.arange(total) - np.repeat(first, lens))
        nb = W.indices[pos]
        val = W.data[pos] * weighted_use[rep[seg], nb]
        order = np.lexsort((nb, -val, seg))  # by segment, then largest value, then index
        has_nb = lens > 0
        best = order[first[has_nb]]
        found = val[best] > 0
        out[np.flatnonzero(has_nb)[found]] = nb[best[found]]
        return out

    # --- recording -----------------------------------------------------------------------
    def _record(self) -> None:
        st = self.stage
        active = st == Stage.ACTIVE
        voluntary = active & ~self.compliant
        values = {
            "unaware_share": st == Stage.UNAWARE,
            "aware_share": st != Stage.UNAWARE,
            "trying_share": st == Stage.TRYING,
            "active_share": active,
            "lapsed_share": st == Stage.LAPSED,
            "habitual_share": self.habitual,
            "voluntary_share": voluntary,
            "compliance_share": active & self.compliant,
            "using_share": self.used,
            "ever_tried_share": self.ever_tried,
            "mean_habit": self.habit,
            "mean_legacy_habit": self.legacy_habit,
            "mean_usefulness": self.usefulness,
            "mean_resentment": self.resentment,
        }
        row = self.curves[self.week]
        for j, name in enumerate(CURVE_COLUMNS[:-1]):
            row[:, j] = values[name].mean(axis=1)
        row[:, -1] = self.stock[:, 0]
        group = np.stack([values[c] for c in GROUP_COLUMNS], axis=-1).astype(float)  # R,N,K
        for target, matrix in (
            (self.dept_curves, self.dept_matrix),
            (self.role_curves, self.role_matrix),
        ):
            # (R, N, K) x (N, G) -> (R, G, K)
            target[self.week] = np.einsum("rnk,ng->rgk", group, matrix, optimize=True)

    def total_cost(self) -> np.ndarray:
        """Total cost per replicate of all strategies over the run."""
        total = np.zeros(self.R)
        for s in self.strategies:
            total = total + s.cost(self.weeks)
        return total


#: a source must add at least this much log-odds to be named as an event's cause
ATTRIBUTION_FLOOR = 0.25


def _spmm(W: sp.csr_matrix, X: np.ndarray) -> np.ndarray:
    """(W @ X.T).T for a sparse N x N matrix and an (R, N) array."""
    if X.shape[0] == 1:
        return (W @ X[0])[np.newaxis, :]
    return np.asarray(W @ X.T).T


def _group_matrix(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Dense (N, G) matrix with 1/size for members of each group (columns average)."""
    n = codes.size
    m = np.zeros((n, n_groups))
    m[np.arange(n), codes] = 1.0
    sizes = m.sum(axis=0)
    m /= np.where(sizes > 0, sizes, 1.0)
    return m
