"""The house style of the charts drawn from plain numbers: palette, sizes, strategy marks,
layout (matplotlib only: the chart painter's process imports this and not the results).

Colours come from the Okabe & Ito (2008) colour-blind-safe palette. Every chart has a
title, axis labels with units, intervals as bands or bars, strategy weeks marked on time
axes and a source line in small print (:func:`finish`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib.ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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
SCALE = {"size": 1.0, "font": 1.0}
_FONT_KEYS = ("font.size", "axes.titlesize", "axes.labelsize")


@contextmanager
def scaled(size: float = 1.0, font: float = 1.0) -> Iterator[None]:
    """Draw the charts made inside this block with figure sizes times ``size`` and fonts
    times ``font`` (the report draws compact charts this way)."""
    before = dict(SCALE)
    SCALE.update(size=size, font=font)
    try:
        yield
    finally:
        SCALE.update(before)


def rc_params() -> dict:
    """The house style at the current scale."""
    rc = dict(STYLE)
    for key in _FONT_KEYS:
        rc[key] = STYLE[key] * SCALE["font"]
    w, h = STYLE["figure.figsize"]
    rc["figure.figsize"] = (w * SCALE["size"], h * SCALE["size"])
    return rc


def figsize(width: float, height: float) -> tuple[float, float]:
    return width * SCALE["size"], height * SCALE["size"]


def font_pt(points: float) -> float:
    return points * SCALE["font"]


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, constrained_layout=None, **kw):
    """A figure and its axes as ``pyplot.subplots`` makes them (under the rc parameters in
    force), drawn by Agg outside pyplot: no pyplot to import, no figure manager to close
    it from; ``kw`` go to :meth:`Figure.subplots`."""
    fig = Figure(figsize=figsize, constrained_layout=constrained_layout)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **kw)


def close(fig: Figure) -> None:
    """Release a figure's memory."""
    fig.clear()


# ---- marks ------------------------------------------------------------------------------
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
    chars_per_week = width_pt / max(weeks, 1) / font_pt(5.5)  # about 5.5 pt per character at 9 pt
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
                xytext=(1, 3 + font_pt(11) * rows[i]),
                textcoords="offset points",
                fontsize=font_pt(9),
                color=color,
                annotation_clip=False,
            )
    return (max(rows) + 1) if (labels and rows) else 0


def _wrap(fig: Figure, text: str, fontsize: float) -> list[str]:
    """``text`` wrapped to the figure's width at ``fontsize``."""
    width = fig.get_figwidth() * 72 / (font_pt(fontsize) * 0.56)
    return textwrap.wrap(text, width=max(int(width), 40)) or [""]


def finish(
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
        fontsize=font_pt(8),
        color=SOURCE_COLOR,
        va="bottom",
        linespacing=1.3,
    )
    bottom = 0.06 + len(lines) * font_pt(8) * 1.3 / 72 + 0.08
    if legend:
        # as many columns as fit the figure's width (about 0.6 em per character)
        entry = max(len(str(p.get_label())) for p in legend) * 0.6 * font_pt(10) + 3 * font_pt(10)
        ncol = max(1, min(len(legend), int(fig.get_figwidth() * 72 * 0.95 // entry)))
        fig.legend(
            handles=legend,
            loc="lower center",
            ncol=ncol,
            fontsize=font_pt(10),
            bbox_to_anchor=(0.5, bottom / h),
        )
        bottom += (0.25 * math.ceil(len(legend) / ncol) + 0.1) * SCALE["font"]
    top = 0.0
    if title:
        fig.text(0.01, 1 - 0.1 / h, title, fontsize=font_pt(14), va="top")
        top = 0.1 + font_pt(14) * 1.3 / 72
    if note:
        note_lines = _wrap(fig, note, 9)
        fig.text(
            0.01,
            1 - (top + 0.04) / h,
            "\n".join(note_lines),
            fontsize=font_pt(9),
            color=SOURCE_COLOR,
            va="top",
            linespacing=1.3,
        )
        top += 0.04 + len(note_lines) * font_pt(9) * 1.3 / 72
    rect = (0.0, bottom / h, 1.0, 1 - (top + 0.16 * SCALE["font"]) / h if top else 1.0)
    if tight:
        fig.tight_layout(rect=rect)
    return rect


def percent_axis(ax, top: float = 100) -> None:
    ax.set_ylim(0, top)
    ax.set_ylabel("employees (%)")


def title_above(ax, text: str, label_rows: int) -> None:
    ax.set_title(text, pad=6 + font_pt(11) * label_rows, loc="left")


def money(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}" if round(v) != 0 else "0"


def whisker(ax, at: float, low: float, high: float, *, horizontal: bool = False, **style) -> None:
    """Draw the interval ``low``..``high`` at ``at`` as an error bar with caps.

    The interval is drawn on its own, not around a mean: a mean may lie outside the 90 %
    of runs (e.g. when most runs reach 100 % and one does not).
    """
    mid, half = (low + high) / 2, max(high - low, 0.0) / 2
    if horizontal:
        ax.errorbar(mid, at, xerr=half, fmt="none", **style)
    else:
        ax.errorbar(at, mid, yerr=half, fmt="none", **style)


def save(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: png, svg, pdf) and close it."""
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    close(fig)
    return path


def week_axis(ax) -> None:
    """Label ``ax``'s x axis as weeks since launch, with whole-week ticks."""
    ax.set_xlabel("week since launch")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
