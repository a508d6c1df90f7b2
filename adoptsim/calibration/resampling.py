"""Resampling a particle filter's whole simulated organizations
(:mod:`adoptsim.calibration.assimilate`): which rows are taken, their copies' random
streams, the parameters' move and the traits drawn again.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from adoptsim import rng as rngmod
from adoptsim.model.people import UNAWARE, Traits, draw_traits
from adoptsim.model.state import BatchState
from adoptsim.org import Organization
from adoptsim.scenario import Scenario


def systematic(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn by systematic resampling (one uniform: ``(k + u) / n``)."""
    edges = np.cumsum(weights)
    edges[-1] = 1.0
    return np.searchsorted(edges, (np.arange(n) + rng.random()) / n, side="right")


def copies(state: BatchState, idx: np.ndarray, label: str) -> BatchState:
    """Rows ``idx`` of ``state`` numbered 0, 1, ...; every repeat of a row after its first
    on new streams keyed by ``label``."""
    taken = state.take(idx, labels=list(range(len(idx))))
    _, first = np.unique(idx, return_index=True)
    repeats = np.setdiff1d(np.arange(len(idx)), first)
    return taken.renew(repeats, label) if repeats.size else taken


def liu_west(
    values: dict[str, np.ndarray],
    w: np.ndarray,
    idx: np.ndarray,
    discount: float,
    bounds: dict[str, tuple[float, float]],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The resampled particles' parameters moved by Liu & West's kernel shrinkage (in log
    scale for positive parameters), kept within ``bounds`` (the first draws' range)."""
    if not values:
        return {}
    paths = list(values)
    positive = {p: bool(np.all(values[p] > 0)) for p in paths}
    theta = np.column_stack([np.log(values[p]) if positive[p] else values[p] for p in paths])
    a = (3.0 * discount - 1.0) / (2.0 * discount)
    mean = w @ theta
    cov = np.atleast_2d(np.cov(theta, rowvar=False, aweights=w))
    cov += 1e-12 * np.eye(len(paths))
    moved = a * theta[idx] + (1.0 - a) * mean
    moved += rng.multivariate_normal(np.zeros(len(paths)), (1.0 - a * a) * cov, size=len(idx))
    out = {}
    for j, p in enumerate(paths):
        v = np.exp(moved[:, j]) if positive[p] else moved[:, j]
        out[p] = np.clip(v, *bounds[p])
    return out


def fresh_traits(
    state: BatchState,
    idx: np.ndarray,
    label: str,
    spec: Scenario,
    org: Organization,
    who: str = "untried",
) -> BatchState:
    """``state`` (just taken, its arrays its own) with every repeat of a row after its first
    given new traits, drawn from its renewed streams, for the employees who have not tried
    the tool (``who="untried"``) or not heard of it (``"unaware"``) in that row (their
    state follows: usefulness and the legacy habit move with the traits)."""
    _, first = np.unique(idx, return_index=True)
    rows = np.setdiff1d(np.arange(len(idx)), first)
    if rows.size == 0:
        return state
    a = state.arrays
    legacy = state.values.get("legacy.habit.mean")
    means = np.full(rows.size, spec.legacy.habit.mean) if legacy is None else legacy[rows]
    streams = [rngmod.stream(state.seed, f"{label}/{int(r)}", "traits") for r in rows]
    new = draw_traits(spec, org, streams, np.asarray(means, dtype=float))
    fresh = ~a["ever_tried"][rows]
    if who == "unaware":
        fresh &= a["stage"][rows] == UNAWARE
    for moved, trait in (("usefulness", "usefulness_noise"), ("legacy_habit", "legacy_habit")):
        a[moved][rows] += (getattr(new, trait) - a[f"traits.{trait}"][rows]) * fresh
    for f in fields(Traits):
        old = a[f"traits.{f.name}"]
        old[rows] = np.where(fresh, getattr(new, f.name), old[rows])
    return state
