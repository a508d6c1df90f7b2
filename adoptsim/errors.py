"""Errors that adoptsim reports to users as plain messages (no traceback)."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator


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


class ExperimentError(InputError):
    """An experiment file (or a path into a scenario that it names) is invalid."""


def not_a_bool(value: Any) -> Any:
    """``value`` unchanged, unless it is true/false where a number is expected (pydantic
    would read true as 1): a ValueError for the schema's message."""
    if isinstance(value, bool):
        raise ValueError(f"a number is expected here, not {str(value).lower()}")
    return value


def _numeric(annotation: Any) -> bool:
    """Whether a field's annotation takes numbers and not booleans (``float | None`` does)."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        return bool not in args and any(a in (int, float) for a in args)
    return False


class StrictNumbers(BaseModel):
    """Base of adoptsim's schemas: ``true``/``false`` where a number is expected is an
    error (pydantic alone would read true as 1)."""

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_not_bools(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and isinstance(value, bool) and _numeric(field.annotation):
            return not_a_bool(value)
        return value


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean "x"?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def field_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = field_model(arg)
        if found:
            return found
    return None


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class validating the mapping at ``loc`` under ``root``."""
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = field_model(field.annotation) if field else None
    return model


_SCALAR_TAGS = frozenset({"int", "float", "str", "bool", "none", "dict", "list"})


def _union_tag(part: Any) -> bool:
    """Whether a location part names a branch of a union (pydantic's tag), not a key."""
    return isinstance(part, str) and ("[" in part or part in _SCALAR_TAGS)


def _one_branch(errors: list[Any]) -> list[Any]:
    """Errors with union branch tags dropped from their location; where every branch of
    a union failed, only the branches that explain why (a value error) are kept."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        loc = tuple(part for part in err["loc"] if not _union_tag(part))
        tagged = len(loc) < len(err["loc"])
        groups.setdefault(loc, []).append({**err, "loc": loc, "tagged": tagged})
    kept = []
    for group in groups.values():
        explained = [e for e in group if e["type"] == "value_error"]
        if len(group) > 1 and all(e["tagged"] for e in group) and explained:
            group = explained
        messages: set[str] = set()
        for e in group:
            if e["msg"] not in messages:
                messages.add(e["msg"])
                kept.append(e)
    return kept


def describe_errors(
    exc: ValidationError,
    root: type[BaseModel],
    prefix: tuple[Any, ...] = (),
    quote: Callable[[tuple[Any, ...]], bool] | None = None,
) -> list[str]:
    """One readable line per pydantic error: key path, problem, allowed keys or values.

    ``quote(loc)``: whether the key or value at ``loc`` may be quoted (it comes from the
    file the user named, not from a base file); where not, the line says what is wrong
    without the key's name or the value."""
    lines = []
    for err in _one_branch(exc.errors()):
        loc = tuple(err["loc"])
        if quote is not None and not quote(loc):
            if err["type"] == "extra_forbidden":  # the key is the file's, not the schema's
                what, loc = "a key a scenario does not have", loc[:-1]
            else:
                what = "an invalid value"
            lines.append(f"{_loc(prefix + loc)}: {what}, set in a base scenario (extends)")
            continue
        where = _loc(prefix + loc)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            model = _model_at(root, loc[:-1])
            allowed = list(model.model_fields) if model else []
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
            lines.append(f"{where}: unknown key {key!r}{did_you_mean(key, allowed)}{hint}")
            continue
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        given = err.get("input")
        shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
        lines.append(f"{where}: {msg}{shown}")
    return lines
