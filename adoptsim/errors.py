"""Errors that adoptsim reports to users as plain messages (no traceback)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AdoptsimError(Exception):
    """Base class of every error adoptsim reports to a user."""

    exit_code = 1


class InputError(AdoptsimError):
    """Bad user input (scenario, CSV, experiment file, CLI flag); exits with status 2.

    ``source`` names the file (or flag) and ``where`` the key path or rows at fault.
    """

    exit_code = 2

    def __init__(self, message: str, source: str | None = None, where: str | None = None):
        self.message = message
        self.source = source
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.where:
            parts.append(str(self.where))
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ScenarioError(InputError):
    """A scenario file is invalid."""


class OrganizationError(InputError):
    """An organization (generated or imported) is invalid."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean "x"?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
