"""The app's charts as PNG: adoptsim.viz's functions (the CLI's house style), drawn by name."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result
from adoptsim.viz import plots, style

#: the charts the page shows, with their titles
KINDS = {
    "adoption": "Adoption over time (bands: 90 % of runs)",
    "departments": "Active share by department",
    "funnel": "Adoption funnel at the last week",
    "compare": "Active share, plan A and plan B",
    "differences": "Paired differences, plan B against plan A",
    "watch": "The organization at a week (one run)",
}
#: kinds drawn from a comparison (the others from one result)
COMPARISON_KINDS = ("compare", "differences")
#: resolution of the charts on the page and in downloads
DPI = 100


def figure(source: Result | Comparison, kind: str, week: int | None = None) -> Figure:
    """Chart ``kind`` of :data:`KINDS`. ``watch`` shows replicate 0 at ``week``: each
    employee on the reporting tree, or departments above
    :data:`~adoptsim.viz.MAX_NETWORK_EMPLOYEES` (never a spring layout)."""
    if kind in COMPARISON_KINDS:
        if not isinstance(source, Comparison):
            raise TypeError(f"the {kind} chart is drawn from a comparison")
        return plots.compare_curves(source) if kind == "compare" else plots.differences(source)
    if not isinstance(source, Result):
        raise TypeError(f"the {kind} chart is drawn from one result")
    if kind == "adoption":
        return plots.adoption(source)
    if kind == "departments":
        return plots.departments(source)
    if kind == "funnel":
        return plots.funnel(source)
    if kind == "watch":
        weeks = [style.horizon(source) if week is None else int(week)]
        if int(source.manifest.get("employees") or 0) > plots.MAX_NETWORK_EMPLOYEES:
            return plots.network_departments(source, weeks)
        return plots.network(source, weeks, replicate=0)
    raise ValueError(f"unknown chart {kind!r}; allowed: {', '.join(KINDS)}")


def png(source: Result | Comparison, kind: str, week: int | None = None) -> bytes:
    """Chart ``kind`` as PNG bytes (see :func:`figure`)."""
    fig = figure(source, kind, week)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plots.close(fig)
    return buf.getvalue()
