"""The command that runs a parameter sweep: sweep."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from adoptsim.cli import common as ui
from adoptsim.cli.common import MaxMemory, app
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import writable_folder
from adoptsim.sweeps import (
    SweepStats,
    auto_executor,
    default_folder,
    estimate_sweep,
    load_experiment,
    make_design,
    make_evaluator,
    sweep,
)
from adoptsim.sweeps.store import first_error


@app.command("sweep")
def sweep_cmd(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML file (experiments/).")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            "-e",
            help="auto (threads for a sweep of seconds, else processes), sequential, threads, "
            "processes or dask.",
        ),
    ] = "auto",
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786): run there."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--overwrite",
            help="Skip the runs already stored in the folder (default), or start over.",
        ),
    ] = True,
    retry_errors: Annotated[
        bool, typer.Option("--retry-errors", help="Run failed points again when resuming.")
    ] = False,
    chunk: Annotated[
        int | None, typer.Option("--chunk", min=1, help="Runs per task (default: auto).")
    ] = None,
    max_memory: MaxMemory = None,
) -> None:
    """Run a parameter sweep; results stream into the folder as runs finish."""

    stats = SweepStats()
    folder = out_dir or Path("results")
    try:
        evaluator = make_evaluator(executor, workers, scheduler)  # a bad name fails at once
        limit = ui.memory_limit(max_memory)
        exp = load_experiment(experiment)
        if executor == "auto" and scheduler is None:
            evaluator = make_evaluator(auto_executor(exp, workers), workers)
        folder = writable_folder(out_dir or default_folder(exp))
        ui.show_estimate(estimate_sweep(exp, len(make_design(exp)), evaluator.workers))
        bar = ui.progress_bar("runs", rate=True)
        task = None

        def tick(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task(f"sweeping {exp.name}", total=total, completed=done)
            else:
                bar.update(task, completed=done)

        with bar, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what the sweep warns of is printed below
            table = sweep(
                exp,
                out=folder,
                evaluator=evaluator,
                resume=resume,
                retry_errors=retry_errors,
                chunk_size=chunk,
                progress=tick,
                stats=stats,
                max_memory=limit,
            )
    except KeyboardInterrupt:
        stored = stats.skipped + stats.ran
        raise ui.interrupted(
            f"{stored} of {stats.total or '?'} runs are stored in {folder}; run the same "
            "command again to resume"
        ) from None
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    _print_outcome(table, stats, folder)


def _print_outcome(table, stats: SweepStats, folder: Path) -> None:
    """What a finished sweep did: runs, rate, parts set aside, failures, where rows are."""
    if stats.damaged:
        ui.err.print(
            f"[yellow]{len(stats.damaged)} damaged part(s) set aside[/] into "
            f"{escape(str(folder / 'parts' / 'damaged'))}; their runs were done again",
            highlight=False,
        )
    rate = f", {stats.rate:.1f} runs/s" if stats.ran else ""
    ui.out.print(
        f"{stats.ran} runs done in {stats.seconds:.1f} s{rate}"
        + (f"; {stats.skipped} already stored" if stats.skipped else "")
    )
    errors = int((table["status"] != "ok").sum()) if len(table) else 0
    if errors:
        bad = table.loc[table["status"] != "ok", "point"].nunique()
        ui.err.print(
            f"[yellow]{errors} runs failed[/] at {bad} point(s) (rows with status 'error'); "
            f"first error: {escape(first_error(table))}",
            highlight=False,
        )
    ui.out.print(
        f"{len(table)} rows written to [bold]{escape(str(folder))}[/] "
        "(results.parquet, manifest.json)"
    )
