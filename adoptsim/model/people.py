"""Employees: their stages and their traits (drawn at creation).

Traits and state are arrays of shape (replicates, employees) owned by
:class:`adoptsim.model.engine.Simulation`. The Mesa agent :class:`adoptsim.mesa.Employee`
lives in :mod:`adoptsim.mesa`, so that this module (on the path of every run) does not
import Mesa; ``from adoptsim.model.people import Employee`` still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from adoptsim.model import behavior as bh

if TYPE_CHECKING:
    from adoptsim.model.spec import ScenarioLike
    from adoptsim.org import Organization


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


def draw_traits(
    spec: ScenarioLike,
    org: Organization,
    rngs: list[np.random.Generator],
    legacy_means: np.ndarray | None = None,
) -> Traits:
    """Draw every employee's traits, each replicate from its own 'traits' stream
    (``legacy_means``: each replicate's own mean legacy habit, default the scenario's)."""
    p = spec.behavior
    sd = spec.legacy.habit.sd
    if legacy_means is None:
        legacy_means = np.full(len(rngs), spec.legacy.habit.mean)
    n = org.n
    cols = [np.empty((len(rngs), n)) for _ in range(7)]
    innov, suscept, autonomy, tools, legacy, habit_rate, noise = cols
    for r, g in enumerate(rngs):
        # a fixed order of draws: adding a trait at the end never shifts the others
        g.standard_normal(out=innov[r])
        # Beta(2, 2): mean 0.5, mass in the middle (assumption: most people are moderately
        # susceptible and moderately autonomy-seeking)
        suscept[r] = beta22(g, n)
        autonomy[r] = beta22(g, n)
        tools[r] = poisson(g, p.tools_in_use_mean, n)
        legacy[r] = g.beta(*beta_from_mean_sd(float(legacy_means[r]), sd), n)
        weeks95 = p.habit_weeks_median * np.exp(p.habit_weeks_sigma * g.standard_normal(n))
        habit_rate[r] = bh.habit_rates(weeks95)
        g.standard_normal(out=noise[r])
        noise[r] *= p.prior_usefulness_sd
    return Traits(*cols)


def beta22(g: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of Beta(2, 2): the median of three uniforms (the k-th smallest of m
    uniforms is Beta(k, m + 1 - k); David & Nagaraja 2003, Order Statistics, 3rd ed., 2.2).
    Three uniforms cost about a quarter of NumPy's beta (two gamma draws)."""
    a, b, c = g.random((3, n))
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def poisson(g: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """``n`` draws of Poisson(``mean``) by inversion of its distribution function: one
    uniform each (NumPy's sampler takes about ``mean + 1`` of them), found through a guide
    table (Chen & Asau 1974; Devroye 1986, Non-Uniform Random Variate Generation, III.2)."""
    cdf, guide = _poisson_tables(float(mean))
    u = g.random(n)
    k = guide[(u * guide.size).astype(np.intp)]  # the smallest k whose bucket holds u
    below = u >= cdf[k]
    while below.any():  # a step up where P(K <= k) <= u
        k += below
        below = u >= cdf[k]
    return k


@lru_cache(maxsize=32)
def _poisson_tables(mean: float) -> tuple[np.ndarray, np.ndarray]:
    """``P(K <= k)`` for k = 0, 1, ... until it is 1 in floating point (K ~ Poisson), and
    for each of as many equal buckets of [0, 1) the smallest k with ``P(K <= k)`` above the
    bucket's start."""
    size = int(mean + 40.0 * np.sqrt(mean) + 40.0)
    pmf = np.exp(-mean) * np.concatenate([[1.0], np.cumprod(mean / np.arange(1, size))])
    cdf = np.minimum(np.cumsum(pmf), 1.0)
    cdf[-1] = 1.0  # the tail beyond the table (far below 1e-16) counts as its last value
    guide = np.searchsorted(cdf, np.arange(cdf.size) / cdf.size, side="right")
    for table in (cdf, guide):
        table.flags.writeable = False
    return cdf, guide
