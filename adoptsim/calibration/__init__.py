"""Calibration on an observed pilot (ABC-SMC) and forecasts that carry its uncertainty."""

from __future__ import annotations

from adoptsim.calibration.abc import SMCResult, abc_smc, weighted_quantile
from adoptsim.calibration.files import forecast, save_calibration
from adoptsim.calibration.fit import calibrate, predictive
from adoptsim.calibration.observed import Observed, ObservedError, read_observed
from adoptsim.calibration.result import Calibration
from adoptsim.calibration.spec import FitParameter, check_fit, parse_fit

__all__ = [
    "Calibration",
    "FitParameter",
    "Observed",
    "ObservedError",
    "SMCResult",
    "abc_smc",
    "calibrate",
    "check_fit",
    "forecast",
    "parse_fit",
    "predictive",
    "read_observed",
    "save_calibration",
    "weighted_quantile",
]
