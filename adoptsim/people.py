"""Employees: their stages and their traits (drawn at creation).

Traits and state are arrays of shape (replicates, employees) owned by
:class:`adoptsim.engine.Simulation`. The Mesa agent :class:`adoptsim.agents.Employee` lives
in :mod:`adoptsim.agents`, so that this module (on the path of every run) does not import
Mesa; ``from adoptsim.people import Employee`` still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from adoptsim import behavior as bh

if TYPE_CHECKING:
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
    legacy_habit: np.ndarray  # 0..1, legacy habit at launch: also its plateau
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


def __getattr__(name: str) -> object:
    """``Employee`` from :mod:`adoptsim.agents`, imported (with Mesa) on first use."""
    if name == "Employee":
        from adoptsim.agents import Employee

        return Employee
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
