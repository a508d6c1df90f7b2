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
from adoptsim.people import ACTIVE, AWARE, LAPSED, TRYING, UNAWARE, Stage, Traits, draw_traits

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
    * ``control[source]``: log-odds of external pressure, a mandate or a tangible reward
      (use counted as compliance when only this made the employee use the tool);
    * ``threat``: 0..1 intensity of freedom threat; moves resentment toward the employee's
      need for autonomy;
    * ``legacy_drop``: usefulness units taken off the legacy tool (through
      :meth:`drop_legacy`, which attributes the log-odds it adds to the new tool);
      ``legacy_retired``: the legacy tool can no longer be used (its habit only decays);
    * ``influence``: multiplier of an employee's weight in their neighbours' decisions;
    * ``usefulness_bonus``: experienced usefulness added (a use case for the group);
    * ``effort_factor``: multiplier of effort expectancy (training lowers it);
    * ``support``: facilitating conditions added;
    * ``access``: who may use the tool at all (a pilot restricts it);
    * ``reward``: 0..1 salience of a tangible reward for this week's use; each rewarded
      week of use moves the user's crowding-out toward 1 (incentives).
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
        "reward",
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
        "reward": 0.0,
    }

    def __init__(self, shape: tuple[int, int]):
        self.shape = shape
        self.awareness: dict[str, np.ndarray] = {}
        self.utility: dict[str, np.ndarray] = {}
        self.control: dict[str, np.ndarray] = {}
        self.legacy_drop_by: dict[str, np.ndarray] = {}
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
        self._accumulate(self.utility, source, values)

    def add_control(self, source: str, values: np.ndarray) -> None:
        """Add log-odds of compliance pressure (broadcast to (R, N)), attributed to source."""
        self._accumulate(self.control, source, values)

    def drop_legacy(self, source: str, mask: np.ndarray, units: float) -> None:
        """Take ``units`` of usefulness off the legacy tool where ``mask`` (broadcast to
        (R, N)); the log-odds this adds to the new tool are attributed to ``source``."""
        self.array("legacy_drop")[np.broadcast_to(mask, self.shape)] += units
        self._accumulate(self.legacy_drop_by, source, units * np.asarray(mask, dtype=float))

    def _accumulate(self, terms: dict[str, np.ndarray], source: str, values) -> None:
        v = np.broadcast_to(values, self.shape)
        terms[source] = terms[source] + v if source in terms else np.array(v, dtype=float)

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
        self._sorted_ties = bool(self.W.has_sorted_indices) and not _has_duplicates(self.W)
        # a symmetric W lets the peer sums add up only the rows of those who used the tool
        self._symmetric = self._sorted_ties and (self.W != self.W.T).nnz == 0
        deg = np.asarray(self.W.sum(axis=1)).ravel()
        self.inv_degree = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-300), 0.0)
        self._tally = _Tally(org.department, len(org.departments), org.role, 3, self.R)

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
        self.effort = np.ones(shape)  # exp(-experience / learning_weeks), before tool factors
        self._whole_weeks = True  # experience is a whole number of weeks everywhere
        self._effort_table: np.ndarray | None = None
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

        # modes bass and threshold replace the utility logit (adoptsim.modes)
        self.rule = None
        if self.params.mode != "utility":
            from adoptsim.modes import build_rule

            self.rule = build_rule(self)

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
        out = np.empty((self.R, self.N))
        for row, g in zip(out, self.streams(name), strict=True):
            g.random(out=row)  # the same numbers as g.random(N), without a copy
        return out

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
        new = mask & (self.stage == UNAWARE)
        self.stage[new] = Stage.AWARE
        self._log(new, Event.AWARENESS, self.cause_code(cause))

    def make_active(self, mask: np.ndarray, cause: str) -> None:
        """Make the employees in ``mask`` active users now (e.g. evangelists)."""
        self.make_aware(mask, cause)
        trial = mask & ~self.ever_tried
        self._log(trial, Event.TRIAL, self.cause_code(cause))
        new = mask & (self.stage != ACTIVE)
        self.stage[mask] = Stage.ACTIVE
        self.ever_tried |= mask
        self.used |= mask
        self.use_streak[mask] = np.maximum(self.use_streak[mask], self.params.adopt_after)
        self.idle_streak[mask] = 0
        self._log(new, Event.ADOPTION, self.cause_code(cause))

    def log_strategy_event(
        self, label: str, week: int, detail: str, mask: np.ndarray | None = None
    ) -> None:
        """Record a strategy-level event (e.g. an adapt rule firing) in the replicates where
        ``mask`` (one bool per replicate of the batch) is true; all of them by default."""
        rows = np.arange(self.R) if mask is None else np.flatnonzero(mask)
        for b in rows:
            self.strategy_events.append(
                {"replicate": self.replicates[b], "week": week, "strategy": label, "detail": detail}
            )
        self.events.add(
            rows, week, np.full(rows.size, -1), Event.STRATEGY, self.cause_code(label), -1
        )

    def _log(self, mask: np.ndarray, event: Event, cause, peer=-1) -> None:
        flat = np.flatnonzero(np.broadcast_to(mask, (self.R, self.N)))
        if flat.size:
            shape = (self.R, self.N)
            if not np.isscalar(cause):
                cause = _gather(cause, shape, flat)
            if not np.isscalar(peer):
                peer = _gather(peer, shape, flat)
            rep, emp = np.divmod(flat, self.N)
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

        In ``behavior.mode`` bass or threshold, the mode's rule (:mod:`adoptsim.modes`)
        replaces steps 2-5: adoption on decision, no lapses.
        """
        self.week += 1
        t = self.week
        p = self.params
        lv = self.levers = Levers((self.R, self.N))
        # 1. strategies
        for s in self.strategies:
            s.apply(self, t)
        if self.rule is not None:  # modes bass / threshold: their rule is steps 2-5
            self.rule.step(self)
            self._record()
            return

        # neighbours' use last week, weighted by their influence
        influence = lv.get("influence")
        self.influence = np.broadcast_to(influence, (self.R, self.N))
        # what neighbours see: voluntary use counts fully, compliance-only use (surface use)
        # counts `compliance_visibility`
        used_f = self.used.astype(float)
        if self.compliant.any():
            used_f *= np.where(self.compliant, p.compliance_depth, 1.0)
        if lv.influence is None:  # nobody's weight changed: one sparse product serves both
            weighted_use = used_f
            (peer_exposure,) = self.peer_sums(used_f)  # sum_j w_ij a_j m_j
            use_share = peer_exposure * self.inv_degree  # share of tie weight on the tool
        else:
            weighted_use = used_f * influence
            peer_exposure, plain = self.peer_sums(weighted_use, used_f)
            use_share = plain * self.inv_degree

        # 2. awareness
        self._awareness(peer_exposure)

        # 3. choice
        delta_free, control, contrib = self._utility(peer_exposure, use_share)
        access = lv.get("access")
        eligible = (self.stage != UNAWARE) & access
        u = self.uniform("choice")
        # use when u < logistic(delta), decided as in float64 (see _below_logistic)
        if lv.control:
            use = eligible & _below_logistic(u, delta_free + control)
            voluntary = eligible & _below_logistic(u, delta_free)
            compliance = use & ~voluntary
        else:  # no control pressure: all use is voluntary
            use = eligible & _below_logistic(u, delta_free)
            compliance = np.zeros_like(use)

        # 4. learning
        self._learn(use, compliance)

        # 5. stages
        self._transitions(use, compliance, contrib, weighted_use)
        self.used = use
        self._record()

    def peer_sums(self, *values: np.ndarray) -> list[np.ndarray]:
        """``sum_j W[i, j] * v[r, j]`` for every (replicate r, employee i), for each (R, N)
        array ``v`` of non-negative values that are zero where ``values[-1]`` is zero.

        While few employees have a non-zero value, only their rows of the (symmetric) tie
        matrix are added up, neighbour by neighbour in increasing index order: the same
        terms in the same order as the full sparse product, so the same numbers.
        """
        last = values[-1]
        nz = np.flatnonzero(last)
        if not self._symmetric or nz.size > SPARSE_SUM_SHARE * last.size:
            return [_spmm(self.W, v) for v in values]
        W, N = self.W, self.N
        rep, emp = np.divmod(nz, N)
        lens = W.indptr[emp + 1] - W.indptr[emp]
        total = int(lens.sum())
        starts = np.cumsum(lens) - lens
        pos = np.repeat(W.indptr[emp] - starts, lens) + np.arange(total)
        bins = W.indices[pos] if self.R == 1 else np.repeat(rep * N, lens) + W.indices[pos]
        weight = W.data[pos]
        out = []
        for v in values:
            terms = weight * np.repeat(v.reshape(-1)[nz], lens)
            out.append(np.bincount(bins, terms, minlength=self.R * N).reshape(self.R, N))
        return out

    def _awareness(self, peer_exposure: np.ndarray) -> None:
        p = self.params
        lv = self.levers
        u = self.uniform("awareness")  # drawn for everyone every week: streams stay aligned
        # only the unaware can become aware: compute on their (flat) positions only
        idx = np.flatnonzero(self.stage == UNAWARE)
        if idx.size == 0:
            return
        names = [EXTERNAL, PEER, *lv.awareness]
        exposure = peer_exposure.reshape(-1)[idx]
        q_peer = np.zeros(idx.size)  # -expm1(-a * 0) is 0: only the exposed need the exp
        exposed = exposure > 0
        q_peer[exposed] = -np.expm1(-p.peer_awareness * exposure[exposed])
        channels = [np.asarray(q).reshape(-1)[idx] for q in lv.awareness.values()]
        # the chance to stay unaware, multiplied in the order of `names`
        stay = 1.0 - q_peer
        stay *= 1.0 - p.external_awareness
        for q in channels:
            stay *= 1.0 - q
        hit = u.reshape(-1)[idx] < 1.0 - stay
        if not hit.any():
            return
        rep, emp = np.divmod(idx[hit], self.N)
        probs = [np.full(rep.size, p.external_awareness), q_peer[hit], *(q[hit] for q in channels)]
        which = np.argmax(np.stack(probs), axis=0)
        codes = np.array([self.cause_code(n) for n in names])[which]
        peers = np.full(rep.size, -1, dtype=np.int64)
        is_peer = which == 1
        if is_peer.any():
            seen = self.used * self.influence if self.levers.influence is not None else self.used
            peers[is_peer] = self._top_peer(rep[is_peer], emp[is_peer], seen)
        self.stage[rep, emp] = Stage.AWARE
        self.events.add(rep, self.week, emp, Event.AWARENESS, codes, peers)

    def _utility(self, peer_exposure, use_share):
        """Utility difference without control, the control term, and attributable parts."""
        p = self.params
        lv = self.levers
        spec = self.spec
        tr = self.traits
        k = p.utility_scale
        # The formula of adoptsim.behavior, evaluated term by term in its written order (so
        # every sum rounds as written) on work arrays reused in place; terms that are zero
        # for everyone are skipped (adding 0.0 changes nothing), the traits' terms cached.
        connective = bh.connective_value(use_share, p.critical_mass, p.critical_mass_steepness)
        if spec.tool.network_effect != 1.0:
            connective *= spec.tool.network_effect
        communal = spec.tool.communal_effect * bh.communal_value(self.stock, p.information_half)
        legacy_value = spec.legacy.value - lv.get("legacy_drop")
        # effort: exp(-experience / learning_weeks), kept up to date by _learn
        effort = self.effort.copy()
        if spec.tool.learning_effort != 1.0:
            effort *= spec.tool.learning_effort
        if lv.effort_factor is not None:
            effort *= lv.effort_factor
        social = tr.susceptibility * peer_exposure
        social *= self.inv_degree
        support = np.minimum(1.0, p.support + lv.get("support"))
        peer_part = connective
        peer_part *= p.w_performance
        social *= p.w_social
        peer_part += social
        peer_part *= k
        delta = self.usefulness + communal
        delta -= legacy_value
        delta *= p.w_performance
        effort *= p.w_effort
        delta -= effort
        delta += p.w_facilitating * support
        habits = self.habit - self.legacy_habit
        habits *= p.w_habit
        delta += habits
        delta *= k
        delta += p.intercept
        delta += peer_part
        innovativeness, overload = self._trait_terms()
        delta += innovativeness
        delta -= overload
        if self.resentment.any():
            delta -= p.reactance_penalty * self.resentment
        if self.crowding.any():
            delta -= p.crowding_penalty * self.crowding
        contrib = {PEER: peer_part}
        for source, values in lv.utility.items():
            delta += values
            contrib[source] = values
        for source, units in lv.legacy_drop_by.items():  # included in legacy_value above
            part = (k * p.w_performance) * units
            contrib[source] = contrib[source] + part if source in contrib else part
        control = 0.0
        for source, values in lv.control.items():
            control = control + values
            contrib[source] = contrib[source] + values if source in contrib else values
        return delta, control, contrib

    def _trait_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """The utility terms of fixed traits: innovativeness and tool overload (cached)."""
        tr, p = self.traits, self.params
        key = (id(tr), p.w_innovativeness, p.overload_per_tool)
        if getattr(self, "_trait_cache", (None,))[0] != key:
            terms = (p.w_innovativeness * tr.innovativeness, p.overload_per_tool * tr.tools_in_use)
            self._trait_cache = (key, terms)
        return self._trait_cache[1]

    def _effort_of(self, experience: np.ndarray, whole: bool) -> np.ndarray:
        """``exp(-experience / learning_weeks)``, looked up while every employee's experience
        is a whole number of weeks (``whole``: this week added 0 or 1 everywhere)."""
        lw = self.params.learning_weeks
        self._whole_weeks &= whole
        if not self._whole_weeks:
            return np.exp(-experience / lw)
        table = self._effort_table  # experience <= weeks elapsed: one entry per week
        if table is None or table.size <= self.week:
            # the same function of the same numbers as the formula
            size = max(self.weeks, self.week) + 1
            table = self._effort_table = np.exp(-np.arange(size, dtype=float) / lw)
        return table[experience.astype(np.intp)]

    def _learn(self, use: np.ndarray, compliance: np.ndarray) -> None:
        p = self.params
        lv = self.levers
        tr = self.traits
        shape = (self.R, self.N)
        # a week of compliance-only use is surface use: it yields `compliance_depth` of the
        # experience, learning and habit of a voluntary week
        # The formulas of adoptsim.behavior in their order of operations, applied where
        # they change something: experience, usefulness and habit grow for users only (for
        # the others the growth term is 0), and every habit not practised decays.
        users = np.flatnonzero(use)
        whole = True  # this week's depth is 0 or 1 everywhere
        if compliance.any():  # depth = where(compliance, compliance_depth, 1) for users
            depth_u = np.where(compliance.reshape(-1)[users], p.compliance_depth, 1.0)
            whole = p.compliance_depth in (0.0, 1.0)
        else:
            depth_u = np.ones(users.size)
        flat = self.experience.reshape(-1)
        xp = flat[users] + depth_u
        flat[users] = xp
        self.effort.reshape(-1)[users] = self._effort_of(xp, whole)
        rate = np.ascontiguousarray(tr.habit_rate).reshape(-1)
        experienced = self.spec.tool.value + lv.get("usefulness_bonus")
        if not np.isscalar(experienced):
            experienced = np.broadcast_to(experienced, shape).reshape(-1)[users]
        self.usefulness = _writable(self.usefulness)
        flat = self.usefulness.reshape(-1)
        before = flat[users]
        flat[users] = before + p.learning_rate * depth_u * (experienced - before)
        # habit for the new tool: grow_habit where used, decay_habit elsewhere
        self.habit = _writable(self.habit)
        flat = self.habit.reshape(-1)
        before = flat[users]
        self.habit *= 1.0 - p.habit_decay
        flat[users] = before + rate[users] * depth_u * (1.0 - before)
        # the legacy tool is practised by those who did not use the new one voluntarily:
        # compliance-only use is surface use beside the old routine. Practised, its habit
        # returns toward the employee's own plateau, the strength it had at launch (an
        # established routine sits at its plateau; Lally et al. 2010 fitted one per person);
        # not practised, it decays.
        legacy_used = ~use
        if compliance.any():
            legacy_used |= compliance
        if lv.legacy_retired is not None:
            legacy_used &= ~lv.legacy_retired
        idle = np.flatnonzero(~legacy_used)
        self.legacy_habit = _writable(self.legacy_habit)
        flat = self.legacy_habit.reshape(-1)
        before = flat[idle]
        grow = tr.legacy_habit - self.legacy_habit
        grow *= tr.habit_rate
        self.legacy_habit += grow  # h + rate * (plateau - h)
        flat[idle] = before * (1.0 - p.habit_decay)
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
        elif self.resentment.any():
            self.resentment *= 1.0 - p.resentment_decay
        if lv.reward is not None:
            # rewarded use crowds out intrinsic motivation (Deci, Koestner & Ryan 1999)
            rewarded = use & (lv.reward > 0)
            self.crowding = np.where(
                rewarded,
                self.crowding + p.crowding_rate * lv.reward * (1.0 - self.crowding),
                self.crowding,
            )
        # the mean depth of use per replicate (exact: a sum of 0s and 1s unless compliance)
        if compliance.any():
            depth = np.zeros(shape)
            depth.reshape(-1)[users] = depth_u
            share = depth.mean(axis=1, keepdims=True)
        else:
            share = (np.count_nonzero(use, axis=1) / self.N)[:, np.newaxis]
        tool = self.spec.tool
        self.stock = (1.0 - p.information_decay) * self.stock + tool.information_per_use * share

    def _transitions(self, use, compliance, contrib, weighted_use) -> None:
        p = self.params
        st = self.stage
        # use_streak = where(use, use_streak + 1, 0); idle_streak = where(use, 0, idle + 1)
        self.use_streak += 1
        self.use_streak *= use
        self.idle_streak += 1
        self.idle_streak *= ~use
        first = use & ~self.ever_tried
        adopt = (st == TRYING) & (self.use_streak >= p.adopt_after)
        readopt = (st == LAPSED) & (self.use_streak >= p.adopt_after)
        lapse = ((st == TRYING) | (st == ACTIVE)) & (self.idle_streak >= p.lapse_after)
        # order matters only for first-week adopters (adopt_after == 1)
        st[first & (st == AWARE)] = Stage.TRYING
        self.ever_tried |= first
        adopt |= first & (self.use_streak >= p.adopt_after)
        st[adopt] = Stage.ACTIVE
        st[readopt] = Stage.ACTIVE
        st[lapse] = Stage.LAPSED
        self.lapses += lapse
        if compliance.any() or self.compliant.any():
            self.compliant = np.where(use, compliance, self.compliant)
        habitual = self.habit >= p.habitual_threshold
        newly_habitual = habitual & ~self.habitual
        self.habitual = habitual
        # the week's events: find everyone concerned in one pass, then log kind by kind
        changed = np.flatnonzero(first | adopt | readopt | lapse | newly_habitual)
        if changed.size == 0:
            return
        # trials, adoptions and re-adoptions: causes found once for everyone concerned
        kinds = [
            (mask.reshape(-1)[changed], event)
            for mask, event in (
                (first, Event.TRIAL),
                (adopt, Event.ADOPTION),
                (readopt, Event.READOPTION),
            )
        ]
        attributed = kinds[0][0] | kinds[1][0] | kinds[2][0]
        if attributed.any():
            at = changed[attributed]
            codes, peers = self._attribute(at, contrib, weighted_use)
            rep, emp = np.divmod(at, self.N)
            for chosen, event in kinds:
                k = chosen[attributed]
                if k.any():
                    self.events.add(rep[k], self.week, emp[k], event, codes[k], peers[k])
        own = self.cause_code(OWN)
        for mask, event in ((lapse, Event.LAPSE), (newly_habitual, Event.HABIT)):
            at = changed[mask.reshape(-1)[changed]]
            if at.size:
                rep, emp = np.divmod(at, self.N)
                self.events.add(rep, self.week, emp, event, own, -1)

    def _log_attributed(self, mask, event, contrib, weighted_use) -> None:
        """Log events with the cause that contributed most to the utility (or 'own')."""
        self._log_attributed_at(np.flatnonzero(mask), event, contrib, weighted_use)

    def _log_attributed_at(self, flat, event, contrib, weighted_use) -> None:
        """:meth:`_log_attributed` for the flat (replicate * N + employee) positions."""
        codes, peers = self._attribute(flat, contrib, weighted_use)
        rep, emp = np.divmod(flat, self.N)
        self.events.add(rep, self.week, emp, event, codes, peers)

    def _attribute(self, flat, contrib, weighted_use) -> tuple[np.ndarray, np.ndarray]:
        """Cause codes and peers (or -1) of the choices at flat positions: the source that
        added most log-odds, if at least ATTRIBUTION_FLOOR, else 'own'."""
        shape = (self.R, self.N)
        names = list(contrib)
        parts = np.stack([_gather(contrib[n], shape, flat) for n in names])
        best = np.argmax(parts, axis=0)
        strong = parts[best, np.arange(flat.size)] > ATTRIBUTION_FLOOR
        codes = np.where(
            strong,
            np.array([self.cause_code(n) for n in names])[best],
            self.cause_code(OWN),
        )
        peers = np.full(flat.size, -1, dtype=np.int64)
        is_peer = strong & (best == names.index(PEER))
        if is_peer.any():
            rep, emp = np.divmod(flat[is_peer], self.N)
            peers[is_peer] = self._top_peer(rep, emp, weighted_use)
        return codes, peers

    def _top_peer(self, rep: np.ndarray, emp: np.ndarray, weighted_use: np.ndarray) -> np.ndarray:
        """For each (replicate, employee), the neighbour with the largest tie weight x use.

        Ties go to the lowest employee index; -1 where no neighbour uses the tool.
        """
        out = np.full(rep.size, -1, dtype=np.int64)
        if rep.size == 0:
            return out
        # the rows of the employees concerned, one segment each (neighbours in W's order)
        W = self.W
        if emp.size > 4000:  # SciPy's row slicing: fast, but with a fixed cost
            sub = W[emp]
            starts, nb, weight = sub.indptr[:-1], sub.indices, sub.data
            lens = np.diff(sub.indptr)
        else:
            lens = W.indptr[emp + 1] - W.indptr[emp]
            starts = np.cumsum(lens) - lens
            pos = np.repeat(W.indptr[emp] - starts, lens) + np.arange(starts[-1] + lens[-1])
            nb, weight = W.indices[pos], W.data[pos]
        cell = nb if self.R == 1 else np.repeat(rep * self.N, lens) + nb
        val = weight * _gather(weighted_use, (self.R, self.N), cell)
        has_nb = lens > 0
        first = starts[has_nb]
        if first.size == 0:
            return out
        top = np.maximum.reduceat(val, first)
        if self._sorted_ties:
            # neighbours are in increasing index order within a row, so the first position
            # holding its segment's maximum is the lowest index among the largest values
            hits = np.flatnonzero(val == np.repeat(top, lens[has_nb]))
            best = hits[np.searchsorted(hits, first)]
        else:
            seg = np.repeat(np.arange(rep.size), lens)
            order = np.lexsort((nb, -val, seg))  # by segment, then largest value, then index
            best = order[first]
        found = top > 0
        out[np.flatnonzero(has_nb)[found]] = nb[best[found]]
        return out

    # --- recording -----------------------------------------------------------------------
    def _record(self) -> None:
        """The week's curves: shares from one count of state codes per group, then means."""
        row = self.curves[self.week]
        n_model = _Tally.MODEL_COLUMNS
        dept, role, model = self._tally.count(
            self.stage, self.habitual, self.compliant, self.used, self.ever_tried
        )
        row[:, :n_model] = model / self.N  # == mean of the boolean masks, to the last digit
        for name, state in (
            ("mean_habit", self.habit),
            ("mean_legacy_habit", self.legacy_habit),
            ("mean_usefulness", self.usefulness),
            ("mean_resentment", self.resentment),
        ):
            j = CURVE_COLUMNS.index(name)
            unused = state is self.resentment and not state.any()  # resentment stays 0 often
            row[:, j] = 0.0 if unused else state.mean(axis=1)
        row[:, -1] = self.stock[:, 0]
        self.dept_curves[self.week] = dept
        self.role_curves[self.week] = role

    def total_cost(self) -> np.ndarray:
        """Total cost per replicate of all strategies over the run."""
        total = np.zeros(self.R)
        for s in self.strategies:
            total = total + s.cost(self.weeks)
        return total


#: below this share of non-zero values, peer sums add up the rows of the non-zero ones only
#: (a sparse product streams every tie at about 1.6 ns; gathering one costs about 10 ns)
SPARSE_SUM_SHARE = 0.1

#: a source must add at least this much log-odds to be named as an event's cause
ATTRIBUTION_FLOOR = 0.25


def _spmm(W: sp.csr_matrix, X: np.ndarray) -> np.ndarray:
    """(W @ X.T).T for a sparse N x N matrix and an (R, N) array."""
    if X.shape[0] == 1:
        return (W @ X[0])[np.newaxis, :]
    # C order for the (N, R) operand and the result: later elementwise work stays contiguous
    return np.ascontiguousarray((W @ np.ascontiguousarray(X.T)).T)


def _writable(a: np.ndarray) -> np.ndarray:
    """``a`` itself if it can be updated in place through a flat view, else a copy."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")


def _gather(values: np.ndarray, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
    """``broadcast_to(values, shape)`` at flat positions (without a full-size copy)."""
    values = np.asarray(values)
    if values.shape == shape:
        return values.reshape(-1)[flat] if values.flags.c_contiguous else values.flat[flat]
    return np.broadcast_to(values, shape)[np.divmod(flat, shape[1])]


#: decisions with |u - p| at least this are taken on a float32 estimate of p, whose error is
#: below 1e-6 (see _below_logistic); closer ones are recomputed in float64
DECISION_MARGIN = 1e-4
# The bound: rounding x to float32 moves p by at most max|x p (1 - p)| 2**-24 < 2e-8; float32
# exp, 1 + e and 1 / (...) add a few float32 ulps of p (< 5e-7); rounding u and the
# difference add 2**-24 each. Beyond |x| = 88 float32 exp saturates (p = 0 or 1) while the
# exact p is within 1e-38 of it, and u < 1e-4 is always recomputed.


def _below_logistic(u: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``u < behavior.logistic(x)`` elementwise, the same booleans as in float64, faster.

    The logistic is estimated in float32 (``1 / (1 + exp(-x))``: rounding x, exp and the
    division moves it by less than 1e-6); only where ``u`` lies within DECISION_MARGIN of
    the estimate is the float64 logistic computed, so every decision equals the exact one.
    """
    with np.errstate(over="ignore"):
        est = np.exp(-np.asarray(x, dtype=np.float32))
    est += np.float32(1.0)
    np.reciprocal(est, out=est)
    gap = np.asarray(u, dtype=np.float32)
    gap -= est
    below = gap < 0
    np.abs(gap, out=gap)
    unsure = np.flatnonzero(gap < DECISION_MARGIN)
    if unsure.size:
        xs = np.broadcast_to(x, below.shape).reshape(-1)[unsure]
        below.reshape(-1)[unsure] = u.reshape(-1)[unsure] < bh.logistic(xs)
    return below


def _has_duplicates(W: sp.csr_matrix) -> bool:
    """Whether a row of ``W`` (with sorted indices) names a neighbour twice."""
    same = W.indices[1:] == W.indices[:-1]
    row_starts = np.zeros(W.indices.size, dtype=bool)
    inner = W.indptr[1:-1]
    row_starts[inner[inner < W.indices.size]] = True
    return bool(np.any(same & ~row_starts[1:]))


class _Tally:
    """Counts of employees by state, per replicate and per department and role, at once.

    Every employee gets a small state code (stage, habitual, compliant, used, ever tried);
    one ``np.bincount`` over (replicate, department, role, code) gives all the counts the
    curves need, exactly (integers), instead of one pass per column and group.
    """

    #: CURVE_COLUMNS before the mean_* columns are counts of employees
    MODEL_COLUMNS = 10
    N_CODES = 5 * 2 * 2 * 2 * 2

    def __init__(self, dept: np.ndarray, n_dept: int, role: np.ndarray, n_role: int, reps: int):
        self.n_dept, self.n_role, self.reps = n_dept, n_role, reps
        groups = n_dept * n_role
        self.bins = reps * groups * self.N_CODES
        cell = (dept.astype(np.int64) * n_role + role) * self.N_CODES
        self.base = (np.arange(reps, dtype=np.int64)[:, None] * groups * self.N_CODES) + cell
        # group sizes; an empty group has share 0 (count / inf)
        self.dept_size = np.bincount(dept, minlength=n_dept).astype(float)[:, None]
        self.role_size = np.bincount(role, minlength=n_role).astype(float)[:, None]
        self.dept_size[self.dept_size == 0] = np.inf
        self.role_size[self.role_size == 0] = np.inf
        code = np.arange(self.N_CODES)
        stage, habitual = code % 5, (code // 5) % 2 == 1
        compliant, used, ever = (code // 10) % 2 == 1, (code // 20) % 2 == 1, code // 40 == 1
        active = stage == Stage.ACTIVE
        model = {
            "unaware_share": stage == Stage.UNAWARE,
            "aware_share": stage != Stage.UNAWARE,
            "trying_share": stage == Stage.TRYING,
            "active_share": active,
            "lapsed_share": stage == Stage.LAPSED,
            "habitual_share": habitual,
            "voluntary_share": active & ~compliant,
            "compliance_share": active & compliant,
            "using_share": used,
            "ever_tried_share": ever,
        }
        # which codes count toward each column: (codes, columns) 0/1 matrices
        columns = CURVE_COLUMNS[: self.MODEL_COLUMNS]
        self.model_select = np.stack([model[c] for c in columns], axis=1).astype(np.int64)
        self.group_select = np.stack([model[c] for c in GROUP_COLUMNS], axis=1).astype(np.int64)

    def count(self, stage, habitual, compliant, used, ever_tried):
        """Shares per (replicate, department, column), per (replicate, role, column) and
        counts per (replicate, model column)."""
        code = stage.astype(np.uint8)
        for flag, weight in ((habitual, 5), (compliant, 10), (used, 20), (ever_tried, 40)):
            code += flag.view(np.uint8) * np.uint8(weight)
        counts = np.bincount((self.base + code).ravel(), minlength=self.bins)
        # integer sums (exact; no BLAS call, whose threads would wake for tiny products)
        counts = counts.reshape(self.reps, self.n_dept, self.n_role, self.N_CODES)
        by_dept = counts.sum(axis=2) @ self.group_select  # (R, D, K)
        by_role = counts.sum(axis=1) @ self.group_select  # (R, 3, K)
        model = counts.sum(axis=(1, 2)) @ self.model_select  # (R, columns)
        return by_dept / self.dept_size, by_role / self.role_size, model.astype(float)
