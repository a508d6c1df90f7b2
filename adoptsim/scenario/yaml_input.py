"""The strict YAML reader of every file a user writes by hand (scenarios, experiments).

Safe loading only (no Python tags), a regular file of at most :data:`MAX_BYTES` in UTF-8
(read by :mod:`adoptsim.files`), no duplicate keys, at most :data:`MAX_DEPTH` levels of
nesting, :data:`MAX_ALIASES` aliases and :data:`MAX_VALUES` values once aliases are expanded
(counted on the parsed nodes before anything is built, so an alias bomb costs neither time
nor memory). Every problem is the caller's error type naming the file and, where known, the
line; messages quote at most the offending key or value, cut short.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from adoptsim.errors import InputError
from adoptsim.files import read_bytes

#: largest file read (a scenario or experiment is a few kilobytes)
MAX_BYTES = 5_000_000
#: deepest nesting of mappings and lists
MAX_DEPTH = 40
#: most aliases (``*name``) in one file
MAX_ALIASES = 100
#: most values (scalars, lists and mappings) once every alias is expanded
MAX_VALUES = 1_000_000
#: longest key or value quoted in a message
QUOTED = 40


#: integers that YAML 1.1 reads as octal (``012`` is 10), which nobody writing a week means
_OCTAL_LOOKING = re.compile(r"[-+]?0[0-7]+")


class _Problem(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and limits depth and aliases."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                line = self.peek_event().start_mark.line + 1
                raise _Problem(f"more than {MAX_ALIASES} aliases", line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise _Problem(f"nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(node.value).replace("_", "")
        if _OCTAL_LOOKING.fullmatch(text):
            raise _Problem(
                f"{_quoted(node.value)} reads as an octal number in YAML: write it without the "
                "leading zero (or quote it for text)",
                node.start_mark.line + 1,
            )
        _refuse_other_bases(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        _refuse_other_bases(node)
        return super().construct_yaml_float(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise _Problem("a mapping key must be a plain value", line) from None
            if key in seen:
                raise _Problem(f"duplicate key {_quoted(key)} (first at line {seen[key]})", line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _quoted(value: object) -> str:
    """``value`` as quoted in a message, cut to :data:`QUOTED` characters."""
    text = repr(value)
    return text if len(text) <= QUOTED else text[: QUOTED - 4] + "...'"


def _expanded(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` holds once every alias is expanded (an alias is the same
    node object as its anchor, so each distinct node is counted once and reused)."""
    key = id(node)
    if key not in sizes:
        sizes[key] = 1  # a node cannot contain itself past the depth limit
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(_expanded(child, sizes) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(_expanded(k, sizes) + _expanded(v, sizes) for k, v in node.value)
        else:
            total = 1
        sizes[key] = min(total, 2 * MAX_VALUES)
    return sizes[key]


def _refuse_other_bases(node: yaml.ScalarNode) -> None:
    """Hexadecimal (``0x1F``), binary (``0b101``) and base-60 (``1:30``) numbers, which YAML
    1.1 reads as 31, 5 and 90: write numbers in decimal."""
    text = str(node.value).lstrip("+-").lower()
    kind = "hexadecimal" if text.startswith("0x") else "binary" if text.startswith("0b") else None
    if kind is None and ":" in text:
        kind = "base-60"
    if kind is not None:
        raise _Problem(
            f"{_quoted(node.value)} reads as a {kind} number in YAML: write the number in decimal "
            "(or quote it for text)",
            node.start_mark.line + 1,
        )


def read_yaml(path: Path, error: type[InputError], what: str, quote: bool = True) -> dict[str, Any]:
    """The mapping in the YAML file ``path``; ``error`` for any problem (``what``: "a
    scenario is a mapping of keys (...)", for a file that holds something else). Without
    ``quote`` (a file the user did not name, such as a base scenario), a message names the
    line of a problem and not its key or value."""
    source = str(path)
    try:
        text = read_bytes(path, MAX_BYTES, error, source).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", source=source) from None
    return _mapping(_parse(text, source, error, quote), source, error, what)


def read_yaml_text(text: str, source: str, error: type[InputError], what: str) -> dict[str, Any]:
    """The mapping in YAML ``text`` (typed in an editor or uploaded), with the limits of
    :func:`read_yaml`; ``source`` names the text in messages."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise error(f"larger than {MAX_BYTES:,} bytes", source=source)
    return _mapping(_parse(text, source, error), source, error, what)


def _mapping(data: Any, source: str, error: type[InputError], what: str) -> dict[str, Any]:
    if data is None:
        raise error(f"{what}, but the file is empty (or only comments)", source=source)
    if not isinstance(data, dict):
        raise error(f"{what}, got {type(data).__name__}", source=source)
    return data


def _parse(text: str, source: str, error: type[InputError], quote: bool = True) -> Any:
    loader = None
    try:
        loader = StrictLoader(text)
        node = loader.get_single_node()
        if node is not None and _expanded(node, {}) > MAX_VALUES:
            raise _Problem(f"more than {MAX_VALUES:,} values once its aliases are expanded")
        return None if node is None else loader.construct_document(node)
    except _Problem as exc:
        where = f"line {exc.line}" if exc.line else None
        problem = exc.message if quote else "not a well-formed YAML mapping"
        raise error(f"not a valid file: {problem}", source=source, where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "unreadable"
        raise error(f"not valid YAML: {problem}", source=source, where=where) from None
    except RecursionError:
        raise error(f"nested more than {MAX_DEPTH} levels deep", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)
