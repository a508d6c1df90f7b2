"""The replan command: what to do from next week on, given the weeks observed so far."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from adoptsim.cli import common as ui
from adoptsim.cli.common import Overwrite, app
from adoptsim.decide.replan import replan
from adoptsim.decide.replan_files import write_replan
from adoptsim.errors import AdoptsimError
from adoptsim.runs.folders import check_target


@app.command("replan")
def replan_cmd(
    calibrated: Annotated[Path, typer.Argument(help="The calibrated scenario (calibrated.yaml).")],
    observed: Annotated[
        Path,
        typer.Option(
            "--observed",
            help="The weeks so far: per person (employee_id,week,active, or "
            "employee_id,first_week with --through) or a weekly share (week,using_share).",
        ),
    ],
    budget_left: Annotated[
        float, typer.Option("--budget-left", help="What may still be spent from next week on.")
    ],
    through: Annotated[
        int | None, typer.Option("--through", min=1, help="Today: the last observed week.")
    ] = None,
    trials: Annotated[int, typer.Option("--trials", min=1, max=10_000, help="Plans to try.")] = 100,
    particles: Annotated[
        int, typer.Option("--particles", min=2, max=100_000, help="Particles of the filter.")
    ] = 200,
    runs: Annotated[
        int | None,
        typer.Option("--runs", min=1, help="Particles each trial runs (default: up to 50)."),
    ] = None,
    levers: Annotated[
        Path | None,
        typer.Option("--levers", help="Levers YAML (optimize's levers, weeks from next week)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/replan"
    ),
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Threads (default: all cores).")
    ] = None,
    overwrite: Overwrite = False,
) -> None:
    """Assimilate the observed weeks and re-plan the rest of the rollout within the budget
    left (robust over the filtered particles, common random numbers)."""
    try:
        folder = check_target(out_dir, overwrite)
        with ui.err.status("assimilating the observed weeks") as status:

            def progress(done: int, total: int) -> None:
                status.update(f"re-planning: trial {done} of {total}")

            rp = replan(
                calibrated, observed, budget_left, through=through, trials=trials,
                particles=particles, runs=runs, levers=levers, workers=workers,
                progress=progress,
            )  # fmt: skip
        write_replan(rp, folder, overwrite=overwrite)
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted("nothing was written") from None
    g = rp.gain
    pct = 100 if "share" in rp.metric else 1
    unit = " pp" if pct == 100 else ""
    ui.out.print(f"today: week {rp.today}; spent so far {rp.spent:,.0f}, budget left "
                 f"{rp.budget_left:,.0f}")  # fmt: skip
    for change in rp.changes or ["continue as planned"]:
        ui.out.print(f"  • {escape(change)}")
    ui.out.print(
        f"expected gain in {rp.metric} over continuing as planned: {pct * g['mean']:+.1f}{unit} "
        f"(90 % paired interval {pct * g['low']:+.1f} to {pct * g['high']:+.1f}{unit}, "
        f"{g['particles']} particles)"
    )
    ui.out.print(
        f"written to [bold]{escape(str(folder))}[/] (next.yaml, recommendation.json, "
        "pareto.csv, forecast.png)"
    )
