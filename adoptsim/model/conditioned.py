"""A simulation held to observed behaviour: each observed week, every replicate's choices
are set to who was observed using the tool, and the probability the replicate gave that
observation before its own draw is recorded (the per-person likelihood a particle filter
weighs replicates by, :mod:`adoptsim.calibration.assimilate`).

An observation of a week is one code per employee: 1 used the tool that week, 0 did not,
-1 unknown (the model's own choice stands and nothing is weighed). Someone observed using
the tool while still unaware in the replicate becomes aware (cause ``observed``); what is
not observed (awareness of the others, habits, learned usefulness, attitudes) follows from
the observed use as the model's week writes it.
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
        self._p_aware: np.ndarray | None = None

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
        super().step()
        self.observation = None

    def _awareness(self, peer_exposure: np.ndarray, u: np.ndarray) -> None:
        """Before the week's awareness: each unaware employee's probability of hearing of
        the tool (the kernel's ``1 - (1 - external)(1 - q_peer) prod(1 - q_channel)``)."""
        if self.observation is not None:
            R, N = self.R, self.N
            ext = self.per_replicate("behavior.external_awareness", self.params.external_awareness)
            rate = self.per_replicate("behavior.peer_awareness", self.params.peer_awareness)
            stay = (1.0 - ext)[:, None] * np.exp(-rate[:, None] * peer_exposure)
            for q in self.levers.awareness.values():
                stay = stay * (1.0 - np.broadcast_to(q, (R, N)))
            self._p_aware = np.where(self.stage == UNAWARE, 1.0 - stay, 1.0)
        super()._awareness(peer_exposure, u)

    def _choose(self, u: np.ndarray, delta: np.ndarray, control) -> tuple[np.ndarray, np.ndarray]:
        use, compliance = super()._choose(u, delta, control)
        codes = self.observation
        if codes is None:
            return use, compliance
        known = codes != UNKNOWN
        seen = codes == USED
        p = logistic(delta + control) * self._p_aware
        if self.levers.access is not None:
            p = p * np.broadcast_to(self.levers.access, p.shape)
        p = np.clip(p[:, known], FLOOR, 1.0 - FLOOR)
        self.loglik = np.where(seen[known], np.log(p), np.log1p(-p)).sum(axis=1)
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
