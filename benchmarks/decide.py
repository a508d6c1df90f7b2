"""The speed of the decisions: one replan and one pilot ranking, timed.

    python benchmarks/decide.py               # both (a few minutes)
    python benchmarks/decide.py --replan      # one only
    python benchmarks/decide.py --pilot

* replan: scenarios/rollout.yaml (2,000 employees, 52 weeks) with its 12 observed weeks,
  200 particles, 100 trials (50 particles each), the default levers, budget left 60,000;
* pilot: experiments/pilot_designs.yaml (6 designs x 50 truths, a bank of 300 draws x 3
  plans per design, 2,000 employees).

Prints and writes to benchmarks/decide.json, for each: the wall time, the CPU time of
the process (all its threads: what the work costs, whatever the machine's load) and the
load average before and after; and the machine's processors. Wall times depend on the
machine and its load (on 2 processors under a load average of 7, the wall time is about
twice the CPU time); compare the CPU time across machines of the same speed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(work) -> tuple[object, dict]:
    """``work()``'s value, and its wall and CPU seconds with the load average around it."""
    load = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    value = work()
    times = {
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "cpu_seconds": round(time.process_time() - c0, 1),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    return value, times


def time_replan(workers: int | None) -> dict:
    from adoptsim.decide.replan import replan

    rp, times = timed(lambda: replan(
        ROOT / "scenarios" / "rollout.yaml", ROOT / "scenarios" / "data" / "rollout_weeks.csv",
        60_000, trials=100, particles=200, workers=workers,
    ))  # fmt: skip
    return times | {"today": rp.today, "changes": rp.changes, "gain": rp.gain,
                    "trials": len(rp.trials)}  # fmt: skip


def time_pilot(workers: int | None) -> dict:
    from adoptsim.decide import pilot

    analysis, times = timed(lambda: pilot(ROOT / "experiments" / "pilot_designs.yaml",
                                          workers=workers))  # fmt: skip
    best = analysis.recommended
    return times | {"recommended": str(best["design"]),
                    "band_narrowing": float(best["band_narrowing"])}  # fmt: skip


def show(name: str, r: dict) -> None:
    load = ", ".join(f"{x:.1f}" for x in r["load_before"])
    print(f"{name}: wall {r['wall_seconds']:.1f} s, CPU {r['cpu_seconds']:.1f} s "
          f"(load average before {load}; after {r['load_after'][0]:.1f})", flush=True)  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--replan", action="store_true")
    ap.add_argument("--pilot", action="store_true")
    ap.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    args = ap.parse_args()
    both = not (args.replan or args.pilot)
    out: dict = {"processors": len(os.sched_getaffinity(0)), "workers": args.workers}
    print(f"{out['processors']} processors", flush=True)
    if args.pilot or both:
        out["pilot"] = time_pilot(args.workers)
        show("pilot (6 designs x 50 truths)", out["pilot"])
        print("  recommended", out["pilot"]["recommended"], flush=True)
    if args.replan or both:
        out["replan"] = time_replan(args.workers)
        show("replan (2,000 employees, 200 particles, 100 trials)", out["replan"])
        print("  changes", out["replan"]["changes"], "gain", out["replan"]["gain"], flush=True)
    (Path(__file__).with_name("decide.json")).write_text(json.dumps(out, indent=2) + "\n")
