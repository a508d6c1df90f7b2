"""Where a batch runs: one home for every command and function that runs many replicates.

* what to run: a :class:`Job` (a scenario's data, overrides, (point, replicate) rows, the
  seed and the metrics: picklable), run by :func:`run_job` in any process;
* how big a batch of the engine is: :func:`batch_size` (:data:`BATCH_ELEMENTS`
  replicate-employees, defined with the memory budget in :mod:`adoptsim.runs.budget`);
* where: an :class:`Evaluator`, chosen once: :class:`SequentialEvaluator`,
  :class:`ThreadEvaluator`, :class:`ProcessEvaluator` or :class:`DaskEvaluator` (a local
  cluster, or a scheduler's address); :func:`make_evaluator` maps the command line's
  ``--executor/--workers/--scheduler``, :func:`as_evaluator` what a caller passed.

Sweeps hand it jobs (:meth:`Evaluator.evaluate`), calibration its particle batches
(:meth:`Evaluator.map`), optimization its plans (:func:`scenario_jobs`). On Dask::

    from adoptsim.execute import DaskEvaluator
    with DaskEvaluator(scheduler="tcp://10.0.0.5:8786") as ev:  # or workers=4: local
        adoptsim.sweep("experiments/a.yaml", evaluator=ev)
        adoptsim.calibrate("pilot.yaml", "observed.csv", evaluator=ev)

The numbers never depend on the evaluator, the number of workers or the batch size.
``adoptsim.run`` itself runs its batches on threads of the calling process
(:func:`adoptsim.runs.runner.run`), as do :mod:`adoptsim.validation`'s cases.
"""

from __future__ import annotations

from adoptsim.execute.choose import EVALUATORS, EXECUTORS, as_evaluator, make_evaluator
from adoptsim.execute.dask import FAST_MALLOC, DaskEvaluator
from adoptsim.execute.evaluators import (
    Evaluator,
    Mapper,
    MapperEvaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    ThreadEvaluator,
    cores,
    process_context,
    sequential_map,
)
from adoptsim.execute.jobs import (
    Job,
    chunks,
    end_with_parent,
    run_job,
    scenario_jobs,
    scenario_summaries,
    shared_organization,
)
from adoptsim.runs.budget import BATCH_ELEMENTS, batch_size

__all__ = [
    "BATCH_ELEMENTS",
    "EVALUATORS",
    "EXECUTORS",
    "FAST_MALLOC",
    "DaskEvaluator",
    "Evaluator",
    "Job",
    "Mapper",
    "MapperEvaluator",
    "ProcessEvaluator",
    "SequentialEvaluator",
    "ThreadEvaluator",
    "as_evaluator",
    "batch_size",
    "chunks",
    "cores",
    "end_with_parent",
    "make_evaluator",
    "process_context",
    "run_job",
    "scenario_jobs",
    "scenario_summaries",
    "sequential_map",
    "shared_organization",
]
