"""A sweep on a real Dask cluster: a scheduler and two workers as separate processes over
TCP, one worker killed part-way; every row exactly once, the same numbers as sequentially."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from adoptsim.sweeps import Store, SweepStats, sweep
from tests.test_sweep import base_file, experiment  # noqa: F401 (fixture)

ROOT = Path(__file__).parents[1]
DASK = Path(sys.executable).with_name("dask")

pytestmark = pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [str(DASK), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture
def cluster():
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers (their
    processes, to kill one)."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    worker_args = ["worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
    workers = [start(*worker_args, "--name", f"w{i}") for i in range(2)]
    procs += workers
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="2s") as client:
                    if len(client.nthreads()) == 2:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the Dask cluster did not start within 60 s")
            time.sleep(0.5)
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_a_sweep_survives_a_killed_worker_with_every_row_once(cluster, base_file, tmp_path):  # noqa: F811
    address, workers = cluster
    exp = experiment(
        base_file,
        parameters=[
            {"path": "behavior.w_habit", "values": [0.2, 0.25, 0.3, 0.35, 0.4]},
            {"path": "strategies[evangelists].target.count", "values": [2, 4, 6, 8, 10, 12]},
        ],
    )
    reference = sweep(exp, out=tmp_path / "seq", executor="sequential")
    killed = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 10 and not killed.is_set():
            killed.set()
            os.killpg(workers[0].pid, signal.SIGKILL)

    stats = SweepStats()
    out = tmp_path / "dask"
    table = sweep(exp, out=out, scheduler=address, chunk_size=1, progress=progress, stats=stats)
    assert killed.is_set(), "the sweep should have run long enough to lose a worker"
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert stats.info["workers"] == 2 and stats.info["scheduler"] == address
    raw = Store(out).read_parts()
    assert len(raw) == len(reference) == 90
    assert not raw.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(table, reference)
    shutil.rmtree(out)
