"""The Bass (1969) model fitted by least squares, the benchmark of a calibrated forecast.

Bass, F. M. (1969), A new product growth for model consumer durables, Management Science
15(5):215-227. The cumulative adopted share is

    F(t) = m (1 - exp(-(p + q) t)) / (1 + (q / p) exp(-(p + q) t))

with innovation ``p``, imitation ``q`` and market size ``m``. Here ``m`` is fixed at the
whole population (m = 1 of shares) unless ``fit_market`` is asked for.
(Taken from the ``calib`` branch's ``adoptsim/calibration/bass.py``.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

#: least-squares starting values of p and q (a start for the search, not an estimate)
START = (0.01, 0.3)
#: the search's bounds of p and q
BOUNDS = ((1e-6, 0.0), (1.0, 5.0))


def bass_cumulative(t: np.ndarray, p: float, q: float, m: float = 1.0) -> np.ndarray:
    """The Bass model's cumulative adopted share at times ``t`` (t = 0: nobody)."""
    t = np.asarray(t, float)
    e = np.exp(-(p + q) * t)
    return m * (1 - e) / (1 + (q / p) * e)


@dataclass(frozen=True)
class BassFit:
    """Fitted innovation ``p``, imitation ``q`` and market size ``m`` (a share)."""

    p: float
    q: float
    m: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """The fitted cumulative share at times ``t``."""
        return bass_cumulative(t, self.p, self.q, self.m)


def fit_bass(t: np.ndarray, cumulative: np.ndarray, fit_market: bool = False) -> BassFit:
    """Least-squares ``p``, ``q`` (and ``m`` with ``fit_market``; else m = 1, the whole
    population) on a cumulative share observed at times ``t`` (scipy ``curve_fit``)."""
    t = np.asarray(t, float)
    y = np.asarray(cumulative, float)
    if len(t) < (3 if fit_market else 2):
        raise ValueError(f"fitting Bass needs at least as many points as parameters (got {len(t)})")
    with warnings.catch_warnings():
        # with as many points as parameters the fit is exact and has no covariance
        warnings.simplefilter("ignore", OptimizeWarning)
        if fit_market:
            popt, _ = curve_fit(
                bass_cumulative,
                t,
                y,
                p0=(*START, max(y.max(), 0.05)),
                bounds=([*BOUNDS[0], max(y.max(), 1e-6)], [*BOUNDS[1], 1.0]),
                maxfev=20_000,
            )
            return BassFit(*(float(v) for v in popt))
        popt, _ = curve_fit(
            lambda tt, p, q: bass_cumulative(tt, p, q, 1.0),
            t,
            y,
            p0=START,
            bounds=BOUNDS,
            maxfev=20_000,
        )
    return BassFit(float(popt[0]), float(popt[1]), 1.0)
