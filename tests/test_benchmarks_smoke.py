"""The benchmark code still runs (tiny sizes; the figures themselves live in benchmarks/)."""

from __future__ import annotations

import numpy as np

from benchmarks import generated_inputs, run, scale


def test_the_benchmark_tasks_run_at_tiny_sizes():
    row = scale.task_scale(n=300, weeks=2)
    assert row["employees"] == 300 and row["ties"] > 0 and row["peak_mb"] > 0
    util = run.task_utility(n=300, weeks=2, strategies=True)
    assert util
    ens = run.task_ensemble(n=300, weeks=2, runs=4, workers=1, repeats=1)
    assert ens
    band = scale.task_bandwidth(n=300, weeks=5, copy_mb=8)
    assert band["bytes_touched_mb"] > 0 and band["copy_gb_per_s"] > 0 and band["step_ms"] > 0


def test_the_generated_inputs_are_made_from_a_seed():
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(1).spawn(3)]
    cases = generated_inputs.scenario_cases(40, streams[0], ["evangelists", "heavy_control"])
    again = generated_inputs.scenario_cases(
        40, np.random.default_rng(np.random.SeedSequence(1).spawn(3)[0]),
        ["evangelists", "heavy_control"],
    )  # fmt: skip
    assert len(cases) == 40 and [c["what"] for c in cases] == [c["what"] for c in again]
    assert len(generated_inputs.org_cases(20, streams[1])) == 20
    assert len(generated_inputs.experiment_cases(15, streams[2])) == 15


def test_the_sweep_benchmark_runs_at_tiny_sizes():
    from benchmarks import sweeps

    rows = sweeps.throughput(weeks=2) + sweeps.sobol(samples=2, replicates=2, weeks=2)
    rows += sweeps.executors(points=3, weeks=2, dask=False)
    assert [r["runs"] for r in rows] == [80] * 4 + [36] + [30] * 4
    assert all(r["runs_per_s"] > 0 for r in rows)


def test_the_observe_benchmark_runs_at_tiny_sizes():
    from benchmarks import observe

    row = observe.task_observe(people=50, days=8, repeats=1)
    assert row["weeks"] == 1 and row["matched"] == 50 and row["best_s"] > 0
