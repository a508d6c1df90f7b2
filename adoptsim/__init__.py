"""adoptsim: forecast how a new workplace tool spreads through an organization.

The public names below are imported on first use (PEP 562), so that ``import adoptsim``
is quick and a run never imports what it does not use (Mesa, scipy.stats, networkx,
matplotlib, SALib, dask). Submodules are reachable as attributes too
(``adoptsim.scenario``), as when they were imported eagerly.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from adoptsim.errors import AdoptsimError, InputError, OrganizationError, ScenarioError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from adoptsim.agents import Employee
    from adoptsim.compare import Comparison, compare
    from adoptsim.model import AdoptionModel
    from adoptsim.people import Stage
    from adoptsim.result import Result
    from adoptsim.runner import run
    from adoptsim.scenario import Scenario, load_scenario
    from adoptsim.sweep import Experiment, load_experiment, sweep

#: public name -> the module that defines it
_LAZY = {
    "AdoptionModel": "adoptsim.model",
    "Comparison": "adoptsim.compare",
    "Employee": "adoptsim.agents",
    "Experiment": "adoptsim.sweep",
    "Result": "adoptsim.result",
    "Scenario": "adoptsim.scenario",
    "Stage": "adoptsim.people",
    "compare": "adoptsim.compare",
    "load_experiment": "adoptsim.sweep",
    "load_scenario": "adoptsim.scenario",
    "run": "adoptsim.runner",
    "sweep": "adoptsim.sweep",
}

#: functions named like the module that defines them: ``adoptsim.sweep`` is the function;
#: the module's other names: ``from adoptsim.sweep import ...``
_SHADOWED = ("compare", "sweep")


def __getattr__(name: str) -> Any:
    """A public name or a submodule, imported on first use."""
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


class _Package(types.ModuleType):
    """The package module; keeps ``adoptsim.compare`` and ``adoptsim.sweep`` the functions."""

    def __setattr__(self, name: str, value: Any) -> None:
        # importing the submodule adoptsim.sweep (or .compare) binds it on the package
        # after the submodule has run; bind the function of the same name instead
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
    "compare",
    "load_experiment",
    "load_scenario",
    "run",
    "sweep",
]
