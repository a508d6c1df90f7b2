"""What every validation case shares: results and checks, tolerances and sizes, closed forms,
small graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd

from adoptsim.execute.simulations import build_simulation
from adoptsim.org import KINDS, Organization
from adoptsim.runs.runner import collect
from adoptsim.scenario import Scenario, validate_scenario

matplotlib.use("Agg")


Size = Literal["full", "quick"]


#: the pass/fail tolerances of the cases (module-level so that a deliberately wrong one can
#: be tried, as the tests do)
TOLERANCE: dict[str, float] = {
    # the criterion: largest gap under 0.02 at 5,000 employees
    "bass_gap": 0.02,
    # the ensemble mean is the recursion up to sampling noise: within this many standard
    # errors of the mean (at its largest over the weeks)
    "bass_standard_errors": 5.0,
    # one week, the model's time step
    "habit_median_days": 7.0,
    # "roughly the published range": each end within a factor of 1.5
    "habit_range_factor": 1.5,
    # "most" of the lattice, and "stalls": shares of employees
    "centola_most": 0.9,
    "centola_stall": 0.1,
    # each Rogers category within 3 percentage points
    "rogers_points": 0.03,
}


#: the settings of each case at each size: "full" for `adoptsim validate`, "quick" for tests
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "bass": {
            "employees": 5000,
            "runs": 100,
            "weeks_per_period": 25,
            "periods": 20,
            "closed_form_check": True,
        },
        "granovetter": {"weeks": 105},
        "centola": {"employees": 1000, "degree": 6, "runs": 10},
        "eckles": {"employees": 1000, "degree": 4, "runs": 6, "weeks": 300, "rewired": 0.1},
        "habit": {"employees": 5000, "runs": 4, "weeks": 78},
        "rogers": {"employees": 2000, "runs": 20, "weeks": 104},
    },
    "quick": {
        # the ensemble's noise falls as 1/sqrt(employees x runs): the 0.02 criterion on the
        # simulated mean needs the full size on every seed, so the quick size checks the mean
        # against the recursion (within its standard errors) and the recursion against F(t)
        "bass": {
            "employees": 2000,
            "runs": 20,
            "weeks_per_period": 20,
            "periods": 20,
            "closed_form_check": False,
        },
        "granovetter": {"weeks": 105},
        "centola": {"employees": 300, "degree": 6, "runs": 4},
        "eckles": {"employees": 300, "degree": 4, "runs": 4, "weeks": 120, "rewired": 0.1},
        "habit": {"employees": 1000, "runs": 2, "weeks": 60},
        "rogers": {"employees": 1000, "runs": 20, "weeks": 104},
    },
}


#: (p, q) pairs of the Bass case: Sultan, Farley & Lehmann's (1990) mean (0.03, 0.38), and
#: a slower start with stronger imitation (0.01, 0.42)
BASS_PAIRS = ((0.03, 0.38), (0.01, 0.42))


#: Lally et al. (2010) modelled habit formation for 39 participants: the published range is
#: the shortest and longest of 39 people
LALLY_PEOPLE = 39


#: Centola (2010): adoption reached 54 % of clustered against 38 % of random networks
CENTOLA_2010 = (0.54, 0.38)


@dataclass
class Check:
    """One comparison: the published figure beside the simulated one."""

    name: str
    published: str
    simulated: str
    tolerance: str
    passed: bool


@dataclass
class CaseResult:
    """The outcome of one validation case."""

    case: str
    title: str
    reference: str
    checks: list[Check]
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return all(c.passed for c in self.checks)

    def table(self) -> pd.DataFrame:
        """One row per check."""
        return pd.DataFrame(
            [
                {
                    "case": self.case,
                    "check": c.name,
                    "published": c.published,
                    "simulated": c.simulated,
                    "tolerance": c.tolerance,
                    "passed": c.passed,
                }
                for c in self.checks
            ]
        )


def bass_closed_form(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Bass (1969) cumulative adoption F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_recursion(steps: int, p: float, q: float, dt: float) -> np.ndarray:
    """The discrete-time recursion F(t+1) = F(t) + (1 - e^{-(p+qF(t))dt})(1 - F(t)), F(0)=0.

    It is the expected adopted share of mode bass, well mixed, with ``dt`` periods a week.
    """
    F = np.zeros(steps + 1)
    for i in range(steps):
        F[i + 1] = F[i] - np.expm1(-(p + q * F[i]) * dt) * (1.0 - F[i])
    return F


def organization_from_edges(n: int, edges: np.ndarray, name: str) -> Organization:
    """A flat organization of ``n`` individual contributors tied by ``edges`` (pairs)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    m = len(edges)
    return Organization(
        ids=np.array([f"e{i}" for i in range(n)], dtype=object),
        departments=("all",),
        department=np.zeros(n),
        role=np.zeros(n),
        level=np.zeros(n),
        manager=np.full(n, -1),
        edge_src=edges[:, 0],
        edge_dst=edges[:, 1],
        edge_kind=np.full(m, KINDS.index("collaborates"), dtype=np.int8),
        edge_weight=np.ones(m),
        source=name,
    )


def organization_from_graph(graph: nx.Graph, name: str) -> Organization:
    """A flat organization with the nodes 0..n-1 and ties of a networkx graph."""
    return organization_from_edges(graph.number_of_nodes(), np.array(graph.edges()), name)


def ring_lattice(n: int, degree: int) -> nx.Graph:
    """The clustered ring lattice: everyone tied to their ``degree`` nearest neighbours."""
    return nx.watts_strogatz_graph(n, degree, 0.0)


def random_twin(graph: nx.Graph, rng: np.random.Generator) -> nx.Graph:
    """A degree-preserving, connected random rewiring of ``graph`` (Maslov & Sneppen 2002)."""
    return nx.random_reference(graph, niter=2, connectivity=True, seed=int(rng.integers(2**32 - 1)))


def case_scenario(data: dict[str, Any]) -> Scenario:
    """A validated scenario for a literature case, from a plain mapping."""
    return validate_scenario(data, source="adoptsim.validation")


def run_case(spec: Scenario, org: Organization, seed: int, replicates: Sequence[int]):
    """Run replicates on ``org``; the simulation (for traits) and its tables."""
    sim = build_simulation(spec, seed, replicates, org)
    sim.run()
    return sim, collect(sim)


def fmt(x: float, digits: int = 3) -> str:
    """``x`` with a fixed number of decimals, for check messages."""
    return f"{x:.{digits}f}"


CATEGORY_NAMES = ("innovators", "early adopters", "early majority", "late majority", "laggards")
