"""The levers strategies pull: this week's settings, reset at the start of every week."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np


class Levers:
    """This week's settings made by the strategies; reset at the start of every week.

    Everything is ``None`` until a strategy touches it, and then an ``(R, N)`` array.

    * ``awareness[channel]``: weekly probability of becoming aware through that channel;
    * ``utility[source]``: log-odds added to the new tool's utility, attributed to ``source``;
    * ``control[source]``: log-odds of external pressure, a mandate or a tangible reward
      (use counted as compliance when only this made the employee use the tool);
    * ``threat``: 0..1 intensity of freedom threat; moves resentment toward the employee's
      need for autonomy;
    * ``legacy_drop``: usefulness units taken off the legacy tool (through
      :meth:`drop_legacy`, which attributes the log-odds it adds to the new tool);
      ``legacy_retired``: the legacy tool can no longer be used (its habit only decays);
    * ``influence``: multiplier of an employee's weight in their neighbours' decisions;
    * ``usefulness_bonus``: experienced usefulness added (a use case for the group);
    * ``effort_factor``: multiplier of effort expectancy (training lowers it);
    * ``support``: facilitating conditions added;
    * ``access``: who may use the tool at all (a pilot restricts it);
    * ``reward``: 0..1 salience of a tangible reward for this week's use; each rewarded
      week of use moves the user's crowding-out toward 1 (incentives).
    """

    FIELDS = (
        "threat",
        "legacy_drop",
        "legacy_retired",
        "influence",
        "usefulness_bonus",
        "effort_factor",
        "support",
        "access",
        "reward",
    )
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "threat": 0.0,
        "legacy_drop": 0.0,
        "legacy_retired": False,
        "influence": 1.0,
        "usefulness_bonus": 0.0,
        "effort_factor": 1.0,
        "support": 0.0,
        "access": True,
        "reward": 0.0,
    }

    def __init__(self, shape: tuple[int, int]):
        self.shape = shape
        self.awareness: dict[str, np.ndarray] = {}
        self.utility: dict[str, np.ndarray] = {}
        self.control: dict[str, np.ndarray] = {}
        self.legacy_drop_by: dict[str, np.ndarray] = {}
        for name in self.FIELDS:
            setattr(self, name, None)

    def get(self, name: str) -> np.ndarray | Any:
        """The lever's array, or its scalar default when no strategy touched it."""
        value = getattr(self, name)
        return self.DEFAULTS[name] if value is None else value

    def array(self, name: str) -> np.ndarray:
        """The lever's array, created with its default on first use (for in-place edits)."""
        value = getattr(self, name)
        if value is None:
            default = self.DEFAULTS[name]
            dtype = bool if isinstance(default, bool) else float
            value = np.full(self.shape, default, dtype=dtype)
            setattr(self, name, value)
        return value

    def add_utility(self, source: str, values: np.ndarray) -> None:
        """Add log-odds ``values`` (broadcast to (R, N)) to the new tool, attributed to source."""
        self._accumulate(self.utility, source, values)

    def add_control(self, source: str, values: np.ndarray) -> None:
        """Add log-odds of compliance pressure (broadcast to (R, N)), attributed to source."""
        self._accumulate(self.control, source, values)

    def drop_legacy(self, source: str, mask: np.ndarray, units: float) -> None:
        """Take ``units`` of usefulness off the legacy tool where ``mask`` (broadcast to
        (R, N)); the log-odds this adds to the new tool are attributed to ``source``."""
        self.array("legacy_drop")[np.broadcast_to(mask, self.shape)] += units
        self._accumulate(self.legacy_drop_by, source, units * np.asarray(mask, dtype=float))

    def _accumulate(self, terms: dict[str, np.ndarray], source: str, values) -> None:
        v = np.broadcast_to(values, self.shape)
        terms[source] = terms[source] + v if source in terms else np.array(v, dtype=float)

    def add_awareness(self, channel: str, prob: np.ndarray) -> None:
        """Add a weekly awareness probability (broadcast to (R, N)) through ``channel``."""
        p = np.broadcast_to(prob, self.shape)
        if channel in self.awareness:
            old = self.awareness[channel]
            self.awareness[channel] = 1.0 - (1.0 - old) * (1.0 - p)
        else:
            self.awareness[channel] = np.array(p, dtype=float)
