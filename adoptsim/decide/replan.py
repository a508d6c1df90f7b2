"""What next: assimilate the observed weeks, then search the rest of the plan.

The calibrated scenario's particles (posterior draws, each a whole simulated organization)
are filtered through the observed weeks (:func:`adoptsim.calibration.assimilate.assimilate`)
to today's state. Every candidate plan (new strategies from next week on, each running
strategy continued or stopped) then continues the same particles from today, on the same
random streams (common random numbers, :func:`~adoptsim.calibration.assimilate.
continue_state` with one label for every plan), so plans differ by what they do only. The
search is optimize's (levers, costs, Optuna trials, the budget as a constraint) on ``runs``
particles drawn by weight; the best few plans and the plan as it stands are then run
again on every particle. The recommendation is the best of them within the budget if its
gain over continuing as planned (paired differences over the particles) has a 90 %
interval clear of zero, else continuing as planned: a re-plan changes a plan only for a
gain that is more than noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim.calibration.assimilate import Assimilation, assimilate, continue_state
from adoptsim.decide.levers import ReplanLevers, load_levers, running, shifted, with_stops
from adoptsim.errors import InputError, ScenarioError
from adoptsim.execute import ThreadEvaluator, cores
from adoptsim.optimize.spec import Optimization
from adoptsim.optimize.study import (
    make_sampler,
    plan_key,
    plan_scenario,
    score,
    suggest,
    trials_table,
)
from adoptsim.scenario import Scenario, load_scenario, validate_scenario

#: plans of the search run again on every particle (besides the plan as it stands)
FINALISTS = 3
#: z of a two-sided 90 % interval
Z90 = 1.6449
#: called after each batch of trials: (trials done, trials asked for)
Progress = Callable[[int, int], None]


@dataclass
class Replan:
    """A re-plan: today's week, the filter, the trials, the recommended plan and its gain
    over continuing as planned (paired over the particles)."""

    scenario: Scenario
    today: int
    budget_left: float
    spent: float
    assimilation: Assimilation
    trials: pd.DataFrame
    plan: Scenario
    changes: list[str]
    finalists: pd.DataFrame
    gain: dict[str, float]
    metric: str
    forecasts: dict[str, pd.DataFrame] = field(default_factory=dict)
    seconds: float = 0.0


def check_calibrated(spec: Scenario) -> None:
    """An InputError for a scenario without a posterior, saying how to make one."""
    if spec.calibration is None or not spec.calibration.posterior:
        raise InputError(
            "this scenario has no calibration (calibration.posterior): a re-plan starts from "
            "the calibrated parameters. Make one with `adoptsim calibrate SCENARIO --observed "
            "PILOT.csv --out DIR` and re-plan DIR/calibrated.yaml",
            source=str(spec.source),
            where="calibration",
        )


def _optimization(spec: Scenario, menu: ReplanLevers, today: int, budget: float, runs: int):
    opt = Optimization.model_validate(
        {
            "name": "replan",
            "scenario": str(spec.source),
            "budget": max(budget, 1e-6),  # nothing left: only changes that cost nothing
            "levers": [shifted(lv, today).model_dump() for lv in menu.levers],
            "objectives": [o.model_dump(exclude_none=True) for o in menu.objectives],
            "replicates": runs,
            "seed": spec.seed,
            "batch": max(1, cores()),
        }
    )
    opt._source, opt._base = spec.source, spec
    return opt


class Evaluator:
    """Plans continued from the filter's particles: ``runs`` replicates drawn by weight
    under one label (the same particles and streams for every plan), the plans on
    ``workers`` threads of the execution home (the particles' state stays in this
    process)."""

    def __init__(self, filt: Assimilation, spent: float, workers: int | None):
        self.filt = filt
        self.spent = spent
        self.workers = workers or cores()

    def summaries(self, plans: Sequence[Scenario], runs: int | None, label: str) -> list:
        """Each plan's summary (one row per replicate) with ``cost`` the cost from next
        week on, and its curves."""

        def one(plan: Scenario):
            f = self.filt
            res = continue_state(f.state, f.weights, plan, f.org, plan.weeks, runs, label)
            summary = res.summary.sort_index().copy()
            summary["cost"] = summary["cost"] - self.spent
            return summary, res.curves

        return ThreadEvaluator(max(1, min(self.workers, len(plans)))).map(one, plans)


def spent_so_far(filt: Assimilation, spec: Scenario) -> float:
    """The mean cost of the scenario's strategies over the weeks already observed."""
    today = filt.state.week
    if today == 0:
        return 0.0
    res = continue_state(filt.state, filt.weights, spec.with_changes(weeks=today), filt.org,
                         today, None, "spent")  # fmt: skip
    return float(res.summary["cost"].mean())


def replan(
    calibrated: Scenario | str | Path,
    observed: Any,
    budget_left: float,
    *,
    through: int | None = None,
    trials: int = 100,
    particles: int = 200,
    runs: int | None = None,
    levers: ReplanLevers | str | Path | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Replan:
    """Assimilate ``observed`` (per person, or an aggregate series) into ``calibrated``,
    then search the plan from next week on within ``budget_left`` (see the module).
    ``runs``: particles per trial (default: up to 50, drawn by weight)."""
    spec = calibrated if isinstance(calibrated, Scenario) else load_scenario(calibrated)
    check_calibrated(spec)
    if budget_left < 0:
        raise InputError(f"{budget_left:g}: a budget is 0 or more", source="--budget-left")
    menu = levers if isinstance(levers, ReplanLevers) else load_levers(levers)
    t0 = time.perf_counter()
    filt = assimilate(spec, observed, particles=particles, seed=seed, through=through)
    if filt.state.week >= spec.weeks:
        raise InputError(
            f"the observations reach week {filt.state.week}, the scenario's last week is "
            f"{spec.weeks}: nothing is left to plan (extend the scenario's weeks)",
            source="--observed",
        )
    runs = min(particles, 50) if runs is None else int(runs)
    out = plan_from(filt, spec, menu, budget_left, trials, runs, workers, progress)
    out.seconds = time.perf_counter() - t0
    return out


def plan_from(
    filt: Assimilation,
    spec: Scenario,
    menu: ReplanLevers,
    budget_left: float,
    trials: int,
    runs: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Replan:
    """The search from the filter's week (``filt.state.week``; 0: before launch, from the
    prior's particles) within ``budget_left``."""
    today = filt.state.week
    opt = _optimization(spec, menu, today, budget_left, runs)
    ev = Evaluator(filt, spent_so_far(filt, spec), workers)
    stoppable = [s.label for s in running(spec, today)]
    check_commitments(ev, spec, stoppable, today, budget_left)
    study = _search(opt, ev, stoppable, today, trials, runs, progress)
    table = _with_stops_named(trials_table(study, opt), stoppable)
    finalists, forecasts, as_planned = _final(opt, ev, table, stoppable, today)
    best = finalists.iloc[0]
    return Replan(
        scenario=spec,
        today=today,
        budget_left=float(budget_left),
        spent=ev.spent,
        assimilation=filt,
        trials=table,
        plan=_plan(opt, best["choices"], best["stops"], today),
        changes=describe(opt, best["choices"], best["stops"], today),
        finalists=finalists.drop(columns=["choices", "stops", "values"]),
        gain=paired_gain(best["values"], as_planned),
        metric=opt.objectives[0].metric,
        forecasts=forecasts,
    )


def check_commitments(ev: Evaluator, spec: Scenario, stoppable, today: int, budget: float):
    """An InputError naming --budget-left when it is below what is committed: the cost from
    next week on of the cheapest plan (every running strategy stopped, nothing new; the
    strategies the scenario schedules after today stay)."""
    cheapest = with_stops(spec, stoppable, today)
    (summary, _), = ev.summaries([cheapest], 10, "committed")  # fmt: skip
    committed = float(summary["cost"].mean())
    if budget + 1e-9 < committed:
        later = [s.label for s in spec.strategies if s.start > today]
        raise InputError(
            f"{budget:,.0f} is below what is already committed from week {today + 1} on "
            f"({committed:,.0f}: {', '.join(later) or 'the strategies that go on'}); raise "
            "the budget left or remove strategies scheduled for later from the scenario",
            source="--budget-left",
        )


def _plan(opt: Optimization, choices: dict, stops: list[str], today: int) -> Scenario:
    """The plan: the scenario's strategies (``stops`` ending today) and the chosen levers,
    named after the week they were decided in (so that a later re-plan's do not take
    their names, and the state's strategies are matched to their own)."""
    plan = plan_scenario(opt, choices)
    kept = len(opt.base.strategies)
    if len(plan.strategies) > kept:
        data = plan.model_dump()
        for k, item in enumerate(data["strategies"][kept:]):
            item["name"] = f"{item['type']}_w{today + 1}_{k}"
        plan = validate_scenario(data, source=str(opt.source))
        plan._source = opt.base.source
    return with_stops(plan, stops, today)


def _count(study: Any) -> int:
    """The study's trials so far (without copying them, as ``study.trials`` does)."""
    return len(study.get_trials(deepcopy=False))


def _ask(study: Any, opt: Optimization, stoppable: list[str]) -> tuple[Any, dict, list[str]]:
    study.sampler = make_sampler(opt, _count(study))
    trial = study.ask()
    choices = suggest(trial, opt)
    stops = [s for s in stoppable if trial.suggest_categorical(f"stop.{s}", [False, True])]
    return trial, choices, stops


def _search(opt, ev: Evaluator, stoppable, today, trials, runs, progress) -> Any:
    """Optuna trials in batches of ``opt.batch`` plans run together."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        sampler=make_sampler(opt, 0), directions=[o.direction for o in opt.objectives]
    )
    known: dict[str, dict[str, float]] = {}
    while _count(study) < trials:
        batch = [_ask(study, opt, stoppable) for _ in range(min(opt.batch, trials - _count(study)))]
        todo: dict[str, Scenario] = {}
        keyed = []
        for trial, choices, stops in batch:
            key = plan_key({**choices, "stop": stops})
            try:
                plan = _plan(opt, choices, stops, today)
            except ScenarioError as exc:
                trial.set_user_attr("error", exc.message[:500])
                study.tell(trial, state=TrialState.FAIL)
                continue
            if key not in known:
                todo.setdefault(key, plan)
            keyed.append((trial, key))
        results = ev.summaries(list(todo.values()), runs, "replan")
        for key, (summary, _) in zip(todo, results, strict=True):
            known[key] = score(summary, opt.base.weeks, opt)
        for trial, key in keyed:
            sc = known[key]
            for k in ("cost", *(o.metric for o in opt.objectives)):
                trial.set_user_attr(k, sc[k])
            trial.set_user_attr("constraint", sc["cost"] - opt.budget)
            study.tell(trial, [sc[o.metric] for o in opt.objectives])
        if progress is not None:
            progress(_count(study), trials)
    return study


def _choices(row: pd.Series, opt: Optimization, stoppable: list[str]) -> tuple[dict, list[str]]:
    out: dict[str, Any] = {}
    for i, lever in enumerate(opt.levers):
        use = row.get(f"{i}.use", lever.use[0])
        out[f"{i}.use"] = bool(use) if not pd.isna(use) else lever.use[0]
        if out[f"{i}.use"]:
            for path, dom in lever.settings.items():
                v = row[f"{i}.{path}"]
                out[f"{i}.{path}"] = int(v) if getattr(dom, "integer", False) else v
    flags = {s: row.get(f"stop.{s}", False) for s in stoppable}
    stops = [s for s, v in flags.items() if not pd.isna(v) and bool(v)]
    return out, stops


def _final(opt, ev: Evaluator, table: pd.DataFrame, stoppable, today):
    """The best feasible plans of the search and the plan as it stands, on every particle
    (fresh streams for the copies); sorted best first, the plan as it stands last."""
    first = opt.objectives[0]
    metric, up = first.metric, first.direction == "maximize"
    cands: list[tuple[dict, list[str]]] = []
    if len(table):
        ok = table[table["feasible"]].sort_values(metric, ascending=not up)
        seen = set()
        for _, row in ok.iterrows():
            c, s = _choices(row, opt, stoppable)
            key = plan_key({**c, "stop": s})
            if key not in seen:
                seen.add(key)
                cands.append((c, s))
            if len(cands) == FINALISTS:
                break
    as_planned = ({f"{i}.use": False for i in range(len(opt.levers))}, [])
    plans = [_plan(opt, c, s, today) for c, s in [*cands, as_planned]]
    results = ev.summaries(plans, None, "replan-final")
    rows = []
    for (c, s), (summary, _) in zip([*cands, as_planned], results, strict=True):
        v = summary[metric].to_numpy(dtype=float)
        rows.append({"choices": c, "stops": s, "values": v, "strategies": _label(opt, c, s),
                     metric: float(v.mean()), "cost": float(summary["cost"].mean())})  # fmt: skip
    df = pd.DataFrame(rows)
    df["as_planned"] = [False] * len(cands) + [True]
    # continuing is always possible (its cost is not the re-plan's to cut)
    df["feasible"] = (df["cost"] <= opt.budget + 1e-9) | df["as_planned"]
    df["key"] = df[metric] * (1.0 if up else -1.0)
    order = df.sort_values(["feasible", "key"], ascending=[False, False], kind="stable")
    first = order.iloc[0]
    # a change only when its paired gain is credibly positive; else continue as planned
    if not first["as_planned"]:
        g = paired_gain(first["values"], rows[-1]["values"])
        if not (g["low"] > 0 if up else g["high"] < 0):
            planned = order[order["as_planned"]]
            order = pd.concat([planned, order[~order["as_planned"]]])
    forecasts = {"as planned": results[-1][1], "recommended": results[int(order.index[0])][1]}
    return order.drop(columns="key").reset_index(drop=True), forecasts, rows[-1]["values"]


def _with_stops_named(table: pd.DataFrame, stoppable: list[str]) -> pd.DataFrame:
    """The trials' ``strategies`` with the running strategies each one stops."""
    if not len(table):
        return table
    for s in stoppable:
        col = f"stop.{s}"
        if col in table:
            stop = table[col].fillna(False).astype(bool)
            table.loc[stop, "strategies"] = table.loc[stop, "strategies"] + f" + stop {s}"
    return table


def _label(opt: Optimization, choices: dict, stops: list[str]) -> str:
    used = [lv.strategy for i, lv in enumerate(opt.levers) if choices.get(f"{i}.use")]
    parts = used + [f"stop {s}" for s in stops]
    return " + ".join(parts) or "as planned"


def describe(opt: Optimization, choices: dict, stops: list[str], today: int) -> list[str]:
    """The recommended changes in words, e.g. ``start evangelists in week 14 (target.count
    40)``."""
    out = []
    for i, lever in enumerate(opt.levers):
        if not choices.get(f"{i}.use"):
            continue
        sets = {p: choices[f"{i}.{p}"] for p in lever.settings}
        start = sets.pop("start", lever.fixed.get("start"))
        extra = ", ".join(f"{p} {v}" for p, v in sets.items())
        out.append(f"start {lever.strategy} in week {start}" + (f" ({extra})" if extra else ""))
    out += [f"stop {s} after week {today}" if today else f"leave out {s}" for s in stops]
    return out


def paired_gain(plan: np.ndarray, as_planned: np.ndarray) -> dict[str, float]:
    """The mean paired difference over particles and its 90 % interval (normal)."""
    d = np.asarray(plan, dtype=float) - np.asarray(as_planned, dtype=float)
    mean = float(d.mean())
    half = float(Z90 * d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return {
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "share_better": float(np.mean(d > 0)),
        "particles": len(d),
    }
