"""What a calibration fits: scenario paths with a prior range, ``PATH=LO:HI[:log]``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from adoptsim.errors import InputError, ScenarioError
from adoptsim.execute import cores
from adoptsim.execute.budget import (
    EVENT_BYTES,
    EVENTS_PER_PERSON,
    Estimate,
    check_memory,
    estimate_run,
)
from adoptsim.org.records import decimal_number
from adoptsim.runs.runner import BATCH_ELEMENTS, FIXED_PER_RUN
from adoptsim.scenario import Scenario, locate, with_overrides
from adoptsim.scenario.paths import PathError

_FIT = re.compile(
    r"\s*([^=\s]+)\s*=\s*([^:]+):([^:]+)(?::(log))?(?::normal\(([^,()]+),([^,()]+)\))?\s*"
)


@dataclass(frozen=True)
class FitParameter:
    """A fitted scenario path and its prior on [low, high]: uniform, or in the log scale
    with ``log``; with ``center`` and ``spread``, a normal of mean ``center`` (the median in
    natural units for a log prior) and standard deviation ``spread`` (in the prior's scale:
    log units for a log prior), truncated to the range."""

    path: str
    low: float
    high: float
    log: bool = False
    center: float | None = None
    spread: float | None = None

    @property
    def normal(self) -> bool:
        """Whether the prior is a truncated normal (else flat in its scale)."""
        return self.center is not None and self.spread is not None

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """The prior's log density in its own scale, up to a constant (-inf outside)."""
        x = np.asarray(x, dtype=float)
        lo, hi = self.bounds
        inside = (x >= lo) & (x <= hi)
        if not self.normal:
            return np.where(inside, 0.0, -np.inf)
        z = (x - self.to_unit(np.array(self.center))) / self.spread
        return np.where(inside, -0.5 * z * z, -np.inf)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the prior, in its own scale."""
        lo, hi = self.bounds
        if not self.normal:
            return rng.uniform(lo, hi, size=n)
        mu = float(self.to_unit(np.array(self.center)))
        out = np.empty(0)
        for _ in range(1000):  # the range holds the center: at least a few % are inside
            x = rng.normal(mu, self.spread, size=2 * n)
            out = np.concatenate([out, x[(x >= lo) & (x <= hi)]])
            if len(out) >= n:
                return out[:n]
        raise ValueError(f"the prior of {self.path} puts almost nothing inside {lo:g}..{hi:g}")

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Values in the prior's own scale (log for a log-uniform prior)."""
        return np.log(values) if self.log else np.asarray(values, dtype=float)

    def from_unit(self, values: np.ndarray) -> np.ndarray:
        """Values back from the prior's scale."""
        return np.exp(values) if self.log else np.asarray(values, dtype=float)

    @property
    def bounds(self) -> tuple[float, float]:
        """The prior's range in its own scale."""
        lo, hi = self.low, self.high
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def text(self) -> str:
        """The parameter as written on the command line."""
        out = f"{self.path}={self.low:g}:{self.high:g}" + (":log" if self.log else "")
        return out + (f":normal({self.center:.6g},{self.spread:.6g})" if self.normal else "")


def parse_fit(text: str, flag: str = "--fit") -> FitParameter:
    """``behavior.w_social=0:0.6`` (``:log`` for a log-uniform prior) as a FitParameter."""
    m = _FIT.fullmatch(text)
    if not m:
        raise InputError(
            f"{text!r} is not PATH=LO:HI[:log][:normal(MU,SD)] (e.g. "
            "behavior.w_social=0:0.6, behavior.external_awareness=0.001:0.05:log, or "
            "behavior.intercept=-3:12:normal(6,2.5))",
            source=flag,
        )
    path, lo_text, hi_text, log, mu_text, sd_text = m.groups()
    try:
        low, high = decimal_number(lo_text), decimal_number(hi_text)
        center = None if mu_text is None else decimal_number(mu_text)
        spread = None if sd_text is None else decimal_number(sd_text)
    except ValueError:
        raise InputError(
            f"{text!r}: LO, HI and the normal's MU and SD must be numbers", source=flag
        ) from None
    if low >= high:
        raise InputError(f"{text!r}: LO ({low:g}) must be below HI ({high:g})", source=flag)
    if log and low <= 0:
        raise InputError(f"{text!r}: a log range needs LO above 0", source=flag)
    if center is not None and not low <= center <= high:
        raise InputError(f"{text!r}: the normal's MU must lie in LO..HI", source=flag)
    if spread is not None and spread <= 0:
        raise InputError(f"{text!r}: the normal's SD must be above 0", source=flag)
    return FitParameter(path, low, high, bool(log), center, spread)


def check_fit(scenario: Scenario, fit: list[FitParameter], flag: str = "--fit") -> None:
    """Each path is a number the scenario holds, replicates may vary it, and both ends of
    its range are allowed values."""
    if not fit:
        raise InputError("give at least one parameter to fit, e.g. --fit behavior.w_social=0:0.6")
    paths = [f.path for f in fit]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        raise InputError(f"{dup[0]} is fitted twice", source=flag)
    data = scenario.model_dump()
    for f in fit:
        try:
            container, key = locate(data, f.path)
        except PathError as exc:
            raise InputError(f"{f.text()}: {exc}", source=flag) from None
        value = container[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                f"{f.text()}: {f.path} holds {value!r}, not a number to fit", source=flag
            )
        if f.path.split(".")[0].split("[")[0] in FIXED_PER_RUN:
            raise InputError(
                f"{f.text()}: the organization, horizon and run settings cannot be fitted",
                source=flag,
            )
        if isinstance(value, int) and math.floor(f.high) < math.ceil(f.low):
            raise InputError(
                f"{f.text()}: {f.path} is a whole number and no whole number lies between "
                f"{f.low:g} and {f.high:g}; give a range that holds one",
                source=flag,
            )
        for end in (f.low, f.high):
            try:
                with_overrides(scenario, {f.path: int(end) if isinstance(value, int) else end})
            except ScenarioError as exc:
                raise InputError(
                    f"{f.text()}: {end:g} is not an allowed value of {f.path} ({exc.message})",
                    source=flag,
                ) from None


@dataclass(frozen=True)
class FitPrior:
    """The joint prior of fitted parameters: independent, each its own (the ABC's
    :class:`adoptsim.calibration.abc.Prior`)."""

    params: tuple[FitParameter, ...]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` particles (n x D, prior scale): one uniform draw of all when every prior is
        flat (the numbers of a flat prior before priors could be normal), else one
        parameter after the other."""
        if not any(p.normal for p in self.params):
            bounds = np.array([p.bounds for p in self.params])
            return rng.uniform(bounds[:, 0], bounds[:, 1], size=(n, len(bounds)))
        return np.column_stack([p.sample(n, rng) for p in self.params])

    def log_density(self, particles: np.ndarray) -> np.ndarray:
        """The sum of each parameter's log density."""
        particles = np.atleast_2d(particles)
        return sum(p.log_density(particles[:, j]) for j, p in enumerate(self.params))


def calibration_estimate(
    scenario: Scenario,
    employees: int,
    simulations: int,
    replicates: int,
    workers: int | None = None,
) -> Estimate:
    """The memory and time a calibration of ``simulations`` particles (each ``replicates``
    simulated pilots) on ``employees`` is expected to take: the organization and one batch
    per worker in flight (a calibration keeps curves, not events)."""
    workers = cores() if workers is None else max(1, workers)
    runs = max(1, simulations * replicates)
    est = estimate_run(employees, runs, scenario.weeks, workers, BATCH_ELEMENTS)
    events = EVENT_BYTES * EVENTS_PER_PERSON * employees * runs
    what = f"{employees:,} employees x {runs:,} simulated pilots x {scenario.weeks:,} weeks"
    return Estimate(int(est.memory - events), est.seconds, what)


def check_calibration_memory(
    scenario: Scenario,
    employees: int,
    simulations: int,
    replicates: int,
    workers: int | None = None,
    max_memory: int | None = None,
) -> Estimate:
    """:func:`calibration_estimate`, refused (an InputError naming the knobs) when it needs
    more memory than ``max_memory`` (default: what the machine has available)."""
    est = calibration_estimate(scenario, employees, simulations, replicates, workers)
    check_memory(est, max_memory, knobs="--workers, --replicates")
    return est


def simulations_of(method: str, population: int, trials: int) -> int:
    """Particles simulated at once by a calibration: a generation's proposals (ABC) or a
    trial (a point fit)."""
    return population if method == "abc" else 1
