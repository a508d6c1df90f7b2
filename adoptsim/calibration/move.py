"""A move step for the particles' people (resample-move, Gilks & Berzuini 2001, JRSS B
63:127): each employee's traits in each particle are proposed again from the prior and the
proposal is accepted with the ratio of that employee's likelihood of the observed weeks
under the new traits and under the old ones (Metropolis-Hastings with an independence
proposal: the prior cancels).

Given a particle's parameters and everyone's observed use, each employee's weeks depend on
that employee's own traits and latent state only, so the acceptance is per employee and
the employees move together in one replay. The replay re-lives the observed weeks twice
per particle on the same random streams, once with the particle's traits and once with
the proposed ones (a :class:`~adoptsim.model.conditioned.ConditionedSimulation` of twice
the particles, keeping every employee's log-likelihood); each employee's state after the
last observed week is then taken from the replay of the traits kept.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from adoptsim import rng as rngmod
from adoptsim.execute.simulations import build_simulation
from adoptsim.model.conditioned import ConditionedSimulation
from adoptsim.model.people import Traits, draw_traits
from adoptsim.model.records import EventLog
from adoptsim.model.state import BatchState
from adoptsim.org import Organization
from adoptsim.scenario import Scenario


def move_people(
    state: BatchState,
    spec: Scenario,
    org: Organization,
    codes: np.ndarray,
    label: str,
) -> tuple[BatchState, np.ndarray, float]:
    """The particles of ``state`` (at the last week of ``codes``, the observations) after
    one move of every employee's traits: the new state, each particle's chance per employee
    of having heard of the tool, and the share of moves accepted."""
    R, T = state.R, codes.shape[0] - 1
    horizon = spec.with_changes(weeks=max(T, 1))
    values = {k: np.concatenate([v, v]) for k, v in state.values.items()}
    keys = [f"{label}/{r}" for r in range(R)] * 2
    sim = build_simulation(
        horizon, state.seed, range(2 * R), org, values=values, streams_of=keys,
        kind=ConditionedSimulation,
    )  # fmt: skip
    start = sim.state(events=False)
    legacy = state.values.get("legacy.habit.mean")
    means = np.full(R, spec.legacy.habit.mean) if legacy is None else legacy
    streams = [rngmod.stream(state.seed, f"{label}/{r}", "proposal") for r in range(R)]
    proposed = draw_traits(spec, org, streams, np.asarray(means, dtype=float))
    old = {f.name: state.arrays[f"traits.{f.name}"] for f in fields(Traits)}
    new = {f.name: getattr(proposed, f.name) for f in fields(Traits)}
    _set_traits(start, {k: np.concatenate([old[k], new[k]]) for k in old})
    sim.restore(start, copy=False)
    sim.person_loglik = np.zeros((2 * R, org.n))
    for week in range(1, T + 1):
        sim.observe(codes[week])
        sim.step()
        sim.events = EventLog()
    ll = sim.person_loglik
    u = rngmod.stream(state.seed, rngmod.SHARED, f"{label} accept").random((R, org.n))
    accept = np.log(u) < ll[R:] - ll[:R]
    after = sim.state(events=False, copy=False)
    kept = after.take(np.arange(R), labels=list(state.replicates))
    for name, arr in after.arrays.items():
        if arr.shape == (2 * R, org.n):
            kept.arrays[name] = np.where(accept, arr[R:], arr[:R])
    aware = np.where(accept, sim.aware[R:], sim.aware[:R])
    return kept, aware, float(accept.mean())


def _set_traits(state: BatchState, traits: dict[str, np.ndarray]) -> None:
    """Give ``state`` (at week 0, its arrays its own) the ``traits``; usefulness and the
    legacy habit move with them."""
    a = state.arrays
    for moved, trait in (("usefulness", "usefulness_noise"), ("legacy_habit", "legacy_habit")):
        a[moved] += traits[trait] - a[f"traits.{trait}"]
    for name, value in traits.items():
        a[f"traits.{name}"] = np.array(value, dtype=a[f"traits.{name}"].dtype)
