"""Validation against the literature: one module per published result, and a registry."""

from __future__ import annotations

from adoptsim.validation.bass import (
    bass_case,
)
from adoptsim.validation.charts import (
    chart,
    save,
)
from adoptsim.validation.common import (
    BASS_PAIRS,
    CATEGORY_NAMES,
    CENTOLA_2010,
    LALLY_PEOPLE,
    SIZES,
    TOLERANCE,
    CaseResult,
    Check,
    Size,
    bass_closed_form,
    bass_recursion,
    organization_from_edges,
    organization_from_graph,
    random_twin,
    ring_lattice,
)
from adoptsim.validation.eckles import (
    eckles_case,
)
from adoptsim.validation.habit import (
    habit_case,
)
from adoptsim.validation.networks import (
    centola_case,
    granovetter_case,
)
from adoptsim.validation.registry import (
    CASES,
    check_cases,
    markdown_table,
    results_table,
    run_cases,
)
from adoptsim.validation.rogers import (
    rogers_case,
)

__all__ = [
    "BASS_PAIRS",
    "CASES",
    "CATEGORY_NAMES",
    "CENTOLA_2010",
    "LALLY_PEOPLE",
    "SIZES",
    "TOLERANCE",
    "CaseResult",
    "Check",
    "Size",
    "bass_case",
    "bass_closed_form",
    "bass_recursion",
    "centola_case",
    "chart",
    "check_cases",
    "eckles_case",
    "granovetter_case",
    "habit_case",
    "markdown_table",
    "organization_from_edges",
    "organization_from_graph",
    "random_twin",
    "results_table",
    "ring_lattice",
    "rogers_case",
    "run_cases",
    "save",
]
