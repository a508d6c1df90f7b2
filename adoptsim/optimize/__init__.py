"""Optimization of rollout plans: levers, objectives, a budget, and robustness (Optuna)."""

from __future__ import annotations

from adoptsim.optimize.search import optimize
from adoptsim.optimize.spec import Optimization, OptimizeError, load_optimization

__all__ = ["Optimization", "OptimizeError", "load_optimization", "optimize"]
