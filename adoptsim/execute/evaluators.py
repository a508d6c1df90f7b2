"""Evaluators: where batches run, with one interface (in the spirit of EMA Workbench).

* :class:`SequentialEvaluator`: every task in this process, one after the other;
* :class:`ThreadEvaluator`: a pool of ``workers`` threads in this process;
* :class:`ProcessEvaluator`: a pool of ``workers`` local processes (default: all cores),
  each ending itself when this process dies (:func:`~adoptsim.execute.watchdog.end_with_parent`);
* :class:`~adoptsim.execute.dask.DaskEvaluator`: a Dask cluster.

Every evaluator does two things: :meth:`Evaluator.evaluate` runs tasks that are picklable
callables (a sweep's :class:`~adoptsim.runs.jobs.Job` s, a run's batches), handing back each
one's result as it finishes, and :meth:`Evaluator.map` runs any module-level function on
picklable tasks, results in task order (a calibration's particle batches, validation
cases). Numbers do not depend on the evaluator: a task's result is a function of the task
only. Worker processes start from a fork server that has imported the module of the first
task, and end with the process that started them (:mod:`adoptsim.execute.watchdog`).
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any, ClassVar

from adoptsim.errors import AdoptsimError, InputError
from adoptsim.execute.watchdog import end_with_parent

#: called with each task's result as it finishes
Done = Callable[[Any], None]
#: a task of :meth:`Evaluator.evaluate`: a picklable callable without arguments
Task = Callable[[], Any]
#: runs ``fn`` on every task and returns the results in task order
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list]


#: the module every fork server imports first (the engine, ready to run)
WARM = "adoptsim.execute.warm"


def process_context(preload: str) -> mp.context.BaseContext:
    """The start method for worker processes: a fork server that has imported :data:`WARM`
    and ``preload`` (a module; workers start from it quickly), else spawning fresh
    interpreters. A fork server already started keeps what it imported."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([WARM, preload])
        return ctx
    return mp.get_context("spawn")


def start_fork_server() -> None:
    """Start this process's fork server now (if the platform has one), so that its imports
    run beside what this process does before its first task, not after."""
    if "forkserver" in mp.get_all_start_methods():
        mp.get_context("forkserver").set_forkserver_preload([WARM])
        forkserver.ensure_running()


def cores() -> int:
    """The number of processors this process may use (the default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def call[R](task: Callable[[], R]) -> R:
    """``task()``: what a worker does with a task of :meth:`Evaluator.evaluate`."""
    return task()


def sequential_map[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """``[fn(t) for t in tasks]``: every task in this process, one after the other."""
    return [fn(t) for t in tasks]


def check_workers(workers: int | None) -> None:
    """An InputError unless ``workers`` is None or at least 1."""
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", source="--workers")


class Evaluator(ABC):
    """Runs tasks and hands back each one's result as it finishes."""

    #: the name of the ``--executor`` option and of the manifest's sessions
    name: ClassVar[str]
    #: whether tasks run in this process (a task may then hold a callback such as a
    #: progress bar, and need not be picklable)
    in_process: ClassVar[bool] = False

    def __init__(self) -> None:
        self._active = False

    @property
    def workers(self) -> int:
        """How many jobs run at once (the sweep sizes its jobs to keep them busy)."""
        return 1

    def initialize(self) -> None:
        """Acquire what the jobs run on (a pool, a cluster)."""
        self._active = True

    def finalize(self) -> None:
        """Release what :meth:`initialize` acquired."""
        self._active = False

    def __enter__(self) -> Evaluator:
        self.initialize()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finalize()

    @contextmanager
    def session(self) -> Iterator[Evaluator]:
        """The evaluator ready to use: as it is when already entered, else for this block."""
        if self._active:
            yield self
            return
        self.initialize()
        try:
            yield self
        finally:
            self.finalize()

    def evaluate(self, tasks: Iterable[Task], done: Done) -> dict[str, Any]:
        """Run every task (a picklable callable, such as a sweep's job), calling
        ``done(result)`` in this process as each finishes; returns what ran them."""
        with self.session():
            return self._evaluate(iter(tasks), done)

    def map[T, R](self, fn: Callable[[T], R], tasks: Iterable[T]) -> list[R]:
        """``[fn(t) for t in tasks]``, run where this evaluator runs things (``fn`` a
        module-level function and the tasks picklable, unless on threads)."""
        with self.session():
            return self._map(fn, list(tasks))

    @abstractmethod
    def _evaluate(self, tasks: Iterator[Task], done: Done) -> dict[str, Any]: ...

    def _map[T, R](self, fn: Callable[[T], R], tasks: list[T]) -> list[R]:
        return sequential_map(fn, tasks)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


class SequentialEvaluator(Evaluator):
    """Every job in this process, one after the other."""

    name = "sequential"
    in_process = True

    def _evaluate(self, tasks: Iterator[Task], done: Done) -> dict[str, Any]:
        for task in tasks:
            done(task())
        return {}


class _PoolEvaluator(Evaluator):
    """Jobs on a pool of ``workers`` (default: all cores), two queued per worker."""

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        check_workers(workers)
        self._workers = workers or cores()
        self._pool: Executor | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def finalize(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        super().finalize()

    @abstractmethod
    def _new_pool(self, preload: str) -> Executor:
        """A pool whose workers have imported module ``preload`` (the first task's)."""

    def _pool_for(self, preload: str) -> Executor:
        if self._pool is None:
            self._pool = self._new_pool(preload)
        return self._pool

    def _map[T, R](self, fn: Callable[[T], R], tasks: list[T]) -> list[R]:
        if self._workers == 1 or len(tasks) <= 1:
            return sequential_map(fn, tasks)
        try:
            return list(self._pool_for(fn.__module__).map(fn, tasks))
        except BrokenProcessPool as exc:
            self._pool = None
            raise _died(exc) from None

    def _evaluate(self, tasks: Iterator[Task], done: Done) -> dict[str, Any]:
        if self._workers == 1:
            for task in tasks:
                done(task())
            return {}
        first = list(itertools.islice(tasks, 2 * self._workers))
        if not first:
            return {}
        pool = self._pool_for(type(first[0]).__module__)
        pending: set[Future] = set()
        try:
            pending = {pool.submit(call, t) for t in first}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done(_result(fut))
                    nxt = next(tasks, None)
                    if nxt is not None:
                        pending.add(pool.submit(call, nxt))
        except BaseException:
            for fut in pending:
                fut.cancel()
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            pool.shutdown(wait=True)
            raise
        return {}


class ThreadEvaluator(_PoolEvaluator):
    """A pool of ``workers`` threads in this process (default: all cores): no start-up
    cost and nothing to import, for sweeps of seconds; the compiled loops let go of the
    interpreter lock for most of a week, so two threads run about 1.6 times one."""

    name = "threads"
    in_process = True

    def _new_pool(self, preload: str) -> Executor:
        return ThreadPoolExecutor(self._workers, thread_name_prefix="adoptsim-batch")


class ProcessEvaluator(_PoolEvaluator):
    """A pool of ``workers`` local processes (default: all cores; one runs in this process).

    Called from a script, the sweep must run under ``if __name__ == "__main__":``, since the
    worker processes import the script.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers)
        if self._workers > 1:
            start_fork_server()

    def _new_pool(self, preload: str) -> Executor:
        return ProcessPoolExecutor(
            self._workers,
            mp_context=process_context(preload),
            initializer=end_with_parent,
            initargs=(os.getpid(),),
        )


def _result(fut: Future) -> Any:
    try:
        return fut.result()
    except BrokenProcessPool as exc:
        raise _died(exc) from None


def _died(exc: BaseException) -> AdoptsimError:
    return AdoptsimError(
        f"a worker process died ({exc}). Finished runs are stored; run "
        "again to resume. From a Python script, call adoptsim.sweep (or calibrate) under "
        "`if __name__ == '__main__':` (worker processes import the script)"
    )


class MapperEvaluator(Evaluator):
    """Any ``mapper(fn, tasks) -> [fn(t) for t in tasks]`` (results in task order) as an
    evaluator: tasks are handed to it all at once."""

    name = "mapper"

    def __init__(self, mapper: Mapper) -> None:
        super().__init__()
        self._mapper = mapper

    def _evaluate(self, tasks: Iterator[Task], done: Done) -> dict[str, Any]:
        for result in self._mapper(call, list(tasks)):
            done(result)
        return {}

    def _map[T, R](self, fn: Callable[[T], R], tasks: list[T]) -> list[R]:
        return list(self._mapper(fn, tasks))
