"""The ``adoptsim`` command line: thin typer commands over the Python API.

Importing it is quick: each command's module (and what it imports: pandas, scipy,
matplotlib, Solara) loads only when that command runs; the commands and their modules
are listed in :mod:`adoptsim.cli.commands`.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from adoptsim.cli.common import app, err
from adoptsim.errors import AdoptsimError

__all__ = [
    "app",
    "backtest",
    "calibrate",
    "compare",
    "main",
    "observe",
    "optimize",
    "pilot",
    "replan",
    "run",
    "sweep",
    "workshop",
]

#: the command modules, reachable as attributes (imported on first use)
_MODULES = tuple(n for n in __all__ if n not in ("app", "main"))


def __getattr__(name: str) -> ModuleType:
    """A command module, imported on first use."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except AdoptsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}", markup=False)
        sys.exit(exc.exit_code)
