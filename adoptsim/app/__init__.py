"""The workshop app: build a rollout plan on screen, run it, compare it, take it away.

:mod:`~adoptsim.app.state` holds the state and actions as plain Python,
:mod:`~adoptsim.app.plan` the strategy library and its widgets, :mod:`~adoptsim.app.charts`
the charts as PNG, :mod:`~adoptsim.app.server` starts the server. The Solara page,
:mod:`adoptsim.app.page`, is imported only by the server (Solara is not imported here).
"""

from __future__ import annotations

from adoptsim.app.server import DEFAULT_HOST, DEFAULT_PORT, serve
from adoptsim.app.state import AppState, scenario_files, to_yaml

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "AppState", "scenario_files", "serve", "to_yaml"]
