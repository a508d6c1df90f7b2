"""Rollout strategies: the interface and registry (:mod:`.base`) and the library."""

from adoptsim.strategies import core  # noqa: F401  (registers the core strategies)
from adoptsim.strategies.base import (
    REGISTRY,
    CostSpec,
    Strategy,
    StrategyParams,
    TargetSpec,
    register,
)

__all__ = ["REGISTRY", "CostSpec", "Strategy", "StrategyParams", "TargetSpec", "register"]
