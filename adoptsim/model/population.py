"""The employees of a batch of replicates: their state arrays, random streams and
events, and the changes of state strategies make (the week itself is
:class:`adoptsim.model.engine.Simulation`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from adoptsim import rng as rngmod
from adoptsim.model import peers
from adoptsim.model.arrays import flat, flat_as, gather
from adoptsim.model.behavior import BehaviorParams
from adoptsim.model.levers import Levers
from adoptsim.model.people import ACTIVE, UNAWARE, Stage, Traits, draw_traits
from adoptsim.model.records import EXTERNAL, OWN, PEER, Event, EventLog
from adoptsim.model.state import BatchState, capture, restore
from adoptsim.org import centrality

if TYPE_CHECKING:
    from adoptsim.model.spec import ScenarioLike
    from adoptsim.org import Organization

#: weeks of the weekly draws drawn at once (Population._weekly_uniform), as long as they
#: take at most DRAW_AHEAD_BYTES: 8 weeks for the 100,000 elements of a usual batch
DRAW_AHEAD = 8
DRAW_AHEAD_BYTES = 8 * 2**20


#: parameters a batch's replicates may each hold their own value of (scenario paths)
REPLICATE_PARAMETERS = (
    "behavior.w_social",
    "behavior.w_habit",
    "behavior.intercept",
    "behavior.external_awareness",
    "behavior.peer_awareness",
    "tool.network_effect",
    "tool.value",
    "behavior.critical_mass",
    "legacy.habit.mean",
)


class Population:
    """The state of every employee in every replicate of a batch, (R, N) arrays.

    ``replicates`` are the replicate indices (they pick the random streams and label the
    output); the batch dimension of every state array follows their order. ``values`` give
    replicates their own value of the parameters in :data:`REPLICATE_PARAMETERS`.
    ``streams_of`` (one per replicate) picks the random streams instead: a batch of several
    sweep points labels its rows 0, 1, ... while row ``i`` draws from replicate
    ``streams_of[i]``'s streams (common random numbers across the points; a label instead
    of an index gives a row streams of its own, :func:`adoptsim.rng.stream`).

    The state of a batch is a value: :meth:`state` takes it out, :meth:`restore` puts one
    back and :meth:`resume` continues one (saving at week 12 and continuing:
    :mod:`adoptsim.model.state`).
    """

    def __init__(
        self,
        spec: ScenarioLike,
        org: Organization,
        seed: int,
        replicates: list[int] | range,
        source: str | None = None,
        values: dict[str, np.ndarray] | None = None,
        streams_of: Sequence[rngmod.StreamKey] | None = None,
    ):
        self.spec = spec
        #: per-replicate values of the parameters in REPLICATE_PARAMETERS (one per replicate
        #: of this batch, in its order); the others are the scenario's
        self.values = {k: np.asarray(v, dtype=float) for k, v in (values or {}).items()}
        self.org = org
        self.seed = int(seed)
        self.replicates = list(replicates)
        self._stream_keys = self.replicates if streams_of is None else list(streams_of)
        if len(self._stream_keys) != len(self.replicates):
            raise ValueError("streams_of needs one replicate index per replicate")
        self.source = source
        self.R = len(self.replicates)
        self.N = org.n
        self.params: BehaviorParams = spec.behavior
        self.week = 0
        self.weeks = spec.weeks
        self._streams: dict[str, list[np.random.Generator]] = {}
        self._centrality: dict[str, np.ndarray] = {}
        self._zero_cache: dict[str, np.ndarray] = {}
        self._work: dict[str, np.ndarray] = {}  # work arrays kept from week to week
        self._ahead: dict[str, tuple[np.ndarray, int]] = {}  # draws of weeks ahead, first week
        self._set_ties(org.adjacency)
        self.traits: Traits = draw_traits(
            spec,
            org,
            self.streams("traits"),
            self.per_replicate("legacy.habit.mean", spec.legacy.habit.mean),
        )
        self._set_state()
        self.levers = Levers((self.R, self.N))
        self.causes: list[str] = [OWN, EXTERNAL, PEER]
        self._cause_index = {c: i for i, c in enumerate(self.causes)}
        self.events = EventLog()
        self.strategy_events: list[dict[str, Any]] = []
        self.strategy_rows: list[int] = []  # the batch row of each strategy event
        self._start()

    # --- the state as a value ------------------------------------------------------------
    def state(self, events: bool = True, copy: bool = True) -> BatchState:
        """The batch's state at the end of this week, as a value (see
        :mod:`adoptsim.model.state`); ``events=False`` leaves the events so far out;
        ``copy=False`` for a state taken (``take``) at once."""
        return capture(self, events, copy)

    def restore(self, state: BatchState, copy: bool = True) -> None:
        """Continue from ``state`` (taken on this organization): the week, every replicate's
        arrays, streams and parameters, the strategies' state and the records so far
        (``copy=False``: adopting the state's arrays)."""
        restore(self, state, copy)

    @classmethod
    def resume(
        cls,
        spec: ScenarioLike,
        org: Organization,
        state: BatchState,
        source: str | None = None,
    ):
        """A simulation of ``spec`` on ``org`` that continues from ``state`` (the scenario
        the state was taken under, or one with a longer horizon or other strategies)."""
        sim = cls(
            spec,
            org,
            state.seed,
            state.replicates,
            source=source,
            values=state.values,
            streams_of=state.stream_keys,
        )
        sim.restore(state)
        return sim

    def per_replicate(self, path: str, value: float) -> np.ndarray:
        """One value per replicate of the batch: its own where given, else ``value``."""
        own = self.values.get(path)
        return own if own is not None else np.full(self.R, float(value))

    def _start(self) -> None:
        """What a subclass sets up once the population is drawn (nothing here)."""

    def _set_ties(self, W: sp.csr_matrix) -> None:
        """The organization as a sparse matrix; row sums for normalised shares."""
        self.W: sp.csr_matrix = W
        self._sorted_ties = bool(W.has_sorted_indices) and not peers.has_duplicates(W)
        # a symmetric W lets the peer sums add up only the rows of those who used the tool
        self._symmetric = self._sorted_ties and (W != W.T).nnz == 0
        # the ties for the kernels: unsigned positions (indexing needs no negative check)
        self._ties = (peers.unsigned(W.indptr), peers.unsigned(W.indices), W.data)
        deg = np.asarray(W.sum(axis=1)).ravel()
        self.inv_degree = np.where(deg > 0, 1.0 / np.maximum(deg, 1e-300), 0.0)

    def _set_state(self) -> None:
        """Every employee's state at launch."""
        shape = (self.R, self.N)
        p = self.params
        self.stage = np.zeros(shape, dtype=np.int8)
        value = self.per_replicate("tool.value", self.spec.tool.value)[:, np.newaxis]
        self.usefulness = value + p.prior_usefulness_bias + self.traits.usefulness_noise
        self.habit = np.zeros(shape)
        self.legacy_habit = self.traits.legacy_habit.copy()
        self.experience = np.zeros(shape)
        self.effort = np.ones(shape)  # exp(-experience / learning_weeks), before tool factors
        self._whole_weeks = True  # experience is a whole number of weeks everywhere
        self._effort_table: np.ndarray | None = None
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

    # --- random streams ----------------------------------------------------------------
    def streams(self, name: str) -> list[np.random.Generator]:
        """One generator per replicate for the named stream (created once, then reused)."""
        if name not in self._streams:
            self._streams[name] = [rngmod.stream(self.seed, r, name) for r in self._stream_keys]
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
            self.strategy_rows.append(int(b))
        self.events.add(
            rows, week, np.full(rows.size, -1), Event.STRATEGY, self.cause_code(label), -1
        )

    def _log(self, mask: np.ndarray, event: Event, cause, peer=-1) -> None:
        flat = np.flatnonzero(np.broadcast_to(mask, (self.R, self.N)))
        if flat.size:
            shape = (self.R, self.N)
            if not np.isscalar(cause):
                cause = gather(cause, shape, flat)
            if not np.isscalar(peer):
                peer = gather(peer, shape, flat)
            rep, emp = np.divmod(flat, self.N)
            self.events.add(rep, self.week, emp, event, cause, peer)

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
        share = peers.SPARSE_SUM_SHARE / len(values)  # one pass over all ties serves every value
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
                pair = [flat(v) for v in values[k : k + 2]]
                second, out2 = (pair[1], sums[k + 1]) if len(pair) == 2 else (np.zeros(0),) * 2
                peers.gather_rows(*self._ties, pair[0], second, self.N, sums[k], out2)
            return [row.reshape(self.R, self.N) for row in sums]
        out = []
        for k, v in enumerate(values):
            sums = self._work_array(f"peer_sums:{k}", float) if work else np.empty(self.R * self.N)
            sums.fill(0.0)
            peers.scatter_rows(*self._ties, flat(v), self.N, sums)
            out.append(sums.reshape(self.R, self.N))
        return out

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

    def _top_peer(self, rep: np.ndarray, emp: np.ndarray, weighted_use: np.ndarray) -> np.ndarray:
        """For each (replicate, employee), the neighbour with the largest tie weight x use.

        Ties go to the lowest employee index; -1 where no neighbour uses the tool.
        """
        out = np.full(rep.size, -1, dtype=np.int64)
        if rep.size == 0:
            return out
        seen = flat_as(weighted_use, (self.R, self.N))
        peers.top_peer(*self._ties, rep, emp, seen, self.N, out)
        return out
