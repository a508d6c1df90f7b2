"""Commands for researchers: sweep, analyze, validate."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from adoptsim import validation
from adoptsim.cli import common as ui
from adoptsim.cli.common import Executor, MaxMemory, Scheduler, Workers, app
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import writable_folder
from adoptsim.sweeps import (
    SweepStats,
    auto_executor,
    default_folder,
    estimate_sweep,
    load_experiment,
    load_sweep,
    make_design,
    make_evaluator,
    sweep,
)
from adoptsim.sweeps.analysis import analyze, chart_metrics, first_error, wide_summary


@app.command("validate")
def validate_cmd(
    case: Annotated[
        list[str] | None,
        typer.Option(
            "--case",
            "-c",
            help="Case to run (repeatable; default all): bass, granovetter, centola, habit, "
            "rogers.",
        ),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the charts and validation.csv.")
    ] = Path("results/validation"),
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Root seed.")] = 1,
    quick: Annotated[
        bool, typer.Option("--quick", help="Run at the small size of the tests (seconds).")
    ] = False,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Reproduce published results of the diffusion literature; exit 1 when a case fails."""

    try:
        writable_folder(out_dir)
        names = validation.check_cases(case)
        with ui.err.status("") as status:
            results = validation.run_cases(
                names,
                size="quick" if quick else "full",
                seed=seed,
                progress=lambda name: status.update(f"validating {name}"),
                evaluator=ui.batch_evaluator(executor, workers, scheduler),
            )
        written = validation.save(results, out_dir)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    table = Table(
        title=f"Validation against published results ({'quick' if quick else 'full'} size, "
        f"seed {seed})",
        title_justify="left",
    )
    for col in ("case", "check", "published", "simulated", "tolerance", "result"):
        table.add_column(col)
    for r in results:
        for c in r.checks:
            verdict = "[green]pass[/]" if c.passed else "[bold red]FAIL[/]"
            table.add_row(r.case, c.name, c.published, c.simulated, c.tolerance, verdict)
    ui.out.print(table)
    failed = [r.case for r in results if not r.passed]
    ui.out.print(
        f"charts and validation.csv written to [bold]{escape(str(out_dir))}[/] "
        f"({len(written)} files)"
    )
    if failed:
        ui.err.print(f"[bold red]failed:[/] {', '.join(failed)}", highlight=False)
        raise typer.Exit(code=1)
    ui.out.print(f"[green]all {len(results)} cases pass[/]")


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


@app.command("analyze")
def analyze_cmd(
    folder: Annotated[Path, typer.Argument(help="A sweep's results folder.")],
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Metric to chart (repeatable; default: headline)."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default FOLDER/analysis).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="png, svg or pdf.")] = "png",
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Tables only.")] = False,
) -> None:
    """Summarise a sweep: table per point, Sobol / Morris indices, charts."""

    try:
        if out_dir is not None:
            writable_folder(out_dir)
        exp, _, _, manifest = load_sweep(folder)
        result = analyze(folder, out=out_dir, metrics=metric, charts=not no_chart, fmt=fmt)
        shown = chart_metrics(exp, metric)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    heading = (
        f"{escape(exp.name)}: {exp.design} design, {manifest.get('points')} points x "
        f"{exp.replicates} runs, seed {exp.seed}"
    )
    limit = 60
    if exp.design in ("sobol", "morris") or manifest.get("points", 0) > limit:
        ui.out.print(f"{heading}; the summary of every point is in points.csv", highlight=False)
    else:
        wide = wide_summary(result.summary[result.summary.metric.isin(shown)], exp.names)
        table = Table(title=f"{heading} — mean (90 % of runs)", title_justify="left")
        for col in wide.columns:
            table.add_column(escape(str(col)), justify="left" if col in exp.names else "right")
        for _, row in wide.iterrows():
            table.add_row(*[ui.cell_text(v) for v in row])
        ui.out.print(table)
    for label, frame, cols in (
        (
            "Sobol indices (± half-width of the interval)",
            result.sobol,
            ("S1", "S1_conf", "ST", "ST_conf"),
        ),
        (
            "Morris screening (± half-width of the interval)",
            result.morris,
            ("mu_star", "mu_star_conf", "sigma", "mu"),
        ),
    ):
        if frame is None:
            continue
        t = Table(title=label, title_justify="left")
        for c in ("metric", "parameter", *cols):
            t.add_column(c, justify="left" if c in ("metric", "parameter") else "right")
        for _, r in frame[frame.metric.isin(shown)].iterrows():
            t.add_row(
                escape(str(r["metric"])),
                escape(str(r["parameter"])),
                *[f"{r[c]:.3f}" for c in cols],
            )
        ui.out.print(t)
    for note in result.notes:
        ui.err.print(f"[yellow]note[/]: {escape(str(note))}", highlight=False)
    target = out_dir or folder / "analysis"
    ui.out.print(
        f"tables and {len(result.charts)} charts written to [bold]{escape(str(target))}[/]"
    )
