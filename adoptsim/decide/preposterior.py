"""Preposterior analysis of pilot designs on a bank of simulations (pure NumPy).

The bank: ``M`` prior draws of the uncertain parameters, each simulated once per design and
plan on its own replicate streams (the same draw and streams in every design and plan:
common random numbers). A draw ``t`` of the bank is a truth: its pilot weeks are what the
strategist would observe, its outcome what would happen. The calibration on a truth's
pilot is rejection ABC on the bank (a reference table): the ``k`` other draws whose
simulated pilot weeks are closest to the truth's (mean absolute difference of the observed
shares, the distance of :mod:`adoptsim.calibration`; draws tied with the ``k``-th are kept),
and the forecast is their simulated outcomes. A pilot that shows nothing (zero weeks)
leaves every draw tied: the posterior is the prior.

The truth's best plan is the plan with the best mean outcome over the ``k`` draws nearest
to the truth's parameters (a nearest-neighbour estimate of the expected outcome under the
truth; plans are compared on common random numbers, so their differences are sharp).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the forecast band: 5 % to 95 % (90 %), as everywhere in adoptsim
BAND = (0.05, 0.95)


@dataclass(frozen=True)
class Bank:
    """One design's simulations: ``observed`` (M, O) pilot weeks, ``outcomes`` (M, P) the
    outcome of the whole rollout under each plan."""

    observed: np.ndarray
    outcomes: np.ndarray


def standardised(values: dict[str, np.ndarray]) -> np.ndarray:
    """The draws as (M, K), each parameter centred and scaled to unit spread."""
    cols = [np.asarray(v, dtype=float) for v in values.values()]
    x = np.column_stack(cols) if cols else np.zeros((0, 0))
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def nearest(distance: np.ndarray, k: int, exclude: int | None = None) -> np.ndarray:
    """Indices of the ``k`` smallest distances, with every index tied with the ``k``-th
    (``exclude``: an index never taken)."""
    d = distance.astype(float).copy()
    if exclude is not None:
        d[exclude] = np.inf
    k = min(k, int(np.isfinite(d).sum()))
    kth = np.partition(d, k - 1)[k - 1]
    return np.flatnonzero(d <= kth + 1e-12)


def best_plan(outcomes: np.ndarray, maximize: bool) -> int:
    """The plan with the best mean outcome over rows (the first when tied)."""
    mean = outcomes.mean(axis=0)
    return int(np.argmax(mean) if maximize else np.argmin(mean))


def width(values: np.ndarray) -> float:
    """The 90 % band's width."""
    lo, hi = np.quantile(values, BAND)
    return float(hi - lo)


def truth_best(theta: np.ndarray, outcomes: np.ndarray, truths: int, k: int, maximize: bool):
    """Each truth's best plan: the best mean over the ``k`` draws nearest its parameters."""
    out = np.empty(truths, dtype=int)
    for t in range(truths):
        d = np.sqrt(((theta - theta[t]) ** 2).sum(axis=1)) if theta.size else np.zeros(len(theta))
        out[t] = best_plan(outcomes[nearest(d, k)], maximize)
    return out


def assess(
    bank: Bank,
    theta: np.ndarray,
    truths: int,
    k: int,
    maximize: bool,
    names: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Per truth: the posterior's size, the plan it recommends, the truth's best plan, the
    90 % band's width of the outcome under the recommended plan, the outcome the truth
    reaches when the recommendation is followed, and the posterior's spread of each
    parameter ``names[j]`` (``theta`` standardised: 1 is the prior's)."""
    obs, z = bank.observed, bank.outcomes
    best = truth_best(theta, z, truths, k, maximize)
    rows = []
    for t in range(truths):
        d = np.abs(obs - obs[t]).mean(axis=1) if obs.shape[1] else np.zeros(len(obs))
        post = nearest(d, k, exclude=t)
        plan = best_plan(z[post], maximize)
        rows.append(
            {
                "truth": t,
                "accepted": len(post),
                "recommended": plan,
                "best": int(best[t]),
                "correct": plan == best[t],
                "band_width": width(z[post, plan]),
                "outcome": float(z[t, plan]),
                **{f"spread:{n}": float(theta[post, j].std()) for j, n in enumerate(names)},
            }
        )
    return pd.DataFrame(rows)


def no_pilot(outcomes: np.ndarray, theta: np.ndarray, truths: int, k: int, maximize: bool):
    """The same table without a pilot: the prior's forecast (every other draw)."""
    return assess(Bank(np.zeros((len(outcomes), 0)), outcomes), theta, truths, k, maximize)


def interval(values: np.ndarray, rng: np.random.Generator, resamples: int = 1000) -> tuple:
    """90 % bootstrap interval of the mean over truths."""
    values = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[idx].mean(axis=1)
    return float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))


def summarise(
    per_truth: pd.DataFrame, baseline: pd.DataFrame, rng: np.random.Generator
) -> dict[str, float]:
    """A design's row: mean band width over truths, the share of the width without the
    pilot's weeks (``baseline``: the prior's forecast of the same rollout) that it removes
    (with a bootstrap interval over truths), decision accuracy (with its interval) and the
    mean outcome reached."""
    w0 = float(baseline["band_width"].mean())
    widths = per_truth["band_width"].to_numpy()
    narrowing = 1.0 - widths / w0 if w0 > 0 else np.zeros(len(widths))
    correct = per_truth["correct"].to_numpy(dtype=float)
    n_lo, n_hi = interval(narrowing, rng)
    a_lo, a_hi = interval(correct, rng)
    return {
        "band_width": float(per_truth["band_width"].mean()),
        "prior_band_width": w0,
        "prior_decision_accuracy": float(baseline["correct"].mean()),
        "band_narrowing": float(narrowing.mean()),
        "band_narrowing_low": n_lo,
        "band_narrowing_high": n_hi,
        "decision_accuracy": float(correct.mean()),
        "decision_accuracy_low": a_lo,
        "decision_accuracy_high": a_hi,
        "outcome": float(per_truth["outcome"].mean()),
        "accepted": float(per_truth["accepted"].mean()),
        **{
            "learned:" + c.split(":", 1)[1]: float(1.0 - per_truth[c].mean())
            for c in per_truth.columns
            if c.startswith("spread:")
        },
    }


def rank(table: pd.DataFrame, rank_by: str, budget: float | None) -> pd.Series:
    """1 = recommended: designs within the budget first, then by ``rank_by`` (larger is
    better), then by the other of band narrowing and decision accuracy, then cheaper."""
    other = "decision_accuracy" if rank_by == "band_narrowing" else "band_narrowing"
    within = table["cost"] <= (budget if budget is not None else np.inf)
    keys = pd.DataFrame(
        {"within": ~within, "a": -table[rank_by], "b": -table[other], "cost": table["cost"]}
    )
    order = keys.sort_values(["within", "a", "b", "cost"], kind="stable").index
    ranks = pd.Series(0, index=table.index, dtype=int)
    ranks.loc[order] = np.arange(1, len(order) + 1)
    return ranks
