"""The curve models a forecast is judged against: Bass, logistic, Gompertz and the naive
last value, each fitted by least squares on the periods before a forecast's origin.

* ``bass``: Bass (1969) with the market at the whole population (m = 1);
* ``bass_m``: Bass with the market size fitted (at most the whole population);
* ``logistic``: ``m / (1 + exp(-k (t - t0)))`` (Griliches 1957's hybrid-corn curve);
* ``gompertz``: ``m exp(-b exp(-c t))`` (the asymmetric growth curve of the technology
  forecasting literature; Meade & Islam 2006, International Journal of Forecasting 22:519);
* ``naive``: the last observed share, held (the random-walk forecast).

Each is a point forecast: its CRPS equals its absolute error, and it has no band. A fit
that does not converge from any of its starting points gives no forecast (NaN), which the
backtest reports as such.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from adoptsim.calibration.bass import fit_bass

#: the curve models, in the order of the backtest's tables
CURVES = ("bass", "bass_m", "logistic", "gompertz", "naive")
#: the fewest points each needs (as many as its parameters)
MIN_POINTS = {"bass": 2, "bass_m": 3, "logistic": 3, "gompertz": 3, "naive": 1}

Forecast = Callable[[np.ndarray], np.ndarray]


def logistic(t: np.ndarray, m: float, k: float, t0: float) -> np.ndarray:
    """The logistic curve."""
    return m / (1.0 + np.exp(-k * (np.asarray(t, float) - t0)))


def gompertz(t: np.ndarray, m: float, b: float, c: float) -> np.ndarray:
    """The Gompertz curve."""
    return m * np.exp(-b * np.exp(-c * np.asarray(t, float)))


def _least_squares(
    f: Callable, t: np.ndarray, y: np.ndarray, starts: list[tuple], bounds: tuple
) -> np.ndarray | None:
    """The best least-squares parameters over ``starts``, or None when no start converges."""
    best, best_sse = None, np.inf
    for p0 in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                popt, _ = curve_fit(f, t, y, p0=p0, bounds=bounds, maxfev=20_000)
        except (RuntimeError, ValueError):
            continue
        sse = float(np.sum((f(t, *popt) - y) ** 2))
        if np.isfinite(sse) and sse < best_sse:
            best, best_sse = popt, sse
    return best


def fit_curve(name: str, t: np.ndarray, y: np.ndarray) -> Forecast | None:
    """The fitted curve ``name`` of :data:`CURVES` as a function of periods, or None when
    the fit fails or there are too few points."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    if len(t) < MIN_POINTS[name]:
        return None
    top = max(float(y.max()), 1e-6)
    if name == "naive":
        last = float(y[np.argmax(t)])
        return lambda tt: np.full(np.shape(tt), last)
    if name in ("bass", "bass_m"):
        try:
            return fit_bass(t, y, fit_market=name == "bass_m")
        except (RuntimeError, ValueError):
            return None
    mid = float(np.median(t))
    if name == "logistic":
        starts = [(min(1.0, 2 * top), 0.5, mid), (1.0, 0.3, t.max()), (top, 1.0, mid)]
        bounds = ([top, 1e-4, -1e3], [1.0, 20.0, 1e3])
        popt = _least_squares(logistic, t, y, starts, bounds)
        return None if popt is None else (lambda tt, p=popt: logistic(tt, *p))
    starts = [(min(1.0, 2 * top), 3.0, 0.2), (1.0, 5.0, 0.1), (top, 2.0, 0.5)]
    bounds = ([top, 1e-4, 1e-4], [1.0, 1e3, 20.0])
    popt = _least_squares(gompertz, t, y, starts, bounds)
    return None if popt is None else (lambda tt, p=popt: gompertz(tt, *p))
