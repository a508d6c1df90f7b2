"""The special cases of the diffusion literature, as decision rules of the same model.

``behavior.mode`` picks the weekly decision rule. The default, ``utility``, is the UTAUT2
logit of :mod:`adoptsim.model.behavior`. The two modes here replace it (step 3 of the week in
:meth:`adoptsim.model.engine.Simulation.step`); strategies still act first, so a seed set, a
pilot's access rule or evangelists made active count, while levers on the utility do not.
In both modes an employee is aware, tries and adopts in the same week (adoption on
decision), becomes an active user at once and never lapses; habit and learning are not
modelled.

* ``bass`` (Bass 1969): each week a non-adopter adopts with probability
  ``1 - exp(-(p + q A) dt)``, where ``A`` is the adopted share (of the whole population
  when ``mixing: well_mixed``, of the employee's tie weight otherwise), ``p = bass_p``,
  ``q = bass_q`` and ``dt = 1 / bass_period_weeks``. Well mixed, the expected adopted share
  follows the discrete-time recursion ``F(t+1) = F(t) + (1 - exp(-(p + q F(t)) dt))
  (1 - F(t))``, which approaches the closed-form Bass curve as ``dt`` shrinks.
* ``threshold`` (Granovetter 1978; Centola & Macy 2007): a non-adopter adopts as soon as
  the adopted share of their tie weight (or of the population, well mixed) reaches their
  threshold, or, with ``threshold_kind: count``, as soon as that many neighbours (or people)
  have adopted. Thresholds are fixed (``threshold``), normal (``threshold_sd``, cut at 0,
  drawn from the ``thresholds`` random stream) or listed one per employee
  (``thresholds``). The rule is deterministic given the thresholds and the seeds, unless
  ``threshold_noise`` is set: then each week a non-adopter who sees some adoption, but
  less than their threshold, adopts with that probability (drawn from the
  ``threshold_noise`` stream; Eckles, Mossel, Rahimian & Sen 2024).

Adopters' causes in the activity stream: ``external`` (Bass, when ``p`` outweighs
``q A``), ``peer:<id>`` (the adopted neighbour with the strongest tie; plain ``peer`` when
well mixed) or ``own`` (a threshold of 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from adoptsim.errors import ScenarioError
from adoptsim.model.peers import spmm
from adoptsim.model.people import ACTIVE, UNAWARE, Stage
from adoptsim.model.records import EXTERNAL, OWN, PEER, Event

if TYPE_CHECKING:
    from adoptsim.model.population import Population as Simulation

#: a share or count within this of a threshold reaches it (so 3 adopters of 100 reach a
#: threshold written 0.03 whatever the rounding of either)
THRESHOLD_EPS = 1e-9


class Rule:
    """A decision rule that replaces the utility logit (see the module docstring)."""

    def __init__(self, sim: Simulation):
        self.params = sim.params
        self._binary: sp.csr_matrix | None = None

    def step(self, sim: Simulation) -> None:
        """Decide this week's adoptions and update the state (awareness and choice)."""
        raise NotImplementedError

    # --- shared helpers -------------------------------------------------------------------
    def exposure(self, sim: Simulation, adopted: np.ndarray, kind: str) -> np.ndarray:
        """Adopted share (``kind='share'``) or count (``'count'``) each employee sees.

        Well mixed: of the whole population, an (R, 1) array (no complete graph is built).
        Network: of each employee's tie weight (share) or neighbours (count), (R, N).
        """
        if self.params.mixing == "well_mixed":
            total = np.count_nonzero(adopted, axis=1).astype(float)[:, np.newaxis]
            return total / sim.N if kind == "share" else total
        a = adopted.astype(float)
        if kind == "share":
            return spmm(sim.W, a) * sim.inv_degree
        if self._binary is None:
            binary = sim.W.copy().tocsr()
            binary.data = (binary.data > 0).astype(float)
            self._binary = binary
        return spmm(self._binary, a)

    def adopt(self, sim: Simulation, new: np.ndarray, cause_of) -> None:
        """Make ``new`` employees adopters now, logging awareness, trial and adoption.

        ``cause_of(rep, emp)`` gives the cause code of each new adopter; peer causes get
        the adopted neighbour with the strongest tie (network mixing).
        """
        rep, emp = np.nonzero(new)
        if rep.size == 0:
            return
        causes = cause_of(rep, emp)
        peers = np.full(rep.size, -1, dtype=np.int64)
        if self.params.mixing == "network":
            by_peer = causes == sim.cause_code(PEER)
            if by_peer.any():
                adopted = (sim.stage == ACTIVE).astype(float)
                peers[by_peer] = sim._top_peer(rep[by_peer], emp[by_peer], adopted)
        log = sim.events.add
        unaware = sim.stage[rep, emp] == UNAWARE
        log(rep[unaware], sim.week, emp[unaware], Event.AWARENESS, causes[unaware], peers[unaware])
        first = ~sim.ever_tried[rep, emp]
        log(rep[first], sim.week, emp[first], Event.TRIAL, causes[first], peers[first])
        log(rep, sim.week, emp, Event.ADOPTION, causes, peers)
        sim.stage[rep, emp] = Stage.ACTIVE
        sim.ever_tried[rep, emp] = True
        sim.idle_streak[rep, emp] = 0

    @staticmethod
    def finish_week(sim: Simulation, adopted: np.ndarray) -> None:
        """Adopters use the tool every week; nobody else does (streaks are not used)."""
        sim.used = adopted


class BassRule(Rule):
    """Bass (1969): external rate ``p`` plus imitation ``q`` times the adopted share."""

    def step(self, sim: Simulation) -> None:
        p = self.params
        dt = 1.0 / p.bass_period_weeks
        adopted = sim.stage == ACTIVE
        share = self.exposure(sim, adopted, "share")
        external = p.bass_p * dt
        imitation = p.bass_q * share * dt
        prob = -np.expm1(-(external + imitation))
        u = sim.uniform("choice")
        new = u < prob
        new &= ~adopted
        access = sim.levers.get("access")
        if access is not True:
            new &= access
        codes = np.array([sim.cause_code(EXTERNAL), sim.cause_code(PEER)])
        wide = imitation.shape[1] > 1

        def cause_of(rep, emp):
            imit = imitation[rep, emp] if wide else imitation[rep, 0]
            return codes[(imit > external).astype(np.intp)]

        self.adopt(sim, new, cause_of)
        self.finish_week(sim, adopted | new)


class ThresholdRule(Rule):
    """Linear threshold (Granovetter 1978) or absolute threshold k (complex contagion)."""

    def __init__(self, sim: Simulation):
        super().__init__(sim)
        self.thresholds = draw_thresholds(sim)

    def step(self, sim: Simulation) -> None:
        adopted = sim.stage == ACTIVE
        seen = self.exposure(sim, adopted, self.params.threshold_kind)
        new = seen >= self.thresholds - THRESHOLD_EPS
        noise = self.params.threshold_noise
        if noise > 0:  # below-threshold adoption of those who see some adoption
            u = sim.uniform("threshold_noise")
            new |= (seen > 0) & (u < noise)
        new &= ~adopted
        access = sim.levers.get("access")
        if access is not True:
            new &= access
        codes = np.array([sim.cause_code(PEER), sim.cause_code(OWN)])

        def cause_of(rep, emp):
            return codes[(self.thresholds[rep, emp] <= 0).astype(np.intp)]

        self.adopt(sim, new, cause_of)
        self.finish_week(sim, adopted | new)


def draw_thresholds(sim: Simulation) -> np.ndarray:
    """Every employee's threshold, (R, N): listed, fixed, or normal cut at 0.

    Normal thresholds come from each replicate's ``thresholds`` stream.
    """
    p = sim.params
    shape = (sim.R, sim.N)
    if p.thresholds is not None:
        if len(p.thresholds) != sim.N:
            raise ScenarioError(
                f"{len(p.thresholds)} thresholds given for {sim.N} employees; give one per "
                "employee in the organization's order, or use threshold and threshold_sd",
                source=sim.source,
                where="behavior.thresholds",
            )
        return np.broadcast_to(np.asarray(p.thresholds, dtype=float), shape).copy()
    if p.threshold_sd == 0:
        return np.full(shape, float(p.threshold))
    rows = [g.normal(p.threshold, p.threshold_sd, sim.N) for g in sim.streams("thresholds")]
    return np.maximum(np.stack(rows), 0.0)


RULES: dict[str, type[Rule]] = {"bass": BassRule, "threshold": ThresholdRule}


def build_rule(sim: Simulation) -> Rule:
    """The decision rule of ``sim.params.mode`` (``bass`` or ``threshold``)."""
    return RULES[sim.params.mode](sim)
