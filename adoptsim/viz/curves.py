"""Charts of one plan over time: adoption with bands, stages, small multiples by group."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from adoptsim.runs import metrics
from adoptsim.runs.result import Result
from adoptsim.viz import style
from adoptsim.viz.adoption_figure import draw_adoption
from adoptsim.viz.numbers import adoption_numbers


def adoption(result: Result) -> Figure:
    """Active share over time with its 90 % band, habitual and aware share beside it."""
    return draw_adoption(**adoption_numbers(result))


def stages(result: Result) -> Figure:
    """Mean share of employees in each stage over time, as stacked areas."""
    c = result.curves.groupby("week").mean(numeric_only=True)
    voluntary = c["voluntary_share"]
    compliance = c["active_share"] - voluntary
    not_tried = c["aware_share"] - c["trying_share"] - c["active_share"] - c["lapsed_share"]
    layers = [
        ("active, voluntary", voluntary, style.STAGE_COLORS["active"]),
        ("active, compliance only", compliance, style.STAGE_COLORS["compliance"]),
        ("trying", c["trying_share"], style.STAGE_COLORS["trying"]),
        ("lapsed", c["lapsed_share"], style.STAGE_COLORS["lapsed"]),
        ("aware, not tried", not_tried, style.STAGE_COLORS["aware"]),
        ("unaware", c["unaware_share"], style.STAGE_COLORS["unaware"]),
    ]
    if float(compliance.max()) <= 0:
        layers.pop(1)
    weeks = style.horizon(result)
    with matplotlib.rc_context(style.rc_params()):
        fig, ax = style.subplots(figsize=style.figsize(10, 5))
        ax.stackplot(
            c.index,
            *[np.clip(v.to_numpy(), 0, None) * 100 for _, v, _ in layers],
            colors=[col for _, _, col in layers],
            labels=[name for name, _, _ in layers],
            lw=0,
        )
        rows = style.mark_strategies(ax, result.strategy_windows, weeks)
        ax.set_xlim(0, weeks)
        style.percent_axis(ax)
        ax.grid(False)
        style.week_axis(ax)
        style.title_above(ax, f"Stages of adoption: {result.name}", rows)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5))
        style.finish(fig, style.source_line(result).replace("bands: 90 % of runs", "mean of runs"))
    return fig


def groups(result: Result, by: str = "department", column: str = "active_share") -> Figure:
    """Small multiples: ``column`` over time with its band, one panel per department or role.

    The grey line in every panel is the whole organization, for reference.
    """
    if by not in ("department", "role"):
        raise ValueError(f"by must be 'department' or 'role', got {by!r}")
    data = result.curves_by_department if by == "department" else result.curves_by_role
    if data is None or data.empty or by not in data:
        raise style.ChartError(f"these results have no curves by {by}")
    names = list(dict.fromkeys(data[by]))
    if by == "role":
        names = [n for n in names if data.loc[data[by] == n, "aware_share"].notna().any()]
    n = len(names)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    nrows = math.ceil(n / ncols)
    weeks = style.horizon(result)
    whole = metrics.band(result.curves, column)
    label = column.removesuffix("_share").replace("_", " ")
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = style.subplots(
            nrows,
            ncols,
            figsize=style.figsize(3.6 * ncols + 1.2, 2.6 * nrows + 1.3),
            sharex=True,
            sharey=True,
            squeeze=False,
        )
        for k, ax in enumerate(axes.flat):
            if k >= n:
                ax.set_visible(False)
                continue
            name = names[k]
            sub = data[data[by] == name]
            b = metrics.band(sub, column)
            ax.plot(whole.index, whole["mean"] * 100, color="#999999", lw=1.2)
            ax.fill_between(
                b.index, b["low"] * 100, b["high"] * 100, color=style.PALETTE["blue"], alpha=0.25
            )
            ax.plot(b.index, b["mean"] * 100, color=style.PALETTE["blue"], lw=2)
            style.mark_strategies(ax, result.strategy_windows, weeks, labels=False)
            ax.set_title(name.replace("_", " "), fontsize=style.font_pt(12), loc="left")
            ax.set_xlim(0, weeks)
            ax.set_ylim(0, 100)
            if k % ncols == 0:
                ax.set_ylabel(f"{label} (%)")
            if k // ncols == nrows - 1 or k + ncols >= n:
                style.week_axis(ax)
                ax.xaxis.set_tick_params(labelbottom=True)
        strategies = ", ".join(
            f"{w['label']} (weeks {w['start']}–{w['end'] if w['end'] is not None else weeks})"
            for w in result.strategy_windows
        )
        note = "blue: mean with 90 % band · grey: whole organization"
        if strategies:
            note += f" · shaded: {strategies}"
        style.finish(
            fig,
            style.source_line(result),
            title=f"{label.capitalize()} share by {by}: {result.name}",
            note=note,
        )
    return fig


def departments(result: Result) -> Figure:
    """Small multiples of active share by department."""
    return groups(result, "department")


def roles(result: Result) -> Figure:
    """Small multiples of active share by role."""
    return groups(result, "role")
