"""Seed adopters: chosen employees (and optionally their neighbourhoods) start as adopters."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from adoptsim.errors import ScenarioError, did_you_mean
from adoptsim.strategies.base import Strategy, StrategyParams, TargetSpec, register


def _one_random() -> TargetSpec:
    return TargetSpec(select="random", count=1)


@register("seed_adopters")
class SeedAdopters(Strategy):
    """A seed set: chosen employees are made active users at ``start``.

    Mechanism: at ``start`` the seeds become active users (the activity stream records them
    with this strategy as cause); nothing else changes. In the utility mode they then choose
    freely like everyone else; in the bass and threshold modes adopters stay adopted. This
    is the seed set of threshold models (Granovetter 1978) and the seeded neighbourhood of
    complex contagion experiments (Centola & Macy 2007: a node and its neighbours).

    Parameters:
        target: who the seeds are; default one employee drawn at random (from the
            strategy's own random stream).
        employees (None): employee ids to seed instead of ``target``.
        neighbors (false): also seed every neighbour of the chosen seeds.
    """

    summary = "A seed set: chosen people (and their neighbours) start as adopters."

    class Params(StrategyParams):
        type: Literal["seed_adopters"] = "seed_adopters"
        target: TargetSpec = Field(default_factory=_one_random)
        employees: list[str] | None = Field(
            None, description="Employee ids to seed (instead of `target`)."
        )
        neighbors: bool = Field(False, description="Also seed the seeds' neighbours.")

        @model_validator(mode="after")
        def _ids(self) -> SeedAdopters.Params:
            if self.employees is not None and not self.employees:
                raise ValueError("employees: give at least one employee id")
            return self

    def initialize(self, sim) -> None:
        if self.p.employees is None:
            super().initialize(sim)
        else:
            org = sim.org
            known = set(map(str, org.ids))
            missing = [e for e in self.p.employees if e not in known]
            if missing:
                shown = ", ".join(map(repr, missing[:5]))
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                hint = did_you_mean(missing[0], known) if org.n <= 100_000 else ""
                raise ScenarioError(
                    f"no employee with id {shown}{more} in the organization{hint}",
                    source=sim.source,
                    where=f"strategy {self.label}.employees",
                )
            mask = np.zeros(org.n, dtype=bool)
            mask[org.index_of(self.p.employees)] = True
            self.targets = np.broadcast_to(mask, (sim.R, sim.N)).copy()
        if self.p.neighbors:
            ties = (sim.W != 0).astype(float)
            near = np.asarray(ties @ self.targets.T.astype(float)).T > 0
            self.targets = self.targets | near

    def apply(self, sim, week: int) -> None:
        if week == self.p.start:
            sim.make_active(self.targets, self.label)
