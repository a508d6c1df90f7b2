"""The one-page report (HTML and PDF) of a run or a comparison."""

from __future__ import annotations

from adoptsim.report.report import (
    CHART_DPI,
    CHART_SCALE,
    SINGLE_METRICS,
    Chart,
    Report,
    assumption_lines,
    assumptions,
    build,
    html,
    pdf,
    write,
)

__all__ = [
    "CHART_DPI",
    "CHART_SCALE",
    "SINGLE_METRICS",
    "Chart",
    "Report",
    "assumption_lines",
    "assumptions",
    "build",
    "html",
    "pdf",
    "write",
]
