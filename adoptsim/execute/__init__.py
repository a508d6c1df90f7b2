"""Where a batch runs: one home for every command and function that runs many replicates.

* how a batch is built: :func:`.simulations.build_simulation` (a simulation of some
  replicates of a scenario, each with its own values if given) on
  :func:`.simulations.build_org` (the scenario's organization from its own random stream;
  not imported here, so that the command line's start-up does not load the engine);
* how big a batch of the engine is: :func:`batch_size` (:data:`BATCH_ELEMENTS`
  replicate-employees, beside the memory and time estimates in :mod:`.budget`);
* where: an :class:`Evaluator`, chosen once: :class:`SequentialEvaluator`,
  :class:`ThreadEvaluator`, :class:`ProcessEvaluator` (each worker ends with its parent:
  :mod:`.watchdog`) or :class:`DaskEvaluator` (a local cluster, or a scheduler's address);
  :func:`make_evaluator` maps the command line's ``--executor/--workers/--scheduler``,
  :func:`as_evaluator` what a caller passed (None: threads of this process).

Every caller hands its batches to an evaluator: ``adoptsim.run`` (hence ``forecast``,
``compare``, the app), sweeps (their :class:`~adoptsim.runs.jobs.Job` s), calibration (its
particle batches), optimization (its plans' jobs), backtests and the validation cases.
An evaluator runs picklable callables (:meth:`Evaluator.evaluate`, each result handed
back as it finishes) or a module-level function on picklable tasks (:meth:`Evaluator.map`,
results in order). On Dask, from Python::

    import adoptsim
    from adoptsim.execute import DaskEvaluator
    with DaskEvaluator(scheduler="tcp://10.0.0.5:8786") as ev:  # or workers=4: local
        adoptsim.run("scenarios/baseline.yaml", runs=1000, evaluator=ev)
        adoptsim.sweep("experiments/a.yaml", evaluator=ev)
        adoptsim.calibrate("pilot.yaml", "observed.csv", evaluator=ev)

and from the shell, the same commands with ``--scheduler tcp://10.0.0.5:8786`` (or
``--executor dask --workers 4``). The numbers never depend on the evaluator, the number
of workers or the batch size (``tests/test_execution_pins.py``).

This layer sits below ``runs/``: it knows how to build and where to run a batch, not what
a run collects (a sweep's jobs and ``adoptsim.run``'s batches are defined in ``runs/``).
"""

from __future__ import annotations

from adoptsim.execute.budget import BATCH_ELEMENTS, batch_size
from adoptsim.execute.choose import EVALUATORS, EXECUTORS, as_evaluator, make_evaluator
from adoptsim.execute.dask import FAST_MALLOC, DaskEvaluator
from adoptsim.execute.evaluators import (
    Evaluator,
    Mapper,
    MapperEvaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    Task,
    ThreadEvaluator,
    call,
    cores,
    process_context,
    sequential_map,
)
from adoptsim.execute.watchdog import end_with_parent

__all__ = [
    "BATCH_ELEMENTS",
    "EVALUATORS",
    "EXECUTORS",
    "FAST_MALLOC",
    "DaskEvaluator",
    "Evaluator",
    "Mapper",
    "MapperEvaluator",
    "ProcessEvaluator",
    "SequentialEvaluator",
    "Task",
    "ThreadEvaluator",
    "as_evaluator",
    "batch_size",
    "call",
    "cores",
    "end_with_parent",
    "make_evaluator",
    "process_context",
    "sequential_map",
]
