"""Any chart by name (the kinds ``adoptsim plot`` draws), and the charts written next to
saved results (:func:`save_charts`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from adoptsim.runs.compare import Comparison, folder_names, plan_name
from adoptsim.runs.result import Result
from adoptsim.viz import networks
from adoptsim.viz.comparison import compare_curves, cost_effectiveness, differences, plans
from adoptsim.viz.curves import adoption, departments, roles, stages
from adoptsim.viz.funnels import funnel
from adoptsim.viz.io import load
from adoptsim.viz.networks import network, network_departments
from adoptsim.viz.numbers import ADOPTION_CHART
from adoptsim.viz.style import ChartError, save

#: the chart written next to a saved comparison
COMPARISON_CHART = "comparison.png"

#: every chart kind :func:`draw` makes, with what it shows
KINDS: dict[str, str] = {
    "adoption": "active, habitual and aware share over time with 90 % bands",
    "stages": "share of employees in each stage over time (stacked areas)",
    "departments": "active share over time, one panel per department",
    "roles": "active share over time, one panel per role",
    "funnel": "aware -> tried -> active -> habitual at a week",
    "network": "the organization (reporting lines) coloured by stage at chosen weeks",
    "network-departments": "departments as a network coloured by active share at chosen weeks",
    "compare": "the plans' active-share curves overlaid, with bands and their strategy weeks",
    "differences": "paired differences against the reference plan (dot and intervals)",
    "cost": "cost against sustained adoption for the compared plans",
    "plans": "the plans' strategies on a timeline",
}
#: kinds drawn once per plan (the others take every plan of a comparison at once)
PER_PLAN = ("adoption", "stages", "departments", "roles", "network", "network-departments")


def draw(
    source: Result | Comparison,
    kind: str,
    *,
    weeks: Sequence[int] | None = None,
    replicate: int = 0,
    plan: str | None = None,
) -> list[tuple[str, Figure]]:
    """Draw chart ``kind`` (see :data:`KINDS`) and return ``(file stem, figure)`` pairs.

    For a comparison, per-plan kinds are drawn for every plan (or only ``plan``).
    """
    if kind not in KINDS:
        raise ChartError(f"unknown chart kind {kind!r}; allowed: {', '.join(KINDS)}")
    is_cmp = isinstance(source, Comparison)
    if kind in PER_PLAN:
        targets = [source]
        if is_cmp:
            targets = [source.result(plan)] if plan else list(source.results)
        out = []
        for r in targets:
            stem = kind if not is_cmp else f"{kind}_{plan_name(r)}"
            out.append((stem, _one(r, kind, weeks, replicate)))
        return out
    if kind == "differences" and not is_cmp:
        raise ChartError(
            "the differences chart needs a comparison folder (written by `adoptsim compare`); "
            "this folder holds one plan's results"
        )
    single = {
        "funnel": lambda s: funnel(s, weeks[-1] if weeks else None),
        "compare": compare_curves,
        "differences": differences,
        "cost": cost_effectiveness,
        "plans": plans,
    }
    return [(kind, single[kind](source))]


def default_kinds(source: Result | Comparison) -> list[str]:
    """The chart kinds ``adoptsim plot`` draws when none is named."""
    if isinstance(source, Comparison):
        several = len(source.results) > 1
        return ["compare", *(["differences"] if several else []), "cost", "plans", "funnel"]
    employees = int(source.manifest.get("employees") or 0)
    network_kind = (
        "network" if employees <= networks.MAX_NETWORK_EMPLOYEES else "network-departments"
    )
    return ["adoption", "stages", "departments", "roles", "funnel", network_kind]


def _one(result: Result, kind: str, weeks: Sequence[int] | None, replicate: int) -> Figure:
    if kind == "adoption":
        return adoption(result)
    if kind == "stages":
        return stages(result)
    if kind == "departments":
        return departments(result)
    if kind == "roles":
        return roles(result)
    if kind == "network":
        return network(result, weeks, replicate)
    return network_departments(result, weeks)


def save_charts(
    source: Result | Comparison | str | Path, folder: str | Path | None = None, dpi: int = 150
) -> list[Path]:
    """Write the charts of a saved result or comparison and return their paths.

    A result gets ``adoption.png``; a comparison gets ``comparison.png`` and each plan's
    sub-folder its ``adoption.png`` (the folders :meth:`Comparison.save` writes).
    ``source`` is a result, a comparison, or a folder to read one from; ``folder``
    defaults to that folder (required for an object).
    """
    if isinstance(source, str | Path):
        folder = Path(source) if folder is None else folder
        source = load(source)
    if folder is None:
        raise TypeError("save_charts needs the folder to write to")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Comparison):
        written = [save(compare_curves(source), folder / COMPARISON_CHART, dpi)]
        for r, sub in zip(source.results, folder_names(source.names), strict=True):
            written += save_charts(r, folder / sub, dpi)
        return written
    return [save(adoption(source), folder / ADOPTION_CHART, dpi)]
