"""The optimize command: the best rollout plan for a budget."""

from __future__ import annotations

import math
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from adoptsim.cli import common as ui
from adoptsim.cli.common import app
from adoptsim.errors import AdoptsimError
from adoptsim.execute import make_evaluator
from adoptsim.optimize import load_optimization, optimize
from adoptsim.optimize.search import REEVALUATION


@app.command("optimize")
def optimize_cmd(
    optimization: Annotated[Path, typer.Argument(help="Optimization YAML file.")],
    trials: Annotated[
        int, typer.Option("--trials", min=1, max=100_000, help="Plans to try.")
    ] = 100,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume/--overwrite", help="Continue the search in the folder (default)."),
    ] = True,
    executor: Annotated[
        str | None,
        typer.Option(
            "--executor",
            "-e",
            help="Run the plans' replicates on an evaluator: sequential, threads, "
            "processes or dask (default: in this process, vectorised). The trials are the same.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Processes or threads (default: all cores)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786): run there."),
    ] = None,
) -> None:
    """Search for the plans that get the most lasting adoption for the money (Optuna)."""
    folder = out_dir
    try:
        evaluator = (
            make_evaluator(executor, workers, scheduler)
            if executor is not None or scheduler is not None
            else None
        )
        opt = load_optimization(optimization)
        folder = out_dir or Path("results") / opt.name
        session: Any = evaluator if evaluator is not None else nullcontext()
        with ui.err.status("optimizing") as status, session:

            def progress(done: int, total: int, best: float, front: int) -> None:
                shown = "–" if math.isnan(best) else f"{best:.4g}"
                status.update(
                    f"optimizing: trial {done} of {total}, best "
                    f"{opt.objectives[0].metric} {shown}, Pareto front {front}"
                )

            table = optimize(
                opt,
                trials,
                folder,
                resume=resume,
                workers=workers,
                progress=progress,
                evaluator=evaluator,
            )
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted(
            f"the trials so far are stored in {folder}; run the same command again to resume"
        ) from None
    ui.out.print(_top_table(table, opt))
    fresh = folder / REEVALUATION
    if fresh.is_file():
        ui.out.print(_fresh_table(pd.read_csv(fresh), opt))
    ui.out.print(
        f"written to [bold]{escape(str(folder))}[/] (pareto.csv, trials.parquet, best.yaml, "
        "pareto.png, plans.png)"
    )


def _fresh_table(fresh: pd.DataFrame, opt) -> Table:
    t = Table(
        title="Re-evaluated on fresh seeds, twice the runs (paired against no strategy)",
        title_justify="left",
    )
    for col in ("plan", "sustained", "90 % of runs", "vs no strategy", "95 % CI"):
        t.add_column(col, justify="left" if col == "plan" else "right")
    rows = fresh[fresh["metric"] == "sustained_share"]
    for _, r in rows.iterrows():
        diff = "" if pd.isna(r["diff_mean"]) else f"{100 * r['diff_mean']:+.1f} pp"
        ci = (
            ""
            if pd.isna(r["diff_ci_low"])
            else (f"{100 * r['diff_ci_low']:+.1f} to {100 * r['diff_ci_high']:+.1f}")
        )
        t.add_row(escape(str(r["scenario"])), f"{100 * r['mean']:.1f} %",
                  f"{100 * r['low']:.1f}–{100 * r['high']:.1f}", diff, ci)  # fmt: skip
    return t


def _top_table(table, opt) -> Table:
    metrics = [o.metric for o in opt.objectives if o.metric != "cost"]
    t = Table(
        title=f"Pareto front of {len(table)} plans ({opt.replicates} runs each, robustness "
        f"{opt.robustness})",
        title_justify="left",
    )
    for col in ("trial", "strategies", *metrics, "cost"):
        t.add_column(col, justify="left" if col == "strategies" else "right")
    front = table[table["pareto"]] if len(table) else table
    first = opt.objectives[0]
    front = front.sort_values(first.metric, ascending=first.direction == "minimize").head(10)
    for _, r in front.iterrows():
        cells = [f"{100 * r[m]:.1f} %" if "share" in m else f"{r[m]:.4g}" for m in metrics]
        t.add_row(str(r["trial"]), escape(r["strategies"]), *cells, f"{r['cost']:,.0f}")
    return t
