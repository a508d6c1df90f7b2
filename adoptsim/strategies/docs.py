"""The strategy reference, generated from the registry: ``docs/strategies.md`` and the text
of ``adoptsim strategies [NAME]``.

Run ``python -m adoptsim.strategies.docs`` to rewrite ``docs/strategies.md``; a test fails
when the file differs from :func:`render`.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

import adoptsim.strategies  # noqa: F401  (registers every strategy)
from adoptsim.strategies.base import (
    COMMON_FIELDS,
    REGISTRY,
    CostSpec,
    Strategy,
    StrategyParams,
    TargetSpec,
)

#: the order of DESIGN.md's strategy table; other registered strategies follow by name
ORDER: tuple[str, ...] = (
    "pilot",
    "use_case",
    "new_use_cases",
    "evangelists",
    "senior_sponsor",
    "model_behavior",
    "internal_marketing",
    "storytelling",
    "incentives",
    "executive_reminders",
    "remove_alternatives",
    "heavy_control",
    "community_management",
    "training",
    "tool_consolidation",
    "adapt",
)

#: where the generated page lives (the repository's docs folder)
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def names() -> list[str]:
    """Registered strategy names, in the reference's order."""
    known = [n for n in ORDER if n in REGISTRY]
    return known + sorted(set(REGISTRY) - set(known))


# --- parameters ----------------------------------------------------------------------------
def type_name(annotation: Any) -> str:
    """A reader's name for a field's type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " or ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [type_name(a) for a in args if a is not type(None)]
        text = " or ".join(parts)
        return f"{text} or none" if type(None) in args else text
    if origin is list:
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is typing.Annotated:
        return type_name(args[0])
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return "true/false"
        if issubclass(annotation, int):
            return "integer"
        if issubclass(annotation, float):
            return "number"
        if issubclass(annotation, str):
            return "text"
        if annotation is TargetSpec:
            return "target"
        if annotation is CostSpec:
            return "cost"
        if issubclass(annotation, StrategyParams):
            return "strategy"
        if issubclass(annotation, BaseModel):
            return "mapping"
    return str(annotation).replace("typing.", "")


def allowed(field: FieldInfo) -> str:
    """The field's range as text (e.g. ``0..10``, ``>= 1``), '' when unconstrained."""
    low = high = None
    for m in field.metadata:
        if isinstance(m, at.Ge):
            low = f"{m.ge}"
        elif isinstance(m, at.Gt):
            low = f"> {m.gt}"
        elif isinstance(m, at.Le):
            high = f"{m.le}"
        elif isinstance(m, at.Lt):
            high = f"< {m.lt}"
        elif isinstance(m, at.MinLen):
            low = f"at least {m.min_length} item{'s' if m.min_length > 1 else ''}"
    if low and high and not low.startswith(">"):
        return f"{low}..{high}"
    if low and high:
        return f"{low}, <= {high}"
    if low:
        return low if low.startswith((">", "at")) else f">= {low}"
    if high:
        return f"<= {high}"
    return ""


def _show_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, TargetSpec):
        data = value.model_dump(exclude_defaults=True)
        if not data:
            return "everyone"
        return ", ".join(f"{k}: {_show_value(v)}" for k, v in data.items())
    if isinstance(value, CostSpec) and not value.model_dump(exclude_defaults=True):
        return "no cost"
    if isinstance(value, BaseModel):
        data = value.model_dump(exclude_defaults=True)
        return ", ".join(f"{k}: {_show_value(v)}" for k, v in data.items()) or "none"
    if isinstance(value, list):
        return "[" + ", ".join(_show_value(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def default(field: FieldInfo) -> str:
    """The field's default as text ('required' when it has none)."""
    if field.default is not PydanticUndefined:
        return _show_value(field.default)
    if field.default_factory is not None:
        return _show_value(field.default_factory())
    return "required"


def parameter_rows(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """One row per field of ``model``: name, type, default, allowed range, description."""
    rows = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        rows.append(
            {
                "name": name,
                "type": type_name(field.annotation),
                "default": default(field),
                "allowed": allowed(field),
                "description": (field.description or "").strip(),
            }
        )
    return rows


def strategy_rows(cls: type[Strategy]) -> list[dict[str, str]]:
    """The strategy's own parameters (the common ones except a changed ``target`` default)."""
    fields = cls.Params.model_fields
    skip = tuple(
        n for n in COMMON_FIELDS if not (n == "target" and default(fields[n]) != "everyone")
    )
    return parameter_rows(cls.Params, skip=skip)


# --- markdown ------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict[str, str]]) -> str:
    """A markdown table of parameter rows."""
    head = "| parameter | type | default | allowed | description |\n|---|---|---|---|---|"
    body = [
        f"| `{r['name']}` | {_cell(r['type'])} | {_cell(r['default'])} | {_cell(r['allowed'])} "
        f"| {_cell(r['description'])} |"
        for r in rows
    ]
    return "\n".join([head, *body])


def docstring_markdown(doc: str) -> str:
    """A strategy docstring as markdown: prose kept, the ``Parameters:`` block as a list."""
    lines = inspect.cleandoc(doc).splitlines()
    out: list[str] = []
    in_params = False
    for line in lines:
        if line.strip() == "Parameters:":
            in_params = True
            out.extend(["", "**Parameters** (default, range): source or rationale", ""])
            continue
        if in_params:
            if not line.strip():
                in_params = False
                out.append("")
                continue
            if re.match(r"^ {4}\S", line):
                name, sep, rest = line.strip().partition(" ")
                colon = ":" if name.endswith(":") else ""
                out.append(f"- `{name.rstrip(':')}`{colon}{' ' + rest if sep else ''}")
            else:
                out[-1] += " " + line.strip()
            continue
        out.append(line)
    text = "\n".join(out).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def render_strategy(name: str, level: int = 2) -> str:
    """The reference section of one strategy (markdown)."""
    cls = REGISTRY[name]
    doc = cls.__doc__ or ""
    first, _, rest = inspect.cleandoc(doc).partition("\n\n")
    parts = [
        f"{'#' * level} `{name}`",
        f"*{cls.summary}*",
        " ".join(first.split()),
        docstring_markdown(rest) if rest else "",
    ]
    rows = strategy_rows(cls)
    if rows:
        parts.append("Parameters of `" + name + "` (besides the common ones):\n\n" + table(rows))
    return "\n\n".join(p for p in parts if p).strip() + "\n"


def render() -> str:
    """The whole reference page, ``docs/strategies.md``."""
    index = "\n".join(
        ["| strategy | what it does |", "|---|---|"]
        + [f"| [`{n}`](#{n}) | {REGISTRY[n].summary} |" for n in names()]
    )
    common = parameter_rows(StrategyParams)
    sections = [
        "# Strategy reference",
        "<!-- generated from the strategy registry by `python -m adoptsim.strategies.docs`; "
        "do not edit by hand -->",
        "Every rollout strategy is a small class registered by name "
        "(`adoptsim.strategies`); a scenario lists them under `strategies:`, each a mapping "
        "with a `type`. `adoptsim strategies` lists them and `adoptsim strategies NAME` "
        "shows one. The weekly order in which they act is written in "
        "`adoptsim.model.engine.Simulation.step`: strategies set their levers first, then "
        "awareness, choice, learning and stages follow.",
        index,
        "## Common parameters",
        "Every strategy has these. Weeks start at 1; a strategy acts in weeks "
        "`start..end` (inclusive, `end` open when absent); repeating strategies also take "
        "`every`. Each strategy draws from its own random stream (named by its label), so "
        "adding one never changes the draws of anything else, and its label is the cause "
        "of the events it brings in the activity stream.",
        table(common),
        "### Targeting (`target`)",
        "Filters are combined with AND; a selection rule then picks a `count` or a `share` "
        "of the filtered people (per department with `per_department: true`). Centralities "
        "are computed on the organization's weighted ties; `most_innovative` uses the "
        "innovativeness trait. Without any filter a strategy targets everyone.",
        table(parameter_rows(TargetSpec)),
        "### Cost (`cost`)",
        "Costs add up per run; the summary reports the total cost and the cost per "
        "sustained adopter.",
        table(parameter_rows(CostSpec)),
        *(render_strategy(n).strip() for n in names()),
    ]
    return "\n\n".join(sections).strip() + "\n"


def write(path: str | Path = DOCS_PATH) -> Path:
    """Write the reference page to ``path``; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover
    print(write(sys.argv[1] if len(sys.argv) > 1 else DOCS_PATH))
