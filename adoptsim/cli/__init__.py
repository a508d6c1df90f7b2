"""The ``adoptsim`` command line: thin typer commands over the Python API.

Importing it is quick: each command's module (and what it imports: pandas, scipy,
matplotlib, Solara) loads only when that command runs; the commands and their modules
are listed in :mod:`adoptsim.cli.commands`.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from types import ModuleType

from adoptsim.cli.common import app, err
from adoptsim.errors import AdoptsimError

__all__ = [
    "analyze",
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
    "validate",
    "workshop",
]

#: the command modules, reachable as attributes (imported on first use)
_MODULES = tuple(n for n in __all__ if n not in ("app", "main"))


def __getattr__(name: str) -> ModuleType:
    """A command module, imported on first use."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: libraries whose teardown at exit costs the command line 0.3-0.5 s of processor time
_SLOW_TO_TEAR_DOWN = ("pandas", "numba", "matplotlib")


def main() -> None:
    """Console-script entry point.

    A command that finished well ends the process at once, its output flushed, instead
    of tearing down pandas, numba and matplotlib module by module (0.3-0.5 s of processor
    time, measured: docs/performance.md); every file is closed and every pool and
    cluster shut down by then (commands release them in ``with`` blocks).
    """
    try:
        app()
    except AdoptsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}", markup=False)
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code in (0, None) and any(m in sys.modules for m in _SLOW_TO_TEAR_DOWN):
            _exit_now()
        raise


def _exit_now() -> None:
    """End the process with status 0 without the interpreter's teardown."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe
            stream.flush()
    os._exit(0)
