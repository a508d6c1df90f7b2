"""The orphan watchdog: a worker process ends itself once the process that started its pool
is gone (SIGKILL, a closed terminal), instead of running its queued tasks for nobody."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def end_with_parent(owner: int, interval: float = 0.5) -> None:
    """Worker initializer: the worker exits once the process ``owner`` is gone.

    Every process pool of :mod:`adoptsim.execute` starts its workers with it; they notice
    within ``interval`` seconds. The fork server and the resource tracker that
    multiprocessing starts beside them end by themselves once the owner and the workers
    have closed their pipes (``tests/test_orphans.py``).
    """

    def watch() -> None:
        while alive(owner):
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="adoptsim-end-with-parent", daemon=True).start()


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: existence is all we know
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
