"""Communication strategies: internal marketing, storytelling, executive reminders."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from adoptsim.model.engine import CURVE_COLUMNS
from adoptsim.model.people import ACTIVE
from adoptsim.strategies.base import Strategy, StrategyParams, register
from adoptsim.strategies.structure import usefulness_log_odds

_VOLUNTARY = CURVE_COLUMNS.index("voluntary_share")


@register("internal_marketing")
class InternalMarketing(Strategy):
    """Internal marketing (mail, intranet): a channel that makes people aware of the tool.

    Mechanism: in every campaign week (``start``, then every ``every`` weeks while active;
    every week when ``every`` is absent) each unaware targeted employee becomes aware
    through this channel with probability ``reach``, on top of the other channels (outside
    word of mouth, colleagues). Awareness is all it gives: whether people then try the tool
    is their own choice. The activity stream names the strategy as the cause of the
    awareness it brings.

    Parameters:
        reach (0.3, 0..1): probability that one campaign reaches an unaware employee and
            registers (assumption, of the order of internal e-mail open rates of 30-40 %;
            an intranet banner reaches fewer).
        every (None, >=1): weeks between campaigns; every week when absent.
    """

    summary = "Mail and intranet campaigns: awareness at a given reach per campaign."

    class Params(StrategyParams):
        type: Literal["internal_marketing"] = "internal_marketing"
        reach: float = Field(0.3, ge=0, le=1, description="Share of the unaware reached.")
        every: int | None = Field(
            None, ge=1, description="Weeks between campaigns (every week when absent)."
        )

    def _campaign(self, week: int) -> bool:
        return self.active(week) and (
            self.p.every is None or (week - self.p.start) % self.p.every == 0
        )

    def occurrences(self, weeks: int) -> int:
        return self._count_occurrences(weeks, self.p.every or 1)

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if self._campaign(week):
            sim.levers.add_awareness(self.label, self.p.reach * self.targets)


@register("storytelling")
class Storytelling(Strategy):
    """Storytelling: success stories raise the perceived usefulness of the unconvinced.

    Mechanism: at every story (``start``, then every ``every`` weeks while active) each
    targeted employee who is not an active user hears it with probability ``reach``. A story
    is as credible as the successes behind it: credibility is the organization's voluntary
    active share last week over ``saturation`` (at most 1), so with no successes stories do
    nothing. A listener's expected usefulness moves ``impact x credibility`` of the way from
    where it stands toward the tool's real value (``tool.value``), as a belief that adds
    ``utility_scale x w_performance x belief`` log-odds to their choice, attributed to the
    strategy. The belief lasts; once the listener uses the tool their own experience takes
    over (the belief fades at ``behavior.learning_rate`` per week of use).

    Parameters:
        every (4, >=1): weeks between stories (assumption: a monthly story).
        reach (0.5, 0..1): share of the targeted unconvinced who hear a story.
        impact (0.5, 0..1): share of the under-estimate closed by a fully credible story.
            Narrative persuasion changes beliefs by about r = .2 (meta-analysis: Braddock &
            Dillard 2016), about 0.7 log-odds; closing half of the default under-estimate
            (``behavior.prior_usefulness_bias`` -0.3) gives 0.3 log-odds per story.
        saturation (0.2, >0..1): voluntary active share at which stories are fully
            credible (assumption).
    """

    summary = "Success stories, credible in proportion to real successes, persuade the unconvinced."

    class Params(StrategyParams):
        type: Literal["storytelling"] = "storytelling"
        every: int = Field(4, ge=1, description="Weeks between stories.")
        reach: float = Field(0.5, ge=0, le=1, description="Share of the unconvinced who hear.")
        impact: float = Field(
            0.5, ge=0, le=1, description="Share of the under-estimate a credible story closes."
        )
        saturation: float = Field(
            0.2, gt=0, le=1, description="Voluntary active share for full credibility."
        )

    STATE_ROWS = (*Strategy.STATE_ROWS, "belief")

    def initialize(self, sim) -> None:
        super().initialize(sim)
        self.belief = np.zeros((sim.R, sim.N))

    def occurrences(self, weeks: int) -> int:
        return self._count_occurrences(weeks, self.p.every)

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if week < self.p.start:
            return
        p = self.p
        # own experience replaces what the stories said
        self.belief *= np.where(sim.used, 1.0 - sim.params.learning_rate, 1.0)
        if self.occurs(week, p.every):
            draws = np.stack([g.random(sim.N) for g in self.rng(sim)])
            successes = sim.curves[week - 1, :, _VOLUNTARY]
            credibility = np.minimum(1.0, successes / p.saturation)[:, None]
            unconvinced = self.targets & (sim.stage != ACTIVE)
            listeners = unconvinced & (draws < p.reach)
            value = sim.per_replicate("tool.value", sim.spec.tool.value)[:, np.newaxis]
            gap = np.maximum(0.0, value - sim.usefulness - self.belief)
            self.belief += p.impact * credibility * gap * listeners
        if self.belief.any():
            sim.levers.add_utility(self.label, usefulness_log_odds(sim, self.belief))


@register("executive_reminders")
class ExecutiveReminders(Strategy):
    """Executive reminders: periodic nudges, each a short boost weaker than the one before.

    Mechanism: at every reminder (``start``, then every ``every`` weeks while active) the
    targeted employees get a boost of ``boost x repeat_decay**n`` log-odds (n = 0 for the
    first reminder) that halves every ``half_life`` weeks until the next reminder; unaware
    targeted employees become aware with probability ``reach``. Rationale: each repetition
    of a behavioural prompt produces a response that decays within weeks, and responses
    attenuate as prompts repeat (Allcott & Rogers 2014, home energy reports); the size of
    the boost and of the attenuation are assumptions.

    Parameters:
        every (4, >=1): weeks between reminders.
        boost (1.0, 0..5): log-odds of the first reminder in its week.
        repeat_decay (0.7, 0..1): each reminder's boost relative to the previous one.
        half_life (1.0 weeks, >0): how fast a reminder's boost fades.
        reach (0.5, 0..1): share of the unaware made aware by a reminder.
    """

    summary = "Periodic nudges from executives: a short boost, weaker each time it repeats."

    class Params(StrategyParams):
        type: Literal["executive_reminders"] = "executive_reminders"
        every: int = Field(4, ge=1, description="Weeks between reminders.")
        boost: float = Field(1.0, ge=0, le=5, description="Log-odds of the first reminder.")
        repeat_decay: float = Field(
            0.7, ge=0, le=1, description="Each reminder's boost relative to the previous."
        )
        half_life: float = Field(1.0, gt=0, description="Weeks for a boost to halve.")
        reach: float = Field(0.5, ge=0, le=1, description="Share of the unaware made aware.")

    def occurrences(self, weeks: int) -> int:
        return self._count_occurrences(weeks, self.p.every)

    def strength(self, week: int) -> float:
        """The boost in log-odds in ``week`` (0 outside the active weeks)."""
        p = self.p
        if not self.active(week):
            return 0.0
        n = (week - p.start) // p.every
        since = (week - p.start) % p.every
        return p.boost * p.repeat_decay**n * 0.5 ** (since / p.half_life)

    def apply(self, sim, week: int) -> None:
        if not self.begin(sim, week):
            return
        if self.occurs(week, self.p.every):
            sim.levers.add_awareness(self.label, self.p.reach * self.targets)
        sim.levers.add_utility(self.label, self.strength(week) * self.targets)
