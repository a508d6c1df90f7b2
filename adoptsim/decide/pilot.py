"""Which pilot: preposterior simulation of candidate pilot designs.

For every design and every candidate plan, the bank's draws of the uncertain parameters
run as one ensemble (each replicate with its own parameters: batched by the engine when it
takes them per replicate, :data:`adoptsim.model.population.REPLICATE_PARAMETERS`), on the
same replicate streams in every design and plan. :mod:`adoptsim.decide.preposterior` then
treats the first ``truths`` draws as truths, calibrates on each truth's simulated pilot
weeks (rejection ABC on the bank) and measures how much the pilot narrows the forecast of
the outcome and how often it points to the truth's best plan.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.decide import preposterior as pp
from adoptsim.decide.spec import Design, PilotError, PilotStudy, load_pilots
from adoptsim.errors import InputError, ScenarioError
from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.runs.draws import posterior_draws
from adoptsim.runs.runner import replicate_columns, run
from adoptsim.scenario import Scenario, validate_scenario

#: runs for a design's cost (its cost rules over the pilot weeks)
COST_RUNS = 10
#: called after each ensemble: (ensembles done, ensembles in all, what just ran)
Progress = Callable[[int, int, str], None]


@dataclass
class PilotAnalysis:
    """What :func:`pilot` found: one row per design (ranked), every truth's row per design,
    the no-pilot reference and the settings."""

    table: pd.DataFrame
    per_truth: pd.DataFrame
    no_pilot: dict[str, Any]
    study: PilotStudy
    seconds: float

    @property
    def recommended(self) -> pd.Series:
        """The design ranked first."""
        return self.table.loc[self.table["rank"] == 1].iloc[0]


def draws(study: PilotStudy) -> dict[str, np.ndarray]:
    """The bank's draws of the uncertain parameters (the same for every design and plan)."""
    out: dict[str, np.ndarray] = {}
    rng = rngmod.stream(study.seed, rngmod.SHARED, "pilot-truths")
    for path, spec in study.uncertainty.items():
        if path == "posterior":
            post = Path(str(spec))
            if not post.is_absolute() and study.source is not None:
                post = study.source.parent / post
            out.update(posterior_draws(study.base, study.bank, study.seed, post))
        elif isinstance(spec, str):
            raise PilotError(
                f"{path}: give {{low: .., high: ..}} (or posterior: CSV)",
                source=str(study.source),
                where="uncertainty",
            )
        else:
            out[path] = rng.uniform(spec.low, spec.high, study.bank)
    try:
        replicate_columns(study.base, study.bank, out)
    except InputError as exc:
        raise PilotError(exc.message, source=str(study.source), where="uncertainty") from None
    return out


def _shifted(item: dict[str, Any], weeks: int) -> dict[str, Any]:
    out = copy.deepcopy(item)
    out["start"] = int(out.get("start", 1)) + weeks
    if out.get("end") is not None:
        out["end"] = int(out["end"]) + weeks
    return out


def _pilot_items(design: Design) -> list[dict[str, Any]]:
    if design.weeks == 0:
        return []
    pilot = {
        "type": "pilot",
        "name": "pilot",
        "start": 1,
        "end": design.weeks,
        "target": design.target().model_dump(exclude_none=True),
        "cost": design.cost.model_dump(),
        "launch_reach": design.launch_reach,
    }
    return [pilot, *copy.deepcopy(design.strategies)]


def design_scenario(study: PilotStudy, design: Design | None, plan: int) -> Scenario:
    """The rollout with a pilot (``design``; None: no pilot) followed by plan ``plan``,
    whose weeks count from the launch after the pilot."""
    weeks = 0 if design is None else design.weeks
    data = study.base.model_dump()
    items = [] if design is None else _pilot_items(design)
    items += [_shifted(s, weeks) for s in study.plans[plan].strategies]
    data["strategies"] = list(data["strategies"]) + items
    where = "no pilot" if design is None else f"design {design.name}"
    try:
        spec = validate_scenario(data, source=f"{study.source} ({where}, plan {plan})")
    except ScenarioError as exc:
        raise PilotError(exc.message, source=str(study.source), where=where) from None
    spec._source = study.base.source
    return spec


def pilot_only(study: PilotStudy, design: Design) -> Scenario:
    """The pilot alone (its strategies, its weeks): what it costs."""
    data = study.base.model_dump()
    data["strategies"] = _pilot_items(design)
    data["weeks"] = max(design.weeks, 1)
    spec = validate_scenario(data, source=f"{study.source} (design {design.name})")
    spec._source = study.base.source
    return spec


def check_groups(study: PilotStudy) -> dict[str, int]:
    """Each design's pilot group size; a PilotError for a design that selects nobody or
    names a department the organization does not have."""
    org = build_org(study.base, study.seed)
    sizes = {}
    for i, d in enumerate(study.designs):
        where = f"designs[{i}] ({d.name})"
        unknown = sorted(set(d.departments or []) - set(org.departments))
        if unknown:
            raise PilotError(
                f"unknown departments {unknown}; the organization has: "
                f"{', '.join(org.departments)}",
                source=str(study.source),
                where=where + ".departments",
            )
        if d.weeks == 0:
            sizes[d.name] = 0
            continue
        sim = build_simulation(pilot_only(study, d), study.seed, [0], org)
        people = int(sim.strategies[0].targets.sum())
        if people == 0:
            raise PilotError(
                "the pilot group selects nobody; name departments with people in them or "
                "give a size of 1 or more",
                source=str(study.source),
                where=where,
            )
        sizes[d.name] = people
    return sizes


def _observed(curves: pd.DataFrame, columns: list[str], weeks: int, runs: int) -> np.ndarray:
    """The pilot's weeks 1..weeks of ``columns``, one row per replicate."""
    if weeks == 0:
        return np.zeros((runs, 0))
    part = curves[(curves["week"] >= 1) & (curves["week"] <= weeks)]
    part = part.sort_values(["replicate", "week"], kind="stable")
    return part[columns].to_numpy(dtype=float).reshape(runs, weeks * len(columns))


def _ensemble(study: PilotStudy, spec: Scenario, values, workers) -> Any:
    return run(spec, runs=study.bank, seed=study.seed, per_replicate=values, workers=workers)


def simulate_bank(
    study: PilotStudy,
    values: dict[str, np.ndarray],
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, pp.Bank], np.ndarray]:
    """Each design's bank, and the outcomes (M, P) without a pilot."""
    metric = study.outcome.metric
    P = len(study.plans)
    total, done = (len(study.designs) + 1) * P, 0
    banks: dict[str, pp.Bank] = {}
    for design in [None, *study.designs]:
        z = np.empty((study.bank, P))
        observed = None
        for p in range(P):
            result = _ensemble(study, design_scenario(study, design, p), values, workers)
            z[:, p] = _outcome(result.summary, metric, study.base.weeks)
            if design is not None and observed is None:
                observed = _observed(result.curves, study.observe, design.weeks, study.bank)
            done += 1
            if progress is not None:
                name = "no pilot" if design is None else design.name
                progress(done, total, f"{name}, plan {study.plans[p].name}")
        if design is None:
            baseline = z
        else:
            banks[design.name] = pp.Bank(observed, z)
    return banks, baseline


def _outcome(summary: pd.DataFrame, metric: str, weeks: int) -> np.ndarray:
    v = summary.sort_index()[metric].to_numpy(dtype=float)
    return np.where(np.isfinite(v), v, weeks + 1)  # a week-metric never reached


def design_cost(study: PilotStudy, design: Design, workers: int | None = None) -> float:
    """The mean cost of the pilot over its weeks (its cost rules and its strategies)."""
    if design.weeks == 0:
        return 0.0
    result = run(pilot_only(study, design), runs=COST_RUNS, seed=study.seed, workers=workers)
    return float(result.summary["cost"].mean())


def pilot(
    study: PilotStudy | str | Path,
    workers: int | None = None,
    progress: Progress | None = None,
) -> PilotAnalysis:
    """Rank the study's pilot designs by what they teach for their cost."""
    study = study if isinstance(study, PilotStudy) else load_pilots(study)
    t0 = time.perf_counter()
    sizes = check_groups(study)
    values = draws(study)
    theta = pp.standardised(values)
    banks, baseline = simulate_bank(study, values, workers, progress)
    maximize = study.outcome.direction == "maximize"
    k, T = study.neighbours, study.truths
    rng = rngmod.stream(study.seed, rngmod.SHARED, "pilot-bootstrap")
    base = pp.no_pilot(baseline, theta, T, k, maximize)
    rows, truths = [], []
    for d in study.designs:
        per = pp.assess(banks[d.name], theta, T, k, maximize, tuple(values))
        # the forecast of this rollout without the pilot's weeks: the prior's
        prior = pp.no_pilot(banks[d.name].outcomes, theta, T, k, maximize)
        row = {"design": d.name, "group": d.group, "people": sizes[d.name], "weeks": d.weeks}
        row["cost"] = design_cost(study, d, workers)
        row.update(pp.summarise(per, prior, rng))
        rows.append(row)
        per.insert(0, "design", d.name)
        truths.append(per)
    table = pd.DataFrame(rows)
    table.insert(1, "rank", pp.rank(table, study.rank_by, study.budget))
    per_truth = pd.concat(truths, ignore_index=True)
    names = [p.name for p in study.plans]
    for col in ("recommended", "best"):
        per_truth[col] = [names[i] for i in per_truth[col]]
    reference = {
        "band_width": float(base["band_width"].mean()),
        "decision_accuracy": float(base["correct"].mean()),
        "outcome": float(base["outcome"].mean()),
        "plan": names[pp.best_plan(baseline, maximize)],
    }
    table = table.sort_values("rank", kind="stable").reset_index(drop=True)
    return PilotAnalysis(table, per_truth, reference, study, time.perf_counter() - t0)
