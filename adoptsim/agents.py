"""The Mesa agent: ``Employee``, one per employee of an :class:`adoptsim.model.AdoptionModel`.

An :class:`Employee`'s attributes are views on row 0 of the arrays owned by
:class:`adoptsim.engine.Simulation`, so Mesa users find agents while the weekly update runs
over all employees at once. Kept apart from :mod:`adoptsim.people` (stages and traits, on
the path of every run) so that only Mesa users import Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from adoptsim.people import Category, Stage, category_of

if TYPE_CHECKING:
    from adoptsim.model import AdoptionModel

__all__ = ["Employee"]


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
        from adoptsim.org import ROLES

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
