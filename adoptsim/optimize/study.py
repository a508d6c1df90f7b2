"""The search: Optuna trials over the levers, each a plan run on the same replicates.

Every trial runs its plan on the same replicate seeds and, when the file names an
uncertainty, the same parameter draws per replicate (common random numbers), so plans
are compared on the same luck. A plan's objectives are the mean (or a pessimist's
quantile) over its replicates; its mean cost must stay within the budget (a constraint
of the sampler). The study lives in an Optuna journal file in the output folder, so a
search that is stopped resumes where it was.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.errors import ScenarioError
from adoptsim.optimize.spec import Optimization, OptimizeError, Range
from adoptsim.runs.result import Result
from adoptsim.runs.runner import posterior_draws, run
from adoptsim.scenario import Scenario, validate_scenario

JOURNAL = "journal.log"


def uncertainty_draws(opt: Optimization) -> dict[str, np.ndarray] | None:
    """Each replicate's uncertain parameters, the same for every trial."""
    if not opt.uncertainty:
        return None
    draws: dict[str, np.ndarray] = {}
    rng = rngmod.stream(opt.seed, rngmod.SHARED, "uncertainty")
    for path, spec in opt.uncertainty.items():
        if path == "posterior":
            post = Path(str(spec))
            if not post.is_absolute() and opt.source is not None:
                post = opt.source.parent / post
            draws.update(posterior_draws(opt.base, opt.replicates, opt.seed, post))
        elif isinstance(spec, Range):
            draws[path] = rng.uniform(spec.low, spec.high, opt.replicates)
        else:
            raise OptimizeError(
                f"uncertainty {path}: give {{low: .., high: ..}} (or posterior: CSV)",
                source=str(opt.source),
            )
    return draws


def _nest(path: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    parts = path.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value
    return out


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def plan_scenario(opt: Optimization, choices: dict[str, Any]) -> Scenario:
    """The base scenario with the chosen levers added to its strategies (``choices``:
    ``"<i>.use"`` and ``"<i>.<setting path>"`` as the trial's parameters)."""
    data = opt.base.model_dump()
    strategies = list(data["strategies"])
    for i, lever in enumerate(opt.levers):
        if not choices.get(f"{i}.use", True):
            continue
        item: dict[str, Any] = {"type": lever.strategy, "name": f"{lever.strategy}_{i}"}
        item = _merge(item, copy.deepcopy(lever.fixed))
        for path in lever.settings:
            item = _merge(item, _nest(path, choices[f"{i}.{path}"]))
        strategies.append(item)
    data["strategies"] = strategies
    spec = validate_scenario(data, source=str(opt.source))
    spec._source = opt.base.source
    return spec


def suggest(trial: Any, opt: Optimization) -> dict[str, Any]:
    """The trial's choice for every lever."""
    choices: dict[str, Any] = {}
    for i, lever in enumerate(opt.levers):
        if len(lever.use) > 1:
            choices[f"{i}.use"] = trial.suggest_categorical(f"{i}.use", lever.use)
        else:
            choices[f"{i}.use"] = lever.use[0]
        for path, dom in lever.settings.items():
            name = f"{i}.{path}"
            if isinstance(dom, Range) and dom.integer:
                choices[name] = trial.suggest_int(name, int(dom.low), int(dom.high))
            elif isinstance(dom, Range):
                choices[name] = trial.suggest_float(name, dom.low, dom.high)
            else:
                choices[name] = trial.suggest_categorical(name, dom)
    return choices


def score(result: Result, opt: Optimization) -> dict[str, float]:
    """Each objective's value for a plan: the mean over runs, or the pessimist's quantile
    (low for what is maximised, high for what is minimised); and its mean cost."""
    out: dict[str, float] = {"cost": float(result.summary["cost"].mean())}
    for o in opt.objectives:
        v = result.summary[o.metric].to_numpy(dtype=float)
        v = np.where(np.isinf(v), result.manifest["scenario"]["weeks"] + 1, v)
        if opt.robustness == "mean":
            out[o.metric] = float(np.mean(v))
        else:
            q = int(opt.robustness[1:]) / 100
            out[o.metric] = float(np.quantile(v, q if o.direction == "maximize" else 1 - q))
    return out


def check_levers(opt: Optimization) -> None:
    """Every lever at its first choices makes a valid plan (errors name the lever)."""
    for i, lever in enumerate(opt.levers):
        first = {f"{j}.use": j == i for j in range(len(opt.levers))}
        first.update({f"{i}.{p}": _first(d) for p, d in lever.settings.items()})
        try:
            plan_scenario(opt, first)
        except ScenarioError as exc:
            raise OptimizeError(
                f"lever {i} ({lever.strategy}) does not make a valid plan: {exc.message}",
                source=str(opt.source),
            ) from None


def _first(dom: Range | list[Any]) -> Any:
    if isinstance(dom, Range):
        return int(dom.low) if dom.integer else dom.low
    return dom[0]


def objective_function(
    opt: Optimization, draws: dict[str, np.ndarray] | None, workers: int | None
) -> Callable[[Any], tuple[float, ...]]:
    """Optuna's objective: run the trial's plan, record its scores, return the objectives."""

    def evaluate(trial: Any) -> tuple[float, ...]:
        choices = suggest(trial, opt)
        result = run(
            plan_scenario(opt, choices),
            runs=opt.replicates,
            seed=opt.seed,
            per_replicate=draws,
            workers=workers,
        )
        scores = score(result, opt)
        for k, v in scores.items():
            trial.set_user_attr(k, v)
        budget = opt.budget if opt.budget is not None else float("inf")
        trial.set_user_attr("constraint", scores["cost"] - budget)
        trial.set_constraint("budget", scores["cost"] - budget)
        return tuple(scores[o.metric] for o in opt.objectives)

    return evaluate


def constraints(trial: Any) -> tuple[float]:
    """Feasible when the plan's mean cost is within the budget (<= 0)."""
    return (float(trial.user_attrs.get("constraint", 0.0)),)


def trials_table(study: Any, opt: Optimization) -> pd.DataFrame:
    """Every finished trial: its choices, objectives, cost, feasibility and Pareto flag."""
    rows = []
    for t in study.trials:
        if t.state.name != "COMPLETE":
            continue
        row = {"trial": t.number, **t.params, **t.user_attrs}
        row["feasible"] = t.user_attrs.get("constraint", 0.0) <= 0
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["pareto"] = pareto_front(df, opt)
    df["strategies"] = [plan_label(r, opt) for _, r in df.iterrows()]
    return df


def pareto_front(df: pd.DataFrame, opt: Optimization) -> np.ndarray:
    """Which feasible trials no other feasible trial beats on every objective."""
    signs = np.array([1.0 if o.direction == "maximize" else -1.0 for o in opt.objectives])
    values = df[[o.metric for o in opt.objectives]].to_numpy(dtype=float) * signs
    feasible = df["feasible"].to_numpy()
    front = np.zeros(len(df), dtype=bool)
    for i in np.flatnonzero(feasible):
        others = values[feasible]
        dominated = np.any(np.all(others >= values[i], axis=1) & np.any(others > values[i], axis=1))
        front[i] = not dominated
    return front


def plan_label(row: pd.Series, opt: Optimization) -> str:
    """The strategies a trial uses, e.g. ``evangelists + senior_sponsor``."""
    used = [
        lever.strategy
        for i, lever in enumerate(opt.levers)
        if bool(row.get(f"{i}.use", lever.use[0]))
    ]
    return " + ".join(used) or "no strategy"


def choices_of(row: pd.Series, opt: Optimization) -> dict[str, Any]:
    """A trials-table row back as lever choices."""
    out: dict[str, Any] = {}
    for i, lever in enumerate(opt.levers):
        out[f"{i}.use"] = bool(row.get(f"{i}.use", lever.use[0]))
        for path, dom in lever.settings.items():
            v = row[f"{i}.{path}"]
            out[f"{i}.{path}"] = int(v) if isinstance(dom, Range) and dom.integer else v
    return out
