"""Motivation strategies: incentives (tangible rewards or recognition) and leaders who
model the behaviour."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from adoptsim.strategies.base import Strategy, StrategyParams, TargetSpec, register


@register("incentives")
class Incentives(Strategy):
    """Incentives: a reward for use while it lasts; tangible rewards crowd out motivation.

    Mechanism (``kind: tangible``, the default): while active, the targeted employees get
    ``reward`` log-odds for using the tool. Use that only the reward explains is extrinsic
    (counted, like control, in ``compliance_share``; it yields
    ``behavior.compliance_depth`` of a voluntary week's learning and habit), and every
    rewarded week of use moves the user's crowding-out toward 1 at
    ``behavior.crowding_rate x salience``. Crowding-out lasts and takes up to
    ``behavior.crowding_penalty`` log-odds off free-choice use, so after the incentive ends
    those rewarded use the tool less than they would have without it (Deci, Koestner &
    Ryan 1999: expected tangible rewards lower later free-choice behaviour, d = -0.28 to
    -0.40).

    ``kind: recognition`` (verbal, informational feedback) adds ``reward`` log-odds as
    voluntary motivation, crowds out nothing, and leaves those recognized for using the tool
    with a lasting gain that grows to ``behavior.feedback_bonus`` log-odds (Deci, Koestner &
    Ryan 1999: positive feedback raises intrinsic motivation, d = +0.33) by a quarter per
    recognized week of use.

    Parameters:
        reward (1.0, 0..5): log-odds the reward adds to weekly use while it lasts
            (assumption: a noticeable prize or bonus; calibrate on pilot data).
        kind ("tangible"): "tangible" (money, prizes: crowding-out) or "recognition".
        salience (1.0, 0..1): how strongly the tangible reward is tied to use (contingent
            and expected = 1); scales the crowding-out rate.
    """

    summary = "Rewards raise use while they last; tangible ones crowd out motivation after."

    class Params(StrategyParams):
        type: Literal["incentives"] = "incentives"
        reward: float = Field(1.0, ge=0, le=5, description="Log-odds added to weekly use.")
        kind: Literal["tangible", "recognition"] = Field(
            "tangible", description="Tangible reward (crowding-out) or recognition."
        )
        salience: float = Field(
            1.0, ge=0, le=1, description="How strongly the reward is tied to use."
        )

    STATE_ROWS = (*Strategy.STATE_ROWS, "recognized")

    def initialize(self, sim) -> None:
        super().initialize(sim)
        self.recognized = np.zeros((sim.R, sim.N))

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        p = self.p
        lv = sim.levers
        if p.kind == "recognition" and week > p.start:
            # last week's recognized use leaves a lasting gain (positive feedback)
            if self.active(week - 1):
                step = 0.25 * (sim.used & self.targets)
                self.recognized += step * (1.0 - self.recognized)
            if self.recognized.any():
                lv.add_utility(self.label, sim.params.feedback_bonus * self.recognized)
        if not self.active(week):
            return
        if p.kind == "tangible":
            lv.add_control(self.label, p.reward * self.targets)
            salience = lv.array("reward")
            salience[self.targets] = np.maximum(salience[self.targets], p.salience)
        else:
            lv.add_utility(self.label, p.reward * self.targets)


def _leaders() -> TargetSpec:
    return TargetSpec(roles=["manager", "executive"])


@register("model_behavior")
class ModelBehavior(Strategy):
    """Model behaviour: managers visibly use the tool, and their use weighs more for their
    reports.

    Mechanism: the targeted managers learn of the tool at ``start`` and commit to using it
    (``commitment`` log-odds on their own choice while active). Each week, every direct
    report of a targeted manager who used the tool the week before gets ``weight`` log-odds
    for the new tool, attributed to this strategy (compliance-only use counts
    ``behavior.compliance_depth``: a manager who only complies models nothing). Rationale:
    people imitate the visible behaviour of those with status over them (social learning,
    Bandura 1977); superiors are part of UTAUT's social influence (Venkatesh et al. 2003).
    The sizes are assumptions.

    Parameters:
        target: the leaders who model the behaviour; default every manager and executive.
        commitment (0.5, 0..10): log-odds added to the leaders' own use.
        weight (0.3, 0..5): log-odds added to a report's choice after a week their manager
            used the tool (about 40 % of what a team fully on the tool adds through
            ``behavior.w_social`` at average susceptibility).
    """

    summary = "Managers visibly use the tool; their use weighs more for their reports."

    class Params(StrategyParams):
        type: Literal["model_behavior"] = "model_behavior"
        target: TargetSpec = Field(
            default_factory=_leaders,
            description="The leaders who model the behaviour (default: managers, executives).",
        )
        commitment: float = Field(
            0.5, ge=0, le=10, description="Log-odds added to the leaders' own use."
        )
        weight: float = Field(
            0.3, ge=0, le=5, description="Log-odds for a report after the manager used it."
        )

    def initialize(self, sim) -> None:
        super().initialize(sim)
        self.manager = sim.org.manager
        self.has_manager = self.manager >= 0
        self.safe_manager = np.where(self.has_manager, self.manager, 0)

    def apply(self, sim, week: int) -> None:
        if not self.begin(sim, week, announce=True):
            return
        m = self.safe_manager
        depth = np.where(sim.compliant, sim.params.compliance_depth, 1.0)
        seen = (sim.used * depth)[:, m]
        modelled = self.targets[:, m] & self.has_manager
        utility = self.p.commitment * self.targets + self.p.weight * seen * modelled
        sim.levers.add_utility(self.label, utility)
