"""adoptsim: forecast how a new workplace tool spreads through an organization."""

__version__ = "0.1.0"

from adoptsim.errors import AdoptsimError, InputError, OrganizationError, ScenarioError
from adoptsim.model import AdoptionModel
from adoptsim.people import Employee, Stage
from adoptsim.result import Result
from adoptsim.runner import run
from adoptsim.scenario import Scenario, load_scenario

__all__ = [
    "AdoptionModel",
    "AdoptsimError",
    "Employee",
    "InputError",
    "OrganizationError",
    "Result",
    "Scenario",
    "ScenarioError",
    "Stage",
    "__version__",
    "load_scenario",
    "run",
]
