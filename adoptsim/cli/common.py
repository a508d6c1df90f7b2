"""Shared pieces of the command line: the typer app, consoles, error output, progress bars.

The app's commands load lazily: :class:`LazyGroup` lists :data:`adoptsim.cli.commands.COMMANDS`
without importing their modules and imports a command's module only to run it (or to show
its own ``--help``).
"""

from __future__ import annotations

import difflib
import importlib
import math
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from typer.core import TyperGroup
from typer.main import get_command_from_info

from adoptsim.cli.commands import COMMANDS, OPTIONS
from adoptsim.errors import AdoptsimError, InputError
from adoptsim.execute import EXECUTORS, Evaluator, make_evaluator
from adoptsim.execute.budget import Estimate, parse_size


class LazyGroup(TyperGroup):
    """The ``adoptsim`` group: every command of :data:`COMMANDS` listed, in its order, by a
    placeholder carrying its summary; the real command built when it is resolved."""

    def __init__(self, *args: Any, commands: dict[str, click.Command] | None = None, **kw: Any):
        given = dict(commands or {})
        ordered = {n: given.pop(n, None) or _placeholder(n) for n in COMMANDS}
        super().__init__(*args, commands={**ordered, **given}, **kw)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and getattr(self.commands.get(args[0]), "lazy", False):
            bad = unknown_option(args[0], args[1:])
            if bad is not None:  # refused before the command's module is imported
                _refuse_option(ctx.command_path, args[0], bad)
            self.commands[args[0]] = load_command(args[0])
        return super().resolve_command(ctx, args)


def _placeholder(name: str) -> click.Command:
    """A command that only shows ``name``'s summary in the group's table."""
    command = click.Command(name, help=COMMANDS[name][1])
    command.lazy = True  # type: ignore[attr-defined]
    return command


def unknown_option(name: str, args: Sequence[str]) -> str | None:
    """The first ``--option`` in ``args`` that command ``name`` does not take, read as click
    reads it (an option's value is skipped; nothing after ``--``), from
    :data:`~adoptsim.cli.commands.OPTIONS`; None when there is none, or when a short
    option that :data:`OPTIONS` does not list leaves the rest to click."""
    _, valued, flags = (set(o.split()) for o in OPTIONS[name])
    rest = iter(args)
    for token in rest:
        if token == "--":
            return None
        if not token.startswith("-") or token == "-":
            continue
        option = token.split("=", 1)[0] if token.startswith("--") else token
        if option in valued and option == token:
            next(rest, None)
        elif option not in valued and option not in flags:
            return option if token.startswith("--") else None
    return None


def _refuse_option(group_path: str, name: str, option: str) -> NoReturn:
    """Print click's error for an option command ``name`` does not take; exit 2."""
    usage, valued, flags = OPTIONS[name]
    close = difflib.get_close_matches(
        option, [o for o in f"{valued} {flags}".split() if o[:2] == "--"]
    )
    message = f"No such option: {option}"
    if close:
        message += f" (Possible options: {', '.join(sorted(close))})"
    command = f"{group_path} {name}"
    err.print(f"Usage: {command} {usage}", markup=False, highlight=False, style="bold")
    err.print(f"Try [blue]'{escape(command)} --help'[/] for help.", highlight=False, style="dim")
    err.print(
        Panel(message, border_style="red", title="Error", title_align="left"), highlight=False
    )
    raise SystemExit(2)


def option_table(name: str) -> tuple[str, str, str]:
    """Command ``name``'s line of :data:`~adoptsim.cli.commands.OPTIONS`, read from the
    command itself: its usage after the command's name, the options that take a value and
    the flags (``--help`` included), each list one string separated by spaces."""
    command = load_command(name)
    ctx = command.make_context(name, [], resilient_parsing=True)
    valued: list[str] = []
    flags = ["--help"]
    for p in command.params:
        if p.param_type_name == "option":
            (flags if p.is_flag else valued).extend([*p.opts, *p.secondary_opts])
    return " ".join(command.collect_usage_pieces(ctx)), " ".join(valued), " ".join(flags)


def load_command(name: str) -> click.Command:
    """The click command ``name``: its module imported (it registers on :data:`app`)."""
    importlib.import_module(COMMANDS[name][0])
    for info in app.registered_commands:
        if info.name == name:
            return get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    raise LookupError(f"{COMMANDS[name][0]} defines no command {name!r}")


app = typer.Typer(
    name="adoptsim",
    cls=LazyGroup,
    help="Forecast how a new workplace tool spreads through an organization.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    # a group needs a callback or registered commands; the commands register lazily
    pass


out = Console(emoji=False)
err = Console(stderr=True, emoji=False)


def fail(exc: AdoptsimError) -> typer.Exit:
    """Print a user error without traceback and return the Exit to raise."""
    err.print(
        f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True
    )
    return typer.Exit(code=exc.exit_code)


def interrupted(what: str) -> typer.Exit:
    """Print where an interrupted command stands and return the Exit (code 130) to raise."""
    err.print(f"[bold yellow]interrupted:[/] {escape(what)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=130)


OVERWRITE_HELP = "Replace the results already in the output folder."
MAX_MEMORY_HELP = (
    "Refuse work estimated to need more memory than this, e.g. 8GB (default: what the "
    "machine has available)."
)


#: the options several commands share
Overwrite = Annotated[bool, typer.Option("--overwrite", help=OVERWRITE_HELP)]
MaxMemory = Annotated[str | None, typer.Option("--max-memory", help=MAX_MEMORY_HELP)]
Executor = Annotated[
    str | None,
    typer.Option(
        "--executor",
        "-e",
        help="Where batches run: threads (of this process, the default), sequential, "
        "processes or dask. The numbers do not depend on it.",
    ),
]
Workers = Annotated[
    int | None, typer.Option("--workers", "-w", help="Processes or threads (default: cores).")
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786): run there."),
]


def batch_evaluator(executor: str | None, workers: int | None, scheduler: str | None) -> Evaluator:
    """The evaluator of ``--executor/--workers/--scheduler``: threads of this process unless
    another executor or a scheduler is named (an InputError names the allowed executors,
    the default first)."""
    if executor is not None and executor not in EXECUTORS:
        allowed = ", ".join(["threads", *(e for e in EXECUTORS if e != "threads")])
        raise InputError(f"unknown executor {executor!r}; allowed: {allowed}", source="--executor")
    return make_evaluator(executor or ("dask" if scheduler else "threads"), workers, scheduler)


def show_estimate(est: Estimate) -> None:
    """Print what a long or large run is expected to take (quiet for small ones)."""
    if est.seconds >= 30 or est.memory >= 2 * 2**30:
        err.print(f"estimated: {escape(est.describe())} ({escape(est.what)})", highlight=False)


def memory_limit(text: str | None) -> int | None:
    """``--max-memory`` in bytes (None: the machine's available memory)."""
    return None if text is None else parse_size(text)


def pct(x: float) -> str:
    """A share as a percentage string."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def weeks_cells(row) -> tuple[str, str]:
    """Median and interval cells of a weeks-to-X metric ('not reached' where it is not)."""
    if math.isinf(row["median"]):
        return "not reached", f"reached in {100 * row['reached']:.0f} % of runs"
    high = "not reached" if math.isinf(row["high"]) else f"{row['high']:.0f}"
    return f"{row['median']:.0f}", f"{row['low']:.0f} – {high}"


class RateColumn(ProgressColumn):
    """Units per second, e.g. ``12.5 runs/s``."""

    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        text = "" if speed is None else f"{speed:.1f} {self.unit}/s"
        return Text(text, style="progress.data.speed")


def progress_bar(unit: str = "replicate-weeks", rate: bool = False) -> Progress:
    """The progress bar of long commands: done of total ``unit``, rate, time taken and left."""
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
    ]
    if rate:
        columns += [RateColumn(unit), TimeElapsedColumn(), TextColumn("left")]
    else:
        columns.append(TimeElapsedColumn())
    return Progress(*columns, TimeRemainingColumn(), console=err, transient=True)


def cell_text(v: Any) -> str:
    """A table cell: a number shown short, any other value as text (never markup)."""
    if isinstance(v, float):
        return f"{v:.4g}"
    return escape(str(v))
