"""Calibrate a scenario on an observed pilot: ABC-SMC over scenario paths.

A particle is a set of values of the fitted paths. It is simulated on the scenario's
organization for ``replicates`` replicates, each on replicate streams of its own (a
simulated pilot is compared with the observed one as one realisation with another, so
that the posterior holds the pilot's own chance; common random numbers across particles
would fit every particle to one draw of chance and narrow the posterior wrongly). A
replicate's distance is the mean absolute error between the observed shares and its own,
over every observed week and series (week 0 is never compared).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adoptsim import rng as rngmod
from adoptsim.calibration.abc import abc_smc
from adoptsim.calibration.defaults import default_fit, first_period_share
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.persons import read_any
from adoptsim.calibration.point import optimize_fit
from adoptsim.calibration.result import METHODS, Calibration
from adoptsim.calibration.spec import (
    FitParameter,
    FitPrior,
    check_calibration_memory,
    check_fit,
    parse_fit,
    simulations_of,
)
from adoptsim.errors import InputError
from adoptsim.execute import Mapper, ThreadEvaluator, as_evaluator, batch_size
from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.model.engine import CURVE_COLUMNS, GROUP_COLUMNS, Simulation
from adoptsim.model.population import REPLICATE_PARAMETERS
from adoptsim.org import Organization
from adoptsim.scenario import Scenario, load_scenario, locate, with_overrides
from adoptsim.scenario.sections import CalibrationRef

Progress = Callable[[int, float, float, int], None]
#: ABC stops, converged, when a generation's tolerance falls by less than this share, or
#: when its acceptance rate falls below MIN_ACCEPTANCE (the tolerance is at the noise floor)
MIN_TOLERANCE_DROP = 0.05
MIN_ACCEPTANCE = 0.05


def calibrate(
    scenario: Scenario | str | Path,
    observed: Observed | str | Path | None = None,
    fit: list[FitParameter | str] | None = None,
    *,
    method: str | None = None,
    population: int | None = None,
    generations: int | None = None,
    trials: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    evaluator: Any = None,
    progress: Progress | None = None,
    period_weeks: int | None = None,
    max_simulations: int | None = None,
    through: int | None = None,
    max_memory: int | None = None,
) -> Calibration:
    """Fit ``fit`` (FitParameters or ``PATH=LO:HI[:log][:normal(MU,SD)]`` texts) to
    ``observed`` (a file or an :class:`Observed`) and return the :class:`Calibration`. What
    is not given comes from the scenario's ``calibration`` section, then the defaults (the
    fit set of :mod:`adoptsim.calibration.defaults`; ABC-SMC with the stop rules of
    :mod:`adoptsim.calibration.abc`: 300 particles, at most 15 generations and 40,000
    simulations; 300 trials for ``optimize``; 1 replicate per particle).

    ``period_weeks``: model weeks per observed period (observed period k is model week
    k x period_weeks). ``method``: ``abc`` (ABC-SMC, a posterior sample) or ``optimize``
    (an Optuna TPE point fit of the same distance: the posterior is the best trial with
    weight 1). ``progress`` gets (generation, tolerance, acceptance, simulations) for
    ``abc`` and (trials, best distance, nan, simulations) for ``optimize``. ``evaluator``:
    where the particle batches run (None: threads of this process, up to ``workers``; an
    :mod:`adoptsim.execute` evaluator such as ``DaskEvaluator``, or a ``mapper(fn, tasks)``
    callable); the numbers do not depend on it. ``observed`` may be per person
    (``employee_id,week,active`` or ``employee_id,first_week`` with ``through``,
    :mod:`adoptsim.calibration.persons`): the distance then compares who used and who had
    tried the tool, week by week, in each department and in the organization."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    section = scenario.calibration or CalibrationRef()
    method = check_method(method or section.method)
    observed = _observed_path(scenario, section, observed)
    replicates = replicates or section.replicates
    k = check_period_weeks(section.period_weeks if period_weeks is None else period_weeks)
    seed = scenario.seed if seed is None else int(seed)
    given = fit or section.fit
    params = [f if isinstance(f, FitParameter) else parse_fit(f) for f in given]
    if params:
        check_fit(scenario, params)
    sims = simulations_of(method, population or section.population, trials or section.trials)
    org = _organization(scenario, seed, (sims, replicates, workers, max_memory))
    if not isinstance(observed, Observed):
        observed = read_any(observed, org, scenario.weeks // k, through)
    if not params:
        params = default_fit(org, k, first_period_share(observed.table))
    observed = in_model_weeks(observed, k)
    horizon = scenario.with_changes(weeks=observed.last_week)
    t0 = time.perf_counter()
    runner = as_evaluator(evaluator, workers)
    with runner.session():
        evaluate = particle_evaluator(horizon, org, params, observed, seed, replicates, runner.map)
        budget = {
            "population": population or section.population,
            "generations": generations or section.generations,
            "trials": trials or section.trials,
            "max_simulations": max_simulations or section.max_simulations,
        }
        smc, record = _search(method, params, evaluate, seed, budget, progress)
    return Calibration(scenario, params, observed, smc, seed, replicates,
                       time.perf_counter() - t0, method, record, runner.name, k, not given,
                       org.n)  # fmt: skip


def _organization(scenario: Scenario, seed: int, effort: tuple) -> Organization:
    """The scenario's organization, its calibration's memory estimated before it is built
    (when generated) and after (``effort``: simulations at once, replicates, workers, the
    memory limit)."""
    sims, replicates, workers, max_memory = effort
    generated = scenario.organization.generate
    if generated is not None:
        check_calibration_memory(scenario, generated.employees, sims, replicates, workers,
                                 max_memory)  # fmt: skip
    org = build_org(scenario, seed)
    check_calibration_memory(scenario, org.n, sims, replicates, workers, max_memory)
    return org


def _search(
    method: str,
    params: list[FitParameter],
    evaluate: Callable[[np.ndarray], np.ndarray],
    seed: int,
    budget: dict[str, int],
    progress: Progress | None,
) -> tuple[Any, Any]:
    """ABC-SMC's result (and None), or the point fit's result and its trials record."""
    bounds = np.array([p.bounds for p in params])
    rng = rngmod.stream(seed, rngmod.SHARED, "calibration")
    if method == "abc":
        smc = abc_smc(
            bounds,
            evaluate,
            rng,
            population=budget["population"],
            generations=budget["generations"],
            progress=progress,
            prior=FitPrior(tuple(params)),
            min_acceptance=MIN_ACCEPTANCE,
            min_tolerance_drop=MIN_TOLERANCE_DROP,
            max_simulations=budget["max_simulations"],
        )
        return smc, None
    point = None if progress is None else (lambda n, d, s: progress(n, d, np.nan, s))
    return optimize_fit(bounds, evaluate, rng, trials=budget["trials"], progress=point)


def check_period_weeks(value: Any, flag: str = "--period-weeks") -> int:
    """``value`` if it is a whole number of weeks from 1 to 520, else an InputError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= 520:
        raise InputError(
            f"{value!r} is not a number of model weeks per observed period; allowed: a whole "
            "number from 1 to 520 (e.g. 4 for months, 52 for years)",
            source=flag,
        )
    return int(value)


def in_model_weeks(observed: Observed, period_weeks: int) -> Observed:
    """``observed`` with period k at model week k x ``period_weeks``."""
    if period_weeks == 1:
        return observed
    table = observed.table.copy()
    table["week"] = table["week"] * period_weeks
    return Observed(table, observed.source)


def check_method(method: str) -> str:
    """``method`` if it is a calibration method, else an InputError naming the allowed."""
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r}; allowed: {', '.join(METHODS)}", source="--method"
        )
    return method


def _observed_path(
    scenario: Scenario, section: CalibrationRef, observed: Observed | str | Path | None
) -> Observed | Path:
    if observed is None and section.observed:
        observed = Path(section.observed)
        if not observed.is_absolute() and scenario.source is not None:
            observed = Path(scenario.source).parent / observed
    if observed is None:
        raise InputError(
            "no observed weeks: give --observed CSV (or calibration.observed in the scenario)",
            source="--observed",
        )
    return observed if isinstance(observed, Observed) else Path(observed)


def department_sizes(org: Organization) -> dict[str, int]:
    """People per department."""
    counts = np.bincount(org.department, minlength=len(org.departments))
    return {name: int(c) for name, c in zip(org.departments, counts, strict=True)}


def overrides_of(scenario: Scenario, params: list[FitParameter], row: np.ndarray) -> dict:
    """One particle (prior scale) as scenario overrides (whole numbers where the scenario
    holds an int)."""
    data = scenario.model_dump()
    out = {}
    for p, v in zip(params, row, strict=True):
        value = float(p.from_unit(np.array(v)))
        container, key = locate(data, p.path)
        out[p.path] = round(value) if isinstance(container[key], int) else value
    return out


def simulated_series(
    scenario: Scenario,
    org: Organization,
    seed: int,
    replicates: list[int],
    observed: Observed,
    values: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """The observed cells as simulated: (replicates, observations) shares (``values``:
    each replicate's own parameters, as Simulation takes them)."""
    sim = build_simulation(scenario, seed, replicates, org, values=values)
    if observed.people is not None:
        return _person_series(sim, observed)
    sim.run()
    t = observed.table
    weeks = t["week"].to_numpy()
    out = np.empty((len(replicates), len(t)))
    whole = (t["department"] == "").to_numpy()
    if whole.any():
        cols = np.array([CURVE_COLUMNS.index(s) for s in t.loc[whole, "series"]])
        out[:, whole] = sim.curves[weeks[whole], :, cols].T
    if (~whole).any():
        dept = np.array([org.departments.index(d) for d in t.loc[~whole, "department"]])
        cols = np.array([GROUP_COLUMNS.index(s) for s in t.loc[~whole, "series"]])
        out[:, ~whole] = sim.dept_curves[weeks[~whole], :, dept, cols].T
    return out


def _person_series(sim: Simulation, observed: Observed) -> np.ndarray:
    """The observed cells of per-person observations as simulated: shares of the observed
    people who used the tool, or had tried it, per week in each department and overall."""
    t, org, people = observed.table, sim.org, observed.people
    n_dept = len(org.departments)
    onehot = np.zeros((int(people.sum()), n_dept + 1))
    onehot[np.arange(onehot.shape[0]), org.department[people]] = 1.0
    onehot[:, n_dept] = 1.0  # the whole organization
    onehot /= np.maximum(onehot.sum(axis=0), 1.0)
    column = {d: k for k, d in enumerate(org.departments)} | {"": n_dept}
    cols = np.array([column[d] for d in t["department"]])
    weeks = t["week"].to_numpy()
    out = np.empty((sim.R, len(t)))
    while sim.week < observed.last_week:
        sim.step()
        at = weeks == sim.week
        if not at.any():
            continue
        for name, flags in (("using_share", sim.used), ("ever_tried_share", sim.ever_tried)):
            cells = at & (t["series"] == name).to_numpy()
            if cells.any():
                shares = flags[:, people].astype(float) @ onehot
                out[:, cells] = shares[:, cols[cells]]
    return out


@dataclass(frozen=True)
class Batch:
    """One batch of particles to simulate, picklable (it may run in another process or on
    a Dask worker): ``rows`` (prior scale) with replicates numbered from ``first``."""

    scenario: Scenario
    org: Organization
    params: tuple[FitParameter, ...]
    observed: Observed
    seed: int
    replicates: int
    rows: np.ndarray
    first: int
    together: bool


def run_batch(batch: Batch) -> np.ndarray:
    """The distances of a batch: (particles, replicates). Particles whose parameters the
    engine takes per replicate run as one simulation; others one simulation each."""
    target = batch.observed.table["value"].to_numpy()
    k, rows = batch.replicates, batch.rows
    if batch.together:
        reps = list(range(batch.first, batch.first + len(rows) * k))
        values = {p.path: np.repeat(p.from_unit(rows[:, j]), k) for j, p in enumerate(batch.params)}
        sim = simulated_series(batch.scenario, batch.org, batch.seed, reps, batch.observed, values)
        return np.mean(np.abs(sim - target), axis=1).reshape(len(rows), k)
    out = []
    for i, row in enumerate(rows):
        spec = with_overrides(batch.scenario, overrides_of(batch.scenario, batch.params, row))
        reps = list(range(batch.first + i * k, batch.first + (i + 1) * k))
        sim = simulated_series(spec, batch.org, batch.seed, reps, batch.observed)
        out.append(np.mean(np.abs(sim - target), axis=1))
    return np.array(out)


def particle_evaluator(
    scenario: Scenario,
    org: Organization,
    params: list[FitParameter],
    observed: Observed,
    seed: int,
    replicates: int,
    mapper: Mapper,
) -> Callable[[np.ndarray], np.ndarray]:
    """The batch simulator of a calibration: particles -> distances (particles x
    replicates). Each particle gets replicate streams of its own, numbered in proposal
    order; the particles are cut into batches that ``mapper`` runs (the numbers do not
    depend on where)."""
    counter = [0]  # particles simulated so far: each gets replicate streams of its own
    together = {p.path for p in params} <= set(REPLICATE_PARAMETERS)
    per_batch = batch_size(org.n, replicates) if together else 1

    def evaluate(rows: np.ndarray) -> np.ndarray:
        start = counter[0]
        counter[0] += len(rows) * replicates
        batches = [
            Batch(
                scenario,
                org,
                tuple(params),
                observed,
                seed,
                replicates,
                rows[k : k + per_batch],
                start + k * replicates,
                together,
            )
            for k in range(0, len(rows), per_batch)
        ]
        return np.vstack(mapper(run_batch, batches))

    return evaluate


def predictive(cal: Calibration, draws: int = 100, workers: int | None = None) -> pd.DataFrame:
    """Posterior predictive of the observed cells: for each week, series and department the
    observed value, the simulated median and the 5 % and 95 % quantiles over ``draws``
    replicates, each with parameters drawn from the posterior."""
    org = build_org(cal.scenario, cal.seed)
    horizon = cal.scenario.with_changes(weeks=cal.observed.last_week)
    rows = cal.draw(draws, rngmod.stream(cal.seed, rngmod.SHARED, "predictive"))

    def one(r: int) -> np.ndarray:
        spec = with_overrides(horizon, overrides_of(horizon, cal.fit, rows[r]))
        return simulated_series(spec, org, cal.seed, [r], cal.observed)[0]

    sims = np.vstack(ThreadEvaluator(workers).map(one, range(draws)))
    table = cal.observed.table.rename(columns={"value": "observed"}).copy()
    table["simulated_median"] = np.median(sims, axis=0)
    table["simulated_low"] = np.quantile(sims, 0.05, axis=0)
    table["simulated_high"] = np.quantile(sims, 0.95, axis=0)
    return table
