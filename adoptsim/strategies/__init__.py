"""Rollout strategies: the interface and registry (:mod:`.base`) and the library."""

from adoptsim.strategies import (
    adapt,  # noqa: F401  (registers adapt: listen and adapt)
    communication,  # noqa: F401  (internal_marketing, storytelling, executive_reminders)
    core,  # noqa: F401  (registers the core strategies)
    motivation,  # noqa: F401  (incentives, model_behavior)
    seeding,  # noqa: F401  (registers seed_adopters)
    structure,  # noqa: F401  (pilot, use_case, new_use_cases, tool_consolidation)
    support,  # noqa: F401  (community_management, training)
)
from adoptsim.strategies.base import (
    REGISTRY,
    CostSpec,
    Strategy,
    StrategyParams,
    TargetSpec,
    register,
)

__all__ = ["REGISTRY", "CostSpec", "Strategy", "StrategyParams", "TargetSpec", "register"]
