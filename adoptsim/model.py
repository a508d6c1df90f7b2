"""AdoptionModel: one replicate of a scenario as a ``mesa.Model``.

The model owns a one-replicate :class:`adoptsim.engine.Simulation` (whose ``step`` holds
the order of a week); ``model.agents`` holds one :class:`adoptsim.agents.Employee` per
employee, whose attributes are views on the simulation's arrays, and
``model.datacollector`` records the model-level curves each week.

Ensembles should use :func:`adoptsim.run`, which advances many replicates together and
gives identical numbers for the same seed and replicate index.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from adoptsim import rng as rngmod
from adoptsim.agents import Employee
from adoptsim.engine import CURVE_COLUMNS, Simulation
from adoptsim.org import Organization, build
from adoptsim.scenario import Scenario


def _reporter(column: str):
    j = CURVE_COLUMNS.index(column)

    def report(model: AdoptionModel) -> float:
        return float(model.sim.curves[model.sim.week, 0, j])

    report.__name__ = column
    report.__doc__ = f"The model's {column.replace('_', ' ')} this week."
    return report


#: model reporters as plain functions of the model, one per curve column
REPORTERS = {c: _reporter(c) for c in CURVE_COLUMNS}


def seed_of(rng: Any) -> int:
    """An integer root seed from what Mesa accepts as ``rng`` (int, SeedSequence, Generator)."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, int | np.integer):
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> 1)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    raise TypeError(f"rng must be an int, a SeedSequence or a Generator, not {type(rng).__name__}")


def _is_scenario_path(name: str) -> bool:
    """Whether a keyword argument names a scenario setting (not one of Mesa's own)."""
    if "." in name or "[" in name:
        return True
    return name in Scenario.model_fields and name != "seed"  # Mesa's own `seed`


class AdoptionModel(mesa.Model):
    """One replicate of a scenario: ``AdoptionModel(spec, rng=seed, replicate=0)``.

    ``spec`` is a :class:`adoptsim.scenario.Scenario` (a path is loaded). ``rng`` is the
    root seed (default: the scenario's ``seed``); ``replicate`` picks the replicate's random
    streams, so ``AdoptionModel(spec, rng=s, replicate=k)`` reproduces replicate ``k`` of
    ``adoptsim.run(spec, seed=s)``. ``org`` reuses an already built organization.

    Other keyword arguments named like a scenario path (``weeks``, ``behavior.w_habit``,
    ``strategies[evangelists].target.count``) override the scenario, so the model works
    with ``mesa.batch_run`` (which passes parameters as keyword arguments).
    """

    def __init__(
        self,
        spec: Scenario | str,
        rng: Any = None,
        replicate: int = 0,
        org: Organization | None = None,
        **kwargs: Any,
    ):
        if not isinstance(spec, Scenario):
            from adoptsim.scenario import load_scenario

            spec = load_scenario(spec)
        overrides = {k: kwargs.pop(k) for k in list(kwargs) if _is_scenario_path(k)}
        if overrides:
            from adoptsim.sweep import with_overrides

            spec = with_overrides(spec, overrides)
        root = spec.seed if rng is None else seed_of(rng)
        super().__init__(rng=root, **kwargs)
        self.spec = spec
        self.root_seed = root
        self.replicate = replicate
        if org is None:
            org_rng = rngmod.org_stream(
                root, replicate if spec.organization.new_per_replicate else None
            )
            org = build(spec.organization, org_rng, spec.base_dir)
        self.org = org
        source = str(spec.source) if spec.source else None
        self.sim = Simulation(spec, org, root, [replicate], source=source)
        self.employees = [Employee(self, i) for i in range(org.n)]
        self.datacollector = mesa.DataCollector(model_reporters=dict(REPORTERS))
        self.datacollector.collect(self)

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.sim.week

    def step(self) -> None:
        """Advance one week (see :meth:`adoptsim.engine.Simulation.step` for the order)."""
        self.sim.step()
        self.datacollector.collect(self)
        if self.sim.week >= self.spec.weeks:
            for s in self.sim.strategies:
                s.finalize(self.sim)
            self.running = False
