"""The Dask evaluator: jobs and tasks on a Dask cluster, local or at a scheduler's address.

A worker lost part-way (killed, its machine gone) costs nothing but time: the scheduler
runs its unfinished tasks again on the other workers, and since a task's result is a
function of the task only, every row arrives exactly once with the same numbers
(tests/test_dask_cluster.py kills one).
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from adoptsim.errors import InputError
from adoptsim.execute.evaluators import Done, Evaluator, Task, call, check_workers, cores

#: Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which disables glibc's
#: dynamic mmap threshold: every temporary array of the engine is then mapped and unmapped,
#: and a run takes about twice as long (measured). Our local clusters unset it; workers of
#: an outside cluster can be started with
#: DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__MALLOC_TRIM_THRESHOLD_=None
FAST_MALLOC = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


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
        check_workers(workers)
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

    def _evaluate(self, tasks: Iterator[Task], done: Done) -> dict[str, Any]:
        from distributed import as_completed

        client = self._client
        nthreads = client.nthreads()
        threads = max(1, sum(nthreads.values()))
        info = {"scheduler": client.scheduler.address, "workers": len(nthreads), "threads": threads}
        first = [client.submit(call, t, pure=False) for t in itertools.islice(tasks, 2 * threads)]
        queue = as_completed(first)
        for fut in queue:
            done(fut.result())
            fut.release()
            nxt = next(tasks, None)
            if nxt is not None:
                queue.add(client.submit(call, nxt, pure=False))
        return info

    def _map[T, R](self, fn: Callable[[T], R], tasks: list[T]) -> list[R]:
        futures = self._client.map(fn, tasks, pure=False)
        try:
            return self._client.gather(futures)
        finally:
            for f in futures:
                f.release()


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
