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
Parameters are handled in their prior's scale (log for log-uniform priors), where every prior
is uniform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import multivariate_normal

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


@dataclass
class SMCResult:
    """Every generation of a run, the last one being the posterior."""

    generations: list[Generation] = field(default_factory=list)

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
    Gaussian kernel (proposals outside the prior are drawn again)."""
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


def new_weights(accepted: np.ndarray, last: Generation, cov: np.ndarray) -> np.ndarray:
    """prior / sum_j w_j K(theta | theta_j), normalised (the prior is flat inside bounds)."""
    density = np.zeros(len(accepted))
    for p, w in zip(last.particles, last.weights, strict=True):
        density += w * multivariate_normal.pdf(accepted, mean=p, cov=cov, allow_singular=True)
    weights = 1.0 / np.maximum(density, np.finfo(float).tiny)
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
) -> SMCResult:
    """Run ABC-SMC: at most ``generations`` after the prior generation, each of
    ``population`` particles; stops early when a generation accepts fewer than
    ``min_acceptance`` of its proposals."""
    bounds = np.asarray(bounds, dtype=float)
    first = sample_prior(bounds, population, rng)
    d0 = np.atleast_2d(np.asarray(simulate(first), dtype=float).T).T
    result = SMCResult(
        [
            Generation(
                first,
                np.full(population, 1 / population),
                d0.mean(axis=1),
                np.inf,
                1.0,
                population,
            )
        ]
    )
    last_all = d0
    if progress is not None:
        progress(0, np.inf, 1.0, result.simulations)
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
            if tried >= population / min_acceptance:
                break
        accepted = np.vstack(kept)[:population]
        all_d = np.vstack(dist)[:population]
        rate = len(np.vstack(kept)) / tried
        if len(accepted) < population:  # too few within the tolerance: stop at the last
            break
        weights = new_weights(accepted, last, cov)
        result.generations.append(
            Generation(accepted, weights, all_d.mean(axis=1), eps, rate, tried)
        )
        last_all = all_d
        if progress is not None:
            progress(t, eps, rate, result.simulations)
        if rate < min_acceptance:
            break
    return result


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (equal-tailed intervals use 0.05
    and 0.95)."""
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cum = np.cumsum(w) - 0.5 * w
    cum /= w.sum()
    return float(np.interp(q, cum, v))
