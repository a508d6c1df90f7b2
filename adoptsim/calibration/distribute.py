"""Where a calibration's particle batches run: threads here, one after another, local
processes, or a Dask cluster.

A calibration hands its batches to a *mapper*: ``mapper(fn, tasks) -> [fn(t) for t in
tasks]``, results in task order. Each task is a picklable value and ``fn`` a module-level
function, so a batch can run in another process or on another machine; its numbers depend on
the task alone (its particles and the replicate indices they were given), never on where it
ran, so the same seed gives the same posterior on every executor.

The sweeps' evaluators (:mod:`adoptsim.sweeps.evaluators`) sit in a layer beside this one, so
this module does not import them: :func:`mapper_of` takes any *evaluator-like* object with the
evaluators' face — ``name`` (``sequential``, ``threads``, ``processes`` or ``dask``),
``workers``, a
``session()`` context manager and, on Dask, ``client`` (a ``distributed.Client``) — or a plain
mapper callable. The command line builds the evaluator with the sweeps' ``make_evaluator``
(the same ``--executor``, ``--workers`` and ``--scheduler`` as ``adoptsim sweep``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from adoptsim.errors import AdoptsimError
from adoptsim.runs.runner import in_parallel, process_context

#: runs ``fn`` on every task and returns the results in task order
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list]
#: the executors a calibration can name (``threads``: this process, batches on threads)
EXECUTORS = ("threads", "sequential", "processes", "dask")


def thread_mapper(workers: int | None = None) -> Mapper:
    """Batches on up to ``workers`` threads of this process (the default: NumPy releases the
    interpreter lock in its array loops, so batches overlap)."""

    def run[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        return in_parallel([lambda t=t: fn(t) for t in tasks], workers)

    return run


def sequential_mapper[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """Every batch in this process, one after the other."""
    return [fn(t) for t in tasks]


@contextmanager
def process_mapper(workers: int) -> Iterator[Mapper]:
    """A pool of ``workers`` local processes for the block (from a script: under
    ``if __name__ == "__main__":``, since the workers import it)."""
    pool = ProcessPoolExecutor(workers, mp_context=process_context("adoptsim.calibration.fit"))

    def run[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        try:
            return list(pool.map(fn, tasks))
        except BrokenProcessPool as exc:  # pragma: no cover - a worker killed from outside
            raise AdoptsimError(f"a calibration worker process died ({exc})") from None

    try:
        yield run
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_mapper(client: Any) -> Mapper:
    """Batches as tasks of the Dask cluster behind ``client``."""

    def run[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        futures = client.map(fn, list(tasks), pure=False)
        try:
            return client.gather(futures)
        finally:
            for f in futures:
                f.release()

    return run


@contextmanager
def mapper_of(evaluator: Any = None, workers: int | None = None) -> Iterator[Mapper]:
    """The mapper of ``evaluator`` for the block: None (threads of this process, up to
    ``workers``), a mapper callable, or an evaluator-like object (see the module's
    docstring), opened for the block unless it is already open."""
    if evaluator is None:
        yield thread_mapper(workers)
        return
    if callable(evaluator) and not hasattr(evaluator, "session"):
        yield evaluator
        return
    with evaluator.session() as ev:
        client = getattr(ev, "client", None)
        if client is not None:
            yield dask_mapper(client)
        elif getattr(ev, "name", "") == "processes" and ev.workers > 1:
            with process_mapper(ev.workers) as run:
                yield run
        elif getattr(ev, "name", "") == "threads":
            yield thread_mapper(ev.workers)
        else:
            yield sequential_mapper


def executor_name(evaluator: Any) -> str:
    """How the batches ran, for the summary: threads, sequential, processes or dask."""
    if evaluator is None:
        return "threads"
    return str(getattr(evaluator, "name", "mapper"))
