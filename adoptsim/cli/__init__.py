"""The ``adoptsim`` command line: thin typer commands over the Python API.

Each command module registers its commands on :data:`app` when it is imported.
"""

from __future__ import annotations

import sys

from adoptsim.cli import calibrate, compare, optimize, pilot, replan, run, sweep, workshop
from adoptsim.cli.common import app, err
from adoptsim.errors import AdoptsimError

__all__ = [
    "app",
    "calibrate",
    "compare",
    "main",
    "optimize",
    "pilot",
    "replan",
    "run",
    "sweep",
    "workshop",
]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except AdoptsimError as exc:  # pragma: no cover - commands catch their own
        err.print(f"error: {exc}", markup=False)
        sys.exit(exc.exit_code)
