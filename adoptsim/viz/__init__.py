"""Charts drawn from results or saved result folders.

:func:`save_charts` writes the charts that go next to saved results (``adoption.png``,
``comparison.png``); :func:`draw` makes any chart kind by name; :mod:`adoptsim.viz.plots`
gathers every chart function. This package gives each of its names on first use (PEP 562;
import them by name, ``from adoptsim.viz import save_charts``: there is no star import),
so that importing one module of the package (the chart painter's process imports
:mod:`adoptsim.viz.paint`) does not import every chart and the results they read.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    """A module of the package, or a name of :data:`adoptsim.viz.plots.__all__`, imported
    on first use."""
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    plots = importlib.import_module(f"{__name__}.plots")
    if name not in plots.__all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(plots, name)
    return value
