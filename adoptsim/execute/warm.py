"""What the fork server of a process pool imports before it forks its workers: the engine,
the scenario schema, the strategies and the libraries they load, with Numba's compiler
started, so that every worker begins ready instead of paying for them on its first task.

Imported by name through multiprocessing's fork-server preload
(:func:`adoptsim.execute.evaluators.start_fork_server`); it defines nothing to call.
"""

from __future__ import annotations

from numba import njit

import adoptsim.model.engine
import adoptsim.scenario
import adoptsim.strategies  # noqa: F401


@njit(cache=True)
def _started(x: float) -> float:
    return x + 1.0


_started(0.0)  # Numba's compiler target starts on a first call (about 0.2 s)
