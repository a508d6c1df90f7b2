"""Employees: their stages, their traits (drawn at creation) and the Mesa ``Employee`` agent.

Traits and state are arrays of shape (replicates, employees) owned by
:class:`adoptsim.engine.Simulation`; an :class:`Employee` is a Mesa agent whose attributes
are views on row 0 of those arrays, so Mesa users find agents while the weekly update runs
over all employees at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from adoptsim import behavior as bh

if TYPE_CHECKING:
    from adoptsim.model import AdoptionModel
    from adoptsim.org import Organization
    from adoptsim.scenario import Scenario


class Stage(IntEnum):
    """Adoption stage of an employee."""

    UNAWARE = 0
    AWARE = 1
    TRYING = 2
    ACTIVE = 3
    LAPSED = 4


#: stage codes as plain ints, for array comparisons: comparing an int8 array with an IntEnum
#: member converts the whole array to int64 first (8x slower, measured)
UNAWARE, AWARE, TRYING, ACTIVE, LAPSED = (int(s) for s in Stage)


class Category(IntEnum):
    """Rogers' adopter categories (Rogers 2003, Diffusion of Innovations, 5th ed., ch. 7)."""

    INNOVATOR = 0
    EARLY_ADOPTER = 1
    EARLY_MAJORITY = 2
    LATE_MAJORITY = 3
    LAGGARD = 4


# Rogers (2003): categories are cut at the mean and 1 and 2 standard deviations of a normal
# distribution of innovativeness: 2.5 %, 13.5 %, 34 %, 34 %, 16 %.
CATEGORY_CUTS = (2.0, 1.0, 0.0, -1.0)
CATEGORY_SHARES = (0.025, 0.135, 0.34, 0.34, 0.16)


def category_of(innovativeness: np.ndarray) -> np.ndarray:
    """Rogers category codes (see :class:`Category`) of standard-normal innovativeness."""
    z = np.asarray(innovativeness)
    out = np.full(z.shape, Category.LAGGARD, dtype=np.int8)
    for code, cut in zip(range(4), CATEGORY_CUTS, strict=True):
        out = np.where((z >= cut) & (out == Category.LAGGARD), code, out).astype(np.int8)
    return out


@dataclass(frozen=True)
class Traits:
    """Traits of every employee in every replicate, each an (R, N) array."""

    innovativeness: np.ndarray  # standard normal; Rogers' categories by its cuts
    susceptibility: np.ndarray  # 0..1, weight of peers' use in one's decision
    autonomy: np.ndarray  # 0..1, need for autonomy (sensitivity to control)
    tools_in_use: np.ndarray  # count of tools already juggled
    legacy_habit: np.ndarray  # 0..1, initial habit strength for the legacy tool
    habit_rate: np.ndarray  # per-week habit growth rate (Lally curve)
    usefulness_noise: np.ndarray  # individual deviation of expected usefulness

    @property
    def category(self) -> np.ndarray:
        """Rogers category codes (R, N)."""
        return category_of(self.innovativeness)


def beta_from_mean_sd(mean: float, sd: float) -> tuple[float, float]:
    """Beta(a, b) parameters with the given mean and standard deviation."""
    var = sd * sd
    limit = mean * (1 - mean)
    if not 0 < mean < 1 or var <= 0 or var >= limit:
        raise ValueError(f"no beta distribution has mean {mean} and sd {sd}")
    common = limit / var - 1.0
    return mean * common, (1 - mean) * common


def draw_traits(spec: Scenario, org: Organization, rngs: list[np.random.Generator]) -> Traits:
    """Draw every employee's traits, each replicate from its own 'traits' stream."""
    p = spec.behavior
    a_leg, b_leg = beta_from_mean_sd(spec.legacy.habit.mean, spec.legacy.habit.sd)
    n = org.n
    rows = []
    for g in rngs:
        # a fixed order of draws: adding a trait at the end never shifts the others
        innov = g.standard_normal(n)
        # Beta(2, 2): mean 0.5, mass in the middle (assumption: most people are moderately
        # susceptible and moderately autonomy-seeking)
        suscept = g.beta(2.0, 2.0, n)
        autonomy = g.beta(2.0, 2.0, n)
        tools = g.poisson(p.tools_in_use_mean, n).astype(float)
        legacy = g.beta(a_leg, b_leg, n)
        weeks95 = p.habit_weeks_median * np.exp(p.habit_weeks_sigma * g.standard_normal(n))
        noise = p.prior_usefulness_sd * g.standard_normal(n)
        rows.append((innov, suscept, autonomy, tools, legacy, bh.habit_rates(weeks95), noise))
    cols = [np.stack(c) for c in zip(*rows, strict=True)]
    return Traits(*cols)


class Employee(mesa.Agent):
    """An employee as a Mesa agent; its attributes read the model's state arrays."""

    model: AdoptionModel

    def __init__(self, model: AdoptionModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _sim(self):
        return self.model.sim

    @property
    def employee_id(self) -> str:
        """External id of the employee in the organization."""
        return str(self._sim.org.ids[self.index])

    @property
    def department(self) -> str:
        """Department name."""
        org = self._sim.org
        return org.departments[int(org.department[self.index])]

    @property
    def role(self) -> str:
        """Role: individual_contributor, manager or executive."""
        from adoptsim.org import ROLES

        return ROLES[int(self._sim.org.role[self.index])]

    @property
    def level(self) -> int:
        """Depth in the hierarchy (0 = top)."""
        return int(self._sim.org.level[self.index])

    @property
    def stage(self) -> Stage:
        """Current adoption stage."""
        return Stage(int(self._sim.stage[0, self.index]))

    @property
    def habit(self) -> float:
        """Habit strength for the new tool (0..1)."""
        return float(self._sim.habit[0, self.index])

    @property
    def legacy_habit(self) -> float:
        """Habit strength for the legacy tool (0..1)."""
        return float(self._sim.legacy_habit[0, self.index])

    @property
    def usefulness(self) -> float:
        """Perceived usefulness of the new tool."""
        return float(self._sim.usefulness[0, self.index])

    @property
    def uses_tool(self) -> bool:
        """Whether the employee used the new tool this week."""
        return bool(self._sim.used[0, self.index])

    @property
    def voluntary(self) -> bool:
        """Whether the employee's latest use was voluntary rather than only compliance."""
        return not bool(self._sim.compliant[0, self.index])

    @property
    def innovativeness(self) -> float:
        """Standard-normal innovativeness trait."""
        return float(self._sim.traits.innovativeness[0, self.index])

    @property
    def category(self) -> Category:
        """Rogers adopter category."""
        return Category(int(category_of(self.innovativeness)))

    @property
    def neighbors(self) -> list[Employee]:
        """Employees tied to this one in the organization graph."""
        W = self._sim.W
        idx = W.indices[W.indptr[self.index] : W.indptr[self.index + 1]]
        return [self.model.employees[int(i)] for i in idx]

    def step(self) -> None:
        """Nothing: the weekly update is computed for all employees at once by the model."""
