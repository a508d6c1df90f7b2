"""Decisions during a rollout: which pilot teaches most for its cost, and what to do next."""

from __future__ import annotations

from adoptsim.decide.pilot import PilotAnalysis, pilot
from adoptsim.decide.spec import PilotError, PilotStudy, load_pilots

__all__ = ["PilotAnalysis", "PilotError", "PilotStudy", "load_pilots", "pilot"]
