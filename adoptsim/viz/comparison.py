"""Charts of several plans: curves overlaid, strategies on a timeline, paired differences
against the reference, cost against sustained adoption."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from adoptsim.runs import metrics
from adoptsim.runs.compare import METRICS, Comparison, plan_name
from adoptsim.runs.result import Result
from adoptsim.viz import style


def _plans_strip(ax, results: Sequence[Result], weeks: int, colors: Sequence[str]) -> None:
    """One row per plan with its strategies as bars over the weeks they act."""
    n = len(results)
    for i, r in enumerate(results):
        y = n - 1 - i
        windows = r.strategy_windows
        if not windows:
            ax.text(
                0.5,
                y,
                "no strategy",
                va="center",
                fontsize=style.font_pt(9),
                color=style.SOURCE_COLOR,
            )
        for w in windows:
            start = w["start"] - 0.5
            end = (weeks if w.get("end") is None else w["end"]) + 0.5
            ax.barh(y, end - start, left=start, height=0.6, color=colors[i], alpha=0.35, lw=0)
            text = w["label"] + ("" if w.get("end") is not None else " →")
            ax.text(
                start + 0.4,
                y,
                text,
                va="center",
                fontsize=style.font_pt(9),
                color="#222222",
                clip_on=True,
            )
    ax.set_yticks(range(n), [plan_name(r) for r in results][::-1])
    for tick, color in zip(ax.get_yticklabels(), list(colors[:n])[::-1], strict=True):
        tick.set_color(color)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, weeks)
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def compare_curves(
    source: Comparison | Sequence[Result], column: str = "active_share", strip: bool = True
) -> Figure:
    """The plans' ``column`` over time (mean and 90 % band), overlaid; with ``strip``, a
    panel below shows each plan's strategies over the weeks they act."""
    results = style.results_of(source)
    colors = [style.PLAN_COLORS[i % len(style.PLAN_COLORS)] for i in range(len(results))]
    weeks = max(style.horizon(r) for r in results)
    label = column.removesuffix("_share").replace("_", " ")
    n = len(results)
    with matplotlib.rc_context(style.rc_params()):
        if strip:
            fig, (ax, lower) = style.subplots(
                2,
                1,
                figsize=style.figsize(10, 5.2 + 0.32 * n),
                sharex=True,
                gridspec_kw={"height_ratios": [5, 0.5 + 0.4 * n]},
            )
        else:
            fig, ax = style.subplots(figsize=style.figsize(10, 5.5))
        for i, r in enumerate(results):
            b = metrics.band(r.curves, column)
            ls = "--" if i == 0 and n > 1 else "-"
            ax.fill_between(b.index, b["low"] * 100, b["high"] * 100, color=colors[i], alpha=0.15)
            name = plan_name(r) + (" (reference)" if i == 0 and n > 1 else "")
            ax.plot(b.index, b["mean"] * 100, color=colors[i], lw=2.2, ls=ls, label=name)
        ax.set_xlim(0, weeks)
        ax.set_ylim(0, 100)
        ax.set_ylabel(f"{label} employees (%)")
        ax.set_title(f"{label.capitalize()} share by plan", loc="left")
        ax.legend(loc="upper left", fontsize=style.font_pt(10))
        if strip:
            _plans_strip(lower, results, weeks, colors)
            style.week_axis(lower)
            lower.set_title(
                "strategies by plan",
                fontsize=style.font_pt(10),
                loc="left",
                color=style.SOURCE_COLOR,
            )
        else:
            style.week_axis(ax)
        style.finish(fig, style.comparison_source_line(results, "bands: 90 % of runs"))
    return fig


def plans(source: Comparison | Sequence[Result], row_height: float = 0.45) -> Figure:
    """Each plan's strategies on a timeline of weeks (``row_height`` inches per plan)."""
    results = style.results_of(source)
    colors = [style.PLAN_COLORS[i % len(style.PLAN_COLORS)] for i in range(len(results))]
    weeks = max(style.horizon(r) for r in results)
    with matplotlib.rc_context(style.rc_params()):
        fig, ax = style.subplots(figsize=style.figsize(10, 1.4 + row_height * len(results)))
        _plans_strip(ax, results, weeks, colors)
        style.week_axis(ax)
        ax.set_title("Plans: strategies and the weeks they act", loc="left")
        style.finish(fig, style.comparison_source_line(results))
    return fig


#: how the differences chart shows each unit
_UNITS = {
    "share": ("percentage points", 100.0),
    "weeks": ("weeks", 1.0),
    "events": ("lapse events", 1.0),
    "cost": ("currency units", 1.0),
}


def differences(comparison: Comparison, which: Sequence[str] | None = None) -> Figure:
    """Paired differences of each plan against the reference: the mean (dot), 90 % of
    paired runs (thin line) and the 90 % confidence interval of the mean (thick line)."""
    if len(comparison.results) < 2:
        raise style.ChartError("the differences chart needs at least two plans")
    chosen = list(which or METRICS)
    table = comparison.table
    ref = plan_name(comparison.reference)
    others = [p for p in comparison.ranking if p != ref]
    colors = {
        plan_name(r): style.PLAN_COLORS[i % len(style.PLAN_COLORS)]
        for i, r in enumerate(comparison.results)
    }
    ncols = 2 if len(chosen) > 1 else 1
    nrows = math.ceil(len(chosen) / ncols)
    # rows of plan names need room in proportion to the font, not to the figure
    height = (0.9 + 0.42 * len(others)) * style.SCALE["font"] / style.SCALE["size"]
    with matplotlib.rc_context(style.rc_params()):
        fig, axes = style.subplots(
            nrows,
            ncols,
            figsize=style.figsize(12, height * nrows + 1.6),
            squeeze=False,
            sharey=True,
        )
        for k, ax in enumerate(axes.flat):
            if k >= len(chosen):
                ax.set_visible(False)
                continue
            rows = table[table["metric"] == chosen[k]].set_index("scenario")
            _difference_panel(ax, chosen[k], rows, others, ref, colors)
        style.finish(
            fig,
            style.comparison_source_line(comparison.results),
            title=f"Paired differences against {ref} (same seeds, run by run)",
            note="dot: mean · thin line: 90 % of paired runs · thick line: 90 % confidence "
            "interval of the mean",
        )
    return fig


def _difference_panel(
    ax, metric: str, rows: pd.DataFrame, others: list[str], ref: str, colors: dict[str, str]
) -> None:
    """One metric's paired differences, a row per plan (``rows`` indexed by plan)."""
    info = METRICS[metric]
    unit, scale = _UNITS[info.unit]
    ax.set_yticks(range(len(others)), others[::-1])
    ax.set_ylim(-0.7, len(others) + 0.1)
    ax.grid(axis="y", visible=False)
    ax.set_title(info.label.replace(" (voluntary)", ""), fontsize=style.font_pt(12), loc="left")
    if (rows["pairs"] == 0).all():
        ax.text(
            0.5,
            0.5,
            f"{ref} never reached it: no paired difference",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.font_pt(10),
            color=style.SOURCE_COLOR,
        )
        ax.set_xticks([])
        return
    ax.axvline(0, color="#888888", lw=1)
    for j, name in enumerate(others):
        y = len(others) - 1 - j
        r = rows.loc[name]
        if r["pairs"] == 0 or pd.isna(r["diff_mean"]):
            ax.text(
                0,
                y,
                " never reached",
                va="center",
                fontsize=style.font_pt(9),
                color=style.SOURCE_COLOR,
            )
            continue
        c = colors[name]
        ax.plot([r["diff_low"] * scale, r["diff_high"] * scale], [y, y], color=c, lw=1.5)
        ax.plot(
            [r["diff_ci_low"] * scale, r["diff_ci_high"] * scale],
            [y, y],
            color=c,
            lw=5,
            solid_capstyle="butt",
        )
        ax.plot(r["diff_mean"] * scale, y, "o", color=c, ms=7, mec="white")
    ax.set_xlabel(f"difference ({unit})")
    ax.text(
        0.99 if info.better > 0 else 0.01,
        0.99,
        "better →" if info.better > 0 else "← better",
        transform=ax.transAxes,
        ha="right" if info.better > 0 else "left",
        va="top",
        fontsize=style.font_pt(9),
        color=style.SOURCE_COLOR,
    )
    ax.margins(x=0.12)
    shown = rows.loc[rows["pairs"] > 0, ["diff_low", "diff_high"]].to_numpy() * scale
    if np.nanmax(np.abs(shown), initial=0.0) < 1e-9:
        ax.set_xlim(-1, 1)
        ax.set_xticks([-1, 0, 1])
        ax.text(
            0.5,
            0.06,
            "no difference in any run",
            transform=ax.transAxes,
            ha="center",
            fontsize=style.font_pt(9),
            color=style.SOURCE_COLOR,
        )
    if info.unit == "cost":
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: style.money(v)))


def cost_effectiveness(source: Comparison | Sequence[Result]) -> Figure:
    """Each plan's cost against its sustained adoption, both with 90 % intervals; dashed
    lines mark equal cost per sustained adopter."""
    results = style.results_of(source)
    colors = [style.PLAN_COLORS[i % len(style.PLAN_COLORS)] for i in range(len(results))]
    with matplotlib.rc_context(style.rc_params()):
        fig, ax = style.subplots(figsize=style.figsize(9, 5.5))
        xs, ys = [], []
        for i, r in enumerate(results):
            agg = r.aggregate
            s, c = agg.loc["sustained_share"], agg.loc["cost"]
            x, y = s["mean"] * 100, c["mean"]
            bars = {"color": colors[i], "capsize": 4, "lw": 1.5, "zorder": 3}
            style.whisker(ax, y, s["low"] * 100, s["high"] * 100, horizontal=True, **bars)
            style.whisker(ax, x, c["low"], c["high"], **bars)
            ax.plot(x, y, "o", color=colors[i], ms=9, mec="white", zorder=3)
            xs.append(x)
            ys.append(y)
        ymax = max(max(ys) * 1.25, 1.0)
        ax.set_xlim(0, 105)
        ax.set_ylim(0, ymax)
        ax.set_xlabel("sustained (voluntary) adoption at the end (% of employees)")
        ax.set_ylabel("cost (currency units)")
        ax.set_title("Cost against sustained adoption", loc="left")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: style.money(v)))
        style.finish(fig, style.comparison_source_line(results, "bars: 90 % of runs"))
        renderer = fig.canvas.get_renderer()
        taken = []
        employees = {r.manifest.get("employees") for r in results}
        if len(employees) == 1 and None not in employees and max(ys) > 0:
            n = float(employees.pop())
            per = [c / (x / 100 * n) for x, c in zip(xs, ys, strict=True) if x > 0 and c > 0]
            for level in _nice_levels(per):
                share = np.linspace(0, 105, 50)
                ax.plot(share, level * share / 100 * n, color="#AAAAAA", lw=0.8, ls="--")
                x_at = min(100.0, ymax / (level * n) * 100) * 0.9
                p0 = ax.transData.transform((0, 0))
                p1 = ax.transData.transform((x_at, level * x_at / 100 * n))
                angle = math.degrees(math.atan2(p1[1] - p0[1], p1[0] - p0[0]))
                t = ax.text(
                    x_at,
                    level * x_at / 100 * n,
                    f"{style.money(level)} per adopter",
                    fontsize=style.font_pt(8),
                    color="#888888",
                    ha="right",
                    va="bottom",
                    rotation=angle,
                    rotation_mode="anchor",
                )
                taken.append(t.get_window_extent(renderer))
        points = [ax.transData.transform((x, y)) for x, y in zip(xs, ys, strict=True)]
        _place_labels(ax, points, [plan_name(r) for r in results], colors, taken)
    return fig


def _place_labels(ax, points, texts, colors, taken=None, fontsize: float = 11) -> None:
    """Label each point (display coordinates) at the offset where its label overlaps the
    fewest other labels and points and stays inside the axes (the first such offset)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    page = fig.bbox
    taken = list(taken or [])
    pad = style.font_pt(7)
    dots = [
        matplotlib.transforms.Bbox.from_extents(x - pad, y - pad, x + pad, y + pad)
        for x, y in points
    ]
    offsets = (
        (9, 5, "left", "bottom"),
        (9, -5, "left", "top"),
        (-9, 5, "right", "bottom"),
        (-9, -5, "right", "top"),
        (0, 10, "center", "bottom"),
        (0, -10, "center", "top"),
        (12, 0, "left", "center"),
        (-12, 0, "right", "center"),
    )
    inv = ax.transData.inverted()

    def within(box, frame) -> bool:
        return (
            frame.x0 <= box.x0
            and box.x1 <= frame.x1
            and frame.y0 <= box.y0
            and (box.y1 <= frame.y1)
        )

    for k, ((x, y), text) in enumerate(zip(points, texts, strict=True)):
        others = taken + [d for i, d in enumerate(dots) if i != k]
        best = None

        def place(dx, dy, ha, va, x=x, y=y, text=text, k=k):
            return ax.annotate(
                text,
                inv.transform((x, y)),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=style.font_pt(fontsize),
                color=colors[k],
                zorder=4,
                annotation_clip=False,
            )

        for dx, dy, ha, va in offsets:
            t = place(dx, dy, ha, va)
            box = t.get_window_extent(renderer)
            penalty = sum(box.overlaps(o) for o in others)
            penalty += 0 if within(box, inside) else 0.5 if within(box, page) else 100
            t.remove()
            if best is None or penalty < best[0]:
                best = (penalty, dx, dy, ha, va, box)
            if penalty == 0:
                break
        _, dx, dy, ha, va, box = best
        place(dx, dy, ha, va)
        taken.append(box)


def _nice_levels(values: Sequence[float], count: int = 3) -> list[float]:
    """A few round numbers spanning ``values`` (for reference lines)."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    candidates = [m * 10**e for e in range(-1, 7) for m in (1, 2, 5)]
    inside = [c for c in candidates if lo / 2 <= c <= hi * 2]
    if len(inside) > count:
        idx = np.linspace(0, len(inside) - 1, count).round().astype(int)
        inside = [inside[i] for i in idx]
    return inside
