"""Commands on one scenario: run, validate-scenario, strategies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

import adoptsim
from adoptsim.cli import common as ui
from adoptsim.cli.common import Executor, MaxMemory, Overwrite, Scheduler, Workers, app
from adoptsim.cli.tables import attribution_table, summary_table
from adoptsim.errors import AdoptsimError, InputError, did_you_mean
from adoptsim.execute.simulations import build_org, build_simulation
from adoptsim.runs.folders import atomic_folder, check_target
from adoptsim.runs.runner import estimate
from adoptsim.strategies import REGISTRY
from adoptsim.strategies.docs import names, render_strategy
from adoptsim.viz.numbers import ADOPTION_CHART, adoption_numbers
from adoptsim.viz.painter import Painter, PaintError


@app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    runs: Annotated[int | None, typer.Option("--runs", "-n", min=1, help="Replicates.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", min=0, help="Root seed.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    new_org: Annotated[
        bool, typer.Option("--new-org-per-replicate", help="Draw a new organization per run.")
    ] = False,
    no_chart: Annotated[bool, typer.Option("--no-chart", help="Skip adoption.png.")] = False,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
    executor: Executor = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
) -> None:
    """Run a scenario's ensemble, print the summary and write the results folder."""

    unpainted = None
    try:
        limit = ui.memory_limit(max_memory)
        evaluator = ui.batch_evaluator(executor, workers, scheduler)
        spec = adoptsim.load_scenario(scenario)
        n = spec.runs if runs is None else runs
        folder = check_target(out_dir or Path("results") / spec.name, overwrite)
        ui.show_estimate(estimate(spec, runs=n, new_org=True if new_org else None))
        with Painter(active=not no_chart) as painter:
            result = _simulate(spec, n, seed, new_org, limit, evaluator)
            with atomic_folder(folder, overwrite) as tmp:
                if not no_chart:
                    painter.paint("adoption", adoption_numbers(result), tmp / ADOPTION_CHART)
                    painter.close()
                result.write(tmp)
                with ui.out.capture() as summary:  # rendered while the chart is drawn
                    _print_summary(result)
                try:
                    painter.finish()
                except PaintError as exc:
                    unpainted = exc
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted(f"nothing was written to {folder}; run the command again") from None
    ui.out.file.write(summary.get())
    ui.out.print(f"results written to [bold]{escape(str(folder))}[/]")
    if unpainted is not None:
        raise ui.fail(
            PaintError(
                f"{unpainted}; the results are complete: draw it with `adoptsim plot {folder}`"
            )
        )


def _print_summary(result) -> None:
    ui.out.print(summary_table(result))
    attribution = attribution_table(result)
    if attribution is not None:
        ui.out.print(attribution)


def _simulate(spec, runs: int, seed, new_org: bool, limit, evaluator):
    """The scenario's ensemble, with a progress bar."""
    with ui.progress_bar() as bar:
        task = bar.add_task(f"running {spec.name}", total=runs * spec.weeks)
        return adoptsim.run(
            spec,
            runs=runs,
            seed=seed,
            new_org_per_replicate=True if new_org else None,
            progress=lambda k: bar.advance(task, k),
            max_memory=limit,
            evaluator=evaluator,
        )


@app.command("validate-scenario")
def validate_scenario_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
) -> None:
    """Check a scenario file against the schema without running it."""

    try:
        spec = adoptsim.load_scenario(scenario)
        org = build_org(spec, spec.seed)

        # resolves every strategy's targets against the organization
        build_simulation(spec.with_changes(weeks=1), spec.seed, [0], org, source=str(scenario))
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    ui.out.print(
        f"[green]ok[/]: {escape(str(scenario))} — scenario {escape(repr(spec.name))}, "
        f"{org.n} employees, "
        f"{len(spec.strategies)} strategies, {spec.weeks} weeks, {spec.runs} runs"
    )


@app.command("strategies")
def strategies_cmd(
    name: Annotated[
        str | None, typer.Argument(help="A strategy: show its mechanism and parameters.")
    ] = None,
) -> None:
    """List the rollout strategies, or show one: mechanism, parameters, defaults, sources."""
    from rich.markdown import Markdown

    if name is None:
        table = Table(title="Rollout strategies (adoptsim strategies NAME for details)")
        table.add_column("strategy", style="bold")
        table.add_column("what it does")
        for n in names():
            table.add_row(n, REGISTRY[n].summary)
        ui.out.print(table)
        return
    if name not in REGISTRY:
        raise ui.fail(
            InputError(
                f"unknown strategy {name!r}{did_you_mean(name, REGISTRY)}; known: "
                f"{', '.join(names())}",
                source="adoptsim strategies",
            )
        )
    ui.out.print(Markdown(render_strategy(name, level=1)))
    ui.out.print(
        "Every strategy also takes name, start, end, target and cost (see docs/strategies.md).",
        highlight=False,
    )
