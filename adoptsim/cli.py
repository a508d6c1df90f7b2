"""The ``adoptsim`` command line: thin typer commands over the Python API."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

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


def attribution_table(result) -> Table | None:
    """Adoptions per strategy, direct and through colleagues (None when nobody adopted)."""
    table_data = result.attribution()
    if table_data["total"].sum() <= 0:
        return None
    table = Table(
        title="Adoptions by cause (mean per run): direct, and through the colleagues each "
        "cause influenced (chains of peer causes)",
        title_justify="left",
    )
    for col, justify in (
        ("cause", "left"),
        ("direct", "right"),
        ("through colleagues", "right"),
        ("total", "right"),
        ("share of adoptions", "right"),
        ("adopters it made aware", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=(col == "cause"))
    for cause, row in table_data.iterrows():
        label = "own motivation" if cause == "own" else str(cause)
        table.add_row(
            label,
            f"{row['direct']:.1f}",
            f"{row['indirect']:.1f}",
            f"{row['total']:.1f}",
            pct(row["share"]),
            f"{row['made_aware']:.1f}",
        )
    return table


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
        result.save(folder)
        if not no_chart:
            from adoptsim.viz import save_charts

            save_charts(result, folder)
    except AdoptsimError as exc:
        raise fail(exc) from None
    out.print(summary_table(result))
    attribution = attribution_table(result)
    if attribution is not None:
        out.print(attribution)
    out.print(f"results written to [bold]{folder}[/]")


@app.command("validate-scenario")
def validate_scenario_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
) -> None:
    """Check a scenario file against the schema without running it."""
    import adoptsim
    from adoptsim.runs.runner import build_org

    try:
        spec = adoptsim.load_scenario(scenario)
        org = build_org(spec, spec.seed)
        from adoptsim.model.engine import Simulation

        # resolves every strategy's targets against the organization
        Simulation(spec.with_changes(weeks=1), org, spec.seed, [0], source=str(scenario))
    except AdoptsimError as exc:
        raise fail(exc) from None
    out.print(
        f"[green]ok[/]: {scenario} — scenario {spec.name!r}, {org.n} employees, "
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

    from adoptsim.errors import InputError, did_you_mean
    from adoptsim.strategies import REGISTRY
    from adoptsim.strategies.docs import names, render_strategy

    if name is None:
        table = Table(title="Rollout strategies (adoptsim strategies NAME for details)")
        table.add_column("strategy", style="bold")
        table.add_column("what it does")
        for n in names():
            table.add_row(n, REGISTRY[n].summary)
        out.print(table)
        return
    if name not in REGISTRY:
        raise fail(
            InputError(
                f"unknown strategy {name!r}{did_you_mean(name, REGISTRY)}; known: "
                f"{', '.join(names())}",
                source="adoptsim strategies",
            )
        )
    out.print(Markdown(render_strategy(name, level=1)))
    out.print(
        "Every strategy also takes name, start, end, target and cost (see docs/strategies.md).",
        highlight=False,
    )


def comparison_tables(comparison) -> tuple[Table, Table | None]:
    """The compared plans, ranked, each metric with its 90 % interval; and the paired
    differences against the reference (None with a single plan)."""
    from adoptsim.runs.compare import METRICS, format_difference, format_value

    ref = comparison.names[0]
    runs = comparison.runs
    rows = comparison.table
    values = Table(
        title=f"{len(comparison.results)} plans, {runs} runs each on the same seeds "
        f"(seed {comparison.seed}), ranked by {METRICS[comparison.rank_by].label}; "
        "second line: 90 % interval over runs",
        title_justify="left",
    )
    diffs = Table(
        title=f"Paired differences against {ref} (replicate by replicate); second line: 90 % "
        "of paired runs; last column: share of runs in which the plan is better",
        title_justify="left",
    )
    for t in (values, diffs):
        t.add_column("#", justify="right")
        t.add_column("plan")
        for metric in METRICS:
            t.add_column(METRICS[metric].short, justify="right")
    diffs.add_column(f"better in ({METRICS[comparison.rank_by].short})", justify="right")
    for name in comparison.ranking:
        sub = rows[rows["scenario"] == name].set_index("metric")
        rank = str(int(sub["rank"].iloc[0]))
        cells = []
        for metric in METRICS:
            value, interval = format_value(sub.loc[metric])
            cells.append(f"{value}\n[dim]{interval}[/]" if interval else value)
        label = f"{name}\n[dim](reference)[/]" if name == ref else name
        values.add_row(rank, label, *cells)
        if name == ref:
            continue
        cells = []
        for metric in METRICS:
            diff, interval = format_difference(sub.loc[metric], runs)
            cells.append(f"{diff}\n[dim]{interval}[/]" if interval else diff)
        better = sub.loc[comparison.rank_by, "better_share"]
        diffs.add_row(rank, name, *cells, f"{100 * better:.0f} %")
    return values, (diffs if len(comparison.results) > 1 else None)


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
) -> None:
    """Run plans on the same replicate seeds and compare them with the first (paired)."""
    import adoptsim
    from adoptsim.runs.compare import check_rank_by, compare, unique_names

    try:
        check_rank_by(rank_by)
        specs = [adoptsim.load_scenario(s) for s in scenarios]
        n = specs[0].runs if runs is None else runs
        names = unique_names([s.name for s in specs])
        weeks = dict(zip(names, [s.weeks for s in specs], strict=True))
        with progress_bar() as bar:
            tasks: dict[str, Any] = {}

            def tick(name: str, k: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(f"running {name}", total=n * weeks[name])
                bar.advance(tasks[name], k)

            comparison = compare(specs, runs=n, seed=seed, rank_by=rank_by, progress=tick)
        comparison.save(out_dir)
        if not no_chart:
            from adoptsim.viz import save_charts

            save_charts(comparison, out_dir)
    except AdoptsimError as exc:
        raise fail(exc) from None
    for table in comparison_tables(comparison):
        if table is not None:
            out.print(table)
    out.print(
        f"results written to [bold]{out_dir}[/] (comparison.csv, differences.csv, "
        f"comparison.png, one folder per plan)"
    )


def load_results(folder: Path):
    """A results folder (one plan) or a comparison folder, whichever ``folder`` holds."""
    from adoptsim.errors import InputError
    from adoptsim.runs.compare import Comparison, is_comparison_folder
    from adoptsim.runs.result import Result

    if not folder.is_dir():
        raise InputError("no such folder", source=str(folder))
    if is_comparison_folder(folder):
        return Comparison.load(folder)
    return Result.load(folder)


def parse_weeks(text: str | None) -> list[int] | None:
    """``--weeks 13,26,52`` as a list of ints (an InputError names the bad item)."""
    from adoptsim.errors import InputError

    if not text:
        return None
    try:
        return [int(w) for w in text.split(",") if w.strip()]
    except ValueError:
        raise InputError(
            f"--weeks takes week numbers separated by commas, e.g. 13,26,52 (got {text!r})",
            source="--weeks",
        ) from None


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
    from adoptsim.errors import InputError
    from adoptsim.runs.compare import Comparison
    from adoptsim.viz import plots

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
        target = out_dir or folder / "charts"
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for k in chosen:
            try:
                figures = plots.draw(source, k, weeks=week_list, replicate=replicate, plan=plan)
            except plots.ChartError as exc:
                if kind:  # asked for by name: an error
                    raise
                err.print(f"[yellow]skipped[/] {k}: {exc}", highlight=False)
                continue
            for stem, fig in figures:
                written.append(plots.save(fig, target / f"{stem}.{fmt}", dpi=dpi))
    except AdoptsimError as exc:
        raise fail(exc) from None
    for path in written:
        out.print(f"wrote {path}", highlight=False)


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
    from adoptsim import report
    from adoptsim.errors import InputError

    try:
        if fmt not in ("html", "pdf"):
            raise InputError(f"unknown format {fmt!r}; allowed: html, pdf", source="--format")
        source = load_results(folder)
        path = out_file or folder / f"report.{fmt}"
        report.write(source, path, fmt=fmt, question=question)
    except AdoptsimError as exc:
        raise fail(exc) from None
    out.print(f"wrote {path}", highlight=False)


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
) -> None:
    """Reproduce published results of the diffusion literature; exit 1 when a case fails."""
    from adoptsim import validation

    try:
        names = validation.check_cases(case)
        with err.status("") as status:
            results = validation.run_cases(
                names,
                size="quick" if quick else "full",
                seed=seed,
                progress=lambda name: status.update(f"validating {name}"),
            )
        written = validation.save(results, out_dir)
    except AdoptsimError as exc:
        raise fail(exc) from None
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
    out.print(table)
    failed = [r.case for r in results if not r.passed]
    out.print(f"charts and validation.csv written to [bold]{out_dir}[/] ({len(written)} files)")
    if failed:
        err.print(f"[bold red]failed:[/] {', '.join(failed)}", highlight=False)
        raise typer.Exit(code=1)
    out.print(f"[green]all {len(results)} cases pass[/]")


@app.command("sweep")
def sweep_cmd(
    experiment: Annotated[Path, typer.Argument(help="Experiment YAML file (experiments/).")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    executor: Annotated[
        str, typer.Option("--executor", "-e", help="sequential, processes or dask.")
    ] = "processes",
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
        int | None, typer.Option("--chunk", min=1, help="Replicates per task (default: auto).")
    ] = None,
) -> None:
    """Run a parameter sweep; results stream into the folder as runs finish."""
    from adoptsim.sweeps import SweepStats, default_folder, load_experiment, make_evaluator, sweep

    try:
        evaluator = make_evaluator(executor, workers, scheduler)
        exp = load_experiment(experiment)
        folder = out_dir or default_folder(exp)
        stats = SweepStats()
        bar = sweep_progress_bar()
        task = None

        def tick(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task(f"sweeping {exp.name}", total=total, completed=done)
            else:
                bar.update(task, completed=done)

        with bar:
            table = sweep(
                exp,
                out=folder,
                evaluator=evaluator,
                resume=resume,
                retry_errors=retry_errors,
                chunk_size=chunk,
                progress=tick,
                stats=stats,
            )
    except KeyboardInterrupt:
        note = "finished runs are stored; run the same command again to resume"
        err.print(f"[yellow]interrupted[/]: {note}")
        raise typer.Exit(code=130) from None
    except AdoptsimError as exc:
        raise fail(exc) from None
    rate = f", {stats.rate:.1f} runs/s" if stats.ran else ""
    out.print(
        f"{stats.ran} runs done in {stats.seconds:.1f} s{rate}"
        + (f"; {stats.skipped} already stored" if stats.skipped else "")
    )
    errors = int((table["status"] != "ok").sum()) if len(table) else 0
    if errors:
        from adoptsim.sweeps.analysis import first_error

        bad = table.loc[table["status"] != "ok", "point"].nunique()
        err.print(
            f"[yellow]{errors} runs failed[/] at {bad} point(s) (rows with status 'error'); "
            f"first error: {first_error(table)}",
            highlight=False,
        )
    out.print(f"{len(table)} rows written to [bold]{folder}[/] (results.parquet, manifest.json)")


def sweep_progress_bar() -> Progress:
    """A progress bar of runs done, rate and time left."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} runs/s", style="progress.data.speed")

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        Rate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
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
    from adoptsim.sweeps import load_sweep
    from adoptsim.sweeps.analysis import analyze, chart_metrics, wide_summary

    try:
        exp, _, _, manifest = load_sweep(folder)
        result = analyze(folder, out=out_dir, metrics=metric, charts=not no_chart, fmt=fmt)
        shown = chart_metrics(exp, metric)
    except AdoptsimError as exc:
        raise fail(exc) from None
    heading = (
        f"{exp.name}: {exp.design} design, {manifest.get('points')} points x "
        f"{exp.replicates} runs, seed {exp.seed}"
    )
    limit = 60
    if exp.design in ("sobol", "morris") or manifest.get("points", 0) > limit:
        out.print(f"{heading}; the summary of every point is in points.csv", highlight=False)
    else:
        wide = wide_summary(result.summary[result.summary.metric.isin(shown)], exp.names)
        table = Table(title=f"{heading} — mean (90 % of runs)", title_justify="left")
        for col in wide.columns:
            table.add_column(str(col), justify="left" if col in exp.names else "right")
        for _, row in wide.iterrows():
            table.add_row(*[_cell_text(v) for v in row])
        out.print(table)
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
            t.add_row(r["metric"], r["parameter"], *[f"{r[c]:.3f}" for c in cols])
        out.print(t)
    for note in result.notes:
        err.print(f"[yellow]note[/]: {note}", highlight=False)
    target = out_dir or folder / "analysis"
    out.print(f"tables and {len(result.charts)} charts written to [bold]{target}[/]")


def _cell_text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except AdoptsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}")
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
