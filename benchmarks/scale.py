"""The largest employers: one run of a generated organization, as ``adoptsim run`` does it.

    python benchmarks/scale.py                 # 10,000 to 2,100,000 employees, 52 weeks
    python benchmarks/scale.py --sizes 10000,100000 --weeks 20
    python benchmarks/scale.py --bandwidth     # the 100,000-employee week against memory

Each size runs in a fresh process: the organization's build, 52 weeks of one replicate
(``adoptsim.run``, strategies off), writing the results folder, and the process's peak
memory; then bytes per employee and per tie. Prints a table and writes
``benchmarks/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import _rss_mb, _scenario, machine  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000, 2_100_000)


def task_scale(n: int, weeks: int) -> dict:
    """Build, run and save one replicate of an ``n``-employee organization."""
    import adoptsim
    from adoptsim.runs.runner import build_org

    spec = _scenario(n, weeks)
    base = _rss_mb()
    t0 = time.perf_counter()
    org = build_org(spec, spec.seed)
    ties = int(org.adjacency.nnz // 2)
    build = time.perf_counter() - t0
    del org
    t0 = time.perf_counter()
    result = adoptsim.run(spec, runs=1, seed=spec.seed)
    run = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result.save(Path(tmp) / "out")
        save = time.perf_counter() - t0
    peak = _rss_mb()
    return {
        "employees": n,
        "ties": ties,
        "weeks": weeks,
        "build_s": round(build, 2),
        "run_s": round(run, 2),
        # the run without the organization's build, per week (tables and setup included)
        "ms_per_week": round(1e3 * (run - build) / weeks, 1),
        "save_s": round(save, 2),
        "events": len(result.events),
        "peak_mb": round(peak),
        "bytes_per_employee": round((peak - base) * 2**20 / n),
        "bytes_per_tie": round((peak - base) * 2**20 / max(ties, 1)),
    }


def _state_bytes(sim, n: int) -> int:
    """Bytes of the arrays a week reads or writes: every per-employee array the simulation
    holds (state, traits, levers, work arrays; each counted once) and the ties."""
    seen: dict[int, int] = {}

    def visit(obj, depth: int = 0) -> None:
        if isinstance(obj, np.ndarray):
            base = obj.base if isinstance(obj.base, np.ndarray) else obj
            if obj.size >= n and obj.size % n == 0:
                seen[id(base)] = max(seen.get(id(base), 0), base.nbytes)
        elif depth < 2 and isinstance(obj, dict | list | tuple):
            for v in obj.values() if isinstance(obj, dict) else obj:
                visit(v, depth + 1)
        elif depth < 2 and hasattr(obj, "__dict__") and not isinstance(obj, type):
            for v in vars(obj).values():
                visit(v, depth + 1)
        elif depth < 2 and hasattr(obj, "_fields"):  # named tuples
            for v in obj:
                visit(v, depth + 1)

    for value in vars(sim).values():
        visit(value)
    w = sim.W
    return sum(seen.values()) + w.data.nbytes + w.indices.nbytes + w.indptr.nbytes


def task_bandwidth(n: int, weeks: int, copy_mb: int = 512) -> dict:
    """The weekly step at ``n`` employees against the machine's memory bandwidth: the bytes
    the step must touch (each array once), the week's median time, and a NumPy copy of a
    ``copy_mb`` array (read and write) measured in the same process."""
    import statistics

    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org
    from benchmarks.run import _steps

    spec = _scenario(n, weeks)
    org = build_org(spec, 1)
    sim = Simulation(spec, org, 1, [0])
    _steps(sim, 3)  # past the first weeks' allocations
    seconds = statistics.median(_steps(sim, weeks - 3))
    touched = _state_bytes(sim, n)
    src = np.ones(copy_mb * 2**17)  # 8-byte floats
    dst = np.empty_like(src)
    copies = []
    for _ in range(5):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        copies.append(time.perf_counter() - t0)
    machine_gbs = 2 * src.nbytes / min(copies) / 1e9
    return {
        "employees": n,
        "ties": int(org.adjacency.nnz // 2),
        "step_ms": round(1e3 * seconds, 2),
        "bytes_touched_mb": round(touched / 2**20, 1),
        "step_gb_per_s": round(touched / seconds / 1e9, 2),
        "copy_gb_per_s": round(machine_gbs, 2),
        "share_of_copy": round(touched / seconds / 1e9 / machine_gbs, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--out", type=Path, default=HERE / "scale.json")
    parser.add_argument(
        "--bandwidth", action="store_true", help="the 100,000-employee week against memory"
    )
    parser.add_argument("--task", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        print(json.dumps(task_scale(**json.loads(args.args))))
        return
    if args.bandwidth:
        print(json.dumps(task_bandwidth(100_000, 20), indent=2))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows.append(measure_scale(n, args.weeks))
    args.out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2) + "\n")
    cols = ["employees", "ties", "build_s", "run_s", "ms_per_week", "save_s", "peak_mb",
            "bytes_per_employee", "bytes_per_tie"]  # fmt: skip
    print("| " + " | ".join(cols) + " |")
    print("|" + "---:|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c, r.get("error", ""))) for c in cols) + " |")


def measure_scale(n: int, weeks: int) -> dict:
    """One size in a fresh process (an error or timeout is recorded, not raised)."""
    import subprocess

    cmd = [sys.executable, __file__, "--task", "--args", json.dumps({"n": n, "weeks": weeks})]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"employees": n, "error": "timed out after 900 s"}
    if proc.returncode != 0:
        return {"employees": n, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
