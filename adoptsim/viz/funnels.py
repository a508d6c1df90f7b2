"""The adoption funnel: aware -> tried -> active -> habitual at a week, one plan or several."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from adoptsim.runs import metrics
from adoptsim.runs.compare import Comparison, plan_name
from adoptsim.runs.result import Result
from adoptsim.viz import style

#: funnel steps: label and curve column
FUNNEL = (
    ("aware", "aware_share"),
    ("tried", "ever_tried_share"),
    ("active", "active_share"),
    ("habitual", "habitual_share"),
)
_FUNNEL_NOTE = "tried: ever used it · active and habitual: at that week · bars: 90 % of runs"


def _funnel_values(result: Result, week: int) -> list[tuple[float, float, float]]:
    c = result.curves[result.curves["week"] == week]
    if c.empty:
        raise style.ChartError(
            f"plan {plan_name(result)!r} has no week {week} "
            f"(it runs {style.horizon(result)} weeks)",
            where="weeks",
        )
    lo, hi = metrics.INTERVAL
    return [
        (c[col].mean() * 100, c[col].quantile(lo) * 100, c[col].quantile(hi) * 100)
        for _, col in FUNNEL
    ]


def funnel(source: Result | Comparison | Sequence[Result], week: int | None = None) -> Figure:
    """The adoption funnel (aware -> tried -> active -> habitual) at ``week`` (default the
    last), mean with 90 % interval; grouped bars, one per plan, when several are given."""
    results = style.results_of(source)
    at = min(style.horizon(r) for r in results) if week is None else int(week)
    values = [_funnel_values(r, at) for r in results]
    with matplotlib.rc_context(style.rc_params()):
        if len(results) == 1:
            return _one_plan(results[0], values[0], at)
        return _several_plans(results, values, at)


def _one_plan(result: Result, values: list[tuple[float, float, float]], at: int) -> Figure:
    """The funnel of one plan as horizontal bars, each step also as a share of the one before."""
    steps = [s for s, _ in FUNNEL]
    fig, ax = style.subplots(figsize=style.figsize(9, 4.6))
    colors = [
        style.STAGE_COLORS["aware"],
        style.PALETTE["sky"],
        style.STAGE_COLORS["active"],
        style.PALETTE["green"],
    ]
    previous = None
    for j, (mean, lo, hi) in enumerate(values):
        y = len(FUNNEL) - 1 - j
        ax.barh(y, mean, height=0.7, color=colors[j], alpha=0.9)
        style.whisker(ax, y, lo, hi, horizontal=True, color="#333333", capsize=3, lw=1)
        text = f"{mean:.0f} %"
        if previous:
            text += f"  ({100 * mean / previous:.0f} % of {steps[j - 1]})"
        ax.text(max(hi, mean) + 1.5, y, text, va="center", fontsize=style.font_pt(11))
        previous = mean if mean > 0 else None
    ax.set_yticks(range(len(FUNNEL)), steps[::-1])
    ax.set_xlim(0, 125)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("employees (%)")
    ax.grid(axis="y", visible=False)
    style.finish(
        fig,
        style.source_line(result),
        title=f"Adoption funnel at week {at}: {plan_name(result)}",
        note=_FUNNEL_NOTE,
    )
    return fig


def _several_plans(
    results: list[Result], values: list[list[tuple[float, float, float]]], at: int
) -> Figure:
    """The funnels of several plans as grouped bars, one colour per plan."""
    n = len(results)
    colors = [style.PLAN_COLORS[i % len(style.PLAN_COLORS)] for i in range(n)]
    fig, ax = style.subplots(figsize=style.figsize(10, 5.5))
    width = 0.84 / n
    # a bar's width in points, to turn value labels upright when they do not fit
    bar_pt = fig.get_figwidth() * 72 * 0.85 / len(FUNNEL) * width
    upright = bar_pt <= 3 * style.font_pt(8) * 0.8
    for i, r in enumerate(results):
        for j, (mean, lo, hi) in enumerate(values[i]):
            x = j + (i - (n - 1) / 2) * width
            ax.bar(
                x,
                mean,
                width=width * 0.92,
                color=colors[i],
                alpha=0.9,
                label=plan_name(r) if j == 0 else None,
            )
            style.whisker(ax, x, lo, hi, color="#333333", capsize=2, lw=0.8)
            ax.text(
                x,
                max(hi, mean) + 1.5,
                f"{mean:.0f}",
                ha="center",
                va="bottom",
                fontsize=style.font_pt(8),
                rotation=90 if upright else 0,
            )
    ax.set_xticks(range(len(FUNNEL)), [s for s, _ in FUNNEL])
    ax.set_xlabel("step of the funnel")
    ax.set_ylim(0, 124 if upright else 112)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("employees (%)")
    ax.grid(axis="x", visible=False)
    legend = [Patch(color=colors[i], label=plan_name(r)) for i, r in enumerate(results)]
    style.finish(
        fig,
        style.comparison_source_line(results),
        title=f"Adoption funnel at week {at} by plan",
        note=_FUNNEL_NOTE,
        legend=legend,
    )
    return fig
