"""The pilot command: which pilot design teaches most about the rollout for its cost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from adoptsim.cli import common as ui
from adoptsim.cli.common import Overwrite, app
from adoptsim.decide import load_pilots, pilot
from adoptsim.decide.pilot_files import write_pilots
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import check_target


@app.command("pilot")
def pilot_cmd(
    pilots: Annotated[Path, typer.Argument(help="Pilot-design YAML file.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/NAME).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Threads (default: all cores).")
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Rank pilot designs by how much they narrow the rollout's forecast and how often
    they point to the right plan (preposterior simulation)."""
    try:
        study = load_pilots(pilots)
        folder = check_target(out_dir or Path("results") / study.name, overwrite)
        with ui.err.status("simulating the pilots") as status:

            def progress(done: int, total: int, what: str) -> None:
                status.update(f"simulating the pilots: ensemble {done} of {total} ({what})")

            analysis = pilot(study, workers=workers, progress=progress)
        write_pilots(analysis, folder, overwrite=overwrite)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted("nothing was written") from None
    ui.out.print(_table(analysis))
    best = analysis.recommended
    ui.out.print(
        f"recommended: [bold]{escape(str(best['design']))}[/] (band narrowed by "
        f"{100 * best['band_narrowing']:.0f} %, 90 % interval "
        f"{100 * best['band_narrowing_low']:.0f}–{100 * best['band_narrowing_high']:.0f} %; "
        f"right plan in {100 * best['decision_accuracy']:.0f} % of truths, without a pilot "
        f"{100 * analysis.no_pilot['decision_accuracy']:.0f} %)"
    )
    ui.out.print(
        f"written to [bold]{escape(str(folder))}[/] (pilots.csv, per_truth.csv, "
        "recommended.json, pilots.png)"
    )


def _table(analysis) -> Table:
    study = analysis.study
    t = Table(
        title=f"{len(study.designs)} pilot designs x {study.truths} truths "
        f"({study.outcome.metric}; no pilot: band {analysis.no_pilot['band_width']:.3f})",
        title_justify="left",
    )
    for col in ("rank", "design", "people", "weeks", "cost", "band", "narrowing", "accuracy"):
        t.add_column(col, justify="left" if col == "design" else "right", no_wrap=True)
    for _, r in analysis.table.iterrows():
        t.add_row(
            str(r["rank"]), escape(str(r["design"])), str(r["people"]), str(r["weeks"]),
            f"{r['cost']:,.0f}", f"{r['band_width']:.3f}",
            f"{100 * r['band_narrowing']:.0f} %", f"{100 * r['decision_accuracy']:.0f} %",
        )  # fmt: skip
    return t
