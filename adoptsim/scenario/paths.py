"""Paths into a scenario (``strategies[evangelists].target.count``, ``behavior.w_habit``):
parse, read, override and look up the schema annotation at a path.

Sweeps, calibrations, optimizations and :class:`adoptsim.mesa.AdoptionModel`'s keyword
overrides all address scenario settings through these paths.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adoptsim.errors import ExperimentError, did_you_mean, field_model
from adoptsim.scenario.schema import Scenario, validate_scenario
from adoptsim.strategies.base import REGISTRY

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\[\]]+)\]")


@dataclass(frozen=True)
class Item:
    """A list element in a path: a strategy label (``[evangelists]``) or an index (``[0]``)."""

    key: str | int

    def __str__(self) -> str:
        return f"[{self.key}]"


def parse_path(path: str) -> list[str | Item]:
    """``'strategies[evangelists].target.count'`` as ``['strategies', Item('evangelists'),
    'target', 'count']``; a PathError when the syntax is wrong."""
    tokens: list[str | Item] = []
    pos = 0
    text = str(path).strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or (pos == 0 and text.startswith(".")):
            raise PathError(
                f"cannot read the path {path!r} at character {pos + 1}: write keys separated "
                "by dots and list items in brackets, e.g. strategies[evangelists].target.count "
                "or behavior.w_habit"
            )
        if m.group(1) is not None:
            tokens.append(m.group(1))
        else:
            key = m.group(2).strip()
            tokens.append(Item(int(key) if key.lstrip("-").isdigit() else key))
        pos = m.end()
    if not tokens:
        raise PathError("empty path")
    return tokens


def format_path(tokens: Sequence[str | Item]) -> str:
    """The text of a parsed path."""
    out = ""
    for t in tokens:
        out += str(t) if isinstance(t, Item) else (f".{t}" if out else t)
    return out


class PathError(ExperimentError):
    """A path does not exist in the scenario."""


def _item_labels(items: list[Any]) -> list[str]:
    return [
        str(it.get("name") or it.get("type")) if isinstance(it, dict) else str(i)
        for i, it in enumerate(items)
    ]


def _find_item(items: list[Any], item: Item, where: str) -> int:
    if isinstance(item.key, int):
        if -len(items) <= item.key < len(items):
            return item.key % len(items)
        raise PathError(
            f"{where} has {len(items)} item(s); index {item.key} is out of range"
            if items
            else f"{where} is an empty list"
        )
    labels = _item_labels(items)
    if item.key in labels:
        return labels.index(item.key)
    known = ", ".join(labels) if labels else "none"
    raise PathError(
        f"{where} has no item labelled {item.key!r}{did_you_mean(item.key, labels)}; "
        f"labels (a strategy's `name`, else its `type`): {known}"
    )


def _deeper_hint(node: dict[str, Any], key: str, where: str) -> str:
    """' (did you mean x.y.key?)' when ``key`` exists one mapping level further down."""
    hits = [k for k, v in node.items() if isinstance(v, dict) and key in v]
    if len(hits) == 1:
        return f" (did you mean {where}.{hits[0]}.{key}?)" if where else f" ({hits[0]}.{key}?)"
    return ""


def locate(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container and key that ``path`` addresses in scenario ``data``.

    A PathError names the path, the part that does not exist and what exists there.
    """
    tokens = parse_path(path)
    node: Any = data
    for i, tok in enumerate(tokens):
        where = format_path(tokens[:i]) or "the scenario"
        last = i == len(tokens) - 1
        if isinstance(tok, Item):
            if not isinstance(node, list):
                raise PathError(
                    f"{where} is not a list, so {tok} does not apply", where=f"path {path!r}"
                )
            try:
                idx = _find_item(node, tok, where)
            except PathError as exc:
                exc.where = f"path {path!r}"
                raise
            if last:
                return node, idx
            node = node[idx]
            continue
        if not isinstance(node, dict):
            kind = "a list" if isinstance(node, list) else f"a value ({node!r})"
            hint = " (pick an item with [label] or [index])" if isinstance(node, list) else ""
            raise PathError(
                f"{where} is {kind}, it has no key {tok!r}{hint}", where=f"path {path!r}"
            )
        if tok not in node:
            keys = list(node)
            hint = _deeper_hint(node, tok, format_path(tokens[:i])) or did_you_mean(tok, keys)
            raise PathError(
                f"{where} has no key {tok!r}{hint}; keys there: {', '.join(keys)}",
                where=f"path {path!r}",
            )
        if last:
            return node, tok
        if node[tok] is None:
            raise PathError(
                f"{format_path(tokens[: i + 1])} is not set (null) in the base scenario, so "
                f"{format_path(tokens[i + 1 :])} cannot be set inside it; set the whole "
                f"{format_path(tokens[: i + 1])} instead",
                where=f"path {path!r}",
            )
        node = node[tok]
    raise AssertionError("unreachable")


def get_in(data: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` (keys only, e.g. ``target.count``) of a plain mapping,
    None when any part is absent or null (no error: for partly filled entries)."""
    *parents, key = path.split(".")
    for p in parents:
        data = data.get(p) or {}
    return data.get(key)


def set_in(data: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted ``path`` (keys only) of a plain mapping in place, creating the mappings
    on the way."""
    *parents, key = path.split(".")
    for p in parents:
        data = data.setdefault(p, {})
    data[key] = value


def nested(path: str, value: Any) -> dict[str, Any]:
    """``{"a": {"b": value}}`` for path ``a.b``."""
    out: dict[str, Any] = {}
    set_in(out, path, value)
    return out


def merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``a`` with ``b`` merged in (mappings merged key by key, anything else
    replaced)."""
    out = copy.deepcopy(a)
    for k, v in b.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def get_value(data: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in scenario ``data``."""
    container, key = locate(data, path)
    return container[key]


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of scenario ``data`` with each ``path: value`` of ``overrides`` set."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        container, key = locate(out, path)
        container[key] = copy.deepcopy(value)
    return out


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The scenario with ``overrides`` (dotted path -> value) applied and re-validated."""
    if not overrides:
        return scenario
    data = apply_overrides(scenario.model_dump(), overrides)
    source = str(scenario.source) if scenario.source else None
    new = validate_scenario(data, source=source)
    new._source = scenario.source
    return new


def annotation_at(scenario_data: dict[str, Any], path: str) -> Any:
    """The schema annotation of the field at ``path`` (None when not a model field)."""
    tokens = parse_path(path)
    model: Any = Scenario
    node: Any = scenario_data
    annotation: Any = None
    for tok in tokens:
        if isinstance(tok, Item):
            idx = _find_item(node, tok, "")
            node = node[idx]
            if isinstance(node, dict) and "type" in node and node["type"] in REGISTRY:
                model = REGISTRY[node["type"]].Params
            else:
                model = field_model(annotation)
            annotation = None
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or tok not in fields:
            return None
        annotation = fields[tok].annotation
        model = field_model(annotation)
        node = node.get(tok) if isinstance(node, dict) else None
    return annotation


def is_integer_field(annotation: Any) -> bool:
    if annotation is int:
        return True
    args = set(getattr(annotation, "__args__", ()) or ())
    return int in args and float not in args and bool not in args
