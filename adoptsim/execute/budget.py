"""What a run will take: memory and time estimated before it starts, checked against a limit.

The estimate is deliberately on the high side. Measured peaks on the baseline scenario
(docs/performance.md) were 66-82 % of it: 2,000 employees x 100 runs 349 MB of 506 MB
estimated, 100,000 x 10 runs 520 of 791 MB, 300,000 x 3 runs 796 of 972 MB, 1,000,000 x 1
run 981 of 1,497 MB; the first run on a fresh machine, which compiles the loops, 453 of
574 MB (20,000 x 20 runs).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from adoptsim.errors import InputError

#: bytes of the interpreter with adoptsim and its libraries loaded (measured: 235-245 MB),
#: and the compiler's while it compiles the loops on a machine's first run (up to 150 MB;
#: a fresh clone's first run of 20 x 20,000 employees peaked at 614 MB against 601 MB
#: estimated with 400 MB here, 2026-12-07, and at 425 MB in another fresh clone: 480 MB)
BASE_BYTES = 480 * 2**20
#: bytes per employee of the organization and its ties (about 5 ties each)
ORG_BYTES = 600
#: bytes per replicate-employee of a batch in flight (state, traits, work arrays)
STATE_BYTES = 250
#: bytes per row of the events table, and rows per employee and run (measured: 2.4)
EVENT_BYTES = 100
EVENTS_PER_PERSON = 3.0
#: replicates x employees per batch: small enough for a batch's state (about 200 bytes per
#: element) to stay in the processor's cache; larger batches run slower, not faster
#: (measured in benchmarks/run.py)
BATCH_ELEMENTS = 100_000
#: seconds per replicate-employee-week on one thread (measured: 60-100 ns)
SECONDS_PER_ELEMENT_WEEK = 1.0e-7

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


@dataclass(frozen=True)
class Estimate:
    """Peak memory (bytes, this process) and wall time (seconds) a run is expected to take."""

    memory: int
    seconds: float
    what: str

    def describe(self) -> str:
        """``about 1.2 GB and 40 s`` for messages."""
        return f"about {format_size(self.memory)} and {format_duration(self.seconds)}"


def batch_size(employees: int, per_replicate: int = 1) -> int:
    """Replicates in one batch of the engine on ``employees`` (``per_replicate``: rows
    that each replicate stands for, e.g. a calibration's replicates per particle): about
    :data:`BATCH_ELEMENTS` elements, at least one."""
    return max(1, BATCH_ELEMENTS // max(employees * per_replicate, 1))


def estimate_run(
    employees: int,
    runs: int,
    weeks: int,
    workers: int,
    batch_elements: int,
    new_org_per_replicate: bool = False,
) -> Estimate:
    """The memory and time of an ensemble of ``runs`` on ``employees``."""
    in_flight = max(employees, min(runs * employees, batch_elements)) * max(1, workers)
    orgs = runs if new_org_per_replicate else 1
    memory = (
        BASE_BYTES
        + ORG_BYTES * employees * orgs
        + STATE_BYTES * min(in_flight, runs * employees)
        + EVENT_BYTES * EVENTS_PER_PERSON * employees * runs
    )
    threads = min(max(1, workers), max(1, math.ceil(runs * employees / batch_elements)))
    seconds = SECONDS_PER_ELEMENT_WEEK * employees * runs * weeks / (0.8 * threads)
    what = f"{employees:,} employees x {runs:,} runs x {weeks:,} weeks"
    return Estimate(int(memory), seconds, what)


def estimate_processes(per_process: Estimate, processes: int, jobs: int) -> Estimate:
    """``processes`` workers each running jobs like ``per_process``, ``jobs`` in all."""
    processes = max(1, processes)
    memory = per_process.memory * processes
    seconds = per_process.seconds * jobs / (0.8 * processes if processes > 1 else 1)
    return Estimate(int(memory), seconds, f"{processes} processes x ({per_process.what})")


def available_memory() -> int | None:
    """Bytes of memory this machine can still give (MemAvailable), or None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def parse_size(text: str, source: str = "--max-memory") -> int:
    """``4GB``, ``512M``, ``1.5g`` or a number of bytes, as bytes."""
    m = _SIZE.match(str(text))
    if not m:
        raise InputError(f"{text!r} is not a size; write e.g. 8GB, 512MB or 1.5G", source=source)
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def format_size(n: float) -> str:
    """Bytes as ``1.2 GB`` or ``350 MB``."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB"


def format_duration(seconds: float) -> str:
    """Seconds as ``40 s``, ``12 min`` or ``3.5 h``."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_memory(estimate: Estimate, limit: int | None = None, knobs: str = "--runs") -> None:
    """An InputError when ``estimate`` needs more than ``limit`` bytes (default: what the
    machine has available, plus this process's own share already counted in the base)."""
    if limit is None:
        free = available_memory()
        if free is None:
            return
        limit = free + BASE_BYTES
    if estimate.memory <= limit:
        return
    raise InputError(
        f"{estimate.what} needs about {format_size(estimate.memory)} of memory, more than "
        f"the {format_size(limit)} allowed; lower {knobs}, use fewer employees, or set "
        "--max-memory (max_memory= from Python) if you know the machine has more",
        source="memory",
    )
