"""adoptsim's weekly rule written agent by agent, the way a Mesa user would write it.

This is the reference the issue asks for: the same decision rule as
:meth:`adoptsim.model.engine.Simulation.step` in the utility mode without strategies (awareness
from outside and from colleagues who use the tool, the UTAUT2 logit with its network,
communal, effort, habit, innovativeness and overload terms, learning, the Lally habit curve,
the trier / active / lapsed stages, the information stock), with the parameters of
:class:`adoptsim.model.behavior.BehaviorParams`, but as ``mesa.Agent`` objects that loop over their
neighbours in the NetworkX graph and draw from the model's ``random``. Agents decide from
last week's state (``decide``) and then all change together (``advance``), as in adoptsim.

It draws other random numbers than adoptsim, so single runs differ; the ensembles agree
(tested in ``tests/test_performance_pins.py``). It does less bookkeeping than adoptsim (no
cause attribution, no department curves), so the measured gain is, if anything, too small.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from adoptsim.model import behavior as bh
from adoptsim.model.people import beta_from_mean_sd

if TYPE_CHECKING:
    from adoptsim.org import Organization
    from adoptsim.scenario import Scenario

UNAWARE, AWARE, TRYING, ACTIVE, LAPSED = range(5)


class NaiveEmployee(mesa.Agent):
    """One employee with its own traits and state, updated one at a time."""

    def __init__(self, model: NaiveAdoptionModel, node: int):
        super().__init__(model)
        p = model.params
        rng = model.rng  # numpy Generator of the Mesa model
        a_leg, b_leg = model.legacy_beta
        self.node = node
        self.innovativeness = rng.standard_normal()
        self.susceptibility = rng.beta(2.0, 2.0)
        self.autonomy = rng.beta(2.0, 2.0)
        self.tools_in_use = float(rng.poisson(p.tools_in_use_mean))
        self.legacy_habit = rng.beta(a_leg, b_leg)
        self.legacy_plateau = self.legacy_habit  # the habit returns here when practised
        weeks95 = p.habit_weeks_median * math.exp(p.habit_weeks_sigma * rng.standard_normal())
        self.habit_rate = 1.0 - 0.05 ** (1.0 / max(weeks95, 1e-9))
        noise = p.prior_usefulness_sd * rng.standard_normal()
        self.usefulness = model.spec.tool.value + p.prior_usefulness_bias + noise
        self.stage = UNAWARE
        self.habit = 0.0
        self.experience = 0.0
        self.resentment = 0.0
        self.crowding = 0.0
        self.used = False
        self.use_next = False
        self.use_streak = 0
        self.idle_streak = 0
        self.ever_tried = False
        self.habitual = False
        self.lapses = 0

    def decide(self) -> None:
        """Awareness and this week's choice, from the neighbours' use last week."""
        model, p, spec = self.model, self.model.params, self.model.spec
        exposure = 0.0
        degree = 0.0
        for other, data in model.graph.adj[self.node].items():
            weight = data["weight"]
            degree += weight
            if model.employee_at[other].used:
                exposure += weight
        if self.stage == UNAWARE:
            peer = 1.0 - math.exp(-p.peer_awareness * exposure)
            if self.random.random() < 1.0 - (1.0 - p.external_awareness) * (1.0 - peer):
                self.stage = AWARE
                model.log(self, "awareness")
        self.use_next = False
        if self.stage == UNAWARE:
            return
        share = min(max(exposure / degree, 0.0), 1.0) if degree > 0 else 0.0
        s = share**p.critical_mass_steepness
        connective = spec.tool.network_effect * s / (s + p.critical_mass**p.critical_mass_steepness)
        stock = model.stock
        communal = spec.tool.communal_effect * stock / (stock + p.information_half)
        effort = spec.tool.learning_effort * math.exp(-self.experience / p.learning_weeks)
        social = self.susceptibility * exposure / degree if degree > 0 else 0.0
        support = min(1.0, p.support)
        k = p.utility_scale
        delta = (
            p.intercept
            + k
            * (
                p.w_performance * (self.usefulness + communal - spec.legacy.value)
                - p.w_effort * effort
                + p.w_facilitating * support
                + p.w_habit * (self.habit - self.legacy_habit)
            )
            + k * (p.w_performance * connective + p.w_social * social)
            + p.w_innovativeness * self.innovativeness
            - p.overload_per_tool * self.tools_in_use
            - p.reactance_penalty * self.resentment
            - p.crowding_penalty * self.crowding
        )
        chance = 1.0 / (1.0 + math.exp(-delta)) if delta > -700 else 0.0
        self.use_next = self.random.random() < chance

    def advance(self) -> None:
        """Learning, habits and stage changes from this week's choice."""
        p, spec = self.model.params, self.model.spec
        use = self.use_next
        if use:
            self.experience += 1.0
            self.usefulness += p.learning_rate * (spec.tool.value - self.usefulness)
            self.habit += self.habit_rate * (1.0 - self.habit)
            self.legacy_habit *= 1.0 - p.habit_decay
            self.use_streak += 1
            self.idle_streak = 0
        else:
            self.habit *= 1.0 - p.habit_decay
            self.legacy_habit += self.habit_rate * (self.legacy_plateau - self.legacy_habit)
            self.use_streak = 0
            self.idle_streak += 1
        self.resentment *= 1.0 - p.resentment_decay
        if use and not self.ever_tried:
            self.ever_tried = True
            self.model.log(self, "trial")
            if self.stage == AWARE:
                self.stage = TRYING
        if self.stage == TRYING and self.use_streak >= p.adopt_after:
            self.stage = ACTIVE
            self.model.log(self, "adoption")
        elif self.stage == LAPSED and self.use_streak >= p.adopt_after:
            self.stage = ACTIVE
            self.model.log(self, "readoption")
        elif self.stage in (TRYING, ACTIVE) and self.idle_streak >= p.lapse_after:
            self.stage = LAPSED
            self.lapses += 1
            self.model.log(self, "lapse")
        habitual = self.habit >= p.habitual_threshold
        if habitual and not self.habitual:
            self.model.log(self, "habit")
        self.habitual = habitual
        self.used = use


def _share(stage: int):
    def report(model: NaiveAdoptionModel) -> float:
        return sum(1 for a in model.agents if a.stage == stage) / len(model.agents)

    return report


class NaiveAdoptionModel(mesa.Model):
    """adoptsim's rule (utility mode, no strategies) with one Mesa agent per employee."""

    def __init__(self, spec: Scenario, org: Organization, seed: int = 0):
        super().__init__(rng=seed)
        self.spec = spec
        self.params: bh.BehaviorParams = spec.behavior
        self.legacy_beta = beta_from_mean_sd(spec.legacy.habit.mean, spec.legacy.habit.sd)
        self.graph = org.to_networkx()
        self.stock = 0.0
        self.week = 0
        self.events: list[tuple[int, int, str]] = []
        self.employee_at = {node: NaiveEmployee(self, node) for node in self.graph.nodes}
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "aware_share": lambda m: 1.0 - _share(UNAWARE)(m),
                "active_share": _share(ACTIVE),
                "lapsed_share": _share(LAPSED),
                "habitual_share": lambda m: sum(a.habitual for a in m.agents) / len(m.agents),
                "information_stock": "stock",
            }
        )
        self.datacollector.collect(self)

    def log(self, agent: NaiveEmployee, event: str) -> None:
        """Append to the activity stream."""
        self.events.append((self.week, agent.node, event))

    def step(self) -> None:
        """One week: everyone decides, then everyone changes; then the information stock."""
        self.week += 1
        self.agents.do("decide")
        self.agents.do("advance")
        p, tool = self.params, self.spec.tool
        share = sum(a.used for a in self.agents) / len(self.agents)
        self.stock = (1.0 - p.information_decay) * self.stock + tool.information_per_use * share
        self.datacollector.collect(self)
