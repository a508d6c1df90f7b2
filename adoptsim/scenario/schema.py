"""Scenario files: the schema, YAML loading with ``extends``, and error messages.

A scenario is YAML with the keys of :class:`Scenario`. Loading validates it against the
schema; unknown keys, wrong types and out-of-range values are reported with the file, the
key path, what is allowed and, for misspellings, a suggestion. ``extends: base.yaml``
inherits another file (resolved against this file's folder): mappings merge recursively,
and any other value, lists included, replaces the base's.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)

import adoptsim.strategies  # noqa: F401  (registers the strategies)
from adoptsim.errors import ScenarioError, StrictNumbers, describe_errors
from adoptsim.files import inside
from adoptsim.model.behavior import BehaviorParams
from adoptsim.org import SALT_FILE, OrganizationSpec
from adoptsim.scenario.reading import NOT_A_BASE, OUTSIDE, check_confined, holds, scenario_shaped
from adoptsim.scenario.sections import (
    MAX_WEEKS,
    CalibrationRef,
    LegacySpec,
    ToolSpec,
)
from adoptsim.scenario.yaml_input import read_yaml, read_yaml_text
from adoptsim.strategies.base import REGISTRY, StrategyParams, parse_params

NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9 _.,=+()-]{0,99}")


def folder_name(value: str, whose: str) -> str:
    """``value`` if it can name a results folder (NAME_PATTERN, no '..'), else a ValueError
    saying what is allowed."""
    if not NAME_PATTERN.fullmatch(value) or ".." in value:
        raise ValueError(
            f"{whose} name is its default output folder: letters, digits, spaces and "
            "_ . , = + ( ) -, starting with a letter, a digit or _, at most 100 characters, "
            "no '..'"
        )
    return value


class Scenario(StrictNumbers):
    """A rollout scenario: the organization, the tools, the behaviour and the strategies."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field("scenario", description="Short name; the default output folder.")
    description: str = Field("", description="What the scenario is about.")
    weeks: int = Field(52, ge=1, le=MAX_WEEKS, description="Weeks to simulate.")
    runs: int = Field(20, ge=1, le=100_000, description="Replicates of the ensemble.")
    seed: int = Field(0, ge=0, description="Root seed of all random streams.")
    organization: OrganizationSpec = Field(
        default_factory=OrganizationSpec, description="The organization graph."
    )
    tool: ToolSpec = Field(default_factory=ToolSpec, description="The new tool.")
    legacy: LegacySpec = Field(default_factory=LegacySpec, description="The legacy tool.")
    behavior: BehaviorParams = Field(
        default_factory=BehaviorParams, description="Behavioural parameters."
    )
    calibration: CalibrationRef | None = Field(
        None, description="A posterior to draw each replicate's fitted parameters from."
    )
    strategies: list[SerializeAsAny[StrategyParams]] = Field(
        default_factory=list, description="Rollout strategies (each with a `type`)."
    )

    _source: Path | None = PrivateAttr(None)

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, value: str) -> str:
        return folder_name(value, "a scenario's")

    @field_validator("strategies", mode="before")
    @classmethod
    def _parse_strategies(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out = []
        for i, item in enumerate(value):
            try:
                out.append(parse_params(item))
            except ScenarioError as exc:
                exc.where = f"strategies[{i}].type"
                raise
            except ValidationError as exc:
                cls = REGISTRY[str(item["type"])]
                lines = describe_errors(exc, cls.Params, ("strategies", i))
                raise ScenarioError("invalid strategy:\n  - " + "\n  - ".join(lines)) from None
        return out

    @model_validator(mode="after")
    def _unique_labels(self) -> Scenario:
        seen: set[str] = set()
        for s in self.strategies:
            if s.label in seen:
                raise ValueError(
                    f"two strategies are labelled {s.label!r}: give each a distinct `name`"
                )
            seen.add(s.label)
        return self

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from, if any."""
        return self._source

    @property
    def base_dir(self) -> Path | None:
        """Folder against which relative paths in the scenario resolve."""
        return self._source.parent if self._source else None

    def resolved(self) -> dict[str, Any]:
        """The scenario with every default filled in, as plain data."""
        return self.model_dump(mode="json")

    def content_hash(self) -> str:
        """SHA-256 of the resolved scenario (stable across key order and formatting)."""
        blob = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_changes(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields replaced (keeps the source path)."""
        data = self.model_dump()
        data.update(changes)
        new = Scenario.model_validate(data)
        new._source = self._source
        return new


#: what a scenario is, for a file or text that holds something else
_WHAT = "a scenario is a mapping of keys (name, weeks, strategies, ...)"


def _read_yaml(path: Path, quote: bool = True) -> dict[str, Any]:
    return read_yaml(path, ScenarioError, _WHAT, quote=quote)


#: mappings keyed by the user's own names: a child's mapping replaces the parent's whole
REPLACED_MAPPINGS: frozenset[tuple[str, ...]] = frozenset(
    {("organization", "generate", "departments")}
)
#: the organization's sources: a child that names one replaces the parent's organization
ORGANIZATION_SOURCES = ("generate", "employees", "graphml", "directory")


def merge_extends(
    base: dict[str, Any], over: dict[str, Any], path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``over`` (a child scenario's data) on top of ``base`` (its parent's).

    Scalars and lists (``strategies`` among them) in the child replace the parent's;
    settings sections (``behavior``, ``tool``, ``legacy``, ``organization.generate``, ...)
    merge key by key; mappings of named items (``organization.generate.departments``)
    replace the parent's whole; an ``organization`` that names a source (``generate``,
    ``employees`` or ``graphml``) other than the parent's replaces the parent's
    organization.
    """
    if path == ("organization",) and _other_source(base, over):
        return dict(over)
    out = dict(base)
    for key, value in over.items():
        here = (*path, str(key))
        mergeable = isinstance(value, dict) and isinstance(out.get(key), dict)
        if mergeable and here not in REPLACED_MAPPINGS:
            out[key] = merge_extends(out[key], value, here)
        else:
            out[key] = value
    return out


def _other_source(base: dict[str, Any], over: dict[str, Any]) -> bool:
    named = {k for k in ORGANIZATION_SOURCES if k in over}
    return bool(named) and named != {k for k in ORGANIZATION_SOURCES if k in base}


#: longest chain of ``extends``
MAX_EXTENDS = 20


def read_scenario_data(
    path: Path, _chain: tuple[Path, ...] = (), root: Path | None = None
) -> dict[str, Any]:
    """The scenario's raw data with ``extends`` applied (base files resolved recursively).

    With ``root``, the file, its bases and the files it names must lie in that folder."""
    return _layers(Path(path), _chain, root)[0]


def _layers(
    path: Path, _chain: tuple[Path, ...], root: Path | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's data with ``extends`` applied, and the file's own data."""
    source = str(path)
    if root is not None and not inside(path, root):
        raise ScenarioError(OUTSIDE, source=source if not _chain else str(_chain[-1]))
    path = _resolved(path, source)
    if path in _chain:
        cycle = " -> ".join(str(p.name) for p in (*_chain, path))
        raise ScenarioError(f"`extends` forms a cycle: {cycle}", source=str(path))
    if len(_chain) >= MAX_EXTENDS:
        raise ScenarioError(
            f"more than {MAX_EXTENDS} files in the `extends` chain", source=str(path)
        )
    own = _read_yaml(path, quote=not _chain)
    if _chain and not scenario_shaped(own, Scenario):
        raise ScenarioError(NOT_A_BASE, source=str(_chain[-1]), where="extends")
    data = _extended(dict(own), path, _chain, root)
    if root is not None:
        check_confined(data, path.parent, root, str(path), FILE_SETTINGS)
    return data, own


def _extended(
    data: dict[str, Any], path: Path, _chain: tuple[Path, ...], root: Path | None = None
) -> dict[str, Any]:
    """``data`` (the scenario file ``path``'s) on top of the base it ``extends``, if any."""
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data
    if not isinstance(base_ref, str) or not base_ref or "\0" in base_ref or len(base_ref) > 1024:
        raise ScenarioError(
            "`extends` must be the path of a scenario file (at most 1,024 characters)",
            source=str(path),
            where="extends",
        )
    if root is not None and not inside(path.parent / base_ref, root):
        raise ScenarioError(OUTSIDE, source=str(path), where="extends")
    base_path = _resolved(path.parent / base_ref, str(path))
    if not base_path.exists():
        raise ScenarioError(
            f"the base scenario {base_ref!r} does not exist (looked for {base_path})",
            source=str(path),
            where="extends",
        )
    base = _rebased(_layers(base_path, (*_chain, path), root)[0], base_path.parent)
    return merge_extends(base, data)


#: settings that name files, relative to the scenario file that gives them
FILE_SETTINGS = (
    ("organization", "employees"),
    ("organization", "ties"),
    ("organization", "graphml"),
    ("organization", "directory"),
    ("organization", "interactions"),
    ("organization", "salt"),
    ("calibration", "posterior"),
    ("calibration", "draws"),
    ("calibration", "observed"),
)


def _rebased(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``data`` of a base scenario with its relative file settings made absolute, so that
    they keep naming the base's files from a child in another folder (a directory export's
    salt included: a child keeps its base's keys)."""
    org = data.get("organization")
    if isinstance(org, dict) and isinstance(org.get("directory"), str) and "salt" not in org:
        data["organization"] = {**org, "salt": str(folder / SALT_FILE)}
    for section, key in FILE_SETTINGS:
        sub = data.get(section)
        if isinstance(sub, dict) and isinstance(sub.get(key), str):
            value = Path(sub[key]).expanduser()
            if not value.is_absolute():
                data[section] = {**sub, key: str(folder / value)}
    return data


def _resolved(path: Path, source: str) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        raise ScenarioError(
            f"cannot resolve the path {str(path)[:200]!r} (a loop of symbolic links?)",
            source=source,
        ) from None


def load_scenario(path: str | Path, root: str | Path | None = None) -> Scenario:
    """Load, resolve ``extends`` and validate a scenario file (with ``root``: the file, its
    bases and the files it names must lie in that folder)."""
    path = Path(path)
    data, own = _layers(path, (), Path(root) if root is not None else None)
    scenario = validate_scenario(data, source=str(path), own=own)
    scenario._source = path.resolve()
    return scenario


def scenario_from_text(
    text: str, source: str | Path | None = None, root: str | Path | None = None
) -> Scenario:
    """Validate scenario YAML ``text`` as :func:`load_scenario` validates a file (the same
    strict reader and limits). ``source`` is the file the text stands for: ``extends`` and
    relative paths resolve against its folder (without it, ``extends`` is an error). With
    ``root`` (the app's folder), every file the text names must lie in that folder."""
    label = str(source) if source is not None else "<text>"
    own = read_yaml_text(text, label, ScenarioError, _WHAT)
    folder = Path(source).parent if source is not None else Path.cwd()
    if source is None:
        if "extends" in own:
            raise ScenarioError(
                "`extends` needs the scenario's folder: open the file instead",
                source=label,
                where="extends",
            )
        data = dict(own)
    else:
        path = _resolved(Path(source), label)
        data = _extended(dict(own), path, (), Path(root) if root is not None else None)
    if root is not None:
        check_confined(data, folder, Path(root), label, FILE_SETTINGS)
    scenario = validate_scenario(data, source=label, own=own)
    if source is not None:
        scenario._source = Path(source).resolve()
    return scenario


def validate_scenario(
    data: dict[str, Any], source: str | None = None, own: dict[str, Any] | None = None
) -> Scenario:
    """Validate scenario data, turning schema errors into one readable ScenarioError.

    ``own``: the data the file itself holds (without its bases); a message quotes a key or
    a value only where it comes from the file itself."""
    try:
        scenario = Scenario.model_validate(data)
    except ScenarioError as exc:
        exc.source = exc.source or source
        raise
    except ValidationError as exc:
        quote = None if own is None else (lambda loc: holds(own, loc) or not holds(data, loc))
        lines = describe_errors(exc, Scenario, quote=quote)
        raise ScenarioError(
            "invalid scenario:\n  - " + "\n  - ".join(lines), source=source
        ) from None
    _check_horizon(scenario, source)
    return scenario


def _check_horizon(scenario: Scenario, source: str | None) -> None:
    """A strategy that starts after the last week never acts: an error in a scenario as
    written (``Scenario.with_changes(weeks=...)`` may still shorten a run on purpose)."""
    for i, s in enumerate(scenario.strategies):
        if s.start > scenario.weeks:
            raise ScenarioError(
                f"starts in week {s.start}, after the scenario's last week ({scenario.weeks}): "
                "it would never act; move its start or lengthen `weeks`",
                source=source,
                where=f"strategies[{i}] ({s.label})",
            )
