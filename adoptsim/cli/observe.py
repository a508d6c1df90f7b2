"""``adoptsim observe``: usage exports (Teams, Slack, activity CSVs) into observed weeks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape

from adoptsim import observe
from adoptsim.cli import common as ui
from adoptsim.cli.common import Overwrite, app
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.org import build_with_identities
from adoptsim.scenario import load_scenario


def _start(text: str) -> pd.Timestamp:
    """The rollout's start date (an InputError naming the flag when it does not parse)."""
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise InputError(
            f"{text!r} is not a date; give YYYY-MM-DD (the first day of week 1)",
            source="--start",
        ) from None


@app.command("observe")
def observe_cmd(
    paths: Annotated[
        list[Path], typer.Argument(help="Export files, or folders of them (one file per day).")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="teams, slack or activity.")] = "teams",
    start: Annotated[
        str, typer.Option("--start", help="The rollout's first day, YYYY-MM-DD: week 1 starts.")
    ] = "",
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario", help="The scenario whose organization the people are matched to."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The per-person file (employee_id,week,active).")
    ] = Path("people.csv"),
    person_column: Annotated[
        str | None, typer.Option("--person-column", help="activity: the person's column.")
    ] = None,
    date_column: Annotated[
        str | None, typer.Option("--date-column", help="activity: the event date's column.")
    ] = None,
    min_active_days: Annotated[
        int,
        typer.Option(
            "--min-active-days",
            help="Active days in a week that make a person active that week (1-7).",
        ),
    ] = 1,
    overwrite: Overwrite = False,
) -> None:
    """Turn usage exports into observed weeks: the per-person file (employee_id,week,active)
    keyed like the scenario's organization, its aggregate series (week,using_share) and a
    summary of who matched."""
    try:
        summary, written = _observe(
            paths, fmt, start, scenario, out, person_column, date_column, min_active_days,
            overwrite,
        )  # fmt: skip
    except AdoptsimError as exc:
        raise ui.fail(exc) from None
    except KeyboardInterrupt:
        raise ui.interrupted("nothing was written; run the command again") from None
    s = summary
    ui.out.print(
        f"{s['weeks']} week(s) from {s['start']} ({s['files']} file(s), {s['definition']})"
    )
    ui.out.print(
        f"people in the export: {s['people_in_export']:,}; matched: {s['matched']:,}; "
        f"unmatched: {s['unmatched']:,} ({s['unmatched_deleted']:,} deleted accounts); "
        f"never seen (in the organization, not in the export): {s['never_seen']:,} of "
        f"{s['employees']:,}",
        highlight=False,
    )
    if s["without_identity"]:
        what = "events" if fmt == "activity" else "people"
        ui.out.print(f"{what} without a user name or e-mail: {s['without_identity']:,}")
    if s["days_left_out"]:
        ui.err.print(
            f"[yellow]note:[/] the last {s['days_left_out']} day(s) make no whole week: left out",
            highlight=False,
        )
    if s["people_in_export"] and not s["matched"]:
        ui.err.print(
            "[yellow]warning:[/] nobody matched: are the export's names concealed (Microsoft "
            "365 admin center > Settings > Org settings > Reports), or is it another "
            "organization's?",
            highlight=False,
        )
    names = ", ".join(p.name for p in written)
    ui.out.print(f"written: {escape(names)} in [bold]{escape(str(out.parent))}[/]")


def _observe(
    paths: list[Path],
    fmt: str,
    start_text: str,
    scenario: Path | None,
    out: Path,
    person_column: str | None,
    date_column: str | None,
    min_days: int,
    overwrite: bool,
) -> tuple[dict, list[Path]]:
    if fmt not in observe.FORMATS:
        raise InputError(
            f"unknown format {fmt!r}; allowed: {', '.join(observe.FORMATS)}", source="--format"
        )
    if not start_text:
        raise InputError("give the rollout's start date, YYYY-MM-DD", source="--start")
    if scenario is None:
        raise InputError("give the scenario whose organization to match", source="--scenario")
    if fmt == "activity" and (person_column is None or date_column is None):
        raise InputError(
            "the activity format needs --person-column and --date-column",
            source="--person-column" if person_column is None else "--date-column",
        )
    if fmt != "activity" and (person_column or date_column):
        raise InputError(f"--person-column and --date-column go with --format activity, not {fmt}")
    start = _start(start_text)
    observe.check_outputs(out, overwrite)
    spec = load_scenario(scenario)
    if fmt == "teams":
        usage = observe.read_teams(paths, start)
    elif fmt == "slack":
        usage = observe.read_slack(paths, start)
    else:
        assert person_column is not None and date_column is not None
        usage = observe.read_activity(paths, start, person_column, date_column)
    org, identities = build_with_identities(spec.organization, spec.base_dir)
    result = observe.observed_weeks(usage, identities, org.ids, start, min_days=min_days, fmt=fmt)
    return result.summary, observe.write_observed(result, out)
