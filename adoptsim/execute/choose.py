"""Choosing an evaluator: by the command line's names, or from what a caller passed."""

from __future__ import annotations

from typing import Any

from adoptsim.errors import InputError
from adoptsim.execute.dask import DaskEvaluator
from adoptsim.execute.evaluators import (
    Evaluator,
    MapperEvaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    ThreadEvaluator,
    check_workers,
)

#: the evaluators by ``--executor`` name
EVALUATORS: dict[str, type[Evaluator]] = {
    e.name: e for e in (SequentialEvaluator, ThreadEvaluator, ProcessEvaluator, DaskEvaluator)
}
EXECUTORS = tuple(EVALUATORS)


def make_evaluator(
    executor: str | None = None, workers: int | None = None, scheduler: Any = None
) -> Evaluator:
    """The evaluator of the command-line options: ``executor`` (``sequential``,
    ``processes`` (default) or ``dask``), ``workers``, and ``scheduler`` (an address or a
    ``distributed.Client``, which implies ``dask``)."""
    executor = executor or "processes"
    if executor == "auto":  # without an experiment to estimate: a cluster if named
        executor = "dask" if scheduler is not None else "processes"
    if executor not in EVALUATORS:
        raise InputError(
            f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}", source="--executor"
        )
    check_workers(workers)
    if scheduler is not None or executor == "dask":
        return DaskEvaluator(scheduler=scheduler, workers=workers)
    if executor == "processes":
        return ProcessEvaluator(workers)
    if executor == "threads":
        return ThreadEvaluator(workers)
    return SequentialEvaluator()


def as_evaluator(evaluator: Any = None, workers: int | None = None) -> Evaluator:
    """``evaluator`` as an :class:`Evaluator`: None gives threads of this process (up to
    ``workers``), an evaluator is itself, and a ``mapper(fn, tasks)`` callable is wrapped."""
    if evaluator is None:
        return ThreadEvaluator(workers)
    if isinstance(evaluator, Evaluator):
        return evaluator
    if callable(evaluator):
        return MapperEvaluator(evaluator)
    raise InputError(
        f"not an evaluator: {evaluator!r} (give an adoptsim.execute evaluator, a mapper "
        "callable, or None)"
    )
