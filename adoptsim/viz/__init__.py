"""Charts drawn from results or saved result folders.

:func:`save_charts` writes the charts that go next to saved results (``adoption.png``,
``comparison.png``); :func:`draw` makes any chart kind by name; :mod:`adoptsim.viz.plots`
gathers every chart function, and this package re-exports them, imported on first use
(PEP 562): importing one module of the package (the chart painter's process imports
:mod:`adoptsim.viz.paint`) does not import every chart and the results they read.
"""

from __future__ import annotations

import importlib
from typing import Any

#: the names of :mod:`adoptsim.viz.plots`, re-exported here (a test keeps them equal)
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


def __getattr__(name: str) -> Any:
    """A chart function or constant of :mod:`adoptsim.viz.plots`, imported on first use."""
    if name in __all__:
        plots = importlib.import_module(f"{__name__}.plots")
        value = plots if name == "plots" else getattr(plots, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
