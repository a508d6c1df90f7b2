"""ABC-SMC: approximate Bayesian computation by sequential Monte Carlo, as pure functions.

Population Monte Carlo ABC (Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96:983-990;
Toni et al. 2009, J. R. Soc. Interface 6:187-202): generation 0 samples the prior; each next
generation's tolerance is a quantile of the last accepted distances; particles are drawn
from the last population by weight, moved by a Gaussian kernel with twice the population's
weighted covariance (Beaumont et al. 2009), simulated a batch at a time, kept when their
distance is within the tolerance, and weighted prior / sum_j w_j K(theta | theta_j). With
K replicates per particle, a particle is kept with probability (replicates within the
tolerance) / K, an unbiased estimate of the ABC likelihood (Bornn, Pillai, Smith & Woodard
2017, Statistics and Computing 27:1247).
Parameters are handled in their prior's scale (log for log priors); a prior is flat there
unless a :class:`Prior` gives it a density (e.g. a truncated normal: informative priors).

A run stops when it has converged — a generation's tolerance fell by less than
``min_tolerance_drop`` of the last one, or its acceptance rate fell below ``min_acceptance``
(the tolerance has reached the noise floor of the simulations; the stop rules of pyABC,
Klinger, Rickert & Hasenauer 2018) — or, without converging, when it reaches ``generations``
or ``max_simulations``; :attr:`SMCResult.stop` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from adoptsim.errors import InputError

#: the batch simulator: particles (P x D, prior scale) -> distances (P x K): one per
#: independent replicate of each particle
Simulate = Callable[[np.ndarray], np.ndarray]
#: progress: (generation, tolerance, acceptance rate, simulations so far)
Progress = Callable[[int, float, float, int], None]


@dataclass
class Generation:
    """One population: particles (prior scale), normalised weights, distances, tolerance."""

    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    tolerance: float
    acceptance: float
    simulations: int


class Prior(Protocol):
    """A prior over particles in their prior scale."""

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` particles (n x D)."""
        ...

    def log_density(self, particles: np.ndarray) -> np.ndarray:
        """Log density of each particle (n x D), up to a constant; -inf outside."""
        ...


@dataclass(frozen=True)
class FlatPrior:
    """Uniform within ``bounds`` (D x 2)."""

    bounds: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` particles uniform within the bounds."""
        return sample_prior(self.bounds, n, rng)

    def log_density(self, particles: np.ndarray) -> np.ndarray:
        """0 inside the bounds, -inf outside."""
        b = self.bounds
        inside = np.all((particles >= b[:, 0]) & (particles <= b[:, 1]), axis=1)
        return np.where(inside, 0.0, -np.inf)


#: why a run stopped, and whether that counts as converged
STOPS = {
    "given": (True, "made outside abc_smc"),
    "tolerance": (True, "the tolerance fell by less than {drop:.0%} in a generation"),
    "acceptance": (True, "the acceptance rate fell below {acceptance:.0%}"),
    "generations": (False, "it reached the most generations allowed ({generations})"),
    "simulations": (False, "it reached the simulation budget ({budget:,})"),
}


@dataclass
class SMCResult:
    """Every generation of a run, the last one being the posterior, and why it stopped."""

    generations: list[Generation] = field(default_factory=list)
    stop: str = "given"
    reason: str = ""

    @property
    def converged(self) -> bool:
        """Whether the run stopped by a convergence rule (tolerance or acceptance)."""
        return STOPS[self.stop][0]

    @property
    def posterior(self) -> Generation:
        """The last population."""
        return self.generations[-1]

    @property
    def simulations(self) -> int:
        """Particles simulated in all."""
        return sum(g.simulations for g in self.generations)


def sample_prior(bounds: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` particles uniform within ``bounds`` (D x 2, prior scale)."""
    return rng.uniform(bounds[:, 0], bounds[:, 1], size=(n, len(bounds)))


def kernel_covariance(particles: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance of a population (Beaumont et al. 2009), kept positive
    definite."""
    cov = np.atleast_2d(np.cov(particles, rowvar=False, aweights=weights))
    cov = 2.0 * cov
    floor = 1e-12 * max(1.0, float(np.max(np.abs(np.diag(cov)))))
    return cov + floor * np.eye(len(cov))


def perturb(
    last: Generation, n: int, bounds: np.ndarray, cov: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """``n`` proposals inside ``bounds``: a particle of ``last`` by weight, moved by the
    Gaussian kernel (proposals outside the prior are drawn again, at most MAX_PROPOSALS
    per particle: then an InputError)."""
    out = np.empty((0, len(bounds)))
    chol = np.linalg.cholesky(cov)
    proposed = 0
    while len(out) < n:
        if proposed >= MAX_PROPOSALS * n:
            raise_few_inside(len(out), proposed)
        k = 2 * (n - len(out))
        proposed += k
        picks = rng.choice(len(last.particles), size=k, p=last.weights)
        moved = last.particles[picks] + rng.standard_normal((k, len(bounds))) @ chol.T
        inside = np.all((moved >= bounds[:, 0]) & (moved <= bounds[:, 1]), axis=1)
        out = np.vstack([out, moved[inside]])
    return out[:n]


#: most proposals per particle needed before the kernel is judged unable to hit the prior
MAX_PROPOSALS = 1000


def raise_few_inside(inside: int, proposed: int) -> None:
    """The error of a prior range that the kernel's proposals (almost) never hit."""
    raise InputError(
        f"only {inside:,} of {proposed:,} proposed particles fell inside the prior ranges: a "
        "range is too narrow for its parameter (or a log range too close to 0); widen the "
        "--fit ranges or fit fewer parameters",
        source="--fit",
    )


def kernel_log_density(x: np.ndarray, centers: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log N(x_i; c_j, cov) up to a constant, (len(x), len(centers))."""
    chol = np.linalg.cholesky(cov)
    out = np.empty((len(x), len(centers)))
    step = max(1, 2_000_000 // max(1, len(centers) * x.shape[1]))
    for i in range(0, len(x), step):
        diff = x[i : i + step, np.newaxis, :] - centers[np.newaxis, :, :]
        z = np.linalg.solve(chol, diff.reshape(-1, x.shape[1]).T).T
        out[i : i + step] = -0.5 * np.sum(z * z, axis=1).reshape(-1, len(centers))
    return out


def new_weights(
    accepted: np.ndarray, last: Generation, cov: np.ndarray, prior: Prior | None = None
) -> np.ndarray:
    """prior / sum_j w_j K(theta | theta_j), normalised (a flat prior when None)."""
    logk = kernel_log_density(accepted, last.particles, cov)
    with np.errstate(divide="ignore"):
        logk = logk + np.log(last.weights)[np.newaxis, :]
    top = logk.max(axis=1, keepdims=True)
    log_mix = top[:, 0] + np.log(np.exp(logk - top).sum(axis=1))
    log_prior = np.zeros(len(accepted)) if prior is None else prior.log_density(accepted)
    log_w = log_prior - log_mix
    weights = np.exp(log_w - log_w.max())
    return weights / weights.sum()


def abc_smc(
    bounds: np.ndarray,
    simulate: Simulate,
    rng: np.random.Generator,
    population: int = 200,
    generations: int = 6,
    quantile: float = 0.5,
    min_acceptance: float = 0.02,
    progress: Progress | None = None,
    *,
    prior: Prior | None = None,
    min_tolerance_drop: float = 0.0,
    max_simulations: int | None = None,
) -> SMCResult:
    """Run ABC-SMC: at most ``generations`` after the prior generation, each of
    ``population`` particles, from ``prior`` (flat within ``bounds`` when None); stops
    early by the rules of the module docstring (``min_tolerance_drop`` 0: that rule off;
    ``max_simulations`` None: no budget)."""
    bounds = np.asarray(bounds, dtype=float)
    prior = prior if prior is not None else FlatPrior(bounds)
    first = prior.sample(population, rng)
    d0 = np.atleast_2d(np.asarray(simulate(first), dtype=float).T).T
    result = SMCResult(
        [
            Generation(
                first, np.full(population, 1 / population), d0.mean(axis=1), np.inf, 1.0, population
            )
        ]
    )
    last_all = d0
    if progress is not None:
        progress(0, np.inf, 1.0, result.simulations)
    budget = max_simulations if max_simulations is not None else np.inf
    for t in range(1, generations + 1):
        last = result.posterior
        eps = float(np.quantile(last_all, quantile))
        cov = kernel_covariance(last.particles, last.weights)
        kept, dist, tried = [], [], 0
        while sum(len(k) for k in kept) < population:
            batch = perturb(last, population, bounds, cov, rng)
            d = np.atleast_2d(np.asarray(simulate(batch), dtype=float).T).T
            tried += len(batch)
            ok = rng.random(len(batch)) < (d <= eps).mean(axis=1)
            kept.append(batch[ok])
            dist.append(d[ok])
            if tried >= population / min_acceptance or result.simulations + tried >= budget:
                break
        accepted = np.vstack(kept)[:population]
        all_d = np.vstack(dist)[:population]
        rate = len(np.vstack(kept)) / tried
        if len(accepted) < population:  # too few within the tolerance: stop at the last
            stop = "simulations" if result.simulations + tried >= budget else "acceptance"
            return _stopped(result, stop, min_tolerance_drop, min_acceptance, generations, budget)
        weights = new_weights(accepted, last, cov, prior)
        result.generations.append(
            Generation(accepted, weights, all_d.mean(axis=1), eps, rate, tried)
        )
        last_all = all_d
        if progress is not None:
            progress(t, eps, rate, result.simulations)
        stop = _stop_rule(result, rate, min_acceptance, min_tolerance_drop, budget)
        if stop is not None:
            return _stopped(result, stop, min_tolerance_drop, min_acceptance, generations, budget)
    return _stopped(result, "generations", min_tolerance_drop, min_acceptance, generations, budget)


def _stop_rule(
    result: SMCResult, rate: float, min_acceptance: float, min_drop: float, budget: float
) -> str | None:
    """The rule that stops the run after its last generation, if any."""
    gens = result.generations
    if rate < min_acceptance:
        return "acceptance"
    if len(gens) >= 3 and min_drop > 0:
        before, now = gens[-2].tolerance, gens[-1].tolerance
        if np.isfinite(before) and before > 0 and (before - now) / before < min_drop:
            return "tolerance"
    if result.simulations >= budget:
        return "simulations"
    return None


def _stopped(
    result: SMCResult,
    stop: str,
    drop: float,
    acceptance: float,
    generations: int,
    budget: float,
) -> SMCResult:
    result.stop = stop
    result.reason = STOPS[stop][1].format(
        drop=drop, acceptance=acceptance, generations=generations, budget=budget
    )
    return result


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (equal-tailed intervals use 0.05
    and 0.95)."""
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cum = np.cumsum(w) - 0.5 * w
    cum /= w.sum()
    return float(np.interp(q, cum, v))
