"""Run an optimization and write its folder: trials, the Pareto front, the best plan."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from adoptsim.errors import ScenarioError
from adoptsim.execute import Evaluator
from adoptsim.files import check_writable, writable_target
from adoptsim.optimize.cost import check_budget
from adoptsim.optimize.folder import (
    LOCK,
    check_journal,
    damaged_journal,
    read_manifest,
    search_lock,
)
from adoptsim.optimize.spec import Optimization, OptimizeError, load_optimization
from adoptsim.optimize.study import (
    JOURNAL,
    PlanRunner,
    check_levers,
    check_uncertainty,
    choices_of,
    evaluate_plans,
    make_sampler,
    plan_key,
    plan_runner,
    plan_scenario,
    suggest,
    trials_table,
    uncertainty_draws,
    uncertainty_posterior,
    uncertainty_ranges,
)
from adoptsim.runs.compare import METRICS as COMPARED
from adoptsim.runs.compare import Comparison, compare
from adoptsim.runs.folders import writable_folder
from adoptsim.version import __version__
from adoptsim.viz import style
from adoptsim.viz.comparison import compare_curves

MANIFEST = "manifest.json"
#: the uncertainty draws of the search, next to best.yaml
DRAWS = "uncertainty_draws.csv"
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
    runner: PlanRunner | None = None,
    evaluator: Evaluator | None = None,
) -> pd.DataFrame:
    """Search for plans until ``trials`` plans are done; returns the trials table (the
    folder holds the rest).

    ``evaluator`` (an :mod:`adoptsim.execute` evaluator: processes, Dask) runs the plans'
    replicates (default: this process, on ``workers`` threads); ``runner`` replaces that
    (:func:`~adoptsim.optimize.study.plan_runner`). The trials do not depend on either. A search
    that was stopped (Ctrl-C, a kill) resumes from the folder: the trials it had asked for
    and not finished are run again with the same choices, and the sampler proposes what an
    uninterrupted search would (see :func:`make_sampler`).
    """
    opt = (
        optimization if isinstance(optimization, Optimization) else load_optimization(optimization)
    )
    check_levers(opt)
    check_budget(opt)
    draws = uncertainty_draws(opt)
    check_uncertainty(opt, draws)
    runner = runner or plan_runner(evaluator, workers)
    folder = writable_target(writable_folder(Path(out)))
    check_writable(folder / JOURNAL)
    try:
        with search_lock(folder):
            _open_folder(folder, opt, resume)
            repair_journal(folder / JOURNAL)
            check_journal(folder / JOURNAL)
            study = _study(opt, folder)
            _search(study, opt, trials, draws, runner, progress)
            table = trials_table(study, opt)
            write_outputs(opt, table, folder, workers)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        raise OptimizeError(
            f"cannot write in the folder ({exc.strerror or type(exc).__name__}); the trials "
            "done so far are kept: free space and run the command again to resume",
            source=str(folder),
        ) from None
    return table


def repair_journal(path: Path) -> bool:
    """Drop a cut last line from a journal (a search killed while writing it); says whether
    it did. Each line is one operation on the study, so the journal is then what it was
    before that operation (a trial it would have finished is still running, and is run
    again when the search resumes). Left alone, Optuna would refuse the journal at the next
    write."""
    if not path.is_file():
        return False
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    with path.open("r+b") as f:
        f.truncate(data.rfind(b"\n") + 1)
    return True


def _params(trial: Any, opt: Optimization) -> dict[str, Any]:
    """A stored trial's choices, as :func:`suggest` gives them."""
    return choices_of(pd.Series(trial.params, dtype=object), opt)


def _study(opt: Optimization, folder: Path) -> Any:
    """The search's Optuna study, stored in the folder's journal."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
        return optuna.create_study(
            study_name=opt.name,
            storage=storage,
            sampler=make_sampler(opt, 0),
            directions=[o.direction for o in opt.objectives],
            load_if_exists=True,
        )
    except (AssertionError, KeyError, TypeError, ValueError, IndexError, AttributeError):
        raise damaged_journal(folder / JOURNAL, "an operation of the journal is damaged") from None


def _search(
    study: Any,
    opt: Optimization,
    trials: int,
    draws: dict[str, np.ndarray] | None,
    runner: PlanRunner,
    progress: Progress | None,
) -> None:
    """Ask, run and tell batches of trials until ``trials`` are complete.

    Trials are asked ``opt.batch`` at a time, batches aligned on trial numbers (trials
    0..b-1, b..2b-1, ...), each with a sampler seeded from its number: so the trials depend
    on the file only, not on the runner nor on where a search was stopped and resumed
    (when stopped after a whole batch, or killed in the middle of one)."""
    from optuna.trial import Trial, TrialState

    def complete() -> int:
        return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    failures = 0
    # the trials a stopped search had asked for and not told: the same choices, run again
    pending = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    batch = []
    for frozen in pending:
        study.sampler = make_sampler(opt, frozen.number)
        trial = Trial(study, frozen._trial_id)
        batch.append((trial, suggest(trial, opt)))
    while True:
        if batch:
            failures += _run_batch(study, opt, batch, draws, runner)
            if failures > max(10, trials):
                raise OptimizeError(
                    f"{failures} plans failed to run; see the 'error' of the failed trials",
                    source=str(opt.source),
                )
            if progress is not None:
                table = trials_table(study, opt)
                best = _best(table, opt)
                value = float("nan") if best is None else float(best[opt.objectives[0].metric])
                front = int(table["pareto"].sum()) if len(table) else 0
                progress(len(table), trials, value, front)
        done = complete()
        if done >= trials:
            return
        n = len(study.trials)
        size = min(opt.batch - n % opt.batch, trials - done)
        batch = []
        for _ in range(size):
            study.sampler = make_sampler(opt, len(study.trials))
            trial = study.ask()
            batch.append((trial, suggest(trial, opt)))


def _run_batch(
    study: Any,
    opt: Optimization,
    batch: list[tuple[Any, dict[str, Any]]],
    draws: dict[str, np.ndarray] | None,
    runner: PlanRunner,
) -> int:
    """Run a batch's plans and tell the study their scores; returns how many failed (a
    plan the scenario rules refuse is a failed trial, not the end of the search)."""
    from optuna.trial import TrialState

    # a plan tried before gets its scores again, not another run: on the same replicates
    # it would give the same numbers (the samplers propose a discrete plan many times)
    known: dict[str, dict[str, float]] = {}
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        known.setdefault(plan_key(_params(t, opt)), {**t.user_attrs, "same_as": t.number})
    todo: dict[str, dict[str, Any]] = {}
    keyed: list[tuple[Any, str]] = []
    failed = 0
    for trial, choices in batch:
        try:
            plan_scenario(opt, choices)
        except ScenarioError as exc:
            trial.set_user_attr("error", exc.message[:500])
            study.tell(trial, state=TrialState.FAIL)
            failed += 1
            continue
        key = plan_key(choices)
        if key not in known:
            todo.setdefault(key, choices)
        keyed.append((trial, key))
    if todo:
        scores = evaluate_plans(opt, list(todo.values()), draws, runner)
        known.update(zip(todo, scores, strict=True))
    budget = opt.budget if opt.budget is not None else float("inf")
    for trial, key in keyed:
        sc = known[key]
        for k in ("cost", *(o.metric for o in opt.objectives)):
            trial.set_user_attr(k, sc[k])
        if "same_as" in sc:
            trial.set_user_attr("same_as", sc["same_as"])
        # a cost that is not a finite number (it overflowed) makes the plan infeasible
        excess = sc["cost"] - budget if np.isfinite(sc["cost"]) else float("inf")
        trial.set_user_attr("constraint", excess)
        trial.set_constraint("budget", excess)
        study.tell(trial, [sc[o.metric] for o in opt.objectives])
    return failed


def _open_folder(folder: Path, opt: Optimization, resume: bool) -> None:
    manifest = folder / MANIFEST
    digest = opt.content_hash()
    if manifest.exists() or manifest.is_symlink():
        old = read_manifest(manifest) if resume else {}
        if not resume:
            (folder / JOURNAL).unlink(missing_ok=True)
        elif old.get("optimization_hash") != digest:
            raise OptimizeError(
                "this folder holds a search of another optimization (or of an earlier version "
                "of this one); use --overwrite to start over, or --out for another folder",
                source=str(folder),
            )
    elif folder.exists() and any(p.name != LOCK for p in folder.iterdir()):
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
    data["runs"], data["seed"] = opt.replicates, opt.seed
    data["strategies"] = plan["strategies"]
    draws = uncertainty_draws(opt)
    if draws:  # the search's draws, one row per replicate, for the record
        pd.DataFrame(draws).to_csv(folder / DRAWS, index=False)
    calibration: dict[str, Any] = {}
    post = uncertainty_posterior(opt)
    if post is not None:
        calibration["posterior"] = os.path.relpath(post.resolve(), folder.resolve())
    ranges = uncertainty_ranges(opt)
    if ranges:
        calibration["uncertainty"] = {p: {"low": lo, "high": hi} for p, (lo, hi) in ranges.items()}
    if calibration:  # replicate r draws as the search's replicate r did; more runs draw more
        data["calibration"] = calibration
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
    with matplotlib.rc_context(style.rc_params()):
        fig, ax = style.subplots(figsize=style.figsize(10, 6))
        ax.scatter(ok["cost"], 100 * ok[metric] if "share" in metric else ok[metric],
                   s=14, color="#BBBBBB", label="plans tried")  # fmt: skip
        y = 100 * front[metric] if "share" in metric else front[metric]
        ax.plot(front["cost"], y, "o-", color=style.PLAN_COLORS[1], label="Pareto front")
        # one label for each run of plans with the same strategies, at its costliest
        labels = front["strategies"].tolist()
        for k, (c, v, label) in enumerate(zip(front["cost"], y, labels, strict=True)):
            if k + 1 < len(labels) and labels[k + 1] == label:
                continue
            run = 1
            while k - run >= 0 and labels[k - run] == label:
                run += 1
            text = label if run == 1 else f"{label} ({run} plans)"
            ax.annotate(text, (c, v), fontsize=style.font_pt(7), xytext=(4, 4),
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
