"""Writing a calibration's folder, and forecasting from a calibrated scenario."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from adoptsim.calibration.charts import fit_chart, forecast_chart, posterior_chart, trials_chart
from adoptsim.calibration.fit import predictive
from adoptsim.calibration.observed import Observed
from adoptsim.calibration.result import FIT_TABLE, Calibration
from adoptsim.runs.folders import atomic_folder
from adoptsim.runs.result import Result
from adoptsim.runs.runner import run
from adoptsim.scenario import Scenario, load_scenario
from adoptsim.viz import save_charts
from adoptsim.viz.style import save

FIT_CHART = "fit.png"
POSTERIOR_CHART = "posterior.png"
FORECAST_CHART = "forecast.png"


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
    if not path.is_file():
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
    if weeks is not None:
        scenario = scenario.with_changes(weeks=int(weeks))
    result = run(scenario, runs=runs, seed=seed, **run_options)
    observed = observed_of(scenario)
    with atomic_folder(folder, overwrite) as tmp:
        result.write(tmp)
        save_charts(result, tmp)
        title = f"Forecast: {scenario.name}, {scenario.weeks} weeks"
        save(forecast_chart(result.curves, observed, title), tmp / FORECAST_CHART)
    return result
