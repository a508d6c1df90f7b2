"""Writing a calibration's folder, and forecasting from a calibrated scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from adoptsim.calibration.aggregate import read_observations
from adoptsim.calibration.assimilate import assimilate
from adoptsim.calibration.charts import (
    fit_chart,
    forecast_chart,
    narrowing_chart,
    posterior_chart,
    trials_chart,
)
from adoptsim.calibration.fit import predictive
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.persons import PersonObserved
from adoptsim.calibration.result import FIT_TABLE, Calibration
from adoptsim.errors import InputError
from adoptsim.execute.simulations import build_org
from adoptsim.files import MAX_BYTES, read_text
from adoptsim.runs.draws import scenario_file
from adoptsim.runs.folders import CHECKSUMS, atomic_folder, verify
from adoptsim.runs.result import MANIFEST, Result
from adoptsim.runs.runner import run
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.viz import save_charts
from adoptsim.viz.style import save

FIT_CHART = "fit.png"
POSTERIOR_CHART = "posterior.png"
FORECAST_CHART = "forecast.png"
FILTER_TABLE = "filter.csv"
NARROWING_CHART = "forecast_by_week.png"


def save_calibration(
    cal: Calibration,
    folder: str | Path,
    overwrite: bool = False,
    draws: int = 100,
    workers: int | None = None,
) -> Path:
    """Write posterior.csv, fit.csv, calibrated.yaml, summary.json, fit.png and
    posterior.png into ``folder``, whole or not at all."""
    table = predictive(cal, draws=draws, workers=workers)
    with atomic_folder(folder, overwrite) as tmp:
        cal.write(tmp, table)
        save(fit_chart(cal, table), tmp / FIT_CHART)
        chart = trials_chart(cal) if cal.search is not None else posterior_chart(cal)
        save(chart, tmp / POSTERIOR_CHART)
    return Path(folder)


def observed_of(scenario: Scenario) -> Observed | None:
    """The observations a calibrated scenario was fitted on (``fit.csv`` beside its
    posterior), if any."""
    if scenario.calibration is None or not scenario.calibration.posterior:
        return None
    if scenario.source is None:
        return None
    path = Path(scenario.source).parent / Path(scenario.calibration.posterior).parent / FIT_TABLE
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
        return None
    try:
        t = pd.read_csv(path, keep_default_na=False)
        table = t[["week", "series", "department", "observed"]].rename(
            columns={"observed": "value"}
        )
        table["week"] = table["week"].astype(int)
        table["value"] = table["value"].astype(float)
    except (ValueError, KeyError, OSError, pd.errors.ParserError):
        return None
    return Observed(table, str(path))


def calibration_folder(scenario: Scenario) -> Path | None:
    """The folder of the posterior a calibrated scenario names, checked against its
    checksums (None for a posterior outside a calibration's folder); an InputError for a
    scenario without a calibration to draw from."""
    section = scenario.calibration
    if section is None or not (section.posterior or section.draws or section.uncertainty):
        raise InputError(
            "has no calibration to forecast from (no calibration.posterior): run `adoptsim "
            "calibrate` and forecast its calibrated.yaml, or use `adoptsim run` for a run "
            "with the scenario's own parameters",
            source=str(scenario.source or scenario.name),
        )
    if not section.posterior:
        return None
    folder = scenario_file(scenario, section.posterior).parent
    if not (folder / CHECKSUMS).exists():
        return None
    verify(folder)
    return folder


def pilot_employees(folder: Path | None) -> int | None:
    """The size of the organization a calibration's folder was fitted on, if recorded."""
    if folder is None or not (folder / MANIFEST).is_file():
        return None
    try:
        info = json.loads(read_text(folder / MANIFEST))
        value = info["calibration"]["employees"]
    except (json.JSONDecodeError, KeyError, TypeError, InputError):
        return None
    return value if isinstance(value, int) and value > 0 else None


def forecast(
    scenario: Scenario | str | Path,
    folder: str | Path,
    *,
    weeks: int | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overwrite: bool = False,
    **run_options,
) -> Result:
    """Run a calibrated scenario with each replicate's parameters drawn from its posterior
    and write what ``run`` writes plus ``forecast.png``."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    pilot = calibration_folder(scenario)
    if weeks is not None:
        scenario = scenario.with_changes(weeks=int(weeks))
    result = run(scenario, runs=runs, seed=seed, **run_options)
    employees = pilot_employees(pilot)
    if employees and result.organizations and result.organizations[0].n != employees:
        result.manifest.setdefault("warnings", []).append(
            f"the posterior was fitted on an organization of {employees:,} employees and "
            f"this forecast runs {result.organizations[0].n:,}: it assumes the fitted "
            "behaviour carries over to the larger (or smaller) organization"
        )
    observed = observed_of(scenario)
    with atomic_folder(folder, overwrite) as tmp:
        result.write(tmp)
        save_charts(result, tmp)
        title = f"Forecast: {scenario.name}, {scenario.weeks} weeks"
        save(forecast_chart(result.curves, observed, title), tmp / FORECAST_CHART)
    return result


def assimilated_forecast(
    scenario: Scenario | str | Path,
    folder: str | Path,
    observed: str | Path,
    *,
    weeks: int | None = None,
    runs: int = 500,
    seed: int | None = None,
    through: int | None = None,
    overwrite: bool = False,
    progress=None,
    max_memory: int | None = None,
) -> Result:
    """Assimilate observations, per person or aggregate shares
    (:mod:`adoptsim.calibration.assimilate`, ``runs`` particles) and continue to week
    ``weeks``: writes what ``run`` writes (curves.csv holds weeks 0..weeks, the observed
    ones as the filter saw them), ``filter.csv`` (per observed week: effective sample
    size, resampling, parameter medians and 90 % intervals), forecast.png and
    forecast_by_week.png (the forecast as it was after each week)."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    weeks = scenario.weeks if weeks is None else int(weeks)
    seed = scenario.seed if seed is None else int(seed)
    from_org = build_org(scenario, seed)
    k = scenario.calibration.period_weeks if scenario.calibration is not None else 1
    persons = read_observations(observed, from_org, through, None, k)
    if persons.last_week > weeks:
        raise InputError(
            f"{observed} holds week {persons.last_week}, after the forecast's last week "
            f"{weeks}; forecast further (--weeks) or observe less",
            source="--weeks",
        )
    filt = assimilate(
        scenario, persons, particles=runs, seed=seed, max_memory=max_memory, org=from_org,
        progress=None if progress is None else (lambda week, ess: progress(runs)),
    )  # fmt: skip
    result = filt.forecast(weeks, progress=progress)
    early = {w: filt.forecast_from(w, weeks).curves for w in sorted(filt.snapshots)}
    shares = persons.aggregate(filt.org) if isinstance(persons, PersonObserved) else persons
    with atomic_folder(folder, overwrite) as tmp:
        result.write(tmp)
        save_charts(result, tmp)
        filt.table.to_csv(tmp / FILTER_TABLE, index=False)
        title = f"Forecast: {scenario.name}, assimilated to week {persons.last_week}"
        source = (
            f"adoptsim forecast · particle filter over {runs} simulated organizations, "
            f"observed weeks 1-{persons.last_week} · band: 90 % of runs · points: observed"
        )
        save(forecast_chart(result.curves, shares, title, source), tmp / FORECAST_CHART)
        save(narrowing_chart(early, shares, title), tmp / NARROWING_CHART)
    return result
