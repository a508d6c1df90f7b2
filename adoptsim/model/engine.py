"""The vectorised simulation: all employees of one or many replicates advance together.

State lives in NumPy arrays of shape ``(R, N)`` (replicates x employees;
:class:`adoptsim.model.population.Population`). The organization (one sparse adjacency) is
shared by the replicates of a batch; every replicate draws from its own named random
streams, so replicate ``k`` gives the same numbers whether it runs alone (as in
:class:`adoptsim.mesa.AdoptionModel`) or inside a batch.

The order of a week is written once, in :meth:`Simulation.step`. The per-employee
arithmetic of each stage of the week runs in the compiled loops of
:mod:`adoptsim.model.kernels`; this module prepares their inputs (strategies' levers,
random draws) and turns their outputs into events with causes and into curves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from adoptsim.model import behavior as bh
from adoptsim.model import kernels
from adoptsim.model.arrays import flat, flat_as, gather, writable
from adoptsim.model.choice import decide
from adoptsim.model.levers import Levers
from adoptsim.model.modes import Rule, build_rule
from adoptsim.model.peers import SPARSE_SUM_SHARE
from adoptsim.model.peers import spmm as _spmm
from adoptsim.model.peers import unsigned as _unsigned
from adoptsim.model.population import Population
from adoptsim.model.records import (
    CURVE_COLUMNS,
    EVENT_NAMES,
    EXTERNAL,
    GROUP_COLUMNS,
    MODEL_COLUMNS,
    OWN,
    PEER,
    Event,
    EventLog,
    Tally,
)
from adoptsim.org import ROLES

if TYPE_CHECKING:
    from adoptsim.model.spec import StrategyLike

__all__ = [
    "CURVE_COLUMNS",
    "EVENT_NAMES",
    "GROUP_COLUMNS",
    "SPARSE_SUM_SHARE",
    "Event",
    "EventLog",
    "Levers",
    "Simulation",
    "_spmm",
    "_unsigned",
    "decide",
]

#: a source must add at least this much log-odds to be named as an event's cause
ATTRIBUTION_FLOOR = 0.25

#: the levers on the utility, in the order of kernels.UtilityLevers
UL = kernels.UtilityLevers._fields


class Simulation(Population):
    """All replicates of one batch of a scenario on one organization, week by week."""

    def _start(self) -> None:
        """The curves, the mode's rule and the strategies, and week 0's record."""
        org = self.org
        n_roles = len(ROLES)
        self._tally = Tally(org.department, len(org.departments), org.role, n_roles, self.R)
        weeks, reps, n_groups = self.weeks + 1, self.R, len(GROUP_COLUMNS)
        self.curves = np.zeros((weeks, reps, len(CURVE_COLUMNS)))
        self.dept_curves = np.zeros((weeks, reps, len(org.departments), n_groups))
        self.role_curves = np.zeros((weeks, reps, n_roles, n_groups))
        # modes bass and threshold replace the utility logit (adoptsim.model.modes)
        self.rule: Rule | None = None if self.params.mode == "utility" else build_rule(self)
        self.strategies: list[StrategyLike] = [s.build() for s in self.spec.strategies]
        for s in self.strategies:
            self.cause_code(s.label)
            s.initialize(self)
        self._record()

    # --- the week ----------------------------------------------------------------------
    def run(self, progress=None, until: int | None = None) -> None:
        """Advance to week ``until`` (default: the scenario's last week, after which the
        strategies finish); ``progress(replicate_weeks)`` after each week."""
        last = self.weeks if until is None else min(int(until), self.weeks)
        while self.week < last:
            self.step()
            if progress is not None:
                progress(self.R)
        if self.week == self.weeks:
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

    def _awareness(self, peer_exposure: np.ndarray, u: np.ndarray) -> None:
        """The unaware whose draw ``u`` is below their probability of hearing of the tool
        become aware; their draw is rescaled to ``u / p`` for this week's choice (given
        ``u < p``, ``u / p`` is uniform on [0, 1) and independent of the awareness)."""
        p = self.params
        lv = self.levers
        names = [EXTERNAL, PEER, *lv.awareness]
        channels = [flat_as(q, (self.R, self.N)) for q in lv.awareness.values()]
        stacked = np.stack(channels) if channels else np.zeros((0, 0))
        self.stage = writable(self.stage)  # the kernel marks the newly aware in place
        at, which = kernels.awareness_hits(
            self.stage.reshape(-1),
            flat(peer_exposure),
            u.reshape(-1),
            self.per_replicate("behavior.external_awareness", p.external_awareness),
            self.per_replicate("behavior.peer_awareness", p.peer_awareness),
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
        p, lv, shape = self.params, self.levers, (self.R, self.N)
        k = p.utility_scale
        steep = p.critical_mass_steepness
        square = steep == 2.0  # the default: s * s gives the same numbers as s ** 2, faster
        delta = self._work_array("delta", float).reshape(shape)
        peer_part = self._work_array("peer_part", float).reshape(shape)
        empty = np.zeros(0)
        levers = kernels.UtilityLevers(
            *(empty if getattr(lv, n) is None else flat_as(getattr(lv, n), shape) for n in UL)
        )
        flags = kernels.UtilityFlags(
            *(getattr(lv, n) is not None for n in UL), self._resentful, self._crowded, square
        )
        kernels.utility(
            kernels.UtilityOut(delta.reshape(-1), peer_part.reshape(-1)),
            self._utility_state(peer_exposure, use_sums, steep, square),
            levers,
            self._utility_params(),
            flags,
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

    def _utility_state(self, peer_exposure, use_sums, steep: float, square: bool):
        """The employees' terms of the utility, flat (optional ones empty when unused)."""
        p, tr, empty = self.params, self.traits, np.zeros(0)
        communal = self.spec.tool.communal_effect * bh.communal_value(
            self.stock, p.information_half
        )
        innovativeness, overload = self._trait_terms()
        return kernels.UtilityState(
            use_input=flat(use_sums) if square else self._hill_input(use_sums, steep),
            peer_exposure=flat(peer_exposure),
            inv_degree=self.inv_degree,
            susceptibility=flat(tr.susceptibility),
            usefulness=flat(self.usefulness),
            communal=flat(communal),
            effort=flat(self.effort),
            habit=flat(self.habit),
            legacy_habit=flat(self.legacy_habit),
            innovativeness_term=flat(innovativeness),
            overload_term=flat(overload),
            resentment=flat(self.resentment) if self._resentful else empty,
            crowding=flat(self.crowding) if self._crowded else empty,
        )

    def _utility_params(self) -> kernels.UtilityParams:
        """The parameters of the utility: floats, and one value per replicate for those a
        replicate may hold its own of (one compiled signature)."""
        p, tool, own = self.params, self.spec.tool, self.per_replicate
        return kernels.UtilityParams(
            np.asarray(
                [
                    float(v) ** p.critical_mass_steepness
                    for v in own("behavior.critical_mass", p.critical_mass)
                ]
            ),
            own("tool.network_effect", tool.network_effect),
            float(self.spec.legacy.value),
            float(tool.learning_effort),
            float(p.w_performance),
            own("behavior.w_social", p.w_social),
            float(p.utility_scale),
            float(p.w_effort),
            float(p.w_facilitating),
            float(p.support),
            own("behavior.w_habit", p.w_habit),
            own("behavior.intercept", p.intercept),
            float(p.reactance_penalty),
            float(p.crowding_penalty),
            self.N,
        )

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
        """Experience, usefulness, habits (adoptsim.model.kernels.learn), motivation and
        the information stock after this week's use.

        A week of compliance-only use is surface use: it yields ``compliance_depth`` of the
        experience, learning and habit of a voluntary week. The legacy tool is practised
        by those who did not use the new one voluntarily (compliance-only use is surface
        use beside the old routine). Practised, its habit returns toward the employee's own
        plateau, the strength it had at launch (an established routine sits at its
        plateau; Lally et al. 2010 fitted one per person); not practised, it decays."""
        p, lv, shape = self.params, self.levers, (self.R, self.N)
        has_compliance = bool(compliance.any())
        whole = not has_compliance or p.compliance_depth in (0.0, 1.0)
        self._whole_weeks &= whole
        bonus, retired = lv.usefulness_bonus, lv.legacy_retired
        for name in ("usefulness", "habit", "legacy_habit", "experience", "effort"):
            setattr(self, name, writable(getattr(self, name)))
        state = kernels.Learning(*(getattr(self, n).reshape(-1) for n in kernels.Learning._fields))
        inputs = kernels.LearnInputs(
            effort_table=self._effort_lookup(),
            habit_rate=flat(self.traits.habit_rate),
            legacy_plateau=flat(self.traits.legacy_habit),
            bonus=self._zeros(float) if bonus is None else flat_as(bonus, shape),
            retired=self._zeros(bool) if retired is None else flat_as(retired, shape),
        )
        params = kernels.LearnParams(
            float(p.compliance_depth),
            self.per_replicate("tool.value", self.spec.tool.value),
            float(p.learning_rate),
            float(p.habit_decay),
            self._whole_weeks,
        )
        n_users = np.empty(self.R, dtype=np.int64)
        kernels.learn(use.reshape(-1), compliance.reshape(-1), state, inputs, params, n_users)
        if not self._whole_weeks:  # effort from fractional experience: the formula itself
            users = np.flatnonzero(use)
            xp = self.experience.reshape(-1)[users]
            self.effort.reshape(-1)[users] = np.exp(-xp / p.learning_weeks)
        self._motivate(use, compliance)
        # the mean depth of use per replicate (exact: a sum of 0s and 1s unless compliance)
        if has_compliance:
            depth = np.where(compliance, p.compliance_depth, 1.0)
            depth *= use
            share = depth.mean(axis=1, keepdims=True)
        else:
            share = (n_users / self.N)[:, np.newaxis]
        tool = self.spec.tool
        self.stock = (1.0 - p.information_decay) * self.stock + tool.information_per_use * share

    def _motivate(self, use: np.ndarray, compliance: np.ndarray) -> None:
        """Resentment and crowding-out after this week's threat, control and reward."""
        p, lv, shape = self.params, self.levers, (self.R, self.N)
        threat = lv.threat
        has_threat = threat is not None and bool(np.any(threat))
        if not (has_threat or lv.reward is not None or self._resentful):
            return
        self.resentment = writable(self.resentment)
        self.crowding = writable(self.crowding)
        kernels.motivation(
            use.reshape(-1),
            compliance.reshape(-1),
            kernels.Motivation(
                self.resentment.reshape(-1), self.crowding.reshape(-1), flat(self.traits.autonomy)
            ),
            kernels.MotivationLevers(
                flat_as(threat, shape) if has_threat else np.zeros(0),
                has_threat,
                np.zeros(0) if lv.reward is None else flat_as(lv.reward, shape),
                lv.reward is not None,
            ),
            kernels.MotivationParams(
                float(p.resentment_rate), float(p.resentment_decay), float(p.crowding_rate)
            ),
        )
        self._resentful = bool(self.resentment.any())
        self._crowded = bool(self.crowding.any())

    def _transitions(self, use, compliance, contrib, weighted_use) -> None:
        p = self.params
        # streaks, stages, lapses, compliance and habitual flags in one pass
        # (adoptsim.kernels.transitions); each employee's events as bits of `flags`
        flags = self._work_array("flags", np.uint8)
        state = kernels.Stages(*(getattr(self, n).reshape(-1) for n in kernels.Stages._fields))
        params = kernels.StageParams(
            float(p.habitual_threshold), int(p.adopt_after), int(p.lapse_after)
        )
        changed = kernels.transitions(
            use.reshape(-1), compliance.reshape(-1), state, params, flags, self._positions()
        )
        if changed.size == 0:
            return
        bits = flags[changed]
        first, adopt, readopt, lapse, newly_habitual = ((bits & bit) != 0 for bit in kernels.Change)
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
        parts = np.stack([gather(contrib[n], shape, flat) for n in names])
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

    def _record(self) -> None:
        """The week's curves: shares from one count of state codes per group, then means."""
        row = self.curves[self.week]
        n_model = MODEL_COLUMNS
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
