"""The command that summarises a sweep: analyze (tables, Sobol / Morris indices, charts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from adoptsim.cli import common as ui
from adoptsim.cli.common import app
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import writable_folder
from adoptsim.sweeps import load_sweep
from adoptsim.sweeps.analysis import analyze, chart_metrics, wide_summary


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
