"""Sweeps at ensemble speed: the same runs as a plain ensemble, a sweep, a batched sweep.

    python benchmarks/sweeps.py                # the figures of docs/performance.md
    python benchmarks/sweeps.py --quick        # smaller, to check the code runs

Measured side by side in one process and minute, on the baseline organization (2,000
employees, 52 weeks):

* ``ensemble``: ``adoptsim.run`` of 80 runs on one thread and on two;
* ``throughput``: ``experiments/throughput.yaml`` (8 points x 10 replicates, habit weight),
  sequential, on 2 threads and on 2 processes with points batched as replicates, and (for
  comparison) sequential point by point;
* ``executors``: a 2,000-run sweep (200 points x 10 replicates over the strategy-free
  baseline's habit and social weights) sequential, on 2 threads, on 2 local processes
  (batched, and point by point) and on a Dask
  LocalCluster of 2 single-threaded workers;
* ``sobol``: a Sobol design of 256 x 9 = 2,304 points x 5 replicates over the seven
  behavioural parameters of ``experiments/sensitivity.yaml``, on 2 local processes.

Prints a table and writes ``benchmarks/sweeps.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import adoptsim  # noqa: E402
from adoptsim.sweeps.experiment import experiment_from_data, load_experiment  # noqa: E402
from benchmarks.run import machine  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
#: the module (``adoptsim.sweeps.sweep`` the attribute is the function)
sweepmod = importlib.import_module("adoptsim.sweeps.sweep")


def _timed(fn) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _sweep_rate(exp, label: str, per_point: bool = False, **kwargs) -> dict:
    """Runs per second of one sweep of ``exp`` (``per_point``: without batching points)."""
    batched = sweepmod.batched
    if per_point:
        sweepmod.batched = lambda exp: False
    try:
        seconds, table = _timed(lambda: sweepmod.sweep(exp, store=False, **kwargs))
    finally:
        sweepmod.batched = batched
    runs = len(table)
    assert (table["status"] == "ok").all(), table["error"].unique()[:3]
    return {
        "what": label,
        "runs": runs,
        "seconds": round(seconds, 2),
        "runs_per_s": round(runs / seconds, 1),
    }


def ensemble(runs: int, weeks: int) -> list[dict]:
    """The plain ensemble on one thread and on two."""
    spec = adoptsim.load_scenario(BASELINE).model_copy(update={"weeks": weeks})
    rows = []
    for workers in (1, 2):
        seconds, _ = _timed(lambda w=workers: adoptsim.run(spec, runs=runs, seed=1, workers=w))
        rows.append(
            {
                "what": f"ensemble, {workers} thread(s)",
                "runs": runs,
                "seconds": round(seconds, 2),
                "runs_per_s": round(runs / seconds, 1),
            }
        )
    return rows


def _experiment(data: dict[str, Any], weeks: int):
    data = {"scenario": str(BASELINE), "seed": 1, **data}
    data.setdefault("fixed", {})["weeks"] = weeks
    return experiment_from_data(data)


def throughput(weeks: int) -> list[dict]:
    """experiments/throughput.yaml sequential, batched and point by point."""
    exp = load_experiment(ROOT / "experiments" / "throughput.yaml")
    exp = _experiment({**exp.model_dump(exclude={"scenario", "source"}), "name": "tp"}, weeks)
    return [
        _sweep_rate(exp, "throughput sweep, sequential, batched", executor="sequential"),
        _sweep_rate(exp, "throughput sweep, 2 threads, batched", executor="threads", workers=2),
        _sweep_rate(exp, "throughput sweep, 2 processes, batched", executor="processes", workers=2),
        _sweep_rate(
            exp, "throughput sweep, sequential, point by point", True, executor="sequential"
        ),
    ]


def executors(points: int, weeks: int, dask: bool = True) -> list[dict]:
    """A sweep of ``points`` x 10 runs on each evaluator."""
    exp = _experiment(
        {
            "name": "executors",
            "design": "latin_hypercube",
            "samples": points,
            "replicates": 10,
            "parameters": [
                {"path": "behavior.w_habit", "low": 0.2, "high": 0.45},
                {"path": "behavior.w_social", "low": 0.07, "high": 0.21},
            ],
            "metrics": ["final_active_share", "sustained_share"],
        },
        weeks,
    )
    rows = [
        _sweep_rate(exp, "sweep, sequential", executor="sequential"),
        _sweep_rate(exp, "sweep, 2 threads", executor="threads", workers=2),
        _sweep_rate(exp, "sweep, 2 processes", executor="processes", workers=2),
        _sweep_rate(
            exp, "sweep, 2 processes, point by point", True, executor="processes", workers=2
        ),
    ]
    if dask:
        rows.append(
            _sweep_rate(exp, "sweep, Dask LocalCluster 2 workers", executor="dask", workers=2)
        )
    return rows


def sobol(samples: int, replicates: int, weeks: int) -> list[dict]:
    """A Sobol sweep over the seven parameters of experiments/sensitivity.yaml."""
    sens = load_experiment(ROOT / "experiments" / "sensitivity.yaml")
    data = sens.model_dump(exclude={"scenario", "source"})
    data.update(
        name="sobol", samples=samples, replicates=replicates, metrics=["final_active_share"]
    )
    exp = _experiment(data, weeks)
    return [
        _sweep_rate(
            exp,
            f"Sobol {samples} samples x {replicates} runs, 2 processes",
            executor="processes",
            workers=2,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (checks the code)")
    parser.add_argument("--out", type=Path, default=HERE / "sweeps.json")
    args = parser.parse_args()
    weeks = 8 if args.quick else 52
    print("| what | runs | seconds | runs/s |")
    print("|---|---:|---:|---:|")
    rows: list[dict] = []
    for part in (
        lambda: ensemble(80, weeks),
        lambda: throughput(weeks),
        lambda: executors(20 if args.quick else 200, weeks),
        lambda: sobol(8 if args.quick else 256, 5, weeks),
    ):
        for r in part():
            rows.append(r)
            print(f"| {r['what']} | {r['runs']:,} | {r['seconds']} | {r['runs_per_s']} |")
    args.out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
