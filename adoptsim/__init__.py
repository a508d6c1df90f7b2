"""adoptsim: forecast how a new workplace tool spreads through an organization.

The public names below are imported on first use (PEP 562), so that ``import adoptsim``
is quick and a run never imports what it does not use (Mesa, scipy.stats, networkx,
matplotlib, SALib, dask). Submodules are reachable as attributes too
(``adoptsim.scenario``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from adoptsim.errors import AdoptsimError, InputError, OrganizationError, ScenarioError
from adoptsim.version import __version__

if TYPE_CHECKING:
    from adoptsim.calibration import calibrate, forecast
    from adoptsim.mesa import AdoptionModel, Employee
    from adoptsim.model.people import Stage
    from adoptsim.runs.compare import Comparison, compare
    from adoptsim.runs.result import Result
    from adoptsim.runs.runner import run
    from adoptsim.scenario import Scenario, load_scenario
    from adoptsim.sweeps import Experiment, load_experiment, sweep

#: public name -> the module that defines it
_LAZY = {
    "AdoptionModel": "adoptsim.mesa",
    "Comparison": "adoptsim.runs.compare",
    "Employee": "adoptsim.mesa",
    "Experiment": "adoptsim.sweeps",
    "Result": "adoptsim.runs.result",
    "Scenario": "adoptsim.scenario",
    "Stage": "adoptsim.model.people",
    "calibrate": "adoptsim.calibration",
    "compare": "adoptsim.runs.compare",
    "forecast": "adoptsim.calibration",
    "load_experiment": "adoptsim.sweeps",
    "load_scenario": "adoptsim.scenario",
    "run": "adoptsim.runs.runner",
    "sweep": "adoptsim.sweeps",
}


def __getattr__(name: str) -> Any:
    """A public name or a subpackage, imported on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AdoptionModel",
    "AdoptsimError",
    "Comparison",
    "Employee",
    "Experiment",
    "InputError",
    "OrganizationError",
    "Result",
    "Scenario",
    "ScenarioError",
    "Stage",
    "__version__",
    "calibrate",
    "compare",
    "forecast",
    "load_experiment",
    "load_scenario",
    "run",
    "sweep",
]
