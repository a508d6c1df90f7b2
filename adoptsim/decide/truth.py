"""A synthetic truth: one simulated organization with known parameters that a strategist
"observes" week by week (who used the tool) and whose plan may change on the way. It
makes the observed weeks of the shipped replan example and the closed-loop experiments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.model.engine import Simulation
from adoptsim.org import Organization
from adoptsim.runs.runner import assemble, collect
from adoptsim.scenario import Scenario


class Truth:
    """One replicate of ``scenario`` with parameters ``values`` (path -> value), advanced
    under a plan that may change; records who used the tool each week."""

    def __init__(
        self,
        scenario: Scenario,
        values: dict[str, float],
        seed: int,
        replicate: int = 0,
        org: Organization | None = None,
    ):
        self.org = org if org is not None else build_org(scenario, seed)
        own = {k: np.array([float(v)]) for k, v in values.items()}
        self.sim = build_simulation(scenario, seed, [replicate], self.org, values=own)
        self.used: list[np.ndarray] = []  # week 1, 2, ...

    @property
    def week(self) -> int:
        """The last week simulated."""
        return self.sim.week

    def advance(self, until: int, plan: Scenario | None = None) -> None:
        """Simulate to week ``until``, from now on under ``plan`` (default: as it is)."""
        if plan is not None:
            self.sim = Simulation.resume(plan, self.org, self.sim.state())
        while self.sim.week < min(until, self.sim.weeks):
            self.sim.step()
            self.used.append(self.sim.used[0].copy())
        if self.sim.week == self.sim.weeks:
            for s in self.sim.strategies:
                s.finalize(self.sim)

    def activity(self, through: int | None = None) -> pd.DataFrame:
        """Per-person weekly activity ``employee_id,week,active`` through week ``through``
        (the users of each week; absent people were inactive)."""
        weeks = self.used[: through or len(self.used)]
        rows = [(self.org.ids[i], t, 1) for t, u in enumerate(weeks, 1) for i in np.flatnonzero(u)]
        if not rows:  # nobody yet: one person seen inactive keeps the file readable
            rows = [(self.org.ids[0], max(1, len(weeks)), 0)]
        return pd.DataFrame(rows, columns=["employee_id", "week", "active"])

    def write_activity(self, path: str | Path, through: int | None = None) -> Path:
        """:meth:`activity` as a CSV file."""
        self.activity(through).to_csv(path, index=False)
        return Path(path)

    def summary(self) -> pd.Series:
        """The summary metrics of the truth's run (after its last week)."""
        part = collect(self.sim)
        res = assemble(self.sim.spec, [part], 1, self.sim.seed, False, self.org.n)
        return res.summary.iloc[0]
