"""Charts: functions from result DataFrames to matplotlib Figures, in one house style.

Plots never run simulations: they read a :class:`~adoptsim.result.Result` (or a
:class:`~adoptsim.compare.Comparison` of several) and return a ``Figure``. Every chart has
a title, axis labels with units, intervals as bands, strategy weeks marked on time axes
and a source line in small print; colours come from the Okabe & Ito (2008)
colour-blind-safe palette. :func:`draw` makes any chart kind by name (used by
``adoptsim plot`` and the report).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from adoptsim.errors import InputError
from adoptsim.model.people import Stage
from adoptsim.runs import metrics
from adoptsim.version import __version__

if TYPE_CHECKING:
    from adoptsim.org import Organization
    from adoptsim.runs.compare import Comparison
    from adoptsim.runs.result import Result

# Okabe & Ito (2008) colour-blind-safe palette
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
STYLE = {
    "figure.figsize": (9, 5),
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}
#: colour of each plan in comparisons: the reference in dark grey, then the palette
PLAN_COLORS = (
    "#444444",
    PALETTE["blue"],
    PALETTE["orange"],
    PALETTE["green"],
    PALETTE["vermillion"],
    PALETTE["purple"],
    PALETTE["sky"],
)
#: colour of each stage, the same in every chart
STAGE_COLORS = {
    "unaware": "#DDDDDD",
    "aware": PALETTE["orange"],
    "trying": PALETTE["sky"],
    "active": PALETTE["blue"],
    "compliance": PALETTE["purple"],
    "lapsed": PALETTE["vermillion"],
}
SOURCE_COLOR = "#555555"
#: current scale of figure sizes and of fonts (see :func:`scaled`)
_SCALE = {"size": 1.0, "font": 1.0}
_FONT_KEYS = ("font.size", "axes.titlesize", "axes.labelsize")
#: the most employees the network chart draws one dot each for
MAX_NETWORK_EMPLOYEES = 5000
#: the stage each event of the activity stream leads to
STAGE_OF_EVENT = {
    "awareness": Stage.AWARE,
    "trial": Stage.TRYING,
    "adoption": Stage.ACTIVE,
    "readoption": Stage.ACTIVE,
    "lapse": Stage.LAPSED,
}

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


class ChartError(InputError):
    """A chart cannot be drawn from these results (reported without traceback)."""


@contextmanager
def scaled(size: float = 1.0, font: float = 1.0) -> Iterator[None]:
    """Draw the charts made inside this block with figure sizes times ``size`` and fonts
    times ``font`` (the report draws compact charts this way)."""
    before = dict(_SCALE)
    _SCALE.update(size=size, font=font)
    try:
        yield
    finally:
        _SCALE.update(before)


def _rc() -> dict:
    """The house style at the current scale."""
    rc = dict(STYLE)
    for key in _FONT_KEYS:
        rc[key] = STYLE[key] * _SCALE["font"]
    w, h = STYLE["figure.figsize"]
    rc["figure.figsize"] = (w * _SCALE["size"], h * _SCALE["size"])
    return rc


def _figsize(width: float, height: float) -> tuple[float, float]:
    return width * _SCALE["size"], height * _SCALE["size"]


def _pt(points: float) -> float:
    return points * _SCALE["font"]


def close(fig: Figure) -> None:
    """Release a figure's memory."""
    plt.close(fig)


# ---- provenance and marks ---------------------------------------------------------------
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
        f"{', '.join(_plan(r) for r in results)} · {m['runs']} runs each on common random "
        f"numbers · seed {m['seed']} · {'/'.join(employees)} employees"
    )
    return f"{line} · {extra}" if extra else line


def _plan(result: Result) -> str:
    return str(result.manifest.get("plan") or result.name)


def _weeks(result: Result) -> int:
    return int(result.curves["week"].max())


def _label_rows(windows: list[dict], weeks: int, chars_per_week: float) -> list[int]:
    """A row per strategy label so that labels in one row do not overlap."""
    ends: list[float] = []
    rows = []
    for w in windows:
        start = w["start"] - 0.5
        width = (len(w["label"]) + 2) / chars_per_week
        for r, end in enumerate(ends):
            if start >= end:
                ends[r] = start + width
                rows.append(r)
                break
        else:
            ends.append(start + width)
            rows.append(len(ends) - 1)
    return rows


def mark_strategies(ax, windows: list[dict], weeks: int, labels: bool = True) -> int:
    """Shade each strategy's active weeks on ``ax`` and label it above the plot area.

    Returns the number of label rows used (to make room above the axes).
    """
    colors = [PALETTE["vermillion"], PALETTE["purple"], PALETTE["green"], PALETTE["orange"]]
    fig = ax.figure
    width_pt = fig.get_figwidth() * 72 * ax.get_position().width
    chars_per_week = width_pt / max(weeks, 1) / _pt(5.5)  # about 5.5 pt per character at 9 pt
    rows = _label_rows(windows, weeks, chars_per_week)
    for i, w in enumerate(windows):
        start = w["start"]
        end = weeks if w.get("end") is None else w["end"]
        color = colors[i % len(colors)]
        ax.axvspan(start - 0.5, end + 0.5, color=color, alpha=0.07, lw=0)
        ax.axvline(start - 0.5, color=color, lw=1, ls=":")
        if w.get("end") is not None:
            ax.axvline(end + 0.5, color=color, lw=1, ls=":")
        if labels:
            ax.annotate(
                w["label"],
                xy=(start - 0.5, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(1, 3 + _pt(11) * rows[i]),
                textcoords="offset points",
                fontsize=_pt(9),
                color=color,
                annotation_clip=False,
            )
    return (max(rows) + 1) if (labels and rows) else 0


def _wrap(fig: Figure, text: str, fontsize: float) -> list[str]:
    """``text`` wrapped to the figure's width at ``fontsize``."""
    width = fig.get_figwidth() * 72 / (_pt(fontsize) * 0.56)
    return textwrap.wrap(text, width=max(int(width), 40)) or [""]


def _finish(
    fig: Figure,
    source: str,
    *,
    title: str | None = None,
    note: str | None = None,
    legend: list | None = None,
    tight: bool = True,
) -> tuple[float, float, float, float]:
    """Add the figure title and note at the top, the source line (wrapped) at the bottom,
    an optional legend above it, and lay the axes out in between.

    Returns the free rectangle (left, bottom, right, top) in figure fractions.
    """
    h = fig.get_figheight()
    lines = _wrap(fig, source, 8)
    fig.text(
        0.01,
        0.06 / h,
        "\n".join(lines),
        fontsize=_pt(8),
        color=SOURCE_COLOR,
        va="bottom",
        linespacing=1.3,
    )
    bottom = 0.06 + len(lines) * _pt(8) * 1.3 / 72 + 0.08
    if legend:
        # as many columns as fit the figure's width (about 0.6 em per character)
        entry = max(len(str(p.get_label())) for p in legend) * 0.6 * _pt(10) + 3 * _pt(10)
        ncol = max(1, min(len(legend), int(fig.get_figwidth() * 72 * 0.95 // entry)))
        fig.legend(
            handles=legend,
            loc="lower center",
            ncol=ncol,
            fontsize=_pt(10),
            bbox_to_anchor=(0.5, bottom / h),
        )
        bottom += (0.25 * math.ceil(len(legend) / ncol) + 0.1) * _SCALE["font"]
    top = 0.0
    if title:
        fig.text(0.01, 1 - 0.1 / h, title, fontsize=_pt(14), va="top")
        top = 0.1 + _pt(14) * 1.3 / 72
    if note:
        note_lines = _wrap(fig, note, 9)
        fig.text(
            0.01,
            1 - (top + 0.04) / h,
            "\n".join(note_lines),
            fontsize=_pt(9),
            color=SOURCE_COLOR,
            va="top",
            linespacing=1.3,
        )
        top += 0.04 + len(note_lines) * _pt(9) * 1.3 / 72
    rect = (0.0, bottom / h, 1.0, 1 - (top + 0.16 * _SCALE["font"]) / h if top else 1.0)
    if tight:
        fig.tight_layout(rect=rect)
    return rect


def _percent_axis(ax, top: float = 100) -> None:
    ax.set_ylim(0, top)
    ax.set_ylabel("employees (%)")


def _title(ax, text: str, label_rows: int) -> None:
    ax.set_title(text, pad=6 + _pt(11) * label_rows, loc="left")


# ---- one plan -----------------------------------------------------------------------------
def adoption(result: Result) -> Figure:
    """Active share over time with its 90 % band, habitual and aware share beside it."""
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots()
        curves = result.curves
        weeks = _weeks(result)
        for column, label, color, ls in (
            ("aware_share", "aware", PALETTE["orange"], ":"),
            ("active_share", "active", PALETTE["blue"], "-"),
            ("habitual_share", "habitual", PALETTE["green"], "--"),
        ):
            b = metrics.band(curves, column)
            ax.fill_between(b.index, b["low"] * 100, b["high"] * 100, color=color, alpha=0.2)
            ax.plot(b.index, b["mean"] * 100, color=color, ls=ls, lw=2, label=label)
        rows = mark_strategies(ax, result.strategy_windows, weeks)
        ax.set_xlim(0, weeks)
        _percent_axis(ax, 102)
        ax.set_xlabel("week since launch")
        _title(ax, f"Adoption forecast: {result.name}", rows)
        ax.legend(loc="best")
        _finish(fig, source_line(result))
    return fig


def stages(result: Result) -> Figure:
    """Mean share of employees in each stage over time, as stacked areas."""
    c = result.curves.groupby("week").mean(numeric_only=True)
    voluntary = c["voluntary_share"]
    compliance = c["active_share"] - voluntary
    not_tried = c["aware_share"] - c["trying_share"] - c["active_share"] - c["lapsed_share"]
    layers = [
        ("active, voluntary", voluntary, STAGE_COLORS["active"]),
        ("active, compliance only", compliance, STAGE_COLORS["compliance"]),
        ("trying", c["trying_share"], STAGE_COLORS["trying"]),
        ("lapsed", c["lapsed_share"], STAGE_COLORS["lapsed"]),
        ("aware, not tried", not_tried, STAGE_COLORS["aware"]),
        ("unaware", c["unaware_share"], STAGE_COLORS["unaware"]),
    ]
    if float(compliance.max()) <= 0:
        layers.pop(1)
    weeks = _weeks(result)
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=_figsize(10, 5))
        ax.stackplot(
            c.index,
            *[np.clip(v.to_numpy(), 0, None) * 100 for _, v, _ in layers],
            colors=[col for _, _, col in layers],
            labels=[name for name, _, _ in layers],
            lw=0,
        )
        rows = mark_strategies(ax, result.strategy_windows, weeks)
        ax.set_xlim(0, weeks)
        _percent_axis(ax)
        ax.grid(False)
        ax.set_xlabel("week since launch")
        _title(ax, f"Stages of adoption: {result.name}", rows)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, source_line(result).replace("bands: 90 % of runs", "mean of runs"))
    return fig


def groups(result: Result, by: str = "department", column: str = "active_share") -> Figure:
    """Small multiples: ``column`` over time with its band, one panel per department or role.

    The grey line in every panel is the whole organization, for reference.
    """
    if by not in ("department", "role"):
        raise ValueError(f"by must be 'department' or 'role', got {by!r}")
    data = result.curves_by_department if by == "department" else result.curves_by_role
    if data is None or data.empty or by not in data:
        raise ChartError(f"these results have no curves by {by}")
    names = list(dict.fromkeys(data[by]))
    if by == "role":
        names = [n for n in names if data.loc[data[by] == n, "aware_share"].notna().any()]
    n = len(names)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    nrows = math.ceil(n / ncols)
    weeks = _weeks(result)
    whole = metrics.band(result.curves, column)
    label = column.removesuffix("_share").replace("_", " ")
    with plt.rc_context(_rc()):
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=_figsize(3.6 * ncols + 1.2, 2.6 * nrows + 1.3),
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
                b.index, b["low"] * 100, b["high"] * 100, color=PALETTE["blue"], alpha=0.25
            )
            ax.plot(b.index, b["mean"] * 100, color=PALETTE["blue"], lw=2)
            mark_strategies(ax, result.strategy_windows, weeks, labels=False)
            ax.set_title(name.replace("_", " "), fontsize=_pt(12), loc="left")
            ax.set_xlim(0, weeks)
            ax.set_ylim(0, 100)
            if k % ncols == 0:
                ax.set_ylabel(f"{label} (%)")
            if k // ncols == nrows - 1 or k + ncols >= n:
                ax.set_xlabel("week since launch")
                ax.xaxis.set_tick_params(labelbottom=True)
        strategies = ", ".join(
            f"{w['label']} (weeks {w['start']}–{w['end'] if w['end'] is not None else weeks})"
            for w in result.strategy_windows
        )
        note = "blue: mean with 90 % band · grey: whole organization"
        if strategies:
            note += f" · shaded: {strategies}"
        _finish(
            fig,
            source_line(result),
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


# ---- several plans ------------------------------------------------------------------------
def _results(source: Result | Comparison | Sequence[Result]) -> list[Result]:
    from adoptsim.runs.compare import Comparison
    from adoptsim.runs.result import Result

    if isinstance(source, Comparison):
        return list(source.results)
    if isinstance(source, Result):
        return [source]
    return list(source)


def _plans_strip(ax, results: Sequence[Result], weeks: int, colors: Sequence[str]) -> None:
    """One row per plan with its strategies as bars over the weeks they act."""
    n = len(results)
    for i, r in enumerate(results):
        y = n - 1 - i
        windows = r.strategy_windows
        if not windows:
            ax.text(0.5, y, "no strategy", va="center", fontsize=_pt(9), color=SOURCE_COLOR)
        for w in windows:
            start = w["start"] - 0.5
            end = (weeks if w.get("end") is None else w["end"]) + 0.5
            ax.barh(y, end - start, left=start, height=0.6, color=colors[i], alpha=0.35, lw=0)
            text = w["label"] + ("" if w.get("end") is not None else " →")
            ax.text(
                start + 0.4, y, text, va="center", fontsize=_pt(9), color="#222222", clip_on=True
            )
    ax.set_yticks(range(n), [_plan(r) for r in results][::-1])
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
    results = _results(source)
    colors = [PLAN_COLORS[i % len(PLAN_COLORS)] for i in range(len(results))]
    weeks = max(_weeks(r) for r in results)
    label = column.removesuffix("_share").replace("_", " ")
    n = len(results)
    with plt.rc_context(_rc()):
        if strip:
            fig, (ax, lower) = plt.subplots(
                2,
                1,
                figsize=_figsize(10, 5.2 + 0.32 * n),
                sharex=True,
                gridspec_kw={"height_ratios": [5, 0.5 + 0.4 * n]},
            )
        else:
            fig, ax = plt.subplots(figsize=_figsize(10, 5.5))
        for i, r in enumerate(results):
            b = metrics.band(r.curves, column)
            ls = "--" if i == 0 and n > 1 else "-"
            ax.fill_between(b.index, b["low"] * 100, b["high"] * 100, color=colors[i], alpha=0.15)
            name = _plan(r) + (" (reference)" if i == 0 and n > 1 else "")
            ax.plot(b.index, b["mean"] * 100, color=colors[i], lw=2.2, ls=ls, label=name)
        ax.set_xlim(0, weeks)
        ax.set_ylim(0, 100)
        ax.set_ylabel(f"{label} employees (%)")
        ax.set_title(f"{label.capitalize()} share by plan", loc="left")
        ax.legend(loc="upper left", fontsize=_pt(10))
        if strip:
            _plans_strip(lower, results, weeks, colors)
            lower.set_xlabel("week since launch")
            lower.set_title("strategies by plan", fontsize=_pt(10), loc="left", color=SOURCE_COLOR)
        else:
            ax.set_xlabel("week since launch")
        _finish(fig, comparison_source_line(results, "bands: 90 % of runs"))
    return fig


def plans(source: Comparison | Sequence[Result], row_height: float = 0.45) -> Figure:
    """Each plan's strategies on a timeline of weeks (``row_height`` inches per plan)."""
    results = _results(source)
    colors = [PLAN_COLORS[i % len(PLAN_COLORS)] for i in range(len(results))]
    weeks = max(_weeks(r) for r in results)
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=_figsize(10, 1.4 + row_height * len(results)))
        _plans_strip(ax, results, weeks, colors)
        ax.set_xlabel("week since launch")
        ax.set_title("Plans: strategies and the weeks they act", loc="left")
        _finish(fig, comparison_source_line(results))
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
    from adoptsim.runs.compare import METRICS, plan_name

    if len(comparison.results) < 2:
        raise ChartError("the differences chart needs at least two plans")
    chosen = list(which or METRICS)
    table = comparison.table
    ref = plan_name(comparison.reference)
    others = [p for p in comparison.ranking if p != ref]
    colors = {
        plan_name(r): PLAN_COLORS[i % len(PLAN_COLORS)] for i, r in enumerate(comparison.results)
    }
    ncols = 2 if len(chosen) > 1 else 1
    nrows = math.ceil(len(chosen) / ncols)
    # rows of plan names need room in proportion to the font, not to the figure
    height = (0.9 + 0.42 * len(others)) * _SCALE["font"] / _SCALE["size"]
    with plt.rc_context(_rc()):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=_figsize(12, height * nrows + 1.6), squeeze=False, sharey=True
        )
        for k, ax in enumerate(axes.flat):
            if k >= len(chosen):
                ax.set_visible(False)
                continue
            metric = chosen[k]
            info = METRICS[metric]
            unit, scale = _UNITS[info.unit]
            rows = table[table["metric"] == metric].set_index("scenario")
            ax.set_yticks(range(len(others)), others[::-1])
            ax.set_ylim(-0.7, len(others) + 0.1)
            ax.grid(axis="y", visible=False)
            ax.set_title(info.label.replace(" (voluntary)", ""), fontsize=_pt(12), loc="left")
            if (rows["pairs"] == 0).all():
                ax.text(
                    0.5,
                    0.5,
                    f"{ref} never reached it: no paired difference",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=_pt(10),
                    color=SOURCE_COLOR,
                )
                ax.set_xticks([])
                continue
            ax.axvline(0, color="#888888", lw=1)
            for j, name in enumerate(others):
                y = len(others) - 1 - j
                r = rows.loc[name]
                if r["pairs"] == 0 or pd.isna(r["diff_mean"]):
                    ax.text(
                        0, y, " never reached", va="center", fontsize=_pt(9), color=SOURCE_COLOR
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
                fontsize=_pt(9),
                color=SOURCE_COLOR,
            )
            ax.margins(x=0.12)
            if info.unit == "cost":
                ax.xaxis.set_major_formatter(
                    matplotlib.ticker.FuncFormatter(lambda v, _: _money(v))
                )
        _finish(
            fig,
            comparison_source_line(comparison.results),
            title=f"Paired differences against {ref} (same seeds, run by run)",
            note="dot: mean · thin line: 90 % of paired runs · thick line: 90 % confidence "
            "interval of the mean",
        )
    return fig


def cost_effectiveness(source: Comparison | Sequence[Result]) -> Figure:
    """Each plan's cost against its sustained adoption, both with 90 % intervals; dashed
    lines mark equal cost per sustained adopter."""
    results = _results(source)
    colors = [PLAN_COLORS[i % len(PLAN_COLORS)] for i in range(len(results))]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=_figsize(9, 5.5))
        xs, ys = [], []
        for i, r in enumerate(results):
            agg = r.aggregate
            s, c = agg.loc["sustained_share"], agg.loc["cost"]
            x, y = s["mean"] * 100, c["mean"]
            ax.errorbar(
                x,
                y,
                xerr=[[x - s["low"] * 100], [s["high"] * 100 - x]],
                yerr=[[y - c["low"]], [c["high"] - y]],
                fmt="o",
                color=colors[i],
                ms=9,
                capsize=4,
                lw=1.5,
                mec="white",
                zorder=3,
            )
            xs.append(x)
            ys.append(y)
        ymax = max(max(ys) * 1.25, 1.0)
        ax.set_xlim(0, 105)
        ax.set_ylim(0, ymax)
        ax.set_xlabel("sustained (voluntary) adoption at the end (% of employees)")
        ax.set_ylabel("cost (currency units)")
        ax.set_title("Cost against sustained adoption", loc="left")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _money(v)))
        _finish(fig, comparison_source_line(results, "bars: 90 % of runs"))
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
                    f"{_money(level)} per adopter",
                    fontsize=_pt(8),
                    color="#888888",
                    ha="right",
                    va="bottom",
                    rotation=angle,
                    rotation_mode="anchor",
                )
                taken.append(t.get_window_extent(renderer))
        points = [ax.transData.transform((x, y)) for x, y in zip(xs, ys, strict=True)]
        _place_labels(ax, points, [_plan(r) for r in results], colors, taken)
    return fig


def _place_labels(ax, points, texts, colors, taken=None, fontsize: float = 11) -> None:
    """Label each point (display coordinates) at the offset where its label overlaps the
    fewest other labels and points and stays inside the axes (the first such offset)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    page = fig.bbox
    taken = list(taken or [])
    pad = _pt(7)
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
                fontsize=_pt(fontsize),
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


def _money(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


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
        raise ChartError(
            f"plan {_plan(result)!r} has no week {week} (it runs {_weeks(result)} weeks)",
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
    results = _results(source)
    n = len(results)
    at = min(_weeks(r) for r in results) if week is None else int(week)
    values = [_funnel_values(r, at) for r in results]
    steps = [s for s, _ in FUNNEL]
    with plt.rc_context(_rc()):
        if n == 1:
            fig, ax = plt.subplots(figsize=_figsize(9, 4.6))
            colors = [
                STAGE_COLORS["aware"],
                PALETTE["sky"],
                STAGE_COLORS["active"],
                PALETTE["green"],
            ]
            previous = None
            for j, (mean, lo, hi) in enumerate(values[0]):
                y = len(FUNNEL) - 1 - j
                ax.barh(y, mean, height=0.7, color=colors[j], alpha=0.9)
                ax.errorbar(
                    mean, y, xerr=[[mean - lo], [hi - mean]], color="#333333", capsize=3, lw=1
                )
                text = f"{mean:.0f} %"
                if previous:
                    text += f"  ({100 * mean / previous:.0f} % of {steps[j - 1]})"
                ax.text(hi + 1.5, y, text, va="center", fontsize=_pt(11))
                previous = mean if mean > 0 else None
            ax.set_yticks(range(len(FUNNEL)), steps[::-1])
            ax.set_xlim(0, 125)
            ax.set_xticks(range(0, 101, 20))
            ax.set_xlabel("employees (%)")
            ax.grid(axis="y", visible=False)
            _finish(
                fig,
                source_line(results[0]),
                title=f"Adoption funnel at week {at}: {_plan(results[0])}",
                note=_FUNNEL_NOTE,
            )
            return fig
        colors = [PLAN_COLORS[i % len(PLAN_COLORS)] for i in range(n)]
        fig, ax = plt.subplots(figsize=_figsize(10, 5.5))
        width = 0.84 / n
        # a bar's width in points, to turn value labels upright when they do not fit
        bar_pt = fig.get_figwidth() * 72 * 0.85 / len(FUNNEL) * width
        upright = bar_pt <= 3 * _pt(8) * 0.8
        for i, r in enumerate(results):
            for j, (mean, lo, hi) in enumerate(values[i]):
                x = j + (i - (n - 1) / 2) * width
                ax.bar(
                    x,
                    mean,
                    width=width * 0.92,
                    color=colors[i],
                    alpha=0.9,
                    label=_plan(r) if j == 0 else None,
                )
                ax.errorbar(
                    x, mean, yerr=[[mean - lo], [hi - mean]], color="#333333", capsize=2, lw=0.8
                )
                ax.text(
                    x,
                    hi + 1.5,
                    f"{mean:.0f}",
                    ha="center",
                    va="bottom",
                    fontsize=_pt(8),
                    rotation=90 if upright else 0,
                )
        ax.set_xticks(range(len(FUNNEL)), steps)
        ax.set_xlabel("step of the funnel")
        ax.set_ylim(0, 124 if upright else 112)
        ax.set_yticks(range(0, 101, 20))
        ax.set_ylabel("employees (%)")
        ax.grid(axis="x", visible=False)
        legend = [Patch(color=colors[i], label=_plan(r)) for i, r in enumerate(results)]
        _finish(
            fig,
            comparison_source_line(results),
            title=f"Adoption funnel at week {at} by plan",
            note=_FUNNEL_NOTE,
            legend=legend,
        )
    return fig


# ---- the organization as a network ----------------------------------------------------------
def organization_of(result: Result, replicate: int | None = None) -> Organization:
    """Rebuild the organization a result was run on (from its manifest; no simulation).

    With a new organization per replicate, ``replicate`` chooses which (default 0).
    """
    from pydantic import ValidationError

    from adoptsim.runs.runner import build_org
    from adoptsim.scenario import Scenario

    m = result.manifest
    try:
        spec = Scenario.model_validate(m["scenario"])
    except ValidationError as exc:
        raise ChartError(
            f"the scenario saved with these results does not validate with adoptsim "
            f"{adoptsim_version()} ({exc.error_count()} errors); rerun the scenario",
            source="manifest.json",
        ) from None
    if m.get("scenario_file"):
        spec._source = Path(m["scenario_file"])
    org_spec = spec.organization
    if org_spec.generate is None:
        for key in ("employees", "ties", "graphml"):
            rel = getattr(org_spec, key)
            if rel is None:
                continue
            path = (spec.base_dir or Path.cwd()) / rel
            if not path.exists():
                raise ChartError(
                    f"the organization file {path} this result was run on is gone (the "
                    f"scenario {m.get('scenario_file') or '?'} names {key}: {rel})",
                    source=str(m.get("scenario_file") or "manifest.json"),
                    where=f"organization.{key}",
                )
    per_replicate = bool(m.get("new_org_per_replicate"))
    return build_org(spec, int(m["seed"]), (replicate or 0) if per_replicate else None)


def stages_at(
    events: pd.DataFrame, ids: Sequence[str], weeks: Sequence[int], replicate: int = 0
) -> np.ndarray:
    """Each employee's stage (a :class:`~adoptsim.people.Stage` code) at the end of each of
    ``weeks`` in one replicate, replayed from the activity stream; shape (weeks, employees)."""
    ev = events[(events["replicate"] == replicate) & events["event"].isin(list(STAGE_OF_EVENT))]
    index = pd.Index(np.asarray(ids).astype(str))
    who = index.get_indexer(ev["employee"].astype(str))
    if (who < 0).any():
        unknown = ev["employee"][who < 0].iloc[0]
        raise ChartError(f"the events name employee {unknown!r}, who is not in the organization")
    table = pd.DataFrame(
        {
            "who": who,
            "week": ev["week"].to_numpy(),
            "stage": ev["event"].map({k: int(v) for k, v in STAGE_OF_EVENT.items()}).to_numpy(),
        }
    )
    out = np.full((len(weeks), len(index)), int(Stage.UNAWARE), dtype=np.int8)
    for k, w in enumerate(weeks):
        last = table[table["week"] <= w].drop_duplicates("who", keep="last")
        out[k, last["who"].to_numpy()] = last["stage"].to_numpy()
    return out


def tree_layout(org: Organization, gap: float = 0.02) -> np.ndarray:
    """Radial tree positions (x, y) of every employee: depth in the hierarchy as the radius,
    each manager's reporting subtree as a contiguous sector, and a gap of ``gap`` of the
    circle between the subtrees just below the top (departments stay together)."""
    n = org.n
    manager = np.asarray(org.manager)
    level = np.asarray(org.level).astype(int)
    dept = np.asarray(org.department)
    has_boss = manager >= 0
    n_children = np.bincount(manager[has_boss], minlength=n)
    leaves = (n_children == 0).astype(float)
    depth = int(level.max()) if n else 0
    for lv in range(depth, 0, -1):  # leaves per subtree, bottom up
        at = np.flatnonzero(level == lv)
        np.add.at(leaves, manager[at], leaves[at])
    offset = np.zeros(n)
    roots = np.flatnonzero(~has_boss)
    order = roots[np.lexsort((roots, dept[roots]))]
    offset[order] = np.concatenate([[0], np.cumsum(leaves[order])[:-1]])
    # the sector (subtree just below a single top, or each root of a forest) of everyone
    sector_level = 1 if len(roots) == 1 and depth >= 1 else 0
    sector = np.where(level == sector_level, np.arange(n), -1)
    for lv in range(1, depth + 1):  # first leaf slot of every subtree, top down
        at = np.flatnonzero(level == lv)
        at = at[np.lexsort((at, dept[at], manager[at]))]
        boss = manager[at]
        csum = np.cumsum(leaves[at])
        start = np.r_[0, np.flatnonzero(boss[1:] != boss[:-1]) + 1]
        before = csum - leaves[at]
        before -= np.repeat(before[start], np.diff(np.r_[start, len(at)]))
        offset[at] = offset[boss] + before
        if lv > sector_level:
            sector[at] = sector[boss]
    total = max(float(leaves[roots].sum()), 1.0)
    heads = np.flatnonzero(level == sector_level)
    rank = np.zeros(n)
    if len(heads) > 1:
        ranked = heads[np.argsort(offset[heads], kind="stable")]
        rank_of = np.empty(n)
        rank_of[ranked] = np.arange(len(ranked))
        rank = np.where(sector >= 0, rank_of[np.maximum(sector, 0)], 0.0)
        slot = min(gap * total, 0.3 * total / len(heads))
    else:
        slot = 0.0
    span = total + slot * (len(heads) if len(heads) > 1 else 0)
    angle = 2 * np.pi * (offset + leaves / 2 + slot * rank) / span + np.pi / 2
    radius = level + (1.0 if len(roots) > 1 else 0.0)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def adoptsim_version() -> str:
    """The installed adoptsim version."""

    return __version__


def _default_weeks(weeks: int) -> list[int]:
    return sorted({max(1, round(weeks / 4)), max(1, round(weeks / 2)), weeks})


def _check_weeks(result: Result, weeks: Sequence[int] | None) -> list[int]:
    last = _weeks(result)
    chosen = _default_weeks(last) if not weeks else [int(w) for w in weeks]
    bad = [w for w in chosen if not 0 <= w <= last]
    if bad:
        raise ChartError(f"week {bad[0]} is outside the run (weeks 0–{last})", where="weeks")
    if len(chosen) > 6:
        raise ChartError(f"at most 6 weeks per network chart, got {len(chosen)}", where="weeks")
    return chosen


_NETWORK_STAGES = (
    (Stage.UNAWARE, "unaware", STAGE_COLORS["unaware"]),
    (Stage.AWARE, "aware, not tried", STAGE_COLORS["aware"]),
    (Stage.TRYING, "trying", STAGE_COLORS["trying"]),
    (Stage.ACTIVE, "active", STAGE_COLORS["active"]),
    (Stage.LAPSED, "lapsed", STAGE_COLORS["lapsed"]),
)


def network(
    result: Result,
    weeks: Sequence[int] | None = None,
    replicate: int = 0,
    org: Organization | None = None,
) -> Figure:
    """The organization coloured by each employee's stage at the chosen weeks of one run.

    A radial tree of the reporting lines (the top of the hierarchy in the centre, each
    manager's team in a sector). Organizations above :data:`MAX_NETWORK_EMPLOYEES` are
    refused with a :class:`ChartError`; draw :func:`network_departments` instead.
    """
    employees = int(result.manifest.get("employees") or (org.n if org is not None else 0))
    if employees > MAX_NETWORK_EMPLOYEES:
        raise ChartError(
            f"the organization has {employees:,} employees; the network chart draws at most "
            f"{MAX_NETWORK_EMPLOYEES:,} (one dot each): draw kind 'network-departments', the "
            f"department-level aggregate, instead"
        )
    reps = sorted(result.curves["replicate"].unique())
    if replicate not in reps:
        raise ChartError(
            f"no replicate {replicate} in these results (replicates {reps[0]}–{reps[-1]})",
            where="replicate",
        )
    chosen = _check_weeks(result, weeks)
    org = org if org is not None else organization_of(result, replicate)
    pos = tree_layout(org)
    stage = stages_at(result.events, org.ids, chosen, replicate)
    has = np.flatnonzero(org.manager >= 0)
    segments = np.stack([pos[has], pos[org.manager[has]]], axis=1)
    size = float(np.clip(14000 / org.n, 4, 40))
    colors = np.array([c for _, _, c in _NETWORK_STAGES])
    with plt.rc_context(_rc()):
        k = len(chosen)
        fig, axes = plt.subplots(1, k, figsize=_figsize(4.6 * k + 0.4, 5.6), squeeze=False)
        extent = np.abs(pos).max() * 1.08 + 0.3
        for ax, w, st in zip(axes[0], chosen, stage, strict=True):
            ax.add_collection(LineCollection(segments, colors="#CCCCCC", lw=0.25, zorder=1))
            order = np.argsort(st != Stage.UNAWARE, kind="stable")  # coloured dots on top
            ax.scatter(pos[order, 0], pos[order, 1], s=size, c=colors[st[order]], lw=0, zorder=2)
            ax.set_xlim(-extent, extent)
            ax.set_ylim(-extent, extent)
            ax.set_aspect("equal")
            ax.axis("off")
            active = 100 * np.mean(st == Stage.ACTIVE)
            ax.set_title(f"week {w}: {active:.0f} % active", fontsize=_pt(13))
        _label_departments(axes[0][0], org, pos)
        one_run = source_line(result).replace(
            " · bands: 90 % of runs", f" · one run (replicate {replicate})"
        )
        _finish(
            fig,
            one_run,
            title=f"The organization by stage: {result.name}, run {replicate}",
            note="centre: top of the hierarchy · rings: levels · grey lines: reporting lines "
            "· one dot per employee",
            legend=[Patch(color=col, label=name) for _, name, col in _NETWORK_STAGES],
        )
    return fig


def _label_departments(ax, org: Organization, pos: np.ndarray) -> None:
    """Name each department at the angle where most of its people sit, outside the rings."""
    radius = np.hypot(pos[:, 0], pos[:, 1]).max()
    if len(org.departments) > 12:
        return
    angles = np.arctan2(pos[:, 1], pos[:, 0])
    for code, name in enumerate(org.departments):
        members = org.department == code
        if members.sum() < max(3, 0.02 * org.n):
            continue
        a = angles[members]
        mean = math.atan2(np.sin(a).mean(), np.cos(a).mean())
        x, y = 1.04 * radius * math.cos(mean), 1.04 * radius * math.sin(mean)
        ax.text(
            x,
            y,
            name,
            fontsize=_pt(9),
            color="#333333",
            ha="left" if x > 0.1 else "right" if x < -0.1 else "center",
            va="bottom" if y > 0 else "top",
        )


def network_departments(
    result: Result, weeks: Sequence[int] | None = None, org: Organization | None = None
) -> Figure:
    """Departments as a network at the chosen weeks: circle area = headcount, colour = mean
    active share, line width = ties between departments. Draws organizations of any size."""
    chosen = _check_weeks(result, weeks)
    org = org if org is not None else organization_of(result)
    names = list(org.departments)
    d = len(names)
    headcount = np.bincount(org.department, minlength=d)
    src = org.department[org.edge_src]
    dst = org.department[org.edge_dst]
    cross = src != dst
    ties = np.zeros((d, d))
    np.add.at(ties, (src[cross], dst[cross]), org.edge_weight[cross])
    ties = ties + ties.T
    angle = np.pi / 2 - 2 * np.pi * np.arange(d) / max(d, 1)
    xy = np.column_stack([np.cos(angle), np.sin(angle)]) if d > 1 else np.zeros((1, 2))
    by = result.curves_by_department
    share = by.groupby(["week", "department"])["active_share"].mean()
    cmap = matplotlib.colormaps["cividis"]
    with plt.rc_context(_rc()):
        k = len(chosen)
        fig, axes = plt.subplots(1, k, figsize=_figsize(4.4 * k + 1.2, 5.4), squeeze=False)
        top = ties.max() if ties.size and ties.max() > 0 else 1.0
        area = 2500 * headcount / max(headcount.max(), 1)
        for ax, w in zip(axes[0], chosen, strict=True):
            for i in range(d):
                for j in range(i + 1, d):
                    if ties[i, j] > 0:
                        ax.plot(
                            *xy[[i, j]].T,
                            color="#999999",
                            lw=0.5 + 7 * ties[i, j] / top,
                            alpha=0.6,
                            zorder=1,
                            solid_capstyle="round",
                        )
            values = np.array([share.get((w, name), np.nan) for name in names]) * 100
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=area + 80,
                c=values,
                cmap=cmap,
                vmin=0,
                vmax=100,
                edgecolors="#333333",
                lw=0.8,
                zorder=2,
            )
            for i, name in enumerate(names):
                x, y = xy[i]
                reach = math.sqrt(area[i] + 80) / 2 + 3
                ax.annotate(
                    f"{name}\n{values[i]:.0f} %",
                    (x, y),
                    fontsize=_pt(9),
                    ha="left" if x > 0.2 else "right" if x < -0.2 else "center",
                    va="bottom" if y > 0.2 else "top" if y < -0.2 else "center",
                    xytext=(reach * x, reach * y) if d > 1 else (0, reach),
                    textcoords="offset points",
                    zorder=3,
                )
            ax.set_xlim(-1.7, 1.7)
            ax.set_ylim(-1.7, 1.7)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(f"week {w}", fontsize=_pt(13))
        _, bottom, _, top = _finish(
            fig,
            source_line(result).replace("bands: 90 % of runs", "mean of runs"),
            title=f"Departments by active share: {result.name}",
            note=f"circle area: headcount ({headcount.min():,}–{headcount.max():,} employees) "
            "· line width: ties between departments · colour: active share at that week",
            tight=False,
        )
        fig.subplots_adjust(left=0.02, right=0.88, bottom=bottom, top=top - 0.02, wspace=0.08)
        cax = fig.add_axes(
            (0.91, bottom + 0.1 * (top - bottom), 0.015, 0.7 * (top - bottom)), label="<colorbar>"
        )
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(0, 100))
        bar = fig.colorbar(sm, cax=cax)
        bar.set_label("active share, mean of runs (%)")
    return fig


# ---- by name ------------------------------------------------------------------------------
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
    from adoptsim.runs.compare import Comparison

    if kind not in KINDS:
        raise ChartError(f"unknown chart kind {kind!r}; allowed: {', '.join(KINDS)}")
    is_cmp = isinstance(source, Comparison)
    if kind in PER_PLAN:
        targets = [source]
        if is_cmp:
            targets = [source.result(plan)] if plan else list(source.results)
        out = []
        for r in targets:
            stem = kind if not is_cmp else f"{kind}_{_plan(r)}"
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
    from adoptsim.runs.compare import Comparison

    if isinstance(source, Comparison):
        several = len(source.results) > 1
        return ["compare", *(["differences"] if several else []), "cost", "plans", "funnel"]
    employees = int(source.manifest.get("employees") or 0)
    network_kind = "network" if employees <= MAX_NETWORK_EMPLOYEES else "network-departments"
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


def save(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: png, svg, pdf) and close it."""
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    close(fig)
    return path


__all__ = [
    "KINDS",
    "MAX_NETWORK_EMPLOYEES",
    "PALETTE",
    "STYLE",
    "ChartError",
    "adoption",
    "close",
    "compare_curves",
    "cost_effectiveness",
    "departments",
    "differences",
    "draw",
    "funnel",
    "groups",
    "mark_strategies",
    "network",
    "network_departments",
    "organization_of",
    "plans",
    "roles",
    "source_line",
    "stages",
    "stages_at",
    "tree_layout",
]
