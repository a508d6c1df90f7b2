"""Calibration on an observed pilot (ABC-SMC), forecasts that carry its uncertainty, and
assimilation of per-person observations as the rollout goes (a particle filter)."""

from __future__ import annotations

from adoptsim.calibration.abc import SMCResult, abc_smc, weighted_quantile
from adoptsim.calibration.assimilate import Assimilation, assimilate
from adoptsim.calibration.files import assimilated_forecast, forecast, save_calibration
from adoptsim.calibration.fit import calibrate, predictive
from adoptsim.calibration.observed import Observed, ObservedError, read_observed
from adoptsim.calibration.persons import PersonObserved, read_persons
from adoptsim.calibration.result import Calibration
from adoptsim.calibration.spec import FitParameter, check_fit, parse_fit

__all__ = [
    "Assimilation",
    "Calibration",
    "FitParameter",
    "Observed",
    "ObservedError",
    "PersonObserved",
    "SMCResult",
    "abc_smc",
    "assimilate",
    "assimilated_forecast",
    "calibrate",
    "check_fit",
    "forecast",
    "parse_fit",
    "predictive",
    "read_observed",
    "read_persons",
    "save_calibration",
    "weighted_quantile",
]
