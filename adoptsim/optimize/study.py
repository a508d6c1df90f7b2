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
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from adoptsim.errors import InputError, ScenarioError
from adoptsim.execute import Evaluator
from adoptsim.optimize.spec import Optimization, OptimizeError, Range
from adoptsim.runs.draws import posterior_draws, uniform_draws
from adoptsim.runs.jobs import scenario_jobs, scenario_summaries
from adoptsim.runs.runner import replicate_columns, run
from adoptsim.scenario import Scenario, validate_scenario
from adoptsim.scenario.paths import merged, nested

JOURNAL = "journal.log"


def uncertainty_draws(opt: Optimization) -> dict[str, np.ndarray] | None:
    """Each replicate's uncertain parameters, the same for every trial: replicate ``r``'s
    draw depends on the search's seed and ``r`` only (:mod:`adoptsim.runs.draws`)."""
    if not opt.uncertainty:
        return None
    draws: dict[str, np.ndarray] = {}
    post = uncertainty_posterior(opt)
    if post is not None:
        draws.update(posterior_draws(opt.base, opt.replicates, opt.seed, post))
    ranges = uncertainty_ranges(opt)
    if ranges:
        draws.update(uniform_draws(ranges, opt.replicates, opt.seed))
    return draws


def uncertainty_posterior(opt: Optimization) -> Path | None:
    """The posterior CSV the uncertainty names, relative to the optimization file."""
    spec = (opt.uncertainty or {}).get("posterior")
    if spec is None:
        return None
    post = Path(str(spec))
    if not post.is_absolute() and opt.source is not None:
        post = opt.source.parent / post
    return post


def uncertainty_ranges(opt: Optimization) -> dict[str, tuple[float, float]]:
    """The uncertain paths drawn in a range, and their ranges."""
    out = {}
    for path, spec in (opt.uncertainty or {}).items():
        if path == "posterior":
            continue
        if not isinstance(spec, Range):
            raise OptimizeError(
                f"uncertainty {path}: give {{low: .., high: ..}} (or posterior: CSV)",
                source=str(opt.source),
            )
        out[path] = (spec.low, spec.high)
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
        item = merged(item, copy.deepcopy(lever.fixed))
        for path in lever.settings:
            item = merged(item, nested(path, choices[f"{i}.{path}"]))
        strategies.append(item)
    data["strategies"] = strategies
    spec = validate_scenario(data, source=str(opt.source))
    spec._source = opt.base.source
    return spec


def suggest(trial: Any, opt: Optimization) -> dict[str, Any]:
    """The trial's choice for every lever: whether it is used, and, only when it is, its
    settings (a conditional search space: a lever left out has no settings to learn)."""
    choices: dict[str, Any] = {}
    for i, lever in enumerate(opt.levers):
        if len(lever.use) > 1:
            choices[f"{i}.use"] = trial.suggest_categorical(f"{i}.use", lever.use)
        else:
            choices[f"{i}.use"] = lever.use[0]
        if not choices[f"{i}.use"]:
            continue
        for path, dom in lever.settings.items():
            name = f"{i}.{path}"
            if isinstance(dom, Range) and dom.integer:
                choices[name] = trial.suggest_int(name, *dom.whole_range)
            elif isinstance(dom, Range):
                choices[name] = trial.suggest_float(name, dom.low, dom.high)
            else:
                choices[name] = trial.suggest_categorical(name, dom)
    return choices


def score(summary: pd.DataFrame, weeks: int, opt: Optimization) -> dict[str, float]:
    """Each objective's value for a plan from its runs' ``summary`` (one row per replicate):
    the mean over runs, or the pessimist's quantile (low for what is maximised, high for
    what is minimised); and its mean cost. A run that never reaches a week-metric counts as
    ``weeks + 1``; any other infinite value (a cost that overflows, a cost per adopter
    without adopters) stays infinite: the worst value, never replaced by a number."""
    out: dict[str, float] = {"cost": float(summary["cost"].mean())}
    for o in opt.objectives:
        v = summary[o.metric].to_numpy(dtype=float)
        if o.metric.startswith("weeks_to_"):
            v = np.where(np.isposinf(v), weeks + 1, v)
        if opt.robustness == "mean":
            out[o.metric] = float(np.mean(v))
        else:
            q = int(opt.robustness[1:]) / 100
            out[o.metric] = float(np.quantile(v, q if o.direction == "maximize" else 1 - q))
    return out


def metrics_of(opt: Optimization) -> tuple[str, ...]:
    """The summary metrics a plan's runs must give: cost and every objective's."""
    return tuple(dict.fromkeys(["cost", *(o.metric for o in opt.objectives)]))


class PlanRunner(Protocol):
    """Runs plans: each plan's ``runs`` replicates on root ``seed``, replicate ``r`` with
    the values ``per_replicate[path][r]`` (None: the plan's own). Returns one summary per
    plan, in order: one row per replicate (0..runs-1, in order) and the ``metrics`` as
    columns. The numbers must be those :func:`adoptsim.run` gives; only where and how the
    runs are done may differ (in this process, on a pool of processes, on a cluster)."""

    def __call__(
        self,
        plans: Sequence[Scenario],
        runs: int,
        seed: int,
        per_replicate: Mapping[str, np.ndarray] | None,
        metrics: Sequence[str],
    ) -> list[pd.DataFrame]: ...


def plan_runner(evaluator: Evaluator | None = None, workers: int | None = None) -> PlanRunner:
    """The plan runner of ``evaluator``: the plans' replicates as jobs of the evaluator
    (:func:`adoptsim.runs.jobs.scenario_jobs`; inside ``with evaluator:`` one pool or cluster
    serves the whole search), or, with None, each plan in turn with :func:`adoptsim.run`
    in this process (replicates in vectorised batches on ``workers`` threads)."""

    def run_plans(
        plans: Sequence[Scenario],
        runs: int,
        seed: int,
        per_replicate: Mapping[str, np.ndarray] | None,
        metrics: Sequence[str],
    ) -> list[pd.DataFrame]:
        if evaluator is None:
            return [
                run(plan, runs=runs, seed=seed, per_replicate=per_replicate, workers=workers)
                .summary[list(metrics)]
                .reset_index(drop=True)
                for plan in plans
            ]
        jobs = scenario_jobs(plans, runs, seed, per_replicate, metrics, evaluator.workers)
        parts: list[pd.DataFrame] = []
        evaluator.evaluate(jobs, parts.append)
        rows = pd.concat(parts, ignore_index=True)
        return scenario_summaries(rows, len(plans), runs, bool(per_replicate), metrics)

    return run_plans


def evaluate_plans(
    opt: Optimization,
    choices: Sequence[dict[str, Any]],
    draws: Mapping[str, np.ndarray] | None,
    runner: PlanRunner,
) -> list[dict[str, float]]:
    """Each plan's scores (objectives and mean cost) on the search's replicates: the same
    seeds and the same uncertainty draws for every plan."""
    plans = [plan_scenario(opt, c) for c in choices]
    summaries = runner(plans, opt.replicates, opt.seed, draws, metrics_of(opt))
    if len(summaries) != len(plans):
        raise OptimizeError(f"the runner gave {len(summaries)} results for {len(plans)} plans")
    return [score(s, p.weeks, opt) for s, p in zip(summaries, plans, strict=True)]


def check_levers(opt: Optimization) -> None:
    """Every end of every lever's ranges and every choice, with the lever's other settings
    at their first, makes a valid plan (errors name the lever and the setting)."""
    for i, lever in enumerate(opt.levers):
        first = {f"{j}.use": j == i for j in range(len(opt.levers))}
        first.update({f"{i}.{p}": _first(d) for p, d in lever.settings.items()})
        _valid_plan(opt, i, first, None)
        for path, dom in lever.settings.items():
            for value in _values(dom)[1:]:
                _valid_plan(opt, i, {**first, f"{i}.{path}": value}, f"{path} = {value!r}")


def _valid_plan(opt: Optimization, i: int, choices: dict[str, Any], what: str | None) -> None:
    lever = opt.levers[i]
    try:
        plan_scenario(opt, choices)
    except ScenarioError as exc:
        at = "" if what is None else f" with {what}"
        raise OptimizeError(
            f"lever {i} ({lever.strategy}) does not make a valid plan{at}: {exc.message}",
            source=str(opt.source),
            where=f"levers[{i}]",
        ) from None


def _values(dom: Range | list[Any]) -> list[Any]:
    if isinstance(dom, Range):
        return list(dom.whole_range) if dom.integer else [dom.low, dom.high]
    return list(dom)


def check_uncertainty(opt: Optimization, draws: Mapping[str, np.ndarray] | None) -> None:
    """The uncertain parameters are scenario paths that may differ between replicates, and
    their lowest and highest draws are values the scenario allows."""
    if not draws:
        return
    try:
        replicate_columns(opt.base, opt.replicates, draws)
    except InputError as exc:
        raise OptimizeError(f"{exc.message}", source=str(opt.source), where="uncertainty") from None


def make_sampler(opt: Optimization, trial_number: int) -> Any:
    """The file's sampler, seeded for trial ``trial_number`` from the search's seed.

    A fresh sampler before each trial, seeded from the seed and the trial's number: what
    the sampler proposes then depends on the seed and the trials stored so far only, not on
    the sampler's history in this process, so a search stopped and resumed proposes what
    an uninterrupted one would."""
    import optuna

    seq = np.random.SeedSequence([opt.seed, trial_number], spawn_key=(0x0B7,))
    seed = int(seq.generate_state(1, dtype=np.uint32)[0])
    if opt.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    return optuna.samplers.TPESampler(seed=seed)


def _first(dom: Range | list[Any]) -> Any:
    return _values(dom)[0]


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
    keys = pd.Series([plan_key(choices_of(r, opt)) for _, r in df.iterrows()], index=df.index)
    # a plan tried again is on the front once, as its first trial
    df["pareto"] = pareto_front(df, opt) & ~keys.duplicated().to_numpy()
    df["strategies"] = [plan_label(r, opt) for _, r in df.iterrows()]
    return df


def plan_key(choices: dict[str, Any]) -> str:
    """A plan's choices as a string: equal for the same plan, whatever the trial."""
    plain = {k: v.item() if isinstance(v, np.generic) else v for k, v in choices.items()}
    return json.dumps(plain, sort_keys=True, default=str)


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
    """A trials-table row back as lever choices (no settings for a lever left out)."""
    out: dict[str, Any] = {}
    for i, lever in enumerate(opt.levers):
        out[f"{i}.use"] = bool(row.get(f"{i}.use", lever.use[0]))
        if not out[f"{i}.use"]:
            continue
        for path, dom in lever.settings.items():
            v = row[f"{i}.{path}"]
            out[f"{i}.{path}"] = int(v) if isinstance(dom, Range) and dom.integer else v
    return out
