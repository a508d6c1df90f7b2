"""The Mesa face: ``AdoptionModel`` (one replicate of a scenario as a ``mesa.Model``) and
``Employee`` (one ``mesa.Agent`` per employee).

The model owns a one-replicate :class:`adoptsim.model.engine.Simulation` (whose ``step``
holds the order of a week); ``model.agents`` holds one :class:`Employee` per employee, whose
attributes are views on row 0 of the simulation's arrays, so Mesa users find agents while
the weekly update runs over all employees at once; ``model.datacollector`` records the
model-level curves each week.

Ensembles should use :func:`adoptsim.run`, which advances many replicates together and
gives identical numbers for the same seed and replicate index.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from adoptsim import rng as rngmod
from adoptsim.model.engine import CURVE_COLUMNS, Simulation
from adoptsim.model.people import Category, Stage, category_of
from adoptsim.org import ROLES, Organization, build
from adoptsim.scenario import Scenario, load_scenario, with_overrides

__all__ = ["REPORTERS", "AdoptionModel", "Employee", "seed_of"]


class Employee(mesa.Agent):
    """An employee as a Mesa agent; its attributes read the model's state arrays."""

    model: AdoptionModel

    def __init__(self, model: AdoptionModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _sim(self):
        return self.model.sim

    @property
    def employee_id(self) -> str:
        """External id of the employee in the organization."""
        return str(self._sim.org.ids[self.index])

    @property
    def department(self) -> str:
        """Department name."""
        org = self._sim.org
        return org.departments[int(org.department[self.index])]

    @property
    def role(self) -> str:
        """Role: individual_contributor, manager or executive."""
        return ROLES[int(self._sim.org.role[self.index])]

    @property
    def level(self) -> int:
        """Depth in the hierarchy (0 = top)."""
        return int(self._sim.org.level[self.index])

    @property
    def stage(self) -> Stage:
        """Current adoption stage."""
        return Stage(int(self._sim.stage[0, self.index]))

    @property
    def habit(self) -> float:
        """Habit strength for the new tool (0..1)."""
        return float(self._sim.habit[0, self.index])

    @property
    def legacy_habit(self) -> float:
        """Habit strength for the legacy tool (0..1)."""
        return float(self._sim.legacy_habit[0, self.index])

    @property
    def usefulness(self) -> float:
        """Perceived usefulness of the new tool."""
        return float(self._sim.usefulness[0, self.index])

    @property
    def uses_tool(self) -> bool:
        """Whether the employee used the new tool this week."""
        return bool(self._sim.used[0, self.index])

    @property
    def voluntary(self) -> bool:
        """Whether the employee's latest use was voluntary rather than only compliance."""
        return not bool(self._sim.compliant[0, self.index])

    @property
    def innovativeness(self) -> float:
        """Standard-normal innovativeness trait."""
        return float(self._sim.traits.innovativeness[0, self.index])

    @property
    def category(self) -> Category:
        """Rogers adopter category."""
        return Category(int(category_of(self.innovativeness)))

    @property
    def neighbors(self) -> list[Employee]:
        """Employees tied to this one in the organization graph."""
        W = self._sim.W
        idx = W.indices[W.indptr[self.index] : W.indptr[self.index + 1]]
        return [self.model.employees[int(i)] for i in idx]

    def step(self) -> None:
        """Nothing: the weekly update is computed for all employees at once by the model."""


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
            spec = load_scenario(spec)
        overrides = {k: kwargs.pop(k) for k in list(kwargs) if _is_scenario_path(k)}
        if overrides:
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
        """Advance one week (see :meth:`adoptsim.model.engine.Simulation.step` for the order)."""
        self.sim.step()
        self.datacollector.collect(self)
        if self.sim.week >= self.spec.weeks:
            for s in self.sim.strategies:
                s.finalize(self.sim)
            self.running = False
