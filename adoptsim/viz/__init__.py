"""Charts drawn from results or saved result folders.

:func:`save_charts` writes the charts that go next to saved results (``adoption.png``,
``comparison.png``); :func:`draw` makes any chart kind by name; :mod:`adoptsim.viz.plots`
gathers every chart function, and this package re-exports them.
"""

from __future__ import annotations

from adoptsim.viz import plots
from adoptsim.viz.plots import *  # noqa: F403  (the names listed in plots.__all__)

__all__ = ["plots", *plots.__all__]
