"""Scenario files: the schema, loading (``extends``, paths) and paths into a scenario."""

from __future__ import annotations

from adoptsim.scenario.paths import (
    Item,
    PathError,
    annotation_at,
    apply_overrides,
    format_path,
    get_value,
    is_integer_field,
    locate,
    parse_path,
    with_overrides,
)
from adoptsim.scenario.schema import (
    NAME_PATTERN,
    ORGANIZATION_SOURCES,
    REPLACED_MAPPINGS,
    Scenario,
    load_scenario,
    merge_extends,
    read_scenario_data,
    scenario_from_text,
    validate_scenario,
)
from adoptsim.scenario.sections import HabitDistribution, LegacySpec, ToolSpec

__all__ = [
    "NAME_PATTERN",
    "ORGANIZATION_SOURCES",
    "REPLACED_MAPPINGS",
    "HabitDistribution",
    "Item",
    "LegacySpec",
    "PathError",
    "Scenario",
    "ToolSpec",
    "annotation_at",
    "apply_overrides",
    "format_path",
    "get_value",
    "is_integer_field",
    "load_scenario",
    "locate",
    "merge_extends",
    "parse_path",
    "read_scenario_data",
    "scenario_from_text",
    "validate_scenario",
    "with_overrides",
]
