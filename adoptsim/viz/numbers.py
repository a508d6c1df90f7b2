"""What a chart takes from results, without matplotlib: the provenance line, the horizon,
and the numbers of the adoption chart (which ``adoptsim run`` hands to the chart
painter's process, :mod:`adoptsim.viz.painter`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adoptsim.errors import InputError
from adoptsim.runs import metrics
from adoptsim.runs.compare import Comparison, plan_name
from adoptsim.runs.result import Result

#: the chart written next to a saved result
ADOPTION_CHART = "adoption.png"
#: the columns the adoption chart draws (:data:`adoptsim.viz.adoption_figure.SERIES`)
ADOPTION_COLUMNS = ("aware_share", "active_share", "habitual_share")


class ChartError(InputError):
    """A chart cannot be drawn from these results (reported without traceback)."""


def source_line(result: Result) -> str:
    """The small-print provenance line of a chart."""
    m = result.manifest
    return (
        f"adoptsim {m.get('adoptsim_version', '')} · scenario {result.name} · "
        f"{m['runs']} runs · seed {m['seed']} · {m.get('employees', '?')} employees · "
        f"bands: 90 % of runs"
    )


def comparison_source_line(results: Sequence[Result], extra: str = "") -> str:
    """The provenance line of a chart of several plans run on common random numbers."""
    m = results[0].manifest
    employees = sorted({str(r.manifest.get("employees", "?")) for r in results})
    line = (
        f"adoptsim {m.get('adoptsim_version', '')} · plans: "
        f"{', '.join(plan_name(r) for r in results)} · {m['runs']} runs each on common random "
        f"numbers · seed {m['seed']} · {'/'.join(employees)} employees"
    )
    return f"{line} · {extra}" if extra else line


def horizon(result: Result) -> int:
    return int(result.curves["week"].max())


def results_of(source: Result | Comparison | Sequence[Result]) -> list[Result]:
    """The results of a comparison, a result, or a sequence of results."""
    if isinstance(source, Comparison):
        return list(source.results)
    if isinstance(source, Result):
        return [source]
    return list(source)


def adoption_numbers(result: Result) -> dict[str, Any]:
    """The keyword arguments of :func:`adoptsim.viz.adoption_figure.draw_adoption` for ``result``:
    plain numbers and strings, to be drawn in this process or another."""
    bands = {}
    for column in ADOPTION_COLUMNS:
        b = metrics.band(result.curves, column)
        bands[column] = {
            "week": b.index.to_numpy(),
            **{k: b[k].to_numpy() for k in ("mean", "low", "high")},
        }
    return {
        "bands": bands,
        "windows": result.strategy_windows,
        "weeks": horizon(result),
        "title": f"Adoption forecast: {result.name}",
        "source": source_line(result),
    }
