"""Support strategies: community management and training."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from adoptsim.model.people import ACTIVE, TRYING
from adoptsim.strategies.base import Strategy, StrategyParams, register


def effort_log_odds(sim, share: float | np.ndarray) -> np.ndarray:
    """Log-odds gained by removing ``share`` of each employee's current effort expectancy."""
    p = sim.params
    effort = sim.spec.tool.learning_effort * np.exp(-sim.experience / p.learning_weeks)
    return p.utility_scale * p.w_effort * effort * share


@register("community_management")
class CommunityManagement(Strategy):
    """Community management and support: less effort and frustration, adopters help their
    neighbours, fewer lapses.

    Mechanism, for the targeted employees while active (each term attributed to the
    strategy in the activity stream):

    * support: facilitating conditions rise by ``support`` (up to the scale's 1), worth
      ``utility_scale x w_facilitating`` log-odds per unit;
    * less effort: ``effort_reduction`` of the current effort expectancy is removed (help
      desk, answered questions);
    * peer help: ``peer_help`` log-odds times the share of one's tie weight on colleagues
      who use the tool of their own accord (the community managers get adopters to help
      their neighbours);
    * fewer lapses: a trier or active user who skipped the tool last week gets ``reengage``
      log-odds (community managers notice and follow up).

    Rationale: facilitating conditions are a UTAUT construct (Venkatesh et al. 2003);
    practitioner accounts of enterprise social networks credit community managers with
    keeping early users engaged. The sizes are assumptions.

    Parameters:
        support (0.1, 0..1): facilitating conditions added (the baseline is
            ``behavior.support`` 0.3).
        effort_reduction (0.2, 0..1): share of effort expectancy removed.
        peer_help (0.5, 0..5): log-odds at a full share of one's ties using the tool (about
            half of what ``behavior.w_social`` gives at average susceptibility).
        reengage (1.0, 0..5): log-odds for users who skipped a week.
    """

    summary = "Support and community: less effort, adopters help neighbours, fewer lapses."

    class Params(StrategyParams):
        type: Literal["community_management"] = "community_management"
        support: float = Field(0.1, ge=0, le=1, description="Facilitating conditions added.")
        effort_reduction: float = Field(
            0.2, ge=0, le=1, description="Share of effort expectancy removed."
        )
        peer_help: float = Field(
            0.5, ge=0, le=5, description="Log-odds at a full share of ties using the tool."
        )
        reengage: float = Field(1.0, ge=0, le=5, description="Log-odds for users who skipped.")

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if not self.active(week):
            return
        p, b = self.p, sim.params
        room = max(0.0, min(p.support, 1.0 - b.support))
        utility = b.utility_scale * b.w_facilitating * room + effort_log_odds(
            sim, p.effort_reduction
        )
        if p.peer_help:
            genuine = (sim.used & ~sim.compliant).astype(float)
            utility = utility + p.peer_help * np.asarray(sim.W @ genuine.T).T * sim.inv_degree
        if p.reengage:
            users = (sim.stage == TRYING) | (sim.stage == ACTIVE)
            utility = utility + p.reengage * (users & (sim.idle_streak >= 1))
        sim.levers.add_utility(self.label, utility * self.targets)


@register("training")
class Training(Strategy):
    """Training: lowers effort expectancy, for good, for those trained.

    Mechanism: at every session (``start``, then every ``every`` weeks while active; one
    session when ``every`` is absent) ``per_session`` of the targeted employees not yet
    trained are trained (drawn from the strategy's own random stream). A trained employee
    becomes aware of the tool and, from then on (also after ``end``), has
    ``effort_reduction`` of their effort expectancy removed: ``utility_scale x w_effort x
    effort x effort_reduction`` log-odds, attributed to the strategy. Rationale: training is
    the classic intervention on effort expectancy and its antecedents, computer
    self-efficacy and perceived ease of use (Venkatesh & Bala 2008); the size is an
    assumption.

    Parameters:
        every (None, >=1): weeks between sessions; one session at ``start`` when absent.
        per_session (1.0, 0..1): share of the untrained targeted employees trained per
            session.
        effort_reduction (0.4, 0..1): share of effort expectancy removed for the trained.

    ``cost.per_person`` is charged per employee trained; ``cost.per_occurrence`` per
    session.
    """

    summary = "Training sessions lower effort expectancy for good for those trained."

    class Params(StrategyParams):
        type: Literal["training"] = "training"
        every: int | None = Field(None, ge=1, description="Weeks between sessions.")
        per_session: float = Field(
            1.0, ge=0, le=1, description="Share of the untrained targets trained per session."
        )
        effort_reduction: float = Field(
            0.4, ge=0, le=1, description="Share of effort expectancy removed for the trained."
        )

    STATE_ROWS = (*Strategy.STATE_ROWS, "offered")

    def initialize(self, sim) -> None:
        super().initialize(sim)
        self.offered = self.targets
        self.targets = np.zeros((sim.R, sim.N), dtype=bool)  # the trained, for the cost

    def occurrences(self, weeks: int) -> int:
        return self._count_occurrences(weeks, self.p.every)

    def apply(self, sim, week: int) -> None:
        if self._deferred and week == self.p.start:
            self.prepare(sim, week)
            self.offered, self.targets = self.targets, np.zeros_like(self.targets)
        if week < self.p.start:
            return
        if self.occurs(week, self.p.every):
            draws = np.stack([g.random(sim.N) for g in self.rng(sim)])
            new = self.offered & ~self.targets & (draws < self.p.per_session)
            self.targets = self.targets | new
            sim.make_aware(new, self.label)
        if self.targets.any():
            utility = effort_log_odds(sim, self.p.effort_reduction) * self.targets
            sim.levers.add_utility(self.label, utility)
