"""The four core strategies: evangelists, senior sponsor, removing alternatives, heavy control."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from adoptsim.strategies.base import (
    Strategy,
    StrategyParams,
    TargetSpec,
    register,
    subtree_mask,
)


def _default_champions() -> TargetSpec:
    return TargetSpec(select="most_innovative", share=0.02)


@register("evangelists")
class Evangelists(Strategy):
    """Evangelists (champions): chosen people start as active users and get a platform.

    Mechanism: at ``start`` the targeted people become active users (the activity stream
    records them with this strategy as cause). While the strategy lasts, their use weighs
    ``platform`` times more in their neighbours' awareness and decisions, and a
    ``commitment`` term keeps them using the tool.

    Parameters:
        target: who the evangelists are; default the 2 % most innovative employees
            (existing enthusiasts). Use ``select: degree | betweenness | eigenvector`` for
            central people, ``per_department: true`` for a quota per department, and
            ``stages: [active]`` to recruit among the people already using the tool at
            ``start`` (after a pilot, say).
        platform (3.0, 1..20): influence multiplier. Rationale: champion programmes give
            their members channels (posts, events) that reach several times their own ties;
            an assumption to calibrate.
        commitment (3.0, 0..10): log-odds added to the evangelists' own use (they have
            volunteered, so they rarely skip a week; assumption).
    """

    summary = "Chosen people start active and get a platform: more reach and weight on peers."

    class Params(StrategyParams):
        type: Literal["evangelists"] = "evangelists"
        target: TargetSpec = Field(
            default_factory=_default_champions,
            description="Who the evangelists are (default: the 2 % most innovative).",
        )
        platform: float = Field(3.0, ge=1, le=20, description="Influence multiplier.")
        commitment: float = Field(
            3.0, ge=0, le=10, description="Log-odds added to the evangelists' own use."
        )

    def apply(self, sim, week: int) -> None:
        self.prepare(sim, week)
        if week == self.p.start:
            sim.make_active(self.targets, self.label)
        if self.active(week):
            infl = sim.levers.array("influence")
            infl[self.targets] *= self.p.platform
            sim.levers.add_utility(self.label, self.p.commitment * self.targets)


@register("senior_sponsor")
class SeniorSponsor(Strategy):
    """A senior sponsor endorses the tool along the reporting lines below them.

    Mechanism: at ``start`` (and at every renewal, every ``every`` weeks) the sponsor
    announces the tool: each employee of their reporting subtree becomes aware with
    probability ``announcement_reach``, and the endorsement's visibility is reset to 1.
    Visibility halves every ``half_life`` weeks. Each week an employee ``d`` levels below
    the sponsor gets ``endorsement * level_decay**(d-1) * visibility`` log-odds for the new
    tool. The sponsor also uses the tool visibly (``sponsor_uses``).

    Parameters:
        sponsor (None): employee id of the sponsor; default the top of the hierarchy.
        endorsement (1.0, 0..5): log-odds for direct reports at full visibility. Rationale:
            management support is among the strongest predictors of enterprise-system use
            (meta-analysis: Sabherwal, Jeyaraj & Chowa 2006), sized here like the social
            influence of a fully adopted team.
        level_decay (0.8, 0..1): share kept per level further down.
        half_life (8.0 weeks, >0): visibility fades unless renewed (assumption).
        every (None, >=1): weeks between renewals; none when absent (``renew_every`` is
            accepted as a synonym).
        announcement_reach (0.5, 0..1): share of the subtree made aware by an announcement.
        sponsor_uses (true): the sponsor becomes an active user at ``start``.
    """

    summary = "An executive endorses: influence down the reporting lines, fading unless renewed."

    class Params(StrategyParams):
        type: Literal["senior_sponsor"] = "senior_sponsor"
        sponsor: str | None = Field(None, description="Employee id (default: the top).")
        endorsement: float = Field(1.0, ge=0, le=5, description="Log-odds for direct reports.")
        level_decay: float = Field(0.8, ge=0, le=1, description="Share kept per level down.")
        half_life: float = Field(8.0, gt=0, description="Weeks for visibility to halve.")
        every: int | None = Field(None, ge=1, description="Weeks between renewals.")
        announcement_reach: float = Field(0.5, ge=0, le=1, description="Share made aware.")
        sponsor_uses: bool = Field(True, description="The sponsor uses the tool visibly.")

        @model_validator(mode="before")
        @classmethod
        def _renew_every(cls, data: Any) -> Any:
            if isinstance(data, dict) and "renew_every" in data:
                if data.get("every") is not None:
                    raise ValueError("give either `every` or `renew_every`, not both")
                data = dict(data)
                data["every"] = data.pop("renew_every")
            return data

    STATE_FIXED = (*Strategy.STATE_FIXED, "last_renewal")

    def initialize(self, sim) -> None:
        super().initialize(sim)
        org = sim.org
        if self.p.sponsor is None:
            root = int(np.flatnonzero(org.level == org.level.min())[0])
        else:
            subtree_mask(sim, self.p.sponsor)  # validates the id with a clear error
            root = int(np.flatnonzero(org.ids == self.p.sponsor)[0])
        self.root = root
        below = np.zeros(org.n, dtype=bool)
        below[org.subtree(root)] = True
        below[root] = False
        self.below = below
        self.targets = self.targets & below
        depth = np.maximum(org.level - org.level[root], 1)
        self.weight = np.where(below, self.p.level_decay ** (depth - 1.0), 0.0)
        self.last_renewal = None

    def occurrences(self, weeks: int) -> int:
        return self._count_occurrences(weeks, self.p.every)

    def apply(self, sim, week: int) -> None:
        if not self.begin(sim, week):
            return
        p = self.p
        targets = self.targets = self.targets & self.below
        if self.occurs(week, p.every):
            self.last_renewal = week
            if week == p.start and p.sponsor_uses:
                who = np.zeros((sim.R, sim.N), dtype=bool)
                who[:, self.root] = True if self.on is None else self.on
                sim.make_active(who, self.label)
            draws = np.stack([g.random(sim.N) for g in self.rng(sim)])
            sim.make_aware(targets & (draws < p.announcement_reach), self.label)
        visibility = 0.5 ** ((week - self.last_renewal) / p.half_life)
        sim.levers.add_utility(self.label, p.endorsement * visibility * self.weight * targets)


@register("remove_alternatives")
class RemoveAlternatives(Strategy):
    """The legacy tool is retired at ``start``.

    Mechanism: from ``start`` on, the legacy tool loses ``value_drop`` of its usefulness for
    the targeted employees and can no longer be practised, so its habit only decays. The
    announcement makes everyone targeted aware of the new tool. For ``threat_weeks`` after
    the retirement, the loss of choice is a freedom threat of intensity ``threat``: the
    resentment of employees high in need for autonomy rises (reactance, Brehm 1966), which
    lowers their use.

    Parameters:
        value_drop (0.8, 0..1): share of the legacy tool's usefulness lost (workarounds
            keep some; assumption).
        threat (0.6, 0..1): intensity of the freedom threat (assumption; 1 = as strong as
            the heaviest control).
        threat_weeks (8, >=0): weeks the threat is felt after retirement.
    """

    summary = "Retire the legacy tool: its value falls and its habit decays; some resist."

    class Params(StrategyParams):
        type: Literal["remove_alternatives"] = "remove_alternatives"
        value_drop: float = Field(0.8, ge=0, le=1, description="Share of legacy value lost.")
        threat: float = Field(0.6, ge=0, le=1, description="Freedom-threat intensity.")
        threat_weeks: int = Field(8, ge=0, le=520, description="Weeks the threat is felt.")

    def apply(self, sim, week: int) -> None:
        if not self.begin(sim, week, announce=True):
            return
        lv = sim.levers
        drop = self.p.value_drop * sim.spec.legacy.value
        lv.drop_legacy(self.label, self.targets, drop)
        lv.array("legacy_retired")[self.targets] = True
        if week < self.p.start + self.p.threat_weeks:
            threat = lv.array("threat")
            threat[self.targets] = np.maximum(threat[self.targets], self.p.threat)


@register("heavy_control")
class HeavyControl(Strategy):
    """Mandate and monitoring: use becomes compliance.

    Mechanism: while active, the targeted employees get ``intensity`` log-odds of pressure to
    use the tool. Use that only this pressure explains is compliance: it counts as use but
    yields ``behavior.compliance_depth`` (default 0) of the experience, learning, habit,
    visibility and information of a voluntary week, and it crowds out intrinsic motivation
    (``behavior.crowding_rate``, lasting). The pressure is a freedom threat of intensity
    ``1 - exp(-intensity / reactance_scale)``: resentment rises toward each employee's need
    for autonomy and lowers voluntary use, during control and after it (it fades at
    ``behavior.resentment_decay``). When control ends, compliance use falls away. Pressure
    forces surface use from the unwilling, who learn nothing from it and resent it, and
    crowds out the motivation of the willing: at the defaults, the more control, the less
    real adoption (the control paradox; Deci, Koestner & Ryan 1999 on controlling contexts,
    Brehm 1966 on reactance). In ``experiments/control_intensity.yaml`` the sustained share
    after control eases falls from 73 % without pressure to 36 % at intensity 2 and 14 %
    at 6.

    Parameters:
        intensity (2.0, 0..10): log-odds of compliance pressure (assumption; 2 makes an
            indifferent employee use the tool 88 % of weeks; 6 or more is near-total
            compliance, a mandate with monitoring).
        reactance_scale (2.0, >0): intensity at which the threat reaches 63 % of its maximum.
    """

    summary = "Mandate and monitoring: surface use rises, real adoption and habit suffer."

    class Params(StrategyParams):
        type: Literal["heavy_control"] = "heavy_control"
        intensity: float = Field(2.0, ge=0, le=10, description="Log-odds of pressure.")
        reactance_scale: float = Field(2.0, gt=0, le=20, description="Threat saturation.")

    def apply(self, sim, week: int) -> None:
        if not self.begin(sim, week, announce=True):
            return
        lv = sim.levers
        lv.add_control(self.label, self.p.intensity * self.targets)
        threat = lv.array("threat")
        level = 1.0 - np.exp(-self.p.intensity / self.p.reactance_scale)
        threat[self.targets] = np.maximum(threat[self.targets], level)
