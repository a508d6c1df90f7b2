"""``adoptsim backtest``: rolling-origin backtests of a scenario against the curve models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from adoptsim.calibration.backtest import METHODS, backtest, parse_origins
from adoptsim.calibration.backtest_files import LABELS, save_backtest
from adoptsim.calibration.fit import check_period_weeks
from adoptsim.cli import common as ui
from adoptsim.cli.calibrate import Executor, Fit, Generations, Population, Scheduler, Workers
from adoptsim.cli.common import Overwrite, app
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.execute import EXECUTORS, make_evaluator
from adoptsim.runs.folders import check_target
from adoptsim.scenario import load_scenario


def _methods(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    names = tuple(m.strip() for m in text.split(",") if m.strip())
    bad = [m for m in names if m not in METHODS]
    if bad or not names:
        raise InputError(
            f"unknown method {bad[0] if bad else text!r}; allowed: {', '.join(METHODS)}",
            source="--methods",
        )
    return names


ObservedFile = Annotated[
    Path,
    typer.Option(
        "--observed",
        help="CSV of the observed series (week, a share), or per person "
        "(employee_id,week,active or employee_id,first_week): adds the assimilated method.",
    ),
]
Through = Annotated[
    int | None, typer.Option("--through", min=1, help="The first-use form's last observed week.")
]
PeriodWeeks = Annotated[
    int | None, typer.Option("--period-weeks", help="Model weeks per observed period (default 1).")
]


@app.command("backtest")
def backtest_cmd(
    scenario: Annotated[Path, typer.Argument(help="The scenario the series is fitted on.")],
    observed: ObservedFile,
    origins: Annotated[
        str,
        typer.Option(
            "--origins",
            help="Periods A:B (e.g. 3:8), each the last period a forecast is fitted on.",
        ),
    ],
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=100, help="Seeds 1..K.")] = 5,
    fit: Fit = None,
    period_weeks: PeriodWeeks = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=2, help="Runs per forecast.")] = 200,
    population: Population = None,
    generations: Generations = None,
    methods: Annotated[
        str | None, typer.Option("--methods", help=f"Comma list of: {', '.join(METHODS)}.")
    ] = None,
    through: Through = None,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (default results/NAME-backtest)."),
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Judge the scenario's forecasts on a real series: calibrate on the periods up to each
    origin, forecast the rest, score (MAE, CRPS, band coverage) against Bass, logistic,
    Gompertz and the naive forecast."""
    try:
        chosen = _methods(methods)
        if executor is not None and executor not in EXECUTORS:
            raise InputError(
                f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}",
                source="--executor",
            )
        parse_origins(origins)
        if period_weeks is not None:
            check_period_weeks(period_weeks)
        spec = load_scenario(scenario)
        folder = check_target(out_dir or Path("results") / f"{spec.name}-backtest", overwrite)
        options = {k: v for k, v in (("population", population), ("generations", generations))
                   if v is not None}  # fmt: skip
        evaluator = make_evaluator(executor or ("dask" if scheduler else "threads"), workers,
                                   scheduler)  # fmt: skip
        with ui.err.status(f"backtesting: {len(parse_origins(origins))} origins x {seeds} seeds"):
            bt = backtest(
                spec,
                observed,
                origins,
                seeds=range(1, seeds + 1),
                fit=fit,
                runs=runs,
                period_weeks=period_weeks,
                methods=chosen,
                evaluator=evaluator,
                workers=workers,
                through=through,
                **options,
            )
            save_backtest(bt, folder, overwrite, title=f"Backtest: {spec.name}")
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted("nothing was written; run the command again") from None
    ui.out.print(_table(bt))
    ui.out.print(
        f"written to [bold]{escape(str(folder))}[/] (backtest.csv, forecasts.csv, "
        "summary.json, backtest.png)"
    )


def _table(bt) -> Table:
    table = Table(
        title=f"{escape(bt.series)}: mean over origins {bt.settings['origins'][0]}-"
        f"{bt.settings['origins'][-1]} and {len(bt.settings['seeds'])} seeds (points)",
        title_justify="left",
    )
    for col in ("method", "MAE", "CRPS", "50 % band", "90 % band"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m, row in bt.overall().iterrows():
        cells = [
            "" if not np.isfinite(row[k]) else f"{100 * row[k]:.1f}" + (" %" if "cov" in k else "")
            for k in ("mae", "crps", "coverage_50", "coverage_90")
        ]
        table.add_row(LABELS.get(m, m), *cells)
    return table
