"""Charts drawn from results or saved result folders.

:func:`save_charts` writes the charts that go next to saved results (``adoption.png``,
``comparison.png``); :func:`draw` makes any chart kind by name; :mod:`adoptsim.viz.plots`
gathers every chart function.
"""

from __future__ import annotations

from adoptsim.viz import plots
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
    "plots",
    "roles",
    "save",
    "save_charts",
    "scaled",
    "source_line",
    "stages",
    "stages_at",
    "tree_layout",
]
