"""adoptsim's performance, measured side by side with its references, in one run.

    python benchmarks/run.py            # the full set (several minutes; tries 1,000,000)
    python benchmarks/run.py --quick    # smaller sizes, fewer weeks (about a minute)

Writes ``benchmarks/results.json`` and ``benchmarks/step_time.png`` (log-log chart of the
weekly step against the organization's size) and prints a table with the ratios. Every
measurement runs in a fresh Python process, so its peak memory is its own.

Measured:

* adoptsim's full utility model with the four core strategies on: organization build,
  set-up, per-week step time (median of the weeks) and peak memory at 1,000 to 1,000,000
  employees (one replicate);
* ensemble throughput: runs per second of ``adoptsim.run`` (the whole pipeline, Result
  included) for the 2,000-employee, 52-week baseline with 100 replicates, on one thread and
  on all processors;
* the references: (a) ``naive_mesa.py``, adoptsim's rule agent by agent in Mesa, against
  adoptsim on the same organization and weeks (no strategies, the rule it implements);
  (b) adoptsim's threshold mode against NDlib's ``ThresholdModel`` and the bare sparse
  kernel of ``kernel.py`` on the same graph (the organization's ties with weight 1), same
  thresholds and seeds, checking that all three adopt the same people each week.

Timed numbers depend on the machine and its load: the machine and its load average are
recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

#: the four core strategies, all acting during the measured weeks
CORE_STRATEGIES = [
    {"type": "evangelists", "start": 1, "end": 40},
    {"type": "senior_sponsor", "start": 2, "renew_every": 8},
    {"type": "heavy_control", "start": 4, "end": 30, "target": {"departments": ["Sales"]}},
    {"type": "remove_alternatives", "start": 20},
]
THRESHOLD = 0.15  # threshold mode: adopted share of tie weight needed
SEED_SHARE = 0.02  # threshold mode: share of employees seeded as adopters


# --- the measurements (each runs in its own process) -----------------------------------------
def _scenario(n: int, weeks: int, strategies: list | None = None, behavior: dict | None = None):
    from adoptsim.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    data = base.model_dump(mode="json")
    data["organization"]["generate"]["employees"] = n
    data.update(weeks=weeks, strategies=strategies or [], behavior=behavior or {})
    return base.model_validate(data)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _steps(sim, weeks: int, cpu: list | None = None) -> list[float]:
    """Wall seconds of each week's step (processor seconds appended to ``cpu``)."""
    seconds = []
    for _ in range(weeks):
        c0, t0 = time.process_time(), time.perf_counter()
        sim.step()
        seconds.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return seconds


def task_utility(n: int, weeks: int, strategies: bool) -> dict:
    """The full model at size n, one replicate."""
    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    spec = _scenario(n, weeks, CORE_STRATEGIES if strategies else [])
    base_rss = _rss_mb()
    t0 = time.perf_counter()
    org = build_org(spec, 1)
    org.adjacency  # noqa: B018  (part of the build)
    t1 = time.perf_counter()
    sim = Simulation(spec, org, 1, [0])
    t2 = time.perf_counter()
    cpu: list[float] = []
    seconds = _steps(sim, weeks, cpu)
    kernel = _kernel_ms(org.adjacency, weeks)  # the floor, same process, same moment
    return {
        "employees": n,
        "ties": int(org.adjacency.nnz // 2),
        "weeks": weeks,
        "org_build_s": t1 - t0,
        "setup_s": t2 - t1,
        "step_ms_median": 1e3 * statistics.median(seconds),
        "step_ms_mean": 1e3 * statistics.mean(seconds),
        "step_ms_max": 1e3 * max(seconds),
        "step_cpu_ms_median": 1e3 * statistics.median(cpu),
        "kernel_step_ms": kernel,
        "total_s": t2 - t0 + sum(seconds),
        "final_active_share": float(sim.curves[sim.week, 0, 3]),
        "peak_rss_mb": _rss_mb(),
        "rss_after_imports_mb": base_rss,
    }


def _kernel_ms(A, weeks: int) -> float:
    """Median weekly step of the bare threshold kernel on ``A`` (same seeds and thresholds
    as the threshold comparison)."""
    import numpy as np
    from kernel import threshold_kernel

    n = A.shape[0]
    seeds = np.random.default_rng(7).random(n) < SEED_SHARE
    _, seconds = threshold_kernel(A, np.full(n, THRESHOLD), seeds, min(weeks, 20))
    return 1e3 * statistics.median(seconds)


def task_ensemble(n: int, weeks: int, runs: int, workers: int, repeats: int) -> dict:
    """Runs per second of adoptsim.run on the baseline (org build and Result included)."""
    import adoptsim

    spec = _scenario(n, weeks)
    adoptsim.run(spec, runs=4, seed=1, workers=workers)  # warm-up (imports, caches)
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        result = adoptsim.run(spec, runs=runs, seed=1, workers=workers)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    best = min(walls)
    return {
        "employees": n,
        "weeks": weeks,
        "runs": runs,
        "workers": workers,
        "wall_s": walls,
        "runs_per_s": runs / best,
        "runs_per_s_median": runs / statistics.median(walls),
        "cpu_s": cpus,
        "runs_per_cpu_s": runs / min(cpus),
        "events": len(result.events),
        "peak_rss_mb": _rss_mb(),
    }


def task_naive(n: int, weeks: int) -> dict:
    """adoptsim (no strategies) against the per-agent Mesa version of its rule."""
    from naive_mesa import NaiveAdoptionModel

    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    spec = _scenario(n, weeks)
    org = build_org(spec, 1)
    Simulation(spec, org, 2, [0]).run()  # warm-up: every compiled kernel loads once
    sim = Simulation(spec, org, 1, [0])
    fast = _steps(sim, weeks)
    t0 = time.perf_counter()
    model = NaiveAdoptionModel(spec, org, seed=1)
    setup = time.perf_counter() - t0
    slow = _steps(model, weeks)
    naive_curves = model.datacollector.get_model_vars_dataframe()
    return {
        "employees": n,
        "weeks": weeks,
        "adoptsim_step_ms": 1e3 * statistics.mean(fast),
        "naive_step_ms": 1e3 * statistics.mean(slow),
        "naive_setup_s": setup,
        "speedup": statistics.mean(slow) / statistics.mean(fast),
        "aware_share_adoptsim": float(sim.curves[sim.week, 0, 1]),
        "aware_share_naive": float(naive_curves["aware_share"].iloc[-1]),
        "peak_rss_mb": _rss_mb(),
    }


def _binary_org(org):
    """The same people and pairs, every tie of weight 1 (NDlib counts neighbours)."""
    import numpy as np

    from adoptsim.org import Organization

    key = np.unique(org.edge_src * org.n + org.edge_dst)
    return Organization(
        ids=org.ids,
        departments=org.departments,
        department=org.department,
        role=org.role,
        level=org.level,
        manager=org.manager,
        edge_src=key // org.n,
        edge_dst=key % org.n,
        edge_kind=np.zeros(key.size, dtype=np.int8),
        edge_weight=np.ones(key.size),
    )


def task_threshold(n: int, weeks: int, ndlib: bool) -> dict:
    """Threshold mode: adoptsim, the bare kernel and NDlib on the same graph and seeds."""
    import numpy as np
    from kernel import threshold_kernel

    from adoptsim.model.engine import Simulation
    from adoptsim.runs.runner import build_org

    org = _binary_org(build_org(_scenario(n, weeks), 1))
    A = org.adjacency
    rng = np.random.default_rng(7)
    seeds = rng.random(n) < SEED_SHARE
    thresholds = np.where(seeds, 0.0, THRESHOLD)  # seeds adopt in adoptsim's first week
    out: dict = {"employees": n, "ties": int(A.nnz // 2), "weeks": weeks}

    first_kernel_ms = _kernel_ms(A, weeks)
    # adoptsim: week 1 adopts the seeds (threshold 0), so it runs one week more
    behavior = {"mode": "threshold", "thresholds": thresholds.tolist()}
    spec = _scenario(n, weeks + 1, behavior=behavior)
    sim = Simulation(spec, org, 1, [0])
    t = _steps(sim, weeks + 1)
    ours = [round(c * n) for c in sim.curves[2 : weeks + 2, 0, 3]]  # active share
    out["adoptsim_step_ms"] = 1e3 * statistics.median(t[1:])

    kernel_counts, kt = threshold_kernel(A, np.full(n, THRESHOLD), seeds, weeks)
    # timed again after adoptsim, at about the same moment: the faster of the two medians
    out["kernel_step_ms"] = min(first_kernel_ms, 1e3 * statistics.median(kt))
    out["same_as_kernel"] = ours == kernel_counts
    out["adopters_by_week"] = kernel_counts
    if ndlib:
        try:
            import ndlib.models.epidemics as ep
            import ndlib.models.ModelConfig as mc
            import networkx as nx
        except ImportError as exc:  # the `bench` extra is not installed
            out["ndlib_error"] = f"{type(exc).__name__}: {exc}"
        else:
            g = nx.Graph()
            g.add_nodes_from(range(n))
            g.add_edges_from(zip(org.edge_src.tolist(), org.edge_dst.tolist(), strict=True))
            model = ep.ThresholdModel(g, seed=1)
            config = mc.Configuration()
            for node in range(n):
                config.add_node_configuration("threshold", node, THRESHOLD)
            config.add_model_initial_configuration("Infected", np.flatnonzero(seeds).tolist())
            model.set_initial_status(config)
            model.iteration(node_status=False)  # iteration 0: the initial state
            nt, nd_counts = [], []
            for _ in range(weeks):
                t0 = time.perf_counter()
                it = model.iteration(node_status=False)
                nt.append(time.perf_counter() - t0)
                nd_counts.append(int(it["node_count"][1]))
            out["ndlib_step_ms"] = 1e3 * statistics.median(nt)
            out["same_as_ndlib"] = nd_counts == kernel_counts
    out["peak_rss_mb"] = _rss_mb()
    return out


TASKS = {
    "utility": task_utility,
    "ensemble": task_ensemble,
    "naive": task_naive,
    "threshold": task_threshold,
}


# --- orchestration ---------------------------------------------------------------------------
def measure(task: str, timeout: float, **kwargs) -> dict:
    """Run one task in a fresh process; an error or a timeout is recorded, not raised."""
    cmd = [sys.executable, __file__, "--task", task, "--args", json.dumps(kwargs)]
    label = f"{task} {kwargs}"
    print(f"  {label} ...", end="", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        print(f" stopped after {timeout:.0f} s")
        return {**kwargs, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        reason = "killed (out of memory?)" if proc.returncode < 0 else " | ".join(tail)
        print(f" failed ({reason})")
        return {**kwargs, "error": f"exit {proc.returncode}: {reason}"}
    print(f" {wall:.1f} s")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict:
    """What the figures were measured on."""
    import mesa
    import numpy
    import scipy

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return {
        "cpu": cpu,
        "processors": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0,
        "memory_gb": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "mesa": mesa.__version__,
        "load_average_start": os.getloadavg(),
    }


def run_all(quick: bool) -> dict:
    sizes = [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    weeks = 20 if quick else 52
    results: dict = {"machine": machine(), "quick": quick}
    print("adoptsim full model (utility mode, four core strategies):")
    results["utility"] = [
        measure("utility", 1800, n=n, weeks=weeks, strategies=True) for n in sizes
    ]
    print("ensemble throughput (baseline, 2,000 employees, 52 weeks, 100 runs):")
    results["ensemble"] = [
        measure("ensemble", 600, n=2000, weeks=52, runs=100, workers=w, repeats=3)
        for w in (1, results["machine"]["processors"] or 1)
    ]
    print("reference (a): naive per-agent Mesa version of adoptsim's rule:")
    naive = [(1_000, 10 if quick else 26), (10_000, 5 if quick else 26)]
    results["naive"] = [measure("naive", 1800, n=n, weeks=w) for n, w in naive]
    print("reference (b): threshold mode, NDlib and the bare sparse kernel:")
    results["threshold"] = [
        measure("threshold", 1800, n=n, weeks=10, ndlib=n <= (10_000 if quick else 100_000))
        for n in sizes
    ]
    results["machine"]["load_average_end"] = os.getloadavg()
    results["ratios"] = ratios(results)
    return results


def ratios(results: dict) -> dict:
    """The comparisons the issue asks for."""
    out: dict = {}
    for row in results["threshold"]:
        if "kernel_step_ms" in row:
            n = row["employees"]
            out[f"threshold_mode_over_kernel_{n}"] = row["adoptsim_step_ms"] / row["kernel_step_ms"]
            if "ndlib_step_ms" in row:
                out[f"ndlib_over_threshold_mode_{n}"] = (
                    row["ndlib_step_ms"] / row["adoptsim_step_ms"]
                )
    for row in results["naive"]:
        if "speedup" in row:
            out[f"naive_mesa_over_adoptsim_{row['employees']}"] = row["speedup"]
    full = {r["employees"]: r for r in results["utility"] if "step_ms_median" in r}
    for n, r in sorted(full.items()):  # the kernel timed in the same process, same moment
        out[f"full_model_over_kernel_{n}"] = r["step_ms_median"] / r["kernel_step_ms"]
    sizes = sorted(full)
    if len(sizes) >= 2:  # slope of log(step time) against log(size), largest sizes
        import math

        a, b = sizes[-2], sizes[-1]
        out["loglog_slope_full_model"] = math.log(
            full[b]["step_ms_median"] / full[a]["step_ms_median"]
        ) / math.log(b / a)
    return out


def table(results: dict) -> str:
    """The results as Markdown tables."""
    lines = [
        "| employees | ties | org build (s) | step (ms/week) | step, processor time (ms) | "
        "bare kernel, same moment (ms) | 52 weeks + build (s) | peak memory (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["utility"]:
        if "error" in r:
            lines.append(f"| {r['n']:,} | | | {r['error']} | | | | |")
            continue
        total = r["org_build_s"] + r["setup_s"] + r["step_ms_mean"] * 52 / 1e3
        lines.append(
            f"| {r['employees']:,} | {r['ties']:,} | {r['org_build_s']:.2f} | "
            f"{r['step_ms_median']:.2f} | {r['step_cpu_ms_median']:.2f} | "
            f"{r['kernel_step_ms']:.2f} | {total:.1f} | {r['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "| ensemble (2,000 x 52 weeks x 100 runs) | runs/s (best of 3) | median | "
        "runs per processor-second |",
        "|---|---:|---:|---:|",
    ]
    for r in results["ensemble"]:
        if "error" not in r:
            lines.append(
                f"| {r['workers']} thread(s) | {r['runs_per_s']:.0f} | "
                f"{r['runs_per_s_median']:.0f} | {r['runs_per_cpu_s']:.0f} |"
            )
    lines += [
        "",
        "| reference | employees | reference (ms/week) | adoptsim (ms/week) | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results["naive"]:
        if "error" not in r:
            lines.append(
                f"| naive per-agent Mesa, adoptsim's rule | {r['employees']:,} | "
                f"{r['naive_step_ms']:.1f} | {r['adoptsim_step_ms']:.2f} | {r['speedup']:.0f}x |"
            )
    for r in results["threshold"]:
        if "error" in r:
            continue
        if "ndlib_step_ms" in r:
            lines.append(
                f"| NDlib ThresholdModel vs threshold mode | {r['employees']:,} | "
                f"{r['ndlib_step_ms']:.1f} | {r['adoptsim_step_ms']:.2f} | "
                f"{r['ndlib_step_ms'] / r['adoptsim_step_ms']:.0f}x |"
            )
        lines.append(
            f"| bare sparse kernel vs threshold mode | {r['employees']:,} | "
            f"{r['kernel_step_ms']:.2f} | {r['adoptsim_step_ms']:.2f} | "
            f"{r['adoptsim_step_ms'] / r['kernel_step_ms']:.1f}x slower |"
        )
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    """Log-log chart of the weekly step against the number of employees."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {
        "adoptsim, full model + 4 strategies": [
            (r["employees"], r["step_ms_median"]) for r in results["utility"] if "error" not in r
        ],
        "adoptsim, threshold mode": [
            (r["employees"], r["adoptsim_step_ms"])
            for r in results["threshold"]
            if "error" not in r
        ],
        "bare sparse kernel (threshold)": [
            (r["employees"], r["kernel_step_ms"]) for r in results["threshold"] if "error" not in r
        ],
        "NDlib ThresholdModel": [
            (r["employees"], r["ndlib_step_ms"])
            for r in results["threshold"]
            if "ndlib_step_ms" in r
        ],
        "naive per-agent Mesa (adoptsim's rule)": [
            (r["employees"], r["naive_step_ms"]) for r in results["naive"] if "error" not in r
        ],
    }
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for (label, points), marker in zip(series.items(), "osD^v", strict=True):
        if points:
            x, y = zip(*sorted(points), strict=True)
            ax.plot(x, y, marker=marker, label=label)
    full = sorted(series["adoptsim, full model + 4 strategies"])
    if len(full) >= 2:  # slope 1 (cost proportional to size) through the 100,000 point
        x0, y0 = next(((x, y) for x, y in full if x == 100_000), full[-1])
        xs = [full[0][0], full[-1][0]]
        ax.plot(xs, [y0 * x / x0 for x in xs], ls=":", color="grey", label="proportional to size")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("employees")
    ax.set_ylabel("step time per week (ms)")
    ax.set_title("Weekly step against organization size (one replicate)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer weeks")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    parser.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:  # a worker process: one measurement, printed as JSON
        print(json.dumps(TASKS[args.task](**json.loads(args.args))))
        return
    results = run_all(args.quick)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    chart(results, args.out.with_name("step_time.png"))
    print()
    print(table(results))
    print()
    for key, value in results["ratios"].items():
        print(f"{key}: {value:.2f}")
    print(f"\nwrote {args.out} and {args.out.with_name('step_time.png')}")


if __name__ == "__main__":
    main()
