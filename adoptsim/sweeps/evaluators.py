"""Evaluators: what runs a sweep's jobs, with one interface (in the spirit of EMA Workbench).

* :class:`SequentialEvaluator`: every job in this process, one after the other;
* :class:`ThreadEvaluator`: a pool of ``workers`` threads in this process;
* :class:`ProcessEvaluator`: a pool of ``workers`` local processes (default: all cores);
* :class:`DaskEvaluator`: a Dask cluster, given as a ``distributed.Client`` you already
  have (left open), a scheduler address, or nothing (a local cluster, started and closed).

An evaluator is used for one sweep, or, as a context manager, for several::

    with DaskEvaluator(workers=4) as evaluator:   # one local cluster for both sweeps
        adoptsim.sweep("experiments/a.yaml", evaluator=evaluator)
        adoptsim.sweep("experiments/b.yaml", evaluator=evaluator)

Rows do not depend on the evaluator: a job's rows are a function of the job only.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
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
from typing import Any, ClassVar

import pandas as pd

from adoptsim.errors import AdoptsimError, InputError
from adoptsim.runs.runner import process_context
from adoptsim.sweeps.jobs import Job, end_with_parent, run_job

Done = Callable[[pd.DataFrame], None]

#: Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which disables glibc's
#: dynamic mmap threshold: every temporary array of the engine is then mapped and unmapped,
#: and a run takes about twice as long (measured). Our local clusters unset it; workers of
#: an outside cluster can be started with
#: DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_=None
FAST_MALLOC = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def cores() -> int:
    """The CPU cores this process may use (the default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1 (got {workers})", source="--workers")


class Evaluator(ABC):
    """Runs jobs and hands back each job's rows as it finishes."""

    #: the name of the ``--executor`` option and of the manifest's sessions
    name: ClassVar[str]

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

    def evaluate(self, jobs: Iterable[Job], done: Done) -> dict[str, Any]:
        """Run every job, calling ``done(rows)`` as each finishes; returns what ran them."""
        with self.session():
            return self._evaluate(iter(jobs), done)

    @abstractmethod
    def _evaluate(self, jobs: Iterator[Job], done: Done) -> dict[str, Any]: ...

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


class SequentialEvaluator(Evaluator):
    """Every job in this process, one after the other."""

    name = "sequential"

    def _evaluate(self, jobs: Iterator[Job], done: Done) -> dict[str, Any]:
        for job in jobs:
            done(run_job(job))
        return {}


class _PoolEvaluator(Evaluator):
    """Jobs on a pool of ``workers`` (default: all cores), two queued per worker."""

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        _check_workers(workers)
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
    def _new_pool(self) -> Executor: ...

    def _evaluate(self, jobs: Iterator[Job], done: Done) -> dict[str, Any]:
        if self._workers == 1:
            for job in jobs:
                done(run_job(job))
            return {}
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        pending: set[Future] = set()
        try:
            pending = {pool.submit(run_job, j) for j in itertools.islice(jobs, 2 * self._workers)}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done(_result(fut))
                    nxt = next(jobs, None)
                    if nxt is not None:
                        pending.add(pool.submit(run_job, nxt))
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

    def _new_pool(self) -> Executor:
        return ThreadPoolExecutor(self._workers, thread_name_prefix="adoptsim-sweep")


class ProcessEvaluator(_PoolEvaluator):
    """A pool of ``workers`` local processes (default: all cores; one runs in this process).

    Called from a script, the sweep must run under ``if __name__ == "__main__":``, since the
    worker processes import the script.
    """

    name = "processes"

    def _new_pool(self) -> Executor:
        return ProcessPoolExecutor(
            self._workers,
            mp_context=process_context("adoptsim.sweeps.jobs"),
            initializer=end_with_parent,
            initargs=(os.getpid(),),
        )


def _result(fut: Future) -> pd.DataFrame:
    try:
        return fut.result()
    except BrokenProcessPool as exc:
        raise AdoptsimError(
            f"a worker process died ({exc}). Finished runs are stored; run "
            "again to resume. From a Python script, call adoptsim.sweep under "
            "`if __name__ == '__main__':` (worker processes import the script)"
        ) from None


class DaskEvaluator(Evaluator):
    """A Dask cluster: ``client`` (a ``distributed.Client`` you have; it stays open), or
    ``scheduler`` (an address such as ``tcp://host:8786``, given up on after ``timeout``
    seconds), or neither: a ``LocalCluster`` of ``workers`` single-threaded processes
    (default: all cores), closed after use."""

    name = "dask"

    def __init__(
        self,
        client: Any = None,
        scheduler: Any = None,
        workers: int | None = None,
        timeout: float = 20.0,
    ) -> None:
        super().__init__()
        _check_workers(workers)
        if client is not None and scheduler is not None:
            raise InputError("give a Dask client or a scheduler address, not both")
        if (
            client is None
            and scheduler is not None
            and not isinstance(scheduler, str | os.PathLike)
        ):
            client, scheduler = scheduler, None  # a Client passed as the scheduler
        self._given = client
        self._scheduler = None if scheduler is None else _check_address(str(scheduler))
        self._workers = workers
        self._timeout = timeout
        self._client: Any = None
        self._cluster: Any = None
        self._threads: int | None = None

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` in use (None outside a session)."""
        return self._client

    @property
    def workers(self) -> int:
        return self._threads or self._workers or cores()

    def initialize(self) -> None:
        from distributed import Client

        if self._given is not None:
            self._client = self._given
        elif self._scheduler is not None:
            self._client = _connect(Client, self._scheduler, self._timeout)
        else:
            self._cluster, self._client = _local_cluster(self._workers or cores())
        self._threads = max(1, sum(self._client.nthreads().values()))
        super().initialize()

    def finalize(self) -> None:
        try:
            if self._client is not None and self._client is not self._given:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            self._client = self._cluster = None
            super().finalize()

    def _evaluate(self, jobs: Iterator[Job], done: Done) -> dict[str, Any]:
        from distributed import as_completed

        client = self._client
        nthreads = client.nthreads()
        threads = max(1, sum(nthreads.values()))
        info = {"scheduler": client.scheduler.address, "workers": len(nthreads), "threads": threads}
        first = [client.submit(run_job, j, pure=False) for j in itertools.islice(jobs, 2 * threads)]
        queue = as_completed(first)
        for fut in queue:
            done(fut.result())
            fut.release()
            nxt = next(jobs, None)
            if nxt is not None:
                queue.add(client.submit(run_job, nxt, pure=False))
        return info


#: a scheduler address: an optional protocol, a host and a port (tcp://10.0.0.5:8786)
_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+]*://)?(?:\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+):\d{1,5}")


def _connect(client_class: Any, address: str, timeout: float) -> Any:
    """A client of the scheduler at ``address``, or an InputError when it does not answer
    as a Dask scheduler within ``timeout`` seconds. The connection is made in a daemon
    thread, abandoned when late: a peer that accepts and stays silent would otherwise hang
    the client past its own timeout."""
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = client_class(address, timeout=f"{timeout}s")
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=attempt, name="adoptsim-dask-connect", daemon=True)
    worker.start()
    worker.join(timeout + 2)
    if "client" in outcome:
        return outcome["client"]
    exc = outcome.get("error")
    reason = (" ".join(str(exc).split())[:200] or type(exc).__name__) if exc else "no answer"
    raise InputError(
        f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({reason}); check "
        "the address and that the scheduler runs (`dask scheduler` prints its address)",
        source="--scheduler",
    )


def _check_address(address: str) -> str:
    """``address`` if it looks like a scheduler's address, else an InputError saying how
    one looks."""
    if not _ADDRESS.fullmatch(address.strip()):
        raise InputError(
            f"{address!r} is not a scheduler address; write protocol://host:port, e.g. "
            "tcp://10.0.0.5:8786 (the address `dask scheduler` prints)",
            source="--scheduler",
        )
    return address.strip()


def _local_cluster(workers: int) -> tuple[Any, Any]:
    """A ``LocalCluster`` of single-threaded worker processes and its client."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(FAST_MALLOC):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    return cluster, Client(cluster)


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
    _check_workers(workers)
    if scheduler is not None or executor == "dask":
        return DaskEvaluator(scheduler=scheduler, workers=workers)
    if executor == "processes":
        return ProcessEvaluator(workers)
    if executor == "threads":
        return ThreadEvaluator(workers)
    return SequentialEvaluator()
