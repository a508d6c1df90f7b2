"""Commands of the pilot: calibrate on observed weeks, forecast from the calibration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from adoptsim.calibration import calibrate, forecast, save_calibration
from adoptsim.calibration.files import assimilated_forecast
from adoptsim.calibration.fit import check_method
from adoptsim.cli import common as ui
from adoptsim.cli.common import Executor, MaxMemory, Overwrite, Scheduler, Workers, app
from adoptsim.cli.tables import summary_table
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.files import check_writable
from adoptsim.runs.folders import check_target
from adoptsim.scenario import load_scenario

Method = Annotated[
    str | None,
    typer.Option(
        "--method",
        "-m",
        help="abc (ABC-SMC: a posterior, the default) or optimize (an Optuna point fit).",
    ),
]
Trials = Annotated[
    int | None, typer.Option("--trials", min=10, max=100_000, help="Optimize trials.")
]
PeriodWeeks = Annotated[
    int | None,
    typer.Option(
        "--period-weeks",
        help="Model weeks per observed period: period k is model week k x K (default 1; "
        "4 for months, 52 for years).",
    ),
]
Fit = Annotated[
    list[str] | None,
    typer.Option(
        "--fit",
        help="PATH=LO:HI[:log][:normal(MU,SD)], repeatable: a parameter and its prior "
        "(default: the scenario's calibration.fit, else the default fit set).",
    ),
]
Population = Annotated[
    int | None, typer.Option("--population", min=20, max=20_000, help="ABC particles.")
]
Generations = Annotated[
    int | None, typer.Option("--generations", min=1, max=50, help="Most ABC generations.")
]
Through = Annotated[
    int | None,
    typer.Option(
        "--through",
        min=1,
        help="The last week per-person observations cover (required for the first-use "
        "form employee_id,first_week).",
    ),
]


@app.command("calibrate")
def calibrate_cmd(
    scenario: Annotated[Path, typer.Argument(help="The pilot's scenario YAML file.")],
    observed: Annotated[
        Path | None,
        typer.Option(
            "--observed",
            help="CSV: week and observed series, or per person (employee_id,week,active or "
            "employee_id,first_week) (default: the scenario's calibration.observed).",
        ),
    ] = None,
    through: Through = None,
    period_weeks: PeriodWeeks = None,
    fit: Fit = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME-fit).")
    ] = None,
    method: Method = None,
    population: Population = None,
    generations: Generations = None,
    trials: Trials = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", min=1, max=100, help="Replicates per particle.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0, help="Root seed.")] = None,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
) -> None:
    """Fit scenario parameters to a pilot's observed weeks (ABC-SMC) and write the posterior,
    the fit and a calibrated scenario."""
    try:
        if method is not None:
            check_method(method)
        spec = load_scenario(scenario)
        folder = check_target(out_dir or Path("results") / f"{spec.name}-fit", overwrite)
        check_writable(folder)  # before a long fit, not after it
        limit = ui.memory_limit(max_memory)
        evaluator = ui.batch_evaluator(executor, workers, scheduler)
        with ui.err.status("calibrating") as status:
            cal = calibrate(
                spec,
                observed,
                fit,
                method=method,
                population=population,
                generations=generations,
                trials=trials,
                replicates=replicates,
                seed=seed,
                workers=workers,
                evaluator=evaluator,
                progress=_progress(status),
                through=through,
                period_weeks=period_weeks,
                max_memory=limit,
            )
            status.update("simulating the fit")
            save_calibration(cal, folder, overwrite, workers=workers)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted("nothing was written; run the command again") from None
    ui.out.print(_posterior_table(cal))
    for warning in cal.summary()["warnings"]:
        ui.err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    ui.out.print(
        f"written to [bold]{escape(str(folder))}[/] (calibrated.yaml, posterior.csv, fit.csv, "
        "fit.png, posterior.png, summary.json)"
    )


def _progress(status: Any) -> Callable[[int, float, float, int], None]:
    """The status line's update: ABC's generation, tolerance and acceptance, or the point
    fit's trials and best distance (its ``rate`` is nan)."""

    def progress(gen: int, tol: float, rate: float, sims: int) -> None:
        if np.isnan(rate):
            status.update(f"calibrating: {gen} trials, best distance {tol:.4f}")
            return
        status.update(
            f"calibrating: generation {gen}, tolerance {tol:.4f}, "
            f"acceptance {100 * rate:.0f} %, {sims:,} particles simulated"
        )

    return progress


def _posterior_table(cal) -> Table:
    s = cal.summary()
    table = Table(
        title=f"{s['method']}: {s['simulations']:,} simulations in {s['seconds']:.0f} s, "
        f"seed {s['seed']}; median distance {s['distance']['median']:.4f}",
        title_justify="left",
    )
    point = cal.method == "optimize"
    cols = ("parameter", "prior", "best trial") if point else (
        "parameter", "prior", "median", "90 % interval")  # fmt: skip
    for col in cols:
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for path, p in s["parameters"].items():
        prior = f"{p['prior'][0]:g}–{p['prior'][1]:g}" + (" (log)" if p["log_prior"] else "")
        interval = [] if point else [f"{p['low']:.4g}–{p['high']:.4g}"]
        table.add_row(escape(path), prior, f"{p['median']:.4g}", *interval)
    return table


@app.command("forecast")
def forecast_cmd(
    scenario: Annotated[Path, typer.Argument(help="A calibrated scenario (calibrated.yaml).")],
    weeks: Annotated[int | None, typer.Option("--weeks", min=1, max=520)] = None,
    runs: Annotated[
        int | None,
        typer.Option(
            "--runs", "-n", min=1, help="Replicates (with --observed: particles, default 500)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0, help="Root seed.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    observed: Annotated[
        Path | None,
        typer.Option(
            "--observed",
            help="Observations of the rollout so far, per person (employee_id,week,active or "
            "employee_id,first_week) or a weekly share series: continue from their "
            "assimilated state.",
        ),
    ] = None,
    through: Through = None,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Forecast the rollout from a calibrated scenario: each run draws its parameters from
    the posterior, so the band holds what the pilot left uncertain and chance. With
    --observed, a particle filter assimilates the observed weeks and the forecast continues
    from who has used the tool and where they sit, not from week 1."""
    folder = out_dir
    try:
        limit = ui.memory_limit(max_memory)
        spec = load_scenario(scenario)
        folder = check_target(out_dir or Path("results") / f"{spec.name} forecast", overwrite)
        if through is not None and observed is None:
            raise InputError("--through goes with --observed", source="--through")
        check_writable(folder)
        n = (spec.runs if observed is None else 500) if runs is None else runs
        total = n * (weeks or spec.weeks)
        with ui.progress_bar() as bar:
            task = bar.add_task(f"forecasting {spec.name}", total=total)
            common = dict(weeks=weeks, runs=n, seed=seed, overwrite=overwrite, max_memory=limit)
            advance = lambda k: bar.advance(task, k)  # noqa: E731
            if observed is None:
                evaluator = ui.batch_evaluator(executor, workers, scheduler)
                result = forecast(spec, folder, progress=advance, evaluator=evaluator, **common)
            else:
                result = assimilated_forecast(
                    spec, folder, observed, through=through, progress=advance, **common
                )
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted(f"nothing was written to {folder}; run the command again") from None
    for warning in result.manifest.get("warnings", []):
        ui.err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    ui.out.print(summary_table(result))
    ui.out.print(f"forecast written to [bold]{escape(str(folder))}[/] (forecast.png, curves, ...)")
