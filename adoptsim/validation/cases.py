"""Validation against published results: the model's special cases reproduce the literature.

Five cases, each a function of a size (``"full"`` for the command, ``"quick"`` for the
tests) and a root seed that returns a :class:`CaseResult`: checks (the published figure
beside the simulated one, the tolerance, pass or fail), the data behind them and a chart
overlaying both.

1. ``bass`` — Bass (1969) curve: mode bass, well mixed; ensemble mean of cumulative adoption
   against the closed form and the discrete-time recursion.
2. ``granovetter`` — Granovetter's (1978) riot: thresholds 0..99 in people, all adopt;
   change the threshold 1 to 2 and only one adopts. Exact.
3. ``centola`` — complex contagion (Centola & Macy 2007; Centola 2010): with k = 2 a seeded
   neighbourhood spreads through a clustered ring lattice but stalls on its degree-preserving
   random twin; with k = 1 the random twin is faster.
4. ``habit`` — the habit curve (Lally et al. 2010) under the default utility mode: weekly
   use reaches 95 % of the plateau after a median of about 66 days, range 18-254 days.
5. ``rogers`` — Rogers' (2003) adopter categories under the default utility mode: mean
   adoption week rises from innovators to laggards; adoption times bucketed by standard
   deviations from the mean fall near 2.5 / 13.5 / 34 / 34 / 16 %.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim import rng as rngmod
from adoptsim.errors import InputError
from adoptsim.model import behavior as bh
from adoptsim.model.engine import Simulation
from adoptsim.model.people import CATEGORY_SHARES, category_of
from adoptsim.org import KINDS, Organization
from adoptsim.runs.runner import build_org, collect
from adoptsim.scenario import Scenario, validate_scenario

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


# --------------------------------------------------------------------------------------
# closed forms
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# organizations for the cases
# --------------------------------------------------------------------------------------


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


def _scenario(data: dict[str, Any]) -> Scenario:
    return validate_scenario(data, source="adoptsim.validation")


def _run(spec: Scenario, org: Organization, seed: int, replicates: Sequence[int]):
    """Run replicates on ``org``; the simulation (for traits) and its tables."""
    sim = Simulation(spec, org, seed, list(replicates))
    sim.run()
    return sim, collect(sim)


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


# --------------------------------------------------------------------------------------
# 1. Bass
# --------------------------------------------------------------------------------------


def bass_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Bass (1969): the ensemble mean of mode bass, well mixed, against the closed form."""
    s = SIZES[size]["bass"]
    m, periods = s["weeks_per_period"], s["periods"]
    weeks = m * periods
    tol = TOLERANCE["bass_gap"]
    org = organization_from_edges(s["employees"], np.zeros((0, 2)), "well mixed")
    checks, frames = [], []
    for p, q in BASS_PAIRS:
        spec = _scenario(
            {
                "name": f"bass p={p} q={q}",
                "weeks": weeks,
                "runs": s["runs"],
                "seed": seed,
                "behavior": {
                    "mode": "bass",
                    "mixing": "well_mixed",
                    "bass_p": p,
                    "bass_q": q,
                    "bass_period_weeks": m,
                },
            }
        )
        _, tables = _run(spec, org, seed, range(s["runs"]))
        curves = tables["curves"]
        by_week = curves.groupby("week")["active_share"]
        t = np.arange(weeks + 1) / m
        frame = pd.DataFrame(
            {
                "p": p,
                "q": q,
                "week": np.arange(weeks + 1),
                "period": t,
                "simulated": by_week.mean().to_numpy(),
                "low": by_week.quantile(0.05).to_numpy(),
                "high": by_week.quantile(0.95).to_numpy(),
                # standard error of the ensemble mean
                "se": (by_week.std(ddof=1) / np.sqrt(s["runs"])).to_numpy(),
                "closed_form": bass_closed_form(t, p, q),
                "recursion": bass_recursion(weeks, p, q, 1.0 / m),
            }
        )
        frames.append(frame)
        gap = np.abs(frame["simulated"] - frame["closed_form"])
        at = float(frame["period"].iloc[int(gap.argmax())])
        gap_rec = float(np.abs(frame["simulated"] - frame["recursion"]).max())
        noise = TOLERANCE["bass_standard_errors"] * float(frame["se"].max())
        gap_disc = float(np.abs(frame["recursion"] - frame["closed_form"]).max())
        if s["closed_form_check"]:
            checks.append(
                Check(
                    f"p={p} q={q}: max gap to closed form",
                    "Bass F(t)",
                    f"{_fmt(gap.max())} (t={at:.1f})",
                    f"< {tol}",
                    bool(gap.max() < tol),
                )
            )
        checks.append(
            Check(
                f"p={p} q={q}: recursion vs closed form",
                f"Bass F(t), dt=1/{m}",
                _fmt(gap_disc),
                f"< {tol}",
                bool(gap_disc < tol),
            )
        )
        checks.append(
            Check(
                f"p={p} q={q}: max gap to recursion",
                "F(t+1) recursion",
                _fmt(gap_rec),
                f"<= {_fmt(noise)} ({TOLERANCE['bass_standard_errors']:g} s.e.)",
                bool(gap_rec <= noise),
            )
        )
    return CaseResult(
        "bass",
        "Bass curve",
        "Bass (1969), Management Science 15(5):215-227; (p, q) = (0.03, 0.38) is the mean of "
        "Sultan, Farley & Lehmann (1990)",
        checks,
        {"curves": pd.concat(frames, ignore_index=True)},
        {**s, "seed": seed},
    )


# --------------------------------------------------------------------------------------
# 2. Granovetter's riot
# --------------------------------------------------------------------------------------


def granovetter_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Granovetter (1978): thresholds 0..99 all riot; with the 1 made a 2, only one does."""
    s = SIZES[size]["granovetter"]
    n = 100
    org = organization_from_edges(n, np.zeros((0, 2)), "well mixed")
    uniform = list(range(n))
    changed = [0, 2, *range(2, n)]
    frames, finals = [], {}
    for label, thresholds in (("0, 1, 2, ..., 99", uniform), ("0, 2, 2, 3, ..., 99", changed)):
        spec = _scenario(
            {
                "name": "granovetter",
                "weeks": s["weeks"],
                "runs": 1,
                "seed": seed,
                "behavior": {
                    "mode": "threshold",
                    "mixing": "well_mixed",
                    "threshold_kind": "count",
                    "thresholds": thresholds,
                },
            }
        )
        _, tables = _run(spec, org, seed, [0])
        curves = tables["curves"]
        adopters = np.rint(curves["active_share"].to_numpy() * n).astype(int)
        frames.append(
            pd.DataFrame({"thresholds": label, "week": curves["week"], "adopters": adopters})
        )
        finals[label] = int(adopters[-1])
    a, b = finals.values()
    checks = [
        Check(
            "thresholds 0..99 (people): rioters",
            "100",
            str(a),
            "exact",
            a == n,
        ),
        Check(
            "threshold 1 changed to 2: rioters",
            "1",
            str(b),
            "exact",
            b == 1,
        ),
    ]
    return CaseResult(
        "granovetter",
        "Granovetter's riot",
        "Granovetter (1978), American Journal of Sociology 83(6):1420-1443",
        checks,
        {"curves": pd.concat(frames, ignore_index=True)},
        {**s, "employees": n, "seed": seed},
    )


# --------------------------------------------------------------------------------------
# 3. Clustering and complex contagion
# --------------------------------------------------------------------------------------


def _contagion(
    name: str,
    behavior: dict[str, Any],
    weeks: int,
    runs: int,
    seed: int,
    lattice: tuple[str, Organization],
    others: dict[str, list[Organization]],
) -> pd.DataFrame:
    """Active-share curves (network, replicate, week, active_share) of a seeded
    neighbourhood (one employee drawn at random and their neighbours) on the lattice (all
    runs) and on each other network (replicate r on its r-th organization)."""
    spec = _scenario(
        {
            "name": name,
            "weeks": weeks,
            "runs": runs,
            "seed": seed,
            "behavior": behavior,
            "strategies": [
                {
                    "type": "seed_adopters",
                    "target": {"select": "random", "count": 1},
                    "neighbors": True,
                }
            ],
        }
    )
    label, org = lattice
    _, tables = _run(spec, org, seed, range(runs))
    parts = [tables["curves"].assign(network=label)]
    for other, orgs in others.items():
        for r, o in enumerate(orgs):
            _, t = _run(spec, o, seed, [r])
            parts.append(t["curves"].assign(network=other))
    curves = pd.concat(parts, ignore_index=True)
    return curves[["network", "replicate", "week", "active_share"]]


def centola_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Centola & Macy (2007): k = 2 spreads on a clustered lattice, stalls on its random twin;
    k = 1 spreads faster on the random twin."""
    s = SIZES[size]["centola"]
    n, z, runs = s["employees"], s["degree"], s["runs"]
    # the lattice front moves at least z/2 - 1 places per side a week
    weeks = min(520, math.ceil(n / (2 * max(z // 2 - 1, 1))) + 10)
    lattice = organization_from_graph(ring_lattice(n, z), "ring lattice")
    twins = [
        organization_from_graph(
            random_twin(ring_lattice(n, z), rngmod.stream(seed, r, "validation:rewire")),
            "random twin",
        )
        for r in range(runs)
    ]
    frames = []
    for k in (1, 2):
        behavior = {"mode": "threshold", "threshold_kind": "count", "threshold": k}
        curves = _contagion(
            f"complex contagion k={k}",
            behavior,
            weeks,
            runs,
            seed,
            ("clustered", lattice),
            {"random": twins},
        )
        frames.append(curves.assign(k=k))
    curves = pd.concat(frames, ignore_index=True)
    last = curves[curves["week"] == weeks].set_index(["k", "network", "replicate"])
    final = last["active_share"]
    c2 = float(final.loc[(2, "clustered")].mean())
    r2 = float(final.loc[(2, "random")].mean())
    half = (
        curves[curves["active_share"] >= 0.5]
        .groupby(["k", "network", "replicate"])["week"]
        .min()
        .reindex(final.index)
        .astype(float)
    )
    w_c, w_r = half.loc[(1, "clustered")], half.loc[(1, "random")]
    faster = bool(np.all(w_r.to_numpy() < w_c.to_numpy()))
    most, stall = TOLERANCE["centola_most"], TOLERANCE["centola_stall"]
    checks = [
        Check(
            "k=2, clustered lattice: final share",
            "spreads to most",
            f"{100 * c2:.1f} %",
            f">= {100 * most:.0f} %",
            c2 >= most,
        ),
        Check(
            "k=2, random twin: final share",
            "stalls",
            f"{100 * r2:.1f} %",
            f"<= {100 * stall:.0f} %",
            r2 <= stall,
        ),
        Check(
            "k=1: weeks to 50 %, random vs clustered",
            "random faster",
            f"{w_r.mean():.1f} vs {w_c.mean():.1f}",
            "in every run",
            faster,
        ),
    ]
    return CaseResult(
        "centola",
        "Clustering and complex contagion",
        "Centola & Macy (2007), American Journal of Sociology 113(3):702-734; Centola (2010), "
        "Science 329:1194-1197",
        checks,
        {"curves": curves},
        {**s, "weeks": weeks, "seed": seed},
    )


def eckles_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Eckles, Mossel, Rahimian & Sen (2024): with noisy thresholds, long ties accelerate a
    complex contagion that, without noise, only the clustered lattice carries."""
    s = SIZES[size]["eckles"]
    n, z, runs, weeks, share = s["employees"], s["degree"], s["runs"], s["weeks"], s["rewired"]
    # below-threshold adoption of order n ** (-1 / threshold), as in the paper
    noise = n**-0.5
    lattice = organization_from_graph(ring_lattice(n, z), "ring lattice")
    nets: dict[str, list[Organization]] = {
        f"{100 * share:.0f} % rewired": [
            organization_from_graph(
                nx.connected_watts_strogatz_graph(
                    n, z, share, seed=int(rngmod.stream(seed, r, "validation:ws").integers(2**31))
                ),
                "rewired lattice",
            )
            for r in range(runs)
        ],
        "random twin": [
            organization_from_graph(
                random_twin(ring_lattice(n, z), rngmod.stream(seed, r, "validation:rewire")),
                "random twin",
            )
            for r in range(runs)
        ],
    }
    frames = []
    for q in (0.0, noise):
        behavior = {
            "mode": "threshold",
            "threshold_kind": "count",
            "threshold": 2,
            "threshold_noise": q,
        }
        curves = _contagion(
            f"noisy complex contagion q={q:.3f}",
            behavior,
            weeks,
            runs,
            seed,
            ("clustered lattice", lattice),
            nets,
        )
        frames.append(curves.assign(noise=q))
    curves = pd.concat(frames, ignore_index=True)
    keys = ["noise", "network", "replicate"]
    last = curves[curves["week"] == weeks].set_index(keys)["active_share"].sort_index()
    half = (
        curves[curves["active_share"] >= 0.5]
        .groupby(keys)["week"]
        .min()
        .reindex(last.index)
        .astype(float)
    )
    rewired = f"{100 * share:.0f} % rewired"
    lat0 = half.loc[(0.0, "clustered lattice")].to_numpy()
    rew0 = last.loc[(0.0, rewired)].to_numpy()
    latq = half.loc[(noise, "clustered lattice")].to_numpy()
    checks = [
        Check(
            "no noise: weeks to 50 %, clustered lattice",
            "spreads (Centola & Macy)",
            f"{np.nanmean(lat0):.0f}" if np.isfinite(lat0).all() else "not in every run",
            "in every run",
            bool(np.isfinite(lat0).all()),
        ),
        Check(
            f"no noise: final share, {rewired}",
            "stalls",
            f"{100 * rew0.mean():.1f} %",
            "< 50 % in every run",
            bool(np.all(rew0 < 0.5)),
        ),
    ]
    for name in nets:
        netq = half.loc[(noise, name)].to_numpy()
        faster = bool(np.all(np.isfinite(netq)) and np.all(netq < np.nan_to_num(latq, nan=np.inf)))
        checks.append(
            Check(
                f"noise {noise:.3f}: weeks to 50 %, {name} vs clustered",
                "long ties faster",
                f"{np.nanmean(netq):.0f} vs {np.nanmean(latq):.0f}",
                "in every run",
                faster,
            )
        )
    return CaseResult(
        "eckles",
        "Noisy thresholds: long ties accelerate",
        "Eckles, Mossel, Rahimian & Sen (2024), Long ties accelerate noisy threshold-based "
        "contagions, Nature Human Behaviour (arXiv:1810.03579)",
        checks,
        {"curves": curves},
        {**s, "noise": noise, "seed": seed},
    )


# --------------------------------------------------------------------------------------
# 4. Habit curve
# --------------------------------------------------------------------------------------


def habit_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Lally et al. (2010): days of weekly use until habit reaches 95 % of its plateau."""
    s = SIZES[size]["habit"]
    n, runs, weeks = s["employees"], s["runs"], s["weeks"]
    spec = _scenario(
        {
            "name": "habit curve",
            "weeks": weeks,
            "runs": runs,
            "seed": seed,
            # the default utility mode, made to use the tool every week: everyone hears of it
            # at once and the tool is far better than the legacy one
            "tool": {"value": 10.0},
            "behavior": {"external_awareness": 1.0, "intercept": 20.0},
        }
    )
    org = organization_from_edges(n, np.zeros((0, 2)), "no ties")
    _, tables = _run(spec, org, seed, range(runs))
    ev = tables["events"]
    first = ev[ev["event"] == "trial"].groupby(["replicate", "employee"])["week"].min()
    habit = ev[ev["event"] == "habit"].groupby(["replicate", "employee"])["week"].min()
    weeks_to = (habit.reindex(first.index) - first + 1).astype(float).fillna(np.inf)
    days = bh.DAYS_PER_WEEK * weeks_to.to_numpy()
    used_every_week = float(tables["curves"].query("week >= 1")["using_share"].min())
    median = float(np.median(days))
    # the median shortest and longest of 39 people: quantiles 1 - 0.5^(1/39) and 0.5^(1/39)
    q_lo, q_hi = 1 - 0.5 ** (1 / LALLY_PEOPLE), 0.5 ** (1 / LALLY_PEOPLE)
    lo, hi = (float(x) for x in np.quantile(days, [q_lo, q_hi], method="inverted_cdf"))
    pub_med = bh.LALLY_MEDIAN_DAYS
    pub_lo, pub_hi = bh.LALLY_RANGE_DAYS
    tol_d, factor = TOLERANCE["habit_median_days"], TOLERANCE["habit_range_factor"]

    def within(x: float, ref: float) -> bool:
        return ref / factor <= x <= ref * factor

    checks = [
        Check(
            "premise: lowest weekly share using",
            "every week",
            f"{100 * used_every_week:.2f} %",
            ">= 99.9 %",
            used_every_week >= 0.999,
        ),
        Check(
            "median days to 95 % of plateau",
            f"{pub_med:.0f} days",
            f"{median:.0f} days ({median / 7:.0f} weeks)",
            f"± {tol_d:.0f} days",
            abs(median - pub_med) <= tol_d,
        ),
        Check(
            f"shortest of {LALLY_PEOPLE} people",
            f"{pub_lo:.0f} days",
            f"{lo:.0f} days",
            f"within x{factor:g}",
            within(lo, pub_lo),
        ),
        Check(
            f"longest of {LALLY_PEOPLE} people",
            f"{pub_hi:.0f} days",
            f"{hi:.0f} days",
            f"within x{factor:g}",
            within(hi, pub_hi),
        ),
    ]
    cdf = tables["curves"].groupby("week")["habitual_share"].mean().reset_index()
    cdf["days"] = bh.DAYS_PER_WEEK * cdf["week"]
    return CaseResult(
        "habit",
        "Habit curve",
        "Lally, van Jaarsveld, Potts & Wardle (2010), European Journal of Social Psychology "
        "40(6):998-1009",
        checks,
        {
            "habitual": cdf,
            "days_to_95": pd.DataFrame({"days": days}),
            "summary": pd.DataFrame(
                {"median": [median], "shortest": [lo], "longest": [hi], "used": [used_every_week]}
            ),
        },
        {**s, "seed": seed},
    )


# --------------------------------------------------------------------------------------
# 5. Rogers' adopter categories
# --------------------------------------------------------------------------------------

CATEGORY_NAMES = ("innovators", "early adopters", "early majority", "late majority", "laggards")


def rogers_case(size: Size = "full", seed: int = 1) -> CaseResult:
    """Rogers (2003): adoption order by category and adoption-time shares by sd buckets."""
    s = SIZES[size]["rogers"]
    runs = s["runs"]
    spec = _scenario(
        {
            "name": "rogers",
            "weeks": s["weeks"],
            "runs": runs,
            "seed": seed,
            "organization": {"generate": {"employees": s["employees"]}},
        }
    )
    org = build_org(spec, seed)
    sim, tables = _run(spec, org, seed, range(runs))
    ev = tables["events"]
    adoption = ev[ev["event"] == "adoption"].groupby(["replicate", "employee"])["week"].min()
    adoption = adoption.reset_index()
    index = pd.Series(np.arange(org.n), index=pd.Index(org.ids.astype(str)))
    emp = index.loc[adoption["employee"].to_numpy()].to_numpy()
    row = pd.Series(np.arange(sim.R), index=sim.replicates).loc[adoption["replicate"]].to_numpy()
    adoption["category"] = category_of(sim.traits.innovativeness)[row, emp]
    adoption["week"] = adoption["week"].astype(float)
    mean_week = adoption.groupby("category")["week"].mean().reindex(range(5))
    rising = bool(np.all(np.diff(mean_week.to_numpy()) > 0))
    # buckets by standard deviations from the mean adoption week, within each run
    shares = []
    for _, g in adoption.groupby("replicate"):
        w = g["week"].to_numpy()
        mu, sd = w.mean(), w.std()
        bucket = np.digitize(w, [mu - 2 * sd, mu - sd, mu, mu + sd])
        shares.append(np.bincount(bucket, minlength=5) / w.size)
    share = np.mean(shares, axis=0)
    gap = float(np.abs(share - np.asarray(CATEGORY_SHARES)).max())
    tol = TOLERANCE["rogers_points"]
    adopted = len(adoption) / (org.n * runs)
    checks = [
        Check(
            "mean adoption week by category",
            "rising",
            " < ".join(f"{w:.0f}" for w in mean_week.to_numpy()) + " weeks",
            "strictly rising",
            rising,
        ),
        Check(
            "shares by sd from mean week",
            " / ".join(f"{100 * x:g}" for x in CATEGORY_SHARES) + " %",
            " / ".join(f"{100 * x:.1f}" for x in share) + " %",
            f"each ± {100 * tol:.0f} points",
            gap <= tol,
        ),
    ]
    return CaseResult(
        "rogers",
        "Rogers' adopter categories",
        "Rogers (2003), Diffusion of Innovations, 5th ed., ch. 7",
        checks,
        {
            "mean_week": pd.DataFrame(
                {"category": CATEGORY_NAMES, "mean_week": mean_week.to_numpy()}
            ),
            "shares": pd.DataFrame(
                {
                    "category": CATEGORY_NAMES,
                    "published": CATEGORY_SHARES,
                    "simulated": share,
                }
            ),
        },
        {**s, "seed": seed, "adopted_share": adopted},
    )


#: the cases by name, in the order of the issue
CASES: dict[str, Callable[[Size, int], CaseResult]] = {
    "bass": bass_case,
    "granovetter": granovetter_case,
    "centola": centola_case,
    "eckles": eckles_case,
    "habit": habit_case,
    "rogers": rogers_case,
}


def check_cases(names: Sequence[str] | None) -> list[str]:
    """The case names to run (all when none given); an InputError names unknown ones."""
    if not names:
        return list(CASES)
    for name in names:
        if name not in CASES:
            raise InputError(f"unknown case {name!r}; allowed: {', '.join(CASES)}", source="--case")
    return list(dict.fromkeys(names))


def run_cases(
    names: Sequence[str] | None = None,
    size: Size = "full",
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[CaseResult]:
    """Run the named cases (all by default) at ``size``; ``progress(name)`` before each."""
    out = []
    for name in check_cases(names):
        if progress is not None:
            progress(name)
        out.append(CASES[name](size, seed))
    return out


def results_table(results: Sequence[CaseResult]) -> pd.DataFrame:
    """Every check of the given case results, one row each."""
    return pd.concat([r.table() for r in results], ignore_index=True)


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------


def _colors():
    from adoptsim.viz.plots import PALETTE

    return PALETTE


def _style() -> dict:
    from adoptsim.viz.plots import STYLE

    return dict(STYLE)


def _source(fig: Figure, result: CaseResult, extra: str = "") -> None:
    s = result.settings
    text = f"adoptsim validate · {result.reference}"
    runs = s.get("runs")
    text += f" · {s.get('employees', '?')} employees" + (f" · {runs} runs" if runs else "")
    text += f" · seed {s.get('seed')}" + (f" · {extra}" if extra else "")
    fig.text(0.01, 0.01, text, fontsize=7.5, color="#555555", va="bottom", wrap=True)


def _verdict(result: CaseResult) -> str:
    return "pass" if result.passed else "FAIL"


def chart(result: CaseResult) -> Figure:
    """The chart of a case result, overlaying the published figure and the simulated one."""
    with plt.rc_context(_style()):
        return _CHARTS[result.case](result)


def _bass_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    pairs = list(df.groupby(["p", "q"], sort=False))
    fig, axes = plt.subplots(1, len(pairs), figsize=(11, 5), sharey=True, squeeze=False)
    for ax, ((p, q), d) in zip(axes[0], pairs, strict=True):
        ax.fill_between(d["period"], d["low"], d["high"], color=c["blue"], alpha=0.2, lw=0)
        ax.plot(d["period"], d["simulated"], color=c["blue"], lw=2.5, label="adoptsim (mean)")
        ax.plot(d["period"], d["closed_form"], color="black", lw=1.2, label="Bass closed form")
        ax.plot(
            d["period"],
            d["recursion"],
            color=c["orange"],
            lw=1.2,
            ls="--",
            label="discrete-time recursion",
        )
        gap = np.abs(d["simulated"] - d["closed_form"]).max()
        ax.set_title(f"p = {p}, q = {q}: largest gap {gap:.3f}")
        ax.set_xlabel(f"Bass periods ({result.settings['weeks_per_period']} weeks each)")
        ax.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("cumulative adoption F(t)")
    axes[0][0].legend(loc="lower right")
    fig.suptitle(
        f"Bass curve: simulated against Bass (1969) — {_verdict(result)}", x=0.01, ha="left"
    )
    _source(fig, result, "band: 90 % of runs")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _granovetter_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    fig, ax = plt.subplots(figsize=(9, 5))
    published = {0: 100, 1: 1}
    for i, (label, d) in enumerate(df.groupby("thresholds", sort=False)):
        color = (c["blue"], c["vermillion"])[i]
        ax.step(
            d["week"], d["adopters"], where="post", color=color, lw=2, label=f"thresholds {label}"
        )
        ax.scatter(
            [d["week"].max()],
            [published[i]],
            marker="D",
            s=60,
            facecolor="none",
            edgecolor="black",
            zorder=5,
        )
    ax.scatter(
        [],
        [],
        marker="D",
        facecolor="none",
        edgecolor="black",
        label="Granovetter (1978): 100 and 1",
    )
    ax.set_xlabel("week")
    ax.set_ylabel("rioters (people of 100)")
    ax.set_ylim(0, 105)
    ax.legend(loc="center right")
    ax.set_title(f"Granovetter's riot — {_verdict(result)}", loc="left")
    _source(fig, result)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _centola_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    colors = {"clustered": c["blue"], "random": c["orange"]}
    for ax, k in zip(axes, (2, 1), strict=True):
        for net, d in df[df["k"] == k].groupby("network"):
            g = d.groupby("week")["active_share"]
            ax.fill_between(
                g.mean().index,
                100 * g.quantile(0.05),
                100 * g.quantile(0.95),
                color=colors[net],
                alpha=0.2,
                lw=0,
            )
            ax.plot(
                g.mean().index,
                100 * g.mean(),
                color=colors[net],
                lw=2,
                label=f"{net} (degree {result.settings['degree']})",
            )
        kind = "complex contagion" if k > 1 else "simple contagion"
        ax.set_title(f"k = {k} ({kind})")
        ax.set_xlabel("week")
    axes[0].set_ylabel("adopted (% of employees)")
    axes[0].set_ylim(0, 102)
    axes[0].legend(loc="center right")
    fig.suptitle(
        "Complex contagion spreads on the clustered lattice and stalls on its random twin; "
        f"simple contagion is faster on the random twin — {_verdict(result)}",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    _source(fig, result, "band: 90 % of runs")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _eckles_chart(result: CaseResult) -> Figure:
    c = _colors()
    df = result.data["curves"]
    noise = result.settings["noise"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    palette = [c["blue"], c["orange"], c["vermillion"]]
    nets = list(dict.fromkeys(df["network"]))
    for ax, q in zip(axes, (0.0, noise), strict=True):
        for color, net in zip(palette, nets, strict=False):
            g = df[(df["noise"] == q) & (df["network"] == net)].groupby("week")["active_share"]
            ax.fill_between(
                g.mean().index,
                100 * g.quantile(0.05),
                100 * g.quantile(0.95),
                color=color,
                alpha=0.2,
                lw=0,
            )
            ax.plot(g.mean().index, 100 * g.mean(), color=color, lw=2, label=net)
        title = "no noise (threshold 2)" if q == 0 else f"noise {q:.3f} = n^(-1/2)"
        ax.set_title(title)
        ax.set_xlabel("week")
    axes[0].set_ylabel("adopted (% of employees)")
    axes[0].set_ylim(0, 102)
    axes[0].legend(loc="upper left")
    fig.suptitle(
        "Without noise only the clustered lattice carries a threshold-2 contagion; with rare "
        f"below-threshold adoption, long ties spread it faster — {_verdict(result)}",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    _source(fig, result, f"degree {result.settings['degree']} · band: 90 % of runs")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _habit_chart(result: CaseResult) -> Figure:
    c = _colors()
    cdf = result.data["habitual"]
    summ = result.data["summary"].iloc[0]
    lo, hi = bh.LALLY_RANGE_DAYS
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.step(
        cdf["days"],
        100 * cdf["habitual_share"],
        where="post",
        color=c["blue"],
        lw=2,
        label="adoptsim: employees at 95 % of the habit plateau",
    )
    ax.axvspan(
        lo,
        hi,
        color="#999999",
        alpha=0.15,
        lw=0,
        label=f"Lally et al. (2010): range {lo:.0f}–{hi:.0f} days",
    )
    ax.axvline(
        bh.LALLY_MEDIAN_DAYS,
        color="black",
        lw=1.2,
        label=f"Lally et al.: median {bh.LALLY_MEDIAN_DAYS:.0f} days",
    )
    ax.axvline(
        summ["median"],
        color=c["blue"],
        lw=1.2,
        ls="--",
        label=f"adoptsim median {summ['median']:.0f} days",
    )
    for x in (summ["shortest"], summ["longest"]):
        ax.axvline(x, color=c["blue"], lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(7, 7 * cdf["week"].max())
    ax.set_ylim(0, 100)
    ax.set_xlabel("days of use (weekly steps)")
    ax.set_ylabel("employees habitual (%)")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title(f"Habit curve with use every week — {_verdict(result)}", loc="left")
    _source(fig, result, f"dotted: shortest and longest of {LALLY_PEOPLE} people (median)")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _rogers_chart(result: CaseResult) -> Figure:
    c = _colors()
    sh = result.data["shares"]
    mw = result.data["mean_week"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 5))
    x = np.arange(len(sh))
    ax1.bar(x - 0.2, 100 * sh["published"], 0.4, color="#999999", label="Rogers (2003)")
    ax1.bar(x + 0.2, 100 * sh["simulated"], 0.4, color=c["blue"], label="adoptsim")
    ax1.set_xticks(x, [n.replace(" ", "\n") for n in sh["category"]], fontsize=9)
    ax1.set_ylabel("adopters (%)")
    ax1.set_title("adopters by sd from the mean adoption week", fontsize=11)
    ax1.legend()
    ax2.plot(x, mw["mean_week"], marker="o", color=c["blue"])
    ax2.set_xticks(x, [n.replace(" ", "\n") for n in mw["category"]], fontsize=9)
    ax2.set_ylabel("mean adoption week")
    ax2.set_title("mean adoption week by innovativeness category", fontsize=11)
    fig.suptitle(
        f"Rogers' adopter categories (default utility mode) — {_verdict(result)}", x=0.01, ha="left"
    )
    _source(fig, result, f"{result.settings['weeks']} weeks")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


_CHARTS: dict[str, Callable[[CaseResult], Figure]] = {
    "bass": _bass_chart,
    "granovetter": _granovetter_chart,
    "centola": _centola_chart,
    "eckles": _eckles_chart,
    "habit": _habit_chart,
    "rogers": _rogers_chart,
}


def save(results: Sequence[CaseResult], folder: str | Path, dpi: int = 150) -> list[Path]:
    """Write each case's chart (``<case>.png``) and the checks (``validation.csv``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        fig = chart(r)
        path = folder / f"{r.case}.png"
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        written.append(path)
    path = folder / "validation.csv"
    results_table(results).to_csv(path, index=False)
    written.append(path)
    return written


def markdown_table(results: Sequence[CaseResult]) -> str:
    """The checks as a Markdown table (for the README)."""
    lines = [
        "| case | check | published | simulated | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for c in r.checks:
            verdict = "pass" if c.passed else "**fail**"
            lines.append(
                f"| {r.title} | {c.name} | {c.published} | {c.simulated} | {c.tolerance} "
                f"| {verdict} |"
            )
    return "\n".join(lines)


__all__ = [
    "CASES",
    "SIZES",
    "TOLERANCE",
    "CaseResult",
    "Check",
    "bass_closed_form",
    "bass_recursion",
    "chart",
    "markdown_table",
    "organization_from_edges",
    "organization_from_graph",
    "random_twin",
    "results_table",
    "ring_lattice",
    "run_cases",
    "save",
]
