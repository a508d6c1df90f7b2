"""A point fit (``--method optimize``): Optuna's TPE sampler minimising the ABC distance.

The objective is the calibration's distance (the mean absolute error of the observed shares)
averaged over each trial's replicates. Trials are asked in rounds of ``batch`` (TPE with the
constant liar, so a round's trials spread out) and simulated together, like an ABC
population. A noisy objective flatters the luckiest trial, so the ``refine`` best trials are
simulated again on ``refine_replicates`` fresh replicates each, and the one with the lowest
mean distance over those is the fit.

Reproducible: the sampler's seed comes from the calibration's named stream, trials are asked
and told in one thread in a fixed order, and each trial's replicates are numbered in that
order, so the same seed gives the same fit.

The result is an :class:`~adoptsim.calibration.abc.SMCResult` with one population: the best
trial alone, with weight 1 (``posterior.csv`` has one row). A point fit says nothing about
how uncertain the parameters are; a forecast from it holds chance only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from adoptsim.calibration.abc import Generation, Simulate, SMCResult

#: progress: (trials so far, best distance so far, simulations so far)
PointProgress = Callable[[int, float, int], None]


@dataclass(frozen=True)
class PointFit:
    """The search's record beside the fit: every trial (prior scale) and its distance."""

    trials: np.ndarray
    distances: np.ndarray
    refined: np.ndarray
    refined_distances: np.ndarray
    simulations: int


def optimize_fit(
    bounds: np.ndarray,
    simulate: Simulate,
    rng: np.random.Generator,
    trials: int = 300,
    batch: int = 20,
    refine: int = 10,
    refine_replicates: int = 10,
    progress: PointProgress | None = None,
) -> tuple[SMCResult, PointFit]:
    """Minimise the mean distance of ``simulate`` over ``bounds`` (D x 2, prior scale, where
    every prior is uniform) with ``trials`` TPE trials, then refine the best ``refine``."""
    import optuna

    bounds = np.asarray(bounds, dtype=float)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=int(rng.integers(2**31 - 1)), multivariate=True, constant_liar=True
        )
    study = optuna.create_study(direction="minimize", sampler=sampler)
    names = [f"x{j}" for j in range(len(bounds))]
    xs, ds, sims = [], [], 0
    while len(xs) < trials:
        asked = [study.ask() for _ in range(min(batch, trials - len(xs)))]
        rows = np.array(
            [
                [t.suggest_float(n, lo, hi) for n, (lo, hi) in zip(names, bounds, strict=True)]
                for t in asked
            ]
        )
        d = np.atleast_2d(np.asarray(simulate(rows), dtype=float).T).T.mean(axis=1)
        sims += len(rows)
        for t, v in zip(asked, d, strict=True):
            study.tell(t, float(v))
        xs.extend(rows)
        ds.extend(d)
        if progress is not None:
            progress(len(xs), float(np.min(ds)), sims)
    xs_arr, ds_arr = np.array(xs), np.array(ds)
    top = np.argsort(ds_arr, kind="stable")[: max(1, min(refine, len(ds_arr)))]
    again = np.repeat(xs_arr[top], refine_replicates, axis=0)
    d_again = np.atleast_2d(np.asarray(simulate(again), dtype=float).T).T.mean(axis=1)
    sims += len(again)
    refined = d_again.reshape(len(top), refine_replicates).mean(axis=1)
    best = int(np.argmin(refined))
    generation = Generation(
        particles=xs_arr[top[best]][np.newaxis],
        weights=np.ones(1),
        distances=refined[best : best + 1],
        tolerance=float("nan"),
        acceptance=float("nan"),
        simulations=sims,
    )
    record = PointFit(xs_arr, ds_arr, xs_arr[top], refined, sims)
    return SMCResult([generation]), record
