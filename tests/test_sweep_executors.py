"""Evaluators give the same rows; a killed sweep resumes and ends with every row once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from adoptsim.errors import InputError
from adoptsim.sweeps import (
    DaskEvaluator,
    ProcessEvaluator,
    SequentialEvaluator,
    Store,
    SweepStats,
    experiment_from_data,
    make_evaluator,
    sweep,
)
from tests.conftest import ROOT, SMALL, deep_update

BASE = deep_update(
    SMALL,
    {
        "name": "execbase",
        "weeks": 8,
        "organization": {"generate": {"employees": 200}},
        "strategies": [
            {
                "type": "evangelists",
                "start": 1,
                "end": 6,
                "target": {"select": "random", "count": 5},
            }
        ],
    },
)


def experiment(tmp_path, **over) -> dict:
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(BASE))
    data = {
        "name": "exec",
        "scenario": str(base),
        "design": "latin_hypercube",
        "samples": 6,
        "replicates": 3,
        "seed": 5,
        "parameters": [
            {"path": "behavior.w_habit", "low": 0.1, "high": 0.5},
            {"path": "strategies[evangelists].target.count", "low": 0, "high": 20},
        ],
        "metrics": ["final_active_share", "sustained_share", "weeks_to_25", "lapses"],
    }
    data.update(over)
    return data


def test_same_rows_sequential_processes_and_dask(tmp_path):
    from distributed import LocalCluster

    exp = experiment_from_data(experiment(tmp_path))
    seq = sweep(exp, store=False, executor="sequential")
    assert len(seq) == 18 and (seq["status"] == "ok").all()
    assert seq["final_active_share"].nunique() > 6  # the points differ
    stats = SweepStats()
    procs = sweep(exp, out=tmp_path / "p", executor="processes", workers=2, stats=stats)
    # each point has its own evangelist count, so its replicates form a job of their own
    assert len(Store(tmp_path / "p").part_files()) == 6
    pd.testing.assert_frame_equal(procs, seq)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        # by address, as `adoptsim sweep --scheduler tcp://host:8786` does
        stats = SweepStats()
        dask = sweep(
            exp, out=tmp_path / "d", scheduler=cluster.scheduler_address, chunk_size=1, stats=stats
        )
        assert stats.info["workers"] == 2 and stats.info["scheduler"] == cluster.scheduler_address
    pd.testing.assert_frame_equal(dask, seq)
    manifest = Store(tmp_path / "d").manifest()
    assert manifest["sessions"][-1]["executor"] == "dask"


def test_a_killed_sweep_resumes_with_every_row_exactly_once(tmp_path):
    data = experiment(tmp_path, name="killed", design="grid", replicates=2)
    data.pop("samples")
    data["parameters"] = [
        {"path": "behavior.w_habit", "low": 0.1, "high": 0.5, "num": 6},
        {"path": "strategies[evangelists].target.count", "values": [0, 5, 10, 20]},
    ]
    path = tmp_path / "killed.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "adoptsim.cli", "sweep", str(path), "--out", str(out)]
    cmd += ["--chunk", "2"]  # a part per point
    proc = subprocess.Popen(
        [*cmd, "--executor", "sequential"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    parts = out / "parts"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 3:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(list(parts.glob("part-*.parquet")))
    assert 3 <= done < 24, "the sweep was not interrupted part-way"
    assert Store(out).manifest()["status"] == "running"
    assert not (out / "results.parquet").exists()

    res = subprocess.run(
        [*cmd, "--executor", "sequential"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert f"{done * 2} already stored" in res.stdout
    raw = Store(out).read_parts()
    assert len(raw) == 48 and not raw.duplicated(["point", "replicate"]).any()
    table = pd.read_parquet(out / "results.parquet")
    expected = sweep(experiment_from_data(data, source=path), store=False, executor="sequential")
    pd.testing.assert_frame_equal(table, expected)
    assert Store(out).manifest()["status"] == "complete"


@pytest.mark.parametrize("workers", [0, -2])
def test_bad_worker_counts_are_input_errors(tmp_path, workers):
    with pytest.raises(InputError, match="workers"):
        sweep(experiment(tmp_path), store=False, workers=workers)


def test_evaluator_classes_give_the_same_rows_and_a_given_client_stays_open(tmp_path):
    from distributed import Client, LocalCluster

    exp = experiment_from_data(experiment(tmp_path))
    seq = sweep(exp, store=False, evaluator=SequentialEvaluator())
    pd.testing.assert_frame_equal(seq, sweep(exp, store=False, executor="sequential"))
    procs = ProcessEvaluator(2)
    with procs:  # one pool for both sweeps
        first = sweep(exp, out=tmp_path / "p", evaluator=procs)
        again = sweep(exp, store=False, evaluator=procs, chunk_size=1)
    pd.testing.assert_frame_equal(first, seq)
    pd.testing.assert_frame_equal(again, seq)
    assert Store(tmp_path / "p").manifest()["sessions"][-1]["executor"] == "processes"
    with (
        LocalCluster(n_workers=2, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        stats = SweepStats()
        dask = sweep(exp, out=tmp_path / "d", evaluator=DaskEvaluator(client=client), stats=stats)
        assert client.status == "running"  # not closed by the evaluator
        assert stats.info["scheduler"] == cluster.scheduler_address
        assert client.submit(sum, [1, 2]).result() == 3
    pd.testing.assert_frame_equal(dask, seq)
    assert Store(tmp_path / "d").manifest()["sessions"][-1]["executor"] == "dask"


def test_a_dask_evaluator_starts_and_closes_its_own_cluster(tmp_path):
    exp = experiment_from_data(experiment(tmp_path, samples=2, replicates=2))
    evaluator = DaskEvaluator(workers=2)
    with evaluator:
        client = evaluator.client
        assert evaluator.workers == 2
        stats = SweepStats()
        table = sweep(exp, store=False, evaluator=evaluator, stats=stats)
        assert client.status == "running"  # still open within the block
    assert evaluator.client is None and client.status == "closed"
    assert stats.info["workers"] == 2
    pd.testing.assert_frame_equal(table, sweep(exp, store=False, executor="sequential"))


def test_make_evaluator_follows_the_command_line_options():
    assert isinstance(make_evaluator("sequential"), SequentialEvaluator)
    assert isinstance(make_evaluator(), ProcessEvaluator)
    assert make_evaluator("processes", workers=3).workers == 3
    assert isinstance(make_evaluator("processes", scheduler="tcp://localhost:1"), DaskEvaluator)
    assert isinstance(make_evaluator("dask"), DaskEvaluator)
    assert make_evaluator("threads", workers=2).name == "threads"
    with pytest.raises(InputError, match="unknown executor"):
        make_evaluator("gpu")
    with pytest.raises(InputError, match="workers"):
        ProcessEvaluator(0)


def test_an_evaluator_and_executor_options_together_are_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not both"):
        sweep(experiment(tmp_path), store=False, evaluator=SequentialEvaluator(), executor="dask")
