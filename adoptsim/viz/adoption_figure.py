"""The adoption chart drawn from plain numbers (matplotlib and the theme only): what the
chart painter's process draws for ``adoptsim run``, and what
:func:`adoptsim.viz.curves.adoption` draws in-process."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from adoptsim.viz import theme

#: the adoption chart's series: column, label, colour, line style
SERIES = (
    ("aware_share", "aware", theme.PALETTE["orange"], ":"),
    ("active_share", "active", theme.PALETTE["blue"], "-"),
    ("habitual_share", "habitual", theme.PALETTE["green"], "--"),
)


def draw_adoption(
    bands: dict[str, dict[str, np.ndarray]],
    windows: list[dict],
    weeks: int,
    title: str,
    source: str,
) -> Figure:
    """Active share over time with its 90 % band, habitual and aware share beside it.

    ``bands`` holds, per column of :data:`SERIES`, the arrays ``week``, ``mean``, ``low``
    and ``high`` (shares); ``windows`` the strategies' windows; ``weeks`` the horizon."""
    with matplotlib.rc_context(theme.rc_params()):
        fig, ax = theme.subplots()
        for column, label, color, ls in SERIES:
            b = bands[column]
            ax.fill_between(b["week"], b["low"] * 100, b["high"] * 100, color=color, alpha=0.2)
            ax.plot(b["week"], b["mean"] * 100, color=color, ls=ls, lw=2, label=label)
        rows = theme.mark_strategies(ax, windows, weeks)
        ax.set_xlim(0, weeks)
        theme.percent_axis(ax, 102)
        theme.week_axis(ax)
        theme.title_above(ax, title, rows)
        ax.legend(loc="best")
        theme.finish(fig, source)
    return fig
