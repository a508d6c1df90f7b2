"""Building what a batch runs on: a scenario's organization and a simulation of some of its
replicates. Every module that runs the engine builds its simulations here (the Mesa face
and the engine's own definition aside), so that a batch is always made the same way."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adoptsim import rng as rngmod
from adoptsim.model.engine import Simulation
from adoptsim.org import Organization, build
from adoptsim.scenario import Scenario


def build_org(scenario: Scenario, seed: int, replicate: int | None = None) -> Organization:
    """The scenario's organization from its own random stream (shared unless ``replicate``)."""
    return build(scenario.organization, rngmod.org_stream(seed, replicate), scenario.base_dir)


def build_simulation[S: Simulation](
    scenario: Scenario,
    seed: int,
    replicates: Sequence[int],
    org: Organization | None = None,
    *,
    values: dict[str, np.ndarray] | None = None,
    streams_of: Sequence[rngmod.StreamKey] | None = None,
    source: str | None = None,
    kind: type[S] = Simulation,
) -> S:
    """A simulation (a ``kind``: the engine's, or a subclass such as a conditioned one) of
    ``replicates`` of ``scenario`` under root ``seed``, on ``org`` (default: the scenario's
    shared organization, built).

    ``values``: each replicate's own value of parameters in
    :data:`~adoptsim.model.population.REPLICATE_PARAMETERS` (one per replicate, in order);
    ``streams_of``: the replicate whose random streams each one draws from (default its
    own); ``source``: the scenario file named in the strategies' log.
    """
    if org is None:
        org = build_org(scenario, seed)
    return kind(
        scenario, org, seed, list(replicates), source=source, values=values, streams_of=streams_of
    )
