"""Run an optimization and write its folder: trials, the Pareto front, the best plan."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.figure import Figure

from adoptsim.optimize.spec import Optimization, OptimizeError, load_optimization
from adoptsim.optimize.study import (
    JOURNAL,
    check_levers,
    choices_of,
    objective_function,
    plan_scenario,
    trials_table,
    uncertainty_draws,
)
from adoptsim.runs.compare import METRICS as COMPARED
from adoptsim.runs.compare import Comparison, compare
from adoptsim.runs.folders import writable_folder
from adoptsim.version import __version__
from adoptsim.viz import style
from adoptsim.viz.comparison import compare_curves

MANIFEST = "manifest.json"
REEVALUATION = "reevaluation.csv"
REEVALUATION_DIFFERENCES = "reevaluation_differences.csv"
#: added to the search's seed for the re-evaluation on fresh seeds
FRESH_SEED = 1_000_003
#: called after each trial: (trials done, trials asked for, best value of the first objective,
#: size of the Pareto front)
Progress = Callable[[int, int, float, int], None]


def optimize(
    optimization: Optimization | str | Path,
    trials: int,
    out: str | Path,
    *,
    resume: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Search for plans; returns the trials table (the folder holds the rest)."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    opt = (
        optimization if isinstance(optimization, Optimization) else load_optimization(optimization)
    )
    check_levers(opt)
    folder = writable_folder(Path(out))
    _open_folder(folder, opt, resume)
    storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    if opt.sampler == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(seed=opt.seed, population_size=20)
    else:
        sampler = optuna.samplers.TPESampler(seed=opt.seed)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=opt.name,
        storage=storage,
        sampler=sampler,
        directions=[o.direction for o in opt.objectives],
        load_if_exists=True,
    )
    done = sum(t.state.name == "COMPLETE" for t in study.trials)
    evaluate = objective_function(opt, uncertainty_draws(opt), workers)

    def after(study: Any, trial: Any) -> None:
        if progress is not None:
            table = trials_table(study, opt)
            best = _best(table, opt)
            value = float("nan") if best is None else float(best[opt.objectives[0].metric])
            progress(len(table), trials, value, int(table["pareto"].sum()) if len(table) else 0)

    if trials > done:
        study.optimize(evaluate, n_trials=trials - done, callbacks=[after])
    table = trials_table(study, opt)
    write_outputs(opt, table, folder, workers)
    return table


def _open_folder(folder: Path, opt: Optimization, resume: bool) -> None:
    manifest = folder / MANIFEST
    digest = opt.content_hash()
    if manifest.is_file():
        old = json.loads(manifest.read_text())
        if not resume:
            (folder / JOURNAL).unlink(missing_ok=True)
        elif old.get("optimization_hash") != digest:
            raise OptimizeError(
                "this folder holds a search of another optimization (or of an earlier version "
                "of this one); use --overwrite to start over, or --out for another folder",
                source=str(folder),
            )
    elif folder.exists() and any(folder.iterdir()):
        raise OptimizeError(
            "this folder holds files that are not an optimization; give a new or empty folder",
            source=str(folder),
        )
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "optimization": opt.name,
        "optimization_hash": digest,
        "optimization_file": str(opt.source),
        "scenario_hash": opt.base.content_hash(),
        "seed": opt.seed,
        "replicates": opt.replicates,
        "adoptsim_version": __version__,
    }
    manifest.write_text(json.dumps(info, indent=2) + "\n")


def _best(table: pd.DataFrame, opt: Optimization) -> pd.Series | None:
    """The chosen plan: on the Pareto front, best on the first objective."""
    if table.empty or not table["pareto"].any():
        return None
    front = table[table["pareto"]]
    first = opt.objectives[0]
    i = (
        front[first.metric].idxmax()
        if first.direction == "maximize"
        else front[first.metric].idxmin()
    )
    return front.loc[i]


def best_yaml(opt: Optimization, row: pd.Series, folder: Path) -> str:
    """The chosen plan as a scenario that extends the original."""
    plan = plan_scenario(opt, choices_of(row, opt)).model_dump(mode="json", exclude_none=True)
    data: dict[str, Any] = {}
    if opt.base.source is not None:
        data["extends"] = os.path.relpath(Path(opt.base.source), folder.resolve())
    data["name"] = f"{opt.name} best"[:100]
    data["strategies"] = plan["strategies"]
    return yaml.safe_dump(data, sort_keys=False)


def write_outputs(opt: Optimization, table: pd.DataFrame, folder: Path, workers: int | None):
    """trials.parquet, pareto.csv, best.yaml, pareto.png, plans.png."""
    table.to_parquet(folder / "trials.parquet", index=False)
    front = table[table["pareto"]] if len(table) else table
    front.to_csv(folder / "pareto.csv", index=False)
    best = _best(table, opt)
    if best is None:
        return
    (folder / "best.yaml").write_text(best_yaml(opt, best, folder))
    style.save(pareto_chart(table, opt), folder / "pareto.png")
    cmp = reevaluate(opt, front, workers)
    cmp.table.to_csv(folder / REEVALUATION, index=False)
    cmp.differences.to_csv(folder / REEVALUATION_DIFFERENCES, index=False)
    style.save(compare_curves(cmp), folder / "plans.png")


def reevaluate(opt: Optimization, front: pd.DataFrame, workers: int | None) -> Comparison:
    """The top three plans of the front and doing nothing, run again on fresh seeds with
    twice the replicates (the search's own figures favour the plans that were lucky)."""
    first = opt.objectives[0]
    top = front.sort_values(first.metric, ascending=first.direction == "minimize").head(3)
    specs = [opt.base.with_changes(name="no strategy", strategies=[])]
    for k, (_, row) in enumerate(top.iterrows()):
        specs.append(plan_scenario(opt, choices_of(row, opt)).with_changes(name=f"plan {k + 1}"))
    fresh = opt.model_copy(update={"seed": opt.seed + FRESH_SEED, "replicates": 2 * opt.replicates})
    fresh._source, fresh._base = opt.source, opt.base
    rank_by = first.metric if first.metric in COMPARED else "sustained_share"
    return compare(
        specs,
        runs=fresh.replicates,
        seed=fresh.seed,
        rank_by=rank_by,
        per_replicate=uncertainty_draws(fresh),
        workers=workers,
    )


def pareto_chart(table: pd.DataFrame, opt: Optimization) -> Figure:
    """Cost against the first objective: every feasible trial, the front highlighted and
    labelled with its strategies."""
    metric = opt.objectives[0].metric
    ok = table[table["feasible"]]
    front = ok[ok["pareto"]].sort_values("cost")
    with plt.rc_context(style.rc_params()):
        fig, ax = plt.subplots(figsize=style.figsize(10, 6))
        ax.scatter(ok["cost"], 100 * ok[metric] if "share" in metric else ok[metric],
                   s=14, color="#BBBBBB", label="plans tried")  # fmt: skip
        y = 100 * front[metric] if "share" in metric else front[metric]
        ax.plot(front["cost"], y, "o-", color=style.PLAN_COLORS[1], label="Pareto front")
        for c, v, label in zip(front["cost"], y, front["strategies"], strict=True):
            ax.annotate(label, (c, v), fontsize=style.font_pt(7), xytext=(4, 4),
                        textcoords="offset points")  # fmt: skip
        if opt.budget is not None:
            ax.axvline(opt.budget, color="#222222", lw=1, ls=":", label="budget")
        ax.set_xlabel("cost")
        ax.set_ylabel(metric.replace("_", " ") + (" (%)" if "share" in metric else ""))
        ax.legend(loc="lower right")
        style.finish(fig, f"adoptsim optimize · {len(table)} trials · {opt.replicates} runs "
                     f"each on the same seeds · robustness: {opt.robustness}",
                     title=f"Best plans for the money: {opt.name}")  # fmt: skip
    return fig
