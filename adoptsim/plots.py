"""Charts: functions from result DataFrames to matplotlib Figures, in one house style.

Plots never run simulations. Every chart has a title, axis labels with units, intervals
as bands, strategy windows marked on time axes, and a source line in small print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from adoptsim import metrics

if TYPE_CHECKING:
    from adoptsim.result import Result

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
}


def close(fig: Figure) -> None:
    """Release a figure's memory."""
    plt.close(fig)


def source_line(result: Result) -> str:
    """The small-print provenance line of a chart."""
    m = result.manifest
    return (
        f"adoptsim {m.get('adoptsim_version', '')} · scenario {result.name} · "
        f"{m['runs']} runs · seed {m['seed']} · {m.get('employees', '?')} employees · "
        f"bands: 90 % of runs"
    )


def mark_strategies(ax, windows: list[dict], weeks: int) -> None:
    """Shade each strategy's active weeks and label it at the top of ``ax``."""
    colors = list(PALETTE.values())[3:]
    for i, w in enumerate(windows):
        start = w["start"]
        end = weeks if w.get("end") is None else w["end"]
        color = colors[i % len(colors)]
        ax.axvspan(start - 0.5, end + 0.5, color=color, alpha=0.07, lw=0)
        ax.axvline(start - 0.5, color=color, lw=1, ls=":")
        if w.get("end") is not None:
            ax.axvline(end + 0.5, color=color, lw=1, ls=":")
        ax.annotate(
            w["label"],
            xy=(start - 0.5, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -12 - 12 * (i % 4)),
            textcoords="offset points",
            fontsize=9,
            color=color,
        )


def adoption(result: Result) -> Figure:
    """Active share over time with its 90 % band, habitual and aware share beside it."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        curves = result.curves
        weeks = int(curves["week"].max())
        for column, label, color, ls in (
            ("active_share", "active", PALETTE["blue"], "-"),
            ("habitual_share", "habitual", PALETTE["green"], "--"),
            ("aware_share", "aware", PALETTE["orange"], ":"),
        ):
            b = metrics.band(curves, column)
            ax.fill_between(b.index, b["low"] * 100, b["high"] * 100, color=color, alpha=0.2)
            ax.plot(b.index, b["mean"] * 100, color=color, ls=ls, lw=2, label=label)
        mark_strategies(ax, result.strategy_windows, weeks)
        ax.set_xlim(0, weeks)
        ax.set_ylim(0, 100)
        ax.set_xlabel("week since launch")
        ax.set_ylabel("employees (%)")
        ax.set_title(f"Adoption forecast: {result.name}")
        ax.legend(loc="center right")
        fig.text(0.01, 0.01, source_line(result), fontsize=8, color="#555555")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig
