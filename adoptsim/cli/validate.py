"""The command that reproduces published results of the diffusion literature: validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from adoptsim import validation
from adoptsim.cli import common as ui
from adoptsim.cli.common import Executor, Scheduler, Workers, app
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import writable_folder


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
