"""The charts of the report, drawn compact for a half-page column and kept as PNG bytes."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from matplotlib.figure import Figure

from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result
from adoptsim.viz import plots

#: charts drawn for the report: figure sizes and fonts scaled for a half-page column
CHART_SCALE = {"size": 0.5, "font": 0.75}
CHART_DPI = 200


@dataclass
class Chart:
    """A chart of the report: its caption and PNG bytes."""

    caption: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a data: URI for HTML."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def results_of(source: Result | Comparison) -> list[Result]:
    """The plans of a comparison, or the one result."""
    return list(source.results) if isinstance(source, Comparison) else [source]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)  # read at call time (tests lower it)
    plots.close(fig)
    return buf.getvalue()


def key_charts(source: Result | Comparison) -> list[Chart]:
    """The key charts of a result (adoption, stages, departments, funnel) or of a
    comparison (curves, cost, paired differences, funnel)."""
    results = results_of(source)
    with plots.scaled(**CHART_SCALE):
        if isinstance(source, Comparison) and len(results) > 1:
            drawn = [
                Chart(
                    "Active share by plan (mean and 90 % of runs) and the weeks each plan's "
                    "strategies act",
                    _png(plots.compare_curves(source)),
                ),
                Chart(
                    "Cost against sustained adoption (bars: 90 % of runs)",
                    _png(plots.cost_effectiveness(source)),
                ),
                Chart(
                    f"Paired differences against {source.names[0]}",
                    _png(
                        plots.differences(
                            source,
                            list(dict.fromkeys([source.rank_by, "cost_per_sustained_adopter"])),
                        )
                    ),
                ),
                Chart("Adoption funnel at the last week", _png(plots.funnel(source))),
            ]
        else:
            r = results[0]
            drawn = [
                Chart("Adoption over time (bands: 90 % of runs)", _png(plots.adoption(r))),
                Chart("Stages of adoption (mean of runs)", _png(plots.stages(r))),
                Chart("Active share by department", _png(plots.departments(r))),
                Chart("Adoption funnel at the last week", _png(plots.funnel(r))),
            ]
    return drawn
