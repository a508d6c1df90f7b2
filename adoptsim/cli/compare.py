"""Commands on several plans and on saved results: compare, plot, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

import adoptsim
from adoptsim import report
from adoptsim.cli import common as ui
from adoptsim.cli.common import Executor, MaxMemory, Overwrite, Scheduler, Workers, app
from adoptsim.cli.tables import comparison_tables
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.files import writable_target, write_file
from adoptsim.runs.compare import (
    Comparison,
    check_rank_by,
    compare,
    is_comparison_folder,
    unique_names,
)
from adoptsim.runs.folders import atomic_folder, check_target, writable_folder
from adoptsim.runs.result import Result
from adoptsim.viz import plots, save_charts


def load_results(folder: Path):
    """A results folder (one plan) or a comparison folder, whichever ``folder`` holds."""

    if not folder.is_dir():
        raise InputError("no such folder", source=str(folder))
    if is_comparison_folder(folder):
        return Comparison.load(folder)
    return Result.load(folder)


def parse_weeks(text: str | None) -> list[int] | None:
    """``--weeks 13,26,52`` as a list of ints (an InputError names the bad item)."""

    if not text:
        return None
    try:
        return [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise InputError(
            f"--weeks takes week numbers separated by commas, e.g. 13,26,52 (got {text!r})",
            source="--weeks",
        ) from None


@app.command("compare")
def compare_cmd(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario YAML files; the first is the reference.")
    ],
    runs: Annotated[
        int | None, typer.Option("--runs", "-n", min=1, help="Replicates per plan.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0, help="Root seed.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/compare"
    ),
    rank_by: Annotated[
        str,
        typer.Option(
            "--rank-by",
            help="Metric that ranks the plans: final_active_share, sustained_share, "
            "weeks_to_50, lapses, cost, cost_per_sustained_adopter.",
        ),
    ] = "sustained_share",
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Skip the charts.")] = False,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Run plans on the same replicate seeds and compare them with the first (paired)."""

    try:
        limit = ui.memory_limit(max_memory)
        evaluator = ui.batch_evaluator(executor, workers, scheduler)
        check_rank_by(rank_by)
        check_target(out_dir, overwrite)
        specs = [adoptsim.load_scenario(s) for s in scenarios]
        n = specs[0].runs if runs is None else runs
        names = unique_names([s.name for s in specs])
        weeks = dict(zip(names, [s.weeks for s in specs], strict=True))
        with ui.progress_bar() as bar:
            tasks: dict[str, Any] = {}

            def tick(name: str, k: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(f"running {name}", total=n * weeks[name])
                bar.advance(tasks[name], k)

            comparison = compare(
                specs,
                runs=n,
                seed=seed,
                rank_by=rank_by,
                progress=tick,
                max_memory=limit,
                evaluator=evaluator,
            )
        with atomic_folder(out_dir, overwrite) as tmp:
            comparison.write(tmp)
            if not no_chart:
                save_charts(comparison, tmp)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted(
            f"nothing was written to {out_dir} (a comparison is written only when every plan "
            "has run); run the command again"
        ) from None
    for table in comparison_tables(comparison):
        ui.out.print(table, crop=False)
    ui.out.print(
        f"results written to [bold]{escape(str(out_dir))}[/] (comparison.csv, differences.csv, "
        f"comparison.png, one folder per plan)"
    )


@app.command("plot")
def plot_cmd(
    folder: Annotated[
        Path, typer.Argument(help="A results folder (adoptsim run) or comparison folder.")
    ],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Chart kind (repeatable; default: every kind that fits the folder): "
            "adoption, stages, departments, roles, funnel, network, network-departments, "
            "compare, differences, cost, plans.",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="File format: png, svg or pdf.")
    ] = "png",
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=600, help="Resolution of PNG.")] = 150,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default FOLDER/charts).")
    ] = None,
    weeks: Annotated[
        str | None,
        typer.Option(
            "--weeks",
            help="Weeks for the network charts (e.g. 13,26,52); the funnel uses the last.",
        ),
    ] = None,
    replicate: Annotated[
        int, typer.Option("--replicate", min=0, help="The run the network chart shows.")
    ] = 0,
    plan: Annotated[
        str | None, typer.Option("--plan", help="In a comparison: draw per-plan kinds for it.")
    ] = None,
) -> None:
    """Draw charts from saved results, without running anything."""

    try:
        if fmt not in ("png", "svg", "pdf"):
            raise InputError(f"unknown format {fmt!r}; allowed: png, svg, pdf", source="--format")
        for k in kind or []:
            if k not in plots.KINDS:
                raise InputError(
                    f"unknown chart kind {k!r}; allowed: {', '.join(plots.KINDS)}",
                    source="--kind",
                )
        source = load_results(folder)
        is_cmp = isinstance(source, Comparison)
        if plan is not None and is_cmp:
            source.result(plan)  # names the plans when unknown
        chosen = kind or plots.default_kinds(source)
        week_list = parse_weeks(weeks)
        target = writable_target(writable_folder(out_dir or folder / "charts"))
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot make {target} ({exc.strerror})", source="--out") from None
        written = []
        for k in chosen:
            try:
                figures = plots.draw(source, k, weeks=week_list, replicate=replicate, plan=plan)
            except plots.ChartError as exc:
                if kind:  # asked for by name: an error
                    raise
                ui.err.print(f"[yellow]skipped[/] {k}: {escape(str(exc))}", highlight=False)
                continue
            for stem, fig in figures:
                path = target / f"{stem}.{fmt}"
                written.append(write_file(path, lambda tmp, f=fig: plots.save(f, tmp, dpi=dpi)))
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    for path in written:
        ui.out.print(f"wrote {escape(str(path))}", highlight=False)


@app.command("report")
def report_cmd(
    folder: Annotated[
        Path, typer.Argument(help="A results folder (adoptsim run) or comparison folder.")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="html or pdf.")] = "html",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default FOLDER/report.*).")
    ] = None,
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="The question the report answers.")
    ] = None,
) -> None:
    """Write a one-page, self-contained report (HTML or PDF) for a proposal."""

    try:
        if fmt not in ("html", "pdf"):
            raise InputError(f"unknown format {fmt!r}; allowed: html, pdf", source="--format")
        source = load_results(folder)
        path = out_file or folder / f"report.{fmt}"
        report.write(source, path, fmt=fmt, question=question)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    ui.out.print(f"wrote {escape(str(path))}", highlight=False)
