"""A simulation held to observed behaviour: each observed week, every replicate's choices
are set to who was observed using the tool, and the probability the replicate gave that
observation before its own draw is recorded (the per-person likelihood a particle filter
weighs replicates by, :mod:`adoptsim.calibration.assimilate`).

An observation of a week is one code per employee: 1 used the tool that week, 0 did not,
-1 unknown (the model's own choice stands and nothing is weighed). Someone observed using
the tool while still unaware in the replicate becomes aware (cause ``observed``); what is
not observed (awareness of the others, habits, learned usefulness, attitudes) follows from
the observed use as the model's week writes it.

The likelihood does not read the replicate's own draw of who has heard of the tool: for
those not yet seen using it, awareness is carried as a probability (``aware``: the chance
of having heard of the tool given that they have not used it; a Rao-Blackwellisation,
Doucet, de Freitas, Murphy & Russell 2000, UAI 16:176). A first use in week t then has
probability ``aware' x q`` with ``aware' = 1 - (1 - aware)(1 - p_hear)`` and q the logit
choice probability; a week without use updates ``aware`` by Bayes' rule. Otherwise a
replicate's weight would mostly say whether its draws happened to make this week's new
users aware before, which the parameters hardly change.
"""

from __future__ import annotations

import numpy as np

from adoptsim.model.behavior import logistic
from adoptsim.model.engine import Simulation
from adoptsim.model.people import AWARE, UNAWARE
from adoptsim.model.records import Event

#: the probability of an observation is kept within [FLOOR, 1 - FLOOR]: a person may do
#: what a replicate gives no chance (an observation error, or a cause outside the model)
#: without ruling the replicate out altogether
FLOOR = 1e-4
#: the cause of awareness of those observed using the tool while unaware in a replicate
OBSERVED = "observed"

USED, NOT_USED, UNKNOWN = 1, 0, -1


class ConditionedSimulation(Simulation):
    """A :class:`Simulation` whose next week may be set to an observation (:meth:`observe`);
    ``loglik`` then holds each replicate's log-likelihood of it."""

    def _start(self) -> None:
        super()._start()
        self.observation: np.ndarray | None = None
        self.loglik = np.zeros(self.R)
        #: the chance each employee has heard of the tool, given the observations
        self.aware = (self.stage != UNAWARE).astype(float)
        self._p_aware: np.ndarray | None = None
        self._stage0: np.ndarray | None = None
        #: each replicate's log-likelihood per employee, summed over the weeks observed
        #: since it was set to an array (None: not kept)
        self.person_loglik: np.ndarray | None = None

    def observe(self, codes: np.ndarray | None) -> None:
        """Hold the next week to ``codes`` (one per employee: 1, 0 or -1; None: a week
        the model runs freely)."""
        if codes is not None:
            codes = np.asarray(codes, dtype=np.int8).reshape(-1)
            if codes.size != self.N:
                raise ValueError(f"an observation has one code per employee ({self.N})")
        self.observation = codes

    def step(self) -> None:
        self.loglik = np.zeros(self.R)
        if self.observation is not None and self.rule is not None:
            raise ValueError("observed weeks need behavior.mode utility")
        self._stage0 = self.stage.copy()
        super().step()
        self.observation = None

    def _awareness(self, peer_exposure: np.ndarray, u: np.ndarray) -> None:
        """Before the week's awareness: the chance each employee has heard of the tool by
        now (the kernel's ``1 - (1 - external)(1 - q_peer) prod(1 - q_channel)`` this week;
        1 for those a strategy told this week)."""
        if self.observation is not None:
            R, N = self.R, self.N
            ext = self.per_replicate("behavior.external_awareness", self.params.external_awareness)
            rate = self.per_replicate("behavior.peer_awareness", self.params.peer_awareness)
            stay = np.multiply(-rate[:, None], peer_exposure)
            np.exp(stay, out=stay)
            stay *= (1.0 - ext)[:, None]
            for q in self.levers.awareness.values():
                stay *= 1.0 - np.broadcast_to(q, (R, N))
            # 1 - (1 - aware) x stay, in place
            heard = np.subtract(1.0, self.aware, out=self._work_array("heard", float).reshape(R, N))
            heard *= stay
            np.subtract(1.0, heard, out=heard)
            told = (self._stage0 == UNAWARE) & (self.stage != UNAWARE)
            if told.any():
                heard[told] = 1.0
            self._p_aware = heard
        super()._awareness(peer_exposure, u)

    def _choose(self, u: np.ndarray, delta: np.ndarray, control) -> tuple[np.ndarray, np.ndarray]:
        use, compliance = super()._choose(u, delta, control)
        codes = self.observation
        if codes is None:
            return use, compliance
        known = codes != UNKNOWN
        everyone = bool(known.all())
        seen = codes == USED
        pq = logistic(delta + control)  # q, then aware x q (in place)
        if self.levers.access is not None:
            pq *= np.broadcast_to(self.levers.access, pq.shape)
        aware = self._p_aware
        pq *= aware
        p = np.clip(pq if everyone else pq[:, known], FLOOR, 1.0 - FLOOR)
        like = np.where(seen if everyone else seen[known], p, 1.0 - p)
        self.loglik = np.log(like, out=like).sum(axis=1)
        if self.person_loglik is not None:
            if everyone:
                self.person_loglik += like
            else:
                self.person_loglik[:, known] += like
        # heard of it, given this week's observation: surely if seen using it, by Bayes'
        # rule aware (1 - q) / (1 - aware q) if seen not using it
        denominator = np.maximum(1.0 - pq, 1e-300)
        quiet = np.subtract(aware, pq, out=pq)
        quiet /= denominator
        self.aware = np.where(seen, 1.0, quiet if everyone else np.where(known, quiet, aware))
        # the observed choices
        unaware = seen & (self.stage == UNAWARE)
        if unaware.any():
            self.stage[unaware] = AWARE
            self._log(unaware, Event.AWARENESS, self.cause_code(OBSERVED))
        use[:, known] = seen[known]
        if np.any(control):
            voluntary = u < logistic(delta)
            compliance = use & ~voluntary
        else:
            compliance = np.zeros_like(use)
        return use, compliance
