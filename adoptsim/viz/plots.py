"""Charts: functions from results to matplotlib Figures, in one house style.

Plots never run simulations: they read a :class:`~adoptsim.runs.result.Result` (or a
:class:`~adoptsim.runs.compare.Comparison` of several) and return a ``Figure``. The charts
live in one module per family (:mod:`~adoptsim.viz.curves`,
:mod:`~adoptsim.viz.comparison`, :mod:`~adoptsim.viz.funnels`,
:mod:`~adoptsim.viz.networks`); this module gathers them with the style
(:mod:`~adoptsim.viz.style`) and :func:`draw`, which makes any chart kind by name.
"""

from __future__ import annotations

from adoptsim.viz.comparison import compare_curves, cost_effectiveness, differences, plans
from adoptsim.viz.curves import adoption, departments, groups, roles, stages
from adoptsim.viz.funnels import FUNNEL, funnel
from adoptsim.viz.io import load, organization_of
from adoptsim.viz.kinds import KINDS, PER_PLAN, default_kinds, draw, save_charts
from adoptsim.viz.networks import (
    MAX_NETWORK_EMPLOYEES,
    STAGE_OF_EVENT,
    network,
    network_departments,
    stages_at,
    tree_layout,
)
from adoptsim.viz.style import (
    PALETTE,
    PLAN_COLORS,
    SOURCE_COLOR,
    STAGE_COLORS,
    STYLE,
    ChartError,
    close,
    comparison_source_line,
    mark_strategies,
    save,
    scaled,
    source_line,
)

__all__ = [
    "FUNNEL",
    "KINDS",
    "MAX_NETWORK_EMPLOYEES",
    "PALETTE",
    "PER_PLAN",
    "PLAN_COLORS",
    "SOURCE_COLOR",
    "STAGE_COLORS",
    "STAGE_OF_EVENT",
    "STYLE",
    "ChartError",
    "adoption",
    "close",
    "compare_curves",
    "comparison_source_line",
    "cost_effectiveness",
    "default_kinds",
    "departments",
    "differences",
    "draw",
    "funnel",
    "groups",
    "load",
    "mark_strategies",
    "network",
    "network_departments",
    "organization_of",
    "plans",
    "roles",
    "save",
    "save_charts",
    "scaled",
    "source_line",
    "stages",
    "stages_at",
    "tree_layout",
]
