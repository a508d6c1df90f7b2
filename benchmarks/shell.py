"""The command line as a user meets it: every figure is a fresh ``adoptsim`` process.

    python benchmarks/shell.py               # the figures of docs/performance.md
    python benchmarks/shell.py --quick       # smaller, to check the code runs
    python benchmarks/shell.py --repeats 5   # more runs of each command

Each command runs ``--repeats`` times, the commands interleaved (so a change of load hits
them alike); for each, the median wall time and the median processor time it used (user +
system, from the kernel's accounting of the waited-for process: worker processes are
children of the fork server, not of the command, so a sweep on processes counts only the
command's own process):

* ``adoptsim --help``; ``adoptsim --bogus`` and ``adoptsim run --bogus`` (bad flags);
* ``adoptsim run scenarios/baseline.yaml`` (2,000 employees, 50 runs, chart included: the
  run's processor time counts its chart painter, a child it waits for);
* a 2,000-run sweep (200 points x 10 replicates over the baseline's habit and social
  weights: the ``executors`` sweep of ``benchmarks/sweeps.py``) with ``--executor
  sequential`` and with ``--executor processes --workers 2``; the speed-up is the ratio
  of their median wall times (target: 1.6 or more, on a machine whose two processors are
  free).

The load average is recorded before and after: on a shared machine the wall times mean
little, the processor times more. Prints a table and writes ``benchmarks/shell.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
ADOPTSIM = [sys.executable, "-m", "adoptsim.cli"]


def sweep_file(folder: Path, points: int, weeks: int) -> Path:
    """The 2,000-run experiment of ``benchmarks/sweeps.py`` (``points`` x 10 runs)."""
    path = folder / "executors.yaml"
    data = {
        "name": "executors",
        "scenario": str(BASELINE),
        "seed": 1,
        "design": "latin_hypercube",
        "samples": points,
        "replicates": 10,
        "fixed": {"weeks": weeks},
        "parameters": [
            {"path": "behavior.w_habit", "low": 0.2, "high": 0.45},
            {"path": "behavior.w_social", "low": 0.07, "high": 0.21},
        ],
        "metrics": ["final_active_share", "sustained_share"],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and processor seconds (user + system, the command and its children) of ``cmd``
    (a bad flag's command must end with status 2, every other with 0)."""
    log = cwd / "stderr.txt"
    with log.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        # wait4 counts the process and the children it waited for (the worker processes)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != (2 if "--bogus" in cmd else 0):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{log.read_text()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def commands(folder: Path, points: int, weeks: int) -> dict[str, list[str]]:
    """The commands measured, by label."""
    exp = str(sweep_file(folder, points, weeks))
    runs = points * 10
    return {
        "adoptsim --help": [*ADOPTSIM, "--help"],
        "adoptsim --bogus (a bad flag)": [*ADOPTSIM, "--bogus"],
        "adoptsim run --bogus (a command's bad flag)": [*ADOPTSIM, "run", "--bogus"],
        "adoptsim run scenarios/baseline.yaml": [
            *ADOPTSIM, "run", str(BASELINE), "--out", str(folder / "run"), "--overwrite"
        ],
        f"sweep of {runs:,} runs, sequential": [
            *ADOPTSIM, "sweep", exp, "--out", str(folder / "seq"), "--overwrite",
            "--executor", "sequential",
        ],
        f"sweep of {runs:,} runs, 2 processes": [
            *ADOPTSIM, "sweep", exp, "--out", str(folder / "proc"), "--overwrite",
            "--executor", "processes", "--workers", "2",
        ],
    }  # fmt: skip


def measure(repeats: int, points: int, weeks: int) -> dict:
    """Every command ``repeats`` times, interleaved; medians and the load around them."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="adoptsim-shell-") as tmp:
        folder = Path(tmp)
        cmds = commands(folder, points, weeks)
        timed(cmds["adoptsim run scenarios/baseline.yaml"], folder)  # compiled loops cached
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
        for _ in range(repeats):
            for label, cmd in cmds.items():
                samples[label].append(timed(cmd, folder))
    rows = [
        {
            "what": label,
            "wall_s": round(statistics.median(w for w, _ in got), 2),
            "cpu_s": round(statistics.median(c for _, c in got), 2),
            "wall_all": [round(w, 2) for w, _ in got],
            "cpu_all": [round(c, 2) for _, c in got],
        }
        for label, got in samples.items()
    ]
    seq, proc = (r["wall_s"] for r in rows if r["what"].startswith("sweep of"))
    return {
        "rows": rows,
        "processes_speedup": round(seq / proc, 2),
        "repeats": repeats,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "processors": len(os.sched_getaffinity(0)),
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (checks the code)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "shell.json")
    args = parser.parse_args()
    points, weeks = (20, 8) if args.quick else (200, 52)
    out = measure(args.repeats, points, weeks)
    print("| command | wall s (median) | CPU s (median) |")
    print("|---|---:|---:|")
    for r in out["rows"]:
        print(f"| {r['what']} | {r['wall_s']} | {r['cpu_s']} |")
    print(
        f"2 processes / sequential: {out['processes_speedup']}x; load average "
        f"{out['load_average_before'][0]:.1f} before, {out['load_average_after'][0]:.1f} after"
    )
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
