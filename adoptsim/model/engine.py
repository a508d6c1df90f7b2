"""The vectorised simulation: all employees of one or many replicates advance together.

State lives in NumPy arrays of shape ``(R, N)`` (replicates x employees). The organization
(one sparse adjacency) is shared by the replicates of a batch; every replicate draws from
its own named random streams, so replicate ``k`` gives the same numbers whether it runs
alone (as in :class:`adoptsim.model.AdoptionModel`) or inside a batch.

The order of a week is written once, in :meth:`Simulation.step`. The per-employee
arithmetic of each stage of the week runs in the compiled loops of :mod:`adoptsim.kernels`;
this module prepares their inputs (strategies' levers, random draws) and turns their
outputs into events with causes and into curves.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp

from adoptsim import rng as rngmod
from adoptsim.model import behavior as bh
from adoptsim.model import kernels
from adoptsim.model.people import ACTIVE, UNAWARE, Stage, Traits, draw_traits

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


class EventLog:
    """The activity stream: chunks of events as logged, made into columns once at the end
    (replicate rows are batch indices)."""

    COLUMNS = ("replicate", "week", "employee", "event", "cause", "peer")
    DTYPES = (np.int32, np.int16, np.int32, np.int8, np.int32, np.int32)

    def __init__(self) -> None:
        # (size, replicate, week, employee, event, cause, peer); week and event are numbers,
        # cause and peer a number or one per event (peer: an employee index or -1)
        self._chunks: list[tuple] = []

    def add(self, rep, week, emp, event, cause, peer) -> None:
        """Log ``len(emp)`` events (as they are: no copy, no conversion until the end)."""
        n = len(emp)
        if n:
            self._chunks.append((n, rep, int(week), emp, int(event), cause, peer))

    def __len__(self) -> int:
        return sum(c[0] for c in self._chunks)

    def arrays(self) -> dict[str, np.ndarray]:
        """Concatenated columns, in the order of logging."""
        sizes = [c[0] for c in self._chunks]
        out = {}
        for k, (name, dtype) in enumerate(zip(self.COLUMNS, self.DTYPES, strict=True)):
            parts = [c[1 + k] for c in self._chunks]
            if name in ("week", "event"):  # one number per chunk
                out[name] = np.repeat(np.asarray(parts, dtype=dtype), sizes)
            elif all(isinstance(x, np.ndarray) and x.ndim == 1 for x in parts):
                out[name] = (
                    np.concatenate(parts, dtype=dtype, casting="unsafe")
                    if parts
                    else np.zeros(0, dtype=dtype)
                )
            else:  # numbers among the arrays: fill in place
                column = out[name] = np.empty(sum(sizes), dtype=dtype)
                start = 0
                for x, n in zip(parts, sizes, strict=True):
                    column[start : start + n] = x
                    start += n
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
        # the ties for the kernels: unsigned positions (indexing needs no negative check)
        self._ties = (_unsigned(self.W.indptr), _unsigned(self.W.indices), self.W.data)
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
        self._zero_cache: dict[str, np.ndarray] = {}
        self._work: dict[str, np.ndarray] = {}  # work arrays kept from week to week
        self._ahead: dict[str, tuple[np.ndarray, int]] = {}  # draws of weeks ahead, first week
        self.resentment = np.zeros(shape)
        self.crowding = np.zeros(shape)
        # whether any resentment / crowding-out is non-zero (updated where they change)
        self._resentful = self._crowded = False
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
            from adoptsim.model.modes import build_rule

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

    def uniform(self, name: str, out: np.ndarray | None = None) -> np.ndarray:
        """An (R, N) array of U(0,1) draws, one row from each replicate's named stream
        (written into ``out`` if given)."""
        out = np.empty((self.R, self.N)) if out is None else out
        for row, g in zip(out, self.streams(name), strict=True):
            g.random(out=row)  # the same numbers as g.random(N), without a copy
        return out

    def _weekly_uniform(self, name: str) -> np.ndarray:
        """This week's (R, N) draws of a stream drawn once a week: the same numbers as
        ``uniform(name)`` every week, drawn DRAW_AHEAD weeks at a time (one call per
        replicate for several weeks: the batches of an ensemble run on threads, and every
        call lets the other threads in and waits to get back). A single replicate draws
        each week."""
        u = self._work_array(name, float).reshape(self.R, self.N)
        block, first = self._ahead.get(name, (None, 0))
        k = self.week - first
        if block is None or not 0 <= k < block.shape[1]:
            fits = DRAW_AHEAD_BYTES // (8 * self.R * self.N)  # large batches: fewer weeks
            weeks = min(DRAW_AHEAD, fits, self.weeks - self.week + 1)
            if weeks <= 1 or self.R == 1:  # one call a week anyway: straight into the array
                self._ahead.pop(name, None)
                return self.uniform(name, out=u)
            block = np.empty((self.R, weeks, self.N))
            for rows, g in zip(block, self.streams(name), strict=True):
                g.random(out=rows)  # week after week: the numbers of `weeks` weekly draws
            self._ahead[name] = (block, self.week)
            k = 0
        np.copyto(u, block[:, k])
        return u

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
           explains is compliance. Awareness and choice share one uniform draw per
           employee and week (stream ``choice``): an unaware employee's decides awareness;
           one made aware by it chooses on the draw rescaled to ``u / p``, which is uniform
           and independent of the awareness given ``u < p``.
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
        used_f = self._work_array("used_f", float).reshape(self.R, self.N)
        np.copyto(used_f, self.used)
        users = np.count_nonzero(self.used)  # counting booleans is cheaper than floats
        if self.compliant.any():
            used_f *= np.where(self.compliant, p.compliance_depth, 1.0)
        if lv.influence is None:  # nobody's weight changed: one sparse product serves both
            weighted_use = used_f
            (peer_exposure,) = self.peer_sums(
                used_f, nonzero=users, work=True
            )  # sum_j w_ij a_j m_j
            use_sums = peer_exposure  # x inv_degree: the share of tie weight on the tool
        else:
            weighted_use = used_f * influence
            peer_exposure, use_sums = self.peer_sums(weighted_use, used_f, nonzero=users, work=True)

        # one draw per employee and week decides awareness (for the unaware) or the choice
        u = self._weekly_uniform("choice")

        # 2. awareness
        self._awareness(peer_exposure, u)

        # 3. choice
        delta_free, control, contrib = self._utility(peer_exposure, use_sums)
        use, compliance = self._choose(u, delta_free, control)

        # 4. learning
        self._learn(use, compliance)

        # 5. stages
        self._transitions(use, compliance, contrib, weighted_use)
        self.used = use
        self._record()

    def _choose(self, u: np.ndarray, delta: np.ndarray, control) -> tuple[np.ndarray, np.ndarray]:
        """Who uses the tool this week, and whose use only control explains (compliance)."""
        lv = self.levers
        # `use` becomes `self.used`: of two arrays, the one last week's use is not in
        pair = [self._work_array(f"use:{k}", bool) for k in (0, 1)]
        spare = pair[1] if np.may_share_memory(self.used, pair[0]) else pair[0]
        use = spare.reshape(self.R, self.N)
        work = (use, self._work_array("voluntary", bool), self._positions())
        return decide(self.stage, lv.access, u, delta, control if lv.control else None, work=work)

    def peer_sums(
        self, *values: np.ndarray, nonzero: int | None = None, work: bool = False
    ) -> list[np.ndarray]:
        """``sum_j W[i, j] * v[r, j]`` for every (replicate r, employee i), for each (R, N)
        array ``v`` of non-negative values that are zero where ``values[-1]`` is zero.
        ``nonzero``, if given, is at least the number of non-zero ``values[-1]``; ``work``:
        into the step's work arrays (valid until the next week), not new arrays.

        While few employees have a non-zero value, only their rows of the (symmetric) tie
        matrix are added up, neighbour by neighbour in increasing index order: the same
        terms in the same order as the full sparse product, so the same numbers.
        """
        last = values[-1]
        share = SPARSE_SUM_SHARE / len(values)  # one pass over all ties serves every value
        if nonzero is None:
            nonzero = np.count_nonzero(last)
        if not self._symmetric or nonzero > share * last.size:
            # every row of W, two value arrays per pass over the ties
            size = (len(values), self.R * self.N)
            sums = (
                self._work_array("peer_sums", float, size[0] * size[1]).reshape(size)
                if work
                else np.empty(size)
            )
            for k in range(0, len(values), 2):
                pair = [_flat(v) for v in values[k : k + 2]]
                second, out2 = (pair[1], sums[k + 1]) if len(pair) == 2 else (np.zeros(0),) * 2
                kernels.gather_rows(*self._ties, pair[0], second, self.N, sums[k], out2)
            return [row.reshape(self.R, self.N) for row in sums]
        out = []
        for k, v in enumerate(values):
            sums = self._work_array(f"peer_sums:{k}", float) if work else np.empty(self.R * self.N)
            sums.fill(0.0)
            kernels.scatter_rows(*self._ties, _flat(v), self.N, sums)
            out.append(sums.reshape(self.R, self.N))
        return out

    def _awareness(self, peer_exposure: np.ndarray, u: np.ndarray) -> None:
        """The unaware whose draw ``u`` is below their probability of hearing of the tool
        become aware; their draw is rescaled to ``u / p`` for this week's choice (given
        ``u < p``, ``u / p`` is uniform on [0, 1) and independent of the awareness)."""
        p = self.params
        lv = self.levers
        names = [EXTERNAL, PEER, *lv.awareness]
        channels = [_flat_as(q, (self.R, self.N)) for q in lv.awareness.values()]
        stacked = np.stack(channels) if channels else np.zeros((0, 0))
        self.stage = _writable(self.stage)  # the kernel marks the newly aware in place
        at, which = kernels.awareness_hits(
            self.stage.reshape(-1),
            _flat(peer_exposure),
            u.reshape(-1),
            p.external_awareness,
            p.peer_awareness,
            stacked,
            self._positions(),
        )
        if at.size == 0:
            return
        rep, emp = np.divmod(at, self.N)
        codes = np.array([self.cause_code(n) for n in names])[which]
        peers = np.full(rep.size, -1, dtype=np.int64)
        is_peer = which == 1
        if is_peer.any():
            seen = self.used * self.influence if self.levers.influence is not None else self.used
            peers[is_peer] = self._top_peer(rep[is_peer], emp[is_peer], seen)
        self.events.add(rep, self.week, emp, Event.AWARENESS, codes, peers)

    def _utility(self, peer_exposure, use_sums):
        """Utility difference without control, the control term, and attributable parts
        (``use_sums``: the tie weight on users, per employee; divided by the degree, the
        share of tie weight on the tool)."""
        p = self.params
        lv = self.levers
        spec = self.spec
        tr = self.traits
        k = p.utility_scale
        shape = (self.R, self.N)
        # The formula of adoptsim.behavior, evaluated in one pass (adoptsim.kernels) term by
        # term in its written order, so every sum rounds as written; optional lever arrays
        # are read only when a strategy set them.
        empty = np.zeros(0)

        def lever(name: str) -> tuple[np.ndarray, bool]:
            value = getattr(lv, name)
            return (empty, False) if value is None else (_flat_as(value, shape), True)

        drop, has_drop = lever("legacy_drop")
        factor, has_factor = lever("effort_factor")
        support, has_support = lever("support")
        has_resent, has_crowd = self._resentful, self._crowded
        communal = spec.tool.communal_effect * bh.communal_value(self.stock, p.information_half)
        steep = p.critical_mass_steepness
        square = steep == 2.0  # the default: s * s gives the same numbers as s ** 2, faster
        innovativeness, overload = self._trait_terms()
        delta = self._work_array("delta", float).reshape(shape)
        peer_part = self._work_array("peer_part", float).reshape(shape)
        kernels.utility(
            delta.reshape(-1),
            peer_part.reshape(-1),
            _flat(use_sums) if square else self._hill_input(use_sums, steep),
            _flat(peer_exposure),
            self.inv_degree,
            _flat(self.usefulness),
            _flat(communal),
            float(spec.legacy.value),
            drop,
            _flat(self.effort),
            float(spec.tool.learning_effort),
            factor,
            support,
            _flat(self.habit),
            _flat(self.legacy_habit),
            _flat(tr.susceptibility),
            _flat(innovativeness),
            _flat(overload),
            _flat(self.resentment) if has_resent else empty,
            _flat(self.crowding) if has_crowd else empty,
            self.N,
            _floats(
                p.critical_mass**p.critical_mass_steepness,
                float(spec.tool.network_effect),
                p.w_performance,
                p.w_social,
                k,
                p.w_effort,
                p.w_facilitating,
                p.support,
                p.w_habit,
                p.intercept,
                p.reactance_penalty,
                p.crowding_penalty,
            ),
            (
                has_drop,
                has_factor,
                has_support,
                has_resent,
                has_crowd,
                square,
            ),
        )
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

    def _hill_input(self, use_sums: np.ndarray, steep: float) -> np.ndarray:
        """The clipped share of tie weight on the tool raised to ``steep``, flat."""
        share = np.clip(use_sums * self.inv_degree, 0.0, 1.0)
        return np.power(share, steep, out=share).reshape(-1)

    def _trait_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """The utility terms of fixed traits: innovativeness and tool overload (cached)."""
        tr, p = self.traits, self.params
        key = (id(tr), p.w_innovativeness, p.overload_per_tool)
        if getattr(self, "_trait_cache", (None,))[0] != key:
            terms = (p.w_innovativeness * tr.innovativeness, p.overload_per_tool * tr.tools_in_use)
            self._trait_cache = (key, terms)
        return self._trait_cache[1]

    def _zeros(self, dtype) -> np.ndarray:
        """A flat array of R * N zeros, shared (never written): a lever nobody set."""
        key = np.dtype(dtype).str
        if key not in self._zero_cache:
            self._zero_cache[key] = np.zeros(self.R * self.N, dtype=dtype)
        return self._zero_cache[key]

    def _work_array(self, name: str, dtype, size: int | None = None) -> np.ndarray:
        """A flat work array of ``size`` (default R * N) elements, the same one every week
        (its values are left from the last use): the week allocates no large arrays, which
        the allocator would return to the system and fault in again."""
        size = self.R * self.N if size is None else size
        a = self._work.get(name)
        if a is None or a.size != size or a.dtype != np.dtype(dtype):
            a = self._work[name] = np.empty(size, dtype=dtype)
        return a

    def _positions(self) -> np.ndarray:
        """The work array of positions the kernels list employees in (2 R N integers)."""
        return self._work_array("positions", np.int64, 2 * self.R * self.N)

    def _effort_lookup(self) -> np.ndarray:
        """``exp(-x / learning_weeks)`` for every whole number of weeks ``x`` a run can reach
        (the same function of the same numbers as the formula)."""
        table = self._effort_table  # experience <= weeks elapsed: one entry per week
        if table is None or table.size <= self.week:
            size = max(self.weeks, self.week) + 1
            lw = self.params.learning_weeks
            table = self._effort_table = np.exp(-np.arange(size, dtype=float) / lw)
        return table

    def _learn(self, use: np.ndarray, compliance: np.ndarray) -> None:
        p = self.params
        lv = self.levers
        tr = self.traits
        shape = (self.R, self.N)
        # A week of compliance-only use is surface use: it yields `compliance_depth` of the
        # experience, learning and habit of a voluntary week. The formulas of
        # adoptsim.behavior in their order of operations, in one pass (adoptsim.kernels):
        # experience, usefulness and habit grow for users, every habit not practised
        # decays. The legacy tool is practised by those who did not use the new one
        # voluntarily (compliance-only use is surface use beside the old routine).
        # Practised, its habit returns toward the employee's own plateau, the strength it
        # had at launch (an established routine sits at its plateau; Lally et al. 2010
        # fitted one per person); not practised, it decays.
        has_compliance = bool(compliance.any())
        whole = not has_compliance or p.compliance_depth in (0.0, 1.0)
        self._whole_weeks &= whole
        bonus, retired = lv.usefulness_bonus, lv.legacy_retired
        for name in ("usefulness", "habit", "legacy_habit", "experience", "effort"):
            setattr(self, name, _writable(getattr(self, name)))
        kernels.learn(
            use.reshape(-1),
            compliance.reshape(-1),
            float(p.compliance_depth),
            self.experience.reshape(-1),
            self.effort.reshape(-1),
            self._effort_lookup(),
            self._whole_weeks,
            self.usefulness.reshape(-1),
            float(self.spec.tool.value),
            self._zeros(float) if bonus is None else _flat_as(bonus, shape),
            float(p.learning_rate),
            self.habit.reshape(-1),
            _flat(tr.habit_rate),
            float(p.habit_decay),
            self.legacy_habit.reshape(-1),
            _flat(tr.legacy_habit),
            self._zeros(bool) if retired is None else _flat_as(retired, shape),
            n_users := np.empty(self.R, dtype=np.int64),
        )
        if not self._whole_weeks:  # effort from fractional experience: the formula itself
            users = np.flatnonzero(use)
            xp = self.experience.reshape(-1)[users]
            self.effort.reshape(-1)[users] = np.exp(-xp / p.learning_weeks)
        threat = lv.threat
        has_threat = threat is not None and bool(np.any(threat))
        if has_threat or lv.reward is not None or self._resentful:
            self.resentment = _writable(self.resentment)
            self.crowding = _writable(self.crowding)
            kernels.motivation(
                use.reshape(-1),
                compliance.reshape(-1),
                _flat_as(threat, shape) if has_threat else np.zeros(0),
                has_threat,
                _flat(tr.autonomy),
                self.resentment.reshape(-1),
                float(p.resentment_rate),
                float(p.resentment_decay),
                self.crowding.reshape(-1),
                float(p.crowding_rate),
                np.zeros(0) if lv.reward is None else _flat_as(lv.reward, shape),
                lv.reward is not None,
            )
            self._resentful = bool(self.resentment.any())
            self._crowded = bool(self.crowding.any())
        # the mean depth of use per replicate (exact: a sum of 0s and 1s unless compliance)
        if has_compliance:
            depth = np.where(compliance, p.compliance_depth, 1.0)
            depth *= use
            share = depth.mean(axis=1, keepdims=True)
        else:
            share = (n_users / self.N)[:, np.newaxis]
        tool = self.spec.tool
        self.stock = (1.0 - p.information_decay) * self.stock + tool.information_per_use * share

    def _transitions(self, use, compliance, contrib, weighted_use) -> None:
        p = self.params
        # streaks, stages, lapses, compliance and habitual flags in one pass
        # (adoptsim.kernels.transitions); each employee's events as bits of `flags`
        flags = self._work_array("flags", np.uint8)
        changed = kernels.transitions(
            self.stage.reshape(-1),
            use.reshape(-1),
            compliance.reshape(-1),
            self.compliant.reshape(-1),
            self.use_streak.reshape(-1),
            self.idle_streak.reshape(-1),
            self.ever_tried.reshape(-1),
            self.habitual.reshape(-1),
            self.lapses.reshape(-1),
            self.habit.reshape(-1),
            float(p.habitual_threshold),
            int(p.adopt_after),
            int(p.lapse_after),
            flags,
            self._positions(),
        )
        if changed.size == 0:
            return
        bits = flags[changed]
        first, adopt, readopt, lapse, newly_habitual = (
            (bits & bit) != 0
            for bit in (kernels.FIRST, kernels.ADOPT, kernels.READOPT, kernels.LAPSE, kernels.HABIT)
        )
        # trials, adoptions and re-adoptions: causes found once for everyone concerned
        kinds = [(first, Event.TRIAL), (adopt, Event.ADOPTION), (readopt, Event.READOPTION)]
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
            at = changed[mask]
            if at.size:
                rep, emp = np.divmod(at, self.N)
                self.events.add(rep, self.week, emp, event, own, -1)

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
        seen = _flat_as(weighted_use, (self.R, self.N))
        kernels.top_peer(*self._ties, rep, emp, seen, self.N, out)
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
            unused = state is self.resentment and not self._resentful  # stays 0 often
            # the mean, as ndarray.mean computes it (sum, then / N), without its overhead
            row[:, j] = 0.0 if unused else np.add.reduce(state, axis=1) / self.N
        row[:, -1] = self.stock[:, 0]
        self.dept_curves[self.week] = dept
        self.role_curves[self.week] = role

    def total_cost(self) -> np.ndarray:
        """Total cost per replicate of all strategies over the run."""
        total = np.zeros(self.R)
        for s in self.strategies:
            total = total + s.cost(self.weeks)
        return total


#: below this share of non-zero values (divided by the number of value arrays), peer sums add
#: up the rows of the non-zero ones only. Measured with one array: the rows of 20 % of
#: users cost 0.63 ms against 0.77 ms for all ties (50 x 2,000), 1.15 against 1.78 ms
#: (100,000); at 30 % the full pass wins for the batch.
SPARSE_SUM_SHARE = 0.2

#: weeks of the weekly draws drawn at once (Simulation._weekly_uniform), as long as they
#: take at most DRAW_AHEAD_BYTES: 8 weeks for the 100,000 elements of a usual batch
DRAW_AHEAD = 8
DRAW_AHEAD_BYTES = 8 * 2**20

#: a source must add at least this much log-odds to be named as an event's cause
ATTRIBUTION_FLOOR = 0.25


def _spmm(W: sp.csr_matrix, X: np.ndarray) -> np.ndarray:
    """(W @ X.T).T for a sparse N x N matrix and an (R, N) array."""
    if X.shape[0] == 1:
        return (W @ X[0])[np.newaxis, :]
    # C order for the (N, R) operand and the result: later elementwise work stays contiguous
    return np.ascontiguousarray((W @ np.ascontiguousarray(X.T)).T)


def _unsigned(a: np.ndarray) -> np.ndarray:
    """A non-negative integer array seen as unsigned (the same bytes, no copy)."""
    return a.view(np.dtype(a.dtype.str.replace("i", "u")))


def _floats(*values: float) -> tuple[float, ...]:
    """Scalar parameters for a kernel, all as Python floats (one compiled signature)."""
    return tuple(float(v) for v in values)


def _flat_as(a, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` broadcast to ``shape``, as a writable C-contiguous flat array (a copy only if
    ``a`` is not one already). Kernels see one array type, so they compile once."""
    a = np.asarray(a)
    if a.shape == shape and a.flags.c_contiguous and a.flags.writeable:
        return a.reshape(-1)
    return np.array(np.broadcast_to(a, shape), order="C").reshape(-1)


def _flat(a: np.ndarray) -> np.ndarray:
    """``a`` as a writable C-contiguous flat array (a copy only if it is not one)."""
    return _flat_as(a, a.shape)


def _writable(a: np.ndarray) -> np.ndarray:
    """``a`` itself if it can be updated in place through a flat view, else a copy."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")


def _gather(values: np.ndarray, shape: tuple[int, int], flat: np.ndarray) -> np.ndarray:
    """``broadcast_to(values, shape)`` at flat positions (without a full-size copy)."""
    values = np.asarray(values)
    if values.shape == shape:
        return values.reshape(-1)[flat] if values.flags.c_contiguous else values.flat[flat]
    return np.broadcast_to(values, shape)[np.divmod(flat, shape[1])]


def decide(
    stage: np.ndarray,
    access: np.ndarray | None,
    u: np.ndarray,
    delta: np.ndarray,
    control: np.ndarray | None,
    *,
    work: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """This week's choices of the aware with access (all where ``access`` is None): use
    when ``u < logistic(delta + control)``; the same draw against ``logistic(delta)`` says
    whether they would use it without control. Returns ``(use, compliance)`` with
    compliance = use that only control explains; arrays of shape (R, N).

    ``work``: arrays to use instead of new ones: ``use`` (returned), the voluntary choices
    (``stage.size`` elements at least) and positions (int64, ``2 * stage.size`` at least).

    Decisions are taken on a float32 estimate of the logistic (adoptsim.kernels.choose)
    and, within kernels.DECISION_MARGIN of ``u``, on the float64 logistic of
    :mod:`adoptsim.behavior`: the same booleans as float64 everywhere.
    """
    shape = stage.shape
    has_control = control is not None
    ctrl = _flat_as(control, shape) if has_control else np.zeros(0)
    if work is None:
        size = stage.size
        work = (np.empty(shape, bool), np.empty(size, bool), np.empty(2 * size, np.int64))
    use, voluntary, positions = work[0], work[1][: stage.size].reshape(shape), work[2]
    uf, df = _flat(u), _flat_as(delta, shape)
    unsure_ctrl, unsure_free = kernels.choose(
        _flat(stage),
        np.zeros(0, bool) if access is None else _flat_as(access, shape),
        access is not None,
        uf,
        df,
        ctrl,
        has_control,
        use.reshape(-1),
        voluntary.reshape(-1),
        positions,
    )
    # the few decisions too close for the estimate: float64, as in adoptsim.behavior
    if unsure_free.size:
        voluntary.reshape(-1)[unsure_free] = uf[unsure_free] < bh.logistic(df[unsure_free])
    if not has_control:
        if unsure_free.size:
            use.reshape(-1)[unsure_free] = voluntary.reshape(-1)[unsure_free]
        return use, np.zeros(shape, dtype=bool)
    if unsure_ctrl.size:
        x = df[unsure_ctrl] + ctrl[unsure_ctrl]
        use.reshape(-1)[unsure_ctrl] = uf[unsure_ctrl] < bh.logistic(x)
    return use, use & ~voluntary


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
    one count (kernels.tally) over (replicate, department, role, code) gives all the counts the
    curves need, exactly (integers), instead of one pass per column and group.
    """

    #: CURVE_COLUMNS before the mean_* columns are counts of employees
    MODEL_COLUMNS = 10
    N_CODES = 5 * 2 * 2 * 2 * 2

    def __init__(self, dept: np.ndarray, n_dept: int, role: np.ndarray, n_role: int, reps: int):
        self.n_dept, self.n_role, self.reps = n_dept, n_role, reps
        # the first count of each employee's (department, role) cell in a replicate's row
        self.cell = ((dept.astype(np.int64) * n_role + role) * self.N_CODES).astype(np.intp)
        self.n = dept.size
        # group sizes; an empty group has share 0 (count / inf)
        self.dept_size = np.bincount(dept, minlength=n_dept).astype(float)[:, None]
        self.role_size = np.bincount(role, minlength=n_role).astype(float)[:, None]
        self.dept_size[self.dept_size == 0] = np.inf
        self.role_size[self.role_size == 0] = np.inf
        self.work = np.empty(reps * n_dept * n_role * self.N_CODES, dtype=np.int32)
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
        states = (stage, habitual, compliant, used, ever_tried)
        # integer counts (exact) per code, then of the codes each column counts
        by_dept = np.zeros((self.reps, self.n_dept, self.group_select.shape[1]), dtype=np.int64)
        by_role = np.zeros((self.reps, self.n_role, self.group_select.shape[1]), dtype=np.int64)
        model = np.zeros((self.reps, self.model_select.shape[1]), dtype=np.int64)
        kernels.tally(
            *(_flat(a) for a in states),
            self.cell,
            self.n,
            self.group_select,
            self.model_select,
            by_dept,
            by_role,
            model,
            self.work,
        )
        return by_dept / self.dept_size, by_role / self.role_size, model.astype(float)
