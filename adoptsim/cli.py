"""The ``adoptsim`` command line: thin typer commands over the Python API."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from adoptsim.errors import AdoptsimError

app = typer.Typer(
    name="adoptsim",
    help="Forecast how a new workplace tool spreads through an organization.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


def fail(exc: AdoptsimError) -> typer.Exit:
    """Print a user error without traceback and return the Exit to raise."""
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code=exc.exit_code)


def pct(x: float) -> str:
    """A share as a percentage string."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def weeks_cells(row) -> tuple[str, str]:
    """Median and interval cells of a weeks-to-X metric ('not reached' where it is not)."""
    if math.isinf(row["median"]):
        return "not reached", f"reached in {100 * row['reached']:.0f} % of runs"
    high = "not reached" if math.isinf(row["high"]) else f"{row['high']:.0f}"
    return f"{row['median']:.0f}", f"{row['low']:.0f} – {high}"


def summary_table(result) -> Table:
    """The run's headline figures with their 90 % intervals."""
    agg = result.aggregate
    table = Table(
        title=f"{result.name}: {result.manifest['runs']} runs, seed {result.manifest['seed']}, "
        f"{result.manifest.get('employees', '?')} employees, "
        f"{result.manifest['scenario']['weeks']} weeks",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("mean / median", justify="right")
    table.add_column("90 % interval", justify="right")

    def share(label: str, key: str) -> None:
        r = agg.loc[key]
        table.add_row(label, pct(r["mean"]), f"{pct(r['low'])} – {pct(r['high'])}")

    share("final active share", "final_active_share")
    share("sustained (voluntary) share", "sustained_share")
    share("habitual share", "final_habitual_share")
    share("aware share", "final_aware_share")
    for m in (25, 50, 75):
        table.add_row(f"weeks to {m} % active", *weeks_cells(agg.loc[f"weeks_to_{m}"]))
    r = agg.loc["lapses"]
    table.add_row("lapses (events)", f"{r['mean']:.1f}", f"{r['low']:.0f} – {r['high']:.0f}")
    r = agg.loc["cost"]
    if r["high"] > 0:
        table.add_row("cost", f"{r['mean']:,.0f}", f"{r['low']:,.0f} – {r['high']:,.0f}")
        c = agg.loc["cost_per_sustained_adopter"]
        table.add_row(
            "cost per sustained adopter", f"{c['mean']:,.0f}", f"{c['low']:,.0f} – {c['high']:,.0f}"
        )
    return table


def progress_bar() -> Progress:
    """The progress bar used by long commands."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replicate-weeks"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


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
) -> None:
    """Run a scenario's ensemble, print the summary and write the results folder."""
    import adoptsim

    try:
        spec = adoptsim.load_scenario(scenario)
        n = spec.runs if runs is None else runs
        folder = out_dir or Path("results") / spec.name
        with progress_bar() as bar:
            task = bar.add_task(f"running {spec.name}", total=n * spec.weeks)
            result = adoptsim.run(
                spec,
                runs=n,
                seed=seed,
                new_org_per_replicate=True if new_org else None,
                progress=lambda k: bar.advance(task, k),
            )
        result.save(folder, chart=not no_chart)
    except AdoptsimError as exc:
        raise fail(exc) from None
    out.print(summary_table(result))
    out.print(f"results written to [bold]{folder}[/]")


@app.command("validate-scenario")
def validate_scenario_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
) -> None:
    """Check a scenario file against the schema without running it."""
    import adoptsim
    from adoptsim.runner import build_org

    try:
        spec = adoptsim.load_scenario(scenario)
        org = build_org(spec, spec.seed)
        from adoptsim.engine import Simulation

        # resolves every strategy's targets against the organization
        Simulation(spec.with_changes(weeks=1), org, spec.seed, [0], source=str(scenario))
    except AdoptsimError as exc:
        raise fail(exc) from None
    out.print(
        f"[green]ok[/]: {scenario} — scenario {spec.name!r}, {org.n} employees, "
        f"{len(spec.strategies)} strategies, {spec.weeks} weeks, {spec.runs} runs"
    )


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except AdoptsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}")
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
