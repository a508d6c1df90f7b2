"""The house style of the charts under one name: :mod:`adoptsim.viz.theme` (palette,
sizes, strategy marks, layout) and :mod:`adoptsim.viz.numbers` (what a chart takes from
results: provenance line, horizon).

Colours come from the Okabe & Ito (2008) colour-blind-safe palette. Every chart has a
title, axis labels with units, intervals as bands or bars, strategy weeks marked on time
axes and a source line in small print (:func:`finish`).
"""

from __future__ import annotations

from adoptsim.viz.numbers import (
    ChartError,
    comparison_source_line,
    horizon,
    results_of,
    source_line,
)
from adoptsim.viz.theme import (
    PALETTE,
    PLAN_COLORS,
    SCALE,
    SOURCE_COLOR,
    STAGE_COLORS,
    STYLE,
    close,
    figsize,
    finish,
    font_pt,
    mark_strategies,
    money,
    percent_axis,
    rc_params,
    save,
    scaled,
    subplots,
    title_above,
    week_axis,
    whisker,
)

__all__ = [
    "PALETTE",
    "PLAN_COLORS",
    "SCALE",
    "SOURCE_COLOR",
    "STAGE_COLORS",
    "STYLE",
    "ChartError",
    "close",
    "comparison_source_line",
    "figsize",
    "finish",
    "font_pt",
    "horizon",
    "mark_strategies",
    "money",
    "percent_axis",
    "rc_params",
    "results_of",
    "save",
    "scaled",
    "source_line",
    "subplots",
    "title_above",
    "week_axis",
    "whisker",
]
