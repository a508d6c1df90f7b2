"""adoptsim: forecast how a new workplace tool spreads through an organization."""

__version__ = "0.1.0"

from adoptsim.compare import Comparison, compare
from adoptsim.errors import AdoptsimError, InputError, OrganizationError, ScenarioError
from adoptsim.model import AdoptionModel
from adoptsim.people import Employee, Stage
from adoptsim.result import Result
from adoptsim.runner import run
from adoptsim.scenario import Scenario, load_scenario

# `adoptsim.sweep` is the function; the module's other names: `from adoptsim.sweep import ...`
from adoptsim.sweep import Experiment, load_experiment, sweep

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
