"""The one-page report (HTML and PDF) of a run or a comparison."""

from __future__ import annotations

from adoptsim.report.charts import CHART_DPI, CHART_SCALE, Chart
from adoptsim.report.content import (
    SINGLE_METRICS,
    Report,
    assumption_lines,
    assumptions,
    build,
)
from adoptsim.report.files import write
from adoptsim.report.html_page import html
from adoptsim.report.pdf_page import pdf

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
