"""The closed loop on synthetic truths: a rollout re-planned every few weeks from its
assimilated observations against the best fixed plan chosen before launch.

A truth is one draw of the calibrated scenario's posterior, simulated as one organization
(:class:`~adoptsim.decide.truth.Truth`). Both arms start from the plan the prior
recommends (the same search as a re-plan, from week 0 over the posterior's particles);
the fixed arm keeps it, the adaptive arm observes who used the tool, re-plans every
``every`` weeks within the budget left and follows the new plan. Both arms run the same
truth on the same random streams, so their difference is the re-planning's alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.calibration.assimilate import Assimilation
from adoptsim.calibration.persons import PersonObserved
from adoptsim.decide.levers import ReplanLevers, load_levers
from adoptsim.decide.replan import Replan, check_calibrated, plan_from, replan
from adoptsim.decide.truth import Truth
from adoptsim.errors import InputError
from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.runs.draws import posterior_draws
from adoptsim.scenario import Scenario

#: the fixed plan is searched with this many times the trials of a re-plan (it is searched
#: once, and it is the best plan before launch that re-planning has to beat)
FIXED_TRIALS = 3
#: truths' replicates start here (the particles use 0, 1, ...)
TRUTH_REPLICATES = 1_000_000


@dataclass(frozen=True)
class LoopSettings:
    """How the loop searches: every how many weeks, trials, particles, runs per trial."""

    every: int = 4
    trials: int = 30
    particles: int = 100
    runs: int = 30
    workers: int | None = None


def prior_filter(spec: Scenario, particles: int, seed: int) -> Assimilation:
    """The particles before launch: posterior draws at week 0, equally weighted."""
    org = build_org(spec, seed)
    values = posterior_draws(spec, particles, seed)
    sim = build_simulation(spec, seed, range(particles), org, values=values)
    none = PersonObserved("activity", np.full((1, org.n), -1, dtype=np.int8), "(before launch)")
    return Assimilation(
        scenario=spec,
        org=org,
        seed=seed,
        observed=none,
        state=sim.state(events=False),
        weights=np.full(particles, 1.0 / particles),
        table=pd.DataFrame({"week": [], "ess": []}),
    )


def fixed_plan(spec: Scenario, budget: float, menu: ReplanLevers, s: LoopSettings) -> Replan:
    """The best plan before launch under the posterior (weeks from week 1; the scenario's
    own strategies may be left out)."""
    check_calibrated(spec)
    filt = prior_filter(spec, s.particles, spec.seed)
    return plan_from(filt, spec, menu, budget, FIXED_TRIALS * s.trials, s.runs, s.workers)


def truth_draws(spec: Scenario, truths: int, seed: int) -> pd.DataFrame:
    """``truths`` parameter sets drawn from the scenario's posterior (another stream than
    the particles')."""
    g = rngmod.stream(seed, rngmod.SHARED, "closed-loop-truths")
    values = posterior_draws(spec, 10 * truths, int(g.integers(2**31 - 1)))
    return pd.DataFrame(values).iloc[:truths].reset_index(drop=True)


def spent(truth: Truth) -> float:
    """What the truth's strategies have cost so far."""
    week = truth.week
    return float(sum(np.sum(s.cost(week)) for s in truth.sim.strategies))


def run_truth(
    fixed: Replan,
    values: dict[str, float],
    budget: float,
    replicate: int,
    menu: ReplanLevers,
    s: LoopSettings,
) -> dict[str, float]:
    """One truth in both arms: sustained share and spend of each, and the re-plans made."""
    spec = fixed.plan
    weeks = spec.weeks
    still = Truth(spec, values, spec.seed, replicate)
    still.advance(weeks)
    fixed_row = still.summary()
    truth = Truth(spec, values, spec.seed, replicate, org=still.org)
    plan, pending, changes, refused = spec, None, 0, 0
    for w in range(s.every, weeks, s.every):
        truth.advance(w, plan=pending)
        codes = np.vstack([np.full(truth.org.n, -1), *truth.used]).astype(np.int8)
        observed = PersonObserved("activity", codes, f"truth {replicate} through week {w}")
        left = max(0.0, budget - spent(truth))
        try:
            rp = replan(plan, observed, left, trials=s.trials, particles=s.particles,
                        runs=s.runs, levers=menu, workers=s.workers)  # fmt: skip
        except InputError:  # the budget left is below what is committed: go on as planned
            refused += 1
            pending = None
            continue
        changes += bool(rp.changes)
        plan = pending = rp.plan
    truth.advance(weeks, plan=pending)
    adaptive = truth.summary()
    return {
        "fixed_sustained": float(fixed_row["sustained_share"]),
        "replanned_sustained": float(adaptive["sustained_share"]),
        "gain": float(adaptive["sustained_share"] - fixed_row["sustained_share"]),
        "fixed_cost": float(fixed_row["cost"]),
        "replanned_cost": float(adaptive["cost"]),
        "replans_that_changed": changes,
        "replans_refused": refused,
    }


def closed_loop(
    spec: Scenario,
    budget: float,
    truths: int,
    settings: LoopSettings | None = None,
    levers: ReplanLevers | None = None,
    seed: int = 1,
    same_spend: bool = False,
) -> tuple[pd.DataFrame, Replan]:
    """Each truth's row (its parameters, both arms' outcome and spend), and the fixed plan.
    ``same_spend``: the re-plans' budget is what the fixed plan is expected to cost (not
    ``budget``), so that both arms spend alike."""
    s = settings or LoopSettings()
    menu = levers or load_levers(None)
    fixed = fixed_plan(spec, budget, menu, s)
    if same_spend:
        budget = float(fixed.finalists.iloc[0]["cost"])
    rows = []
    for k, (_, draw) in enumerate(truth_draws(spec, truths, seed).iterrows()):
        t0 = time.perf_counter()
        row = {"truth": k, **draw.to_dict()}
        row.update(run_truth(fixed, draw.to_dict(), budget, TRUTH_REPLICATES + k, menu, s))
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    return pd.DataFrame(rows), fixed


def gain_summary(table: pd.DataFrame) -> dict[str, float]:
    """The mean gain over truths and its 90 % interval (normal), and the spend."""
    d = table["gain"].to_numpy(dtype=float)
    half = 1.6449 * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return {
        "truths": len(d),
        "mean_gain": float(d.mean()),
        "low": float(d.mean() - half),
        "high": float(d.mean() + half),
        "share_better": float(np.mean(d > 0)),
        "fixed_cost": float(table["fixed_cost"].mean()),
        "replanned_cost": float(table["replanned_cost"].mean()),
    }
