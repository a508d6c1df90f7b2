"""What the scenario reader checks besides the schema: that a base file (``extends``) is
shaped like a scenario before anything of it is shown, which values come from the file
itself (only those are quoted), and, with a root folder (the app), that every file a
scenario names lies in it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from adoptsim.errors import ScenarioError, field_model
from adoptsim.files import inside

#: what a scenario says of a base that is not a scenario (its contents are not quoted)
NOT_A_BASE = (
    "the base scenario is not a scenario file (it holds keys that a scenario does not "
    "have); `extends` names another scenario file"
)
#: what the app (or any reader given a root folder) says of a path outside the folder
OUTSIDE = "names a file outside the scenarios' folder; only files in that folder are read"


def scenario_shaped(data: dict[str, Any], model: type[BaseModel]) -> bool:
    """Whether every key of ``data``, and of each of its settings sections, is one that
    ``model`` (the scenario) has; the values are not looked at."""
    fields = set(model.model_fields) | {"extends"}
    for key, value in data.items():
        if key not in fields:
            return False
        field = model.model_fields.get(key)
        sub = field_model(field.annotation) if field is not None else None
        strict = sub is not None and sub.model_config.get("extra") == "forbid"
        if strict and isinstance(value, dict) and any(k not in sub.model_fields for k in value):
            return False
    return True


def check_confined(
    data: dict[str, Any],
    folder: Path,
    root: Path,
    source: str,
    settings: Iterable[tuple[str, str]],
) -> None:
    """Every file the scenario names (``settings``: section and key, relative to
    ``folder``) lies in ``root``; a ScenarioError naming the setting otherwise."""
    for section, key in settings:
        sub = data.get(section)
        value = sub.get(key) if isinstance(sub, dict) else None
        if isinstance(value, str) and not inside(folder / value, root):
            raise ScenarioError(OUTSIDE, source=source, where=f"{section}.{key}")


def holds(data: Any, loc: tuple[Any, ...]) -> bool:
    """Whether ``data`` has a value at the schema location ``loc`` (a part that is not a
    key there, such as a strategy's type tag, is passed over)."""
    node = data
    for i, part in enumerate(loc):
        listed = isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node)
        if listed or (isinstance(node, dict) and part in node):
            node = node[part]
        elif isinstance(node, dict) and i + 1 < len(loc) and loc[i + 1] in node:
            continue
        else:
            return False
    return True
